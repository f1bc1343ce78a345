/*  tests/e2e/e2e_roles.c - role certificates end to end, with real
    processes on loopback (a `cohort coordinator`, `cohort site` workers,
    and the `cohort` commands an analyst, an observer and the admin run).
    Usage: e2e_roles SCENARIO COHORT_BINARY SOURCE_DIR
    Scenarios:
      site_launch      a site's certificate cannot launch a study or a query
                       (its own CURVE key and signing key, an analyst config)
      analyst_as_site  an analyst's certificate cannot join as a site: not with
                       a free share index over the wire, not as `cohort site`
      squat            a site cannot take another's share index (or name), and a
                       hello without a certificate is refused; the real site
                       then joins with its own
      revoked          an analyst revoked with `cohort admin revoke` is refused
                       from the next request on (the coordinator reads the
                       list again)
      observer         an observer reads a query's status and report but
                       cannot launch
      revoked_site     a site revoked while connected is dropped at its next
                       hello and takes no part in the next study
    Every refusal at the coordinator is an audit entry (role.refused) in its
    log, which each scenario counts. Exit 0 on success; on failure (or with
    E2E_KEEP set) the consortium directory is kept.
*/
#include "consortium.h"
#include "audit/log.h"
#include "proto/curve.h"
#include "proto/message.h"
#include "util/error.h"

#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define CHECK E2E_CHECK

static e2e_t s_c;

//  Runs the cohort binary with `args` from the consortium directory; its
//  stdout and stderr into out. Returns the exit status (-1: not run).
static int
s_cohort (e2e_t *c, char *out, size_t cap, const char *args)
{
    char cmd [4096];
    snprintf (cmd, sizeof cmd, "cd '%s' && '%s' %s 2>&1", c->dir, c->cohort, args);
    FILE *p = popen (cmd, "r");
    if (!p)
        return -1;
    size_t n = fread (out, 1, cap - 1, p);
    out [n] = 0;
    int status = pclose (p);
    return WIFEXITED (status)? WEXITSTATUS (status): -1;
}

