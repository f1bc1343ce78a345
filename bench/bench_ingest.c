/*  bench/bench_ingest.c - `cohort bench ingest`: the rate of opening
    sealed records (parse, HKDF, AEAD), the audit log's durable append rate
    (group commit and single appends) and the time to verify a
    1,000,000-entry log. Logs are written to a fresh temporary directory
    (under $TMPDIR, default /tmp) that is removed afterwards. */
#include "bench.h"
#include "util/error.h"
#include "audit/log.h"
#include "ingest/frame.h"
#include "ingest/endpoint.h"
#include "ingest/gateway.h"
#include "ingest/store.h"

#include <czmq.h>
#include <sys/stat.h>

#include <dirent.h>
#include <openssl/crypto.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
s_usage (FILE *to)
{
    fputs ("usage: cohort bench ingest [--json] [--entries N] [--batch B] [--single S]\n"
           "                          [--records R]\n"
           "  --records R  sealed 64-byte-payload records to open, and heart-rate\n"
           "               Observations to ingest into a store, and to send through a\n"
           "               site's ingest endpoint from a gateway on loopback CURVE,\n"
           "               acknowledged once durable (default 200000)\n"
           "  --entries N  entries in the log that is verified (default 1000000;\n"
           "               audit_verify_1m_s is reported only for 1000000)\n"
           "  --batch B    entries per durable transaction (default 1000)\n"
           "  --single S   single durable appends to time (default 1000)\n"
           "  --json       one JSON object on stdout\n", to);
}

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
    audit_entry_t *entries = calloc ((size_t) batch, sizeof *entries);
    char (*details) [96] = calloc ((size_t) batch, sizeof *details);
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
    uint8_t *frames = malloc ((size_t) n * FRAME);
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
    if (!ing || ingest_store_enroll (ing, "dev-0001", "Patient/p-0001", 0, secret, &epoch)) {
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
    uint8_t *frames = malloc ((size_t) n * FRAME);
    const uint8_t **ptrs = malloc ((size_t) batch * sizeof *ptrs);
    size_t *lens = malloc ((size_t) batch * sizeof *lens);
    ingest_reason_t *reasons = malloc ((size_t) batch * sizeof *reasons);
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
            if (reasons [j] != INGEST_OK)
                goto done;
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
        return -1;
    zcert_t *cert = zcert_new ();
    int rc = zcert_save (cert, site_cert);
    zcert_destroy (&cert);
    cert = zcert_new ();
    rc |= zcert_save (cert, gw_cert) | zcert_save_public (cert, gw_public);
    zcert_destroy (&cert);
    FILE *f = fopen (keyfile, "w");
    if (rc || !f)
        return -1;
    fputs ("2424242424242424242424242424242424242424242424242424242424242424\n", f);
    fclose (f);
    chmod (keyfile, 0600);
    uint8_t key [INGEST_STORAGE_KEY_LEN];
    memset (key, 0x24, sizeof key);
    ingest_store_t *ing = ingest_store_open (store, key, NULL);
    uint8_t (*secrets) [INGEST_SECRET_LEN] = calloc ((size_t) devices, INGEST_SECRET_LEN);
    uint32_t epoch = 0;
    double rate = -1;
    enum { FRAME = 512 };
    uint8_t *frames = malloc ((size_t) n * FRAME);
    size_t *lens = malloc ((size_t) n * sizeof *lens);
    const uint8_t **ptrs = malloc ((size_t) n * sizeof *ptrs);
    uint8_t *reasons = malloc (INGEST_BATCH_MAX);
    ingest_endpoint_t *ep = NULL;
    ingest_gateway_t *gw = NULL;
    if (!ing || !secrets || !frames || !lens || !ptrs || !reasons)
        goto done;
    for (long d = 0; d < devices; d++) {
        char id [32], patient [32];
        snprintf (id, sizeof id, "dev-%04ld", d);
        snprintf (patient, sizeof patient, "Patient/p-%04ld", d);
        if (ingest_store_enroll (ing, id, patient, 0, secrets [d], &epoch))
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
                                 "bench.example/ingest" };
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
                util_error (UTIL_EFAIL, "bench: frame answered %s", ingest_reason_name (reasons [i]));
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

int
bench_ingest (int argc, char **argv)
{
    static const struct option options [] = {
        { "entries", required_argument, NULL, 'n' },
        { "batch",   required_argument, NULL, 'b' },
        { "single",  required_argument, NULL, 's' },
        { "records", required_argument, NULL, 'r' },
        { "json",    no_argument,       NULL, 'j' },
        { "help",    no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    long entries = 1000000, batch = 1000, single = 1000, records = 200000;
    bool json = false;
    optind = 1;
    int opt;
    while ((opt = getopt_long (argc, argv, "h", options, NULL)) != -1) {
        char *end = NULL;
        long *target = opt == 'n'? &entries: opt == 'b'? &batch: opt == 's'? &single
                     : opt == 'r'? &records: NULL;
        if (target) {
            *target = strtol (optarg, &end, 10);
            long max = opt == 'b'? AUDIT_BATCH_MAX: 100000000;
            if (*end || *target < 1 || *target > max) {
                fprintf (stderr, "cohort: error: --%s: need an integer in [1, %ld]\n",
                         opt == 'n'? "entries": opt == 'b'? "batch": opt == 's'? "single"
                         : "records", max);
                return 2;
            }
        }
        else
        if (opt == 'j')
            json = true;
        else
        if (opt == 'h') {
            s_usage (stdout);
            return 0;
        }
        else {
            s_usage (stderr);
            return 2;
        }
    }
    const char *tmp = getenv ("TMPDIR");
    char dir [1024], path [1100];
    snprintf (dir, sizeof dir, "%s/cohort-bench-ingest-XXXXXX", tmp && *tmp? tmp: "/tmp");
    if (!mkdtemp (dir)) {
        fprintf (stderr, "cohort: error: bench ingest: cannot create a directory in %s\n",
                 tmp && *tmp? tmp: "/tmp");
        return 1;
    }
    int rc = 1;
    json_t *report = json_object ();
    audit_log_t *log = NULL;

    double open_rate = s_aead_open (records);
    if (open_rate < 0) {
        fprintf (stderr, "cohort: error: bench ingest: sealing or opening failed: %s\n",
                 util_last_error ());
        goto done;
    }
    json_object_set_new (report, "aead_open_per_s", json_real (open_rate));
    long ingest_batch = 1024, acked_batch = 1024, acked_window = 8;
    zsys_init ();
    //  The endpoint's log lines must not mix with the JSON on stdout.
    zsys_set_logstream (stderr);
    double ingest_rate = s_ingest (dir, records, ingest_batch);
    if (ingest_rate < 0) {
        fprintf (stderr, "cohort: error: bench ingest: ingesting failed: %s\n",
                 util_last_error ());
        goto done;
    }
    json_object_set_new (report, "ingest_records_committed_per_s", json_real (ingest_rate));
    json_object_set_new (report, "ingest_batch", json_integer (ingest_batch));
    size_t payload = 0;
    double acked_rate = s_acked (dir, records, acked_batch, acked_window, 64, &payload);
    if (acked_rate < 0) {
        fprintf (stderr, "cohort: error: bench ingest: the acknowledged path failed: %s\n",
                 util_last_error ());
        goto done;
    }
    json_object_set_new (report, "sealed_records_acked_per_s", json_real (acked_rate));
    json_object_set_new (report, "acked_request_frames", json_integer (acked_batch));
    json_object_set_new (report, "acked_requests_in_flight", json_integer (acked_window));
    json_object_set_new (report, "acked_payload_bytes", json_integer ((json_int_t) payload));

    //  Single appends: one durable transaction (one WAL fsync) each.
    snprintf (path, sizeof path, "%s/single.db", dir);
    if (!(log = audit_log_open (path, "bench.example/single")))
        goto done;
    double t0 = bench_now ();
    for (long i = 0; i < single; i++) {
        char detail [96];
        audit_entry_t e;
        s_entry (&e, detail, sizeof detail, i);
        if (audit_log_append (log, &e, NULL))
            goto done;
    }
    double single_s = bench_now () - t0;
    audit_log_destroy (&log);

    //  Group commit: the verify log doubles as the append measurement.
    snprintf (path, sizeof path, "%s/audit.db", dir);
    if (!(log = audit_log_open (path, "bench.example/audit")))
        goto done;
    double fill_s = s_fill (log, entries, batch);
    if (fill_s < 0)
        goto done;
    audit_log_destroy (&log);

    audit_verify_result_t r;
    t0 = bench_now ();
    if (audit_log_verify (path, NULL, NULL, 0, &r))
        goto done;
    double verify_s = bench_now () - t0;

    json_object_set_new (report, "audit_appends_per_s", json_real ((double) entries / fill_s));
    json_object_set_new (report, "audit_append_batch", json_integer (batch));
    json_object_set_new (report, "audit_single_appends_per_s", json_real ((double) single / single_s));
    json_object_set_new (report, "audit_verify_entries", json_integer ((json_int_t) r.entries));
    json_object_set_new (report, "audit_verify_s", json_real (verify_s));
    if (entries == 1000000)
        json_object_set_new (report, "audit_verify_1m_s", json_real (verify_s));
    rc = bench_emit (report, json, stdout) == 0? 0: 1;
    report = NULL;
done:
    if (rc)
        fprintf (stderr, "cohort: error: bench ingest: %s\n", util_last_error ());
    json_decref (report);
    audit_log_destroy (&log);
    s_remove_dir (dir);
    return rc;
}
