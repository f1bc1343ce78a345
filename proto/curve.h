/*  proto/curve.h - CurveZMQ sockets for the federation.

    The coordinator binds one ROUTER socket as a CURVE server. Our own ZAP
    handler (ZeroMQ RFC 27: a REP socket on inproc://zeromq.zap.01, in its
    own actor) lets in only CURVE clients whose public certificates are in
    an allowlist directory (zcertstore format, as written by
    zcert_save_public): sites and analysts. Everyone else is refused during
    the handshake and never reaches the application; each refusal is
    reported to the server's owner with the client's key (Z85) and address
    (proto_server_refusal), so that bursts of failed authentication can be
    counted per key (coordinator/alerts.h). A ZAP request that does not
    follow RFC 27 is answered 500 and refused; a mechanism other than CURVE
    (NULL, PLAIN) is answered 400.
    Sites and analysts connect out with a DEALER socket as CURVE clients,
    pinning the coordinator's public key. Every socket has ZMQ_MAXMSGSIZE =
    PROTO_MSG_MAX, so an oversized message drops the connection instead of
    being buffered.

    Contents
        proto_server_t          the coordinator's CURVE ROUTER and its ZAP handler
        proto_server_new        loads the certificate, starts the handler, binds
        proto_server_sock       the ROUTER socket (borrowed)
        proto_refusal_t         one refused handshake: key, address, reason
        proto_server_refusals   what to poll for refusals (borrowed)
        proto_server_refusal    takes one refusal report
        proto_server_endpoint   the endpoint bound (borrowed)
        proto_server_destroy    stops and closes
        proto_client_new        a CURVE DEALER pinning the server's key
        proto_cert_load         a certificate file
        proto_cert_load_secret  a secret certificate, checked to hold its secret
        proto_cert_destroy      wipes a certificate's secret key, destroys it

    The server is the caller's (proto_server_destroy, NULL-safe), and so is
    a client socket (zsock_destroy). Certificates are read from their files
    and not kept once the socket holds the keys; their secret keys are
    wiped when they go (proto_cert_destroy). Errors are NULL with the
    reason in the error slot (util/error.h).
*/
#ifndef PROTO_CURVE_H
#define PROTO_CURVE_H

#include "proto.h"

#include <czmq.h>

typedef struct _proto_server_t proto_server_t;

/*  One handshake the ZAP handler refused. `key` is the client's public key
    in Z85 ("" when the mechanism carried none), `address` the peer's
    address as libzmq gave it (truncated to fit), `reason` why ("unknown
    key", "mechanism PLAIN is not allowed", "malformed ZAP request").
    `dropped` counts the refusals that were not reported before this one
    because the owner had not taken its reports (more than the pipe holds,
    ZMQ_SNDHWM): a burst is never reported smaller than it was. */
#define PROTO_Z85_KEY_LEN 40
#define PROTO_ADDRESS_MAX 64
typedef struct {
    char key [PROTO_Z85_KEY_LEN + 1];
    char address [PROTO_ADDRESS_MAX];
    char reason [64];
    uint64_t dropped;
} proto_refusal_t;

/*  Loads the server's secret certificate (zcert_load; the file written by
    zcert_save_secret or zcert_save as X_secret), starts the ZAP handler
    allowing the public certs in `allowlist_dir` (read again whenever the
    directory changes), and binds a CURVE ROUTER on `endpoint`. One ZAP
    handler serves a process (its endpoint is per ZeroMQ context): NULL
    with the reason when another already runs, or on any other error. */
proto_server_t *proto_server_new (const char *endpoint, const char *cert_path,
                                  const char *allowlist_dir);

/*  Stops the ZAP handler, closes the socket, sets *self_p NULL. NULL-safe. */
void proto_server_destroy (proto_server_t **self_p);

/*  The ROUTER socket (borrowed). */
zsock_t *proto_server_sock (proto_server_t *self);

/*  What the owner polls (zpoller_add) to learn of refusals: readable when
    one or more reports wait. Borrowed. */
void *proto_server_refusals (proto_server_t *self);

/*  Takes one waiting refusal report into *out. Returns 0, or -1 when none
    waits (without blocking). */
int proto_server_refusal (proto_server_t *self, proto_refusal_t *out);

/*  The endpoint actually bound (resolves "tcp://127.0.0.1:*"). Borrowed. */
const char *proto_server_endpoint (proto_server_t *self);

/*  A CURVE DEALER connected to `endpoint`, authenticated with the client's
    secret certificate and pinning the server's public certificate. NULL
    with the reason on error. (Connection itself is asynchronous: an
    unknown client's messages are simply never delivered.) */
zsock_t *proto_client_new (const char *endpoint, const char *cert_path,
                           const char *server_cert_path);

/*  Loads a certificate file (public, or secret); `what` names it in
    messages. NULL with UTIL_EIO (the file cannot be read) or UTIL_EINPUT
    (not a certificate). The caller destroys it with proto_cert_destroy. */
zcert_t *proto_cert_load (const char *what, const char *path);

/*  Loads a secret certificate (the file written by zcert_save_secret or
    zcert_save as X_secret); `what` names it in messages. NULL if the file
    cannot be read, is not a certificate (UTIL_EIO, UTIL_EINPUT), or holds
    only a public key (UTIL_EINPUT, "<what>: '<path>' holds no secret key").
    The caller destroys it with proto_cert_destroy. */
zcert_t *proto_cert_load_secret (const char *what, const char *path);

/*  Destroys a certificate after wiping its secret key (binary and Z85
    text) in place: czmq's zcert_destroy frees it as it is. NULL-safe; sets
    *cert_p to NULL. What czmq copied while loading the file (its zconfig
    tree) is beyond reach. */
void proto_cert_destroy (zcert_t **cert_p);

#endif
