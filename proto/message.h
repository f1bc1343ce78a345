/*  proto/message.h - Cohort envelopes on the wire: encoding, bounded
    decoding with validation, and sending/receiving over czmq sockets.

    Messages are the protobuf-c structures generated from proto/cohort.proto
    (Cohort__Envelope and its bodies; build them with the generated __INIT
    macros). proto_decode() refuses anything a peer could use to make the
    receiver misbehave: a buffer over PROTO_MSG_MAX, no body, a study id
    that is not 1..PROTO_ID_MAX characters of [A-Za-z0-9_-] (empty allowed
    only for hello, heartbeat, error, launch, status and budget requests), strings
    over their limits or with control characters, repeated fields over their
    counts, non-finite doubles, out-of-range rates, deadlines, kinds and
    share indices. Each refusal is one line naming the field.

    Contents
        proto_msg_t                 an envelope (Cohort__Envelope)
        proto_validate              checks every field
        proto_encode                validates and serialises
        proto_decode                parses and validates
        proto_free                  frees a decoded message
        proto_send                  sends one (after the ROUTER identity)
        proto_recv, proto_recv_user receives one (and its CURVE key)
        proto_recv_frames           receives a multipart message, keeping
                                    at most a given number of its frames
        proto_body_name, proto_kind_name    names for logs

    Debugging the wire: with the environment variable COHORT_WIRE_TRACE set
    to a file, proto_send and proto_recv append every encoded message they
    send or receive (before CURVE encryption, after its decryption) to that
    file, one record each: the line "cohort-wire send|recv <bytes>\n", the
    encoded bytes, then "\n". One write per record on an O_APPEND file, so
    several processes may share one trace. It is off unless set; a trace
    that cannot be written is logged once and the message goes anyway. The
    marker test (tests/e2e/e2e_leak.c) reads it to check that nothing from
    a site's data is on the wire.

    A message from proto_decode or proto_recv is the caller's (proto_free,
    NULL-safe; only for decoded messages, not for one built with the __INIT
    macros), as are proto_encode's buffer (free) and a received identity
    frame (zframe_destroy). Messages passed in are borrowed. Errors are -1 /
    NULL with the reason in the error slot (util/error.h).
*/
#ifndef PROTO_MESSAGE_H
#define PROTO_MESSAGE_H

#include "proto.h"
#include "proto/cohort.pb-c.h"

#include <czmq.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_MSG_MAX        ((size_t) 16 << 20)  //  ZMQ_MAXMSGSIZE on every socket
#define PROTO_ID_MAX         64                   //  study id characters
#define PROTO_NAME_MAX       128                  //  hello name, role, feature names
#define PROTO_TEXT_MAX       1024                 //  reasons, details, error messages
#define PROTO_CFG_MAX        ((size_t) 64 << 10)  //  study.cfg text
#define PROTO_DICT_MAX       ((size_t) 1 << 20)   //  a data dictionary's CSV
#define PROTO_JSON_MAX       ((size_t) 8 << 20)   //  analyst replies
#define PROTO_FEATURES_MAX   4096                 //  features, bounds, means, stds
#define PROTO_PARAMS_MAX     ((size_t) 1 << 22)   //  model parameters
#define PROTO_PARAM_ABS_MAX  1e12                 //  |parameter| bound
#define PROTO_DEADLINE_MAX   86400000ULL          //  one day, in ms
#define PROTO_RECORDS_MAX    ((uint64_t) 1 << 40)
#define PROTO_SIGMA2_MAX     ((uint64_t) 1 << 40)  //  a noise variance (DP_RATIONAL_MAX)
#define PROTO_BUDGETS_MAX    64                   //  datasets in a site's hello
#define PROTO_TOTP_SESSION_LEN 64                 //  hex digits of an analyst's TOTP session

typedef Cohort__Envelope proto_msg_t;

/*  Checks every field of an envelope as described above. 0 or -1. */
int proto_validate (const proto_msg_t *msg) PROTO_WUR;

/*  Validates and serialises msg into a new buffer *out (caller frees) of
    *len bytes. 0 or -1. */
int proto_encode (const proto_msg_t *msg, uint8_t **out, size_t *len) PROTO_WUR;

/*  Parses and validates len bytes. A new message (free with proto_free),
    or NULL with the reason. */
proto_msg_t *proto_decode (const uint8_t *buf, size_t len);

/*  Frees a decoded message and sets *msg_p to NULL. NULL-safe. */
void proto_free (proto_msg_t **msg_p);

/*  Sends msg on sock, preceded by the routing identity frame when
    identity is not NULL (ROUTER side). 0 or -1. */
int proto_send (zsock_t *sock, zframe_t *identity, const proto_msg_t *msg) PROTO_WUR;

/*  Receives one message. On a ROUTER socket pass identity (it gets a new
    frame the caller destroys); on a DEALER pass NULL. A malformed message
    is consumed and NULL returned with the reason (identity, if asked for,
    is still set when it was read). */
proto_msg_t *proto_recv (zsock_t *sock, zframe_t **identity);

/*  The same, and the CURVE public key (Z85, 40 characters) the ZAP handler
    authenticated the sender with, copied into user_id[size] ("" if the
    socket is not a CURVE server). */
proto_msg_t *proto_recv_user (zsock_t *sock, zframe_t **identity, char *user_id, size_t size);

/*  Receives one multipart message frame by frame, keeping at most
    `max_frames` (>= 1) of its frames, in order: the others are read and
    dropped one at a time, so a peer cannot make the receiver hold more
    than that (ZMQ_MAXMSGSIZE bounds each frame, not their number).
    *frames gets how many frames the message had: more than max_frames
    means the caller refuses it, still holding the first ones (a ROUTER's
    routing identity, a request id) to answer with. Every receive path
    of the federation and of the ingest endpoint goes through here.
    Returns the message (the caller's, zmsg_destroy), or NULL with the
    reason when nothing was received (interrupted, a receive timeout). */
zmsg_t *proto_recv_frames (zsock_t *sock, size_t max_frames, size_t *frames);

/*  Name of a body case for logs ("update", "partial", ...). */
const char *proto_body_name (const proto_msg_t *msg);

/*  Name of a round kind ("train", "eval", "scale", "moments"), or "?". */
const char *proto_kind_name (Cohort__RoundKind kind);

#endif
