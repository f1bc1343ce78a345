/*  site/worker.c - the site's message loop, ledger and crypto. */
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

//  Studies and queries a site takes part in at once (site.cfg max_running
//  may set fewer).
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

site_worker_t *
site_worker_new (const char *config_path)
{
    site_worker_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    if (!(self->config_path = util_strdup (config_path)))
        goto fail;
    self->cfg = site_config_load (config_path);
    if (!self->cfg)
        goto fail;
    //  Structured logs from here on, when asked for (util/log.h).
    if (self->cfg->log_format == UTIL_LOG_JSON && util_log_json ("site"))
        goto fail;
    self->pk = he_keyfile_load_public (self->cfg->public_key);
    self->share = self->pk? he_keyfile_load_share (self->cfg->share): NULL;
    if (!self->pk || !self->share)
        goto fail;
    if (mpz_cmp (he_share_n (self->share), he_pubkey_n (self->pk))) {
        util_error (UTIL_EFAIL, "%s: the share belongs to another key than %s", self->cfg->share,
                    self->cfg->public_key);
        goto fail;
    }
    if (he_share_index (self->share) != self->cfg->index) {
        util_error (UTIL_EFAIL, "%s: share index %u, but the config says index = %u", self->cfg->share,
                    he_share_index (self->share), self->cfg->index);
        goto fail;
    }
    if (he_pubkey_precompute (self->pk) || he_share_precompute (self->share)
    ||  he_codec_init (&self->codec, he_pubkey_bits (self->pk), PROTO_FRAC_BITS,
                       PROTO_VALUE_BITS, PROTO_MAX_PARTIES)) {
        util_error_context ("keys");
        goto fail;
    }
    self->ledger = dp_ledger_open (self->cfg->ledger);
    if (!self->ledger) {
        util_error_context ("ledger");
        goto fail;
    }
    if (self->cfg->ingest
    &&  !(self->endpoint = ingest_endpoint_new (self->cfg->ingest, self->cfg->cert)))
        goto fail;
    if (self->cfg->audit) {
        //  Its own handle: appends re-read the head, so they interleave
        //  safely with the endpoint's.
        self->audit = audit_log_open (self->cfg->audit, self->cfg->audit_origin);
        if (!self->audit) {
            util_error_context ("audit");
            goto fail;
        }
        snprintf (self->actor, sizeof self->actor, "site:%s", self->cfg->name);
    }
    self->state = site_state_open (self->cfg->state);
    if (!self->state)
        goto fail;
    self->signer = audit_signer_load (self->cfg->sign_key);
    self->peers = self->signer? site_peers_new (self->cfg->admin): NULL;
    self->replay = self->peers? proto_replay_new (self->cfg->study_max_age_s): NULL;
    if (!self->replay) {
        util_error_context ("%s", self->cfg->sign_key);
        goto fail;
    }
    self->metrics = site_metrics_new (self->cfg->metrics, self->cfg->metrics_allow_remote);
    if (!self->metrics)
        goto fail;
    self->rng = dp_rng_new ();
    self->sock = proto_client_new (self->cfg->coordinator, self->cfg->cert,
                                   self->cfg->coordinator_cert);
    if (!self->rng || !self->sock) {
        if (!self->rng)
            util_error (UTIL_ENOMEM, "out of memory");
        goto fail;
    }
    return self;
fail:
    site_worker_destroy (&self);
    return NULL;
}

//  Appends one entry (detail: a JSON object, consumed) if the site keeps an
//  audit log. A failed append is logged; the study goes on. A detail that
//  could not be built (NULL: out of memory) is logged, and the entry says
//  that its detail was lost rather than pass for an empty one.
static void
s_audit (site_worker_t *self, const char *kind, json_t *detail)
{
    char *text = detail? json_dumps (detail, JSON_COMPACT | JSON_SORT_KEYS): NULL;
    json_decref (detail);
    if (!text)
        zsys_error ("site %s: audit %s: out of memory: the entry's detail is lost",
                    self->cfg->name, kind);
    if (self->audit) {
        audit_entry_t e = { 0, kind, self->actor,
                            text? text: "{\"detail_lost\":\"out of memory\"}" };
        if (audit_log_append (self->audit, &e, NULL))
            zsys_error ("site %s: audit %s: %s", self->cfg->name, kind, util_last_error ());
    }
    free (text);
}

static void
s_run_destroy (run_t **run_p)
{
    run_t *run = *run_p;
    if (!run)
        return;
    proto_study_destroy (&run->study);
    site_data_destroy (&run->data);
    model_records_destroy (&run->records);
    proto_query_destroy (&run->query);
    model_dict_destroy (&run->dict);
    free (run->last_update);
    free (run);
    *run_p = NULL;
}

//  The run of study `id`, or NULL.
static run_t *
s_run (site_worker_t *self, const char *id)
{
    for (size_t i = 0; i < SITE_RUNS_MAX; i++)
        if (self->runs [i] && !strcmp (self->runs [i]->study_id, id))
            return self->runs [i];
    return NULL;
}

//  Forgets study `id`'s run, if there is one.
static void
s_forget (site_worker_t *self, const char *id)
{
    for (size_t i = 0; i < SITE_RUNS_MAX; i++)
        if (self->runs [i] && !strcmp (self->runs [i]->study_id, id))
            s_run_destroy (&self->runs [i]);
}

static unsigned
s_runs (const site_worker_t *self)
{
    unsigned n = 0;
    for (size_t i = 0; i < SITE_RUNS_MAX; i++)
        n += self->runs [i] != NULL;
    return n;
}

void
site_worker_destroy (site_worker_t **self_p)
{
    if (self_p && *self_p) {
        site_worker_t *self = *self_p;
        for (size_t i = 0; i < SITE_RUNS_MAX; i++)
            s_run_destroy (&self->runs [i]);
        he_nonce_destroy (&self->nonce);
        ingest_endpoint_destroy (&self->endpoint);
        audit_log_destroy (&self->audit);
        audit_signer_destroy (&self->signer);
        site_peers_destroy (&self->peers);
        proto_replay_destroy (&self->replay);
        proto_revocations_destroy (&self->revocations);
        site_state_destroy (&self->state);
        site_metrics_destroy (&self->metrics);
        zsock_destroy (&self->sock);
        dp_rng_destroy (&self->rng);
        dp_ledger_destroy (&self->ledger);
        he_share_destroy (&self->share);
        he_pubkey_destroy (&self->pk);
        site_config_destroy (&self->cfg);
        free (self->config_path);
        free (self);
        *self_p = NULL;
    }
}

static void
s_send (site_worker_t *self, const char *study_id, uint32_t round, proto_msg_t *msg)
{
    msg->study_id = (char *) study_id;
    msg->round_id = round;
    if (proto_send (self->sock, NULL, msg))
        zsys_warning ("site %s: cannot send %s: %s", self->cfg->name, proto_body_name (msg),
                      util_last_error ());
}

