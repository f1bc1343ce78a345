/*  models/pipeline.h - training and scoring end to end: a raw dataset in, a
    model file out; a model file and a dataset in, one score per row out.

    Training (model_train):
      1. missing values: MISSING_DROP removes incomplete rows; MISSING_IMPUTE
         fills each with the column mean of the training rows (stored in the
         model, so that prediction imputes the same values);
      2. standardisation of every encoded column with the training mean and
         population std (stored in the model);
      3. logistic: Newton/IRLS from zero to a step below 1e-10, minimising
         sum logloss + (l2/2)||w||^2 (intercept free); l2 = 1/C matches
         scikit-learn's LogisticRegression(C). mlp: Glorot init from the
         seed, then Adam (lr, 0.9, 0.999, 1e-8) on shuffled minibatches,
         each step the gradient of (1/n) of the same objective.
    Everything is deterministic given the seed.

    Contents
        model_train_opts_t      model type, missing-value policy, penalty,
                                MLP shape and schedule, seed
        model_train_defaults    the defaults for a model type
        model_train             a dataset in, a trained model out
        model_load_for          a CSV table loaded against a model's schema
        model_score             one score (or a reason) per row

    The model model_train returns and the dataset model_load_for makes are
    the caller's (model_file_destroy, model_dataset_destroy); the training
    data and the spec are only read. model_score's reasons are new strings
    the caller frees (none are left on failure). Errors are -1 / NULL with
    the reason in the error slot (util/error.h).
*/
#ifndef MODELS_PIPELINE_H
#define MODELS_PIPELINE_H

#include "models.h"
#include "dataset.h"
#include "mlp.h"
#include "modelfile.h"

#include <gsl/gsl_vector.h>

typedef struct {
    model_type_t type;
    model_missing_t missing;
    double l2;                          //  >= 0
    size_t hidden [MODEL_MLP_MAX_HIDDEN];   //  mlp only
    size_t n_hidden;
    model_activation_t activation;
    size_t epochs;                      //  mlp: passes over the data, >= 1
    double lr;                          //  mlp: Adam step size, > 0
    size_t batch;                       //  mlp: minibatch rows, >= 1
    unsigned long seed;                 //  mlp: init and shuffling
} model_train_opts_t;

/*  The defaults: missing drop; l2 1 for logistic (scikit-learn's C = 1),
    10 for mlp; MLP one hidden layer of 32 ReLU units, 100 epochs, lr 0.005,
    batch 32, seed 1. */
void model_train_defaults (model_train_opts_t *opts, model_type_t type);

/*  Trains on `ds` (as loaded: NaN for missing, unscaled; not modified).
    `spec` gives the label's column and values for the model file. On
    success returns the model; *dropped (may be NULL) gets the rows removed
    by MISSING_DROP. NULL on error. */
model_file_t *model_train (const model_dataset_t *ds, const model_load_spec_t *spec,
                           const model_train_opts_t *opts, size_t *dropped);

/*  Loads `csv` against the model's features and encodings, with the label
    if `with_label`. Same contract as model_dataset_load. */
int model_load_for (model_dataset_t **out, const model_csv_t *csv, const model_file_t *mf,
                    bool with_label) MODEL_WUR;

/*  Scores every row of `ds` (loaded with model_load_for) in order. A row
    that cannot be scored (an unknown category; a missing value in a model
    that drops incomplete rows) gets NAN in scores and a reason in why[i]
    ("file:line: ...", caller frees); others get why[i] = NULL. `name` is
    the data file's name for those reasons. Returns the number of rows
    scored, or -1 on error. */
long model_score (const model_file_t *mf, const model_dataset_t *ds, const char *name,
                  gsl_vector *scores, char **why);

#endif
