/*  dp/ledger.c - per-(study, dataset) RDP spend on SQLite, charged
    atomically and durably. */
#include "ledger.h"
#include "dp.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/sqlite.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define DP_LEDGER_SCHEMA 1

struct _dp_ledger_t {
    sqlite3 *db;
    char *path;
};

static const char s_schema [] =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS budget ("
    "  study TEXT NOT NULL, dataset TEXT NOT NULL,"
    "  epsilon REAL NOT NULL, delta REAL NOT NULL,"
    "  PRIMARY KEY (study, dataset));"
    "CREATE TABLE IF NOT EXISTS spent ("
    "  study TEXT NOT NULL, dataset TEXT NOT NULL, idx INTEGER NOT NULL,"
    "  alpha REAL NOT NULL, rdp REAL NOT NULL,"
    "  PRIMARY KEY (study, dataset, idx));"
    "CREATE TABLE IF NOT EXISTS charge ("
    "  id INTEGER PRIMARY KEY, study TEXT NOT NULL, dataset TEXT NOT NULL,"
    "  label TEXT, at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
    "  epsilon_request REAL NOT NULL, epsilon_after REAL NOT NULL);";

static int
s_sql_error (dp_ledger_t *self, const char *what)
{
    return util_sqlite_fail (self->db, self->path, what);
}

static int
s_exec (dp_ledger_t *self, const char *sql)
{
    return util_sqlite_exec (self->db, self->path, sql);
}

//  The grid as text, so that a ledger written with another grid is refused
//  instead of misread.
static void
s_grid_text (char *buf, size_t size)
{
    const double *orders;
    size_t n = dp_orders_default (&orders), used = 0;
    buf [0] = '\0';
    for (size_t i = 0; i < n && used < size; i++)
        used += (size_t) snprintf (buf + used, size - used, "%s%.17g", i? ",": "", orders [i]);
}

static int
s_check_meta (dp_ledger_t *self)
{
    char grid [2048];
    s_grid_text (grid, sizeof grid);
    char version [16];
    snprintf (version, sizeof version, "%d", DP_LEDGER_SCHEMA);
    const char *keys [2] = { "schema", "orders" };
    const char *want [2] = { version, grid };
    for (int k = 0; k < 2; k++) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2 (self->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL))
            return s_sql_error (self, "reading meta");
        sqlite3_bind_text (st, 1, keys [k], -1, SQLITE_STATIC);
        int step = sqlite3_step (st);
        int rc = 0;
        if (step == SQLITE_ROW) {
            const char *have = (const char *) sqlite3_column_text (st, 0);
            if (!have || strcmp (have, want [k]) != 0)
                rc = util_error (UTIL_EINPUT, "ledger %s: %s is '%.60s', this build expects '%.60s'",
                                 self->path, keys [k], have? have: "", want [k]);
        }
        else
        if (step == SQLITE_DONE) {
            sqlite3_stmt *ins = NULL;
            if (sqlite3_prepare_v2 (self->db, "INSERT INTO meta (key, value) VALUES (?, ?)",
                                    -1, &ins, NULL) != SQLITE_OK)
                rc = s_sql_error (self, "writing meta");
            else {
                sqlite3_bind_text (ins, 1, keys [k], -1, SQLITE_STATIC);
                sqlite3_bind_text (ins, 2, want [k], -1, SQLITE_STATIC);
                if (sqlite3_step (ins) != SQLITE_DONE)
                    rc = s_sql_error (self, "writing meta");
            }
            sqlite3_finalize (ins);
        }
        else
            rc = s_sql_error (self, "reading meta");
        sqlite3_finalize (st);
        if (rc)
            return -1;
    }
    return 0;
}

dp_ledger_t *
dp_ledger_open (const char *path)
{
    if (!path || !*path) {
        util_error (UTIL_EINPUT, "ledger: empty path");
        return NULL;
    }
    dp_ledger_t *self = util_calloc (1, sizeof *self);
    if (!self || !(self->path = util_strdup (path))) {
        free (self);
        util_error_context ("ledger %s", path);
        return NULL;
    }
    //  The reason of a failure stays in the slot: closing and rolling back
    //  record none.
    if (util_sqlite_open (&self->db, path, true)
    ||  s_exec (self, "BEGIN IMMEDIATE")
    ||  s_exec (self, s_schema)
    ||  s_check_meta (self)
    ||  s_exec (self, "COMMIT")) {
        if (self->db)
            sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
        dp_ledger_destroy (&self);
        return NULL;
    }
    return self;
}

