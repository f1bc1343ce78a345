/*  Unit tests for ingest/fhir.c: every supported vital sign is accepted, and
    every rejection (bad_fhir, unit_mismatch, subject_mismatch, too_large)
    is reached by a minimal change to a good Observation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/fhir.h"
#include "util/error.h"
#include "ingest/frame.h"

#define PATIENT "Patient/p-0042"

//  A single-quantity Observation with the given pieces.
static char *
s_obs (const char *status, const char *loinc, const char *subject, const char *when,
       const char *value, const char *system, const char *unit)
{
    static char buf [2048];
    snprintf (buf, sizeof buf,
              "{\"resourceType\":\"Observation\",\"status\":\"%s\","
              "\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/"
              "observation-category\",\"code\":\"vital-signs\"}]}],"
              "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"%s\"}]},"
              "\"subject\":{\"reference\":\"%s\"},\"effectiveDateTime\":\"%s\","
              "\"valueQuantity\":{\"value\":%s,\"unit\":\"x\",\"system\":\"%s\",\"code\":\"%s\"}}",
              status, loinc, subject, when, value, system, unit);
    return buf;
}

#define UCUM "http://unitsofmeasure.org"
#define WHEN "2026-11-22T14:05:00Z"

static ingest_reason_t
s_check (const char *json, ingest_observation_t *o)
{
    return ingest_fhir_observation_check (o, json, strlen (json), PATIENT);
}

static void
test_vitals_accepted (void **state)
{
    (void) state;
    ingest_observation_t o;
    //  Each code, its units (annotated and converted ones included), and
    //  the value in the canonical unit.
    const struct {
        const char *loinc, *unit, *value, *canonical;
        double want;
        ingest_vital_t vital;
    } good [] = {
        { "8867-4", "/min", "72", "/min", 72, INGEST_VITAL_HEART_RATE },
        { "8867-4", "{beats}/min", "72", "/min", 72, INGEST_VITAL_HEART_RATE },
        { "8867-4", "1/min", "72", "/min", 72, INGEST_VITAL_HEART_RATE },
        { "9279-1", "/min", "16", "/min", 16, INGEST_VITAL_RESPIRATORY_RATE },
        { "9279-1", "{breaths}/min", "16", "/min", 16, INGEST_VITAL_RESPIRATORY_RATE },
        { "2708-6", "%", "97.5", "%", 97.5, INGEST_VITAL_SPO2 },
        { "59408-5", "%", "100", "%", 100, INGEST_VITAL_SPO2 },
        { "8310-5", "Cel", "36.8", "Cel", 36.8, INGEST_VITAL_BODY_TEMPERATURE },
        { "8310-5", "[degF]", "98.6", "Cel", 37, INGEST_VITAL_BODY_TEMPERATURE },
        { "8310-5", "K", "310.15", "Cel", 37, INGEST_VITAL_BODY_TEMPERATURE },
        { "29463-7", "kg", "70.5", "kg", 70.5, INGEST_VITAL_BODY_WEIGHT },
        { "29463-7", "g", "3500", "kg", 3.5, INGEST_VITAL_BODY_WEIGHT },
        { "29463-7", "[lb_av]", "185", "kg", 83.91458845, INGEST_VITAL_BODY_WEIGHT },
        { "2339-0", "mg/dL", "0", "mg/dL", 0, INGEST_VITAL_GLUCOSE },
        { "2339-0", "g/L", "1.1", "mg/dL", 110, INGEST_VITAL_GLUCOSE },
        { "2345-7", "mg/dL", "95", "mg/dL", 95, INGEST_VITAL_GLUCOSE },
        { "15074-8", "mmol/L", "5.4", "mmol/L", 5.4, INGEST_VITAL_GLUCOSE },
        { "15074-8", "umol/L", "5400", "mmol/L", 5.4, INGEST_VITAL_GLUCOSE },
    };
    for (size_t i = 0; i < sizeof good / sizeof good [0]; i++) {
        memset (&o, 0, sizeof o);
        const char *json = s_obs ("final", good [i].loinc, PATIENT, WHEN, good [i].value, UCUM,
                                  good [i].unit);
        if (s_check (json, &o) != INGEST_OK)
            fail_msg ("%s rejected: %s", good [i].loinc, util_last_error ());
        assert_int_equal (o.vital, good [i].vital);
        assert_string_equal (o.loinc, good [i].loinc);
        assert_string_equal (o.unit, good [i].canonical);
        if (fabs (o.value - good [i].want) > 1e-9 * (1 + good [i].want))
            fail_msg ("%s in %s: %g, want %g", good [i].loinc, good [i].unit, o.value,
                      good [i].want);
        assert_true (o.effective_ms == 1795356300000LL);
        assert_false (o.censored);
        assert_string_equal (o.comparator, "");
    }
    //  Other statuses that carry a reading; another coding before LOINC.
    assert_int_equal (s_check (s_obs ("amended", "8867-4", PATIENT, WHEN, "60", UCUM, "/min"),
                               &o), INGEST_OK);
    assert_int_equal (s_check (s_obs ("corrected", "8867-4", PATIENT, WHEN, "60", UCUM, "/min"),
                               &o), INGEST_OK);
    assert_int_equal (s_check (s_obs ("preliminary", "8867-4", PATIENT, WHEN, "60", UCUM,
                                      "/min"), &o), INGEST_OK);
    const char *two =
        "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":["
        "{\"system\":\"http://snomed.info/sct\",\"code\":\"364075005\"},"
        "{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},"
        "\"subject\":{\"reference\":\"" PATIENT "\"},\"effectiveInstant\":\"2026-11-22T15:05:00.250+01:00\","
        "\"valueQuantity\":{\"value\":61,\"system\":\"" UCUM "\",\"code\":\"/min\"}}";
    assert_int_equal (s_check (two, &o), INGEST_OK);
    assert_true (o.effective_ms == 1795356300250LL);
}

static const char *s_bp =
    "{\"resourceType\":\"Observation\",\"status\":\"final\","
    "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"85354-9\"}]},"
    "\"subject\":{\"reference\":\"" PATIENT "\"},\"effectiveDateTime\":\"" WHEN "\","
    "\"component\":["
    "{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8480-6\"}]},"
    "\"valueQuantity\":{\"value\":120,\"system\":\"" UCUM "\",\"code\":\"%s\"}},"
    "{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"%s\"}]},"
    "\"valueQuantity\":{\"value\":80,\"system\":\"" UCUM "\",\"code\":\"mm[Hg]\"}}%s]%s}";

static ingest_reason_t
s_check_bp (const char *sys_unit, const char *second, const char *extra_component,
            const char *extra_field, ingest_observation_t *o)
{
    char json [4096];
    snprintf (json, sizeof json, s_bp, sys_unit, second, extra_component, extra_field);
    return s_check (json, o);
}

static void
test_blood_pressure (void **state)
{
    (void) state;
    ingest_observation_t o;
    assert_int_equal (s_check_bp ("mm[Hg]", "8462-4", "", "", &o), INGEST_OK);
    assert_int_equal (o.vital, INGEST_VITAL_BLOOD_PRESSURE);
    assert_true (o.value == 120 && o.diastolic == 80);
    assert_string_equal (o.unit, "mm[Hg]");
    //  Unknown extra components are ignored.
    assert_int_equal (s_check_bp ("mm[Hg]", "8462-4", ",{\"code\":{\"coding\":[{\"system\":"
                                  "\"http://loinc.org\",\"code\":\"8478-0\"}]}}", "", &o), INGEST_OK);
    //  Wrong unit, missing diastolic, repeated systolic, valueQuantity on the
    //  panel, no components.
    assert_int_equal (s_check_bp ("%", "8462-4", "", "", &o), INGEST_UNIT_MISMATCH);
    assert_non_null (strstr (util_last_error (), "component[0]"));
    assert_int_equal (s_check_bp ("mm[Hg]", "8478-0", "", "", &o), INGEST_BAD_FHIR);
    assert_non_null (strstr (util_last_error (), "needs components"));
    assert_int_equal (s_check_bp ("mm[Hg]", "8480-6", "", "", &o), INGEST_BAD_FHIR);
    assert_non_null (strstr (util_last_error (), "repeats"));
    assert_int_equal (s_check_bp ("mm[Hg]", "8462-4", "", ",\"valueQuantity\":{}", &o),
                      INGEST_BAD_FHIR);
    const char *none = "{\"resourceType\":\"Observation\",\"status\":\"final\","
        "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"85354-9\"}]},"
        "\"subject\":{\"reference\":\"" PATIENT "\"},\"effectiveDateTime\":\"" WHEN "\"}";
    assert_int_equal (s_check (none, &o), INGEST_BAD_FHIR);
    assert_non_null (strstr (util_last_error (), "component[] is missing"));
}

static void
s_expect (ingest_reason_t want, const char *json, const char *why)
{
    ingest_observation_t o;
    memset (&o, 0x5a, sizeof o);
    ingest_reason_t got = s_check (json, &o);
    if (got != want)
        fail_msg ("got %s, want %s (%s) for %s", ingest_reason_name (got), ingest_reason_name (want),
                  util_last_error (), json);
    if (!strstr (util_last_error (), why))
        fail_msg ("message '%s' lacks '%s'", util_last_error (), why);
    assert_int_equal (((uint8_t *) &o) [0], 0x5a);      //  untouched
}

static void
test_rejections (void **state)
{
    (void) state;
    //  bad_fhir
    s_expect (INGEST_BAD_FHIR, "{", "line 1");
    s_expect (INGEST_BAD_FHIR, "[]", "not a JSON object");
    s_expect (INGEST_BAD_FHIR, "{\"resourceType\":\"Patient\"}", "resourceType");
    s_expect (INGEST_BAD_FHIR, "{\"resourceType\":\"Observation\",\"resourceType\":\"Observation\"}",
              "duplicate");
    s_expect (INGEST_BAD_FHIR, s_obs ("registered", "8867-4", PATIENT, WHEN, "1", UCUM, "/min"),
              "status");
    s_expect (INGEST_BAD_FHIR, s_obs ("entered-in-error", "8867-4", PATIENT, WHEN, "1", UCUM,
                                    "/min"), "status");
    s_expect (INGEST_BAD_FHIR, s_obs ("final", "1234-5", PATIENT, WHEN, "1", UCUM, "/min"),
              "no supported LOINC");
    s_expect (INGEST_BAD_FHIR, s_obs ("final", "8480-6", PATIENT, WHEN, "1", UCUM, "mm[Hg]"),
              "no supported LOINC");
    s_expect (INGEST_BAD_FHIR, s_obs ("final", "8867-4", PATIENT, WHEN, "\"72\"", UCUM, "/min"),
              "must be a number");
    s_expect (INGEST_BAD_FHIR, s_obs ("final", "8867-4", PATIENT, WHEN, "-1", UCUM, "/min"),
              "out of range");
    s_expect (INGEST_BAD_FHIR, s_obs ("final", "2708-6", PATIENT, WHEN, "100.5", UCUM, "%"),
              "out of range");
    const char *bad_times [] = { "2026-11-22T14:05Z", "2026-11-22T14:05:00",
                                 "2026-13-22T14:05:00Z", "2026-02-29T14:05:00Z",
                                 "2026-11-22T24:00:00Z", "2026-11-22T14:05:61Z",
                                 "2026-11-22T14:05:00.Z", "2026-11-22T14:05:00+1:00",
                                 "0000-12-31", "2026-11-22 14:05:00Z", "2026-11-2",
                                 "2026-11-22T14:05:00+15:00", "x" };
    for (size_t i = 0; i < sizeof bad_times / sizeof bad_times [0]; i++)
        s_expect (INGEST_BAD_FHIR, s_obs ("final", "8867-4", PATIENT, bad_times [i], "1", UCUM,
                                        "/min"), "effectiveDateTime");
    //  2024 is a leap year.
    ingest_observation_t o;
    assert_int_equal (s_check (s_obs ("final", "8867-4", PATIENT, "2024-02-29T00:00:00-14:00",
                                      "1", UCUM, "/min"), &o), INGEST_OK);
    const char *no_subject = "{\"resourceType\":\"Observation\",\"status\":\"final\","
        "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]}}";
    s_expect (INGEST_BAD_FHIR, no_subject, "subject is missing");
    const char *no_value = "{\"resourceType\":\"Observation\",\"status\":\"final\","
        "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},"
        "\"subject\":{\"reference\":\"" PATIENT "\"},\"effectiveDateTime\":\"" WHEN "\"}";
    s_expect (INGEST_BAD_FHIR, no_value, "valueQuantity is missing");
    //  unit_mismatch
    s_expect (INGEST_UNIT_MISMATCH, s_obs ("final", "8867-4", PATIENT, WHEN, "72", UCUM, "bpm"),
              "not a UCUM unit for LOINC 8867-4");
    s_expect (INGEST_UNIT_MISMATCH, s_obs ("final", "8310-5", PATIENT, WHEN, "36", UCUM, "degC"),
              "want Cel or an equal unit");
    s_expect (INGEST_UNIT_MISMATCH, s_obs ("final", "8310-5", PATIENT, WHEN, "36", UCUM, "C"),
              "want Cel");
    //  Glucose by mass and by moles are different properties: no
    //  conversion between them.
    s_expect (INGEST_UNIT_MISMATCH, s_obs ("final", "2339-0", PATIENT, WHEN, "5", UCUM, "mmol/L"),
              "2339-0");
    s_expect (INGEST_UNIT_MISMATCH, s_obs ("final", "15074-8", PATIENT, WHEN, "90", UCUM,
                                           "mg/dL"), "15074-8");
    s_expect (INGEST_UNIT_MISMATCH, s_obs ("final", "8867-4", PATIENT, WHEN, "72", UCUM,
                                           "{beats/min"), "8867-4");
    s_expect (INGEST_UNIT_MISMATCH, s_obs ("final", "8867-4", PATIENT, WHEN, "72",
                                         "http://example.org", "/min"), "system");
    //  subject_mismatch
    s_expect (INGEST_SUBJECT_MISMATCH, s_obs ("final", "8867-4", "Patient/p-0043", WHEN, "72",
                                            UCUM, "/min"), "not name the device's patient");
    //  The message never quotes the patient's reference.
    assert_null (strstr (util_last_error (), "p-0043"));
    ingest_reason_t r = ingest_fhir_observation_check (&o, "{}", 2, NULL);
    assert_int_equal (r, INGEST_BAD_FHIR);
    const char *ok = s_obs ("final", "8867-4", PATIENT, WHEN, "72", UCUM, "/min");
    assert_int_equal (ingest_fhir_observation_check (&o, ok, strlen (ok), NULL),
                      INGEST_SUBJECT_MISMATCH);
}

//  A heart-rate Observation with `subject` (JSON), `effective` (a JSON
//  member) and `quantity` (the valueQuantity's JSON object) spliced in.
static char *
s_hr (const char *subject, const char *effective, const char *quantity, const char *extra)
{
    static char buf [2048];
    snprintf (buf, sizeof buf,
              "{\"resourceType\":\"Observation\",\"id\":\"hr-1\",\"status\":\"final\","
              "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},"
              "\"subject\":%s,%s,\"valueQuantity\":%s%s}", subject, effective, quantity, extra);
    return buf;
}

#define SUBJ "{\"reference\":\"" PATIENT "\"}"
#define EFF  "\"effectiveDateTime\":\"" WHEN "\""
#define QTY  "{\"value\":72,\"system\":\"" UCUM "\",\"code\":\"/min\"}"

//  A comparator is kept and marks the reading censored; the value is not
//  rounded to the bound.
static void
test_comparator (void **state)
{
    (void) state;
    ingest_observation_t o;
    const char *cmps [] = { "<", "<=", ">=", ">" };
    for (size_t i = 0; i < 4; i++) {
        char q [256];
        snprintf (q, sizeof q, "{\"value\":70,\"comparator\":\"%s\",\"system\":\"" UCUM "\","
                  "\"code\":\"/min\"}", cmps [i]);
        assert_int_equal (s_check (s_hr (SUBJ, EFF, q, ""), &o), INGEST_OK);
        assert_true (o.censored);
        assert_string_equal (o.comparator, cmps [i]);
        assert_true (o.value == 70);
        assert_string_equal (o.id, "hr-1");
    }
    s_expect (INGEST_BAD_FHIR, s_hr (SUBJ, EFF, "{\"value\":70,\"comparator\":\"~\",\"system\":\""
                                     UCUM "\",\"code\":\"/min\"}", ""), "comparator");
    s_expect (INGEST_BAD_FHIR, s_hr (SUBJ, EFF, "{\"value\":70,\"comparator\":1,\"system\":\""
                                     UCUM "\",\"code\":\"/min\"}", ""), "comparator");
}

//  A Quantity with only `unit` text: taken when the text is itself a UCUM
//  code of the right kind.
static void
test_unit_text (void **state)
{
    (void) state;
    ingest_observation_t o;
    assert_int_equal (s_check (s_hr (SUBJ, EFF, "{\"value\":72,\"unit\":\"/min\"}", ""), &o),
                      INGEST_OK);
    assert_string_equal (o.unit, "/min");
    assert_int_equal (s_check (s_hr (SUBJ, EFF, "{\"value\":72,\"unit\":\"{beats}/min\"}", ""),
                               &o), INGEST_OK);
    s_expect (INGEST_UNIT_MISMATCH, s_hr (SUBJ, EFF, "{\"value\":72,\"unit\":\"beats/minute\"}",
                                          ""), "valueQuantity.unit");
    s_expect (INGEST_UNIT_MISMATCH, s_hr (SUBJ, EFF, "{\"value\":72,\"unit\":\"bpm\"}", ""),
              "valueQuantity.unit");
    s_expect (INGEST_UNIT_MISMATCH, s_hr (SUBJ, EFF, "{\"value\":72,\"unit\":\"%\"}", ""),
              "valueQuantity.unit");
    s_expect (INGEST_UNIT_MISMATCH, s_hr (SUBJ, EFF, "{\"value\":72}", ""), "no unit");
    //  A code needs its system; a system other than UCUM is refused even
    //  with good unit text.
    s_expect (INGEST_UNIT_MISMATCH, s_hr (SUBJ, EFF, "{\"value\":72,\"code\":\"/min\"}", ""),
              "needs a system");
    s_expect (INGEST_UNIT_MISMATCH, s_hr (SUBJ, EFF, "{\"value\":72,\"unit\":\"/min\","
                                          "\"system\":\"http://example.org\"}", ""), "system");
    s_expect (INGEST_UNIT_MISMATCH, s_hr (SUBJ, EFF, "{\"value\":72,\"system\":\"" UCUM "\","
                                          "\"code\":5}", ""), "strings");
}

//  effective[x]: dateTime of any precision, instant, Period start.
static void
test_effective (void **state)
{
    (void) state;
    ingest_observation_t o;
    const struct { const char *eff; int64_t want; } good [] = {
        { "\"effectiveDateTime\":\"2026-11-22\"", 1795305600000LL },
        { "\"effectiveDateTime\":\"2026-11\"", 1793491200000LL },
        { "\"effectiveDateTime\":\"2026\"", 1767225600000LL },
        { "\"effectiveDateTime\":\"1969-12-31T23:59:59Z\"", -1000LL },
        { "\"effectiveDateTime\":\"0001-01-01\"", -62135596800000LL },
        { "\"effectivePeriod\":{\"start\":\"2026-11-22T14:05:00Z\",\"end\":\"2026-11-22T15:00:00Z\"}",
          1795356300000LL },
        { "\"effectivePeriod\":{\"start\":\"2026-11-22\"}", 1795305600000LL },
        { "\"effectiveInstant\":\"2026-11-22T14:05:00Z\"", 1795356300000LL },
    };
    for (size_t i = 0; i < sizeof good / sizeof good [0]; i++) {
        if (s_check (s_hr (SUBJ, good [i].eff, QTY, ""), &o) != INGEST_OK)
            fail_msg ("%s: %s", good [i].eff, util_last_error ());
        if (o.effective_ms != good [i].want)
            fail_msg ("%s: %lld", good [i].eff, (long long) o.effective_ms);
    }
    s_expect (INGEST_BAD_FHIR, s_hr (SUBJ, "\"effectivePeriod\":{\"end\":\"2026-11-22\"}", QTY,
                                     ""), "effectivePeriod.start is required");
    s_expect (INGEST_BAD_FHIR, s_hr (SUBJ, "\"effectivePeriod\":{\"start\":\"2026-11-22T14\"}",
                                     QTY, ""), "effectivePeriod.start must be");
    s_expect (INGEST_BAD_FHIR, s_hr (SUBJ, "\"effectiveInstant\":\"2026-11-22\"", QTY, ""),
              "effectiveInstant");
    s_expect (INGEST_BAD_FHIR, s_hr (SUBJ, "\"effectiveTiming\":{}", QTY, ""),
              "effectiveTiming is not taken");
    s_expect (INGEST_BAD_FHIR, s_hr (SUBJ, EFF ",\"effectiveInstant\":\"" WHEN "\"", QTY, ""),
              "more than one");
}

//  Modifiers: a modifierExtension anywhere, implicitRules; and
//  security-labelled Observations.
static void
test_modifiers (void **state)
{
    (void) state;
    const char *ext = "[{\"url\":\"http://example.org/not\",\"valueBoolean\":true}]";
    char extra [256];
    snprintf (extra, sizeof extra, ",\"modifierExtension\":%s", ext);
    s_expect (INGEST_BAD_FHIR, s_hr (SUBJ, EFF, QTY, extra), "modifierExtension is not understood");
    char q [256];
    snprintf (q, sizeof q, "{\"value\":72,\"system\":\"" UCUM "\",\"code\":\"/min\","
              "\"modifierExtension\":%s}", ext);
    s_expect (INGEST_BAD_FHIR, s_hr (SUBJ, EFF, q, ""), "valueQuantity.modifierExtension");
    snprintf (extra, sizeof extra, ",\"component\":[{\"modifierExtension\":%s}]", ext);
    s_expect (INGEST_BAD_FHIR, s_hr (SUBJ, EFF, QTY, extra), "component[0].modifierExtension");
    s_expect (INGEST_BAD_FHIR, s_hr (SUBJ, EFF, QTY, ",\"implicitRules\":\"http://x\""),
              "implicitRules");
    s_expect (INGEST_BAD_FHIR, s_hr (SUBJ, EFF, QTY, ",\"meta\":{\"security\":[{\"system\":"
                                     "\"http://x\",\"code\":\"R\"}]}"), "meta.security");
    //  An ordinary extension is not a modifier.
    ingest_observation_t o;
    snprintf (extra, sizeof extra, ",\"extension\":%s", ext);
    assert_int_equal (s_check (s_hr (SUBJ, EFF, QTY, extra), &o), INGEST_OK);
    s_expect (INGEST_BAD_FHIR, s_hr (SUBJ, EFF, QTY, ",\"id\":\"a b\""), "duplicate");
}

//  The subject in each R4 form, against a patient with identifiers.
static void
test_subject_forms (void **state)
{
    (void) state;
    const char *ids [] = { "urn:ietf:rfc:3986|urn:uuid:8f3b6f4e-62d4-4bd6-9a3e-0d3c1a2b3c4d",
                           "http://hospital.example/mrn|12345" };
    ingest_patient_t p = { "p-0042", ids, 2 };
    ingest_observation_t o;
    const char *good [] = {
        SUBJ,
        "{\"reference\":\"http://fhir.example/R4/Patient/p-0042\"}",
        "{\"reference\":\"https://fhir.example/Patient/p-0042/_history/3\"}",
        "{\"reference\":\"Patient/p-0042/_history/1\"}",
        "{\"reference\":\"urn:uuid:8f3b6f4e-62d4-4bd6-9a3e-0d3c1a2b3c4d\"}",
        "{\"identifier\":{\"system\":\"http://hospital.example/mrn\",\"value\":\"12345\"}}",
        "{\"reference\":\"Patient/p-0042\",\"type\":\"Patient\",\"display\":\"x\"}",
    };
    for (size_t i = 0; i < sizeof good / sizeof good [0]; i++) {
        const char *json = s_hr (good [i], EFF, QTY, "");
        if (ingest_fhir_observation_for (&o, json, strlen (json), &p) != INGEST_OK)
            fail_msg ("%s: %s", good [i], util_last_error ());
        //  Without a patient: form only.
        assert_int_equal (ingest_fhir_observation_for (&o, json, strlen (json), NULL), INGEST_OK);
    }
    const char *other [] = {
        "{\"reference\":\"Patient/p-0043\"}",
        "{\"reference\":\"http://fhir.example/Patient/p-00421\"}",
        "{\"reference\":\"urn:uuid:00000000-62d4-4bd6-9a3e-0d3c1a2b3c4d\"}",
        "{\"identifier\":{\"system\":\"http://hospital.example/mrn\",\"value\":\"1234\"}}",
        "{\"identifier\":{\"system\":\"http://other.example/mrn\",\"value\":\"12345\"}}",
        "{\"reference\":\"Patient/p-0042\",\"identifier\":{\"system\":\"http://hospital.example/"
        "mrn\",\"value\":\"9\"}}",
    };
    for (size_t i = 0; i < sizeof other / sizeof other [0]; i++) {
        const char *json = s_hr (other [i], EFF, QTY, "");
        assert_int_equal (ingest_fhir_observation_for (&o, json, strlen (json), &p),
                          INGEST_SUBJECT_MISMATCH);
        assert_null (strstr (util_last_error (), "1234"));
        assert_null (strstr (util_last_error (), "p-004"));
    }
    const char *bad [] = {
        "{\"reference\":\"Group/g-1\"}", "{\"reference\":\"Patient/\"}",
        "{\"reference\":\"ftp://x/Patient/p-0042\"}", "{\"reference\":\"Patient/p 1\"}",
        "{\"reference\":\"Patient/p-0042/_history/\"}", "{\"reference\":5}",
        "{\"display\":\"Jane\"}", "{\"identifier\":{\"value\":\"12345\"}}",
        "{\"reference\":\"Patient/p-0042\",\"type\":\"Device\"}", "\"Patient/p-0042\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        const char *json = s_hr (bad [i], EFF, QTY, "");
        if (ingest_fhir_observation_for (&o, json, strlen (json), &p) != INGEST_BAD_FHIR)
            fail_msg ("%s: %s", bad [i], util_last_error ());
        assert_non_null (strstr (util_last_error (), "subject"));
    }
    //  Two codings that name different vital signs.
    const char *two = "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":["
        "{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"},"
        "{\"system\":\"http://loinc.org\",\"code\":\"9279-1\"}]},\"subject\":" SUBJ ","
        EFF ",\"valueQuantity\":" QTY "}";
    s_expect (INGEST_BAD_FHIR, two, "two different vital signs");
    //  Panel components.
    assert_string_equal (ingest_fhir_components ("85354-9") [0], "8480-6");
    assert_string_equal (ingest_fhir_components ("85354-9") [1], "8462-4");
    assert_null (ingest_fhir_components ("85354-9") [2]);
    assert_null (ingest_fhir_components ("8867-4"));
    assert_null (ingest_fhir_components (NULL));
}

static void
test_too_large (void **state)
{
    (void) state;
    char *big = malloc (INGEST_PAYLOAD_MAX + 1);
    memset (big, ' ', INGEST_PAYLOAD_MAX + 1);
    const char *ok = s_obs ("final", "8867-4", PATIENT, WHEN, "72", UCUM, "/min");
    memcpy (big, ok, strlen (ok));
    ingest_observation_t o;
    //  Exactly the limit (padded with spaces) passes; one more byte does not.
    assert_int_equal (ingest_fhir_observation_check (&o, big, INGEST_PAYLOAD_MAX, PATIENT), INGEST_OK);
    assert_int_equal (ingest_fhir_observation_check (&o, big, INGEST_PAYLOAD_MAX + 1, PATIENT),
                      INGEST_TOO_LARGE);
    free (big);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_vitals_accepted),
        cmocka_unit_test (test_blood_pressure),
        cmocka_unit_test (test_rejections),
        cmocka_unit_test (test_comparator),
        cmocka_unit_test (test_unit_text),
        cmocka_unit_test (test_effective),
        cmocka_unit_test (test_modifiers),
        cmocka_unit_test (test_subject_forms),
        cmocka_unit_test (test_too_large),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
