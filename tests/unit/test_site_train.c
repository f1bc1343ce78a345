/*  Unit tests for site/train.c: each round kind's integer vector on a small
    dataset with known answers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp/clip.h"
#include "models/mlp.h"
#include "site/fedavg.h"
#include "util/alloc.h"
#include "util/error.h"
#include "site/train.h"
#include "support_dir.h"
#include "support_file.h"

static site_data_t *s_data;
static proto_study_t *s_study;
static proto_plan_t s_plan;

static int
s_setup (void **state)
{
    (void) state;
    if (support_dir_group_setup (state))
        return -1;
    char csv [300], test [300];
    support_path (csv, sizeof csv, support_dir_group, "d.csv");
    support_path (test, sizeof test, support_dir_group, "t.csv");
    support_file_write (csv, "a,b,y\n1,-3,0\n5,0,1\n6,-0.5,1\n", 0644);
    support_file_write (test, "a,b,y\n1,0,1\n2,0,0\n3,0,0\n", 0644);
    s_study = proto_study_parse ("study\n    name = s\n    dataset = d\n    label = y\n"
                                 "    steps = 2\n    sampling_rate = 1\n    clip = 1\n"
                                 "    min_sites = 1\n    privacy\n        epsilon = 10\n"
                                 "        delta = 1e-5\n", "s.cfg");
    site_dataset_t ds = { .name = "d", .path = csv, .test_path = test };
    if (!s_study || site_data_load (&s_data, &ds, s_study, NULL)
    ||  proto_plan_make (&s_plan, s_study, 2, 1))
        return -1;
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    site_data_destroy (&s_data);
    proto_study_destroy (&s_study);
    return support_dir_group_teardown (state);
}

static void
test_stats (void **state)
{
    (void) state;
    size_t per = 2 * PROTO_STATS_BINS;
    int64_t *v = calloc (2 * per + 1, sizeof (int64_t));
    Cohort__RoundStart rs = COHORT__ROUND_START__INIT;
    rs.kind = COHORT__ROUND_KIND__ROUND_KIND_STATS;
    assert_int_equal (site_round_vector (v, s_data, s_study, &s_plan, &rs, NULL), 0);
    int z = -PROTO_STATS_EXP_MIN / 2;     //  the bin [1, 4)
    //  a: 1 -> [1,4), 5 and 6 -> [4,16).
    assert_int_equal (v [z + 0], 1);
    assert_int_equal (v [z + 1], 2);
    //  b: -3 -> negative [1,4); 0 -> the lowest positive bin; -0.5 -> negative [0.25,1).
    assert_int_equal (v [per + PROTO_STATS_BINS + z], 1);
    assert_int_equal (v [per + 0], 1);
    assert_int_equal (v [per + PROTO_STATS_BINS + z - 1], 1);
    int64_t total = 0;
    for (size_t i = 0; i < 2 * per; i++)
        total += v [i];
    assert_int_equal (total, 6);
    assert_int_equal (v [2 * per], 2);                  //  positive labels
    free (v);
}

//  Points rs at a round of `kind` over the model's 3 parameters, with the
//  2 features' mean and std, every row sampled.
static void
s_round (Cohort__RoundStart *rs, Cohort__RoundKind kind, double *params, double *mean,
         double *std)
{
    rs->kind = kind;
    rs->params = params;
    rs->n_params = 3;
    rs->mean = mean;
    rs->std = std;
    rs->n_mean = rs->n_std = 2;
    rs->sampling_rate = 1;
}

static void
test_train_and_eval (void **state)
{
    (void) state;
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("t", 1);
    double params [3] = { 0, 0, 0 }, mean [2] = { 0, 0 }, std [2] = { 1, 1 };
    Cohort__RoundStart rs = COHORT__ROUND_START__INIT;
    s_round (&rs, COHORT__ROUND_KIND__ROUND_KIND_TRAIN, params, mean, std);
    int64_t v [3];
    assert_int_equal (site_round_vector (v, s_data, s_study, &s_plan, &rs, rng), 0);
    //  At w = 0 each gradient is (0.5 - y) [a, b, 1], clipped to norm 1 and
    //  scaled by 2^12: row 1 (y=0): [1,-3,1]/sqrt(11) * 0.5 ... norm < 1 so
    //  only rows with norm > 2 are clipped. Under DP the standardised values
    //  are clamped to +-PROTO_Z_CLIP first: 5 and 6 become 4.
    assert_true (PROTO_Z_CLIP == 4.0);
    double g [3] = { 0, 0, 0 }, rows [3][3] = { { 1, -3, 1 }, { 4, 0, 1 }, { 4, -0.5, 1 } };
    double y [3] = { 0, 1, 1 };
    for (int i = 0; i < 3; i++) {
        double r [3], norm = 0;
        for (int k = 0; k < 3; k++) {
            r [k] = (0.5 - y [i]) * rows [i][k];
            norm += r [k] * r [k];
        }
        norm = sqrt (norm);
        for (int k = 0; k < 3; k++)
            g [k] += round (ldexp (r [k] * (norm > 1? 1 / norm: 1), PROTO_FRAC_BITS));
    }
    for (int k = 0; k < 3; k++)
        assert_true (llabs (v [k] - (int64_t) g [k]) <= 1);
    //  A tiny rate samples (almost surely) nobody: all zero.
    rs.sampling_rate = 1e-9;
    assert_int_equal (site_round_vector (v, s_data, s_study, &s_plan, &rs, rng), 0);
    assert_true (v [0] == 0 && v [1] == 0 && v [2] == 0);
    //  Evaluation: scores from w = (1, 0, -2.5): sigmoid(-1.5), sigmoid(-0.5), sigmoid(0.5).
    params [0] = 1;
    params [2] = -2.5;
    rs.kind = COHORT__ROUND_KIND__ROUND_KIND_EVAL;
    rs.sampling_rate = 1;
    int64_t h [2 * PROTO_HIST_BINS];
    assert_int_equal (site_round_vector (h, s_data, s_study, &s_plan, &rs, rng), 0);
    int bin1 = (int) (1 / (1 + exp (1.5)) * PROTO_HIST_BINS);
    int bin2 = (int) (1 / (1 + exp (0.5)) * PROTO_HIST_BINS);
    int bin3 = (int) (1 / (1 + exp (-0.5)) * PROTO_HIST_BINS);
    assert_int_equal (h [bin1], 1);                     //  the positive row
    assert_int_equal (h [PROTO_HIST_BINS + bin2], 1);
    assert_int_equal (h [PROTO_HIST_BINS + bin3], 1);
    rs.kind = 9;
    assert_int_equal (site_round_vector (h, s_data, s_study, &s_plan, &rs, rng), -1);
    assert_non_null (strstr (util_last_error (), "unknown kind"));
    dp_rng_destroy (&rng);
}

static void
test_sums_when_off (void **state)
{
    (void) state;
    proto_study_t *off = proto_study_parse ("study\n    name = s\n    dataset = d\n"
                                            "    label = y\n    steps = 1\n    sampling_rate = 1\n"
                                            "    min_sites = 1\n    privacy\n        off = true\n",
                                            "s.cfg");
    proto_plan_t plan;
    assert_int_equal (proto_plan_make (&plan, off, 2, 1), 0);
    assert_int_equal (plan.kind [COHORT__ROUND_KIND__ROUND_KIND_STATS].dim, 5);
    int64_t v [5];
    Cohort__RoundStart rs = COHORT__ROUND_START__INIT;
    rs.kind = COHORT__ROUND_KIND__ROUND_KIND_STATS;
    assert_int_equal (site_round_vector (v, s_data, off, &plan, &rs, NULL), 0);
    //  a: 1 + 5 + 6 = 12, squares 62; b: -3.5, squares 9.25.
    assert_true (v [0] == 12 << PROTO_OFF_BITS && v [2] == 62 << PROTO_OFF_BITS);
    assert_true (v [1] == (int64_t) (-3.5 * (1 << PROTO_OFF_BITS)));
    assert_true (v [3] == (int64_t) (9.25 * (1 << PROTO_OFF_BITS)));
    assert_int_equal (v [4], 2);
    proto_study_destroy (&off);
}

//  privacy/unit = site: a study on the same data.
static proto_study_t *
s_site_study (double clip, proto_plan_t *plan)
{
    char text [512];
    snprintf (text, sizeof text, "study\n    name = s\n    dataset = d\n    label = y\n"
              "    steps = 2\n    clip = %g\n    min_sites = 1\n    local_epochs = 3\n"
              "    local_learning_rate = 0.5\n    local_batch = 2\n    privacy\n"
              "        unit = site\n        epsilon = 10\n        delta = 1e-5\n", clip);
    proto_study_t *st = proto_study_parse (text, "s.cfg");
    assert_non_null (st);
    assert_int_equal (proto_plan_make (plan, st, 2, 1), 0);
    return st;
}

static void
test_site_histograms (void **state)
{
    (void) state;
    proto_plan_t plan;
    proto_study_t *st = s_site_study (1, &plan);
    size_t per = 2 * PROTO_STATS_BINS;
    int64_t v [2 * 2 * PROTO_STATS_BINS + 1];
    Cohort__RoundStart rs = COHORT__ROUND_START__INIT;
    rs.kind = COHORT__ROUND_KIND__ROUND_KIND_STATS;
    assert_int_equal (site_round_vector (v, s_data, st, &plan, &rs, NULL), 0);
    //  Three rows: each count c becomes floor(M c / 3).
    int z = -PROTO_STATS_EXP_MIN / 2;
    const int64_t one = PROTO_SITE_MASS / 3, two = 2 * PROTO_SITE_MASS / 3;
    assert_int_equal (v [z], one);
    assert_int_equal (v [z + 1], two);
    assert_int_equal (v [per + PROTO_STATS_BINS + z], one);
    assert_int_equal (v [per + 0], one);
    assert_int_equal (v [per + PROTO_STATS_BINS + z - 1], one);
    assert_int_equal (v [2 * per], two);                //  2 of 3 positive
    //  Every histogram: entries >= 0, mass <= M (so L2 <= M).
    for (size_t j = 0; j < 2; j++) {
        int64_t mass = 0;
        for (size_t b = 0; b < per; b++) {
            assert_true (v [j * per + b] >= 0);
            mass += v [j * per + b];
        }
        assert_true (mass <= PROTO_SITE_MASS && mass > PROTO_SITE_MASS - (int64_t) per);
    }
    //  Evaluation: both label histograms together to mass M.
    double params [3] = { 1, 0, -2.5 }, mean [2] = { 0, 0 }, std [2] = { 1, 1 };
    s_round (&rs, COHORT__ROUND_KIND__ROUND_KIND_EVAL, params, mean, std);
    int64_t h [2 * PROTO_HIST_BINS];
    assert_int_equal (site_round_vector (h, s_data, st, &plan, &rs, NULL), 0);
    int64_t mass = 0;
    for (int b = 0; b < 2 * PROTO_HIST_BINS; b++) {
        assert_true (h [b] == 0 || h [b] == one);
        mass += h [b];
    }
    assert_int_equal (mass, 3 * one);
    assert_int_equal (h [(int) (1 / (1 + exp (1.5)) * PROTO_HIST_BINS)], one);
    proto_study_destroy (&st);
}

//  The train vector is the local delta (site/fedavg.c, same random
//  stream) on the standardised rows, clamped to +-PROTO_Z_CLIP under DP
//  (mean 0, std 1 here), clipped to C and scaled to 2^PROTO_FRAC_BITS.
static void
s_expected_delta (double *delta, const proto_study_t *st, const double *params)
{
    const gsl_matrix *X = s_data->train->X;
    gsl_matrix *Z = gsl_matrix_alloc (X->size1, X->size2);
    for (size_t i = 0; i < X->size1; i++)
        for (size_t j = 0; j < X->size2; j++)
            gsl_matrix_set (Z, i, j, fmin (fmax (gsl_matrix_get (X, i, j), -PROTO_Z_CLIP),
                                           PROTO_Z_CLIP));
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("t", 2);
    assert_int_equal (site_fedavg_delta (delta, st, 3, Z, s_data->train->y, params, rng), 0);
    dp_rng_destroy (&rng);
    gsl_matrix_free (Z);
}

static void
test_site_delta (void **state)
{
    (void) state;
    double params [3] = { 0.1, -0.2, 0 }, mean [2] = { 0, 0 }, std [2] = { 1, 1 };
    Cohort__RoundStart rs = COHORT__ROUND_START__INIT;
    s_round (&rs, COHORT__ROUND_KIND__ROUND_KIND_TRAIN, params, mean, std);
    int64_t v [3];
    double delta [3], norm = 0;
    //  Over the clip: scaled to norm C exactly (before rounding).
    proto_plan_t plan;
    proto_study_t *st = s_site_study (0.5, &plan);
    s_expected_delta (delta, st, params);
    for (int k = 0; k < 3; k++)
        norm += delta [k] * delta [k];
    norm = sqrt (norm);
    printf ("# local delta norm %.4f\n", norm);
    assert_true (norm > 0.5);
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("t", 2);
    assert_int_equal (site_round_vector (v, s_data, st, &plan, &rs, rng), 0);
    double vn = 0;
    for (int k = 0; k < 3; k++) {
        assert_true (llabs (v [k] - llround (ldexp (0.5 * delta [k] / norm, PROTO_FRAC_BITS)))
                     <= 1);
        vn += (double) v [k] * (double) v [k];
    }
    assert_true (fabs (sqrt (vn) - ldexp (0.5, PROTO_FRAC_BITS)) <= sqrt (3) / 2);
    dp_rng_destroy (&rng);
    proto_study_destroy (&st);
    //  Under the clip: untouched, only rounded.
    st = s_site_study (10, &plan);
    rng = dp_rng_new_seeded_for_tests ("t", 2);
    assert_int_equal (site_round_vector (v, s_data, st, &plan, &rs, rng), 0);
    for (int k = 0; k < 3; k++)
        assert_int_equal (v [k], llround (ldexp (delta [k], PROTO_FRAC_BITS)));
    //  The global parameters are the starting point: another start,
    //  another delta.
    params [0] = 2;
    int64_t u [3];
    dp_rng_destroy (&rng);
    rng = dp_rng_new_seeded_for_tests ("t", 2);
    assert_int_equal (site_round_vector (u, s_data, st, &plan, &rs, rng), 0);
    assert_memory_not_equal (u, v, sizeof u);
    dp_rng_destroy (&rng);
    proto_study_destroy (&st);
}

//  Each allocation of a training round (record level: the sample, the rows,
//  the gradients) and of an evaluation round fails in turn: -1 with
//  UTIL_ENOMEM, nothing leaked (the sanitizer build checks), until the
//  round succeeds.
//  A training round's gradients are computed a chunk of rows at a time
//  (at most 2^22 doubles of gradient at once): for an MLP of 2105345
//  parameters that is one row a chunk, and the sum is the same as the
//  whole batch's, clipped and summed at once, computed here.
static void
test_gradient_chunks (void **state)
{
    (void) state;
    proto_study_t *study = proto_study_parse (
        "study\n    name = s\n    dataset = d\n    label = y\n    model = mlp\n"
        "    hidden = 2048,1024\n    steps = 1\n    sampling_rate = 1\n    clip = 1\n"
        "    min_sites = 2\n    privacy\n        epsilon = 10\n        delta = 1e-5\n", "s.cfg");
    assert_non_null (study);
    proto_plan_t plan;
    assert_int_equal (proto_plan_make (&plan, study, 2, 2), 0);
    size_t n = plan.n_params;
    assert_int_equal (n, 2105345);
    model_mlp_t *mlp = model_mlp_new (2, study->hidden, study->n_hidden, MODEL_ACT_RELU);
    assert_non_null (mlp);
    model_mlp_init (mlp, 7);
    gsl_vector *w = model_mlp_params (mlp);
    double mean [2] = { 0, 0 }, std [2] = { 1, 1 };
    Cohort__RoundStart rs = COHORT__ROUND_START__INIT;
    s_round (&rs, COHORT__ROUND_KIND__ROUND_KIND_TRAIN, w->data, mean, std);
    rs.n_params = n;
    int64_t *got = calloc (n, sizeof *got), *want = calloc (n, sizeof *want);
    gsl_matrix *G = gsl_matrix_alloc (3, n), *Z = gsl_matrix_alloc (3, 2);
    gsl_vector *y = gsl_vector_alloc (3);
    assert_true (got && want && G && Z && y);
    static const char seed [] = "gradient chunks";
    dp_rng_t *rng = dp_rng_new_seeded_for_tests (seed, sizeof seed - 1);
    assert_int_equal (site_round_vector (got, s_data, study, &plan, &rs, rng), 0);
    for (size_t i = 0; i < 3; i++) {
        for (size_t j = 0; j < 2; j++)
            gsl_matrix_set (Z, i, j, proto_z (gsl_matrix_get (s_data->train->X, i, j), 0, 1, true));
        gsl_vector_set (y, i, gsl_vector_get (s_data->train->y, i));
    }
    assert_int_equal (model_mlp_per_example (mlp, G, Z, y), 0);
    assert_int_equal (dp_clip_sum_fixed (G->data, 3, n, 1, PROTO_FRAC_BITS, want), 0);
    size_t nonzero = 0;
    for (size_t i = 0; i < n; i++) {
        if (got [i] != want [i])
            fail_msg ("coordinate %zu: %lld, the whole batch's %lld", i, (long long) got [i],
                      (long long) want [i]);
        nonzero += got [i] != 0;
    }
    assert_true (nonzero > 1000);
    dp_rng_destroy (&rng);
    gsl_vector_free (y);
    gsl_matrix_free (Z);
    gsl_matrix_free (G);
    free (got);
    free (want);
    model_mlp_destroy (&mlp);
    proto_study_destroy (&study);
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("t", 2);
    double params [3] = { 0, 0, 0 }, mean [2] = { 0, 0 }, std [2] = { 1, 1 };
    Cohort__RoundStart rs = COHORT__ROUND_START__INIT;
    s_round (&rs, COHORT__ROUND_KIND__ROUND_KIND_TRAIN, params, mean, std);
    Cohort__RoundKind kinds [] = { COHORT__ROUND_KIND__ROUND_KIND_TRAIN,
                                   COHORT__ROUND_KIND__ROUND_KIND_EVAL };
    for (int t = 0; t < 2; t++) {
        rs.kind = kinds [t];
        int64_t v [2 * PROTO_HIST_BINS];
        int rc = -1;
        long n;
        for (n = 0; n < 100 && rc; n++) {
            util_alloc_fail_after (n);
            rc = site_round_vector (v, s_data, s_study, &s_plan, &rs, rng);
            util_alloc_fail_after (-1);
            if (rc)
                assert_int_equal (util_last_code (), UTIL_ENOMEM);
        }
        assert_int_equal (rc, 0);
        //  Training allocates the sample and the gradients.
        if (t == 0)
            assert_true (n > 2);
    }
    dp_rng_destroy (&rng);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_stats),
        cmocka_unit_test (test_train_and_eval),
        cmocka_unit_test (test_sums_when_off),
        cmocka_unit_test (test_site_histograms),
        cmocka_unit_test (test_site_delta),
        cmocka_unit_test (test_gradient_chunks),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
