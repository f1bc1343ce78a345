/*  Unit tests for proto/fit.c and coordinator/fit.c: iterative fits, round
    by round, with each site's vector from proto_fit_add at the round's
    parameters, summed as the federation sums them.

    Privacy off, 3 sites: glm(family=binomial) on Pima, glm(family=poisson)
    on the epilepsy counts (with and without an offset), and coxph() on the
    grid-binned lung and Rotterdam times equal R's glm and
    coxph(ties = "breslow") (tests/fixtures/golden_r.json,
    golden_rotterdam.json) to 1e-6 relative: coefficients, standard errors,
    deviances, AIC, log-likelihoods, iterations. Under DP (each site's
    discrete Gaussian noise from a seeded stream): the fit takes exactly its
    rounds and its intervals hold the exact coefficients most of the time.
    Then what a fit refuses: a singular design, a fit that does not
    converge, parameters a site must not take, a contribution past the
    fixed-point range. */
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
    int64_t *sum = calloc (rel->dim, sizeof *sum), *site = calloc (rel->dim, sizeof *site);
    assert_non_null (sum);
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
        memset (sum, 0, rel->dim * sizeof *sum);
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

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_glm_binomial_pima),
        cmocka_unit_test (test_glm_poisson_epilepsy),
        cmocka_unit_test (test_cox_lung),
        cmocka_unit_test (test_cox_rotterdam),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
