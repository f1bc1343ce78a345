/*  bench/bench_learning.c - bench_learning (`cohort bench learning`): the
    test AUC of private logistic regression over seeded runs, federated and
    central, on the same stratified 70/30 hold-out of the breast cancer and
    the Pima data.

    Per dataset the hold-out is made once (sim_split_holdout, split_seed);
    then run i (seed + i) trains
      federated  `cohort simulate` as the library runs it (sim/simulate.h):
                 3 sites, label-skew, (epsilon, delta), the schedule the
                 tight accountant chooses (as `cohort simulate` does without
                 --steps or --sampling-rate), the study's own defaults for
                 everything else, the 70% as --data and the 30% as --test;
                 real coordinator and site processes on loopback;
      central    DP-SGD on the whole 70% (sim/dpsgd.h) at the same
                 (epsilon, delta) with its defaults, the noise from a
                 deterministic stream seeded with the run's seed (so a
                 central run is reproducible; the federated sites draw from
                 the CSPRNG);
    and scores every row of the 30% with the model file (sim/evaluate.h),
    the exact ROC AUC over the rows the model scores (with missing values
    dropped, Pima's incomplete test rows are not scored by either). For
    scale, the report also gives the AUC of the non-private model (`cohort
    train` defaults) on the same hold-out: the split alone moves it (0.986
    for breast cancer at split seed 1, 0.997 at 2). */
#include "bench.h"
#include "dp/random.h"
#include "models/csv.h"
#include "models/dictionary.h"
#include "models/models.h"
#include "models/pipeline.h"
#include "sim/dpsgd.h"
#include "sim/evaluate.h"
#include "sim/simulate.h"
#include "sim/split.h"
#include "util/alloc.h"
#include "util/error.h"

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_TEST_FRACTION 0.3
#define S_PATH 4096

typedef struct {
    const char *key;            //  the report's prefix
    const char *stem;           //  datasets/<stem>.csv and <stem>_dictionary.csv
    const char *label;
} s_dataset_t;

static const s_dataset_t s_datasets [] = {
    { "breast_cancer", "breast_cancer_wisconsin", "malignant" },
    { "pima", "pima_diabetes", "diabetes" },
};
#define S_DATASETS (sizeof s_datasets / sizeof s_datasets [0])

void
bench_learning_defaults (bench_learning_options_t *o)
{
    *o = (bench_learning_options_t) {
        .datasets = COHORT_DATASETS_DIR, .seeds = 20, .seed = 1, .split_seed = 2,
        .epsilon = 1, .delta = 1e-5, .federated = true, .quick = false, .threshold = 2
    };
}

static int
s_rm (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st; (void) flag; (void) ftw;
    return remove (path);
}

//  The exact AUC of the model at `model` on the rows of `test` it scores.
static int
s_auc (const char *model, const char *test, const char *label, double *auc)
{
    sim_scored_t scored;
    model_metrics_t m;
    if (sim_score (&scored, model, test, label))
        return -1;
    int rc = sim_evaluate (&m, &scored);
    sim_scored_clear (&scored);
    if (rc)
        return -1;
    if (!isfinite (m.auc))
        return util_error (UTIL_EFAIL, "%s: one class has no scored row (no AUC)", test);
    *auc = m.auc;
    return 0;
}

