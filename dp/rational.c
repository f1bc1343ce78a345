/*  dp/rational.c - exact positive rationals for sampler parameters. */
#include "rational.h"
#include "dp.h"
#include "util/error.h"

#include <string.h>

static uint64_t
s_gcd (uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

int
dp_rational_set (dp_rational_t *out, uint64_t num, uint64_t den)
{
    if (num == 0 || den == 0)
        return util_error (UTIL_EINPUT, "rational %llu/%llu: both parts must be positive",
                           (unsigned long long) num, (unsigned long long) den);
    uint64_t g = s_gcd (num, den);
    num /= g;
    den /= g;
    if (num > DP_RATIONAL_MAX || den > DP_RATIONAL_MAX)
        return util_error (UTIL_ELIMIT, "rational %llu/%llu: a part exceeds 2^40",
                           (unsigned long long) num, (unsigned long long) den);
    out->num = num;
    out->den = den;
    return 0;
}

int
dp_rational_square (dp_rational_t *out, const dp_rational_t *a)
{
    //  Both parts are <= 2^40, so a square below 2^64 is checked before use.
    if (a->num > UINT32_MAX || a->den > UINT32_MAX)
        return util_error (UTIL_ELIMIT, "rational %llu/%llu: square exceeds 2^40",
                           (unsigned long long) a->num, (unsigned long long) a->den);
    return dp_rational_set (out, a->num * a->num, a->den * a->den);
}

double
dp_rational_to_double (const dp_rational_t *a)
{
    return (double) a->num / (double) a->den;
}

//  Reads decimal digits at *p into *value; returns how many were read, or -1
//  if the value would pass DP_RATIONAL_MAX * 10^12 (checked before multiplying).
static int
s_digits (const char **p, uint64_t *value)
{
    int count = 0;
    uint64_t v = 0;
    while (**p >= '0' && **p <= '9') {
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t) (**p - '0');
        (*p)++;
        count++;
    }
    *value = v;
    return count;
}

int
dp_rational_parse (const char *text, dp_rational_t *out)
{
    if (!text || !*text)
        return util_error (UTIL_EINPUT, "'': empty number (expected 7, 2.5 or 7/3)");
    size_t len = strnlen (text, DP_RATIONAL_TEXT + 1);
    if (len > DP_RATIONAL_TEXT)
        return util_error (UTIL_ELIMIT, "number longer than %d characters", DP_RATIONAL_TEXT);
    const char *p = text;
    uint64_t num = 0, den = 1;
    int n = s_digits (&p, &num);
    if (n < 0)
        return util_error (UTIL_ELIMIT, "'%s': too large", text);
    if (n == 0)
        return util_error (UTIL_EINPUT, "'%s': expected a digit at column %d", text, (int) (p - text) + 1);
    if (*p == '.') {
        p++;
        const char *frac = p;
        uint64_t f = 0;
        int k = s_digits (&p, &f);
        if (k <= 0 || k > 12)
            return util_error (UTIL_EINPUT, "'%s': need 1 to 12 digits after the point (column %d)",
                               text, (int) (frac - text) + 1);
        for (int i = 0; i < k; i++)
            den *= 10;
        //  num <= DP_RATIONAL_MAX is enforced below after reduction; guard
        //  the scaling itself against 64-bit overflow here.
        if (num > (UINT64_MAX - f) / den)
            return util_error (UTIL_ELIMIT, "'%s': too large", text);
        num = num * den + f;
    }
    else
    if (*p == '/') {
        p++;
        const char *start = p;
        n = s_digits (&p, &den);
        if (n < 0)
            return util_error (UTIL_ELIMIT, "'%s': denominator too large", text);
        if (n == 0)
            return util_error (UTIL_EINPUT, "'%s': expected a digit at column %d", text,
                               (int) (start - text) + 1);
        if (den == 0)
            return util_error (UTIL_EFAIL, "'%s': zero denominator", text);
    }
    if (*p != '\0')
        return util_error (UTIL_EINPUT, "'%s': unexpected '%c' at column %d", text, *p,
                           (int) (p - text) + 1);
    if (num == 0)
        return util_error (UTIL_EINPUT, "'%s': must be positive", text);
    dp_rational_t r;
    if (dp_rational_set (&r, num, den))
        return util_error (UTIL_ELIMIT, "'%s': numerator or denominator exceeds 2^40 in lowest terms", text);
    *out = r;
    return 0;
}
