/*  bench/bench_ingest.c - bench_ingest (`cohort bench ingest`): the rate
    of opening sealed records (parse, HKDF, AEAD), of ingesting them into a
    store, and of having them acknowledged through a site's endpoint; the
    audit log's durable append rate (group commit and single appends) and
    the time to verify a 1,000,000-entry log. Everything is written to a
    fresh temporary directory (under $TMPDIR, default /tmp) that is removed
    afterwards. */
#include "bench.h"
#include "util/alloc.h"
#include "util/error.h"
#include "audit/log.h"
#include "ingest/frame.h"
#include "ingest/endpoint.h"
#include "ingest/gateway.h"
#include "ingest/store.h"

#include <czmq.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  A realistic entry: a gateway's record accepted for a device.
static void
s_entry (audit_entry_t *e, char *detail, size_t cap, long i)
{
    snprintf (detail, cap, "{\"device\":\"dev-%05ld\",\"seq\":%ld,\"result\":\"accepted\"}",
              i % 10000, i);
    *e = (audit_entry_t) { 0, "ingest.accept", "gateway:gw-01", detail };
}

//  Appends n entries in batches of `batch`. Returns seconds, or -1.
static double
s_fill (audit_log_t *log, long n, long batch)
{
    audit_entry_t *entries = util_calloc ((size_t) batch, sizeof *entries);
    char (*details) [96] = util_calloc ((size_t) batch, sizeof *details);
    double t = -1;
    if (!entries || !details)
        goto done;
    double t0 = bench_now ();
    for (long done = 0; done < n; ) {
        long k = n - done < batch? n - done: batch;
        for (long j = 0; j < k; j++)
            s_entry (&entries [j], details [j], sizeof details [j], done + j);
        if (audit_log_append_batch (log, entries, (size_t) k, NULL))
            goto done;
        done += k;
    }
    t = bench_now () - t0;
done:
    free (entries);
    free (details);
    return t;
}

//  Seals `n` records with 64-byte payloads, then times parsing and opening
//  them (AES-256-GCM). Returns opens per second, or -1.
static double
s_aead_open (long n)
{
    enum { PAYLOAD = 64, FRAME = INGEST_HEADER_FIXED + 8 + PAYLOAD + INGEST_TAG_LEN };
    uint8_t secret [INGEST_SECRET_LEN], payload [PAYLOAD], plain [PAYLOAD];
    memset (secret, 0x42, sizeof secret);
    memset (payload, '7', sizeof payload);
    uint8_t *frames = util_calloc ((size_t) n, FRAME);
    double rate = -1;
    if (!frames)
        return -1;
    ingest_frame_header_t h = { .aead = INGEST_AEAD_AES_256_GCM, .epoch = 1,
                              .timestamp_ms = 1700000000000 };
    snprintf (h.device_id, sizeof h.device_id, "dev-0001");
    for (long i = 0; i < n; i++) {
        size_t len = 0;
        h.sequence = (uint64_t) i;
        if (ingest_frame_seal (frames + i * FRAME, FRAME, &len, &h, payload, PAYLOAD, secret)
        ||  len != FRAME)
            goto done;
    }
    double t0 = bench_now ();
    for (long i = 0; i < n; i++) {
        ingest_frame_t f;
        size_t plen = 0;
        if (ingest_frame_parse (&f, frames + i * FRAME, FRAME) != INGEST_OK
        ||  ingest_frame_open (plain, sizeof plain, &plen, &f, secret) != INGEST_OK)
            goto done;
    }
    rate = (double) n / (bench_now () - t0);
done:
    free (frames);
    return rate;
}

