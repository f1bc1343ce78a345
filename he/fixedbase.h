/*  he/fixedbase.h - fixed-base modular exponentiation with a window table.

    For a base g fixed once (the public key's hs, the verification base v)
    and exponents of at most `exp_bits` bits, the table holds g^(d 2^(w i))
    for every w-bit digit position i and digit d = 1..2^w-1. g^x is then the
    product of one entry per non-zero digit of x: exp_bits/w modular
    products, no squarings (the
    "fixed-base windowing" of Brickell-Gordon-McCurley-Wilson, Eurocrypt '92,
    in its simplest form). Memory: exp_bits/w * (2^w - 1) residues.

    The lookups are indexed by the exponent's digits and so are not constant
    time: use it for public exponents, or where docs/threat-model.md says
    why the risk is accepted (the fast encryption).

    Contents
        he_fixedbase_t              a table for one base and modulus
        he_fixedbase_new            the table with 8-bit digits
        he_fixedbase_new_window     the table with w-bit digits
        he_fixedbase_pow            base^e from the table
        he_fixedbase_new_sec        the constant-time table (secret exponents)
        he_fixedbase_pow_sec        base^e from it, in constant time
        he_fixedbase_bytes          the table's size
        he_fixedbase_destroy        frees a table

    A table is the caller's (he_fixedbase_destroy, NULL-safe) and keeps no
    pointer to the caller's numbers. Errors are -1 / NULL with the reason
    in the error slot (util/error.h).
*/
#ifndef HE_FIXEDBASE_H
#define HE_FIXEDBASE_H

#include "he.h"

typedef struct _he_fixedbase_t he_fixedbase_t;

/*  Precomputes the table for base mod `mod` and exponents < 2^exp_bits,
    with 8-bit digits. Returns NULL on bad arguments (mod <= 1, exp_bits 0
    or > 16384). */
he_fixedbase_t *he_fixedbase_new (const mpz_t base, const mpz_t mod, size_t exp_bits);

/*  The same with w-bit digits, 1 <= w <= 8: exp_bits/w products per power
    and exp_bits/w * (2^w - 1) residues of memory. */
he_fixedbase_t *he_fixedbase_new_window (const mpz_t base, const mpz_t mod,
                                         size_t exp_bits, unsigned window);

void he_fixedbase_destroy (he_fixedbase_t **self_p);

/*  out = base^e mod mod for 0 <= e < 2^exp_bits. Returns 0, or -1 if e is
    out of range. */
int he_fixedbase_pow (mpz_t out, const he_fixedbase_t *self, const mpz_t e) HE_WUR;

/*  The constant-time form, for secret exponents (a proof nonce): the table
    is held as fixed-width limb arrays with an entry for the digit 0, each
    row's entry is read with mpn_sec_tabselect (every entry is touched) and
    multiplied with mpn_sec_mul / mpn_sec_div_r, so neither the memory
    access pattern nor the timing depends on the exponent's digits. Same
    arguments and memory as he_fixedbase_new_window (plus one entry per
    row). Returns NULL on bad arguments. */
he_fixedbase_t *he_fixedbase_new_sec (const mpz_t base, const mpz_t mod, size_t exp_bits,
                                      unsigned window);

/*  out = base^e mod mod for 0 <= e < 2^exp_bits with a table from
    he_fixedbase_new_sec, in time independent of e's value. Returns 0, or
    -1 if e is out of range or the table is not a constant-time one. */
int he_fixedbase_pow_sec (mpz_t out, const he_fixedbase_t *self, const mpz_t e) HE_WUR;

/*  Bytes of residues held by the table (for the benchmark's report). */
size_t he_fixedbase_bytes (const he_fixedbase_t *self);

#endif
