/*  dp/discrete.h - exact discrete Laplace and discrete Gaussian samplers.

    Canonne, Kamath, Steinke, "The Discrete Gaussian for Differential
    Privacy" (NeurIPS 2020):
      - Algorithm 2, discrete Laplace with rational scale b = t/s:
        P[Y = y] proportional to exp(-|y| / b) on the integers.
      - Algorithm 3, discrete Gaussian with rational variance parameter
        sigma^2 = N/D: P[Y = y] proportional to exp(-y^2 / (2 sigma^2)).
    Only integer arithmetic is used; parameters are exact rationals
    (dp/rational.h), so the output distribution is exactly the stated one,
    given uniform random bytes.

    Work per sample (expected, bounded independently of the parameters):
      - Laplace: each round accepts U with probability >= 1 - 1/e and keeps
        the sign/zero combination with probability >= 1/2, so fewer than
        3.2 rounds, each a few uniform draws (see bernoulli.h).
      - Gaussian: t = floor(sigma) + 1; a Laplace(t) proposal is accepted
        with probability about 0.75 for sigma >= 10, 0.54 at sigma = 1, and
        never below 0.44 (as sigma -> 0 only y = 0 survives, which Laplace(1)
        proposes with probability (1-1/e)/(1+1/e) = 0.46), so fewer than
        2.3 proposals on average.
    The Gaussian acceptance test uses 64-bit arithmetic when the proposal
    |Y| <= xmax (xmax is about 2^32 / (t D), i.e. thousands of sigmas), and
    GMP otherwise, so no proposal is ever truncated.

    Results are int64; a draw whose magnitude would pass 2^62 is reported as
    an error rather than wrapped (probability below 2^-1000 for any
    accepted parameter).

    Contents
        dp_dlaplace_t, dp_dlaplace_init, dp_dlaplace_sample
                                    discrete Laplace of scale t/s
        dp_dgauss_t, dp_dgauss_init, dp_dgauss_sample
                                    discrete Gaussian of variance N/D
        dp_dgauss_add               adds a draw to each coordinate
        dp_ddg_local_sigma2         a site's share of a distributed
                                    discrete Gaussian

    Samplers are plain values (no resources); the stream is borrowed.
    Errors are -1 with the reason in the error slot (util/error.h).
*/
#ifndef DP_DISCRETE_H
#define DP_DISCRETE_H

#include "random.h"
#include "rational.h"

#include <stdbool.h>

#define DP_NOISE_MAX ((int64_t) 1 << 62)

/*  A discrete Laplace sampler of scale t/s. Plain value, no resources. */
typedef struct {
    uint64_t t, s;
} dp_dlaplace_t;

/*  A discrete Gaussian sampler. Plain value, no resources. */
typedef struct {
    dp_rational_t sigma2;       //  N/D
    uint64_t t;                 //  floor(sigma) + 1
    uint64_t xmax;              //  64-bit acceptance test for |Y| <= xmax
    uint64_t gden;              //  2 t^2 D N when it fits, else 0
} dp_dgauss_t;

/*  Sets up a Laplace sampler with scale `scale`. Returns 0 or -1. */
int dp_dlaplace_init (dp_dlaplace_t *self, const dp_rational_t *scale) DP_WUR;

/*  One draw. */
int dp_dlaplace_sample (const dp_dlaplace_t *self, dp_rng_t *rng, int64_t *out) DP_WUR;

/*  Sets up a Gaussian sampler with variance parameter sigma2 = sigma^2.
    Returns 0 or -1. */
int dp_dgauss_init (dp_dgauss_t *self, const dp_rational_t *sigma2) DP_WUR;

/*  One draw. */
int dp_dgauss_sample (const dp_dgauss_t *self, dp_rng_t *rng, int64_t *out) DP_WUR;

/*  Adds one fresh draw to each of v[0..n). Fails (leaving v partly noised:
    the caller must discard it) if a sum would pass int64. */
int dp_dgauss_add (const dp_dgauss_t *self, dp_rng_t *rng, int64_t *v, size_t n) DP_WUR;

/*  Distributed discrete Gaussian (Kairouz, Liu, Steinke, ICML 2021): each of
    `sites` sites adds discrete Gaussian noise of variance parameter
    sigma2 / sites, so that any `sites` honest contributions together carry
    variance close to sigma2. The sum is NOT exactly a discrete Gaussian;
    the accountant charges the theorem's correction term
    (dp_rdp_ddg in dp/accountant.h). Sets *local = sigma2 / sites. */
int dp_ddg_local_sigma2 (dp_rational_t *local, const dp_rational_t *sigma2,
                         uint32_t sites) DP_WUR;

#endif