//  The hello, every 2 s, carries what this site's ledger holds for each of
//  its datasets (cohort budget): the budget and the epsilon spent at its
//  delta. A dataset never offered has no ledger entry yet: its budget is
//  the config's and nothing is spent. One the ledger cannot read is left
//  out rather than guessed.
static void
s_hello (site_worker_t *self)
{
    Cohort__Hello hello = COHORT__HELLO__INIT;
    hello.role = "site";
    hello.name = self->cfg->name;
    hello.index = self->cfg->index;
    hello.role_cert = self->cfg->role_cert_text;
    Cohort__DatasetBudget budget [SITE_DATASETS_MAX];
    Cohort__DatasetBudget *list [SITE_DATASETS_MAX];
    for (size_t i = 0; i < self->cfg->n_datasets && i < PROTO_BUDGETS_MAX; i++) {
        Cohort__DatasetBudget *b = &budget [hello.n_budget];
        cohort__dataset_budget__init (b);
        b->dataset = self->cfg->datasets [i].name;
        if (dp_ledger_budget (self->ledger, SITE_LEDGER_SCOPE, b->dataset,
                              &b->epsilon_budget, &b->delta) == 0) {
            if (dp_ledger_epsilon_spent (self->ledger, SITE_LEDGER_SCOPE, b->dataset,
                                         &b->epsilon_spent))
                continue;
        }
        else
        if (util_last_code () == UTIL_EREFUSED) {
            b->epsilon_budget = self->cfg->budget_epsilon;
            b->delta = self->cfg->budget_delta;
        }
        else
            continue;
        site_metrics_budget (self->metrics, b->dataset, b->epsilon_budget, b->epsilon_spent);
        list [hello.n_budget++] = b;
    }
    //  The ingest counts are a round trip to the endpoint's actor: only
    //  for a listener that serves them.
    uint64_t counts [INGEST_REASON_COUNT];
    if (self->endpoint && self->cfg->metrics) {
        if (ingest_endpoint_counts (self->endpoint, counts) == 0)
            site_metrics_ingest (self->metrics, counts);
        else
            zsys_warning ("site %s: metrics: %s", self->cfg->name, util_last_error ());
    }
    hello.budget = list;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_HELLO;
    msg.hello = &hello;
    //  The hello must go whatever the ledger holds: one the decoder would
    //  refuse (a dataset name too long, registered twice) goes without.
    if (proto_validate (&msg))
        hello.n_budget = 0;
    s_send (self, "", 0, &msg);
}

//  The reason in the error slot, for a message that leaves the site (an
//  error or a decline), after `prefix`. An out-of-memory reason can name
//  sizes (rows sampled, rows held): it is logged here, and only "the site
//  ran out of memory" leaves.
static void
s_reason (const site_worker_t *self, char *buf, size_t size, const char *prefix)
{
    if (util_last_code () == UTIL_ENOMEM) {
        zsys_error ("site %s: %s%s", self->cfg->name, prefix, util_last_error ());
        snprintf (buf, size, "%sthe site ran out of memory", prefix);
    }
    else
        snprintf (buf, size, "%s%s", prefix, util_last_error ());
}

static void
s_error_to (site_worker_t *self, const char *study_id, uint32_t round, const char *reason)
{
    //  A copy: `reason` may be the error slot, which sending can overwrite.
    char text [PROTO_TEXT_MAX + 1];
    snprintf (text, sizeof text, "%s", reason);
    zsys_warning ("site %s: study %s round %u: %s", self->cfg->name, study_id, round, text);
    Cohort__Error err = COHORT__ERROR__INIT;
    err.message = (char *) text;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_ERROR;
    msg.error = &err;
    s_send (self, study_id, round, &msg);
}

static void
s_decline (site_worker_t *self, const char *study_id, site_decline_t class, const char *reason)
{
    //  A copy first: `reason` may be the error slot, which sending and
    //  auditing can overwrite.
    char text [PROTO_TEXT_MAX + 1];
    snprintf (text, sizeof text, "%s", reason);
    if (!self->rejoining)
        site_metrics_declined (self->metrics, class);
    if (self->rejoining) {
        //  The coordinator is not asking: the site tried to rejoin.
        zsys_warning ("site %s: cannot rejoin study %s: %s", self->cfg->name, study_id, text);
        s_audit (self, "study.rejoin_failed", json_pack ("{s:s, s:s}", "study", study_id,
                                                         "reason", text));
        return;
    }
    zsys_info ("site %s: declined study %s: %s", self->cfg->name, study_id, text);
    Cohort__StudyDecline decline = COHORT__STUDY_DECLINE__INIT;
    decline.reason = text;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_DECLINE;
    msg.decline = &decline;
    s_send (self, study_id, 0, &msg);
    s_audit (self, "study.decline", json_pack ("{s:s, s:s}", "study", study_id,
                                               "reason", text));
}

//  Adds to `curve` what the other studies and queries in progress on
//  `dataset` may still charge: the rounds their plans allow and they have
//  not run yet. An offer is checked against what is spent plus this, so
//  that studies accepted together never overrun the budget between them.
//  0 or -1.
static int
s_add_reserved (site_worker_t *self, const char *dataset, dp_curve_t *curve)
{
    for (size_t i = 0; i < SITE_RUNS_MAX; i++) {
        const run_t *other = self->runs [i];
        if (!other || other->plan.off || !other->dataset || strcmp (other->dataset->name, dataset))
            continue;
        for (int kind = 1; kind < PROTO_KINDS; kind++) {
            uint64_t rounds = other->plan.kind [kind].rounds;
            if (rounds <= other->done [kind])
                continue;
            dp_curve_t *left = proto_plan_ledger_curve (&other->plan, (Cohort__RoundKind) kind,
                                                        rounds - other->done [kind]);
            int rc = left? dp_curve_add (curve, left): -1;
            dp_curve_destroy (&left);
            if (rc)
                return -1;
        }
    }
    return 0;
}

//  Checks the whole planned schedule, with what the other studies in
//  progress may still charge, against the ledger. 0 if it fits, else -1
//  with the decline reason.
static int
s_check_budget (site_worker_t *self, run_t *run)
{
    if (run->plan.off)
        return 0;
    const char *dataset = run->dataset->name;
    if (dp_ledger_set_budget (self->ledger, SITE_LEDGER_SCOPE, dataset,
                              self->cfg->budget_epsilon, self->cfg->budget_delta))
        return util_error_context ("budget");
    dp_curve_t *total = proto_plan_ledger_total (&run->plan);
    if (total && s_add_reserved (self, dataset, total))
        dp_curve_destroy (&total);
    bool exceed = true;
    double after = 0, spent = 0;
    int rc = total? dp_ledger_would_exceed (self->ledger, SITE_LEDGER_SCOPE, dataset, total,
                                            &exceed, &after): -1;
    dp_curve_destroy (&total);
    if (rc)
        return util_error_context ("budget");
    if (dp_ledger_epsilon_spent (self->ledger, SITE_LEDGER_SCOPE, dataset, &spent))
        return util_error_context ("budget");
    if (exceed)
        return util_error (UTIL_EREFUSED, "budget: the %s would bring dataset %s to epsilon %.4g "
                           "(already spent %.4g%s) over this site's budget %.4g at delta %g",
                           run->study->query? "query": "study", dataset, after, spent,
                           s_runs (self)? ", with what the studies in progress may still spend"
                                        : "",
                           self->cfg->budget_epsilon, self->cfg->budget_delta);
    return 0;
}

