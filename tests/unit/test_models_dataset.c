/*  Unit tests for models/dataset.c: selection, labels, one-hot, missing
    policies, scaling, the stratified split and every load error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/dataset.h"
#include "util/error.h"
#include "alloc_walk.h"

static model_csv_t *
s_csv (const char *text)
{
    model_csv_t *csv = NULL;
    assert_int_equal (model_csv_parse (&csv, "d.csv", text, strlen (text), 0), 0);
    return csv;
}

static model_dataset_t *
s_load (const char *text, const model_load_spec_t *spec, const model_schema_t *schema)
{
    model_csv_t *csv = s_csv (text);
    model_dataset_t *ds = NULL;
    int rc = model_dataset_load (&ds, csv, spec, schema);
    model_csv_destroy (&csv);
    assert_true ((rc == 0) == (ds != NULL));
    return ds;
}

static void
s_refuse (const char *text, const model_load_spec_t *spec, const char *message)
{
    model_dataset_t *ds = s_load (text, spec, NULL);
    assert_null (ds);
    assert_string_equal (util_last_error (), message);
}

static const char *s_table =
    "age,sex,bp,outcome\n"
    "50,m,120,1\n"
    "61,f,,0\n"
    "NA,f,140,1\n"
    "45,m,130,0\n";

static void
test_numbers (void **state)
{
    (void) state;
    double v = 0;
    assert_int_equal (model_parse_number (" 1.5e2 ", &v), 0);
    assert_true (v == 150);
    assert_int_equal (model_parse_number ("-0.25", &v), 0);
    assert_true (v == -0.25);
    assert_int_equal (model_parse_number ("nan", &v), -1);
    assert_int_equal (model_parse_number ("inf", &v), -1);
    assert_int_equal (model_parse_number ("0x10", &v), -1);
    assert_int_equal (model_parse_number ("1e999", &v), -1);
    assert_int_equal (model_parse_number ("1.2.3", &v), -1);
    assert_int_equal (model_parse_number ("", &v), -1);
    assert_int_equal (model_parse_number ("12abc", &v), -1);
    assert_true (v == -0.25);
    assert_true (model_is_missing (""));
    assert_true (model_is_missing ("  "));
    assert_true (model_is_missing ("NA"));
    assert_true (model_is_missing (" NA "));
    assert_false (model_is_missing ("NAN"));
    assert_false (model_is_missing ("0"));
}

static void
test_load_all (void **state)
{
    (void) state;
    const char *cat [] = { "sex" };
    model_load_spec_t spec = { .label = "outcome", .categorical = cat, .n_categorical = 1 };
    model_dataset_t *ds = s_load (s_table, &spec, NULL);
    assert_non_null (ds);
    assert_int_equal (ds->n, 4);
    assert_int_equal (ds->schema->n_features, 3);
    assert_int_equal (ds->schema->n_cols, 4);
    assert_string_equal (ds->schema->col_names [0], "age");
    assert_string_equal (ds->schema->col_names [1], "sex=f");
    assert_string_equal (ds->schema->col_names [2], "sex=m");
    assert_string_equal (ds->schema->col_names [3], "bp");
    assert_true (gsl_matrix_get (ds->X, 0, 0) == 50);
    assert_true (gsl_matrix_get (ds->X, 0, 1) == 0);
    assert_true (gsl_matrix_get (ds->X, 0, 2) == 1);
    assert_true (isnan (gsl_matrix_get (ds->X, 1, 3)));
    assert_true (isnan (gsl_matrix_get (ds->X, 2, 0)));
    assert_true (gsl_vector_get (ds->y, 2) == 1);
    assert_int_equal (ds->lines [3], 5);

    gsl_vector *mean = gsl_vector_alloc (4), *sd = gsl_vector_alloc (4);
    assert_int_equal (model_dataset_column_stats (ds, mean, sd), 0);
    assert_true (fabs (gsl_vector_get (mean, 0) - 52) < 1e-12);
    assert_true (fabs (gsl_vector_get (mean, 3) - 130) < 1e-12);
    assert_true (fabs (gsl_vector_get (sd, 3) - sqrt (200.0 / 3)) < 1e-12);
    assert_true (fabs (gsl_vector_get (mean, 1) - 0.5) < 1e-12);

    model_dataset_t *copy = model_dataset_subset (ds, (size_t []) { 0, 1, 2, 3 }, 4);
    size_t dropped = 9;
    assert_int_equal (model_dataset_drop_incomplete (copy, &dropped), 0);
    assert_int_equal (dropped, 2);
    assert_int_equal (copy->n, 2);
    assert_int_equal (copy->lines [1], 5);
    assert_true (gsl_vector_get (copy->y, 1) == 0);
    model_dataset_destroy (&copy);

    assert_int_equal (model_dataset_impute (ds, mean), 2);
    assert_true (gsl_matrix_get (ds->X, 2, 0) == 52);
    assert_true (gsl_matrix_get (ds->X, 1, 3) == 130);
    assert_int_equal (model_dataset_drop_incomplete (ds, &dropped), 0);
    assert_int_equal (dropped, 0);
    model_dataset_standardise (ds, mean, sd);
    assert_true (fabs (gsl_matrix_get (ds->X, 1, 3)) < 1e-12);
    assert_true (fabs (gsl_matrix_get (ds->X, 0, 3) + 10 / sqrt (200.0 / 3)) < 1e-12);
    gsl_vector_free (mean);
    gsl_vector_free (sd);
    model_dataset_destroy (&ds);
    assert_null (ds);
    model_dataset_destroy (&ds);
}

static void
test_selection_and_labels (void **state)
{
    (void) state;
    const char *feat [] = { "bp", "age" };
    model_load_spec_t spec = { .label = "y", .positive = "yes", .negative = "no",
                               .features = feat, .n_features = 2 };
    model_dataset_t *ds = s_load ("age,bp,junk,y\n1,2,x,yes\n3,4,z,no\n", &spec, NULL);
    assert_non_null (ds);
    assert_int_equal (ds->schema->n_cols, 2);
    assert_string_equal (ds->schema->col_names [0], "bp");
    assert_true (gsl_matrix_get (ds->X, 1, 0) == 4);
    assert_true (gsl_matrix_get (ds->X, 1, 1) == 3);
    assert_true (gsl_vector_get (ds->y, 0) == 1);
    assert_true (gsl_vector_get (ds->y, 1) == 0);
    model_dataset_destroy (&ds);
    //  Without a label (prediction): no y, and the label column may be absent.
    model_load_spec_t nolabel = { .features = feat, .n_features = 2 };
    ds = s_load ("age,bp\n1,2\n", &nolabel, NULL);
    assert_non_null (ds);
    assert_null (ds->y);
    model_dataset_destroy (&ds);
}

static void
test_fixed_schema (void **state)
{
    (void) state;
    model_schema_t *schema = model_schema_new ();
    assert_int_equal (model_schema_add (schema, "age", NULL, 0), 0);
    const char *levels [] = { "m", "f" };
    assert_int_equal (model_schema_add (schema, "sex", levels, 2), 0);
    assert_int_equal (model_schema_add (schema, "sex", NULL, 0), -1);
    assert_string_equal (util_last_error (), "feature 'sex' listed twice");
    const char *dup [] = { "a", "a" };
    assert_int_equal (model_schema_add (schema, "z", dup, 2), -1);
    const char *empty [] = { "" };
    assert_int_equal (model_schema_add (schema, "z", empty, 1), -1);
    assert_int_equal (model_schema_add (schema, "", NULL, 0), -1);
    assert_int_equal (schema->n_cols, 3);
    assert_string_equal (schema->col_names [1], "sex=f");

    model_load_spec_t spec = { .label = NULL };
    model_dataset_t *ds = s_load ("sex,age,other\nm,1,x\nx,2,y\n,3,z\n", &spec, schema);
    assert_non_null (ds);
    assert_null (ds->problem [0]);
    assert_non_null (ds->problem [1]);
    assert_string_equal (ds->problem [1], "d.csv:3:1: column 'sex': not one of its categories");
    assert_true (isnan (gsl_matrix_get (ds->X, 1, 1)));
    assert_null (ds->problem [2]);
    assert_true (isnan (gsl_matrix_get (ds->X, 2, 2)));
    //  Imputation leaves a row with a problem alone.
    gsl_vector *mean = gsl_vector_alloc (3);
    assert_int_equal (model_dataset_column_stats (ds, mean, NULL), 0);
    assert_true (fabs (gsl_vector_get (mean, 0) - 2) < 1e-12);
    assert_int_equal (model_dataset_impute (ds, mean), 2);
    assert_true (isnan (gsl_matrix_get (ds->X, 1, 1)));
    size_t dropped = 0;
    assert_int_equal (model_dataset_drop_incomplete (ds, &dropped), 0);
    assert_int_equal (dropped, 1);
    gsl_vector_free (mean);
    model_dataset_destroy (&ds);

    ds = s_load ("age\n1\n", &spec, schema);
    assert_null (ds);
    assert_string_equal (util_last_error (),
                         "d.csv:1:1: no column 'sex' in the header (the model needs it)");
    model_load_spec_t labelled = { .label = "sex" };
    ds = s_load ("sex,age\nm,1\n", &labelled, schema);
    assert_null (ds);
    assert_string_equal (util_last_error (), "d.csv: the label 'sex' cannot also be a feature");
    model_schema_t *copy = model_schema_dup (schema);
    assert_int_equal (copy->n_cols, 3);
    model_schema_destroy (&copy);
    model_schema_destroy (&schema);
    assert_null (schema);
}

static void
test_load_errors (void **state)
{
    (void) state;
    model_load_spec_t spec = { .label = "y" };
    s_refuse ("a,b\n1,2\n", &spec, "d.csv:1:1: no label column 'y' in the header");
    s_refuse ("a,y\n", &spec, "d.csv:2:1: no data rows after the header");
    s_refuse ("a,y\n1,1\nx1,0\n", &spec, "d.csv:3:1: column 'a': not a number");
    s_refuse ("a,y\n1,1\n2,2\n", &spec, "d.csv:3:3: the label in column 'y' is not 0 or 1");
    s_refuse ("a,y\n1,1\n2,\n", &spec, "d.csv:3:3: missing label in column 'y'");
    s_refuse ("y\n1\n", &spec, "d.csv: no feature columns selected");
    const char *feat [] = { "a", "zz" };
    model_load_spec_t missing = { .label = "y", .features = feat, .n_features = 2 };
    s_refuse ("a,y\n1,1\n", &missing, "d.csv:1:1: no column 'zz' in the header");
    const char *feat2 [] = { "a", "y" };
    model_load_spec_t both = { .label = "y", .features = feat2, .n_features = 2 };
    s_refuse ("a,y\n1,1\n", &both, "d.csv: the label 'y' cannot also be a feature");
    const char *cat [] = { "b" };
    model_load_spec_t badcat = { .label = "y", .features = feat, .n_features = 1,
                                 .categorical = cat, .n_categorical = 1 };
    s_refuse ("a,b,y\n1,1,1\n", &badcat, "d.csv: categorical column 'b' is not a selected feature");
    model_load_spec_t nocat = { .label = "y", .categorical = cat, .n_categorical = 1 };
    s_refuse ("a,y\n1,1\n", &nocat, "d.csv: categorical column 'b' is not a selected feature");
    const char *ycat [] = { "y" };
    model_load_spec_t labelcat = { .label = "y", .categorical = ycat, .n_categorical = 1 };
    s_refuse ("a,y\n1,1\n", &labelcat, "d.csv: categorical column 'y' is not a selected feature");
    model_load_spec_t half = { .label = "y", .positive = "p" };
    s_refuse ("a,y\n1,p\n", &half, "d.csv: give both label values or neither");
    model_load_spec_t same = { .label = "y", .positive = "p", .negative = "p" };
    s_refuse ("a,y\n1,p\n", &same, "d.csv: the two label values are the same");
    model_load_spec_t named = { .label = "y", .positive = "p", .negative = "n" };
    s_refuse ("a,y\n1,p\n2,q\n", &named, "d.csv:3:3: the label in column 'y' is neither 'p' "
              "nor 'n'");

    //  Too many categories: MODEL_MAX_LEVELS is accepted, one more is not.
    const char *acat [] = { "a" };
    model_load_spec_t many = { .label = "y", .categorical = acat, .n_categorical = 1 };
    size_t cap = 64 + 16 * (MODEL_MAX_LEVELS + 1);
    char *text = malloc (cap);
    size_t len = (size_t) sprintf (text, "a,y\n");
    for (int l = 0; l < MODEL_MAX_LEVELS; l++)
        len += (size_t) sprintf (text + len, "v%d,1\n", l);
    model_dataset_t *ds = s_load (text, &many, NULL);
    assert_non_null (ds);
    assert_int_equal (ds->schema->n_cols, MODEL_MAX_LEVELS);
    model_dataset_destroy (&ds);
    sprintf (text + len, "extra,0\n");
    char expect [128];
    snprintf (expect, sizeof expect, "d.csv:%d:1: column 'a' has more than %d categories",
              MODEL_MAX_LEVELS + 2, MODEL_MAX_LEVELS);
    s_refuse (text, &many, expect);
    free (text);
}

static void
test_policy_errors (void **state)
{
    (void) state;
    model_load_spec_t spec = { .label = "y" };
    model_dataset_t *ds = s_load ("a,b,y\n1,,1\n,2,0\n", &spec, NULL);
    assert_non_null (ds);
    size_t dropped = 7;
    assert_int_equal (model_dataset_drop_incomplete (ds, &dropped), -1);
    assert_int_equal (dropped, 7);
    assert_int_equal (ds->n, 2);
    model_dataset_destroy (&ds);
    ds = s_load ("a,b,y\n1,,1\n2,,0\n", &spec, NULL);
    gsl_vector *mean = gsl_vector_alloc (2);
    assert_int_equal (model_dataset_column_stats (ds, mean, NULL), -1);
    assert_string_equal (util_last_error (), "column 'b' has no values");
    gsl_vector_free (mean);
    model_dataset_destroy (&ds);
}

static void
test_split (void **state)
{
    (void) state;
    model_csv_t *csv = NULL;
    assert_int_equal (model_csv_load (&csv, COHORT_SOURCE_DIR "/datasets/breast_cancer_wisconsin.csv", 0), 0);
    model_load_spec_t spec = { .label = "malignant" };
    model_dataset_t *ds = NULL, *train = NULL, *test = NULL, *t2 = NULL, *s2 = NULL;
    assert_int_equal (model_dataset_load (&ds, csv, &spec, NULL), 0);
    model_csv_destroy (&csv);
    assert_int_equal (ds->n, 569);
    assert_int_equal (ds->schema->n_cols, 30);
    assert_int_equal (model_dataset_split (ds, 0.3, 42, &train, &test), 0);
    //  212 malignant, 357 benign: round(63.6) = 64 and round(107.1) = 107.
    assert_int_equal (test->n, 171);
    assert_int_equal (train->n, 398);
    double pos = 0;
    for (size_t i = 0; i < test->n; i++)
        pos += gsl_vector_get (test->y, i);
    assert_true (pos == 64);
    for (size_t i = 1; i < test->n; i++)
        assert_true (test->lines [i] > test->lines [i - 1]);
    //  Same seed, same split; another seed, another split.
    assert_int_equal (model_dataset_split (ds, 0.3, 42, &t2, &s2), 0);
    assert_memory_equal (test->lines, s2->lines, test->n * sizeof (size_t));
    model_dataset_destroy (&t2);
    model_dataset_destroy (&s2);
    assert_int_equal (model_dataset_split (ds, 0.3, 43, &t2, &s2), 0);
    assert_true (memcmp (test->lines, s2->lines, test->n * sizeof (size_t)) != 0);
    model_dataset_destroy (&t2);
    model_dataset_destroy (&s2);

    assert_int_equal (model_dataset_split (ds, 0, 1, &t2, &s2), -1);
    assert_int_equal (model_dataset_split (ds, 1, 1, &t2, &s2), -1);
    assert_int_equal (model_dataset_split (ds, 0.0001, 1, &t2, &s2), -1);
    assert_string_equal (util_last_error (), "split at 0.0001 leaves an empty side (too few rows)");
    assert_null (t2);
    model_dataset_destroy (&ds);
    model_load_spec_t nolabel = { 0 };
    ds = s_load ("a\n1\n2\n", &nolabel, NULL);
    assert_int_equal (model_dataset_split (ds, 0.5, 1, &t2, &s2), -1);
    assert_string_equal (util_last_error (), "a stratified split needs a label");
    model_dataset_destroy (&ds);
    model_dataset_destroy (&train);
    model_dataset_destroy (&test);
}

static void
test_pima (void **state)
{
    (void) state;
    model_csv_t *csv = NULL;
    assert_int_equal (model_csv_load (&csv, COHORT_SOURCE_DIR "/datasets/pima_diabetes.csv", 0), 0);
    model_load_spec_t spec = { .label = "diabetes" };
    model_dataset_t *ds = NULL;
    assert_int_equal (model_dataset_load (&ds, csv, &spec, NULL), 0);
    model_csv_destroy (&csv);
    size_t missing = 0;
    for (size_t i = 0; i < ds->n; i++)
        for (size_t c = 0; c < ds->X->size2; c++)
            missing += isnan (gsl_matrix_get (ds->X, i, c));
    assert_int_equal (missing, 5 + 35 + 227 + 374 + 11);
    size_t dropped = 0;
    assert_int_equal (model_dataset_drop_incomplete (ds, &dropped), 0);
    assert_int_equal (ds->n, 392);
    model_dataset_destroy (&ds);
}

//  Allocation failures while loading (with a one-hot feature and a row
//  whose category is unknown to the schema) and splitting.
typedef struct {
    model_csv_t *csv;
    const model_load_spec_t *spec;
    const model_schema_t *schema;
} s_load_t;

static bool
s_load_walk (void *arg)
{
    s_load_t *l = arg;
    model_dataset_t *ds = NULL;
    if (model_dataset_load (&ds, l->csv, l->spec, l->schema))
        return false;
    assert_int_equal (ds->n, 4);
    model_dataset_destroy (&ds);
    return true;
}

static bool
s_split_walk (void *ds)
{
    model_dataset_t *train = NULL, *test = NULL;
    if (model_dataset_split (ds, 0.5, 1, &train, &test))
        return false;
    model_dataset_destroy (&train);
    model_dataset_destroy (&test);
    return true;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    const char *cat [] = { "sex" };
    model_load_spec_t spec = { .label = "outcome", .categorical = cat, .n_categorical = 1 };
    s_load_t l = { s_csv (s_table), &spec, NULL };
    //  The schema from the data: names, levels, encoded column names.
    assert_true (alloc_walk (s_load_walk, &l) >= 10);
    //  Against a fixed schema without level 'm': each such row's problem.
    model_schema_t *schema = model_schema_new ();
    const char *levels [] = { "f" };
    assert_int_equal (model_schema_add (schema, "age", NULL, 0), 0);
    assert_int_equal (model_schema_add (schema, "sex", levels, 1), 0);
    l.schema = schema;
    assert_true (alloc_walk (s_load_walk, &l) >= 6);
    model_dataset_t *ds = NULL;
    assert_int_equal (model_dataset_load (&ds, l.csv, &spec, NULL), 0);
    assert_true (alloc_walk (s_split_walk, ds) >= 4);
    model_dataset_destroy (&ds);
    model_schema_destroy (&schema);
    model_csv_destroy (&l.csv);
}


//  Nothing from a cell in any message (STYLE rule 15): a marker planted in
//  a bad cell (a feature that is not a number, a label that is not 0 or 1
//  or not one of the named values, a category the schema does not have)
//  is never in the error or the row's problem, which name the line, the
//  column and the feature instead.
#define S_MARK "ZQXMARK7"
#define S_MARK_NUMBER "987654.321"

static void
s_no_marker (const char *text, const char *where)
{
    assert_null (strstr (text, S_MARK));
    assert_null (strstr (text, S_MARK_NUMBER));
    assert_null (strstr (text, "987654"));
    if (!strstr (text, where))
        fail_msg ("'%s' does not say where ('%s')", text, where);
}

static void
test_no_value_in_messages (void **state)
{
    (void) state;
    model_load_spec_t spec = { .label = "y" };
    //  A feature cell that is not a number, the marker and the number
    //  planted around it (the number valid, in the row before).
    model_dataset_t *ds = s_load ("a,y\n" S_MARK_NUMBER ",1\n" S_MARK ",0\n", &spec, NULL);
    assert_null (ds);
    s_no_marker (util_last_error (), "d.csv:3:1: column 'a'");
    ds = s_load ("a,y\n1,1\n\"" S_MARK_NUMBER "x\",0\n", &spec, NULL);
    assert_null (ds);
    s_no_marker (util_last_error (), "d.csv:3:1: column 'a'");
    //  Labels.
    ds = s_load ("a,y\n1,1\n2," S_MARK_NUMBER "\n", &spec, NULL);
    assert_null (ds);
    s_no_marker (util_last_error (), "d.csv:3:3: the label in column 'y'");
    ds = s_load ("a,y\n1,1\n2," S_MARK "\n", &spec, NULL);
    assert_null (ds);
    s_no_marker (util_last_error (), "d.csv:3:3: the label in column 'y'");
    model_load_spec_t named = { .label = "y", .positive = "p", .negative = "n" };
    ds = s_load ("a,y\n1,p\n2," S_MARK "\n", &named, NULL);
    assert_null (ds);
    s_no_marker (util_last_error (), "d.csv:3:3: the label in column 'y'");
    //  A category the schema does not have: the row's problem.
    model_schema_t *schema = model_schema_new ();
    const char *levels [] = { "m", "f" };
    assert_int_equal (model_schema_add (schema, "sex", levels, 2), 0);
    model_load_spec_t nolabel = { .label = NULL };
    ds = s_load ("sex\nm\n" S_MARK "\n", &nolabel, schema);
    assert_non_null (ds);
    assert_non_null (ds->problem [1]);
    s_no_marker (ds->problem [1], "d.csv:3:1: column 'sex'");
    model_dataset_destroy (&ds);
    model_schema_destroy (&schema);
}

//  model_dataset_load_rows: only the listed rows are parsed (a bad cell in
//  a row not listed does not fail the load), in the order listed, with
//  their source lines; a row past the table, or none listed, is refused.
static void
test_load_rows (void **state)
{
    (void) state;
    model_csv_t *csv = s_csv ("a,y\n1,0\n" S_MARK ",1\n3,1\n4,0\n");
    model_load_spec_t spec = { .label = "y" };
    model_dataset_t *ds = NULL;
    assert_int_equal (model_dataset_load (&ds, csv, &spec, NULL), -1);
    assert_null (ds);
    size_t pick [] = { 3, 0, 2 };
    assert_int_equal (model_dataset_load_rows (&ds, csv, pick, 3, &spec, NULL), 0);
    assert_int_equal (ds->n, 3);
    assert_true (gsl_matrix_get (ds->X, 0, 0) == 4 && gsl_matrix_get (ds->X, 1, 0) == 1
                 && gsl_matrix_get (ds->X, 2, 0) == 3);
    assert_true (gsl_vector_get (ds->y, 0) == 0 && gsl_vector_get (ds->y, 2) == 1);
    assert_int_equal (ds->lines [0], 5);
    assert_int_equal (ds->lines [2], 4);
    model_dataset_destroy (&ds);
    //  The bad row listed: refused, without its value.
    size_t bad [] = { 0, 1 };
    assert_int_equal (model_dataset_load_rows (&ds, csv, bad, 2, &spec, NULL), -1);
    s_no_marker (util_last_error (), "d.csv:3:1: column 'a'");
    size_t past [] = { 4 };
    assert_int_equal (model_dataset_load_rows (&ds, csv, past, 1, &spec, NULL), -1);
    assert_string_equal (util_last_error (), "d.csv: a listed row is past the table's end");
    assert_int_equal (model_dataset_load_rows (&ds, csv, pick, 0, &spec, NULL), -1);
    assert_string_equal (util_last_error (), "d.csv: no data rows listed");
    assert_null (ds);
    //  Categorical levels come from the listed rows only.
    const char *cat [] = { "a" };
    model_load_spec_t levels = { .label = "y", .categorical = cat, .n_categorical = 1 };
    assert_int_equal (model_dataset_load_rows (&ds, csv, pick, 2, &levels, NULL), 0);
    assert_int_equal (ds->schema->n_cols, 2);
    assert_string_equal (ds->schema->col_names [0], "a=1");
    assert_string_equal (ds->schema->col_names [1], "a=4");
    model_dataset_destroy (&ds);
    model_csv_destroy (&csv);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_numbers),
        cmocka_unit_test (test_load_all),
        cmocka_unit_test (test_selection_and_labels),
        cmocka_unit_test (test_fixed_schema),
        cmocka_unit_test (test_load_errors),
        cmocka_unit_test (test_no_value_in_messages),
        cmocka_unit_test (test_load_rows),
        cmocka_unit_test (test_policy_errors),
        cmocka_unit_test (test_split),
        cmocka_unit_test (test_pima),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
