/*  tests/e2e/e2e_alerts.c - anomaly detection and rate limits with real
    coordinator and site processes (issue 14).

    Scenarios (argv[1]):
      auth_burst    clients with a key that is not allowlisted connect again
                    and again: the coordinator's ZAP handler refuses each
                    handshake, and its audit log gets an alert.auth_failures
                    naming the key, which `cohort audit alerts` lists
      rate_limit    an analyst over queries_per_hour is refused with the
                    figures, and the refusal is in the audit log
                    (ratelimit.refused); the queries before it completed
    Exit 0 on success; on failure (or with E2E_KEEP set) the consortium
    directory is kept.
*/
#include "consortium.h"
#include "coordinator/client.h"
#include "audit/log.h"
#include "he/he.h"
#include "proto/curve.h"
#include "util/error.h"

#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK E2E_CHECK
#define S_STRANGERS 8

static e2e_t s_c;

//  Appends an alerts section to DIR/coordinator.cfg.
static int
s_alerts_cfg (e2e_t *c, const char *lines)
{
    FILE *f = fopen (e2e_path (c, "coordinator.cfg"), "a");
    if (!f)
        return -1;
    fprintf (f, "alerts\n%s", lines);
    return fclose (f);
}

//  Runs `cohort ARGS` and returns its standard output (free), or NULL.
static char *
s_cohort (e2e_t *c, const char *args)
{
    char command [1024];
    snprintf (command, sizeof command, "'%s' %s", c->cohort, args);
    FILE *p = popen (command, "r");
    if (!p)
        return NULL;
    size_t cap = 1 << 20, len = 0;
    char *out = malloc (cap);
    while (out && len < cap - 1) {
        size_t n = fread (out + len, 1, cap - 1 - len, p);
        if (n == 0)
            break;
        len += n;
    }
    int status = pclose (p);
    if (out)
        out [len] = 0;
    if (status != 0) {
        fprintf (stderr, "e2e: `cohort %s` exited %d:\n%s\n", args, status, out? out: "");
        free (out);
        return NULL;
    }
    return out;
}

//  Whether the coordinator's audit log holds an entry of `kind` whose
//  actor or detail contains `text`.
static bool
s_audited (e2e_t *c, const char *kind, const char *text)
{
    audit_log_t *log = audit_log_open (e2e_path (c, "coordinator.audit.db"), NULL);
    bool found = false;
    for (uint64_t i = 0; log && !found && i < audit_log_size (log); i++) {
        char *entry = audit_log_entry_json (log, i);
        json_t *j = entry? json_loads (entry, 0, NULL): NULL;
        const char *k = json_string_value (json_object_get (j, "kind"));
        const char *actor = json_string_value (json_object_get (j, "actor"));
        const char *detail = json_string_value (json_object_get (j, "detail"));
        found = k && !strcmp (k, kind) && actor && detail
             && (strstr (actor, text) || strstr (detail, text));
        json_decref (j);
        free (entry);
    }
    audit_log_destroy (&log);
    return found;
}

