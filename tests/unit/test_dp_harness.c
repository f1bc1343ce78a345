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

#include "dp/accountant.h"
#include "dp/discrete.h"
#include "dp/harness.h"

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

static int
s_broken (void *ctx, int dataset, dp_rng_t *rng, int64_t *out)
{
    (void) ctx;
    (void) rng;
    (void) out;
    return dataset? -1: 0;
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
    int64_t dummy;
    assert_int_equal (s_broken (NULL, 0, rng, &dummy), 0);
    assert_int_equal (dp_harness_check (s_broken, NULL, rng, 1000, 1, 0, Z, &r), -1);
    dp_rng_destroy (&rng);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_laplace_passes_and_control_fails),
        cmocka_unit_test (test_gaussian_passes_and_control_fails),
        cmocka_unit_test (test_distributed_gaussian_passes),
        cmocka_unit_test (test_bad_arguments),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