void
dp_ledger_destroy (dp_ledger_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sqlite3_close ((*self_p)->db);
    free ((*self_p)->path);
    free (*self_p);
    *self_p = NULL;
}

static int
s_check_names (const char *study, const char *dataset)
{
    if (!study || !*study || strnlen (study, DP_LEDGER_NAME_MAX + 1) > DP_LEDGER_NAME_MAX)
        return util_error (UTIL_EINPUT, "ledger: study name must be 1 to %d characters", DP_LEDGER_NAME_MAX);
    if (!dataset || !*dataset || strnlen (dataset, DP_LEDGER_NAME_MAX + 1) > DP_LEDGER_NAME_MAX)
        return util_error (UTIL_EINPUT, "ledger: dataset name must be 1 to %d characters", DP_LEDGER_NAME_MAX);
    return 0;
}

//  Reads the budget; 1 if none, 0 if found, -1 on error.
static int
s_read_budget (dp_ledger_t *self, const char *study, const char *dataset,
               double *epsilon, double *delta)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2 (self->db, "SELECT epsilon, delta FROM budget "
                            "WHERE study = ? AND dataset = ?", -1, &st, NULL) != SQLITE_OK)
        return s_sql_error (self, "reading budget");
    sqlite3_bind_text (st, 1, study, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 2, dataset, -1, SQLITE_STATIC);
    int step = sqlite3_step (st), rc;
    if (step == SQLITE_ROW) {
        *epsilon = sqlite3_column_double (st, 0);
        *delta = sqlite3_column_double (st, 1);
        rc = 0;
    }
    else
    if (step == SQLITE_DONE)
        rc = 1;
    else
        rc = s_sql_error (self, "reading budget");
    sqlite3_finalize (st);
    return rc;
}

