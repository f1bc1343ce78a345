/*  proto/message.c - envelope validation, encoding and socket helpers. */
#include "message.h"
#include "plan.h"
#include "rolecert.h"
#include "signed.h"
#include "util/alloc.h"
#include "util/error.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  Bounded text: at most max bytes, no control characters except (when
//  multiline) newline, carriage return and tab.
static int
s_check_text (const char *field, const char *text, size_t max, int multiline)
{
    if (!text)
        return 0;
    size_t len = strnlen (text, max + 1);
    if (len > max)
        return util_error (UTIL_ELIMIT, "%s: longer than %zu bytes", field, max);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) text [i];
        if (c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t')))
            return util_error (UTIL_EINPUT, "%s: control character 0x%02x at byte %zu", field, c, i);
        if (c == 0x7f)
            return util_error (UTIL_EINPUT, "%s: control character 0x7f at byte %zu", field, i);
    }
    return 0;
}

static int
s_check_id (const char *id, int may_be_empty)
{
    size_t len = id? strnlen (id, PROTO_ID_MAX + 1): 0;
    if (len == 0)
        return may_be_empty? 0: util_error (UTIL_EINPUT, "study_id: missing");
    if (len > PROTO_ID_MAX)
        return util_error (UTIL_ELIMIT, "study_id: longer than %d characters", PROTO_ID_MAX);
    for (size_t i = 0; i < len; i++) {
        char c = id [i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '-' || c == '_'))
            return util_error (UTIL_EINPUT, "study_id: character %zu is not [A-Za-z0-9_-]", i);
    }
    return 0;
}

static int
s_check_doubles (const char *field, const double *v, size_t n, size_t max,
                 double abs_max, int positive)
{
    if (n > max)
        return util_error (UTIL_ELIMIT, "%s: %zu entries, more than %zu", field, n, max);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite (v [i]) || fabs (v [i]) > abs_max)
            return util_error (UTIL_EINPUT, "%s[%zu]: not a finite number within +-%g", field, i, abs_max);
        if (positive && !(v [i] > 0))
            return util_error (UTIL_EINPUT, "%s[%zu]: must be positive", field, i);
    }
    return 0;
}

static int
s_check_bytes (const char *field, ProtobufCBinaryData data)
{
    if (data.len == 0)
        return util_error (UTIL_EINPUT, "%s: empty", field);
    if (data.len > PROTO_MSG_MAX)
        return util_error (UTIL_ELIMIT, "%s: %zu bytes, more than %zu", field, data.len, PROTO_MSG_MAX);
    return 0;
}

//  A site's hello may carry its ledger per dataset: named, at most
//  PROTO_BUDGETS_MAX of them, only from a site, each dataset once, a budget
//  in (0, 1e12], a spend in [0, 1e12] and a delta in (0, 1).
static int
s_check_budgets (const Cohort__Hello *h)
{
    if (h->n_budget && strcmp (h->role, "site"))
        return util_error (UTIL_EINPUT, "hello.budget: only a site reports a budget");
    if (h->n_budget > PROTO_BUDGETS_MAX)
        return util_error (UTIL_EINPUT, "hello.budget: %zu entries, more than %d",
                           h->n_budget, PROTO_BUDGETS_MAX);
    for (size_t i = 0; i < h->n_budget; i++) {
        const Cohort__DatasetBudget *b = h->budget [i];
        if (s_check_text ("hello.budget.dataset", b->dataset, PROTO_NAME_MAX, 0))
            return -1;
        if (!*b->dataset)
            return util_error (UTIL_EINPUT, "hello.budget[%zu].dataset: empty", i);
        for (size_t j = 0; j < i; j++)
            if (!strcmp (h->budget [j]->dataset, b->dataset))
                return util_error (UTIL_EINPUT, "hello.budget[%zu]: dataset '%s' twice",
                                   i, b->dataset);
        if (!isfinite (b->epsilon_budget) || !(b->epsilon_budget > 0)
        ||  b->epsilon_budget > PROTO_PARAM_ABS_MAX)
            return util_error (UTIL_EINPUT, "hello.budget[%zu].epsilon_budget: not in (0, 1e12]", i);
        if (!isfinite (b->epsilon_spent) || b->epsilon_spent < 0
        ||  b->epsilon_spent > PROTO_PARAM_ABS_MAX)
            return util_error (UTIL_EINPUT, "hello.budget[%zu].epsilon_spent: not in [0, 1e12]", i);
        if (!isfinite (b->delta) || !(b->delta > 0) || !(b->delta < 1))
            return util_error (UTIL_EINPUT, "hello.budget[%zu].delta: not in (0, 1)", i);
    }
    return 0;
}

