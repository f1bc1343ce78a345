/*  ingest/fhir.c - FHIR R4 vital-sign Observation validation (jansson). */
#include "fhir.h"
#include "fhirtime.h"
#include "frame.h"
#include "ucum.h"
#include "ingest_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define S_LOINC "http://loinc.org"
#define S_UCUM  "http://unitsofmeasure.org"
#define S_URI   "urn:ietf:rfc:3986"
#define S_IDENTIFIER_MAX 256            //  longest system|value compared

typedef struct {
    const char *code;
    ingest_vital_t vital;
    ingest_ucum_kind_t kind;    //  INGEST_UCUM_NONE: a panel
    double max;                 //  largest plausible value (a percentage: 100)
} vital_spec_t;

static const vital_spec_t s_vitals [] = {
    { "8867-4",  INGEST_VITAL_HEART_RATE,       INGEST_UCUM_RATE,                INFINITY },
    { "9279-1",  INGEST_VITAL_RESPIRATORY_RATE, INGEST_UCUM_RATE,                INFINITY },
    { "2708-6",  INGEST_VITAL_SPO2,             INGEST_UCUM_PERCENT,             100 },
    { "59408-5", INGEST_VITAL_SPO2,             INGEST_UCUM_PERCENT,             100 },
    { "8310-5",  INGEST_VITAL_BODY_TEMPERATURE, INGEST_UCUM_TEMPERATURE,         INFINITY },
    { "29463-7", INGEST_VITAL_BODY_WEIGHT,      INGEST_UCUM_MASS,                INFINITY },
    { "2339-0",  INGEST_VITAL_GLUCOSE,          INGEST_UCUM_MASS_CONCENTRATION,  INFINITY },
    { "2345-7",  INGEST_VITAL_GLUCOSE,          INGEST_UCUM_MASS_CONCENTRATION,  INFINITY },
    { "15074-8", INGEST_VITAL_GLUCOSE,          INGEST_UCUM_MOLAR_CONCENTRATION, INFINITY },
    { "85354-9", INGEST_VITAL_BLOOD_PRESSURE,   INGEST_UCUM_NONE,                INFINITY },
};
static const vital_spec_t s_systolic  = { "8480-6", INGEST_VITAL_BLOOD_PRESSURE,
                                          INGEST_UCUM_PRESSURE, INFINITY };
static const vital_spec_t s_diastolic = { "8462-4", INGEST_VITAL_BLOOD_PRESSURE,
                                          INGEST_UCUM_PRESSURE, INFINITY };

const char *const *
ingest_fhir_components (const char *loinc)
{
    static const char *const bp [] = { "8480-6", "8462-4", NULL };
    return loinc && strcmp (loinc, "85354-9") == 0? bp: NULL;
}

//  Finds in `code` (a CodeableConcept) the LOINC codings whose code is one
//  of specs[0..n). Returns the spec, or NULL; *ambiguous if two codings
//  name different vital signs.
static const vital_spec_t *
s_match (json_t *code, const vital_spec_t *specs, size_t n, bool *ambiguous)
{
    json_t *coding = json_object_get (code, "coding");
    const vital_spec_t *found = NULL;
    size_t i;
    json_t *c;
    *ambiguous = false;
    json_array_foreach (coding, i, c) {
        const char *system = json_string_value (json_object_get (c, "system"));
        const char *value = json_string_value (json_object_get (c, "code"));
        if (!system || !value || strcmp (system, S_LOINC) != 0)
            continue;
        for (size_t k = 0; k < n; k++)
            if (strcmp (value, specs [k].code) == 0) {
                if (found && found->vital != specs [k].vital)
                    *ambiguous = true;
                if (!found)
                    found = &specs [k];
            }
    }
    return found;
}

