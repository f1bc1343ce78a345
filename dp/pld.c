/*  dp/pld.c - privacy loss distributions on a grid, composed by FFT
    (dp/pld.h; docs/privacy.md, Sec. 4.7). */
#include "pld.h"
#include "dp.h"
#include "util/alloc.h"
#include "util/error.h"

#include <float.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fft_halfcomplex.h>
#include <gsl/gsl_fft_real.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct _dp_pld_t {
    double interval;            //  h: bucket i holds the loss value (lo + i) h
    double tail;                //  mass a truncation may move
    dp_pld_discretisation_t discretisation;     //  of one step
    int64_t lo;
    size_t n;
    double *pmf;                //  n finite masses
    double inf;                 //  mass at +infinity
};

dp_pld_params_t
dp_pld_params_default (void)
{
    return (dp_pld_params_t) { DP_PLD_INTERVAL_DEFAULT, DP_PLD_TAIL_DEFAULT, DP_PLD_CONNECT_DOTS };
}

//  log(exp(a) + exp(b)) without overflow.
static double
s_log_add (double a, double b)
{
    double hi = a > b? a: b, lo = a > b? b: a;
    if (lo == -INFINITY)
        return hi;
    return hi + log1p (exp (lo - hi));
}

//  Standard normal mass of (a, b), a <= b, from the side where it is
//  small, so that tail masses keep their relative precision.
static double
s_normal_mass (double a, double b)
{
    if (a >= 0)
        return 0.5 * (erfc (a / M_SQRT2) - erfc (b / M_SQRT2));
    if (b <= 0)
        return 0.5 * (erfc (-b / M_SQRT2) - erfc (-a / M_SQRT2));
    return 1 - 0.5 * erfc (b / M_SQRT2) - 0.5 * erfc (-a / M_SQRT2);
}

//  A step's pair: mu0 = noise at 0, mu1 = noise at `shift`, mixed at q.
typedef struct {
    dp_pld_direction_t direction;
    double q, sigma, shift;
    double log_q, log_1q;
} s_pair_t;

//  log((1-q) + q mu1(x)/mu0(x)): the remove pair's loss at x; the add
//  pair's is its negative. mu1/mu0 = exp((2 x s - s^2) / (2 sigma^2)) for
//  both noises.
static double
s_mix (const s_pair_t *p, double x)
{
    double u = (2 * x * p->shift - p->shift * p->shift) / (2 * p->sigma * p->sigma);
    return s_log_add (p->log_1q, p->log_q + u);
}

static double
s_loss (const s_pair_t *p, double x)
{
    return p->direction == DP_PLD_REMOVE? s_mix (p, x): -s_mix (p, x);
}

//  The x with s_mix(x) = m, for m > log(1-q) (else -inf).
static double
s_mix_inverse (const s_pair_t *p, double m)
{
    double r = expm1 (m) + p->q;        //  q mu1/mu0
    if (!(r > 0))
        return -INFINITY;
    double u = log (r) - p->log_q;
    return (2 * p->sigma * p->sigma * u + p->shift * p->shift) / (2 * p->shift);
}

//  Adds P-mass `pm` at loss `l` to the grid by connect-the-dots: split
//  between the grid points below and above so that sum P and sum P e^-L
//  are both kept (docs/privacy.md, Sec. 4.7). A loss below the grid goes
//  to its lowest point (pessimistic), one above it is not placed (the
//  caller charges what is missing at +infinity).
static void
s_place (dp_pld_t *self, double l, double pm)
{
    double pos = l / self->interval - (double) self->lo;
    double f = floor (pos);
    size_t j = f < 0? 0: (size_t) f;
    if (j + 1 >= self->n) {
        //  At the top grid point itself (the range was built to hold it).
        self->pmf [self->n - 1] += pm;
        return;
    }
    if (pos > (double) (self->n - 1) + 1e-6)
        return;             //  above the grid: left to the mass at +infinity
    if (self->discretisation == DP_PLD_ROUND_UP) {
        //  Up to the grid point at or above l (exactly on a point stays).
        double at = ((double) self->lo + (double) j) * self->interval;
        self->pmf [l <= at? j: j + 1] += pm;
        return;
    }
    double upper = ((double) self->lo + (double) j + 1) * self->interval;
    double dist = upper - l;
    if (dist < 0)
        dist = 0;
    if (dist > self->interval)
        dist = self->interval;
    double below = pm * expm1 (dist) / expm1 (self->interval);
    if (below > pm)
        below = pm;
    self->pmf [j] += below;
    self->pmf [j + 1] += pm - below;
}

