/*  ingest/ucum.h - the UCUM units of the supported vital signs: which
    codes are equal, and conversion to one canonical unit per kind.

    UCUM (https://ucum.org/ucum) codes are case-sensitive. An annotation in
    curly braces is a comment and does not change the unit: `{beats}/min`
    is `/min`, and an annotation alone (`{score}`) is the unity `1`. The
    units known here, by kind, with the canonical one first:

        rate                  /min, 1/min
        percentage            %
        temperature           Cel; [degF] (F - 32) * 5/9; K (K - 273.15)
        mass concentration    mg/dL; g/L (x 100); mg/L (x 0.1); g/dL (x 1000)
        molar concentration   mmol/L; umol/L (x 0.001)
        pressure              mm[Hg]
        mass                  kg; g (x 0.001); [lb_av] (x 0.45359237);
                              [oz_av] (x 0.028349523125)

    Contents
        ingest_ucum_kind_t      the kinds above
        ingest_ucum_canonical   a kind's canonical code
        ingest_ucum_kind_of     the kind of a code (annotations stripped)
        ingest_ucum_convert     a value in a code into the canonical unit

    Nothing is allocated; strings are borrowed or static.
*/
#ifndef INGEST_UCUM_H
#define INGEST_UCUM_H

#include "ingest.h"

#define INGEST_UCUM_MAX 32              //  longest code read, in bytes

typedef enum {
    INGEST_UCUM_NONE = 0,               //  not a unit known here
    INGEST_UCUM_RATE,
    INGEST_UCUM_PERCENT,
    INGEST_UCUM_TEMPERATURE,
    INGEST_UCUM_MASS_CONCENTRATION,
    INGEST_UCUM_MOLAR_CONCENTRATION,
    INGEST_UCUM_PRESSURE,
    INGEST_UCUM_MASS
} ingest_ucum_kind_t;

/*  The canonical code of `kind` ("/min", "%", "Cel", "mg/dL", "mmol/L",
    "mm[Hg]", "kg"), or NULL for INGEST_UCUM_NONE. Static. */
const char *ingest_ucum_canonical (ingest_ucum_kind_t kind);

/*  The kind of the UCUM code `code` (at most INGEST_UCUM_MAX bytes; its
    annotations are removed first), or INGEST_UCUM_NONE if it is not one
    of the codes above or is not well formed (an unclosed brace, a brace
    inside an annotation, a character outside ASCII 33..126). */
ingest_ucum_kind_t ingest_ucum_kind_of (const char *code);

/*  Converts `value`, in the unit `code`, into the canonical unit of its
    kind: returns 0 and sets *out, or -1 if code is not a known unit of
    `kind`. */
int ingest_ucum_convert (double *out, const char *code, ingest_ucum_kind_t kind,
                         double value) INGEST_WUR;

#endif
