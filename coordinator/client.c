/*  coordinator/client.c - analyst requests over CURVE. */
#include "client.h"
#include "util/alloc.h"
#include "util/config.h"
#include "util/error.h"
#include "util/codec.h"
#include "util/totp.h"
#include "proto/curve.h"
#include "proto/message.h"
#include "proto/rolecert.h"
#include "proto/signed.h"

#include <czmq.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

struct _coord_client_t {
    zsock_t *sock;
    int timeout_ms;
    char *path;                 //  analyst.cfg, to connect again
    char code [UTIL_TOTP_CODE_MAX + 1];     //  for the next request ("": none)
    char session [PROTO_TOTP_SESSION_LEN + 1];
    coord_client_totp_fn *prompt;
    void *prompt_arg;
    char *role_cert;            //  its role certificate, sent with each request
    audit_signer_t *signer;     //  signs each study it launches (proto/signed.h)
};

//  Reads analyst/role_cert, checked against analyst/sign_key (the key the
//  certificate names must be this analyst's), into self->role_cert.
static int
s_role_cert (coord_client_t *self, zconfig_t *root)
{
    const char *path = self->path;
    const char *cert = zconfig_get (root, "analyst/role_cert", NULL);
    const char *key = zconfig_get (root, "analyst/sign_key", NULL);
    if (!cert || !*cert || !key || !*key)
        return util_error (UTIL_EINPUT, "%s: analyst/%s: missing (role certificates are required: "
                           "cohort keygen consortium or cohort admin grant makes them)", path,
                           !cert || !*cert? "role_cert": "sign_key");
    char *cert_path = util_config_path (path, cert);
    char *key_path = util_config_path (path, key);
    audit_signer_t *signer = key_path? audit_signer_load (key_path): NULL;
    char *text = signer && cert_path? proto_rolecert_read (cert_path, signer, NULL, 0, NULL): NULL;
    free (cert_path);
    free (key_path);
    if (!text) {
        audit_signer_destroy (&signer);
        return util_error_context ("%s", path);
    }
    free (self->role_cert);
    self->role_cert = text;
    audit_signer_destroy (&self->signer);
    self->signer = signer;
    return 0;
}

//  Connects self->sock as analyst.cfg at self->path says.
static int
s_connect (coord_client_t *self)
{
    const char *path = self->path;
    zconfig_t *root = util_config_read (path);
    if (!root)
        return -1;
    int rc = -1;
    const char *endpoint = zconfig_get (root, "analyst/coordinator", NULL);
    const char *server = zconfig_get (root, "analyst/coordinator_cert", NULL);
    const char *cert = zconfig_get (root, "analyst/cert", NULL);
    const char *timeout = zconfig_get (root, "analyst/timeout_ms", "30000");
    const char *missing = !endpoint? "coordinator": !server? "coordinator_cert"
                        : !cert? "cert": NULL;
    char *end;
    long ms = strtol (timeout, &end, 10);
    if (missing)
        util_error (UTIL_EINPUT, "%s: analyst/%s: missing", path, missing);
    else
    if (*end || ms < 100 || ms > 86400000)
        util_error (UTIL_EINPUT, "%s: analyst/timeout_ms: '%s' is not in 100..86400000", path, timeout);
    else
    if (s_role_cert (self, root))
        ;
    else {
        char *server_path = util_config_path (path, server);
        char *cert_path = util_config_path (path, cert);
        zsock_t *sock = server_path && cert_path
                      ? proto_client_new (endpoint, cert_path, server_path): NULL;
        if (!sock)
            util_error_context ("%s", path);
        else {
            zsock_destroy (&self->sock);
            self->sock = sock;
            self->timeout_ms = (int) ms;
            zsock_set_rcvtimeo (sock, (int) ms);
            rc = 0;
        }
        free (server_path);
        free (cert_path);
    }
    zconfig_destroy (&root);
    return rc;
}