//  An empty PLD over the losses [lmin, lmax], or NULL.
static dp_pld_t *
s_grid (double lmin, double lmax, const dp_pld_params_t *params)
{
    double lo = floor (lmin / params->interval), hi = ceil (lmax / params->interval);
    //  Checked as doubles before they become sizes.
    if (!(hi - lo + 1 <= (double) DP_PLD_BUCKETS_MAX)) {
        util_error (UTIL_ELIMIT, "a PLD over losses [%g, %g] at interval %g needs more than %zu "
                    "buckets: use a coarser interval or the RDP accountant", lmin, lmax,
                    params->interval, DP_PLD_BUCKETS_MAX);
        return NULL;
    }
    dp_pld_t *self = util_calloc (1, sizeof *self);
    if (!self)
        goto fail;
    self->interval = params->interval;
    self->tail = params->tail;
    self->discretisation = params->discretisation;
    self->lo = (int64_t) lo;
    self->n = (size_t) (hi - lo) + 1;
    if (!(self->pmf = util_calloc (self->n, sizeof (double))))
        goto fail;
    return self;
fail:
    dp_pld_destroy (&self);
    util_error_context ("making a PLD of %g buckets", hi - lo + 1);
    return NULL;
}

static void s_truncate (dp_pld_t *self);

//  One step's mass not on the grid (beyond K sigma, or above the grid)
//  is charged at +infinity; then the outer buckets are truncated.
static void
s_finish (dp_pld_t *self)
{
    long double placed = 0;
    for (size_t i = 0; i < self->n; i++)
        placed += self->pmf [i];
    self->inf = placed < 1? (double) (1 - placed): 0;
    s_truncate (self);
}

//  The continuous Gaussian: bucket by bucket, the P- and Q-masses of the
//  x whose loss falls between two grid points, from the normal CDF.
static dp_pld_t *
s_gaussian (const s_pair_t *p, double k, const dp_pld_params_t *params)
{
    double xlo = -k * p->sigma, xhi = p->shift + k * p->sigma;
    double la = s_loss (p, xlo), lb = s_loss (p, xhi);
    dp_pld_t *self = s_grid (la < lb? la: lb, la < lb? lb: la, params);
    if (!self)
        return NULL;
    for (size_t j = 0; j + 1 < self->n; j++) {
        //  Losses between grid points j and j + 1, mapped back to x.
        double l0 = ((double) self->lo + (double) j) * self->interval;
        double l1 = l0 + self->interval;
        double x0, x1;
        if (p->direction == DP_PLD_REMOVE) {
            x0 = s_mix_inverse (p, l0);
            x1 = s_mix_inverse (p, l1);
        }
        else {
            x0 = s_mix_inverse (p, -l1);
            x1 = s_mix_inverse (p, -l0);
        }
        x0 = x0 < xlo? xlo: x0 > xhi? xhi: x0;
        x1 = x1 < xlo? xlo: x1 > xhi? xhi: x1;
        if (!(x1 > x0))
            continue;
        double m0 = s_normal_mass (x0 / p->sigma, x1 / p->sigma);
        double m1 = s_normal_mass ((x0 - p->shift) / p->sigma, (x1 - p->shift) / p->sigma);
        double mix = (1 - p->q) * m0 + p->q * m1;
        double pm = p->direction == DP_PLD_REMOVE? mix: m0;
        double qm = p->direction == DP_PLD_REMOVE? m0: mix;
        if (!(pm > 0))
            continue;
        //  The bucket's P-average loss, log(P/Q), kept within the bucket.
        double l = qm > 0? log (pm / qm): l1;
        l = l < l0? l0: l > l1? l1: l;
        s_place (self, l, pm);
    }
    //  Whatever lies beyond K sigma is charged at +infinity.
    s_finish (self);
    return self;
}

