/*  Unit tests for dp/calibrate.c: epsilon, the noise multiplier and the
    step budget against references computed outside the code under test
    (TensorFlow Privacy's golden value, mpmath, and the accountant's curves
    for the search properties); the noise search never overshoots and is
    minimal to its tolerance; the step budget is exact; bad input. */
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

//  Epsilon by the accountant's curves (dp/accountant.h), not by the code
//  under test: the check of a search's answer.
static double
s_eps (double q, double z, uint64_t steps, double delta, dp_conversion_t conv)
{
    dp_curve_t *c = dp_curve_new (s_orders, s_n);
    assert_non_null (c);
    assert_int_equal (dp_curve_add_subsampled_gaussian (c, q, z, steps), 0);
    double eps;
    assert_int_equal (dp_curve_epsilon (c, delta, conv, &eps, NULL), 0);
    dp_curve_destroy (&c);
    return eps;
}

//  References computed with mpmath at 40 digits, on the integer orders
//  2..64 (where the subsampled Gaussian's RDP is the exact binomial sum,
//  MTZ 2019 Sec. 3.3) unless the default grid is named:
//      rdp(a) = log(sum(C(a,i) q^i (1-q)^(a-i) exp((i^2-i)/(2 z^2)) for i in 0..a)) / (a-1)
//               (a/(2 z^2) when q = 1)
//      classic:  min over a of T rdp(a) - log(delta)/(a-1)
//      improved: min over a of T rdp(a) + log((a-1)/a) - (log(delta) + log(a))/(a-1)
//  for T steps; the noise references are the bisection of that epsilon in z
//  to 40 digits, the step references the largest integer T within the
//  target (the next T is over by more than 1e-4).
static double s_int_orders [63];

static void
s_use_int_orders (void)
{
    for (int i = 0; i < 63; i++)
        s_int_orders [i] = 2 + i;
    s_orders = s_int_orders;
    s_n = 63;
}

static void
test_epsilon (void **state)
{
    (void) state;
    s_n = dp_orders_default (&s_orders);
    //  TensorFlow Privacy's golden value, attained at an integer order.
    double eps, order;
    assert_int_equal (dp_epsilon_subsampled_gaussian (0.0025, 1.3, 6000, 1e-5, s_orders, s_n,
                                                      DP_CONVERSION_IMPROVED, &eps, &order), 0);
    assert_true (fabs (eps - 0.7242234) < 1e-4 * 0.7242234);
    assert_true (order == floor (order));
    assert_int_equal (dp_epsilon_subsampled_gaussian (0.0025, 1.3, 0, 1e-5, s_orders, s_n,
                                                      DP_CONVERSION_IMPROVED, &eps, &order), -1);
    assert_int_equal (dp_epsilon_subsampled_gaussian (0, 1.3, 10, 1e-5, s_orders, s_n,
                                                      DP_CONVERSION_IMPROVED, &eps, &order), -1);
    assert_int_equal (dp_epsilon_subsampled_gaussian (0.1, 0, 10, 1e-5, s_orders, s_n,
                                                      DP_CONVERSION_IMPROVED, &eps, &order), -1);
    //  The mpmath references.
    s_use_int_orders ();
    assert_int_equal (dp_epsilon_subsampled_gaussian (0.01, 1.1, 500, 1e-5, s_orders, s_n,
                                                      DP_CONVERSION_IMPROVED, &eps, NULL), 0);
    assert_true (fabs (eps - 1.3218017232950001057) < 1e-10);
    assert_int_equal (dp_epsilon_subsampled_gaussian (0.05, 2, 300, 1e-6, s_orders, s_n,
                                                      DP_CONVERSION_CLASSIC, &eps, NULL), 0);
    assert_true (fabs (eps - 2.7415797600952140869) < 1e-10);
}