//  An analyst request's second factor: a code of 6 to 8 digits (its
//  length against the enrolment is the coordinator's check), and a session
//  of PROTO_TOTP_SESSION_LEN lower-case hex digits; each may be absent
//  (empty). The code's digits are not quoted back: it may be a guess.
static int
s_check_totp (const char *body, const char *code, const char *session)
{
    size_t len = code? strnlen (code, 9): 0;
    if (len && (len < 6 || len > 8))
        return util_error (UTIL_EINPUT, "%s.totp: not 6 to 8 digits", body);
    for (size_t i = 0; i < len; i++)
        if (code [i] < '0' || code [i] > '9')
            return util_error (UTIL_EINPUT, "%s.totp: not a digit at offset %zu", body, i);
    len = session? strnlen (session, PROTO_TOTP_SESSION_LEN + 1): 0;
    if (len && len != PROTO_TOTP_SESSION_LEN)
        return util_error (UTIL_EINPUT, "%s.totp_session: not %d hex digits", body,
                           PROTO_TOTP_SESSION_LEN);
    for (size_t i = 0; i < len; i++)
        if (!((session [i] >= '0' && session [i] <= '9')
        ||    (session [i] >= 'a' && session [i] <= 'f')))
            return util_error (UTIL_EINPUT, "%s.totp_session: not a lower-case hex digit at "
                               "offset %zu", body, i);
    return 0;
}

//  A role certificate (proto/rolecert.h) as a request or hello carries it:
//  text of at most PROTO_ROLECERT_MAX bytes, lines allowed. The coordinator
//  checks its signature and fields (empty: none sent, it refuses).
static int
s_check_role_cert (const char *field, const char *text)
{
    return s_check_text (field, text, PROTO_ROLECERT_MAX, 1);
}

//  A study signature's fields as Launch and StudyOffer carry them: absent
//  (the receiver refuses an unsigned study, saying so) or 64 and 16 bytes.
static int
s_check_study_sig (const char *body, ProtobufCBinaryData sig, ProtobufCBinaryData nonce)
{
    if (sig.len && sig.len != PROTO_SIG_LEN)
        return util_error (UTIL_EINPUT, "%s.study_sig: %zu bytes, not %d", body, sig.len,
                           PROTO_SIG_LEN);
    if (nonce.len && nonce.len != PROTO_NONCE_LEN)
        return util_error (UTIL_EINPUT, "%s.nonce: %zu bytes, not %d", body, nonce.len,
                           PROTO_NONCE_LEN);
    return 0;
}

//  A decryption request's contributions: at most PROTO_MAX_PARTIES, each
//  with a share index, ciphertexts, a 64-byte signature and a certificate.
static int
s_check_contributions (const Cohort__DecryptRequest *d)
{
    if (d->n_contributions > PROTO_MAX_PARTIES)
        return util_error (UTIL_EINPUT, "decrypt_request.contributions: %zu, at most %d",
                           d->n_contributions, PROTO_MAX_PARTIES);
    for (size_t i = 0; i < d->n_contributions; i++) {
        const Cohort__Contribution *c = d->contributions [i];
        char field [64];
        snprintf (field, sizeof field, "decrypt_request.contributions[%zu]", i);
        if (c->index < 1 || c->index > PROTO_MAX_PARTIES)
            return util_error (UTIL_EINPUT, "%s.index: %u outside 1..%d", field, c->index,
                               PROTO_MAX_PARTIES);
        if (c->signature.len != PROTO_SIG_LEN)
            return util_error (UTIL_EINPUT, "%s.signature: %zu bytes, not %d", field,
                               c->signature.len, PROTO_SIG_LEN);
        snprintf (field, sizeof field, "decrypt_request.contributions[%zu].ciphertexts", i);
        if (s_check_bytes (field, c->ciphertexts))
            return -1;
        snprintf (field, sizeof field, "decrypt_request.contributions[%zu].role_cert", i);
        if (s_check_role_cert (field, c->role_cert))
            return -1;
    }
    return 0;
}

