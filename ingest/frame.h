/*  ingest/frame.h - sealed ingest records: the frame a gateway sends for one
    device reading, its sealing and opening.

    Frame layout (integers big-endian; docs/ingest.md has the full table):

        u8  version            INGEST_FRAME_VERSION (1)
        u8  aead               INGEST_AEAD_AES_256_GCM (1) or
                               INGEST_AEAD_CHACHA20_POLY1305 (2)
        u8  id_len             1..INGEST_DEVICE_ID_MAX
        id_len bytes           device id, [A-Za-z0-9._-]
        u32 key epoch          which enrollment of the device's secret
        u64 sequence           per device and epoch, strictly increasing
        i64 timestamp          ms since the Unix epoch (UTC), >= 0
        ...                    AEAD ciphertext of the payload
        16 bytes               AEAD tag

    The header (everything before the ciphertext) is the AEAD's associated
    data, so none of it can be changed without the tag failing.

    Per-record key (HKDF-SHA-256, RFC 5869, OpenSSL EVP_KDF):
        okm   = HKDF(IKM = device secret, salt = "cohort-ingest-v1",
                     info = "record" || aead || id_len || device id ||
                            epoch || sequence, L = 44)
        key   = okm[0:32], iv = okm[32:44]
        nonce = iv XOR (0x00000000 || sequence)        (12 bytes)

    Contents
        ingest_frame_header_t   the header fields
        ingest_frame_t          a parsed frame, pointing into its buffer
        ingest_device_id_ok     is a device id valid?
        ingest_frame_seal       seals a payload into a frame
        ingest_frame_parse      parses a frame, without decrypting
        ingest_frame_open       verifies the tag and decrypts

    Nothing here allocates that outlives a call: frames and payloads live in
    the caller's buffers, and a parsed frame borrows the buffer it was parsed
    from. The per-record key is wiped on every path, and a payload that does
    not authenticate is wiped from `payload`. A failure leaves its reason in
    the error slot (util/error.h).
*/
#ifndef INGEST_FRAME_H
#define INGEST_FRAME_H

#include "ingest.h"

#include <stdbool.h>

#define INGEST_FRAME_VERSION            1
#define INGEST_AEAD_AES_256_GCM         1
#define INGEST_AEAD_CHACHA20_POLY1305   2
#define INGEST_DEVICE_ID_MAX           64
#define INGEST_SECRET_LEN              32     //  device secret, 256 bits
#define INGEST_TAG_LEN                 16
#define INGEST_HEADER_FIXED            23     //  header bytes besides the id
#define INGEST_PAYLOAD_MAX          16384     //  one FHIR Observation
#define INGEST_FRAME_MAX (INGEST_HEADER_FIXED + INGEST_DEVICE_ID_MAX + INGEST_PAYLOAD_MAX \
                        + INGEST_TAG_LEN)

typedef struct {
    uint8_t aead;                           //  INGEST_AEAD_*
    char device_id [INGEST_DEVICE_ID_MAX + 1];
    uint32_t epoch;
    uint64_t sequence;
    int64_t timestamp_ms;
} ingest_frame_header_t;

/*  A parsed frame: its header, and where its parts lie inside the buffer
    that was parsed (borrowed; valid while that buffer is). */
typedef struct {
    ingest_frame_header_t header;
    const uint8_t *aad;                     //  the header bytes
    size_t aad_len;
    const uint8_t *ciphertext;
    size_t ciphertext_len;                  //  = payload length
    const uint8_t *tag;                     //  INGEST_TAG_LEN bytes
} ingest_frame_t;

/*  Is `id` a valid device id (1..INGEST_DEVICE_ID_MAX of [A-Za-z0-9._-])? */
bool ingest_device_id_ok (const char *id);

/*  Seals `payload` (0..INGEST_PAYLOAD_MAX bytes) for the device whose secret
    is `secret` into `out` (capacity `cap`, at most INGEST_FRAME_MAX needed)
    and sets *out_len. Returns 0, or -1 if the header is invalid, out is too
    small, or OpenSSL fails. */
int ingest_frame_seal (uint8_t *out, size_t cap, size_t *out_len,
                     const ingest_frame_header_t *header,
                     const uint8_t *payload, size_t payload_len,
                     const uint8_t secret [INGEST_SECRET_LEN]) INGEST_WUR;

/*  Parses `len` bytes of untrusted input into `frame`, without decrypting.
    Returns INGEST_OK, INGEST_TOO_LARGE (len > INGEST_FRAME_MAX) or
    INGEST_MALFORMED_FRAME, with the reason's detail in util_last_error (). */
ingest_reason_t ingest_frame_parse (ingest_frame_t *frame, const uint8_t *buf,
                                size_t len) INGEST_WUR;

/*  Verifies the tag and decrypts the parsed frame with the device's secret
    into `payload` (capacity `cap` >= frame->ciphertext_len), setting
    *payload_len. Returns INGEST_OK, or INGEST_BAD_TAG with `payload` zeroed
    (nothing unauthenticated is ever left in it). INGEST_BAD_TAG with
    ingest_undecided () true means the frame could not be opened (out of
    memory, a primitive that would not run), not that it is bad: it must
    not be rejected. */
ingest_reason_t ingest_frame_open (uint8_t *payload, size_t cap, size_t *payload_len,
                               const ingest_frame_t *frame,
                               const uint8_t secret [INGEST_SECRET_LEN]) INGEST_WUR;

#endif
