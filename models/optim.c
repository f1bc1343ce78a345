/*  models/optim.c - SGD with momentum and Adam. */
#include "optim.h"
#include "models.h"
#include "models_internal.h"
#include "util/alloc.h"
#include "util/error.h"

#include <math.h>
#include <stdlib.h>

typedef enum { S_SGD, S_ADAM } s_kind_t;

struct _model_optim_t {
    s_kind_t kind;
    size_t n;
    double lr, beta1, beta2, eps;       //  beta1 is SGD's momentum
    size_t t;
    gsl_vector *m;                      //  velocity (SGD) or first moment
    gsl_vector *u;                      //  second moment (Adam)
    gsl_vector *g;                      //  scaled gradient
};

static model_optim_t *
s_new (s_kind_t kind, size_t n, double lr, double beta1, double beta2, double eps)
{
    if (n == 0)
        return util_error_null (UTIL_EINPUT, "optimiser needs at least one parameter");
    if (!(lr > 0) || !isfinite (lr))
        return util_error_null (UTIL_EINPUT, "learning rate %g is not positive", lr);
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
        return util_error_null (UTIL_EINPUT, "momentum / beta %g, %g not in [0, 1)", beta1, beta2);
    if (!(eps > 0) || !isfinite (eps))
        return util_error_null (UTIL_EINPUT, "epsilon %g is not positive", eps);
    model_optim_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    *self = (model_optim_t) { kind, n, lr, beta1, beta2, eps, 0, NULL, NULL, NULL };
    if (!(self->m = model_vector_new (n, true))
    ||  (kind == S_ADAM && !(self->u = model_vector_new (n, true)))
    ||  !(self->g = model_vector_new (n, false))) {
        model_optim_destroy (&self);
        util_error_context ("an optimiser for %zu parameters", n);
        return NULL;
    }
    return self;
}

model_optim_t *
model_optim_sgd_new (size_t n, double lr, double momentum)
{
    //  eps is unused by SGD; 1 passes the check.
    return s_new (S_SGD, n, lr, momentum, 0, 1);
}

model_optim_t *
model_optim_adam_new (size_t n, double lr, double beta1, double beta2, double eps)
{
    return s_new (S_ADAM, n, lr, beta1, beta2, eps);
}

void
model_optim_destroy (model_optim_t **opt_p)
{
    if (!opt_p || !*opt_p)
        return;
    model_optim_t *self = *opt_p;
    if (self->m) gsl_vector_free (self->m);
    if (self->u) gsl_vector_free (self->u);
    if (self->g) gsl_vector_free (self->g);
    free (self);
    *opt_p = NULL;
}

size_t
model_optim_steps (const model_optim_t *opt)
{
    return opt->t;
}

int
model_optim_step (model_optim_t *self, gsl_vector *params, const gsl_vector *grad_sum,
                  double scale)
{
    if (params->size != self->n || grad_sum->size != self->n)
        return util_error (UTIL_EFAIL, "optimiser for %zu parameters got %zu parameters and a "
                           "gradient of %zu", self->n, params->size, grad_sum->size);
    for (size_t j = 0; j < self->n; j++) {
        double g = scale * gsl_vector_get (grad_sum, j);
        if (!isfinite (g))
            return util_error (UTIL_EINPUT, "gradient entry %zu is not finite", j);
        gsl_vector_set (self->g, j, g);
    }
    self->t++;
    if (self->kind == S_SGD) {
        for (size_t j = 0; j < self->n; j++) {
            double v = self->beta1 * gsl_vector_get (self->m, j) + gsl_vector_get (self->g, j);
            gsl_vector_set (self->m, j, v);
            gsl_vector_set (params, j, gsl_vector_get (params, j) - self->lr * v);
        }
        return 0;
    }
    double c1 = 1 - pow (self->beta1, (double) self->t);
    double c2 = 1 - pow (self->beta2, (double) self->t);
    for (size_t j = 0; j < self->n; j++) {
        double g = gsl_vector_get (self->g, j);
        double m = self->beta1 * gsl_vector_get (self->m, j) + (1 - self->beta1) * g;
        double u = self->beta2 * gsl_vector_get (self->u, j) + (1 - self->beta2) * g * g;
        gsl_vector_set (self->m, j, m);
        gsl_vector_set (self->u, j, u);
        double step = self->lr * (m / c1) / (sqrt (u / c2) + self->eps);
        gsl_vector_set (params, j, gsl_vector_get (params, j) - step);
    }
    return 0;
}