int
proto_validate (const proto_msg_t *m)
{
    if (!m)
        return util_error (UTIL_EINPUT, "message: missing");
    Cohort__Envelope__BodyCase body = m->body_case;
    if (body == COHORT__ENVELOPE__BODY__NOT_SET)
        return util_error (UTIL_EINPUT, "message: no body (unknown or missing message type)");
    int idless = body == COHORT__ENVELOPE__BODY_HELLO || body == COHORT__ENVELOPE__BODY_HEARTBEAT
              || body == COHORT__ENVELOPE__BODY_ERROR || body == COHORT__ENVELOPE__BODY_LAUNCH
              || body == COHORT__ENVELOPE__BODY_STATUS_REQUEST
              || body == COHORT__ENVELOPE__BODY_BUDGET_REQUEST
              || body == COHORT__ENVELOPE__BODY_REPLY;
    if (s_check_id (m->study_id, idless))
        return -1;
    switch (body) {
        case COHORT__ENVELOPE__BODY_HELLO: {
            const Cohort__Hello *h = m->hello;
            if (s_check_text ("hello.role", h->role, PROTO_NAME_MAX, 0)
            ||  s_check_text ("hello.name", h->name, PROTO_NAME_MAX, 0))
                return -1;
            if (strcmp (h->role, "site") && strcmp (h->role, "analyst"))
                return util_error (UTIL_EINPUT, "hello.role: '%s' is neither 'site' nor 'analyst'", h->role);
            if (!*h->name)
                return util_error (UTIL_EINPUT, "hello.name: empty");
            if (!strcmp (h->role, "site") && (h->index < 1 || h->index > PROTO_MAX_PARTIES))
                return util_error (UTIL_EINPUT, "hello.index: %u outside 1..%d", h->index,
                                   PROTO_MAX_PARTIES);
            if (s_check_role_cert ("hello.role_cert", h->role_cert))
                return -1;
            return s_check_budgets (h);
        }
        case COHORT__ENVELOPE__BODY_OFFER: {
            const Cohort__StudyOffer *o = m->offer;
            if (s_check_text ("offer.study_cfg", o->study_cfg, PROTO_CFG_MAX, 1)
            ||  s_check_text ("offer.dictionary", o->dictionary, PROTO_DICT_MAX, 1))
                return -1;
            if (o->threshold < 1 || o->threshold > PROTO_MAX_PARTIES || o->sites < o->threshold
            ||  o->sites > PROTO_MAX_PARTIES)
                return util_error (UTIL_EINPUT, "offer: threshold %u / sites %u out of range",
                                   o->threshold, o->sites);
            return s_check_role_cert ("offer.analyst_cert", o->analyst_cert)
                || s_check_study_sig ("offer", o->study_sig, o->nonce);
        }
        case COHORT__ENVELOPE__BODY_ACCEPT: {
            const Cohort__StudyAccept *a = m->accept;
            //  None for a query's acceptance (the coordinator checks which).
            if (a->n_features > PROTO_FEATURES_MAX)
                return util_error (UTIL_EINPUT, "accept.features: %zu entries, need 0..%d",
                                   a->n_features, PROTO_FEATURES_MAX);
            for (size_t i = 0; i < a->n_features; i++) {
                if (s_check_text ("accept.features", a->features [i], PROTO_NAME_MAX, 0))
                    return -1;
                if (!*a->features [i])
                    return util_error (UTIL_EINPUT, "accept.features[%zu]: empty", i);
            }
            //  A study's acceptance has both its features and a count; a
            //  query's no features (and a count only with privacy off: the
            //  coordinator checks that).
            if (a->n_features && a->train_records == 0)
                return util_error (UTIL_EINPUT, "accept: a study's features come with its record "
                                   "count");
            if (a->train_records > PROTO_RECORDS_MAX)
                return util_error (UTIL_EINPUT, "accept: record counts out of range");
            if (a->records_noise_sigma2 > PROTO_SIGMA2_MAX)
                return util_error (UTIL_EINPUT, "accept: records_noise_sigma2 out of range");
            return 0;
        }
        case COHORT__ENVELOPE__BODY_DECLINE:
            return s_check_text ("decline.reason", m->decline->reason, PROTO_TEXT_MAX, 0);
        case COHORT__ENVELOPE__BODY_ROUND_START: {
            const Cohort__RoundStart *r = m->round_start;
            if (r->kind < COHORT__ROUND_KIND__ROUND_KIND_TRAIN
            ||  r->kind > COHORT__ROUND_KIND__ROUND_KIND_FIT_STEP)
                return util_error (UTIL_EINPUT, "round_start.kind: %d is not a round kind", (int) r->kind);
            if (m->round_id == 0)
                return util_error (UTIL_EINPUT, "round_start: round_id 0");
            if (s_check_doubles ("round_start.params", r->params, r->n_params,
                                 PROTO_PARAMS_MAX, PROTO_PARAM_ABS_MAX, 0)
            ||  s_check_doubles ("round_start.mean", r->mean, r->n_mean,
                                 PROTO_FEATURES_MAX, PROTO_PARAM_ABS_MAX, 0)
            ||  s_check_doubles ("round_start.std", r->std, r->n_std,
                                 PROTO_FEATURES_MAX, PROTO_PARAM_ABS_MAX, 1))
                return -1;
            if (r->n_mean != r->n_std)
                return util_error (UTIL_EINPUT, "round_start: %zu means but %zu stds", r->n_mean, r->n_std);
            if (!isfinite (r->sampling_rate) || !(r->sampling_rate > 0) || r->sampling_rate > 1)
                return util_error (UTIL_EINPUT, "round_start.sampling_rate: must be in (0, 1]");
            if (r->deadline_ms < 1 || r->deadline_ms > PROTO_DEADLINE_MAX)
                return util_error (UTIL_EINPUT, "round_start.deadline_ms: %llu outside 1..%llu",
                                   (unsigned long long) r->deadline_ms, PROTO_DEADLINE_MAX);
            return 0;
        }
        case COHORT__ENVELOPE__BODY_UPDATE:
            if (m->update->signature.len && m->update->signature.len != PROTO_SIG_LEN)
                return util_error (UTIL_EINPUT, "update.signature: %zu bytes, not %d",
                                   m->update->signature.len, PROTO_SIG_LEN);
            return s_check_bytes ("update.ciphertexts", m->update->ciphertexts);
        case COHORT__ENVELOPE__BODY_DECRYPT_REQUEST:
            return s_check_bytes ("decrypt_request.aggregate", m->decrypt_request->aggregate)
                || s_check_contributions (m->decrypt_request);
        case COHORT__ENVELOPE__BODY_PARTIAL: {
            const Cohort__PartialDecryption *p = m->partial;
            if (p->share_index < 1 || p->share_index > PROTO_MAX_PARTIES)
                return util_error (UTIL_EINPUT, "partial.share_index: %u outside 1..%d",
                                   p->share_index, PROTO_MAX_PARTIES);
            return s_check_bytes ("partial.partials", p->partials)
                || s_check_bytes ("partial.proof", p->proof);
        }
        case COHORT__ENVELOPE__BODY_ROUND_RESULT: {
            const Cohort__RoundResult *r = m->round_result;
            if (!isfinite (r->epsilon_spent) || r->epsilon_spent < 0)
                return util_error (UTIL_EINPUT, "round_result.epsilon_spent: not a finite number >= 0");
            return s_check_text ("round_result.detail", r->detail, PROTO_TEXT_MAX, 0);
        }
        case COHORT__ENVELOPE__BODY_HEARTBEAT:
            return 0;
        case COHORT__ENVELOPE__BODY_STATUS_REQUEST:
            return s_check_role_cert ("status_request.role_cert", m->status_request->role_cert)
                || s_check_totp ("status_request", m->status_request->totp,
                                 m->status_request->totp_session)? -1: 0;
        case COHORT__ENVELOPE__BODY_REPORT_REQUEST:
            return s_check_role_cert ("report_request.role_cert", m->report_request->role_cert)
                || s_check_totp ("report_request", m->report_request->totp,
                                 m->report_request->totp_session)? -1: 0;
        case COHORT__ENVELOPE__BODY_BUDGET_REQUEST:
            return s_check_role_cert ("budget_request.role_cert", m->budget_request->role_cert)
                || s_check_totp ("budget_request", m->budget_request->totp,
                                 m->budget_request->totp_session)? -1: 0;
        case COHORT__ENVELOPE__BODY_ERROR:
            return s_check_text ("error.message", m->error->message, PROTO_TEXT_MAX, 0);
        case COHORT__ENVELOPE__BODY_LAUNCH:
            if (s_check_text ("launch.study_cfg", m->launch->study_cfg, PROTO_CFG_MAX, 1)
            ||  s_check_role_cert ("launch.role_cert", m->launch->role_cert)
            ||  s_check_study_sig ("launch", m->launch->study_sig, m->launch->nonce)
            ||  s_check_totp ("launch", m->launch->totp, m->launch->totp_session))
                return -1;
            return *m->launch->study_cfg? 0: util_error (UTIL_EINPUT, "launch.study_cfg: empty");
        case COHORT__ENVELOPE__BODY_REPLY:
            return s_check_text ("reply.json", m->reply->json, PROTO_JSON_MAX, 1);
        default:
            return util_error (UTIL_EINPUT, "message: no body (unknown or missing message type)");
    }
}