//  The discrete Gaussian: atom by atom over |x| <= X, X = ceil(K sigma)
//  + shift, with exact masses exp(-x^2/(2 sigma^2)) / Z.
static dp_pld_t *
s_discrete (const s_pair_t *p, double k, const dp_pld_params_t *params)
{
    double xmax = ceil (k * p->sigma) + p->shift;
    if (!(2 * xmax + 1 <= (double) DP_PLD_ATOMS_MAX)) {
        util_error (UTIL_ELIMIT, "discrete Gaussian PLD: sigma %g needs more than %zu atoms",
                    p->sigma, DP_PLD_ATOMS_MAX);
        return NULL;
    }
    int64_t xm = (int64_t) xmax;
    double two_s2 = 2 * p->sigma * p->sigma;
    double z = 0;
    for (int64_t x = -xm; x <= xm; x++)
        z += exp (-(double) x * (double) x / two_s2);
    double log_z = log (z);
    double la = s_loss (p, (double) -xm), lb = s_loss (p, (double) xm);
    dp_pld_t *self = s_grid (la < lb? la: lb, la < lb? lb: la, params);
    if (!self)
        return NULL;
    for (int64_t x = -xm; x <= xm; x++) {
        double log_m0 = -(double) x * (double) x / two_s2 - log_z;
        double d = (double) x - p->shift;
        double log_m1 = -d * d / two_s2 - log_z;
        double log_mix = s_log_add (p->log_1q + log_m0, p->log_q + log_m1);
        double log_pm = p->direction == DP_PLD_REMOVE? log_mix: log_m0;
        double log_qm = p->direction == DP_PLD_REMOVE? log_m0: log_mix;
        double pm = exp (log_pm);
        if (!(pm > 0))
            continue;
        s_place (self, log_pm - log_qm, pm);
    }
    s_finish (self);
    return self;
}

dp_pld_t *
dp_pld_new_subsampled (dp_pld_noise_t noise, dp_pld_direction_t direction, double q,
                       double sigma, double shift, const dp_pld_params_t *params)
{
    dp_pld_params_t defaults = dp_pld_params_default ();
    if (!params)
        params = &defaults;
    if (!(params->interval >= 1e-6 && params->interval <= 1)
    ||  !(params->tail > 0 && params->tail <= 1e-6)) {
        util_error (UTIL_EINPUT, "PLD interval %g must be in [1e-6, 1] and tail %g in (0, 1e-6]",
                    params->interval, params->tail);
        return NULL;
    }
    if (params->discretisation != DP_PLD_CONNECT_DOTS && params->discretisation != DP_PLD_ROUND_UP) {
        util_error (UTIL_EINPUT, "PLD: unknown discretisation %d", (int) params->discretisation);
        return NULL;
    }
    if (!(q > 0 && q <= 1)) {
        util_error (UTIL_EINPUT, "sampling rate %g outside (0, 1]", q);
        return NULL;
    }
    if (!(sigma > 0) || !isfinite (sigma) || !(shift > 0) || !isfinite (shift)) {
        util_error (UTIL_EINPUT, "PLD: sigma %g and shift %g must be positive and finite", sigma, shift);
        return NULL;
    }
    if (noise == DP_PLD_DISCRETE_GAUSSIAN && shift != floor (shift)) {
        util_error (UTIL_EINPUT, "discrete Gaussian PLD: the shift (sensitivity) %g must be an integer",
                    shift);
        return NULL;
    }
    if (direction != DP_PLD_REMOVE && direction != DP_PLD_ADD) {
        util_error (UTIL_EINPUT, "PLD: unknown direction %d", (int) direction);
        return NULL;
    }
    s_pair_t pair = { direction, q, sigma, shift, log (q), log1p (-q) };
    //  Noise beyond K sigma has mass below tail: Phi(-K) < exp(-K^2/2).
    double k = sqrt (2 * log (1 / params->tail)) + 1;
    if (noise == DP_PLD_GAUSSIAN)
        return s_gaussian (&pair, k, params);
    if (noise == DP_PLD_DISCRETE_GAUSSIAN)
        return s_discrete (&pair, k, params);
    util_error (UTIL_EINPUT, "PLD: unknown noise %d", (int) noise);
    return NULL;
}

