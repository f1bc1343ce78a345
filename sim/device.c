/*  sim/device.c - simulated devices streaming sealed vital signs through
    one gateway (sim/device.h). */
#include "device.h"
#include "ingest/gateway.h"
#include "models/models.h"
#include "util/alloc.h"
#include "util/codec.h"
#include "util/file.h"

#include <czmq.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_PROVISION_FILE_MAX 4096       //  a provisioning file is ~250 bytes
#define S_READINGS_MAX ((long) 1 << 40) //  keeps the injection schedule's
                                        //  products within a long
#define S_SUFFIX ".device"

//  ---------------------------------------------------------------------
//  Provisioning files

//  Fills d from one provisioning file. Returns 0 or -1 naming the file and
//  the first bad field.
static int
s_load (sim_device_t *d, const char *path)
{
    char *text = NULL;
    size_t len = 0;
    if (util_file_read (path, S_PROVISION_FILE_MAX, UTIL_FILE_SECRET, &text, &len))
        return -1;
    json_error_t err;
    json_t *j = json_loadb (text, len, 0, &err);
    util_cleanse (text, len);
    free (text);
    if (!j)
        return util_error (UTIL_EINPUT, "%s:%d:%d: %s", path, err.line, err.column, err.text);
    const char *id = json_string_value (json_object_get (j, "device_id"));
    const char *patient = json_string_value (json_object_get (j, "patient"));
    const char *aead = json_string_value (json_object_get (j, "aead"));
    const char *secret = json_string_value (json_object_get (j, "secret"));
    json_t *epoch = json_object_get (j, "epoch");
    const char *what =
        !id || !ingest_device_id_ok (id)? "device_id"
      : !patient || strncmp (patient, "Patient/", 8) || strlen (patient) > SIM_DEVICE_PATIENT_MAX
      ? "patient"
      : !json_is_integer (epoch) || json_integer_value (epoch) < 1
        || json_integer_value (epoch) > UINT32_MAX? "epoch"
      : !aead || (strcmp (aead, "aes-256-gcm") && strcmp (aead, "chacha20-poly1305"))? "aead"
      : !secret || util_hex_decode (d->secret, INGEST_SECRET_LEN, secret, strlen (secret))
      ? "secret": NULL;
    if (!what) {
        snprintf (d->id, sizeof d->id, "%s", id);
        snprintf (d->patient, sizeof d->patient, "%s", patient);
        d->epoch = (uint32_t) json_integer_value (epoch);
        d->aead = strcmp (aead, "aes-256-gcm")? INGEST_AEAD_CHACHA20_POLY1305
                                               : INGEST_AEAD_AES_256_GCM;
        d->sequence = 0;
        d->next_vital = 0;
    }
    json_decref (j);
    return what? util_error (UTIL_EINPUT, "%s: %s: missing or invalid", path, what): 0;
}

static int
s_by_name (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

static void
s_free_names (char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free (names [i]);
    free (names);
}

//  Sets *names to a new array of *count new strings, the names of the
//  *.device files in dir, sorted (NULL and 0 for none). Returns 0 or -1.
static int
s_list (const char *dir, char ***names, size_t *count)
{
    *names = NULL;
    *count = 0;
    DIR *d = opendir (dir);
    if (!d)
        return util_error (UTIL_EIO, "cannot open '%s': %s", dir, strerror (errno));
    char **list = NULL;
    size_t n = 0, cap = 0, suffix = strlen (S_SUFFIX);
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir (d))) {
        size_t len = strlen (e->d_name);
        if (len <= suffix || strcmp (e->d_name + len - suffix, S_SUFFIX))
            continue;
        if (n == cap) {
            char **grown = util_realloc_array (list, cap? 2 * cap: 64, sizeof *list);
            if (!grown) {
                rc = -1;
                break;
            }
            list = grown;
            cap = cap? 2 * cap: 64;
        }
        if ((list [n] = util_strdup (e->d_name)))
            n++;
        else
            rc = -1;
    }
    closedir (d);
    if (rc) {
        s_free_names (list, n);
        return -1;
    }
    if (n)
        qsort (list, n, sizeof *list, s_by_name);
    *names = list;
    *count = n;
    return 0;
}

