/*  coordinator/alerts.c - anomaly detectors and rate limits per analyst. */
#include "alerts.h"
#include "util/alloc.h"
#include "util/burst.h"
#include "util/config.h"
#include "util/error.h"
#include "proto/query.h"

#include <czmq.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define S_MINUTE_MS 60000LL
#define S_HOUR_MS 3600000LL
#define S_MINUTES 60                    //  the sliding hour, by the minute
#define S_SHAPE_MAX 16384               //  a query's shape, as text
#define S_DIFF_NUMS 32                  //  where= numbers compared; more go into the shape
#define S_ANALYST_MAX 128

//  One minute of one analyst's launches.
typedef struct {
    int64_t minute;                     //  its index since the epoch (-1: unused)
    unsigned queries, launches;
    double epsilon;
} s_minute_t;

//  One hour of history.
typedef struct {
    int64_t hour;                       //  -1: unused
    unsigned queries;
    double epsilon;
} s_hour_t;

//  A recent query, for differencing: its text with the where= numbers of
//  numeric terms taken out (the shape), those numbers and the scale each
//  is judged on.
typedef struct {
    int64_t at;
    char *shape;
    char *text;
    double num [S_DIFF_NUMS], scale [S_DIFF_NUMS];
    char *label [S_DIFF_NUMS];
    size_t n;
} s_query_t;

typedef struct {
    char name [S_ANALYST_MAX];
    int64_t last, first_hour;
    int64_t rate_alerted, burn_alerted; //  INT64_MIN: never
    s_minute_t minutes [S_MINUTES];
    s_hour_t *hours;                    //  history_hours, by hour % history_hours
    s_query_t recent [COORD_ALERTS_DIFF_KEEP];
    size_t next_recent;
} s_analyst_t;

struct _coord_alerts_t {
    coord_alerts_config_t cfg;
    util_burst_t *auth, *proofs;
    zhashx_t *analysts;                 //  name -> s_analyst_t
    json_t *pending;                    //  entries to write, oldest first
    uint64_t dropped;                   //  entries dropped (pending full, out of memory)
};

//  ---------------------------------------------------------------------
//  Config

typedef struct {
    const char *key;
    bool real;
    double lo, hi;
    size_t offset;
    const char *fallback;
} s_key_t;

#define S_U(name, lo, hi, def) { #name, false, lo, hi, offsetof (coord_alerts_config_t, name), #def }
#define S_R(name, lo, hi, def) { #name, true, lo, hi, offsetof (coord_alerts_config_t, name), #def }
static const s_key_t s_keys [] = {
    S_U (auth_failures, 1, 100000, 10),
    S_U (auth_window_s, 1, 86400, 60),
    S_U (rate_factor, 2, 1000, 5),
    S_U (rate_min_queries, 1, 100000, 10),
    S_R (burn_min_epsilon, 0, 1000, 1),
    S_U (history_hours, 2, 720, 168),
    S_U (history_min_hours, 1, 719, 24),
    S_R (differencing_width, 0, 1, 0.05),
    S_U (differencing_window_s, 1, 2592000, 86400),
    S_U (proof_failures, 1, 100000, 3),
    S_U (proof_window_s, 1, 2592000, 86400),
    S_U (queries_per_hour, 1, 100000, 60),
    S_U (launches_per_hour, 1, 100000, 20),
};
#define S_NKEYS (sizeof s_keys / sizeof s_keys [0])

//  One key's value from `text`: whole numbers in lo..hi, reals in (lo, hi].
static int
s_value (const char *path, const s_key_t *k, const char *text, coord_alerts_config_t *cfg)
{
    char *end;
    errno = 0;
    if (k->real) {
        double v = strtod (text, &end);
        if (errno || !*text || *end || !(v > k->lo && v <= k->hi)
        ||  (k->hi == 1 && v == 1))         //  a width is a fraction below 1
            return util_error (UTIL_EINPUT, "%s: alerts/%s: '%s' is not a number in (%g, %g%s",
                               path, k->key, text, k->lo, k->hi, k->hi == 1? ")": "]");
        *(double *) ((char *) cfg + k->offset) = v;
        return 0;
    }
    unsigned long long v = strtoull (text, &end, 10);
    if (errno || !*text || *end || *text == '-' || v < k->lo || v > k->hi)
        return util_error (UTIL_EINPUT, "%s: alerts/%s: '%s' is not in %.0f..%.0f", path, k->key,
                           text, k->lo, k->hi);
    *(unsigned *) ((char *) cfg + k->offset) = (unsigned) v;
    return 0;
}

