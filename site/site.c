/*  site/site.c - per-thread errors and the names of ingest reasons. */
#include "site_internal.h"

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

site_reason_t
site_reject (site_reason_t reason, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (s_error, sizeof s_error, fmt, ap);
    va_end (ap);
    return reason;
}

const char *
site_last_error (void)
{
    return s_error;
}

const char *
site_reason_name (site_reason_t reason)
{
    static const char *names [SITE_REASON_COUNT] = {
        [SITE_OK]               = "accepted",
        [SITE_BAD_TAG]          = "bad_tag",
        [SITE_REPLAY]           = "replay",
        [SITE_UNKNOWN_DEVICE]   = "unknown_device",
        [SITE_REVOKED_DEVICE]   = "revoked_device",
        [SITE_MALFORMED_FRAME]  = "malformed_frame",
        [SITE_BAD_FHIR]         = "bad_fhir",
        [SITE_UNIT_MISMATCH]    = "unit_mismatch",
        [SITE_SUBJECT_MISMATCH] = "subject_mismatch",
        [SITE_TOO_LARGE]        = "too_large",
    };
    return (unsigned) reason < SITE_REASON_COUNT? names [reason]: "unknown";
}

void
site_printable (char *s)
{
    for (; *s; s++)
        if ((unsigned char) *s < 0x20 || (unsigned char) *s > 0x7e)
            *s = '?';
}
