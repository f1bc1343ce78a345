/*  Unit tests for models/metrics.c: AUC with ties against a brute-force
    count, the other metrics by hand, calibration, and histogram metrics
    within their stated bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <string.h>

#include "models/metrics.h"
#include "util/error.h"
#include "alloc_walk.h"

static void
test_auc_small (void **state)
{
    (void) state;
    double s1 [] = { 0.1, 0.4, 0.35, 0.8 }, y1 [] = { 0, 0, 1, 1 };
    assert_true (fabs (model_auc (s1, y1, 4) - 0.75) < 1e-15);
    double s2 [] = { 0.5, 0.5, 0.5, 0.5 }, y2 [] = { 0, 1, 0, 1 };
    assert_true (fabs (model_auc (s2, y2, 4) - 0.5) < 1e-15);
    double s3 [] = { 0.2, 0.5, 0.5, 0.9 }, y3 [] = { 0, 1, 0, 1 };
    assert_true (fabs (model_auc (s3, y3, 4) - 0.875) < 1e-15);
    double y4 [] = { 1, 1, 1, 1 };
    assert_true (isnan (model_auc (s3, y4, 4)));
}

static void
test_auc_brute_force (void **state)
{
    (void) state;
    enum { n = 500 };
    double s [n], y [n];
    gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
    gsl_rng_set (rng, 3);
    for (size_t i = 0; i < n; i++) {
        y [i] = gsl_rng_uniform (rng) < 0.3;
        //  Two decimals: plenty of ties.
        s [i] = round (100 * fmin (1, fmax (0, 0.3 * y [i] + 0.7 * gsl_rng_uniform (rng)))) / 100;
    }
    double wins = 0, pairs = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (y [i] == 1 && y [j] == 0) {
                pairs++;
                wins += s [i] > s [j]? 1: s [i] == s [j]? 0.5: 0;
            }
    assert_true (fabs (model_auc (s, y, n) - wins / pairs) < 1e-12);
    gsl_rng_free (rng);
}

static void
test_compute (void **state)
{
    (void) state;
    double s [] = { 0.5, 0.4999, 1, 0 }, y [] = { 1, 1, 0, 1 };
    model_metrics_t m;
    assert_int_equal (model_metrics_compute (&m, s, y, 4), 0);
    //  0.5 is predicted 1 (right), 0.4999 is 0 (wrong), 1 wrong, 0 wrong.
    assert_true (m.accuracy == 0.25);
    //  p = 1 for a negative is clipped to 1 - 1e-15 (as a double).
    double ll = (-log (0.5) - log (0.4999) - log1p (-(1 - 1e-15)) - log (1e-15)) / 4;
    assert_true (fabs (m.log_loss - ll) < 1e-12);
    double brier = (0.25 + 0.5001 * 0.5001 + 1 + 1) / 4;
    assert_true (fabs (m.brier - brier) < 1e-15);
    assert_true (m.n == 4 && m.n_pos == 3);
    assert_true (m.auc == 0);  //  the only negative outscores every positive
    double bad [] = { 0.5, 1.5 }, ok [] = { 1, 0 };
    assert_int_equal (model_metrics_compute (&m, bad, ok, 2), -1);
    assert_string_equal (util_last_error (), "score 2 (1.5) is not in [0, 1]");
    double nan [] = { NAN, 0.5 };
    assert_int_equal (model_metrics_compute (&m, nan, ok, 2), -1);
    double badlabel [] = { 1, 2 };
    assert_int_equal (model_metrics_compute (&m, ok, badlabel, 2), -1);
    assert_string_equal (util_last_error (), "label 2 (2) is not 0 or 1");
    assert_int_equal (model_metrics_compute (&m, ok, ok, 0), -1);
}

static void
test_calibration (void **state)
{
    (void) state;
    double s [] = { 0.05, 0.1, 0.55, 0.95, 1.0 }, y [] = { 0, 1, 1, 1, 0 };
    model_calibration_t t [4];
    assert_int_equal (model_calibration (t, 4, s, y, 5), 0);
    assert_int_equal (t [0].count, 2);
    assert_true (fabs (t [0].mean_score - 0.075) < 1e-15);
    assert_true (t [0].positive_rate == 0.5);
    assert_int_equal (t [1].count, 0);
    assert_true (isnan (t [1].mean_score));
    assert_int_equal (t [2].count, 1);
    assert_true (t [2].lo == 0.5 && t [2].hi == 0.75);
    assert_int_equal (t [3].count, 2);  //  1.0 goes to the last bin
    assert_int_equal (model_calibration (t, 0, s, y, 5), -1);
}

static void
test_histograms (void **state)
{
    (void) state;
    enum { n = 2000, B = 100 };
    double s [n], y [n];
    gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
    gsl_rng_set (rng, 9);
    for (size_t i = 0; i < n; i++) {
        y [i] = gsl_rng_uniform (rng) < 0.4;
        double z = 2 * (y [i] - 0.5) + 1.5 * (gsl_rng_uniform (rng) - 0.5) * 2;
        s [i] = 1 / (1 + exp (-2 * z));
    }
    model_metrics_t exact, hist, bound;
    assert_int_equal (model_metrics_compute (&exact, s, y, n), 0);
    size_t sizes [] = { B, 11, 2 };
    for (size_t k = 0; k < 3; k++) {
        double pos [B] = { 0 }, neg [B] = { 0 };
        size_t bins = sizes [k];
        assert_int_equal (model_histogram_add (pos, neg, bins, s, y, n), 0);
        assert_int_equal (model_metrics_from_histogram (&hist, &bound, pos, neg, bins), 0);
        assert_true (hist.n == n && hist.n_pos == exact.n_pos);
        assert_true (fabs (hist.auc - exact.auc) <= bound.auc + 1e-12);
        assert_true (fabs (hist.accuracy - exact.accuracy) <= bound.accuracy + 1e-12);
        assert_true (fabs (hist.brier - exact.brier) <= bound.brier + 1e-12);
        if (isfinite (bound.log_loss))
            assert_true (fabs (hist.log_loss - exact.log_loss) <= bound.log_loss + 1e-12);
        if (bins % 2 == 0)
            assert_true (bound.accuracy == 0 && hist.accuracy == exact.accuracy);
        else
            assert_true (bound.accuracy > 0);
        if (bins == B)
            assert_true (bound.auc < 0.01 && bound.brier < 0.02);
    }
    gsl_rng_free (rng);

    //  Scores in distinct bins: AUC exact, bound 0.
    double ds [] = { 0.05, 0.35, 0.65, 0.95 }, dy [] = { 0, 1, 0, 1 };
    double pos [4] = { 0 }, neg [4] = { 0 };
    assert_int_equal (model_histogram_add (pos, neg, 4, ds, dy, 4), 0);
    assert_int_equal (model_metrics_from_histogram (&hist, &bound, pos, neg, 4), 0);
    assert_true (hist.auc == 0.75 && bound.auc == 0);
    //  Negative noisy counts count as 0; an extreme positive bin makes the
    //  log-loss bound infinite.
    double npos [] = { 1, 0, -3, 2 }, nneg [] = { 2, -0.5, 1, 0 };
    assert_int_equal (model_metrics_from_histogram (&hist, NULL, npos, nneg, 4), 0);
    assert_true (hist.n == 6 && hist.n_pos == 3);
    assert_int_equal (model_metrics_from_histogram (&hist, &bound, npos, nneg, 4), 0);
    assert_true (isinf (bound.log_loss));
    double one [] = { 0, 0, 0, 3 }, none [] = { 0, 0, 0, 0 };
    assert_int_equal (model_metrics_from_histogram (&hist, &bound, one, none, 4), 0);
    assert_true (isnan (hist.auc) && isnan (bound.auc));
    assert_int_equal (model_metrics_from_histogram (&hist, NULL, none, none, 4), -1);
    assert_string_equal (util_last_error (), "the histograms hold no rows");
    double inf [] = { 0, INFINITY, 0, 0 };
    assert_int_equal (model_metrics_from_histogram (&hist, NULL, inf, none, 4), -1);
    assert_int_equal (model_metrics_from_histogram (&hist, NULL, one, none, 0), -1);
    assert_int_equal (model_histogram_add (pos, neg, 0, ds, dy, 4), -1);
    double bad [] = { 2 };
    assert_int_equal (model_histogram_add (pos, neg, 4, bad, dy, 1), -1);
}

//  Allocation failures: the metrics fail as a whole (an AUC that could not
//  be computed is an error, not a NAN), as does the calibration table.
static const double s_scores [4] = { 0.1, 0.4, 0.35, 0.8 };
static const double s_labels [4] = { 0, 0, 1, 1 };

static bool
s_metrics_walk (void *arg)
{
    (void) arg;
    model_metrics_t m;
    if (model_metrics_compute (&m, s_scores, s_labels, 4))
        return false;
    assert_true (fabs (m.auc - 0.75) < 1e-15);
    return true;
}

static bool
s_calibration_walk (void *arg)
{
    (void) arg;
    model_calibration_t table [4];
    return model_calibration (table, 4, s_scores, s_labels, 4) == 0;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    assert_true (alloc_walk (s_metrics_walk, NULL) >= 1);
    assert_true (alloc_walk (s_calibration_walk, NULL) >= 2);
    util_alloc_fail_after (0);
    double auc = model_auc (s_scores, s_labels, 4);
    util_alloc_fail_after (-1);
    assert_true (isnan (auc));
    assert_int_equal (util_last_code (), UTIL_ENOMEM);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_auc_small),
        cmocka_unit_test (test_auc_brute_force),
        cmocka_unit_test (test_compute),
        cmocka_unit_test (test_calibration),
        cmocka_unit_test (test_histograms),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
