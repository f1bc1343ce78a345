/*  Unit tests for models/logistic.c: gradients against finite differences,
    the clipping bound, the Hessian, and Newton against gradient descent. */
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

#include "models/logistic.h"
#include "util/error.h"

#define N 40
#define P 5

static gsl_matrix *s_X;
static gsl_vector *s_y, *s_w;

static int
s_setup (void **state)
{
    (void) state;
    model_init ();
    gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
    gsl_rng_set (rng, 7);
    s_X = gsl_matrix_alloc (N, P);
    s_y = gsl_vector_alloc (N);
    s_w = gsl_vector_alloc (P + 1);
    //  Overlapping classes, so the unpenalised optimum exists.
    for (size_t i = 0; i < N; i++) {
        double t = 0;
        for (size_t j = 0; j < P; j++) {
            double x = gsl_ran_gaussian (rng, 1.0 + (double) j);
            gsl_matrix_set (s_X, i, j, x);
            t += x * (j % 2? -0.3: 0.5);
        }
        gsl_vector_set (s_y, i, gsl_rng_uniform (rng) < 1 / (1 + exp (-t))? 1: 0);
    }
    for (size_t j = 0; j <= P; j++)
        gsl_vector_set (s_w, j, 0.2 * ((double) j - 2.5));
    gsl_rng_free (rng);
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    gsl_matrix_free (s_X);
    gsl_vector_free (s_y);
    gsl_vector_free (s_w);
    return 0;
}

static void
test_scalar_functions (void **state)
{
    (void) state;
    assert_true (model_sigmoid (0) == 0.5);
    assert_true (model_sigmoid (800) == 1);
    assert_true (model_sigmoid (-800) == 0);
    assert_true (fabs (model_sigmoid (2) - 1 / (1 + exp (-2))) < 1e-16);
    assert_true (model_softplus (1000) == 1000);
    assert_true (model_softplus (-1000) == 0);
    assert_true (fabs (model_softplus (0.5) - log (1 + exp (0.5))) < 1e-15);
}

//  Central difference of the loss of rows [from, from + k) along each w_j.
static double
s_fd (const gsl_vector *w, size_t j, size_t from, size_t k, double l2)
{
    const double h = 1e-6;
    gsl_vector *v = gsl_vector_alloc (w->size);
    gsl_vector_memcpy (v, w);
    gsl_matrix_const_view X = gsl_matrix_const_submatrix (s_X, from, 0, k, P);
    gsl_vector_const_view y = gsl_vector_const_subvector (s_y, from, k);
    gsl_vector_set (v, j, gsl_vector_get (w, j) + h);
    double up = model_lr_loss (v, &X.matrix, &y.vector, l2);
    gsl_vector_set (v, j, gsl_vector_get (w, j) - h);
    double down = model_lr_loss (v, &X.matrix, &y.vector, l2);
    gsl_vector_free (v);
    return (up - down) / (2 * h);
}

static void
test_gradients (void **state)
{
    (void) state;
    gsl_vector *g = gsl_vector_alloc (P + 1);
    model_lr_gradient (g, s_w, s_X, s_y, 0.7);
    for (size_t j = 0; j <= P; j++)
        assert_true (fabs (gsl_vector_get (g, j) - s_fd (s_w, j, 0, N, 0.7)) < 1e-6);
    gsl_matrix *G = gsl_matrix_alloc (N, P + 1);
    model_lr_per_example (G, s_w, s_X, s_y);
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j <= P; j++)
            assert_true (fabs (gsl_matrix_get (G, i, j) - s_fd (s_w, j, i, 1, 0)) < 1e-7);
    //  The rows add up to the unpenalised gradient.
    model_lr_gradient (g, s_w, s_X, s_y, 0);
    for (size_t j = 0; j <= P; j++) {
        gsl_vector_view col = gsl_matrix_column (G, j);
        double s = 0;
        for (size_t i = 0; i < N; i++)
            s += gsl_vector_get (&col.vector, i);
        assert_true (fabs (s - gsl_vector_get (g, j)) < 1e-12);
    }
    gsl_matrix_free (G);
    gsl_vector_free (g);
}

