/*  ingest/replay.c - RFC 4303 Appendix A sliding anti-replay window. */
#include "replay.h"
#include "ingest_internal.h"

void
ingest_replay_init (ingest_replay_t *self)
{
    self->top = 0;
    self->bitmap = 0;
    self->started = false;
}

void
ingest_replay_restore (ingest_replay_t *self, uint64_t floor)
{
    self->top = floor;
    self->bitmap = ~(uint64_t) 0;
    self->started = true;
}

ingest_reason_t
ingest_replay_check (const ingest_replay_t *self, uint64_t sequence)
{
    if (!self->started || sequence > self->top)
        return INGEST_OK;
    uint64_t behind = self->top - sequence;
    if (behind >= INGEST_REPLAY_WINDOW)
        return ingest_reject (INGEST_REPLAY, "sequence %llu is older than the window (highest %llu)",
                              (unsigned long long) sequence, (unsigned long long) self->top);
    if (self->bitmap & ((uint64_t) 1 << behind))
        return ingest_reject (INGEST_REPLAY, "sequence %llu was already accepted",
                              (unsigned long long) sequence);
    return INGEST_OK;
}

int
ingest_replay_update (ingest_replay_t *self, uint64_t sequence)
{
    if (ingest_replay_check (self, sequence) != INGEST_OK)
        return -1;
    if (!self->started || sequence > self->top) {
        uint64_t shift = self->started? sequence - self->top: INGEST_REPLAY_WINDOW;
        //  A shift of 64 or more empties the window (and << 64 is undefined).
        self->bitmap = shift >= INGEST_REPLAY_WINDOW? 0: self->bitmap << shift;
        self->bitmap |= 1;
        self->top = sequence;
        self->started = true;
    }
    else
        self->bitmap |= (uint64_t) 1 << (self->top - sequence);
    return 0;
}
