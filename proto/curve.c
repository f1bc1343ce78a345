/*  proto/curve.c - CURVE server (ROUTER + our ZAP handler) and clients. */
#include "curve.h"
#include "util/actor.h"
#include "util/alloc.h"
#include "util/error.h"
#include "message.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"     //  RFC 27, fixed by libzmq
#define S_ZAP_VERSION "1.0"
#define S_CURVE_KEY_LEN 32

struct _proto_server_t {
    zactor_t *auth;
    zsock_t *router;
    char *endpoint;
};

//  ---------------------------------------------------------------------
//  The ZAP handler (ZeroMQ RFC 27). A request is
//      version "1.0" | request id | domain | address | routing id |
//      mechanism | credentials...
//  and the reply
//      version "1.0" | request id | status code | status text | user id |
//      metadata
//  A REP socket must answer every request before it can take the next, so
//  even a request that does not parse gets a reply (500, echoing what
//  stood where the request id belongs).

typedef struct {
    zsock_t *pipe;
    zsock_t *handler;
    zcertstore_t *allowed;
    uint64_t dropped;               //  refusals not reported (pipe full)
} s_zap_t;

static void
s_zap_reply (s_zap_t *self, zframe_t *request_id, const char *code, const char *text,
             const char *user_id)
{
    zmsg_t *reply = zmsg_new ();
    zmsg_addstr (reply, S_ZAP_VERSION);
    if (request_id)
        zmsg_addmem (reply, zframe_data (request_id), zframe_size (request_id));
    else
        zmsg_addmem (reply, NULL, 0);
    zmsg_addstr (reply, code);
    zmsg_addstr (reply, text);
    zmsg_addstr (reply, user_id);
    zmsg_addmem (reply, NULL, 0);       //  metadata: none
    if (zmsg_send (&reply, self->handler))
        zmsg_destroy (&reply);
}

//  Tells the owner of a refusal, without ever blocking the handler: when
//  the pipe is full the refusal is counted and the count rides with the
//  next report that gets through.
static void
s_zap_report (s_zap_t *self, const char *key, zframe_t *address, const char *reason)
{
    proto_refusal_t r;
    memset (&r, 0, sizeof r);
    snprintf (r.key, sizeof r.key, "%s", key);
    size_t len = address? zframe_size (address): 0;
    if (len >= sizeof r.address)
        len = sizeof r.address - 1;
    //  The address comes from libzmq, but only printable bytes are kept.
    for (size_t i = 0; i < len; i++) {
        char c = (char) zframe_data (address) [i];
        r.address [i] = c >= ' ' && c <= '~'? c: '?';
    }
    snprintf (r.reason, sizeof r.reason, "%s", reason);
    r.dropped = self->dropped;
    if (zmq_send (zsock_resolve (self->pipe), &r, sizeof r, ZMQ_DONTWAIT) == (int) sizeof r)
        self->dropped = 0;
    else
        self->dropped++;
}

static void
s_zap_request (s_zap_t *self)
{
    zmsg_t *request = zmsg_recv (self->handler);
    if (!request)
        return;
    //  The frames by position (zmsg_next wraps around past the last one).
    zframe_t *f [9] = { NULL };
    size_t n = 0;
    for (zframe_t *frame = zmsg_first (request); frame && n < 9; frame = zmsg_next (request))
        f [n++] = frame;
    zframe_t *version = f [0], *request_id = f [1], *domain = f [2], *address = f [3];
    zframe_t *routing = f [4], *mechanism = f [5], *credentials = f [6];
    (void) domain;
    (void) routing;
    if (!mechanism || !zframe_streq (version, S_ZAP_VERSION)) {
        zsys_warning ("ZAP: refused a malformed request (%zu frames)", zmsg_size (request));
        s_zap_report (self, "", address, "malformed ZAP request");
        s_zap_reply (self, request_id, "500", "malformed ZAP request", "");
        goto done;
    }
    if (!zframe_streq (mechanism, "CURVE")) {
        char reason [64];
        char name [16];
        size_t len = zframe_size (mechanism) < sizeof name - 1? zframe_size (mechanism)
                                                              : sizeof name - 1;
        for (size_t i = 0; i < len; i++) {
            char c = (char) zframe_data (mechanism) [i];
            name [i] = c >= ' ' && c <= '~'? c: '?';
        }
        name [len] = 0;
        snprintf (reason, sizeof reason, "mechanism %s is not allowed", name);
        s_zap_report (self, "", address, reason);
        s_zap_reply (self, request_id, "400", reason, "");
        goto done;
    }
    if (!credentials || zframe_size (credentials) != S_CURVE_KEY_LEN || n != 7) {
        s_zap_report (self, "", address, "malformed ZAP request");
        s_zap_reply (self, request_id, "500", "malformed ZAP request", "");
        goto done;
    }
    char key [PROTO_Z85_KEY_LEN + 1];
    zmq_z85_encode (key, zframe_data (credentials), S_CURVE_KEY_LEN);
    if (zcertstore_lookup (self->allowed, key))
        s_zap_reply (self, request_id, "200", "OK", key);
    else {
        s_zap_report (self, key, address, "unknown key");
        s_zap_reply (self, request_id, "400", "unknown key", "");
    }
done:
    zmsg_destroy (&request);
}

