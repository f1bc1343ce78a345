/*  he/threshold.c - threshold Paillier (trusted dealer); see threshold.h. */
#include "threshold.h"
#include "fixedbase.h"
#include "he_internal.h"
#include "util/alloc.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define PROOF_HASH_BITS 256
#define PROOF_DOMAIN    "cohort/he/partial-decryption-proof/v1"
#define BATCH_DOMAIN    "cohort/he/batched-partial-decryption-proof/v1"
#define RHO_DOMAIN      "cohort/he/batch-coefficients/v1"
#define RHO_BITS        128

struct _he_share_t {
    unsigned index, parties, threshold;
    mpz_t n, n2, s, delta;
    mpz_t v, vi;                //  public: needed to prove partial decryptions
    he_fixedbase_t *vtable;     //  constant-time fixed-base table for v, or NULL
};

struct _he_nonce_t {
    mpz_t r;                    //  secret
    mpz_t b;                    //  v^r
};

struct _he_verify_t {
    unsigned parties, threshold;
    mpz_t n, n2, v, delta;
    mpz_t *vks;                 //  vks[i-1] = v^(Delta s_i)
    he_fixedbase_t *vtable;     //  fixed-base table for v, or NULL
    unsigned threads;           //  1, or 2: a proof check runs on two threads
};

void he_proof_init (he_proof_t *proof) { mpz_inits (proof->e, proof->z, NULL); }
void he_proof_clear (he_proof_t *proof) { mpz_clears (proof->e, proof->z, NULL); }

static int
s_check_params (const mpz_t n, unsigned parties, unsigned threshold)
{
    size_t bits = mpz_sizeinbase (n, 2);
    if (mpz_sgn (n) <= 0 || !mpz_odd_p (n) || bits < HE_BITS_MIN || bits > HE_BITS_MAX
    ||  bits % 64)
        return util_error (UTIL_EINPUT, "threshold key: modulus of %zu bits is not acceptable", bits);
    if (parties < 1 || parties > HE_PARTIES_MAX)
        return util_error (UTIL_EINPUT, "threshold key: %u parties; need 1..%d", parties, HE_PARTIES_MAX);
    if (threshold < HE_THRESHOLD_MIN)
        return util_error (UTIL_EINPUT, "threshold key: threshold must be at least %d (with %u "
                           "one share decrypts alone)", HE_THRESHOLD_MIN, threshold);
    if (threshold > parties)
        return util_error (UTIL_EINPUT, "threshold key: threshold %u; need %d..%u (parties)",
                           threshold, HE_THRESHOLD_MIN, parties);
    return 0;
}

he_share_t *
he_share_new (const mpz_t n, unsigned parties, unsigned threshold, unsigned index,
              const mpz_t share, const mpz_t v, const mpz_t vi)
{
    if (s_check_params (n, parties, threshold))
        return NULL;
    if (index < 1 || index > parties) {
        util_error (UTIL_EINPUT, "key share: index %u out of range 1..%u", index, parties);
        return NULL;
    }
    //  s_i = f(i) mod nm < n^2/4: anything negative or >= n^2 is corrupt.
    mpz_t n2;
    mpz_init (n2);
    mpz_mul (n2, n, n);
    mpz_t g;
    mpz_init (g);
    int bad = mpz_sgn (share) < 0 || mpz_cmp (share, n2) >= 0;
    for (int k = 0; k < 2 && !bad; k++) {
        mpz_srcptr x = k? vi: v;
        mpz_gcd (g, x, n);
        bad = mpz_sgn (x) <= 0 || mpz_cmp (x, n2) >= 0 || mpz_cmp_ui (g, 1) != 0;
    }
    mpz_clears (n2, g, NULL);
    if (bad) {
        util_error (UTIL_EINPUT, "key share: a value is out of range (share, v or v_i)");
        return NULL;
    }
    he_share_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->index = index;
    self->parties = parties;
    self->threshold = threshold;
    mpz_init_set (self->n, n);
    mpz_init (self->n2);
    mpz_mul (self->n2, n, n);
    mpz_init_set (self->s, share);
    mpz_init (self->delta);
    mpz_fac_ui (self->delta, parties);
    mpz_init_set (self->v, v);
    mpz_init_set (self->vi, vi);
    return self;
}

void
he_share_destroy (he_share_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    he_share_t *self = *self_p;
    mpz_clears (self->n, self->n2, self->s, self->delta, self->v, self->vi, NULL);
    he_fixedbase_destroy (&self->vtable);
    OPENSSL_cleanse (self, sizeof *self);
    free (self);
    *self_p = NULL;
}

