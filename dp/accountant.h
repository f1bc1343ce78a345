/*  dp/accountant.h - Rényi DP accounting and conversion to (epsilon, delta).

    An RDP curve is a list of orders alpha > 1 with the Rényi divergence
    bound spent at each (Mironov 2017, "Rényi Differential Privacy"). Curves
    compose by adding pointwise, across steps and across mechanisms:
      - Poisson-subsampled Gaussian steps (Mironov, Talwar, Zhang 2019,
        "Rényi Differential Privacy of the Sampled Gaussian Mechanism"),
        integer orders by the binomial sum, fractional orders by the
        two-sided erfc series, the same computation as TensorFlow Privacy's
        rdp_accountant;
      - unsampled Gaussian or discrete Gaussian queries through zCDP,
        RDP(alpha) = rho alpha with rho = Delta^2 / (2 sigma^2) (Bun and
        Steinke 2016; Canonne, Kamath, Steinke 2020, Sec. 2, for the
        discrete Gaussian);
      - the distributed discrete Gaussian (Kairouz, Liu, Steinke 2021,
        Thm 1 / Prop 14), with its correction term tau, and the discrete
        Gaussian (one site, tau = 0), Poisson-subsampled. The default
        (DP_ACCOUNTANT_RDP) is the tight binomial expansion of Mironov,
        Talwar, Zhang 2019 and Zhu & Wang 2019, which holds for additive
        noise symmetric on the integers in the add/remove relation
        (docs/privacy.md, Sec. 4.6, gives the argument); the general
        factor-3 bound of Zhu & Wang 2019, Thm 6, stays available as
        DP_ACCOUNTANT_CONSERVATIVE. DP_ACCOUNTANT_PLD is dp/pld.h.
    Conversion to (epsilon, delta) takes the minimum over the orders of
      classic:  RDP(alpha) + log(1/delta) / (alpha - 1)     (Mironov 2017, Prop 3)
      improved: RDP(alpha) + log((alpha-1)/alpha) - (log delta + log alpha)/(alpha-1)
                (Canonne, Kamath, Steinke 2020, Prop 12; Balle et al. 2020, Thm 21).
    docs/privacy.md states each theorem and how the code applies it.

    Contents
        dp_orders_default           TensorFlow Privacy's grid of 72 orders
        dp_orders_extended          1.1..10.9 by 0.1, 11..256, 512, 1024
        dp_accountant_t, dp_accountant_name, dp_accountant_parse
                                    rdp (tight), conservative or pld
        dp_orders_parse             a list of orders and ranges, checked
        dp_rdp_subsampled_gaussian  RDP of one subsampled Gaussian step
        dp_ddg_t, dp_ddg_check      a (distributed) discrete Gaussian
        dp_rdp_ddg, dp_rdp_ddg_with, dp_ddg_tau
                                    RDP of one distributed discrete
                                    Gaussian step, and its correction term
        dp_curve_t                  an RDP curve over fixed orders
        dp_curve_new, dp_curve_new_default, dp_curve_dup, dp_curve_destroy
                                    make, copy and free a curve
        dp_curve_size, dp_curve_orders, dp_curve_rdp
                                    its orders and values (borrowed)
        dp_curve_add_subsampled_gaussian, dp_curve_add_zcdp,
        dp_curve_add_gaussian, dp_curve_add_ddg, dp_curve_add_ddg_with,
        dp_curve_add
                                    composition: adds a mechanism's RDP
        dp_curve_set_rdp            replaces the values
        dp_curve_epsilon            the smallest epsilon at a delta
        dp_conversion_t, dp_conversion_name   improved or classic

    A curve is the caller's (dp_curve_destroy, NULL-safe) and holds its own
    copy of the orders; its accessors' arrays are borrowed from it. The
    array dp_orders_parse makes is the caller's (free); dp_orders_default's
    is static. Errors are -1 / NULL with the reason in the error slot
    (util/error.h).
*/
#ifndef DP_ACCOUNTANT_H
#define DP_ACCOUNTANT_H

#include "dp.h"

#include <stddef.h>
#include <stdint.h>

