/*  Unit tests for he/fixedbase.c: agrees with mpz_powm on random and edge
    exponents and bases, for every window, moduli of 1 to 64 limbs and
    moduli that stress the Montgomery product's final subtraction; the
    product chain agrees with a b^k mod m; threads share a table; sizes
    are as planned; every allocation failure is reported; refuses
    out-of-range exponents and bad parameters. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>

#include "he/fixedbase.h"
#include "alloc_walk.h"

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
    //  a limb boundary (w = 3, 5, 7, 9, 10, 11 do) and a last row narrower
    //  than the others (200 = 18 * 11 + 2); the size is as planned and a
    //  power costs one product per row after the first.
    for (unsigned w = 1; w <= HE_FIXEDBASE_WINDOW_MAX; w++) {
        he_fixedbase_t *fb = he_fixedbase_new_window (base, mod, 200, w);
        assert_non_null (fb);
        assert_int_equal (he_fixedbase_window (fb), w);
        assert_int_equal (he_fixedbase_products (fb), (200 + w - 1) / w - 1);
        assert_int_equal (he_fixedbase_bytes (fb), he_fixedbase_plan_bytes (1024, 200, w));
        s_check_powers (he_fixedbase_pow, fb, base, mod, 200, 20);
        he_fixedbase_destroy (&fb);
    }
    assert_null (he_fixedbase_new_window (base, mod, 64, 0));
    assert_null (he_fixedbase_new_window (base, mod, 64, HE_FIXEDBASE_WINDOW_MAX + 1));
    //  Past the size cap: refused before anything is allocated.
    util_alloc_fail_after (0);
    assert_null (he_fixedbase_new_window (base, mod, 16384, 12));
    util_alloc_fail_after (-1);
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    mpz_set_ui (mod, 1);
    assert_null (he_fixedbase_new (base, mod, 64));
    mpz_set_ui (mod, 1000004);  //  Montgomery products need an odd modulus
    assert_null (he_fixedbase_new (base, mod, 64));
    assert_null (he_fixedbase_new_sec (base, mod, 64, 4));
    mpz_set_ui (mod, 1000003);
    assert_null (he_fixedbase_new (base, mod, 0));
    assert_null (he_fixedbase_new (base, mod, 20000));
    mpz_clears (base, mod, NULL);
}

//  The planned sizes of the tables Paillier builds (he_pubkey_precompute):
//  2048-bit n, m = n^2 of 64 limbs, 1024-bit exponents.
static void
test_plan_bytes (void **state)
{
    (void) state;
    //  10-bit digits: 102 full rows of 1024 entries, a last row of 4 bits.
    assert_int_equal (he_fixedbase_plan_bytes (4096, 1024, 10), (102 * 1024 + 16) * 64 * 8);
    assert_int_equal (he_fixedbase_plan_bytes (4096, 1024, 8), 128 * 256 * 64 * 8);
    assert_true (he_fixedbase_plan_bytes (4096, 1024, 11) > ((size_t) 64 << 20));
    assert_int_equal (he_fixedbase_plan_bytes (4096, 1024, 0), SIZE_MAX);
    assert_int_equal (he_fixedbase_plan_bytes (4096, 1024, HE_FIXEDBASE_WINDOW_MAX + 1), SIZE_MAX);
    assert_int_equal (he_fixedbase_plan_bytes (4096, 0, 8), SIZE_MAX);
    assert_int_equal (he_fixedbase_plan_bytes (SIZE_MAX / 2, 1024, 8), SIZE_MAX);
}

//  Bases 0, 1, m - 1 and random ones, raised to exponents 0, 1, 2^bits - 1
//  and random ones, agree with mpz_powm; so does the product chain
//  a b^k for a, b among the same values. `mod` is odd.
static void
s_check_edges (const mpz_t mod, size_t bits, unsigned window)
{
    mpz_t base, a, want, got;
    mpz_inits (base, a, want, got, NULL);
    for (int b = 0; b < 5; b++) {
        assert_int_equal (he_random_below (base, mod), 0);
        if (b == 0) mpz_set_ui (base, 0);
        if (b == 1) mpz_set_ui (base, 1);
        if (b == 2) mpz_sub_ui (base, mod, 1);
        he_fixedbase_t *fb = he_fixedbase_new_window (base, mod, bits, window);
        assert_non_null (fb);
        s_check_powers (he_fixedbase_pow, fb, base, mod, bits, 6);
        for (int i = 0; i < 5; i++) {
            assert_int_equal (he_random_below (a, mod), 0);
            if (i == 0) mpz_set_ui (a, 0);
            if (i == 1) mpz_set_ui (a, 1);
            if (i == 2) mpz_sub_ui (a, mod, 1);
            size_t count = (size_t) (i * 7);
            mpz_powm_ui (want, base, count, mod);
            mpz_mul (want, want, a);
            mpz_mod (want, want, mod);
            assert_int_equal (he_fixedbase_mul_chain (got, fb, a, base, count), 0);
            assert_int_equal (mpz_cmp (got, want), 0);
        }
        he_fixedbase_destroy (&fb);
    }
    mpz_clears (base, a, want, got, NULL);
}

//  The Montgomery product against mpz_powm on moduli of 1, 2, 16 and 64
//  limbs (the last the size of a 2048-bit n^2), one just below R = B^nl
//  (the sum before the final subtraction often carries out) and one just
//  above B^(nl-1) (a top limb of 1).
static void
test_montgomery_edges (void **state)
{
    (void) state;
    mpz_t mod;
    mpz_init (mod);
    mpz_set_ui (mod, 1000003);
    s_check_edges (mod, 40, 3);
    mpz_set_ui (mod, 0);
    mpz_setbit (mod, 64);
    mpz_add_ui (mod, mod, 1);                   //  2^64 + 1
    s_check_edges (mod, 100, 7);
    mpz_set_ui (mod, 0);
    mpz_setbit (mod, 1024);
    mpz_sub_ui (mod, mod, 1);                   //  2^1024 - 1
    s_check_edges (mod, 300, 10);
    mpz_set_ui (mod, 0);
    mpz_setbit (mod, 960);
    mpz_add_ui (mod, mod, 3);                   //  2^960 + 3: 16 limbs, top limb 1
    s_check_edges (mod, 300, 9);
    //  A 4096-bit square, as in Paillier-2048, with 512-bit exponents (a
    //  quarter of the real 1024 keeps the tables small).
    assert_int_equal (he_random_bits (mod, 2048), 0);
    mpz_setbit (mod, 2047);
    mpz_setbit (mod, 0);
    mpz_mul (mod, mod, mod);
    s_check_edges (mod, 512, 6);
    mpz_clear (mod);
}

//  Two threads raise powers from one table at once (it is read-only after
//  it is built) and each agrees with mpz_powm.
typedef struct {
    const he_fixedbase_t *fb;
    mpz_srcptr base, mod;
    int bad;
} s_thread_t;

static void *
s_thread (void *arg)
{
    s_thread_t *t = arg;
    mpz_t e, want, got;
    mpz_inits (e, want, got, NULL);
    for (int i = 0; i < 40 && !t->bad; i++) {
        if (he_random_bits (e, 300)
        ||  he_fixedbase_pow (got, t->fb, e))
            t->bad = 1;
        mpz_powm (want, t->base, e, t->mod);
        if (mpz_cmp (want, got))
            t->bad = 1;
    }
    mpz_clears (e, want, got, NULL);
    return NULL;
}

static void
test_threads_share_a_table (void **state)
{
    (void) state;
    mpz_t base, mod;
    mpz_inits (base, mod, NULL);
    s_modulus (base, mod);
    he_fixedbase_t *fb = he_fixedbase_new_window (base, mod, 300, 10);
    assert_non_null (fb);
    s_thread_t t [2] = { { fb, base, mod, 0 }, { fb, base, mod, 0 } };
    pthread_t id [2];
    for (int i = 0; i < 2; i++)
        assert_int_equal (pthread_create (&id [i], NULL, s_thread, &t [i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join (id [i], NULL);
        assert_int_equal (t [i].bad, 0);
    }
    he_fixedbase_destroy (&fb);
    mpz_clears (base, mod, NULL);
}

//  Every util_ allocation of building a table, raising a power (both
//  forms) and the product chain fails once, reported as out of memory.
typedef struct {
    mpz_srcptr base, mod;
    bool sec;
    int what;                   //  0 build, 1 power, 2 chain
    he_fixedbase_t *fb;         //  the table for 1 and 2
} s_walk_t;

static bool
s_walk (void *ctx)
{
    s_walk_t *w = ctx;
    if (w->what == 0) {
        he_fixedbase_t *fb = w->sec? he_fixedbase_new_sec (w->base, w->mod, 100, 4)
                                   : he_fixedbase_new_window (w->base, w->mod, 100, 4);
        bool ok = fb != NULL;
        he_fixedbase_destroy (&fb);
        return ok;
    }
    mpz_t e, out;
    mpz_init_set_ui (e, 12345);
    mpz_init (out);
    int rc = w->what == 2? he_fixedbase_mul_chain (out, w->fb, w->base, w->base, 3)
           : w->sec? he_fixedbase_pow_sec (out, w->fb, e)
           : he_fixedbase_pow (out, w->fb, e);
    mpz_clears (e, out, NULL);
    return rc == 0;
}

static void
test_alloc_failures (void **state)
{
    (void) state;
    mpz_t base, mod;
    mpz_inits (base, mod, NULL);
    s_modulus (base, mod);
    for (int sec = 0; sec < 2; sec++) {
        s_walk_t w = { base, mod, sec, 0, NULL };
        assert_true (alloc_walk (s_walk, &w) > 0);
        w.fb = sec? he_fixedbase_new_sec (base, mod, 100, 4)
                  : he_fixedbase_new_window (base, mod, 100, 4);
        assert_non_null (w.fb);
        w.what = 1;
        assert_true (alloc_walk (s_walk, &w) > 0);
        if (!sec) {
            w.what = 2;
            assert_true (alloc_walk (s_walk, &w) > 0);
        }
        he_fixedbase_destroy (&w.fb);
    }
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
    he_fixedbase_t *sec = he_fixedbase_new_sec (base, mod, 64, 4);
    assert_int_equal (he_fixedbase_mul_chain (got, sec, base, base, 1), -1);
    he_fixedbase_destroy (&sec);
    assert_null (he_fixedbase_new_sec (base, mod, 64, 0));
    assert_null (he_fixedbase_new_sec (base, mod, 64, 9));
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
        cmocka_unit_test (test_plan_bytes),
        cmocka_unit_test (test_montgomery_edges),
        cmocka_unit_test (test_threads_share_a_table),
        cmocka_unit_test (test_alloc_failures),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
