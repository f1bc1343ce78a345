/*  DP auditing of the accountant (tests/unit/test_dp_audit.c): the real
    Poisson-subsampled discrete Gaussian mechanism, run many times on
    neighbouring datasets, against a distinguishing attack; the attack's
    success turned into an empirical lower bound on epsilon, which must
    stay below what the tight accountant charges.

    The mechanism is the production one: the exact discrete Gaussian
    sampler of dp/discrete.c (CKS 2020, Algorithm 3) on the deterministic
    test stream (dp_rng_new_seeded_for_tests, AES-256-CTR), and Poisson
    sampling by an exact coin from the same stream. Neighbours in the
    add/remove relation: D' without the target record releases a count
    c + N, D with it releases c + B*Delta + N, B ~ Bernoulli(q), N ~ N_Z(0,
    sigma^2); c = 0 without loss of generality (the noise is shift
    invariant).

    The attack guesses "D" when the release is >= t. For an (eps, delta)-DP
    mechanism every test has TPR <= e^eps FPR + delta, so
        eps >= log((TPR - delta) / FPR).
    With n runs in each world, Clopper-Pearson bounds (a lower bound on
    TPR, an upper bound on FPR, each at level beta / (2 * thresholds),
    Bonferroni over all of them, beta = 1e-6) give an empirical lower
    bound that holds with probability >= 1 - beta; the largest over the
    thresholds is reported.

    The threshold test is the Neyman-Pearson optimal test here (the loss is
    monotone in the release), so the bound approaches the true epsilon of
    one step (3.6668 at sigma = 1, Delta = 1, q = 1/2, delta = 1e-5; the
    PLD accountant's value, which the test also checks is the best
    threshold's exact epsilon). With 500,000 runs per world it reaches
    2.078 (these seeds), above half of the tight accountant's 3.9106: an
    accountant that under-counted by a factor of 2 or more fails here, as
    does the under-noised control (sigma^2 = 1/4 where the accountant is
    told 1), which the test shows being caught. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <string.h>

#include "dp/accountant.h"
#include "dp/calibrate.h"
#include "dp/discrete.h"
#include "dp/pld.h"
#include "dp/random.h"

#define S_RUNS      500000          //  runs per world
#define S_T_MIN     1               //  thresholds t = 1 .. 6
#define S_T_MAX     6
#define S_BETA      1e-6            //  total failure probability
#define S_DELTA     1e-5

typedef struct {
    uint64_t n;
    uint64_t hits [S_T_MAX + 1];    //  releases >= t
} s_counts_t;

//  n runs of the mechanism in one world: sigma2 = num/den, the record
//  present (`with`) or not, sampled with probability q = 1/2.
static void
s_world (const char *seed, uint64_t num, uint64_t den, int64_t shift, bool with,
         s_counts_t *out)
{
    dp_rng_t *rng = dp_rng_new_seeded_for_tests (seed, strlen (seed));
    assert_non_null (rng);
    dp_rational_t s2;
    assert_int_equal (dp_rational_set (&s2, num, den), 0);
    dp_dgauss_t g;
    assert_int_equal (dp_dgauss_init (&g, &s2), 0);
    memset (out, 0, sizeof *out);
    out->n = S_RUNS;
    for (uint64_t i = 0; i < S_RUNS; i++) {
        int64_t y;
        assert_int_equal (dp_dgauss_sample (&g, rng, &y), 0);
        if (with) {
            int bit;
            assert_int_equal (dp_rng_bit (rng, &bit), 0);
            y += bit? shift: 0;
        }
        for (int t = S_T_MIN; t <= S_T_MAX; t++)
            out->hits [t] += y >= t;
    }
    dp_rng_destroy (&rng);
}

//  Clopper-Pearson bounds on a binomial proportion at one-sided level a:
//  the lower one is the a-quantile of Beta(k, n-k+1), the upper one the
//  (1-a)-quantile of Beta(k+1, n-k). Found by bisection on the CDF
//  (GSL's inverses do not converge this far in the tail); 200 halvings
//  of [0, 1] are below double precision.
static double
s_beta_quantile (double a, double alpha, double beta, bool upper_tail)
{
    double lo = 0, hi = 1;
    for (int i = 0; i < 200; i++) {
        double mid = (lo + hi) / 2;
        double tail = upper_tail? gsl_cdf_beta_Q (mid, alpha, beta): gsl_cdf_beta_P (mid, alpha, beta);
        //  P rises with p, Q falls: keep the side where the level is crossed.
        if (upper_tail? tail > a: tail < a)
            lo = mid;
        else
            hi = mid;
    }
    return upper_tail? hi: lo;
}

static double
s_cp_lower (uint64_t k, uint64_t n, double a)
{
    return k == 0? 0: s_beta_quantile (a, (double) k, (double) (n - k + 1), false);
}

static double
s_cp_upper (uint64_t k, uint64_t n, double a)
{
    return k == n? 1: s_beta_quantile (a, (double) (k + 1), (double) (n - k), true);
}

//  The empirical lower bound on epsilon from both worlds' counts.
static double
s_lower_bound (const s_counts_t *without, const s_counts_t *with, int *best_t)
{
    double a = S_BETA / (2.0 * (S_T_MAX - S_T_MIN + 1));
    double best = 0;
    for (int t = S_T_MIN; t <= S_T_MAX; t++) {
        double tpr = s_cp_lower (with->hits [t], with->n, a);
        double fpr = s_cp_upper (without->hits [t], without->n, a);
        if (tpr - S_DELTA <= 0 || fpr <= 0)
            continue;
        double eps = log ((tpr - S_DELTA) / fpr);
        if (eps > best) {
            best = eps;
            *best_t = t;
        }
    }
    return best;
}

//  The accountants' epsilon for one step of the subsampled discrete
//  Gaussian, sigma = 1, Delta = 1, q = 1/2.
static double
s_charged (dp_accountant_t accountant)
{
    const double *orders;
    size_t n = dp_orders_extended (&orders);
    dp_mechanism_t m = { .kind = DP_MECHANISM_DISCRETE_GAUSSIAN, .accountant = accountant, .l2 = 1 };
    double eps, order;
    assert_int_equal (dp_epsilon_with (&m, 0.5, 1, 1, S_DELTA, orders, n, DP_CONVERSION_IMPROVED,
                                       &eps, &order), 0);
    return eps;
}

//  The exact epsilon of the best threshold test: the true rates from the
//  discrete Gaussian's pmf. Equals the PLD accountant's value (one step,
//  where the threshold test is optimal), which the accountant gives to
//  its discretisation (1e-4).
static void
test_threshold_is_optimal (void **state)
{
    (void) state;
    double pmf [81], z = 0;
    for (int x = -40; x <= 40; x++)
        z += (pmf [x + 40] = exp (-(double) x * x / 2));
    double best = 0;
    for (int t = -5; t <= 12; t++) {
        double f = 0, g = 0;
        for (int x = t; x <= 40; x++)
            f += pmf [x + 40] / z;
        for (int x = t - 1; x <= 40; x++)
            g += pmf [x + 40] / z;
        double tpr = 0.5 * f + 0.5 * g;
        double eps = log ((tpr - S_DELTA) / f);
        if (eps > best)
            best = eps;
    }
    double pld = s_charged (DP_ACCOUNTANT_PLD);
    if (!(pld >= best - 1e-9 && pld - best < 1e-3))
        fail_msg ("best threshold test %.6f, PLD accountant %.6f", best, pld);
    //  The RDP accountants are upper bounds on it.
    assert_true (s_charged (DP_ACCOUNTANT_RDP) > pld);
    assert_true (s_charged (DP_ACCOUNTANT_CONSERVATIVE) >= s_charged (DP_ACCOUNTANT_RDP));
}

static void
test_audit_tight_accountant (void **state)
{
    (void) state;
    s_counts_t without, with;
    s_world ("audit-without", 1, 1, 1, false, &without);
    s_world ("audit-with", 1, 1, 1, true, &with);
    int t = 0;
    double lower = s_lower_bound (&without, &with, &t);
    double tight = s_charged (DP_ACCOUNTANT_RDP);
    print_message ("audit: empirical epsilon >= %.4f (threshold %d, %u runs per world); "
                   "tight RDP charges %.4f, PLD %.4f\n", lower, t, S_RUNS, tight,
                   s_charged (DP_ACCOUNTANT_PLD));
    //  The accountant is not under-counting ...
    if (!(lower <= tight))
        fail_msg ("empirical lower bound %.4f is above the tight accountant's %.4f", lower, tight);
    //  ... and the audit has the power to say so if it were: an accountant
    //  charging half the tight value would be caught.
    if (!(lower > tight / 2))
        fail_msg ("the audit is too weak: lower bound %.4f <= %.4f / 2", lower, tight);
}

//  The control: the same audit with less noise than the accountant is
//  told (sigma^2 = 1/4 instead of 1) finds an epsilon above the charge.
static void
test_audit_catches_under_noise (void **state)
{
    (void) state;
    s_counts_t without, with;
    s_world ("control-without", 1, 4, 1, false, &without);
    s_world ("control-with", 1, 4, 1, true, &with);
    int t = 0;
    double lower = s_lower_bound (&without, &with, &t);
    double tight = s_charged (DP_ACCOUNTANT_RDP);
    if (!(lower > tight))
        fail_msg ("under-noised control not caught: lower bound %.4f <= charged %.4f", lower, tight);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_threshold_is_optimal),
        cmocka_unit_test (test_audit_tight_accountant),
        cmocka_unit_test (test_audit_catches_under_noise),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
