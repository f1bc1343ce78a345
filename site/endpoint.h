/*  site/endpoint.h - the site's ingest endpoint for gateways, served by its
    own zactor inside `cohort site` (configured by the ingest section of
    site.cfg, site/config.h).

    A CURVE ROUTER (server key: the site's certificate) bound on the
    configured endpoint. A zauth actor lets in only the gateways whose
    public certificates are in the allowlist directory (zcertstore format,
    as written by zcert_save_public); any other key is refused during the
    handshake and never reaches the store. ZMQ_MAXMSGSIZE is
    SITE_ENDPOINT_PART_MAX per message part: a larger part drops the
    connection; a frame between SITE_FRAME_MAX and that limit is answered
    too_large.

    Wire protocol (gateway DEALER <-> site ROUTER), multipart messages:

        request:  [ request id ] [ frame ] [ frame ] ...     (0.. frames)
        answer:   [ request id ] [ reasons ]

    The request id (any bytes, <= SITE_ENDPOINT_PART_MAX) is echoed so a
    gateway can keep several requests in flight. `reasons` holds one byte
    per frame, in order: a site_reason_t (0 = accepted), or
    SITE_ENDPOINT_RESEND (255) when the store could not commit: that frame
    was not stored and the gateway must send it again. A request of more
    than SITE_INGEST_BATCH_MAX frames is committed in several transactions.

    A grant request carries one signed consent grant (the envelope that
    `cohort ingest grant --file consent.json.sig` reads, site/consent.h):

        request:  [ request id ] [ "cohort-grant-1" ] [ envelope ]
        answer:   [ request id ] [ "cohort-grant-1" ] [ code ] [ detail ]

    It is decided by site_grants_add() (signature, authority, status,
    period, version; the decision is audited) right away, after any frames
    gathered before it. `code` is one byte, a site_grant_reason_t (0 =
    accepted); `detail` the reason text (empty when accepted).

    Group commit: the actor takes every request already waiting (up to
    SITE_INGEST_BATCH_MAX frames) into one durable transaction, and answers
    only after it committed, so an accepted answer means the record is on
    disk. Rejections are counted per reason and audited by the store.
*/
#ifndef SITE_ENDPOINT_H
#define SITE_ENDPOINT_H

#include "config.h"
#include "util/error.h"
#include "ingest.h"

#define SITE_ENDPOINT_PART_MAX (2 * SITE_FRAME_MAX)
#define SITE_ENDPOINT_RESEND 255
#define SITE_ENDPOINT_GRANT "cohort-grant-1"

typedef struct _site_endpoint_t site_endpoint_t;

/*  Reads a key file: exactly 64 lower-case hex digits and a newline, not
    accessible by group or others. Returns 0 or -1 naming the file. */
int site_key_file_read (const char *path, uint8_t key [32]) SITE_WUR;

/*  Opens the store (and audit log) named by `cfg`, starts zauth with the
    gateway allowlist and binds the ROUTER with the secret certificate at
    `cert_path`, in a new actor. Returns once it serves, or NULL with the
    reason in util_last_error (). */
site_endpoint_t *site_endpoint_new (const site_ingest_config_t *cfg, const char *cert_path);

/*  Stops the actor (logging its counts), sets *self_p NULL. NULL-safe. */
void site_endpoint_destroy (site_endpoint_t **self_p);

/*  The endpoint actually bound (resolves "tcp://127.0.0.1:*"). Borrowed. */
const char *site_endpoint_address (const site_endpoint_t *self);

/*  The decisions taken since start, by reason (SITE_OK = accepted).
    Returns 0 or -1. */
int site_endpoint_counts (site_endpoint_t *self, uint64_t counts [SITE_REASON_COUNT]) SITE_WUR;

#endif