sim_device_t *
sim_devices_load (const char *dir, size_t n)
{
    if (!dir || n < 1 || n > SIM_DEVICES_MAX)
        return util_error_null (UTIL_EINPUT, "devices: %zu, expected 1 to %d", n, SIM_DEVICES_MAX);
    size_t count = 0;
    char **names = NULL;
    if (s_list (dir, &names, &count))
        return NULL;
    sim_device_t *devices = NULL;
    if (count < n)
        util_error (UTIL_EINPUT, "%s holds %zu .device files, fewer than the %zu devices to "
                    "simulate", dir, count, n);
    else
        devices = util_calloc (n, sizeof *devices);
    for (size_t i = 0; devices && i < n; i++) {
        char *path = util_asprintf ("%s/%s", dir, names [i]);
        if (!path || s_load (&devices [i], path))
            sim_devices_destroy (&devices, n);
        free (path);
    }
    s_free_names (names, count);
    return devices;
}

void
sim_devices_destroy (sim_device_t **devices_p, size_t n)
{
    if (devices_p && *devices_p) {
        util_cleanse (*devices_p, n * sizeof **devices_p);
        free (*devices_p);
        *devices_p = NULL;
    }
}

//  ---------------------------------------------------------------------
//  Readings

//  Appends to out[*len..cap) like snprintf; sets *len past cap when the
//  text does not fit.
static void
s_put (char *out, size_t cap, size_t *len, const char *fmt, ...)
{
    if (*len >= cap)
        return;
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (out + *len, cap - *len, fmt, ap);
    va_end (ap);
    *len = n < 0? cap: *len + (size_t) n;
}

static double
s_uniform (gsl_rng *rng, double lo, double hi)
{
    return lo + (hi - lo) * gsl_rng_uniform (rng);
}

size_t
sim_device_reading (char *out, size_t cap, sim_device_t *device, gsl_rng *rng, int64_t now_ms,
                    bool bad)
{
    size_t len = 0;
    if (bad) {
        s_put (out, cap, &len, "{\"resourceType\":\"Patient\",\"id\":\"%s\"}",
               device->patient + strlen ("Patient/"));
        return len < cap? len: 0;
    }
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
    static const char *codes [] = { "8867-4", "2708-6", "59408-5", "8310-5", "2339-0",
                                    "85354-9" };
    unsigned vital = device->next_vital++ % 6;
    s_put (out, cap, &len, head, codes [vital], device->patient, when);
    switch (vital) {
        case 0:
            s_put (out, cap, &len, quantity, 0, s_uniform (rng, 58, 105), "beats/minute", "/min");
            break;
        case 1: case 2:
            s_put (out, cap, &len, quantity, 0, s_uniform (rng, 92, 100), "%", "%");
            break;
        case 3:
            s_put (out, cap, &len, quantity, 1, s_uniform (rng, 36.1, 38.2), "C", "Cel");
            break;
        case 4:
            s_put (out, cap, &len, quantity, 0, s_uniform (rng, 72, 160), "mg/dL", "mg/dL");
            break;
        default: {
            double systolic = s_uniform (rng, 100, 150), diastolic = s_uniform (rng, 60, 95);
            s_put (out, cap, &len, "\"component\":[");
            s_put (out, cap, &len, component, "8480-6", systolic);
            s_put (out, cap, &len, ",");
            s_put (out, cap, &len, component, "8462-4", diastolic);
            s_put (out, cap, &len, "]}");
        }
    }
    return len < cap? len: 0;
}

int
sim_device_seal (uint8_t *out, size_t cap, size_t *len, sim_device_t *device, gsl_rng *rng,
                 int64_t now_ms, bool bad_fhir)
{
    char payload [SIM_FRAME_CAP];
    size_t plen = sim_device_reading (payload, sizeof payload, device, rng, now_ms, bad_fhir);
    if (!plen)
        return util_error (UTIL_ELIMIT, "%s: a reading does not fit %d bytes", device->id,
                           SIM_FRAME_CAP);
    ingest_frame_header_t h = { .aead = device->aead, .epoch = device->epoch,
                                .sequence = ++device->sequence, .timestamp_ms = now_ms };
    snprintf (h.device_id, sizeof h.device_id, "%s", device->id);
    if (ingest_frame_seal (out, cap, len, &h, (const uint8_t *) payload, plen, device->secret))
        return util_error_context ("%s: sealing a reading", device->id);
    return 0;
}