int
coord_alerts_config_load (coord_alerts_config_t *cfg, const char *path)
{
    memset (cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < S_NKEYS; i++)
        if (s_value ("(defaults)", &s_keys [i], s_keys [i].fallback, cfg))
            return -1;
    if (!path)
        return 0;
    zconfig_t *root = util_config_read (path);
    if (!root)
        return -1;
    int rc = -1;
    zconfig_t *section = zconfig_locate (root, "alerts");
    for (zconfig_t *c = section? zconfig_child (section): NULL; c; c = zconfig_next (c)) {
        const s_key_t *k = NULL;
        for (size_t i = 0; i < S_NKEYS && !k; i++)
            if (!strcmp (zconfig_name (c), s_keys [i].key))
                k = &s_keys [i];
        if (!k) {
            util_error (UTIL_EINPUT, "%s: alerts/%s: unknown key", path, zconfig_name (c));
            goto done;
        }
        if (s_value (path, k, zconfig_value (c)? zconfig_value (c): "", cfg))
            goto done;
    }
    if (cfg->history_min_hours >= cfg->history_hours) {
        util_error (UTIL_EINPUT, "%s: alerts/history_min_hours: %u is not below history_hours "
                    "(%u)", path, cfg->history_min_hours, cfg->history_hours);
        goto done;
    }
    rc = 0;
done:
    zconfig_destroy (&root);
    return rc;
}

//  ---------------------------------------------------------------------
//  State

static void
s_query_clear (s_query_t *q)
{
    free (q->shape);
    free (q->text);
    for (size_t i = 0; i < q->n; i++)
        free (q->label [i]);
    memset (q, 0, sizeof *q);
}

static void
s_analyst_free (void **item)
{
    s_analyst_t *a = *item;
    if (a) {
        for (size_t i = 0; i < COORD_ALERTS_DIFF_KEEP; i++)
            s_query_clear (&a->recent [i]);
        free (a->hours);
        free (a);
    }
    *item = NULL;
}

coord_alerts_t *
coord_alerts_new (const coord_alerts_config_t *cfg)
{
    coord_alerts_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return util_error_null (UTIL_ENOMEM, "alerts: out of memory");
    self->cfg = *cfg;
    self->auth = util_burst_new (cfg->auth_failures, (int64_t) cfg->auth_window_s * 1000,
                                 COORD_ALERTS_SUBJECTS);
    self->proofs = self->auth? util_burst_new (cfg->proof_failures,
                                               (int64_t) cfg->proof_window_s * 1000,
                                               COORD_ALERTS_SUBJECTS): NULL;
    self->pending = self->proofs? json_array (): NULL;
    self->analysts = self->pending? zhashx_new (): NULL;
    if (!self->analysts) {
        coord_alerts_destroy (&self);
        return util_error_null (UTIL_ENOMEM, "alerts: out of memory");
    }
    zhashx_set_destructor (self->analysts, s_analyst_free);
    return self;
}

void
coord_alerts_destroy (coord_alerts_t **self_p)
{
    if (self_p && *self_p) {
        coord_alerts_t *self = *self_p;
        util_burst_destroy (&self->auth);
        util_burst_destroy (&self->proofs);
        zhashx_destroy (&self->analysts);
        json_decref (self->pending);
        free (self);
        *self_p = NULL;
    }
}

//  Queues an entry (detail consumed). Out of memory or over
//  COORD_ALERTS_PENDING_MAX, it is dropped and counted; the count rides
//  with the next entry that is queued.
static void
s_queue (coord_alerts_t *self, const char *kind, const char *actor, json_t *detail)
{
    if (detail && self->dropped
    &&  !json_object_set_new (detail, "entries_dropped_before", json_integer ((json_int_t) self->dropped)))
        self->dropped = 0;
    json_t *entry = detail? json_pack ("{s:s, s:s, s:o}", "kind", kind, "actor", actor,
                                       "detail", detail): NULL;
    if (!entry || json_array_size (self->pending) >= COORD_ALERTS_PENDING_MAX
    ||  json_array_append_new (self->pending, entry)) {
        if (entry && json_array_size (self->pending) >= COORD_ALERTS_PENDING_MAX)
            json_decref (entry);
        self->dropped++;
        fprintf (stderr, "coordinator: alerts: %s for %s dropped (out of memory or %d "
                 "waiting)\n", kind, actor, COORD_ALERTS_PENDING_MAX);
    }
}

