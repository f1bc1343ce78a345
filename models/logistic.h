/*  models/logistic.h - binary logistic regression with an intercept and L2
    regularisation, on GSL.

    Parameters are one flat vector w of length p + 1: w[0..p-1] are the
    coefficients of the p columns of X, w[p] is the intercept. The model is
    P(y = 1 | x) = sigmoid(w[0..p-1] . x + w[p]).

    The objective is a SUM over rows, the way scikit-learn writes it:
        L(w) = sum_i logloss(y_i, sigmoid(z_i)) + (l2 / 2) * ||w[0..p-1]||^2
    with the intercept not penalised. scikit-learn's LogisticRegression(C)
    minimises exactly this with l2 = 1 / C, so `--l2 1` is C = 1.

    The per-example functions (gradients and their clipped sum) carry no
    regularisation: under DP the sites release the clipped sum of data
    gradients and the coordinator adds the (data-independent) penalty.

    Sizes are the caller's contract (asserted): X is n x p, y has n
    entries in {0, 1}, w and gradients have p + 1, H is (p+1) x (p+1).

    Contents
        model_sigmoid, model_softplus   numerically stable sigmoid and
                                        log(1 + exp(z))
        model_lr_predict                P(y = 1 | x) for every row
        model_lr_loss                   the objective L(w)
        model_lr_gradient               dL/dw
        model_lr_per_example            each row's log-loss gradient
        model_lr_clipped_sum            the sum of clipped row gradients (DP)
        model_lr_hessian                d2L/dw2
        model_lr_newton                 Newton / IRLS to convergence

    Every vector and matrix is the caller's; nothing keeps a pointer to
    one. Only model_lr_newton allocates (its work space), and only it can
    fail: -1 with the reason in the error slot (util/error.h).
*/
#ifndef MODELS_LOGISTIC_H
#define MODELS_LOGISTIC_H

#include "models.h"

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

/*  Numerically stable sigmoid and log(1 + exp(z)). */
double model_sigmoid (double z);
double model_softplus (double z);

/*  p[i] = P(y = 1 | X row i). */
void model_lr_predict (gsl_vector *p, const gsl_vector *w, const gsl_matrix *X);

/*  The objective L(w) above. */
double model_lr_loss (const gsl_vector *w, const gsl_matrix *X, const gsl_vector *y,
                      double l2);

/*  grad = dL/dw (with the penalty). */
void model_lr_gradient (gsl_vector *grad, const gsl_vector *w, const gsl_matrix *X,
                        const gsl_vector *y, double l2);

/*  Row i of G (n x (p+1)) = gradient of row i's log-loss alone:
    (sigmoid(z_i) - y_i) * [x_i, 1]. */
void model_lr_per_example (gsl_matrix *G, const gsl_vector *w, const gsl_matrix *X,
                           const gsl_vector *y);

/*  The DP primitive: sum over rows of g_i * min(1, C / ||g_i||_2), where
    g_i is row i's gradient, so every term has L2 norm <= C and the sum has
    L2 sensitivity C to adding or removing one row. C > 0. *clipped (may be
    NULL) gets the number of rows whose gradient was scaled down. */
void model_lr_clipped_sum (gsl_vector *sum, const gsl_vector *w, const gsl_matrix *X,
                           const gsl_vector *y, double C, size_t *clipped);

/*  H = d2L/dw2 = [X 1]^T diag(p(1-p)) [X 1] + l2 * I (intercept entry 0). */
void model_lr_hessian (gsl_matrix *H, const gsl_vector *w, const gsl_matrix *X,
                       double l2);

/*  Newton's method (= IRLS) from the w given, with step halving whenever a
    full step would not lower L. Stops when the largest step entry is below
    `tol`. *iterations (may be NULL) gets the count. Returns 0, or -1 if the
    Hessian is not positive definite (l2 = 0 on separable or collinear data)
    or `max_iter` steps did not converge; w then holds the last iterate. */
int model_lr_newton (gsl_vector *w, const gsl_matrix *X, const gsl_vector *y, double l2,
                     size_t max_iter, double tol, size_t *iterations) MODEL_WUR;

#endif
