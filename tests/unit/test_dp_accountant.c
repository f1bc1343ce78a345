/*  Unit tests for dp/accountant.c: golden values from TensorFlow Privacy's
    grid, RDP terms against a slow long-double numerical integration, zCDP,
    the distributed discrete Gaussian, conversions and bad input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "dp/accountant.h"
#include <string.h>

#include "alloc_walk.h"

static void
s_assert_rel (double got, double want, double rel)
{
    if (!(fabs (got - want) <= rel * fabs (want)))
        fail_msg ("got %.10g, want %.10g (rel. error %.3g > %.3g)", got, want,
                  fabs (got - want) / fabs (want), rel);
}

static double
s_epsilon (double q, double z, uint64_t steps, double delta, dp_conversion_t conv,
           double *order)
{
    dp_curve_t *c = dp_curve_new_default ();
    assert_non_null (c);
    assert_int_equal (dp_curve_add_subsampled_gaussian (c, q, z, steps), 0);
    double eps;
    assert_int_equal (dp_curve_epsilon (c, delta, conv, &eps, order), 0);
    dp_curve_destroy (&c);
    return eps;
}

//  The golden values (TF Privacy compute_rdp + improved conversion
//  on its default grid); both are optimal at an integer order.
static void
test_golden (void **state)
{
    (void) state;
    double order;
    double eps = s_epsilon (150.0 / 60000, 1.3, 15 * 60000 / 150, 1e-5,
                            DP_CONVERSION_IMPROVED, &order);
    s_assert_rel (eps, 0.7242234, 1e-4);
    assert_true (order == floor (order));
    eps = s_epsilon (100.0 / 100000, 1.0, 30 * 100000 / 100, 1e-7,
                     DP_CONVERSION_IMPROVED, &order);
    s_assert_rel (eps, 1.4154988, 1e-4);
    assert_true (order == floor (order));
}

//  Classic conversion: min over orders of RDP + log(1/delta)/(alpha-1),
//  recomputed here from the curve; never below the improved one.
static void
test_classic (void **state)
{
    (void) state;
    dp_curve_t *c = dp_curve_new_default ();
    assert_int_equal (dp_curve_add_subsampled_gaussian (c, 0.0025, 1.3, 6000), 0);
    double eps, order, best = INFINITY;
    assert_int_equal (dp_curve_epsilon (c, 1e-5, DP_CONVERSION_CLASSIC, &eps, &order), 0);
    for (size_t i = 0; i < dp_curve_size (c); i++) {
        double v = dp_curve_rdp (c) [i] - log (1e-5) / (dp_curve_orders (c) [i] - 1);
        if (v < best)
            best = v;
    }
    s_assert_rel (eps, best, 1e-12);
    double improved;
    assert_int_equal (dp_curve_epsilon (c, 1e-5, DP_CONVERSION_IMPROVED, &improved, NULL), 0);
    assert_true (improved < eps);
    assert_string_equal (dp_conversion_name (DP_CONVERSION_CLASSIC), "classic");
    assert_string_equal (dp_conversion_name (DP_CONVERSION_IMPROVED), "improved");
    dp_curve_destroy (&c);
}

//  Slow reference: A_alpha = E_{x ~ N(0, z^2)} [((1-q) + q e^{(2x-1)/(2z^2)})^alpha],
//  RDP = log(A) / (alpha - 1) (Mironov, Talwar, Zhang 2019, Sec. 3), by
//  the trapezoid rule in long double (spectrally accurate for this smooth,
//  rapidly decaying integrand).
static double
s_reference (double q, double z, double alpha)
{
    long double s2 = (long double) z * z;
    long double lo = -30.0L * z - 10, hi = alpha + 30.0L * z + 10;
    long double h = z / 400.0L, sum = 0;
    long n = (long) ((hi - lo) / h);
    for (long i = 0; i <= n; i++) {
        long double x = lo + h * i;
        long double ratio = (1 - q) + q * expl ((2 * x - 1) / (2 * s2));
        long double f = expl (-x * x / (2 * s2) + alpha * logl (ratio))
                      / sqrtl (2 * M_PI * s2);
        sum += (i == 0 || i == n)? f / 2: f;
    }
    return (double) (logl (sum * h) / (alpha - 1));
}

static void
test_rdp_against_integration (void **state)
{
    (void) state;
    const double cases [][2] = { { 0.01, 1.0 }, { 0.1, 2.0 }, { 0.0025, 1.3 }, { 0.5, 0.8 } };
    const double orders [] = { 1.25, 1.5, 2, 2.5, 3.7, 8, 20.3, 32 };
    for (size_t c = 0; c < sizeof cases / sizeof cases [0]; c++)
        for (size_t k = 0; k < sizeof orders / sizeof orders [0]; k++) {
            double got;
            assert_int_equal (dp_rdp_subsampled_gaussian (cases [c][0], cases [c][1],
                                                          orders [k], &got), 0);
            s_assert_rel (got, s_reference (cases [c][0], cases [c][1], orders [k]), 1e-6);
        }
}

static void
test_rdp_edges_and_errors (void **state)
{
    (void) state;
    double r = -1;
    assert_int_equal (dp_rdp_subsampled_gaussian (0, 1, 2, &r), 0);
    assert_true (r == 0);
    assert_int_equal (dp_rdp_subsampled_gaussian (1, 2, 3, &r), 0);
    s_assert_rel (r, 3.0 / 8, 1e-15);
    //  Just inside q = 1 approaches the unsampled value from below.
    assert_int_equal (dp_rdp_subsampled_gaussian (0.999999, 2, 3, &r), 0);
    assert_true (r < 3.0 / 8 && r > 0.37);
    r = 42;
    assert_int_equal (dp_rdp_subsampled_gaussian (-0.1, 1, 2, &r), -1);
    assert_int_equal (dp_rdp_subsampled_gaussian (1.1, 1, 2, &r), -1);
    assert_int_equal (dp_rdp_subsampled_gaussian (NAN, 1, 2, &r), -1);
    assert_int_equal (dp_rdp_subsampled_gaussian (0.1, 0, 2, &r), -1);
    assert_int_equal (dp_rdp_subsampled_gaussian (0.1, -1, 2, &r), -1);
    assert_int_equal (dp_rdp_subsampled_gaussian (0.1, INFINITY, 2, &r), -1);
    assert_int_equal (dp_rdp_subsampled_gaussian (0.1, 1, 1, &r), -1);
    assert_int_equal (dp_rdp_subsampled_gaussian (0.1, 1, INFINITY, &r), -1);
    assert_int_equal (dp_rdp_subsampled_gaussian (0.1, 1, DP_ORDER_MAX * 1.01, &r), -1);
    assert_true (r == 42);
    //  The largest order is accepted on both paths.
    assert_int_equal (dp_rdp_subsampled_gaussian (0.1, 1, DP_ORDER_MAX, &r), 0);
    assert_int_equal (dp_rdp_subsampled_gaussian (0.1, 1, DP_ORDER_MAX - 0.5, &r), 0);
    assert_true (isfinite (r) && r > 0);
    r = 42;
    assert_int_equal (dp_rdp_subsampled_gaussian (0.1, 1, NAN, &r), -1);
    assert_true (r == 42);
}

static void
test_zcdp (void **state)
{
    (void) state;
    dp_curve_t *c = dp_curve_new_default ();
    assert_int_equal (dp_curve_add_gaussian (c, 2, 4), 0);      //  rho = 4/32
    assert_int_equal (dp_curve_add_zcdp (c, 0.375), 0);
    for (size_t i = 0; i < dp_curve_size (c); i++)
        s_assert_rel (dp_curve_rdp (c) [i], 0.5 * dp_curve_orders (c) [i], 1e-15);
    assert_int_equal (dp_curve_add_zcdp (c, -1), -1);
    assert_int_equal (dp_curve_add_zcdp (c, NAN), -1);
    assert_int_equal (dp_curve_add_gaussian (c, 1, 0), -1);
    assert_int_equal (dp_curve_add_gaussian (c, -1, 1), -1);
    //  rho-zCDP is (rho + 2 sqrt(rho log(1/delta)), delta)-DP classically
    //  (Bun-Steinke Prop 1.3); the classic conversion over a fine grid
    //  gets within 1% of that closed form.
    double orders [2000];
    for (int i = 0; i < 2000; i++)
        orders [i] = 1.01 + 0.05 * i;
    dp_curve_t *fine = dp_curve_new (orders, 2000);
    assert_int_equal (dp_curve_add_zcdp (fine, 0.01), 0);
    double eps;
    assert_int_equal (dp_curve_epsilon (fine, 1e-6, DP_CONVERSION_CLASSIC, &eps, NULL), 0);
    s_assert_rel (eps, 0.01 + 2 * sqrt (0.01 * log (1e6)), 1e-2);
    dp_curve_destroy (&fine);
    dp_curve_destroy (&c);
}

static void
test_ddg (void **state)
{
    (void) state;
    //  tau = 10 sum_{k=1}^{n-1} exp(-2 pi^2 s2 k/(k+1)).
    assert_true (dp_ddg_tau (1, 1) == 0);
    s_assert_rel (dp_ddg_tau (0.25, 3), 10 * (exp (-M_PI * M_PI / 4) + exp (-M_PI * M_PI / 3)),
                  1e-12);
    double r, plain;
    //  One site, tau = 0: the discrete Gaussian's zCDP, alpha l2^2 / (2 s2).
    assert_int_equal (dp_rdp_ddg (1, 3, 9, 1, 10, 4, &r), 0);
    s_assert_rel (r, 4 * 9.0 / 18, 1e-12);
    //  Several sites, large variance: tau negligible, same as one site of
    //  n times the variance.
    assert_int_equal (dp_rdp_ddg (1, 3, 3, 3, 10, 4, &r), 0);
    s_assert_rel (r, 4 * 9.0 / 18, 1e-9);
    //  Small local variance: the correction is charged.
    assert_int_equal (dp_rdp_ddg (1, 1, 0.25, 10, 100, 2, &plain), 0);
    assert_true (plain > 2 * 1.0 / (2 * 2.5) * 1.01);
    //  Subsampling only helps. The general Zhu-Wang bound (an upper bound
    //  for any mechanism) is never below the exact subsampled Gaussian
    //  RDP, and the tight one equals it at integer orders: one site's
    //  discrete Gaussian has exactly the Gaussian's Rényi divergences
    //  alpha l2^2 / (2 sigma^2) at integer alpha and integer shift.
    const dp_ddg_t one = { .l2 = 1, .local_sigma2 = 4, .sites = 1, .dim = 1 };
    for (int a = 2; a <= 32; a *= 2) {
        double sampled, unsampled, exact, general;
        assert_int_equal (dp_rdp_ddg (0.01, 1, 4, 1, 1, a, &sampled), 0);
        assert_int_equal (dp_rdp_ddg (1, 1, 4, 1, 1, a, &unsampled), 0);
        assert_int_equal (dp_rdp_ddg_with (DP_ACCOUNTANT_CONSERVATIVE, 0.01, &one, a, &general), 0);
        assert_int_equal (dp_rdp_subsampled_gaussian (0.01, 2, a, &exact), 0);
        assert_true (sampled <= unsampled);
        s_assert_rel (sampled, exact, 1e-12);
        assert_true (general >= exact * (1 - 1e-12));
        assert_true (general > sampled || a == 2);
        assert_true (sampled < unsampled / 10);
    }
    //  A fractional order: the conservative bound charges ceil(alpha); the
    //  tight one the chord of (alpha-1) RDP between 2 and 3, which lies
    //  between the two integer orders' values (RDP is non-decreasing).
    double frac, up, down, tight_frac;
    assert_int_equal (dp_rdp_ddg_with (DP_ACCOUNTANT_CONSERVATIVE, 0.01, &one, 2.5, &frac), 0);
    assert_int_equal (dp_rdp_ddg_with (DP_ACCOUNTANT_CONSERVATIVE, 0.01, &one, 3, &up), 0);
    assert_true (frac == up);
    assert_int_equal (dp_rdp_ddg (0.01, 1, 4, 1, 1, 2.5, &tight_frac), 0);
    assert_int_equal (dp_rdp_ddg (0.01, 1, 4, 1, 1, 2, &down), 0);
    assert_int_equal (dp_rdp_ddg (0.01, 1, 4, 1, 1, 3, &up), 0);
    s_assert_rel (tight_frac, (0.5 * 1 * down + 0.5 * 2 * up) / 1.5, 1e-12);
    assert_true (tight_frac > down && tight_frac < up);
    //  Below 2 the chord runs from (1, 0): the value at 2.
    assert_int_equal (dp_rdp_ddg (0.01, 1, 4, 1, 1, 1.5, &frac), 0);
    assert_true (frac == down);
    //  The PLD accountant has no RDP curve.
    assert_int_equal (dp_rdp_ddg_with (DP_ACCOUNTANT_PLD, 0.01, &one, 2, &frac), -1);
    //  Curve form composes steps.
    dp_curve_t *c = dp_curve_new_default ();
    assert_int_equal (dp_curve_add_ddg (c, 0.01, 1, 4, 3, 5, 100), 0);
    assert_int_equal (dp_rdp_ddg (0.01, 1, 4, 3, 5, dp_curve_orders (c) [5], &r), 0);
    s_assert_rel (dp_curve_rdp (c) [5], 100 * r, 1e-12);
    assert_int_equal (dp_curve_add_ddg (c, 0.01, 1, 4, 3, 5, 0), -1);
    assert_int_equal (dp_curve_add_ddg (c, 0.01, 1, 0.2, 3, 5, 1), -1);
    dp_curve_destroy (&c);
    assert_int_equal (dp_rdp_ddg (0, 1, 4, 3, 5, 2, &r), -1);
    assert_int_equal (dp_rdp_ddg (1.5, 1, 4, 3, 5, 2, &r), -1);
    assert_int_equal (dp_rdp_ddg (0.5, -1, 4, 3, 5, 2, &r), -1);
    assert_int_equal (dp_rdp_ddg (0.5, 1, NAN, 3, 5, 2, &r), -1);
    assert_int_equal (dp_rdp_ddg (0.5, 1, 4, 0, 5, 2, &r), -1);
    assert_int_equal (dp_rdp_ddg (0.5, 1, 4, 3, 0, 2, &r), -1);
    assert_int_equal (dp_rdp_ddg (0.5, 1, 4, 3, 5, 1, &r), -1);
}

//  Independent references for the improved conversion at small spends,
//  where the Pinsker-type shortcut decides: (0, delta)-DP outright when
//  delta^2 >= 1 - exp(-RDP(alpha)) at some order, else the minimum over the
//  default grid of r + log((a-1)/a) - (log delta + log a)/(a-1) (CKS 2020,
//  Prop 12), never below 0. Computed with mpmath at 50 digits by
//      G = [1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5] + range(5, 64) + [128, 256, 512]
//      def eps(rdp, d):    # rdp[i] at order G[i]
//          return max(0, min(0 if d**2 >= 1 - exp(-r) else
//                            r + log((a-1)/a) - (log(d) + log(a))/(a-1)
//                            for a, r in zip(G, rdp)))
//  with RDP(a) = rho a for zCDP, and for `steps` subsampled Gaussian steps
//  steps log(A_a)/(a-1), A_a = E_{x~N(0,z^2)} [((1-q) + q e^((2x-1)/(2z^2)))^a]
//  (MTZ 2019, Sec. 3), by the binomial sum at integer a and mpmath.quad at
//  fractional a. Each "real spend" case has RDP(1.25) below delta (so a
//  shortcut tested against delta instead of delta^2 would report 0) but far
//  above delta^2.
typedef struct {
    double rho;                 //  zCDP spend, or 0 for the subsampled Gaussian
    double q, z;
    uint64_t steps;
    double delta;
    double epsilon;             //  the reference
} s_small_t;

static void
test_epsilon_small_spends (void **state)
{
    (void) state;
    const s_small_t cases [] = {
        //  Real spends: epsilon > 0 although RDP(1.25) < delta.
        { 4e-6,    0, 0, 0,  1e-5, 0.010415080310832111 },
        { 0.02,    0, 0, 0,  0.1,  0.03984356795924351 },
        { 8.8e-11, 0, 0, 0,  1e-5, 0.0083671253668321106 },    //  RDP(1.25) = 1.1 delta^2
        { 0, 0.001, 2, 10,   1e-5, 0.12075679507728209 },
        { 0, 0.01,  4, 5,    1e-3, 0.010598680966073583 },
        //  The shortcut applies: RDP(1.25) below -log(1 - delta^2).
        { 7.2e-11, 0, 0, 0,  1e-5, 0 },                        //  RDP(1.25) = 0.9 delta^2
        { 0.004,   0, 0, 0,  0.1,  0 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases [0]; k++) {
        const s_small_t *c = &cases [k];
        dp_curve_t *curve = dp_curve_new_default ();
        assert_non_null (curve);
        if (c->rho > 0)
            assert_int_equal (dp_curve_add_zcdp (curve, c->rho), 0);
        else
            assert_int_equal (dp_curve_add_subsampled_gaussian (curve, c->q, c->z, c->steps), 0);
        double eps = -1;
        assert_int_equal (dp_curve_epsilon (curve, c->delta, DP_CONVERSION_IMPROVED, &eps, NULL), 0);
        bool off = c->epsilon == 0? eps != 0: !(fabs (eps - c->epsilon) <= 1e-10 * c->epsilon);
        if (off)
            fail_msg ("case %zu (delta %g): epsilon %.12g, reference %.12g", k, c->delta,
                      eps, c->epsilon);
        dp_curve_destroy (&curve);
    }
}

//  Large spends, where the best order is one of the smallest on the grid
//  (the improved bound is used down to 1.25): references from the same
//  mpmath computation as above, with the order that attains the minimum.
static void
test_epsilon_large_spends (void **state)
{
    (void) state;
    const struct {
        double rho, delta, epsilon, order;
    } cases [] = {
        { 200, 1e-5, 293.54968974218997, 1.25 },
        { 50,  1e-6, 100.72147861104411, 1.5 },
        { 20,  1e-5, 48.757115042325871, 1.75 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases [0]; k++) {
        dp_curve_t *curve = dp_curve_new_default ();
        assert_non_null (curve);
        assert_int_equal (dp_curve_add_zcdp (curve, cases [k].rho), 0);
        double eps, order;
        assert_int_equal (dp_curve_epsilon (curve, cases [k].delta, DP_CONVERSION_IMPROVED,
                                            &eps, &order), 0);
        if (!(fabs (eps - cases [k].epsilon) <= 1e-12 * cases [k].epsilon)
        ||  order != cases [k].order)
            fail_msg ("rho %g: epsilon %.15g at order %g, reference %.15g at %g", cases [k].rho,
                      eps, order, cases [k].epsilon, cases [k].order);
        dp_curve_destroy (&curve);
    }
}

//  Independent references for the conservative accountant of the
//  subsampled distributed discrete Gaussian (the general Zhu-Wang bound at integer order a = ceil(alpha), capped by the
//  unsampled KLS bound), computed with mpmath at 50 digits by
//      tau = 10 sum(exp(-2 pi^2 s2 k/(k+1)) for k in 1..n-1)
//      P(a) = min(a l2^2/(2 n s2) + tau d, a/2 (l2/sqrt(n s2) + tau sqrt(d))^2)
//      S = (1-q)^(a-1) (a q - q + 1) + C(a,2) q^2 (1-q)^(a-2) exp(P(2))
//          + 3 sum(C(a,l) (1-q)^(a-l) q^l exp((l-1) P(l)) for l in 3..a)
//      rdp = min(log(S)/(a-1), P(alpha))
//  At these parameters the subsampled bound is below the unsampled one and
//  the l >= 3 terms carry most of it.
static void
test_ddg_subsampled_reference (void **state)
{
    (void) state;
    const struct {
        double q, l2, s2;
        uint32_t sites;
        size_t dim;
        double alpha, rdp;
    } cases [] = {
        { 0.05, 2, 1,   4, 10,  3,   0.0098002470924975653 },
        { 0.05, 2, 1,   4, 10,  4.5, 0.037571809753442584 },
        { 0.05, 2, 1,   4, 10,  8,   0.76190181273892532 },
        { 0.05, 2, 1,   4, 10,  16,  4.8832014589697985 },
        { 0.05, 2, 1,   4, 10,  32,  12.948472539101718 },
        { 0.01, 1, 0.5, 3, 100, 3,   0.0089723221201682753 },
        { 0.01, 1, 0.5, 3, 100, 4.5, 1.5304103455619368 },
        { 0.01, 1, 0.5, 3, 100, 8,   6.1097807535511339 },
        { 0.01, 1, 0.5, 3, 100, 16,  9.0744922412951715 },
        { 0.01, 1, 0.5, 3, 100, 32,  14.528480429862766 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases [0]; k++) {
        double r = -1;
        dp_ddg_t m = { .l2 = cases [k].l2, .local_sigma2 = cases [k].s2,
                       .sites = cases [k].sites, .dim = cases [k].dim };
        assert_int_equal (dp_rdp_ddg_with (DP_ACCOUNTANT_CONSERVATIVE, cases [k].q, &m,
                                           cases [k].alpha, &r), 0);
        if (!(fabs (r - cases [k].rdp) <= 1e-10 * cases [k].rdp))
            fail_msg ("case %zu (q %g, alpha %g): RDP %.12g, reference %.12g", k, cases [k].q,
                      cases [k].alpha, r, cases [k].rdp);
    }
}

//  The reference values (delta = 1e-5, q = 0.05, T = 200),
//  computed independently with mpmath at 30 digits from the same formulas
//  (the binomial expansion with weight 1, or 3 for the general bound, over
//  integer orders 2..256, improved conversion): every one is reproduced
//  to the 4 decimals it is given with. The tolerance is half a unit in
//  that last place (5e-5): the references are rounded, ours are not. The
//  optimal orders are integers (28, 54, 11, 28), so the fractional part
//  of the grid does not move them; it would only lower an epsilon.
static double
s_ddg_epsilon (dp_accountant_t accountant, const dp_ddg_t *m, double *order)
{
    const double *orders;
    size_t n = dp_orders_extended (&orders);
    dp_curve_t *c = dp_curve_new (orders, n);
    assert_non_null (c);
    assert_int_equal (dp_curve_add_ddg_with (c, accountant, 0.05, m, 200), 0);
    double eps;
    assert_int_equal (dp_curve_epsilon (c, 1e-5, DP_CONVERSION_IMPROVED, &eps, order), 0);
    dp_curve_destroy (&c);
    return eps;
}

static void
test_tight_references (void **state)
{
    (void) state;
    const struct {
        dp_ddg_t m;
        double tight, order, general;
    } cases [] = {
        //  discrete Gaussian sigma / Delta = 5, 10, 2 (one site, tau = 0)
        { { .l2 = 1, .local_sigma2 = 25, .sites = 1, .dim = 1 },  0.5679, 28, 1.5952 },
        { { .l2 = 1, .local_sigma2 = 100, .sites = 1, .dim = 1 }, 0.2624, 54, 1.4635 },
        { { .l2 = 1, .local_sigma2 = 4, .sites = 1, .dim = 1 },   1.7229, 11, 2.5279 },
        //  distributed: 100 sites, local sigma 1, Delta2 = 2, Delta1 = 4, d = 100
        { { .l2 = 2, .l1 = 4, .local_sigma2 = 1, .sites = 100, .dim = 100 }, 0.5717, 28, 1.5973 },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases [0]; k++) {
        double order, general_order;
        double tight = s_ddg_epsilon (DP_ACCOUNTANT_RDP, &cases [k].m, &order);
        double general = s_ddg_epsilon (DP_ACCOUNTANT_CONSERVATIVE, &cases [k].m, &general_order);
        if (!(fabs (tight - cases [k].tight) <= 5e-5) || order != cases [k].order
        ||  !(fabs (general - cases [k].general) <= 5e-5))
            fail_msg ("case %zu: tight %.6f at %g (want %.4f at %g), factor-3 %.6f (want %.4f)", k,
                      tight, order, cases [k].tight, cases [k].order, general, cases [k].general);
    }
    //  Without the L1 bound the distributed case loses KLS's middle form
    //  and pays more for tau (0.5856): L1 = 4 is what brings it to 0.5717.
    dp_ddg_t no_l1 = cases [3].m;
    no_l1.l1 = 0;
    double order;
    double eps = s_ddg_epsilon (DP_ACCOUNTANT_RDP, &no_l1, &order);
    assert_true (eps > 0.5850 && eps < 0.5860);
}

//  The argument of docs/privacy.md Sec. 4.6, checked on exact
//  distributions: for a sum of discrete Gaussians (here 3 sites of
//  sigma^2 = 0.3, so tau is large, and one site of sigma^2 = 4) shifted by
//  1, the exact Rényi divergences of the Poisson-subsampled pair in both
//  directions, summed over the support, are (1) add <= remove, and (2)
//  remove <= the tight bound, which charges KLS Prop 14 per order.
static void
s_pmf_sum (double s2, int sites, double *pmf, int half)
{
    //  pmf[x + half] for |x| <= half; sites-fold convolution of N_Z(0, s2).
    int n = 2 * half + 1;
    double one [401], acc [401], next [401];
    assert_true (n <= 401);
    double z = 0;
    for (int x = -half; x <= half; x++)
        z += (one [x + half] = exp (-(double) x * x / (2 * s2)));
    for (int i = 0; i < n; i++)
        acc [i] = (one [i] /= z);
    for (int s = 1; s < sites; s++) {
        for (int i = 0; i < n; i++) {
            next [i] = 0;
            for (int j = 0; j < n; j++) {
                int k = i - j + half;
                if (k >= 0 && k < n)
                    next [i] += acc [j] * one [k];
            }
        }
        memcpy (acc, next, sizeof (double) * (size_t) n);
    }
    memcpy (pmf, acc, sizeof (double) * (size_t) n);
}

static void
test_tight_bound_on_exact_pairs (void **state)
{
    (void) state;
    const struct { double s2; int sites; } noises [] = { { 0.3, 3 }, { 4, 1 } };
    const double rates [] = { 0.01, 0.1, 0.5, 0.9 };
    const int orders [] = { 2, 3, 5, 8, 16 };
    enum { HALF = 150 };
    double pmf [2 * HALF + 1];
    for (size_t v = 0; v < 2; v++) {
        s_pmf_sum (noises [v].s2, noises [v].sites, pmf, HALF);
        dp_ddg_t m = { .l2 = 1, .local_sigma2 = noises [v].s2, .sites = (uint32_t) noises [v].sites,
                       .dim = 1 };
        for (size_t r = 0; r < sizeof rates / sizeof rates [0]; r++)
            for (size_t o = 0; o < sizeof orders / sizeof orders [0]; o++) {
                double q = rates [r], a = orders [o];
                long double rem = 0, add = 0;
                //  mu0 = pmf, mu1 = pmf shifted by 1, mix = (1-q) mu0 + q mu1.
                for (int x = -HALF + 1; x <= HALF; x++) {
                    double m0 = pmf [x + HALF], m1 = pmf [x - 1 + HALF];
                    double mix = (1 - q) * m0 + q * m1;
                    if (m0 > 0 && mix > 0) {
                        rem += powl (mix, a) * powl (m0, 1 - a);
                        add += powl (m0, a) * powl (mix, 1 - a);
                    }
                }
                double d_rem = (double) logl (rem) / (a - 1), d_add = (double) logl (add) / (a - 1);
                double bound;
                assert_int_equal (dp_rdp_ddg_with (DP_ACCOUNTANT_RDP, q, &m, a, &bound), 0);
                if (!(d_add <= d_rem * (1 + 1e-9) + 1e-15) || !(d_rem <= bound * (1 + 1e-9)))
                    fail_msg ("s2 %g x %d, q %g, alpha %g: add %.10g, remove %.10g, bound %.10g",
                              noises [v].s2, noises [v].sites, q, a, d_add, d_rem, bound);
            }
    }
}

//  The two-point lemma of docs/privacy.md Sec. 4.6: for a likelihood-ratio
//  pair {y, 1/y}, y >= 1 (a randomized-response pair, p = 1 / (1 + y)),
//    h = phi(1 - q + q y) + y phi(1 - q + q / y) >= 0,   phi(t) = t^a - t^(1-a),
//  over a grid of rates, orders (integer and fractional) and ratios. The
//  proof's identity is checked too: with K(t) = log cosh t, beta = log(y)/2,
//  gamma = log((1 - q + q y) / (q + (1 - q) y)) / 2, c = (beta + gamma) / 2,
//  w = (beta - gamma) / 2, k = 2a - 1 and J(t) = K(t + w) - K(t - w),
//    log R - log A = k J(c) - J(k c),
//  where R and A are the remove and add sums on the pair (the common factor
//  1 / (1 + y) cancels).
static long double
s_log_cosh (long double t)
{
    t = fabsl (t);
    return t + log1pl (expl (-2 * t)) - logl (2);
}

static void
test_two_point_inequality (void **state)
{
    (void) state;
    const double orders [] = { 1.01, 1.25, 1.5, 2, 2.5, 3, 5, 10, 28, 100, 256 };
    for (int qi = 1; qi < 100; qi++)
        for (size_t o = 0; o < sizeof orders / sizeof orders [0]; o++)
            for (int k = -6; k <= 7; k++) {
                long double q = qi / 100.0L, a = orders [o], ym1 = powl (10, k), y = 1 + ym1;
                long double f = 1 - q + q * y, v = 1 - q + q / y;
                long double plus = powl (f, a) + y * powl (v, a);
                long double minus = powl (f, 1 - a) + y * powl (v, 1 - a);
                long double h = plus - minus;
                if (!(h >= -1e-15L * plus))
                    fail_msg ("q %g alpha %g y %g: h = %Lg", (double) q, (double) a, (double) y, h);
                long double beta = log1pl (ym1) / 2;
                long double gamma = (log1pl (q * ym1) - log1pl ((1 - q) * ym1)) / 2;
                long double c = (beta + gamma) / 2, w = (beta - gamma) / 2, kk = 2 * a - 1;
                long double jc = s_log_cosh (c + w) - s_log_cosh (c - w);
                long double jkc = s_log_cosh (kk * c + w) - s_log_cosh (kk * c - w);
                long double lhs = logl (plus) - logl (minus), rhs = kk * jc - jkc;
                long double scale = 1 + fabsl (logl (plus)) + fabsl (logl (minus)) + kk * fabsl (jc)
                                  + fabsl (jkc);
                if (!(c >= 0 && w >= 0 && fabsl (lhs - rhs) <= 1e-13L * scale))
                    fail_msg ("q %g alpha %g y %g: log R - log A = %.12Lg, k J(c) - J(kc) = %.12Lg",
                              (double) q, (double) a, (double) y, lhs, rhs);
            }
}

static void
test_accountant_names_and_grids (void **state)
{
    (void) state;
    dp_accountant_t a;
    const char *names [] = { "rdp", "conservative", "pld" };
    for (int i = 0; i < 3; i++) {
        assert_int_equal (dp_accountant_parse (names [i], &a), 0);
        assert_string_equal (dp_accountant_name (a), names [i]);
    }
    assert_int_equal (dp_accountant_parse ("RDP", &a), -1);
    assert_int_equal (dp_accountant_parse ("", &a), -1);
    assert_int_equal (dp_accountant_parse (NULL, &a), -1);
    assert_string_equal (dp_accountant_name ((dp_accountant_t) 7), "?");
    const double *orders;
    assert_int_equal (dp_orders_extended (&orders), 347);
    assert_true (orders [0] == 1.1 && orders [98] == 10.9 && orders [99] == 11);
    assert_true (orders [344] == 256 && orders [345] == 512 && orders [346] == 1024);
    for (int i = 1; i < 347; i++)
        assert_true (orders [i] > orders [i - 1]);
    //  dp_ddg_check: L1 below L2 is impossible, 0 is "not stated".
    dp_ddg_t m = { .l2 = 2, .l1 = 1, .local_sigma2 = 1, .sites = 3, .dim = 4 };
    assert_int_equal (dp_ddg_check (&m), -1);
    m.l1 = 0;
    assert_int_equal (dp_ddg_check (&m), 0);
    m.l1 = INFINITY;
    assert_int_equal (dp_ddg_check (&m), -1);
    m.l1 = 2;
    assert_int_equal (dp_ddg_check (&m), 0);
    //  The L1 form only ever lowers the charge.
    double with, without;
    assert_int_equal (dp_rdp_ddg_with (DP_ACCOUNTANT_RDP, 1, &m, 4, &with), 0);
    assert_int_equal (dp_rdp_ddg (1, 2, 1, 3, 4, 4, &without), 0);
    assert_true (with <= without);
}

static void
test_curve_lifecycle_and_errors (void **state)
{
    (void) state;
    const double good [] = { 1.5, 2, 64 };
    const double bad1 [] = { 1.5, 1.0 };
    const double bad2 [] = { NAN };
    const double bad3 [] = { INFINITY };
    const double bad4 [] = { DP_ORDER_MAX * 2 };
    assert_null (dp_curve_new (good, 0));
    assert_null (dp_curve_new (good, DP_ORDERS_MAX + 1));
    assert_null (dp_curve_new (bad1, 2));
    assert_null (dp_curve_new (bad2, 1));
    assert_null (dp_curve_new (bad3, 1));
    assert_null (dp_curve_new (bad4, 1));
    dp_curve_t *a = dp_curve_new (good, 3);
    dp_curve_t *b = dp_curve_new_default ();
    assert_non_null (a);
    assert_int_equal (dp_curve_add (a, b), -1);         //  different grids
    assert_int_equal (dp_curve_add_subsampled_gaussian (a, 0.1, 1, 0), -1);
    assert_int_equal (dp_curve_add_subsampled_gaussian (a, 2, 1, 1), -1);
    assert_true (dp_curve_rdp (a) [0] == 0);           //  untouched on failure
    assert_int_equal (dp_curve_add_subsampled_gaussian (a, 0.1, 1, 3), 0);
    dp_curve_t *c = dp_curve_dup (a);
    assert_int_equal (dp_curve_add (c, a), 0);
    for (int i = 0; i < 3; i++)
        s_assert_rel (dp_curve_rdp (c) [i], 2 * dp_curve_rdp (a) [i], 1e-15);
    const double neg [] = { 0, -1, 0 }, ok [] = { 0, 1, INFINITY };
    assert_int_equal (dp_curve_set_rdp (c, neg), -1);
    assert_int_equal (dp_curve_set_rdp (c, ok), 0);
    double eps, order;
    assert_int_equal (dp_curve_epsilon (c, 0, DP_CONVERSION_IMPROVED, &eps, &order), -1);
    assert_int_equal (dp_curve_epsilon (c, 1, DP_CONVERSION_IMPROVED, &eps, &order), -1);
    assert_int_equal (dp_curve_epsilon (c, NAN, DP_CONVERSION_IMPROVED, &eps, &order), -1);
    //  Zero spend at order 1.5: epsilon 0 (delta covers the KL bound).
    assert_int_equal (dp_curve_epsilon (c, 1e-5, DP_CONVERSION_IMPROVED, &eps, &order), 0);
    assert_true (eps == 0 && order == 1.5);
    dp_curve_destroy (&a);
    dp_curve_destroy (&b);
    dp_curve_destroy (&c);
    assert_null (c);
    dp_curve_destroy (&c);
    dp_curve_destroy (NULL);
    const double *orders;
    assert_int_equal (dp_orders_default (&orders), 72);
    assert_true (orders [0] == 1.25 && orders [71] == 512);
}

//  Allocation failures: a curve that cannot be made is reported; an
//  addition that cannot be computed leaves the curve as it was.
static bool
s_new_default (void *arg)
{
    (void) arg;
    dp_curve_t *c = dp_curve_new_default ();
    bool ok = c != NULL;
    dp_curve_destroy (&c);
    return ok;
}

typedef struct {
    dp_curve_t *curve;
    double before [256];
} s_add_t;

static bool
s_add (void *arg)
{
    s_add_t *a = arg;
    size_t n = dp_curve_size (a->curve);
    for (size_t i = 0; i < n; i++)
        assert_true (dp_curve_rdp (a->curve) [i] == a->before [i]);
    if (dp_curve_add_ddg (a->curve, 0.1, 2.0, 400, 3, 10, 5) == 0
    &&  dp_curve_add_subsampled_gaussian (a->curve, 0.01, 1.1, 100) == 0)
        return true;
    //  A failure after the first addition succeeded: undo it by hand so
    //  that the next run starts from the same curve.
    assert_int_equal (dp_curve_set_rdp (a->curve, a->before), 0);
    return false;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    assert_true (alloc_walk (s_new_default, NULL) >= 3);
    s_add_t a = { dp_curve_new_default (), { 0 } };
    assert_non_null (a.curve);
    assert_true (dp_curve_size (a.curve) <= 256);
    assert_int_equal (dp_curve_add_zcdp (a.curve, 0.5), 0);
    memcpy (a.before, dp_curve_rdp (a.curve), dp_curve_size (a.curve) * sizeof (double));
    assert_true (alloc_walk (s_add, &a) >= 2);
    assert_true (dp_curve_rdp (a.curve) [0] > a.before [0]);
    dp_curve_destroy (&a.curve);
}

//  The per-step cache of the distributed discrete Gaussian: the same
//  mechanism added again gives exactly the values a first computation
//  gave, and a mechanism that differs in any one input is not confused
//  with it.
static void
test_ddg_cache (void **state)
{
    (void) state;
    dp_ddg_t base = { .l2 = 2, .l1 = 0, .local_sigma2 = 0.5, .sites = 3, .dim = 31 };
    dp_ddg_t other [5] = { base, base, base, base, base };
    other [0].l2 = 2.5;
    other [1].l1 = 8;
    other [2].local_sigma2 = 1;
    other [3].sites = 4;
    other [4].dim = 2;
    dp_curve_t *first = dp_curve_new_default (), *again = dp_curve_new_default ();
    assert_non_null (first);
    assert_non_null (again);
    assert_int_equal (dp_curve_add_ddg_with (first, DP_ACCOUNTANT_RDP, 0.05, &base, 7), 0);
    assert_int_equal (dp_curve_add_ddg_with (again, DP_ACCOUNTANT_RDP, 0.05, &base, 7), 0);
    size_t n = dp_curve_size (first);
    assert_memory_equal (dp_curve_rdp (first), dp_curve_rdp (again), n * sizeof (double));
    //  Seven steps are seven times one.
    dp_curve_t *one = dp_curve_new_default ();
    assert_non_null (one);
    assert_int_equal (dp_curve_add_ddg_with (one, DP_ACCOUNTANT_RDP, 0.05, &base, 1), 0);
    for (size_t i = 0; i < n; i++)
        assert_true (dp_curve_rdp (first) [i] == 7 * dp_curve_rdp (one) [i]);
    for (int k = 0; k < 6; k++) {
        dp_curve_t *c = dp_curve_new_default ();
        assert_non_null (c);
        const dp_ddg_t *m = k < 5? &other [k]: &base;
        double q = k < 5? 0.05: 0.06;
        dp_accountant_t acc = DP_ACCOUNTANT_RDP;
        assert_int_equal (dp_curve_add_ddg_with (c, acc, q, m, 1), 0);
        assert_memory_not_equal (dp_curve_rdp (c), dp_curve_rdp (one), n * sizeof (double));
        dp_curve_destroy (&c);
    }
    //  Another accountant for the same mechanism is not the cached one.
    dp_curve_t *loose = dp_curve_new_default ();
    assert_non_null (loose);
    assert_int_equal (dp_curve_add_ddg_with (loose, DP_ACCOUNTANT_CONSERVATIVE, 0.05, &base, 1),
                      0);
    assert_memory_not_equal (dp_curve_rdp (loose), dp_curve_rdp (one), n * sizeof (double));
    dp_curve_destroy (&loose);
    dp_curve_destroy (&one);
    dp_curve_destroy (&first);
    dp_curve_destroy (&again);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_golden),
        cmocka_unit_test (test_classic),
        cmocka_unit_test (test_rdp_against_integration),
        cmocka_unit_test (test_rdp_edges_and_errors),
        cmocka_unit_test (test_zcdp),
        cmocka_unit_test (test_ddg),
        cmocka_unit_test (test_epsilon_small_spends),
        cmocka_unit_test (test_epsilon_large_spends),
        cmocka_unit_test (test_ddg_subsampled_reference),
        cmocka_unit_test (test_tight_references),
        cmocka_unit_test (test_tight_bound_on_exact_pairs),
        cmocka_unit_test (test_two_point_inequality),
        cmocka_unit_test (test_accountant_names_and_grids),
        cmocka_unit_test (test_curve_lifecycle_and_errors),
        cmocka_unit_test (test_out_of_memory),
        cmocka_unit_test (test_ddg_cache),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
