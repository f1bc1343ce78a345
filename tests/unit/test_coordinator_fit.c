/*  Unit tests for proto/fit.c and coordinator/fit.c: iterative fits, round
    by round, with each site's vector from proto_fit_add at the round's
    parameters, summed as the federation sums them.

    Privacy off, 3 sites: glm(family=binomial) on Pima, glm(family=poisson)
    on the epilepsy counts (with and without an offset), and coxph() on the
    grid-binned lung and Rotterdam times equal R's glm and
    coxph(ties = "breslow") (tests/fixtures/golden_r.json,
    golden_rotterdam.json) to 1e-6 relative: coefficients, standard errors,
    deviances, AIC, log-likelihoods, iterations. Under DP (each site's
    discrete Gaussian noise from a seeded stream): a glm and a coxph take
    exactly their planned rounds (iterations= too), every coefficient has
    a finite interval, and a note says the figures are DP's (how often the
    intervals hold the exact coefficients is bench fit-coverage's). Then
    how a fit ends without a table: a singular design (a term twice, a
    level no record has), a fit that has not converged by iterations=, a
    predictor that separates the outcome; a report before the last round;
    what is not a fit; and out of memory anywhere in a fit's life
    (alloc_walk). What a site refuses (parameters, a contribution past the
    fixed-point range) is test_proto_fit's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coordinator/fit.h"
#include "coordinator/query.h"
#include "dp/discrete.h"
#include "dp/random.h"
#include "models/csv.h"
#include "models/records.h"
#include "util/error.h"
#include "alloc_walk.h"

#define S_DELTA 1e-5

typedef struct {
    model_dict_t *dict;
    model_records_t *rec;
} s_data_t;

static json_t *s_golden, *s_rotterdam;

static int
s_setup (void **state)
{
    (void) state;
    json_error_t err;
    s_golden = json_load_file (COHORT_SOURCE_DIR "/tests/fixtures/golden_r.json", 0, &err);
    s_rotterdam = json_load_file (COHORT_SOURCE_DIR "/tests/fixtures/golden_rotterdam.json", 0,
                                  &err);
    return s_golden && s_rotterdam? 0: -1;
}

static int
s_teardown (void **state)
{
    (void) state;
    json_decref (s_golden);
    json_decref (s_rotterdam);
    return 0;
}

static void
s_load (s_data_t *d, const char *name)
{
    char path [512];
    snprintf (path, sizeof path, COHORT_SOURCE_DIR "/datasets/%s_dictionary.csv", name);
    d->dict = model_dict_load (path);
    if (!d->dict)
        fail_msg ("%s: %s", path, util_last_error ());
    snprintf (path, sizeof path, COHORT_SOURCE_DIR "/datasets/%s.csv", name);
    model_csv_t *csv = NULL;
    if (model_csv_load (&csv, path, 0)
    ||  !(d->rec = model_records_read (csv, d->dict, NULL, 0, 100000)))
        fail_msg ("%s: %s", path, util_last_error ());
    model_csv_destroy (&csv);
}

static void
s_unload (s_data_t *d)
{
    model_records_destroy (&d->rec);
    model_dict_destroy (&d->dict);
}

typedef struct {
    proto_query_t *q;
    proto_release_t rel;
    coord_fit_t *fit;
    unsigned rounds;            //  rounds run
    json_t *report;
} s_run_t;

//  Runs `text` on the data over `sites` sites (records split in contiguous
//  blocks), off or at epsilon with each site's noise from rng; quorum 2.
static void
s_run (s_run_t *r, const s_data_t *d, const char *text, unsigned sites, bool off,
       double epsilon, dp_rng_t *rng)
{
    memset (r, 0, sizeof *r);
    if (!(r->q = proto_query_parse (text)) || proto_query_check (r->q, d->dict, 0)
    ||  proto_release_make (&r->rel, r->q, off, epsilon, S_DELTA, 2))
        fail_msg ("%s: %s", text, util_last_error ());
    assert_true (proto_fit_is (&r->rel));
    r->fit = coord_fit_new (&r->rel);
    assert_non_null (r->fit);
    const proto_release_t *rel = &r->rel;
    //  Each round's sum is exactly as long as the round's vector, as the
    //  coordinator's is: a read past a STEP round's end shows under ASan.
    int64_t *sum = NULL, *site = calloc (rel->dim, sizeof *site);
    assert_non_null (site);
    int rc = 0;
    while (rc == 0) {
        assert_true (r->rounds < rel->rounds);
        size_t n;
        const double *params = coord_fit_params (r->fit, &n);
        Cohort__RoundKind kind = coord_fit_kind (r->fit);
        proto_fit_round_t round = proto_fit_round (rel, kind, n);
        size_t dim = proto_fit_dim (rel, round);
        assert_int_equal (proto_fit_check_params (rel, round, params, n), 0);
        dp_dgauss_t gauss;
        if (!off) {
            dp_rational_t s2;
            uint64_t v = kind == COHORT__ROUND_KIND__ROUND_KIND_FIT_STEP? rel->step_sigma2
                                                                      : rel->local_sigma2;
            assert_int_equal (dp_rational_set (&s2, v, 1), 0);
            assert_int_equal (dp_dgauss_init (&gauss, &s2), 0);
        }
        free (sum);
        sum = calloc (dim, sizeof *sum);
        assert_non_null (sum);
        for (unsigned s = 0; s < sites; s++) {
            memset (site, 0, rel->dim * sizeof *site);
            size_t from = d->rec->rows * s / sites, to = d->rec->rows * (s + 1) / sites;
            for (size_t i = from; i < to; i++)
                assert_true (proto_fit_add (rel, round, d->rec->values + i * d->rec->vars,
                                            params, n, site) >= 0);
            if (!off)
                assert_int_equal (dp_dgauss_add (&gauss, rng, site, dim), 0);
            for (size_t k = 0; k < dim; k++)
                sum [k] += site [k];
        }
        r->rounds++;
        rc = coord_fit_step (r->fit, sum, sites);
    }
    assert_int_equal (rc, 1);
    assert_true (coord_fit_done (r->fit));
    coord_query_options_t o = { .fit = r->fit };
    r->report = coord_query_results (rel, sum, sites, &o);
    if (!r->report)
        fail_msg ("%s: %s", text, util_last_error ());
    free (sum);
    free (site);
}

static void
s_unrun (s_run_t *r)
{
    json_decref (r->report);
    coord_fit_destroy (&r->fit);
    proto_query_destroy (&r->q);
}

//  The row of `statistic` (and `term`, when not NULL).
static json_t *
s_row (const json_t *report, const char *statistic, const char *term)
{
    size_t i;
    json_t *r;
    json_array_foreach (json_object_get (report, "results"), i, r) {
        const char *s = json_string_value (json_object_get (r, "statistic"));
        const char *t = json_string_value (json_object_get (r, "term"));
        if (s && !strcmp (s, statistic) && (!term || (t && !strcmp (t, term))))
            return r;
    }
    fail_msg ("no result %s %s in %s", statistic, term? term: "",
              json_dumps (report, JSON_COMPACT));
    return NULL;
}

static double
s_get (const json_t *row, const char *key)
{
    const json_t *v = json_object_get (row, key);
    if (!json_is_number (v))
        fail_msg ("%s: not a number", key);
    return json_number_value (v);
}

static void
s_close (double got, double want, double rel, const char *what)
{
    if (!(fabs (got - want) <= rel * fmax (fabs (want), 1e-300)))
        fail_msg ("%s: got %.17g, want %.17g (relative %.3g)", what, got, want,
                  fabs (got - want) / fabs (want));
}

static double
s_gnum (const json_t *obj, const char *key)
{
    const json_t *v = json_object_get (obj, key);
    if (!json_is_number (v))
        fail_msg ("golden %s: not a number", key);
    return json_number_value (v);
}

//  Every coefficient and figure of a glm against R's.
static void
s_check_glm (const json_t *report, const json_t *golden)
{
    const char *term;
    json_t *g;
    json_object_foreach (json_object_get (golden, "coefficients"), term, g) {
        json_t *row = s_row (report, "coefficient", term);
        s_close (s_get (row, "estimate"), s_gnum (g, "estimate"), 1e-6, term);
        s_close (s_get (row, "std_error"), s_gnum (g, "std_error"), 1e-6, term);
        s_close (s_get (row, "z"), s_gnum (g, "statistic"), 1e-6, term);
        s_close (s_get (row, "conf_low"), s_gnum (g, "ci_low"), 1e-6, term);
        s_close (s_get (row, "conf_high"), s_gnum (g, "ci_high"), 1e-6, term);
        s_close (s_get (row, "p_value"), s_gnum (g, "p_value"), 1e-5, term);
    }
    const char *figures [] = { "deviance", "null_deviance", "df_residual", "aic", "loglik",
                               "iterations" };
    const char *keys [] = { "deviance", "null_deviance", "df_residual", "aic", "loglik",
                            "iterations" };
    for (int i = 0; i < 6; i++)
        s_close (s_get (s_row (report, figures [i], NULL), "value"), s_gnum (golden, keys [i]),
                 1e-6, figures [i]);
    s_close (s_get (s_row (report, "n", NULL), "value"), s_gnum (golden, "n"), 1e-9, "n");
}

static void
test_glm_binomial_pima (void **state)
{
    (void) state;
    s_data_t d;
    s_load (&d, "pima_diabetes");
    s_run_t r;
    s_run (&r, &d, "glm(diabetes ~ pregnant + glucose + pressure + triceps + insulin + mass + "
                   "pedigree + age, family=binomial)", 3, true, 0, NULL);
    s_check_glm (r.report, json_object_get (json_object_get (s_golden, "glm"), "pima_binomial"));
    //  R's five iterations, and one more round that saw them converge.
    assert_int_equal (r.rounds, 6);
    s_unrun (&r);
    s_unload (&d);
}

static void
test_glm_poisson_epilepsy (void **state)
{
    (void) state;
    s_data_t d;
    s_load (&d, "epilepsy");
    s_run_t r;
    json_t *glm = json_object_get (s_golden, "glm");
    s_run (&r, &d, "glm(y ~ trt + lbase + lage + V4, family=poisson)", 3, true, 0, NULL);
    s_check_glm (r.report, json_object_get (glm, "epil_poisson"));
    s_unrun (&r);
    //  Offsets: in the linear predictor with coefficient 1, and in the
    //  intercept-only model of the null deviance (R fits it again).
    s_run (&r, &d, "glm(y ~ trt + lbase + lage + V4 + offset(log(weeks)), family=poisson)", 3,
           true, 0, NULL);
    s_check_glm (r.report, json_object_get (glm, "epil_poisson_offset_weeks"));
    s_unrun (&r);
    //  R's offset(log(base)) is refused: the dictionary lets base be 0.
    proto_query_t *q = proto_query_parse ("glm(y ~ trt + offset(log(base)), family=poisson)");
    assert_non_null (q);
    assert_int_equal (proto_query_check (q, d.dict, 0), -1);
    assert_non_null (strstr (util_last_error (), "log needs a positive minimum"));
    proto_query_destroy (&q);
    s_unload (&d);
}

//  Every coefficient and figure of a coxph against R's.
static void
s_check_cox (const json_t *report, const json_t *golden)
{
    const char *term;
    json_t *g;
    json_object_foreach (json_object_get (golden, "coefficients"), term, g) {
        json_t *row = s_row (report, "coefficient", term);
        s_close (s_get (row, "estimate"), s_gnum (g, "coef"), 1e-6, term);
        s_close (s_get (row, "std_error"), s_gnum (g, "se"), 1e-6, term);
        s_close (s_get (row, "z"), s_gnum (g, "z"), 1e-6, term);
        s_close (s_get (row, "hazard_ratio"), s_gnum (g, "exp_coef"), 1e-6, term);
        s_close (s_get (row, "hr_conf_low"), s_gnum (g, "exp_ci_low"), 1e-6, term);
        s_close (s_get (row, "hr_conf_high"), s_gnum (g, "exp_ci_high"), 1e-6, term);
    }
    s_close (s_get (s_row (report, "loglik", NULL), "value"), s_gnum (golden, "loglik"), 1e-6,
             "loglik");
    s_close (s_get (s_row (report, "loglik_null", NULL), "value"),
             s_gnum (golden, "loglik_null"), 1e-6, "loglik_null");
    s_close (s_get (s_row (report, "n", NULL), "value"), s_gnum (golden, "n"), 1e-9, "n");
    s_close (s_get (s_row (report, "events", NULL), "value"), s_gnum (golden, "n_events"), 1e-9,
             "events");
}

static void
test_cox_lung (void **state)
{
    (void) state;
    s_data_t d;
    s_load (&d, "lung");
    s_run_t r;
    s_run (&r, &d, "coxph(Surv(time, status) ~ age + sex + ph_ecog, grid=30)", 3, true, 0, NULL);
    json_t *g = json_object_get (json_object_get (s_golden, "survival"),
                                 "lung_cox_breslow_binned30");
    s_check_cox (r.report, g);
    s_close (s_get (s_row (r.report, "iterations", NULL), "value"), s_gnum (g, "iterations"),
             1e-9, "iterations");
    s_unrun (&r);
    s_unload (&d);
}

static void
test_cox_rotterdam (void **state)
{
    (void) state;
    s_data_t d;
    s_load (&d, "rotterdam");
    s_run_t r;
    s_run (&r, &d, "coxph(Surv(dtime, death) ~ age + meno + factor(size) + nodes + hormon + "
                   "chemo, grid=30)", 3, true, 0, NULL);
    s_check_cox (r.report, json_object_get (json_object_get (s_rotterdam, "survival"),
                                            "rotterdam_cox_breslow_binned30"));
    s_unrun (&r);
    s_unload (&d);
}

//  ---------------------------------------------------------------------------
//  What a fit refuses, and how it ends

//  The report's results are one error row holding `needle`.
static void
s_expect_error (const s_run_t *r, const char *text, const char *needle)
{
    json_t *results = json_object_get (r->report, "results");
    const char *value = json_string_value (json_object_get (json_array_get (results, 0),
                                                            "value"));
    const char *stat = json_string_value (json_object_get (json_array_get (results, 0),
                                                           "statistic"));
    if (json_array_size (results) != 1 || !stat || strcmp (stat, "error") || !value
    ||  !strstr (value, needle)) {
        char *js = json_dumps (results, JSON_COMPACT);
        fail_msg ("%s: want one error row with '%s', got %s", text, needle, js);
    }
}

//  Collinear columns: a term twice, a level no record has (where= leaves
//  only the first of cut()'s levels, so the others' centred columns are
//  the intercept's), a covariate twice in coxph. Refused at the first
//  step, with the reason, not a table of nonsense.
static void
test_singular (void **state)
{
    (void) state;
    s_data_t d;
    s_load (&d, "pima_diabetes");
    const char *glm [] = {
        "glm(diabetes ~ glucose + glucose, family=binomial)",
        "glm(diabetes ~ glucose + cut(age, c(18, 30, 50, 100)), family=binomial, where=age <= 30)",
        "glm(pregnant ~ glucose + mass + mass, family=poisson)",
    };
    for (size_t i = 0; i < sizeof glm / sizeof glm [0]; i++) {
        s_run_t r;
        s_run (&r, &d, glm [i], 3, true, 0, NULL);
        assert_int_equal (r.rounds, 1);
        s_expect_error (&r, glm [i], "glm(): the design is singular");
        s_unrun (&r);
    }
    s_unload (&d);
    s_load (&d, "lung");
    s_run_t r;
    const char *cox = "coxph(Surv(time, status) ~ age + sex + age, grid=30)";
    s_run (&r, &d, cox, 3, true, 0, NULL);
    assert_int_equal (r.rounds, 1);
    s_expect_error (&r, cox, "coxph(): the design is singular");
    s_unrun (&r);
    s_unload (&d);
}

//  Privacy off, iterations= caps the steps: a fit that has not converged
//  by then says so (R's glm would warn and report it anyway).
static void
test_not_converged (void **state)
{
    (void) state;
    s_data_t d;
    s_load (&d, "pima_diabetes");
    s_run_t r;
    const char *glm = "glm(diabetes ~ glucose + mass, family=binomial, iterations=1)";
    s_run (&r, &d, glm, 3, true, 0, NULL);
    //  The start, then the round that found the deviance still moving.
    assert_int_equal (r.rounds, 2);
    s_expect_error (&r, glm, "glm(): the fit did not converge in 1 iterations");
    s_unrun (&r);
    //  R's five iterations fit in five: converged, a table.
    glm = "glm(diabetes ~ glucose + mass, family=binomial, iterations=5)";
    s_run (&r, &d, glm, 3, true, 0, NULL);
    assert_true (json_array_size (json_object_get (r.report, "results")) > 3);
    assert_non_null (s_row (r.report, "coefficient", "glucose"));
    s_unrun (&r);
    s_unload (&d);
    s_load (&d, "lung");
    const char *cox = "coxph(Surv(time, status) ~ age + sex, grid=30, iterations=1)";
    s_run (&r, &d, cox, 3, true, 0, NULL);
    assert_int_equal (r.rounds, 2);
    s_expect_error (&r, cox, "coxph(): the fit did not converge in 1 iterations");
    s_unrun (&r);
    s_unload (&d);
}

//  A predictor that separates the outcome (where= keeps low glucose
//  without diabetes and high glucose with it): the estimate runs off to
//  infinity, as in R; privacy off the fit stops at its 25 iterations and
//  says why. Under DP it takes its planned rounds (steps damped) and
//  reports finite numbers.
static void
test_separated (void **state)
{
    (void) state;
    s_data_t d;
    s_load (&d, "pima_diabetes");
    s_run_t r;
    const char *glm = "glm(diabetes ~ glucose + mass, family=binomial, "
                      "where=(glucose < 100 & diabetes == 0) | (glucose > 150 & diabetes == 1))";
    s_run (&r, &d, glm, 3, true, 0, NULL);
    assert_int_equal (r.rounds, PROTO_FIT_GLM_MAXIT + 1);
    s_expect_error (&r, glm, "did not converge in 25 iterations (a predictor that separates "
                             "the outcome");
    s_unrun (&r);
    uint64_t seed = 13;
    dp_rng_t *rng = dp_rng_new_seeded_for_tests (&seed, sizeof seed);
    assert_non_null (rng);
    s_run (&r, &d, glm, 3, false, 2, rng);
    assert_int_equal (r.rounds, r.rel.rounds);
    json_t *row = s_row (r.report, "coefficient", "glucose");
    assert_true (isfinite (s_get (row, "estimate")) && isfinite (s_get (row, "std_error")));
    s_unrun (&r);
    dp_rng_destroy (&rng);
    s_unload (&d);
}

//  Every coefficient row of a report has a finite estimate and a finite,
//  non-empty interval around it; returns how many there are.
static size_t
s_check_intervals (const json_t *report, const char *text)
{
    size_t i, n = 0;
    json_t *row;
    json_array_foreach (json_object_get (report, "results"), i, row) {
        const char *stat = json_string_value (json_object_get (row, "statistic"));
        if (!stat || strcmp (stat, "coefficient"))
            continue;
        double est = s_get (row, "estimate"), se = s_get (row, "std_error");
        double lo = s_get (row, "conf_low"), hi = s_get (row, "conf_high");
        if (!(isfinite (est) && se > 0 && isfinite (se) && lo < est && est < hi
              && isfinite (lo) && isfinite (hi)))
            fail_msg ("%s: %s: estimate %g (se %g) in [%g, %g]", text,
                      json_string_value (json_object_get (row, "term")), est, se, lo, hi);
        n++;
    }
    return n;
}

//  A note of the report holding `needle`.
static bool
s_has_note (const json_t *report, const char *needle)
{
    size_t i;
    json_t *note;
    json_array_foreach (json_object_get (report, "notes"), i, note)
        if (json_string_value (note) && strstr (json_string_value (note), needle))
            return true;
    return false;
}

//  Under DP (each site's discrete Gaussian from a seeded stream) a glm
//  takes exactly its planned rounds: the start, then score-only rounds;
//  every coefficient gets a finite interval, and a note says the numbers
//  are DP's. Likewise a coxph, whose every round is full.
static void
test_dp_rounds (void **state)
{
    (void) state;
    uint64_t seed = 2024;
    dp_rng_t *rng = dp_rng_new_seeded_for_tests (&seed, sizeof seed);
    assert_non_null (rng);
    s_data_t d;
    s_load (&d, "pima_diabetes");
    const struct { const char *text; unsigned rounds; } glm [] = {
        { "glm(diabetes ~ glucose + mass + age, family=binomial)", PROTO_FIT_DP_ROUNDS },
        { "glm(diabetes ~ glucose + mass + age, family=binomial, iterations=5)", 5 },
    };
    for (size_t i = 0; i < sizeof glm / sizeof glm [0]; i++) {
        s_run_t r;
        s_run (&r, &d, glm [i].text, 3, false, 4, rng);
        assert_int_equal (r.rel.rounds, glm [i].rounds);
        assert_int_equal (r.rounds, glm [i].rounds);
        assert_int_equal (s_check_intervals (r.report, glm [i].text), 4);
        assert_true (s_get (s_row (r.report, "iterations", NULL), "value") == glm [i].rounds);
        char want [64];
        snprintf (want, sizeof want, "Under DP the fit takes exactly %u rounds",
                  glm [i].rounds);
        if (!s_has_note (r.report, want))
            fail_msg ("%s: no note '%s'", glm [i].text, want);
        assert_false (s_has_note (r.report, "NOT PRIVATE"));
        s_unrun (&r);
    }
    s_unload (&d);
    s_load (&d, "rotterdam");
    s_run_t r;
    const char *cox = "coxph(Surv(dtime, death) ~ age + meno + nodes + hormon, grid=365)";
    s_run (&r, &d, cox, 3, false, 4, rng);
    assert_int_equal (r.rounds, PROTO_FIT_DP_ROUNDS);
    assert_int_equal (s_check_intervals (r.report, cox), 4);
    assert_true (s_has_note (r.report, "Under DP the fit takes exactly 3 rounds"));
    s_unrun (&r);
    s_unload (&d);
    dp_rng_destroy (&rng);
}

//  One round's sum of every record at the fit's next parameters.
static void
s_round_sum (const s_data_t *d, const proto_release_t *rel, const coord_fit_t *fit,
             int64_t *sum)
{
    size_t n;
    const double *params = coord_fit_params (fit, &n);
    proto_fit_round_t round = proto_fit_round (rel, coord_fit_kind (fit), n);
    memset (sum, 0, rel->dim * sizeof *sum);
    for (size_t i = 0; i < d->rec->rows; i++)
        if (proto_fit_add (rel, round, d->rec->values + i * d->rec->vars, params, n, sum) < 0)
            fail_msg ("round: %s", util_last_error ());
}

//  The fit's life: what is not a fit is refused; the kind and parameters
//  of each round; a report before the last round is an error row, not a
//  table; a step after the end changes nothing.
static void
test_lifecycle (void **state)
{
    (void) state;
    s_data_t d;
    s_load (&d, "pima_diabetes");
    proto_query_t *q = proto_query_parse ("glm(glucose ~ mass, family=gaussian)");
    proto_release_t rel;
    assert_non_null (q);
    assert_int_equal (proto_query_check (q, d.dict, 0), 0);
    assert_int_equal (proto_release_make (&rel, q, true, 0, 0, 2), 0);
    util_error_clear ();
    assert_null (coord_fit_new (&rel));
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    assert_non_null (strstr (util_last_error (), "not an iterative fit"));
    assert_null (coord_fit_new (NULL));
    proto_query_destroy (&q);
    coord_fit_destroy (NULL);

    q = proto_query_parse ("glm(diabetes ~ glucose + mass, family=binomial)");
    assert_non_null (q);
    assert_int_equal (proto_query_check (q, d.dict, 0), 0);
    assert_int_equal (proto_release_make (&rel, q, false, 1, S_DELTA, 2), 0);
    coord_fit_t *fit = coord_fit_new (&rel);
    assert_non_null (fit);
    assert_false (coord_fit_done (fit));
    size_t n;
    coord_fit_params (fit, &n);
    assert_int_equal (n, 0);
    assert_int_equal (coord_fit_kind (fit), COHORT__ROUND_KIND__ROUND_KIND_QUERY);
    int64_t *sum = calloc (rel.dim, sizeof *sum);
    assert_non_null (sum);
    s_round_sum (&d, &rel, fit, sum);
    assert_int_equal (coord_fit_step (fit, sum, 1), 0);
    //  DP: the later rounds release the score only, at beta and the null
    //  model's intercept.
    assert_int_equal (coord_fit_kind (fit), COHORT__ROUND_KIND__ROUND_KIND_FIT_STEP);
    const double *p = coord_fit_params (fit, &n);
    assert_int_equal (n, 4);
    assert_int_equal (proto_fit_check_params (&rel, PROTO_FIT_STEP, p, n), 0);
    //  The left-out count of that round: Pima's glucose or mass missing.
    double sd;
    double left = coord_fit_left_out (fit, &sd);
    assert_true (sd > 0 && fabs (left - 16) < 8 * sd + 1);
    //  Reported before its last round: an error row.
    json_t *results = json_array (), *notes = json_array ();
    char *labels [3] = { "diabetes", "glucose", "mass" };
    assert_int_equal (coord_fit_report (fit, labels, NULL, results, notes), 0);
    assert_int_equal (json_array_size (results), 1);
    assert_string_equal (json_string_value (json_object_get (json_array_get (results, 0),
                                                             "value")),
                         "the fit ended before its last round");
    assert_int_equal (json_array_size (notes), 0);
    json_decref (results);
    json_decref (notes);
    //  The last rounds; then a step more is a no-op.
    int rc = 0;
    unsigned rounds = 1;
    while (rc == 0) {
        s_round_sum (&d, &rel, fit, sum);
        rc = coord_fit_step (fit, sum, 1);
        rounds++;
    }
    assert_int_equal (rc, 1);
    assert_int_equal (rounds, rel.rounds);
    assert_true (coord_fit_done (fit));
    assert_int_equal (coord_fit_step (fit, sum, 1), 1);
    results = json_array ();
    notes = json_array ();
    assert_int_equal (coord_fit_report (fit, labels, NULL, results, notes), 0);
    //  Three coefficients, then deviance, null deviance, df, AIC, loglik,
    //  iterations, n (under DP the deviances, AIC and loglik are not
    //  given: null); the notes say so, and that the fit is DP's.
    assert_int_equal (json_array_size (results), 3 + 7);
    for (size_t i = 3; i < 3 + 7; i++) {
        const json_t *row = json_array_get (results, i);
        const char *stat = json_string_value (json_object_get (row, "statistic"));
        bool given = !strcmp (stat, "df_residual") || !strcmp (stat, "iterations")
                  || !strcmp (stat, "n");
        if (given != json_is_number (json_object_get (row, "value")))
            fail_msg ("DP %s: %s", stat, given? "not given": "given");
    }
    assert_int_equal (json_array_size (notes), 2);
    json_t *holder = json_pack ("{s:O}", "notes", notes);
    assert_true (s_has_note (holder, "Under DP the fit takes exactly 3 rounds"));
    assert_true (s_has_note (holder, "not given under DP"));
    json_decref (holder);
    json_decref (results);
    json_decref (notes);
    free (sum);
    coord_fit_destroy (&fit);
    assert_null (fit);
    coord_fit_destroy (&fit);
    proto_query_destroy (&q);
    s_unload (&d);
}

//  Out of memory anywhere in a fit's life (coord_fit_new, every step, the
//  report with its DP bootstrap) is reported as such and leaks nothing.
typedef struct {
    const s_data_t *d;
    const proto_release_t *rel;
    char **labels;
} s_walk_t;

static bool
s_walk_fit (void *ctx)
{
    s_walk_t *w = ctx;
    coord_fit_t *fit = coord_fit_new (w->rel);
    if (!fit)
        return false;
    int64_t *sum = calloc (w->rel->dim, sizeof *sum);
    json_t *results = json_array (), *notes = json_array ();
    gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
    assert_true (sum && results && notes && rng);
    gsl_rng_set (rng, 7);
    int rc = 0;
    while (rc == 0) {
        s_round_sum (w->d, w->rel, fit, sum);
        rc = coord_fit_step (fit, sum, 1);
    }
    bool ok = rc == 1
           && coord_fit_report (fit, w->labels, w->rel->off? NULL: rng, results, notes) == 0;
    if (ok) {
        //  A table, not an error row.
        const char *stat = json_string_value (json_object_get (json_array_get (results, 0),
                                                               "statistic"));
        assert_true (stat && !strcmp (stat, "coefficient"));
    }
    gsl_rng_free (rng);
    json_decref (results);
    json_decref (notes);
    free (sum);
    coord_fit_destroy (&fit);
    return ok;
}

static void
test_alloc_walk (void **state)
{
    (void) state;
    s_data_t d;
    s_load (&d, "pima_diabetes");
    char *labels [3] = { "diabetes", "glucose", "mass" };
    for (int off = 1; off >= 0; off--) {
        proto_query_t *q = proto_query_parse ("glm(diabetes ~ glucose + mass, family=binomial)");
        proto_release_t rel;
        assert_non_null (q);
        assert_int_equal (proto_query_check (q, d.dict, 0), 0);
        assert_int_equal (proto_release_make (&rel, q, off, off? 0: 4, off? 0: S_DELTA, 2), 0);
        s_walk_t w = { &d, &rel, labels };
        assert_true (alloc_walk (s_walk_fit, &w) >= 10);
        proto_query_destroy (&q);
    }
    s_unload (&d);
    s_load (&d, "lung");
    char *cox_labels [4] = { "time", "status", "age", "sex" };
    for (int off = 1; off >= 0; off--) {
        proto_query_t *q = proto_query_parse ("coxph(Surv(time, status) ~ age + sex, grid=90)");
        proto_release_t rel;
        assert_non_null (q);
        assert_int_equal (proto_query_check (q, d.dict, 0), 0);
        assert_int_equal (proto_release_make (&rel, q, off, off? 0: 10, off? 0: S_DELTA, 2), 0);
        s_walk_t w = { &d, &rel, cox_labels };
        assert_true (alloc_walk (s_walk_fit, &w) >= 10);
        proto_query_destroy (&q);
    }
    s_unload (&d);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_glm_binomial_pima),
        cmocka_unit_test (test_glm_poisson_epilepsy),
        cmocka_unit_test (test_cox_lung),
        cmocka_unit_test (test_cox_rotterdam),
        cmocka_unit_test (test_singular),
        cmocka_unit_test (test_not_converged),
        cmocka_unit_test (test_separated),
        cmocka_unit_test (test_dp_rounds),
        cmocka_unit_test (test_lifecycle),
        cmocka_unit_test (test_alloc_walk),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
