/*  cli/cmd_device_sim.c - `cohort device-sim`: a gateway streaming sealed
    vital-sign Observations (heart rate, SpO2, body temperature, blood
    pressure, glucose) for devices enrolled at a site, with optional
    injected replays, bad tags and bad FHIR, and the site's answers counted
    per reason. */
#include "cli.h"
#include "util/error.h"
#include "cmd.h"
#include "ingest/endpoint.h"
#include "ingest/frame.h"
#include "ingest/gateway.h"

#include <czmq.h>
#include <dirent.h>
#include <getopt.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_DEVICES_MAX 100000
#define S_FRAME_CAP 1024                    //  a sealed Observation fits easily

typedef struct {
    char id [INGEST_DEVICE_ID_MAX + 1];
    char patient [128];
    uint32_t epoch;
    uint8_t aead;
    uint8_t secret [INGEST_SECRET_LEN];
    uint64_t sequence;
    unsigned next_vital;
} s_device_t;

static void
s_usage (FILE *to)
{
    fputs ("usage: cohort device-sim --gateway-cert FILE --site ENDPOINT --site-cert FILE\n"
           "         --provision-dir DIR --devices N --rate R --duration S\n"
           "         [--inject-replays K] [--inject-bad-tags K] [--inject-bad-fhir K]\n"
           "         [--batch B] [--window W] [--json]\n"
           "Streams sealed FHIR R4 vital-sign Observations (heart rate 8867-4, SpO2\n"
           "2708-6/59408-5, body temperature 8310-5, blood pressure 85354-9, glucose\n"
           "2339-0) for N devices enrolled at a site, as one gateway, and prints the\n"
           "site's answers counted per reason.\n"
           "  --gateway-cert FILE   the gateway's secret certificate (allowlisted at the site)\n"
           "  --site ENDPOINT       the site's ingest endpoint, e.g. tcp://10.0.0.5:7700\n"
           "  --site-cert FILE      the site's public certificate\n"
           "  --provision-dir DIR   *.device files from cohort ingest enroll-device\n"
           "                        --provision-dir; the first N by name are used\n"
           "  --devices N           devices to simulate\n"
           "  --rate R              readings per second per device\n"
           "  --duration S          seconds to stream (N * R * S readings)\n"
           "  --inject-replays K    K copies of readings already sent (answer: replay)\n"
           "  --inject-bad-tags K   K readings with a corrupted AEAD tag (bad_tag)\n"
           "  --inject-bad-fhir K   K sealed payloads that are no Observation (bad_fhir)\n"
           "  --batch B             frames per request (default 64)\n"
           "  --window W            requests in flight (default 8)\n"
           "  --timeout-ms T        give up when the site has not answered for T ms\n"
           "                        (default 10000)\n"
           "  --json                one JSON object on stdout\n", to);
}

static int
s_hex (const char *hex, uint8_t *out, size_t n)
{
    if (!hex || strlen (hex) != 2 * n)
        return -1;
    for (size_t i = 0; i < 2 * n; i++) {
        char c = hex [i];
        int d = c >= '0' && c <= '9'? c - '0': c >= 'a' && c <= 'f'? c - 'a' + 10: -1;
        if (d < 0)
            return -1;
        out [i / 2] = (uint8_t) (i % 2? (out [i / 2] << 4) | d: d);
    }
    return 0;
}

static int
s_load_device (s_device_t *d, const char *path)
{
    json_error_t err;
    json_t *j = json_load_file (path, 0, &err);
    if (!j) {
        cli_error ("%s:%d:%d: %s", path, err.line, err.column, err.text);
        return -1;
    }
    const char *id = json_string_value (json_object_get (j, "device_id"));
    const char *patient = json_string_value (json_object_get (j, "patient"));
    const char *aead = json_string_value (json_object_get (j, "aead"));
    json_t *epoch = json_object_get (j, "epoch");
    const char *what = !id || !ingest_device_id_ok (id)? "device_id"
                     : !patient || strncmp (patient, "Patient/", 8)
                       || strlen (patient) >= sizeof d->patient? "patient"
                     : !json_is_integer (epoch) || json_integer_value (epoch) < 1
                       || json_integer_value (epoch) > UINT32_MAX? "epoch"
                     : !aead || (strcmp (aead, "aes-256-gcm")
                                 && strcmp (aead, "chacha20-poly1305"))? "aead"
                     : s_hex (json_string_value (json_object_get (j, "secret")), d->secret,
                              INGEST_SECRET_LEN)? "secret": NULL;
    if (!what) {
        snprintf (d->id, sizeof d->id, "%s", id);
        snprintf (d->patient, sizeof d->patient, "%s", patient);
        d->epoch = (uint32_t) json_integer_value (epoch);
        d->aead = strcmp (aead, "aes-256-gcm")? INGEST_AEAD_CHACHA20_POLY1305
                                               : INGEST_AEAD_AES_256_GCM;
    }
    json_decref (j);
    if (what)
        cli_error ("%s: %s: missing or invalid", path, what);
    return what? -1: 0;
}

