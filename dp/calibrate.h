/*  dp/calibrate.h - choosing the noise for a target (epsilon, delta).

    Both searches evaluate an accountant (dp/accountant.h, dp/pld.h) for a
    Poisson-subsampled mechanism over a given order grid and conversion,
    and both err on the private side: the answer always meets the target.

    A mechanism is named by dp_mechanism_t:
        Gaussian            continuous noise, noise multiplier z = sigma / Delta2
        discrete Gaussian   N_Z(0, sigma^2) with sigma = z * l2, l2 the L2
                            sensitivity in integer units (a positive integer
                            for the PLD accountant: a one-dimensional shift)
        distributed         `sites` sites each adding N_Z(0, s2) with
                            sites * s2 = (z * l2)^2 (z is the noise
                            multiplier of the whole sum), dimension `dim`,
                            L1 sensitivity l1 (0 = not stated); KLS 2021
    and accounted by the tight RDP bound (the default), the conservative
    factor-3 bound, or the PLD accountant (Gaussian and discrete Gaussian
    only). For the Gaussian the RDP accountant is MTZ 2019's exact value.

    Contents
        dp_mechanism_kind_t, dp_mechanism_t, dp_mechanism_kind_parse,
        dp_mechanism_kind_name      which mechanism, and how accounted
        dp_epsilon_with             epsilon of `steps` steps of a mechanism
        dp_calibrate_noise_with     the smallest noise multiplier for it
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

typedef enum {
    DP_MECHANISM_GAUSSIAN = 0,
    DP_MECHANISM_DISCRETE_GAUSSIAN = 1,
    DP_MECHANISM_DISTRIBUTED = 2
} dp_mechanism_kind_t;

/*  A mechanism and its accountant. Plain value; all zero is the
    Gaussian under the tight RDP accountant. */
typedef struct {
    dp_mechanism_kind_t kind;
    dp_accountant_t accountant;
    double l2;                      //  discrete: L2 sensitivity (0 means 1)
    double l1;                      //  distributed: L1 sensitivity, 0 = not stated
    uint32_t sites;                 //  distributed: sites >= 1
    size_t dim;                     //  distributed: dimension >= 1
} dp_mechanism_t;

/*  "gaussian" | "discrete-gaussian" | "distributed" -> *kind; 0, or -1
    naming the text. */
int dp_mechanism_kind_parse (const char *name, dp_mechanism_kind_t *kind) DP_WUR;

/*  The kind's name, "?" out of range. Static. */
const char *dp_mechanism_kind_name (dp_mechanism_kind_t kind);

/*  epsilon after `steps` steps of m at rate q in (0, 1] with noise
    multiplier z, and the optimal order (set to 0 by the PLD accountant,
    which has none; may be NULL). orders/n are used by the RDP accountants
    only. -1 naming the problem (a parameter out of range, a local sigma^2
    below 1/4, the PLD accountant asked for the distributed mechanism, a
    PLD over its size cap). */
int dp_epsilon_with (const dp_mechanism_t *m, double q, double z, uint64_t steps, double delta,
                     const double *orders, size_t n, dp_conversion_t conversion,
                     double *epsilon, double *order) DP_WUR;

/*  The smallest noise multiplier z (to a relative 1e-9, 1e-6 for the PLD
    accountant) with dp_epsilon_with <= target_epsilon; never overshoots.
    For the discrete mechanisms a z whose sigma^2 (per site) is below 1/4
    counts as not meeting the target. -1 if no z up to
    DP_NOISE_MULTIPLIER_MAX does. */
int dp_calibrate_noise_with (const dp_mechanism_t *m, double target_epsilon, double delta,
                             double q, uint64_t steps, const double *orders, size_t n,
                             dp_conversion_t conversion, double *z) DP_WUR;

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