json_t *
coord_alerts_next (coord_alerts_t *self)
{
    if (json_array_size (self->pending) == 0)
        return NULL;
    json_t *entry = json_incref (json_array_get (self->pending, 0));
    json_array_remove (self->pending, 0);
    return entry;
}

//  ---------------------------------------------------------------------
//  Failed authentication and proofs

void
coord_alerts_auth_failed (coord_alerts_t *self, int64_t now_ms, const char *key,
                          const char *address, const char *reason)
{
    //  Counted per key, and per address whatever the key: an attacker who
    //  makes a fresh key for each try still comes from somewhere.
    char subject [2] [UTIL_BURST_SUBJECT_MAX];
    snprintf (subject [0], sizeof subject [0], "key:%s", key);
    snprintf (subject [1], sizeof subject [1], "address:%s", address);
    for (int i = *key? 0: 1; i < 2; i++) {
        unsigned n = 0;
        int burst = util_burst_event (self->auth, subject [i], now_ms, &n);
        if (burst < 0)
            fprintf (stderr, "coordinator: alerts: %s\n", util_last_error ());
        if (burst == 1)
            s_queue (self, "alert.auth_failures", subject [i],
                     json_pack ("{s:s, s:s, s:i, s:i, s:s, s:s}", "key", key,
                                "address", address, "failures", (int) n,
                                "window_s", (int) self->cfg.auth_window_s,
                                "by", i? "address": "key", "last_reason", reason));
    }
}

void
coord_alerts_proof_failed (coord_alerts_t *self, int64_t now_ms, const char *site,
                           const char *reason)
{
    char subject [UTIL_BURST_SUBJECT_MAX];
    snprintf (subject, sizeof subject, "site:%s", site);
    unsigned n = 0;
    int burst = util_burst_event (self->proofs, subject, now_ms, &n);
    if (burst < 0)
        fprintf (stderr, "coordinator: alerts: %s\n", util_last_error ());
    if (burst == 1)
        s_queue (self, "alert.proof_failures", subject,
                 json_pack ("{s:s, s:i, s:i, s:s}", "site", site, "failures", (int) n,
                            "window_s", (int) self->cfg.proof_window_s, "last_reason", reason));
}

//  ---------------------------------------------------------------------
//  Analysts: rates against their history, rate limits

//  The analyst's state, made if new (the idlest forgotten when full).
//  NULL out of memory.
static s_analyst_t *
s_analyst (coord_alerts_t *self, const char *name, int64_t now_ms)
{
    char key [S_ANALYST_MAX];
    snprintf (key, sizeof key, "%s", name);
    s_analyst_t *a = zhashx_lookup (self->analysts, key);
    if (a)
        return a;
    if (zhashx_size (self->analysts) >= COORD_ALERTS_ANALYSTS) {
        s_analyst_t *idlest = NULL;
        for (s_analyst_t *x = zhashx_first (self->analysts); x; x = zhashx_next (self->analysts))
            if (!idlest || x->last < idlest->last)
                idlest = x;
        char gone [S_ANALYST_MAX];
        snprintf (gone, sizeof gone, "%s", idlest->name);
        zhashx_delete (self->analysts, gone);
    }
    a = util_calloc (1, sizeof *a);
    s_hour_t *hours = a? util_calloc (self->cfg.history_hours, sizeof *hours): NULL;
    if (!hours) {
        free (a);
        fprintf (stderr, "coordinator: alerts: out of memory for analyst %s\n", key);
        return NULL;
    }
    memcpy (a->name, key, sizeof key);
    a->hours = hours;
    a->first_hour = now_ms / S_HOUR_MS;
    a->last = now_ms;
    a->rate_alerted = a->burn_alerted = INT64_MIN;
    for (int i = 0; i < S_MINUTES; i++)
        a->minutes [i].minute = -1;
    for (unsigned i = 0; i < self->cfg.history_hours; i++)
        a->hours [i].hour = -1;
    zhashx_insert (self->analysts, a->name, a);
    return a;
}

