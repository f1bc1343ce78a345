/*  Unit tests for site/metrics.c: the families and their labels, the
    decline classes from a reason's prefix, the budget gauges, the ingest
    counts mirrored (not added), and a refused listener address. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "site/metrics.h"
#include "util/error.h"

static void
s_has (const char *text, const char *line)
{
    if (!strstr (text, line))
        fail_msg ("missing: %s\nin:\n%s", line, text);
}

static void
test_updates (void **state)
{
    (void) state;
    site_metrics_t *m = site_metrics_new (NULL, false);
    assert_non_null (m);
    char *text = site_metrics_text (m);
    s_has (text, "cohort_site_offers_declined_total{reason=\"budget\"} 0\n");
    s_has (text, "cohort_site_decryptions_total{result=\"refused\"} 0\n");
    s_has (text, "# TYPE cohort_site_budget_epsilon_spent gauge\n");
    s_has (text, "# TYPE cohort_site_ingest_frames_total counter\n");
    free (text);
    site_metrics_contributed (m, "train");
    site_metrics_contributed (m, "train");
    site_metrics_contributed (m, "eval");
    site_metrics_decryption (m, SITE_DECRYPT_ANSWERED);
    site_metrics_decryption (m, SITE_DECRYPT_REFUSED);
    site_metrics_accepted (m, false);
    site_metrics_accepted (m, true);
    site_metrics_declined (m, SITE_DECLINED_SIGNATURE);
    site_metrics_declined (m, SITE_DECLINED_COUNT);         //  ignored
    site_metrics_budget (m, "breast_cancer", 4, 0.75);
    site_metrics_budget (m, "breast_cancer", 4, 1.5);
    uint64_t counts [INGEST_REASON_COUNT] = { 0 };
    counts [INGEST_OK] = 10;
    counts [INGEST_REPLAY] = 2;
    site_metrics_ingest (m, counts);
    counts [INGEST_OK] = 12;
    site_metrics_ingest (m, counts);
    text = site_metrics_text (m);
    s_has (text, "cohort_site_rounds_contributed_total{kind=\"train\"} 2\n");
    s_has (text, "cohort_site_rounds_contributed_total{kind=\"eval\"} 1\n");
    s_has (text, "cohort_site_decryptions_total{result=\"answered\"} 1\n");
    s_has (text, "cohort_site_decryptions_total{result=\"refused\"} 1\n");
    s_has (text, "cohort_site_offers_accepted_total{kind=\"study\"} 1\n");
    s_has (text, "cohort_site_offers_accepted_total{kind=\"query\"} 1\n");
    s_has (text, "cohort_site_offers_declined_total{reason=\"signature\"} 1\n");
    s_has (text, "cohort_site_budget_epsilon{dataset=\"breast_cancer\"} 4\n");
    s_has (text, "cohort_site_budget_epsilon_spent{dataset=\"breast_cancer\"} 1.5\n");
    s_has (text, "cohort_site_ingest_frames_total{result=\"accepted\"} 12\n");
    s_has (text, "cohort_site_ingest_frames_total{result=\"replay\"} 2\n");
    s_has (text, "cohort_site_ingest_frames_total{result=\"bad_tag\"} 0\n");
    free (text);
    site_metrics_contributed (NULL, "train");
    site_metrics_budget (NULL, "x", 1, 1);
    site_metrics_ingest (NULL, counts);
    site_metrics_destroy (&m);
    assert_null (m);
    site_metrics_destroy (&m);
}

static void
test_decline_class (void **state)
{
    (void) state;
    assert_int_equal (site_metrics_decline_class ("budget: the study would bring ...",
                                                  SITE_DECLINED_DATA), SITE_DECLINED_BUDGET);
    assert_int_equal (site_metrics_decline_class ("policy: where= selects fewer ...",
                                                  SITE_DECLINED_DATA), SITE_DECLINED_POLICY);
    assert_int_equal (site_metrics_decline_class ("dictionary: differs", SITE_DECLINED_DATA),
                      SITE_DECLINED_DICTIONARY);
    assert_int_equal (site_metrics_decline_class ("privacy: off", SITE_DECLINED_QUORUM),
                      SITE_DECLINED_PRIVACY_OFF);
    assert_int_equal (site_metrics_decline_class ("round: the site ran out of memory",
                                                  SITE_DECLINED_DATA), SITE_DECLINED_INTERNAL);
    assert_int_equal (site_metrics_decline_class ("missing features: age", SITE_DECLINED_DATA),
                      SITE_DECLINED_DATA);
    assert_int_equal (site_metrics_decline_class ("budget", SITE_DECLINED_DATA),
                      SITE_DECLINED_DATA);
    assert_int_equal (site_metrics_decline_class ("", SITE_DECLINED_INVALID),
                      SITE_DECLINED_INVALID);
}

static void
test_listener (void **state)
{
    (void) state;
    site_metrics_t *m = site_metrics_new ("127.0.0.1:0", false);
    assert_non_null (m);
    site_metrics_destroy (&m);
    assert_null (site_metrics_new ("192.168.1.1:9464", false));
    assert_non_null (strstr (util_last_error (), "site: metrics: '192.168.1.1' is not a "
                                                 "loopback address"));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_updates),
        cmocka_unit_test (test_decline_class),
        cmocka_unit_test (test_listener),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
