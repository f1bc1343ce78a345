/*  coordinator/actor.c - sockets, analysts and the round loop. */
#include "actor.h"
#include "aggregate.h"
#include "alerts.h"
#include "config.h"
#include "util/actor.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/file.h"
#include "util/log.h"
#include "journal.h"
#include "metrics.h"
#include "roles.h"
#include "sites.h"
#include "state.h"
#include "study.h"
#include "totp.h"
#include "audit/log.h"
#include "he/keyfile.h"
#include "proto/curve.h"
#include "proto/message.h"
#include "proto/signed.h"

#include <openssl/crypto.h>
#include <string.h>
#include <time.h>

typedef struct {
    zsock_t *pipe;
    coord_config_t *cfg;
    proto_server_t *server;
    zpoller_t *poller;              //  the pipe and the server socket
    he_pubkey_t *pk;
    he_verify_t *vk;
    he_codec_t codec;
    he_codec_t round_codec;         //  the current round's (a query's may be narrower)
    coord_journal_t *journal;
    coord_sites_t sites;
    coord_study_t *study;           //  the current or last study
    coord_state_t state;
    Cohort__RoundKind kind;
    coord_agg_t *agg;
    uint64_t accepted, contributors;
    char **features;
    size_t n_features;
    uint64_t records;
    json_t *entry;                  //  the current round's report entry
    uint8_t *request;               //  the decryption request's aggregate, while decrypting
    size_t request_len;
    int64_t escalate_at;            //  then ask every contributor not asked yet (0: done)
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
    //  A study resumed after a restart (s_resume): the sites it waits for
    //  before it redoes the round in flight, and until when.
    char resume_names [COORD_SLOTS][PROTO_NAME_MAX + 1];
    size_t resume_n;
    int64_t resume_until;           //  0: nothing to resume
    coord_metrics_t *metrics;       //  for the operator's Prometheus (metrics.h)
    int64_t round_started;          //  zclock_mono() at the current round's start
} self_t;

static void
s_destroy (self_t **self_p)
{
    self_t *self = *self_p;
    if (!self)
        return;
    coord_sites_clear (&self->sites);
    for (size_t i = 0; i < self->n_features; i++)
        free (self->features [i]);
    free (self->features);
    json_decref (self->entry);
    free (self->request);
    coord_agg_destroy (&self->agg);
    coord_study_destroy (&self->study);
    coord_journal_destroy (&self->journal);
    zpoller_destroy (&self->poller);
    proto_server_destroy (&self->server);
    he_pubkey_destroy (&self->pk);
    he_verify_destroy (&self->vk);
    coord_config_destroy (&self->cfg);
    model_dict_destroy (&self->dict);
    free (self->dict_text);
    json_decref (self->budgets);
    audit_log_destroy (&self->audit);
    coord_totp_destroy (&self->totp);
    coord_alerts_destroy (&self->alerts);
    coord_roles_destroy (&self->roles);
    coord_metrics_destroy (&self->metrics);
    for (size_t i = 0; i < COORD_SLOTS; i++) {
        proto_rolecert_destroy (&self->site_role [i]);
        free (self->site_role_text [i]);
    }
    free (self);
    *self_p = NULL;
}

static void s_resume (self_t *self);

static self_t *
s_new (zsock_t *pipe, const char *config_path)
{
    self_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->pipe = pipe;
    self->cfg = coord_config_load (config_path);
    if (!self->cfg)
        goto fail;
    //  Structured logs from here on, when asked for (util/log.h).
    if (self->cfg->log_format == UTIL_LOG_JSON && util_log_json ("coordinator"))
        goto fail;
    self->pk = he_keyfile_load_public (self->cfg->public_key);
    if (!self->pk)
        goto fail;
    self->vk = he_keyfile_load_verify (self->cfg->verify_key);
    if (!self->vk)
        goto fail;
    //  Proof verification is the coordinator's main cost per round: a
    //  fixed-base table for v takes one of its two long exponentiations,
    //  and each check runs on two threads: the long exponentiation beside
    //  the rest.
    if (he_verify_precompute (self->vk) || he_verify_set_threads (self->vk, 2))
        goto fail;
    if (mpz_cmp (he_verify_n (self->vk), he_pubkey_n (self->pk))) {
        util_error (UTIL_EINPUT, "%s: the verification keys belong to another public key",
                    self->cfg->verify_key);
        goto fail;
    }
    if (he_codec_init (&self->codec, he_pubkey_bits (self->pk), PROTO_FRAC_BITS,
                       PROTO_VALUE_BITS, PROTO_MAX_PARTIES)) {
        util_error_context ("codec");
        goto fail;
    }
    if (self->cfg->dictionary) {
        //  Read once: the text the sites get is the text checked here.
        size_t len;
        if (util_file_read (self->cfg->dictionary, MODEL_DICT_BYTES_MAX, 0,
                            &self->dict_text, &len)
        ||  !(self->dict = model_dict_parse (self->cfg->dictionary, self->dict_text, len)))
            goto fail;
        if (strlen (self->dict_text) != len) {
            util_error (UTIL_EINPUT, "%s: a NUL byte in the dictionary", self->cfg->dictionary);
            goto fail;
        }
    }
    self->roles = coord_roles_new (self->cfg->admin_key, self->cfg->revocations);
    if (!self->roles)
        goto fail;
    self->journal = coord_journal_open (self->cfg->journal);
    if (!self->journal)
        goto fail;
    self->audit = audit_log_open (self->cfg->audit, self->cfg->audit_origin);
    if (!self->audit)
        goto fail;
    //  Created empty when missing: then every analyst is refused until
    //  enrolled (cohort admin totp-enrol), never let in without a code.
    if (self->cfg->totp && !(self->totp = coord_totp_open (self->cfg->totp, true)))
        goto fail;
    coord_alerts_config_t alerts;
    if (coord_alerts_config_load (&alerts, config_path)
    ||  !(self->alerts = coord_alerts_new (&alerts)))
        goto fail;
    self->metrics = coord_metrics_new (self->cfg->metrics, self->cfg->metrics_allow_remote);
    if (!self->metrics)
        goto fail;
    self->server = proto_server_new (self->cfg->endpoint, self->cfg->cert, self->cfg->allowlist);
    if (!self->server)
        goto fail;
    self->poller = zpoller_new (pipe, proto_server_sock (self->server),
                                proto_server_refusals (self->server), NULL);
    if (!self->poller) {
        util_error (UTIL_ENOMEM, "coordinator: out of memory (poller)");
        goto fail;
    }
    s_resume (self);
    return self;
fail:
    s_destroy (&self);
    return NULL;
}

//  One audit entry: `kind` (e.g. "auth.refused"), who (`actor`: a role and
//  name, or "key:<z85>" when no name is known) and `detail`, a JSON object
//  that this call takes (NULL: {}). An entry that cannot be written is
//  reported on stderr: a refusal still happens without it.
static void
s_audit (self_t *self, const char *kind, const char *actor, json_t *detail)
{
    char *text = json_dumps (detail? detail: json_object (), JSON_COMPACT | JSON_SORT_KEYS);
    json_decref (detail);
    audit_entry_t entry = { 0, kind, actor && *actor? actor: "unknown", text? text: "{}" };
    if (audit_log_append (self->audit, &entry, NULL) < 0)
        fprintf (stderr, "coordinator: audit log: %s\n", util_last_error ());
    free (text);
}

//  ---------------------------------------------------------------------
//  Anomaly detection (alerts.h): the detectors' entries go to the audit log.

static void
s_alerts_flush (self_t *self)
{
    json_t *entry;
    while ((entry = coord_alerts_next (self->alerts))) {
        const char *kind = json_string_value (json_object_get (entry, "kind"));
        const char *actor = json_string_value (json_object_get (entry, "actor"));
        json_t *detail = json_object_get (entry, "detail");
        if (!strncmp (kind, "alert.", 6)) {
            char *text = json_dumps (detail, JSON_COMPACT | JSON_SORT_KEYS);
            zsys_warning ("coordinator: %s %s %s", kind, actor, text? text: "");
            free (text);
        }
        s_audit (self, kind, actor, json_incref (detail));
        json_decref (entry);
    }
}

//  Refused handshakes, as the ZAP handler reported them.
static void
s_on_refusals (self_t *self)
{
    proto_refusal_t r;
    while (proto_server_refusal (self->server, &r) == 0) {
        if (r.dropped)
            zsys_warning ("coordinator: %llu refused handshakes were not reported (a flood)",
                          (unsigned long long) r.dropped);
        for (uint64_t k = 0; k <= r.dropped; k++)
            coord_metrics_handshake_refused (self->metrics);
        coord_alerts_auth_failed (self->alerts, zclock_time (), r.key, r.address, r.reason);
    }
    s_alerts_flush (self);
}

static void
s_send (self_t *self, zframe_t *identity, const char *study_id, uint32_t round,
        proto_msg_t *msg)
{
    msg->study_id = (char *) (study_id? study_id: "");
    msg->round_id = round;
    if (proto_send (proto_server_sock (self->server), identity, msg))
        zsys_warning ("coordinator: cannot send %s: %s", proto_body_name (msg),
                      util_last_error ());
}

static void
s_send_error (self_t *self, zframe_t *identity, const char *study_id, uint32_t round,
              const char *reason)
{
    //  A copy: `reason` may be the error slot, which validation can overwrite.
    char text [PROTO_TEXT_MAX + 1];
    snprintf (text, sizeof text, "%s", reason);
    Cohort__Error err = COHORT__ERROR__INIT;
    err.message = (char *) text;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_ERROR;
    msg.error = &err;
    msg.study_id = (char *) (study_id? study_id: "");
    msg.round_id = round;
    //  An error echoes a valid study id only.
    if (proto_validate (&msg))
        study_id = "";
    s_send (self, identity, study_id, round, &msg);
}

