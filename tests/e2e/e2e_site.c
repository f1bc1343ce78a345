/*  tests/e2e/e2e_site.c - a site worker as an operator runs it, with real
    processes on loopback (a `cohort coordinator` and `cohort site` workers).
    Usage: e2e_site SCENARIO COHORT_BINARY SOURCE_DIR
    Scenarios:
      signals   SIGHUP after a budget change in site.cfg: the site's next
                hello carries it (`cohort budget`); a site.cfg that does not
                load, or changes the coordinator, is refused with one log
                line and the site serves on; SIGTERM in the middle of a
                study: the site exits 0 within 5 s with its "stopping:" line
                (the round in flight finished, or abandoned) and its ledger
                passes integrity_check; SIGTERM to it again once restarted
                (outside the study): exit 0, "no round in flight"
      doctor    `cohort site check` on a running consortium: every line ok
                and exit 0; the coordinator stopped: "FAIL coordinator"; a
                key share made group-readable: "FAIL" naming it
    Exit 0 on success; on failure (or with E2E_KEEP set) the consortium
    directory is kept.
*/
#include "consortium.h"
#include "util/error.h"

#include <czmq.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

//  The epsilon budget `cohort budget` shows for `site` on breast_cancer
//  (-1: not shown).
static double
s_budget_of (e2e_t *c, const char *site)
{
    char out [16384];
    if (s_cohort (c, out, sizeof out, "budget --json --dataset breast_cancer") != 0)
        return -1;
    json_t *answer = json_loads (out, 0, NULL);
    double eps = -1;
    size_t i;
    json_t *row;
    json_array_foreach (json_object_get (answer, "budget"), i, row)
        if (!strcmp (json_string_value (json_object_get (row, "site")), site))
            eps = json_number_value (json_object_get (row, "epsilon_budget"));
    json_decref (answer);
    return eps;
}

//  Waits up to wait_s for `cohort budget` to show `epsilon` for `site`.
static bool
s_wait_budget (e2e_t *c, const char *site, double epsilon, double wait_s)
{
    for (double t = 0; t < wait_s; t += 0.25) {
        if (s_budget_of (c, site) == epsilon)
            return true;
        zclock_sleep (250);
    }
    return false;
}

static int
s_write (const char *path, const char *text)
{
    FILE *f = fopen (path, "w");
    if (!f)
        return -1;
    fputs (text, f);
    return fclose (f);
}

//  PRAGMA integrity_check of a database: true when "ok".
static bool
s_integrity (const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK
           && sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK
           && sqlite3_step (st) == SQLITE_ROW
           && !strcmp ((const char *) sqlite3_column_text (st, 0), "ok");
    sqlite3_finalize (st);
    sqlite3_close (db);
    return ok;
}

static int
s_signals (e2e_t *c)
{
    if (e2e_start_all (c))
        return -1;
    const char *a = c->names [0];
    CHECK (s_wait_budget (c, a, 100, 10), "site a's budget is not 100 at start");
    //  A new budget, then SIGHUP: the next hello carries it.
    char site_a [300];
    snprintf (site_a, sizeof site_a, "%s", e2e_path (c, "sites/site-a.cfg"));
    c->budget [0] = 42;
    CHECK (e2e_write_site (c, 0) == 0, "site a's config");
    CHECK (sim_fed_signal (c->fed, 0, SIGHUP) == 0, "SIGHUP");
    CHECK (e2e_wait_log (c, a, "reloaded", 5000), "no reload line in site a's log");
    CHECK (s_wait_budget (c, a, 42, 5), "cohort budget does not show site a's new budget 42 "
           "(shows %g)", s_budget_of (c, a));
    //  A file that does not load: refused in one line, the site serves on.
    char *good = e2e_read (site_a);
    CHECK (good, "read site a's config");
    CHECK (s_write (site_a, "site\n    name = site-a\n") == 0, "write");
    CHECK (sim_fed_signal (c->fed, 0, SIGHUP) == 0, "SIGHUP");
    CHECK (e2e_wait_log (c, a, "reload refused, the running config stays: ", 5000),
           "no refusal line for a broken site.cfg");
    //  A change that needs a restart: refused too.
    char *coord = strstr (good, "coordinator = tcp://127.0.0.1:");
    CHECK (coord, "no coordinator line");
    coord [strlen ("coordinator = tcp://12")] = '8';     //  127 -> 128
    CHECK (s_write (site_a, good) == 0, "write");
    coord [strlen ("coordinator = tcp://12")] = '7';
    CHECK (sim_fed_signal (c->fed, 0, SIGHUP) == 0, "SIGHUP");
    CHECK (e2e_wait_log (c, a, "site/coordinator changed: that needs a restart", 5000),
           "no refusal line for a changed coordinator");
    CHECK (s_write (site_a, good) == 0, "write");
    free (good);
    CHECK (sim_fed_running (c->fed, 0), "site a stopped after the refused reloads");
    CHECK (s_wait_budget (c, a, 42, 5), "site a's budget after the refusals: %g",
           s_budget_of (c, a));

    //  SIGTERM to site b in the middle of a study of 300 rounds (the
    //  study goes on without b, waiting out b's round deadline: it is not
    //  waited for here).
    CHECK (e2e_write_study (c, NULL, "adam", 0.1, 300, 1, 10, false, 2, 0) == 0, "study.cfg");
    char out [16384];
    CHECK (s_cohort (c, out, sizeof out, "study launch study.cfg") == 0, "launch: %s", out);
    CHECK (e2e_wait_log (c, c->names [1], "accepted study", 20000), "b did not accept");
    zclock_sleep (500);
    CHECK (!e2e_wait_log (c, c->names [1], "ended", 0), "the study ended before the SIGTERM");
    int code = -1;
    CHECK (sim_fed_terminate (c->fed, 1, 5, &code) == 0, "site b did not stop within 5 s of "
           "SIGTERM");
    CHECK (code == 0, "site b exited %d on SIGTERM", code);
    CHECK (e2e_wait_log (c, c->names [1], "stopping: ", 100), "no stopping line in b's log");
    CHECK (e2e_wait_log (c, c->names [1], "round in flight", 100)
        || e2e_wait_log (c, c->names [1], "finished", 100)
        || e2e_wait_log (c, c->names [1], "abandoned", 100), "b's stopping line says nothing");
    CHECK (s_integrity (e2e_path (c, "sites/site-b.ledger.db")), "b's ledger fails "
           "integrity_check");
    //  b again: it rejoins the study it had accepted (site/state.h), and
    //  SIGTERM stops it as cleanly, whatever is in flight then.
    CHECK (e2e_start_site (c, 1) == 0, "site b did not restart");
    CHECK (e2e_wait_log (c, c->names [1], "rejoined study", 5000), "b did not rejoin the study");
    code = -1;
    CHECK (sim_fed_terminate (c->fed, 1, 5, &code) == 0 && code == 0, "site b: exit %d", code);
    CHECK (s_integrity (e2e_path (c, "sites/site-b.ledger.db")), "b's ledger fails "
           "integrity_check after its second stop");
    return 0;
}

