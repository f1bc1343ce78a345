/*  tests/e2e/e2e_signed.c - a dishonest coordinator against real site
    processes (issue 14; site/verify.h, proto/signed.h).

    The consortium is set up as usual (3 sites, a 2-of-3 key); the real
    coordinator is started once, so that the analyst's and the sites'
    configs are written, and stopped. This test then binds the
    coordinator's CURVE endpoint itself, with the coordinator's certificate
    and allowlist, starts the three `cohort site` processes, and plays a
    coordinator that tries what issue 14 says one could:

      dishonest     the study text changed after the analyst signed it
                    (min_sites 3 -> 2), and a signed study with min_sites 1
                    under the 2-of-3 key: every site declines both. Then a
                    signed study (min_sites 3) is accepted and a round run:
                    site-a is asked to decrypt site-b's update alone, site-b
                    the sum of two updates (the key's 2, but fewer than the
                    study's 3), site-c an aggregate that is not the product
                    of the signed updates it is shown: each refuses, with a
                    decrypt.refused entry in its audit log. The next round
                    is asked honestly: every site's partial decryption
                    verifies and the sum decrypts. The signed study offered
                    again (a replay) is declined.
*/
#include "consortium.h"
#include "audit/log.h"
#include "coordinator/aggregate.h"
#include "he/codec.h"
#include "he/keyfile.h"
#include "he/serial.h"
#include "proto/curve.h"
#include "proto/message.h"
#include "proto/plan.h"
#include "proto/signed.h"
#include "proto/study.h"
#include "util/error.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK E2E_CHECK
#define S_SITES 3
#define S_WAIT_MS 20000

static e2e_t s_c;

typedef struct {
    proto_server_t *server;
    zsock_t *sock;
    zframe_t *identity [S_SITES];
    char *role_cert [S_SITES];
    pid_t pid [S_SITES];
    he_pubkey_t *pk;
    he_verify_t *vk;
    audit_signer_t *analyst;
    char *analyst_cert;
} fake_t;

//  Adds an audit log to site i's config (after its ledger line).
static int
s_site_audit (unsigned i)
{
    char rel [64], path [512];
    snprintf (rel, sizeof rel, "sites/%s.cfg", s_c.names [i]);
    snprintf (path, sizeof path, "%s", e2e_path (&s_c, rel));
    char *text = e2e_read (path);
    char *at = text? strstr (text, "    allow_privacy_off"): NULL;
    if (!at)
        return -1;
    FILE *f = fopen (path, "w");
    if (!f)
        return -1;
    fprintf (f, "%.*s    audit = %s.audit.db\n    audit_origin = e2e/%s\n%s", (int) (at - text),
             text, s_c.names [i], s_c.names [i], at);
    free (text);
    return fclose (f);
}

//  The next message from a site (skipping hellos unless `hello`), with its
//  slot in *slot. NULL after S_WAIT_MS.
static proto_msg_t *
s_next (fake_t *f, int *slot, bool hello)
{
    int64_t until = zclock_mono () + S_WAIT_MS;
    zpoller_t *poller = zpoller_new (f->sock, NULL);
    proto_msg_t *msg = NULL;
    while (!msg && zclock_mono () < until) {
        if (!zpoller_wait (poller, 100))
            continue;
        zframe_t *identity = NULL;
        msg = proto_recv (f->sock, &identity);
        if (!msg) {
            zframe_destroy (&identity);
            continue;
        }
        *slot = -1;
        if (msg->body_case == COHORT__ENVELOPE__BODY_HELLO) {
            unsigned i = msg->hello->index - 1;
            if (i < S_SITES) {
                zframe_destroy (&f->identity [i]);
                f->identity [i] = zframe_dup (identity);
                free (f->role_cert [i]);
                f->role_cert [i] = strdup (msg->hello->role_cert);
                *slot = (int) i;
            }
            if (!hello)
                proto_free (&msg);
        }
        else
            for (int i = 0; i < S_SITES; i++)
                if (f->identity [i] && zframe_eq (f->identity [i], identity))
                    *slot = i;
        zframe_destroy (&identity);
    }
    zpoller_destroy (&poller);
    return msg;
}

