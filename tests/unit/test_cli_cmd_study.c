/*  Unit tests for cli/cmd_study.c: `cohort study launch|status` and
    `cohort report` usage and local failures (the round trips with a
    coordinator run in tests/e2e). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli_run.h"


static void
test_study (void **state)
{
    (void) state;
    s_usage ("study", "usage");
    s_usage ("study launch", "usage: cohort study launch");
    s_usage ("study launch a b", "usage: cohort study launch");
    s_usage ("study status a b", "usage: cohort study status");
    assert_int_equal (s_run ("study launch --help"), CLI_OK);
    assert_non_null (strstr (s_out, "--wait"));
    assert_non_null (strstr (s_out, "--timeout S"));
    s_usage ("study launch x.cfg --timeout 5", "--timeout goes with --wait");
    s_usage ("study launch x.cfg --wait --timeout 0", "--timeout");
    assert_int_equal (s_run ("study launch /nonexistent-study.cfg"), CLI_FAIL);
    assert_non_null (strstr (s_err, "/nonexistent-study.cfg: cannot open"));
    assert_int_equal (s_run ("study status --analyst /nonexistent-analyst.cfg"), CLI_FAIL);
    assert_non_null (strstr (s_err, "cannot read the config file"));
}

static void
test_report (void **state)
{
    (void) state;
    s_usage ("report", "usage: cohort report");
    s_usage ("report a b", "usage: cohort report");
    s_usage ("report s1 --format pdf", "--format: 'pdf': expected json, csv or html");
    assert_int_equal (s_run ("report --help"), CLI_OK);
    assert_int_equal (s_run ("report s1 --analyst /nonexistent-analyst.cfg"), CLI_FAIL);
    assert_non_null (strstr (s_err, "cannot read the config file"));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_study),
        cmocka_unit_test (test_report),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