he_verify_t *
he_verify_new (const mpz_t n, unsigned parties, unsigned threshold, const mpz_t v,
               const mpz_t *vks)
{
    if (s_check_params (n, parties, threshold))
        return NULL;
    he_verify_t *self = util_calloc (1, sizeof *self);
    if (!self || !(self->vks = util_calloc (parties, sizeof (mpz_t)))) {
        free (self);
        return NULL;
    }
    self->parties = parties;
    self->threshold = threshold;
    self->threads = 1;
    mpz_init_set (self->n, n);
    mpz_init (self->n2);
    mpz_mul (self->n2, n, n);
    mpz_init_set (self->v, v);
    mpz_init (self->delta);
    mpz_fac_ui (self->delta, parties);
    for (unsigned i = 0; i < parties; i++)
        mpz_init_set (self->vks [i], vks [i]);
    //  Every value must be a unit of Z*_{n^2}.
    mpz_t g;
    mpz_init (g);
    int ok = 1;
    for (unsigned i = 0; i <= parties && ok; i++) {
        mpz_srcptr x = i == 0? self->v: self->vks [i - 1];
        mpz_gcd (g, x, n);
        ok = mpz_sgn (x) > 0 && mpz_cmp (x, self->n2) < 0 && mpz_cmp_ui (g, 1) == 0;
        if (!ok)
            util_error (UTIL_ECRYPTO, i == 0? "verification key: v is not a unit modulo n^2"
                        : "verification key: v_%u is not a unit modulo n^2", i);
    }
    mpz_clear (g);
    if (!ok)
        he_verify_destroy (&self);
    return self;
}

void
he_verify_destroy (he_verify_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    he_verify_t *self = *self_p;
    for (unsigned i = 0; i < self->parties; i++)
        mpz_clear (self->vks [i]);
    free (self->vks);
    he_fixedbase_destroy (&self->vtable);
    mpz_clears (self->n, self->n2, self->v, self->delta, NULL);
    free (self);
    *self_p = NULL;
}

unsigned   he_share_index (const he_share_t *self)      { return self->index; }
unsigned   he_share_parties (const he_share_t *self)    { return self->parties; }
unsigned   he_share_threshold (const he_share_t *self)  { return self->threshold; }
mpz_srcptr he_share_n (const he_share_t *self)          { return self->n; }
mpz_srcptr he_share_secret (const he_share_t *self)     { return self->s; }
mpz_srcptr he_share_v (const he_share_t *self)          { return self->v; }
mpz_srcptr he_share_vi (const he_share_t *self)         { return self->vi; }
unsigned   he_verify_parties (const he_verify_t *self)  { return self->parties; }
unsigned   he_verify_threshold (const he_verify_t *self) { return self->threshold; }
mpz_srcptr he_verify_n (const he_verify_t *self)        { return self->n; }
mpz_srcptr he_verify_v (const he_verify_t *self)        { return self->v; }

mpz_srcptr
he_verify_key (const he_verify_t *self, unsigned index)
{
    return index >= 1 && index <= self->parties? self->vks [index - 1]: NULL;
}

