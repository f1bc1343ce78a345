/*  models/pipeline.c - training and scoring end to end. */
#include "pipeline.h"
#include "logistic.h"
#include "models.h"
#include "models_internal.h"
#include "util/alloc.h"
#include "util/error.h"
#include "optim.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_NEWTON_MAX_ITER 100
#define S_NEWTON_TOL      1e-10

void
model_train_defaults (model_train_opts_t *opts, model_type_t type)
{
    //  The MLP defaults were chosen on the bundled datasets over eight
    //  stratified splits (docs/model-format.md): a stronger penalty and a
    //  smaller step keep the 32-unit network from overfitting pima.
    *opts = (model_train_opts_t) {
        .type = type, .missing = MODEL_MISSING_DROP,
        .l2 = type == MODEL_TYPE_MLP? 10.0: 1.0,
        .hidden = { 32 }, .n_hidden = 1, .activation = MODEL_ACT_RELU,
        .epochs = 100, .lr = 0.005, .batch = 32, .seed = 1
    };
}

//  *out = a copy of s, or NULL for NULL. Returns 0, or -1 when out of memory.
static int
s_dup_or_null (char **out, const char *s)
{
    *out = s? util_strdup (s): NULL;
    return s && !*out? -1: 0;
}

//  Adam on shuffled minibatches; see pipeline.h.
static int
s_fit_mlp (model_mlp_t *mlp, const gsl_matrix *X, const gsl_vector *y,
           const model_train_opts_t *opts)
{
    size_t n = X->size1, p = X->size2;
    size_t b = opts->batch < n? opts->batch: n;
    size_t P = model_mlp_n_params (mlp);
    gsl_rng *rng = NULL;
    size_t *order = NULL;
    gsl_matrix *Xb = NULL;
    gsl_vector *yb = NULL, *g = NULL;
    int rc = -1;
    //  The optimiser checks the learning rate: its reason is not memory.
    model_optim_t *adam = model_optim_adam_new (P, opts->lr, 0.9, 0.999, 1e-8);
    if (!adam)
        goto cleanup;
    if (!(rng = gsl_rng_alloc (gsl_rng_mt19937))) {
        util_error (UTIL_ENOMEM, "training the MLP: out of memory (a random generator)");
        goto cleanup;
    }
    if (!(order = util_calloc (n, sizeof *order))
    ||  !(Xb = model_matrix_new (b, p, false))
    ||  !(yb = model_vector_new (b, false))
    ||  !(g = model_vector_new (P, false))) {
        util_error_context ("training the MLP");
        goto cleanup;
    }
    gsl_rng_set (rng, opts->seed);
    for (size_t i = 0; i < n; i++)
        order [i] = i;
    for (size_t epoch = 0; epoch < opts->epochs; epoch++) {
        gsl_ran_shuffle (rng, order, n, sizeof *order);
        for (size_t start = 0; start < n; start += b) {
            size_t m = n - start < b? n - start: b;
            gsl_matrix_view Xm = gsl_matrix_submatrix (Xb, 0, 0, m, p);
            gsl_vector_view ym = gsl_vector_subvector (yb, 0, m);
            for (size_t r = 0; r < m; r++) {
                gsl_vector_const_view row = gsl_matrix_const_row (X, order [start + r]);
                gsl_matrix_set_row (&Xm.matrix, r, &row.vector);
                gsl_vector_set (&ym.vector, r, gsl_vector_get (y, order [start + r]));
            }
            //  (1/m) of this batch's share of the objective: the penalty
            //  counts m/n of the whole.
            if (model_mlp_gradient (mlp, g, &Xm.matrix, &ym.vector,
                                    opts->l2 * (double) m / (double) n)
            ||  model_optim_step (adam, model_mlp_params (mlp), g, 1.0 / (double) m))
                goto cleanup;
        }
    }
    rc = 0;
cleanup:
    model_optim_destroy (&adam);
    if (rng) gsl_rng_free (rng);
    free (order);
    if (Xb) gsl_matrix_free (Xb);
    if (yb) gsl_vector_free (yb);
    if (g) gsl_vector_free (g);
    return rc;
}

