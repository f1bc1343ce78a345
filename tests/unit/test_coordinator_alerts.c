/*  Unit tests for coordinator/alerts.c: each detector is fed events and
    must raise its alert, with its figures, on the pattern it looks for and
    stay silent under normal use; the rate limits refuse at the limit and
    not below; the alerts config is read with its defaults and each bad
    value is refused with one line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "coordinator/alerts.h"
#include "util/error.h"
#include "support_dir.h"
#include "support_file.h"

#define HOUR 3600000LL
#define MIN 60000LL
#define T0 (1800000000000LL - 1800000000000LL % HOUR)  //  on an hour

static coord_alerts_t *
s_new (coord_alerts_config_t *cfg)
{
    assert_int_equal (coord_alerts_config_load (cfg, NULL), 0);
    return coord_alerts_new (cfg);
}

//  Takes the next entry: NULL, or checks its kind and actor and returns its
//  detail (borrowed from *entry, which the caller frees).
static json_t *
s_expect (coord_alerts_t *a, json_t **entry, const char *kind, const char *actor)
{
    *entry = coord_alerts_next (a);
    if (!kind) {
        if (*entry)
            print_error ("unexpected %s\n", json_dumps (*entry, 0));
        assert_null (*entry);
        return NULL;
    }
    assert_non_null (*entry);
    assert_string_equal (json_string_value (json_object_get (*entry, "kind")), kind);
    assert_string_equal (json_string_value (json_object_get (*entry, "actor")), actor);
    return json_object_get (*entry, "detail");
}

static void
test_config (void **state)
{
    (void) state;
    coord_alerts_config_t cfg;
    assert_int_equal (coord_alerts_config_load (&cfg, NULL), 0);
    assert_int_equal (cfg.auth_failures, 10);
    assert_int_equal (cfg.auth_window_s, 60);
    assert_int_equal (cfg.rate_factor, 5);
    assert_int_equal (cfg.history_hours, 168);
    assert_int_equal (cfg.queries_per_hour, 60);
    assert_int_equal (cfg.launches_per_hour, 20);
    assert_true (cfg.differencing_width == 0.05);
    assert_true (cfg.burn_min_epsilon == 1.0);
    char path [512];
    support_path (path, sizeof path, support_dir_group, "c.cfg");
    support_file_write (path, "coordinator\n    name = x\nalerts\n    auth_failures = 3\n"
                        "    differencing_width = 0.1\n    queries_per_hour = 2\n", 0600);
    assert_int_equal (coord_alerts_config_load (&cfg, path), 0);
    assert_int_equal (cfg.auth_failures, 3);
    assert_true (cfg.differencing_width == 0.1);
    assert_int_equal (cfg.queries_per_hour, 2);
    assert_int_equal (cfg.proof_failures, 3);           //  a default kept
    //  No alerts section: the defaults.
    support_file_write (path, "coordinator\n    name = x\n", 0600);
    assert_int_equal (coord_alerts_config_load (&cfg, path), 0);
    assert_int_equal (cfg.auth_failures, 10);
    //  Each bad value, one line naming the key.
    static const char *bad [] [2] = {
        { "bogus = 1", "alerts/bogus: unknown key" },
        { "auth_failures = 0", "alerts/auth_failures: '0' is not in 1..100000" },
        { "auth_failures = -1", "alerts/auth_failures" },
        { "auth_failures = 1x", "alerts/auth_failures" },
        { "rate_factor = 1", "alerts/rate_factor" },
        { "history_hours = 721", "alerts/history_hours" },
        { "differencing_width = 1", "alerts/differencing_width: '1' is not a number in (0, 1)" },
        { "differencing_width = 0", "alerts/differencing_width" },
        { "differencing_width = nan", "alerts/differencing_width" },
        { "burn_min_epsilon = 1001", "alerts/burn_min_epsilon" },
        { "queries_per_hour =", "alerts/queries_per_hour" },
        { "history_min_hours = 10\n    history_hours = 10", "history_min_hours: 10 is not below" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        char text [256];
        snprintf (text, sizeof text, "alerts\n    %s\n", bad [i] [0]);
        support_file_write (path, text, 0600);
        assert_int_equal (coord_alerts_config_load (&cfg, path), -1);
        if (!strstr (util_last_error (), bad [i] [1]))
            print_error ("%s: %s\n", bad [i] [0], util_last_error ());
        assert_non_null (strstr (util_last_error (), bad [i] [1]));
        assert_non_null (strstr (util_last_error (), path));
    }
    assert_int_equal (coord_alerts_config_load (&cfg, "/nonexistent/c.cfg"), -1);
}

static void
test_auth_burst (void **state)
{
    (void) state;
    coord_alerts_config_t cfg;
    coord_alerts_t *a = s_new (&cfg);
    json_t *e;
    const char *k = "rq:8G3FlfKHW0nJ4[&.r+6T&h0yU}u!dK9y1#pr9";
    //  Normal use: a client that mistyped its key once a minute is no burst.
    for (int i = 0; i < 60; i++)
        coord_alerts_auth_failed (a, T0 + i * MIN, k, "10.1.1.1", "unknown key");
    s_expect (a, &e, NULL, NULL);
    //  Ten within a minute: one alert per key, naming it, with the figures.
    for (int i = 0; i < 30; i++)
        coord_alerts_auth_failed (a, T0 + 2 * HOUR + i * 100, k, "10.1.1.2", "unknown key");
    char actor [128];
    snprintf (actor, sizeof actor, "key:%s", k);
    json_t *d = s_expect (a, &e, "alert.auth_failures", actor);
    assert_string_equal (json_string_value (json_object_get (d, "key")), k);
    assert_string_equal (json_string_value (json_object_get (d, "address")), "10.1.1.2");
    assert_int_equal (json_integer_value (json_object_get (d, "failures")), 10);
    assert_int_equal (json_integer_value (json_object_get (d, "window_s")), 60);
    json_decref (e);
    //  ... and per address (10.1.1.2 had its ten too).
    s_expect (a, &e, "alert.auth_failures", "address:10.1.1.2");
    json_decref (e);
    s_expect (a, &e, NULL, NULL);
    //  Fresh keys from one address: caught by the address.
    for (int i = 0; i < 10; i++) {
        char key [41];
        snprintf (key, sizeof key, "%040d", i);
        coord_alerts_auth_failed (a, T0 + 5 * HOUR + i, key, "10.9.9.9", "unknown key");
    }
    d = s_expect (a, &e, "alert.auth_failures", "address:10.9.9.9");
    assert_string_equal (json_string_value (json_object_get (d, "by")), "address");
    json_decref (e);
    s_expect (a, &e, NULL, NULL);
    //  A mechanism refusal has no key: counted by address only.
    for (int i = 0; i < 10; i++)
        coord_alerts_auth_failed (a, T0 + 6 * HOUR + i, "", "10.7.7.7", "mechanism PLAIN is not allowed");
    d = s_expect (a, &e, "alert.auth_failures", "address:10.7.7.7");
    assert_string_equal (json_string_value (json_object_get (d, "last_reason")),
                         "mechanism PLAIN is not allowed");
    json_decref (e);
    s_expect (a, &e, NULL, NULL);
    coord_alerts_destroy (&a);
    assert_null (a);
    coord_alerts_destroy (&a);
}

static void
test_rate_limits (void **state)
{
    (void) state;
    coord_alerts_config_t cfg;
    coord_alerts_t *a = s_new (&cfg);
    cfg.queries_per_hour = 3;
    cfg.launches_per_hour = 2;
    coord_alerts_destroy (&a);
    a = coord_alerts_new (&cfg);
    char why [256];
    json_t *e;
    //  Three queries in an hour are allowed, the fourth is refused.
    for (int i = 0; i < 3; i++) {
        assert_int_equal (coord_alerts_admit (a, T0 + i * MIN, "key:A", true, why, sizeof why), 0);
        coord_alerts_launched (a, T0 + i * MIN, "key:A", "count()", NULL, 40, 0.1);
    }
    assert_int_equal (coord_alerts_admit (a, T0 + 10 * MIN, "key:A", true, why, sizeof why), -1);
    assert_non_null (strstr (why, "rate limit: 3 queries in the last hour"));
    assert_non_null (strstr (why, "queries_per_hour = 3"));
    json_t *d = s_expect (a, &e, "ratelimit.refused", "key:A");
    assert_int_equal (json_integer_value (json_object_get (d, "limit")), 3);
    json_decref (e);
    //  Studies are counted apart: A may still launch one, B is untouched.
    assert_int_equal (coord_alerts_admit (a, T0 + 10 * MIN, "key:A", false, why, sizeof why), 0);
    assert_int_equal (coord_alerts_admit (a, T0 + 10 * MIN, "key:B", true, why, sizeof why), 0);
    //  The window slides by the minute: an hour after the first, one frees.
    assert_int_equal (coord_alerts_admit (a, T0 + 59 * MIN, "key:A", true, why, sizeof why), -1);
    json_decref (coord_alerts_next (a));
    assert_int_equal (coord_alerts_admit (a, T0 + 60 * MIN, "key:A", true, why, sizeof why), 0);
    //  Study launches: two, then refused.
    coord_alerts_launched (a, T0 + 70 * MIN, "key:A", NULL, NULL, 40, 1);
    coord_alerts_launched (a, T0 + 71 * MIN, "key:A", NULL, NULL, 40, 1);
    assert_int_equal (coord_alerts_admit (a, T0 + 72 * MIN, "key:A", false, why, sizeof why), -1);
    assert_non_null (strstr (why, "2 study launches"));
    json_decref (coord_alerts_next (a));
    s_expect (a, &e, NULL, NULL);
    coord_alerts_destroy (&a);
}

//  An analyst with a steady history: `per_hour` queries (epsilon 0.1 each)
//  an hour, 60 / per_hour minutes apart, for `hours` hours from T0.
static void
s_history (coord_alerts_t *a, const char *who, int hours, int per_hour)
{
    for (int h = 0; h < hours; h++)
        for (int i = 0; i < per_hour; i++)
            coord_alerts_launched (a, T0 + h * HOUR + i * (60 / per_hour) * MIN, who,
                                   i? "count()": "mean(age)", NULL, 40, 0.1);
}

static void
test_rates_against_history (void **state)
{
    (void) state;
    coord_alerts_config_t cfg;
    coord_alerts_t *a = s_new (&cfg);
    json_t *e;
    //  A steady week: no alert.
    s_history (a, "key:A", 48, 2);
    s_expect (a, &e, NULL, NULL);
    //  An hour of 12 queries: the 11th in the sliding hour (one is from the
    //  hour before) is more than 5 times the mean of 2, and at least 10.
    int64_t t = T0 + 48 * HOUR;
    for (int i = 0; i < 12; i++)
        coord_alerts_launched (a, t + i * MIN, "key:A", "count()", NULL, 40, 0.01);
    json_t *d = s_expect (a, &e, "alert.query_rate", "key:A");
    assert_int_equal (json_integer_value (json_object_get (d, "queries_last_hour")), 11);
    assert_true (json_real_value (json_object_get (d, "mean_per_hour")) == 2.0);
    assert_int_equal (json_integer_value (json_object_get (d, "history_hours")), 48);
    json_decref (e);
    s_expect (a, &e, NULL, NULL);
    //  Budget: one launch asking epsilon 2 in an hour against 0.2 an hour.
    coord_alerts_launched (a, T0 + 52 * HOUR, "key:A", NULL, NULL, 40, 2.0);
    d = s_expect (a, &e, "alert.budget_burn", "key:A");
    assert_true (json_real_value (json_object_get (d, "epsilon_last_hour")) == 2.0);
    json_decref (e);
    s_expect (a, &e, NULL, NULL);
    //  Normal use: a busier hour, but within the factor (18 against 4 x 5).
    s_history (a, "key:B", 48, 4);
    for (int i = 0; i < 15; i++)
        coord_alerts_launched (a, T0 + 48 * HOUR + i * MIN, "key:B", "count()", NULL, 40, 0.1);
    s_expect (a, &e, NULL, NULL);
    //  A newcomer has no history to be far above: the limits hold them.
    for (int i = 0; i < 30; i++)
        coord_alerts_launched (a, T0 + i * MIN, "key:new", "count()", NULL, 40, 0.5);
    s_expect (a, &e, NULL, NULL);
    //  A quiet history and a few queries: under rate_min_queries.
    s_history (a, "key:C", 30, 2);
    for (int i = 0; i < 9; i++)
        coord_alerts_launched (a, T0 + 40 * HOUR + i * MIN, "key:C", "count()", NULL, 40, 0.01);
    s_expect (a, &e, NULL, NULL);
    coord_alerts_destroy (&a);
}

static const char s_dict [] =
    "name,type,min,max,levels,unit,description\n"
    "age,integer,0,120,,years,\n"
    "bmi,numeric,10,60,,kg/m2,\n"
    "sex,categorical,,,female|male,,\n";

static void
test_differencing (void **state)
{
    (void) state;
    coord_alerts_config_t cfg;
    coord_alerts_t *a = s_new (&cfg);
    model_dict_t *dict = model_dict_parse ("dict", s_dict, strlen (s_dict));
    assert_non_null (dict);
    json_t *e;
    //  Normal use: different queries, the same one with widely spaced
    //  filters, the very same query again, a categorical filter changed.
    const char *normal [] = {
        "mean(bmi, where = age >= 40)", "mean(bmi, where = age >= 60)",
        "count(where = age >= 20)", "mean(bmi, where = age >= 40)",
        "mean(bmi, where = age >= 40 & sex == 'female')",
        "mean(bmi, where = age >= 40 & sex == 'male')",
        "summary(bmi, by = sex, where = bmi < 30)", "summary(bmi, by = sex, where = bmi < 40)",
        "mean(age, where = age >= 41)",
    };
    for (size_t i = 0; i < sizeof normal / sizeof normal [0]; i++)
        coord_alerts_launched (a, T0 + (int64_t) i * MIN, "key:A", normal [i], dict, 40, 0.1);
    s_expect (a, &e, NULL, NULL);
    //  The attack: mean(bmi) over age >= 40 and then >= 41 (1/120 of the range).
    coord_alerts_launched (a, T0 + 20 * MIN, "key:A", "mean(bmi, where = age>=41)", dict, 40, 0.1);
    json_t *d = s_expect (a, &e, "alert.differencing", "key:A");
    assert_string_equal (json_string_value (json_object_get (d, "column")), "age");
    assert_true (json_real_value (json_object_get (d, "value")) == 41);
    assert_true (json_real_value (json_object_get (d, "earlier_value")) == 40);
    assert_true (json_real_value (json_object_get (d, "range")) == 120);
    assert_string_equal (json_string_value (json_object_get (d, "earlier")),
                         "mean(bmi, where = age >= 40)");
    json_decref (e);
    //  In a compound filter, one bound nudged, the categorical kept.
    coord_alerts_launched (a, T0 + 21 * MIN, "key:A",
                           "mean(bmi, where = age >= 42 & sex == 'male')", dict, 40, 0.1);
    d = s_expect (a, &e, "alert.differencing", "key:A");
    assert_true (json_real_value (json_object_get (d, "earlier_value")) == 40);
    assert_string_equal (json_string_value (json_object_get (d, "earlier")),
                         "mean(bmi, where = age >= 40 & sex == 'male')");
    json_decref (e);
    //  Another analyst's queries are not compared with A's.
    coord_alerts_launched (a, T0 + 23 * MIN, "key:B", "mean(bmi, where = age >= 40)", dict, 40, 0.1);
    s_expect (a, &e, NULL, NULL);
    //  Outside the window, no pair.
    coord_alerts_launched (a, T0 + 25 * HOUR, "key:B", "mean(bmi, where = age >= 41)", dict, 40, 0.1);
    s_expect (a, &e, NULL, NULL);
    //  Without a dictionary the width is relative to the numbers.
    coord_alerts_launched (a, T0 + 26 * HOUR, "key:C", "mean(bmi, where = age >= 40)", NULL, 40, 0.1);
    coord_alerts_launched (a, T0 + 26 * HOUR + 1, "key:C", "mean(bmi, where = age >= 41)", NULL, 40, 0.1);
    s_expect (a, &e, "alert.differencing", "key:C");
    json_decref (e);
    //  A query that does not parse is not compared (and does not crash).
    coord_alerts_launched (a, T0 + 27 * HOUR, "key:C", "mean(", dict, 40, 0.1);
    s_expect (a, &e, NULL, NULL);
    model_dict_destroy (&dict);
    coord_alerts_destroy (&a);
}

static void
test_proof_failures (void **state)
{
    (void) state;
    coord_alerts_config_t cfg;
    coord_alerts_t *a = s_new (&cfg);
    json_t *e;
    //  One failure a day (a flaky link) is not a pattern.
    for (int i = 0; i < 5; i++)
        coord_alerts_proof_failed (a, T0 + i * 25 * HOUR, "hospital-a", "partial: proof fails");
    s_expect (a, &e, NULL, NULL);
    //  Three within a day: one alert naming the site.
    for (int i = 0; i < 4; i++)
        coord_alerts_proof_failed (a, T0 + 200 * HOUR + i * MIN, "hospital-b", "partial: proof fails");
    json_t *d = s_expect (a, &e, "alert.proof_failures", "site:hospital-b");
    assert_string_equal (json_string_value (json_object_get (d, "site")), "hospital-b");
    assert_int_equal (json_integer_value (json_object_get (d, "failures")), 3);
    assert_string_equal (json_string_value (json_object_get (d, "last_reason")),
                         "partial: proof fails");
    json_decref (e);
    s_expect (a, &e, NULL, NULL);
    coord_alerts_destroy (&a);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_config),
        cmocka_unit_test (test_auth_burst),
        cmocka_unit_test (test_rate_limits),
        cmocka_unit_test (test_rates_against_history),
        cmocka_unit_test (test_differencing),
        cmocka_unit_test (test_proof_failures),
    };
    return cmocka_run_group_tests (tests, support_dir_group_setup, support_dir_group_teardown);
}
