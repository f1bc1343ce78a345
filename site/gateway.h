/*  site/gateway.h - the gateway side of the ingest endpoint
    (site/endpoint.h has the wire protocol): a CURVE DEALER that sends
    requests of sealed frames and receives the site's answers, several
    requests in flight. Used by `cohort device-sim` and `cohort bench
    ingest`.
*/
#ifndef SITE_GATEWAY_H
#define SITE_GATEWAY_H

#include "consent.h"
#include "util/error.h"
#include "site.h"

#define SITE_GATEWAY_SEND_TIMEOUT_MS 5000

typedef struct _site_gateway_t site_gateway_t;

/*  Connects to the site's ingest `endpoint` with the gateway's secret
    certificate (zcert file), pinning the site's public certificate. NULL
    with the reason in util_last_error (). The connection is asynchronous: a
    gateway the site does not allow simply never gets an answer. */
site_gateway_t *site_gateway_new (const char *endpoint, const char *cert_path,
                                  const char *site_cert_path);

/*  Disconnects, sets *self_p NULL. NULL-safe. */
void site_gateway_destroy (site_gateway_t **self_p);

/*  Queues request `id` holding n (0..) frames. Returns 0, or -1 if it
    cannot be queued within SITE_GATEWAY_SEND_TIMEOUT_MS (no connection). */
int site_gateway_send (site_gateway_t *self, uint64_t id, const uint8_t *const *frames,
                       const size_t *lens, size_t n) SITE_WUR;

/*  Waits up to timeout_ms for the next answer: sets *id and writes its n
    reasons (site_reason_t, or SITE_ENDPOINT_RESEND) into reasons (capacity
    cap). Returns 0, or -1 on timeout or a malformed answer. */
int site_gateway_recv (site_gateway_t *self, int timeout_ms, uint64_t *id, uint8_t *reasons,
                       size_t cap, size_t *n) SITE_WUR;

/*  Sends one signed consent grant (the envelope bytes, a grant request in
    site/endpoint.h) and waits up to timeout_ms for its answer: *reason
    gets the site's decision (SITE_GRANT_OK = accepted) and detail (capacity
    cap, NUL-terminated, may be cut) its reason text. Other answers that
    arrive meanwhile are dropped. Returns 0, or -1 on no connection, a
    timeout or a malformed answer (util_last_error ()). */
int site_gateway_grant (site_gateway_t *self, const uint8_t *envelope, size_t len,
                        int timeout_ms, site_grant_reason_t *reason, char *detail,
                        size_t cap) SITE_WUR;

#endif