int
he_threshold_keygen (he_pubkey_t **pk, he_verify_t **vk, he_share_t ***shares,
                     size_t bits, unsigned parties, unsigned threshold)
{
    *pk = NULL;
    *vk = NULL;
    *shares = NULL;
    if (bits < HE_BITS_MIN || bits > HE_BITS_MAX || bits % 64)
        return util_error (UTIL_EINPUT, "key size %zu bits: need a multiple of 64 in [%d, %d]",
                           bits, HE_BITS_MIN, HE_BITS_MAX);
    if (threshold < HE_THRESHOLD_MIN)
        return util_error (UTIL_EINPUT, "threshold must be at least %d (with %u one share "
                           "decrypts alone)", HE_THRESHOLD_MIN, threshold);
    if (parties < 1 || parties > HE_PARTIES_MAX || threshold > parties)
        return util_error (UTIL_EINPUT, "need %d <= threshold (%u) <= parties (%u) <= %d",
                           HE_THRESHOLD_MIN, threshold, parties, HE_PARTIES_MAX);
    int rc = -1;
    mpz_t p, q, n, m, nm, d, t, v, delta, x, *coef = NULL, *vks = NULL;
    mpz_inits (p, q, n, m, nm, d, t, v, delta, x, NULL);
    he_share_t **out = util_calloc (parties, sizeof *out);
    coef = out? util_calloc (threshold, sizeof (mpz_t)): NULL;
    vks = coef? util_calloc (parties, sizeof (mpz_t)): NULL;
    if (!vks) {
        //  Nothing is initialised yet: free the arrays, clear no values.
        free (out);
        free (coef);
        mpz_clears (p, q, n, m, nm, d, t, v, delta, x, NULL);
        return util_error_context ("threshold keygen");
    }
    for (unsigned k = 0; k < threshold; k++)
        mpz_init (coef [k]);
    for (unsigned i = 0; i < parties; i++)
        mpz_init (vks [i]);

    //  Safe primes p = 2p'+1, q = 2q'+1 with n of exactly `bits` bits.
    do {
        if (he_prime_generate (p, bits / 2, 1) || he_prime_generate (q, bits / 2, 1))
            goto cleanup;
        mpz_mul (n, p, q);
    } while (mpz_cmp (p, q) == 0 || mpz_sizeinbase (n, 2) != bits);

    mpz_sub_ui (m, p, 1);               //  m = p'q' = (p-1)(q-1)/4
    mpz_sub_ui (t, q, 1);
    mpz_mul (m, m, t);
    mpz_tdiv_q_2exp (m, m, 2);
    mpz_mul (nm, n, m);
    //  d = 0 mod m and d = 1 mod n: d = m (m^-1 mod n).
    if (!mpz_invert (d, m, n)) {
        util_error (UTIL_EFAIL, "threshold keygen: m not invertible mod n");
        goto cleanup;
    }
    mpz_mul (d, d, m);
    //  f(X) = d + a_1 X + ... + a_{t-1} X^{t-1} over Z_{nm}.
    mpz_set (coef [0], d);
    for (unsigned k = 1; k < threshold; k++)
        if (he_random_below (coef [k], nm))
            goto cleanup;
    mpz_fac_ui (delta, parties);
    //  v = r^2 for a random unit r of Z*_{n^2}: a generator of the squares
    //  with overwhelming probability (DJ01 s.4.1).
    mpz_mul (t, n, n);
    do {
        if (he_random_below (v, t))
            goto cleanup;
        mpz_gcd (x, v, n);
    } while (mpz_sgn (v) == 0 || mpz_cmp_ui (x, 1) != 0);
    mpz_powm_ui (v, v, 2, t);

    for (unsigned i = 1; i <= parties; i++) {
        //  Horner: s_i = f(i) mod nm.
        mpz_set (x, coef [threshold - 1]);
        for (unsigned k = threshold - 1; k-- > 0; ) {
            mpz_mul_ui (x, x, i);
            mpz_add (x, x, coef [k]);
            mpz_mod (x, x, nm);
        }
        mpz_mul (d, x, delta);
        mpz_powm_sec (vks [i - 1], v, d, t);
        out [i - 1] = he_share_new (n, parties, threshold, i, x, v, vks [i - 1]);
        if (!out [i - 1])
            goto cleanup;
    }
    *vk = he_verify_new (n, parties, threshold, v, (const mpz_t *) vks);
    *pk = he_pubkey_new (n, NULL);
    if (!*vk || !*pk)
        goto cleanup;
    *shares = out;
    out = NULL;
    rc = 0;
cleanup:
    if (rc) {
        he_pubkey_destroy (pk);
        he_verify_destroy (vk);
    }
    if (out) {
        for (unsigned i = 0; i < parties; i++)
            he_share_destroy (&out [i]);
        free (out);
    }
    if (coef) {
        for (unsigned k = 0; k < threshold; k++)
            mpz_clear (coef [k]);
        free (coef);
    }
    if (vks) {
        for (unsigned i = 0; i < parties; i++)
            mpz_clear (vks [i]);
        free (vks);
    }
    //  p, q, m, d and every coefficient are wiped by the GMP allocator.
    mpz_clears (p, q, n, m, nm, d, t, v, delta, x, NULL);
    return rc;
}

int
he_partial_decrypt (mpz_t ci, const he_share_t *share, const mpz_t c)
{
    mpz_t g, e;
    mpz_inits (g, e, NULL);
    mpz_gcd (g, c, share->n);
    int rc = -1;
    if (mpz_sgn (c) <= 0 || mpz_cmp (c, share->n2) >= 0 || mpz_cmp_ui (g, 1) != 0)
        util_error (UTIL_EINPUT, "partial decryption: invalid ciphertext");
    else {
        mpz_mul (e, share->s, share->delta);
        mpz_mul_2exp (e, e, 1);
        if (mpz_sgn (e) == 0)
            mpz_set_ui (ci, 1);
        else
            mpz_powm_sec (ci, c, e, share->n2);
        rc = 0;
    }
    mpz_clears (g, e, NULL);
    return rc;
}

