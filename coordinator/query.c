/*  coordinator/query.c - a query's statistics from its released sum, with
    their intervals for the DP noise and disclosure control (query.h). The
    CSV and HTML renderings are in query_render.c. */
#include "query.h"
#include "fit.h"
#include "linalg.h"
#include "proto/plan.h"
#include "models/models.h"
#include "util/alloc.h"
#include "util/error.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_Z95       1.959963984540054   //  the normal's 97.5% point
#define S_DRAWS     1000                //  bootstrap draws: moments, chi-squared
#define S_DRAWS_TREE 200                //  bootstrap draws: a quantile tree
#define S_B         PROTO_TREE_BRANCH
#define S_H         PROTO_TREE_DEPTH
#define S_PM        "\xc2\xb1"           //  the plus-minus sign in UTF-8

//  ---------------------------------------------------------------------------
//  The quantile tree

//  B^l.
static size_t
s_pow_b (int l)
{
    size_t w = 1;
    for (int i = 0; i < l; i++)
        w *= S_B;
    return w;
}

void
coord_query_tree_consistent (double *x)
{
    //  Level l (1 = top, S_H = leaves) starts at offset [l] and has B^l
    //  nodes; the node at position j has its children at positions
    //  j B .. j B + B - 1 of the next level. A node of level l has height
    //  S_H - l + 1 (leaves 1).
    size_t offset [S_H + 2];
    offset [1] = 0;
    for (int l = 1; l <= S_H; l++)
        offset [l + 1] = offset [l] + s_pow_b (l);
    //  Bottom-up weighted averaging (Hay et al., Theorem 3): z = x at the
    //  leaves; above, z = a x + b (sum of the children's z), with
    //  a = (B^k - B^(k-1)) / (B^k - 1), b = (B^(k-1) - 1) / (B^k - 1) at
    //  height k. In place: a node's x is read once, before it is replaced.
    for (int l = S_H - 1; l >= 1; l--) {
        double bk = (double) s_pow_b (S_H - l + 1), bk1 = bk / S_B;
        double a = (bk - bk1) / (bk - 1), b = (bk1 - 1) / (bk - 1);
        for (size_t j = 0; j < s_pow_b (l); j++) {
            double children = 0;
            for (size_t c = 0; c < S_B; c++)
                children += x [offset [l + 1] + j * S_B + c];
            x [offset [l] + j] = a * x [offset [l] + j] + b * children;
        }
    }
    //  Top-down mean consistency: the top level keeps z (no root was
    //  released to share a difference with); below, each child moves by
    //  an equal share of its parent's difference to the children's sum.
    for (int l = 1; l < S_H; l++)
        for (size_t j = 0; j < s_pow_b (l); j++) {
            double *child = x + offset [l + 1] + j * S_B, children = 0;
            for (size_t c = 0; c < S_B; c++)
                children += child [c];
            double share = (x [offset [l] + j] - children) / S_B;
            for (size_t c = 0; c < S_B; c++)
                child [c] += share;
        }
}

//  The sum of the top level's counts read at >= 0.
static double
s_tree_total (const double *x)
{
    double total = 0;
    for (size_t j = 0; j < S_B; j++)
        total += x [j] > 0? x [j]: 0;
    return total;
}

//  The leaf at rank t (0 <= t <= total): at each level, the node of the
//  current parent where the cumulative count (negative counts as 0)
//  reaches the rank's share of that parent. A parent whose children all
//  read 0 spreads its share evenly over them.
static size_t
s_tree_leaf (const double *x, double t, double total)
{
    double share = total > 0? t / total: 0;
    size_t offset = 0, first = 0, pos = 0;
    for (int l = 1; l <= S_H; l++) {
        const double *node = x + offset + first;
        double sum = 0;
        for (size_t k = 0; k < S_B; k++)
            sum += node [k] > 0? node [k]: 0;
        size_t k = 0;
        if (sum > 0) {
            double target = share * sum, cum = 0;
            size_t last = 0;
            for (k = 0; k < S_B; k++) {
                double c = node [k] > 0? node [k]: 0;
                if (c > 0) {
                    last = k;
                    if (cum + c >= target)
                        break;
                }
                cum += c;
            }
            if (k == S_B) {         //  rounding past the end: the last count
                k = last;
                share = 1;
            }
            else
                share = (target - cum) / node [k];
        }
        else {
            double at = share * S_B;
            k = at >= S_B? S_B - 1: (size_t) at;
            share = at - (double) k;
        }
        share = share < 0? 0: share > 1? 1: share;
        pos = first + k;
        offset += s_pow_b (l);
        first = pos * S_B;
    }
    return pos;
}

double
coord_query_tree_quantile (const double *x, double p)
{
    double n = s_tree_total (x);
    if (!(n > 0))
        return -1;
    //  Type 7: h = 1 + (n - 1) p, between the floor(h)-th and the next
    //  record; a record is at the centre of its leaf.
    double leaves = (double) s_pow_b (S_H);
    double h = 1 + (n - 1) * p, k = floor (h), f = h - k;
    double lo = k - 0.5, hi = k + 0.5;
    lo = lo < 0? 0: lo > n? n: lo;
    hi = hi < 0? 0: hi > n? n: hi;
    double u = ((double) s_tree_leaf (x, lo, n) + 0.5) / leaves;
    if (f > 0)
        u += f * (((double) s_tree_leaf (x, hi, n) + 0.5) / leaves - u);
    return u;
}

//  ---------------------------------------------------------------------------
//  Building the JSON. A failed JSON allocation marks the context and the
//  build carries on with NULLs (every helper takes them); the caller
//  reports UTIL_ENOMEM at the end. util_alloc_fault () lets the
//  allocation-failure tests reach jansson's allocations too.

typedef struct {
    const proto_release_t *rel;
    const proto_query_t *q;
    const int64_t *sum;
    bool off;
    bool suppress;              //  disclosure control on
    double min_cell;
    double sd;                  //  noise sd per logical entry
    gsl_rng *rng;
    char **labels;              //  the terms' labels
    const coord_fit_t *fit;     //  an iterative fit's state, or NULL
    json_t *results;
    json_t *notes;
    bool nomem;
} s_ctx_t;

static json_t *
s_new (s_ctx_t *c, json_t *v)
{
    if (!v)
        c->nomem = true;
    return v;
}

static json_t *
s_real (s_ctx_t *c, double x)
{
    if (util_alloc_fault ()) {
        c->nomem = true;
        return NULL;
    }
    return s_new (c, isfinite (x)? json_real (x): json_null ());
}

static json_t *
s_int (s_ctx_t *c, long long x)
{
    if (util_alloc_fault ()) {
        c->nomem = true;
        return NULL;
    }
    return s_new (c, json_integer (x));
}

static json_t *
s_str (s_ctx_t *c, const char *s)
{
    if (util_alloc_fault ()) {
        c->nomem = true;
        return NULL;
    }
    return s_new (c, s? json_string (s): json_null ());
}

static json_t *
s_obj (s_ctx_t *c)
{
    if (util_alloc_fault ()) {
        c->nomem = true;
        return NULL;
    }
    return s_new (c, json_object ());
}

static json_t *
s_arr (s_ctx_t *c)
{
    if (util_alloc_fault ()) {
        c->nomem = true;
        return NULL;
    }
    return s_new (c, json_array ());
}

//  obj[key] = v (consumed, even on failure).
static void
s_set (s_ctx_t *c, json_t *obj, const char *key, json_t *v)
{
    if (json_object_set_new (obj, key, v))
        c->nomem = true;
}

static void
s_push (s_ctx_t *c, json_t *arr, json_t *v)
{
    if (json_array_append_new (arr, v))
        c->nomem = true;
}

//  A note line, kept once in "notes" and set as the result's "note".
static void
s_note (s_ctx_t *c, json_t *result, const char *text)
{
    if (!text) {
        c->nomem = true;
        return;
    }
    bool seen = false;
    size_t i;
    json_t *n;
    json_array_foreach (c->notes, i, n)
        if (json_is_string (n) && !strcmp (json_string_value (n), text))
            seen = true;
    if (!seen)
        s_push (c, c->notes, s_str (c, text));
    if (result)
        s_set (c, result, "note", s_str (c, text));
}

//  s_note for a new string (freed).
static void
s_note_free (s_ctx_t *c, json_t *result, char *text)
{
    s_note (c, result, text);
    free (text);
}

//  ---------------------------------------------------------------------------
//  Figures

static double
s_value (const s_ctx_t *c, size_t entry)
{
    return proto_release_value (c->rel, c->sum, entry);
}

//  A count as shown: exact when off, else rounded and floored at 0.
static json_t *
s_count (s_ctx_t *c, double n)
{
    if (c->off)
        return s_int (c, llround (n));
    return s_int (c, n > 0? llround (n): 0);
}

static json_t *
s_pair (s_ctx_t *c, double lo, double hi)
{
    json_t *a = s_arr (c);
    s_push (c, a, s_real (c, lo));
    s_push (c, a, s_real (c, hi));
    return a;
}

//  Whether a figure resting on this noisy count is suppressed.
static bool
s_small (const s_ctx_t *c, double n)
{
    return c->suppress && !(n >= c->min_cell);
}

