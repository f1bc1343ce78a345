/*  he/fixedbase.c - fixed-base window table; see fixedbase.h. */
#include "fixedbase.h"
#include "he_internal.h"
#include "util/alloc.h"

#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct _he_fixedbase_t {
    size_t exp_bits;
    unsigned window;            //  w bits per digit
    size_t rows;                //  ceil(exp_bits / w)
    size_t nl;                  //  limbs of the modulus
    bool sec;                   //  the constant-time form
    //  Row i holds 2^w entries of nl limbs (the last row 2^(its bits)):
    //  limbs [(i 2^w + d) nl ..] = g^(d 2^(w i)). The plain form holds row 0
    //  as is and the other rows in Montgomery form (times R = B^nl mod m);
    //  the constant-time form holds every row as is.
    mp_limb_t *limbs;
    size_t nlimbs;              //  limbs in `limbs`
    mp_limb_t *modl;            //  the modulus, nl limbs
    mp_limb_t *minv;            //  -modulus^-1 mod R, nl limbs
};

//  Limbs of working space s_montmul needs.
#define S_MONT_SCRATCH(nl) (6 * (nl))

//  r = a b R^-1 mod m (REDC) for a, b < m, m odd, R = B^nl. r may be a or
//  b, not scratch. T = a b; q = T m' mod R makes T + q m divisible by R,
//  and (T + q m) / R < 2m, so one masked subtraction finishes.
static void
s_montmul (mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b,
           const he_fixedbase_t *self, mp_limb_t *scratch)
{
    mp_size_t n = (mp_size_t) self->nl;
    mp_limb_t *t = scratch, *q = t + 2 * n, *u = q + 2 * n;
    mpn_mul_n (t, a, b, n);
    //  q = T m' mod R: the low half of a full product (GMP has no public
    //  low-half product; at 64 limbs the full one costs about the same).
    mpn_mul_n (q, t, self->minv, n);
    mpn_mul_n (u, q, self->modl, n);
    //  The low half of T + q m is 0; the high half with the carry is the
    //  result before the final subtraction.
    mp_limb_t carry = mpn_add_n (t, t, u, 2 * n);
    mp_limb_t borrow = mpn_sub_n (r, t + n, self->modl, n);
    //  Keep r = high - m if the sum reached m (a carry, or no borrow);
    //  otherwise swap the unreduced high half back in. No branch.
    mp_limb_t keep = carry | (borrow ^ 1);
    mpn_cnd_swap (keep ^ 1, r, t + n, n);
}

//  The w-bit digit of a fixed-width exponent at bit offset `at`: its
//  position alone decides which limbs are read.
static unsigned
s_digit (const mp_limb_t *limbs, size_t nlimbs, size_t at, unsigned w)
{
    size_t li = at / GMP_NUMB_BITS;
    unsigned shift = (unsigned) (at % GMP_NUMB_BITS);
    mp_limb_t v = limbs [li] >> shift;
    if (shift + w > GMP_NUMB_BITS && li + 1 < nlimbs)
        v |= limbs [li + 1] << (GMP_NUMB_BITS - shift);
    return (unsigned) (v & (((mp_limb_t) 1 << w) - 1));
}

//  Entries in row i (the last row only needs its own bits' digits).
static size_t
s_row_entries (size_t rows, size_t exp_bits, unsigned w, size_t i)
{
    unsigned bits = i + 1 < rows? w: (unsigned) (exp_bits - (rows - 1) * w);
    return (size_t) 1 << bits;
}

size_t
he_fixedbase_plan_bytes (size_t mod_bits, size_t exp_bits, unsigned window)
{
    if (window < 1 || window > HE_FIXEDBASE_WINDOW_MAX || exp_bits == 0)
        return SIZE_MAX;
    size_t rows = (exp_bits + window - 1) / window;
    size_t nl = (mod_bits + GMP_NUMB_BITS - 1) / GMP_NUMB_BITS;
    size_t entries = (rows - 1) * ((size_t) 1 << window)
                   + s_row_entries (rows, exp_bits, window, rows - 1);
    size_t bytes;
    //  rows <= exp_bits and 2^w <= 4096: only the product with nl can wrap.
    if (util_size_mul (&bytes, entries, nl) || util_size_mul (&bytes, bytes, sizeof (mp_limb_t)))
        return SIZE_MAX;
    return bytes;
}

//  x R mod m into nl limbs (zero-padded); x is any integer.
static void
s_to_mont (mp_limb_t *out, const mpz_t x, const mpz_t mod, size_t nl)
{
    mpz_t t;
    mpz_init (t);
    mpz_mod (t, x, mod);
    mpz_mul_2exp (t, t, nl * GMP_NUMB_BITS);
    mpz_mod (t, t, mod);
    memset (out, 0, nl * sizeof (mp_limb_t));
    mpz_export (out, NULL, -1, sizeof (mp_limb_t), 0, 0, t);
    mpz_clear (t);
}

