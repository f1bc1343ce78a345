/*  cli/cmd_demo.c - `cohort demo`: a whole consortium on loopback. Deals a
    2-of-3 threshold key and CURVE certificates, splits the bundled datasets
    across three hospital sites, starts a coordinator and the three site
    processes, runs a DP logistic regression and a DP MLP (30-8-1) on the
    breast cancer data (fixed 70/30 train/test split; epsilon 1, delta 1e-5
    each), and prints a summary and the paths of the HTML reports. */
#include "cli.h"
#include "util/error.h"
#include "cmd.h"
#include "consortium.h"
#include "localfed.h"
#include "simulate.h"
#include "sim/split.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef COHORT_DATASETS_DIR
#error "COHORT_DATASETS_DIR must name the bundled datasets/ directory"
#endif

#define S_SEED       20261122       //  the fixed split of the demo
#define S_SITES      3
#define S_LR_STEPS   10
#define S_MLP_STEPS  4
#define S_MLP_HIDDEN "8"

static void
s_usage (FILE *to)
{
    fputs ("usage: cohort demo [--out DIR] [--datasets DIR] [--bits B]\n"
           "\n"
           "Runs a consortium of three hospitals on this machine (real processes, CURVE\n"
           "on): keys and certificates, a coordinator, three sites holding parts of the\n"
           "bundled datasets, then a differentially private logistic regression (10 steps)\n"
           "and a DP MLP (30-8-1, 4 steps) on the breast cancer data (fixed 70/30 split),\n"
           "each at epsilon 1, delta 1e-5 per record. Prints the test AUC, the epsilon\n"
           "spent and the wall time of each study, and where the reports are.\n"
           "\n"
           "  --out DIR           where everything goes (default ./cohort-demo; replaced)\n"
           "  --datasets DIR      the bundled datasets (default: the source tree's)\n"
           "  --bits B            Paillier modulus bits (default 2048)\n", to);
}

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

//  Splits `file` of the datasets directory across the sites into
//  out/data/<site><suffix>.csv.
static int
s_split (const char *file, const char *label, const char *dir, char *const *sites,
         const char *suffix, uint64_t seed)
{
    char paths [S_SITES][4096];
    const char *p [S_SITES];
    for (size_t i = 0; i < S_SITES; i++) {
        snprintf (paths [i], sizeof paths [i], "%s/data/%s%s.csv", dir, sites [i], suffix);
        p [i] = paths [i];
    }
    if (sim_split_csv (file, label, SIM_SPLIT_LABEL_SKEW, S_SITES, seed, p, NULL)) {
        cli_error ("demo: %s", util_last_error ());
        return -1;
    }
    return 0;
}

//  One study: runs it, writes DIR/<tag>/report.*, prints its summary and
//  the exact AUC of its model on the pooled test rows `test`.
static int
s_study (cli_fed_t *fed, const cli_study_t *study, const char *dir, const char *tag,
         const char *test, size_t n_test)
{
    char *text = cli_study_text (study);
    if (!text)
        return -1;
    printf ("\n%s\n", study->name);
    fflush (stdout);
    json_t *report = NULL;
    int rc = cli_fed_run (fed, text, 600, isatty (2), &report);
    free (text);
    if (rc)
        return -1;
    char out [4096];
    snprintf (out, sizeof out, "%s/%s", dir, tag);
    if (mkdir (out, 0755) && errno != EEXIST) {
        cli_error ("cannot create %s: %s", out, strerror (errno));
        json_decref (report);
        return -1;
    }
    rc = cli_simulate_write_outputs (report, out);
    if (rc == 0) {
        cli_simulate_summary (report, stdout);
        double auc, acc;
        char model [4096 + 16];
        snprintf (model, sizeof model, "%s/model.json", out);
        if (cli_simulate_exact (model, test, &auc, &acc) == 0)
            printf ("  exact      AUC %.4f, accuracy %.4f on the %zu held-out rows (computed by\n"
                    "             the demo, which holds all the data: a check of the estimate)\n",
                    auc, acc, n_test);
        printf ("  report     %s/report.html\n", out);
        const char *status = json_string_value (json_object_get (json_object_get (report, "study"),
                                                                 "status"));
        if (!status || strcmp (status, "completed"))
            rc = -1;
    }
    json_decref (report);
    return rc;
}

