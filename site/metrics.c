/*  site/metrics.c - the site's metrics. */
#include "metrics.h"
#include "util/alloc.h"
#include "util/error.h"

#include <stdlib.h>
#include <string.h>

struct _site_metrics_t {
    util_metrics_t *registry;
    util_metrics_server_t *server;
    util_metric_t *contributed, *decryptions, *accepted, *declined, *budget, *spent, *ingest;
};

static const char *s_declined [SITE_DECLINED_COUNT] = {
    "signature", "invalid", "dataset", "privacy_off", "quorum", "budget", "policy",
    "dictionary", "data", "internal"
};

static const char *s_decrypt [] = { "answered", "refused", "error" };

site_metrics_t *
site_metrics_new (const char *address, bool allow_remote)
{
    site_metrics_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    util_metrics_t *r = self->registry = util_metrics_new ();
    if (!r
    ||  !(self->contributed = util_metrics_counter (r, "cohort_site_rounds_contributed_total",
            "Encrypted updates sent, by round kind.", "kind"))
    ||  !(self->decryptions = util_metrics_counter (r, "cohort_site_decryptions_total",
            "Decryption requests, by result (answered, refused, error).", "result"))
    ||  !(self->accepted = util_metrics_counter (r, "cohort_site_offers_accepted_total",
            "Offers accepted, by kind (study, query).", "kind"))
    ||  !(self->declined = util_metrics_counter (r, "cohort_site_offers_declined_total",
            "Offers declined, by reason class.", "reason"))
    ||  !(self->budget = util_metrics_gauge (r, "cohort_site_budget_epsilon",
            "The privacy budget of each dataset (site.cfg budget/epsilon).", "dataset"))
    ||  !(self->spent = util_metrics_gauge (r, "cohort_site_budget_epsilon_spent",
            "Epsilon spent on each dataset, as the ledger holds it.", "dataset"))
    ||  !(self->ingest = util_metrics_counter (r, "cohort_site_ingest_frames_total",
            "Frames the ingest endpoint decided since start: accepted, or the rejection.",
            "result"))) {
        util_error_context ("site: metrics");
        site_metrics_destroy (&self);
        return NULL;
    }
    for (int i = 0; i < SITE_DECLINED_COUNT; i++)
        util_metric_add (self->declined, (const char *[]) { s_declined [i] }, 0);
    for (int i = 0; i < 3; i++)
        util_metric_add (self->decryptions, (const char *[]) { s_decrypt [i] }, 0);
    if (address && !(self->server = util_metrics_server_new (r, address, allow_remote, "site"))) {
        util_error_context ("site");
        site_metrics_destroy (&self);
    }
    return self;
}

void
site_metrics_destroy (site_metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    site_metrics_t *self = *self_p;
    //  The listener first: it renders the registry.
    util_metrics_server_destroy (&self->server);
    util_metrics_destroy (&self->registry);
    free (self);
    *self_p = NULL;
}

void
site_metrics_contributed (site_metrics_t *self, const char *kind)
{
    if (self)
        util_metric_add (self->contributed, (const char *[]) { kind }, 1);
}

void
site_metrics_decryption (site_metrics_t *self, site_decrypt_t result)
{
    if (self && result <= SITE_DECRYPT_ERROR)
        util_metric_add (self->decryptions, (const char *[]) { s_decrypt [result] }, 1);
}

void
site_metrics_accepted (site_metrics_t *self, bool query)
{
    if (self)
        util_metric_add (self->accepted, (const char *[]) { query? "query": "study" }, 1);
}

void
site_metrics_declined (site_metrics_t *self, site_decline_t why)
{
    if (self && why < SITE_DECLINED_COUNT)
        util_metric_add (self->declined, (const char *[]) { s_declined [why] }, 1);
}

site_decline_t
site_metrics_decline_class (const char *reason, site_decline_t fallback)
{
    static const struct { const char *prefix; site_decline_t class; } table [] = {
        { "budget:", SITE_DECLINED_BUDGET }, { "policy:", SITE_DECLINED_POLICY },
        { "dictionary:", SITE_DECLINED_DICTIONARY }, { "privacy:", SITE_DECLINED_PRIVACY_OFF },
    };
    for (size_t i = 0; i < sizeof table / sizeof table [0]; i++)
        if (!strncmp (reason, table [i].prefix, strlen (table [i].prefix)))
            return table [i].class;
    //  s_reason's wording for out of memory (worker.c).
    if (strstr (reason, "the site ran out of memory"))
        return SITE_DECLINED_INTERNAL;
    return fallback;
}

void
site_metrics_budget (site_metrics_t *self, const char *dataset, double budget, double spent)
{
    if (!self)
        return;
    util_metric_set (self->budget, (const char *[]) { dataset }, budget);
    util_metric_set (self->spent, (const char *[]) { dataset }, spent);
}

void
site_metrics_ingest (site_metrics_t *self, const uint64_t counts [INGEST_REASON_COUNT])
{
    if (!self)
        return;
    //  The endpoint keeps the counts: mirrored, not added.
    for (int i = 0; i < INGEST_REASON_COUNT; i++)
        util_metric_set (self->ingest, (const char *[]) { ingest_reason_name ((ingest_reason_t) i) },
                         (double) counts [i]);
}

char *
site_metrics_text (site_metrics_t *self)
{
    return util_metrics_render (self->registry, NULL);
}
