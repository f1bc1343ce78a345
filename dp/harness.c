/*  dp/harness.c - the stochastic DP tester. */
#include "harness.h"
#include "dp.h"
#include "util/alloc.h"
#include "util/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CELLS (2 * DP_HARNESS_RANGE + 1)

static int
s_histogram (dp_mechanism_fn *mechanism, void *ctx, dp_rng_t *rng, int dataset,
             long runs, long *counts)
{
    for (long i = 0; i < runs; i++) {
        int64_t y;
        if (mechanism (ctx, dataset, rng, &y))
            return util_error_context ("harness: mechanism failed on dataset %d run %ld",
                             dataset, i);
        if (y < -DP_HARNESS_RANGE)
            y = -DP_HARNESS_RANGE;
        if (y > DP_HARNESS_RANGE)
            y = DP_HARNESS_RANGE;
        counts [y + DP_HARNESS_RANGE]++;
    }
    return 0;
}

//  Checks one event with counts c0, c1 out of n runs each, both ways.
static void
s_event (long c0, long c1, long n, double epsilon, double delta, double z,
         int64_t k, char kind, dp_harness_result_t *r)
{
    if (c0 < DP_HARNESS_MIN_COUNT || c1 < DP_HARNESS_MIN_COUNT)
        return;
    r->events++;
    double p0 = (double) c0 / (double) n, p1 = (double) c1 / (double) n;
    double loss = fabs (log (p0 / p1));
    if (loss > r->empirical_epsilon)
        r->empirical_epsilon = loss;
    double e = exp (epsilon);
    for (int way = 0; way < 2; way++) {
        double a = way? p1: p0, b = way? p0: p1;
        double excess = a - e * b - delta;
        double se = sqrt ((a * (1 - a) + e * e * b * (1 - b)) / (double) n);
        double score = excess / se;
        if (score > r->worst_z) {
            r->worst_z = score;
            r->worst_k = k;
            r->worst_kind = kind;
        }
    }
    if (r->worst_z > z)
        r->passed = false;
}

int
dp_harness_check (dp_mechanism_fn *mechanism, void *ctx, dp_rng_t *rng, long runs,
                  double epsilon, double delta, double z, dp_harness_result_t *result)
{
    if (!mechanism || runs < 1000 || !(epsilon >= 0) || !isfinite (epsilon)
    ||  !(delta >= 0 && delta < 1) || !(z > 0))
        return util_error (UTIL_EINPUT, "harness: need a mechanism, runs >= 1000, epsilon >= 0, "
                           "delta in [0, 1), z > 0");
    long *c0 = util_calloc (CELLS, sizeof (long));
    long *c1 = c0? util_calloc (CELLS, sizeof (long)): NULL;
    int rc = -1;
    if (!c1) {
        util_error_context ("harness");
        goto cleanup;
    }
    if (s_histogram (mechanism, ctx, rng, 0, runs, c0)
    ||  s_histogram (mechanism, ctx, rng, 1, runs, c1))
        goto cleanup;
    dp_harness_result_t r;
    memset (&r, 0, sizeof r);
    r.passed = true;
    r.worst_z = -INFINITY;
    long below0 = 0, below1 = 0;
    for (long i = 0; i < CELLS; i++) {
        int64_t k = (int64_t) i - DP_HARNESS_RANGE;
        below0 += c0 [i];
        below1 += c1 [i];
        s_event (c0 [i], c1 [i], runs, epsilon, delta, z, k, '=', &r);
        s_event (below0, below1, runs, epsilon, delta, z, k, '<', &r);
        //  {y >= k+1} is the complement of {y <= k}.
        s_event (runs - below0, runs - below1, runs, epsilon, delta, z, k + 1, '>', &r);
    }
    *result = r;
    rc = 0;
cleanup:
    free (c0);
    free (c1);
    return rc;
}
