/*  models/mlp.c - the multilayer perceptron: forward pass, backpropagation,
    per-example gradients and their clipped sum. */
#include "mlp.h"
#include "logistic.h"
#include "models.h"
#include "models_internal.h"
#include "util/alloc.h"
#include "util/error.h"

#include <assert.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

#define S_MAX_LAYERS (MODEL_MLP_MAX_HIDDEN + 1)

struct _model_mlp_t {
    size_t n_layers;                    //  hidden layers + the output
    size_t dims [S_MAX_LAYERS + 1];     //  dims[0] inputs, dims[n_layers] = 1
    size_t w_off [S_MAX_LAYERS + 1];    //  offsets of layer l's W and b (l >= 1)
    size_t b_off [S_MAX_LAYERS + 1];
    model_activation_t activation;
    gsl_vector *params;
    gsl_rng *rng;                       //  for model_mlp_init: made here, so
                                        //  that the initialiser cannot fail
};

model_mlp_t *
model_mlp_new (size_t n_inputs, const size_t *hidden, size_t n_hidden,
               model_activation_t activation)
{
    if (n_hidden < 1 || n_hidden > MODEL_MLP_MAX_HIDDEN)
        return util_error_null (UTIL_EFAIL, "an MLP has 1 to %d hidden layers, not %zu",
                                MODEL_MLP_MAX_HIDDEN, n_hidden);
    if (n_inputs < 1 || n_inputs > MODEL_MLP_MAX_WIDTH)
        return util_error_null (UTIL_EINPUT, "an MLP needs 1 to %d inputs, not %zu",
                                MODEL_MLP_MAX_WIDTH, n_inputs);
    if (activation != MODEL_ACT_RELU && activation != MODEL_ACT_TANH)
        return util_error_null (UTIL_EINPUT, "unknown activation %d", (int) activation);
    model_mlp_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->n_layers = n_hidden + 1;
    self->activation = activation;
    self->dims [0] = n_inputs;
    for (size_t k = 0; k < n_hidden; k++) {
        if (hidden [k] < 1 || hidden [k] > MODEL_MLP_MAX_WIDTH) {
            free (self);
            return util_error_null (UTIL_EINPUT, "hidden layer %zu has width %zu, not in [1, %d]",
                                    k + 1, hidden [k], MODEL_MLP_MAX_WIDTH);
        }
        self->dims [k + 1] = hidden [k];
    }
    self->dims [self->n_layers] = 1;
    //  No overflow: at most 4 layers of 4096 x 4096 weights.
    size_t off = 0;
    for (size_t l = 1; l <= self->n_layers; l++) {
        self->w_off [l] = off;
        off += self->dims [l] * self->dims [l - 1];
        self->b_off [l] = off;
        off += self->dims [l];
    }
    if (!(self->params = model_vector_new (off, true))) {
        util_error_context ("an MLP of %zu parameters", off);
        model_mlp_destroy (&self);
        return NULL;
    }
    if (!(self->rng = gsl_rng_alloc (gsl_rng_mt19937))) {
        util_error (UTIL_ENOMEM, "an MLP: out of memory (a random generator)");
        model_mlp_destroy (&self);
        return NULL;
    }
    return self;
}

void
model_mlp_destroy (model_mlp_t **mlp_p)
{
    if (!mlp_p || !*mlp_p)
        return;
    if ((*mlp_p)->params)
        gsl_vector_free ((*mlp_p)->params);
    if ((*mlp_p)->rng)
        gsl_rng_free ((*mlp_p)->rng);
    free (*mlp_p);
    *mlp_p = NULL;
}

size_t model_mlp_n_inputs (const model_mlp_t *mlp) { return mlp->dims [0]; }
size_t model_mlp_n_hidden (const model_mlp_t *mlp) { return mlp->n_layers - 1; }
size_t model_mlp_n_params (const model_mlp_t *mlp) { return mlp->params->size; }
gsl_vector *model_mlp_params (model_mlp_t *mlp) { return mlp->params; }
model_activation_t model_mlp_activation (const model_mlp_t *mlp) { return mlp->activation; }

