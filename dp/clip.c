/*  dp/clip.c - L2 clipping, clip-and-sum, fixed-point sensitivity. */
#include "clip.h"
#include "dp.h"
#include "util/alloc.h"
#include "util/error.h"

#include <math.h>
#include <stdlib.h>

static int
s_check_c (double c)
{
    if (!(c > 0) || !isfinite (c))
        return util_error (UTIL_EINPUT, "clip norm %g must be finite and > 0", c);
    return 0;
}

//  Norm in long double with scaling, so that huge or tiny coordinates
//  neither overflow nor underflow the sum of squares, and its rounding
//  error (about d * 2^-64 relative) is far below double precision.
static long double
s_norm (const double *v, size_t d)
{
    long double scale = 0;
    for (size_t i = 0; i < d; i++)
        if (fabsl (v [i]) > scale)
            scale = fabsl (v [i]);
    if (scale == 0)
        return 0;
    long double ss = 0;
    for (size_t i = 0; i < d; i++) {
        long double x = v [i] / scale;
        ss += x * x;
    }
    return scale * sqrtl (ss);
}

int
dp_clip_l2 (double *v, size_t d, double c, double *norm)
{
    if (s_check_c (c))
        return -1;
    for (size_t i = 0; i < d; i++)
        if (!isfinite (v [i]))
            return util_error (UTIL_EINPUT, "coordinate %zu is not finite", i);
    long double n = s_norm (v, d);
    if (norm)
        *norm = (double) n;
    if (n > c) {
        //  Scaling by c/n rounds each coordinate, which can leave the norm
        //  a hair above c: shrink by a further 2^-40 until it is not.
        double factor = (double) (c / n);
        for (int tries = 0; s_norm (v, d) > c && tries < 64; tries++) {
            for (size_t i = 0; i < d; i++)
                v [i] *= factor;
            factor = 1 - 0x1p-40;
        }
    }
    return 0;
}

//  Adds one clipped example (row j, d coordinates) to the caller's sum.
typedef int (s_add_fn) (const double *row, size_t j, size_t d, void *arg);

//  Clips each of the m examples to L2 norm c in a copy and hands it to
//  `add`. d is the caller's dimension (a study parameter): the row is on
//  the heap, never a stack array of that size.
static int
s_clip_rows (const double *examples, size_t m, size_t d, double c, s_add_fn *add, void *arg)
{
    double *row = util_calloc (d, sizeof *row);
    if (!row)
        return util_error_context ("clipping %zu examples of dimension %zu", m, d);
    int rc = -1;
    for (size_t j = 0; j < m; j++) {
        for (size_t i = 0; i < d; i++)
            row [i] = examples [j * d + i];
        if (dp_clip_l2 (row, d, c, NULL)) {
            util_error_context ("example %zu", j);
            goto cleanup;
        }
        if (add (row, j, d, arg))
            goto cleanup;
    }
    rc = 0;
cleanup:
    free (row);
    return rc;
}

static int
s_add_real (const double *row, size_t j, size_t d, void *arg)
{
    (void) j;
    double *sum = arg;
    for (size_t i = 0; i < d; i++)
        sum [i] += row [i];
    return 0;
}

int
dp_clip_sum (const double *examples, size_t m, size_t d, double c, double *sum)
{
    if (s_check_c (c))
        return -1;
    return s_clip_rows (examples, m, d, c, s_add_real, sum);
}

typedef struct {
    double scale;               //  2^f
    int64_t *sum;
} s_fixed_t;

static int
s_add_fixed (const double *row, size_t j, size_t d, void *arg)
{
    s_fixed_t *a = arg;
    for (size_t i = 0; i < d; i++) {
        //  |row[i]| 2^f <= c 2^f <= 2^50: llround cannot overflow.
        int64_t r = llround (row [i] * a->scale);
        if (__builtin_add_overflow (a->sum [i], r, &a->sum [i]))
            return util_error (UTIL_EINPUT, "example %zu: coordinate %zu of the sum overflows "
                               "int64", j, i);
    }
    return 0;
}

int
dp_clip_sum_fixed (const double *examples, size_t m, size_t d, double c, unsigned f,
                   int64_t *sum)
{
    if (dp_clip_sensitivity (c, f, d) < 0)
        return -1;
    s_fixed_t a = { ldexp (1, (int) f), sum };
    return s_clip_rows (examples, m, d, c, s_add_fixed, &a);
}

double
dp_clip_sensitivity (double c, unsigned f, size_t d)
{
    if (s_check_c (c))
        return -1;
    if (f > DP_CLIP_FRAC_BITS_MAX)
        return util_error (UTIL_EFAIL, "fixed-point bits %u above %d", f, DP_CLIP_FRAC_BITS_MAX);
    if (d == 0)
        return util_error (UTIL_EINPUT, "dimension must be >= 1");
    double scaled = ldexp (c, (int) f);
    if (scaled > ldexp (1, 50))
        return util_error (UTIL_ELIMIT, "clip norm %g at 2^%u exceeds 2^50 integer units", c, f);
    return scaled + sqrt ((double) d) / 2;
}