//  Checks a valueQuantity against `spec` and converts it to the canonical
//  unit; `where` names it in messages, which never show the value.
static ingest_reason_t
s_quantity (json_t *q, const vital_spec_t *spec, const char *where, double *value,
            ingest_observation_t *o)
{
    if (!json_is_object (q))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: %s.valueQuantity is missing", where);
    json_t *v = json_object_get (q, "value");
    if (!json_is_number (v) || !isfinite (json_number_value (v)))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: %s.valueQuantity.value must be a number",
                              where);
    json_t *cmp = json_object_get (q, "comparator");
    const char *comparator = json_string_value (cmp);
    if (cmp && (!comparator || (strcmp (comparator, "<") && strcmp (comparator, "<=")
                             && strcmp (comparator, ">=") && strcmp (comparator, ">"))))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: %s.valueQuantity.comparator must be <, "
                              "<=, >= or >", where);
    json_t *sys = json_object_get (q, "system"), *code = json_object_get (q, "code");
    const char *system = json_string_value (sys);
    const char *unit = json_string_value (code);
    if ((sys && !system) || (code && !unit))
        return ingest_reject (INGEST_UNIT_MISMATCH, "fhir: %s.valueQuantity.system and .code "
                              "must be strings", where);
    if (unit && !system)
        return ingest_reject (INGEST_UNIT_MISMATCH, "fhir: %s.valueQuantity.code needs a system "
                              "(%s)", where, S_UCUM);
    if (system && strcmp (system, S_UCUM) != 0)
        return ingest_reject (INGEST_UNIT_MISMATCH, "fhir: %s.valueQuantity.system must be %s",
                              where, S_UCUM);
    const char *field = "code";
    if (!unit) {
        //  No code: the unit text serves if it is itself a UCUM code of
        //  the right kind ("mm[Hg]"; not "mmHg", "C" or "bpm").
        unit = json_string_value (json_object_get (q, "unit"));
        field = "unit";
        if (!unit)
            return ingest_reject (INGEST_UNIT_MISMATCH, "fhir: %s.valueQuantity has no unit "
                                  "(code or unit)", where);
    }
    double canonical;
    if (ingest_ucum_convert (&canonical, unit, spec->kind, json_number_value (v)))
        return ingest_reject (INGEST_UNIT_MISMATCH, "fhir: %s.valueQuantity.%s '%.*s' is not a "
                              "UCUM unit for LOINC %s (want %s or an equal unit)", where, field,
                              INGEST_UCUM_MAX, unit, spec->code,
                              ingest_ucum_canonical (spec->kind));
    if (!(canonical >= 0) || canonical > spec->max)
        return ingest_reject (INGEST_BAD_FHIR, "fhir: %s.valueQuantity.value is out of range "
                              "for LOINC %s", where, spec->code);
    *value = canonical;
    snprintf (o->unit, sizeof o->unit, "%s", ingest_ucum_canonical (spec->kind));
    if (comparator) {
        snprintf (o->comparator, sizeof o->comparator, "%s", comparator);
        o->censored = true;
    }
    return INGEST_OK;
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
        bool ambiguous;
        const vital_spec_t *spec = s_match (json_object_get (c, "code"), &s_systolic, 1,
                                            &ambiguous);
        bool sys = spec != NULL;
        if (!spec)
            spec = s_match (json_object_get (c, "code"), &s_diastolic, 1, &ambiguous);
        if (!spec)
            continue;
        if ((sys && have_sys) || (!sys && have_dia))
            return ingest_reject (INGEST_BAD_FHIR, "fhir: %s repeats LOINC %s", where, spec->code);
        ingest_reason_t r = s_quantity (json_object_get (c, "valueQuantity"), spec, where,
                                        sys? &o->value: &o->diastolic, o);
        if (r != INGEST_OK)
            return r;
        if (sys)
            have_sys = true;
        else
            have_dia = true;
    }
    if (!have_sys || !have_dia)
        return ingest_reject (INGEST_BAD_FHIR, "fhir: blood-pressure panel needs components "
                              "8480-6 and 8462-4, each with a valueQuantity");
    return INGEST_OK;
}

//  True if the JSON under `j` holds a modifierExtension. (Every payload
//  is walked: no path is built until one is found.)
static bool
s_has_modifier (json_t *j)
{
    const char *key;
    json_t *value;
    size_t i;
    if (json_is_object (j)) {
        json_object_foreach (j, key, value)
            if (strcmp (key, "modifierExtension") == 0
            ||  ((json_is_object (value) || json_is_array (value)) && s_has_modifier (value)))
                return true;
    }
    else
    if (json_is_array (j))
        json_array_foreach (j, i, value)
            if (s_has_modifier (value))
                return true;
    return false;
}

//  Writes into `where` (cap bytes) the path of the element under `j` that
//  holds the first modifierExtension; `len` bytes of it are written.
static void
s_modifier_path (json_t *j, char *where, size_t cap, size_t len)
{
    const char *key;
    json_t *value;
    size_t i;
    if (json_is_object (j)) {
        if (json_object_get (j, "modifierExtension"))
            return;
        json_object_foreach (j, key, value)
            if (s_has_modifier (value)) {
                int n = snprintf (where + len, cap - len, "%s%.40s", len? ".": "", key);
                s_modifier_path (value, where, cap,
                                 n > 0 && (size_t) n < cap - len? len + (size_t) n: len);
                return;
            }
    }
    else
    if (json_is_array (j))
        json_array_foreach (j, i, value)
            if (s_has_modifier (value)) {
                int n = snprintf (where + len, cap - len, "[%zu]", i);
                s_modifier_path (value, where, cap,
                                 n > 0 && (size_t) n < cap - len? len + (size_t) n: len);
                return;
            }
}