size_t
model_mlp_hidden (const model_mlp_t *mlp, size_t k)
{
    assert (k + 1 < mlp->n_layers);
    return mlp->dims [k + 1];
}

void
model_mlp_init (model_mlp_t *mlp, unsigned long seed)
{
    gsl_rng *rng = mlp->rng;
    gsl_rng_set (rng, seed);
    gsl_vector_set_zero (mlp->params);
    for (size_t l = 1; l <= mlp->n_layers; l++) {
        double a = sqrt (6.0 / (double) (mlp->dims [l] + mlp->dims [l - 1]));
        for (size_t k = 0; k < mlp->dims [l] * mlp->dims [l - 1]; k++)
            gsl_vector_set (mlp->params, mlp->w_off [l] + k,
                            a * (2 * gsl_rng_uniform (rng) - 1));
    }
}

//  Activations of one batch: in[l] is the input of layer l + 1 (in[0] = X),
//  Z[l] the pre-activation of layer l, D[l] dL_i/dZ[l] row by row.
typedef struct {
    const gsl_matrix *in [S_MAX_LAYERS + 1];
    gsl_matrix *A [S_MAX_LAYERS + 1];
    gsl_matrix *Z [S_MAX_LAYERS + 1];
    gsl_matrix *D [S_MAX_LAYERS + 1];
} s_work_t;

static void
s_work_free (s_work_t *w)
{
    for (size_t l = 0; l <= S_MAX_LAYERS; l++) {
        if (w->A [l]) gsl_matrix_free (w->A [l]);
        if (w->Z [l]) gsl_matrix_free (w->Z [l]);
        if (w->D [l]) gsl_matrix_free (w->D [l]);
    }
}

static _gsl_matrix_const_view
s_weights (const model_mlp_t *mlp, const gsl_vector *params, size_t l)
{
    return gsl_matrix_const_view_array (params->data + mlp->w_off [l],
                                        mlp->dims [l], mlp->dims [l - 1]);
}

//  Forward pass; A[n_layers] holds the probabilities (n x 1).
static int
s_forward (const model_mlp_t *mlp, s_work_t *w, const gsl_matrix *X, int backward)
{
    size_t n = X->size1, L = mlp->n_layers;
    assert (X->size2 == mlp->dims [0]);
    w->in [0] = X;
    for (size_t l = 1; l <= L; l++) {
        if (!(w->Z [l] = model_matrix_new (n, mlp->dims [l], false))
        ||  !(w->A [l] = model_matrix_new (n, mlp->dims [l], false))
        ||  (backward && !(w->D [l] = model_matrix_new (n, mlp->dims [l], false))))
            return util_error_context ("an MLP batch of %zu rows", n);
        gsl_matrix_const_view W = s_weights (mlp, mlp->params, l);
        gsl_blas_dgemm (CblasNoTrans, CblasTrans, 1.0, w->in [l - 1], &W.matrix,
                        0.0, w->Z [l]);
        gsl_vector_const_view b = gsl_vector_const_subvector (mlp->params, mlp->b_off [l],
                                                              mlp->dims [l]);
        for (size_t i = 0; i < n; i++) {
            gsl_vector_view row = gsl_matrix_row (w->Z [l], i);
            gsl_vector_add (&row.vector, &b.vector);
        }
        double *z = w->Z [l]->data, *a = w->A [l]->data;
        size_t count = n * mlp->dims [l];   //  fresh matrices are contiguous
        if (l == L)
            for (size_t k = 0; k < count; k++)
                a [k] = model_sigmoid (z [k]);
        else
        if (mlp->activation == MODEL_ACT_RELU)
            for (size_t k = 0; k < count; k++)
                a [k] = z [k] > 0? z [k]: 0;
        else
            for (size_t k = 0; k < count; k++)
                a [k] = tanh (z [k]);
        w->in [l] = w->A [l];
    }
    return 0;
}

