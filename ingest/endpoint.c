/*  ingest/endpoint.c - the CURVE ingest endpoint actor. */
#include "endpoint.h"
#include "proto/curve.h"
#include "proto/message.h"
#include "util/actor.h"
#include "util/alloc.h"
#include "util/codec.h"
#include "util/error.h"
#include "util/file.h"
#include "alerts.h"
#include "grants.h"

#include <czmq.h>
#include <openssl/crypto.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#define S_KEY_HEX 64
#define S_GROUP_MSGS 1024            //  requests in one group commit

struct _ingest_endpoint_t {
    zactor_t *actor;
    char *address;
};

typedef struct {
    const ingest_config_t *cfg;
    const char *cert_path;
} s_args_t;

//  What the actor owns while it serves.
typedef struct {
    zsock_t *pipe;
    zactor_t *auth;
    zsock_t *router;
    audit_log_t *audit;
    ingest_store_t *ingest;
    ingest_grants_t *grants;          //  the store's grants, for grant requests
    ingest_alerts_t *alerts;          //  rejection spikes per device
    //  The requests of one group commit and their frames.
    zmsg_t *msgs [S_GROUP_MSGS];
    size_t nmsgs;
    const uint8_t **frames;
    size_t *lens;
    ingest_reason_t *reasons;
    size_t nframes, cap;
} s_server_t;

int
ingest_key_file_read (const char *path, uint8_t key [32])
{
    char *text = NULL;
    size_t len = 0;
    //  At most what a key file holds (64 digits and a newline): a longer
    //  file is refused by its size, not read.
    if (util_file_read (path, S_KEY_HEX + 1, UTIL_FILE_PRIVATE | UTIL_FILE_SECRET, &text, &len)
    &&  util_last_code () != UTIL_ELIMIT)
        return -1;
    int rc = 0;
    if (!text || len != S_KEY_HEX + 1 || text [S_KEY_HEX] != '\n'
    ||  util_hex_decode (key, 32, text, S_KEY_HEX))
        rc = util_error (UTIL_EINPUT, "%s: a key file holds exactly 64 lower-case hex digits and a "
                         "newline", path);
    util_cleanse (text, len);
    free (text);
    if (rc)
        util_cleanse (key, 32);
    return rc;
}

static void
s_server_close (s_server_t *s)
{
    zsock_destroy (&s->router);
    zactor_destroy (&s->auth);
    ingest_grants_destroy (&s->grants);
    ingest_alerts_destroy (&s->alerts);
    ingest_store_destroy (&s->ingest);
    audit_log_destroy (&s->audit);
    free (s->frames);
    free (s->lens);
    free (s->reasons);
}

static int
s_server_open (s_server_t *s, const ingest_config_t *cfg, const char *cert_path)
{
    struct stat st;
    if (stat (cfg->gateways, &st) || !S_ISDIR (st.st_mode))
        return util_error (UTIL_EINPUT, "ingest: gateways: '%s' is not a directory", cfg->gateways);
    zcert_t *cert = proto_cert_load_secret ("ingest: the site certificate", cert_path);
    if (!cert)
        return -1;
    uint8_t key [INGEST_STORAGE_KEY_LEN];
    if (ingest_key_file_read (cfg->storage_key, key)) {
        proto_cert_destroy (&cert);
        return -1;
    }
    int rc = -1;
    s->audit = audit_log_open (cfg->audit, cfg->audit_origin);
    if (!s->audit) {
        util_error_context ("ingest");
        goto done;
    }
    s->ingest = ingest_store_open (cfg->store, key, s->audit);
    if (!s->ingest)
        goto done;
    s->grants = ingest_grants_open (cfg->store, s->audit);
    if (!s->grants)
        goto done;
    s->alerts = ingest_alerts_new (cfg->alert_rejects? cfg->alert_rejects: INGEST_ALERTS_REJECTS,
                                   cfg->alert_window_s? cfg->alert_window_s
                                                      : INGEST_ALERTS_WINDOW_S, s->audit);
    if (!s->alerts)
        goto done;
    s->auth = zactor_new (zauth, NULL);
    if (!s->auth || zstr_sendx (s->auth, "CURVE", cfg->gateways, NULL) || zsock_wait (s->auth)) {
        util_error (UTIL_EFAIL, "ingest: cannot start the ZAP handler");
        goto done;
    }
    s->router = zsock_new (ZMQ_ROUTER);
    if (!s->router) {
        util_error (UTIL_ENOMEM, "ingest: out of memory (socket)");
        goto done;
    }
    zsock_set_maxmsgsize (s->router, (int64_t) INGEST_ENDPOINT_PART_MAX);
    zsock_set_zap_domain (s->router, "cohort-ingest");
    zsock_set_curve_server (s->router, 1);
    zsock_set_router_handover (s->router, 1);
    //  The requests held per gateway connection, received and answers
    //  waiting: site.cfg ingest/queue (INGEST_ENDPOINT_QUEUE_DEFAULT). A
    //  full receive queue stops reading from that gateway (TCP pushes
    //  back); nothing is buffered beyond it.
    int queue = cfg->queue? (int) cfg->queue: INGEST_ENDPOINT_QUEUE_DEFAULT;
    zsock_set_sndhwm (s->router, queue);
    zsock_set_rcvhwm (s->router, queue);
    zcert_apply (cert, s->router);
    if (zsock_bind (s->router, "%s", cfg->endpoint) < 0) {
        util_error (UTIL_EIO, "ingest: cannot bind '%s': %s", cfg->endpoint, zmq_strerror (zmq_errno ()));
        goto done;
    }
    rc = 0;
done:
    util_cleanse (key, sizeof key);
    proto_cert_destroy (&cert);
    if (rc)
        s_server_close (s);
    return rc;
}

