/*  Unit tests for proto/curve.c over real loopback TCP sockets: a client
    whose public cert is in the allowlist gets through, an unknown client is
    refused by the ZAP handler, and bad set-up is reported. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proto/curve.h"
#include "util/error.h"
#include "proto/message.h"
#include "support_curve.h"
#include "support_dir.h"

static char s_path [512];

static const char *
s_file (const char *name)
{
    snprintf (s_path, sizeof s_path, "%s/%s", support_dir_group, name);
    return s_path;
}

//  Certificates: the server's, one allowlisted in allowed/ (known) and
//  one not (stranger).
static int
s_setup (void **state)
{
    (void) state;
    if (support_dir_group_setup (state))
        return -1;
    char allowed [512];
    support_curve_allowlist (allowed, sizeof allowed, support_dir_group, "allowed");
    support_curve_cert (support_dir_group, "server", NULL, NULL);
    support_curve_cert (support_dir_group, "known", allowed, NULL);
    support_curve_cert (support_dir_group, "stranger", NULL, NULL);
    return 0;
}

static int
s_hello (zsock_t *client, const char *name)
{
    Cohort__Hello h = COHORT__HELLO__INIT;
    h.role = "site"; h.name = (char *) name; h.index = 1;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_HELLO;
    msg.hello = &h;
    return proto_send (client, NULL, &msg);
}

static void
test_allowlist (void **state)
{
    (void) state;
    char secret [512], allowed [512];
    support_path (secret, sizeof secret, support_dir_group, "server_secret");
    support_path (allowed, sizeof allowed, support_dir_group, "allowed");
    proto_server_t *server = proto_server_new ("tcp://127.0.0.1:*", secret, allowed);
    assert_non_null (server);
    const char *endpoint = proto_server_endpoint (server);
    zpoller_t *poller = zpoller_new (proto_server_sock (server), NULL);

    char known [512], stranger [512], server_pub [512];
    support_path (known, sizeof known, support_dir_group, "known_secret");
    support_path (stranger, sizeof stranger, support_dir_group, "stranger_secret");
    support_path (server_pub, sizeof server_pub, support_dir_group, "server");

    //  The stranger speaks first: nothing may arrive, and the refusal is
    //  reported with its key and address.
    zpoller_t *refusals = zpoller_new (proto_server_refusals (server), NULL);
    proto_refusal_t refusal;
    assert_int_equal (proto_server_refusal (server, &refusal), -1);
    zsock_t *bad = proto_client_new (endpoint, stranger, server_pub);
    assert_non_null (bad);
    assert_int_equal (s_hello (bad, "stranger"), 0);
    assert_null (zpoller_wait (poller, 1500));
    assert_non_null (zpoller_wait (refusals, 10000));
    assert_int_equal (proto_server_refusal (server, &refusal), 0);
    zcert_t *stranger_cert = zcert_load (stranger);
    assert_string_equal (refusal.key, zcert_public_txt (stranger_cert));
    zcert_destroy (&stranger_cert);
    assert_string_equal (refusal.address, "127.0.0.1");
    assert_string_equal (refusal.reason, "unknown key");
    zpoller_destroy (&refusals);

    zsock_t *good = proto_client_new (endpoint, known, server_pub);
    assert_non_null (good);
    assert_int_equal (s_hello (good, "known"), 0);
    assert_non_null (zpoller_wait (poller, 10000));
    zframe_t *identity;
    char user [64];
    proto_msg_t *msg = proto_recv_user (proto_server_sock (server), &identity, user, sizeof user);
    assert_non_null (msg);
    assert_string_equal (msg->hello->name, "known");
    //  The ZAP handler names the sender by its public key.
    zcert_t *known_cert = zcert_load (known);
    assert_string_equal (user, zcert_public_txt (known_cert));
    zcert_destroy (&known_cert);
    //  And the server can answer on the same connection.
    Cohort__Heartbeat hb = COHORT__HEARTBEAT__INIT;
    proto_msg_t reply = COHORT__ENVELOPE__INIT;
    reply.body_case = COHORT__ENVELOPE__BODY_HEARTBEAT;
    reply.heartbeat = &hb;
    assert_int_equal (proto_send (proto_server_sock (server), identity, &reply), 0);
    zsock_set_rcvtimeo (good, 10000);
    proto_msg_t *back = proto_recv (good, NULL);
    assert_non_null (back);
    proto_free (&back);
    proto_free (&msg);
    zframe_destroy (&identity);
    //  Still nothing from the stranger.
    assert_null (zpoller_wait (poller, 200));

    zsock_destroy (&bad);
    zsock_destroy (&good);
    zpoller_destroy (&poller);
    proto_server_destroy (&server);
    assert_null (server);
    proto_server_destroy (&server);
}

//  Sends a ZAP request of n frames (NULL: an empty frame, "#K": the 32
//  bytes of key K) and checks the reply's request id, status code and user
//  id.
static void
s_zap (zsock_t *req, const char *const *frames, size_t n, const char *id, const char *code,
       const uint8_t *key, const char *user)
{
    zmsg_t *request = zmsg_new ();
    for (size_t i = 0; i < n; i++)
        if (frames [i] && !strcmp (frames [i], "#K"))
            zmsg_addmem (request, key, 32);
        else
            zmsg_addstr (request, frames [i]? frames [i]: "");
    assert_int_equal (zmsg_send (&request, req), 0);
    zmsg_t *reply = zmsg_recv (req);
    assert_non_null (reply);
    assert_int_equal (zmsg_size (reply), 6);
    char *version = zmsg_popstr (reply), *rid = zmsg_popstr (reply);
    char *status = zmsg_popstr (reply), *text = zmsg_popstr (reply);
    char *uid = zmsg_popstr (reply);
    assert_string_equal (version, "1.0");
    assert_string_equal (rid, id);
    if (strcmp (status, code)) print_error ("ZAP reply %s %s (request id %s)\n", status, text, rid);
    assert_string_equal (status, code);
    assert_string_equal (uid, user);
    zstr_free (&version); zstr_free (&rid); zstr_free (&status); zstr_free (&text);
    zstr_free (&uid);
    zmsg_destroy (&reply);
}

//  Waits (10 s at most) for a refusal report and takes it.
static int
s_refusal (proto_server_t *server, proto_refusal_t *r)
{
    zpoller_t *poller = zpoller_new (proto_server_refusals (server), NULL);
    void *which = zpoller_wait (poller, 10000);
    zpoller_destroy (&poller);
    return which? proto_server_refusal (server, r): -1;
}

//  The ZAP handler itself, spoken to directly as libzmq would (RFC 27):
//  malformed requests, a mechanism other than CURVE, an unknown key, a
//  known one. Each refusal is reported; an admission is not.
static void
test_zap_handler (void **state)
{
    (void) state;
    char secret [512], allowed [512];
    support_path (secret, sizeof secret, support_dir_group, "server_secret");
    support_path (allowed, sizeof allowed, support_dir_group, "allowed");
    proto_server_t *server = proto_server_new ("tcp://127.0.0.1:*", secret, allowed);
    assert_non_null (server);
    //  One handler per process: a second server cannot start its own.
    assert_null (proto_server_new ("tcp://127.0.0.1:*", secret, allowed));
    assert_non_null (strstr (util_last_error (), "ZAP handler"));
    zsock_t *req = zsock_new_req ("inproc://zeromq.zap.01");
    assert_non_null (req);
    zsock_set_rcvtimeo (req, 10000);
    zcert_t *known = zcert_load (s_file ("known_secret"));
    zcert_t *stranger = zcert_load (s_file ("stranger_secret"));
    assert_non_null (known);
    assert_non_null (stranger);
    proto_refusal_t r;

    //  A wrong version, and a request cut short: 500, and reported.
    const char *wrong [] = { "2.0", "a", "cohort", "10.0.0.9", NULL, "CURVE", "#K" };
    s_zap (req, wrong, 7, "a", "500", zcert_public_key (known), "");
    assert_int_equal (s_refusal (server, &r), 0);
    assert_string_equal (r.reason, "malformed ZAP request");
    assert_string_equal (r.key, "");
    const char *cut [] = { "1.0", "b", "cohort" };
    s_zap (req, cut, 3, "b", "500", NULL, "");
    assert_int_equal (s_refusal (server, &r), 0);
    assert_string_equal (r.reason, "malformed ZAP request");
    const char *alone [] = { "1.0" };
    s_zap (req, alone, 1, "", "500", NULL, "");
    assert_int_equal (s_refusal (server, &r), 0);
    //  CURVE with a key of 31 bytes, or a frame after the key.
    const char *short_key [] = { "1.0", "c", "cohort", "10.0.0.9", NULL, "CURVE", "0123456789abcdef0123456789abcde" };
    s_zap (req, short_key, 7, "c", "500", NULL, "");
    assert_int_equal (s_refusal (server, &r), 0);
    assert_string_equal (r.reason, "malformed ZAP request");
    assert_string_equal (r.address, "10.0.0.9");
    const char *extra [] = { "1.0", "d", "cohort", "10.0.0.9", NULL, "CURVE", "#K", "x" };
    s_zap (req, extra, 8, "d", "500", zcert_public_key (known), "");
    assert_int_equal (s_refusal (server, &r), 0);

    //  Another mechanism: 400, named.
    const char *plain [] = { "1.0", "e", "cohort", "10.0.0.7", NULL, "PLAIN", "admin", "secret" };
    s_zap (req, plain, 8, "e", "400", NULL, "");
    assert_int_equal (s_refusal (server, &r), 0);
    assert_string_equal (r.reason, "mechanism PLAIN is not allowed");
    assert_string_equal (r.address, "10.0.0.7");
    assert_string_equal (r.key, "");
    const char *null [] = { "1.0", "f", "cohort", "10.0.0.7", NULL, "NULL" };
    s_zap (req, null, 6, "f", "400", NULL, "");
    assert_int_equal (s_refusal (server, &r), 0);
    assert_string_equal (r.reason, "mechanism NULL is not allowed");

    //  An unknown key: 400, reported with the key's Z85 text.
    const char *curve [] = { "1.0", "g", "cohort", "10.0.0.8", NULL, "CURVE", "#K" };
    s_zap (req, curve, 7, "g", "400", zcert_public_key (stranger), "");
    assert_int_equal (s_refusal (server, &r), 0);
    assert_string_equal (r.key, zcert_public_txt (stranger));
    assert_string_equal (r.address, "10.0.0.8");
    assert_string_equal (r.reason, "unknown key");
    assert_int_equal (r.dropped, 0);

    //  A known key: 200, the user id is its Z85 text, and nothing reported.
    s_zap (req, curve, 7, "g", "200", zcert_public_key (known), zcert_public_txt (known));
    zpoller_t *poller = zpoller_new (proto_server_refusals (server), NULL);
    assert_null (zpoller_wait (poller, 300));
    zpoller_destroy (&poller);
    assert_int_equal (proto_server_refusal (server, &r), -1);

    zcert_destroy (&known);
    zcert_destroy (&stranger);
    zsock_destroy (&req);
    proto_server_destroy (&server);
    //  Gone with its server: a new one can start its handler.
    server = proto_server_new ("tcp://127.0.0.1:*", secret, allowed);
    assert_non_null (server);
    proto_server_destroy (&server);
}

static void
test_bad_setup (void **state)
{
    (void) state;
    char secret [512], allowed [512], pub [512];
    support_path (secret, sizeof secret, support_dir_group, "server_secret");
    support_path (allowed, sizeof allowed, support_dir_group, "allowed");
    support_path (pub, sizeof pub, support_dir_group, "server");
    assert_null (proto_server_new ("tcp://127.0.0.1:*", secret, "/nonexistent"));
    assert_non_null (strstr (util_last_error (), "allowlist"));
    assert_null (proto_server_new ("tcp://127.0.0.1:*", "/nonexistent", allowed));
    assert_non_null (strstr (util_last_error (), "cannot read certificate"));
    char public_only [512];
    support_path (public_only, sizeof public_only, support_dir_group, "allowed/known.pub");
    assert_null (proto_server_new ("tcp://127.0.0.1:*", public_only, allowed));
    assert_non_null (strstr (util_last_error (), "no secret key"));
    assert_null (proto_server_new ("bogus://x", secret, allowed));
    assert_non_null (strstr (util_last_error (), "cannot bind"));
    assert_null (proto_client_new ("tcp://127.0.0.1:1", "/nonexistent", pub));
    assert_null (proto_client_new ("tcp://127.0.0.1:1", s_file ("known_secret"), "/nonexistent"));
    assert_non_null (strstr (util_last_error (), "server cert"));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_allowlist),
        cmocka_unit_test (test_zap_handler),
        cmocka_unit_test (test_bad_setup),
    };
    return cmocka_run_group_tests (tests, s_setup, support_dir_group_teardown);
}
