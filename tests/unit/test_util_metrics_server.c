/*  Unit tests for util/metrics_server.c: addresses (loopback only unless
    allowed, IPv4 and IPv6, ports at both ends of their range, malformed
    ones), the config keys with errors naming the key, and the listener
    over a real socket: GET /metrics answers the registry's text with the
    exposition's content type, another path 404, another method 405 with
    Allow: GET; a port in use is refused with the reason. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <czmq.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/metrics_server.h"
#include "util/error.h"

//  One HTTP/1.0 exchange with 127.0.0.1:port: the whole answer, or NULL.
static char *
s_http (unsigned port, const char *request)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return NULL;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port) };
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    struct timeval tv = { 5, 0 };
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect (fd, (struct sockaddr *) &a, sizeof a)
    ||  write (fd, request, strlen (request)) != (ssize_t) strlen (request)) {
        close (fd);
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc (cap);
    ssize_t n;
    while (buf && len < cap - 1 && (n = read (fd, buf + len, cap - 1 - len)) > 0)
        len += (size_t) n;
    close (fd);
    if (buf)
        buf [len] = 0;
    return buf;
}

static void
test_address (void **state)
{
    (void) state;
    struct sockaddr_storage a;
    assert_int_equal (util_metrics_address (&a, "127.0.0.1:9464", false), 0);
    assert_int_equal (a.ss_family, AF_INET);
    assert_int_equal (ntohs (((struct sockaddr_in *) &a)->sin_port), 9464);
    assert_int_equal (util_metrics_address (&a, "127.255.0.9:65535", false), 0);
    assert_int_equal (util_metrics_address (&a, "127.0.0.1:0", false), 0);
    assert_int_equal (util_metrics_address (&a, "[::1]:9464", false), 0);
    assert_int_equal (a.ss_family, AF_INET6);
    //  Not loopback: refused unless allowed, saying how to allow it.
    const char *remote [] = { "0.0.0.0:9464", "10.1.2.3:9464", "128.0.0.1:9464", "[::]:9464",
                              "[2001:db8::1]:9464", "[::ffff:10.0.0.1]:9464" };
    for (size_t i = 0; i < sizeof remote / sizeof remote [0]; i++) {
        assert_int_equal (util_metrics_address (&a, remote [i], false), -1);
        assert_int_equal (util_last_code (), UTIL_EINPUT);
        assert_non_null (strstr (util_last_error (), "metrics_allow_remote = true"));
        assert_int_equal (util_metrics_address (&a, remote [i], true), 0);
    }
    const char *bad [] = { "", "127.0.0.1", "127.0.0.1:", ":9464", "127.0.0.1:65536",
                           "127.0.0.1:-1", "127.0.0.1:+80", "127.0.0.1:80x", "localhost:9464",
                           "::1:9464", "[::1]", "[::1:9464", "[]:9464", "127.0.0.1.1:80",
                           "[127.0.0.1]:80", "127.0.0.1:99999999999999999999" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        assert_int_equal (util_metrics_address (&a, bad [i], true), -1);
        assert_int_equal (util_last_code (), UTIL_EINPUT);
    }
}

static void
test_config (void **state)
{
    (void) state;
    zconfig_t *root = zconfig_new ("root", NULL);
    zconfig_t *site = zconfig_new ("site", root);
    char *address = (char *) "untouched";
    bool remote = true;
    //  Absent: off.
    assert_int_equal (util_metrics_server_config (&address, &remote, "s.cfg", site, "site"), 0);
    assert_null (address);
    assert_false (remote);
    zconfig_put (site, "metrics", "127.0.0.1:9464");
    assert_int_equal (util_metrics_server_config (&address, &remote, "s.cfg", site, "site"), 0);
    assert_string_equal (address, "127.0.0.1:9464");
    free (address);
    zconfig_put (site, "metrics", "0.0.0.0:9464");
    assert_int_equal (util_metrics_server_config (&address, &remote, "s.cfg", site, "site"), -1);
    assert_null (address);
    assert_non_null (strstr (util_last_error (), "s.cfg: site/metrics: '0.0.0.0' is not a "
                                                 "loopback address"));
    zconfig_put (site, "metrics_allow_remote", "yes");
    assert_int_equal (util_metrics_server_config (&address, &remote, "s.cfg", site, "site"), -1);
    assert_string_equal (util_last_error (), "s.cfg: site/metrics_allow_remote: 'yes' is neither "
                         "'true' nor 'false'");
    zconfig_put (site, "metrics_allow_remote", "true");
    assert_int_equal (util_metrics_server_config (&address, &remote, "s.cfg", site, "site"), 0);
    assert_true (remote);
    assert_string_equal (address, "0.0.0.0:9464");
    free (address);
    zconfig_put (site, "metrics", "");
    assert_int_equal (util_metrics_server_config (&address, &remote, "s.cfg", site, "site"), -1);
    assert_non_null (strstr (util_last_error (), "s.cfg: site/metrics: is empty"));
    zconfig_put (site, "metrics", "nine:thousand");
    assert_int_equal (util_metrics_server_config (&address, &remote, "s.cfg", site, "site"), -1);
    assert_non_null (strstr (util_last_error (), "s.cfg: site/metrics: 'thousand': the port"));
    zconfig_destroy (&root);
}

static void
test_serve (void **state)
{
    (void) state;
    util_metrics_t *m = util_metrics_new ();
    util_metric_t *c = util_metrics_counter (m, "cohort_test_total", "A test.", "kind");
    util_metric_add (c, (const char *[]) { "train" }, 2);
    util_metrics_server_t *s = util_metrics_server_new (m, "127.0.0.1:0", false, "test");
    assert_non_null (s);
    unsigned port = util_metrics_server_port (s);
    assert_true (port > 0);

    char *answer = s_http (port, "GET /metrics HTTP/1.0\r\n\r\n");
    assert_non_null (answer);
    assert_non_null (strstr (answer, " 200 OK\r\n"));
    assert_non_null (strstr (answer, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
    char *body = strstr (answer, "\r\n\r\n");
    assert_non_null (body);
    char *text = util_metrics_render (m, NULL);
    assert_string_equal (body + 4, text);
    assert_non_null (strstr (text, "cohort_test_total{kind=\"train\"} 2\n"));
    free (text);
    free (answer);
    //  An update shows in the next scrape; a query string does not matter.
    util_metric_add (c, (const char *[]) { "train" }, 1);
    answer = s_http (port, "GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_non_null (answer);
    assert_non_null (strstr (answer, " 200 OK\r\n"));
    assert_non_null (strstr (answer, "cohort_test_total{kind=\"train\"} 3\n"));
    free (answer);

    const char *not_found [] = { "GET / HTTP/1.0\r\n\r\n", "GET /metrics/ HTTP/1.0\r\n\r\n",
                                 "GET /metricsx HTTP/1.0\r\n\r\n", "GET /Metrics HTTP/1.0\r\n\r\n" };
    for (size_t i = 0; i < sizeof not_found / sizeof not_found [0]; i++) {
        answer = s_http (port, not_found [i]);
        assert_non_null (answer);
        assert_non_null (strstr (answer, " 404 Not Found\r\n"));
        assert_null (strstr (answer, "cohort_test_total"));
        free (answer);
    }
    const char *methods [] = { "POST /metrics HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc",
                               "PUT /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
                               "DELETE /metrics HTTP/1.0\r\n\r\n", "HEAD /metrics HTTP/1.0\r\n\r\n",
                               "POST /other HTTP/1.0\r\nContent-Length: 0\r\n\r\n" };
    for (size_t i = 0; i < sizeof methods / sizeof methods [0]; i++) {
        answer = s_http (port, methods [i]);
        assert_non_null (answer);
        assert_non_null (strstr (answer, " 405 Method Not Allowed\r\n"));
        assert_non_null (strstr (answer, "Allow: GET\r\n"));
        assert_null (strstr (answer, "cohort_test_total"));
        free (answer);
    }
    //  Garbage is refused by libmicrohttpd itself.
    answer = s_http (port, "NOT HTTP AT ALL\r\n\r\n");
    assert_non_null (answer);
    assert_null (strstr (answer, "cohort_test_total"));
    free (answer);

    //  The same port a second time: refused with the reason.
    char taken [32];
    snprintf (taken, sizeof taken, "127.0.0.1:%u", port);
    util_metrics_server_t *again = util_metrics_server_new (m, taken, false, "test");
    assert_null (again);
    assert_int_equal (util_last_code (), UTIL_EIO);
    assert_non_null (strstr (util_last_error (), "metrics: cannot listen on 127.0.0.1:"));
    //  A refused address never binds.
    assert_null (util_metrics_server_new (m, "0.0.0.0:0", false, "test"));
    assert_non_null (strstr (util_last_error (), "metrics: '0.0.0.0' is not a loopback"));

    util_metrics_server_destroy (&s);
    assert_null (s);
    util_metrics_server_destroy (&s);
    //  Stopped: nothing answers.
    answer = s_http (port, "GET /metrics HTTP/1.0\r\n\r\n");
    assert_true (!answer || !*answer);
    free (answer);
    util_metrics_destroy (&m);
}

static void
test_serve_ipv6 (void **state)
{
    (void) state;
    util_metrics_t *m = util_metrics_new ();
    util_metrics_server_t *s = util_metrics_server_new (m, "[::1]:0", false, "test");
    if (!s) {
        //  A host without IPv6 on loopback: nothing to test here.
        print_message ("no [::1]: %s\n", util_last_error ());
        util_metrics_destroy (&m);
        skip ();
    }
    int fd = socket (AF_INET6, SOCK_STREAM, 0);
    struct sockaddr_in6 a = { .sin6_family = AF_INET6,
                              .sin6_port = htons ((uint16_t) util_metrics_server_port (s)) };
    a.sin6_addr = in6addr_loopback;
    assert_int_equal (connect (fd, (struct sockaddr *) &a, sizeof a), 0);
    const char req [] = "GET /metrics HTTP/1.0\r\n\r\n";
    assert_int_equal (write (fd, req, sizeof req - 1), (ssize_t) sizeof req - 1);
    char buf [4096];
    size_t len = 0;
    ssize_t n;
    while (len < sizeof buf - 1 && (n = read (fd, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t) n;
    buf [len] = 0;
    close (fd);
    assert_non_null (strstr (buf, "200 OK"));
    assert_non_null (strstr (buf, "cohort_metrics_dropped_total 0\n"));
    util_metrics_server_destroy (&s);
    util_metrics_destroy (&m);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_address),
        cmocka_unit_test (test_config),
        cmocka_unit_test (test_serve),
        cmocka_unit_test (test_serve_ipv6),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