int
proto_encode (const proto_msg_t *msg, uint8_t **out, size_t *len)
{
    if (proto_validate (msg))
        return -1;
    size_t size = cohort__envelope__get_packed_size (msg);
    if (size > PROTO_MSG_MAX)
        return util_error (UTIL_ELIMIT, "message: %zu bytes, more than %zu", size, PROTO_MSG_MAX);
    uint8_t *buf = util_malloc (size);
    if (!buf)
        return util_error_context ("message");
    cohort__envelope__pack (msg, buf);
    *out = buf;
    *len = size;
    return 0;
}

//  The decoder allocates through util_malloc, so that running out of
//  memory is told apart from bad input (protobuf-c returns NULL for both).
//  util_malloc is malloc, so the default allocator frees what it made.
static void *
s_pb_alloc (void *data, size_t size)
{
    void *p = util_malloc (size);
    if (!p)
        *(bool *) data = true;
    return p;
}

static void
s_pb_free (void *data, void *p)
{
    (void) data;
    free (p);
}

proto_msg_t *
proto_decode (const uint8_t *buf, size_t len)
{
    if (len > PROTO_MSG_MAX) {
        util_error (UTIL_ELIMIT, "message: %zu bytes, more than %zu", len, PROTO_MSG_MAX);
        return NULL;
    }
    bool oom = false;
    ProtobufCAllocator allocator = { s_pb_alloc, s_pb_free, &oom };
    proto_msg_t *msg = cohort__envelope__unpack (&allocator, len, buf);
    if (!msg) {
        if (oom)
            util_error_context ("message: decoding %zu bytes", len);
        else
            util_error (UTIL_EINPUT, "message: not a valid Cohort envelope (protobuf decoding failed)");
        return NULL;
    }
    if (proto_validate (msg)) {
        cohort__envelope__free_unpacked (msg, NULL);
        return NULL;
    }
    return msg;
}