//  The noise multiplier against the mpmath references: never below the
//  exact answer (beyond rounding of the last bits), and above it by no
//  more than the search's tolerance of 1e-9.
static void
s_assert_noise (double target, double delta, double q, uint64_t steps,
                dp_conversion_t conv, double want)
{
    double z = -1;
    assert_int_equal (dp_calibrate_noise (target, delta, q, steps, s_orders, s_n, conv, &z), 0);
    if (!(z >= want * (1 - 1e-12) && z <= want * (1 + 2e-9)))
        fail_msg ("target %g q %g steps %llu: z %.15g, reference %.15g", target, q,
                  (unsigned long long) steps, z, want);
}

static void
test_calibrate_reference (void **state)
{
    (void) state;
    s_n = dp_orders_default (&s_orders);
    s_assert_noise (1.0, 1e-5, 1, 10, DP_CONVERSION_IMPROVED, 12.792631778702477513);
    s_use_int_orders ();
    s_assert_noise (0.5, 1e-6, 0.01, 1000, DP_CONVERSION_IMPROVED, 2.9004861954392251933);
    s_assert_noise (2.0, 1e-5, 0.05, 200, DP_CONVERSION_CLASSIC, 2.0418897160358555703);
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
    //  A sampling rate of 0 charges nothing and means nothing: both
    //  searches refuse it for what it is (an accepted q = 0 would give
    //  2^40 steps, or fail later on the noise multiplier).
    uint64_t steps = 42;
    assert_int_equal (dp_calibrate_steps (1, 1e-5, 0, 1, s_orders, s_n, 0, &steps), -1);
    assert_non_null (strstr (util_last_error (), "sampling rate"));
    assert_true (steps == 42);
    assert_int_equal (dp_calibrate_noise (1, 1e-5, 0, 10, s_orders, s_n, 0, &z), -1);
    assert_non_null (strstr (util_last_error (), "sampling rate"));
    assert_int_equal (dp_calibrate_noise (1, 1e-5, -0.1, 10, s_orders, s_n, 0, &z), -1);
    assert_int_equal (dp_calibrate_steps (1, 1e-5, 1.01, 1, s_orders, s_n, 0, &steps), -1);
    assert_int_equal (dp_calibrate_steps (1, 1e-5, NAN, 1, s_orders, s_n, 0, &steps), -1);
    assert_int_equal (dp_calibrate_steps (1, 0, 0.1, 1, s_orders, s_n, 0, &steps), -1);
    assert_int_equal (dp_calibrate_steps (1, 1e-5, 0.1, INFINITY, s_orders, s_n, 0, &steps), -1);
    assert_true (z == 42 && steps == 42);
    //  The boundary rate q = 1 is accepted by both.
    assert_int_equal (dp_calibrate_steps (1, 1e-5, 1, 20, s_orders, s_n, 0, &steps), 0);
    assert_int_equal (dp_calibrate_noise (1, 1e-5, 1, 10, s_orders, s_n, 0, &z), 0);
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
    //  The mpmath references.
    s_use_int_orders ();
    assert_int_equal (dp_calibrate_steps (1.0, 1e-5, 0.01, 1.1, s_orders, s_n,
                                          DP_CONVERSION_IMPROVED, &steps), 0);
    assert_true (steps == 111);
    assert_int_equal (dp_calibrate_steps (3.0, 1e-6, 0.02, 0.9, s_orders, s_n,
                                          DP_CONVERSION_CLASSIC, &steps), 0);
    assert_true (steps == 34);
}

