/*  coordinator/flow.c - each study's and query's rounds: offer, collect,
    decrypt, journal and resume, deadlines and liveness (docs/protocol.md,
    "A study"). The actor (actor.c) hands it the sites' messages. */
#include "actor_private.h"
#include "util/alloc.h"
#include "util/error.h"
#include "proto/signed.h"

#include <string.h>
#include <time.h>

static void s_next_round (self_t *self, run_t *run);
static void s_request_partials (self_t *self, run_t *run, coord_set_t mask);
static void s_decrypt_done (self_t *self, run_t *run);
static void s_collect_done (self_t *self, run_t *run);
static void s_decrypt_progress (self_t *self, run_t *run);
static coord_agg_failed_fn s_on_excluded;

//  What s_on_excluded needs: the actor and the run whose partials failed.
typedef struct {
    self_t *self;
    run_t *run;
} s_excluded_t;

void
coord_flow_journal (self_t *self, run_t *run)
{
    json_t *report = coord_study_report (run->study);
    char *text = report? json_dumps (report, JSON_COMPACT | JSON_REAL_PRECISION (17)): NULL;
    //  A study's report has its status under "study", a query's under "job".
    json_t *status = json_object_get (json_object_get (report, "study"), "status");
    if (!status)
        status = json_object_get (json_object_get (report, "job"), "status");
    if (!text)
        zsys_error ("coordinator: study %s: not journalled: out of memory",
                    coord_study_id (run->study));
    else
    if (coord_journal_study (self->journal, coord_study_id (run->study),
                             coord_study_def (run->study)->name, json_string_value (status),
                             coord_study_cfg (run->study), text))
        zsys_error ("coordinator: %s", util_last_error ());
    free (text);
    json_decref (report);
}

//  Journals a finished round's entry (borrowed, NULL when it could not be
//  recorded); a failure is logged, the study goes on.
static void
s_journal_round (self_t *self, run_t *run, const json_t *entry, const char *status)
{
    char *text = entry? json_dumps (entry, JSON_COMPACT): NULL;
    if (!text)
        zsys_error ("coordinator: study %s round %u: not journalled: out of memory",
                    coord_study_id (run->study), run->state.round);
    else
    if (coord_journal_round (self->journal, coord_study_id (run->study), run->state.round,
                             proto_kind_name (run->kind), status,
                             coord_study_epsilon (run->study), text))
        zsys_error ("coordinator: %s", util_last_error ());
    free (text);
}

static void
s_broadcast_result (self_t *self, run_t *run, bool ok, const char *detail, bool final)
{
    Cohort__RoundResult rr = COHORT__ROUND_RESULT__INIT;
    rr.ok = ok;
    rr.detail = (char *) detail;
    rr.epsilon_spent = coord_study_epsilon (run->study);
    rr.final = final;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_ROUND_RESULT;
    msg.round_result = &rr;
    for (unsigned i = 0; i < self->sites.n; i++)
        if (coord_set_has (run->accepted, i))
            coord_actor_send (self, self->sites.site [i].identity, coord_study_id (run->study),
                              run->state.round, &msg);
}

static void
s_finish (self_t *self, run_t *run, const char *status, const char *reason)
{
    char detail [UTIL_ERROR_MAX];
    snprintf (detail, sizeof detail, "%s", reason);
    coord_study_finish (run->study, status, detail);
    coord_metrics_study (self->metrics, coord_study_is_query (run->study), status);
    zsys_info ("coordinator: study %s %s: %s", coord_study_id (run->study), status, detail);
    s_broadcast_result (self, run, !strcmp (status, "completed"), detail, true);
    coord_state_enter (&run->state, "", 0, COORD_PHASE_IDLE, (coord_set_t) { { 0 } }, 0);
    coord_agg_destroy (&run->agg);
    run->finished_at = zclock_mono ();
    coord_flow_journal (self, run);
}

