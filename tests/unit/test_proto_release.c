/*  Unit tests for proto/release.c: the layout of every query kind; the L2
    sensitivity against the worst record (built, not assumed); privacy off
    reproduces pooled sums to double precision (Pima, against R's values in
    datasets' golden file); the noise meets the target epsilon and no
    more; the left-out count. Iterative fits (proto/fit.h): both noises
    (the full rounds' and the score-only rounds') meet the target and no
    more, the budget split between them as planned, and the plan their
    rounds are charged by. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/fit.h"
#include "proto/release.h"
#include "models/records.h"
#include "util/error.h"
#include "support_error.h"

static const char s_dict_text [] =
    "name,type,min,max,levels,unit,description\n"
    "pregnant,integer,0,20,,,\n"
    "glucose,numeric,0,300,,mg/dl,\n"
    "pressure,numeric,0,160,,mm Hg,\n"
    "triceps,numeric,0,100,,mm,\n"
    "insulin,numeric,0,1000,,muU/ml,\n"
    "mass,numeric,10,80,,kg/m2,\n"
    "pedigree,numeric,0,3,,,\n"
    "age,integer,18,100,,years,\n"
    "diabetes,binary,0,1,,,\n";

static model_dict_t *s_dict;
static model_records_t *s_pima;

static int
s_setup (void **state)
{
    (void) state;
    s_dict = model_dict_parse ("dict.csv", s_dict_text, sizeof s_dict_text - 1);
    model_csv_t *csv = NULL;
    if (!s_dict || model_csv_load (&csv, COHORT_SOURCE_DIR "/datasets/pima_diabetes.csv", 0))
        return -1;
    s_pima = model_records_read (csv, s_dict, NULL, 0, 100000);
    model_csv_destroy (&csv);
    return s_pima? 0: -1;
}

static int
s_teardown (void **state)
{
    (void) state;
    model_records_destroy (&s_pima);
    model_dict_destroy (&s_dict);
    return 0;
}

static proto_query_t *
s_query (const char *text)
{
    proto_query_t *q = proto_query_parse (text);
    if (!q || proto_query_check (q, s_dict, 0))
        fail_msg ("%s: %s", text, util_last_error ());
    return q;
}

static void
test_layout (void **state)
{
    (void) state;
    static const struct { const char *text; size_t groups, cells; proto_release_kind_t kind; } cases [] = {
        { "count()", 1, 1, PROTO_RELEASE_COUNTS },
        { "count(by=diabetes)", 2, 1, PROTO_RELEASE_COUNTS },
        { "histogram(glucose, breaks=0:300:10, by=diabetes)", 2, 30, PROTO_RELEASE_COUNTS },
        { "crosstab(diabetes, cut(age, c(18, 30, 40, 50, 100)))", 1, 8, PROTO_RELEASE_COUNTS },
        { "crosstab(pregnant)", 1, 21, PROTO_RELEASE_COUNTS },
        { "quantiles(glucose)", 1, 16 + 256 + 4096, PROTO_RELEASE_COUNTS },
        { "mean(glucose, mass)", 1, 3, PROTO_RELEASE_MOMENTS },
        { "summary(glucose, mass, by=diabetes)", 2, 5, PROTO_RELEASE_MOMENTS },
        { "var(glucose)", 1, 3, PROTO_RELEASE_MOMENTS },
        { "correlation(glucose, mass, age)", 1, 1 + 6 + 3, PROTO_RELEASE_MOMENTS },
        //  z = (1, age, mass, diabetes=1, glucose): 5 x 6 / 2 entries.
        { "glm(glucose ~ age + mass + factor(diabetes))", 1, 15, PROTO_RELEASE_MOMENTS },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        proto_query_t *q = s_query (cases [i].text);
        proto_release_t r;
        assert_int_equal (proto_release_make (&r, q, true, 0, 0, 3), 0);
        if (r.groups != cases [i].groups || r.cells != cases [i].cells || r.kind != cases [i].kind)
            fail_msg ("%s: %zu groups of %zu cells", cases [i].text, r.groups, r.cells);
        assert_int_equal (r.entries, r.groups * r.cells + 1);
        assert_int_equal (r.limbs, r.kind == PROTO_RELEASE_MOMENTS? 2: 1);
        assert_int_equal (r.dim, r.entries * r.limbs);
        assert_int_equal (r.local_sigma2, 0);
        proto_query_destroy (&q);
    }
    assert_int_equal (proto_release_tree_nodes (), 4368);
}

//  The largest contribution any one record can make, over records at every
//  corner of the bounds, must reach but never pass the stated l2.
static void
test_sensitivity (void **state)
{
    (void) state;
    const char *queries [] = {
        "count()", "histogram(glucose, by=diabetes)", "crosstab(diabetes, pregnant)",
        "quantiles(glucose)", "mean(glucose, mass)", "summary(glucose, mass, age, by=diabetes)",
        "correlation(glucose, mass, age, pedigree)",
        "glm(glucose ~ age + mass + factor(diabetes), family=gaussian)",
    };
    for (size_t i = 0; i < sizeof queries / sizeof queries [0]; i++) {
        proto_query_t *q = s_query (queries [i]);
        proto_release_t r;
        assert_int_equal (proto_release_make (&r, q, false, 1, 1e-5, 3), 0);
        int64_t *acc = calloc (r.dim, sizeof *acc);
        assert_non_null (acc);
        double worst = 0;
        //  Every variable at its min or max (2^9 corners), and one missing.
        for (unsigned corner = 0; corner < 512 + 1; corner++) {
            double record [9];
            for (size_t v = 0; v < 9; v++) {
                const model_var_t *var = model_dict_var (s_dict, v);
                record [v] = corner & (1u << v)? var->max: var->min;
            }
            if (corner == 512)
                record [1] = NAN;
            memset (acc, 0, r.dim * sizeof *acc);
            proto_release_add (&r, record, acc);
            double norm = 0;
            for (size_t k = 0; k < r.dim; k++)
                norm += (double) acc [k] * (double) acc [k];
            worst = fmax (worst, sqrt (norm));
        }
        if (!(worst <= r.l2 * (1 + 1e-12)) || !(worst >= r.l2 * (1 - 1e-12)))
            fail_msg ("%s: worst record %.6g, stated l2 %.6g", queries [i], worst, r.l2);
        free (acc);
        proto_query_destroy (&q);
    }
}

//  Privacy off: sums split over three sites equal the pooled ones, and the
//  statistics equal R's on the pooled data.
static void
test_off_exact (void **state)
{
    (void) state;
    proto_query_t *q = s_query ("summary(glucose, mass)");
    proto_release_t r;
    assert_int_equal (proto_release_make (&r, q, true, 0, 0, 3), 0);
    int64_t *pooled = calloc (r.dim, sizeof (int64_t));
    int64_t *site [3];
    for (int s = 0; s < 3; s++)
        assert_non_null (site [s] = calloc (r.dim, sizeof (int64_t)));
    assert_non_null (pooled);
    size_t used = 0, left = 0;
    for (size_t i = 0; i < s_pima->rows; i++) {
        const double *rec = s_pima->values + i * s_pima->vars;
        int rc = proto_release_add (&r, rec, pooled);
        used += rc == 1;
        left += rc == 2;
        assert_int_equal (proto_release_add (&r, rec, site [i % 3]), rc);
    }
    for (size_t k = 0; k < r.dim; k++)
        assert_true (site [0][k] + site [1][k] + site [2][k] == pooled [k]);
    //  glucose and mass both present: 752 rows (R: complete.obs of the two).
    assert_int_equal (used, 752);
    assert_int_equal (left, 768 - 752);
    double n = proto_release_value (&r, pooled, 0);
    assert_true (n == 752);
    assert_true (proto_release_value (&r, pooled, r.entries - 1) == 16);
    //  Mean and variance of glucose over those rows, computed directly.
    double s1 = 0, s2 = 0;
    for (size_t i = 0; i < s_pima->rows; i++) {
        const double *rec = s_pima->values + i * s_pima->vars;
        if (rec [1] != rec [1] || rec [5] != rec [5])
            continue;
        s1 += rec [1];
    }
    double mean = s1 / 752;
    for (size_t i = 0; i < s_pima->rows; i++) {
        const double *rec = s_pima->values + i * s_pima->vars;
        if (rec [1] != rec [1] || rec [5] != rec [5])
            continue;
        s2 += (rec [1] - mean) * (rec [1] - mean);
    }
    double var = s2 / 751;
    double su = proto_release_value (&r, pooled, 1), su2 = proto_release_value (&r, pooled, 3);
    double got_mean = 300 * su / n;
    double got_var = 300.0 * 300.0 * (su2 - su * su / n) / (n - 1);
    assert_true (fabs (got_mean - mean) <= 1e-12 * mean);
    assert_true (fabs (got_var - var) <= 1e-9 * var);
    free (pooled);
    for (int s = 0; s < 3; s++)
        free (site [s]);
    proto_query_destroy (&q);
}

//  The noise meets the target and is not much more than it needs.
static void
test_calibration (void **state)
{
    (void) state;
    const char *queries [] = { "count()", "summary(glucose, mass)", "quantiles(glucose)",
                               "correlation(glucose, mass, age, pedigree, insulin)" };
    const double eps [] = { 0.1, 1, 4 };
    for (size_t i = 0; i < 4; i++)
        for (size_t e = 0; e < 3; e++)
            for (unsigned t = 1; t <= 5; t += 2) {
                proto_query_t *q = s_query (queries [i]);
                proto_release_t r;
                assert_int_equal (proto_release_make (&r, q, false, eps [e], 1e-5, t), 0);
                if (!(r.epsilon_spent <= eps [e]))
                    fail_msg ("%s at %g, t %u: spends %g", queries [i], eps [e], t, r.epsilon_spent);
                //  Minimal: one unit less of local variance (the sampler's
                //  variances are whole) would pass the target.
                assert_true (r.local_sigma2 >= 1);
                if (r.local_sigma2 > 1) {
                    //  Whole units, or 1e-6 of large variances (the bisection's
                    //  resolution).
                    double less_by = fmax (1, 1e-6 * (double) r.local_sigma2);
                    dp_curve_t *less = dp_curve_new_default ();
                    double over;
                    assert_int_equal (dp_curve_add_ddg (less, 1, r.l2,
                                                        (double) r.local_sigma2 - less_by, t,
                                                        r.dim, 1), 0);
                    assert_int_equal (dp_curve_epsilon (less, 1e-5, DP_CONVERSION_IMPROVED,
                                                        &over, NULL), 0);
                    if (!(over > eps [e]))
                        fail_msg ("%s at %g, t %u: %llu - a little also meets it", queries [i],
                                  eps [e], t, (unsigned long long) r.local_sigma2);
                    dp_curve_destroy (&less);
                }
                //  The curve the ledgers charge gives the same epsilon.
                dp_curve_t *c = proto_release_curve (&r);
                double got;
                assert_int_equal (dp_curve_epsilon (c, 1e-5, DP_CONVERSION_IMPROVED, &got, NULL), 0);
                assert_true (got == r.epsilon_spent);
                dp_curve_destroy (&c);
                //  t sites' noise: sigma in entry units.
                double sd = proto_release_noise_sd (&r, t);
                assert_true (sd > 0);
                proto_query_destroy (&q);
            }
    //  Privacy off: a zero curve, no noise.
    proto_query_t *q = s_query ("count()");
    proto_release_t r;
    assert_int_equal (proto_release_make (&r, q, true, 0, 0, 2), 0);
    dp_curve_t *c = proto_release_curve (&r);
    assert_non_null (c);
    for (size_t k = 0; k < dp_curve_size (c); k++)
        assert_true (dp_curve_rdp (c) [k] == 0);
    dp_curve_destroy (&c);
    assert_true (proto_release_noise_sd (&r, 3) == 0);
    proto_query_destroy (&q);
}

//  A query checked against one of the datasets' dictionaries (held for the
//  test's length: *dict is the caller's).
static proto_query_t *
s_query_on (model_dict_t **dict, const char *name, const char *text)
{
    char path [512];
    snprintf (path, sizeof path, COHORT_SOURCE_DIR "/datasets/%s_dictionary.csv", name);
    if (!*dict && !(*dict = model_dict_load (path)))
        fail_msg ("%s: %s", path, util_last_error ());
    proto_query_t *q = proto_query_parse (text);
    if (!q || proto_query_check (q, *dict, 0))
        fail_msg ("%s: %s", text, util_last_error ());
    return q;
}

//  The epsilon at 1e-5 of a fit's rounds at local variances `local` (its
//  full rounds) and `step` (its score-only rounds).
static double
s_fit_epsilon (const proto_release_t *r, double local, double step)
{
    dp_curve_t *c = dp_curve_new_default ();
    assert_non_null (c);
    assert_int_equal (dp_curve_add_ddg (c, 1, r->l2, local, r->threshold, r->dim,
                                        r->rounds - r->step_rounds), 0);
    if (r->step_rounds)
        assert_int_equal (dp_curve_add_ddg (c, 1, r->step_l2, step, r->threshold, r->step_dim,
                                            r->step_rounds), 0);
    double eps;
    assert_int_equal (dp_curve_epsilon (c, 1e-5, DP_CONVERSION_IMPROVED, &eps, NULL), 0);
    dp_curve_destroy (&c);
    return eps;
}

//  A fit's noise meets the target with both its kinds of round, and one
//  unit less of both variances would miss it; the full round takes
//  PROTO_FIT_DP_FULL_SHARE of the budget in zCDP terms (l2^2 / sigma^2),
//  the score-only rounds the rest; the ledgers' curve (the plan's) is the
//  release's.
static void
test_fit_calibration (void **state)
{
    (void) state;
    model_dict_t *epil = NULL, *lung = NULL;
    const struct { const char *dataset, *text; } fits [] = {
        { NULL, "glm(diabetes ~ glucose + mass + age + cut(pregnant, c(0, 2, 5, 20)), family=binomial)" },
        { "epilepsy", "glm(y ~ trt + lbase + lage + offset(log(weeks)), family=poisson, "
                      "weights=weeks, iterations=6)" },
        { "lung", "coxph(Surv(time, status) ~ age + sex + ph_ecog, grid=30)" },
    };
    const double eps [] = { 0.5, 1, 4 };
    for (size_t i = 0; i < sizeof fits / sizeof fits [0]; i++)
        for (size_t e = 0; e < 3; e++)
            for (unsigned t = 1; t <= 3; t += 2) {
                proto_query_t *q = !fits [i].dataset? s_query (fits [i].text)
                                 : s_query_on (!strcmp (fits [i].dataset, "lung")? &lung: &epil,
                                               fits [i].dataset, fits [i].text);
                proto_release_t r;
                assert_int_equal (proto_release_make (&r, q, false, eps [e], 1e-5, t), 0);
                assert_true (proto_fit_is (&r));
                bool glm = q->kind == PROTO_Q_GLM;
                assert_int_equal (r.step_rounds, r.rounds - 1);
                assert_true (r.local_sigma2 >= 1);
                assert_true (r.step_sigma2 >= 1);
                if (!(r.epsilon_spent <= eps [e]))
                    fail_msg ("%s at %g, t %u: spends %g", fits [i].text, eps [e], t,
                              r.epsilon_spent);
                //  What the rounds cost, recomputed from the variances.
                double at = s_fit_epsilon (&r, (double) r.local_sigma2, (double) r.step_sigma2);
                assert_true (at == r.epsilon_spent);
                //  Minimal: both variances a unit (or the bisection's 1e-6)
                //  less would pass the target.
                double less = fmax (1, 1e-6 * (double) r.local_sigma2);
                double less_step = fmax (1, 1e-6 * (double) r.step_sigma2);
                double over = s_fit_epsilon (&r, (double) r.local_sigma2 - less,
                                             (double) r.step_sigma2 - less_step);
                if (!(over > eps [e]))
                    fail_msg ("%s at %g, t %u: %llu and %llu less also meet it (%g)",
                              fits [i].text, eps [e], t, (unsigned long long) r.local_sigma2,
                              (unsigned long long) r.step_sigma2, over);
                if (r.step_rounds) {
                    //  The split: the full round's share of the zCDP rho.
                    double full = r.l2 * r.l2 / (double) r.local_sigma2;
                    double step = (double) r.step_rounds * r.step_l2 * r.step_l2
                                / (double) r.step_sigma2;
                    double share = full / (full + step);
                    if (!(fabs (share - PROTO_FIT_DP_FULL_SHARE) < 1e-6))
                        fail_msg ("%s at %g, t %u: the full round has %.9f of the budget",
                                  fits [i].text, eps [e], t, share);
                }
                //  The curve the ledgers charge, from the release and from
                //  its plan, gives the same epsilon.
                dp_curve_t *c = proto_release_curve (&r);
                double got;
                assert_int_equal (dp_curve_epsilon (c, 1e-5, DP_CONVERSION_IMPROVED, &got, NULL),
                                  0);
                assert_true (got == r.epsilon_spent);
                dp_curve_destroy (&c);
                proto_plan_t plan;
                proto_release_plan (&r, &plan);
                assert_true (plan.epsilon == r.epsilon_spent);
                c = proto_plan_ledger_total (&plan);
                assert_non_null (c);
                assert_int_equal (dp_curve_epsilon (c, 1e-5, DP_CONVERSION_IMPROVED, &got, NULL),
                                  0);
                if (!(fabs (got - r.epsilon_spent) <= 1e-12 * r.epsilon_spent))
                    fail_msg ("%s at %g, t %u: the ledgers' curve gives %.15g, the release "
                              "%.15g", fits [i].text, eps [e], t, got, r.epsilon_spent);
                dp_curve_destroy (&c);
                //  The noise on an entry: the variance of its kind of round.
                double sd = proto_fit_noise_sd (&r, glm? PROTO_FIT_START: PROTO_FIT_FULL, 0, t);
                assert_true (sd > 0);
                assert_true (proto_fit_noise_sd (&r, PROTO_FIT_STEP, 0, t) > 0);
                proto_query_destroy (&q);
            }
    model_dict_destroy (&epil);
    model_dict_destroy (&lung);
}

//  The plan a fit's rounds are charged by: under DP a glm's first round
//  is a QUERY round and its later ones FIT_STEP rounds, a coxph's every
//  round a QUERY round; privacy off, the most rounds the fit may take
//  (one more than its iterations), all QUERY rounds; iterations= sets K.
static void
test_fit_plan (void **state)
{
    (void) state;
    model_dict_t *lung = NULL;
    const struct { const char *text; bool off; uint64_t query, step; } cases [] = {
        { "glm(diabetes ~ glucose + mass, family=binomial)", false, 1, PROTO_FIT_DP_ROUNDS - 1 },
        { "glm(diabetes ~ glucose + mass, family=binomial, iterations=5)", false, 1, 4 },
        { "glm(diabetes ~ glucose + mass, family=binomial, iterations=1)", false, 1, 0 },
        { "glm(diabetes ~ glucose + mass, family=binomial)", true, PROTO_FIT_GLM_MAXIT + 1, 0 },
        { "glm(diabetes ~ glucose + mass, family=binomial, iterations=5)", true, 6, 0 },
        { "coxph(Surv(time, status) ~ age + sex, grid=30)", false, 1, PROTO_FIT_DP_ROUNDS - 1 },
        { "coxph(Surv(time, status) ~ age + sex, grid=30, iterations=7)", false, 1, 6 },
        { "coxph(Surv(time, status) ~ age + sex, grid=30)", true, PROTO_FIT_COX_MAXIT + 1, 0 },
        { "coxph(Surv(time, status) ~ age + sex, grid=30, iterations=2)", true, 3, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        const char *text = cases [i].text;
        proto_query_t *q = !strncmp (text, "coxph", 5)? s_query_on (&lung, "lung", text)
                                                      : s_query (text);
        proto_release_t r;
        assert_int_equal (proto_release_make (&r, q, cases [i].off, cases [i].off? 0: 1,
                                              cases [i].off? 0: 1e-5, 2), 0);
        proto_plan_t plan;
        proto_release_plan (&r, &plan);
        const proto_plan_kind_t *k = &plan.kind [COHORT__ROUND_KIND__ROUND_KIND_QUERY];
        const proto_plan_kind_t *s = &plan.kind [COHORT__ROUND_KIND__ROUND_KIND_FIT_STEP];
        if (k->rounds != cases [i].query || s->rounds != cases [i].step)
            fail_msg ("%s (%s): %llu query and %llu step rounds, want %llu and %llu", text,
                      cases [i].off? "off": "DP", (unsigned long long) k->rounds,
                      (unsigned long long) s->rounds, (unsigned long long) cases [i].query,
                      (unsigned long long) cases [i].step);
        assert_int_equal (r.rounds, cases [i].query + cases [i].step);
        assert_true (plan.off == cases [i].off);
        assert_int_equal (plan.threshold, 2);
        //  Each kind at its own vector, sensitivity and noise.
        assert_int_equal (k->dim, r.dim);
        assert_true (k->l2 == r.l2 && k->ledger_l2 == r.l2 && k->q == 1);
        assert_int_equal (k->local_sigma2, r.local_sigma2);
        if (s->rounds) {
            assert_int_equal (s->dim, r.step_dim);
            assert_true (s->dim < k->dim);
            assert_true (s->l2 == r.step_l2 && s->ledger_l2 == r.step_l2 && s->q == 1);
            assert_int_equal (s->local_sigma2, r.step_sigma2);
        }
        else
            assert_true (s->dim == 0 && s->local_sigma2 == 0);
        //  No other kind of round.
        for (int kind = 0; kind < PROTO_KINDS; kind++)
            if (kind != COHORT__ROUND_KIND__ROUND_KIND_QUERY
            &&  kind != COHORT__ROUND_KIND__ROUND_KIND_FIT_STEP)
                assert_int_equal (plan.kind [kind].rounds, 0);
        if (cases [i].off)
            assert_true (plan.epsilon == 0 && r.local_sigma2 == 0 && r.step_sigma2 == 0);
        proto_query_destroy (&q);
    }
    //  More rounds at the same epsilon: the full round keeps its share of
    //  the budget (the same noise), the score-only rounds split theirs
    //  (5 steps instead of 2: 5/2 times the variance each).
    proto_release_t r3, r6;
    proto_query_t *q3 = s_query ("glm(diabetes ~ glucose, family=binomial)");
    proto_query_t *q6 = s_query ("glm(diabetes ~ glucose, family=binomial, iterations=6)");
    assert_int_equal (proto_release_make (&r3, q3, false, 1, 1e-5, 2), 0);
    assert_int_equal (proto_release_make (&r6, q6, false, 1, 1e-5, 2), 0);
    assert_int_equal (r6.frac_bits, r3.frac_bits);
    double full = (double) r6.local_sigma2 / (double) r3.local_sigma2;
    double step = (double) r6.step_sigma2 / (double) r3.step_sigma2;
    if (!(fabs (full - 1) < 1e-6 && fabs (step - 2.5) < 1e-6))
        fail_msg ("iterations=6 against 3: full round's variance x %.9f, steps' x %.9f", full,
                  step);
    proto_query_destroy (&q3);
    proto_query_destroy (&q6);
    model_dict_destroy (&lung);
}

static void
test_refusals (void **state)
{
    (void) state;
    proto_query_t *q = s_query ("count()");
    proto_release_t r;
    support_expect_refused (proto_release_make (&r, q, false, 0, 1e-5, 2) == -1, "eps 0",
                            "epsilon 0 is not in (0, 100]");
    support_expect_refused (proto_release_make (&r, q, false, 1, 0.5, 2) == -1, "delta",
                            "delta 0.5 is not in (0, 0.1)");
    support_expect_refused (proto_release_make (&r, q, false, 1, 1e-5, 0) == -1, "t 0",
                            "quorum 0 is not in 1..256");
    proto_query_destroy (&q);
    //  Fifty-five moments at 8 bits: even the sampler's largest variance
    //  cannot reach epsilon 1e-4.
    q = s_query ("correlation(pregnant, glucose, pressure, triceps, insulin, mass, pedigree, "
                 "age, diabetes)");
    support_expect_refused (proto_release_make (&r, q, false, 1e-4, 1e-5, 1) == -1, "tiny eps",
                            "needs more noise than the sampler's range");
    //  ... but 1 can, at fewer fractional bits than the most.
    assert_int_equal (proto_release_make (&r, q, false, 0.05, 1e-5, 1), 0);
    assert_true (r.frac_bits < PROTO_RELEASE_FRAC_MAX && r.frac_bits >= PROTO_RELEASE_FRAC_MIN);
    proto_query_destroy (&q);
    //  Too many values: a 4096-bin histogram over 300 groups.
    q = proto_query_parse ("histogram(glucose, breaks=0:4096:1, by=cut(glucose, 0:300:1))");
    assert_non_null (q);
    assert_int_equal (proto_query_check (q, s_dict, 300), 0);
    support_expect_refused (proto_release_make (&r, q, true, 0, 0, 2) == -1, "dim",
                            "more than the 1048576 a release may have");
    proto_query_destroy (&q);
}

//  The left-out cell, where=, and by= groups.
static void
test_add (void **state)
{
    (void) state;
    proto_query_t *q = s_query ("count(by=diabetes, where=age >= 50)");
    proto_release_t r;
    assert_int_equal (proto_release_make (&r, q, true, 0, 0, 2), 0);
    int64_t acc [3] = { 0 };
    double rec [9] = { 1, 100, 70, 20, 80, 30, 0.5, 60, 1 };
    assert_int_equal (proto_release_add (&r, rec, acc), 1);
    rec [7] = 40;
    assert_int_equal (proto_release_add (&r, rec, acc), 0);
    rec [8] = NAN;
    assert_int_equal (proto_release_add (&r, rec, acc), 2);
    rec [7] = 70, rec [8] = 0;
    assert_int_equal (proto_release_add (&r, rec, acc), 1);
    assert_true (acc [0] == 1 && acc [1] == 1 && acc [2] == 1);
    proto_query_destroy (&q);

    //  A quantile tree: one node per level, at the value's place.
    q = s_query ("quantiles(glucose)");
    assert_int_equal (proto_release_make (&r, q, true, 0, 0, 2), 0);
    int64_t *tree = calloc (r.dim, sizeof *tree);
    assert_non_null (tree);
    rec [1] = 150;      //  u = 0.5: nodes 8, 128, 2048 of their levels
    assert_int_equal (proto_release_add (&r, rec, tree), 1);
    assert_true (tree [8] == 1 && tree [16 + 128] == 1 && tree [16 + 256 + 2048] == 1);
    rec [1] = 300;      //  u = 1: the last node of each level
    assert_int_equal (proto_release_add (&r, rec, tree), 1);
    assert_true (tree [15] == 1 && tree [16 + 255] == 1 && tree [16 + 256 + 4095] == 1);
    int64_t total = 0;
    for (size_t k = 0; k < r.dim; k++)
        total += tree [k];
    assert_int_equal (total, 6);
    free (tree);
    proto_query_destroy (&q);
}

//  Counts are packed in narrow slots, sized by the records a site may have
//  and its noise; moments keep the study rounds' width. A site's largest
//  possible count with noise beyond 20 standard deviations still encodes.
static void
test_value_bits (void **state)
{
    (void) state;
    proto_query_t *q = s_query ("quantiles(glucose)");
    proto_release_t r;
    assert_int_equal (proto_release_make (&r, q, true, 0, 0, 2), 0);
    unsigned off = proto_release_value_bits (&r);
    assert_int_equal (off, 23);             //  docs/protocol.md: 70 per 2048-bit plaintext
    assert_true (off < PROTO_VALUE_BITS);
    assert_true (ldexp (1, (int) off - 1) > (double) PROTO_RELEASE_RECORDS_MAX);
    assert_int_equal (proto_release_make (&r, q, false, 0.1, 1e-5, 1), 0);
    unsigned dp = proto_release_value_bits (&r);
    assert_true (dp >= off && dp < PROTO_VALUE_BITS);
    assert_true (ldexp (1, (int) dp - 1) > (double) PROTO_RELEASE_RECORDS_MAX
                                           + 20 * sqrt ((double) r.local_sigma2));
    proto_query_destroy (&q);
    q = s_query ("summary(glucose)");
    assert_int_equal (proto_release_make (&r, q, false, 1, 1e-5, 2), 0);
    assert_int_equal (proto_release_value_bits (&r), PROTO_VALUE_BITS);
    proto_query_destroy (&q);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_layout),
        cmocka_unit_test (test_sensitivity),
        cmocka_unit_test (test_off_exact),
        cmocka_unit_test (test_calibration),
        cmocka_unit_test (test_fit_calibration),
        cmocka_unit_test (test_fit_plan),
        cmocka_unit_test (test_refusals),
        cmocka_unit_test (test_add),
        cmocka_unit_test (test_value_bits),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