//  The analyst's launches in the 60 minutes up to now.
static void
s_last_hour (const s_analyst_t *a, int64_t now_ms, unsigned *queries, unsigned *launches,
             double *epsilon)
{
    int64_t minute = now_ms / S_MINUTE_MS;
    *queries = *launches = 0;
    *epsilon = 0;
    for (int i = 0; i < S_MINUTES; i++) {
        const s_minute_t *m = &a->minutes [i];
        if (m->minute >= 0 && m->minute > minute - S_MINUTES && m->minute <= minute) {
            *queries += m->queries;
            *launches += m->launches;
            *epsilon += m->epsilon;
        }
    }
}

int
coord_alerts_admit (coord_alerts_t *self, int64_t now_ms, const char *analyst, bool query,
                    char *why, size_t size)
{
    s_analyst_t *a = zhashx_lookup (self->analysts, analyst);
    if (!a)
        return 0;                       //  nothing launched yet: under every limit
    unsigned queries, launches;
    double epsilon;
    s_last_hour (a, now_ms, &queries, &launches, &epsilon);
    unsigned count = query? queries: launches;
    unsigned limit = query? self->cfg.queries_per_hour: self->cfg.launches_per_hour;
    if (count < limit)
        return 0;
    const char *what = query? "queries": "study launches";
    snprintf (why, size, "rate limit: %u %s in the last hour, the most this consortium allows "
              "one analyst (coordinator.cfg alerts/%s = %u); try again later", count, what,
              query? "queries_per_hour": "launches_per_hour", limit);
    s_queue (self, "ratelimit.refused", analyst,
             json_pack ("{s:s, s:s, s:i, s:i}", "analyst", analyst, "kind",
                        query? "query": "study", "last_hour", (int) count, "limit", (int) limit));
    return -1;
}

//  The analyst's mean per hour over the complete hours of history before
//  this one; false while the history is shorter than history_min_hours.
static bool
s_baseline (const coord_alerts_t *self, const s_analyst_t *a, int64_t now_ms,
            double *queries, double *epsilon, int64_t *hours)
{
    int64_t hour = now_ms / S_HOUR_MS;
    int64_t known = hour - a->first_hour;
    if (known > (int64_t) self->cfg.history_hours - 1)
        known = self->cfg.history_hours - 1;
    if (known < (int64_t) self->cfg.history_min_hours)
        return false;
    double q = 0, e = 0;
    for (unsigned i = 0; i < self->cfg.history_hours; i++) {
        const s_hour_t *h = &a->hours [i];
        if (h->hour >= hour - known && h->hour < hour) {
            q += h->queries;
            e += h->epsilon;
        }
    }
    *queries = q / (double) known;
    *epsilon = e / (double) known;
    *hours = known;
    return true;
}

static void
s_rates (coord_alerts_t *self, s_analyst_t *a, int64_t now_ms)
{
    double mean_q, mean_e;
    int64_t hours;
    if (!s_baseline (self, a, now_ms, &mean_q, &mean_e, &hours))
        return;
    unsigned queries, launches;
    double epsilon;
    s_last_hour (a, now_ms, &queries, &launches, &epsilon);
    double factor = self->cfg.rate_factor;
    if (queries >= self->cfg.rate_min_queries && queries > factor * mean_q
    &&  (a->rate_alerted == INT64_MIN || now_ms - a->rate_alerted >= S_HOUR_MS)) {
        a->rate_alerted = now_ms;
        s_queue (self, "alert.query_rate", a->name,
                 json_pack ("{s:s, s:i, s:f, s:i, s:I}", "analyst", a->name,
                            "queries_last_hour", (int) queries, "mean_per_hour", mean_q,
                            "factor", (int) self->cfg.rate_factor, "history_hours",
                            (json_int_t) hours));
    }
    if (epsilon >= self->cfg.burn_min_epsilon && epsilon > factor * mean_e
    &&  (a->burn_alerted == INT64_MIN || now_ms - a->burn_alerted >= S_HOUR_MS)) {
        a->burn_alerted = now_ms;
        s_queue (self, "alert.budget_burn", a->name,
                 json_pack ("{s:s, s:f, s:f, s:i, s:I}", "analyst", a->name,
                            "epsilon_last_hour", epsilon, "mean_epsilon_per_hour", mean_e,
                            "factor", (int) self->cfg.rate_factor, "history_hours",
                            (json_int_t) hours));
    }
}

