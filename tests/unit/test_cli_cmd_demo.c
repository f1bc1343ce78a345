/*  Unit tests for cli/cmd_demo.c: help and argument refusal. (The demo run
    itself is `make demo`: a 2048-bit consortium, about a minute; the same
    code path runs in test_cli_cmd_simulate with small keys.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli/cli.h"
#include "cli/cmd.h"

static void
test_arguments (void **state)
{
    (void) state;
    char *a1 [] = { "demo", "--help", NULL };
    assert_int_equal (cli_cmd_demo (2, a1), CLI_OK);
    char *a2 [] = { "demo", "extra", NULL };
    assert_int_equal (cli_cmd_demo (2, a2), CLI_USAGE);
    char *a3 [] = { "demo", "--bits", "1024", NULL };
    assert_int_equal (cli_cmd_demo (3, a3), CLI_USAGE);
    char *a4 [] = { "demo", "--bits", "2050", NULL };
    assert_int_equal (cli_cmd_demo (3, a4), CLI_USAGE);
    char *a5 [] = { "demo", "--nosuch", NULL };
    assert_int_equal (cli_cmd_demo (2, a5), CLI_USAGE);
    //  Without the bundled datasets nothing is written.
    char *a6 [] = { "demo", "--datasets", "/nonexistent", "--out", "/nonexistent/demo", NULL };
    assert_int_equal (cli_cmd_demo (5, a6), CLI_FAIL);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_arguments),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