//  A new result {"statistic", "column"?, "group"?}.
static json_t *
s_result (s_ctx_t *c, const char *statistic, const char *column, size_t group)
{
    json_t *r = s_obj (c);
    s_set (c, r, "statistic", s_str (c, statistic));
    if (column)
        s_set (c, r, "column", s_str (c, column));
    if (c->q->by)
        s_set (c, r, "group", s_str (c, c->q->by->levels [group]));
    return r;
}

static void
s_add (s_ctx_t *c, json_t *r)
{
    s_push (c, c->results, r);
}

//  A scalar figure: value, and under DP ci95 and suppressed. A suppressed
//  figure shows neither its value nor its interval.
static void
s_scalar (s_ctx_t *c, json_t *r, json_t *value, double lo, double hi, bool suppressed)
{
    if (suppressed) {
        json_decref (value);
        s_set (c, r, "value", s_new (c, json_null ()));
    }
    else
        s_set (c, r, "value", value);
    if (c->off)
        return;
    s_set (c, r, "ci95", suppressed? s_new (c, json_null ()): s_pair (c, lo, hi));
    s_set (c, r, "suppressed", s_new (c, json_boolean (suppressed)));
}

static void
s_note_counts (s_ctx_t *c, json_t *r, const char *what)
{
    if (!c->off)
        s_note_free (c, r, util_asprintf ("%s carry DP noise: each is within " S_PM " %.1f of the "
                                          "exact count with 95%% probability.", what,
                                          S_Z95 * c->sd));
}

static void
s_note_suppression (s_ctx_t *c)
{
    if (!c->suppress)
        return;
    s_note_free (c, NULL, util_asprintf ("Figures resting on a noisy count below %.0f are "
                                         "suppressed (shown as null): this keeps small noisy "
                                         "counts from being misread; it is not what protects "
                                         "the records (DP does that).", c->min_cell));
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y? -1: x > y;
}

//  The p-quantile (type 7) of sorted v[0..n-1].
static double
s_quantile_sorted (const double *v, size_t n, double p)
{
    double h = (double) (n - 1) * p;
    size_t i = (size_t) h;
    if (i + 1 >= n)
        return v [n - 1];
    return v [i] + (h - (double) i) * (v [i + 1] - v [i]);
}

//  The basic bootstrap interval of an estimate from its draws (the NaN
//  ones dropped): [2 est - q97.5, 2 est - q2.5], within [lo, hi]. When
//  more than 5% of the draws are undefined the whole range is returned.
static void
s_basic (double est, double *draws, size_t n, double lo, double hi, double *out_lo,
         double *out_hi)
{
    size_t ok = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite (draws [i]))
            draws [ok++] = draws [i];
    *out_lo = lo;
    *out_hi = hi;
    if (!isfinite (est) || ok < n - n / 20 || ok < 2)
        return;
    qsort (draws, ok, sizeof *draws, s_cmp);
    double a = 2 * est - s_quantile_sorted (draws, ok, 0.975);
    double b = 2 * est - s_quantile_sorted (draws, ok, 0.025);
    *out_lo = a < lo? lo: a > hi? hi: a;
    *out_hi = b < lo? lo: b > hi? hi: b;
}

//  ---------------------------------------------------------------------------
//  count, histogram, crosstab

static void
s_counts_count (s_ctx_t *c)
{
    for (size_t g = 0; g < c->rel->groups; g++) {
        double n = s_value (c, g * c->rel->cells);
        json_t *r = s_result (c, "count", NULL, g);
        double pm = S_Z95 * c->sd;
        s_scalar (c, r, s_count (c, n), n - pm > 0? n - pm: 0, n + pm, s_small (c, n));
        s_note_counts (c, r, "Counts");
        s_add (c, r);
    }
}

//  values / ci95 / suppressed arrays of cells [from, from + n) of a group.
static void
s_cell_arrays (s_ctx_t *c, json_t *r, size_t from, size_t n)
{
    json_t *values = s_arr (c), *ci = c->off? NULL: s_arr (c);
    json_t *sup = c->off? NULL: s_arr (c);
    double pm = S_Z95 * c->sd;
    for (size_t i = 0; i < n; i++) {
        double x = s_value (c, from + i);
        bool small = s_small (c, x);
        s_push (c, values, small? s_new (c, json_null ()): s_count (c, x));
        if (c->off)
            continue;
        s_push (c, ci, small? s_new (c, json_null ()): s_pair (c, x - pm > 0? x - pm: 0, x + pm));
        s_push (c, sup, s_new (c, json_boolean (small)));
    }
    s_set (c, r, "values", values);
    if (!c->off) {
        s_set (c, r, "ci95", ci);
        s_set (c, r, "suppressed", sup);
    }
}

static void
s_counts_histogram (s_ctx_t *c)
{
    const proto_query_t *q = c->q;
    for (size_t g = 0; g < c->rel->groups; g++) {
        json_t *r = s_result (c, "histogram", c->labels [0], g);
        json_t *breaks = s_arr (c);
        for (size_t i = 0; i < q->n_breaks; i++)
            s_push (c, breaks, s_real (c, q->breaks [i]));
        s_set (c, r, "breaks", breaks);
        s_cell_arrays (c, r, g * c->rel->cells, c->rel->cells);
        s_note_counts (c, r, "Histogram bin counts");
        s_add (c, r);
    }
}

//  Pearson's X^2 of the r x k table t (cells read at >= 0) over its
//  non-empty rows and columns; *df = (rows - 1)(columns - 1) of those.
//  NAN when df is 0. rows [r], cols [k] are work space.
static double
s_chisq (const double *t, size_t r, size_t k, double *rows, double *cols, size_t *df)
{
    double n = 0;
    memset (rows, 0, r * sizeof *rows);
    memset (cols, 0, k * sizeof *cols);
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < k; j++) {
            double x = t [i * k + j] > 0? t [i * k + j]: 0;
            rows [i] += x;
            cols [j] += x;
            n += x;
        }
    size_t rr = 0, kk = 0;
    for (size_t i = 0; i < r; i++)
        rr += rows [i] > 0;
    for (size_t j = 0; j < k; j++)
        kk += cols [j] > 0;
    *df = rr > 1 && kk > 1? (rr - 1) * (kk - 1): 0;
    if (!*df)
        return NAN;
    double x2 = 0;
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < k; j++)
            if (rows [i] > 0 && cols [j] > 0) {
                double x = t [i * k + j] > 0? t [i * k + j]: 0;
                double e = rows [i] * cols [j] / n;
                x2 += (x - e) * (x - e) / e;
            }
    return x2;
}


