/*  site/train.c - the integer vectors a site contributes. */
#include "train.h"
#include "util/alloc.h"
#include "models/models.h"
#include "util/error.h"
#include "fedavg.h"
#include "site.h"
#include "dp/clip.h"
#include "models/logistic.h"
#include "models/mlp.h"
#include "proto/plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

//  Standardised copy of X (see proto_z), or NULL (UTIL_ENOMEM).
static gsl_matrix *
s_standardise (const gsl_matrix *X, const double *mean, const double *std, bool clamp)
{
    gsl_matrix *Z = model_matrix_new (X->size1, X->size2, false);
    if (!Z)
        return NULL;
    for (size_t i = 0; i < X->size1; i++)
        for (size_t j = 0; j < X->size2; j++)
            gsl_matrix_set (Z, i, j, proto_z (gsl_matrix_get (X, i, j), mean [j], std [j], clamp));
    return Z;
}

static int64_t
s_positives (const model_dataset_t *ds)
{
    int64_t n = 0;
    for (size_t i = 0; i < ds->n; i++)
        n += gsl_vector_get (ds->y, i) > 0.5;
    return n;
}

//  Privacy off: sum x and sum x^2 per feature, fixed point.
static int
s_sums (int64_t *out, const model_dataset_t *ds)
{
    size_t p = ds->X->size2;
    double *s = util_calloc (p, 2 * sizeof (double));
    if (!s)
        return util_error_context ("stats");
    for (size_t i = 0; i < ds->n; i++)
        for (size_t j = 0; j < p; j++) {
            double x = gsl_matrix_get (ds->X, i, j);
            if (!isnan (x)) {
                s [j] += x;
                s [p + j] += x * x;
            }
        }
    int rc = 0;
    for (size_t j = 0; j < 2 * p && !rc; j++) {
        double v = ldexp (s [j], PROTO_OFF_BITS);
        if (!(fabs (v) < ldexp (1, PROTO_VALUE_BITS - 2)))
            rc = util_error (UTIL_ELIMIT, "stats: feature %zu: sum too large for the fixed-point range",
                             j % p);
        else
            out [j] = (int64_t) llround (v);
    }
    free (s);
    out [2 * p] = s_positives (ds);
    return rc;
}

//  unit = site: each histogram of h[0 .. len) over n rows becomes
//  floor(M h / n), nonnegative integers summing to at most M (proto/plan.h).
static void
s_normalise (int64_t *h, size_t len, size_t n)
{
    for (size_t b = 0; b < len && n; b++)
        h [b] = h [b] * PROTO_SITE_MASS / (int64_t) n;
}

static void
s_stats (int64_t *out, const model_dataset_t *ds, bool site)
{
    size_t p = ds->X->size2, per = 2 * PROTO_STATS_BINS;
    memset (out, 0, (per * p + 1) * sizeof (int64_t));
    for (size_t i = 0; i < ds->n; i++)
        for (size_t j = 0; j < p; j++) {
            double x = gsl_matrix_get (ds->X, i, j);
            if (isnan (x))
                continue;
            //  Bin k holds |x| in [2^(m + 2k), 2^(m + 2k + 2)), m = EXP_MIN;
            //  the ends take everything below and above.
            int e = x != 0? (int) floor (log2 (fabs (x))): PROTO_STATS_EXP_MIN;
            int k = e < PROTO_STATS_EXP_MIN? 0: (e - PROTO_STATS_EXP_MIN) / 2;
            if (k > PROTO_STATS_BINS - 1)
                k = PROTO_STATS_BINS - 1;
            size_t sign = x < 0? PROTO_STATS_BINS: 0;
            out [j * per + sign + (size_t) k]++;
        }
    out [per * p] = s_positives (ds);
    if (site) {
        for (size_t j = 0; j < p; j++)
            s_normalise (out + j * per, per, ds->n);
        s_normalise (out + per * p, 1, ds->n);
    }
}

//  The per-example gradients of a training round are computed, clipped
//  and summed a chunk of sampled rows at a time, so that the gradient
//  matrix (rows x parameters) never holds more than this many doubles
//  (32 MiB) however many rows are sampled: the sum is the same.
#define S_GRADIENT_CELLS ((size_t) 1 << 22)

