/*  he/fixedbase.c - fixed-base window table; see fixedbase.h. */
#include "fixedbase.h"
#include "he_internal.h"
#include "util/alloc.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

struct _he_fixedbase_t {
    mpz_t mod;
    size_t exp_bits;
    unsigned window;            //  w bits per digit
    size_t values;              //  2^w - 1 non-zero digits
    size_t rows;                //  ceil(exp_bits / w)
    mpz_t *table;               //  table [i*values + d-1] = g^(d 2^(w i))
    //  The constant-time form instead holds, per row, 2^w entries of nl
    //  limbs: limbs [(i 2^w + d) nl ..] = g^(d 2^(w i)), d = 0..2^w-1.
    mp_limb_t *limbs;
    mp_limb_t *modl;            //  mod as nl limbs
    size_t nl;
};

he_fixedbase_t *
he_fixedbase_new_window (const mpz_t base, const mpz_t mod, size_t exp_bits, unsigned window)
{
    if (mpz_cmp_ui (mod, 1) <= 0 || exp_bits == 0 || exp_bits > 16384
    ||  window < 1 || window > 8) {
        util_error (UTIL_EINPUT, "fixed-base table: bad modulus, exponent size %zu or window %u",
                    exp_bits, window);
        return NULL;
    }
    he_fixedbase_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->exp_bits = exp_bits;
    self->window = window;
    self->values = ((size_t) 1 << window) - 1;
    self->rows = (exp_bits + window - 1) / window;
    //  At most 16384 rows of 255 entries: the count cannot wrap.
    self->table = util_calloc (self->rows * self->values, sizeof (mpz_t));
    if (!self->table) {
        free (self);
        util_error_context ("fixed-base table");
        return NULL;
    }
    mpz_init_set (self->mod, mod);
    mpz_t row_base, wide;               //  row_base = g^(2^(w i))
    mpz_init (row_base);
    mpz_init2 (wide, 2 * mpz_sizeinbase (mod, 2) + 64);
    mpz_mod (row_base, base, mod);
    for (size_t i = 0; i < self->rows; i++) {
        mpz_t *row = self->table + i * self->values;
        mpz_init_set (row [0], row_base);
        for (size_t d = 1; d < self->values; d++) {
            mpz_init (row [d]);
            mpz_mul (wide, row [d - 1], row_base);
            mpz_mod (row [d], wide, mod);
        }
        //  next row base = g^(2^w 2^(w i)) = row[last] * row_base
        mpz_mul (wide, row [self->values - 1], row_base);
        mpz_mod (row_base, wide, mod);
    }
    mpz_clears (row_base, wide, NULL);
    return self;
}

he_fixedbase_t *
he_fixedbase_new (const mpz_t base, const mpz_t mod, size_t exp_bits)
{
    return he_fixedbase_new_window (base, mod, exp_bits, 8);
}

he_fixedbase_t *
he_fixedbase_new_sec (const mpz_t base, const mpz_t mod, size_t exp_bits, unsigned window)
{
    he_fixedbase_t *self = he_fixedbase_new_window (base, mod, exp_bits, window);
    if (!self)
        return NULL;
    size_t nl = mpz_size (mod), entries = self->values + 1, count = 0;
    if (util_size_mul (&count, self->rows * entries, nl)
    ||  !(self->limbs = util_calloc (count, sizeof (mp_limb_t)))
    ||  !(self->modl = util_calloc (nl, sizeof (mp_limb_t)))) {
        util_error_context ("fixed-base table");
        he_fixedbase_destroy (&self);
        return NULL;
    }
    self->nl = nl;
    mpz_export (self->modl, NULL, -1, sizeof (mp_limb_t), 0, 0, mod);
    //  Entries are reduced (< mod), so each fits nl limbs; the rest stays 0.
    for (size_t i = 0; i < self->rows; i++) {
        mp_limb_t *row = self->limbs + i * entries * nl;
        row [0] = 1;
        for (size_t d = 1; d < entries; d++) {
            mpz_t *e = &self->table [i * self->values + d - 1];
            mpz_export (row + d * nl, NULL, -1, sizeof (mp_limb_t), 0, 0, *e);
        }
    }
    //  The mpz form is not used by the constant-time power: free it.
    for (size_t k = 0; k < self->rows * self->values; k++)
        mpz_clear (self->table [k]);
    free (self->table);
    self->table = NULL;
    return self;
}

void
he_fixedbase_destroy (he_fixedbase_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    he_fixedbase_t *self = *self_p;
    if (self->table)
        for (size_t k = 0; k < self->rows * self->values; k++)
            mpz_clear (self->table [k]);
    free (self->table);
    free (self->limbs);
    free (self->modl);
    mpz_clear (self->mod);
    free (self);
    *self_p = NULL;
}

