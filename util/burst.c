/*  util/burst.c - bursts of events per subject in a sliding window. */
#include "burst.h"
#include "alloc.h"

#include <czmq.h>
#include <string.h>

typedef struct {
    char name [UTIL_BURST_SUBJECT_MAX];
    int64_t last;                   //  the latest event
    int64_t flagged;                //  when a burst was last reported (INT64_MIN: never)
    unsigned next, n;               //  the ring: next slot, events held
    int64_t times [];               //  threshold entries
} s_subject_t;

struct _util_burst_t {
    unsigned threshold;
    int64_t window;
    size_t max;
    zhashx_t *subjects;             //  name -> s_subject_t (owned, freed by the hash)
};

static void
s_subject_free (void **item)
{
    free (*item);
    *item = NULL;
}

util_burst_t *
util_burst_new (unsigned threshold, int64_t window_ms, size_t max_subjects)
{
    if (threshold < 1 || threshold > UTIL_BURST_THRESHOLD_MAX || window_ms <= 0
    ||  max_subjects < 1 || max_subjects > UTIL_BURST_SUBJECTS_MAX)
        return util_error_null (UTIL_EINPUT, "burst: threshold %u, window %lld ms or %zu "
                                "subjects out of range", threshold, (long long) window_ms,
                                max_subjects);
    util_burst_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return util_error_null (UTIL_ENOMEM, "burst: out of memory");
    self->threshold = threshold;
    self->window = window_ms;
    self->max = max_subjects;
    //  czmq aborts when memory runs out inside zhashx: there is no NULL to
    //  check past this one.
    self->subjects = zhashx_new ();
    if (!self->subjects) {
        free (self);
        return util_error_null (UTIL_ENOMEM, "burst: out of memory");
    }
    zhashx_set_destructor (self->subjects, s_subject_free);
    return self;
}

void
util_burst_destroy (util_burst_t **self_p)
{
    if (self_p && *self_p) {
        zhashx_destroy (&(*self_p)->subjects);
        free (*self_p);
        *self_p = NULL;
    }
}

size_t
util_burst_size (const util_burst_t *self)
{
    return zhashx_size (self->subjects);
}

//  Forgets the subject whose last event is the oldest.
static void
s_evict (util_burst_t *self)
{
    const char *oldest = NULL;
    int64_t at = INT64_MAX;
    for (s_subject_t *s = zhashx_first (self->subjects); s; s = zhashx_next (self->subjects))
        if (s->last < at) {
            at = s->last;
            oldest = s->name;
        }
    if (oldest) {
        char name [UTIL_BURST_SUBJECT_MAX];
        snprintf (name, sizeof name, "%s", oldest);
        zhashx_delete (self->subjects, name);
    }
}

int
util_burst_event (util_burst_t *self, const char *subject, int64_t now_ms, unsigned *in_window)
{
    char name [UTIL_BURST_SUBJECT_MAX];
    snprintf (name, sizeof name, "%s", subject);
    s_subject_t *s = zhashx_lookup (self->subjects, name);
    if (!s) {
        if (zhashx_size (self->subjects) >= self->max)
            s_evict (self);
        //  threshold <= UTIL_BURST_THRESHOLD_MAX: no overflow.
        s = util_calloc (1, sizeof *s + self->threshold * sizeof (int64_t));
        if (!s)
            return util_error (UTIL_ENOMEM, "burst: out of memory for subject '%s'", name);
        memcpy (s->name, name, sizeof name);
        s->flagged = INT64_MIN;
        s->last = now_ms;
        zhashx_insert (self->subjects, s->name, s);
    }
    if (now_ms < s->last)
        now_ms = s->last;
    s->last = now_ms;
    s->times [s->next] = now_ms;
    s->next = (s->next + 1) % self->threshold;
    if (s->n < self->threshold)
        s->n++;
    //  Events within the window, newest first in the ring.
    unsigned count = 0;
    for (unsigned i = 0; i < s->n; i++) {
        unsigned at = (s->next + self->threshold - 1 - i) % self->threshold;
        if (now_ms - s->times [at] >= self->window)
            break;
        count++;
    }
    if (in_window)
        *in_window = count;
    if (count < self->threshold)
        return 0;
    if (s->flagged != INT64_MIN && now_ms - s->flagged < self->window)
        return 0;
    s->flagged = now_ms;
    return 1;
}
