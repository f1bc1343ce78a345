/*  bench/bench_query.c - bench_query_coverage (`cohort bench
    query-coverage`): how often the 95% intervals of DP query results hold
    the exact pooled figures. The Pima data is read through its dictionary
    and split across sites in contiguous blocks; each site sums its records
    with proto_release_add and adds its discrete Gaussian noise (variance
    local_sigma2) from a seeded stream, as the federation does; the
    coordinator's post-processing (coordinator/query.h) makes the figures.
    The exact figures are those of the same queries with privacy off (R's
    type-7 quantiles of the records for quantiles). */
#include "bench.h"
#include "coordinator/client.h"
#include "coordinator/query.h"
#include "dp/discrete.h"
#include "dp/random.h"
#include "proto/plan.h"
#include "models/csv.h"
#include "models/records.h"
#include "sim/consortium.h"
#include "sim/launch.h"
#include "sim/simulate.h"
#include "util/alloc.h"
#include "util/error.h"

#include <ftw.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define S_PROBS 5
static const double s_probs [S_PROBS] = { 0.1, 0.25, 0.5, 0.75, 0.9 };

void
bench_query_coverage_defaults (bench_query_coverage_options_t *o)
{
    *o = (bench_query_coverage_options_t) {
        .data = COHORT_DATASETS_DIR "/pima_diabetes.csv",
        .dictionary = COHORT_DATASETS_DIR "/pima_diabetes_dictionary.csv",
        .runs = 100, .sites = 3, .threshold = 2, .epsilon = 1, .delta = 1e-5, .seed = 1
    };
}

//  One query, planned with privacy off (the exact figures) and on.
typedef struct {
    proto_query_t *q;
    proto_release_t off, dp;
    json_t *exact;
} s_query_t;

//  The sites' summed vector: contiguous blocks of records, each site's
//  noise when `rng` is given. A new vector (free), or NULL.
static int64_t *
s_sum (const proto_release_t *rel, const model_records_t *rec, unsigned sites, dp_rng_t *rng)
{
    int64_t *sum = util_calloc (rel->dim, sizeof (int64_t));
    int64_t *site = util_calloc (rel->dim, sizeof (int64_t));
    dp_rational_t s2;
    dp_dgauss_t gauss;
    if (!sum || !site
    ||  (rng && (dp_rational_set (&s2, rel->local_sigma2, 1) || dp_dgauss_init (&gauss, &s2))))
        goto fail;
    for (unsigned s = 0; s < sites; s++) {
        memset (site, 0, rel->dim * sizeof (int64_t));
        size_t from = rec->rows * s / sites, to = rec->rows * (s + 1) / sites;
        for (size_t i = from; i < to; i++)
            proto_release_add (rel, rec->values + i * rec->vars, site);
        if (rng && dp_dgauss_add (&gauss, rng, site, rel->dim))
            goto fail;
        for (size_t k = 0; k < rel->dim; k++)
            sum [k] += site [k];
    }
    free (site);
    return sum;
fail:
    free (sum);
    free (site);
    return NULL;
}

static int
s_plan (s_query_t *self, const char *text, const model_dict_t *dict,
        const model_records_t *rec, const bench_query_coverage_options_t *o)
{
    memset (self, 0, sizeof *self);
    if (!(self->q = proto_query_parse (text)) || proto_query_check (self->q, dict, 0)
    ||  proto_release_make (&self->off, self->q, true, 0, 0, o->threshold)
    ||  proto_release_make (&self->dp, self->q, false, o->epsilon, o->delta, o->threshold))
        return util_error_context ("%s", text);
    int64_t *sum = s_sum (&self->off, rec, o->sites, NULL);
    if (!sum || !(self->exact = coord_query_results (&self->off, sum, o->sites, NULL))) {
        free (sum);
        return util_error_context ("%s", text);
    }
    free (sum);
    return 0;
}

static void
s_unplan (s_query_t *self)
{
    json_decref (self->exact);
    proto_query_destroy (&self->q);
}

//  The results of one noisy run of `self` (with `o`), or NULL.
static json_t *
s_run (const s_query_t *self, const model_records_t *rec, unsigned sites, dp_rng_t *rng,
       const coord_query_options_t *o, json_t **again, const coord_query_options_t *o2)
{
    int64_t *sum = s_sum (&self->dp, rec, sites, rng);
    json_t *r = sum? coord_query_results (&self->dp, sum, sites, o): NULL;
    if (r && again && !(*again = coord_query_results (&self->dp, sum, sites, o2))) {
        json_decref (r);
        r = NULL;
    }
    free (sum);
    return r;
}

