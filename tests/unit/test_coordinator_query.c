/*  Unit tests for coordinator/query.c and query_render.c: a query's
    results from its released sum.

    Privacy off, on the Pima data read through its dictionary and split
    across 3 and 5 sites (each site's vector from proto_release_add, summed
    as the federation sums them): every figure equals R's
    (tests/fixtures/golden_r.json) to 1e-9 relative, quantiles to half a
    leaf of the tree. Under DP, with each site's discrete Gaussian noise from
    a seeded stream: the 95% intervals cover the exact pooled figures in at
    least 90% of 100 runs at epsilon 1, and quantiles are within 5% of the
    public range in at least 90%. Then the quantile tree's least squares,
    suppression, the left-out count, chi-squared on a noisy table, the JSON
    shape, CSV quoting, the HTML marks, bad input and allocation failures;
    km() against R, and its reports as CSV and HTML (curves, bands, the
    numbers at risk) and their shape checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_walk.h"
#include <gsl/gsl_cdf.h>
#include "coordinator/query.h"
#include "dp/discrete.h"
#include "dp/random.h"
#include "models/csv.h"
#include "models/records.h"
#include "util/error.h"

#define S_DELTA 1e-5

//  ---------------------------------------------------------------------------
//  Data and federation

typedef struct {
    model_dict_t *dict;
    model_records_t *rec;
    json_t *golden;
} s_pima_t;

static s_pima_t s_pima;

static int
s_setup (void **state)
{
    (void) state;
    model_csv_t *csv = NULL;
    s_pima.dict = model_dict_load (COHORT_SOURCE_DIR "/datasets/pima_diabetes_dictionary.csv");
    if (!s_pima.dict
    ||  model_csv_load (&csv, COHORT_SOURCE_DIR "/datasets/pima_diabetes.csv", 0)
    ||  !(s_pima.rec = model_records_read (csv, s_pima.dict, NULL, 0, 100000)))
        return -1;
    model_csv_destroy (&csv);
    json_error_t err;
    s_pima.golden = json_load_file (COHORT_SOURCE_DIR "/tests/fixtures/golden_r.json", 0, &err);
    return s_pima.golden? 0: -1;
}

static int
s_teardown (void **state)
{
    (void) state;
    json_decref (s_pima.golden);
    model_records_destroy (&s_pima.rec);
    model_dict_destroy (&s_pima.dict);
    return 0;
}

//  A parsed, checked query and its release.
typedef struct {
    proto_query_t *q;
    proto_release_t rel;
    model_dict_t *dict;         //  when the query has a dictionary of its own
} s_plan_t;

static void
s_plan (s_plan_t *p, const model_dict_t *dict, const char *text, bool off, double epsilon,
        unsigned threshold)
{
    memset (p, 0, sizeof *p);
    p->q = proto_query_parse (text);
    if (!p->q)
        fail_msg ("%s: %s", text, util_last_error ());
    if (proto_query_check (p->q, dict, 0))
        fail_msg ("%s: %s", text, util_last_error ());
    if (proto_release_make (&p->rel, p->q, off, epsilon, S_DELTA, threshold))
        fail_msg ("%s: %s", text, util_last_error ());
}

static void
s_unplan (s_plan_t *p)
{
    proto_query_destroy (&p->q);
    model_dict_destroy (&p->dict);
}

//  The federation's sum: the records split in `sites` contiguous blocks,
//  each site's vector from proto_release_add, plus (when rng is given) its
//  discrete Gaussian noise of variance local_sigma2. A new vector (free).
static int64_t *
s_federate (const proto_release_t *rel, const model_records_t *rec, unsigned sites,
            dp_rng_t *rng)
{
    int64_t *sum = calloc (rel->dim, sizeof *sum), *site = calloc (rel->dim, sizeof *site);
    assert_non_null (sum);
    assert_non_null (site);
    dp_dgauss_t gauss;
    if (rng) {
        dp_rational_t s2;
        assert_int_equal (dp_rational_set (&s2, rel->local_sigma2, 1), 0);
        assert_int_equal (dp_dgauss_init (&gauss, &s2), 0);
    }
    for (unsigned s = 0; s < sites; s++) {
        memset (site, 0, rel->dim * sizeof *site);
        size_t from = rec->rows * s / sites, to = rec->rows * (s + 1) / sites;
        for (size_t i = from; i < to; i++)
            proto_release_add (rel, rec->values + i * rec->vars, site);
        if (rng)
            assert_int_equal (dp_dgauss_add (&gauss, rng, site, rel->dim), 0);
        for (size_t k = 0; k < rel->dim; k++)
            sum [k] += site [k];
    }
    free (site);
    return sum;
}

//  The results of `text` on the Pima data: off, or at epsilon with a
//  quorum of 2 and the noise of all `sites`.
static json_t *
s_query (const char *text, bool off, double epsilon, unsigned sites, dp_rng_t *rng,
         const coord_query_options_t *o)
{
    s_plan_t p;
    s_plan (&p, s_pima.dict, text, off, epsilon, 2);
    int64_t *sum = s_federate (&p.rel, s_pima.rec, sites, off? NULL: rng);
    json_t *r = coord_query_results (&p.rel, sum, sites, o);
    if (!r)
        fail_msg ("%s: %s", text, util_last_error ());
    free (sum);
    s_unplan (&p);
    return r;
}

//  ---------------------------------------------------------------------------
//  Reading results

//  The i-th result whose statistic, column and group match (NULL: any).
static json_t *
s_find (const json_t *report, const char *statistic, const char *column, const char *group,
        size_t nth)
{
    size_t i;
    json_t *r;
    json_array_foreach (json_object_get (report, "results"), i, r) {
        const char *s = json_string_value (json_object_get (r, "statistic"));
        const char *c = json_string_value (json_object_get (r, "column"));
        const char *g = json_string_value (json_object_get (r, "group"));
        if (strcmp (s, statistic) || (column && (!c || strcmp (c, column)))
        ||  (group && (!g || strcmp (g, group))))
            continue;
        if (nth-- == 0)
            return r;
    }
    fail_msg ("no result %s %s %s", statistic, column? column: "", group? group: "");
    return NULL;
}

static double
s_num (const json_t *v)
{
    if (!json_is_number (v))
        fail_msg ("expected a number");
    return json_number_value (v);
}

static void
s_close (double got, double want, double rel, const char *what)
{
    double tol = rel * fmax (fabs (want), 1e-300);
    if (!(fabs (got - want) <= tol))
        fail_msg ("%s: got %.17g, want %.17g (relative %.3g)", what, got, want,
                  fabs (got - want) / fabs (want));
}

static json_t *
s_golden_column (const char *name)
{
    json_t *c = json_object_get (json_object_get (json_object_get (json_object_get (
        s_pima.golden, "descriptive"), "pima_columns"), "columns"), name);
    assert_non_null (c);
    return c;
}

static const char *s_columns [] = {
    "pregnant", "glucose", "pressure", "triceps", "insulin", "mass", "pedigree", "age",
    "diabetes"
};
#define S_COLUMNS (sizeof s_columns / sizeof s_columns [0])

//  ---------------------------------------------------------------------------
//  Privacy off against R

static void
test_off_summary_matches_r (void **state)
{
    (void) state;
    unsigned splits [] = { 3, 5 };
    for (size_t s = 0; s < 2; s++)
        for (size_t k = 0; k < S_COLUMNS; k++) {
            const char *col = s_columns [k];
            json_t *g = s_golden_column (col);
            char text [128];
            snprintf (text, sizeof text, "summary(%s)", col);
            json_t *r = s_query (text, true, 0, splits [s], NULL, NULL);
            json_t *count = s_find (r, "count", col, NULL, 0);
            assert_int_equal (json_integer_value (json_object_get (count, "value")),
                              json_integer_value (json_object_get (g, "count")));
            s_close (s_num (json_object_get (s_find (r, "mean", col, NULL, 0), "value")),
                     s_num (json_object_get (g, "mean")), 1e-9, text);
            s_close (s_num (json_object_get (s_find (r, "sd", col, NULL, 0), "value")),
                     s_num (json_object_get (g, "sd")), 1e-9, text);
            //  R's na.omit: the rows missing this column, and no others.
            assert_int_equal (json_integer_value (json_object_get (json_object_get (r, "left_out"),
                                                                   "value")),
                              json_integer_value (json_object_get (g, "n_missing")));
            //  Nothing under privacy off carries an interval or suppression.
            assert_null (json_object_get (count, "ci95"));
            assert_null (json_object_get (count, "suppressed"));
            assert_true (json_is_true (json_object_get (json_object_get (r, "privacy"),
                                                        "not_private")));
            json_decref (r);

            snprintf (text, sizeof text, "var(%s)", col);
            r = s_query (text, true, 0, splits [s], NULL, NULL);
            s_close (s_num (json_object_get (s_find (r, "var", col, NULL, 0), "value")),
                     s_num (json_object_get (g, "variance")), 1e-9, text);
            json_decref (r);

            snprintf (text, sizeof text, "mean(%s)", col);
            r = s_query (text, true, 0, splits [s], NULL, NULL);
            s_close (s_num (json_object_get (s_find (r, "mean", col, NULL, 0), "value")),
                     s_num (json_object_get (g, "mean")), 1e-9, text);
            json_decref (r);
        }
}

static void
test_off_crosstab_matches_r (void **state)
{
    (void) state;
    json_t *g = json_object_get (json_object_get (s_pima.golden, "descriptive"),
                                 "pima_crosstab_diabetes_by_ageband");
    const char *bands [] = { "<30", "30-39", "40-49", ">=50" };
    for (unsigned sites = 3; sites <= 5; sites += 2) {
        json_t *r = s_query ("crosstab(diabetes, cut(age, c(-Inf, 30, 40, 50, Inf), right=FALSE))",
                             true, 0, sites, NULL, NULL);
        json_t *t = s_find (r, "crosstab", NULL, NULL, 0);
        json_t *levels = json_object_get (t, "levels");
        assert_string_equal (json_string_value (json_array_get (json_array_get (levels, 0), 1)), "1");
        assert_string_equal (json_string_value (json_array_get (json_array_get (levels, 1), 0)),
                             "[-Inf,30)");
        for (size_t a = 0; a < 2; a++)
            for (size_t b = 0; b < 4; b++) {
                char row [16];
                snprintf (row, sizeof row, "diabetes=%zu", a);
                json_t *want = json_object_get (json_object_get (json_object_get (g, "counts"), row),
                                                bands [b]);
                assert_int_equal (json_integer_value (json_array_get (json_array_get (
                                      json_object_get (t, "values"), a), b)),
                                  json_integer_value (want));
            }
        json_t *x = s_find (r, "chisq", NULL, NULL, 0);
        s_close (s_num (json_object_get (x, "value")), s_num (json_object_get (g, "chisq")), 1e-9,
                 "chisq");
        assert_int_equal (json_integer_value (json_object_get (x, "df")),
                          json_integer_value (json_object_get (g, "df")));
        s_close (s_num (json_object_get (x, "p_value")), s_num (json_object_get (g, "p_value")),
                 1e-9, "p_value");
        assert_int_equal (json_integer_value (json_object_get (json_object_get (r, "left_out"),
                                                               "value")), 0);
        json_decref (r);
    }
}

static void
test_off_correlation_matches_r (void **state)
{
    (void) state;
    json_t *g = json_object_get (json_object_get (json_object_get (s_pima.golden, "descriptive"),
                                                  "pima_correlation"), "complete_obs");
    const char *cols [] = { "glucose", "mass", "age" };
    for (unsigned sites = 3; sites <= 5; sites += 2) {
        json_t *r = s_query ("correlation(glucose, mass, age)", true, 0, sites, NULL, NULL);
        assert_int_equal (json_integer_value (json_object_get (s_find (r, "count", NULL, NULL, 0),
                                                               "value")),
                          json_integer_value (json_object_get (g, "n")));
        json_t *m = json_object_get (s_find (r, "correlation", NULL, NULL, 0), "values");
        for (size_t j = 0; j < 3; j++)
            for (size_t k = 0; k < 3; k++)
                s_close (s_num (json_array_get (json_array_get (m, j), k)),
                         s_num (json_object_get (json_object_get (json_object_get (g, "matrix"),
                                                                  cols [j]), cols [k])),
                         1e-9, "correlation");
        json_decref (r);
    }
}

static void
test_off_quantiles_within_half_a_leaf (void **state)
{
    (void) state;
    const char *probs [] = { "0.1", "0.25", "0.5", "0.75", "0.9" };
    for (unsigned sites = 3; sites <= 5; sites += 2)
        for (size_t k = 0; k < S_COLUMNS; k++) {
            const char *col = s_columns [k];
            const model_var_t *var = model_dict_find (s_pima.dict, col);
            double half = (var->max - var->min) / 8192;
            char text [128];
            snprintf (text, sizeof text, "quantiles(%s, 0.1, 0.25, 0.5, 0.75, 0.9)", col);
            json_t *r = s_query (text, true, 0, sites, NULL, NULL);
            json_t *q = s_find (r, "quantile", col, NULL, 0);
            json_t *want = json_object_get (s_golden_column (col), "quantiles_type7");
            for (size_t i = 0; i < 5; i++) {
                double got = s_num (json_array_get (json_object_get (q, "values"), i));
                double w = s_num (json_object_get (want, probs [i]));
                if (!(fabs (got - w) <= half * (1 + 1e-9)))
                    fail_msg ("%s p=%s: %.17g, R %.17g, more than half a leaf (%g) apart", col,
                              probs [i], got, w, half);
            }
            assert_int_equal (json_integer_value (json_object_get (s_find (r, "count", col, NULL, 0),
                                                                   "value")),
                              json_integer_value (json_object_get (s_golden_column (col), "count")));
            json_decref (r);
        }
}

//  count, count by a group and a histogram, against counts made here from
//  the records.
static void
test_off_counts_and_histogram (void **state)
{
    (void) state;
    const model_records_t *rec = s_pima.rec;
    const model_var_t *glucose = model_dict_find (s_pima.dict, "glucose");
    size_t gi = (size_t) (glucose - model_dict_var (s_pima.dict, 0)), di = 8;
    assert_string_equal (model_dict_var (s_pima.dict, di)->name, "diabetes");
    long bins [6] = { 0 }, missing = 0, by [2] = { 0 };
    for (size_t i = 0; i < rec->rows; i++) {
        double x = rec->values [i * rec->vars + gi];
        by [(int) rec->values [i * rec->vars + di]]++;
        if (x != x) {
            missing++;
            continue;
        }
        //  R's hist(): (a, b], the first [a, b], breaks 0, 50, ..., 300.
        int b = x <= 50? 0: (int) ceil (x / 50) - 1;
        bins [b]++;
    }
    json_t *r = s_query ("count()", true, 0, 3, NULL, NULL);
    assert_int_equal (json_integer_value (json_object_get (s_find (r, "count", NULL, NULL, 0),
                                                           "value")), 768);
    json_decref (r);
    r = s_query ("count(by=diabetes)", true, 0, 5, NULL, NULL);
    assert_string_equal (json_string_value (json_object_get (r, "by")), "diabetes");
    assert_int_equal (json_integer_value (json_object_get (s_find (r, "count", NULL, "0", 0),
                                                           "value")), by [0]);
    assert_int_equal (json_integer_value (json_object_get (s_find (r, "count", NULL, "1", 0),
                                                           "value")), by [1]);
    json_decref (r);
    r = s_query ("histogram(glucose, breaks=0:300:50)", true, 0, 3, NULL, NULL);
    json_t *h = s_find (r, "histogram", "glucose", NULL, 0);
    assert_int_equal (json_array_size (json_object_get (h, "breaks")), 7);
    for (size_t b = 0; b < 6; b++)
        assert_int_equal (json_integer_value (json_array_get (json_object_get (h, "values"), b)),
                          bins [b]);
    assert_int_equal (json_integer_value (json_object_get (json_object_get (r, "left_out"),
                                                           "value")), missing);
    assert_null (json_object_get (h, "ci95"));
    json_t *privacy = json_object_get (r, "privacy");
    assert_true (json_is_null (json_object_get (privacy, "epsilon")));
    assert_true (json_is_null (json_object_get (privacy, "delta")));
    json_decref (r);
}

//  ---------------------------------------------------------------------------
//  The quantile tree

#define S_NODES (16 + 256 + 4096)

//  A deterministic stand-in for noise: xorshift, uniform in [-a, a].
static double
s_jitter (uint64_t *state, double a)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return a * (2 * ((double) (*state >> 11) / 9007199254740992.0) - 1);
}

//  Level offsets of the tree: 0, 16, 272.
static const size_t s_off [4] = { 0, 16, 272, 4368 };

static void
test_tree_least_squares (void **state)
{
    (void) state;
    assert_int_equal (proto_release_tree_nodes (), S_NODES);
    double *x = calloc (S_NODES, sizeof *x), *h = calloc (S_NODES, sizeof *h);
    assert_non_null (x);
    assert_non_null (h);
    uint64_t seed = 88172645463325252ULL;
    for (size_t i = 0; i < S_NODES; i++)
        x [i] = h [i] = (i % 7 == 0? 20: 0) + s_jitter (&seed, 6);
    coord_query_tree_consistent (h);
    //  Consistent: every parent is the sum of its children.
    for (int l = 0; l < 2; l++)
        for (size_t j = 0; j < s_off [l + 1] - s_off [l]; j++) {
            double children = 0;
            for (size_t c = 0; c < 16; c++)
                children += h [s_off [l + 1] + j * 16 + c];
            assert_true (fabs (h [s_off [l] + j] - children) < 1e-9);
        }
    //  Least squares: the residuals x - h over the nodes above each leaf
    //  (itself included) sum to zero (the normal equations).
    for (size_t leaf = 0; leaf < 4096; leaf++) {
        double r = 0;
        size_t pos = leaf;
        for (int l = 2; l >= 0; l--) {
            r += x [s_off [l] + pos] - h [s_off [l] + pos];
            pos /= 16;
        }
        if (!(fabs (r) < 1e-9))
            fail_msg ("leaf %zu: residuals sum to %g", leaf, r);
    }
    //  A consistent tree is its own least-squares fit.
    memcpy (x, h, S_NODES * sizeof *x);
    coord_query_tree_consistent (h);
    for (size_t i = 0; i < S_NODES; i++)
        assert_true (fabs (x [i] - h [i]) < 1e-9);
    free (x);
    free (h);
}

//  Adds `count` records in `leaf` to a tree of exact counts.
static void
s_tree_add (double *x, size_t leaf, double count)
{
    x [s_off [0] + leaf / 256] += count;
    x [s_off [1] + leaf / 16] += count;
    x [s_off [2] + leaf] += count;
}

static void
test_tree_quantile (void **state)
{
    (void) state;
    double *x = calloc (S_NODES, sizeof *x);
    assert_non_null (x);
    assert_true (coord_query_tree_quantile (x, 0.5) == -1);
    //  One record: every quantile is the centre of its leaf.
    s_tree_add (x, 1000, 1);
    for (double p = 0; p <= 1; p += 0.25)
        assert_true (fabs (coord_query_tree_quantile (x, p) - 1000.5 / 4096) < 1e-15);
    //  Ten records in leaves 0..9: type 7 interpolates between centres.
    memset (x, 0, S_NODES * sizeof *x);
    for (size_t i = 0; i < 10; i++)
        s_tree_add (x, i * 300, 1);
    //  p = 0.5: h = 5.5, halfway between the 5th and 6th records.
    assert_true (fabs (coord_query_tree_quantile (x, 0.5) - (1200.5 + 1500.5) / 2 / 4096) < 1e-12);
    //  p = 0.1: h = 1.9.
    assert_true (fabs (coord_query_tree_quantile (x, 0.1) - (0.5 + 0.9 * 300) / 4096) < 1e-12);
    assert_true (fabs (coord_query_tree_quantile (x, 0) - 0.5 / 4096) < 1e-15);
    assert_true (fabs (coord_query_tree_quantile (x, 1) - 2700.5 / 4096) < 1e-15);
    //  Negative (noisy) counts count as nothing.
    x [s_off [0] + 15] = -7;
    x [s_off [1] + 255] = -7;
    x [s_off [2] + 4095] = -7;
    x [s_off [2] + 1] = -3;
    assert_true (fabs (coord_query_tree_quantile (x, 0.5) - (1200.5 + 1500.5) / 2 / 4096) < 1e-12);
    free (x);
}

//  ---------------------------------------------------------------------------
//  DP: the intervals cover

static bool
s_covers (const json_t *ci, double exact)
{
    if (!json_is_array (ci))
        fail_msg ("expected an interval");
    return s_num (json_array_get (ci, 0)) <= exact && exact <= s_num (json_array_get (ci, 1));
}

//  Over 100 seeded runs at epsilon 1 on 3 sites (quorum 2): the ci95 of
//  count(), mean(glucose) and every bin of histogram(glucose) holds the
//  exact pooled figure in at least 90% of runs, and each quantile of
//  glucose is within 5% of the public range of R's in at least 90% (and
//  its ci95 holds R's in 90% over the five).
static void
test_dp_coverage (void **state)
{
    (void) state;
    const char *hist = "histogram(glucose, breaks=40:200:10)";
    json_t *exact_count = s_query ("count()", true, 0, 3, NULL, NULL);
    json_t *exact_mean = s_query ("mean(glucose)", true, 0, 3, NULL, NULL);
    json_t *exact_hist = s_query (hist, true, 0, 3, NULL, NULL);
    double count = s_num (json_object_get (s_find (exact_count, "count", NULL, NULL, 0), "value"));
    double mean = s_num (json_object_get (s_find (exact_mean, "mean", "glucose", NULL, 0), "value"));
    json_t *bins = json_object_get (s_find (exact_hist, "histogram", "glucose", NULL, 0), "values");
    json_t *want_q = json_object_get (s_golden_column ("glucose"), "quantiles_type7");
    const char *probs [] = { "0.1", "0.25", "0.5", "0.75", "0.9" };
    coord_query_options_t all = { .no_suppression = true };
    size_t runs = 100, n_bins = json_array_size (bins);
    size_t hit_count = 0, hit_mean = 0, hit_bins = 0, hit_q [5] = { 0 }, hit_qci = 0;
    for (size_t run = 0; run < runs; run++) {
        uint64_t seed = 1000 + run;
        dp_rng_t *rng = dp_rng_new_seeded_for_tests (&seed, sizeof seed);
        assert_non_null (rng);
        json_t *r = s_query ("count()", false, 1, 3, rng, &all);
        hit_count += s_covers (json_object_get (s_find (r, "count", NULL, NULL, 0), "ci95"), count);
        json_decref (r);
        r = s_query ("mean(glucose)", false, 1, 3, rng, &all);
        hit_mean += s_covers (json_object_get (s_find (r, "mean", "glucose", NULL, 0), "ci95"), mean);
        json_decref (r);
        r = s_query (hist, false, 1, 3, rng, &all);
        json_t *ci = json_object_get (s_find (r, "histogram", "glucose", NULL, 0), "ci95");
        for (size_t b = 0; b < n_bins; b++)
            hit_bins += s_covers (json_array_get (ci, b), s_num (json_array_get (bins, b)));
        json_decref (r);
        r = s_query ("quantiles(glucose, 0.1, 0.25, 0.5, 0.75, 0.9)", false, 1, 3, rng, &all);
        json_t *qr = s_find (r, "quantile", "glucose", NULL, 0);
        json_t *q = json_object_get (qr, "values");
        for (size_t i = 0; i < 5; i++) {
            double want = s_num (json_object_get (want_q, probs [i]));
            hit_q [i] += fabs (s_num (json_array_get (q, i)) - want) <= 0.05 * 300;
            hit_qci += s_covers (json_array_get (json_object_get (qr, "ci95"), i), want);
        }
        json_decref (r);
        dp_rng_destroy (&rng);
    }
    print_message ("coverage over %zu runs: count %zu, mean %zu, bins %.3f, quantiles %.3f; "
                   "quantiles within 5%%: %zu %zu %zu %zu %zu\n", runs, hit_count, hit_mean,
                   (double) hit_bins / (double) (runs * n_bins), (double) hit_qci / (double) (5 * runs),
                   hit_q [0], hit_q [1], hit_q [2], hit_q [3], hit_q [4]);
    assert_true (hit_count >= 90);
    assert_true (hit_mean >= 90);
    assert_true (hit_bins >= 90 * n_bins);
    for (size_t i = 0; i < 5; i++)
        assert_true (hit_q [i] >= 90);
    assert_true (hit_qci >= 90 * 5);
    json_decref (exact_count);
    json_decref (exact_mean);
    json_decref (exact_hist);
}


//  ---------------------------------------------------------------------------
//  Hand-made released sums

//  A DP plan (epsilon 1, quorum 2) and a sum vector of its logical entries
//  given as real values (counts, or sums of values in [0, 1] for moments).
static int64_t *
s_sum_of (const s_plan_t *p, const double *entries)
{
    int64_t *sum = calloc (p->rel.dim, sizeof *sum);
    assert_non_null (sum);
    assert_int_equal (p->rel.limbs, 1);
    for (size_t e = 0; e < p->rel.entries; e++)
        sum [e] = llround (ldexp (entries [e], (int) p->rel.frac_bits));
    return sum;
}

static json_t *
s_results_of (const char *text, const double *entries, unsigned sites,
              const coord_query_options_t *o)
{
    s_plan_t p;
    s_plan (&p, s_pima.dict, text, false, 1, 2);
    int64_t *sum = s_sum_of (&p, entries);
    json_t *r = coord_query_results (&p.rel, sum, sites, o);
    if (!r)
        fail_msg ("%s: %s", text, util_last_error ());
    free (sum);
    s_unplan (&p);
    return r;
}

static void
test_suppression (void **state)
{
    (void) state;
    //  count(by=diabetes): group 0 below the minimum cell, group 1 above;
    //  the left-out count below too.
    double counts [] = { 3, 100, 2 };
    json_t *r = s_results_of ("count(by=diabetes)", counts, 3, NULL);
    double sd = s_num (json_object_get (json_object_get (r, "privacy"), "noise_sd"));
    assert_true (sd > 1);
    json_t *g0 = s_find (r, "count", NULL, "0", 0), *g1 = s_find (r, "count", NULL, "1", 0);
    assert_true (json_is_null (json_object_get (g0, "value")));
    assert_true (json_is_null (json_object_get (g0, "ci95")));
    assert_true (json_is_true (json_object_get (g0, "suppressed")));
    assert_int_equal (json_integer_value (json_object_get (g1, "value")), 100);
    assert_true (json_is_false (json_object_get (g1, "suppressed")));
    json_t *ci = json_object_get (g1, "ci95");
    s_close (s_num (json_array_get (ci, 0)), 100 - 1.959963984540054 * sd, 1e-12, "ci low");
    s_close (s_num (json_array_get (ci, 1)), 100 + 1.959963984540054 * sd, 1e-12, "ci high");
    json_t *left = json_object_get (r, "left_out");
    assert_true (json_is_true (json_object_get (left, "suppressed")));
    assert_true (json_is_null (json_object_get (left, "value")));
    assert_int_equal (s_num (json_object_get (json_object_get (r, "privacy"), "min_cell")), 5);
    //  The notes say so, and that it is not what protects the records.
    bool said = false;
    size_t i;
    json_t *n;
    json_array_foreach (json_object_get (r, "notes"), i, n)
        said |= strstr (json_string_value (n), "noisy count below 5 are suppressed") != NULL
             && strstr (json_string_value (n), "DP does that") != NULL;
    assert_true (said);
    json_decref (r);

    //  A lower minimum shows them; no suppression shows everything, a
    //  negative noisy count as 0 with its interval floored at 0.
    coord_query_options_t low = { .min_cell = 2 };
    r = s_results_of ("count(by=diabetes)", counts, 3, &low);
    assert_int_equal (json_integer_value (json_object_get (s_find (r, "count", NULL, "0", 0), "value")), 3);
    assert_int_equal (json_integer_value (json_object_get (json_object_get (r, "left_out"), "value")), 2);
    json_decref (r);
    double negative [] = { -4, 100, 2.4 };
    coord_query_options_t all = { .no_suppression = true };
    r = s_results_of ("count(by=diabetes)", negative, 3, &all);
    g0 = s_find (r, "count", NULL, "0", 0);
    assert_int_equal (json_integer_value (json_object_get (g0, "value")), 0);
    assert_true (s_num (json_array_get (json_object_get (g0, "ci95"), 0)) == 0);
    assert_true (json_is_false (json_object_get (g0, "suppressed")));
    assert_true (json_is_null (json_object_get (json_object_get (r, "privacy"), "min_cell")));
    json_array_foreach (json_object_get (r, "notes"), i, n)
        assert_null (strstr (json_string_value (n), "suppressed"));
    json_decref (r);

    //  summary(glucose, by=diabetes): the small group's count, mean and sd
    //  are all suppressed; the other group's are shown.
    double moments [] = { 3, 1.2, 0.5,  200, 80, 35,  0 };
    r = s_results_of ("summary(glucose, by=diabetes)", moments, 3, NULL);
    const char *stats [] = { "count", "mean", "sd" };
    for (size_t k = 0; k < 3; k++) {
        json_t *a = s_find (r, stats [k], "glucose", "0", 0), *b = s_find (r, stats [k], "glucose", "1", 0);
        assert_true (json_is_true (json_object_get (a, "suppressed")));
        assert_true (json_is_null (json_object_get (a, "value")));
        assert_true (json_is_false (json_object_get (b, "suppressed")));
        assert_true (json_is_number (json_object_get (b, "value")));
    }
    //  mean = lo + (hi - lo) Su / n = 300 * 80 / 200.
    s_close (s_num (json_object_get (s_find (r, "mean", "glucose", "1", 0), "value")), 120, 1e-5,
             "mean");
    json_decref (r);

    //  A histogram marks each bin.
    double bins [] = { 2, 40, 4, 5, 0 };
    r = s_results_of ("histogram(glucose, breaks=c(0, 100, 200, 250, 300))", bins, 3, NULL);
    json_t *h = s_find (r, "histogram", "glucose", NULL, 0);
    json_t *sup = json_object_get (h, "suppressed"), *values = json_object_get (h, "values");
    bool want [] = { true, false, true, false };
    for (size_t b = 0; b < 4; b++) {
        assert_true (json_is_true (json_array_get (sup, b)) == want [b]);
        assert_true (json_is_null (json_array_get (values, b)) == want [b]);
    }
    json_decref (r);
}

//  The left-out count: exact when off, noisy with its interval under DP.
static void
test_left_out (void **state)
{
    (void) state;
    //  glucose and mass are missing on 5 and 11 rows, never together.
    json_t *r = s_query ("mean(glucose, mass)", true, 0, 3, NULL, NULL);
    json_t *left = json_object_get (r, "left_out");
    assert_int_equal (json_integer_value (json_object_get (left, "value")), 16);
    assert_null (json_object_get (left, "ci95"));
    bool noted = false;
    size_t i;
    json_t *n;
    json_array_foreach (json_object_get (r, "notes"), i, n)
        noted |= strstr (json_string_value (n), "16 records were left out") != NULL;
    assert_true (noted);
    json_decref (r);
    //  where= leaves records out of the figures, not into the left-out count.
    r = s_query ("count(where=age >= 50)", true, 0, 3, NULL, NULL);
    assert_int_equal (json_integer_value (json_object_get (json_object_get (r, "left_out"), "value")), 0);
    json_decref (r);
    double entries [] = { 700, 68 };
    r = s_results_of ("count()", entries, 3, NULL);
    left = json_object_get (r, "left_out");
    assert_int_equal (json_integer_value (json_object_get (left, "value")), 68);
    assert_true (s_covers (json_object_get (left, "ci95"), 68));
    json_decref (r);
}

static void
test_chisq_noisy_table (void **state)
{
    (void) state;
    const char *text = "crosstab(cut(age, c(20, 30, 40, 50, 60, 70, 80)), "
                       "cut(glucose, c(0, 50, 100, 150, 200, 250, 300)))";
    s_plan_t p;
    s_plan (&p, s_pima.dict, text, false, 1, 2);
    double sd = proto_release_noise_sd (&p.rel, 3);
    s_unplan (&p);
    //  An independent table (every cell 10) plus noise-sized deviations:
    //  the chi-squared distribution calls it dependent, the bootstrap that
    //  knows the noise does not.
    double cells [37];
    double dev = round (sd);
    for (size_t i = 0; i < 36; i++)
        cells [i] = 10 + ((i / 6 + i % 6) % 2? dev: -dev);
    cells [36] = 0;
    json_t *r = s_results_of (text, cells, 3, NULL);
    json_t *x = s_find (r, "chisq", NULL, NULL, 0);
    double x2 = s_num (json_object_get (x, "value"));
    s_close (x2, 36 * dev * dev / 10, 1e-9, "X2");
    assert_int_equal (json_integer_value (json_object_get (x, "df")), 25);
    assert_true (gsl_cdf_chisq_Q (x2, 25) < 0.001);
    assert_true (s_num (json_object_get (x, "p_value")) > 0.05);
    s_close (s_num (json_object_get (x, "noise_bias")), 36 * sd * sd / 10, 1e-9, "bias");
    assert_non_null (strstr (json_string_value (json_object_get (x, "note")), "biased upward"));
    assert_int_equal (json_integer_value (json_object_get (x, "p_value_draws")), 1000);
    json_decref (r);
    //  A strongly dependent one (the diagonal) stays significant.
    for (size_t i = 0; i < 36; i++)
        cells [i] = i / 6 == i % 6? 60: 2;
    r = s_results_of (text, cells, 3, NULL);
    x = s_find (r, "chisq", NULL, NULL, 0);
    assert_true (s_num (json_object_get (x, "p_value")) < 0.002);
    assert_true (s_covers (json_object_get (x, "ci95"), s_num (json_object_get (x, "value"))));
    json_decref (r);
    //  A table with one non-empty row has no test.
    for (size_t i = 0; i < 36; i++)
        cells [i] = i < 6? 50: -3;
    r = s_results_of (text, cells, 3, NULL);
    x = s_find (r, "chisq", NULL, NULL, 0);
    assert_true (json_is_null (json_object_get (x, "value")));
    assert_true (json_is_null (json_object_get (x, "p_value")));
    assert_non_null (json_object_get (x, "note"));
    json_decref (r);
    //  On the Pima data, with real noise: age band and diabetes remain
    //  dependent.
    uint64_t seed = 42;
    dp_rng_t *rng = dp_rng_new_seeded_for_tests (&seed, sizeof seed);
    r = s_query ("crosstab(diabetes, cut(age, c(-Inf, 30, 40, 50, Inf), right=FALSE))", false, 1,
                 3, rng, NULL);
    assert_true (s_num (json_object_get (s_find (r, "chisq", NULL, NULL, 0), "p_value")) < 0.01);
    json_decref (r);
    dp_rng_destroy (&rng);
}

//  ---------------------------------------------------------------------------
//  The JSON

static void
s_check_interval (const json_t *ci)
{
    assert_true (json_is_array (ci));
    assert_int_equal (json_array_size (ci), 2);
    assert_true (s_num (json_array_get (ci, 0)) <= s_num (json_array_get (ci, 1)));
}

//  Every result of a DP report has the documented members.
static void
s_check_dp_shape (const json_t *r)
{
    const char *top [] = { "query", "dataset", "kind", "by", "privacy", "left_out", "results",
                           "notes" };
    assert_int_equal (json_object_size (r), 8);
    size_t k = 0;
    const char *key;
    json_t *v;
    json_object_foreach ((json_t *) r, key, v)
        assert_string_equal (key, top [k++]);
    json_t *privacy = json_object_get (r, "privacy");
    assert_true (json_is_false (json_object_get (privacy, "not_private")));
    assert_string_equal (json_string_value (json_object_get (privacy, "unit")), "record");
    assert_true (s_num (json_object_get (privacy, "epsilon")) <= 1 + 1e-9);
    assert_true (s_num (json_object_get (privacy, "delta")) == S_DELTA);
    assert_true (s_num (json_object_get (privacy, "noise_sd")) > 0);
    assert_int_equal (json_integer_value (json_object_get (privacy, "sites")), 3);
    json_t *notes = json_object_get (r, "notes");
    assert_true (json_array_size (notes) > 0);
    size_t i;
    json_t *e;
    json_array_foreach (notes, i, e)
        assert_true (json_is_string (e));
    json_array_foreach (json_object_get (r, "results"), i, e) {
        const char *stat = json_string_value (json_object_get (e, "statistic"));
        assert_non_null (stat);
        assert_true (json_is_string (json_object_get (e, "note")));
        json_t *ci = json_object_get (e, "ci95"), *sup = json_object_get (e, "suppressed");
        if (!strcmp (stat, "histogram") || (!strcmp (stat, "crosstab") && json_object_get (e, "column"))) {
            size_t n = json_array_size (json_object_get (e, "values"));
            assert_true (n > 0);
            assert_int_equal (json_array_size (ci), n);
            assert_int_equal (json_array_size (sup), n);
            if (!strcmp (stat, "histogram"))
                assert_int_equal (json_array_size (json_object_get (e, "breaks")), n + 1);
            else
                assert_int_equal (json_array_size (json_object_get (e, "levels")), n);
            for (size_t b = 0; b < n; b++)
                if (!json_is_true (json_array_get (sup, b)))
                    s_check_interval (json_array_get (ci, b));
        }
        else
        if (!strcmp (stat, "crosstab")) {
            json_t *levels = json_object_get (e, "levels");
            assert_int_equal (json_array_size (json_object_get (e, "columns")), 2);
            size_t ra = json_array_size (json_array_get (levels, 0));
            size_t kb = json_array_size (json_array_get (levels, 1));
            assert_int_equal (json_array_size (json_object_get (e, "values")), ra);
            for (size_t a = 0; a < ra; a++) {
                assert_int_equal (json_array_size (json_array_get (json_object_get (e, "values"), a)), kb);
                assert_int_equal (json_array_size (json_array_get (sup, a)), kb);
                assert_int_equal (json_array_size (json_array_get (ci, a)), kb);
            }
        }
        else
        if (!strcmp (stat, "quantile")) {
            size_t n = json_array_size (json_object_get (e, "probs"));
            assert_true (n > 0);
            assert_int_equal (json_array_size (json_object_get (e, "values")), n);
            assert_int_equal (json_array_size (ci), n);
            assert_true (json_is_boolean (sup));
        }
        else
        if (!strcmp (stat, "correlation")) {
            size_t m = json_array_size (json_object_get (e, "columns"));
            assert_true (m >= 2);
            assert_int_equal (json_array_size (json_object_get (e, "values")), m);
            assert_int_equal (json_array_size (ci), m);
            assert_true (json_is_boolean (sup));
        }
        else {
            const char *scalars [] = { "count", "mean", "sd", "var", "chisq" };
            bool known = false;
            for (size_t s = 0; s < 5; s++)
                known |= !strcmp (stat, scalars [s]);
            assert_true (known);
            assert_true (json_is_boolean (sup));
            if (json_is_false (sup)) {
                assert_true (json_is_number (json_object_get (e, "value")));
                s_check_interval (ci);
            }
            if (!strcmp (stat, "chisq")) {
                assert_true (json_is_integer (json_object_get (e, "df")));
                assert_true (json_is_number (json_object_get (e, "p_value")));
            }
        }
    }
}

static void
test_json_shape (void **state)
{
    (void) state;
    const char *texts [] = {
        "summary(glucose, mass, by=diabetes)", "count(by=diabetes)", "mean(age)", "var(mass)",
        "histogram(glucose)", "quantiles(glucose, 0.5, 0.9)",
        "crosstab(diabetes, cut(age, c(-Inf, 30, 40, 50, Inf), right=FALSE))",
        "crosstab(cut(age, c(20, 40, 100)))", "correlation(glucose, mass, age)"
    };
    coord_query_options_t o = { .dataset = "pima" };
    for (size_t t = 0; t < sizeof texts / sizeof texts [0]; t++) {
        uint64_t seed = 77 + t;
        dp_rng_t *rng = dp_rng_new_seeded_for_tests (&seed, sizeof seed);
        json_t *r = s_query (texts [t], false, 1, 3, rng, &o);
        assert_string_equal (json_string_value (json_object_get (r, "query")), texts [t]);
        assert_string_equal (json_string_value (json_object_get (r, "dataset")), "pima");
        s_check_dp_shape (r);
        char *text = json_dumps (r, 0);
        assert_non_null (text);
        assert_null (strstr (text, "nan"));
        assert_null (strstr (text, "inf"));
        free (text);
        json_decref (r);
        dp_rng_destroy (&rng);
    }
    //  Default breaks: 20 equal bins over the public range.
    json_t *r = s_query ("histogram(glucose)", true, 0, 3, NULL, NULL);
    json_t *breaks = json_object_get (s_find (r, "histogram", "glucose", NULL, 0), "breaks");
    assert_int_equal (json_array_size (breaks), 21);
    assert_true (s_num (json_array_get (breaks, 1)) == 15);
    json_decref (r);
}

//  Figures that cannot be computed are null, with a note, never NaN.
static void
test_nulls_with_notes (void **state)
{
    (void) state;
    model_records_t one = *s_pima.rec;
    one.rows = 1;
    s_plan_t p;
    s_plan (&p, s_pima.dict, "summary(glucose)", true, 0, 1);
    int64_t *sum = s_federate (&p.rel, &one, 1, NULL);
    json_t *r = coord_query_results (&p.rel, sum, 1, NULL);
    assert_non_null (r);
    assert_int_equal (json_integer_value (json_object_get (s_find (r, "count", "glucose", NULL, 0), "value")), 1);
    assert_true (json_is_null (json_object_get (s_find (r, "sd", "glucose", NULL, 0), "value")));
    bool noted = false;
    size_t i;
    json_t *n;
    json_array_foreach (json_object_get (r, "notes"), i, n)
        noted |= strstr (json_string_value (n), "needs two records") != NULL;
    assert_true (noted);
    json_decref (r);
    free (sum);
    s_unplan (&p);

    //  Two identical records: no spread, no correlation.
    double *two = calloc (2 * s_pima.rec->vars, sizeof *two);
    assert_non_null (two);
    memcpy (two, s_pima.rec->values, s_pima.rec->vars * sizeof *two);
    memcpy (two + s_pima.rec->vars, s_pima.rec->values, s_pima.rec->vars * sizeof *two);
    model_records_t same = { .rows = 2, .vars = s_pima.rec->vars, .values = two };
    s_plan (&p, s_pima.dict, "correlation(glucose, mass)", true, 0, 1);
    sum = s_federate (&p.rel, &same, 2, NULL);
    r = coord_query_results (&p.rel, sum, 2, NULL);
    assert_non_null (r);
    json_t *m = json_object_get (s_find (r, "correlation", NULL, NULL, 0), "values");
    assert_true (json_is_null (json_array_get (json_array_get (m, 0), 1)));
    assert_true (s_num (json_array_get (json_array_get (m, 0), 0)) == 1);
    noted = false;
    json_array_foreach (json_object_get (r, "notes"), i, n)
        noted |= strstr (json_string_value (n), "does not vary") != NULL;
    assert_true (noted);
    char *html = coord_query_html (r), *csv = coord_query_csv (r);
    assert_non_null (html);
    assert_non_null (csv);
    assert_null (strstr (html, "nan"));
    assert_non_null (strstr (csv, "\r\ncorrelation,glucose|mass,,,,,,false\r\n"));
    free (html);
    free (csv);
    json_decref (r);
    free (sum);
    free (two);
    s_unplan (&p);
}

//  ---------------------------------------------------------------------------
//  CSV and HTML

//  A dictionary whose levels need quoting, and four records.
static const char s_odd_dict [] =
    "name,type,min,max,levels,unit,description\n"
    "colour,categorical,,,\"say \"\"hi\"\"|b,c|=x|-cmd\",,\n"
    "size,numeric,0,10,,,\n";
static const char s_odd_data [] =
    "colour,size\n\"say \"\"hi\"\"\",1\n\"b,c\",2\n=x,3\n-cmd,7\n";

typedef struct {
    model_dict_t *dict;
    model_records_t *rec;
} s_odd_t;

static void
s_odd (s_odd_t *o)
{
    model_csv_t *csv = NULL;
    o->dict = model_dict_parse ("odd", s_odd_dict, strlen (s_odd_dict));
    if (!o->dict)
        fail_msg ("%s", util_last_error ());
    assert_int_equal (model_csv_parse (&csv, "odd.csv", s_odd_data, strlen (s_odd_data), 0), 0);
    o->rec = model_records_read (csv, o->dict, NULL, 0, 100);
    if (!o->rec)
        fail_msg ("%s", util_last_error ());
    model_csv_destroy (&csv);
}

static void
s_unodd (s_odd_t *o)
{
    model_records_destroy (&o->rec);
    model_dict_destroy (&o->dict);
}

static json_t *
s_odd_query (const s_odd_t *o, const char *text)
{
    s_plan_t p;
    s_plan (&p, o->dict, text, true, 0, 1);
    int64_t *sum = s_federate (&p.rel, o->rec, 2, NULL);
    json_t *r = coord_query_results (&p.rel, sum, 2, NULL);
    if (!r)
        fail_msg ("%s", util_last_error ());
    free (sum);
    s_unplan (&p);
    return r;
}

static void
s_has (const char *text, const char *want)
{
    if (!strstr (text, want))
        fail_msg ("missing '%s' in:\n%s", want, text);
}

static void
test_csv (void **state)
{
    (void) state;
    s_odd_t o;
    s_odd (&o);
    json_t *r = s_odd_query (&o, "crosstab(colour)");
    char *csv = coord_query_csv (r);
    assert_non_null (csv);
    assert_string_equal (csv,
        "statistic,column,group,level,value,ci95_low,ci95_high,suppressed\r\n"
        "left_out,,,,0,,,false\r\n"
        "crosstab,colour,,\"say \"\"hi\"\"\",1,,,false\r\n"
        "crosstab,colour,,\"b,c\",1,,,false\r\n"
        "crosstab,colour,,\"'=x\",1,,,false\r\n"
        "crosstab,colour,,\"'-cmd\",1,,,false\r\n");
    free (csv);
    json_decref (r);

    r = s_odd_query (&o, "crosstab(colour, cut(size, c(0, 5, 10)))");
    csv = coord_query_csv (r);
    assert_non_null (csv);
    s_has (csv, "\r\ncrosstab,\"colour|cut(size, c(0, 5, 10))\",,\"b,c|(0,5]\",1,,,false\r\n");
    s_has (csv, "\r\ncrosstab,\"colour|cut(size, c(0, 5, 10))\",,\"'-cmd|(5,10]\",1,,,false\r\n");
    s_has (csv, "\r\nchisq_df,\"colour|cut(size, c(0, 5, 10))\",,,3,,,false\r\n");
    free (csv);
    json_decref (r);

    r = s_odd_query (&o, "histogram(size, breaks=c(0, 5, 10))");
    csv = coord_query_csv (r);
    s_has (csv, "\r\nhistogram,size,,\"[0,5]\",3,,,false\r\n");
    s_has (csv, "\r\nhistogram,size,,\"(5,10]\",1,,,false\r\n");
    free (csv);
    json_decref (r);

    r = s_odd_query (&o, "mean(size, by=colour)");
    csv = coord_query_csv (r);
    s_has (csv, "\r\nmean,size,\"say \"\"hi\"\"\",,1,,,false\r\n");
    s_has (csv, "\r\ncount,,\"'=x\",,1,,,false\r\n");
    free (csv);
    json_decref (r);

    //  DP: intervals, and a suppressed group with neither value nor
    //  interval.
    s_plan_t p;
    s_plan (&p, o.dict, "count(by=colour)", false, 1, 2);
    double entries [] = { 1, 50, 7, 2, 0 };
    int64_t *sum = s_sum_of (&p, entries);
    r = coord_query_results (&p.rel, sum, 3, NULL);
    assert_non_null (r);
    csv = coord_query_csv (r);
    s_has (csv, "\r\ncount,,\"say \"\"hi\"\"\",,,,,true\r\n");
    s_has (csv, "\r\ncount,,\"b,c\",,50,");
    double sd = proto_release_noise_sd (&p.rel, 3);
    char want [128];
    snprintf (want, sizeof want, "%.15g,%.15g,false\r\n", 50 - 1.959963984540054 * sd,
              50 + 1.959963984540054 * sd);
    s_has (csv, want);
    s_has (csv, "\r\nleft_out,,,,,,,true\r\n");
    free (csv);
    json_decref (r);
    free (sum);
    s_unplan (&p);
    s_unodd (&o);
}

//  The marks a reader needs, and nothing a page must not hold.
static void
s_html_clean (const char *html)
{
    assert_true (strncmp (html, "<!DOCTYPE html>", 15) == 0);
    s_has (html, "</html>\n");
    assert_null (strstr (html, "nan"));
    assert_null (strstr (html, "inf<"));
    assert_null (strstr (html, ">inf"));
    assert_null (strstr (html, "<script"));
    assert_null (strstr (html, "src="));
    const char *http = strstr (html, "http");
    while (http) {
        //  The only address: SVG's namespace.
        assert_true (strncmp (http, "http://www.w3.org/2000/svg", 26) == 0
                     || strncmp (http, "http-equiv", 10) == 0);
        http = strstr (http + 1, "http");
    }
}

static void
test_html (void **state)
{
    (void) state;
    json_t *r = s_query ("summary(glucose, by=diabetes)", true, 0, 3, NULL, NULL);
    char *html = coord_query_html (r);
    assert_non_null (html);
    s_html_clean (html);
    s_has (html, "<title>NOT PRIVATE &mdash; Cohort query: summary(glucose, by=diabetes)</title>");
    s_has (html, "<div class=\"stamp\">NOT PRIVATE");
    assert_null (strstr (html, "class=\"ci\""));
    assert_null (strstr (html, "class=\"sup\""));
    free (html);
    json_decref (r);

    //  DP: no stamp; intervals, suppressed cells marked, escaped levels.
    s_odd_t o;
    s_odd (&o);
    s_plan_t p;
    s_plan (&p, o.dict, "crosstab(colour, cut(size, c(0, 5, 10)))", false, 1, 2);
    double cells [] = { 1, 50, 7, 2, 30, 40, 60, 3, 0 };
    int64_t *sum = s_sum_of (&p, cells);
    r = coord_query_results (&p.rel, sum, 3, NULL);
    assert_non_null (r);
    html = coord_query_html (r);
    assert_non_null (html);
    s_html_clean (html);
    assert_null (strstr (html, "NOT PRIVATE"));
    s_has (html, "<td class=\"sup\"");
    s_has (html, "<span class=\"ci\" title=\"95% interval for the DP noise\">[");
    s_has (html, "[lo, hi] under a figure is its 95% interval for the DP noise: the figure "
                 "computed without noise on the same pooled records lies in it with 95% "
                 "probability (it says nothing of sampling error).");
    s_has (html, "say &quot;hi&quot;");
    assert_null (strstr (html, "say \"hi\""));
    s_has (html, "Pearson's &#967;&#178;");
    s_has (html, "biased upward");
    s_has (html, "&#949; = ");
    free (html);
    json_decref (r);
    free (sum);
    s_unplan (&p);
    s_unodd (&o);

    //  A histogram with a suppressed bin: hatched; quantiles: a box.
    double bins [] = { 2, 40, 4, 5, 0 };
    r = s_results_of ("histogram(glucose, breaks=c(0, 100, 200, 250, 300))", bins, 3, NULL);
    html = coord_query_html (r);
    s_html_clean (html);
    s_has (html, "<svg");
    s_has (html, "fill=\"url(#hatch1)\"");
    s_has (html, "suppressed (noisy count below 5)");
    free (html);
    json_decref (r);
    uint64_t seed = 5;
    dp_rng_t *rng = dp_rng_new_seeded_for_tests (&seed, sizeof seed);
    r = s_query ("quantiles(glucose, 0.1, 0.25, 0.5, 0.75, 0.9, by=diabetes)", false, 1, 3, rng, NULL);
    html = coord_query_html (r);
    s_html_clean (html);
    s_has (html, "Quantiles of glucose");
    s_has (html, "fill=\"#aec7e8\"");          //  the box
    s_has (html, "diabetes = 1");
    free (html);
    json_decref (r);
    r = s_query ("correlation(glucose, mass, age)", false, 1, 3, rng, NULL);
    html = coord_query_html (r);
    s_html_clean (html);
    s_has (html, "Correlations");
    free (html);
    json_decref (r);
    dp_rng_destroy (&rng);

    //  Strings from the JSON are escaped wherever they go.
    r = json_pack ("{s:s, s:{s:b}, s:[{s:s, s:s, s:i}], s:[s]}", "query",
                   "<script>alert(1)</script>", "privacy", "not_private", 1, "results",
                   "statistic", "count", "column", "<b>x</b>", "value", 3, "notes", "a < b & c");
    assert_non_null (r);
    html = coord_query_html (r);
    assert_non_null (html);
    s_html_clean (html);
    s_has (html, "&lt;script&gt;alert(1)&lt;/script&gt;");
    s_has (html, "&lt;b&gt;x&lt;/b&gt;");
    s_has (html, "a &lt; b &amp; c");
    free (html);
    json_decref (r);
}

static void
s_refused (const char *json, const char *why)
{
    json_error_t err;
    json_t *r = json_loads (json, 0, &err);
    if (!r)
        fail_msg ("%s: %s", json, err.text);
    assert_null (coord_query_csv (r));
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    if (!strstr (util_last_error (), why))
        fail_msg ("'%s' does not say '%s'", util_last_error (), why);
    assert_null (coord_query_html (r));
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    json_decref (r);
}

static void
test_bad_input (void **state)
{
    (void) state;
    s_plan_t p;
    s_plan (&p, s_pima.dict, "count()", false, 1, 2);
    int64_t sum [2] = { 10, 0 };
    assert_null (coord_query_results (NULL, sum, 3, NULL));
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    assert_null (coord_query_results (&p.rel, NULL, 3, NULL));
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    assert_null (coord_query_results (&p.rel, sum, 0, NULL));
    assert_non_null (strstr (util_last_error (), "0 contributing sites"));
    assert_null (coord_query_results (&p.rel, sum, 257, NULL));
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    s_unplan (&p);

    s_refused ("[1]", "expected a JSON object");
    s_refused ("{\"privacy\": {}, \"results\": 5}", "results: expected an array");
    s_refused ("{\"results\": []}", "privacy: expected an object");
    s_refused ("{\"privacy\": {}, \"results\": [], \"left_out\": {\"value\": \"x\"}}", "left_out");
    s_refused ("{\"privacy\": {}, \"results\": [], \"notes\": [1]}", "notes");
    s_refused ("{\"privacy\": {}, \"results\": [7]}", "results[0]: expected an object");
    s_refused ("{\"privacy\": {}, \"results\": [{\"value\": 1}]}", "results[0]: statistic");
    s_refused ("{\"privacy\": {}, \"results\": [{\"statistic\": \"count\", \"value\": \"3\"}]}",
               "results[0]: value");
    s_refused ("{\"privacy\": {}, \"results\": [{\"statistic\": \"count\", \"value\": 3, "
               "\"ci95\": [1]}]}", "results[0]: ci95");
    s_refused ("{\"privacy\": {}, \"results\": [{\"statistic\": \"count\", \"value\": 3}, "
               "{\"statistic\": \"histogram\", \"values\": [1, 2], \"breaks\": [0, 1]}]}",
               "results[1]: histogram");
    s_refused ("{\"privacy\": {}, \"results\": [{\"statistic\": \"histogram\", \"values\": [1], "
               "\"breaks\": [0, 1], \"suppressed\": true}]}", "results[0]: histogram");
    s_refused ("{\"privacy\": {}, \"results\": [{\"statistic\": \"quantile\", \"probs\": [0.5], "
               "\"values\": [1, 2]}]}", "results[0]: quantile");
    s_refused ("{\"privacy\": {}, \"results\": [{\"statistic\": \"crosstab\", \"columns\": "
               "[\"a\", \"b\"], \"levels\": [[\"x\"], [\"y\", \"z\"]], \"values\": [[1]]}]}",
               "results[0]: crosstab");
    s_refused ("{\"privacy\": {}, \"results\": [{\"statistic\": \"crosstab\", \"column\": \"a\", "
               "\"levels\": [\"x\"], \"values\": [1, 2]}]}", "results[0]: crosstab");
    s_refused ("{\"privacy\": {}, \"results\": [{\"statistic\": \"correlation\", \"columns\": "
               "[\"a\", \"b\"], \"values\": [[1, 0.5]]}]}", "results[0]: correlation");
    s_refused ("{\"privacy\": {}, \"results\": [{\"statistic\": \"chisq\", \"value\": 3, "
               "\"columns\": [\"a\", \"b\"]}]}", "results[0]: chisq");
    s_refused ("{\"privacy\": {}, \"results\": [{\"statistic\": \"count\", \"value\": 3, "
               "\"group\": 1}]}", "results[0]: group");
}

//  ---------------------------------------------------------------------------
//  km() reports: CSV, HTML, shape checks

//  The report of a km() query on the lung data split across 3 sites:
//  privacy off, or at epsilon 1 with each site's seeded noise.
static json_t *
s_km_report (const char *text, bool off, uint64_t seed)
{
    model_dict_t *dict = model_dict_load (COHORT_SOURCE_DIR "/datasets/lung_dictionary.csv");
    model_csv_t *csv = NULL;
    assert_non_null (dict);
    assert_int_equal (model_csv_load (&csv, COHORT_SOURCE_DIR "/datasets/lung.csv", 0), 0);
    model_records_t *rec = model_records_read (csv, dict, NULL, 0, 100000);
    assert_non_null (rec);
    dp_rng_t *rng = off? NULL: dp_rng_new_seeded_for_tests (&seed, sizeof seed);
    s_plan_t p;
    s_plan (&p, dict, text, off, 1, 2);
    int64_t *sum = s_federate (&p.rel, rec, 3, rng);
    json_t *r = coord_query_results (&p.rel, sum, 3, NULL);
    if (!r)
        fail_msg ("%s: %s", text, util_last_error ());
    json_object_set_new (r, "query", json_string (text));
    free (sum);
    s_unplan (&p);
    dp_rng_destroy (&rng);
    model_records_destroy (&rec);
    model_csv_destroy (&csv);
    model_dict_destroy (&dict);
    return r;
}

//  A CSV number as the CSV writes it: empty for null.
static const char *
s_csv_of (char *buf, size_t size, const json_t *v)
{
    if (json_is_integer (v))
        snprintf (buf, size, "%lld", (long long) json_integer_value (v));
    else
    if (json_is_real (v))
        snprintf (buf, size, "%.15g", json_real_value (v));
    else
        buf [0] = 0;
    return buf;
}

//  Every survival and n_risk row of each curve in `report`, and every
//  median, as the CSV must hold them; the group `raw` written as `shown`.
static void
s_km_csv_rows (const char *csv, const json_t *report, const char *raw, const char *shown)
{
    size_t i;
    json_t *r;
    json_array_foreach (json_object_get (report, "results"), i, r) {
        const char *stat = json_string_value (json_object_get (r, "statistic"));
        const char *group = json_string_value (json_object_get (r, "group"));
        if (raw && group && !strcmp (group, raw))
            group = shown;
        char want [256], t [32], v [32], lo [32], hi [32];
        if (!strcmp (stat, "median_survival")) {
            snprintf (want, sizeof want, "\r\nmedian_survival,time,%s,,%s,%s,%s,false\r\n", group,
                      s_csv_of (v, sizeof v, json_object_get (r, "value")),
                      s_csv_of (lo, sizeof lo, json_object_get (r, "conf_low")),
                      s_csv_of (hi, sizeof hi, json_object_get (r, "conf_high")));
            s_has (csv, want);
        }
        if (strcmp (stat, "survival"))
            continue;
        json_t *time = json_object_get (r, "time");
        for (size_t k = 0; k < json_array_size (time); k++) {
            snprintf (t, sizeof t, "%.15g", json_number_value (json_array_get (time, k)));
            bool sup = json_is_true (json_array_get (json_object_get (r, "suppressed"), k));
            snprintf (want, sizeof want, "\r\nsurvival,time,%s,%s,%s,%s,%s,%s\r\n", group, t,
                      s_csv_of (v, sizeof v, json_array_get (json_object_get (r, "value"), k)),
                      s_csv_of (lo, sizeof lo, json_array_get (json_object_get (r, "conf_low"), k)),
                      s_csv_of (hi, sizeof hi,
                                json_array_get (json_object_get (r, "conf_high"), k)),
                      sup? "true": "false");
            s_has (csv, want);
            snprintf (want, sizeof want, "\r\nn_risk,time,%s,%s,%s,,,false\r\n", group, t,
                      s_csv_of (v, sizeof v, json_array_get (json_object_get (r, "n_risk"), k)));
            s_has (csv, want);
        }
    }
}

static size_t
s_lines (const char *text)
{
    size_t n = 0;
    for (const char *c = strstr (text, "\r\n"); c; c = strstr (c + 2, "\r\n"))
        n++;
    return n;
}

//  Sets `group` on every result of `report` whose group is `from`.
static void
s_regroup (json_t *report, const char *from, const char *group)
{
    size_t i;
    json_t *r;
    json_array_foreach (json_object_get (report, "results"), i, r) {
        const char *g = json_string_value (json_object_get (r, "group"));
        if (g && !strcmp (g, from))
            assert_int_equal (json_object_set_new (r, "group", json_string (group)), 0);
    }
}

//  The first curve of `report` suppressed from grid point `from` on, as
//  DP shows a curve whose noisy number at risk fell below the minimum cell.
static void
s_suppress_tail (json_t *report, size_t from)
{
    json_t *r = s_find (report, "survival", NULL, NULL, 0);
    size_t n = json_array_size (json_object_get (r, "time"));
    json_t *sup = json_array ();
    for (size_t k = 0; k < n; k++) {
        json_array_append_new (sup, json_boolean (k >= from));
        if (k < from)
            continue;
        const char *keys [] = { "value", "std_error", "conf_low", "conf_high", "conf_low_log",
                                "conf_high_log" };
        for (size_t j = 0; j < 6; j++)
            json_array_set_new (json_object_get (r, keys [j]), k, json_null ());
    }
    json_object_set_new (r, "suppressed", sup);
}

//  km() as CSV: a row per group and grid time for survival (its log-log
//  band as ci95) and for the number at risk, a row per median, the
//  log-rank test in three rows; text quoted as everywhere else.
static void
test_km_csv (void **state)
{
    (void) state;
    json_t *r = s_km_report ("km(Surv(time, status) ~ sex, grid=0:1020:30)", true, 0);
    char *csv = coord_query_csv (r);
    assert_non_null (csv);
    assert_true (strncmp (csv, "statistic,column,group,level,value,ci95_low,ci95_high,"
                               "suppressed\r\nleft_out,,,,0,,,false\r\n", 75) == 0);
    //  The header, left_out, 2 x 35 survival and n_risk rows, 2 medians
    //  and 3 log-rank rows.
    assert_int_equal (s_lines (csv), 2 + 2 * 2 * 35 + 2 + 3);
    s_km_csv_rows (csv, r, NULL, NULL);
    //  The start of the curve and the medians, as R's survfit gives them
    //  on the binned times.
    s_has (csv, "\r\nsurvival,time,sex=0,0,1,1,1,false\r\n");
    s_has (csv, "\r\nn_risk,time,sex=0,0,138,,,false\r\n");
    s_has (csv, "\r\nn_risk,time,sex=1,0,90,,,false\r\n");
    s_has (csv, "\r\nmedian_survival,time,sex=0,,270,210,330,false\r\n");
    s_has (csv, "\r\nmedian_survival,time,sex=1,,450,360,540,false\r\n");
    json_t *lr = s_find (r, "logrank", NULL, NULL, 0);
    char want [128], v [32];
    snprintf (want, sizeof want, "\r\nlogrank_chisq,time,,,%s,,,false\r\n",
              s_csv_of (v, sizeof v, json_object_get (lr, "chisq")));
    s_has (csv, want);
    s_has (csv, "\r\nlogrank_df,time,,,1,,,false\r\n");
    snprintf (want, sizeof want, "\r\nlogrank_p_value,time,,,%s,,,false\r\n",
              s_csv_of (v, sizeof v, json_object_get (lr, "p_value")));
    s_has (csv, want);
    //  Each group's rows, then its median; the test last.
    const char *order [] = { "\r\nsurvival,time,sex=0,0,", "\r\nn_risk,time,sex=0,1020,",
                             "\r\nmedian_survival,time,sex=0,", "\r\nsurvival,time,sex=1,0,",
                             "\r\nmedian_survival,time,sex=1,", "\r\nlogrank_chisq," };
    for (size_t k = 1; k < 6; k++)
        assert_true (strstr (csv, order [k - 1]) < strstr (csv, order [k]));
    free (csv);

    //  A group a spreadsheet would run, with a comma and quotes; a tail
    //  suppressed: its rows empty and marked.
    s_regroup (r, "sex=1", "=x, \"y\"");
    s_suppress_tail (r, 30);
    csv = coord_query_csv (r);
    assert_non_null (csv);
    s_km_csv_rows (csv, r, "=x, \"y\"", "\"'=x, \"\"y\"\"\"");
    s_has (csv, "\r\nsurvival,time,\"'=x, \"\"y\"\"\",0,1,1,1,false\r\n");
    s_has (csv, "\r\nsurvival,time,sex=0,900,,,,true\r\n");
    s_has (csv, "\r\nsurvival,time,sex=0,870,");
    assert_null (strstr (csv, "\r\nsurvival,time,sex=0,870,,"));
    free (csv);
    json_decref (r);

    //  Under DP every row as its JSON says, bands as ci95; this seed
    //  suppresses the tail of one curve.
    r = s_km_report ("km(Surv(time, status) ~ sex, grid=0:1020:30)", false, 2);
    csv = coord_query_csv (r);
    assert_non_null (csv);
    s_km_csv_rows (csv, r, NULL, NULL);
    assert_int_equal (s_lines (csv), 2 + 2 * 2 * 35 + 2 + 3);
    assert_true (json_is_true (json_array_get (json_object_get (s_find (r, "survival", NULL,
                                                                         "sex=0", 0),
                                                                 "suppressed"), 34)));
    s_has (csv, ",,,,true\r\nsurvival,time,sex=0,1020,,,,true\r\nn_risk,time,sex=0,0,");
    free (csv);
    json_decref (r);
}

//  The n-th (from 0) occurrence of mark in text, or NULL.
static const char *
s_nth (const char *text, const char *mark, size_t n)
{
    const char *at = strstr (text, mark);
    while (at && n--)
        at = strstr (at + 1, mark);
    return at;
}

static size_t
s_count (const char *text, const char *mark)
{
    size_t n = 0;
    for (const char *at = strstr (text, mark); at; at = strstr (at + 1, mark))
        n++;
    return n;
}

//  The plot area of the Kaplan-Meier chart: its top and bottom in pixels.
static void
s_km_plot (const char *html, double *top, double *bottom)
{
    const char *svg = strstr (html, "aria-label=\"Kaplan-Meier curves\"");
    assert_non_null (svg);
    const char *rect = strstr (svg, "<rect x=\"56\" y=\"");
    assert_non_null (rect);
    double height;
    assert_int_equal (sscanf (rect, "<rect x=\"56\" y=\"%lf\" width=\"640\" height=\"%lf\"", top,
                              &height), 2);
    *bottom = *top + height;
}

//  The n-th curve of the chart is a step plot: M, then alternately across
//  (x growing) and down (survival never rises), inside the plot; again M
//  after a gap.
//  Returns where it ends across.
static double
s_km_steps_of (const char *html, size_t nth)
{
    double top, bottom;
    s_km_plot (html, &top, &bottom);
    const char *path = s_nth (html, "<path class=\"km-curve\"", nth);
    assert_non_null (path);
    const char *d = strstr (path, " d=\"");
    assert_non_null (d);
    d += 4;
    char *end;
    assert_true (*d == 'M');
    double x = strtod (d + 1, &end), y = strtod (end, &end);
    assert_true (x >= 56 && y >= top - 1e-9 && y <= bottom + 1e-9);
    char last = 'V';
    while (*end != '"') {
        char op = *end;
        double v = strtod (end + 1, &end);
        if (op == 'M') {
            //  On again after a gap (a null), further on and no higher.
            double w = strtod (end, &end);
            assert_true (last == 'H' && v > x && w >= y && w <= bottom + 1e-9);
            x = v;
            y = w;
            op = 'V';
        }
        else
        if (op == 'H') {
            assert_true (last == 'V' && v > x);
            x = v;
        }
        else {
            assert_true (op == 'V' && last == 'H' && v >= y && v <= bottom + 1e-9);
            y = v;
        }
        last = op;
    }
    assert_true (x <= 56 + 640 + 1e-9);
    return x;
}

//  The n-th band of the chart, of the curve r on the grid 0:1020 and
//  banded at every point: up from its log-log band's upper bound at the start,
//  across and down along conf_high, then back along conf_low, closed.
static void
s_km_band_is (const char *html, size_t nth, const json_t *r)
{
    double top, bottom;
    s_km_plot (html, &top, &bottom);
    json_t *high = json_object_get (r, "conf_high"), *low = json_object_get (r, "conf_low");
    size_t n = json_array_size (json_object_get (r, "time"));
    #define S_PX(v) (top + (1 - json_number_value (v)) * (bottom - top))
    const char *path = s_nth (html, "<path class=\"km-band\"", nth);
    assert_non_null (path);
    const char *d = strstr (path, " d=\"");
    assert_non_null (d);
    char *end;
    assert_true (d [4] == 'M');
    double x = strtod (d + 5, &end), y = strtod (end, &end);
    assert_true (fabs (x - 56) < 1e-9 && fabs (y - S_PX (json_array_get (high, 0))) < 0.06);
    json_t *time = json_object_get (r, "time");
    size_t v = 0, h = 0;
    while (*end != 'Z') {
        char op = *end;
        double at = strtod (end + 1, &end);
        if (op == 'H') {
            //  Across to time[1 .. n - 1] and the end again on the way out,
            //  back to time[n - 1 .. 0].
            size_t k = h < n? (h + 1 < n? h + 1: n - 1): 2 * n - 1 - h;
            double want = 56 + json_number_value (json_array_get (time, k)) / 1020 * 640;
            assert_true (fabs (at - want) < 0.06);
            h++;
            continue;
        }
        //  The upper edge's n - 1 steps down to high[1 .. n - 1], the drop
        //  to low[n - 1] at the end, then up to low[n - 2 .. 0] on the way
        //  back.
        json_t *want = v < n - 1? json_array_get (high, v + 1): json_array_get (low, 2 * n - 2 - v);
        assert_true (fabs (at - S_PX (want)) < 0.06);
        v++;
    }
    assert_int_equal (v, 2 * (n - 1) + 1);
    assert_int_equal (h, 2 * n);
    #undef S_PX
}

//  km() as HTML: a step curve and a shaded band per group, a legend, the
//  axes, the numbers at risk under the plot, the medians and the log-rank
//  test; group names escaped everywhere.
static void
test_km_html (void **state)
{
    (void) state;
    json_t *r = s_km_report ("km(Surv(time, status) ~ sex, grid=0:1020:30)", true, 0);
    char *html = coord_query_html (r);
    assert_non_null (html);
    s_html_clean (html);
    s_has (html, "<title>NOT PRIVATE &mdash; Cohort query: km(Surv(time, status) ~ sex, "
                 "grid=0:1020:30)</title>");
    s_has (html, "<div class=\"stamp\">NOT PRIVATE");
    s_has (html, "NOT PRIVATE: exact figures, no noise.");
    s_has (html, "<figcaption>Kaplan&ndash;Meier survival by sex</figcaption>");
    assert_int_equal (s_count (html, "<path class=\"km-curve\""), 2);
    assert_int_equal (s_count (html, "<path class=\"km-band\""), 2);
    //  Both curves start at survival 1 at time 0 and reach the last grid
    //  time; each band is closed.
    double top, bottom;
    s_km_plot (html, &top, &bottom);
    char want [160];
    snprintf (want, sizeof want, " d=\"M56.0 %.1fH", top);
    assert_true (strstr (s_nth (html, "<path class=\"km-curve\"", 0), want) != NULL);
    s_has (s_nth (html, "<path class=\"km-band\"", 0), "fill-opacity=\"0.15\"");
    assert_true (fabs (s_km_steps_of (html, 0) - 696) < 1e-9);
    assert_true (fabs (s_km_steps_of (html, 1) - 696) < 1e-9);
    s_km_band_is (html, 0, s_find (r, "survival", NULL, "sex=0", 0));
    s_km_band_is (html, 1, s_find (r, "survival", NULL, "sex=1", 0));
    //  Legend and axes: y from 0 to 1, the time column across.
    s_has (html, "class=\"legend\">sex=0</text>");
    s_has (html, "class=\"legend\">sex=1</text>");
    s_has (html, "text-anchor=\"end\">0</text>");
    s_has (html, "text-anchor=\"end\">1</text>");
    s_has (html, "class=\"axis\" text-anchor=\"middle\">time</text>");
    s_has (html, ">survival</text>");
    //  The numbers at risk, a column per grid time, in a box of their own
    //  that scrolls, under the plot.
    const char *risk = strstr (html, "<div class=\"scroll\"><table class=\"grid risk\">");
    assert_non_null (risk);
    assert_true (risk > strstr (html, "</svg>"));
    s_has (risk, "<th>0</th><th>30</th><th>60</th>");
    s_has (risk, "<th>1020</th></tr>");
    s_has (risk, "</span>sex=0</th><td class=\"n\">138</td><td class=\"n\">138</td>"
                 "<td class=\"n\">129</td>");
    s_has (risk, "</span>sex=1</th><td class=\"n\">90</td>");
    s_has (html, "<tr><th>sex=0</th><td class=\"n\">270</td><td class=\"n\">210 to 330</td>");
    s_has (html, "Log-rank test between the groups: &#967;&#178; = 11.16, df = 1, p = ");
    //  Each median dropped from the half line, in its curve's colour.
    assert_int_equal (s_count (html, "<line class=\"km-median\""), 2);
    snprintf (want, sizeof want, "<line class=\"km-median\" x1=\"%.1f\" y1=\"%.1f\" "
              "x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ff7f0e\"", 56 + 450.0 / 1020 * 640,
              (top + bottom) / 2, 56 + 450.0 / 1020 * 640, bottom);
    s_has (html, want);
    free (html);

    //  Hostile group names are escaped in the legend, the curve's title,
    //  the numbers at risk and the medians.
    s_regroup (r, "sex=1", "<b>\"x\"</b>&");
    html = coord_query_html (r);
    assert_non_null (html);
    s_html_clean (html);
    assert_null (strstr (html, "<b>"));
    assert_int_equal (s_count (html, "&lt;b&gt;&quot;x&quot;&lt;/b&gt;&amp;"), 4);
    s_has (html, want);
    free (html);

    //  A null inside a curve breaks it (and its band) in two.
    json_t *gap = json_deep_copy (r);
    json_t *first = s_find (gap, "survival", NULL, "sex=0", 0);
    json_array_set_new (json_object_get (first, "value"), 10, json_null ());
    html = coord_query_html (gap);
    assert_non_null (html);
    const char *steps = s_nth (html, "<path class=\"km-curve\"", 0);
    assert_int_equal (s_count (steps, "M") - s_count (strstr (steps, "</path>"), "M"), 2);
    const char *band = s_nth (html, "<path class=\"km-band\"", 0);
    assert_int_equal (s_count (band, "Z") - s_count (strstr (band, "/>"), "Z"), 2);
    s_km_steps_of (html, 0);
    free (html);
    json_decref (gap);

    //  A suppressed tail: the curve stops where its values do, its cells
    //  of the numbers at risk are marked, and the page says why.
    s_suppress_tail (r, 30);
    html = coord_query_html (r);
    assert_non_null (html);
    //  Survival at time 870 holds until 900, the first suppressed point.
    assert_true (fabs (s_km_steps_of (html, 0) - (56 + 900.0 / 1020 * 640)) < 0.06);
    assert_int_equal (s_count (html, "<td class=\"n dim\""), 5);
    s_has (html, "A curve stops where its noisy number at risk is below the minimum cell");
    free (html);
    json_decref (r);

    //  DP: no stamp, the privacy line, the bands' meaning and the log-rank
    //  test's note; a lone curve of all records needs no legend.
    r = s_km_report ("km(Surv(time, status) ~ sex, grid=0:1020:60)", false, 2);
    html = coord_query_html (r);
    assert_non_null (html);
    s_html_clean (html);
    assert_null (strstr (html, "NOT PRIVATE"));
    s_has (html, "&#949; = ");
    s_has (html, "plus the DP noise's spread from a parametric bootstrap");
    s_has (html, "read its p-value as approximate");
    //  No figure here has a bare [lo, hi] under it.
    assert_null (strstr (html, "[lo, hi] under a figure"));
    s_has (html, "Number at risk at each grid point (noisy, as released)");
    s_has (html, "A median's 95% interval runs between the grid times where its curve's band "
                 "crosses 0.5: it holds the sampling error and the DP noise, so it widens");
    s_km_steps_of (html, 0);
    s_km_steps_of (html, 1);
    free (html);
    json_decref (r);
    r = s_km_report ("km(Surv(time, status) ~ 1, grid=0:1020:60)", false, 3);
    html = coord_query_html (r);
    assert_non_null (html);
    s_html_clean (html);
    assert_int_equal (s_count (html, "<path class=\"km-curve\""), 1);
    assert_null (strstr (html, "class=\"legend\""));
    assert_null (strstr (html, "Log-rank"));
    s_has (html, "<figcaption>Kaplan&ndash;Meier survival</figcaption>");
    free (html);

    //  Twelve curves: the legend wraps, the eleventh and twelfth are
    //  dashed (line and key); a name longer than a row is squeezed into it.
    json_t *curve = s_find (r, "survival", NULL, NULL, 0), *results = json_array ();
    for (int g = 0; g < 12; g++) {
        json_t *c = json_deep_copy (curve);
        char name [300];
        if (g == 11) {
            memset (name, 'w', sizeof name - 1);
            name [sizeof name - 1] = 0;
        }
        else
            snprintf (name, sizeof name, "institution=%d", g);
        json_object_set_new (c, "group", json_string (name));
        json_array_append_new (results, c);
    }
    json_object_set_new (r, "results", results);
    html = coord_query_html (r);
    assert_non_null (html);
    s_html_clean (html);
    assert_int_equal (s_count (html, "<path class=\"km-curve\""), 12);
    assert_int_equal (s_count (html, "fill-opacity=\"0.05\""), 12);
    assert_int_equal (s_count (html, "stroke-dasharray=\"7 3\""), 2 * 2);
    assert_int_equal (s_count (html, "style=\"background:repeating-linear-gradient"), 2);
    s_has (html, "textLength=\"618\" lengthAdjust=\"spacingAndGlyphs\"");
    //  The plot sits under three rows of legend.
    s_km_plot (html, &top, &bottom);
    assert_true (top >= 16 + 3 * 18);
    free (html);
    json_decref (r);

    //  Medians or a test alone, and a median that was not reached.
    r = json_pack ("{s:{s:b}, s:[{s:s, s:s, s:s, s:n, s:i, s:n}, {s:s, s:s, s:f, s:i, s:f}]}",
                   "privacy", "not_private", 1, "results", "statistic", "median_survival",
                   "column", "time", "group", "a", "value", "conf_low", 300, "conf_high",
                   "statistic", "logrank", "column", "time", "chisq", 2.5, "df", 1,
                   "p_value", 0.11);
    assert_non_null (r);
    html = coord_query_html (r);
    assert_non_null (html);
    s_html_clean (html);
    assert_null (strstr (html, "<svg"));
    s_has (html, "<tr><th>a</th><td class=\"n\"><span class=\"missing\">not reached</span></td>"
                 "<td class=\"n\">300 to <span class=\"missing\">not reached</span></td>");
    s_has (html, "&#967;&#178; = 2.5, df = 1, p = 0.11.");
    free (html);
    json_decref (r);
}

//  The shape of a km() result is checked like any other: a wrong type or
//  length is refused with its place.
static void
test_km_bad_input (void **state)
{
    (void) state;
    #define S_HEAD "{\"privacy\": {}, \"results\": ["
    #define S_CURVE(members) "{\"statistic\": \"survival\", \"column\": \"time\", " members "}"
    //  The least a curve needs is accepted.
    json_error_t err;
    json_t *r = json_loads (S_HEAD S_CURVE ("\"time\": [0, 30], \"value\": [1, 0.5], "
                                            "\"n_risk\": [4, 2]") "]}", 0, &err);
    assert_non_null (r);
    char *text = coord_query_csv (r);
    assert_non_null (text);
    s_has (text, "\r\nsurvival,time,,30,0.5,,,false\r\nn_risk,time,,0,4,,,false\r\n");
    free (text);
    text = coord_query_html (r);
    assert_non_null (text);
    assert_int_equal (s_count (text, "<path class=\"km-curve\""), 1);
    assert_null (strstr (text, "km-band"));
    assert_null (strstr (text, "class=\"legend\""));
    free (text);
    //  One curve of a named group gets a legend; so do two of no group.
    json_object_set_new (json_array_get (json_object_get (r, "results"), 0), "group",
                         json_string ("sex=1"));
    text = coord_query_html (r);
    assert_non_null (text);
    assert_int_equal (s_count (text, "class=\"legend\">sex=1</text>"), 1);
    free (text);
    json_object_del (json_array_get (json_object_get (r, "results"), 0), "group");
    json_array_append_new (json_object_get (r, "results"),
                           json_deep_copy (json_array_get (json_object_get (r, "results"), 0)));
    text = coord_query_html (r);
    assert_non_null (text);
    assert_int_equal (s_count (text, "class=\"legend\">all</text>"), 2);
    free (text);
    json_decref (r);

    s_refused (S_HEAD S_CURVE ("\"time\": 5, \"value\": [1], \"n_risk\": [4]") "]}",
               "results[0]: time: expected an array of increasing numbers");
    s_refused (S_HEAD S_CURVE ("\"time\": [], \"value\": [], \"n_risk\": []") "]}",
               "results[0]: time");
    s_refused (S_HEAD S_CURVE ("\"time\": [0, 0], \"value\": [1, 1], \"n_risk\": [4, 4]") "]}",
               "results[0]: time");
    s_refused (S_HEAD S_CURVE ("\"time\": [0, null], \"value\": [1, 1], \"n_risk\": [4, 4]") "]}",
               "results[0]: time");
    s_refused (S_HEAD "{\"statistic\": \"count\", \"value\": 3}, "
               S_CURVE ("\"time\": [0, 30], \"value\": [1], \"n_risk\": [4, 2]") "]}",
               "results[1]: value: expected 2 numbers or nulls, one per time");
    s_refused (S_HEAD S_CURVE ("\"time\": [0, 30], \"value\": [1, 0.5]") "]}",
               "results[0]: n_risk");
    s_refused (S_HEAD S_CURVE ("\"time\": [0, 30], \"value\": [1, \"0.5\"], \"n_risk\": [4, 2]")
               "]}", "results[0]: value");
    s_refused (S_HEAD S_CURVE ("\"time\": [0, 30], \"value\": [1, 0.5], \"n_risk\": [4, 2], "
                               "\"conf_low\": [1, 0.2, 0.1]") "]}", "results[0]: conf_low");
    s_refused (S_HEAD S_CURVE ("\"time\": [0, 30], \"value\": [1, 0.5], \"n_risk\": [4, 2], "
                               "\"conf_high\": {}") "]}", "results[0]: conf_high");
    s_refused (S_HEAD S_CURVE ("\"time\": [0, 30], \"value\": [1, 0.5], \"n_risk\": [4, 2], "
                               "\"std_error\": [0, \"x\"]") "]}", "results[0]: std_error");
    s_refused (S_HEAD S_CURVE ("\"time\": [0, 30], \"value\": [1, 0.5], \"n_risk\": [4, 2], "
                               "\"conf_low_log\": [0]") "]}", "results[0]: conf_low_log");
    s_refused (S_HEAD S_CURVE ("\"time\": [0, 30], \"value\": [1, 0.5], \"n_risk\": [4, 2], "
                               "\"conf_high_log\": null") "]}", "results[0]: conf_high_log");
    s_refused (S_HEAD S_CURVE ("\"time\": [0, 30], \"value\": [1, 0.5], \"n_risk\": [4, 2], "
                               "\"suppressed\": [false]") "]}", "results[0]: suppressed");
    s_refused (S_HEAD S_CURVE ("\"time\": [0, 30], \"value\": [1, 0.5], \"n_risk\": [4, 2], "
                               "\"suppressed\": false") "]}", "results[0]: suppressed");
    s_refused (S_HEAD S_CURVE ("\"time\": [0, 30], \"value\": [1, 0.5], \"n_risk\": [4, 2], "
                               "\"group\": 1") "]}", "results[0]: group");
    s_refused (S_HEAD "{\"statistic\": \"median_survival\", \"conf_low\": 1}]}",
               "results[0]: value: expected a number or null");
    s_refused (S_HEAD "{\"statistic\": \"median_survival\", \"value\": 3, \"conf_high\": \"4\"}]}",
               "results[0]: conf_high");
    s_refused (S_HEAD "{\"statistic\": \"logrank\", \"chisq\": 1, \"df\": 1.5, \"p_value\": 0.2}]}",
               "results[0]: df: expected an integer");
    s_refused (S_HEAD "{\"statistic\": \"logrank\", \"df\": 1, \"p_value\": 0.2}]}",
               "results[0]: chisq");
    s_refused (S_HEAD "{\"statistic\": \"logrank\", \"chisq\": 1, \"df\": 1, \"p_value\": []}]}",
               "results[0]: p_value");
    #undef S_CURVE
    #undef S_HEAD
}

//  ---------------------------------------------------------------------------
//  Allocation failures

typedef struct {
    s_plan_t plan;
    int64_t *sum;
    json_t *report;
} s_walk_t;

static bool
s_walk_results (void *ctx)
{
    s_walk_t *w = ctx;
    json_t *r = coord_query_results (&w->plan.rel, w->sum, 3, NULL);
    json_decref (r);
    return r != NULL;
}

static bool
s_walk_csv (void *ctx)
{
    char *text = coord_query_csv (((s_walk_t *) ctx)->report);
    free (text);
    return text != NULL;
}

static bool
s_walk_html (void *ctx)
{
    char *text = coord_query_html (((s_walk_t *) ctx)->report);
    free (text);
    return text != NULL;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    const char *texts [] = {
        "count(by=diabetes)", "summary(glucose, by=diabetes)", "var(mass)",
        "histogram(glucose, breaks=40:200:40)", "quantiles(glucose, 0.5)",
        "crosstab(diabetes, cut(age, c(-Inf, 30, 50, Inf), right=FALSE))",
        "crosstab(diabetes)", "correlation(glucose, mass)"
    };
    for (size_t t = 0; t < sizeof texts / sizeof texts [0]; t++)
        for (int off = 0; off < 2; off++) {
            s_walk_t w;
            s_plan (&w.plan, s_pima.dict, texts [t], off, 1, 2);
            uint64_t seed = t;
            dp_rng_t *rng = off? NULL: dp_rng_new_seeded_for_tests (&seed, sizeof seed);
            w.sum = s_federate (&w.plan.rel, s_pima.rec, 3, rng);
            dp_rng_destroy (&rng);
            assert_true (alloc_walk (s_walk_results, &w) > 0);
            w.report = coord_query_results (&w.plan.rel, w.sum, 3, NULL);
            assert_non_null (w.report);
            assert_true (alloc_walk (s_walk_csv, &w) > 0);
            assert_true (alloc_walk (s_walk_html, &w) > 0);
            json_decref (w.report);
            free (w.sum);
            s_unplan (&w.plan);
        }
}
//  km() with privacy off on the lung data split across 3 and 5 sites:
//  survival, Greenwood's standard error, the numbers at risk and R's log
//  band at every grid point, the median, and the log-rank chi-squared equal
//  R's survfit/survdiff on the times placed on the grid (golden_r.json's
//  binned blocks). Under DP the curve stays in [0, 1] inside its bands.
static void
test_km_matches_r (void **state)
{
    (void) state;
    model_dict_t *dict = model_dict_load (COHORT_SOURCE_DIR "/datasets/lung_dictionary.csv");
    model_csv_t *csv = NULL;
    assert_non_null (dict);
    assert_int_equal (model_csv_load (&csv, COHORT_SOURCE_DIR "/datasets/lung.csv", 0), 0);
    model_records_t *rec = model_records_read (csv, dict, NULL, 0, 100000);
    assert_non_null (rec);
    json_t *km = json_object_get (json_object_get (s_pima.golden, "survival"), "lung_km_binned30");
    json_t *lr = json_object_get (json_object_get (s_pima.golden, "survival"),
                                  "lung_logrank_sex_binned30");
    assert_non_null (km);
    unsigned splits [] = { 3, 5 };
    for (int k = 0; k < 2; k++) {
        s_plan_t p;
        s_plan (&p, dict, "km(Surv(time, status) ~ sex, grid=0:1020:30)", true, 0, 2);
        int64_t *sum = s_federate (&p.rel, rec, splits [k], NULL);
        json_t *r = coord_query_results (&p.rel, sum, splits [k], NULL);
        assert_non_null (r);
        const char *groups [] = { "sex=0", "sex=1" };
        for (int g = 0; g < 2; g++) {
            json_t *want = json_object_get (json_object_get (km, "by_sex"), groups [g]);
            json_t *got = s_find (r, "survival", "time", groups [g], 0);
            assert_non_null (want);
            assert_non_null (got);
            const char *keys [][2] = { { "value", "survival" }, { "std_error", "std_err" },
                                       { "n_risk", "n_risk" }, { "conf_low_log", "ci_low_log" },
                                       { "conf_high_log", "ci_high_log" }, { "time", "time" } };
            for (int j = 0; j < 6; j++) {
                json_t *a = json_object_get (got, keys [j][0]), *b = json_object_get (want, keys [j][1]);
                assert_int_equal (json_array_size (a), 35);
                assert_int_equal (json_array_size (b), 35);
                for (size_t i = 0; i < 35; i++)
                    s_close (s_num (json_array_get (a, i)), s_num (json_array_get (b, i)), 1e-9,
                             keys [j][0]);
            }
        }
        json_t *test = s_find (r, "logrank", "time", NULL, 0);
        assert_non_null (test);
        s_close (s_num (json_object_get (test, "chisq")), s_num (json_object_get (lr, "chisq")),
                 1e-9, "logrank chisq");
        s_close (s_num (json_object_get (test, "p_value")), s_num (json_object_get (lr, "p_value")),
                 1e-6, "logrank p");
        assert_int_equal (json_integer_value (json_object_get (test, "df")), 1);
        json_decref (r);
        free (sum);
        s_unplan (&p);
    }
    //  DP at epsilon 1: every shown survival in [0, 1], inside its bands,
    //  non-increasing.
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("km", 2);
    s_plan_t p;
    s_plan (&p, dict, "km(Surv(time, status) ~ 1, grid=0:1020:60)", false, 1, 2);
    int64_t *sum = s_federate (&p.rel, rec, 3, rng);
    json_t *r = coord_query_results (&p.rel, sum, 3, NULL);
    assert_non_null (r);
    json_t *got = s_find (r, "survival", "time", "all", 0);
    assert_non_null (got);
    double last = 1;
    for (size_t i = 0; i < json_array_size (json_object_get (got, "value")); i++) {
        json_t *v = json_array_get (json_object_get (got, "value"), i);
        if (json_is_null (v))
            continue;
        double s = json_number_value (v);
        double lo = s_num (json_array_get (json_object_get (got, "conf_low"), i));
        double hi = s_num (json_array_get (json_object_get (got, "conf_high"), i));
        assert_true (s >= 0 && s <= 1 && s <= last + 1e-12);
        assert_true (lo <= s + 1e-12 && s <= hi + 1e-12);
        last = s;
    }
    json_decref (r);
    free (sum);
    s_unplan (&p);
    dp_rng_destroy (&rng);
    model_records_destroy (&rec);
    model_csv_destroy (&csv);
    model_dict_destroy (&dict);
}

//  glm(family=gaussian) with privacy off on Pima across 3 and 5 sites:
//  every coefficient, standard error, t, p and interval, the deviances and
//  the AIC equal R's glm (golden_r.json) to 1e-9. Under DP each standard
//  error is wider than the exact one (it adds the noise), and a singular
//  design is a result that says so.
static void
test_glm_gaussian_matches_r (void **state)
{
    (void) state;
    json_t *g = json_object_get (json_object_get (s_pima.golden, "glm"), "pima_gaussian_glucose");
    assert_non_null (g);
    const char *text = "glm(glucose ~ age + mass + diabetes, family=gaussian)";
    unsigned splits [] = { 3, 5 };
    for (int k = 0; k < 2; k++) {
        json_t *r = s_query (text, true, 0, splits [k], NULL, NULL);
        size_t i, terms = 0;
        json_t *res;
        json_array_foreach (json_object_get (r, "results"), i, res) {
            const char *stat = json_string_value (json_object_get (res, "statistic"));
            if (!strcmp (stat, "coefficient")) {
                const char *term = json_string_value (json_object_get (res, "term"));
                json_t *want = json_object_get (json_object_get (g, "coefficients"), term);
                if (!want)
                    fail_msg ("term %s not in R's table", term);
                s_close (s_num (json_object_get (res, "estimate")),
                         s_num (json_object_get (want, "estimate")), 1e-9, term);
                s_close (s_num (json_object_get (res, "std_error")),
                         s_num (json_object_get (want, "std_error")), 1e-9, term);
                s_close (s_num (json_object_get (res, "t")),
                         s_num (json_object_get (want, "statistic")), 1e-9, term);
                s_close (s_num (json_object_get (res, "p_value")),
                         s_num (json_object_get (want, "p_value")), 1e-6, term);
                s_close (s_num (json_object_get (res, "conf_low")),
                         s_num (json_object_get (want, "ci_low")), 1e-9, term);
                s_close (s_num (json_object_get (res, "conf_high")),
                         s_num (json_object_get (want, "ci_high")), 1e-9, term);
                terms++;
            }
            else
            if (json_object_get (g, stat) && strcmp (stat, "iterations"))
                s_close (s_num (json_object_get (res, "value")), s_num (json_object_get (g, stat)),
                         1e-9, stat);
        }
        assert_int_equal (terms, 4);
        json_decref (r);
    }
    //  DP at epsilon 1: wider than the exact standard errors.
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("glm", 3);
    json_t *exact = s_query (text, true, 0, 3, NULL, NULL);
    json_t *dp = s_query (text, false, 1, 3, rng, NULL);
    for (size_t j = 0; j < 4; j++) {
        json_t *a = json_array_get (json_object_get (exact, "results"), j);
        json_t *b = json_array_get (json_object_get (dp, "results"), j);
        assert_string_equal (json_string_value (json_object_get (b, "statistic")), "coefficient");
        assert_true (s_num (json_object_get (b, "std_error"))
                     > s_num (json_object_get (a, "std_error")));
    }
    json_decref (exact);
    json_decref (dp);
    dp_rng_destroy (&rng);
    //  Collinear: mass twice.
    json_t *r = s_query ("glm(glucose ~ mass + mass, family=gaussian)", true, 0, 3, NULL, NULL);
    json_t *first = json_array_get (json_object_get (r, "results"), 0);
    assert_string_equal (json_string_value (json_object_get (first, "statistic")), "error");
    assert_non_null (strstr (json_string_value (json_object_get (first, "value")), "singular"));
    json_decref (r);
}

//  km(): every allocation of its results, CSV and HTML fails once, privacy
//  off and under DP.
static void
test_km_out_of_memory (void **state)
{
    (void) state;
    model_dict_t *dict = model_dict_load (COHORT_SOURCE_DIR "/datasets/lung_dictionary.csv");
    model_csv_t *csv = NULL;
    assert_non_null (dict);
    assert_int_equal (model_csv_load (&csv, COHORT_SOURCE_DIR "/datasets/lung.csv", 0), 0);
    model_records_t *rec = model_records_read (csv, dict, NULL, 0, 100000);
    assert_non_null (rec);
    for (int off = 0; off < 2; off++) {
        s_walk_t w;
        s_plan (&w.plan, dict, "km(Surv(time, status) ~ sex, grid=0:1020:60)", off, 1, 2);
        uint64_t seed = 13;
        dp_rng_t *rng = off? NULL: dp_rng_new_seeded_for_tests (&seed, sizeof seed);
        w.sum = s_federate (&w.plan.rel, rec, 3, rng);
        dp_rng_destroy (&rng);
        assert_true (alloc_walk (s_walk_results, &w) > 0);
        w.report = coord_query_results (&w.plan.rel, w.sum, 3, NULL);
        assert_non_null (w.report);
        assert_true (alloc_walk (s_walk_csv, &w) > 0);
        assert_true (alloc_walk (s_walk_html, &w) > 0);
        json_decref (w.report);
        free (w.sum);
        s_unplan (&w.plan);
    }
    model_records_destroy (&rec);
    model_csv_destroy (&csv);
    model_dict_destroy (&dict);
}

//  ---------------------------------------------------------------------------
//  glm() reports: CSV, HTML, shape checks

#define S_GLM_TEXT "glm(glucose ~ age + mass + diabetes, family=gaussian)"

//  The report of S_GLM_TEXT (or `text`) on Pima across 3 sites: privacy off,
//  or at epsilon 1 with each site's seeded noise.
static json_t *
s_glm_report (const char *text, bool off, uint64_t seed)
{
    dp_rng_t *rng = off? NULL: dp_rng_new_seeded_for_tests (&seed, sizeof seed);
    json_t *r = s_query (text, off, 1, 3, rng, NULL);
    json_object_set_new (r, "query", json_string (text));
    dp_rng_destroy (&rng);
    return r;
}

//  The CSV holds, in order, the tidy table of every coefficient of
//  `report` (its term written as `shown` when it is `raw`), a blank line,
//  and the fit statistics; nothing else.
static void
s_glm_csv_is (const char *csv, const json_t *report, const char *raw, const char *shown)
{
    char want [4096], num [64];
    size_t at = 0;
    at += (size_t) snprintf (want + at, sizeof want - at,
                             "term,estimate,std.error,statistic,p.value,conf.low,conf.high\r\n");
    size_t i;
    json_t *r;
    json_array_foreach (json_object_get (report, "results"), i, r) {
        if (strcmp (json_string_value (json_object_get (r, "statistic")), "coefficient"))
            continue;
        const char *term = json_string_value (json_object_get (r, "term"));
        at += (size_t) snprintf (want + at, sizeof want - at, "%s",
                                 raw && !strcmp (term, raw)? shown: term);
        const char *keys [] = { "estimate", "std_error", "t", "p_value", "conf_low", "conf_high" };
        for (int k = 0; k < 6; k++)
            at += (size_t) snprintf (want + at, sizeof want - at, ",%s",
                                     s_csv_of (num, sizeof num, json_object_get (r, keys [k])));
        at += (size_t) snprintf (want + at, sizeof want - at, "\r\n");
    }
    at += (size_t) snprintf (want + at, sizeof want - at, "\r\nstatistic,value\r\nleft_out,%s\r\n",
                             s_csv_of (num, sizeof num, json_object_get (json_object_get (
                                 report, "left_out"), "value")));
    const char *fit [] = { "deviance", "null_deviance", "df_residual", "aic", "iterations", "n" };
    for (int k = 0; k < 6; k++)
        at += (size_t) snprintf (want + at, sizeof want - at, "%s,%s\r\n", fit [k],
                                 s_csv_of (num, sizeof num, json_object_get (
                                     s_find (report, fit [k], NULL, NULL, 0), "value")));
    assert_true (at < sizeof want);
    assert_string_equal (csv, want);
}

static void
test_glm_csv (void **state)
{
    (void) state;
    for (int off = 1; off >= 0; off--) {
        json_t *r = s_glm_report (S_GLM_TEXT, off, 7);
        char *csv = coord_query_csv (r);
        assert_non_null (csv);
        s_glm_csv_is (csv, r, NULL, NULL);
        assert_int_equal (s_count (csv, "\r\n"), 1 + 4 + 1 + 1 + 1 + 6);
        s_has (csv, "\r\n(Intercept),");
        s_has (csv, "\r\nage,");
        s_has (csv, "\r\ndiabetes,");
        //  Exact figures are R's (test_glm_gaussian_matches_r); here the
        //  first row's estimate read back is the JSON's.
        const char *row = strstr (csv, "\r\nmass,");
        assert_non_null (row);
        s_close (strtod (row + 7, NULL),
                 s_num (json_object_get (s_find (r, "coefficient", NULL, NULL, 2), "estimate")),
                 1e-14, "mass estimate");
        free (csv);
        //  A term a spreadsheet would run, with a comma and a quote.
        json_object_set_new (s_find (r, "coefficient", NULL, NULL, 1), "term",
                             json_string ("=HYPERLINK(\"x\", 1)"));
        csv = coord_query_csv (r);
        assert_non_null (csv);
        s_glm_csv_is (csv, r, "=HYPERLINK(\"x\", 1)", "\"'=HYPERLINK(\"\"x\"\", 1)\"");
        free (csv);
        //  A null (not finite) figure is an empty field.
        json_object_set_new (s_find (r, "coefficient", NULL, NULL, 3), "p_value", json_null ());
        csv = coord_query_csv (r);
        assert_non_null (csv);
        s_glm_csv_is (csv, r, "=HYPERLINK(\"x\", 1)", "\"'=HYPERLINK(\"\"x\"\", 1)\"");
        free (csv);
        json_decref (r);
    }
    //  A singular design: no coefficient rows, the error's line quoted.
    json_t *r = s_glm_report ("glm(glucose ~ mass + mass, family=gaussian)", true, 0);
    char *csv = coord_query_csv (r);
    assert_non_null (csv);
    assert_string_equal (csv, "term,estimate,std.error,statistic,p.value,conf.low,conf.high\r\n"
                              "\r\nstatistic,value\r\nleft_out,16\r\n"
                              "error,\"glm(): the design is singular (collinear columns, or a "
                              "level no record has)\"\r\n");
    free (csv);
    json_decref (r);
}

//  The forest plot's x of `value` from its axis: the dashed zero line and
//  one labelled tick away from it.
static void
s_glm_axis (const char *svg, double *x0, double *scale)
{
    const char *zero = strstr (svg, "<line class=\"forest-zero\" x1=\"");
    assert_non_null (zero);
    assert_int_equal (sscanf (zero, "<line class=\"forest-zero\" x1=\"%lf\"", x0), 1);
    //  Ticks: <line x1=X .../><text x=X ...>V</text>
    const char *tick = strstr (svg, "text-anchor=\"middle\">");
    double x = 0, v = 0;
    *scale = 0;
    for (; tick && *scale == 0; tick = strstr (tick + 1, "text-anchor=\"middle\">")) {
        const char *tx = tick;
        while (tx > svg && strncmp (tx, "<text x=\"", 9))
            tx--;
        if (sscanf (tx, "<text x=\"%lf\"", &x) == 1
        &&  sscanf (tick + 21, "%lf", &v) == 1 && v != 0)
            *scale = (x - *x0) / v;
    }
    assert_true (*scale > 0);
}

//  The forest plot's area: its left edge and width.
static void
s_plot_area (const char *svg, double *left, double *width)
{
    const char *rect = strstr (svg, "<rect x=\"");
    assert_non_null (rect);
    assert_int_equal (sscanf (rect, "<rect x=\"%lf\" y=\"%*f\" width=\"%lf\"", left, width), 2);
    assert_true (*width > 0);
}

static void
test_glm_html (void **state)
{
    (void) state;
    for (int off = 1; off >= 0; off--) {
        json_t *r = s_glm_report (S_GLM_TEXT, off, 11);
        char *html = coord_query_html (r);
        assert_non_null (html);
        s_html_clean (html);
        if (off) {
            s_has (html, "<div class=\"stamp\">NOT PRIVATE");
            s_has (html, "<p class=\"dp off\">NOT PRIVATE");
        }
        else {
            assert_null (strstr (html, "NOT PRIVATE"));
            s_has (html, "<p class=\"dp\">&#949; = 1, &#948; = 1e-05");
            s_has (html, "DP noise's spread");
        }
        //  The table: a row per term with its figures; the plot: a point
        //  and an interval per term but the intercept, each where the axis
        //  puts it.
        const char *table = strstr (html, "<table class=\"grid glm\">");
        assert_non_null (table);
        s_has (table, "<th>term</th><th>estimate</th><th>std. error</th><th>t</th><th>p</th>"
                      "<th>95% interval</th>");
        const char *svg = strstr (html, "aria-label=\"forest plot\"");
        assert_non_null (svg);
        assert_true (svg > table);
        assert_int_equal (s_count (html, "<circle class=\"forest-est\""), 3);
        assert_int_equal (s_count (html, "<line class=\"forest-ci\""), 3);
        assert_int_equal (s_count (html, "class=\"forest-zero\""), 1);
        s_has (svg, "stroke-dasharray=\"4 3\"/>");
        s_has (svg, "class=\"axis\" text-anchor=\"middle\">estimate and its 95% interval</text>");
        double x0, scale, left, width;
        s_glm_axis (svg, &x0, &scale);
        s_plot_area (svg, &left, &width);
        size_t clipped = 0;
        const char *names [] = { "(Intercept)", "age", "mass", "diabetes" };
        for (size_t j = 0; j < 4; j++) {
            json_t *c = s_find (r, "coefficient", NULL, NULL, j);
            assert_string_equal (json_string_value (json_object_get (c, "term")), names [j]);
            char mark [64];
            snprintf (mark, sizeof mark, "<tr><th>%s</th><td class=\"n\">", names [j]);
            s_has (table, mark);
            if (j == 0) {
                snprintf (mark, sizeof mark, ">%s</text>", names [j]);
                assert_null (strstr (svg, mark));
                continue;
            }
            const char *pt = s_nth (html, "<circle class=\"forest-est\"", j - 1);
            const char *ci = s_nth (html, "<line class=\"forest-ci\"", j - 1);
            double cx, cy, x1, y1, x2, y2;
            assert_int_equal (sscanf (pt, "<circle class=\"forest-est\" cx=\"%lf\" cy=\"%lf\"",
                                      &cx, &cy), 2);
            assert_int_equal (sscanf (ci, "<line class=\"forest-ci\" x1=\"%lf\" y1=\"%lf\" "
                                          "x2=\"%lf\" y2=\"%lf\"", &x1, &y1, &x2, &y2), 4);
            double est = s_num (json_object_get (c, "estimate"));
            double lo = s_num (json_object_get (c, "conf_low"));
            double hi = s_num (json_object_get (c, "conf_high"));
            //  An interval beyond the axis ends at its edge.
            double xl = x0 + scale * lo, xh = x0 + scale * hi;
            clipped += (xl < left - 0.2) + (xh > left + width + 0.2);
            assert_true (fabs (cx - (x0 + scale * est)) <= 0.2);
            assert_true (fabs (x1 - fmax (xl, left)) <= 0.2);
            assert_true (fabs (x2 - fmin (xh, left + width)) <= 0.2);
            assert_true (y1 == cy && y2 == cy && x1 <= cx && cx <= x2);
            assert_true (cx >= left && x2 <= left + width);
            snprintf (mark, sizeof mark, ">%s</text>", names [j]);
            s_has (svg, mark);
        }
        //  Exact: nothing clipped. Under DP (this seed) diabetes's
        //  interval is 45 times the others' and cut at both ends.
        assert_int_equal (clipped, off? 0: 2);
        assert_int_equal (s_count (svg, "<path class=\"forest-clip\""), clipped);
        if (clipped)
            s_has (html, "Arrowheads: an interval cut at the edge of the axis");
        else
            assert_null (strstr (html, "Arrowheads"));
        //  Rows from the top in the order of the table.
        double y [3];
        for (size_t j = 0; j < 3; j++)
            assert_int_equal (sscanf (s_nth (html, "<circle class=\"forest-est\"", j),
                                      "<circle class=\"forest-est\" cx=\"%*f\" cy=\"%lf\"",
                                      &y [j]), 1);
        assert_true (y [0] < y [1] && y [1] < y [2]);
        s_has (html, "<table class=\"grid glm-fit\">");
        s_has (html, "<tr><th>residual deviance</th><td class=\"n\">");
        s_has (html, "<tr><th>records in the fit (n)</th><td class=\"n\">");
        free (html);
        //  Term names are escaped, in the table and the plot.
        json_object_set_new (s_find (r, "coefficient", NULL, NULL, 2), "term",
                             json_string ("<b>mass & \"x\"</b>"));
        html = coord_query_html (r);
        assert_non_null (html);
        assert_null (strstr (html, "<b>mass"));
        s_has (html, "<tr><th>&lt;b&gt;mass &amp; &quot;x&quot;&lt;/b&gt;</th>");
        s_has (html, ">&lt;b&gt;mass &amp; &quot;x&quot;&lt;/b&gt;</text>");
        free (html);
        //  A coefficient without an estimate or interval: no point, a word.
        json_t *c = s_find (r, "coefficient", NULL, NULL, 1);
        json_object_set_new (c, "estimate", json_null ());
        json_object_set_new (c, "conf_low", json_null ());
        html = coord_query_html (r);
        assert_non_null (html);
        assert_int_equal (s_count (html, "<circle class=\"forest-est\""), 2);
        assert_int_equal (s_count (html, "<line class=\"forest-ci\""), 2);
        s_has (html, "not estimable");
        free (html);
        json_decref (r);
    }
    //  A singular design: its message, no table and no plot.
    json_t *r = s_glm_report ("glm(glucose ~ mass + mass, family=gaussian)", true, 0);
    json_object_set_new (json_array_get (json_object_get (r, "results"), 0), "value",
                         json_string ("glm(): <singular> & \"collinear\""));
    char *html = coord_query_html (r);
    assert_non_null (html);
    s_html_clean (html);
    s_has (html, "<p class=\"missing glm-error\">glm(): &lt;singular&gt; &amp; "
                 "&quot;collinear&quot;</p>");
    assert_null (strstr (html, "<svg"));
    assert_null (strstr (html, "<table class=\"grid glm\""));
    free (html);
    json_decref (r);
}

static void
test_glm_bad_input (void **state)
{
    (void) state;
    #define S_HEAD "{\"privacy\": {}, \"kind\": \"glm\", \"results\": ["
    #define S_COEF(members) "{\"statistic\": \"coefficient\", " members "}"
    #define S_FULL "\"term\": \"age\", \"estimate\": 1, \"std_error\": 0.5, \"t\": 2, " \
                   "\"p_value\": 0.05, \"conf_low\": 0, \"conf_high\": 2"
    //  The least a report needs is accepted.
    json_error_t err;
    json_t *r = json_loads (S_HEAD S_COEF (S_FULL) ", {\"statistic\": \"n\", \"value\": 9}]}", 0,
                            &err);
    assert_non_null (r);
    char *text = coord_query_csv (r);
    assert_string_equal (text, "term,estimate,std.error,statistic,p.value,conf.low,conf.high\r\n"
                               "age,1,0.5,2,0.05,0,2\r\n\r\nstatistic,value\r\nn,9\r\n");
    free (text);
    json_decref (r);
    //  z instead of t (binomial, poisson) is the statistic column too.
    r = json_loads (S_HEAD S_COEF ("\"term\": \"age\", \"estimate\": 1, \"std_error\": 0.5, "
                                   "\"z\": 2, \"p_value\": 0.05, \"conf_low\": 0, "
                                   "\"conf_high\": 2") "]}", 0, &err);
    assert_non_null (r);
    text = coord_query_csv (r);
    s_has (text, "\r\nage,1,0.5,2,0.05,0,2\r\n");
    free (text);
    text = coord_query_html (r);
    s_has (text, "<th>std. error</th><th>z</th>");
    free (text);
    json_decref (r);

    s_refused (S_HEAD S_COEF ("\"estimate\": 1") "]}", "results[0]: term: expected a string");
    s_refused (S_HEAD S_COEF ("\"term\": 3, \"estimate\": 1") "]}", "results[0]: term");
    s_refused (S_HEAD "{\"statistic\": \"n\", \"value\": 9}, "
               S_COEF ("\"term\": \"age\", \"estimate\": \"1\", \"std_error\": 0.5, \"t\": 2, "
                       "\"p_value\": 0.05, \"conf_low\": 0, \"conf_high\": 2") "]}",
               "results[1]: estimate: expected a number or null");
    s_refused (S_HEAD S_COEF ("\"term\": \"age\", \"estimate\": 1, \"t\": 2, \"p_value\": 0.05, "
                              "\"conf_low\": 0, \"conf_high\": 2") "]}",
               "results[0]: std_error: expected a number or null");
    s_refused (S_HEAD S_COEF ("\"term\": \"age\", \"estimate\": 1, \"std_error\": 0.5, "
                              "\"p_value\": 0.05, \"conf_low\": 0, \"conf_high\": 2") "]}",
               "results[0]: coefficient: expected one of t and z");
    s_refused (S_HEAD S_COEF (S_FULL ", \"z\": 2") "]}",
               "results[0]: coefficient: expected one of t and z");
    s_refused (S_HEAD S_COEF ("\"term\": \"age\", \"estimate\": 1, \"std_error\": 0.5, "
                              "\"t\": [2], \"p_value\": 0.05, \"conf_low\": 0, "
                              "\"conf_high\": 2") "]}", "results[0]: t: expected a number");
    s_refused (S_HEAD S_COEF ("\"term\": \"age\", \"estimate\": 1, \"std_error\": 0.5, "
                              "\"t\": 2, \"p_value\": 0.05, \"conf_high\": 2") "]}",
               "results[0]: conf_low");
    s_refused (S_HEAD S_COEF ("\"term\": \"age\", \"estimate\": 1, \"std_error\": 0.5, "
                              "\"t\": 2, \"p_value\": 0.05, \"conf_low\": 0, "
                              "\"conf_high\": {}") "]}", "results[0]: conf_high");
    s_refused (S_HEAD S_COEF ("\"term\": \"age\", \"estimate\": 1, \"std_error\": 0.5, "
                              "\"t\": 2, \"p_value\": true, \"conf_low\": 0, "
                              "\"conf_high\": 2") "]}", "results[0]: p_value");
    s_refused (S_HEAD S_COEF (S_FULL) ", {\"statistic\": \"deviance\", \"value\": \"12\"}]}",
               "results[1]: value: expected a number or null");
    s_refused (S_HEAD S_COEF (S_FULL) ", {\"statistic\": \"aic\"}]}",
               "results[1]: value: expected a number or null");
    s_refused (S_HEAD S_COEF (S_FULL) ", {\"statistic\": \"mean\", \"value\": 3}]}",
               "results[1]: statistic: 'mean' is not a glm() figure");
    s_refused (S_HEAD "{\"statistic\": \"error\", \"value\": 5}]}",
               "results[0]: error: value: expected a string");
    s_refused (S_HEAD "{\"statistic\": \"error\", \"value\": \"singular\"}, "
               "{\"statistic\": \"n\", \"value\": 9}]}",
               "results[0]: error: expected as the only result");
    s_refused ("{\"privacy\": {}, \"kind\": 5, \"results\": []}", "kind: expected a string");
    //  A coefficient outside a glm() report.
    s_refused ("{\"privacy\": {}, \"kind\": \"summary\", \"results\": [" S_COEF (S_FULL) "]}",
               "results[0]: coefficient: only in a glm() or coxph() report");
    s_refused ("{\"privacy\": {}, \"results\": [" S_COEF (S_FULL) "]}",
               "results[0]: coefficient");
    #undef S_FULL
    #undef S_COEF
    #undef S_HEAD
}

//  glm(): every allocation of its results, CSV and HTML fails once, privacy
//  off and under DP; and of the error report's.
static void
test_glm_out_of_memory (void **state)
{
    (void) state;
    const char *texts [] = { S_GLM_TEXT, "glm(glucose ~ mass + mass, family=gaussian)" };
    for (size_t t = 0; t < 2; t++)
        for (int off = 0; off < 2; off++) {
            s_walk_t w;
            s_plan (&w.plan, s_pima.dict, texts [t], off, 1, 2);
            uint64_t seed = 17 + t;
            dp_rng_t *rng = off? NULL: dp_rng_new_seeded_for_tests (&seed, sizeof seed);
            w.sum = s_federate (&w.plan.rel, s_pima.rec, 3, rng);
            dp_rng_destroy (&rng);
            assert_true (alloc_walk (s_walk_results, &w) > 0);
            w.report = coord_query_results (&w.plan.rel, w.sum, 3, NULL);
            assert_non_null (w.report);
            assert_true (alloc_walk (s_walk_csv, &w) > 0);
            assert_true (alloc_walk (s_walk_html, &w) > 0);
            json_decref (w.report);
            free (w.sum);
            s_unplan (&w.plan);
        }
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_off_summary_matches_r),
        cmocka_unit_test (test_km_matches_r),
        cmocka_unit_test (test_glm_gaussian_matches_r),
        cmocka_unit_test (test_off_crosstab_matches_r),
        cmocka_unit_test (test_off_correlation_matches_r),
        cmocka_unit_test (test_off_quantiles_within_half_a_leaf),
        cmocka_unit_test (test_off_counts_and_histogram),
        cmocka_unit_test (test_tree_least_squares),
        cmocka_unit_test (test_tree_quantile),
        cmocka_unit_test (test_dp_coverage),
        cmocka_unit_test (test_suppression),
        cmocka_unit_test (test_left_out),
        cmocka_unit_test (test_chisq_noisy_table),
        cmocka_unit_test (test_json_shape),
        cmocka_unit_test (test_nulls_with_notes),
        cmocka_unit_test (test_csv),
        cmocka_unit_test (test_html),
        cmocka_unit_test (test_bad_input),
        cmocka_unit_test (test_out_of_memory),
        cmocka_unit_test (test_km_csv),
        cmocka_unit_test (test_km_html),
        cmocka_unit_test (test_km_bad_input),
        cmocka_unit_test (test_km_out_of_memory),
        cmocka_unit_test (test_glm_csv),
        cmocka_unit_test (test_glm_html),
        cmocka_unit_test (test_glm_bad_input),
        cmocka_unit_test (test_glm_out_of_memory),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
