/*  Unit tests for site/data.c: loading a study's view of a dataset (label,
    features, missing values, held-out rows) and the decline reasons. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "site/data.h"
#include "util/error.h"
#include "ingest/grants.h"
#include "support_dir.h"
#include "support_file.h"
#include "support_ingest.h"

#include <czmq.h>

static char s_csv [300], s_test [300];

static int
s_setup (void **state)
{
    (void) state;
    if (support_dir_group_setup (state))
        return -1;
    support_path (s_csv, sizeof s_csv, support_dir_group, "d.csv");
    support_path (s_test, sizeof s_test, support_dir_group, "t.csv");
    support_file_write (s_csv, "a,b,y\n1,2,0\n3,,1\n5,6,1\n7,8,0\n9,10,1\n11,12,0\n", 0644);
    support_file_write (s_test, "a,b,y\n1,2,1\n", 0644);
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    return support_dir_group_teardown (state);
}

static proto_study_t *
s_study (const char *features, const char *missing)
{
    char text [512];
    snprintf (text, sizeof text, "study\n    name = s\n    dataset = d\n    label = y\n"
              "%s%s%s    missing = %s\n    steps = 1\n    sampling_rate = 1\n    min_sites = 1\n"
              "    privacy\n        off = true\n", features? "    features = ": "",
              features? features: "", features? "\n": "", missing);
    proto_study_t *s = proto_study_parse (text, "s.cfg");
    assert_non_null (s);
    return s;
}

static void
test_load (void **state)
{
    (void) state;
    site_dataset_t ds = { .name = "d", .path = s_csv };
    proto_study_t *st = s_study (NULL, "drop");
    site_data_t *data;
    assert_int_equal (site_data_load (&data, &ds, st, NULL), 0);
    assert_int_equal (data->p, 2);
    assert_int_equal (data->train->n, 5);          //  the incomplete row dropped
    assert_null (data->test);
    assert_string_equal (site_data_features (data) [1], "b");
    site_data_destroy (&data);
    assert_null (data);
    proto_study_destroy (&st);

    st = s_study ("b", "impute");
    ds.test_path = s_test;
    assert_int_equal (site_data_load (&data, &ds, st, NULL), 0);
    assert_int_equal (data->p, 1);
    assert_int_equal (data->train->n, 6);          //  kept: imputed later
    assert_int_equal (data->test->n, 1);
    site_data_destroy (&data);
    proto_study_destroy (&st);

    st = s_study (NULL, "drop");
    ds.test_path = NULL;
    ds.test_fraction = 0.4;
    assert_int_equal (site_data_load (&data, &ds, st, NULL), 0);
    assert_non_null (data->test);
    assert_int_equal (data->train->n + data->test->n, 5);
    site_data_destroy (&data);
    proto_study_destroy (&st);
}

static void
test_decline_reasons (void **state)
{
    (void) state;
    site_dataset_t ds = { .name = "d", .path = s_csv };
    site_data_t *data;
    proto_study_t *st = s_study ("a, c, d", "drop");
    assert_int_equal (site_data_load (&data, &ds, st, NULL), -1);
    assert_null (data);
    assert_string_equal (util_last_error (), "missing features: c, d");
    proto_study_destroy (&st);
    st = proto_study_parse ("study\n    name = s\n    dataset = d\n    label = z\n    steps = 1\n"
                            "    sampling_rate = 1\n    min_sites = 1\n    privacy\n"
                            "        off = true\n", "s.cfg");
    assert_int_equal (site_data_load (&data, &ds, st, NULL), -1);
    assert_non_null (strstr (util_last_error (), "z (the label)"));
    proto_study_destroy (&st);
    st = s_study (NULL, "drop");
    ds.path = "/nonexistent.csv";
    assert_int_equal (site_data_load (&data, &ds, st, NULL), -1);
    assert_non_null (strstr (util_last_error (), "dataset:"));
    ds.path = s_csv;
    ds.test_path = "/nonexistent-test.csv";
    assert_int_equal (site_data_load (&data, &ds, st, NULL), -1);
    assert_non_null (strstr (util_last_error (), "test dataset:"));
    proto_study_destroy (&st);
}

//  Read through the dictionary: a categorical feature one-hot over the
//  dictionary's levels (one the data never has still gets its column, a
//  value that is not a level drops its row), numbers clamped to the bounds.
static void
test_dictionary (void **state)
{
    (void) state;
    char path [300];
    support_path (path, sizeof path, support_dir_group, "dict-data.csv");
    support_file_write (path, "age,stage,bmi,y\n50,I,20,0\n130,II,21,1\n40,V,22,1\n60,I,23,1\n"
                        ",II,24,0\n", 0644);
    static const char dict_text [] =
        "name,type,min,max,levels,unit,description\n"
        "age,integer,18,100,,,\n"
        "stage,categorical,,,I|II|III,,\n"
        "y,binary,0,1,,,\n";
    model_dict_t *dict = model_dict_parse ("dict", dict_text, sizeof dict_text - 1);
    assert_non_null (dict);
    site_dataset_t ds = { .name = "d", .path = path };
    proto_study_t *st = s_study ("age, stage", "drop");
    site_data_t *data;
    if (site_data_load (&data, &ds, st, dict))
        fail_msg ("%s", util_last_error ());
    //  age, stage=I, stage=II, stage=III (III never appears in the data).
    assert_int_equal (data->p, 4);
    char **names = site_data_features (data);
    assert_string_equal (names [1], "stage=I");
    assert_string_equal (names [3], "stage=III");
    //  Rows: 50/I, 130/II (age clamped to 100), 60/I; 40/V (not a level)
    //  and the row with no age are dropped.
    assert_int_equal (data->train->n, 3);
    assert_true (gsl_matrix_get (data->train->X, 1, 0) == 100);
    assert_true (gsl_matrix_get (data->train->X, 1, 2) == 1);
    assert_true (gsl_matrix_get (data->train->X, 2, 1) == 1);
    site_data_destroy (&data);
    //  Impute keeps the row with no age, never the one with an unknown level.
    proto_study_destroy (&st);
    st = s_study ("age, stage", "impute");
    assert_int_equal (site_data_load (&data, &ds, st, dict), 0);
    assert_int_equal (data->train->n, 4);
    site_data_destroy (&data);
    //  A feature the dictionary does not have is the decline reason.
    proto_study_destroy (&st);
    st = s_study ("age, bmi", "drop");
    assert_int_equal (site_data_load (&data, &ds, st, dict), -1);
    assert_non_null (strstr (util_last_error (), "features: bmi is not in the data dictionary"));
    proto_study_destroy (&st);
    model_dict_destroy (&dict);
}


//  Consent first (ingest/cohort.h): only the rows of consenting patients
//  are parsed, so a bad cell in another patient's row neither fails the
//  load nor reaches a message; once that patient consents, the decline
//  reason names the line and column, never the cell (STYLE rule 15).
//  Markers: ZQXMARK7 (text in a numeric column), 987654.321 (a label that
//  is not 0 or 1), both planted in p-3's rows.
static void
test_consent_first (void **state)
{
    (void) state;
    char store [300], path [300], test_path [300], consent [2048];
    support_path (store, sizeof store, support_dir_group, "ingest.db");
    support_path (path, sizeof path, support_dir_group, "consent.csv");
    support_path (test_path, sizeof test_path, support_dir_group, "consent-test.csv");
    support_file_write (path, "pid,a,y\np-1,1,0\nPatient/p-2,2,1\np-3,ZQXMARK7,1\n"
                        "p-1,4,1\np-3,5,987654.321\n", 0644);
    support_file_write (test_path, "pid,a,y\np-3,ZQXMARK7,0\np-2,7,1\n", 0644);
    ingest_grants_t *grants = ingest_grants_open (store, NULL);
    assert_non_null (grants);
    audit_signer_t *authority = support_ingest_authority (grants);
    int64_t now = zclock_time ();
    const char *patients [] = { "Patient/p-1", "Patient/p-2", "Patient/p-3" };
    for (int i = 0; i < 2; i++) {
        support_consent_t c = { .id = i? "c-2": "c-1", .patient = patients [i],
                                .date = "2020-01-01T00:00:00Z",
                                .start = "2020-01-01T00:00:00Z", .end = "2100-01-01T00:00:00Z" };
        assert_int_equal (support_ingest_grant (grants, authority,
                                                support_consent (consent, sizeof consent, &c),
                                                now), INGEST_GRANT_OK);
    }
    site_dataset_t ds = { .name = "d", .path = path, .patient_column = "pid",
                          .grant_store = store, .grant_site = "Organization/hospital-a" };
    proto_study_t *st = s_study ("a", "drop");
    site_data_t *data;
    if (site_data_load (&data, &ds, st, NULL))
        fail_msg ("%s", util_last_error ());
    assert_int_equal (data->train->n, 3);
    assert_true (gsl_matrix_get (data->train->X, 0, 0) == 1
                 && gsl_matrix_get (data->train->X, 1, 0) == 2
                 && gsl_matrix_get (data->train->X, 2, 0) == 4);
    assert_int_equal (data->train->lines [2], 5);
    site_data_destroy (&data);
    //  The test file too: p-3's bad row there is not read.
    ds.test_path = test_path;
    if (site_data_load (&data, &ds, st, NULL))
        fail_msg ("%s", util_last_error ());
    assert_int_equal (data->test->n, 1);
    assert_true (gsl_matrix_get (data->test->X, 0, 0) == 7);
    site_data_destroy (&data);
    ds.test_path = NULL;
    //  p-3 consents: its rows are read, and the load is declined at the
    //  first bad one, by line and (character) column.
    support_consent_t c = { .id = "c-3", .patient = patients [2], .date = "2020-01-01T00:00:00Z",
                            .start = "2020-01-01T00:00:00Z", .end = "2100-01-01T00:00:00Z" };
    assert_int_equal (support_ingest_grant (grants, authority,
                                            support_consent (consent, sizeof consent, &c), now),
                      INGEST_GRANT_OK);
    assert_int_equal (site_data_load (&data, &ds, st, NULL), -1);
    assert_null (data);
    const char *why = util_last_error ();
    assert_non_null (strstr (why, "consent.csv:4:5: column 'a': not a number"));
    assert_null (strstr (why, "ZQXMARK7"));
    //  The label's marker, once the numeric one is fixed.
    support_file_write (path, "pid,a,y\np-1,1,0\np-3,3,987654.321\n", 0644);
    assert_int_equal (site_data_load (&data, &ds, st, NULL), -1);
    why = util_last_error ();
    assert_non_null (strstr (why, "consent.csv:3:7: the label in column 'y'"));
    assert_null (strstr (why, "987654"));
    proto_study_destroy (&st);
    ingest_grants_destroy (&grants);
    audit_signer_destroy (&authority);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_load),
        cmocka_unit_test (test_dictionary),
        cmocka_unit_test (test_decline_reasons),
        cmocka_unit_test (test_consent_first),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
