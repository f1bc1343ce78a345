/*  coordinator/client.h - the analyst's side: a CURVE DEALER to the
    coordinator with the analyst certificate named in analyst.cfg:

    analyst
        coordinator = tcp://127.0.0.1:7600
        coordinator_cert = certs/coordinator.pub
        cert = certs/analyst.secret
        timeout_ms = 30000          optional: how long to wait for an answer

    With TOTP on at the coordinator, a request carries a code: the one set
    with coord_client_set_totp goes with the next request only (a code is
    good once), and with it the client's session, 32 random bytes drawn
    when it is made, which every later request of this client presents
    instead of a code (coordinator/totp.h). A request refused for a missing
    code asks the prompt set with coord_client_set_totp_prompt, if any, for
    a code, and is sent once more with it.

    Each call sends one request and waits for the answer. Errors come back
    as -1 / NULL with the reason in the error slot (util/error.h): no
    answer in time is UTIL_EIO, the coordinator's refusal UTIL_EREFUSED.

    Contents
        coord_client_t              a connection to the coordinator
        coord_client_new            connects with analyst.cfg
        coord_client_launch         launches a study
        coord_client_status         a study's status
        coord_client_report         a study's report
        coord_client_budget         every site's privacy budget per dataset
        coord_client_follow         follows a study until it ends
        coord_client_set_totp       the TOTP code of the next request
        coord_client_set_totp_prompt   where a code comes from when asked
        coord_query_request_t, coord_query_definition, coord_client_query
                                    an analyst's query: its definition, and
                                    launch, follow and report in one call
        coord_client_progress_fn    what coord_client_follow calls each time
        coord_client_destroy        disconnects

    The client is the caller's (coord_client_destroy, NULL-safe), and so is
    every answer: a study id (free), a status or report (json_decref).
*/
#ifndef COORD_CLIENT_H
#define COORD_CLIENT_H

#include "util/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct _coord_client_t coord_client_t;

/*  Connects with the analyst cert named in analyst.cfg (CURVE). NULL with
    the reason. */
coord_client_t *coord_client_new (const char *analyst_cfg_path);
void coord_client_destroy (coord_client_t **self_p);

/*  The TOTP code (6 or 8 digits; NULL or "" for none) the next request
    carries. 0, or -1 with UTIL_EINPUT when it is not 6 or 8 digits (the
    message does not quote it). */
int coord_client_set_totp (coord_client_t *self, const char *code) UTIL_WUR;

/*  Called when the coordinator refuses a request for want of a TOTP code:
    writes a code (NUL-terminated, at most size - 1 characters) into
    `code` and returns 0, or returns -1 (with the reason in the error
    slot) to give up. */
typedef int (coord_client_totp_fn) (char *code, size_t size, void *arg);

/*  Sets (or, with NULL, clears) the prompt for a code. */
void coord_client_set_totp_prompt (coord_client_t *self, coord_client_totp_fn *prompt,
                                   void *arg);

/*  Sends the study definition (study.cfg text); *study_id is a new string. */
int coord_client_launch (coord_client_t *self, const char *study_cfg_text, char **study_id);

/*  {"id","name","status","status_detail","round","step","steps",
    "epsilon_spent"} (new reference). study_id NULL or "" asks for the
    current or latest study. */
int coord_client_status (coord_client_t *self, const char *study_id, json_t **status);

/*  The report JSON (docs/report.md; new reference). */
int coord_client_report (coord_client_t *self, const char *study_id, json_t **report);

/*  What each site's ledger holds per dataset, as the site last reported it
    (new reference): {"budget": [{"dataset", "site", "epsilon_budget",
    "epsilon_spent", "epsilon_left", "delta", "age_s"}, ...] by dataset then
    site, "silent": [names of connected sites that reported none]}. age_s:
    seconds since that site's report (sites report every 2 s). */
int coord_client_budget (coord_client_t *self, json_t **budget);

/*  A query as an analyst asks it (cohort query). */
typedef struct {
    const char *expr;               //  the query (proto/query.h)
    const char *dataset;
    const char *name;               //  NULL: "query"
    double epsilon, delta;          //  for the whole query; unused when off
    bool off;                       //  privacy off (the consortium must allow it)
    unsigned min_sites;
} coord_query_request_t;

/*  The query definition (proto/study.h's query section) of a request: a
    new string (free), or NULL with the reason (the expression holds both
    kinds of quote, or a control character). */
char *coord_query_definition (const coord_query_request_t *request);

/*  Launches a query, follows it to its end (timeout_s as for
    coord_client_follow) and fetches its report: *id (free) and *report
    (json_decref) are set when it was launched, whatever came next. 0 when
    the query completed, else -1 with the reason (the coordinator's
    refusal, a failed query's detail, a timeout). */
int coord_client_query (coord_client_t *self, const coord_query_request_t *request,
                        double timeout_s, char **id, json_t **report);

/*  How often coord_client_follow asks for the status: after
    COORD_CLIENT_POLL_FIRST_MS first, then twice as long each time up to
    COORD_CLIENT_POLL_MS. */
#define COORD_CLIENT_POLL_FIRST_MS 5
#define COORD_CLIENT_POLL_MS 100

/*  Called by coord_client_follow with each status (borrowed), or with NULL
    when a status request went unanswered and is about to be retried.
    Returns 0 to go on, or -1 (with the reason in the error slot) to stop. */
typedef int (coord_client_progress_fn) (const json_t *status, void *arg);

/*  Follows a study until it ends (status completed or failed), asking for
    its status (every COORD_CLIENT_POLL_MS at most) and handing each answer to
    `progress` (NULL: none). With timeout_s > 0 it gives up after that many
    seconds, and a status request the coordinator leaves unanswered (it
    answers between rounds, so it may be busy) is retried over a fresh
    connection until then; with timeout_s = 0 there is no overall limit and
    an unanswered request ends the follow. Sets *final to the last status
    (new reference) and returns 0 when the study ended, whatever its
    status; else -1 with the reason. */
int coord_client_follow (coord_client_t *self, const char *study_id, double timeout_s,
                         coord_client_progress_fn *progress, void *arg, json_t **final);

#endif