static int
s_by_name (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

//  Loads the first n *.device files of dir, by name.
static int
s_load_devices (const char *dir, s_device_t *devices, long n)
{
    DIR *d = opendir (dir);
    if (!d) {
        cli_error ("device-sim: --provision-dir: cannot open '%s'", dir);
        return -1;
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir (d))) {
        size_t len = strlen (e->d_name);
        if (len <= 7 || strcmp (e->d_name + len - 7, ".device"))
            continue;
        if (count == cap) {
            cap = cap? 2 * cap: 64;
            names = realloc (names, cap * sizeof *names);
        }
        names [count++] = strdup (e->d_name);
    }
    closedir (d);
    int rc = 0;
    if ((long) count < n) {
        cli_error ("device-sim: %s holds %zu .device files, fewer than --devices %ld", dir,
                   count, n);
        rc = -1;
    }
    if (count)
        qsort (names, count, sizeof *names, s_by_name);
    for (long i = 0; rc == 0 && i < n; i++) {
        char path [4200];
        snprintf (path, sizeof path, "%s/%s", dir, names [i]);
        rc = s_load_device (&devices [i], path);
    }
    for (size_t i = 0; i < count; i++)
        free (names [i]);
    free (names);
    return rc;
}

static double
s_uniform (double lo, double hi)
{
    return lo + (hi - lo) * ((double) rand () / RAND_MAX);
}

//  One realistic reading (the device's next vital sign in turn) as an
//  Observation; or, if bad, a sealed payload that is no Observation.
static size_t
s_payload (char *out, size_t cap, s_device_t *d, int64_t now_ms, bool bad)
{
    if (bad)
        return (size_t) snprintf (out, cap, "{\"resourceType\":\"Patient\",\"id\":\"%s\"}",
                                  d->patient + 8);
    time_t secs = (time_t) (now_ms / 1000);
    struct tm tm;
    gmtime_r (&secs, &tm);
    char when [96];
    snprintf (when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
              tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int) (now_ms % 1000));
    static const char head [] =
        "{\"resourceType\":\"Observation\",\"status\":\"final\",\"category\":[{\"coding\":"
        "[{\"system\":\"http://terminology.hl7.org/CodeSystem/observation-category\","
        "\"code\":\"vital-signs\"}]}],\"code\":{\"coding\":[{\"system\":\"http://loinc.org\","
        "\"code\":\"%s\"}]},\"subject\":{\"reference\":\"%s\"},\"effectiveDateTime\":\"%s\",";
    static const char quantity [] =
        "\"valueQuantity\":{\"value\":%.*f,\"unit\":\"%s\",\"system\":"
        "\"http://unitsofmeasure.org\",\"code\":\"%s\"}}";
    static const char component [] =
        "{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"%s\"}]},"
        "\"valueQuantity\":{\"value\":%.0f,\"unit\":\"mmHg\",\"system\":"
        "\"http://unitsofmeasure.org\",\"code\":\"mm[Hg]\"}}";
    unsigned vital = d->next_vital++ % 6;
    static const char *codes [] = { "8867-4", "2708-6", "59408-5", "8310-5", "2339-0",
                                    "85354-9" };
    size_t len = (size_t) snprintf (out, cap, head, codes [vital], d->patient, when);
    switch (vital) {
        case 0:
            len += snprintf (out + len, cap - len, quantity, 0, s_uniform (58, 105),
                             "beats/minute", "/min");
            break;
        case 1: case 2:
            len += snprintf (out + len, cap - len, quantity, 0, s_uniform (92, 100), "%", "%");
            break;
        case 3:
            len += snprintf (out + len, cap - len, quantity, 1, s_uniform (36.1, 38.2), "C",
                             "Cel");
            break;
        case 4:
            len += snprintf (out + len, cap - len, quantity, 0, s_uniform (72, 160), "mg/dL",
                             "mg/dL");
            break;
        default: {
            double sys = s_uniform (100, 150), dia = s_uniform (60, 95);
            len += snprintf (out + len, cap - len, "\"component\":[");
            len += snprintf (out + len, cap - len, component, "8480-6", sys);
            len += snprintf (out + len, cap - len, ",");
            len += snprintf (out + len, cap - len, component, "8462-4", dia);
            len += snprintf (out + len, cap - len, "]}");
        }
    }
    return len;
}

