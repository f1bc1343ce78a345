/*  proto/curve.c - CURVE server (ROUTER + zauth allowlist) and clients. */
#include "curve.h"
#include "util/alloc.h"
#include "util/error.h"
#include "message.h"

#include <string.h>
#include <sys/stat.h>

struct _proto_server_t {
    zactor_t *auth;
    zsock_t *router;
    char *endpoint;
};

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
    self->auth = zactor_new (zauth, NULL);
    if (!self->auth
    ||  zstr_sendx (self->auth, "CURVE", allowlist_dir, NULL)
    ||  zsock_wait (self->auth)) {
        util_error (UTIL_EFAIL, "allowlist: cannot start the ZAP handler");
        goto fail;
    }
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
        zactor_destroy (&self->auth);
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