//  Answers an analyst with `json` (consumed). Without it (out of memory
//  building or writing the answer) the answer is a refusal that says so.
static void
s_reply (self_t *self, zframe_t *identity, bool ok, json_t *json)
{
    char *text = json? json_dumps (json, JSON_COMPACT | JSON_REAL_PRECISION (17)): NULL;
    json_decref (json);
    if (!text)
        zsys_error ("coordinator: out of memory answering an analyst");
    Cohort__AnalystReply reply = COHORT__ANALYST_REPLY__INIT;
    reply.ok = ok && text;
    reply.json = text? text: (char *) "{\"error\":\"the coordinator is out of memory\"}";
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_REPLY;
    msg.reply = &reply;
    s_send (self, identity, "", 0, &msg);
    free (text);
}

//  Refuses an analyst's request with `reason` (may be the error slot),
//  counted under `why` (COORD_REFUSAL_INTERNAL when the error slot says out
//  of memory).
static void
s_refuse (self_t *self, zframe_t *identity, coord_refusal_t why, const char *reason)
{
    coord_metrics_refused (self->metrics, util_last_code () == UTIL_ENOMEM
                                          && reason == util_last_error ()
                                          ? COORD_REFUSAL_INTERNAL: why);
    s_audit (self, "request.refused", "analyst", json_pack ("{s:s}", "reason", reason));
    s_reply (self, identity, false, json_pack ("{s:s}", "error", reason));
}

//  ---------------------------------------------------------------------
//  Study flow

//  The sites connected now (metrics.h): those heard from within the
//  liveness timeout (a site that died without a word drops out of it).
static void
s_sites_gauge (self_t *self)
{
    uint64_t live = coord_sites_live (&self->sites, zclock_mono (),
                                      (int64_t) self->cfg->liveness_timeout_ms);
    coord_metrics_sites (self->metrics, (unsigned) __builtin_popcountll (live));
}

static void s_next_round (self_t *self);
static void s_request_partials (self_t *self, uint64_t mask);
static void s_decrypt_done (self_t *self);
static void s_collect_done (self_t *self);
static void s_decrypt_progress (self_t *self);
static coord_agg_failed_fn s_on_excluded;

static void
s_journal (self_t *self)
{
    json_t *report = coord_study_report (self->study);
    char *text = report? json_dumps (report, JSON_COMPACT | JSON_REAL_PRECISION (17)): NULL;
    //  A study's report has its status under "study", a query's under "job".
    json_t *status = json_object_get (json_object_get (report, "study"), "status");
    if (!status)
        status = json_object_get (json_object_get (report, "job"), "status");
    if (!text)
        zsys_error ("coordinator: study %s: not journalled: out of memory",
                    coord_study_id (self->study));
    else
    if (coord_journal_study (self->journal, coord_study_id (self->study),
                             coord_study_def (self->study)->name, json_string_value (status),
                             coord_study_cfg (self->study), text))
        zsys_error ("coordinator: %s", util_last_error ());
    free (text);
    json_decref (report);
}

//  Journals a finished round's entry (borrowed, NULL when it could not be
//  recorded); a failure is logged, the study goes on.
static void
s_journal_round (self_t *self, const json_t *entry, const char *status)
{
    char *text = entry? json_dumps (entry, JSON_COMPACT): NULL;
    if (!text)
        zsys_error ("coordinator: study %s round %u: not journalled: out of memory",
                    coord_study_id (self->study), self->state.round);
    else
    if (coord_journal_round (self->journal, coord_study_id (self->study), self->state.round,
                             proto_kind_name (self->kind), status,
                             coord_study_epsilon (self->study), text))
        zsys_error ("coordinator: %s", util_last_error ());
    free (text);
}

static void
s_broadcast_result (self_t *self, bool ok, const char *detail, bool final)
{
    Cohort__RoundResult rr = COHORT__ROUND_RESULT__INIT;
    rr.ok = ok;
    rr.detail = (char *) detail;
    rr.epsilon_spent = coord_study_epsilon (self->study);
    rr.final = final;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_ROUND_RESULT;
    msg.round_result = &rr;
    for (unsigned i = 0; i < self->sites.n; i++)
        if (self->accepted >> i & 1)
            s_send (self, self->sites.site [i].identity, coord_study_id (self->study),
                    self->state.round, &msg);
}

static void
s_finish (self_t *self, const char *status, const char *reason)
{
    char detail [UTIL_ERROR_MAX];
    snprintf (detail, sizeof detail, "%s", reason);
    coord_study_finish (self->study, status, detail);
    coord_metrics_study (self->metrics, coord_study_is_query (self->study), status);
    zsys_info ("coordinator: study %s %s: %s", coord_study_id (self->study), status, detail);
    s_broadcast_result (self, !strcmp (status, "completed"), detail, true);
    coord_state_enter (&self->state, "", 0, COORD_PHASE_IDLE, 0, 0);
    coord_agg_destroy (&self->agg);
    s_journal (self);
}

static void
s_fail_round (self_t *self, const char *reason)
{
    //  A copy: `reason` may be the error slot, which the journal can overwrite.
    char detail [UTIL_ERROR_MAX];
    snprintf (detail, sizeof detail, "%s", reason);
    coord_metrics_round (self->metrics, proto_kind_name (self->kind), false,
                         (double) (zclock_mono () - self->round_started) / 1e3);
    //  The round's entry, or a new one if it was given up (out of memory).
    json_t *entry = self->entry? self->entry: json_object ();
    self->entry = NULL;
    if (entry && (json_object_set_new (entry, "status", json_string ("failed"))
              ||  json_object_set_new (entry, "detail", json_string (detail)))) {
        json_decref (entry);
        entry = NULL;
    }
    entry = coord_study_record (self->study, self->state.round, self->kind, entry);
    if (!entry)
        zsys_error ("coordinator: study %s round %u: the failed round is not in the report: "
                    "out of memory", coord_study_id (self->study), self->state.round);
    s_journal_round (self, entry, "failed");
    s_finish (self, "failed", detail);
}

//  Journals how the study began (its features, N, its sites), for a
//  restart to rebuild it (s_resume). A failure is logged: the study goes on
//  but cannot be resumed.
static void
s_journal_begin (self_t *self, char **names, size_t n)
{
    json_t *features = json_array (), *sites = json_array ();
    for (size_t i = 0; features && i < self->n_features; i++)
        if (json_array_append_new (features, json_string (self->features [i]))) {
            json_decref (features);
            features = NULL;
        }
    for (size_t i = 0; sites && i < n; i++)
        if (json_array_append_new (sites, json_string (names [i]))) {
            json_decref (sites);
            sites = NULL;
        }
    char *f = features? json_dumps (features, JSON_COMPACT): NULL;
    char *t = sites? json_dumps (sites, JSON_COMPACT): NULL;
    if (!f || !t)
        zsys_error ("coordinator: study %s: its start is not journalled: out of memory",
                    coord_study_id (self->study));
    else
    if (coord_journal_begin (self->journal, coord_study_id (self->study), f, self->records, t))
        zsys_error ("coordinator: %s", util_last_error ());
    free (f);
    free (t);
    json_decref (features);
    json_decref (sites);
}

static void
s_offer_done (self_t *self)
{
    const proto_study_t *def = coord_study_def (self->study);
    unsigned accepted = (unsigned) __builtin_popcountll (self->accepted);
    char detail [256];
    if (accepted < def->min_sites) {
        snprintf (detail, sizeof detail, "offer: %u of %u required sites accepted",
                  accepted, def->min_sites);
        s_finish (self, "failed", detail);
        return;
    }
    char *names [COORD_SLOTS];
    size_t n = 0;
    for (unsigned i = 0; i < self->sites.n; i++)
        if (self->accepted >> i & 1)
            names [n++] = self->sites.site [i].name;
    if (coord_study_begin (self->study, self->features, self->n_features, self->records,
                           names, n)) {
        s_finish (self, "failed", util_last_error ());
        return;
    }
    s_journal_begin (self, names, n);
    const proto_plan_t *plan = coord_study_plan (self->study);
    if (coord_study_is_query (self->study))
        zsys_info ("coordinator: query %s: %zu sites, planned epsilon %.4f",
                   coord_study_id (self->study), n, plan->epsilon);
    else
        zsys_info ("coordinator: study %s: %zu sites, N = %llu, noise multiplier %.4f, "
                   "planned epsilon %.4f", coord_study_id (self->study), n,
                   (unsigned long long) self->records, plan->noise_multiplier, plan->epsilon);
    s_next_round (self);
}

