/*  libFuzzer target for ingest/ucum.c: arbitrary unit codes. Nothing may
    crash; a code of a known kind converts as that kind and no other, to a
    finite value. */
#include "ingest/ucum.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char code [INGEST_UCUM_MAX + 8];
    if (size >= sizeof code)
        return 0;
    memcpy (code, data, size);
    code [size] = '\0';
    ingest_ucum_kind_t kind = ingest_ucum_kind_of (code);
    for (int k = INGEST_UCUM_NONE; k <= INGEST_UCUM_MASS; k++) {
        double out = 0;
        int rc = ingest_ucum_convert (&out, code, (ingest_ucum_kind_t) k, 1.5);
        if ((rc == 0) != (kind != INGEST_UCUM_NONE && (int) kind == k) || !isfinite (out))
            abort ();
    }
    return 0;
}
