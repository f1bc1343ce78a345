/*  sim/dpsgd.c - central DP-SGD for logistic regression (see dpsgd.h). */
#include "dpsgd.h"
#include "dp/accountant.h"
#include "dp/calibrate.h"
#include "dp/clip.h"
#include "dp/discrete.h"
#include "models/logistic.h"
#include "models/models.h"
#include "models/optim.h"
#include "util/alloc.h"
#include "util/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void
sim_dpsgd_defaults (sim_dpsgd_options_t *o)
{
    //  q, T and lr chosen on validation splits (30% of each 70% training
    //  split, 10 runs per setting, q 0.05..0.5, T 50..200): a setting that
    //  does well on both the breast cancer and the Pima data; C 0.1 beat
    //  0.5 and 1 on hold-outs that played no part in choosing it
    //  (docs/privacy.md, "Central DP-SGD reference").
    *o = (sim_dpsgd_options_t) {
        .epsilon = 1, .delta = 1e-5, .clip = 0.1, .sampling_rate = 0.2, .steps = 100,
        .lr = 0.05, .l2 = 0, .missing = MODEL_MISSING_DROP
    };
}

static int
s_check (const sim_dpsgd_options_t *o, size_t n_params)
{
    if (!(o->epsilon > 0) || !isfinite (o->epsilon))
        return util_error (UTIL_EINPUT, "epsilon %g: must be a positive number", o->epsilon);
    if (!(o->delta > 0 && o->delta < 1))
        return util_error (UTIL_EINPUT, "delta %g: must be in (0, 1)", o->delta);
    if (!(o->clip > 0) || !isfinite (o->clip))
        return util_error (UTIL_EINPUT, "clip %g: must be a positive number", o->clip);
    if (!(o->sampling_rate > 0 && o->sampling_rate <= 1))
        return util_error (UTIL_EINPUT, "sampling rate %g: must be in (0, 1]",
                           o->sampling_rate);
    if (o->steps < 1 || o->steps > SIM_DPSGD_STEPS_MAX)
        return util_error (UTIL_EINPUT, "steps %llu: must be in [1, %d]",
                           (unsigned long long) o->steps, SIM_DPSGD_STEPS_MAX);
    if (!(o->lr > 0) || !isfinite (o->lr))
        return util_error (UTIL_EINPUT, "learning rate %g: must be a positive number", o->lr);
    if (!(o->l2 >= 0) || !isfinite (o->l2))
        return util_error (UTIL_EINPUT, "l2 %g: must be a non-negative number", o->l2);
    if (n_params < 2 || n_params > MODEL_CSV_MAX_COLS + 1)
        return util_error (UTIL_EINPUT, "parameters %zu: must be in [2, %d]", n_params,
                           MODEL_CSV_MAX_COLS + 1);
    return 0;
}

int
sim_dpsgd_plan (sim_dpsgd_plan_t *plan, const sim_dpsgd_options_t *o, size_t n_params)
{
    if (s_check (o, n_params))
        return -1;
    double *orders = NULL;
    size_t n_orders = 0;
    sim_dpsgd_plan_t p = { 0 };
    int rc = -1;
    if (dp_orders_parse (SIM_DPSGD_ORDERS, &orders, &n_orders)
    ||  dp_calibrate_noise (o->epsilon, o->delta, o->sampling_rate, o->steps, orders, n_orders,
                            DP_CONVERSION_IMPROVED, &p.noise_multiplier)
    ||  dp_epsilon_subsampled_gaussian (o->sampling_rate, p.noise_multiplier, o->steps,
                                        o->delta, orders, n_orders, DP_CONVERSION_IMPROVED,
                                        &p.epsilon, &p.order)) {
        util_error_context ("privacy plan");
        goto cleanup;
    }
    //  The finest grid whose variance the exact sampler takes. The product
    //  is widened by a relative 1e-12 before rounding up, so that a double
    //  rounded below (z Delta)^2 can never give a smaller integer.
    for (unsigned f = SIM_DPSGD_FRAC_BITS_MAX; f >= 1 && !p.frac_bits; f--) {
        double delta = dp_clip_sensitivity (o->clip, f, n_params);
        double s2 = ceil (p.noise_multiplier * delta * p.noise_multiplier * delta
                          * (1 + 1e-12));
        if (delta > 0 && ldexp (o->clip, (int) f) <= ldexp (1, 50)
        &&  s2 >= 1 && s2 <= (double) DP_RATIONAL_MAX) {
            p.frac_bits = f;
            p.sensitivity = delta;
            p.sigma2 = (uint64_t) s2;
        }
    }
    if (!p.frac_bits) {
        util_error (UTIL_ELIMIT, "privacy plan: noise multiplier %g with clip %g is beyond the "
                    "exact sampler's range at every fixed-point grid (variance above 2^40)",
                    p.noise_multiplier, o->clip);
        goto cleanup;
    }
    *plan = p;
    rc = 0;
cleanup:
    free (orders);
    return rc;
}

