/*  he/he.h - the Paillier room: additively homomorphic encryption under a
    threshold key, so that sums of the sites' vectors can be decrypted only
    by enough sites together. This header sets the room up and draws its
    randomness; the room's modules:

        he/paillier.h   keys, encryption, CRT decryption and the
                        homomorphic operations
        he/threshold.h  t-of-l threshold keys, partial decryptions, their
                        proofs (one or batched) and their combination
        he/codec.h      signed fixed-point vectors packed into plaintexts
        he/fixedbase.h  fixed-base exponentiation tables (plain and
                        constant-time)
        he/keyfile.h    key files: strict parsers, formatters, atomic write
        he/serial.h     public keys, ciphertext vectors and proofs as wire
                        bytes

    Contents
        he_init             installs the wiping GMP allocator; call first
        he_random_bits      a uniform integer of `bits` random bits
        he_random_below     a uniform integer in [0, bound)
        he_random_unit      a uniform unit of Z*_n
        HE_WUR              marks a result the caller must check

    Call he_init() once at start-up, before any other GMP use: it installs a
    GMP allocator that wipes every limb it frees, so secrets held in mpz_t
    (key factors, shares, encryption randomness) never linger in freed memory.

    Every mpz_t argument is the caller's, initialised and cleared by it.
    Every he_ function that can fail returns -1 (or NULL) with the reason in
    the error slot (util/error.h).
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