static void
s_fail_round (self_t *self, run_t *run, const char *reason)
{
    //  A copy: `reason` may be the error slot, which the journal can overwrite.
    char detail [UTIL_ERROR_MAX];
    snprintf (detail, sizeof detail, "%s", reason);
    coord_metrics_round (self->metrics, proto_kind_name (run->kind), false,
                         (double) (zclock_mono () - run->round_started) / 1e3);
    //  The round's entry, or a new one if it was given up (out of memory).
    json_t *entry = run->entry? run->entry: json_object ();
    run->entry = NULL;
    if (entry && (json_object_set_new (entry, "status", json_string ("failed"))
              ||  json_object_set_new (entry, "detail", json_string (detail)))) {
        json_decref (entry);
        entry = NULL;
    }
    entry = coord_study_record (run->study, run->state.round, run->kind, entry);
    if (!entry)
        zsys_error ("coordinator: study %s round %u: the failed round is not in the report: "
                    "out of memory", coord_study_id (run->study), run->state.round);
    s_journal_round (self, run, entry, "failed");
    s_finish (self, run, "failed", detail);
}

//  Journals how the study began (its features, N, its sites), for a
//  restart to rebuild it (s_resume). A failure is logged: the study goes on
//  but cannot be resumed.
static void
s_journal_begin (self_t *self, run_t *run, char **names, size_t n)
{
    json_t *features = json_array (), *sites = json_array ();
    for (size_t i = 0; features && i < run->n_features; i++)
        if (json_array_append_new (features, json_string (run->features [i]))) {
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
                    coord_study_id (run->study));
    else
    if (coord_journal_begin (self->journal, coord_study_id (run->study), f, run->records, t))
        zsys_error ("coordinator: %s", util_last_error ());
    free (f);
    free (t);
    json_decref (features);
    json_decref (sites);
}

static void
s_offer_done (self_t *self, run_t *run)
{
    const proto_study_t *def = coord_study_def (run->study);
    unsigned accepted = coord_set_count (run->accepted);
    char detail [256];
    if (accepted < def->min_sites) {
        snprintf (detail, sizeof detail, "offer: %u of %u required sites accepted",
                  accepted, def->min_sites);
        s_finish (self, run, "failed", detail);
        return;
    }
    char *names [COORD_SLOTS];
    size_t n = 0;
    for (unsigned i = 0; i < self->sites.n; i++)
        if (coord_set_has (run->accepted, i))
            names [n++] = self->sites.site [i].name;
    if (coord_study_begin (run->study, run->features, run->n_features, run->records,
                           names, n)) {
        s_finish (self, run, "failed", util_last_error ());
        return;
    }
    s_journal_begin (self, run, names, n);
    const proto_plan_t *plan = coord_study_plan (run->study);
    if (coord_study_is_query (run->study))
        zsys_info ("coordinator: query %s: %zu sites, planned epsilon %.4f",
                   coord_study_id (run->study), n, plan->epsilon);
    else
        zsys_info ("coordinator: study %s: %zu sites, N = %llu, noise multiplier %.4f, "
                   "planned epsilon %.4f", coord_study_id (run->study), n,
                   (unsigned long long) run->records, plan->noise_multiplier, plan->epsilon);
    s_next_round (self, run);
}

static void
s_next_round (self_t *self, run_t *run)
{
    Cohort__RoundKind kind = coord_study_next (run->study);
    if (!kind) {
        s_finish (self, run, "completed", "all rounds completed");
        return;
    }
    uint32_t round = run->state.round + 1;
    run->kind = kind;
    //  The round's aggregate and report entry: without them (out of memory)
    //  it cannot run, and the study ends.
    coord_agg_destroy (&run->agg);
    json_decref (run->entry);
    run->round_codec = self->codec;
    unsigned bits = coord_study_value_bits (run->study);
    if (bits != self->codec.value_bits
    &&  he_codec_init (&run->round_codec, he_pubkey_bits (self->pk), PROTO_FRAC_BITS, bits,
                       PROTO_MAX_PARTIES)) {
        s_finish (self, run, "failed", util_last_error ());
        return;
    }
    run->agg = coord_agg_new (self->pk, self->vk, &run->round_codec,
                               coord_study_dim (run->study, kind));
    run->entry = json_pack ("{s:[], s:[]}", "rejected", "excluded");
    if (!run->agg || !run->entry) {
        json_decref (run->entry);
        run->entry = NULL;
        char detail [128];
        snprintf (detail, sizeof detail, "round %u: the coordinator is out of memory", round);
        s_finish (self, run, "failed", detail);
        return;
    }
    Cohort__RoundStart rs = COHORT__ROUND_START__INIT;
    if (coord_study_round_start (run->study, kind, &rs)) {
        json_decref (run->entry);
        run->entry = NULL;
        s_finish (self, run, "failed", util_last_error ());
        return;
    }
    rs.deadline_ms = self->cfg->round_timeout_ms;
    run->contributors = (coord_set_t) { { 0 } };
    //  Only the accepted sites heard from lately take part; one that comes
    //  back (its hellos resume) takes part again from the next round.
    coord_set_t live = coord_sites_live (&self->sites, zclock_mono (),
                                         (int64_t) self->cfg->liveness_timeout_ms);
    run->round_started = zclock_mono ();
    coord_state_enter (&run->state, coord_study_id (run->study), round, COORD_PHASE_COLLECT,
                       coord_set_and (run->accepted, live),
                       zclock_mono () + (int64_t) self->cfg->round_timeout_ms);
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_ROUND_START;
    msg.round_start = &rs;
    for (unsigned i = 0; i < self->sites.n; i++)
        if (coord_set_has (run->state.participants, i))
            coord_actor_send (self, self->sites.site [i].identity, coord_study_id (run->study),
                              round, &msg);
    //  Nobody to wait for: the round closes now (and fails for want of sites).
    if (coord_state_complete (&run->state))
        s_collect_done (self, run);
}

