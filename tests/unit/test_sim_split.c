/*  Unit tests for sim/split.c: iid, label-skew and size-skew assignments
    (sizes, label proportions, determinism), CSV splitting that keeps the
    header and every cell, the seeded hold-out, and every refusal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "models/csv.h"
#include "util/error.h"
#include "sim/split.h"
#include "support_dir.h"
#include "support_file.h"

#define S_BREAST COHORT_SOURCE_DIR "/datasets/breast_cancer_wisconsin.csv"

static void
test_kinds (void **state)
{
    (void) state;
    sim_split_kind_t k;
    assert_int_equal (sim_split_kind_parse ("iid", &k), 0);
    assert_int_equal (k, SIM_SPLIT_IID);
    assert_int_equal (sim_split_kind_parse ("label-skew", &k), 0);
    assert_int_equal (k, SIM_SPLIT_LABEL_SKEW);
    assert_int_equal (sim_split_kind_parse ("size-skew", &k), 0);
    assert_int_equal (k, SIM_SPLIT_SIZE_SKEW);
    assert_string_equal (sim_split_kind_name (k), "size-skew");
    assert_int_equal (sim_split_kind_parse ("IID", &k), -1);
    assert_non_null (strstr (util_last_error (), "expected iid, label-skew or size-skew"));
    assert_int_equal (sim_split_kind_parse ("", &k), -1);
    assert_int_equal (sim_split_kind_parse (NULL, &k), -1);
    assert_string_equal (sim_split_kind_name ((sim_split_kind_t) 7), "?");
}

static void
s_sizes (const size_t *a, size_t rows, size_t *sizes, size_t n)
{
    memset (sizes, 0, n * sizeof *sizes);
    for (size_t r = 0; r < rows; r++) {
        assert_true (a [r] < n);
        sizes [a [r]]++;
    }
}

static void
test_iid_and_size_skew (void **state)
{
    (void) state;
    enum { ROWS = 569 };
    size_t a [ROWS], b [ROWS], sizes [5];
    assert_int_equal (sim_split_assign (a, ROWS, NULL, 0, 5, SIM_SPLIT_IID, 1), 0);
    s_sizes (a, ROWS, sizes, 5);
    for (int i = 0; i < 5; i++)
        assert_true (sizes [i] == 113 || sizes [i] == 114);
    //  Deterministic per seed; another seed gives another split.
    assert_int_equal (sim_split_assign (b, ROWS, NULL, 0, 5, SIM_SPLIT_IID, 1), 0);
    assert_memory_equal (a, b, sizeof a);
    assert_int_equal (sim_split_assign (b, ROWS, NULL, 0, 5, SIM_SPLIT_IID, 2), 0);
    assert_memory_not_equal (a, b, sizeof a);
    //  Not the identity order: rows are shuffled before dealing.
    size_t in_order = 0;
    for (size_t r = 0; r < ROWS; r++)
        in_order += a [r] == r % 5;
    assert_true (in_order < ROWS / 2);

    //  Size skew: proportional to 1, 2, 3 (largest remainder: 95, 190, 284).
    assert_int_equal (sim_split_assign (a, ROWS, NULL, 0, 3, SIM_SPLIT_SIZE_SKEW, 9), 0);
    s_sizes (a, ROWS, sizes, 3);
    assert_int_equal (sizes [0], 95);
    assert_int_equal (sizes [1], 190);
    assert_int_equal (sizes [2], 284);
    //  One site gets everything; exactly one row per site is enough.
    assert_int_equal (sim_split_assign (a, ROWS, NULL, 0, 1, SIM_SPLIT_SIZE_SKEW, 9), 0);
    s_sizes (a, ROWS, sizes, 1);
    assert_int_equal (sizes [0], ROWS);
    assert_int_equal (sim_split_assign (a, 3, NULL, 0, 3, SIM_SPLIT_IID, 9), 0);
    assert_int_equal (sim_split_assign (a, 3, NULL, 0, 3, SIM_SPLIT_SIZE_SKEW, 9), 0);
    s_sizes (a, 3, sizes, 3);
    assert_int_equal (sizes [0] + sizes [1] + sizes [2], 3);
    assert_true (sizes [0] && sizes [1] && sizes [2]);
    //  256 sites allowed, 257 and 0 not; fewer rows than sites refused.
    assert_int_equal (sim_split_assign (a, ROWS, NULL, 0, 256, SIM_SPLIT_IID, 9), 0);
    assert_int_equal (sim_split_assign (a, ROWS, NULL, 0, 257, SIM_SPLIT_IID, 9), -1);
    assert_non_null (strstr (util_last_error (), "257 sites"));
    assert_int_equal (sim_split_assign (a, ROWS, NULL, 0, 0, SIM_SPLIT_IID, 9), -1);
    assert_int_equal (sim_split_assign (a, 2, NULL, 0, 3, SIM_SPLIT_IID, 9), -1);
    assert_non_null (strstr (util_last_error (), "2 rows cannot give each of 3 sites"));
    assert_int_equal (sim_split_assign (a, ROWS, NULL, 0, 3, (sim_split_kind_t) 9, 9), -1);
}

static void
test_label_skew (void **state)
{
    (void) state;
    enum { ROWS = 600 };
    size_t labels [ROWS], a [ROWS], b [ROWS];
    for (size_t r = 0; r < ROWS; r++)
        labels [r] = r % 2;
    assert_int_equal (sim_split_assign (a, ROWS, labels, 2, 3, SIM_SPLIT_LABEL_SKEW, 5), 0);
    size_t pos [3] = { 0 }, all [3] = { 0 };
    for (size_t r = 0; r < ROWS; r++) {
        all [a [r]]++;
        pos [a [r]] += labels [r];
    }
    //  Label 0 goes 1:2:3, label 1 goes 3:2:1: sizes equal, proportions not.
    for (int i = 0; i < 3; i++)
        assert_int_equal (all [i], 200);
    assert_int_equal (pos [0], 150);
    assert_int_equal (pos [1], 100);
    assert_int_equal (pos [2], 50);
    assert_int_equal (sim_split_assign (b, ROWS, labels, 2, 3, SIM_SPLIT_LABEL_SKEW, 5), 0);
    assert_memory_equal (a, b, sizeof a);
    assert_int_equal (sim_split_assign (b, ROWS, labels, 2, 3, SIM_SPLIT_LABEL_SKEW, 6), 0);
    assert_memory_not_equal (a, b, sizeof a);

    //  Refusals: no labels, a label out of range, a site left empty.
    assert_int_equal (sim_split_assign (a, ROWS, NULL, 2, 3, SIM_SPLIT_LABEL_SKEW, 5), -1);
    assert_int_equal (sim_split_assign (a, ROWS, labels, 0, 3, SIM_SPLIT_LABEL_SKEW, 5), -1);
    labels [7] = 2;
    assert_int_equal (sim_split_assign (a, ROWS, labels, 2, 3, SIM_SPLIT_LABEL_SKEW, 5), -1);
    assert_non_null (strstr (util_last_error (), "row 7 has label index 2 of 2"));
    size_t same [4] = { 0, 0, 0, 0 };
    assert_int_equal (sim_split_assign (a, 4, same, 1, 4, SIM_SPLIT_LABEL_SKEW, 5), -1);
    assert_non_null (strstr (util_last_error (), "leaves site 1 of 4 empty"));
}

#define s_path(out, size, name) support_path (out, size, support_dir_group, name)
#define s_put(name, text) support_file_put (support_dir_group, name, text, 0644)

static void
test_split_csv (void **state)
{
    (void) state;
    char p [3][256];
    const char *paths [3] = { p [0], p [1], p [2] };
    for (int i = 0; i < 3; i++) {
        char name [32];
        snprintf (name, sizeof name, "site-%d.csv", i);
        s_path (p [i], sizeof p [i], name);
    }
    size_t counts [3];
    assert_int_equal (sim_split_csv (S_BREAST, "malignant", SIM_SPLIT_LABEL_SKEW, 3, 42,
                                      paths, counts), 0);
    assert_int_equal (counts [0] + counts [1] + counts [2], 569);
    size_t positives [3];
    for (int i = 0; i < 3; i++) {
        model_csv_t *csv = NULL;
        assert_int_equal (model_csv_load (&csv, p [i], 0), 0);
        assert_int_equal (model_csv_rows (csv), counts [i]);
        assert_int_equal (model_csv_cols (csv), 31);
        assert_string_equal (model_csv_header (csv, 0), "mean_radius");
        assert_string_equal (model_csv_header (csv, 30), "malignant");
        positives [i] = 0;
        for (size_t r = 0; r < model_csv_rows (csv); r++)
            positives [i] += strcmp (model_csv_cell (csv, r, 30), "1") == 0;
        model_csv_destroy (&csv);
        struct stat st;
        assert_int_equal (stat (p [i], &st), 0);
        assert_int_equal (st.st_mode & 0777, 0600);
    }
    //  Labels sorted "0" < "1": benign (357) go 1:2:3 = 60, 119, 178 and
    //  malignant (212) 3:2:1 = 106, 71, 35.
    assert_int_equal (positives [0], 106);
    assert_int_equal (positives [1], 71);
    assert_int_equal (positives [2], 35);
    assert_int_equal (counts [0], 106 + 60);
    assert_int_equal (counts [2], 35 + 178);

    //  Cells survive: quotes, commas, empty (missing) values, other label texts.
    s_put ("odd.csv", "name,x,y\n\"a, b\",1,yes\n\"say \"\"hi\"\"\",,no\nplain, 2 ,yes\n"
                      "\"multi\nline\",3,no\n");
    char odd [256];
    s_path (odd, sizeof odd, "odd.csv");
    assert_int_equal (sim_split_csv (odd, "y", SIM_SPLIT_LABEL_SKEW, 2, 1, paths, counts), 0);
    assert_int_equal (counts [0] + counts [1], 4);
    size_t seen = 0;
    for (int i = 0; i < 2; i++) {
        model_csv_t *csv = NULL;
        assert_int_equal (model_csv_load (&csv, p [i], 0), 0);
        for (size_t r = 0; r < model_csv_rows (csv); r++) {
            const char *name = model_csv_cell (csv, r, 0);
            if (strcmp (name, "a, b") == 0)
                seen |= 1, assert_string_equal (model_csv_cell (csv, r, 1), "1");
            if (strcmp (name, "say \"hi\"") == 0)
                seen |= 2, assert_string_equal (model_csv_cell (csv, r, 1), "");
            if (strcmp (name, "plain") == 0)
                seen |= 4, assert_string_equal (model_csv_cell (csv, r, 1), " 2 ");
            if (strcmp (name, "multi\nline") == 0)
                seen |= 8;
        }
        model_csv_destroy (&csv);
    }
    assert_int_equal (seen, 15);
    //  iid and size-skew need no label column.
    assert_int_equal (sim_split_csv (odd, NULL, SIM_SPLIT_IID, 2, 1, paths, NULL), 0);
    assert_int_equal (sim_split_csv (odd, NULL, SIM_SPLIT_SIZE_SKEW, 2, 1, paths, counts), 0);
    assert_true (counts [0] < counts [1]);

    //  Refusals name the file and place.
    assert_int_equal (sim_split_csv (odd, NULL, SIM_SPLIT_LABEL_SKEW, 2, 1, paths, NULL), -1);
    assert_int_equal (sim_split_csv (odd, "z", SIM_SPLIT_LABEL_SKEW, 2, 1, paths, NULL), -1);
    assert_non_null (strstr (util_last_error (), "odd.csv:1:1: no label column 'z'"));
    s_put ("nolabel.csv", "x,y\n1,0\n2,\n3,1\n");
    char nolabel [256];
    s_path (nolabel, sizeof nolabel, "nolabel.csv");
    assert_int_equal (sim_split_csv (nolabel, "y", SIM_SPLIT_LABEL_SKEW, 2, 1, paths, NULL), -1);
    assert_non_null (strstr (util_last_error (), "nolabel.csv:3:3: missing label"));
    assert_int_equal (sim_split_csv (nolabel, "y", SIM_SPLIT_IID, 4, 1, paths, NULL), -1);
    assert_non_null (strstr (util_last_error (), "nolabel.csv: split: 3 rows cannot give"));
    s_put ("ragged.csv", "x,y\n1\n");
    char ragged [256];
    s_path (ragged, sizeof ragged, "ragged.csv");
    assert_int_equal (sim_split_csv (ragged, "y", SIM_SPLIT_IID, 1, 1, paths, NULL), -1);
    assert_non_null (strstr (util_last_error (), "ragged.csv:2:"));
    assert_int_equal (sim_split_csv ("/nonexistent.csv", "y", SIM_SPLIT_IID, 1, 1, paths,
                                      NULL), -1);
    const char *bad [2] = { "/nonexistent/dir/a.csv", p [1] };
    assert_int_equal (sim_split_csv (odd, NULL, SIM_SPLIT_IID, 2, 1, bad, NULL), -1);
    assert_non_null (strstr (util_last_error (), "/nonexistent/dir/a.csv: cannot create"));
}

static void
test_holdout (void **state)
{
    (void) state;
    char train [256], test [256];
    s_path (train, sizeof train, "train.csv");
    s_path (test, sizeof test, "test.csv");
    size_t n_train = 0, n_test = 0;
    //  Stratified 70/30: 30 % of 212 malignant (64) and of 357 benign (107).
    assert_int_equal (sim_split_holdout (S_BREAST, "malignant", 0.3, 7, train, test,
                                          &n_train, &n_test), 0);
    assert_int_equal (n_test, 171);
    assert_int_equal (n_train, 398);
    model_csv_t *a = NULL, *b = NULL;
    assert_int_equal (model_csv_load (&a, test, 0), 0);
    assert_int_equal (model_csv_rows (a), 171);
    size_t pos = 0;
    for (size_t r = 0; r < 171; r++)
        pos += strcmp (model_csv_cell (a, r, 30), "1") == 0;
    assert_int_equal (pos, 64);
    //  Same seed, same rows.
    assert_int_equal (sim_split_holdout (S_BREAST, "malignant", 0.3, 7, train, test,
                                          NULL, NULL), 0);
    assert_int_equal (model_csv_load (&b, test, 0), 0);
    for (size_t r = 0; r < 171; r++)
        assert_string_equal (model_csv_cell (a, r, 0), model_csv_cell (b, r, 0));
    model_csv_destroy (&a);
    model_csv_destroy (&b);

    assert_int_equal (sim_split_holdout (S_BREAST, "malignant", 0, 7, train, test, NULL, NULL),
                      -1);
    assert_int_equal (sim_split_holdout (S_BREAST, "malignant", 1, 7, train, test, NULL, NULL),
                      -1);
    assert_int_equal (sim_split_holdout (S_BREAST, "nosuch", 0.3, 7, train, test, NULL, NULL),
                      -1);
    //  Too few rows for any test row.
    s_put ("two.csv", "x,y\n1,0\n2,1\n");
    char two [256];
    s_path (two, sizeof two, "two.csv");
    assert_int_equal (sim_split_holdout (two, "y", 0.2, 7, train, test, NULL, NULL), -1);
    assert_non_null (strstr (util_last_error (), "leaves an empty side"));
    assert_int_equal (sim_split_holdout ("/nonexistent.csv", "y", 0.2, 7, train, test,
                                          NULL, NULL), -1);
    assert_int_equal (sim_split_holdout (S_BREAST, "malignant", 0.3, 7, train,
                                          "/nonexistent/t.csv", NULL, NULL), -1);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_kinds),
        cmocka_unit_test (test_iid_and_size_skew),
        cmocka_unit_test (test_label_skew),
        cmocka_unit_test (test_split_csv),
        cmocka_unit_test (test_holdout),
    };
    return cmocka_run_group_tests (tests, support_dir_group_setup, support_dir_group_teardown);
}
