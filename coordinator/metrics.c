/*  coordinator/metrics.c - the coordinator's metrics. */
#include "metrics.h"
#include "util/alloc.h"
#include "util/error.h"

#include <stdlib.h>
#include <string.h>

struct _coord_metrics_t {
    util_metrics_t *registry;
    util_metrics_server_t *server;
    util_metric_t *rounds, *round_seconds, *sites, *rejected, *excluded, *launched,
                  *finished, *refused, *handshakes;
};

static const char *s_reject [COORD_REJECTED_COUNT] = {
    "late", "future", "duplicate", "other_study", "not_participant", "wrong_phase",
    "signature", "no_certificate", "malformed", "role", "identity"
};

static const char *s_refusal [COORD_REFUSAL_COUNT] = {
    "role", "totp", "rate_limit", "busy", "invalid", "not_found", "internal"
};

static const char *s_exclusion [COORD_EXCLUDED_COUNT] = { "share_index", "proof", "malformed" };

//  Round durations: a 3-site round on loopback takes ~0.1 s; a deadline
//  is 30 s by default.
static const double s_round_bounds [] = { 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300 };

coord_metrics_t *
coord_metrics_new (const char *address, bool allow_remote)
{
    coord_metrics_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    util_metrics_t *r = self->registry = util_metrics_new ();
    if (!r
    ||  !(self->rounds = util_metrics_counter (r, "cohort_coordinator_rounds_total",
            "Rounds ended, by kind and result (completed, failed).", "kind,result"))
    ||  !(self->round_seconds = util_metrics_histogram (r,
            "cohort_coordinator_round_duration_seconds",
            "Time from a round's start to its end (completed or failed), by kind.", "kind",
            s_round_bounds, sizeof s_round_bounds / sizeof s_round_bounds [0]))
    ||  !(self->sites = util_metrics_gauge (r, "cohort_coordinator_sites_connected",
            "Sites whose connection said hello and was not dropped.", NULL))
    ||  !(self->rejected = util_metrics_counter (r, "cohort_coordinator_messages_rejected_total",
            "Sites' messages rejected, by message and reason class.", "message,reason"))
    ||  !(self->excluded = util_metrics_counter (r, "cohort_coordinator_partials_excluded_total",
            "Partial decryptions excluded from a round, by reason class.", "reason"))
    ||  !(self->launched = util_metrics_counter (r, "cohort_coordinator_studies_launched_total",
            "Studies and queries launched (offered to the sites), by kind.", "kind"))
    ||  !(self->finished = util_metrics_counter (r, "cohort_coordinator_studies_finished_total",
            "Studies and queries finished, by kind and status (completed, failed).",
            "kind,status"))
    ||  !(self->refused = util_metrics_counter (r, "cohort_coordinator_requests_refused_total",
            "Analysts' requests refused, by reason class.", "reason"))
    ||  !(self->handshakes = util_metrics_counter (r,
            "cohort_coordinator_handshakes_refused_total",
            "Connections refused at their CURVE handshake (ZAP).", NULL))) {
        util_error_context ("coordinator: metrics");
        coord_metrics_destroy (&self);
        return NULL;
    }
    //  Every reason class shows from the start, at 0, so that a rate over
    //  it is defined before the first event.
    for (int i = 0; i < COORD_REFUSAL_COUNT; i++)
        util_metric_add (self->refused, (const char *[]) { s_refusal [i] }, 0);
    for (int i = 0; i < COORD_EXCLUDED_COUNT; i++)
        util_metric_add (self->excluded, (const char *[]) { s_exclusion [i] }, 0);
    if (address && !(self->server = util_metrics_server_new (r, address, allow_remote,
                                                             "coordinator"))) {
        util_error_context ("coordinator");
        coord_metrics_destroy (&self);
    }
    return self;
}

void
coord_metrics_destroy (coord_metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    coord_metrics_t *self = *self_p;
    //  The listener first: it renders the registry.
    util_metrics_server_destroy (&self->server);
    util_metrics_destroy (&self->registry);
    free (self);
    *self_p = NULL;
}

void
coord_metrics_round (coord_metrics_t *self, const char *kind, bool completed, double seconds)
{
    if (!self)
        return;
    util_metric_add (self->rounds, (const char *[]) { kind, completed? "completed": "failed" }, 1);
    util_metric_observe (self->round_seconds, (const char *[]) { kind }, seconds);
}

void
coord_metrics_sites (coord_metrics_t *self, unsigned n)
{
    if (self)
        util_metric_set (self->sites, NULL, n);
}

void
coord_metrics_rejected (coord_metrics_t *self, const char *message, coord_reject_t why)
{
    if (self && why < COORD_REJECTED_COUNT)
        util_metric_add (self->rejected, (const char *[]) { message, s_reject [why] }, 1);
}

void
coord_metrics_excluded (coord_metrics_t *self, coord_exclusion_t why)
{
    if (self && why < COORD_EXCLUDED_COUNT)
        util_metric_add (self->excluded, (const char *[]) { s_exclusion [why] }, 1);
}

void
coord_metrics_study (coord_metrics_t *self, bool query, const char *status)
{
    if (!self)
        return;
    const char *kind = query? "query": "study";
    if (!status)
        util_metric_add (self->launched, (const char *[]) { kind }, 1);
    else
        util_metric_add (self->finished, (const char *[]) { kind, strcmp (status, "completed")?
                                                             "failed": "completed" }, 1);
}

void
coord_metrics_refused (coord_metrics_t *self, coord_refusal_t why)
{
    if (self && why < COORD_REFUSAL_COUNT)
        util_metric_add (self->refused, (const char *[]) { s_refusal [why] }, 1);
}

void
coord_metrics_handshake_refused (coord_metrics_t *self)
{
    if (self)
        util_metric_add (self->handshakes, NULL, 1);
}

char *
coord_metrics_text (coord_metrics_t *self)
{
    return util_metrics_render (self->registry, NULL);
}
