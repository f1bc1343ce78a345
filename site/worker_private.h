/*  site/worker_private.h - what the site worker's three files share:
    worker.c (the loop, hellos, rejoining, reload), offer.c (an offer
    checked, its data and plan made, accepted or declined) and round.c
    (each round's contribution and decryption). Private to them.

    Contents
        run_t                   one study or query the site takes part in
        struct _site_worker_t   the worker
        site_run_*              finding, counting, forgetting runs (worker.c)
        site_worker_*           sending, auditing, declining (worker.c)
        site_offer_take         an offer (offer.c)
        site_round_on_*         a round start, a decryption request (round.c)
*/
#ifndef SITE_WORKER_PRIVATE_H
#define SITE_WORKER_PRIVATE_H

#include "worker.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/file.h"
#include "util/log.h"
#include "config.h"
#include "contrib.h"
#include "data.h"
#include "policy.h"
#include "ingest/endpoint.h"
#include "site.h"
#include "train.h"
#include "query.h"
#include "audit/log.h"
#include "dp/discrete.h"
#include "dp/ledger.h"
#include "he/codec.h"
#include "he/keyfile.h"
#include "he/serial.h"
#include "proto/curve.h"
#include "proto/message.h"
#include "proto/signed.h"
#include "state.h"
#include "metrics.h"
#include "verify.h"


#include <czmq.h>
#include <jansson.h>
#include <math.h>
#include <string.h>
#include <time.h>

_Static_assert (SITE_STATE_KINDS >= PROTO_KINDS, "site/state.h counts every round kind");

//  The ledger scope: one budget per dataset across every study.
#define SITE_LEDGER_SCOPE "all-studies"

//  Studies and queries a site takes part in at once.
#define SITE_RUNS_MAX 32

//  One accepted study or query: its plan, data and rounds. Messages find
//  theirs by the study id they carry.
typedef struct {
    char study_id [PROTO_ID_MAX + 1];
    proto_study_t *study;
    proto_plan_t plan;
    site_data_t *data;
    const site_dataset_t *dataset;
    //  A query: the dictionary it came with, its checked tree, its release
    //  and the records it reads.
    model_dict_t *dict;
    proto_query_t *query;
    proto_release_t release;
    he_codec_t query_codec;         //  a query's release's (proto_release_value_bits)
    model_records_t *records;
    uint32_t last_round, decrypted_round;
    uint64_t done [PROTO_KINDS];
    size_t expected_cts;
    uint8_t own_digest [PROTO_DIGEST_LEN];  //  of the update sent this round
    //  The last update sent and the last aggregate decrypted: a coordinator
    //  that restarted runs its round in flight again, and gets the same.
    uint8_t *last_update;
    size_t last_update_len;
    uint8_t last_sig [PROTO_SIG_LEN];
    int last_kind;
    uint8_t decrypted_digest [PROTO_DIGEST_LEN];
    int64_t seen_ms;                //  zclock_mono of the coordinator's last word on it
} run_t;

struct _site_worker_t {
    char *config_path;              //  read again by site_worker_reload
    site_config_t *cfg;
    he_pubkey_t *pk;
    he_share_t *share;
    he_codec_t codec;
    dp_ledger_t *ledger;
    dp_rng_t *rng;
    zsock_t *sock;
    run_t *runs [SITE_RUNS_MAX];    //  the studies and queries in progress
    //  The proof nonce prepared for the next decryption request (secret;
    //  spent by one proof).
    he_nonce_t *nonce;
    ingest_endpoint_t *endpoint;      //  gateways' ingest, if configured
    audit_log_t *audit;             //  this thread's handle, if configured
    audit_signer_t *signer;         //  signs this site's updates (site.cfg sign_key)
    site_peers_t *peers;            //  other sites' certificates (site/verify.h)
    proto_replay_t *replay;         //  study nonces accepted (proto/signed.h)
    proto_revocations_t *revocations;   //  as read at the last offer (NULL: none)
    site_state_t *state;            //  the accepted studies, kept (site/state.h)
    bool rejoining;                 //  rebuilding one after a restart: nothing is sent
    char actor [AUDIT_ACTOR_MAX];
    bool charged;                   //  the ledger changed: say so in a hello now
    site_metrics_t *metrics;        //  for the operator's Prometheus (metrics.h)
    bool stopping;                  //  draining: no new study or round
};

/*  worker.c */

/*  Abandons every run the coordinator has not spoken of for more than
    site.cfg study_idle_s at `now_ms` (zclock_mono): logged, audited
    (study.abandoned), its state row and run forgotten, so its slot and the
    budget its plan reserved are free again; its ledger charges stand. */
void site_worker_expire (site_worker_t *self, int64_t now_ms);

/*  Frees a run and what it holds; NULL-safe. */
void site_run_destroy (run_t **run_p);

/*  The run of study `id`, or NULL. */
run_t *site_run_find (site_worker_t *self, const char *id);

/*  Forgets study `id`'s run, if there is one. */
void site_run_forget (site_worker_t *self, const char *id);

/*  The runs held. */
unsigned site_run_count (const site_worker_t *self);

/*  One audit entry, if the site keeps an audit log (detail consumed). */
void site_worker_audit (site_worker_t *self, const char *kind, json_t *detail);

/*  Sends msg to the coordinator, stamped with study and round. */
void site_worker_send (site_worker_t *self, const char *study_id, uint32_t round,
                       proto_msg_t *msg);

/*  The error slot's reason after `prefix` into buf, or "the site ran out of
    memory" (the detail logged) for UTIL_ENOMEM. */
void site_worker_reason (const site_worker_t *self, char *buf, size_t size, const char *prefix);

/*  An error to the coordinator about study/round, logged. */
void site_worker_error_to (site_worker_t *self, const char *study_id, uint32_t round,
                           const char *reason);

/*  Declines study `study_id` with `reason` (audited, counted under class);
    rejoining, only logged and audited. */
void site_worker_decline (site_worker_t *self, const char *study_id, site_decline_t class,
                          const char *reason);

/*  offer.c: takes an offer (or, self->rejoining, a kept one): checks it,
    makes the run and accepts, or declines saying why. */
void site_offer_take (site_worker_t *self, const proto_msg_t *msg);

/*  round.c: a round start (an update, or an error), a decryption request
    (a proven partial decryption, or an error). */
void site_round_on_start (site_worker_t *self, const proto_msg_t *msg);
void site_round_on_decrypt (site_worker_t *self, const proto_msg_t *msg);

#endif
