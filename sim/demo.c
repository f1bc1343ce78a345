/*  sim/demo.c - three hospitals, two DP studies and two DP queries, one
    call. */
#include "demo.h"
#include "consortium.h"
#include "evaluate.h"
#include "launch.h"
#include "simulate.h"
#include "split.h"
#include "coordinator/client.h"
#include "models/dictionary.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/file.h"

#include <czmq.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_SEED       20261122       //  the fixed split of the demo
#define S_SITES      3
#define S_LR_STEPS   10
#define S_MLP_STEPS  4
#define S_MLP_HIDDEN "8"
#define S_PATH_MAX   4096

//  Splits `file` across the sites into DIR/data/<site><suffix>.csv.
static int
s_split (const char *file, const char *label, const char *dir, char *const *sites,
         const char *suffix, uint64_t seed)
{
    char paths [S_SITES][S_PATH_MAX];
    const char *p [S_SITES];
    for (size_t i = 0; i < S_SITES; i++) {
        snprintf (paths [i], sizeof paths [i], "%s/data/%s%s.csv", dir, sites [i], suffix);
        p [i] = paths [i];
    }
    return sim_split_csv (file, label, SIM_SPLIT_LABEL_SKEW, S_SITES, seed, p, NULL);
}

//  Runs a study or query definition (text, freed) and writes its report
//  into dir = DIR/<tag> (sim_write_outputs); *report gets it. 0 or -1.
static int
s_run (sim_fed_t *fed, char *text, const sim_demo_t *demo, const char *tag, FILE *progress,
       char *dir, json_t **report)
{
    *report = NULL;
    if (!text)
        return -1;
    int rc = sim_fed_run (fed, text, 600, progress, report);
    free (text);
    if (rc)
        return -1;
    snprintf (dir, S_PATH_MAX, "%s/%s", demo->out, tag);
    if (mkdir (dir, 0755) && errno != EEXIST)
        return util_error (UTIL_EIO, "cannot create %s: %s", dir, strerror (errno));
    return sim_write_outputs (*report, dir);
}

//  One study: runs it, writes DIR/<tag>/report.*, prints its summary and
//  the exact AUC of its model on the pooled test rows `test`.
static int
s_study (sim_fed_t *fed, const sim_study_t *study, const sim_demo_t *demo, const char *tag,
         const char *test, size_t n_test, FILE *out)
{
    fprintf (out, "\n%s\n", study->name);
    fflush (out);
    json_t *report = NULL;
    char dir [S_PATH_MAX];
    int rc = s_run (fed, sim_study_text (study), demo, tag, demo->progress, dir, &report);
    if (rc == 0) {
        sim_summary (report, out);
        char model [S_PATH_MAX + 16];
        snprintf (model, sizeof model, "%s/model.json", dir);
        sim_scored_t scored;
        model_metrics_t m;
        if (sim_score (&scored, model, test, study->label) == 0) {
            if (sim_evaluate (&m, &scored) == 0)
                fprintf (out, "  exact      AUC %.4f, accuracy %.4f on the %zu held-out rows "
                         "(computed by\n             the demo, which holds all the data: a "
                         "check of the estimate)\n", m.auc, m.accuracy, n_test);
            sim_scored_clear (&scored);
        }
        fprintf (out, "  report     %s/report.html\n", dir);
        const char *status = json_string_value (json_object_get (json_object_get (report,
                                                                                  "study"),
                                                                 "status"));
        if (!status || strcmp (status, "completed"))
            rc = util_error (UTIL_EFAIL, "demo: study %s %s", study->name,
                             status? status: "has no status");
    }
    json_decref (report);
    return rc;
}

