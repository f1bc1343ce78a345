/*  Unit tests for he/threshold.c. Keys are 512-bit: insecure test fixtures
    chosen for speed; the scheme's code path is the same at 2048 bits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "he/threshold.h"
#include "util/error.h"
#include "alloc_walk.h"
#include "support_he.h"

#define PARTIES   5
#define THRESHOLD 3

static he_pubkey_t *s_pk;
static he_verify_t *s_vk;
static he_share_t **s_shares;

static int
s_setup (void **state)
{
    (void) state;
    he_init ();
    return he_threshold_keygen (&s_pk, &s_vk, &s_shares, 512, PARTIES, THRESHOLD);
}

static int
s_teardown (void **state)
{
    (void) state;
    support_he_keys_destroy (&s_pk, &s_vk, &s_shares, PARTIES);
    return 0;
}

//  Every t-subset (and every larger subset) of parties decrypts.
static void
test_every_subset_decrypts (void **state)
{
    (void) state;
    mpz_t m, c, out, partials [PARTIES];
    mpz_inits (m, c, out, NULL);
    assert_int_equal (he_random_below (m, he_pubkey_n (s_pk)), 0);
    assert_int_equal (he_encrypt (c, s_pk, m), 0);
    for (int i = 0; i < PARTIES; i++) {
        mpz_init (partials [i]);
        assert_int_equal (he_partial_decrypt (partials [i], s_shares [i], c), 0);
    }
    int subsets = 0;
    for (unsigned mask = 0; mask < (1u << PARTIES); mask++) {
        unsigned idx [PARTIES];
        mpz_t sel [PARTIES];
        size_t k = 0;
        for (int i = 0; i < PARTIES; i++)
            if (mask & (1u << i)) {
                idx [k] = (unsigned) i + 1;
                mpz_init_set (sel [k], partials [i]);
                k++;
            }
        int rc = he_combine (out, s_vk, idx, (const mpz_t *) sel, k);
        if (k >= THRESHOLD) {
            assert_int_equal (rc, 0);
            assert_int_equal (mpz_cmp (out, m), 0);
            subsets++;
        }
        else {
            assert_int_equal (rc, -1);      //  t-1 shares are refused
            assert_non_null (strstr (util_last_error (), "need 3 partial"));
        }
        for (size_t j = 0; j < k; j++)
            mpz_clear (sel [j]);
    }
    assert_int_equal (subsets, 16);     //  C(5,3)+C(5,4)+C(5,5)
    for (int i = 0; i < PARTIES; i++)
        mpz_clear (partials [i]);
    mpz_clears (m, c, out, NULL);
}

//  With t-1 shares the Lagrange combination does not give the plaintext:
//  interpolating as if the threshold were t-1 yields garbage.
static void
test_fewer_than_t_learn_nothing_useful (void **state)
{
    (void) state;
    mpz_t m, c, out, p [2], vks [PARTIES];
    mpz_inits (m, c, out, p [0], p [1], NULL);
    mpz_set_ui (m, 424242);
    assert_int_equal (he_encrypt (c, s_pk, m), 0);
    for (int i = 0; i < PARTIES; i++)
        mpz_init_set (vks [i], he_verify_key (s_vk, (unsigned) i + 1));
    he_verify_t *weak = he_verify_new (he_pubkey_n (s_pk), PARTIES, THRESHOLD - 1,
                                       he_verify_v (s_vk), (const mpz_t *) vks);
    assert_non_null (weak);
    unsigned idx [2] = { 1, 2 };
    assert_int_equal (he_partial_decrypt (p [0], s_shares [0], c), 0);
    assert_int_equal (he_partial_decrypt (p [1], s_shares [1], c), 0);
    int rc = he_combine (out, weak, idx, (const mpz_t *) p, 2);
    assert_true (rc == -1 || mpz_cmp (out, m) != 0);
    he_verify_destroy (&weak);
    for (int i = 0; i < PARTIES; i++)
        mpz_clear (vks [i]);
    mpz_clears (m, c, out, p [0], p [1], NULL);
}

//  Honest proofs verify; a corrupted partial decryption is caught by its
//  proof, named, and excluded, and the remaining t valid shares decrypt.
static void
test_proofs_catch_corruption (void **state)
{
    (void) state;
    mpz_t m, c, out, ci [PARTIES];
    he_proof_t proofs [PARTIES];
    mpz_inits (m, c, out, NULL);
    mpz_set_ui (m, 987654321);
    assert_int_equal (he_encrypt (c, s_pk, m), 0);
    for (int i = 0; i < PARTIES; i++) {
        mpz_init (ci [i]);
        he_proof_init (&proofs [i]);
        assert_int_equal (he_partial_decrypt (ci [i], s_shares [i], c), 0);
        assert_int_equal (he_partial_prove (&proofs [i], s_shares [i], c, ci [i]), 0);
        assert_int_equal (he_partial_verify (s_vk, (unsigned) i + 1, c, ci [i], &proofs [i]), 0);
    }
    //  With the verifier's fixed-base table the verdicts are the same.
    assert_int_equal (he_verify_precompute (s_vk), 0);
    assert_int_equal (he_verify_precompute (s_vk), 0);
    for (int i = 0; i < PARTIES; i++)
        assert_int_equal (he_partial_verify (s_vk, (unsigned) i + 1, c, ci [i], &proofs [i]), 0);
    //  Party 2 cheats: its partial is multiplied by (1 + n), shifting the result.
    mpz_add_ui (out, he_pubkey_n (s_pk), 1);
    mpz_mul (ci [1], ci [1], out);
    mpz_mod (ci [1], ci [1], he_pubkey_n2 (s_pk));
    assert_int_equal (he_partial_verify (s_vk, 2, c, ci [1], &proofs [1]), -1);
    assert_non_null (strstr (util_last_error (), "party 2"));
    //  A proof replayed under another index, or for another ciphertext, fails.
    assert_int_equal (he_partial_verify (s_vk, 3, c, ci [0], &proofs [0]), -1);
    mpz_t c2;
    mpz_init (c2);
    assert_int_equal (he_encrypt (c2, s_pk, m), 0);
    assert_int_equal (he_partial_verify (s_vk, 1, c2, ci [0], &proofs [0]), -1);
    mpz_clear (c2);
    //  Tampered z or e, out-of-range values, bad index.
    mpz_add_ui (proofs [2].z, proofs [2].z, 1);
    assert_int_equal (he_partial_verify (s_vk, 3, c, ci [2], &proofs [2]), -1);
    mpz_sub_ui (proofs [2].z, proofs [2].z, 1);
    assert_int_equal (he_partial_verify (s_vk, 3, c, ci [2], &proofs [2]), 0);
    mpz_setbit (proofs [2].e, 300);
    assert_int_equal (he_partial_verify (s_vk, 3, c, ci [2], &proofs [2]), -1);
    assert_int_equal (he_partial_verify (s_vk, 0, c, ci [0], &proofs [0]), -1);
    assert_int_equal (he_partial_verify (s_vk, PARTIES + 1, c, ci [0], &proofs [0]), -1);
    mpz_set_ui (out, 0);
    assert_int_equal (he_partial_verify (s_vk, 1, c, out, &proofs [0]), -1);

    //  The coordinator's rule: keep the shares whose proofs verify.
    unsigned idx [PARTIES];
    mpz_t good [PARTIES];
    size_t k = 0;
    for (int i = 0; i < PARTIES; i++) {
        he_proof_t fresh;
        he_proof_init (&fresh);
        assert_int_equal (i == 1? 0: he_partial_prove (&fresh, s_shares [i], c, ci [i]), 0);
        if (i != 1 && he_partial_verify (s_vk, (unsigned) i + 1, c, ci [i], &fresh) == 0) {
            idx [k] = (unsigned) i + 1;
            mpz_init_set (good [k++], ci [i]);
        }
        he_proof_clear (&fresh);
    }
    assert_int_equal (k, PARTIES - 1);
    assert_int_equal (he_combine (out, s_vk, idx, (const mpz_t *) good, k), 0);
    assert_int_equal (mpz_cmp (out, m), 0);
    //  Had the bad share been combined, the result would be wrong.
    idx [0] = 2;
    mpz_set (good [0], ci [1]);
    assert_int_equal (he_combine (out, s_vk, idx, (const mpz_t *) good, THRESHOLD), 0);
    assert_int_not_equal (mpz_cmp (out, m), 0);
    for (size_t j = 0; j < k; j++)
        mpz_clear (good [j]);
    for (int i = 0; i < PARTIES; i++) {
        mpz_clear (ci [i]);
        he_proof_clear (&proofs [i]);
    }
    mpz_clears (m, c, out, NULL);
}

//  The commitment b = v^z v_i^-e that a proof was made with (anyone can
//  recompute it from the public proof).
static void
s_commitment (mpz_t b, unsigned index, const he_proof_t *proof)
{
    mpz_t t, e;
    mpz_inits (t, e, NULL);
    mpz_powm (b, he_verify_v (s_vk), proof->z, he_pubkey_n2 (s_pk));
    mpz_neg (e, proof->e);
    mpz_powm (t, he_verify_key (s_vk, index), e, he_pubkey_n2 (s_pk));
    mpz_mul (b, b, t);
    mpz_mod (b, b, he_pubkey_n2 (s_pk));
    mpz_clears (t, e, NULL);
}

//  Prepared nonces: proofs made with them (with and without the prover's
//  constant-time table) verify, a nonce is consumed by its proof, and no
//  two proofs share a commitment, even for the same partial.
static void
test_prepared_nonces (void **state)
{
    (void) state;
    mpz_t m, c, ci, b [4];
    mpz_inits (m, c, ci, NULL);
    mpz_set_ui (m, 4242);
    assert_int_equal (he_encrypt (c, s_pk, m), 0);
    he_share_t *share = s_shares [3];
    assert_int_equal (he_partial_decrypt (ci, share, c), 0);
    for (int k = 0; k < 4; k++) {
        //  Two proofs without the table, then two with it.
        if (k == 2) {
            assert_int_equal (he_share_precompute (share), 0);
            assert_int_equal (he_share_precompute (share), 0);
        }
        he_nonce_t *nonce = he_nonce_new (share);
        assert_non_null (nonce);
        he_proof_t proof;
        he_proof_init (&proof);
        assert_int_equal (he_partial_prove_nonce (&proof, share, &nonce, c, ci), 0);
        assert_null (nonce);
        assert_int_equal (he_partial_verify (s_vk, 4, c, ci, &proof), 0);
        mpz_init (b [k]);
        s_commitment (b [k], 4, &proof);
        for (int j = 0; j < k; j++)
            assert_int_not_equal (mpz_cmp (b [j], b [k]), 0);
        //  A spent nonce cannot prove again.
        assert_int_equal (he_partial_prove_nonce (&proof, share, &nonce, c, ci), -1);
        he_proof_clear (&proof);
    }
    //  A nonce for the wrong partial gives a proof that fails.
    he_nonce_t *nonce = he_nonce_new (share);
    he_proof_t proof;
    he_proof_init (&proof);
    mpz_add_ui (m, he_pubkey_n (s_pk), 1);
    mpz_mul (m, m, ci);
    mpz_mod (m, m, he_pubkey_n2 (s_pk));
    assert_int_equal (he_partial_prove_nonce (&proof, share, &nonce, c, m), 0);
    assert_int_equal (he_partial_verify (s_vk, 4, c, m, &proof), -1);
    //  Destroying an unused nonce is NULL-safe and clears the pointer.
    nonce = he_nonce_new (share);
    he_nonce_destroy (&nonce);
    assert_null (nonce);
    he_nonce_destroy (&nonce);
    he_proof_clear (&proof);
    for (int k = 0; k < 4; k++)
        mpz_clear (b [k]);
    mpz_clears (m, c, ci, NULL);
}

#define BATCH 5

//  Fills cts with encryptions of 1000 + j and parts with party `index`'s
//  partial decryptions; returns its batched proof for study "s1" round 7.
static void
s_batch_fixture (mpz_t *cts, mpz_t *parts, he_proof_t *proof, unsigned index)
{
    mpz_t m;
    mpz_init (m);
    for (int j = 0; j < BATCH; j++) {
        mpz_set_ui (m, 1000 + (unsigned) j);
        mpz_inits (cts [j], parts [j], NULL);
        assert_int_equal (he_encrypt (cts [j], s_pk, m), 0);
        assert_int_equal (he_partial_decrypt (parts [j], s_shares [index - 1], cts [j]), 0);
    }
    mpz_clear (m);
    he_proof_init (proof);
    he_nonce_t *nonce = he_nonce_new (s_shares [index - 1]);
    assert_int_equal (he_batch_prove (proof, s_shares [index - 1], &nonce, "s1", 7,
                                      (const mpz_t *) cts, (const mpz_t *) parts, BATCH), 0);
    assert_null (nonce);
}

#define VERIFY(idx, study, round, cts, parts, count, proof) \
    he_batch_verify (s_vk, idx, study, round, (const mpz_t *) (cts), \
                     (const mpz_t *) (parts), count, proof)

//  One proof for a vector of partials: good batches verify; any single
//  corrupted partial, a swap, another study, round, party, length or vector
//  fails; the partials it accepts combine to the plaintexts.
static void
test_batch_proof (void **state)
{
    (void) state;
    mpz_t cts [BATCH], parts [BATCH], t;
    he_proof_t proof;
    mpz_init (t);
    s_batch_fixture (cts, parts, &proof, 2);
    assert_int_equal (VERIFY (2, "s1", 7, cts, parts, BATCH, &proof), 0);
    //  Each position, corrupted by a factor (1 + n): fails.
    mpz_add_ui (t, he_pubkey_n (s_pk), 1);
    for (int j = 0; j < BATCH; j++) {
        mpz_t saved;
        mpz_init_set (saved, parts [j]);
        mpz_mul (parts [j], parts [j], t);
        mpz_mod (parts [j], parts [j], he_pubkey_n2 (s_pk));
        assert_int_equal (VERIFY (2, "s1", 7, cts, parts, BATCH, &proof), -1);
        assert_non_null (strstr (util_last_error (), "does not verify"));
        mpz_set (parts [j], saved);
        mpz_clear (saved);
    }
    assert_int_equal (VERIFY (2, "s1", 7, cts, parts, BATCH, &proof), 0);
    //  On two threads the verdicts are the same.
    assert_int_equal (he_verify_set_threads (s_vk, 0), -1);
    assert_int_equal (he_verify_set_threads (s_vk, 3), -1);
    assert_int_equal (he_verify_set_threads (s_vk, 2), 0);
    assert_int_equal (VERIFY (2, "s1", 7, cts, parts, BATCH, &proof), 0);
    mpz_swap (parts [0], parts [4]);
    assert_int_equal (VERIFY (2, "s1", 7, cts, parts, BATCH, &proof), -1);
    mpz_swap (parts [0], parts [4]);
    he_proof_t single;
    he_proof_init (&single);
    assert_int_equal (he_partial_prove (&single, s_shares [1], cts [0], parts [0]), 0);
    assert_int_equal (he_partial_verify (s_vk, 2, cts [0], parts [0], &single), 0);
    assert_int_equal (he_partial_verify (s_vk, 2, cts [1], parts [0], &single), -1);
    he_proof_clear (&single);
    assert_int_equal (he_verify_set_threads (s_vk, 1), 0);
    //  Swapped partials, and swapped ciphertexts, fail.
    mpz_swap (parts [1], parts [3]);
    assert_int_equal (VERIFY (2, "s1", 7, cts, parts, BATCH, &proof), -1);
    mpz_swap (cts [1], cts [3]);
    assert_int_equal (VERIFY (2, "s1", 7, cts, parts, BATCH, &proof), -1);
    mpz_swap (parts [1], parts [3]);
    mpz_swap (cts [1], cts [3]);
    //  Another study, round, party; a prefix of the vector.
    assert_int_equal (VERIFY (2, "s2", 7, cts, parts, BATCH, &proof), -1);
    assert_int_equal (VERIFY (2, "s1", 8, cts, parts, BATCH, &proof), -1);
    assert_int_equal (VERIFY (3, "s1", 7, cts, parts, BATCH, &proof), -1);
    assert_int_equal (VERIFY (2, "s1", 7, cts, parts, BATCH - 1, &proof), -1);
    //  Bad arguments: no such party, empty vector, a partial that is not a unit.
    assert_int_equal (VERIFY (0, "s1", 7, cts, parts, BATCH, &proof), -1);
    assert_int_equal (VERIFY (PARTIES + 1, "s1", 7, cts, parts, BATCH, &proof), -1);
    assert_int_equal (VERIFY (2, "s1", 7, cts, parts, 0, &proof), -1);
    mpz_set (t, parts [2]);
    mpz_set_ui (parts [2], 0);
    assert_int_equal (VERIFY (2, "s1", 7, cts, parts, BATCH, &proof), -1);
    assert_non_null (strstr (util_last_error (), "not a unit"));
    mpz_set (parts [2], t);
    //  Tampered response, out-of-range challenge.
    mpz_add_ui (proof.z, proof.z, 1);
    assert_int_equal (VERIFY (2, "s1", 7, cts, parts, BATCH, &proof), -1);
    mpz_sub_ui (proof.z, proof.z, 1);
    mpz_setbit (proof.e, 300);
    assert_int_equal (VERIFY (2, "s1", 7, cts, parts, BATCH, &proof), -1);
    mpz_clrbit (proof.e, 300);
    //  A batch of one is a proof too; a per-ciphertext proof is not a
    //  batched one (separate Fiat-Shamir domains).
    he_proof_t one;
    he_proof_init (&one);
    he_nonce_t *nonce = he_nonce_new (s_shares [1]);
    assert_int_equal (he_batch_prove (&one, s_shares [1], &nonce, "s1", 7,
                                      (const mpz_t *) cts, (const mpz_t *) parts, 1), 0);
    assert_int_equal (VERIFY (2, "s1", 7, cts, parts, 1, &one), 0);
    assert_int_equal (he_partial_prove (&one, s_shares [1], cts [0], parts [0]), 0);
    assert_int_equal (VERIFY (2, "s1", 7, cts, parts, 1, &one), -1);
    nonce = he_nonce_new (s_shares [1]);
    assert_int_equal (he_batch_prove (&one, s_shares [1], &nonce, "s1", 7,
                                      (const mpz_t *) cts, (const mpz_t *) parts, 0), -1);
    assert_null (nonce);
    he_proof_clear (&one);

    //  What the proof accepts is what combining needs: every accepted
    //  partial combines to its plaintext. (A partial times -1, an
    //  element of order 2, has the same square: a proof over it passes and
    //  it still combines correctly, since combining uses p_j^(2 lambda).)
    mpz_t cts4 [BATCH], parts4 [BATCH], m;
    he_proof_t proof4;
    s_batch_fixture (cts4, parts4, &proof4, 4);
    mpz_init (m);
    mpz_neg (parts [0], parts [0]);
    mpz_add (parts [0], parts [0], he_pubkey_n2 (s_pk));
    assert_int_equal (VERIFY (2, "s1", 7, cts, parts, BATCH, &proof), -1);
    nonce = he_nonce_new (s_shares [1]);
    assert_int_equal (he_batch_prove (&proof, s_shares [1], &nonce, "s1", 7,
                                      (const mpz_t *) cts, (const mpz_t *) parts, BATCH), 0);
    assert_int_equal (VERIFY (2, "s1", 7, cts, parts, BATCH, &proof), 0);
    for (int j = 0; j < BATCH; j++) {
        //  Party 2's accepted partial with parties 4 and 5 (t = 3).
        mpz_t full [THRESHOLD];
        unsigned fidx [THRESHOLD] = { 2, 4, 5 };
        mpz_init_set (full [0], parts [j]);
        mpz_inits (full [1], full [2], NULL);
        assert_int_equal (he_partial_decrypt (full [1], s_shares [3], cts [j]), 0);
        assert_int_equal (he_partial_decrypt (full [2], s_shares [4], cts [j]), 0);
        assert_int_equal (he_combine (m, s_vk, fidx, (const mpz_t *) full, THRESHOLD), 0);
        assert_int_equal (mpz_get_ui (m), 1000 + (unsigned) j);
        mpz_clears (full [0], full [1], full [2], NULL);
    }
    assert_int_equal (VERIFY (4, "s1", 7, cts4, parts4, BATCH, &proof4), 0);
    //  Party 4's proof does not vouch for party 2's partials.
    assert_int_equal (VERIFY (4, "s1", 7, cts, parts, BATCH, &proof4), -1);
    for (int j = 0; j < BATCH; j++)
        mpz_clears (cts [j], parts [j], cts4 [j], parts4 [j], NULL);
    he_proof_clear (&proof);
    he_proof_clear (&proof4);
    mpz_clears (t, m, NULL);
}

static void
test_combine_bad_indices (void **state)
{
    (void) state;
    mpz_t out, p [3];
    mpz_inits (out, p [0], p [1], p [2], NULL);
    mpz_set_ui (p [0], 1); mpz_set_ui (p [1], 1); mpz_set_ui (p [2], 1);
    unsigned dup [3] = { 1, 2, 1 };
    assert_int_equal (he_combine (out, s_vk, dup, (const mpz_t *) p, 3), -1);
    assert_non_null (strstr (util_last_error (), "twice"));
    unsigned range [3] = { 1, 2, 6 };
    assert_int_equal (he_combine (out, s_vk, range, (const mpz_t *) p, 3), -1);
    unsigned zero [3] = { 0, 1, 2 };
    assert_int_equal (he_combine (out, s_vk, zero, (const mpz_t *) p, 3), -1);
    mpz_clears (out, p [0], p [1], p [2], NULL);
}

static void
test_homomorphic_sum_then_threshold (void **state)
{
    (void) state;
    //  Three sites encrypt, the aggregate is decrypted by parties 2, 4, 5.
    mpz_t cs [3], agg, m, ci [3];
    mpz_inits (agg, m, NULL);
    for (int i = 0; i < 3; i++) {
        mpz_inits (cs [i], ci [i], NULL);
        mpz_set_ui (m, 1000u * (unsigned) (i + 1));
        assert_int_equal (he_encrypt (cs [i], s_pk, m), 0);
    }
    assert_int_equal (he_sum (agg, s_pk, (const mpz_t *) cs, 3), 0);
    unsigned idx [3] = { 2, 4, 5 };
    for (int k = 0; k < 3; k++)
        assert_int_equal (he_partial_decrypt (ci [k], s_shares [idx [k] - 1], agg), 0);
    assert_int_equal (he_combine (m, s_vk, idx, (const mpz_t *) ci, 3), 0);
    assert_int_equal (mpz_get_ui (m), 6000);
    for (int i = 0; i < 3; i++)
        mpz_clears (cs [i], ci [i], NULL);
    mpz_clears (agg, m, NULL);
}

static void
test_bad_parameters (void **state)
{
    (void) state;
    he_pubkey_t *pk;
    he_verify_t *vk;
    he_share_t **sh;
    assert_int_equal (he_threshold_keygen (&pk, &vk, &sh, 512, 3, 4), -1);
    assert_null (pk);
    assert_null (vk);
    assert_null (sh);
    assert_int_equal (he_threshold_keygen (&pk, &vk, &sh, 512, 3, 0), -1);
    assert_int_equal (he_threshold_keygen (&pk, &vk, &sh, 512, HE_PARTIES_MAX + 1, 2), -1);
    assert_int_equal (he_threshold_keygen (&pk, &vk, &sh, 500, 3, 2), -1);
    mpz_t x;
    mpz_init (x);
    const he_share_t *s1 = s_shares [0];
    assert_null (he_share_new (he_pubkey_n (s_pk), PARTIES, THRESHOLD, 0,
                               he_share_secret (s1), he_share_v (s1), he_share_vi (s1)));
    assert_null (he_share_new (he_pubkey_n (s_pk), PARTIES, THRESHOLD, PARTIES + 1,
                               he_share_secret (s1), he_share_v (s1), he_share_vi (s1)));
    mpz_set_si (x, -1);
    assert_null (he_share_new (he_pubkey_n (s_pk), PARTIES, THRESHOLD, 1,
                               x, he_share_v (s1), he_share_vi (s1)));
    mpz_set (x, he_pubkey_n (s_pk));
    assert_null (he_share_new (he_pubkey_n (s_pk), PARTIES, THRESHOLD, 1,
                               he_share_secret (s1), x, he_share_vi (s1)));
    he_share_t *copy = he_share_new (he_pubkey_n (s_pk), PARTIES, THRESHOLD, 1,
                                     he_share_secret (s1), he_share_v (s1), he_share_vi (s1));
    assert_non_null (copy);
    assert_int_equal (he_share_index (copy), 1);
    he_share_destroy (&copy);
    assert_null (copy);
    he_share_destroy (&copy);
    mpz_t c;
    mpz_init_set_ui (c, 0);
    assert_int_equal (he_partial_decrypt (x, s1, c), -1);
    mpz_clears (x, c, NULL);
}

//  Allocation failures while building verification keys, proving and
//  checking a batch: each is reported (UTIL_ENOMEM), none leaks.
typedef struct {
    mpz_t cts [BATCH], parts [BATCH];
    he_proof_t proof;
} s_batch_t;

static bool
s_verify_new (void *arg)
{
    (void) arg;
    mpz_t vks [PARTIES];
    for (unsigned i = 0; i < PARTIES; i++)
        mpz_init_set (vks [i], he_verify_key (s_vk, i + 1));
    he_verify_t *vk = he_verify_new (he_verify_n (s_vk), PARTIES, THRESHOLD, he_verify_v (s_vk),
                                     (const mpz_t *) vks);
    bool ok = vk != NULL;
    he_verify_destroy (&vk);
    for (unsigned i = 0; i < PARTIES; i++)
        mpz_clear (vks [i]);
    return ok;
}

static bool
s_batch_prove (void *arg)
{
    s_batch_t *b = arg;
    he_proof_t proof;
    he_proof_init (&proof);
    he_nonce_t *nonce = he_nonce_new (s_shares [1]);
    bool ok = nonce && he_batch_prove (&proof, s_shares [1], &nonce, "s1", 7,
                                       (const mpz_t *) b->cts, (const mpz_t *) b->parts,
                                       BATCH) == 0;
    he_nonce_destroy (&nonce);
    he_proof_clear (&proof);
    return ok;
}

static bool
s_batch_verify (void *arg)
{
    s_batch_t *b = arg;
    int rc = VERIFY (2, "s1", 7, b->cts, b->parts, BATCH, &b->proof);
    //  Out of memory must never pass for a proof that does not verify.
    assert_true (rc == 0 || util_last_code () != UTIL_ECRYPTO);
    return rc == 0;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    assert_true (alloc_walk (s_verify_new, NULL) >= 2);
    s_batch_t b;
    s_batch_fixture (b.cts, b.parts, &b.proof, 2);
    //  The nonce, then the batch coefficients.
    assert_true (alloc_walk (s_batch_prove, &b) >= 2);
    assert_true (alloc_walk (s_batch_verify, &b) >= 1);
    for (int j = 0; j < BATCH; j++)
        mpz_clears (b.cts [j], b.parts [j], NULL);
    he_proof_clear (&b.proof);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_every_subset_decrypts),
        cmocka_unit_test (test_fewer_than_t_learn_nothing_useful),
        cmocka_unit_test (test_proofs_catch_corruption),
        cmocka_unit_test (test_prepared_nonces),
        cmocka_unit_test (test_batch_proof),
        cmocka_unit_test (test_combine_bad_indices),
        cmocka_unit_test (test_homomorphic_sum_then_threshold),
        cmocka_unit_test (test_bad_parameters),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