//  The chi-squared result of one group's ra x kb table at cells [from, ..).
//  Under DP the statistic is that of the noisy table (read at >= 0),
//  biased upward by the noise; its p-value is a Monte Carlo test that
//  draws tables under independence from the noisy margins and adds the
//  same noise (Gaboardi, Lim, Rogers, Vadhan, "Differentially private
//  chi-squared hypothesis testing", ICML 2016), and its ci95 a basic
//  bootstrap over the noise. Without privacy the p-value is the
//  chi-squared distribution's, as R's chisq.test (correct = FALSE).
static void
s_chisq_result (s_ctx_t *c, size_t group, size_t from, size_t ra, size_t kb)
{
    size_t cells = ra * kb, df = 0;
    double *t = util_calloc (cells, sizeof (double));
    double *draw = util_calloc (cells, sizeof (double));
    double *rows = util_calloc (ra, sizeof (double)), *cols = util_calloc (kb, sizeof (double));
    double *stats = util_calloc (S_DRAWS, sizeof (double));
    unsigned *counts = util_calloc (cells, sizeof (unsigned));
    json_t *r = s_result (c, "chisq", NULL, group);
    json_t *columns = s_arr (c);
    s_push (c, columns, s_str (c, c->labels [0]));
    s_push (c, columns, s_str (c, c->labels [1]));
    s_set (c, r, "columns", columns);
    if (!t || !draw || !rows || !cols || !stats || !counts) {
        c->nomem = true;
        goto done;
    }
    double total = 0;
    for (size_t i = 0; i < cells; i++) {
        t [i] = s_value (c, from + i);
        total += t [i] > 0? t [i]: 0;
    }
    double x2 = s_chisq (t, ra, kb, rows, cols, &df);
    bool small = s_small (c, total);
    if (!df) {
        s_scalar (c, r, s_new (c, json_null ()), 0, 0, small);
        s_set (c, r, "df", s_int (c, 0));
        s_set (c, r, "p_value", s_new (c, json_null ()));
        s_note (c, r, "Chi-squared needs two non-empty rows and two non-empty columns: it is "
                      "null where a table has fewer.");
        goto done;
    }
    if (c->off) {
        s_set (c, r, "value", s_real (c, x2));
        s_set (c, r, "df", s_int (c, (long long) df));
        s_set (c, r, "p_value", s_real (c, gsl_cdf_chisq_Q (x2, (double) df)));
        s_note (c, r, "Pearson's chi-squared test of independence, without continuity "
                      "correction (R's chisq.test(correct = FALSE)), over the non-empty rows "
                      "and columns.");
        goto done;
    }
    //  The noise's expected contribution: about sd^2 / E per cell.
    double bias = 0;
    for (size_t i = 0; i < ra; i++)
        for (size_t j = 0; j < kb; j++)
            if (rows [i] > 0 && cols [j] > 0)
                bias += c->sd * c->sd / (rows [i] * cols [j] / total);
    //  Monte Carlo p-value: tables of the (rounded) noisy total drawn under
    //  independence of the noisy margins, plus noise.
    double *p = draw;
    for (size_t i = 0; i < ra; i++)
        for (size_t j = 0; j < kb; j++)
            p [i * kb + j] = rows [i] * cols [j];
    unsigned n = (unsigned) llround (total);
    size_t above = 0, valid = 0;
    for (size_t b = 0; b < S_DRAWS; b++) {
        gsl_ran_multinomial (c->rng, cells, n, p, counts);
        for (size_t i = 0; i < cells; i++)
            t [i] = (double) counts [i] + gsl_ran_gaussian_ziggurat (c->rng, c->sd);
        size_t d;
        double s = s_chisq (t, ra, kb, rows, cols, &d);
        if (isfinite (s)) {
            valid++;
            above += s >= x2;
        }
    }
    //  The statistic's interval: the released table plus fresh noise.
    for (size_t i = 0; i < cells; i++)
        t [i] = s_value (c, from + i);
    for (size_t b = 0; b < S_DRAWS; b++) {
        for (size_t i = 0; i < cells; i++)
            draw [i] = t [i] + gsl_ran_gaussian_ziggurat (c->rng, c->sd);
        size_t d;
        stats [b] = s_chisq (draw, ra, kb, rows, cols, &d);
    }
    double lo, hi;
    s_basic (x2, stats, S_DRAWS, 0, HUGE_VAL, &lo, &hi);
    if (!isfinite (hi))
        hi = lo;                //  every draw undefined: no spread to show
    s_scalar (c, r, s_real (c, x2), lo, hi, small);
    s_set (c, r, "df", s_int (c, (long long) df));
    s_set (c, r, "p_value", small? s_new (c, json_null ())
                                 : s_real (c, (double) (above + 1) / (double) (valid + 1)));
    s_set (c, r, "p_value_draws", s_int (c, S_DRAWS));
    s_set (c, r, "noise_bias", s_real (c, bias));
    s_note_free (c, r, util_asprintf ("Chi-squared from a noisy table is biased upward by the "
                                      "noise (here by about %.1f); its p-value comes from a "
                                      "parametric bootstrap under independence that adds the "
                                      "same noise (%d draws), not from the chi-squared "
                                      "distribution.", bias, S_DRAWS));
done:
    s_add (c, r);
    free (t);
    free (draw);
    free (rows);
    free (cols);
    free (stats);
    free (counts);
}

static void
s_counts_crosstab (s_ctx_t *c)
{
    const proto_query_t *q = c->q;
    bool two = q->n_terms > 1;
    size_t ra = q->terms [0]->n_levels, kb = two? q->terms [1]->n_levels: 1;
    for (size_t g = 0; g < c->rel->groups; g++) {
        size_t from = g * c->rel->cells;
        json_t *r = s_result (c, "crosstab", two? NULL: c->labels [0], g);
        if (!two) {
            json_t *levels = s_arr (c);
            for (size_t i = 0; i < ra; i++)
                s_push (c, levels, s_str (c, q->terms [0]->levels [i]));
            s_set (c, r, "levels", levels);
            s_cell_arrays (c, r, from, ra);
        }
        else {
            json_t *columns = s_arr (c), *levels = s_arr (c);
            json_t *values = s_arr (c), *ci = s_arr (c), *sup = s_arr (c);
            for (size_t t = 0; t < 2; t++) {
                json_t *l = s_arr (c);
                for (size_t i = 0; i < q->terms [t]->n_levels; i++)
                    s_push (c, l, s_str (c, q->terms [t]->levels [i]));
                s_push (c, levels, l);
                s_push (c, columns, s_str (c, c->labels [t]));
            }
            s_set (c, r, "columns", columns);
            s_set (c, r, "levels", levels);
            //  One row per level of the first term: its cells' arrays.
            for (size_t i = 0; i < ra; i++) {
                json_t *row = s_obj (c);
                s_cell_arrays (c, row, from + i * kb, kb);
                s_push (c, values, json_incref (json_object_get (row, "values")));
                if (!c->off) {
                    s_push (c, ci, json_incref (json_object_get (row, "ci95")));
                    s_push (c, sup, json_incref (json_object_get (row, "suppressed")));
                }
                json_decref (row);
            }
            s_set (c, r, "values", values);
            if (c->off) {
                json_decref (ci);
                json_decref (sup);
            }
            else {
                s_set (c, r, "ci95", ci);
                s_set (c, r, "suppressed", sup);
            }
        }
        s_note_counts (c, r, "Table cells");
        s_add (c, r);
        if (two)
            s_chisq_result (c, g, from, ra, kb);
    }
}

//  ---------------------------------------------------------------------------
//  Quantiles

//  The 95% interval of a quantile of the released (consistent) tree x,
//  from its estimate at leaf `leaf`, by inverting the noisy cumulative
//  count: the exact quantile sits where the exact count of records below
//  it reaches the type-7 rank h = 1 + (n - 1) p, and the noisy count there
//  is off by the consistent tree's noise on that prefix (less p times its
//  noise on the total), of standard deviation sr; so the interval runs from
//  the leaf at rank floor(h) - 1/2 - 1.96 sr to the leaf at rank
//  ceil(h) - 1/2 + 1.96 sr, as the descent reads x. It follows the steps
//  of the data, which a bootstrap of the estimate misses when the noise is
//  small against them. In [0, 1].
static void
s_quantile_interval (const double *x, double p, double sr, double *lo, double *hi)
{
    double n = s_tree_total (x), leaves = (double) s_pow_b (S_H);
    double h = 1 + (n - 1) * p;
    double r1 = floor (h) - 0.5 - S_Z95 * sr, r2 = ceil (h) - 0.5 + S_Z95 * sr;
    r1 = r1 < 0? 0: r1 > n? n: r1;
    r2 = r2 < 0? 0: r2 > n? n: r2;
    *lo = (double) s_tree_leaf (x, r1, n) / leaves;
    *hi = (double) (s_tree_leaf (x, r2, n) + 1) / leaves;
}

static void
s_counts_quantiles (s_ctx_t *c)
{
    const proto_query_t *q = c->q;
    const proto_term_t *term = q->terms [0];
    size_t nodes = proto_release_tree_nodes (), np = q->n_probs;
    size_t leaves = s_pow_b (S_H), first_leaf = nodes - leaves;
    double range = term->hi - term->lo;
    double *x = util_calloc (nodes, sizeof (double)), *e = util_calloc (nodes, sizeof (double));
    double *prefix = util_calloc (leaves + 1, sizeof (double));
    //  Each group's count goes first, then the quantiles of every group
    //  (one chart in the HTML page).
    json_t *later = s_arr (c);
    if (!x || !e || !prefix) {
        c->nomem = true;
        goto done;
    }
    //  The consistent total's variance: B times a top node's, which is
    //  sd^2 B^(h-1) (B - 1) / (B^h - 1) after weighted averaging (Hay et
    //  al., section 4.2).
    double bh = (double) leaves;
    double sd_total = c->sd * sqrt (S_B * (bh / S_B) * (S_B - 1) / (bh - 1));
    for (size_t g = 0; g < c->rel->groups; g++) {
        for (size_t i = 0; i < nodes; i++)
            x [i] = s_value (c, g * c->rel->cells + i);
        //  Exact counts are consistent already.
        if (!c->off)
            coord_query_tree_consistent (x);
        double total = 0;
        for (size_t j = 0; j < S_B; j++)
            total += x [j];
        bool small = s_small (c, total);
        json_t *r = s_result (c, "count", c->labels [0], g);
        double pm = S_Z95 * sd_total;
        s_scalar (c, r, s_count (c, total), total - pm > 0? total - pm: 0, total + pm, small);
        if (!c->off)
            s_note_free (c, r, util_asprintf ("A quantile tree's count carries DP noise: it is "
                                              "within " S_PM " %.1f of the exact count with 95%% "
                                              "probability.", pm));
        s_add (c, r);

        r = s_result (c, "quantile", c->labels [0], g);
        json_t *probs = s_arr (c), *values = s_arr (c);
        json_t *ci = c->off? NULL: s_arr (c);
        double est [PROTO_QUERY_PROBS_MAX], sq [PROTO_QUERY_PROBS_MAX] = { 0 };
        size_t at [PROTO_QUERY_PROBS_MAX];
        bool empty = !(s_tree_total (x) > 0);
        for (size_t i = 0; i < np; i++) {
            s_push (c, probs, s_real (c, q->probs [i]));
            est [i] = empty? NAN: coord_query_tree_quantile (x, q->probs [i]);
            at [i] = empty? 0: (size_t) (est [i] * bh);
            s_push (c, values, small || empty? s_new (c, json_null ())
                                             : s_real (c, term->lo + range * est [i]));
        }
        if (!c->off && !small && !empty) {
            //  The noise on each estimate's prefix count (less p times the
            //  noise on the total), from draws of the noise made consistent
            //  as the release was (consistency is linear: the noise alone
            //  shows how it moves the counts).
            for (size_t b = 0; b < S_DRAWS_TREE; b++) {
                for (size_t i = 0; i < nodes; i++)
                    e [i] = gsl_ran_gaussian_ziggurat (c->rng, c->sd);
                coord_query_tree_consistent (e);
                double dn = 0;
                for (size_t j = 0; j < S_B; j++)
                    dn += e [j];
                prefix [0] = 0;
                for (size_t k = 0; k < leaves; k++)
                    prefix [k + 1] = prefix [k] + e [first_leaf + k];
                for (size_t i = 0; i < np; i++) {
                    double d = prefix [at [i] < leaves? at [i]: leaves] - q->probs [i] * dn;
                    sq [i] += d * d;
                }
            }
            for (size_t i = 0; i < np; i++) {
                double lo, hi;
                s_quantile_interval (x, q->probs [i], sqrt (sq [i] / S_DRAWS_TREE), &lo, &hi);
                s_push (c, ci, s_pair (c, term->lo + range * lo, term->lo + range * hi));
            }
        }
        else
        if (!c->off)
            for (size_t i = 0; i < np; i++)
                s_push (c, ci, s_new (c, json_null ()));
        s_set (c, r, "probs", probs);
        s_set (c, r, "values", values);
        if (!c->off) {
            s_set (c, r, "ci95", ci);
            s_set (c, r, "suppressed", s_new (c, json_boolean (small)));
        }
        if (c->off)
            s_note_free (c, r, util_asprintf ("Quantiles are read from a tree of %.0f leaves "
                                              "over the public range: each is within half a "
                                              "leaf (%.3g) of R's quantile(type = 7).", bh,
                                              range / (2 * bh)));
        else
            s_note_free (c, r, util_asprintf ("Quantiles come from a noisy quantile tree "
                                              "(%d-way, %.0f leaves over the public range, "
                                              "made consistent by least squares); each ci95 "
                                              "holds the quantiles at ranks 1.96 noise standard "
                                              "deviations either side, and covers the exact "
                                              "pooled quantile with at least about 95%% "
                                              "probability.", S_B, bh));
        if (empty && !small)
            s_note (c, r, "A quantile tree that holds no count has no quantiles: null.");
        s_push (c, later, r);
    }
    for (size_t i = 0; i < json_array_size (later); i++)
        s_add (c, json_incref (json_array_get (later, i)));
done:
    json_decref (later);
    free (x);
    free (e);
    free (prefix);
}


