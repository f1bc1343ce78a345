/*  he/he.h - module set-up and randomness for the Paillier core.

    Call he_init() once at start-up, before any other GMP use: it installs a
    GMP allocator that wipes every limb it frees, so secrets held in mpz_t
    (key factors, shares, encryption randomness) never linger in freed memory.

    Every he_ function that can fail returns -1 (or NULL) and leaves one line
    describing what went wrong, in the error slot
    (util/error.h).
*/
#ifndef HE_HE_H
#define HE_HE_H

#include <gmp.h>
#include <stddef.h>
#include <stdint.h>

#define HE_WUR __attribute__((warn_unused_result))

/*  Installs the wiping GMP allocator. Idempotent; call before any mpz_init.
    Returns 0. */
int he_init (void);

/*  Fills `out` with a uniform integer of exactly `bits` random bits (top bit
    may be 0) from OpenSSL's CSPRNG. Returns 0, or -1 if RAND_bytes fails. */
int he_random_bits (mpz_t out, size_t bits) HE_WUR;

/*  Fills `out` with a uniform integer in [0, bound) from OpenSSL's CSPRNG by
    rejection sampling. bound must be > 0. Returns 0 or -1. */
int he_random_below (mpz_t out, const mpz_t bound) HE_WUR;

/*  Fills `out` with a uniform unit of Z*_n (1 <= out < n, gcd(out, n) = 1).
    Returns 0 or -1. */
int he_random_unit (mpz_t out, const mpz_t n) HE_WUR;

#endif
