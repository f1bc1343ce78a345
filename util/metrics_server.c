/*  util/metrics_server.c - GET /metrics over libmicrohttpd. */
#include "util/metrics_server.h"
#include "util/alloc.h"
#include "util/error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _util_metrics_server_t {
    struct MHD_Daemon *daemon;
    util_metrics_t *metrics;
    unsigned port;
    char who [64];
    char start_error [256];         //  what libmicrohttpd logged while starting
    bool started;                   //  (atomic) it listens: log its messages
};

int
util_metrics_address (struct sockaddr_storage *addr, const char *text, bool allow_remote)
{
    memset (addr, 0, sizeof *addr);
    const char *colon = strrchr (text, ':');
    char host [64];
    size_t hlen = colon? (size_t) (colon - text): 0;
    bool v6 = hlen >= 2 && text [0] == '[' && text [hlen - 1] == ']';
    if (v6)
        text++, hlen -= 2;
    if (!colon || hlen == 0 || hlen >= sizeof host)
        return util_error (UTIL_EINPUT, "'%.80s' is not ADDRESS:PORT (127.0.0.1:9464, or "
                           "[::1]:9464)", text - v6);
    memcpy (host, text, hlen);
    host [hlen] = 0;
    const char *p = colon + 1;
    char *end;
    errno = 0;
    unsigned long port = strtoul (p, &end, 10);
    if (errno || !*p || *end || *p == '-' || *p == '+' || port > 65535)
        return util_error (UTIL_EINPUT, "'%s': the port is not in 0..65535", p);
    bool loopback;
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *) addr;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons ((uint16_t) port);
        if (inet_pton (AF_INET6, host, &a->sin6_addr) != 1)
            return util_error (UTIL_EINPUT, "'[%s]' is not an IPv6 address", host);
        loopback = IN6_IS_ADDR_LOOPBACK (&a->sin6_addr);
    }
    else {
        struct sockaddr_in *a = (struct sockaddr_in *) addr;
        a->sin_family = AF_INET;
        a->sin_port = htons ((uint16_t) port);
        if (inet_pton (AF_INET, host, &a->sin_addr) != 1)
            return util_error (UTIL_EINPUT, "'%s' is not an IPv4 address (a name is not "
                               "resolved; IPv6 goes in brackets: [::1]:9464)", host);
        loopback = (ntohl (a->sin_addr.s_addr) >> 24) == 127;
    }
    if (!loopback && !allow_remote)
        return util_error (UTIL_EINPUT, "'%s' is not a loopback address: the metrics listener "
                           "is unauthenticated, so serving it beyond this host needs "
                           "metrics_allow_remote = true", host);
    return 0;
}

int
util_metrics_server_config (char **address, bool *allow_remote, const char *path,
                            zconfig_t *section, const char *name)
{
    *address = NULL;
    *allow_remote = false;
    const char *remote = zconfig_get (section, "metrics_allow_remote", "false");
    if (strcmp (remote, "true") && strcmp (remote, "false"))
        return util_error (UTIL_EINPUT, "%s: %s/metrics_allow_remote: '%s' is neither 'true' "
                           "nor 'false'", path, name, remote);
    *allow_remote = !strcmp (remote, "true");
    const char *text = zconfig_get (section, "metrics", NULL);
    if (!text)
        return 0;
    struct sockaddr_storage addr;
    if (!*text)
        return util_error (UTIL_EINPUT, "%s: %s/metrics: is empty (leave it out to serve no "
                           "metrics)", path, name);
    if (util_metrics_address (&addr, text, *allow_remote))
        return util_error_context ("%s: %s/metrics", path, name);
    if (!(*address = util_strdup (text)))
        return util_error_context ("%s: %s/metrics", path, name);
    return 0;
}

//  libmicrohttpd's own messages: kept while starting (for the reason a
//  start fails), logged afterwards.
static void
s_log (void *cls, const char *fmt, va_list ap)
{
    util_metrics_server_t *self = cls;
    char line [256];
    vsnprintf (line, sizeof line, fmt, ap);
    size_t len = strlen (line);
    while (len && (line [len - 1] == '\n' || line [len - 1] == '\r'))
        line [--len] = 0;
    if (!__atomic_load_n (&self->started, __ATOMIC_ACQUIRE))
        snprintf (self->start_error, sizeof self->start_error, "%s", line);
    else
        zsys_warning ("%s: metrics: http: %s", self->who, line);
}

