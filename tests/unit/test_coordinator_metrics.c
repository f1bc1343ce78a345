/*  Unit tests for coordinator/metrics.c: every family is there from the
    start (reason classes at 0), each update lands under its fixed label,
    an out-of-range class is ignored, the listener starts when an address
    is given and a refused address fails the start. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "coordinator/metrics.h"
#include "util/error.h"

static void
s_has (const char *text, const char *line)
{
    if (!strstr (text, line))
        fail_msg ("missing: %s\nin:\n%s", line, text);
}

static void
test_families (void **state)
{
    (void) state;
    coord_metrics_t *m = coord_metrics_new (NULL, false);
    assert_non_null (m);
    char *text = coord_metrics_text (m);
    const char *types [] = {
        "# TYPE cohort_coordinator_rounds_total counter\n",
        "# TYPE cohort_coordinator_round_duration_seconds histogram\n",
        "# TYPE cohort_coordinator_sites_connected gauge\n",
        "# TYPE cohort_coordinator_messages_rejected_total counter\n",
        "# TYPE cohort_coordinator_partials_excluded_total counter\n",
        "# TYPE cohort_coordinator_studies_launched_total counter\n",
        "# TYPE cohort_coordinator_studies_finished_total counter\n",
        "# TYPE cohort_coordinator_requests_refused_total counter\n",
        "# TYPE cohort_coordinator_handshakes_refused_total counter\n",
        "cohort_coordinator_sites_connected 0\n",
        "cohort_coordinator_requests_refused_total{reason=\"rate_limit\"} 0\n",
        "cohort_coordinator_requests_refused_total{reason=\"internal\"} 0\n",
        "cohort_coordinator_partials_excluded_total{reason=\"proof\"} 0\n",
    };
    for (size_t i = 0; i < sizeof types / sizeof types [0]; i++)
        s_has (text, types [i]);
    free (text);
    coord_metrics_destroy (&m);
    assert_null (m);
    coord_metrics_destroy (&m);
}

static void
test_updates (void **state)
{
    (void) state;
    coord_metrics_t *m = coord_metrics_new (NULL, false);
    coord_metrics_round (m, "train", true, 0.3);
    coord_metrics_round (m, "train", true, 0.07);
    coord_metrics_round (m, "eval", false, 31);
    coord_metrics_sites (m, 3);
    coord_metrics_rejected (m, "update", COORD_REJECTED_LATE);
    coord_metrics_rejected (m, "update", COORD_REJECTED_LATE);
    coord_metrics_rejected (m, "hello", COORD_REJECTED_ROLE);
    coord_metrics_rejected (m, "update", COORD_REJECTED_COUNT);     //  ignored
    coord_metrics_excluded (m, COORD_EXCLUDED_PROOF);
    coord_metrics_study (m, false, NULL);
    coord_metrics_study (m, true, NULL);
    coord_metrics_study (m, false, "completed");
    coord_metrics_study (m, true, "failed");
    coord_metrics_study (m, true, "anything else");
    coord_metrics_refused (m, COORD_REFUSAL_TOTP);
    coord_metrics_refused (m, COORD_REFUSAL_COUNT);                 //  ignored
    coord_metrics_handshake_refused (m);
    char *text = coord_metrics_text (m);
    s_has (text, "cohort_coordinator_rounds_total{kind=\"train\",result=\"completed\"} 2\n");
    s_has (text, "cohort_coordinator_rounds_total{kind=\"eval\",result=\"failed\"} 1\n");
    s_has (text, "cohort_coordinator_round_duration_seconds_bucket{kind=\"train\",le=\"0.1\"} 1\n");
    s_has (text, "cohort_coordinator_round_duration_seconds_bucket{kind=\"train\",le=\"0.5\"} 2\n");
    s_has (text, "cohort_coordinator_round_duration_seconds_bucket{kind=\"eval\",le=\"30\"} 0\n");
    s_has (text, "cohort_coordinator_round_duration_seconds_bucket{kind=\"eval\",le=\"60\"} 1\n");
    s_has (text, "cohort_coordinator_round_duration_seconds_count{kind=\"train\"} 2\n");
    s_has (text, "cohort_coordinator_sites_connected 3\n");
    s_has (text, "cohort_coordinator_messages_rejected_total{message=\"update\",reason=\"late\"} 2\n");
    s_has (text, "cohort_coordinator_messages_rejected_total{message=\"hello\",reason=\"role\"} 1\n");
    s_has (text, "cohort_coordinator_partials_excluded_total{reason=\"proof\"} 1\n");
    s_has (text, "cohort_coordinator_studies_launched_total{kind=\"study\"} 1\n");
    s_has (text, "cohort_coordinator_studies_launched_total{kind=\"query\"} 1\n");
    s_has (text, "cohort_coordinator_studies_finished_total{kind=\"study\",status=\"completed\"} 1\n");
    s_has (text, "cohort_coordinator_studies_finished_total{kind=\"query\",status=\"failed\"} 2\n");
    s_has (text, "cohort_coordinator_requests_refused_total{reason=\"totp\"} 1\n");
    s_has (text, "cohort_coordinator_handshakes_refused_total 1\n");
    s_has (text, "cohort_metrics_dropped_total 0\n");
    free (text);
    //  NULL-safe.
    coord_metrics_round (NULL, "train", true, 1);
    coord_metrics_sites (NULL, 1);
    coord_metrics_rejected (NULL, "update", COORD_REJECTED_LATE);
    coord_metrics_study (NULL, true, NULL);
    coord_metrics_refused (NULL, COORD_REFUSAL_ROLE);
    coord_metrics_excluded (NULL, COORD_EXCLUDED_PROOF);
    coord_metrics_handshake_refused (NULL);
    coord_metrics_destroy (&m);
}

static void
test_listener (void **state)
{
    (void) state;
    coord_metrics_t *m = coord_metrics_new ("127.0.0.1:0", false);
    assert_non_null (m);
    coord_metrics_destroy (&m);
    assert_null (coord_metrics_new ("0.0.0.0:0", false));
    assert_non_null (strstr (util_last_error (), "coordinator: metrics: '0.0.0.0' is not a "
                                                 "loopback address"));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_families),
        cmocka_unit_test (test_updates),
        cmocka_unit_test (test_listener),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
