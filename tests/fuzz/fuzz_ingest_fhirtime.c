/*  libFuzzer target for ingest/fhirtime.c: every kind on arbitrary text.
    Nothing may crash; what is read is a non-empty interval, the same
    start for each kind that reads it, and an instant has a time. */
#include "ingest/fhirtime.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char text [INGEST_FHIRTIME_MAX + 8];
    if (size >= sizeof text)
        return 0;
    memcpy (text, data, size);
    text [size] = '\0';
    ingest_fhirtime_t t [3];
    int ok [3];
    for (int k = 0; k < 3; k++) {
        ok [k] = ingest_fhirtime_parse (&t [k], text, (ingest_fhirtime_kind_t) k) == 0;
        if (ok [k] && t [k].end_ms <= t [k].start_ms)
            abort ();
    }
    //  An instant is a dateTime; a date is a dateTime without a time.
    if ((ok [INGEST_FHIRTIME_INSTANT] && !ok [INGEST_FHIRTIME_DATETIME])
    ||  (ok [INGEST_FHIRTIME_DATE] && !ok [INGEST_FHIRTIME_DATETIME])
    ||  (ok [INGEST_FHIRTIME_INSTANT] && !t [INGEST_FHIRTIME_INSTANT].has_time)
    ||  (ok [INGEST_FHIRTIME_DATE] && t [INGEST_FHIRTIME_DATE].has_time))
        abort ();
    if (ok [INGEST_FHIRTIME_INSTANT]
    &&  t [INGEST_FHIRTIME_INSTANT].start_ms != t [INGEST_FHIRTIME_DATETIME].start_ms)
        abort ();
    return 0;
}