static int
s_send (fake_t *f, int i, const char *study, uint32_t round, proto_msg_t *msg)
{
    msg->study_id = (char *) study;
    msg->round_id = round;
    return proto_send (f->sock, f->identity [i], msg);
}

//  Offers `text` (signed as `sig` says) to every site, with quorum
//  `threshold`, and collects the answers: each site's body case and, for a
//  decline, its reason, in reasons[i] (strdup).
static int
s_offer (fake_t *f, const char *study, const char *text, unsigned threshold,
         const proto_study_sig_t *sig, Cohort__Envelope__BodyCase *answer, char **reasons,
         size_t *features)
{
    Cohort__StudyOffer offer = COHORT__STUDY_OFFER__INIT;
    offer.study_cfg = (char *) text;
    offer.threshold = threshold;
    offer.sites = S_SITES;
    offer.analyst_cert = f->analyst_cert;
    offer.study_sig = (ProtobufCBinaryData) { PROTO_SIG_LEN, (uint8_t *) sig->sig };
    offer.signed_at = sig->signed_at;
    offer.nonce = (ProtobufCBinaryData) { PROTO_NONCE_LEN, (uint8_t *) sig->nonce };
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_OFFER;
    msg.offer = &offer;
    for (int i = 0; i < S_SITES; i++) {
        CHECK (s_send (f, i, study, 0, &msg) == 0, "offer: %s", util_last_error ());
        answer [i] = COHORT__ENVELOPE__BODY__NOT_SET;
        reasons [i] = NULL;
    }
    for (int got = 0; got < S_SITES; ) {
        int slot;
        proto_msg_t *m = s_next (f, &slot, false);
        CHECK (m, "offer %s: only %d of %d sites answered", study, got, S_SITES);
        if (slot >= 0 && !strcmp (m->study_id, study)
        &&  answer [slot] == COHORT__ENVELOPE__BODY__NOT_SET) {
            answer [slot] = m->body_case;
            if (m->body_case == COHORT__ENVELOPE__BODY_DECLINE)
                reasons [slot] = strdup (m->decline->reason);
            if (m->body_case == COHORT__ENVELOPE__BODY_ACCEPT && features)
                *features = m->accept->n_features;
            got++;
        }
        proto_free (&m);
    }
    return 0;
}

//  Every site declined, each reason containing `text`.
static int
s_all_decline (fake_t *f, const char *study, const char *text, unsigned threshold,
               const proto_study_sig_t *sig, const char *expect)
{
    Cohort__Envelope__BodyCase answer [S_SITES];
    char *reasons [S_SITES];
    if (s_offer (f, study, text, threshold, sig, answer, reasons, NULL))
        return -1;
    int rc = 0;
    for (int i = 0; i < S_SITES; i++) {
        if (answer [i] != COHORT__ENVELOPE__BODY_DECLINE || !strstr (reasons [i], expect)) {
            fprintf (stderr, "e2e FAIL: %s: site %d answered %d: %s\n", study, i,
                     (int) answer [i], reasons [i]? reasons [i]: "(no reason)");
            rc = -1;
        }
        free (reasons [i]);
    }
    return rc;
}