//  Seals the device's next reading into out. Returns its length or 0.
static size_t
s_seal (uint8_t *out, s_device_t *d, int64_t now_ms, bool bad_fhir)
{
    char payload [S_FRAME_CAP];
    size_t plen = s_payload (payload, sizeof payload, d, now_ms, bad_fhir);
    ingest_frame_header_t h = { .aead = d->aead, .epoch = d->epoch, .sequence = ++d->sequence,
                              .timestamp_ms = now_ms };
    snprintf (h.device_id, sizeof h.device_id, "%s", d->id);
    size_t len = 0;
    if (ingest_frame_seal (out, S_FRAME_CAP, &len, &h, (const uint8_t *) payload, plen,
                         d->secret))
        return 0;
    return len;
}

typedef struct {
    long total, sent;                   //  good readings due in all, sent
    long inject [3], injected [3];      //  replays, bad tags, bad FHIR
    uint8_t last [S_FRAME_CAP];         //  the last good frame (to replay)
    size_t last_len;
} s_plan_t;

//  Is an injection of kind k due after `sent` good readings? The K of each
//  kind are spread evenly over the run; a replay needs a reading sent.
static bool
s_due (const s_plan_t *p, int k)
{
    if (p->injected [k] >= p->inject [k] || (k == 0 && !p->last_len))
        return false;
    return p->sent == p->total
        || (p->injected [k] + 1) * (p->total + 1) / (p->inject [k] + 1) <= p->sent;
}