//  Ingests n sealed heart-rate Observations from one device into a new
//  ingest store in `dir`, in durable batches of `batch` (the whole path:
//  parse, replay, open, FHIR, seal at rest, group commit). Returns records
//  committed per second, or -1.
static double
s_ingest (const char *dir, long n, long batch)
{
    char path [1100];
    snprintf (path, sizeof path, "%s/ingest.db", dir);
    uint8_t key [INGEST_STORAGE_KEY_LEN], secret [INGEST_SECRET_LEN];
    memset (key, 0x24, sizeof key);
    uint32_t epoch = 0;
    ingest_store_t *ing = ingest_store_open (path, key, NULL);
    if (!ing || ingest_store_enroll (ing, "dev-0001", "Patient/p-0001", NULL, 0, 0, secret, &epoch)) {
        ingest_store_destroy (&ing);
        return -1;
    }
    static const char obs [] =
        "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":"
        "[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},\"subject\":"
        "{\"reference\":\"Patient/p-0001\"},\"effectiveDateTime\":\"2026-11-22T14:05:00Z\","
        "\"valueQuantity\":{\"value\":72,\"system\":\"http://unitsofmeasure.org\","
        "\"code\":\"/min\"}}";
    enum { FRAME = 512 };
    uint8_t *frames = util_calloc ((size_t) n, FRAME);
    const uint8_t **ptrs = util_calloc ((size_t) batch, sizeof *ptrs);
    size_t *lens = util_calloc ((size_t) batch, sizeof *lens);
    ingest_reason_t *reasons = util_calloc ((size_t) batch, sizeof *reasons);
    double rate = -1;
    if (!frames || !ptrs || !lens || !reasons)
        goto done;
    ingest_frame_header_t h = { .aead = INGEST_AEAD_AES_256_GCM, .epoch = epoch,
                              .timestamp_ms = 1795356300000 };
    snprintf (h.device_id, sizeof h.device_id, "dev-0001");
    for (long i = 0; i < n; i++) {
        size_t len = 0;
        h.sequence = (uint64_t) i + 1;
        if (ingest_frame_seal (frames + i * FRAME, FRAME, &len, &h, (const uint8_t *) obs,
                             sizeof obs - 1, secret))
            goto done;
    }
    size_t flen = INGEST_HEADER_FIXED + 8 + sizeof obs - 1 + INGEST_TAG_LEN;
    double t0 = bench_now ();
    for (long done = 0; done < n; ) {
        long k = n - done < batch? n - done: batch;
        for (long j = 0; j < k; j++) {
            ptrs [j] = frames + (done + j) * FRAME;
            lens [j] = flen;
        }
        if (ingest_store_submit (ing, ptrs, lens, (size_t) k, 1795356300000, reasons))
            goto done;
        for (long j = 0; j < k; j++)
            if (reasons [j] != INGEST_OK) {
                util_error (UTIL_EFAIL, "record %ld answered %s", done + j + 1,
                            ingest_reason_name (reasons [j]));
                goto done;
            }
        done += k;
    }
    rate = (double) n / (bench_now () - t0);
done:
    free (frames);
    free (ptrs);
    free (lens);
    free (reasons);
    OPENSSL_cleanse (secret, sizeof secret);
    ingest_store_destroy (&ing);
    return rate;
}

static void s_remove_dir (const char *dir);

