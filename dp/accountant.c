/*  dp/accountant.c - RDP curves: subsampled Gaussian (Mironov, Talwar,
    Zhang 2019), zCDP queries, distributed discrete Gaussian (Kairouz, Liu,
    Steinke 2021), and conversion to (epsilon, delta). */
#include "accountant.h"
#include "dp.h"
#include "util/alloc.h"
#include "util/error.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct _dp_curve_t {
    size_t n;
    double *orders;
    double *rdp;
};

static const double s_default_orders [] = {
    1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5,
    5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
    24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41,
    42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59,
    60, 61, 62, 63, 128, 256, 512
};

size_t
dp_orders_default (const double **orders)
{
    *orders = s_default_orders;
    return sizeof s_default_orders / sizeof s_default_orders [0];
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

//  log(exp(a) - exp(b)) for a >= b; -inf when equal.
static double
s_log_sub (double a, double b)
{
    if (b == -INFINITY)
        return a;
    if (a <= b)
        return -INFINITY;
    return log (expm1 (a - b)) + b;
}

//  log(erfc(x)) for any x: the library value while erfc is representable
//  with full relative precision, then the asymptotic series
//  erfc(x) ~ exp(-x^2) / (x sqrt(pi)) (1 - 1/(2x^2) + 3/(4x^4) - 15/(8x^6) + 105/(16x^8)).
static double
s_log_erfc (double x)
{
    if (x < 20)
        return log (erfc (x));
    double r = 1 / (x * x);
    double series = 1 - r / 2 + 3 * r * r / 4 - 15 * r * r * r / 8
                  + 105 * r * r * r * r / 16;
    return -x * x - log (x) - 0.5 * log (M_PI) + log (series);
}

//  log A_alpha for integer alpha (MTZ 2019, Sec. 3.3):
//  A = sum_i C(alpha, i) q^i (1-q)^(alpha-i) exp((i^2 - i) / (2 z^2)).
static double
s_log_a_int (double q, double z, long alpha)
{
    double log_a = -INFINITY;
    double log_coef = 0;            //  log C(alpha, i), built up by the ratio
    double lq = log (q), l1q = log1p (-q);
    for (long i = 0; i <= alpha; i++) {
        if (i > 0)
            log_coef += log ((double) (alpha - i + 1)) - log ((double) i);
        double s = log_coef + (double) i * lq + (double) (alpha - i) * l1q
                 + ((double) i * (double) i - (double) i) / (2 * z * z);
        log_a = s_log_add (log_a, s);
    }
    return log_a;
}

//  log A_alpha for fractional alpha (MTZ 2019, Sec. 3.3): the two one-sided
//  series split at z0 = z^2 log(1/q - 1) + 1/2, summed until both terms
//  fall below exp(-30), with signed generalised binomial coefficients.
static double
s_log_a_frac (double q, double z, double alpha)
{
    double log_a0 = -INFINITY, log_a1 = -INFINITY;
    double z0 = z * z * log (1 / q - 1) + 0.5;
    double log_coef = 0;
    int sign = 1;
    double lq = log (q), l1q = log1p (-q);
    for (long i = 0; ; i++) {
        if (i > 0) {
            double factor = (alpha - (double) i + 1) / (double) i;
            if (factor < 0)
                sign = -sign;
            log_coef += log (fabs (factor));
        }
        double j = alpha - (double) i;
        double log_t0 = log_coef + (double) i * lq + j * l1q;
        double log_t1 = log_coef + j * lq + (double) i * l1q;
        double log_e0 = log (0.5) + s_log_erfc (((double) i - z0) / (M_SQRT2 * z));
        double log_e1 = log (0.5) + s_log_erfc ((z0 - j) / (M_SQRT2 * z));
        double log_s0 = log_t0 + ((double) i * (double) i - (double) i) / (2 * z * z) + log_e0;
        double log_s1 = log_t1 + (j * j - j) / (2 * z * z) + log_e1;
        if (sign > 0) {
            log_a0 = s_log_add (log_a0, log_s0);
            log_a1 = s_log_add (log_a1, log_s1);
        }
        else {
            log_a0 = s_log_sub (log_a0, log_s0);
            log_a1 = s_log_sub (log_a1, log_s1);
        }
        if ((log_s0 > log_s1? log_s0: log_s1) < -30)
            break;
        //  The terms decay super-exponentially once i passes z0 and alpha;
        //  a series still above e^-30 after 10^7 terms is reported as not
        //  converged rather than truncated.
        if (i > 10000000 || isnan (log_s0) || isnan (log_s1))
            return NAN;
    }
    return s_log_add (log_a0, log_a1);
}

int
dp_rdp_subsampled_gaussian (double q, double z, double alpha, double *rdp)
{
    if (!(q >= 0 && q <= 1))
        return util_error (UTIL_EINPUT, "sampling rate %g outside [0, 1]", q);
    if (!(z > 0) || !isfinite (z))
        return util_error (UTIL_EINPUT, "noise multiplier %g must be positive and finite", z);
    if (!(alpha > 1 && alpha <= DP_ORDER_MAX))
        return util_error (UTIL_EINPUT, "RDP order %g outside (1, %g]", alpha, DP_ORDER_MAX);
    if (q == 0)
        *rdp = 0;
    else
    if (q == 1)
        *rdp = alpha / (2 * z * z);
    else
    if (alpha == floor (alpha))
        *rdp = s_log_a_int (q, z, (long) alpha) / (alpha - 1);
    else
        *rdp = s_log_a_frac (q, z, alpha) / (alpha - 1);
    if (isnan (*rdp))
        return util_error (UTIL_EINPUT, "RDP of the subsampled Gaussian is not a number at q=%g z=%g alpha=%g",
                           q, z, alpha);
    if (*rdp < 0)
        *rdp = 0;           //  rounding only: RDP is non-negative
    return 0;
}

double
dp_ddg_tau (double local_sigma2, uint32_t sites)
{
    double tau = 0;
    for (uint32_t k = 1; k < sites; k++)
        tau += exp (-2 * M_PI * M_PI * local_sigma2 * (double) k / (double) (k + 1));
    return 10 * tau;
}

const char *
dp_accountant_name (dp_accountant_t accountant)
{
    return accountant == DP_ACCOUNTANT_RDP? "rdp"
         : accountant == DP_ACCOUNTANT_CONSERVATIVE? "conservative"
         : accountant == DP_ACCOUNTANT_PLD? "pld": "?";
}

int
dp_accountant_parse (const char *name, dp_accountant_t *accountant)
{
    const dp_accountant_t all [] = {
        DP_ACCOUNTANT_RDP, DP_ACCOUNTANT_CONSERVATIVE, DP_ACCOUNTANT_PLD
    };
    for (size_t i = 0; name && i < sizeof all / sizeof all [0]; i++)
        if (strcmp (name, dp_accountant_name (all [i])) == 0) {
            *accountant = all [i];
            return 0;
        }
    return util_error (UTIL_EINPUT, "accountant '%.40s' is not rdp, conservative or pld",
                       name? name: "(null)");
}

//  KLS 2021 Prop 14 (Eq. 17): the unsampled Rényi bound at order alpha,
//  the least of its three forms; the second needs the L1 sensitivity and
//  is skipped when it is not stated (with l1 = sqrt(d) l2 it equals the
//  third).
static double
s_ddg_unsampled (const dp_ddg_t *m, double tau, double alpha)
{
    double ns2 = (double) m->sites * m->local_sigma2;
    double scale2 = m->l2 * m->l2 / ns2;
    double d = (double) m->dim;
    double best = alpha * scale2 / 2 + tau * d;
    double root = sqrt (scale2) + tau * sqrt (d);
    double three = alpha / 2 * root * root;
    if (three < best)
        best = three;
    if (m->l1 > 0) {
        double two = alpha / 2 * (scale2 + 2 * m->l1 * tau / sqrt (ns2) + tau * tau * d);
        if (two < best)
            best = two;
    }
    return best;
}

//  log of the binomial expansion at integer order a >= 2 (Zhu & Wang 2019;
//  Mironov, Talwar, Zhang 2019, Sec. 3.3):
//    (1-q)^(a-1) (a q - q + 1) + w2 C(a,2) q^2 (1-q)^(a-2) e^eps(2)
//      + w sum_{l=3}^{a} C(a,l) (1-q)^(a-l) q^l e^((l-1) eps(l)),
//  with w2 = w = 1 for the tight bound (docs/privacy.md, Sec. 4.6) and
//  w2 = 1, w = 3 for the general one (Zhu & Wang 2019, Thm 6).
static double
s_ddg_log_sum (double q, const dp_ddg_t *m, double tau, long a, double weight)
{
    double lq = log (q), l1q = log1p (-q);
    double acc = (double) (a - 1) * l1q + log ((double) a * q - q + 1);
    double log_coef = log ((double) a * (double) (a - 1) / 2);
    double e2 = s_ddg_unsampled (m, tau, 2);
    acc = s_log_add (acc, log_coef + 2 * lq + (double) (a - 2) * l1q + e2);
    double log_w = log (weight);
    for (long l = 3; l <= a; l++) {
        log_coef += log ((double) (a - l + 1)) - log ((double) l);
        double el = s_ddg_unsampled (m, tau, (double) l);
        acc = s_log_add (acc, log_w + log_coef + (double) (a - l) * l1q
                              + (double) l * lq + (double) (l - 1) * el);
    }
    return acc;
}

int
dp_ddg_check (const dp_ddg_t *m)
{
    if (!(m->l2 >= 0) || !isfinite (m->l2))
        return util_error (UTIL_EINPUT, "L2 sensitivity %g must be finite and >= 0", m->l2);
    if (!(m->local_sigma2 >= 0.25) || !isfinite (m->local_sigma2))
        return util_error (UTIL_EINPUT, "local sigma^2 %g must be finite and >= 1/4 (KLS 2021 Thm 1)",
                           m->local_sigma2);
    if (m->sites == 0 || m->dim == 0)
        return util_error (UTIL_EINPUT, "distributed discrete Gaussian needs sites >= 1 and dimension >= 1");
    //  ||v||_1 >= ||v||_2 for every vector: a smaller stated L1 bound is a
    //  mistake in the inputs, not a tighter mechanism.
    if (!(m->l1 == 0 || (m->l1 >= m->l2 && isfinite (m->l1))))
        return util_error (UTIL_EINPUT, "L1 sensitivity %g must be 0 (not stated) or finite and "
                           ">= the L2 sensitivity %g", m->l1, m->l2);
    return 0;
}

int
dp_rdp_ddg_with (dp_accountant_t accountant, double q, const dp_ddg_t *m, double alpha,
                 double *rdp)
{
    if (accountant != DP_ACCOUNTANT_RDP && accountant != DP_ACCOUNTANT_CONSERVATIVE)
        return util_error (UTIL_EINPUT, "the %s accountant has no RDP curve (use rdp or conservative)",
                           dp_accountant_name (accountant));
    if (!(q > 0 && q <= 1))
        return util_error (UTIL_EINPUT, "sampling rate %g outside (0, 1]", q);
    if (dp_ddg_check (m))
        return -1;
    if (!(alpha > 1 && alpha <= DP_ORDER_MAX))
        return util_error (UTIL_EINPUT, "RDP order %g outside (1, %g]", alpha, DP_ORDER_MAX);
    double tau = dp_ddg_tau (m->local_sigma2, m->sites);
    double plain = s_ddg_unsampled (m, tau, alpha);
    if (q == 1) {
        *rdp = plain;
        return 0;
    }
    double sampled;
    if (accountant == DP_ACCOUNTANT_CONSERVATIVE) {
        //  The general bound at the integer order ceil(alpha): RDP is
        //  non-decreasing in alpha, so this is an upper bound.
        long a = (long) ceil (alpha);
        if (a < 2)
            a = 2;
        sampled = s_ddg_log_sum (q, m, tau, a, 3) / (double) (a - 1);
    }
    else {
        //  Integer orders by the expansion; between integers k < alpha < k+1
        //  by log-convexity of alpha -> (alpha-1) D_alpha (the log of a
        //  moment generating function; Wang, Balle, Kasiviswanathan 2019,
        //  as TF Privacy interpolates): (alpha-1) eps(alpha) is at most the
        //  chord through (k, (k-1) eps(k)) and (k+1, k eps(k+1)), with
        //  (1, 0) standing for k = 1. Never above the value at k+1.
        double k = floor (alpha);
        double upper = s_ddg_log_sum (q, m, tau, (long) (k < 2? 2: k + (k == alpha? 0: 1)), 1);
        if (k == alpha)
            sampled = upper / (alpha - 1);
        else {
            double lower = k < 2? 0: s_ddg_log_sum (q, m, tau, (long) k, 1);
            double lambda = alpha - k;
            sampled = ((1 - lambda) * lower + lambda * upper) / (alpha - 1);
        }
    }
    *rdp = sampled < plain? sampled: plain;
    if (*rdp < 0)
        *rdp = 0;           //  rounding only: RDP is non-negative
    return 0;
}

int
dp_rdp_ddg (double q, double l2, double local_sigma2, uint32_t sites, size_t dim,
            double alpha, double *rdp)
{
    dp_ddg_t m = { .l2 = l2, .local_sigma2 = local_sigma2, .sites = sites, .dim = dim };
    return dp_rdp_ddg_with (DP_ACCOUNTANT_RDP, q, &m, alpha, rdp);
}

dp_curve_t *
dp_curve_new (const double *orders, size_t n)
{
    if (n == 0 || n > DP_ORDERS_MAX) {
        util_error (UTIL_EINPUT, "an RDP curve needs 1 to %d orders, not %zu", DP_ORDERS_MAX, n);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (!(orders [i] > 1 && orders [i] <= DP_ORDER_MAX)) {
            util_error (UTIL_EINPUT, "RDP order %g (index %zu) outside (1, %g]", orders [i], i, DP_ORDER_MAX);
            return NULL;
        }
    dp_curve_t *self = util_calloc (1, sizeof *self);
    if (!self
    ||  !(self->orders = util_calloc (n, sizeof (double)))
    ||  !(self->rdp = util_calloc (n, sizeof (double)))) {
        dp_curve_destroy (&self);
        util_error_context ("creating an RDP curve of %zu orders", n);
        return NULL;
    }
    self->n = n;
    memcpy (self->orders, orders, n * sizeof (double));
    return self;
}

dp_curve_t *
dp_curve_new_default (void)
{
    const double *orders;
    size_t n = dp_orders_default (&orders);
    return dp_curve_new (orders, n);
}

dp_curve_t *
dp_curve_dup (const dp_curve_t *self)
{
    dp_curve_t *copy = dp_curve_new (self->orders, self->n);
    if (copy)
        memcpy (copy->rdp, self->rdp, self->n * sizeof (double));
    return copy;
}

void
dp_curve_destroy (dp_curve_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->orders);
    free ((*self_p)->rdp);
    free (*self_p);
    *self_p = NULL;
}

size_t dp_curve_size (const dp_curve_t *self) { return self->n; }
const double *dp_curve_orders (const dp_curve_t *self) { return self->orders; }
const double *dp_curve_rdp (const dp_curve_t *self) { return self->rdp; }

//  One mechanism's RDP at one order (the arguments of the dp_curve_add_*
//  call that asked).
typedef int (s_rdp_fn) (const void *args, double order, double *rdp);

//  Adds `steps` compositions of a mechanism to the curve. Every order is
//  computed in full before the curve changes, so a failing call leaves the
//  curve as it was.
static int
s_add_steps (dp_curve_t *self, uint64_t steps, s_rdp_fn *fn, const void *args)
{
    if (steps == 0)
        return util_error (UTIL_EINPUT, "steps must be >= 1");
    double *add = util_calloc (self->n, sizeof *add);
    if (!add)
        return util_error_context ("adding to an RDP curve");
    int rc = -1;
    for (size_t i = 0; i < self->n; i++) {
        if (fn (args, self->orders [i], &add [i]))
            goto cleanup;
        add [i] *= (double) steps;
    }
    for (size_t i = 0; i < self->n; i++)
        self->rdp [i] += add [i];
    rc = 0;
cleanup:
    free (add);
    return rc;
}

typedef struct {
    double q, z;
} s_sgm_t;

static int
s_sgm_rdp (const void *args, double order, double *rdp)
{
    const s_sgm_t *a = args;
    return dp_rdp_subsampled_gaussian (a->q, a->z, order, rdp);
}

int
dp_curve_add_subsampled_gaussian (dp_curve_t *self, double q, double z, uint64_t steps)
{
    s_sgm_t args = { q, z };
    return s_add_steps (self, steps, s_sgm_rdp, &args);
}

int
dp_curve_add_zcdp (dp_curve_t *self, double rho)
{
    if (!(rho >= 0) || !isfinite (rho))
        return util_error (UTIL_EINPUT, "zCDP rho %g must be finite and >= 0", rho);
    for (size_t i = 0; i < self->n; i++)
        self->rdp [i] += rho * self->orders [i];
    return 0;
}

int
dp_curve_add_gaussian (dp_curve_t *self, double l2, double sigma)
{
    if (!(l2 >= 0) || !isfinite (l2) || !(sigma > 0) || !isfinite (sigma))
        return util_error (UTIL_EINPUT, "Gaussian query: need sensitivity >= 0 and sigma > 0 (got %g, %g)",
                           l2, sigma);
    return dp_curve_add_zcdp (self, l2 * l2 / (2 * sigma * sigma));
}

typedef struct {
    dp_accountant_t accountant;
    double q;
    dp_ddg_t m;
} s_ddg_args_t;

static int
s_ddg_rdp (const void *args, double order, double *rdp)
{
    const s_ddg_args_t *a = args;
    return dp_rdp_ddg_with (a->accountant, a->q, &a->m, order, rdp);
}

//  The distributed discrete Gaussian's per-step RDP costs O(order) terms
//  of exp/log1p per order (s_ddg_log_sum), and the same mechanism is added
//  every round by the sites and the coordinator: its one-step values over a
//  grid of orders are kept in a small cache, shared by the process's
//  threads. A hit gives the very values a computation would (the same
//  function of the same inputs), so results do not change.
#define S_DDG_CACHE 16
#define S_DDG_CACHE_ORDERS 512

typedef struct {
    bool used;
    s_ddg_args_t args;
    size_t n;
    double orders [S_DDG_CACHE_ORDERS];
    double rdp [S_DDG_CACHE_ORDERS];
} s_ddg_memo_t;

static s_ddg_memo_t s_ddg_cache [S_DDG_CACHE];
static unsigned s_ddg_next;
static pthread_mutex_t s_ddg_lock = PTHREAD_MUTEX_INITIALIZER;

static bool
s_ddg_same (const s_ddg_args_t *a, const s_ddg_args_t *b)
{
    return a->accountant == b->accountant && a->q == b->q && a->m.l2 == b->m.l2
        && a->m.l1 == b->m.l1 && a->m.local_sigma2 == b->m.local_sigma2
        && a->m.sites == b->m.sites && a->m.dim == b->m.dim;
}

//  Copies the cached one-step values for args over orders[0..n) into rdp:
//  true on a hit.
static bool
s_ddg_lookup (const s_ddg_args_t *args, const double *orders, size_t n, double *rdp)
{
    bool hit = false;
    pthread_mutex_lock (&s_ddg_lock);
    for (unsigned i = 0; i < S_DDG_CACHE && !hit; i++) {
        const s_ddg_memo_t *e = &s_ddg_cache [i];
        if (e->used && e->n == n && s_ddg_same (&e->args, args)
        &&  memcmp (e->orders, orders, n * sizeof (double)) == 0) {
            memcpy (rdp, e->rdp, n * sizeof (double));
            hit = true;
        }
    }
    pthread_mutex_unlock (&s_ddg_lock);
    return hit;
}

static void
s_ddg_store (const s_ddg_args_t *args, const double *orders, size_t n, const double *rdp)
{
    if (n > S_DDG_CACHE_ORDERS)
        return;
    pthread_mutex_lock (&s_ddg_lock);
    s_ddg_memo_t *e = &s_ddg_cache [s_ddg_next++ % S_DDG_CACHE];
    e->used = true;
    e->args = *args;
    e->n = n;
    memcpy (e->orders, orders, n * sizeof (double));
    memcpy (e->rdp, rdp, n * sizeof (double));
    pthread_mutex_unlock (&s_ddg_lock);
}

int
dp_curve_add_ddg_with (dp_curve_t *self, dp_accountant_t accountant, double q,
                       const dp_ddg_t *m, uint64_t steps)
{
    if (steps == 0)
        return util_error (UTIL_EINPUT, "steps must be >= 1");
    s_ddg_args_t args;
    memset (&args, 0, sizeof args);
    args.accountant = accountant;
    args.q = q;
    args.m = *m;
    double *one = util_calloc (self->n, sizeof *one);
    if (!one)
        return util_error_context ("adding to an RDP curve");
    if (!s_ddg_lookup (&args, self->orders, self->n, one)) {
        for (size_t i = 0; i < self->n; i++)
            if (s_ddg_rdp (&args, self->orders [i], &one [i])) {
                free (one);
                return -1;
            }
        s_ddg_store (&args, self->orders, self->n, one);
    }
    for (size_t i = 0; i < self->n; i++)
        self->rdp [i] += one [i] * (double) steps;
    free (one);
    return 0;
}

int
dp_curve_add_ddg (dp_curve_t *self, double q, double l2, double local_sigma2,
                  uint32_t sites, size_t dim, uint64_t steps)
{
    dp_ddg_t m = { .l2 = l2, .local_sigma2 = local_sigma2, .sites = sites, .dim = dim };
    return dp_curve_add_ddg_with (self, DP_ACCOUNTANT_RDP, q, &m, steps);
}

int
dp_curve_add (dp_curve_t *self, const dp_curve_t *other)
{
    if (self->n != other->n
    ||  memcmp (self->orders, other->orders, self->n * sizeof (double)) != 0)
        return util_error (UTIL_EFAIL, "RDP curves over different orders cannot be added");
    for (size_t i = 0; i < self->n; i++)
        self->rdp [i] += other->rdp [i];
    return 0;
}

int
dp_curve_set_rdp (dp_curve_t *self, const double *rdp)
{
    for (size_t i = 0; i < self->n; i++)
        if (!(rdp [i] >= 0))
            return util_error (UTIL_EINPUT, "RDP value %g at order %g must be >= 0", rdp [i], self->orders [i]);
    memcpy (self->rdp, rdp, self->n * sizeof (double));
    return 0;
}

const char *
dp_conversion_name (dp_conversion_t conversion)
{
    return conversion == DP_CONVERSION_CLASSIC? "classic": "improved";
}

int
dp_curve_epsilon (const dp_curve_t *self, double delta, dp_conversion_t conversion,
                  double *epsilon, double *order)
{
    if (!(delta > 0 && delta < 1))
        return util_error (UTIL_EINPUT, "delta %g outside (0, 1)", delta);
    double best = INFINITY, best_order = self->orders [0];
    for (size_t i = 0; i < self->n; i++) {
        double a = self->orders [i], r = self->rdp [i], eps;
        if (conversion == DP_CONVERSION_CLASSIC)
            eps = r - log (delta) / (a - 1);
        else
        if (delta * delta + expm1 (-r) >= 0)
            //  delta >= sqrt(1 - exp(-KL)) and KL <= RDP(alpha) for alpha >= 1:
            //  (0, delta)-DP outright (Pinsker-type bound, as TF Privacy).
            eps = 0;
        else
        if (a > 1.01)
            eps = r + log1p (-1 / a) - (log (delta) + log (a)) / (a - 1);
        else
            //  The improved bound is numerically unstable as alpha -> 1.
            eps = INFINITY;
        if (eps < best) {
            best = eps;
            best_order = a;
        }
    }
    *epsilon = best > 0? best: 0;
    if (order)
        *order = best_order;
    return 0;
}