//  Builds the table: every row in Montgomery form first, then the rows
//  that are held plain converted (a REDC, i.e. a product with plain 1).
static he_fixedbase_t *
s_new (const mpz_t base, const mpz_t mod, size_t exp_bits, unsigned window, bool sec)
{
    unsigned wmax = sec? 8: HE_FIXEDBASE_WINDOW_MAX;
    if (mpz_cmp_ui (mod, 1) <= 0 || mpz_even_p (mod) || exp_bits == 0 || exp_bits > 16384
    ||  window < 1 || window > wmax) {
        util_error (UTIL_EINPUT, "fixed-base table: need an odd modulus > 1, 1 to 16384 exponent "
                    "bits and a window of 1 to %u bits (got %zu bits, window %u)",
                    wmax, exp_bits, window);
        return NULL;
    }
    size_t bytes = he_fixedbase_plan_bytes (mpz_sizeinbase (mod, 2), exp_bits, window);
    if (bytes > HE_FIXEDBASE_BYTES_MAX) {
        util_error (UTIL_ELIMIT, "fixed-base table: %zu-bit exponents with %u-bit digits need "
                    "more than %zu MiB", exp_bits, window, HE_FIXEDBASE_BYTES_MAX >> 20);
        return NULL;
    }
    he_fixedbase_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->exp_bits = exp_bits;
    self->window = window;
    self->sec = sec;
    self->rows = (exp_bits + window - 1) / window;
    self->nl = mpz_size (mod);
    self->nlimbs = bytes / sizeof (mp_limb_t);
    size_t nl = self->nl;
    mp_limb_t *work = NULL;
    self->limbs = util_malloc (bytes);
    self->modl = util_calloc (nl, sizeof (mp_limb_t));
    self->minv = util_calloc (nl, sizeof (mp_limb_t));
    work = util_calloc (S_MONT_SCRATCH (nl) + 2 * nl, sizeof (mp_limb_t));
    if (!self->limbs || !self->modl || !self->minv || !work) {
        util_error_context ("fixed-base table");
        free (work);
        he_fixedbase_destroy (&self);
        return NULL;
    }
    mp_limb_t *row_base = work + S_MONT_SCRATCH (nl), *one = row_base + nl;
    mpz_export (self->modl, NULL, -1, sizeof (mp_limb_t), 0, 0, mod);
    //  m' = -m^-1 mod R; m is odd, so the inverse exists.
    mpz_t r, t;
    mpz_inits (r, t, NULL);
    mpz_setbit (r, nl * GMP_NUMB_BITS);
    mpz_invert (t, mod, r);
    mpz_sub (t, r, t);
    mpz_export (self->minv, NULL, -1, sizeof (mp_limb_t), 0, 0, t);
    mpz_set_ui (t, 1);
    s_to_mont (one, t, mod, nl);
    s_to_mont (row_base, base, mod, nl);
    mpz_clears (r, t, NULL);
    //  Row i: d = 0 is 1, d = 1 the row base g^(2^(w i)), each next entry
    //  one product more; the next row's base is the last entry times this
    //  row's base, g^(2^w 2^(w i)).
    size_t stride = ((size_t) 1 << window) * nl;
    for (size_t i = 0; i < self->rows; i++) {
        mp_limb_t *row = self->limbs + i * stride;
        size_t entries = s_row_entries (self->rows, exp_bits, window, i);
        memcpy (row, one, nl * sizeof (mp_limb_t));
        memcpy (row + nl, row_base, nl * sizeof (mp_limb_t));
        for (size_t d = 2; d < entries; d++)
            s_montmul (row + d * nl, row + (d - 1) * nl, row_base, self, work);
        if (i + 1 < self->rows)
            s_montmul (row_base, row + (entries - 1) * nl, row_base, self, work);
    }
    //  Plain 1 as the multiplier takes an entry out of Montgomery form.
    memset (one, 0, nl * sizeof (mp_limb_t));
    one [0] = 1;
    size_t plain_rows = sec? self->rows: 1;
    for (size_t i = 0; i < plain_rows; i++) {
        mp_limb_t *row = self->limbs + i * stride;
        size_t entries = s_row_entries (self->rows, exp_bits, window, i);
        for (size_t d = 0; d < entries; d++)
            s_montmul (row + d * nl, row + d * nl, one, self, work);
    }
    free (work);                //  public values only
    return self;
}

he_fixedbase_t *
he_fixedbase_new_window (const mpz_t base, const mpz_t mod, size_t exp_bits, unsigned window)
{
    return s_new (base, mod, exp_bits, window, false);
}

he_fixedbase_t *
he_fixedbase_new (const mpz_t base, const mpz_t mod, size_t exp_bits)
{
    return s_new (base, mod, exp_bits, 8, false);
}

he_fixedbase_t *
he_fixedbase_new_sec (const mpz_t base, const mpz_t mod, size_t exp_bits, unsigned window)
{
    return s_new (base, mod, exp_bits, window, true);
}

void
he_fixedbase_destroy (he_fixedbase_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    he_fixedbase_t *self = *self_p;
    free (self->limbs);
    free (self->modl);
    free (self->minv);
    free (self);
    *self_p = NULL;
}