//  The whole acknowledged path over the network, in one process: a site's
//  ingest endpoint (its own actor, as inside `cohort site`) and a gateway
//  on loopback CURVE, keeping `window` requests of `batch` frames in
//  flight. n heart-rate Observations from `devices` devices, pre-sealed.
//  Returns records acknowledged (accepted, durably committed) per second,
//  or -1; *payload gets the payload size.
static double
s_acked (const char *dir, long n, long batch, long window, long devices, size_t *payload)
{
    char allow [1100], path [1200], site_cert [1100], gw_cert [1100], gw_public [1200];
    char store [1100], keyfile [1100], audit [1100];
    snprintf (allow, sizeof allow, "%s/gateways", dir);
    snprintf (site_cert, sizeof site_cert, "%s/site", dir);
    snprintf (gw_cert, sizeof gw_cert, "%s/gw", dir);
    snprintf (gw_public, sizeof gw_public, "%s/gw.pub", allow);
    snprintf (store, sizeof store, "%s/acked.db", dir);
    snprintf (keyfile, sizeof keyfile, "%s/storage.key", dir);
    snprintf (audit, sizeof audit, "%s/acked-audit.db", dir);
    if (zsys_dir_create ("%s", allow))
        return util_error (UTIL_EIO, "cannot create %s", allow);
    zcert_t *cert = zcert_new ();
    int rc = zcert_save (cert, site_cert);
    zcert_destroy (&cert);
    cert = zcert_new ();
    rc |= zcert_save (cert, gw_cert) | zcert_save_public (cert, gw_public);
    zcert_destroy (&cert);
    FILE *f = rc? NULL: fopen (keyfile, "w");
    if (!f || fputs ("2424242424242424242424242424242424242424242424242424242424242424\n", f) < 0
    ||  fclose (f) != 0 || chmod (keyfile, 0600) != 0)
        return util_error (UTIL_EIO, "cannot write the certificates and %s", keyfile);
    uint8_t key [INGEST_STORAGE_KEY_LEN];
    memset (key, 0x24, sizeof key);
    ingest_store_t *ing = ingest_store_open (store, key, NULL);
    uint8_t (*secrets) [INGEST_SECRET_LEN] = util_calloc ((size_t) devices, INGEST_SECRET_LEN);
    uint32_t epoch = 0;
    double rate = -1;
    enum { FRAME = 512 };
    uint8_t *frames = util_calloc ((size_t) n, FRAME);
    size_t *lens = util_calloc ((size_t) n, sizeof *lens);
    const uint8_t **ptrs = util_calloc ((size_t) n, sizeof *ptrs);
    uint8_t *reasons = util_malloc (INGEST_BATCH_MAX);
    ingest_endpoint_t *ep = NULL;
    ingest_gateway_t *gw = NULL;
    if (!ing || !secrets || !frames || !lens || !ptrs || !reasons)
        goto done;
    for (long d = 0; d < devices; d++) {
        char id [32], patient [32];
        snprintf (id, sizeof id, "dev-%04ld", d);
        snprintf (patient, sizeof patient, "Patient/p-%04ld", d);
        if (ingest_store_enroll (ing, id, patient, NULL, 0, 0, secrets [d], &epoch))
            goto done;
    }
    ingest_store_destroy (&ing);
    for (long i = 0; i < n; i++) {
        long d = i % devices;
        char obs [400];
        int plen = snprintf (obs, sizeof obs,
            "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":"
            "[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},\"subject\":"
            "{\"reference\":\"Patient/p-%04ld\"},\"effectiveDateTime\":\"2026-11-22T14:05:00Z\","
            "\"valueQuantity\":{\"value\":%ld,\"system\":\"http://unitsofmeasure.org\","
            "\"code\":\"/min\"}}", d, 60 + i % 40);
        *payload = (size_t) plen;
        ingest_frame_header_t h = { .aead = INGEST_AEAD_AES_256_GCM, .epoch = 1,
                                  .sequence = (uint64_t) (i / devices) + 1,
                                  .timestamp_ms = 1795356300000 };
        snprintf (h.device_id, sizeof h.device_id, "dev-%04ld", d);
        ptrs [i] = frames + i * FRAME;
        if (ingest_frame_seal (frames + i * FRAME, FRAME, &lens [i], &h, (const uint8_t *) obs,
                             (size_t) plen, secrets [d]))
            goto done;
    }
    ingest_config_t cfg = { "tcp://127.0.0.1:*", allow, store, keyfile, audit,
                                 "bench.example/ingest", 0, 0, 0 };
    snprintf (path, sizeof path, "%s_secret", site_cert);
    ep = ingest_endpoint_new (&cfg, path);
    gw = ep? ingest_gateway_new (ingest_endpoint_address (ep), gw_cert, site_cert): NULL;
    if (!gw)
        goto done;
    //  One request answered first: the CURVE handshake is not timed.
    uint64_t id;
    size_t got;
    if (ingest_gateway_send (gw, 0, NULL, NULL, 0)
    ||  ingest_gateway_recv (gw, 10000, &id, reasons, INGEST_BATCH_MAX, &got))
        goto done;
    double t0 = bench_now ();
    long sent = 0, acked = 0, inflight = 0;
    uint64_t next = 1;
    while (acked < n) {
        while (inflight < window && sent < n) {
            long k = n - sent < batch? n - sent: batch;
            if (ingest_gateway_send (gw, next++, ptrs + sent, lens + sent, (size_t) k))
                goto done;
            sent += k;
            inflight++;
        }
        if (ingest_gateway_recv (gw, 10000, &id, reasons, INGEST_BATCH_MAX, &got))
            goto done;
        for (size_t i = 0; i < got; i++)
            if (reasons [i] != INGEST_OK) {
                util_error (UTIL_EFAIL, "a frame answered %s", ingest_reason_name (reasons [i]));
                goto done;
            }
        acked += (long) got;
        inflight--;
    }
    rate = (double) n / (bench_now () - t0);
done:
    ingest_gateway_destroy (&gw);
    ingest_endpoint_destroy (&ep);
    ingest_store_destroy (&ing);
    if (secrets)
        OPENSSL_cleanse (secrets, (size_t) devices * INGEST_SECRET_LEN);
    free (secrets);
    free (frames);
    free (lens);
    free (ptrs);
    free (reasons);
    s_remove_dir (allow);
    return rate;
}

static void
s_remove_dir (const char *dir)
{
    DIR *d = opendir (dir);
    struct dirent *e;
    char path [4096];
    while (d && (e = readdir (d))) {
        if (strcmp (e->d_name, ".") && strcmp (e->d_name, "..")) {
            snprintf (path, sizeof path, "%s/%s", dir, e->d_name);
            unlink (path);
        }
    }
    if (d)
        closedir (d);
    rmdir (dir);
}

