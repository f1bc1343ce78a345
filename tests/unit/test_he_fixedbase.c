/*  Unit tests for he/fixedbase.c: agrees with mpz_powm on random and edge
    exponents; refuses out-of-range exponents and bad parameters. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "he/fixedbase.h"

//  A random 1024-bit odd modulus with its top bit set, and a base below it.
static void
s_modulus (mpz_t base, mpz_t mod)
{
    assert_int_equal (he_random_bits (mod, 1024), 0);
    mpz_setbit (mod, 1023);
    mpz_setbit (mod, 0);
    assert_int_equal (he_random_below (base, mod), 0);
}

typedef int s_pow_fn (mpz_t out, const he_fixedbase_t *self, const mpz_t e);

//  `rounds` exponents of up to `bits` bits (the first three 0, 2^bits - 1
//  and 1, the rest random) raised through fb with pow agree with
//  mpz_powm; an exponent one bit too long and a negative one are refused.
static void
s_check_powers (s_pow_fn *pow, const he_fixedbase_t *fb, const mpz_t base, const mpz_t mod,
                size_t bits, int rounds)
{
    mpz_t e, want, got;
    mpz_inits (e, want, got, NULL);
    for (int i = 0; i < rounds; i++) {
        assert_int_equal (he_random_bits (e, bits), 0);
        if (i == 0) mpz_set_ui (e, 0);
        if (i == 1) { mpz_set_ui (e, 0); mpz_setbit (e, bits); mpz_sub_ui (e, e, 1); }
        if (i == 2) mpz_set_ui (e, 1);
        mpz_powm (want, base, e, mod);
        assert_int_equal (pow (got, fb, e), 0);
        assert_int_equal (mpz_cmp (got, want), 0);
    }
    mpz_set_ui (e, 0);
    mpz_setbit (e, bits);                   //  one bit too many
    assert_int_equal (pow (got, fb, e), -1);
    mpz_set_si (e, -1);
    assert_int_equal (pow (got, fb, e), -1);
    mpz_clears (e, want, got, NULL);
}

static void
test_matches_powm (void **state)
{
    (void) state;
    mpz_t base, mod;
    mpz_inits (base, mod, NULL);
    s_modulus (base, mod);
    const size_t sizes [] = { 1, 7, 8, 9, 63, 64, 65, 300, 512 };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes [0]; s++) {
        he_fixedbase_t *fb = he_fixedbase_new (base, mod, sizes [s]);
        assert_non_null (fb);
        assert_true (he_fixedbase_bytes (fb) > 0);
        s_check_powers (he_fixedbase_pow, fb, base, mod, sizes [s], 30);
        he_fixedbase_destroy (&fb);
        assert_null (fb);
        he_fixedbase_destroy (&fb);
    }
    //  Every window size agrees with powm, including digits that straddle
    //  a limb boundary (w = 3, 5, 7 do).
    for (unsigned w = 1; w <= 8; w++) {
        he_fixedbase_t *fb = he_fixedbase_new_window (base, mod, 200, w);
        assert_non_null (fb);
        s_check_powers (he_fixedbase_pow, fb, base, mod, 200, 20);
        he_fixedbase_destroy (&fb);
    }
    assert_null (he_fixedbase_new_window (base, mod, 64, 0));
    assert_null (he_fixedbase_new_window (base, mod, 64, 9));
    mpz_set_ui (mod, 1);
    assert_null (he_fixedbase_new (base, mod, 64));
    mpz_set_ui (mod, 1000003);
    assert_null (he_fixedbase_new (base, mod, 0));
    assert_null (he_fixedbase_new (base, mod, 20000));
    mpz_clears (base, mod, NULL);
}

//  The constant-time form agrees with powm for every window, sizes that
//  straddle limbs, the extreme exponents; it refuses what the plain form
//  refuses, and each form refuses the other's power.
static void
test_sec_matches_powm (void **state)
{
    (void) state;
    mpz_t base, mod, e, got;
    mpz_inits (base, mod, e, got, NULL);
    s_modulus (base, mod);
    const size_t sizes [] = { 1, 63, 64, 65, 300 };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes [0]; s++)
        for (unsigned w = 1; w <= 8; w++) {
            he_fixedbase_t *fb = he_fixedbase_new_sec (base, mod, sizes [s], w);
            assert_non_null (fb);
            assert_true (he_fixedbase_bytes (fb) > 0);
            s_check_powers (he_fixedbase_pow_sec, fb, base, mod, sizes [s], 8);
            mpz_set_ui (e, 1);
            assert_int_equal (he_fixedbase_pow (got, fb, e), -1);
            he_fixedbase_destroy (&fb);
            assert_null (fb);
        }
    he_fixedbase_t *plain = he_fixedbase_new (base, mod, 64);
    mpz_set_ui (e, 5);
    assert_int_equal (he_fixedbase_pow_sec (got, plain, e), -1);
    he_fixedbase_destroy (&plain);
    assert_null (he_fixedbase_new_sec (base, mod, 64, 0));
    assert_null (he_fixedbase_new_sec (base, mod, 0, 5));
    mpz_set_ui (mod, 1);
    assert_null (he_fixedbase_new_sec (base, mod, 64, 5));
    mpz_clears (base, mod, e, got, NULL);
}

int
main (void)
{
    he_init ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_matches_powm),
        cmocka_unit_test (test_sec_matches_powm),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