static void
test_clipped_sum (void **state)
{
    (void) state;
    gsl_matrix *G = gsl_matrix_alloc (N, P + 1);
    gsl_vector *sum = gsl_vector_alloc (P + 1), *expect = gsl_vector_calloc (P + 1);
    model_lr_per_example (G, s_w, s_X, s_y);
    double norms [N], biggest = 0;
    for (size_t i = 0; i < N; i++) {
        gsl_vector_view row = gsl_matrix_row (G, i);
        norms [i] = gsl_blas_dnrm2 (&row.vector);
        biggest = fmax (biggest, norms [i]);
    }
    //  C above every norm: nothing clipped, the plain sum.
    size_t clipped = 99;
    model_lr_clipped_sum (sum, s_w, s_X, s_y, biggest * 1.01, &clipped);
    assert_int_equal (clipped, 0);
    model_lr_gradient (expect, s_w, s_X, s_y, 0);
    for (size_t j = 0; j <= P; j++)
        assert_true (fabs (gsl_vector_get (sum, j) - gsl_vector_get (expect, j)) < 1e-12);
    //  A small C: each term is scaled to norm exactly C, and the sum is the
    //  sum of those terms, within the bound n C.
    double C = 0.3;
    model_lr_clipped_sum (sum, s_w, s_X, s_y, C, &clipped);
    gsl_vector_set_zero (expect);
    size_t want = 0;
    for (size_t i = 0; i < N; i++) {
        gsl_vector_view row = gsl_matrix_row (G, i);
        double scale = norms [i] > C? C / norms [i]: 1;
        want += norms [i] > C;
        gsl_vector_scale (&row.vector, scale);
        assert_true (gsl_blas_dnrm2 (&row.vector) <= C * (1 + 1e-12));
        gsl_vector_add (expect, &row.vector);
    }
    assert_true (want > 0 && want < N);
    assert_int_equal (clipped, want);
    for (size_t j = 0; j <= P; j++)
        assert_true (fabs (gsl_vector_get (sum, j) - gsl_vector_get (expect, j)) < 1e-12);
    assert_true (gsl_blas_dnrm2 (sum) <= N * C);
    //  One row: the sum's norm is exactly min(C, ||g||): the bound is tight.
    gsl_matrix_const_view X1 = gsl_matrix_const_submatrix (s_X, 0, 0, 1, P);
    gsl_vector_const_view y1 = gsl_vector_const_subvector (s_y, 0, 1);
    model_lr_clipped_sum (sum, s_w, &X1.matrix, &y1.vector, norms [0] / 2, NULL);
    assert_true (fabs (gsl_blas_dnrm2 (sum) - norms [0] / 2) < 1e-14);
    model_lr_clipped_sum (sum, s_w, &X1.matrix, &y1.vector, norms [0], &clipped);
    assert_int_equal (clipped, 0);
    assert_true (fabs (gsl_blas_dnrm2 (sum) - norms [0]) < 1e-14);
    gsl_matrix_free (G);
    gsl_vector_free (sum);
    gsl_vector_free (expect);
}

static void
test_hessian (void **state)
{
    (void) state;
    const double h = 1e-6, l2 = 0.4;
    gsl_matrix *H = gsl_matrix_alloc (P + 1, P + 1);
    gsl_vector *v = gsl_vector_alloc (P + 1), *gu = gsl_vector_alloc (P + 1),
               *gd = gsl_vector_alloc (P + 1);
    model_lr_hessian (H, s_w, s_X, l2);
    for (size_t k = 0; k <= P; k++) {
        gsl_vector_memcpy (v, s_w);
        gsl_vector_set (v, k, gsl_vector_get (s_w, k) + h);
        model_lr_gradient (gu, v, s_X, s_y, l2);
        gsl_vector_set (v, k, gsl_vector_get (s_w, k) - h);
        model_lr_gradient (gd, v, s_X, s_y, l2);
        for (size_t j = 0; j <= P; j++) {
            double fd = (gsl_vector_get (gu, j) - gsl_vector_get (gd, j)) / (2 * h);
            assert_true (fabs (gsl_matrix_get (H, j, k) - fd) < 1e-5);
        }
    }
    gsl_matrix_free (H);
    gsl_vector_free (v);
    gsl_vector_free (gu);
    gsl_vector_free (gd);
}

