/*  models/models.h - the models room: datasets on GSL, logistic
    regression, an MLP, optimisers, metrics and the model file. This header
    sets the room up; the modules:

        models/csv.h        a strict CSV reader (each cell with its
                            line:column)
        models/dataset.h    datasets from a CSV table: schema, one-hot
                            encoding, missing values, standardising, split
        models/dictionary.h the consortium's data dictionary: public
                            bounds, types and levels of every variable
        models/logistic.h   L2-regularised logistic regression: loss,
                            gradients, clipped sums, Newton
        models/mlp.h        a multilayer perceptron on flat parameters
        models/optim.h      SGD with momentum, and Adam
        models/metrics.h    AUC, accuracy, log-loss, Brier, calibration,
                            exact or from DP histograms
        models/modelfile.h  a trained model and its JSON file
        models/pipeline.h   training and scoring end to end

    Contents
        model_init          switches GSL's abort-on-error handler off
        MODEL_WUR           marks a result the caller must check
        model_vector_new,   checked GSL vectors and matrices (sizes checked,
        model_matrix_new    failures recorded, fault injection reaches them)

    Call model_init() once at start-up: it turns GSL's default error handler
    (which calls abort()) off, so that no GSL routine can end the process on
    bad numbers; every GSL status is checked where it is returned.

    Objects from a _new, _load, _parse or model_train are the caller's (the
    matching _destroy, NULL-safe); what an accessor returns is borrowed from
    its object. Every model_ function that can fail returns -1 (or NULL) with
    the reason in the error slot (util/error.h). For untrusted input the
    line names the place: "file.csv:12:7: ...".
*/
#ifndef MODELS_MODELS_H
#define MODELS_MODELS_H

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <stdbool.h>
#include <stddef.h>

#define MODEL_WUR __attribute__((warn_unused_result))

/*  Switches GSL's abort-on-error handler off. Idempotent. Returns 0. */
int model_init (void);

/*  Checked GSL allocation, for every room. GSL's allocators multiply the
    element count by the element size without a check (a wrapped size gives
    a tiny block) and, with the abort handler off (model_init), report
    failure only by returning NULL. These check the size first, take part
    in the fault injector's walks (util_alloc_fault), and record a failure
    in the error slot like util_calloc: NULL with UTIL_ELIMIT (the size
    wraps) or UTIL_ENOMEM. */
/*  A new vector of n doubles, zeroed if `zero`. Free with gsl_vector_free. */
gsl_vector *model_vector_new (size_t n, bool zero);

/*  A new n1 x n2 matrix, zeroed if `zero`. Free with gsl_matrix_free. */
gsl_matrix *model_matrix_new (size_t n1, size_t n2, bool zero);

#endif
