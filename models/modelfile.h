/*  models/modelfile.h - a trained model and its JSON file (format version 1,
    documented in docs/model-format.md).

    A model file is self-contained: it names the label, lists the features
    with their categorical levels, carries the preprocessing (missing-value
    policy, imputation means, standardisation means and standard deviations
    per encoded column) and the parameters. For logistic regression it also
    gives the intercept and coefficients on the ORIGINAL feature scale,
    named by encoded column, so the model can be applied by hand or in any
    other tool: p = sigmoid(intercept + sum coef[c] * x[c]).

    The parser is strict: unknown or missing keys, wrong types, non-finite
    numbers, inconsistent lengths, a non-positive std, a privacy record
    (training.privacy, optional) with a value out of its range, more than
    MODEL_FILE_MAX_PARAMS parameters, or original-scale coefficients that
    disagree with the standardised ones are refused with the file name, the
    JSON path of the field and a reason ("m.json: preprocessing.std[2]: must
    be a positive number"). Syntax errors give file:line:column.

    Contents
        model_type_t                logistic or mlp
        model_file_t                the whole model: label, schema,
                                    preprocessing, parameters
        model_file_new, model_file_destroy  an empty model, and frees one
        model_file_to_json          the model as JSON text
        model_file_save             the JSON written atomically
        model_file_parse            a model from JSON in memory, strictly
        model_file_load             the same from a file, under a cap
        model_file_original_scale   logistic coefficients on the raw scale

    A model owns every field it points to (model_file_destroy frees them,
    NULL-safe) and is the caller's; so is the JSON text (free). Errors are
    -1 / NULL with the reason in the error slot (util/error.h).
*/
#ifndef MODELS_MODELFILE_H
#define MODELS_MODELFILE_H

#include "models.h"
#include "dataset.h"
#include "mlp.h"

#include <gsl/gsl_vector.h>
#include <stdint.h>

#define MODEL_FILE_VERSION    1
#define MODEL_FILE_MAX_BYTES  ((size_t) 64 << 20)
#define MODEL_FILE_MAX_PARAMS ((size_t) 1 << 22)

typedef enum {
    MODEL_TYPE_LOGISTIC,
    MODEL_TYPE_MLP
} model_type_t;

/*  The differential privacy a model's training had (central DP-SGD, as
    `cohort train --epsilon` runs it): the (epsilon, delta) the accountant
    charged for the plan, and the plan. */
typedef struct {
    double epsilon;             //  > 0, spent at delta
    double delta;               //  in (0, 1)
    double noise_multiplier;    //  sigma / L2 sensitivity, > 0
    double sampling_rate;       //  Poisson rate q in (0, 1]
    uint64_t steps;             //  >= 1
    double clip;                //  per-example L2 clip, > 0
} model_privacy_t;

typedef struct {
    model_type_t type;
    char *label;                //  label column
    char *positive;             //  label texts, or both NULL for 0/1 labels
    char *negative;
    model_schema_t *schema;     //  features and encodings
    model_missing_t missing;
    gsl_vector *impute;         //  per encoded column; NULL unless IMPUTE
    gsl_vector *mean;           //  standardisation, per encoded column
    gsl_vector *std;
    double clip;                //  > 0: standardised values clamped to [-clip, clip]; 0: none
    double l2;                  //  the penalty it was trained with
    size_t train_rows;          //  rows it was trained on
    model_privacy_t *privacy;   //  trained with DP-SGD; NULL: no record
    gsl_vector *w;              //  logistic: coefficients then intercept (standardised scale)
    model_mlp_t *mlp;           //  mlp: the network
} model_file_t;

/*  An empty model owning nothing; fill the fields, then it owns them. */
model_file_t *model_file_new (void);
void model_file_destroy (model_file_t **mf_p);

/*  The model as JSON text (caller frees). NULL on error: a number that is
    not finite or a name that is not UTF-8 (UTIL_EINPUT, naming the field:
    JSON cannot hold them), or out of memory. */
char *model_file_to_json (const model_file_t *mf);

/*  Writes the JSON to `path` (atomically: a temporary file, then rename).
    Returns 0 or -1. */
int model_file_save (const model_file_t *mf, const char *path) MODEL_WUR;

/*  Strictly parses `size` bytes of JSON; `name` labels errors. Returns a
    new model or NULL. */
model_file_t *model_file_parse (const char *name, const char *data, size_t size);

/*  Reads and parses the file (at most MODEL_FILE_MAX_BYTES). */
model_file_t *model_file_load (const char *path);

/*  The logistic model on the original feature scale: coef[c] = w[c] /
    std[c], intercept = w[p] - sum_c w[c] mean[c] / std[c]. coef has
    schema->n_cols entries. */
void model_file_original_scale (const model_file_t *mf, gsl_vector *coef, double *intercept);

#endif