//  The round's report entry names the accepted sites that contributed and
//  those that did not (down, silent or rejected).
static void
s_entry_sites (self_t *self, run_t *run)
{
    json_t *in = json_array (), *out = json_array ();
    for (unsigned i = 0; in && out && i < self->sites.n; i++) {
        if (!coord_set_has (run->accepted, i))
            continue;
        json_t *list = coord_set_has (run->contributors, i)? in: out;
        if (json_array_append_new (list, json_string (self->sites.site [i].name))) {
            json_decref (in);
            in = NULL;
        }
    }
    if (!in || !out || json_object_set_new (run->entry, "contributors", in)
    ||  json_object_set_new (run->entry, "missing", out))
        zsys_error ("coordinator: round %u: the contributors are not in the report: out of "
                    "memory", run->state.round);
}

static void
s_collect_done (self_t *self, run_t *run)
{
    s_entry_sites (self, run);
    unsigned got = coord_agg_contributors (run->agg);
    unsigned need = coord_study_def (run->study)->min_sites;
    char detail [256];
    if (got < need) {
        snprintf (detail, sizeof detail, "round %u: %u of %u required sites answered",
                  run->state.round, got, need);
        s_fail_round (self, run, detail);
        return;
    }
    uint8_t *buf;
    size_t len;
    if (coord_agg_serialize (run->agg, &buf, &len)) {
        s_fail_round (self, run, util_last_error ());
        return;
    }
    free (run->request);
    run->request = buf;
    run->request_len = len;
    //  Only t contributors are asked at first, starting at a slot that
    //  rotates with the round so that the work spreads; more are asked
    //  when a partial fails its proof or a third of the deadline passes
    //  without t verified partials (docs/protocol.md).
    //  Studies running at once start from different slots too: the
    //  rotation point is offset by a number taken from the study id.
    unsigned offset = 0;
    for (const char *c = coord_study_id (run->study); *c; c++)
        offset = offset * 31 + (unsigned char) *c;
    coord_set_t first = coord_state_pick (run->contributors, he_verify_threshold (self->vk),
                                          self->sites.n? (run->state.round + offset)
                                                         % self->sites.n: 0,
                                          self->sites.n);
    int64_t now = zclock_mono ();
    coord_state_enter (&run->state, coord_study_id (run->study), run->state.round,
                       COORD_PHASE_DECRYPT, first, now + (int64_t) self->cfg->round_timeout_ms);
    run->escalate_at = now + (int64_t) self->cfg->round_timeout_ms / 3;
    s_request_partials (self, run, first);
}

//  Sends the stored decryption request to the sites in `mask` and makes
//  them participants of the decrypt phase.
static void
s_request_partials (self_t *self, run_t *run, coord_set_t mask)
{
    coord_state_extend (&run->state, mask);
    Cohort__DecryptRequest dr = COHORT__DECRYPT_REQUEST__INIT;
    dr.aggregate = (ProtobufCBinaryData) { run->request_len, run->request };
    dr.n_contributions = coord_agg_contributions (run->agg, &dr.contributions);
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_DECRYPT_REQUEST;
    msg.decrypt_request = &dr;
    for (unsigned i = 0; i < self->sites.n; i++)
        if (coord_set_has (mask, i))
            coord_actor_send (self, self->sites.site [i].identity, coord_study_id (run->study),
                              run->state.round, &msg);
}

