/*  Unit tests for dp/harness.c: the stochastic tester passes the real
    mechanisms (discrete Laplace, discrete Gaussian, distributed discrete
    Gaussian) at the epsilon the accountant gives them, and FAILS
    deliberately under-noised controls. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "dp/accountant.h"
#include "dp/discrete.h"
#include "dp/harness.h"
#include "util/error.h"

#define RUNS 200000
#define Z    6.0

//  A counting query: dataset 0 has count 10, its neighbour 11 (one more
//  record, sensitivity 1), released with noise from `sites` samplers.
typedef struct {
    bool laplace;
    dp_dlaplace_t lap;
    dp_dgauss_t gauss;
    int sites;
} s_mech_t;

static int
s_count_query (void *ctx, int dataset, dp_rng_t *rng, int64_t *out)
{
    const s_mech_t *m = ctx;
    int64_t y = dataset? 11: 10;
    for (int s = 0; s < m->sites; s++) {
        int64_t e;
        if (m->laplace? dp_dlaplace_sample (&m->lap, rng, &e)
                      : dp_dgauss_sample (&m->gauss, rng, &e))
            return -1;
        y += e;
    }
    *out = y;
    return 0;
}

static s_mech_t
s_laplace (uint64_t num, uint64_t den)
{
    s_mech_t m = { .laplace = true, .sites = 1 };
    dp_rational_t b;
    assert_int_equal (dp_rational_set (&b, num, den), 0);
    assert_int_equal (dp_dlaplace_init (&m.lap, &b), 0);
    return m;
}

static s_mech_t
s_gauss (uint64_t num, uint64_t den, int sites)
{
    s_mech_t m = { .laplace = false, .sites = sites };
    dp_rational_t s2;
    assert_int_equal (dp_rational_set (&s2, num, den), 0);
    assert_int_equal (dp_dgauss_init (&m.gauss, &s2), 0);
    return m;
}

//  Epsilon at delta of a rho-zCDP mechanism, improved conversion.
static double
s_eps_zcdp (double rho, double delta)
{
    dp_curve_t *c = dp_curve_new_default ();
    assert_int_equal (dp_curve_add_zcdp (c, rho), 0);
    double eps;
    assert_int_equal (dp_curve_epsilon (c, delta, DP_CONVERSION_IMPROVED, &eps, NULL), 0);
    dp_curve_destroy (&c);
    return eps;
}

static void
test_laplace_passes_and_control_fails (void **state)
{
    (void) state;
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("harness-laplace", 15);
    dp_harness_result_t r;
    //  Scale 1 on a sensitivity-1 count: pure 1-DP (CKS 2020, Prop 3 style).
    s_mech_t real = s_laplace (1, 1);
    assert_int_equal (dp_harness_check (s_count_query, &real, rng, RUNS, 1.0, 0, Z, &r), 0);
    if (!r.passed)
        fail_msg ("real Laplace failed: z %.2f at %c%lld", r.worst_z, r.worst_kind,
                  (long long) r.worst_k);
    assert_true (r.events > 10);
    //  The loss is tight: the empirical epsilon is close to 1.
    assert_true (r.empirical_epsilon > 0.9 && r.empirical_epsilon < 1.1);
    //  Control: half the noise, still claimed as 1-DP. Must fail.
    s_mech_t control = s_laplace (1, 2);
    assert_int_equal (dp_harness_check (s_count_query, &control, rng, RUNS, 1.0, 0, Z, &r), 0);
    assert_false (r.passed);
    assert_true (r.worst_z > Z);
    assert_true (r.empirical_epsilon > 1.8);
    dp_rng_destroy (&rng);
}

static void
test_gaussian_passes_and_control_fails (void **state)
{
    (void) state;
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("harness-gauss", 13);
    dp_harness_result_t r;
    //  sigma^2 = 4, sensitivity 1: rho = 1/8 (CKS 2020 Thm 4).
    double eps = s_eps_zcdp (1.0 / 8, 1e-3);
    s_mech_t real = s_gauss (4, 1, 1);
    assert_int_equal (dp_harness_check (s_count_query, &real, rng, RUNS, eps, 1e-3, Z, &r), 0);
    if (!r.passed)
        fail_msg ("real Gaussian failed at eps %.4f: z %.2f at %c%lld", eps, r.worst_z,
                  r.worst_kind, (long long) r.worst_k);
    //  Control: sigma^2 = 1 claimed at the same (eps, delta). Must fail.
    s_mech_t control = s_gauss (1, 1, 1);
    assert_int_equal (dp_harness_check (s_count_query, &control, rng, RUNS, eps, 1e-3, Z, &r),
                      0);
    assert_false (r.passed);
    dp_rng_destroy (&rng);
}

//  Three sites each add variance 4/3: the accountant's distributed bound
//  (KLS 2021, with tau) must hold empirically for the sum.
static void
test_distributed_gaussian_passes (void **state)
{
    (void) state;
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("harness-ddg", 11);
    dp_curve_t *c = dp_curve_new_default ();
    assert_int_equal (dp_curve_add_ddg (c, 1, 1, 4.0 / 3, 3, 1, 1), 0);
    double eps;
    assert_int_equal (dp_curve_epsilon (c, 1e-3, DP_CONVERSION_IMPROVED, &eps, NULL), 0);
    dp_curve_destroy (&c);
    s_mech_t real = s_gauss (4, 3, 3);
    dp_harness_result_t r;
    assert_int_equal (dp_harness_check (s_count_query, &real, rng, RUNS, eps, 1e-3, Z, &r), 0);
    assert_true (r.passed);
    //  Under-noised distributed control: each site adds variance 1/3, so
    //  the sum carries 1 instead of the 4 the claim was computed for.
    s_mech_t control = s_gauss (1, 3, 3);
    assert_int_equal (dp_harness_check (s_count_query, &control, rng, RUNS, eps, 1e-3, Z, &r),
                      0);
    assert_false (r.passed);
    dp_rng_destroy (&rng);
}

//  A mechanism with no randomness, so that the harness's histograms and
//  verdict are known exactly: on dataset d, run i (counted per dataset)
//  outputs `high` while i < ones[d] and `low` after, or fails at run
//  fail_at[d] (-1: never).
typedef struct {
    long ones [2];
    long fail_at [2];
    int64_t low, high;
    long run [2];
} s_fixed_t;

static int
s_fixed (void *ctx, int dataset, dp_rng_t *rng, int64_t *out)
{
    (void) rng;
    s_fixed_t *m = ctx;
    long i = m->run [dataset]++;
    if (i == m->fail_at [dataset])
        return -1;
    *out = i < m->ones [dataset]? m->high: m->low;
    return 0;
}

static dp_harness_result_t
s_run_fixed (long ones0, long ones1, double epsilon, double delta, double z)
{
    s_fixed_t m = { { ones0, ones1 }, { -1, -1 }, 0, 1, { 0, 0 } };
    dp_harness_result_t r;
    assert_int_equal (dp_harness_check (s_fixed, &m, NULL, 1000, epsilon, delta, z, &r), 0);
    assert_true (m.run [0] == 1000 && m.run [1] == 1000);
    return r;
}

//  The verdict on known histograms. 1000 runs each: dataset 0 gives 1 in
//  250 runs and 0 in 750, dataset 1 gives 1 and 0 in 500 runs each. The
//  events with both counts >= 100 are {y = 0}, {y = 1}, {y <= 0} and
//  {y >= 1}, plus {y <= k} for 1 <= k <= RANGE and {y >= k} for
//  -RANGE < k <= 0, each certain on both sides: 2 RANGE + 4 in all. The
//  largest privacy loss is log 2, on {y = 1} = {y >= 1}: p1 = 2 p0.
static void
test_verdict_on_known_histograms (void **state)
{
    (void) state;
    //  At epsilon just above log 2 no event is in excess.
    dp_harness_result_t r = s_run_fixed (250, 500, log (2) + 1e-9, 0, Z);
    assert_true (r.passed);
    assert_int_equal (r.events, 2 * DP_HARNESS_RANGE + 4);
    assert_true (fabs (r.empirical_epsilon - log (2)) < 1e-12);
    assert_true (r.worst_z <= 0);
    //  At epsilon = 0.5 the excess on {y >= 1} is p1 - e^0.5 p0 with the
    //  standard error of a difference of two proportions:
    //  (0.5 - e^0.5 / 4) / sqrt((0.5 * 0.5 + e * 0.25 * 0.75) / 1000) = 3.186.
    double want = (0.5 - exp (0.5) / 4) / sqrt ((0.25 + exp (1) * 0.1875) / 1000);
    assert_true (want > 3.18 && want < 3.19);
    r = s_run_fixed (250, 500, 0.5, 0, 3.0);
    assert_false (r.passed);
    assert_true (fabs (r.worst_z - want) < 1e-9);
    assert_true (r.worst_k == 1 && (r.worst_kind == '=' || r.worst_kind == '>'));
    //  The same excess under a larger z passes, and still reports it.
    r = s_run_fixed (250, 500, 0.5, 0, 3.5);
    assert_true (r.passed);
    assert_true (fabs (r.worst_z - want) < 1e-9);
    //  delta is subtracted: at epsilon 0 the excess on {y = 1} and
    //  {y = 0} is 0.25 - delta, within delta = 0.25 + 1e-9 and over it at
    //  delta = 0.2 by (0.05) / sqrt((0.25 + 0.1875) / 1000) = 2.39 errors.
    r = s_run_fixed (250, 500, 0, 0.25 + 1e-9, Z);
    assert_true (r.passed && r.worst_z <= 0);
    want = 0.05 / sqrt (0.4375 / 1000);
    r = s_run_fixed (250, 500, 0, 0.2, 2.0);
    assert_false (r.passed);
    assert_true (fabs (r.worst_z - want) < 1e-9);
    r = s_run_fixed (250, 500, 0, 0.2, 2.5);
    assert_true (r.passed);
    //  The same histograms swapped: the check runs both ways.
    r = s_run_fixed (500, 250, 0.5, 0, 3.0);
    assert_false (r.passed);
    assert_true (r.worst_k == 1);
}

//  Events need DP_HARNESS_MIN_COUNT hits on both sides: 100 and 100 is
//  an event, 100 and 99 is not (an infinite loss on a rare event is not
//  seen: passing is evidence, not proof).
static void
test_min_count (void **state)
{
    (void) state;
    dp_harness_result_t r = s_run_fixed (100, 100, 0, 0, Z);
    assert_int_equal (r.events, 2 * DP_HARNESS_RANGE + 4);
    assert_true (r.passed && r.empirical_epsilon == 0);
    r = s_run_fixed (100, 99, 0, 0, Z);
    assert_int_equal (r.events, 2 * DP_HARNESS_RANGE + 2);
    //  Dataset 1 never gives 1: the loss on {y = 1} is infinite, but at
    //  100 hits against 0 the event is not compared, and epsilon 0.11
    //  covers the rest (the largest loss left is log(1000/900) = 0.105).
    r = s_run_fixed (100, 0, 0.11, 0, Z);
    assert_int_equal (r.events, 2 * DP_HARNESS_RANGE + 2);
    assert_true (r.passed);
    assert_true (fabs (r.empirical_epsilon - log (1000.0 / 900)) < 1e-12);
}

//  Outputs beyond +-RANGE are binned at the ends, however far out: the
//  extremes of int64 land in the end cells, where they are told apart.
static void
test_outputs_beyond_range (void **state)
{
    (void) state;
    s_fixed_t m = { { 1000, 0 }, { -1, -1 }, INT64_MIN, INT64_MAX, { 0, 0 } };
    dp_harness_result_t r;
    //  Dataset 0 always gives INT64_MAX (binned at RANGE), dataset 1
    //  always INT64_MIN (binned at -RANGE): the only populated event is
    //  {y <= RANGE}, certain on both sides.
    assert_int_equal (dp_harness_check (s_fixed, &m, NULL, 1000, 1, 0, Z, &r), 0);
    assert_int_equal (r.events, 1);
    //  Dataset 0 just past the end, dataset 1 as far as int64 goes: the
    //  same cell, so no loss at all.
    s_fixed_t same = { { 1000, 0 }, { -1, -1 }, INT64_MAX, DP_HARNESS_RANGE + 1, { 0, 0 } };
    assert_int_equal (dp_harness_check (s_fixed, &same, NULL, 1000, 0, 0, Z, &r), 0);
    assert_true (r.passed && r.empirical_epsilon == 0);
    assert_int_equal (r.events, 2 * DP_HARNESS_RANGE + 2);
}

static void
test_bad_arguments (void **state)
{
    (void) state;
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("harness-bad", 11);
    s_mech_t m = s_laplace (1, 1);
    dp_harness_result_t r;
    assert_int_equal (dp_harness_check (NULL, &m, rng, RUNS, 1, 0, Z, &r), -1);
    assert_int_equal (dp_harness_check (s_count_query, &m, rng, 999, 1, 0, Z, &r), -1);
    assert_int_equal (dp_harness_check (s_count_query, &m, rng, 1000, -1, 0, Z, &r), -1);
    assert_int_equal (dp_harness_check (s_count_query, &m, rng, 1000, NAN, 0, Z, &r), -1);
    assert_int_equal (dp_harness_check (s_count_query, &m, rng, 1000, 1, 1, Z, &r), -1);
    assert_int_equal (dp_harness_check (s_count_query, &m, rng, 1000, 1, -0.1, Z, &r), -1);
    assert_int_equal (dp_harness_check (s_count_query, &m, rng, 1000, 1, 0, 0, &r), -1);
    //  1000 runs is the minimum accepted.
    assert_int_equal (dp_harness_check (s_count_query, &m, rng, 1000, 1, 0, Z, &r), 0);
    dp_rng_destroy (&rng);
    //  A failing mechanism stops the check, which names the dataset and
    //  the run, and leaves the result alone.
    s_fixed_t fails1 = { { 0, 0 }, { -1, 0 }, 0, 1, { 0, 0 } };
    r.events = -7;
    assert_int_equal (dp_harness_check (s_fixed, &fails1, NULL, 1000, 1, 0, Z, &r), -1);
    assert_non_null (strstr (util_last_error (), "dataset 1 run 0"));
    assert_true (fails1.run [0] == 1000 && fails1.run [1] == 1);
    s_fixed_t fails0 = { { 0, 0 }, { 500, -1 }, 0, 1, { 0, 0 } };
    assert_int_equal (dp_harness_check (s_fixed, &fails0, NULL, 1000, 1, 0, Z, &r), -1);
    assert_non_null (strstr (util_last_error (), "dataset 0 run 500"));
    assert_true (fails0.run [0] == 501 && fails0.run [1] == 0);
    assert_true (r.events == -7);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_laplace_passes_and_control_fails),
        cmocka_unit_test (test_gaussian_passes_and_control_fails),
        cmocka_unit_test (test_distributed_gaussian_passes),
        cmocka_unit_test (test_verdict_on_known_histograms),
        cmocka_unit_test (test_min_count),
        cmocka_unit_test (test_outputs_beyond_range),
        cmocka_unit_test (test_bad_arguments),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
