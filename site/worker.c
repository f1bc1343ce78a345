/*  site/worker.c - the site's message loop, hellos, rejoining and reload;
    offers are taken in offer.c, rounds in round.c (worker_private.h). */
#include "worker_private.h"

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
        util_error (UTIL_EFAIL, "%s: share index %u, but the config says index = %u",
                    self->cfg->share, he_share_index (self->share), self->cfg->index);
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
void
site_worker_audit (site_worker_t *self, const char *kind, json_t *detail)
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

void
site_run_destroy (run_t **run_p)
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
run_t *
site_run_find (site_worker_t *self, const char *id)
{
    for (size_t i = 0; i < SITE_RUNS_MAX; i++)
        if (self->runs [i] && !strcmp (self->runs [i]->study_id, id))
            return self->runs [i];
    return NULL;
}

//  Forgets study `id`'s run, if there is one.
void
site_run_forget (site_worker_t *self, const char *id)
{
    for (size_t i = 0; i < SITE_RUNS_MAX; i++)
        if (self->runs [i] && !strcmp (self->runs [i]->study_id, id))
            site_run_destroy (&self->runs [i]);
}

unsigned
site_run_count (const site_worker_t *self)
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
            site_run_destroy (&self->runs [i]);
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

void
site_worker_send (site_worker_t *self, const char *study_id, uint32_t round, proto_msg_t *msg)
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
    site_worker_send (self, "", 0, &msg);
}

//  The reason in the error slot, for a message that leaves the site (an
//  error or a decline), after `prefix`. An out-of-memory reason can name
//  sizes (rows sampled, rows held): it is logged here, and only "the site
//  ran out of memory" leaves.
void
site_worker_reason (const site_worker_t *self, char *buf, size_t size, const char *prefix)
{
    if (util_last_code () == UTIL_ENOMEM) {
        zsys_error ("site %s: %s%s", self->cfg->name, prefix, util_last_error ());
        snprintf (buf, size, "%sthe site ran out of memory", prefix);
    }
    else
        snprintf (buf, size, "%s%s", prefix, util_last_error ());
}

void
site_worker_error_to (site_worker_t *self, const char *study_id, uint32_t round, const char *reason)
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
    site_worker_send (self, study_id, round, &msg);
}

void
site_worker_decline (site_worker_t *self, const char *study_id, site_decline_t class,
                     const char *reason)
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
        site_worker_audit (self, "study.rejoin_failed", json_pack ("{s:s, s:s}", "study", study_id,
                                                                   "reason", text));
        return;
    }
    zsys_info ("site %s: declined study %s: %s", self->cfg->name, study_id, text);
    Cohort__StudyDecline decline = COHORT__STUDY_DECLINE__INIT;
    decline.reason = text;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_DECLINE;
    msg.decline = &decline;
    site_worker_send (self, study_id, 0, &msg);
    site_worker_audit (self, "study.decline", json_pack ("{s:s, s:s}", "study", study_id,
                                                         "reason", text));
}

static void
s_on_message (site_worker_t *self)
{
    proto_msg_t *msg = proto_recv (self->sock, NULL);
    if (!msg) {
        zsys_warning ("site %s: dropped a message: %s", self->cfg->name, util_last_error ());
        return;
    }
    //  The coordinator still speaks of this study (site_worker_expire).
    run_t *seen = msg->study_id? site_run_find (self, msg->study_id): NULL;
    if (seen)
        seen->seen_ms = zclock_mono ();
    switch (msg->body_case) {
        case COHORT__ENVELOPE__BODY_OFFER:
            site_offer_take (self, msg);
            break;
        case COHORT__ENVELOPE__BODY_ROUND_START:
            site_round_on_start (self, msg);
            break;
        case COHORT__ENVELOPE__BODY_DECRYPT_REQUEST:
            site_round_on_decrypt (self, msg);
            break;
        case COHORT__ENVELOPE__BODY_ROUND_RESULT:
            if (site_run_find (self, msg->study_id) && msg->round_result->final) {
                zsys_info ("site %s: study %s ended: %s", self->cfg->name, msg->study_id,
                           msg->round_result->detail);
                if (site_state_forget (self->state, msg->study_id))
                    zsys_error ("site %s: %s", self->cfg->name, util_last_error ());
                const run_t *ended = site_run_find (self, msg->study_id);
                if (site_contrib_end (ended->dataset, msg->study_id, ended->last_round,
                                      msg->round_result))
                    zsys_error ("site %s: %s", self->cfg->name, util_last_error ());
                site_run_forget (self, msg->study_id);
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

void
site_worker_expire (site_worker_t *self, int64_t now_ms)
{
    int64_t idle_ms = (int64_t) self->cfg->study_idle_s * 1000;
    for (size_t i = 0; i < SITE_RUNS_MAX; i++) {
        run_t *run = self->runs [i];
        if (!run || now_ms - run->seen_ms <= idle_ms)
            continue;
        int64_t silent_s = (now_ms - run->seen_ms) / 1000;
        zsys_warning ("site %s: study %s abandoned: no word from the coordinator for %lld s "
                      "(site.cfg study_idle_s %llu); its slot and reserved budget are freed, "
                      "its ledger charges stand", self->cfg->name, run->study_id,
                      (long long) silent_s, (unsigned long long) self->cfg->study_idle_s);
        site_worker_audit (self, "study.abandoned",
                           json_pack ("{s:s, s:I, s:I, s:I}", "study", run->study_id,
                                      "last_round", (json_int_t) run->last_round,
                                      "idle_s", (json_int_t) silent_s,
                                      "study_idle_s", (json_int_t) self->cfg->study_idle_s));
        if (site_state_forget (self->state, run->study_id))
            zsys_error ("site %s: %s", self->cfg->name, util_last_error ());
        //  The patients' record of the use ends here too.
        Cohort__RoundResult ended = COHORT__ROUND_RESULT__INIT;
        ended.ok = false;
        ended.detail = "abandoned by the site: no word from the coordinator";
        if (site_contrib_end (run->dataset, run->study_id, run->last_round, &ended))
            zsys_error ("site %s: %s", self->cfg->name, util_last_error ());
        site_run_destroy (&self->runs [i]);
    }
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
            site_offer_take (self, msg);
            self->rejoining = false;
        }
        else
            zsys_error ("site %s: the kept offer of study %s does not decode", self->cfg->name, id);
        run_t *run = site_run_find (self, id);
        if (run) {
            run->last_round = round;
            memcpy (run->done, done, sizeof run->done);
            zsys_info ("site %s: rejoined study %s after round %u", self->cfg->name, id, round);
            site_worker_audit (self, "study.rejoin", json_pack ("{s:s, s:I}", "study", id,
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
        if (!self->stopping)
            site_worker_expire (self, zclock_mono ());
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
