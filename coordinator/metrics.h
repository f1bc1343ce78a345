/*  coordinator/metrics.h - what the coordinator tells its operator's
    Prometheus (docs/operations.md lists every metric):

        cohort_coordinator_rounds_total{kind,result}        completed | failed
        cohort_coordinator_round_duration_seconds{kind}     histogram, start to end
        cohort_coordinator_sites_connected                  gauge
        cohort_coordinator_messages_rejected_total{message,reason}
        cohort_coordinator_partials_excluded_total{reason}
        cohort_coordinator_studies_launched_total{kind}     study | query
        cohort_coordinator_studies_finished_total{kind,status}  completed | failed
        cohort_coordinator_requests_refused_total{reason}   analysts' requests
        cohort_coordinator_handshakes_refused_total         CURVE/ZAP refusals

    Every label value comes from a fixed set: a round kind and a message
    name (proto_kind_name, proto_body_name), or one of the reason classes
    below, never a reason's text. Nothing from a study's data is here: the
    coordinator sees none, and its counts are of rounds and messages.

    Contents
        coord_reject_t          why a site's message was rejected (class)
        coord_refusal_t         why an analyst's request was refused (class)
        coord_exclusion_t       why a partial decryption was excluded (class)
        coord_metrics_t         the registry, its families, the listener
        coord_metrics_new       registers, and listens when configured
        coord_metrics_destroy   stops and frees
        coord_metrics_round     a round ended
        coord_metrics_sites     sites connected now
        coord_metrics_rejected  a site's message rejected
        coord_metrics_excluded  a partial decryption excluded
        coord_metrics_study     a study or query launched or finished
        coord_metrics_refused   an analyst's request refused
        coord_metrics_handshake_refused     a connection refused at its handshake
        coord_metrics_text      the exposition text (tests)

    The object is the caller's (coord_metrics_destroy, NULL-safe); every
    update is NULL-safe and never fails its caller (util/metrics.h).
*/
#ifndef COORD_METRICS_H
#define COORD_METRICS_H

#include "util/metrics.h"
#include "util/metrics_server.h"

#include <stdbool.h>

typedef enum {
    COORD_REJECTED_LATE,              //  a round already over
    COORD_REJECTED_FUTURE,            //  a round not started
    COORD_REJECTED_DUPLICATE,         //  a second answer in one round
    COORD_REJECTED_OTHER_STUDY,       //  not the study in progress
    COORD_REJECTED_NOT_PARTICIPANT,   //  a site not taking part
    COORD_REJECTED_WRONG_PHASE,       //  e.g. an update after the collect deadline
    COORD_REJECTED_SIGNATURE,         //  an update whose signature fails
    COORD_REJECTED_NO_CERTIFICATE,    //  the site's certificate is not held
    COORD_REJECTED_MALFORMED,         //  ciphertexts that do not decode or fit
    COORD_REJECTED_ROLE,              //  a hello whose role certificate fails
    COORD_REJECTED_IDENTITY,          //  a hello refused by the allowlist or slots
    COORD_REJECTED_COUNT
} coord_reject_t;

typedef enum {
    COORD_REFUSAL_ROLE,             //  the role certificate or study signature
    COORD_REFUSAL_TOTP,             //  the second factor
    COORD_REFUSAL_RATE_LIMIT,       //  the analyst's quota (alerts.h)
    COORD_REFUSAL_BUSY,             //  another study is running
    COORD_REFUSAL_INVALID,          //  the study or query does not check
    COORD_REFUSAL_NOT_FOUND,        //  no such study, or the journal fails
    COORD_REFUSAL_INTERNAL,         //  out of memory
    COORD_REFUSAL_COUNT
} coord_refusal_t;

typedef enum {
    COORD_EXCLUDED_SHARE_INDEX,     //  not the site's share
    COORD_EXCLUDED_PROOF,           //  the proof does not verify
    COORD_EXCLUDED_MALFORMED,       //  does not decode or fit
    COORD_EXCLUDED_COUNT
} coord_exclusion_t;

typedef struct _coord_metrics_t coord_metrics_t;

/*  Registers the coordinator's families; with `address` (NULL: no
    listener) serves them there (util/metrics_server.h). NULL with the
    reason (out of memory, the address refused or in use). */
coord_metrics_t *coord_metrics_new (const char *address, bool allow_remote);

/*  Stops the listener, frees everything, sets *self_p NULL. NULL-safe. */
void coord_metrics_destroy (coord_metrics_t **self_p);

/*  A round of `kind` (proto_kind_name) ended, completed or failed, after
    `seconds`. */
void coord_metrics_round (coord_metrics_t *self, const char *kind, bool completed,
                          double seconds);

/*  `n` sites are connected now. */
void coord_metrics_sites (coord_metrics_t *self, unsigned n);

/*  A site's `message` (proto_body_name) was rejected for `why`. */
void coord_metrics_rejected (coord_metrics_t *self, const char *message, coord_reject_t why);

/*  A partial decryption was excluded for `why`. */
void coord_metrics_excluded (coord_metrics_t *self, coord_exclusion_t why);

/*  A study (query: a query) was launched (status NULL) or finished with
    `status` ("completed" or "failed"; any other counts as failed). */
void coord_metrics_study (coord_metrics_t *self, bool query, const char *status);

/*  An analyst's request was refused for `why`. */
void coord_metrics_refused (coord_metrics_t *self, coord_refusal_t why);

/*  A connection was refused at its CURVE handshake. */
void coord_metrics_handshake_refused (coord_metrics_t *self);

/*  The exposition text, the caller's (free). NULL with UTIL_ENOMEM. */
char *coord_metrics_text (coord_metrics_t *self);

#endif