static int
s_doctor (e2e_t *c)
{
    if (e2e_start_all (c))
        return -1;
    char out [32768];
    //  A site as set up: every line ok (or warn), exit 0, the handshake made.
    int rc = s_cohort (c, out, sizeof out, "site check --config sites/site-a.cfg");
    CHECK (rc == 0, "site check exit %d:\n%s", rc, out);
    CHECK (strstr (out, "ok   coordinator tcp://127.0.0.1:"), "no handshake line:\n%s", out);
    CHECK (strstr (out, "CURVE handshake with this site's certificate succeeded"), "%s", out);
    CHECK (strstr (out, "ok   key share: index 1 of 3 (any 2 decrypt)"), "%s", out);
    CHECK (strstr (out, " clock: 20"), "%s", out);
    CHECK (!strstr (out, "FAIL"), "%s", out);
    //  A key share group and others can read: FAIL naming it.
    char share [300];
    snprintf (share, sizeof share, "%s", e2e_path (c, "keys/share-1.key"));
    CHECK (chmod (share, 0644) == 0, "chmod");
    rc = s_cohort (c, out, sizeof out, "site check --config sites/site-a.cfg");
    CHECK (chmod (share, 0600) == 0, "chmod");
    CHECK (rc == 1, "exit %d with a readable share", rc);
    CHECK (strstr (out, "FAIL key share ") && strstr (out, "share-1.key: mode 0644: group or "
           "others can read it"), "%s", out);
    //  The coordinator stopped: FAIL, within the timeout.
    CHECK (sim_fed_kill (c->fed, SIM_FED_COORDINATOR, false) == 0, "coordinator did not stop");
    int64_t t0 = zclock_mono ();
    rc = s_cohort (c, out, sizeof out, "site check --config sites/site-a.cfg --timeout-ms 1500");
    int64_t ms = zclock_mono () - t0;
    CHECK (rc == 1, "exit %d without a coordinator", rc);
    CHECK (strstr (out, "FAIL coordinator: no handshake with tcp://127.0.0.1:"), "%s", out);
    CHECK (ms < 5000, "the check took %lld ms", (long long) ms);
    return 0;
}

int
main (int argc, char **argv)
{
    if (argc != 4) {
        fprintf (stderr, "usage: e2e_site SCENARIO COHORT SOURCE_DIR\n");
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
        { "signals", s_signals },
        { "doctor", s_doctor },
    };
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios [0]; i++) {
        if (strcmp (scenario, scenarios [i].name))
            continue;
        if (e2e_setup (&s_c, argv [2], argv [3], 3, 2, 512, 4000, false)) {
            fprintf (stderr, "e2e: set-up failed in %s\n", s_c.dir);
            return 1;
        }
        int rc = scenarios [i].run (&s_c);
        if (e2e_teardown (&s_c, rc != 0 || getenv ("E2E_KEEP")))
            rc = -1;
        fprintf (stderr, "e2e %s: %s\n", scenario, rc? "FAILED": "passed");
        return rc? 1: 0;
    }
    fprintf (stderr, "e2e: unknown scenario '%s'\n", scenario);
    return 2;
}