//  ---------------------------------------------------------------------------
//  km(): Kaplan-Meier on the public grid, Greenwood, bands, the median and
//  the log-rank test, from the exits per bin (proto/release.h)

#define S_KM_DRAWS 400          //  bootstrap draws of the noise per group

//  The events d[b] and exits e[b] (events and censorings) of group g,
//  bins 0..k (k + 1 of them), as released: noisy ones are not floored here
//  (flooring each bin would bias the risk sets, their reverse sums,
//  upward); s_km_curve keeps what it derives in range.
static void
s_km_table (const s_ctx_t *c, size_t g, size_t bins, double *d, double *e)
{
    size_t base = g * c->rel->cells;
    for (size_t b = 0; b < bins; b++) {
        double ev = s_value (c, base + 2 * b), ce = s_value (c, base + 2 * b + 1);
        d [b] = ev;
        e [b] = ev + ce;
    }
}

//  Survival, Greenwood's sum and the number at risk at grid points 0..k-1
//  from a table of exits: at risk at bin b, n[b] = sum of exits from b on.
static void
s_km_curve (const double *d, const double *e, size_t bins, double *surv, double *green,
            double *risk)
{
    double n = 0;
    for (size_t b = 0; b < bins; b++)
        n += e [b];
    double s = 1, v = 0;
    for (size_t b = 0; b + 1 < bins; b++) {
        //  The risk set is the (noisy) sum of the exits still to come,
        //  never below 0. The events are at most the risk set but are not
        //  floored at 0: each factor 1 - d/n then stays unbiased under the
        //  noise (a floor would pull every sparse bin's events up and the
        //  curve down); the product is kept within [0, 1].
        double at = n > 0? n: 0;
        risk [b] = at;
        double dd = d [b] > at? at: d [b];
        if (at > 0 && dd != 0) {
            s *= 1 - dd / at;
            s = s < 0? 0: s > 1? 1: s;
            if (dd > 0)
                v += at > dd? dd / (at * (at - dd)): INFINITY;
        }
        surv [b] = s;
        green [b] = v;
        n -= e [b];
    }
}

//  The least-squares non-increasing fit of s[0..n-1], in place (pool
//  adjacent violators): a noisy curve made monotone without the downward
//  pull of flooring its events. `scratch` holds 2 n numbers.
static void
s_km_monotone (double *s, size_t n, double *scratch)
{
    double *val = scratch, *len = scratch + n;
    size_t blocks = 0;
    for (size_t i = 0; i < n; i++) {
        val [blocks] = s [i];
        len [blocks] = 1;
        blocks++;
        while (blocks > 1 && val [blocks - 2] < val [blocks - 1]) {
            double w = len [blocks - 2] + len [blocks - 1];
            val [blocks - 2] = (val [blocks - 2] * len [blocks - 2]
                              + val [blocks - 1] * len [blocks - 1]) / w;
            len [blocks - 2] = w;
            blocks--;
        }
    }
    for (size_t b = 0, at = 0; b < blocks; b++)
        for (size_t j = 0; j < (size_t) len [b]; j++)
            s [at++] = val [b];
}

//  The first grid point whose value is at most 0.5, or NaN.
static double
s_km_median (const double *grid, const double *s, size_t k)
{
    for (size_t i = 0; i < k; i++)
        if (s [i] <= 0.5)
            return grid [i];
    return NAN;
}

//  One group's curve.
static void
s_km_group (s_ctx_t *c, size_t g, const char *label, double *d, double *e, double *surv,
            double *green, double *risk, double *draws)
{
    const proto_query_t *q = c->q;
    size_t k = q->n_breaks, bins = k + 1;
    s_km_table (c, g, bins, d, e);
    s_km_curve (d, e, bins, surv, green, risk);
    //  Scratch for the monotone fit: the draws' area, free until the
    //  bootstrap below.
    if (!c->off)
        s_km_monotone (surv, k, draws);
    //  Under DP, the noise's spread of the curve at each grid point, by a
    //  parametric bootstrap over the known noise (post-processing).
    double *noise_var = draws + S_KM_DRAWS * k;
    for (size_t i = 0; i < k; i++)
        noise_var [i] = 0;
    if (!c->off) {
        double *dd = draws + S_KM_DRAWS * k + k, *ee = dd + bins;
        double *ss = ee + bins, *gg = ss + k, *rr = gg + k;
        for (size_t r = 0; r < S_KM_DRAWS; r++) {
            for (size_t b = 0; b < bins; b++) {
                dd [b] = d [b] + gsl_ran_gaussian (c->rng, c->sd);
                ee [b] = dd [b] + (e [b] - d [b]) + gsl_ran_gaussian (c->rng, c->sd);
            }
            s_km_curve (dd, ee, bins, ss, gg, rr);
            s_km_monotone (ss, k, gg);
            for (size_t i = 0; i < k; i++)
                draws [r * k + i] = ss [i];
        }
        for (size_t i = 0; i < k; i++) {
            double m = 0, m2 = 0;
            for (size_t r = 0; r < S_KM_DRAWS; r++) {
                m += draws [r * k + i];
                m2 += draws [r * k + i] * draws [r * k + i];
            }
            m /= S_KM_DRAWS;
            noise_var [i] = fmax (0, m2 / S_KM_DRAWS - m * m);
        }
    }
    json_t *r = s_obj (c);
    s_set (c, r, "statistic", s_str (c, "survival"));
    s_set (c, r, "column", s_str (c, c->labels [0]));
    s_set (c, r, "group", s_str (c, label));
    json_t *time = s_arr (c), *value = s_arr (c), *se = s_arr (c), *nrisk = s_arr (c);
    json_t *lo = s_arr (c), *hi = s_arr (c), *lo_log = s_arr (c), *hi_log = s_arr (c);
    json_t *suppressed = s_arr (c);
    const double z = 1.959963984540054;
    double *lo_s = draws, *hi_s = draws + k;
    for (size_t i = 0; i < k; i++) {
        double s = surv [i], v = green [i];
        //  Sampling (Greenwood) and, under DP, the noise: var(S) adds.
        double var_s = s * s * v + noise_var [i];
        double sd_s = sqrt (var_s), nz = z * sqrt (noise_var [i]);
        //  Greenwood's bands (log-log, and R's log), widened under DP by
        //  the noise's 95% spread of S on each side: the noise does not
        //  shrink with S near 1 as Greenwood's variance does, so it is
        //  not put through the transforms.
        double l1 = s > 0? s * exp (-z * sqrt (v)): 0, h1 = s > 0? fmin (1, s * exp (z * sqrt (v))): 0;
        double l2 = s, h2 = s;
        if (s > 0 && s < 1) {
            double th = log (-log (s)), set = sqrt (v) / fabs (log (s));
            l2 = exp (-exp (th + z * set));
            h2 = exp (-exp (th - z * set));
        }
        l1 = fmax (0, l1 - nz), h1 = fmin (1, h1 + nz);
        l2 = fmax (0, l2 - nz), h2 = fmin (1, h2 + nz);
        lo_s [i] = l2;
        hi_s [i] = h2;
        bool small = s_small (c, risk [i]);
        s_push (c, time, s_real (c, q->breaks [i]));
        s_push (c, value, small? s_new (c, json_null ()): s_real (c, s));
        s_push (c, se, small? s_new (c, json_null ()): s_real (c, sd_s));
        s_push (c, nrisk, small? s_new (c, json_null ()): s_count (c, risk [i]));
        s_push (c, lo, small? s_new (c, json_null ()): s_real (c, l2));
        s_push (c, hi, small? s_new (c, json_null ()): s_real (c, h2));
        s_push (c, lo_log, small? s_new (c, json_null ()): s_real (c, l1));
        s_push (c, hi_log, small? s_new (c, json_null ()): s_real (c, h1));
        s_push (c, suppressed, s_new (c, json_boolean (small)));
    }
    s_set (c, r, "time", time);
    s_set (c, r, "value", value);
    s_set (c, r, "std_error", se);
    s_set (c, r, "n_risk", nrisk);
    s_set (c, r, "conf_low", lo);
    s_set (c, r, "conf_high", hi);
    s_set (c, r, "conf_low_log", lo_log);
    s_set (c, r, "conf_high_log", hi_log);
    if (!c->off)
        s_set (c, r, "suppressed", suppressed);
    else
        json_decref (suppressed);
    s_add (c, r);
    //  The median survival time, with the grid points where the log-log
    //  band crosses 0.5 as its interval (as R's quantile.survfit does with
    //  its own band).
    json_t *m = s_obj (c);
    s_set (c, m, "statistic", s_str (c, "median_survival"));
    s_set (c, m, "column", s_str (c, c->labels [0]));
    s_set (c, m, "group", s_str (c, label));
    s_set (c, m, "value", s_real (c, s_km_median (q->breaks, surv, k)));
    s_set (c, m, "conf_low", s_real (c, s_km_median (q->breaks, lo_s, k)));
    s_set (c, m, "conf_high", s_real (c, s_km_median (q->breaks, hi_s, k)));
    s_add (c, m);
}

