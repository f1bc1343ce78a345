/*  ingest/gateway.c - a gateway's connection to a site's ingest endpoint. */
#include "gateway.h"
#include "proto/curve.h"
#include "proto/message.h"
#include "util/alloc.h"
#include "util/error.h"
#include "endpoint.h"

#include <czmq.h>
#include <string.h>

struct _ingest_gateway_t {
    zsock_t *sock;
    zpoller_t *poller;
};

ingest_gateway_t *
ingest_gateway_new (const char *endpoint, const char *cert_path, const char *ingest_cert_path)
{
    zcert_t *cert = proto_cert_load_secret ("gateway cert", cert_path);
    zcert_t *site = cert? proto_cert_load ("site cert", ingest_cert_path): NULL;
    if (!site) {
        proto_cert_destroy (&cert);
        return NULL;
    }
    ingest_gateway_t *self = util_calloc (1, sizeof *self);
    if (!self || !(self->sock = zsock_new (ZMQ_DEALER))) {
        if (self)
            util_error (UTIL_ENOMEM, "gateway: out of memory (socket)");
        proto_cert_destroy (&cert);
        proto_cert_destroy (&site);
        ingest_gateway_destroy (&self);
        return NULL;
    }
    zsock_set_maxmsgsize (self->sock, 1 << 20);
    zsock_set_linger (self->sock, 1000);
    //  Requests queue only on a completed (authenticated) connection, and
    //  without one (a site that refuses this gateway) a send gives up.
    zsock_set_immediate (self->sock, 1);
    zsock_set_sndtimeo (self->sock, INGEST_GATEWAY_SEND_TIMEOUT_MS);
    //  Requests waiting to go, and answers waiting to be read: bounded, a
    //  full queue makes a send wait (and give up after its timeout).
    zsock_set_sndhwm (self->sock, INGEST_GATEWAY_QUEUE);
    zsock_set_rcvhwm (self->sock, INGEST_GATEWAY_QUEUE);
    zcert_apply (cert, self->sock);
    zsock_set_curve_serverkey (self->sock, zcert_public_txt (site));
    proto_cert_destroy (&cert);
    proto_cert_destroy (&site);
    if (zsock_connect (self->sock, "%s", endpoint) < 0) {
        util_error (UTIL_EIO, "gateway: cannot connect to '%s'", endpoint);
        ingest_gateway_destroy (&self);
        return NULL;
    }
    self->poller = zpoller_new (self->sock, NULL);
    if (!self->poller) {
        util_error (UTIL_ENOMEM, "gateway: out of memory (poller)");
        ingest_gateway_destroy (&self);
    }
    return self;
}

void
ingest_gateway_destroy (ingest_gateway_t **self_p)
{
    if (self_p && *self_p) {
        zpoller_destroy (&(*self_p)->poller);
        zsock_destroy (&(*self_p)->sock);
        free (*self_p);
        *self_p = NULL;
    }
}

void
ingest_gateway_set_send_timeout (ingest_gateway_t *self, int timeout_ms)
{
    zsock_set_sndtimeo (self->sock, timeout_ms < 1? 1
                        : timeout_ms > INGEST_GATEWAY_SEND_TIMEOUT_MS
                        ? INGEST_GATEWAY_SEND_TIMEOUT_MS: timeout_ms);
}

int
ingest_gateway_send (ingest_gateway_t *self, uint64_t id, const uint8_t *const *frames,
                   const size_t *lens, size_t n)
{
    if (n > INGEST_ENDPOINT_FRAMES_MAX)
        return util_error (UTIL_ELIMIT, "gateway: a request of %zu frames: at most %d a request",
                           n, INGEST_ENDPOINT_FRAMES_MAX);
    void *handle = zsock_resolve (self->sock);
    int more = n? ZMQ_SNDMORE: 0;
    if (zmq_send (handle, &id, sizeof id, more) < 0)
        return util_error (UTIL_EIO, "gateway: send: %s", zmq_errno () == EAGAIN
                           ? "the queue to the site is full, or there is no connection (is this "
                             "gateway's certificate in the site's allowlist, and the site "
                             "certificate right?)"
                           : zmq_strerror (zmq_errno ()));
    for (size_t i = 0; i < n; i++)
        if (zmq_send (handle, frames [i], lens [i], i + 1 < n? ZMQ_SNDMORE: 0) < 0)
            return util_error (UTIL_EIO, "gateway: send: %s", zmq_strerror (zmq_errno ()));
    return 0;
}

