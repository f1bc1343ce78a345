/*  Unit tests for coordinator/render.c: JSON round trip, CSV layout and
    quoting, HTML content (privacy block, NOT PRIVATE stamp, failed rounds,
    charts, escaping of every report string, no external resources) and
    refusal of malformed reports. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "coordinator/render.h"

static json_t *
s_example (void)
{
    json_error_t err;
    json_t *r = json_load_file (COHORT_SOURCE_DIR "/tests/data/report_example.json", 0, &err);
    assert_non_null (r);
    return r;
}

//  Renders into a new string (caller frees); NULL if coord_render failed.
static char *
s_render (const json_t *report, const char *format)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream (&text, &len);
    assert_non_null (m);
    int rc = coord_render (report, format, m);
    fclose (m);
    if (rc) {
        free (text);
        return NULL;
    }
    return text;
}

static size_t
s_count (const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr (text, needle); p; p = strstr (p + 1, needle))
        n++;
    return n;
}

static void
test_json (void **state)
{
    (void) state;
    json_t *r = s_example ();
    char *text = s_render (r, "json");
    assert_non_null (text);
    assert_non_null (strstr (text, "\n  \"cohort_report\": 1"));
    json_t *back = json_loads (text, 0, NULL);
    assert_non_null (back);
    assert_true (json_equal (r, back));
    json_decref (back);
    free (text);
    json_decref (r);
}

static void
test_csv (void **state)
{
    (void) state;
    json_t *r = s_example ();
    char *text = s_render (r, "csv");
    assert_non_null (text);
    assert_true (strncmp (text, "field,value\r\ncohort_report,1\r\n", 30) == 0);
    assert_non_null (strstr (text, "\r\nstudy.name,breast-cancer-lr\r\n"));
    assert_non_null (strstr (text, "\r\nstudy.sites,hospital-a; hospital-b; hospital-c\r\n"));
    assert_non_null (strstr (text, "\r\nprivacy.epsilon,0.9\r\n"));
    assert_non_null (strstr (text, "\r\nprivacy.unit,record\r\n"));
    assert_non_null (strstr (text, "\r\nprivacy.stamp,\r\n"));
    assert_non_null (strstr (text, "\r\nfinal_metrics.brier,0.041\r\n"));
    //  The accountant text has commas: quoted.
    assert_non_null (strstr (text, "\r\nprivacy.accountant,\"RDP of the distributed discrete Gaussian"));
    //  Rounds table: header with the metric columns, one row per round.
    assert_non_null (strstr (text, "\r\n\r\nround,kind,step,status,detail,epsilon_spent,"
                                   "sites_contributed,excluded,rejected,auc,accuracy,log_loss\r\n"));
    assert_non_null (strstr (text, "\r\n7,train,7,failed,1 of 2 required sites answered,"));
    assert_non_null (strstr (text, ",2,hospital-c,hospital-c: late: round 11 is over "
                                   "(current round 12),,,\r\n"));
    assert_non_null (strstr (text, "\r\n20,eval,,ok,,0.9,3,,,0.9"));
    const char *table = strstr (text, "\r\n\r\n");
    assert_int_equal (s_count (table, "\r\n"), 2 + 1 + 20);
    free (text);

    //  Quotes doubled; formula-looking text neutralised; declined sites.
    json_object_set_new (json_object_get (r, "study"), "name",
                         json_string ("=HYPERLINK(\"http://x\")"));
    json_object_set_new (json_object_get (r, "study"), "declined",
                         json_pack ("[{s:s,s:s}]", "site", "c", "reason", "budget: too small"));
    text = s_render (r, "csv");
    assert_non_null (text);
    assert_non_null (strstr (text, "\r\nstudy.name,\"'=HYPERLINK(\"\"http://x\"\")\"\r\n"));
    assert_non_null (strstr (text, "\r\nstudy.declined,c: budget: too small\r\n"));
    free (text);
    json_decref (r);
}

static void
test_html_private (void **state)
{
    (void) state;
    json_t *r = s_example ();
    char *html = s_render (r, "html");
    assert_non_null (html);
    assert_true (strncmp (html, "<!DOCTYPE html>", 15) == 0);
    assert_non_null (strstr (html, "</html>\n"));
    assert_null (strstr (html, "NOT PRIVATE"));
    //  The privacy block states all six required facts.
    assert_non_null (strstr (html, "<th>&#949; spent (epsilon)</th><td>0.9</td>"));
    assert_non_null (strstr (html, "<th>&#948; (delta)</th><td>1e-05</td>"));
    assert_non_null (strstr (html, "Zhu-Wang 2019"));
    assert_non_null (strstr (html, "<th>Conversion to (&#949;, &#948;)</th><td>improved</td>"));
    assert_non_null (strstr (html, "<th>Privacy unit</th><td>record</td>"));
    assert_non_null (strstr (html, "add/remove one record at one site"));
    //  Three inline SVG charts, nothing fetched, no script.
    assert_int_equal (s_count (html, "<svg "), 3);
    assert_null (strstr (html, "<script"));
    assert_null (strstr (html, "src="));
    assert_null (strstr (html, "href="));
    assert_null (strstr (html, "url("));
    assert_int_equal (s_count (html, "http:"), 3);    //  the SVG namespace only
    //  The failed round: a red row and a cross on the participation chart.
    assert_int_equal (s_count (html, "<tr class=\"failed\">"), 1);
    assert_non_null (strstr (html, "<title>round 7: 1 sites, failed</title>"));
    assert_non_null (strstr (html, "round 7 failed: 1 of 2 required sites answered"));
    assert_non_null (strstr (html, "<td>failed: 1 of 2 required sites answered</td>"));
    assert_non_null (strstr (html, "<td>hospital-c: late: round 11 is over (current round 12)</td>"));
    assert_non_null (strstr (html, "class=\"legend\">t = 2</text>"));
    assert_non_null (strstr (html, "fill=\"#d62728\">&#949; = 1</text>"));
    //  The model: original-scale coefficients.
    assert_non_null (strstr (html, "<tr><td>mean_radius</td><td>0.343</td></tr>"));
    free (html);
    json_decref (r);
}

//  A DP metric with an interval: the interval beside it (final metrics and
//  rounds), one plain sentence on what it means, no columns of its own for
//  the bounds; the rounds table scrolls in its own box; the page prints on
//  A4.
static void
test_html_intervals (void **state)
{
    (void) state;
    json_t *r = s_example ();
    json_t *final = json_object_get (r, "final_metrics");
    json_object_set_new (final, "auc", json_real (0.991));
    json_object_set_new (final, "auc_low_90", json_real (0.61));
    json_object_set_new (final, "auc_high_90", json_real (1.0));
    json_t *m = json_object_get (json_array_get (json_object_get (r, "rounds"), 19), "metrics");
    json_object_set_new (m, "auc_low_90", json_real (0.7));
    json_object_set_new (m, "auc_high_90", json_real (0.99));
    char *html = s_render (r, "html");
    assert_non_null (html);
    assert_non_null (strstr (html, "<tr><th>auc</th><td>0.991 <span class=\"ci\" title=\"90% "
                                   "interval for the exact value (DP noise and binning)\">"
                                   "[0.61, 1]</span></td></tr>"));
    assert_null (strstr (html, "<th>auc_low_90</th>"));
    assert_null (strstr (html, "<th>auc_high_90</th>"));
    assert_non_null (strstr (html, "<p class=\"meaning\">auc (0.991) was computed from noisy "
                                   "(differentially private) counts of the model's scores on the "
                                   "sites' held-out records; with 90% confidence its exact value "
                                   "on those records lies in [0.61, 1], allowing for that noise "
                                   "and for the binning of the scores, wide because"));
    assert_non_null (strstr (html, "not how the model would do on new patients.</p>"));
    //  The rounds: the interval in the auc cell, no bound columns.
    assert_non_null (strstr (html, "<td class=\"n\">0.9771 <span class=\"ci\" title=\"90% "
                                   "interval for the exact value (DP noise and binning)\">"
                                   "[0.7, 0.99]</span></td>"));
    assert_non_null (strstr (html, "<th>auc</th><th>accuracy</th><th>log_loss</th></tr></thead>"));
    assert_non_null (strstr (html, "[lo, hi] after a metric: its interval for the exact value"));
    assert_non_null (strstr (html, "<div class=\"scroll\"><table class=\"rounds\">"));
    //  A stats or eval round has no step: a plain dash.
    assert_non_null (strstr (html, "<td>eval</td><td>&ndash;</td>"));
    //  Print: A4, nothing scrolls, charts shrink with the page.
    assert_non_null (strstr (html, "@page{size:A4;"));
    assert_non_null (strstr (html, "@media print{"));
    assert_non_null (strstr (html, ".scroll{overflow:visible}"));
    assert_non_null (strstr (html, "svg{max-width:100%;height:auto}"));
    free (html);

    //  A narrow interval is not called wide.
    json_object_set_new (final, "auc_low_90", json_real (0.95));
    html = s_render (r, "html");
    assert_non_null (strstr (html, "binning of the scores. It describes"));
    assert_null (strstr (html, "wide because"));
    free (html);

    //  An interval of nearly all of [0, 1] is said to say nothing.
    json_object_set_new (final, "auc_low_90", json_real (0.0));
    json_object_set_new (final, "auc_interval_width", json_real (1.0));
    json_object_set_new (m, "auc_interval_width", json_real (0.29));
    html = s_render (r, "html");
    assert_non_null (strstr (html, "so wide that it says nothing"));
    assert_null (strstr (html, "wide because"));
    //  Its width is a row of the table, not a line of the chart.
    assert_non_null (strstr (html, "<th>auc_interval_width</th>"));
    assert_null (strstr (html, "class=\"legend\">auc_interval_width</text>"));
    assert_non_null (strstr (html, "class=\"legend\">auc</text>"));
    free (html);
    json_object_del (m, "auc_interval_width");
    json_object_set_new (final, "auc_low_90", json_real (0.95));
    json_object_del (final, "auc_interval_width");

    //  Without an interval the sentence says there is none; privacy off
    //  says the metrics are exact.
    json_object_del (final, "auc_low_90");
    html = s_render (r, "html");
    assert_non_null (strstr (html, "the report gives no interval for them"));
    assert_non_null (strstr (html, "<th>auc_high_90</th>"));   //  a lone bound is a metric
    free (html);
    json_object_set_new (json_object_get (r, "privacy"), "private", json_false ());
    html = s_render (r, "html");
    assert_non_null (strstr (html, "Privacy was off: these are the exact metrics"));
    free (html);
    json_decref (r);
}

static void
test_html_not_private (void **state)
{
    (void) state;
    json_t *r = s_example ();
    json_t *p = json_object_get (r, "privacy");
    json_object_set_new (p, "private", json_false ());
    json_object_set_new (p, "stamp", json_string ("NOT PRIVATE"));
    json_object_del (p, "accountant");
    json_object_del (p, "neighbouring");
    json_object_set_new (json_object_get (r, "study"), "status", json_string ("failed"));
    char *html = s_render (r, "html");
    assert_non_null (html);
    //  Title, banner and privacy block.
    assert_non_null (strstr (html, "<title>NOT PRIVATE &mdash; "));
    assert_int_equal (s_count (html, "<div class=\"stamp\">NOT PRIVATE"), 2);
    assert_non_null (strstr (html, "<div class=\"privacy off\">"));
    //  Missing facts are said to be missing, not left out.
    assert_non_null (strstr (html, "<th>Accountant</th><td><span class=\"missing\">"
                                   "not stated in the report</span>"));
    assert_non_null (strstr (html, "<th>Neighbouring datasets</th><td><span class=\"missing\">"));
    assert_non_null (strstr (html, "<span class=\"status-failed\">failed</span>"));
    free (html);

    //  A privacy block without `private` at all is not taken as private.
    json_object_del (p, "private");
    html = s_render (r, "html");
    assert_non_null (html);
    assert_non_null (strstr (html, "NOT PRIVATE"));
    free (html);
    json_decref (r);
}

static void
test_html_escaping (void **state)
{
    (void) state;
    json_t *r = s_example ();
    json_t *study = json_object_get (r, "study");
    const char *evil = "<script>alert('x')</script>&\"";
    json_object_set_new (study, "name", json_string (evil));
    json_object_set_new (study, "id", json_string (evil));
    json_object_set_new (study, "status", json_string (evil));
    json_object_set_new (study, "status_detail", json_string (evil));
    json_object_set_new (study, "dataset", json_string (evil));
    json_object_set_new (study, "label", json_string (evil));
    json_object_set_new (study, "features", json_pack ("[s]", evil));
    json_object_set_new (study, "sites", json_pack ("[s]", evil));
    json_object_set_new (study, "started", json_string (evil));
    json_object_set_new (study, "declined", json_pack ("[{s:s,s:s}]", "site", evil,
                                                       "reason", evil));
    json_t *p = json_object_get (r, "privacy");
    json_object_set_new (p, "accountant", json_string (evil));
    json_object_set_new (p, "conversion", json_string (evil));
    json_object_set_new (p, "unit", json_string (evil));
    json_object_set_new (p, "neighbouring", json_string (evil));
    json_object_set_new (p, "stamp", json_string (evil));
    json_object_set_new (p, "private", json_false ());
    json_t *r5 = json_array_get (json_object_get (r, "rounds"), 4);
    json_object_set_new (r5, "kind", json_string (evil));
    json_object_set_new (r5, "status", json_string (evil));
    json_object_set_new (r5, "excluded", json_pack ("[s]", evil));
    json_object_set_new (r5, "detail", json_string (evil));
    json_object_set_new (r5, "rejected", json_pack ("[{s:s,s:s}]", "site", evil, "reason", evil));
    json_object_set_new (json_object_get (r5, "metrics"), evil, json_real (0.5));
    json_object_set_new (json_object_get (r, "final_metrics"), evil, json_real (0.5));
    json_t *model = json_object_get (r, "model");
    json_object_set_new (model, "type", json_string (evil));
    json_object_set_new (json_object_get (json_object_get (json_object_get (model, "logistic"),
                                                           "original_scale"), "coefficients"),
                         evil, json_real (1.5));
    //  Control characters do not reach the page either.
    json_object_set_new (study, "finished", json_string ("a\x01" "b\x1b[31m"));
    char *html = s_render (r, "html");
    assert_non_null (html);
    assert_null (strstr (html, "<script"));
    assert_null (strstr (html, "alert('x')"));
    assert_null (strstr (html, "\x01"));
    assert_null (strstr (html, "\x1b"));
    assert_non_null (strstr (html, "a?b?[31m"));
    const char *escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;";
    //  name x2 (title, h1), id, status, detail, dataset, label, features,
    //  sites, started, declined x2, accountant, conversion, unit, neighbouring,
    //  stamp, round kind + status + excluded + participation title, metric
    //  name in the legend, the point titles, the table header, the final
    //  metrics, model type and coefficient.
    assert_true (s_count (html, escaped) >= 28);
    free (html);
    json_decref (r);
}

static void
test_html_edge_cases (void **state)
{
    (void) state;
    //  No rounds, no final metrics, no model: the page says so.
    json_t *r = json_pack ("{s:i,s:{s:s},s:{s:b},s:[]}", "cohort_report", 1,
                           "study", "name", "empty", "privacy", "private", 1, "rounds");
    char *html = s_render (r, "html");
    assert_non_null (html);
    assert_non_null (strstr (html, "No rounds were run."));
    assert_non_null (strstr (html, "No evaluation round reported metrics."));
    assert_non_null (strstr (html, "No final evaluation in the report."));
    assert_non_null (strstr (html, "The report holds no model."));
    assert_non_null (strstr (html, "<th>&#949; spent (epsilon)</th><td><span class=\"missing\">"));
    assert_int_equal (s_count (html, "<svg "), 0);
    free (html);
    char *csv = s_render (r, "csv");
    assert_non_null (csv);
    assert_non_null (strstr (csv, "\r\n\r\nround,kind,step,status,detail,epsilon_spent,"
                                  "sites_contributed,excluded,rejected\r\n"));
    free (csv);
    //  One round, all sites failed, zero epsilon: charts still drawn.
    json_array_append_new (json_object_get (r, "rounds"),
                           json_pack ("{s:i,s:s,s:s,s:f,s:i}", "round", 1, "kind", "train",
                                      "status", "failed", "epsilon_spent", 0.0,
                                      "sites_contributed", 0));
    html = s_render (r, "html");
    assert_non_null (html);
    assert_int_equal (s_count (html, "<svg "), 2);
    assert_non_null (strstr (html, "<title>round 1: 0 sites, failed</title>"));
    free (html);
    json_decref (r);

    //  MLP model summary.
    r = s_example ();
    json_object_set_new (r, "model", json_pack ("{s:s,s:{s:[i],s:s,s:[f,f,f]}}", "type", "mlp",
                                                "mlp", "hidden", 64, "activation", "relu",
                                                "parameters", 0.1, 0.2, 0.3));
    html = s_render (r, "html");
    assert_non_null (html);
    assert_non_null (strstr (html, "<tr><th>Parameters</th><td>3</td></tr>"));
    assert_non_null (strstr (html, "<tr><th>Hidden layers</th><td>64</td></tr>"));
    free (html);
    json_decref (r);
}

static void
test_bad_reports (void **state)
{
    (void) state;
    json_t *r = s_example ();
    assert_null (s_render (r, "pdf"));
    assert_non_null (strstr (util_last_error (), "unknown format 'pdf'"));
    assert_int_equal (coord_render (r, NULL, stdout), -1);
    assert_int_equal (coord_render (r, "json", NULL), -1);

    json_t *arr = json_array ();
    assert_null (s_render (arr, "html"));
    assert_string_equal (util_last_error (), "report: expected a JSON object");
    json_decref (arr);
    assert_null (s_render (NULL, "csv"));

    json_object_set_new (r, "cohort_report", json_integer (2));
    assert_null (s_render (r, "json"));
    assert_string_equal (util_last_error (), "report: cohort_report: expected version 1");
    json_object_set_new (r, "cohort_report", json_string ("1"));
    assert_null (s_render (r, "json"));
    json_object_set_new (r, "cohort_report", json_integer (1));

    json_t *rounds = json_incref (json_object_get (r, "rounds"));
    json_object_set_new (r, "rounds", json_string ("x"));
    assert_null (s_render (r, "html"));
    assert_string_equal (util_last_error (), "report: rounds: expected an array");
    json_object_del (r, "rounds");
    assert_null (s_render (r, "html"));
    json_object_set_new (r, "rounds", rounds);

    json_array_set_new (rounds, 3, json_integer (4));
    assert_null (s_render (r, "csv"));
    assert_string_equal (util_last_error (), "report: rounds[3]: expected an object");
    json_array_set_new (rounds, 3, json_pack ("{s:i,s:i}", "round", 4, "metrics", 1));
    assert_null (s_render (r, "csv"));
    assert_string_equal (util_last_error (), "report: rounds[3].metrics: expected an object or null");
    json_array_set_new (rounds, 3, json_pack ("{s:i,s:s}", "round", 4, "excluded", "c"));
    assert_null (s_render (r, "csv"));
    assert_string_equal (util_last_error (), "report: rounds[3].excluded: expected an array or null");
    json_array_set_new (rounds, 3, json_pack ("{s:i}", "round", 4));
    char *ok = s_render (r, "csv");
    assert_non_null (ok);
    free (ok);

    json_object_set_new (r, "final_metrics", json_integer (1));
    assert_null (s_render (r, "html"));
    assert_string_equal (util_last_error (), "report: final_metrics: expected an object or null");
    json_object_set_new (r, "final_metrics", json_null ());

    json_object_set_new (r, "privacy", json_null ());
    assert_null (s_render (r, "html"));
    assert_string_equal (util_last_error (), "report: privacy: expected an object");
    json_object_del (r, "study");
    assert_null (s_render (r, "html"));
    assert_string_equal (util_last_error (), "report: study: expected an object");
    json_decref (r);

    //  A full device: the write error is reported.
    r = s_example ();
    FILE *full = fopen ("/dev/full", "w");
    if (full) {
        assert_int_equal (coord_render (r, "html", full), -1);
        fclose (full);
    }
    json_decref (r);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_json),
        cmocka_unit_test (test_csv),
        cmocka_unit_test (test_html_private),
        cmocka_unit_test (test_html_intervals),
        cmocka_unit_test (test_html_not_private),
        cmocka_unit_test (test_html_escaping),
        cmocka_unit_test (test_html_edge_cases),
        cmocka_unit_test (test_bad_reports),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