int
cli_cmd_device_sim (int argc, char **argv)
{
    static const struct option options [] = {
        { "gateway-cert", required_argument, NULL, 'g' },
        { "site", required_argument, NULL, 's' },
        { "site-cert", required_argument, NULL, 'c' },
        { "provision-dir", required_argument, NULL, 'p' },
        { "devices", required_argument, NULL, 'n' },
        { "rate", required_argument, NULL, 'r' },
        { "duration", required_argument, NULL, 'd' },
        { "inject-replays", required_argument, NULL, 'R' },
        { "inject-bad-tags", required_argument, NULL, 'T' },
        { "inject-bad-fhir", required_argument, NULL, 'F' },
        { "batch", required_argument, NULL, 'b' },
        { "window", required_argument, NULL, 'w' },
        { "timeout-ms", required_argument, NULL, 't' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *gw_cert = NULL, *endpoint = NULL, *site_cert = NULL, *dir = NULL;
    long devices = 0, batch = 64, window = 8, timeout_ms = 10000;
    double rate = 0, duration = 0;
    bool json = false;
    s_plan_t *plan = calloc (1, sizeof *plan);
    int opt;
    optind = 1;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        int bad = 0;
        switch (opt) {
            case 'g': gw_cert = optarg; break;
            case 's': endpoint = optarg; break;
            case 'c': site_cert = optarg; break;
            case 'p': dir = optarg; break;
            case 'n': bad = cli_parse_long ("--devices", optarg, 1, S_DEVICES_MAX, &devices);
                      break;
            case 'r': bad = cli_parse_double ("--rate", optarg, 1e-3, 1e6, &rate); break;
            case 'd': bad = cli_parse_double ("--duration", optarg, 1e-3, 86400, &duration);
                      break;
            case 'R': bad = cli_parse_long ("--inject-replays", optarg, 0, 1000000,
                                            &plan->inject [0]); break;
            case 'T': bad = cli_parse_long ("--inject-bad-tags", optarg, 0, 1000000,
                                            &plan->inject [1]); break;
            case 'F': bad = cli_parse_long ("--inject-bad-fhir", optarg, 0, 1000000,
                                            &plan->inject [2]); break;
            case 'b': bad = cli_parse_long ("--batch", optarg, 1, INGEST_BATCH_MAX,
                                            &batch); break;
            case 'w': bad = cli_parse_long ("--window", optarg, 1, 1024, &window); break;
            case 't': bad = cli_parse_long ("--timeout-ms", optarg, 100, 3600000, &timeout_ms);
                      break;
            case 'j': json = true; break;
            case 'h': s_usage (stdout); free (plan); return CLI_OK;
            default:  s_usage (stderr); free (plan); return CLI_USAGE;
        }
        if (bad) {
            free (plan);
            return CLI_USAGE;
        }
    }
    const char *cmd = "device-sim";
    if (optind != argc || cli_need (cmd, "--gateway-cert", gw_cert)
    ||  cli_need (cmd, "--site", endpoint) || cli_need (cmd, "--site-cert", site_cert)
    ||  cli_need (cmd, "--provision-dir", dir) || (!devices && cli_need (cmd, "--devices", NULL))
    ||  (!rate && cli_need (cmd, "--rate", NULL))
    ||  (!duration && cli_need (cmd, "--duration", NULL))) {
        free (plan);
        return CLI_USAGE;
    }
    plan->total = (long) ((double) devices * rate * duration + 0.5);
    if (plan->inject [0] && plan->total == 0) {
        cli_error ("device-sim: --inject-replays needs readings to replay (N * R * S >= 1)");
        free (plan);
        return CLI_USAGE;
    }
    zsys_init ();
    s_device_t *dev = calloc ((size_t) devices, sizeof *dev);
    ingest_gateway_t *gw = NULL;
    uint8_t *frames = malloc ((size_t) batch * S_FRAME_CAP);
    const uint8_t **ptrs = malloc ((size_t) batch * sizeof *ptrs);
    size_t *lens = malloc ((size_t) batch * sizeof *lens);
    uint8_t *reasons = malloc ((size_t) INGEST_BATCH_MAX);
    uint64_t counts [INGEST_REASON_COUNT] = { 0 }, resend = 0;
    int rc = CLI_FAIL;
    if (s_load_devices (dir, dev, devices))
        goto done;
    //  Sequence numbers start from the clock (in microseconds), so a later
    //  run with the same devices never repeats one.
    uint64_t start = (uint64_t) zclock_time () * 1000;
    for (long i = 0; i < devices; i++)
        dev [i].sequence = start;
    srand ((unsigned) start);
    gw = ingest_gateway_new (endpoint, gw_cert, site_cert);
    if (!gw) {
        cli_error ("%s: %s", cmd, util_last_error ());
        goto done;
    }
    int64_t t0 = zclock_mono (), last_answer = t0;
    long inflight = 0, frames_sent = 0, answered = 0, next_device = 0;
    uint64_t next_id = 1;
    while (true) {
        int64_t now = zclock_mono ();
        long due = (long) ((double) (now - t0) / 1000.0 * (double) devices * rate);
        if (due > plan->total)
            due = plan->total;
        bool more = plan->sent < plan->total;
        for (int k = 0; k < 3; k++)
            more |= plan->injected [k] < plan->inject [k];
        if (!more && inflight == 0)
            break;
        //  Fill requests while the window and the schedule allow.
        while (inflight < window) {
            size_t n = 0;
            while ((long) n < batch) {
                uint8_t *out = frames + n * S_FRAME_CAP;
                s_device_t *d = &dev [next_device];
                int64_t wall = zclock_time ();
                size_t len = 0;
                if (s_due (plan, 0)) {
                    memcpy (out, plan->last, plan->last_len);
                    len = plan->last_len;
                    plan->injected [0]++;
                }
                else
                if (s_due (plan, 1) || s_due (plan, 2)) {
                    int k = s_due (plan, 1)? 1: 2;
                    len = s_seal (out, d, wall, k == 2);
                    if (k == 1 && len)
                        out [len - 1] ^= 0x5a;
                    plan->injected [k]++;
                    next_device = (next_device + 1) % devices;
                }
                else
                if (plan->sent < due) {
                    len = s_seal (out, d, wall, false);
                    memcpy (plan->last, out, len);
                    plan->last_len = len;
                    plan->sent++;
                    next_device = (next_device + 1) % devices;
                }
                else
                    break;
                if (!len) {
                    cli_error ("%s: sealing failed: %s", cmd, util_last_error ());
                    goto done;
                }
                ptrs [n] = out;
                lens [n++] = len;
            }
            if (n == 0)
                break;
            if (ingest_gateway_send (gw, next_id++, ptrs, lens, n)) {
                cli_error ("%s: %s", cmd, util_last_error ());
                goto done;
            }
            inflight++;
            frames_sent += (long) n;
        }
        //  Collect answers; wait for the schedule when nothing is in flight.
        if (inflight == 0) {
            zclock_sleep (5);
            continue;
        }
        uint64_t id;
        size_t n;
        if (ingest_gateway_recv (gw, 20, &id, reasons, INGEST_BATCH_MAX, &n) == 0) {
            for (size_t i = 0; i < n; i++)
                if (reasons [i] < INGEST_REASON_COUNT)
                    counts [reasons [i]]++;
                else
                    resend++;
            answered += (long) n;
            inflight--;
            last_answer = zclock_mono ();
        }
        else
        if (zsys_interrupted || zclock_mono () - last_answer > timeout_ms) {
            if (zsys_interrupted)
                cli_error ("%s: interrupted", cmd);
            else
                cli_error ("%s: no answer from %s within %ld ms (is this gateway's "
                           "certificate in the site's allowlist, and --site-cert right?)",
                           cmd, endpoint, timeout_ms);
            goto done;
        }
    }
    double seconds = (double) (zclock_mono () - t0) / 1000.0;
    if (json) {
        json_t *j = json_object ();
        json_object_set_new (j, "endpoint", json_string (endpoint));
        json_object_set_new (j, "devices", json_integer (devices));
        json_object_set_new (j, "frames_sent", json_integer (frames_sent));
        json_object_set_new (j, "readings", json_integer (plan->sent));
        json_object_set_new (j, "injected_replays", json_integer (plan->injected [0]));
        json_object_set_new (j, "injected_bad_tags", json_integer (plan->injected [1]));
        json_object_set_new (j, "injected_bad_fhir", json_integer (plan->injected [2]));
        json_object_set_new (j, "seconds", json_real (seconds));
        json_t *answers = json_object ();
        for (int r = 0; r < INGEST_REASON_COUNT; r++)
            json_object_set_new (answers, ingest_reason_name ((ingest_reason_t) r),
                                 json_integer ((json_int_t) counts [r]));
        json_object_set_new (answers, "not_committed", json_integer ((json_int_t) resend));
        json_object_set_new (j, "answers", answers);
        char *text = json_dumps (j, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
        puts (text);
        free (text);
        json_decref (j);
    }
    else {
        printf ("sent %ld frames for %ld devices to %s in %.2f s: %ld readings, %ld replays, "
                "%ld bad tags, %ld bad FHIR injected\n", frames_sent, devices, endpoint,
                seconds, plan->sent, plan->injected [0], plan->injected [1], plan->injected [2]);
        printf ("site answers (%ld):\n", answered);
        for (int r = 0; r < INGEST_REASON_COUNT; r++)
            printf ("  %-17s %llu\n", ingest_reason_name ((ingest_reason_t) r),
                    (unsigned long long) counts [r]);
        if (resend)
            printf ("  %-17s %llu\n", "not committed", (unsigned long long) resend);
    }
    rc = resend? CLI_FAIL: CLI_OK;
    if (resend)
        cli_error ("%s: the site could not commit %llu frames", cmd, (unsigned long long) resend);
done:
    ingest_gateway_destroy (&gw);
    if (dev)
        OPENSSL_cleanse (dev, (size_t) devices * sizeof *dev);
    free (dev);
    free (frames);
    free (ptrs);
    free (lens);
    free (reasons);
    free (plan);
    return rc;
}