//  Asks more contributors when those asked cannot give t verified
//  partials any more; fails the round when nobody is left to ask.
static void
s_decrypt_progress (self_t *self, run_t *run)
{
    //  Queued partials are verified together on the pool, once the
    //  messages already waiting are read (the main loop comes back here,
    //  coord_flow_tick): partials that arrived together are checked side
    //  by side. They are checked at once when they are all the round still
    //  needs (no later message can add to the batch then; a busy socket
    //  does not hold them back), or past the deadline.
    unsigned pending = run->agg? coord_agg_pending (run->agg): 0;
    if (pending) {
        bool enough = coord_agg_valid_partials (run->agg) + pending
                   >= he_verify_threshold (self->vk);
        if (!enough && (zsock_events (proto_server_sock (self->server)) & ZMQ_POLLIN)
        &&  zclock_mono () < run->state.deadline)
            return;
        s_excluded_t ctx = { self, run };
        coord_agg_verify_pending (run->agg, self->cfg->verify_threads, s_on_excluded, &ctx);
    }
    unsigned valid = coord_agg_valid_partials (run->agg);
    coord_set_t more = coord_state_more (&run->state, run->contributors, valid,
                                      he_verify_threshold (self->vk), self->sites.n);
    if (valid >= he_verify_threshold (self->vk)
    ||  (coord_set_empty (more) && coord_state_complete (&run->state)))
        s_decrypt_done (self, run);
    else
    if (!coord_set_empty (more))
        s_request_partials (self, run, more);
}

static void
s_decrypt_done (self_t *self, run_t *run)
{
    unsigned valid = coord_agg_valid_partials (run->agg);
    unsigned need = he_verify_threshold (self->vk);
    char detail [256];
    if (valid < need) {
        snprintf (detail, sizeof detail, "round %u: %u of %u required partial decryptions "
                  "verified", run->state.round, valid, need);
        s_fail_round (self, run, detail);
        return;
    }
    size_t dim = coord_study_dim (run->study, run->kind);
    int64_t *values = util_calloc (dim, sizeof (int64_t));
    json_t *metrics = NULL;
    int rc = !values || coord_agg_combine (run->agg, values);
    //  Kept before they are applied, so that a restart can rebuild the
    //  study from its rounds (s_resume).
    if (!rc && coord_journal_sums (self->journal, coord_study_id (run->study),
                                   run->state.round, (int) run->kind,
                                   coord_agg_contributors (run->agg), values, dim))
        zsys_error ("coordinator: %s", util_last_error ());
    rc = rc || coord_study_apply (run->study, run->kind, values,
                                  coord_agg_contributors (run->agg), &metrics);
    free (values);
    if (rc) {
        snprintf (detail, sizeof detail, "round %u: %s", run->state.round, util_last_error ());
        s_fail_round (self, run, detail);
        return;
    }
    int bad = json_object_set_new (run->entry, "status", json_string ("ok"));
    bad |= json_object_set_new (run->entry, "sites_contributed",
                                json_integer (coord_agg_contributors (run->agg)));
    if (metrics)
        bad |= json_object_set_new (run->entry, "metrics", metrics);
    json_t *entry = NULL;
    if (bad)
        json_decref (run->entry);
    else
        entry = coord_study_record (run->study, run->state.round, run->kind, run->entry);
    run->entry = NULL;
    if (!entry) {
        //  The round's result would be missing from the report: the study
        //  cannot go on from it.
        snprintf (detail, sizeof detail, "round %u: the coordinator is out of memory "
                  "recording the round", run->state.round);
        s_fail_round (self, run, detail);
        return;
    }
    coord_metrics_round (self->metrics, proto_kind_name (run->kind), true,
                         (double) (zclock_mono () - run->round_started) / 1e3);
    s_journal_round (self, run, entry, "ok");
    coord_flow_journal (self, run);
    s_broadcast_result (self, run, true, "round completed", false);
    s_next_round (self, run);
}

//  Closes the current phase: its deadline passed (decrypt: combine what
//  verified, or fail), or every participant left has answered (decrypt:
//  ask more sites if t have not verified).
static void
s_close_phase (self_t *self, run_t *run, bool deadline)
{
    if (run->state.phase == COORD_PHASE_OFFER)
        s_offer_done (self, run);
    else
    if (run->state.phase == COORD_PHASE_COLLECT)
        s_collect_done (self, run);
    else
    if (deadline)
        s_decrypt_done (self, run);
    else
        s_decrypt_progress (self, run);
}

