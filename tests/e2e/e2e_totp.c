/*  tests/e2e/e2e_totp.c - TOTP (RFC 6238) for analysts, end to end with
    real processes: `cohort admin totp-enrol` enrols the analyst (the URI
    file it writes is the analyst's authenticator here), a real `cohort
    coordinator` with `totp = totp.db` checks every analyst request, the
    analyst client and the `cohort budget` / `cohort study status` commands
    ask. Usage: e2e_totp SCENARIO COHORT_BINARY SOURCE_DIR
    Scenarios:
      codes     a request without a code, with a wrong code, with a code
                already used (also after the coordinator restarts, and in
                the window's earlier step), and from a key that is not
                enrolled is refused; a right, fresh code works, and its
                session carries the client's later requests; each refusal
                is an audit entry totp.refused with its reason
      cooloff   totp_max_failures wrong codes start a cooling-off (audit
                entry totp.locked) in which even a right code is refused
    No test waits for a new 30 s step: the server accepts the steps either
    side of its own, so the current step's code and the next one's are two
    distinct valid codes.
    Exit 0 on success; on failure (or with E2E_KEEP set) the consortium
    directory is kept.
*/
#include "consortium.h"
#include "coordinator/client.h"
#include "util/error.h"
#include "util/file.h"
#include "util/totp.h"

#include <czmq.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#define CHECK E2E_CHECK

static e2e_t s_c;
static util_totp_key_t s_key;       //  the analyst's authenticator

//  Runs `cohort ARGS` in the consortium directory with `env` (NULL: none)
//  set; its exit status, its stderr into err (size bytes).
static int
s_cohort (e2e_t *c, const char *env, char *err, size_t size, const char *args)
{
    char cmd [2048];
    snprintf (cmd, sizeof cmd, "cd '%s' && %s '%s' %s 2>logs/cli.err >logs/cli.out", c->dir,
              env? env: "", c->cohort, args);
    int status = system (cmd);
    err [0] = '\0';
    FILE *f = fopen (e2e_path (c, "logs/cli.err"), "r");
    if (f) {
        size_t n = fread (err, 1, size - 1, f);
        err [n] = '\0';
        fclose (f);
    }
    return WIFEXITED (status)? WEXITSTATUS (status): -1;
}

//  The analyst's code at step `step`.
static void
s_code (char *out, uint64_t step)
{
    uint32_t code;
    if (util_hotp (&code, &s_key, step))
        code = 0;
    util_totp_format (out, code, s_key.digits);
}

//  A code no step near `t` gives.
static void
s_wrong (char *out, uint64_t t)
{
    for (uint32_t guess = 0; ; guess++) {
        util_totp_format (out, guess, s_key.digits);
        bool hit = false;
        for (int d = -2; d <= 2; d++) {
            char right [UTIL_TOTP_CODE_MAX + 1];
            s_code (right, t + (uint64_t) (int64_t) d);
            hit |= !strcmp (right, out);
        }
        if (!hit)
            return;
    }
}

//  Turns TOTP on in coordinator.cfg, enrols the analyst with the real
//  command and reads its URI back as the authenticator would.
static int
s_enrol (e2e_t *c, const char *extra)
{
    FILE *f = fopen (e2e_path (c, "coordinator.cfg"), "a");
    CHECK (f, "coordinator.cfg: cannot append");
    fprintf (f, "    totp = totp.db\n%s", extra);
    CHECK (fclose (f) == 0, "coordinator.cfg: cannot write");
    char err [2048];
    int rc = s_cohort (c, NULL, err, sizeof err, "admin totp-enrol analyst --curve-key "
                       "certs/analyst --config coordinator.cfg --out analyst.totp");
    CHECK (rc == 0, "totp-enrol: exit %d: %s", rc, err);
    CHECK (strstr (err, "analyst enrolled"), "totp-enrol said: %s", err);
    //  Enrolling the same name again is refused without --force.
    rc = s_cohort (c, NULL, err, sizeof err, "admin totp-enrol analyst --curve-key "
                   "certs/analyst --config coordinator.cfg --out again.totp");
    CHECK (rc == 1 && strstr (err, "already enrolled"), "a second enrolment: %d %s", rc, err);
    //  The secret's files are their owner's alone.
    struct stat st;
    CHECK (stat (e2e_path (c, "analyst.totp"), &st) == 0 && (st.st_mode & 0777) == 0600,
           "analyst.totp: mode %o", (unsigned) (st.st_mode & 0777));
    CHECK (stat (e2e_path (c, "totp.db"), &st) == 0 && (st.st_mode & 0777) == 0600,
           "totp.db: mode %o", (unsigned) (st.st_mode & 0777));
    char *uri = NULL;
    size_t len = 0;
    CHECK (util_file_read (e2e_path (c, "analyst.totp"), 4096, 0, &uri, &len) == 0,
           "analyst.totp: %s", util_last_error ());
    uri [strcspn (uri, "\n")] = '\0';
    char label [64];
    int parsed = util_totp_uri_parse (&s_key, label, sizeof label, uri);
    CHECK (parsed == 0, "analyst.totp: %s", util_last_error ());
    CHECK (!strncmp (uri, "otpauth://totp/e2e:analyst?secret=", 34), "uri: %.40s", uri);
    CHECK (!strcmp (label, "analyst") && s_key.secret_len == UTIL_TOTP_SECRET_BYTES
           && s_key.digits == 6 && s_key.hash == UTIL_TOTP_SHA1, "uri: unexpected key");
    free (uri);
    return 0;
}

