/*  ingest/ingest.h - the ingest room: what enters a site from outside
    (device readings through gateways, consent grants). This header holds
    what the room's modules share; the modules:

        ingest/frame.h      sealed frames: layout, sealing, opening
        ingest/replay.h     the per-device anti-replay window
        ingest/fhir.h       a FHIR R4 Observation checked (LOINC, UCUM)
        ingest/jsontree.h   the read-only JSON tree the checks read; an
                            allocation-free scanner for plain payloads
        ingest/fhirtime.h   R4 date, dateTime and instant as UTC intervals
        ingest/ucum.h       the vital signs' UCUM units and conversions
        ingest/check.h      the validators on exported files (`cohort
                            ingest check`)
        ingest/store.h      the site's ingest store: devices, sealed
                            records, group commit
        ingest/consent.h    signed FHIR Consent grants, and whether one
                            permits a use
        ingest/grants.h     the site's grants: versions, revocation,
                            selection of records and patients
        ingest/cohort.h     consent in a study's cohort selection
        ingest/endpoint.h   the site's CURVE endpoint for gateways
        ingest/gateway.h    the gateway's side of it
        ingest/provision.h  setting a site up: storage key, devices,
                            authorities, grants

    Contents
        ingest_reason_t     a frame's decision: accepted or one reason
        ingest_reason_name  its wire and log name
        INGEST_WUR          marks a result the caller must check

    Every ingest_ function that can fail returns -1 (or NULL) with the reason
    in the error slot (util/error.h). Ingest decisions are reported as an
    ingest_reason_t: every frame gets an answer, accepted (INGEST_OK) or one
    reason.
*/
#ifndef INGEST_INGEST_H
#define INGEST_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INGEST_WUR __attribute__((warn_unused_result))

typedef enum {
    INGEST_OK = 0,              //  accepted
    INGEST_BAD_TAG,             //  the AEAD tag did not verify
    INGEST_REPLAY,              //  sequence number already seen or too old
    INGEST_UNKNOWN_DEVICE,      //  device id not enrolled at this site
    INGEST_REVOKED_DEVICE,      //  device enrolled but revoked
    INGEST_MALFORMED_FRAME,     //  the frame does not parse
    INGEST_BAD_FHIR,            //  payload is not an acceptable FHIR Observation
    INGEST_UNIT_MISMATCH,       //  a quantity's UCUM unit is wrong for its LOINC code
    INGEST_SUBJECT_MISMATCH,    //  subject is not the device's enrolled patient
    INGEST_TOO_LARGE,           //  frame longer than INGEST_FRAME_MAX
    INGEST_REASON_COUNT
} ingest_reason_t;

/*  True if the reason just returned decided nothing: the site itself failed
    (out of memory, a cryptographic primitive that would not run), not the
    frame or the payload. A rejection of the input carries UTIL_EINPUT or
    UTIL_ELIMIT in the error slot; any other code means "not judged": the
    record must not be rejected, and its sender should send it again. */
bool ingest_undecided (void);

/*  The reason's wire and log name ("accepted", "bad_tag", "replay", ...),
    or "unknown" for a value out of range. Static. */
const char *ingest_reason_name (ingest_reason_t reason);

#endif
