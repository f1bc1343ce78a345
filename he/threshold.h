/*  he/threshold.h - t-of-l threshold Paillier with a trusted dealer.

    The scheme is Shoup's threshold RSA (Eurocrypt 2000) carried to Paillier
    by Fouque-Poupard-Stern (FC 2000) and Damgard-Jurik (PKC 2001, s.4.1),
    with s = 1:

      keygen   n = pq with safe primes p = 2p'+1, q = 2q'+1; m = p'q';
               d = 0 mod m, d = 1 mod n; f(X) = d + a_1 X + ... + a_{t-1} X^{t-1}
               over Z_{nm}; share s_i = f(i) for i = 1..l; Delta = l!;
               v a random square in Z*_{n^2}; verification key v_i = v^(Delta s_i).
      partial  c_i = c^(2 Delta s_i) mod n^2.
      proof    equality of discrete logs log_{c^4}(c_i^2) = log_v(v_i), made
               non-interactive with Fiat-Shamir over SHA-256 (DJ01 s.4.1).
      combine  for a set S of t indices, lambda_i = Delta prod_{j in S, j!=i} j/(j-i);
               c' = prod c_i^(2 lambda_i) = c^(4 Delta^2 d); m = L(c') (4 Delta^2)^-1 mod n.

    The dealer (`cohort keygen`) holds p and q only while generating; they are
    wiped before it returns. Shares are secret: mpz_powm_sec for every
    exponentiation with a share or a proof nonce.

    Contents
        he_share_t                      one party's secret share (with v, v_i)
        he_verify_t                     every party's verification key
        he_proof_t                      a proof of one partial decryption
        he_nonce_t                      a proof nonce made ahead, spent once
        he_threshold_keygen             deals a key, verification keys, shares
        he_share_new, he_verify_new     the same from their numbers (key files)
        he_share_destroy                frees a share, wiped
        he_verify_destroy               frees verification keys
        he_share_index, he_verify_key, ...  accessors (borrowed)
        he_partial_decrypt              c_i = c^(2 Delta s_i) mod n^2
        he_partial_prove                proves c_i correct (Fiat-Shamir)
        he_nonce_new, he_nonce_destroy  a nonce made ahead of a request
        he_partial_prove_nonce          he_partial_prove with that nonce
        he_partial_verify               checks one proof
        he_batch_prove                  one proof for a vector of partials
        he_batch_verify                 checks it
        he_combine                      m from `threshold` verified partials
        he_share_precompute             the prover's constant-time table
        he_verify_precompute            the verifier's table
        he_verify_set_threads           verification on two threads

    What the constructors make is the caller's: the public key of
    he_threshold_keygen (he_pubkey_destroy), shares, verification keys and
    nonces (the matching _destroy, NULL-safe; a share and a nonce are wiped),
    and the keygen's shares array (destroy each share, then free the array).
    A nonce passed as he_nonce_t ** is consumed on every path. A he_proof_t
    lives between he_proof_init and he_proof_clear. Accessors return values
    borrowed from their object.
    Errors are -1 / NULL with the reason in the error slot (util/error.h).
*/
#ifndef HE_THRESHOLD_H
#define HE_THRESHOLD_H

#include "he.h"
#include "paillier.h"

/*  At most 256 parties: Delta = l! has 1,684 bits at l = 256 (296 at 64,
    525 at 100). Delta enters every exponent that touches a share: a partial
    decryption is c^(2 Delta s_i), and a proof's nonce and response carry
    |n^2| + |Delta| + 512 bits, so a proof at l = 256 costs about 1.3 times
    one at l = 64 (docs/scale.md). HE_DELTA_BITS_MAX bounds |Delta| for the
    serialised response (he/serial.c). */
#define HE_PARTIES_MAX 256
#define HE_DELTA_BITS_MAX 1684  //  bits of HE_PARTIES_MAX! (256! < 2^1684)
//  The smallest threshold dealt or loaded: with t = 1 any one share
//  decrypts alone, so one site (or the coordinator with one site) reads
//  every other site's update.
#define HE_THRESHOLD_MIN 2
#define HE_BATCH_MAX   (1u << 20)   //  partial decryptions under one batched proof

typedef struct _he_share_t  he_share_t;     //  one party's secret share
typedef struct _he_verify_t he_verify_t;    //  public verification keys

/*  A proof that a partial decryption is correct: challenge e (256 bits) and
    response z. */
typedef struct {
    mpz_t e, z;
} he_proof_t;

void he_proof_init (he_proof_t *proof);
void he_proof_clear (he_proof_t *proof);

/*  Deals a fresh key: *pk (the public key, with hs for fast encryption),
    *vk (verification keys) and shares[0..parties-1] (share i+1 each; the
    caller destroys each and frees the array). HE_THRESHOLD_MIN <= threshold <= parties <=
    HE_PARTIES_MAX; bits as for he_keygen. Safe-prime generation dominates
    the time. Returns 0, or -1 with nothing allocated. */
int he_threshold_keygen (he_pubkey_t **pk, he_verify_t **vk, he_share_t ***shares,
                         size_t bits, unsigned parties, unsigned threshold) HE_WUR;

/*  Builders used by the key-file parser (a share carries the public v and
    v_i it needs for proofs); they validate ranges and sizes
    against n and return NULL on error. */
he_share_t *he_share_new (const mpz_t n, unsigned parties, unsigned threshold,
                          unsigned index, const mpz_t share, const mpz_t v,
                          const mpz_t vi);
he_verify_t *he_verify_new (const mpz_t n, unsigned parties, unsigned threshold,
                            const mpz_t v, const mpz_t *vks);

void he_share_destroy (he_share_t **self_p);
void he_verify_destroy (he_verify_t **self_p);

