/*  Unit tests for ingest/endpoint.c, with real CURVE sockets on loopback: a
    gateway whose key is not allowlisted is refused, an allowlisted one gets
    an answer for every frame (accepted or the reason), rejections are
    counted and audited, accepted records are in the store; the ingest
    section of site.cfg; key files; every set-up error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ingest/endpoint.h"
#include "util/error.h"
#include "support_dir.h"
#include "support_file.h"
#include "support_ingest.h"

#define PATIENT "Patient/p-0042"

typedef struct {
    char dir [SUPPORT_DIR_MAX];
    support_ingest_site_t s;                //  the site's files
    uint8_t secret [INGEST_SECRET_LEN];     //  of monitor-1, enrolled for PATIENT
    uint32_t epoch;
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = support_fixture_new (state, sizeof *f, "endpoint");
    if (!f)
        return -1;
    support_ingest_site_make (&f->s, f->dir);
    f->epoch = support_ingest_enroll (&f->s, "monitor-1", PATIENT, f->secret);
    return 0;
}

//  Seals heart rate reading seq of monitor-1, in `unit`.
static size_t
s_frame (uint8_t *out, const fixture_t *f, uint64_t seq, const char *unit)
{
    char payload [600];
    support_observation (payload, sizeof payload, PATIENT, "8867-4", "72", unit);
    return support_frame (out, INGEST_FRAME_MAX, "monitor-1", f->epoch, seq,
                          INGEST_AEAD_AES_256_GCM, payload, f->secret);
}

static zsock_t *
s_gateway (const char *cert_path, const char *server_public, const char *endpoint)
{
    zcert_t *cert = zcert_load (cert_path);
    zcert_t *server = zcert_load (server_public);
    assert_non_null (cert);
    assert_non_null (server);
    zsock_t *sock = zsock_new (ZMQ_DEALER);
    zsock_set_linger (sock, 0);
    zsock_set_rcvtimeo (sock, 10000);
    zcert_apply (cert, sock);
    zsock_set_curve_serverkey (sock, zcert_public_txt (server));
    zcert_destroy (&cert);
    zcert_destroy (&server);
    assert_int_equal (zsock_connect (sock, "%s", endpoint), 0);
    return sock;
}

static void
test_known_gateway_gets_answers (void **state)
{
    fixture_t *f = *state;
    ingest_endpoint_t *ep = ingest_endpoint_new (&f->s.cfg, f->s.site_secret);
    assert_non_null (ep);
    assert_non_null (strstr (ingest_endpoint_address (ep), "tcp://127.0.0.1:"));
    zsock_t *gw = s_gateway (f->s.gw_secret, f->s.site, ingest_endpoint_address (ep));
    static uint8_t good [INGEST_FRAME_MAX], bad_tag [INGEST_FRAME_MAX], unit [INGEST_FRAME_MAX];
    static uint8_t big [INGEST_FRAME_MAX + 1];
    size_t ngood = s_frame (good, f, 1, "/min");
    size_t nbad = s_frame (bad_tag, f, 2, "/min");
    bad_tag [nbad - 1] ^= 1;
    size_t nunit = s_frame (unit, f, 3, "%");
    memset (big, 1, sizeof big);
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "req-1");
    zmsg_addmem (msg, good, ngood);
    zmsg_addmem (msg, good, ngood);         //  the same frame again: a replay
    zmsg_addmem (msg, bad_tag, nbad);
    zmsg_addmem (msg, unit, nunit);
    zmsg_addmem (msg, "junk", 4);
    zmsg_addmem (msg, big, sizeof big);
    assert_int_equal (zmsg_send (&msg, gw), 0);
    zmsg_t *answer = zmsg_recv (gw);
    assert_non_null (answer);
    assert_int_equal (zmsg_size (answer), 2);
    char *id = zmsg_popstr (answer);
    assert_string_equal (id, "req-1");
    free (id);
    zframe_t *reasons = zmsg_pop (answer);
    assert_int_equal (zframe_size (reasons), 6);
    const byte *r = zframe_data (reasons);
    assert_int_equal (r [0], INGEST_OK);
    assert_int_equal (r [1], INGEST_REPLAY);
    assert_int_equal (r [2], INGEST_BAD_TAG);
    assert_int_equal (r [3], INGEST_UNIT_MISMATCH);
    assert_int_equal (r [4], INGEST_MALFORMED_FRAME);
    assert_int_equal (r [5], INGEST_TOO_LARGE);
    zframe_destroy (&reasons);
    zmsg_destroy (&answer);
    //  An empty request is answered with no reasons.
    zstr_send (gw, "req-2");
    answer = zmsg_recv (gw);
    assert_non_null (answer);
    assert_int_equal (zmsg_size (answer), 2);
    assert_int_equal (zframe_size (zmsg_last (answer)), 0);
    zmsg_destroy (&answer);
    uint64_t counts [INGEST_REASON_COUNT];
    assert_int_equal (ingest_endpoint_counts (ep, counts), 0);
    assert_int_equal (counts [INGEST_OK], 1);
    assert_int_equal (counts [INGEST_REPLAY], 1);
    assert_int_equal (counts [INGEST_BAD_TAG], 1);
    assert_int_equal (counts [INGEST_UNIT_MISMATCH], 1);
    assert_int_equal (counts [INGEST_MALFORMED_FRAME], 1);
    assert_int_equal (counts [INGEST_TOO_LARGE], 1);
    zsock_destroy (&gw);
    ingest_endpoint_destroy (&ep);
    ingest_endpoint_destroy (&ep);
    //  The accepted record is in the store, the five rejections in the log.
    uint8_t key [INGEST_STORAGE_KEY_LEN];
    assert_int_equal (ingest_key_file_read (f->s.key, key), 0);
    ingest_store_t *ing = ingest_store_open (f->s.store, key, NULL);
    assert_non_null (ing);
    assert_int_equal (ingest_store_record_count (ing), 1);
    ingest_store_destroy (&ing);
    audit_log_t *log = audit_log_open (f->s.audit, NULL);
    assert_non_null (log);
    assert_int_equal (audit_log_size (log), 5);
    audit_log_destroy (&log);
}

static void
test_unknown_gateway_refused (void **state)
{
    fixture_t *f = *state;
    ingest_endpoint_t *ep = ingest_endpoint_new (&f->s.cfg, f->s.site_secret);
    assert_non_null (ep);
    zsock_t *stranger = s_gateway (f->s.stranger_secret, f->s.site, ingest_endpoint_address (ep));
    zsock_set_rcvtimeo (stranger, 1500);
    static uint8_t good [INGEST_FRAME_MAX];
    size_t n = s_frame (good, f, 1, "/min");
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, "req");
    zmsg_addmem (msg, good, n);
    zmsg_send (&msg, stranger);
    zmsg_destroy (&msg);
    assert_null (zmsg_recv (stranger));
    uint64_t counts [INGEST_REASON_COUNT];
    assert_int_equal (ingest_endpoint_counts (ep, counts), 0);
    for (int i = 0; i < INGEST_REASON_COUNT; i++)
        assert_int_equal (counts [i], 0);
    //  The same frame from the allowlisted gateway is accepted.
    zsock_t *gw = s_gateway (f->s.gw_secret, f->s.site, ingest_endpoint_address (ep));
    msg = zmsg_new ();
    zmsg_addstr (msg, "req");
    zmsg_addmem (msg, good, n);
    zmsg_send (&msg, gw);
    zmsg_t *answer = zmsg_recv (gw);
    assert_non_null (answer);
    assert_int_equal (zframe_data (zmsg_last (answer)) [0], INGEST_OK);
    zmsg_destroy (&answer);
    //  A gateway pinning another server key gets nothing either.
    zsock_t *wrong = s_gateway (f->s.gw_secret, f->s.gw_secret, ingest_endpoint_address (ep));
    zsock_set_rcvtimeo (wrong, 500);
    zstr_send (wrong, "req");
    assert_null (zmsg_recv (wrong));
    zsock_destroy (&wrong);
    zsock_destroy (&gw);
    zsock_destroy (&stranger);
    ingest_endpoint_destroy (&ep);
}

static void
test_setup_errors (void **state)
{
    fixture_t *f = *state;
    ingest_config_t cfg = f->s.cfg;
    cfg.gateways = f->s.key;
    assert_null (ingest_endpoint_new (&cfg, f->s.site_secret));
    assert_non_null (strstr (util_last_error (), "is not a directory"));
    cfg = f->s.cfg;
    char public_only [300];
    support_path (public_only, sizeof public_only, f->s.gateways, "gw.pub");
    assert_null (ingest_endpoint_new (&cfg, public_only));
    assert_non_null (strstr (util_last_error (), "holds no secret key"));
    assert_null (ingest_endpoint_new (&cfg, "/nonexistent/cert"));
    assert_non_null (strstr (util_last_error (), "the site certificate: cannot read certificate"));
    cfg.storage_key = "/nonexistent/key";
    assert_null (ingest_endpoint_new (&cfg, f->s.site_secret));
    assert_non_null (strstr (util_last_error (), "cannot open"));
    //  The reason's code crosses from the actor's thread too.
    assert_int_equal (util_last_code (), UTIL_EIO);
    cfg = f->s.cfg;
    cfg.audit_origin = NULL;
    cfg.audit = "/nonexistent/audit.db";
    assert_null (ingest_endpoint_new (&cfg, f->s.site_secret));
    cfg = f->s.cfg;
    cfg.endpoint = "tcp://256.0.0.1:1";
    assert_null (ingest_endpoint_new (&cfg, f->s.site_secret));
    assert_non_null (strstr (util_last_error (), "cannot bind"));
    //  A storage key other than the store's.
    char other [160];
    support_path (other, sizeof other, f->dir, "other.key");
    char line [80];
    memset (line, 'a', 64);
    strcpy (line + 64, "\n");
    support_file_write (other, line, 0600);
    cfg = f->s.cfg;
    cfg.storage_key = other;
    assert_null (ingest_endpoint_new (&cfg, f->s.site_secret));
    ingest_endpoint_destroy (NULL);
}

static void
test_key_files (void **state)
{
    fixture_t *f = *state;
    uint8_t key [32];
    assert_int_equal (ingest_key_file_read (f->s.key, key), 0);
    assert_int_equal (key [0], SUPPORT_INGEST_KEY_BYTE);
    assert_int_equal (key [31], SUPPORT_INGEST_KEY_BYTE);
    char path [160], line [80];
    support_path (path, sizeof path, f->dir, "k1");
    memset (line, '1', 64);
    strcpy (line + 64, "\n");
    support_file_write (path, line, 0640);
    assert_int_equal (ingest_key_file_read (path, key), -1);
    assert_non_null (strstr (util_last_error (), "accessible by group or others"));
    support_path (path, sizeof path, f->dir, "k2");
    line [3] = 'G';
    support_file_write (path, line, 0600);
    assert_int_equal (ingest_key_file_read (path, key), -1);
    assert_non_null (strstr (util_last_error (), "64 lower-case hex digits"));
    support_path (path, sizeof path, f->dir, "k3");
    support_file_write (path, "00\n", 0600);
    assert_int_equal (ingest_key_file_read (path, key), -1);
    assert_int_equal (ingest_key_file_read ("/nonexistent", key), -1);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_known_gateway_gets_answers, s_setup, support_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_unknown_gateway_refused, s_setup, support_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_setup_errors, s_setup, support_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_key_files, s_setup, support_fixture_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