static void
test_newton_matches_descent (void **state)
{
    (void) state;
    const double l2 = 0.5;
    gsl_vector *wn = gsl_vector_calloc (P + 1), *wg = gsl_vector_calloc (P + 1),
               *g = gsl_vector_alloc (P + 1);
    size_t its = 0;
    assert_int_equal (model_lr_newton (wn, s_X, s_y, l2, 50, 1e-12, &its), 0);
    assert_true (its > 1 && its < 20);
    model_lr_gradient (g, wn, s_X, s_y, l2);
    assert_true (gsl_blas_dnrm2 (g) < 1e-9);
    //  Plain gradient descent with step 1/L, L = ||[X 1]||_F^2 / 4 + l2 >= the
    //  Lipschitz constant of the gradient.
    double L = l2 + N / 4.0;
    for (size_t i = 0; i < N; i++)
        for (size_t j = 0; j < P; j++)
            L += gsl_matrix_get (s_X, i, j) * gsl_matrix_get (s_X, i, j) / 4;
    for (int it = 0; it < 200000; it++) {
        model_lr_gradient (g, wg, s_X, s_y, l2);
        if (gsl_blas_dnrm2 (g) < 1e-10)
            break;
        gsl_blas_daxpy (-1 / L, g, wg);
    }
    for (size_t j = 0; j <= P; j++)
        assert_true (fabs (gsl_vector_get (wn, j) - gsl_vector_get (wg, j)) < 1e-7);
    //  Too few steps: an error, and w holds the last iterate.
    gsl_vector_set_zero (wn);
    assert_int_equal (model_lr_newton (wn, s_X, s_y, l2, 1, 1e-12, &its), -1);
    assert_string_equal (util_last_error (), "Newton did not converge in 1 steps");
    assert_int_equal (its, 1);
    assert_true (gsl_blas_dnrm2 (wn) > 0);
    gsl_vector_free (wn);
    gsl_vector_free (wg);
    gsl_vector_free (g);
}

static void
test_newton_singular (void **state)
{
    (void) state;
    //  Two identical columns and no penalty: the Hessian is singular.
    gsl_matrix *X = gsl_matrix_alloc (4, 2);
    gsl_vector *y = gsl_vector_alloc (4), *w = gsl_vector_calloc (3);
    double xs [] = { -1, 0.5, 1, 2 }, ys [] = { 0, 1, 0, 1 };
    for (size_t i = 0; i < 4; i++) {
        gsl_matrix_set (X, i, 0, xs [i]);
        gsl_matrix_set (X, i, 1, xs [i]);
        gsl_vector_set (y, i, ys [i]);
    }
    assert_int_equal (model_lr_newton (w, X, y, 0, 50, 1e-10, NULL), -1);
    assert_non_null (strstr (util_last_error (), "Hessian not positive definite at step 1"));
    //  A penalty makes it well posed, and both coefficients come out equal.
    assert_int_equal (model_lr_newton (w, X, y, 1, 50, 1e-10, NULL), 0);
    assert_true (fabs (gsl_vector_get (w, 0) - gsl_vector_get (w, 1)) < 1e-10);
    gsl_matrix_free (X);
    gsl_vector_free (y);
    gsl_vector_free (w);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_scalar_functions),
        cmocka_unit_test (test_gradients),
        cmocka_unit_test (test_clipped_sum),
        cmocka_unit_test (test_hessian),
        cmocka_unit_test (test_newton_matches_descent),
        cmocka_unit_test (test_newton_singular),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