//  Per-example gradients of the rows of Z, one row each in G (rows of Z x
//  n), at the round's parameters: mlp for an MLP (its parameters set),
//  w for logistic regression.
static int
s_gradients (gsl_matrix *G, const model_mlp_t *mlp, const gsl_vector *w, const gsl_matrix *Z,
             const gsl_vector *y)
{
    if (!mlp) {
        model_lr_per_example (G, w, Z, y);
        return 0;
    }
    return model_mlp_per_example (mlp, G, Z, y)? util_error_context ("model"): 0;
}

//  unit = site: the site's whole model delta after its local epochs,
//  clipped to C as one "example" and scaled like a record's gradient, so
//  the plan's dp_clip_sensitivity(C, f, d) bounds it (zero-out neighbours).
static int
s_train_site (int64_t *out, const model_dataset_t *ds, const proto_study_t *study,
              const proto_plan_t *plan, const Cohort__RoundStart *rs, dp_rng_t *rng)
{
    size_t n = plan->n_params;
    memset (out, 0, n * sizeof (int64_t));
    gsl_matrix *Z = s_standardise (ds->X, rs->mean, rs->std, !plan->off);
    //  Not zeroed: site_fedavg_delta writes every coordinate.
    double *delta = Z? util_malloc (n * sizeof (double)): NULL;
    //  Privacy off: plain FedAvg, a clip no delta of standardised data reaches.
    double clip = study->privacy_off? 1e6: study->clip;
    int rc = !delta? util_error_context ("local training")
           : site_fedavg_delta (delta, study, n, Z, ds->y, rs->params, rng);
    if (!rc && dp_clip_sum_fixed (delta, 1, n, clip, PROTO_FRAC_BITS, out))
        rc = util_error_context ("delta");
    free (delta);
    if (Z)
        gsl_matrix_free (Z);
    return rc;
}

static int
s_train (int64_t *out, const model_dataset_t *ds, const proto_study_t *study,
         const proto_plan_t *plan, const Cohort__RoundStart *rs, dp_rng_t *rng)
{
    if (study->unit == PROTO_UNIT_SITE)
        return s_train_site (out, ds, study, plan, rs, rng);
    size_t n = plan->n_params, p = ds->X->size2;
    memset (out, 0, n * sizeof (int64_t));
    //  Poisson sampling: each row independently with probability q, from
    //  53 uniform bits of the CSPRNG.
    size_t *idx = util_calloc (ds->n, sizeof (size_t)), k = 0;
    if (!idx)
        return util_error_context ("sampling");
    uint64_t cut = (uint64_t) ldexp (rs->sampling_rate, 53);
    for (size_t i = 0; i < ds->n; i++) {
        uint64_t u;
        if (dp_rng_u64 (rng, &u)) {
            free (idx);
            return util_error_context ("sampling");
        }
        if ((u >> 11) < cut || rs->sampling_rate >= 1)
            idx [k++] = i;
    }
    if (k == 0) {
        free (idx);
        return 0;
    }
    //  n <= the site's policy/max_params <= SITE_POLICY_PARAMS_MAX =
    //  S_GRADIENT_CELLS (site/policy.h): a chunk holds one row at least.
    size_t chunk = S_GRADIENT_CELLS / n;
    if (chunk == 0)
        chunk = 1;
    if (chunk > k)
        chunk = k;
    gsl_matrix *Z = model_matrix_new (chunk, p, false);
    gsl_vector *y = model_vector_new (chunk, false);
    //  Not zeroed: s_gradients writes every cell of the rows it is given.
    gsl_matrix *G = model_matrix_new (chunk, n, false);
    gsl_vector_const_view w = gsl_vector_const_view_array (rs->params, n);
    model_mlp_t *mlp = NULL;
    int rc = 0;
    if (!Z || !y || !G)
        rc = util_error_context ("gradient (%zu sampled rows, %zu parameters)", chunk, n);
    else
    if (study->model == PROTO_MODEL_MLP) {
        if (!(mlp = model_mlp_new (p, study->hidden, study->n_hidden, MODEL_ACT_RELU)))
            rc = util_error_context ("model");
        else
            gsl_vector_memcpy (model_mlp_params (mlp), &w.vector);
    }
    //  Privacy off: a clip no gradient of standardised data reaches.
    double clip = study->privacy_off? 1e6: study->clip;
    for (size_t at = 0; !rc && at < k; at += chunk) {
        size_t m = k - at < chunk? k - at: chunk;
        for (size_t r = 0; r < m; r++) {
            for (size_t j = 0; j < p; j++)
                gsl_matrix_set (Z, r, j, proto_z (gsl_matrix_get (ds->X, idx [at + r], j),
                                                  rs->mean [j], rs->std [j], !plan->off));
            gsl_vector_set (y, r, gsl_vector_get (ds->y, idx [at + r]));
        }
        gsl_matrix_view Zm = gsl_matrix_submatrix (Z, 0, 0, m, p);
        gsl_vector_view ym = gsl_vector_subvector (y, 0, m);
        gsl_matrix_view Gm = gsl_matrix_submatrix (G, 0, 0, m, n);
        rc = s_gradients (&Gm.matrix, mlp, &w.vector, &Zm.matrix, &ym.vector);
        //  G's rows are contiguous (tda == n): m x n, row-major.
        if (!rc && dp_clip_sum_fixed (G->data, m, n, clip, PROTO_FRAC_BITS, out))
            rc = util_error_context ("gradient");
    }
    free (idx);
    model_mlp_destroy (&mlp);
    if (G)
        gsl_matrix_free (G);
    if (Z)
        gsl_matrix_free (Z);
    if (y)
        gsl_vector_free (y);
    return rc;
}