//  Appends bytes to the hash. Returns 0, or -1 with the reason recorded.
static int
s_hash_bytes (EVP_MD_CTX *ctx, const void *data, size_t len)
{
    if (len && !EVP_DigestUpdate (ctx, data, len))
        return util_error (UTIL_ECRYPTO, "SHA-256 failed");
    return 0;
}

//  Appends x to the hash as a 4-byte length and big-endian bytes. Returns
//  0, or -1 (out of memory, or the digest failed): a value left out would
//  change the hash without a word.
static int
s_hash_mpz (EVP_MD_CTX *ctx, const mpz_t x)
{
    size_t len = (mpz_sizeinbase (x, 2) + 7) / 8;
    unsigned char stackbuf [2048];
    unsigned char *buf = len <= sizeof stackbuf? stackbuf: util_malloc (len);
    if (!buf)
        return util_error_context ("hashing a %zu-byte value", len);
    size_t written = 0;
    mpz_export (buf, &written, 1, 1, 0, 0, x);
    unsigned char hdr [4] = {
        (unsigned char) (written >> 24), (unsigned char) (written >> 16),
        (unsigned char) (written >> 8), (unsigned char) written
    };
    int rc = s_hash_bytes (ctx, hdr, 4) || s_hash_bytes (ctx, buf, written)? -1: 0;
    if (buf != stackbuf)
        free (buf);
    return rc;
}

//  e = SHA-256(domain, n, index, c^4, c_i^2, v, v_i, a, b) (Fiat-Shamir).
static int
s_challenge (mpz_t e, const char *domain, const mpz_t n, unsigned index, const mpz_t c4,
             const mpz_t ci2, const mpz_t v, const mpz_t vi, const mpz_t a, const mpz_t b)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
    unsigned char digest [32];
    unsigned char idx [4] = {
        (unsigned char) (index >> 24), (unsigned char) (index >> 16),
        (unsigned char) (index >> 8), (unsigned char) index
    };
    if (!ctx)
        return util_error (UTIL_ENOMEM, "out of memory for a SHA-256 context");
    if (!EVP_DigestInit_ex (ctx, EVP_sha256 (), NULL)) {
        EVP_MD_CTX_free (ctx);
        return util_error (UTIL_EFAIL, "SHA-256 unavailable");
    }
    int rc = -1;
    if (s_hash_bytes (ctx, domain, strlen (domain) + 1)
    ||  s_hash_mpz (ctx, n) || s_hash_bytes (ctx, idx, 4)
    ||  s_hash_mpz (ctx, c4) || s_hash_mpz (ctx, ci2) || s_hash_mpz (ctx, v)
    ||  s_hash_mpz (ctx, vi) || s_hash_mpz (ctx, a) || s_hash_mpz (ctx, b))
        goto cleanup;
    if (!EVP_DigestFinal_ex (ctx, digest, NULL)) {
        util_error (UTIL_EFAIL, "SHA-256 failed");
        goto cleanup;
    }
    mpz_import (e, sizeof digest, 1, 1, 0, 0, digest);
    rc = 0;
cleanup:
    EVP_MD_CTX_free (ctx);
    return rc;
}

//  The nonce r is PROOF_HASH_BITS * 2 bits longer than e * Delta * s_i can
//  be, so z = r + e Delta s_i hides the share statistically (DJ01 s.4.1).
static size_t
s_nonce_bits (const mpz_t n2, const mpz_t delta)
{
    return mpz_sizeinbase (n2, 2) + mpz_sizeinbase (delta, 2) + 2 * PROOF_HASH_BITS;
}

int
he_share_precompute (he_share_t *share)
{
    if (share->vtable)
        return 0;
    share->vtable = he_fixedbase_new_sec (share->v, share->n2,
                                          s_nonce_bits (share->n2, share->delta), 5);
    return share->vtable? 0: -1;
}

he_nonce_t *
he_nonce_new (const he_share_t *share)
{
    he_nonce_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    mpz_inits (self->r, self->b, NULL);
    if (he_random_bits (self->r, s_nonce_bits (share->n2, share->delta)))
        goto fail;
    mpz_setbit (self->r, 0);    //  mpz_powm_sec needs a positive exponent
    if (share->vtable) {
        if (he_fixedbase_pow_sec (self->b, share->vtable, self->r))
            goto fail;
    }
    else
        mpz_powm_sec (self->b, share->v, self->r, share->n2);
    return self;
fail:
    he_nonce_destroy (&self);
    return NULL;
}

