/*  models/optim.h - optimisers that run on the coordinator's side on a
    summed gradient: SGD with (heavy-ball) momentum, and Adam.

    A step takes the gradient as it arrives from the federation, a sum over
    records (noisy under DP), and a scale to turn it into the gradient of
    the objective being minimised (typically 1 / noisy record count).

      SGD:  v <- momentum * v + g;  params <- params - lr * v
      Adam: Kingma and Ba, "Adam: a method for stochastic optimization",
            ICLR 2015, Algorithm 1, with bias-corrected moments:
            m <- b1 m + (1-b1) g;  u <- b2 u + (1-b2) g^2
            params <- params - lr * (m / (1-b1^t)) / (sqrt(u / (1-b2^t)) + eps)

    Contents
        model_optim_t           an optimiser and its state (velocity or
                                moments)
        model_optim_sgd_new     SGD with momentum
        model_optim_adam_new    Adam
        model_optim_step        one step on the caller's parameters
        model_optim_steps       steps taken
        model_optim_destroy     frees one

    An optimiser is the caller's (model_optim_destroy, NULL-safe); the
    parameters and gradients stay the caller's. Errors are -1 / NULL with
    the reason in the error slot (util/error.h).
*/
#ifndef MODELS_OPTIM_H
#define MODELS_OPTIM_H

#include "models.h"

#include <gsl/gsl_vector.h>

typedef struct _model_optim_t model_optim_t;

/*  SGD for `n` parameters: lr > 0, momentum in [0, 1). NULL on bad values. */
model_optim_t *model_optim_sgd_new (size_t n, double lr, double momentum);

/*  Adam: lr > 0, beta1 and beta2 in [0, 1), eps > 0 (the paper's defaults
    are 0.001, 0.9, 0.999, 1e-8). NULL on bad values. */
model_optim_t *model_optim_adam_new (size_t n, double lr, double beta1, double beta2,
                                     double eps);

void model_optim_destroy (model_optim_t **opt_p);

/*  One step with g = scale * grad_sum. Returns 0, or -1 if the sizes differ
    from n or g has a non-finite entry; params are then untouched. */
int model_optim_step (model_optim_t *opt, gsl_vector *params, const gsl_vector *grad_sum,
                      double scale) MODEL_WUR;

/*  Steps taken so far. */
size_t model_optim_steps (const model_optim_t *opt);

#endif
