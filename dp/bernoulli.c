/*  dp/bernoulli.c - Bernoulli(p) and Bernoulli(exp(-gamma)), exactly.
    Canonne, Kamath, Steinke 2020, Algorithm 1. */
#include "bernoulli.h"
#include "dp.h"
#include "util/error.h"

int
dp_bernoulli (dp_rng_t *rng, uint64_t num, uint64_t den, int *out)
{
    if (den == 0 || num > den)
        return util_error (UTIL_EINPUT, "Bernoulli(%llu/%llu): need 0 <= p <= 1",
                           (unsigned long long) num, (unsigned long long) den);
    uint64_t u = 0;
    if (dp_rng_below (rng, den, &u))
        return -1;
    *out = u < num;
    return 0;
}

//  Bernoulli(gamma / k) for gamma = num/den <= 1: one draw below den * k when
//  that fits in 64 bits, else Bernoulli(num/den) and Bernoulli(1/k) together
//  (independent, so the product of their probabilities).
static int
s_bernoulli_over_k (dp_rng_t *rng, uint64_t num, uint64_t den, uint64_t k, int *out)
{
    if (den <= UINT64_MAX / k)
        return dp_bernoulli (rng, num, den * k, out);
    if (dp_bernoulli (rng, num, den, out))
        return -1;
    if (*out == 0)
        return 0;
    return dp_bernoulli (rng, 1, k, out);
}

//  Algorithm 1 for gamma in [0, 1]: count K until the first failure of
//  Bernoulli(gamma/K); P[K odd] = exp(-gamma).
static int
s_exp_unit (dp_rng_t *rng, uint64_t num, uint64_t den, int *out)
{
    uint64_t k = 1;
    for (;;) {
        int a = 0;
        if (s_bernoulli_over_k (rng, num, den, k, &a))
            return -1;
        if (!a)
            break;
        k++;
    }
    *out = (int) (k & 1);
    return 0;
}

int
dp_bernoulli_exp (dp_rng_t *rng, uint64_t num, uint64_t den, int *out)
{
    if (den == 0)
        return util_error (UTIL_EFAIL, "Bernoulli(exp(-%llu/0)): zero denominator",
                           (unsigned long long) num);
    //  exp(-gamma) = exp(-1)^floor(gamma) * exp(-(gamma - floor(gamma))).
    uint64_t whole = num / den;
    for (uint64_t i = 0; i < whole; i++) {
        int b;
        if (s_exp_unit (rng, 1, 1, &b))
            return -1;
        if (!b) {
            *out = 0;
            return 0;
        }
    }
    return s_exp_unit (rng, num % den, den, out);
}

//  GMP version of s_exp_unit: Bernoulli(num / (den k)) by one draw below
//  den * k.
static int
s_exp_unit_mpz (dp_rng_t *rng, const mpz_t num, const mpz_t den, int *out)
{
    mpz_t bound, u;
    mpz_inits (bound, u, NULL);
    int rc = -1;
    unsigned long k = 1;
    for (;;) {
        mpz_mul_ui (bound, den, k);
        if (dp_rng_below_mpz (rng, u, bound))
            goto cleanup;
        if (mpz_cmp (u, num) >= 0)
            break;
        k++;
    }
    *out = (int) (k & 1);
    rc = 0;
cleanup:
    mpz_clears (bound, u, NULL);
    return rc;
}

int
dp_bernoulli_exp_mpz (dp_rng_t *rng, const mpz_t num, const mpz_t den, int *out)
{
    if (mpz_sgn (den) <= 0 || mpz_sgn (num) < 0)
        return util_error (UTIL_EINPUT, "Bernoulli(exp(-gamma)): need gamma >= 0 and a positive denominator");
    mpz_t whole, rest, one;
    mpz_inits (whole, rest, one, NULL);
    mpz_set_ui (one, 1);
    int rc = -1;
    mpz_fdiv_qr (whole, rest, num, den);
    //  Stops at the first failure, so the count of iterations is geometric
    //  with mean < 1.6 however large floor(gamma) is.
    while (mpz_sgn (whole) > 0) {
        int b;
        if (s_exp_unit_mpz (rng, one, one, &b))
            goto cleanup;
        if (!b) {
            *out = 0;
            rc = 0;
            goto cleanup;
        }
        mpz_sub_ui (whole, whole, 1);
    }
    rc = s_exp_unit_mpz (rng, rest, den, out);
cleanup:
    mpz_clears (whole, rest, one, NULL);
    return rc;
}
