/*  dp/calibrate.c - noise multiplier and step budget searches. */
#include "calibrate.h"
#include "dp.h"
#include "pld.h"
#include "util/alloc.h"
#include "util/error.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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

const char *
dp_mechanism_kind_name (dp_mechanism_kind_t kind)
{
    return kind == DP_MECHANISM_GAUSSIAN? "gaussian"
         : kind == DP_MECHANISM_DISCRETE_GAUSSIAN? "discrete-gaussian"
         : kind == DP_MECHANISM_DISTRIBUTED? "distributed": "?";
}

int
dp_mechanism_kind_parse (const char *name, dp_mechanism_kind_t *kind)
{
    const dp_mechanism_kind_t all [] = {
        DP_MECHANISM_GAUSSIAN, DP_MECHANISM_DISCRETE_GAUSSIAN, DP_MECHANISM_DISTRIBUTED
    };
    for (size_t i = 0; name && i < sizeof all / sizeof all [0]; i++)
        if (strcmp (name, dp_mechanism_kind_name (all [i])) == 0) {
            *kind = all [i];
            return 0;
        }
    return util_error (UTIL_EINPUT, "mechanism '%.40s' is not gaussian, discrete-gaussian or "
                       "distributed", name? name: "(null)");
}

//  The (distributed) discrete Gaussian m describes at noise multiplier z:
//  sigma = z l2 in all, shared equally by the sites. The continuous
//  Gaussian under the conservative accountant is the one-site case with
//  tau = 0, where only l2 / sigma matters: l2 is scaled so that sigma^2
//  clears KLS's 1/4, which that case does not need.
static dp_ddg_t
s_ddg_of (const dp_mechanism_t *m, double z)
{
    double l2 = m->l2 > 0? m->l2: 1;
    if (m->kind == DP_MECHANISM_GAUSSIAN) {
        if (z * l2 < 1)
            l2 = 1 / z;
        return (dp_ddg_t) { .l2 = l2, .local_sigma2 = z * l2 * z * l2, .sites = 1, .dim = 1 };
    }
    if (m->kind == DP_MECHANISM_DISCRETE_GAUSSIAN)
        return (dp_ddg_t) { .l2 = l2, .local_sigma2 = z * l2 * z * l2, .sites = 1, .dim = 1 };
    return (dp_ddg_t) { .l2 = l2, .l1 = m->l1, .sites = m->sites, .dim = m->dim,
                        .local_sigma2 = z * l2 * z * l2 / (double) (m->sites? m->sites: 1) };
}