model_file_t *
model_train (const model_dataset_t *ds_in, const model_load_spec_t *spec,
             const model_train_opts_t *opts, size_t *dropped)
{
    if (!ds_in->y)
        return util_error_null (UTIL_EINPUT, "training needs a label");
    if (!(opts->l2 >= 0) || !isfinite (opts->l2))
        return util_error_null (UTIL_EINPUT, "l2 %g must be a non-negative number", opts->l2);
    if (opts->type == MODEL_TYPE_MLP && (opts->epochs < 1 || opts->batch < 1))
        return util_error_null (UTIL_EINPUT, "epochs and batch must be at least 1");
    size_t *all = util_calloc (ds_in->n, sizeof *all);
    if (!all) {
        util_error_context ("training");
        return NULL;
    }
    for (size_t i = 0; i < ds_in->n; i++)
        all [i] = i;
    model_dataset_t *ds = model_dataset_subset (ds_in, all, ds_in->n);
    free (all);
    model_file_t *mf = model_file_new ();
    if (!ds || !mf)
        goto fail;
    size_t p = ds->schema->n_cols;
    mf->type = opts->type;
    mf->missing = opts->missing;
    mf->l2 = opts->l2;
    if (!spec->label) {
        util_error (UTIL_EINPUT, "training needs the name of the label column");
        goto fail;
    }
    if (s_dup_or_null (&mf->label, spec->label)
    ||  s_dup_or_null (&mf->positive, spec->positive)
    ||  s_dup_or_null (&mf->negative, spec->negative)
    ||  !(mf->schema = model_schema_dup (ds->schema))
    ||  !(mf->mean = model_vector_new (p, false))
    ||  !(mf->std = model_vector_new (p, false))) {
        util_error_context ("training");
        goto fail;
    }
    if (opts->missing == MODEL_MISSING_IMPUTE) {
        if (!(mf->impute = model_vector_new (p, false))) {
            util_error_context ("training");
            goto fail;
        }
        if (model_dataset_column_stats (ds, mf->impute, NULL))
            goto fail;
        model_dataset_impute (ds, mf->impute);
    }
    //  After imputation only rows with a problem can be incomplete; none
    //  exist at training time, but dropping keeps the invariant explicit.
    size_t gone = 0;
    if (model_dataset_drop_incomplete (ds, &gone)
    ||  model_dataset_column_stats (ds, mf->mean, mf->std))
        goto fail;
    if (dropped)
        *dropped = gone;
    mf->train_rows = ds->n;
    model_dataset_standardise (ds, mf->mean, mf->std);
    if (opts->type == MODEL_TYPE_LOGISTIC) {
        if (!(mf->w = model_vector_new (p + 1, true))) {
            util_error_context ("training");
            goto fail;
        }
        if (model_lr_newton (mf->w, ds->X, ds->y, opts->l2, S_NEWTON_MAX_ITER,
                             S_NEWTON_TOL, NULL))
            goto fail;
    }
    else {
        mf->mlp = model_mlp_new (p, opts->hidden, opts->n_hidden, opts->activation);
        if (!mf->mlp)
            goto fail;
        model_mlp_init (mf->mlp, opts->seed);
        if (s_fit_mlp (mf->mlp, ds->X, ds->y, opts))
            goto fail;
    }
    model_dataset_destroy (&ds);
    return mf;
fail:
    model_dataset_destroy (&ds);
    model_file_destroy (&mf);
    return NULL;
}

int
model_load_for (model_dataset_t **out, const model_csv_t *csv, const model_file_t *mf,
                bool with_label)
{
    model_load_spec_t spec = {
        .label = with_label? mf->label: NULL,
        .positive = mf->positive, .negative = mf->negative
    };
    return model_dataset_load (out, csv, &spec, mf->schema);
}

long
model_score (const model_file_t *mf, const model_dataset_t *ds, const char *name,
             gsl_vector *scores, char **why)
{
    size_t n = ds->n, p = mf->schema->n_cols;
    for (size_t i = 0; i < n; i++)
        why [i] = NULL;
    if (ds->X->size2 != p || scores->size != n)
        return util_error (UTIL_EINPUT, "dataset has %zu columns and %zu rows; model needs %zu columns",
                           ds->X->size2, n, p);
    size_t *good = util_calloc (n, sizeof *good);
    gsl_matrix *X = good? model_matrix_new (n, p, false): NULL;
    gsl_vector *out = X? model_vector_new (n, false): NULL;
    long rc = -1;
    if (!out) {
        util_error_context ("scoring %zu rows", n);
        goto cleanup;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        gsl_vector_set (scores, i, NAN);
        if (ds->problem [i]) {
            if (!(why [i] = util_strdup (ds->problem [i]))) {
                util_error_context ("scoring %zu rows", n);
                goto cleanup;
            }
            continue;
        }
        const char *gap = NULL;
        for (size_t c = 0; c < p; c++) {
            double x = gsl_matrix_get (ds->X, i, c);
            if (isnan (x)) {
                if (mf->impute)
                    x = gsl_vector_get (mf->impute, c);
                else
                if (!gap)
                    gap = mf->schema->col_names [c];
            }
            double z = (x - gsl_vector_get (mf->mean, c)) / gsl_vector_get (mf->std, c);
            if (mf->clip > 0)
                z = fmin (fmax (z, -mf->clip), mf->clip);
            gsl_matrix_set (X, k, c, z);
        }
        if (gap) {
            //  A one-hot column is named feature=level; report the feature.
            size_t len = strcspn (gap, "=");
            if (!(why [i] = util_asprintf ("%s:%zu: missing value in column '%.*s' (the model "
                                           "was trained to drop incomplete rows)", name,
                                           ds->lines [i], (int) len, gap))) {
                util_error_context ("scoring %zu rows", n);
                goto cleanup;
            }
            continue;
        }
        good [k++] = i;
    }
    if (k > 0) {
        gsl_matrix_view Xk = gsl_matrix_submatrix (X, 0, 0, k, p);
        gsl_vector_view sk = gsl_vector_subvector (out, 0, k);
        if (mf->type == MODEL_TYPE_LOGISTIC)
            model_lr_predict (&sk.vector, mf->w, &Xk.matrix);
        else
        if (model_mlp_predict (mf->mlp, &sk.vector, &Xk.matrix))
            goto cleanup;
        for (size_t r = 0; r < k; r++)
            gsl_vector_set (scores, good [r], gsl_vector_get (out, r));
    }
    rc = (long) k;
cleanup:
    if (rc < 0)
        for (size_t i = 0; i < n; i++) {
            free (why [i]);
            why [i] = NULL;
        }
    free (good);
    if (X) gsl_matrix_free (X);
    if (out) gsl_vector_free (out);
    return rc;
}
