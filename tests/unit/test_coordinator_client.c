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

static char s_dir [] = "/tmp/cohort-client-XXXXXX";

static const char *
s_cfg (const char *text)
{
    static char path [300];
    snprintf (path, sizeof path, "%s/analyst.cfg", s_dir);
    FILE *f = fopen (path, "w");
    fputs (text, f);
    fclose (f);
    return path;
}

static void
test_client (void **state)
{
    (void) state;
    assert_non_null (mkdtemp (s_dir));
    zcert_t *cert = zcert_new ();
    char base [300];
    snprintf (base, sizeof base, "%s/analyst", s_dir);
    assert_int_equal (zcert_save (cert, base), 0);
    snprintf (base, sizeof base, "%s/coordinator", s_dir);
    assert_int_equal (zcert_save (cert, base), 0);
    zcert_destroy (&cert);

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
    char cmd [300];
    snprintf (cmd, sizeof cmd, "rm -rf %s", s_dir);
    assert_int_equal (system (cmd), 0);
}

int
main (void)
{
    const struct CMUnitTest tests [] = { cmocka_unit_test (test_client) };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
