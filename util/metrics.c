/*  util/metrics.c - counters, gauges and histograms in the Prometheus text
    exposition format 0.0.4. */
#include "util/metrics.h"
#include "util/alloc.h"
#include "util/error.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { S_COUNTER, S_GAUGE, S_HISTOGRAM } s_type_t;

typedef struct {
    char *values [UTIL_METRICS_LABELS_MAX];
    double value;                   //  a counter's or gauge's
    uint64_t *buckets;              //  a histogram's, per bucket (not cumulative),
    double sum;                     //  n_bounds + 1 of them (the last: +Inf)
    uint64_t count;
} s_series_t;

struct _util_metric_t {
    util_metrics_t *registry;
    s_type_t type;
    char *name, *help;
    char *labels [UTIL_METRICS_LABELS_MAX];
    size_t n_labels;
    double bounds [UTIL_METRICS_BUCKETS_MAX];
    size_t n_bounds;
    s_series_t *series [UTIL_METRICS_SERIES_MAX];
    size_t n_series;
    util_metric_t *next;
};

struct _util_metrics_t {
    pthread_mutex_t lock;
    util_metric_t *first, *last;
    uint64_t dropped;
};

util_metrics_t *
util_metrics_new (void)
{
    util_metrics_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    if (pthread_mutex_init (&self->lock, NULL)) {
        free (self);
        return util_error_null (UTIL_ENOMEM, "metrics: cannot make a mutex");
    }
    return self;
}

static void
s_series_free (s_series_t *s, size_t n_labels)
{
    if (!s)
        return;
    for (size_t i = 0; i < n_labels; i++)
        free (s->values [i]);
    free (s->buckets);
    free (s);
}

static void
s_family_free (util_metric_t *m)
{
    for (size_t i = 0; i < m->n_series; i++)
        s_series_free (m->series [i], m->n_labels);
    for (size_t i = 0; i < m->n_labels; i++)
        free (m->labels [i]);
    free (m->name);
    free (m->help);
    free (m);
}