static void
s_check_deadline (self_t *self, run_t *run)
{
    if (run->state.phase != COORD_PHASE_IDLE && zclock_mono () >= run->state.deadline)
        s_close_phase (self, run, true);
}

//  A participant of the current phase silent for liveness_timeout_ms is
//  down: the phase stops waiting for it (and closes when everyone left has
//  answered), so that a dead site costs a round the liveness timeout, not
//  the whole deadline. It takes part again once its hellos resume.
static void
s_check_liveness (self_t *self, run_t *run)
{
    if (run->state.phase == COORD_PHASE_IDLE)
        return;
    coord_set_t live = coord_sites_live (&self->sites, zclock_mono (),
                                         (int64_t) self->cfg->liveness_timeout_ms);
    coord_set_t down = coord_set_minus (coord_set_minus (run->state.participants,
                                                         run->state.answered), live);
    if (coord_set_empty (down))
        return;
    for (unsigned i = 0; i < self->sites.n; i++)
        if (coord_set_has (down, i))
            zsys_warning ("coordinator: site %s (share %u) is down (silent for %llu ms or "
                          "more): round %u goes on without it", self->sites.site [i].name,
                          self->sites.site [i].index,
                          (unsigned long long) self->cfg->liveness_timeout_ms, run->state.round);
    run->state.participants = coord_set_minus (run->state.participants, down);
    if (coord_state_complete (&run->state))
        s_close_phase (self, run, false);
}

//  A third of the decrypt deadline passed without t verified partials:
//  every contributor not asked yet is asked now.
static void
s_check_escalation (self_t *self, run_t *run)
{
    if (run->state.phase != COORD_PHASE_DECRYPT || !run->escalate_at
    ||  zclock_mono () < run->escalate_at)
        return;
    run->escalate_at = 0;
    coord_set_t more = coord_set_minus (run->contributors, run->state.participants);
    if (!coord_set_empty (more)) {
        zsys_info ("coordinator: round %u: asking %d more sites for partial decryptions",
                   run->state.round, coord_set_count (more));
        s_request_partials (self, run, more);
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
    coord_actor_audit (self, "message.rejected", actor,
                       json_pack ("{s:s, s:s, s:i, s:s}", "message", proto_body_name (msg),
                                  "study", msg->study_id, "round", (int) msg->round_id,
                                  "reason", why));
    run_t *run = coord_run_find (self, msg->study_id);
    if (run && run->entry) {
        json_t *item = json_pack ("{s:s, s:s, s:i, s:s}", "site", site, "message",
                                  proto_body_name (msg), "round", (int) msg->round_id,
                                  "reason", why);
        if (!item || json_array_append_new (json_object_get (run->entry, "rejected"), item))
            zsys_error ("coordinator: round %u: the rejection of %s's %s is not in the report: "
                        "out of memory", msg->round_id, site, proto_body_name (msg));
    }
    coord_actor_send_error (self, identity, msg->study_id, msg->round_id, why);
}

//  The run a site's message of phase `phase` belongs to, or NULL when the
//  message is rejected (answered, counted, audited) or quietly dropped.
static run_t *
s_admit (self_t *self, zframe_t *identity, int slot, const proto_msg_t *msg,
         coord_phase_t phase)
{
    run_t *run = coord_run_find (self, msg->study_id);
    coord_state_t none = { 0 };
    coord_state_t *state = run? &run->state: &none;
    coord_verdict_t verdict = coord_state_check (state, msg->study_id, msg->round_id,
                                                 phase, slot < 0? COORD_SLOTS: (unsigned) slot);
    if (verdict == COORD_OK)
        return run;
    if (verdict == COORD_SPARE) {
        //  Asked, then not needed: nothing went wrong, nothing to report.
        coord_state_drop_spare (state, (unsigned) slot);
        zsys_debug ("coordinator: round %u: %s's partial was not needed", msg->round_id,
                    self->sites.site [slot].name);
        return NULL;
    }
    //  The state machine's verdicts and their classes.
    coord_reject_t class = verdict == COORD_REJECT_LATE? COORD_REJECTED_LATE
                         : verdict == COORD_REJECT_FUTURE? COORD_REJECTED_FUTURE
                         : verdict == COORD_REJECT_DUPLICATE? COORD_REJECTED_DUPLICATE
                         : verdict == COORD_REJECT_STUDY? COORD_REJECTED_OTHER_STUDY
                         : verdict == COORD_REJECT_STRANGER? COORD_REJECTED_NOT_PARTICIPANT
                         : COORD_REJECTED_WRONG_PHASE;
    char why [256];
    s_reject (self, identity, slot, msg, class, coord_verdict_text (verdict, state,
                                                                    msg->round_id, why,
                                                                    sizeof why));
    return NULL;
}

//  Takes the feature names of the first site that accepted. 0, or -1
//  (UTIL_ENOMEM) with nothing taken. A query's acceptance has none, and
//  nothing is taken (each acceptor would otherwise leave an empty list).
static int
s_take_features (run_t *run, const Cohort__StudyAccept *a)
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
    run->features = names;
    run->n_features = a->n_features;
    return 0;
}