void
proto_free (proto_msg_t **msg_p)
{
    if (msg_p && *msg_p) {
        cohort__envelope__free_unpacked (*msg_p, NULL);
        *msg_p = NULL;
    }
}

//  COHORT_WIRE_TRACE (proto/message.h): appends one record of `len` bytes
//  to the trace file, if one is set. A debugging hook: failures are logged
//  once per process and never stop the message.
static void
s_trace (const char *way, const uint8_t *data, size_t len)
{
    const char *path = getenv ("COHORT_WIRE_TRACE");
    if (!path || !*path)
        return;
    static bool warned = false;
    char head [64];
    int n = snprintf (head, sizeof head, "cohort-wire %s %zu\n", way, len);
    size_t size = (size_t) n + len + 1;
    uint8_t *record = util_malloc (size);
    int fd = record? open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600): -1;
    if (record) {
        memcpy (record, head, (size_t) n);
        memcpy (record + n, data, len);
        record [size - 1] = '\n';
    }
    if ((fd < 0 || write (fd, record, size) != (ssize_t) size)
    &&  !__atomic_exchange_n (&warned, true, __ATOMIC_RELAXED))
        zsys_warning ("COHORT_WIRE_TRACE %s: cannot append: %s", path,
                      record? strerror (errno): "out of memory");
    if (fd >= 0)
        close (fd);
    free (record);
}

int
proto_send (zsock_t *sock, zframe_t *identity, const proto_msg_t *msg)
{
    uint8_t *buf = NULL;            //  set by proto_encode (zeroed for -O3's flow analysis)
    size_t len = 0;
    if (proto_encode (msg, &buf, &len))
        return -1;
    s_trace ("send", buf, len);
    zmsg_t *zmsg = zmsg_new ();
    if (identity)
        zmsg_append (zmsg, &(zframe_t *) { zframe_dup (identity) });
    zframe_t *body = zframe_new (buf, len);
    free (buf);
    zmsg_append (zmsg, &body);
    if (zmsg_send (&zmsg, sock)) {
        zmsg_destroy (&zmsg);
        return util_error (UTIL_EIO, "send: %s", zmq_strerror (zmq_errno ()));
    }
    return 0;
}

