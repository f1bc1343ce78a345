/*  coordinator/actor.c - sockets, analysts and the loop; each study's
    rounds are in flow.c (actor_private.h). */
#include "actor.h"
#include "actor_private.h"
#include "util/actor.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/file.h"
#include "util/log.h"
#include "he/keyfile.h"
#include "proto/signed.h"

#include <openssl/crypto.h>
#include <string.h>
#include <time.h>

void
coord_run_destroy (run_t **run_p)
{
    run_t *run = *run_p;
    if (!run)
        return;
    for (size_t i = 0; i < run->n_features; i++)
        free (run->features [i]);
    free (run->features);
    json_decref (run->entry);
    free (run->request);
    free (run->resume_names);
    coord_agg_destroy (&run->agg);
    coord_study_destroy (&run->study);
    free (run);
    *run_p = NULL;
}

//  The run of study `id`, or NULL.
run_t *
coord_run_find (self_t *self, const char *id)
{
    for (size_t i = 0; i < COORD_RUNS_MAX; i++)
        if (self->runs [i] && !strcmp (coord_study_id (self->runs [i]->study), id))
            return self->runs [i];
    return NULL;
}

//  A free place for a new run: an empty one, else the one that ended
//  longest ago (COORD_RUNS_MAX when every run is still running).
size_t
coord_run_place (self_t *self)
{
    size_t oldest = COORD_RUNS_MAX;
    for (size_t i = 0; i < COORD_RUNS_MAX; i++) {
        if (!self->runs [i])
            return i;
        if (self->runs [i]->finished_at
        &&  (oldest == COORD_RUNS_MAX
             || self->runs [i]->finished_at < self->runs [oldest]->finished_at))
            oldest = i;
    }
    if (oldest < COORD_RUNS_MAX)
        coord_run_destroy (&self->runs [oldest]);
    return oldest;
}

//  Running studies and queries (all, or only `analyst`'s when not NULL).
static unsigned
s_running (self_t *self, const char *analyst)
{
    unsigned n = 0;
    for (size_t i = 0; i < COORD_RUNS_MAX; i++)
        if (self->runs [i] && !self->runs [i]->finished_at
        &&  (!analyst || !strcmp (self->runs [i]->analyst, analyst)))
            n++;
    return n;
}

static void
s_destroy (self_t **self_p)
{
    self_t *self = *self_p;
    if (!self)
        return;
    coord_sites_clear (&self->sites);
    for (size_t i = 0; i < COORD_RUNS_MAX; i++)
        coord_run_destroy (&self->runs [i]);
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
    coord_flow_resume (self);
    return self;
fail:
    s_destroy (&self);
    return NULL;
}

//  One audit entry: `kind` (e.g. "auth.refused"), who (`actor`: a role and
//  name, or "key:<z85>" when no name is known) and `detail`, a JSON object
//  that this call takes (NULL: {}). An entry that cannot be written is
//  reported on stderr: a refusal still happens without it.
void
coord_actor_audit (self_t *self, const char *kind, const char *actor, json_t *detail)
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

void
coord_actor_alerts_flush (self_t *self)
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
        coord_actor_audit (self, kind, actor, json_incref (detail));
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
    coord_actor_alerts_flush (self);
}

void
coord_actor_send (self_t *self, zframe_t *identity, const char *study_id, uint32_t round,
                  proto_msg_t *msg)
{
    msg->study_id = (char *) (study_id? study_id: "");
    msg->round_id = round;
    if (proto_send (proto_server_sock (self->server), identity, msg))
        zsys_warning ("coordinator: cannot send %s: %s", proto_body_name (msg),
                      util_last_error ());
}

void
coord_actor_send_error (self_t *self, zframe_t *identity, const char *study_id, uint32_t round,
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
    coord_actor_send (self, identity, study_id, round, &msg);
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
    coord_actor_send (self, identity, "", 0, &msg);
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
    coord_actor_audit (self, "request.refused", "analyst", json_pack ("{s:s}", "reason", reason));
    s_reply (self, identity, false, json_pack ("{s:s}", "error", reason));
}