//  ---------------------------------------------------------------------
//  The run

int
sim_devices_check (const sim_devices_config_t *cfg)
{
    static const char *inject_names [SIM_INJECT_COUNT] = { "replays", "bad tags", "bad FHIR" };
    if (!cfg || !cfg->endpoint || !cfg->gateway_cert || !cfg->site_cert || !cfg->provision_dir)
        return util_error (UTIL_EINPUT, "the endpoint, both certificates and the provisioning "
                           "directory are required");
    if (cfg->devices < 1 || cfg->devices > SIM_DEVICES_MAX)
        return util_error (UTIL_EINPUT, "devices: %ld is out of range [1, %d]", cfg->devices,
                           SIM_DEVICES_MAX);
    if (!(cfg->rate >= SIM_RATE_MIN && cfg->rate <= SIM_RATE_MAX))
        return util_error (UTIL_EINPUT, "rate: %g is out of range [%g, %g]", cfg->rate,
                           SIM_RATE_MIN, SIM_RATE_MAX);
    if (!(cfg->duration >= SIM_DURATION_MIN && cfg->duration <= SIM_DURATION_MAX))
        return util_error (UTIL_EINPUT, "duration: %g is out of range [%g, %d]", cfg->duration,
                           SIM_DURATION_MIN, SIM_DURATION_MAX);
    for (int k = 0; k < SIM_INJECT_COUNT; k++)
        if (cfg->inject [k] < 0 || cfg->inject [k] > SIM_INJECT_MAX)
            return util_error (UTIL_EINPUT, "injected %s: %ld is out of range [0, %d]",
                               inject_names [k], cfg->inject [k], SIM_INJECT_MAX);
    if (cfg->batch < 1 || cfg->batch > INGEST_BATCH_MAX)
        return util_error (UTIL_EINPUT, "batch: %ld is out of range [1, %d]", cfg->batch,
                           INGEST_BATCH_MAX);
    if (cfg->window < 1 || cfg->window > SIM_WINDOW_MAX)
        return util_error (UTIL_EINPUT, "window: %ld is out of range [1, %d]", cfg->window,
                           SIM_WINDOW_MAX);
    if (cfg->timeout_ms < SIM_TIMEOUT_MIN_MS || cfg->timeout_ms > SIM_TIMEOUT_MAX_MS)
        return util_error (UTIL_EINPUT, "timeout: %ld ms is out of range [%d, %d]",
                           cfg->timeout_ms, SIM_TIMEOUT_MIN_MS, SIM_TIMEOUT_MAX_MS);
    //  Within the limits above the product is below 2^53: exact enough.
    double readings = (double) cfg->devices * cfg->rate * cfg->duration;
    if (readings > (double) S_READINGS_MAX)
        return util_error (UTIL_EINPUT, "devices x rate x duration is %g readings, more than "
                           "%ld in one run", readings, S_READINGS_MAX);
    if (cfg->inject [SIM_INJECT_REPLAY] && lround (readings) == 0)
        return util_error (UTIL_EINPUT, "a replay needs readings to replay (devices x rate x "
                           "duration >= 1)");
    return 0;
}

//  The identity of one frame sent: which device, which sequence number.
typedef struct {
    long device;
    uint64_t sequence;
} s_sent_t;

//  A request in flight, for the acked log: its id (0: the slot is free)
//  and its frames, named in order in its slot of s_run_t.sent.
typedef struct {
    uint64_t id;
    size_t n;
} s_request_t;

//  "<device id> <sequence>\n": an id, a space, 20 digits, a newline.
#define S_ACKED_LINE_MAX (INGEST_DEVICE_ID_MAX + 22)