proto_msg_t *
proto_recv (zsock_t *sock, zframe_t **identity)
{
    return proto_recv_user (sock, identity, NULL, 0);
}

proto_msg_t *
proto_recv_user (zsock_t *sock, zframe_t **identity, char *user_id, size_t size)
{
    if (user_id && size)
        user_id [0] = 0;
    if (identity)
        *identity = NULL;
    //  The body, after the routing identity on a ROUTER.
    size_t head = identity? 1: 0, frames;
    zmsg_t *zmsg = proto_recv_frames (sock, head + 1, &frames);
    if (!zmsg)
        return NULL;
    if (identity)
        *identity = zmsg_pop (zmsg);
    proto_msg_t *msg = NULL;
    if (frames != head + 1)
        util_error (UTIL_EINPUT, "message: %zu frames, expected 1", frames - head);
    else {
        zframe_t *frame = zmsg_first (zmsg);
        s_trace ("recv", zframe_data (frame), zframe_size (frame));
        msg = proto_decode (zframe_data (frame), zframe_size (frame));
        const char *user = user_id? zframe_meta (frame, "User-Id"): NULL;
        if (user && size)
            snprintf (user_id, size, "%s", user);
    }
    zmsg_destroy (&zmsg);
    return msg;
}

zmsg_t *
proto_recv_frames (zsock_t *sock, size_t max_frames, size_t *frames)
{
    *frames = 0;
    zmsg_t *msg = zmsg_new ();
    bool more = true;
    while (more) {
        zframe_t *frame = zframe_recv (sock);
        if (!frame) {
            //  The parts of a message arrive together: only the first
            //  receive can fail, on an interrupt or a timeout.
            if (*frames)
                break;
            zmsg_destroy (&msg);
            //  A receive timeout (ZMQ_RCVTIMEO) is EAGAIN: nothing arrived in time.
            if (zmq_errno () == EAGAIN)
                util_error (UTIL_EIO, "receive: nothing arrived in time");
            else
                util_error (UTIL_EFAIL, "receive: interrupted");
            return NULL;
        }
        more = zframe_more (frame);
        (*frames)++;
        if (msg && zmsg_size (msg) < max_frames)
            zmsg_append (msg, &frame);
        else
            zframe_destroy (&frame);
    }
    if (!msg)
        util_error (UTIL_ENOMEM, "receive: out of memory");
    return msg;
}

const char *
proto_body_name (const proto_msg_t *msg)
{
    switch (msg->body_case) {
        case COHORT__ENVELOPE__BODY_HELLO:           return "hello";
        case COHORT__ENVELOPE__BODY_OFFER:           return "offer";
        case COHORT__ENVELOPE__BODY_ACCEPT:          return "accept";
        case COHORT__ENVELOPE__BODY_DECLINE:         return "decline";
        case COHORT__ENVELOPE__BODY_ROUND_START:     return "round_start";
        case COHORT__ENVELOPE__BODY_UPDATE:          return "update";
        case COHORT__ENVELOPE__BODY_DECRYPT_REQUEST: return "decrypt_request";
        case COHORT__ENVELOPE__BODY_PARTIAL:         return "partial";
        case COHORT__ENVELOPE__BODY_ROUND_RESULT:    return "round_result";
        case COHORT__ENVELOPE__BODY_HEARTBEAT:       return "heartbeat";
        case COHORT__ENVELOPE__BODY_ERROR:           return "error";
        case COHORT__ENVELOPE__BODY_LAUNCH:          return "launch";
        case COHORT__ENVELOPE__BODY_STATUS_REQUEST:  return "status_request";
        case COHORT__ENVELOPE__BODY_REPORT_REQUEST:  return "report_request";
        case COHORT__ENVELOPE__BODY_REPLY:           return "reply";
        case COHORT__ENVELOPE__BODY_BUDGET_REQUEST:  return "budget_request";
        default:                                     return "none";
    }
}

const char *
proto_kind_name (Cohort__RoundKind kind)
{
    switch (kind) {
        case COHORT__ROUND_KIND__ROUND_KIND_TRAIN:   return "train";
        case COHORT__ROUND_KIND__ROUND_KIND_EVAL:    return "eval";
        case COHORT__ROUND_KIND__ROUND_KIND_STATS:   return "stats";
        case COHORT__ROUND_KIND__ROUND_KIND_QUERY:   return "query";
        case COHORT__ROUND_KIND__ROUND_KIND_FIT_STEP: return "fit_step";
        default:                                     return "?";
    }
}
