/*  Unit tests for sim/launch.c: a consortium of real processes (the built
    binary, 512-bit test keys) is started, runs a study, answers the
    analyst's report request in every format, loses a site and gets it back,
    and is stopped; failures to start or launch are reported, never left
    running. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coordinator/client.h"
#include "coordinator/render.h"
#include "he/he.h"
#include "sim/consortium.h"
#include "sim/launch.h"
#include "sim/simulate.h"
#include "util/error.h"
#include "support_cohort.h"
#include "support_dir.h"
#include "support_file.h"
#include "support_net.h"

static void
test_study_and_report (void **state)
{
    (void) state;
    int port = sim_free_port ();
    assert_true (port > 0 && port < 65536);
    char out [256];
    support_path (out, sizeof out, support_dir_group, "fed");
    assert_int_equal (mkdir (out, 0700), 0);
    sim_options_t o;
    sim_options_defaults (&o);
    o.data = COHORT_SOURCE_DIR "/datasets/breast_cancer_wisconsin.csv";
    o.label = "malignant";
    o.sites = 3;
    o.threshold = 2;
    o.bits = 512;
    o.insecure_test_key = true;
    o.steps = 2;
    o.eval_every = 0;
    o.sampling_rate = 0.3;
    o.out = out;
    char **sites = NULL;
    assert_int_equal (sim_check (&o), 0);
    assert_int_equal (sim_prepare (&o, port, &sites), 0);
    sim_fed_t *fed = sim_fed_start (out, port, sites, 3);
    assert_non_null (fed);
    assert_false (support_net_port_free (port));
    assert_true (sim_fed_coordinator_rss_mb (fed) > 0);

    char path [512];
    support_path (path, sizeof path, out, "study.cfg");
    char *study = support_file_read (path, NULL);
    json_t *report = NULL;
    assert_int_equal (sim_fed_run (fed, study, 120, NULL, &report), 0);
    json_t *st = json_object_get (report, "study");
    assert_string_equal (json_string_value (json_object_get (st, "status")), "completed");
    char id [128];
    snprintf (id, sizeof id, "%s", json_string_value (json_object_get (st, "id")));
    json_decref (report);

    //  The report in each format, over CURVE with the analyst's cert.
    char analyst [512], file [512];
    support_path (analyst, sizeof analyst, out, "analyst.cfg");
    const char *formats [] = { "json", "csv", "html" };
    const char *expect [] = { "\"cohort_report\": 1", "field,value\r\ncohort_report,1",
                              "<!DOCTYPE html>" };
    coord_client_t *client = coord_client_new (analyst);
    assert_non_null (client);
    assert_int_equal (coord_client_report (client, id, &report), 0);
    for (int f = 0; f < 3; f++) {
        char name [32];
        snprintf (name, sizeof name, "report.%s", formats [f]);
        support_path (file, sizeof file, support_dir_group, name);
        FILE *to = fopen (file, "w");
        assert_non_null (to);
        assert_int_equal (coord_render (report, formats [f], to), 0);
        assert_int_equal (fclose (to), 0);
        char *text = support_file_read (file, NULL);
        assert_non_null (strstr (text, expect [f]));
        free (text);
    }
    json_decref (report);
    coord_client_destroy (&client);

    //  One site goes (hard), its process is reaped; it comes back and the
    //  coordinator logs its second join.
    sim_fed_kill (fed, 1, true);
    assert_false (sim_fed_running (fed, 1));
    assert_true (sim_fed_running (fed, 0));
    assert_false (sim_fed_logged (fed, "coordinator", "site site-2 (share 2) connected again",
                                  0.05));
    if (sim_fed_start_site (fed, 1))
        fail_msg ("restart: %s", util_last_error ());
    //  The restart is logged as the site's new connection.
    assert_true (sim_fed_logged (fed, "coordinator", "site site-2 (share 2) connected again", 1));
    assert_true (sim_fed_running (fed, 1));
    assert_int_equal (sim_fed_start_site (fed, 1), -1);
    assert_non_null (strstr (util_last_error (), "already running"));
    assert_int_equal (sim_fed_start_site (fed, 7), -1);
    assert_false (sim_fed_logged (fed, "coordinator", "no such line anywhere", 0.05));

    //  A study the coordinator refuses: launch fails, the consortium lives on.
    assert_int_equal (sim_fed_run (fed, "study\n    name = x\n", 60, NULL, &report), -1);
    assert_null (report);
    assert_int_equal (sim_fed_run (fed, study, 120, NULL, &report), 0);
    json_decref (report);
    free (study);

    sim_fed_stop (&fed);
    assert_null (fed);
    sim_fed_stop (&fed);
    assert_true (support_net_port_free (port));
    sim_consortium_free_sites (&sites);
}

static void
test_start_failures (void **state)
{
    (void) state;
    //  No consortium in the directory: the coordinator exits at once.
    char empty [256];
    support_path (empty, sizeof empty, support_dir_group, "empty");
    assert_int_equal (mkdir (empty, 0700), 0);
    char *sites [] = { "a", NULL };
    int port = sim_free_port ();
    assert_null (sim_fed_start (empty, port, sites, 1));
    //  The reason names the coordinator's log.
    assert_non_null (strstr (util_last_error (), "the coordinator exited"));
    assert_non_null (strstr (util_last_error (), "logs/coordinator.log"));
    assert_true (support_net_port_free (port));
    //  A directory that cannot hold the logs.
    assert_null (sim_fed_start ("/nonexistent/dir", port, sites, 1));
    assert_non_null (strstr (util_last_error (), "cannot create /nonexistent/dir/logs"));
    sim_fed_stop (NULL);
}

int
main (void)
{
    he_init ();
    support_cohort_setenv ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_start_failures),
        cmocka_unit_test (test_study_and_report),
    };
    return cmocka_run_group_tests (tests, support_dir_group_setup, support_dir_group_teardown);
}
