/*  libFuzzer target for ingest/fhir.c: ingest_fhir_observation_check() and
    ingest_fhir_observation_for() (a patient with identifiers, and form
    only) on arbitrary payloads. Nothing may crash; the answer is always a
    reason, and an accepted reading is finite and >= 0. */
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
    static const char *const ids [] = { "urn:ietf:rfc:3986|urn:uuid:0", "http://h/mrn|1" };
    ingest_patient_t patient = { "p-0042", ids, 2 };
    for (int pass = 0; pass < 3; pass++) {
        if (pass)
            r = ingest_fhir_observation_for (&o, (const char *) data, size,
                                             pass == 1? &patient: NULL);
        if (r == INGEST_OK) {
            if (!isfinite (o.value) || o.value < 0 || !isfinite (o.diastolic)
            ||  o.diastolic < 0 || o.censored != (o.comparator [0] != '\0'))
                abort ();
        }
        else
        if (r != INGEST_BAD_FHIR && r != INGEST_UNIT_MISMATCH && r != INGEST_SUBJECT_MISMATCH
        &&  r != INGEST_TOO_LARGE)
            abort ();
    }
    return 0;
}