//  A query offer: the dictionary it came with, the query checked against
//  it, its release (the site's own calibration, never the coordinator's),
//  and the records of consenting patients. 0, or -1 with the decline
//  reason.
//  The dictionary an offer came with, checked against this site's copy
//  (if its config names one), into run->dict. 0, or -1 with the reason.
static int
s_offered_dictionary (site_worker_t *self, run_t *run, const char *text)
{
    if (self->cfg->dictionary) {
        //  This site keeps its own copy of the agreed dictionary: the
        //  coordinator's must be the same, byte for byte.
        char *mine = NULL;
        size_t len;
        if (util_file_read (self->cfg->dictionary, MODEL_DICT_BYTES_MAX, 0, &mine, &len))
            return util_error_context ("dictionary");
        bool same = len == strlen (text) && !memcmp (mine, text, len);
        free (mine);
        if (!same)
            return util_error (UTIL_EREFUSED, "dictionary: the offered data dictionary differs "
                               "from this site's copy (site.cfg: dictionary)");
    }
    return (run->dict = model_dict_parse ("offered dictionary", text, strlen (text)))? 0: -1;
}

//  The site's minimum-subset rule (site.cfg min_subset) for a query with
//  where=: the records it selects here, counted with discrete Gaussian
//  noise of the variance the release puts on one count (all t shares: a
//  count released by this site alone), so that a refusal does not tell
//  the exact size. The
//  check is charged to the ledger first (a Gaussian count, sensitivity 1),
//  after the whole query's budget check. 0 to go on, or -1 with the reason.
static int
s_check_subset (site_worker_t *self, run_t *run)
{
    const proto_query_t *q = run->query;
    if (!self->cfg->min_subset || !q->where || run->plan.off)
        return 0;
    int64_t n = 0;
    const model_records_t *r = run->records;
    for (size_t i = 0; i < r->rows; i++) {
        const double *rec = r->values + i * r->vars;
        n += proto_query_complete (q, rec) && proto_cond_eval (q->where, rec);
    }
    //  In records: the release's noise on one count, without its fixed point.
    double sigma2 = ceil (ldexp ((double) run->release.local_sigma2 * run->release.threshold,
                                 -2 * (int) run->release.frac_bits));
    sigma2 = sigma2 < 1? 1: sigma2;
    dp_curve_t *check = dp_curve_new_default ();
    dp_curve_t *both = proto_plan_ledger_total (&run->plan);
    int rc = -1;
    bool exceed = true;
    double after = 0;
    if (!check || !both || dp_curve_add_gaussian (check, 1, sqrt (sigma2))
    ||  dp_curve_add (both, check) || s_add_reserved (self, run->dataset->name, both)
    ||  dp_ledger_would_exceed (self->ledger, SITE_LEDGER_SCOPE, run->dataset->name, both,
                                &exceed, &after)) {
        util_error_context ("budget");
        goto done;
    }
    if (exceed) {
        util_error (UTIL_EREFUSED, "budget: the query and its where= size check would bring "
                    "dataset %s to epsilon %.4g, over this site's budget %.4g",
                    run->dataset->name, after, self->cfg->budget_epsilon);
        goto done;
    }
    char label [200];
    snprintf (label, sizeof label, "query %s where= size check", run->study_id);
    if (dp_ledger_charge (self->ledger, SITE_LEDGER_SCOPE, run->dataset->name, check, label)) {
        util_error_context ("budget");
        goto done;
    }
    self->charged = true;
    dp_rational_t s2;
    dp_dgauss_t gauss;
    int64_t noisy = n;
    if (dp_rational_set (&s2, (uint64_t) sigma2, 1) || dp_dgauss_init (&gauss, &s2)
    ||  dp_dgauss_add (&gauss, self->rng, &noisy, 1)) {
        util_error_context ("noise");
        goto done;
    }
    rc = noisy < (int64_t) self->cfg->min_subset
       ? util_error (UTIL_EREFUSED, "policy: where= selects fewer records at this site than "
                     "its minimum of %llu (judged on a noisy count)",
                     (unsigned long long) self->cfg->min_subset)
       : 0;
done:
    dp_curve_destroy (&check);
    dp_curve_destroy (&both);
    return rc;
}

//  The training-record count a study's acceptance carries (proto/plan.h;
//  docs/privacy.md s.7, "The record count"): under unit = site none (1
//  stands in: site-level DP covers the dataset's size), with privacy off
//  the exact count (nothing is private then), else the count plus a
//  discrete Gaussian of the plan's count_sigma2, charged to the ledger
//  (durably) before it is drawn. The noisy count is clamped to
//  [1, PROTO_RECORDS_MAX] (post-processing). 0, or -1 with the decline
//  reason.
static int
s_study_records (site_worker_t *self, run_t *run, uint64_t *records, uint64_t *sigma2)
{
    const proto_study_t *study = run->study;
    uint64_t n = run->data->train->n;
    *sigma2 = 0;
    if (study->privacy_off) {
        *records = n;
        return 0;
    }
    if (study->unit == PROTO_UNIT_SITE || !run->plan.count_sigma2) {
        *records = 1;
        return 0;
    }
    char label [200];
    snprintf (label, sizeof label, "study %s record count", run->study_id);
    dp_curve_t *charge = proto_plan_count_curve (&run->plan);
    int rc = charge? dp_ledger_charge (self->ledger, SITE_LEDGER_SCOPE, run->dataset->name,
                                       charge, label): -1;
    dp_curve_destroy (&charge);
    if (rc)
        return util_error_context ("budget");
    self->charged = true;
    s_audit (self, "budget.charge", json_pack ("{s:s, s:s, s:s, s:s, s:I, s:f}",
                                               "study", run->study_id, "kind", "record_count",
                                               "dataset", run->dataset->name, "label", label,
                                               "noise_sigma2",
                                               (json_int_t) run->plan.count_sigma2,
                                               "epsilon", run->plan.count_epsilon));
    dp_rational_t s2;
    dp_dgauss_t gauss;
    int64_t noisy = (int64_t) n;
    if (dp_rational_set (&s2, run->plan.count_sigma2, 1) || dp_dgauss_init (&gauss, &s2)
    ||  dp_dgauss_add (&gauss, self->rng, &noisy, 1))
        return util_error_context ("noise");
    *records = noisy < 1? 1: (uint64_t) noisy > PROTO_RECORDS_MAX? PROTO_RECORDS_MAX
                                                                   : (uint64_t) noisy;
    *sigma2 = run->plan.count_sigma2;
    return 0;
}

