/*  ingest/consent.h - consent grants: FHIR R4 Consent resources signed by an
    enrolled consent authority, and the decision whether one permits a use.

    A signed grant ("consent.json.sig") is a JSON object

        { "consent":   base64 of the exact bytes of the Consent JSON,
          "signer":    "<authority key name>+<key id, 8 hex digits>",
          "signature": base64 of Ed25519("cohort-consent-v1\n" || those bytes) }

    signed with an audit/key.h signer key; authorities are known by their
    verifier keys. The Consent (at most INGEST_CONSENT_MAX bytes) is read
    whole: every element is either honoured or the consent is refused
    (MALFORMED) with one line naming the element. It must have
    resourceType "Consent"; id (1..64 of [A-Za-z0-9.-]); an R4 status;
    scope consentscope#research; patient.reference "Patient/<id>";
    dateTime (an R4 dateTime of any precision, ingest/fhirtime.h: it
    orders versions); a policyRule, if any, of v3-ActCode OPTIN (the base
    policy is always opt-in: what no provision permits is denied); and a
    provision. No modifierExtension anywhere, no implicitRules, and no
    element R4 does not define.

    A provision (the root, and nested ones at most 8 deep, at most 64 in
    all) may hold: type (permit or deny; required when nested, default
    permit at the root); period and dataPeriod (Periods of R4 dateTimes);
    and lists of 1..64 of: actor (role, if given, v3-ParticipationType
    PRCP, IRCP or CST; reference "Type/<id>"), action (consentaction
    codes), securityLabel (codings), purpose (v3-ActReason codings), class
    (resource types, http://hl7.org/fhir/resource-types), code (concepts
    with a LOINC coding), data (meaning instance, reference
    "Observation/<id>"), and provision. docs/ingest.md has an example and
    the decision table.

    Contents
        ingest_grant_reason_t       a grant's verdict: ok or one reason
        ingest_grant_reason_name    its name
        ingest_consent_t            a parsed Consent
        ingest_consent_query_t      a use to decide: patient, site, study,
                                    purpose, time, item
        ingest_consent_parse        a Consent from untrusted JSON
        ingest_grant_open           a signed grant checked, then parsed
        ingest_grant_sign           signs Consent bytes into a grant
        ingest_consent_decide       does the consent permit a use?
        ingest_consent_denies       does one of its deny rules cover a use?
        ingest_consent_in_force     is it in force at a time?
        ingest_consent_id, ingest_consent_patient, ingest_consent_status,
        ingest_consent_time         its fields (borrowed)
        ingest_consent_destroy      frees one

    A consent is the caller's (ingest_consent_destroy, NULL-safe), and so is
    the envelope text ingest_grant_sign returns (free); keys, JSON and
    queries are borrowed. A verdict other than INGEST_GRANT_OK leaves its
    reason in the error slot (util/error.h); with UTIL_ENOMEM there it means
    the grant could not be judged, not that it is bad.
*/
#ifndef INGEST_CONSENT_H
#define INGEST_CONSENT_H

#include "ingest.h"
#include "audit/key.h"

#define INGEST_CONSENT_MAX  65536       //  bytes of Consent JSON
#define INGEST_GRANT_MAX   (INGEST_CONSENT_MAX * 4 / 3 + 1024)
#define INGEST_CONSENT_LIST_MAX 64      //  actors, purposes, nested provisions, codes

typedef enum {
    INGEST_GRANT_OK = 0,              //  valid (open) / permitted (decide)
    INGEST_GRANT_MALFORMED,           //  envelope or Consent breaks the rules above
    INGEST_GRANT_UNSIGNED,            //  no signature
    INGEST_GRANT_UNKNOWN_AUTHORITY,   //  signed by a key that is not enrolled
    INGEST_GRANT_BAD_SIGNATURE,       //  the signature does not verify
    INGEST_GRANT_INACTIVE,            //  status is not "active"
    INGEST_GRANT_NOT_YET_VALID,       //  before provision.period.start
    INGEST_GRANT_EXPIRED,             //  at or after provision.period.end
    INGEST_GRANT_DENIED,              //  valid, but does not permit this use
    INGEST_GRANT_SUPERSEDED,          //  an equal or newer version is already held
    INGEST_GRANT_REASON_COUNT
} ingest_grant_reason_t;

typedef struct _ingest_consent_t ingest_consent_t;

/*  What a grant is asked to permit: one patient's data used at `site`
    for `study` and `purpose` at `time_ms`; either one record of it (loinc
    set: the record's LOINC code, and, when known, its effective time and
    its resource "Observation/<id>") or the patient's data as a whole
    (loinc NULL). Fields after `loinc` may be left zero. */