//  The first result of `statistic`.
static json_t *
s_result (const json_t *report, const char *statistic)
{
    size_t i;
    json_t *r;
    json_array_foreach (json_object_get (report, "results"), i, r) {
        const char *s = json_string_value (json_object_get (r, "statistic"));
        if (s && !strcmp (s, statistic))
            return r;
    }
    return NULL;
}

//  Counts an exact value against its interval: *n the intervals seen (null
//  ones, of suppressed figures, are skipped), *hit those that hold it.
static void
s_tally_x (const json_t *ci, double x, size_t *n, size_t *hit)
{
    if (!json_is_array (ci))
        return;
    (*n)++;
    *hit += json_number_value (json_array_get (ci, 0)) <= x
         && x <= json_number_value (json_array_get (ci, 1));
}

static void
s_tally (const json_t *ci, const json_t *exact, size_t *n, size_t *hit)
{
    if (json_is_number (exact))
        s_tally_x (ci, json_number_value (exact), n, hit);
}

//  R's type-7 quantile of column `name` over its non-missing records.
static int
s_type7 (const model_records_t *rec, const model_dict_t *dict, const char *name, double *out)
{
    size_t v = 0, n = 0;
    while (v < rec->vars && strcmp (model_dict_var (dict, v)->name, name))
        v++;
    double *x = v < rec->vars? util_calloc (rec->rows? rec->rows: 1, sizeof (double)): NULL;
    if (!x)
        return v < rec->vars? -1: util_error (UTIL_EINPUT, "no column %s", name);
    for (size_t i = 0; i < rec->rows; i++)
        if (rec->values [i * rec->vars + v] == rec->values [i * rec->vars + v])
            x [n++] = rec->values [i * rec->vars + v];
    for (size_t i = 1; i < n; i++)     //  insertion sort: a few hundred values
        for (size_t j = i; j > 0 && x [j - 1] > x [j]; j--) {
            double t = x [j];
            x [j] = x [j - 1];
            x [j - 1] = t;
        }
    for (size_t k = 0; k < S_PROBS; k++) {
        double h = (double) (n - 1) * s_probs [k];
        size_t i = (size_t) h;
        out [k] = i + 1 < n? x [i] + (h - (double) i) * (x [i + 1] - x [i]): x [n - 1];
    }
    free (x);
    return n? 0: util_error (UTIL_EINPUT, "no values of %s", name);
}

enum { S_COUNT, S_SUMMARY, S_HIST, S_QUANT, S_CROSS, S_CORR, S_QUERIES };

static const char *s_texts [S_QUERIES] = {
    "count()",
    "summary(glucose)",
    "histogram(glucose, breaks=40:200:10)",
    "quantiles(glucose, 0.1, 0.25, 0.5, 0.75, 0.9)",
    "crosstab(diabetes, cut(age, c(-Inf, 30, 40, 50, Inf), right=FALSE))",
    "correlation(glucose, mass, age)"
};

//  Seen and covered, per figure.
typedef struct {
    size_t n, hit;
} s_tally_t;

