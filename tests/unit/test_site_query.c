/*  Unit tests for site/query.c: site_query_vector, the vector a site sums
    over its records for a round of a query (Pima's rows).

    A one-round query's vector is every record's proto_release_add, and it
    refuses parameters or any round kind but QUERY; an iterative fit's is
    every record's proto_fit_add at the round's parameters, of the round's
    size (a DP glm's score-only round is shorter), and it refuses what
    proto_fit_check_params refuses (a score-only round for a privacy-off
    fit, a wrong parameter count, a parameter that is not a finite number
    within bounds) and a privacy-off contribution past the fixed-point
    range, each with its reason. The vector is zeroed first. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "site/query.h"
#include "proto/fit.h"
#include "models/csv.h"
#include "util/error.h"
#include "support_error.h"

#define S_QUERY     COHORT__ROUND_KIND__ROUND_KIND_QUERY
#define S_STEP      COHORT__ROUND_KIND__ROUND_KIND_FIT_STEP

static model_dict_t *s_dict;
static model_records_t *s_rec;

static int
s_setup (void **state)
{
    (void) state;
    s_dict = model_dict_load (COHORT_SOURCE_DIR "/datasets/pima_diabetes_dictionary.csv");
    model_csv_t *csv = NULL;
    if (!s_dict || model_csv_load (&csv, COHORT_SOURCE_DIR "/datasets/pima_diabetes.csv", 0))
        return -1;
    s_rec = model_records_read (csv, s_dict, NULL, 0, PROTO_RELEASE_RECORDS_MAX);
    model_csv_destroy (&csv);
    return s_rec? 0: -1;
}

static int
s_teardown (void **state)
{
    (void) state;
    model_records_destroy (&s_rec);
    model_dict_destroy (&s_dict);
    return 0;
}

static proto_query_t *
s_release (proto_release_t *r, const char *text, bool off)
{
    proto_query_t *q = proto_query_parse (text);
    if (!q || proto_query_check (q, s_dict, 0)
    ||  proto_release_make (r, q, off, off? 0: 1, off? 0: 1e-5, 2))
        fail_msg ("%s: %s", text, util_last_error ());
    return q;
}

//  A vector of n integers filled with garbage: the call must zero it.
static int64_t *
s_dirty (size_t n)
{
    int64_t *v = malloc (n * sizeof *v);
    assert_non_null (v);
    for (size_t i = 0; i < n; i++)
        v [i] = (int64_t) (i * 7919 + 13);
    return v;
}

static void
test_one_round (void **state)
{
    (void) state;
    proto_release_t r;
    proto_query_t *q = s_release (&r, "count(by=diabetes)", true);
    int64_t *v = s_dirty (r.dim);
    assert_int_equal (site_query_vector (v, s_rec, &r, S_QUERY, NULL, 0), 0);
    //  Pima: 500 without diabetes, 268 with, none missing.
    assert_true (v [0] == 500 && v [1] == 268 && v [2] == 0);
    //  No parameters, no other kind of round.
    double p [2] = { 1, 2 };
    support_expect_refused (site_query_vector (v, s_rec, &r, S_QUERY, p, 2) == -1, "params",
                            "round: a count query takes one query round without parameters");
    support_expect_refused (site_query_vector (v, s_rec, &r, S_STEP, NULL, 0) == -1, "step",
                            "round: a count query takes one query round without parameters");
    support_expect_refused (site_query_vector (v, s_rec, &r,
                                               COHORT__ROUND_KIND__ROUND_KIND_TRAIN, NULL, 0) == -1,
                            "train", "takes one query round without parameters");
    free (v);
    proto_query_destroy (&q);
    //  A gaussian glm is one release too.
    q = s_release (&r, "glm(glucose ~ mass, family=gaussian)", false);
    v = s_dirty (r.dim);
    support_expect_refused (site_query_vector (v, s_rec, &r, S_QUERY, p, 2) == -1, "gaussian",
                            "round: a glm query takes one query round without parameters");
    assert_int_equal (site_query_vector (v, s_rec, &r, S_QUERY, NULL, 0), 0);
    free (v);
    proto_query_destroy (&q);
}

//  The sum a site should send: every record's proto_fit_add.
static int64_t *
s_expected (const proto_release_t *r, proto_fit_round_t round, const double *p, size_t n)
{
    int64_t *want = calloc (proto_fit_dim (r, round), sizeof *want);
    assert_non_null (want);
    for (size_t i = 0; i < s_rec->rows; i++)
        assert_true (proto_fit_add (r, round, s_rec->values + i * s_rec->vars, p, n, want) >= 0);
    return want;
}

static void
test_fit_rounds (void **state)
{
    (void) state;
    const char *text = "glm(diabetes ~ glucose + mass, family=binomial)";
    double p [4] = { -0.8, 3.5, 1.2, -0.6 };
    for (int off = 0; off <= 1; off++) {
        proto_release_t r;
        proto_query_t *q = s_release (&r, text, off);
        //  The start round (no parameters), then a round at p: a full one
        //  privacy off, a score-only one under DP.
        int64_t *v = s_dirty (r.dim);
        assert_int_equal (site_query_vector (v, s_rec, &r, S_QUERY, NULL, 0), 0);
        int64_t *want = s_expected (&r, PROTO_FIT_START, NULL, 0);
        assert_memory_equal (v, want, r.dim * sizeof *v);
        free (want);
        free (v);
        int kind = off? S_QUERY: S_STEP;
        proto_fit_round_t round = off? PROTO_FIT_FULL: PROTO_FIT_STEP;
        size_t dim = proto_fit_dim (&r, round);
        assert_true (off? dim == r.dim: dim == r.step_dim && dim < r.dim);
        v = s_dirty (r.dim);
        assert_int_equal (site_query_vector (v, s_rec, &r, kind, p, 4), 0);
        want = s_expected (&r, round, p, 4);
        assert_memory_equal (v, want, dim * sizeof *v);
        free (want);
        free (v);
        proto_query_destroy (&q);
    }
}

static void
test_fit_refusals (void **state)
{
    (void) state;
    const char *text = "glm(diabetes ~ glucose + mass, family=binomial)";
    proto_release_t off, dp;
    proto_query_t *q_off = s_release (&off, text, true);
    proto_query_t *q_dp = s_release (&dp, text, false);
    int64_t *v = s_dirty (off.dim);
    double p [5] = { 0, 0, 0, 0, 0 };
    //  Privacy off has no score-only rounds.
    support_expect_refused (site_query_vector (v, s_rec, &off, S_STEP, p, 4) == -1, "off step",
                            "fit: a score-only round for a fit that has none");
    //  Parameter counts: T + 1 = 4 after the start.
    support_expect_refused (site_query_vector (v, s_rec, &off, S_QUERY, p, 3) == -1, "3",
                            "fit: a round carries 3 parameters; this round of glm() takes 4");
    support_expect_refused (site_query_vector (v, s_rec, &off, S_QUERY, p, 5) == -1, "5",
                            "fit: a round carries 5 parameters; this round of glm() takes 4");
    support_expect_refused (site_query_vector (v, s_rec, &dp, S_STEP, p, 0) == -1, "step 0",
                            "fit: a round carries 0 parameters; this round of glm() takes 4");
    support_expect_refused (site_query_vector (v, s_rec, &dp, S_STEP, p, 1) == -1, "step 1",
                            "fit: a round carries 1 parameters; this round of glm() takes 4");
    //  Not a number, or too large.
    p [2] = NAN;
    support_expect_refused (site_query_vector (v, s_rec, &dp, S_STEP, p, 4) == -1, "nan",
                            "fit: parameter 3 is nan, not a finite number");
    p [2] = -2e4;
    support_expect_refused (site_query_vector (v, s_rec, &off, S_QUERY, p, 4) == -1, "big",
                            "fit: parameter 3 is -20000, not a finite number of size at most "
                            "10000");
    //  Privacy off, a binomial fit whose mu reaches 1 for a record without
    //  the outcome has an infinite deviance: past the range.
    p [2] = 1e4;
    support_expect_refused (site_query_vector (v, s_rec, &off, S_QUERY, p, 4) == -1,
                            "binomial", "past the fixed-point range: the fit diverged");
    p [2] = 5;
    assert_int_equal (site_query_vector (v, s_rec, &off, S_QUERY, p, 4), 0);
    proto_query_destroy (&q_off);
    proto_query_destroy (&q_dp);
    free (v);
    //  Poisson's exp(eta) passes the fixed-point range sooner: the site
    //  refuses the round rather than send a wrong sum.
    q_off = s_release (&off, "glm(pregnant ~ glucose, family=poisson)", true);
    v = s_dirty (off.dim);
    double big [3] = { 0, 200, 0 };
    support_expect_refused (site_query_vector (v, s_rec, &off, S_QUERY, big, 3) == -1,
                            "diverged", "past the fixed-point range: the fit diverged");
    big [1] = 2;
    assert_int_equal (site_query_vector (v, s_rec, &off, S_QUERY, big, 3), 0);
    free (v);
    proto_query_destroy (&q_off);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_one_round),
        cmocka_unit_test (test_fit_rounds),
        cmocka_unit_test (test_fit_refusals),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