//  A budget request from a new client of analyst.cfg carrying `code`:
//  0 when answered, else -1 with the coordinator's reason in the error slot.
static int
s_ask (e2e_t *c, const char *cfg, const char *code)
{
    coord_client_t *client = coord_client_new (e2e_path (c, cfg));
    if (!client)
        return -1;
    json_t *answer = NULL;
    int rc = coord_client_set_totp (client, code) || coord_client_budget (client, &answer)
           ? -1: 0;
    json_decref (answer);
    coord_client_destroy (&client);
    return rc;
}

//  How many audit entries of `kind` (and, if set, whose detail holds
//  `detail`) the coordinator's log holds.
static int
s_audited (e2e_t *c, const char *kind, const char *detail)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int n = -1;
    if (sqlite3_open_v2 (e2e_path (c, "coordinator.audit.db"), &db, SQLITE_OPEN_READONLY, NULL)
        == SQLITE_OK
    &&  sqlite3_prepare_v2 (db, "SELECT count(*) FROM entries WHERE kind = ?1 AND "
                            "instr(detail, ?2) > 0", -1, &st, NULL) == SQLITE_OK
    &&  sqlite3_bind_text (st, 1, kind, -1, SQLITE_STATIC) == SQLITE_OK
    &&  sqlite3_bind_text (st, 2, detail? detail: "", -1, SQLITE_STATIC) == SQLITE_OK
    &&  sqlite3_step (st) == SQLITE_ROW)
        n = sqlite3_column_int (st, 0);
    sqlite3_finalize (st);
    sqlite3_close (db);
    return n;
}

static int
s_codes (e2e_t *c)
{
    if (s_enrol (c, ""))
        return -1;
    CHECK (e2e_start_coordinator (c) == 0, "coordinator: %s", util_last_error ());
    uint64_t t = util_totp_step ((int64_t) time (NULL));
    char now [UTIL_TOTP_CODE_MAX + 1], next [UTIL_TOTP_CODE_MAX + 1];
    char before [UTIL_TOTP_CODE_MAX + 1], wrong [UTIL_TOTP_CODE_MAX + 1];
    s_code (now, t);
    s_code (next, t + 1);
    s_code (before, t - 1);
    s_wrong (wrong, t);
    //  No code.
    CHECK (s_ask (c, "analyst.cfg", NULL) == -1 && strstr (util_last_error (),
           "needs a TOTP code"), "no code: %s", util_last_error ());
    //  A wrong code.
    CHECK (s_ask (c, "analyst.cfg", wrong) == -1 && strstr (util_last_error (),
           "totp: wrong code"), "a wrong code: %s", util_last_error ());
    //  The right, fresh code; then its session carries the same client's
    //  status and report requests without a code.
    coord_client_t *client = coord_client_new (e2e_path (c, "analyst.cfg"));
    CHECK (client, "analyst: %s", util_last_error ());
    json_t *answer = NULL;
    CHECK (coord_client_set_totp (client, now) == 0, "set code");
    CHECK (coord_client_budget (client, &answer) == 0, "the right code: %s", util_last_error ());
    json_decref (answer);
    answer = NULL;
    int rc = coord_client_status (client, NULL, &answer);
    CHECK (rc == 0 || strstr (util_last_error (), "no such study"),
           "the session's status: %s", util_last_error ());
    json_decref (answer);
    answer = NULL;
    CHECK (coord_client_budget (client, &answer) == 0, "the session: %s", util_last_error ());
    json_decref (answer);
    coord_client_destroy (&client);
    //  The same code again, from a new client (no session): a replay; and
    //  the window's earlier step, right but older than the one used.
    CHECK (s_ask (c, "analyst.cfg", now) == -1 && strstr (util_last_error (), "used already"),
           "a replayed code: %s", util_last_error ());
    CHECK (s_ask (c, "analyst.cfg", before) == -1 && strstr (util_last_error (),
           "used already"), "an earlier step's code: %s", util_last_error ());
    //  The next step's code is fresh: through the command line, from the
    //  environment. Then the same code by --totp is a replay, exit 1.
    char env [64], err [2048];
    snprintf (env, sizeof env, "COHORT_TOTP=%s", next);
    rc = s_cohort (c, env, err, sizeof err, "budget --analyst analyst.cfg --json");
    CHECK (rc == 0, "cohort budget with the next code: exit %d: %s", rc, err);
    char args [256];
    snprintf (args, sizeof args, "study status --analyst analyst.cfg --totp %s", next);
    rc = s_cohort (c, NULL, err, sizeof err, args);
    CHECK (rc == 1 && strstr (err, "used already"), "a replay by --totp: %d %s", rc, err);
    rc = s_cohort (c, NULL, err, sizeof err, "budget --analyst analyst.cfg --totp 12ab56");
    CHECK (rc == 1 && strstr (err, "a code is 6 or 8 digits"), "--totp 12ab56: %d %s", rc, err);
    //  A restart does not reopen the window: the used step is in totp.db.
    CHECK (sim_fed_kill (c->fed, SIM_FED_COORDINATOR, false) == 0, "stop: %s", util_last_error ());
    CHECK (e2e_start_coordinator (c) == 0, "restart: %s", util_last_error ());
    CHECK (s_ask (c, "analyst.cfg", next) == -1 && strstr (util_last_error (), "used already"),
           "a replay after a restart: %s", util_last_error ());
    //  A key that is not enrolled (the observer's: allowlisted, with a valid
    //  role certificate that may read budgets) is refused.
    CHECK (s_ask (c, "observer.cfg", now) == -1 && strstr (util_last_error (),
           "not enrolled"), "an unenrolled key: %s", util_last_error ());
    //  Every refusal is in the audit log with its reason.
    CHECK (s_audited (c, "totp.refused", "\"reason\":\"missing\"") >= 1, "no missing entry");
    CHECK (s_audited (c, "totp.refused", "\"reason\":\"wrong\"") == 1, "no wrong entry");
    CHECK (s_audited (c, "totp.refused", "\"reason\":\"replayed\"") == 4, "replayed entries: %d",
           s_audited (c, "totp.refused", "\"reason\":\"replayed\""));
    CHECK (s_audited (c, "totp.refused", "\"reason\":\"unenrolled\"") == 1, "no unenrolled");
    CHECK (s_audited (c, "totp.locked", NULL) == 0, "locked too early");
    return 0;
}