//  dp_epsilon_with; `search` turns a per-site sigma^2 below 1/4 into
//  "not met" (epsilon +inf) rather than an error.
static int
s_epsilon_with (const dp_mechanism_t *m, double q, double z, double steps, double delta,
                const double *orders, size_t n, dp_conversion_t conversion, bool search,
                double *epsilon, double *order)
{
    if (m->kind != DP_MECHANISM_GAUSSIAN && m->kind != DP_MECHANISM_DISCRETE_GAUSSIAN
    &&  m->kind != DP_MECHANISM_DISTRIBUTED)
        return util_error (UTIL_EINPUT, "unknown mechanism %d", (int) m->kind);
    if (!(z > 0) || !isfinite (z))
        return util_error (UTIL_EINPUT, "noise multiplier %g must be positive and finite", z);
    if (!(m->l2 >= 0) || !isfinite (m->l2))
        return util_error (UTIL_EINPUT, "L2 sensitivity %g must be finite and >= 0", m->l2);
    if (m->accountant == DP_ACCOUNTANT_RDP && m->kind == DP_MECHANISM_GAUSSIAN)
        return s_epsilon (q, z, steps, delta, orders, n, conversion, epsilon, order);
    if (m->accountant == DP_ACCOUNTANT_PLD) {
        if (m->kind == DP_MECHANISM_DISTRIBUTED)
            return util_error (UTIL_EINPUT, "the PLD accountant covers the gaussian and "
                               "discrete-gaussian mechanisms; account the distributed one with "
                               "rdp or conservative");
        if (steps != floor (steps) || !(steps >= 1) || steps > (double) UINT64_MAX / 2)
            return util_error (UTIL_EINPUT, "PLD accountant: steps %g must be a whole number >= 1", steps);
        double l2 = m->l2 > 0? m->l2: 1;
        if (order)
            *order = 0;
        if (m->kind == DP_MECHANISM_GAUSSIAN)
            return dp_pld_epsilon_subsampled (DP_PLD_GAUSSIAN, q, z, 1, (uint64_t) steps, delta,
                                              NULL, epsilon);
        return dp_pld_epsilon_subsampled (DP_PLD_DISCRETE_GAUSSIAN, q, z * l2, l2,
                                          (uint64_t) steps, delta, NULL, epsilon);
    }
    dp_ddg_t ddg = s_ddg_of (m, z);
    if (search && ddg.local_sigma2 < 0.25 && m->kind != DP_MECHANISM_GAUSSIAN) {
        *epsilon = INFINITY;
        return 0;
    }
    if (dp_ddg_check (&ddg))
        return -1;
    dp_curve_t *curve = dp_curve_new (orders, n);
    if (!curve)
        return -1;
    int rc = -1;
    double *rdp = util_calloc (n, sizeof *rdp);
    if (!rdp) {
        util_error_context ("computing epsilon");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        if (dp_rdp_ddg_with (m->accountant, q, &ddg, orders [i], &rdp [i]))
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

int
dp_epsilon_with (const dp_mechanism_t *m, double q, double z, uint64_t steps, double delta,
                 const double *orders, size_t n, dp_conversion_t conversion,
                 double *epsilon, double *order)
{
    if (steps == 0)
        return util_error (UTIL_EINPUT, "steps must be >= 1");
    if (!(q > 0 && q <= 1))
        return util_error (UTIL_EINPUT, "sampling rate %g outside (0, 1]", q);
    if (!(delta > 0 && delta < 1))
        return util_error (UTIL_EINPUT, "delta %g outside (0, 1)", delta);
    return s_epsilon_with (m, q, z, (double) steps, delta, orders, n, conversion, false,
                           epsilon, order);
}

int
dp_calibrate_noise_with (const dp_mechanism_t *m, double target, double delta, double q,
                         uint64_t steps, const double *orders, size_t n,
                         dp_conversion_t conversion, double *z)
{
    if (s_check (target, delta, q))
        return -1;
    if (steps == 0)
        return util_error (UTIL_EINPUT, "steps must be >= 1");
    double tolerance = m->accountant == DP_ACCOUNTANT_PLD? 1e-6: 1e-9;
    double eps, hi = 1, lo = 0;
    //  Grow until feasible; epsilon is non-increasing in z.
    for (;;) {
        if (s_epsilon_with (m, q, hi, (double) steps, delta, orders, n, conversion, true, &eps, NULL))
            return -1;
        if (eps <= target)
            break;
        lo = hi;
        hi *= 2;
        if (hi > DP_NOISE_MULTIPLIER_MAX) {
            if (s_epsilon_with (m, q, DP_NOISE_MULTIPLIER_MAX, (double) steps, delta, orders, n,
                                conversion, true, &eps, NULL))
                return -1;
            return util_error (UTIL_EFAIL, "target epsilon %g is unreachable: even noise multiplier %g "
                               "gives epsilon %g on this order grid", target,
                               DP_NOISE_MULTIPLIER_MAX, eps);
        }
    }
    //  Invariant: eps(hi) <= target, and eps(lo) > target (or lo = 0).
    while (hi - lo > tolerance * hi) {
        double mid = lo + (hi - lo) / 2;
        if (s_epsilon_with (m, q, mid, (double) steps, delta, orders, n, conversion, true, &eps, NULL))
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
    //  The Gaussian under the RDP accountant: MTZ 2019's exact value.
    const dp_mechanism_t gaussian = { .kind = DP_MECHANISM_GAUSSIAN,
                                      .accountant = DP_ACCOUNTANT_RDP };
    return dp_calibrate_noise_with (&gaussian, target, delta, q, steps, orders, n, conversion, z);
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
