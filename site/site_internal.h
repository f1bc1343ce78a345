/*  site/site_internal.h - private to site/: error reporting. */
#ifndef SITE_INTERNAL_H
#define SITE_INTERNAL_H

#include "site.h"
#include "util/error.h"

/*  Records the message like site_error and returns `reason`, for decoders
    that answer with a reason code. */
site_reason_t site_reject (site_reason_t reason, const char *fmt, ...)
    __attribute__((format (printf, 2, 3)));

#endif
