/*  Unit tests for util/metrics.c: the exposition text, exactly (HELP and
    TYPE lines, label sets, histogram buckets, sums and counts), escaping of
    help texts and label values, number formatting, registration refusals,
    dropped updates (series cap, long or non-UTF-8 values, NaN), updates
    from several threads, and allocation failures at registration. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/metrics.h"
#include "util/alloc.h"
#include "util/error.h"

static const char s_dropped0 [] =
    "# HELP cohort_metrics_dropped_total Metric updates lost: out of memory, too many series, "
    "or a label value too long or not UTF-8.\n"
    "# TYPE cohort_metrics_dropped_total counter\n"
    "cohort_metrics_dropped_total 0\n";

static void
s_expect (util_metrics_t *m, const char *body)
{
    size_t len = 0;
    char *text = util_metrics_render (m, &len);
    assert_non_null (text);
    assert_int_equal (len, strlen (text));
    char *want = util_asprintf ("%s%s", body, s_dropped0);
    assert_non_null (want);
    assert_string_equal (text, want);
    free (want);
    free (text);
}

static void
test_metrics_empty (void **state)
{
    (void) state;
    util_metrics_t *m = util_metrics_new ();
    assert_non_null (m);
    s_expect (m, "");
    util_metrics_destroy (&m);
    assert_null (m);
    util_metrics_destroy (&m);
    util_metrics_destroy (NULL);
}

static void
test_metrics_counter_gauge (void **state)
{
    (void) state;
    util_metrics_t *m = util_metrics_new ();
    util_metric_t *up = util_metrics_gauge (m, "cohort_sites_connected", "Sites connected now.",
                                            NULL);
    util_metric_t *rounds = util_metrics_counter (m, "cohort_rounds_total", "Rounds by kind.",
                                                  "kind,result");
    assert_non_null (up);
    assert_non_null (rounds);
    //  Before any update: the unlabelled gauge shows 0, the labelled
    //  counter has no series yet.
    s_expect (m,
        "# HELP cohort_sites_connected Sites connected now.\n"
        "# TYPE cohort_sites_connected gauge\n"
        "cohort_sites_connected 0\n"
        "# HELP cohort_rounds_total Rounds by kind.\n"
        "# TYPE cohort_rounds_total counter\n");
    util_metric_add (rounds, (const char *[]) { "train", "completed" }, 1);
    util_metric_add (rounds, (const char *[]) { "eval", "failed" }, 1);
    util_metric_add (rounds, (const char *[]) { "train", "completed" }, 2);
    util_metric_add (rounds, (const char *[]) { "train", "failed" }, 0);
    util_metric_set (up, NULL, 3);
    util_metric_add (up, NULL, -1);
    s_expect (m,
        "# HELP cohort_sites_connected Sites connected now.\n"
        "# TYPE cohort_sites_connected gauge\n"
        "cohort_sites_connected 2\n"
        "# HELP cohort_rounds_total Rounds by kind.\n"
        "# TYPE cohort_rounds_total counter\n"
        "cohort_rounds_total{kind=\"train\",result=\"completed\"} 3\n"
        "cohort_rounds_total{kind=\"eval\",result=\"failed\"} 1\n"
        "cohort_rounds_total{kind=\"train\",result=\"failed\"} 0\n");
    //  A counter mirroring a count kept elsewhere, and fractional values.
    util_metric_set (rounds, (const char *[]) { "eval", "failed" }, 7);
    util_metric_set (up, NULL, 0.25);
    size_t len;
    char *text = util_metrics_render (m, &len);
    assert_non_null (strstr (text, "cohort_rounds_total{kind=\"eval\",result=\"failed\"} 7\n"));
    assert_non_null (strstr (text, "cohort_sites_connected 0.25\n"));
    free (text);
    //  A NULL family is a no-op (a daemon whose metric was not registered).
    util_metric_add (NULL, NULL, 1);
    util_metric_observe (NULL, NULL, 1);
    util_metrics_destroy (&m);
}

static void
test_metrics_histogram (void **state)
{
    (void) state;
    util_metrics_t *m = util_metrics_new ();
    const double bounds [] = { 0.1, 0.5, 2.5 };
    util_metric_t *plain = util_metrics_histogram (m, "cohort_wait_seconds", "Waits.", "",
                                                   bounds, 3);
    util_metric_t *h = util_metrics_histogram (m, "cohort_round_duration_seconds",
                                               "Round time.", "kind", bounds, 3);
    assert_non_null (plain);
    assert_non_null (h);
    //  Boundaries: a value equal to a bound is in that bucket (le).
    util_metric_observe (h, (const char *[]) { "train" }, 0.1);
    util_metric_observe (h, (const char *[]) { "train" }, 0.3);
    util_metric_observe (h, (const char *[]) { "train" }, 0.5);
    util_metric_observe (h, (const char *[]) { "train" }, 3);
    util_metric_observe (h, (const char *[]) { "query" }, 0.05);
    s_expect (m,
        "# HELP cohort_wait_seconds Waits.\n"
        "# TYPE cohort_wait_seconds histogram\n"
        "cohort_wait_seconds_bucket{le=\"0.1\"} 0\n"
        "cohort_wait_seconds_bucket{le=\"0.5\"} 0\n"
        "cohort_wait_seconds_bucket{le=\"2.5\"} 0\n"
        "cohort_wait_seconds_bucket{le=\"+Inf\"} 0\n"
        "cohort_wait_seconds_sum 0\n"
        "cohort_wait_seconds_count 0\n"
        "# HELP cohort_round_duration_seconds Round time.\n"
        "# TYPE cohort_round_duration_seconds histogram\n"
        "cohort_round_duration_seconds_bucket{kind=\"train\",le=\"0.1\"} 1\n"
        "cohort_round_duration_seconds_bucket{kind=\"train\",le=\"0.5\"} 3\n"
        "cohort_round_duration_seconds_bucket{kind=\"train\",le=\"2.5\"} 3\n"
        "cohort_round_duration_seconds_bucket{kind=\"train\",le=\"+Inf\"} 4\n"
        "cohort_round_duration_seconds_sum{kind=\"train\"} 3.9\n"
        "cohort_round_duration_seconds_count{kind=\"train\"} 4\n"
        "cohort_round_duration_seconds_bucket{kind=\"query\",le=\"0.1\"} 1\n"
        "cohort_round_duration_seconds_bucket{kind=\"query\",le=\"0.5\"} 1\n"
        "cohort_round_duration_seconds_bucket{kind=\"query\",le=\"2.5\"} 1\n"
        "cohort_round_duration_seconds_bucket{kind=\"query\",le=\"+Inf\"} 1\n"
        "cohort_round_duration_seconds_sum{kind=\"query\"} 0.05\n"
        "cohort_round_duration_seconds_count{kind=\"query\"} 1\n");
    util_metrics_destroy (&m);
}

static void
test_metrics_escaping (void **state)
{
    (void) state;
    util_metrics_t *m = util_metrics_new ();
    util_metric_t *c = util_metrics_counter (m, "x_total", "A \\ backslash\nand a \"quote\".",
                                             "dataset");
    assert_non_null (c);
    util_metric_add (c, (const char *[]) { "a\"b\\c\nd" }, 1);
    util_metric_add (c, (const char *[]) { "" }, 1);
    util_metric_add (c, (const char *[]) { "caf\xc3\xa9 {x=\"1\"}" }, 1);
    //  HELP escapes \ and newline only; label values also ".
    s_expect (m,
        "# HELP x_total A \\\\ backslash\\nand a \"quote\".\n"
        "# TYPE x_total counter\n"
        "x_total{dataset=\"a\\\"b\\\\c\\nd\"} 1\n"
        "x_total{dataset=\"\"} 1\n"
        "x_total{dataset=\"caf\xc3\xa9 {x=\\\"1\\\"}\"} 1\n");
    util_metrics_destroy (&m);
}

static void
test_metrics_numbers (void **state)
{
    (void) state;
    char buf [UTIL_METRICS_NUMBER_MAX];
    assert_string_equal (util_metrics_number (buf, 0), "0");
    assert_string_equal (util_metrics_number (buf, -0.0), "0");
    assert_string_equal (util_metrics_number (buf, 42), "42");
    assert_string_equal (util_metrics_number (buf, -7), "-7");
    assert_string_equal (util_metrics_number (buf, 0.1), "0.1");
    assert_string_equal (util_metrics_number (buf, 0.1 + 0.2), "0.30000000000000004");
    assert_string_equal (util_metrics_number (buf, 9007199254740991.0), "9007199254740991");
    //  2^53 and beyond: %g, read back exactly.
    assert_string_equal (util_metrics_number (buf, 9007199254740992.0), "9007199254740992");
    assert_string_equal (util_metrics_number (buf, 1e20), "1e+20");
    assert_true (strtod (util_metrics_number (buf, 1e300), NULL) == 1e300);
    assert_string_equal (util_metrics_number (buf, -1.5e-300), "-1.5e-300");
    assert_string_equal (util_metrics_number (buf, INFINITY), "+Inf");
    assert_string_equal (util_metrics_number (buf, -INFINITY), "-Inf");
    assert_string_equal (util_metrics_number (buf, NAN), "NaN");
    assert_true (strlen (util_metrics_number (buf, -1.2345678901234567e-308)) <
                 UTIL_METRICS_NUMBER_MAX);
}

static void
test_metrics_register_refused (void **state)
{
    (void) state;
    util_metrics_t *m = util_metrics_new ();
    const double ok [] = { 1, 2 }, flat [] = { 1, 1 }, down [] = { 2, 1 };
    const double inf [] = { 1, INFINITY };
    struct { const char *name, *labels; } bad [] = {
        { "", NULL }, { "9lives", NULL }, { "has-dash", NULL }, { "sp ace", NULL },
        { "ok", "9x" }, { "ok", "a,a" }, { "ok", "__reserved" }, { "ok", "a," },
        { "ok", ",a" }, { "ok", "a:b" }, { "ok", "a,b,c,d,e,f,g,h,i" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        assert_null (util_metrics_counter (m, bad [i].name, "h", bad [i].labels));
        assert_true (util_last_code () == UTIL_EINPUT || util_last_code () == UTIL_ELIMIT);
    }
    //  Colons are allowed in metric names (recording rules), 8 labels fit.
    assert_non_null (util_metrics_counter (m, "a:b_total", "h", "a,b,c,d,e,f,g,h"));
    assert_non_null (util_metrics_gauge (m, "dup", "h", NULL));
    assert_null (util_metrics_counter (m, "dup", "h", NULL));
    assert_non_null (strstr (util_last_error (), "registered twice"));
    assert_null (util_metrics_histogram (m, "h1", "h", "le", ok, 2));
    assert_null (util_metrics_histogram (m, "h2", "h", NULL, ok, 0));
    assert_null (util_metrics_histogram (m, "h3", "h", NULL, flat, 2));
    assert_null (util_metrics_histogram (m, "h4", "h", NULL, down, 2));
    assert_null (util_metrics_histogram (m, "h5", "h", NULL, inf, 2));
    assert_non_null (util_metrics_histogram (m, "h6", "h", "kind", ok, 2));
    //  A gauge may be labelled le.
    assert_non_null (util_metrics_gauge (m, "g", "h", "le"));
    char help [UTIL_METRICS_HELP_MAX + 2];
    memset (help, 'x', sizeof help - 1);
    help [sizeof help - 1] = 0;
    assert_null (util_metrics_gauge (m, "long_help", help, NULL));
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    util_metrics_destroy (&m);
}

static void
test_metrics_dropped (void **state)
{
    (void) state;
    util_metrics_t *m = util_metrics_new ();
    util_metric_t *c = util_metrics_counter (m, "c_total", "h", "v");
    util_metric_t *g = util_metrics_gauge (m, "g", "h", NULL);
    //  Too long, not UTF-8 (a lone continuation byte, an overlong '/', a
    //  surrogate, a truncated sequence), NaN: each dropped and counted.
    char longest [UTIL_METRICS_VALUE_MAX + 2];
    memset (longest, 'a', sizeof longest - 1);
    longest [sizeof longest - 1] = 0;
    util_metric_add (c, (const char *[]) { longest }, 1);
    longest [UTIL_METRICS_VALUE_MAX] = 0;       //  exactly the limit: kept
    util_metric_add (c, (const char *[]) { longest }, 1);
    util_metric_add (c, (const char *[]) { "\x80" }, 1);
    util_metric_add (c, (const char *[]) { "\xc0\xaf" }, 1);
    util_metric_add (c, (const char *[]) { "\xed\xa0\x80" }, 1);
    util_metric_add (c, (const char *[]) { "ab\xe2\x82" }, 1);
    util_metric_set (g, NULL, NAN);
    assert_int_equal (util_metrics_dropped (m), 6);
    //  The series cap: one series exists; fill up to the cap, then one more.
    char name [32];
    for (int i = 1; i < UTIL_METRICS_SERIES_MAX; i++) {
        snprintf (name, sizeof name, "s%d", i);
        util_metric_add (c, (const char *[]) { name }, 1);
    }
    assert_int_equal (util_metrics_dropped (m), 6);
    util_metric_add (c, (const char *[]) { "one-too-many" }, 1);
    assert_int_equal (util_metrics_dropped (m), 7);
    //  An existing series is still updated at the cap.
    util_metric_add (c, (const char *[]) { "s1" }, 1);
    assert_int_equal (util_metrics_dropped (m), 7);
    char *text = util_metrics_render (m, NULL);
    assert_non_null (strstr (text, "c_total{v=\"s1\"} 2\n"));
    assert_non_null (strstr (text, "\ncohort_metrics_dropped_total 7\n"));
    assert_null (strstr (text, "one-too-many"));
    free (text);
    util_metrics_destroy (&m);
}

typedef struct {
    util_metric_t *c, *h;
    int n;
} s_job_t;

static void *
s_worker (void *arg)
{
    s_job_t *job = arg;
    for (int i = 0; i < job->n; i++) {
        util_metric_add (job->c, (const char *[]) { i % 2? "odd": "even" }, 1);
        util_metric_observe (job->h, NULL, 1);
    }
    return NULL;
}

static void
test_metrics_threads (void **state)
{
    (void) state;
    util_metrics_t *m = util_metrics_new ();
    const double bounds [] = { 1 };
    s_job_t job = { util_metrics_counter (m, "t_total", "h", "parity"),
                    util_metrics_histogram (m, "t_seconds", "h", NULL, bounds, 1), 20000 };
    pthread_t t [4];
    for (int i = 0; i < 4; i++)
        assert_int_equal (pthread_create (&t [i], NULL, s_worker, &job), 0);
    //  Rendering while they update.
    for (int i = 0; i < 20; i++) {
        char *text = util_metrics_render (m, NULL);
        assert_non_null (text);
        free (text);
    }
    for (int i = 0; i < 4; i++)
        pthread_join (t [i], NULL);
    char *text = util_metrics_render (m, NULL);
    assert_non_null (strstr (text, "t_total{parity=\"even\"} 40000\n"));
    assert_non_null (strstr (text, "t_total{parity=\"odd\"} 40000\n"));
    assert_non_null (strstr (text, "t_seconds_bucket{le=\"1\"} 80000\n"));
    assert_non_null (strstr (text, "t_seconds_count 80000\n"));
    free (text);
    util_metrics_destroy (&m);
}

static void
test_metrics_alloc_failures (void **state)
{
    (void) state;
    //  Each allocation of new, registration and render fails in turn:
    //  NULL with UTIL_ENOMEM, nothing leaked (ASan build).
    for (long n = 0; n < 16; n++) {
        util_alloc_fail_after (n);
        util_metrics_t *m = util_metrics_new ();
        util_metric_t *c = m? util_metrics_counter (m, "a_total", "h", "x,y"): NULL;
        char *text = c? util_metrics_render (m, NULL): NULL;
        util_alloc_fail_after (-1);
        if (!text)
            assert_int_equal (util_last_code (), UTIL_ENOMEM);
        free (text);
        util_metrics_destroy (&m);
    }
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_metrics_empty),
        cmocka_unit_test (test_metrics_counter_gauge),
        cmocka_unit_test (test_metrics_histogram),
        cmocka_unit_test (test_metrics_escaping),
        cmocka_unit_test (test_metrics_numbers),
        cmocka_unit_test (test_metrics_register_refused),
        cmocka_unit_test (test_metrics_dropped),
        cmocka_unit_test (test_metrics_threads),
        cmocka_unit_test (test_metrics_alloc_failures),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