int
dp_ledger_set_budget (dp_ledger_t *self, const char *study, const char *dataset,
                      double epsilon, double delta)
{
    if (s_check_names (study, dataset))
        return -1;
    if (!(epsilon > 0) || !isfinite (epsilon))
        return util_error (UTIL_EINPUT, "ledger: budget epsilon %g must be positive and finite", epsilon);
    if (!(delta > 0 && delta < 1))
        return util_error (UTIL_EINPUT, "ledger: budget delta %g outside (0, 1)", delta);
    if (s_exec (self, "BEGIN IMMEDIATE"))
        return -1;
    double e, d;
    int rc = s_read_budget (self, study, dataset, &e, &d);
    if (rc == 0 && (e != epsilon || d != delta))
        rc = util_error (UTIL_EREFUSED, "ledger: study '%s' dataset '%s' already has budget epsilon=%g delta=%g; "
                         "refusing to change it to epsilon=%g delta=%g",
                         study, dataset, e, d, epsilon, delta);
    else
    if (rc == 1) {
        sqlite3_stmt *st = NULL;
        rc = -1;
        if (sqlite3_prepare_v2 (self->db, "INSERT INTO budget (study, dataset, epsilon, delta) "
                                "VALUES (?, ?, ?, ?)", -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text (st, 1, study, -1, SQLITE_STATIC);
            sqlite3_bind_text (st, 2, dataset, -1, SQLITE_STATIC);
            sqlite3_bind_double (st, 3, epsilon);
            sqlite3_bind_double (st, 4, delta);
            if (sqlite3_step (st) == SQLITE_DONE)
                rc = 0;
        }
        if (rc)
            s_sql_error (self, "writing budget");
        sqlite3_finalize (st);
    }
    if (rc == 0)
        return s_exec (self, "COMMIT");
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

int
dp_ledger_budget (dp_ledger_t *self, const char *study, const char *dataset,
                  double *epsilon, double *delta)
{
    if (s_check_names (study, dataset))
        return -1;
    int rc = s_read_budget (self, study, dataset, epsilon, delta);
    if (rc == 1)
        return util_error (UTIL_EREFUSED, "ledger: no budget set for study '%s' dataset '%s'", study, dataset);
    return rc;
}

static dp_curve_t *
s_read_spent (dp_ledger_t *self, const char *study, const char *dataset)
{
    dp_curve_t *curve = dp_curve_new_default ();
    if (!curve)
        return NULL;
    size_t n = dp_curve_size (curve);
    double *rdp = util_calloc (n, sizeof *rdp);
    if (!rdp) {
        util_error_context ("ledger %s: reading spend", self->path);
        dp_curve_destroy (&curve);
        return NULL;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2 (self->db, "SELECT idx, rdp FROM spent "
                            "WHERE study = ? AND dataset = ?", -1, &st, NULL) != SQLITE_OK) {
        s_sql_error (self, "reading spend");
        dp_curve_destroy (&curve);
        free (rdp);
        return NULL;
    }
    sqlite3_bind_text (st, 1, study, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 2, dataset, -1, SQLITE_STATIC);
    int step;
    bool bad_row = false;
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        sqlite3_int64 idx = sqlite3_column_int64 (st, 0);
        if (idx < 0 || (size_t) idx >= n) {
            util_error (UTIL_EINPUT, "ledger %s: spend row with order index %lld outside the grid",
                        self->path, (long long) idx);
            bad_row = true;
            break;
        }
        rdp [idx] = sqlite3_column_double (st, 1);
    }
    if (bad_row || step != SQLITE_DONE) {
        if (!bad_row)
            s_sql_error (self, "reading spend");
        dp_curve_destroy (&curve);
    }
    else
    if (dp_curve_set_rdp (curve, rdp))
        dp_curve_destroy (&curve);
    sqlite3_finalize (st);
    free (rdp);
    return curve;
}

dp_curve_t *
dp_ledger_spent (dp_ledger_t *self, const char *study, const char *dataset)
{
    if (s_check_names (study, dataset))
        return NULL;
    return s_read_spent (self, study, dataset);
}

int
dp_ledger_epsilon_spent (dp_ledger_t *self, const char *study, const char *dataset,
                         double *epsilon)
{
    double budget, delta;
    if (dp_ledger_budget (self, study, dataset, &budget, &delta))
        return -1;
    dp_curve_t *spent = s_read_spent (self, study, dataset);
    if (!spent)
        return -1;
    int rc = dp_curve_epsilon (spent, delta, DP_CONVERSION_IMPROVED, epsilon, NULL);
    dp_curve_destroy (&spent);
    return rc;
}

//  Everything a decision needs, read inside the caller's transaction (or
//  a single implicit read transaction for would_exceed).
typedef struct {
    double budget, delta;
    double eps_spent, eps_request, eps_after;
    dp_curve_t *after;
} s_decision_t;

static int
s_decide (dp_ledger_t *self, const char *study, const char *dataset,
          const dp_curve_t *request, s_decision_t *d)
{
    memset (d, 0, sizeof *d);
    if (dp_ledger_budget (self, study, dataset, &d->budget, &d->delta))
        return -1;
    dp_curve_t *spent = s_read_spent (self, study, dataset);
    if (!spent)
        return -1;
    int rc = -1;
    d->after = dp_curve_dup (spent);
    if (d->after
    &&  dp_curve_add (d->after, request) == 0
    &&  dp_curve_epsilon (spent, d->delta, DP_CONVERSION_IMPROVED, &d->eps_spent, NULL) == 0
    &&  dp_curve_epsilon (request, d->delta, DP_CONVERSION_IMPROVED, &d->eps_request, NULL) == 0
    &&  dp_curve_epsilon (d->after, d->delta, DP_CONVERSION_IMPROVED, &d->eps_after, NULL) == 0)
        rc = 0;
    if (rc)
        dp_curve_destroy (&d->after);
    dp_curve_destroy (&spent);
    return rc;
}

int
dp_ledger_would_exceed (dp_ledger_t *self, const char *study, const char *dataset,
                        const dp_curve_t *request, bool *exceed, double *epsilon_after)
{
    if (s_check_names (study, dataset))
        return -1;
    if (s_exec (self, "BEGIN"))
        return -1;
    s_decision_t d;
    int rc = s_decide (self, study, dataset, request, &d);
    sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL);
    if (rc)
        return -1;
    *exceed = d.eps_after > d.budget;
    if (epsilon_after)
        *epsilon_after = d.eps_after;
    dp_curve_destroy (&d.after);
    return 0;
}

