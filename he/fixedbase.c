/*  he/fixedbase.c - fixed-base window table; see fixedbase.h. */
#include "fixedbase.h"
#include "he_internal.h"

#include <stdlib.h>
#include <string.h>

#define WINDOW_BITS   8
#define WINDOW_VALUES 255       //  non-zero byte values

struct _he_fixedbase_t {
    mpz_t mod;
    size_t exp_bits;
    size_t rows;                //  ceil(exp_bits / 8)
    mpz_t *table;               //  rows * 255: table [i*255 + d-1] = g^(d 2^(8i))
};

he_fixedbase_t *
he_fixedbase_new (const mpz_t base, const mpz_t mod, size_t exp_bits)
{
    if (mpz_cmp_ui (mod, 1) <= 0 || exp_bits == 0 || exp_bits > 16384) {
        he_error ("fixed-base table: bad modulus or exponent size %zu", exp_bits);
        return NULL;
    }
    he_fixedbase_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->exp_bits = exp_bits;
    self->rows = (exp_bits + WINDOW_BITS - 1) / WINDOW_BITS;
    self->table = malloc (self->rows * WINDOW_VALUES * sizeof (mpz_t));
    if (!self->table) {
        free (self);
        he_error ("out of memory for the fixed-base table");
        return NULL;
    }
    mpz_init_set (self->mod, mod);
    mpz_t row_base;                     //  g^(2^(8i))
    mpz_init (row_base);
    mpz_mod (row_base, base, mod);
    for (size_t i = 0; i < self->rows; i++) {
        mpz_t *row = self->table + i * WINDOW_VALUES;
        mpz_init_set (row [0], row_base);
        for (size_t d = 1; d < WINDOW_VALUES; d++) {
            mpz_init (row [d]);
            mpz_mul (row [d], row [d - 1], row_base);
            mpz_mod (row [d], row [d], mod);
        }
        //  next row base = g^(256 * 2^(8i)) = row[254] * row_base
        mpz_mul (row_base, row [WINDOW_VALUES - 1], row_base);
        mpz_mod (row_base, row_base, mod);
    }
    mpz_clear (row_base);
    return self;
}

void
he_fixedbase_destroy (he_fixedbase_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    he_fixedbase_t *self = *self_p;
    for (size_t k = 0; k < self->rows * WINDOW_VALUES; k++)
        mpz_clear (self->table [k]);
    free (self->table);
    mpz_clear (self->mod);
    free (self);
    *self_p = NULL;
}

int
he_fixedbase_pow (mpz_t out, const he_fixedbase_t *self, const mpz_t e)
{
    if (mpz_sgn (e) < 0 || mpz_sizeinbase (e, 2) > self->exp_bits)
        return he_error ("fixed-base exponent out of range (%zu bits allowed)",
                         self->exp_bits);
    //  Walk the exponent a limb at a time, a byte at a time. Products go
    //  through `wide` (sized once) so GMP never reallocates in the loop:
    //  every reallocation would go through the wiping allocator.
    mpz_t wide;
    mpz_init2 (wide, 2 * mpz_sizeinbase (self->mod, 2) + 64);
    size_t limbs = mpz_size (e);
    const mp_limb_t *lp = mpz_limbs_read (e);
    int started = 0;
    size_t row = 0;
    for (size_t li = 0; li < limbs; li++) {
        mp_limb_t limb = lp [li];
        for (size_t b = 0; b < sizeof (mp_limb_t) && row < self->rows; b++, row++) {
            unsigned d = (unsigned) (limb & 0xff);
            limb >>= 8;
            if (d == 0)
                continue;
            const mpz_t *entry = &self->table [row * WINDOW_VALUES + d - 1];
            if (!started) {
                mpz_set (out, *entry);
                started = 1;
            }
            else {
                mpz_mul (wide, out, *entry);
                mpz_mod (out, wide, self->mod);
            }
        }
    }
    if (!started)
        mpz_set_ui (out, 1);
    mpz_clear (wide);
    return 0;
}

size_t
he_fixedbase_bytes (const he_fixedbase_t *self)
{
    return self->rows * WINDOW_VALUES * mpz_size (self->mod) * sizeof (mp_limb_t);
}
