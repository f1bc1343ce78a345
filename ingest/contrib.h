/*  ingest/contrib.h - per-patient contribution records: which studies and
    queries used which patient's records at this site, when, and under
    which consent grant (the patient's right of access; docs/operations.md,
    "Patients' right of access"). Local to the site: nothing here is ever
    sent.

    The records live in the ingest store's SQLite file, beside the grants
    they name (ingest/grants.h), in two tables:

        contrib_uses      one row per study or query that used records under
                          consent: id (the offer's), kind ('study' or
                          'query'), name (the study's name, or the query's
                          expression), analyst (the certificate name, NULL if
                          unknown), dataset, purpose and study_ref (the use
                          the grants were judged for), accepted_ms, then
                          last_round, ended_ms and status (updated once, at
                          its end)
        contrib_patients  one row per (use, patient, grant that permitted
                          it): grant id and the version's dateTime

    A use is written once, at acceptance, in one transaction with its
    patients, before the site answers the offer; an offer accepted again
    under the same id (a coordinator that restarted) adds to the same use.
    A patient is recorded when a row of theirs is among the dataset rows the
    use reads (ingest/cohort.h: the same use, the same time), with every
    current grant of theirs that permits it.

    Contents
        ingest_contrib_use_t        a study or query accepted at the site
        ingest_contrib_record       records it and the patients it uses
        ingest_contrib_end          records its last round and its end
        ingest_contrib_grant_t      a grant as a patient sees it
        ingest_contrib_t            one use as a patient sees it
        ingest_contrib_list_t       a patient's uses
        ingest_contrib_patient      "p-1" or "Patient/p-1", checked
        ingest_contrib_read         a patient's uses, the lookup audited
        ingest_contrib_list_clear   frees a list

    Inputs are borrowed; a list is the caller's (ingest_contrib_list_clear).
    Errors are -1 with one line naming the file or the input in the error
    slot (util/error.h).
*/
#ifndef INGEST_CONTRIB_H
#define INGEST_CONTRIB_H

#include "cohort.h"
#include "audit/log.h"

#define INGEST_CONTRIB_DETAIL_MAX 200   //  bytes of an end's detail kept

/*  A study or query accepted at the site. Borrowed strings. */
typedef struct {
    const char *id;                 //  the offer's study id (1..PROTO_ID_MAX)
    const proto_study_t *study;     //  its definition: name or query, id, purpose
    const char *analyst;            //  the analyst's certificate name, or NULL
    int64_t time_ms;                //  the acceptance, the time the grants are judged at
} ingest_contrib_use_t;

/*  Records `use` of the dataset `src` (which names the grant store and the
    patient column) and the patients it reads: each patient named in the
    patient column of one of the n_csvs tables whose current grants permit
    the use at use->time_ms (ingest_grants_select_grants), with each
    permitting grant. One transaction, committed only once the audit entry
    contributions.record (study, kind, patients, grants: counts only) is in
    `audit` (may be NULL: no entry). A source without a patient column
    records nothing and returns 0. Returns 0 or -1 (nothing recorded). */
int ingest_contrib_record (const ingest_cohort_source_t *src, const ingest_contrib_use_t *use,
                           const model_csv_t *const *csvs, size_t n_csvs,
                           audit_log_t *audit) INGEST_WUR;

/*  Records the end of use `id` in the store at `store`: its last round,
    the time, and its status ("completed" when ok, else "stopped"), with
    the coordinator's detail (at most INGEST_CONTRIB_DETAIL_MAX bytes
    kept). A use that was never recorded is left alone (0). 0 or -1. */
int ingest_contrib_end (const char *store, const char *id, uint32_t last_round, bool ok,
                        const char *detail, int64_t now_ms) INGEST_WUR;

/*  A grant under which a patient's records were used. */
typedef struct {
    char *id;                   //  the Consent's id
    int64_t granted_ms;         //  the dateTime of the version that permitted it
    bool revoked;               //  the consent's current version is not active
    int64_t revoked_ms;         //  that version's dateTime (revoked only)
    bool held;                  //  false: the store no longer holds the grant
} ingest_contrib_grant_t;

/*  One use of a patient's records. */
typedef struct {
    char *id, *kind, *name, *dataset, *purpose;
    char *analyst;              //  NULL: not known at the site
    char *study_ref;            //  "ResearchStudy/<id>", or NULL
    char *status;               //  "accepted" (not ended yet), "completed", "stopped"
    char *detail;               //  the end's detail, or NULL
    int64_t accepted_ms;
    int64_t ended_ms;           //  0: not ended
    uint32_t last_round;
    ingest_contrib_grant_t *grants;
    size_t n_grants;
} ingest_contrib_t;

/*  A patient's uses, oldest first. */
typedef struct {
    char patient [80];          //  "Patient/<id>"
    ingest_contrib_t *uses;
    size_t n;
} ingest_contrib_list_t;

/*  Writes "Patient/<id>" into out (cap bytes) from `text`, "<id>" or
    "Patient/<id>", where <id> is a FHIR id (1..64 of [A-Za-z0-9.-]).
    0, or -1 naming what is wrong. */
int ingest_contrib_patient (char *out, size_t cap, const char *text) INGEST_WUR;

/*  The uses of `patient` ("p-1" or "Patient/p-1") recorded in the ingest
    store at `store` (which must exist and hold grants), into *out
    (ingest_contrib_list_clear). The lookup is audited before it returns,
    in the audit log at `audit` (required: a lookup that cannot be audited
    is refused and shows nothing; the log is created with `origin` if
    missing and origin is not NULL), as contributions.read with actor
    "operator:<operator_name>" (NULL: the effective user's login name) and
    detail patient_sha256 (hex SHA-256 of "cohort-contrib-v1\n" and the
    patient reference) and uses (how many). A patient with no recorded use
    gets an empty list (0). Returns 0 or -1 (*out empty but for the
    patient reference, when it parsed). */
int ingest_contrib_read (const char *store, const char *audit, const char *origin,
                         const char *operator_name, const char *patient,
                         ingest_contrib_list_t *out) INGEST_WUR;

/*  Frees what a list holds and empties it. NULL-safe. */
void ingest_contrib_list_clear (ingest_contrib_list_t *self);

#endif