void
he_nonce_destroy (he_nonce_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    he_nonce_t *self = *self_p;
    mpz_clears (self->r, self->b, NULL);     //  r wiped by the allocator
    OPENSSL_cleanse (self, sizeof *self);
    free (self);
    *self_p = NULL;
}

//  The proof of log_{c^4}(c_i^2) = log_v(v_i) with nonce k (consumed) and
//  the Fiat-Shamir domain `domain`.
static int
s_prove (he_proof_t *proof, const char *domain, const he_share_t *share, he_nonce_t **nonce,
         const mpz_t c, const mpz_t ci)
{
    he_nonce_t *k = *nonce;
    *nonce = NULL;
    mpz_t c4, ci2, a;
    mpz_inits (c4, ci2, a, NULL);
    int rc = -1;
    if (!k) {
        util_error (UTIL_EFAIL, "proof: no nonce");
        goto cleanup;
    }
    mpz_powm_ui (c4, c, 4, share->n2);
    mpz_powm_ui (ci2, ci, 2, share->n2);
    mpz_powm_sec (a, c4, k->r, share->n2);
    if (s_challenge (proof->e, domain, share->n, share->index, c4, ci2, share->v, share->vi,
                     a, k->b))
        goto cleanup;
    //  z = r + e Delta s_i over the integers.
    mpz_mul (proof->z, proof->e, share->delta);
    mpz_mul (proof->z, proof->z, share->s);
    mpz_add (proof->z, proof->z, k->r);
    rc = 0;
cleanup:
    he_nonce_destroy (&k);
    mpz_clears (c4, ci2, a, NULL);
    return rc;
}

int
he_partial_prove_nonce (he_proof_t *proof, const he_share_t *share, he_nonce_t **nonce,
                        const mpz_t c, const mpz_t ci)
{
    return s_prove (proof, PROOF_DOMAIN, share, nonce, c, ci);
}

int
he_partial_prove (he_proof_t *proof, const he_share_t *share, const mpz_t c,
                  const mpz_t ci)
{
    he_nonce_t *nonce = he_nonce_new (share);
    if (!nonce)
        return -1;
    return he_partial_prove_nonce (proof, share, &nonce, c, ci);
}

int
he_verify_precompute (he_verify_t *vk)
{
    if (vk->vtable)
        return 0;
    //  z < 2^(nonce bits + 1) for every proof that passes the range check.
    vk->vtable = he_fixedbase_new_window (vk->v, vk->n2,
                                          s_nonce_bits (vk->n2, vk->delta) + 1, 5);
    return vk->vtable? 0: -1;
}

int
he_verify_set_threads (he_verify_t *vk, unsigned threads)
{
    if (threads < 1 || threads > 2)
        return util_error (UTIL_EINPUT, "proof verification: %u threads; need 1 or 2", threads);
    vk->threads = threads;
    return 0;
}

//  out = prod bases[j]^rho[j] mod n2 by interleaved square-and-multiply
//  over the RHO_BITS bits of the public rho_j: one squaring per bit for
//  all j together, one product per set bit.
static void
s_multiexp (mpz_t out, const mpz_t *bases, const mpz_t *rho, size_t count, const mpz_t n2)
{
    mpz_t wide;
    mpz_init2 (wide, 2 * mpz_sizeinbase (n2, 2) + 64);
    mpz_set_ui (out, 1);
    for (size_t bit = RHO_BITS; bit-- > 0; ) {
        mpz_mul (wide, out, out);
        mpz_mod (out, wide, n2);
        for (size_t j = 0; j < count; j++)
            if (mpz_tstbit (rho [j], bit)) {
                mpz_mul (wide, out, bases [j]);
                mpz_mod (out, wide, n2);
            }
    }
    mpz_clear (wide);
}

//  One side of a proof check: X = prod bases[j]^rho[j] (or bases[0] when
//  rho is NULL), power = X^square, out = power^exp mod n2. The ciphertext
//  side (square 4, exp z) is the long one; with two threads it runs beside
//  the partial side (square 2, exp -e) and v^z v_i^-e. Only public values.
typedef struct {
    const mpz_t *bases;
    const mpz_t *rho;
    size_t count;
    mpz_srcptr n2, exp;
    unsigned long square;
    mpz_t power, out;
} s_side_t;