int
ingest_gateway_recv (ingest_gateway_t *self, int timeout_ms, uint64_t *id, uint8_t *reasons,
                   size_t cap, size_t *n)
{
    if (!zpoller_wait (self->poller, timeout_ms))
        return util_error (UTIL_EINPUT, "gateway: no answer from the site within %d ms%s", timeout_ms,
                           zpoller_terminated (self->poller)? " (interrupted)"
                           : " (is this gateway's certificate in the site's allowlist, and "
                             "the site certificate right?)");
    //  An answer has two parts, a refusal three (ingest/endpoint.h).
    size_t frames;
    zmsg_t *msg = proto_recv_frames (self->sock, 3, &frames);
    int rc = -1;
    zframe_t *idf = msg? zmsg_first (msg): NULL;
    zframe_t *rf = msg? zmsg_next (msg): NULL;
    zframe_t *why = msg? zmsg_next (msg): NULL;
    if (msg && frames == 3 && zframe_size (idf) == sizeof *id
    &&  zframe_streq (rf, INGEST_ENDPOINT_REFUSED)) {
        uint64_t refused;
        memcpy (&refused, zframe_data (idf), sizeof refused);
        util_error (UTIL_EREFUSED, "gateway: the site refused request %llu: %.*s",
                    (unsigned long long) refused,
                    (int) (zframe_size (why) < 200? zframe_size (why): 200),
                    (const char *) zframe_data (why));
    }
    else
    if (!msg || frames != 2 || zframe_size (idf) != sizeof *id || zframe_size (rf) > cap)
        util_error (UTIL_EINPUT, "gateway: a malformed answer");
    else {
        memcpy (id, zframe_data (idf), sizeof *id);
        memcpy (reasons, zframe_data (rf), zframe_size (rf));
        *n = zframe_size (rf);
        rc = 0;
    }
    zmsg_destroy (&msg);
    return rc;
}

int
ingest_gateway_grant (ingest_gateway_t *self, const uint8_t *envelope, size_t len,
                    int timeout_ms, ingest_grant_reason_t *reason, char *detail, size_t cap)
{
    //  A request id no frame request of this process uses: the top bit set.
    static uint64_t s_next = 1;
    uint64_t id = (uint64_t) 1 << 63 | s_next++;
    const char *marker = INGEST_ENDPOINT_GRANT;
    const uint8_t *parts [] = { (const uint8_t *) marker, envelope };
    size_t lens [] = { strlen (marker), len };
    if (ingest_gateway_send (self, id, parts, lens, 2))
        return -1;
    int64_t deadline = zclock_mono () + timeout_ms;
    while (true) {
        int64_t left = deadline - zclock_mono ();
        if (left <= 0 || !zpoller_wait (self->poller, (int) left))
            return util_error (UTIL_EINPUT, "gateway: no answer to the grant within %d ms%s", timeout_ms,
                               zpoller_terminated (self->poller)? " (interrupted)"
                               : " (is this gateway's certificate in the site's allowlist, "
                                 "and the site certificate right?)");
        size_t frames;
        zmsg_t *msg = proto_recv_frames (self->sock, 4, &frames);
        zframe_t *idf = msg? zmsg_first (msg): NULL;
        if (!msg || zframe_size (idf) != sizeof id || memcmp (zframe_data (idf), &id, sizeof id)) {
            zmsg_destroy (&msg);
            continue;
        }
        zframe_t *mf = zmsg_next (msg);
        zframe_t *code = zmsg_next (msg);
        zframe_t *text = zmsg_next (msg);
        int rc = -1;
        if (frames != 4 || !zframe_streq (mf, INGEST_ENDPOINT_GRANT)
        ||  zframe_size (code) != 1
        ||  (zframe_data (code) [0] >= INGEST_GRANT_REASON_COUNT
             && zframe_data (code) [0] != INGEST_ENDPOINT_RESEND))
            util_error (UTIL_EINPUT, "gateway: a malformed answer to the grant");
        else
        if (zframe_data (code) [0] == INGEST_ENDPOINT_RESEND)
            util_error (UTIL_EFAIL, "the site could not decide the grant (send it again): %.*s",
                        (int) (zframe_size (text) < 400? zframe_size (text): 400),
                        (const char *) zframe_data (text));
        else {
            *reason = (ingest_grant_reason_t) zframe_data (code) [0];
            size_t n = zframe_size (text) < cap? zframe_size (text): cap - 1;
            memcpy (detail, zframe_data (text), n);
            detail [n] = 0;
            rc = 0;
        }
        zmsg_destroy (&msg);
        return rc;
    }
}
