/*  site/site.c - per-thread errors and the names of ingest reasons. */
#include "site_internal.h"

#include <stdarg.h>
#include <stdio.h>

site_reason_t
site_reject (site_reason_t reason, const char *fmt, ...)
{
    char text [UTIL_ERROR_MAX];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (text, sizeof text, fmt, ap);
    va_end (ap);
    util_error (reason == SITE_TOO_LARGE? UTIL_ELIMIT: UTIL_EINPUT, "%s", text);
    return reason;
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
