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
    assert_non_null (strstr (svg, "<polyline"));
    assert_non_null (strstr (svg, "&lt;b&gt;"));       //  escaped metric name
    assert_null (strstr (svg, "<b>"));
    free (svg);
    svg = s_draw (coord_chart_epsilon, r);
    assert_non_null (strstr (svg, "<svg"));
    assert_null (strstr (svg, "No round"));
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
    assert_null (strstr (svg, "interval 0.800 to 1.000 at round 1"));
    assert_null (strstr (svg, ">auc_low_90<"));
    assert_null (strstr (svg, "auc_high_90"));
    size_t lines = 0;
    for (const char *at = svg; (at = strstr (at, "<polyline")); at++)
        lines++;
    assert_int_equal (lines, 1);
    free (svg);
    json_decref (r);
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
        cmocka_unit_test (test_charts_without_data),
        cmocka_unit_test (test_helpers),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
