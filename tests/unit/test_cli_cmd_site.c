/*  Unit tests for cli/cmd_site.c: usage, help and a refused config. The
    worker itself runs in tests/e2e. */
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
test_site (void **state)
{
    (void) state;
    s_usage ("site", "usage: cohort site");
    s_usage ("site --config x extra", "usage");
    assert_int_equal (s_run ("site --help"), CLI_OK);
    assert_non_null (strstr (s_out, "privacy ledger"));
    assert_int_equal (s_run ("site --config /nonexistent.cfg"), CLI_FAIL);
    assert_non_null (strstr (s_err, "cannot read the config file"));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_site),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
