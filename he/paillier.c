/*  he/paillier.c - keys, both encryption forms, CRT decryption, homomorphic
    operations. See paillier.h for the contracts. */
#include "paillier.h"
#include "fixedbase.h"
#include "he_internal.h"
#include "util/alloc.h"

#include <pthread.h>
#include <stdlib.h>

struct _he_pubkey_t {
    size_t bits;                //  bit length of n
    mpz_t n, n2;
    mpz_t hs;                   //  h^n mod n^2 for the fast form
    he_fixedbase_t *table;      //  fixed-base table for hs, or NULL
};

struct _he_seckey_t {
    he_pubkey_t *pk;
    mpz_t p, q;
    mpz_t p2, q2;               //  p^2, q^2
    mpz_t pm1, qm1;             //  p - 1, q - 1 (the secret exponents)
    mpz_t hp, hq;               //  L_p(g^(p-1) mod p^2)^-1 mod p, same for q
    mpz_t pinv_q;               //  p^-1 mod q for CRT recombination
};

static int
s_check_modulus (const mpz_t n)
{
    size_t bits = mpz_sizeinbase (n, 2);
    if (mpz_sgn (n) <= 0 || !mpz_odd_p (n))
        return util_error (UTIL_EINPUT, "modulus n must be a positive odd integer");
    if (bits < HE_BITS_MIN || bits > HE_BITS_MAX || bits % 64)
        return util_error (UTIL_EINPUT, "modulus n has %zu bits; need a multiple of 64 in [%d, %d]",
                           bits, HE_BITS_MIN, HE_BITS_MAX);
    return 0;
}

//  h = -y^2 mod n for a random unit y, hs = h^n mod n^2 (DJN 2010, s.4).
static int
s_draw_hs (mpz_t hs, const mpz_t n, const mpz_t n2)
{
    mpz_t y;
    mpz_init (y);
    int rc = he_random_unit (y, n);
    if (rc == 0) {
        mpz_mul (y, y, y);
        mpz_mod (y, y, n);
        mpz_sub (y, n, y);
        mpz_powm (hs, y, n, n2);
    }
    mpz_clear (y);
    return rc;
}

he_pubkey_t *
he_pubkey_new (const mpz_t n, const mpz_t hs)
{
    if (s_check_modulus (n))
        return NULL;
    he_pubkey_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->bits = mpz_sizeinbase (n, 2);
    mpz_init_set (self->n, n);
    mpz_init (self->n2);
    mpz_mul (self->n2, n, n);
    mpz_init (self->hs);
    if (hs) {
        mpz_set (self->hs, hs);
        if (he_check_ciphertext (self, self->hs)) {
            util_error (UTIL_ECRYPTO, "public key value hs is not a unit modulo n^2");
            he_pubkey_destroy (&self);
        }
    }
    else
    if (s_draw_hs (self->hs, self->n, self->n2))
        he_pubkey_destroy (&self);
    return self;
}

he_pubkey_t *
he_pubkey_dup (const he_pubkey_t *pk)
{
    return he_pubkey_new (pk->n, pk->hs);
}

void
he_pubkey_destroy (he_pubkey_t **pk_p)
{
    if (!pk_p || !*pk_p)
        return;
    he_pubkey_t *self = *pk_p;
    he_fixedbase_destroy (&self->table);
    mpz_clears (self->n, self->n2, self->hs, NULL);
    free (self);
    *pk_p = NULL;
}

size_t     he_pubkey_bits (const he_pubkey_t *pk) { return pk->bits; }
mpz_srcptr he_pubkey_n    (const he_pubkey_t *pk) { return pk->n; }
mpz_srcptr he_pubkey_n2   (const he_pubkey_t *pk) { return pk->n2; }
mpz_srcptr he_pubkey_hs   (const he_pubkey_t *pk) { return pk->hs; }

int
he_pubkey_equal (const he_pubkey_t *a, const he_pubkey_t *b)
{
    return mpz_cmp (a->n, b->n) == 0 && mpz_cmp (a->hs, b->hs) == 0;
}

