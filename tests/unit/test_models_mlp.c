/*  Unit tests for models/mlp.c: shapes, Glorot init, a hand-computed forward
    pass, backprop against finite differences, and the clipped sum. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <string.h>

#include "models/mlp.h"
#include "util/error.h"

#define N 12
#define D 4

static gsl_matrix *s_X;
static gsl_vector *s_y;

static int
s_setup (void **state)
{
    (void) state;
    model_init ();
    gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
    gsl_rng_set (rng, 11);
    s_X = gsl_matrix_alloc (N, D);
    s_y = gsl_vector_alloc (N);
    for (size_t i = 0; i < N; i++) {
        for (size_t j = 0; j < D; j++)
            gsl_matrix_set (s_X, i, j, gsl_ran_gaussian (rng, 1));
        gsl_vector_set (s_y, i, (double) (i % 2));
    }
    gsl_rng_free (rng);
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    gsl_matrix_free (s_X);
    gsl_vector_free (s_y);
    return 0;
}

//  A network with every parameter (biases too) drawn at random.
static model_mlp_t *
s_net (const size_t *hidden, size_t n_hidden, model_activation_t act)
{
    model_mlp_t *mlp = model_mlp_new (D, hidden, n_hidden, act);
    assert_non_null (mlp);
    gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
    gsl_rng_set (rng, 5 + n_hidden);
    gsl_vector *p = model_mlp_params (mlp);
    for (size_t k = 0; k < p->size; k++)
        gsl_vector_set (p, k, gsl_ran_gaussian (rng, 0.6));
    gsl_rng_free (rng);
    return mlp;
}

static void
test_shapes (void **state)
{
    (void) state;
    size_t h [] = { 4, 2, 3, 5 };
    model_mlp_t *mlp = model_mlp_new (3, h, 2, MODEL_ACT_TANH);
    assert_non_null (mlp);
    assert_int_equal (model_mlp_n_params (mlp), 4 * 3 + 4 + 2 * 4 + 2 + 2 + 1);
    assert_int_equal (model_mlp_n_inputs (mlp), 3);
    assert_int_equal (model_mlp_n_hidden (mlp), 2);
    assert_int_equal (model_mlp_hidden (mlp, 1), 2);
    assert_int_equal (model_mlp_activation (mlp), MODEL_ACT_TANH);
    model_mlp_destroy (&mlp);
    assert_null (mlp);
    model_mlp_destroy (&mlp);
    mlp = model_mlp_new (3, h, 3, MODEL_ACT_RELU);
    assert_non_null (mlp);
    model_mlp_destroy (&mlp);
    assert_null (model_mlp_new (3, h, 0, MODEL_ACT_RELU));
    assert_string_equal (util_last_error (), "an MLP has 1 to 3 hidden layers, not 0");
    assert_null (model_mlp_new (3, h, 4, MODEL_ACT_RELU));
    assert_null (model_mlp_new (0, h, 1, MODEL_ACT_RELU));
    assert_null (model_mlp_new (3, h, 1, (model_activation_t) 9));
    size_t zero [] = { 0 };
    assert_null (model_mlp_new (3, zero, 1, MODEL_ACT_RELU));
    assert_string_equal (util_last_error (), "hidden layer 1 has width 0, not in [1, 4096]");
    size_t wide [] = { MODEL_MLP_MAX_WIDTH + 1 };
    assert_null (model_mlp_new (3, wide, 1, MODEL_ACT_RELU));
}

static void
test_init (void **state)
{
    (void) state;
    size_t h [] = { 64 };
    model_mlp_t *a = model_mlp_new (30, h, 1, MODEL_ACT_RELU);
    model_mlp_t *b = model_mlp_new (30, h, 1, MODEL_ACT_RELU);
    model_mlp_init (a, 1);
    model_mlp_init (b, 1);
    gsl_vector *pa = model_mlp_params (a), *pb = model_mlp_params (b);
    assert_memory_equal (pa->data, pb->data, pa->size * sizeof (double));
    model_mlp_init (b, 2);
    assert_true (memcmp (pa->data, pb->data, pa->size * sizeof (double)) != 0);
    double bound1 = sqrt (6.0 / 94), bound2 = sqrt (6.0 / 65), big = 0;
    for (size_t k = 0; k < 64 * 30; k++) {
        assert_true (fabs (gsl_vector_get (pa, k)) <= bound1);
        big = fmax (big, fabs (gsl_vector_get (pa, k)));
    }
    assert_true (big > 0.9 * bound1);
    for (size_t k = 64 * 30; k < 64 * 31; k++)
        assert_true (gsl_vector_get (pa, k) == 0);
    for (size_t k = 64 * 31; k < 64 * 32; k++)
        assert_true (fabs (gsl_vector_get (pa, k)) <= bound2);
    assert_true (gsl_vector_get (pa, pa->size - 1) == 0);
    model_mlp_destroy (&a);
    model_mlp_destroy (&b);
}

static void
test_forward_by_hand (void **state)
{
    (void) state;
    //  1 input, 2 ReLU units, output: p = sigmoid(1*relu(2x+1) - 1*relu(-x) + 0.5)
    size_t h [] = { 2 };
    model_mlp_t *mlp = model_mlp_new (1, h, 1, MODEL_ACT_RELU);
    double params [] = { 2, -1, 1, 0, 1, -1, 0.5 };
    assert_int_equal (model_mlp_n_params (mlp), 7);
    memcpy (model_mlp_params (mlp)->data, params, sizeof params);
    gsl_matrix *X = gsl_matrix_alloc (2, 1);
    gsl_vector *p = gsl_vector_alloc (2), *y = gsl_vector_alloc (2);
    gsl_matrix_set (X, 0, 0, 1.5);
    gsl_matrix_set (X, 1, 0, -3);
    gsl_vector_set (y, 0, 1);
    gsl_vector_set (y, 1, 0);
    assert_int_equal (model_mlp_predict (mlp, p, X), 0);
    double z0 = 4 + 0.5, z1 = 0 - 3 + 0.5;
    assert_true (fabs (gsl_vector_get (p, 0) - 1 / (1 + exp (-z0))) < 1e-15);
    assert_true (fabs (gsl_vector_get (p, 1) - 1 / (1 + exp (-z1))) < 1e-15);
    double loss = log (1 + exp (-z0)) + log (1 + exp (z1)) + 0.5 * 0.1 * (4 + 1 + 1 + 1);
    assert_true (fabs (model_mlp_loss (mlp, X, y, 0.1) - loss) < 1e-12);
    gsl_matrix_free (X);
    gsl_vector_free (p);
    gsl_vector_free (y);
    model_mlp_destroy (&mlp);
}

static double
s_fd (model_mlp_t *mlp, size_t j, size_t from, size_t k, double l2)
{
    const double h = 1e-6;
    gsl_vector *p = model_mlp_params (mlp);
    double keep = gsl_vector_get (p, j);
    gsl_matrix_const_view X = gsl_matrix_const_submatrix (s_X, from, 0, k, D);
    gsl_vector_const_view y = gsl_vector_const_subvector (s_y, from, k);
    gsl_vector_set (p, j, keep + h);
    double up = model_mlp_loss (mlp, &X.matrix, &y.vector, l2);
    gsl_vector_set (p, j, keep - h);
    double down = model_mlp_loss (mlp, &X.matrix, &y.vector, l2);
    gsl_vector_set (p, j, keep);
    return (up - down) / (2 * h);
}

static void
s_check_gradients (const size_t *hidden, size_t n_hidden, model_activation_t act)
{
    model_mlp_t *mlp = s_net (hidden, n_hidden, act);
    size_t P = model_mlp_n_params (mlp);
    gsl_matrix *G = gsl_matrix_alloc (N, P);
    gsl_vector *g = gsl_vector_alloc (P);
    assert_int_equal (model_mlp_per_example (mlp, G, s_X, s_y), 0);
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < P; j++)
            assert_true (fabs (gsl_matrix_get (G, i, j) - s_fd (mlp, j, i, 1, 0)) < 1e-6);
    assert_int_equal (model_mlp_gradient (mlp, g, s_X, s_y, 0.3), 0);
    for (size_t j = 0; j < P; j++)
        assert_true (fabs (gsl_vector_get (g, j) - s_fd (mlp, j, 0, N, 0.3)) < 1e-5);
    gsl_matrix_free (G);
    gsl_vector_free (g);
    model_mlp_destroy (&mlp);
}

static void
test_gradients (void **state)
{
    (void) state;
    size_t h1 [] = { 5 }, h2 [] = { 5, 3 }, h3 [] = { 4, 3, 2 };
    s_check_gradients (h1, 1, MODEL_ACT_TANH);
    s_check_gradients (h2, 2, MODEL_ACT_TANH);
    s_check_gradients (h3, 3, MODEL_ACT_TANH);
    s_check_gradients (h1, 1, MODEL_ACT_RELU);
    s_check_gradients (h2, 2, MODEL_ACT_RELU);
    s_check_gradients (h3, 3, MODEL_ACT_RELU);
}

static void
test_clipped_sum (void **state)
{
    (void) state;
    size_t h [] = { 6, 3 };
    model_mlp_t *mlp = s_net (h, 2, MODEL_ACT_TANH);
    size_t P = model_mlp_n_params (mlp);
    gsl_matrix *G = gsl_matrix_alloc (N, P);
    gsl_vector *sum = gsl_vector_alloc (P), *expect = gsl_vector_calloc (P);
    assert_int_equal (model_mlp_per_example (mlp, G, s_X, s_y), 0);
    double norms [N], median_ish = 0;
    for (size_t i = 0; i < N; i++) {
        gsl_vector_view row = gsl_matrix_row (G, i);
        norms [i] = gsl_blas_dnrm2 (&row.vector);
        median_ish += norms [i] / N;
    }
    double C = median_ish;
    size_t clipped = 0, want = 0;
    assert_int_equal (model_mlp_clipped_sum (mlp, sum, s_X, s_y, C, &clipped), 0);
    for (size_t i = 0; i < N; i++) {
        gsl_vector_view row = gsl_matrix_row (G, i);
        if (norms [i] > C) {
            gsl_vector_scale (&row.vector, C / norms [i]);
            want++;
        }
        assert_true (gsl_blas_dnrm2 (&row.vector) <= C * (1 + 1e-12));
        gsl_vector_add (expect, &row.vector);
    }
    assert_true (want > 0 && want < N);
    assert_int_equal (clipped, want);
    for (size_t j = 0; j < P; j++)
        assert_true (fabs (gsl_vector_get (sum, j) - gsl_vector_get (expect, j)) < 1e-12);
    assert_true (gsl_blas_dnrm2 (sum) <= N * C);
    //  One row clipped to half its norm: exactly C.
    gsl_matrix_const_view X1 = gsl_matrix_const_submatrix (s_X, 2, 0, 1, D);
    gsl_vector_const_view y1 = gsl_vector_const_subvector (s_y, 2, 1);
    assert_int_equal (model_mlp_clipped_sum (mlp, sum, &X1.matrix, &y1.vector,
                                             norms [2] / 2, NULL), 0);
    assert_true (fabs (gsl_blas_dnrm2 (sum) - norms [2] / 2) < 1e-13);
    //  C above everything: the plain gradient.
    assert_int_equal (model_mlp_clipped_sum (mlp, sum, s_X, s_y, 1e9, &clipped), 0);
    assert_int_equal (clipped, 0);
    assert_int_equal (model_mlp_gradient (mlp, expect, s_X, s_y, 0), 0);
    for (size_t j = 0; j < P; j++)
        assert_true (fabs (gsl_vector_get (sum, j) - gsl_vector_get (expect, j)) < 1e-12);
    gsl_matrix_free (G);
    gsl_vector_free (sum);
    gsl_vector_free (expect);
    model_mlp_destroy (&mlp);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_shapes),
        cmocka_unit_test (test_init),
        cmocka_unit_test (test_forward_by_hand),
        cmocka_unit_test (test_gradients),
        cmocka_unit_test (test_clipped_sum),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
