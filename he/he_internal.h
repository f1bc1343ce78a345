/*  he/he_internal.h - private to he/: error reporting and small helpers. */
#ifndef HE_INTERNAL_H
#define HE_INTERNAL_H

#include "he.h"
#include "util/error.h"

/*  Writes n as lower-case hex into a new string (caller frees). NULL, with
    UTIL_ENOMEM, when out of memory. */
char *he_mpz_to_hex (const mpz_t n);

/*  Draws a prime of exactly `bits` bits (top two bits set, so a product of
    two has 2*bits bits) with OpenSSL's BN_generate_prime_ex2 and CSPRNG. If
    `safe`, (p-1)/2 is prime too. Returns 0 or -1. */
int he_prime_generate (mpz_t p, size_t bits, int safe);

/*  L(x) = (x - 1) / d, exact division (Paillier's L function). */
void he_L (mpz_t out, const mpz_t x, const mpz_t d);

#endif