static enum MHD_Result
s_answer (void *cls, struct MHD_Connection *connection, const char *url, const char *method,
          const char *version, const char *upload_data, size_t *upload_data_size,
          void **con_cls)
{
    (void) version, (void) upload_data, (void) upload_data_size, (void) con_cls;
    util_metrics_server_t *self = cls;
    static char s_not_found [] = "not found: metrics are at /metrics\n";
    static char s_not_allowed [] = "method not allowed: GET /metrics\n";
    static char s_no_memory [] = "out of memory\n";
    unsigned status = MHD_HTTP_OK;
    struct MHD_Response *response = NULL;
    if (strcmp (method, MHD_HTTP_METHOD_GET)) {
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
        response = MHD_create_response_from_buffer (strlen (s_not_allowed), s_not_allowed,
                                                    MHD_RESPMEM_PERSISTENT);
        if (response && MHD_add_response_header (response, MHD_HTTP_HEADER_ALLOW, "GET")
                        != MHD_YES) {
            MHD_destroy_response (response);
            response = NULL;
        }
    }
    else
    if (strcmp (url, "/metrics")) {
        status = MHD_HTTP_NOT_FOUND;
        response = MHD_create_response_from_buffer (strlen (s_not_found), s_not_found,
                                                    MHD_RESPMEM_PERSISTENT);
    }
    else {
        size_t len;
        char *text = util_metrics_render (self->metrics, &len);
        if (text) {
            //  free() is how the text is released: it came from util_malloc.
            response = MHD_create_response_from_buffer (len, text, MHD_RESPMEM_MUST_FREE);
            if (!response)
                free (text);
            else
            if (MHD_add_response_header (response, MHD_HTTP_HEADER_CONTENT_TYPE,
                                         "text/plain; version=0.0.4; charset=utf-8") != MHD_YES) {
                MHD_destroy_response (response);
                response = NULL;
            }
        }
        else {
            status = MHD_HTTP_INTERNAL_SERVER_ERROR;
            response = MHD_create_response_from_buffer (strlen (s_no_memory), s_no_memory,
                                                        MHD_RESPMEM_PERSISTENT);
        }
    }
    if (!response)
        return MHD_NO;              //  out of memory: libmicrohttpd closes the connection
    enum MHD_Result rc = MHD_queue_response (connection, status, response);
    MHD_destroy_response (response);
    return rc;
}

util_metrics_server_t *
util_metrics_server_new (util_metrics_t *metrics, const char *address, bool allow_remote,
                         const char *who)
{
    struct sockaddr_storage addr;
    if (util_metrics_address (&addr, address, allow_remote)) {
        util_error_context ("metrics");
        return NULL;
    }
    util_metrics_server_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->metrics = metrics;
    snprintf (self->who, sizeof self->who, "%s", who);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    self->daemon = MHD_start_daemon (flags, 0, NULL, NULL, s_answer, self,
                                     MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &addr,
                                     MHD_OPTION_EXTERNAL_LOGGER, s_log, self,
                                     MHD_OPTION_CONNECTION_LIMIT,
                                     (unsigned) UTIL_METRICS_CONNECTIONS_MAX,
                                     MHD_OPTION_CONNECTION_TIMEOUT,
                                     (unsigned) UTIL_METRICS_TIMEOUT_S,
                                     MHD_OPTION_END);
    if (!self->daemon) {
        util_error (UTIL_EIO, "metrics: cannot listen on %s: %s", address,
                    *self->start_error? self->start_error: "libmicrohttpd did not start");
        free (self);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info (self->daemon,
                                                            MHD_DAEMON_INFO_BIND_PORT);
    self->port = info? info->port: 0;
    //  From here on libmicrohttpd's thread logs: its messages go to the log.
    __atomic_store_n (&self->started, true, __ATOMIC_RELEASE);
    //  The address as configured, with the port bound (port 0 picks one).
    char shown [80];
    snprintf (shown, sizeof shown, "%.*s", (int) (strrchr (address, ':') - address), address);
    zsys_info ("%s: metrics on http://%s:%u/metrics", who, shown, self->port);
    return self;
}

unsigned
util_metrics_server_port (const util_metrics_server_t *self)
{
    return self->port;
}

void
util_metrics_server_destroy (util_metrics_server_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    util_metrics_server_t *self = *self_p;
    MHD_stop_daemon (self->daemon);
    free (self);
    *self_p = NULL;
}
