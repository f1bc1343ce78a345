/*  site/state.c - the accepted studies, kept durably (site/state.h). */
#include "state.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/sqlite.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct _site_state_t {
    sqlite3 *db;
    char *path;
};

site_state_t *
site_state_open (const char *path)
{
    site_state_t *self = util_calloc (1, sizeof *self);
    if (!self || !(self->path = util_strdup (path))) {
        free (self);
        return util_error_null (UTIL_ENOMEM, "%s: out of memory", path);
    }
    if (util_sqlite_open (&self->db, path, true)
    ||  util_sqlite_exec (self->db, path,
                          "CREATE TABLE IF NOT EXISTS studies ("
                          " id TEXT PRIMARY KEY, offer BLOB NOT NULL,"
                          " round INTEGER NOT NULL DEFAULT 0, done TEXT NOT NULL DEFAULT '')")) {
        site_state_destroy (&self);
        return NULL;
    }
    return self;
}

void
site_state_destroy (site_state_t **self_p)
{
    site_state_t *self = *self_p;
    if (!self)
        return;
    sqlite3_close (self->db);
    free (self->path);
    free (self);
    *self_p = NULL;
}

//  Runs one prepared statement to its end. 0 or -1.
static int
s_step (site_state_t *self, sqlite3_stmt *st, const char *what)
{
    int rc = st? sqlite3_step (st): SQLITE_ERROR;
    if (rc != SQLITE_DONE)
        util_sqlite_fail (self->db, self->path, what);
    sqlite3_finalize (st);
    return rc == SQLITE_DONE? 0: -1;
}

int
site_state_accept (site_state_t *self, const char *id, const uint8_t *offer, size_t len)
{
    if (len > SITE_STATE_OFFER_MAX)
        return util_error (UTIL_ELIMIT, "%s: an offer of %zu bytes, at most %zu", self->path, len,
                           SITE_STATE_OFFER_MAX);
    if (util_sqlite_exec (self->db, self->path, "BEGIN IMMEDIATE"))
        return -1;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2 (self->db, "INSERT OR REPLACE INTO studies (id, offer) VALUES (?, ?)",
                            -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text (st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_blob (st, 2, offer, (int) len, SQLITE_STATIC);
    }
    if (s_step (self, st, "record the accepted study")) {
        util_error_saved_t why;
        util_error_save (&why);
        //  A failed rollback changes nothing that matters: the first reason stands.
        int rolled = util_sqlite_exec (self->db, self->path, "ROLLBACK");
        (void) rolled;
        util_error_restore (&why);
        return -1;
    }
    return util_sqlite_exec (self->db, self->path, "COMMIT");
}

int
site_state_round (site_state_t *self, const char *id, uint32_t round, const uint64_t *done)
{
    char text [SITE_STATE_KINDS * 21 + 1];
    size_t used = 0;
    for (size_t k = 0; k < SITE_STATE_KINDS; k++)
        used += (size_t) snprintf (text + used, sizeof text - used, "%s%llu", k? ",": "",
                                   (unsigned long long) done [k]);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2 (self->db, "UPDATE studies SET round = ?, done = ? WHERE id = ?", -1,
                            &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64 (st, 1, (sqlite3_int64) round);
        sqlite3_bind_text (st, 2, text, -1, SQLITE_STATIC);
        sqlite3_bind_text (st, 3, id, -1, SQLITE_STATIC);
    }
    return s_step (self, st, "record the round");
}

int
site_state_forget (site_state_t *self, const char *id)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2 (self->db, id? "DELETE FROM studies WHERE id = ?"
                                         : "DELETE FROM studies", -1, &st, NULL) == SQLITE_OK
    &&  id)
        sqlite3_bind_text (st, 1, id, -1, SQLITE_STATIC);
    return s_step (self, st, "forget the study");
}

int
site_state_current (site_state_t *self, unsigned nth, char *id, size_t size, uint8_t **offer,
                    size_t *len, uint32_t *round, uint64_t *done)
{
    *offer = NULL;
    *len = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2 (self->db, "SELECT id, offer, round, done FROM studies ORDER BY rowid"
                            " LIMIT 1 OFFSET ?", -1, &st, NULL) != SQLITE_OK)
        return util_sqlite_fail (self->db, self->path, "read the accepted study");
    sqlite3_bind_int64 (st, 1, (sqlite3_int64) nth);
    int rc = sqlite3_step (st);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize (st);
        return 0;
    }
    if (rc != SQLITE_ROW) {
        sqlite3_finalize (st);
        return util_sqlite_fail (self->db, self->path, "read the accepted study");
    }
    const char *sid = (const char *) sqlite3_column_text (st, 0);
    const void *blob = sqlite3_column_blob (st, 1);
    int bytes = sqlite3_column_bytes (st, 1);
    sqlite3_int64 r = sqlite3_column_int64 (st, 2);
    const char *text = (const char *) sqlite3_column_text (st, 3);
    rc = 1;
    if (!sid || !*sid || strlen (sid) >= size || !blob || bytes <= 0
    ||  (size_t) bytes > SITE_STATE_OFFER_MAX || r < 0 || r > UINT32_MAX || !text)
        rc = util_error (UTIL_EINPUT, "%s: the accepted study's row is damaged", self->path);
    for (size_t k = 0; rc == 1 && k < SITE_STATE_KINDS; k++) {
        char *end;
        unsigned long long v = *text? strtoull (text, &end, 10): 0;
        if (*text && (end == text || (*end && *end != ',')))
            rc = util_error (UTIL_EINPUT, "%s: the accepted study's round counts are damaged",
                             self->path);
        done [k] = v;
        text = *text? end + (*end == ','): text;
    }
    if (rc == 1 && !(*offer = util_malloc ((size_t) bytes)))
        rc = util_error_context ("%s", self->path);
    if (rc == 1) {
        memcpy (*offer, blob, (size_t) bytes);
        *len = (size_t) bytes;
        snprintf (id, size, "%s", sid);
        *round = (uint32_t) r;
    }
    sqlite3_finalize (st);
    return rc;
}
