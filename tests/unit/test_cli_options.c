/*  Unit tests for cli/options.c: strict numbers, and the table-driven
    parser with every kind of option, its ranges (closed, open at an end,
    bounds at the limit of long), --help, and one line naming what was
    wrong for every usage error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "support_capture.h"

static char s_out [4096], s_err [4096];

//  Runs cli_parse_args over `args` (NULL-terminated, after the command
//  name "cmd") with stdout and stderr captured in s_out and s_err. Returns
//  its result.
static int
s_parse (const cli_opt_t *table, const char **pos, size_t min, size_t max, const char *a, ...)
{
    char *argv [32] = { "cmd" };
    int argc = 1;
    va_list ap;
    va_start (ap, a);
    for (const char *w = a; w && argc < 31; w = va_arg (ap, const char *))
        argv [argc++] = (char *) w;
    va_end (ap);
    argv [argc] = NULL;
    support_capture_begin ();
    int rc = cli_parse_args (argc, argv, table, "usage: cmd [options]\n", pos, min, max);
    support_capture_end (s_out, sizeof s_out, s_err, sizeof s_err);
    return rc;
}

//  Expects a usage error whose first line names `needle`.
static void
s_wrong (int rc, const char *needle)
{
    assert_int_equal (rc, CLI_USAGE);
    char *nl = strchr (s_err, '\n');
    assert_non_null (nl);
    *nl = '\0';
    if (!strstr (s_err, "cohort: error: ") || !strstr (s_err, needle))
        fail_msg ("first line '%s' does not name '%s'", s_err, needle);
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

//  One table with every kind; the values are reset before each parse.
typedef struct {
    bool flag, n_given;
    const char *name, *mode;
    double x, q, d;
    unsigned n;
    long l;
    size_t z;
    uint64_t u;
} s_vals_t;

#define S_TABLE(v) \
    const cli_opt_t table [] = { \
        CLI_FLAG ("flag", &v.flag), CLI_STRING ("name", &v.name), \
        { "mode", CLI_OPT_CHOICE, &v.mode, 0, 0, "drop|impute|keep", NULL }, \
        { "x", CLI_OPT_DOUBLE, &v.x, -1, 1, NULL, NULL }, \
        { "q", CLI_OPT_DOUBLE, &v.q, 0, 1, "(]", NULL }, \
        { "d", CLI_OPT_DOUBLE, &v.d, 0, INFINITY, "()", NULL }, \
        { "n", CLI_OPT_UINT, &v.n, 1, 64, NULL, &v.n_given }, \
        { "l", CLI_OPT_LONG, &v.l, -5, (double) INT64_MAX, NULL, NULL }, \
        { "z", CLI_OPT_SIZE, &v.z, 0, 1000, NULL, NULL }, \
        { "u", CLI_OPT_U64, &v.u, 1, (double) INT64_MAX, NULL, NULL }, \
        CLI_END \
    }

static void
test_kinds (void **state)
{
    (void) state;
    s_vals_t v = { .mode = "drop" };
    S_TABLE (v);
    assert_int_equal (s_parse (table, NULL, 0, 0, NULL), CLI_OK);
    assert_false (v.flag);
    assert_false (v.n_given);
    assert_string_equal (v.mode, "drop");
    assert_int_equal (s_parse (table, NULL, 0, 0, "--flag", "--name", "a b", "--mode", "keep",
                               "--x", "-1", "--q", "1", "--d", "1e300", "--n", "64",
                               "--l", "-5", "--z", "1000", "--u", "9223372036854775807", NULL),
                      CLI_OK);
    assert_true (v.flag);
    assert_string_equal (v.name, "a b");
    assert_string_equal (v.mode, "keep");
    assert_true (v.x == -1 && v.q == 1 && v.d == 1e300);
    assert_true (v.n_given);
    assert_int_equal (v.n, 64);
    assert_int_equal (v.l, -5);
    assert_int_equal (v.z, 1000);
    assert_true (v.u == INT64_MAX);
    //  A tiny positive number is inside (0, 1].
    assert_int_equal (s_parse (table, NULL, 0, 0, "--q", "1e-300", "--l",
                               "9223372036854775807", NULL), CLI_OK);
    assert_true (v.q > 0);
    assert_true (v.l == INT64_MAX);
}

//  A repeatable option keeps every argument in order, up to its most.
static void
test_repeated (void **state)
{
    (void) state;
    cli_strings_t ids = { .n = 0 };
    const char *one = NULL;
    const cli_opt_t table [] = {
        CLI_STRINGS ("id", &ids, 3), CLI_STRING ("one", &one), CLI_END
    };
    assert_int_equal (s_parse (table, NULL, 0, 0, NULL), CLI_OK);
    assert_int_equal (ids.n, 0);
    assert_int_equal (s_parse (table, NULL, 0, 0, "--id", "a|1", "--one", "x", "--id", "b|2",
                               "--id", "a|1", NULL), CLI_OK);
    assert_int_equal (ids.n, 3);
    assert_string_equal (ids.items [0], "a|1");
    assert_string_equal (ids.items [1], "b|2");
    assert_string_equal (ids.items [2], "a|1");
    ids.n = 0;
    s_wrong (s_parse (table, NULL, 0, 0, "--id", "1", "--id", "2", "--id", "3", "--id", "4",
                      NULL), "--id: given more than 3 times");
    assert_int_equal (ids.n, 3);
    ids.n = 0;
    s_wrong (s_parse (table, NULL, 0, 0, "--id", NULL), "missing value for");
}

static void
test_bad_values (void **state)
{
    (void) state;
    s_vals_t v = { .mode = "drop" };
    S_TABLE (v);
    s_wrong (s_parse (table, NULL, 0, 0, "--mode", "zero", NULL),
             "--mode: 'zero': expected drop, impute or keep");
    s_wrong (s_parse (table, NULL, 0, 0, "--mode", "", NULL), "--mode");
    s_wrong (s_parse (table, NULL, 0, 0, "--x", "1.01", NULL), "--x: 1.01 is out of range [-1, 1]");
    s_wrong (s_parse (table, NULL, 0, 0, "--x", "nan", NULL), "--x: 'nan' is not a finite number");
    s_wrong (s_parse (table, NULL, 0, 0, "--q", "0", NULL), "--q: 0 is out of range (0, 1]");
    s_wrong (s_parse (table, NULL, 0, 0, "--q", "-0", NULL), "--q");
    s_wrong (s_parse (table, NULL, 0, 0, "--q", "1.0000001", NULL), "--q");
    s_wrong (s_parse (table, NULL, 0, 0, "--d", "0", NULL), "--d: 0 is out of range (0, inf)");
    s_wrong (s_parse (table, NULL, 0, 0, "--d", "inf", NULL), "--d");
    s_wrong (s_parse (table, NULL, 0, 0, "--n", "0", NULL), "--n: 0 is out of range [1, 64]");
    s_wrong (s_parse (table, NULL, 0, 0, "--n", "65", NULL), "--n");
    s_wrong (s_parse (table, NULL, 0, 0, "--n", "1.5", NULL), "--n: '1.5' is not an integer");
    s_wrong (s_parse (table, NULL, 0, 0, "--l", "-6", NULL), "--l: -6 is out of range [-5, ");
    s_wrong (s_parse (table, NULL, 0, 0, "--z", "-1", NULL), "--z");
    s_wrong (s_parse (table, NULL, 0, 0, "--u", "0", NULL), "--u");
    s_wrong (s_parse (table, NULL, 0, 0, "--u", "9223372036854775808", NULL),
             "--u: 9223372036854775808 is out of range [1, 9223372036854775807]");
    //  A value that is not accepted leaves no trace of having been given.
    assert_false (v.n_given);
}

static void
test_usage (void **state)
{
    (void) state;
    s_vals_t v = { .mode = "drop" };
    S_TABLE (v);
    s_wrong (s_parse (table, NULL, 0, 0, "--nosuch", NULL), "cmd: unknown option '--nosuch'");
    assert_non_null (strstr (s_err + strlen (s_err) + 1, "usage: cmd"));
    s_wrong (s_parse (table, NULL, 0, 0, "--n", NULL), "cmd: missing value for option '--n'");
    s_wrong (s_parse (table, NULL, 0, 0, "--flag", "stray", NULL),
             "cmd: unexpected argument 'stray'");
    s_wrong (s_parse (table, NULL, 0, 0, "-x", NULL), "unknown option");
    s_wrong (s_parse (table, NULL, 0, 0, "--flag=1", NULL),
             "cmd: no value allowed for option '--flag=1'");
    assert_int_equal (s_parse (table, NULL, 0, 0, "--n", "3", "--help", NULL), -1);
    assert_non_null (strstr (s_out, "usage: cmd"));
}

static void
test_positional (void **state)
{
    (void) state;
    bool wait = false;
    const cli_opt_t table [] = { CLI_FLAG ("wait", &wait), CLI_END };
    const char *args [2] = { "x", "x" };
    assert_int_equal (s_parse (table, args, 1, 2, "a", "--wait", NULL), CLI_OK);
    assert_string_equal (args [0], "a");
    assert_null (args [1]);
    assert_true (wait);
    assert_int_equal (s_parse (table, args, 1, 2, "a", "b", NULL), CLI_OK);
    assert_string_equal (args [1], "b");
    s_wrong (s_parse (table, args, 1, 2, "--wait", NULL), "cmd: 1 argument missing");
    s_wrong (s_parse (table, args, 2, 2, NULL), "cmd: 2 arguments missing");
    s_wrong (s_parse (table, args, 1, 2, "a", "b", "c", NULL), "cmd: unexpected argument 'c'");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_parse_long),
        cmocka_unit_test (test_parse_double),
        cmocka_unit_test (test_kinds),
        cmocka_unit_test (test_repeated),
        cmocka_unit_test (test_bad_values),
        cmocka_unit_test (test_usage),
        cmocka_unit_test (test_positional),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