int
sim_dpsgd_load (model_dataset_t **out, const model_csv_t *csv, const model_load_spec_t *spec,
                const model_dict_t *dict)
{
    *out = NULL;
    if (spec->n_categorical)
        return util_error (UTIL_EINPUT, "categorical: under DP the data dictionary says which "
                           "features are categorical (give no list)");
    if (!spec->label)
        return util_error (UTIL_EINPUT, "training needs the name of the label column");
    model_schema_t *schema = model_schema_new ();
    if (!schema)
        return util_error_context ("loading %s", model_csv_name (csv));
    size_t n = spec->features? spec->n_features: model_csv_cols (csv);
    int rc = 0;
    for (size_t k = 0; k < n && !rc; k++) {
        const char *name = spec->features? spec->features [k]: model_csv_header (csv, k);
        if (!spec->features && strcmp (name, spec->label) == 0)
            continue;
        const model_var_t *var = model_dict_find (dict, name);
        if (!var)
            rc = util_error (UTIL_EINPUT, "%s: feature %s is not in the data dictionary "
                             "(its public bounds scale it)", model_csv_name (csv), name);
        else
        if (model_var_is_categorical (var))
            rc = model_schema_add (schema, name, (const char *const *) var->levels,
                                   var->n_levels);
        else
            rc = model_schema_add (schema, name, NULL, 0);
    }
    if (!rc && schema->n_features == 0)
        rc = util_error (UTIL_EINPUT, "%s: no feature besides the label",
                         model_csv_name (csv));
    if (!rc)
        rc = model_dataset_load (out, csv, spec, schema);
    model_schema_destroy (&schema);
    return rc;
}

//  The scaling from the dictionary: mean the middle of each numeric
//  column's bounds and std half their width; a one-hot column ("a=b") 0, 1.
static int
s_scaling (model_file_t *mf, const model_dict_t *dict)
{
    for (size_t j = 0; j < mf->schema->n_cols; j++) {
        const char *name = mf->schema->col_names [j];
        double mean = 0, std = 1;
        if (!strchr (name, '=')) {
            const model_var_t *var = model_dict_find (dict, name);
            if (!var || model_var_is_categorical (var) || !(var->max > var->min))
                return util_error (UTIL_EINPUT, "feature %s: no numeric bounds in the data "
                                   "dictionary", name);
            mean = (var->min + var->max) / 2;
            std = (var->max - var->min) / 2;
        }
        gsl_vector_set (mf->mean, j, mean);
        gsl_vector_set (mf->std, j, std);
    }
    return 0;
}

//  The working set of the steps: Z and y the scaled rows of one batch, G
//  their gradients, sum the integer vector, g the gradient the optimiser
//  takes, avg the average of the iterates.
typedef struct {
    gsl_matrix *Z, *G;
    gsl_vector *y, *g, *avg;
    int64_t *sum;
    size_t *idx;
} s_work_t;

static void
s_work_free (s_work_t *w)
{
    if (w->Z) gsl_matrix_free (w->Z);
    if (w->G) gsl_matrix_free (w->G);
    if (w->y) gsl_vector_free (w->y);
    if (w->g) gsl_vector_free (w->g);
    if (w->avg) gsl_vector_free (w->avg);
    free (w->sum);
    free (w->idx);
}

