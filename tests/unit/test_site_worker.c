/*  Unit tests for site/worker.c.

    Start-up refusals (config, keys, a share of another key, an index
    mismatch) and a clean start and stop; then the message flow against a
    coordinator played by this test: the real CURVE server of proto/curve.h
    on loopback, with an allowlist that holds the site's certificate. The
    worker runs in one thread for the whole flow, as it does in production,
    so a failure early on (a declined offer, a refused round) leaves its
    reason in that thread's error slot. A decrypt request with one
    ciphertext too few used to be answered with that stale reason (issue
    11); test_decrypt_wrong_count pins the count reply.

    The flow: hello; declines (unknown dataset, budget); a refused round;
    contributions with the plan's number of ciphertexts; partial
    decryptions with a batched proof that verifies, refused for a round
    the site did not contribute to and the second time; with privacy
    off, a contribution that decrypts (the site's partial and the test's
    share combined) to the exact sums of the CSV written here; a round at
    another sampling rate than the plan's refused; and the budget at its
    edge, with workers restarted on configs of their own (budget and
    ledger): a study accepted at exactly its planned ledger epsilon and
    declined one ulp below, each round charged before its update leaves,
    and a round the ledger can no longer pay for refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <czmq.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp/accountant.h"
#include "dp/ledger.h"
#include "he/codec.h"
#include "he/keyfile.h"
#include "he/serial.h"
#include "he/threshold.h"
#include "proto/curve.h"
#include "proto/message.h"
#include "proto/plan.h"
#include "proto/signed.h"
#include "proto/study.h"
#include "site/worker.h"
#include "util/error.h"
#include "support_curve.h"
#include "support_role.h"
#include "support_dir.h"
#include "support_file.h"
#include "support_he.h"

//  How long the coordinator waits for any one answer. Generous for a
//  sanitizer build; a healthy run answers in milliseconds.
#define S_WAIT_MS 30000

//  The site's dataset: two features, six rows, three positive labels.
//  Every value is a multiple of 1/4, so the privacy-off sums (fixed point
//  2^PROTO_OFF_BITS) are exact.
#define S_CSV "x1,x2,label\n" \
              "1,0.5,0\n"     \
              "2,1.5,1\n"     \
              "3,-2,0\n"      \
              "4,0.25,1\n"    \
              "5,3,1\n"       \
              "6,-1,0\n"
#define S_FEATURES 2
#define S_ROWS 6
//  Per feature: sum x, then sum x^2; then the positive labels.
static const double s_sums [2 * S_FEATURES + 1] = { 21, 2.25, 91, 16.5625, 3 };

//  The site's budget, and a study epsilon over it.
#define S_BUDGET_EPSILON 20
#define S_BUDGET_DELTA 1e-5
#define S_GREEDY_EPSILON 100

#define S_REFUSED "decrypt: only the aggregate of the current round this site contributed to is decrypted, once"

//  The consortium of the flow: a 2-of-2 key (the site holds share 1, the
//  test share 2), the coordinator's server, and the worker in its thread.
static struct {
    he_pubkey_t *pk;
    he_verify_t *vk;
    he_share_t **shares;
    he_codec_t codec;
    proto_server_t *server;
    zpoller_t *poller;
    zframe_t *identity;             //  the site's routing id (last hello)
    proto_msg_t *hello;             //  the first hello
    char user [64];                 //  the CURVE key it came with
    char site_key [64];             //  the site's public key (Z85)
    site_worker_t *worker;
    pthread_t thread;
    bool running;
    audit_signer_t *analyst;        //  signs the offers (proto/signed.h)
    char *analyst_cert;
    audit_signer_t *other;          //  site b (share 2): the other summed update
    char *other_cert;
    char *site_cert;                //  the running worker's role certificate (its hello's)
    unsigned site_index;
    uint8_t *own;                   //  the site's last update, as it sent it
    size_t own_len;
    uint8_t own_sig [PROTO_SIG_LEN];
} s_fed;

static volatile bool s_stop;

#define s_path(out, size, name) support_path (out, size, support_dir_group, name)

//  Writes <name>.cfg (ledger <name>.db) for site `site` with the budget
//  epsilon `budget` (text, as the operator writes it), and a role
//  certificate <site>.role for that site and index on a's CURVE key, and
//  returns its path (static).
static const char *
s_cfg_budget (const char *name, unsigned index, const char *share, const char *endpoint,
              const char *site, const char *budget)
{
    static char path [300];
    char file [100];
    snprintf (file, sizeof file, "%s.cfg", name);
    s_path (path, sizeof path, file);
    support_role_cert (support_dir_group, site, PROTO_ROLE_SITE, index, s_fed.site_key, 1);
    FILE *f = fopen (path, "w");
    assert_non_null (f);
    fprintf (f, "site\n    name = %s\n    index = %u\n    coordinator = %s\n"
                "    coordinator_cert = coordinator\n    cert = a_secret\n    share = %s\n"
                "    role_cert = %s.role\n    sign_key = %s.sign\n    admin_key = admin.pub\n"
                "    public_key = paillier.pub\n    ledger = %s.db\n"
                "    allow_privacy_off = true\n    budget\n"
                "        epsilon = %s\n        delta = %g\n"
                "    dataset\n        name = wards\n        path = wards.csv\n",
             site, index, endpoint, share, site, site, name, budget, S_BUDGET_DELTA);
    assert_int_equal (fclose (f), 0);
    return path;
}

//  Site a's config <name>.cfg with the budget S_BUDGET_EPSILON.
static const char *
s_cfg (const char *name, unsigned index, const char *share, const char *endpoint)
{
    char budget [32];
    snprintf (budget, sizeof budget, "%d", S_BUDGET_EPSILON);
    return s_cfg_budget (name, index, share, endpoint, "a", budget);
}

//  A study of the `wards` layout over `dataset` (ZPL text into buf), at
//  privacy unit `unit` ("record": sampling rate 0.5; "site": 1).
static const char *
s_study_unit (char *buf, size_t size, const char *dataset, double epsilon, bool off,
              const char *unit)
{
    bool site = strcmp (unit, "site") == 0;
    snprintf (buf, size, "study\n    name = flow\n    dataset = %s\n    label = label\n"
                         "    model = logistic\n    optimizer = sgd\n    learning_rate = 0.1\n"
                         "    steps = 2\n    sampling_rate = %s\n    clip = 1\n"
                         "    min_sites = 2\n    eval_every = 0\n    privacy\n"
                         "        unit = %s\n        epsilon = %g\n        delta = 1e-5\n"
                         "        off = %s\n",
              dataset, site? "1": "0.5", unit, epsilon, off? "true": "false");
    return buf;
}

static const char *
s_study (char *buf, size_t size, const char *dataset, double epsilon, bool off)
{
    return s_study_unit (buf, size, dataset, epsilon, off, "record");
}

//  The plan the site makes for a study text (the coordinator makes the
//  same one): S_FEATURES features, quorum 2.
static void
s_plan (proto_plan_t *plan, const char *text)
{
    proto_study_t *study = proto_study_parse (text, "test");
    assert_non_null (study);
    assert_int_equal (proto_plan_make (plan, study, S_FEATURES, 2), 0);
    proto_study_destroy (&study);
}

//  The next message from the site within `ms`, or NULL. Keeps the routing
//  identity of every hello (the site's heartbeat).
static proto_msg_t *
s_recv (int ms, char *user, size_t size)
{
    int64_t until = zclock_mono () + ms;
    while (zclock_mono () < until) {
        if (!zpoller_wait (s_fed.poller, (int) (until - zclock_mono ())))
            continue;
        zframe_t *identity = NULL;
        proto_msg_t *msg = proto_recv_user (proto_server_sock (s_fed.server), &identity,
                                            user, size);
        if (!msg) {
            zframe_destroy (&identity);
            fail_msg ("the site sent a message that does not decode: %s", util_last_error ());
        }
        if (msg->body_case == COHORT__ENVELOPE__BODY_HELLO) {
            zframe_destroy (&s_fed.identity);
            s_fed.identity = identity;
        }
        else
            zframe_destroy (&identity);
        return msg;
    }
    return NULL;
}

//  The site's next answer, hellos skipped.
static proto_msg_t *
s_answer (void)
{
    int64_t until = zclock_mono () + S_WAIT_MS;
    while (zclock_mono () < until) {
        proto_msg_t *msg = s_recv ((int) (until - zclock_mono ()), NULL, 0);
        if (msg && msg->body_case != COHORT__ENVELOPE__BODY_HELLO)
            return msg;
        proto_free (&msg);
    }
    fail_msg ("no answer from the site within %d ms", S_WAIT_MS);
    return NULL;
}

//  Sends to the site and returns its answer (the caller frees it).
static proto_msg_t *
s_ask (const char *study_id, uint32_t round, proto_msg_t *msg)
{
    assert_non_null (s_fed.identity);
    msg->study_id = (char *) study_id;
    msg->round_id = round;
    assert_int_equal (proto_send (proto_server_sock (s_fed.server), s_fed.identity, msg), 0);
    proto_msg_t *answer = s_answer ();
    assert_string_equal (answer->study_id, study_id);
    assert_int_equal (answer->round_id, round);
    return answer;
}

//  An offer of `text` with quorum `threshold`, carrying `sig` (NULL: none)
//  and the certificate `cert` as the analyst's.
static proto_msg_t *
s_offer_signed (const char *study_id, const char *text, unsigned threshold,
                const proto_study_sig_t *sig, const char *cert)
{
    Cohort__StudyOffer offer = COHORT__STUDY_OFFER__INIT;
    offer.study_cfg = (char *) text;
    offer.threshold = threshold;
    offer.sites = 2;
    offer.analyst_cert = (char *) cert;
    if (sig) {
        offer.study_sig = (ProtobufCBinaryData) { PROTO_SIG_LEN, (uint8_t *) sig->sig };
        offer.signed_at = sig->signed_at;
        offer.nonce = (ProtobufCBinaryData) { PROTO_NONCE_LEN, (uint8_t *) sig->nonce };
    }
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_OFFER;
    msg.offer = &offer;
    return s_ask (study_id, 0, &msg);
}

//  An offer signed by the analyst, as a coordinator passes it on.
static proto_msg_t *
s_offer (const char *study_id, const char *text)
{
    proto_study_sig_t sig;
    assert_int_equal (proto_study_sign (&sig, s_fed.analyst, text), 0);
    return s_offer_signed (study_id, text, 2, &sig, s_fed.analyst_cert);
}

//  The offer is accepted, with the CSV's features and its row count: exact
//  with privacy off, else noised with the plan's variance (a count of at
//  least 1).
static void
s_accepted (const char *study_id, const char *text)
{
    proto_msg_t *answer = s_offer (study_id, text);
    assert_int_equal (answer->body_case, COHORT__ENVELOPE__BODY_ACCEPT);
    assert_int_equal (answer->accept->n_features, S_FEATURES);
    assert_string_equal (answer->accept->features [0], "x1");
    assert_string_equal (answer->accept->features [1], "x2");
    proto_study_t *study = proto_study_parse (text, "test");
    assert_non_null (study);
    uint64_t sigma2 = 0;
    assert_int_equal (proto_plan_count_sigma2 (study, &sigma2), 0);
    assert_int_equal (answer->accept->records_noise_sigma2, sigma2);
    if (study->privacy_off)
        assert_int_equal (answer->accept->train_records, S_ROWS);
    else
        assert_true (sigma2 > 0 && answer->accept->train_records >= 1);
    proto_study_destroy (&study);
    proto_free (&answer);
}

//  Starts a round as the coordinator does, at sampling rate `rate`: for a
//  training or evaluation round a zero model with mean 0 and std 1.
static proto_msg_t *
s_round_at (const char *study_id, uint32_t round, Cohort__RoundKind kind,
            const proto_plan_t *plan, double rate)
{
    double params [S_FEATURES + 1] = { 0 }, mean [S_FEATURES] = { 0 }, std [S_FEATURES] = { 1, 1 };
    Cohort__RoundStart rs = COHORT__ROUND_START__INIT;
    rs.kind = kind;
    rs.sampling_rate = rate;
    rs.deadline_ms = S_WAIT_MS;
    if (kind == COHORT__ROUND_KIND__ROUND_KIND_TRAIN
    ||  kind == COHORT__ROUND_KIND__ROUND_KIND_EVAL) {
        assert_int_equal (plan->n_params, S_FEATURES + 1);
        rs.n_params = plan->n_params;
        rs.params = params;
        rs.n_mean = rs.n_std = S_FEATURES;
        rs.mean = mean;
        rs.std = std;
    }
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_ROUND_START;
    msg.round_start = &rs;
    return s_ask (study_id, round, &msg);
}

//  A round at the plan's sampling rate.
static proto_msg_t *
s_round (const char *study_id, uint32_t round, Cohort__RoundKind kind, const proto_plan_t *plan)
{
    return s_round_at (study_id, round, kind, plan, plan->kind [kind].q);
}

//  Runs a round the site contributes to. The update holds exactly the
//  plan's number of ciphertexts for the kind; returns them in *cts.
static size_t
s_contribute (mpz_t **cts, const char *study_id, uint32_t round, Cohort__RoundKind kind,
              const proto_plan_t *plan)
{
    proto_msg_t *answer = s_round (study_id, round, kind, plan);
    if (answer->body_case == COHORT__ENVELOPE__BODY_ERROR)
        fail_msg ("round %u refused: %s", round, answer->error->message);
    assert_int_equal (answer->body_case, COHORT__ENVELOPE__BODY_UPDATE);
    size_t n = 0;
    ProtobufCBinaryData data = answer->update->ciphertexts;
    assert_int_equal (he_vector_deserialize (cts, &n, s_fed.pk, data.data, data.len,
                                             HE_VECTOR_MAX), 0);
    //  Kept, with its signature, for the decryption request.
    assert_int_equal (answer->update->signature.len, PROTO_SIG_LEN);
    free (s_fed.own);
    s_fed.own = malloc (data.len);
    memcpy (s_fed.own, data.data, data.len);
    s_fed.own_len = data.len;
    memcpy (s_fed.own_sig, answer->update->signature.data, PROTO_SIG_LEN);
    assert_int_equal (n, he_codec_plaintexts (&s_fed.codec, plan->kind [kind].dim));
    proto_free (&answer);
    return n;
}

//  Asks the site to decrypt `count` ciphertexts, as the sum of two signed
//  updates (site/verify.h): the site's last one and site b's, which is
//  made here as the aggregate divided by the site's (so that their product
//  is the aggregate), signed with b's key for this study and round.
//  How s_decrypt_as builds the request: honestly (BOTH), with the site's
//  update alone (OWN_ONLY), with b's update left out of the aggregate
//  (NOT_PRODUCT: the aggregate is the site's update), or with b's
//  signature forged (FORGED).
enum { BOTH, OWN_ONLY, NOT_PRODUCT, FORGED };

static proto_msg_t *
s_decrypt_as (int mode, const char *study_id, uint32_t round, const mpz_t *cts, size_t count)
{
    uint8_t *buf;
    size_t len;
    assert_int_equal (he_vector_serialize (&buf, &len, s_fed.pk, cts, count), 0);
    mpz_t *own = NULL, *other = calloc (count + 1, sizeof (mpz_t));
    size_t m = 0;
    if (s_fed.own)
        assert_int_equal (he_vector_deserialize (&own, &m, s_fed.pk, s_fed.own, s_fed.own_len,
                                                 HE_VECTOR_MAX), 0);
    for (size_t i = 0; i < count; i++) {
        mpz_init_set_ui (other [i], 1);
        if (i < m) {
            assert_true (mpz_invert (other [i], own [i], he_pubkey_n2 (s_fed.pk)));
            he_add (other [i], s_fed.pk, other [i], cts [i]);
        }
    }
    uint8_t *obuf = NULL, osig [PROTO_SIG_LEN];
    size_t olen = 0;
    if (count) {
        assert_int_equal (he_vector_serialize (&obuf, &olen, s_fed.pk, other, count), 0);
        assert_int_equal (proto_update_sign (osig, s_fed.other, study_id, round, 2, obuf, olen),
                          0);
        if (mode == FORGED)
            osig [7] ^= 1;
    }
    Cohort__Contribution c [2] = { COHORT__CONTRIBUTION__INIT, COHORT__CONTRIBUTION__INIT };
    Cohort__Contribution *list [2] = { &c [0], &c [1] };
    c [0].index = s_fed.site_index;
    c [0].ciphertexts = (ProtobufCBinaryData) { s_fed.own_len, s_fed.own };
    c [0].signature = (ProtobufCBinaryData) { PROTO_SIG_LEN, s_fed.own_sig };
    c [0].role_cert = s_fed.site_cert;
    c [1].index = 2;
    c [1].ciphertexts = (ProtobufCBinaryData) { olen, obuf };
    c [1].signature = (ProtobufCBinaryData) { PROTO_SIG_LEN, osig };
    c [1].role_cert = s_fed.other_cert;
    Cohort__DecryptRequest dr = COHORT__DECRYPT_REQUEST__INIT;
    dr.aggregate = (ProtobufCBinaryData) { len, buf };
    if (s_fed.own && count) {
        dr.n_contributions = mode == OWN_ONLY? 1: 2;
        dr.contributions = list;
    }
    if (mode == NOT_PRODUCT)
        dr.aggregate = (ProtobufCBinaryData) { s_fed.own_len, s_fed.own };
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_DECRYPT_REQUEST;
    msg.decrypt_request = &dr;
    proto_msg_t *answer = s_ask (study_id, round, &msg);
    free (buf);
    free (obuf);
    for (size_t i = 0; i < count; i++)
        mpz_clear (other [i]);
    free (other);
    he_vector_free (&own, m);
    return answer;
}

static proto_msg_t *
s_decrypt (const char *study_id, uint32_t round, const mpz_t *cts, size_t count)
{
    return s_decrypt_as (BOTH, study_id, round, cts, count);
}

//  An error whose message begins with `text`.
static void
s_expect_error_prefix (proto_msg_t **answer_p, const char *text)
{
    proto_msg_t *answer = *answer_p;
    assert_int_equal (answer->body_case, COHORT__ENVELOPE__BODY_ERROR);
    if (strncmp (answer->error->message, text, strlen (text)))
        fail_msg ("error '%s' does not begin with '%s'", answer->error->message, text);
    proto_free (answer_p);
}

static void
s_expect_error (proto_msg_t **answer_p, const char *text)
{
    proto_msg_t *answer = *answer_p;
    assert_int_equal (answer->body_case, COHORT__ENVELOPE__BODY_ERROR);
    assert_string_equal (answer->error->message, text);
    proto_free (answer_p);
}

//  A partial decryption of cts[0..n) by share 1 whose batched proof
//  verifies for this study and round; its partials go to *parts.
static void
s_expect_partial (proto_msg_t **answer_p, mpz_t **parts, const char *study_id, uint32_t round,
                  mpz_t *cts, size_t n)
{
    proto_msg_t *answer = *answer_p;
    if (answer->body_case == COHORT__ENVELOPE__BODY_ERROR)
        fail_msg ("decrypt refused: %s", answer->error->message);
    assert_int_equal (answer->body_case, COHORT__ENVELOPE__BODY_PARTIAL);
    assert_int_equal (answer->partial->share_index, 1);
    size_t count = 0, nproofs = 0;
    he_proof_t *proofs = NULL;
    ProtobufCBinaryData p = answer->partial->partials, f = answer->partial->proof;
    assert_int_equal (he_vector_deserialize (parts, &count, s_fed.pk, p.data, p.len, n), 0);
    assert_int_equal (count, n);
    assert_int_equal (he_proofs_deserialize (&proofs, &nproofs, s_fed.pk, f.data, f.len, 1), 0);
    assert_int_equal (nproofs, 1);
    assert_int_equal (he_batch_verify (s_fed.vk, 1, study_id, round, (const mpz_t *) cts,
                                       (const mpz_t *) *parts, n, &proofs [0]), 0);
    //  And bound to this study and round.
    assert_int_equal (he_batch_verify (s_fed.vk, 1, study_id, round + 1, (const mpz_t *) cts,
                                       (const mpz_t *) *parts, n, &proofs [0]), -1);
    he_proofs_free (&proofs, nproofs);
    proto_free (answer_p);
}

static void *
s_worker_thread (void *args)
{
    (void) args;
    site_worker_run (s_fed.worker, &s_stop, NULL);
    return NULL;
}

static int
s_setup (void **state)
{
    (void) state;
    he_init ();
    assert_int_equal (support_dir_group_setup (state), 0);
    //  Certificates: the coordinator's, the site's, and an allowlist with
    //  the site's public one.
    char allowed [300];
    support_curve_allowlist (allowed, sizeof allowed, support_dir_group, "allowed");
    support_curve_cert (support_dir_group, "coordinator", NULL, NULL);
    support_curve_cert (support_dir_group, "a", allowed, s_fed.site_key);

    assert_int_equal (he_threshold_keygen (&s_fed.pk, &s_fed.vk, &s_fed.shares, 512, 2, 2), 0);
    assert_int_equal (he_codec_init (&s_fed.codec, he_pubkey_bits (s_fed.pk), PROTO_FRAC_BITS,
                                     PROTO_VALUE_BITS, PROTO_MAX_PARTIES), 0);
    support_he_key_write (support_dir_group, "paillier.pub", he_keyfile_format_public (s_fed.pk),
                          0600);
    support_he_key_write (support_dir_group, "share-1.key",
                          he_keyfile_format_share (s_fed.shares [0]), 0600);
    //  The analyst who signs the offers, and site b, whose update is
    //  summed with the site's in each decryption request.
    char path [300];
    size_t len;
    support_role_cert (support_dir_group, "analyst", PROTO_ROLE_ANALYST, 0, s_fed.site_key, 1);
    s_fed.analyst = audit_signer_load (s_path (path, sizeof path, "analyst.sign"));
    s_fed.analyst_cert = support_file_read (s_path (path, sizeof path, "analyst.role"), &len);
    support_role_cert (support_dir_group, "b", PROTO_ROLE_SITE, 2, s_fed.site_key, 1);
    s_fed.other = audit_signer_load (s_path (path, sizeof path, "b.sign"));
    s_fed.other_cert = support_file_read (s_path (path, sizeof path, "b.role"), &len);
    assert_non_null (s_fed.analyst);
    assert_non_null (s_fed.other);
    support_file_put (support_dir_group, "wards.csv", S_CSV, 0644);

    char secret [300];
    s_path (secret, sizeof secret, "coordinator_secret");
    s_fed.server = proto_server_new ("tcp://127.0.0.1:*", secret, allowed);
    assert_non_null (s_fed.server);
    s_fed.poller = zpoller_new (proto_server_sock (s_fed.server), NULL);
    assert_non_null (s_fed.poller);
    s_fed.worker = site_worker_new (s_cfg ("flow", 1, "share-1.key",
                                           proto_server_endpoint (s_fed.server)));
    assert_non_null (s_fed.worker);
    //  The socket moves to the worker's thread here and stays there until
    //  the thread is joined.
    s_stop = false;
    assert_int_equal (pthread_create (&s_fed.thread, NULL, s_worker_thread, NULL), 0);
    s_fed.running = true;
    s_fed.hello = s_recv (S_WAIT_MS, s_fed.user, sizeof s_fed.user);
    assert_non_null (s_fed.hello);
    s_fed.site_cert = strdup (s_fed.hello->hello->role_cert);
    s_fed.site_index = s_fed.hello->hello->index;
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    if (s_fed.running) {
        s_stop = true;
        pthread_join (s_fed.thread, NULL);
        s_fed.running = false;
    }
    site_worker_destroy (&s_fed.worker);
    proto_free (&s_fed.hello);
    zframe_destroy (&s_fed.identity);
    zpoller_destroy (&s_fed.poller);
    proto_server_destroy (&s_fed.server);
    support_he_keys_destroy (&s_fed.pk, &s_fed.vk, &s_fed.shares, 2);
    audit_signer_destroy (&s_fed.analyst);
    audit_signer_destroy (&s_fed.other);
    free (s_fed.analyst_cert);
    free (s_fed.other_cert);
    free (s_fed.own);
    s_fed.own = NULL;
    free (s_fed.site_cert);
    s_fed.site_cert = NULL;
    return support_dir_group_teardown (state);
}

//  Replaces the running worker with one started from `cfg` (the old one's
//  thread joined and its socket closed) and waits for the new one's hello,
//  which names `site`: the coordinator answers that worker from then on.
static void
s_restart (const char *cfg, const char *site)
{
    if (s_fed.running) {
        s_stop = true;
        pthread_join (s_fed.thread, NULL);
        s_fed.running = false;
    }
    site_worker_destroy (&s_fed.worker);
    s_fed.worker = site_worker_new (cfg);
    if (!s_fed.worker)
        fail_msg ("%s: %s", cfg, util_last_error ());
    s_stop = false;
    assert_int_equal (pthread_create (&s_fed.thread, NULL, s_worker_thread, NULL), 0);
    s_fed.running = true;
    int64_t until = zclock_mono () + S_WAIT_MS;
    while (zclock_mono () < until) {
        proto_msg_t *msg = s_recv ((int) (until - zclock_mono ()), NULL, 0);
        bool hello = msg && msg->body_case == COHORT__ENVELOPE__BODY_HELLO
                  && strcmp (msg->hello->name, site) == 0;
        if (hello) {
            free (s_fed.site_cert);
            s_fed.site_cert = strdup (msg->hello->role_cert);
            s_fed.site_index = msg->hello->index;
        }
        proto_free (&msg);
        if (hello)
            return;
    }
    fail_msg ("no hello from site %s within %d ms", site, S_WAIT_MS);
}

//  Back to the flow's own worker (site a, budget S_BUDGET_EPSILON).
static void
s_restart_flow (void)
{
    s_restart (s_cfg ("flow", 1, "share-1.key", proto_server_endpoint (s_fed.server)), "a");
}

//  Epsilon of a curve at the sites' delta, as their ledgers convert it.
static double
s_epsilon (const dp_curve_t *curve)
{
    double eps;
    assert_non_null (curve);
    assert_int_equal (dp_curve_epsilon (curve, S_BUDGET_DELTA, DP_CONVERSION_IMPROVED, &eps,
                                        NULL), 0);
    return eps;
}

//  What the site's ledger <name>.db holds for the dataset, in the scope
//  the worker charges ("all-studies": one budget across every study):
//  its spent epsilon and its number of charges.
static void
s_ledger (const char *name, double *spent, long *charges)
{
    char file [100], path [300];
    snprintf (file, sizeof file, "%s.db", name);
    dp_ledger_t *ledger = dp_ledger_open (s_path (path, sizeof path, file));
    if (!ledger)
        fail_msg ("%s: %s", file, util_last_error ());
    if (dp_ledger_epsilon_spent (ledger, "all-studies", "wards", spent))
        fail_msg ("%s: %s", file, util_last_error ());
    *charges = dp_ledger_charge_count (ledger, "all-studies", "wards");
    assert_true (*charges >= 0);
    dp_ledger_destroy (&ledger);
}

//  The plan of the site-level study used at the budget's edge, and the
//  epsilon of its whole ledger curve (the edge).
static double
s_edge (proto_plan_t *plan, char *text, size_t size)
{
    s_plan (plan, s_study_unit (text, size, "wards", 1, false, "site"));
    dp_curve_t *total = proto_plan_ledger_total (plan);
    double edge = s_epsilon (total);
    dp_curve_destroy (&total);
    return edge;
}

static void
test_start_refusals (void **state)
{
    (void) state;
    he_pubkey_t *pk2;
    he_verify_t *vk2;
    he_share_t **shares2;
    assert_int_equal (he_threshold_keygen (&pk2, &vk2, &shares2, 512, 2, 2), 0);
    support_he_key_write (support_dir_group, "other-1.key", he_keyfile_format_share (shares2 [0]),
                          0600);
    const char *nowhere = "tcp://127.0.0.1:9";

    assert_null (site_worker_new ("/nonexistent.cfg"));
    assert_null (site_worker_new (s_cfg ("start", 1, "missing.key", nowhere)));
    assert_null (site_worker_new (s_cfg ("start", 1, "other-1.key", nowhere)));
    assert_non_null (strstr (util_last_error (), "another key"));
    assert_null (site_worker_new (s_cfg ("start", 2, "share-1.key", nowhere)));
    assert_non_null (strstr (util_last_error (), "share index 1, but the config says index = 2"));

    site_worker_t *worker = site_worker_new (s_cfg ("start", 1, "share-1.key", nowhere));
    assert_non_null (worker);
    volatile bool stop = true;
    assert_int_equal (site_worker_run (worker, &stop, NULL), 0);
    site_worker_destroy (&worker);
    assert_null (worker);
    site_worker_destroy (&worker);

    support_he_keys_destroy (&pk2, &vk2, &shares2, 2);
}

//  SIGHUP's reload: a new budget and a new dataset are taken on; a file
//  that does not load, a key that needs a restart, a budget the ledger
//  already holds otherwise, each is refused with its reason and the
//  running config stays (a later good reload still works).
static void
test_reload (void **state)
{
    (void) state;
    const char *path = s_cfg_budget ("reload", 1, "share-1.key", "tcp://127.0.0.1:9", "a", "4");
    site_worker_t *worker = site_worker_new (path);
    assert_non_null (worker);
    //  Edits of the file as started (the role certificate stays the same).
    char *text = support_file_read (path, NULL);
    char six [4096], edit [4200], share [300];
    support_text_replace (six, sizeof six, text, "epsilon = 4", "epsilon = 6");
    //  A new budget (no dataset used yet), then a second dataset.
    support_file_write (path, six, 0644);
    assert_int_equal (site_worker_reload (worker), 0);
    snprintf (edit, sizeof edit, "%s    dataset\n        name = more\n        path = wards.csv\n",
              six);
    support_file_write (path, edit, 0644);
    assert_int_equal (site_worker_reload (worker), 0);
    //  A file that does not load.
    support_file_write (path, "site\n    name = a\n", 0644);
    assert_int_equal (site_worker_reload (worker), -1);
    assert_non_null (strstr (util_last_error (), "reload.cfg"));
    //  What needs a restart: the coordinator, the share, the index.
    support_file_write (path, support_text_replace (edit, sizeof edit, six, "127.0.0.1:9",
                                                    "127.0.0.1:10"), 0644);
    assert_int_equal (site_worker_reload (worker), -1);
    assert_int_equal (util_last_code (), UTIL_EREFUSED);
    assert_non_null (strstr (util_last_error (), "site/coordinator changed: that needs a restart"));
    char *key = support_file_read (s_path (share, sizeof share, "share-1.key"), NULL);
    support_file_write (s_path (share, sizeof share, "share-copy.key"), key, 0600);
    free (key);
    support_file_write (path, support_text_replace (edit, sizeof edit, six, "share-1.key",
                                                    "share-copy.key"), 0644);
    assert_int_equal (site_worker_reload (worker), -1);
    assert_non_null (strstr (util_last_error (), "site/share changed"));
    //  A budget the ledger holds is fixed.
    dp_ledger_t *ledger = dp_ledger_open (s_path (share, sizeof share, "reload.db"));
    assert_non_null (ledger);
    assert_int_equal (dp_ledger_set_budget (ledger, "all-studies", "wards", 6, S_BUDGET_DELTA), 0);
    dp_ledger_destroy (&ledger);
    support_file_write (path, support_text_replace (edit, sizeof edit, six, "epsilon = 6",
                                                    "epsilon = 7"), 0644);
    assert_int_equal (site_worker_reload (worker), -1);
    assert_non_null (strstr (util_last_error (), "dataset wards's budget is fixed in the ledger "
                                                 "at epsilon 6"));
    //  The running config is whole: the same budget again loads.
    support_file_write (path, six, 0644);
    assert_int_equal (site_worker_reload (worker), 0);
    free (text);
    site_worker_destroy (&worker);
}

//  a) The site announces itself with its name and share index, over
//  CURVE with the key the allowlist holds.
static void
test_hello (void **state)
{
    (void) state;
    assert_int_equal (s_fed.hello->body_case, COHORT__ENVELOPE__BODY_HELLO);
    assert_string_equal (s_fed.hello->hello->role, "site");
    assert_string_equal (s_fed.hello->hello->name, "a");
    assert_int_equal (s_fed.hello->hello->index, 1);
    //  The hello presents the site's role certificate: signed by the admin,
    //  for site a with share 1 on the site's CURVE key.
    char path [300];
    audit_verifier_t *admin = audit_verifier_load (s_path (path, sizeof path, "admin.pub"));
    const char *text = s_fed.hello->hello->role_cert;
    proto_rolecert_t *cert = proto_rolecert_open (text, strlen (text), admin, 0);
    assert_non_null (cert);
    assert_int_equal (cert->role, PROTO_ROLE_SITE);
    assert_string_equal (cert->name, "a");
    assert_int_equal (cert->index, 1);
    assert_string_equal (cert->curve, s_fed.site_key);
    proto_rolecert_destroy (&cert);
    audit_verifier_destroy (&admin);
    assert_string_equal (s_fed.hello->study_id, "");
    assert_string_equal (s_fed.user, s_fed.site_key);
}

//  b) A dataset the site does not hold: declined, naming it.
static void
test_decline_unknown_dataset (void **state)
{
    (void) state;
    char text [1024];
    proto_msg_t *answer = s_offer ("unknown", s_study (text, sizeof text, "nosuch", 1, false));
    assert_int_equal (answer->body_case, COHORT__ENVELOPE__BODY_DECLINE);
    assert_string_equal (answer->decline->reason,
                         "unknown dataset: 'nosuch' is not registered at this site");
    proto_free (&answer);
}

//  c) A study the site's budget cannot pay for: declined with the budget
//  reason. Nothing is charged, so a study within the budget still fits.
static void
test_decline_budget (void **state)
{
    (void) state;
    char text [1024];
    proto_msg_t *answer = s_offer ("greedy", s_study (text, sizeof text, "wards",
                                                      S_GREEDY_EPSILON, false));
    assert_int_equal (answer->body_case, COHORT__ENVELOPE__BODY_DECLINE);
    const char *reason = answer->decline->reason;
    assert_int_equal (strncmp (reason, "budget: ", 8), 0);
    assert_non_null (strstr (reason, "dataset wards"));
    assert_non_null (strstr (reason, "budget 20 "));
    proto_free (&answer);
    s_accepted ("modest", s_study (text, sizeof text, "wards", 1, false));
}

//  A round the site has no study for, or has already answered: refused.
static void
test_round_refused (void **state)
{
    (void) state;
    char text [1024];
    proto_plan_t plan;
    s_plan (&plan, s_study (text, sizeof text, "wards", 1, false));
    proto_msg_t *answer = s_round ("stranger", 1, COHORT__ROUND_KIND__ROUND_KIND_STATS, &plan);
    s_expect_error (&answer, "round: not a study this site accepted");

    s_accepted ("replay", text);
    mpz_t *cts;
    size_t n = s_contribute (&cts, "replay", 1, COHORT__ROUND_KIND__ROUND_KIND_STATS, &plan);
    he_vector_free (&cts, n);
    //  The same round asked again (a coordinator that restarted runs its
    //  round in flight again): the same update, and no second charge.
    double spent, spent_again;
    long charges, charges_again;
    s_ledger ("flow", &spent, &charges);
    uint8_t *first = malloc (s_fed.own_len);
    size_t first_len = s_fed.own_len;
    memcpy (first, s_fed.own, first_len);
    answer = s_round ("replay", 1, COHORT__ROUND_KIND__ROUND_KIND_STATS, &plan);
    assert_int_equal (answer->body_case, COHORT__ENVELOPE__BODY_UPDATE);
    assert_int_equal (answer->update->ciphertexts.len, first_len);
    assert_memory_equal (answer->update->ciphertexts.data, first, first_len);
    proto_free (&answer);
    free (first);
    s_ledger ("flow", &spent_again, &charges_again);
    assert_int_equal (charges_again, charges);
    assert_true (spent_again == spent);
    //  Round 1 as another kind is not that round.
    answer = s_round ("replay", 1, COHORT__ROUND_KIND__ROUND_KIND_TRAIN, &plan);
    s_expect_error (&answer, "round: round 1 already passed (last 1)");
    //  The plan has one statistics round.
    answer = s_round ("replay", 2, COHORT__ROUND_KIND__ROUND_KIND_STATS, &plan);
    s_expect_error (&answer, "round: a stats round beyond the 1 accepted");
}

//  d) The stale read of issue 11. Failures leave their reason in the
//  worker thread's error slot: here a declined offer ("budget: ..."), and
//  accepting a study leaves one too (the plan's search for the noise level
//  tries levels that fail). After an accepted round, an aggregate one
//  ciphertext short decodes fine, and the answer must name the count. The
//  old code sent whatever the slot held when it was not empty (here the
//  plan's "noise variance ... passes the sampler's range"). One ciphertext
//  too many is refused by the decoder, with the decoder's reason.
static void
test_decrypt_wrong_count (void **state)
{
    (void) state;
    char text [1024], expect [200];
    proto_msg_t *answer = s_offer ("stale-greedy", s_study (text, sizeof text, "wards",
                                                            S_GREEDY_EPSILON, false));
    assert_int_equal (answer->body_case, COHORT__ENVELOPE__BODY_DECLINE);
    assert_int_equal (strncmp (answer->decline->reason, "budget: ", 8), 0);
    proto_free (&answer);

    proto_plan_t plan;
    s_plan (&plan, s_study (text, sizeof text, "wards", 1, false));
    s_accepted ("stale", text);
    mpz_t *cts;
    size_t n = s_contribute (&cts, "stale", 1, COHORT__ROUND_KIND__ROUND_KIND_STATS, &plan);
    assert_true (n >= 2);
    answer = s_decrypt ("stale", 1, (const mpz_t *) cts, n - 1);
    snprintf (expect, sizeof expect, "decrypt: %zu ciphertexts, this site contributed %zu",
              n - 1, n);
    s_expect_error (&answer, expect);
    //  That request used up the round's one decryption.
    answer = s_decrypt ("stale", 1, (const mpz_t *) cts, n);
    s_expect_error (&answer, S_REFUSED);
    he_vector_free (&cts, n);

    //  A refused round leaves its reason in the slot; the next round's
    //  aggregate has one ciphertext too many.
    answer = s_round ("stale", 1, COHORT__ROUND_KIND__ROUND_KIND_TRAIN, &plan);
    s_expect_error (&answer, "round: round 1 already passed (last 1)");
    n = s_contribute (&cts, "stale", 2, COHORT__ROUND_KIND__ROUND_KIND_TRAIN, &plan);
    assert_int_equal (n, 1);
    mpz_t two [2];
    mpz_init_set (two [0], cts [0]);
    mpz_init_set (two [1], cts [0]);
    answer = s_decrypt ("stale", 2, (const mpz_t *) two, 2);
    snprintf (expect, sizeof expect, "ciphertext vector: count 2 exceeds the limit %zu", n);
    s_expect_error (&answer, expect);
    mpz_clear (two [0]);
    mpz_clear (two [1]);
    he_vector_free (&cts, n);
}

//  e) Only the aggregate of the round the site contributed to last is
//  decrypted, and only once.
static void
test_decrypt_once (void **state)
{
    (void) state;
    char text [1024];
    proto_plan_t plan;
    s_plan (&plan, s_study (text, sizeof text, "wards", 1, false));
    s_accepted ("once", text);
    mpz_t *cts, *parts = NULL;
    //  Before any contribution, round 1 or round 0 (the wire allows 0).
    proto_msg_t *answer = s_decrypt ("once", 1, NULL, 0);
    s_expect_error (&answer, S_REFUSED);
    answer = s_decrypt ("once", 0, NULL, 0);
    s_expect_error (&answer, S_REFUSED);
    size_t n = s_contribute (&cts, "once", 1, COHORT__ROUND_KIND__ROUND_KIND_STATS, &plan);
    //  A round it did not contribute to, and another study's round 1.
    answer = s_decrypt ("once", 2, (const mpz_t *) cts, n);
    s_expect_error (&answer, S_REFUSED);
    answer = s_decrypt ("other", 1, (const mpz_t *) cts, n);
    s_expect_error (&answer, S_REFUSED);
    //  Its own round: a proven partial decryption.
    answer = s_decrypt ("once", 1, (const mpz_t *) cts, n);
    s_expect_partial (&answer, &parts, "once", 1, cts, n);
    //  Once: the same aggregate again (a coordinator that restarted) gets
    //  the same partials; any other aggregate of the round is refused.
    mpz_t *again = NULL;
    answer = s_decrypt ("once", 1, (const mpz_t *) cts, n);
    s_expect_partial (&answer, &again, "once", 1, cts, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal (mpz_cmp (again [i], parts [i]), 0);
    he_vector_free (&again, n);
    he_vector_free (&parts, n);
    mpz_t one;
    mpz_init_set_ui (one, 1);
    he_add_plain (cts [0], s_fed.pk, cts [0], one);
    mpz_clear (one);
    answer = s_decrypt ("once", 1, (const mpz_t *) cts, n);
    s_expect_error (&answer, S_REFUSED);
    he_vector_free (&cts, n);
    //  A training round moves the study on: round 1 is no longer current.
    n = s_contribute (&cts, "once", 2, COHORT__ROUND_KIND__ROUND_KIND_TRAIN, &plan);
    answer = s_decrypt ("once", 1, (const mpz_t *) cts, n);
    s_expect_error (&answer, S_REFUSED);
    answer = s_decrypt ("once", 2, (const mpz_t *) cts, n);
    s_expect_partial (&answer, &parts, "once", 2, cts, n);
    he_vector_free (&parts, n);
    he_vector_free (&cts, n);
}

//  f) With privacy off, the statistics round carries the plan's number of
//  ciphertexts, and the site's partial with the test's own (share 2)
//  decrypts to the exact sums of the CSV.
//  f) What the site checks of the coordinator (issue 14). Offers: without
//  the analyst's signature, with the text changed after signing, with a
//  site's certificate as the analyst's, sent a second time (a replay), and
//  with min_sites below the key's threshold, are declined. Decryption
//  requests: the site's update alone, an aggregate that is not the product
//  of the signed updates, and a forged signature on the other update are
//  refused, each round's one decryption spent; the honest request then
//  answers.
static void
test_signed_refusals (void **state)
{
    (void) state;
    char text [1024], low [1024];
    s_study (text, sizeof text, "wards", 1, false);
    proto_study_sig_t sig;
    assert_int_equal (proto_study_sign (&sig, s_fed.analyst, text), 0);
    proto_msg_t *answer = s_offer_signed ("unsigned", text, 2, NULL, s_fed.analyst_cert);
    assert_int_equal (answer->body_case, COHORT__ENVELOPE__BODY_DECLINE);
    assert_non_null (strstr (answer->decline->reason, "without its analyst's certificate and "
                                                     "signature"));
    proto_free (&answer);
    //  Changed in flight: min_sites 2 -> 1.
    snprintf (low, sizeof low, "%s", text);
    char *m = strstr (low, "min_sites = 2");
    assert_non_null (m);
    m [12] = '1';
    answer = s_offer_signed ("changed", low, 1, &sig, s_fed.analyst_cert);
    assert_int_equal (answer->body_case, COHORT__ENVELOPE__BODY_DECLINE);
    assert_non_null (strstr (answer->decline->reason, "study signature: does not verify"));
    proto_free (&answer);
    //  A site's certificate (b's), its own key signing.
    proto_study_sig_t by_site;
    assert_int_equal (proto_study_sign (&by_site, s_fed.other, text), 0);
    answer = s_offer_signed ("by-site", text, 2, &by_site, s_fed.other_cert);
    assert_int_equal (answer->body_case, COHORT__ENVELOPE__BODY_DECLINE);
    assert_non_null (strstr (answer->decline->reason, "'b' is a site, not an analyst"));
    proto_free (&answer);
    //  Accepted once; the same signature again is a replay.
    answer = s_offer_signed ("first", text, 2, &sig, s_fed.analyst_cert);
    assert_int_equal (answer->body_case, COHORT__ENVELOPE__BODY_ACCEPT);
    proto_free (&answer);
    answer = s_offer_signed ("again", text, 2, &sig, s_fed.analyst_cert);
    assert_int_equal (answer->body_case, COHORT__ENVELOPE__BODY_DECLINE);
    assert_non_null (strstr (answer->decline->reason, "a replay"));
    proto_free (&answer);
    //  Signed, but min_sites 1 under a 2-of-2 key.
    proto_study_sig_t low_sig;
    assert_int_equal (proto_study_sign (&low_sig, s_fed.analyst, low), 0);
    answer = s_offer_signed ("low", low, 1, &low_sig, s_fed.analyst_cert);
    assert_int_equal (answer->body_case, COHORT__ENVELOPE__BODY_DECLINE);
    assert_non_null (strstr (answer->decline->reason, "min_sites 1 is below the key's threshold 2"));
    proto_free (&answer);

    proto_plan_t plan;
    s_plan (&plan, text);
    s_accepted ("checked", text);
    mpz_t *cts, *parts = NULL;
    size_t n = s_contribute (&cts, "checked", 1, COHORT__ROUND_KIND__ROUND_KIND_STATS, &plan);
    answer = s_decrypt_as (OWN_ONLY, "checked", 1, (const mpz_t *) cts, n);
    s_expect_error (&answer, "decrypt: the aggregate sums 1 signed update, the study needs at "
                             "least 2");
    he_vector_free (&cts, n);
    n = s_contribute (&cts, "checked", 2, COHORT__ROUND_KIND__ROUND_KIND_TRAIN, &plan);
    mpz_t one;
    mpz_init_set_ui (one, 1);
    he_add_plain (cts [0], s_fed.pk, cts [0], one);
    mpz_clear (one);
    answer = s_decrypt_as (NOT_PRODUCT, "checked", 2, (const mpz_t *) cts, n);
    s_expect_error_prefix (&answer, "decrypt: the aggregate is not the product of the 2 signed "
                                    "updates");
    he_vector_free (&cts, n);
    n = s_contribute (&cts, "checked", 3, COHORT__ROUND_KIND__ROUND_KIND_TRAIN, &plan);
    answer = s_decrypt_as (FORGED, "checked", 3, (const mpz_t *) cts, n);
    s_expect_error_prefix (&answer, "decrypt: share 2: update signature: does not verify");
    he_vector_free (&cts, n);
    (void) parts;
}

static void
test_contribution_decrypts (void **state)
{
    (void) state;
    char text [1024];
    proto_plan_t plan;
    s_plan (&plan, s_study (text, sizeof text, "wards", 1, true));
    size_t dim = plan.kind [COHORT__ROUND_KIND__ROUND_KIND_STATS].dim;
    assert_int_equal (dim, 2 * S_FEATURES + 1);
    s_accepted ("exact", text);
    mpz_t *cts, *parts = NULL;
    size_t n = s_contribute (&cts, "exact", 1, COHORT__ROUND_KIND__ROUND_KIND_STATS, &plan);
    proto_msg_t *answer = s_decrypt ("exact", 1, (const mpz_t *) cts, n);
    s_expect_partial (&answer, &parts, "exact", 1, cts, n);

    mpz_t *plains = calloc (n, sizeof (mpz_t));
    assert_non_null (plains);
    const unsigned indices [2] = { 1, 2 };
    for (size_t i = 0; i < n; i++) {
        mpz_t both [2];
        mpz_init_set (both [0], parts [i]);
        mpz_init (both [1]);
        assert_int_equal (he_partial_decrypt (both [1], s_fed.shares [1], cts [i]), 0);
        mpz_init (plains [i]);
        assert_int_equal (he_combine (plains [i], s_fed.vk, indices, (const mpz_t *) both, 2), 0);
        mpz_clear (both [0]);
        mpz_clear (both [1]);
    }
    int64_t values [2 * S_FEATURES + 1];
    assert_int_equal (he_codec_decode (values, dim, (const mpz_t *) plains, n, 1, &s_fed.codec),
                      0);
    for (size_t j = 0; j < dim; j++) {
        double want = j < dim - 1? s_sums [j] * (1 << PROTO_OFF_BITS): s_sums [j];
        assert_int_equal (values [j], (int64_t) want);
    }
    for (size_t i = 0; i < n; i++)
        mpz_clear (plains [i]);
    free (plains);
    he_vector_free (&parts, n);
    he_vector_free (&cts, n);
}

//  g) A round at a sampling rate other than the plan's is refused, and
//  nothing is charged: the ledger's charge for a round (and the budget
//  check at the offer) assume the plan's rate.
static void
test_round_sampling_rate (void **state)
{
    (void) state;
    char text [1024], expect [200];
    proto_plan_t plan;
    s_plan (&plan, s_study (text, sizeof text, "wards", 1, false));
    s_accepted ("rate", text);
    double spent;
    long before, after;
    s_ledger ("flow", &spent, &before);
    const Cohort__RoundKind train = COHORT__ROUND_KIND__ROUND_KIND_TRAIN;
    double q = plan.kind [train].q;
    assert_true (q == 0.5);
    const double rates [] = { 1, q + 1e-9, q - 1e-9, q / 2 };
    uint32_t round = 1;
    for (size_t i = 0; i < sizeof rates / sizeof rates [0]; i++) {
        proto_msg_t *answer = s_round_at ("rate", round, train, &plan, rates [i]);
        snprintf (expect, sizeof expect, "round: sampling rate %g differs from the study's %g",
                  rates [i], q);
        s_expect_error (&answer, expect);
    }
    //  The statistics round runs at rate 1.
    proto_msg_t *answer = s_round_at ("rate", round, COHORT__ROUND_KIND__ROUND_KIND_STATS, &plan,
                                      0.5);
    s_expect_error (&answer, "round: sampling rate 0.5 differs from the study's 1");
    s_ledger ("flow", &spent, &after);
    assert_int_equal (after, before);
    //  At the plan's rate: contributed and charged once.
    mpz_t *cts;
    size_t n = s_contribute (&cts, "rate", round, train, &plan);
    he_vector_free (&cts, n);
    s_ledger ("flow", &spent, &after);
    assert_int_equal (after, before + 1);
}

//  h) The budget check before accepting, at its exact edge, for a study at
//  privacy unit = site (whose ledger curve is larger than the study's own:
//  proto/plan.h). With the budget exactly the epsilon of the whole
//  planned schedule's ledger curve the site accepts (without disclosing
//  its row count); one ulp below it declines, naming the budget, and
//  charges nothing. Having accepted, it pays for every planned round: each
//  is charged by exactly its ledger curve before its update leaves, and
//  the ledger ends within the budget.
static void
test_budget_edge (void **state)
{
    (void) state;
    char text [1024], budget [64];
    proto_plan_t plan;
    double edge = s_edge (&plan, text, sizeof text), below = nextafter (edge, 0);
    //  The study's own curve, or any one kind's rounds alone, would fit one
    //  ulp below the edge: only the whole ledger curve does not.
    dp_curve_t *own = proto_plan_total (&plan);
    assert_true (s_epsilon (own) < below);
    dp_curve_destroy (&own);
    for (int k = 1; k < PROTO_KINDS; k++) {
        dp_curve_t *part = proto_plan_ledger_curve (&plan, (Cohort__RoundKind) k,
                                                    plan.kind [k].rounds);
        assert_true (s_epsilon (part) < below);
        dp_curve_destroy (&part);
    }
    const char *endpoint = proto_server_endpoint (s_fed.server);
    snprintf (budget, sizeof budget, "%.17g", below);
    s_restart (s_cfg_budget ("under", 1, "share-1.key", endpoint, "under", budget), "under");
    proto_msg_t *answer = s_offer ("edge-under", text);
    assert_int_equal (answer->body_case, COHORT__ENVELOPE__BODY_DECLINE);
    assert_int_equal (strncmp (answer->decline->reason, "budget: ", 8), 0);
    proto_free (&answer);
    double spent;
    long charges;
    s_ledger ("under", &spent, &charges);
    assert_int_equal (charges, 0);

    snprintf (budget, sizeof budget, "%.17g", edge);
    s_restart (s_cfg_budget ("edge", 1, "share-1.key", endpoint, "edge", budget), "edge");
    answer = s_offer ("edge", text);
    if (answer->body_case == COHORT__ENVELOPE__BODY_DECLINE)
        fail_msg ("declined at a budget of exactly the plan's: %s", answer->decline->reason);
    assert_int_equal (answer->body_case, COHORT__ENVELOPE__BODY_ACCEPT);
    assert_int_equal (answer->accept->train_records, 1);
    proto_free (&answer);
    dp_curve_t *paid = dp_curve_new_default ();
    assert_non_null (paid);
    uint32_t round = 0;
    const Cohort__RoundKind kinds [] = { COHORT__ROUND_KIND__ROUND_KIND_STATS,
                                         COHORT__ROUND_KIND__ROUND_KIND_TRAIN,
                                         COHORT__ROUND_KIND__ROUND_KIND_EVAL };
    for (int i = 0; i < 3; i++)
        for (uint64_t r = 0; r < plan.kind [kinds [i]].rounds; r++) {
            mpz_t *cts;
            size_t n = s_contribute (&cts, "edge", ++round, kinds [i], &plan);
            he_vector_free (&cts, n);
            dp_curve_t *one = proto_plan_ledger_curve (&plan, kinds [i], 1);
            assert_non_null (one);
            assert_int_equal (dp_curve_add (paid, one), 0);
            dp_curve_destroy (&one);
            s_ledger ("edge", &spent, &charges);
            assert_int_equal (charges, round);
            double want = s_epsilon (paid);
            if (!(fabs (spent - want) <= 1e-9 * want))
                fail_msg ("round %u: the ledger holds epsilon %.17g, the rounds so far %.17g",
                          round, spent, want);
        }
    assert_true (round >= 4);
    assert_true (spent <= edge);
    dp_curve_destroy (&paid);
    s_restart_flow ();
}

//  i) A round the ledger can no longer pay for is refused naming the
//  budget, and no update leaves for it. Here another process charged the
//  same ledger a sliver (RDP 1e-9 at every order) after the site accepted
//  a study that uses all of it: every round but the last still fits, the
//  last one does not, by about 1e-9 in epsilon.
static void
test_round_over_budget (void **state)
{
    (void) state;
    char text [1024], budget [64], path [300];
    proto_plan_t plan;
    double edge = s_edge (&plan, text, sizeof text);
    snprintf (budget, sizeof budget, "%.17g", edge);
    s_restart (s_cfg_budget ("spent", 1, "share-1.key", proto_server_endpoint (s_fed.server),
                             "spent", budget), "spent");
    proto_msg_t *answer = s_offer ("spent", text);
    assert_int_equal (answer->body_case, COHORT__ENVELOPE__BODY_ACCEPT);
    proto_free (&answer);
    dp_ledger_t *ledger = dp_ledger_open (s_path (path, sizeof path, "spent.db"));
    assert_non_null (ledger);
    dp_curve_t *sliver = dp_curve_new_default ();
    assert_non_null (sliver);
    double *rdp = calloc (dp_curve_size (sliver), sizeof (double));
    assert_non_null (rdp);
    for (size_t i = 0; i < dp_curve_size (sliver); i++)
        rdp [i] = 1e-9;
    assert_int_equal (dp_curve_set_rdp (sliver, rdp), 0);
    free (rdp);
    assert_int_equal (dp_ledger_charge (ledger, "all-studies", "wards", sliver, "another process"),
                      0);
    dp_curve_destroy (&sliver);
    dp_ledger_destroy (&ledger);
    uint64_t rounds = 0;
    for (int k = 1; k < PROTO_KINDS; k++)
        rounds += plan.kind [k].rounds;
    uint32_t round = 0;
    long charges;
    double spent;
    const Cohort__RoundKind kinds [] = { COHORT__ROUND_KIND__ROUND_KIND_STATS,
                                         COHORT__ROUND_KIND__ROUND_KIND_TRAIN,
                                         COHORT__ROUND_KIND__ROUND_KIND_EVAL };
    for (int i = 0; i < 3; i++)
        for (uint64_t r = 0; r < plan.kind [kinds [i]].rounds; r++) {
            answer = s_round ("spent", ++round, kinds [i], &plan);
            bool last = round == rounds;
            if (last && answer->body_case != COHORT__ENVELOPE__BODY_ERROR)
                fail_msg ("the last round, over the budget, was not refused");
            if (last && strncmp (answer->error->message, "budget: ", 8))
                fail_msg ("the last round was refused for another reason: %s",
                          answer->error->message);
            if (!last && answer->body_case != COHORT__ENVELOPE__BODY_UPDATE)
                fail_msg ("round %u, within the budget, got no update: %s", round,
                          answer->body_case == COHORT__ENVELOPE__BODY_ERROR
                          ? answer->error->message: proto_body_name (answer));
            proto_free (&answer);
            //  The sliver and each contributed round, never more.
            s_ledger ("spent", &spent, &charges);
            assert_int_equal (charges, 1 + round - last);
            assert_true (spent <= edge);
        }
    assert_int_equal (round, rounds);
    s_restart_flow ();
}


//  j) No exact count leaves under DP: a record-level study's acceptance
//  carries the row count plus a discrete Gaussian of the plan's
//  count_sigma2 (charged to the ledger, once per acceptance, before it
//  leaves), so over a few acceptances the counts are not all the exact 6;
//  with privacy off the exact count goes and nothing is charged.
static void
test_accept_count (void **state)
{
    (void) state;
    char text [1024];
    proto_plan_t plan;
    s_plan (&plan, s_study (text, sizeof text, "wards", 1, false));
    assert_true (plan.count_sigma2 > 0);
    double spent;
    long before, after;
    size_t exact = 0;
    for (int i = 0; i < 8; i++) {
        s_ledger ("flow", &spent, &before);
        char id [32];
        snprintf (id, sizeof id, "count-%d", i);
        proto_msg_t *answer = s_offer (id, text);
        assert_int_equal (answer->body_case, COHORT__ENVELOPE__BODY_ACCEPT);
        assert_int_equal (answer->accept->records_noise_sigma2, plan.count_sigma2);
        assert_true (answer->accept->train_records >= 1);
        exact += answer->accept->train_records == S_ROWS;
        proto_free (&answer);
        s_ledger ("flow", &spent, &after);
        assert_int_equal (after, before + 1);
    }
    //  sigma ~ 35: P(one draw is 0) < 0.012.
    assert_true (exact < 8);
    s_study (text, sizeof text, "wards", 1, true);
    s_ledger ("flow", &spent, &before);
    s_accepted ("count-off", text);
    s_ledger ("flow", &spent, &after);
    assert_int_equal (after, before);
}

//  k) The site's policy (site/policy.h), checked before anything the
//  study sizes is allocated: an MLP over max_params (the default cap),
//  more steps than max_steps and a hidden layer wider than max_hidden
//  (caps set in site.cfg) are declined with the policy reason; a delta
//  above 1/(10 x records) is declined without naming the record count,
//  and so is a site whose own budget delta is. Nothing is charged.
#define S_MANY_ROWS 2000

static void
s_decline_with (const char *study_id, const char *text, const char *reason)
{
    proto_msg_t *answer = s_offer (study_id, text);
    if (answer->body_case != COHORT__ENVELOPE__BODY_DECLINE)
        fail_msg ("%s: not declined (%s)", study_id, proto_body_name (answer));
    if (strcmp (answer->decline->reason, reason))
        fail_msg ("%s: declined with '%s', expected '%s'", study_id, answer->decline->reason,
                  reason);
    proto_free (&answer);
}

//  The flow's config <name>.cfg with `extra` appended to its site section
//  (after the wards dataset), and many.csv of S_MANY_ROWS rows (the wards
//  layout) beside it.
static const char *
s_cfg_extra (const char *name, const char *site, const char *budget, const char *extra)
{
    const char *path = s_cfg_budget (name, 1, "share-1.key", proto_server_endpoint (s_fed.server),
                                     site, budget);
    FILE *f = fopen (path, "a");
    assert_non_null (f);
    fputs (extra, f);
    assert_int_equal (fclose (f), 0);
    char csv [300];
    f = fopen (s_path (csv, sizeof csv, "many.csv"), "w");
    assert_non_null (f);
    fputs ("x1,x2,label\n", f);
    for (int i = 0; i < S_MANY_ROWS; i++)
        fprintf (f, "%d,%d.5,%d\n", i % 7, i % 3, i % 2);
    assert_int_equal (fclose (f), 0);
    return path;
}

//  A record-level study of the wards layout over `dataset` with the model
//  lines `model` ("logistic", "mlp\n    hidden = 8"), `steps` and `delta`.
static const char *
s_policy_study (char *buf, size_t size, const char *dataset, const char *model, int steps,
                const char *delta)
{
    snprintf (buf, size, "study\n    name = flow\n    dataset = %s\n    label = label\n"
                         "    model = %s\n    optimizer = sgd\n    learning_rate = 0.1\n"
                         "    steps = %d\n    sampling_rate = 0.5\n    clip = 1\n"
                         "    min_sites = 2\n    eval_every = 0\n    privacy\n"
                         "        epsilon = 1\n        delta = %s\n",
              dataset, model, steps, delta);
    return buf;
}

static void
test_decline_policy (void **state)
{
    (void) state;
    char text [1024];
    double spent;
    long before, after;
    s_ledger ("flow", &spent, &before);
    //  The default max_params: an MLP of two layers of 1024 units (each
    //  within the default max_hidden) has over a million parameters
    //  whatever its inputs.
    s_decline_with ("huge", s_policy_study (text, sizeof text, "wards",
                                            "mlp\n    hidden = 1024,1024", 2, "1e-5"),
                    "policy: the model has at least 1052673 parameters, this site allows at "
                    "most 1000000 (site.cfg policy/max_params)");

    s_restart (s_cfg_extra ("policy", "policy", "20",
                            "    policy\n        max_steps = 1\n        max_hidden = 8\n"
                            "        max_params = 4\n"
                            "    dataset\n        name = many\n        path = many.csv\n"),
               "policy");
    //  Two steps where one is allowed.
    s_decline_with ("steps", s_policy_study (text, sizeof text, "wards", "logistic", 2, "1e-5"),
                    "policy: the study has 2 training steps, this site allows at most 1 "
                    "(site.cfg policy/max_steps)");
    s_decline_with ("wide", s_policy_study (text, sizeof text, "wards", "mlp\n    hidden = 4,16",
                                            1, "1e-5"),
                    "policy: hidden layer 2 has 16 units, this site allows at most 8 (site.cfg "
                    "policy/max_hidden)");
    //  Logistic regression over the two features has 3 parameters, within
    //  4; an MLP of one unit over them has 5, known only once the data is
    //  read (over one input it would have 4).
    s_decline_with ("five", s_policy_study (text, sizeof text, "wards", "mlp\n    hidden = 1", 1,
                                            "1e-5"),
                    "policy: the model has 5 parameters, this site allows at most 4 (site.cfg "
                    "policy/max_params)");
    s_accepted ("small", s_policy_study (text, sizeof text, "wards", "logistic", 1, "1e-5"));
    //  2000 records: delta 1e-4 is above 1/20000 and 5e-5 is not. The
    //  reason does not say how many records there are.
    s_decline_with ("delta", s_policy_study (text, sizeof text, "many", "logistic", 1, "1e-4"),
                    "privacy: delta 0.0001 is too large for this dataset (delta must be at most "
                    "1/(10 x records))");
    proto_msg_t *answer = s_offer ("delta-edge", s_policy_study (text, sizeof text, "many",
                                                                 "logistic", 1, "5e-5"));
    if (answer->body_case != COHORT__ENVELOPE__BODY_ACCEPT)
        fail_msg ("delta 1/(10 x records) not accepted: %s", answer->body_case ==
                  COHORT__ENVELOPE__BODY_DECLINE? answer->decline->reason: "?");
    proto_free (&answer);

    //  The site's own budget delta, too large for 2000 records.
    const char *path = s_cfg_extra ("loose", "loose", "20",
                                    "    dataset\n        name = many\n        path = many.csv\n");
    char cfg [300], loose [8192], tighter [8192];
    snprintf (cfg, sizeof cfg, "%s", path);
    FILE *f = fopen (cfg, "r");
    assert_non_null (f);
    size_t len = fread (loose, 1, sizeof loose - 1, f);
    fclose (f);
    loose [len] = 0;
    support_text_replace (tighter, sizeof tighter, loose, "delta = 1e-05", "delta = 0.001");
    support_file_put (support_dir_group, "loose.cfg", tighter, 0600);
    s_restart (cfg, "loose");
    s_decline_with ("budget-delta", s_policy_study (text, sizeof text, "many", "logistic", 1,
                                                    "1e-5"),
                    "privacy: this site's budget delta 0.001 is too large for this dataset "
                    "(site.cfg budget/delta must be at most 1/(10 x records))");
    s_restart_flow ();
    //  The flow's site, declining the huge study, charged nothing.
    s_ledger ("flow", &spent, &after);
    assert_int_equal (after, before);
}

//  A round result for a study: `final` tells the site it ended; one that
//  is not final only speaks of it (the study goes on unchanged).
static void
s_result (const char *study_id, bool final, const char *detail)
{
    Cohort__RoundResult rr = COHORT__ROUND_RESULT__INIT;
    rr.ok = true;
    rr.detail = (char *) detail;
    rr.final = final;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_ROUND_RESULT;
    msg.round_result = &rr;
    msg.study_id = (char *) study_id;
    assert_int_equal (proto_send (proto_server_sock (s_fed.server), s_fed.identity, &msg), 0);
}

//  Tells the site that a study ended (round_result, final).
static void
s_end (const char *study_id)
{
    s_result (study_id, true, "all rounds completed");
}

//  Issue 15: two studies at once, each with its own rounds and decryption;
//  an offer that fits the budget alone but not with what a study in
//  progress may still spend is declined, and accepted once that study ended.
static void
test_two_at_once (void **state)
{
    (void) state;
    char one [1024], two [1024], big [1024];
    proto_plan_t plan_one, plan_two;
    s_plan (&plan_one, s_study (one, sizeof one, "wards", 1, false));
    s_plan (&plan_two, s_study (two, sizeof two, "wards", 1, false));
    s_accepted ("first", one);
    s_accepted ("second", two);
    mpz_t *cts1, *cts2, *parts = NULL;
    size_t n1 = s_contribute (&cts1, "first", 1, COHORT__ROUND_KIND__ROUND_KIND_STATS, &plan_one);
    proto_msg_t *answer = s_decrypt ("first", 1, (const mpz_t *) cts1, n1);
    s_expect_partial (&answer, &parts, "first", 1, cts1, n1);
    he_vector_free (&parts, n1);
    //  Each study's rounds are its own: "second" starts at round 1 while
    //  "first" is at round 1, and "first" goes on to round 2 after it.
    size_t n2 = s_contribute (&cts2, "second", 1, COHORT__ROUND_KIND__ROUND_KIND_STATS, &plan_two);
    answer = s_decrypt ("second", 1, (const mpz_t *) cts2, n2);
    s_expect_partial (&answer, &parts, "second", 1, cts2, n2);
    he_vector_free (&parts, n2);
    he_vector_free (&cts2, n2);
    he_vector_free (&cts1, n1);
    answer = s_decrypt ("first", 2, NULL, 0);
    s_expect_error (&answer, S_REFUSED);
    n1 = s_contribute (&cts1, "first", 2, COHORT__ROUND_KIND__ROUND_KIND_TRAIN, &plan_one);
    answer = s_decrypt ("first", 2, (const mpz_t *) cts1, n1);
    s_expect_partial (&answer, &parts, "first", 2, cts1, n1);
    he_vector_free (&parts, n1);
    he_vector_free (&cts1, n1);
    //  A study of epsilon e whose whole plan fits beside what is spent, but
    //  not beside a second one like it still in progress ("big" accepted
    //  and not run yet): the second is declined, saying why.
    char path [300];
    dp_ledger_t *ledger = dp_ledger_open (s_path (path, sizeof path, "flow.db"));
    assert_non_null (ledger);
    double e = 0;
    for (double try = 1; try < S_BUDGET_EPSILON && !e; try += 0.5) {
        proto_plan_t plan;
        s_plan (&plan, s_study (big, sizeof big, "wards", try, false));
        dp_curve_t *one_more = dp_ledger_spent (ledger, "all-studies", "wards");
        dp_curve_t *plan_curve = proto_plan_ledger_total (&plan);
        assert_non_null (one_more);
        assert_non_null (plan_curve);
        double alone = 0, beside = 0;
        assert_int_equal (dp_curve_add (one_more, plan_curve), 0);
        assert_int_equal (dp_curve_epsilon (one_more, S_BUDGET_DELTA, DP_CONVERSION_IMPROVED,
                                            &alone, NULL), 0);
        assert_int_equal (dp_curve_add (one_more, plan_curve), 0);
        assert_int_equal (dp_curve_epsilon (one_more, S_BUDGET_DELTA, DP_CONVERSION_IMPROVED,
                                            &beside, NULL), 0);
        //  Margins on both sides: the two studies in progress add a little.
        if (alone < S_BUDGET_EPSILON - 1 && beside > S_BUDGET_EPSILON + 1)
            e = try;
        dp_curve_destroy (&one_more);
        dp_curve_destroy (&plan_curve);
    }
    dp_ledger_destroy (&ledger);
    assert_true (e > 0);
    s_study (big, sizeof big, "wards", e, false);
    s_accepted ("big", big);
    answer = s_offer ("third", big);
    assert_int_equal (answer->body_case, COHORT__ENVELOPE__BODY_DECLINE);
    assert_non_null (strstr (answer->decline->reason, "studies in progress"));
    proto_free (&answer);
    s_end ("big");
    s_end ("first");
    s_end ("second");
    //  Ended: nothing is reserved for them any more.
    s_accepted ("fourth", big);
    s_end ("fourth");
}

//  A study the coordinator has not spoken of for study_idle_s is abandoned
//  (its slot and reservation freed): a later round of it is refused as not
//  accepted, while a study it kept speaking of goes on.
static void
test_idle_abandoned (void **state)
{
    (void) state;
    char text [1024];
    proto_plan_t plan;
    s_restart (s_cfg_extra ("idle", "idle", "20", "    study_idle_s = 1\n"), "idle");
    s_plan (&plan, s_study (text, sizeof text, "wards", 1, false));
    s_accepted ("quiet", text);
    s_accepted ("talking", text);
    for (int i = 0; i < 8; i++) {
        zclock_sleep (300);
        s_result ("talking", false, "still running");
    }
    proto_msg_t *answer = s_round ("quiet", 1, COHORT__ROUND_KIND__ROUND_KIND_STATS, &plan);
    s_expect_error (&answer, "round: not a study this site accepted");
    mpz_t *cts;
    size_t n = s_contribute (&cts, "talking", 1, COHORT__ROUND_KIND__ROUND_KIND_STATS, &plan);
    he_vector_free (&cts, n);
    s_end ("talking");
    s_restart_flow ();
}

//  A site takes part in at most 32 studies at once: the next offer is
//  declined as busy, and accepted again once one has ended.
static void
test_busy (void **state)
{
    (void) state;
    char text [1024], id [32];
    s_study (text, sizeof text, "wards", 1, true);      //  privacy off: nothing reserved
    int accepted = 0, declined = -1;
    for (int i = 0; i < 40 && declined < 0; i++) {
        snprintf (id, sizeof id, "many-%d", i);
        proto_msg_t *answer = s_offer (id, text);
        if (answer->body_case == COHORT__ENVELOPE__BODY_DECLINE) {
            assert_int_equal (strncmp (answer->decline->reason, "busy: ", 6), 0);
            assert_non_null (strstr (answer->decline->reason, "32 studies"));
            declined = i;
        }
        else {
            assert_int_equal (answer->body_case, COHORT__ENVELOPE__BODY_ACCEPT);
            accepted++;
        }
        proto_free (&answer);
    }
    assert_true (declined > 0 && accepted == declined && accepted <= 32);
    s_end ("many-0");
    s_accepted ("many-again", text);
    s_end ("many-again");
    for (int i = 1; i < accepted; i++) {
        snprintf (id, sizeof id, "many-%d", i);
        s_end (id);
    }
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_start_refusals),
        cmocka_unit_test (test_reload),
        cmocka_unit_test (test_hello),
        cmocka_unit_test (test_decline_unknown_dataset),
        cmocka_unit_test (test_decline_budget),
        cmocka_unit_test (test_round_refused),
        cmocka_unit_test (test_decrypt_wrong_count),
        cmocka_unit_test (test_decrypt_once),
        cmocka_unit_test (test_signed_refusals),
        cmocka_unit_test (test_contribution_decrypts),
        cmocka_unit_test (test_round_sampling_rate),
        cmocka_unit_test (test_budget_edge),
        cmocka_unit_test (test_round_over_budget),
        cmocka_unit_test (test_accept_count),
        cmocka_unit_test (test_decline_policy),
        cmocka_unit_test (test_two_at_once),
        cmocka_unit_test (test_busy),
        cmocka_unit_test (test_idle_abandoned),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
