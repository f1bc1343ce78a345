/*  Unit tests for ingest/fhir.c: every supported vital sign is accepted, and
    every rejection (bad_fhir, unit_mismatch, subject_mismatch, too_large)
    is reached by a minimal change to a good Observation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
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
    const struct { const char *loinc, *unit, *value; ingest_vital_t vital; } good [] = {
        { "8867-4", "/min", "72", INGEST_VITAL_HEART_RATE },
        { "2708-6", "%", "97.5", INGEST_VITAL_SPO2 },
        { "59408-5", "%", "100", INGEST_VITAL_SPO2 },
        { "8310-5", "Cel", "36.8", INGEST_VITAL_BODY_TEMPERATURE },
        { "8310-5", "[degF]", "98.2", INGEST_VITAL_BODY_TEMPERATURE },
        { "2339-0", "mg/dL", "0", INGEST_VITAL_GLUCOSE },
    };
    for (size_t i = 0; i < sizeof good / sizeof good [0]; i++) {
        memset (&o, 0, sizeof o);
        const char *json = s_obs ("final", good [i].loinc, PATIENT, WHEN, good [i].value, UCUM,
                                  good [i].unit);
        if (s_check (json, &o) != INGEST_OK)
            fail_msg ("%s rejected: %s", good [i].loinc, util_last_error ());
        assert_int_equal (o.vital, good [i].vital);
        assert_string_equal (o.loinc, good [i].loinc);
        assert_string_equal (o.unit, good [i].unit);
        assert_true (o.value == strtod (good [i].value, NULL));
        assert_true (o.effective_ms == 1795356300000LL);
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
    const char *bad_times [] = { "2026-11-22", "2026-11-22T14:05Z", "2026-11-22T14:05:00",
                                 "2026-13-22T14:05:00Z", "2026-02-29T14:05:00Z",
                                 "2026-11-22T24:00:00Z", "2026-11-22T14:05:60Z",
                                 "2026-11-22T14:05:00.Z", "2026-11-22T14:05:00+1:00",
                                 "1969-12-31T23:59:59Z", "2026-11-22 14:05:00Z",
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
    s_expect (INGEST_BAD_FHIR, no_subject, "subject.reference is missing");
    const char *no_value = "{\"resourceType\":\"Observation\",\"status\":\"final\","
        "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},"
        "\"subject\":{\"reference\":\"" PATIENT "\"},\"effectiveDateTime\":\"" WHEN "\"}";
    s_expect (INGEST_BAD_FHIR, no_value, "valueQuantity is missing");
    //  unit_mismatch
    s_expect (INGEST_UNIT_MISMATCH, s_obs ("final", "8867-4", PATIENT, WHEN, "72", UCUM, "bpm"),
              "not a UCUM unit for LOINC 8867-4");
    s_expect (INGEST_UNIT_MISMATCH, s_obs ("final", "8310-5", PATIENT, WHEN, "36", UCUM, "degC"),
              "want Cel or [degF]");
    s_expect (INGEST_UNIT_MISMATCH, s_obs ("final", "2339-0", PATIENT, WHEN, "5", UCUM, "mmol/L"),
              "2339-0");
    s_expect (INGEST_UNIT_MISMATCH, s_obs ("final", "8867-4", PATIENT, WHEN, "72",
                                         "http://example.org", "/min"), "system");
    //  subject_mismatch
    s_expect (INGEST_SUBJECT_MISMATCH, s_obs ("final", "8867-4", "Patient/p-0043", WHEN, "72",
                                            UCUM, "/min"), "not the device's patient");
    ingest_reason_t r = ingest_fhir_observation_check (&o, "{}", 2, NULL);
    assert_int_equal (r, INGEST_BAD_FHIR);
    const char *ok = s_obs ("final", "8867-4", PATIENT, WHEN, "72", UCUM, "/min");
    assert_int_equal (ingest_fhir_observation_check (&o, ok, strlen (ok), NULL),
                      INGEST_SUBJECT_MISMATCH);
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
        cmocka_unit_test (test_too_large),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
