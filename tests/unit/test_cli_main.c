/*  Unit tests for cli/main.c: the built `cohort` binary answers --help,
    --version and `<cmd> --help`, and rejects unknown commands with exit 2. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support_cohort.h"

//  Runs the binary with `args`; returns its exit code, its stdout in out.
#define s_run(args, out, size) \
    support_cohort_run (out, size, SUPPORT_COHORT_STDOUT, NULL, "%s", args)

static void
test_help (void **state)
{
    (void) state;
    char out [8192];
    assert_int_equal (s_run ("--help", out, sizeof out), 0);
    assert_non_null (strstr (out, "usage: cohort"));
    assert_non_null (strstr (out, "bench"));
    assert_int_equal (s_run ("--version", out, sizeof out), 0);
    assert_non_null (strstr (out, "cohort "));
    assert_int_equal (s_run ("bench --help", out, sizeof out), 0);
    assert_non_null (strstr (out, "he"));
    assert_int_equal (s_run ("bench he --help", out, sizeof out), 0);
    assert_non_null (strstr (out, "--bits"));
    assert_int_equal (s_run ("demo --help", out, sizeof out), 0);
}

static void
test_usage_errors (void **state)
{
    (void) state;
    char out [8192];
    assert_int_equal (s_run ("", out, sizeof out), 2);
    assert_int_equal (s_run ("frobnicate", out, sizeof out), 2);
    assert_int_equal (s_run ("bench nosuch", out, sizeof out), 2);
    assert_int_equal (s_run ("bench he --bits 77", out, sizeof out), 2);
    assert_int_equal (s_run ("bench he --nosuch", out, sizeof out), 2);
    assert_int_equal (s_run ("demo extra", out, sizeof out), 2);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_help),
        cmocka_unit_test (test_usage_errors),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
