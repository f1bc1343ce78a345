/*  dp/clip.h - L2 clipping and the integer-domain sensitivity.

    A site clips each example's vector (a gradient, a row of a query) to L2
    norm <= C, scales it to fixed point by 2^f, rounds each coordinate to
    the nearest integer, and sums the integer vectors. Removing or adding
    one example then changes the integer sum by one rounded vector r with
      ||r||_2 <= ||2^f x||_2 + ||r - 2^f x||_2 <= C 2^f + sqrt(d) / 2,
    since each coordinate moves by at most 1/2 in rounding. That bound is
    dp_clip_sensitivity(), the one place it is computed: the noise is
    calibrated and the accountant charged against it, in integer units.

    Contents
        dp_clip_l2              clips one vector in place
        dp_clip_sum             clips rows and adds them up
        dp_clip_sum_fixed       the same in fixed point, into int64
        dp_clip_sensitivity     the L2 sensitivity of that integer sum

    Every array is the caller's; nothing is kept. Errors are -1 with the
    reason in the error slot (util/error.h).
*/
#ifndef DP_CLIP_H
#define DP_CLIP_H

#include "dp.h"

#include <stddef.h>
#include <stdint.h>

#define DP_CLIP_FRAC_BITS_MAX 40        //  largest fixed-point exponent f

/*  Scales v[0..d) in place so that its L2 norm is at most c (unchanged if
    already within). c must be finite and > 0, every v[i] finite. Sets
    *norm (may be NULL) to the norm before clipping. Returns 0 or -1. */
int dp_clip_l2 (double *v, size_t d, double c, double *norm) DP_WUR;

/*  Clips each of the m rows of examples (m x d, row-major, left
    unchanged) to L2 <= c and adds them into sum[0..d) (not zeroed first).
    Returns 0 or -1. */
int dp_clip_sum (const double *examples, size_t m, size_t d, double c,
                 double *sum) DP_WUR;

/*  The fixed-point form: each clipped row is scaled by 2^f, each coordinate
    rounded to nearest (ties away from zero), and the integers added into
    sum[0..d) with overflow checks. f <= DP_CLIP_FRAC_BITS_MAX and
    c 2^f <= 2^50. Returns 0 or -1 (sum then partly updated: discard it). */
int dp_clip_sum_fixed (const double *examples, size_t m, size_t d, double c,
                       unsigned f, int64_t *sum) DP_WUR;

/*  The L2 sensitivity of dp_clip_sum_fixed's output under adding or
    removing one example, in integer units: c 2^f + sqrt(d) / 2. Returns a
    negative value for invalid arguments (c not finite and > 0, f too
    large, d == 0). */
double dp_clip_sensitivity (double c, unsigned f, size_t d);

#endif
