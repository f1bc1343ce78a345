/*  Unit tests for cli/cmd_coordinator.c: usage, help and a refused config.
    The daemon itself runs in tests/e2e. */
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
test_coordinator (void **state)
{
    (void) state;
    s_usage ("coordinator", "usage: cohort coordinator");
    s_usage ("coordinator --config", "usage");
    s_usage ("coordinator --config a b", "usage");
    s_usage ("coordinator --bogus", "usage");
    assert_int_equal (s_run ("coordinator --help"), CLI_OK);
    assert_non_null (strstr (s_out, "never a key share"));
    assert_int_equal (s_run ("coordinator --config /nonexistent.cfg"), CLI_FAIL);
    assert_non_null (strstr (s_err, "cannot read the config file"));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_coordinator),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