//  Sends a reply that starts with the request's identity and id, then
//  `parts` (each consumed, NULL-safe). Out of memory, the reply is not sent
//  and that is logged with `what`: a gateway's timeout makes it ask again.
static void
s_reply (s_server_t *s, zframe_t **identity, zframe_t **id, zframe_t **parts, size_t n,
         const char *what)
{
    zmsg_t *out = zmsg_new ();
    bool built = out && *identity && *id && zmsg_append (out, identity) == 0
              && zmsg_append (out, id) == 0;
    for (size_t i = 0; i < n; i++) {
        built = built && parts [i] && zmsg_append (out, &parts [i]) == 0;
        zframe_destroy (&parts [i]);
    }
    if (!built)
        zsys_error ("ingest: out of memory answering %s", what);
    else
        zmsg_send (&out, s->router);
    zmsg_destroy (&out);                //  NULL once sent
    zframe_destroy (identity);
    zframe_destroy (id);
}

//  Answers one request (identity, id, frames...; consumed) with a reason
//  byte per frame, from `reasons`, or INGEST_ENDPOINT_RESEND for every
//  frame when `reasons` is NULL.
static void
s_answer (s_server_t *s, zmsg_t **msg_p, const ingest_reason_t *reasons)
{
    zmsg_t *msg = *msg_p;
    *msg_p = NULL;
    zframe_t *identity = zmsg_pop (msg);
    zframe_t *id = zmsg_pop (msg);
    size_t n = zmsg_size (msg);
    zframe_t *answer = zframe_new (NULL, n);
    if (answer)
        for (size_t j = 0; j < n; j++)
            zframe_data (answer) [j] = reasons? (byte) reasons [j]: INGEST_ENDPOINT_RESEND;
    s_reply (s, &identity, &id, &answer, 1, "a request (the gateway will send it again)");
    zmsg_destroy (&msg);
}

//  Decides and commits the gathered frames, then answers every request.
static void
s_flush (s_server_t *s)
{
    int rc = 0;
    for (size_t at = 0; at < s->nframes; at += INGEST_BATCH_MAX) {
        size_t k = s->nframes - at < INGEST_BATCH_MAX? s->nframes - at
                                                         : INGEST_BATCH_MAX;
        if (rc == 0)
            rc = ingest_store_submit (s->ingest, s->frames + at, s->lens + at, k,
                                     zclock_time (), s->reasons + at);
        if (rc)
            for (size_t j = 0; j < k; j++)
                s->reasons [at + j] = (ingest_reason_t) INGEST_ENDPOINT_RESEND;
    }
    if (rc)
        zsys_error ("ingest: not committed, gateways will resend: %s", util_last_error ());
    //  Frames not decided (resend) are skipped by the detector.
    ingest_alerts_frames (s->alerts, zclock_time (), s->frames, s->lens, s->reasons,
                          s->nframes);
    size_t at = 0;
    for (size_t i = 0; i < s->nmsgs; i++) {
        size_t n = zmsg_size (s->msgs [i]) - 2;
        s_answer (s, &s->msgs [i], s->reasons + at);
        at += n;
    }
    s->nmsgs = s->nframes = 0;
}

//  True if msg (identity, id, ...) is a grant request.
static bool
s_is_grant (zmsg_t *msg)
{
    if (zmsg_size (msg) != 4)
        return false;
    zmsg_first (msg);
    zmsg_next (msg);
    zframe_t *marker = zmsg_next (msg);
    return zframe_streq (marker, INGEST_ENDPOINT_GRANT);
}

