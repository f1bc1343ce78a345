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
    json_array_foreach (json_object_get (report, "results"), i, r)
        if (!strcmp (json_string_value (json_object_get (r, "statistic")), statistic))
            return r;
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
    if (o->runs < 1 || o->runs > BENCH_QUERY_RUNS_MAX || o->sites < 1 || o->sites > 64
    ||  o->threshold < 1 || o->threshold > o->sites)
        return util_error_null (UTIL_EINPUT, "query-coverage: runs 1..%d, sites 1..64 and a "
                                "quorum of 1..sites", BENCH_QUERY_RUNS_MAX);
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

//  Runs `expr` o->runs times on the consortium; *median and *fastest in ms.
static int
s_time (sim_fed_t *fed, const bench_query_options_t *o, const char *expr, double *median,
        double *fastest)
{
    coord_query_request_t r = { .expr = expr, .dataset = "data", .name = "bench",
                                .epsilon = 1, .delta = 1e-5, .min_sites = 2 };
    char *text = coord_query_definition (&r);
    double *ms = util_calloc (o->runs, sizeof (double));
    int rc = -1;
    if (!text || !ms)
        goto done;
    for (unsigned i = 0; i < o->runs; i++) {
        json_t *report = NULL;
        double t0 = bench_now ();
        int failed = sim_fed_run (fed, text, 600, NULL, &report);
        ms [i] = (bench_now () - t0) * 1e3;
        const char *status = json_string_value (json_object_get (json_object_get (report, "job"),
                                                                 "status"));
        if (!failed && (!status || strcmp (status, "completed")))
            failed = util_error (UTIL_EFAIL, "%s: %s", expr,
                                 json_string_value (json_object_get (json_object_get (report,
                                                    "job"), "status_detail")));
        json_decref (report);
        if (failed)
            goto done;
    }
    qsort (ms, o->runs, sizeof (double), s_compare);
    *median = o->runs % 2? ms [o->runs / 2]: (ms [o->runs / 2 - 1] + ms [o->runs / 2]) / 2;
    *fastest = ms [0];
    rc = 0;
done:
    free (text);
    free (ms);
    return rc? util_error_context ("bench query"): 0;
}

json_t *
bench_query (const bench_query_options_t *o)
{
    if (o->sites < 2 || o->sites > 16 || o->runs < 1 || o->runs > 100)
        return util_error_null (UTIL_EINPUT, "bench query: 2..16 sites and 1..100 runs");
    char dir [] = "/tmp/cohort-bench-query-XXXXXX";
    if (!mkdtemp (dir))
        return util_error_null (UTIL_EIO, "bench query: cannot create a folder in /tmp");
    sim_options_t s;
    sim_options_defaults (&s);
    s.data = COHORT_DATASETS_DIR "/pima_diabetes.csv";
    s.query = "count()";
    s.sites = o->sites;
    s.bits = o->quick? 512: 2048;
    s.insecure_test_key = o->quick;
    s.out = dir;
    //  Every run is charged: room for all of them.
    s.site_budget = 3.0 * o->runs + 1;
    char **sites = NULL;
    sim_fed_t *fed = NULL;
    json_t *report = NULL;
    int port = sim_free_port ();
    double t0 = bench_now ();
    if (port < 0 || sim_check (&s) || sim_prepare (&s, port, &sites))
        goto done;
    double setup = bench_now () - t0;
    if (!(fed = sim_fed_start (dir, port, sites, o->sites)))
        goto done;
    double summary, summary_min, hist, hist_min, tree, tree_min;
    if (s_time (fed, o, "summary(glucose, mass, age)", &summary, &summary_min)
    ||  s_time (fed, o, "histogram(glucose, breaks=0:300:0.29296875)", &hist, &hist_min)
    ||  s_time (fed, o, "quantiles(glucose, 0.1, 0.5, 0.9)", &tree, &tree_min))
        goto done;
    report = json_object ();
    bench_set (&report, "sites", json_integer (o->sites));
    bench_set (&report, "bits", json_integer (s.bits));
    bench_set (&report, "runs", json_integer (o->runs));
    bench_set (&report, "keygen_and_setup_s", json_real (setup));
    bench_set (&report, "query_wall_ms", json_real (summary));
    bench_set (&report, "query_wall_min_ms", json_real (summary_min));
    bench_set (&report, "histogram_1024_bins_wall_ms", json_real (hist));
    bench_set (&report, "histogram_1024_bins_wall_min_ms", json_real (hist_min));
    bench_set (&report, "quantile_tree_wall_ms", json_real (tree));
    bench_set (&report, "quantile_tree_wall_min_ms", json_real (tree_min));
    if (!report)
        util_error (UTIL_ENOMEM, "bench query: out of memory");
done:
    ;
    util_error_saved_t why;
    util_error_save (&why);
    sim_fed_stop (&fed);
    sim_consortium_free_sites (&sites);
    if (!report) {
        util_error_restore (&why);
        return util_error_null (why.code, "%s (kept %s for a look)", why.text, dir);
    }
    //  Only what this run made: the folder is ours (mkdtemp).
    if (nftw (dir, s_rm, 16, FTW_DEPTH | FTW_PHYS))
        fprintf (stderr, "bench query: could not remove %s\n", dir);
    return report;
}