static void *
s_side_run (void *arg)
{
    s_side_t *side = arg;
    if (side->rho)
        s_multiexp (side->power, side->bases, side->rho, side->count, side->n2);
    else
        mpz_set (side->power, side->bases [0]);
    mpz_powm_ui (side->power, side->power, side->square, side->n2);
    mpz_powm (side->out, side->power, side->exp, side->n2);
    return NULL;
}

//  Checks proof of log_{C^4}(P^2) = log_v(v_i) for party index under the
//  Fiat-Shamir domain `domain`, where C, P are cts[0], parts[0] (rho NULL)
//  or the rho-combinations of cts and parts; every value already checked
//  as a unit: a = (C^4)^z (P^2)^-e and b = v^z v_i^-e must hash back to e.
static int
s_verify (const he_verify_t *vk, const char *domain, unsigned index, const mpz_t *cts,
          const mpz_t *parts, const mpz_t *rho, size_t count, const he_proof_t *proof)
{
    if (mpz_sgn (proof->e) < 0 || mpz_sizeinbase (proof->e, 2) > PROOF_HASH_BITS
    ||  mpz_sgn (proof->z) < 0
    ||  mpz_sizeinbase (proof->z, 2) > s_nonce_bits (vk->n2, vk->delta) + 1)
        return util_error (UTIL_EINPUT, "proof from party %u has out-of-range values", index);
    mpz_t a, b, t, e;
    mpz_inits (a, b, t, e, NULL);
    mpz_neg (e, proof->e);
    s_side_t cside = { .bases = cts, .rho = rho, .count = count, .n2 = vk->n2,
                       .exp = proof->z, .square = 4 };
    s_side_t pside = { .bases = parts, .rho = rho, .count = count, .n2 = vk->n2,
                       .exp = e, .square = 2 };
    mpz_inits (cside.power, cside.out, pside.power, pside.out, NULL);
    int rc = -1;
    mpz_srcptr vi = vk->vks [index - 1];
    pthread_t thread;
    bool threaded = vk->threads > 1 && pthread_create (&thread, NULL, s_side_run, &cside) == 0;
    if (!threaded)
        s_side_run (&cside);
    s_side_run (&pside);
    //  z passed the range check, so the table power cannot fail.
    if (!vk->vtable || he_fixedbase_pow (b, vk->vtable, proof->z))
        mpz_powm (b, vk->v, proof->z, vk->n2);
    mpz_powm (t, vi, e, vk->n2);
    mpz_mul (b, b, t);
    mpz_mod (b, b, vk->n2);
    if (threaded)
        pthread_join (thread, NULL);
    mpz_mul (a, cside.out, pside.out);
    mpz_mod (a, a, vk->n2);
    if (s_challenge (t, domain, vk->n, index, cside.power, pside.power, vk->v, vi, a, b))
        goto cleanup;
    if (mpz_cmp (t, proof->e) != 0) {
        util_error (UTIL_ECRYPTO, "proof from party %u does not verify: partial decryption is wrong", index);
        goto cleanup;
    }
    rc = 0;
cleanup:
    mpz_clears (cside.power, cside.out, pside.power, pside.out, a, b, t, e, NULL);
    return rc;
}

//  1 if x is a unit of Z*_{n^2} below n^2.
static int
s_is_unit (const mpz_t x, const mpz_t n, const mpz_t n2)
{
    if (mpz_sgn (x) <= 0 || mpz_cmp (x, n2) >= 0)
        return 0;
    mpz_t g;
    mpz_init (g);
    mpz_gcd (g, x, n);
    int unit = mpz_cmp_ui (g, 1) == 0;
    mpz_clear (g);
    return unit;
}

int
he_partial_verify (const he_verify_t *vk, unsigned index, const mpz_t c, const mpz_t ci,
                   const he_proof_t *proof)
{
    if (index < 1 || index > vk->parties)
        return util_error (UTIL_EINPUT, "partial decryption from party %u: no such party (1..%u)",
                           index, vk->parties);
    if (!s_is_unit (ci, vk->n, vk->n2))
        return util_error (UTIL_ECRYPTO, "partial decryption from party %u is not a unit modulo n^2", index);
    if (!s_is_unit (c, vk->n, vk->n2))
        return util_error (UTIL_EINPUT, "partial decryption: the ciphertext itself is invalid");
    return s_verify (vk, PROOF_DOMAIN, index, (const mpz_t *) c, (const mpz_t *) ci, NULL, 1,
                     proof);
}

//  ---------------------------------------------------------------------
//  Batched proof over a vector (docs/protocol.md, "Batched proof").

