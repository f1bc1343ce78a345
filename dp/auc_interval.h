/*  dp/auc_interval.h - a confidence interval for the exact AUC behind two
    noisy score histograms.

    A learning study's evaluation round releases, for the held-out rows,
    a histogram of the model's scores for the positives and one for the
    negatives, each bin with independent noise (the sum of the sites'
    discrete Gaussians) of known standard deviation sigma. The interval
    here is post-processing of those released counts and the public sigma
    (it costs no privacy), and it covers the exact AUC of the evaluated
    rows, ties within a bin included, with probability at least
    1 - alpha whatever the true counts are: not an approximation to a
    nominal level but a bound (docs/privacy.md, "Evaluation metrics").

    The method: for each class and each cut point k (bins below k, bins
    from k on), a Fieller-type bound (Fieller 1954) on the fraction of the
    class's rows at or above the cut, from the one linear combination of
    the two noisy sums that is zero at the true fraction; all 4 (B - 1)
    one-sided bounds hold at once with probability >= 1 - alpha (Bonferroni,
    each at alpha / (4 (B - 1)), with the sub-Gaussian tail of the
    discrete Gaussian: Canonne, Kamath and Steinke, "The discrete Gaussian
    for differential privacy", NeurIPS 2020). The AUC's smallest value
    over every pair of class distributions inside those bands is a sum
    by parts of the bands (exact, no search), and likewise its largest.

    Contents
        DP_AUC_BINS_MAX         the most bins a histogram may have
        dp_auc_interval         the interval from the released histograms
*/
#ifndef DP_AUC_INTERVAL_H
#define DP_AUC_INTERVAL_H

#include "dp.h"

#include <stddef.h>

#define DP_AUC_BINS_MAX 256

/*  Writes to *lo, *hi a 1 - alpha confidence interval for the exact AUC
    (pairs tied in score count 1/2) of the rows behind pos[0..n_bins) and
    neg[0..n_bins): the released noisy counts of positives and negatives
    per score bin, bin 0 the lowest scores, each with independent noise
    that is sub-Gaussian with variance proxy sigma^2 (a sum of discrete
    Gaussians whose parameters sigma_i^2 sum to sigma^2). Pass the counts
    as released, before any post-processing (Norm-Sub). sigma = 0 gives the
    bounds the binning alone leaves; [0, 1] when the data cannot exclude
    an empty class. 0 <= *lo <= *hi <= 1 on success.
    Returns 0, or -1 (UTIL_EINPUT) when n_bins is 0 or above
    DP_AUC_BINS_MAX, a count is not finite, sigma is negative or not
    finite, or alpha is outside (0, 1); *lo and *hi are then untouched. */
int dp_auc_interval (double *lo, double *hi, const double *pos, const double *neg,
                     size_t n_bins, double sigma, double alpha) DP_WUR;

#endif
