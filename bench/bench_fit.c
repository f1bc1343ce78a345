/*  bench/bench_fit.c - bench_fit_coverage (`cohort bench fit-coverage`):
    what DP does to the regression tables and survival curves, over seeded
    runs of the Rotterdam (2,982 patients) and lung (228) data split across
    sites. Each site adds its discrete Gaussian noise (variance
    local_sigma2, from a seeded stream) to its vector of every round, as
    the federation does; the coordinator's code (coordinator/fit.h,
    coordinator/query.h) makes the figures. The exact figures are those of
    the same queries with privacy off. Post-processing only: no keys, no
    network (encryption changes no number). */
#include "bench.h"
#include "coordinator/fit.h"
#include "coordinator/query.h"
#include "dp/discrete.h"
#include "dp/random.h"
#include "proto/plan.h"
#include "models/csv.h"
#include "models/records.h"
#include "util/alloc.h"
#include "util/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void
bench_fit_coverage_defaults (bench_fit_coverage_options_t *o)
{
    *o = (bench_fit_coverage_options_t) {
        .datasets = COHORT_DATASETS_DIR, .runs = 50, .sites = 3, .threshold = 2,
        .epsilon = 1, .delta = 1e-5, .seed = 1
    };
}

typedef struct {
    model_dict_t *dict;
    model_records_t *rec;
} s_data_t;

static int
s_load (s_data_t *d, const char *dir, const char *name)
{
    memset (d, 0, sizeof *d);
    char *dict = util_asprintf ("%s/%s_dictionary.csv", dir, name);
    char *data = util_asprintf ("%s/%s.csv", dir, name);
    model_csv_t *csv = NULL;
    int rc = -1;
    if (dict && data && (d->dict = model_dict_load (dict)) && model_csv_load (&csv, data, 0) == 0
    &&  (d->rec = model_records_read (csv, d->dict, NULL, 0, PROTO_RELEASE_RECORDS_MAX)))
        rc = 0;
    model_csv_destroy (&csv);
    free (dict);
    free (data);
    return rc;
}

static void
s_unload (s_data_t *d)
{
    model_records_destroy (&d->rec);
    model_dict_destroy (&d->dict);
}

//  One query's results, off (rng NULL) or with each site's noise: every
//  round of a fit, or the one release. A new report, or NULL.
static json_t *
s_results (const char *text, const s_data_t *d, const bench_fit_coverage_options_t *o,
           dp_rng_t *rng, unsigned *rounds)
{
    proto_query_t *q = proto_query_parse (text);
    proto_release_t rel;
    coord_fit_t *fit = NULL;
    int64_t *sum = NULL, *site = NULL;
    json_t *report = NULL;
    if (!q || proto_query_check (q, d->dict, 0)
    ||  proto_release_make (&rel, q, !rng, o->epsilon, o->delta, o->threshold)
    ||  !(sum = util_calloc (rel.dim, sizeof (int64_t)))
    ||  !(site = util_calloc (rel.dim, sizeof (int64_t)))
    ||  (proto_fit_is (&rel) && !(fit = coord_fit_new (&rel))))
        goto done;
    int rc = 0;
    unsigned n_rounds = 0;
    while (rc == 0) {
        size_t n = 0;
        const double *params = fit? coord_fit_params (fit, &n): NULL;
        Cohort__RoundKind kind = fit? coord_fit_kind (fit): COHORT__ROUND_KIND__ROUND_KIND_QUERY;
        proto_fit_round_t round = fit? proto_fit_round (&rel, kind, n): PROTO_FIT_FULL;
        size_t dim = fit? proto_fit_dim (&rel, round): rel.dim;
        dp_dgauss_t gauss;
        dp_rational_t s2;
        uint64_t var = kind == COHORT__ROUND_KIND__ROUND_KIND_FIT_STEP? rel.step_sigma2
                                                                    : rel.local_sigma2;
        if (rng && (dp_rational_set (&s2, var, 1) || dp_dgauss_init (&gauss, &s2)))
            goto done;
        memset (sum, 0, rel.dim * sizeof (int64_t));
        for (unsigned s = 0; s < o->sites; s++) {
            memset (site, 0, rel.dim * sizeof (int64_t));
            size_t from = d->rec->rows * s / o->sites, to = d->rec->rows * (s + 1) / o->sites;
            for (size_t i = from; i < to; i++) {
                const double *record = d->rec->values + i * d->rec->vars;
                if (fit? proto_fit_add (&rel, round, record, params, n, site) < 0
                       : proto_release_add (&rel, record, site) < 0)
                    goto done;
            }
            if (rng && dp_dgauss_add (&gauss, rng, site, dim))
                goto done;
            for (size_t k = 0; k < dim; k++)
                sum [k] += site [k];
        }
        n_rounds++;
        rc = fit? coord_fit_step (fit, sum, o->sites): 1;
        if (rc < 0)
            goto done;
    }
    if (rounds)
        *rounds = n_rounds;
    coord_query_options_t options = { .fit = fit, .no_suppression = true };
    report = coord_query_results (&rel, sum, o->sites, &options);
done:
    if (!report)
        util_error_context ("%s", text);
    free (sum);
    free (site);
    coord_fit_destroy (&fit);
    proto_query_destroy (&q);
    return report;
}