//  The steps of DP-SGD on the scaled rows of ds (every row complete, every
//  value in [-1, 1]); the averaged iterate into mf->w.
static int
s_steps (model_file_t *mf, const model_dataset_t *ds, const sim_dpsgd_options_t *o,
         const sim_dpsgd_plan_t *plan, dp_rng_t *rng)
{
    size_t n = ds->n, p = ds->schema->n_cols, d = p + 1;
    s_work_t w = { 0 };
    model_optim_t *adam = NULL;
    dp_dgauss_t noise;
    dp_rational_t sigma2;
    size_t cells, bytes;
    int rc = -1;
    //  Rows times parameters is checked before the gradient block is sized
    //  by it; a batch never has more rows than the data.
    if (util_size_mul (&cells, n, d) || util_size_mul (&bytes, cells, sizeof (double))) {
        util_error (UTIL_ELIMIT, "DP-SGD: %zu rows of %zu parameters overflow", n, d);
        goto cleanup;
    }
    if (dp_rational_set (&sigma2, plan->sigma2, 1) || dp_dgauss_init (&noise, &sigma2)) {
        util_error_context ("DP-SGD noise");
        goto cleanup;
    }
    if (!(adam = model_optim_adam_new (d, o->lr, 0.9, 0.999, 1e-8)))
        goto cleanup;
    if (!(w.Z = model_matrix_new (n, p, false)) || !(w.G = model_matrix_new (n, d, false))
    ||  !(w.y = model_vector_new (n, false)) || !(w.g = model_vector_new (d, false))
    ||  !(w.avg = model_vector_new (d, true)) || !(mf->w = model_vector_new (d, true))
    ||  !(w.sum = util_calloc (d, sizeof (int64_t))) || !(w.idx = util_calloc (n, sizeof (size_t)))) {
        util_error_context ("DP-SGD (%zu rows, %zu parameters)", n, d);
        goto cleanup;
    }
    double q = o->sampling_rate;
    uint64_t cut = (uint64_t) ldexp (q, 53);
    size_t averaged = 0;
    for (uint64_t t = 1; t <= o->steps; t++) {
        //  Poisson sampling: each row with probability floor(q 2^53) / 2^53.
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t u;
            if (dp_rng_u64 (rng, &u)) {
                util_error_context ("DP-SGD sampling");
                goto cleanup;
            }
            if ((u >> 11) < cut || q >= 1)
                w.idx [k++] = i;
        }
        memset (w.sum, 0, d * sizeof (int64_t));
        if (k > 0) {
            gsl_matrix_view Zk = gsl_matrix_submatrix (w.Z, 0, 0, k, p);
            gsl_matrix_view Gk = gsl_matrix_submatrix (w.G, 0, 0, k, d);
            gsl_vector_view yk = gsl_vector_subvector (w.y, 0, k);
            for (size_t r = 0; r < k; r++) {
                gsl_vector_const_view row = gsl_matrix_const_row (ds->X, w.idx [r]);
                gsl_matrix_set_row (&Zk.matrix, r, &row.vector);
                gsl_vector_set (&yk.vector, r, gsl_vector_get (ds->y, w.idx [r]));
            }
            model_lr_per_example (&Gk.matrix, mf->w, &Zk.matrix, &yk.vector);
            //  A fresh matrix's rows are contiguous (tda == d).
            if (dp_clip_sum_fixed (w.G->data, k, d, o->clip, plan->frac_bits, w.sum)) {
                util_error_context ("DP-SGD step %llu", (unsigned long long) t);
                goto cleanup;
            }
        }
        //  The noise goes on every step, an empty batch's too.
        if (dp_dgauss_add (&noise, rng, w.sum, d)) {
            util_error_context ("DP-SGD step %llu noise", (unsigned long long) t);
            goto cleanup;
        }
        //  (noisy sum + q l2 w) / (q N): the unbiased estimate of the
        //  gradient of L / N, as the coordinator forms it (intercept free).
        for (size_t j = 0; j < d; j++)
            gsl_vector_set (w.g, j, ldexp ((double) w.sum [j], -(int) plan->frac_bits)
                                    + (j < p? q * o->l2 * gsl_vector_get (mf->w, j): 0));
        if (model_optim_step (adam, mf->w, w.g, 1 / (q * (double) n))) {
            util_error_context ("DP-SGD step %llu", (unsigned long long) t);
            goto cleanup;
        }
        if (2 * t > o->steps) {
            averaged++;
            for (size_t j = 0; j < d; j++) {
                double a = gsl_vector_get (w.avg, j);
                gsl_vector_set (w.avg, j, a + (gsl_vector_get (mf->w, j) - a)
                                              / (double) averaged);
            }
        }
    }
    gsl_vector_memcpy (mf->w, w.avg);
    rc = 0;
