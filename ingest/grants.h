/*  ingest/grants.h - the site's consent grants and cohort selection.

    Grants live in the ingest store's SQLite file (ingest/store.h), beside
    the records they govern. A consent authority is enrolled by its verifier
    key (audit/key.h); only grants it signed are taken (ingest/consent.h).

    Versions: grants with the same Consent id are versions of one consent;
    the site keeps the newest by dateTime, whatever the order they arrive
    in. A version whose status is not active is a revocation and takes
    effect for every later selection; it is kept even when no version of
    its consent is held yet, so that a grant dated before it that arrives
    after it is superseded: the consent stays revoked. An active grant
    already expired or not yet valid when it arrives, and a version not
    newer than the one held, are rejected with a reason.

    Selection: a record is usable for (site, study, purpose, time) when a
    current grant of its patient permits that use for the record's LOINC
    code (ingest_consent_decide), no current grant of the patient denies
    it (ingest_consent_denies: a deny wins), and its value is exact (not
    censored); a patient is usable when a current grant permits the use of
    the patient's data as a whole and none denies it.

    Contents
        ingest_grants_t                 the grants of one ingest store
        ingest_grants_open              opens them (creating the tables)
        ingest_grants_enroll_authority  enrolls a consent authority
        ingest_grants_add               takes a signed grant, or rejects it
        ingest_grants_select_records    the records usable for a use
        ingest_grants_select_patients   the patients usable for a use
        ingest_grant_use_t              a patient and a grant that permits a use
        ingest_grants_select_grants     those pairs for a use
        ingest_grant_uses_free          frees them
        ingest_grants_destroy           closes

    The handle is the caller's (ingest_grants_destroy, NULL-safe); the audit
    log is borrowed and must outlive it. The selections are new arrays the
    caller frees (and each patient string; ingest_grant_uses_free for the
    pairs). Errors are -1 / NULL with the
    reason in the error slot (util/error.h).
*/
#ifndef INGEST_GRANTS_H
#define INGEST_GRANTS_H

#include "consent.h"
#include "audit/log.h"

typedef struct _ingest_grants_t ingest_grants_t;

/*  Opens the grants of the ingest store at `path` (creating the tables if
    needed). `audit` (may be NULL, borrowed) gets one entry per grant taken
    or rejected (grant.accept, grant.reject) and per authority enrolled
    (authority.enroll). Returns the handle or NULL. */
ingest_grants_t *ingest_grants_open (const char *path, audit_log_t *audit);

/*  Closes it, sets *self_p to NULL. NULL-safe. */
void ingest_grants_destroy (ingest_grants_t **self_p);

/*  Enrolls a consent authority by its verifier key line. Returns 0, or -1
    if the key does not parse or is already enrolled. */
int ingest_grants_enroll_authority (ingest_grants_t *self, const char *verifier_key) INGEST_WUR;

/*  Takes a signed grant envelope received at now_ms and decides it: sets
    *reason to INGEST_GRANT_OK (stored) or to why it was rejected
    (malformed, unsigned, unknown_authority, bad_signature, expired,
    not_yet_valid, or superseded; the error slot has the detail) and
    returns 0; the decision is audited. Returns -1,
    storing and auditing nothing, when the grant could not be decided: out
    of memory, or the store or the audit log failed (it may be sent
    again). */
int ingest_grants_add (ingest_grants_t *self, const char *envelope, size_t len, int64_t now_ms,
                       ingest_grant_reason_t *reason) INGEST_WUR;

/*  The records usable for q's site, study, purpose and time (q->patient
    and q->loinc are ignored): sets *ids to a new array (caller frees) of
    *n record ids (the records table's ids, ascending). A censored
    reading (stored with a comparator, ingest/store.h) is never usable:
    those a grant would permit are counted in *censored (may be NULL).
    Returns 0 or -1 (also for a store whose records predate the censored
    flag and that has not been opened with its storage key since). */
int ingest_grants_select_records (ingest_grants_t *self, const ingest_consent_query_t *q,
                                  int64_t **ids, size_t *n, size_t *censored) INGEST_WUR;

/*  The patients usable for q's site, study, purpose and time: sets
    *patients to a new array of *n new strings (caller frees each and the
    array), sorted. Returns 0 or -1. */
int ingest_grants_select_patients (ingest_grants_t *self, const ingest_consent_query_t *q,
                                 char ***patients, size_t *n) INGEST_WUR;

/*  A patient usable for a use and one current grant of theirs that
    permits it (ingest_grants_select_grants). Strings owned by the array. */
typedef struct {
    char *patient;              //  "Patient/<id>"
    char *grant;                //  the Consent's id
    int64_t granted_ms;         //  the version's dateTime (ms since the Unix epoch)
} ingest_grant_use_t;

/*  The patients of ingest_grants_select_patients for q, each with every
    current grant of theirs that permits the use (one pair per grant; a
    patient is listed only when no grant of theirs denies it): sets *uses
    to a new array of *n pairs sorted by patient, then grant id (free with
    ingest_grant_uses_free). Returns 0 or -1. */
int ingest_grants_select_grants (ingest_grants_t *self, const ingest_consent_query_t *q,
                                 ingest_grant_use_t **uses, size_t *n) INGEST_WUR;

/*  Frees n pairs and the array. NULL-safe. */
void ingest_grant_uses_free (ingest_grant_use_t *uses, size_t n);

#endif
