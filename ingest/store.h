/*  ingest/store.h - the site's ingest store: enrolled devices, the sealed
    records they send, and the per-device replay state, in one SQLite file
    (WAL, synchronous=FULL).

    ingest_store_submit() takes a batch of frames, decides each one (accept
    or a ingest_reason_t) and commits every accepted record, together with
    the devices' replay high-water marks, in one durable transaction (group
    commit). Only after it returns may the caller acknowledge the frames,
    so nothing acknowledged is ever lost. Records stay sealed at rest under
    the site storage key (AES-256-GCM, a fresh random nonce per record),
    each bound by its associated data to its row: device, epoch, sequence,
    patient, LOINC code and effective time (a device's sealed secret to its
    id, patient and epoch), so a sealed value moved to another patient's
    row, or relabelled, does not open.

    Decision order per frame: parse (malformed_frame, too_large), device
    (unknown_device, revoked_device: revoked or past its enrollment
    expiry), replay check, tag (bad_tag), FHIR (bad_fhir, unit_mismatch,
    subject_mismatch), then the replay window moves. A frame accepted
    earlier in the same batch counts for replay detection of later ones.

    The replay high-water mark of each device is written in the same
    transaction as the records it covers, so after a restart the window is
    restored exactly to what was committed: no committed sequence number can
    be accepted again, and none that was never committed is lost. (This is
    the OSCORE K/F rule of RFC 8613 Appendix B.1.1 with K = one batch and
    F = 0, which atomic commits make safe.)

    The registry holds each device's patient: its reference "Patient/<id>"
    and up to INGEST_STORE_IDENTIFIERS_MAX identifiers ("system|value",
    e.g. "urn:ietf:rfc:3986|urn:uuid:<uuid>" or an MRN), against which the
    subject of each Observation the device sends is matched
    (ingest_fhir_observation_for). A reading with a comparator is stored
    as it came and marked censored: selection leaves it out
    (ingest/grants.h). Stores written before these columns existed are
    migrated when opened: devices get no identifiers, and each record's
    censored flag is read from its sealed payload. A store sealed before
    the patient was bound (seal version 1, no meta 'seal_version') has every
    secret and record sealed again, in the open's transaction; a value that
    does not open at its own row fails the open, naming the row.

    Contents
        ingest_store_t              an open store
        ingest_store_open           opens (creates, migrates) it under the
                                    storage key
        ingest_store_enroll         enrolls a device, drawing its secret
        ingest_store_revoke         revokes a device
        ingest_store_submit         decides a batch and commits it durably
        ingest_store_counts         decisions since open, by reason
        ingest_store_record_count   records stored
        ingest_store_record_payload unseals one record's payload
        ingest_store_destroy        closes

    The store is the caller's (ingest_store_destroy, NULL-safe). It keeps a
    copy of the storage key and of the device secrets it has unsealed, and
    wipes them when destroyed; the caller wipes its own copy of the key, and
    the secret ingest_store_enroll writes out once it is provisioned. The
    audit log is borrowed and must outlive the store; frames are borrowed.
    Errors are -1 / NULL with the reason in the error slot (util/error.h).
*/
#ifndef INGEST_STORE_H
#define INGEST_STORE_H

#include "ingest.h"
#include "frame.h"
#include "audit/log.h"

#define INGEST_STORAGE_KEY_LEN 32
#define INGEST_BATCH_MAX 4096
#define INGEST_STORE_IDENTIFIERS_MAX 8      //  identifiers of one device's patient
#define INGEST_STORE_IDENTIFIER_LEN 256     //  bytes of one "system|value"

typedef struct _ingest_store_t ingest_store_t;

/*  Opens (creating if needed) the ingest store at `path`, sealing records
    and device secrets under `storage_key`. `audit` (may be NULL, borrowed)
    receives one entry per enrollment, revocation and rejection. Returns the
    store or NULL. A store opened with a different storage key fails. */
ingest_store_t *ingest_store_open (const char *path,
                                 const uint8_t storage_key [INGEST_STORAGE_KEY_LEN],
                                 audit_log_t *audit);

/*  Closes the store, sets *self_p to NULL. NULL-safe. */
void ingest_store_destroy (ingest_store_t **self_p);

/*  Enrolls `device_id` for `patient` ("Patient/<id>") and its n
    `identifiers` (0..INGEST_STORE_IDENTIFIERS_MAX strings "system|value":
    a system of 1.. printable ASCII characters without '|' or space, a
    value of 1.. printable ASCII characters, at most
    INGEST_STORE_IDENTIFIER_LEN bytes in all, no two alike; NULL when n is
    0) until expires_ms (0 = no expiry): draws a new 256-bit secret into
    `secret` (for provisioning the device; the store keeps it sealed) and
    sets *epoch. Re-enrolling a revoked device starts a new key epoch,
    with the identifiers given then; an active device cannot be enrolled
    twice. Returns 0 or -1 naming the fault (an identifier by its
    position, never its value). */
int ingest_store_enroll (ingest_store_t *self, const char *device_id, const char *patient,
                         const char *const *identifiers, size_t n, int64_t expires_ms,
                         uint8_t secret [INGEST_SECRET_LEN], uint32_t *epoch) INGEST_WUR;

/*  Revokes the device: its frames are rejected from now on. Returns 0, or
    -1 if it is not enrolled. */
int ingest_store_revoke (ingest_store_t *self, const char *device_id) INGEST_WUR;

/*  Decides n (1..INGEST_BATCH_MAX) frames received at now_ms, writes
    each decision into reasons[i], and durably commits the accepted records.
    Returns 0 when the decisions are final and committed; -1 if the commit
    failed, in which case nothing of the batch was stored and no frame may
    be acknowledged. */
int ingest_store_submit (ingest_store_t *self, const uint8_t *const *frames,
                        const size_t *lens, size_t n, int64_t now_ms,
                        ingest_reason_t *reasons) INGEST_WUR;

/*  Decisions since open, by reason (INGEST_OK counts accepted frames). */
void ingest_store_counts (const ingest_store_t *self, uint64_t counts [INGEST_REASON_COUNT]);

/*  Records stored. */
uint64_t ingest_store_record_count (ingest_store_t *self);

/*  Unseals the payload of the record with this device id and sequence into
    `out` (capacity cap >= INGEST_PAYLOAD_MAX), setting *len. Returns 0, or -1
    if there is no such record or it does not authenticate at its row (one
    line naming the record's id, device and sequence, never its patient or
    value). */
int ingest_store_record_payload (ingest_store_t *self, const char *device_id,
                                uint64_t sequence, uint8_t *out, size_t cap,
                                size_t *len) INGEST_WUR;

#endif
