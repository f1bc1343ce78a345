/*  Unit tests for dp/pld.c: the PLD accountant against the issue's
    references and closed forms, its pessimism (never below the exact
    delta), composition, truncation, caps and bad input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "dp/accountant.h"
#include "dp/pld.h"

#include "alloc_walk.h"

//  The references, delta = 1e-5:
//    - Gaussian q = 0.01, z = 1.1, T = 10^4: PLD 5.193 (Google's
//      dp_accounting, connect-the-dots at interval 1e-4), RDP 5.632.
//      Ours: 5.19263 (5.19627 at interval 1e-3); RDP 5.63199 at order 4.7 on
//      dp_accounting's grid, which our extended grid is.
//    - discrete Gaussian sigma = 5, q = 0.05, T = 200: PLD 0.5255. That is
//      the round-up discretisation at interval 1e-4 (ours: 0.525518); the
//      default connect-the-dots gives 0.515008 and both converge to
//      0.51500 as the interval shrinks (0.515004 and 0.515835 at 1e-5),
//      so the two references differ by the discretisation's bias, about
//      T interval / 2 = 0.01 for rounding up, and not by a bug.
//  Tolerances: half a unit in the last digit the reference is given with
//  (5e-4, 5e-5).
static void
test_references (void **state)
{
    (void) state;
    double eps;
    assert_int_equal (dp_pld_epsilon_subsampled (DP_PLD_GAUSSIAN, 0.01, 1.1, 1, 10000, 1e-5,
                                                 NULL, &eps), 0);
    if (!(fabs (eps - 5.193) <= 5e-4))
        fail_msg ("Gaussian PLD %.6f, reference 5.193", eps);
    const double *orders;
    size_t n = dp_orders_extended (&orders);
    dp_curve_t *c = dp_curve_new (orders, n);
    assert_non_null (c);
    assert_int_equal (dp_curve_add_subsampled_gaussian (c, 0.01, 1.1, 10000), 0);
    double rdp, order;
    assert_int_equal (dp_curve_epsilon (c, 1e-5, DP_CONVERSION_IMPROVED, &rdp, &order), 0);
    dp_curve_destroy (&c);
    if (!(fabs (rdp - 5.632) <= 5e-4) || order != 4.7)
        fail_msg ("RDP %.6f at %g, reference 5.632 at 4.7", rdp, order);
    assert_true (eps < rdp);
    dp_pld_params_t p = dp_pld_params_default ();
    p.discretisation = DP_PLD_ROUND_UP;
    assert_int_equal (dp_pld_epsilon_subsampled (DP_PLD_DISCRETE_GAUSSIAN, 0.05, 5, 1, 200, 1e-5,
                                                 &p, &eps), 0);
    if (!(fabs (eps - 0.5255) <= 5e-5))
        fail_msg ("discrete Gaussian PLD (round up) %.6f, reference 0.5255", eps);
    double dots;
    assert_int_equal (dp_pld_epsilon_subsampled (DP_PLD_DISCRETE_GAUSSIAN, 0.05, 5, 1, 200, 1e-5,
                                                 NULL, &dots), 0);
    assert_true (dots > 0.5150 && dots < 0.5151);
    //  Both are pessimistic: at a finer grid neither goes up.
    p.interval = 1e-5;
    double fine;
    assert_int_equal (dp_pld_epsilon_subsampled (DP_PLD_DISCRETE_GAUSSIAN, 0.05, 5, 1, 200, 1e-5,
                                                 &p, &fine), 0);
    assert_true (fine < eps && fine >= 0.51500);
}

//  No subsampling, one step of the Gaussian: the exact curve is
//  delta(eps) = Phi(1/(2z) - eps z) - e^eps Phi(-1/(2z) - eps z)
//  (Balle and Wang 2018, Thm 8). The PLD's delta is never below it
//  (pessimism) and within 1e-6 of it; the same after 4 steps, where the
//  exact curve is that of z / 2.
static double
s_phi (double x)
{
    return 0.5 * erfc (-x / M_SQRT2);
}

static double
s_exact_delta (double z, double eps)
{
    return s_phi (1 / (2 * z) - eps * z) - exp (eps) * s_phi (-1 / (2 * z) - eps * z);
}

static void
test_gaussian_closed_form (void **state)
{
    (void) state;
    for (int dir = 0; dir < 2; dir++) {
        dp_pld_t *pld = dp_pld_new_subsampled (DP_PLD_GAUSSIAN, dir, 1, 2, 1, NULL);
        assert_non_null (pld);
        assert_true (fabs (dp_pld_total_mass (pld) - 1) < 1e-12);
        for (double eps = 0; eps <= 1.5; eps += 0.25) {
            double got = dp_pld_delta (pld, eps), want = s_exact_delta (2, eps);
            if (!(got >= want * (1 - 1e-9) && got - want <= 1e-6))
                fail_msg ("direction %d, eps %g: PLD delta %.10g, exact %.10g", dir, eps, got, want);
        }
        assert_int_equal (dp_pld_self_compose (pld, 4), 0);
        for (double eps = 0; eps <= 3; eps += 0.5) {
            double got = dp_pld_delta (pld, eps), want = s_exact_delta (1, eps);
            if (!(got >= want * (1 - 1e-9) && got - want <= 1e-6))
                fail_msg ("4 steps, eps %g: PLD delta %.10g, exact %.10g", eps, got, want);
        }
        //  epsilon is the inverse of delta.
        double eps;
        assert_int_equal (dp_pld_epsilon (pld, 1e-3, &eps), 0);
        assert_true (fabs (dp_pld_delta (pld, eps) - 1e-3) < 1e-9);
        dp_pld_destroy (&pld);
    }
}

//  Composition is associative and self_compose is repeated composition:
//  5 steps by squaring equal 5 steps one at a time (to FFT round-off).
static void
test_composition (void **state)
{
    (void) state;
    dp_pld_params_t p = dp_pld_params_default ();
    p.interval = 1e-3;
    dp_pld_t *one = dp_pld_new_subsampled (DP_PLD_DISCRETE_GAUSSIAN, DP_PLD_REMOVE, 0.2, 3, 1, &p);
    assert_non_null (one);
    dp_pld_t *fast = dp_pld_dup (one), *slow = dp_pld_dup (one);
    assert_non_null (fast);
    assert_non_null (slow);
    assert_int_equal (dp_pld_self_compose (fast, 5), 0);
    for (int i = 1; i < 5; i++)
        assert_int_equal (dp_pld_compose (slow, one), 0);
    for (double eps = 0; eps < 2; eps += 0.1)
        assert_true (fabs (dp_pld_delta (fast, eps) - dp_pld_delta (slow, eps)) < 1e-12);
    assert_true (fabs (dp_pld_total_mass (fast) - 1) < 1e-9);
    //  More steps, more loss.
    double e5, e1;
    assert_int_equal (dp_pld_epsilon (fast, 1e-5, &e5), 0);
    assert_int_equal (dp_pld_epsilon (one, 1e-5, &e1), 0);
    assert_true (e5 > e1);
    //  Different grids do not compose; 0 steps is refused.
    dp_pld_t *other = dp_pld_new_subsampled (DP_PLD_GAUSSIAN, DP_PLD_ADD, 0.2, 3, 1, NULL);
    assert_non_null (other);
    assert_int_equal (dp_pld_compose (fast, other), -1);
    assert_int_equal (dp_pld_self_compose (fast, 0), -1);
    assert_int_equal (dp_pld_epsilon (fast, 0, &e5), -1);
    assert_int_equal (dp_pld_epsilon (fast, 1, &e5), -1);
    dp_pld_destroy (&one);
    dp_pld_destroy (&fast);
    dp_pld_destroy (&slow);
    dp_pld_destroy (&other);
    dp_pld_destroy (&other);
    dp_pld_destroy (NULL);
}

//  Arguments are checked, and sizes before any allocation: a grid over
//  the cap is refused with the reason.
static void
test_bad_input_and_caps (void **state)
{
    (void) state;
    dp_pld_params_t p = dp_pld_params_default ();
    assert_null (dp_pld_new_subsampled (DP_PLD_GAUSSIAN, DP_PLD_REMOVE, 0, 1, 1, NULL));
    assert_null (dp_pld_new_subsampled (DP_PLD_GAUSSIAN, DP_PLD_REMOVE, 1.5, 1, 1, NULL));
    assert_null (dp_pld_new_subsampled (DP_PLD_GAUSSIAN, DP_PLD_REMOVE, 0.1, 0, 1, NULL));
    assert_null (dp_pld_new_subsampled (DP_PLD_GAUSSIAN, DP_PLD_REMOVE, 0.1, NAN, 1, NULL));
    assert_null (dp_pld_new_subsampled (DP_PLD_GAUSSIAN, DP_PLD_REMOVE, 0.1, 1, 0, NULL));
    assert_null (dp_pld_new_subsampled (DP_PLD_DISCRETE_GAUSSIAN, DP_PLD_REMOVE, 0.1, 1, 1.5, NULL));
    assert_null (dp_pld_new_subsampled ((dp_pld_noise_t) 9, DP_PLD_REMOVE, 0.1, 1, 1, NULL));
    assert_null (dp_pld_new_subsampled (DP_PLD_GAUSSIAN, (dp_pld_direction_t) 9, 0.1, 1, 1, NULL));
    p.interval = 1e-7;
    assert_null (dp_pld_new_subsampled (DP_PLD_GAUSSIAN, DP_PLD_REMOVE, 0.1, 1, 1, &p));
    p.interval = 1e-4;
    p.tail = 0;
    assert_null (dp_pld_new_subsampled (DP_PLD_GAUSSIAN, DP_PLD_REMOVE, 0.1, 1, 1, &p));
    p.tail = 1e-15;
    p.discretisation = (dp_pld_discretisation_t) 5;
    assert_null (dp_pld_new_subsampled (DP_PLD_GAUSSIAN, DP_PLD_REMOVE, 0.1, 1, 1, &p));
    //  Tiny noise: a loss range of ~10^4 at interval 1e-4 is 10^8 buckets.
    assert_null (dp_pld_new_subsampled (DP_PLD_GAUSSIAN, DP_PLD_REMOVE, 1, 0.01, 1, NULL));
    //  Huge discrete noise: more atoms than the cap.
    assert_null (dp_pld_new_subsampled (DP_PLD_DISCRETE_GAUSSIAN, DP_PLD_REMOVE, 0.1, 1e6, 1, NULL));
    //  A composition that would outgrow the cap stops with an error.
    dp_pld_t *pld = dp_pld_new_subsampled (DP_PLD_GAUSSIAN, DP_PLD_REMOVE, 1, 0.3, 1, NULL);
    assert_non_null (pld);
    size_t before = dp_pld_size (pld);
    assert_int_equal (dp_pld_self_compose (pld, 1000000), -1);
    assert_int_equal (dp_pld_size (pld), before);           //  unchanged on failure
    dp_pld_destroy (&pld);
    double eps;
    assert_int_equal (dp_pld_epsilon_subsampled (DP_PLD_GAUSSIAN, 0.1, 1, 1, 0, 1e-5, NULL, &eps), -1);
    assert_int_equal (dp_pld_epsilon_subsampled (DP_PLD_GAUSSIAN, 0.1, 1, 1, 10, 0, NULL, &eps), -1);
}

//  Allocation failures are reported and leave the PLD as it was.
static bool
s_compose (void *arg)
{
    dp_pld_t *pld = arg;
    dp_pld_t *copy = dp_pld_dup (pld);
    if (!copy)
        return false;
    size_t n = dp_pld_size (copy);
    bool ok = dp_pld_self_compose (copy, 3) == 0;
    if (!ok)
        assert_int_equal (dp_pld_size (copy), n);
    dp_pld_destroy (&copy);
    return ok;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    dp_pld_params_t p = dp_pld_params_default ();
    p.interval = 1e-2;
    dp_pld_t *pld = dp_pld_new_subsampled (DP_PLD_DISCRETE_GAUSSIAN, DP_PLD_ADD, 0.3, 2, 1, &p);
    assert_non_null (pld);
    assert_true (alloc_walk (s_compose, pld) >= 3);
    dp_pld_destroy (&pld);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_references),
        cmocka_unit_test (test_gaussian_closed_form),
        cmocka_unit_test (test_composition),
        cmocka_unit_test (test_bad_input_and_caps),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
