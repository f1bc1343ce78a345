/*  Unit tests for dp/ledger.c: budgets, atomic charge-if-within-budget, the
    pure would_exceed query, refusal messages, persistence, crash survival
    (a child killed with SIGKILL mid-charge) and two concurrent writers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dp/ledger.h"
#include "util/error.h"
#include "alloc_walk.h"
#include "support_dir.h"

static char s_path [128];
static int s_serial;

//  A fresh ledger path per test.
static const char *
s_fresh (void)
{
    snprintf (s_path, sizeof s_path, "%s/ledger-%d.db", support_dir_group, ++s_serial);
    return s_path;
}

static dp_curve_t *
s_request (double q, double z, uint64_t steps)
{
    dp_curve_t *c = dp_curve_new_default ();
    assert_non_null (c);
    assert_int_equal (dp_curve_add_subsampled_gaussian (c, q, z, steps), 0);
    return c;
}

//  spent == count * one request, order by order.
static void
s_assert_consistent (dp_ledger_t *l, const char *study, const char *dataset,
                     const dp_curve_t *one)
{
    long count = dp_ledger_charge_count (l, study, dataset);
    assert_true (count >= 0);
    dp_curve_t *spent = dp_ledger_spent (l, study, dataset);
    assert_non_null (spent);
    for (size_t i = 0; i < dp_curve_size (spent); i++) {
        double want = (double) count * dp_curve_rdp (one) [i];
        double got = dp_curve_rdp (spent) [i];
        if (!(fabs (got - want) <= 1e-9 * want + 1e-300))
            fail_msg ("order %g: spent %.12g but %ld charges of %.12g",
                      dp_curve_orders (spent) [i], got, count, dp_curve_rdp (one) [i]);
    }
    dp_curve_destroy (&spent);
}

static void
test_budget (void **state)
{
    (void) state;
    dp_ledger_t *l = dp_ledger_open (s_fresh ());
    assert_non_null (l);
    double e, d;
    assert_int_equal (dp_ledger_budget (l, "s", "d", &e, &d), -1);
    assert_non_null (strstr (util_last_error (), "no budget"));
    assert_int_equal (dp_ledger_set_budget (l, "s", "d", 1.0, 1e-5), 0);
    assert_int_equal (dp_ledger_set_budget (l, "s", "d", 1.0, 1e-5), 0);      //  same: no-op
    assert_int_equal (dp_ledger_set_budget (l, "s", "d", 2.0, 1e-5), -1);     //  change refused
    assert_non_null (strstr (util_last_error (), "refusing"));
    //  A changed delta alone is a change too (a larger delta is a weaker
    //  guarantee), and so is the smallest change of epsilon.
    assert_int_equal (dp_ledger_set_budget (l, "s", "d", 1.0, 2e-5), -1);
    assert_non_null (strstr (util_last_error (), "refusing"));
    assert_int_equal (dp_ledger_set_budget (l, "s", "d", 1.0, nextafter (1e-5, 1)), -1);
    assert_int_equal (dp_ledger_set_budget (l, "s", "d", nextafter (1.0, 2), 1e-5), -1);
    assert_int_equal (dp_ledger_budget (l, "s", "d", &e, &d), 0);
    assert_true (e == 1.0 && d == 1e-5);
    assert_int_equal (dp_ledger_set_budget (l, "s", "d2", 0, 1e-5), -1);
    assert_int_equal (dp_ledger_set_budget (l, "s", "d2", -1, 1e-5), -1);
    assert_int_equal (dp_ledger_set_budget (l, "s", "d2", NAN, 1e-5), -1);
    assert_int_equal (dp_ledger_set_budget (l, "s", "d2", INFINITY, 1e-5), -1);
    assert_int_equal (dp_ledger_set_budget (l, "s", "d2", 1, 0), -1);
    assert_int_equal (dp_ledger_set_budget (l, "s", "d2", 1, 1), -1);
    assert_int_equal (dp_ledger_set_budget (l, "", "d2", 1, 1e-5), -1);
    assert_int_equal (dp_ledger_set_budget (l, "s", NULL, 1, 1e-5), -1);
    char longname [DP_LEDGER_NAME_MAX + 2];
    memset (longname, 'n', sizeof longname - 1);
    longname [sizeof longname - 1] = '\0';
    assert_int_equal (dp_ledger_set_budget (l, longname, "d", 1, 1e-5), -1);
    longname [DP_LEDGER_NAME_MAX] = '\0';                     //  exactly the limit
    assert_int_equal (dp_ledger_set_budget (l, longname, "d", 1, 1e-5), 0);
    dp_ledger_destroy (&l);
    assert_null (l);
    dp_ledger_destroy (&l);
    dp_ledger_destroy (NULL);
}

static void
test_charge_until_refused (void **state)
{
    (void) state;
    dp_ledger_t *l = dp_ledger_open (s_fresh ());
    assert_non_null (l);
    dp_curve_t *one = s_request (0.01, 1.1, 100);
    //  No budget: an error, not a refusal.
    assert_int_equal (dp_ledger_charge (l, "study", "ds", one, "r0"), -1);
    assert_int_equal (dp_ledger_set_budget (l, "study", "ds", 2.0, 1e-5), 0);
    double eps0;
    assert_int_equal (dp_ledger_epsilon_spent (l, "study", "ds", &eps0), 0);
    assert_true (eps0 == 0);
    //  A handful fit (the loop is bounded so that a ledger that never
    //  refuses fails here instead of hanging).
    int charged = 0, rc;
    while ((rc = dp_ledger_charge (l, "study", "ds", one, "round")) == 0 && charged < 1000)
        charged++;
    assert_int_equal (rc, DP_LEDGER_REFUSED);
    assert_true (charged >= 2);
    const char *msg = util_last_error ();
    assert_non_null (strstr (msg, "refused"));
    assert_non_null (strstr (msg, "budget epsilon=2"));
    assert_non_null (strstr (msg, "spent epsilon="));
    assert_non_null (strstr (msg, "request epsilon="));
    assert_non_null (strstr (msg, "study 'study' dataset 'ds'"));
    assert_int_equal (dp_ledger_charge_count (l, "study", "ds"), charged);
    double spent;
    assert_int_equal (dp_ledger_epsilon_spent (l, "study", "ds", &spent), 0);
    assert_true (spent <= 2.0 && spent > 0);
    s_assert_consistent (l, "study", "ds", one);
    //  A smaller request may still fit after a big one was refused.
    dp_curve_t *small = s_request (0.01, 1.1, 1);
    bool exceed = true;
    double after;
    assert_int_equal (dp_ledger_would_exceed (l, "study", "ds", small, &exceed, &after), 0);
    assert_false (exceed);
    assert_true (after > spent && after <= 2.0);
    //  would_exceed is pure: nothing changed.
    assert_int_equal (dp_ledger_charge_count (l, "study", "ds"), charged);
    assert_int_equal (dp_ledger_would_exceed (l, "study", "ds", one, &exceed, &after), 0);
    assert_true (exceed && after > 2.0);
    assert_int_equal (dp_ledger_charge_count (l, "study", "ds"), charged);
    //  Other datasets of the study are separate.
    assert_int_equal (dp_ledger_would_exceed (l, "study", "other", one, &exceed, NULL), -1);
    //  A request on another grid is an error.
    const double orders [] = { 2, 3 };
    dp_curve_t *odd = dp_curve_new (orders, 2);
    assert_int_equal (dp_ledger_charge (l, "study", "ds", odd, NULL), -1);
    assert_int_equal (dp_ledger_would_exceed (l, "study", "ds", odd, &exceed, NULL), -1);
    assert_int_equal (dp_ledger_charge_count (l, "study", "ds"), charged);
    dp_curve_destroy (&odd);
    //  Labels are bounded: the limit is accepted, one more is not.
    char label [DP_LEDGER_LABEL_MAX + 2];
    memset (label, 'l', sizeof label - 1);
    label [sizeof label - 1] = '\0';
    assert_int_equal (dp_ledger_set_budget (l, "study", "labels", 2.0, 1e-5), 0);
    assert_int_equal (dp_ledger_charge (l, "study", "labels", small, label), -1);
    assert_non_null (strstr (util_last_error (), "label"));
    label [DP_LEDGER_LABEL_MAX] = '\0';
    assert_int_equal (dp_ledger_charge (l, "study", "labels", small, label), 0);
    assert_int_equal (dp_ledger_charge_count (l, "study", "labels"), 1);
    assert_int_equal (dp_ledger_charge_count (l, "study", "ds"), charged);
    dp_curve_destroy (&small);
    //  Persistence: reopen and find the same spend.
    dp_ledger_destroy (&l);
    l = dp_ledger_open (s_path);
    assert_non_null (l);
    double again;
    assert_int_equal (dp_ledger_epsilon_spent (l, "study", "ds", &again), 0);
    assert_true (again == spent);
    s_assert_consistent (l, "study", "ds", one);
    assert_int_equal (dp_ledger_charge_count (l, "", "ds"), -1);
    assert_null (dp_ledger_spent (l, "study", ""));
    dp_curve_destroy (&one);
    dp_ledger_destroy (&l);
}

//  The curve of `n` charges of `one`, added up in the order the ledger
//  adds them (spent + request, charge after charge), so that its epsilon is
//  bit for bit the ledger's after n charges.
static dp_curve_t *
s_sum_of (const dp_curve_t *one, int n)
{
    dp_curve_t *sum = dp_curve_new_default ();
    assert_non_null (sum);
    for (int i = 0; i < n; i++)
        assert_int_equal (dp_curve_add (sum, one), 0);
    return sum;
}

static double
s_epsilon_of (const dp_curve_t *curve, double delta)
{
    double eps;
    assert_int_equal (dp_curve_epsilon (curve, delta, DP_CONVERSION_IMPROVED, &eps, NULL), 0);
    return eps;
}

//  The budget is a hard bound on both sides: charges that bring the spend
//  exactly to the budget pass, and the next one is refused however small
//  the excess; a budget one ulp below that spend refuses the last charge.
static void
test_charge_exactly_to_budget (void **state)
{
    (void) state;
    dp_ledger_t *l = dp_ledger_open (s_fresh ());
    assert_non_null (l);
    dp_curve_t *one = s_request (0.01, 2.0, 1);
    const int n = 40;
    dp_curve_t *at = s_sum_of (one, n), *over = s_sum_of (one, n + 1);
    double budget = s_epsilon_of (at, 1e-5), next = s_epsilon_of (over, 1e-5);
    //  The step past the budget is small (well under 0.01), so that a
    //  slack in the comparison would let it through.
    assert_true (next > budget && next - budget < 1e-3);
    assert_int_equal (dp_ledger_set_budget (l, "edge", "exact", budget, 1e-5), 0);
    assert_int_equal (dp_ledger_set_budget (l, "edge", "below", nextafter (budget, 0), 1e-5), 0);
    for (int i = 0; i < n; i++)
        assert_int_equal (dp_ledger_charge (l, "edge", "exact", one, "to the edge"), 0);
    double spent;
    assert_int_equal (dp_ledger_epsilon_spent (l, "edge", "exact", &spent), 0);
    assert_true (spent == budget);
    bool exceed = true;
    double after;
    assert_int_equal (dp_ledger_would_exceed (l, "edge", "exact", one, &exceed, &after), 0);
    assert_true (exceed && after == next);
    assert_int_equal (dp_ledger_charge (l, "edge", "exact", one, "past the edge"), DP_LEDGER_REFUSED);
    assert_int_equal (dp_ledger_charge_count (l, "edge", "exact"), n);
    //  One ulp less budget: the n-th charge no longer fits.
    for (int i = 0; i < n - 1; i++)
        assert_int_equal (dp_ledger_charge (l, "edge", "below", one, NULL), 0);
    assert_int_equal (dp_ledger_would_exceed (l, "edge", "below", one, &exceed, &after), 0);
    assert_true (exceed && after == budget);
    assert_int_equal (dp_ledger_charge (l, "edge", "below", one, NULL), DP_LEDGER_REFUSED);
    assert_int_equal (dp_ledger_charge_count (l, "edge", "below"), n - 1);
    //  And with n - 1 charged, the query for a request that lands exactly
    //  on the exact budget says it fits.
    assert_int_equal (dp_ledger_set_budget (l, "edge", "query", budget, 1e-5), 0);
    for (int i = 0; i < n - 1; i++)
        assert_int_equal (dp_ledger_charge (l, "edge", "query", one, NULL), 0);
    assert_int_equal (dp_ledger_would_exceed (l, "edge", "query", one, &exceed, &after), 0);
    assert_true (!exceed && after == budget);
    dp_curve_destroy (&at);
    dp_curve_destroy (&over);
    dp_curve_destroy (&one);
    dp_ledger_destroy (&l);
}

//  Runs one SQL statement on the ledger file behind the ledger's back.
static void
s_tamper (const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal (sqlite3_open (path, &db), SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec (db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg ("%s: %s", sql, err? err: "?");
    sqlite3_close (db);
}

//  A spend row whose order index is outside the grid is refused (it would
//  be written past the curve), on both sides of the grid; the last index of
//  the grid is read like any other.
static void
test_spend_row_outside_grid (void **state)
{
    (void) state;
    const char *path = s_fresh ();
    dp_ledger_t *l = dp_ledger_open (path);
    assert_non_null (l);
    assert_int_equal (dp_ledger_set_budget (l, "s", "d", 10, 1e-5), 0);
    dp_curve_t *one = s_request (0.01, 1.1, 10);
    assert_int_equal (dp_ledger_charge (l, "s", "d", one, NULL), 0);
    const double *orders;
    size_t n = dp_orders_default (&orders);
    char sql [256];
    //  The last index is in the grid: its value is read back.
    snprintf (sql, sizeof sql, "UPDATE spent SET rdp = 0.125 WHERE idx = %zu", n - 1);
    s_tamper (path, sql);
    dp_curve_t *spent = dp_ledger_spent (l, "s", "d");
    assert_non_null (spent);
    assert_true (dp_curve_rdp (spent) [n - 1] == 0.125);
    assert_true (dp_curve_rdp (spent) [0] == dp_curve_rdp (one) [0]);
    dp_curve_destroy (&spent);
    const long long bad [] = { (long long) n, -1, (long long) n + 1000 };
    for (size_t k = 0; k < sizeof bad / sizeof bad [0]; k++) {
        snprintf (sql, sizeof sql, "INSERT INTO spent (study, dataset, idx, alpha, rdp) "
                  "VALUES ('s', 'd', %lld, 1024, 0.5)", bad [k]);
        s_tamper (path, sql);
        assert_null (dp_ledger_spent (l, "s", "d"));
        char want [64];
        snprintf (want, sizeof want, "order index %lld outside the grid", bad [k]);
        if (!strstr (util_last_error (), want))
            fail_msg ("index %lld: error '%s'", bad [k], util_last_error ());
        double eps;
        assert_int_equal (dp_ledger_epsilon_spent (l, "s", "d", &eps), -1);
        bool exceed;
        assert_int_equal (dp_ledger_would_exceed (l, "s", "d", one, &exceed, NULL), -1);
        //  A charge on a damaged spend is an error, not a refusal, and
        //  writes nothing.
        assert_int_equal (dp_ledger_charge (l, "s", "d", one, NULL), -1);
        assert_int_equal (dp_ledger_charge_count (l, "s", "d"), 1);
        snprintf (sql, sizeof sql, "DELETE FROM spent WHERE idx = %lld", bad [k]);
        s_tamper (path, sql);
    }
    //  Repaired: charging works again.
    assert_int_equal (dp_ledger_charge (l, "s", "d", one, NULL), 0);
    dp_curve_destroy (&one);
    dp_ledger_destroy (&l);
}

static void
test_open_errors (void **state)
{
    (void) state;
    assert_null (dp_ledger_open (""));
    assert_null (dp_ledger_open (NULL));
    assert_null (dp_ledger_open ("/nonexistent-dir/x/ledger.db"));
    //  Not a database.
    const char *path = s_fresh ();
    FILE *f = fopen (path, "w");
    assert_non_null (f);
    fputs ("this is not an SQLite database, just text long enough to be read......"
           "..........................................................................", f);
    fclose (f);
    assert_null (dp_ledger_open (path));
    //  A ledger written with another order grid is refused, not misread.
    dp_ledger_t *l = dp_ledger_open (s_fresh ());
    assert_non_null (l);
    dp_ledger_destroy (&l);
    sqlite3 *db;
    assert_int_equal (sqlite3_open (s_path, &db), SQLITE_OK);
    assert_int_equal (sqlite3_exec (db, "UPDATE meta SET value = '2,3' WHERE key = 'orders'",
                                    NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close (db);
    assert_null (dp_ledger_open (s_path));
    assert_non_null (strstr (util_last_error (), "orders"));
}

//  Charges forever in a child; the parent kills it with SIGKILL at a
//  varying moment, then checks the ledger is consistent: every recorded
//  charge is fully in the spend, and nothing half-written is.
static void
s_child_charge (const char *path, const char *study)
{
    dp_ledger_t *l = dp_ledger_open (path);
    dp_curve_t *one = s_request (0.001, 2.0, 10);
    if (!l || !one)
        _exit (3);
    for (;;)
        if (dp_ledger_charge (l, study, "ds", one, "child") != 0)
            _exit (4);
}

static void
test_kill9_mid_charge (void **state)
{
    (void) state;
    const char *path = s_fresh ();
    dp_ledger_t *l = dp_ledger_open (path);
    assert_non_null (l);
    assert_int_equal (dp_ledger_set_budget (l, "crash", "ds", 1000, 1e-5), 0);
    dp_curve_t *one = s_request (0.001, 2.0, 10);
    long last = 0;
    for (int round = 0; round < 6; round++) {
        pid_t pid = fork ();
        assert_true (pid >= 0);
        if (pid == 0)
            s_child_charge (path, "crash");
        //  Wait until it has committed at least one more charge, then a
        //  little longer so that the kill lands at a different point of
        //  the transaction each round.
        for (int i = 0; i < 30000 && dp_ledger_charge_count (l, "crash", "ds") <= last; i++)
            usleep (1000);
        usleep ((useconds_t) (300 + 700 * round));
        assert_int_equal (kill (pid, SIGKILL), 0);
        int status;
        assert_int_equal (waitpid (pid, &status, 0), pid);
        assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
        long now = dp_ledger_charge_count (l, "crash", "ds");
        assert_true (now > last);
        last = now;
        s_assert_consistent (l, "crash", "ds", one);
    }
    //  And a fresh connection after the crashes sees the same.
    dp_ledger_destroy (&l);
    l = dp_ledger_open (path);
    assert_non_null (l);
    assert_int_equal (dp_ledger_charge_count (l, "crash", "ds"), last);
    s_assert_consistent (l, "crash", "ds", one);
    dp_curve_destroy (&one);
    dp_ledger_destroy (&l);
}

//  What a racing child reports to the parent: one write of this size to a
//  pipe is atomic (below PIPE_BUF).
typedef struct {
    int index;                  //  the racer's number, 0 to RACERS - 1
    int rc;                     //  0 if every call ended as the contract allows, else -1
    long done;                  //  calls that succeeded
    long refused;               //  calls refused as the contract says
    char error [256];           //  the reason, when rc is -1
} s_report_t;

//  One child's part in a race, on its own connection to the ledger.
typedef void (s_racer_fn) (dp_ledger_t *ledger, int index, s_report_t *report);

#define RACERS         4
#define CHARGES_FIT    400      //  charges that fit the race's budget exactly
#define RACE_DATASETS  100      //  budgets set in the budget race

//  Forks RACERS children that each open the ledger, say they are ready,
//  and wait at the start line (their read returns when the parent closes
//  the write end, once all are ready), then run `racer` at once, so that
//  their transactions overlap. Collects their reports into
//  reports[RACERS], by racer number.
static void
s_race (const char *path, s_racer_fn *racer, s_report_t *reports)
{
    int ready [2], start [2], report [2];
    assert_int_equal (pipe (ready), 0);
    assert_int_equal (pipe (start), 0);
    assert_int_equal (pipe (report), 0);
    pid_t pids [RACERS];
    for (int k = 0; k < RACERS; k++) {
        pids [k] = fork ();
        assert_true (pids [k] >= 0);
        if (pids [k] == 0) {
            close (ready [0]);
            close (start [1]);
            close (report [0]);
            s_report_t me = { k, -1, 0, 0, "could not open the ledger" };
            dp_ledger_t *l = dp_ledger_open (path);
            char go = 'r';
            if (write (ready [1], &go, 1) == 1 && l && read (start [0], &go, 1) == 0) {
                me.error [0] = '\0';
                racer (l, k, &me);
            }
            dp_ledger_destroy (&l);
            bool sent = write (report [1], &me, sizeof me) == (ssize_t) sizeof me;
            _exit (sent? 0: 6);
        }
    }
    close (ready [1]);
    close (start [0]);
    close (report [1]);
    for (int k = 0; k < RACERS; k++) {
        char byte;
        assert_int_equal (read (ready [0], &byte, 1), 1);
    }
    close (ready [0]);
    close (start [1]);
    for (int k = 0; k < RACERS; k++) {
        s_report_t r;
        assert_int_equal (read (report [0], &r, sizeof r), (ssize_t) sizeof r);
        assert_true (r.index >= 0 && r.index < RACERS);
        reports [r.index] = r;
    }
    close (report [0]);
    for (int k = 0; k < RACERS; k++) {
        int status;
        assert_int_equal (waitpid (pids [k], &status, 0), pids [k]);
        assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    }
    int failed = 0;
    for (int k = 0; k < RACERS; k++)
        if (reports [k].rc != 0) {
            print_message ("racer %d stopped after %ld calls: %s\n", k,
                           reports [k].done + reports [k].refused, reports [k].error);
            failed++;
        }
    assert_int_equal (failed, 0);
}

//  Charges until the ledger says no; the only way to stop is a refusal.
static void
s_charger (dp_ledger_t *l, int index, s_report_t *me)
{
    (void) index;
    dp_curve_t *one = dp_curve_new_default ();
    if (!one || dp_curve_add_subsampled_gaussian (one, 0.01, 2.0, 1)) {
        snprintf (me->error, sizeof me->error, "request: %s", util_last_error ());
        dp_curve_destroy (&one);
        return;
    }
    //  No racer can make more than CHARGES_FIT charges: one more is an
    //  overspend, reported as such instead of charging on.
    int rc;
    while ((rc = dp_ledger_charge (l, "race", "ds", one, "w")) == 0 && me->done < CHARGES_FIT)
        me->done++;
    if (rc == 0)
        snprintf (me->error, sizeof me->error, "more than %d charges accepted", CHARGES_FIT);
    else
    if (rc == DP_LEDGER_REFUSED) {
        me->refused = 1;
        me->rc = 0;
    }
    else
        snprintf (me->error, sizeof me->error, "charge: %s", util_last_error ());
    dp_curve_destroy (&one);
}

//  Processes charging one budget at once: every charge either succeeds or
//  is refused for the budget (none fails on a lock, however the
//  transactions interleave), and the charges that succeed fill the budget
//  exactly (it fits CHARGES_FIT of them, and the ledger spends that much,
//  no more and no less).
static void
test_concurrent_writers (void **state)
{
    (void) state;
    const char *path = s_fresh ();
    dp_ledger_t *l = dp_ledger_open (path);
    assert_non_null (l);
    dp_curve_t *one = s_request (0.01, 2.0, 1);
    dp_curve_t *full = s_sum_of (one, CHARGES_FIT);
    double budget = s_epsilon_of (full, 1e-5);
    assert_int_equal (dp_ledger_set_budget (l, "race", "ds", budget, 1e-5), 0);
    s_report_t reports [RACERS];
    s_race (path, s_charger, reports);
    long total = 0;
    for (int k = 0; k < RACERS; k++)
        total += reports [k].done;
    assert_int_equal (total, CHARGES_FIT);
    assert_int_equal (dp_ledger_charge_count (l, "race", "ds"), CHARGES_FIT);
    double spent;
    assert_int_equal (dp_ledger_epsilon_spent (l, "race", "ds", &spent), 0);
    assert_true (spent == budget);
    s_assert_consistent (l, "race", "ds", one);
    dp_curve_destroy (&full);
    dp_curve_destroy (&one);
    dp_ledger_destroy (&l);
}

//  Sets RACE_DATASETS budgets, epsilon 1 from even racers and 2 from odd
//  ones: each call either sets (or finds) its value, or is refused naming
//  both values, never fails on a lock.
static void
s_setter (dp_ledger_t *l, int index, s_report_t *me)
{
    double epsilon = 1 + index % 2;
    for (int i = 0; i < RACE_DATASETS; i++) {
        char dataset [32];
        snprintf (dataset, sizeof dataset, "ds-%d", i);
        if (dp_ledger_set_budget (l, "race", dataset, epsilon, 1e-5) == 0)
            me->done++;
        else
        if (util_last_code () == UTIL_EREFUSED && strstr (util_last_error (), "refusing"))
            me->refused++;
        else {
            snprintf (me->error, sizeof me->error, "set_budget %s: %s", dataset, util_last_error ());
            return;
        }
    }
    me->rc = 0;
}

//  Processes setting the same budgets at once: the first value set for a
//  dataset stays, the same value again is accepted and another refused,
//  whatever the interleaving; no call fails on a lock.
static void
test_concurrent_budgets (void **state)
{
    (void) state;
    const char *path = s_fresh ();
    dp_ledger_t *l = dp_ledger_open (path);
    assert_non_null (l);
    s_report_t reports [RACERS];
    s_race (path, s_setter, reports);
    long accepted [2] = { 0, 0 };
    for (int k = 0; k < RACERS; k++) {
        assert_int_equal (reports [k].done + reports [k].refused, RACE_DATASETS);
        accepted [k % 2] += reports [k].done;
    }
    //  Each dataset has one of the two values; every racer that asked for
    //  that value had it accepted, the others refused.
    long ones = 0;
    for (int i = 0; i < RACE_DATASETS; i++) {
        char dataset [32];
        snprintf (dataset, sizeof dataset, "ds-%d", i);
        double e, d;
        assert_int_equal (dp_ledger_budget (l, "race", dataset, &e, &d), 0);
        assert_true ((e == 1 || e == 2) && d == 1e-5);
        ones += e == 1;
    }
    assert_int_equal (accepted [0], ones * (RACERS / 2));
    assert_int_equal (accepted [1], (RACE_DATASETS - ones) * (RACERS / 2));
    dp_ledger_destroy (&l);
}

//  Allocation failures: opening reports each one; a charge that fails for
//  lack of memory is rolled back whole, and the one that succeeds is the
//  only charge recorded.
static bool
s_open (void *path)
{
    dp_ledger_t *l = dp_ledger_open (path);
    bool ok = l != NULL;
    dp_ledger_destroy (&l);
    return ok;
}

typedef struct {
    dp_ledger_t *ledger;
    dp_curve_t *request;
} s_charge_t;

static bool
s_charge_once (void *arg)
{
    s_charge_t *c = arg;
    //  Every earlier run failed: none may have left a charge behind.
    assert_int_equal (dp_ledger_charge_count (c->ledger, "study", "ds"), 0);
    return dp_ledger_charge (c->ledger, "study", "ds", c->request, "oom") == 0;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    const char *path = s_fresh ();
    assert_true (alloc_walk (s_open, (void *) path) >= 2);
    s_charge_t c = { dp_ledger_open (path), s_request (0.01, 1.1, 10) };
    assert_non_null (c.ledger);
    assert_int_equal (dp_ledger_set_budget (c.ledger, "study", "ds", 10, 1e-5), 0);
    assert_true (alloc_walk (s_charge_once, &c) >= 3);
    assert_int_equal (dp_ledger_charge_count (c.ledger, "study", "ds"), 1);
    s_assert_consistent (c.ledger, "study", "ds", c.request);
    dp_curve_destroy (&c.request);
    dp_ledger_destroy (&c.ledger);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_budget),
        cmocka_unit_test (test_charge_until_refused),
        cmocka_unit_test (test_charge_exactly_to_budget),
        cmocka_unit_test (test_spend_row_outside_grid),
        cmocka_unit_test (test_open_errors),
        cmocka_unit_test (test_kill9_mid_charge),
        cmocka_unit_test (test_concurrent_writers),
        cmocka_unit_test (test_concurrent_budgets),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, support_dir_group_setup, support_dir_group_teardown);
}
