/*  ingest/replay.h - the per-device anti-replay window (RFC 4303 s.3.4.3 and
    Appendix A: a 64-entry sliding bitmap below the highest sequence number
    seen).

    Check before the tag is verified, update only after it verified, so a
    forged frame can never move the window. A sequence number is accepted
    once: if it is above the highest seen, or within the 64 below it and not
    seen yet. Anything older than the window is a replay.

    Contents
        ingest_replay_t         one device's window (a plain value)
        ingest_replay_init      a window that has seen nothing
        ingest_replay_restore   a window from a persisted high-water mark
        ingest_replay_check     may a sequence number be accepted?
        ingest_replay_update    records one as accepted

    A refusal leaves its reason in the error slot (util/error.h).
*/
#ifndef INGEST_REPLAY_H
#define INGEST_REPLAY_H

#include "ingest.h"

#include <stdbool.h>

#define INGEST_REPLAY_WINDOW 64

typedef struct {
    uint64_t top;           //  highest sequence number accepted
    uint64_t bitmap;        //  bit i: top - i was accepted
    bool started;           //  false until the first accepted number
} ingest_replay_t;

/*  A window that has seen nothing: every sequence number is acceptable. */
void ingest_replay_init (ingest_replay_t *self);

/*  A window that treats every sequence number <= floor as seen: used after
    a restart with the persisted high-water mark, so that no number accepted
    before the restart can be accepted again. */
void ingest_replay_restore (ingest_replay_t *self, uint64_t floor);

/*  INGEST_OK if `sequence` may be accepted, INGEST_REPLAY (with the detail in
    util_last_error ()) if it was seen or is older than the window. Does not
    change the window. */
ingest_reason_t ingest_replay_check (const ingest_replay_t *self, uint64_t sequence) INGEST_WUR;

/*  Records `sequence` as accepted (call after its tag verified and only if
    ingest_replay_check allowed it). Returns 0, or -1 if it was not allowed
    (the window is then unchanged). */
int ingest_replay_update (ingest_replay_t *self, uint64_t sequence) INGEST_WUR;

#endif