dp_pld_t *
dp_pld_dup (const dp_pld_t *self)
{
    dp_pld_t *copy = util_calloc (1, sizeof *copy);
    if (!copy || !(copy->pmf = util_calloc (self->n, sizeof (double)))) {
        free (copy);
        util_error_context ("copying a PLD");
        return NULL;
    }
    memcpy (copy->pmf, self->pmf, self->n * sizeof (double));
    copy->interval = self->interval;
    copy->tail = self->tail;
    copy->discretisation = self->discretisation;
    copy->lo = self->lo;
    copy->n = self->n;
    copy->inf = self->inf;
    return copy;
}

void
dp_pld_destroy (dp_pld_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->pmf);
    free (*self_p);
    *self_p = NULL;
}

size_t dp_pld_size (const dp_pld_t *self) { return self->n; }
double dp_pld_infinity_mass (const dp_pld_t *self) { return self->inf; }

double
dp_pld_total_mass (const dp_pld_t *self)
{
    long double sum = self->inf;
    for (size_t i = 0; i < self->n; i++)
        sum += self->pmf [i];
    return (double) sum;
}

//  Drops the outer buckets: the top ones holding at most `tail` to
//  +infinity, the bottom ones onto the lowest bucket kept (both raise
//  delta, never lower it), and shrinks the array in place.
static void
s_truncate (dp_pld_t *self)
{
    size_t top = self->n, bottom = 0;
    double cut = 0;
    while (top > 1 && cut + self->pmf [top - 1] <= self->tail)
        cut += self->pmf [--top];
    self->inf += cut;
    cut = 0;
    while (bottom + 1 < top && cut + self->pmf [bottom] <= self->tail)
        cut += self->pmf [bottom++];
    self->pmf [bottom] += cut;
    if (bottom > 0)
        memmove (self->pmf, self->pmf + bottom, (top - bottom) * sizeof (double));
    self->lo += (int64_t) bottom;
    self->n = top - bottom;
    //  Shrinking cannot fail in a way that matters: keep the larger block.
    double *smaller = util_realloc_array (self->pmf, self->n, sizeof (double));
    if (smaller)
        self->pmf = smaller;
}

//  Product of two halfcomplex spectra (GSL radix-2 layout) into a.
static void
s_spectrum_mul (double *a, const double *b, size_t n)
{
    a [0] *= b [0];
    a [n / 2] *= b [n / 2];
    for (size_t k = 1; k < n / 2; k++) {
        double re = a [k] * b [k] - a [n - k] * b [n - k];
        double im = a [k] * b [n - k] + a [n - k] * b [k];
        a [k] = re;
        a [n - k] = im;
    }
}

static double
s_norm2 (const double *v, size_t n)
{
    long double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (long double) v [i] * v [i];
    return sqrt ((double) s);
}

