/*  dp/pld.h - privacy loss distributions: a second accountant for the
    Poisson-subsampled Gaussian and discrete Gaussian.

    The privacy loss of a pair (P, Q) is L(x) = log(P(x)/Q(x)) with x ~ P;
    its distribution (the PLD) gives the exact (epsilon, delta) curve
      delta(eps) = P[L = +inf] + E[(1 - e^(eps - L))_+]
    and composes by convolution (Meiser and Mohammadi 2018, "Tight on
    budget?"; Koskela, Jälkö, Honkela 2020; Sommer, Meiser, Mohammadi 2019).
    As in Google's dp_accounting, a PLD is held on a grid of loss values
    i * interval, composed by FFT (GSL, radix 2), and the add/remove
    relation is accounted by computing the remove pair
    ((1-q) mu0 + q mu1, mu0) and the add pair (mu0, (1-q) mu0 + q mu1)
    separately and taking the larger epsilon.

    Discretisation error, all of it on the pessimistic side (delta is
    never under-stated, up to the rounding note below):
      - Grid: "connect the dots" (Doroshenko, Ghazi, Kamath, Kumar,
        Manurangsi 2022). A loss value l between grid points a < b is
        split between them so that both P's and Q's masses are kept
        (p, and p e^-l); delta(eps) of the result is the chord of the
        exact convex curve e^eps -> delta between the grid points, so it
        is never below the exact delta, and is above it by O(interval^2)
        per step, not O(interval) as rounding every loss up would be.
        Dominating pairs compose (Zhu, Dong, Wang 2022, Thm 10), so the
        composition stays pessimistic.
      - Truncation: one step drops the outer mass of the noise beyond
        K sigma, K = sqrt(2 ln(1/tail)) + 1 (at most `tail`, 1e-15 by
        default); it goes to the mass at +infinity. After each
        convolution the top buckets holding at most `tail` together go to
        +infinity and the bottom ones to the lowest bucket kept (raising a
        loss only raises delta). Each adds at most `tail` to delta: with
        2 log2(T) + 2 convolutions, T = 10^4 gives at most 3e-14.
      - Rounding: an FFT convolution is exact to about
        log2(N) 2^-52 ||a||_2 ||b||_2 per bucket; 5 sqrt(N) times that is
        added to the mass at +infinity after each convolution (a bound
        with a heuristic constant, below 1e-10 at the size caps).
    What is left is the distance to the exact epsilon, set by the interval
    (default 1e-4): at q = 0.01, z = 1.1, T = 10^4, delta = 1e-5 the tests
    see 5.1926 (5.1963 at 1e-3), where the RDP accountant gives 5.632.
    DP_PLD_ROUND_UP, the classic pessimistic estimate, moves each loss up
    to the next grid point instead: also an upper bound, biased by about
    interval / 2 per step (0.5255 against 0.5150 for the discrete Gaussian
    sigma = 5, q = 0.05, T = 200).

    Sizes are checked before anything is allocated: at most
    DP_PLD_BUCKETS_MAX buckets in a distribution, at most DP_PLD_ATOMS_MAX
    atoms of discrete noise.

    Contents
        dp_pld_noise_t, dp_pld_direction_t   Gaussian or discrete Gaussian;
                                    the remove or the add pair
        dp_pld_params_t, dp_pld_params_default    grid interval and tail mass
        dp_pld_t                    a discretised PLD
        dp_pld_new_subsampled       one Poisson-subsampled step
        dp_pld_dup, dp_pld_destroy  copy and free
        dp_pld_compose, dp_pld_self_compose   composition (FFT)
        dp_pld_size, dp_pld_infinity_mass, dp_pld_total_mass
        dp_pld_delta, dp_pld_epsilon    the curve at one point
        dp_pld_epsilon_subsampled   epsilon of T steps, both directions

    A dp_pld_t is the caller's (dp_pld_destroy, NULL-safe). Errors are
    -1 / NULL with the reason in the error slot (util/error.h).
*/
#ifndef DP_PLD_H
#define DP_PLD_H