static int
s_auth_burst (e2e_t *c)
{
    CHECK (s_alerts_cfg (c, "    auth_failures = 5\n    auth_window_s = 60\n") == 0,
           "coordinator.cfg");
    CHECK (e2e_start_coordinator (c) == 0, "coordinator did not start: %s", util_last_error ());
    char endpoint [64], secret [512], server [512];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%u", c->port);
    snprintf (secret, sizeof secret, "%s", e2e_path (c, "certs/stranger_secret"));
    snprintf (server, sizeof server, "%s", e2e_path (c, "certs/coordinator"));
    zcert_t *cert = zcert_load (e2e_path (c, "certs/stranger"));
    CHECK (cert, "the stranger's certificate");
    char key [41];
    snprintf (key, sizeof key, "%s", zcert_public_txt (cert));
    zcert_destroy (&cert);
    //  A burst: more connections than auth_failures (a connection alone
    //  starts the handshake; libzmq may or may not retry a refused one).
    zsock_t *clients [S_STRANGERS] = { NULL };
    for (int i = 0; i < S_STRANGERS; i++) {
        clients [i] = proto_client_new (endpoint, secret, server);
        CHECK (clients [i], "stranger client: %s", util_last_error ());
    }
    bool alerted = e2e_wait_log (c, "coordinator", "alert.auth_failures", 30000);
    for (int i = 0; i < S_STRANGERS; i++)
        zsock_destroy (&clients [i]);
    CHECK (alerted, "no alert.auth_failures in the coordinator's log");
    //  In the audit log, naming the key, and listed by `cohort audit alerts`.
    CHECK (s_audited (c, "alert.auth_failures", key), "no alert for key %s in the audit log", key);
    char args [600];
    snprintf (args, sizeof args, "audit alerts --log '%s' --json",
              e2e_path (c, "coordinator.audit.db"));
    char *out = s_cohort (c, args);
    CHECK (out, "cohort audit alerts failed");
    json_t *list = json_loads (out, 0, NULL);
    free (out);
    CHECK (json_is_array (list) && json_array_size (list) >= 1, "no alert listed");
    bool named = false;
    size_t i;
    json_t *alert;
    json_array_foreach (list, i, alert) {
        json_t *detail = json_object_get (alert, "detail");
        const char *k = json_string_value (json_object_get (detail, "key"));
        if (!strcmp (json_string_value (json_object_get (alert, "kind")), "alert.auth_failures")
        &&  k && !strcmp (k, key)
        &&  json_integer_value (json_object_get (detail, "failures")) == 5
        &&  !strcmp (json_string_value (json_object_get (detail, "address")), "127.0.0.1"))
            named = true;
    }
    json_decref (list);
    CHECK (named, "cohort audit alerts does not list the key's burst with its figures");
    //  The allowlisted analyst is still served.
    coord_client_t *analyst = coord_client_new (e2e_path (c, "analyst.cfg"));
    CHECK (analyst, "analyst config: %s", util_last_error ());
    json_t *status = NULL;
    int rc = coord_client_status (analyst, NULL, &status);
    CHECK (rc == 0 || strstr (util_last_error (), "no such study"),
           "the analyst got no answer: %s", util_last_error ());
    json_decref (status);
    coord_client_destroy (&analyst);
    return 0;
}

static int
s_query (e2e_t *c, const char *expr, json_t **report)
{
    coord_client_t *client = coord_client_new (e2e_path (c, "analyst.cfg"));
    if (!client)
        return -1;
    coord_query_request_t req = { .expr = expr, .dataset = "breast_cancer", .epsilon = 1,
                                  .delta = 1e-5, .off = true, .min_sites = 2 };
    char *id = NULL;
    int rc = coord_client_query (client, &req, 120, &id, report);
    free (id);
    coord_client_destroy (&client);
    return rc;
}

static int
s_rate_limit (e2e_t *c)
{
    CHECK (s_alerts_cfg (c, "    queries_per_hour = 2\n") == 0, "coordinator.cfg");
    if (e2e_start_all (c))
        return -1;
    const char *queries [] = { "mean(mean_radius)", "count(by=malignant)" };
    for (int i = 0; i < 2; i++) {
        json_t *report = NULL;
        CHECK (s_query (c, queries [i], &report) == 0, "query %d: %s", i, util_last_error ());
        json_decref (report);
    }
    json_t *report = NULL;
    CHECK (s_query (c, "mean(mean_texture)", &report) == -1, "the third query was not refused");
    json_decref (report);
    CHECK (strstr (util_last_error (), "rate limit: 2 queries in the last hour"),
           "unexpected refusal: %s", util_last_error ());
    CHECK (s_audited (c, "ratelimit.refused", "\"limit\":2"), "no ratelimit.refused audited");
    return 0;
}

int
main (int argc, char **argv)
{
    if (argc != 4) {
        fprintf (stderr, "usage: e2e_alerts SCENARIO COHORT SOURCE_DIR\n");
        return 2;
    }
    he_init ();
    zsys_init ();
    zsys_set_logstream (stderr);
    signal (SIGPIPE, SIG_IGN);
    const char *scenario = argv [1];
    struct {
        const char *name;
        int (*run) (e2e_t *);
    } scenarios [] = {
        { "auth_burst", s_auth_burst },
        { "rate_limit", s_rate_limit },
    };
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios [0]; i++) {
        if (strcmp (scenario, scenarios [i].name))
            continue;
        if (e2e_setup (&s_c, argv [2], argv [3], 3, 2, 512, 10000, false)) {
            fprintf (stderr, "e2e: set-up failed in %s\n", s_c.dir);
            return 1;
        }
        int rc = scenarios [i].run (&s_c);
        if (e2e_teardown (&s_c, rc != 0 || getenv ("E2E_KEEP")))
            rc = -1;
        fprintf (stderr, "e2e alerts %s: %s\n", scenario, rc? "FAILED": "passed");
        return rc? 1: 0;
    }
    fprintf (stderr, "e2e: unknown scenario '%s'\n", scenario);
    return 2;
}