static void
s_next_round (self_t *self)
{
    Cohort__RoundKind kind = coord_study_next (self->study);
    if (!kind) {
        s_finish (self, "completed", "all rounds completed");
        return;
    }
    uint32_t round = self->state.round + 1;
    self->kind = kind;
    //  The round's aggregate and report entry: without them (out of memory)
    //  it cannot run, and the study ends.
    coord_agg_destroy (&self->agg);
    json_decref (self->entry);
    self->round_codec = self->codec;
    unsigned bits = coord_study_value_bits (self->study);
    if (bits != self->codec.value_bits
    &&  he_codec_init (&self->round_codec, he_pubkey_bits (self->pk), PROTO_FRAC_BITS, bits,
                       PROTO_MAX_PARTIES)) {
        s_finish (self, "failed", util_last_error ());
        return;
    }
    self->agg = coord_agg_new (self->pk, self->vk, &self->round_codec,
                               coord_study_dim (self->study, kind));
    self->entry = json_pack ("{s:[], s:[]}", "rejected", "excluded");
    if (!self->agg || !self->entry) {
        json_decref (self->entry);
        self->entry = NULL;
        char detail [128];
        snprintf (detail, sizeof detail, "round %u: the coordinator is out of memory", round);
        s_finish (self, "failed", detail);
        return;
    }
    Cohort__RoundStart rs = COHORT__ROUND_START__INIT;
    if (coord_study_round_start (self->study, kind, &rs)) {
        json_decref (self->entry);
        self->entry = NULL;
        s_finish (self, "failed", util_last_error ());
        return;
    }
    rs.deadline_ms = self->cfg->round_timeout_ms;
    self->contributors = 0;
    //  Only the accepted sites heard from lately take part; one that comes
    //  back (its hellos resume) takes part again from the next round.
    uint64_t live = coord_sites_live (&self->sites, zclock_mono (),
                                      (int64_t) self->cfg->liveness_timeout_ms);
    self->round_started = zclock_mono ();
    coord_state_enter (&self->state, coord_study_id (self->study), round, COORD_PHASE_COLLECT,
                       self->accepted & live,
                       zclock_mono () + (int64_t) self->cfg->round_timeout_ms);
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_ROUND_START;
    msg.round_start = &rs;
    for (unsigned i = 0; i < self->sites.n; i++)
        if (self->state.participants >> i & 1)
            s_send (self, self->sites.site [i].identity, coord_study_id (self->study), round, &msg);
    //  Nobody to wait for: the round closes now (and fails for want of sites).
    if (coord_state_complete (&self->state))
        s_collect_done (self);
}

//  The round's report entry names the accepted sites that contributed and
//  those that did not (down, silent or rejected).
static void
s_entry_sites (self_t *self)
{
    json_t *in = json_array (), *out = json_array ();
    for (unsigned i = 0; in && out && i < self->sites.n; i++) {
        if (!(self->accepted >> i & 1))
            continue;
        json_t *list = self->contributors >> i & 1? in: out;
        if (json_array_append_new (list, json_string (self->sites.site [i].name))) {
            json_decref (in);
            in = NULL;
        }
    }
    if (!in || !out || json_object_set_new (self->entry, "contributors", in)
    ||  json_object_set_new (self->entry, "missing", out))
        zsys_error ("coordinator: round %u: the contributors are not in the report: out of "
                    "memory", self->state.round);
}

static void
s_collect_done (self_t *self)
{
    s_entry_sites (self);
    unsigned got = coord_agg_contributors (self->agg);
    unsigned need = coord_study_def (self->study)->min_sites;
    char detail [256];
    if (got < need) {
        snprintf (detail, sizeof detail, "round %u: %u of %u required sites answered",
                  self->state.round, got, need);
        s_fail_round (self, detail);
        return;
    }
    uint8_t *buf;
    size_t len;
    if (coord_agg_serialize (self->agg, &buf, &len)) {
        s_fail_round (self, util_last_error ());
        return;
    }
    free (self->request);
    self->request = buf;
    self->request_len = len;
    //  Only t contributors are asked at first, starting at a slot that
    //  rotates with the round so that the work spreads; more are asked
    //  when a partial fails its proof or a third of the deadline passes
    //  without t verified partials (docs/protocol.md).
    uint64_t first = coord_state_pick (self->contributors, he_verify_threshold (self->vk),
                                       self->sites.n? self->state.round % self->sites.n: 0,
                                       self->sites.n);
    int64_t now = zclock_mono ();
    coord_state_enter (&self->state, coord_study_id (self->study), self->state.round,
                       COORD_PHASE_DECRYPT, first, now + (int64_t) self->cfg->round_timeout_ms);
    self->escalate_at = now + (int64_t) self->cfg->round_timeout_ms / 3;
    s_request_partials (self, first);
}

//  Sends the stored decryption request to the sites in `mask` and makes
//  them participants of the decrypt phase.
static void
s_request_partials (self_t *self, uint64_t mask)
{
    coord_state_extend (&self->state, mask);
    Cohort__DecryptRequest dr = COHORT__DECRYPT_REQUEST__INIT;
    dr.aggregate = (ProtobufCBinaryData) { self->request_len, self->request };
    dr.n_contributions = coord_agg_contributions (self->agg, &dr.contributions);
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_DECRYPT_REQUEST;
    msg.decrypt_request = &dr;
    for (unsigned i = 0; i < self->sites.n; i++)
        if (mask >> i & 1)
            s_send (self, self->sites.site [i].identity, coord_study_id (self->study),
                    self->state.round, &msg);
}

//  Asks more contributors when those asked cannot give t verified
//  partials any more; fails the round when nobody is left to ask.
static void
s_decrypt_progress (self_t *self)
{
    //  Queued partials are verified together on the pool, once the
    //  messages already waiting are read (the main loop comes back here):
    //  partials that arrived together are checked side by side. Past the
    //  deadline they are checked at once.
    if (self->agg && coord_agg_pending (self->agg)) {
        if ((zsock_events (proto_server_sock (self->server)) & ZMQ_POLLIN)
        &&  zclock_mono () < self->state.deadline)
            return;
        coord_agg_verify_pending (self->agg, self->cfg->verify_threads, s_on_excluded, self);
    }
    unsigned valid = coord_agg_valid_partials (self->agg);
    uint64_t more = coord_state_more (&self->state, self->contributors, valid,
                                      he_verify_threshold (self->vk), self->sites.n);
    if (valid >= he_verify_threshold (self->vk) || (!more && coord_state_complete (&self->state)))
        s_decrypt_done (self);
    else
    if (more)
        s_request_partials (self, more);
}

static void
s_decrypt_done (self_t *self)
{
    unsigned valid = coord_agg_valid_partials (self->agg);
    unsigned need = he_verify_threshold (self->vk);
    char detail [256];
    if (valid < need) {
        snprintf (detail, sizeof detail, "round %u: %u of %u required partial decryptions "
                  "verified", self->state.round, valid, need);
        s_fail_round (self, detail);
        return;
    }
    size_t dim = coord_study_dim (self->study, self->kind);
    int64_t *values = util_calloc (dim, sizeof (int64_t));
    json_t *metrics = NULL;
    int rc = !values || coord_agg_combine (self->agg, values);
    //  Kept before they are applied, so that a restart can rebuild the
    //  study from its rounds (s_resume).
    if (!rc && coord_journal_sums (self->journal, coord_study_id (self->study),
                                   self->state.round, (int) self->kind,
                                   coord_agg_contributors (self->agg), values, dim))
        zsys_error ("coordinator: %s", util_last_error ());
    rc = rc || coord_study_apply (self->study, self->kind, values,
                                  coord_agg_contributors (self->agg), &metrics);
    free (values);
    if (rc) {
        snprintf (detail, sizeof detail, "round %u: %s", self->state.round, util_last_error ());
        s_fail_round (self, detail);
        return;
    }
    int bad = json_object_set_new (self->entry, "status", json_string ("ok"));
    bad |= json_object_set_new (self->entry, "sites_contributed",
                                json_integer (coord_agg_contributors (self->agg)));
    if (metrics)
        bad |= json_object_set_new (self->entry, "metrics", metrics);
    json_t *entry = NULL;
    if (bad)
        json_decref (self->entry);
    else
        entry = coord_study_record (self->study, self->state.round, self->kind, self->entry);
    self->entry = NULL;
    if (!entry) {
        //  The round's result would be missing from the report: the study
        //  cannot go on from it.
        snprintf (detail, sizeof detail, "round %u: the coordinator is out of memory "
                  "recording the round", self->state.round);
        s_fail_round (self, detail);
        return;
    }
    coord_metrics_round (self->metrics, proto_kind_name (self->kind), true,
                         (double) (zclock_mono () - self->round_started) / 1e3);
    s_journal_round (self, entry, "ok");
    s_journal (self);
    s_broadcast_result (self, true, "round completed", false);
    s_next_round (self);
}

static void
s_check_deadline (self_t *self)
{
    if (self->state.phase == COORD_PHASE_IDLE || zclock_mono () < self->state.deadline)
        return;
    if (self->state.phase == COORD_PHASE_OFFER)
        s_offer_done (self);
    else
    if (self->state.phase == COORD_PHASE_COLLECT)
        s_collect_done (self);
    else
        s_decrypt_done (self);
}

//  A participant of the current phase silent for liveness_timeout_ms is
//  down: the phase stops waiting for it (and closes when everyone left has
//  answered), so that a dead site costs a round the liveness timeout, not
//  the whole deadline. It takes part again once its hellos resume.
static void
s_check_liveness (self_t *self)
{
    if (self->state.phase == COORD_PHASE_IDLE)
        return;
    uint64_t live = coord_sites_live (&self->sites, zclock_mono (),
                                      (int64_t) self->cfg->liveness_timeout_ms);
    uint64_t down = self->state.participants & ~self->state.answered & ~live;
    if (!down)
        return;
    for (unsigned i = 0; i < self->sites.n; i++)
        if (down >> i & 1)
            zsys_warning ("coordinator: site %s (share %u) is down (silent for %llu ms or "
                          "more): round %u goes on without it", self->sites.site [i].name,
                          self->sites.site [i].index,
                          (unsigned long long) self->cfg->liveness_timeout_ms, self->state.round);
    self->state.participants &= ~down;
    if (!coord_state_complete (&self->state))
        return;
    if (self->state.phase == COORD_PHASE_OFFER)
        s_offer_done (self);
    else
    if (self->state.phase == COORD_PHASE_COLLECT)
        s_collect_done (self);
    else
        s_decrypt_progress (self);
}

//  A third of the decrypt deadline passed without t verified partials:
//  every contributor not asked yet is asked now.
static void
s_check_escalation (self_t *self)
{
    if (self->state.phase != COORD_PHASE_DECRYPT || !self->escalate_at
    ||  zclock_mono () < self->escalate_at)
        return;
    self->escalate_at = 0;
    uint64_t more = self->contributors & ~self->state.participants;
    if (more) {
        zsys_info ("coordinator: round %u: asking %d more sites for partial decryptions",
                   self->state.round, __builtin_popcountll (more));
        s_request_partials (self, more);
    }
}

