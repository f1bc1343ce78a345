/*  coordinator/journal.c - SQLite journal of studies and rounds. */
#include "journal.h"
#include "util/error.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct _coord_journal_t {
    sqlite3 *db;
};

static const char *s_schema =
    "PRAGMA journal_mode = WAL;"
    "CREATE TABLE IF NOT EXISTS studies ("
    "  id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL,"
    "  definition TEXT NOT NULL, report TEXT, started INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS rounds ("
    "  study_id TEXT NOT NULL, round INTEGER NOT NULL, kind TEXT NOT NULL,"
    "  status TEXT NOT NULL, epsilon REAL NOT NULL, entry TEXT NOT NULL,"
    "  PRIMARY KEY (study_id, round));";

coord_journal_t *
coord_journal_open (const char *path)
{
    coord_journal_t *self = calloc (1, sizeof *self);
    char *err = NULL;
    if (sqlite3_open (path, &self->db) != SQLITE_OK
    ||  sqlite3_busy_timeout (self->db, 10000) != SQLITE_OK
    ||  sqlite3_exec (self->db, s_schema, NULL, NULL, &err) != SQLITE_OK) {
        util_error (UTIL_EIO, "journal %s: %s", path, err? err: sqlite3_errmsg (self->db));
        sqlite3_free (err);
        coord_journal_destroy (&self);
    }
    return self;
}

void
coord_journal_destroy (coord_journal_t **self_p)
{
    if (self_p && *self_p) {
        sqlite3_close ((*self_p)->db);
        free (*self_p);
        *self_p = NULL;
    }
}

static int
s_run (coord_journal_t *self, const char *sql, const char **text, int ntext,
       double real, int real_at, long integer, int int_at)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2 (self->db, sql, -1, &st, NULL) != SQLITE_OK)
        return util_error (UTIL_EIO, "journal: %s", sqlite3_errmsg (self->db));
    for (int i = 0; i < ntext; i++)
        sqlite3_bind_text (st, i + 1, text [i], -1, SQLITE_TRANSIENT);
    if (real_at)
        sqlite3_bind_double (st, real_at, real);
    if (int_at)
        sqlite3_bind_int64 (st, int_at, integer);
    int rc = sqlite3_step (st) == SQLITE_DONE? 0: util_error (UTIL_EIO, "journal: %s",
                                                              sqlite3_errmsg (self->db));
    sqlite3_finalize (st);
    return rc;
}

int
coord_journal_study (coord_journal_t *self, const char *id, const char *name,
                     const char *status, const char *cfg_text, const char *report_json)
{
    const char *text [] = { id, name, status, cfg_text, report_json };
    return s_run (self,
        "INSERT INTO studies (id, name, status, definition, report, started, updated)"
        " VALUES (?1, ?2, ?3, ?4, ?5, strftime('%s','now'), ?6)"
        " ON CONFLICT (id) DO UPDATE SET status = ?3, report = ?5, updated = ?6",
        text, 5, 0, 0, (long) time (NULL), 6);
}

int
coord_journal_round (coord_journal_t *self, const char *study_id, unsigned round,
                     const char *kind, const char *status, double epsilon,
                     const char *entry_json)
{
    const char *text [] = { study_id, kind, status, entry_json };
    return s_run (self,
        "INSERT OR REPLACE INTO rounds (study_id, kind, status, entry, epsilon, round)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", text, 4, epsilon, 5, (long) round, 6);
}

static char *
s_text (coord_journal_t *self, const char *sql, const char *arg)
{
    sqlite3_stmt *st;
    char *out = NULL;
    if (sqlite3_prepare_v2 (self->db, sql, -1, &st, NULL) != SQLITE_OK) {
        util_error (UTIL_EIO, "journal: %s", sqlite3_errmsg (self->db));
        return NULL;
    }
    if (arg)
        sqlite3_bind_text (st, 1, arg, -1, SQLITE_TRANSIENT);
    if (sqlite3_step (st) == SQLITE_ROW && sqlite3_column_text (st, 0))
        out = strdup ((const char *) sqlite3_column_text (st, 0));
    sqlite3_finalize (st);
    return out;
}

char *
coord_journal_report (coord_journal_t *self, const char *study_id)
{
    return s_text (self, "SELECT report FROM studies WHERE id = ?1", study_id);
}

char *
coord_journal_latest (coord_journal_t *self)
{
    return s_text (self, "SELECT id FROM studies ORDER BY started DESC, rowid DESC LIMIT 1",
                   NULL);
}
