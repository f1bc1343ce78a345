/*  site/fedavg.c - local epochs of minibatch SGD for DP-FedAvg. */
#include "fedavg.h"
#include "util/alloc.h"
#include "models/models.h"
#include "util/error.h"
#include "site.h"
#include "models/logistic.h"
#include "models/mlp.h"

#include <gsl/gsl_blas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

//  Fisher-Yates with exact uniform draws from the CSPRNG stream.
static int
s_shuffle (size_t *order, size_t n, dp_rng_t *rng)
{
    for (size_t i = n; i > 1; i--) {
        uint64_t j;
        if (dp_rng_below (rng, i, &j))
            return util_error_context ("local training: shuffle");
        size_t t = order [i - 1];
        order [i - 1] = order [j];
        order [j] = t;
    }
    return 0;
}

int
site_fedavg_delta (double *delta, const proto_study_t *study, size_t n_params,
                   const gsl_matrix *Z, const gsl_vector *y, const double *w, dp_rng_t *rng)
{
    memset (delta, 0, n_params * sizeof (double));
    size_t n = Z->size1, p = Z->size2;
    if (n == 0)
        return 0;
    size_t batch = study->local_batch < n? study->local_batch: n;
    model_mlp_t *mlp = NULL;
    gsl_vector *own = NULL, *params = NULL;
    size_t *order = util_calloc (n, sizeof (size_t));
    gsl_matrix *Xb = model_matrix_new (batch, p, false);
    gsl_vector *yb = model_vector_new (batch, false), *grad = model_vector_new (n_params, false);
    int rc = 0;
    if (study->model == PROTO_MODEL_MLP) {
        if ((mlp = model_mlp_new (p, study->hidden, study->n_hidden, MODEL_ACT_RELU)))
            params = model_mlp_params (mlp);
        else
            rc = util_error_context ("model");
    }
    else
        params = own = model_vector_new (n_params, false);
    if (!rc && (!order || !Xb || !yb || !grad || !params))
        rc = util_error_context ("local training (%zu rows, %zu parameters)", n, n_params);
    if (!rc) {
        gsl_vector_const_view start = gsl_vector_const_view_array (w, n_params);
        gsl_vector_memcpy (params, &start.vector);
        for (size_t i = 0; i < n; i++)
            order [i] = i;
    }
    for (unsigned e = 0; e < study->local_epochs && !rc; e++) {
        rc = s_shuffle (order, n, rng);
        for (size_t at = 0; at < n && !rc; at += batch) {
            size_t k = n - at < batch? n - at: batch;
            for (size_t r = 0; r < k; r++) {
                gsl_vector_const_view row = gsl_matrix_const_row (Z, order [at + r]);
                gsl_matrix_set_row (Xb, r, &row.vector);
                gsl_vector_set (yb, r, gsl_vector_get (y, order [at + r]));
            }
            gsl_matrix_view X = gsl_matrix_submatrix (Xb, 0, 0, k, p);
            gsl_vector_view Y = gsl_vector_subvector (yb, 0, k);
            //  The batch's share k / n of the penalty, so that an epoch
            //  charges it once; the step is on the batch mean.
            double l2 = study->l2 * (double) k / (double) n;
            if (mlp) {
                if (model_mlp_gradient (mlp, grad, &X.matrix, &Y.vector, l2))
                    rc = util_error_context ("model");
            }
            else
                model_lr_gradient (grad, params, &X.matrix, &Y.vector, l2);
            if (!rc)
                gsl_blas_daxpy (-study->local_learning_rate / (double) k, grad, params);
        }
    }
    for (size_t i = 0; !rc && i < n_params; i++) {
        delta [i] = gsl_vector_get (params, i) - w [i];
        if (!isfinite (delta [i]))
            rc = util_error (UTIL_EINPUT, "local training diverged (a parameter is not finite): lower "
                             "study/local_learning_rate");
    }
    if (rc)
        memset (delta, 0, n_params * sizeof (double));
    free (order);
    if (Xb)
        gsl_matrix_free (Xb);
    if (yb)
        gsl_vector_free (yb);
    if (grad)
        gsl_vector_free (grad);
    if (own)
        gsl_vector_free (own);
    model_mlp_destroy (&mlp);
    return rc;
}
