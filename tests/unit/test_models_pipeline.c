/*  Unit tests for models/pipeline.c: the acceptance figures on the bundled
    datasets (logistic regression against scikit-learn, MLP AUC floors),
    scoring with rows that cannot be scored, and refused options. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/metrics.h"
#include "util/error.h"
#include "models/pipeline.h"

//  Loads a bundled dataset and splits it 70/30, stratified, seed 42.
static void
s_split (const char *file, const char *label, model_dataset_t **train, model_dataset_t **test)
{
    char path [512];
    snprintf (path, sizeof path, "%s/datasets/%s", COHORT_SOURCE_DIR, file);
    model_csv_t *csv = NULL;
    model_dataset_t *ds = NULL;
    assert_int_equal (model_csv_load (&csv, path, 0), 0);
    model_load_spec_t spec = { .label = label };
    assert_int_equal (model_dataset_load (&ds, csv, &spec, NULL), 0);
    assert_int_equal (model_dataset_split (ds, 0.3, 42, train, test), 0);
    model_dataset_destroy (&ds);
    model_csv_destroy (&csv);
}

static double
s_test_auc (const model_file_t *mf, const model_dataset_t *test)
{
    gsl_vector *s = gsl_vector_alloc (test->n);
    char **why = calloc (test->n, sizeof *why);
    assert_int_equal (model_score (mf, test, "test", s, why), (long) test->n);
    model_metrics_t m;
    assert_int_equal (model_metrics_compute (&m, s->data, test->y->data, test->n), 0);
    gsl_vector_free (s);
    free (why);
    return m.auc;
}

static model_file_t *
s_fit (const model_dataset_t *train, const char *label, model_type_t type,
       model_missing_t missing)
{
    model_load_spec_t spec = { .label = label };
    model_train_opts_t opts;
    model_train_defaults (&opts, type);
    opts.missing = missing;
    model_file_t *mf = model_train (train, &spec, &opts, NULL);
    assert_non_null (mf);
    return mf;
}

//  Acceptance. scikit-learn 1.2.1 (Debian python3-sklearn), on the same
//  split (the 171 test rows are listed in docs/model-format.md), with
//  StandardScaler fitted on the training rows and
//  LogisticRegression(C=1, solver="lbfgs", tol=1e-10, max_iter=10000):
//  test AUC 0.992991, intercept -0.35408. --l2 1 is C = 1.
static void
test_logistic_matches_sklearn (void **state)
{
    (void) state;
    model_dataset_t *train = NULL, *test = NULL;
    s_split ("breast_cancer_wisconsin.csv", "malignant", &train, &test);
    assert_int_equal (test->n, 171);
    model_file_t *mf = s_fit (train, "malignant", MODEL_TYPE_LOGISTIC, MODEL_MISSING_DROP);
    double auc = s_test_auc (mf, test);
    assert_true (fabs (auc - 0.992991) <= 0.002);
    assert_true (fabs (gsl_vector_get (mf->w, 30) - (-0.35408)) < 1e-3);
    assert_int_equal (mf->train_rows, 398);
    model_file_destroy (&mf);
    model_dataset_destroy (&train);
    model_dataset_destroy (&test);
}

static void
test_mlp_breast_cancer (void **state)
{
    (void) state;
    model_dataset_t *train = NULL, *test = NULL;
    s_split ("breast_cancer_wisconsin.csv", "malignant", &train, &test);
    model_file_t *mf = s_fit (train, "malignant", MODEL_TYPE_MLP, MODEL_MISSING_DROP);
    assert_true (s_test_auc (mf, test) >= 0.99);
    model_file_destroy (&mf);
    model_dataset_destroy (&train);
    model_dataset_destroy (&test);
}

static void
test_mlp_pima_imputed (void **state)
{
    (void) state;
    model_dataset_t *train = NULL, *test = NULL;
    s_split ("pima_diabetes.csv", "diabetes", &train, &test);
    model_file_t *mf = s_fit (train, "diabetes", MODEL_TYPE_MLP, MODEL_MISSING_IMPUTE);
    assert_int_equal (mf->train_rows, train->n);
    assert_true (s_test_auc (mf, test) >= 0.82);
    //  The same model imputes the test rows' gaps with the training means.
    assert_true (fabs (gsl_vector_get (mf->impute, 4) - 155.5) < 15);
    model_file_destroy (&mf);
    model_dataset_destroy (&train);
    model_dataset_destroy (&test);
}

static void
test_scoring_reports_rows (void **state)
{
    (void) state;
    const char *text = "a,c,y\n1,u,0\n2,v,1\n3,u,0\n4,v,1\n5,u,1\n0,v,0\n";
    model_csv_t *csv = NULL;
    assert_int_equal (model_csv_parse (&csv, "t.csv", text, strlen (text), 0), 0);
    const char *cat [] = { "c" };
    model_load_spec_t spec = { .label = "y", .categorical = cat, .n_categorical = 1 };
    model_dataset_t *ds = NULL;
    assert_int_equal (model_dataset_load (&ds, csv, &spec, NULL), 0);
    model_csv_destroy (&csv);
    model_train_opts_t opts;
    model_train_defaults (&opts, MODEL_TYPE_LOGISTIC);
    model_file_t *mf = model_train (ds, &spec, &opts, NULL);
    assert_non_null (mf);
    model_dataset_destroy (&ds);

    const char *pred = "c,a\nu,1\nw,2\nv,\nv,3\n";
    assert_int_equal (model_csv_parse (&csv, "p.csv", pred, strlen (pred), 0), 0);
    assert_int_equal (model_load_for (&ds, csv, mf, false), 0);
    gsl_vector *s = gsl_vector_alloc (4);
    char *why [4];
    assert_int_equal (model_score (mf, ds, "p.csv", s, why), 2);
    assert_null (why [0]);
    assert_string_equal (why [1], "p.csv:3:1: column 'c': not one of its categories");
    assert_string_equal (why [2], "p.csv:4: missing value in column 'a' (the model was "
                                  "trained to drop incomplete rows)");
    assert_null (why [3]);
    assert_true (isnan (gsl_vector_get (s, 1)) && isnan (gsl_vector_get (s, 2)));
    assert_true (gsl_vector_get (s, 0) > 0 && gsl_vector_get (s, 0) < 1);
    free (why [1]);
    free (why [2]);
    //  With imputation the gap is filled from the model.
    mf->impute = gsl_vector_calloc (3);
    assert_int_equal (model_score (mf, ds, "p.csv", s, why), 3);
    assert_null (why [2]);
    free (why [1]);
    //  A model needing a column the data lacks.
    model_dataset_destroy (&ds);
    model_csv_destroy (&csv);
    assert_int_equal (model_csv_parse (&csv, "p.csv", "a\n1\n", 4, 0), 0);
    assert_int_equal (model_load_for (&ds, csv, mf, false), -1);
    assert_string_equal (util_last_error (),
                         "p.csv:1:1: no column 'c' in the header (the model needs it)");
    assert_int_equal (model_load_for (&ds, csv, mf, true), -1);
    assert_string_equal (util_last_error (), "p.csv:1:1: no label column 'y' in the header");
    model_csv_destroy (&csv);
    gsl_vector_free (s);
    model_file_destroy (&mf);
}

static void
test_train_refusals (void **state)
{
    (void) state;
    const char *text = "a,y\n1,0\n2,1\n,1\n";
    model_csv_t *csv = NULL;
    assert_int_equal (model_csv_parse (&csv, "t.csv", text, strlen (text), 0), 0);
    model_load_spec_t spec = { .label = "y" }, nolabel = { 0 };
    model_dataset_t *ds = NULL, *unlabelled = NULL;
    assert_int_equal (model_dataset_load (&ds, csv, &spec, NULL), 0);
    assert_int_equal (model_dataset_load (&unlabelled, csv, &nolabel, NULL), 0);
    model_csv_destroy (&csv);
    model_train_opts_t opts;
    model_train_defaults (&opts, MODEL_TYPE_LOGISTIC);
    assert_null (model_train (unlabelled, &spec, &opts, NULL));
    assert_string_equal (util_last_error (), "training needs a label");
    //  A labelled dataset but no label name to store in the model.
    assert_null (model_train (ds, &nolabel, &opts, NULL));
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    assert_non_null (strstr (util_last_error (), "name of the label column"));
    opts.l2 = -1;
    assert_null (model_train (ds, &spec, &opts, NULL));
    opts.l2 = NAN;
    assert_null (model_train (ds, &spec, &opts, NULL));
    //  Perfectly separable and unpenalised: no optimum.
    opts.l2 = 0;
    assert_null (model_train (ds, &spec, &opts, NULL));
    assert_non_null (strstr (util_last_error (), "Newton"));
    opts.l2 = 1;
    size_t dropped = 0;
    model_file_t *mf = model_train (ds, &spec, &opts, &dropped);
    assert_non_null (mf);
    assert_int_equal (dropped, 1);
    assert_int_equal (mf->train_rows, 2);
    model_file_destroy (&mf);
    model_train_defaults (&opts, MODEL_TYPE_MLP);
    opts.epochs = 0;
    assert_null (model_train (ds, &spec, &opts, NULL));
    assert_string_equal (util_last_error (), "epochs and batch must be at least 1");
    opts.epochs = 1;
    opts.n_hidden = 0;
    assert_null (model_train (ds, &spec, &opts, NULL));
    //  The optimiser's own reason, not "out of memory".
    opts.n_hidden = 1;
    opts.lr = -1;
    assert_null (model_train (ds, &spec, &opts, NULL));
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    assert_non_null (strstr (util_last_error (), "learning rate"));
    model_dataset_destroy (&ds);
    model_dataset_destroy (&unlabelled);
}

int
main (void)
{
    model_init ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_logistic_matches_sklearn),
        cmocka_unit_test (test_mlp_breast_cancer),
        cmocka_unit_test (test_mlp_pima_imputed),
        cmocka_unit_test (test_scoring_reports_rows),
        cmocka_unit_test (test_train_refusals),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
