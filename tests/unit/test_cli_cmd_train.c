/*  Unit tests for cli/cmd_train.c: a model is written for both types and
    with DP-SGD (--epsilon), and bad command lines exit 2 while bad data
    exits 1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "models/modelfile.h"
#include "cli_run.h"
#include "support_dir.h"
#include "support_file.h"

static char s_dir [64], s_data [256], s_model [256], s_dict [256], s_beside [256];

static int
s_setup (void **state)
{
    (void) state;
    if (support_dir_make (s_dir, sizeof s_dir, "train"))
        return -1;
    support_path (s_data, sizeof s_data, s_dir, "d.csv");
    support_path (s_model, sizeof s_model, s_dir, "m.json");
    support_path (s_dict, sizeof s_dict, s_dir, "dict.csv");
    support_path (s_beside, sizeof s_beside, s_dir, "d_dictionary.csv");
    support_file_write (s_dict, "name,type,min,max,levels,unit,description\n"
                        "age,integer,0,120,,years,\nsex,categorical,,,m|f,,\n"
                        "bp,numeric,40,240,,mm Hg,\n", 0644);
    support_file_write (s_data, "age,sex,bp,outcome\n50,m,120,yes\n61,f,135,no\n70,f,140,yes\n"
                        "45,m,130,no\n52,f,118,no\n66,m,150,yes\n39,m,,no\n58,f,125,yes\n",
                        0644);
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    static const char *const files [] = { "d.csv", "m.json", "dict.csv", "d_dictionary.csv",
                                          NULL };
    return support_dir_remove_listed (s_dir, files);
}

//  Runs `cohort train` with the arguments (NULL-terminated), output
//  captured.
static int
s_train (const char *first, ...)
{
    char *argv [40] = { "cohort", "train" };
    int argc = 2;
    va_list ap;
    va_start (ap, first);
    for (const char *a = first; a && argc < 39; a = va_arg (ap, const char *))
        argv [argc++] = (char *) a;
    va_end (ap);
    argv [argc] = NULL;
    return s_run_argv (argc, argv);
}

static void
test_train_logistic (void **state)
{
    (void) state;
    unlink (s_model);
    assert_int_equal (s_train ("--data", s_data, "--label", "outcome", "--positive", "yes",
                               "--negative", "no", "--categorical", "sex", "--model",
                               "logistic", "--l2", "0.5", "--missing", "impute",
                               "--out", s_model, NULL), CLI_OK);
    model_file_t *mf = model_file_load (s_model);
    assert_non_null (mf);
    assert_int_equal (mf->type, MODEL_TYPE_LOGISTIC);
    assert_true (mf->l2 == 0.5);
    assert_int_equal (mf->train_rows, 8);
    assert_int_equal (mf->schema->n_cols, 4);
    assert_string_equal (mf->positive, "yes");
    model_file_destroy (&mf);
    //  Feature selection and dropping.
    assert_int_equal (s_train ("--data", s_data, "--label", "outcome", "--positive", "yes",
                               "--negative", "no", "--features", "bp,age", "--model",
                               "logistic", "--out", s_model, NULL), CLI_OK);
    mf = model_file_load (s_model);
    assert_int_equal (mf->schema->n_cols, 2);
    assert_string_equal (mf->schema->col_names [0], "bp");
    assert_int_equal (mf->train_rows, 7);
    model_file_destroy (&mf);
}

static void
test_train_mlp (void **state)
{
    (void) state;
    assert_int_equal (s_train ("--data", s_data, "--label", "outcome", "--positive", "yes",
                               "--negative", "no", "--features", "age,bp", "--model", "mlp",
                               "--hidden", "4,3", "--epochs", "5", "--lr", "0.01",
                               "--seed", "7", "--out", s_model, NULL), CLI_OK);
    model_file_t *mf = model_file_load (s_model);
    assert_non_null (mf);
    assert_int_equal (mf->type, MODEL_TYPE_MLP);
    assert_int_equal (model_mlp_n_hidden (mf->mlp), 2);
    assert_int_equal (model_mlp_hidden (mf->mlp, 1), 3);
    assert_true (mf->l2 == 10);
    model_file_destroy (&mf);
}

static void
test_train_dp (void **state)
{
    (void) state;
    unlink (s_model);
    assert_int_equal (s_train ("--data", s_data, "--label", "outcome", "--positive", "yes",
                               "--negative", "no", "--model", "logistic", "--epsilon", "2",
                               "--delta", "1e-6", "--dictionary", s_dict, "--steps", "20",
                               "--sampling-rate", "0.5", "--clip", "0.5", "--lr", "0.1",
                               "--missing", "impute", "--out", s_model, NULL), CLI_OK);
    assert_non_null (strstr (s_out, "privacy: epsilon "));
    model_file_t *mf = model_file_load (s_model);
    assert_non_null (mf);
    assert_non_null (mf->privacy);
    assert_true (mf->privacy->epsilon <= 2 && mf->privacy->epsilon > 1.9);
    assert_true (mf->privacy->delta == 1e-6 && mf->privacy->steps == 20);
    assert_true (mf->privacy->sampling_rate == 0.5 && mf->privacy->clip == 0.5);
    //  Scaled by the dictionary (bp: [40, 240]), sex one-hot by its levels,
    //  every row kept (the gap imputed).
    assert_int_equal (mf->train_rows, 8);
    assert_int_equal (mf->schema->n_cols, 4);
    assert_true (gsl_vector_get (mf->mean, 3) == 140 && gsl_vector_get (mf->std, 3) == 100);
    assert_true (mf->l2 == 0);
    model_file_destroy (&mf);
    //  Without --dictionary, the one beside the data; none there is an error.
    unlink (s_beside);
    assert_int_equal (s_train ("--data", s_data, "--label", "outcome", "--positive", "yes",
                               "--negative", "no", "--model", "logistic", "--epsilon", "1",
                               "--out", s_model, NULL), CLI_FAIL);
    assert_non_null (strstr (s_err, "d_dictionary.csv"));
    support_file_write (s_beside, "name,type,min,max,levels,unit,description\n"
                        "age,integer,0,120,,years,\nbp,numeric,40,240,,mm Hg,\n", 0644);
    assert_int_equal (s_train ("--data", s_data, "--label", "outcome", "--positive", "yes",
                               "--negative", "no", "--model", "logistic", "--epsilon", "1",
                               "--features", "age,bp", "--out", s_model, NULL), CLI_OK);
    mf = model_file_load (s_model);
    assert_non_null (mf);
    assert_int_equal (mf->train_rows, 7);
    assert_true (mf->privacy->steps == 100);
    model_file_destroy (&mf);
    //  A feature the dictionary lacks (sex) is an error of the data.
    assert_int_equal (s_train ("--data", s_data, "--label", "outcome", "--positive", "yes",
                               "--negative", "no", "--model", "logistic", "--epsilon", "1",
                               "--out", s_model, NULL), CLI_FAIL);
    assert_non_null (strstr (s_err, "feature sex is not in the data dictionary"));
    //  Without --epsilon nothing changes: no privacy record.
    assert_int_equal (s_train ("--data", s_data, "--label", "outcome", "--positive", "yes",
                               "--negative", "no", "--model", "logistic", "--categorical",
                               "sex", "--out", s_model, NULL), CLI_OK);
    mf = model_file_load (s_model);
    assert_null (mf->privacy);
    model_file_destroy (&mf);
}

static void
test_dp_usage_errors (void **state)
{
    (void) state;
    const char *base [] = { "--data", s_data, "--label", "outcome", "--positive", "yes",
                            "--negative", "no", "--out", s_model, "--dictionary", s_dict };
#define TRAIN(...) s_train (base [0], base [1], base [2], base [3], base [4], base [5], \
                            base [6], base [7], base [8], base [9], base [10], base [11], \
                            __VA_ARGS__, NULL)
    //  Each bad value, each option out of place.
    const char *bad [][2] = {
        { "--epsilon", "0" }, { "--epsilon", "-1" }, { "--epsilon", "nan" },
        { "--epsilon", "101" }, { "--delta", "0" }, { "--delta", "1" }, { "--clip", "0" },
        { "--sampling-rate", "0" }, { "--sampling-rate", "1.5" }, { "--steps", "0" },
        { "--steps", "1000001" }, { "--lr", "0" }, { "--l2", "-1" },
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad [0]; k++) {
        int rc = !strcmp (bad [k][0], "--epsilon")
               ? TRAIN ("--model", "logistic", bad [k][0], bad [k][1])
               : TRAIN ("--model", "logistic", "--epsilon", "1", bad [k][0], bad [k][1]);
        if (rc != CLI_USAGE)
            fail_msg ("%s %s: exit %d", bad [k][0], bad [k][1], rc);
        assert_non_null (strstr (s_err, bad [k][0]));
    }
    assert_int_equal (TRAIN ("--model", "logistic"), CLI_USAGE);
    assert_non_null (strstr (s_err, "apply with --epsilon only"));
    assert_int_equal (s_train (base [0], base [1], base [2], base [3], base [4], base [5],
                               base [6], base [7], base [8], base [9], "--model", "logistic",
                               "--steps", "10", NULL), CLI_USAGE);
    assert_int_equal (TRAIN ("--model", "mlp", "--epsilon", "1"), CLI_USAGE);
    assert_int_equal (TRAIN ("--model", "logistic", "--epsilon", "1", "--seed", "3"), CLI_USAGE);
    assert_int_equal (TRAIN ("--model", "logistic", "--epsilon", "1", "--categorical", "sex"),
                      CLI_USAGE);
    assert_non_null (strstr (s_err, "the dictionary says which"));
    //  A dictionary that cannot be read is an error of the data.
    assert_int_equal (s_train (base [0], base [1], base [2], base [3], base [4], base [5],
                               base [6], base [7], base [8], base [9], "--model", "logistic",
                               "--epsilon", "1", "--dictionary", "/nonexistent.csv", NULL),
                      CLI_FAIL);
#undef TRAIN
}

static void
test_usage_errors (void **state)
{
    (void) state;
    assert_int_equal (s_train ("--help", NULL), CLI_OK);
    assert_int_equal (s_train (NULL), CLI_USAGE);
    assert_int_equal (s_train ("--data", s_data, "--label", "outcome", "--model", "logistic",
                               NULL), CLI_USAGE);
    const char *base [] = { "--data", s_data, "--label", "outcome", "--positive", "yes",
                            "--negative", "no", "--out", s_model };
#define TRAIN(...) s_train (base [0], base [1], base [2], base [3], base [4], base [5], \
                            base [6], base [7], base [8], base [9], __VA_ARGS__, NULL)
    assert_int_equal (TRAIN ("--model", "tree"), CLI_USAGE);
    assert_int_equal (TRAIN ("--model", "logistic", "--missing", "zero"), CLI_USAGE);
    assert_int_equal (TRAIN ("--model", "logistic", "--l2", "-1"), CLI_USAGE);
    assert_int_equal (TRAIN ("--model", "logistic", "--l2", "x"), CLI_USAGE);
    assert_int_equal (TRAIN ("--model", "logistic", "--epochs", "5"), CLI_USAGE);
    assert_int_equal (TRAIN ("--model", "logistic", "--features", ",age"), CLI_USAGE);
    assert_int_equal (TRAIN ("--model", "logistic", "--categorical", "sex,"), CLI_USAGE);
    assert_int_equal (TRAIN ("--model", "logistic", "--nosuch"), CLI_USAGE);
    assert_int_equal (TRAIN ("--model", "logistic", "stray"), CLI_USAGE);
    assert_int_equal (TRAIN ("--model", "mlp", "--hidden", "1,2,3,4"), CLI_USAGE);
    assert_int_equal (TRAIN ("--model", "mlp", "--hidden", "0"), CLI_USAGE);
    assert_int_equal (TRAIN ("--model", "mlp", "--hidden", "4097"), CLI_USAGE);
    assert_int_equal (TRAIN ("--model", "mlp", "--epochs", "0"), CLI_USAGE);
    assert_int_equal (TRAIN ("--model", "mlp", "--lr", "0"), CLI_USAGE);
    assert_int_equal (TRAIN ("--model", "mlp", "--seed", "-3"), CLI_USAGE);
    assert_int_equal (TRAIN ("--model", "mlp", "--seed", "12x"), CLI_USAGE);
    assert_int_equal (s_train ("--data", s_data, "--label", "outcome", "--positive", "yes",
                               "--model", "logistic", "--out", s_model, NULL), CLI_USAGE);
#undef TRAIN
}

static void
test_data_errors (void **state)
{
    (void) state;
    //  0/1 labels expected but the file says yes/no: the data is wrong.
    assert_int_equal (s_train ("--data", s_data, "--label", "outcome", "--model", "logistic",
                               "--out", s_model, NULL), CLI_FAIL);
    assert_int_equal (s_train ("--data", "/nonexistent.csv", "--label", "outcome", "--model",
                               "logistic", "--out", s_model, NULL), CLI_FAIL);
    assert_int_equal (s_train ("--data", s_data, "--label", "nosuch", "--model", "logistic",
                               "--out", s_model, NULL), CLI_FAIL);
    assert_int_equal (s_train ("--data", s_data, "--label", "outcome", "--positive", "yes",
                               "--negative", "no", "--model", "logistic",
                               "--out", "/nonexistent/m.json", NULL), CLI_FAIL);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_train_logistic),
        cmocka_unit_test (test_train_mlp),
        cmocka_unit_test (test_train_dp),
        cmocka_unit_test (test_dp_usage_errors),
        cmocka_unit_test (test_usage_errors),
        cmocka_unit_test (test_data_errors),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
