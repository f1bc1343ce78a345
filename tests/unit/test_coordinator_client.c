/*  Unit tests for coordinator/client.c: analyst.cfg errors, and no answer
    from an absent coordinator within the configured time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coordinator/client.h"
#include "proto/study.h"
#include "util/error.h"
#include "support_curve.h"
#include "support_dir.h"
#include "support_file.h"
#include "support_role.h"

//  Writes analyst.cfg; returns its path (a static buffer).
static const char *
s_cfg (const char *text)
{
    static char path [300];
    support_file_write (support_path (path, sizeof path, support_dir_group, "analyst.cfg"), text,
                        0644);
    return path;
}

static void
test_client (void **state)
{
    (void) state;
    char key [SUPPORT_CURVE_KEY_TEXT];
    support_curve_cert (support_dir_group, "analyst", NULL, key);
    support_curve_cert (support_dir_group, "coordinator", NULL, NULL);
    support_role_cert (support_dir_group, "analyst", PROTO_ROLE_ANALYST, 0, key, 1);
    support_role_cert (support_dir_group, "other", PROTO_ROLE_ANALYST, 0, key, 1);

    assert_null (coord_client_new ("/nonexistent/analyst.cfg"));
    assert_non_null (strstr (util_last_error (), "cannot read"));
    assert_null (coord_client_new (s_cfg ("analyst\n    coordinator = tcp://127.0.0.1:1\n")));
    assert_non_null (strstr (util_last_error (), "analyst/coordinator_cert: missing"));
    assert_null (coord_client_new (s_cfg ("analyst\n    coordinator = tcp://127.0.0.1:1\n"
                                          "    coordinator_cert = coordinator\n"
                                          "    cert = analyst_secret\n    timeout_ms = 5\n")));
    assert_non_null (strstr (util_last_error (), "timeout_ms"));
    //  An older config without role certificates names the key it lacks;
    //  a certificate that is missing, or names another signing key, is refused.
    assert_null (coord_client_new (s_cfg ("analyst\n    coordinator = tcp://127.0.0.1:1\n"
                                          "    coordinator_cert = coordinator\n"
                                          "    cert = analyst_secret\n")));
    assert_non_null (strstr (util_last_error (), "analyst/role_cert: missing (role certificates "
                             "are required"));
    assert_null (coord_client_new (s_cfg ("analyst\n    coordinator = tcp://127.0.0.1:1\n"
                                          "    coordinator_cert = coordinator\n"
                                          "    cert = analyst_secret\n    role_cert = analyst.role\n")));
    assert_non_null (strstr (util_last_error (), "analyst/sign_key: missing"));
    assert_null (coord_client_new (s_cfg ("analyst\n    coordinator = tcp://127.0.0.1:1\n"
                                          "    coordinator_cert = coordinator\n"
                                          "    cert = analyst_secret\n    role_cert = nowhere.role\n"
                                          "    sign_key = analyst.sign\n")));
    assert_non_null (strstr (util_last_error (), "nowhere.role: cannot open"));
    assert_null (coord_client_new (s_cfg ("analyst\n    coordinator = tcp://127.0.0.1:1\n"
                                          "    coordinator_cert = coordinator\n"
                                          "    cert = analyst_secret\n    role_cert = analyst.role\n"
                                          "    sign_key = nowhere.sign\n")));
    assert_non_null (strstr (util_last_error (), "nowhere.sign"));
    assert_null (coord_client_new (s_cfg ("analyst\n    coordinator = tcp://127.0.0.1:1\n"
                                          "    coordinator_cert = coordinator\n"
                                          "    cert = analyst_secret\n    role_cert = analyst.role\n"
                                          "    sign_key = other.sign\n")));
    assert_non_null (strstr (util_last_error (), "its signer is not the key 'other'"));
    assert_null (coord_client_new (s_cfg ("analyst\n    coordinator = tcp://127.0.0.1:1\n"
                                          "    coordinator_cert = coordinator\n"
                                          "    cert = missing_secret\n    role_cert = analyst.role\n"
                                          "    sign_key = analyst.sign\n")));
    assert_non_null (strstr (util_last_error (), "cannot read certificate"));

    coord_client_t *client = coord_client_new (s_cfg ("analyst\n"
        "    coordinator = tcp://127.0.0.1:9\n    coordinator_cert = coordinator\n"
        "    cert = analyst_secret\n    timeout_ms = 300\n    role_cert = analyst.role\n"
        "    sign_key = analyst.sign\n"));
    assert_non_null (client);
    json_t *status = NULL;
    assert_int_equal (coord_client_status (client, NULL, &status), -1);
    assert_non_null (strstr (util_last_error (), "no answer from the coordinator within 300 ms"));
    char *id = NULL;
    assert_int_equal (coord_client_launch (client, "study\n", &id), -1);
    assert_null (id);
    //  A report needs a study id (refused before sending).
    assert_int_equal (coord_client_report (client, NULL, &status), -1);
    assert_non_null (strstr (util_last_error (), "study_id"));
    coord_client_destroy (&client);
    assert_null (client);
    coord_client_destroy (&client);
}

//  A query request to its definition and back through the study parser:
//  the expression survives whichever quotes it holds; what ZPL cannot
//  carry is refused with the reason.
static void
test_query_definition (void **state)
{
    (void) state;
    const char *exprs [] = {
        "summary(glucose, by=diabetes, where=sex == 'female' & age >= 50)",
        "count(where=stage %in% c(\"III\", \"IV\"))",
        "histogram(glucose, breaks=0:300:10)",
    };
    for (int i = 0; i < 3; i++) {
        coord_query_request_t r = { .expr = exprs [i], .dataset = "pima", .name = "q1",
                                    .epsilon = 0.5, .delta = 1e-6, .min_sites = 3 };
        char *text = coord_query_definition (&r);
        assert_non_null (text);
        proto_study_t *s = proto_study_parse (text, "q");
        if (!s)
            fail_msg ("%s: %s", text, util_last_error ());
        assert_string_equal (s->query, exprs [i]);
        assert_string_equal (s->dataset, "pima");
        assert_string_equal (s->name, "q1");
        assert_true (s->epsilon == 0.5 && s->delta == 1e-6 && !s->privacy_off);
        assert_int_equal (s->min_sites, 3);
        proto_study_destroy (&s);
        free (text);
    }
    coord_query_request_t off = { .expr = "count()", .dataset = "d", .off = true, .min_sites = 2 };
    char *text = coord_query_definition (&off);
    proto_study_t *s = proto_study_parse (text, "q");
    assert_non_null (s);
    assert_true (s->privacy_off);
    assert_string_equal (s->name, "query");
    proto_study_destroy (&s);
    free (text);
    const struct { coord_query_request_t r; const char *needle; } bad [] = {
        { { .expr = "count(where=a == 'x' | b == \"y\")", .dataset = "d" }, "not both" },
        { { .expr = "count()\n", .dataset = "d" }, "control character 0x0a" },
        { { .expr = "count()", .dataset = "my data" }, "the dataset name holds a space" },
        { { .expr = "count()", .dataset = "d", .name = "q\"1" }, "the name holds" },
        { { .expr = "count()", .dataset = "d#1" }, "'#'" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        char *t = coord_query_definition (&bad [i].r);
        if (t || !strstr (util_last_error (), bad [i].needle))
            fail_msg ("case %zu: %s", i, t? t: util_last_error ());
    }
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_client),
        cmocka_unit_test (test_query_definition),
    };
    return cmocka_run_group_tests (tests, support_dir_group_setup, support_dir_group_teardown);
}
