/*  coordinator/journal.c - SQLite journal of studies and rounds. */
#include "journal.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/sqlite.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct _coord_journal_t {
    sqlite3 *db;
    char *path;
};

static const char *s_schema =
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
    coord_journal_t *self = util_calloc (1, sizeof *self);
    if (!self || !(self->path = util_strdup (path))
    ||  util_sqlite_open (&self->db, path, true)
    ||  util_sqlite_exec (self->db, path, s_schema)) {
        util_error_context ("journal");
        coord_journal_destroy (&self);
    }
    return self;
}

void
coord_journal_destroy (coord_journal_t **self_p)
{
    if (self_p && *self_p) {
        sqlite3_close ((*self_p)->db);
        free ((*self_p)->path);
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
        return util_sqlite_fail (self->db, self->path, "journal");
    //  A bind can fail (out of memory): the row would then lose a field.
    int rc = SQLITE_OK;
    for (int i = 0; i < ntext && rc == SQLITE_OK; i++)
        rc = sqlite3_bind_text (st, i + 1, text [i], -1, SQLITE_TRANSIENT);
    if (real_at && rc == SQLITE_OK)
        rc = sqlite3_bind_double (st, real_at, real);
    if (int_at && rc == SQLITE_OK)
        rc = sqlite3_bind_int64 (st, int_at, integer);
    if (rc == SQLITE_OK)
        rc = sqlite3_step (st) == SQLITE_DONE? SQLITE_OK: SQLITE_ERROR;
    int result = rc == SQLITE_OK? 0: util_sqlite_fail (self->db, self->path, "journal");
    sqlite3_finalize (st);
    return result;
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

//  The first column of the first row of `sql` (with `arg` bound as ?1) into
//  *out: a new string, or NULL when there is no row or the value is NULL.
static int
s_text (coord_journal_t *self, const char *sql, const char *arg, char **out)
{
    *out = NULL;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2 (self->db, sql, -1, &st, NULL) != SQLITE_OK)
        return util_sqlite_fail (self->db, self->path, "journal");
    int rc = -1;
    if (arg && sqlite3_bind_text (st, 1, arg, -1, SQLITE_TRANSIENT) != SQLITE_OK) {
        util_sqlite_fail (self->db, self->path, "journal");
        goto done;
    }
    int step = sqlite3_step (st);
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        util_sqlite_fail (self->db, self->path, "journal");
        goto done;
    }
    const char *value = step == SQLITE_ROW? (const char *) sqlite3_column_text (st, 0): NULL;
    if (!value && step == SQLITE_ROW && sqlite3_column_type (st, 0) != SQLITE_NULL) {
        util_error (UTIL_ENOMEM, "%s: journal: out of memory reading a value", self->path);
        goto done;
    }
    if (value && !(*out = util_strdup (value)))
        goto done;
    rc = 0;
done:
    sqlite3_finalize (st);
    return rc;
}

int
coord_journal_report (coord_journal_t *self, const char *study_id, char **report)
{
    return s_text (self, "SELECT report FROM studies WHERE id = ?1", study_id, report);
}

int
coord_journal_latest (coord_journal_t *self, char **study_id)
{
    return s_text (self, "SELECT id FROM studies ORDER BY started DESC, rowid DESC LIMIT 1",
                   NULL, study_id);
}