static int
s_check_exponent (const he_fixedbase_t *self, const mpz_t e)
{
    if (mpz_sgn (e) < 0 || mpz_sizeinbase (e, 2) > self->exp_bits)
        return util_error (UTIL_EINPUT, "fixed-base exponent out of range (%zu bits allowed)",
                           self->exp_bits);
    return 0;
}

int
he_fixedbase_pow (mpz_t out, const he_fixedbase_t *self, const mpz_t e)
{
    if (self->sec)
        return util_error (UTIL_EINPUT, "fixed-base table: built for constant-time powers only");
    if (s_check_exponent (self, e))
        return -1;
    size_t nl = self->nl, w = self->window, stride = ((size_t) 1 << w) * nl;
    //  The exponent is copied to a fixed number of limbs so that reading
    //  its digits depends on the position only, never on e's length.
    size_t el = (self->exp_bits + GMP_NUMB_BITS - 1) / GMP_NUMB_BITS;
    //  el and nl are bounded by the table's sizes, already allocated.
    size_t total = el + nl + S_MONT_SCRATCH (nl);
    mp_limb_t *buf = util_calloc (total, sizeof (mp_limb_t));
    if (!buf)
        return util_error_context ("fixed-base power");
    mp_limb_t *exp = buf, *acc = exp + el, *scratch = acc + nl;
    mpz_export (exp, NULL, -1, sizeof (mp_limb_t), 0, 0, e);
    //  Row 0 is plain and the others are in Montgomery form, so each
    //  product keeps acc plain. Every row costs one product (a zero digit
    //  reads the entry 1), and the next row's entry is prefetched while
    //  this one is multiplied: the table is larger than any cache.
    unsigned d = s_digit (exp, el, 0, (unsigned) w);
    memcpy (acc, self->limbs + d * nl, nl * sizeof (mp_limb_t));
    for (size_t row = 1; row < self->rows; row++) {
        const mp_limb_t *entry = self->limbs + row * stride
                               + s_digit (exp, el, row * w, (unsigned) w) * nl;
        if (row + 1 < self->rows) {
            const char *next = (const char *) (self->limbs + (row + 1) * stride
                             + s_digit (exp, el, (row + 1) * w, (unsigned) w) * nl);
            size_t size = nl * sizeof (mp_limb_t);
            for (size_t b = 0; b < size; b += 64)
                __builtin_prefetch (next + b);
            __builtin_prefetch (next + size - 1);   //  the entry need not be line-aligned
        }
        s_montmul (acc, acc, entry, self, scratch);
    }
    mpz_import (out, nl, -1, sizeof (mp_limb_t), 0, 0, acc);
    //  Digits of e and partial products derived from them are wiped.
    OPENSSL_cleanse (buf, total * sizeof (mp_limb_t));
    free (buf);
    return 0;
}

int
he_fixedbase_mul_chain (mpz_t out, const he_fixedbase_t *self, const mpz_t a, const mpz_t b,
                        size_t count)
{
    if (self->sec)
        return util_error (UTIL_EINPUT, "fixed-base table: built for constant-time powers only");
    size_t nl = self->nl, total = 2 * nl + S_MONT_SCRATCH (nl);
    mp_limb_t *buf = util_calloc (total, sizeof (mp_limb_t));
    if (!buf)
        return util_error_context ("fixed-base product chain");
    mp_limb_t *acc = buf, *bm = acc + nl, *scratch = bm + nl;
    mpz_t m, t;
    mpz_init (t);
    //  The modulus from its limbs (a read-only view: mpz_roinit_n).
    mpz_roinit_n (m, self->modl, (mp_size_t) nl);
    mpz_mod (t, a, m);
    mpz_export (acc, NULL, -1, sizeof (mp_limb_t), 0, 0, t);
    s_to_mont (bm, b, m, nl);
    for (size_t k = 0; k < count; k++)
        s_montmul (acc, acc, bm, self, scratch);
    mpz_import (out, nl, -1, sizeof (mp_limb_t), 0, 0, acc);
    mpz_clear (t);
    OPENSSL_cleanse (buf, total * sizeof (mp_limb_t));
    free (buf);
    return 0;
}

int
he_fixedbase_pow_sec (mpz_t out, const he_fixedbase_t *self, const mpz_t e)
{
    if (!self->sec)
        return util_error (UTIL_EFAIL, "fixed-base table: not built for constant-time powers");
    if (s_check_exponent (self, e))
        return -1;
    size_t nl = self->nl, w = self->window, stride = ((size_t) 1 << w) * nl;
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
        unsigned d = s_digit (exp, el, row * w, (unsigned) w);
        size_t entries = s_row_entries (self->rows, self->exp_bits, (unsigned) w, row);
        mpn_sec_tabselect (sel, self->limbs + row * stride, (mp_size_t) nl,
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
he_fixedbase_products (const he_fixedbase_t *self)
{
    return self->rows - 1;
}

unsigned
he_fixedbase_window (const he_fixedbase_t *self)
{
    return self->window;
}

size_t
he_fixedbase_bytes (const he_fixedbase_t *self)
{
    return self->nlimbs * sizeof (mp_limb_t);
}