//  The mechanisms and accountants of dp_epsilon_with on the extended grid:
//  the references (see test_dp_accountant), the Gaussian's RDP
//  equal to dp_epsilon_subsampled_gaussian, and errors named.
static void
test_epsilon_with (void **state)
{
    (void) state;
    const double *grid;
    size_t n = dp_orders_extended (&grid);
    double eps, order;
    dp_mechanism_t dg = { .kind = DP_MECHANISM_DISCRETE_GAUSSIAN };
    assert_int_equal (dp_epsilon_with (&dg, 0.05, 5, 200, 1e-5, grid, n, DP_CONVERSION_IMPROVED,
                                       &eps, &order), 0);
    assert_true (fabs (eps - 0.5679) <= 5e-5 && order == 28);
    //  The sensitivity scales sigma with it: the same at l2 = 3.
    dg.l2 = 3;
    double eps3;
    assert_int_equal (dp_epsilon_with (&dg, 0.05, 5, 200, 1e-5, grid, n, DP_CONVERSION_IMPROVED,
                                       &eps3, NULL), 0);
    assert_true (fabs (eps3 - eps) < 1e-9);
    dp_mechanism_t ddg = { .kind = DP_MECHANISM_DISTRIBUTED, .l2 = 2, .l1 = 4, .sites = 100,
                           .dim = 100 };
    //  z = sqrt(100) * 1 / 2 = 5: local sigma 1.
    assert_int_equal (dp_epsilon_with (&ddg, 0.05, 5, 200, 1e-5, grid, n, DP_CONVERSION_IMPROVED,
                                       &eps, NULL), 0);
    assert_true (fabs (eps - 0.5717) <= 5e-5);
    ddg.accountant = DP_ACCOUNTANT_CONSERVATIVE;
    assert_int_equal (dp_epsilon_with (&ddg, 0.05, 5, 200, 1e-5, grid, n, DP_CONVERSION_IMPROVED,
                                       &eps, NULL), 0);
    assert_true (fabs (eps - 1.5973) <= 5e-5);
    //  Gaussian, tight RDP: MTZ's exact value, the same as before.
    dp_mechanism_t g = { 0 };
    double old;
    assert_int_equal (dp_epsilon_with (&g, 0.01, 1.1, 500, 1e-5, grid, n, DP_CONVERSION_IMPROVED,
                                       &eps, NULL), 0);
    assert_int_equal (dp_epsilon_subsampled_gaussian (0.01, 1.1, 500, 1e-5, grid, n,
                                                      DP_CONVERSION_IMPROVED, &old, NULL), 0);
    assert_true (eps == old);
    //  Gaussian, conservative: above the exact value, also for z < 1/2.
    g.accountant = DP_ACCOUNTANT_CONSERVATIVE;
    double general;
    assert_int_equal (dp_epsilon_with (&g, 0.01, 1.1, 500, 1e-5, grid, n, DP_CONVERSION_IMPROVED,
                                       &general, NULL), 0);
    assert_true (general > eps);
    assert_int_equal (dp_epsilon_with (&g, 0.01, 0.3, 5, 1e-5, grid, n, DP_CONVERSION_IMPROVED,
                                       &general, NULL), 0);
    //  PLD: no order; not for the distributed mechanism.
    g.accountant = DP_ACCOUNTANT_PLD;
    order = -1;
    assert_int_equal (dp_epsilon_with (&g, 0.01, 1.1, 500, 1e-5, grid, n, DP_CONVERSION_IMPROVED,
                                       &eps, &order), 0);
    assert_true (order == 0 && eps < old);
    ddg.accountant = DP_ACCOUNTANT_PLD;
    assert_int_equal (dp_epsilon_with (&ddg, 0.05, 5, 200, 1e-5, grid, n, DP_CONVERSION_IMPROVED,
                                       &eps, NULL), -1);
    assert_non_null (strstr (util_last_error (), "distributed"));
    //  Bad input.
    ddg.accountant = DP_ACCOUNTANT_RDP;
    assert_int_equal (dp_epsilon_with (&ddg, 0.05, 5, 0, 1e-5, grid, n, 0, &eps, NULL), -1);
    assert_int_equal (dp_epsilon_with (&ddg, 0, 5, 10, 1e-5, grid, n, 0, &eps, NULL), -1);
    assert_int_equal (dp_epsilon_with (&ddg, 0.1, 5, 10, 1, grid, n, 0, &eps, NULL), -1);
    assert_int_equal (dp_epsilon_with (&ddg, 0.1, NAN, 10, 1e-5, grid, n, 0, &eps, NULL), -1);
    //  Local sigma^2 = (0.1 * 2)^2 / 100 < 1/4: an error here ...
    assert_int_equal (dp_epsilon_with (&ddg, 0.1, 0.1, 10, 1e-5, grid, n, 0, &eps, NULL), -1);
    dp_mechanism_t bad = { .kind = (dp_mechanism_kind_t) 9 };
    assert_int_equal (dp_epsilon_with (&bad, 0.1, 1, 10, 1e-5, grid, n, 0, &eps, NULL), -1);
    dp_mechanism_kind_t kind;
    assert_int_equal (dp_mechanism_kind_parse ("distributed", &kind), 0);
    assert_int_equal (kind, DP_MECHANISM_DISTRIBUTED);
    assert_string_equal (dp_mechanism_kind_name (DP_MECHANISM_DISCRETE_GAUSSIAN), "discrete-gaussian");
    assert_int_equal (dp_mechanism_kind_parse ("laplace", &kind), -1);
    assert_int_equal (dp_mechanism_kind_parse (NULL, &kind), -1);
    assert_string_equal (dp_mechanism_kind_name ((dp_mechanism_kind_t) 9), "?");
}

