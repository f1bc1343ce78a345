/*  Unit tests for cli/cli.c: dispatch. (The daemons' start is tested by
    test_cli_cmd_coordinator.c and test_cli_cmd_site.c.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli/cli.h"

static int s_ran;
static int s_fake (int argc, char **argv) { (void) argv; s_ran = argc; return 7; }

static void
test_dispatch (void **state)
{
    (void) state;
    const cli_command_t commands [] = {
        { "one", "first", s_fake }, { NULL, NULL, NULL }
    };
    char *a1 [] = { "prog", "one", "x", NULL };
    assert_int_equal (cli_dispatch ("prog", commands, 3, a1), 7);
    assert_int_equal (s_ran, 2);
    char *a2 [] = { "prog", "two", NULL };
    assert_int_equal (cli_dispatch ("prog", commands, 2, a2), CLI_USAGE);
    char *a3 [] = { "prog", NULL };
    assert_int_equal (cli_dispatch ("prog", commands, 1, a3), CLI_USAGE);
    char *a4 [] = { "prog", "--help", NULL };
    assert_int_equal (cli_dispatch ("prog", commands, 2, a4), CLI_OK);
    char *a5 [] = { "cohort", "nosuch", NULL };
    assert_int_equal (cli_run (2, a5), CLI_USAGE);
    char *a6 [] = { "cohort", "--version", NULL };
    assert_int_equal (cli_run (2, a6), CLI_OK);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_dispatch),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
