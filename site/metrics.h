/*  site/metrics.h - what a site tells its operator's Prometheus
    (docs/operations.md lists every metric):

        cohort_site_rounds_contributed_total{kind}      updates sent, by round kind
        cohort_site_decryptions_total{result}           answered | refused | error
        cohort_site_offers_accepted_total{kind}         study | query
        cohort_site_offers_declined_total{reason}       a reason class (below)
        cohort_site_budget_epsilon{dataset}             the budget (site.cfg)
        cohort_site_budget_epsilon_spent{dataset}       spent, as the ledger holds it
        cohort_site_ingest_frames_total{result}         with an ingest section:
                                                        accepted, or the rejection

    Nothing from the data is here (STYLE.md rule 15; docs/privacy.md): no
    record count of a dataset, no value, no decline text. The ledger's
    epsilon is this site's own accounting of DP releases, the dataset label
    is the name site.cfg registers, and the ingest counts are of frames the
    gateways sent (the endpoint's own counters, as its log shows them at
    exit). The listener binds loopback unless site.cfg says otherwise: a
    metrics endpoint is a way out of the site.

    Contents
        site_decline_t              a declined offer's reason class
        site_metrics_t              the registry, its families, the listener
        site_metrics_new            registers, and listens when configured
        site_metrics_destroy        stops and frees
        site_metrics_contributed    an update sent
        site_metrics_decryption     a decryption request answered, refused, failed
        site_metrics_accepted       an offer accepted
        site_metrics_declined       an offer declined
        site_metrics_decline_class  the class of a decline reason's text
        site_metrics_budget         a dataset's budget and spending
        site_metrics_ingest         the ingest endpoint's counts
        site_metrics_text           the exposition text (tests)

    The object is the caller's (site_metrics_destroy, NULL-safe); updates
    are NULL-safe and never fail their caller (util/metrics.h).
*/
#ifndef SITE_METRICS_H
#define SITE_METRICS_H

#include "ingest/ingest.h"
#include "util/metrics.h"
#include "util/metrics_server.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    SITE_DECLINED_SIGNATURE,        //  analyst certificate, signature, age, replay, revocation
    SITE_DECLINED_INVALID,          //  the study or query does not parse or plan
    SITE_DECLINED_DATASET,          //  a dataset this site does not register
    SITE_DECLINED_PRIVACY_OFF,      //  privacy off, not allowed here
    SITE_DECLINED_QUORUM,           //  min_sites against the offer or the key
    SITE_DECLINED_BUDGET,           //  the ledger cannot take it
    SITE_DECLINED_POLICY,           //  min_subset
    SITE_DECLINED_DICTIONARY,       //  missing or not this site's copy
    SITE_DECLINED_DATA,             //  the data does not load for it (columns, rows)
    SITE_DECLINED_INTERNAL,         //  out of memory, a store that fails
    SITE_DECLINED_COUNT
} site_decline_t;

typedef enum {
    SITE_DECRYPT_ANSWERED,
    SITE_DECRYPT_REFUSED,           //  not this round's, or the checks of site/verify.h
    SITE_DECRYPT_ERROR              //  it could not be computed or decoded
} site_decrypt_t;

typedef struct _site_metrics_t site_metrics_t;

/*  Registers the site's families; with `address` (NULL: no listener)
    serves them there. NULL with the reason. */
site_metrics_t *site_metrics_new (const char *address, bool allow_remote);

/*  Stops the listener, frees everything, sets *self_p NULL. NULL-safe. */
void site_metrics_destroy (site_metrics_t **self_p);

/*  An update of a round of `kind` (proto_kind_name) was sent. */
void site_metrics_contributed (site_metrics_t *self, const char *kind);

/*  A decryption request was answered, refused or failed. */
void site_metrics_decryption (site_metrics_t *self, site_decrypt_t result);

/*  An offer (a query's when `query`) was accepted. */
void site_metrics_accepted (site_metrics_t *self, bool query);

/*  An offer was declined for `why`. */
void site_metrics_declined (site_metrics_t *self, site_decline_t why);

/*  The class of a decline reason as the site words it ("budget: ...",
    "policy: ...", "dictionary: ...", "... ran out of memory"), `fallback`
    for any other. */
site_decline_t site_metrics_decline_class (const char *reason, site_decline_t fallback);

/*  `dataset` (a name from site.cfg) has `budget` and has spent `spent`. */
void site_metrics_budget (site_metrics_t *self, const char *dataset, double budget,
                          double spent);

/*  The ingest endpoint's decisions since start, by reason. */
void site_metrics_ingest (site_metrics_t *self, const uint64_t counts [INGEST_REASON_COUNT]);

/*  The exposition text, the caller's (free). NULL with UTIL_ENOMEM. */
char *site_metrics_text (site_metrics_t *self);

#endif
