/*  Unit tests for dp/random.c: the buffered stream, determinism of the test
    mode, exact uniform integers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "dp/random.h"
#include "util/error.h"

static void
test_seeded_is_deterministic (void **state)
{
    (void) state;
    dp_rng_t *a = dp_rng_new_seeded_for_tests ("seed", 4);
    dp_rng_t *b = dp_rng_new_seeded_for_tests ("seed", 4);
    dp_rng_t *c = dp_rng_new_seeded_for_tests ("seeD", 4);
    assert_non_null (a);
    assert_non_null (b);
    assert_non_null (c);
    //  Across a refill boundary too.
    unsigned char x [DP_RNG_BUFFER + 100], y [DP_RNG_BUFFER + 100], z [64];
    assert_int_equal (dp_rng_bytes (a, x, sizeof x), 0);
    assert_int_equal (dp_rng_bytes (b, y, sizeof y), 0);
    assert_int_equal (dp_rng_bytes (c, z, sizeof z), 0);
    assert_memory_equal (x, y, sizeof x);
    assert_memory_not_equal (x, z, sizeof z);
    uint64_t u, v;
    assert_int_equal (dp_rng_u64 (a, &u), 0);
    assert_int_equal (dp_rng_u64 (b, &v), 0);
    assert_true (u == v);
    dp_rng_destroy (&a);
    dp_rng_destroy (&b);
    dp_rng_destroy (&c);
    assert_null (a);
    dp_rng_destroy (&a);        //  twice is safe
    dp_rng_destroy (NULL);
    //  An empty seed is a valid seed.
    dp_rng_t *e = dp_rng_new_seeded_for_tests (NULL, 0);
    assert_non_null (e);
    dp_rng_destroy (&e);
}

static void
test_csprng_differs (void **state)
{
    (void) state;
    dp_rng_t *a = dp_rng_new ();
    dp_rng_t *b = dp_rng_new ();
    unsigned char x [32], y [32];
    assert_int_equal (dp_rng_bytes (a, x, sizeof x), 0);
    assert_int_equal (dp_rng_bytes (b, y, sizeof y), 0);
    assert_memory_not_equal (x, y, sizeof x);
    //  Many draws cross refills without error.
    uint32_t w;
    for (int i = 0; i < 3 * DP_RNG_BUFFER / 4; i++)
        assert_int_equal (dp_rng_u32 (a, &w), 0);
    dp_rng_destroy (&a);
    dp_rng_destroy (&b);
}

//  Upper 1e-6 quantile of chi-square with k degrees of freedom
//  (Wilson-Hilferty; 4.7534 is the upper 1e-6 normal quantile).
static double
s_chi2_critical (int k)
{
    double h = 2.0 / (9.0 * k);
    double c = 1 - h + 4.7534 * sqrt (h);
    return k * c * c * c;
}

//  Chi-square against uniform of `draws` draws below n, counted in `cells`
//  (2 to 64) cells: equal slices of [0, n) (by v * cells / n, exact in 128
//  bits, so the top slice is the top of the range), or the residues v mod
//  cells when `residues`.
static double
s_chi2_below (dp_rng_t *rng, uint64_t n, int cells, int draws, bool residues)
{
    assert_true (cells >= 2 && cells <= 64);
    long counts [64] = { 0 };
    for (int i = 0; i < draws; i++) {
        uint64_t v = UINT64_MAX;
        assert_int_equal (dp_rng_below (rng, n, &v), 0);
        assert_true (v < n);
        uint64_t cell = residues? v % (uint64_t) cells
                                : (uint64_t) ((unsigned __int128) v * (unsigned) cells / n);
        counts [cell]++;
    }
    //  Slices differ in width by at most one value: negligible here.
    double expected = (double) draws / cells, chi2 = 0;
    for (int k = 0; k < cells; k++)
        chi2 += (counts [k] - expected) * (counts [k] - expected) / expected;
    return chi2;
}

static void
s_assert_uniform (dp_rng_t *rng, uint64_t n, int cells, int draws, bool residues)
{
    double chi2 = s_chi2_below (rng, n, cells, draws, residues);
    if (chi2 > s_chi2_critical (cells - 1))
        fail_msg ("below %llu, %d %s: chi2 %.1f > %.1f", (unsigned long long) n, cells,
                  residues? "residues": "slices", chi2, s_chi2_critical (cells - 1));
}

static void
test_below (void **state)
{
    (void) state;
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("below", 5);
    uint64_t v = 99;
    assert_int_equal (dp_rng_below (rng, 0, &v), -1);
    assert_int_equal (v, 99);
    assert_string_not_equal (util_last_error (), "");
    for (int i = 0; i < 100; i++) {
        assert_int_equal (dp_rng_below (rng, 1, &v), 0);
        assert_int_equal (v, 0);
    }
    s_assert_uniform (rng, 7, 7, 70000, false);
    //  Above 2^32: the 64-bit path.
    s_assert_uniform (rng, (uint64_t) 3 << 32, 3, 30000, false);
    //  The largest bounds of each path, in 16 slices: the top of the range
    //  is reached as often as the rest.
    s_assert_uniform (rng, UINT64_MAX, 16, 32000, false);
    s_assert_uniform (rng, UINT32_MAX, 16, 32000, false);
    //  A bound of 2^32 exactly sits on the 32-bit/64-bit edge.
    s_assert_uniform (rng, (uint64_t) 1 << 32, 4, 40000, false);
    //  Exactness needs the rejection step: for n = 3 * 2^30 (and 3 * 2^62
    //  on the 64-bit path) the multiply-shift alone maps 4 words onto 3
    //  values, so that without rejection the multiples of 3 come up half
    //  the time instead of a third.
    s_assert_uniform (rng, (uint64_t) 3 << 30, 3, 30000, true);
    s_assert_uniform (rng, (uint64_t) 3 << 62, 3, 30000, true);
    dp_rng_destroy (&rng);
}

//  The chi-square can fail: draws below 8 counted mod 7 are not uniform
//  (residue 0 gets both 0 and 7, twice the share of the others).
static void
test_chi2_detects_bias (void **state)
{
    (void) state;
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("bias", 4);
    long counts [7] = { 0 };
    for (int i = 0; i < 70000; i++) {
        uint64_t v;
        assert_int_equal (dp_rng_below (rng, 8, &v), 0);
        counts [v % 7]++;
    }
    double chi2 = 0;
    for (int k = 0; k < 7; k++)
        chi2 += (counts [k] - 10000.0) * (counts [k] - 10000.0) / 10000.0;
    assert_true (chi2 > s_chi2_critical (6));
    dp_rng_destroy (&rng);
}

static void
test_bits (void **state)
{
    (void) state;
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("bits", 4);
    int ones = 0, b;
    for (int i = 0; i < 20000; i++) {
        assert_int_equal (dp_rng_bit (rng, &b), 0);
        assert_true (b == 0 || b == 1);
        ones += b;
    }
    //  Mean 10000, sd 70.7: 5 sd either side.
    assert_in_range (ones, 10000 - 354, 10000 + 354);
    dp_rng_destroy (&rng);
}

static void
test_below_mpz (void **state)
{
    (void) state;
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("mpz", 3);
    mpz_t n, v;
    mpz_inits (n, v, NULL);
    assert_int_equal (dp_rng_below_mpz (rng, v, n), -1);      //  n = 0
    mpz_set_si (n, -5);
    assert_int_equal (dp_rng_below_mpz (rng, v, n), -1);
    mpz_set_ui (n, 10);
    assert_int_equal (dp_rng_below_mpz (rng, v, n), 0);
    assert_true (mpz_cmp (v, n) < 0 && mpz_sgn (v) >= 0);
    //  A 200-bit bound: 3 * 2^198. Values fall below it and the top half
    //  of the range [2^199, 3*2^198) is hit about 1/3 of the time.
    mpz_ui_pow_ui (n, 2, 198);
    mpz_mul_ui (n, n, 3);
    mpz_t half;
    mpz_init (half);
    mpz_ui_pow_ui (half, 2, 199);
    int high = 0;
    for (int i = 0; i < 3000; i++) {
        assert_int_equal (dp_rng_below_mpz (rng, v, n), 0);
        assert_true (mpz_cmp (v, n) < 0 && mpz_sgn (v) >= 0);
        high += mpz_cmp (v, half) >= 0;
    }
    assert_in_range (high, 1000 - 130, 1000 + 130);
    mpz_clears (n, v, half, NULL);
    dp_rng_destroy (&rng);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_seeded_is_deterministic),
        cmocka_unit_test (test_csprng_differs),
        cmocka_unit_test (test_below),
        cmocka_unit_test (test_chi2_detects_bias),
        cmocka_unit_test (test_bits),
        cmocka_unit_test (test_below_mpz),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
