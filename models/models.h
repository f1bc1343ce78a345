/*  models/models.h - module set-up for models/: datasets on GSL,
    logistic regression, MLP, optimisers, metrics and the model file.

    Call model_init() once at start-up: it turns GSL's default error handler
    (which calls abort()) off, so that no GSL routine can end the process on
    bad numbers; every GSL status is checked where it is returned.

    Every model_ function that can fail returns -1 (or NULL) and leaves one
    line describing what went wrong, in the error slot
    (util/error.h). For
    untrusted input the line names the place: "file.csv:12:7: ...". The
    message is per thread and valid until the next failing model_ call.
*/
#ifndef MODELS_MODELS_H
#define MODELS_MODELS_H

#include <stddef.h>

#define MODEL_WUR __attribute__((warn_unused_result))

/*  Switches GSL's abort-on-error handler off. Idempotent. Returns 0. */
int model_init (void);

#endif
