/*  Unit tests for cli/cmd_bench.c: area dispatch, `all`, help, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "cli/cmd.h"

static void
test_dispatch (void **state)
{
    (void) state;
    char *a1 [] = { "bench", "--help", NULL };
    assert_int_equal (cli_cmd_bench (2, a1), CLI_OK);
    char *a2 [] = { "bench", "nosuch", NULL };
    assert_int_equal (cli_cmd_bench (2, a2), CLI_USAGE);
    char *a3 [] = { "bench", NULL };
    assert_int_equal (cli_cmd_bench (1, a3), CLI_USAGE);
    char *a4 [] = { "bench", "he", "--help", NULL };
    assert_int_equal (cli_cmd_bench (3, a4), CLI_OK);
    //  `all` passes the options on to every area (here: help, then stop).
    char *a5 [] = { "bench", "all", "--help", NULL };
    assert_int_equal (cli_cmd_bench (3, a5), CLI_OK);
    char *a6 [] = { "bench", "all", "--bogus", NULL };
    assert_int_equal (cli_cmd_bench (3, a6), CLI_USAGE);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_dispatch),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
