/*  Unit tests for ingest/alerts.c: rejected frames counted per device (the
    device read from the frame's header), an alert in the audit log at the
    threshold within the window with the figures by reason, none under
    normal use (accepted frames, rare rejections, resends), frames that do
    not parse counted as "(unparsed)", bad thresholds refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "ingest/alerts.h"
#include "ingest/frame.h"
#include "ingest/endpoint.h"
#include "util/error.h"
#include "support_dir.h"

#define SEC 1000LL
#define T0 1700000000000LL

static uint8_t s_frame [2] [INGEST_FRAME_MAX];
static size_t s_len [2];

//  Two sealed frames, of devices "pump-1" and "pump-2".
static int
s_setup (void **state)
{
    if (support_dir_group_setup (state))
        return -1;
    uint8_t secret [INGEST_SECRET_LEN] = { 1 };
    const char *payload = "{}";
    for (int i = 0; i < 2; i++) {
        ingest_frame_header_t h = { INGEST_AEAD_AES_256_GCM, "", 1, 1, 1000 };
        snprintf (h.device_id, sizeof h.device_id, "pump-%d", i + 1);
        if (ingest_frame_seal (s_frame [i], sizeof s_frame [i], &s_len [i], &h,
                               (const uint8_t *) payload, 2, secret))
            return -1;
    }
    return 0;
}

static audit_log_t *
s_log (const char *name)
{
    char path [512];
    snprintf (path, sizeof path, "%s/%s", support_dir_group, name);
    audit_log_t *log = audit_log_open (path, "cohort.example/site");
    assert_non_null (log);
    return log;
}

//  n frames of device d (0, 1; 2: garbage) with reason r, at t.
static size_t
s_feed (ingest_alerts_t *a, int64_t t, int d, ingest_reason_t r, size_t n)
{
    static const uint8_t junk [3] = { 9, 9, 9 };
    const uint8_t *frames [64];
    size_t lens [64];
    ingest_reason_t reasons [64];
    assert_true (n <= 64);
    for (size_t i = 0; i < n; i++) {
        frames [i] = d < 2? s_frame [d]: junk;
        lens [i] = d < 2? s_len [d]: sizeof junk;
        reasons [i] = r;
    }
    return ingest_alerts_frames (a, t, frames, lens, reasons, n);
}

//  Entry i of the log, parsed, with its detail parsed into *detail.
static json_t *
s_entry (audit_log_t *log, uint64_t i, json_t **detail)
{
    char *text = audit_log_entry_json (log, i);
    assert_non_null (text);
    json_t *e = json_loads (text, 0, NULL);
    free (text);
    assert_non_null (e);
    *detail = json_loads (json_string_value (json_object_get (e, "detail")), 0, NULL);
    assert_non_null (*detail);
    return e;
}

static void
test_spike (void **state)
{
    (void) state;
    audit_log_t *log = s_log ("spike.db");
    ingest_alerts_t *a = ingest_alerts_new (5, 60, log);
    assert_non_null (a);
    //  Accepted frames and "send again" decide nothing against a device.
    assert_int_equal (s_feed (a, T0, 0, INGEST_OK, 50), 0);
    assert_int_equal (s_feed (a, T0, 0, (ingest_reason_t) INGEST_ENDPOINT_RESEND, 50), 0);
    //  A stale replay a minute (a gateway resending after a restart).
    for (int i = 0; i < 30; i++)
        assert_int_equal (s_feed (a, T0 + i * 61 * SEC, 0, INGEST_REPLAY, 1), 0);
    assert_int_equal (audit_log_size (log), 0);
    //  A spike: 3 bad tags and 2 replays of pump-2 within seconds.
    int64_t t = T0 + 3600 * SEC;
    assert_int_equal (s_feed (a, t, 1, INGEST_BAD_TAG, 3), 0);
    assert_int_equal (s_feed (a, t + 2 * SEC, 1, INGEST_REPLAY, 2), 1);
    assert_int_equal (audit_log_size (log), 1);
    json_t *d, *e = s_entry (log, 0, &d);
    assert_string_equal (json_string_value (json_object_get (e, "kind")), "alert.ingest_rejects");
    assert_string_equal (json_string_value (json_object_get (e, "actor")), "device:pump-2");
    assert_string_equal (json_string_value (json_object_get (d, "device")), "pump-2");
    assert_int_equal (json_integer_value (json_object_get (d, "rejections")), 5);
    assert_int_equal (json_integer_value (json_object_get (d, "window_s")), 60);
    json_t *by = json_object_get (d, "by_reason");
    assert_int_equal (json_integer_value (json_object_get (by, "bad_tag")), 3);
    assert_int_equal (json_integer_value (json_object_get (by, "replay")), 2);
    assert_string_equal (json_string_value (json_object_get (d, "last_reason")), "replay");
    json_decref (d);
    json_decref (e);
    //  The spike goes on: not again within the window; again after it.
    assert_int_equal (s_feed (a, t + 10 * SEC, 1, INGEST_BAD_TAG, 20), 0);
    assert_int_equal (s_feed (a, t + 62 * SEC, 1, INGEST_BAD_TAG, 5), 1);
    //  Its figures: the 21 rejections since the previous alert.
    e = s_entry (log, 1, &d);
    assert_int_equal (json_integer_value (json_object_get (json_object_get (d, "by_reason"),
                                                           "bad_tag")), 21);
    assert_int_equal (json_integer_value (json_object_get (d, "by_reason_since_ms")), t + 2 * SEC);
    json_decref (d);
    json_decref (e);
    //  pump-1, steady all along, never alerted.
    for (uint64_t i = 0; i < audit_log_size (log); i++) {
        e = s_entry (log, i, &d);
        assert_string_equal (json_string_value (json_object_get (d, "device")), "pump-2");
        json_decref (d);
        json_decref (e);
    }
    //  Frames that do not parse name no device: "(unparsed)".
    assert_int_equal (s_feed (a, t + 100 * SEC, 2, INGEST_MALFORMED_FRAME, 5), 1);
    e = s_entry (log, audit_log_size (log) - 1, &d);
    assert_string_equal (json_string_value (json_object_get (e, "actor")), "device:(unparsed)");
    json_decref (d);
    json_decref (e);
    ingest_alerts_destroy (&a);
    assert_null (a);
    ingest_alerts_destroy (&a);
    audit_log_destroy (&log);
}

static void
test_no_log_and_bad (void **state)
{
    (void) state;
    //  Without an audit log the alert is still raised (logged).
    ingest_alerts_t *a = ingest_alerts_new (2, 1, NULL);
    assert_non_null (a);
    assert_int_equal (s_feed (a, T0, 0, INGEST_UNKNOWN_DEVICE, 2), 1);
    //  The window is 1 s: 1 a second is no spike.
    for (int i = 0; i < 10; i++)
        assert_int_equal (s_feed (a, T0 + 10 * SEC + i * SEC, 1, INGEST_BAD_FHIR, 1), 0);
    ingest_alerts_destroy (&a);
    assert_null (ingest_alerts_new (0, 60, NULL));
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    assert_non_null (strstr (util_last_error (), "ingest_rejects"));
    assert_null (ingest_alerts_new (100001, 60, NULL));
    assert_null (ingest_alerts_new (5, 0, NULL));
    assert_null (ingest_alerts_new (5, 86401, NULL));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_spike),
        cmocka_unit_test (test_no_log_and_bad),
    };
    return cmocka_run_group_tests (tests, s_setup, support_dir_group_teardown);
}