void
bench_ingest_defaults (bench_ingest_options_t *o)
{
    const char *tmp = getenv ("TMPDIR");
    *o = (bench_ingest_options_t) { .records = 200000, .entries = 1000000, .batch = 1000,
                                    .single = 1000, .tmpdir = tmp && *tmp? tmp: "/tmp" };
}

//  The audit log: `single` durable appends one at a time (one WAL fsync
//  each), then `entries` in batches (group commit) into the log that is
//  verified.
static int
s_audit (json_t **report, const char *dir, const bench_ingest_options_t *o)
{
    char path [1100];
    snprintf (path, sizeof path, "%s/single.db", dir);
    audit_log_t *log = audit_log_open (path, "bench.example/single");
    if (!log)
        return -1;
    double t0 = bench_now ();
    for (long i = 0; i < o->single; i++) {
        char detail [96];
        audit_entry_t e;
        s_entry (&e, detail, sizeof detail, i);
        if (audit_log_append (log, &e, NULL)) {
            audit_log_destroy (&log);
            return -1;
        }
    }
    double single_s = bench_now () - t0;
    audit_log_destroy (&log);

    //  Group commit: the verify log doubles as the append measurement.
    snprintf (path, sizeof path, "%s/audit.db", dir);
    if (!(log = audit_log_open (path, "bench.example/audit")))
        return -1;
    double fill_s = s_fill (log, o->entries, o->batch);
    audit_log_destroy (&log);
    audit_verify_result_t r;
    t0 = bench_now ();
    if (fill_s < 0 || audit_log_verify (path, NULL, NULL, 0, &r))
        return -1;
    double verify_s = bench_now () - t0;

    bench_set (report, "audit_appends_per_s", json_real ((double) o->entries / fill_s));
    bench_set (report, "audit_append_batch", json_integer (o->batch));
    bench_set (report, "audit_single_appends_per_s", json_real ((double) o->single / single_s));
    bench_set (report, "audit_verify_entries", json_integer ((json_int_t) r.entries));
    bench_set (report, "audit_verify_s", json_real (verify_s));
    if (o->entries == 1000000)
        bench_set (report, "audit_verify_1m_s", json_real (verify_s));
    return 0;
}

json_t *
bench_ingest (const bench_ingest_options_t *o)
{
    const char *wrong = o->records < 1 || o->records > BENCH_INGEST_COUNT_MAX? "records"
                      : o->entries < 1 || o->entries > BENCH_INGEST_COUNT_MAX? "entries"
                      : o->single < 1 || o->single > BENCH_INGEST_COUNT_MAX? "single appends"
                      : o->batch < 1 || o->batch > AUDIT_BATCH_MAX? "batch": NULL;
    if (wrong)
        return util_error_null (UTIL_EINPUT, "%s: out of range", wrong);
    char dir [1024];
    snprintf (dir, sizeof dir, "%s/cohort-bench-ingest-XXXXXX", o->tmpdir);
    if (!mkdtemp (dir))
        return util_error_null (UTIL_EIO, "cannot create a directory in %s: %s", o->tmpdir,
                                strerror (errno));
    json_t *report = json_object ();
    double open_rate = s_aead_open (o->records);
    if (open_rate < 0) {
        util_error_context ("sealing or opening failed");
        goto failed;
    }
    bench_set (&report, "aead_open_per_s", json_real (open_rate));
    long ingest_batch = 1024, acked_batch = 1024, acked_window = 8;
    zsys_init ();
    //  The endpoint's log lines must not mix with the JSON on stdout.
    zsys_set_logstream (stderr);
    double ingest_rate = s_ingest (dir, o->records, ingest_batch);
    if (ingest_rate < 0) {
        util_error_context ("ingesting failed");
        goto failed;
    }
    bench_set (&report, "ingest_records_committed_per_s", json_real (ingest_rate));
    bench_set (&report, "ingest_batch", json_integer (ingest_batch));
    size_t payload = 0;
    double acked_rate = s_acked (dir, o->records, acked_batch, acked_window, 64, &payload);
    if (acked_rate < 0) {
        util_error_context ("the acknowledged path failed");
        goto failed;
    }
    bench_set (&report, "sealed_records_acked_per_s", json_real (acked_rate));
    bench_set (&report, "acked_request_frames", json_integer (acked_batch));
    bench_set (&report, "acked_requests_in_flight", json_integer (acked_window));
    bench_set (&report, "acked_payload_bytes", json_integer ((json_int_t) payload));
    if (s_audit (&report, dir, o)) {
        util_error_context ("the audit log");
        goto failed;
    }
    if (!report)
        util_error (UTIL_ENOMEM, "out of memory building the report");
    s_remove_dir (dir);
    return report;
failed:
    json_decref (report);
    s_remove_dir (dir);
    return NULL;
}
