/*  util/metrics_server.h - the metrics listener: a registry
    (util/metrics.h) served over HTTP for Prometheus to scrape, by
    libmicrohttpd on its own thread (MHD_USE_INTERNAL_POLLING_THREAD).

    It answers GET /metrics with the exposition text (Content-Type
    "text/plain; version=0.0.4; charset=utf-8"), any other path with 404,
    and any other method with 405 (Allow: GET). It is unauthenticated and
    unencrypted: by default it binds a loopback address only (127.0.0.0/8,
    ::1), and another address needs the config's explicit consent
    (metrics_allow_remote = true); docs/operations.md.

    The config keys, in the coordinator section of coordinator.cfg and the
    site section of site.cfg:

        metrics = 127.0.0.1:9464            optional: serve metrics on this
                                            address and port (absent: off;
                                            [::1]:9464 for IPv6; port 0
                                            picks a free one, logged)
        metrics_allow_remote = false        optional: true lets `metrics`
                                            name a non-loopback address

    Contents
        util_metrics_server_t       a running listener
        util_metrics_address        parses and checks "address:port"
        util_metrics_server_config  reads the two keys from a config section
        util_metrics_server_new     binds and serves a registry
        util_metrics_server_port    the port bound
        util_metrics_server_destroy stops it

    The listener is the caller's (util_metrics_server_destroy, NULL-safe)
    and borrows the registry, which must outlive it. Errors are NULL / -1
    with the reason in the error slot (util/error.h).
*/
#ifndef UTIL_METRICS_SERVER_H
#define UTIL_METRICS_SERVER_H

#include "util/error.h"
#include "util/metrics.h"

#include <czmq.h>
#include <stdbool.h>
#include <sys/socket.h>

#define UTIL_METRICS_CONNECTIONS_MAX 16     //  open connections at once
#define UTIL_METRICS_TIMEOUT_S 10           //  an idle connection is closed after

typedef struct _util_metrics_server_t util_metrics_server_t;

/*  Parses `text`, "IPv4:PORT" or "[IPv6]:PORT" with numeric addresses and
    a port in 0..65535, into *addr. Without allow_remote only a loopback
    address passes. 0, or -1 with UTIL_EINPUT and the reason (it does not
    name the key: the caller adds it). */
int util_metrics_address (struct sockaddr_storage *addr, const char *text, bool allow_remote)
    UTIL_WUR;

/*  Reads `metrics` and `metrics_allow_remote` from `section` (named
    `name` in messages) of the config file at `path`: *address gets a copy
    of the address (the caller frees; NULL when the key is absent: no
    listener), *allow_remote the flag. 0, or -1 with one line naming the
    key: "<path>: <name>/metrics: ...". */
int util_metrics_server_config (char **address, bool *allow_remote, const char *path,
                                zconfig_t *section, const char *name) UTIL_WUR;

/*  Serves `metrics` on `address` (util_metrics_address). Returns once it
    listens (logging "<who>: metrics on http://ADDRESS:PORT/metrics"), or
    NULL with the reason: a bad address, one in use, out of memory. */
util_metrics_server_t *util_metrics_server_new (util_metrics_t *metrics, const char *address,
                                                bool allow_remote, const char *who);

/*  The TCP port it listens on (the one picked for port 0). */
unsigned util_metrics_server_port (const util_metrics_server_t *self);

/*  Stops the listener (its thread ends, connections close), sets *self_p
    NULL. NULL-safe. */
void util_metrics_server_destroy (util_metrics_server_t **self_p);

#endif
