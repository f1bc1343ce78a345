/*  Unit tests for models/records.c: a dataset read through the dictionary
    (values, levels, missing columns, clamping counted), refusals that name
    the row and column but never the cell, the row cap, and an
    out-of-memory walk. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "models/records.h"
#include "util/error.h"
#include "alloc_walk.h"
#include "support_error.h"

static const char s_dict [] =
    "name,type,min,max,levels,unit,description\n"
    "age,integer,18,100,,years,\n"
    "stage,categorical,,,I|II|III,,\n"
    "sex,binary,0,1,male|female,,\n"
    "weight,numeric,20,300,,kg,\n";

static model_dict_t *
s_dictionary (void)
{
    model_dict_t *d = model_dict_parse ("dict.csv", s_dict, sizeof s_dict - 1);
    assert_non_null (d);
    return d;
}

static model_csv_t *
s_csv (const char *text)
{
    model_csv_t *csv = NULL;
    assert_int_equal (model_csv_parse (&csv, "data.csv", text, strlen (text), 0), 0);
    return csv;
}

static void
test_read (void **state)
{
    (void) state;
    model_dict_t *d = s_dictionary ();
    //  weight is not in the data; extra is not in the dictionary.
    model_csv_t *csv = s_csv ("stage,age,extra,sex\nII,50,x,female\nI,12,y,0\n,NA,z,\nIII,130,w,1\n");
    model_records_t *r = model_records_read (csv, d, NULL, 0, 10);
    assert_non_null (r);
    assert_int_equal (r->rows, 4);
    assert_int_equal (r->vars, 4);
    const double *v = r->values;
    assert_true (v [0] == 50 && v [1] == 1 && v [2] == 1 && isnan (v [3]));
    assert_true (v [4] == 18 && v [5] == 0 && v [6] == 0);          //  12 clamped to 18
    assert_true (isnan (v [8]) && isnan (v [9]) && isnan (v [10]));
    assert_true (v [12] == 100 && v [13] == 2 && v [14] == 1);      //  130 clamped to 100
    assert_int_equal (r->clamped [0], 2);
    assert_int_equal (r->clamped [1], 0);
    assert_true (r->absent [3] == 1 && r->absent [0] == 0);
    model_records_destroy (&r);
    assert_null (r);
    model_records_destroy (&r);
    //  Only the rows picked (consent), in the order given.
    size_t pick [] = { 3, 0 };
    assert_non_null (r = model_records_read (csv, d, pick, 2, 10));
    assert_int_equal (r->rows, 2);
    assert_true (r->values [0] == 100 && r->values [4] == 50);
    assert_int_equal (r->clamped [0], 1);
    model_records_destroy (&r);
    size_t beyond [] = { 4 };
    support_expect_refused (model_records_read (csv, d, beyond, 1, 10) == NULL, "beyond",
                            "data.csv: a listed row is past the table's end");
    model_csv_destroy (&csv);
    model_dict_destroy (&d);
}

static void
test_refusals (void **state)
{
    (void) state;
    model_dict_t *d = s_dictionary ();
    static const struct { const char *text, *needle; } cases [] = {
        { "age\n50\n51.5\n", "data.csv:3:1: age: not a whole number" },
        { "stage\nII\nIV\n", "data.csv:3:1: stage: not one of the dictionary's levels" },
        { "sex\n2\n", "data.csv:2:1: sex: not a value of this type" },
        { "weight\nheavy\n", "data.csv:2:1: weight: not a value of this type" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        model_csv_t *csv = s_csv (cases [i].text);
        support_expect_refused (model_records_read (csv, d, NULL, 0, 10) == NULL, cases [i].text,
                                cases [i].needle);
        //  The cell itself is patient data: never in the message.
        const char *cell = strrchr (cases [i].text, '\n');
        while (cell > cases [i].text && cell [-1] != '\n')
            cell--;
        char value [16] = "";
        strncpy (value, cell, strcspn (cell, "\n") < 15? strcspn (cell, "\n"): 15);
        if (*value && strstr (util_last_error (), value) && strcmp (value, "2"))
            fail_msg ("the error quotes the cell '%s': %s", value, util_last_error ());
        model_csv_destroy (&csv);
    }
    //  Over the cap: refused without the count of rows (an exact count
    //  would leave the site in the decline reason).
    model_csv_t *csv = s_csv ("age\n1\n2\n3\n");
    support_expect_refused (model_records_read (csv, d, NULL, 0, 2) == NULL, "rows",
                            "data.csv: more rows than the 2 allowed");
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    assert_null (strstr (util_last_error (), "3"));
    model_csv_destroy (&csv);
    //  Markers planted in bad cells (a number with a fraction in an integer
    //  column, text in a numeric one, an unknown level) are never quoted;
    //  the line, column and variable are.
    static const struct { const char *text, *where; } marked [] = {
        { "age\n50\n987654.321\n", "data.csv:3:1: age:" },
        { "weight\n60\nZQXMARK7\n", "data.csv:3:1: weight:" },
        { "stage\nII\nZQXMARK7\n", "data.csv:3:1: stage:" },
    };
    for (size_t i = 0; i < sizeof marked / sizeof marked [0]; i++) {
        csv = s_csv (marked [i].text);
        support_expect_refused (model_records_read (csv, d, NULL, 0, 10) == NULL,
                                marked [i].text, marked [i].where);
        assert_null (strstr (util_last_error (), "ZQXMARK7"));
        assert_null (strstr (util_last_error (), "987654"));
        model_csv_destroy (&csv);
    }
    model_dict_destroy (&d);
}

static model_csv_t *s_walk_csv;
static model_dict_t *s_walk_dict;

static bool
s_read (void *ctx)
{
    (void) ctx;
    model_records_t *r = model_records_read (s_walk_csv, s_walk_dict, NULL, 0, 10);
    bool ok = r != NULL;
    model_records_destroy (&r);
    return ok;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    s_walk_dict = s_dictionary ();
    s_walk_csv = s_csv ("age,stage\n50,I\n60,II\n");
    assert_true (alloc_walk (s_read, NULL) > 3);
    model_csv_destroy (&s_walk_csv);
    model_dict_destroy (&s_walk_dict);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_read),
        cmocka_unit_test (test_refusals),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