static int
s_write_charge (dp_ledger_t *self, const char *study, const char *dataset,
                const char *label, const s_decision_t *d)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2 (self->db, "INSERT OR REPLACE INTO spent "
                            "(study, dataset, idx, alpha, rdp) VALUES (?, ?, ?, ?, ?)",
                            -1, &st, NULL) != SQLITE_OK)
        return s_sql_error (self, "writing spend");
    const double *orders = dp_curve_orders (d->after), *rdp = dp_curve_rdp (d->after);
    for (size_t i = 0; i < dp_curve_size (d->after); i++) {
        sqlite3_reset (st);
        sqlite3_bind_text (st, 1, study, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 2, dataset, -1, SQLITE_STATIC);
        sqlite3_bind_int64 (st, 3, (sqlite3_int64) i);
        sqlite3_bind_double (st, 4, orders [i]);
        sqlite3_bind_double (st, 5, rdp [i]);
        if (sqlite3_step (st) != SQLITE_DONE) {
            s_sql_error (self, "writing spend");
            goto cleanup;
        }
    }
    sqlite3_finalize (st);
    if (sqlite3_prepare_v2 (self->db, "INSERT INTO charge (study, dataset, label, "
                            "epsilon_request, epsilon_after) VALUES (?, ?, ?, ?, ?)",
                            -1, &st, NULL) != SQLITE_OK) {
        st = NULL;
        s_sql_error (self, "writing charge");
        goto cleanup;
    }
    sqlite3_bind_text (st, 1, study, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 2, dataset, -1, SQLITE_STATIC);
    if (label)
        sqlite3_bind_text (st, 3, label, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null (st, 3);
    sqlite3_bind_double (st, 4, d->eps_request);
    sqlite3_bind_double (st, 5, d->eps_after);
    if (sqlite3_step (st) != SQLITE_DONE)
        s_sql_error (self, "writing charge");
    else
        rc = 0;
cleanup:
    sqlite3_finalize (st);
    return rc;
}

int
dp_ledger_charge (dp_ledger_t *self, const char *study, const char *dataset,
                  const dp_curve_t *request, const char *label)
{
    if (s_check_names (study, dataset))
        return -1;
    if (label && strnlen (label, DP_LEDGER_LABEL_MAX + 1) > DP_LEDGER_LABEL_MAX)
        return util_error (UTIL_ELIMIT, "ledger: charge label longer than %d characters", DP_LEDGER_LABEL_MAX);
    //  IMMEDIATE takes the write lock before reading, so no other process
    //  can charge between our check and our write.
    if (s_exec (self, "BEGIN IMMEDIATE"))
        return -1;
    s_decision_t d;
    int rc = s_decide (self, study, dataset, request, &d);
    if (rc == 0 && d.eps_after > d.budget) {
        util_error (UTIL_EREFUSED, "refused: study '%s' dataset '%s' has budget epsilon=%g (delta=%g); "
                    "spent epsilon=%.6g; request epsilon=%.6g would bring it to %.6g",
                    study, dataset, d.budget, d.delta, d.eps_spent, d.eps_request, d.eps_after);
        rc = DP_LEDGER_REFUSED;
    }
    else
    if (rc == 0)
        rc = s_write_charge (self, study, dataset, label, &d);
    dp_curve_destroy (&d.after);
    if (rc == 0) {
        //  synchronous=FULL: COMMIT returns after the WAL is synced.
        if (s_exec (self, "COMMIT") == 0)
            return 0;
        rc = -1;
    }
    //  ROLLBACK records nothing: the reason (and its code) stays in the slot.
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

long
dp_ledger_charge_count (dp_ledger_t *self, const char *study, const char *dataset)
{
    if (s_check_names (study, dataset))
        return -1;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2 (self->db, "SELECT count(*) FROM charge "
                            "WHERE study = ? AND dataset = ?", -1, &st, NULL) != SQLITE_OK)
        return s_sql_error (self, "counting charges");
    sqlite3_bind_text (st, 1, study, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 2, dataset, -1, SQLITE_STATIC);
    long n = -1;
    if (sqlite3_step (st) == SQLITE_ROW)
        n = (long) sqlite3_column_int64 (st, 0);
    else
        s_sql_error (self, "counting charges");
    sqlite3_finalize (st);
    return n;
}