//  The handler's actor: `args` is the allowlist directory, read before the
//  start-up answer (the caller's string lives until then).
static void
s_zap_actor (zsock_t *pipe, void *args)
{
    s_zap_t self = { pipe, NULL, NULL, 0 };
    zpoller_t *poller = NULL;
    zsock_signal (pipe, 0);
    self.allowed = zcertstore_new ((const char *) args);
    self.handler = zsock_new (ZMQ_REP);
    if (!self.allowed || !self.handler) {
        util_error (UTIL_ENOMEM, "allowlist: out of memory starting the ZAP handler");
        goto fail;
    }
    zsock_set_maxmsgsize (self.handler, (int64_t) PROTO_MSG_MAX);
    if (zsock_bind (self.handler, S_ZAP_ENDPOINT) < 0) {
        //  EADDRINUSE: another handler (ours or czmq's zauth) serves this process.
        util_error (UTIL_EFAIL, "allowlist: cannot start the ZAP handler: %s",
                    zmq_strerror (zmq_errno ()));
        goto fail;
    }
    if (!(poller = zpoller_new (pipe, self.handler, NULL))) {
        util_error (UTIL_ENOMEM, "allowlist: out of memory starting the ZAP handler");
        goto fail;
    }
    zstr_send (pipe, "OK");
    while (true) {
        void *which = zpoller_wait (poller, -1);
        if (which == self.handler)
            s_zap_request (&self);
        else
        if (which == pipe) {
            //  Only $TERM is ever sent; anything else ends the actor as well.
            char *command = zstr_recv (pipe);
            zstr_free (&command);
            break;
        }
        else
            break;
    }
    zpoller_destroy (&poller);
    //  Unbound first, at once: closing a socket releases its endpoints
    //  later (libzmq's reaper), and a new handler may start right after.
    zsock_unbind (self.handler, S_ZAP_ENDPOINT);
    zsock_destroy (&self.handler);
    zcertstore_destroy (&self.allowed);
    return;
fail:
    zsock_destroy (&self.handler);
    zcertstore_destroy (&self.allowed);
    util_actor_failed (pipe);
    //  Wait for $TERM so that the caller's zactor_destroy completes.
    char *command = zstr_recv (pipe);
    zstr_free (&command);
}

zcert_t *
proto_cert_load (const char *what, const char *path)
{
    struct stat st;
    if (!path || stat (path, &st)) {
        util_error (UTIL_EIO, "%s: cannot read certificate '%s'", what, path? path: "(none)");
        return NULL;
    }
    zcert_t *cert = zcert_load (path);
    if (!cert)
        util_error (UTIL_EINPUT, "%s: '%s' is not a certificate", what, path);
    return cert;
}

zcert_t *
proto_cert_load_secret (const char *what, const char *path)
{
    zcert_t *cert = proto_cert_load (what, path);
    if (!cert)
        return NULL;
    //  A certificate loaded from a public-only file has an all-zero secret.
    const byte *secret = zcert_secret_key (cert);
    int zero = 1;
    for (int i = 0; i < 32; i++)
        zero &= secret [i] == 0;
    if (zero) {
        proto_cert_destroy (&cert);
        return util_error_null (UTIL_EINPUT, "%s: '%s' holds no secret key", what, path);
    }
    return cert;
}

