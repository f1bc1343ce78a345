/*  coordinator/actor_private.h - what coordinator/actor.c (sockets,
    analysts, the loop) and coordinator/flow.c (each study's rounds) share:
    the actor's state, one run per study or query, and the calls each side
    makes of the other. Private to those two files.

    Contents
        run_t                   one study or query in progress
        self_t                  the coordinator actor
        coord_run_*             finding, placing, destroying runs (actor.c)
        coord_actor_*           sending, auditing, alerts (actor.c)
        coord_flow_*            a study's messages, journal, resume and
                                deadlines (flow.c)
*/
#ifndef COORD_ACTOR_PRIVATE_H
#define COORD_ACTOR_PRIVATE_H

#include "aggregate.h"
#include "alerts.h"
#include "config.h"
#include "journal.h"
#include "metrics.h"
#include "roles.h"
#include "sites.h"
#include "state.h"
#include "study.h"
#include "totp.h"
#include "audit/log.h"
#include "proto/curve.h"
#include "proto/message.h"

#include <czmq.h>
#include <jansson.h>

//  Studies and queries running at once (coordinator.cfg max_running may
//  set fewer).
#define COORD_RUNS_MAX 32

//  One study or query: its own state machine, aggregate, deadlines and
//  report entry. Messages find their run by the study id they carry.
typedef struct {
    coord_study_t *study;
    coord_state_t state;
    Cohort__RoundKind kind;
    he_codec_t round_codec;         //  the current round's (a query's may be narrower)
    coord_agg_t *agg;
    coord_set_t accepted, contributors;
    char **features;
    size_t n_features;
    uint64_t records;
    json_t *entry;                  //  the current round's report entry
    uint8_t *request;               //  the decryption request's aggregate, while decrypting
    size_t request_len;
    int64_t escalate_at;            //  then ask every contributor not asked yet (0: done)
    int64_t round_started;          //  zclock_mono() at the current round's start
    int64_t finished_at;            //  zclock_mono() when it ended (0: running)
    char analyst [PROTO_Z85_KEY_LEN + 8];   //  who launched it ("key:<z85>"), for quotas
    //  Resumed after a restart (s_resume): the sites it waits for before it
    //  redoes the round in flight, and until when.
    char (*resume_names) [PROTO_NAME_MAX + 1];
    size_t resume_n;
    int64_t resume_until;           //  0: nothing to resume
} run_t;

typedef struct {
    zsock_t *pipe;
    coord_config_t *cfg;
    proto_server_t *server;
    zpoller_t *poller;              //  the pipe and the server socket
    he_pubkey_t *pk;
    he_verify_t *vk;
    he_codec_t codec;
    coord_journal_t *journal;
    coord_sites_t sites;
    run_t *runs [COORD_RUNS_MAX];   //  running studies and queries, and lately ended ones
    bool terminated;
    model_dict_t *dict;             //  the consortium's data dictionary (NULL: none)
    char *dict_text;                //  ... as offered with every query
    json_t *budgets;                //  site name -> its last hello's ledger report
    audit_log_t *audit;             //  refusals and alerts (coordinator.cfg audit)
    coord_totp_t *totp;             //  analysts' second factor (NULL: TOTP off)
    coord_alerts_t *alerts;         //  anomaly detectors, rate limits (alerts.h)
    coord_roles_t *roles;           //  the admin's key and revocation list
    //  Each known site's role certificate (its last hello's), by slot: its
    //  key checks the site's updates, its text goes with them to the sites
    //  asked to decrypt (site/verify.h).
    proto_rolecert_t *site_role [COORD_SLOTS];
    char *site_role_text [COORD_SLOTS];
    coord_metrics_t *metrics;       //  for the operator's Prometheus (metrics.h)
} self_t;

/*  actor.c */

/*  Frees a run and everything it holds; NULL-safe. */
void coord_run_destroy (run_t **run_p);

/*  The run of study `id`, or NULL. */
run_t *coord_run_find (self_t *self, const char *id);

/*  A free place in self->runs for a new run: an empty one, else that of the
    run that ended longest ago (destroyed here); COORD_RUNS_MAX when every
    run is still running. */
size_t coord_run_place (self_t *self);

/*  One audit entry (detail consumed; NULL: {}); a failure is logged. */
void coord_actor_audit (self_t *self, const char *kind, const char *actor, json_t *detail);

/*  Writes the anomaly detectors' pending entries to the audit log. */
void coord_actor_alerts_flush (self_t *self);

/*  Sends msg to a site (identity), stamped with study and round. */
void coord_actor_send (self_t *self, zframe_t *identity, const char *study_id, uint32_t round,
                       proto_msg_t *msg);

/*  Sends an error with `reason` (copied first: it may be the error slot). */
void coord_actor_send_error (self_t *self, zframe_t *identity, const char *study_id,
                             uint32_t round, const char *reason);

/*  flow.c */

/*  Writes run's report and status to the journal; a failure is logged. */
void coord_flow_journal (self_t *self, run_t *run);

/*  A site's acceptance, decline, update and partial decryption, from site
    slot `slot` (-1: not a known site), each judged against its study's
    state first. */
void coord_flow_on_accept (self_t *self, zframe_t *identity, int slot, const proto_msg_t *msg);
void coord_flow_on_decline (self_t *self, zframe_t *identity, int slot, const proto_msg_t *msg);
void coord_flow_on_update (self_t *self, zframe_t *identity, int slot, const proto_msg_t *msg);
void coord_flow_on_partial (self_t *self, zframe_t *identity, int slot, const proto_msg_t *msg);

/*  At start: rebuilds every running study the journal holds. */
void coord_flow_resume (self_t *self);

/*  Each turn of the loop, for each running run: a resumed study whose
    sites are back, silent sites, escalation, the phase's deadline. */
void coord_flow_tick (self_t *self, run_t *run);

#endif