static int
s_prepare_query (site_worker_t *self, run_t *run, const Cohort__StudyOffer *offer)
{
    const proto_study_t *q = run->study;
    const char *text = offer->dictionary;
    if (!text || !*text)
        return util_error (UTIL_EINPUT, "dictionary: the query came without the data dictionary");
    if (s_offered_dictionary (self, run, text))
        return -1;
    if (!(run->query = proto_query_parse (q->query))
    ||  proto_query_check (run->query, run->dict, PROTO_QUERY_LEVELS_DEFAULT)
    ||  proto_release_make (&run->release, run->query, q->privacy_off, q->epsilon, q->delta,
                            he_share_threshold (self->share)))
        return -1;
    proto_release_plan (&run->release, &run->plan);
    if (he_codec_init (&run->query_codec, he_pubkey_bits (self->pk), PROTO_FRAC_BITS,
                       proto_release_value_bits (&run->release), PROTO_MAX_PARTIES))
        return util_error_context ("codec");
    if (site_query_load (&run->records, run->dataset, run->dict, q))
        return -1;
    return q->privacy_off? 0: site_policy_check_delta (q->delta, self->cfg->budget_delta,
                                                        run->records->rows);
}

//  An offer's analyst certificate and signature (site/verify.h), against
//  the revocation list as it is now (site.cfg revocations, read again at
//  each offer; one that cannot be read refuses every offer). 0 to go on;
//  -1 when the offer was declined, with an audit entry.
static int
s_check_offer (site_worker_t *self, const proto_msg_t *msg)
{
    char reason [PROTO_TEXT_MAX] = "", analyst [AUDIT_KEY_NAME_MAX + 2] = "?";
    if (self->cfg->revocations) {
        size_t len = 0;
        char *text = NULL;
        proto_revocations_t *list = util_file_read (self->cfg->revocations, PROTO_REVOCATIONS_MAX,
                                                    0, &text, &len)? NULL
                                  : proto_revocations_open (text, len, self->cfg->admin);
        free (text);
        if (!list)
            s_reason (self, reason, sizeof reason, "revocations: ");
        else {
            proto_revocations_destroy (&self->revocations);
            self->revocations = list;
            site_peers_set_revocations (self->peers, list);
        }
    }
    //  Rejoining, the signature's age and nonce were checked at acceptance:
    //  a set of its own and no age limit; the certificate and the signature
    //  are checked again.
    proto_replay_t *fresh = self->rejoining? proto_replay_new (UINT32_MAX): NULL;
    if (!*reason && self->rejoining && !fresh)
        snprintf (reason, sizeof reason, "the site ran out of memory");
    if (!*reason && site_verify_offer (self->peers, fresh? fresh: self->replay, msg->offer,
                                       (uint64_t) time (NULL),
                                       fresh? UINT32_MAX: self->cfg->study_max_age_s,
                                       analyst, sizeof analyst))
        s_reason (self, reason, sizeof reason, "");
    proto_replay_destroy (&fresh);
    if (!*reason)
        return 0;
    s_audit (self, "study.refused", json_pack ("{s:s, s:s, s:s}", "study", msg->study_id,
                                               "analyst", analyst, "reason", reason));
    s_decline (self, msg->study_id, SITE_DECLINED_SIGNATURE, reason);
    return -1;
}

//  Keeps the accepted offer (site/state.h) before the acceptance leaves, so
//  that a restart finds it. A site that cannot keep it still takes part
//  (it could not rejoin after a restart), and says so in its log.
static void
s_keep_offer (site_worker_t *self, const proto_msg_t *msg)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (proto_encode (msg, &buf, &len)
    ||  site_state_accept (self->state, msg->study_id, buf, len))
        zsys_error ("site %s: study %s is not kept for a restart: %s", self->cfg->name,
                    msg->study_id, util_last_error ());
    free (buf);
}

