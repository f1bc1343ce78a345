/*  Unit tests for dp/discrete.c: discrete Laplace and discrete Gaussian
    against their exact pmfs (chi-square at significance 1e-6, fixed seed
    and a fresh CSPRNG seed), the GMP acceptance path, the lattice and the
    distributed-noise split. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "dp/discrete.h"

#define SAMPLES 200000
#define RANGE   4000            //  histogram covers [-RANGE, RANGE]

typedef enum { LAPLACE, GAUSS } kind_t;

typedef struct {
    kind_t kind;
    dp_dlaplace_t lap;
    dp_dgauss_t gauss;
    long double a, b;           //  pmf parameter as a/b: scale or sigma^2
} dist_t;

static long double
s_weight (const dist_t *d, long y)
{
    long double x = (long double) y;
    if (d->kind == LAPLACE)
        return expl (-fabsl (x) * d->b / d->a);
    return expl (-x * x * d->b / (2 * d->a));
}

//  Upper 1e-6 quantile of chi-square with k degrees of freedom
//  (Wilson-Hilferty; z = 4.7534 is the upper 1e-6 normal quantile).
static double
s_chi2_critical (int k)
{
    double h = 2.0 / (9.0 * k);
    double c = 1 - h + 4.7534 * sqrt (h);
    return k * c * c * c;
}

//  Draws SAMPLES values from d with rng and returns chi-square against the
//  pmf of `model` (normally d itself) over cells with expected count >= 5,
//  the two tails merged into one cell each. *dof gets cells - 1.
static double
s_chi2 (const dist_t *d, const dist_t *model, dp_rng_t *rng, int *dof)
{
    long *counts = calloc (2 * RANGE + 1, sizeof (long));
    long below = 0, above = 0;
    assert_non_null (counts);
    for (long i = 0; i < SAMPLES; i++) {
        int64_t y;
        if (d->kind == LAPLACE)
            assert_int_equal (dp_dlaplace_sample (&d->lap, rng, &y), 0);
        else
            assert_int_equal (dp_dgauss_sample (&d->gauss, rng, &y), 0);
        if (y < -RANGE)
            below++;
        else
        if (y > RANGE)
            above++;
        else
            counts [y + RANGE]++;
    }
    long double total = 0;
    for (long y = -100 * RANGE; y <= 100 * RANGE; y++)
        total += s_weight (model, y);
    //  Cells [lo, hi] with expected >= 5; everything else in the tails.
    long lo = 0, hi = 0;
    while (lo > -RANGE && SAMPLES * s_weight (model, lo - 1) / total >= 5)
        lo--;
    while (hi < RANGE && SAMPLES * s_weight (model, hi + 1) / total >= 5)
        hi++;
    long double chi2 = 0, p_in = 0;
    for (long y = lo; y <= hi; y++) {
        long double e = SAMPLES * s_weight (model, y) / total;
        p_in += s_weight (model, y) / total;
        chi2 += (counts [y + RANGE] - e) * (counts [y + RANGE] - e) / e;
    }
    long tail_lo = below, tail_hi = above;
    for (long y = -RANGE; y < lo; y++)
        tail_lo += counts [y + RANGE];
    for (long y = hi + 1; y <= RANGE; y++)
        tail_hi += counts [y + RANGE];
    //  The pmf is symmetric: each tail holds half the remaining mass.
    long double e_tail = SAMPLES * (1 - p_in) / 2;
    int cells = (int) (hi - lo + 1);
    if (e_tail >= 5) {
        chi2 += (tail_lo - e_tail) * (tail_lo - e_tail) / e_tail;
        chi2 += (tail_hi - e_tail) * (tail_hi - e_tail) / e_tail;
        cells += 2;
    }
    free (counts);
    *dof = cells - 1;
    return (double) chi2;
}

static void
s_laplace (dist_t *d, uint64_t t, uint64_t s)
{
    dp_rational_t scale;
    assert_int_equal (dp_rational_set (&scale, t, s), 0);
    d->kind = LAPLACE;
    assert_int_equal (dp_dlaplace_init (&d->lap, &scale), 0);
    d->a = (long double) scale.num;
    d->b = (long double) scale.den;
}

static void
s_gauss (dist_t *d, uint64_t n, uint64_t den)
{
    dp_rational_t s2;
    assert_int_equal (dp_rational_set (&s2, n, den), 0);
    d->kind = GAUSS;
    assert_int_equal (dp_dgauss_init (&d->gauss, &s2), 0);
    d->a = (long double) s2.num;
    d->b = (long double) s2.den;
}

static void
s_assert_fits (const dist_t *d, dp_rng_t *rng, const char *what)
{
    int dof;
    double chi2 = s_chi2 (d, d, rng, &dof);
    double crit = s_chi2_critical (dof);
    if (chi2 > crit)
        fail_msg ("%s: chi2 %.1f > %.1f (dof %d)", what, chi2, crit, dof);
}

static void
test_laplace_fixed_seed (void **state)
{
    (void) state;
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("laplace", 7);
    dist_t d;
    s_laplace (&d, 1, 1);
    s_assert_fits (&d, rng, "Laplace(1)");
    s_laplace (&d, 7, 3);
    s_assert_fits (&d, rng, "Laplace(7/3)");
    s_laplace (&d, 1, 4);
    s_assert_fits (&d, rng, "Laplace(1/4)");
    s_laplace (&d, 50, 1);
    s_assert_fits (&d, rng, "Laplace(50)");
    dp_rng_destroy (&rng);
}

static void
test_gauss_fixed_seed (void **state)
{
    (void) state;
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("gauss", 5);
    dist_t d;
    s_gauss (&d, 1, 1);
    s_assert_fits (&d, rng, "Gauss(1)");
    s_gauss (&d, 100, 1);
    s_assert_fits (&d, rng, "Gauss(100)");
    s_gauss (&d, 7, 3);
    s_assert_fits (&d, rng, "Gauss(7/3)");
    s_gauss (&d, 1, 10);       //  sigma < 1: t = 1
    s_assert_fits (&d, rng, "Gauss(1/10)");
    s_gauss (&d, 250000, 1);   //  sigma = 500
    s_assert_fits (&d, rng, "Gauss(250000)");
    dp_rng_destroy (&rng);
}

static void
test_fresh_seed (void **state)
{
    (void) state;
    dp_rng_t *rng = dp_rng_new ();
    dist_t d;
    s_gauss (&d, 100, 1);
    s_assert_fits (&d, rng, "Gauss(100) fresh");
    s_laplace (&d, 10, 1);
    s_assert_fits (&d, rng, "Laplace(10) fresh");
    dp_rng_destroy (&rng);
}

//  The GMP acceptance path (used for proposals beyond xmax) gives the same
//  distribution: force it for every nonzero proposal, and use parameters
//  whose 64-bit products do not fit at all.
static void
test_gauss_gmp_path (void **state)
{
    (void) state;
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("gmp", 3);
    dist_t d;
    s_gauss (&d, 100, 1);
    d.gauss.xmax = 0;
    s_assert_fits (&d, rng, "Gauss(100) via GMP");
    //  sigma^2 = (2^40 - 1) / 2^30 ~ 1024: gden > 2^64, no fast path.
    s_gauss (&d, ((uint64_t) 1 << 40) - 1, (uint64_t) 1 << 30);
    assert_true (d.gauss.gden == 0 && d.gauss.xmax == 0);
    s_assert_fits (&d, rng, "Gauss(~1024, large parts)");
    dp_rng_destroy (&rng);
}

//  The 64-bit acceptance test is exact wherever the sampler uses it: for
//  every proposal |Y| <= xmax, |Y| t D and (|Y| t D - N)^2 fit in 64 bits
//  (the square is largest at an end of that range), and gden is exactly
//  2 t^2 D N. Checked over variances from tiny to the largest whose
//  denominator still fits, with small and large denominators.
static void
test_gauss_fast_path_fits (void **state)
{
    (void) state;
    const uint64_t dens [] = { 1, 3, 1000, 65537, (uint64_t) 1 << 20 };
    int fast = 0;
    for (size_t k = 0; k < sizeof dens / sizeof dens [0]; k++)
        for (uint64_t num = 1; num <= DP_RATIONAL_MAX; num = num * 3 + 1) {
            dp_rational_t s2;
            if (dp_rational_set (&s2, num, dens [k]))
                continue;
            dp_dgauss_t g;
            assert_int_equal (dp_dgauss_init (&g, &s2), 0);
            if (g.gden == 0) {
                assert_true (g.xmax == 0);
                continue;
            }
            fast++;
            unsigned __int128 td = (unsigned __int128) g.t * s2.den;
            unsigned __int128 top = (unsigned __int128) g.xmax * td;
            unsigned __int128 n = s2.num;
            unsigned __int128 diff = top > n? top - n: n - top;
            if (n > diff)
                diff = n;
            //  diff <= 2^64 - 1 checked first, so the square cannot wrap.
            bool fits = top <= UINT64_MAX && diff <= UINT64_MAX && diff * diff <= UINT64_MAX;
            if (!fits)
                fail_msg ("sigma^2 = %llu/%llu: xmax %llu lets the 64-bit test overflow",
                          (unsigned long long) s2.num, (unsigned long long) s2.den,
                          (unsigned long long) g.xmax);
            assert_true ((unsigned __int128) g.gden == 2 * (unsigned __int128) g.t * td * n);
        }
    assert_true (fast > 20);
}

//  Large variances, where the 64-bit range ends within a few sigma: the
//  tail of the distribution is right. Draws are binned by |Y| / sigma into
//  [0, 1), [1, 2), [2, 3), [3, 4), [4, inf) and compared with the exact pmf
//  (chi-square, 4 degrees of freedom, significance 1e-6).
static void
s_assert_tail (uint64_t num, uint64_t den, dp_rng_t *rng)
{
    dist_t d;
    s_gauss (&d, num, den);
    //  The 64-bit path is in use (its range ends about 2^32 / (t D), i.e.
    //  within 3 sigma at these parameters).
    assert_true (d.gauss.gden != 0);
    long double sigma = sqrtl ((long double) num / den);
    long double expect [5] = { 0 }, total = 0;
    for (long y = 0; y <= (long) (12 * sigma); y++) {
        long double w = s_weight (&d, y) * (y? 2: 1);
        int bin = (int) (y / sigma);
        expect [bin < 4? bin: 4] += w;
        total += w;
    }
    const long n = 50000;
    long count [5] = { 0 };
    for (long i = 0; i < n; i++) {
        int64_t y;
        assert_int_equal (dp_dgauss_sample (&d.gauss, rng, &y), 0);
        int bin = (int) ((long double) (y < 0? -y: y) / sigma);
        count [bin < 4? bin: 4]++;
    }
    double chi2 = 0;
    for (int b = 0; b < 5; b++) {
        double e = (double) (n * expect [b] / total);
        chi2 += (count [b] - e) * (count [b] - e) / e;
    }
    if (chi2 > s_chi2_critical (4))
        fail_msg ("sigma^2 = %llu/%llu: chi2 %.1f > %.1f; counts %ld %ld %ld %ld %ld",
                  (unsigned long long) num, (unsigned long long) den, chi2, s_chi2_critical (4),
                  count [0], count [1], count [2], count [3], count [4]);
}

static void
test_gauss_large_variance (void **state)
{
    (void) state;
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("large", 5);
    s_assert_tail ((uint64_t) 1 << 31, 1, rng);                //  sigma ~ 46341, xmax ~ 2 sigma
    s_assert_tail (((uint64_t) 3 << 29) + 1, 3, rng);          //  sigma ~ 23170, xmax ~ 2.7 sigma
    s_assert_tail (3000000000ull, 7, rng);                     //  sigma ~ 20702, xmax ~ 1.4 sigma
    dp_rng_destroy (&rng);
}

//  The test can fail: samples of sigma^2 = 100 do not fit sigma^2 = 110,
//  and Laplace(10) does not fit Laplace(11).
static void
test_gof_detects_wrong_pmf (void **state)
{
    (void) state;
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("wrong", 5);
    dist_t d, model;
    int dof;
    s_gauss (&d, 100, 1);
    s_gauss (&model, 110, 1);
    assert_true (s_chi2 (&d, &model, rng, &dof) > s_chi2_critical (dof));
    s_laplace (&d, 10, 1);
    s_laplace (&model, 11, 1);
    assert_true (s_chi2 (&d, &model, rng, &dof) > s_chi2_critical (dof));
    dp_rng_destroy (&rng);
}

//  Outputs are integers on the lattice Z, symmetric, and cover both signs;
//  noise added to a vector moves each coordinate by an integer.
static void
test_lattice_and_add (void **state)
{
    (void) state;
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("lattice", 7);
    dist_t d;
    s_laplace (&d, 3, 2);
    long neg = 0, pos = 0, zero = 0, odd = 0;
    for (int i = 0; i < 20000; i++) {
        int64_t y;
        assert_int_equal (dp_dlaplace_sample (&d.lap, rng, &y), 0);
        neg += y < 0;
        pos += y > 0;
        zero += y == 0;
        odd += (y & 1) != 0;
    }
    assert_true (neg > 5000 && pos > 5000 && zero > 1000 && odd > 3000);
    s_gauss (&d, 4, 1);
    int64_t v [1000];
    for (int i = 0; i < 1000; i++)
        v [i] = 1000000 * (int64_t) i;
    assert_int_equal (dp_dgauss_add (&d.gauss, rng, v, 1000), 0);
    long moved = 0;
    for (int i = 0; i < 1000; i++) {
        int64_t e = v [i] - 1000000 * (int64_t) i;
        assert_true (e > -100 && e < 100);
        moved += e != 0;
    }
    assert_true (moved > 500);
    //  Overflow is refused, not wrapped.
    int64_t top [200];
    for (int i = 0; i < 200; i++)
        top [i] = INT64_MAX;
    assert_int_equal (dp_dgauss_add (&d.gauss, rng, top, 200), -1);
    dp_rng_destroy (&rng);
}

static void
test_bad_parameters (void **state)
{
    (void) state;
    dp_dlaplace_t lap;
    dp_dgauss_t gauss;
    dp_rational_t zero = { 0, 1 }, big = { DP_RATIONAL_MAX + 1, 1 }, bad_den = { 1, 0 };
    assert_int_equal (dp_dlaplace_init (&lap, &zero), -1);
    assert_int_equal (dp_dlaplace_init (&lap, &big), -1);
    assert_int_equal (dp_dlaplace_init (&lap, &bad_den), -1);
    assert_int_equal (dp_dlaplace_init (&lap, NULL), -1);
    assert_int_equal (dp_dgauss_init (&gauss, &zero), -1);
    assert_int_equal (dp_dgauss_init (&gauss, &big), -1);
    assert_int_equal (dp_dgauss_init (&gauss, &bad_den), -1);
    assert_int_equal (dp_dgauss_init (&gauss, NULL), -1);
    dp_rational_t ok = { DP_RATIONAL_MAX, 1 };
    assert_int_equal (dp_dgauss_init (&gauss, &ok), 0);
    assert_true (gauss.t == ((uint64_t) 1 << 20) + 1);
}

static void
test_ddg_split (void **state)
{
    (void) state;
    dp_rational_t s2, local;
    assert_int_equal (dp_rational_set (&s2, 100, 1), 0);
    assert_int_equal (dp_ddg_local_sigma2 (&local, &s2, 3), 0);
    assert_true (local.num == 100 && local.den == 3);
    assert_int_equal (dp_ddg_local_sigma2 (&local, &s2, 4), 0);
    assert_true (local.num == 25 && local.den == 1);
    assert_int_equal (dp_ddg_local_sigma2 (&local, &s2, 0), -1);
    assert_int_equal (dp_rational_set (&s2, 1, DP_RATIONAL_MAX / 2), 0);
    assert_int_equal (dp_ddg_local_sigma2 (&local, &s2, 2), 0);
    assert_int_equal (dp_ddg_local_sigma2 (&local, &s2, 3), -1);
    //  Three sites' shares sum to variance ~ 100: the empirical variance of
    //  the sum is within 5% (sd of the estimate is ~0.5%).
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("ddg", 3);
    assert_int_equal (dp_rational_set (&s2, 100, 1), 0);
    assert_int_equal (dp_ddg_local_sigma2 (&local, &s2, 3), 0);
    dp_dgauss_t g;
    assert_int_equal (dp_dgauss_init (&g, &local), 0);
    double sum2 = 0;
    for (int i = 0; i < 50000; i++) {
        int64_t v [1] = { 0 };
        for (int site = 0; site < 3; site++)
            assert_int_equal (dp_dgauss_add (&g, rng, v, 1), 0);
        sum2 += (double) (v [0] * v [0]);
    }
    assert_true (fabs (sum2 / 50000 - 100) < 5);
    dp_rng_destroy (&rng);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_laplace_fixed_seed),
        cmocka_unit_test (test_gauss_fixed_seed),
        cmocka_unit_test (test_fresh_seed),
        cmocka_unit_test (test_gauss_gmp_path),
        cmocka_unit_test (test_gauss_fast_path_fits),
        cmocka_unit_test (test_gauss_large_variance),
        cmocka_unit_test (test_gof_detects_wrong_pmf),
        cmocka_unit_test (test_lattice_and_add),
        cmocka_unit_test (test_bad_parameters),
        cmocka_unit_test (test_ddg_split),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