json_t *
bench_query_coverage (const bench_query_coverage_options_t *o)
{
    if (o->runs < 1 || o->runs > BENCH_QUERY_RUNS_MAX || o->sites < 1
    ||  o->sites > PROTO_MAX_PARTIES || o->threshold < 1 || o->threshold > o->sites)
        return util_error_null (UTIL_EINPUT, "query-coverage: runs 1..%d, sites 1..%d and a "
                                "quorum of 1..sites", BENCH_QUERY_RUNS_MAX, PROTO_MAX_PARTIES);
    double t0 = bench_now ();
    json_t *report = NULL;
    model_csv_t *csv = NULL;
    model_records_t *rec = NULL;
    s_query_t qs [S_QUERIES] = { { 0 } };
    size_t planned = 0;
    model_dict_t *dict = model_dict_load (o->dictionary);
    if (!dict || model_csv_load (&csv, o->data, 0)
    ||  !(rec = model_records_read (csv, dict, NULL, 0, PROTO_RELEASE_RECORDS_MAX)))
        goto done;
    for (; planned < S_QUERIES; planned++)
        if (s_plan (&qs [planned], s_texts [planned], dict, rec, o))
            goto done;
    double pooled [S_PROBS];
    if (s_type7 (rec, dict, "glucose", pooled))
        goto done;
    const proto_term_t *glucose = qs [S_QUANT].q->terms [0];
    double near = 0.05 * (glucose->hi - glucose->lo);

    s_tally_t count = { 0 }, mean = { 0 }, sd = { 0 }, bins = { 0 }, shown = { 0 };
    s_tally_t qci = { 0 }, cells = { 0 }, chisq = { 0 }, corr = { 0 }, q5 [S_PROBS] = { { 0 } };
    coord_query_options_t all = { .no_suppression = true }, usual = { 0 };
    for (size_t run = 0; run < o->runs; run++) {
        uint64_t seed = o->seed + run;
        dp_rng_t *rng = dp_rng_new_seeded_for_tests (&seed, sizeof seed);
        json_t *r [S_QUERIES] = { NULL }, *hist_shown = NULL;
        bool ok = rng != NULL;
        for (size_t k = 0; ok && k < S_QUERIES; k++)
            ok = (r [k] = s_run (&qs [k], rec, o->sites, rng, &all,
                                 k == S_HIST? &hist_shown: NULL, &usual)) != NULL;
        if (ok) {
            s_tally (json_object_get (s_result (r [S_COUNT], "count"), "ci95"),
                     json_object_get (s_result (qs [S_COUNT].exact, "count"), "value"),
                     &count.n, &count.hit);
            s_tally (json_object_get (s_result (r [S_SUMMARY], "mean"), "ci95"),
                     json_object_get (s_result (qs [S_SUMMARY].exact, "mean"), "value"),
                     &mean.n, &mean.hit);
            s_tally (json_object_get (s_result (r [S_SUMMARY], "sd"), "ci95"),
                     json_object_get (s_result (qs [S_SUMMARY].exact, "sd"), "value"),
                     &sd.n, &sd.hit);
            json_t *exact = json_object_get (s_result (qs [S_HIST].exact, "histogram"), "values");
            json_t *ci = json_object_get (s_result (r [S_HIST], "histogram"), "ci95");
            json_t *ci_shown = json_object_get (s_result (hist_shown, "histogram"), "ci95");
            for (size_t b = 0; b < json_array_size (exact); b++) {
                s_tally (json_array_get (ci, b), json_array_get (exact, b), &bins.n, &bins.hit);
                s_tally (json_array_get (ci_shown, b), json_array_get (exact, b), &shown.n,
                         &shown.hit);
            }
            json_t *q = s_result (r [S_QUANT], "quantile");
            for (size_t k = 0; k < S_PROBS; k++) {
                json_t *v = json_array_get (json_object_get (q, "values"), k);
                q5 [k].n++;
                q5 [k].hit += json_is_number (v) && fabs (json_number_value (v) - pooled [k]) <= near;
                s_tally_x (json_array_get (json_object_get (q, "ci95"), k), pooled [k], &qci.n,
                           &qci.hit);
            }
            json_t *table = json_object_get (s_result (qs [S_CROSS].exact, "crosstab"), "values");
            json_t *tci = json_object_get (s_result (r [S_CROSS], "crosstab"), "ci95");
            for (size_t a = 0; a < json_array_size (table); a++)
                for (size_t b = 0; b < json_array_size (json_array_get (table, a)); b++)
                    s_tally (json_array_get (json_array_get (tci, a), b),
                             json_array_get (json_array_get (table, a), b), &cells.n, &cells.hit);
            s_tally (json_object_get (s_result (r [S_CROSS], "chisq"), "ci95"),
                     json_object_get (s_result (qs [S_CROSS].exact, "chisq"), "value"),
                     &chisq.n, &chisq.hit);
            json_t *m = json_object_get (s_result (qs [S_CORR].exact, "correlation"), "values");
            json_t *mci = json_object_get (s_result (r [S_CORR], "correlation"), "ci95");
            for (size_t j = 0; j < json_array_size (m); j++)
                for (size_t k = j + 1; k < json_array_size (m); k++)
                    s_tally (json_array_get (json_array_get (mci, j), k),
                             json_array_get (json_array_get (m, j), k), &corr.n, &corr.hit);
        }
        for (size_t k = 0; k < S_QUERIES; k++)
            json_decref (r [k]);
        json_decref (hist_shown);
        dp_rng_destroy (&rng);
        if (!ok)
            goto done;
    }
    #define S_FRAC(t) json_real ((t).n? (double) (t).hit / (double) (t).n: 0)
    json_t *by_prob = json_object ();
    double q_min = 1;
    for (size_t k = 0; by_prob && k < S_PROBS; k++) {
        char key [16];
        snprintf (key, sizeof key, "%g", s_probs [k]);
        q_min = fmin (q_min, (double) q5 [k].hit / (double) q5 [k].n);
        if (json_object_set_new (by_prob, key, S_FRAC (q5 [k]))) {
            json_decref (by_prob);
            by_prob = NULL;
        }
    }
    report = json_object ();
    bench_set (&report, "runs", json_integer ((json_int_t) o->runs));
    bench_set (&report, "sites", json_integer (o->sites));
    bench_set (&report, "threshold", json_integer (o->threshold));
    bench_set (&report, "epsilon", json_real (o->epsilon));
    bench_set (&report, "delta", json_real (o->delta));
    bench_set (&report, "count_ci95_coverage", S_FRAC (count));
    bench_set (&report, "mean_ci95_coverage", S_FRAC (mean));
    bench_set (&report, "sd_ci95_coverage", S_FRAC (sd));
    bench_set (&report, "histogram_bin_ci95_coverage", S_FRAC (bins));
    bench_set (&report, "histogram_shown_bin_ci95_coverage", S_FRAC (shown));
    bench_set (&report, "histogram_shown_bins", json_integer ((json_int_t) shown.n));
    bench_set (&report, "quantile_within_5pct_of_range", json_real (q_min));
    bench_set (&report, "quantile_within_5pct_of_range_by_prob", by_prob);
    bench_set (&report, "quantile_ci95_coverage", S_FRAC (qci));
    bench_set (&report, "crosstab_cell_ci95_coverage", S_FRAC (cells));
    bench_set (&report, "chisq_ci95_coverage", S_FRAC (chisq));
    bench_set (&report, "correlation_ci95_coverage", S_FRAC (corr));
    bench_set (&report, "wall_s", json_real (bench_now () - t0));
    #undef S_FRAC
    if (!report)
        util_error (UTIL_ENOMEM, "query-coverage: out of memory building the report");
done:
    for (size_t k = 0; k < planned + (planned < S_QUERIES); k++)
        s_unplan (&qs [k]);
    model_records_destroy (&rec);
    model_csv_destroy (&csv);
    model_dict_destroy (&dict);
    return report;
}