static int
s_cooloff (e2e_t *c)
{
    if (s_enrol (c, "    totp_max_failures = 3\n    totp_cooloff_s = 600\n"))
        return -1;
    CHECK (e2e_start_coordinator (c) == 0, "coordinator: %s", util_last_error ());
    uint64_t t = util_totp_step ((int64_t) time (NULL));
    char now [UTIL_TOTP_CODE_MAX + 1], wrong [UTIL_TOTP_CODE_MAX + 1];
    s_code (now, t);
    s_wrong (wrong, t);
    for (int i = 0; i < 3; i++)
        CHECK (s_ask (c, "analyst.cfg", wrong) == -1 && strstr (util_last_error (),
               "wrong code"), "wrong code %d: %s", i, util_last_error ());
    CHECK (s_audited (c, "totp.locked", NULL) == 1, "no totp.locked entry");
    //  The right code is refused unseen during the cooling-off, also after
    //  a restart, and is not spent by it.
    CHECK (s_ask (c, "analyst.cfg", now) == -1 && strstr (util_last_error (),
           "too many wrong codes"), "locked: %s", util_last_error ());
    CHECK (sim_fed_kill (c->fed, SIM_FED_COORDINATOR, false) == 0, "stop: %s", util_last_error ());
    CHECK (e2e_start_coordinator (c) == 0, "restart: %s", util_last_error ());
    CHECK (s_ask (c, "analyst.cfg", now) == -1 && strstr (util_last_error (),
           "too many wrong codes"), "locked after a restart: %s", util_last_error ());
    CHECK (s_audited (c, "totp.refused", "\"reason\":\"locked\"") == 2, "locked entries");
    return 0;
}

int
main (int argc, char **argv)
{
    if (argc != 4) {
        fprintf (stderr, "usage: e2e_totp SCENARIO COHORT SOURCE_DIR\n");
        return 2;
    }
    zsys_init ();
    zsys_set_logstream (stderr);
    signal (SIGPIPE, SIG_IGN);
    struct {
        const char *name;
        int (*run) (e2e_t *);
    } scenarios [] = {
        { "codes", s_codes },
        { "cooloff", s_cooloff },
    };
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios [0]; i++) {
        if (strcmp (argv [1], scenarios [i].name))
            continue;
        if (e2e_setup (&s_c, argv [2], argv [3], 2, 2, 512, 10000, false)) {
            fprintf (stderr, "e2e: set-up failed in %s\n", s_c.dir);
            return 1;
        }
        int rc = scenarios [i].run (&s_c);
        util_totp_key_clear (&s_key);
        if (e2e_teardown (&s_c, rc != 0 || getenv ("E2E_KEEP")))
            rc = -1;
        return rc? 1: 0;
    }
    fprintf (stderr, "e2e_totp: unknown scenario '%s'\n", argv [1]);
    return 2;
}
