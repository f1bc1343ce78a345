/*  Unit tests for cli/cmd_evaluate.c: the metrics as JSON and text, rows
    that cannot be scored counted, exit codes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli_run.h"
#include "support_dir.h"
#include "support_file.h"

static char s_dir [64], s_data [256], s_model [256];

static int
s_setup (void **state)
{
    (void) state;
    if (support_dir_make (s_dir, sizeof s_dir, "evaluate"))
        return -1;
    support_path (s_data, sizeof s_data, s_dir, "d.csv");
    support_path (s_model, sizeof s_model, s_dir, "m.json");
    support_file_write (s_data, "x,y\n1,no\n2,no\n3,yes\n4,no\n5,yes\n6,yes\n,yes\n", 0644);
    char *argv [] = { "cohort", "train", "--data", s_data, "--label", "y", "--positive",
                      "yes", "--negative", "no", "--model", "logistic", "--out", s_model, NULL };
    return s_run_argv (14, argv) == CLI_OK? 0: -1;
}

static int
s_teardown (void **state)
{
    (void) state;
    static const char *const files [] = { "d.csv", "m.json", NULL };
    return support_dir_remove_listed (s_dir, files);
}

static void
test_json (void **state)
{
    (void) state;
    char *argv [] = { "cohort", "evaluate", "--model", s_model, "--data", s_data,
                      "--label", "y", "--json", NULL };
    assert_int_equal (s_run_argv (9, argv), CLI_OK);
    json_error_t err;
    json_t *r = json_loads (s_out, 0, &err);
    assert_non_null (r);
    //  Scores rise with x; the one tie-free inversion is x=3 (yes) vs x=4 (no).
    assert_true (fabs (json_real_value (json_object_get (r, "auc")) - 8.0 / 9) < 1e-9);
    assert_int_equal (json_integer_value (json_object_get (r, "rows")), 6);
    assert_int_equal (json_integer_value (json_object_get (r, "positives")), 3);
    assert_int_equal (json_integer_value (json_object_get (r, "unscored")), 1);
    double acc = json_real_value (json_object_get (r, "accuracy"));
    assert_true (acc > 0.5 && acc <= 1);
    assert_true (json_real_value (json_object_get (r, "log_loss")) > 0);
    assert_true (json_real_value (json_object_get (r, "brier")) > 0);
    json_decref (r);
}

static void
test_text (void **state)
{
    (void) state;
    char *argv [] = { "cohort", "evaluate", "--model", s_model, "--data", s_data,
                      "--label", "y", NULL };
    assert_int_equal (s_run_argv (8, argv), CLI_OK);
    assert_non_null (strstr (s_out, "auc        0.888889\n"));
    assert_non_null (strstr (s_out, "unscored   1\n"));
}

static void
test_errors (void **state)
{
    (void) state;
    char *help [] = { "cohort", "evaluate", "--help", NULL };
    assert_int_equal (s_run_argv (3, help), CLI_OK);
    char *nolabel [] = { "cohort", "evaluate", "--model", s_model, "--data", s_data, NULL };
    assert_int_equal (s_run_argv (6, nolabel), CLI_USAGE);
    char *bad [] = { "cohort", "evaluate", "--model", s_model, "--data", s_data,
                     "--label", "y", "--bogus", NULL };
    assert_int_equal (s_run_argv (9, bad), CLI_USAGE);
    char *stray [] = { "cohort", "evaluate", "--model", s_model, "--data", s_data,
                       "--label", "y", "extra", NULL };
    assert_int_equal (s_run_argv (9, stray), CLI_USAGE);
    char *wronglabel [] = { "cohort", "evaluate", "--model", s_model, "--data", s_data,
                            "--label", "x", NULL };
    assert_int_equal (s_run_argv (8, wronglabel), CLI_FAIL);
    char *nomodel [] = { "cohort", "evaluate", "--model", "/nonexistent.json", "--data",
                         s_data, "--label", "y", NULL };
    assert_int_equal (s_run_argv (8, nomodel), CLI_FAIL);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_json),
        cmocka_unit_test (test_text),
        cmocka_unit_test (test_errors),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
