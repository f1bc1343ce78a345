/*  site/site_internal.h - private to site/: error reporting. */
#ifndef SITE_INTERNAL_H
#define SITE_INTERNAL_H

#include "site.h"

/*  Records a printf-style message as this thread's last error. Returns -1 so
    that `return site_error ("...")` reads naturally. */
int site_error (const char *fmt, ...) __attribute__((format (printf, 1, 2)));

/*  Records the message like site_error and returns `reason`, for decoders
    that answer with a reason code. */
site_reason_t site_reject (site_reason_t reason, const char *fmt, ...)
    __attribute__((format (printf, 2, 3)));

/*  Replaces every byte of `s` outside printable ASCII with '?', so that a
    message quoting untrusted input (possibly cut inside a UTF-8 sequence)
    is always valid JSON text. */
void site_printable (char *s);

#endif
