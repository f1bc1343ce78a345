/*  ingest/ucum.c - UCUM units of the supported vital signs (ingest/ucum.h). */
#include "ucum.h"

#include <string.h>

typedef struct {
    const char *code;
    ingest_ucum_kind_t kind;
    double scale, offset;       //  canonical = value * scale + offset
} unit_t;

static const unit_t s_units [] = {
    { "/min",    INGEST_UCUM_RATE,                1, 0 },
    { "1/min",   INGEST_UCUM_RATE,                1, 0 },
    { "%",       INGEST_UCUM_PERCENT,             1, 0 },
    { "Cel",     INGEST_UCUM_TEMPERATURE,         1, 0 },
    { "[degF]",  INGEST_UCUM_TEMPERATURE,         5.0 / 9.0, -32.0 * 5.0 / 9.0 },
    { "K",       INGEST_UCUM_TEMPERATURE,         1, -273.15 },
    { "mg/dL",   INGEST_UCUM_MASS_CONCENTRATION,  1, 0 },
    { "g/L",     INGEST_UCUM_MASS_CONCENTRATION,  100, 0 },
    { "mg/L",    INGEST_UCUM_MASS_CONCENTRATION,  0.1, 0 },
    { "g/dL",    INGEST_UCUM_MASS_CONCENTRATION,  1000, 0 },
    { "mmol/L",  INGEST_UCUM_MOLAR_CONCENTRATION, 1, 0 },
    { "umol/L",  INGEST_UCUM_MOLAR_CONCENTRATION, 0.001, 0 },
    { "mm[Hg]",  INGEST_UCUM_PRESSURE,            1, 0 },
    { "kg",      INGEST_UCUM_MASS,                1, 0 },
    { "g",       INGEST_UCUM_MASS,                0.001, 0 },
    { "[lb_av]", INGEST_UCUM_MASS,                0.45359237, 0 },
    { "[oz_av]", INGEST_UCUM_MASS,                0.028349523125, 0 },
};
#define S_NUNITS (sizeof s_units / sizeof s_units [0])

const char *
ingest_ucum_canonical (ingest_ucum_kind_t kind)
{
    //  The table lists each kind's canonical unit first.
    for (size_t i = 0; i < S_NUNITS; i++)
        if (s_units [i].kind == kind)
            return s_units [i].code;
    return NULL;
}

//  `code` without its annotations into out; "1" if nothing else is left.
//  Returns 0, or -1 if it is not well formed.
static int
s_strip (char out [INGEST_UCUM_MAX + 1], const char *code)
{
    size_t len = code? strnlen (code, INGEST_UCUM_MAX + 1): 0, n = 0;
    if (len == 0 || len > INGEST_UCUM_MAX)
        return -1;
    bool in = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) code [i];
        if (c < 33 || c > 126 || (in && c == '{'))
            return -1;
        if (c == '{')
            in = true;
        else
        if (c == '}') {
            if (!in)
                return -1;
            in = false;
        }
        else
        if (!in)
            out [n++] = (char) c;
    }
    if (in)
        return -1;
    out [n] = '\0';
    //  An annotation alone is the unity (UCUM s.12).
    if (n == 0)
        strcpy (out, "1");
    return 0;
}

static const unit_t *
s_find (const char *code)
{
    char plain [INGEST_UCUM_MAX + 1];
    if (s_strip (plain, code))
        return NULL;
    for (size_t i = 0; i < S_NUNITS; i++)
        if (strcmp (plain, s_units [i].code) == 0)
            return &s_units [i];
    return NULL;
}

ingest_ucum_kind_t
ingest_ucum_kind_of (const char *code)
{
    const unit_t *u = s_find (code);
    return u? u->kind: INGEST_UCUM_NONE;
}

int
ingest_ucum_convert (double *out, const char *code, ingest_ucum_kind_t kind, double value)
{
    const unit_t *u = s_find (code);
    if (!u || u->kind != kind)
        return -1;
    *out = value * u->scale + u->offset;
    return 0;
}