//  Records a site's decline (or exclusion) for the report; a failure to
//  record it (out of memory) is logged.
static void
s_decline (self_t *self, run_t *run, int slot, const char *reason)
{
    if (coord_study_decline (run->study, self->sites.site [slot].name, reason))
        zsys_error ("coordinator: %s", util_last_error ());
}

//  A study's acceptance carries its record count noised as the study's plan
//  says (proto/plan.h: the variance is public, from the study text): true
//  if so. A query's carries none.
static bool
s_count_noised (run_t *run, const Cohort__StudyAccept *a)
{
    uint64_t sigma2 = 0;
    if (!coord_study_is_query (run->study)
    &&  proto_plan_count_sigma2 (coord_study_def (run->study), &sigma2))
        return false;
    return a->records_noise_sigma2 == sigma2;
}

void
coord_flow_on_accept (self_t *self, zframe_t *identity, int slot, const proto_msg_t *msg)
{
    run_t *run = s_admit (self, identity, slot, msg, COORD_PHASE_OFFER);
    if (!run)
        return;
    coord_state_mark (&run->state, (unsigned) slot);
    const Cohort__StudyAccept *a = msg->accept;
    bool query = coord_study_is_query (run->study);
    bool same = run->n_features == 0 || a->n_features == run->n_features;
    for (size_t i = 0; same && run->n_features && i < a->n_features; i++)
        same = !strcmp (a->features [i], run->features [i]);
    bool off = coord_study_def (run->study)->privacy_off;
    if (query && (a->n_features || (a->train_records && !off)))
        s_decline (self, run, slot, "accept: a query's acceptance names no feature and no count");
    else
    if (!query && !a->n_features)
        s_decline (self, run, slot, "accept: a study's acceptance names its features");
    else
    if (!s_count_noised (run, a))
        s_decline (self, run, slot, "accept: its record count is not noised as the study's plan "
                   "says (records_noise_sigma2)");
    else
    if (!same)
        s_decline (self, run, slot, "features: its columns differ from the other sites'");
    else
    if (!run->n_features && s_take_features (run, a)) {
        //  Out of memory: the site is left out of this study, and told.
        const char *why = "coordinator: out of memory taking the acceptance";
        zsys_error ("coordinator: study %s: %s of %s", msg->study_id, why,
                    self->sites.site [slot].name);
        s_decline (self, run, slot, why);
        coord_actor_send_error (self, identity, msg->study_id, msg->round_id, why);
    }
    else
    if (query && off && coord_study_site_records (run->study, self->sites.site [slot].name,
                                                  a->train_records)) {
        const char *why = "coordinator: out of memory taking the acceptance";
        s_decline (self, run, slot, why);
        coord_actor_send_error (self, identity, msg->study_id, msg->round_id, why);
    }
    else {
        coord_set_add (&run->accepted, (unsigned) slot);
        run->records += query? 0: a->train_records;
        //  Only a noised count goes into the contribution table.
        if (!query && a->records_noise_sigma2
        &&  coord_study_site_count (run->study, self->sites.site [slot].name,
                                    a->train_records))
            zsys_error ("coordinator: study %s: %s's count is not in the report: %s",
                        msg->study_id, self->sites.site [slot].name, util_last_error ());
    }
    if (coord_state_complete (&run->state))
        s_offer_done (self, run);
}

void
coord_flow_on_decline (self_t *self, zframe_t *identity, int slot, const proto_msg_t *msg)
{
    run_t *run = s_admit (self, identity, slot, msg, COORD_PHASE_OFFER);
    if (!run)
        return;
    coord_state_mark (&run->state, (unsigned) slot);
    zsys_info ("coordinator: site %s declined: %s", self->sites.site [slot].name,
               msg->decline->reason);
    s_decline (self, run, slot, msg->decline->reason);
    if (coord_state_complete (&run->state))
        s_offer_done (self, run);
}

