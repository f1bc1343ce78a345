/*  ingest/fhir.c - FHIR R4 vital-sign Observation validation (on the tree
    of ingest/jsontree.h). */
#include "fhir.h"
#include "fhirtime.h"
#include "frame.h"
#include "ucum.h"
#include "jsontree.h"
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
s_match (const ingest_json_t *code, const vital_spec_t *specs, size_t n, bool *ambiguous)
{
    const ingest_json_t *coding = ingest_json_get (code, "coding");
    const vital_spec_t *found = NULL;
    size_t i;
    const ingest_json_t *c;
    *ambiguous = false;
    for (i = 0, c = ingest_json_elements (coding); c; c = c->next, i++) {
        const char *system = ingest_json_string (ingest_json_get (c, "system"));
        const char *value = ingest_json_string (ingest_json_get (c, "code"));
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
s_quantity (const ingest_json_t *q, const vital_spec_t *spec, const char *where, double *value,
            ingest_observation_t *o)
{
    if (!ingest_json_is_object (q))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: %s.valueQuantity is missing", where);
    const ingest_json_t *v = ingest_json_get (q, "value");
    if (!ingest_json_is_number (v) || !isfinite (ingest_json_number (v)))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: %s.valueQuantity.value must be a number",
                              where);
    const ingest_json_t *cmp = ingest_json_get (q, "comparator");
    const char *comparator = ingest_json_string (cmp);
    if (cmp && (!comparator || (strcmp (comparator, "<") && strcmp (comparator, "<=")
                             && strcmp (comparator, ">=") && strcmp (comparator, ">"))))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: %s.valueQuantity.comparator must be <, "
                              "<=, >= or >", where);
    const ingest_json_t *sys = ingest_json_get (q, "system"), *code = ingest_json_get (q, "code");
    const char *system = ingest_json_string (sys);
    const char *unit = ingest_json_string (code);
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
        unit = ingest_json_string (ingest_json_get (q, "unit"));
        field = "unit";
        if (!unit)
            return ingest_reject (INGEST_UNIT_MISMATCH, "fhir: %s.valueQuantity has no unit "
                                  "(code or unit)", where);
    }
    double canonical;
    if (ingest_ucum_convert (&canonical, unit, spec->kind, ingest_json_number (v)))
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
s_blood_pressure (const ingest_json_t *root, ingest_observation_t *o)
{
    if (ingest_json_get (root, "valueQuantity"))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: a blood-pressure panel (85354-9) carries "
                              "its values in component[], not valueQuantity");
    const ingest_json_t *components = ingest_json_get (root, "component");
    if (!ingest_json_is_array (components))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: component[] is missing for 85354-9");
    bool have_sys = false, have_dia = false;
    size_t i;
    const ingest_json_t *c;
    for (i = 0, c = ingest_json_elements (components); c; c = c->next, i++) {
        char where [32];
        snprintf (where, sizeof where, "component[%zu]", i);
        bool ambiguous;
        const vital_spec_t *spec = s_match (ingest_json_get (c, "code"), &s_systolic, 1,
                                            &ambiguous);
        bool sys = spec != NULL;
        if (!spec)
            spec = s_match (ingest_json_get (c, "code"), &s_diastolic, 1, &ambiguous);
        if (!spec)
            continue;
        if ((sys && have_sys) || (!sys && have_dia))
            return ingest_reject (INGEST_BAD_FHIR, "fhir: %s repeats LOINC %s", where, spec->code);
        ingest_reason_t r = s_quantity (ingest_json_get (c, "valueQuantity"), spec, where,
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
s_has_modifier (const ingest_json_t *j)
{
    const char *key;
    const ingest_json_t *value;
    size_t i;
    if (ingest_json_is_object (j)) {
        for (value = ingest_json_members (j); value && (key = value->key); value = value->next)
            if (strcmp (key, "modifierExtension") == 0
            ||  ((ingest_json_is_object (value) || ingest_json_is_array (value)) && s_has_modifier (value)))
                return true;
    }
    else
    if (ingest_json_is_array (j))
        for (i = 0, value = ingest_json_elements (j); value; value = value->next, i++)
            if (s_has_modifier (value))
                return true;
    return false;
}

//  Writes into `where` (cap bytes) the path of the element under `j` that
//  holds the first modifierExtension; `len` bytes of it are written.
static void
s_modifier_path (const ingest_json_t *j, char *where, size_t cap, size_t len)
{
    const char *key;
    const ingest_json_t *value;
    size_t i;
    if (ingest_json_is_object (j)) {
        if (ingest_json_get (j, "modifierExtension"))
            return;
        for (value = ingest_json_members (j); value && (key = value->key); value = value->next)
            if (s_has_modifier (value)) {
                int n = snprintf (where + len, cap - len, "%s%.40s", len? ".": "", key);
                s_modifier_path (value, where, cap,
                                 n > 0 && (size_t) n < cap - len? len + (size_t) n: len);
                return;
            }
    }
    else
    if (ingest_json_is_array (j))
        for (i = 0, value = ingest_json_elements (j); value; value = value->next, i++)
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
s_subject (const ingest_json_t *subject, const ingest_patient_t *patient)
{
    if (!ingest_json_is_object (subject))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: subject is missing");
    const char *type = ingest_json_string (ingest_json_get (subject, "type"));
    if (ingest_json_get (subject, "type") && (!type || strcmp (type, "Patient") != 0))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: subject.type must be Patient");
    const ingest_json_t *ref = ingest_json_get (subject, "reference");
    const ingest_json_t *ident = ingest_json_get (subject, "identifier");
    if (ref && !ingest_json_is_string (ref))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: subject.reference must be a string");
    if (!ref && !ident)
        return ingest_reject (INGEST_BAD_FHIR, "fhir: subject has neither a reference nor an "
                              "identifier");
    bool match = true;
    if (ident) {
        const char *system = ingest_json_string (ingest_json_get (ident, "system"));
        const char *value = ingest_json_string (ingest_json_get (ident, "value"));
        if (!system || !value || !system [0] || !value [0]
        ||  strlen (system) + strlen (value) + 1 > S_IDENTIFIER_MAX)
            return ingest_reject (INGEST_BAD_FHIR, "fhir: subject.identifier needs a system and "
                                  "a value");
        match = !patient || s_identifier_in (patient, system, value);
    }
    if (ref) {
        const char *r = ingest_json_string (ref);
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
s_effective (const ingest_json_t *root, int64_t *ms)
{
    const ingest_json_t *dt = ingest_json_get (root, "effectiveDateTime");
    const ingest_json_t *inst = ingest_json_get (root, "effectiveInstant");
    const ingest_json_t *period = ingest_json_get (root, "effectivePeriod");
    ingest_fhirtime_t t;
    if ((dt != NULL) + (inst != NULL) + (period != NULL)
      + (ingest_json_get (root, "effectiveTiming") != NULL) > 1)
        return ingest_reject (INGEST_BAD_FHIR, "fhir: more than one effective[x]");
    if (dt) {
        if (!ingest_json_is_string (dt)
        ||  ingest_fhirtime_parse (&t, ingest_json_string (dt), INGEST_FHIRTIME_DATETIME))
            return ingest_reject (INGEST_BAD_FHIR, "fhir: effectiveDateTime must be an R4 "
                                  "dateTime (YYYY[-MM[-DD[Thh:mm:ss[.f]zone]]])");
    }
    else
    if (inst) {
        if (!ingest_json_is_string (inst)
        ||  ingest_fhirtime_parse (&t, ingest_json_string (inst), INGEST_FHIRTIME_INSTANT))
            return ingest_reject (INGEST_BAD_FHIR, "fhir: effectiveInstant must be an R4 instant "
                                  "(date, time with seconds, zone)");
    }
    else
    if (period) {
        const ingest_json_t *start = ingest_json_get (period, "start");
        if (!ingest_json_is_object (period) || !start)
            return ingest_reject (INGEST_BAD_FHIR, "fhir: effectivePeriod.start is required");
        if (!ingest_json_is_string (start)
        ||  ingest_fhirtime_parse (&t, ingest_json_string (start), INGEST_FHIRTIME_DATETIME))
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
s_check (const ingest_json_t *root, ingest_observation_t *o, const ingest_patient_t *patient)
{
    if (!ingest_json_is_object (root))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: the payload is not a JSON object");
    const char *type = ingest_json_string (ingest_json_get (root, "resourceType"));
    if (!type || strcmp (type, "Observation") != 0)
        return ingest_reject (INGEST_BAD_FHIR, "fhir: resourceType must be \"Observation\"");
    char where [128] = "";
    if (s_has_modifier (root)) {
        s_modifier_path (root, where, sizeof where, 0);
        return ingest_reject (INGEST_BAD_FHIR, "fhir: %s%smodifierExtension is not understood "
                              "(R4: such a resource must not be processed)", where,
                              where [0]? ".": "");
    }
    if (ingest_json_get (root, "implicitRules"))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: implicitRules is a modifier this site does "
                              "not understand");
    if (ingest_json_get (ingest_json_get (root, "meta"), "security"))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: meta.security: security-labelled "
                              "Observations are not taken");
    const ingest_json_t *id = ingest_json_get (root, "id");
    if (id && (!ingest_json_is_string (id)
           ||  !s_id_ok (ingest_json_string (id), strlen (ingest_json_string (id)))))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: id must be 1..64 of [A-Za-z0-9.-]");
    const char *status = ingest_json_string (ingest_json_get (root, "status"));
    if (!status || (strcmp (status, "final") && strcmp (status, "amended")
                 && strcmp (status, "corrected") && strcmp (status, "preliminary")))
        return ingest_reject (INGEST_BAD_FHIR, "fhir: status must be final, amended, corrected or "
                              "preliminary");
    bool ambiguous;
    const vital_spec_t *spec = s_match (ingest_json_get (root, "code"), s_vitals,
                                        sizeof s_vitals / sizeof s_vitals [0], &ambiguous);
    if (!spec)
        return ingest_reject (INGEST_BAD_FHIR, "fhir: code.coding has no supported LOINC code");
    if (ambiguous)
        return ingest_reject (INGEST_BAD_FHIR, "fhir: code.coding names two different vital "
                              "signs");
    ingest_reason_t r = s_subject (ingest_json_get (root, "subject"), patient);
    if (r == INGEST_OK)
        r = s_effective (root, &o->effective_ms);
    if (r != INGEST_OK)
        return r;
    o->vital = spec->vital;
    snprintf (o->loinc, sizeof o->loinc, "%s", spec->code);
    if (id)
        snprintf (o->id, sizeof o->id, "%s", ingest_json_string (id));
    if (spec->vital == INGEST_VITAL_BLOOD_PRESSURE)
        return s_blood_pressure (root, o);
    o->diastolic = 0;
    return s_quantity (ingest_json_get (root, "valueQuantity"), spec, "Observation",
                       &o->value, o);
}

ingest_reason_t
ingest_fhir_observation_for (ingest_observation_t *out, const char *json, size_t len,
                             const ingest_patient_t *patient)
{
    if (len > INGEST_PAYLOAD_MAX)
        return ingest_reject (INGEST_TOO_LARGE, "fhir: payload of %zu bytes exceeds %d", len,
                              INGEST_PAYLOAD_MAX);
    //  The scanner reads a plain payload without allocating; whatever it
    //  declines, jansson reads (or refuses, with its own message), and the
    //  checks run on the same tree either way (ingest/jsontree.h).
    ingest_jsontree_t tree;
    const ingest_json_t *root = NULL;
    json_t *doc = NULL;
    if (ingest_jsontree_scan (&tree, json, len, &root)) {
        ingest_jsontree_release (&tree);
        json_error_t err;
        doc = json_loadb (json, len, JSON_REJECT_DUPLICATES, &err);
        if (!doc && json_error_code (&err) == json_error_out_of_memory) {
            util_error (UTIL_ENOMEM, "fhir: out of memory reading the payload");
            return INGEST_BAD_FHIR;
        }
        if (!doc) {
            //  jansson's " near '...'" would quote the payload.
            const char *near = strstr (err.text, " near ");
            return ingest_reject (INGEST_BAD_FHIR, "fhir: line %d column %d: not valid JSON "
                                  "(%.*s)", err.line, err.column,
                                  near? (int) (near - err.text): (int) strlen (err.text),
                                  err.text);
        }
        if (ingest_jsontree_from (&tree, doc, &root)) {
            json_decref (doc);
            util_error (UTIL_ENOMEM, "fhir: out of memory reading the payload");
            return INGEST_BAD_FHIR;
        }
    }
    ingest_observation_t o;
    memset (&o, 0, sizeof o);
    ingest_reason_t r = s_check (root, &o, patient);
    ingest_jsontree_release (&tree);
    json_decref (doc);
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
