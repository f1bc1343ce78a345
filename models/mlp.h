/*  models/mlp.h - a multilayer perceptron for binary classification: 1 to 3
    hidden layers (ReLU or tanh) and one sigmoid output, on GSL BLAS.

    Parameters are one flat vector (the federation encrypts flat vectors).
    Layer by layer, from the input: the weights W (d_out x d_in, row-major)
    then the biases b (d_out). The output layer has d_out = 1.

    As for logistic regression the objective is a SUM over rows,
        L = sum_i logloss(y_i, p_i) + (l2 / 2) * ||all weights||^2
    (biases not penalised), and the per-example functions carry no penalty.

    Initialisation is Glorot uniform (Glorot and Bengio, AISTATS 2010):
    W ~ U(-a, a), a = sqrt(6 / (d_in + d_out)), b = 0, drawn from GSL's
    mt19937 with a seed. It is deliberately not a CSPRNG: initial weights are
    public, reproducible, and no privacy guarantee rests on them.

    Contents
        model_mlp_t                 a network and its flat parameters
        model_activation_t          ReLU or tanh
        model_mlp_new, model_mlp_destroy    makes (all zero) and frees one
        model_mlp_n_inputs, model_mlp_n_hidden, model_mlp_hidden,
        model_mlp_activation, model_mlp_n_params    its shape
        model_mlp_params            the parameter vector (borrowed)
        model_mlp_init              Glorot-uniform weights from a seed
        model_mlp_predict           P(y = 1 | x) for every row
        model_mlp_loss              the objective L
        model_mlp_gradient          dL/dparams by backpropagation
        model_mlp_per_example       each row's log-loss gradient
        model_mlp_clipped_sum       the sum of clipped row gradients (DP)

    A network is the caller's (model_mlp_destroy, NULL-safe) and owns its
    parameter vector; other vectors and matrices are the caller's. Errors
    are -1 / NULL (NAN for model_mlp_loss) with the reason in the error slot
    (util/error.h).
*/
#ifndef MODELS_MLP_H
#define MODELS_MLP_H

#include "models.h"

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#define MODEL_MLP_MAX_HIDDEN 3
#define MODEL_MLP_MAX_WIDTH  4096

typedef enum {
    MODEL_ACT_RELU,
    MODEL_ACT_TANH
} model_activation_t;

typedef struct _model_mlp_t model_mlp_t;

/*  A network with n_inputs inputs and n_hidden (1..3) hidden layers of the
    given widths (1..MODEL_MLP_MAX_WIDTH), parameters all zero. NULL (with
    the reason) on bad sizes or out of memory. */
model_mlp_t *model_mlp_new (size_t n_inputs, const size_t *hidden, size_t n_hidden,
                            model_activation_t activation);
void model_mlp_destroy (model_mlp_t **mlp_p);

size_t model_mlp_n_inputs (const model_mlp_t *mlp);
size_t model_mlp_n_hidden (const model_mlp_t *mlp);
/*  Width of hidden layer k < n_hidden. */
size_t model_mlp_hidden (const model_mlp_t *mlp, size_t k);
model_activation_t model_mlp_activation (const model_mlp_t *mlp);
size_t model_mlp_n_params (const model_mlp_t *mlp);

/*  The flat parameter vector, borrowed and writable. */
gsl_vector *model_mlp_params (model_mlp_t *mlp);

/*  Glorot-uniform weights and zero biases from mt19937 seeded with `seed`. */
void model_mlp_init (model_mlp_t *mlp, unsigned long seed);

/*  Sizes are the caller's contract (asserted): X has n_inputs columns, y
    and p have X's rows, gradients have n_params entries, G is
    rows x n_params. Each returns 0, or -1 on out of memory. */

/*  p[i] = P(y = 1 | X row i). */
int model_mlp_predict (const model_mlp_t *mlp, gsl_vector *p, const gsl_matrix *X);

/*  The objective L above; NAN on out of memory. */
double model_mlp_loss (const model_mlp_t *mlp, const gsl_matrix *X, const gsl_vector *y,
                       double l2);

/*  grad = dL/dparams (with the penalty), by backpropagation. */
int model_mlp_gradient (const model_mlp_t *mlp, gsl_vector *grad, const gsl_matrix *X,
                        const gsl_vector *y, double l2);

/*  Row i of G = gradient of row i's log-loss alone. */
int model_mlp_per_example (const model_mlp_t *mlp, gsl_matrix *G, const gsl_matrix *X,
                           const gsl_vector *y);

/*  The DP primitive: sum of g_i * min(1, C / ||g_i||_2) over rows, g_i row
    i's gradient (as model_lr_clipped_sum). The norms come from the layer
    factors (||outer(d, a)|| = ||d|| ||a||) without materialising each g_i.
    C > 0. *clipped (may be NULL) gets the number of rows scaled down. */
int model_mlp_clipped_sum (const model_mlp_t *mlp, gsl_vector *sum, const gsl_matrix *X,
                           const gsl_vector *y, double C, size_t *clipped);

#endif
