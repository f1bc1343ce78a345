/*  ingest/alerts.h - anomaly detection at a site's ingest endpoint: spikes
    of rejected frames per device (issue 14).

    The endpoint (ingest/endpoint.c) hands over each group of decided
    frames. A rejected frame is counted against the device its header
    names (bad tags, replays, an unknown or revoked device, bad FHIR, a
    unit or subject mismatch); a frame that does not parse (malformed, too
    large) names no device and is counted as device "(unparsed)". When one
    device has `rejects` rejections within `window_s` seconds the site's
    audit log gets one entry

        kind "alert.ingest_rejects", actor "device:<id>",
        detail {"device", "rejections" (within the window), "window_s",
                "by_reason": {"bad_tag": n, ...}, "by_reason_since_ms",
                "last_reason"}

    where by_reason counts the device's rejections since its previous
    alert (or since it was first seen), from by_reason_since_ms

    at most once a window per device (util/burst.h). A healthy device whose
    frame is now and then late or duplicated (a gateway's resend) stays far
    below the threshold.

    Config: site.cfg, an optional `alerts` section inside `site`:

        alerts
            ingest_rejects = 20         1..100000
            ingest_window_s = 60        1..86400

    Contents
        INGEST_ALERTS_REJECTS, INGEST_ALERTS_WINDOW_S   the defaults
        ingest_alerts_t         the detector
        ingest_alerts_new       thresholds and the audit log (borrowed)
        ingest_alerts_destroy   frees
        ingest_alerts_frames    one group of decided frames

    The detector is the caller's (ingest_alerts_destroy, NULL-safe); the
    audit log is borrowed and must outlive it. At most
    INGEST_ALERTS_DEVICES devices are tracked (the idlest forgotten first).
    An alert that cannot be written is reported on stderr: ingest goes on.
*/
#ifndef INGEST_ALERTS_H
#define INGEST_ALERTS_H

#include "ingest.h"
#include "audit/log.h"

#include <stddef.h>
#include <stdint.h>

#define INGEST_ALERTS_REJECTS 20
#define INGEST_ALERTS_WINDOW_S 60
#define INGEST_ALERTS_DEVICES 4096

typedef struct _ingest_alerts_t ingest_alerts_t;

/*  A detector raising an alert at `rejects` (1..100000) rejections of one
    device within `window_s` (1..86400) seconds, into `audit` (borrowed;
    NULL: alerts go to the log only). NULL with the reason (UTIL_EINPUT for
    a value out of range, UTIL_ENOMEM). */
ingest_alerts_t *ingest_alerts_new (unsigned rejects, unsigned window_s, audit_log_t *audit);

void ingest_alerts_destroy (ingest_alerts_t **self_p);

/*  Counts the rejections among n frames (frames[i], lens[i] bytes, decided
    reasons[i]; a reason past INGEST_REASON_COUNT, such as the endpoint's
    "send again", decided nothing and is skipped) at now_ms. Returns the
    alerts raised. */
size_t ingest_alerts_frames (ingest_alerts_t *self, int64_t now_ms,
                             const uint8_t *const *frames, const size_t *lens,
                             const ingest_reason_t *reasons, size_t n);

#endif