//  The widest digit up to HE_TABLE_WINDOW_MAX bits whose table fits
//  HE_TABLE_BYTES_MAX: 10 bits at 2048 (53.5 MB, 102 products per
//  encryption), 9 at 3072 (66.9 MB), 8 at 4096 (64 MiB). Wider digits save
//  little (11 bits: 93 products for 98 MB at 2048).
static unsigned
s_table_window (size_t bits)
{
    unsigned w = HE_TABLE_WINDOW_MAX;
    while (w > 1 && he_fixedbase_plan_bytes (2 * bits, bits / 2, w) > HE_TABLE_BYTES_MAX)
        w--;
    return w;
}

int
he_pubkey_precompute (he_pubkey_t *pk)
{
    if (pk->table)
        return 0;
    pk->table = he_fixedbase_new_window (pk->hs, pk->n2, pk->bits / 2, s_table_window (pk->bits));
    return pk->table? 0: -1;
}

const he_fixedbase_t *
he_pubkey_table (const he_pubkey_t *pk)
{
    return pk->table;
}

he_seckey_t *
he_seckey_new (const mpz_t p, const mpz_t q, const mpz_t hs)
{
    he_seckey_t *self = NULL;
    mpz_t n, t;
    mpz_inits (n, t, NULL);
    size_t pbits = mpz_sizeinbase (p, 2);
    if (mpz_cmp (p, q) == 0 || mpz_cmp_ui (p, 3) < 0 || mpz_cmp_ui (q, 3) < 0
    ||  !mpz_odd_p (p) || !mpz_odd_p (q) || pbits != mpz_sizeinbase (q, 2)) {
        util_error (UTIL_EINPUT, "secret key: p and q must be distinct odd primes of equal size");
        goto cleanup;
    }
    if (!mpz_probab_prime_p (p, 40) || !mpz_probab_prime_p (q, 40)) {
        util_error (UTIL_EINPUT, "secret key: p or q is not prime");
        goto cleanup;
    }
    mpz_mul (n, p, q);
    //  gcd(n, (p-1)(q-1)) = 1 holds for equal-size primes but is cheap to check.
    mpz_sub_ui (t, p, 1);
    mpz_gcd (t, t, q);
    if (mpz_cmp_ui (t, 1) != 0) {
        util_error (UTIL_EFAIL, "secret key: gcd(n, phi(n)) != 1");
        goto cleanup;
    }
    self = util_calloc (1, sizeof *self);
    if (!self)
        goto cleanup;
    mpz_inits (self->p, self->q, self->p2, self->q2, self->pm1, self->qm1,
               self->hp, self->hq, self->pinv_q, NULL);
    self->pk = he_pubkey_new (n, hs);
    if (!self->pk) {
        he_seckey_destroy (&self);
        goto cleanup;
    }
    mpz_set (self->p, p);
    mpz_set (self->q, q);
    mpz_mul (self->p2, p, p);
    mpz_mul (self->q2, q, q);
    mpz_sub_ui (self->pm1, p, 1);
    mpz_sub_ui (self->qm1, q, 1);
    //  h_p = L_p(g^(p-1) mod p^2)^-1 mod p with g = n + 1 (Paillier s.7).
    mpz_add_ui (t, n, 1);
    mpz_powm_sec (self->hp, t, self->pm1, self->p2);
    he_L (self->hp, self->hp, p);
    mpz_powm_sec (self->hq, t, self->qm1, self->q2);
    he_L (self->hq, self->hq, q);
    if (!mpz_invert (self->hp, self->hp, p) || !mpz_invert (self->hq, self->hq, q)
    ||  !mpz_invert (self->pinv_q, p, q)) {
        util_error (UTIL_EFAIL, "secret key: CRT precomputation failed (inconsistent key)");
        he_seckey_destroy (&self);
    }
cleanup:
    mpz_clears (n, t, NULL);
    return self;
}

void
he_seckey_destroy (he_seckey_t **sk_p)
{
    if (!sk_p || !*sk_p)
        return;
    he_seckey_t *self = *sk_p;
    //  The wiping allocator cleanses the limbs as mpz_clear frees them.
    mpz_clears (self->p, self->q, self->p2, self->q2, self->pm1, self->qm1,
                self->hp, self->hq, self->pinv_q, NULL);
    he_pubkey_destroy (&self->pk);
    free (self);
    *sk_p = NULL;
}

