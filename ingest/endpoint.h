/*  ingest/endpoint.h - the site's ingest endpoint for gateways, served by its
    own zactor inside `cohort site` (configured by the ingest section of
    site.cfg, site/config.h).

    A CURVE ROUTER (server key: the site's certificate) bound on the
    configured endpoint. A zauth actor lets in only the gateways whose
    public certificates are in the allowlist directory (zcertstore format,
    as written by zcert_save_public); any other key is refused during the
    handshake and never reaches the store. ZMQ_MAXMSGSIZE is
    INGEST_ENDPOINT_PART_MAX per message part: a larger part drops the
    connection; a frame between INGEST_FRAME_MAX and that limit is answered
    too_large. Rejected frames are counted per device, and a spike is an
    alert in the audit log (ingest/alerts.h).

    Wire protocol (gateway DEALER <-> site ROUTER), multipart messages:

        request:  [ request id ] [ frame ] [ frame ] ...     (0.. frames)
        answer:   [ request id ] [ reasons ]

    The request id (any bytes, <= INGEST_ENDPOINT_PART_MAX) is echoed so a
    gateway can keep several requests in flight. `reasons` holds one byte
    per frame, in order: a ingest_reason_t (0 = accepted), or
    INGEST_ENDPOINT_RESEND (255) when the store could not commit: that frame
    was not stored and the gateway must send it again.

    A request of more than INGEST_ENDPOINT_FRAMES_MAX frames is refused
    whole (read frame by frame and dropped, never held: proto_recv_frames),
    nothing of it stored, and logged:

        answer:   [ request id ] [ "cohort-refused-1" ] [ reason ]

    Queues: the endpoint holds at most `queue` requests per gateway
    connection (ZMQ_RCVHWM; site.cfg ingest/queue, default
    INGEST_ENDPOINT_QUEUE_DEFAULT, at most INGEST_ENDPOINT_QUEUE_MAX), and
    as many answers waiting (ZMQ_SNDHWM). A full receive queue stops
    reading from that gateway (TCP pushes back) rather than buffering; a
    gateway keeps at most that many requests in flight, or its answers
    may be dropped. Memory per gateway is then at most queue x
    INGEST_ENDPOINT_FRAMES_MAX x INGEST_ENDPOINT_PART_MAX in libzmq, and
    one group commit (below) in the endpoint.

    A grant request carries one signed consent grant (the envelope that
    `cohort ingest grant --file consent.json.sig` reads, ingest/consent.h):

        request:  [ request id ] [ "cohort-grant-1" ] [ envelope ]
        answer:   [ request id ] [ "cohort-grant-1" ] [ code ] [ detail ]

    It is decided by ingest_grants_add() (signature, authority, status,
    period, version; the decision is audited) right away, after any frames
    gathered before it. `code` is one byte, an ingest_grant_reason_t (0 =
    accepted), or INGEST_ENDPOINT_RESEND when the site could not decide it
    (out of memory, its store or audit log failed: nothing was stored, send
    it again); `detail` the reason text (empty when accepted).

    Group commit: the actor takes every request already waiting (up to
    INGEST_BATCH_MAX frames) into one durable transaction, and answers
    only after it committed, so an accepted answer means the record is on
    disk. Rejections are counted per reason and audited by the store.

    Contents
        ingest_config_t             the ingest section of site.cfg
        ingest_key_file_read        a storage key file (64 hex digits)
        ingest_endpoint_t           the running endpoint (a zactor)
        ingest_endpoint_new         opens the store, starts and binds
        ingest_endpoint_address     the endpoint bound (borrowed)
        ingest_endpoint_counts      decisions so far, by reason
        ingest_endpoint_destroy     stops it

    The endpoint is the caller's (ingest_endpoint_destroy, NULL-safe); the
    config is read while it starts and not kept. An ingest_config_t belongs
    to whoever filled it (site/config.h frees the site's). The storage key
    is wiped wherever it is read: a key file's text, and the key once the
    store holds it (ingest_key_file_read wipes its output on failure).
    Errors are -1 / NULL with the reason in the error slot (util/error.h).
*/
#ifndef INGEST_ENDPOINT_H
#define INGEST_ENDPOINT_H

#include "store.h"

#define INGEST_ENDPOINT_PART_MAX (2 * INGEST_FRAME_MAX)
#define INGEST_ENDPOINT_RESEND 255
#define INGEST_ENDPOINT_GRANT "cohort-grant-1"
#define INGEST_ENDPOINT_REFUSED "cohort-refused-1"
#define INGEST_ENDPOINT_FRAMES_MAX INGEST_BATCH_MAX   //  frames in one request
#define INGEST_ENDPOINT_QUEUE_DEFAULT 64             //  requests per gateway
#define INGEST_ENDPOINT_QUEUE_MAX 4096

/*  The ingest section of a site's config (site/config.h): where gateways
    connect, their allowlist, the store and its key, the audit log. */
typedef struct {
    char *endpoint, *gateways, *store, *storage_key, *audit, *audit_origin;
    //  Rejection spikes per device (ingest/alerts.h; site.cfg site/alerts):
    //  0 takes the default.
    unsigned alert_rejects, alert_window_s;
    //  Requests held per gateway connection (ZMQ_RCVHWM and SNDHWM; site.cfg
    //  ingest/queue): 0 takes INGEST_ENDPOINT_QUEUE_DEFAULT.
    unsigned queue;
} ingest_config_t;

typedef struct _ingest_endpoint_t ingest_endpoint_t;

/*  Reads a key file: exactly 64 lower-case hex digits and a newline, not
    accessible by group or others. Returns 0 or -1 naming the file. */
int ingest_key_file_read (const char *path, uint8_t key [32]) INGEST_WUR;

/*  Opens the store (and audit log) named by `cfg`, starts zauth with the
    gateway allowlist and binds the ROUTER with the secret certificate at
    `cert_path`, in a new actor. Returns once it serves, or NULL with the
    reason in util_last_error (). */
ingest_endpoint_t *ingest_endpoint_new (const ingest_config_t *cfg, const char *cert_path);

/*  Stops the actor (logging its counts), sets *self_p NULL. NULL-safe. */
void ingest_endpoint_destroy (ingest_endpoint_t **self_p);

/*  The endpoint actually bound (resolves "tcp://127.0.0.1:*"). Borrowed. */
const char *ingest_endpoint_address (const ingest_endpoint_t *self);

/*  The decisions taken since start, by reason (INGEST_OK = accepted).
    Returns 0 or -1. */
int ingest_endpoint_counts (ingest_endpoint_t *self, uint64_t counts [INGEST_REASON_COUNT]) INGEST_WUR;

#endif