typedef struct {
    const sim_devices_config_t *cfg;
    sim_devices_result_t *result;
    sim_device_t *devices;
    gsl_rng *rng;
    ingest_gateway_t *gateway;
    uint8_t *frames;                    //  batch x SIM_FRAME_CAP
    const uint8_t **ptrs;
    size_t *lens;
    uint8_t *reasons;                   //  INGEST_BATCH_MAX
    long total;                         //  good readings due in all
    long next_device;
    uint64_t next_id;                   //  of the next request
    long inflight;                      //  requests sent, not yet answered
    int64_t started;                    //  zclock_mono () at the start (0: not yet)
    int64_t last_answer;                //  zclock_mono () of the last answer
    uint8_t last [SIM_FRAME_CAP];       //  the last good frame (to replay)
    size_t last_len;
    s_sent_t last_sent;                 //  and its identity
    //  With an acked log: the requests in flight (window slots) and the
    //  frames of each (batch per slot), and one answer's lines.
    int acked_fd;                       //  -1: no acked log
    s_request_t *requests;
    s_sent_t *sent;
    char *lines;
} s_run_t;

//  Is an injection of kind k due? The K of each kind are spread evenly
//  over the run's good readings; a replay needs a reading sent.
static bool
s_due (const s_run_t *r, int k)
{
    long injected = r->result->injected [k], wanted = r->cfg->inject [k];
    if (injected >= wanted || (k == SIM_INJECT_REPLAY && !r->last_len))
        return false;
    //  (injected + 1) * (total + 1) < 2^20 * 2^41: no overflow.
    return r->result->readings == r->total
        || (injected + 1) * (r->total + 1) / (wanted + 1) <= r->result->readings;
}

static bool
s_more (const s_run_t *r)
{
    bool more = r->result->readings < r->total;
    for (int k = 0; k < SIM_INJECT_COUNT; k++)
        more |= r->result->injected [k] < r->cfg->inject [k];
    return more;
}

//  Writes the next frame due into out: an injection, else a good reading
//  if fewer than `due` were sent. Sets *len (0: nothing due) and *sent,
//  its identity. Returns 0 or -1.
static int
s_next_frame (s_run_t *r, long due, uint8_t *out, size_t *len, s_sent_t *sent)
{
    sim_device_t *d = &r->devices [r->next_device];
    int64_t wall = zclock_time ();
    *len = 0;
    if (s_due (r, SIM_INJECT_REPLAY)) {
        memcpy (out, r->last, r->last_len);
        *len = r->last_len;
        *sent = r->last_sent;
        r->result->injected [SIM_INJECT_REPLAY]++;
        return 0;
    }
    int k = s_due (r, SIM_INJECT_BAD_TAG)? SIM_INJECT_BAD_TAG
          : s_due (r, SIM_INJECT_BAD_FHIR)? SIM_INJECT_BAD_FHIR: -1;
    if (k < 0 && r->result->readings >= due)
        return 0;
    if (sim_device_seal (out, SIM_FRAME_CAP, len, d, r->rng, wall, k == SIM_INJECT_BAD_FHIR))
        return -1;
    *sent = (s_sent_t) { r->next_device, d->sequence };
    r->next_device = (r->next_device + 1) % r->cfg->devices;
    if (k == SIM_INJECT_BAD_TAG)
        out [*len - 1] ^= 0x5a;         //  the tag is the frame's last bytes
    if (k >= 0)
        r->result->injected [k]++;
    else {
        memcpy (r->last, out, *len);
        r->last_len = *len;
        r->last_sent = *sent;
        r->result->readings++;
    }
    return 0;
}

//  The slot of the request in flight with this id (0: a free slot), or
//  -1 if there is none (only with an acked log).
static long
s_slot (const s_run_t *r, uint64_t id)
{
    for (long k = 0; k < r->cfg->window; k++)
        if (r->requests [k].id == id)
            return k;
    return -1;
}