typedef enum {
    DP_CONVERSION_IMPROVED = 0,
    DP_CONVERSION_CLASSIC  = 1
} dp_conversion_t;

typedef enum {
    DP_ACCOUNTANT_RDP = 0,              //  tight RDP (the default)
    DP_ACCOUNTANT_CONSERVATIVE = 1,     //  Zhu & Wang's general factor-3 bound
    DP_ACCOUNTANT_PLD = 2               //  privacy loss distributions (dp/pld.h)
} dp_accountant_t;

#define DP_ORDERS_MAX 10000         //  most orders a curve may hold
#define DP_ORDER_MAX  10000.0       //  largest RDP order accepted

/*  TensorFlow Privacy's default grid: 1.25, 1.5, 1.75, 2, 2.25, 2.5, 3,
    3.5, 4, 4.5, 5, 6, ..., 63, 128, 256, 512 (72 orders). Sets *orders to
    a static array and returns its length. */
size_t dp_orders_default (const double **orders);

/*  The tight accountant's grid (Google dp_accounting's): 1.1 to 10.9 in
    steps of 0.1, every integer 11 ... 256, 512 and 1024 (347 orders).
    Sets *orders to a static array and returns its length. */
size_t dp_orders_extended (const double **orders);

/*  "rdp", "conservative", "pld"; "?" for a value out of range. Static. */
const char *dp_accountant_name (dp_accountant_t accountant);

/*  The inverse of dp_accountant_name. Returns 0, or -1 naming the text. */
int dp_accountant_parse (const char *name, dp_accountant_t *accountant) DP_WUR;

/*  Parses a comma-separated list of orders and ranges lo:hi:step, e.g.
    "1.1:10.9:0.1,12:63:1" (a range includes hi when it falls on the grid,
    within 1e-9 step). Every order must be in (1, DP_ORDER_MAX], every step > 0,
    lo <= hi, and the total at most DP_ORDERS_MAX. On success *orders is a
    new array (caller frees) of *count orders. Returns 0 or -1 with an error
    naming the item and its column. */
int dp_orders_parse (const char *text, double **orders, size_t *count) DP_WUR;

/*  RDP at order alpha in (1, DP_ORDER_MAX] of one step of the
    Poisson-subsampled Gaussian mechanism with sampling rate q in [0, 1] and
    noise multiplier z > 0 (sigma / sensitivity). Returns 0, or -1 for
    invalid arguments or if the series does not converge numerically. */
int dp_rdp_subsampled_gaussian (double q, double z, double alpha, double *rdp) DP_WUR;

/*  One step of the distributed discrete Gaussian (Kairouz, Liu, Steinke
    2021): `sites` sites each add discrete Gaussian noise of variance
    parameter local_sigma2 (>= 1/4) to a dim-dimensional integer sum whose
    sensitivity is l2 (L2) and l1 (L1; 0 = not stated), in integer units
    (see dp_clip_sensitivity). One site is the discrete Gaussian itself
    (tau = 0). Plain value. */
typedef struct {
    double l2;                      //  L2 sensitivity, >= 0
    double l1;                      //  L1 sensitivity: 0, or >= l2
    double local_sigma2;            //  each site's sigma^2, >= 1/4
    uint32_t sites;                 //  n >= 1
    size_t dim;                     //  d >= 1
} dp_ddg_t;

/*  0 if the fields are in range, else -1 naming the first that is not. */
int dp_ddg_check (const dp_ddg_t *m) DP_WUR;

