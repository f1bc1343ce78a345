/*  dp/rational.h - positive rationals num/den in 64-bit integers.

    The samplers take their parameters as exact rationals so that no
    floating-point value ever touches the sampling path. Both parts are
    bounded by DP_RATIONAL_MAX (2^40): every product the samplers form from
    them is then checked to fit, or handled with GMP.

    Contents
        dp_rational_t           num/den in lowest terms, both bounded
        dp_rational_parse       "7", "2.5" or "7/3"
        dp_rational_set         num/den, reduced and checked
        dp_rational_square      a^2, checked
        dp_rational_to_double   for reports and the accountant only

    Rationals are plain values. Errors are -1 with the reason in the error
    slot (util/error.h).
*/
#ifndef DP_RATIONAL_H
#define DP_RATIONAL_H

#include "dp.h"

#include <stdint.h>

#define DP_RATIONAL_MAX   ((uint64_t) 1 << 40)
#define DP_RATIONAL_TEXT  64        //  longest accepted text

typedef struct {
    uint64_t num;               //  1 <= num <= DP_RATIONAL_MAX
    uint64_t den;               //  1 <= den <= DP_RATIONAL_MAX, gcd(num, den) = 1
} dp_rational_t;

/*  Parses a positive rational written as an integer ("7"), a decimal
    ("2.5", at most 12 digits after the point) or a fraction ("7/3"), into
    lowest terms. No signs, exponents or spaces. Returns 0, or -1 with an
    error naming the text and the column of the problem; *out is untouched
    on failure. */
int dp_rational_parse (const char *text, dp_rational_t *out) DP_WUR;

/*  Sets *out = num/den in lowest terms. Returns -1 if either is 0 or a
    reduced part exceeds DP_RATIONAL_MAX. */
int dp_rational_set (dp_rational_t *out, uint64_t num, uint64_t den) DP_WUR;

/*  *out = a^2. Returns -1 if a part would exceed DP_RATIONAL_MAX. */
int dp_rational_square (dp_rational_t *out, const dp_rational_t *a) DP_WUR;

/*  The value as a double, for reports and the accountant only (never for
    sampling). */
double dp_rational_to_double (const dp_rational_t *a);

#endif
