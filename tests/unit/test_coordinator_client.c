/*  Unit tests for coordinator/client.c: analyst.cfg errors, and no answer
    from an absent coordinator within the configured time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <czmq.h>
#include <stdio.h>
#include <string.h>

#include "coordinator/client.h"
#include "util/error.h"
#include "support_curve.h"
#include "support_dir.h"
#include "support_file.h"

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
    support_curve_cert (support_dir_group, "analyst", NULL, NULL);
    support_curve_cert (support_dir_group, "coordinator", NULL, NULL);

    assert_null (coord_client_new ("/nonexistent/analyst.cfg"));
    assert_non_null (strstr (util_last_error (), "cannot read"));
    assert_null (coord_client_new (s_cfg ("analyst\n    coordinator = tcp://127.0.0.1:1\n")));
    assert_non_null (strstr (util_last_error (), "analyst/coordinator_cert: missing"));
    assert_null (coord_client_new (s_cfg ("analyst\n    coordinator = tcp://127.0.0.1:1\n"
                                          "    coordinator_cert = coordinator\n"
                                          "    cert = analyst_secret\n    timeout_ms = 5\n")));
    assert_non_null (strstr (util_last_error (), "timeout_ms"));
    assert_null (coord_client_new (s_cfg ("analyst\n    coordinator = tcp://127.0.0.1:1\n"
                                          "    coordinator_cert = coordinator\n"
                                          "    cert = missing_secret\n")));
    assert_non_null (strstr (util_last_error (), "cannot read certificate"));

    coord_client_t *client = coord_client_new (s_cfg ("analyst\n"
        "    coordinator = tcp://127.0.0.1:9\n    coordinator_cert = coordinator\n"
        "    cert = analyst_secret\n    timeout_ms = 300\n"));
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

int
main (void)
{
    const struct CMUnitTest tests [] = { cmocka_unit_test (test_client) };
    return cmocka_run_group_tests (tests, support_dir_group_setup, support_dir_group_teardown);
}
