/*  libFuzzer target for ingest/fhir.c: ingest_fhir_observation_check() on
    arbitrary payloads. Nothing may crash; the answer is always a reason. */
#include "ingest/fhir.h"

#include <math.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    ingest_observation_t o;
    ingest_reason_t r = ingest_fhir_observation_check (&o, (const char *) data, size,
                                                   "Patient/p-0042");
    if (r == INGEST_OK) {
        if (!isfinite (o.value) || o.value < 0 || o.effective_ms < 0)
            abort ();
    }
    else
    if (r != INGEST_BAD_FHIR && r != INGEST_UNIT_MISMATCH && r != INGEST_SUBJECT_MISMATCH
    &&  r != INGEST_TOO_LARGE)
        abort ();
    return 0;
}
