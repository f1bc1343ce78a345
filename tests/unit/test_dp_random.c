/*  Unit tests for dp/random.c: the buffered stream, determinism of the test
    mode, exact uniform integers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
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

//  Chi-square of draws below n over n cells against uniform; the critical
//  values are the 1e-6 upper quantiles for n - 1 degrees of freedom.
static double
s_chi2_below (dp_rng_t *rng, uint64_t n, uint64_t cells, int draws)
{
    long counts [64] = { 0 };
    for (int i = 0; i < draws; i++) {
        uint64_t v = UINT64_MAX;
        assert_int_equal (dp_rng_below (rng, n, &v), 0);
        assert_true (v < n);
        counts [v / (n / cells)]++;
    }
    double expected = (double) draws / (double) cells, chi2 = 0;
    for (uint64_t k = 0; k < cells; k++)
        chi2 += (counts [k] - expected) * (counts [k] - expected) / expected;
    return chi2;
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
    assert_int_equal (dp_rng_below (rng, 1, &v), 0);
    assert_int_equal (v, 0);
    //  7 cells: chi2(6 dof) critical value at 1e-6 is 35.9.
    assert_true (s_chi2_below (rng, 7, 7, 70000) < 35.9);
    //  3 * 2^32 + ... > 2^32 uses the 64-bit path: 3 cells of width 2^32,
    //  chi2(2 dof) at 1e-6 is 27.6.
    assert_true (s_chi2_below (rng, (uint64_t) 3 << 32, 3, 30000) < 27.6);
    //  The largest bound: the top cell must be reachable.
    assert_true (s_chi2_below (rng, UINT64_MAX, 1, 100) < 1);
    //  A bound of 2^32 exactly sits on the 32-bit/64-bit edge.
    assert_true (s_chi2_below (rng, (uint64_t) 1 << 32, 4, 40000) < 30.7);
    assert_true (s_chi2_below (rng, UINT32_MAX, 1, 100) < 1);
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
        cmocka_unit_test (test_bits),
        cmocka_unit_test (test_below_mpz),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
