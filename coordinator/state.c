/*  coordinator/state.c - round bookkeeping and message verdicts. */
#include "state.h"

#include <stdio.h>
#include <string.h>

void
coord_state_enter (coord_state_t *self, const char *study_id, uint32_t round,
                   coord_phase_t phase, coord_set_t participants, int64_t deadline)
{
    if (self->phase == COORD_PHASE_DECRYPT) {
        memcpy (self->spare_study, self->study_id, sizeof self->spare_study);
        self->spare_round = self->round;
        self->spare = coord_set_minus (self->participants, self->answered);
    }
    snprintf (self->study_id, sizeof self->study_id, "%s", study_id);
    self->round = round;
    self->phase = phase;
    self->participants = participants;
    self->answered = (coord_set_t) { { 0 } };
    self->deadline = deadline;
}

coord_verdict_t
coord_state_check (const coord_state_t *self, const char *study_id, uint32_t round,
                   coord_phase_t phase, unsigned slot)
{
    if (phase == COORD_PHASE_DECRYPT && coord_set_has (self->spare, slot)
    &&  round == self->spare_round && !strcmp (study_id, self->spare_study))
        return COORD_SPARE;
    if (self->phase == COORD_PHASE_IDLE || strcmp (study_id, self->study_id))
        return COORD_REJECT_STUDY;
    if (!coord_set_has (self->participants, slot))
        return COORD_REJECT_STRANGER;
    if (round < self->round)
        return COORD_REJECT_LATE;
    if (round > self->round)
        return COORD_REJECT_FUTURE;
    if (phase != self->phase)
        return COORD_REJECT_PHASE;
    if (coord_set_has (self->answered, slot))
        return COORD_REJECT_DUPLICATE;
    return COORD_OK;
}

void
coord_state_extend (coord_state_t *self, coord_set_t more)
{
    self->participants = coord_set_or (self->participants, more);
}

void
coord_state_drop_spare (coord_state_t *self, unsigned slot)
{
    coord_set_del (&self->spare, slot);
}

coord_set_t
coord_state_pick (coord_set_t from, unsigned count, unsigned start, unsigned n)
{
    coord_set_t mask = { { 0 } };
    if (n > COORD_SLOTS)
        n = COORD_SLOTS;
    for (unsigned k = 0; k < n && count; k++) {
        unsigned i = (start + k) % n;
        if (coord_set_has (from, i)) {
            coord_set_add (&mask, i);
            count--;
        }
    }
    return mask;
}

coord_set_t
coord_state_more (const coord_state_t *self, coord_set_t contributors, unsigned valid,
                  unsigned need, unsigned n)
{
    unsigned waiting = coord_set_count (coord_set_minus (self->participants, self->answered));
    if (valid + waiting >= need)
        return (coord_set_t) { { 0 } };
    return coord_state_pick (coord_set_minus (contributors, self->participants),
                             need - valid - waiting,
                             n? self->round % n: 0, n);
}

void
coord_state_mark (coord_state_t *self, unsigned slot)
{
    coord_set_add (&self->answered, slot);
}

bool
coord_state_complete (const coord_state_t *self)
{
    return coord_set_empty (coord_set_minus (self->participants, self->answered));
}

unsigned
coord_state_answers (const coord_state_t *self)
{
    return coord_set_count (self->answered);
}

const char *
coord_verdict_text (coord_verdict_t verdict, const coord_state_t *self, uint32_t round,
                    char *buf, size_t size)
{
    switch (verdict) {
        case COORD_OK:
            snprintf (buf, size, "accepted");
            break;
        case COORD_REJECT_STUDY:
            snprintf (buf, size, "wrong study: not the study in progress");
            break;
        case COORD_REJECT_STRANGER:
            snprintf (buf, size, "not a participant of this study or phase");
            break;
        case COORD_REJECT_LATE:
            snprintf (buf, size, "late: round %u is over (current round %u)", round, self->round);
            break;
        case COORD_REJECT_FUTURE:
            snprintf (buf, size, "wrong round: round %u has not started (current round %u)",
                      round, self->round);
            break;
        case COORD_REJECT_PHASE:
            snprintf (buf, size, "late: round %u is past that phase", round);
            break;
        case COORD_REJECT_DUPLICATE:
            snprintf (buf, size, "duplicate: already received for round %u", round);
            break;
        case COORD_SPARE:
            snprintf (buf, size, "not needed: round %u was decrypted without it", round);
            break;
    }
    return buf;
}
