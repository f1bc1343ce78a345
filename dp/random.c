/*  dp/random.c - buffered CSPRNG stream and exact uniform integers. */
#include "random.h"
#include "dp.h"
#include "util/alloc.h"
#include "util/error.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct _dp_rng_t {
    unsigned char buf [DP_RNG_BUFFER];
    size_t pos;                 //  next unused byte; == DP_RNG_BUFFER when empty
    uint64_t bits;              //  reservoir for dp_rng_bit
    int nbits;                  //  bits left in the reservoir
    bool failed;                //  the generator failed once: refuse forever
    EVP_CIPHER_CTX *ctr;        //  deterministic test mode, else NULL
};

dp_rng_t *
dp_rng_new (void)
{
    dp_rng_t *self = util_calloc (1, sizeof *self);
    if (!self) {
        util_error_context ("creating a random stream");
        return NULL;
    }
    self->pos = DP_RNG_BUFFER;
    return self;
}

dp_rng_t *
dp_rng_new_seeded_for_tests (const void *seed, size_t len)
{
    static const char label [] = "cohort dp deterministic test stream v1";
    unsigned char key [32];
    unsigned char iv [16] = { 0 };
    unsigned int keylen = 0;
    dp_rng_t *self = dp_rng_new ();
    if (!self)
        return NULL;
    EVP_MD_CTX *md = EVP_MD_CTX_new ();
    self->ctr = EVP_CIPHER_CTX_new ();
    if (!md || !self->ctr) {
        util_error (UTIL_ENOMEM, "out of memory setting up the deterministic test stream");
        dp_rng_destroy (&self);
    }
    else
    if (EVP_DigestInit_ex (md, EVP_sha256 (), NULL) != 1
    ||  EVP_DigestUpdate (md, label, sizeof label) != 1
    ||  (len && EVP_DigestUpdate (md, seed, len) != 1)
    ||  EVP_DigestFinal_ex (md, key, &keylen) != 1
    ||  EVP_EncryptInit_ex (self->ctr, EVP_aes_256_ctr (), NULL, key, iv) != 1) {
        util_error (UTIL_ECRYPTO, "OpenSSL failed to set up the deterministic test stream");
        dp_rng_destroy (&self);
    }
    OPENSSL_cleanse (key, sizeof key);
    EVP_MD_CTX_free (md);
    return self;
}

void
dp_rng_destroy (dp_rng_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    dp_rng_t *self = *self_p;
    EVP_CIPHER_CTX_free (self->ctr);
    OPENSSL_cleanse (self, sizeof *self);
    free (self);
    *self_p = NULL;
}

static int
s_refill (dp_rng_t *self)
{
    if (self->failed)
        return util_error (UTIL_EREFUSED, "random stream failed earlier: refusing to draw");
    if (self->ctr) {
        //  The keystream is the encryption of zeros: encrypt the buffer in place.
        int outlen = 0;
        memset (self->buf, 0, sizeof self->buf);
        if (EVP_EncryptUpdate (self->ctr, self->buf, &outlen, self->buf,
                               (int) sizeof self->buf) != 1
        ||  outlen != (int) sizeof self->buf) {
            self->failed = true;
            return util_error (UTIL_EFAIL, "AES-CTR test stream failed");
        }
    }
    else
    if (RAND_bytes (self->buf, (int) sizeof self->buf) != 1) {
        self->failed = true;
        return util_error (UTIL_ECRYPTO, "OpenSSL RAND_bytes failed");
    }
    self->pos = 0;
    return 0;
}

int
dp_rng_bytes (dp_rng_t *self, void *out, size_t len)
{
    unsigned char *to = out;
    while (len) {
        if (self->pos == DP_RNG_BUFFER && s_refill (self))
            return -1;
        size_t take = DP_RNG_BUFFER - self->pos;
        if (take > len)
            take = len;
        memcpy (to, self->buf + self->pos, take);
        //  Used bytes are wiped so that a later memory disclosure cannot
        //  reveal noise that has already been added.
        memset (self->buf + self->pos, 0, take);
        self->pos += take;
        to += take;
        len -= take;
    }
    return 0;
}