//  ... while calibration searches past such z (they do not meet the
//  target), and never overshoots, for every mechanism and accountant.
static void
test_calibrate_with (void **state)
{
    (void) state;
    const double *grid;
    size_t n = dp_orders_extended (&grid);
    const dp_mechanism_t cases [] = {
        { .kind = DP_MECHANISM_GAUSSIAN },
        { .kind = DP_MECHANISM_GAUSSIAN, .accountant = DP_ACCOUNTANT_CONSERVATIVE },
        { .kind = DP_MECHANISM_GAUSSIAN, .accountant = DP_ACCOUNTANT_PLD },
        { .kind = DP_MECHANISM_DISCRETE_GAUSSIAN, .l2 = 1 },
        { .kind = DP_MECHANISM_DISCRETE_GAUSSIAN, .l2 = 1, .accountant = DP_ACCOUNTANT_PLD },
        { .kind = DP_MECHANISM_DISTRIBUTED, .l2 = 2, .l1 = 4, .sites = 100, .dim = 100 },
        { .kind = DP_MECHANISM_DISTRIBUTED, .l2 = 2, .sites = 3, .dim = 10,
          .accountant = DP_ACCOUNTANT_CONSERVATIVE },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases [0]; k++) {
        double z, eps, below;
        assert_int_equal (dp_calibrate_noise_with (&cases [k], 1.0, 1e-5, 0.05, 100, grid, n,
                                                   DP_CONVERSION_IMPROVED, &z), 0);
        assert_int_equal (dp_epsilon_with (&cases [k], 0.05, z, 100, 1e-5, grid, n,
                                           DP_CONVERSION_IMPROVED, &eps, NULL), 0);
        double tol = cases [k].accountant == DP_ACCOUNTANT_PLD? 1e-5: 1e-8;
        assert_int_equal (dp_epsilon_with (&cases [k], 0.05, z * (1 - tol), 100, 1e-5, grid, n,
                                           DP_CONVERSION_IMPROVED, &below, NULL), 0);
        if (!(eps <= 1.0 && below > 1.0))
            fail_msg ("case %zu: z %.9g gives %.9g, z(1 - %g) gives %.9g", k, z, eps, tol, below);
    }
    //  Bad targets and step counts are refused.
    double z;
    assert_int_equal (dp_calibrate_noise_with (&cases [5], 0, 1e-5, 1, 1, grid, n, 0, &z), -1);
    assert_int_equal (dp_calibrate_noise_with (&cases [5], 1, 1e-5, 1, 0, grid, n, 0, &z), -1);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_epsilon),
        cmocka_unit_test (test_calibrate_never_overshoots),
        cmocka_unit_test (test_calibrate_reference),
        cmocka_unit_test (test_calibrate_errors),
        cmocka_unit_test (test_steps),
        cmocka_unit_test (test_epsilon_with),
        cmocka_unit_test (test_calibrate_with),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
