/*  models/metrics.h - evaluation of binary classifiers: exact ROC AUC,
    accuracy, log-loss, Brier score and a calibration table from scores and
    labels; and the same metrics from per-label score histograms, the form
    the federation gets after differential privacy.

    Exact metrics:
      auc       Mann-Whitney: (sum of positive ranks - P(P+1)/2) / (P N),
                tied scores sharing their average rank (a tie counts 1/2).
                NAN when one class is absent.
      accuracy  predicted class 1 when score >= 0.5.
      log_loss  mean of -log(p) for positives and -log(1-p) for negatives,
                p clipped to [1e-15, 1 - 1e-15] (as scikit-learn).
      brier     mean of (p - y)^2.

    From histograms (B equal-width bins over [0, 1], bin b = [b/B, (b+1)/B),
    the last bin closed; counts may be non-integer and negative after DP
    noise: negative counts are taken as 0). Each metric comes with a bound on
    its difference from the exact metric of the underlying (noise-free)
    scores, in `bound`:
      auc       pairs in different bins are ordered exactly; pairs in the
                same bin count 1/2. |error| <= sum_b pos_b neg_b / (2 P N).
      accuracy  exact when B is even (0.5 is a bin edge); for odd B the
                middle bin is predicted 1 and the bound is its share of rows.
      brier     scores taken at their bin's midpoint m; a score s in the bin
                moves (s - y)^2 by at most (h/2) max|s + m - 2y| (h = 1/B),
                summed over bins.
      log_loss  midpoint too; the bound is max |log s - log m| over the bin,
                which is infinite for positives in the first bin and
                negatives in the last one.
    With B = 100 on the bundled datasets the AUC bound is typically below
    0.01; docs/model-format.md lists measured errors.

    Contents
        model_metrics_t                 AUC, accuracy, log-loss, Brier, rows
        model_calibration_t             one bin of a calibration table
        model_metrics_compute           exact metrics of scores and labels
        model_auc                       the exact ROC AUC alone
        model_calibration               a calibration table
        model_histogram_add             scores into per-label histograms
        model_metrics_from_histogram    metrics and their error bounds from
                                        histograms

    Results go into the caller's structs and arrays; nothing is kept.
    Errors are -1 (NAN for model_auc) with the reason in the error slot
    (util/error.h).
*/
#ifndef MODELS_METRICS_H
#define MODELS_METRICS_H

#include "models.h"

#include <stddef.h>

typedef struct {
    double auc;
    double accuracy;
    double log_loss;
    double brier;
    double n;                   //  rows (a real number for noisy histograms)
    double n_pos;
} model_metrics_t;

typedef struct {
    double lo, hi;              //  score range of the bin
    size_t count;
    double mean_score;          //  NAN for an empty bin
    double positive_rate;       //  NAN for an empty bin
} model_calibration_t;

/*  Exact metrics of n >= 1 scores (finite, in [0, 1]) against labels (0 or
    1). Returns 0, or -1 naming the first bad entry (or out of memory). */
int model_metrics_compute (model_metrics_t *out, const double *scores, const double *labels,
                           size_t n) MODEL_WUR;

/*  Rank-based ROC AUC with ties; NAN if one class is absent, or (with
    UTIL_ENOMEM recorded) when out of memory. Same input rules, unchecked. */
double model_auc (const double *scores, const double *labels, size_t n);

/*  Fills `bins` equal-width calibration bins over [0, 1]. Returns 0 or -1
    (bad input as for model_metrics_compute, or n_bins == 0). */
int model_calibration (model_calibration_t *table, size_t n_bins, const double *scores,
                       const double *labels, size_t n) MODEL_WUR;

/*  Adds each score to pos[b] or neg[b] (bins equal-width over [0, 1]); the
    arrays are not cleared first. Returns 0 or -1 on bad input. */
int model_histogram_add (double *pos, double *neg, size_t n_bins, const double *scores,
                         const double *labels, size_t n) MODEL_WUR;

/*  Metrics from per-label histograms, with the error bounds described
    above in *bound (may be NULL; its n and n_pos are 0). Returns -1 if
    n_bins is 0, a count is not finite or there is no row at all. */
int model_metrics_from_histogram (model_metrics_t *out, model_metrics_t *bound,
                                  const double *pos, const double *neg,
                                  size_t n_bins) MODEL_WUR;

#endif
