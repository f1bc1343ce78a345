/*  coordinator/chart.c - the inline SVG charts of the HTML report: metrics,
    epsilon and participation per round (docs/report.md). Every string from
    the report is escaped; a chart without data says why instead. */
#include "render_internal.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define S_CHART_W     720
#define S_CHART_H     220
#define S_PAD_L       56
#define S_PAD_R       110
#define S_PAD_T       16
#define S_PAD_B       36

static const char *s_colors [] = { "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                   "#8c564b", "#e377c2", "#7f7f7f" };
#define S_COLORS (sizeof s_colors / sizeof s_colors [0])

//  A chart maps rounds x in [x_lo, x_hi] and values y in [y_lo, y_hi] onto
//  the plot area; the y axis gets 4 equal steps.
typedef struct {
    double x_lo, x_hi, y_lo, y_hi;
} s_axes_t;

//  The smallest "round" step (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of
//  ten) at least `raw`, so that tick labels stay short.
static double
s_nice_step (double raw)
{
    static const double mult [] = { 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 };
    if (!(raw > 0))
        return 1;
    double p = pow (10, floor (log10 (raw)));
    for (size_t i = 0; i < sizeof mult / sizeof mult [0]; i++)
        if (mult [i] * p >= raw * (1 - 1e-12))
            return mult [i] * p;
    return 10 * p;
}

//  Widens [y_lo, y_hi] to 4 round steps from y_lo (integer steps if `whole`).
static void
s_nice_y (s_axes_t *a, bool whole)
{
    double step = s_nice_step ((a->y_hi - a->y_lo) / 4);
    if (whole && step < 1)
        step = 1;
    if (whole)
        step = ceil (step);
    a->y_hi = a->y_lo + 4 * step;
}

static double
s_px (const s_axes_t *a, double x)
{
    double span = a->x_hi > a->x_lo? a->x_hi - a->x_lo: 1;
    return S_PAD_L + (x - a->x_lo) / span * (S_CHART_W - S_PAD_L - S_PAD_R);
}

static double
s_py (const s_axes_t *a, double y)
{
    double span = a->y_hi > a->y_lo? a->y_hi - a->y_lo: 1;
    return S_CHART_H - S_PAD_B - (y - a->y_lo) / span * (S_CHART_H - S_PAD_T - S_PAD_B);
}

//  The frame, the value grid and the axis labels; the round ticks are
//  s_round_ticks (or the chart's own).
static void
s_chart_open (FILE *out, const char *title, const char *ylabel, const s_axes_t *a)
{
    fprintf (out, "<figure><figcaption>%s</figcaption>\n"
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                  "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\">\n",
             title, S_CHART_W, S_CHART_H, S_CHART_W, S_CHART_H, title);
    fprintf (out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" "
                  "stroke=\"#bbb\"/>\n", S_PAD_L, S_PAD_T, S_CHART_W - S_PAD_L - S_PAD_R,
             S_CHART_H - S_PAD_T - S_PAD_B);
    for (int k = 0; k <= 4; k++) {
        double y = a->y_lo + (a->y_hi - a->y_lo) * k / 4;
        double py = s_py (a, y);
        fprintf (out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
                      "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%.3g</text>\n",
                 S_PAD_L, py, S_CHART_W - S_PAD_R, py, S_PAD_L - 6, py + 4, y);
    }
    fprintf (out, "<text x=\"%d\" y=\"%d\" class=\"axis\" text-anchor=\"middle\">round</text>\n"
                  "<text x=\"14\" y=\"%d\" class=\"axis\" text-anchor=\"middle\" "
                  "transform=\"rotate(-90 14 %d)\">%s</text>\n",
             (S_CHART_W - S_PAD_R + S_PAD_L) / 2, S_CHART_H - 4, S_CHART_H / 2, S_CHART_H / 2,
             ylabel);
}

static void
s_tick (FILE *out, const s_axes_t *a, double x)
{
    fprintf (out, "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%.0f</text>\n",
             s_px (a, x), S_CHART_H - S_PAD_B + 16, x);
}

//  Round ticks: first and last round and up to three between.
static void
s_round_ticks (FILE *out, const s_axes_t *a)
{
    double first = ceil (a->x_lo), last = floor (a->x_hi);
    int ticks = last - first + 1 < 5? (int) (last - first + 1): 5;
    for (int k = 0; k < ticks; k++) {
        double x = ticks > 1? first + (last - first) * k / (ticks - 1): first;
        s_tick (out, a, floor (x + 0.5));
    }
}

static void
s_chart_close (FILE *out)
{
    fputs ("</svg></figure>\n", out);
}

static void
s_no_data (FILE *out, const char *title, const char *why)
{
    fprintf (out, "<figure><figcaption>%s</figcaption><p class=\"missing\">%s</p></figure>\n",
             title, why);
}

//  The largest round number (or the count of rounds when none is numbered).
static double
s_last_round (const json_t *rounds)
{
    double last = 1, r;
    size_t i;
    json_t *e;
    json_array_foreach (rounds, i, e)
        if (coord_render_num (e, "round", &r) && r > last)
            last = r;
    return last;
}

//  An evaluation round: a numbered round whose metrics hold a number for
//  one of the charted names.
static bool
s_evaluated (const json_t *e, const char **names, size_t n_names, double *round)
{
    json_t *m = json_object_get (e, "metrics");
    double v;
    if (!coord_render_num (e, "round", round))
        return false;
    for (size_t j = 0; j < n_names; j++)
        if (coord_render_num (m, names [j], &v))
            return true;
    return false;
}

//  Rounds up to this many evaluations get a tick each.
#define S_EVAL_TICKS  12

void
coord_chart_metrics (FILE *out, const json_t *report, const char **all, size_t n_all)
{
    const char *title = "Evaluation metrics per round";
    //  Interval bounds (auc_low_90, auc_high_90) are drawn as a bar on
    //  their metric's points, not as lines of their own; an interval's
    //  width (auc_interval_width) is not a metric to plot either.
    const char *names [64];
    size_t n_names = 0;
    for (size_t j = 0; j < n_all && n_names < 64; j++) {
        size_t len = strlen (all [j]), tail = strlen ("_interval_width");
        bool width = len > tail && strcmp (all [j] + len - tail, "_interval_width") == 0;
        if (!width && !coord_render_bound (all [j], NULL, NULL, NULL))
            names [n_names++] = all [j];
    }
    json_t *rounds = json_object_get (report, "rounds");
    s_axes_t a = { 1, s_last_round (rounds), 0, 1 };
    size_t evals = 0;
    double first = 0, last = 0;
    bool gaps = false;
    size_t i;
    json_t *e;
    json_array_foreach (rounds, i, e) {
        json_t *m = json_object_get (e, "metrics");
        double v, r, lo, hi;
        unsigned level;
        if (!s_evaluated (e, names, n_names, &r))
            continue;
        if (evals++ == 0)
            first = r;
        last = r;
        for (size_t j = 0; j < n_names; j++) {
            if (!coord_render_num (m, names [j], &v)) {
                gaps = true;
                continue;
            }
            if (coord_render_interval (m, names [j], &lo, &hi, &level)) {
                v = lo < v? lo: v;
                a.y_hi = hi > a.y_hi? ceil (hi): a.y_hi;
            }
            if (v > a.y_hi)
                a.y_hi = ceil (v);
            if (v < a.y_lo)
                a.y_lo = floor (v);
        }
    }
    if (evals == 0) {
        s_no_data (out, title, "No evaluation round reported metrics.");
        return;
    }
    //  One evaluation is a column of points in the middle, not a lone
    //  point at the right edge of the study's rounds.
    if (evals == 1) {
        a.x_lo = first - 1;
        a.x_hi = first + 1;
    }
    s_nice_y (&a, false);
    s_chart_open (out, title, "value", &a);
    if (evals <= S_EVAL_TICKS)
        json_array_foreach (rounds, i, e) {
            double r;
            if (s_evaluated (e, names, n_names, &r))
                s_tick (out, &a, r);
        }
    else
        s_round_ticks (out, &a);
    for (size_t j = 0; j < n_names; j++) {
        const char *color = s_colors [j % S_COLORS];
        //  The line breaks where a round has no value for the metric (an
        //  AUC left out because a noisy histogram lost a label).
        fprintf (out, "<path class=\"metric-line\" fill=\"none\" stroke=\"%s\" "
                      "stroke-width=\"2\" d=\"", color);
        char move = 'M';
        json_array_foreach (rounds, i, e) {
            double v, r;
            if (!s_evaluated (e, names, n_names, &r))
                continue;
            if (!coord_render_num (json_object_get (e, "metrics"), names [j], &v)) {
                move = 'M';
                continue;
            }
            fprintf (out, "%c%.1f %.1f", move, s_px (&a, r), s_py (&a, v));
            move = 'L';
        }
        fputs ("\"/>\n", out);
        json_array_foreach (rounds, i, e) {
            double lo, hi, r;
            unsigned level;
            json_t *m = json_object_get (e, "metrics");
            if (!coord_render_num (e, "round", &r)
            ||  !coord_render_interval (m, names [j], &lo, &hi, &level))
                continue;
            fprintf (out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                          "stroke-width=\"1.5\"><title>", s_px (&a, r), s_py (&a, lo),
                     s_px (&a, r), s_py (&a, hi), color);
            coord_render_esc (out, names [j]);
            fprintf (out, " %u%% interval %.3f to %.3f at round %.0f</title></line>\n",
                     level, lo, hi, r);
        }
        json_array_foreach (rounds, i, e) {
            double v, r;
            if (coord_render_num (e, "round", &r) && coord_render_num (json_object_get (e, "metrics"), names [j], &v)) {
                fprintf (out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>",
                         s_px (&a, r), s_py (&a, v), color);
                coord_render_esc (out, names [j]);
                fprintf (out, " %.4g at round %.0f</title></circle>\n", v, r);
            }
        }
        //  Legend, in the right margin.
        double lx = S_CHART_W - S_PAD_R + 10, ly = S_PAD_T + 14 + 16 * (double) j;
        fprintf (out, "<rect x=\"%.0f\" y=\"%.0f\" width=\"12\" height=\"4\" fill=\"%s\"/>"
                      "<text x=\"%.0f\" y=\"%.0f\" class=\"legend\">", lx, ly - 4, color,
                 lx + 18, ly);
        coord_render_esc (out, names [j]);
        fputs ("</text>\n", out);
    }
    fputs ("</svg>\n", out);
    if (evals == 1)
        fprintf (out, "<p class=\"chart-note\">The study evaluated its model once, in round %.0f, "
                      "so each metric is one point and there is no curve over the rounds. A "
                      "study with <code>eval_every</code> = K (<code>--eval-every K</code> for "
                      "<code>cohort simulate</code>) evaluates every K training steps; each "
                      "evaluation spends part of &#949;.</p>\n", first);
    else
        fprintf (out, "<p class=\"chart-note\">%zu evaluation rounds, from round %.0f to "
                      "round %.0f%s.</p>\n", evals, first, last,
                 gaps? "; a gap in a line is a round that did not report that metric": "");
    fputs ("</figure>\n", out);
}

void
coord_chart_epsilon (FILE *out, const json_t *report)
{
    const char *title = "Privacy spent: cumulative &#949; after each round";
    json_t *rounds = json_object_get (report, "rounds");
    json_t *privacy = json_object_get (report, "privacy");
    s_axes_t a = { 1, s_last_round (rounds), 0, 0 };
    double target = 0, v, r;
    bool has_target = coord_render_num (privacy, "target_epsilon", &target) && target > 0;
    if (has_target)
        a.y_hi = target;
    size_t points = 0, i;
    json_t *e;
    json_array_foreach (rounds, i, e)
        if (coord_render_num (e, "round", &r) && coord_render_num (e, "epsilon_spent", &v)) {
            points++;
            if (v > a.y_hi)
                a.y_hi = v;
        }
    if (points == 0) {
        s_no_data (out, title, "No round reported the privacy spent.");
        return;
    }
    if (a.y_hi <= 0)
        a.y_hi = 1;
    s_nice_y (&a, false);
    s_chart_open (out, title, "&#949;", &a);
    s_round_ticks (out, &a);
    if (has_target)
        fprintf (out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#d62728\" "
                      "stroke-dasharray=\"6 4\"/><text x=\"%d\" y=\"%.1f\" class=\"legend\" "
                      "fill=\"#d62728\">target</text><text x=\"%d\" y=\"%.1f\" "
                      "class=\"legend\" fill=\"#d62728\">&#949; = %.4g</text>\n",
                 S_PAD_L, s_py (&a, target), S_CHART_W - S_PAD_R, s_py (&a, target),
                 S_CHART_W - S_PAD_R + 10, s_py (&a, target) - 2,
                 S_CHART_W - S_PAD_R + 10, s_py (&a, target) + 12, target);
    fputs ("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"", out);
    json_array_foreach (rounds, i, e)
        if (coord_render_num (e, "round", &r) && coord_render_num (e, "epsilon_spent", &v))
            fprintf (out, "%.1f,%.1f ", s_px (&a, r), s_py (&a, v));
    fputs ("\"/>\n", out);
    json_array_foreach (rounds, i, e)
        if (coord_render_num (e, "round", &r) && coord_render_num (e, "epsilon_spent", &v))
            fprintf (out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"#1f77b4\">"
                          "<title>&#949; %.4g after round %.0f</title></circle>\n",
                     s_px (&a, r), s_py (&a, v), v, r);
    s_chart_close (out);
}

void
coord_chart_participation (FILE *out, const json_t *report)
{
    const char *title = "Participation: sites contributing to each round";
    json_t *rounds = json_object_get (report, "rounds");
    json_t *study = json_object_get (report, "study");
    double threshold = 0, v, r;
    bool has_threshold = coord_render_num (study, "threshold", &threshold);
    double sites = (double) json_array_size (json_object_get (study, "sites"));
    //  Bars are centred on their round: half a round of room at each end.
    double last = s_last_round (rounds);
    s_axes_t a = { 0.5, last + 0.5, 0, sites > threshold? sites: threshold };
    size_t points = 0, i;
    json_t *e;
    json_array_foreach (rounds, i, e)
        if (coord_render_num (e, "round", &r)) {
            points++;
            if (coord_render_num (e, "sites_contributed", &v) && v > a.y_hi)
                a.y_hi = v;
        }
    if (points == 0) {
        s_no_data (out, title, "No rounds were run.");
        return;
    }
    if (a.y_hi < 1)
        a.y_hi = 1;
    s_nice_y (&a, true);
    s_chart_open (out, title, "sites", &a);
    s_round_ticks (out, &a);
    //  One bar per round; failed rounds in red.
    double plot_w = S_CHART_W - S_PAD_L - S_PAD_R;
    double bar = plot_w / last * 0.8;
    if (bar > 24)
        bar = 24;
    if (bar < 1)
        bar = 1;
    json_array_foreach (rounds, i, e) {
        if (!coord_render_num (e, "round", &r))
            continue;
        if (!coord_render_num (e, "sites_contributed", &v))
            v = 0;
        const char *status = coord_render_str (e, "status");
        bool failed = status && strcmp (status, "ok") != 0;
        double x = s_px (&a, r) - bar / 2, y = s_py (&a, v);
        fprintf (out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                      "<title>round %.0f: %.0f sites, ", x, y, bar, s_py (&a, 0) - y,
                 failed? "#d62728": "#2ca02c", r, v);
        coord_render_esc (out, status? status: "status not stated");
        fputs ("</title></rect>\n", out);
        if (failed)
            fprintf (out, "<text x=\"%.1f\" y=\"%.1f\" class=\"fail\" text-anchor=\"middle\">"
                          "&#10007;</text>\n", s_px (&a, r), y - 4);
    }
    if (has_threshold)
        fprintf (out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#444\" "
                      "stroke-dasharray=\"6 4\"/><text x=\"%d\" y=\"%.1f\" class=\"legend\">"
                      "threshold</text><text x=\"%d\" y=\"%.1f\" class=\"legend\">"
                      "t = %.0f</text>\n",
                 S_PAD_L, s_py (&a, threshold), S_CHART_W - S_PAD_R, s_py (&a, threshold),
                 S_CHART_W - S_PAD_R + 10, s_py (&a, threshold) - 2,
                 S_CHART_W - S_PAD_R + 10, s_py (&a, threshold) + 12, threshold);
    s_chart_close (out);
}