//  ---------------------------------------------------------------------------
//  bench_query: wall time end to end

static int
s_rm (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st; (void) flag; (void) ftw;
    return remove (path);
}

void
bench_query_defaults (bench_query_options_t *o)
{
    *o = (bench_query_options_t) { .quick = false, .sites = 3, .runs = 5 };
}

static int
s_compare (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y? -1: x > y;
}

//  The 10-term binomial fit and the 3-term Cox fit the issue times.
#define S_GLM "glm(diabetes ~ pregnant + glucose + pressure + triceps + insulin + mass + " \
              "pedigree + age + age^2 + mass^2, family=binomial)"
#define S_COX "coxph(Surv(time, status) ~ age + sex + ph_ecog, grid=30)"

//  One query timed: what to run, then its median and fastest wall time (ms)
//  and the rounds each run took (the coordinator's count; every run alike).
typedef struct {
    const char *expr;
    bool off;                   //  privacy off (else DP at epsilon 1)
    double median_ms, fastest_ms;
    unsigned rounds;
} s_timed_t;

//  The rounds the job of `report` ran, from the coordinator's status; -1
//  if they cannot be read.
static long
s_rounds (coord_client_t *client, const json_t *report)
{
    const char *id = json_string_value (json_object_get (json_object_get (report, "job"), "id"));
    json_t *status = NULL;
    if (!id)
        return util_error (UTIL_EFAIL, "the report names no job");
    if (coord_client_status (client, id, &status))
        return util_error_context ("status of %s", id);
    json_t *round = json_object_get (status, "round");
    long n = json_is_integer (round) && json_integer_value (round) > 0
           ? (long) json_integer_value (round): -1;
    json_decref (status);
    return n > 0? n: util_error (UTIL_EFAIL, "the status of %s gives no rounds", id);
}