//  One federated study into dir/fed-<key>-<seed>: its test AUC.
static int
s_federated (const bench_learning_options_t *o, const s_dataset_t *ds, const char *dir,
             const char *dictionary, const char *train, const char *test, uint64_t seed,
             double *auc)
{
    char out [S_PATH], model [S_PATH + 16];
    snprintf (out, sizeof out, "%s/fed-%s-%llu", dir, ds->key, (unsigned long long) seed);
    snprintf (model, sizeof model, "%s/model.json", out);
    sim_options_t so;
    sim_options_defaults (&so);
    so.data = train;
    so.test = test;
    //  The public bounds: the study scales by them (no budget on
    //  standardisation), as central DP-SGD does.
    so.dictionary = dictionary;
    so.label = ds->label;
    so.sites = 3;
    so.threshold = o->threshold;
    so.split = SIM_SPLIT_LABEL_SKEW;
    so.epsilon = o->epsilon;
    so.delta = o->delta;
    so.seed = seed;
    so.out = out;
    //  The schedule `cohort simulate` picks when neither --steps nor
    //  --sampling-rate is given: the tight accountant's (proto_plan_choose).
    so.choose_schedule = !o->quick;
    so.bits = o->quick || o->test_keys? 512: so.bits;
    so.insecure_test_key = o->quick || o->test_keys;
    if (o->quick)
        so.steps = 2;
    json_t *report = NULL;
    int rc = sim_check (&so) || sim_run (&so, &report) || s_auc (model, test, ds->label, auc);
    json_decref (report);
    if (rc)
        return util_error_context ("%s federated, seed %llu", ds->key, (unsigned long long) seed);
    //  Each study's folder holds keys and a copy of the data: gone once scored.
    nftw (out, s_rm, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

//  Central DP-SGD on the loaded training set: its test AUC, and the plan.
static int
s_central (const bench_learning_options_t *o, const s_dataset_t *ds, const char *dir,
           const model_dataset_t *train, const model_dict_t *dict, const char *test,
           uint64_t seed, double *auc, sim_dpsgd_plan_t *plan)
{
    char model [S_PATH];
    snprintf (model, sizeof model, "%s/central-%s.json", dir, ds->key);
    sim_dpsgd_options_t co;
    sim_dpsgd_defaults (&co);
    co.epsilon = o->epsilon;
    co.delta = o->delta;
    model_load_spec_t spec = { .label = ds->label };
    dp_rng_t *rng = dp_rng_new_seeded_for_tests (&seed, sizeof seed);
    model_file_t *mf = rng? sim_dpsgd_train (train, &spec, dict, &co, rng, plan, NULL): NULL;
    int rc = !mf || model_file_save (mf, model) || s_auc (model, test, ds->label, auc);
    model_file_destroy (&mf);
    dp_rng_destroy (&rng);
    if (rc)
        return util_error_context ("%s central, seed %llu", ds->key, (unsigned long long) seed);
    return 0;
}

//  The ceiling: the non-private model (`cohort train` defaults: Newton,
//  l2 1, standardised by the training data) on the same hold-out.
static int
s_pooled (const s_dataset_t *ds, const char *dir, const model_csv_t *csv, const char *test,
          double *auc)
{
    char model [S_PATH];
    snprintf (model, sizeof model, "%s/pooled-%s.json", dir, ds->key);
    model_load_spec_t spec = { .label = ds->label };
    model_train_opts_t opts;
    model_train_defaults (&opts, MODEL_TYPE_LOGISTIC);
    model_dataset_t *all = NULL;
    model_file_t *mf = NULL;
    int rc = model_dataset_load (&all, csv, &spec, NULL) || !(mf = model_train (all, &spec, &opts,
                                                                               NULL))
          || model_file_save (mf, model) || s_auc (model, test, ds->label, auc);
    model_file_destroy (&mf);
    model_dataset_destroy (&all);
    return rc? util_error_context ("%s pooled", ds->key): 0;
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y? -1: x > y;
}

//  The p-quantile of sorted x[0..n) by linear interpolation between order
//  statistics (R's type 7).
static double
s_quantile (const double *x, size_t n, double p)
{
    double h = (double) (n - 1) * p;
    size_t lo = (size_t) floor (h);
    size_t hi = lo + 1 < n? lo + 1: lo;
    return x [lo] + (h - (double) lo) * (x [hi] - x [lo]);
}

//  prefix_auc_min ... prefix_runs_auc_at_least_0_98, prefix_runs, and the
//  values in run order (prefix_auc). Sorts a copy.
static int
s_distribution (json_t **report, const char *prefix, const double *auc, size_t n)
{
    double *x = util_calloc (n, sizeof (double));
    json_t *values = json_array ();
    if (!x || !values) {
        free (x);
        json_decref (values);
        json_decref (*report);
        *report = NULL;
        return util_error (UTIL_ENOMEM, "out of memory building the report");
    }
    size_t good = 0;
    for (size_t i = 0; i < n; i++) {
        x [i] = auc [i];
        good += auc [i] >= 0.98;
        json_array_append_new (values, json_real (auc [i]));
    }
    qsort (x, n, sizeof (double), s_cmp);
    struct { const char *name; double value; } stats [] = {
        { "auc_min", x [0] }, { "auc_q1", s_quantile (x, n, 0.25) },
        { "auc_median", s_quantile (x, n, 0.5) }, { "auc_q3", s_quantile (x, n, 0.75) },
        { "auc_max", x [n - 1] }
    };
    free (x);
    char key [128];
    for (size_t k = 0; k < sizeof stats / sizeof stats [0]; k++) {
        snprintf (key, sizeof key, "%s_%s", prefix, stats [k].name);
        bench_set (report, key, json_real (stats [k].value));
    }
    snprintf (key, sizeof key, "%s_runs_auc_at_least_0_98", prefix);
    bench_set (report, key, json_integer ((json_int_t) good));
    snprintf (key, sizeof key, "%s_runs", prefix);
    bench_set (report, key, json_integer ((json_int_t) n));
    snprintf (key, sizeof key, "%s_auc", prefix);
    bench_set (report, key, values);
    return *report? 0: util_error (UTIL_ENOMEM, "out of memory building the report");
}

//  Every run on one dataset, its figures added to the report.
static int
s_dataset (const bench_learning_options_t *o, const s_dataset_t *ds, const char *dir,
           json_t **report, double *fed, double *cen)
{
    char data [S_PATH], dictionary [S_PATH], train [S_PATH], test [S_PATH];
    snprintf (data, sizeof data, "%s/%s.csv", o->datasets, ds->stem);
    snprintf (dictionary, sizeof dictionary, "%s/%s_dictionary.csv", o->datasets, ds->stem);
    snprintf (train, sizeof train, "%s/%s-train.csv", dir, ds->key);
    snprintf (test, sizeof test, "%s/%s-test.csv", dir, ds->key);
    size_t n_train = 0, n_test = 0;
    model_csv_t *csv = NULL;
    model_dict_t *dict = NULL;
    model_dataset_t *loaded = NULL;
    sim_dpsgd_plan_t plan = { 0 };
    double pooled = 0;
    model_load_spec_t spec = { .label = ds->label };
    int rc = -1;
    if (sim_split_holdout (data, ds->label, S_TEST_FRACTION, o->split_seed, train, test,
                           &n_train, &n_test)
    ||  model_csv_load (&csv, train, 0) || !(dict = model_dict_load (dictionary))
    ||  sim_dpsgd_load (&loaded, csv, &spec, dict) || s_pooled (ds, dir, csv, test, &pooled))
        goto cleanup;
    for (size_t i = 0; i < o->seeds; i++) {
        uint64_t seed = o->seed + i;
        if (s_central (o, ds, dir, loaded, dict, test, seed, &cen [i], &plan)
        ||  (o->federated && s_federated (o, ds, dir, dictionary, train, test, seed, &fed [i])))
            goto cleanup;
    }
    char key [128];
    snprintf (key, sizeof key, "%s_train_rows", ds->key);
    bench_set (report, key, json_integer ((json_int_t) n_train));
    snprintf (key, sizeof key, "%s_test_rows", ds->key);
    bench_set (report, key, json_integer ((json_int_t) n_test));
    snprintf (key, sizeof key, "%s_pooled_nonprivate_auc", ds->key);
    bench_set (report, key, json_real (pooled));
    snprintf (key, sizeof key, "%s_central_noise_multiplier", ds->key);
    bench_set (report, key, json_real (plan.noise_multiplier));
    snprintf (key, sizeof key, "%s_central", ds->key);
    if (s_distribution (report, key, cen, o->seeds))
        goto cleanup;
    snprintf (key, sizeof key, "%s_federated", ds->key);
    if (o->federated && s_distribution (report, key, fed, o->seeds))
        goto cleanup;
    rc = *report? 0: util_error (UTIL_ENOMEM, "out of memory building the report");
cleanup:
    model_dataset_destroy (&loaded);
    model_dict_destroy (&dict);
    model_csv_destroy (&csv);
    return rc;
}

json_t *
bench_learning (const bench_learning_options_t *o)
{
    if (o->threshold < 2 || o->threshold > 3)
        return util_error_null (UTIL_EINPUT, "threshold %u: must be 2 or 3 (3 sites)",
                                o->threshold);
    if (o->seeds < 1 || o->seeds > BENCH_LEARNING_SEEDS_MAX)
        return util_error_null (UTIL_EINPUT, "seeds %zu: must be in [1, %d]", o->seeds,
                                BENCH_LEARNING_SEEDS_MAX);
    if (!(o->epsilon > 0 && o->epsilon <= 100) || !(o->delta > 0 && o->delta < 1))
        return util_error_null (UTIL_EINPUT, "epsilon %g, delta %g: need epsilon in (0, 100] "
                                "and delta in (0, 1)", o->epsilon, o->delta);
    model_init ();
    char dir [] = "/tmp/cohort-bench-learning-XXXXXX";
    if (!mkdtemp (dir))
        return util_error_null (UTIL_EIO, "cannot create a directory in /tmp: %s",
                                strerror (errno));
    double *fed = util_calloc (o->seeds, sizeof (double));
    double *cen = util_calloc (o->seeds, sizeof (double));
    sim_dpsgd_options_t co;
    sim_dpsgd_defaults (&co);
    json_t *report = json_pack ("{s:f,s:f,s:i,s:I,s:I,s:f,s:s,s:i,s:f,s:I,s:f}",
        "epsilon", o->epsilon, "delta", o->delta, "seeds", (int) o->seeds,
        "first_seed", (json_int_t) o->seed, "split_seed", (json_int_t) o->split_seed,
        "test_fraction", S_TEST_FRACTION,
        "federated_paillier_bits", !o->federated? "none": o->quick || o->test_keys? "512": "2048",
        "federated_threshold", (int) o->threshold,
        "central_sampling_rate", co.sampling_rate, "central_steps", (json_int_t) co.steps,
        "central_clip", co.clip);
    if (!fed || !cen || !report)
        util_error (UTIL_ENOMEM, "out of memory");
    for (size_t k = 0; report && fed && cen && k < S_DATASETS; k++)
        if (s_dataset (o, &s_datasets [k], dir, &report, fed, cen)) {
            json_decref (report);
            report = NULL;
        }
    free (fed);
    free (cen);
    //  A failed run's folder stays for a look, unless nothing was written.
    if (!report && rmdir (dir) != 0)
        util_error_context ("kept %s for a look", dir);
    else
    if (report)
        nftw (dir, s_rm, 16, FTW_DEPTH | FTW_PHYS);
    return report;
}