//  Decides one grant request (ingest_grants_add, as `cohort ingest grant`
//  does; it audits the decision) and answers it at once.
static void
s_grant (s_server_t *s, zmsg_t *msg)
{
    zframe_t *identity = zmsg_pop (msg);
    zframe_t *id = zmsg_pop (msg);
    zframe_t *marker = zmsg_pop (msg);
    zframe_t *envelope = zmsg_pop (msg);
    ingest_grant_reason_t r = INGEST_GRANT_OK;
    //  Not decided (out of memory, the store or the audit log failed):
    //  INGEST_ENDPOINT_RESEND, and the gateway may send it again.
    byte code = ingest_grants_add (s->grants, (const char *) zframe_data (envelope),
                                   zframe_size (envelope), zclock_time (), &r)
              ? INGEST_ENDPOINT_RESEND: (byte) r;
    char detail [UTIL_ERROR_MAX] = "";
    if (code != INGEST_GRANT_OK)
        util_error_copy (detail, sizeof detail);
    if (code == INGEST_ENDPOINT_RESEND)
        zsys_error ("ingest: a grant could not be decided: %s", detail);
    zframe_t *parts [] = { marker, zframe_new (&code, 1), zframe_new (detail, strlen (detail)) };
    s_reply (s, &identity, &id, parts, 3, "a grant (it was decided all the same)");
    zframe_destroy (&envelope);
    zmsg_destroy (&msg);
}

//  Refuses a request of `frames` parts, over INGEST_ENDPOINT_FRAMES_MAX
//  (msg holds its first parts: identity, id, ...; consumed): answered
//  [ id ] [ INGEST_ENDPOINT_REFUSED ] [ reason ], and logged.
static void
s_refuse (s_server_t *s, zmsg_t *msg, size_t frames)
{
    char reason [128];
    snprintf (reason, sizeof reason, "a request of %zu frames: at most %d a request", frames - 2,
              INGEST_ENDPOINT_FRAMES_MAX);
    zsys_warning ("ingest: refused %s", reason);
    zframe_t *identity = zmsg_pop (msg);
    zframe_t *id = zmsg_pop (msg);
    zframe_t *parts [] = { zframe_new (INGEST_ENDPOINT_REFUSED, strlen (INGEST_ENDPOINT_REFUSED)),
                           zframe_new (reason, strlen (reason)) };
    s_reply (s, &identity, &id, parts, 2, "a refused request");
    zmsg_destroy (&msg);
}

//  Receives the next request, keeping at most its identity, its id and
//  INGEST_ENDPOINT_FRAMES_MAX frames (proto_recv_frames): a longer one is
//  refused. NULL when there is none to take.
static zmsg_t *
s_recv (s_server_t *s)
{
    size_t frames;
    zmsg_t *msg = proto_recv_frames (s->router, 2 + INGEST_ENDPOINT_FRAMES_MAX, &frames);
    if (msg && frames > 2 + INGEST_ENDPOINT_FRAMES_MAX) {
        s_refuse (s, msg, frames);
        //  Nothing to group: an empty request is answered empty.
        return zmsg_new ();
    }
    return msg;
}

//  Takes one request off the router into the group. A message without an
//  id part is not a request: it is dropped. A grant request is decided at
//  once, after the frames gathered before it.
static int
s_take (s_server_t *s, zmsg_t *msg)
{
    if (zmsg_size (msg) < 2) {
        zmsg_destroy (&msg);
        return 0;
    }
    if (s_is_grant (msg)) {
        if (s->nmsgs)
            s_flush (s);
        s_grant (s, msg);
        return 0;
    }
    size_t n = zmsg_size (msg) - 2;
    if (s->nmsgs > 0 && (s->nframes + n > INGEST_BATCH_MAX || s->nmsgs == S_GROUP_MSGS))
        s_flush (s);
    if (s->nframes + n > s->cap) {
        //  Each array grows on its own; cap is raised once all three have.
        size_t cap = s->nframes + n;
        const uint8_t **frames = util_realloc_array (s->frames, cap, sizeof *frames);
        if (frames)
            s->frames = frames;
        size_t *lens = frames? util_realloc_array (s->lens, cap, sizeof *lens): NULL;
        if (lens)
            s->lens = lens;
        ingest_reason_t *reasons = lens? util_realloc_array (s->reasons, cap, sizeof *reasons)
                                       : NULL;
        if (!reasons) {
            //  Not taken: the gateway is told to send its frames again.
            util_error_context ("ingest: a request of %zu frames", n);
            s_answer (s, &msg, NULL);
            return -1;
        }
        s->reasons = reasons;
        s->cap = cap;
    }
    zmsg_first (msg);
    zmsg_next (msg);
    for (zframe_t *f = zmsg_next (msg); f; f = zmsg_next (msg)) {
        s->frames [s->nframes] = zframe_data (f);
        s->lens [s->nframes++] = zframe_size (f);
    }
    s->msgs [s->nmsgs++] = msg;
    return 0;
}