//  Sends requests of what is due while the window allows. Returns 0 or -1.
static int
s_send (s_run_t *r, long due)
{
    while (r->inflight < r->cfg->window) {
        //  Fewer than `window` requests are in flight: a slot is free.
        long slot = r->requests? s_slot (r, 0): -1;
        s_sent_t scratch, *sent = slot >= 0? r->sent + slot * r->cfg->batch: NULL;
        size_t n = 0, len = 0;
        while ((long) n < r->cfg->batch) {
            uint8_t *out = r->frames + n * SIM_FRAME_CAP;
            if (s_next_frame (r, due, out, &len, sent? &sent [n]: &scratch))
                return -1;
            if (!len)
                break;
            r->ptrs [n] = out;
            r->lens [n++] = len;
        }
        if (n == 0)
            return 0;
        if (slot >= 0)
            r->requests [slot] = (s_request_t) { r->next_id, n };
        if (ingest_gateway_send (r->gateway, r->next_id++, r->ptrs, r->lens, n)) {
            //  A site that answered before and now takes nothing has
            //  stopped: what it did not answer was not acknowledged.
            if (r->result->answered > 0)
                util_error_context ("%s stopped taking requests, %ld frames sent are not "
                                    "acknowledged (send them again)", r->cfg->endpoint,
                                    r->result->frames_sent - r->result->answered);
            return -1;
        }
        r->inflight++;
        r->result->frames_sent += (long) n;
    }
    return 0;
}