//  ---------------------------------------------------------------------
//  Messages

static void
s_reject (self_t *self, zframe_t *identity, int slot, const proto_msg_t *msg,
          coord_reject_t class, const char *reason)
{
    coord_metrics_rejected (self->metrics, proto_body_name (msg), class);
    char why [UTIL_ERROR_MAX];
    snprintf (why, sizeof why, "%s", reason);
    const char *site = slot >= 0? self->sites.site [slot].name: "(unknown)";
    zsys_warning ("coordinator: rejected %s from %s (study %s round %u): %s",
                  proto_body_name (msg), site, msg->study_id, msg->round_id, why);
    char actor [AUDIT_ACTOR_MAX];
    snprintf (actor, sizeof actor, "site:%s", site);
    s_audit (self, "message.rejected", actor,
             json_pack ("{s:s, s:s, s:i, s:s}", "message", proto_body_name (msg),
                        "study", msg->study_id, "round", (int) msg->round_id, "reason", why));
    if (self->entry && self->study && !strcmp (msg->study_id, coord_study_id (self->study))) {
        json_t *item = json_pack ("{s:s, s:s, s:i, s:s}", "site", site, "message",
                                  proto_body_name (msg), "round", (int) msg->round_id,
                                  "reason", why);
        if (!item || json_array_append_new (json_object_get (self->entry, "rejected"), item))
            zsys_error ("coordinator: round %u: the rejection of %s's %s is not in the report: "
                        "out of memory", msg->round_id, site, proto_body_name (msg));
    }
    s_send_error (self, identity, msg->study_id, msg->round_id, why);
}

static bool
s_admit (self_t *self, zframe_t *identity, int slot, const proto_msg_t *msg,
         coord_phase_t phase)
{
    coord_verdict_t verdict = coord_state_check (&self->state, msg->study_id, msg->round_id,
                                                 phase, slot < 0? COORD_SLOTS: (unsigned) slot);
    if (verdict == COORD_OK)
        return true;
    if (verdict == COORD_SPARE) {
        //  Asked, then not needed: nothing went wrong, nothing to report.
        coord_state_drop_spare (&self->state, (unsigned) slot);
        zsys_debug ("coordinator: round %u: %s's partial was not needed", msg->round_id,
                    self->sites.site [slot].name);
        return false;
    }
    //  The state machine's verdicts and their classes.
    coord_reject_t class = verdict == COORD_REJECT_LATE? COORD_REJECTED_LATE
                         : verdict == COORD_REJECT_FUTURE? COORD_REJECTED_FUTURE
                         : verdict == COORD_REJECT_DUPLICATE? COORD_REJECTED_DUPLICATE
                         : verdict == COORD_REJECT_STUDY? COORD_REJECTED_OTHER_STUDY
                         : verdict == COORD_REJECT_STRANGER? COORD_REJECTED_NOT_PARTICIPANT
                         : COORD_REJECTED_WRONG_PHASE;
    char why [256];
    s_reject (self, identity, slot, msg, class, coord_verdict_text (verdict, &self->state,
                                                                    msg->round_id, why,
                                                                    sizeof why));
    return false;
}

//  ---------------------------------------------------------------------
//  Roles (coordinator/roles.h): every hello and analyst request carries a
//  role certificate; a refusal is answered and audited ("role.refused").

//  Audits a refusal: by the certificate's role and name when it opened,
//  else by the connection's CURVE key.
static void
s_role_refused (self_t *self, const char *user_id, const proto_rolecert_t *cert,
                const char *request, const char *why)
{
    char actor [AUDIT_ACTOR_MAX];
    if (cert)
        snprintf (actor, sizeof actor, "%s:%s", proto_role_name (cert->role), cert->name);
    else
        snprintf (actor, sizeof actor, "key:%s", user_id);
    zsys_warning ("coordinator: refused %s from %s: %s", request, actor, why);
    s_audit (self, "role.refused", actor, json_pack ("{s:s, s:s}", "request", request,
                                                     "reason", why));
}

//  A site's hello: the certificate must be a site's, and name the name and
//  the share index the hello claims. Returns true to go on.
static bool
s_site_cert_ok (self_t *self, zframe_t *identity, const Cohort__Hello *hello, const char *user_id,
                proto_rolecert_t **out)
{
    char why [UTIL_ERROR_MAX];
    proto_rolecert_t *cert = coord_roles_check (self->roles, hello->role_cert, user_id);
    if (!cert)
        util_error_copy (why, sizeof why);
    else
    if (cert->role != PROTO_ROLE_SITE)
        snprintf (why, sizeof why, "role certificate: '%s' is an %s, not a site: it cannot join "
                  "as one", cert->name, proto_role_name (cert->role));
    else
    if (strcmp (cert->name, hello->name) || cert->index != hello->index)
        snprintf (why, sizeof why, "role certificate: names site '%s' with share %u, not '%.128s' "
                  "with share %u", cert->name, (unsigned) cert->index, hello->name, hello->index);
    else {
        *out = cert;
        return true;
    }
    s_role_refused (self, user_id, cert, "hello", why);
    coord_metrics_rejected (self->metrics, "hello", COORD_REJECTED_ROLE);
    proto_rolecert_destroy (&cert);
    s_send_error (self, identity, "", 0, why);
    //  A known connection whose certificate no longer holds (revoked,
    //  expired) is a site no more: its further messages come from no slot.
    int slot = coord_sites_slot (&self->sites, identity);
    if (slot >= 0) {
        zsys_warning ("coordinator: site %s (share %u) dropped: its certificate no longer holds",
                      self->sites.site [slot].name, self->sites.site [slot].index);
        zframe_destroy (&self->sites.site [slot].identity);
        s_sites_gauge (self);
    }
    return false;
}

//  An analyst request: launching needs an analyst's certificate, reading
//  (status, report, budget) an analyst's, observer's or admin's. Returns
//  true to go on; else the request is refused and audited.
//  The analyst's signature of the study (proto/signed.h), checked as the
//  sites will check it, so that a launch they would refuse is refused
//  here, at once. 0 or -1 with the reason.
static int
s_study_sig_check (const Cohort__Launch *launch, const proto_rolecert_t *cert)
{
    if (launch->study_sig.len != PROTO_SIG_LEN || launch->nonce.len != PROTO_NONCE_LEN)
        return util_error (UTIL_EREFUSED, "launch: the study is not signed (an analyst signs "
                           "each study with the key its role certificate names: analyst.cfg "
                           "sign_key)");
    proto_study_sig_t sig;
    sig.signed_at = launch->signed_at;
    memcpy (sig.nonce, launch->nonce.data, PROTO_NONCE_LEN);
    memcpy (sig.sig, launch->study_sig.data, PROTO_SIG_LEN);
    return proto_study_verify (&sig, cert->signer, launch->study_cfg, (uint64_t) time (NULL),
                               PROTO_STUDY_MAX_AGE_S);
}

static bool
s_request_cert_ok (self_t *self, zframe_t *identity, const proto_msg_t *msg, const char *user_id)
{
    const char *text = "";
    bool launch = false;
    switch (msg->body_case) {
        case COHORT__ENVELOPE__BODY_LAUNCH:
            text = msg->launch->role_cert;
            launch = true;
            break;
        case COHORT__ENVELOPE__BODY_STATUS_REQUEST:
            text = msg->status_request->role_cert;
            break;
        case COHORT__ENVELOPE__BODY_REPORT_REQUEST:
            text = msg->report_request->role_cert;
            break;
        case COHORT__ENVELOPE__BODY_BUDGET_REQUEST:
            text = msg->budget_request->role_cert;
            break;
        default:
            break;
    }
    char why [UTIL_ERROR_MAX];
    proto_rolecert_t *cert = coord_roles_check (self->roles, text, user_id);
    if (!cert)
        util_error_copy (why, sizeof why);
    else
    if (launch && cert->role != PROTO_ROLE_ANALYST)
        snprintf (why, sizeof why, "role certificate: '%s' is a%s %s: only analysts launch studies "
                  "and queries", cert->name, cert->role == PROTO_ROLE_OBSERVER
                  || cert->role == PROTO_ROLE_ADMIN? "n": "", proto_role_name (cert->role));
    else
    if (launch && s_study_sig_check (msg->launch, cert))
        util_error_copy (why, sizeof why);
    else
    if (!launch && !coord_roles_may_read (cert->role))
        snprintf (why, sizeof why, "role certificate: '%s' is a %s: only analysts, observers and "
                  "admins read status, reports and budgets", cert->name,
                  proto_role_name (cert->role));
    else {
        proto_rolecert_destroy (&cert);
        return true;
    }
    s_role_refused (self, user_id, cert, proto_body_name (msg), why);
    coord_metrics_refused (self->metrics, COORD_REFUSAL_ROLE);
    proto_rolecert_destroy (&cert);
    s_reply (self, identity, false, json_pack ("{s:s}", "error", why));
    return false;
}

static void s_keep_budget (self_t *self, const Cohort__Hello *hello);

//  Keeps a site's certificate (takes *cert) for its slot. Out of memory,
//  the slot keeps none: the site's updates are then refused until its
//  next hello.
static void
s_keep_role (self_t *self, int slot, const char *text, proto_rolecert_t **cert)
{
    if (self->site_role_text [slot] && !strcmp (self->site_role_text [slot], text))
        return;
    free (self->site_role_text [slot]);
    proto_rolecert_destroy (&self->site_role [slot]);
    self->site_role_text [slot] = util_strdup (text);
    if (self->site_role_text [slot]) {
        self->site_role [slot] = *cert;
        *cert = NULL;
    }
}

