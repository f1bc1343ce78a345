/*  models/logistic.c - logistic regression: loss, gradients, the clipped
    per-example gradient sum, Hessian and Newton/IRLS. */
#include "logistic.h"
#include "models.h"
#include "models_internal.h"
#include "util/error.h"

#include <assert.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>

double
model_sigmoid (double z)
{
    if (z >= 0)
        return 1 / (1 + exp (-z));
    double e = exp (z);
    return e / (1 + e);
}

double
model_softplus (double z)
{
    return z > 0? z + log1p (exp (-z)): log1p (exp (z));
}

//  Nothing here allocates, so that none of these can fail: every row is
//  computed where it is used. The sums run in the order GSL's reference
//  BLAS (gslcblas) runs them in dgemv and dsyrk, so the results are the
//  ones a matrix form gives.

//  z_i = x_i . w[0..p-1] + w[p]. Raw pointers, not a view and a BLAS call
//  per row: this runs once per row and example of every round, and the
//  per-call overhead cost a third of the rate (bench models).
static double
s_linear (const gsl_vector *w, const gsl_matrix *X, size_t i)
{
    assert (w->size == X->size2 + 1);
    const double *restrict x = gsl_matrix_const_ptr (X, i, 0);
    const double *restrict c = w->data;
    size_t p = X->size2, stride = w->stride;
    double dot = 0;
    if (stride == 1)
        for (size_t j = 0; j < p; j++)
            dot += x [j] * c [j];
    else
        for (size_t j = 0; j < p; j++)
            dot += x [j] * c [j * stride];
    return c [p * stride] + dot;
}

//  r_i = sigmoid(z_i) - y_i: row i's gradient is r_i [x_i, 1].
static double
s_residual (const gsl_vector *w, const gsl_matrix *X, const gsl_vector *y, size_t i)
{
    return model_sigmoid (s_linear (w, X, i)) - gsl_vector_get (y, i);
}

//  grad += a_i [x_i, 1]; a sum of these from zero is [X 1]^T a.
static void
s_weighted_row (gsl_vector *grad, const gsl_matrix *X, size_t i, double a_i)
{
    const double *restrict x = gsl_matrix_const_ptr (X, i, 0);
    double *restrict g = grad->data;
    size_t p = X->size2, stride = grad->stride;
    if (stride == 1)
        for (size_t j = 0; j < p; j++)
            g [j] += a_i * x [j];
    else
        for (size_t j = 0; j < p; j++)
            g [j * stride] += a_i * x [j];
    g [p * stride] += a_i;
}

static double
s_penalty (const gsl_vector *w, double l2)
{
    gsl_vector_const_view coef = gsl_vector_const_subvector (w, 0, w->size - 1);
    double norm = gsl_blas_dnrm2 (&coef.vector);
    return 0.5 * l2 * norm * norm;
}

void
model_lr_predict (gsl_vector *p, const gsl_vector *w, const gsl_matrix *X)
{
    assert (p->size == X->size1);
    for (size_t i = 0; i < X->size1; i++)
        gsl_vector_set (p, i, model_sigmoid (s_linear (w, X, i)));
}

double
model_lr_loss (const gsl_vector *w, const gsl_matrix *X, const gsl_vector *y, double l2)
{
    double loss = 0;
    //  logloss = log(1 + e^z) - y z, computed without overflow.
    for (size_t i = 0; i < X->size1; i++) {
        double zi = s_linear (w, X, i);
        loss += model_softplus (zi) - gsl_vector_get (y, i) * zi;
    }
    return loss + s_penalty (w, l2);
}

void
model_lr_gradient (gsl_vector *grad, const gsl_vector *w, const gsl_matrix *X,
                   const gsl_vector *y, double l2)
{
    assert (grad->size == w->size);
    gsl_vector_set_zero (grad);
    for (size_t i = 0; i < X->size1; i++)
        s_weighted_row (grad, X, i, s_residual (w, X, y, i));
    size_t p = X->size2;
    for (size_t j = 0; j < p; j++)
        gsl_vector_set (grad, j, gsl_vector_get (grad, j) + l2 * gsl_vector_get (w, j));
}

void
model_lr_per_example (gsl_matrix *G, const gsl_vector *w, const gsl_matrix *X,
                      const gsl_vector *y)
{
    assert (G->size1 == X->size1 && G->size2 == w->size);
    size_t p = X->size2;
    for (size_t i = 0; i < X->size1; i++) {
        double ri = s_residual (w, X, y, i);
        const double *x = gsl_matrix_const_ptr (X, i, 0);
        double *g = gsl_matrix_ptr (G, i, 0);
        for (size_t j = 0; j < p; j++)
            g [j] = x [j] * ri;
        g [p] = ri;
    }
}