//  Starts a training round of `plan` (zero model, mean 0, std 1) and
//  collects every site's update: bytes and signature into upd[i], sig[i].
static int
s_round (fake_t *f, const char *study, uint32_t round, const proto_plan_t *plan, size_t p,
         uint8_t **upd, size_t *len, uint8_t (*sig) [PROTO_SIG_LEN])
{
    double *zeros = calloc (plan->n_params + p, sizeof (double));
    double *ones = calloc (p, sizeof (double));
    for (size_t j = 0; j < p; j++)
        ones [j] = 1;
    Cohort__RoundStart rs = COHORT__ROUND_START__INIT;
    rs.kind = COHORT__ROUND_KIND__ROUND_KIND_TRAIN;
    rs.sampling_rate = plan->kind [rs.kind].q;
    rs.deadline_ms = S_WAIT_MS;
    rs.n_params = plan->n_params;
    rs.params = zeros;
    rs.n_mean = rs.n_std = p;
    rs.mean = zeros;
    rs.std = ones;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_ROUND_START;
    msg.round_start = &rs;
    for (int i = 0; i < S_SITES; i++) {
        upd [i] = NULL;
        CHECK (s_send (f, i, study, round, &msg) == 0, "round start: %s", util_last_error ());
    }
    free (zeros);
    free (ones);
    for (int got = 0; got < S_SITES; ) {
        int slot;
        proto_msg_t *m = s_next (f, &slot, false);
        CHECK (m, "round %u: %d of %d updates", round, got, S_SITES);
        if (slot >= 0 && m->body_case == COHORT__ENVELOPE__BODY_ERROR)
            CHECK (false, "round %u: site %d: %s", round, slot, m->error->message);
        if (slot >= 0 && m->body_case == COHORT__ENVELOPE__BODY_UPDATE && !upd [slot]) {
            ProtobufCBinaryData d = m->update->ciphertexts;
            CHECK (m->update->signature.len == PROTO_SIG_LEN, "site %d sent an unsigned update",
                   slot);
            upd [slot] = malloc (d.len);
            memcpy (upd [slot], d.data, d.len);
            len [slot] = d.len;
            memcpy (sig [slot], m->update->signature.data, PROTO_SIG_LEN);
            got++;
        }
        proto_free (&m);
    }
    return 0;
}

//  Sends site i a decryption request: the aggregate `agg` and the
//  contributions of the sites in `which` (bit k: site k).
static int
s_ask (fake_t *f, int i, const char *study, uint32_t round, const uint8_t *agg, size_t agg_len,
       unsigned which, uint8_t **upd, const size_t *len, uint8_t (*sig) [PROTO_SIG_LEN])
{
    Cohort__Contribution c [S_SITES], *list [S_SITES];
    size_t n = 0;
    for (int k = 0; k < S_SITES; k++)
        if (which >> k & 1) {
            cohort__contribution__init (&c [n]);
            c [n].index = (uint32_t) k + 1;
            c [n].ciphertexts = (ProtobufCBinaryData) { len [k], upd [k] };
            c [n].signature = (ProtobufCBinaryData) { PROTO_SIG_LEN, sig [k] };
            c [n].role_cert = f->role_cert [k];
            list [n] = &c [n];
            n++;
        }
    Cohort__DecryptRequest dr = COHORT__DECRYPT_REQUEST__INIT;
    dr.aggregate = (ProtobufCBinaryData) { agg_len, (uint8_t *) agg };
    dr.n_contributions = n;
    dr.contributions = list;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_DECRYPT_REQUEST;
    msg.decrypt_request = &dr;
    return s_send (f, i, study, round, &msg);
}

//  The product of the updates of the sites in `which`, serialised.
static int
s_product (fake_t *f, unsigned which, uint8_t **upd, const size_t *len, uint8_t **out,
           size_t *out_len)
{
    mpz_t *acc = NULL;
    size_t n = 0;
    for (int k = 0; k < S_SITES; k++) {
        if (!(which >> k & 1))
            continue;
        mpz_t *cts;
        size_t m;
        CHECK (he_vector_deserialize (&cts, &m, f->pk, upd [k], len [k], HE_VECTOR_MAX) == 0,
               "update %d: %s", k, util_last_error ());
        if (!acc) {
            acc = calloc (m, sizeof (mpz_t));
            for (size_t j = 0; j < m; j++)
                mpz_init_set_ui (acc [j], 1);
            n = m;
        }
        he_vector_accumulate (acc, f->pk, cts, n);
        he_vector_free (&cts, m);
    }
    int rc = he_vector_serialize (out, out_len, f->pk, acc, n);
    he_vector_free (&acc, n);
    return rc;
}

//  Whether site i's audit log holds an entry of `kind` whose detail
//  contains `text`.
static bool
s_audited (unsigned i, const char *kind, const char *text)
{
    char rel [64];
    snprintf (rel, sizeof rel, "sites/%s.audit.db", s_c.names [i]);
    audit_log_t *log = audit_log_open (e2e_path (&s_c, rel), NULL);
    bool found = false;
    for (uint64_t k = 0; log && !found && k < audit_log_size (log); k++) {
        char *entry = audit_log_entry_json (log, k);
        json_t *j = entry? json_loads (entry, 0, NULL): NULL;
        const char *kd = json_string_value (json_object_get (j, "kind"));
        const char *detail = json_string_value (json_object_get (j, "detail"));
        found = kd && !strcmp (kd, kind) && detail && strstr (detail, text);
        json_decref (j);
        free (entry);
    }
    audit_log_destroy (&log);
    return found;
}