//  ---------------------------------------------------------------------
//  Differencing

typedef struct {
    char *text;
    size_t len;
    bool full;                          //  cut: the shape is not compared
    s_query_t *q;
    const coord_alerts_t *self;
} s_shape_t;

static void
s_put (s_shape_t *s, const char *fmt, ...)
{
    if (s->full)
        return;
    va_list args;
    va_start (args, fmt);
    int n = vsnprintf (s->text + s->len, S_SHAPE_MAX - s->len, fmt, args);
    va_end (args);
    if (n < 0 || (size_t) n >= S_SHAPE_MAX - s->len)
        s->full = true;
    else
        s->len += (size_t) n;
}

static void
s_put_term (s_shape_t *s, const proto_term_t *t)
{
    char *label = t? proto_term_label (t): NULL;
    if (t && !label)
        s->full = true;             //  out of memory: not compared
    s_put (s, "[%s]", label? label: "");
    free (label);
}

static const char *s_ops [] = { "==", "!=", "<", "<=", ">", ">=" };

//  The where= tree as text, a numeric term's compared number as '#'
//  (taken into the query's numbers, with the scale it is judged on).
static void
s_put_cond (s_shape_t *s, const proto_cond_t *c)
{
    if (!c)
        return;
    switch (c->kind) {
        case PROTO_COND_AND:
        case PROTO_COND_OR:
            s_put (s, "(");
            s_put_cond (s, c->left);
            s_put (s, c->kind == PROTO_COND_AND? "&": "|");
            s_put_cond (s, c->right);
            s_put (s, ")");
            break;
        case PROTO_COND_NOT:
            s_put (s, "!(");
            s_put_cond (s, c->left);
            s_put (s, ")");
            break;
        case PROTO_COND_CMP:
        case PROTO_COND_IN: {
            s_put_term (s, c->term);
            s_put (s, "%s", c->kind == PROTO_COND_IN? "%in%": s_ops [c->op]);
            bool numeric = c->kind == PROTO_COND_CMP && !c->term->categorical
                        && !(c->strings && c->strings [0]) && s->q->n < S_DIFF_NUMS;
            if (numeric) {
                s_query_t *q = s->q;
                double x = c->numbers [0];
                double range = c->term->hi - c->term->lo;
                //  Unchecked (no dictionary) or unbounded: the numbers' own size.
                q->scale [q->n] = isfinite (range) && range > 0? range: -1;
                q->num [q->n] = x;
                q->label [q->n] = proto_term_label (c->term);
                if (!q->label [q->n])
                    s->full = true;
                q->n++;
                s_put (s, "#");
                break;
            }
            for (size_t i = 0; i < c->n_values; i++)
                if (c->strings && c->strings [i])
                    s_put (s, "%s'%s'", i? ",": "", c->strings [i]);
                else
                    s_put (s, "%s%.17g", i? ",": "", c->numbers [i]);
            break;
        }
    }
}

//  The query's shape and numbers into *q. 0, or -1 when the query cannot be
//  compared (it does not parse: the launch was refused before; out of memory).
static int
s_shape (const coord_alerts_t *self, s_query_t *q, const char *text, const model_dict_t *dict,
         size_t max_levels)
{
    memset (q, 0, sizeof *q);
    proto_query_t *query = proto_query_parse (text);
    if (!query)
        return -1;
    if (dict && proto_query_check (query, dict, max_levels)) {
        //  Unchecked, categorical levels look like numbers; the width is
        //  then relative: still a fair test of "narrow".
        proto_query_destroy (&query);
        if (!(query = proto_query_parse (text)))
            return -1;
    }
    s_shape_t s = { util_malloc (S_SHAPE_MAX), 0, false, q, self };
    if (!s.text) {
        proto_query_destroy (&query);
        return -1;
    }
    s.text [0] = 0;
    s_put (&s, "%s(", proto_query_kind_name (query->kind));
    for (size_t i = 0; i < query->n_terms; i++)
        s_put_term (&s, query->terms [i]);
    for (size_t i = 0; i < query->n_probs; i++)
        s_put (&s, "p%.17g", query->probs [i]);
    for (size_t i = 0; i < query->n_breaks; i++)
        s_put (&s, "b%.17g", query->breaks [i]);
    s_put (&s, "f%d i%u o", (int) query->family, query->iterations);
    s_put_term (&s, query->offset);
    s_put (&s, " w");
    s_put_term (&s, query->weights);
    s_put (&s, " by");
    s_put_term (&s, query->by);
    s_put (&s, " where ");
    s_put_cond (&s, query->where);
    proto_query_destroy (&query);
    q->shape = s.text;
    q->text = util_strdup (text);
    if (s.full || !q->text) {
        s_query_clear (q);
        return -1;
    }
    return 0;
}

