/*  Unit tests for he/threshold.c. Keys are 512-bit: insecure test fixtures
    chosen for speed; the scheme's code path is the same at 2048 bits.
    Besides decryption and proofs on the good path, proofs are checked
    against their documented hash by code written here, the response is
    checked to hide the share, a forged batch is shown to need the full
    coefficient width, and every hashed input of a proof is shown to be
    bound to it (on a key dealt by the test with an element of order 3). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "he/he_internal.h"
#include "he/serial.h"
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

    //  The coordinator's rule: keep the shares whose proofs verify. Every
    //  party proves what it sent, party 2 its corrupted partial (with its
    //  real share: no proof can make a wrong partial right); exactly party
    //  2 is left out.
    unsigned idx [PARTIES], left_out = 0;
    mpz_t good [PARTIES];
    size_t k = 0;
    for (int i = 0; i < PARTIES; i++) {
        he_proof_t fresh;
        he_proof_init (&fresh);
        assert_int_equal (he_partial_prove (&fresh, s_shares [i], c, ci [i]), 0);
        if (he_partial_verify (s_vk, (unsigned) i + 1, c, ci [i], &fresh) == 0) {
            idx [k] = (unsigned) i + 1;
            mpz_init_set (good [k++], ci [i]);
        }
        else {
            assert_int_equal (left_out, 0);
            left_out = (unsigned) i + 1;
        }
        he_proof_clear (&fresh);
    }
    assert_int_equal (left_out, 2);
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

//  The response z = r + e Delta s_i is public; the nonce r must be so much
//  longer than e Delta s_i that z says nothing about s_i (statistical
//  hiding, DJ01 s.4.1): r must span at least 128 bits more than e Delta s_i
//  can (e < 2^256), or z / (e Delta) would give s_i away. The test knows
//  s_i, so it recovers r = z - e Delta s_i from proofs made without and
//  with the prover's constant-time table, and from a batched proof.
static void
s_check_hiding (const he_proof_t *proof, const he_share_t *share)
{
    mpz_t delta, ed, r, most, guess;
    mpz_inits (delta, ed, r, most, guess, NULL);
    mpz_fac_ui (delta, he_share_parties (share));
    mpz_mul (ed, proof->e, delta);
    mpz_mul (r, ed, he_share_secret (share));
    mpz_sub (r, proof->z, r);
    assert_true (mpz_sgn (r) > 0);
    //  The most e Delta s_i can be for this share: 2^256 Delta s_i.
    mpz_mul (most, delta, he_share_secret (share));
    mpz_mul_2exp (most, most, 256);
    assert_true (mpz_sizeinbase (r, 2) >= mpz_sizeinbase (most, 2) + 128);
    //  So the share cannot be read off the response.
    mpz_fdiv_q (guess, proof->z, ed);
    assert_int_not_equal (mpz_cmp (guess, he_share_secret (share)), 0);
    mpz_clears (delta, ed, r, most, guess, NULL);
}

static void
test_response_hides_share (void **state)
{
    (void) state;
    he_share_t *share = s_shares [4];
    mpz_t m, c, ci;
    mpz_inits (m, c, ci, NULL);
    mpz_set_ui (m, 31337);
    assert_int_equal (he_encrypt (c, s_pk, m), 0);
    assert_int_equal (he_partial_decrypt (ci, share, c), 0);
    for (int k = 0; k < 12; k++) {
        if (k == 6)
            assert_int_equal (he_share_precompute (share), 0);
        he_proof_t proof;
        he_proof_init (&proof);
        assert_int_equal (he_partial_prove (&proof, share, c, ci), 0);
        assert_int_equal (he_partial_verify (s_vk, 5, c, ci, &proof), 0);
        s_check_hiding (&proof, share);
        he_proof_clear (&proof);
    }
    mpz_t cts [BATCH], parts [BATCH];
    he_proof_t proof;
    s_batch_fixture (cts, parts, &proof, 5);
    assert_int_equal (VERIFY (5, "s1", 7, cts, parts, BATCH, &proof), 0);
    s_check_hiding (&proof, share);
    for (int j = 0; j < BATCH; j++)
        mpz_clears (cts [j], parts [j], NULL);
    he_proof_clear (&proof);
    mpz_clears (m, c, ci, NULL);
}

//  A party whose partial decryption is consistent with some exponent, but
//  not with the one its verification key commits to (a share that is not
//  its own), is refused: the ciphertext side of its proof holds, the
//  verification-key side does not.
static void
test_proof_binds_share_to_key (void **state)
{
    (void) state;
    const he_share_t *one = s_shares [0], *two = s_shares [1];
    he_share_t *wrong = he_share_new (he_share_n (one), PARTIES, THRESHOLD, 1,
                                      he_share_secret (two), he_share_v (one), he_share_vi (one));
    assert_non_null (wrong);
    mpz_t m, c, ci;
    mpz_inits (m, c, ci, NULL);
    mpz_set_ui (m, 2718);
    assert_int_equal (he_encrypt (c, s_pk, m), 0);
    assert_int_equal (he_partial_decrypt (ci, wrong, c), 0);
    he_proof_t proof;
    he_proof_init (&proof);
    assert_int_equal (he_partial_prove (&proof, wrong, c, ci), 0);
    assert_int_equal (he_partial_verify (s_vk, 1, c, ci, &proof), -1);
    assert_non_null (strstr (util_last_error (), "does not verify"));
    //  The same partial is party 2's, and proves as such.
    assert_int_equal (he_partial_prove (&proof, two, c, ci), 0);
    assert_int_equal (he_partial_verify (s_vk, 2, c, ci, &proof), 0);
    he_proof_clear (&proof);
    he_share_destroy (&wrong);
    mpz_clears (m, c, ci, NULL);
}

//  ---------------------------------------------------------------------
//  Proofs checked from their documentation alone. threshold.h and
//  docs/protocol.md ("Batched proof") say what is hashed; the encoding is
//  integers as a 4-byte big-endian length and big-endian bytes, indices,
//  rounds and counts as 4 big-endian bytes, a domain tag with its
//  terminating NUL, a study id as its 4-byte length and bytes. The test
//  does the arithmetic and the hashing itself, so a proof the library
//  makes must verify here and one made here must verify in the library:
//  a field left out of a hash, or coefficients cut short, shows.

#define REF_PROOF_DOMAIN "cohort/he/partial-decryption-proof/v1"
#define REF_BATCH_DOMAIN "cohort/he/batched-partial-decryption-proof/v1"
#define REF_RHO_DOMAIN   "cohort/he/batch-coefficients/v1"

//  The public values a proof is about: n, v and the prover's v_i and index.
typedef struct {
    mpz_srcptr n, v, vi;
    unsigned index;
} ref_key_t;

static ref_key_t
s_ref_key (const he_verify_t *vk, unsigned index)
{
    return (ref_key_t) { he_verify_n (vk), he_verify_v (vk), he_verify_key (vk, index), index };
}

//  Batch coefficients in full, or cut to their high or low 8 bits.
typedef enum { REF_RHO_FULL, REF_RHO_HIGH8, REF_RHO_LOW8 } ref_cut_t;

static void
s_ref_bytes (EVP_MD_CTX *ctx, const void *data, size_t len)
{
    assert_int_equal (EVP_DigestUpdate (ctx, data, len), 1);
}

static void
s_ref_u32 (EVP_MD_CTX *ctx, uint32_t x)
{
    unsigned char b [4] = { (unsigned char) (x >> 24), (unsigned char) (x >> 16),
                            (unsigned char) (x >> 8), (unsigned char) x };
    s_ref_bytes (ctx, b, 4);
}

static void
s_ref_mpz (EVP_MD_CTX *ctx, const mpz_t x)
{
    size_t written = 0;
    unsigned char *buf = malloc ((mpz_sizeinbase (x, 2) + 7) / 8);
    assert_non_null (buf);
    mpz_export (buf, &written, 1, 1, 0, 0, x);
    s_ref_u32 (ctx, (uint32_t) written);
    s_ref_bytes (ctx, buf, written);
    free (buf);
}

//  seed = SHA-256(domain, n, v, v_i, index, round, m, study id, c_1..c_m,
//  p_1..p_m); rho_j = the first 128 bits of SHA-256(seed || j).
static void
s_ref_rho (mpz_t *rho, ref_cut_t cut, ref_key_t key, const char *study, uint32_t round,
           const mpz_t *cts, const mpz_t *parts, size_t count)
{
    unsigned char seed [32], digest [32];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
    assert_non_null (ctx);
    assert_int_equal (EVP_DigestInit_ex (ctx, EVP_sha256 (), NULL), 1);
    s_ref_bytes (ctx, REF_RHO_DOMAIN, sizeof REF_RHO_DOMAIN);
    s_ref_mpz (ctx, key.n);
    s_ref_mpz (ctx, key.v);
    s_ref_mpz (ctx, key.vi);
    s_ref_u32 (ctx, key.index);
    s_ref_u32 (ctx, round);
    s_ref_u32 (ctx, (uint32_t) count);
    s_ref_u32 (ctx, (uint32_t) strlen (study));
    s_ref_bytes (ctx, study, strlen (study));
    for (size_t j = 0; j < count; j++)
        s_ref_mpz (ctx, cts [j]);
    for (size_t j = 0; j < count; j++)
        s_ref_mpz (ctx, parts [j]);
    assert_int_equal (EVP_DigestFinal_ex (ctx, seed, NULL), 1);
    for (size_t j = 0; j < count; j++) {
        assert_int_equal (EVP_DigestInit_ex (ctx, EVP_sha256 (), NULL), 1);
        s_ref_bytes (ctx, seed, sizeof seed);
        s_ref_u32 (ctx, (uint32_t) j);
        assert_int_equal (EVP_DigestFinal_ex (ctx, digest, NULL), 1);
        mpz_import (rho [j], 16, 1, 1, 0, 0, digest);
        if (cut == REF_RHO_HIGH8)
            mpz_tdiv_q_2exp (rho [j], rho [j], 120);
        else
        if (cut == REF_RHO_LOW8)
            mpz_tdiv_r_2exp (rho [j], rho [j], 8);
    }
    EVP_MD_CTX_free (ctx);
}

//  e = SHA-256(domain, n, index, C^4, P^2, v, v_i, a, b).
static void
s_ref_challenge (mpz_t e, const char *domain, ref_key_t key, const mpz_t c4, const mpz_t p2,
                 const mpz_t a, const mpz_t b)
{
    unsigned char digest [32];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
    assert_non_null (ctx);
    assert_int_equal (EVP_DigestInit_ex (ctx, EVP_sha256 (), NULL), 1);
    s_ref_bytes (ctx, domain, strlen (domain) + 1);
    s_ref_mpz (ctx, key.n);
    s_ref_u32 (ctx, key.index);
    s_ref_mpz (ctx, c4);
    s_ref_mpz (ctx, p2);
    s_ref_mpz (ctx, key.v);
    s_ref_mpz (ctx, key.vi);
    s_ref_mpz (ctx, a);
    s_ref_mpz (ctx, b);
    assert_int_equal (EVP_DigestFinal_ex (ctx, digest, NULL), 1);
    mpz_import (e, sizeof digest, 1, 1, 0, 0, digest);
    EVP_MD_CTX_free (ctx);
}

//  The statement's C^4 and P^2 mod n^2: C = cts[0] and P = parts[0] when
//  rho is NULL, else C = prod cts[j]^rho[j] and P = prod parts[j]^rho[j].
static void
s_ref_statement (mpz_t c4, mpz_t p2, const mpz_t n2, const mpz_t *cts, const mpz_t *parts,
                 const mpz_t *rho, size_t count)
{
    if (rho) {
        mpz_t t;
        mpz_init (t);
        mpz_set_ui (c4, 1);
        mpz_set_ui (p2, 1);
        for (size_t j = 0; j < count; j++) {
            mpz_powm (t, cts [j], rho [j], n2);
            mpz_mul (c4, c4, t);
            mpz_mod (c4, c4, n2);
            mpz_powm (t, parts [j], rho [j], n2);
            mpz_mul (p2, p2, t);
            mpz_mod (p2, p2, n2);
        }
        mpz_clear (t);
    }
    else {
        mpz_set (c4, cts [0]);
        mpz_set (p2, parts [0]);
    }
    mpz_powm_ui (c4, c4, 4, n2);
    mpz_powm_ui (p2, p2, 2, n2);
}

//  True if a = (C^4)^z (P^2)^-e and b = v^z v_i^-e hash back to e.
static bool
s_ref_verify (ref_key_t key, const char *domain, const mpz_t *cts, const mpz_t *parts,
              const mpz_t *rho, size_t count, const he_proof_t *proof)
{
    mpz_t n2, c4, p2, ne, a, b, t;
    mpz_inits (n2, c4, p2, ne, a, b, t, NULL);
    mpz_mul (n2, key.n, key.n);
    s_ref_statement (c4, p2, n2, cts, parts, rho, count);
    mpz_neg (ne, proof->e);
    mpz_powm (a, c4, proof->z, n2);
    mpz_powm (t, p2, ne, n2);
    mpz_mul (a, a, t);
    mpz_mod (a, a, n2);
    mpz_powm (b, key.v, proof->z, n2);
    mpz_powm (t, key.vi, ne, n2);
    mpz_mul (b, b, t);
    mpz_mod (b, b, n2);
    s_ref_challenge (t, domain, key, c4, p2, a, b);
    bool ok = mpz_cmp (t, proof->e) == 0;
    mpz_clears (n2, c4, p2, ne, a, b, t, NULL);
    return ok;
}

//  A proof made here for the same statement with `share`: a nonce r of
//  |n^2| + |Delta| + 512 bits, a = (C^4)^r, b = v^r, z = r + e Delta s_i.
static void
s_ref_prove (he_proof_t *proof, const he_share_t *share, const char *domain, const mpz_t *cts,
             const mpz_t *parts, const mpz_t *rho, size_t count)
{
    ref_key_t key = { he_share_n (share), he_share_v (share), he_share_vi (share),
                      he_share_index (share) };
    mpz_t n2, c4, p2, delta, r, a, b;
    mpz_inits (n2, c4, p2, delta, r, a, b, NULL);
    mpz_mul (n2, key.n, key.n);
    mpz_fac_ui (delta, he_share_parties (share));
    s_ref_statement (c4, p2, n2, cts, parts, rho, count);
    assert_int_equal (he_random_bits (r, mpz_sizeinbase (n2, 2) + mpz_sizeinbase (delta, 2) + 512),
                      0);
    mpz_powm (a, c4, r, n2);
    mpz_powm (b, key.v, r, n2);
    s_ref_challenge (proof->e, domain, key, c4, p2, a, b);
    mpz_mul (proof->z, proof->e, delta);
    mpz_mul (proof->z, proof->z, he_share_secret (share));
    mpz_add (proof->z, proof->z, r);
    mpz_clears (n2, c4, p2, delta, r, a, b, NULL);
}

//  The library's proofs verify under the documented hash, under their own
//  domain and party only, and proofs made here verify in the library.
static void
test_proofs_follow_documented_hash (void **state)
{
    (void) state;
    mpz_t m, c, ci, cts [BATCH], parts [BATCH], rho [BATCH];
    he_proof_t proof, batch;
    mpz_inits (m, c, ci, NULL);
    mpz_set_ui (m, 77);
    assert_int_equal (he_encrypt (c, s_pk, m), 0);
    assert_int_equal (he_partial_decrypt (ci, s_shares [2], c), 0);
    he_proof_init (&proof);
    assert_int_equal (he_partial_prove (&proof, s_shares [2], c, ci), 0);
    const mpz_t *one_c = (const mpz_t *) &c, *one_ci = (const mpz_t *) &ci;
    assert_true (s_ref_verify (s_ref_key (s_vk, 3), REF_PROOF_DOMAIN, one_c, one_ci, NULL, 1, &proof));
    assert_false (s_ref_verify (s_ref_key (s_vk, 3), REF_BATCH_DOMAIN, one_c, one_ci, NULL, 1, &proof));
    assert_false (s_ref_verify (s_ref_key (s_vk, 4), REF_PROOF_DOMAIN, one_c, one_ci, NULL, 1, &proof));
    s_ref_prove (&proof, s_shares [2], REF_PROOF_DOMAIN, one_c, one_ci, NULL, 1);
    assert_int_equal (he_partial_verify (s_vk, 3, c, ci, &proof), 0);

    s_batch_fixture (cts, parts, &batch, 2);
    for (int j = 0; j < BATCH; j++)
        mpz_init (rho [j]);
    s_ref_rho (rho, REF_RHO_FULL, s_ref_key (s_vk, 2), "s1", 7, (const mpz_t *) cts,
               (const mpz_t *) parts, BATCH);
    assert_true (s_ref_verify (s_ref_key (s_vk, 2), REF_BATCH_DOMAIN, (const mpz_t *) cts,
                               (const mpz_t *) parts, (const mpz_t *) rho, BATCH, &batch));
    s_ref_prove (&batch, s_shares [1], REF_BATCH_DOMAIN, (const mpz_t *) cts,
                 (const mpz_t *) parts, (const mpz_t *) rho, BATCH);
    assert_int_equal (VERIFY (2, "s1", 7, cts, parts, BATCH, &batch), 0);
    assert_int_equal (VERIFY (2, "s1", 8, cts, parts, BATCH, &batch), -1);
    for (int j = 0; j < BATCH; j++)
        mpz_clears (cts [j], parts [j], rho [j], NULL);
    he_proof_clear (&batch);
    he_proof_clear (&proof);
    mpz_clears (m, c, ci, NULL);
}

//  The batch coefficients are 128 bits wide, and they must be. A site
//  that multiplies p_1 by u = 1 + k n and p_2 by u^-1 moves what the two
//  partials combine to in opposite directions, and the batched check
//  passes exactly when rho_1 = rho_2. Grinding k until the
//  coefficients agree in 8 bits takes about 256 hashes, so with 8-bit
//  coefficients (the high bits, or the low ones) that forgery would pass.
//  For each cut the test grinds such a k, shows that a proof over it
//  passes a check with the cut coefficients (the forgery is real), and
//  that the library refuses it, and that the forged partial would have
//  changed the decrypted value.
static void
test_batch_forgery_needs_wide_coefficients (void **state)
{
    (void) state;
    const he_share_t *share = s_shares [1];
    ref_key_t key = s_ref_key (s_vk, 2);
    mpz_srcptr n = he_pubkey_n (s_pk), n2 = he_pubkey_n2 (s_pk);
    mpz_t m, kn, u, cts [2], parts [2], forged [2], rho [2], cut [2];
    mpz_inits (m, kn, u, NULL);
    for (int j = 0; j < 2; j++) {
        mpz_inits (cts [j], parts [j], forged [j], rho [j], cut [j], NULL);
        mpz_set_ui (m, 1000u * (unsigned) (j + 1));
        assert_int_equal (he_encrypt (cts [j], s_pk, m), 0);
        assert_int_equal (he_partial_decrypt (parts [j], share, cts [j]), 0);
    }
    for (ref_cut_t mode = REF_RHO_HIGH8; mode <= REF_RHO_LOW8; mode++) {
        unsigned long k;
        for (k = 1; k < (1ul << 16); k++) {
            //  u = 1 + k n, u^-1 = 1 - k n mod n^2.
            mpz_mul_ui (kn, n, k);
            mpz_add_ui (u, kn, 1);
            mpz_mul (forged [0], parts [0], u);
            mpz_mod (forged [0], forged [0], n2);
            mpz_sub (u, n2, kn);
            mpz_add_ui (u, u, 1);
            mpz_mul (forged [1], parts [1], u);
            mpz_mod (forged [1], forged [1], n2);
            s_ref_rho (cut, mode, key, "s1", 7, (const mpz_t *) cts, (const mpz_t *) forged, 2);
            if (mpz_cmp (cut [0], cut [1]) == 0)
                break;
        }
        assert_true (k < (1ul << 16));
        s_ref_rho (rho, REF_RHO_FULL, key, "s1", 7, (const mpz_t *) cts, (const mpz_t *) forged, 2);
        assert_int_not_equal (mpz_cmp (rho [0], rho [1]), 0);
        //  With the cut coefficients, a proof of the forged batch checks out.
        he_proof_t proof;
        he_proof_init (&proof);
        s_ref_prove (&proof, share, REF_BATCH_DOMAIN, (const mpz_t *) cts, (const mpz_t *) forged,
                     (const mpz_t *) cut, 2);
        assert_true (s_ref_verify (key, REF_BATCH_DOMAIN, (const mpz_t *) cts,
                                   (const mpz_t *) forged, (const mpz_t *) cut, 2, &proof));
        //  The library refuses the forged batch, whoever made the proof.
        assert_int_equal (VERIFY (2, "s1", 7, cts, forged, 2, &proof), -1);
        he_nonce_t *nonce = he_nonce_new (share);
        assert_int_equal (he_batch_prove (&proof, share, &nonce, "s1", 7, (const mpz_t *) cts,
                                          (const mpz_t *) forged, 2), 0);
        assert_int_equal (VERIFY (2, "s1", 7, cts, forged, 2, &proof), -1);
        assert_non_null (strstr (util_last_error (), "does not verify"));
        he_proof_clear (&proof);
        //  Combined with parties 4 and 5, the forged partial decrypts wrong.
        mpz_t full [THRESHOLD];
        unsigned fidx [THRESHOLD] = { 2, 4, 5 };
        mpz_init_set (full [0], forged [0]);
        mpz_inits (full [1], full [2], NULL);
        assert_int_equal (he_partial_decrypt (full [1], s_shares [3], cts [0]), 0);
        assert_int_equal (he_partial_decrypt (full [2], s_shares [4], cts [0]), 0);
        assert_int_equal (he_combine (m, s_vk, fidx, (const mpz_t *) full, THRESHOLD), 0);
        assert_int_not_equal (mpz_cmp_ui (m, 1000), 0);
        mpz_clears (full [0], full [1], full [2], NULL);
    }
    for (int j = 0; j < 2; j++)
        mpz_clears (cts [j], parts [j], forged [j], rho [j], cut [j], NULL);
    mpz_clears (m, kn, u, NULL);
}

//  ---------------------------------------------------------------------
//  Every input of a proof is bound by its Fiat-Shamir hash. On a key dealt
//  here over n = pq with p = 1 mod 3 (not safe primes: the verifier takes
//  any modulus), Z*_{n^2} holds an element w of order 3. Multiplying c,
//  c_i, v or v_i by w changes what is hashed (c^4, c_i^2, v, v_i) but,
//  when 3 divides the exponent it is raised to in the check (z for c^4
//  and v, e for c_i^2 and v_i), not the commitments a and b the verifier
//  recomputes: only the hash can tell. Likewise a verifier on which two
//  parties have the same key tells them apart by the index alone.

#define O3_PARTIES 3

typedef struct {
    mpz_t n, n2, w, v, vks [O3_PARTIES];
    mpz_t order;                //  n (p-1)(q-1), the order of Z*_{n^2}
    he_share_t *share;          //  party 1's
    he_verify_t *vk;
} s_order3_t;

static void
s_order3_new (s_order3_t *k)
{
    mpz_t p, q, t, s, delta;
    mpz_inits (p, q, t, s, delta, NULL);
    mpz_inits (k->n, k->n2, k->w, k->v, k->order, NULL);
    do
        assert_int_equal (he_prime_generate (p, 256, 0), 0);
    while (mpz_fdiv_ui (p, 3) != 1);
    do
        assert_int_equal (he_prime_generate (q, 256, 0), 0);
    while (mpz_cmp (p, q) == 0);
    mpz_mul (k->n, p, q);
    mpz_mul (k->n2, k->n, k->n);
    mpz_sub_ui (t, p, 1);
    mpz_sub_ui (s, q, 1);
    mpz_mul (k->order, t, s);
    mpz_mul (k->order, k->order, k->n);
    //  w_p = g^((p-1)/3) mod p of order 3; w = 1 mod q; lifted to the n-th
    //  powers, where it keeps order 3 modulo n^2.
    mpz_sub_ui (t, p, 1);
    mpz_divexact_ui (t, t, 3);
    for (unsigned long g = 2; ; g++) {
        mpz_set_ui (s, g);
        mpz_powm (s, s, t, p);
        if (mpz_cmp_ui (s, 1) != 0)
            break;
    }
    mpz_sub_ui (s, s, 1);               //  w = 1 + q ((w_p - 1) q^-1 mod p)
    assert_true (mpz_invert (t, q, p));
    mpz_mul (s, s, t);
    mpz_mod (s, s, p);
    mpz_mul (s, s, q);
    mpz_add_ui (s, s, 1);
    mpz_powm (k->w, s, k->n, k->n2);
    assert_int_not_equal (mpz_cmp_ui (k->w, 1), 0);
    mpz_powm_ui (t, k->w, 3, k->n2);
    assert_int_equal (mpz_cmp_ui (t, 1), 0);
    //  v a random square; s_i random; v_i = v^(Delta s_i).
    assert_int_equal (he_random_unit (k->v, k->n2), 0);
    mpz_powm_ui (k->v, k->v, 2, k->n2);
    mpz_fac_ui (delta, O3_PARTIES);
    for (unsigned i = 0; i < O3_PARTIES; i++) {
        assert_int_equal (he_random_below (s, k->n2), 0);
        mpz_mul (t, s, delta);
        mpz_init (k->vks [i]);
        mpz_powm (k->vks [i], k->v, t, k->n2);
        if (i == 0) {
            k->share = he_share_new (k->n, O3_PARTIES, 2, 1, s, k->v, k->vks [0]);
            assert_non_null (k->share);
        }
    }
    k->vk = he_verify_new (k->n, O3_PARTIES, 2, k->v, (const mpz_t *) k->vks);
    assert_non_null (k->vk);
    mpz_clears (p, q, t, s, delta, NULL);
}

static void
s_order3_destroy (s_order3_t *k)
{
    he_share_destroy (&k->share);
    he_verify_destroy (&k->vk);
    for (unsigned i = 0; i < O3_PARTIES; i++)
        mpz_clear (k->vks [i]);
    mpz_clears (k->n, k->n2, k->w, k->v, k->order, NULL);
}

//  A verifier for the order-3 key with v or party 1's key replaced.
static he_verify_t *
s_order3_verifier (const s_order3_t *k, const mpz_t v, const mpz_t v1, unsigned dup)
{
    mpz_t vks [O3_PARTIES];
    for (unsigned i = 0; i < O3_PARTIES; i++)
        mpz_init_set (vks [i], i == 0? v1: k->vks [i]);
    if (dup)                            //  party `dup` gets party 1's key
        mpz_set (vks [dup - 1], v1);
    he_verify_t *vk = he_verify_new (k->n, O3_PARTIES, 2, v, (const mpz_t *) vks);
    assert_non_null (vk);
    for (unsigned i = 0; i < O3_PARTIES; i++)
        mpz_clear (vks [i]);
    return vk;
}

//  The commitments a = (c^4)^z (c_i^2)^-e and b = v^z v_i^-e that a
//  verifier recomputes.
static void
s_commitments (mpz_t a, mpz_t b, const mpz_t n2, const mpz_t c, const mpz_t ci, const mpz_t v,
               const mpz_t vi, const he_proof_t *proof)
{
    mpz_t t, ne;
    mpz_inits (t, ne, NULL);
    mpz_neg (ne, proof->e);
    mpz_powm_ui (a, c, 4, n2);
    mpz_powm (a, a, proof->z, n2);
    mpz_powm_ui (t, ci, 2, n2);
    mpz_powm (t, t, ne, n2);
    mpz_mul (a, a, t);
    mpz_mod (a, a, n2);
    mpz_powm (b, v, proof->z, n2);
    mpz_powm (t, vi, ne, n2);
    mpz_mul (b, b, t);
    mpz_mod (b, b, n2);
    mpz_clears (t, ne, NULL);
}

static void
test_proof_binds_every_input (void **state)
{
    (void) state;
    s_order3_t k;
    s_order3_new (&k);
    mpz_t c, ci, x, a, b, a2, b2;
    mpz_inits (c, ci, x, a, b, a2, b2, NULL);
    assert_int_equal (he_random_unit (c, k.n2), 0);
    assert_int_equal (he_partial_decrypt (ci, k.share, c), 0);
    //  Proofs until one has 3 | z and one has 3 | e (1/3 each).
    he_proof_t by_z, by_e;
    he_proof_init (&by_z);
    he_proof_init (&by_e);
    bool have_z = false, have_e = false;
    for (int tries = 0; tries < 200 && !(have_z && have_e); tries++) {
        he_proof_t proof;
        he_proof_init (&proof);
        assert_int_equal (he_partial_prove (&proof, k.share, c, ci), 0);
        assert_int_equal (he_partial_verify (k.vk, 1, c, ci, &proof), 0);
        if (!have_z && mpz_divisible_ui_p (proof.z, 3)) {
            mpz_set (by_z.e, proof.e);
            mpz_set (by_z.z, proof.z);
            have_z = true;
        }
        else
        if (!have_e && mpz_divisible_ui_p (proof.e, 3)) {
            mpz_set (by_e.e, proof.e);
            mpz_set (by_e.z, proof.z);
            have_e = true;
        }
        he_proof_clear (&proof);
    }
    assert_true (have_z && have_e);

    //  The index: party 2 holding party 1's key is still not party 1.
    he_verify_t *vk = s_order3_verifier (&k, k.v, k.vks [0], 2);
    assert_int_equal (he_partial_verify (vk, 1, c, ci, &by_z), 0);
    assert_int_equal (he_partial_verify (vk, 2, c, ci, &by_z), -1);
    he_verify_destroy (&vk);

    //  c -> c w (3 | z): same a and b, another c^4.
    s_commitments (a, b, k.n2, c, ci, k.v, k.vks [0], &by_z);
    mpz_mul (x, c, k.w);
    mpz_mod (x, x, k.n2);
    s_commitments (a2, b2, k.n2, x, ci, k.v, k.vks [0], &by_z);
    assert_true (mpz_cmp (a, a2) == 0 && mpz_cmp (b, b2) == 0);
    assert_int_equal (he_partial_verify (k.vk, 1, x, ci, &by_z), -1);

    //  c_i -> c_i w (3 | e): same a and b, another c_i^2.
    s_commitments (a, b, k.n2, c, ci, k.v, k.vks [0], &by_e);
    mpz_mul (x, ci, k.w);
    mpz_mod (x, x, k.n2);
    s_commitments (a2, b2, k.n2, c, x, k.v, k.vks [0], &by_e);
    assert_true (mpz_cmp (a, a2) == 0 && mpz_cmp (b, b2) == 0);
    assert_int_equal (he_partial_verify (k.vk, 1, c, x, &by_e), -1);

    //  v -> v w (3 | z): same b.
    s_commitments (a, b, k.n2, c, ci, k.v, k.vks [0], &by_z);
    mpz_mul (x, k.v, k.w);
    mpz_mod (x, x, k.n2);
    s_commitments (a2, b2, k.n2, c, ci, x, k.vks [0], &by_z);
    assert_true (mpz_cmp (a, a2) == 0 && mpz_cmp (b, b2) == 0);
    vk = s_order3_verifier (&k, x, k.vks [0], 0);
    assert_int_equal (he_partial_verify (vk, 1, c, ci, &by_z), -1);
    he_verify_destroy (&vk);

    //  v_i -> v_i w (3 | e): same b.
    s_commitments (a, b, k.n2, c, ci, k.v, k.vks [0], &by_e);
    mpz_mul (x, k.vks [0], k.w);
    mpz_mod (x, x, k.n2);
    s_commitments (a2, b2, k.n2, c, ci, k.v, x, &by_e);
    assert_true (mpz_cmp (a, a2) == 0 && mpz_cmp (b, b2) == 0);
    vk = s_order3_verifier (&k, k.v, x, 0);
    assert_int_equal (he_partial_verify (vk, 1, c, ci, &by_e), -1);
    he_verify_destroy (&vk);

    //  Untouched, both proofs still verify.
    assert_int_equal (he_partial_verify (k.vk, 1, c, ci, &by_z), 0);
    assert_int_equal (he_partial_verify (k.vk, 1, c, ci, &by_e), 0);
    he_proof_clear (&by_z);
    he_proof_clear (&by_e);
    mpz_clears (c, ci, x, a, b, a2, b2, NULL);
    s_order3_destroy (&k);
}

//  A response longer than any honest one is refused, although it passes
//  every equation of the check. The prover's nonce r has |n^2| + |Delta| +
//  2 x 256 bits (DJ01 s.4.1: that much longer than e Delta s_i, e < 2^256),
//  so an honest z = r + e Delta s_i has at most one bit more. On the key
//  dealt above the test knows the order n (p-1)(q-1) of Z*_{n^2}, and
//  z' = z + k n (p-1)(q-1) leaves (c^4)^z' = (c^4)^z and v^z' = v^z: the
//  commitments, and so the hash, are unchanged, and only the range check
//  can tell. Without it one valid proof would have endless valid forms,
//  as long as the sender likes (and as costly to check). Both sides of the
//  bound, for a single proof and for a batched one.
#define Z_BATCH 3

//  out = z + k order with exactly `bits` bits (k >= 0 the least that
//  reaches them); order must have fewer than bits - 1 bits.
static void
s_lengthen (mpz_t out, const mpz_t z, const mpz_t order, size_t bits)
{
    mpz_t k;
    mpz_init (k);
    mpz_set (out, z);
    mpz_setbit (k, bits - 1);
    mpz_sub (k, k, z);
    if (mpz_sgn (k) > 0) {
        mpz_cdiv_q (k, k, order);
        mpz_addmul (out, k, order);
    }
    assert_int_equal (mpz_sizeinbase (out, 2), bits);
    mpz_clear (k);
}

static void
test_proof_response_range (void **state)
{
    (void) state;
    s_order3_t k;
    s_order3_new (&k);
    mpz_t delta, c, ci, a, b, a2, b2, cts [Z_BATCH], parts [Z_BATCH];
    mpz_inits (delta, c, ci, a, b, a2, b2, NULL);
    mpz_fac_ui (delta, O3_PARTIES);
    //  The longest honest response: nonce bits, plus one for the carry.
    size_t honest = mpz_sizeinbase (k.n2, 2) + mpz_sizeinbase (delta, 2) + 2 * 256 + 1;
    assert_true (mpz_sizeinbase (k.order, 2) < honest - 1);
    assert_int_equal (he_random_unit (c, k.n2), 0);
    assert_int_equal (he_partial_decrypt (ci, k.share, c), 0);
    for (int j = 0; j < Z_BATCH; j++) {
        mpz_inits (cts [j], parts [j], NULL);
        assert_int_equal (he_random_unit (cts [j], k.n2), 0);
        assert_int_equal (he_partial_decrypt (parts [j], k.share, cts [j]), 0);
    }
    he_proof_t proof, batch, longer;
    he_proof_init (&proof);
    he_proof_init (&batch);
    he_proof_init (&longer);
    assert_int_equal (he_partial_prove (&proof, k.share, c, ci), 0);
    assert_true (mpz_sizeinbase (proof.z, 2) <= honest);
    he_nonce_t *nonce = he_nonce_new (k.share);
    assert_int_equal (he_batch_prove (&batch, k.share, &nonce, "s1", 7, (const mpz_t *) cts,
                                      (const mpz_t *) parts, Z_BATCH), 0);
    assert_true (mpz_sizeinbase (batch.z, 2) <= honest);
    //  Lengths from the honest maximum up, past where a loose bound of a
    //  few dozen bits would stop.
    const size_t extra [] = { 0, 1, 2, 31, 62, 63, 64, 200 };
    for (size_t x = 0; x < sizeof extra / sizeof extra [0]; x++) {
        size_t bits = honest + extra [x];
        int want = extra [x] == 0? 0: -1;
        mpz_set (longer.e, proof.e);
        s_lengthen (longer.z, proof.z, k.order, bits);
        //  The same commitments: the longer response is the same proof.
        s_commitments (a, b, k.n2, c, ci, k.v, k.vks [0], &proof);
        s_commitments (a2, b2, k.n2, c, ci, k.v, k.vks [0], &longer);
        assert_true (mpz_cmp (a, a2) == 0 && mpz_cmp (b, b2) == 0);
        if (he_partial_verify (k.vk, 1, c, ci, &longer) != want)
            fail_msg ("a %zu-bit response (honest at most %zu): %s", bits, honest,
                      want? "accepted": "refused");
        if (want)
            assert_non_null (strstr (util_last_error (), "out-of-range"));
        mpz_set (longer.e, batch.e);
        s_lengthen (longer.z, batch.z, k.order, bits);
        if (he_batch_verify (k.vk, 1, "s1", 7, (const mpz_t *) cts, (const mpz_t *) parts,
                             Z_BATCH, &longer) != want)
            fail_msg ("a %zu-bit batched response (honest at most %zu): %s", bits, honest,
                      want? "accepted": "refused");
    }
    //  The proofs themselves still verify.
    assert_int_equal (he_partial_verify (k.vk, 1, c, ci, &proof), 0);
    assert_int_equal (he_batch_verify (k.vk, 1, "s1", 7, (const mpz_t *) cts,
                                       (const mpz_t *) parts, Z_BATCH, &batch), 0);
    for (int j = 0; j < Z_BATCH; j++)
        mpz_clears (cts [j], parts [j], NULL);
    he_proof_clear (&proof);
    he_proof_clear (&batch);
    he_proof_clear (&longer);
    mpz_clears (delta, c, ci, a, b, a2, b2, NULL);
    s_order3_destroy (&k);
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

//  Combining partials that do not fit together is an error, never a
//  plaintext. Partials of one ciphertext combine to c^(4 Delta^2 d) = 1 + x n
//  (mod n^2), so the L function is exact; a partial multiplied by a unit u
//  with u^(2 lambda_i) != 1 mod n (here 2, or a random unit), or the
//  partials of two ciphertexts mixed, leave a combination that is not
//  1 mod n, and what it gives is no plaintext. (A factor 1 + k n fits and
//  shifts the result: only proofs catch that, test_proofs_catch_corruption;
//  a factor -1 fits and changes nothing, test_batch_proof.) Called
//  directly, without proofs, as a caller that skipped them would.
static void
test_combine_inconsistent_partials (void **state)
{
    (void) state;
    mpz_srcptr n2 = he_pubkey_n2 (s_pk);
    mpz_t m, c, c2, out, u, ci [THRESHOLD], saved;
    mpz_inits (m, c, c2, out, u, saved, NULL);
    unsigned idx [THRESHOLD] = { 1, 3, 5 };
    mpz_set_ui (m, 5551212);
    assert_int_equal (he_encrypt (c, s_pk, m), 0);
    assert_int_equal (he_encrypt (c2, s_pk, m), 0);
    for (int k = 0; k < THRESHOLD; k++) {
        mpz_init (ci [k]);
        assert_int_equal (he_partial_decrypt (ci [k], s_shares [idx [k] - 1], c), 0);
    }
    assert_int_equal (he_combine (out, s_vk, idx, (const mpz_t *) ci, THRESHOLD), 0);
    assert_int_equal (mpz_cmp (out, m), 0);
    //  Each position in turn, times 2 and times a random unit.
    int refused = 0;
    for (int k = 0; k < THRESHOLD; k++)
        for (int f = 0; f < 2; f++) {
            if (f == 0)
                mpz_set_ui (u, 2);
            else
                assert_int_equal (he_random_unit (u, n2), 0);
            mpz_set (saved, ci [k]);
            mpz_mul (ci [k], ci [k], u);
            mpz_mod (ci [k], ci [k], n2);
            mpz_set_ui (out, 0);
            if (he_combine (out, s_vk, idx, (const mpz_t *) ci, THRESHOLD) != -1)
                fail_msg ("party %u's partial times %s combined, to %s", idx [k],
                          f? "a random unit": "2", mpz_cmp (out, m)? "a wrong value": "m");
            assert_non_null (strstr (util_last_error (), "inconsistent"));
            refused++;
            mpz_set (ci [k], saved);
        }
    assert_int_equal (refused, 2 * THRESHOLD);
    //  Party 5's partial of another encryption of the same value.
    assert_int_equal (he_partial_decrypt (ci [2], s_shares [4], c2), 0);
    assert_int_equal (he_combine (out, s_vk, idx, (const mpz_t *) ci, THRESHOLD), -1);
    assert_non_null (strstr (util_last_error (), "inconsistent"));
    //  Put back, the partials combine again.
    assert_int_equal (he_partial_decrypt (ci [2], s_shares [4], c), 0);
    assert_int_equal (he_combine (out, s_vk, idx, (const mpz_t *) ci, THRESHOLD), 0);
    assert_int_equal (mpz_cmp (out, m), 0);
    for (int k = 0; k < THRESHOLD; k++)
        mpz_clear (ci [k]);
    mpz_clears (m, c, c2, out, u, saved, NULL);
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

//  A consortium of `parties` (up to HE_PARTIES_MAX): Delta = l! is then
//  hundreds of bits (525 at 100, 1684 at 256). The last t parties decrypt
//  a sum (the largest Lagrange coefficients), each proves its partials
//  with one batched proof that survives serialisation (the response grows
//  with |Delta|), and a wrong partial is still caught.
static void
s_many_parties (unsigned parties, unsigned threshold)
{
    he_pubkey_t *pk = NULL;
    he_verify_t *vk = NULL;
    he_share_t **sh = NULL;
    assert_int_equal (he_threshold_keygen (&pk, &vk, &sh, 512, parties, threshold), 0);
    assert_int_equal (he_verify_parties (vk), parties);
    mpz_t agg, m, x, cts [2];
    mpz_inits (agg, m, x, cts [0], cts [1], NULL);
    //  Every party adds 7: the aggregate holds 7 l.
    mpz_t *each = calloc (parties, sizeof (mpz_t));
    assert_non_null (each);
    mpz_set_ui (m, 7);
    for (unsigned i = 0; i < parties; i++) {
        mpz_init (each [i]);
        assert_int_equal (he_encrypt (each [i], pk, m), 0);
    }
    assert_int_equal (he_sum (agg, pk, (const mpz_t *) each, parties), 0);
    for (unsigned i = 0; i < parties; i++)
        mpz_clear (each [i]);
    free (each);
    mpz_set (cts [0], agg);
    mpz_set_ui (m, 12345);
    assert_int_equal (he_encrypt (cts [1], pk, m), 0);
    mpz_t *col0 = calloc (threshold, sizeof (mpz_t)), *col1 = calloc (threshold, sizeof (mpz_t));
    unsigned *idx = calloc (threshold, sizeof *idx);
    assert_non_null (col0);
    assert_non_null (col1);
    assert_non_null (idx);
    for (unsigned k = 0; k < threshold; k++) {
        unsigned index = parties - threshold + 1 + k;
        const he_share_t *share = sh [index - 1];
        idx [k] = index;
        mpz_init (col0 [k]);
        mpz_init (col1 [k]);
        assert_int_equal (he_partial_decrypt (col0 [k], share, cts [0]), 0);
        assert_int_equal (he_partial_decrypt (col1 [k], share, cts [1]), 0);
        //  The first and the last of them prove, through the wire format.
        if (k && k + 1 < threshold)
            continue;
        mpz_t parts [2];
        mpz_init_set (parts [0], col0 [k]);
        mpz_init_set (parts [1], col1 [k]);
        he_proof_t proof, *back = NULL;
        he_proof_init (&proof);
        he_nonce_t *nonce = he_nonce_new (share);
        assert_int_equal (he_batch_prove (&proof, share, &nonce, "many", 1,
                                          (const mpz_t *) cts, (const mpz_t *) parts, 2), 0);
        uint8_t *buf = NULL;
        size_t len = 0, n = 0;
        assert_int_equal (he_proofs_serialize (&buf, &len, pk, &proof, 1), 0);
        assert_int_equal (he_proofs_deserialize (&back, &n, pk, buf, len, 1), 0);
        assert_int_equal (n, 1);
        assert_int_equal (he_batch_verify (vk, index, "many", 1, (const mpz_t *) cts,
                                           (const mpz_t *) parts, 2, &back [0]), 0);
        //  Another party's index, or a wrong partial, does not verify.
        assert_int_equal (he_batch_verify (vk, index == 1? 2: index - 1, "many", 1,
                                           (const mpz_t *) cts, (const mpz_t *) parts, 2,
                                           &back [0]), -1);
        mpz_mul (parts [1], parts [1], parts [1]);
        mpz_mod (parts [1], parts [1], he_pubkey_n2 (pk));
        assert_int_equal (he_batch_verify (vk, index, "many", 1, (const mpz_t *) cts,
                                           (const mpz_t *) parts, 2, &back [0]), -1);
        assert_int_equal (util_last_code (), UTIL_ECRYPTO);
        he_proofs_free (&back, n);
        free (buf);
        he_proof_clear (&proof);
        mpz_clears (parts [0], parts [1], NULL);
    }
    assert_int_equal (he_combine (x, vk, idx, (const mpz_t *) col0, threshold), 0);
    assert_int_equal (mpz_get_ui (x), 7ul * parties);
    assert_int_equal (he_combine (x, vk, idx, (const mpz_t *) col1, threshold), 0);
    assert_int_equal (mpz_get_ui (x), 12345);
    for (unsigned k = 0; k < threshold; k++)
        mpz_clears (col0 [k], col1 [k], NULL);
    free (col0);
    free (col1);
    free (idx);
    mpz_clears (agg, m, x, cts [0], cts [1], NULL);
    support_he_keys_destroy (&pk, &vk, &sh, parties);
}

static void
test_hundred_parties (void **state)
{
    (void) state;
    s_many_parties (100, 51);
}

static void
test_most_parties (void **state)
{
    (void) state;
    s_many_parties (HE_PARTIES_MAX, 2);
    //  Delta = HE_PARTIES_MAX! fits the serialised response's bound.
    mpz_t d;
    mpz_init (d);
    mpz_fac_ui (d, HE_PARTIES_MAX);
    assert_int_equal (mpz_sizeinbase (d, 2), HE_DELTA_BITS_MAX);
    mpz_clear (d);
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
    //  Threshold 1: one share would decrypt alone (HE_THRESHOLD_MIN).
    assert_int_equal (he_threshold_keygen (&pk, &vk, &sh, 512, 3, 1), -1);
    assert_non_null (strstr (util_last_error (), "threshold must be at least 2"));
    assert_null (pk);
    assert_int_equal (he_threshold_keygen (&pk, &vk, &sh, 512, HE_PARTIES_MAX + 1, 2), -1);
    assert_int_equal (he_threshold_keygen (&pk, &vk, &sh, 500, 3, 2), -1);
    mpz_t x;
    mpz_init (x);
    const he_share_t *s1 = s_shares [0];
    //  A share or verification keys of a threshold-1 key are not loaded.
    assert_null (he_share_new (he_pubkey_n (s_pk), PARTIES, 1, 1,
                               he_share_secret (s1), he_share_v (s1), he_share_vi (s1)));
    assert_non_null (strstr (util_last_error (), "threshold must be at least 2"));
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
        cmocka_unit_test (test_response_hides_share),
        cmocka_unit_test (test_proof_binds_share_to_key),
        cmocka_unit_test (test_proofs_follow_documented_hash),
        cmocka_unit_test (test_batch_forgery_needs_wide_coefficients),
        cmocka_unit_test (test_proof_binds_every_input),
        cmocka_unit_test (test_proof_response_range),
        cmocka_unit_test (test_combine_bad_indices),
        cmocka_unit_test (test_combine_inconsistent_partials),
        cmocka_unit_test (test_homomorphic_sum_then_threshold),
        cmocka_unit_test (test_hundred_parties),
        cmocka_unit_test (test_most_parties),
        cmocka_unit_test (test_bad_parameters),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