coord_client_t *
coord_client_new (const char *path)
{
    coord_client_t *self = util_calloc (1, sizeof *self);
    if (!self || !(self->path = util_strdup (path)) || s_connect (self))
        coord_client_destroy (&self);
    //  The session a code opens at the coordinator, presented instead of a
    //  code by this client's later requests (coordinator/totp.h).
    uint8_t token [PROTO_TOTP_SESSION_LEN / 2];
    if (self && RAND_bytes (token, sizeof token) != 1) {
        util_error (UTIL_ECRYPTO, "%s: the CSPRNG failed (TOTP session)", path);
        coord_client_destroy (&self);
    }
    if (self)
        util_hex_encode (self->session, token, sizeof token);
    util_cleanse (token, sizeof token);
    return self;
}

int
coord_client_set_totp (coord_client_t *self, const char *code)
{
    util_cleanse (self->code, sizeof self->code);
    if (!code || !*code)
        return 0;
    size_t len = strnlen (code, UTIL_TOTP_CODE_MAX + 1);
    if ((len != 6 && len != 8) || strspn (code, "0123456789") != len)
        return util_error (UTIL_EINPUT, "totp: a code is 6 or 8 digits");
    memcpy (self->code, code, len + 1);
    return 0;
}

void
coord_client_set_totp_prompt (coord_client_t *self, coord_client_totp_fn *prompt, void *arg)
{
    self->prompt = prompt;
    self->prompt_arg = arg;
}

void
coord_client_destroy (coord_client_t **self_p)
{
    if (self_p && *self_p) {
        zsock_destroy (&(*self_p)->sock);
        free ((*self_p)->path);
        free ((*self_p)->role_cert);
        audit_signer_destroy (&(*self_p)->signer);
        util_cleanse (*self_p, sizeof **self_p);
        free (*self_p);
        *self_p = NULL;
    }
}

static int s_request_once (coord_client_t *self, proto_msg_t *msg, json_t **json,
                           bool *no_code);

//  Sends msg (one of the four analyst requests, whose totp fields are
//  *code and *session) with this client's code and session, and waits for
//  the reply; *json gets the parsed answer. The code goes once: a request
//  refused for want of one is sent again with the prompt's code.
static int
s_request (coord_client_t *self, proto_msg_t *msg, char **code, char **session, json_t **json)
{
    *session = self->session;
    *code = self->code;
    bool no_code = false;
    int rc = s_request_once (self, msg, json, &no_code);
    util_cleanse (self->code, sizeof self->code);
    if (rc && no_code && self->prompt) {
        char entered [UTIL_TOTP_CODE_MAX + 2] = "";
        rc = self->prompt (entered, sizeof entered, self->prompt_arg)
          || coord_client_set_totp (self, entered)
           ? -1: s_request_once (self, msg, json, &no_code);
        util_cleanse (self->code, sizeof self->code);
        util_cleanse (entered, sizeof entered);
    }
    *code = (char *) "";
    *session = (char *) "";
    return rc;
}

static int
s_request_once (coord_client_t *self, proto_msg_t *msg, json_t **json, bool *no_code)
{
    *no_code = false;
    if (proto_send (self->sock, NULL, msg))
        return util_error_context ("request");
    while (true) {
        proto_msg_t *reply = proto_recv (self->sock, NULL);
        //  Only a timeout is "no answer" (UTIL_EIO, which coord_client_follow
        //  retries); a malformed reply keeps its own reason and code.
        if (!reply && util_last_code () == UTIL_EIO)
            return util_error (UTIL_EIO, "no answer from the coordinator within %d ms (is it "
                               "running, and is this analyst's certificate in its allowlist?)",
                               self->timeout_ms);
        if (!reply)
            return util_error_context ("the coordinator's answer");
        if (reply->body_case == COHORT__ENVELOPE__BODY_ERROR) {
            util_error (UTIL_EFAIL, "coordinator: %s", reply->error->message);
            proto_free (&reply);
            return -1;
        }
        if (reply->body_case != COHORT__ENVELOPE__BODY_REPLY) {
            proto_free (&reply);
            continue;
        }
        json_error_t err;
        json_t *answer = json_loads (reply->reply->json, 0, &err);
        bool ok = reply->reply->ok;
        proto_free (&reply);
        if (!answer)
            return util_error (UTIL_EINPUT, "coordinator: unreadable answer: %s", err.text);
        if (!ok) {
            const char *why = json_string_value (json_object_get (answer, "error"));
            const char *totp = json_string_value (json_object_get (answer, "totp"));
            *no_code = totp && !strcmp (totp, "missing");
            util_error (UTIL_EREFUSED, "coordinator: %s", why? why: "request refused");
            json_decref (answer);
            return -1;
        }
        *json = answer;
        return 0;
    }
}