//  Backpropagation of each row's log-loss: D[L] = p - y, then
//  D[l-1] = (D[l] W_l) * act'(Z[l-1]).
static void
s_backward (const model_mlp_t *mlp, s_work_t *w, const gsl_vector *y)
{
    size_t L = mlp->n_layers, n = y->size;
    for (size_t i = 0; i < n; i++)
        gsl_matrix_set (w->D [L], i, 0, gsl_matrix_get (w->A [L], i, 0) - gsl_vector_get (y, i));
    for (size_t l = L; l >= 2; l--) {
        gsl_matrix_const_view W = s_weights (mlp, mlp->params, l);
        gsl_blas_dgemm (CblasNoTrans, CblasNoTrans, 1.0, w->D [l], &W.matrix,
                        0.0, w->D [l - 1]);
        double *d = w->D [l - 1]->data;
        const double *z = w->Z [l - 1]->data, *a = w->A [l - 1]->data;
        size_t count = n * mlp->dims [l - 1];
        if (mlp->activation == MODEL_ACT_RELU)
            for (size_t k = 0; k < count; k++)
                d [k] = z [k] > 0? d [k]: 0;
        else
            for (size_t k = 0; k < count; k++)
                d [k] *= 1 - a [k] * a [k];
    }
}

//  grad = sum over rows of each row's gradient (from D).
static void
s_sum_gradients (const model_mlp_t *mlp, const s_work_t *w, gsl_vector *grad)
{
    for (size_t l = 1; l <= mlp->n_layers; l++) {
        gsl_matrix_view gW = gsl_matrix_view_array (grad->data + mlp->w_off [l],
                                                    mlp->dims [l], mlp->dims [l - 1]);
        gsl_blas_dgemm (CblasTrans, CblasNoTrans, 1.0, w->D [l], w->in [l - 1],
                        0.0, &gW.matrix);
        for (size_t r = 0; r < mlp->dims [l]; r++) {
            gsl_vector_const_view col = gsl_matrix_const_column (w->D [l], r);
            double s = 0;
            for (size_t i = 0; i < col.vector.size; i++)
                s += gsl_vector_get (&col.vector, i);
            gsl_vector_set (grad, mlp->b_off [l] + r, s);
        }
    }
}

int
model_mlp_predict (const model_mlp_t *mlp, gsl_vector *p, const gsl_matrix *X)
{
    assert (p->size == X->size1);
    s_work_t w = { 0 };
    int rc = s_forward (mlp, &w, X, 0);
    if (rc == 0) {
        gsl_vector_const_view out = gsl_matrix_const_column (w.A [mlp->n_layers], 0);
        gsl_vector_memcpy (p, &out.vector);
    }
    s_work_free (&w);
    return rc;
}

static double
s_penalty (const model_mlp_t *mlp, double l2)
{
    double s = 0;
    for (size_t l = 1; l <= mlp->n_layers; l++) {
        gsl_vector_const_view W = gsl_vector_const_subvector (
            mlp->params, mlp->w_off [l], mlp->dims [l] * mlp->dims [l - 1]);
        double norm = gsl_blas_dnrm2 (&W.vector);
        s += norm * norm;
    }
    return 0.5 * l2 * s;
}

double
model_mlp_loss (const model_mlp_t *mlp, const gsl_matrix *X, const gsl_vector *y, double l2)
{
    s_work_t w = { 0 };
    double loss = NAN;
    if (s_forward (mlp, &w, X, 0) == 0) {
        //  From the logit, not the probability: exact even when p rounds to 0 or 1.
        loss = 0;
        gsl_matrix *Z = w.Z [mlp->n_layers];
        for (size_t i = 0; i < X->size1; i++) {
            double z = gsl_matrix_get (Z, i, 0);
            loss += model_softplus (z) - gsl_vector_get (y, i) * z;
        }
        loss += s_penalty (mlp, l2);
    }
    s_work_free (&w);
    return loss;
}