//  The log-rank test between the groups (R's survdiff, rho = 0) on the
//  exits per bin; df = groups with records - 1.
static void
s_km_logrank (s_ctx_t *c, size_t groups, size_t bins)
{
    double *d = util_calloc (groups * bins, sizeof (double));
    double *e = util_calloc (groups * bins, sizeof (double));
    double *n = util_calloc (groups, sizeof (double));
    double *oe = util_calloc (groups, sizeof (double));
    double *v = util_calloc (groups * groups, sizeof (double));
    gsl_matrix *vm = NULL;
    gsl_vector *x = NULL, *y = NULL;
    gsl_permutation *perm = NULL;
    if (!d || !e || !n || !oe || !v) {
        c->nomem = true;
        goto done;
    }
    for (size_t g = 0; g < groups; g++)
        s_km_table (c, g, bins, d + g * bins, e + g * bins);
    for (size_t g = 0; g < groups; g++)
        for (size_t b = 0; b < bins; b++)
            n [g] += e [g * bins + b];
    for (size_t b = 0; b < bins; b++) {
        double nt = 0, dt = 0;
        for (size_t g = 0; g < groups; g++) {
            nt += n [g];
            dt += d [g * bins + b];
        }
        if (nt > 0 && dt > 0) {
            for (size_t g = 0; g < groups; g++) {
                oe [g] += d [g * bins + b] - n [g] * dt / nt;
                for (size_t h = 0; h < groups; h++)
                    v [g * groups + h] += nt > 1
                        ? n [g] / nt * ((g == h) - n [h] / nt) * dt * (nt - dt) / (nt - 1): 0;
            }
        }
        for (size_t g = 0; g < groups; g++) {
            n [g] -= e [g * bins + b];
            if (n [g] < 0)
                n [g] = 0;
        }
    }
    //  chi2 = (O - E)' V^- (O - E) over the first groups - 1 groups.
    size_t m = groups - 1;
    double chisq = NAN;
    if (m >= 1 && !util_alloc_fault ()) {
        vm = gsl_matrix_alloc (m, m);
        x = gsl_vector_alloc (m);
        y = gsl_vector_alloc (m);
        perm = gsl_permutation_alloc (m);
    }
    if (m >= 1 && (!vm || !x || !y || !perm)) {
        c->nomem = true;
        goto done;
    }
    if (m >= 1) {
        for (size_t g = 0; g < m; g++) {
            gsl_vector_set (y, g, oe [g]);
            for (size_t h = 0; h < m; h++)
                gsl_matrix_set (vm, g, h, v [g * groups + h]);
        }
        int sign;
        if (gsl_linalg_LU_decomp (vm, perm, &sign) == 0 && fabs (gsl_linalg_LU_det (vm, sign)) > 0
        &&  gsl_linalg_LU_solve (vm, perm, y, x) == 0) {
            gsl_blas_ddot (y, x, &chisq);
        }
    }
    json_t *r = s_obj (c);
    s_set (c, r, "statistic", s_str (c, "logrank"));
    s_set (c, r, "column", s_str (c, c->labels [0]));
    s_set (c, r, "chisq", s_real (c, chisq));
    s_set (c, r, "df", s_int (c, (long long) m));
    s_set (c, r, "p_value", s_real (c, isfinite (chisq)? gsl_cdf_chisq_Q (chisq, (double) m): NAN));
    if (!c->off)
        s_note (c, r, "The log-rank test is computed from the noisy exits per bin: under DP its "
                      "chi-squared carries the noise too, so read its p-value as approximate.");
    s_add (c, r);
done:
    free (d);
    free (e);
    free (n);
    free (oe);
    free (v);
    if (vm)
        gsl_matrix_free (vm);
    if (x)
        gsl_vector_free (x);
    if (y)
        gsl_vector_free (y);
    if (perm)
        gsl_permutation_free (perm);
}

static void
s_counts_km (s_ctx_t *c)
{
    const proto_query_t *q = c->q;
    size_t k = q->n_breaks, bins = k + 1;
    size_t groups = c->rel->groups;
    //  Scratch: the bootstrap draws, then one draw's table and curve.
    double *d = util_calloc (bins, sizeof (double)), *e = util_calloc (bins, sizeof (double));
    double *surv = util_calloc (k, sizeof (double)), *green = util_calloc (k, sizeof (double));
    double *risk = util_calloc (k, sizeof (double));
    double *draws = util_calloc (S_KM_DRAWS * k + k + 2 * bins + 3 * k, sizeof (double));
    char *by = q->by? proto_term_label (q->by): NULL;
    if (!d || !e || !surv || !green || !risk || !draws || (q->by && !by))
        c->nomem = true;
    else
        for (size_t g = 0; g < groups; g++) {
            char *label = q->by? util_asprintf ("%s=%s", by, q->by->levels [g])
                               : util_strdup ("all");
            if (!label) {
                c->nomem = true;
                break;
            }
            s_km_group (c, g, label, d, e, surv, green, risk, draws);
            free (label);
        }
    if (!c->nomem && groups > 1)
        s_km_logrank (c, groups, bins);
    json_t *none = NULL;
    if (!c->off)
        s_note (c, none, "Survival carries DP noise on the events and censorings of every bin: "
                         "std_error and the bands add the noise's spread (a parametric bootstrap) "
                         "to Greenwood's sampling variance; conf_low/conf_high are log-log bands, "
                         "conf_low_log/conf_high_log R's default log bands.");
    free (by);
    free (d);
    free (e);
    free (surv);
    free (green);
    free (risk);
    free (draws);
}

//  ---------------------------------------------------------------------------
//  glm(family=gaussian): least squares from one release of z z'
//  (proto/release.h), mapped back from [0, 1] to the data's units

#define S_GLM_DRAWS 200

//  The symmetric (P + 2) x (P + 2) matrix of the released upper triangle,
//  plus `noise` (n x n, or NULL).
static void
s_glm_matrix (const s_ctx_t *c, gsl_matrix *m, const gsl_matrix *noise)
{
    size_t n = m->size1, at = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++) {
            double v = s_value (c, at++) + (noise? gsl_matrix_get (noise, i, j): 0);
            gsl_matrix_set (m, i, j, v);
            gsl_matrix_set (m, j, i, v);
        }
}

