/*  Unit tests for he/paillier.c: ISO/IEC 18033-6 known answers, both
    encryption forms, CRT decryption, homomorphic operations, validation,
    and the fast form's randomness (a fresh |n|/2-bit exponent, h = -y^2). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "he/he_internal.h"
#include "he/paillier.h"
#include "util/error.h"

static json_t *s_vectors;

static void
s_hex (mpz_t out, const char *key)
{
    const char *text = json_string_value (json_object_get (s_vectors, key));
    assert_non_null (text);
    assert_true (strncmp (text, "0x", 2) == 0);
    assert_int_equal (mpz_set_str (out, text + 2, 16), 0);
}

static int
s_setup (void **state)
{
    (void) state;
    he_init ();
    json_error_t err;
    s_vectors = json_load_file (COHORT_SOURCE_DIR "/tests/data/paillier_iso18033-6_vectors.json",
                                0, &err);
    return s_vectors? 0: -1;
}

static int
s_teardown (void **state)
{
    (void) state;
    json_decref (s_vectors);
    return 0;
}

//  The textbook form reproduces ISO/IEC 18033-6 exactly: c1, c2, their
//  product, and the decryption of the product.
static void
test_iso_vectors (void **state)
{
    (void) state;
    mpz_t p, q, n, m1, r1, c1, m2, r2, c2, prod, sum, c, m;
    mpz_inits (p, q, n, m1, r1, c1, m2, r2, c2, prod, sum, c, m, NULL);
    s_hex (p, "p"); s_hex (q, "q"); s_hex (n, "n");
    s_hex (m1, "m1"); s_hex (r1, "r1"); s_hex (c1, "c1");
    s_hex (m2, "m2"); s_hex (r2, "r2"); s_hex (c2, "c2");
    s_hex (prod, "c1_times_c2_mod_n2"); s_hex (sum, "m1_plus_m2");

    he_seckey_t *sk = he_seckey_new (p, q, NULL);
    assert_non_null (sk);
    const he_pubkey_t *pk = he_seckey_pubkey (sk);
    assert_int_equal (mpz_cmp (he_pubkey_n (pk), n), 0);
    assert_int_equal (he_pubkey_bits (pk), 2048);

    assert_int_equal (he_encrypt_textbook (c, pk, m1, r1), 0);
    assert_int_equal (mpz_cmp (c, c1), 0);
    assert_int_equal (he_encrypt_textbook (c, pk, m2, r2), 0);
    assert_int_equal (mpz_cmp (c, c2), 0);
    he_add (c, pk, c1, c2);
    assert_int_equal (mpz_cmp (c, prod), 0);
    assert_int_equal (he_decrypt (m, sk, c), 0);
    assert_int_equal (mpz_cmp (m, sum), 0);
    assert_int_equal (he_decrypt (m, sk, c1), 0);
    assert_int_equal (mpz_cmp (m, m1), 0);
    //  A negative vector: a changed ciphertext does not decrypt to m1.
    mpz_add_ui (c, c1, 2);
    assert_int_equal (he_decrypt (m, sk, c), 0);
    assert_int_not_equal (mpz_cmp (m, m1), 0);

    he_seckey_destroy (&sk);
    assert_null (sk);
    he_seckey_destroy (&sk);    //  safe twice
    mpz_clears (p, q, n, m1, r1, c1, m2, r2, c2, prod, sum, c, m, NULL);
}

static void
s_roundtrip (size_t bits)
{
    he_pubkey_t *pk;
    he_seckey_t *sk;
    assert_int_equal (he_keygen (&pk, &sk, bits), 0);
    assert_int_equal (he_pubkey_bits (pk), bits);
    assert_true (he_pubkey_equal (pk, he_seckey_pubkey (sk)));
    mpz_t m, c, d, x;
    mpz_inits (m, c, d, x, NULL);
    for (int i = 0; i < 20; i++) {
        assert_int_equal (he_random_below (m, he_pubkey_n (pk)), 0);
        if (i == 0) mpz_set_ui (m, 0);
        if (i == 1) mpz_sub_ui (m, he_pubkey_n (pk), 1);
        assert_int_equal (he_encrypt_textbook (c, pk, m, NULL), 0);
        assert_int_equal (he_decrypt (d, sk, c), 0);
        assert_int_equal (mpz_cmp (d, m), 0);
        assert_int_equal (he_encrypt (c, pk, m), 0);
        assert_int_equal (he_check_ciphertext (pk, c), 0);
        assert_int_equal (he_decrypt (d, sk, c), 0);
        assert_int_equal (mpz_cmp (d, m), 0);
    }
    //  The fixed-base table gives the same ciphertext as a plain powm.
    assert_int_equal (he_random_bits (x, bits / 2), 0);
    mpz_set_ui (m, 12345);
    assert_int_equal (he_encrypt_with_exponent (c, pk, m, x), 0);
    assert_int_equal (he_pubkey_precompute (pk), 0);
    assert_int_equal (he_pubkey_precompute (pk), 0);     //  idempotent
    assert_int_equal (he_encrypt_with_exponent (d, pk, m, x), 0);
    assert_int_equal (mpz_cmp (c, d), 0);
    mpz_set_ui (x, 0);          //  x = 0 is in range and gives hs^0 = 1
    assert_int_equal (he_encrypt_with_exponent (c, pk, m, x), 0);
    assert_int_equal (he_decrypt (d, sk, c), 0);
    assert_int_equal (mpz_cmp (d, m), 0);
    mpz_setbit (x, bits / 2);   //  one bit too many
    assert_int_equal (he_encrypt_with_exponent (c, pk, m, x), -1);
    assert_non_null (strstr (util_last_error (), "|n|/2"));
    mpz_clears (m, c, d, x, NULL);
    he_pubkey_destroy (&pk);
    he_seckey_destroy (&sk);
}

//  At 2048 bits the table has 10-bit digits within the 64 MiB budget, 102
//  products per encryption, and the fast form built on it equals
//  (1 + m n) hs^x mod n^2 computed with mpz_powm for x = 0, 1, 2^1024 - 1
//  and random x. (The modulus need not be a product of primes here.)
static void
test_table_2048 (void **state)
{
    (void) state;
    mpz_t n, m, x, c, want;
    mpz_inits (n, m, x, c, want, NULL);
    assert_int_equal (he_random_bits (n, 2048), 0);
    mpz_setbit (n, 2047);
    mpz_setbit (n, 0);
    he_pubkey_t *pk = he_pubkey_new (n, NULL);
    assert_non_null (pk);
    assert_null (he_pubkey_table (pk));
    assert_int_equal (he_pubkey_precompute (pk), 0);
    const he_fixedbase_t *table = he_pubkey_table (pk);
    assert_non_null (table);
    assert_int_equal (he_fixedbase_window (table), HE_TABLE_WINDOW_MAX);
    assert_int_equal (he_fixedbase_products (table), 102);
    assert_true (he_fixedbase_bytes (table) <= HE_TABLE_BYTES_MAX);
    for (int i = 0; i < 6; i++) {
        assert_int_equal (he_random_bits (x, 1024), 0);
        assert_int_equal (he_random_below (m, n), 0);
        if (i == 0) mpz_set_ui (x, 0);
        if (i == 1) mpz_set_ui (x, 1);
        if (i == 2) { mpz_set_ui (x, 0); mpz_setbit (x, 1024); mpz_sub_ui (x, x, 1); }
        assert_int_equal (he_encrypt_with_exponent (c, pk, m, x), 0);
        mpz_powm (want, he_pubkey_hs (pk), x, he_pubkey_n2 (pk));
        mpz_mul (x, m, n);
        mpz_add_ui (x, x, 1);
        mpz_mul (want, want, x);
        mpz_mod (want, want, he_pubkey_n2 (pk));
        assert_int_equal (mpz_cmp (c, want), 0);
    }
    he_pubkey_destroy (&pk);
    mpz_clears (n, m, x, c, want, NULL);
}

static void
test_roundtrip_512 (void **state)  { (void) state; s_roundtrip (512); }
static void
test_roundtrip_1024 (void **state) { (void) state; s_roundtrip (1024); }

static void
test_homomorphic (void **state)
{
    (void) state;
    he_pubkey_t *pk;
    he_seckey_t *sk;
    assert_int_equal (he_keygen (&pk, &sk, 512), 0);
    mpz_t a, b, ca, cb, c, d, k, cs [5];
    mpz_inits (a, b, ca, cb, c, d, k, NULL);
    mpz_set_ui (a, 1000);
    mpz_set_ui (b, 234);
    assert_int_equal (he_encrypt (ca, pk, a), 0);
    assert_int_equal (he_encrypt (cb, pk, b), 0);
    he_add (c, pk, ca, cb);
    assert_int_equal (he_decrypt (d, sk, c), 0);
    assert_int_equal (mpz_get_ui (d), 1234);
    mpz_set_si (k, -34);
    he_add_plain (c, pk, ca, k);
    assert_int_equal (he_decrypt (d, sk, c), 0);
    assert_int_equal (mpz_get_ui (d), 966);
    mpz_set_ui (k, 7);
    he_mul_scalar (c, pk, cb, k);
    assert_int_equal (he_decrypt (d, sk, c), 0);
    assert_int_equal (mpz_get_ui (d), 7 * 234);
    mpz_set_si (k, -1);         //  Enc(-b) = n - b mod n
    he_mul_scalar (c, pk, cb, k);
    he_add (c, pk, c, ca);
    assert_int_equal (he_decrypt (d, sk, c), 0);
    assert_int_equal (mpz_get_ui (d), 1000 - 234);
    for (int i = 0; i < 5; i++) {
        mpz_init (cs [i]);
        mpz_set_ui (a, (unsigned long) (i + 1) * 11);
        assert_int_equal (he_encrypt (cs [i], pk, a), 0);
    }
    assert_int_equal (he_sum (c, pk, cs, 5), 0);
    assert_int_equal (he_decrypt (d, sk, c), 0);
    assert_int_equal (mpz_get_ui (d), 11 * 15);
    assert_int_equal (he_sum (c, pk, cs, 0), 0);
    assert_int_equal (mpz_cmp_ui (c, 1), 0);
    //  One bad ciphertext in the vector: refused, named by index.
    mpz_set (cs [3], he_pubkey_n (pk));
    assert_int_equal (he_sum (c, pk, cs, 5), -1);
    assert_non_null (strstr (util_last_error (), "ciphertext 3 of 5"));
    for (int i = 0; i < 5; i++)
        mpz_clear (cs [i]);
    mpz_clears (a, b, ca, cb, c, d, k, NULL);
    he_pubkey_destroy (&pk);
    he_seckey_destroy (&sk);
}

static int
s_mpz_order (const void *a, const void *b)
{
    return mpz_cmp ((mpz_srcptr) a, (mpz_srcptr) b);
}

#define DRAWS 4096

//  The fast form's exponent x (c = (1 + m n) hs^x) is fresh for every
//  encryption and uniform over |n|/2 bits. A public key whose hs is 1 + n
//  (insecure on purpose) makes x visible: (1 + n)^x = 1 + x n mod n^2, so
//  Enc(0) = 1 + x n and x = (c - 1) / n, since x < 2^(|n|/2) < n. Over
//  4096 encryptions, the first 256 by plain powers and the rest through the
//  fixed-base table: no x repeats (a 16-bit exponent would, many times
//  over), none is longer than |n|/2 bits, and each of the |n|/2 bits is
//  set in about half of them (within 6 sigma of 2048: an exponent a bit
//  short, or one with a stuck bit, fails; a false alarm < 1e-6).
static void
test_fast_exponent_fresh_and_full (void **state)
{
    (void) state;
    he_pubkey_t *real;
    he_seckey_t *sk;
    assert_int_equal (he_keygen (&real, &sk, 512), 0);
    mpz_srcptr n = he_pubkey_n (real);
    mpz_t hs, m, c;
    mpz_inits (hs, m, c, NULL);
    mpz_add_ui (hs, n, 1);
    he_pubkey_t *pk = he_pubkey_new (n, hs);
    assert_non_null (pk);
    const size_t half = he_pubkey_bits (pk) / 2;
    mpz_t *xs = calloc (DRAWS, sizeof (mpz_t));
    unsigned *ones = calloc (half, sizeof *ones);
    assert_true (xs && ones);
    for (int i = 0; i < DRAWS; i++) {
        if (i == 256)
            assert_int_equal (he_pubkey_precompute (pk), 0);
        assert_int_equal (he_encrypt (c, pk, m), 0);
        mpz_init (xs [i]);
        mpz_sub_ui (xs [i], c, 1);
        assert_true (mpz_divisible_p (xs [i], n));
        mpz_divexact (xs [i], xs [i], n);
        assert_true (mpz_sizeinbase (xs [i], 2) <= half);
        for (size_t bit = 0; bit < half; bit++)
            ones [bit] += (unsigned) mpz_tstbit (xs [i], bit);
    }
    qsort (xs, DRAWS, sizeof (mpz_t), s_mpz_order);
    for (int i = 1; i < DRAWS; i++)
        assert_int_not_equal (mpz_cmp (xs [i - 1], xs [i]), 0);
    for (size_t bit = 0; bit < half; bit++)
        assert_in_range (ones [bit], DRAWS / 2 - 192, DRAWS / 2 + 192);
    for (int i = 0; i < DRAWS; i++)
        mpz_clear (xs [i]);
    free (xs);
    free (ones);
    mpz_clears (hs, m, c, NULL);
    he_pubkey_destroy (&pk);
    he_pubkey_destroy (&real);
    he_seckey_destroy (&sk);
}

//  h = -y^2 mod n (DJN 2010 s.4). A threshold key is made of safe primes,
//  so p = q = 3 mod 4 and -1 is a non-residue modulo each: h, and hs = h^n
//  with n odd, are then non-residues modulo p and modulo q, with Jacobi
//  symbol +1 modulo n. The fast form's randomness hs^x therefore covers
//  the elements of Jacobi symbol +1 (J_n), not only the squares: about
//  half of the encryptions are non-residues modulo p (x odd). With
//  h = y^2, hs and every fast encryption would be a square.
static void
test_fast_h_minus_square (void **state)
{
    (void) state;
    mpz_t p, q, t, m, c;
    mpz_inits (p, q, t, m, c, NULL);
    //  Safe primes, drawn as he_threshold_keygen draws them.
    assert_int_equal (he_prime_generate (p, 256, 1), 0);
    do
        assert_int_equal (he_prime_generate (q, 256, 1), 0);
    while (mpz_cmp (p, q) == 0);
    assert_int_equal (mpz_fdiv_ui (p, 4), 3);
    assert_int_equal (mpz_fdiv_ui (q, 4), 3);
    //  Each secret key draws its own y.
    for (int key = 0; key < 4; key++) {
        he_seckey_t *sk = he_seckey_new (p, q, NULL);
        assert_non_null (sk);
        const he_pubkey_t *pk = he_seckey_pubkey (sk);
        mpz_mod (t, he_pubkey_hs (pk), p);
        assert_int_equal (mpz_legendre (t, p), -1);
        mpz_mod (t, he_pubkey_hs (pk), q);
        assert_int_equal (mpz_legendre (t, q), -1);
        mpz_mod (t, he_pubkey_hs (pk), he_pubkey_n (pk));
        assert_int_equal (mpz_jacobi (t, he_pubkey_n (pk)), 1);
        //  c = (1 + m n) hs^x = hs^x mod n: its residue symbol is (-1)^x.
        int nonresidues = 0;
        for (int i = 0; i < 64; i++) {
            mpz_set_ui (m, (unsigned long) i * 1000);
            assert_int_equal (he_encrypt (c, pk, m), 0);
            mpz_mod (t, c, p);
            nonresidues += mpz_legendre (t, p) == -1;
            assert_int_equal (he_decrypt (t, sk, c), 0);
            assert_int_equal (mpz_cmp (t, m), 0);
        }
        assert_in_range (nonresidues, 12, 52);      //  binomial(64, 1/2): 5 sigma
        he_seckey_destroy (&sk);
    }
    mpz_clears (p, q, t, m, c, NULL);
}

static void
test_validation (void **state)
{
    (void) state;
    he_pubkey_t *pk;
    he_seckey_t *sk;
    assert_int_equal (he_keygen (&pk, &sk, 512), 0);
    mpz_t c, m, r;
    mpz_inits (c, m, r, NULL);
    //  Ciphertext range and unit checks, on both sides of each boundary.
    mpz_set_ui (c, 0);
    assert_int_equal (he_check_ciphertext (pk, c), -1);
    assert_int_equal (he_decrypt (m, sk, c), -1);
    mpz_set_ui (c, 1);
    assert_int_equal (he_check_ciphertext (pk, c), 0);
    mpz_set (c, he_pubkey_n2 (pk));
    assert_int_equal (he_check_ciphertext (pk, c), -1);
    mpz_sub_ui (c, c, 1);
    assert_int_equal (he_check_ciphertext (pk, c), 0);
    mpz_set (c, he_seckey_p (sk));  //  shares the factor p with n
    assert_int_equal (he_check_ciphertext (pk, c), -1);
    assert_non_null (strstr (util_last_error (), "factor"));
    mpz_set_si (c, -5);
    assert_int_equal (he_check_ciphertext (pk, c), -1);
    //  Plaintext range.
    mpz_set (m, he_pubkey_n (pk));
    assert_int_equal (he_encrypt (c, pk, m), -1);
    assert_int_equal (he_encrypt_textbook (c, pk, m, NULL), -1);
    mpz_set_si (m, -1);
    assert_int_equal (he_encrypt (c, pk, m), -1);
    //  Randomness r must be a unit in (0, n).
    mpz_set_ui (m, 5);
    mpz_set_ui (r, 0);
    assert_int_equal (he_encrypt_textbook (c, pk, m, r), -1);
    mpz_set (r, he_seckey_q (sk));
    assert_int_equal (he_encrypt_textbook (c, pk, m, r), -1);
    mpz_set (r, he_pubkey_n (pk));
    assert_int_equal (he_encrypt_textbook (c, pk, m, r), -1);
    //  Bad public keys.
    mpz_set_ui (m, 1000001);
    assert_null (he_pubkey_new (m, NULL));                 //  too small
    mpz_mul_ui (m, he_pubkey_n (pk), 2);
    assert_null (he_pubkey_new (m, NULL));                 //  even
    mpz_set (c, he_pubkey_n (pk));                          //  hs not a unit
    assert_null (he_pubkey_new (he_pubkey_n (pk), c));
    //  Bad secret keys: equal primes, composite, unequal sizes.
    assert_null (he_seckey_new (he_seckey_p (sk), he_seckey_p (sk), NULL));
    mpz_add_ui (m, he_seckey_p (sk), 2);
    while (mpz_probab_prime_p (m, 30))
        mpz_add_ui (m, m, 2);
    assert_null (he_seckey_new (m, he_seckey_q (sk), NULL));
    assert_non_null (strstr (util_last_error (), "not prime"));
    mpz_set_ui (m, 65537);
    assert_null (he_seckey_new (m, he_seckey_q (sk), NULL));
    //  Bad key sizes.
    he_pubkey_t *pk2;
    he_seckey_t *sk2;
    assert_int_equal (he_keygen (&pk2, &sk2, 500), -1);
    assert_null (pk2);
    assert_null (sk2);
    assert_int_equal (he_keygen (&pk2, &sk2, 16384), -1);
    mpz_clears (c, m, r, NULL);
    he_pubkey_destroy (&pk);
    he_seckey_destroy (&sk);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_iso_vectors),
        cmocka_unit_test (test_table_2048),
        cmocka_unit_test (test_roundtrip_512),
        cmocka_unit_test (test_roundtrip_1024),
        cmocka_unit_test (test_homomorphic),
        cmocka_unit_test (test_fast_exponent_fresh_and_full),
        cmocka_unit_test (test_fast_h_minus_square),
        cmocka_unit_test (test_validation),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
