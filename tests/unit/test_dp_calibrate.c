/*  Unit tests for dp/calibrate.c: the noise multiplier search never
    overshoots and is minimal to its tolerance; the step budget is exact. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "dp/calibrate.h"
#include "util/error.h"

static const double *s_orders;
static size_t s_n;

static double
s_eps (double q, double z, uint64_t steps, double delta, dp_conversion_t conv)
{
    double eps;
    assert_int_equal (dp_epsilon_subsampled_gaussian (q, z, steps, delta, s_orders, s_n,
                                                      conv, &eps, NULL), 0);
    return eps;
}

static void
test_epsilon (void **state)
{
    (void) state;
    s_n = dp_orders_default (&s_orders);
    double eps = s_eps (0.0025, 1.3, 6000, 1e-5, DP_CONVERSION_IMPROVED);
    assert_true (fabs (eps - 0.7242234) < 1e-4 * 0.7242234);
    double order;
    assert_int_equal (dp_epsilon_subsampled_gaussian (0.0025, 1.3, 0, 1e-5, s_orders, s_n,
                                                      DP_CONVERSION_IMPROVED, &eps, &order), -1);
    assert_int_equal (dp_epsilon_subsampled_gaussian (0, 1.3, 10, 1e-5, s_orders, s_n,
                                                      DP_CONVERSION_IMPROVED, &eps, &order), -1);
    assert_int_equal (dp_epsilon_subsampled_gaussian (0.1, 0, 10, 1e-5, s_orders, s_n,
                                                      DP_CONVERSION_IMPROVED, &eps, &order), -1);
}

static void
test_calibrate_never_overshoots (void **state)
{
    (void) state;
    s_n = dp_orders_default (&s_orders);
    const double targets [] = { 0.1, 0.5, 0.7242234, 1, 2, 8 };
    const double rates [] = { 0.0025, 0.01, 1 };
    for (size_t t = 0; t < sizeof targets / sizeof targets [0]; t++)
        for (size_t r = 0; r < sizeof rates / sizeof rates [0]; r++)
            for (int conv = 0; conv < 2; conv++) {
                double z;
                assert_int_equal (dp_calibrate_noise (targets [t], 1e-5, rates [r], 1000,
                                                      s_orders, s_n, conv, &z), 0);
                double at = s_eps (rates [r], z, 1000, 1e-5, conv);
                double below = s_eps (rates [r], z * (1 - 1e-6), 1000, 1e-5, conv);
                if (!(at <= targets [t]))
                    fail_msg ("target %g q %g: z %.9g gives eps %.9g (overshoot)",
                              targets [t], rates [r], z, at);
                if (!(below > targets [t]))
                    fail_msg ("target %g q %g: z %.9g not minimal", targets [t], rates [r], z);
            }
    //  The golden case inverts: epsilon 0.7242234 needs z ~ 1.3.
    double z;
    assert_int_equal (dp_calibrate_noise (0.7242234, 1e-5, 0.0025, 6000, s_orders, s_n,
                                          DP_CONVERSION_IMPROVED, &z), 0);
    assert_true (fabs (z - 1.3) < 1e-4);
}

static void
test_calibrate_errors (void **state)
{
    (void) state;
    s_n = dp_orders_default (&s_orders);
    double z = 42;
    assert_int_equal (dp_calibrate_noise (0, 1e-5, 0.1, 10, s_orders, s_n, 0, &z), -1);
    assert_int_equal (dp_calibrate_noise (-1, 1e-5, 0.1, 10, s_orders, s_n, 0, &z), -1);
    assert_int_equal (dp_calibrate_noise (NAN, 1e-5, 0.1, 10, s_orders, s_n, 0, &z), -1);
    assert_int_equal (dp_calibrate_noise (INFINITY, 1e-5, 0.1, 10, s_orders, s_n, 0, &z), -1);
    assert_int_equal (dp_calibrate_noise (1, 0, 0.1, 10, s_orders, s_n, 0, &z), -1);
    assert_int_equal (dp_calibrate_noise (1, 1, 0.1, 10, s_orders, s_n, 0, &z), -1);
    assert_int_equal (dp_calibrate_noise (1, 1e-5, 0, 10, s_orders, s_n, 0, &z), -1);
    assert_int_equal (dp_calibrate_noise (1, 1e-5, 1.01, 10, s_orders, s_n, 0, &z), -1);
    assert_int_equal (dp_calibrate_noise (1, 1e-5, 0.1, 0, s_orders, s_n, 0, &z), -1);
    //  Classic conversion on a grid topping at 512 cannot go below
    //  log(1e5)/511 ~ 0.0225: unreachable, and the error says so.
    assert_int_equal (dp_calibrate_noise (0.01, 1e-5, 1, 1, s_orders, s_n,
                                          DP_CONVERSION_CLASSIC, &z), -1);
    assert_non_null (strstr (util_last_error (), "unreachable"));
    assert_true (z == 42);
}

static void
test_steps (void **state)
{
    (void) state;
    s_n = dp_orders_default (&s_orders);
    uint64_t steps;
    assert_int_equal (dp_calibrate_steps (0.7242234, 1e-5, 0.0025, 1.3, s_orders, s_n,
                                          DP_CONVERSION_IMPROVED, &steps), 0);
    assert_true (steps >= 5990 && steps <= 6010);
    assert_true (s_eps (0.0025, 1.3, steps, 1e-5, 0) <= 0.7242234);
    assert_true (s_eps (0.0025, 1.3, steps + 1, 1e-5, 0) > 0.7242234);
    //  Even one step is over budget: 0 steps.
    assert_int_equal (dp_calibrate_steps (0.1, 1e-5, 1, 0.5, s_orders, s_n,
                                          DP_CONVERSION_IMPROVED, &steps), 0);
    assert_true (steps == 0);
    assert_int_equal (dp_calibrate_steps (1, 1e-5, 0.1, 0, s_orders, s_n, 0, &steps), -1);
    assert_int_equal (dp_calibrate_steps (0, 1e-5, 0.1, 1, s_orders, s_n, 0, &steps), -1);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_epsilon),
        cmocka_unit_test (test_calibrate_never_overshoots),
        cmocka_unit_test (test_calibrate_errors),
        cmocka_unit_test (test_steps),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
