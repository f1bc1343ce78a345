/*  Unit tests for ingest/gateway.c against a real endpoint on loopback:
    requests in flight answered by id, an empty request, certificate
    errors, no answer within the timeout, and a send that cannot go out. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/endpoint.h"
#include "util/error.h"
#include "ingest/gateway.h"
#include "ingest/grants.h"
#include "audit/key.h"
#include "audit/log.h"
#include "support_dir.h"
#include "support_ingest.h"

typedef struct {
    char dir [SUPPORT_DIR_MAX];
    support_ingest_site_t s;                //  the site's files
    uint8_t secret [INGEST_SECRET_LEN];     //  of pump-1, enrolled for Patient/p-1
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = support_fixture_new (state, sizeof *f, "gateway");
    if (!f)
        return -1;
    support_ingest_site_make (&f->s, f->dir);
    support_ingest_enroll (&f->s, "pump-1", "Patient/p-1", f->secret);
    return 0;
}

//  Seals reading seq of pump-1 (ChaCha20-Poly1305: the endpoint test uses
//  AES-256-GCM).
static size_t
s_frame (uint8_t *out, const fixture_t *f, uint64_t seq)
{
    char obs [1024];
    support_observation (obs, sizeof obs, "Patient/p-1", "2339-0", "98", "mg/dL");
    return support_frame (out, 1024, "pump-1", 1, seq, INGEST_AEAD_CHACHA20_POLY1305, obs,
                          f->secret);
}

//  The site's endpoint, on a free port.
static ingest_endpoint_t *
s_endpoint (const fixture_t *f)
{
    ingest_endpoint_t *ep = ingest_endpoint_new (&f->s.cfg, f->s.site_secret);
    assert_non_null (ep);
    return ep;
}

//  A gateway to the endpoint, with the certificate `cert` (a secret one).
static ingest_gateway_t *
s_gateway (const fixture_t *f, ingest_endpoint_t *ep, const char *cert)
{
    ingest_gateway_t *gw = ingest_gateway_new (ingest_endpoint_address (ep), cert, f->s.site);
    assert_non_null (gw);
    return gw;
}

static void
test_requests_in_flight (void **state)
{
    fixture_t *f = *state;
    ingest_endpoint_t *ep = s_endpoint (f);
    ingest_gateway_t *gw = s_gateway (f, ep, f->s.gw_secret);
    uint8_t frames [6][1024];
    const uint8_t *ptrs [6];
    size_t lens [6];
    for (int i = 0; i < 6; i++) {
        lens [i] = s_frame (frames [i], f, (uint64_t) i + 1);
        ptrs [i] = frames [i];
    }
    //  Three requests in flight; the last one repeats frame 1.
    assert_int_equal (ingest_gateway_send (gw, 7, ptrs, lens, 3), 0);
    assert_int_equal (ingest_gateway_send (gw, 8, ptrs + 3, lens + 3, 3), 0);
    assert_int_equal (ingest_gateway_send (gw, 9, ptrs, lens, 1), 0);
    uint8_t reasons [16];
    uint64_t id;
    size_t n;
    uint64_t want [3] = { 7, 8, 9 };
    for (int r = 0; r < 3; r++) {
        assert_int_equal (ingest_gateway_recv (gw, 10000, &id, reasons, sizeof reasons, &n), 0);
        assert_int_equal (id, want [r]);
        assert_int_equal (n, r < 2? 3: 1);
        for (size_t i = 0; i < n; i++)
            assert_int_equal (reasons [i], r < 2? INGEST_OK: INGEST_REPLAY);
    }
    //  An empty request; an answer that does not fit the caller's buffer.
    assert_int_equal (ingest_gateway_send (gw, 10, NULL, NULL, 0), 0);
    assert_int_equal (ingest_gateway_recv (gw, 10000, &id, reasons, sizeof reasons, &n), 0);
    assert_int_equal (id, 10);
    assert_int_equal (n, 0);
    assert_int_equal (ingest_gateway_send (gw, 11, ptrs, lens, 2), 0);
    assert_int_equal (ingest_gateway_recv (gw, 10000, &id, reasons, 1, &n), -1);
    assert_non_null (strstr (util_last_error (), "malformed answer"));
    //  Nothing more to answer: a timeout naming the likely cause.
    assert_int_equal (ingest_gateway_recv (gw, 200, &id, reasons, sizeof reasons, &n), -1);
    assert_non_null (strstr (util_last_error (), "no answer from the site within 200 ms"));
    ingest_gateway_destroy (&gw);
    ingest_gateway_destroy (&gw);
    ingest_endpoint_destroy (&ep);
}

static void
test_errors (void **state)
{
    fixture_t *f = *state;
    assert_null (ingest_gateway_new ("tcp://127.0.0.1:1", "/nonexistent", f->s.site));
    assert_non_null (strstr (util_last_error (), "gateway cert"));
    assert_null (ingest_gateway_new ("tcp://127.0.0.1:1", f->s.gw_secret, "/nonexistent"));
    assert_non_null (strstr (util_last_error (), "site cert"));
    assert_null (ingest_gateway_new ("nonsense", f->s.gw_secret, f->s.site));
    assert_non_null (strstr (util_last_error (), "cannot connect"));
    //  Nobody listening: the send gives up after its timeout.
    ingest_gateway_t *gw = ingest_gateway_new ("tcp://127.0.0.1:1", f->s.gw_secret, f->s.site);
    assert_non_null (gw);
    assert_int_equal (ingest_gateway_send (gw, 1, NULL, NULL, 0), -1);
    assert_non_null (strstr (util_last_error (), "there is no connection"));
    //  A shorter send timeout; a value below 1 ms is taken as 1 ms (-1 would
    //  be libzmq's "wait for ever"): the send still gives up.
    int timeouts [] = { 100, -1, 0 };
    for (size_t i = 0; i < 3; i++) {
        ingest_gateway_set_send_timeout (gw, timeouts [i]);
        assert_int_equal (ingest_gateway_send (gw, 1, NULL, NULL, 0), -1);
        assert_non_null (strstr (util_last_error (), "there is no connection"));
    }
    //  More frames than a request may hold: refused before anything goes.
    assert_int_equal (ingest_gateway_send (gw, 2, NULL, NULL, INGEST_ENDPOINT_FRAMES_MAX + 1),
                      -1);
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    assert_non_null (strstr (util_last_error (), "a request of 4097 frames: at most 4096"));
    ingest_gateway_destroy (&gw);
}

//  A request of more frames than INGEST_ENDPOINT_FRAMES_MAX, sent by a
//  gateway that does not check (a raw CURVE DEALER with an allowed key):
//  refused whole with the reason, nothing stored; the endpoint then
//  serves the next request as before.
static void
test_too_many_frames (void **state)
{
    fixture_t *f = *state;
    ingest_endpoint_t *ep = s_endpoint (f);
    zcert_t *cert = zcert_load (f->s.gw_secret), *site = zcert_load (f->s.site);
    assert_true (cert && site);
    zsock_t *raw = zsock_new (ZMQ_DEALER);
    assert_non_null (raw);
    zcert_apply (cert, raw);
    zsock_set_curve_serverkey (raw, zcert_public_txt (site));
    zsock_set_rcvtimeo (raw, 10000);
    assert_int_equal (zsock_connect (raw, "%s", ingest_endpoint_address (ep)), 0);
    uint64_t id = 42;
    void *handle = zsock_resolve (raw);
    assert_true (zmq_send (handle, &id, sizeof id, ZMQ_SNDMORE) > 0);
    for (int i = 0; i < INGEST_ENDPOINT_FRAMES_MAX + 1; i++)
        assert_true (zmq_send (handle, "x", 1, i < INGEST_ENDPOINT_FRAMES_MAX? ZMQ_SNDMORE: 0)
                     == 1);
    zmsg_t *answer = zmsg_recv (raw);
    assert_non_null (answer);
    assert_int_equal (zmsg_size (answer), 3);
    zframe_t *idf = zmsg_first (answer);
    assert_int_equal (zframe_size (idf), sizeof id);
    assert_memory_equal (zframe_data (idf), &id, sizeof id);
    assert_true (zframe_streq (zmsg_next (answer), INGEST_ENDPOINT_REFUSED));
    char *reason = zframe_strdup (zmsg_next (answer));
    assert_string_equal (reason, "a request of 4097 frames: at most 4096 a request");
    free (reason);
    zmsg_destroy (&answer);
    zsock_destroy (&raw);
    zcert_destroy (&cert);
    zcert_destroy (&site);
    uint64_t counts [INGEST_REASON_COUNT];
    assert_int_equal (ingest_endpoint_counts (ep, counts), 0);
    for (int r = 0; r < INGEST_REASON_COUNT; r++)
        assert_int_equal (counts [r], 0);
    //  A gateway's request is answered as before.
    ingest_gateway_t *gw = s_gateway (f, ep, f->s.gw_secret);
    uint8_t frame [1024];
    const uint8_t *ptr = frame;
    size_t len = s_frame (frame, f, 1), n;
    uint8_t reasons [4];
    assert_int_equal (ingest_gateway_send (gw, 5, &ptr, &len, 1), 0);
    assert_int_equal (ingest_gateway_recv (gw, 10000, &id, reasons, sizeof reasons, &n), 0);
    assert_int_equal (id, 5);
    assert_int_equal (n, 1);
    assert_int_equal (reasons [0], INGEST_OK);
    ingest_gateway_destroy (&gw);
    ingest_endpoint_destroy (&ep);
}

//  A grant request: accepted, the same again superseded, one with an altered
//  signature and one unsigned refused with the reason; a frame answer in
//  between is skipped; every decision is in the audit log.
static void
test_grant (void **state)
{
    fixture_t *f = *state;
    ingest_grants_t *g = ingest_grants_open (f->s.store, NULL);
    assert_non_null (g);
    audit_signer_t *authority = support_ingest_authority (g);
    ingest_grants_destroy (&g);
    char consent [4096];
    support_consent (consent, sizeof consent, &(support_consent_t) {
        .date = "2026-01-01T00:00:00Z", .start = "2020-01-01T00:00:00Z",
        .end = "2099-01-01T00:00:00Z", .actor = "Organization/a" });
    char *env = ingest_grant_sign (consent, strlen (consent), authority);
    assert_non_null (env);
    audit_signer_destroy (&authority);
    ingest_endpoint_t *ep = s_endpoint (f);
    ingest_gateway_t *gw = s_gateway (f, ep, f->s.gw_secret);
    ingest_grant_reason_t r = INGEST_GRANT_MALFORMED;
    char detail [256];
    //  A frame request still in flight: its answer is not the grant's.
    uint8_t frame [1024];
    const uint8_t *ptr = frame;
    size_t len = s_frame (frame, f, 1);
    assert_int_equal (ingest_gateway_send (gw, 5, &ptr, &len, 1), 0);
    assert_int_equal (ingest_gateway_grant (gw, (const uint8_t *) env, strlen (env), 10000, &r,
                                          detail, sizeof detail), 0);
    assert_int_equal (r, INGEST_GRANT_OK);
    assert_string_equal (detail, "");
    assert_int_equal (ingest_gateway_grant (gw, (const uint8_t *) env, strlen (env), 10000, &r,
                                          detail, sizeof detail), 0);
    assert_int_equal (r, INGEST_GRANT_SUPERSEDED);
    assert_true (strlen (detail) > 0);
    char *sig = strstr (env, "\"signature\": \"");
    assert_non_null (sig);
    sig += strlen ("\"signature\": \"");
    *sig = *sig == 'A'? 'B': 'A';
    assert_int_equal (ingest_gateway_grant (gw, (const uint8_t *) env, strlen (env), 10000, &r,
                                          detail, 8), 0);
    assert_int_equal (r, INGEST_GRANT_BAD_SIGNATURE);
    assert_int_equal (strlen (detail), 7);
    assert_int_equal (ingest_gateway_grant (gw, (const uint8_t *) "{}", 2, 10000, &r, detail,
                                          sizeof detail), 0);
    assert_int_equal (r, INGEST_GRANT_MALFORMED);
    ingest_gateway_destroy (&gw);
    ingest_endpoint_destroy (&ep);
    free (env);
    //  One frame accepted (not audited) and four grant decisions.
    audit_verify_result_t v;
    assert_int_equal (audit_log_verify (f->s.audit, NULL, NULL, 0, &v), 0);
    assert_int_equal (v.entries, 4);
    audit_log_t *log = audit_log_open (f->s.audit, NULL);
    assert_non_null (log);
    const char *kinds [] = { "grant.accept", "grant.reject", "grant.reject", "grant.reject" };
    for (uint64_t i = 0; i < 4; i++) {
        char *e = audit_log_entry_json (log, i);
        assert_non_null (e);
        char want [64];
        snprintf (want, sizeof want, "\"kind\":\"%s\"", kinds [i]);
        if (!strstr (e, want))
            fail_msg ("entry %llu: %s", (unsigned long long) i, e);
        free (e);
    }
    audit_log_destroy (&log);
}

//  A gateway the site does not allow gets no answer to a grant.
static void
test_grant_refused_gateway (void **state)
{
    fixture_t *f = *state;
    ingest_endpoint_t *ep = s_endpoint (f);
    ingest_gateway_t *gw = s_gateway (f, ep, f->s.stranger_secret);
    ingest_grant_reason_t r;
    char detail [64];
    assert_int_equal (ingest_gateway_grant (gw, (const uint8_t *) "{}", 2, 300, &r, detail,
                                          sizeof detail), -1);
    ingest_gateway_destroy (&gw);
    ingest_endpoint_destroy (&ep);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (NULL);
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_grant, s_setup, support_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_grant_refused_gateway, s_setup, support_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_requests_in_flight, s_setup, support_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_too_many_frames, s_setup, support_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_errors, s_setup, support_fixture_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
