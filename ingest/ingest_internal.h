/*  ingest/ingest_internal.h - private to ingest/: reasons with a message. */
#ifndef INGEST_INTERNAL_H
#define INGEST_INTERNAL_H

#include "ingest.h"
#include "util/error.h"

/*  Records the message in the error slot (UTIL_ELIMIT for
    INGEST_TOO_LARGE, else UTIL_EINPUT) and returns `reason`, for decoders
    that answer with a reason code. */
ingest_reason_t ingest_reject (ingest_reason_t reason, const char *fmt, ...)
    __attribute__((format (printf, 2, 3)));

#endif
