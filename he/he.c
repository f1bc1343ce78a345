/*  he/he.c - the wiping GMP allocator and CSPRNG draws. */
#include "he_internal.h"
#include "paillier.h"
#include "util/alloc.h"

#include <openssl/crypto.h>
#include <openssl/bn.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  GMP hands us the old size on free and realloc, so every byte it ever
//  held can be cleansed before it goes back to the C library.
static void *
s_alloc (size_t size)
{
    void *p = malloc (size);
    if (!p) {
        //  GMP has no way to report failure; it would abort itself.
        fputs ("cohort: out of memory in GMP allocation\n", stderr);
        abort ();
    }
    return p;
}

static void *
s_realloc (void *old, size_t old_size, size_t new_size)
{
    void *p = s_alloc (new_size);
    memcpy (p, old, old_size < new_size? old_size: new_size);
    OPENSSL_cleanse (old, old_size);
    free (old);
    return p;
}

static void
s_free (void *p, size_t size)
{
    if (p) {
        OPENSSL_cleanse (p, size);
        free (p);
    }
}

int
he_init (void)
{
    void *(*alloc) (size_t);
    mp_get_memory_functions (&alloc, NULL, NULL);
    if (alloc != s_alloc)
        mp_set_memory_functions (s_alloc, s_realloc, s_free);
    return 0;
}

int
he_random_bits (mpz_t out, size_t bits)
{
    size_t bytes = (bits + 7) / 8;
    unsigned char stackbuf [1024];
    unsigned char *buf = bytes <= sizeof stackbuf? stackbuf: util_malloc (bytes);
    if (!buf)
        return util_error_context ("drawing %zu random bits", bits);
    int rc = -1;
    if (bytes > (size_t) INT32_MAX || RAND_bytes (buf, (int) bytes) != 1) {
        util_error (UTIL_ECRYPTO, "OpenSSL RAND_bytes failed drawing %zu bits", bits);
        goto cleanup;
    }
    if (bits % 8)
        buf [0] &= (unsigned char) ((1u << (bits % 8)) - 1);
    mpz_import (out, bytes, 1, 1, 0, 0, buf);
    rc = 0;
cleanup:
    OPENSSL_cleanse (buf, bytes);
    if (buf != stackbuf)
        free (buf);
    return rc;
}

int
he_random_below (mpz_t out, const mpz_t bound)
{
    if (mpz_sgn (bound) <= 0)
        return util_error (UTIL_EINPUT, "random bound must be positive");
    size_t bits = mpz_sizeinbase (bound, 2);
    //  Rejection sampling: each try succeeds with probability > 1/2.
    for (int tries = 0; tries < 256; tries++) {
        if (he_random_bits (out, bits))
            return -1;
        if (mpz_cmp (out, bound) < 0)
            return 0;
    }
    return util_error (UTIL_EFAIL, "CSPRNG produced 256 rejections in a row: giving up");
}

int
he_random_unit (mpz_t out, const mpz_t n)
{
    mpz_t g;
    mpz_init (g);
    int rc = -1;
    for (int tries = 0; tries < 256; tries++) {
        if (he_random_below (out, n))
            goto cleanup;
        if (mpz_sgn (out) == 0)
            continue;
        mpz_gcd (g, out, n);
        if (mpz_cmp_ui (g, 1) == 0) {
            rc = 0;
            goto cleanup;
        }
    }
    util_error (UTIL_EFAIL, "could not draw a unit modulo n");
cleanup:
    mpz_clear (g);
    return rc;
}

char *
he_mpz_to_hex (const mpz_t n)
{
    //  mpz_sizeinbase may exceed the digits by one; +2 holds a sign and the NUL.
    char *s = util_malloc (mpz_sizeinbase (n, 16) + 2);
    if (s)
        mpz_get_str (s, 16, n);
    return s;
}

int
he_prime_generate (mpz_t p, size_t bits, int safe)
{
    int rc = -1;
    unsigned char buf [HE_BITS_MAX / 8];
    size_t len = 0;
    BIGNUM *bn = BN_secure_new ();
    BN_CTX *ctx = BN_CTX_secure_new ();
    if (!bn || !ctx) {
        util_error (UTIL_ENOMEM, "out of memory generating a prime");
        goto cleanup;
    }
    if (bits < 64 || bits > HE_BITS_MAX / 2) {
        util_error (UTIL_EINPUT, "prime size %zu bits out of range", bits);
        goto cleanup;
    }
    if (!BN_generate_prime_ex2 (bn, (int) bits, safe, NULL, NULL, NULL, ctx)) {
        util_error (UTIL_ECRYPTO, "OpenSSL BN_generate_prime_ex2 failed for %zu bits", bits);
        goto cleanup;
    }
    len = (size_t) BN_num_bytes (bn);
    BN_bn2bin (bn, buf);
    mpz_import (p, len, 1, 1, 0, 0, buf);
    rc = 0;
cleanup:
    OPENSSL_cleanse (buf, sizeof buf);
    BN_clear_free (bn);
    BN_CTX_free (ctx);
    return rc;
}

void
he_L (mpz_t out, const mpz_t x, const mpz_t d)
{
    mpz_sub_ui (out, x, 1);
    mpz_divexact (out, out, d);
}
