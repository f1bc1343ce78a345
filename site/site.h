/*  site/site.h - errors and ingest rejection reasons of the site module.

    Every site_ function that can fail returns -1 (or NULL) and leaves one
    line describing what went wrong, in the error slot
    (util/error.h). Ingest decisions are reported as a site_reason_t: every
    frame gets an answer, accepted (SITE_OK) or one reason.
*/
#ifndef SITE_SITE_H
#define SITE_SITE_H

#include <stddef.h>
#include <stdint.h>

#define SITE_WUR __attribute__((warn_unused_result))

typedef enum {
    SITE_OK = 0,                //  accepted
    SITE_BAD_TAG,               //  the AEAD tag did not verify
    SITE_REPLAY,                //  sequence number already seen or too old
    SITE_UNKNOWN_DEVICE,        //  device id not enrolled at this site
    SITE_REVOKED_DEVICE,        //  device enrolled but revoked
    SITE_MALFORMED_FRAME,       //  the frame does not parse
    SITE_BAD_FHIR,              //  payload is not an acceptable FHIR Observation
    SITE_UNIT_MISMATCH,         //  a quantity's UCUM unit is wrong for its LOINC code
    SITE_SUBJECT_MISMATCH,      //  subject is not the device's enrolled patient
    SITE_TOO_LARGE,             //  frame longer than SITE_FRAME_MAX
    SITE_REASON_COUNT
} site_reason_t;

/*  The reason's wire and log name ("accepted", "bad_tag", "replay", ...),
    or "unknown" for a value out of range. Static. */
const char *site_reason_name (site_reason_t reason);

#endif
