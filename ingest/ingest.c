/*  ingest/ingest.c - reasons: their names, and recording one with its message. */
#include "ingest_internal.h"

#include <stdarg.h>
#include <stdio.h>

ingest_reason_t
ingest_reject (ingest_reason_t reason, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    util_verror (reason == INGEST_TOO_LARGE? UTIL_ELIMIT: UTIL_EINPUT, fmt, ap);
    va_end (ap);
    return reason;
}

const char *
ingest_reason_name (ingest_reason_t reason)
{
    static const char *names [INGEST_REASON_COUNT] = {
        [INGEST_OK]               = "accepted",
        [INGEST_BAD_TAG]          = "bad_tag",
        [INGEST_REPLAY]           = "replay",
        [INGEST_UNKNOWN_DEVICE]   = "unknown_device",
        [INGEST_REVOKED_DEVICE]   = "revoked_device",
        [INGEST_MALFORMED_FRAME]  = "malformed_frame",
        [INGEST_BAD_FHIR]         = "bad_fhir",
        [INGEST_UNIT_MISMATCH]    = "unit_mismatch",
        [INGEST_SUBJECT_MISMATCH] = "subject_mismatch",
        [INGEST_TOO_LARGE]        = "too_large",
    };
    return (unsigned) reason < INGEST_REASON_COUNT? names [reason]: "unknown";
}

bool
ingest_undecided (void)
{
    util_code_t code = util_last_code ();
    return code != UTIL_EINPUT && code != UTIL_ELIMIT;
}
