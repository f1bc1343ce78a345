/*  ingest/fhir.c - FHIR R4 vital-sign Observation validation (jansson). */
#include "fhir.h"
#include "frame.h"
#include "ingest_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define S_LOINC "http://loinc.org"
#define S_UCUM  "http://unitsofmeasure.org"

typedef struct {
    const char *code;
    ingest_vital_t vital;
    const char *units [3];      //  accepted UCUM codes, NULL-terminated
    double max;                 //  largest plausible value (a percentage: 100)
} vital_spec_t;

static const vital_spec_t s_vitals [] = {
    { "8867-4",  INGEST_VITAL_HEART_RATE,       { "/min", NULL },          INFINITY },
    { "2708-6",  INGEST_VITAL_SPO2,             { "%", NULL },             100 },
    { "59408-5", INGEST_VITAL_SPO2,             { "%", NULL },             100 },
    { "8310-5",  INGEST_VITAL_BODY_TEMPERATURE, { "Cel", "[degF]", NULL }, INFINITY },
    { "2339-0",  INGEST_VITAL_GLUCOSE,          { "mg/dL", NULL },         INFINITY },
    { "85354-9", INGEST_VITAL_BLOOD_PRESSURE,   { NULL },                  INFINITY },
};
static const vital_spec_t s_systolic  = { "8480-6", INGEST_VITAL_BLOOD_PRESSURE,
                                          { "mm[Hg]", NULL }, INFINITY };
static const vital_spec_t s_diastolic = { "8462-4", INGEST_VITAL_BLOOD_PRESSURE,
                                          { "mm[Hg]", NULL }, INFINITY };

//  Finds in `code` (a CodeableConcept) the first LOINC coding whose code is
//  one of specs[0..n). Returns its spec, or NULL.
static const vital_spec_t *
s_match (json_t *code, const vital_spec_t *specs, size_t n)
{
    json_t *coding = json_object_get (code, "coding");
    size_t i;
    json_t *c;
    json_array_foreach (coding, i, c) {
        const char *system = json_string_value (json_object_get (c, "system"));
        const char *value = json_string_value (json_object_get (c, "code"));
        if (!system || !value || strcmp (system, S_LOINC) != 0)
            continue;
        for (size_t k = 0; k < n; k++)
            if (strcmp (value, specs [k].code) == 0)
                return &specs [k];
    }
    return NULL;
}

//  Checks a valueQuantity against `spec`; `where` names it in messages.
static ingest_reason_t
s_quantity (json_t *q, const vital_spec_t *spec, const char *where, double *value,
            char unit [16])
{
    if (!json_is_object (q))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: %s.valueQuantity is missing", where);
    json_t *v = json_object_get (q, "value");
    if (!json_is_number (v) || !isfinite (json_number_value (v)))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: %s.valueQuantity.value must be a number",
                              where);
    double x = json_number_value (v);
    if (x < 0 || x > spec->max)
        return ingest_reject (INGEST_BAD_FHIR, "fhir: %s.valueQuantity.value %g is out of range "
                              "for LOINC %s", where, x, spec->code);
    const char *system = json_string_value (json_object_get (q, "system"));
    const char *code = json_string_value (json_object_get (q, "code"));
    if (!system || strcmp (system, S_UCUM) != 0)
        return ingest_reject (INGEST_UNIT_MISMATCH, "fhir: %s.valueQuantity.system must be %s",
                              where, S_UCUM);
    for (int k = 0; code && spec->units [k]; k++)
        if (strcmp (code, spec->units [k]) == 0) {
            *value = x;
            snprintf (unit, 16, "%s", code);
            return INGEST_OK;
        }
    return ingest_reject (INGEST_UNIT_MISMATCH, "fhir: %s.valueQuantity.code '%s' is not a UCUM "
                          "unit for LOINC %s (want %s%s%s)", where, code? code: "(none)",
                          spec->code, spec->units [0], spec->units [1]? " or ": "",
                          spec->units [1]? spec->units [1]: "");
}

static bool
s_digits (const char *s, int n, int *out)
{
    *out = 0;
    for (int i = 0; i < n; i++) {
        if (s [i] < '0' || s [i] > '9')
            return false;
        *out = *out * 10 + (s [i] - '0');
    }
    return true;
}

int
ingest_fhir_datetime (const char *s, int64_t *ms)
{
    int y, mo, d, h, mi, sec, zh = 0, zm = 0;
    size_t len = strlen (s);
    if (len < 20 || !s_digits (s, 4, &y) || s [4] != '-' || !s_digits (s + 5, 2, &mo)
    ||  s [7] != '-' || !s_digits (s + 8, 2, &d) || s [10] != 'T'
    ||  !s_digits (s + 11, 2, &h) || s [13] != ':' || !s_digits (s + 14, 2, &mi)
    ||  s [16] != ':' || !s_digits (s + 17, 2, &sec))
        return -1;
    const char *p = s + 19;
    int frac_ms = 0;
    if (*p == '.') {
        int digits = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, digits++)
            if (digits < 3)
                frac_ms = frac_ms * 10 + (*p - '0');
        if (digits == 0 || digits > 9)
            return -1;
        for (; digits < 3; digits++)
            frac_ms *= 10;
    }
    int sign = 0;
    if (strcmp (p, "Z") == 0)
        sign = 0;
    else
    if ((*p == '+' || *p == '-') && strlen (p) == 6 && s_digits (p + 1, 2, &zh)
    &&  p [3] == ':' && s_digits (p + 4, 2, &zm) && zh <= 14 && zm <= 59)
        sign = *p == '+'? 1: -1;
    else
        return -1;
    static const int mdays [] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1
    ||  d > mdays [mo - 1] + (mo == 2 && leap) || h > 23 || mi > 59 || sec > 59)
        return -1;
    struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                     .tm_hour = h, .tm_min = mi, .tm_sec = sec };
    int64_t t = (int64_t) timegm (&tm) - (int64_t) sign * (zh * 3600 + zm * 60);
    if (t < 0)
        return -1;
    *ms = t * 1000 + frac_ms;
    return 0;
}