static json_t *
s_find (const json_t *report, const char *statistic, const char *term)
{
    size_t i;
    json_t *r;
    json_array_foreach (json_object_get (report, "results"), i, r) {
        const char *s = json_string_value (json_object_get (r, "statistic"));
        const char *t = json_string_value (json_object_get (r, "term"));
        if (s && !strcmp (s, statistic) && (!term || (t && !strcmp (t, term))))
            return r;
    }
    return NULL;
}

static double
s_num (const json_t *obj, const char *key)
{
    const json_t *v = json_object_get (obj, key);
    return json_is_number (v)? json_number_value (v): NAN;
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y? -1: x > y;
}

static double
s_median (double *v, size_t n)
{
    if (!n)
        return NAN;
    qsort (v, n, sizeof *v, s_cmp);
    return n % 2? v [n / 2]: (v [n / 2 - 1] + v [n / 2]) / 2;
}

//  A regression's coverage: per coefficient, the share of runs whose 95%
//  interval holds the exact estimate, and the median ratio of the widths.
static json_t *
s_regression (const char *text, const s_data_t *d, const bench_fit_coverage_options_t *o)
{
    json_t *exact = s_results (text, d, o, NULL, NULL), *out = NULL, *terms = NULL;
    size_t k = 0, i;
    json_t *row;
    double *ratios = NULL, *ests = NULL;
    size_t *hits = NULL, *seen = NULL, fails = 0;
    unsigned rounds = 0;
    if (!exact)
        return NULL;
    json_array_foreach (json_object_get (exact, "results"), i, row)
        k += json_object_get (row, "term") != NULL;
    if (!k) {
        util_error (UTIL_EFAIL, "%s: the exact fit has no coefficient", text);
        goto done;
    }
    ratios = util_calloc (k * o->runs, sizeof (double));
    ests = util_calloc (k * o->runs, sizeof (double));
    hits = util_calloc (k, sizeof (size_t));
    seen = util_calloc (k, sizeof (size_t));
    if (!ratios || !ests || !hits || !seen)
        goto done;
    for (size_t r = 0; r < o->runs; r++) {
        uint64_t seed = o->seed + r;
        dp_rng_t *rng = dp_rng_new_seeded_for_tests (&seed, sizeof seed);
        json_t *dp = rng? s_results (text, d, o, rng, &rounds): NULL;
        dp_rng_destroy (&rng);
        if (!dp) {
            fails++;
            continue;
        }
        size_t j = 0;
        json_array_foreach (json_object_get (exact, "results"), i, row) {
            const char *term = json_string_value (json_object_get (row, "term"));
            if (!term)
                continue;
            json_t *got = s_find (dp, "coefficient", term);
            double est = s_num (row, "estimate");
            double lo = s_num (got, "conf_low"), hi = s_num (got, "conf_high");
            double width = s_num (row, "conf_high") - s_num (row, "conf_low");
            if (isfinite (lo) && isfinite (hi)) {
                hits [j] += lo <= est && est <= hi;
                ests [j * o->runs + seen [j]] = s_num (got, "estimate");
                ratios [j * o->runs + seen [j]++] = (hi - lo) / width;
            }
            j++;
        }
        json_decref (dp);
    }
    terms = json_object ();
    double least = 1, sum_cov = 0;
    for (size_t j = 0, at = 0; j < k; at++) {
        row = json_array_get (json_object_get (exact, "results"), at);
        const char *term = json_string_value (json_object_get (row, "term"));
        if (!term)
            continue;
        //  Runs that failed or gave no interval count as not covering.
        double cover = (double) hits [j] / (double) o->runs;
        least = fmin (least, cover);
        sum_cov += cover;
        //  Calibration: the DP estimates' root mean square distance from
        //  the exact one against the median standard error the DP
        //  intervals state (their width / 2 z_0.975); a ratio above 1 is
        //  an interval narrower than the estimate's real spread.
        double exact_est = s_num (row, "estimate"), ss = 0;
        double exact_w = s_num (row, "conf_high") - s_num (row, "conf_low");
        for (size_t r = 0; r < seen [j]; r++) {
            double e = ests [j * o->runs + r] - exact_est;
            ss += e * e;
        }
        double rmse = seen [j]? sqrt (ss / (double) seen [j]): NAN;
        double se = seen [j]? s_median (ratios + j * o->runs, seen [j]) * exact_w
                              / (2 * 1.959963984540054): NAN;
        json_t *t = json_pack ("{s:f, s:f, s:o, s:o, s:o, s:o}", "exact_estimate", exact_est,
                               "coverage", cover, "width_ratio_median",
                               seen [j]? json_real (s_median (ratios + j * o->runs, seen [j]))
                                       : json_null (),
                               "dp_estimate_median",
                               seen [j]? json_real (s_median (ests + j * o->runs, seen [j]))
                                       : json_null (),
                               "dp_rmse", isfinite (rmse)? json_real (rmse): json_null (),
                               "dp_se_median", isfinite (se)? json_real (se): json_null ());
        if (!t || json_object_set_new (terms, term, t))
            goto done;
        j++;
    }
    out = json_pack ("{s:s, s:I, s:I, s:f, s:f, s:O}", "query", text,
                     "rounds", (json_int_t) rounds, "failed_runs", (json_int_t) fails,
                     "coverage_least", least, "coverage_mean", sum_cov / (double) k,
                     "terms", terms);
done:
    if (!out && util_last_code () == UTIL_OK)
        util_error (UTIL_ENOMEM, "bench fit-coverage: out of memory");
    json_decref (terms);
    json_decref (exact);
    free (ratios);
    free (ests);
    free (hits);
    free (seen);
    return out;
}