void
model_lr_clipped_sum (gsl_vector *sum, const gsl_vector *w, const gsl_matrix *X,
                      const gsl_vector *y, double C, size_t *clipped)
{
    assert (C > 0 && sum->size == w->size);
    gsl_vector_set_zero (sum);
    size_t count = 0;
    //  ||g_i|| = |r_i| sqrt(||x_i||^2 + 1): one norm per row, no n x p copy.
    for (size_t i = 0; i < X->size1; i++) {
        gsl_vector_const_view xi = gsl_matrix_const_row (X, i);
        double nx = gsl_blas_dnrm2 (&xi.vector);
        double ri = s_residual (w, X, y, i);
        double norm = fabs (ri) * hypot (nx, 1.0);
        if (norm > C) {
            ri *= C / norm;
            count++;
        }
        s_weighted_row (sum, X, i, ri);
    }
    if (clipped)
        *clipped = count;
}

void
model_lr_hessian (gsl_matrix *H, const gsl_vector *w, const gsl_matrix *X, double l2)
{
    size_t n = X->size1, p = X->size2;
    assert (H->size1 == p + 1 && H->size2 == p + 1);
    //  H = A^T A with A = diag(sqrt(q(1-q))) [X 1], one row of A at a time
    //  into the lower triangle, then mirrored.
    gsl_matrix_set_zero (H);
    for (size_t k = 0; k < n; k++) {
        double qk = model_sigmoid (s_linear (w, X, k));
        double s = sqrt (qk * (1 - qk));
        const double *x = gsl_matrix_const_ptr (X, k, 0);
        for (size_t i = 0; i <= p; i++) {
            double ai = i < p? s * x [i]: s;
            double *h = gsl_matrix_ptr (H, i, 0);
            for (size_t j = 0; j <= i; j++)
                h [j] += ai * (j < p? s * x [j]: s);
        }
    }
    for (size_t j = 0; j <= p; j++)
        for (size_t k = 0; k < j; k++)
            gsl_matrix_set (H, k, j, gsl_matrix_get (H, j, k));
    for (size_t j = 0; j < p; j++)
        gsl_matrix_set (H, j, j, gsl_matrix_get (H, j, j) + l2);
}

int
model_lr_newton (gsl_vector *w, const gsl_matrix *X, const gsl_vector *y, double l2,
                 size_t max_iter, double tol, size_t *iterations)
{
    size_t k = w->size;
    gsl_matrix *H = model_matrix_new (k, k, false);
    gsl_vector *g = H? model_vector_new (k, false): NULL;
    gsl_vector *step = g? model_vector_new (k, false): NULL;
    gsl_vector *trial = step? model_vector_new (k, false): NULL;
    int rc = -1;
    size_t it = 0;
    if (!trial) {
        util_error_context ("Newton");
        goto cleanup;
    }
    double loss = model_lr_loss (w, X, y, l2);
    for (; it < max_iter; it++) {
        model_lr_gradient (g, w, X, y, l2);
        model_lr_hessian (H, w, X, l2);
        if (gsl_linalg_cholesky_decomp1 (H) || gsl_linalg_cholesky_solve (H, g, step)) {
            util_error (UTIL_EFAIL, "Newton: Hessian not positive definite at step %zu "
                        "(separable or collinear data? use l2 > 0)", it + 1);
            goto cleanup;
        }
        //  Halve the step until the objective does not rise: plain Newton
        //  can overshoot far from the optimum.
        double t = 1, next = loss;
        for (int halvings = 0; halvings < 40; halvings++, t *= 0.5) {
            gsl_vector_memcpy (trial, w);
            gsl_blas_daxpy (-t, step, trial);
            next = model_lr_loss (trial, X, y, l2);
            if (next <= loss)
                break;
        }
        gsl_vector_memcpy (w, trial);
        loss = next;
        double biggest = t * fabs (gsl_vector_get (step, gsl_blas_idamax (step)));
        if (biggest < tol) {
            it++;
            rc = 0;
            break;
        }
    }
    if (rc)
        util_error (UTIL_EFAIL, "Newton did not converge in %zu steps", max_iter);
cleanup:
    if (iterations)
        *iterations = it;
    if (H) gsl_matrix_free (H);
    if (g) gsl_vector_free (g);
    if (step) gsl_vector_free (step);
    if (trial) gsl_vector_free (trial);
    return rc;
}
