/*  Unit tests for cli/cmd_bench.c: area dispatch, `all`, help, a report
    printed as JSON and as lines, and for every area a usage error (exit 2,
    one line naming what was wrong) for each bad option. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "cli_run.h"

static void
test_dispatch (void **state)
{
    (void) state;
    assert_int_equal (s_run ("bench --help"), CLI_OK);
    assert_non_null (strstr (s_out, "federation"));
    s_usage ("bench nosuch", "unknown command 'nosuch'");
    assert_int_equal (s_run ("bench"), CLI_USAGE);
    const char *areas [] = { "he", "models", "dp", "ingest", "federation", "query-coverage",
                             "learning" };
    for (size_t i = 0; i < sizeof areas / sizeof areas [0]; i++) {
        char line [64], want [64];
        snprintf (line, sizeof line, "bench %s --help", areas [i]);
        snprintf (want, sizeof want, "usage: cohort bench %s ", areas [i]);
        assert_int_equal (s_run ("%s", line), CLI_OK);
        assert_non_null (strstr (s_out, want));
        snprintf (line, sizeof line, "bench %s --nosuch", areas [i]);
        s_usage (line, "unknown option '--nosuch'");
        snprintf (line, sizeof line, "bench %s extra", areas [i]);
        s_usage (line, "unexpected argument 'extra'");
    }
    //  `all` passes the options on to every area: help from each, or the
    //  first area's usage error.
    assert_int_equal (s_run ("bench all --help"), CLI_OK);
    assert_non_null (strstr (s_out, "usage: cohort bench he"));
    assert_non_null (strstr (s_out, "usage: cohort bench federation"));
    s_usage ("bench all --bogus", "he: unknown option '--bogus'");
    char *argv [] = { "bench", "all", "--help", NULL };
    support_capture_begin ();
    int rc = cli_cmd_bench (3, argv);
    support_capture_end (s_out, sizeof s_out, s_err, sizeof s_err);
    assert_int_equal (rc, CLI_OK);
    assert_string_equal (argv [1], "all");
}

static void
test_bad_options (void **state)
{
    (void) state;
    s_usage ("bench he --bits 1024", "bench he: 1024 bits");       //  insecure without the flag
    s_usage ("bench he --bits 2000 --insecure-test-key", "2000 bits");
    s_usage ("bench he --bits 8192", "--bits");
    s_usage ("bench he --values 0", "--values");
    s_usage ("bench he --values 10000001", "--values");
    s_usage ("bench he --sites x", "--sites");
    s_usage ("bench he --sites 257", "--sites");
    s_usage ("bench he --value-bits 70", "--value-bits");
    s_usage ("bench he --frac-bits -1", "--frac-bits");
    s_usage ("bench ingest --entries 0", "--entries");
    s_usage ("bench ingest --batch 100001", "--batch");
    s_usage ("bench ingest --single 5x", "--single");
    s_usage ("bench ingest --records 0", "--records");
    s_usage ("bench ingest --records", "missing value");
    s_usage ("bench dp --quick=1", "no value allowed for option '--quick=1'");
    s_usage ("bench models --data", "missing value");
    s_usage ("bench query-coverage --runs 0", "--runs");
    s_usage ("bench query-coverage --epsilon 0", "--epsilon");
    s_usage ("bench learning --seeds 0", "--seeds");
    s_usage ("bench learning --seeds 1001", "--seeds");
    s_usage ("bench learning --epsilon 0", "--epsilon");
    s_usage ("bench learning --split-seed -1", "--split-seed");
}

static void
test_reports (void **state)
{
    (void) state;
    assert_int_equal (s_run ("bench dp --quick --json"), CLI_OK);
    json_error_t err;
    json_t *r = json_loads (s_out, 0, &err);
    assert_non_null (r);
    assert_int_equal (json_integer_value (json_object_get (r, "samples")), 20000);
    assert_true (json_real_value (json_object_get (r, "laplace_samples_per_s")) > 0);
    json_decref (r);
    assert_int_equal (s_run ("bench dp --quick"), CLI_OK);
    assert_non_null (strstr (s_out, "\nsamples "));
    assert_non_null (strstr (s_out, " 20000\n"));
    //  Failures are exit 1 with the area and the reason.
    assert_int_equal (s_run ("bench models --quick --data /nonexistent.csv"), CLI_FAIL);
    assert_non_null (strstr (s_err, "cohort: error: bench models: /nonexistent.csv"));
    assert_int_equal (s_run ("bench he --bits 512 --insecure-test-key --sites 4 --values 10 "
                             "--value-bits 62"), CLI_FAIL);
    assert_non_null (strstr (s_err, "cohort: error: bench he: packed vector: codec"));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_dispatch),
        cmocka_unit_test (test_bad_options),
        cmocka_unit_test (test_reports),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