cleanup:
    s_work_free (&w);
    model_optim_destroy (&adam);
    return rc;
}

model_file_t *
sim_dpsgd_train (const model_dataset_t *ds_in, const model_load_spec_t *spec,
                 const model_dict_t *dict, const sim_dpsgd_options_t *o, dp_rng_t *rng,
                 sim_dpsgd_plan_t *plan_out, size_t *dropped)
{
    if (!ds_in->y || !spec->label)
        return util_error_null (UTIL_EINPUT, "training needs a label");
    size_t p = ds_in->schema->n_cols;
    sim_dpsgd_plan_t plan;
    if (sim_dpsgd_plan (&plan, o, p + 1))
        return NULL;
    model_dataset_t *ds = NULL;
    model_file_t *mf = model_file_new ();
    size_t *all = util_calloc (ds_in->n, sizeof *all);
    if (!mf || !all) {
        util_error_context ("training");
        goto fail;
    }
    for (size_t i = 0; i < ds_in->n; i++)
        all [i] = i;
    if (!(ds = model_dataset_subset (ds_in, all, ds_in->n)))
        goto fail;
    mf->type = MODEL_TYPE_LOGISTIC;
    mf->missing = o->missing;
    mf->l2 = o->l2;
    mf->clip = 1;
    if (!(mf->label = util_strdup (spec->label))
    ||  (spec->positive && !(mf->positive = util_strdup (spec->positive)))
    ||  (spec->negative && !(mf->negative = util_strdup (spec->negative)))
    ||  !(mf->schema = model_schema_dup (ds->schema))
    ||  !(mf->mean = model_vector_new (p, false))
    ||  !(mf->std = model_vector_new (p, false))
    ||  !(mf->privacy = util_calloc (1, sizeof *mf->privacy))) {
        util_error_context ("training");
        goto fail;
    }
    if (s_scaling (mf, dict))
        goto fail;
    if (o->missing == MODEL_MISSING_IMPUTE) {
        //  The middle of the bounds: public, so imputing spends nothing.
        if (!(mf->impute = model_vector_new (p, false))) {
            util_error_context ("training");
            goto fail;
        }
        gsl_vector_memcpy (mf->impute, mf->mean);
        model_dataset_impute (ds, mf->impute);
    }
    size_t gone = 0;
    if (model_dataset_drop_incomplete (ds, &gone))
        goto fail;
    model_dataset_standardise (ds, mf->mean, mf->std);
    for (size_t i = 0; i < ds->n; i++)
        for (size_t j = 0; j < p; j++) {
            double z = gsl_matrix_get (ds->X, i, j);
            gsl_matrix_set (ds->X, i, j, z < -1? -1: z > 1? 1: z);
        }
    mf->train_rows = ds->n;
    if (s_steps (mf, ds, o, &plan, rng))
        goto fail;
    *mf->privacy = (model_privacy_t) {
        .epsilon = plan.epsilon, .delta = o->delta, .noise_multiplier = plan.noise_multiplier,
        .sampling_rate = o->sampling_rate, .steps = o->steps, .clip = o->clip
    };
    if (plan_out)
        *plan_out = plan;
    if (dropped)
        *dropped = gone;
    free (all);
    model_dataset_destroy (&ds);
    return mf;
fail:
    free (all);
    model_dataset_destroy (&ds);
    model_file_destroy (&mf);
    return NULL;
}
