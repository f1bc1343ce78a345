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

static char s_dir [] = "/tmp/cohort-predict-XXXXXX";
static char s_train [256], s_data [256], s_model [256], s_out [256];

static void
s_write (const char *path, const char *text)
{
    FILE *f = fopen (path, "w");
    assert_non_null (f);
    fputs (text, f);
    fclose (f);
}

static int
s_run (int argc, char **argv)
{
    fflush (stdout);
    FILE *saved = stdout;
    stdout = fopen ("/dev/null", "w");
    int rc = cli_run (argc, argv);
    fclose (stdout);
    stdout = saved;
    return rc;
}

static int
s_setup (void **state)
{
    (void) state;
    if (!mkdtemp (s_dir))
        return -1;
    snprintf (s_train, sizeof s_train, "%s/train.csv", s_dir);
    snprintf (s_data, sizeof s_data, "%s/new.csv", s_dir);
    snprintf (s_model, sizeof s_model, "%s/m.json", s_dir);
    snprintf (s_out, sizeof s_out, "%s/scores.csv", s_dir);
    s_write (s_train, "x,g,y\n1,a,0\n2,b,0\n3,a,1\n4,b,1\n5,a,1\n0,b,0\n");
    //  Row 2 has an unknown level, row 3 a missing x; the label is absent.
    s_write (s_data, "g,x\na,1\nz,2\nb,\nb,6\n");
    char *argv [] = { "cohort", "train", "--data", s_train, "--label", "y",
                      "--categorical", "g", "--model", "logistic", "--out", s_model, NULL };
    return s_run (12, argv) == CLI_OK? 0: -1;
}

static int
s_teardown (void **state)
{
    (void) state;
    unlink (s_train);
    unlink (s_data);
    unlink (s_model);
    unlink (s_out);
    return rmdir (s_dir);
}

static void
test_scores_in_order (void **state)
{
    (void) state;
    char *argv [] = { "cohort", "predict", "--model", s_model, "--data", s_data,
                      "--out", s_out, NULL };
    assert_int_equal (s_run (8, argv), CLI_OK);
    FILE *f = fopen (s_out, "r");
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
    assert_int_equal (s_run (3, help), CLI_OK);
    char *none [] = { "cohort", "predict", NULL };
    assert_int_equal (s_run (2, none), CLI_USAGE);
    char *nodata [] = { "cohort", "predict", "--model", s_model, NULL };
    assert_int_equal (s_run (4, nodata), CLI_USAGE);
    char *bad [] = { "cohort", "predict", "--model", s_model, "--data", s_data, "--x", NULL };
    assert_int_equal (s_run (7, bad), CLI_USAGE);
    char *stray [] = { "cohort", "predict", "--model", s_model, "--data", s_data, "y", NULL };
    assert_int_equal (s_run (7, stray), CLI_USAGE);
    //  A data file as the model, the model as data, an unwritable output.
    char *notmodel [] = { "cohort", "predict", "--model", s_data, "--data", s_data, NULL };
    assert_int_equal (s_run (6, notmodel), CLI_FAIL);
    char *notdata [] = { "cohort", "predict", "--model", s_model, "--data", s_model, NULL };
    assert_int_equal (s_run (6, notdata), CLI_FAIL);
    char *noout [] = { "cohort", "predict", "--model", s_model, "--data", s_data,
                       "--out", "/nonexistent/s.csv", NULL };
    assert_int_equal (s_run (8, noout), CLI_FAIL);
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
