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

    //  The stranger speaks first: nothing may arrive.
    zsock_t *bad = proto_client_new (endpoint, stranger, server_pub);
    assert_non_null (bad);
    assert_int_equal (s_hello (bad, "stranger"), 0);
    assert_null (zpoller_wait (poller, 1500));

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
        cmocka_unit_test (test_bad_setup),
    };
    return cmocka_run_group_tests (tests, s_setup, support_dir_group_teardown);
}
