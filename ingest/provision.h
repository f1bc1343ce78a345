/*  ingest/provision.h - setting a site up for authenticated ingest: the
    storage key, devices, consent authorities and grants, and the cohort a
    use may select (what `cohort ingest` does, as library calls).

    Contents
        ingest_key_file_write               a new key file (endpoint.h reads
                                            it back)
        ingest_site_files_t                 the site's store, key and audit log
        ingest_provision_storage_key        creates the site storage key
        ingest_enrollment_t                 a device to enroll, and where its
                                            secret goes
        ingest_provision_enroll_device      enrolls it and writes its secret
        ingest_provision_revoke_device      revokes a device
        ingest_provision_enroll_authority   enrolls a consent authority
        ingest_provision_sign_grant         signs a FHIR Consent into a grant
        ingest_provision_grant              takes a signed grant into the store
        ingest_provision_grant_remote       delivers one to a site's endpoint
        ingest_selection_t                  patients and records usable for a use
        ingest_provision_select             fills one from a store
        ingest_selection_clear              frees what it holds

    The site's files are named by an ingest_site_files_t, as the ingest
    section of site.cfg names them (ingest_config_t, endpoint.h).

    Nothing is ever overwritten: every file written is created new, and a
    write that fails removes what it created. Key and secret files are
    mode 0600 and their bytes are wiped from memory on every path.

    The provisioning file DIR/<device id>.device, from which a device or
    its gateway is set up (sim/device.h reads it), is this JSON object:

        { "device_id": "<id>", "patient": "Patient/<id>", "epoch": <key epoch>,
          "aead": "aes-256-gcm", "secret": "<64 lower-case hex digits>" }

    What a call returns is the caller's: a path or key line (free), a
    selection (ingest_selection_clear). Every function returns 0 (or a
    result) on success and -1 (or NULL) with one line naming the file or the
    refusal in util_last_error ().
*/
#ifndef INGEST_PROVISION_H
#define INGEST_PROVISION_H

#include "grants.h"

#define INGEST_PROVISION_FILE_MAX (INGEST_GRANT_MAX + 1)  //  a Consent or grant file, bytes

/*  Where a site keeps what ingest provisioning changes. Borrowed strings. */
typedef struct {
    const char *store;          //  the ingest store, which also holds the grants
    const char *storage_key;    //  its key file (needed for devices only)
    const char *audit;          //  an audit log that records each decision, or NULL
    const char *audit_origin;   //  NULL: the log must exist; else its origin, and
                                //  the log is created if missing (as the site does)
} ingest_site_files_t;

/*  Writes the 32-byte key as one line of 64 lower-case hex digits to a new
    file at `path` (mode 0600, synced), the format ingest_key_file_read
    reads. Fails if the file exists. */
int ingest_key_file_write (const char *path, const uint8_t key [32]) INGEST_WUR;

/*  Creates the site storage key file at `path`: 256 bits from OpenSSL's
    CSPRNG, written by ingest_key_file_write. */
int ingest_provision_storage_key (const char *path) INGEST_WUR;

/*  A device to enroll and where its new secret goes: exactly one of
    `secret_out` (the secret alone, a key file) and `provision_dir` (the
    provisioning file DIR/<device id>.device above). The patient's
    identifiers, if any, are what ingest_store_enroll takes; they stay in
    the store (the provisioning file does not carry them). */
typedef struct {
    const char *device_id;      //  1..INGEST_DEVICE_ID_MAX of [A-Za-z0-9._-]
    const char *patient;        //  "Patient/<id>"
    int64_t expires_ms;         //  ms since the Unix epoch; 0: no expiry
    const char *secret_out;
    const char *provision_dir;
    const char *const *identifiers;     //  n_identifiers "system|value", or NULL
    size_t n_identifiers;
} ingest_enrollment_t;

/*  Enrolls the device in site's store (the storage key read from
    site->storage_key; the enrollment audited if site->audit is set) and
    writes its secret. The output is checked first (the directory exists,
    the file does not), so a refused output enrolls nothing; if writing
    then fails, the device is revoked again so that a later attempt can
    enroll it afresh. Sets *epoch to the key epoch and *written (may be
    NULL) to the path of the file written (caller frees). */
int ingest_provision_enroll_device (const ingest_site_files_t *site,
                                    const ingest_enrollment_t *device, uint32_t *epoch,
                                    char **written) INGEST_WUR;

/*  Revokes the device in site's store (storage key and audit as above):
    every later frame from it is rejected. Fails if it is not enrolled. */
int ingest_provision_revoke_device (const ingest_site_files_t *site,
                                    const char *device_id) INGEST_WUR;

/*  Enrolls the consent authority whose verifier key file (from `cohort
    audit keygen`) is at `verifier_path` in site's store (audited if
    site->audit is set). Returns its verifier key line (caller frees), or
    NULL (for instance, already enrolled). */
char *ingest_provision_enroll_authority (const ingest_site_files_t *site,
                                         const char *verifier_path);

/*  Signs the FHIR R4 Consent in the file at `consent_path` (at most
    INGEST_PROVISION_FILE_MAX bytes) with the authority's signer key file at
    `key_path`, and writes the grant envelope (ingest/consent.h) and a
    newline to a new file at `out_path`. A Consent no site would take
    (ingest_consent_parse) is refused, naming the field. */
int ingest_provision_sign_grant (const char *key_path, const char *consent_path,
                                 const char *out_path) INGEST_WUR;

/*  Takes the signed grant in the file at `envelope_path` into site's store
    as received at now_ms (ingest_grants_add; audited if site->audit is
    set). Returns 0 once it is decided: *reason is INGEST_GRANT_OK
    (accepted) or why it was rejected, and `detail` (capacity cap, always
    terminated, may be cut) the rejection's reason text, empty when
    accepted. Returns -1 if it could not be decided (file, store or log). */
int ingest_provision_grant (const ingest_site_files_t *site, const char *envelope_path,
                            int64_t now_ms, ingest_grant_reason_t *reason, char *detail,
                            size_t cap) INGEST_WUR;

/*  Delivers the signed grant in the file at `envelope_path` to a running
    site's ingest `endpoint` as a gateway (secret certificate at
    `gateway_cert`, the site's public certificate at `site_cert`) and waits
    up to timeout_ms for the site's decision, as ingest_provision_grant
    reports it (ingest_gateway_grant). */
int ingest_provision_grant_remote (const char *endpoint, const char *gateway_cert,
                                   const char *site_cert, const char *envelope_path,
                                   int timeout_ms, ingest_grant_reason_t *reason,
                                   char *detail, size_t cap) INGEST_WUR;

/*  What a use (site, study, purpose, time) may select. */
typedef struct {
    char **patients;            //  "Patient/<id>", sorted
    size_t n_patients;
    size_t n_records;           //  records of theirs the grants permit
    size_t n_censored;          //  records the grants permit, left out as
                                //  censored (a value with a comparator)
} ingest_selection_t;

/*  Fills *out (owned by the caller: ingest_selection_clear) with the
    patients and the number of records usable for q's site, study, purpose
    and time in the ingest store at `store` (ingest_grants_select_*). On
    failure *out is empty. */
int ingest_provision_select (const char *store, const ingest_consent_query_t *q,
                             ingest_selection_t *out) INGEST_WUR;

/*  Frees what a selection holds and empties it. NULL-safe. */
void ingest_selection_clear (ingest_selection_t *self);

#endif