static void
s_on_hello (self_t *self, zframe_t *identity, const Cohort__Hello *hello, const char *user_id)
{
    if (strcmp (hello->role, "site"))
        return;
    proto_rolecert_t *cert = NULL;
    if (!s_site_cert_ok (self, identity, hello, user_id, &cert))
        return;
    unsigned known = self->sites.n;
    const char *why;
    bool fresh;
    bool duplicate = false;
    int slot = coord_sites_hello (&self->sites, self->cfg->allowlist, hello->name, hello->index,
                                  user_id, identity, &why, &fresh, zclock_mono (),
                                  (int64_t) self->cfg->liveness_timeout_ms, &duplicate);
    if (duplicate) {
        char actor [AUDIT_ACTOR_MAX];
        snprintf (actor, sizeof actor, "site:%s", hello->name);
        s_audit (self, "site.duplicate", actor, json_pack ("{s:i, s:s}", "share_index",
                                                           (int) hello->index, "reason", why));
    }
    if (slot < 0) {
        zsys_warning ("coordinator: refused hello as '%s' (share %u): %s", hello->name,
                      hello->index, why);
        coord_metrics_rejected (self->metrics, "hello", COORD_REJECTED_IDENTITY);
        s_send_error (self, identity, "", 0, why);
    }
    else
    //  A known site on a new connection has restarted: operators (and the
    //  local launcher, sim/launch.c) see it in the log.
    if (fresh)
        zsys_info ("coordinator: site %s (share %u) connected%s", hello->name, hello->index,
                   self->sites.n > known? "": " again");
    if (slot >= 0) {
        s_keep_budget (self, hello);
        s_keep_role (self, slot, hello->role_cert, &cert);
        s_sites_gauge (self);
    }
    proto_rolecert_destroy (&cert);
}

//  ---------------------------------------------------------------------
//  Budgets (cohort budget): what each site's ledger holds, as its last
//  hello reported it. The coordinator keeps no ledger of its own and adds
//  nothing: a site that reported none is listed as silent.

//  Keeps an accepted site's report, replacing its previous one. Out of
//  memory, the previous report goes too (an old figure is not kept as new).
static void
s_keep_budget (self_t *self, const Cohort__Hello *hello)
{
    if (!self->budgets && !(self->budgets = json_object ()))
        return;
    json_object_del (self->budgets, hello->name);
    json_t *datasets = json_array ();
    for (size_t i = 0; datasets && i < hello->n_budget; i++) {
        const Cohort__DatasetBudget *b = hello->budget [i];
        if (json_array_append_new (datasets, json_pack ("{s:s,s:f,s:f,s:f}",
                "dataset", b->dataset, "epsilon_budget", b->epsilon_budget,
                "epsilon_spent", b->epsilon_spent, "delta", b->delta))) {
            json_decref (datasets);
            datasets = NULL;
        }
    }
    if (datasets && hello->n_budget)
        json_object_set_new (self->budgets, hello->name,
                             json_pack ("{s:I,s:o}", "at", (json_int_t) zclock_mono (),
                                        "datasets", datasets));
    else
        json_decref (datasets);
}

static int
s_budget_order (const void *a, const void *b)
{
    json_t *x = *(json_t *const *) a, *y = *(json_t *const *) b;
    int c = strcmp (json_string_value (json_object_get (x, "dataset")),
                    json_string_value (json_object_get (y, "dataset")));
    return c? c: strcmp (json_string_value (json_object_get (x, "site")),
                         json_string_value (json_object_get (y, "site")));
}

//  {"budget": [{dataset, site, epsilon_budget, epsilon_spent, epsilon_left,
//  delta, age_s}, ...] by dataset then site, "silent": [sites that reported
//  no budget]}, or NULL out of memory.
static json_t *
s_budget_answer (self_t *self)
{
    json_t *rows = json_array (), *silent = json_array ();
    json_t **order = util_calloc (COORD_SLOTS * PROTO_BUDGETS_MAX, sizeof *order);
    size_t n = 0;
    bool ok = rows && silent && order;
    int64_t now = zclock_mono ();
    for (unsigned s = 0; ok && s < self->sites.n; s++) {
        const char *name = self->sites.site [s].name;
        json_t *report = self->budgets? json_object_get (self->budgets, name): NULL;
        if (!report) {
            ok = !json_array_append_new (silent, json_string (name));
            continue;
        }
        double age = (double) (now - json_integer_value (json_object_get (report, "at"))) / 1e3;
        size_t i;
        json_t *b;
        json_array_foreach (json_object_get (report, "datasets"), i, b) {
            double budget = json_real_value (json_object_get (b, "epsilon_budget"));
            double spent = json_real_value (json_object_get (b, "epsilon_spent"));
            json_t *row = json_pack ("{s:O,s:s,s:O,s:O,s:f,s:O,s:f}",
                "dataset", json_object_get (b, "dataset"), "site", name,
                "epsilon_budget", json_object_get (b, "epsilon_budget"),
                "epsilon_spent", json_object_get (b, "epsilon_spent"),
                "epsilon_left", spent < budget? budget - spent: 0.0,
                "delta", json_object_get (b, "delta"), "age_s", age);
            if (!row || n == COORD_SLOTS * PROTO_BUDGETS_MAX) {
                json_decref (row);
                ok = false;
                break;
            }
            order [n++] = row;
        }
    }
    if (ok)
        qsort (order, n, sizeof *order, s_budget_order);
    for (size_t i = 0; i < n; i++)
        if (ok && json_array_append (rows, order [i]))
            ok = false;
    for (size_t i = 0; i < n; i++)
        json_decref (order [i]);
    free (order);
    json_t *answer = ok? json_pack ("{s:O,s:O}", "budget", rows, "silent", silent): NULL;
    json_decref (rows);
    json_decref (silent);
    if (!answer)
        util_error (UTIL_ENOMEM, "budget: out of memory");
    return answer;
}

static void
s_on_launch (self_t *self, zframe_t *identity, const Cohort__Launch *launch, const char *user_id)
{
    const char *cfg_text = launch->study_cfg;
    char analyst [PROTO_Z85_KEY_LEN + 8];
    snprintf (analyst, sizeof analyst, "key:%s", *user_id? user_id: "unknown");
    if (self->study && !coord_study_finished (self->study)) {
        s_refuse (self, identity, COORD_REFUSAL_BUSY, "busy: another study is running");
        return;
    }
    zuuid_t *uuid = zuuid_new ();
    if (!uuid) {
        s_refuse (self, identity, COORD_REFUSAL_INTERNAL, "the coordinator is out of memory");
        return;
    }
    char id [16];
    snprintf (id, sizeof id, "s%.12s", zuuid_str_canonical (uuid));
    zuuid_destroy (&uuid);
    for (char *c = id; *c; c++)
        if (*c == '-')
            *c = 'x';
    coord_study_t *study = coord_study_new (id, cfg_text);
    if (!study) {
        s_refuse (self, identity, COORD_REFUSAL_INVALID, util_last_error ());
        return;
    }
    coord_study_set_threshold (study, he_verify_threshold (self->vk));
    const proto_study_t *def = coord_study_def (study);
    char over [PROTO_TEXT_MAX + 1];
    if (coord_alerts_admit (self->alerts, zclock_time (), analyst, coord_study_is_query (study),
                            over, sizeof over)) {
        coord_study_destroy (&study);
        s_alerts_flush (self);
        s_refuse (self, identity, COORD_REFUSAL_RATE_LIMIT, over);
        return;
    }
    if (coord_study_is_query (study)) {
        //  Checked here, so that a wrong column or an unaffordable size is
        //  the analyst's error before anything reaches a site.
        const char *why = NULL;
        if (def->privacy_off && !self->cfg->allow_privacy_off)
            why = "privacy: this consortium does not allow queries with privacy off "
                  "(coordinator.cfg: allow_privacy_off)";
        else
        if (coord_study_query_check (study, self->dict, self->cfg->max_levels,
                                     self->cfg->min_cell))
            why = util_last_error ();
        if (why) {
            char copy [PROTO_TEXT_MAX + 1];
            snprintf (copy, sizeof copy, "%s", why);
            coord_study_destroy (&study);
            s_refuse (self, identity, COORD_REFUSAL_INVALID, copy);
            return;
        }
    }
    else
    if (coord_study_use_dictionary (study, self->dict_text,
                                    self->dict_text? strlen (self->dict_text): 0) < 0) {
        char copy [PROTO_TEXT_MAX + 1];
        snprintf (copy, sizeof copy, "%s", util_last_error ());
        coord_study_destroy (&study);
        s_refuse (self, identity, COORD_REFUSAL_INVALID, copy);
        return;
    }
    unsigned t = he_verify_threshold (self->vk), l = he_verify_parties (self->vk);
    if (def->min_sites < t || def->min_sites > l) {
        char why [200];
        snprintf (why, sizeof why, "study/min_sites: %u is outside %u..%u (the key needs %u "
                  "of %u shares)", def->min_sites, t, l, t, l);
        coord_study_destroy (&study);
        s_refuse (self, identity, COORD_REFUSAL_INVALID, why);
        return;
    }
    //  The answer first: a study is not launched that its analyst is not told of.
    json_t *answer = json_pack ("{s:s}", "id", id);
    if (!answer) {
        coord_study_destroy (&study);
        s_refuse (self, identity, COORD_REFUSAL_INTERNAL, "the coordinator is out of memory");
        return;
    }
    coord_study_destroy (&self->study);
    self->study = study;
    for (size_t i = 0; i < self->n_features; i++)
        free (self->features [i]);
    free (self->features);
    self->features = NULL;
    self->n_features = 0;
    self->records = 0;
    self->accepted = 0;
    uint64_t offered = 0;
    for (unsigned i = 0; i < self->sites.n; i++)
        offered |= (uint64_t) 1 << i;
    coord_state_enter (&self->state, id, 0, COORD_PHASE_OFFER, offered,
                       zclock_mono () + (int64_t) self->cfg->round_timeout_ms);
    Cohort__StudyOffer offer = COHORT__STUDY_OFFER__INIT;
    offer.study_cfg = (char *) cfg_text;
    offer.analyst_cert = launch->role_cert;
    offer.study_sig = launch->study_sig;
    offer.signed_at = launch->signed_at;
    offer.nonce = launch->nonce;
    offer.threshold = def->min_sites;
    offer.sites = self->sites.n > def->min_sites? self->sites.n: def->min_sites;
    if (coord_study_is_query (study) || coord_study_has_dictionary (study))
        offer.dictionary = self->dict_text;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_OFFER;
    msg.offer = &offer;
    for (unsigned i = 0; i < self->sites.n; i++)
        s_send (self, self->sites.site [i].identity, id, 0, &msg);
    zsys_info ("coordinator: study %s (%s) offered to %u sites", id, def->name, self->sites.n);
    coord_metrics_study (self->metrics, coord_study_is_query (study), NULL);
    coord_alerts_launched (self->alerts, zclock_time (), analyst, def->query, self->dict,
                           self->cfg->max_levels, def->privacy_off? 0: def->epsilon);
    s_alerts_flush (self);
    s_journal (self);
    s_reply (self, identity, true, answer);
}