static bool
s_identifier_in (const ingest_patient_t *p, const char *system, const char *value)
{
    for (size_t i = 0; p && i < p->n_identifiers; i++) {
        const char *id = p->identifiers [i];
        size_t slen = strlen (system);
        if (strncmp (id, system, slen) == 0 && id [slen] == '|' && strcmp (id + slen + 1, value) == 0)
            return true;
    }
    return false;
}

static bool
s_id_ok (const char *id, size_t len)
{
    if (len < 1 || len > INGEST_FHIR_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!strchr ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-", id [i])
        ||  id [i] == '\0')
            return false;
    return true;
}

//  The subject against the patient (NULL: form only). Never shows a value.
static ingest_reason_t
s_subject (json_t *subject, const ingest_patient_t *patient)
{
    if (!json_is_object (subject))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: subject is missing");
    const char *type = json_string_value (json_object_get (subject, "type"));
    if (json_object_get (subject, "type") && (!type || strcmp (type, "Patient") != 0))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: subject.type must be Patient");
    json_t *ref = json_object_get (subject, "reference");
    json_t *ident = json_object_get (subject, "identifier");
    if (ref && !json_is_string (ref))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: subject.reference must be a string");
    if (!ref && !ident)
        return ingest_reject (INGEST_BAD_FHIR, "fhir: subject has neither a reference nor an "
                              "identifier");
    bool match = true;
    if (ident) {
        const char *system = json_string_value (json_object_get (ident, "system"));
        const char *value = json_string_value (json_object_get (ident, "value"));
        if (!system || !value || !system [0] || !value [0]
        ||  strlen (system) + strlen (value) + 1 > S_IDENTIFIER_MAX)
            return ingest_reject (INGEST_BAD_FHIR, "fhir: subject.identifier needs a system and "
                                  "a value");
        match = !patient || s_identifier_in (patient, system, value);
    }
    if (ref) {
        const char *r = json_string_value (ref);
        if (strncmp (r, "urn:uuid:", 9) == 0 || strncmp (r, "urn:oid:", 8) == 0) {
            match &= !patient || s_identifier_in (patient, S_URI, r);
        }
        else {
            //  [base URL/]Patient/<id>[/_history/<version>]
            const char *hist = strstr (r, "/_history/");
            size_t end = hist? (size_t) (hist - r): strlen (r);
            if (hist && !s_id_ok (hist + 10, strlen (hist + 10)))
                return ingest_reject (INGEST_BAD_FHIR, "fhir: subject.reference has a bad "
                                      "_history version");
            size_t slash = end;
            while (slash > 0 && r [slash - 1] != '/')
                slash--;
            const char *id = r + slash;
            size_t idlen = end - slash;
            bool relative = slash == 8 && strncmp (r, "Patient/", 8) == 0;
            bool absolute = slash > 8 && strncmp (r + slash - 9, "/Patient/", 9) == 0
                         && (strncmp (r, "http://", 7) == 0 || strncmp (r, "https://", 8) == 0);
            if ((!relative && !absolute) || !s_id_ok (id, idlen))
                return ingest_reject (INGEST_BAD_FHIR, "fhir: subject.reference must be "
                                      "Patient/<id> (relative or absolute, optionally with "
                                      "_history), urn:uuid: or urn:oid:");
            match &= !patient || (patient->id && strlen (patient->id) == idlen
                                  && strncmp (patient->id, id, idlen) == 0);
        }
    }
    if (!match)
        return ingest_reject (INGEST_SUBJECT_MISMATCH, "fhir: subject does not name the "
                              "device's patient");
    return INGEST_OK;
}

//  effective[x]: dateTime (any precision: its start), instant, or a
//  Period's start.
static ingest_reason_t
s_effective (json_t *root, int64_t *ms)
{
    json_t *dt = json_object_get (root, "effectiveDateTime");
    json_t *inst = json_object_get (root, "effectiveInstant");
    json_t *period = json_object_get (root, "effectivePeriod");
    ingest_fhirtime_t t;
    if ((dt != NULL) + (inst != NULL) + (period != NULL)
      + (json_object_get (root, "effectiveTiming") != NULL) > 1)
        return ingest_reject (INGEST_BAD_FHIR, "fhir: more than one effective[x]");
    if (dt) {
        if (!json_is_string (dt)
        ||  ingest_fhirtime_parse (&t, json_string_value (dt), INGEST_FHIRTIME_DATETIME))
            return ingest_reject (INGEST_BAD_FHIR, "fhir: effectiveDateTime must be an R4 "
                                  "dateTime (YYYY[-MM[-DD[Thh:mm:ss[.f]zone]]])");
    }
    else
    if (inst) {
        if (!json_is_string (inst)
        ||  ingest_fhirtime_parse (&t, json_string_value (inst), INGEST_FHIRTIME_INSTANT))
            return ingest_reject (INGEST_BAD_FHIR, "fhir: effectiveInstant must be an R4 instant "
                                  "(date, time with seconds, zone)");
    }
    else
    if (period) {
        json_t *start = json_object_get (period, "start");
        if (!json_is_object (period) || !start)
            return ingest_reject (INGEST_BAD_FHIR, "fhir: effectivePeriod.start is required");
        if (!json_is_string (start)
        ||  ingest_fhirtime_parse (&t, json_string_value (start), INGEST_FHIRTIME_DATETIME))
            return ingest_reject (INGEST_BAD_FHIR, "fhir: effectivePeriod.start must be an R4 "
                                  "dateTime");
    }
    else
        return ingest_reject (INGEST_BAD_FHIR, "fhir: effectiveDateTime, effectiveInstant or "
                              "effectivePeriod is required (effectiveTiming is not taken)");
    *ms = t.start_ms;
    return INGEST_OK;
}

