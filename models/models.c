/*  models/models.c - module set-up and per-thread errors. */
#include "models_internal.h"

#include <gsl/gsl_errno.h>
#include <stdarg.h>
#include <stdio.h>

static _Thread_local char s_error [512];

int
model_error (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (s_error, sizeof s_error, fmt, ap);
    va_end (ap);
    return -1;
}

void *
model_error_null (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (s_error, sizeof s_error, fmt, ap);
    va_end (ap);
    return NULL;
}

const char *
model_last_error (void)
{
    return s_error;
}

int
model_init (void)
{
    gsl_set_error_handler_off ();
    return 0;
}
