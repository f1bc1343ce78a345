/*  site/round.c - a round's contribution (charged, noised, encrypted,
    signed) and its decryption (checked against the signed updates,
    partially decrypted, proven). */
#include "worker_private.h"

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
        return util_error (UTIL_ELIMIT, "round: a %s round beyond the %llu accepted",
                           proto_kind_name (rs->kind), (unsigned long long) k->rounds);
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
    site_worker_send (self, run->study_id, msg->round_id, &out);
    zsys_info ("site %s: study %s round %u asked again (the coordinator restarted): the same "
               "update goes again, not charged again", self->cfg->name, run->study_id,
               msg->round_id);
    site_worker_audit (self, "round.resent", json_pack ("{s:s, s:I}", "study", run->study_id,
                                                        "round", (json_int_t) msg->round_id));
    return true;
}

void
site_round_on_start (site_worker_t *self, const proto_msg_t *msg)
{
    if (self->stopping) {
        site_worker_error_to (self, msg->study_id, msg->round_id, "round: the site is stopping");
        return;
    }
    run_t *run = site_run_find (self, msg->study_id);
    if (s_resend (self, run, msg))
        return;
    if (s_check_round (run, msg)) {
        char why [PROTO_TEXT_MAX];
        site_worker_reason (self, why, sizeof why, "");
        site_worker_error_to (self, msg->study_id, msg->round_id, why);
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
        site_worker_reason (self, why, sizeof why, "round: ");
        goto done;
    }
    if (run->study->query) {
        if (site_query_vector (v, run->records, &run->release, rs->kind, rs->params,
                               rs->n_params)) {
            site_worker_reason (self, why, sizeof why, "");
            goto done;
        }
    }
    else
    if (site_round_vector (v, run->data, run->study, &run->plan, rs, self->rng)) {
        site_worker_reason (self, why, sizeof why, "");
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
            site_worker_reason (self, why, sizeof why, "budget: ");
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
        site_worker_audit (self, "budget.charge", d);
        dp_rational_t s2;
        dp_dgauss_t gauss;
        if (dp_rational_set (&s2, k->local_sigma2, 1) || dp_dgauss_init (&gauss, &s2)
        ||  dp_dgauss_add (&gauss, self->rng, v, k->dim)) {
            site_worker_reason (self, why, sizeof why, "noise: ");
            goto done;
        }
    }
    cts = util_calloc (ncts, sizeof (mpz_t));
    if (!cts) {
        site_worker_reason (self, why, sizeof why, "encrypt: ");
        goto done;
    }
    for (size_t i = 0; i < ncts; i++)
        mpz_init (cts [i]);
    uint8_t *buf;
    size_t len;
    if (he_codec_encrypt (cts, self->pk, v, k->dim, codec)
    ||  he_vector_serialize (&buf, &len, self->pk, cts, ncts)) {
        site_worker_reason (self, why, sizeof why, "encrypt: ");
        goto done;
    }
    uint8_t sig [PROTO_SIG_LEN];
    if (proto_update_sign (sig, self->signer, run->study_id, msg->round_id,
                           he_share_index (self->share), buf, len)
    ||  proto_update_digest (run->own_digest, buf, len)) {
        free (buf);
        site_worker_reason (self, why, sizeof why, "");
        goto done;
    }
    Cohort__Update update = COHORT__UPDATE__INIT;
    update.ciphertexts = (ProtobufCBinaryData) { len, buf };
    update.signature = (ProtobufCBinaryData) { sizeof sig, sig };
    proto_msg_t out = COHORT__ENVELOPE__INIT;
    out.body_case = COHORT__ENVELOPE__BODY_UPDATE;
    out.update = &update;
    site_worker_send (self, run->study_id, msg->round_id, &out);
    site_worker_audit (self, "round.contribution", json_pack ("{s:s, s:I, s:s, s:I, s:I}",
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
        site_worker_error_to (self, msg->study_id, msg->round_id, why);
}

void
site_round_on_decrypt (site_worker_t *self, const proto_msg_t *msg)
{
    //  Once per round; the same aggregate again is answered again (the
    //  coordinator restarted): its partial decryption is the same.
    uint8_t digest [PROTO_DIGEST_LEN];
    ProtobufCBinaryData a = msg->decrypt_request->aggregate;
    run_t *run = site_run_find (self, msg->study_id);
    bool again = run && run->decrypted_round == msg->round_id
              && proto_update_digest (digest, a.data, a.len) == 0
              && memcmp (digest, run->decrypted_digest, PROTO_DIGEST_LEN) == 0;
    if (!run || msg->round_id != run->last_round
    ||  (run->decrypted_round == msg->round_id && !again)) {
        site_metrics_decryption (self->metrics, SITE_DECRYPT_REFUSED);
        site_worker_error_to (self, msg->study_id, msg->round_id, "decrypt: only the aggregate "
                              "of the current round this site contributed to is decrypted, once");
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
        site_worker_reason (self, why, sizeof why, "");
        goto done;
    }
    site_decrypt_ctx_t ctx = { run->study_id, msg->round_id, run->study->min_sites,
                               he_share_index (self->share), run->own_digest,
                               run->expected_cts };
    if (site_verify_request (self->peers, self->pk, msg->decrypt_request, &ctx,
                             (const mpz_t *) cts, n, (uint64_t) time (NULL))) {
        result = SITE_DECRYPT_REFUSED;
        site_worker_reason (self, why, sizeof why, "");
        site_worker_audit (self, "decrypt.refused", json_pack ("{s:s, s:I, s:s}",
                                                               "study", run->study_id,
                                                               "round", (json_int_t) msg->round_id,
                                                               "reason", why));
        goto done;
    }
    parts = util_calloc (n, sizeof (mpz_t));
    if (!parts) {
        site_worker_reason (self, why, sizeof why, "");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        mpz_init (parts [i]);
    for (size_t i = 0; i < n && !*why; i++)
        if (he_partial_decrypt (parts [i], self->share, cts [i]))
            site_worker_reason (self, why, sizeof why, "");
    //  One batched proof for the whole vector, bound to this study and round.
    nonce = self->nonce? self->nonce: he_nonce_new (self->share);
    self->nonce = NULL;
    if (!*why && (!nonce || he_batch_prove (&proof, self->share, &nonce, run->study_id,
                                            msg->round_id, (const mpz_t *) cts,
                                            (const mpz_t *) parts, n)))
        site_worker_reason (self, why, sizeof why, "");
    if (!*why && (he_vector_serialize (&pbuf, &plen, self->pk, parts, n)
              ||  he_proofs_serialize (&fbuf, &flen, self->pk, &proof, 1)))
        site_worker_reason (self, why, sizeof why, "");
    if (!*why) {
        Cohort__PartialDecryption pd = COHORT__PARTIAL_DECRYPTION__INIT;
        pd.share_index = he_share_index (self->share);
        pd.partials = (ProtobufCBinaryData) { plen, pbuf };
        pd.proof = (ProtobufCBinaryData) { flen, fbuf };
        proto_msg_t out = COHORT__ENVELOPE__INIT;
        out.body_case = COHORT__ENVELOPE__BODY_PARTIAL;
        out.partial = &pd;
        site_worker_send (self, run->study_id, msg->round_id, &out);
        result = SITE_DECRYPT_ANSWERED;
        site_worker_audit (self, "round.partial_decryption",
                           json_pack ("{s:s, s:I, s:i, s:I}", "study", run->study_id,
                                      "round", (json_int_t) msg->round_id,
                                      "share_index", (int) pd.share_index,
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
        site_worker_error_to (self, msg->study_id, msg->round_id, why);
    s_prepare_nonce (self);
}
