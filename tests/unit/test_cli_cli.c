/*  Unit tests for cli/cli.c: dispatch and strict option parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

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

static void
test_parse_long (void **state)
{
    (void) state;
    long v = 0;
    assert_int_equal (cli_parse_long ("--n", "42", 1, 100, &v), 0);
    assert_int_equal (v, 42);
    assert_int_equal (cli_parse_long ("--n", "1", 1, 100, &v), 0);
    assert_int_equal (cli_parse_long ("--n", "100", 1, 100, &v), 0);
    assert_int_equal (cli_parse_long ("--n", "0", 1, 100, &v), -1);
    assert_int_equal (cli_parse_long ("--n", "101", 1, 100, &v), -1);
    assert_int_equal (cli_parse_long ("--n", "4x", 1, 100, &v), -1);
    assert_int_equal (cli_parse_long ("--n", "", 1, 100, &v), -1);
    assert_int_equal (cli_parse_long ("--n", NULL, 1, 100, &v), -1);
    assert_int_equal (cli_parse_long ("--n", "99999999999999999999999", 1, 100, &v), -1);
    assert_int_equal (v, 100);  //  untouched on failure
}

static void
test_parse_double (void **state)
{
    (void) state;
    double v = 0;
    assert_int_equal (cli_parse_double ("--x", "0.5", 0, 1, &v), 0);
    assert_true (fabs (v - 0.5) < 1e-15);
    assert_int_equal (cli_parse_double ("--x", "1e-5", 0, 1, &v), 0);
    assert_int_equal (cli_parse_double ("--x", "nan", 0, 1, &v), -1);
    assert_int_equal (cli_parse_double ("--x", "inf", 0, 1, &v), -1);
    assert_int_equal (cli_parse_double ("--x", "1.5", 0, 1, &v), -1);
    assert_int_equal (cli_parse_double ("--x", "-0.1", 0, 1, &v), -1);
    assert_int_equal (cli_parse_double ("--x", "0.5abc", 0, 1, &v), -1);
    assert_int_equal (cli_parse_double ("--x", "", 0, 1, &v), -1);
}

static void
test_wants_help (void **state)
{
    (void) state;
    char *a [] = { "cmd", "--bits", "5", "-h", NULL };
    assert_true (cli_wants_help (4, a));
    assert_false (cli_wants_help (3, a));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_dispatch),
        cmocka_unit_test (test_parse_long),
        cmocka_unit_test (test_parse_double),
        cmocka_unit_test (test_wants_help),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