int
dp_rng_u32 (dp_rng_t *self, uint32_t *out)
{
    if (self->pos + 4 > DP_RNG_BUFFER)
        return dp_rng_bytes (self, out, 4);
    memcpy (out, self->buf + self->pos, 4);
    memset (self->buf + self->pos, 0, 4);
    self->pos += 4;
    return 0;
}

int
dp_rng_u64 (dp_rng_t *self, uint64_t *out)
{
    if (self->pos + 8 > DP_RNG_BUFFER)
        return dp_rng_bytes (self, out, 8);
    memcpy (out, self->buf + self->pos, 8);
    memset (self->buf + self->pos, 0, 8);
    self->pos += 8;
    return 0;
}

int
dp_rng_bit (dp_rng_t *self, int *out)
{
    if (self->nbits == 0) {
        if (dp_rng_u64 (self, &self->bits))
            return -1;
        self->nbits = 64;
    }
    *out = (int) (self->bits & 1);
    self->bits >>= 1;
    self->nbits--;
    return 0;
}

//  Lemire, "Fast Random Integer Generation in an Interval" (ACM TOMACS 2019):
//  x * n / 2^w is uniform on [0, n) once the low words below 2^w mod n are
//  rejected, so the result is exact, not approximately uniform.
int
dp_rng_below (dp_rng_t *self, uint64_t n, uint64_t *out)
{
    if (n == 0)
        return util_error (UTIL_EFAIL, "uniform draw below 0 is undefined");
    if (n <= UINT32_MAX) {
        uint32_t n32 = (uint32_t) n;
        uint32_t x;
        if (dp_rng_u32 (self, &x))
            return -1;
        uint64_t m = (uint64_t) x * n32;
        uint32_t low = (uint32_t) m;
        if (low < n32) {
            uint32_t threshold = (uint32_t) -n32 % n32;
            while (low < threshold) {
                if (dp_rng_u32 (self, &x))
                    return -1;
                m = (uint64_t) x * n32;
                low = (uint32_t) m;
            }
        }
        *out = m >> 32;
        return 0;
    }
    uint64_t x;
    if (dp_rng_u64 (self, &x))
        return -1;
    unsigned __int128 m = (unsigned __int128) x * n;
    uint64_t low = (uint64_t) m;
    if (low < n) {
        uint64_t threshold = -n % n;
        while (low < threshold) {
            if (dp_rng_u64 (self, &x))
                return -1;
            m = (unsigned __int128) x * n;
            low = (uint64_t) m;
        }
    }
    *out = (uint64_t) (m >> 64);
    return 0;
}

int
dp_rng_below_mpz (dp_rng_t *self, mpz_t out, const mpz_t n)
{
    if (mpz_sgn (n) <= 0)
        return util_error (UTIL_EINPUT, "uniform draw below a non-positive bound is undefined");
    if (mpz_fits_ulong_p (n)) {
        uint64_t v;
        if (dp_rng_below (self, mpz_get_ui (n), &v))
            return -1;
        mpz_set_ui (out, v);
        return 0;
    }
    size_t bits = mpz_sizeinbase (n, 2);
    size_t bytes = (bits + 7) / 8;
    unsigned char *buf = util_malloc (bytes);
    if (!buf)
        return util_error_context ("drawing %zu random bits", bits);
    int rc = -1;
    //  Each try succeeds with probability > 1/2, so the loop ends with
    //  probability 1; the expected number of tries is below 2.
    for (;;) {
        if (dp_rng_bytes (self, buf, bytes))
            break;
        if (bits % 8)
            buf [0] &= (unsigned char) ((1u << (bits % 8)) - 1);
        mpz_import (out, bytes, 1, 1, 0, 0, buf);
        if (mpz_cmp (out, n) < 0) {
            rc = 0;
            break;
        }
    }
    OPENSSL_cleanse (buf, bytes);
    free (buf);
    return rc;
}