void
util_metrics_destroy (util_metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    util_metrics_t *self = *self_p;
    for (util_metric_t *m = self->first, *next; m; m = next) {
        next = m->next;
        s_family_free (m);
    }
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

//  ---------------------------------------------------------------------
//  Registration

//  [a-zA-Z_:][a-zA-Z0-9_:]* (colons: metric names only), at most
//  UTIL_METRICS_NAME_MAX bytes.
static bool
s_name_ok (const char *name, size_t len, bool colon)
{
    if (len == 0 || len > UTIL_METRICS_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name [i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'
               || (colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
        if (!ok)
            return false;
    }
    return true;
}

//  Splits "a,b" into m->labels, checking each name. 0 or -1 with the reason.
static int
s_labels (util_metric_t *m, const char *labels)
{
    const char *at = labels? labels: "";
    while (*at) {
        const char *comma = strchr (at, ',');
        size_t len = comma? (size_t) (comma - at): strlen (at);
        if (!s_name_ok (at, len, false) || (len >= 2 && at [0] == '_' && at [1] == '_')
        ||  (m->type == S_HISTOGRAM && len == 2 && !memcmp (at, "le", 2)))
            return util_error (UTIL_EINPUT, "metrics: %s: '%.*s' is not a label name it may have",
                               m->name, (int) (len > 64? 64: len), at);
        if (m->n_labels == UTIL_METRICS_LABELS_MAX)
            return util_error (UTIL_ELIMIT, "metrics: %s: more than %d labels", m->name,
                               UTIL_METRICS_LABELS_MAX);
        for (size_t i = 0; i < m->n_labels; i++)
            if (strlen (m->labels [i]) == len && !memcmp (m->labels [i], at, len))
                return util_error (UTIL_EINPUT, "metrics: %s: label '%s' twice", m->name,
                                   m->labels [i]);
        if (!(m->labels [m->n_labels] = util_strndup (at, len)))
            return -1;
        m->n_labels++;
        if (!comma)
            break;
        at = comma + 1;
        if (!*at)
            return util_error (UTIL_EINPUT, "metrics: %s: an empty label name", m->name);
    }
    return 0;
}

static util_metric_t *
s_register (util_metrics_t *self, s_type_t type, const char *name, const char *help,
            const char *labels, const double *bounds, size_t n)
{
    assert (self && name && help);
    if (!s_name_ok (name, strlen (name), true))
        return util_error_null (UTIL_EINPUT, "metrics: '%.64s' is not a metric name", name);
    if (strlen (help) > UTIL_METRICS_HELP_MAX)
        return util_error_null (UTIL_ELIMIT, "metrics: %s: help longer than %d bytes", name,
                                UTIL_METRICS_HELP_MAX);
    if (type == S_HISTOGRAM) {
        if (n == 0 || n > UTIL_METRICS_BUCKETS_MAX)
            return util_error_null (UTIL_EINPUT, "metrics: %s: %zu bounds (1..%d)", name, n,
                                    UTIL_METRICS_BUCKETS_MAX);
        for (size_t i = 0; i < n; i++)
            if (!isfinite (bounds [i]) || (i > 0 && !(bounds [i] > bounds [i - 1])))
                return util_error_null (UTIL_EINPUT, "metrics: %s: the bounds are not finite "
                                        "and strictly increasing", name);
    }
    util_metric_t *m = util_calloc (1, sizeof *m);
    if (!m)
        return NULL;
    m->registry = self;
    m->type = type;
    m->n_bounds = type == S_HISTOGRAM? n: 0;
    for (size_t i = 0; i < m->n_bounds; i++)
        m->bounds [i] = bounds [i];
    if (!(m->name = util_strdup (name)) || !(m->help = util_strdup (help))
    ||  s_labels (m, labels)) {
        s_family_free (m);
        return NULL;
    }
    pthread_mutex_lock (&self->lock);
    bool twice = false;
    for (util_metric_t *o = self->first; o; o = o->next)
        twice |= !strcmp (o->name, name);
    if (!twice) {
        if (self->last)
            self->last->next = m;
        else
            self->first = m;
        self->last = m;
    }
    pthread_mutex_unlock (&self->lock);
    if (twice) {
        s_family_free (m);
        return util_error_null (UTIL_EINPUT, "metrics: %s: registered twice", name);
    }
    return m;
}

util_metric_t *
util_metrics_counter (util_metrics_t *self, const char *name, const char *help, const char *labels)
{
    return s_register (self, S_COUNTER, name, help, labels, NULL, 0);
}

util_metric_t *
util_metrics_gauge (util_metrics_t *self, const char *name, const char *help, const char *labels)
{
    return s_register (self, S_GAUGE, name, help, labels, NULL, 0);
}

util_metric_t *
util_metrics_histogram (util_metrics_t *self, const char *name, const char *help,
                        const char *labels, const double *bounds, size_t n)
{
    return s_register (self, S_HISTOGRAM, name, help, labels, bounds, n);
}

//  ---------------------------------------------------------------------
//  Updates

//  Well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
static bool
s_utf8 (const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned c = s [i];
        size_t more;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        }
        else
        if ((c & 0xE0) == 0xC0)
            more = 1, min = 0x80, c &= 0x1F;
        else
        if ((c & 0xF0) == 0xE0)
            more = 2, min = 0x800, c &= 0x0F;
        else
        if ((c & 0xF8) == 0xF0)
            more = 3, min = 0x10000, c &= 0x07;
        else
            return false;
        if (len - i <= more)
            return false;
        for (size_t k = 1; k <= more; k++) {
            if ((s [i + k] & 0xC0) != 0x80)
                return false;
            c = c << 6 | (s [i + k] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return false;
        i += more + 1;
    }
    return true;
}

//  The series of `values`, made at its first use; NULL when it cannot be
//  kept (counted as dropped by the caller). The registry is locked.
static s_series_t *
s_series (util_metric_t *m, const char *const *values)
{
    for (size_t i = 0; i < m->n_series; i++) {
        s_series_t *s = m->series [i];
        size_t k = 0;
        while (k < m->n_labels && !strcmp (s->values [k], values [k]))
            k++;
        if (k == m->n_labels)
            return s;
    }
    if (m->n_series == UTIL_METRICS_SERIES_MAX)
        return NULL;
    for (size_t k = 0; k < m->n_labels; k++) {
        size_t len = strlen (values [k]);
        if (len > UTIL_METRICS_VALUE_MAX || !s_utf8 ((const unsigned char *) values [k], len))
            return NULL;
    }
    //  Allocated with the C library, not util_: an update reports nothing
    //  in the error slot (its caller is busy with something else), and the
    //  fault injector's walks of the daemons' calls stay about those calls.
    s_series_t *s = calloc (1, sizeof *s);
    if (!s)
        return NULL;
    bool ok = true;
    for (size_t k = 0; ok && k < m->n_labels; k++)
        ok = (s->values [k] = strdup (values [k])) != NULL;
    if (ok && m->type == S_HISTOGRAM)
        ok = (s->buckets = calloc (m->n_bounds + 1, sizeof (uint64_t))) != NULL;
    if (!ok) {
        s_series_free (s, m->n_labels);
        return NULL;
    }
    m->series [m->n_series++] = s;
    return s;
}

typedef enum { S_ADD, S_SET, S_OBSERVE } s_op_t;

static void
s_update (util_metric_t *m, const char *const *values, double v, s_op_t op)
{
    if (!m)
        return;
    assert (values || m->n_labels == 0);
    assert (op == S_OBSERVE? m->type == S_HISTOGRAM: m->type != S_HISTOGRAM);
    assert (!(op == S_ADD && m->type == S_COUNTER && v < 0));
    util_metrics_t *r = m->registry;
    pthread_mutex_lock (&r->lock);
    s_series_t *s = isnan (v)? NULL: s_series (m, values);
    if (!s)
        r->dropped++;
    else
    if (op == S_ADD)
        s->value += v;
    else
    if (op == S_SET)
        s->value = v;
    else {
        size_t b = 0;
        while (b < m->n_bounds && v > m->bounds [b])
            b++;
        s->buckets [b]++;
        s->sum += v;
        s->count++;
    }
    pthread_mutex_unlock (&r->lock);
}

void
util_metric_add (util_metric_t *metric, const char *const *values, double v)
{
    s_update (metric, values, v, S_ADD);
}

void
util_metric_set (util_metric_t *metric, const char *const *values, double v)
{
    s_update (metric, values, v, S_SET);
}

void
util_metric_observe (util_metric_t *metric, const char *const *values, double v)
{
    s_update (metric, values, v, S_OBSERVE);
}

uint64_t
util_metrics_dropped (util_metrics_t *self)
{
    pthread_mutex_lock (&self->lock);
    uint64_t n = self->dropped;
    pthread_mutex_unlock (&self->lock);
    return n;
}

//  ---------------------------------------------------------------------
//  Rendering

char *
util_metrics_number (char *buf, double v)
{
    if (isnan (v))
        return strcpy (buf, "NaN");
    if (isinf (v))
        return strcpy (buf, v > 0? "+Inf": "-Inf");
    if (v == floor (v) && fabs (v) < 9007199254740992.0) {
        snprintf (buf, UTIL_METRICS_NUMBER_MAX, "%.0f", v);
        //  -0 shows as "0".
        return strcmp (buf, "-0")? buf: strcpy (buf, "0");
    }
    //  The shortest of %.15g .. %.17g that reads back as v.
    for (int digits = 15; digits <= 17; digits++) {
        snprintf (buf, UTIL_METRICS_NUMBER_MAX, "%.*g", digits, v);
        if (strtod (buf, NULL) == v)
            break;
    }
    return buf;
}

typedef struct {
    char *data;
    size_t len, cap;
    bool failed;
} s_buf_t;

static void s_put (s_buf_t *b, const char *fmt, ...) __attribute__((format (printf, 2, 3)));

static void
s_put (s_buf_t *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    for (;;) {
        va_list ap;
        va_start (ap, fmt);
        int n = vsnprintf (b->data + b->len, b->cap - b->len, fmt, ap);
        va_end (ap);
        if (n < 0) {
            b->failed = true;
            return;
        }
        if ((size_t) n < b->cap - b->len) {
            b->len += (size_t) n;
            return;
        }
        //  Doubling from a few KB: overflow needs a text of SIZE_MAX / 2
        //  bytes, which the series caps rule out long before.
        size_t cap = b->cap * 2 > b->len + (size_t) n + 1? b->cap * 2: b->len + (size_t) n + 1;
        char *data = util_realloc_array (b->data, cap, 1);
        if (!data) {
            b->failed = true;
            return;
        }
        b->data = data;
        b->cap = cap;
    }
}

//  `text` with \ and newline escaped (HELP), and " too (label values).
static void
s_escaped (s_buf_t *b, const char *text, bool quote)
{
    for (const char *c = text; *c; c++) {
        if (*c == '\\')
            s_put (b, "\\\\");
        else
        if (*c == '\n')
            s_put (b, "\\n");
        else
        if (quote && *c == '"')
            s_put (b, "\\\"");
        else
            s_put (b, "%c", *c);
    }
}

//  {a="x",b="y"} with `le` (a histogram bucket's bound) last, or nothing
//  without labels.
static void
s_label_set (s_buf_t *b, const util_metric_t *m, const s_series_t *s, const char *le)
{
    if (m->n_labels == 0 && !le)
        return;
    s_put (b, "{");
    for (size_t k = 0; k < m->n_labels; k++) {
        s_put (b, "%s%s=\"", k? ",": "", m->labels [k]);
        s_escaped (b, s->values [k], true);
        s_put (b, "\"");
    }
    if (le)
        s_put (b, "%sle=\"%s\"", m->n_labels? ",": "", le);
    s_put (b, "}");
}

static void
s_render_series (s_buf_t *b, const util_metric_t *m, const s_series_t *s)
{
    char num [UTIL_METRICS_NUMBER_MAX];
    if (m->type != S_HISTOGRAM) {
        s_put (b, "%s", m->name);
        s_label_set (b, m, s, NULL);
        s_put (b, " %s\n", util_metrics_number (num, s->value));
        return;
    }
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= m->n_bounds; i++) {
        char le [UTIL_METRICS_NUMBER_MAX];
        cumulative += s->buckets [i];
        if (i < m->n_bounds)
            util_metrics_number (le, m->bounds [i]);
        else
            strcpy (le, "+Inf");
        s_put (b, "%s_bucket", m->name);
        s_label_set (b, m, s, le);
        s_put (b, " %llu\n", (unsigned long long) cumulative);
    }
    s_put (b, "%s_sum", m->name);
    s_label_set (b, m, s, NULL);
    s_put (b, " %s\n", util_metrics_number (num, s->sum));
    s_put (b, "%s_count", m->name);
    s_label_set (b, m, s, NULL);
    s_put (b, " %llu\n", (unsigned long long) s->count);
}

char *
util_metrics_render (util_metrics_t *self, size_t *len)
{
    static const char *types [] = { "counter", "gauge", "histogram" };
    s_buf_t b = { util_malloc (4096), 0, 4096, false };
    b.failed = !b.data;
    //  An unlabelled family's one series before any update: zero.
    s_series_t zero;
    memset (&zero, 0, sizeof zero);
    uint64_t zero_buckets [UTIL_METRICS_BUCKETS_MAX + 1] = { 0 };
    zero.buckets = zero_buckets;
    pthread_mutex_lock (&self->lock);
    for (const util_metric_t *m = self->first; m; m = m->next) {
        s_put (&b, "# HELP %s ", m->name);
        s_escaped (&b, m->help, false);
        s_put (&b, "\n# TYPE %s %s\n", m->name, types [m->type]);
        if (m->n_labels == 0 && m->n_series == 0)
            s_render_series (&b, m, &zero);
        for (size_t i = 0; i < m->n_series; i++)
            s_render_series (&b, m, m->series [i]);
    }
    s_put (&b, "# HELP cohort_metrics_dropped_total Metric updates lost: out of memory, too "
               "many series, or a label value too long or not UTF-8.\n"
               "# TYPE cohort_metrics_dropped_total counter\n"
               "cohort_metrics_dropped_total %llu\n", (unsigned long long) self->dropped);
    pthread_mutex_unlock (&self->lock);
    if (b.failed) {
        free (b.data);
        return util_error_null (UTIL_ENOMEM, "metrics: out of memory rendering the text");
    }
    if (len)
        *len = b.len;
    return b.data;
}
