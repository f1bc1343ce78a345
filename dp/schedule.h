/*  dp/schedule.h - the privacy of a training schedule: T steps of a
    Poisson-subsampled Gaussian, discrete Gaussian or distributed discrete
    Gaussian mechanism (DP-SGD), as `cohort privacy epsilon` and
    `calibrate` state it.

    Contents
        dp_schedule_t               sampling rate, noise multiplier, steps,
                                    delta, orders and conversion
        dp_schedule_epsilon         the schedule's epsilon and its order
        dp_schedule_calibrate       the smallest noise multiplier meeting a
                                    target epsilon, and what it attains

    The accounting is dp/calibrate.h's (dp_epsilon_with): by default the
    tight RDP of the subsampled mechanism summed over the steps, converted
    to (epsilon, delta) at each order with the chosen conversion (Mironov
    2017, or Canonne, Kamath, Steinke 2020), minimised over the orders
    (by default dp_orders_extended's 347); or the conservative RDP bound;
    or the PLD accountant (dp/pld.h), which has no orders.

    A schedule is a plain value whose orders are borrowed. Errors are -1
    with the reason in the error slot (util/error.h).
*/
#ifndef DP_SCHEDULE_H
#define DP_SCHEDULE_H

#include "calibrate.h"

typedef struct {
    double sampling_rate;           //  q in (0, 1]
    double noise_multiplier;        //  z = sigma / L2 sensitivity, > 0
    uint64_t steps;                 //  T >= 1
    double delta;                   //  in (0, 1)
    const double *orders;           //  the RDP orders (borrowed); NULL:
    size_t n_orders;                //  dp_orders_extended's grid
    dp_conversion_t conversion;
    dp_mechanism_t mechanism;       //  zero: Gaussian, tight RDP
} dp_schedule_t;

/*  The schedule's epsilon at its delta and the order attaining it (order
    may be NULL). Returns 0, or -1 naming the parameter out of range. */
int dp_schedule_epsilon (const dp_schedule_t *self, double *epsilon, double *order) DP_WUR;

/*  Sets self->noise_multiplier to the smallest z (to 1e-9 relative) whose
    epsilon is at most target_epsilon (dp_calibrate_noise: never above the
    target), and *epsilon and *order (may be NULL) to what that z attains.
    Returns 0, or -1 (self untouched) if the parameters are out of range
    or no z up to DP_NOISE_MULTIPLIER_MAX reaches the target. */
int dp_schedule_calibrate (dp_schedule_t *self, double target_epsilon, double *epsilon,
                           double *order) DP_WUR;

#endif