//  Each site's answer to its decryption request: an error containing
//  expect[i] (NULL: a partial decryption, kept in agg).
static int
s_answers (fake_t *f, const char *study, uint32_t round, const char *const *expect,
           coord_agg_t *agg)
{
    bool done [S_SITES] = { false };
    for (int got = 0; got < S_SITES; ) {
        int slot;
        proto_msg_t *m = s_next (f, &slot, false);
        CHECK (m, "decrypt round %u: %d of %d answers", round, got, S_SITES);
        if (slot < 0 || done [slot] || m->round_id != round || strcmp (m->study_id, study)) {
            proto_free (&m);
            continue;
        }
        done [slot] = true;
        got++;
        if (expect [slot]) {
            bool ok = m->body_case == COHORT__ENVELOPE__BODY_ERROR
                   && strstr (m->error->message, expect [slot]);
            if (!ok)
                fprintf (stderr, "e2e FAIL: site %d: expected a refusal '%s', got %s: %s\n",
                         slot, expect [slot], proto_body_name (m),
                         m->body_case == COHORT__ENVELOPE__BODY_ERROR? m->error->message: "");
            proto_free (&m);
            CHECK (ok, "decrypt refusal of site %d", slot);
            continue;
        }
        bool partial = m->body_case == COHORT__ENVELOPE__BODY_PARTIAL;
        if (!partial)
            fprintf (stderr, "e2e FAIL: site %d: %s\n", slot,
                     m->body_case == COHORT__ENVELOPE__BODY_ERROR? m->error->message
                                                                : proto_body_name (m));
        int rc = partial? coord_agg_add_partial (agg, m->partial->share_index, study, round,
                                                 m->partial->partials.data,
                                                 m->partial->partials.len,
                                                 m->partial->proof.data, m->partial->proof.len)
                        : -1;
        proto_free (&m);
        CHECK (rc == 0, "site %d's partial: %s", slot, partial? util_last_error (): "none");
    }
    return 0;
}