//  Takes the feature names of the first site that accepted. 0, or -1
//  (UTIL_ENOMEM) with nothing taken. A query's acceptance has none, and
//  nothing is taken (each acceptor would otherwise leave an empty list).
static int
s_take_features (self_t *self, const Cohort__StudyAccept *a)
{
    if (a->n_features == 0)
        return 0;
    char **names = util_calloc (a->n_features, sizeof (char *));
    for (size_t i = 0; names && i < a->n_features; i++)
        if (!(names [i] = util_strdup (a->features [i]))) {
            for (size_t k = 0; k < i; k++)
                free (names [k]);
            free (names);
            names = NULL;
        }
    if (!names)
        return -1;
    self->features = names;
    self->n_features = a->n_features;
    return 0;
}

//  Records a site's decline (or exclusion) for the report; a failure to
//  record it (out of memory) is logged.
static void
s_decline (self_t *self, int slot, const char *reason)
{
    if (coord_study_decline (self->study, self->sites.site [slot].name, reason))
        zsys_error ("coordinator: %s", util_last_error ());
}

//  A study's acceptance carries its record count noised as the study's plan
//  says (proto/plan.h: the variance is public, from the study text): true
//  if so. A query's carries none.
static bool
s_count_noised (self_t *self, const Cohort__StudyAccept *a)
{
    uint64_t sigma2 = 0;
    if (!coord_study_is_query (self->study)
    &&  proto_plan_count_sigma2 (coord_study_def (self->study), &sigma2))
        return false;
    return a->records_noise_sigma2 == sigma2;
}

static void
s_on_accept (self_t *self, zframe_t *identity, int slot, const proto_msg_t *msg)
{
    if (!s_admit (self, identity, slot, msg, COORD_PHASE_OFFER))
        return;
    coord_state_mark (&self->state, (unsigned) slot);
    const Cohort__StudyAccept *a = msg->accept;
    bool query = coord_study_is_query (self->study);
    bool same = self->n_features == 0 || a->n_features == self->n_features;
    for (size_t i = 0; same && self->n_features && i < a->n_features; i++)
        same = !strcmp (a->features [i], self->features [i]);
    bool off = coord_study_def (self->study)->privacy_off;
    if (query && (a->n_features || (a->train_records && !off)))
        s_decline (self, slot, "accept: a query's acceptance names no feature and no count");
    else
    if (!query && !a->n_features)
        s_decline (self, slot, "accept: a study's acceptance names its features");
    else
    if (!s_count_noised (self, a))
        s_decline (self, slot, "accept: its record count is not noised as the study's plan "
                   "says (records_noise_sigma2)");
    else
    if (!same)
        s_decline (self, slot, "features: its columns differ from the other sites'");
    else
    if (!self->n_features && s_take_features (self, a)) {
        //  Out of memory: the site is left out of this study, and told.
        const char *why = "coordinator: out of memory taking the acceptance";
        zsys_error ("coordinator: study %s: %s of %s", msg->study_id, why,
                    self->sites.site [slot].name);
        s_decline (self, slot, why);
        s_send_error (self, identity, msg->study_id, msg->round_id, why);
    }
    else
    if (query && off && coord_study_site_records (self->study, self->sites.site [slot].name,
                                                  a->train_records)) {
        const char *why = "coordinator: out of memory taking the acceptance";
        s_decline (self, slot, why);
        s_send_error (self, identity, msg->study_id, msg->round_id, why);
    }
    else {
        self->accepted |= (uint64_t) 1 << slot;
        self->records += query? 0: a->train_records;
        //  Only a noised count goes into the contribution table.
        if (!query && a->records_noise_sigma2
        &&  coord_study_site_count (self->study, self->sites.site [slot].name,
                                    a->train_records))
            zsys_error ("coordinator: study %s: %s's count is not in the report: %s",
                        msg->study_id, self->sites.site [slot].name, util_last_error ());
    }
    if (coord_state_complete (&self->state))
        s_offer_done (self);
}

static void
s_on_decline (self_t *self, zframe_t *identity, int slot, const proto_msg_t *msg)
{
    if (!s_admit (self, identity, slot, msg, COORD_PHASE_OFFER))
        return;
    coord_state_mark (&self->state, (unsigned) slot);
    zsys_info ("coordinator: site %s declined: %s", self->sites.site [slot].name,
               msg->decline->reason);
    s_decline (self, slot, msg->decline->reason);
    if (coord_state_complete (&self->state))
        s_offer_done (self);
}

static void
s_on_update (self_t *self, zframe_t *identity, int slot, const proto_msg_t *msg)
{
    //  A second update for the current round is a duplicate, whichever
    //  phase the round has reached.
    if (slot >= 0 && self->study && !strcmp (msg->study_id, coord_study_id (self->study))
    &&  msg->round_id == self->state.round && (self->contributors >> slot & 1)) {
        char why [128];
        s_reject (self, identity, slot, msg, COORD_REJECTED_DUPLICATE,
                  coord_verdict_text (COORD_REJECT_DUPLICATE, &self->state, msg->round_id, why,
                                      sizeof why));
        return;
    }
    if (!s_admit (self, identity, slot, msg, COORD_PHASE_COLLECT))
        return;
    coord_state_mark (&self->state, (unsigned) slot);
    ProtobufCBinaryData data = msg->update->ciphertexts;
    ProtobufCBinaryData sig = msg->update->signature;
    const coord_site_t *site = &self->sites.site [slot];
    if (!self->site_role [slot])
        s_reject (self, identity, slot, msg, COORD_REJECTED_NO_CERTIFICATE, "update: this site's "
                  "role certificate is not held (out of memory at its hello)");
    else
    if (proto_update_verify (sig.data, sig.len, self->site_role [slot]->signer, msg->study_id,
                             msg->round_id, site->index, data.data, data.len)) {
        //  A signature that fails counts as a failed proof (alerts.h).
        char why [UTIL_ERROR_MAX];
        util_error_copy (why, sizeof why);
        coord_alerts_proof_failed (self->alerts, zclock_time (), site->name, why);
        s_alerts_flush (self);
        s_reject (self, identity, slot, msg, COORD_REJECTED_SIGNATURE, why);
    }
    else
    if (coord_agg_add_signed (self->agg, site->index, data.data, data.len, sig.data, sig.len,
                              self->site_role_text [slot]))
        s_reject (self, identity, slot, msg, COORD_REJECTED_MALFORMED, util_last_error ());
    else
        self->contributors |= (uint64_t) 1 << slot;
    if (coord_state_complete (&self->state))
        s_collect_done (self);
}

//  Reports that `slot`'s partials are excluded from the round, and why.
static void
s_exclude (self_t *self, int slot, coord_exclusion_t class, const char *why)
{
    coord_metrics_excluded (self->metrics, class);
    zsys_warning ("coordinator: excluded %s: %s", self->sites.site [slot].name, why);
    coord_alerts_proof_failed (self->alerts, zclock_time (), self->sites.site [slot].name, why);
    s_alerts_flush (self);
    json_t *item = json_pack ("{s:s, s:s}", "site", self->sites.site [slot].name,
                              "reason", why);
    if (!item || json_array_append_new (json_object_get (self->entry, "excluded"), item))
        zsys_error ("coordinator: round %u: the exclusion of %s is not in the report: "
                    "out of memory", self->state.round, self->sites.site [slot].name);
}

//  coord_agg_verify_pending's report of a partial whose proof failed (the
//  tag is the slot it came from).
static void
s_on_excluded (int tag, unsigned index, int code, const char *reason, void *arg)
{
    (void) index;
    s_exclude ((self_t *) arg, tag, code == UTIL_ECRYPTO? COORD_EXCLUDED_PROOF
                                                        : COORD_EXCLUDED_MALFORMED, reason);
}

static void
s_on_partial (self_t *self, zframe_t *identity, int slot, const proto_msg_t *msg)
{
    if (!s_admit (self, identity, slot, msg, COORD_PHASE_DECRYPT))
        return;
    coord_state_mark (&self->state, (unsigned) slot);
    const Cohort__PartialDecryption *p = msg->partial;
    char why [600];
    why [0] = 0;
    coord_exclusion_t class = COORD_EXCLUDED_SHARE_INDEX;
    if (p->share_index != self->sites.site [slot].index)
        snprintf (why, sizeof why, "partial: share index %u is not this site's (%u)",
                  p->share_index, self->sites.site [slot].index);
    else
    if (coord_agg_queue_partial (self->agg, p->share_index, slot, msg->study_id, msg->round_id,
                                 p->partials.data, p->partials.len, p->proof.data,
                                 p->proof.len)) {
        class = util_last_code () == UTIL_ECRYPTO? COORD_EXCLUDED_PROOF: COORD_EXCLUDED_MALFORMED;
        snprintf (why, sizeof why, "%s", util_last_error ());
    }
    if (*why)
        s_exclude (self, slot, class, why);
    //  Combine as soon as t partials have verified (s_decrypt_progress
    //  verifies what is queued); ask more sites when a partial failed and
    //  those asked cannot make up t.
    s_decrypt_progress (self);
}

