/*  Unit tests for coordinator/aggregate.c with a small insecure 2-of-3 key:
    sums decode exactly, a corrupted partial fails its proof and is
    excluded, malformed input is refused, too few partials cannot combine. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coordinator/aggregate.h"
#include "util/alloc.h"
#include "util/error.h"
#include "support_he.h"
#include "alloc_walk.h"

static he_pubkey_t *s_pk;
static he_verify_t *s_vk;
static he_share_t **s_shares;
static he_codec_t s_codec;

static int
s_setup (void **state)
{
    (void) state;
    he_init ();
    if (he_threshold_keygen (&s_pk, &s_vk, &s_shares, 512, 3, 2))
        return -1;
    return he_codec_init (&s_codec, 512, 12, 48, 64);
}

static int
s_teardown (void **state)
{
    (void) state;
    support_he_keys_destroy (&s_pk, &s_vk, &s_shares, 3);
    return 0;
}

static void
s_vector (const int64_t *v, size_t n, uint8_t **buf, size_t *len)
{
    size_t ncts = he_codec_plaintexts (&s_codec, n);
    mpz_t *cts = malloc (ncts * sizeof (mpz_t));
    for (size_t i = 0; i < ncts; i++)
        mpz_init (cts [i]);
    assert_int_equal (he_codec_encrypt (cts, s_pk, v, n, &s_codec), 0);
    assert_int_equal (he_vector_serialize (buf, len, s_pk, cts, ncts), 0);
    for (size_t i = 0; i < ncts; i++)
        mpz_clear (cts [i]);
    free (cts);
}

enum { GOOD, CORRUPT, OTHER_ROUND, PER_CIPHERTEXT };

//  Share k's partials of the serialised aggregate with its batched proof
//  for study "st" round 3, handed to coord_agg_add_partial for that study
//  and round. CORRUPT flips the last partial after proving; OTHER_ROUND
//  proves for round 4; PER_CIPHERTEXT sends one old-style proof per
//  ciphertext instead.
static void
s_partial (coord_agg_t *agg, int k, int mode, int expect)
{
    uint8_t *abuf;
    size_t alen, n;
    assert_int_equal (coord_agg_serialize (agg, &abuf, &alen), 0);
    mpz_t *cts;
    assert_int_equal (he_vector_deserialize (&cts, &n, s_pk, abuf, alen, 100), 0);
    assert_true (n >= 2);
    mpz_t *parts = malloc (n * sizeof (mpz_t));
    he_proof_t *proofs = malloc (n * sizeof (he_proof_t));
    for (size_t i = 0; i < n; i++) {
        mpz_init (parts [i]);
        he_proof_init (&proofs [i]);
        assert_int_equal (he_partial_decrypt (parts [i], s_shares [k], cts [i]), 0);
        if (mode == PER_CIPHERTEXT)
            assert_int_equal (he_partial_prove (&proofs [i], s_shares [k], cts [i], parts [i]),
                              0);
    }
    if (mode != PER_CIPHERTEXT) {
        he_nonce_t *nonce = he_nonce_new (s_shares [k]);
        assert_int_equal (he_batch_prove (&proofs [0], s_shares [k], &nonce, "st",
                                          mode == OTHER_ROUND? 4: 3, (const mpz_t *) cts,
                                          (const mpz_t *) parts, n), 0);
    }
    if (mode == CORRUPT)
        he_mul_scalar (parts [n - 1], s_pk, parts [n - 1], (mpz_srcptr) parts [n - 1]);
    uint8_t *pb, *fb;
    size_t pl, fl;
    assert_int_equal (he_vector_serialize (&pb, &pl, s_pk, parts, n), 0);
    assert_int_equal (he_proofs_serialize (&fb, &fl, s_pk, proofs,
                                           mode == PER_CIPHERTEXT? n: 1), 0);
    assert_int_equal (coord_agg_add_partial (agg, he_share_index (s_shares [k]), "st", 3,
                                             pb, pl, fb, fl), expect);
    for (size_t i = 0; i < n; i++) {
        mpz_clear (parts [i]);
        he_proof_clear (&proofs [i]);
    }
    free (parts);
    free (proofs);
    free (pb);
    free (fb);
    free (abuf);
    he_vector_free (&cts, n);
}

static void
test_sum_and_exclusion (void **state)
{
    (void) state;
    enum { N = 20 };
    int64_t a [N], b [N], out [N];
    for (int i = 0; i < N; i++) {
        a [i] = i * 1000 - 7;
        b [i] = -i * 3 + ((int64_t) 1 << 40);
    }
    coord_agg_t *agg = coord_agg_new (s_pk, s_vk, &s_codec, N);
    uint8_t *buf;
    size_t len;
    s_vector (a, N, &buf, &len);
    assert_int_equal (coord_agg_add (agg, buf, len), 0);
    free (buf);
    s_vector (b, N, &buf, &len);
    assert_int_equal (coord_agg_add (agg, buf, len), 0);
    //  Truncated: refused, nothing added.
    assert_int_equal (coord_agg_add (agg, buf, len - 1), -1);
    assert_non_null (strstr (util_last_error (), "update"));
    free (buf);
    //  A vector of the wrong length.
    s_vector (a, 5, &buf, &len);
    assert_int_equal (coord_agg_add (agg, buf, len), -1);
    free (buf);
    assert_int_equal (coord_agg_contributors (agg), 2);

    assert_int_equal (coord_agg_combine (agg, out), -1);      //  no partials yet
    s_partial (agg, 0, CORRUPT, -1);                          //  share 1 corrupted
    assert_non_null (strstr (util_last_error (), "proof does not verify"));
    s_partial (agg, 0, GOOD, -1);                             //  a second answer from 1
    assert_non_null (strstr (util_last_error (), "second answer"));
    s_partial (agg, 1, OTHER_ROUND, -1);                      //  a replay from round 4
    assert_non_null (strstr (util_last_error (), "proof does not verify"));
    assert_int_equal (coord_agg_valid_partials (agg), 0);
    coord_agg_destroy (&agg);

    //  The same sums again; shares 2 and 3 answer well.
    agg = coord_agg_new (s_pk, s_vk, &s_codec, N);
    s_vector (a, N, &buf, &len);
    assert_int_equal (coord_agg_add (agg, buf, len), 0);
    free (buf);
    s_vector (b, N, &buf, &len);
    assert_int_equal (coord_agg_add (agg, buf, len), 0);
    free (buf);
    s_partial (agg, 0, PER_CIPHERTEXT, -1);                   //  not one batched proof
    assert_non_null (strstr (util_last_error (), "exceeds the limit 1"));
    s_partial (agg, 1, GOOD, 0);
    assert_int_equal (coord_agg_valid_partials (agg), 1);
    assert_int_equal (coord_agg_combine (agg, out), -1);      //  1 of 2
    s_partial (agg, 2, GOOD, 0);
    //  Out of memory while combining: -1, and the aggregate can still combine.
    for (long k = 0; k < 2; k++) {
        util_alloc_fail_after (k);
        assert_int_equal (coord_agg_combine (agg, out), -1);
        util_alloc_fail_after (-1);
        assert_int_equal (util_last_code (), UTIL_ENOMEM);
    }
    assert_int_equal (coord_agg_combine (agg, out), 0);
    for (int i = 0; i < N; i++)
        assert_true (out [i] == a [i] + b [i]);
    uint8_t junk [1] = { 0 };
    assert_int_equal (coord_agg_add_partial (agg, 9, "st", 3, junk, 1, junk, 1), -1);
    assert_non_null (strstr (util_last_error (), "outside 1..3"));
    coord_agg_destroy (&agg);
    assert_null (agg);
    coord_agg_destroy (&agg);
}

//  A new aggregate has no contributors yet.
static bool
s_new_walk (void *unused)
{
    (void) unused;
    coord_agg_t *agg = coord_agg_new (s_pk, s_vk, &s_codec, 20);
    if (agg)
        assert_int_equal (coord_agg_contributors (agg), 0);
    bool ok = agg != NULL;
    coord_agg_destroy (&agg);
    return ok;
}

//  Each allocation of a new aggregate fails in turn: NULL with UTIL_ENOMEM
//  and nothing leaked, before the mpz array is initialised.
//  Signed updates are kept for the decryption request, in order, with
//  their signatures and certificates; a share's second update and a bad
//  vector are refused and keep nothing; the sum is the same as unsigned.
static void
test_signed (void **state)
{
    (void) state;
    enum { N = 20 };
    int64_t a [N], b [N], out [N];
    for (int i = 0; i < N; i++) {
        a [i] = i;
        b [i] = 100 - i;
    }
    coord_agg_t *agg = coord_agg_new (s_pk, s_vk, &s_codec, N);
    uint8_t *ba, *bb, sig [64];
    size_t la, lb;
    memset (sig, 7, sizeof sig);
    s_vector (a, N, &ba, &la);
    s_vector (b, N, &bb, &lb);
    Cohort__Contribution **list;
    assert_int_equal (coord_agg_contributions (agg, &list), 0);
    assert_int_equal (coord_agg_add_signed (agg, 3, ba, la, sig, sizeof sig, "cert-c"), 0);
    assert_int_equal (coord_agg_add_signed (agg, 3, bb, lb, sig, sizeof sig, "cert-c"), -1);
    assert_non_null (strstr (util_last_error (), "a second update from share 3"));
    assert_int_equal (coord_agg_add_signed (agg, 1, bb, lb - 1, sig, sizeof sig, "cert-a"), -1);
    assert_int_equal (coord_agg_contributions (agg, &list), 1);
    assert_int_equal (coord_agg_add_signed (agg, 1, bb, lb, sig, sizeof sig, "cert-a"), 0);
    assert_int_equal (coord_agg_contributions (agg, &list), 2);
    assert_int_equal (coord_agg_contributors (agg), 2);
    assert_int_equal (list [0]->index, 3);
    assert_int_equal (list [1]->index, 1);
    assert_memory_equal (list [0]->ciphertexts.data, ba, la);
    assert_int_equal (list [1]->ciphertexts.len, lb);
    assert_memory_equal (list [1]->signature.data, sig, sizeof sig);
    assert_string_equal (list [1]->role_cert, "cert-a");
    s_partial (agg, 0, GOOD, 0);
    s_partial (agg, 1, GOOD, 0);
    assert_int_equal (coord_agg_combine (agg, out), 0);
    for (int i = 0; i < N; i++)
        assert_int_equal (out [i], 100);
    free (ba);
    free (bb);
    coord_agg_destroy (&agg);
}

//  The verification pool: the same partials, queued and verified on four
//  threads, give exactly what one check after another gives: the same
//  partials kept in the same order, the same sum, and the bad ones (a
//  corrupted partial, a proof for another round) excluded with the same
//  reasons, handed back with their tags.
typedef struct {
    unsigned n;
    int tag [8];
    unsigned index [8];
    int code [8];
    char reason [8][UTIL_ERROR_MAX];
} s_failures_t;

static void
s_on_failed (int tag, unsigned index, int code, const char *reason, void *arg)
{
    s_failures_t *f = arg;
    assert_true (f->n < 8);
    f->tag [f->n] = tag;
    f->index [f->n] = index;
    f->code [f->n] = code;
    snprintf (f->reason [f->n], UTIL_ERROR_MAX, "%s", reason);
    f->n++;
}

//  Share `share`'s partials of agg's aggregate and its batched proof, as
//  bytes, for study "st" (round 3; 4 for OTHER_ROUND; CORRUPT flips the
//  last partial after proving).
static void
s_partial_bytes (coord_agg_t *agg, const he_pubkey_t *pk, const he_share_t *share, int mode,
                 uint8_t **pb, size_t *pl, uint8_t **fb, size_t *fl)
{
    uint8_t *abuf;
    size_t alen, n;
    assert_int_equal (coord_agg_serialize (agg, &abuf, &alen), 0);
    mpz_t *cts;
    assert_int_equal (he_vector_deserialize (&cts, &n, pk, abuf, alen, 100), 0);
    mpz_t *parts = malloc (n * sizeof (mpz_t));
    assert_non_null (parts);
    he_proof_t proof;
    he_proof_init (&proof);
    for (size_t i = 0; i < n; i++) {
        mpz_init (parts [i]);
        assert_int_equal (he_partial_decrypt (parts [i], share, cts [i]), 0);
    }
    he_nonce_t *nonce = he_nonce_new (share);
    assert_int_equal (he_batch_prove (&proof, share, &nonce, "st", mode == OTHER_ROUND? 4: 3,
                                      (const mpz_t *) cts, (const mpz_t *) parts, n), 0);
    if (mode == CORRUPT)
        he_mul_scalar (parts [n - 1], pk, parts [n - 1], (mpz_srcptr) parts [n - 1]);
    assert_int_equal (he_vector_serialize (pb, pl, pk, parts, n), 0);
    assert_int_equal (he_proofs_serialize (fb, fl, pk, &proof, 1), 0);
    for (size_t i = 0; i < n; i++)
        mpz_clear (parts [i]);
    free (parts);
    he_proof_clear (&proof);
    free (abuf);
    he_vector_free (&cts, n);
}

static void
test_pool_matches_serial (void **state)
{
    (void) state;
    enum { L = 8, T = 5, N = 80 };
    he_pubkey_t *pk = NULL;
    he_verify_t *vk = NULL;
    he_share_t **sh = NULL;
    assert_int_equal (he_threshold_keygen (&pk, &vk, &sh, 512, L, T), 0);
    int64_t v [N], serial_out [N], pool_out [N];
    coord_agg_t *serial = coord_agg_new (pk, vk, &s_codec, N);
    coord_agg_t *pool = coord_agg_new (pk, vk, &s_codec, N);
    assert_non_null (serial);
    assert_non_null (pool);
    size_t ncts = he_codec_plaintexts (&s_codec, N);
    assert_true (ncts >= 2);
    mpz_t *cts = malloc (ncts * sizeof (mpz_t));
    assert_non_null (cts);
    for (size_t j = 0; j < ncts; j++)
        mpz_init (cts [j]);
    for (int k = 0; k < L; k++) {
        for (int i = 0; i < N; i++)
            v [i] = (int64_t) k * 1000 - i;
        uint8_t *buf;
        size_t len;
        assert_int_equal (he_codec_encrypt (cts, pk, v, N, &s_codec), 0);
        assert_int_equal (he_vector_serialize (&buf, &len, pk, cts, ncts), 0);
        assert_int_equal (coord_agg_add (serial, buf, len), 0);
        assert_int_equal (coord_agg_add (pool, buf, len), 0);
        free (buf);
    }
    for (size_t j = 0; j < ncts; j++)
        mpz_clear (cts [j]);
    free (cts);
    //  Every share answers; share 3's partial is corrupted and share 6
    //  proved for another round.
    s_failures_t serial_fail = { 0 }, pool_fail = { 0 };
    unsigned serial_ok = 0;
    assert_int_equal (coord_agg_verify_pending (pool, 4, s_on_failed, &pool_fail), 0);
    for (int k = 0; k < L; k++) {
        int mode = k == 2? CORRUPT: k == 5? OTHER_ROUND: GOOD;
        uint8_t *pb, *fb;
        size_t pl, fl;
        s_partial_bytes (serial, pk, sh [k], mode, &pb, &pl, &fb, &fl);
        unsigned index = he_share_index (sh [k]);
        if (coord_agg_add_partial (serial, index, "st", 3, pb, pl, fb, fl) == 0)
            serial_ok++;
        else {
            assert_int_equal (util_last_code (), UTIL_ECRYPTO);
            s_on_failed (k, index, util_last_code (), util_last_error (), &serial_fail);
        }
        assert_int_equal (coord_agg_queue_partial (pool, index, 100 + k, "st", 3, pb, pl, fb,
                                                   fl), 0);
        //  A second answer, or a truncated one, is refused when queued.
        assert_int_equal (coord_agg_queue_partial (pool, index, 0, "st", 3, pb, pl, fb, fl), -1);
        assert_non_null (strstr (util_last_error (), "second answer"));
        free (pb);
        free (fb);
    }
    assert_int_equal (serial_ok, L - 2);
    assert_int_equal (coord_agg_pending (pool), L);
    assert_int_equal (coord_agg_valid_partials (pool), 0);
    assert_int_equal (coord_agg_verify_pending (pool, 4, s_on_failed, &pool_fail), L - 2);
    assert_int_equal (coord_agg_pending (pool), 0);
    assert_int_equal (coord_agg_valid_partials (pool), L - 2);
    assert_int_equal (pool_fail.n, 2);
    assert_int_equal (serial_fail.n, 2);
    for (unsigned f = 0; f < 2; f++) {
        assert_int_equal (pool_fail.tag [f], 100 + serial_fail.tag [f]);
        assert_int_equal (pool_fail.index [f], serial_fail.index [f]);
        assert_int_equal (pool_fail.code [f], UTIL_ECRYPTO);
        assert_string_equal (pool_fail.reason [f], serial_fail.reason [f]);
        assert_non_null (strstr (pool_fail.reason [f], "proof does not verify"));
    }
    assert_int_equal (pool_fail.index [0], 3);
    assert_int_equal (pool_fail.index [1], 6);
    //  Nothing queued: nothing to do.
    assert_int_equal (coord_agg_verify_pending (pool, 4, s_on_failed, &pool_fail), 0);
    assert_int_equal (pool_fail.n, 2);
    assert_int_equal (coord_agg_combine (serial, serial_out), 0);
    assert_int_equal (coord_agg_combine (pool, pool_out), 0);
    for (int i = 0; i < N; i++) {
        assert_int_equal (pool_out [i], serial_out [i]);
        //  sum over k of (1000 k - i) = 1000 L (L - 1) / 2 - L i.
        assert_int_equal (pool_out [i], (int64_t) 1000 * L * (L - 1) / 2 - (int64_t) L * i);
    }
    coord_agg_destroy (&serial);
    coord_agg_destroy (&pool);
    support_he_keys_destroy (&pk, &vk, &sh, L);
}

//  Partials left queued are freed with the aggregate; one partial on many
//  threads is checked on the caller's own.
static void
test_pool_edges (void **state)
{
    (void) state;
    enum { N = 20 };
    int64_t a [N], out [N];
    for (int i = 0; i < N; i++)
        a [i] = i;
    coord_agg_t *agg = coord_agg_new (s_pk, s_vk, &s_codec, N);
    uint8_t *buf, *pb, *fb;
    size_t len, pl, fl;
    s_vector (a, N, &buf, &len);
    assert_int_equal (coord_agg_add (agg, buf, len), 0);
    free (buf);
    for (int k = 0; k < 2; k++) {
        s_partial_bytes (agg, s_pk, s_shares [k], GOOD, &pb, &pl, &fb, &fl);
        assert_int_equal (coord_agg_queue_partial (agg, he_share_index (s_shares [k]), k, "st", 3,
                                                   pb, pl, fb, fl), 0);
        if (k == 0)
            assert_int_equal (coord_agg_verify_pending (agg, 64, NULL, NULL), 1);
        free (pb);
        free (fb);
    }
    //  An index outside the key, and a malformed proof, are refused.
    s_partial_bytes (agg, s_pk, s_shares [2], GOOD, &pb, &pl, &fb, &fl);
    assert_int_equal (coord_agg_queue_partial (agg, 4, 0, "st", 3, pb, pl, fb, fl), -1);
    assert_non_null (strstr (util_last_error (), "outside 1..3"));
    assert_int_equal (coord_agg_queue_partial (agg, 3, 0, "st", 3, pb, pl, fb, fl - 1), -1);
    assert_non_null (strstr (util_last_error (), "proof from share 3"));
    free (pb);
    free (fb);
    assert_int_equal (coord_agg_pending (agg), 1);
    assert_int_equal (coord_agg_valid_partials (agg), 1);
    coord_agg_destroy (&agg);
    //  Verified, then combined.
    agg = coord_agg_new (s_pk, s_vk, &s_codec, N);
    s_vector (a, N, &buf, &len);
    assert_int_equal (coord_agg_add (agg, buf, len), 0);
    free (buf);
    for (int k = 0; k < 2; k++) {
        s_partial_bytes (agg, s_pk, s_shares [k], GOOD, &pb, &pl, &fb, &fl);
        assert_int_equal (coord_agg_queue_partial (agg, he_share_index (s_shares [k]), k, "st", 3,
                                                   pb, pl, fb, fl), 0);
        free (pb);
        free (fb);
    }
    assert_int_equal (coord_agg_verify_pending (agg, 2, NULL, NULL), 2);
    assert_int_equal (coord_agg_combine (agg, out), 0);
    for (int i = 0; i < N; i++)
        assert_int_equal (out [i], i);
    coord_agg_destroy (&agg);
}

static void
test_new_out_of_memory (void **state)
{
    (void) state;
    //  The aggregate, its ciphertexts and six arrays sized by the key's
    //  parties.
    assert_int_equal (alloc_walk (s_new_walk, NULL), 8);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_sum_and_exclusion),
        cmocka_unit_test (test_signed),
        cmocka_unit_test (test_pool_matches_serial),
        cmocka_unit_test (test_pool_edges),
        cmocka_unit_test (test_new_out_of_memory),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