static int
s_dishonest (fake_t *f)
{
    //  The study, as the analyst signs it: 3 steps, min_sites 3.
    CHECK (e2e_write_study (&s_c, NULL, "sgd", 0.1, 3, 0.5, 5, false, 3, 0) == 0, "study.cfg");
    char *text = e2e_read (e2e_path (&s_c, "study.cfg"));
    CHECK (text && strstr (text, "min_sites = 3"), "study.cfg has no min_sites = 3");
    proto_study_sig_t sig, low_sig;
    CHECK (proto_study_sign (&sig, f->analyst, text) == 0, "sign: %s", util_last_error ());
    //  1. Changed in flight: min_sites 3 -> 2 under the analyst's signature.
    char *changed = strdup (text);
    strstr (changed, "min_sites = 3") [12] = '2';
    CHECK (s_all_decline (f, "changed", changed, 2, &sig, "study signature: does not verify")
           == 0, "a study changed after signing was not declined by every site");
    for (unsigned i = 0; i < S_SITES; i++)
        CHECK (s_audited (i, "study.refused", "does not verify"),
               "site %s has no study.refused audit entry", s_c.names [i]);
    //  2. Signed, but min_sites 1 under the 2-of-3 key.
    strstr (changed, "min_sites = 2") [12] = '1';
    CHECK (proto_study_sign (&low_sig, f->analyst, changed) == 0, "sign");
    CHECK (s_all_decline (f, "low", changed, 1, &low_sig,
                          "min_sites 1 is below the key's threshold 2") == 0,
           "a study with min_sites 1 was not declined by every site");
    free (changed);
    //  3. The signed study: accepted by all three.
    Cohort__Envelope__BodyCase answer [S_SITES];
    char *reasons [S_SITES];
    size_t p = 0;
    CHECK (s_offer (f, "signed", text, 3, &sig, answer, reasons, &p) == 0, "offer");
    for (int i = 0; i < S_SITES; i++) {
        CHECK (answer [i] == COHORT__ENVELOPE__BODY_ACCEPT, "site %d declined the signed study: "
               "%s", i, reasons [i]? reasons [i]: "?");
        free (reasons [i]);
    }
    proto_study_t *study = proto_study_parse (text, "study.cfg");
    proto_plan_t plan;
    CHECK (study && proto_plan_make (&plan, study, p, 2) == 0, "plan: %s", util_last_error ());
    proto_study_destroy (&study);
    //  4. Round 1: three dishonest requests.
    uint8_t *upd [S_SITES], sigs [S_SITES][PROTO_SIG_LEN];
    size_t len [S_SITES];
    CHECK (s_round (f, "signed", 1, &plan, p, upd, len, sigs) == 0, "round 1");
    uint8_t *b_alone, *ab, *abc;
    size_t b_len, ab_len, abc_len;
    CHECK (s_product (f, 2, upd, len, &b_alone, &b_len) == 0
        && s_product (f, 3, upd, len, &ab, &ab_len) == 0
        && s_product (f, 7, upd, len, &abc, &abc_len) == 0, "products");
    CHECK (s_ask (f, 0, "signed", 1, b_alone, b_len, 2, upd, len, sigs) == 0
        && s_ask (f, 1, "signed", 1, ab, ab_len, 3, upd, len, sigs) == 0
        && s_ask (f, 2, "signed", 1, b_alone, b_len, 7, upd, len, sigs) == 0, "ask");
    const char *refusals [S_SITES] = {
        "decrypt: the aggregate sums 1 signed update, the study needs at least 3",
        "decrypt: the aggregate sums 2 signed updates, the study needs at least 3",
        "decrypt: the aggregate is not the product of the 3 signed updates",
    };
    CHECK (s_answers (f, "signed", 1, refusals, NULL) == 0, "round 1's refusals");
    for (unsigned i = 0; i < S_SITES; i++)
        CHECK (s_audited (i, "decrypt.refused", "the aggregate"),
               "site %s has no decrypt.refused audit entry", s_c.names [i]);
    for (int k = 0; k < S_SITES; k++)
        free (upd [k]);
    free (b_alone);
    free (ab);
    //  5. Round 2, asked honestly: the partials verify and the sum decrypts.
    CHECK (s_round (f, "signed", 2, &plan, p, upd, len, sigs) == 0, "round 2");
    he_codec_t codec;
    CHECK (he_codec_init (&codec, he_pubkey_bits (f->pk), PROTO_FRAC_BITS, PROTO_VALUE_BITS,
                          PROTO_MAX_PARTIES) == 0, "codec");
    size_t dim = plan.kind [COHORT__ROUND_KIND__ROUND_KIND_TRAIN].dim;
    coord_agg_t *agg = coord_agg_new (f->pk, f->vk, &codec, dim);
    for (int k = 0; k < S_SITES; k++)
        CHECK (coord_agg_add_signed (agg, (unsigned) k + 1, upd [k], len [k], sigs [k],
                                     PROTO_SIG_LEN, f->role_cert [k]) == 0, "add");
    uint8_t *whole;
    size_t whole_len;
    CHECK (coord_agg_serialize (agg, &whole, &whole_len) == 0, "serialize");
    for (int i = 0; i < S_SITES; i++)
        CHECK (s_ask (f, i, "signed", 2, whole, whole_len, 7, upd, len, sigs) == 0, "ask");
    const char *none [S_SITES] = { NULL, NULL, NULL };
    CHECK (s_answers (f, "signed", 2, none, agg) == 0, "round 2's partials");
    int64_t *sum = calloc (dim, sizeof (int64_t));
    CHECK (coord_agg_combine (agg, sum) == 0, "combine: %s", util_last_error ());
    free (sum);
    free (whole);
    free (abc);
    coord_agg_destroy (&agg);
    for (int k = 0; k < S_SITES; k++)
        free (upd [k]);
    //  6. The signed study again: a replay.
    CHECK (s_all_decline (f, "replayed", text, 3, &sig, "a replay") == 0,
           "the signed study offered again was not declined by every site");
    for (unsigned i = 0; i < S_SITES; i++)
        CHECK (s_audited (i, "study.refused", "a replay"),
               "site %s has no study.refused audit entry for the replay", s_c.names [i]);
    free (text);
    return 0;
}

