/*  models/models.c - module set-up and checked GSL allocation. */
#include "models.h"
#include "models_internal.h"

#include <gsl/gsl_errno.h>

int
model_init (void)
{
    gsl_set_error_handler_off ();
    return 0;
}

gsl_vector *
model_vector_new (size_t n, bool zero)
{
    size_t bytes;
    if (util_size_mul (&bytes, n, sizeof (double)) || util_alloc_fault ())
        return NULL;
    gsl_vector *v = zero? gsl_vector_calloc (n): gsl_vector_alloc (n);
    if (!v)
        return util_error_null (UTIL_ENOMEM, "out of memory (a vector of %zu numbers)", n);
    return v;
}

gsl_matrix *
model_matrix_new (size_t n1, size_t n2, bool zero)
{
    size_t cells, bytes;
    if (util_size_mul (&cells, n1, n2) || util_size_mul (&bytes, cells, sizeof (double))
    ||  util_alloc_fault ())
        return NULL;
    gsl_matrix *m = zero? gsl_matrix_calloc (n1, n2): gsl_matrix_alloc (n1, n2);
    if (!m)
        return util_error_null (UTIL_ENOMEM, "out of memory (a %zu x %zu matrix)", n1, n2);
    return m;
}
