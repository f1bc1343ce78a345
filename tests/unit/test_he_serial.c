/*  Unit tests for he/serial.c: round trips and every refusal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "he/serial.h"
#include "util/error.h"
#include "alloc_walk.h"
#include "support_he.h"

static he_pubkey_t *s_pk;
static he_seckey_t *s_sk;

static int
s_setup (void **state)
{
    (void) state;
    he_init ();
    return he_keygen (&s_pk, &s_sk, 512);
}

static int
s_teardown (void **state)
{
    (void) state;
    he_pubkey_destroy (&s_pk);
    he_seckey_destroy (&s_sk);
    return 0;
}

static void
test_pubkey (void **state)
{
    (void) state;
    uint8_t *buf;
    size_t len;
    assert_int_equal (he_pubkey_serialize (&buf, &len, s_pk), 0);
    assert_int_equal (len, he_pubkey_serial_size (512));
    assert_int_equal (len, 8 + 64 + 128);
    assert_memory_equal (buf, "CHPK\x01\x00\x02\x00", 8);
    he_pubkey_t *pk = he_pubkey_deserialize (buf, len);
    assert_non_null (pk);
    assert_true (he_pubkey_equal (pk, s_pk));
    he_pubkey_destroy (&pk);
    //  Refusals: short, long, magic, version, reserved, bits, n size, hs.
    assert_null (he_pubkey_deserialize (buf, 7));
    assert_null (he_pubkey_deserialize (buf, len - 1));
    assert_non_null (strstr (util_last_error (), "expected 200"));
    uint8_t *bad = malloc (len + 1);
    memcpy (bad, buf, len);
    assert_null (he_pubkey_deserialize (bad, len + 1));
    bad [0] = 'X';
    assert_null (he_pubkey_deserialize (bad, len));
    assert_non_null (strstr (util_last_error (), "bad magic"));
    bad [0] = 'C'; bad [4] = 2;
    assert_null (he_pubkey_deserialize (bad, len));
    assert_non_null (strstr (util_last_error (), "version 2"));
    bad [4] = 1; bad [5] = 1;
    assert_null (he_pubkey_deserialize (bad, len));
    bad [5] = 0; bad [7] = 1;
    assert_null (he_pubkey_deserialize (bad, len));
    bad [7] = 0; bad [8] = 0;                   //  n loses its top bit
    assert_null (he_pubkey_deserialize (bad, len));
    assert_non_null (strstr (util_last_error (), "n has"));
    memcpy (bad, buf, len);
    memset (bad + 8 + 64, 0, 128);              //  hs = 0
    assert_null (he_pubkey_deserialize (bad, len));
    free (bad);
    free (buf);
}

static void
test_vector (void **state)
{
    (void) state;
    mpz_t cts [4], m;
    mpz_init (m);
    for (int i = 0; i < 4; i++) {
        mpz_init (cts [i]);
        mpz_set_ui (m, (unsigned long) i * 1000);
        assert_int_equal (he_encrypt (cts [i], s_pk, m), 0);
    }
    mpz_set_ui (cts [3], 1);        //  a tiny ciphertext is padded to full width
    uint8_t *buf;
    size_t len;
    assert_int_equal (he_vector_serialize (&buf, &len, s_pk, (const mpz_t *) cts, 4), 0);
    assert_int_equal (len, 12 + 4 * 128);
    mpz_t *back;
    size_t count;
    assert_int_equal (he_vector_deserialize (&back, &count, s_pk, buf, len, 10), 0);
    assert_int_equal (count, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal (mpz_cmp (back [i], cts [i]), 0);
    he_vector_free (&back, count);
    assert_null (back);
    //  Limits and refusals.
    assert_int_equal (he_vector_deserialize (&back, &count, s_pk, buf, len, 3), -1);
    assert_non_null (strstr (util_last_error (), "exceeds the limit 3"));
    assert_null (back);
    assert_int_equal (count, 0);
    assert_int_equal (he_vector_deserialize (&back, &count, s_pk, buf, len - 1, 0), -1);
    assert_int_equal (he_vector_deserialize (&back, &count, s_pk, buf, 10, 0), -1);
    buf [11] = 5;                   //  count says 5, data has 4
    assert_int_equal (he_vector_deserialize (&back, &count, s_pk, buf, len, 0), -1);
    buf [11] = 4;
    memset (buf + 12 + 128, 0, 128);    //  element 1 = 0: invalid
    assert_int_equal (he_vector_deserialize (&back, &count, s_pk, buf, len, 0), -1);
    assert_non_null (strstr (util_last_error (), "element 1 of 4"));
    memset (buf + 12 + 128, 0xff, 128); //  element 1 >= n^2
    assert_int_equal (he_vector_deserialize (&back, &count, s_pk, buf, len, 0), -1);
    buf [0] = 'Z';
    assert_int_equal (he_vector_deserialize (&back, &count, s_pk, buf, len, 0), -1);
    free (buf);
    //  A vector made for another key size; an empty vector.
    he_pubkey_t *pk2;
    he_seckey_t *sk2;
    assert_int_equal (he_keygen (&pk2, &sk2, 576), 0);
    assert_int_equal (he_vector_serialize (&buf, &len, pk2, (const mpz_t *) cts, 1), 0);
    assert_int_equal (he_vector_deserialize (&back, &count, s_pk, buf, len, 0), -1);
    assert_non_null (strstr (util_last_error (), "576-bit"));
    free (buf);
    assert_int_equal (he_vector_serialize (&buf, &len, s_pk, (const mpz_t *) cts, 0), 0);
    assert_int_equal (he_vector_deserialize (&back, &count, s_pk, buf, len, 0), 0);
    assert_int_equal (count, 0);
    he_vector_free (&back, count);
    free (buf);
    mpz_set (cts [0], he_pubkey_n2 (s_pk));
    assert_int_equal (he_vector_serialize (&buf, &len, s_pk, (const mpz_t *) cts, 1), -1);
    he_pubkey_destroy (&pk2);
    he_seckey_destroy (&sk2);
    for (int i = 0; i < 4; i++)
        mpz_clear (cts [i]);
    mpz_clear (m);
}

static void
test_proofs_and_accumulate (void **state)
{
    (void) state;
    he_pubkey_t *pk;
    he_verify_t *vk;
    he_share_t **sh;
    assert_int_equal (he_threshold_keygen (&pk, &vk, &sh, 512, 2, 2), 0);
    mpz_t m, c [3], ci [3];
    he_proof_t pr [3];
    mpz_init (m);
    for (int i = 0; i < 3; i++) {
        mpz_inits (c [i], ci [i], NULL);
        he_proof_init (&pr [i]);
        mpz_set_ui (m, 10u + (unsigned) i);
        assert_int_equal (he_encrypt (c [i], pk, m), 0);
        assert_int_equal (he_partial_decrypt (ci [i], sh [0], c [i]), 0);
        assert_int_equal (he_partial_prove (&pr [i], sh [0], c [i], ci [i]), 0);
    }
    uint8_t *buf;
    size_t len, count;
    assert_int_equal (he_proofs_serialize (&buf, &len, pk, pr, 3), 0);
    he_proof_t *back;
    assert_int_equal (he_proofs_deserialize (&back, &count, pk, buf, len, 8), 0);
    assert_int_equal (count, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal (he_partial_verify (vk, 1, c [i], ci [i], &back [i]), 0);
    he_proofs_free (&back, count);
    assert_null (back);
    //  Refusals: limit, truncation, width, key size.
    assert_int_equal (he_proofs_deserialize (&back, &count, pk, buf, len, 2), -1);
    assert_int_equal (he_proofs_deserialize (&back, &count, pk, buf, len - 1, 8), -1);
    assert_int_equal (he_proofs_deserialize (&back, &count, pk, buf, 13, 8), -1);
    uint8_t w0 = buf [12], w1 = buf [13];
    buf [12] = 0xff;
    assert_int_equal (he_proofs_deserialize (&back, &count, pk, buf, len, 8), -1);
    assert_non_null (strstr (util_last_error (), "width"));
    buf [12] = w0; buf [13] = w1;
    assert_int_equal (he_proofs_deserialize (&back, &count, s_pk, buf, len, 8), 0);
    he_proofs_free (&back, count);                 //  same size: parses, will not verify
    buf [3] = 'X';
    assert_int_equal (he_proofs_deserialize (&back, &count, pk, buf, len, 8), -1);
    free (buf);
    mpz_set_si (pr [1].z, -1);
    assert_int_equal (he_proofs_serialize (&buf, &len, pk, pr, 3), -1);
    //  Accumulate: element-wise sums.
    he_vector_accumulate (c, pk, (const mpz_t *) c, 3);     //  doubles each
    mpz_t out;
    mpz_init (out);
    unsigned idx [2] = { 1, 2 };
    for (int i = 0; i < 3; i++) {
        assert_int_equal (he_partial_decrypt (ci [0], sh [0], c [i]), 0);
        assert_int_equal (he_partial_decrypt (ci [1], sh [1], c [i]), 0);
        assert_int_equal (he_combine (out, vk, idx, (const mpz_t *) ci, 2), 0);
        assert_int_equal (mpz_get_ui (out), 2 * (10u + (unsigned) i));
    }
    mpz_clear (out);
    for (int i = 0; i < 3; i++) {
        mpz_clears (c [i], ci [i], NULL);
        he_proof_clear (&pr [i]);
    }
    mpz_clear (m);
    support_he_keys_destroy (&pk, &vk, &sh, 2);
}

//  Allocation failures in the decoders and encoders: each is reported
//  (UTIL_ENOMEM) and leaves nothing behind.
static bool
s_pubkey_back (void *arg)
{
    alloc_walk_bytes_t *w = arg;
    he_pubkey_t *pk = he_pubkey_deserialize (w->buf, w->len);
    bool ok = pk != NULL;
    he_pubkey_destroy (&pk);
    return ok;
}

static bool
s_vector_back (void *arg)
{
    alloc_walk_bytes_t *w = arg;
    mpz_t *cts = NULL;
    size_t count = 0;
    if (he_vector_deserialize (&cts, &count, s_pk, w->buf, w->len, 0))
        return false;
    assert_int_equal (count, 3);
    he_vector_free (&cts, count);
    return true;
}

static bool
s_vector_out (void *cts)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (he_vector_serialize (&buf, &len, s_pk, (const mpz_t *) cts, 3))
        return false;
    free (buf);
    return true;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    alloc_walk_bytes_t w;
    assert_int_equal (he_pubkey_serialize (&w.buf, &w.len, s_pk), 0);
    assert_true (alloc_walk (s_pubkey_back, &w) >= 1);
    free (w.buf);
    mpz_t cts [3], m;
    mpz_init_set_ui (m, 7);
    for (int i = 0; i < 3; i++) {
        mpz_init (cts [i]);
        assert_int_equal (he_encrypt (cts [i], s_pk, m), 0);
    }
    assert_true (alloc_walk (s_vector_out, cts) >= 1);
    assert_int_equal (he_vector_serialize (&w.buf, &w.len, s_pk, (const mpz_t *) cts, 3), 0);
    assert_true (alloc_walk (s_vector_back, &w) >= 1);
    free (w.buf);
    for (int i = 0; i < 3; i++)
        mpz_clear (cts [i]);
    mpz_clear (m);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_pubkey),
        cmocka_unit_test (test_vector),
        cmocka_unit_test (test_proofs_and_accumulate),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