//  The consortium's files, the real coordinator stopped, this process on
//  its endpoint and the sites started against it.
static int
s_fake_start (fake_t *f)
{
    CHECK (e2e_start_coordinator (&s_c) == 0, "coordinator: %s", util_last_error ());
    CHECK (sim_fed_kill (s_c.fed, SIM_FED_COORDINATOR, false) == 0, "coordinator did not stop");
    for (unsigned i = 0; i < S_SITES; i++)
        CHECK (e2e_write_site (&s_c, i) == 0 && s_site_audit (i) == 0, "site %u's config", i);
    char endpoint [64], cert [512], allowed [512];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%u", s_c.port);
    snprintf (cert, sizeof cert, "%s", e2e_path (&s_c, "certs/coordinator_secret"));
    snprintf (allowed, sizeof allowed, "%s", e2e_path (&s_c, "certs/allowed"));
    f->server = proto_server_new (endpoint, cert, allowed);
    CHECK (f->server, "bind %s: %s", endpoint, util_last_error ());
    f->sock = proto_server_sock (f->server);
    f->pk = he_keyfile_load_public (e2e_path (&s_c, "keys/paillier.pub"));
    f->vk = he_keyfile_load_verify (e2e_path (&s_c, "keys/verify.key"));
    f->analyst = audit_signer_load (e2e_path (&s_c, "keys/analyst.sign"));
    f->analyst_cert = e2e_read (e2e_path (&s_c, "certs/analyst.role"));
    CHECK (f->pk && f->vk && f->analyst && f->analyst_cert, "keys: %s", util_last_error ());
    for (unsigned i = 0; i < S_SITES; i++) {
        char cfg [64];
        snprintf (cfg, sizeof cfg, "sites/%s.cfg", s_c.names [i]);
        f->pid [i] = e2e_spawn (&s_c, "site", cfg, s_c.names [i]);
    }
    int hellos = 0;
    while (hellos < S_SITES) {
        int slot;
        proto_msg_t *m = s_next (f, &slot, true);
        CHECK (m, "only %d of %d sites said hello", hellos, S_SITES);
        proto_free (&m);
        hellos = 0;
        for (int i = 0; i < S_SITES; i++)
            hellos += f->identity [i] != NULL;
    }
    return 0;
}

static void
s_fake_stop (fake_t *f)
{
    for (int i = 0; i < S_SITES; i++) {
        if (f->pid [i] > 0) {
            kill (f->pid [i], SIGTERM);
            waitpid (f->pid [i], NULL, 0);
        }
        zframe_destroy (&f->identity [i]);
        free (f->role_cert [i]);
    }
    proto_server_destroy (&f->server);
    he_pubkey_destroy (&f->pk);
    he_verify_destroy (&f->vk);
    audit_signer_destroy (&f->analyst);
    free (f->analyst_cert);
}

int
main (int argc, char **argv)
{
    if (argc != 4) {
        fprintf (stderr, "usage: e2e_signed SCENARIO COHORT SOURCE_DIR\n");
        return 2;
    }
    zsys_init ();
    zsys_set_logstream (stderr);
    signal (SIGPIPE, SIG_IGN);
    if (strcmp (argv [1], "dishonest")) {
        fprintf (stderr, "e2e: unknown scenario '%s'\n", argv [1]);
        return 2;
    }
    if (e2e_setup (&s_c, argv [2], argv [3], S_SITES, 2, 512, 10000, false)) {
        fprintf (stderr, "e2e: set-up failed in %s\n", s_c.dir);
        return 1;
    }
    fake_t f;
    memset (&f, 0, sizeof f);
    int rc = s_fake_start (&f);
    if (!rc)
        rc = s_dishonest (&f);
    s_fake_stop (&f);
    if (e2e_teardown (&s_c, rc != 0 || getenv ("E2E_KEEP")))
        rc = -1;
    fprintf (stderr, "e2e signed %s: %s\n", argv [1], rc? "FAILED": "passed");
    return rc? 1: 0;
}
