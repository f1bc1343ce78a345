/*  coordinator/alerts.h - anomaly detection and rate limits at the
    coordinator (issue 14). The actor (coordinator/actor.c) tells this
    module what happened; it answers with audit entries to write, and with
    refusals for analysts over their rate.

    Detectors, each an audit entry of kind "alert.<name>" with the figures
    in its detail:
        alert.auth_failures     a burst of refused CURVE handshakes
                                (proto/curve.h) from one key, or from one
                                address whatever the keys: auth_failures
                                within auth_window_s
        alert.query_rate        an analyst's queries in the last hour far
                                above their own hourly mean: more than
                                rate_factor times it, and at least
                                rate_min_queries
        alert.budget_burn       the same for the epsilon their launches
                                asked for (at least burn_min_epsilon)
        alert.differencing      a query that repeats one of the analyst's
                                recent ones (differencing_window_s) with the
                                where= numbers moved by no more than
                                differencing_width of the column's public
                                range: the pattern of a differencing attack
                                (Q(age >= 40) - Q(age >= 41) isolates the
                                40-year-olds)
        alert.proof_failures    a site whose partial decryptions failed
                                their proof (or named another's share)
                                proof_failures times within proof_window_s
    The rate detectors compare with the analyst's history in memory since
    the coordinator started (history_hours kept, judged only after
    history_min_hours): a newcomer has no history to be far above, and is
    held by the rate limits alone.

    Rate limits per analyst key, over the last 60 minutes (sliding, by the
    minute): queries_per_hour query launches and launches_per_hour study
    launches. A launch over either is refused with the figures and audited
    as "ratelimit.refused".

    Config: an optional `alerts` section of coordinator.cfg (beside the
    `coordinator` section); every key optional, unknown keys refused:

        alerts
            auth_failures = 10          1..100000
            auth_window_s = 60          1..86400
            rate_factor = 5             2..1000
            rate_min_queries = 10       1..100000
            burn_min_epsilon = 1        a number in (0, 1000]
            history_hours = 168         2..720
            history_min_hours = 24      1..history_hours - 1
            differencing_width = 0.05   a number in (0, 1)
            differencing_window_s = 86400   1..2592000
            proof_failures = 3          1..100000
            proof_window_s = 86400      1..2592000
            queries_per_hour = 60       1..100000
            launches_per_hour = 20      1..100000

    Times are the caller's (ms since the Unix epoch), so tests feed their
    own. Memory is bounded: COORD_ALERTS_SUBJECTS keys and addresses,
    COORD_ALERTS_ANALYSTS analysts (the idlest forgotten first), and
    COORD_ALERTS_DIFF_KEEP recent queries per analyst.

    Contents
        coord_alerts_config_t       the thresholds
        coord_alerts_config_load    the alerts section of a config file
        coord_alerts_t              the detectors' state
        coord_alerts_new, coord_alerts_destroy
        coord_alerts_auth_failed    a refused handshake
        coord_alerts_admit          may this analyst launch now?
        coord_alerts_launched       an analyst's launch went out
        coord_alerts_proof_failed   a site's contribution failed its proof
        coord_alerts_next           the next audit entry to write

    The state is the caller's (coord_alerts_destroy, NULL-safe); strings
    passed in are copied. coord_alerts_next hands over a new reference.
    Out of memory, an event is dropped with one line on stderr: detection
    never stops the coordinator. Errors are -1 / NULL with the reason in the
    error slot (util/error.h).
*/
#ifndef COORD_ALERTS_H
#define COORD_ALERTS_H

#include "models/dictionary.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COORD_ALERTS_SUBJECTS 4096
#define COORD_ALERTS_ANALYSTS 1024
#define COORD_ALERTS_DIFF_KEEP 32
#define COORD_ALERTS_PENDING_MAX 1024  //  entries waiting; more are dropped (counted)

typedef struct {
    unsigned auth_failures, auth_window_s;
    unsigned rate_factor, rate_min_queries;
    double burn_min_epsilon;
    unsigned history_hours, history_min_hours;
    double differencing_width;
    unsigned differencing_window_s;
    unsigned proof_failures, proof_window_s;
    unsigned queries_per_hour, launches_per_hour;
} coord_alerts_config_t;

/*  Fills *cfg with the defaults, then the `alerts` section of the config
    file at `path` (none: the defaults). Returns 0, or -1 with
    "path: alerts/key: reason". */
int coord_alerts_config_load (coord_alerts_config_t *cfg, const char *path);

typedef struct _coord_alerts_t coord_alerts_t;

/*  New detectors with a copy of `cfg` (checked by the loader). NULL with
    UTIL_ENOMEM. */
coord_alerts_t *coord_alerts_new (const coord_alerts_config_t *cfg);

void coord_alerts_destroy (coord_alerts_t **self_p);

/*  A handshake was refused: `key` the client's Z85 key ("" if none),
    `address` its address, `reason` the handler's. */
void coord_alerts_auth_failed (coord_alerts_t *self, int64_t now_ms, const char *key,
                               const char *address, const char *reason);

/*  Whether `analyst` may launch a query (`query`) or a study now. 0, or -1
    with the refusal in `why` (size bytes) and a "ratelimit.refused" entry
    queued. Nothing is counted: coord_alerts_launched counts. */
int coord_alerts_admit (coord_alerts_t *self, int64_t now_ms, const char *analyst, bool query,
                        char *why, size_t size);

/*  `analyst` launched a query (query_text, its expression) or a study
    (query_text NULL) asking for `epsilon`. Counts it, and runs the rate,
    burn and differencing detectors. `dict` (may be NULL) gives the
    columns' public ranges for differencing; without it the width is taken
    relative to the numbers themselves. */
void coord_alerts_launched (coord_alerts_t *self, int64_t now_ms, const char *analyst,
                            const char *query_text, const model_dict_t *dict,
                            size_t max_levels, double epsilon);

/*  A contribution of `site` failed its proof, for `reason`. */
void coord_alerts_proof_failed (coord_alerts_t *self, int64_t now_ms, const char *site,
                                const char *reason);

/*  The next audit entry to write, {"kind", "actor", "detail": {...}}, or
    NULL when none waits. The caller owns it (json_decref). */
json_t *coord_alerts_next (coord_alerts_t *self);

#endif