int
coord_client_launch (coord_client_t *self, const char *study_cfg_text, char **study_id)
{
    Cohort__Launch launch = COHORT__LAUNCH__INIT;
    launch.study_cfg = (char *) study_cfg_text;
    launch.role_cert = self->role_cert;
    proto_study_sig_t sig;
    if (proto_study_sign (&sig, self->signer, study_cfg_text))
        return -1;
    launch.study_sig = (ProtobufCBinaryData) { PROTO_SIG_LEN, sig.sig };
    launch.signed_at = sig.signed_at;
    launch.nonce = (ProtobufCBinaryData) { PROTO_NONCE_LEN, sig.nonce };
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.study_id = "";
    msg.body_case = COHORT__ENVELOPE__BODY_LAUNCH;
    msg.launch = &launch;
    json_t *answer;
    if (s_request (self, &msg, &launch.totp, &launch.totp_session, &answer))
        return -1;
    const char *id = json_string_value (json_object_get (answer, "id"));
    int rc = !id? util_error (UTIL_EINPUT, "coordinator: the answer has no study id")
           : !(*study_id = util_strdup (id))? -1: 0;
    json_decref (answer);
    return rc;
}

int
coord_client_status (coord_client_t *self, const char *study_id, json_t **status)
{
    Cohort__StatusRequest req = COHORT__STATUS_REQUEST__INIT;
    req.role_cert = self->role_cert;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.study_id = (char *) (study_id? study_id: "");
    msg.body_case = COHORT__ENVELOPE__BODY_STATUS_REQUEST;
    msg.status_request = &req;
    return s_request (self, &msg, &req.totp, &req.totp_session, status);
}

int
coord_client_report (coord_client_t *self, const char *study_id, json_t **report)
{
    Cohort__ReportRequest req = COHORT__REPORT_REQUEST__INIT;
    req.role_cert = self->role_cert;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.study_id = (char *) (study_id? study_id: "");
    msg.body_case = COHORT__ENVELOPE__BODY_REPORT_REQUEST;
    msg.report_request = &req;
    return s_request (self, &msg, &req.totp, &req.totp_session, report);
}

int
coord_client_budget (coord_client_t *self, json_t **budget)
{
    Cohort__BudgetRequest req = COHORT__BUDGET_REQUEST__INIT;
    req.role_cert = self->role_cert;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.study_id = "";
    msg.body_case = COHORT__ENVELOPE__BODY_BUDGET_REQUEST;
    msg.budget_request = &req;
    return s_request (self, &msg, &req.totp, &req.totp_session, budget);
}

int
coord_client_follow (coord_client_t *self, const char *study_id, double timeout_s,
                     coord_client_progress_fn *progress, void *arg, json_t **final)
{
    *final = NULL;
    int64_t until = timeout_s > 0? zclock_mono () + (int64_t) (timeout_s * 1000): 0;
    //  Often at first (a query ends in well under a second), then every
    //  COORD_CLIENT_POLL_MS.
    int wait_ms = COORD_CLIENT_POLL_FIRST_MS;
    //  Where the study was last seen, for the message when time runs out.
    char seen [160] = "no status was answered";
    while (true) {
        json_t *status = NULL;
        if (coord_client_status (self, study_id, &status)) {
            //  No answer in time: the coordinator answers between rounds, so
            //  it may be busy. The late answer would be taken for the next
            //  request's, so the next one goes over a fresh connection.
            if (until && zclock_mono () > until)
                return util_error (UTIL_EFAIL, "study %s did not finish within %.0f s (waiting "
                                   "for the coordinator's answer; %s)", study_id, timeout_s,
                                   seen);
            if (!until || util_last_code () != UTIL_EIO)
                return util_error_context ("status of study %s", study_id);
            if (progress && progress (NULL, arg))
                return -1;
            if (s_connect (self))
                return -1;
            continue;
        }
        const char *state = json_string_value (json_object_get (status, "status"));
        bool over = state && (strcmp (state, "completed") == 0 || strcmp (state, "failed") == 0);
        snprintf (seen, sizeof seen, "last seen %s at round %lld of %lld", state? state: "?",
                  (long long) json_integer_value (json_object_get (status, "step")),
                  (long long) json_integer_value (json_object_get (status, "steps")));
        if (progress && progress (status, arg)) {
            json_decref (status);
            return -1;
        }
        if (over) {
            *final = status;
            return 0;
        }
        json_decref (status);
        if (until && zclock_mono () > until)
            return util_error (UTIL_EFAIL, "study %s did not finish within %.0f s (%s; it goes "
                               "on at the coordinator)", study_id, timeout_s, seen);
        zclock_sleep (wait_ms);
        wait_ms = wait_ms * 2 < COORD_CLIENT_POLL_MS? wait_ms * 2: COORD_CLIENT_POLL_MS;
    }
}

