/*  models/metrics.c - exact and histogram-based classification metrics. */
#include "metrics.h"
#include "models.h"
#include "util/alloc.h"
#include "util/error.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#define S_CLIP 1e-15

static int
s_check (const double *scores, const double *labels, size_t n)
{
    if (n == 0)
        return util_error (UTIL_EFAIL, "no scores to evaluate");
    for (size_t i = 0; i < n; i++) {
        if (!isfinite (scores [i]) || scores [i] < 0 || scores [i] > 1)
            return util_error (UTIL_EINPUT, "score %zu (%g) is not in [0, 1]", i + 1, scores [i]);
        if (labels [i] != 0 && labels [i] != 1)
            return util_error (UTIL_EINPUT, "label %zu (%g) is not 0 or 1", i + 1, labels [i]);
    }
    return 0;
}

typedef struct {
    double score;
    double label;
} s_pair_t;

static int
s_pair_cmp (const void *a, const void *b)
{
    double x = ((const s_pair_t *) a)->score, y = ((const s_pair_t *) b)->score;
    return (x > y) - (x < y);
}

//  *auc = the AUC, or NAN if one class is absent. Returns 0, or -1 when
//  out of memory (recorded): a NAN must not stand for a failure.
static int
s_auc (const double *scores, const double *labels, size_t n, double *auc)
{
    *auc = NAN;
    s_pair_t *pairs = util_calloc (n, sizeof *pairs);
    if (!pairs)
        return util_error_context ("AUC of %zu scores", n);
    double n_pos = 0;
    for (size_t i = 0; i < n; i++) {
        pairs [i] = (s_pair_t) { scores [i], labels [i] };
        n_pos += labels [i];
    }
    double n_neg = (double) n - n_pos;
    if (n_pos == 0 || n_neg == 0) {
        free (pairs);
        return 0;
    }
    qsort (pairs, n, sizeof *pairs, s_pair_cmp);
    //  Ranks 1..n; a run of ties [i, j) shares the rank (i + 1 + j) / 2.
    double rank_sum = 0;
    for (size_t i = 0; i < n; ) {
        size_t j = i;
        double pos = 0;
        while (j < n && pairs [j].score == pairs [i].score)
            pos += pairs [j++].label;
        rank_sum += pos * (double) (i + 1 + j) / 2;
        i = j;
    }
    free (pairs);
    *auc = (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg);
    return 0;
}

double
model_auc (const double *scores, const double *labels, size_t n)
{
    double auc;
    s_auc (scores, labels, n, &auc);
    return auc;
}

int
model_metrics_compute (model_metrics_t *out, const double *scores, const double *labels,
                       size_t n)
{
    if (s_check (scores, labels, n))
        return -1;
    double correct = 0, ll = 0, brier = 0, n_pos = 0;
    for (size_t i = 0; i < n; i++) {
        double p = scores [i], y = labels [i];
        double q = fmin (fmax (p, S_CLIP), 1 - S_CLIP);
        correct += (p >= 0.5) == (y == 1);
        ll -= y == 1? log (q): log1p (-q);
        brier += (p - y) * (p - y);
        n_pos += y;
    }
    double auc;
    if (s_auc (scores, labels, n, &auc))
        return -1;
    *out = (model_metrics_t) {
        auc, correct / (double) n, ll / (double) n, brier / (double) n, (double) n, n_pos
    };
    return 0;
}

static size_t
s_bin (double score, size_t n_bins)
{
    size_t b = (size_t) (score * (double) n_bins);
    return b < n_bins? b: n_bins - 1;
}

