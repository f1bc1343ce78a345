/*  Unit tests for ingest/check.c: every file of the FHIR corpus
    (tests/fixtures/fhir: HL7's R4 examples, our US Core-modelled vital
    signs and our variants) gets the verdict and reason its MANIFEST.tsv
    line says; the --patient forms; files that are no resource. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/check.h"
#include "util/error.h"
#include "support_dir.h"
#include "support_file.h"

#define CORPUS COHORT_SOURCE_DIR "/tests/fixtures/fhir"
#define PATIENT "Patient/example,http://hospital.example.org/mrn|12345"

static void
test_corpus (void **state)
{
    (void) state;
    ingest_check_patient_t p;
    assert_int_equal (ingest_check_patient_parse (&p, PATIENT), 0);
    FILE *f = fopen (CORPUS "/MANIFEST.tsv", "r");
    assert_non_null (f);
    char line [1024];
    size_t files = 0, accepted = 0;
    while (fgets (line, sizeof line, f)) {
        if (line [0] == '#')
            continue;
        line [strcspn (line, "\n")] = '\0';
        char *file = strtok (line, "\t"), *verdict = strtok (NULL, "\t");
        char *reason = strtok (NULL, "\t");
        assert_non_null (file);
        assert_non_null (verdict);
        char path [512];
        snprintf (path, sizeof path, "%s/%s", CORPUS, file);
        ingest_check_result_t v;
        assert_int_equal (ingest_check_file (path, &p, &v), 0);
        if (v.accepted != (strcmp (verdict, "accepted") == 0))
            fail_msg ("%s: %s (%s), want %s", file, v.accepted? "accepted": "refused", v.reason,
                      verdict);
        if (strncmp (v.reason, reason? reason: "", reason? strlen (reason): 1) != 0)
            fail_msg ("%s: reason '%s', want '%s...'", file, v.reason, reason? reason: "");
        files++;
        accepted += v.accepted;
    }
    fclose (f);
    //  12 HL7 Consents, 16 HL7 vital signs, 7 US Core-modelled, 24 variants.
    assert_int_equal (files, 59);
    assert_true (accepted >= 20);
}

//  The same Observations for no patient (form only) and for another one.
static void
test_patients (void **state)
{
    (void) state;
    ingest_check_result_t v;
    assert_int_equal (ingest_check_file (CORPUS "/variants/heart-rate-other-patient.json", NULL,
                                         &v), 0);
    assert_true (v.accepted);
    ingest_check_patient_t p;
    assert_int_equal (ingest_check_patient_parse (&p, "Patient/someone-else"), 0);
    assert_int_equal (ingest_check_file (CORPUS "/variants/heart-rate-other-patient.json", &p,
                                         &v), 0);
    assert_true (v.accepted);
    assert_int_equal (ingest_check_file (CORPUS "/hl7-r4/Observation-heart-rate.json", &p, &v), 0);
    assert_false (v.accepted);
    assert_non_null (strstr (v.reason, "subject_mismatch"));
    //  The Bundle's urn:uuid subjects name the patient only through the
    //  Patient entry's identifier.
    assert_int_equal (ingest_check_patient_parse (&p, "Patient/example"), 0);
    assert_int_equal (ingest_check_file (CORPUS "/variants/bundle-transaction.json", &p, &v), 0);
    assert_false (v.accepted);
    assert_non_null (strstr (v.reason, "entry[1] Observation: subject_mismatch"));
    assert_int_equal (ingest_check_file (CORPUS "/variants/bundle-transaction.json", NULL, &v), 0);
    assert_true (v.accepted);
    //  A Consent of another patient.
    assert_int_equal (ingest_check_patient_parse (&p, "Patient/p-1"), 0);
    assert_int_equal (ingest_check_file (CORPUS "/variants/consent-research.json", &p, &v), 0);
    assert_false (v.accepted);
    assert_non_null (strstr (v.reason, "subject_mismatch"));
    //  Bad --patient forms.
    const char *bad [] = { "", "example", "Patient/", "Patient/a,Patient/b", "|x", "x|",
                           "Patient/a b", "a|1,b|2,c|3,d|4,e|5,f|6,g|7,h|8,i|9", "Patient/a,," };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++)
        if (ingest_check_patient_parse (&p, bad [i]) == 0)
            fail_msg ("--patient '%s' taken", bad [i]);
    assert_int_equal (ingest_check_patient_parse (&p, "a|1,b|2,c|3,d|4,e|5,f|6,g|7,h|8"), 0);
    assert_int_equal (p.n, 8);
    assert_string_equal (p.id, "");
}

//  Files that are no resource the check takes.
static void
test_not_resources (void **state)
{
    (void) state;
    char dir [SUPPORT_DIR_MAX], path [512];
    assert_int_equal (support_dir_make (dir, sizeof dir, "check"), 0);
    struct { const char *text, *resource, *reason; } cases [] = {
        { "{\"resourceType\":\"Patient\",\"id\":\"p\"}", "Patient", "unsupported" },
        { "{\"resourceType\":\"Observation\",", "", "bad_fhir: line 1" },
        { "{\"id\":\"x\"}", "", "bad_fhir: not a FHIR resource" },
        { "[1]", "", "bad_fhir: not a FHIR resource" },
        { "{\"resourceType\":\"Bundle\",\"entry\":[{\"resource\":{\"resourceType\":\"Patient\"}}]}",
          "Bundle", "unsupported: the Bundle holds no" },
        { "{\"resourceType\":\"Bundle\",\"entry\":{}}", "Bundle", "bad_fhir: Bundle.entry" },
        { "{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"Patient/secret-name\"},"
          "\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":"
          "\"8867-4\"}]},\"effectiveDateTime\":\"2020\",\"valueQuantity\":{\"value\":\"secret\"}}",
          "Observation", "bad_fhir: fhir: Observation.valueQuantity.value must be a number" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        snprintf (path, sizeof path, "%s/f%zu.json", dir, i);
        support_file_write (path, cases [i].text, 0600);
        ingest_check_result_t v;
        assert_int_equal (ingest_check_file (path, NULL, &v), 0);
        assert_false (v.accepted);
        assert_string_equal (v.resource, cases [i].resource);
        if (strncmp (v.reason, cases [i].reason, strlen (cases [i].reason)) != 0)
            fail_msg ("case %zu: '%s', want '%s...'", i, v.reason, cases [i].reason);
        assert_null (strstr (v.reason, "secret"));
    }
    ingest_check_result_t v;
    snprintf (path, sizeof path, "%s/missing.json", dir);
    assert_int_equal (ingest_check_file (path, NULL, &v), 0);
    assert_false (v.accepted);
    assert_non_null (strstr (v.reason, "unreadable"));
    support_dir_remove (dir);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_corpus),
        cmocka_unit_test (test_patients),
        cmocka_unit_test (test_not_resources),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