//  A completed job whose results hold no error (a fit that fails still
//  completes its rounds; its report's result says why): 0, or -1 naming it.
static int
s_completed (const json_t *report)
{
    json_t *job = json_object_get (report, "job");
    const char *status = json_string_value (json_object_get (job, "status"));
    const char *detail = json_string_value (json_object_get (job, "status_detail"));
    if (!status || strcmp (status, "completed"))
        return util_error (UTIL_EFAIL, "%s: %s", status? status: "no job status in the report",
                           detail? detail: "no detail");
    json_t *error = s_result (report, "error");
    const char *why = json_string_value (json_object_get (error, "value"));
    if (error)
        return util_error (UTIL_EFAIL, "%s", why? why: "an error without a reason");
    return 0;
}

//  Runs t->expr o->runs times on the consortium in `dir` and fills t.
static int
s_time (sim_fed_t *fed, const char *dir, const bench_query_options_t *o, s_timed_t *t)
{
    coord_query_request_t r = { .expr = t->expr, .dataset = "data", .name = "bench",
                                .epsilon = 1, .delta = 1e-5, .off = t->off, .min_sites = 2 };
    char *text = coord_query_definition (&r);
    char *analyst = util_asprintf ("%s/analyst.cfg", dir);
    double *ms = util_calloc (o->runs, sizeof (double));
    coord_client_t *client = analyst? coord_client_new (analyst): NULL;
    int rc = -1;
    if (!text || !ms || !client)
        goto done;
    for (unsigned i = 0; i < o->runs; i++) {
        json_t *report = NULL;
        double t0 = bench_now ();
        int failed = sim_fed_run (fed, text, 600, NULL, &report);
        ms [i] = (bench_now () - t0) * 1e3;
        long rounds = failed || s_completed (report)? -1: s_rounds (client, report);
        json_decref (report);
        if (rounds < 0)
            goto done;
        //  DP plans its rounds; privacy off, the same data converge alike.
        if (i > 0 && (unsigned) rounds != t->rounds) {
            util_error (UTIL_EFAIL, "run %u took %ld rounds, the first %u", i + 1, rounds,
                        t->rounds);
            goto done;
        }
        t->rounds = (unsigned) rounds;
    }
    qsort (ms, o->runs, sizeof (double), s_compare);
    t->median_ms = o->runs % 2? ms [o->runs / 2]: (ms [o->runs / 2 - 1] + ms [o->runs / 2]) / 2;
    t->fastest_ms = ms [0];
    rc = 0;
done:
    coord_client_destroy (&client);
    free (analyst);
    free (text);
    free (ms);
    return rc? util_error_context ("%s%s", t->expr, t->off? " (privacy off)": ""): 0;
}

//  One consortium of o->sites sites on `data` (its dictionary beside it) in
//  `dir`, allowing privacy off, each site's budget `budget`; running in
//  *fed, *setup_s the keys and files. 0, or -1 (what it started stopped).
static int
s_start (const bench_query_options_t *o, const char *dir, const char *data, double budget,
         sim_fed_t **fed, double *setup_s)
{
    sim_options_t s;
    sim_options_defaults (&s);
    s.data = data;
    s.query = "count()";
    s.sites = o->sites;
    s.bits = o->quick? 512: 2048;
    s.insecure_test_key = o->quick;
    s.out = dir;
    s.privacy_off = true;       //  sets allow_privacy_off; each query says its own privacy
    s.site_budget = budget;
    char **sites = NULL;
    int port = sim_free_port ();
    double t0 = bench_now ();
    if (port < 0 || sim_check (&s) || sim_prepare (&s, port, &sites))
        return -1;
    *setup_s = bench_now () - t0;
    *fed = sim_fed_start (dir, port, sites, o->sites);
    sim_consortium_free_sites (&sites);
    return *fed? 0: -1;
}