static void
s_on_offer (site_worker_t *self, const proto_msg_t *msg)
{
    if (self->stopping) {
        //  The study in progress is left as it is: its round in flight
        //  may still be decrypted before the worker stops.
        s_decline (self, msg->study_id, SITE_DECLINED_INTERNAL, "the site is stopping");
        return;
    }
    const char *id = msg->study_id;
    if (s_run (self, id)) {
        zsys_info ("site %s: study %s offered again: the one held is replaced", self->cfg->name,
                   id);
        s_forget (self, id);
    }
    if (!self->rejoining && site_state_forget (self->state, id))
        zsys_error ("site %s: %s", self->cfg->name, util_last_error ());
    size_t place = 0;
    while (place < SITE_RUNS_MAX && self->runs [place])
        place++;
    if (place == SITE_RUNS_MAX) {
        char why [160];
        snprintf (why, sizeof why, "busy: this site takes part in %d studies and queries at "
                  "once, its most", SITE_RUNS_MAX);
        s_decline (self, id, SITE_DECLINED_POLICY, why);
        return;
    }
    if (s_check_offer (self, msg))
        return;
    proto_study_t *study = proto_study_parse (msg->offer->study_cfg, "offer");
    run_t *run = study? util_calloc (1, sizeof *run): NULL;
    if (!run) {
        char why [PROTO_TEXT_MAX];
        s_reason (self, why, sizeof why, "");
        s_decline (self, id, site_metrics_decline_class (why, SITE_DECLINED_INVALID), why);
        proto_study_destroy (&study);
        return;
    }
    run->study = study;
    snprintf (run->study_id, sizeof run->study_id, "%s", id);
    run->dataset = site_config_dataset (self->cfg, study->dataset);
    //  A study that comes with the dictionary is read through it.
    bool dictionary = !study->query && msg->offer->dictionary && *msg->offer->dictionary;
    //  scale = auto: bounds exactly when the coordinator read the study
    //  through the dictionary (it offers the dictionary then), so both
    //  make the same plan.
    proto_study_resolve_scale (study, dictionary);
    char reason [PROTO_TEXT_MAX];
    //  The decline's class for the metrics (metrics.h): the branch's, or
    //  the one its reason's prefix names (budget:, policy:, dictionary:).
    site_decline_t class = SITE_DECLINED_QUORUM;
    if (!run->dataset) {
        class = SITE_DECLINED_DATASET;
        snprintf (reason, sizeof reason, "unknown dataset: '%s' is not registered at this site",
                  study->dataset);
    }
    else
    if ((class = SITE_DECLINED_PRIVACY_OFF, study->privacy_off && !self->cfg->allow_privacy_off))
        snprintf (reason, sizeof reason, "privacy: this site does not take part in studies "
                  "with privacy off (allow_privacy_off = false)");
    else
    if ((class = SITE_DECLINED_QUORUM, msg->offer->threshold != study->min_sites))
        snprintf (reason, sizeof reason, "offer: quorum %u differs from the study's min_sites %u",
                  msg->offer->threshold, study->min_sites);
    else
    if (study->min_sites < he_share_threshold (self->share))
        snprintf (reason, sizeof reason, "offer: min_sites %u is below the key's threshold %u "
                  "(a sum of fewer sites cannot be decrypted, and each site's noise is 1/%u of "
                  "the study's)", study->min_sites, he_share_threshold (self->share),
                  he_share_threshold (self->share));
    else
    //  The caps on what the study sizes, before anything of that size is
    //  allocated (site/policy.h).
    if ((class = SITE_DECLINED_POLICY, site_policy_check_study (&self->cfg->policy, study)))
        s_reason (self, reason, sizeof reason, "");
    else
    if (study->query) {
        class = SITE_DECLINED_INVALID;
        if (s_prepare_query (self, run, msg->offer)
        ||  (!self->rejoining && ((class = SITE_DECLINED_BUDGET, s_check_budget (self, run))
                                  || (class = SITE_DECLINED_POLICY, s_check_subset (self, run)))))
            s_reason (self, reason, sizeof reason, "");
        else
            reason [0] = 0;
    }
    else
    if ((class = SITE_DECLINED_INVALID, study->bounds && !dictionary))
        snprintf (reason, sizeof reason, "study/scale: bounds, but the offer came without the "
                  "data dictionary");
    else
    if ((class = SITE_DECLINED_DICTIONARY, dictionary)
    &&  s_offered_dictionary (self, run, msg->offer->dictionary))
        s_reason (self, reason, sizeof reason, "");
    else
    if ((class = SITE_DECLINED_DATA, site_data_load (&run->data, run->dataset, study,
                                                     run->dict)))
        s_reason (self, reason, sizeof reason, "");
    else
    if ((class = SITE_DECLINED_POLICY,
         site_policy_check_model (&self->cfg->policy, study, run->data->p)
         || (!study->privacy_off
             && site_policy_check_delta (study->delta, self->cfg->budget_delta,
                                         run->data->train->n))))
        s_reason (self, reason, sizeof reason, "");
    else
    if ((class = SITE_DECLINED_INVALID, proto_plan_make (&run->plan, study, run->data->p,
                                                         he_share_threshold (self->share))))
        s_reason (self, reason, sizeof reason, "");
    else
    if ((class = SITE_DECLINED_BUDGET, !self->rejoining && s_check_budget (self, run)))
        s_reason (self, reason, sizeof reason, "");
    else
        reason [0] = 0;
    //  Whose records it uses, under which grant: kept before it is answered.
    if (!*reason && !self->rejoining && (class = SITE_DECLINED_INTERNAL,
        site_contrib_record (self->cfg, run->dataset, study, msg, self->audit)))
        s_reason (self, reason, sizeof reason, "");
    if (*reason) {
        s_decline (self, id, site_metrics_decline_class (reason, class), reason);
        s_run_destroy (&run);
        return;
    }
    self->runs [place] = run;
    //  Rejoining: the study is rebuilt; nothing is charged or sent again.
    if (self->rejoining)
        return;
    if (study->query) {
        //  A query's acceptance says nothing of the data: no count, but
        //  with privacy off (nothing is private then) the records that
        //  will contribute, for the report's per-site counts.
        Cohort__StudyAccept accept = COHORT__STUDY_ACCEPT__INIT;
        if (study->privacy_off)
            for (size_t i = 0; i < run->records->rows; i++) {
                const double *rec = run->records->values + i * run->records->vars;
                accept.train_records += proto_query_complete (run->query, rec)
                                     && proto_cond_eval (run->query->where, rec);
            }
        proto_msg_t out = COHORT__ENVELOPE__INIT;
        out.body_case = COHORT__ENVELOPE__BODY_ACCEPT;
        out.accept = &accept;
        s_keep_offer (self, msg);
        s_send (self, id, 0, &out);
        s_audit (self, "query.accept", json_pack ("{s:s, s:s, s:s, s:s, s:I, s:f}", "query", id,
                                                  "expr", study->query,
                                                  "dataset", run->dataset->name,
                                                  "kind", proto_query_kind_name (run->query->kind),
                                                  "records", (json_int_t) run->records->rows,
                                                  "planned_epsilon", run->plan.epsilon));
        site_metrics_accepted (self->metrics, true);
        zsys_info ("site %s: accepted query %s (%s): %zu records, planned epsilon %.4f",
                   self->cfg->name, id, study->query, run->records->rows, run->plan.epsilon);
        return;
    }
    Cohort__StudyAccept accept = COHORT__STUDY_ACCEPT__INIT;
    accept.n_features = run->data->p;
    accept.features = site_data_features (run->data);
    //  No exact count leaves under DP (s_study_records).
    if (s_study_records (self, run, &accept.train_records, &accept.records_noise_sigma2)) {
        s_reason (self, reason, sizeof reason, "");
        s_decline (self, id, site_metrics_decline_class (reason, SITE_DECLINED_BUDGET), reason);
        s_forget (self, id);
        return;
    }
    proto_msg_t out = COHORT__ENVELOPE__INIT;
    out.body_case = COHORT__ENVELOPE__BODY_ACCEPT;
    out.accept = &accept;
    s_keep_offer (self, msg);
    s_send (self, id, 0, &out);
    s_audit (self, "study.accept", json_pack ("{s:s, s:s, s:s, s:I, s:I, s:f}", "study", id,
                                              "name", study->name,
                                              "dataset", run->dataset->name,
                                              "train_records",
                                              (json_int_t) run->data->train->n,
                                              "train_records_sent",
                                              (json_int_t) accept.train_records,
                                              "planned_epsilon", run->plan.epsilon));
    site_metrics_accepted (self->metrics, false);
    zsys_info ("site %s: accepted study %s (%s): %zu training rows, %zu test rows, noise "
               "multiplier %.4f, planned epsilon %.4f", self->cfg->name, id, study->name,
               run->data->train->n, run->data->test? run->data->test->n: 0,
               run->plan.noise_multiplier, run->plan.epsilon);
}

//  Checks a round start against this site's own plan. 0 or -1 + reason.
static int
s_check_round (run_t *run, const proto_msg_t *msg)
{
    const Cohort__RoundStart *rs = msg->round_start;
    if (!run)
        return util_error (UTIL_EINPUT, "round: not a study this site accepted");
    if (msg->round_id <= run->last_round)
        return util_error (UTIL_EREFUSED, "round: round %u already passed (last %u)", msg->round_id,
                           run->last_round);
    const proto_plan_kind_t *k = &run->plan.kind [rs->kind];
    if (run->done [rs->kind] >= k->rounds)
        return util_error (UTIL_ELIMIT, "round: a %s round beyond the %llu accepted", proto_kind_name (rs->kind),
                           (unsigned long long) k->rounds);
    if (fabs (rs->sampling_rate - k->q) > 1e-12)
        return util_error (UTIL_EINPUT, "round: sampling rate %g differs from the study's %g",
                           rs->sampling_rate, k->q);
    bool query_kind = rs->kind == COHORT__ROUND_KIND__ROUND_KIND_QUERY
                   || rs->kind == COHORT__ROUND_KIND__ROUND_KIND_FIT_STEP;
    if (query_kind != (run->study->query != NULL))
        return util_error (UTIL_EINPUT, "round: a %s round for a %s", proto_kind_name (rs->kind),
                           run->study->query? "query": "study");
    size_t p = run->data? run->data->p: 0;
    bool model = rs->kind == COHORT__ROUND_KIND__ROUND_KIND_TRAIN
              || rs->kind == COHORT__ROUND_KIND__ROUND_KIND_EVAL;
    if (model && (rs->n_params != run->plan.n_params || rs->n_mean != p))
        return util_error (UTIL_EINPUT, "round: %zu parameters and %zu means, expected %zu and %zu",
                           rs->n_params, rs->n_mean, run->plan.n_params, p);
    return 0;
}

