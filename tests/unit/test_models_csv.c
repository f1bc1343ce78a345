/*  Unit tests for models/csv.c: quoting, line ends, positions, and every
    refusal with its file:line:column. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/csv.h"
#include "util/error.h"
#include "alloc_walk.h"

static model_csv_t *
s_parse (const char *text)
{
    model_csv_t *csv = NULL;
    int rc = model_csv_parse (&csv, "t.csv", text, strlen (text), 0);
    assert_true ((rc == 0) == (csv != NULL));
    return csv;
}

//  Parsing must fail with exactly this message.
static void
s_refuse (const char *text, const char *message)
{
    model_csv_t *csv = NULL;
    assert_int_equal (model_csv_parse (&csv, "t.csv", text, strlen (text), 0), -1);
    assert_null (csv);
    assert_string_equal (util_last_error (), message);
}

static void
test_simple (void **state)
{
    (void) state;
    model_csv_t *csv = s_parse ("a,b\n1,2\n3,\n");
    assert_non_null (csv);
    assert_int_equal (model_csv_rows (csv), 2);
    assert_int_equal (model_csv_cols (csv), 2);
    assert_string_equal (model_csv_header (csv, 1), "b");
    assert_string_equal (model_csv_cell (csv, 0, 0), "1");
    assert_string_equal (model_csv_cell (csv, 1, 1), "");
    assert_int_equal (model_csv_line (csv, 1, 1), 3);
    assert_int_equal (model_csv_column (csv, 1, 1), 3);
    assert_int_equal (model_csv_find (csv, "b"), 1);
    assert_int_equal (model_csv_find (csv, "c"), -1);
    assert_string_equal (model_csv_name (csv), "t.csv");
    model_csv_destroy (&csv);
    assert_null (csv);
    model_csv_destroy (&csv);
    model_csv_destroy (NULL);
}

static void
test_quotes_crlf_bom (void **state)
{
    (void) state;
    model_csv_t *csv = s_parse ("\xEF\xBB\xBF\"x\",\"y z\"\r\n\"a,b\",\"say \"\"hi\"\"\"\r\n"
                                "\"two\nlines\",\"\"\r\n5,6");
    assert_non_null (csv);
    assert_string_equal (model_csv_header (csv, 0), "x");
    assert_string_equal (model_csv_header (csv, 1), "y z");
    assert_int_equal (model_csv_rows (csv), 3);
    assert_string_equal (model_csv_cell (csv, 0, 0), "a,b");
    assert_string_equal (model_csv_cell (csv, 0, 1), "say \"hi\"");
    assert_string_equal (model_csv_cell (csv, 1, 0), "two\nlines");
    assert_string_equal (model_csv_cell (csv, 1, 1), "");
    //  The quoted newline moves the next record down a line.
    assert_int_equal (model_csv_line (csv, 2, 0), 5);
    assert_int_equal (model_csv_line (csv, 1, 1), 4);
    assert_int_equal (model_csv_column (csv, 1, 1), 8);
    assert_string_equal (model_csv_cell (csv, 2, 1), "6");
    model_csv_destroy (&csv);
    //  Header only: a valid table with no rows.
    csv = s_parse ("a\n");
    assert_int_equal (model_csv_rows (csv), 0);
    model_csv_destroy (&csv);
}

static void
test_refusals (void **state)
{
    (void) state;
    s_refuse ("", "t.csv:1:1: empty file (a header row is required)");
    s_refuse ("\xEF\xBB\xBF", "t.csv:1:1: empty file (a header row is required)");
    s_refuse ("a,b\n1,2,3\n", "t.csv:2:5: record has more than the 2 fields of the header");
    s_refuse ("a,b\n1\n", "t.csv:2:2: record starting on line 2 has 1 fields, header has 2");
    s_refuse ("a,b\n1,\"2\n", "t.csv:2:3: unterminated quoted field");
    s_refuse ("a,b\n1,\"2\"x\n", "t.csv:2:6: unexpected character after closing quote");
    s_refuse ("a,b\n1,2\"\n", "t.csv:2:4: quote inside an unquoted field (quote the whole field)");
    s_refuse ("a,b\n1,2\n\n3,4\n", "t.csv:3:1: blank line");
    s_refuse ("a,b\n1,2\r3,4\n", "t.csv:2:4: carriage return not followed by line feed");
    s_refuse ("a,b\n1,2\r", "t.csv:2:4: carriage return not followed by line feed");
    s_refuse ("a,,c\n", "t.csv:1:3: empty column name in header");
    s_refuse ("a,b,a\n", "t.csv:1:5: duplicate column name 'a' in header");
    const char nul [] = "a,b\n1,\0\n";
    model_csv_t *csv = NULL;
    assert_int_equal (model_csv_parse (&csv, "t.csv", nul, sizeof nul - 1, 0), -1);
    assert_string_equal (util_last_error (), "t.csv:2:3: NUL byte in input");
    const char qnul [] = "a,b\n1,\"\0\"\n";
    assert_int_equal (model_csv_parse (&csv, "t.csv", qnul, sizeof qnul - 1, 0), -1);
    assert_string_equal (util_last_error (), "t.csv:2:4: NUL byte in input");
    //  The size limit, on both sides.
    assert_int_equal (model_csv_parse (&csv, "t.csv", "a,b\n1,2\n", 8, 8), 0);
    model_csv_destroy (&csv);
    assert_int_equal (model_csv_parse (&csv, "t.csv", "a,b\n1,2\n", 8, 7), -1);
    assert_string_equal (util_last_error (), "t.csv:1:1: input is 8 bytes, over the limit of 7");
}

static void
test_too_many_columns (void **state)
{
    (void) state;
    size_t cols = MODEL_CSV_MAX_COLS + 1;
    char *text = malloc (cols * 8 + 2);
    size_t len = 0;
    for (size_t j = 0; j < cols; j++)
        len += (size_t) sprintf (text + len, "%sc%zu", j? ",": "", j);
    text [len++] = '\n';
    text [len] = '\0';
    model_csv_t *csv = NULL;
    assert_int_equal (model_csv_parse (&csv, "t.csv", text, len, 0), -1);
    assert_non_null (strstr (util_last_error (), "more than 4096 columns"));
    //  Exactly the maximum is fine: cut the last column off.
    char *last = strrchr (text, ',');
    last [0] = '\n';
    last [1] = '\0';
    assert_int_equal (model_csv_parse (&csv, "t.csv", text, strlen (text), 0), 0);
    assert_int_equal (model_csv_cols (csv), MODEL_CSV_MAX_COLS);
    model_csv_destroy (&csv);
    free (text);
}

static void
test_load (void **state)
{
    (void) state;
    model_csv_t *csv = NULL;
    assert_int_equal (model_csv_load (&csv, COHORT_SOURCE_DIR "/datasets/pima_diabetes.csv", 0), 0);
    assert_int_equal (model_csv_rows (csv), 768);
    assert_int_equal (model_csv_cols (csv), 9);
    assert_string_equal (model_csv_header (csv, 0), "pregnant");
    assert_string_equal (model_csv_cell (csv, 0, 4), "");
    model_csv_destroy (&csv);
    assert_int_equal (model_csv_load (&csv, COHORT_SOURCE_DIR "/datasets/pima_diabetes.csv", 100), -1);
    assert_non_null (strstr (util_last_error (), "pima_diabetes.csv: "));
    assert_non_null (strstr (util_last_error (), " bytes, over the limit of 100"));
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    assert_int_equal (model_csv_load (&csv, "/nonexistent/x.csv", 0), -1);
    assert_non_null (strstr (util_last_error (), "/nonexistent/x.csv: cannot open"));
    assert_int_equal (model_csv_load (&csv, COHORT_SOURCE_DIR "/datasets", 0), -1);
    assert_non_null (strstr (util_last_error (), "not a regular file"));
    assert_null (csv);
}

//  Allocation failures: the table, its name and text, the cell list and
//  every time it grows; the loader's buffer too.
static bool
s_parse_big (void *text)
{
    model_csv_t *csv = NULL;
    if (model_csv_parse (&csv, "big.csv", text, strlen (text), 0))
        return false;
    assert_int_equal (model_csv_rows (csv), 300);
    model_csv_destroy (&csv);
    return true;
}

static bool
s_load_pima (void *arg)
{
    (void) arg;
    model_csv_t *csv = NULL;
    if (model_csv_load (&csv, COHORT_SOURCE_DIR "/datasets/pima_diabetes.csv", 0))
        return false;
    model_csv_destroy (&csv);
    return true;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    //  301 records of 2 cells: the cell list grows from 256 to 512 to 1024.
    char *text = malloc (301 * 16);
    assert_non_null (text);
    strcpy (text, "a,b\n");
    for (int i = 0; i < 300; i++)
        sprintf (text + strlen (text), "%d,\"x%d\"\n", i, i);
    assert_true (alloc_walk (s_parse_big, text) >= 5);
    free (text);
    assert_true (alloc_walk (s_load_pima, NULL) >= 4);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_simple),
        cmocka_unit_test (test_quotes_crlf_bom),
        cmocka_unit_test (test_refusals),
        cmocka_unit_test (test_too_many_columns),
        cmocka_unit_test (test_load),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