//  Least squares in [0, 1] units from the matrix: beta (P + 1), and the
//  residual sum of squares. Under DP (floor > 0) the design block is first
//  made positive definite with its eigenvalues floored at `floor` (twice
//  the noise matrix's expected spectral norm, 2 sd sqrt(k), so that the
//  noise cannot make a direction look informative), which is
//  post-processing. 0, or -1 when the design is singular.
static int
s_glm_solve (const gsl_matrix *m, double floor_dp, gsl_vector *beta, gsl_matrix *inv,
             double *rss)
{
    size_t k = m->size1 - 1;
    double *a = util_calloc (k * k, sizeof (double)), *b = util_calloc (k, sizeof (double));
    int rc = -1;
    if (!a || !b)
        goto done;
    for (size_t i = 0; i < k; i++) {
        b [i] = gsl_matrix_get (m, i, k);
        for (size_t j = 0; j < k; j++)
            a [i * k + j] = gsl_matrix_get (m, i, j);
    }
    //  beta and inv are GSL's own allocations: contiguous, row-major.
    if ((floor_dp > 0 && coord_linalg_floor (a, k, floor_dp))
    ||  coord_linalg_solve (a, b, k, beta->data, inv? inv->data: NULL))
        goto done;
    double bty = 0;
    for (size_t i = 0; i < k; i++)
        bty += b [i] * gsl_vector_get (beta, i);
    *rss = gsl_matrix_get (m, k, k) - bty;
    rc = 0;
done:
    free (a);
    free (b);
    return rc;
}

//  beta in the data's units: T beta_u (+ the outcome's lower bound in the
//  intercept), with T from the public ranges.
static void
s_glm_scales (const s_ctx_t *c, double *lo, double *range, double *y_lo, double *y_range)
{
    const proto_query_t *q = c->q;
    size_t k = 1;
    lo [0] = 0;
    range [0] = 1;
    for (size_t j = 1; j < q->n_terms; j++) {
        const proto_term_t *t = q->terms [j];
        if (!t->categorical) {
            lo [k] = t->lo;
            range [k++] = t->hi > t->lo? t->hi - t->lo: 1;
        }
        else
            for (size_t l = 1; l < t->n_levels; l++) {
                lo [k] = 0;
                range [k++] = 1;
            }
    }
    *y_lo = q->terms [0]->lo;
    *y_range = q->terms [0]->hi > q->terms [0]->lo? q->terms [0]->hi - q->terms [0]->lo: 1;
}

static void
s_glm_transform (size_t k, const double *lo, const double *range, double y_lo, double y_range,
                 const gsl_vector *bu, double *beta)
{
    beta [0] = y_lo + y_range * gsl_vector_get (bu, 0);
    for (size_t j = 1; j < k; j++) {
        beta [j] = y_range * gsl_vector_get (bu, j) / range [j];
        beta [0] -= beta [j] * lo [j];
    }
}

static void
s_glm (s_ctx_t *c)
{
    const proto_query_t *q = c->q;
    size_t p = c->rel->columns, k = p + 1, n = p + 2;
    gsl_matrix *m = gsl_matrix_alloc (n, n), *inv = gsl_matrix_alloc (k, k);
    gsl_matrix *noise = gsl_matrix_calloc (n, n), *tm = gsl_matrix_calloc (k, k);
    gsl_matrix *cov = gsl_matrix_calloc (k, k), *tmp = gsl_matrix_calloc (k, k);
    gsl_vector *bu = gsl_vector_alloc (k), *bd = gsl_vector_alloc (k);
    double *lo = calloc (k, sizeof (double)), *range = calloc (k, sizeof (double));
    double *beta = calloc (k, sizeof (double)), *draw = calloc (k, sizeof (double));
    double *mean = calloc (k, sizeof (double)), *m2 = calloc (k * k, sizeof (double));
    char **names = calloc (k, sizeof (char *));
    if (util_alloc_fault () || !m || !inv || !noise || !tm || !cov || !tmp || !bu || !bd || !lo
    ||  !range || !beta || !draw || !mean || !m2 || !names) {
        c->nomem = true;
        goto done;
    }
    double y_lo, y_range, rss;
    s_glm_scales (c, lo, range, &y_lo, &y_range);
    s_glm_matrix (c, m, NULL);
    double count = gsl_matrix_get (m, 0, 0), sy = gsl_matrix_get (m, 0, n - 1);
    double syy = gsl_matrix_get (m, n - 1, n - 1);
    double df = count - (double) k;
    double floor_dp = c->off? 0: 2 * c->sd * sqrt ((double) k);
    if (!(df >= 1) || s_glm_solve (m, floor_dp, bu, inv, &rss)) {
        json_t *r = s_obj (c);
        s_set (c, r, "statistic", s_str (c, "error"));
        s_set (c, r, "value", s_str (c, !(df >= 1)? "glm(): no more records than coefficients"
                                       : "glm(): the design is singular (collinear columns, or "
                                         "a level no record has)"));
        s_add (c, r);
        goto done;
    }
    s_glm_transform (k, lo, range, y_lo, y_range, bu, beta);
    //  The transform's matrix: d beta / d beta_u.
    gsl_matrix_set (tm, 0, 0, y_range);
    for (size_t j = 1; j < k; j++) {
        gsl_matrix_set (tm, j, j, y_range / range [j]);
        gsl_matrix_set (tm, 0, j, -y_range * lo [j] / range [j]);
    }
    //  Sampling covariance (s^2 (X'X)^-1), then the noise's by a
    //  parametric bootstrap over it (post-processing).
    double s2 = fmax (rss, 0) / df;
    gsl_matrix_scale (inv, s2);
    gsl_blas_dgemm (CblasNoTrans, CblasNoTrans, 1, tm, inv, 0, tmp);
    gsl_blas_dgemm (CblasNoTrans, CblasTrans, 1, tmp, tm, 0, cov);
    if (!c->off) {
        size_t good = 0;
        for (size_t r = 0; r < S_GLM_DRAWS; r++) {
            for (size_t i = 0; i < n; i++)
                for (size_t j = i; j < n; j++)
                    gsl_matrix_set (noise, i, j, gsl_ran_gaussian (c->rng, c->sd));
            double rss_d;
            gsl_matrix *md = gsl_matrix_alloc (n, n);
            if (!md) {
                c->nomem = true;
                goto done;
            }
            s_glm_matrix (c, md, noise);
            if (s_glm_solve (md, floor_dp, bd, NULL, &rss_d) == 0) {
                s_glm_transform (k, lo, range, y_lo, y_range, bd, draw);
                for (size_t i = 0; i < k; i++) {
                    mean [i] += draw [i];
                    for (size_t j = 0; j < k; j++)
                        m2 [i * k + j] += draw [i] * draw [j];
                }
                good++;
            }
            gsl_matrix_free (md);
        }
        for (size_t i = 0; good > 1 && i < k; i++)
            for (size_t j = 0; j < k; j++) {
                double v = (m2 [i * k + j] - mean [i] * mean [j] / (double) good)
                         / (double) (good - 1);
                gsl_matrix_set (cov, i, j, gsl_matrix_get (cov, i, j) + v);
            }
    }
    //  Terms with R's names.
    names [0] = util_strdup ("(Intercept)");
    size_t at = 1;
    for (size_t j = 1; j < q->n_terms; j++) {
        const proto_term_t *t = q->terms [j];
        if (!t->categorical)
            names [at++] = util_strdup (c->labels [j]);
        else
            for (size_t l = 1; l < t->n_levels; l++)
                names [at++] = util_asprintf ("%s%s", c->labels [j], t->levels [l]);
    }
    double crit = gsl_cdf_tdist_Pinv (0.975, df);
    for (size_t j = 0; j < k; j++) {
        if (!names [j]) {
            c->nomem = true;
            goto done;
        }
        double se = sqrt (fmax (gsl_matrix_get (cov, j, j), 0));
        double t = beta [j] / se;
        json_t *r = s_obj (c);
        s_set (c, r, "statistic", s_str (c, "coefficient"));
        s_set (c, r, "term", s_str (c, names [j]));
        s_set (c, r, "estimate", s_real (c, beta [j]));
        s_set (c, r, "std_error", s_real (c, se));
        s_set (c, r, "t", s_real (c, t));
        s_set (c, r, "p_value", s_real (c, 2 * gsl_cdf_tdist_Q (fabs (t), df)));
        s_set (c, r, "conf_low", s_real (c, beta [j] - crit * se));
        s_set (c, r, "conf_high", s_real (c, beta [j] + crit * se));
        s_add (c, r);
    }
    double dev = y_range * y_range * fmax (rss, 0);
    double null_dev = y_range * y_range * (syy - sy * sy / count);
    const char *stats [] = { "deviance", "null_deviance", "df_residual", "aic", "iterations",
                             "n" };
    double values [] = { dev, null_dev, df,
                         count * (log (2 * M_PI * dev / count) + 1) + 2 * ((double) k + 1), 1,
                         count };
    for (int i = 0; i < 6; i++) {
        json_t *r = s_obj (c);
        s_set (c, r, "statistic", s_str (c, stats [i]));
        s_set (c, r, "value", s_real (c, values [i]));
        s_add (c, r);
    }
    if (!c->off && !(rss > 0))
        s_note (c, NULL, "The residual variance is not estimable at this privacy level (the noise "
                         "on y'y exceeds the residual sum of squares): the standard errors hold "
                         "the noise's spread only.");
    if (!c->off)
        s_note (c, NULL, "Coefficients carry DP noise on every released sum (X'X, X'y, y'y): "
                         "each std_error adds the noise's spread (a parametric bootstrap) to the "
                         "sampling variance, and the noisy X'X was made positive definite first.");
done:
    for (size_t j = 0; names && j < k; j++)
        free (names [j]);
    free (names);
    free (lo); free (range); free (beta); free (draw); free (mean); free (m2);
    if (m) gsl_matrix_free (m);
    if (inv) gsl_matrix_free (inv);
    if (noise) gsl_matrix_free (noise);
    if (tm) gsl_matrix_free (tm);
    if (cov) gsl_matrix_free (cov);
    if (tmp) gsl_matrix_free (tmp);
    if (bu) gsl_vector_free (bu);
    if (bd) gsl_vector_free (bd);
}

