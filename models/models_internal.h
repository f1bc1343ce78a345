/*  models/models_internal.h - private to models/: checked GSL allocation.

    GSL's allocators multiply the element count by the element size without
    a check (a wrapped size gives a tiny block) and, with the abort handler
    off (model_init), report failure only by returning NULL. These check the
    size first and record the failure in the error slot, like util_calloc:
    NULL with UTIL_ELIMIT (the size wraps) or UTIL_ENOMEM. GSL allocates
    with malloc itself, so util_alloc_fail_after does not reach them.
*/
#ifndef MODELS_INTERNAL_H
#define MODELS_INTERNAL_H

#include "models.h"
#include "util/alloc.h"
#include "util/error.h"

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <stdbool.h>

/*  A new vector of n doubles, zeroed if `zero`. Free with gsl_vector_free. */
gsl_vector *model_vector_new (size_t n, bool zero);

/*  A new n1 x n2 matrix, zeroed if `zero`. Free with gsl_matrix_free. */
gsl_matrix *model_matrix_new (size_t n1, size_t n2, bool zero);

#endif
