/*  Unit tests for sim/device.c: provisioning files (the first n by name,
    each bad field, too few, no directory), readings that the site's FHIR
    check accepts for every vital sign and are reproducible per seed,
    sealed frames that open with the device's secret, the run's limits,
    a whole run against a real endpoint with faults injected (answers
    counted per reason), a gateway the site does not allow, and
    allocation failures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <czmq.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/endpoint.h"
#include "ingest/fhir.h"
#include "ingest/provision.h"
#include "sim/device.h"
#include "util/alloc.h"
#include "util/error.h"
#include "support_curve.h"
#include "support_device.h"
#include "support_dir.h"
#include "support_file.h"
#include "support_ingest.h"

#define NOW 1795356300250LL             //  2026-11-22T14:05:00.250Z
#define SECRET SUPPORT_DEVICE_SECRET

typedef struct {
    char dir [SUPPORT_DIR_MAX], prov [128];
    gsl_rng *rng;
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = support_fixture_new (state, sizeof *f, "simdev");
    if (!f)
        return -1;
    support_path (f->prov, sizeof f->prov, f->dir, "prov");
    if (mkdir (f->prov, 0700) || !(f->rng = gsl_rng_alloc (gsl_rng_mt19937)))
        return -1;
    gsl_rng_set (f->rng, 1);
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    gsl_rng_free (f->rng);
    return support_fixture_teardown (state);
}

static void
test_load (void **state)
{
    fixture_t *f = *state;
    //  Taken by name (b before c), other files and a bare ".device" ignored.
    support_file_put (f->prov, "c.device", "{\"device_id\":\"c\",\"patient\":\"Patient/p-3\","
                      "\"epoch\":1,\"aead\":\"aes-256-gcm\"," SECRET "}", 0600);
    support_file_put (f->prov, "b.device", "{\"device_id\":\"bed-2\",\"patient\":\"Patient/p-2\","
                      "\"epoch\":4294967295,\"aead\":\"chacha20-poly1305\",\"secret\":"
                      "\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"}", 0600);
    support_file_put (f->prov, "notes.txt", "not a device file", 0600);
    support_file_put (f->prov, ".device", "{", 0600);
    sim_device_t *d = sim_devices_load (f->prov, 2);
    assert_non_null (d);
    assert_string_equal (d [0].id, "bed-2");
    assert_string_equal (d [0].patient, "Patient/p-2");
    assert_int_equal (d [0].epoch, 4294967295u);
    assert_int_equal (d [0].aead, INGEST_AEAD_CHACHA20_POLY1305);
    assert_int_equal (d [0].secret [0], 0x00);
    assert_int_equal (d [0].secret [31], 0x1f);
    assert_int_equal (d [0].sequence, 0);
    assert_string_equal (d [1].id, "c");
    assert_int_equal (d [1].aead, INGEST_AEAD_AES_256_GCM);
    sim_devices_destroy (&d, 2);
    assert_null (d);
    sim_devices_destroy (&d, 2);
    d = sim_devices_load (f->prov, 1);
    assert_non_null (d);
    assert_string_equal (d [0].id, "bed-2");
    sim_devices_destroy (&d, 1);
    //  Too few, none asked for, too many asked for, no directory.
    assert_null (sim_devices_load (f->prov, 3));
    assert_non_null (strstr (util_last_error (), "holds 2 .device files, fewer than the 3"));
    assert_null (sim_devices_load (f->prov, 0));
    assert_null (sim_devices_load (f->prov, SIM_DEVICES_MAX + 1));
    assert_null (sim_devices_load ("/nonexistent/prov", 1));
    assert_non_null (strstr (util_last_error (), "cannot open '/nonexistent/prov'"));
}

static void
test_load_bad_fields (void **state)
{
    fixture_t *f = *state;
    for (size_t i = 0; i < support_device_bad_count; i++) {
        support_file_put (f->prov, "a.device", support_device_bad [i].text, 0600);
        assert_null (sim_devices_load (f->prov, 1));
        if (!strstr (util_last_error (), support_device_bad [i].named))
            fail_msg ("case %zu: '%s' lacks '%s'", i, util_last_error (),
                      support_device_bad [i].named);
    }
    //  A patient reference longer than a device keeps.
    char text [512], patient [SIM_DEVICE_PATIENT_MAX + 2];
    memset (patient, 'x', sizeof patient - 1);
    memcpy (patient, "Patient/", 8);
    patient [sizeof patient - 1] = '\0';
    snprintf (text, sizeof text, "{\"device_id\":\"a\",\"patient\":\"%s\",\"epoch\":1,"
              "\"aead\":\"aes-256-gcm\"," SECRET "}", patient);
    support_file_put (f->prov, "a.device", text, 0600);
    assert_null (sim_devices_load (f->prov, 1));
    assert_non_null (strstr (util_last_error (), "patient"));
    patient [sizeof patient - 2] = '\0';        //  exactly the longest kept
    snprintf (text, sizeof text, "{\"device_id\":\"a\",\"patient\":\"%s\",\"epoch\":1,"
              "\"aead\":\"aes-256-gcm\"," SECRET "}", patient);
    support_file_put (f->prov, "a.device", text, 0600);
    sim_device_t *d = sim_devices_load (f->prov, 1);
    assert_non_null (d);
    assert_string_equal (d [0].patient, patient);
    sim_devices_destroy (&d, 1);
}

//  Every vital sign in turn passes the site's FHIR check for its patient;
//  a bad one is a Patient, which does not.
static void
test_readings (void **state)
{
    fixture_t *f = *state;
    sim_device_t d = { .id = "bed-1", .patient = "Patient/p-1" };
    static const ingest_vital_t want [] = {
        INGEST_VITAL_HEART_RATE, INGEST_VITAL_SPO2, INGEST_VITAL_SPO2,
        INGEST_VITAL_BODY_TEMPERATURE, INGEST_VITAL_GLUCOSE, INGEST_VITAL_BLOOD_PRESSURE,
        INGEST_VITAL_HEART_RATE };
    for (int i = 0; i < 7; i++) {
        char json [SIM_FRAME_CAP];
        size_t len = sim_device_reading (json, sizeof json, &d, f->rng, NOW, false);
        assert_true (len > 0 && len == strlen (json));
        ingest_observation_t o;
        if (ingest_fhir_observation_check (&o, json, len, "Patient/p-1") != INGEST_OK)
            fail_msg ("reading %d: %s: %s", i, util_last_error (), json);
        assert_int_equal (o.vital, want [i]);
        assert_int_equal (o.effective_ms, NOW);
        assert_int_equal (ingest_fhir_observation_check (&o, json, len, "Patient/p-2"),
                          INGEST_SUBJECT_MISMATCH);
    }
    char json [SIM_FRAME_CAP];
    size_t len = sim_device_reading (json, sizeof json, &d, f->rng, NOW, true);
    assert_string_equal (json, "{\"resourceType\":\"Patient\",\"id\":\"p-1\"}");
    ingest_observation_t o;
    assert_int_equal (ingest_fhir_observation_check (&o, json, len, "Patient/p-1"),
                      INGEST_BAD_FHIR);
    //  Too small a buffer: nothing, never a cut reading.
    assert_int_equal (sim_device_reading (json, 40, &d, f->rng, NOW, false), 0);
    assert_int_equal (sim_device_reading (json, 20, &d, f->rng, NOW, true), 0);
}

//  The same seed gives the same values; another seed others.
static void
test_seeded (void **state)
{
    (void) state;
    char a [SIM_FRAME_CAP * 6], b [SIM_FRAME_CAP * 6], c [SIM_FRAME_CAP * 6];
    char *out [3] = { a, b, c };
    unsigned long seeds [3] = { 7, 7, 8 };
    for (int k = 0; k < 3; k++) {
        gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
        gsl_rng_set (rng, seeds [k]);
        sim_device_t d = { .id = "bed-1", .patient = "Patient/p-1" };
        size_t at = 0;
        for (int i = 0; i < 6; i++)
            at += sim_device_reading (out [k] + at, SIM_FRAME_CAP, &d, rng, NOW, false);
        gsl_rng_free (rng);
    }
    assert_string_equal (a, b);
    assert_string_not_equal (a, c);
}

static void
test_seal (void **state)
{
    fixture_t *f = *state;
    sim_device_t d = { .id = "bed-1", .patient = "Patient/p-1", .epoch = 3,
                       .aead = INGEST_AEAD_CHACHA20_POLY1305, .sequence = 41 };
    memset (d.secret, 0x5c, sizeof d.secret);
    for (int bad = 0; bad < 2; bad++) {
        uint8_t frame [SIM_FRAME_CAP];
        size_t len = 0;
        assert_int_equal (sim_device_seal (frame, sizeof frame, &len, &d, f->rng, NOW, bad), 0);
        ingest_frame_t fr;
        assert_int_equal (ingest_frame_parse (&fr, frame, len), INGEST_OK);
        assert_string_equal (fr.header.device_id, "bed-1");
        assert_int_equal (fr.header.epoch, 3);
        assert_int_equal (fr.header.sequence, 42 + bad);
        assert_int_equal (fr.header.timestamp_ms, NOW);
        assert_int_equal (fr.header.aead, INGEST_AEAD_CHACHA20_POLY1305);
        uint8_t payload [SIM_FRAME_CAP];
        size_t plen = 0;
        assert_int_equal (ingest_frame_open (payload, sizeof payload, &plen, &fr, d.secret),
                          INGEST_OK);
        payload [plen] = '\0';
        assert_non_null (strstr ((char *) payload, bad? "\"Patient\"": "\"Observation\""));
    }
    //  A frame buffer too small.
    uint8_t small [64];
    size_t len = 0;
    assert_int_equal (sim_device_seal (small, sizeof small, &len, &d, f->rng, NOW, false), -1);
}

static sim_devices_config_t
s_config (const char *prov)
{
    return (sim_devices_config_t) { .endpoint = "tcp://127.0.0.1:1", .gateway_cert = "gw",
                                    .site_cert = "site", .provision_dir = prov, .devices = 1,
                                    .rate = 1, .duration = 1, .batch = 64, .window = 8,
                                    .timeout_ms = 10000, .seed = 1 };
}

static void
test_check (void **state)
{
    fixture_t *f = *state;
    sim_devices_config_t c = s_config (f->prov);
    assert_int_equal (sim_devices_check (&c), 0);
    assert_int_equal (sim_devices_check (NULL), -1);
    //  Each limit, both sides.
#define BAD(field, value, word) do { \
        sim_devices_config_t b = c; b.field = value; \
        assert_int_equal (sim_devices_check (&b), -1); \
        assert_non_null (strstr (util_last_error (), word)); } while (0)
#define GOOD(field, value) do { \
        sim_devices_config_t b = c; b.field = value; \
        assert_int_equal (sim_devices_check (&b), 0); } while (0)
    BAD (endpoint, NULL, "required");
    BAD (gateway_cert, NULL, "required");
    BAD (site_cert, NULL, "required");
    BAD (provision_dir, NULL, "required");
    BAD (devices, 0, "devices");
    BAD (devices, SIM_DEVICES_MAX + 1, "devices");
    GOOD (devices, SIM_DEVICES_MAX);
    BAD (rate, SIM_RATE_MIN / 2, "rate");
    BAD (rate, SIM_RATE_MAX * 2, "rate");
    BAD (rate, NAN, "rate");
    GOOD (rate, SIM_RATE_MIN);
    BAD (duration, 0, "duration");
    BAD (duration, SIM_DURATION_MAX + 1, "duration");
    GOOD (duration, SIM_DURATION_MAX);
    BAD (inject [SIM_INJECT_BAD_TAG], -1, "bad tags");
    BAD (inject [SIM_INJECT_BAD_FHIR], SIM_INJECT_MAX + 1, "bad FHIR");
    GOOD (inject [SIM_INJECT_REPLAY], SIM_INJECT_MAX);
    BAD (batch, 0, "batch");
    BAD (batch, INGEST_BATCH_MAX + 1, "batch");
    GOOD (batch, INGEST_BATCH_MAX);
    BAD (window, 0, "window");
    BAD (window, SIM_WINDOW_MAX + 1, "window");
    BAD (timeout_ms, SIM_TIMEOUT_MIN_MS - 1, "timeout");
    BAD (timeout_ms, SIM_TIMEOUT_MAX_MS + 1, "timeout");
    //  Too many readings for one run.
    sim_devices_config_t big = c;
    big.devices = SIM_DEVICES_MAX;
    big.rate = SIM_RATE_MAX;
    big.duration = 100;
    assert_int_equal (sim_devices_check (&big), -1);
    assert_non_null (strstr (util_last_error (), "readings"));
    //  Replays need a reading to replay: 0.4 readings round to none.
    sim_devices_config_t few = c;
    few.rate = 0.4;
    few.inject [SIM_INJECT_REPLAY] = 1;
    assert_int_equal (sim_devices_check (&few), -1);
    assert_non_null (strstr (util_last_error (), "needs readings to replay"));
    few.rate = 0.5;
    assert_int_equal (sim_devices_check (&few), 0);
    //  A run refuses what the check refuses, and touches nothing.
    sim_devices_result_t r;
    memset (&r, 0xff, sizeof r);
    c.devices = 0;
    assert_int_equal (sim_devices_run (&c, &r), -1);
    assert_int_equal (r.frames_sent, 0);
}

//  A site's ingest endpoint with three devices enrolled through
//  ingest/provision.h into the fixture's provisioning directory.
//  A site's ingest files (support_ingest_site_make) with bed-1 to bed-3
//  enrolled through provisioning (their .device files in f->prov), and its
//  endpoint running.
typedef struct {
    support_ingest_site_t files;
    ingest_endpoint_t *ep;
} s_site_t;

static void
s_site_start (fixture_t *f, s_site_t *s)
{
    support_ingest_site_make (&s->files, f->dir);
    ingest_site_files_t files = { s->files.store, s->files.key, NULL, NULL };
    for (int i = 1; i <= 3; i++) {
        char id [16], patient [32];
        snprintf (id, sizeof id, "bed-%d", i);
        snprintf (patient, sizeof patient, "Patient/p-%d", i);
        ingest_enrollment_t d = { .device_id = id, .patient = patient,
                                  .provision_dir = f->prov };
        uint32_t epoch;
        assert_int_equal (ingest_provision_enroll_device (&files, &d, &epoch, NULL), 0);
    }
    s->ep = ingest_endpoint_new (&s->files.cfg, s->files.site_secret);
    assert_non_null (s->ep);
}

static void
test_run (void **state)
{
    fixture_t *f = *state;
    s_site_t s;
    s_site_start (f, &s);
    //  3 devices x 50 readings/s x 0.2 s = 30 readings, with faults, in
    //  small requests so that several are in flight.
    sim_devices_config_t c = s_config (f->prov);
    c.endpoint = ingest_endpoint_address (s.ep);
    c.gateway_cert = s.files.gw_secret;
    c.site_cert = s.files.site;
    c.devices = 3;
    c.rate = 50;
    c.duration = 0.2;
    c.inject [SIM_INJECT_REPLAY] = 2;
    c.inject [SIM_INJECT_BAD_TAG] = 3;
    c.inject [SIM_INJECT_BAD_FHIR] = 1;
    c.batch = 4;
    c.window = 2;
    sim_devices_result_t r;
    assert_int_equal (sim_devices_run (&c, &r), 0);
    assert_int_equal (r.readings, 30);
    assert_int_equal (r.injected [SIM_INJECT_REPLAY], 2);
    assert_int_equal (r.injected [SIM_INJECT_BAD_TAG], 3);
    assert_int_equal (r.injected [SIM_INJECT_BAD_FHIR], 1);
    assert_int_equal (r.frames_sent, 36);
    assert_int_equal (r.answered, 36);
    assert_int_equal (r.answers [INGEST_OK], 30);
    assert_int_equal (r.answers [INGEST_REPLAY], 2);
    assert_int_equal (r.answers [INGEST_BAD_TAG], 3);
    assert_int_equal (r.answers [INGEST_BAD_FHIR], 1);
    assert_int_equal (r.not_committed, 0);
    assert_true (r.seconds > 0);
    uint64_t sum = 0;
    for (int i = 0; i < INGEST_REASON_COUNT; i++)
        sum += r.answers [i];
    assert_int_equal (sum, 36);
    //  Again with the same devices: fresh sequence numbers, all accepted.
    c.inject [SIM_INJECT_REPLAY] = c.inject [SIM_INJECT_BAD_TAG] = 0;
    c.inject [SIM_INJECT_BAD_FHIR] = 0;
    c.duration = 0.1;
    assert_int_equal (sim_devices_run (&c, &r), 0);
    assert_int_equal (r.answers [INGEST_OK], 15);
    assert_int_equal (r.answered, 15);
    //  A gateway the site does not allow never connects: its first request
    //  cannot go out (or, had it gone, would get no answer).
    c.gateway_cert = s.files.stranger_secret;
    c.timeout_ms = 300;
    assert_int_equal (sim_devices_run (&c, &r), -1);
    assert_non_null (strstr (util_last_error (), "in the site's allowlist"));
    assert_int_equal (r.answered, 0);
    //  Devices the directory does not have; a certificate that is not there.
    c.gateway_cert = s.files.gw_secret;
    c.devices = 4;
    assert_int_equal (sim_devices_run (&c, &r), -1);
    assert_non_null (strstr (util_last_error (), "fewer than the 4"));
    c.devices = 3;
    c.site_cert = "/nonexistent/site";
    assert_int_equal (sim_devices_run (&c, &r), -1);
    ingest_endpoint_destroy (&s.ep);
}

//  The acked log: one line "<device> <sequence>" per accepted frame (the
//  injected faults are not acknowledged), appended run after run, each a
//  record the store holds; a log that cannot be opened fails the run.
static void
test_acked_log (void **state)
{
    fixture_t *f = *state;
    s_site_t s;
    s_site_start (f, &s);
    char acked [160];
    support_path (acked, sizeof acked, f->dir, "acked.log");
    sim_devices_config_t c = s_config (f->prov);
    c.endpoint = ingest_endpoint_address (s.ep);
    c.gateway_cert = s.files.gw_secret;
    c.site_cert = s.files.site;
    c.devices = 3;
    c.rate = 50;
    c.duration = 0.2;
    c.inject [SIM_INJECT_REPLAY] = 2;
    c.inject [SIM_INJECT_BAD_TAG] = 3;
    c.inject [SIM_INJECT_BAD_FHIR] = 1;
    c.batch = 4;
    c.window = 3;
    c.acked_log = acked;
    sim_devices_result_t r;
    assert_int_equal (sim_devices_run (&c, &r), 0);
    assert_int_equal (r.answers [INGEST_OK], 30);
    c.inject [SIM_INJECT_REPLAY] = c.inject [SIM_INJECT_BAD_TAG] = 0;
    c.inject [SIM_INJECT_BAD_FHIR] = 0;
    c.duration = 0.1;
    assert_int_equal (sim_devices_run (&c, &r), 0);
    assert_int_equal (r.answers [INGEST_OK], 15);
    struct stat st;
    assert_int_equal (stat (acked, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0600);
    //  Not to be opened as a file: a directory.
    c.acked_log = f->prov;
    assert_int_equal (sim_devices_run (&c, &r), -1);
    assert_non_null (strstr (util_last_error (), "acked log"));
    assert_int_equal (r.frames_sent, 0);
    ingest_endpoint_destroy (&s.ep);
    //  45 lines, each a record of the store, no two alike, and per device
    //  in increasing sequence.
    ingest_store_t *store = ingest_store_open (s.files.store, s.files.storage_key, NULL);
    assert_non_null (store);
    FILE *in = fopen (acked, "r");
    assert_non_null (in);
    char device [80];
    unsigned long long seq, last [3] = { 0, 0, 0 };
    int lines = 0;
    uint8_t payload [INGEST_PAYLOAD_MAX];
    size_t len;
    while (fscanf (in, "%79s %llu\n", device, &seq) == 2) {
        lines++;
        assert_true (!strcmp (device, "bed-1") || !strcmp (device, "bed-2")
                  || !strcmp (device, "bed-3"));
        int d = device [4] - '1';
        assert_true (seq > last [d]);
        last [d] = seq;
        assert_int_equal (ingest_store_record_payload (store, device, seq, payload,
                                                       sizeof payload, &len), 0);
    }
    assert_true (feof (in));
    fclose (in);
    assert_int_equal (lines, 45);
    assert_int_equal (ingest_store_record_count (store), 45);
    ingest_store_destroy (&store);
}

//  A site that takes the connection but never answers: the run gives up
//  after the timeout, having sent what was due.
static void
test_silent_site (void **state)
{
    fixture_t *f = *state;
    support_file_put (f->prov, "a.device", "{\"device_id\":\"a\",\"patient\":\"Patient/p\","
                      "\"epoch\":1,\"aead\":\"aes-256-gcm\"," SECRET "}", 0600);
    char site [160], site_secret [160], gw_secret [160];
    support_curve_cert (f->dir, "site", NULL, NULL);
    support_curve_cert (f->dir, "gw", NULL, NULL);
    support_path (site, sizeof site, f->dir, "site");
    support_path (site_secret, sizeof site_secret, f->dir, "site_secret");
    support_path (gw_secret, sizeof gw_secret, f->dir, "gw_secret");
    zcert_t *cert = zcert_load (site_secret);
    assert_non_null (cert);
    zsock_t *router = zsock_new (ZMQ_ROUTER);
    assert_non_null (router);
    zcert_apply (cert, router);
    zsock_set_curve_server (router, 1);
    int port = zsock_bind (router, "tcp://127.0.0.1:*");
    assert_true (port > 0);
    zcert_destroy (&cert);
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);
    sim_devices_config_t c = s_config (f->prov);
    c.endpoint = endpoint;
    c.gateway_cert = gw_secret;
    c.site_cert = site;
    c.rate = 20;
    c.duration = 0.1;
    c.timeout_ms = 200;
    sim_devices_result_t r;
    assert_int_equal (sim_devices_run (&c, &r), -1);
    assert_non_null (strstr (util_last_error (), "no answer from tcp://127.0.0.1:"));
    assert_non_null (strstr (util_last_error (), "within 200 ms"));
    assert_true (r.frames_sent >= 1);
    assert_int_equal (r.answered, 0);
    zsock_destroy (&router);
}

//  Every allocation of a load fails in turn: reported, nothing leaks.
static void
test_allocation_failures (void **state)
{
    fixture_t *f = *state;
    for (int i = 0; i < 3; i++) {
        char name [32], text [256];
        snprintf (name, sizeof name, "d%d.device", i);
        snprintf (text, sizeof text, "{\"device_id\":\"d%d\",\"patient\":\"Patient/p\","
                  "\"epoch\":1,\"aead\":\"aes-256-gcm\"," SECRET "}", i);
        support_file_put (f->prov, name, text, 0600);
    }
    int done = 0, failed = 0;
    for (long n = 0; !done && n < 1000; n++) {
        util_alloc_fail_after (n);
        sim_device_t *d = sim_devices_load (f->prov, 3);
        util_alloc_fail_after (-1);
        if (d) {
            assert_string_equal (d [2].id, "d2");
            done = 1;
        }
        else {
            failed++;
            assert_int_equal (util_last_code (), UTIL_ENOMEM);
        }
        sim_devices_destroy (&d, 3);
    }
    assert_true (done);
    assert_true (failed >= 3);          //  one file read per device at least
}

int
main (void)
{
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
    const struct CMUnitTest tests [] = {
        T (test_load), T (test_load_bad_fields), T (test_readings), T (test_seeded),
        T (test_seal), T (test_check), T (test_run), T (test_acked_log), T (test_silent_site),
        T (test_allocation_failures),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
