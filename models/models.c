/*  models/models.c - module set-up. */
#include "models.h"

#include <gsl/gsl_errno.h>

int
model_init (void)
{
    gsl_set_error_handler_off ();
    return 0;
}