//  The w-bit digit of e at bit offset `at` (w <= 8, so at most two limbs).
static unsigned
s_digit (const mp_limb_t *limbs, size_t nlimbs, size_t at, unsigned w)
{
    size_t li = at / GMP_NUMB_BITS;
    unsigned shift = (unsigned) (at % GMP_NUMB_BITS);
    mp_limb_t v = li < nlimbs? limbs [li] >> shift: 0;
    if (shift + w > GMP_NUMB_BITS && li + 1 < nlimbs)
        v |= limbs [li + 1] << (GMP_NUMB_BITS - shift);
    return (unsigned) (v & (((mp_limb_t) 1 << w) - 1));
}

int
he_fixedbase_pow (mpz_t out, const he_fixedbase_t *self, const mpz_t e)
{
    if (!self->table)
        return util_error (UTIL_EINPUT, "fixed-base table: built for constant-time powers only");
    if (mpz_sgn (e) < 0 || mpz_sizeinbase (e, 2) > self->exp_bits)
        return util_error (UTIL_EINPUT, "fixed-base exponent out of range (%zu bits allowed)",
                           self->exp_bits);
    //  One table entry per non-zero digit. Products go through `wide`
    //  (sized once) so GMP never reallocates in the loop: every
    //  reallocation would go through the wiping allocator.
    mpz_t wide;
    mpz_init2 (wide, 2 * mpz_sizeinbase (self->mod, 2) + 64);
    size_t nlimbs = mpz_size (e);
    const mp_limb_t *limbs = mpz_limbs_read (e);
    int started = 0;
    for (size_t row = 0; row < self->rows; row++) {
        unsigned d = s_digit (limbs, nlimbs, row * self->window, self->window);
        if (d == 0)
            continue;
        const mpz_t *entry = &self->table [row * self->values + d - 1];
        if (!started) {
            mpz_set (out, *entry);
            started = 1;
        }
        else {
            mpz_mul (wide, out, *entry);
            mpz_mod (out, wide, self->mod);
        }
    }
    if (!started)
        mpz_set_ui (out, 1);
    mpz_clear (wide);
    return 0;
}

int
he_fixedbase_pow_sec (mpz_t out, const he_fixedbase_t *self, const mpz_t e)
{
    if (!self->limbs)
        return util_error (UTIL_EFAIL, "fixed-base table: not built for constant-time powers");
    if (mpz_sgn (e) < 0 || mpz_sizeinbase (e, 2) > self->exp_bits)
        return util_error (UTIL_EINPUT, "fixed-base exponent out of range (%zu bits allowed)",
                           self->exp_bits);
    size_t nl = self->nl, entries = self->values + 1;
    //  The exponent is copied into a fixed number of limbs so that digit
    //  extraction depends on the position only, never on e's length.
    size_t el = (self->exp_bits + GMP_NUMB_BITS - 1) / GMP_NUMB_BITS;
    mp_size_t mul_itch = mpn_sec_mul_itch ((mp_size_t) nl, (mp_size_t) nl);
    mp_size_t div_itch = mpn_sec_div_r_itch ((mp_size_t) (2 * nl), (mp_size_t) nl);
    size_t itch = (size_t) (mul_itch > div_itch? mul_itch: div_itch);
    //  el and nl are bounded by the table's exponent and modulus sizes,
    //  which were allocated already: the sum cannot wrap.
    size_t total = el + nl + nl + 2 * nl + itch;
    mp_limb_t *buf = util_calloc (total, sizeof (mp_limb_t));
    if (!buf)
        return util_error_context ("fixed-base power");
    mp_limb_t *exp = buf, *acc = exp + el, *sel = acc + nl, *prod = sel + nl,
              *scratch = prod + 2 * nl;
    mpz_export (exp, NULL, -1, sizeof (mp_limb_t), 0, 0, e);
    acc [0] = 1;
    for (size_t row = 0; row < self->rows; row++) {
        unsigned d = s_digit (exp, el, row * self->window, self->window);
        mpn_sec_tabselect (sel, self->limbs + row * entries * nl, (mp_size_t) nl,
                           (mp_size_t) entries, d);
        mpn_sec_mul (prod, acc, (mp_size_t) nl, sel, (mp_size_t) nl, scratch);
        mpn_sec_div_r (prod, (mp_size_t) (2 * nl), self->modl, (mp_size_t) nl, scratch);
        memcpy (acc, prod, nl * sizeof (mp_limb_t));
    }
    mpz_import (out, nl, -1, sizeof (mp_limb_t), 0, 0, acc);
    //  Digits of e and partial products derived from them are wiped.
    OPENSSL_cleanse (buf, total * sizeof (mp_limb_t));
    free (buf);
    return 0;
}

size_t
he_fixedbase_bytes (const he_fixedbase_t *self)
{
    if (self->limbs)
        return self->rows * (self->values + 1) * self->nl * sizeof (mp_limb_t);
    return self->rows * self->values * mpz_size (self->mod) * sizeof (mp_limb_t);
}
