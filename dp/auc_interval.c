/*  dp/auc_interval.c - a confidence interval for the exact AUC behind two
    noisy score histograms (the method and its proof: auc_interval.h and
    docs/privacy.md, "Evaluation metrics"). */
#include "auc_interval.h"
#include "dp.h"
#include "util/error.h"

#include <math.h>
#include <stdbool.h>

//  Bisection steps for a Fieller bound: the bracket [0, 1] halves each
//  step, so 64 reach the spacing of doubles near 1.
#define S_BISECT 64

/*  s_fraction_low: a lower confidence bound on num_true / (num_true + other_true), where
    num and other are noisy sums over n_num and n_other bins whose noise
    has variance proxy sigma^2 per bin, and zs = z sigma for the one-sided
    tail wanted. Fieller's construction: at the true fraction phi0,
    (1 - phi0) num_true - phi0 other_true = 0, so (s_fieller)

        h(phi) = (1 - phi) num - phi other
                 - zs sqrt ((1 - phi)^2 n_num + phi^2 n_other)

    is at most 0 at phi = phi0 except with the tail's probability (its
    first two terms are then pure noise of variance proxy sigma^2 times
    the root's square). The bound is the smallest phi in [0, 1] with
    h(phi) <= 0. h is concave, so when h(0) > 0 that set is [root, 1], and
    bisection finds the root; when h(1) > 0 too the set is empty (the
    event failed: both sums far from any truth), and 1 is as good an
    answer as any. */
static double
s_fieller (double phi, double num, double other, double n_num, double n_other, double zs)
{
    return (1 - phi) * num - phi * other
           - zs * sqrt ((1 - phi) * (1 - phi) * n_num + phi * phi * n_other);
}

static double
s_fraction_low (double num, double other, double n_num, double n_other, double zs)
{
    if (s_fieller (0, num, other, n_num, n_other, zs) <= 0)
        return 0;
    if (s_fieller (1, num, other, n_num, n_other, zs) > 0)
        return 1;
    double a = 0, b = 1;                //  h(a) > 0 >= h(b)
    for (int i = 0; i < S_BISECT; i++) {
        double m = 0.5 * (a + b);
        if (s_fieller (m, num, other, n_num, n_other, zs) > 0)
            a = m;
        else
            b = m;
    }
    return b;
}

/*  For one class's noisy histogram x[0..n): tail[k] a lower bound on the
    fraction of its rows in bins k.. n-1, head[k] one on the fraction in
    bins 0.. k-1, for k = 1.. n-1 (tail[0] = 1, head[0] = 0, tail[n] = 0,
    head[n] = 1, exact). Each made monotone: the true tail fractions fall
    with k, so tail[k] may take the best bound at any cut above it, and
    head[k] the best at any cut below. */
static void
s_bands (double *tail, double *head, const double *x, size_t n, double zs)
{
    double total = 0;
    for (size_t b = 0; b < n; b++)
        total += x [b];
    double below = 0;
    tail [0] = 1;
    head [0] = 0;
    for (size_t k = 1; k < n; k++) {
        below += x [k - 1];
        double above = total - below;
        tail [k] = s_fraction_low (above, below, (double) (n - k), (double) k, zs);
        head [k] = s_fraction_low (below, above, (double) k, (double) (n - k), zs);
    }
    tail [n] = 0;
    head [n] = 1;
    for (size_t k = n - 1; k >= 1; k--)
        tail [k] = fmax (tail [k], tail [k + 1]);
    for (size_t k = 1; k < n; k++)
        head [k] = fmax (head [k], head [k - 1]);
}

/*  The smallest value, over every pair of class distributions inside the
    bands, of the fraction of pairs whose member of class `up` sits in a
    higher bin than the member of class `down`:

        sum_{k=1}^{n-1} d_{k-1} T_k = sum_k (D_k - D_{k-1}) T_k,

    T_k the fraction of `up` in bins >= k, D_k that of `down` in bins < k
    (D_0 = 0). Summed by parts it is sum_k D_k (T_k - T_{k+1}) with
    T_n = 0, and T falls with k, so it is smallest when D is at its lower
    band; then, the band's steps D_k - D_{k-1} being >= 0, when T is at
    its lower band. So the minimum is sum_k (down_head[k] -
    down_head[k-1]) up_tail[k]: attained by the bands themselves. */
static double
s_pairs_low (const double *up_tail, const double *down_head, size_t n)
{
    double s = 0;
    for (size_t k = 1; k < n; k++)
        s += (down_head [k] - down_head [k - 1]) * up_tail [k];
    return s;
}

int
dp_auc_interval (double *lo, double *hi, const double *pos, const double *neg,
                 size_t n_bins, double sigma, double alpha)
{
    if (n_bins == 0 || n_bins > DP_AUC_BINS_MAX)
        return util_error (UTIL_EINPUT, "auc interval: %zu bins (1..%d)", n_bins,
                           DP_AUC_BINS_MAX);
    if (!isfinite (sigma) || sigma < 0)
        return util_error (UTIL_EINPUT, "auc interval: sigma %g is not a finite value >= 0",
                           sigma);
    if (!(alpha > 0 && alpha < 1))
        return util_error (UTIL_EINPUT, "auc interval: alpha %g is outside (0, 1)", alpha);
    for (size_t b = 0; b < n_bins; b++)
        if (!isfinite (pos [b]) || !isfinite (neg [b]))
            return util_error (UTIL_EINPUT, "auc interval: bin %zu has a count that is not "
                               "finite", b);
    if (n_bins == 1) {
        //  One bin: every pair is tied, and a tie may go either way.
        *lo = 0;
        *hi = 1;
        return 0;
    }
    //  4 (n - 1) one-sided events (two classes, two sides, n - 1 cuts),
    //  each failing with probability at most exp(-z^2 / 2) for a
    //  sub-Gaussian with variance proxy 1 (Chernoff); Bonferroni.
    double each = alpha / (4.0 * (double) (n_bins - 1));
    double zs = sqrt (2 * log (1 / each)) * sigma;
    double pos_tail [DP_AUC_BINS_MAX + 1], pos_head [DP_AUC_BINS_MAX + 1];
    double neg_tail [DP_AUC_BINS_MAX + 1], neg_head [DP_AUC_BINS_MAX + 1];
    s_bands (pos_tail, pos_head, pos, n_bins, zs);
    s_bands (neg_tail, neg_head, neg, n_bins, zs);
    //  AUC >= P(pos above neg); 1 - AUC >= P(neg above pos).
    double low = s_pairs_low (pos_tail, neg_head, n_bins);
    double high = 1 - s_pairs_low (neg_tail, pos_head, n_bins);
    low = fmin (fmax (low, 0), 1);
    high = fmin (fmax (high, 0), 1);
    //  The bands only cross when an event failed; the interval then still
    //  spans what both ends found.
    *lo = fmin (low, high);
    *hi = fmax (low, high);
    return 0;
}