//  The consortium's data dictionary: both bundled datasets' dictionaries in
//  one file (their column names differ), written to `path`.
static int
s_dictionary (const sim_demo_t *demo, const char *path)
{
    char *parts [2] = { NULL, NULL }, *all = NULL;
    const char *names [2] = { "pima_diabetes_dictionary.csv",
                              "breast_cancer_wisconsin_dictionary.csv" };
    size_t len [2];
    int rc = -1;
    for (int i = 0; i < 2; i++) {
        char file [S_PATH_MAX];
        snprintf (file, sizeof file, "%s/%s", demo->datasets, names [i]);
        if (util_file_read (file, MODEL_DICT_BYTES_MAX, 0, &parts [i], &len [i]))
            goto done;
    }
    //  The second file without its header line.
    const char *rest = strchr (parts [1], '\n');
    rest = rest? rest + 1: "";
    all = util_asprintf ("%s%s%s", parts [0],
                         len [0] && parts [0][len [0] - 1] != '\n'? "\n": "", rest);
    model_dict_t *check = all? model_dict_parse (path, all, strlen (all)): NULL;
    if (check)
        rc = util_file_write (path, all, strlen (all), 0644, UTIL_FILE_REPLACE);
    model_dict_destroy (&check);
done:
    free (parts [0]);
    free (parts [1]);
    free (all);
    return rc? util_error_context ("demo: the data dictionary"): 0;
}

//  One query on the Pima data: runs it, writes DIR/<tag>/report.*, prints
//  its results.
static int
s_query (sim_fed_t *fed, const char *expr, const sim_demo_t *demo, const char *tag, FILE *out)
{
    coord_query_request_t request = { .expr = expr, .dataset = "pima_diabetes",
                                      .name = tag, .epsilon = 1, .delta = 1e-5,
                                      .min_sites = 2 };
    fprintf (out, "\nquery %s  (pima diabetes, epsilon 1)\n", expr);
    fflush (out);
    json_t *report = NULL;
    char dir [S_PATH_MAX];
    int rc = s_run (fed, coord_query_definition (&request), demo, tag, NULL, dir, &report);
    if (rc == 0) {
        sim_summary (report, out);
        fprintf (out, "  report     %s/report.html (and report.csv, report.json)\n", dir);
        const char *status = json_string_value (json_object_get (json_object_get (report, "job"),
                                                                 "status"));
        if (!status || strcmp (status, "completed"))
            rc = util_error (UTIL_EFAIL, "demo: query %s %s", expr, status? status: "has no status");
    }
    json_decref (report);
    return rc;
}

//  The consortium and the data: keys, certificates, configs, the splits.
static int
s_prepare (const sim_demo_t *demo, int port, char **sites, const char *breast,
           const char *pima, const char *train, const char *test, size_t *n_train,
           size_t *n_test, FILE *out)
{
    char path [S_PATH_MAX], endpoint [64];
    snprintf (path, sizeof path, "%s/data", demo->out);
    if ((mkdir (demo->out, 0755) && errno != EEXIST) || (mkdir (path, 0700) && errno != EEXIST))
        return util_error (UTIL_EIO, "cannot create %s: %s", path, strerror (errno));
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);
    fprintf (out, "Cohort demo: a consortium of 3 hospitals on 127.0.0.1:%d, everything in %s/\n",
             port, demo->out);
    fprintf (out, "  keys       2-of-3 threshold Paillier, %u bits; CURVE certificates\n",
             demo->bits);
    fflush (out);
    char *extra [] = { "pima_diabetes", NULL };
    sim_consortium_t c;
    sim_consortium_defaults (&c);
    c.out = demo->out;
    c.sites = sites;
    c.n_sites = S_SITES;
    c.threshold = 2;
    c.bits = demo->bits;
    c.force = true;
    c.endpoint = endpoint;
    c.dataset = "breast_cancer";
    c.test_files = true;
    c.extra_datasets = extra;
    c.n_extra = 1;
    //  Room for both studies (each (1, 1e-5)) on the breast cancer data,
    //  and both queries (each (1, 1e-5)) on the Pima data.
    c.budget_epsilon = 4;
    c.budget_delta = 5e-5;
    char dictionary [S_PATH_MAX];
    snprintf (dictionary, sizeof dictionary, "%s/data/consortium-dictionary.csv", demo->out);
    if (s_dictionary (demo, dictionary))
        return -1;
    c.dictionary = true;
    c.dictionary_path = dictionary;
    if (sim_consortium_write (&c))
        return -1;
    //  The fixed 70/30 split, then each side across the sites with skewed
    //  label proportions (hospitals see different case mixes).
    if (sim_split_holdout (breast, "malignant", 0.3, S_SEED, train, test, n_train, n_test)
    ||  s_split (train, "malignant", demo->out, sites, "", S_SEED)
    ||  s_split (test, "malignant", demo->out, sites, "-test", S_SEED + 1)
    ||  s_split (pima, "diabetes", demo->out, sites, "-pima_diabetes", S_SEED + 2))
        return util_error_context ("demo");
    fprintf (out, "  data       breast cancer: %zu training and %zu test rows, pima diabetes: "
             "768 rows,\n             split across the sites with skewed label proportions\n",
             *n_train, *n_test);
    fflush (out);
    return 0;
}