const he_pubkey_t *he_seckey_pubkey (const he_seckey_t *sk) { return sk->pk; }
mpz_srcptr he_seckey_p (const he_seckey_t *sk) { return sk->p; }
mpz_srcptr he_seckey_q (const he_seckey_t *sk) { return sk->q; }

int
he_keygen (he_pubkey_t **pk, he_seckey_t **sk, size_t bits)
{
    *pk = NULL;
    *sk = NULL;
    if (bits < HE_BITS_MIN || bits > HE_BITS_MAX || bits % 64)
        return util_error (UTIL_EINPUT, "key size %zu bits: need a multiple of 64 in [%d, %d]",
                           bits, HE_BITS_MIN, HE_BITS_MAX);
    mpz_t p, q;
    mpz_inits (p, q, NULL);
    int rc = -1;
    for (int tries = 0; tries < 16 && rc; tries++) {
        if (he_prime_generate (p, bits / 2, 0) || he_prime_generate (q, bits / 2, 0))
            break;
        *sk = he_seckey_new (p, q, NULL);
        if (*sk && he_pubkey_bits ((*sk)->pk) == bits)
            rc = 0;
        else
            he_seckey_destroy (sk);
    }
    if (rc == 0) {
        *pk = he_pubkey_dup ((*sk)->pk);
        if (!*pk) {
            he_seckey_destroy (sk);
            rc = -1;
        }
    }
    mpz_clears (p, q, NULL);
    return rc;
}

int
he_check_ciphertext (const he_pubkey_t *pk, const mpz_t c)
{
    if (mpz_sgn (c) <= 0 || mpz_cmp (c, pk->n2) >= 0)
        return util_error (UTIL_EINPUT, "ciphertext out of range: need 0 < c < n^2");
    mpz_t g;
    mpz_init (g);
    mpz_gcd (g, c, pk->n);
    int ok = mpz_cmp_ui (g, 1) == 0;
    mpz_clear (g);
    return ok? 0: util_error (UTIL_EINPUT, "ciphertext shares a factor with n (not a unit)");
}

static int
s_check_plaintext (const he_pubkey_t *pk, const mpz_t m)
{
    if (mpz_sgn (m) < 0 || mpz_cmp (m, pk->n) >= 0)
        return util_error (UTIL_EINPUT, "plaintext out of range: need 0 <= m < n");
    return 0;
}

//  c = (1 + m n) * y mod n^2 = y + n * (m y mod n) mod n^2: one product mod
//  n instead of mod n^2.
static void
s_blind (mpz_t c, const he_pubkey_t *pk, const mpz_t m, const mpz_t y)
{
    mpz_t t;
    mpz_init (t);
    mpz_mul (t, m, y);
    mpz_mod (t, t, pk->n);
    mpz_mul (t, t, pk->n);
    mpz_add (c, t, y);
    mpz_mod (c, c, pk->n2);
    mpz_clear (t);
}

int
he_encrypt_textbook (mpz_t c, const he_pubkey_t *pk, const mpz_t m, const mpz_t r)
{
    if (s_check_plaintext (pk, m))
        return -1;
    mpz_t y, g;
    mpz_inits (y, g, NULL);
    int rc = -1;
    if (r) {
        mpz_gcd (g, r, pk->n);
        if (mpz_sgn (r) <= 0 || mpz_cmp (r, pk->n) >= 0 || mpz_cmp_ui (g, 1) != 0) {
            util_error (UTIL_EINPUT, "encryption randomness r must be a unit in (0, n)");
            goto cleanup;
        }
        mpz_set (y, r);
    }
    else
    if (he_random_unit (y, pk->n))
        goto cleanup;
    mpz_powm (y, y, pk->n, pk->n2);
    s_blind (c, pk, m, y);
    rc = 0;
cleanup:
    mpz_clears (y, g, NULL);
    return rc;
}

int
he_encrypt_with_exponent (mpz_t c, const he_pubkey_t *pk, const mpz_t m, const mpz_t x)
{
    if (s_check_plaintext (pk, m))
        return -1;
    if (mpz_sgn (x) < 0 || mpz_sizeinbase (x, 2) > pk->bits / 2)
        return util_error (UTIL_ELIMIT, "encryption exponent must have at most |n|/2 bits");
    mpz_t y;
    mpz_init (y);
    int rc = 0;
    if (pk->table)
        rc = he_fixedbase_pow (y, pk->table, x);
    else
        mpz_powm (y, pk->hs, x, pk->n2);
    if (rc == 0)
        s_blind (c, pk, m, y);
    mpz_clear (y);
    return rc;
}