typedef struct {
    const char *patient;        //  "Patient/<id>"
    const char *site;           //  "Organization/<site>"
    const char *study;          //  "ResearchStudy/<study>"
    const char *purpose;        //  v3-ActReason code, e.g. "HRESCH"
    int64_t time_ms;            //  the time of use, ms since the Unix epoch
    const char *loinc;          //  the record's LOINC code, or NULL: all the data
    const char *action;         //  consentaction code of the use; NULL: "use"
    bool has_data_time;         //  data_time_ms is known
    int64_t data_time_ms;       //  the record's effective time
    const char *resource;       //  the record "Observation/<id>", or NULL if unknown
    bool open_research;         //  a permit that names no actor (no purpose)
                                //  covers any study (research purpose) the
                                //  site runs: set only when the consortium
                                //  configuration says so
} ingest_consent_query_t;

/*  The reason's name ("ok", "malformed", "unsigned", "unknown_authority",
    "bad_signature", "inactive", "not_yet_valid", "expired", "denied",
    "superseded"). */
const char *ingest_grant_reason_name (ingest_grant_reason_t reason);

/*  Parses an unsigned Consent (untrusted JSON). Returns INGEST_GRANT_OK and
    a new consent in *out, or INGEST_GRANT_MALFORMED naming the field; with
    util_last_code () == UTIL_ENOMEM the consent could not be read (out of
    memory), which says nothing about it. */
ingest_grant_reason_t ingest_consent_parse (ingest_consent_t **out, const char *json,
                                        size_t len) INGEST_WUR;

/*  Opens a signed grant: checks the envelope, finds the signer among the
    n enrolled `authorities`, verifies the signature, then parses the
    Consent. Returns INGEST_GRANT_OK with *out set, or the reason (as for
    ingest_consent_parse, UTIL_ENOMEM means it could not be judged). */
ingest_grant_reason_t ingest_grant_open (ingest_consent_t **out, const char *envelope, size_t len,
                                     const audit_verifier_t *const *authorities,
                                     size_t n) INGEST_WUR;

/*  Signs the Consent bytes (at most INGEST_CONSENT_MAX) with an authority's
    key and returns the grant envelope text (caller frees), or NULL with the
    reason. The Consent is not checked. */
char *ingest_grant_sign (const char *json, size_t len, const audit_signer_t *authority);

/*  Decides whether the consent permits the use in `q`: INGEST_GRANT_OK, or
    INACTIVE, NOT_YET_VALID, EXPIRED (status, the root's period) or DENIED
    with the rule that decided in util_last_error (). The patient must be
    the consent's. Then, as R4 reads provisions: outside the root rule the
    opt-in base policy denies; a rule that applies decides by its type
    unless a nested rule that applies decides otherwise, a deny among
    several winning. A rule's conditions (each element it has) must all
    hold; a condition on the data (securityLabel, class, code, dataPeriod,
    data) cannot be known for the patient's data as a whole, or for a
    record whose time or resource is not given: such a rule is read
    against the patient, a permit not applying and a deny applying.
    docs/ingest.md has the table. */
ingest_grant_reason_t ingest_consent_decide (const ingest_consent_t *self,
                                         const ingest_consent_query_t *q) INGEST_WUR;

/*  Whether the consent, in force at q->time_ms and of q's patient, denies
    the use by a deny rule that covers it, not merely by the opt-in base
    policy (a use outside its root rule is not denied by it). The root is
    read broadly: a permit that names no actor or no purpose covers any
    study and purpose here (whatever q->open_research says), because what
    its nested denies withhold, the patient withholds from all research.
    Nested rules are read as ingest_consent_decide reads them. Several
    grants of one patient combine as "a deny wins" (ingest/grants.h):
    this is how a grant that denies a code for any research stops a
    permit another grant gives. */
bool ingest_consent_denies (const ingest_consent_t *self, const ingest_consent_query_t *q);

/*  Whether the consent is in force at time_ms: INGEST_GRANT_OK, or
    INACTIVE (status not active), NOT_YET_VALID or EXPIRED. */
ingest_grant_reason_t ingest_consent_in_force (const ingest_consent_t *self,
                                           int64_t time_ms) INGEST_WUR;

/*  The consent's id, patient reference, status and dateTime (ms). */
const char *ingest_consent_id (const ingest_consent_t *self);
const char *ingest_consent_patient (const ingest_consent_t *self);
const char *ingest_consent_status (const ingest_consent_t *self);
int64_t ingest_consent_time (const ingest_consent_t *self);

/*  Frees the consent, sets *self_p to NULL. NULL-safe. */
void ingest_consent_destroy (ingest_consent_t **self_p);

#endif
