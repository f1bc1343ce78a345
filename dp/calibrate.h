/*  dp/calibrate.h - choosing the noise for a target (epsilon, delta).

    Both searches evaluate the accountant (dp/accountant.h) for the
    Poisson-subsampled Gaussian over a given order grid and conversion, and
    both err on the private side: the answer always meets the target.

    Contents
        dp_epsilon_subsampled_gaussian  epsilon after `steps` steps
        dp_calibrate_noise              the smallest noise multiplier that
                                        meets a target epsilon
        dp_calibrate_steps              the most steps within a target
        DP_NOISE_MULTIPLIER_MAX         the search's ceiling

    The orders are borrowed; results go to the caller's variables. Errors
    are -1 with the reason in the error slot (util/error.h).
*/
#ifndef DP_CALIBRATE_H
#define DP_CALIBRATE_H

#include "accountant.h"

#define DP_NOISE_MULTIPLIER_MAX 1e6     //  search ceiling

/*  epsilon after `steps` steps at rate q with noise multiplier z, and the
    optimal order (may be NULL). */
int dp_epsilon_subsampled_gaussian (double q, double z, uint64_t steps, double delta,
                                    const double *orders, size_t n,
                                    dp_conversion_t conversion,
                                    double *epsilon, double *order) DP_WUR;

/*  The smallest noise multiplier z (to a relative 1e-9) such that epsilon
    <= target_epsilon after `steps` steps at rate q in (0, 1], delta in
    (0, 1). The returned z always satisfies the target (bisection keeps the
    feasible end), so it never overshoots. -1 if no z up to
    DP_NOISE_MULTIPLIER_MAX reaches the target (the grid's floor on epsilon
    is above it), naming that floor. */
int dp_calibrate_noise (double target_epsilon, double delta, double q, uint64_t steps,
                        const double *orders, size_t n, dp_conversion_t conversion,
                        double *z) DP_WUR;

/*  The inverse: the largest number of steps (0 if even one step is over)
    such that epsilon <= target_epsilon at noise multiplier z. Steps are
    searched up to 2^40. */
int dp_calibrate_steps (double target_epsilon, double delta, double q, double z,
                        const double *orders, size_t n, dp_conversion_t conversion,
                        uint64_t *steps) DP_WUR;

#endif