char *
coord_query_definition (const coord_query_request_t *r)
{
    //  ZPL has no escapes: the expression is quoted with the quote it does
    //  not use.
    const char *e = r->expr? r->expr: "";
    bool dq = strchr (e, '"') != NULL, sq = strchr (e, '\'') != NULL;
    if (dq && sq)
        return util_error_null (UTIL_EINPUT, "query: use one kind of quote (' or \") in the "
                                "query, not both");
    for (const char *c = e; *c; c++)
        if ((unsigned char) *c < 0x20)
            return util_error_null (UTIL_EINPUT, "query: control character 0x%02x in the query",
                                    (unsigned char) *c);
    const char *names [2] = { r->dataset? r->dataset: "", r->name? r->name: "" };
    for (int i = 0; i < 2; i++)
        for (const char *c = names [i]; *c; c++)
            if ((unsigned char) *c <= 0x20 || *c == '"' || *c == '\'' || *c == '#')
                return util_error_null (UTIL_EINPUT, "query: the %s holds a space, a quote or "
                                        "'#'", i? "name": "dataset name");
    char q = dq? '\'': '"';
    if (r->off)
        return util_asprintf ("query\n    name = \"%s\"\n    dataset = \"%s\"\n"
                              "    expr = %c%s%c\n    min_sites = %u\n    privacy\n"
                              "        off = true\n", r->name? r->name: "query",
                              r->dataset? r->dataset: "", q, e, q, r->min_sites);
    return util_asprintf ("query\n    name = \"%s\"\n    dataset = \"%s\"\n"
                          "    expr = %c%s%c\n    min_sites = %u\n    privacy\n"
                          "        epsilon = %.17g\n        delta = %.17g\n        off = false\n",
                          r->name? r->name: "query", r->dataset? r->dataset: "", q, e, q,
                          r->min_sites, r->epsilon, r->delta);
}

int
coord_client_query (coord_client_t *self, const coord_query_request_t *request,
                    double timeout_s, char **id, json_t **report)
{
    *id = NULL;
    *report = NULL;
    char *text = coord_query_definition (request);
    if (!text)
        return -1;
    int rc = coord_client_launch (self, text, id);
    free (text);
    if (rc)
        return -1;
    json_t *status = NULL;
    if (coord_client_follow (self, *id, timeout_s, NULL, NULL, &status))
        return -1;
    const char *state = json_string_value (json_object_get (status, "status"));
    char detail [UTIL_ERROR_MAX];
    snprintf (detail, sizeof detail, "%s",
              json_string_value (json_object_get (status, "status_detail"))
              ? json_string_value (json_object_get (status, "status_detail")): "");
    bool completed = state && !strcmp (state, "completed");
    json_decref (status);
    if (coord_client_report (self, *id, report))
        return util_error_context ("report of query %s", *id);
    if (!completed) {
        //  The sites' reasons tell the analyst why (a budget, a column).
        json_t *declined = json_object_get (json_object_get (*report, "job"), "declined");
        size_t at = strlen (detail), i;
        json_t *item;
        json_array_foreach (declined, i, item) {
            const char *site = json_string_value (json_object_get (item, "site"));
            const char *why = json_string_value (json_object_get (item, "reason"));
            if (site && why && at < sizeof detail)
                at += (size_t) snprintf (detail + at, sizeof detail - at, "; %s declined: %s",
                                         site, why);
        }
        return util_error (UTIL_EFAIL, "query %s failed: %s", *id, detail);
    }
    return 0;
}
