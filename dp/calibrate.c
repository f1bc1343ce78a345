/*  dp/calibrate.c - noise multiplier and step budget searches. */
#include "calibrate.h"
#include "dp.h"
#include "util/alloc.h"
#include "util/error.h"

#include <math.h>
#include <stdlib.h>

//  Epsilon after `steps` compositions: each order's per-step RDP scaled by
//  the number of steps (the curve is linear in steps; steps may be
//  fractional while a search brackets it).
static int
s_epsilon (double q, double z, double steps, double delta, const double *orders,
           size_t n, dp_conversion_t conversion, double *epsilon, double *order)
{
    dp_curve_t *curve = dp_curve_new (orders, n);
    if (!curve)
        return -1;
    int rc = -1;
    //  n was checked by dp_curve_new.
    double *rdp = util_calloc (n, sizeof *rdp);
    if (!rdp) {
        util_error_context ("computing epsilon");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        if (dp_rdp_subsampled_gaussian (q, z, orders [i], &rdp [i]))
            goto cleanup;
        rdp [i] *= steps;
    }
    if (dp_curve_set_rdp (curve, rdp) == 0
    &&  dp_curve_epsilon (curve, delta, conversion, epsilon, order) == 0)
        rc = 0;
cleanup:
    free (rdp);
    dp_curve_destroy (&curve);
    return rc;
}

static int
s_check (double target, double delta, double q)
{
    if (!(target > 0) || !isfinite (target))
        return util_error (UTIL_EINPUT, "target epsilon %g must be positive and finite", target);
    if (!(delta > 0 && delta < 1))
        return util_error (UTIL_EINPUT, "delta %g outside (0, 1)", delta);
    if (!(q > 0 && q <= 1))
        return util_error (UTIL_EINPUT, "sampling rate %g outside (0, 1]", q);
    return 0;
}

int
dp_epsilon_subsampled_gaussian (double q, double z, uint64_t steps, double delta,
                                const double *orders, size_t n,
                                dp_conversion_t conversion, double *epsilon, double *order)
{
    if (steps == 0)
        return util_error (UTIL_EINPUT, "steps must be >= 1");
    if (!(q > 0 && q <= 1))
        return util_error (UTIL_EINPUT, "sampling rate %g outside (0, 1]", q);
    return s_epsilon (q, z, (double) steps, delta, orders, n, conversion, epsilon, order);
}

int
dp_calibrate_noise (double target, double delta, double q, uint64_t steps,
                    const double *orders, size_t n, dp_conversion_t conversion, double *z)
{
    if (s_check (target, delta, q))
        return -1;
    if (steps == 0)
        return util_error (UTIL_EINPUT, "steps must be >= 1");
    double eps, hi = 1, lo = 0;
    //  Grow until feasible; epsilon is non-increasing in z.
    for (;;) {
        if (s_epsilon (q, hi, (double) steps, delta, orders, n, conversion, &eps, NULL))
            return -1;
        if (eps <= target)
            break;
        lo = hi;
        hi *= 2;
        if (hi > DP_NOISE_MULTIPLIER_MAX) {
            if (s_epsilon (q, DP_NOISE_MULTIPLIER_MAX, (double) steps, delta, orders, n,
                           conversion, &eps, NULL))
                return -1;
            return util_error (UTIL_EFAIL, "target epsilon %g is unreachable: even noise multiplier %g "
                               "gives epsilon %g on this order grid", target,
                               DP_NOISE_MULTIPLIER_MAX, eps);
        }
    }
    //  Invariant: eps(hi) <= target, and eps(lo) > target (or lo = 0).
    while (hi - lo > 1e-9 * hi) {
        double mid = lo + (hi - lo) / 2;
        if (s_epsilon (q, mid, (double) steps, delta, orders, n, conversion, &eps, NULL))
            return -1;
        if (eps <= target)
            hi = mid;
        else
            lo = mid;
    }
    *z = hi;
    return 0;
}

int
dp_calibrate_steps (double target, double delta, double q, double z,
                    const double *orders, size_t n, dp_conversion_t conversion,
                    uint64_t *steps)
{
    if (s_check (target, delta, q))
        return -1;
    if (!(z > 0) || !isfinite (z))
        return util_error (UTIL_EINPUT, "noise multiplier %g must be positive and finite", z);
    //  Invariant: eps(lo steps) <= target (lo = 0 trivially), eps(hi) > target.
    uint64_t lo = 0, hi = (uint64_t) 1 << 40;
    double eps;
    if (s_epsilon (q, z, (double) hi, delta, orders, n, conversion, &eps, NULL))
        return -1;
    if (eps <= target) {
        *steps = hi;
        return 0;
    }
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (s_epsilon (q, z, (double) mid, delta, orders, n, conversion, &eps, NULL))
            return -1;
        if (eps <= target)
            lo = mid;
        else
            hi = mid;
    }
    *steps = lo;
    return 0;
}