void
coord_flow_on_update (self_t *self, zframe_t *identity, int slot, const proto_msg_t *msg)
{
    //  A second update for the current round is a duplicate, whichever
    //  phase the round has reached.
    run_t *run = coord_run_find (self, msg->study_id);
    if (slot >= 0 && run && msg->round_id == run->state.round
    &&  coord_set_has (run->contributors, (unsigned) slot)) {
        char why [128];
        s_reject (self, identity, slot, msg, COORD_REJECTED_DUPLICATE,
                  coord_verdict_text (COORD_REJECT_DUPLICATE, &run->state, msg->round_id, why,
                                      sizeof why));
        return;
    }
    if (!(run = s_admit (self, identity, slot, msg, COORD_PHASE_COLLECT)))
        return;
    coord_state_mark (&run->state, (unsigned) slot);
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
        coord_actor_alerts_flush (self);
        s_reject (self, identity, slot, msg, COORD_REJECTED_SIGNATURE, why);
    }
    else
    if (coord_agg_add_signed (run->agg, site->index, data.data, data.len, sig.data, sig.len,
                              self->site_role_text [slot]))
        s_reject (self, identity, slot, msg, COORD_REJECTED_MALFORMED, util_last_error ());
    else
        coord_set_add (&run->contributors, (unsigned) slot);
    if (coord_state_complete (&run->state))
        s_collect_done (self, run);
}

//  Reports that `slot`'s partials are excluded from run's round, and why.
static void
s_exclude (self_t *self, run_t *run, int slot, coord_exclusion_t class, const char *why)
{
    coord_metrics_excluded (self->metrics, class);
    zsys_warning ("coordinator: excluded %s: %s", self->sites.site [slot].name, why);
    coord_alerts_proof_failed (self->alerts, zclock_time (), self->sites.site [slot].name, why);
    coord_actor_alerts_flush (self);
    json_t *item = json_pack ("{s:s, s:s}", "site", self->sites.site [slot].name,
                              "reason", why);
    if (!item || json_array_append_new (json_object_get (run->entry, "excluded"), item))
        zsys_error ("coordinator: round %u: the exclusion of %s is not in the report: "
                    "out of memory", run->state.round, self->sites.site [slot].name);
}

//  coord_agg_verify_pending's report of a partial whose proof failed (the
//  tag is the slot it came from).
static void
s_on_excluded (int tag, unsigned index, int code, const char *reason, void *arg)
{
    (void) index;
    s_excluded_t *ctx = arg;
    s_exclude (ctx->self, ctx->run, tag, code == UTIL_ECRYPTO? COORD_EXCLUDED_PROOF
                                                             : COORD_EXCLUDED_MALFORMED, reason);
}

