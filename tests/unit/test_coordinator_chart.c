/*  Unit tests for coordinator/chart.c: each SVG chart draws the rounds it is
    given, escapes metric names, and says why when there is nothing to draw. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "coordinator/render_internal.h"

typedef void (chart_fn) (FILE *out, const json_t *report);

static char *
s_draw (chart_fn *fn, const json_t *report)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&buf, &len);
    assert_non_null (f);
    fn (f, report);
    fclose (f);
    return buf;
}

static json_t *
s_report (void)
{
    return json_pack ("{s:{s:f}, s:[{s:i, s:f, s:i, s:{s:f, s:f}},"
                      "      {s:i, s:f, s:i, s:{s:f, s:f}},"
                      "      {s:i, s:f, s:i, s:s}]}",
        "privacy", "target_epsilon", 1.0,
        "rounds",
        "round", 1, "epsilon_spent", 0.3, "sites_contributed", 3,
            "metrics", "auc", 0.9, "<b>", 0.5,
        "round", 2, "epsilon_spent", 0.6, "sites_contributed", 2,
            "metrics", "auc", 0.95, "<b>", 0.4,
        "round", 3, "epsilon_spent", 0.9, "sites_contributed", 3, "status", "ok");
}

static void
s_metrics_all (FILE *out, const json_t *report)
{
    const char *names [] = { "auc", "<b>" };
    coord_chart_metrics (out, report, names, 2);
}

static void
test_charts_draw (void **state)
{
    (void) state;
    json_t *r = s_report ();
    char *svg = s_draw (s_metrics_all, r);
    assert_non_null (strstr (svg, "<svg"));
    assert_non_null (strstr (svg, "class=\"metric-line\""));
    assert_non_null (strstr (svg, "&lt;b&gt;"));       //  escaped metric name
    assert_null (strstr (svg, "<b>"));
    //  Two evaluation rounds: a line each, a tick at each, and the words.
    assert_non_null (strstr (svg, "2 evaluation rounds, from round 1 to round 2."));
    assert_non_null (strstr (svg, "class=\"tick\" text-anchor=\"middle\">1</text>"));
    assert_non_null (strstr (svg, "class=\"tick\" text-anchor=\"middle\">2</text>"));
    assert_null (strstr (svg, "class=\"tick\" text-anchor=\"middle\">3</text>"));
    assert_null (strstr (svg, "evaluated its model once"));
    free (svg);
    svg = s_draw (coord_chart_epsilon, r);
    assert_non_null (strstr (svg, "<svg"));
    assert_null (strstr (svg, "No round"));
    //  Each round's epsilon is a mark with its figure.
    assert_non_null (strstr (svg, "<title>&#949; 0.6 after round 2</title></circle>"));
    free (svg);
    svg = s_draw (coord_chart_participation, r);
    assert_non_null (strstr (svg, "<svg"));
    free (svg);
    json_decref (r);
}

//  The AUC interval is a bar on each AUC point with one, not a line or a
//  legend entry of its own.
static void
s_metrics_interval (FILE *out, const json_t *report)
{
    const char *names [] = { "auc", "auc_low_90", "auc_high_90" };
    coord_chart_metrics (out, report, names, 3);
}

static void
test_chart_auc_interval (void **state)
{
    (void) state;
    json_t *r = s_report ();
    json_t *m = json_object_get (json_array_get (json_object_get (r, "rounds"), 1), "metrics");
    json_object_set_new (m, "auc_low_90", json_real (0.8));
    json_object_set_new (m, "auc_high_90", json_real (1.0));
    char *svg = s_draw (s_metrics_interval, r);
    assert_non_null (strstr (svg, "<title>auc 90% interval 0.800 to 1.000 at round 2</title>"));
    assert_non_null (strstr (svg, "<title>auc 0.95 at round 2</title>"));
    assert_null (strstr (svg, "interval 0.800 to 1.000 at round 1"));
    assert_null (strstr (svg, ">auc_low_90<"));
    assert_null (strstr (svg, "auc_high_90"));
    size_t lines = 0;
    for (const char *at = svg; (at = strstr (at, "class=\"metric-line\"")); at++)
        lines++;
    assert_int_equal (lines, 1);
    free (svg);
    json_decref (r);
}

//  A study that evaluated once (eval_every 0): the points stand in the
//  middle of the plot, at their round, and the chart says why there is no
//  curve.
static void
test_chart_one_evaluation (void **state)
{
    (void) state;
    json_t *r = s_report ();
    json_t *rounds = json_object_get (r, "rounds");
    json_object_del (json_array_get (rounds, 0), "metrics");
    char *svg = s_draw (s_metrics_interval, r);
    assert_non_null (strstr (svg, "The study evaluated its model once, in round 2, so each "
                                  "metric is one point"));
    assert_null (strstr (svg, "evaluation rounds, from"));
    //  The plot runs from x 56 to 610: its middle is 333.
    assert_non_null (strstr (svg, "<circle cx=\"333.0\""));
    assert_non_null (strstr (svg, "class=\"tick\" text-anchor=\"middle\">2</text>"));
    assert_null (strstr (svg, "class=\"tick\" text-anchor=\"middle\">1</text>"));
    free (svg);
    json_decref (r);
}

//  The moves (M) and line steps (L) of the first metric line's path.
//  (Not inlined: GCC 12 takes a pointer into a memstream buffer for one to
//  the stack variable that held it, -Wdangling-pointer.)
static void __attribute__ ((noinline))
s_path_commands (const char *svg, size_t *moves, size_t *steps)
{
    const char *line = strstr (svg, "class=\"metric-line\"");
    assert_non_null (line);
    const char *d = strstr (line, " d=\"");
    assert_non_null (d);
    for (const char *c = d + 4; *c && *c != '"'; c++) {
        *moves += *c == 'M';
        *steps += *c == 'L';
    }
}

//  A round without one of the metrics breaks that metric's line (a new
//  subpath), and the chart says what a gap is.
static void
test_chart_gap (void **state)
{
    (void) state;
    json_t *r = s_report ();
    json_t *rounds = json_object_get (r, "rounds");
    json_array_append_new (rounds, json_pack ("{s:i, s:{s:f, s:f}}", "round", 4, "metrics",
                                              "auc", 0.97, "<b>", 0.3));
    json_object_set_new (json_object_get (json_array_get (rounds, 1), "metrics"), "auc",
                         json_null ());
    char *svg = s_draw (s_metrics_all, r);
    assert_non_null (strstr (svg, "3 evaluation rounds, from round 1 to round 4; a gap in a "
                                  "line is a round that did not report that metric."));
    size_t moves = 0, steps = 0;
    s_path_commands (svg, &moves, &steps);
    assert_int_equal (moves, 2);        //  auc: round 1, then round 4 alone
    assert_int_equal (steps, 0);
    free (svg);
    json_decref (r);
}

//  Interval bounds by name: <base>_low_<level> and <base>_high_<level>,
//  level 1..99; and the pair beside a metric.
static void
test_interval_names (void **state)
{
    (void) state;
    size_t base = 0;
    bool high = true;
    unsigned level = 0;
    assert_true (coord_render_bound ("auc_low_90", &base, &high, &level));
    assert_true (base == 3 && !high && level == 90);
    assert_true (coord_render_bound ("log_loss_high_5", &base, &high, &level));
    assert_true (base == 8 && high && level == 5);
    assert_true (coord_render_bound ("a_low_99", NULL, NULL, NULL));
    assert_false (coord_render_bound ("auc_low_100", NULL, NULL, NULL));
    assert_false (coord_render_bound ("auc_low_0", NULL, NULL, NULL));
    assert_false (coord_render_bound ("auc_low_09", NULL, NULL, NULL));
    assert_false (coord_render_bound ("auc_low_9x", NULL, NULL, NULL));
    assert_false (coord_render_bound ("auc_low_", NULL, NULL, NULL));
    assert_false (coord_render_bound ("_low_90", NULL, NULL, NULL));
    assert_false (coord_render_bound ("low_90", NULL, NULL, NULL));
    assert_false (coord_render_bound ("auc_mid_90", NULL, NULL, NULL));
    assert_false (coord_render_bound ("auc", NULL, NULL, NULL));
    assert_false (coord_render_bound ("log_loss", NULL, NULL, NULL));

    json_t *m = json_pack ("{s:f, s:f, s:f, s:f, s:f, s:s}", "auc", 0.9, "auc_low_90", 0.6,
                           "auc_high_90", 1.0, "brier_low_95", 0.3, "brier_high_95", 0.1,
                           "acc_low_90", "x");
    double lo = -1, hi = -1;
    assert_true (coord_render_interval (m, "auc", &lo, &hi, &level));
    assert_true (lo == 0.6 && hi == 1.0 && level == 90);
    lo = hi = -1;
    assert_false (coord_render_interval (m, "brier", &lo, &hi, &level));     //  lo > hi
    assert_false (coord_render_interval (m, "acc", &lo, &hi, &level));       //  not numbers
    assert_false (coord_render_interval (m, "au", &lo, &hi, &level));
    assert_false (coord_render_interval (m, "accuracy", &lo, &hi, &level));
    assert_true (lo == -1 && hi == -1);
    json_decref (m);
}

static void
test_charts_without_data (void **state)
{
    (void) state;
    json_t *r = json_pack ("{s:[]}", "rounds");
    char *svg = s_draw (s_metrics_all, r);
    assert_non_null (strstr (svg, "No evaluation round reported metrics."));
    assert_null (strstr (svg, "<svg"));
    free (svg);
    svg = s_draw (coord_chart_epsilon, r);
    assert_non_null (strstr (svg, "No round reported the privacy spent."));
    free (svg);
    svg = s_draw (coord_chart_participation, r);
    assert_non_null (strstr (svg, "No rounds were run."));
    free (svg);
    json_decref (r);
    //  A report with no rounds array at all, and non-numeric values.
    r = json_pack ("{s:[{s:s, s:s}]}", "rounds", "round", "x", "epsilon_spent", "y");
    svg = s_draw (coord_chart_epsilon, r);
    assert_non_null (strstr (svg, "No round reported"));
    free (svg);
    json_decref (r);
}

static void
test_helpers (void **state)
{
    (void) state;
    json_t *o = json_pack ("{s:f, s:s, s:i}", "x", 1.5, "s", "t", "i", 4);
    double d = 0;
    assert_true (coord_render_num (o, "x", &d) && d == 1.5);
    assert_true (coord_render_num (o, "i", &d) && d == 4);
    assert_false (coord_render_num (o, "s", &d));
    assert_false (coord_render_num (o, "nope", &d));
    assert_string_equal (coord_render_str (o, "s"), "t");
    assert_null (coord_render_str (o, "x"));
    json_decref (o);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&buf, &len);
    coord_render_esc (f, "a&b<c>\"'\x01");
    fclose (f);
    assert_string_equal (buf, "a&amp;b&lt;c&gt;&quot;&#39;?");
    free (buf);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_charts_draw),
        cmocka_unit_test (test_chart_auc_interval),
        cmocka_unit_test (test_chart_one_evaluation),
        cmocka_unit_test (test_chart_gap),
        cmocka_unit_test (test_interval_names),
        cmocka_unit_test (test_charts_without_data),
        cmocka_unit_test (test_helpers),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
