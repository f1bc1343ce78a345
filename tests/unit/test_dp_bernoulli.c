/*  Unit tests for dp/bernoulli.c: Bernoulli(p) and Bernoulli(exp(-gamma))
    rates inside Wilson score intervals, both the 64-bit and GMP paths. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "dp/bernoulli.h"

//  Wilson score interval at z = 5.33 (two-sided 1e-7): the true rate must
//  fall inside it.
static void
s_assert_rate (long hits, long n, double p)
{
    const double z = 5.33;
    double phat = (double) hits / (double) n;
    double denom = 1 + z * z / (double) n;
    double centre = (phat + z * z / (2.0 * (double) n)) / denom;
    double half = z * sqrt (phat * (1 - phat) / (double) n
                            + z * z / (4.0 * (double) n * (double) n)) / denom;
    if (!(p >= centre - half && p <= centre + half))
        fail_msg ("rate %ld/%ld = %.5f, expected %.5f outside [%.5f, %.5f]",
                  hits, n, phat, p, centre - half, centre + half);
}

static dp_rng_t *s_rng;

static int
s_setup (void **state)
{
    (void) state;
    s_rng = dp_rng_new_seeded_for_tests ("bernoulli", 9);
    return s_rng? 0: -1;
}

static int
s_teardown (void **state)
{
    (void) state;
    dp_rng_destroy (&s_rng);
    return 0;
}

static void
test_bernoulli (void **state)
{
    (void) state;
    const long n = 40000;
    long hits = 0;
    int b;
    for (long i = 0; i < n; i++) {
        assert_int_equal (dp_bernoulli (s_rng, 3, 7, &b), 0);
        hits += b;
    }
    s_assert_rate (hits, n, 3.0 / 7);
    //  Edges: p = 0 and p = 1 are certain.
    for (int i = 0; i < 100; i++) {
        assert_int_equal (dp_bernoulli (s_rng, 0, 5, &b), 0);
        assert_int_equal (b, 0);
        assert_int_equal (dp_bernoulli (s_rng, 5, 5, &b), 0);
        assert_int_equal (b, 1);
    }
    b = 7;
    assert_int_equal (dp_bernoulli (s_rng, 6, 5, &b), -1);
    assert_int_equal (dp_bernoulli (s_rng, 1, 0, &b), -1);
    assert_int_equal (b, 7);
}

static void
s_exp_rate (uint64_t num, uint64_t den)
{
    const long n = 40000;
    long hits = 0;
    for (long i = 0; i < n; i++) {
        int b;
        assert_int_equal (dp_bernoulli_exp (s_rng, num, den, &b), 0);
        hits += b;
    }
    s_assert_rate (hits, n, exp (-(double) num / (double) den));
}

static void
test_bernoulli_exp (void **state)
{
    (void) state;
    s_exp_rate (1, 2);
    s_exp_rate (1, 1);          //  gamma = 1: the edge of the unit loop
    s_exp_rate (7, 3);          //  gamma > 1: whole part then fraction
    s_exp_rate (3, 1);
    s_exp_rate (999, 1000);
    s_exp_rate (1001, 1000);
    //  den = 2^63 - 1 still fits one draw below den * 2: the two-draw path
    //  (Bernoulli(gamma) then Bernoulli(1/K)) from K = 3 on.
    s_exp_rate (UINT64_MAX / 3, UINT64_MAX / 2);
    int b;
    for (int i = 0; i < 100; i++) {
        assert_int_equal (dp_bernoulli_exp (s_rng, 0, 9, &b), 0);
        assert_int_equal (b, 1);
    }
    //  A huge gamma ends quickly (first failure stops the loop) with 0.
    assert_int_equal (dp_bernoulli_exp (s_rng, UINT64_MAX, 1, &b), 0);
    assert_int_equal (b, 0);
    assert_int_equal (dp_bernoulli_exp (s_rng, 1, 0, &b), -1);
}

//  Denominators above 2^63: den * K passes 2^64 for every K >= 2, so every
//  trial after the first takes the two-draw path, and the rate still is
//  exp(-gamma). Away from that path the error would be large: with
//  Bernoulli(1/(K+1)) in place of Bernoulli(1/K) the rate at gamma ~ 1 is
//  0.264 instead of 0.368, at gamma ~ 1/2 0.573 instead of 0.607, tens of
//  standard errors at 40000 draws.
static void
test_bernoulli_exp_two_draws (void **state)
{
    (void) state;
    const uint64_t top = (uint64_t) 1 << 63;
    assert_true (UINT64_MAX / 2 < top);       //  den * 2 overflows for den >= 2^63
    s_exp_rate (UINT64_MAX / 2, UINT64_MAX);            //  gamma = 1/2 - 2^-65
    s_exp_rate (UINT64_MAX - 1, UINT64_MAX);            //  gamma = 1 - 2^-64
    s_exp_rate (top / 4, top + 1);                      //  gamma ~ 1/4
    //  gamma = 3 * 2^62 / (2^63 + 1) ~ 1.5: one Bernoulli(exp(-1)), then
    //  the fraction (2^62 - 1) / (2^63 + 1) on the two-draw path.
    s_exp_rate (3 * (top / 2), top + 1);
}

static void
test_bernoulli_exp_mpz (void **state)
{
    (void) state;
    mpz_t num, den;
    mpz_inits (num, den, NULL);
    //  gamma = (3 * 2^100) / (2^101) = 1.5 with 100-bit parts.
    mpz_ui_pow_ui (num, 2, 100);
    mpz_mul_ui (num, num, 3);
    mpz_ui_pow_ui (den, 2, 101);
    const long n = 40000;
    long hits = 0;
    for (long i = 0; i < n; i++) {
        int b;
        assert_int_equal (dp_bernoulli_exp_mpz (s_rng, num, den, &b), 0);
        hits += b;
    }
    s_assert_rate (hits, n, exp (-1.5));
    int b;
    mpz_set_ui (num, 0);
    assert_int_equal (dp_bernoulli_exp_mpz (s_rng, num, den, &b), 0);
    assert_int_equal (b, 1);
    mpz_set_si (num, -1);
    assert_int_equal (dp_bernoulli_exp_mpz (s_rng, num, den, &b), -1);
    mpz_set_ui (num, 1);
    mpz_set_ui (den, 0);
    assert_int_equal (dp_bernoulli_exp_mpz (s_rng, num, den, &b), -1);
    mpz_clears (num, den, NULL);
}

//  The assertion helper itself must be able to fail: a wrong rate is
//  rejected (checked by computing the interval, not by calling fail).
static void
test_wilson_rejects_wrong_rate (void **state)
{
    (void) state;
    const long n = 40000;
    long hits = 0;
    for (long i = 0; i < n; i++) {
        int b;
        assert_int_equal (dp_bernoulli_exp (s_rng, 1, 2, &b), 0);
        hits += b;
    }
    double phat = (double) hits / (double) n;
    //  exp(-0.55) is 0.03 away from exp(-0.5): about 9 standard errors.
    assert_true (fabs (phat - exp (-0.55)) > 5.33 * sqrt (phat * (1 - phat) / (double) n));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_bernoulli),
        cmocka_unit_test (test_bernoulli_exp),
        cmocka_unit_test (test_bernoulli_exp_two_draws),
        cmocka_unit_test (test_bernoulli_exp_mpz),
        cmocka_unit_test (test_wilson_rejects_wrong_rate),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
