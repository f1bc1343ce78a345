/*  dp/harness.h - a stochastic tester for DP mechanisms with integer
    output, in the spirit of Google's DP stochastic tester (Gilbert et al.,
    differential-privacy/java/tests "StochasticTester").

    For a pair of neighbouring datasets D0, D1, run the mechanism `runs`
    times on each and compare the empirical distributions on every event of
    the form {y = k}, {y <= k} and {y >= k} that both runs hit at least
    DP_HARNESS_MIN_COUNT times. (epsilon, delta)-DP requires, for every
    event S, P[M(D0) in S] <= e^epsilon P[M(D1) in S] + delta, and the same
    with D0 and D1 swapped. The harness reports a violation when the
    empirical excess p0 - e^epsilon p1 - delta is more than `z` standard
    errors above zero on some event (z = 6 keeps the chance of a false
    alarm over a few thousand events below 1e-5).

    Passing is evidence, not proof; failing is a demonstrated violation.

    Contents
        dp_mechanism_fn         one run of the mechanism under test
        dp_harness_result_t     the verdict and the worst event
        dp_harness_check        runs the comparison

    ctx and the stream are borrowed. Errors are -1 with the reason in the
    error slot (util/error.h).
*/
#ifndef DP_HARNESS_H
#define DP_HARNESS_H

#include "random.h"

#include <stdbool.h>

#define DP_HARNESS_MIN_COUNT 100
#define DP_HARNESS_RANGE     100000     //  outputs outside +-RANGE are binned at the ends

/*  One run of the mechanism on dataset 0 or 1, drawing from rng. */
typedef int (dp_mechanism_fn) (void *ctx, int dataset, dp_rng_t *rng, int64_t *out);

typedef struct {
    bool passed;
    double worst_z;             //  largest excess in standard errors (<= z when passed)
    double empirical_epsilon;   //  largest |log(p0/p1)| over the well-populated events
    long events;                //  events compared
    int64_t worst_k;            //  the event's threshold value
    char worst_kind;            //  '=', '<' (y <= k) or '>' (y >= k)
} dp_harness_result_t;

/*  Runs the comparison. runs >= 1000, epsilon >= 0, delta in [0, 1),
    z > 0. Returns 0 with *result filled, or -1 (bad arguments, mechanism
    failure, out of memory). */
int dp_harness_check (dp_mechanism_fn *mechanism, void *ctx, dp_rng_t *rng, long runs,
                      double epsilon, double delta, double z,
                      dp_harness_result_t *result) DP_WUR;

#endif
