/*  util/metrics.h - a registry of metrics for the daemons' operators:
    counters, gauges and histograms with fixed buckets, each family with a
    fixed list of label names, rendered in the Prometheus text exposition
    format, version 0.0.4
    (https://prometheus.io/docs/instrumenting/exposition_formats/).

    A family is registered once, at start-up, with its name, help text,
    type and label names; its series (one per set of label values) come
    into being at their first update. Updates and rendering may come from
    any thread: one mutex guards the registry (the coordinator's and the
    site's actors update it, the HTTP listener's thread renders it).

    An update never fails its caller: one that cannot be kept (out of
    memory, more than UTIL_METRICS_SERIES_MAX series in the family, a label
    value longer than UTIL_METRICS_VALUE_MAX bytes or not UTF-8, a NaN) is
    counted in cohort_metrics_dropped_total, which every rendering ends
    with. Metrics are for operations, never for data: label values come
    from fixed sets (a round kind, a reason class) or from the
    configuration (a dataset's name), never from a message or a record
    (STYLE.md rule 15; docs/operations.md).

    Rendering (exact, so that tests can compare text):
        # HELP <name> <help, with \ and newline escaped>
        # TYPE <name> counter|gauge|histogram
        <name>{<label>="<value, with \ " and newline escaped>",...} <number>
    families in the order registered, series in the order first updated; a
    family without labels always shows its one series (0 before any
    update); a histogram's series shows <name>_bucket{...,le="<bound>"}
    cumulative counts, le="+Inf", then <name>_sum and <name>_count.
    Numbers: integers below 2^53 without a fraction ("3"), others in the
    shortest form that reads back exactly ("0.25", "1e+300"), "+Inf",
    "-Inf", "NaN".

    Contents
        util_metrics_t              the registry
        util_metric_t               one family (borrowed from its registry)
        util_metrics_new            an empty registry
        util_metrics_destroy        frees it and every family
        util_metrics_counter        registers a counter family
        util_metrics_gauge          registers a gauge family
        util_metrics_histogram      registers a histogram family and its bounds
        util_metric_add             adds to a counter (>= 0) or a gauge
        util_metric_set             sets a gauge, or a counter mirroring a count
                                    kept elsewhere
        util_metric_observe         one observation into a histogram
        util_metrics_render         the exposition text (the caller's)
        util_metrics_dropped        updates lost so far
        util_metrics_number         one number as the text shows it

    The registry is the caller's (util_metrics_destroy, NULL-safe); a
    family is the registry's. Registration errors are NULL with the reason
    in the error slot (util/error.h): a name or label name that Prometheus
    does not allow, a name registered twice, bad bounds (UTIL_EINPUT), out
    of memory (UTIL_ENOMEM).
*/
#ifndef UTIL_METRICS_H
#define UTIL_METRICS_H

#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

#define UTIL_METRICS_LABELS_MAX   8     //  label names of one family
#define UTIL_METRICS_BUCKETS_MAX  32    //  upper bounds of one histogram
#define UTIL_METRICS_SERIES_MAX   512   //  label sets of one family
#define UTIL_METRICS_VALUE_MAX    128   //  bytes of one label value
#define UTIL_METRICS_NAME_MAX     128   //  bytes of a metric or label name
#define UTIL_METRICS_HELP_MAX     512   //  bytes of a help text

//  What util_metrics_number writes at most, NUL included.
#define UTIL_METRICS_NUMBER_MAX   32

typedef struct _util_metrics_t util_metrics_t;
typedef struct _util_metric_t util_metric_t;

/*  An empty registry, or NULL (UTIL_ENOMEM). */
util_metrics_t *util_metrics_new (void);

/*  Frees the registry and its families, sets *self_p NULL. NULL-safe. The
    caller makes sure nothing updates or renders it any more. */
void util_metrics_destroy (util_metrics_t **self_p);

/*  Registers a family. `name` matches [a-zA-Z_:][a-zA-Z0-9_:]*; `labels`
    is a comma-separated list of label names ("kind,reason"; NULL or ""
    for none), each [a-zA-Z_][a-zA-Z0-9_]*, none starting "__", none
    twice, at most UTIL_METRICS_LABELS_MAX; `help` is one line of text.
    Returns the family (the registry's) or NULL with the reason. */
util_metric_t *util_metrics_counter (util_metrics_t *self, const char *name, const char *help,
                                     const char *labels);
util_metric_t *util_metrics_gauge (util_metrics_t *self, const char *name, const char *help,
                                   const char *labels);

/*  As above, a histogram with the `n` upper bounds (1..UTIL_METRICS_BUCKETS_MAX,
    finite, strictly increasing; the +Inf bucket is implicit). No label may
    be named "le". */
util_metric_t *util_metrics_histogram (util_metrics_t *self, const char *name, const char *help,
                                       const char *labels, const double *bounds, size_t n);

/*  The series of `values` (one per label name of the family, in order;
    NULL when it has none) of `metric` (NULL: nothing happens) gets `v`
    added (a counter: v >= 0; a gauge: any finite v), set (a gauge; a
    counter that mirrors a monotonic count kept elsewhere), or observed
    (a histogram). Using the wrong call for the family's type, or a
    negative add to a counter, is a programmer's error (asserted). */
void util_metric_add (util_metric_t *metric, const char *const *values, double v);
void util_metric_set (util_metric_t *metric, const char *const *values, double v);
void util_metric_observe (util_metric_t *metric, const char *const *values, double v);

/*  The whole registry as exposition text (NUL-terminated; *len, when not
    NULL, gets its length). The caller frees it. NULL with UTIL_ENOMEM. */
char *util_metrics_render (util_metrics_t *self, size_t *len);

/*  Updates that could not be kept since the registry was made. */
uint64_t util_metrics_dropped (util_metrics_t *self);

/*  `v` as the exposition shows it, into buf (at least
    UTIL_METRICS_NUMBER_MAX bytes). Returns buf. */
char *util_metrics_number (char *buf, double v);

#endif
