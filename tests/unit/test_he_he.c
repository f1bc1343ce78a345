/*  Unit tests for he/he.c: CSPRNG draws, errors, the wiping allocator. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "he/he_internal.h"
#include "util/error.h"

static void
test_random (void **state)
{
    (void) state;
    mpz_t x, bound, seen;
    mpz_inits (x, bound, seen, NULL);
    //  Exactly `bits` bits at most, and the top bit is set sometimes.
    int top = 0;
    for (int i = 0; i < 200; i++) {
        assert_int_equal (he_random_bits (x, 13), 0);
        assert_true (mpz_sizeinbase (x, 2) <= 13);
        top += mpz_tstbit (x, 12);
    }
    assert_true (top > 50 && top < 150);
    //  Below a bound, and every value of a small range shows up.
    mpz_set_ui (bound, 10);
    for (int i = 0; i < 500; i++) {
        assert_int_equal (he_random_below (x, bound), 0);
        assert_true (mpz_cmp (x, bound) < 0 && mpz_sgn (x) >= 0);
        mpz_setbit (seen, mpz_get_ui (x));
    }
    assert_int_equal (mpz_get_ui (seen), 1023);
    mpz_set_ui (bound, 0);
    assert_int_equal (he_random_below (x, bound), -1);
    //  Units modulo 15 avoid multiples of 3 and 5.
    mpz_set_ui (bound, 15);
    for (int i = 0; i < 100; i++) {
        assert_int_equal (he_random_unit (x, bound), 0);
        unsigned long v = mpz_get_ui (x);
        assert_true (v > 0 && v < 15 && v % 3 && v % 5);
    }
    mpz_clears (x, bound, seen, NULL);
}

static void
test_errors (void **state)
{
    (void) state;
    assert_int_equal (util_error (UTIL_EFAIL, "first %d", 1), -1);
    assert_string_equal (util_last_error (), "first 1");
    assert_int_equal (util_error_context ("ctx %s", "a"), -1);
    assert_string_equal (util_last_error (), "ctx a: first 1");
    mpz_t n;
    mpz_init_set_ui (n, 255);
    char *hex = he_mpz_to_hex (n);
    assert_string_equal (hex, "ff");
    free (hex);
    mpz_clear (n);
}

static void
test_allocator_installed (void **state)
{
    (void) state;
    void *(*a1) (size_t);
    mp_get_memory_functions (&a1, NULL, NULL);
    assert_int_equal (he_init (), 0);       //  idempotent
    void *(*a2) (size_t);
    mp_get_memory_functions (&a2, NULL, NULL);
    assert_ptr_equal (a1, a2);
    //  Growth through realloc keeps the value.
    mpz_t x;
    mpz_init_set_ui (x, 1);
    mpz_mul_2exp (x, x, 100000);
    assert_int_equal (mpz_sizeinbase (x, 2), 100001);
    mpz_clear (x);
}

int
main (void)
{
    he_init ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_random),
        cmocka_unit_test (test_errors),
        cmocka_unit_test (test_allocator_installed),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
