/*  libFuzzer target for site/fhir.c: site_fhir_observation_check() on
    arbitrary payloads. Nothing may crash; the answer is always a reason. */
#include "site/fhir.h"

#include <math.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    site_observation_t o;
    site_reason_t r = site_fhir_observation_check (&o, (const char *) data, size,
                                                   "Patient/p-0042");
    if (r == SITE_OK) {
        if (!isfinite (o.value) || o.value < 0 || o.effective_ms < 0)
            abort ();
    }
    else
    if (r != SITE_BAD_FHIR && r != SITE_UNIT_MISMATCH && r != SITE_SUBJECT_MISMATCH
    &&  r != SITE_TOO_LARGE)
        abort ();
    return 0;
}