static void
s_log_counts (ingest_store_t *ingest)
{
    uint64_t counts [INGEST_REASON_COUNT];
    ingest_store_counts (ingest, counts);
    char line [512];
    size_t len = 0;
    for (int r = 0; r < INGEST_REASON_COUNT; r++)
        len += snprintf (line + len, sizeof line - len, "%s%s %llu", r? ", ": "",
                         ingest_reason_name ((ingest_reason_t) r), (unsigned long long) counts [r]);
    zsys_info ("ingest: %s", line);
}

//  Tells the caller the actor could not start: "ERROR" <code> <reason>, the
//  reason crossing to the caller's thread with its code. Everything of this
//  thread is released first, its OpenSSL state included: the thread is
//  detached, and the caller may exit the process once it has the answer.
static void
s_fail (zsock_t *pipe)
{
    util_error_saved_t why;
    util_error_save (&why);
    OPENSSL_thread_stop ();
    util_error_restore (&why);
    util_actor_failed (pipe);
}

static void
s_actor (zsock_t *pipe, void *args)
{
    const s_args_t *a = args;
    zsock_signal (pipe, 0);
    s_server_t *s = util_calloc (1, sizeof *s);
    zpoller_t *poller = NULL;
    char *address = NULL;
    if (!s || s_server_open (s, a->cfg, a->cert_path)) {
        free (s);
        s_fail (pipe);
        return;
    }
    if (!(poller = zpoller_new (pipe, s->router, NULL))
    ||  !(address = zsock_last_endpoint (s->router))) {
        util_error (UTIL_ENOMEM, "ingest: out of memory starting the endpoint");
        zpoller_destroy (&poller);
        s_server_close (s);
        free (s);
        s_fail (pipe);
        return;
    }
    zstr_sendx (pipe, "OK", address, NULL);
    zstr_free (&address);
    while (true) {
        void *which = zpoller_wait (poller, -1);
        if (which == s->router) {
            //  Everything already waiting joins this group commit.
            zmsg_t *msg = s_recv (s);
            while (msg) {
                if (s_take (s, msg))
                    zsys_error ("%s", util_last_error ());
                msg = s->nframes < INGEST_BATCH_MAX
                   && (zsock_events (s->router) & ZMQ_POLLIN)? s_recv (s): NULL;
            }
            s_flush (s);
        }
        else
        if (which == pipe) {
            char *command = zstr_recv (pipe);
            bool term = !command || streq (command, "$TERM");
            if (command && streq (command, "COUNTS")) {
                uint64_t counts [INGEST_REASON_COUNT];
                ingest_store_counts (s->ingest, counts);
                zsock_send (pipe, "b", counts, sizeof counts);
            }
            zstr_free (&command);
            if (term)
                break;
        }
        else
            break;
    }
    zpoller_destroy (&poller);
    s_log_counts (s->ingest);
    s_server_close (s);
    free (s);
    //  The actor thread is detached: OpenSSL's per-thread state goes now,
    //  before the caller (waiting for this return) can exit the process.
    OPENSSL_thread_stop ();
}

ingest_endpoint_t *
ingest_endpoint_new (const ingest_config_t *cfg, const char *cert_path)
{
    s_args_t args = { cfg, cert_path };
    ingest_endpoint_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->actor = zactor_new (s_actor, &args);
    //  "OK" <address>, or the actor's reason.
    if (!self->actor
    ||  util_actor_started (self->actor, "ingest endpoint", &self->address) || !self->address) {
        if (!self->actor)
            util_error (UTIL_EFAIL, "ingest endpoint: cannot start its actor");
        else
        if (util_last_code () == UTIL_OK || !*util_last_error ())
            util_error (UTIL_EFAIL, "ingest endpoint: started without an address");
        util_actor_destroy (&self->actor);
        zstr_free (&self->address);
        free (self);
        return NULL;
    }
    zsys_info ("ingest: gateways at %s (allowlist %s)", self->address, cfg->gateways);
    return self;
}

void
ingest_endpoint_destroy (ingest_endpoint_t **self_p)
{
    if (self_p && *self_p) {
        util_actor_destroy (&(*self_p)->actor);
        zstr_free (&(*self_p)->address);
        free (*self_p);
        *self_p = NULL;
    }
}

const char *
ingest_endpoint_address (const ingest_endpoint_t *self)
{
    return self->address;
}

int
ingest_endpoint_counts (ingest_endpoint_t *self, uint64_t counts [INGEST_REASON_COUNT])
{
    zframe_t *frame = NULL;
    if (zstr_send (self->actor, "COUNTS") || zsock_recv (self->actor, "f", &frame)
    ||  !frame || zframe_size (frame) != sizeof (uint64_t) * INGEST_REASON_COUNT) {
        zframe_destroy (&frame);
        return util_error (UTIL_EFAIL, "ingest: the endpoint did not report its counts");
    }
    memcpy (counts, zframe_data (frame), zframe_size (frame));
    zframe_destroy (&frame);
    return 0;
}