int
cli_cmd_demo (int argc, char **argv)
{
    static const struct option options [] = {
        { "out",      required_argument, NULL, 'o' },
        { "datasets", required_argument, NULL, 'd' },
        { "bits",     required_argument, NULL, 'b' },
        { "help",     no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *dir = "cohort-demo", *datasets = COHORT_DATASETS_DIR;
    long bits = 2048;
    optind = 1;
    int opt;
    while ((opt = getopt_long (argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
            case 'o': dir = optarg; break;
            case 'd': datasets = optarg; break;
            case 'b': if (cli_parse_long ("--bits", optarg, 2048, 4096, &bits))
                          return CLI_USAGE;
                      if (bits % 64) {
                          cli_error ("--bits %ld: use 2048, 3072 or 4096", bits);
                          return CLI_USAGE;
                      }
                      break;
            case 'h': s_usage (stdout); return CLI_OK;
            default:  s_usage (stderr); return CLI_USAGE;
        }
    }
    if (optind < argc) {
        cli_error ("demo: unexpected argument '%s'", argv [optind]);
        return CLI_USAGE;
    }
    double t0 = s_now ();
    char breast [4096], pima [4096], path [4096];
    snprintf (breast, sizeof breast, "%s/breast_cancer_wisconsin.csv", datasets);
    snprintf (pima, sizeof pima, "%s/pima_diabetes.csv", datasets);
    if (access (breast, R_OK) || access (pima, R_OK)) {
        cli_error ("demo: the bundled datasets are not in %s (use --datasets DIR)", datasets);
        return CLI_FAIL;
    }
    if (mkdir (dir, 0755) && errno != EEXIST) {
        cli_error ("cannot create %s: %s", dir, strerror (errno));
        return CLI_FAIL;
    }
    snprintf (path, sizeof path, "%s/data", dir);
    if (mkdir (path, 0700) && errno != EEXIST) {
        cli_error ("cannot create %s: %s", path, strerror (errno));
        return CLI_FAIL;
    }
    int port = cli_fed_free_port ();
    if (port < 0)
        return CLI_FAIL;
    char *sites [] = { "hospital-a", "hospital-b", "hospital-c", NULL };
    char *extra [] = { "pima_diabetes", NULL };
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);
    printf ("Cohort demo: a consortium of 3 hospitals on 127.0.0.1:%d, everything in %s/\n",
            port, dir);
    printf ("  keys       2-of-3 threshold Paillier, %ld bits; CURVE certificates\n", bits);
    fflush (stdout);
    cli_consortium_t c;
    cli_consortium_defaults (&c);
    c.out = dir;
    c.sites = sites;
    c.n_sites = S_SITES;
    c.threshold = 2;
    c.bits = (unsigned) bits;
    c.force = true;
    c.endpoint = endpoint;
    c.dataset = "breast_cancer";
    c.test_files = true;
    c.extra_datasets = extra;
    c.n_extra = 1;
    //  Room for both studies (each (1, 1e-5)) on the breast cancer data.
    c.budget_epsilon = 4;
    c.budget_delta = 5e-5;
    if (cli_consortium_write (&c))
        return CLI_FAIL;
    //  The fixed 70/30 split, then each side across the sites with skewed
    //  label proportions (hospitals see different case mixes).
    char train [4096], test [4096];
    snprintf (train, sizeof train, "%s/data/breast_cancer-train.csv", dir);
    snprintf (test, sizeof test, "%s/data/breast_cancer-test.csv", dir);
    size_t n_train, n_test;
    if (sim_split_holdout (breast, "malignant", 0.3, S_SEED, train, test, &n_train, &n_test)) {
        cli_error ("demo: %s", util_last_error ());
        return CLI_FAIL;
    }
    if (s_split (train, "malignant", dir, sites, "", S_SEED)
    ||  s_split (test, "malignant", dir, sites, "-test", S_SEED + 1)
    ||  s_split (pima, "diabetes", dir, sites, "-pima_diabetes", S_SEED + 2))
        return CLI_FAIL;
    printf ("  data       breast cancer: %zu training and %zu test rows, pima diabetes: 768 rows,\n"
            "             split across the sites with skewed label proportions\n",
            n_train, n_test);
    fflush (stdout);

    cli_fed_t *fed = cli_fed_start (dir, port, sites, S_SITES);
    if (!fed)
        return CLI_FAIL;
    printf ("  processes  a coordinator and 3 sites (logs in %s/logs/)\n", dir);
    cli_study_t lr;
    cli_study_defaults (&lr);
    lr.name = "breast-cancer-dp-logistic";
    lr.steps = S_LR_STEPS;
    lr.sampling_rate = 0.5;
    lr.learning_rate = 0.2;
    lr.eval_every = 0;
    //  Few steps with large batches: the study's budget also pays for the
    //  standardisation statistics and the evaluation. Each MLP round
    //  decrypts every parameter: at 2048 bits a 30-64-1 network costs tens
    //  of seconds per round, so the demo's is 30-8-1.
    cli_study_t mlp = lr;
    mlp.name = "breast-cancer-dp-mlp";
    mlp.model = "mlp";
    mlp.hidden = S_MLP_HIDDEN;
    mlp.steps = S_MLP_STEPS;
    mlp.learning_rate = 0.05;
    int rc = CLI_OK;
    if (s_study (fed, &lr, dir, "logistic", test, n_test)
    ||  s_study (fed, &mlp, dir, "mlp", test, n_test))
        rc = CLI_FAIL;
    cli_fed_stop (&fed);
    printf ("\ndemo %s in %.1f s\n", rc == CLI_OK? "finished": "FAILED", s_now () - t0);
    return rc;
}
