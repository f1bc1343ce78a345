/*  dp/bernoulli.h - exact Bernoulli trials with rational parameters.

    Canonne, Kamath, Steinke, "The Discrete Gaussian for Differential
    Privacy" (NeurIPS 2020), Algorithm 1: Bernoulli(exp(-gamma)) for a
    rational gamma >= 0, from Bernoulli(p) trials with rational p only. No
    floating point is used anywhere.

    Work: for gamma in [0, 1] the inner loop runs K trials with
    P[K > k] = gamma^k / k!, so E[trials] <= e. For gamma > 1 the
    floor(gamma) trials of Bernoulli(exp(-1)) stop at the first failure, so
    E[trials] <= e / (1 - 1/e) + e < 7 whatever gamma is. Each trial is one
    exact uniform draw (two if a product of denominators would pass 2^64).

    Contents
        dp_bernoulli            1 with probability num/den
        dp_bernoulli_exp        1 with probability exp(-num/den)
        dp_bernoulli_exp_mpz    the same with GMP parameters of any size

    The stream is borrowed; each call writes only *out. Errors (bad
    parameters, a failed stream) are -1 with the reason in the error slot
    (util/error.h).
*/
#ifndef DP_BERNOULLI_H
#define DP_BERNOULLI_H

#include "random.h"

/*  *out = 1 with probability num/den, else 0. Needs den >= 1 and
    num <= den. */
int dp_bernoulli (dp_rng_t *rng, uint64_t num, uint64_t den, int *out) DP_WUR;

/*  *out = 1 with probability exp(-num/den). Needs den >= 1; num may be 0
    (always 1) or any 64-bit value. */
int dp_bernoulli_exp (dp_rng_t *rng, uint64_t num, uint64_t den, int *out) DP_WUR;

/*  The same for gamma = num/den held in GMP integers of any size (num >= 0,
    den >= 1): the path for parameters too large for 64-bit arithmetic. */
int dp_bernoulli_exp_mpz (dp_rng_t *rng, const mpz_t num, const mpz_t den,
                          int *out) DP_WUR;

#endif
