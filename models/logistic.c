/*  models/logistic.c - logistic regression: loss, gradients, the clipped
    per-example gradient sum, Hessian and Newton/IRLS. */
#include "logistic.h"
#include "models.h"
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

//  z = X w[0..p-1] + w[p]
static void
s_linear (gsl_vector *z, const gsl_vector *w, const gsl_matrix *X)
{
    assert (w->size == X->size2 + 1 && z->size == X->size1);
    gsl_vector_const_view coef = gsl_vector_const_subvector (w, 0, X->size2);
    gsl_vector_set_all (z, gsl_vector_get (w, X->size2));
    gsl_blas_dgemv (CblasNoTrans, 1.0, X, &coef.vector, 1.0, z);
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
    s_linear (p, w, X);
    for (size_t i = 0; i < p->size; i++)
        gsl_vector_set (p, i, model_sigmoid (gsl_vector_get (p, i)));
}

double
model_lr_loss (const gsl_vector *w, const gsl_matrix *X, const gsl_vector *y, double l2)
{
    gsl_vector *z = gsl_vector_alloc (X->size1);
    assert (z);
    s_linear (z, w, X);
    double loss = 0;
    //  logloss = log(1 + e^z) - y z, computed without overflow.
    for (size_t i = 0; i < X->size1; i++) {
        double zi = gsl_vector_get (z, i);
        loss += model_softplus (zi) - gsl_vector_get (y, i) * zi;
    }
    gsl_vector_free (z);
    return loss + s_penalty (w, l2);
}

//  r = sigmoid(z) - y: each row's gradient is r_i [x_i, 1].
static gsl_vector *
s_residuals (const gsl_vector *w, const gsl_matrix *X, const gsl_vector *y)
{
    gsl_vector *r = gsl_vector_alloc (X->size1);
    assert (r);
    model_lr_predict (r, w, X);
    gsl_vector_sub (r, y);
    return r;
}

//  grad = [X 1]^T a
static void
s_weighted_sum (gsl_vector *grad, const gsl_matrix *X, const gsl_vector *a)
{
    size_t p = X->size2;
    gsl_vector_view coef = gsl_vector_subvector (grad, 0, p);
    gsl_blas_dgemv (CblasTrans, 1.0, X, a, 0.0, &coef.vector);
    double s = 0;
    for (size_t i = 0; i < a->size; i++)
        s += gsl_vector_get (a, i);
    gsl_vector_set (grad, p, s);
}

void
model_lr_gradient (gsl_vector *grad, const gsl_vector *w, const gsl_matrix *X,
                   const gsl_vector *y, double l2)
{
    assert (grad->size == w->size);
    gsl_vector *r = s_residuals (w, X, y);
    s_weighted_sum (grad, X, r);
    gsl_vector_free (r);
    size_t p = X->size2;
    for (size_t j = 0; j < p; j++)
        gsl_vector_set (grad, j, gsl_vector_get (grad, j) + l2 * gsl_vector_get (w, j));
}

void
model_lr_per_example (gsl_matrix *G, const gsl_vector *w, const gsl_matrix *X,
                      const gsl_vector *y)
{
    assert (G->size1 == X->size1 && G->size2 == w->size);
    gsl_vector *r = s_residuals (w, X, y);
    size_t p = X->size2;
    gsl_matrix_view body = gsl_matrix_submatrix (G, 0, 0, X->size1, p);
    gsl_matrix_memcpy (&body.matrix, X);
    for (size_t i = 0; i < X->size1; i++) {
        double ri = gsl_vector_get (r, i);
        gsl_vector_view row = gsl_matrix_row (G, i);
        gsl_vector_scale (&row.vector, ri);
        gsl_vector_set (&row.vector, p, ri);
    }
    gsl_vector_free (r);
}

void
model_lr_clipped_sum (gsl_vector *sum, const gsl_vector *w, const gsl_matrix *X,
                      const gsl_vector *y, double C, size_t *clipped)
{
    assert (C > 0 && sum->size == w->size);
    gsl_vector *a = s_residuals (w, X, y);
    size_t count = 0;
    //  ||g_i|| = |r_i| sqrt(||x_i||^2 + 1): one norm per row, no n x p copy.
    for (size_t i = 0; i < X->size1; i++) {
        gsl_vector_const_view xi = gsl_matrix_const_row (X, i);
        double nx = gsl_blas_dnrm2 (&xi.vector);
        double ri = gsl_vector_get (a, i);
        double norm = fabs (ri) * hypot (nx, 1.0);
        if (norm > C) {
            gsl_vector_set (a, i, ri * (C / norm));
            count++;
        }
    }
    s_weighted_sum (sum, X, a);
    gsl_vector_free (a);
    if (clipped)
        *clipped = count;
}

void
model_lr_hessian (gsl_matrix *H, const gsl_vector *w, const gsl_matrix *X, double l2)
{
    size_t n = X->size1, p = X->size2;
    assert (H->size1 == p + 1 && H->size2 == p + 1);
    gsl_vector *q = gsl_vector_alloc (n);
    gsl_matrix *A = gsl_matrix_alloc (n, p + 1);
    assert (q && A);
    model_lr_predict (q, w, X);
    //  A = diag(sqrt(q(1-q))) [X 1], H = A^T A.
    for (size_t i = 0; i < n; i++) {
        double qi = gsl_vector_get (q, i);
        double s = sqrt (qi * (1 - qi));
        for (size_t j = 0; j < p; j++)
            gsl_matrix_set (A, i, j, s * gsl_matrix_get (X, i, j));
        gsl_matrix_set (A, i, p, s);
    }
    gsl_blas_dsyrk (CblasLower, CblasTrans, 1.0, A, 0.0, H);
    for (size_t j = 0; j <= p; j++)
        for (size_t k = 0; k < j; k++)
            gsl_matrix_set (H, k, j, gsl_matrix_get (H, j, k));
    for (size_t j = 0; j < p; j++)
        gsl_matrix_set (H, j, j, gsl_matrix_get (H, j, j) + l2);
    gsl_vector_free (q);
    gsl_matrix_free (A);
}

int
model_lr_newton (gsl_vector *w, const gsl_matrix *X, const gsl_vector *y, double l2,
                 size_t max_iter, double tol, size_t *iterations)
{
    size_t k = w->size;
    gsl_matrix *H = gsl_matrix_alloc (k, k);
    gsl_vector *g = gsl_vector_alloc (k);
    gsl_vector *step = gsl_vector_alloc (k);
    gsl_vector *trial = gsl_vector_alloc (k);
    if (!H || !g || !step || !trial) {
        if (H) gsl_matrix_free (H);
        if (g) gsl_vector_free (g);
        if (step) gsl_vector_free (step);
        if (trial) gsl_vector_free (trial);
        return util_error (UTIL_ENOMEM, "out of memory in Newton");
    }
    int rc = -1;
    size_t it = 0;
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
    gsl_matrix_free (H);
    gsl_vector_free (g);
    gsl_vector_free (step);
    gsl_vector_free (trial);
    return rc;
}