int
model_calibration (model_calibration_t *table, size_t n_bins, const double *scores,
                   const double *labels, size_t n)
{
    if (n_bins == 0)
        return util_error (UTIL_EINPUT, "calibration needs at least one bin");
    if (s_check (scores, labels, n))
        return -1;
    double *sum = util_calloc (n_bins, sizeof *sum);
    double *pos = sum? util_calloc (n_bins, sizeof *pos): NULL;
    if (!pos) {
        free (sum);
        return util_error_context ("calibration of %zu bins", n_bins);
    }
    for (size_t b = 0; b < n_bins; b++)
        table [b] = (model_calibration_t) {
            (double) b / (double) n_bins, (double) (b + 1) / (double) n_bins, 0, NAN, NAN
        };
    for (size_t i = 0; i < n; i++) {
        size_t b = s_bin (scores [i], n_bins);
        table [b].count++;
        sum [b] += scores [i];
        pos [b] += labels [i];
    }
    for (size_t b = 0; b < n_bins; b++)
        if (table [b].count) {
            table [b].mean_score = sum [b] / (double) table [b].count;
            table [b].positive_rate = pos [b] / (double) table [b].count;
        }
    free (sum);
    free (pos);
    return 0;
}

int
model_histogram_add (double *pos, double *neg, size_t n_bins, const double *scores,
                     const double *labels, size_t n)
{
    if (n_bins == 0)
        return util_error (UTIL_EINPUT, "a histogram needs at least one bin");
    if (s_check (scores, labels, n))
        return -1;
    for (size_t i = 0; i < n; i++) {
        size_t b = s_bin (scores [i], n_bins);
        if (labels [i] == 1)
            pos [b] += 1;
        else
            neg [b] += 1;
    }
    return 0;
}

int
model_metrics_from_histogram (model_metrics_t *out, model_metrics_t *bound,
                              const double *pos_in, const double *neg_in, size_t n_bins)
{
    if (n_bins == 0)
        return util_error (UTIL_EINPUT, "a histogram needs at least one bin");
    double P = 0, N = 0;
    for (size_t b = 0; b < n_bins; b++) {
        if (!isfinite (pos_in [b]) || !isfinite (neg_in [b]))
            return util_error (UTIL_EINPUT, "histogram bin %zu has a count that is not finite", b);
        P += fmax (pos_in [b], 0);
        N += fmax (neg_in [b], 0);
    }
    if (P + N <= 0)
        return util_error (UTIL_EFAIL, "the histograms hold no rows");
    double h = 1.0 / (double) n_bins, total = P + N;
    double below = 0, auc = 0, auc_err = 0, correct = 0, acc_err = 0;
    double brier = 0, brier_err = 0, ll = 0, ll_err = 0;
    size_t mid = n_bins / 2;
    for (size_t b = 0; b < n_bins; b++) {
        double pb = fmax (pos_in [b], 0), nb = fmax (neg_in [b], 0);
        double lo = (double) b * h, hi = lo + h, m = lo + h / 2;
        auc += pb * below + 0.5 * pb * nb;
        auc_err += 0.5 * pb * nb;
        below += nb;
        //  Bin b is predicted 1 when its lower edge is >= 0.5, and for odd
        //  n_bins the middle bin (midpoint 0.5) is predicted 1 too.
        bool predict_one = b >= mid;
        correct += predict_one? pb: nb;
        if (n_bins % 2 == 1 && b == mid)
            acc_err += pb + nb;
        brier += pb * (1 - m) * (1 - m) + nb * m * m;
        brier_err += (h / 2) * (nb * (2 * m + h / 2) + pb * (2 - 2 * m + h / 2));
        ll -= pb * log (m) + nb * log1p (-m);
        double dpos = lo > 0? fmax (log (m / lo), log (hi / m)): INFINITY;
        double dneg = hi < 1? fmax (log ((1 - lo) / (1 - m)), log ((1 - m) / (1 - hi)))
                            : INFINITY;
        if (pb > 0)
            ll_err += pb * dpos;
        if (nb > 0)
            ll_err += nb * dneg;
    }
    bool both = P > 0 && N > 0;
    *out = (model_metrics_t) {
        both? auc / (P * N): NAN, correct / total, ll / total, brier / total, total, P
    };
    if (bound)
        *bound = (model_metrics_t) {
            both? auc_err / (P * N): NAN, acc_err / total, ll_err / total,
            brier_err / total, 0, 0
        };
    return 0;
}
