/*  ingest/check.h - `cohort ingest check`: the production validators run on
    a hospital's exported FHIR files, storing nothing, so that the exports
    can be tested before they are streamed.

    A file holds one resource:

        Observation   ingest_fhir_observation_for (ingest/fhir.h): accepted,
                      or refused with its ingest reason (bad_fhir,
                      unit_mismatch, subject_mismatch, too_large); an
                      accepted reading with a comparator is reported as
                      censored_value (kept, not to be trained on)
        Consent       ingest_consent_parse (ingest/consent.h): accepted, or
                      refused (malformed, or subject_mismatch if it is
                      another patient's)
        Bundle        each entry's Observation or Consent as above (at most
                      INGEST_CHECK_ENTRIES entries); a Patient entry whose
                      id or identifiers are the patient's lends its fullUrl
                      (urn:uuid:...) to the patient, so that the Bundle's
                      references to it match. Accepted when every such entry
                      is; otherwise the first refused entry is the reason.

    The patient is given as ingest_check_patient_parse reads it; without
    one, subjects are checked for form only.

    Contents
        ingest_check_patient_t      the patient the subjects must name
        ingest_check_patient_parse  from "Patient/<id>" and "system|value"
        ingest_check_result_t       a file's verdict
        ingest_check_file           checks one file

    Results are the caller's variables; nothing is allocated that outlives
    a call, and nothing is written.
*/
#ifndef INGEST_CHECK_H
#define INGEST_CHECK_H

#include "fhir.h"

#define INGEST_CHECK_FILE_MAX (1024 * 1024)     //  bytes of one file
#define INGEST_CHECK_ENTRIES 1024               //  entries of one Bundle
#define INGEST_CHECK_IDS 8                      //  identifiers of the patient
#define INGEST_CHECK_ID_LEN 256                 //  bytes of one, "system|value"

typedef struct {
    bool given;                                 //  false: subjects checked for form only
    char id [INGEST_FHIR_ID_MAX + 1];           //  "" or the id of Patient/<id>
    size_t n;
    char identifiers [INGEST_CHECK_IDS + 1][INGEST_CHECK_ID_LEN];   //  one spare for a fullUrl
} ingest_check_patient_t;

typedef struct {
    char resource [24];         //  "Observation", "Consent", "Bundle", or "" (unknown)
    bool accepted;
    char reason [384];          //  one line: "" when accepted as is, else
                                //  "<reason name>: <detail>"
} ingest_check_result_t;

/*  Reads `text`: comma-separated items, each "Patient/<id>" (at most one)
    or "system|value" (at most INGEST_CHECK_IDS). Returns 0, or -1 with
    the fault in util_last_error (). */
int ingest_check_patient_parse (ingest_check_patient_t *out, const char *text) INGEST_WUR;

/*  Checks the file at `path` for `patient` (NULL: form only) into *out.
    Returns 0 when the file was judged (accepted or refused: a file that
    cannot be read, is too large or is no JSON object is refused), -1 only
    when the site itself failed (out of memory), with the reason in
    util_last_error (). */
int ingest_check_file (const char *path, const ingest_check_patient_t *patient,
                       ingest_check_result_t *out) INGEST_WUR;

#endif
