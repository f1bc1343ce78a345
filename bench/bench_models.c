/*  bench/bench_models.c - bench_models (`cohort bench models`):
    per-example gradients of logistic regression and of a 30-64-1 MLP,
    their clipped sums (the DP primitive), and training logistic
    regression, on the breast cancer data (569 rows, 30 features,
    standardised). */
#include "bench.h"
#include "models/models.h"
#include "util/error.h"
#include "models/logistic.h"
#include "models/mlp.h"
#include "models/pipeline.h"

#include <stdlib.h>
#include <string.h>

typedef enum { S_LR_GRAD, S_LR_CLIP, S_MLP_GRAD, S_MLP_CLIP } s_what_t;

//  Rows per second of one gradient kind, repeated for at least `seconds`.
static double
s_rate (s_what_t what, const model_dataset_t *ds, model_mlp_t *mlp, const gsl_vector *w,
        double seconds)
{
    size_t n = ds->n;
    size_t P = what == S_LR_GRAD || what == S_LR_CLIP? w->size: model_mlp_n_params (mlp);
    gsl_matrix *G = model_matrix_new (n, P, false);
    gsl_vector *sum = model_vector_new (P, false);
    if (!G || !sum) {
        if (G) gsl_matrix_free (G);
        if (sum) gsl_vector_free (sum);
        return util_error (UTIL_ENOMEM, "out of memory for %zu x %zu gradients", n, P);
    }
    size_t reps = 0;
    double t0 = bench_now (), elapsed = 0;
    int failed = 0;
    do {
        switch (what) {
            case S_LR_GRAD:  model_lr_per_example (G, w, ds->X, ds->y); break;
            case S_LR_CLIP:  model_lr_clipped_sum (sum, w, ds->X, ds->y, 1.0, NULL); break;
            case S_MLP_GRAD: failed |= model_mlp_per_example (mlp, G, ds->X, ds->y); break;
            case S_MLP_CLIP: failed |= model_mlp_clipped_sum (mlp, sum, ds->X, ds->y, 1.0, NULL);
                             break;
        }
        reps++;
        elapsed = bench_now () - t0;
    } while (elapsed < seconds);
    gsl_matrix_free (G);
    gsl_vector_free (sum);
    return failed? -1: (double) (reps * n) / elapsed;
}

void
bench_models_defaults (bench_models_options_t *o)
{
    *o = (bench_models_options_t) {
        .data = COHORT_DATASETS_DIR "/breast_cancer_wisconsin.csv", .quick = false };
}

json_t *
bench_models (const bench_models_options_t *o)
{
    double seconds = o->quick? 0.01: 1.0;
    model_init ();
    model_csv_t *csv = NULL;
    model_dataset_t *ds = NULL;
    model_file_t *mf = NULL;
    model_mlp_t *mlp = NULL;
    gsl_vector *mean = NULL, *std = NULL;
    json_t *report = NULL;
    model_load_spec_t spec = { .label = "malignant" };
    if (model_csv_load (&csv, o->data, 0) || model_dataset_load (&ds, csv, &spec, NULL))
        goto cleanup;
    //  Training time covers preprocessing and Newton, not reading the file.
    model_train_opts_t opts;
    model_train_defaults (&opts, MODEL_TYPE_LOGISTIC);
    double t0 = bench_now ();
    mf = model_train (ds, &spec, &opts, NULL);
    double train_ms = (bench_now () - t0) * 1e3;
    size_t p = ds->schema->n_cols;
    size_t hidden [] = { 64 };
    mlp = model_mlp_new (p, hidden, 1, MODEL_ACT_RELU);
    mean = model_vector_new (p, false);
    std = model_vector_new (p, false);
    if (!mf || !mlp || !mean || !std || model_dataset_column_stats (ds, mean, std)) {
        if (mf && mlp && (!mean || !std))
            util_error (UTIL_ENOMEM, "out of memory");
        goto cleanup;
    }
    model_dataset_standardise (ds, mean, std);
    model_mlp_init (mlp, 1);
    double lr_grad = s_rate (S_LR_GRAD, ds, NULL, mf->w, seconds);
    double lr_clip = s_rate (S_LR_CLIP, ds, NULL, mf->w, seconds);
    double mlp_grad = s_rate (S_MLP_GRAD, ds, mlp, NULL, seconds);
    double mlp_clip = s_rate (S_MLP_CLIP, ds, mlp, NULL, seconds);
    if (lr_grad < 0 || lr_clip < 0 || mlp_grad < 0 || mlp_clip < 0)
        goto cleanup;
    char network [64];
    snprintf (network, sizeof network, "%zu-64-1 relu", p);
    report = json_pack ("{s:I, s:I, s:s, s:I, s:f, s:f, s:f, s:f, s:f}",
        "rows", (json_int_t) ds->n, "features", (json_int_t) p,
        "mlp_network", network, "mlp_params", (json_int_t) model_mlp_n_params (mlp),
        "lr_per_example_grad_rows_per_s", lr_grad,
        "lr_clipped_sum_rows_per_s", lr_clip,
        "mlp_per_example_grad_rows_per_s", mlp_grad,
        "mlp_clipped_sum_rows_per_s", mlp_clip,
        "train_lr_ms", train_ms);
    if (!report)
        util_error (UTIL_ENOMEM, "out of memory building the report");
cleanup:
    if (mean) gsl_vector_free (mean);
    if (std) gsl_vector_free (std);
    model_mlp_destroy (&mlp);
    model_file_destroy (&mf);
    model_dataset_destroy (&ds);
    model_csv_destroy (&csv);
    return report;
}