int
sim_demo_run (const sim_demo_t *demo, FILE *out)
{
    double t0 = (double) zclock_mono () / 1e3;
    char breast [S_PATH_MAX], pima [S_PATH_MAX], train [S_PATH_MAX], test [S_PATH_MAX];
    snprintf (breast, sizeof breast, "%s/breast_cancer_wisconsin.csv", demo->datasets);
    snprintf (pima, sizeof pima, "%s/pima_diabetes.csv", demo->datasets);
    char dict_a [S_PATH_MAX], dict_b [S_PATH_MAX];
    snprintf (dict_a, sizeof dict_a, "%s/breast_cancer_wisconsin_dictionary.csv", demo->datasets);
    snprintf (dict_b, sizeof dict_b, "%s/pima_diabetes_dictionary.csv", demo->datasets);
    if (access (breast, R_OK) || access (pima, R_OK) || access (dict_a, R_OK)
    ||  access (dict_b, R_OK))
        return util_error (UTIL_EIO, "demo: the bundled datasets are not in %s (two CSV files "
                           "and their dictionaries)", demo->datasets);
    snprintf (train, sizeof train, "%s/data/breast_cancer-train.csv", demo->out);
    snprintf (test, sizeof test, "%s/data/breast_cancer-test.csv", demo->out);
    int port = sim_free_port ();
    if (port < 0)
        return -1;
    char *sites [] = { "hospital-a", "hospital-b", "hospital-c", NULL };
    size_t n_train, n_test;
    if (s_prepare (demo, port, sites, breast, pima, train, test, &n_train, &n_test, out))
        return -1;
    sim_fed_t *fed = sim_fed_start (demo->out, port, sites, S_SITES);
    if (!fed)
        return -1;
    fprintf (out, "  processes  a coordinator and 3 sites (logs in %s/logs/)\n", demo->out);
    sim_study_t lr;
    sim_study_defaults (&lr);
    lr.name = "breast-cancer-dp-logistic";
    lr.steps = S_LR_STEPS;
    lr.sampling_rate = 0.5;
    lr.learning_rate = 0.2;
    lr.eval_every = 0;
    //  Few steps with large batches: the study's budget also pays for the
    //  standardisation statistics and the evaluation. Each MLP round
    //  decrypts every parameter: at 2048 bits a 30-64-1 network costs tens
    //  of seconds per round, so the demo's is 30-8-1.
    sim_study_t mlp = lr;
    mlp.name = "breast-cancer-dp-mlp";
    mlp.model = "mlp";
    mlp.hidden = S_MLP_HIDDEN;
    mlp.steps = S_MLP_STEPS;
    mlp.learning_rate = 0.05;
    int rc = s_study (fed, &lr, demo, "logistic", test, n_test, out)
          || s_study (fed, &mlp, demo, "mlp", test, n_test, out)
          || s_query (fed, "summary(glucose, mass, age, by=diabetes)", demo, "query-summary", out)
          || s_query (fed, "crosstab(diabetes, cut(age, c(-Inf, 30, 40, 50, Inf), right=FALSE))",
                      demo, "query-crosstab", out)
          || s_query (fed, "glm(diabetes ~ glucose + mass + age + pedigree, family=binomial)",
                      demo, "query-glm", out)? -1: 0;
    util_error_saved_t why;
    util_error_save (&why);
    sim_fed_stop (&fed);
    fprintf (out, "\ndemo %s in %.1f s\n", rc? "FAILED": "finished", (double) zclock_mono () / 1e3 - t0);
    return rc? util_error_restore (&why): 0;
}
