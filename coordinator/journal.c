/*  coordinator/journal.c - SQLite journal of studies and rounds. */
#include "journal.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/sqlite.h"

#include <sqlite3.h>
#include <stdio.h>
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
    "  PRIMARY KEY (study_id, round));"
    //  What a restart needs to rebuild a running study (coordinator/actor.c
    //  s_resume): how it began, and each finished round's decrypted sums.
    "CREATE TABLE IF NOT EXISTS begins ("
    "  study_id TEXT PRIMARY KEY, features TEXT NOT NULL, records INTEGER NOT NULL,"
    "  sites TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sums ("
    "  study_id TEXT NOT NULL, round INTEGER NOT NULL, kind INTEGER NOT NULL,"
    "  contributors INTEGER NOT NULL, sums BLOB NOT NULL, PRIMARY KEY (study_id, round));";

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

int
coord_journal_begin (coord_journal_t *self, const char *study_id, const char *features_json,
                     uint64_t records, const char *sites_json)
{
    const char *text [] = { study_id, features_json, sites_json };
    return s_run (self, "INSERT OR REPLACE INTO begins (study_id, features, sites, records)"
                        " VALUES (?1, ?2, ?3, ?4)", text, 3, 0, 0, (long) records, 4);
}

int
coord_journal_sums (coord_journal_t *self, const char *study_id, unsigned round, int kind,
                    unsigned contributors, const int64_t *sums, size_t n)
{
    if (n > COORD_JOURNAL_SUMS_MAX)
        return util_error (UTIL_ELIMIT, "%s: journal: %zu sums, at most %d", self->path, n,
                           COORD_JOURNAL_SUMS_MAX);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2 (self->db, "INSERT OR REPLACE INTO sums (study_id, round, kind,"
                            " contributors, sums) VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL)
        != SQLITE_OK)
        return util_sqlite_fail (self->db, self->path, "journal");
    int rc = sqlite3_bind_text (st, 1, study_id, -1, SQLITE_TRANSIENT);
    rc = rc? rc: sqlite3_bind_int64 (st, 2, round);
    rc = rc? rc: sqlite3_bind_int (st, 3, kind);
    rc = rc? rc: sqlite3_bind_int64 (st, 4, contributors);
    rc = rc? rc: sqlite3_bind_blob (st, 5, n? (const void *) sums: "", (int) (n * sizeof *sums),
                                    SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
        rc = sqlite3_step (st) == SQLITE_DONE? SQLITE_OK: SQLITE_ERROR;
    int result = rc == SQLITE_OK? 0: util_sqlite_fail (self->db, self->path, "journal");
    sqlite3_finalize (st);
    return result;
}

int
coord_journal_running (coord_journal_t *self, unsigned nth, char **study_id)
{
    char sql [160];
    snprintf (sql, sizeof sql, "SELECT id FROM studies WHERE status = 'running'"
              " ORDER BY started DESC, rowid DESC LIMIT 1 OFFSET %u", nth);
    return s_text (self, sql, NULL, study_id);
}

int
coord_journal_definition (coord_journal_t *self, const char *study_id, char **cfg_text)
{
    return s_text (self, "SELECT definition FROM studies WHERE id = ?1", study_id, cfg_text);
}

int
coord_journal_begun (coord_journal_t *self, const char *study_id, char **features_json,
                     uint64_t *records, char **sites_json)
{
    *records = 0;
    char *n = NULL;
    if (s_text (self, "SELECT features FROM begins WHERE study_id = ?1", study_id, features_json)
    ||  s_text (self, "SELECT sites FROM begins WHERE study_id = ?1", study_id, sites_json)
    ||  s_text (self, "SELECT records FROM begins WHERE study_id = ?1", study_id, &n)) {
        free (*features_json);
        free (*sites_json);
        *features_json = *sites_json = NULL;
        return -1;
    }
    if (n)
        *records = strtoull (n, NULL, 10);
    free (n);
    return 0;
}

int
coord_journal_replay (coord_journal_t *self, const char *study_id, coord_journal_round_fn *fn,
                      void *arg)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2 (self->db,
            "SELECT r.round, s.kind, s.contributors, s.sums, r.entry FROM rounds r"
            " JOIN sums s ON s.study_id = r.study_id AND s.round = r.round"
            " WHERE r.study_id = ?1 AND r.status = 'ok' ORDER BY r.round", -1, &st, NULL)
        != SQLITE_OK)
        return util_sqlite_fail (self->db, self->path, "journal");
    int rc = sqlite3_bind_text (st, 1, study_id, -1, SQLITE_TRANSIENT) == SQLITE_OK? 0
           : util_sqlite_fail (self->db, self->path, "journal");
    while (!rc) {
        int step = sqlite3_step (st);
        if (step == SQLITE_DONE)
            break;
        if (step != SQLITE_ROW) {
            rc = util_sqlite_fail (self->db, self->path, "journal");
            break;
        }
        const void *blob = sqlite3_column_blob (st, 3);
        int bytes = sqlite3_column_bytes (st, 3);
        const char *entry = (const char *) sqlite3_column_text (st, 4);
        sqlite3_int64 round = sqlite3_column_int64 (st, 0);
        if (bytes < 0 || bytes % (int) sizeof (int64_t) || !entry || round < 1
        ||  round > UINT32_MAX) {
            rc = util_error (UTIL_EINPUT, "%s: journal: round %lld of study %s is damaged",
                             self->path, (long long) round, study_id);
            break;
        }
        size_t n = (size_t) bytes / sizeof (int64_t);
        int64_t *sums = util_calloc (n? n: 1, sizeof (int64_t));
        if (!sums) {
            rc = util_error_context ("%s: journal", self->path);
            break;
        }
        if (n)
            memcpy (sums, blob, n * sizeof (int64_t));
        rc = fn ((uint32_t) round, sqlite3_column_int (st, 1),
                 (unsigned) sqlite3_column_int64 (st, 2), sums, n, entry, arg);
        free (sums);
    }
    sqlite3_finalize (st);
    return rc;
}
