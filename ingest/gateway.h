/*  ingest/gateway.h - the gateway side of the ingest endpoint
    (ingest/endpoint.h has the wire protocol): a CURVE DEALER that sends
    requests of sealed frames and receives the site's answers, several
    requests in flight. Used by `cohort device-sim` and `cohort bench
    ingest`.

    Contents
        ingest_gateway_t        a connection to a site's ingest endpoint
        ingest_gateway_new      connects (CURVE, pinning the site's key)
        ingest_gateway_set_send_timeout  how long a send may wait
        ingest_gateway_send     queues a request of frames
        ingest_gateway_recv     waits for the next answer
        ingest_gateway_grant    delivers a signed grant, waits for its
                                decision
        ingest_gateway_destroy  disconnects

    The gateway is the caller's (ingest_gateway_destroy, NULL-safe); frames
    and envelopes are borrowed, answers go into the caller's buffers.
    Errors are -1 / NULL with the reason in the error slot (util/error.h).
*/
#ifndef INGEST_GATEWAY_H
#define INGEST_GATEWAY_H

#include "consent.h"
#include "ingest.h"

#define INGEST_GATEWAY_SEND_TIMEOUT_MS 5000
#define INGEST_GATEWAY_QUEUE 1024           //  requests waiting to go, answers to read

typedef struct _ingest_gateway_t ingest_gateway_t;

/*  Connects to the site's ingest `endpoint` with the gateway's secret
    certificate (zcert file), pinning the site's public certificate. NULL
    with the reason in util_last_error (). The connection is asynchronous: a
    gateway the site does not allow simply never gets an answer. */
ingest_gateway_t *ingest_gateway_new (const char *endpoint, const char *cert_path,
                                  const char *ingest_cert_path);

/*  Sets how long ingest_gateway_send may wait to queue a request (1 ms to
    INGEST_GATEWAY_SEND_TIMEOUT_MS, the default; a value outside is taken
    as the nearer end): a gateway
    whose site has stopped answering learns it from a send within this
    time, not only from the answers it waits for. */
void ingest_gateway_set_send_timeout (ingest_gateway_t *self, int timeout_ms);

/*  Disconnects, sets *self_p NULL. NULL-safe. */
void ingest_gateway_destroy (ingest_gateway_t **self_p);

/*  Queues request `id` holding n (0..INGEST_ENDPOINT_FRAMES_MAX) frames.
    Returns 0, or -1 if n is over that, or if it cannot be queued within
    the send timeout (INGEST_GATEWAY_SEND_TIMEOUT_MS unless set lower; no
    connection, or INGEST_GATEWAY_QUEUE requests already waiting). */
int ingest_gateway_send (ingest_gateway_t *self, uint64_t id, const uint8_t *const *frames,
                       const size_t *lens, size_t n) INGEST_WUR;

/*  Waits up to timeout_ms for the next answer: sets *id and writes its n
    reasons (ingest_reason_t, or INGEST_ENDPOINT_RESEND) into reasons (capacity
    cap). Returns 0, or -1 on timeout, a malformed answer, or a request
    the site refused whole (UTIL_EREFUSED, its reason: ingest/endpoint.h). */
int ingest_gateway_recv (ingest_gateway_t *self, int timeout_ms, uint64_t *id, uint8_t *reasons,
                       size_t cap, size_t *n) INGEST_WUR;

/*  Sends one signed consent grant (the envelope bytes, a grant request in
    ingest/endpoint.h) and waits up to timeout_ms for its answer: *reason
    gets the site's decision (INGEST_GRANT_OK = accepted) and detail (capacity
    cap, NUL-terminated, may be cut) its reason text. Other answers that
    arrive meanwhile are dropped. Returns 0, or -1 on no connection, a
    timeout, a malformed answer, or a grant the site could not decide (it
    answered INGEST_ENDPOINT_RESEND: send it again), with the reason. */
int ingest_gateway_grant (ingest_gateway_t *self, const uint8_t *envelope, size_t len,
                        int timeout_ms, ingest_grant_reason_t *reason, char *detail,
                        size_t cap) INGEST_WUR;

#endif