//  a (*) b into a new PLD (b may be a: squaring), or NULL.
static dp_pld_t *
s_convolve (const dp_pld_t *a, const dp_pld_t *b)
{
    if (a->interval != b->interval) {
        util_error (UTIL_EINPUT, "PLDs on different grids (%g, %g) cannot be composed",
                    a->interval, b->interval);
        return NULL;
    }
    //  Both sizes are <= DP_PLD_BUCKETS_MAX, so the sum cannot wrap.
    size_t out = a->n + b->n - 1;
    if (out > DP_PLD_BUCKETS_MAX) {
        util_error (UTIL_ELIMIT, "composing PLDs needs %zu buckets, more than %zu: use a coarser "
                    "interval or the RDP accountant", out, DP_PLD_BUCKETS_MAX);
        return NULL;
    }
    size_t n = 2;
    while (n < out)
        n *= 2;
    dp_pld_t *self = util_calloc (1, sizeof *self);
    double *fa = util_calloc (n, sizeof (double));
    double *fb = b == a? NULL: util_calloc (n, sizeof (double));
    if (!self || !fa || (b != a && !fb)) {
        util_error_context ("composing PLDs (FFT of %zu)", n);
        goto fail;
    }
    memcpy (fa, a->pmf, a->n * sizeof (double));
    if (gsl_fft_real_radix2_transform (fa, 1, n) != GSL_SUCCESS)
        goto fft_fail;
    if (b == a)
        s_spectrum_mul (fa, fa, n);
    else {
        memcpy (fb, b->pmf, b->n * sizeof (double));
        if (gsl_fft_real_radix2_transform (fb, 1, n) != GSL_SUCCESS)
            goto fft_fail;
        s_spectrum_mul (fa, fb, n);
    }
    if (gsl_fft_halfcomplex_radix2_inverse (fa, 1, n) != GSL_SUCCESS)
        goto fft_fail;
    free (fb);
    fb = NULL;
    //  The result keeps the first `out` entries; round-off can leave small
    //  negative masses, which are zero.
    for (size_t i = 0; i < out; i++)
        if (fa [i] < 0)
            fa [i] = 0;
    double *pmf = util_realloc_array (fa, out, sizeof (double));
    if (pmf)
        fa = pmf;
    self->pmf = fa;
    fa = NULL;
    self->n = out;
    self->lo = a->lo + b->lo;
    self->interval = a->interval;
    self->tail = a->tail > b->tail? a->tail: b->tail;
    self->discretisation = a->discretisation;
    //  Mass at +infinity composes as 1 - (1 - a)(1 - b); the rounding
    //  slack of the FFT (dp/pld.h) is charged there too.
    double slack = 5 * sqrt ((double) n) * log2 ((double) n) * DBL_EPSILON
                 * s_norm2 (a->pmf, a->n) * s_norm2 (b->pmf, b->n);
    self->inf = 1 - (1 - a->inf) * (1 - b->inf) + slack;
    if (self->inf > 1)
        self->inf = 1;
    s_truncate (self);
    return self;
fft_fail:
    util_error (UTIL_EFAIL, "PLD composition: the FFT of %zu points failed", n);
fail:
    free (fa);
    free (fb);
    dp_pld_destroy (&self);
    return NULL;
}

//  Moves other's contents into self and frees other's shell.
static void
s_take (dp_pld_t *self, dp_pld_t **other_p)
{
    free (self->pmf);
    *self = **other_p;
    free (*other_p);
    *other_p = NULL;
}

int
dp_pld_compose (dp_pld_t *self, const dp_pld_t *other)
{
    dp_pld_t *result = s_convolve (self, other);
    if (!result)
        return -1;
    s_take (self, &result);
    return 0;
}