json_t *
bench_query (const bench_query_options_t *o)
{
    if (o->sites < 2 || o->sites > PROTO_MAX_PARTIES || o->runs < 1 || o->runs > 100)
        return util_error_null (UTIL_EINPUT, "bench query: 2..%d sites and 1..100 runs",
                                PROTO_MAX_PARTIES);
    char dir [] = "/tmp/cohort-bench-query-XXXXXX";
    if (!mkdtemp (dir))
        return util_error_null (UTIL_EIO, "bench query: cannot create a folder in /tmp");
    char pima [sizeof dir + 8], lung [sizeof dir + 8];
    snprintf (pima, sizeof pima, "%s/pima", dir);
    snprintf (lung, sizeof lung, "%s/lung", dir);
    s_timed_t summary = { .expr = "summary(glucose, mass, age)" };
    s_timed_t hist = { .expr = "histogram(glucose, breaks=0:300:0.29296875)" };
    s_timed_t tree = { .expr = "quantiles(glucose, 0.1, 0.5, 0.9)" };
    s_timed_t glm = { .expr = S_GLM }, glm_off = { .expr = S_GLM, .off = true };
    //  Under DP at epsilon 1 the Cox fit fails on lung's 228 patients on a
    //  30-day grid (the noise swamps the risk sets), so it is timed exact.
    s_timed_t cox = { .expr = S_COX, .off = true };
    sim_fed_t *fed = NULL;
    json_t *report = NULL;
    double setup, cox_setup;
    //  Every DP run is charged: room for all of them (4 DP queries, each
    //  epsilon 1; privacy off charges nothing).
    if (s_start (o, pima, COHORT_DATASETS_DIR "/pima_diabetes.csv", 4.0 * o->runs + 1, &fed,
                 &setup)
    ||  s_time (fed, pima, o, &summary) || s_time (fed, pima, o, &hist)
    ||  s_time (fed, pima, o, &tree) || s_time (fed, pima, o, &glm)
    ||  s_time (fed, pima, o, &glm_off))
        goto done;
    //  One consortium at a time: the two would share the cores. (A process
    //  sim_fed_stop had to kill is stopped all the same.)
    sim_fed_stop (&fed);
    if (s_start (o, lung, COHORT_DATASETS_DIR "/lung.csv", 1, &fed, &cox_setup)
    ||  s_time (fed, lung, o, &cox))
        goto done;
    report = json_object ();
    bench_set (&report, "sites", json_integer (o->sites));
    bench_set (&report, "bits", json_integer (o->quick? 512: 2048));
    bench_set (&report, "runs", json_integer (o->runs));
    bench_set (&report, "keygen_and_setup_s", json_real (setup));
    bench_set (&report, "query_wall_ms", json_real (summary.median_ms));
    bench_set (&report, "query_wall_min_ms", json_real (summary.fastest_ms));
    bench_set (&report, "histogram_1024_bins_wall_ms", json_real (hist.median_ms));
    bench_set (&report, "histogram_1024_bins_wall_min_ms", json_real (hist.fastest_ms));
    bench_set (&report, "quantile_tree_wall_ms", json_real (tree.median_ms));
    bench_set (&report, "quantile_tree_wall_min_ms", json_real (tree.fastest_ms));
    bench_set (&report, "glm_wall_ms", json_real (glm.median_ms));
    bench_set (&report, "glm_wall_min_ms", json_real (glm.fastest_ms));
    bench_set (&report, "glm_rounds", json_integer (glm.rounds));
    bench_set (&report, "glm_iteration_ms", json_real (glm.median_ms / glm.rounds));
    bench_set (&report, "glm_off_wall_ms", json_real (glm_off.median_ms));
    bench_set (&report, "glm_off_rounds", json_integer (glm_off.rounds));
    bench_set (&report, "glm_off_iteration_ms", json_real (glm_off.median_ms / glm_off.rounds));
    bench_set (&report, "cox_keygen_and_setup_s", json_real (cox_setup));
    bench_set (&report, "cox_fit_wall_s", json_real (cox.median_ms / 1e3));
    bench_set (&report, "cox_fit_wall_min_s", json_real (cox.fastest_ms / 1e3));
    bench_set (&report, "cox_rounds", json_integer (cox.rounds));
    bench_set (&report, "cox_iteration_ms", json_real (cox.median_ms / cox.rounds));
    bench_set (&report, "cox_privacy", json_string ("off"));
    if (!report)
        util_error (UTIL_ENOMEM, "bench query: out of memory");
done:
    ;
    util_error_saved_t why;
    util_error_save (&why);
    sim_fed_stop (&fed);
    if (!report) {
        util_error_restore (&why);
        return util_error_null (why.code, "%s (kept %s for a look)", why.text, dir);
    }
    //  Only what this run made: the folder is ours (mkdtemp).
    if (nftw (dir, s_rm, 16, FTW_DEPTH | FTW_PHYS))
        fprintf (stderr, "bench query: could not remove %s\n", dir);
    return report;
}