//  Appends the frames of request `id` that the site accepted (its n
//  answers in reasons) to the acked log and syncs it, then frees the
//  request's slot. Returns 0, or -1 if the answer matches no request in
//  flight (its id or its number of frames) or the log cannot be written.
static int
s_acked (s_run_t *r, uint64_t id, const uint8_t *reasons, size_t n)
{
    long slot = id? s_slot (r, id): -1;
    if (slot < 0 || r->requests [slot].n != n)
        return util_error (UTIL_EINPUT, "%s answered request %llu with %zu reasons, which "
                           "matches no request in flight", r->cfg->endpoint,
                           (unsigned long long) id, n);
    const s_sent_t *sent = r->sent + slot * r->cfg->batch;
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        if (reasons [i] == INGEST_OK)
            //  At most S_ACKED_LINE_MAX bytes a line, batch lines: it fits.
            len += (size_t) snprintf (r->lines + len, S_ACKED_LINE_MAX + 1, "%s %llu\n",
                                      r->devices [sent [i].device].id,
                                      (unsigned long long) sent [i].sequence);
    r->requests [slot].id = 0;
    for (size_t at = 0; at < len; ) {
        ssize_t w = write (r->acked_fd, r->lines + at, len - at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return util_error (UTIL_EIO, "acked log '%s': write: %s", r->cfg->acked_log,
                               w? strerror (errno): "nothing written");
        at += (size_t) w;
    }
    //  Synced before the next answer is read: a line on disk is an
    //  acknowledgement received, whenever this process stops.
    if (len && fsync (r->acked_fd))
        return util_error (UTIL_EIO, "acked log '%s': fsync: %s", r->cfg->acked_log,
                           strerror (errno));
    return 0;
}

//  Takes one answer if it comes within 20 ms and counts its reasons.
//  Returns 0, or -1 when the site has been silent for the timeout or the
//  process was interrupted.
static int
s_collect (s_run_t *r)
{
    uint64_t id;
    size_t n;
    if (ingest_gateway_recv (r->gateway, 20, &id, r->reasons, INGEST_BATCH_MAX, &n) == 0) {
        if (r->acked_fd >= 0 && s_acked (r, id, r->reasons, n))
            return -1;
        for (size_t i = 0; i < n; i++)
            if (r->reasons [i] < INGEST_REASON_COUNT)
                r->result->answers [r->reasons [i]]++;
            else
                r->result->not_committed++;
        r->result->answered += (long) n;
        r->inflight--;
        r->last_answer = zclock_mono ();
        return 0;
    }
    if (zsys_interrupted)
        return util_error (UTIL_EFAIL, "interrupted: %ld frames sent are not acknowledged (send "
                           "them again)", r->result->frames_sent - r->result->answered);
    if (zclock_mono () - r->last_answer <= r->cfg->timeout_ms)
        return 0;
    //  A site that answered before and then fell silent has stopped (or
    //  its connection has): what it did not answer was not acknowledged.
    if (r->result->answered > 0)
        return util_error (UTIL_EIO, "%s stopped answering: no answer for %ld ms, %ld frames "
                           "sent are not acknowledged (send them again)", r->cfg->endpoint,
                           r->cfg->timeout_ms, r->result->frames_sent - r->result->answered);
    return util_error (UTIL_EIO, "no answer from %s within %ld ms (is this gateway's "
                       "certificate in the site's allowlist, and the site's certificate "
                       "the right one?)", r->cfg->endpoint, r->cfg->timeout_ms);
}

int
sim_devices_run (const sim_devices_config_t *cfg, sim_devices_result_t *result)
{
    memset (result, 0, sizeof *result);
    if (sim_devices_check (cfg))
        return -1;
    model_init ();                      //  GSL reports, never aborts
    zsys_init ();
    s_run_t r = { .cfg = cfg, .result = result, .next_id = 1, .acked_fd = -1 };
    r.total = lround ((double) cfg->devices * cfg->rate * cfg->duration);
    int rc = -1;
    if (!(r.devices = sim_devices_load (cfg->provision_dir, (size_t) cfg->devices)))
        goto done;
    r.rng = gsl_rng_alloc (gsl_rng_mt19937);
    r.frames = util_calloc ((size_t) cfg->batch, SIM_FRAME_CAP);
    r.ptrs = util_calloc ((size_t) cfg->batch, sizeof *r.ptrs);
    r.lens = util_calloc ((size_t) cfg->batch, sizeof *r.lens);
    r.reasons = util_malloc (INGEST_BATCH_MAX);
    if (!r.rng || !r.frames || !r.ptrs || !r.lens || !r.reasons) {
        if (!r.rng)
            util_error (UTIL_ENOMEM, "out of memory");
        goto done;
    }
    if (cfg->acked_log) {
        //  window x batch identities: both are capped (sim_devices_check).
        r.requests = util_calloc ((size_t) cfg->window, sizeof *r.requests);
        r.sent = util_calloc ((size_t) cfg->window * (size_t) cfg->batch, sizeof *r.sent);
        r.lines = util_malloc ((size_t) cfg->batch * S_ACKED_LINE_MAX + 1);
        if (!r.requests || !r.sent || !r.lines)
            goto done;
        r.acked_fd = open (cfg->acked_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (r.acked_fd < 0) {
            util_error (UTIL_EIO, "acked log '%s': %s", cfg->acked_log, strerror (errno));
            goto done;
        }
    }
    gsl_rng_set (r.rng, (unsigned long) cfg->seed);
    uint64_t start = (uint64_t) zclock_time () * 1000;
    for (long i = 0; i < cfg->devices; i++)
        r.devices [i].sequence = start;
    if (!(r.gateway = ingest_gateway_new (cfg->endpoint, cfg->gateway_cert, cfg->site_cert)))
        goto done;
    //  A send waits no longer than an answer would: a site gone mid-run is
    //  noticed within the timeout either way.
    ingest_gateway_set_send_timeout (r.gateway, cfg->timeout_ms < INGEST_GATEWAY_SEND_TIMEOUT_MS
                                                ? (int) cfg->timeout_ms
                                                : INGEST_GATEWAY_SEND_TIMEOUT_MS);
    r.started = r.last_answer = zclock_mono ();
    while (s_more (&r) || r.inflight > 0) {
        //  Readings fall due at the configured rate since the start.
        long due = (long) ((double) (zclock_mono () - r.started) / 1000.0
                           * (double) cfg->devices * cfg->rate);
        if (s_send (&r, due < r.total? due: r.total))
            goto done;
        if (r.inflight == 0)
            zclock_sleep (5);           //  nothing in flight: wait for the schedule
        else
        if (s_collect (&r))
            goto done;
    }
    rc = 0;
done:
    if (r.started)
        result->seconds = (double) (zclock_mono () - r.started) / 1000.0;
    ingest_gateway_destroy (&r.gateway);
    sim_devices_destroy (&r.devices, (size_t) cfg->devices);
    if (r.rng)
        gsl_rng_free (r.rng);
    free (r.frames);
    free (r.ptrs);
    free (r.lens);
    free (r.reasons);
    free (r.requests);
    free (r.sent);
    free (r.lines);
    if (r.acked_fd >= 0 && close (r.acked_fd) && rc == 0)
        rc = util_error (UTIL_EIO, "acked log '%s': close: %s", cfg->acked_log,
                         strerror (errno));
    util_cleanse (r.last, sizeof r.last);
    return rc;
}