//  ---------------------------------------------------------------------------
//  Moments: mean, var, summary, correlation

//  Fieller's interval for A / B when both carry independent Gaussian noise
//  of sd s: the r with (A - r B)^2 <= z^2 s^2 (1 + r^2), which holds the
//  exact ratio with probability 95% (E. C. Fieller, "Some problems in
//  interval estimation", JRSS B 16, 1954). Within [0, 1], where a mean of
//  values mapped to [0, 1] is; all of it when the set is unbounded.
static void
s_fieller (double a, double b, double s, double *lo, double *hi)
{
    double zs2 = S_Z95 * S_Z95 * s * s, lead = b * b - zs2;
    *lo = 0;
    *hi = 1;
    if (!(lead > 0))
        return;
    double root = S_Z95 * s * sqrt (a * a + b * b - zs2);
    double r1 = (a * b - root) / lead, r2 = (a * b + root) / lead;
    *lo = r1 < 0? 0: r1 > 1? 1: r1;
    *hi = r2 < 0? 0: r2 > 1? 1: r2;
}

//  The sum of squared deviations s2 - s1^2 / n of n values in [0, 1].
//  Exact sums (privacy off) hold each value to 2^-52: a spread within the
//  rounding of its terms (n 2^-48) is that of a column that does not
//  vary, 0.
static double
s_spread_u (double n, double s1, double s2, bool exact)
{
    double d = s2 - s1 * s1 / n;
    return exact && fabs (d) <= ldexp (n, -48)? 0: d;
}

//  The sample variance of values in [0, 1] from n, their sum and their
//  sum of squares; NAN when n <= 1.
static double
s_var_u (double n, double s1, double s2, bool exact)
{
    return n > 1? s_spread_u (n, s1, s2, exact) / (n - 1): NAN;
}

//  The correlation from n, the two sums, sums of squares and the cross
//  product; NAN when a column has no spread.
static double
s_corr (double n, double sj, double sk, double sjj, double skk, double sjk, bool exact)
{
    double vj = n * s_spread_u (n, sj, sjj, exact), vk = n * s_spread_u (n, sk, skk, exact);
    if (!(vj > 0 && vk > 0))
        return NAN;
    return (n * sjk - sj * sk) / sqrt (vj * vk);
}

//  Entry offsets within a group of a moments release.
static size_t
s_pair_index (size_t m, size_t j, size_t k)
{
    //  Pairs j < k row by row: rows 0..j-1 hold m-1, m-2, ... pairs.
    return j * m - j * (j + 1) / 2 + (k - j - 1);
}

static void
s_moment_count (s_ctx_t *c, size_t g, const char *column, double n)
{
    json_t *r = s_result (c, "count", column, g);
    double pm = S_Z95 * c->sd;
    s_scalar (c, r, s_count (c, n), n - pm > 0? n - pm: 0, n + pm, s_small (c, n));
    s_note_counts (c, r, "Counts");
    s_add (c, r);
}

static void
s_mean (s_ctx_t *c, size_t g, size_t j, double n, double s1)
{
    const proto_term_t *term = c->q->terms [j];
    double range = term->hi - term->lo;
    json_t *r = s_result (c, "mean", c->labels [j], g);
    double u = n > 0? s1 / n: NAN, lo = 0, hi = 1;
    if (!c->off && isfinite (u))
        u = u < 0? 0: u > 1? 1: u;
    if (!c->off)
        s_fieller (s1, n, c->sd, &lo, &hi);
    s_scalar (c, r, s_real (c, term->lo + range * u), term->lo + range * lo,
              term->lo + range * hi, s_small (c, n));
    if (!c->off)
        s_note (c, r, "Means carry DP noise on both the count and the sum: each ci95 (Fieller's "
                      "interval for a ratio) covers the exact pooled mean with 95% probability.");
    if (!isfinite (u))
        s_note (c, NULL, "A mean needs at least one record: null where a group has none.");
    s_add (c, r);
}

//  var and sd of term j: `which` 1 var, 2 sd, 3 both (summary gives sd).
static void
s_spread (s_ctx_t *c, size_t g, size_t j, double n, double s1, double s2, int which,
          double *draws)
{
    const proto_term_t *term = c->q->terms [j];
    double range = term->hi - term->lo;
    double v = s_var_u (n, s1, s2, c->off);
    if (isfinite (v) && v < 0)
        v = 0;                  //  noise (or rounding) below zero spread
    double lo = 0, hi = 0.5;    //  a sample variance of values in [0, 1] is <= 1/2
    if (!c->off && isfinite (v)) {
        for (size_t b = 0; b < S_DRAWS; b++)
            draws [b] = s_var_u (n + gsl_ran_gaussian_ziggurat (c->rng, c->sd),
                                 s1 + gsl_ran_gaussian_ziggurat (c->rng, c->sd),
                                 s2 + gsl_ran_gaussian_ziggurat (c->rng, c->sd), false);
        s_basic (s_var_u (n, s1, s2, false), draws, S_DRAWS, 0, 0.5, &lo, &hi);
    }
    bool small = s_small (c, n);
    if (which & 1) {
        json_t *r = s_result (c, "var", c->labels [j], g);
        s_scalar (c, r, s_real (c, range * range * v), range * range * lo, range * range * hi,
                  small);
        if (!c->off)
            s_note (c, r, "Variances carry DP noise on three sums and can be far off when the "
                          "spread is small against the public range; each ci95 (a parametric "
                          "bootstrap over the noise) covers the exact pooled value with about "
                          "95% probability.");
        s_add (c, r);
    }
    if (which & 2) {
        json_t *r = s_result (c, "sd", c->labels [j], g);
        s_scalar (c, r, s_real (c, range * sqrt (v)), range * sqrt (lo), range * sqrt (hi),
                  small);
        if (!c->off)
            s_note (c, r, "Standard deviations carry DP noise on three sums and can be far off "
                          "when the spread is small against the public range; each ci95 (a "
                          "parametric bootstrap over the noise) covers the exact pooled value "
                          "with about 95% probability.");
        s_add (c, r);
    }
    if (!isfinite (v))
        s_note (c, NULL, "A variance or standard deviation needs two records: null where a "
                         "group has fewer.");
}

static void
s_correlation (s_ctx_t *c, size_t g, const double *e, double *draws, double *noisy)
{
    size_t m = c->q->n_terms, cells = c->rel->cells;
    const double *s = e + 1, *ss = e + 1 + m, *sx = e + 1 + 2 * m;
    double n = e [0];
    bool small = s_small (c, n), undefined = false, swamped = false;
    //  Bootstrap draws of every pair at once.
    if (!c->off)
        for (size_t b = 0; b < S_DRAWS; b++) {
            for (size_t i = 0; i < cells; i++)
                noisy [i] = e [i] + gsl_ran_gaussian_ziggurat (c->rng, c->sd);
            for (size_t j = 0; j < m; j++)
                for (size_t k = j + 1; k < m; k++) {
                    size_t p = s_pair_index (m, j, k);
                    draws [p * S_DRAWS + b] = s_corr (noisy [0], noisy [1 + j], noisy [1 + k],
                                                      noisy [1 + m + j], noisy [1 + m + k],
                                                      noisy [1 + 2 * m + p], false);
                }
        }
    json_t *r = s_result (c, "correlation", NULL, g);
    json_t *columns = s_arr (c), *values = s_arr (c), *ci = c->off? NULL: s_arr (c);
    for (size_t j = 0; j < m; j++) {
        s_push (c, columns, s_str (c, c->labels [j]));
        json_t *row = s_arr (c), *cirow = c->off? NULL: s_arr (c);
        for (size_t k = 0; k < m; k++) {
            double v = 1, lo = 1, hi = 1;
            if (j != k) {
                size_t a = j < k? j: k, b = j < k? k: j, p = s_pair_index (m, a, b);
                v = s_corr (n, s [a], s [b], ss [a], ss [b], sx [p], c->off);
                if (!c->off && isfinite (v))
                    v = v < -1? -1: v > 1? 1: v;
                undefined |= !isfinite (v);
                if (!c->off) {
                    s_basic (v, draws + p * S_DRAWS, S_DRAWS, -1, 1, &lo, &hi);
                    swamped |= lo <= -0.95 && hi >= 0.95;
                }
            }
            else
            if (!(n > 1))
                v = lo = hi = NAN;
            s_push (c, row, small? s_new (c, json_null ()): s_real (c, v));
            if (!c->off)
                s_push (c, cirow, small || !isfinite (v)? s_new (c, json_null ())
                                                       : s_pair (c, lo, hi));
        }
        s_push (c, values, row);
        if (!c->off)
            s_push (c, ci, cirow);
    }
    s_set (c, r, "columns", columns);
    s_set (c, r, "values", values);
    if (!c->off) {
        s_set (c, r, "ci95", ci);
        s_set (c, r, "suppressed", s_new (c, json_boolean (small)));
        s_note (c, r, "Correlations carry DP noise on the count, sums, squares and cross "
                      "products; each ci95 (a parametric bootstrap over the noise) covers the "
                      "exact pooled correlation with about 95% probability.");
    }
    if (undefined && !small)
        s_note (c, NULL, "A correlation with a column that does not vary is undefined: null.");
    if (swamped && !small)
        s_note (c, NULL, "At this epsilon the noise swamps some correlations: their 95% intervals "
                         "span nearly all of -1 to 1, so their values say next to nothing.");
    s_add (c, r);
}