//  Prepares the proof nonce (fresh r, v^r) of the next decryption request,
//  so that the request only pays for (C*^4)^r and the response. Called off
//  the request path: once the site's update has left and after each
//  decryption. On failure the nonce is drawn when the request comes.
static void
s_prepare_nonce (site_worker_t *self)
{
    if (!self->nonce && !(self->nonce = he_nonce_new (self->share)))
        zsys_warning ("site %s: proof nonce: %s", self->cfg->name, util_last_error ());
}

//  The round this site contributed to last, asked again (a coordinator that
//  restarted runs its round in flight again under the same id): the same
//  update goes again, charged once. True when it was sent.
static bool
s_resend (site_worker_t *self, run_t *run, const proto_msg_t *msg)
{
    if (!run || !run->last_update
    ||  msg->round_id != run->last_round || (int) msg->round_start->kind != run->last_kind)
        return false;
    Cohort__Update update = COHORT__UPDATE__INIT;
    update.ciphertexts = (ProtobufCBinaryData) { run->last_update_len, run->last_update };
    update.signature = (ProtobufCBinaryData) { PROTO_SIG_LEN, run->last_sig };
    proto_msg_t out = COHORT__ENVELOPE__INIT;
    out.body_case = COHORT__ENVELOPE__BODY_UPDATE;
    out.update = &update;
    s_send (self, run->study_id, msg->round_id, &out);
    zsys_info ("site %s: study %s round %u asked again (the coordinator restarted): the same "
               "update goes again, not charged again", self->cfg->name, run->study_id,
               msg->round_id);
    s_audit (self, "round.resent", json_pack ("{s:s, s:I}", "study", run->study_id,
                                              "round", (json_int_t) msg->round_id));
    return true;
}

static void
s_on_round (site_worker_t *self, const proto_msg_t *msg)
{
    if (self->stopping) {
        s_error_to (self, msg->study_id, msg->round_id, "round: the site is stopping");
        return;
    }
    run_t *run = s_run (self, msg->study_id);
    if (s_resend (self, run, msg))
        return;
    if (s_check_round (run, msg)) {
        char why [PROTO_TEXT_MAX];
        s_reason (self, why, sizeof why, "");
        s_error_to (self, msg->study_id, msg->round_id, why);
        return;
    }
    const Cohort__RoundStart *rs = msg->round_start;
    const proto_plan_kind_t *k = &run->plan.kind [rs->kind];
    int64_t *v = util_calloc (k->dim, sizeof (int64_t));
    mpz_t *cts = NULL;
    const he_codec_t *codec = run->study->query? &run->query_codec: &self->codec;
    size_t ncts = he_codec_plaintexts (codec, k->dim);
    char why [600] = "";
    dp_curve_t *charge = NULL;
    if (!v) {
        s_reason (self, why, sizeof why, "round: ");
        goto done;
    }
    if (run->study->query) {
        if (site_query_vector (v, run->records, &run->release, rs->kind, rs->params,
                               rs->n_params)) {
            s_reason (self, why, sizeof why, "");
            goto done;
        }
    }
    else
    if (site_round_vector (v, run->data, run->study, &run->plan, rs, self->rng)) {
        s_reason (self, why, sizeof why, "");
        goto done;
    }
    if (!run->plan.off) {
        //  Charged (durably) before anything noised leaves this site.
        char label [200];
        snprintf (label, sizeof label, "study %s round %u %s", run->study_id, msg->round_id,
                  proto_kind_name (rs->kind));
        charge = proto_plan_ledger_curve (&run->plan, rs->kind, 1);
        int rc = charge? dp_ledger_charge (self->ledger, SITE_LEDGER_SCOPE, run->dataset->name,
                                           charge, label): -1;
        if (rc) {
            s_reason (self, why, sizeof why, "budget: ");
            goto done;
        }
        self->charged = true;
        double eps = 0, order = 0;
        bool converted = dp_curve_epsilon (charge, self->cfg->budget_delta,
                                           DP_CONVERSION_IMPROVED, &eps, &order) == 0;
        json_t *d = json_pack ("{s:s, s:I, s:s, s:s, s:s, s:I}", "study", run->study_id,
                               "round", (json_int_t) msg->round_id,
                               "kind", proto_kind_name (rs->kind),
                               "dataset", run->dataset->name, "label", label,
                               "curve_orders", (json_int_t) dp_curve_size (charge));
        if (d && converted
        &&  (json_object_set_new (d, "epsilon", json_real (eps))
         ||  json_object_set_new (d, "delta", json_real (self->cfg->budget_delta))
         ||  json_object_set_new (d, "order", json_real (order)))) {
            json_decref (d);
            d = NULL;
        }
        s_audit (self, "budget.charge", d);
        dp_rational_t s2;
        dp_dgauss_t gauss;
        if (dp_rational_set (&s2, k->local_sigma2, 1) || dp_dgauss_init (&gauss, &s2)
        ||  dp_dgauss_add (&gauss, self->rng, v, k->dim)) {
            s_reason (self, why, sizeof why, "noise: ");
            goto done;
        }
    }
    cts = util_calloc (ncts, sizeof (mpz_t));
    if (!cts) {
        s_reason (self, why, sizeof why, "encrypt: ");
        goto done;
    }
    for (size_t i = 0; i < ncts; i++)
        mpz_init (cts [i]);
    uint8_t *buf;
    size_t len;
    if (he_codec_encrypt (cts, self->pk, v, k->dim, codec)
    ||  he_vector_serialize (&buf, &len, self->pk, cts, ncts)) {
        s_reason (self, why, sizeof why, "encrypt: ");
        goto done;
    }
    uint8_t sig [PROTO_SIG_LEN];
    if (proto_update_sign (sig, self->signer, run->study_id, msg->round_id,
                           he_share_index (self->share), buf, len)
    ||  proto_update_digest (run->own_digest, buf, len)) {
        free (buf);
        s_reason (self, why, sizeof why, "");
        goto done;
    }
    Cohort__Update update = COHORT__UPDATE__INIT;
    update.ciphertexts = (ProtobufCBinaryData) { len, buf };
    update.signature = (ProtobufCBinaryData) { sizeof sig, sig };
    proto_msg_t out = COHORT__ENVELOPE__INIT;
    out.body_case = COHORT__ENVELOPE__BODY_UPDATE;
    out.update = &update;
    s_send (self, run->study_id, msg->round_id, &out);
    s_audit (self, "round.contribution", json_pack ("{s:s, s:I, s:s, s:I, s:I}",
                                                    "study", run->study_id,
                                                    "round", (json_int_t) msg->round_id,
                                                    "kind", proto_kind_name (rs->kind),
                                                    "ciphertexts", (json_int_t) ncts,
                                                    "bytes", (json_int_t) len));
    free (run->last_update);
    run->last_update = buf;
    run->last_update_len = len;
    memcpy (run->last_sig, sig, PROTO_SIG_LEN);
    run->last_kind = (int) rs->kind;
    site_metrics_contributed (self->metrics, proto_kind_name (rs->kind));
    run->last_round = msg->round_id;
    run->done [rs->kind]++;
    uint64_t done [SITE_STATE_KINDS] = { 0 };
    memcpy (done, run->done, sizeof run->done);
    if (site_state_round (self->state, run->study_id, msg->round_id, done))
        zsys_error ("site %s: %s", self->cfg->name, util_last_error ());
    run->expected_cts = ncts;
    s_prepare_nonce (self);
done:
    //  The noised vector is wiped: only its encryption leaves.
    util_cleanse (v, k->dim * sizeof (int64_t));
    free (v);
    if (cts) {
        for (size_t i = 0; i < ncts; i++)
            mpz_clear (cts [i]);
        free (cts);
    }
    dp_curve_destroy (&charge);
    if (*why)
        s_error_to (self, msg->study_id, msg->round_id, why);
}