static ingest_reason_t
s_check (json_t *root, ingest_observation_t *o, const ingest_patient_t *patient)
{
    if (!json_is_object (root))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: the payload is not a JSON object");
    const char *type = json_string_value (json_object_get (root, "resourceType"));
    if (!type || strcmp (type, "Observation") != 0)
        return ingest_reject (INGEST_BAD_FHIR, "fhir: resourceType must be \"Observation\"");
    char where [128] = "";
    if (s_has_modifier (root)) {
        s_modifier_path (root, where, sizeof where, 0);
        return ingest_reject (INGEST_BAD_FHIR, "fhir: %s%smodifierExtension is not understood "
                              "(R4: such a resource must not be processed)", where,
                              where [0]? ".": "");
    }
    if (json_object_get (root, "implicitRules"))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: implicitRules is a modifier this site does "
                              "not understand");
    if (json_object_get (json_object_get (root, "meta"), "security"))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: meta.security: security-labelled "
                              "Observations are not taken");
    json_t *id = json_object_get (root, "id");
    if (id && (!json_is_string (id)
           ||  !s_id_ok (json_string_value (id), strlen (json_string_value (id)))))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: id must be 1..64 of [A-Za-z0-9.-]");
    const char *status = json_string_value (json_object_get (root, "status"));
    if (!status || (strcmp (status, "final") && strcmp (status, "amended")
                 && strcmp (status, "corrected") && strcmp (status, "preliminary")))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: status must be final, amended, corrected or "
                              "preliminary");
    bool ambiguous;
    const vital_spec_t *spec = s_match (json_object_get (root, "code"), s_vitals,
                                        sizeof s_vitals / sizeof s_vitals [0], &ambiguous);
    if (!spec)
        return ingest_reject (INGEST_BAD_FHIR, "fhir: code.coding has no supported LOINC code");
    if (ambiguous)
        return ingest_reject (INGEST_BAD_FHIR, "fhir: code.coding names two different vital "
                              "signs");
    ingest_reason_t r = s_subject (json_object_get (root, "subject"), patient);
    if (r == INGEST_OK)
        r = s_effective (root, &o->effective_ms);
    if (r != INGEST_OK)
        return r;
    o->vital = spec->vital;
    snprintf (o->loinc, sizeof o->loinc, "%s", spec->code);
    if (id)
        snprintf (o->id, sizeof o->id, "%s", json_string_value (id));
    if (spec->vital == INGEST_VITAL_BLOOD_PRESSURE)
        return s_blood_pressure (root, o);
    o->diastolic = 0;
    return s_quantity (json_object_get (root, "valueQuantity"), spec, "Observation",
                       &o->value, o);
}

ingest_reason_t
ingest_fhir_observation_for (ingest_observation_t *out, const char *json, size_t len,
                             const ingest_patient_t *patient)
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
    if (!root) {
        //  jansson's " near '...'" would quote the payload.
        const char *near = strstr (err.text, " near ");
        return ingest_reject (INGEST_BAD_FHIR, "fhir: line %d column %d: not valid JSON (%.*s)",
                              err.line, err.column,
                              near? (int) (near - err.text): (int) strlen (err.text), err.text);
    }
    ingest_observation_t o;
    memset (&o, 0, sizeof o);
    ingest_reason_t r = s_check (root, &o, patient);
    json_decref (root);
    if (r == INGEST_OK)
        *out = o;
    return r;
}

ingest_reason_t
ingest_fhir_observation_check (ingest_observation_t *out, const char *json, size_t len,
                               const char *patient_ref)
{
    //  "Patient/<id>"; anything else (NULL included) names no patient,
    //  and every subject is a mismatch.
    ingest_patient_t p = { "", NULL, 0 };
    if (patient_ref && strncmp (patient_ref, "Patient/", 8) == 0)
        p.id = patient_ref + 8;
    return ingest_fhir_observation_for (out, json, len, &p);
}