static void
s_moments (s_ctx_t *c)
{
    const proto_query_t *q = c->q;
    size_t m = q->n_terms, cells = c->rel->cells, pairs = m * (m - 1) / 2;
    double *e = util_calloc (cells, sizeof (double)), *noisy = util_calloc (cells, sizeof (double));
    double *draws = util_calloc ((pairs? pairs: 1) * S_DRAWS, sizeof (double));
    if (!e || !noisy || !draws) {
        c->nomem = true;
        goto done;
    }
    for (size_t g = 0; g < c->rel->groups; g++) {
        for (size_t i = 0; i < cells; i++)
            e [i] = s_value (c, g * cells + i);
        double n = e [0];
        switch (q->kind) {
            case PROTO_Q_SUMMARY:
                for (size_t j = 0; j < m; j++) {
                    s_moment_count (c, g, c->labels [j], n);
                    s_mean (c, g, j, n, e [1 + j]);
                    s_spread (c, g, j, n, e [1 + j], e [1 + m + j], 2, draws);
                }
                break;
            case PROTO_Q_MEAN:
                s_moment_count (c, g, NULL, n);
                for (size_t j = 0; j < m; j++)
                    s_mean (c, g, j, n, e [1 + j]);
                break;
            case PROTO_Q_VAR:
                s_moment_count (c, g, NULL, n);
                for (size_t j = 0; j < m; j++)
                    s_spread (c, g, j, n, e [1 + j], e [1 + m + j], 1, draws);
                break;
            default:
                s_moment_count (c, g, NULL, n);
                s_correlation (c, g, e, draws, noisy);
                break;
        }
    }
done:
    free (e);
    free (noisy);
    free (draws);
}

//  ---------------------------------------------------------------------------
//  The report

//  FNV-1a over the released vector and the query text: the bootstrap's
//  seed, so that a report follows from its release.
static unsigned long
s_seed (const proto_release_t *rel, const int64_t *sum, size_t dim)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < dim; i++)
        for (int b = 0; b < 8; b++) {
            h ^= (uint64_t) ((uint64_t) sum [i] >> (8 * b)) & 0xff;
            h *= 1099511628211ULL;
        }
    for (const char *p = rel->query->text; p && *p; p++) {
        h ^= (unsigned char) *p;
        h *= 1099511628211ULL;
    }
    return (unsigned long) h;
}

static json_t *
s_privacy (s_ctx_t *c, unsigned contributors)
{
    const proto_release_t *rel = c->rel;
    json_t *p = s_obj (c);
    s_set (c, p, "epsilon", c->off? s_new (c, json_null ()): s_real (c, rel->epsilon_spent));
    s_set (c, p, "delta", c->off? s_new (c, json_null ()): s_real (c, rel->delta));
    s_set (c, p, "target_epsilon", c->off? s_new (c, json_null ()): s_real (c, rel->epsilon));
    s_set (c, p, "unit", s_str (c, "record"));
    s_set (c, p, "neighbouring", s_str (c, "add/remove one record at one site"));
    s_set (c, p, "not_private", s_new (c, json_boolean (c->off)));
    s_set (c, p, "noise_sd", s_real (c, c->sd));
    s_set (c, p, "sites", s_int (c, contributors));
    s_set (c, p, "min_cell", c->suppress? s_real (c, c->min_cell): s_new (c, json_null ()));
    return p;
}

static json_t *
s_left_out (s_ctx_t *c)
{
    double sd = c->sd;
    double n = c->fit? coord_fit_left_out (c->fit, &sd): s_value (c, c->rel->entries - 1);
    double pm = S_Z95 * sd;
    json_t *r = s_obj (c);
    bool small = s_small (c, n);
    s_scalar (c, r, s_count (c, n), n - pm > 0? n - pm: 0, n + pm, small);
    if (c->off)
        s_note_free (c, NULL, util_asprintf ("%.0f records were left out: a variable the query "
                                             "reads is missing there (R's na.omit), or a value "
                                             "falls outside cut()'s or the histogram's breaks.",
                                             n));
    else
    if (!small)
        s_note_free (c, NULL, util_asprintf ("About %.0f records (a noisy count) were left out: "
                                             "a variable the query reads is missing there (R's "
                                             "na.omit), or a value falls outside cut()'s or the "
                                             "histogram's breaks.", n > 0? round (n): 0));
    return r;
}

json_t *
coord_query_results (const proto_release_t *rel, const int64_t *sum, unsigned contributors,
                     const coord_query_options_t *options)
{
    if (!rel || !rel->query || !sum)
        return util_error_null (UTIL_EINPUT, "query results: no release or no sum");
    if (contributors < 1 || contributors > PROTO_MAX_PARTIES)
        return util_error_null (UTIL_EINPUT, "query results: %u contributing sites is not in "
                                "1..%d", contributors, PROTO_MAX_PARTIES);
    model_init ();                      //  GSL reports, never aborts
    const proto_query_t *q = rel->query;
    s_ctx_t c = {
        .rel = rel, .q = q, .sum = sum, .off = rel->off,
        .sd = proto_release_noise_sd (rel, contributors),
        .min_cell = options && options->min_cell? options->min_cell
                                                : COORD_QUERY_MIN_CELL_DEFAULT,
        .suppress = !rel->off && !(options && options->no_suppression),
        .fit = options? options->fit: NULL
    };
    json_t *top = NULL;
    char *by = NULL;
    if (!(c.labels = util_calloc (q->n_terms? q->n_terms: 1, sizeof (char *))))
        goto fail;
    for (size_t j = 0; j < q->n_terms; j++)
        if (!(c.labels [j] = proto_term_label (q->terms [j])))
            goto fail;
    if (q->by && !(by = proto_term_label (q->by)))
        goto fail;
    if (!c.off) {
        if (util_alloc_fault () || !(c.rng = gsl_rng_alloc (gsl_rng_mt19937))) {
            util_error (UTIL_ENOMEM, "query results: out of memory (a random generator)");
            goto fail;
        }
        //  An iterative fit's last round may be a shorter STEP vector.
        gsl_rng_set (c.rng, s_seed (rel, sum, c.fit? coord_fit_last_dim (c.fit): rel->dim));
    }
    top = s_obj (&c);
    c.results = s_arr (&c);
    c.notes = s_arr (&c);
    if (c.off)
        s_note (&c, NULL, "NOT PRIVATE: privacy was off, so every figure is exact and carries "
                          "no privacy guarantee (development and validation only).");
    s_set (&c, top, "query", s_str (&c, q->text));
    s_set (&c, top, "dataset", s_str (&c, options? options->dataset: NULL));
    s_set (&c, top, "kind", s_str (&c, proto_query_kind_name (q->kind)));
    s_set (&c, top, "by", s_str (&c, by));
    s_set (&c, top, "privacy", s_privacy (&c, contributors));
    s_set (&c, top, "left_out", s_left_out (&c));
    s_note_suppression (&c);
    switch (q->kind) {
        case PROTO_Q_COUNT:       s_counts_count (&c); break;
        case PROTO_Q_HISTOGRAM:   s_counts_histogram (&c); break;
        case PROTO_Q_CROSSTAB:    s_counts_crosstab (&c); break;
        case PROTO_Q_QUANTILES:   s_counts_quantiles (&c); break;
        case PROTO_Q_KM:          s_counts_km (&c); break;
        case PROTO_Q_GLM:
        case PROTO_Q_COX:
            if (!proto_fit_is (rel))
                s_glm (&c);
            else
            if (!options || !options->fit) {
                util_error (UTIL_EINPUT, "query results: a fit without its state");
                goto fail;
            }
            else
            if (coord_fit_report (options->fit, c.labels, c.rng, c.results, c.notes))
                c.nomem = true;
            break;
        default:                  s_moments (&c); break;
    }
    s_set (&c, top, "results", json_incref (c.results));
    s_set (&c, top, "notes", json_incref (c.notes));
    if (c.nomem)
        goto fail;
    goto done;
fail:
    if (c.nomem || util_last_code () == UTIL_ENOMEM)
        util_error (UTIL_ENOMEM, "query results: out of memory");
    json_decref (top);
    top = NULL;
done:
    json_decref (c.results);
    json_decref (c.notes);
    for (size_t j = 0; c.labels && j < q->n_terms; j++)
        free (c.labels [j]);
    free (c.labels);
    free (by);
    if (c.rng)
        gsl_rng_free (c.rng);
    return top;
}