int
he_encrypt (mpz_t c, const he_pubkey_t *pk, const mpz_t m)
{
    mpz_t x;
    mpz_init (x);
    int rc = he_random_bits (x, pk->bits / 2);
    if (rc == 0)
        rc = he_encrypt_with_exponent (c, pk, m, x);
    mpz_clear (x);              //  wiped by the allocator
    return rc;
}

//  One CRT half: out = L_r(c^(r-1) mod r^2) h_r mod r (Paillier s.7). The
//  exponent r - 1 is secret, so mpz_powm_sec.
typedef struct {
    mpz_ptr out;
    mpz_srcptr c, r, r2, rm1, hr;
} crt_half_t;

static void *
s_crt_half (void *arg)
{
    crt_half_t *h = arg;
    mpz_mod (h->out, h->c, h->r2);
    mpz_powm_sec (h->out, h->out, h->rm1, h->r2);
    he_L (h->out, h->out, h->r);
    mpz_mul (h->out, h->out, h->hr);
    mpz_mod (h->out, h->out, h->r);
    return NULL;
}

int
he_decrypt (mpz_t m, const he_seckey_t *sk, const mpz_t c)
{
    if (he_check_ciphertext (sk->pk, c))
        return -1;
    mpz_t mp, mq;
    mpz_inits (mp, mq, NULL);
    crt_half_t hp = { mp, c, sk->p, sk->p2, sk->pm1, sk->hp };
    crt_half_t hq = { mq, c, sk->q, sk->q2, sk->qm1, sk->hq };
    //  The halves are independent: at 2048 bits and above each is worth a
    //  thread (two ~2 ms exponentiations against ~50 us to start a thread),
    //  which halves the latency on a machine with a second core. GMP is
    //  reentrant; each half writes only its own output.
    pthread_t thread;
    int threaded = sk->pk->bits >= HE_BITS_SECURE
                && pthread_create (&thread, NULL, s_crt_half, &hq) == 0;
    s_crt_half (&hp);
    if (threaded)
        pthread_join (thread, NULL);
    else
        s_crt_half (&hq);
    //  CRT: m = m_p + p * ((m_q - m_p) p^-1 mod q)
    mpz_sub (mq, mq, mp);
    mpz_mul (mq, mq, sk->pinv_q);
    mpz_mod (mq, mq, sk->q);
    mpz_mul (mq, mq, sk->p);
    mpz_add (m, mp, mq);
    mpz_clears (mp, mq, NULL);
    return 0;
}

void
he_add (mpz_t out, const he_pubkey_t *pk, const mpz_t a, const mpz_t b)
{
    mpz_mul (out, a, b);
    mpz_mod (out, out, pk->n2);
}

void
he_add_plain (mpz_t out, const he_pubkey_t *pk, const mpz_t a, const mpz_t k)
{
    mpz_t km;
    mpz_init (km);
    mpz_mod (km, k, pk->n);
    s_blind (out, pk, km, a);
    mpz_clear (km);
}

void
he_mul_scalar (mpz_t out, const he_pubkey_t *pk, const mpz_t a, const mpz_t k)
{
    //  mpz_powm inverts a itself for a negative exponent; a valid
    //  ciphertext is a unit, so the inverse exists.
    mpz_powm (out, a, k, pk->n2);
}

int
he_sum (mpz_t out, const he_pubkey_t *pk, const mpz_t *cs, size_t count)
{
    //  Products go through `wide`, sized once, so the loop never reallocates.
    mpz_t acc, wide;
    mpz_init_set_ui (acc, 1);
    mpz_init2 (wide, 2 * pk->bits * 2 + 64);
    for (size_t i = 0; i < count; i++) {
        if (he_check_ciphertext (pk, cs [i])) {
            util_error_context ("ciphertext %zu of %zu", i, count);
            mpz_clears (acc, wide, NULL);
            return -1;
        }
        mpz_mul (wide, acc, cs [i]);
        mpz_mod (acc, wide, pk->n2);
    }
    mpz_swap (out, acc);
    mpz_clears (acc, wide, NULL);
    return 0;
}
