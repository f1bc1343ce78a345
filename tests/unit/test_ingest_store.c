/*  Unit tests for ingest/store.c: enrollment, revocation, every rejection
    reason through the whole pipeline, group commit, the replay marks
    across a restart, sealing at rest, audit entries, and a kill -9 test: a
    child process ingesting under load is killed and every frame it had
    acknowledged is found after restart, with no partial record. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <malloc.h>

#include "ingest/grants.h"
#include "ingest/store.h"
#include "util/alloc.h"
#include "util/error.h"
#include "support_audit.h"
#include "support_dir.h"
#include "support_ingest.h"

#define PATIENT "Patient/p-0042"
#define NOW SUPPORT_INGEST_NOW

typedef struct {
    char dir [SUPPORT_DIR_MAX], path [128], audit_path [128];
    uint8_t key [INGEST_STORAGE_KEY_LEN];
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = support_fixture_new (state, sizeof *f, "ingest");
    if (!f)
        return -1;
    support_path (f->path, sizeof f->path, f->dir, "ingest.db");
    support_path (f->audit_path, sizeof f->audit_path, f->dir, "audit.db");
    memset (f->key, 0x11, sizeof f->key);
    return 0;
}

//  A heart rate reading of `patient` in `unit` (a static buffer).
static const char *
s_observation (const char *patient, const char *unit)
{
    static char buf [1024];
    return support_observation (buf, sizeof buf, patient, "8867-4", "72", unit);
}

//  Seals one frame for `device` into out; returns its length.
static size_t
s_frame (uint8_t *out, const char *device, uint32_t epoch, uint64_t seq,
         const uint8_t *secret, const char *payload)
{
    return support_frame (out, INGEST_FRAME_MAX, device, epoch, seq, INGEST_AEAD_AES_256_GCM,
                          payload, secret);
}

static ingest_reason_t
s_submit_one (ingest_store_t *ing, const uint8_t *frame, size_t len)
{
    ingest_reason_t r = INGEST_REASON_COUNT;
    assert_int_equal (ingest_store_submit (ing, &frame, &len, 1, NOW, &r), 0);
    return r;
}

static void
test_open_and_enroll (void **state)
{
    fixture_t *f = *state;
    ingest_store_t *ing = ingest_store_open (f->path, f->key, NULL);
    assert_non_null (ing);
    uint8_t secret [INGEST_SECRET_LEN], again [INGEST_SECRET_LEN];
    uint32_t epoch = 0;
    assert_int_equal (ingest_store_enroll (ing, "dev-1", PATIENT, NULL, 0, 0, secret, &epoch), 0);
    assert_int_equal (epoch, 1);
    assert_int_equal (ingest_store_enroll (ing, "dev-1", PATIENT, NULL, 0, 0, again, &epoch), -1);
    assert_non_null (strstr (util_last_error (), "already enrolled"));
    assert_int_equal (ingest_store_enroll (ing, "dev 2", PATIENT, NULL, 0, 0, again, &epoch), -1);
    assert_int_equal (ingest_store_enroll (ing, "dev-2", "Person/x", NULL, 0, 0, again, &epoch), -1);
    assert_int_equal (ingest_store_enroll (ing, "dev-2", "Patient/", NULL, 0, 0, again, &epoch), -1);
    assert_int_equal (ingest_store_enroll (ing, "dev-2", "Patient/p\xc3\xa9", NULL, 0, 0, again, &epoch),
                      -1);
    assert_int_equal (ingest_store_enroll (ing, "dev-2", "Patient/p 1", NULL, 0, 0, again, &epoch), -1);
    assert_int_equal (ingest_store_enroll (ing, "dev-2", PATIENT, NULL, 0, -1, again, &epoch), -1);
    assert_int_equal (ingest_store_revoke (ing, "dev-9"), -1);
    assert_int_equal (ingest_store_revoke (ing, NULL), -1);
    //  Re-enrolling after revocation: a new secret and epoch.
    assert_int_equal (ingest_store_revoke (ing, "dev-1"), 0);
    assert_int_equal (ingest_store_enroll (ing, "dev-1", PATIENT, NULL, 0, 0, again, &epoch), 0);
    assert_int_equal (epoch, 2);
    assert_memory_not_equal (secret, again, INGEST_SECRET_LEN);
    ingest_store_destroy (&ing);
    ingest_store_destroy (&ing);
    assert_null (ing);
    //  The wrong storage key is refused; the right one finds the devices.
    uint8_t wrong [INGEST_STORAGE_KEY_LEN];
    memset (wrong, 0x22, sizeof wrong);
    assert_null (ingest_store_open (f->path, wrong, NULL));
    assert_non_null (strstr (util_last_error (), "storage key"));
    ing = ingest_store_open (f->path, f->key, NULL);
    assert_non_null (ing);
    assert_int_equal (ingest_store_enroll (ing, "dev-1", PATIENT, NULL, 0, 0, secret, &epoch), -1);
    ingest_store_destroy (&ing);
    assert_null (ingest_store_open ("/nonexistent/dir/ingest.db", f->key, NULL));
}

static void
test_every_reason (void **state)
{
    fixture_t *f = *state;
    audit_log_t *audit = audit_log_open (f->audit_path, "hospital-a.example/audit");
    ingest_store_t *ing = ingest_store_open (f->path, f->key, audit);
    uint8_t s1 [INGEST_SECRET_LEN], s2 [INGEST_SECRET_LEN], s3 [INGEST_SECRET_LEN];
    uint32_t e1, e2, e3;
    assert_int_equal (ingest_store_enroll (ing, "dev-1", PATIENT, NULL, 0, 0, s1, &e1), 0);
    assert_int_equal (ingest_store_enroll (ing, "dev-2", PATIENT, NULL, 0, 0, s2, &e2), 0);
    assert_int_equal (ingest_store_enroll (ing, "dev-3", PATIENT, NULL, 0, NOW, s3, &e3), 0);
    static uint8_t fr [INGEST_FRAME_MAX + 8];
    char *good = strdup (s_observation (PATIENT, "/min"));
    size_t len;

    len = s_frame (fr, "dev-1", 1, 1, s1, good);
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_OK);
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_REPLAY);
    len = s_frame (fr, "dev-1", 1, 2, s2, good);
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_BAD_TAG);
    //  The failed tag did not burn sequence 2.
    len = s_frame (fr, "dev-1", 1, 2, s1, good);
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_OK);
    len = s_frame (fr, "dev-9", 1, 1, s1, good);
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_UNKNOWN_DEVICE);
    len = s_frame (fr, "dev-1", 2, 3, s1, good);
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_UNKNOWN_DEVICE);
    len = s_frame (fr, "dev-3", 1, 1, s3, good);
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_REVOKED_DEVICE);     //  expired
    assert_non_null (strstr (util_last_error (), "expired"));
    assert_int_equal (ingest_store_revoke (ing, "dev-2"), 0);
    len = s_frame (fr, "dev-2", 1, 1, s2, good);
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_REVOKED_DEVICE);
    assert_int_equal (ingest_store_enroll (ing, "dev-2", PATIENT, NULL, 0, 0, s2, &e2), 0);
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_REVOKED_DEVICE);     //  old epoch
    len = s_frame (fr, "dev-2", 2, 1, s2, good);
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_OK);
    len = s_frame (fr, "dev-1", 1, 3, s1, "{\"resourceType\":\"Patient\"}");
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_BAD_FHIR);
    len = s_frame (fr, "dev-1", 1, 4, s1, s_observation (PATIENT, "bpm"));
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_UNIT_MISMATCH);
    len = s_frame (fr, "dev-1", 1, 5, s1, s_observation ("Patient/p-0043", "/min"));
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_SUBJECT_MISMATCH);
    //  A subject whose id is not an R4 id (here it ends in UTF-8) is bad
    //  FHIR, and gets its answer and its audit entry; the message quotes
    //  no part of it.
    len = s_frame (fr, "dev-1", 1, 5, s1, s_observation ("Patient/p-000000000000000000000000000"
                   "00000000000000000000000000\u00e9\u00e9", "/min"));
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_BAD_FHIR);
    memset (fr, 0xff, 40);
    assert_int_equal (s_submit_one (ing, fr, 40), INGEST_MALFORMED_FRAME);
    assert_int_equal (s_submit_one (ing, fr, INGEST_FRAME_MAX + 1), INGEST_TOO_LARGE);

    uint64_t counts [INGEST_REASON_COUNT];
    ingest_store_counts (ing, counts);
    const uint64_t want [INGEST_REASON_COUNT] = { 3, 1, 1, 2, 3, 1, 2, 1, 1, 1 };
    for (int r = 0; r < INGEST_REASON_COUNT; r++)
        if (counts [r] != want [r])
            fail_msg ("%s: %llu, want %llu", ingest_reason_name ((ingest_reason_t) r),
                      (unsigned long long) counts [r], (unsigned long long) want [r]);
    assert_int_equal (ingest_store_record_count (ing), 3);
    //  Rejected frames burn nothing: dev-1's rejected 3..5 are still free.
    len = s_frame (fr, "dev-1", 1, 3, s1, good);
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_OK);
    //  Audit: 4 enrollments, 1 revocation, 13 rejections.
    assert_int_equal (audit_log_size (audit), 4 + 1 + 13);
    assert_int_equal (support_audit_count (audit, "device.enroll"), 4);
    assert_int_equal (support_audit_count (audit, "device.revoke"), 1);
    assert_int_equal (support_audit_count (audit, "ingest.reject"), 13);
    char *entry = audit_log_entry_json (audit, audit_log_size (audit) - 1);
    assert_non_null (strstr (entry, "ingest.reject"));
    assert_non_null (strstr (entry, "too_large"));
    free (entry);
    //  Batch limits.
    ingest_reason_t r;
    const uint8_t *frames [1] = { fr };
    assert_int_equal (ingest_store_submit (ing, frames, &len, 0, NOW, &r), -1);
    assert_int_equal (ingest_store_submit (ing, frames, &len, INGEST_BATCH_MAX + 1, NOW, &r),
                      -1);
    free (good);
    ingest_store_destroy (&ing);
    audit_log_destroy (&audit);
}

static void
test_batch_and_restart (void **state)
{
    fixture_t *f = *state;
    ingest_store_t *ing = ingest_store_open (f->path, f->key, NULL);
    uint8_t secret [INGEST_SECRET_LEN];
    uint32_t epoch;
    assert_int_equal (ingest_store_enroll (ing, "dev-1", PATIENT, NULL, 0, 0, secret, &epoch), 0);
    enum { N = 100 };
    static uint8_t buf [N][512];
    const uint8_t *frames [N];
    size_t lens [N];
    ingest_reason_t reasons [N];
    const char *good = s_observation (PATIENT, "/min");
    //  Sequences 1..100 in reverse order inside one batch, with number 50
    //  twice: the window accepts out of order within 64, and the duplicate
    //  is caught inside the batch.
    for (int i = 0; i < N; i++) {
        uint64_t seq = (uint64_t) (N - i);
        if (i == N - 1)
            seq = 50;
        lens [i] = s_frame (buf [i], "dev-1", 1, seq, secret, good);
        frames [i] = buf [i];
    }
    assert_int_equal (ingest_store_submit (ing, frames, lens, N, NOW, reasons), 0);
    int ok = 0;
    for (int i = 0; i < N; i++)
        ok += reasons [i] == INGEST_OK;
    //  100..37 are within 64 of the top; 36..1 are too old; 50 repeats.
    assert_int_equal (ok, 64);
    assert_int_equal (reasons [N - 1], INGEST_REPLAY);
    assert_int_equal (ingest_store_record_count (ing), 64);
    uint8_t payload [INGEST_PAYLOAD_MAX];
    size_t plen = 0;
    assert_int_equal (ingest_store_record_payload (ing, "dev-1", 77, payload, sizeof payload,
                                                  &plen), 0);
    assert_int_equal (plen, strlen (good));
    assert_memory_equal (payload, good, plen);
    assert_int_equal (ingest_store_record_payload (ing, "dev-1", 5, payload, sizeof payload,
                                                  &plen), -1);
    assert_int_equal (ingest_store_record_payload (ing, NULL, 77, payload, sizeof payload,
                                                  &plen), -1);
    assert_int_equal (ingest_store_record_payload (ing, "dev-1", 77, payload, 10, &plen), -1);
    ingest_store_destroy (&ing);

    //  Sealed at rest: the payload text is nowhere in the (checkpointed)
    //  file, while the plain selection columns, such as the patient, are.
    char cmd [512];
    snprintf (cmd, sizeof cmd, "grep -q -a unitsofmeasure '%s'", f->path);
    assert_int_equal (system (cmd), 1 << 8);
    snprintf (cmd, sizeof cmd, "grep -q -a 'Patient/p-0042' '%s'", f->path);
    assert_int_equal (system (cmd), 0);

    //  After a restart the window stands at the committed mark (100).
    ing = ingest_store_open (f->path, f->key, NULL);
    assert_non_null (ing);
    size_t len = s_frame (buf [0], "dev-1", 1, 99, secret, good);
    assert_int_equal (s_submit_one (ing, buf [0], len), INGEST_REPLAY);
    len = s_frame (buf [0], "dev-1", 1, 101, secret, good);
    assert_int_equal (s_submit_one (ing, buf [0], len), INGEST_OK);
    ingest_store_destroy (&ing);
    ing = ingest_store_open (f->path, f->key, NULL);
    assert_int_equal (s_submit_one (ing, buf [0], len), INGEST_REPLAY);
    assert_int_equal (ingest_store_record_count (ing), 65);
    ingest_store_destroy (&ing);
}

//  The child: ingests batches as fast as it can and, after each submit
//  returns (committed), writes the highest acknowledged sequence to `fd`.
static void
s_child (fixture_t *f, const uint8_t *secret, int fd)
{
    ingest_store_t *ing = ingest_store_open (f->path, f->key, NULL);
    if (!ing)
        _exit (2);
    enum { B = 64 };
    static uint8_t buf [B][512];
    const uint8_t *frames [B];
    size_t lens [B];
    ingest_reason_t reasons [B];
    const char *good = s_observation (PATIENT, "/min");
    for (uint64_t seq = 1; ; ) {
        for (int i = 0; i < B; i++, seq++) {
            lens [i] = s_frame (buf [i], "dev-1", 1, seq, secret, good);
            frames [i] = buf [i];
        }
        if (ingest_store_submit (ing, frames, lens, B, NOW, reasons))
            _exit (3);
        for (int i = 0; i < B; i++)
            if (reasons [i] != INGEST_OK)
                _exit (4);
        uint64_t acked = seq - 1;
        if (write (fd, &acked, sizeof acked) != sizeof acked)
            _exit (5);
    }
}

static void
test_kill_9 (void **state)
{
    fixture_t *f = *state;
    uint8_t secret [INGEST_SECRET_LEN];
    uint32_t epoch;
    ingest_store_t *ing = ingest_store_open (f->path, f->key, NULL);
    assert_int_equal (ingest_store_enroll (ing, "dev-1", PATIENT, NULL, 0, 0, secret, &epoch), 0);
    ingest_store_destroy (&ing);
    int fds [2];
    assert_int_equal (pipe (fds), 0);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        close (fds [0]);
        s_child (f, secret, fds [1]);
    }
    close (fds [1]);
    //  Let it acknowledge a few batches, then kill it mid-flight.
    uint64_t acked = 0, v;
    int batches = 0;
    while (batches < 20 && read (fds [0], &v, sizeof v) == sizeof v) {
        acked = v;
        batches++;
    }
    kill (pid, SIGKILL);
    while (read (fds [0], &v, sizeof v) == sizeof v)
        acked = v;                  //  anything written before the kill
    close (fds [0]);
    int status = 0;
    waitpid (pid, &status, 0);
    assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
    assert_true (acked >= 64 * 20);

    ing = ingest_store_open (f->path, f->key, NULL);
    assert_non_null (ing);
    //  Every acknowledged record is there and opens; the store holds only
    //  whole batches (a multiple of 64) and nothing partial.
    uint64_t count = ingest_store_record_count (ing);
    assert_true (count >= acked);
    assert_int_equal (count % 64, 0);
    uint8_t payload [INGEST_PAYLOAD_MAX];
    size_t plen;
    for (uint64_t seq = 1; seq <= count; seq++)
        if (ingest_store_record_payload (ing, "dev-1", seq, payload, sizeof payload, &plen))
            fail_msg ("record %llu: %s", (unsigned long long) seq, util_last_error ());
    //  And the window resumes after the last committed sequence.
    static uint8_t fr [512];
    size_t len = s_frame (fr, "dev-1", 1, count, secret, s_observation (PATIENT, "/min"));
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_REPLAY);
    len = s_frame (fr, "dev-1", 1, count + 1, secret, s_observation (PATIENT, "/min"));
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_OK);
    ingest_store_destroy (&ing);
}

typedef struct {
    ingest_store_t *ing;
    const uint8_t *frame;
    size_t len;
    int rc;
    util_code_t code;
} submit_t;

//  A batch decided in a new thread whose first allocation (its OpenSSL
//  contexts for opening the frame) fails.
static void *
s_submit_in_thread (void *arg)
{
    submit_t *s = arg;
    ingest_reason_t r = INGEST_REASON_COUNT;
    util_alloc_fail_after (1);          //  the batch's own array, then no more
    s->rc = ingest_store_submit (s->ing, &s->frame, &s->len, 1, NOW, &r);
    s->code = util_last_code ();
    util_alloc_fail_after (-1);
    return NULL;
}

//  Out of memory when opening a store (at each allocation in turn, the
//  registry of 17 devices included) and when deciding a batch: NULL or -1
//  with UTIL_ENOMEM, nothing leaked, and nothing decided: the frame is not
//  rejected, and is taken when sent again.
static void
test_out_of_memory (void **state)
{
    fixture_t *f = *state;
    ingest_store_t *ing = ingest_store_open (f->path, f->key, NULL);
    assert_non_null (ing);
    uint8_t secret [INGEST_SECRET_LEN], other [INGEST_SECRET_LEN];
    uint32_t epoch = 0;
    //  Two devices' patients have identifiers: loading them allocates too.
    const char *ids [] = { "urn:ietf:rfc:3986|urn:uuid:1", "http://h.example/mrn|42" };
    assert_int_equal (ingest_store_enroll (ing, "dev-0", PATIENT, ids, 2, 0, secret, &epoch), 0);
    for (int i = 1; i < 17; i++) {
        char id [16];
        snprintf (id, sizeof id, "dev-%d", i);
        assert_int_equal (ingest_store_enroll (ing, id, PATIENT, ids, i == 1? 1: 0, 0, other,
                                               &epoch), 0);
    }
    ingest_store_destroy (&ing);
    long n;
    for (n = 0; n < 100 && !ing; n++) {
        util_alloc_fail_after (n);
        ing = ingest_store_open (f->path, f->key, NULL);
        util_alloc_fail_after (-1);
        if (!ing) {
            assert_int_equal (util_last_code (), UTIL_ENOMEM);
            assert_non_null (strstr (util_last_error (), f->path));
        }
    }
    assert_non_null (ing);
    //  The store, its path, two scratch buffers, the registry and its growth.
    assert_true (n > 6);
    uint8_t frame [INGEST_FRAME_MAX];
    size_t len = s_frame (frame, "dev-0", 1, 1, secret, s_observation (PATIENT, "/min"));
    const uint8_t *fp = frame;
    ingest_reason_t r = INGEST_REASON_COUNT;
    util_alloc_fail_after (0);
    assert_int_equal (ingest_store_submit (ing, &fp, &len, 1, NOW, &r), -1);
    util_alloc_fail_after (-1);
    assert_int_equal (util_last_code (), UTIL_ENOMEM);
    submit_t s = { ing, frame, len, 0, UTIL_OK };
    pthread_t thread;
    assert_int_equal (pthread_create (&thread, NULL, s_submit_in_thread, &s), 0);
    assert_int_equal (pthread_join (thread, NULL), 0);
    assert_int_equal (s.rc, -1);
    assert_int_equal (s.code, UTIL_ENOMEM);
    assert_int_equal (ingest_store_record_count (ing), 0);
    uint64_t counts [INGEST_REASON_COUNT];
    ingest_store_counts (ing, counts);
    assert_int_equal (counts [INGEST_BAD_TAG], 0);
    assert_int_equal (s_submit_one (ing, frame, len), INGEST_OK);
    assert_int_equal (ingest_store_record_count (ing), 1);
    ingest_store_destroy (&ing);
}

#define S_UUID "urn:uuid:9a3f2c1e-5b7d-4e8a-9c0f-1d2e3f4a5b6c"
#define S_URI "urn:ietf:rfc:3986"
#define S_MRN_SYSTEM "http://hospital-a.example/mrn"

//  A heart rate reading whose subject is `subject` (JSON member text).
static const char *
s_with_subject (const char *subject)
{
    static char buf [1024];
    int n = snprintf (buf, sizeof buf,
        "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":"
        "[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},\"subject\":%s,"
        "\"effectiveDateTime\":\"2026-11-22T14:05:00Z\",\"valueQuantity\":{\"value\":72,"
        "\"system\":\"http://unitsofmeasure.org\",\"code\":\"/min\"}}", subject);
    assert_true (n > 0 && (size_t) n < sizeof buf);
    return buf;
}

//  The identifiers of a device's patient: urn:uuid: and identifier-only
//  subjects match them (and persist across a restart), the Patient/<id>
//  forms still match, anything else is a subject_mismatch; re-enrolling
//  takes the identifiers given then.
static void
test_identifiers (void **state)
{
    fixture_t *f = *state;
    ingest_store_t *ing = ingest_store_open (f->path, f->key, NULL);
    const char *ids [] = { S_URI "|" S_UUID, S_MRN_SYSTEM "|00042" };
    uint8_t secret [INGEST_SECRET_LEN];
    uint32_t epoch = 0;
    assert_int_equal (ingest_store_enroll (ing, "dev-1", PATIENT, ids, 2, 0, secret, &epoch), 0);
    static uint8_t fr [INGEST_FRAME_MAX];
    const struct { const char *subject; ingest_reason_t want; } cases [] = {
        { "{\"reference\":\"" S_UUID "\"}", INGEST_OK },
        { "{\"identifier\":{\"system\":\"" S_MRN_SYSTEM "\",\"value\":\"00042\"}}", INGEST_OK },
        { "{\"reference\":\"Patient/p-0042\"}", INGEST_OK },
        { "{\"reference\":\"https://fhir.hospital-a.example/Patient/p-0042/_history/3\"}",
          INGEST_OK },
        { "{\"reference\":\"urn:uuid:00000000-0000-4000-8000-000000000000\"}",
          INGEST_SUBJECT_MISMATCH },
        { "{\"identifier\":{\"system\":\"" S_MRN_SYSTEM "\",\"value\":\"00043\"}}",
          INGEST_SUBJECT_MISMATCH },
        { "{\"identifier\":{\"system\":\"http://other.example/mrn\",\"value\":\"00042\"}}",
          INGEST_SUBJECT_MISMATCH },
        { "{\"reference\":\"Patient/p-0043\"}", INGEST_SUBJECT_MISMATCH },
    };
    uint64_t seq = 1;
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        size_t len = s_frame (fr, "dev-1", epoch, seq, secret, s_with_subject (cases [i].subject));
        ingest_reason_t r = s_submit_one (ing, fr, len);
        if (r != cases [i].want)
            fail_msg ("case %zu: %s, want %s", i, ingest_reason_name (r),
                      ingest_reason_name (cases [i].want));
        if (r == INGEST_OK)
            seq++;
    }
    ingest_store_destroy (&ing);
    //  The identifiers are in the store, not only in memory.
    ing = ingest_store_open (f->path, f->key, NULL);
    assert_non_null (ing);
    size_t len = s_frame (fr, "dev-1", epoch, seq++, secret,
                          s_with_subject ("{\"reference\":\"" S_UUID "\"}"));
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_OK);
    //  Re-enrolled without identifiers: only Patient/<id> matches.
    assert_int_equal (ingest_store_revoke (ing, "dev-1"), 0);
    assert_int_equal (ingest_store_enroll (ing, "dev-1", PATIENT, NULL, 0, 0, secret, &epoch), 0);
    len = s_frame (fr, "dev-1", epoch, 1, secret,
                   s_with_subject ("{\"reference\":\"" S_UUID "\"}"));
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_SUBJECT_MISMATCH);
    len = s_frame (fr, "dev-1", epoch, 1, secret, s_observation (PATIENT, "/min"));
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_OK);
    ingest_store_destroy (&ing);
}

//  Identifiers the store refuses: too many (counted first), too long,
//  malformed, repeated; each message names the position, never the value.
static void
test_identifiers_refused (void **state)
{
    fixture_t *f = *state;
    ingest_store_t *ing = ingest_store_open (f->path, f->key, NULL);
    uint8_t secret [INGEST_SECRET_LEN];
    uint32_t epoch = 0;
    const char *many [INGEST_STORE_IDENTIFIERS_MAX + 1];
    char texts [INGEST_STORE_IDENTIFIERS_MAX + 1][32];
    for (int i = 0; i <= INGEST_STORE_IDENTIFIERS_MAX; i++) {
        snprintf (texts [i], sizeof texts [i], "sys|v%d", i);
        many [i] = texts [i];
    }
    assert_int_equal (ingest_store_enroll (ing, "d", PATIENT, many,
                                           INGEST_STORE_IDENTIFIERS_MAX + 1, 0, secret, &epoch),
                      -1);
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    assert_non_null (strstr (util_last_error (), "at most 8"));
    //  A count far beyond the list is refused before the list is read.
    assert_int_equal (ingest_store_enroll (ing, "d", PATIENT, many, SIZE_MAX, 0, secret, &epoch),
                      -1);
    assert_int_equal (ingest_store_enroll (ing, "d", PATIENT, NULL, 1, 0, secret, &epoch), -1);
    //  The longest identifier is taken, one byte more is not.
    char longest [INGEST_STORE_IDENTIFIER_LEN + 2];
    memset (longest, 'v', sizeof longest);
    memcpy (longest, "s|", 2);
    longest [INGEST_STORE_IDENTIFIER_LEN + 1] = '\0';
    const char *one [1] = { longest };
    assert_int_equal (ingest_store_enroll (ing, "d", PATIENT, one, 1, 0, secret, &epoch), -1);
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    assert_non_null (strstr (util_last_error (), "identifier 1"));
    assert_null (strstr (util_last_error (), "vvvv"));
    longest [INGEST_STORE_IDENTIFIER_LEN] = '\0';
    assert_int_equal (ingest_store_enroll (ing, "d-long", PATIENT, one, 1, 0, secret, &epoch), 0);
    const char *bad [] = { "no-bar", "|value", "system|", "my system|v", "s|v\x01", "s|v\xc3\xa9",
                           "s\t|v" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        const char *list [2] = { "ok|1", bad [i] };
        if (ingest_store_enroll (ing, "d", PATIENT, list, 2, 0, secret, &epoch) != -1)
            fail_msg ("identifier '%s' taken", bad [i]);
        assert_int_equal (util_last_code (), UTIL_EINPUT);
        assert_non_null (strstr (util_last_error (), "identifier 2 must be system|value"));
    }
    const char *twice [] = { "s|1", "s|2", "s|1" };
    assert_int_equal (ingest_store_enroll (ing, "d", PATIENT, twice, 3, 0, secret, &epoch), -1);
    assert_non_null (strstr (util_last_error (), "identifier 3 repeats identifier 1"));
    //  None of the refusals enrolled anything.
    ingest_store_destroy (&ing);
    ing = ingest_store_open (f->path, f->key, NULL);
    static uint8_t fr [INGEST_FRAME_MAX];
    size_t len = s_frame (fr, "d", 1, 1, secret, s_observation (PATIENT, "/min"));
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_UNKNOWN_DEVICE);
    ingest_store_destroy (&ing);
}

//  Runs one statement on the store file with SQLite itself.
static void
s_sql (const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal (sqlite3_open (path, &db), SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec (db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg ("%s: %s", sql, err? err: "?");
    sqlite3_close (db);
}

//  The censored column of the records, in id order, as "01..." (a static
//  buffer), or "-" if there is no such column.
static const char *
s_censored_column (const char *path)
{
    static char out [64];
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal (sqlite3_open (path, &db), SQLITE_OK);
    if (sqlite3_prepare_v2 (db, "SELECT censored FROM records ORDER BY id", -1, &st, NULL)
        != SQLITE_OK)
        snprintf (out, sizeof out, "-");
    else {
        size_t n = 0;
        while (sqlite3_step (st) == SQLITE_ROW && n < sizeof out - 1)
            out [n++] = (char) ('0' + sqlite3_column_int (st, 0));
        out [n] = '\0';
    }
    sqlite3_finalize (st);
    sqlite3_close (db);
    return out;
}

#define S_PANEL_LOW \
    "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":" \
    "[{\"system\":\"http://loinc.org\",\"code\":\"85354-9\"}]},\"subject\":" \
    "{\"reference\":\"Patient/p-0042\"},\"effectiveDateTime\":\"2026-11-22T14:05:00Z\"," \
    "\"component\":[{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":" \
    "\"8480-6\"}]},\"valueQuantity\":{\"value\":120,\"system\":" \
    "\"http://unitsofmeasure.org\",\"code\":\"mm[Hg]\"}},{\"code\":{\"coding\":" \
    "[{\"system\":\"http://loinc.org\",\"code\":\"8462-4\"}]},\"valueQuantity\":" \
    "{\"value\":40,\"comparator\":\"<\",\"system\":\"http://unitsofmeasure.org\"," \
    "\"code\":\"mm[Hg]\"}}]}"

//  A reading with a comparator is accepted and stored censored, one
//  without is not; the flag is in the records table.
static void
test_censored (void **state)
{
    fixture_t *f = *state;
    ingest_store_t *ing = ingest_store_open (f->path, f->key, NULL);
    uint8_t secret [INGEST_SECRET_LEN];
    uint32_t epoch = 0;
    assert_int_equal (ingest_store_enroll (ing, "dev-1", PATIENT, NULL, 0, 0, secret, &epoch), 0);
    static uint8_t fr [INGEST_FRAME_MAX];
    const char *low =
        "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":"
        "[{\"system\":\"http://loinc.org\",\"code\":\"2339-0\"}]},\"subject\":"
        "{\"reference\":\"Patient/p-0042\"},\"effectiveDateTime\":\"2026-11-22\","
        "\"valueQuantity\":{\"value\":40,\"comparator\":\"<\",\"system\":"
        "\"http://unitsofmeasure.org\",\"code\":\"mg/dL\"}}";
    const char *payloads [] = { s_observation (PATIENT, "/min"), low, S_PANEL_LOW };
    char copy [3][1024];
    for (int i = 0; i < 3; i++) {
        snprintf (copy [i], sizeof copy [i], "%s", payloads [i]);
        size_t len = s_frame (fr, "dev-1", 1, (uint64_t) i + 1, secret, copy [i]);
        assert_int_equal (s_submit_one (ing, fr, len), INGEST_OK);
    }
    ingest_store_destroy (&ing);
    assert_string_equal (s_censored_column (f->path), "011");
}

//  A store written before the identifiers and censored columns existed
//  (made here by dropping them) opens, is migrated in place (devices get
//  no identifiers; each record's flag is read from its sealed payload),
//  and works on: the device sends on from its replay mark, records unseal,
//  and a device can be enrolled with identifiers. Until then, selection
//  refuses it, naming the remedy.
static void
test_old_store (void **state)
{
    fixture_t *f = *state;
    ingest_store_t *ing = ingest_store_open (f->path, f->key, NULL);
    uint8_t secret [INGEST_SECRET_LEN], other [INGEST_SECRET_LEN];
    uint32_t epoch = 0;
    assert_int_equal (ingest_store_enroll (ing, "dev-1", PATIENT, NULL, 0, 0, secret, &epoch), 0);
    static uint8_t fr [INGEST_FRAME_MAX];
    //  Stored as the old code stored it: the comparator in the payload.
    const char *payloads [] = { s_observation (PATIENT, "/min"), S_PANEL_LOW };
    for (int i = 0; i < 2; i++) {
        size_t len = s_frame (fr, "dev-1", 1, (uint64_t) i + 1, secret, payloads [i]);
        assert_int_equal (s_submit_one (ing, fr, len), INGEST_OK);
    }
    ingest_store_destroy (&ing);
    s_sql (f->path, "ALTER TABLE records DROP COLUMN censored;"
                    "ALTER TABLE devices DROP COLUMN identifiers;");
    assert_string_equal (s_censored_column (f->path), "-");
    //  Selection without the storage key cannot tell a censored record.
    ingest_grants_t *g = ingest_grants_open (f->path, NULL);
    assert_non_null (g);
    ingest_consent_query_t q = { .site = "Organization/hospital-a", .purpose = "HRESCH",
                                 .time_ms = NOW };
    int64_t *rows = NULL;
    size_t n = 0;
    assert_int_equal (ingest_grants_select_records (g, &q, &rows, &n, NULL), -1);
    assert_non_null (strstr (util_last_error (), "predate the censored flag"));
    ingest_grants_destroy (&g);

    ing = ingest_store_open (f->path, f->key, NULL);
    assert_non_null (ing);
    assert_string_equal (s_censored_column (f->path), "01");
    size_t len = s_frame (fr, "dev-1", 1, 2, secret, s_observation (PATIENT, "/min"));
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_REPLAY);
    len = s_frame (fr, "dev-1", 1, 3, secret, s_observation (PATIENT, "/min"));
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_OK);
    uint8_t out [INGEST_PAYLOAD_MAX];
    size_t olen = 0;
    assert_int_equal (ingest_store_record_payload (ing, "dev-1", 2, out, sizeof out, &olen), 0);
    assert_int_equal (olen, strlen (S_PANEL_LOW));
    const char *ids [] = { S_URI "|" S_UUID };
    assert_int_equal (ingest_store_enroll (ing, "dev-2", PATIENT, ids, 1, 0, other, &epoch), 0);
    len = s_frame (fr, "dev-2", 1, 1, other, s_with_subject ("{\"reference\":\"" S_UUID "\"}"));
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_OK);
    ingest_store_destroy (&ing);
    assert_string_equal (s_censored_column (f->path), "0100");
    //  Opening again migrates nothing twice.
    ing = ingest_store_open (f->path, f->key, NULL);
    assert_non_null (ing);
    ingest_store_destroy (&ing);
    assert_string_equal (s_censored_column (f->path), "0100");
    //  Migrated, selection reads it.
    g = ingest_grants_open (f->path, NULL);
    assert_int_equal (ingest_grants_select_records (g, &q, &rows, &n, NULL), 0);
    free (rows);
    ingest_grants_destroy (&g);
}

//  Seals `plain` as the store's seal version 1 did (AES-256-GCM, nonce ||
//  ciphertext || tag, the AAD given) into out; returns its length. Written
//  here from the format, independently of ingest/store.c.
static size_t
s_seal_v1 (uint8_t *out, const uint8_t key [32], const uint8_t *aad, size_t alen,
           const uint8_t *plain, size_t len, uint8_t nonce_byte)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new ();
    int n = 0;
    memset (out, nonce_byte, 12);
    assert_int_equal (EVP_EncryptInit_ex (ctx, EVP_aes_256_gcm (), NULL, key, out), 1);
    assert_int_equal (EVP_EncryptUpdate (ctx, NULL, &n, aad, (int) alen), 1);
    assert_int_equal (EVP_EncryptUpdate (ctx, out + 12, &n, plain, (int) len), 1);
    assert_int_equal (EVP_EncryptFinal_ex (ctx, out + 12 + n, &n), 1);
    assert_int_equal (EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_AEAD_GET_TAG, 16, out + 12 + len), 1);
    EVP_CIPHER_CTX_free (ctx);
    return 12 + len + 16;
}

//  Rewrites the store at path as seal version 1 wrote it: dev-1's secret
//  under "device" || id || epoch, record `seq` i+1 of dev-1 (epoch 1)
//  holding payloads [i] under "record" || id || 0 || epoch || sequence,
//  and no seal_version row.
static void
s_downgrade_v1 (const char *path, const uint8_t key [32], const uint8_t *secret,
                const char *const *payloads, size_t n)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    uint8_t aad [64], sealed [INGEST_PAYLOAD_MAX + 28];
    assert_int_equal (sqlite3_open (path, &db), SQLITE_OK);
    //  "device" "dev-1" 00 00 00 01
    memcpy (aad, "devicedev-1\0\0\0\1", 15);
    size_t len = s_seal_v1 (sealed, key, aad, 15, secret, INGEST_SECRET_LEN, 0xd0);
    assert_int_equal (sqlite3_prepare_v2 (db, "UPDATE devices SET secret = ? WHERE id = 'dev-1'",
                                          -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_blob (st, 1, sealed, (int) len, SQLITE_TRANSIENT);
    assert_int_equal (sqlite3_step (st), SQLITE_DONE);
    sqlite3_finalize (st);
    for (size_t i = 0; i < n; i++) {
        //  "record" "dev-1" 00 | epoch 00 00 00 01 | sequence (8 bytes)
        memcpy (aad, "recorddev-1\0\0\0\0\1\0\0\0\0\0\0\0", 24);
        aad [23] = (uint8_t) (i + 1);
        len = s_seal_v1 (sealed, key, aad, 24, (const uint8_t *) payloads [i],
                         strlen (payloads [i]), (uint8_t) i);
        assert_int_equal (sqlite3_prepare_v2 (db, "UPDATE records SET sealed = ? WHERE"
                                              " device = 'dev-1' AND seq = ?", -1, &st, NULL),
                          SQLITE_OK);
        sqlite3_bind_blob (st, 1, sealed, (int) len, SQLITE_TRANSIENT);
        sqlite3_bind_int64 (st, 2, (sqlite3_int64) i + 1);
        assert_int_equal (sqlite3_step (st), SQLITE_DONE);
        assert_int_equal (sqlite3_changes (db), 1);
        sqlite3_finalize (st);
    }
    assert_int_equal (sqlite3_exec (db, "DELETE FROM meta WHERE key = 'seal_version'", NULL,
                                    NULL, NULL), SQLITE_OK);
    sqlite3_close (db);
}

//  The meta seal_version of the store, or 0 if none.
static int
s_seal_version (const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int v = 0;
    assert_int_equal (sqlite3_open (path, &db), SQLITE_OK);
    if (sqlite3_prepare_v2 (db, "SELECT value FROM meta WHERE key = 'seal_version'", -1, &st,
                            NULL) == SQLITE_OK && sqlite3_step (st) == SQLITE_ROW)
        v = sqlite3_column_int (st, 0);
    sqlite3_finalize (st);
    sqlite3_close (db);
    return v;
}

//  A store sealed at version 1 (the device and place only) opens and is
//  migrated in place: its secret and records are sealed again binding the
//  patient, the version recorded once; the device sends on and its
//  records read back. A version-1 record that does not open at its own
//  row fails the migration naming the row.
static void
test_seal_version_migration (void **state)
{
    fixture_t *f = *state;
    ingest_store_t *ing = ingest_store_open (f->path, f->key, NULL);
    assert_non_null (ing);
    ingest_store_destroy (&ing);
    assert_int_equal (s_seal_version (f->path), 2);
    ing = ingest_store_open (f->path, f->key, NULL);
    uint8_t secret [INGEST_SECRET_LEN];
    uint32_t epoch = 0;
    assert_int_equal (ingest_store_enroll (ing, "dev-1", PATIENT, NULL, 0, 0, secret, &epoch), 0);
    static uint8_t fr [INGEST_FRAME_MAX];
    static char payloads [2][1024];
    const char *list [2] = { payloads [0], payloads [1] };
    snprintf (payloads [0], sizeof payloads [0], "%s", s_observation (PATIENT, "/min"));
    snprintf (payloads [1], sizeof payloads [1], "%s", S_PANEL_LOW);
    for (int i = 0; i < 2; i++) {
        size_t len = s_frame (fr, "dev-1", 1, (uint64_t) i + 1, secret, payloads [i]);
        assert_int_equal (s_submit_one (ing, fr, len), INGEST_OK);
    }
    ingest_store_destroy (&ing);
    s_downgrade_v1 (f->path, f->key, secret, list, 2);
    assert_int_equal (s_seal_version (f->path), 0);

    ing = ingest_store_open (f->path, f->key, NULL);
    if (!ing)
        fail_msg ("%s", util_last_error ());
    assert_int_equal (s_seal_version (f->path), 2);
    uint8_t out [INGEST_PAYLOAD_MAX];
    size_t olen = 0;
    for (int i = 0; i < 2; i++) {
        assert_int_equal (ingest_store_record_payload (ing, "dev-1", (uint64_t) i + 1, out,
                                                      sizeof out, &olen), 0);
        assert_int_equal (olen, strlen (payloads [i]));
        assert_memory_equal (out, payloads [i], olen);
    }
    //  The secret was carried over: the device sends on from its mark.
    size_t len = s_frame (fr, "dev-1", 1, 2, secret, payloads [0]);
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_REPLAY);
    len = s_frame (fr, "dev-1", 1, 3, secret, payloads [0]);
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_OK);
    ingest_store_destroy (&ing);
    //  Opening again migrates nothing twice.
    ing = ingest_store_open (f->path, f->key, NULL);
    assert_non_null (ing);
    assert_int_equal (ingest_store_record_payload (ing, "dev-1", 3, out, sizeof out, &olen), 0);
    ingest_store_destroy (&ing);

    //  A version-1 store whose two records were swapped between rows.
    s_sql (f->path, "DELETE FROM records WHERE seq = 3");
    s_downgrade_v1 (f->path, f->key, secret, list, 2);
    s_sql (f->path, "CREATE TABLE swap AS SELECT seq, sealed FROM records;"
                    "UPDATE records SET sealed = (SELECT sealed FROM swap"
                    " WHERE swap.seq = 3 - records.seq);"
                    "DROP TABLE swap;");
    assert_null (ingest_store_open (f->path, f->key, NULL));
    assert_non_null (strstr (util_last_error (), "record 1 does not open (a damaged or moved "
                             "row): the store cannot be migrated"));
    assert_null (strchr (util_last_error (), '\n'));
    //  Nothing was changed: still version 1.
    assert_int_equal (s_seal_version (f->path), 0);
    //  A seal version this build does not know is refused.
    s_sql (f->path, "INSERT INTO meta VALUES ('seal_version', 3)");
    assert_null (ingest_store_open (f->path, f->key, NULL));
    assert_non_null (strstr (util_last_error (), "seal version 3 is not one this build reads "
                             "(1..2)"));
}

//  The sealed record binds its patient: moved to another patient's row
//  (its patient column changed) it does not open, with one line naming
//  the row and neither patient nor value; a device row moved to another
//  patient stops the store from opening, naming the device.
static void
test_record_binds_patient (void **state)
{
    fixture_t *f = *state;
    ingest_store_t *ing = ingest_store_open (f->path, f->key, NULL);
    uint8_t s1 [INGEST_SECRET_LEN], s2 [INGEST_SECRET_LEN];
    uint32_t epoch = 0;
    assert_int_equal (ingest_store_enroll (ing, "dev-1", PATIENT, NULL, 0, 0, s1, &epoch), 0);
    assert_int_equal (ingest_store_enroll (ing, "dev-2", "Patient/p-0043", NULL, 0, 0, s2,
                                           &epoch), 0);
    static uint8_t fr [INGEST_FRAME_MAX];
    static char p1 [1024], p2 [1024];
    snprintf (p1, sizeof p1, "%s", s_observation (PATIENT, "/min"));
    snprintf (p2, sizeof p2, "%s", s_observation ("Patient/p-0043", "/min"));
    size_t len = s_frame (fr, "dev-1", 1, 1, s1, p1);
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_OK);
    len = s_frame (fr, "dev-2", 1, 1, s2, p2);
    assert_int_equal (s_submit_one (ing, fr, len), INGEST_OK);
    uint8_t out [INGEST_PAYLOAD_MAX];
    size_t olen = 0;
    assert_int_equal (ingest_store_record_payload (ing, "dev-1", 1, out, sizeof out, &olen), 0);
    //  Record 1 moved to p-0043's row; then its code changed instead.
    s_sql (f->path, "UPDATE records SET patient = 'Patient/p-0043' WHERE id = 1");
    assert_int_equal (ingest_store_record_payload (ing, "dev-1", 1, out, sizeof out, &olen), -1);
    const char *why = util_last_error ();
    assert_non_null (strstr (why, "record 1 (dev-1/1) does not open: it was sealed for another "
                             "row"));
    assert_null (strstr (why, "p-0043"));
    assert_null (strstr (why, "p-0042"));
    assert_null (strchr (why, '\n'));
    s_sql (f->path, "UPDATE records SET patient = '" PATIENT "', loinc = '2339-0' WHERE id = 1");
    assert_int_equal (ingest_store_record_payload (ing, "dev-1", 1, out, sizeof out, &olen), -1);
    s_sql (f->path, "UPDATE records SET loinc = '8867-4' WHERE id = 1");
    assert_int_equal (ingest_store_record_payload (ing, "dev-1", 1, out, sizeof out, &olen), 0);
    //  The sealed value itself copied into the other patient's row.
    s_sql (f->path, "UPDATE records SET sealed = (SELECT sealed FROM records WHERE id = 1)"
                    " WHERE id = 2");
    assert_int_equal (ingest_store_record_payload (ing, "dev-2", 1, out, sizeof out, &olen), -1);
    assert_non_null (strstr (util_last_error (), "record 2 (dev-2/1) does not open"));
    ingest_store_destroy (&ing);
    //  A device row given another patient: its secret does not open.
    s_sql (f->path, "UPDATE devices SET patient = 'Patient/p-0043' WHERE id = 'dev-1'");
    assert_null (ingest_store_open (f->path, f->key, NULL));
    assert_non_null (strstr (util_last_error (), "device dev-1: its secret does not open"));
}

//  The allocator as the library code linked into this test sees it
//  (-Wl,--wrap=free,--wrap=realloc, tests/unit/CMakeLists.txt): while
//  secrets are armed, every block freed or handed to realloc (which may
//  move it and free the old block unwiped) is searched for them first.
#define S_ARMED_MAX 64
static const uint8_t *s_armed [S_ARMED_MAX];
static size_t s_narmed;
static size_t s_found;              //  blocks that still held a secret

void __real_free (void *p);
void *__real_realloc (void *p, size_t size);

static void
s_search (void *p)
{
    if (!p || s_narmed == 0)
        return;
    size_t size = malloc_usable_size (p);
    for (size_t i = 0; i < s_narmed; i++)
        if (size >= INGEST_SECRET_LEN && memmem (p, size, s_armed [i], INGEST_SECRET_LEN))
            s_found++;
}

void
__wrap_free (void *p)
{
    s_search (p);
    __real_free (p);
}

void *
__wrap_realloc (void *p, size_t size)
{
    s_search (p);
    return __real_realloc (p, size);
}

//  Device secrets never reach free or realloc unwiped: 40 devices grow
//  the registry twice (16, 32, 64), each sends a frame (the key cache
//  holds its secret), one is enrolled again (its old secret replaced),
//  and the store is closed; the storage key is armed too.
static void
test_secrets_wiped (void **state)
{
    fixture_t *f = *state;
    enum { N = 40 };
    static uint8_t secrets [N + 1][INGEST_SECRET_LEN];
    static uint8_t fr [INGEST_FRAME_MAX];
    s_found = 0;
    s_narmed = 0;
    s_armed [s_narmed++] = f->key;
    ingest_store_t *ing = ingest_store_open (f->path, f->key, NULL);
    assert_non_null (ing);
    uint32_t epoch = 0;
    char id [16];
    for (int i = 0; i < N; i++) {
        snprintf (id, sizeof id, "dev-%d", i);
        assert_int_equal (ingest_store_enroll (ing, id, PATIENT, NULL, 0, 0, secrets [i],
                                               &epoch), 0);
        s_armed [s_narmed++] = secrets [i];
        size_t len = s_frame (fr, id, 1, 1, secrets [i], s_observation (PATIENT, "/min"));
        assert_int_equal (s_submit_one (ing, fr, len), INGEST_OK);
    }
    assert_int_equal (ingest_store_revoke (ing, "dev-0"), 0);
    assert_int_equal (ingest_store_enroll (ing, "dev-0", PATIENT, NULL, 0, 0, secrets [N],
                                           &epoch), 0);
    s_armed [s_narmed++] = secrets [N];
    ingest_store_destroy (&ing);
    //  Opened again: the registry is loaded (and grows) from the rows.
    ing = ingest_store_open (f->path, f->key, NULL);
    assert_non_null (ing);
    ingest_store_destroy (&ing);
    size_t found = s_found;
    s_narmed = 0;
    assert_int_equal (found, 0);
    //  The search works: a block holding a secret is found.
    s_armed [s_narmed++] = secrets [1];
    uint8_t *copy = util_malloc (INGEST_SECRET_LEN);
    assert_non_null (copy);
    //  Byte by byte through volatile: a memcpy just before free is a dead
    //  store the compiler may drop.
    for (size_t i = 0; i < INGEST_SECRET_LEN; i++)
        ((volatile uint8_t *) copy) [i] = secrets [1][i];
    free (copy);
    assert_int_equal (s_found, 1);
    s_narmed = 0;
    s_found = 0;
}

int
main (void)
{
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, support_fixture_teardown)
    const struct CMUnitTest tests [] = {
        T (test_open_and_enroll), T (test_every_reason), T (test_batch_and_restart),
        T (test_kill_9), T (test_out_of_memory), T (test_identifiers),
        T (test_identifiers_refused), T (test_censored), T (test_old_store),
        T (test_seal_version_migration), T (test_record_binds_patient), T (test_secrets_wiped),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