static void
s_rho_free (mpz_t **rho, size_t count)
{
    for (size_t j = 0; *rho && j < count; j++)
        mpz_clear ((*rho) [j]);
    free (*rho);
    *rho = NULL;
}

//  The batch coefficients (a new array of count values of RHO_BITS bits, or
//  NULL): seed = SHA-256(RHO_DOMAIN, n, v, v_i, index, round, count, study
//  id, c_1..c_m, p_1..p_m) and rho_j = the first 128 bits of
//  SHA-256(seed, j).
static mpz_t *
s_batch_rho (const mpz_t n, const mpz_t v, const mpz_t vi, unsigned index,
             const char *study_id, uint32_t round, const mpz_t *cts, const mpz_t *parts,
             size_t count)
{
    unsigned char seed [32], digest [32];
    unsigned char be [12] = {
        (unsigned char) (index >> 24), (unsigned char) (index >> 16),
        (unsigned char) (index >> 8), (unsigned char) index,
        (unsigned char) (round >> 24), (unsigned char) (round >> 16),
        (unsigned char) (round >> 8), (unsigned char) round,
        (unsigned char) (count >> 24), (unsigned char) (count >> 16),
        (unsigned char) (count >> 8), (unsigned char) count
    };
    uint32_t slen = (uint32_t) strlen (study_id);
    unsigned char lenb [4] = {
        (unsigned char) (slen >> 24), (unsigned char) (slen >> 16),
        (unsigned char) (slen >> 8), (unsigned char) slen
    };
    //  Every coefficient is initialised before anything can fail, so that
    //  s_rho_free may clear them all.
    mpz_t *rho = util_calloc (count, sizeof (mpz_t));
    if (!rho) {
        util_error_context ("batch coefficients");
        return NULL;
    }
    for (size_t j = 0; j < count; j++)
        mpz_init (rho [j]);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
    if (!ctx || !EVP_DigestInit_ex (ctx, EVP_sha256 (), NULL)) {
        if (ctx)
            util_error (UTIL_EFAIL, "SHA-256 unavailable");
        else
            util_error (UTIL_ENOMEM, "out of memory for a SHA-256 context");
        EVP_MD_CTX_free (ctx);
        s_rho_free (&rho, count);
        return NULL;
    }
    int ok = !s_hash_bytes (ctx, RHO_DOMAIN, sizeof RHO_DOMAIN)
          && !s_hash_mpz (ctx, n) && !s_hash_mpz (ctx, v) && !s_hash_mpz (ctx, vi)
          && !s_hash_bytes (ctx, be, sizeof be) && !s_hash_bytes (ctx, lenb, 4)
          && !s_hash_bytes (ctx, study_id, slen);
    for (size_t j = 0; ok && j < count; j++)
        ok = !s_hash_mpz (ctx, cts [j]);
    for (size_t j = 0; ok && j < count; j++)
        ok = !s_hash_mpz (ctx, parts [j]);
    //  A failed hashing step has recorded its reason; the rest have not.
    bool reported = !ok;
    ok = ok && EVP_DigestFinal_ex (ctx, seed, NULL);
    for (size_t j = 0; ok && j < count; j++) {
        unsigned char jb [4] = {
            (unsigned char) (j >> 24), (unsigned char) (j >> 16),
            (unsigned char) (j >> 8), (unsigned char) j
        };
        ok = EVP_DigestInit_ex (ctx, EVP_sha256 (), NULL)
          && EVP_DigestUpdate (ctx, seed, sizeof seed)
          && EVP_DigestUpdate (ctx, jb, 4)
          && EVP_DigestFinal_ex (ctx, digest, NULL);
        mpz_import (rho [j], RHO_BITS / 8, 1, 1, 0, 0, digest);
    }
    EVP_MD_CTX_free (ctx);
    if (!ok) {
        s_rho_free (&rho, count);
        if (!reported)
            util_error (UTIL_EFAIL, "SHA-256 failed");
        return NULL;
    }
    return rho;
}

int
he_batch_prove (he_proof_t *proof, const he_share_t *share, he_nonce_t **nonce,
                const char *study_id, uint32_t round, const mpz_t *cts,
                const mpz_t *partials, size_t count)
{
    if (count < 1 || count > HE_BATCH_MAX) {
        he_nonce_destroy (nonce);
        return util_error (UTIL_EINPUT, "batched proof: %zu partial decryptions; need 1..%d", count,
                           HE_BATCH_MAX);
    }
    mpz_t *rho = s_batch_rho (share->n, share->v, share->vi, share->index, study_id, round,
                              cts, partials, count);
    if (!rho) {
        he_nonce_destroy (nonce);
        return -1;
    }
    mpz_t cstar, pstar;
    mpz_inits (cstar, pstar, NULL);
    s_multiexp (cstar, cts, (const mpz_t *) rho, count, share->n2);
    s_multiexp (pstar, partials, (const mpz_t *) rho, count, share->n2);
    int rc = s_prove (proof, BATCH_DOMAIN, share, nonce, cstar, pstar);
    mpz_clears (cstar, pstar, NULL);
    s_rho_free (&rho, count);
    return rc;
}

