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
#include <sys/stat.h>

#include "ingest/endpoint.h"
#include "util/error.h"
#include "ingest/gateway.h"
#include "ingest/grants.h"
#include "audit/key.h"
#include "audit/log.h"
#include "support_dir.h"

typedef struct {
    char dir [64], store [128], key [128], audit [128], gateways [128];
    char site [128], site_secret [128], gw [128], gw_secret [128];
    uint8_t secret [INGEST_SECRET_LEN];
    ingest_config_t cfg;
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = calloc (1, sizeof *f);
    if (!f || support_dir_make (f->dir, sizeof f->dir, "gateway"))
        return -1;
    support_path (f->store, sizeof f->store, f->dir, "ingest.db");
    support_path (f->key, sizeof f->key, f->dir, "storage.key");
    support_path (f->audit, sizeof f->audit, f->dir, "audit.db");
    support_path (f->gateways, sizeof f->gateways, f->dir, "gateways");
    support_path (f->site, sizeof f->site, f->dir, "site");
    support_path (f->site_secret, sizeof f->site_secret, f->dir, "site_secret");
    support_path (f->gw, sizeof f->gw, f->dir, "gw");
    support_path (f->gw_secret, sizeof f->gw_secret, f->dir, "gw_secret");
    zsys_dir_create ("%s", f->gateways);
    FILE *k = fopen (f->key, "w");
    fputs ("3333333333333333333333333333333333333333333333333333333333333333\n", k);
    fclose (k);
    chmod (f->key, 0600);
    zcert_t *cert = zcert_new ();
    zcert_save (cert, f->site);
    zcert_destroy (&cert);
    cert = zcert_new ();
    zcert_save (cert, f->gw);
    char pub [160];
    snprintf (pub, sizeof pub, "%s/gw.pub", f->gateways);
    zcert_save_public (cert, pub);
    zcert_destroy (&cert);
    uint8_t key [INGEST_STORAGE_KEY_LEN];
    memset (key, 0x33, sizeof key);
    uint32_t epoch;
    ingest_store_t *ing = ingest_store_open (f->store, key, NULL);
    if (!ing || ingest_store_enroll (ing, "pump-1", "Patient/p-1", 0, f->secret, &epoch))
        return -1;
    ingest_store_destroy (&ing);
    f->cfg = (ingest_config_t) { "tcp://127.0.0.1:*", f->gateways, f->store, f->key,
                                      f->audit, "cohort.example/gw" };
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    int rc = support_dir_remove (f->dir);
    free (f);
    return rc;
}

static size_t
s_frame (uint8_t *out, const fixture_t *f, uint64_t seq)
{
    static const char obs [] =
        "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":"
        "[{\"system\":\"http://loinc.org\",\"code\":\"2339-0\"}]},\"subject\":"
        "{\"reference\":\"Patient/p-1\"},\"effectiveDateTime\":\"2026-11-22T14:05:00Z\","
        "\"valueQuantity\":{\"value\":98,\"system\":\"http://unitsofmeasure.org\","
        "\"code\":\"mg/dL\"}}";
    ingest_frame_header_t h = { .aead = INGEST_AEAD_CHACHA20_POLY1305, .epoch = 1,
                              .sequence = seq, .timestamp_ms = 1795356300000LL };
    snprintf (h.device_id, sizeof h.device_id, "pump-1");
    size_t len = 0;
    assert_int_equal (ingest_frame_seal (out, 1024, &len, &h, (const uint8_t *) obs,
                                       sizeof obs - 1, f->secret), 0);
    return len;
}

static void
test_requests_in_flight (void **state)
{
    fixture_t *f = *state;
    ingest_endpoint_t *ep = ingest_endpoint_new (&f->cfg, f->site_secret);
    assert_non_null (ep);
    ingest_gateway_t *gw = ingest_gateway_new (ingest_endpoint_address (ep), f->gw_secret, f->site);
    assert_non_null (gw);
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
    assert_null (ingest_gateway_new ("tcp://127.0.0.1:1", "/nonexistent", f->site));
    assert_non_null (strstr (util_last_error (), "gateway cert"));
    assert_null (ingest_gateway_new ("tcp://127.0.0.1:1", f->gw_secret, "/nonexistent"));
    assert_non_null (strstr (util_last_error (), "site cert"));
    assert_null (ingest_gateway_new ("nonsense", f->gw_secret, f->site));
    assert_non_null (strstr (util_last_error (), "cannot connect"));
    //  Nobody listening: the send gives up after its timeout.
    ingest_gateway_t *gw = ingest_gateway_new ("tcp://127.0.0.1:1", f->gw_secret, f->site);
    assert_non_null (gw);
    assert_int_equal (ingest_gateway_send (gw, 1, NULL, NULL, 0), -1);
    assert_non_null (strstr (util_last_error (), "no connection to the site"));
    ingest_gateway_destroy (&gw);
}

//  A grant request: accepted, the same again superseded, one with an altered
//  signature and one unsigned refused with the reason; a frame answer in
//  between is skipped; every decision is in the audit log.
static void
test_grant (void **state)
{
    fixture_t *f = *state;
    audit_signer_t *authority = audit_signer_generate ("consent-authority-1");
    assert_non_null (authority);
    char *verifier = audit_signer_verifier_text (authority);
    ingest_grants_t *g = ingest_grants_open (f->store, NULL);
    assert_non_null (g);
    assert_int_equal (ingest_grants_enroll_authority (g, verifier), 0);
    ingest_grants_destroy (&g);
    free (verifier);
    const char *consent =
        "{\"resourceType\":\"Consent\",\"id\":\"c-1\",\"status\":\"active\","
        "\"scope\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/"
        "consentscope\",\"code\":\"research\"}]},\"patient\":{\"reference\":"
        "\"Patient/p-1\"},\"dateTime\":\"2026-01-01T00:00:00Z\",\"provision\":{\"type\":"
        "\"permit\",\"period\":{\"start\":\"2020-01-01T00:00:00Z\",\"end\":"
        "\"2099-01-01T00:00:00Z\"},\"actor\":[{\"reference\":{\"reference\":"
        "\"Organization/a\"}}],\"purpose\":[{\"system\":\"http://terminology.hl7.org/"
        "CodeSystem/v3-ActReason\",\"code\":\"HRESCH\"}]}}";
    char *env = ingest_grant_sign (consent, strlen (consent), authority);
    assert_non_null (env);
    audit_signer_destroy (&authority);
    ingest_endpoint_t *ep = ingest_endpoint_new (&f->cfg, f->site_secret);
    assert_non_null (ep);
    ingest_gateway_t *gw = ingest_gateway_new (ingest_endpoint_address (ep), f->gw_secret, f->site);
    assert_non_null (gw);
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
    assert_int_equal (audit_log_verify (f->audit, NULL, NULL, 0, &v), 0);
    assert_int_equal (v.entries, 4);
    audit_log_t *log = audit_log_open (f->audit, NULL);
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
    ingest_endpoint_t *ep = ingest_endpoint_new (&f->cfg, f->site_secret);
    assert_non_null (ep);
    zcert_t *stranger = zcert_new ();
    char path [160];
    snprintf (path, sizeof path, "%s/stranger", f->dir);
    zcert_save (stranger, path);
    zcert_destroy (&stranger);
    snprintf (path, sizeof path, "%s/stranger_secret", f->dir);
    ingest_gateway_t *gw = ingest_gateway_new (ingest_endpoint_address (ep), path, f->site);
    assert_non_null (gw);
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
        cmocka_unit_test_setup_teardown (test_grant, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_grant_refused_gateway, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_requests_in_flight, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_errors, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