#include "dp.h"

#include <stddef.h>
#include <stdint.h>

#define DP_PLD_BUCKETS_MAX ((size_t) 1 << 21)   //  loss buckets in one PLD
#define DP_PLD_ATOMS_MAX   ((size_t) 1 << 23)   //  support of discrete noise
#define DP_PLD_INTERVAL_DEFAULT 1e-4
#define DP_PLD_TAIL_DEFAULT     1e-15

typedef enum {
    DP_PLD_GAUSSIAN,                //  N(0, sigma^2) on the reals
    DP_PLD_DISCRETE_GAUSSIAN        //  N_Z(0, sigma^2) on the integers
} dp_pld_noise_t;

typedef enum {
    DP_PLD_REMOVE,                  //  ((1-q) mu0 + q mu1, mu0)
    DP_PLD_ADD                      //  (mu0, (1-q) mu0 + q mu1)
} dp_pld_direction_t;

typedef enum {
    DP_PLD_CONNECT_DOTS,            //  Doroshenko et al. 2022 (the default)
    DP_PLD_ROUND_UP                 //  every loss up to the grid point above
} dp_pld_discretisation_t;

typedef struct {
    double interval;                //  loss grid step, in [1e-6, 1]
    double tail;                    //  truncated mass, in (0, 1e-6]
    dp_pld_discretisation_t discretisation;
} dp_pld_params_t;

/*  { DP_PLD_INTERVAL_DEFAULT, DP_PLD_TAIL_DEFAULT, DP_PLD_CONNECT_DOTS }. */
dp_pld_params_t dp_pld_params_default (void);

typedef struct _dp_pld_t dp_pld_t;

/*  The PLD of one step: noise of standard deviation (variance parameter)
    sigma > 0, mu0 centred at 0 and mu1 at shift > 0 (the sensitivity;
    a positive integer for the discrete Gaussian), the record sampled with
    probability q in (0, 1]. params NULL means the defaults. NULL with an
    error for bad arguments or sizes over the caps. */
dp_pld_t *dp_pld_new_subsampled (dp_pld_noise_t noise, dp_pld_direction_t direction, double q,
                                 double sigma, double shift, const dp_pld_params_t *params);

/*  A copy, or NULL on OOM. */
dp_pld_t *dp_pld_dup (const dp_pld_t *self);

/*  Frees and sets *self_p to NULL. NULL-safe. */
void dp_pld_destroy (dp_pld_t **self_p);

/*  Replaces self by the composition of self and other (same interval).
    On failure self is unchanged. */
int dp_pld_compose (dp_pld_t *self, const dp_pld_t *other) DP_WUR;

/*  Replaces self by its `times`-fold composition (times >= 1), by
    repeated squaring. On failure self is unchanged. */
int dp_pld_self_compose (dp_pld_t *self, uint64_t times) DP_WUR;

size_t dp_pld_size (const dp_pld_t *self);
double dp_pld_infinity_mass (const dp_pld_t *self);
double dp_pld_total_mass (const dp_pld_t *self);    //  finite part plus infinity

/*  delta at eps (any real). */
double dp_pld_delta (const dp_pld_t *self, double eps);

/*  The smallest eps >= 0 with delta(eps) <= delta, delta in (0, 1).
    -1 if the mass at +infinity is already above delta. */
int dp_pld_epsilon (const dp_pld_t *self, double delta, double *epsilon) DP_WUR;

/*  epsilon of `steps` (>= 1) Poisson-subsampled steps at delta: the
    larger of the remove and the add pair's. For the Gaussian only
    sigma / shift matters; for the discrete Gaussian shift is an integer
    (a one-dimensional shift: for vectors use the RDP accountant). */
int dp_pld_epsilon_subsampled (dp_pld_noise_t noise, double q, double sigma, double shift,
                               uint64_t steps, double delta, const dp_pld_params_t *params,
                               double *epsilon) DP_WUR;

#endif