int
he_batch_verify (const he_verify_t *vk, unsigned index, const char *study_id, uint32_t round,
                 const mpz_t *cts, const mpz_t *partials, size_t count,
                 const he_proof_t *proof)
{
    if (index < 1 || index > vk->parties)
        return util_error (UTIL_EINPUT, "partial decryption from party %u: no such party (1..%u)",
                           index, vk->parties);
    if (count < 1 || count > HE_BATCH_MAX)
        return util_error (UTIL_EINPUT, "batched proof from party %u: %zu partial decryptions; need 1..%d",
                           index, count, HE_BATCH_MAX);
    for (size_t j = 0; j < count; j++) {
        if (!s_is_unit (partials [j], vk->n, vk->n2))
            return util_error (UTIL_ECRYPTO, "partial decryption %zu from party %u is not a unit modulo n^2",
                               j, index);
        if (!s_is_unit (cts [j], vk->n, vk->n2))
            return util_error (UTIL_EINPUT, "partial decryption: ciphertext %zu itself is invalid", j);
    }
    mpz_t *rho = s_batch_rho (vk->n, vk->v, vk->vks [index - 1], index, study_id, round, cts,
                              partials, count);
    if (!rho)
        return -1;
    int rc = s_verify (vk, BATCH_DOMAIN, index, cts, partials, (const mpz_t *) rho, count,
                       proof);
    s_rho_free (&rho, count);
    return rc;
}

int
he_combine (mpz_t m, const he_verify_t *vk, const unsigned *indices, const mpz_t *partials,
            size_t count)
{
    unsigned t = vk->threshold;
    if (count < t)
        return util_error (UTIL_EINPUT, "need %u partial decryptions, have %zu", t, count);
    for (unsigned k = 0; k < t; k++) {
        if (indices [k] < 1 || indices [k] > vk->parties)
            return util_error (UTIL_EINPUT, "partial decryption index %u out of range 1..%u",
                               indices [k], vk->parties);
        for (unsigned j = 0; j < k; j++)
            if (indices [j] == indices [k])
                return util_error (UTIL_EINPUT, "party %u given twice", indices [k]);
    }
    mpz_t acc, lambda, den, term, four_delta2;
    mpz_inits (acc, lambda, den, term, four_delta2, NULL);
    mpz_set_ui (acc, 1);
    for (unsigned k = 0; k < t; k++) {
        //  lambda_i = Delta prod_{j != i} j / (j - i): an integer because
        //  Delta = l! clears every denominator (Shoup 2000, s.2).
        long i = indices [k];
        mpz_set (lambda, vk->delta);
        mpz_set_ui (den, 1);
        for (unsigned j = 0; j < t; j++) {
            if (j == k)
                continue;
            mpz_mul_ui (lambda, lambda, indices [j]);
            mpz_mul_si (den, den, (long) indices [j] - i);
        }
        mpz_divexact (lambda, lambda, den);
        mpz_mul_2exp (lambda, lambda, 1);
        mpz_powm (term, partials [k], lambda, vk->n2);   //  inverse if lambda < 0
        mpz_mul (acc, acc, term);
        mpz_mod (acc, acc, vk->n2);
    }
    //  acc = c^(4 Delta^2 d) = 1 + 4 Delta^2 M n mod n^2.
    int rc = 0;
    mpz_mul (four_delta2, vk->delta, vk->delta);
    mpz_mul_2exp (four_delta2, four_delta2, 2);
    mpz_sub_ui (term, acc, 1);
    if (!mpz_divisible_p (term, vk->n) || !mpz_invert (four_delta2, four_delta2, vk->n))
        rc = util_error (UTIL_EFAIL, "combination failed: partial decryptions are inconsistent");
    else {
        mpz_divexact (term, term, vk->n);
        mpz_mul (term, term, four_delta2);
        mpz_mod (m, term, vk->n);
    }
    mpz_clears (acc, lambda, den, term, four_delta2, NULL);
    return rc;
}
