/*  he/fixedbase.h - fixed-base modular exponentiation with a window table.

    For a base g fixed once (the public key's hs) and exponents of at most
    `exp_bits` bits, the table holds g^(d * 2^(8i)) for every byte position i
    and byte value d = 1..255. g^x is then the product of one entry per
    non-zero byte of x: exp_bits/8 modular products, no squarings (the
    "fixed-base windowing" of Brickell-Gordon-McCurley-Wilson, Eurocrypt '92,
    in its simplest form). Memory: exp_bits/8 * 255 residues.

    The lookups are indexed by the exponent's bytes and so are not constant
    time; see docs/threat-model.md for why the fast encryption accepts this.
*/
#ifndef HE_FIXEDBASE_H
#define HE_FIXEDBASE_H

#include "he.h"

typedef struct _he_fixedbase_t he_fixedbase_t;

/*  Precomputes the table for base mod `mod` and exponents < 2^exp_bits.
    Returns NULL on bad arguments (mod <= 1, exp_bits 0 or > 16384). */
he_fixedbase_t *he_fixedbase_new (const mpz_t base, const mpz_t mod, size_t exp_bits);

void he_fixedbase_destroy (he_fixedbase_t **self_p);

/*  out = base^e mod mod for 0 <= e < 2^exp_bits. Returns 0, or -1 if e is
    out of range. */
int he_fixedbase_pow (mpz_t out, const he_fixedbase_t *self, const mpz_t e) HE_WUR;

/*  Bytes of residues held by the table (for the benchmark's report). */
size_t he_fixedbase_bytes (const he_fixedbase_t *self);

#endif