//  The value of array `key` of a km() curve at grid time t (NAN if none).
static double
s_at_time (const json_t *curve, const char *key, double t)
{
    const json_t *times = json_object_get (curve, "time");
    for (size_t i = 0; i < json_array_size (times); i++)
        if (fabs (json_number_value (json_array_get (times, i)) - t) < 1e-9) {
            const json_t *v = json_array_get (json_object_get (curve, key), i);
            return json_is_number (v)? json_number_value (v): NAN;
        }
    return NAN;
}

//  A Kaplan-Meier curve: the share of runs within `tol` of the exact curve
//  at every grid point up to `until`, the share whose bands hold the exact
//  survival at `at`, and the median of the largest error.
static json_t *
s_km (const char *text, const s_data_t *d, const bench_fit_coverage_options_t *o, double until,
      double at, double tol)
{
    json_t *exact = s_results (text, d, o, NULL, NULL), *out = NULL;
    double *worst = util_calloc (o->runs, sizeof (double));
    size_t within = 0, covered = 0, fails = 0, n = 0;
    if (!exact || !worst)
        goto done;
    json_t *ex = s_find (exact, "survival", NULL);
    for (size_t r = 0; r < o->runs; r++) {
        uint64_t seed = o->seed + 1000 + r;
        dp_rng_t *rng = dp_rng_new_seeded_for_tests (&seed, sizeof seed);
        json_t *dp = rng? s_results (text, d, o, rng, NULL): NULL;
        dp_rng_destroy (&rng);
        json_t *got = dp? s_find (dp, "survival", NULL): NULL;
        if (!got) {
            fails++;
            json_decref (dp);
            continue;
        }
        double err = 0;
        const json_t *times = json_object_get (ex, "time");
        for (size_t i = 0; i < json_array_size (times); i++) {
            double t = json_number_value (json_array_get (times, i));
            if (t > until)
                break;
            double e = fabs (s_at_time (got, "value", t) - s_at_time (ex, "value", t));
            err = isfinite (e)? fmax (err, e): INFINITY;
        }
        worst [n++] = err;
        within += err <= tol;
        double s = s_at_time (ex, "value", at);
        covered += s_at_time (got, "conf_low", at) <= s && s <= s_at_time (got, "conf_high", at);
        json_decref (dp);
    }
    out = json_pack ("{s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:I}", "query", text,
                     "tolerance", tol, "until_days", until,
                     "within_tolerance_share", (double) within / (double) o->runs,
                     "band_time_days", at,
                     "band_covers_share", (double) covered / (double) o->runs,
                     "max_abs_error_median", s_median (worst, n),
                     "failed_runs", (json_int_t) fails);
done:
    if (!out && util_last_code () == UTIL_OK)
        util_error (UTIL_ENOMEM, "bench fit-coverage: out of memory");
    json_decref (exact);
    free (worst);
    return out;
}