proto_server_t *
proto_server_new (const char *endpoint, const char *cert_path, const char *allowlist_dir)
{
    struct stat st;
    if (!allowlist_dir || stat (allowlist_dir, &st) || !S_ISDIR (st.st_mode)) {
        util_error (UTIL_EINPUT, "allowlist: '%s' is not a directory", allowlist_dir? allowlist_dir: "(none)");
        return NULL;
    }
    zcert_t *cert = proto_cert_load_secret ("coordinator cert", cert_path);
    if (!cert)
        return NULL;
    proto_server_t *self = util_calloc (1, sizeof *self);
    if (!self) {
        proto_cert_destroy (&cert);
        util_error_context ("coordinator endpoint");
        return NULL;
    }
    //  czmq objects abort the process when memory runs out; a NULL socket
    //  means ZeroMQ refused one (too many open files, a terminated context).
    self->auth = zactor_new (s_zap_actor, (void *) allowlist_dir);
    if (!self->auth) {
        util_error (UTIL_EFAIL, "allowlist: cannot start the ZAP handler");
        goto fail;
    }
    if (util_actor_started (self->auth, "allowlist: the ZAP handler", NULL))
        goto fail;
    self->router = zsock_new (ZMQ_ROUTER);
    if (!self->router) {
        util_error (UTIL_EIO, "endpoint: cannot create a socket: %s", zmq_strerror (zmq_errno ()));
        goto fail;
    }
    zsock_set_maxmsgsize (self->router, (int64_t) PROTO_MSG_MAX);
    zsock_set_zap_domain (self->router, "cohort");
    zsock_set_curve_server (self->router, 1);
    zcert_apply (cert, self->router);
    zsock_set_router_handover (self->router, 1);
    if (zsock_bind (self->router, "%s", endpoint) < 0) {
        util_error (UTIL_EIO, "endpoint: cannot bind '%s': %s", endpoint, zmq_strerror (zmq_errno ()));
        goto fail;
    }
    self->endpoint = zsock_last_endpoint (self->router);
    proto_cert_destroy (&cert);
    return self;
fail:
    proto_cert_destroy (&cert);
    proto_server_destroy (&self);
    return NULL;
}

void
proto_server_destroy (proto_server_t **self_p)
{
    if (self_p && *self_p) {
        proto_server_t *self = *self_p;
        zsock_destroy (&self->router);
        util_actor_destroy (&self->auth);
        zstr_free (&self->endpoint);
        free (self);
        *self_p = NULL;
    }
}

zsock_t *
proto_server_sock (proto_server_t *self)
{
    return self->router;
}

void *
proto_server_refusals (proto_server_t *self)
{
    return self->auth;
}

int
proto_server_refusal (proto_server_t *self, proto_refusal_t *out)
{
    //  The actor sends nothing else on its pipe once it has started.
    int len = zmq_recv (zsock_resolve (self->auth), out, sizeof *out, ZMQ_DONTWAIT);
    if (len != (int) sizeof *out)
        return -1;
    out->key [sizeof out->key - 1] = 0;
    out->address [sizeof out->address - 1] = 0;
    out->reason [sizeof out->reason - 1] = 0;
    return 0;
}

const char *
proto_server_endpoint (proto_server_t *self)
{
    return self->endpoint;
}

zsock_t *
proto_client_new (const char *endpoint, const char *cert_path, const char *server_cert_path)
{
    zcert_t *cert = proto_cert_load_secret ("client cert", cert_path);
    if (!cert)
        return NULL;
    zcert_t *server = proto_cert_load ("server cert", server_cert_path);
    if (!server) {
        proto_cert_destroy (&cert);
        return NULL;
    }
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    if (!sock) {
        proto_cert_destroy (&cert);
        proto_cert_destroy (&server);
        util_error (UTIL_EIO, "endpoint: cannot create a socket: %s", zmq_strerror (zmq_errno ()));
        return NULL;
    }
    zsock_set_maxmsgsize (sock, (int64_t) PROTO_MSG_MAX);
    zsock_set_linger (sock, 200);
    zcert_apply (cert, sock);
    zsock_set_curve_serverkey (sock, zcert_public_txt (server));
    proto_cert_destroy (&cert);
    proto_cert_destroy (&server);
    if (zsock_connect (sock, "%s", endpoint) < 0) {
        util_error (UTIL_EIO, "endpoint: cannot connect to '%s'", endpoint);
        zsock_destroy (&sock);
        return NULL;
    }
    return sock;
}

void
proto_cert_destroy (zcert_t **cert_p)
{
    if (!cert_p || !*cert_p)
        return;
    //  czmq hands out const views of the certificate's own arrays (heap
    //  memory it allocated, not const objects): wiped through them.
    util_cleanse ((void *) zcert_secret_key (*cert_p), 32);
    char *text = (char *) zcert_secret_txt (*cert_p);
    util_cleanse (text, strlen (text));
    zcert_destroy (cert_p);
}