//  The numbers of two queries of one shape differ, and each by no more
//  than width of its scale: the position of the widest move into *at.
static bool
s_narrow (const s_query_t *a, const s_query_t *b, double width, size_t *at)
{
    bool moved = false;
    double widest = -1;
    for (size_t i = 0; i < a->n; i++) {
        double d = fabs (a->num [i] - b->num [i]);
        if (d == 0)
            continue;
        double scale = a->scale [i] > 0? a->scale [i]
                     : fmax (1.0, fmax (fabs (a->num [i]), fabs (b->num [i])));
        if (!(d <= width * scale))
            return false;
        moved = true;
        if (d / scale > widest) {
            widest = d / scale;
            *at = i;
        }
    }
    return moved;
}

static void
s_differencing (coord_alerts_t *self, s_analyst_t *a, int64_t now_ms, const char *text,
                const model_dict_t *dict, size_t max_levels)
{
    s_query_t q;
    if (s_shape (self, &q, text, dict, max_levels))
        return;
    int64_t window = (int64_t) self->cfg.differencing_window_s * 1000;
    const s_query_t *match = NULL;
    size_t at = 0;
    for (size_t i = 0; i < COORD_ALERTS_DIFF_KEEP && !match; i++) {
        const s_query_t *p = &a->recent [i];
        if (p->shape && now_ms - p->at < window && p->n == q.n && !strcmp (p->shape, q.shape)
        &&  s_narrow (&q, p, self->cfg.differencing_width, &at))
            match = p;
    }
    if (match) {
        double scale = q.scale [at] > 0? q.scale [at]: -1;
        json_t *detail = json_pack ("{s:s, s:s, s:s, s:s, s:f, s:f, s:f, s:f, s:I}",
            "analyst", a->name, "query", q.text, "earlier", match->text,
            "column", q.label [at], "value", q.num [at], "earlier_value", match->num [at],
            "width", self->cfg.differencing_width, "range", scale,
            "seconds_apart", (json_int_t) ((now_ms - match->at) / 1000));
        s_queue (self, "alert.differencing", a->name, detail);
    }
    q.at = now_ms;
    s_query_clear (&a->recent [a->next_recent]);
    a->recent [a->next_recent] = q;
    a->next_recent = (a->next_recent + 1) % COORD_ALERTS_DIFF_KEEP;
}

void
coord_alerts_launched (coord_alerts_t *self, int64_t now_ms, const char *analyst,
                       const char *query_text, const model_dict_t *dict, size_t max_levels,
                       double epsilon)
{
    s_analyst_t *a = s_analyst (self, analyst, now_ms);
    if (!a)
        return;
    if (now_ms < a->last)
        now_ms = a->last;               //  a clock stepping back counts as now
    a->last = now_ms;
    int64_t minute = now_ms / S_MINUTE_MS, hour = now_ms / S_HOUR_MS;
    s_minute_t *m = &a->minutes [minute % S_MINUTES];
    if (m->minute != minute)
        *m = (s_minute_t) { minute, 0, 0, 0 };
    s_hour_t *h = &a->hours [hour % self->cfg.history_hours];
    if (h->hour != hour)
        *h = (s_hour_t) { hour, 0, 0 };
    if (query_text) {
        m->queries++;
        h->queries++;
    }
    else
        m->launches++;
    if (isfinite (epsilon) && epsilon > 0) {
        m->epsilon += epsilon;
        h->epsilon += epsilon;
    }
    s_rates (self, a, now_ms);
    if (query_text)
        s_differencing (self, a, now_ms, query_text, dict, max_levels);
}