static void
s_on_decrypt (site_worker_t *self, const proto_msg_t *msg)
{
    //  Once per round; the same aggregate again is answered again (the
    //  coordinator restarted): its partial decryption is the same.
    uint8_t digest [PROTO_DIGEST_LEN];
    ProtobufCBinaryData a = msg->decrypt_request->aggregate;
    run_t *run = s_run (self, msg->study_id);
    bool again = run && run->decrypted_round == msg->round_id
              && proto_update_digest (digest, a.data, a.len) == 0
              && memcmp (digest, run->decrypted_digest, PROTO_DIGEST_LEN) == 0;
    if (!run || msg->round_id != run->last_round || (run->decrypted_round == msg->round_id && !again)) {
        site_metrics_decryption (self->metrics, SITE_DECRYPT_REFUSED);
        s_error_to (self, msg->study_id, msg->round_id, "decrypt: only the aggregate of the "
                    "current round this site contributed to is decrypted, once");
        return;
    }
    run->decrypted_round = msg->round_id;
    if (proto_update_digest (run->decrypted_digest, a.data, a.len))
        memset (run->decrypted_digest, 0, PROTO_DIGEST_LEN);
    mpz_t *cts = NULL, *parts = NULL;
    he_nonce_t *nonce = NULL;
    he_proof_t proof;
    he_proof_init (&proof);
    size_t n = 0;
    uint8_t *pbuf = NULL, *fbuf = NULL;
    size_t plen, flen;
    //  The reason is copied out of the error slot when it is set: the
    //  clean-up below may fail in turn and overwrite the slot.
    char why [UTIL_ERROR_MAX] = "";
    site_decrypt_t result = SITE_DECRYPT_ERROR;
    ProtobufCBinaryData agg = msg->decrypt_request->aggregate;
    if (he_vector_deserialize (&cts, &n, self->pk, agg.data, agg.len, run->expected_cts)) {
        s_reason (self, why, sizeof why, "");
        goto done;
    }
    site_decrypt_ctx_t ctx = { run->study_id, msg->round_id, run->study->min_sites,
                               he_share_index (self->share), run->own_digest,
                               run->expected_cts };
    if (site_verify_request (self->peers, self->pk, msg->decrypt_request, &ctx,
                             (const mpz_t *) cts, n, (uint64_t) time (NULL))) {
        result = SITE_DECRYPT_REFUSED;
        s_reason (self, why, sizeof why, "");
        s_audit (self, "decrypt.refused", json_pack ("{s:s, s:I, s:s}", "study", run->study_id,
                                                     "round", (json_int_t) msg->round_id,
                                                     "reason", why));
        goto done;
    }
    parts = util_calloc (n, sizeof (mpz_t));
    if (!parts) {
        s_reason (self, why, sizeof why, "");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        mpz_init (parts [i]);
    for (size_t i = 0; i < n && !*why; i++)
        if (he_partial_decrypt (parts [i], self->share, cts [i]))
            s_reason (self, why, sizeof why, "");
    //  One batched proof for the whole vector, bound to this study and round.
    nonce = self->nonce? self->nonce: he_nonce_new (self->share);
    self->nonce = NULL;
    if (!*why && (!nonce || he_batch_prove (&proof, self->share, &nonce, run->study_id,
                                            msg->round_id, (const mpz_t *) cts,
                                            (const mpz_t *) parts, n)))
        s_reason (self, why, sizeof why, "");
    if (!*why && (he_vector_serialize (&pbuf, &plen, self->pk, parts, n)
              ||  he_proofs_serialize (&fbuf, &flen, self->pk, &proof, 1)))
        s_reason (self, why, sizeof why, "");
    if (!*why) {
        Cohort__PartialDecryption pd = COHORT__PARTIAL_DECRYPTION__INIT;
        pd.share_index = he_share_index (self->share);
        pd.partials = (ProtobufCBinaryData) { plen, pbuf };
        pd.proof = (ProtobufCBinaryData) { flen, fbuf };
        proto_msg_t out = COHORT__ENVELOPE__INIT;
        out.body_case = COHORT__ENVELOPE__BODY_PARTIAL;
        out.partial = &pd;
        s_send (self, run->study_id, msg->round_id, &out);
        result = SITE_DECRYPT_ANSWERED;
        s_audit (self, "round.partial_decryption", json_pack ("{s:s, s:I, s:i, s:I}",
                                                        "study", run->study_id,
                                                        "round", (json_int_t) msg->round_id,
                                                        "share_index",
                                                        (int) pd.share_index,
                                                        "ciphertexts", (json_int_t) n));
    }
done:
    site_metrics_decryption (self->metrics, result);
    he_nonce_destroy (&nonce);
    if (parts) {
        for (size_t i = 0; i < n; i++)
            mpz_clear (parts [i]);
    }
    he_proof_clear (&proof);
    free (parts);
    free (pbuf);
    free (fbuf);
    he_vector_free (&cts, n);
    if (*why)
        s_error_to (self, msg->study_id, msg->round_id, why);
    s_prepare_nonce (self);
}

static void
s_on_message (site_worker_t *self)
{
    proto_msg_t *msg = proto_recv (self->sock, NULL);
    if (!msg) {
        zsys_warning ("site %s: dropped a message: %s", self->cfg->name, util_last_error ());
        return;
    }
    switch (msg->body_case) {
        case COHORT__ENVELOPE__BODY_OFFER:
            s_on_offer (self, msg);
            break;
        case COHORT__ENVELOPE__BODY_ROUND_START:
            s_on_round (self, msg);
            break;
        case COHORT__ENVELOPE__BODY_DECRYPT_REQUEST:
            s_on_decrypt (self, msg);
            break;
        case COHORT__ENVELOPE__BODY_ROUND_RESULT:
            if (s_run (self, msg->study_id) && msg->round_result->final) {
                zsys_info ("site %s: study %s ended: %s", self->cfg->name, msg->study_id,
                           msg->round_result->detail);
                if (site_state_forget (self->state, msg->study_id))
                    zsys_error ("site %s: %s", self->cfg->name, util_last_error ());
                const run_t *ended = s_run (self, msg->study_id);
                if (site_contrib_end (ended->dataset, msg->study_id, ended->last_round,
                                      msg->round_result))
                    zsys_error ("site %s: %s", self->cfg->name, util_last_error ());
                s_forget (self, msg->study_id);
            }
            break;
        case COHORT__ENVELOPE__BODY_ERROR:
            zsys_warning ("site %s: coordinator: %s", self->cfg->name, msg->error->message);
            break;
        default:
            break;
    }
    proto_free (&msg);
}

//  After a restart: each study the site had accepted (site/state.h) is
//  rebuilt from its kept offer, and the site goes on from the round after
//  the last one it contributed to. One that cannot be rebuilt (its dataset
//  or certificate changed, say) is forgotten, with the reason logged and
//  audited.
static void
s_rejoin (site_worker_t *self)
{
    unsigned nth = 0;
    while (nth < SITE_RUNS_MAX) {
        char id [PROTO_ID_MAX + 1];
        uint8_t *buf = NULL;
        size_t len = 0;
        uint32_t round = 0;
        uint64_t done [SITE_STATE_KINDS];
        int rc = site_state_current (self->state, nth, id, sizeof id, &buf, &len, &round, done);
        if (rc <= 0) {
            if (rc < 0)
                zsys_error ("site %s: %s", self->cfg->name, util_last_error ());
            return;
        }
        proto_msg_t *msg = proto_decode (buf, len);
        free (buf);
        if (msg && msg->body_case == COHORT__ENVELOPE__BODY_OFFER && !strcmp (msg->study_id, id)) {
            self->rejoining = true;
            s_on_offer (self, msg);
            self->rejoining = false;
        }
        else
            zsys_error ("site %s: the kept offer of study %s does not decode", self->cfg->name, id);
        run_t *run = s_run (self, id);
        if (run) {
            run->last_round = round;
            memcpy (run->done, done, sizeof run->done);
            zsys_info ("site %s: rejoined study %s after round %u", self->cfg->name, id, round);
            s_audit (self, "study.rejoin", json_pack ("{s:s, s:I}", "study", id,
                                                      "last_round", (json_int_t) round));
            nth++;
        }
        else
        if (site_state_forget (self->state, id)) {
            zsys_error ("site %s: %s", self->cfg->name, util_last_error ());
            nth++;              //  not forgotten: past it
        }
        proto_free (&msg);
    }
}

int
site_worker_reload (site_worker_t *self)
{
    site_config_t *fresh = site_config_load (self->config_path);
    if (!fresh)
        return -1;
    int rc = -1;
    //  The studies and queries in progress keep their datasets.
    for (size_t i = 0; i < SITE_RUNS_MAX; i++) {
        const run_t *run = self->runs [i];
        if (run && run->dataset && !site_config_dataset (fresh, run->dataset->name)) {
            util_error (UTIL_EREFUSED, "%s: dataset %s is in use by study %s: remove it once "
                        "that ends", self->config_path, run->dataset->name, run->study_id);
            goto done;
        }
    }
    //  A budget the ledger holds never changes (dp/ledger.h): a new one
    //  would refuse every later offer on that dataset.
    for (size_t i = 0; i < fresh->n_datasets; i++) {
        double eps, delta;
        const char *name = fresh->datasets [i].name;
        if (dp_ledger_budget (self->ledger, SITE_LEDGER_SCOPE, name, &eps, &delta))
            continue;
        if (eps != fresh->budget_epsilon || delta != fresh->budget_delta) {
            util_error (UTIL_EREFUSED, "%s: budget: dataset %s's budget is fixed in the ledger "
                        "at epsilon %g, delta %g (a budget once used never changes)",
                        self->config_path, name, eps, delta);
            goto done;
        }
    }
    if (site_config_reload (fresh, self->cfg, self->config_path))
        goto done;
    site_config_t *old = self->cfg;
    self->cfg = fresh;
    for (size_t i = 0; i < SITE_RUNS_MAX; i++)
        if (self->runs [i] && self->runs [i]->dataset)
            self->runs [i]->dataset = site_config_dataset (fresh, self->runs [i]->dataset->name);
    fresh = old;
    zsys_info ("site %s: reloaded %s: budget epsilon %g delta %g, %zu dataset%s",
               self->cfg->name, self->config_path, self->cfg->budget_epsilon,
               self->cfg->budget_delta, self->cfg->n_datasets,
               self->cfg->n_datasets == 1? "": "s");
    //  The next hello says what changed (cohort budget).
    self->charged = true;
    rc = 0;
done:
    site_config_destroy (&fresh);
    return rc;
}

//  A round this site contributed to whose aggregate it has not decrypted
//  yet: stopping now would leave the coordinator one share short. The
//  first such run, or NULL.
static const run_t *
s_round_in_flight (const site_worker_t *self)
{
    for (size_t i = 0; i < SITE_RUNS_MAX; i++) {
        const run_t *run = self->runs [i];
        if (run && run->last_round && run->decrypted_round != run->last_round)
            return run;
    }
    return NULL;
}

int
site_worker_run (site_worker_t *self, volatile bool *stop, volatile sig_atomic_t *reload)
{
    s_rejoin (self);
    s_hello (self);
    zsys_info ("site %s: connecting to %s", self->cfg->name, self->cfg->coordinator);
    zpoller_t *poller = zpoller_new (self->sock, NULL);
    if (!poller)
        return util_error (UTIL_ENOMEM, "site %s: out of memory (poller)", self->cfg->name);
    //  The loop itself decides when to stop (it may drain after a signal).
    zpoller_set_nonstop (poller, true);
    int64_t next_hello = zclock_mono () + 2000, drain_until = 0;
    while (true) {
        if (!self->stopping && ((stop && *stop) || zsys_interrupted)) {
            self->stopping = true;
            if (!s_round_in_flight (self)) {
                zsys_info ("site %s: stopping: no round in flight", self->cfg->name);
                break;
            }
            drain_until = zclock_mono () + SITE_DRAIN_MS;
            const run_t *run = s_round_in_flight (self);
            zsys_info ("site %s: stopping: waiting up to %d s for the decryption of round %u of "
                       "study %s", self->cfg->name, SITE_DRAIN_MS / 1000, run->last_round,
                       run->study_id);
        }
        if (self->stopping) {
            const run_t *run = s_round_in_flight (self);
            if (!run) {
                zsys_info ("site %s: stopping: the rounds in flight finished", self->cfg->name);
                break;
            }
            if (zclock_mono () >= drain_until) {
                zsys_info ("site %s: stopping: round %u of study %s abandoned (no decryption "
                           "request within %d s; its ledger charge stands)", self->cfg->name,
                           run->last_round, run->study_id, SITE_DRAIN_MS / 1000);
                break;
            }
        }
        if (reload && *reload) {
            *reload = 0;
            if (site_worker_reload (self))
                zsys_warning ("site %s: reload refused, the running config stays: %s",
                              self->cfg->name, util_last_error ());
        }
        void *which = zpoller_wait (poller, self->stopping? 100: 500);
        if (which)
            s_on_message (self);
        else
        if (zpoller_terminated (poller) && !zsys_interrupted && !(reload && *reload)
        &&  !(stop && *stop))
            break;              //  the context is gone
        //  Hello doubles as the heartbeat and re-registers after a
        //  coordinator restart; it also goes at once after a ledger charge,
        //  so that cohort budget is current when a query's report is.
        if (!self->stopping && (zclock_mono () >= next_hello || self->charged)) {
            self->charged = false;
            s_hello (self);
            next_hello = zclock_mono () + 2000;
        }
    }
    zpoller_destroy (&poller);
    return 0;
}