//  The report (or status) of the study asked for: the current one, or one
//  from the journal ("" asks for the latest). NULL with the reason: no such
//  study, the journal cannot be read, out of memory.
static json_t *
s_lookup (self_t *self, const char *study_id, bool report)
{
    if (self->study && (!*study_id || !strcmp (study_id, coord_study_id (self->study))))
        return report? coord_study_report (self->study): coord_study_status (self->study);
    char *latest = NULL, *text = NULL;
    json_t *stored = NULL, *answer = NULL;
    if (!*study_id && coord_journal_latest (self->journal, &latest))
        goto done;
    const char *id = *study_id? study_id: latest;
    if (id && coord_journal_report (self->journal, id, &text))
        goto done;
    if (!text) {
        util_error (UTIL_EINPUT, "no such study");
        goto done;
    }
    json_error_t err;
    if (!(stored = json_loads (text, 0, &err))) {
        util_error (UTIL_EIO, "journal: the report of study %s does not read back: %s", id,
                    err.text);
        goto done;
    }
    if (report) {
        answer = stored;
        stored = NULL;
        goto done;
    }
    //  A stored report lacking a field gives null for it.
    json_t *study = json_object_get (stored, "study");
    answer = json_pack ("{s:O?, s:O?, s:O?, s:O?, s:I, s:O?}",
        "id", json_object_get (study, "id"), "name", json_object_get (study, "name"),
        "status", json_object_get (study, "status"),
        "status_detail", json_object_get (study, "status_detail"),
        "round", (json_int_t) json_array_size (json_object_get (stored, "rounds")),
        "epsilon_spent", json_object_get (json_object_get (stored, "privacy"), "epsilon"));
    if (!answer)
        util_error (UTIL_ENOMEM, "status: out of memory");
done:
    free (latest);
    free (text);
    json_decref (stored);
    return answer;
}

//  With TOTP on, an analyst request (launch, status, report, budget)
//  passes only with a fresh right code or a live session of the key that
//  sent it (coordinator/totp.h). A refusal answers {"error", "totp": the
//  reason} and is an audit entry "totp.refused" with that reason; the wrong
//  code that starts a cooling-off is also "totp.locked". true: go on.
static bool
s_totp_admit (self_t *self, zframe_t *identity, const char *user_id, const proto_msg_t *msg)
{
    const char *code, *session;
    switch (msg->body_case) {
        case COHORT__ENVELOPE__BODY_LAUNCH:
            code = msg->launch->totp, session = msg->launch->totp_session;
            break;
        case COHORT__ENVELOPE__BODY_STATUS_REQUEST:
            code = msg->status_request->totp, session = msg->status_request->totp_session;
            break;
        case COHORT__ENVELOPE__BODY_REPORT_REQUEST:
            code = msg->report_request->totp, session = msg->report_request->totp_session;
            break;
        case COHORT__ENVELOPE__BODY_BUDGET_REQUEST:
            code = msg->budget_request->totp, session = msg->budget_request->totp_session;
            break;
        default:
            return true;
    }
    if (!self->totp)
        return true;
    coord_totp_policy_t policy = { self->cfg->totp_max_failures, self->cfg->totp_cooloff_s,
                                   self->cfg->totp_session_s };
    coord_totp_result_t r;
    int64_t now = (int64_t) time (NULL);
    const char *why = NULL;
    char text [160];
    if (coord_totp_check (self->totp, &r, user_id, code, session, now, &policy)) {
        zsys_error ("coordinator: %s", util_last_error ());
        r.verdict = COORD_TOTP_MISSING;
        r.name [0] = '\0';
        why = "totp: the coordinator cannot check codes now (its TOTP store failed)";
    }
    else
    if (r.verdict == COORD_TOTP_OK)
        return true;
    else
    if (r.verdict == COORD_TOTP_MISSING)
        why = "totp: this request needs a TOTP code (--totp CODE, or COHORT_TOTP)";
    else
    if (r.verdict == COORD_TOTP_UNENROLLED)
        why = "totp: this key is not enrolled for TOTP (cohort admin totp-enrol)";
    else
    if (r.verdict == COORD_TOTP_WRONG)
        why = "totp: wrong code";
    else
    if (r.verdict == COORD_TOTP_REPLAYED)
        why = "totp: this code was used already (wait for the next one)";
    else {
        snprintf (text, sizeof text, "totp: too many wrong codes; refused for another %lld s",
                  (long long) (r.locked_until - now));
        why = text;
    }
    char actor [COORD_TOTP_NAME_MAX + 64];
    snprintf (actor, sizeof actor, r.name [0]? "analyst:%s": "key:%s",
              r.name [0]? r.name: user_id);
    const char *reason = coord_totp_verdict_name (r.verdict);
    if (r.locked_now)
        s_audit (self, "totp.locked", actor, json_pack ("{s:I, s:I}", "failures",
                 (json_int_t) policy.max_failures, "until", (json_int_t) r.locked_until));
    s_audit (self, "totp.refused", actor, json_pack ("{s:s, s:s}", "reason", reason,
             "request", proto_body_name (msg)));
    zsys_warning ("coordinator: refused %s from %s: %s", proto_body_name (msg), actor, why);
    coord_metrics_refused (self->metrics, COORD_REFUSAL_TOTP);
    s_reply (self, identity, false, json_pack ("{s:s, s:s}", "error", why, "totp", reason));
    return false;
}

static void
s_on_message (self_t *self)
{
    zframe_t *identity = NULL;
    char user_id [64];
    proto_msg_t *msg = proto_recv_user (proto_server_sock (self->server), &identity, user_id,
                                        sizeof user_id);
    if (!msg) {
        zsys_warning ("coordinator: dropped a message: %s", util_last_error ());
        if (identity)
            s_send_error (self, identity, "", 0, util_last_error ());
        zframe_destroy (&identity);
        return;
    }
    //  An analyst request: first the role certificate, then the second
    //  factor (a key without the role spends no TOTP attempt).
    int slot = coord_sites_slot (&self->sites, identity);
    coord_sites_seen (&self->sites, slot, zclock_mono ());
    bool request = msg->body_case == COHORT__ENVELOPE__BODY_LAUNCH
                || msg->body_case == COHORT__ENVELOPE__BODY_STATUS_REQUEST
                || msg->body_case == COHORT__ENVELOPE__BODY_REPORT_REQUEST
                || msg->body_case == COHORT__ENVELOPE__BODY_BUDGET_REQUEST;
    if ((request && !s_request_cert_ok (self, identity, msg, user_id))
    ||  !s_totp_admit (self, identity, user_id, msg)) {
        proto_free (&msg);
        zframe_destroy (&identity);
        return;
    }
    switch (msg->body_case) {
        case COHORT__ENVELOPE__BODY_HELLO:
            s_on_hello (self, identity, msg->hello, user_id);
            break;
        case COHORT__ENVELOPE__BODY_HEARTBEAT:
            break;
        case COHORT__ENVELOPE__BODY_ACCEPT:
            s_on_accept (self, identity, slot, msg);
            break;
        case COHORT__ENVELOPE__BODY_DECLINE:
            s_on_decline (self, identity, slot, msg);
            break;
        case COHORT__ENVELOPE__BODY_UPDATE:
            s_on_update (self, identity, slot, msg);
            break;
        case COHORT__ENVELOPE__BODY_PARTIAL:
            s_on_partial (self, identity, slot, msg);
            break;
        case COHORT__ENVELOPE__BODY_ERROR:
            zsys_warning ("coordinator: error from %s (study %s round %u): %s",
                          slot >= 0? self->sites.site [slot].name: "(unknown)", msg->study_id,
                          msg->round_id, msg->error->message);
            break;
        case COHORT__ENVELOPE__BODY_LAUNCH:
            s_on_launch (self, identity, msg->launch, user_id);
            break;
        case COHORT__ENVELOPE__BODY_STATUS_REQUEST:
        case COHORT__ENVELOPE__BODY_REPORT_REQUEST: {
            bool report = msg->body_case == COHORT__ENVELOPE__BODY_REPORT_REQUEST;
            json_t *json = s_lookup (self, msg->study_id, report);
            if (json)
                s_reply (self, identity, true, json);
            else
                s_refuse (self, identity, COORD_REFUSAL_NOT_FOUND, util_last_error ());
            break;
        }
        case COHORT__ENVELOPE__BODY_BUDGET_REQUEST: {
            json_t *json = s_budget_answer (self);
            if (json)
                s_reply (self, identity, true, json);
            else
                s_refuse (self, identity, COORD_REFUSAL_NOT_FOUND, util_last_error ());
            break;
        }
        default:
            s_send_error (self, identity, msg->study_id, msg->round_id,
                          "unexpected message for a coordinator");
    }
    proto_free (&msg);
    zframe_destroy (&identity);
}

static void
s_on_pipe (self_t *self)
{
    char *command = zstr_recv (self->pipe);
    if (!command || !strcmp (command, "$TERM"))
        self->terminated = true;
    else
    if (!strcmp (command, "ENDPOINT"))
        zstr_send (self->pipe, proto_server_endpoint (self->server));
    zstr_free (&command);
}