static int
s_eval (int64_t *out, const model_dataset_t *ds, const proto_study_t *study,
        const proto_plan_t *plan, const Cohort__RoundStart *rs)
{
    memset (out, 0, 2 * PROTO_HIST_BINS * sizeof (int64_t));
    if (!ds)
        return 0;
    gsl_matrix *Z = s_standardise (ds->X, rs->mean, rs->std, !plan->off);
    gsl_vector *s = Z? model_vector_new (ds->n, false): NULL;
    gsl_vector_const_view w = gsl_vector_const_view_array (rs->params, plan->n_params);
    int rc = 0;
    if (!s)
        rc = util_error_context ("eval (%zu test rows)", ds->n);
    else
    if (study->model == PROTO_MODEL_LOGISTIC)
        model_lr_predict (s, &w.vector, Z);
    else {
        model_mlp_t *mlp = model_mlp_new (Z->size2, study->hidden, study->n_hidden,
                                          MODEL_ACT_RELU);
        if (!mlp)
            rc = util_error_context ("model");
        else {
            gsl_vector_memcpy (model_mlp_params (mlp), &w.vector);
            if (model_mlp_predict (mlp, s, Z))
                rc = util_error_context ("model");
            model_mlp_destroy (&mlp);
        }
    }
    for (size_t i = 0; !rc && i < ds->n; i++) {
        double score = gsl_vector_get (s, i);
        size_t b = score >= 1? PROTO_HIST_BINS - 1: (size_t) (score * PROTO_HIST_BINS);
        if (b >= PROTO_HIST_BINS)
            b = PROTO_HIST_BINS - 1;
        out [(gsl_vector_get (ds->y, i) > 0.5? 0: PROTO_HIST_BINS) + b]++;
    }
    //  unit = site: both label histograms together to mass M, so the
    //  site's label balance is kept and its L2 stays within M.
    if (!rc && !plan->off && study->unit == PROTO_UNIT_SITE)
        s_normalise (out, 2 * PROTO_HIST_BINS, ds->n);
    if (Z)
        gsl_matrix_free (Z);
    if (s)
        gsl_vector_free (s);
    return rc;
}

int
site_round_vector (int64_t *out, const site_data_t *data, const proto_study_t *study,
                   const proto_plan_t *plan, const Cohort__RoundStart *rs, dp_rng_t *rng)
{
    switch (rs->kind) {
        case COHORT__ROUND_KIND__ROUND_KIND_STATS:
            if (plan->off)
                return s_sums (out, data->train);
            s_stats (out, data->train, study->unit == PROTO_UNIT_SITE);
            return 0;
        case COHORT__ROUND_KIND__ROUND_KIND_TRAIN:
            return s_train (out, data->train, study, plan, rs, rng);
        case COHORT__ROUND_KIND__ROUND_KIND_EVAL:
            return s_eval (out, data->test, study, plan, rs);
        default:
            return util_error (UTIL_EINPUT, "round: unknown kind %d", (int) rs->kind);
    }
}
