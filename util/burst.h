/*  util/burst.h - counting bursts of events per subject in a sliding
    window: "threshold events within window_ms" for a key, an address, a
    site or a device. The anomaly detectors of the coordinator
    (coordinator/alerts.h) and of a site's ingest (ingest/alerts.h) are
    built on it.

    Each subject keeps the times of its last `threshold` events (a ring),
    so a burst is exactly "the oldest of the last threshold events is
    within the window". A subject is flagged at most once per window: after
    a burst is reported, the next one is reported only when another full
    window has passed, so a sustained attack makes one alert a window, not
    one per event. At most `max_subjects` subjects are tracked: when a new
    one comes and the table is full, the subject whose last event is oldest
    is forgotten (an attacker who sprays fresh subjects only evicts idle
    ones, and memory stays bounded).

    Times are the caller's (ms, any monotonic or wall clock), so tests feed
    their own. Subject names are copied (at most UTIL_BURST_SUBJECT_MAX
    bytes; a longer one is cut).

    Contents
        util_burst_t            the table
        util_burst_new          threshold, window and the most subjects
        util_burst_destroy      frees it
        util_burst_event        one event: is it a burst to report?
        util_burst_size         subjects tracked

    The table is the caller's (util_burst_destroy, NULL-safe). Errors are
    NULL / -1 with the reason in the error slot (util/error.h).
*/
#ifndef UTIL_BURST_H
#define UTIL_BURST_H

#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

#define UTIL_BURST_SUBJECT_MAX  128     //  bytes of a subject name kept
#define UTIL_BURST_THRESHOLD_MAX 100000 //  events a subject remembers
#define UTIL_BURST_SUBJECTS_MAX 100000

typedef struct _util_burst_t util_burst_t;

/*  A table reporting `threshold` (1..UTIL_BURST_THRESHOLD_MAX) events of
    one subject within `window_ms` (> 0), tracking at most `max_subjects`
    (1..UTIL_BURST_SUBJECTS_MAX). NULL with UTIL_EINPUT for a value out of
    range, or UTIL_ENOMEM. */
util_burst_t *util_burst_new (unsigned threshold, int64_t window_ms, size_t max_subjects);

/*  Frees the table, sets *self_p NULL. NULL-safe. */
void util_burst_destroy (util_burst_t **self_p);

/*  Records one event of `subject` at `now_ms`. Returns 1 when this event
    completes a burst (threshold events within the window) and the subject
    was not flagged within the last window: the caller reports it. 0
    otherwise, and -1 (UTIL_ENOMEM) when a new subject cannot be kept.
    *in_window (may be NULL) gets the subject's events within the window,
    at most threshold. An event older than the subject's last is taken as
    happening at its last (clocks that step back do not hide a burst). */
int util_burst_event (util_burst_t *self, const char *subject, int64_t now_ms,
                      unsigned *in_window) UTIL_WUR;

/*  Subjects tracked now. */
size_t util_burst_size (const util_burst_t *self);

#endif