static char *
s_read (const char *path)
{
    FILE *f = fopen (path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc (1, 1 << 16);
    size_t n = buf? fread (buf, 1, (1 << 16) - 1, f): 0;
    fclose (f);
    if (buf)
        buf [n] = 0;
    return buf;
}

//  How many entries of the coordinator's audit log are refusals by role
//  certificate whose JSON holds `text` (-1 if the log cannot be read).
static int
s_refusals (e2e_t *c, const char *text)
{
    audit_log_t *log = audit_log_open (e2e_path (c, "coordinator.audit.db"), NULL);
    if (!log)
        return -1;
    int count = 0;
    for (uint64_t i = 0; i < audit_log_size (log); i++) {
        char *entry = audit_log_entry_json (log, i);
        if (entry && strstr (entry, "\"kind\":\"role.refused\"") && strstr (entry, text))
            count++;
        free (entry);
    }
    audit_log_destroy (&log);
    return count;
}

//  An analyst config `file` for the identity `who`: its CURVE certificate,
//  role certificate and signing key.
static int
s_analyst_cfg (e2e_t *c, const char *file, const char *who)
{
    FILE *f = fopen (e2e_path (c, file), "w");
    if (!f)
        return -1;
    fprintf (f, "analyst\n"
                "    coordinator = tcp://127.0.0.1:%u\n"
                "    coordinator_cert = certs/coordinator\n"
                "    cert = certs/%s_secret\n"
                "    role_cert = certs/%s.role\n"
                "    sign_key = keys/%s.sign\n"
                "    timeout_ms = 20000\n", c->port, who, who, who);
    return fclose (f);
}

//  Says hello as a site over a CURVE connection with the certificate of
//  `who`, claiming `name` and `index`, presenting the role certificate
//  file `role` (NULL: none); the coordinator's refusal goes into why.
//  Returns 0 when it was refused, -1 when it was not (or no answer).
static int
s_hello_refused (e2e_t *c, const char *who, const char *name, unsigned index, const char *role,
                 char *why, size_t size)
{
    char cert [512], server [512], endpoint [64];
    snprintf (cert, sizeof cert, "%s/certs/%s_secret", c->dir, who);
    snprintf (server, sizeof server, "%s/certs/coordinator", c->dir);
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%u", c->port);
    zsock_t *sock = proto_client_new (endpoint, cert, server);
    if (!sock)
        return -1;
    char *text = role? s_read (e2e_path (c, role)): NULL;
    Cohort__Hello hello = COHORT__HELLO__INIT;
    hello.role = "site";
    hello.name = (char *) name;
    hello.index = index;
    hello.role_cert = text? text: "";
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.study_id = "";
    msg.body_case = COHORT__ENVELOPE__BODY_HELLO;
    msg.hello = &hello;
    int rc = -1;
    if (proto_send (sock, NULL, &msg) == 0) {
        zsock_set_rcvtimeo (sock, 10000);
        proto_msg_t *reply = proto_recv (sock, NULL);
        if (reply && reply->body_case == COHORT__ENVELOPE__BODY_ERROR) {
            snprintf (why, size, "%s", reply->error->message);
            rc = 0;
        }
        else
            snprintf (why, size, "%s", reply? proto_body_name (reply): "no answer");
        proto_free (&reply);
    }
    free (text);
    zsock_destroy (&sock);
    return rc;
}

static int
s_site_launch (e2e_t *c)
{
    if (e2e_start_all (c))
        return -1;
    CHECK (e2e_write_study (c, NULL, "adam", 0.1, 1, 1, 20, false, 3, 0) == 0, "study.cfg");
    CHECK (s_analyst_cfg (c, "site-a-analyst.cfg", "site-a") == 0, "site-a-analyst.cfg");
    static char out [65536];
    int rc = s_cohort (c, out, sizeof out, "study launch study.cfg --analyst site-a-analyst.cfg");
    CHECK (rc == 1, "a site's certificate launched a study (exit %d): %s", rc, out);
    CHECK (strstr (out, "role certificate: 'site-a' is a site: only analysts launch studies and "
                        "queries"), "launch: %s", out);
    rc = s_cohort (c, out, sizeof out, "query 'count()' --dataset breast_cancer --privacy off "
                   "--analyst site-a-analyst.cfg");
    CHECK (rc == 1 && strstr (out, "only analysts launch"), "query (exit %d): %s", rc, out);
    //  A site cannot read reports either.
    rc = s_cohort (c, out, sizeof out, "study status --analyst site-a-analyst.cfg");
    CHECK (rc == 1 && strstr (out, "only analysts, observers and admins read"), "status (exit %d): %s",
           rc, out);
    CHECK (s_refusals (c, "site:site-a") == 3, "%d audit entries for site-a, not 3",
           s_refusals (c, "site:site-a"));
    //  The analyst's launch goes through.
    rc = s_cohort (c, out, sizeof out, "study launch study.cfg --wait");
    CHECK (rc == 0, "the analyst's launch (exit %d): %s", rc, out);
    return 0;
}

static int
s_analyst_as_site (e2e_t *c)
{
    c->skip [2] = true;             //  site-c's index 3 is free
    if (e2e_start_all (c))
        return -1;
    char why [1024];
    CHECK (s_hello_refused (c, "analyst", "site-c", 3, "certs/analyst.role", why, sizeof why) == 0,
           "the analyst joined as site-c: %s", why);
    CHECK (strstr (why, "'analyst' is an analyst, not a site: it cannot join as one"), "why: %s", why);
    CHECK (s_hello_refused (c, "analyst", "analyst", 3, "certs/analyst.role", why, sizeof why) == 0,
           "the analyst joined as itself: %s", why);
    CHECK (strstr (why, "not a site"), "why: %s", why);
    CHECK (s_refusals (c, "analyst:analyst") == 2, "%d audit entries, not 2",
           s_refusals (c, "analyst:analyst"));
    //  As `cohort site`: its own config check refuses before connecting.
    FILE *f = fopen (e2e_path (c, "sites/rogue.cfg"), "w");
    CHECK (f, "rogue.cfg");
    char *site = s_read (e2e_path (c, "sites/site-c.cfg"));
    CHECK (site, "site-c.cfg");
    //  site-c's config with the analyst's certificates in place of site-c's.
    for (char *line = strtok (site, "\n"); line; line = strtok (NULL, "\n")) {
        if (strstr (line, "cert = ../certs/site-c_secret"))
            line = "    cert = ../certs/analyst_secret";
        else
        if (strstr (line, "role_cert ="))
            line = "    role_cert = ../certs/analyst.role";
        else
        if (strstr (line, "sign_key ="))
            line = "    sign_key = ../keys/analyst.sign";
        fprintf (f, "%s\n", line);
    }
    free (site);
    CHECK (fclose (f) == 0, "rogue.cfg");
    static char out [65536];
    int rc = s_cohort (c, out, sizeof out, "site --config sites/rogue.cfg");
    CHECK (rc == 1 && strstr (out, "site/role_cert:") && strstr (out, "is for analyst 'analyst'"),
           "cohort site with an analyst's certificate (exit %d): %s", rc, out);
    //  The real site-c joins with index 3.
    c->skip [2] = false;
    CHECK (e2e_start_site (c, 2) == 0, "site-c: %s", util_last_error ());
    return 0;
}

static int
s_squat (e2e_t *c)
{
    c->skip [2] = true;
    if (e2e_start_all (c))
        return -1;
    char why [1024];
    //  site-b claims the free share 3 under its own name, then as site-c.
    CHECK (s_hello_refused (c, "site-b", "site-b", 3, "certs/site-b.role", why, sizeof why) == 0,
           "site-b took share 3: %s", why);
    CHECK (strstr (why, "names site 'site-b' with share 2, not 'site-b' with share 3"), "why: %s", why);
    CHECK (s_hello_refused (c, "site-b", "site-c", 3, "certs/site-b.role", why, sizeof why) == 0,
           "site-b joined as site-c: %s", why);
    CHECK (strstr (why, "not 'site-c' with share 3"), "why: %s", why);
    //  site-c's own certificate, presented on site-b's connection.
    CHECK (s_hello_refused (c, "site-b", "site-c", 3, "certs/site-c.role", why, sizeof why) == 0,
           "site-b joined with site-c's certificate: %s", why);
    CHECK (strstr (why, "names another CURVE key than the connection's"), "why: %s", why);
    //  No certificate at all.
    CHECK (s_hello_refused (c, "site-b", "site-b", 2, NULL, why, sizeof why) == 0,
           "a hello without a certificate was taken: %s", why);
    CHECK (strstr (why, "role certificate: none presented"), "why: %s", why);
    CHECK (s_refusals (c, "site:site-b") == 2, "%d entries for site:site-b, not 2",
           s_refusals (c, "site:site-b"));
    CHECK (s_refusals (c, "names another CURVE key") == 1, "%d entries for the borrowed "
           "certificate, not 1", s_refusals (c, "names another CURVE key"));
    CHECK (s_refusals (c, "none presented") == 1, "no entry for the hello without a certificate");
    c->skip [2] = false;
    CHECK (e2e_start_site (c, 2) == 0, "site-c: %s", util_last_error ());
    CHECK (e2e_write_study (c, NULL, "adam", 0.1, 1, 1, 20, false, 3, 0) == 0, "study.cfg");
    static char out [65536];
    int rc = s_cohort (c, out, sizeof out, "study launch study.cfg --wait");
    CHECK (rc == 0, "a study with the three real sites (exit %d): %s", rc, out);
    return 0;
}

static int
s_revoked (e2e_t *c)
{
    CHECK (e2e_start_coordinator (c) == 0, "coordinator: %s", util_last_error ());
    static char out [65536];
    //  No study yet: the analyst is answered (a refusal that is not a role's).
    int rc = s_cohort (c, out, sizeof out, "study status");
    CHECK (!strstr (out, "role certificate"), "status before revocation: %s", out);
    rc = s_cohort (c, out, sizeof out, "admin revoke analyst --admin-key keys/admin.key "
                   "--list revocations.note");
    CHECK (rc == 0 && strstr (out, "revoked analyst (serial "), "admin revoke (exit %d): %s", rc, out);
    rc = s_cohort (c, out, sizeof out, "study status");
    CHECK (rc == 1 && strstr (out, "'analyst' (serial ") && strstr (out, "is revoked"),
           "status after revocation (exit %d): %s", rc, out);
    CHECK (e2e_write_study (c, NULL, "adam", 0.1, 1, 1, 20, false, 3, 0) == 0, "study.cfg");
    rc = s_cohort (c, out, sizeof out, "study launch study.cfg");
    CHECK (rc == 1 && strstr (out, "is revoked"), "launch after revocation (exit %d): %s", rc, out);
    CHECK (s_refusals (c, "is revoked") == 2, "%d audit entries, not 2", s_refusals (c, "is revoked"));
    //  The observer is not revoked.
    rc = s_cohort (c, out, sizeof out, "study status --analyst observer.cfg");
    CHECK (!strstr (out, "role certificate"), "the observer: %s", out);
    rc = s_cohort (c, out, sizeof out, "admin list --admin-key keys/admin.pub --list revocations.note");
    CHECK (rc == 0 && strstr (out, "analyst  analyst") && strstr (out, "revoked\n")
           && strstr (out, "1 entries"), "admin list (exit %d): %s", rc, out);
    return 0;
}

static int
s_revoked_site (e2e_t *c)
{
    if (e2e_start_all (c))
        return -1;
    static char out [65536];
    int rc = s_cohort (c, out, sizeof out, "admin revoke site-c --admin-key keys/admin.key "
                       "--list revocations.note");
    CHECK (rc == 0, "admin revoke (exit %d): %s", rc, out);
    //  Sites say hello every 2 s.
    CHECK (e2e_wait_log (c, "coordinator", "site site-c (share 3) dropped", 10000),
           "site-c was not dropped");
    CHECK (s_refusals (c, "is revoked") >= 1, "no audit entry for site-c's hello");
    //  Three sites required, two left: the offer fails with the reason.
    CHECK (e2e_write_study (c, NULL, "adam", 0.1, 1, 1, 20, false, 3, 0) == 0, "study.cfg");
    rc = s_cohort (c, out, sizeof out, "study launch study.cfg --wait");
    CHECK (rc == 1 && strstr (out, "2 of 3 required sites accepted"), "study (exit %d): %s", rc, out);
    return 0;
}

static int
s_observer (e2e_t *c)
{
    if (e2e_start_all (c))
        return -1;
    static char out [65536];
    int rc = s_cohort (c, out, sizeof out, "query 'count()' --dataset breast_cancer --privacy off --json");
    CHECK (rc == 0, "the analyst's query (exit %d): %s", rc, out);
    const char *at = strstr (out, "\"id\": \"");
    if (!at)
        at = strstr (out, "\"id\":\"");
    CHECK (at, "no study id in the report: %.200s", out);
    at = strchr (at + 5, '"') + 1;
    char id [64];
    snprintf (id, sizeof id, "%.*s", (int) strcspn (at, "\""), at);
    char args [256];
    snprintf (args, sizeof args, "report %s --analyst observer.cfg", id);
    rc = s_cohort (c, out, sizeof out, args);
    CHECK (rc == 0 && strstr (out, id), "the observer's report (exit %d): %.300s", rc, out);
    snprintf (args, sizeof args, "study status %s --analyst observer.cfg", id);
    rc = s_cohort (c, out, sizeof out, args);
    CHECK (rc == 0 && strstr (out, "completed"), "the observer's status (exit %d): %.300s", rc, out);
    CHECK (e2e_write_study (c, NULL, "adam", 0.1, 1, 1, 20, false, 3, 0) == 0, "study.cfg");
    rc = s_cohort (c, out, sizeof out, "study launch study.cfg --analyst observer.cfg");
    CHECK (rc == 1 && strstr (out, "'observer' is an observer: only analysts launch"),
           "the observer's launch (exit %d): %s", rc, out);
    rc = s_cohort (c, out, sizeof out, "query 'count()' --dataset breast_cancer --privacy off "
                   "--analyst observer.cfg");
    CHECK (rc == 1 && strstr (out, "only analysts launch"), "the observer's query (exit %d): %s",
           rc, out);
    CHECK (s_refusals (c, "observer:observer") == 2, "%d audit entries, not 2",
           s_refusals (c, "observer:observer"));
    return 0;
}

int
main (int argc, char **argv)
{
    if (argc != 4) {
        fprintf (stderr, "usage: e2e_roles SCENARIO COHORT SOURCE_DIR\n");
        return 2;
    }
    zsys_init ();
    zsys_set_logstream (stderr);
    signal (SIGPIPE, SIG_IGN);
    const char *scenario = argv [1];
    struct {
        const char *name;
        int (*run) (e2e_t *);
    } scenarios [] = {
        { "site_launch", s_site_launch },
        { "analyst_as_site", s_analyst_as_site },
        { "squat", s_squat },
        { "revoked", s_revoked },
        { "observer", s_observer },
        { "revoked_site", s_revoked_site },
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
        fprintf (stderr, "e2e roles %s: %s\n", scenario, rc? "FAILED": "passed");
        return rc? 1: 0;
    }
    fprintf (stderr, "e2e: unknown scenario '%s'\n", scenario);
    return 2;
}