unsigned   he_share_index (const he_share_t *self);
unsigned   he_share_parties (const he_share_t *self);
unsigned   he_share_threshold (const he_share_t *self);
mpz_srcptr he_share_n (const he_share_t *self);
mpz_srcptr he_share_secret (const he_share_t *self);
mpz_srcptr he_share_v (const he_share_t *self);
mpz_srcptr he_share_vi (const he_share_t *self);
unsigned   he_verify_parties (const he_verify_t *self);
unsigned   he_verify_threshold (const he_verify_t *self);
mpz_srcptr he_verify_n (const he_verify_t *self);
mpz_srcptr he_verify_v (const he_verify_t *self);
/*  v_i for 1 <= index <= parties. */
mpz_srcptr he_verify_key (const he_verify_t *self, unsigned index);

/*  c_i = c^(2 Delta s_i) mod n^2 for a checked ciphertext c. Returns 0 or -1. */
int he_partial_decrypt (mpz_t ci, const he_share_t *share, const mpz_t c) HE_WUR;

/*  Proves c_i correct (non-interactive, Fiat-Shamir). Draws a fresh nonce
    (he_nonce_new) and spends it (he_partial_prove_nonce). Returns 0 or -1. */
int he_partial_prove (he_proof_t *proof, const he_share_t *share, const mpz_t c,
                      const mpz_t ci) HE_WUR;

/*  Builds the prover's constant-time fixed-base table for v (about 15 MB
    at 2048 bits) so that he_nonce_new() computes v^r as table products
    (he_fixedbase_pow_sec: every entry touched, no digit-dependent
    timing) instead of a full mpz_powm_sec. For a site that proves many
    partial decryptions. Idempotent. Returns 0 or -1. */
int he_share_precompute (he_share_t *share) HE_WUR;

/*  A proof nonce prepared ahead of a decryption request: a fresh secret r
    from the CSPRNG and the commitment b = v^r (DJ01 s.4.1), so that a
    proof then only needs (c^4)^r and the response. It is secret: it is
    spent by exactly one proof, which destroys it, and wiped when
    destroyed. */
typedef struct _he_nonce_t he_nonce_t;

/*  A fresh nonce for proofs with `share` (uses the share's table when
    he_share_precompute() built one). Returns it, or NULL with the reason. */
he_nonce_t *he_nonce_new (const he_share_t *share);

/*  Wipes and frees a nonce; NULL-safe, sets *self_p to NULL. */
void he_nonce_destroy (he_nonce_t **self_p);

/*  As he_partial_prove with a prepared nonce, which is consumed (*nonce is
    destroyed and set to NULL on every path, so it can never serve twice).
    Returns 0 or -1. */
int he_partial_prove_nonce (he_proof_t *proof, const he_share_t *share, he_nonce_t **nonce,
                            const mpz_t c, const mpz_t ci) HE_WUR;

/*  Builds a fixed-base table for v (about 15 MB at 2048 bits with 10
    parties) so that he_partial_verify() spends one of its two long
    exponentiations as table products: verification gets about 40% faster.
    For verifiers (the coordinator); z is public, so the table's
    data-dependent lookups leak nothing. Idempotent. Returns 0 or -1. */
int he_verify_precompute (he_verify_t *vk) HE_WUR;

/*  Lets proof verification (he_partial_verify, he_batch_verify) run on two
    threads: the long side of the check, (C^4)^z, beside the rest. For a
    verifier with a core to spare (the coordinator). threads is 1 (the
    default) or 2. Returns 0 or -1. */
int he_verify_set_threads (he_verify_t *vk, unsigned threads) HE_WUR;

/*  0 if `proof` shows that c_i is party `index`'s correct partial
    decryption of c; -1 otherwise (with the reason). */
int he_partial_verify (const he_verify_t *vk, unsigned index, const mpz_t c,
                       const mpz_t ci, const he_proof_t *proof) HE_WUR;

/*  Batched proof for a vector (docs/protocol.md, "Batched proof"): one
    proof that partials[j] is this share's partial decryption of cts[j] for
    every j < count. With rho_j = 128-bit coefficients derived by SHA-256
    from (n, v, v_i, index, study_id, round, count, every c_j, every p_j),
    C* = prod c_j^rho_j and P* = prod p_j^rho_j mod n^2, it is the proof of
    log_{C*^4}(P*^2) = log_v(v_i) (its own Fiat-Shamir domain). A wrong p_j
    passes with probability <= 2^-128 per hash query. Consumes the nonce
    (*nonce NULL on every path). 1 <= count <= HE_BATCH_MAX; the partials
    must be this share's (the prover does not re-check them). 0 or -1. */
int he_batch_prove (he_proof_t *proof, const he_share_t *share, he_nonce_t **nonce,
                    const char *study_id, uint32_t round, const mpz_t *cts,
                    const mpz_t *partials, size_t count) HE_WUR;

/*  0 if `proof` shows that partials[0..count) are party `index`'s correct
    partial decryptions of cts[0..count) for this study and round; -1
    otherwise (with the reason): a wrong or reordered partial, a value that
    is not a unit modulo n^2, another study, round, party or vector. */
int he_batch_verify (const he_verify_t *vk, unsigned index, const char *study_id,
                     uint32_t round, const mpz_t *cts, const mpz_t *partials, size_t count,
                     const he_proof_t *proof) HE_WUR;

/*  Combines partial decryptions from `count` distinct parties (indices[k]
    gave partials[k]); needs count >= threshold and uses the first
    `threshold` of them. Partials must have been verified. Returns 0 with
    0 <= m < n, or -1 (too few, duplicate or out-of-range index). */
int he_combine (mpz_t m, const he_verify_t *vk, const unsigned *indices,
                const mpz_t *partials, size_t count) HE_WUR;

#endif