int
dp_pld_self_compose (dp_pld_t *self, uint64_t times)
{
    if (times == 0)
        return util_error (UTIL_EINPUT, "a PLD composes with itself at least once");
    //  Binary powering: result = base^(bits seen so far), base squared
    //  each round.
    dp_pld_t *base = dp_pld_dup (self), *result = NULL, *next = NULL;
    int rc = -1;
    if (!base)
        goto cleanup;
    for (uint64_t t = times; t; t >>= 1) {
        if (t & 1) {
            if (!result)
                result = dp_pld_dup (base);
            else
            if ((next = s_convolve (result, base)) != NULL)
                s_take (result, &next);
            else
                goto cleanup;
            if (!result)
                goto cleanup;
        }
        if (t > 1) {
            if (!(next = s_convolve (base, base)))
                goto cleanup;
            s_take (base, &next);
        }
    }
    s_take (self, &result);
    rc = 0;
cleanup:
    dp_pld_destroy (&base);
    dp_pld_destroy (&result);
    return rc;
}

double
dp_pld_delta (const dp_pld_t *self, double eps)
{
    long double sum = self->inf;
    for (size_t i = 0; i < self->n; i++) {
        double l = ((double) self->lo + (double) i) * self->interval;
        if (l > eps)
            sum += self->pmf [i] * -expm1 (eps - l);
    }
    return (double) sum;
}

int
dp_pld_epsilon (const dp_pld_t *self, double delta, double *epsilon)
{
    if (!(delta > 0 && delta < 1))
        return util_error (UTIL_EINPUT, "delta %g outside (0, 1)", delta);
    if (self->inf >= delta)
        return util_error (UTIL_EFAIL, "the PLD's mass at infinity %g is not below delta %g",
                           self->inf, delta);
    //  From the top grid point down: with S1 = sum_{j>=k} p_j and
    //  S2 = sum_{j>=k} p_j e^(l_k - l_j), delta(eps) = inf + S1 - e^(eps - l_k) S2
    //  for eps in [l_{k-1}, l_k]. The first k whose left end is over delta
    //  brackets the answer.
    long double s1 = 0, s2 = 0;
    for (size_t i = self->n; i-- > 0; ) {
        double lk = ((double) self->lo + (double) i) * self->interval;
        //  Bring S2 from l_{k+1} to l_k, then add p_k (at distance 0).
        s2 *= expl (-(long double) self->interval);
        s1 += self->pmf [i];
        s2 += self->pmf [i];
        double below = lk - self->interval;
        long double at_below = self->inf + s1 - expl ((long double) (below - lk)) * s2;
        if (i == 0 || at_below > delta) {
            //  Solve inf + S1 - e^(eps - l_k) S2 = delta in [below, l_k].
            long double excess = self->inf + s1 - delta;
            double eps = excess <= 0? -INFINITY
                       : s2 > 0? lk + (double) logl (excess / s2): lk;
            if (!(eps <= lk))
                eps = lk;
            *epsilon = eps > 0? eps: 0;
            return 0;
        }
    }
    *epsilon = 0;
    return 0;
}

int
dp_pld_epsilon_subsampled (dp_pld_noise_t noise, double q, double sigma, double shift,
                           uint64_t steps, double delta, const dp_pld_params_t *params,
                           double *epsilon)
{
    if (steps == 0)
        return util_error (UTIL_EINPUT, "steps must be >= 1");
    if (!(delta > 0 && delta < 1))
        return util_error (UTIL_EINPUT, "delta %g outside (0, 1)", delta);
    double worst = 0;
    const dp_pld_direction_t directions [] = { DP_PLD_REMOVE, DP_PLD_ADD };
    for (size_t d = 0; d < 2; d++) {
        dp_pld_t *pld = dp_pld_new_subsampled (noise, directions [d], q, sigma, shift, params);
        double eps;
        int rc = !pld || dp_pld_self_compose (pld, steps) || dp_pld_epsilon (pld, delta, &eps);
        dp_pld_destroy (&pld);
        if (rc)
            return util_error_context ("PLD accountant, %s pair",
                                       directions [d] == DP_PLD_REMOVE? "remove": "add");
        if (eps > worst)
            worst = eps;
    }
    *epsilon = worst;
    return 0;
}
