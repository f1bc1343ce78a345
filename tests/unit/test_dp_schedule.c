/*  Unit tests for dp/schedule.c: epsilon on the default grid and on given
    orders (known answers shared with `cohort privacy`), calibration that
    meets the target from below and reports what it attains, an
    unreachable target that leaves the schedule untouched, and each
    parameter out of range. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dp/schedule.h"
#include "util/error.h"

static dp_schedule_t
s_schedule (void)
{
    return (dp_schedule_t) { .sampling_rate = 0.0025, .noise_multiplier = 1.3, .steps = 6000,
                             .delta = 1e-5, .conversion = DP_CONVERSION_IMPROVED };
}

static void
test_epsilon (void **state)
{
    (void) state;
    dp_schedule_t s = s_schedule ();
    double eps = 0, order = 0;
    assert_int_equal (dp_schedule_epsilon (&s, &eps, &order), 0);
    assert_true (fabs (eps - 0.7242234) < 1e-7);
    assert_true (order == 19);
    //  NULL orders are the default grid, as given explicitly.
    const double *grid;
    s.n_orders = dp_orders_default (&grid);
    s.orders = grid;
    double eps2 = 0;
    assert_int_equal (dp_schedule_epsilon (&s, &eps2, NULL), 0);
    assert_true (eps2 == eps);
    //  Given orders are used (6.2 is not on the default grid); classic is
    //  larger than improved.
    double *orders = NULL;
    assert_int_equal (dp_orders_parse ("1.1:10.9:0.1,12:63:1", &orders, &s.n_orders), 0);
    s = (dp_schedule_t) { .sampling_rate = 0.1, .noise_multiplier = 1, .steps = 1,
                          .delta = 1e-5, .orders = orders, .n_orders = s.n_orders,
                          .conversion = DP_CONVERSION_CLASSIC };
    double classic = 0;
    assert_int_equal (dp_schedule_epsilon (&s, &classic, &order), 0);
    assert_true (fabs (order - 6.2) < 1e-9);
    s.conversion = DP_CONVERSION_IMPROVED;
    assert_int_equal (dp_schedule_epsilon (&s, &eps, NULL), 0);
    assert_true (eps < classic);
    free (orders);
}

static void
test_epsilon_bad (void **state)
{
    (void) state;
    double eps;
#define BAD(field, value) do { \
        dp_schedule_t s = s_schedule (); s.field = value; \
        if (dp_schedule_epsilon (&s, &eps, NULL) != -1) \
            fail_msg ("%s = %g was taken", #field, (double) value); } while (0)
    BAD (sampling_rate, 0);
    BAD (sampling_rate, 1.000001);
    BAD (sampling_rate, NAN);
    BAD (noise_multiplier, 0);
    BAD (noise_multiplier, -1);
    BAD (delta, 0);
    BAD (delta, 1);
    BAD (steps, 0);
    //  The edges that are allowed: q = 1, one step.
    dp_schedule_t s = s_schedule ();
    s.sampling_rate = 1;
    s.steps = 1;
    s.noise_multiplier = 5;
    assert_int_equal (dp_schedule_epsilon (&s, &eps, NULL), 0);
}

static void
test_calibrate (void **state)
{
    (void) state;
    dp_schedule_t s = s_schedule ();
    s.noise_multiplier = 99;                    //  replaced
    double eps = 0, order = 0;
    assert_int_equal (dp_schedule_calibrate (&s, 0.7242234, &eps, &order), 0);
    assert_true (fabs (s.noise_multiplier - 1.3) < 1e-4);
    assert_true (eps <= 0.7242234);
    assert_true (eps > 0.7242234 * (1 - 1e-6));
    //  What it reports is the schedule's epsilon at the z it set.
    double again = 0, again_order = 0;
    assert_int_equal (dp_schedule_epsilon (&s, &again, &again_order), 0);
    assert_true (again == eps && again_order == order);
    //  A target no noise reaches: an error, the schedule untouched.
    s = s_schedule ();
    s.sampling_rate = 1;
    s.steps = 1;
    s.conversion = DP_CONVERSION_CLASSIC;
    assert_int_equal (dp_schedule_calibrate (&s, 0.001, &eps, NULL), -1);
    assert_non_null (strstr (util_last_error (), "unreachable"));
    assert_true (s.noise_multiplier == 1.3);
    s = s_schedule ();
    assert_int_equal (dp_schedule_calibrate (&s, 0, &eps, NULL), -1);
    assert_int_equal (dp_schedule_calibrate (&s, INFINITY, &eps, NULL), -1);
    s.delta = 1;
    assert_int_equal (dp_schedule_calibrate (&s, 1, &eps, NULL), -1);
    assert_true (s.noise_multiplier == 1.3);
}

//  A schedule names its mechanism and accountant; zero is the Gaussian
//  under tight RDP, on the extended grid.
static void
test_mechanism (void **state)
{
    (void) state;
    dp_schedule_t s = { .sampling_rate = 0.05, .noise_multiplier = 5, .steps = 200, .delta = 1e-5,
                        .mechanism = { .kind = DP_MECHANISM_DISTRIBUTED, .l2 = 2, .l1 = 4,
                                       .sites = 100, .dim = 100 } };
    double eps, order;
    assert_int_equal (dp_schedule_epsilon (&s, &eps, &order), 0);
    assert_true (fabs (eps - 0.5717) <= 5e-5 && order == 28);
    s.mechanism.accountant = DP_ACCOUNTANT_CONSERVATIVE;
    assert_int_equal (dp_schedule_epsilon (&s, &eps, &order), 0);
    assert_true (fabs (eps - 1.5973) <= 5e-5);
    s.mechanism = (dp_mechanism_t) { .kind = DP_MECHANISM_DISCRETE_GAUSSIAN,
                                     .accountant = DP_ACCOUNTANT_PLD };
    assert_int_equal (dp_schedule_calibrate (&s, 0.6, &eps, &order), 0);
    assert_true (eps <= 0.6 && order == 0);
    assert_true (s.noise_multiplier > 4 && s.noise_multiplier < 5);
    s.mechanism.kind = DP_MECHANISM_DISTRIBUTED;
    assert_int_equal (dp_schedule_epsilon (&s, &eps, &order), -1);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_epsilon),
        cmocka_unit_test (test_epsilon_bad),
        cmocka_unit_test (test_calibrate),
        cmocka_unit_test (test_mechanism),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
