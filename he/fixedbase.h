/*  he/fixedbase.h - fixed-base modular exponentiation with a window table.

    For a base g fixed once (the public key's hs, the verification base v),
    an odd modulus m and exponents of at most `exp_bits` bits, the table
    holds g^(d 2^(w i)) for every w-bit digit position i and every digit
    d = 0..2^w-1. g^x is then the product of one entry per digit of x:
    rows - 1 modular products for rows = ceil(exp_bits / w), no squarings
    (the "fixed-base windowing" of Brickell-Gordon-McCurley-Wilson,
    Eurocrypt '92, in its simplest form). Memory: rows * 2^w residues (the
    last row only as many as its bits need); he_fixedbase_plan_bytes gives
    the figure before anything is built. At 2048-bit Paillier (m = n^2,
    4096 bits; 1024-bit exponents) 10-bit digits cost 102 products and
    53.5 MB, 8-bit digits 127 products and 16.8 MB.

    The plain form multiplies in Montgomery form (Montgomery, "Modular
    multiplication without trial division", Math. Comp. 44, 1985; REDC as
    in Handbook of Applied Cryptography 14.32, with the whole quotient
    q = T m' mod R found by one multiplication): a product is one
    mpn_mul_n for a*b, one for q and one for q*m, then a masked final
    subtraction (mpn_cnd_swap): about 3.2 times one 64-limb mpn_mul_n,
    where mpz_mul + mpz_mod costs about 3.4 (GMP's public functions have
    no low-half product, so q costs a full one). Row 0 of the table is held plain,
    the others as g R mod m, so the running product stays plain and
    needs no conversion at the end.

    Side channels. The plain form is for public exponents, or where
    docs/threat-model.md says why the risk is accepted (the fast
    encryption, whose exponent is secret). Every row costs exactly one
    product, a digit 0 included (its entry is 1), the exponent is read at
    a fixed width, and the final subtraction is masked: the sequence and
    sizes of the operations do not depend on the exponent. Which entry is
    read does: the table lookup is indexed by each digit, so a co-resident
    attacker who can watch the cache can learn digits. (The earlier form
    also skipped zero digits, so the product count leaked too; this one
    does not.) GMP's mpn_mul_n and mpn_add_n / mpn_sub_n are not
    documented as constant-time. The constant-time form (he_fixedbase_new_sec)
    is for secret exponents whose leak would reveal a key: every entry of
    a row is read with mpn_sec_tabselect and the products are mpn_sec_mul
    / mpn_sec_div_r.

    Contents
        he_fixedbase_t              a table for one base and modulus
        he_fixedbase_new            the table with 8-bit digits
        he_fixedbase_new_window     the table with w-bit digits
        he_fixedbase_pow            base^e from the table
        he_fixedbase_new_sec        the constant-time table (secret exponents)
        he_fixedbase_pow_sec        base^e from it, in constant time
        he_fixedbase_mul_chain      a * b^k mod m with the table's product
                                    (what a benchmark times)
        he_fixedbase_products       modular products one power costs
        he_fixedbase_window         the table's digit width
        he_fixedbase_bytes          the table's size
        he_fixedbase_plan_bytes     the size a table would have
        he_fixedbase_destroy        frees a table

    A table is the caller's (he_fixedbase_destroy, NULL-safe) and keeps no
    pointer to the caller's numbers. After it is built it is only read:
    any number of threads may raise powers from one table at once. Errors
    are -1 / NULL with the reason in the error slot (util/error.h).
*/
#ifndef HE_FIXEDBASE_H
#define HE_FIXEDBASE_H

#include "he.h"

//  Widest digit and largest table accepted.
#define HE_FIXEDBASE_WINDOW_MAX 12
#define HE_FIXEDBASE_BYTES_MAX  ((size_t) 256 << 20)

typedef struct _he_fixedbase_t he_fixedbase_t;

/*  Precomputes the table for base mod `mod` and exponents < 2^exp_bits,
    with 8-bit digits. Returns NULL on bad arguments (mod <= 1 or even,
    exp_bits 0 or > 16384). */
he_fixedbase_t *he_fixedbase_new (const mpz_t base, const mpz_t mod, size_t exp_bits);

/*  The same with w-bit digits, 1 <= w <= HE_FIXEDBASE_WINDOW_MAX, if the
    table takes at most HE_FIXEDBASE_BYTES_MAX bytes (NULL otherwise). */
he_fixedbase_t *he_fixedbase_new_window (const mpz_t base, const mpz_t mod,
                                         size_t exp_bits, unsigned window);

void he_fixedbase_destroy (he_fixedbase_t **self_p);

/*  out = base^e mod mod for 0 <= e < 2^exp_bits. Returns 0, or -1 if e is
    out of range, the table is a constant-time one, or memory for the
    working buffer (about 7 moduli, wiped after use) runs out. */
int he_fixedbase_pow (mpz_t out, const he_fixedbase_t *self, const mpz_t e) HE_WUR;

/*  The constant-time form, for secret exponents (a proof nonce): the table
    is held plain with an entry for the digit 0, each row's entry is read
    with mpn_sec_tabselect (every entry is touched) and multiplied with
    mpn_sec_mul / mpn_sec_div_r, so neither the memory access pattern nor
    the timing depends on the exponent's digits. Windows 1..8. Returns NULL
    on bad arguments. */
he_fixedbase_t *he_fixedbase_new_sec (const mpz_t base, const mpz_t mod, size_t exp_bits,
                                      unsigned window);

/*  out = base^e mod mod for 0 <= e < 2^exp_bits with a table from
    he_fixedbase_new_sec, in time independent of e's value. Returns 0, or
    -1 if e is out of range or the table is not a constant-time one. */
int he_fixedbase_pow_sec (mpz_t out, const he_fixedbase_t *self, const mpz_t e) HE_WUR;

/*  out = a * b^count mod mod, by `count` modular products exactly as
    he_fixedbase_pow performs them (b in Montgomery form, the running
    product plain). It does not read the table: a benchmark times it to
    find the cost of one product. a and b may be any integers (taken mod
    mod). Returns 0, or -1 for a constant-time table or out of memory. */
int he_fixedbase_mul_chain (mpz_t out, const he_fixedbase_t *self, const mpz_t a,
                            const mpz_t b, size_t count) HE_WUR;

/*  Modular products one he_fixedbase_pow costs (rows - 1). */
size_t he_fixedbase_products (const he_fixedbase_t *self);

/*  The table's digit width w. */
unsigned he_fixedbase_window (const he_fixedbase_t *self);

/*  Bytes of residues held by the table (for the benchmark's report). */
size_t he_fixedbase_bytes (const he_fixedbase_t *self);

/*  Bytes of residues a table for a modulus of mod_bits bits, exponents of
    exp_bits bits and w-bit digits would hold, or SIZE_MAX if that does not
    fit a size_t. */
size_t he_fixedbase_plan_bytes (size_t mod_bits, size_t exp_bits, unsigned window);

#endif
