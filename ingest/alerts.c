/*  ingest/alerts.c - rejection spikes per device at the ingest endpoint. */
#include "alerts.h"
#include "frame.h"
#include "util/alloc.h"
#include "util/burst.h"
#include "util/error.h"

#include <czmq.h>
#include <jansson.h>
#include <string.h>

#define S_UNPARSED "(unparsed)"

//  A device's rejections by reason since its last alert (or since it was
//  first seen), for the alert's figures: the burst table decides, this
//  only tells what they were.
typedef struct {
    int64_t since;
    uint32_t by_reason [INGEST_REASON_COUNT];
} s_tally_t;

struct _ingest_alerts_t {
    util_burst_t *burst;
    zhashx_t *tallies;                  //  device -> s_tally_t
    int64_t window_ms;
    unsigned rejects;
    audit_log_t *audit;
};

static void
s_tally_free (void **item)
{
    free (*item);
    *item = NULL;
}

ingest_alerts_t *
ingest_alerts_new (unsigned rejects, unsigned window_s, audit_log_t *audit)
{
    if (rejects < 1 || rejects > 100000 || window_s < 1 || window_s > 86400)
        return util_error_null (UTIL_EINPUT, "ingest alerts: ingest_rejects %u (1..100000) or "
                                "ingest_window_s %u (1..86400) out of range", rejects, window_s);
    ingest_alerts_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return util_error_null (UTIL_ENOMEM, "ingest alerts: out of memory");
    self->window_ms = (int64_t) window_s * 1000;
    self->rejects = rejects;
    self->audit = audit;
    self->burst = util_burst_new (rejects, self->window_ms, INGEST_ALERTS_DEVICES);
    self->tallies = self->burst? zhashx_new (): NULL;
    if (!self->tallies) {
        ingest_alerts_destroy (&self);
        return util_error_null (UTIL_ENOMEM, "ingest alerts: out of memory");
    }
    zhashx_set_destructor (self->tallies, s_tally_free);
    return self;
}

void
ingest_alerts_destroy (ingest_alerts_t **self_p)
{
    if (self_p && *self_p) {
        util_burst_destroy (&(*self_p)->burst);
        zhashx_destroy (&(*self_p)->tallies);
        free (*self_p);
        *self_p = NULL;
    }
}

//  The device's tally; NULL out of memory. Bounded with the burst table: when that one is full, so is
//  this, and the oldest tally goes.
static s_tally_t *
s_tally (ingest_alerts_t *self, const char *device, int64_t now_ms)
{
    s_tally_t *t = zhashx_lookup (self->tallies, device);
    if (!t) {
        if (zhashx_size (self->tallies) >= INGEST_ALERTS_DEVICES) {
            const char *oldest = NULL;
            int64_t at = INT64_MAX;
            for (s_tally_t *x = zhashx_first (self->tallies); x; x = zhashx_next (self->tallies))
                if (x->since < at) {
                    at = x->since;
                    oldest = zhashx_cursor (self->tallies);
                }
            char gone [INGEST_DEVICE_ID_MAX + 16];
            snprintf (gone, sizeof gone, "%s", oldest);
            zhashx_delete (self->tallies, gone);
        }
        if (!(t = util_calloc (1, sizeof *t)))
            return NULL;
        t->since = now_ms;
        zhashx_insert (self->tallies, device, t);
    }
    return t;
}

static void
s_alert (ingest_alerts_t *self, const char *device, unsigned count, s_tally_t *t,
         ingest_reason_t last, int64_t now_ms)
{
    json_t *by = json_object ();
    for (int r = 1; by && r < INGEST_REASON_COUNT; r++)
        if (t && t->by_reason [r]
        &&  json_object_set_new (by, ingest_reason_name ((ingest_reason_t) r),
                                 json_integer (t->by_reason [r]))) {
            json_decref (by);
            by = NULL;
        }
    json_t *detail = by? json_pack ("{s:s, s:i, s:i, s:o, s:s, s:I}", "device", device,
                                    "rejections", (int) count,
                                    "window_s", (int) (self->window_ms / 1000), "by_reason", by,
                                    "last_reason", ingest_reason_name (last),
                                    "by_reason_since_ms", (json_int_t) (t? t->since: now_ms))
                       : NULL;
    if (t) {
        memset (t, 0, sizeof *t);
        t->since = now_ms;
    }
    char *text = detail? json_dumps (detail, JSON_COMPACT | JSON_SORT_KEYS): NULL;
    json_decref (detail);
    char actor [INGEST_DEVICE_ID_MAX + 16];
    snprintf (actor, sizeof actor, "device:%s", device);
    zsys_warning ("ingest: alert.ingest_rejects %s %s", actor, text? text: "(out of memory)");
    audit_entry_t entry = { 0, "alert.ingest_rejects", actor, text? text: "{}" };
    if (self->audit && audit_log_append (self->audit, &entry, NULL))
        fprintf (stderr, "ingest: audit log: the alert for %s is not written: %s\n", actor,
                 util_last_error ());
    free (text);
}

size_t
ingest_alerts_frames (ingest_alerts_t *self, int64_t now_ms, const uint8_t *const *frames,
                      const size_t *lens, const ingest_reason_t *reasons, size_t n)
{
    size_t raised = 0;
    for (size_t i = 0; i < n; i++) {
        ingest_reason_t r = reasons [i];
        if (r == INGEST_OK || (unsigned) r >= INGEST_REASON_COUNT)
            continue;
        //  The header names the device even when the tag fails: the
        //  header is parsed again here (no key, no decryption).
        ingest_frame_t frame;
        const char *device = ingest_frame_parse (&frame, frames [i], lens [i]) == INGEST_OK
                           ? frame.header.device_id: S_UNPARSED;
        s_tally_t *t = s_tally (self, device, now_ms);
        if (t)
            t->by_reason [r]++;
        unsigned count = 0;
        int burst = util_burst_event (self->burst, device, now_ms, &count);
        if (burst < 0)
            fprintf (stderr, "ingest: alerts: %s\n", util_last_error ());
        if (burst == 1) {
            s_alert (self, device, count, t, r, now_ms);
            raised++;
        }
    }
    return raised;
}