json_t *
bench_fit_coverage (const bench_fit_coverage_options_t *o)
{
    if (o->runs < 1 || o->runs > BENCH_FIT_RUNS_MAX || o->sites < 1
    ||  o->sites > PROTO_MAX_PARTIES || o->threshold < 1 || o->threshold > o->sites)
        return util_error_null (UTIL_EINPUT, "bench fit-coverage: 1..%d runs, 1..%d sites and "
                                "a quorum of 1..sites", BENCH_FIT_RUNS_MAX, PROTO_MAX_PARTIES);
    s_data_t rot, lung;
    json_t *report = NULL;
    if (s_load (&rot, o->datasets, "rotterdam") || s_load (&lung, o->datasets, "lung")) {
        util_error_context ("bench fit-coverage");
        s_unload (&rot);
        return NULL;
    }
    json_t *r_km = s_km ("km(Surv(dtime, death) ~ 1, grid=0:7300:365)", &rot, o, 3650, 1825,
                         0.03);
    json_t *r_cox = r_km? s_regression ("coxph(Surv(dtime, death) ~ age + meno + factor(size) "
                                        "+ nodes + hormon + chemo, grid=730)", &rot, o): NULL;
    json_t *r_glm = r_cox? s_regression ("glm(death ~ age + factor(size) + nodes + hormon + "
                                         "chemo + grade, family=binomial)", &rot, o): NULL;
    json_t *l_km = r_glm? s_km ("km(Surv(time, status) ~ 1, grid=0:1080:90)", &lung, o, 720,
                                360, 0.03): NULL;
    json_t *l_cox = l_km? s_regression ("coxph(Surv(time, status) ~ age + sex + ph_ecog, "
                                        "grid=360)", &lung, o): NULL;
    json_t *l_glm = l_cox? s_regression ("glm(status ~ age + sex + ph_ecog, family=binomial)",
                                         &lung, o): NULL;
    if (l_glm)
        report = json_pack ("{s:I, s:I, s:I, s:f, s:f, s:{s:I, s:O, s:O, s:O}, "
                            "s:{s:I, s:O, s:O, s:O}}",
                            "runs", (json_int_t) o->runs, "sites", (json_int_t) o->sites,
                            "threshold", (json_int_t) o->threshold, "epsilon", o->epsilon,
                            "delta", o->delta,
                            "rotterdam", "records", (json_int_t) rot.rec->rows, "km", r_km,
                            "cox", r_cox, "glm_binomial", r_glm,
                            "lung", "records", (json_int_t) lung.rec->rows, "km", l_km,
                            "cox", l_cox, "glm_binomial", l_glm);
    if (l_glm && !report)
        util_error (UTIL_ENOMEM, "bench fit-coverage: out of memory");
    json_decref (r_km);
    json_decref (r_cox);
    json_decref (r_glm);
    json_decref (l_km);
    json_decref (l_cox);
    json_decref (l_glm);
    s_unload (&rot);
    s_unload (&lung);
    return report;
}
