/*  site/offer.c - an offer: the analyst's signature, the study's caps,
    its data and plan, the budget (with what the studies in progress may
    still charge), then an acceptance or a decline with the reason. */
#include "worker_private.h"

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
                           site_run_count (self)
                           ? ", with what the studies in progress may still spend": "",
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
    site_worker_audit (self, "budget.charge", json_pack ("{s:s, s:s, s:s, s:s, s:I, s:f}",
                                                         "study", run->study_id,
                                                         "kind", "record_count",
                                                         "dataset", run->dataset->name,
                                                         "label", label,
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
            site_worker_reason (self, reason, sizeof reason, "revocations: ");
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
        site_worker_reason (self, reason, sizeof reason, "");
    proto_replay_destroy (&fresh);
    if (!*reason)
        return 0;
    site_worker_audit (self, "study.refused", json_pack ("{s:s, s:s, s:s}", "study", msg->study_id,
                                                         "analyst", analyst, "reason", reason));
    site_worker_decline (self, msg->study_id, SITE_DECLINED_SIGNATURE, reason);
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

//  Keeps the offer (s_keep_offer), then sends the acceptance.
static void
s_accept (site_worker_t *self, const proto_msg_t *msg, Cohort__StudyAccept *accept)
{
    proto_msg_t out = COHORT__ENVELOPE__INIT;
    out.body_case = COHORT__ENVELOPE__BODY_ACCEPT;
    out.accept = accept;
    s_keep_offer (self, msg);
    site_worker_send (self, msg->study_id, 0, &out);
}

void
site_offer_take (site_worker_t *self, const proto_msg_t *msg)
{
    if (self->stopping) {
        //  The study in progress is left as it is: its round in flight
        //  may still be decrypted before the worker stops.
        site_worker_decline (self, msg->study_id, SITE_DECLINED_INTERNAL, "the site is stopping");
        return;
    }
    const char *id = msg->study_id;
    if (site_run_find (self, id)) {
        zsys_info ("site %s: study %s offered again: the one held is replaced", self->cfg->name,
                   id);
        site_run_forget (self, id);
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
        site_worker_decline (self, id, SITE_DECLINED_POLICY, why);
        return;
    }
    if (s_check_offer (self, msg))
        return;
    proto_study_t *study = proto_study_parse (msg->offer->study_cfg, "offer");
    run_t *run = study? util_calloc (1, sizeof *run): NULL;
    if (!run) {
        char why [PROTO_TEXT_MAX];
        site_worker_reason (self, why, sizeof why, "");
        site_worker_decline (self, id, site_metrics_decline_class (why, SITE_DECLINED_INVALID),
                             why);
        proto_study_destroy (&study);
        return;
    }
    run->study = study;
    run->seen_ms = zclock_mono ();
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
        site_worker_reason (self, reason, sizeof reason, "");
    else
    if (study->query) {
        class = SITE_DECLINED_INVALID;
        if (s_prepare_query (self, run, msg->offer)
        ||  (!self->rejoining && ((class = SITE_DECLINED_BUDGET, s_check_budget (self, run))
                                  || (class = SITE_DECLINED_POLICY, s_check_subset (self, run)))))
            site_worker_reason (self, reason, sizeof reason, "");
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
        site_worker_reason (self, reason, sizeof reason, "");
    else
    if ((class = SITE_DECLINED_DATA, site_data_load (&run->data, run->dataset, study,
                                                     run->dict)))
        site_worker_reason (self, reason, sizeof reason, "");
    else
    if ((class = SITE_DECLINED_POLICY,
         site_policy_check_model (&self->cfg->policy, study, run->data->p)
         || (!study->privacy_off
             && site_policy_check_delta (study->delta, self->cfg->budget_delta,
                                         run->data->train->n))))
        site_worker_reason (self, reason, sizeof reason, "");
    else
    if ((class = SITE_DECLINED_INVALID, proto_plan_make (&run->plan, study, run->data->p,
                                                         he_share_threshold (self->share))))
        site_worker_reason (self, reason, sizeof reason, "");
    else
    if ((class = SITE_DECLINED_BUDGET, !self->rejoining && s_check_budget (self, run)))
        site_worker_reason (self, reason, sizeof reason, "");
    else
        reason [0] = 0;
    //  Whose records it uses, under which grant: kept before it is answered.
    if (!*reason && !self->rejoining && (class = SITE_DECLINED_INTERNAL,
        site_contrib_record (self->cfg, run->dataset, study, msg, self->audit)))
        site_worker_reason (self, reason, sizeof reason, "");
    if (*reason) {
        site_worker_decline (self, id, site_metrics_decline_class (reason, class), reason);
        site_run_destroy (&run);
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
        s_accept (self, msg, &accept);
        site_worker_audit (self, "query.accept",
                           json_pack ("{s:s, s:s, s:s, s:s, s:I, s:f}", "query", id,
                                      "expr", study->query, "dataset", run->dataset->name,
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
        site_worker_reason (self, reason, sizeof reason, "");
        site_worker_decline (self, id, site_metrics_decline_class (reason, SITE_DECLINED_BUDGET),
                             reason);
        site_run_forget (self, id);
        return;
    }
    s_accept (self, msg, &accept);
    site_worker_audit (self, "study.accept", json_pack ("{s:s, s:s, s:s, s:I, s:I, s:f}",
                                                        "study", id,
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