void
coord_flow_on_partial (self_t *self, zframe_t *identity, int slot, const proto_msg_t *msg)
{
    run_t *run = s_admit (self, identity, slot, msg, COORD_PHASE_DECRYPT);
    if (!run)
        return;
    coord_state_mark (&run->state, (unsigned) slot);
    const Cohort__PartialDecryption *p = msg->partial;
    char why [600];
    why [0] = 0;
    coord_exclusion_t class = COORD_EXCLUDED_SHARE_INDEX;
    if (p->share_index != self->sites.site [slot].index)
        snprintf (why, sizeof why, "partial: share index %u is not this site's (%u)",
                  p->share_index, self->sites.site [slot].index);
    else
    if (coord_agg_queue_partial (run->agg, p->share_index, slot, msg->study_id, msg->round_id,
                                 p->partials.data, p->partials.len, p->proof.data,
                                 p->proof.len)) {
        class = util_last_code () == UTIL_ECRYPTO? COORD_EXCLUDED_PROOF: COORD_EXCLUDED_MALFORMED;
        snprintf (why, sizeof why, "%s", util_last_error ());
    }
    if (*why)
        s_exclude (self, run, slot, class, why);
    //  Combine as soon as t partials have verified (s_decrypt_progress
    //  verifies what is queued); ask more sites when a partial failed and
    //  those asked cannot make up t.
    s_decrypt_progress (self, run);
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
s_resume_one (self_t *self, char *id)
{
    char *cfg = NULL, *features = NULL, *sites = NULL;
    uint64_t records = 0;
    json_t *fj = NULL, *sj = NULL;
    char why [UTIL_ERROR_MAX] = "";
    coord_study_t *study = NULL;
    run_t *run = util_calloc (1, sizeof *run);
    size_t place = coord_run_place (self);
    if (!run || place == COORD_RUNS_MAX) {
        snprintf (why, sizeof why, "%s", run? "too many running studies": "out of memory");
        goto done;
    }
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
    run->features = util_calloc (p? p: 1, sizeof (char *));
    for (size_t i = 0; run->features && i < p; i++)
        if ((run->features [i] = util_strdup (fnames [i])))
            run->n_features++;
    run->records = records;
    run->resume_names = util_calloc (n, sizeof *run->resume_names);
    if (!run->features || run->n_features != p || !run->resume_names) {
        snprintf (why, sizeof why, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        snprintf (run->resume_names [i], sizeof run->resume_names [i], "%s", snames [i]);
    run->resume_n = n;
    run->resume_until = zclock_mono () + (int64_t) self->cfg->round_timeout_ms;
    run->state.round = r.last;
    run->study = study;
    study = NULL;
    self->runs [place] = run;
    run = NULL;
    zsys_info ("coordinator: resumed study %s after round %u: waiting for its %zu sites to "
               "run round %u again", id, r.last, n, r.last + 1);
    coord_actor_audit (self, "study.resumed", "coordinator",
                       json_pack ("{s:s, s:I}", "study", id, "last_round", (json_int_t) r.last));
done:
    if (*why && study) {
        char detail [UTIL_ERROR_MAX + 64];
        snprintf (detail, sizeof detail, "the coordinator restarted and could not resume it: %s",
                  why);
        zsys_error ("coordinator: study %s: %s", id, detail);
        coord_study_finish (study, "failed", detail);
        run_t failed = { .study = study };
        coord_flow_journal (self, &failed);
    }
    else
    if (*why)
        zsys_error ("coordinator: study %s: could not be resumed: %s", id, why);
    coord_run_destroy (&run);
    coord_study_destroy (&study);
    json_decref (fj);
    json_decref (sj);
    free (cfg);
    free (features);
    free (sites);
}

//  Rebuilds every running study the journal holds (at most COORD_RUNS_MAX);
//  each one's round in flight is run again once its sites are back
//  (s_check_resume).
void
coord_flow_resume (self_t *self)
{
    char *ids [COORD_RUNS_MAX];
    size_t n = 0;
    while (n < COORD_RUNS_MAX) {
        if (coord_journal_running (self->journal, (unsigned) n, &ids [n])) {
            zsys_error ("coordinator: %s", util_last_error ());
            break;
        }
        if (!ids [n])
            break;
        n++;
    }
    for (size_t i = 0; i < n; i++) {
        s_resume_one (self, ids [i]);
        free (ids [i]);
    }
}

//  A resumed study starts again once every one of its sites is back, or
//  when min_sites of them are and the round deadline has passed.
static void
s_check_resume (self_t *self, run_t *run)
{
    if (!run->resume_until || !run->study)
        return;
    coord_set_t live = coord_sites_live (&self->sites, zclock_mono (),
                                         (int64_t) self->cfg->liveness_timeout_ms);
    coord_set_t accepted = { { 0 } };
    size_t back = 0;
    for (size_t k = 0; k < run->resume_n; k++)
        for (unsigned i = 0; i < self->sites.n; i++)
            if (!strcmp (self->sites.site [i].name, run->resume_names [k])) {
                coord_set_add (&accepted, i);
                back += coord_set_has (live, i);
            }
    bool late = zclock_mono () > run->resume_until;
    if (back < run->resume_n && !late)
        return;
    run->resume_until = 0;
    run->accepted = accepted;
    zsys_info ("coordinator: study %s: %zu of its %zu sites are back: round %u again",
               coord_study_id (run->study), back, run->resume_n, run->state.round + 1);
    s_next_round (self, run);
}

void
coord_flow_tick (self_t *self, run_t *run)
{
    s_check_resume (self, run);
    s_check_liveness (self, run);
    s_check_escalation (self, run);
    //  Partials queued while more messages were waiting: verified now,
    //  before the deadline may close the round.
    if (run->state.phase == COORD_PHASE_DECRYPT && run->agg && coord_agg_pending (run->agg))
        s_decrypt_progress (self, run);
    s_check_deadline (self, run);
}
