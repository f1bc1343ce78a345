/*  dp/discrete.c - discrete Laplace and discrete Gaussian, exactly.
    Canonne, Kamath, Steinke 2020, Algorithms 2 and 3. */
#include "discrete.h"
#include "bernoulli.h"
#include "dp.h"
#include "util/error.h"

int
dp_dlaplace_init (dp_dlaplace_t *self, const dp_rational_t *scale)
{
    if (!scale || scale->num == 0 || scale->den == 0
    ||  scale->num > DP_RATIONAL_MAX || scale->den > DP_RATIONAL_MAX)
        return util_error (UTIL_EINPUT, "discrete Laplace: scale must be a positive rational with parts <= 2^40");
    self->t = scale->num;
    self->s = scale->den;
    return 0;
}

//  Algorithm 2 with scale t/s.
int
dp_dlaplace_sample (const dp_dlaplace_t *self, dp_rng_t *rng, int64_t *out)
{
    const uint64_t t = self->t, s = self->s;
    for (;;) {
        uint64_t u;
        int d;
        if (dp_rng_below (rng, t, &u) || dp_bernoulli_exp (rng, u, t, &d))
            return -1;
        if (!d)
            continue;
        //  V ~ Geometric(1 - 1/e): count successes of Bernoulli(exp(-1)).
        uint64_t v = 0;
        for (;;) {
            int a;
            if (dp_bernoulli_exp (rng, 1, 1, &a))
                return -1;
            if (!a)
                break;
            v++;
        }
        //  X = U + t V, checked: t <= 2^40 and X must stay below 2^62.
        if (v > ((uint64_t) DP_NOISE_MAX - u) / t)
            return util_error (UTIL_ELIMIT, "discrete Laplace: draw beyond 2^62");
        uint64_t y = (u + t * v) / s;
        int b;
        if (dp_rng_bit (rng, &b))
            return -1;
        if (b && y == 0)
            continue;
        *out = b? -(int64_t) y: (int64_t) y;
        return 0;
    }
}

static uint64_t
s_isqrt (uint64_t n)
{
    uint64_t r = 0;
    for (uint64_t bit = (uint64_t) 1 << 62; bit; bit >>= 2) {
        if (n >= r + bit) {
            n -= r + bit;
            r = (r >> 1) + bit;
        }
        else
            r >>= 1;
    }
    return r;
}

int
dp_dgauss_init (dp_dgauss_t *self, const dp_rational_t *sigma2)
{
    if (!sigma2 || sigma2->num == 0 || sigma2->den == 0
    ||  sigma2->num > DP_RATIONAL_MAX || sigma2->den > DP_RATIONAL_MAX)
        return util_error (UTIL_EINPUT, "discrete Gaussian: sigma^2 must be a positive rational with parts <= 2^40");
    const uint64_t n = sigma2->num, d = sigma2->den;
    self->sigma2 = *sigma2;
    //  floor(sqrt(N/D)) = floor(sqrt(floor(N/D))).
    self->t = s_isqrt (n / d) + 1;
    //  gamma = (|Y| t D - N)^2 / (2 t^2 D N). All 64-bit when the
    //  denominator fits and |Y| t D, N < 2^32 (then the square fits).
    unsigned __int128 gden = (unsigned __int128) 2 * self->t * self->t;
    gden *= (unsigned __int128) d * n;
    uint64_t td = self->t * d;     //  t <= 2^20 + 1, d <= 2^40: fits
    if (gden <= UINT64_MAX && n <= UINT32_MAX && td <= UINT32_MAX) {
        self->gden = (uint64_t) gden;
        self->xmax = UINT32_MAX / td;
    }
    else {
        self->gden = 0;
        self->xmax = 0;
    }
    return 0;
}

//  Bernoulli(exp(-(x - sigma^2/t)^2 / (2 sigma^2))) in GMP, for proposals
//  beyond the 64-bit range.
static int
s_accept_mpz (const dp_dgauss_t *self, dp_rng_t *rng, uint64_t x, int *out)
{
    mpz_t num, den;
    mpz_inits (num, den, NULL);
    mpz_set_ui (num, x);
    mpz_mul_ui (num, num, self->t);
    mpz_mul_ui (num, num, self->sigma2.den);
    mpz_sub_ui (num, num, self->sigma2.num);
    mpz_mul (num, num, num);
    mpz_set_ui (den, 2);
    mpz_mul_ui (den, den, self->t);
    mpz_mul_ui (den, den, self->t);
    mpz_mul_ui (den, den, self->sigma2.den);
    mpz_mul_ui (den, den, self->sigma2.num);
    int rc = dp_bernoulli_exp_mpz (rng, num, den, out);
    mpz_clears (num, den, NULL);
    return rc;
}

//  Algorithm 3.
int
dp_dgauss_sample (const dp_dgauss_t *self, dp_rng_t *rng, int64_t *out)
{
    const dp_dlaplace_t lap = { self->t, 1 };
    const uint64_t td = self->t * self->sigma2.den;
    for (;;) {
        int64_t y;
        int c;
        if (dp_dlaplace_sample (&lap, rng, &y))
            return -1;
        uint64_t x = y < 0? (uint64_t) -y: (uint64_t) y;
        if (self->gden && x <= self->xmax) {
            uint64_t xtd = x * td;
            uint64_t diff = xtd >= self->sigma2.num? xtd - self->sigma2.num
                                                   : self->sigma2.num - xtd;
            if (dp_bernoulli_exp (rng, diff * diff, self->gden, &c))
                return -1;
        }
        else
        if (s_accept_mpz (self, rng, x, &c))
            return -1;
        if (c) {
            *out = y;
            return 0;
        }
    }
}

int
dp_dgauss_add (const dp_dgauss_t *self, dp_rng_t *rng, int64_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t e;
        if (dp_dgauss_sample (self, rng, &e))
            return -1;
        if (__builtin_add_overflow (v [i], e, &v [i]))
            return util_error (UTIL_EFAIL, "discrete Gaussian: noised value %zu overflows int64", i);
    }
    return 0;
}

int
dp_ddg_local_sigma2 (dp_rational_t *local, const dp_rational_t *sigma2, uint32_t sites)
{
    if (sites == 0)
        return util_error (UTIL_EINPUT, "distributed discrete Gaussian: need at least one site");
    if (sigma2->den > DP_RATIONAL_MAX / sites)
        return util_error (UTIL_ELIMIT, "distributed discrete Gaussian: sigma^2 / %u exceeds the rational bounds",
                           sites);
    return dp_rational_set (local, sigma2->num, sigma2->den * sites);
}