//  The blood-pressure panel: exactly one systolic and one diastolic.
static ingest_reason_t
s_blood_pressure (json_t *root, ingest_observation_t *o)
{
    if (json_object_get (root, "valueQuantity"))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: a blood-pressure panel (85354-9) carries "
                              "its values in component[], not valueQuantity");
    json_t *components = json_object_get (root, "component");
    if (!json_is_array (components))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: component[] is missing for 85354-9");
    bool have_sys = false, have_dia = false;
    size_t i;
    json_t *c;
    json_array_foreach (components, i, c) {
        char where [32];
        snprintf (where, sizeof where, "component[%zu]", i);
        const vital_spec_t *spec = s_match (json_object_get (c, "code"), &s_systolic, 1);
        bool sys = spec != NULL;
        if (!spec)
            spec = s_match (json_object_get (c, "code"), &s_diastolic, 1);
        if (!spec)
            continue;
        if ((sys && have_sys) || (!sys && have_dia))
            return ingest_reject (INGEST_BAD_FHIR, "fhir: %s repeats LOINC %s", where, spec->code);
        ingest_reason_t r = s_quantity (json_object_get (c, "valueQuantity"), spec, where,
                                      sys? &o->value: &o->diastolic, o->unit);
        if (r != INGEST_OK)
            return r;
        if (sys)
            have_sys = true;
        else
            have_dia = true;
    }
    if (!have_sys || !have_dia)
        return ingest_reject (INGEST_BAD_FHIR, "fhir: blood-pressure panel needs components "
                              "8480-6 and 8462-4");
    return INGEST_OK;
}

static ingest_reason_t
s_check (json_t *root, ingest_observation_t *o, const char *patient_ref)
{
    if (!json_is_object (root))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: the payload is not a JSON object");
    const char *type = json_string_value (json_object_get (root, "resourceType"));
    if (!type || strcmp (type, "Observation") != 0)
        return ingest_reject (INGEST_BAD_FHIR, "fhir: resourceType must be \"Observation\"");
    const char *status = json_string_value (json_object_get (root, "status"));
    if (!status || (strcmp (status, "final") && strcmp (status, "amended")
                 && strcmp (status, "corrected") && strcmp (status, "preliminary")))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: status must be final, amended, corrected or "
                              "preliminary");
    const vital_spec_t *spec = s_match (json_object_get (root, "code"), s_vitals,
                                        sizeof s_vitals / sizeof s_vitals [0]);
    if (!spec)
        return ingest_reject (INGEST_BAD_FHIR, "fhir: code.coding has no supported LOINC code");
    const char *subject = json_string_value (json_object_get (json_object_get (root, "subject"),
                                                              "reference"));
    if (!subject)
        return ingest_reject (INGEST_BAD_FHIR, "fhir: subject.reference is missing");
    if (!patient_ref || strcmp (subject, patient_ref) != 0)
        return ingest_reject (INGEST_SUBJECT_MISMATCH, "fhir: subject.reference '%.64s' is not the "
                              "device's patient", subject);
    json_t *when = json_object_get (root, "effectiveDateTime");
    const char *field = "effectiveDateTime";
    if (!when) {
        when = json_object_get (root, "effectiveInstant");
        field = "effectiveInstant";
    }
    if (!json_is_string (when)
    ||  ingest_fhir_datetime (json_string_value (when), &o->effective_ms))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: %s must be a date and time with seconds and "
                              "a zone, from 1970 on", field);
    o->vital = spec->vital;
    snprintf (o->loinc, sizeof o->loinc, "%s", spec->code);
    if (spec->vital == INGEST_VITAL_BLOOD_PRESSURE)
        return s_blood_pressure (root, o);
    o->diastolic = 0;
    return s_quantity (json_object_get (root, "valueQuantity"), spec, "Observation",
                       &o->value, o->unit);
}

ingest_reason_t
ingest_fhir_observation_check (ingest_observation_t *out, const char *json, size_t len,
                             const char *patient_ref)
{
    if (len > INGEST_PAYLOAD_MAX)
        return ingest_reject (INGEST_TOO_LARGE, "fhir: payload of %zu bytes exceeds %d", len,
                              INGEST_PAYLOAD_MAX);
    json_error_t err;
    json_t *root = json_loadb (json, len, JSON_REJECT_DUPLICATES, &err);
    if (!root && json_error_code (&err) == json_error_out_of_memory) {
        util_error (UTIL_ENOMEM, "fhir: out of memory reading the payload");
        return INGEST_BAD_FHIR;
    }
    if (!root)
        return ingest_reject (INGEST_BAD_FHIR, "fhir: line %d column %d: %s", err.line, err.column,
                              err.text);
    ingest_observation_t o;
    memset (&o, 0, sizeof o);
    ingest_reason_t r = s_check (root, &o, patient_ref);
    json_decref (root);
    if (r == INGEST_OK)
        *out = o;
    return r;
}
