/*  site/replay.c - RFC 4303 Appendix A sliding anti-replay window. */
#include "replay.h"
#include "site_internal.h"

void
site_replay_init (site_replay_t *self)
{
    self->top = 0;
    self->bitmap = 0;
    self->started = false;
}

void
site_replay_restore (site_replay_t *self, uint64_t floor)
{
    self->top = floor;
    self->bitmap = ~(uint64_t) 0;
    self->started = true;
}

site_reason_t
site_replay_check (const site_replay_t *self, uint64_t sequence)
{
    if (!self->started || sequence > self->top)
        return SITE_OK;
    uint64_t behind = self->top - sequence;
    if (behind >= SITE_REPLAY_WINDOW)
        return site_reject (SITE_REPLAY, "sequence %llu is older than the window (highest %llu)",
                            (unsigned long long) sequence, (unsigned long long) self->top);
    if (self->bitmap & ((uint64_t) 1 << behind))
        return site_reject (SITE_REPLAY, "sequence %llu was already accepted",
                            (unsigned long long) sequence);
    return SITE_OK;
}

int
site_replay_update (site_replay_t *self, uint64_t sequence)
{
    if (site_replay_check (self, sequence) != SITE_OK)
        return -1;
    if (!self->started || sequence > self->top) {
        uint64_t shift = self->started? sequence - self->top: SITE_REPLAY_WINDOW;
        //  A shift of 64 or more empties the window (and << 64 is undefined).
        self->bitmap = shift >= SITE_REPLAY_WINDOW? 0: self->bitmap << shift;
        self->bitmap |= 1;
        self->top = sequence;
        self->started = true;
    }
    else
        self->bitmap |= (uint64_t) 1 << (self->top - sequence);
    return 0;
}