/*  RDP at order alpha in (1, DP_ORDER_MAX] of one step of m, Poisson-
    subsampled at rate q in (0, 1]. Unsampled (q = 1), KLS 2021 Prop 14:
      P(alpha) = min( alpha l2^2 / (2 n s2) + tau d,
                      alpha/2 (l2^2/(n s2) + 2 l1 tau / sqrt(n s2) + tau^2 d),
                      alpha/2 (l2 / sqrt(n s2) + tau sqrt(d))^2 ),
      tau = 10 sum_{k=1}^{n-1} exp(-2 pi^2 s2 k / (k+1)),   n = sites, s2 = local_sigma2,
    the middle form only when l1 is stated. For q < 1, at integer order a,
      (1/(a-1)) log[ (1-q)^(a-1) (a q - q + 1) + C(a,2) q^2 (1-q)^(a-2) e^P(2)
                     + w sum_{l=3}^{a} C(a,l) (1-q)^(a-l) q^l e^((l-1) P(l)) ]
    with w = 1 (DP_ACCOUNTANT_RDP: tight for symmetric integer noise) or
    w = 3 (DP_ACCOUNTANT_CONSERVATIVE: any mechanism). Fractional orders:
    the tight accountant interpolates (alpha-1) RDP linearly between the
    neighbouring integers (log-convexity; an upper bound), the conservative
    one charges ceil(alpha). Never more than the unsampled P(alpha).
    DP_ACCOUNTANT_PLD has no RDP curve: -1. */
int dp_rdp_ddg_with (dp_accountant_t accountant, double q, const dp_ddg_t *m, double alpha,
                     double *rdp) DP_WUR;

/*  dp_rdp_ddg_with (DP_ACCOUNTANT_RDP, q, {l2, 0, local_sigma2, sites, dim},
    alpha, rdp): the tight bound, L1 not stated. */
int dp_rdp_ddg (double q, double l2, double local_sigma2, uint32_t sites,
                size_t dim, double alpha, double *rdp) DP_WUR;

/*  The correction term tau above. */
double dp_ddg_tau (double local_sigma2, uint32_t sites);

typedef struct _dp_curve_t dp_curve_t;

/*  A zero curve over a copy of orders[0..n). NULL (with an error) if n is
    0 or above DP_ORDERS_MAX, or an order is outside (1, DP_ORDER_MAX]. */
dp_curve_t *dp_curve_new (const double *orders, size_t n);

/*  A zero curve over the default grid. */
dp_curve_t *dp_curve_new_default (void);

/*  A copy, or NULL on OOM. */
dp_curve_t *dp_curve_dup (const dp_curve_t *self);

/*  Frees and sets *self_p to NULL. NULL-safe. */
void dp_curve_destroy (dp_curve_t **self_p);

size_t dp_curve_size (const dp_curve_t *self);
const double *dp_curve_orders (const dp_curve_t *self);
const double *dp_curve_rdp (const dp_curve_t *self);

/*  Adds `steps` (>= 1) Poisson-subsampled Gaussian steps. */
int dp_curve_add_subsampled_gaussian (dp_curve_t *self, double q, double z,
                                      uint64_t steps) DP_WUR;

/*  Adds an unsampled query that satisfies rho-zCDP: RDP(alpha) += rho alpha.
    The (discrete) Gaussian mechanism with L2 sensitivity l2 and noise sigma
    is rho = l2^2 / (2 sigma^2): see dp_curve_add_gaussian. */
int dp_curve_add_zcdp (dp_curve_t *self, double rho) DP_WUR;
int dp_curve_add_gaussian (dp_curve_t *self, double l2, double sigma) DP_WUR;

/*  Adds `steps` distributed-discrete-Gaussian steps with the tight
    accountant (see dp_rdp_ddg), or with the one named. */
int dp_curve_add_ddg (dp_curve_t *self, double q, double l2, double local_sigma2,
                      uint32_t sites, size_t dim, uint64_t steps) DP_WUR;
int dp_curve_add_ddg_with (dp_curve_t *self, dp_accountant_t accountant, double q,
                           const dp_ddg_t *m, uint64_t steps) DP_WUR;

/*  Adds another curve over the same orders, pointwise. */
int dp_curve_add (dp_curve_t *self, const dp_curve_t *other) DP_WUR;

/*  Replaces the values (rdp[0..size), each finite-or-+inf and >= 0). */
int dp_curve_set_rdp (dp_curve_t *self, const double *rdp) DP_WUR;

/*  The smallest epsilon over the orders at this delta in (0, 1), and the
    order that attains it (order may be NULL). Returns 0 or -1. */
int dp_curve_epsilon (const dp_curve_t *self, double delta, dp_conversion_t conversion,
                      double *epsilon, double *order) DP_WUR;

/*  "improved" or "classic". */
const char *dp_conversion_name (dp_conversion_t conversion);

#endif