//  The sites connected now (metrics.h): those heard from within the
//  liveness timeout (a site that died without a word drops out of it).
static void
s_sites_gauge (self_t *self)
{
    coord_set_t live = coord_sites_live (&self->sites, zclock_mono (),
                                         (int64_t) self->cfg->liveness_timeout_ms);
    coord_metrics_sites (self->metrics, coord_set_count (live));
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
    coord_actor_audit (self, "role.refused", actor, json_pack ("{s:s, s:s}", "request", request,
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
    coord_actor_send_error (self, identity, "", 0, why);
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
        coord_actor_audit (self, "site.duplicate", actor,
                           json_pack ("{s:i, s:s}", "share_index", (int) hello->index,
                                      "reason", why));
    }
    if (slot < 0) {
        zsys_warning ("coordinator: refused hello as '%s' (share %u): %s", hello->name,
                      hello->index, why);
        coord_metrics_rejected (self->metrics, "hello", COORD_REJECTED_IDENTITY);
        coord_actor_send_error (self, identity, "", 0, why);
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
    //  Quotas: how many run at once, in all and per analyst key.
    char busy [200] = "";
    if (s_running (self, NULL) >= self->cfg->max_running)
        snprintf (busy, sizeof busy, "busy: %u studies and queries are running, the most this "
                  "coordinator runs at once (coordinator.cfg max_running): launch it again when "
                  "one has ended", self->cfg->max_running);
    else
    if (s_running (self, analyst) >= self->cfg->max_running_per_analyst)
        snprintf (busy, sizeof busy, "busy: %u of your studies and queries are running, the "
                  "most one analyst runs at once (coordinator.cfg max_running_per_analyst): "
                  "launch it again when one has ended", self->cfg->max_running_per_analyst);
    size_t free_slot = COORD_RUNS_MAX;
    if (!*busy)
        free_slot = coord_run_place (self);
    if (!*busy && free_slot == COORD_RUNS_MAX)
        snprintf (busy, sizeof busy, "busy: %d studies and queries are running or resuming; "
                  "launch it again when one has ended", COORD_RUNS_MAX);
    if (*busy) {
        s_refuse (self, identity, COORD_REFUSAL_BUSY, busy);
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
        coord_actor_alerts_flush (self);
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
    run_t *run = util_calloc (1, sizeof *run);
    if (!run) {
        json_decref (answer);
        coord_study_destroy (&study);
        s_refuse (self, identity, COORD_REFUSAL_INTERNAL, "the coordinator is out of memory");
        return;
    }
    run->study = study;
    snprintf (run->analyst, sizeof run->analyst, "%s", analyst);
    self->runs [free_slot] = run;
    coord_state_enter (&run->state, id, 0, COORD_PHASE_OFFER, coord_set_first (self->sites.n),
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
        coord_actor_send (self, self->sites.site [i].identity, id, 0, &msg);
    zsys_info ("coordinator: study %s (%s) offered to %u sites", id, def->name, self->sites.n);
    coord_metrics_study (self->metrics, coord_study_is_query (study), NULL);
    coord_alerts_launched (self->alerts, zclock_time (), analyst, def->query, self->dict,
                           self->cfg->max_levels, def->privacy_off? 0: def->epsilon);
    coord_actor_alerts_flush (self);
    coord_flow_journal (self, run);
    s_reply (self, identity, true, answer);
}

//  Adds "running": [{id, name, kind, status, round}, ...] of the runs in
//  progress to a status answer. 0, or -1 (UTIL_ENOMEM).
static int
s_add_running (self_t *self, json_t *answer)
{
    json_t *list = json_array ();
    for (size_t i = 0; list && i < COORD_RUNS_MAX; i++) {
        const run_t *run = self->runs [i];
        if (!run || run->finished_at)
            continue;
        json_t *item = json_pack ("{s:s, s:s, s:s, s:s, s:I}", "id", coord_study_id (run->study),
                                  "name", coord_study_def (run->study)->name,
                                  "kind", coord_study_is_query (run->study)? "query": "study",
                                  "status", run->resume_until? "resuming": "running",
                                  "round", (json_int_t) run->state.round);
        if (json_array_append_new (list, item)) {
            json_decref (list);
            list = NULL;
        }
    }
    if (!list || json_object_set_new (answer, "running", list))
        return util_error (UTIL_ENOMEM, "status: out of memory");
    return 0;
}

//  The report (or status) of the study asked for: a running one (or one
//  lately ended) as it stands, else as the journal holds it ("" asks for
//  the latest launched). NULL with the reason: no such study, the journal
//  cannot be read, out of memory.
static json_t *
s_lookup (self_t *self, const char *study_id, bool report)
{
    char *latest = NULL, *text = NULL;
    json_t *stored = NULL, *answer = NULL;
    if (!*study_id && coord_journal_latest (self->journal, &latest))
        goto done;
    const char *id = *study_id? study_id: latest;
    run_t *run = id? coord_run_find (self, id): NULL;
    if (run) {
        answer = report? coord_study_report (run->study): coord_study_status (run->study);
        goto done;
    }
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
    //  Asked without an id, the status also lists every study and query
    //  running now (several run at once).
    if (answer && !report && !*study_id && s_add_running (self, answer)) {
        json_decref (answer);
        answer = NULL;
    }
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
        coord_actor_audit (self, "totp.locked", actor, json_pack ("{s:I, s:I}", "failures",
                           (json_int_t) policy.max_failures, "until", (json_int_t) r.locked_until));
    coord_actor_audit (self, "totp.refused", actor, json_pack ("{s:s, s:s}", "reason", reason,
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
            coord_actor_send_error (self, identity, "", 0, util_last_error ());
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
            coord_flow_on_accept (self, identity, slot, msg);
            break;
        case COHORT__ENVELOPE__BODY_DECLINE:
            coord_flow_on_decline (self, identity, slot, msg);
            break;
        case COHORT__ENVELOPE__BODY_UPDATE:
            coord_flow_on_update (self, identity, slot, msg);
            break;
        case COHORT__ENVELOPE__BODY_PARTIAL:
            coord_flow_on_partial (self, identity, slot, msg);
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
            coord_actor_send_error (self, identity, msg->study_id, msg->round_id,
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
        //  Wake for the nearest deadline of any run, at least once a second.
        int64_t now = zclock_mono (), until = now + 1000;
        for (size_t i = 0; i < COORD_RUNS_MAX; i++) {
            const run_t *run = self->runs [i];
            if (!run || run->state.phase == COORD_PHASE_IDLE)
                continue;
            if (run->state.deadline < until)
                until = run->state.deadline;
            if (run->state.phase == COORD_PHASE_DECRYPT && run->escalate_at
            &&  run->escalate_at < until)
                until = run->escalate_at;
        }
        int timeout = until <= now? 0: (int) (until - now) + 1;
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
        s_sites_gauge (self);
        for (size_t i = 0; i < COORD_RUNS_MAX; i++) {
            run_t *run = self->runs [i];
            if (!run || run->finished_at)
                continue;
            coord_flow_tick (self, run);
        }
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