int
model_mlp_gradient (const model_mlp_t *mlp, gsl_vector *grad, const gsl_matrix *X,
                    const gsl_vector *y, double l2)
{
    assert (grad->size == mlp->params->size && y->size == X->size1);
    s_work_t w = { 0 };
    int rc = s_forward (mlp, &w, X, 1);
    if (rc == 0) {
        s_backward (mlp, &w, y);
        s_sum_gradients (mlp, &w, grad);
        for (size_t l = 1; l <= mlp->n_layers; l++)
            for (size_t k = 0; k < mlp->dims [l] * mlp->dims [l - 1]; k++) {
                size_t j = mlp->w_off [l] + k;
                gsl_vector_set (grad, j, gsl_vector_get (grad, j)
                                         + l2 * gsl_vector_get (mlp->params, j));
            }
    }
    s_work_free (&w);
    return rc;
}

int
model_mlp_per_example (const model_mlp_t *mlp, gsl_matrix *G, const gsl_matrix *X,
                       const gsl_vector *y)
{
    assert (G->size1 == X->size1 && G->size2 == mlp->params->size);
    s_work_t w = { 0 };
    int rc = s_forward (mlp, &w, X, 1);
    if (rc == 0) {
        s_backward (mlp, &w, y);
        for (size_t i = 0; i < X->size1; i++) {
            double *row = gsl_matrix_ptr (G, i, 0);
            for (size_t l = 1; l <= mlp->n_layers; l++) {
                gsl_matrix_view gW = gsl_matrix_view_array (row + mlp->w_off [l],
                                                            mlp->dims [l], mlp->dims [l - 1]);
                gsl_vector_view d = gsl_matrix_row (w.D [l], i);
                gsl_vector_const_view a = gsl_matrix_const_row (w.in [l - 1], i);
                gsl_matrix_set_zero (&gW.matrix);
                gsl_blas_dger (1.0, &d.vector, &a.vector, &gW.matrix);
                gsl_vector_view gb = gsl_vector_view_array (row + mlp->b_off [l], mlp->dims [l]);
                gsl_vector_memcpy (&gb.vector, &d.vector);
            }
        }
    }
    s_work_free (&w);
    return rc;
}

int
model_mlp_clipped_sum (const model_mlp_t *mlp, gsl_vector *sum, const gsl_matrix *X,
                       const gsl_vector *y, double C, size_t *clipped)
{
    assert (C > 0 && sum->size == mlp->params->size);
    s_work_t w = { 0 };
    int rc = s_forward (mlp, &w, X, 1);
    if (rc == 0) {
        s_backward (mlp, &w, y);
        size_t count = 0;
        for (size_t i = 0; i < X->size1; i++) {
            //  ||g_i||^2 = sum over layers of ||d||^2 (||a||^2 + 1): the
            //  weight block is outer(d, a) and the bias block is d.
            double sq = 0;
            for (size_t l = 1; l <= mlp->n_layers; l++) {
                gsl_vector_view d = gsl_matrix_row (w.D [l], i);
                gsl_vector_const_view a = gsl_matrix_const_row (w.in [l - 1], i);
                double nd = gsl_blas_dnrm2 (&d.vector), na = gsl_blas_dnrm2 (&a.vector);
                sq += nd * nd * (na * na + 1);
            }
            double norm = sqrt (sq);
            if (norm > C) {
                //  Every block of g_i is linear in its layer's row of D.
                for (size_t l = 1; l <= mlp->n_layers; l++) {
                    gsl_vector_view d = gsl_matrix_row (w.D [l], i);
                    gsl_vector_scale (&d.vector, C / norm);
                }
                count++;
            }
        }
        s_sum_gradients (mlp, &w, sum);
        if (clipped)
            *clipped = count;
    }
    s_work_free (&w);
    return rc;
}
