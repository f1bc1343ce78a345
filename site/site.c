/*  site/site.c - per-thread error messages for site/. */
#include "site.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char s_error [512];

int
site_error (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (s_error, sizeof s_error, fmt, ap);
    va_end (ap);
    return -1;
}

const char *
site_last_error (void)
{
    return s_error;
}
