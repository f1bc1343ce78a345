/*  coordinator/state.h - the round state machine's bookkeeping: which
    study and round is current, which phase it is in (offer -> collect ->
    decrypt, per round), who takes part and who has answered.

    coord_state_check() decides, from the (study id, round id) every
    envelope carries, whether a site's message belongs to the current phase:
    a message for another study, an earlier round (late), a later round, the
    wrong phase (an update after the collect deadline), from a site that is
    not taking part, or a second answer from the same site (duplicate) is
    rejected with its reason.

    Contents
        coord_set_t             a set of site slots (coord_set_*)
        coord_phase_t           idle, offer, collect, decrypt
        coord_verdict_t         a message's verdict
        coord_state_t           the current study, round, phase, sites
        coord_state_enter       starts a phase
        coord_state_check       the verdict on a message
        coord_state_extend      adds participants to the phase
        coord_state_mark        records an answer
        coord_state_complete    has every participant answered?
        coord_state_answers     answers so far
        coord_state_pick        up to `count` slots, round robin
        coord_state_more        which contributors to ask for partials next
        coord_state_drop_spare  forgets a spare partial
        coord_verdict_text      a verdict as one line

    Plain values: nothing allocates and nothing can fail.
*/
#ifndef COORD_STATE_H
#define COORD_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COORD_SLOTS 256             //  sites a coordinator tracks (docs/scale.md)
#define COORD_SET_WORDS (COORD_SLOTS / 64)

//  A set of site slots: a plain value, copied freely.
typedef struct {
    uint64_t w [COORD_SET_WORDS];
} coord_set_t;

static inline bool
coord_set_has (coord_set_t s, unsigned slot)
{
    return slot < COORD_SLOTS && (s.w [slot / 64] >> (slot % 64) & 1);
}

static inline void
coord_set_add (coord_set_t *s, unsigned slot)
{
    if (slot < COORD_SLOTS)
        s->w [slot / 64] |= (uint64_t) 1 << (slot % 64);
}

static inline void
coord_set_del (coord_set_t *s, unsigned slot)
{
    if (slot < COORD_SLOTS)
        s->w [slot / 64] &= ~((uint64_t) 1 << (slot % 64));
}

static inline coord_set_t
coord_set_and (coord_set_t a, coord_set_t b)
{
    for (unsigned k = 0; k < COORD_SET_WORDS; k++)
        a.w [k] &= b.w [k];
    return a;
}

//  a without b.
static inline coord_set_t
coord_set_minus (coord_set_t a, coord_set_t b)
{
    for (unsigned k = 0; k < COORD_SET_WORDS; k++)
        a.w [k] &= ~b.w [k];
    return a;
}

static inline coord_set_t
coord_set_or (coord_set_t a, coord_set_t b)
{
    for (unsigned k = 0; k < COORD_SET_WORDS; k++)
        a.w [k] |= b.w [k];
    return a;
}

static inline unsigned
coord_set_count (coord_set_t s)
{
    unsigned n = 0;
    for (unsigned k = 0; k < COORD_SET_WORDS; k++)
        n += (unsigned) __builtin_popcountll (s.w [k]);
    return n;
}

static inline bool
coord_set_empty (coord_set_t s)
{
    return coord_set_count (s) == 0;
}

//  Slots 0 .. n-1.
static inline coord_set_t
coord_set_first (unsigned n)
{
    coord_set_t s = { { 0 } };
    for (unsigned i = 0; i < n && i < COORD_SLOTS; i++)
        coord_set_add (&s, i);
    return s;
}

typedef enum {
    COORD_PHASE_IDLE,
    COORD_PHASE_OFFER,              //  waiting for accept / decline
    COORD_PHASE_COLLECT,            //  waiting for updates
    COORD_PHASE_DECRYPT             //  waiting for partial decryptions
} coord_phase_t;

typedef enum {
    COORD_OK,
    COORD_REJECT_STUDY,
    COORD_REJECT_STRANGER,
    COORD_REJECT_LATE,
    COORD_REJECT_FUTURE,
    COORD_REJECT_PHASE,
    COORD_REJECT_DUPLICATE,
    COORD_SPARE                     //  a partial asked for but no longer needed: drop quietly
} coord_verdict_t;

typedef struct {
    char study_id [65];
    uint32_t round;                 //  0 while offering
    coord_phase_t phase;
    coord_set_t participants;
    coord_set_t answered;
    int64_t deadline;               //  zclock_mono() milliseconds
    char spare_study [65];          //  the last decrypt phase left, and the sites
    uint32_t spare_round;           //  asked in it that had not answered
    coord_set_t spare;
} coord_state_t;

/*  Starts a phase: study, round, who takes part, the deadline. Clears the
    answers; the state must be zeroed before its first phase. Leaving a
    decrypt phase remembers who was asked and did not answer: their
    partials for that round get COORD_SPARE. */
void coord_state_enter (coord_state_t *self, const char *study_id, uint32_t round,
                        coord_phase_t phase, coord_set_t participants, int64_t deadline);

/*  The verdict on a message of phase `phase` from site `slot`. */
coord_verdict_t coord_state_check (const coord_state_t *self, const char *study_id,
                                   uint32_t round, coord_phase_t phase, unsigned slot);

/*  Adds participants to the current phase (a decryption request sent to
    more sites); answers so far are kept. */
void coord_state_extend (coord_state_t *self, coord_set_t more);

/*  Forgets slot's spare partial (it arrived). */
void coord_state_drop_spare (coord_state_t *self, unsigned slot);

/*  Up to `count` slots of `from`, in slot order from `start` round the n
    slots. */
coord_set_t coord_state_pick (coord_set_t from, unsigned count, unsigned start, unsigned n);

/*  Decrypt phase: the contributors to ask next, so that `valid` verified
    partials plus those asked and still pending can reach `need`; picked
    from `contributors` not asked yet, from the round's rotation point
    (round % n). Empty when nobody more is needed, or nobody is left. */
coord_set_t coord_state_more (const coord_state_t *self, coord_set_t contributors,
                              unsigned valid, unsigned need, unsigned n);

/*  Records slot's answer. */
void coord_state_mark (coord_state_t *self, unsigned slot);

/*  Every participant answered. */
bool coord_state_complete (const coord_state_t *self);

/*  Number of answers so far. */
unsigned coord_state_answers (const coord_state_t *self);

/*  One-line reason for a verdict ("late: round 3 is over (current 4)"),
    written into buf. Returns buf. */
const char *coord_verdict_text (coord_verdict_t verdict, const coord_state_t *self,
                                uint32_t round, char *buf, size_t size);

#endif
