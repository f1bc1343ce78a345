/*  Unit tests for cli/cmd_predict.c: one score per row in order, empty
    scores for rows the model cannot score, exit codes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli_run.h"
#include "support_dir.h"
#include "support_file.h"

static char s_dir [64], s_train [256], s_data [256], s_model [256], s_scores [256];

static int
s_setup (void **state)
{
    (void) state;
    if (support_dir_make (s_dir, sizeof s_dir, "predict"))
        return -1;
    support_path (s_train, sizeof s_train, s_dir, "train.csv");
    support_path (s_data, sizeof s_data, s_dir, "new.csv");
    support_path (s_model, sizeof s_model, s_dir, "m.json");
    support_path (s_scores, sizeof s_scores, s_dir, "scores.csv");
    support_file_write (s_train, "x,g,y\n1,a,0\n2,b,0\n3,a,1\n4,b,1\n5,a,1\n0,b,0\n", 0644);
    //  Row 2 has an unknown level, row 3 a missing x; the label is absent.
    support_file_write (s_data, "g,x\na,1\nz,2\nb,\nb,6\n", 0644);
    char *argv [] = { "cohort", "train", "--data", s_train, "--label", "y",
                      "--categorical", "g", "--model", "logistic", "--out", s_model, NULL };
    return s_run_argv (12, argv) == CLI_OK? 0: -1;
}

static int
s_teardown (void **state)
{
    (void) state;
    static const char *const files [] = { "train.csv", "new.csv", "m.json", "scores.csv", NULL };
    return support_dir_remove_listed (s_dir, files);
}

static void
test_scores_in_order (void **state)
{
    (void) state;
    char *argv [] = { "cohort", "predict", "--model", s_model, "--data", s_data,
                      "--out", s_scores, NULL };
    assert_int_equal (s_run_argv (8, argv), CLI_OK);
    FILE *f = fopen (s_scores, "r");
    assert_non_null (f);
    char line [5][64];
    for (int k = 0; k < 5; k++)
        assert_non_null (fgets (line [k], sizeof line [k], f));
    char extra [8];
    assert_null (fgets (extra, sizeof extra, f));   //  exactly one line per row
    fclose (f);
    assert_string_equal (line [0], "score\n");
    assert_string_equal (line [2], "\n");
    assert_string_equal (line [3], "\n");
    double s1 = atof (line [1]), s4 = atof (line [4]);
    assert_true (s1 > 0 && s1 < 1 && s4 > 0 && s4 < 1);
    assert_true (s4 > s1);      //  larger x, more likely positive
}

static void
test_errors (void **state)
{
    (void) state;
    char *help [] = { "cohort", "predict", "--help", NULL };
    assert_int_equal (s_run_argv (3, help), CLI_OK);
    char *none [] = { "cohort", "predict", NULL };
    assert_int_equal (s_run_argv (2, none), CLI_USAGE);
    char *nodata [] = { "cohort", "predict", "--model", s_model, NULL };
    assert_int_equal (s_run_argv (4, nodata), CLI_USAGE);
    char *bad [] = { "cohort", "predict", "--model", s_model, "--data", s_data, "--x", NULL };
    assert_int_equal (s_run_argv (7, bad), CLI_USAGE);
    char *stray [] = { "cohort", "predict", "--model", s_model, "--data", s_data, "y", NULL };
    assert_int_equal (s_run_argv (7, stray), CLI_USAGE);
    //  A data file as the model, the model as data, an unwritable output.
    char *notmodel [] = { "cohort", "predict", "--model", s_data, "--data", s_data, NULL };
    assert_int_equal (s_run_argv (6, notmodel), CLI_FAIL);
    char *notdata [] = { "cohort", "predict", "--model", s_model, "--data", s_model, NULL };
    assert_int_equal (s_run_argv (6, notdata), CLI_FAIL);
    char *noout [] = { "cohort", "predict", "--model", s_model, "--data", s_data,
                       "--out", "/nonexistent/s.csv", NULL };
    assert_int_equal (s_run_argv (8, noout), CLI_FAIL);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_scores_in_order),
        cmocka_unit_test (test_errors),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
