/*  Unit tests for cli/cmd_demo.c: help and argument refusal. (The demo run
    itself is `make demo`; it takes tens of seconds at 2048 bits.) */
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
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_arguments),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