//  ---------------------------------------------------------------------
//  Resuming after a restart. The journal holds each running study's
//  definition, how it began and every finished round's decrypted sums: the
//  study is rebuilt by replaying them (coord_study_round_start charges the
//  accountant as it did, coord_study_apply moves the model as it did), and
//  once its sites are back the round that was in flight is run again under
//  the same round id. Each site answers it from what it already charged
//  (site/worker.c: the update it sent for that round, sent again), so the
//  report's epsilon is what the sites' ledgers hold.

typedef struct {
    coord_study_t *study;
    uint32_t last;
} s_replay_t;

static int
s_replay_round (uint32_t round, int kind, unsigned contributors, const int64_t *sums, size_t n,
                const char *entry, void *arg)
{
    s_replay_t *r = arg;
    Cohort__RoundKind next = coord_study_next (r->study);
    if ((int) next != kind)
        return util_error (UTIL_EINPUT, "journal: round %u was a %s round, the study's schedule "
                           "says %s", round, proto_kind_name ((Cohort__RoundKind) kind),
                           next? proto_kind_name (next): "that it is over");
    if (n != coord_study_dim (r->study, next))
        return util_error (UTIL_EINPUT, "journal: round %u holds %zu sums, not %zu", round, n,
                           coord_study_dim (r->study, next));
    Cohort__RoundStart rs = COHORT__ROUND_START__INIT;
    json_t *metrics = NULL;
    if (coord_study_round_start (r->study, next, &rs)
    ||  coord_study_apply (r->study, next, sums, contributors, &metrics))
        return -1;
    json_decref (metrics);
    json_t *e = json_loads (entry, 0, NULL);
    if (!e)
        return util_error (UTIL_EINPUT, "journal: round %u's report entry is damaged", round);
    if (!coord_study_record (r->study, round, next, e))
        return -1;
    r->last = round;
    return 0;
}

//  Rebuilds the running study the journal holds, if any; its round in
//  flight is run again once its sites are back (s_check_resume). A study
//  that cannot be rebuilt is marked failed, saying why.
static void
s_resume (self_t *self)
{
    char *id = NULL, *cfg = NULL, *features = NULL, *sites = NULL;
    uint64_t records = 0;
    json_t *fj = NULL, *sj = NULL;
    char why [UTIL_ERROR_MAX] = "";
    if (coord_journal_running (self->journal, &id)) {
        zsys_error ("coordinator: %s", util_last_error ());
        return;
    }
    if (!id)
        return;
    coord_study_t *study = NULL;
    if (coord_journal_definition (self->journal, id, &cfg) || !cfg
    ||  !(study = coord_study_new (id, cfg))) {
        if (cfg)
            util_error_copy (why, sizeof why);
        else
            snprintf (why, sizeof why, "journal: its definition cannot be read");
        goto done;
    }
    coord_study_set_threshold (study, he_verify_threshold (self->vk));
    int dict = coord_study_is_query (study)
             ? coord_study_query_check (study, self->dict, self->cfg->max_levels,
                                        self->cfg->min_cell)
             : coord_study_use_dictionary (study, self->dict_text,
                                           self->dict_text? strlen (self->dict_text): 0);
    if (dict < 0 || coord_journal_begun (self->journal, id, &features, &records, &sites)) {
        util_error_copy (why, sizeof why);
        goto done;
    }
    if (!features || !sites) {
        snprintf (why, sizeof why, "the coordinator restarted while the study was being "
                  "offered: launch it again");
        goto done;
    }
    fj = json_loads (features, 0, NULL);
    sj = json_loads (sites, 0, NULL);
    size_t p = json_array_size (fj), n = json_array_size (sj);
    if (!json_is_array (fj) || !json_is_array (sj) || n == 0 || n > COORD_SLOTS
    ||  p > PROTO_FEATURES_MAX) {
        snprintf (why, sizeof why, "journal: how the study began is damaged");
        goto done;
    }
    char *fnames [PROTO_FEATURES_MAX], *snames [COORD_SLOTS];
    for (size_t i = 0; i < p; i++)
        fnames [i] = (char *) json_string_value (json_array_get (fj, i));
    for (size_t i = 0; i < n; i++)
        snames [i] = (char *) json_string_value (json_array_get (sj, i));
    bool whole = true;
    for (size_t i = 0; i < p; i++)
        whole &= fnames [i] != NULL;
    for (size_t i = 0; i < n; i++)
        whole &= snames [i] != NULL && strlen (snames [i]) <= PROTO_NAME_MAX;
    if (!whole) {
        snprintf (why, sizeof why, "journal: how the study began is damaged");
        goto done;
    }
    s_replay_t r = { study, 0 };
    if (coord_study_begin (study, fnames, p, records, snames, n)
    ||  coord_journal_replay (self->journal, id, s_replay_round, &r)) {
        util_error_copy (why, sizeof why);
        goto done;
    }
    //  Kept as they were at the start (the features and N the sites gave).
    self->features = util_calloc (p? p: 1, sizeof (char *));
    for (size_t i = 0; self->features && i < p; i++)
        if ((self->features [i] = util_strdup (fnames [i])))
            self->n_features++;
    self->records = records;
    if (!self->features || self->n_features != p) {
        util_error_copy (why, sizeof why);
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        snprintf (self->resume_names [i], sizeof self->resume_names [i], "%s", snames [i]);
    self->resume_n = n;
    self->resume_until = zclock_mono () + (int64_t) self->cfg->round_timeout_ms;
    self->state.round = r.last;
    self->study = study;
    study = NULL;
    zsys_info ("coordinator: resumed study %s after round %u: waiting for its %zu sites to "
               "run round %u again", id, r.last, n, r.last + 1);
    s_audit (self, "study.resumed", "coordinator", json_pack ("{s:s, s:I}", "study", id,
                                                              "last_round", (json_int_t) r.last));
done:
    if (*why && study) {
        char detail [UTIL_ERROR_MAX + 64];
        snprintf (detail, sizeof detail, "the coordinator restarted and could not resume it: %s",
                  why);
        zsys_error ("coordinator: study %s: %s", id, detail);
        coord_study_finish (study, "failed", detail);
        coord_study_t *keep = self->study;
        self->study = study;
        s_journal (self);
        self->study = keep;
    }
    else
    if (*why)
        zsys_error ("coordinator: study %s: could not be resumed: %s", id, why);
    coord_study_destroy (&study);
    json_decref (fj);
    json_decref (sj);
    free (id);
    free (cfg);
    free (features);
    free (sites);
}

//  A resumed study starts again once every one of its sites is back, or
//  when min_sites of them are and the round deadline has passed.
static void
s_check_resume (self_t *self)
{
    if (!self->resume_until || !self->study)
        return;
    uint64_t live = coord_sites_live (&self->sites, zclock_mono (),
                                      (int64_t) self->cfg->liveness_timeout_ms);
    uint64_t accepted = 0;
    size_t back = 0;
    for (size_t k = 0; k < self->resume_n; k++)
        for (unsigned i = 0; i < self->sites.n; i++)
            if (!strcmp (self->sites.site [i].name, self->resume_names [k])) {
                accepted |= (uint64_t) 1 << i;
                back += live >> i & 1;
            }
    bool late = zclock_mono () > self->resume_until;
    if (back < self->resume_n && !late)
        return;
    self->resume_until = 0;
    self->accepted = accepted;
    zsys_info ("coordinator: study %s: %zu of its %zu sites are back: round %u again",
               coord_study_id (self->study), back, self->resume_n, self->state.round + 1);
    s_next_round (self);
}

void
coord_actor (zsock_t *pipe, void *args)
{
    self_t *self = s_new (pipe, (const char *) args);
    zsock_signal (pipe, 0);
    if (!self) {
        //  The reason crosses to the caller's thread with its code.
        util_actor_failed (pipe);
        //  Wait for $TERM so the caller's zactor_destroy completes; this
        //  thread's OpenSSL state goes first (see the end of this function).
        char *command = zstr_recv (pipe);
        zstr_free (&command);
        OPENSSL_thread_stop ();
        return;
    }
    zstr_send (pipe, "OK");
    zpoller_t *poller = self->poller;
    while (!self->terminated) {
        int timeout = 1000;
        if (self->state.phase != COORD_PHASE_IDLE) {
            int64_t until = self->state.deadline;
            if (self->state.phase == COORD_PHASE_DECRYPT && self->escalate_at
            &&  self->escalate_at < until)
                until = self->escalate_at;
            int64_t left = until - zclock_mono ();
            timeout = left < 0? 0: left < 1000? (int) left + 1: 1000;
        }
        void *which = zpoller_wait (poller, timeout);
        if (which == pipe)
            s_on_pipe (self);
        else
        if (which && which == proto_server_refusals (self->server))
            s_on_refusals (self);
        else
        if (which)
            s_on_message (self);
        else
        if (zpoller_terminated (poller))
            break;
        s_check_resume (self);
        s_check_liveness (self);
        s_sites_gauge (self);
        s_check_escalation (self);
        if (self->state.phase == COORD_PHASE_DECRYPT && self->agg && coord_agg_pending (self->agg))
            s_decrypt_progress (self);
        s_check_deadline (self);
    }
    s_destroy (&self);
    //  czmq's actor threads are detached: the caller may go on to exit (and
    //  run OpenSSL's clean-up) before this thread's own exit code runs.
    //  OpenSSL's per-thread state is released here, while the caller still
    //  waits for this function to return.
    OPENSSL_thread_stop ();
}

zactor_t *
coord_actor_new (const char *config_path)
{
    zactor_t *actor = zactor_new (coord_actor, (void *) config_path);
    if (!actor)
        return util_error_null (UTIL_ENOMEM, "coordinator: out of memory (actor)");
    if (util_actor_started (actor, "coordinator", NULL))
        util_actor_destroy (&actor);
    return actor;
}
