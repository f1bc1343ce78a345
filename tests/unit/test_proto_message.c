/*  Unit tests for proto/message.c: round trips, and refusal of every
    malformed field the validator knows about. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/message.h"
#include "proto/plan.h"
#include "proto/signed.h"
#include "proto/rolecert.h"
#include "util/error.h"
#include "alloc_walk.h"

//  Encodes msg without validation (to feed the decoder bad input).
static uint8_t *
s_pack (const proto_msg_t *msg, size_t *len)
{
    *len = cohort__envelope__get_packed_size (msg);
    uint8_t *buf = malloc (*len + 1);
    cohort__envelope__pack (msg, buf);
    return buf;
}

static void
s_refused (const proto_msg_t *msg, const char *needle)
{
    size_t len;
    uint8_t *buf = s_pack (msg, &len);
    proto_msg_t *out = proto_decode (buf, len);
    assert_null (out);
    if (!strstr (util_last_error (), needle))
        fail_msg ("error '%s' lacks '%s'", util_last_error (), needle);
    free (buf);
    uint8_t *enc;
    assert_int_equal (proto_encode (msg, &enc, &len), -1);
}

static void
test_round_start_roundtrip (void **state)
{
    (void) state;
    double params [3] = { 0.5, -1, 2 }, mean [2] = { 1, 2 }, std [2] = { 1, 3 };
    Cohort__RoundStart rs = COHORT__ROUND_START__INIT;
    rs.kind = COHORT__ROUND_KIND__ROUND_KIND_TRAIN;
    rs.n_params = 3; rs.params = params;
    rs.n_mean = 2; rs.mean = mean; rs.n_std = 2; rs.std = std;
    rs.sampling_rate = 0.05;
    rs.deadline_ms = 1000;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.study_id = "s-1";
    msg.round_id = 7;
    msg.body_case = COHORT__ENVELOPE__BODY_ROUND_START;
    msg.round_start = &rs;
    uint8_t *buf;
    size_t len;
    assert_int_equal (proto_encode (&msg, &buf, &len), 0);
    proto_msg_t *out = proto_decode (buf, len);
    assert_non_null (out);
    assert_string_equal (out->study_id, "s-1");
    assert_int_equal (out->round_id, 7);
    assert_int_equal (out->round_start->n_params, 3);
    assert_true (out->round_start->params [1] == -1);
    assert_string_equal (proto_body_name (out), "round_start");
    proto_free (&out);
    assert_null (out);
    proto_free (&out);
    free (buf);

    //  Each bad field, one at a time.
    params [1] = NAN;
    s_refused (&msg, "round_start.params[1]");
    params [1] = 1e13;
    s_refused (&msg, "round_start.params[1]");
    params [1] = -1;
    std [1] = 0;
    s_refused (&msg, "round_start.std[1]");
    std [1] = 3;
    rs.n_std = 1;
    s_refused (&msg, "2 means but 1 stds");
    rs.n_std = 2;
    rs.sampling_rate = 1.5;
    s_refused (&msg, "sampling_rate");
    rs.sampling_rate = 0;
    s_refused (&msg, "sampling_rate");
    rs.sampling_rate = 1;
    rs.deadline_ms = 0;
    s_refused (&msg, "deadline_ms");
    rs.deadline_ms = PROTO_DEADLINE_MAX + 1;
    s_refused (&msg, "deadline_ms");
    rs.deadline_ms = PROTO_DEADLINE_MAX;
    rs.kind = 9;
    s_refused (&msg, "round_start.kind");
    rs.kind = COHORT__ROUND_KIND__ROUND_KIND_EVAL;
    msg.round_id = 0;
    s_refused (&msg, "round_id 0");
    msg.round_id = 1;
    msg.study_id = "";
    s_refused (&msg, "study_id: missing");
    msg.study_id = "a b";
    s_refused (&msg, "study_id: character 1");
    char longid [PROTO_ID_MAX + 2];
    memset (longid, 'a', sizeof longid - 1);
    longid [sizeof longid - 1] = 0;
    msg.study_id = longid;
    s_refused (&msg, "longer than 64");
    longid [PROTO_ID_MAX] = 0;      //  exactly the limit is fine
    assert_int_equal (proto_validate (&msg), 0);
}

static void
test_hello_and_text (void **state)
{
    (void) state;
    Cohort__Hello h = COHORT__HELLO__INIT;
    h.role = "site"; h.name = "hospital-a"; h.index = 1;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_HELLO;
    msg.hello = &h;
    assert_int_equal (proto_validate (&msg), 0);
    h.index = 0;
    s_refused (&msg, "hello.index");
    h.index = PROTO_MAX_PARTIES;
    assert_int_equal (proto_validate (&msg), 0);
    h.index = PROTO_MAX_PARTIES + 1;
    s_refused (&msg, "hello.index: 257 outside 1..256");
    h.index = 64;
    h.role = "admin";
    s_refused (&msg, "hello.role");
    h.role = "analyst";
    h.name = "bad\x01name";
    s_refused (&msg, "control character 0x01");
    h.name = "";
    s_refused (&msg, "hello.name: empty");

    Cohort__StudyDecline d = COHORT__STUDY_DECLINE__INIT;
    char reason [PROTO_TEXT_MAX + 2];
    memset (reason, 'x', sizeof reason - 1);
    reason [sizeof reason - 1] = 0;
    d.reason = reason;
    msg.study_id = "s";
    msg.body_case = COHORT__ENVELOPE__BODY_DECLINE;
    msg.decline = &d;
    s_refused (&msg, "decline.reason: longer than 1024");
    reason [PROTO_TEXT_MAX] = 0;
    assert_int_equal (proto_validate (&msg), 0);
}

//  The analyst requests' TOTP code and session: round trip, the bounds on
//  both sides, and every refusal, for each of the four requests.
static void
test_totp_fields (void **state)
{
    (void) state;
    static const char *session =
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    Cohort__Launch launch = COHORT__LAUNCH__INIT;
    Cohort__StatusRequest status = COHORT__STATUS_REQUEST__INIT;
    Cohort__ReportRequest report = COHORT__REPORT_REQUEST__INIT;
    Cohort__BudgetRequest budget = COHORT__BUDGET_REQUEST__INIT;
    launch.study_cfg = "study\n";
    for (int which = 0; which < 4; which++) {
        proto_msg_t msg = COHORT__ENVELOPE__INIT;
        char **code, **sess;
        const char *name;
        if (which == 0) {
            msg.body_case = COHORT__ENVELOPE__BODY_LAUNCH;
            msg.launch = &launch;
            code = &launch.totp, sess = &launch.totp_session, name = "launch";
        }
        else
        if (which == 1) {
            msg.body_case = COHORT__ENVELOPE__BODY_STATUS_REQUEST;
            msg.status_request = &status;
            code = &status.totp, sess = &status.totp_session, name = "status_request";
        }
        else
        if (which == 2) {
            msg.study_id = "s1";
            msg.body_case = COHORT__ENVELOPE__BODY_REPORT_REQUEST;
            msg.report_request = &report;
            code = &report.totp, sess = &report.totp_session, name = "report_request";
        }
        else {
            msg.body_case = COHORT__ENVELOPE__BODY_BUDGET_REQUEST;
            msg.budget_request = &budget;
            code = &budget.totp, sess = &budget.totp_session, name = "budget_request";
        }
        //  Absent, 6 and 8 digits, with a session: round trip.
        static const char *good [] = { "", "123456", "12345678" };
        for (int g = 0; g < 3; g++) {
            *code = (char *) good [g];
            *sess = (char *) (g == 2? session: "");
            uint8_t *buf;
            size_t len;
            assert_int_equal (proto_encode (&msg, &buf, &len), 0);
            proto_msg_t *back = proto_decode (buf, len);
            free (buf);
            assert_non_null (back);
            const char *got = which == 0? back->launch->totp: which == 1
                            ? back->status_request->totp: which == 2
                            ? back->report_request->totp: back->budget_request->totp;
            assert_string_equal (got, good [g]);
            proto_free (&back);
        }
        char why [128];
        static const struct { const char *code, *session, *why; } bad [] = {
            { "12345",     "", "totp: not 6 to 8 digits" },
            { "123456789", "", "totp: not 6 to 8 digits" },
            { "12a456",    "", "totp: not a digit at offset 2" },
            { "",          "0011", "totp_session: not 64 hex digits" },
            { "",          "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0",
                           "totp_session: not 64 hex digits" },
            { "",          "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff",
                           "totp_session: not a lower-case hex digit at offset 20" },
        };
        for (size_t b = 0; b < sizeof bad / sizeof bad [0]; b++) {
            *code = (char *) bad [b].code;
            *sess = (char *) bad [b].session;
            snprintf (why, sizeof why, "%s.%s", name, bad [b].why);
            s_refused (&msg, why);
        }
        *code = (char *) "";
        *sess = (char *) "";
    }
}

//  A site's hello with its ledger per dataset: round trip, then every
//  refusal (cohort budget, docs/protocol.md).
//  The role certificate a hello and every analyst request carry (field 5):
//  text of at most PROTO_ROLECERT_MAX bytes, lines allowed, no other
//  control character; it survives a round trip.
static void
test_role_cert (void **state)
{
    (void) state;
    static char cert [PROTO_ROLECERT_MAX + 2];
    memset (cert, 'x', sizeof cert - 1);
    cert [sizeof cert - 1] = 0;
    Cohort__Hello h = COHORT__HELLO__INIT;
    h.role = "site"; h.name = "a"; h.index = 1;
    Cohort__Launch l = COHORT__LAUNCH__INIT;
    l.study_cfg = "study\n";
    Cohort__StatusRequest st = COHORT__STATUS_REQUEST__INIT;
    Cohort__ReportRequest re = COHORT__REPORT_REQUEST__INIT;
    Cohort__BudgetRequest bu = COHORT__BUDGET_REQUEST__INIT;
    char **fields [] = { &h.role_cert, &l.role_cert, &st.role_cert, &re.role_cert, &bu.role_cert };
    const char *names [] = { "hello.role_cert", "launch.role_cert", "status_request.role_cert",
                             "report_request.role_cert", "budget_request.role_cert" };
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.study_id = "s-1";
    for (int i = 0; i < 5; i++) {
        msg.body_case = i == 0? COHORT__ENVELOPE__BODY_HELLO: i == 1? COHORT__ENVELOPE__BODY_LAUNCH
                      : i == 2? COHORT__ENVELOPE__BODY_STATUS_REQUEST
                      : i == 3? COHORT__ENVELOPE__BODY_REPORT_REQUEST
                      : COHORT__ENVELOPE__BODY_BUDGET_REQUEST;
        msg.hello = &h;
        if (i == 1) msg.launch = &l;
        if (i == 2) msg.status_request = &st;
        if (i == 3) msg.report_request = &re;
        if (i == 4) msg.budget_request = &bu;
        //  One byte over, then exactly the limit.
        cert [PROTO_ROLECERT_MAX] = 'x';
        *fields [i] = cert;
        char want [128];
        snprintf (want, sizeof want, "%s: longer than %d bytes", names [i], PROTO_ROLECERT_MAX);
        s_refused (&msg, want);
        cert [PROTO_ROLECERT_MAX] = 0;
        cert [3] = '\n';
        assert_int_equal (proto_validate (&msg), 0);
        cert [3] = 0x01;
        s_refused (&msg, names [i]);
        cert [3] = 'x';
        uint8_t *buf;
        size_t len;
        assert_int_equal (proto_encode (&msg, &buf, &len), 0);
        proto_msg_t *out = proto_decode (buf, len);
        assert_non_null (out);
        const char *got = i == 0? out->hello->role_cert: i == 1? out->launch->role_cert
                        : i == 2? out->status_request->role_cert
                        : i == 3? out->report_request->role_cert: out->budget_request->role_cert;
        assert_string_equal (got, cert);
        proto_free (&out);
        free (buf);
        *fields [i] = "";
    }
}

static void
test_hello_budget (void **state)
{
    (void) state;
    Cohort__DatasetBudget b [2] = { COHORT__DATASET_BUDGET__INIT, COHORT__DATASET_BUDGET__INIT };
    b [0].dataset = "pima"; b [0].epsilon_budget = 4; b [0].epsilon_spent = 1.5;
    b [0].delta = 1e-5;
    b [1] = b [0];
    b [1].dataset = "lung"; b [1].epsilon_spent = 0;
    Cohort__DatasetBudget *list [2] = { &b [0], &b [1] };
    Cohort__Hello h = COHORT__HELLO__INIT;
    h.role = "site"; h.name = "hospital-a"; h.index = 1;
    h.n_budget = 2; h.budget = list;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_HELLO;
    msg.hello = &h;
    size_t len;
    uint8_t *buf = s_pack (&msg, &len);
    proto_msg_t *out = proto_decode (buf, len);
    free (buf);
    assert_non_null (out);
    assert_int_equal (out->hello->n_budget, 2);
    assert_string_equal (out->hello->budget [1]->dataset, "lung");
    assert_true (out->hello->budget [0]->epsilon_spent == 1.5);
    assert_true (out->hello->budget [0]->epsilon_budget == 4);
    assert_true (out->hello->budget [0]->delta == 1e-5);
    proto_free (&out);

    b [1].dataset = "pima";
    s_refused (&msg, "hello.budget[1]: dataset 'pima' twice");
    b [1].dataset = "";
    s_refused (&msg, "hello.budget[1].dataset: empty");
    b [1].dataset = "lung";
    b [1].epsilon_budget = 0;
    s_refused (&msg, "hello.budget[1].epsilon_budget");
    b [1].epsilon_budget = NAN;
    s_refused (&msg, "hello.budget[1].epsilon_budget");
    b [1].epsilon_budget = 4;
    b [1].epsilon_spent = -1;
    s_refused (&msg, "hello.budget[1].epsilon_spent");
    b [1].epsilon_spent = INFINITY;
    s_refused (&msg, "hello.budget[1].epsilon_spent");
    b [1].epsilon_spent = 0;
    b [1].delta = 1;
    s_refused (&msg, "hello.budget[1].delta");
    b [1].delta = 0;
    s_refused (&msg, "hello.budget[1].delta");
    b [1].delta = 1e-5;
    h.role = "analyst";
    s_refused (&msg, "hello.budget: only a site");
    h.role = "site";
    Cohort__DatasetBudget *many [PROTO_BUDGETS_MAX + 1];
    for (size_t i = 0; i <= PROTO_BUDGETS_MAX; i++)
        many [i] = &b [0];
    h.n_budget = PROTO_BUDGETS_MAX + 1; h.budget = many;
    s_refused (&msg, "hello.budget: 65 entries, more than 64");
    h.n_budget = 2; h.budget = list;
    assert_int_equal (proto_validate (&msg), 0);

    //  The analyst's budget request needs no study id.
    Cohort__BudgetRequest req = COHORT__BUDGET_REQUEST__INIT;
    proto_msg_t ask = COHORT__ENVELOPE__INIT;
    ask.body_case = COHORT__ENVELOPE__BODY_BUDGET_REQUEST;
    ask.budget_request = &req;
    assert_int_equal (proto_validate (&ask), 0);
    assert_string_equal (proto_body_name (&ask), "budget_request");
}

static void
test_accept_partial_update (void **state)
{
    (void) state;
    char *features [2] = { "a", "b" };
    Cohort__StudyAccept a = COHORT__STUDY_ACCEPT__INIT;
    a.n_features = 2; a.features = features; a.train_records = 10;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.study_id = "s";
    msg.body_case = COHORT__ENVELOPE__BODY_ACCEPT;
    msg.accept = &a;
    assert_int_equal (proto_validate (&msg), 0);
    a.train_records = 0;
    s_refused (&msg, "features come with its record count");
    a.train_records = PROTO_RECORDS_MAX + 1;
    s_refused (&msg, "record counts out of range");
    a.train_records = 10;
    //  The count's noise variance: up to the sampler's 2^40, both sides.
    a.records_noise_sigma2 = PROTO_SIGMA2_MAX;
    assert_int_equal (proto_validate (&msg), 0);
    a.records_noise_sigma2 = PROTO_SIGMA2_MAX + 1;
    s_refused (&msg, "accept: records_noise_sigma2 out of range");
    a.records_noise_sigma2 = 0;
    features [1] = "";
    s_refused (&msg, "accept.features[1]: empty");
    //  A query's acceptance: no features, and a count only with privacy
    //  off (which the coordinator checks, not the decoder).
    a.n_features = 0;
    assert_int_equal (proto_validate (&msg), 0);
    a.train_records = 0;
    assert_int_equal (proto_validate (&msg), 0);

    uint8_t bytes [4] = { 1, 2, 3, 4 };
    Cohort__PartialDecryption p = COHORT__PARTIAL_DECRYPTION__INIT;
    p.share_index = 2;
    p.partials = (ProtobufCBinaryData) { 4, bytes };
    p.proof = (ProtobufCBinaryData) { 4, bytes };
    msg.body_case = COHORT__ENVELOPE__BODY_PARTIAL;
    msg.partial = &p;
    assert_int_equal (proto_validate (&msg), 0);
    p.share_index = 0;
    s_refused (&msg, "share_index");
    p.share_index = 1;
    p.proof.len = 0;
    s_refused (&msg, "partial.proof: empty");

    Cohort__Update u = COHORT__UPDATE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_UPDATE;
    msg.update = &u;
    s_refused (&msg, "update.ciphertexts: empty");
    u.ciphertexts = (ProtobufCBinaryData) { 4, bytes };
    assert_int_equal (proto_validate (&msg), 0);
    uint8_t sig [PROTO_SIG_LEN + 1] = { 0 };
    u.signature = (ProtobufCBinaryData) { PROTO_SIG_LEN, sig };
    assert_int_equal (proto_validate (&msg), 0);
    u.signature.len = PROTO_SIG_LEN - 1;
    s_refused (&msg, "update.signature: 63 bytes, not 64");
}

//  Signed studies and the decryption request's contributions (proto/signed.h).
static void
test_signed_fields (void **state)
{
    (void) state;
    uint8_t bytes [PROTO_SIG_LEN + 1] = { 1, 2, 3, 4 };
    Cohort__Launch l = COHORT__LAUNCH__INIT;
    l.study_cfg = "study\n";
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_LAUNCH;
    msg.launch = &l;
    assert_int_equal (proto_validate (&msg), 0);
    l.study_sig = (ProtobufCBinaryData) { PROTO_SIG_LEN, bytes };
    l.nonce = (ProtobufCBinaryData) { PROTO_NONCE_LEN, bytes };
    assert_int_equal (proto_validate (&msg), 0);
    l.study_sig.len = 65;
    s_refused (&msg, "launch.study_sig: 65 bytes, not 64");
    l.study_sig.len = 64;
    l.nonce.len = 15;
    s_refused (&msg, "launch.nonce: 15 bytes, not 16");

    Cohort__StudyOffer o = COHORT__STUDY_OFFER__INIT;
    o.study_cfg = "study\n";
    o.threshold = 2;
    o.sites = 3;
    o.nonce = (ProtobufCBinaryData) { 3, bytes };
    msg.study_id = "s";
    msg.body_case = COHORT__ENVELOPE__BODY_OFFER;
    msg.offer = &o;
    s_refused (&msg, "offer.nonce: 3 bytes, not 16");
    o.nonce.len = 0;
    assert_int_equal (proto_validate (&msg), 0);

    Cohort__Contribution c = COHORT__CONTRIBUTION__INIT;
    Cohort__Contribution *list [PROTO_MAX_PARTIES + 1];
    for (size_t i = 0; i <= PROTO_MAX_PARTIES; i++)
        list [i] = &c;
    c.index = 1;
    c.ciphertexts = (ProtobufCBinaryData) { 4, bytes };
    c.signature = (ProtobufCBinaryData) { PROTO_SIG_LEN, bytes };
    c.role_cert = "cohort-role/v1\n";
    Cohort__DecryptRequest d = COHORT__DECRYPT_REQUEST__INIT;
    d.aggregate = (ProtobufCBinaryData) { 4, bytes };
    d.n_contributions = 2;
    d.contributions = list;
    msg.body_case = COHORT__ENVELOPE__BODY_DECRYPT_REQUEST;
    msg.decrypt_request = &d;
    assert_int_equal (proto_validate (&msg), 0);
    d.n_contributions = PROTO_MAX_PARTIES + 1;
    s_refused (&msg, "decrypt_request.contributions: 257, at most 256");
    d.n_contributions = 2;
    c.index = 0;
    s_refused (&msg, "decrypt_request.contributions[0].index: 0 outside 1..256");
    c.index = PROTO_MAX_PARTIES;
    assert_int_equal (proto_validate (&msg), 0);
    c.index = PROTO_MAX_PARTIES + 1;
    s_refused (&msg, "index: 257 outside");
    c.index = 1;
    c.signature.len = 10;
    s_refused (&msg, "decrypt_request.contributions[0].signature: 10 bytes, not 64");
    c.signature.len = PROTO_SIG_LEN;
    c.ciphertexts.len = 0;
    s_refused (&msg, "decrypt_request.contributions[0].ciphertexts: empty");
    c.ciphertexts.len = 4;
    c.role_cert = "";
    assert_int_equal (proto_validate (&msg), 0);
}

static void
test_garbage (void **state)
{
    (void) state;
    uint8_t junk [8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    assert_null (proto_decode (junk, sizeof junk));
    assert_non_null (strstr (util_last_error (), "protobuf"));
    //  An empty buffer decodes to an envelope without body.
    assert_null (proto_decode (junk, 0));
    assert_non_null (strstr (util_last_error (), "no body"));
    assert_null (proto_decode (junk, PROTO_MSG_MAX + 1));
    assert_non_null (strstr (util_last_error (), "more than"));
    assert_string_equal (proto_kind_name (COHORT__ROUND_KIND__ROUND_KIND_STATS), "stats");
    assert_string_equal (proto_kind_name (0), "?");
}

static void
test_socket_pair (void **state)
{
    (void) state;
    zsock_t *a = zsock_new_pair ("@inproc://proto-test");
    zsock_t *b = zsock_new_pair (">inproc://proto-test");
    Cohort__Heartbeat hb = COHORT__HEARTBEAT__INIT;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_HEARTBEAT;
    msg.heartbeat = &hb;
    assert_int_equal (proto_send (a, NULL, &msg), 0);
    proto_msg_t *got = proto_recv (b, NULL);
    assert_non_null (got);
    assert_string_equal (proto_body_name (got), "heartbeat");
    proto_free (&got);
    //  Two frames where one is expected.
    zstr_sendx (a, "x", "y", NULL);
    assert_null (proto_recv (b, NULL));
    assert_non_null (strstr (util_last_error (), "2 frames"));
    //  Many frames: read one at a time, at most max_frames kept, every one
    //  counted; the next message is received whole after it.
    void *handle = zsock_resolve (a);
    for (int i = 0; i < 10000; i++)
        assert_true (zmq_send (handle, &i, sizeof i, i + 1 < 10000? ZMQ_SNDMORE: 0) > 0);
    zstr_sendx (a, "after", NULL);
    size_t frames = 0;
    zmsg_t *kept = proto_recv_frames (b, 3, &frames);
    assert_non_null (kept);
    assert_int_equal (frames, 10000);
    assert_int_equal (zmsg_size (kept), 3);
    int first;
    memcpy (&first, zframe_data (zmsg_first (kept)), sizeof first);
    assert_int_equal (first, 0);
    zmsg_destroy (&kept);
    kept = proto_recv_frames (b, 3, &frames);
    assert_int_equal (frames, 1);
    assert_true (zframe_streq (zmsg_first (kept), "after"));
    zmsg_destroy (&kept);
    //  proto_recv refuses such a message, naming its count.
    for (int i = 0; i < 10000; i++)
        assert_true (zmq_send (handle, &i, sizeof i, i + 1 < 10000? ZMQ_SNDMORE: 0) > 0);
    assert_null (proto_recv (b, NULL));
    assert_non_null (strstr (util_last_error (), "message: 10000 frames, expected 1"));
    //  Nothing to receive before the timeout.
    zsock_set_rcvtimeo (b, 10);
    assert_null (proto_recv_frames (b, 3, &frames));
    assert_int_equal (frames, 0);
    assert_non_null (strstr (util_last_error (), "nothing arrived in time"));
    zsock_destroy (&a);
    zsock_destroy (&b);
}

//  Allocation failures: encoding, and decoding (every allocation of
//  protobuf-c's unpacking goes through util_malloc), each reported as out
//  of memory, never as bad input.
static bool
s_decode_walk (void *arg)
{
    alloc_walk_bytes_t *w = arg;
    proto_msg_t *msg = proto_decode (w->buf, w->len);
    bool ok = msg != NULL;
    if (ok)
        assert_int_equal (msg->accept->n_features, 3);
    proto_free (&msg);
    return ok;
}

static bool
s_encode_walk (void *msg)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    if (proto_encode (msg, &buf, &len))
        return false;
    free (buf);
    return true;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    char *features [3] = { "age", "bp", "mass" };
    Cohort__StudyAccept a = COHORT__STUDY_ACCEPT__INIT;
    a.n_features = 3;
    a.features = features;
    a.train_records = 100;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.study_id = "s-1";
    msg.body_case = COHORT__ENVELOPE__BODY_ACCEPT;
    msg.accept = &a;
    assert_true (alloc_walk (s_encode_walk, &msg) >= 1);
    alloc_walk_bytes_t w;
    assert_int_equal (proto_encode (&msg, &w.buf, &w.len), 0);
    //  The envelope, its id, the body, the feature array and its strings.
    assert_true (alloc_walk (s_decode_walk, &w) >= 7);
    free (w.buf);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_round_start_roundtrip),
        cmocka_unit_test (test_hello_and_text),
        cmocka_unit_test (test_hello_budget),
        cmocka_unit_test (test_totp_fields),
        cmocka_unit_test (test_role_cert),
        cmocka_unit_test (test_accept_partial_update),
        cmocka_unit_test (test_signed_fields),
        cmocka_unit_test (test_garbage),
        cmocka_unit_test (test_socket_pair),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
