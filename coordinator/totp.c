/*  coordinator/totp.c - TOTP enrolments, replay and rate limit state, sessions. */
#include "totp.h"
#include "config.h"
#include "util/alloc.h"
#include "util/codec.h"
#include "util/error.h"
#include "util/sqlite.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S_KEY_Z85   40                  //  a CURVE public key in Z85
#define S_TOKEN     (COORD_TOTP_SESSION_HEX / 2)

typedef struct {
    char key [S_KEY_Z85 + 1];           //  "" when the slot is free
    uint8_t token [S_TOKEN];
    int64_t expires;
} s_session_t;

struct _coord_totp_t {
    sqlite3 *db;
    char *path;
    s_session_t session [COORD_TOTP_SESSIONS];
};

static const char *s_schema =
    "CREATE TABLE IF NOT EXISTS totp ("
    "  name TEXT PRIMARY KEY, public_key TEXT NOT NULL UNIQUE,"
    "  secret BLOB NOT NULL, algorithm TEXT NOT NULL, digits INTEGER NOT NULL,"
    "  last_step INTEGER NOT NULL DEFAULT 0,"       //  the last time step accepted
    "  failures INTEGER NOT NULL DEFAULT 0,"        //  wrong codes since window_start
    "  window_start INTEGER NOT NULL DEFAULT 0,"
    "  locked_until INTEGER NOT NULL DEFAULT 0,"    //  end of a cooling-off (Unix time)
    "  enrolled INTEGER NOT NULL);";

const char *
coord_totp_verdict_name (coord_totp_verdict_t verdict)
{
    static const char *names [] = { "ok", "missing", "unenrolled", "wrong", "replayed",
                                    "locked" };
    return (unsigned) verdict <= COORD_TOTP_LOCKED? names [verdict]: "?";
}

//  The store holds every enrolled secret: its owner alone may read it.
static int
s_check_mode (const char *path, bool create)
{
    if (create) {
        //  Made here, not by SQLite, so that it is 0600 from its first byte
        //  (SQLite gives its -wal and -shm files the same mode).
        int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0)
            close (fd);
        else
        if (errno != EEXIST)
            return util_error (UTIL_EIO, "cannot create: %s", strerror (errno));
    }
    struct stat st;
    if (stat (path, &st))
        return util_error (UTIL_EIO, "cannot read: %s", strerror (errno));
    if (st.st_mode & 077)
        return util_error (UTIL_EREFUSED, "mode %03o lets others read the TOTP secrets "
                           "(chmod 600 it)", (unsigned) (st.st_mode & 0777));
    return 0;
}

coord_totp_t *
coord_totp_open (const char *path, bool create)
{
    coord_totp_t *self = util_calloc (1, sizeof *self);
    if (!self || !(self->path = util_strdup (path))
    ||  s_check_mode (path, create)
    ||  util_sqlite_open (&self->db, path, create)
    ||  util_sqlite_exec (self->db, path, s_schema)) {
        util_error_context ("totp: %s", path);
        coord_totp_destroy (&self);
    }
    return self;
}

void
coord_totp_destroy (coord_totp_t **self_p)
{
    if (self_p && *self_p) {
        coord_totp_t *self = *self_p;
        sqlite3_close (self->db);
        free (self->path);
        util_cleanse (self->session, sizeof self->session);
        free (self);
        *self_p = NULL;
    }
}

static bool
s_name_ok (const char *name)
{
    size_t len = strnlen (name, COORD_TOTP_NAME_MAX + 1);
    if (len == 0 || len > COORD_TOTP_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char) name [i] <= ' ' || (unsigned char) name [i] > '~')
            return false;
    return true;
}

static bool
s_key_ok (const char *key)
{
    //  Z85 (ZeroMQ RFC 32): 40 characters of its alphabet.
    static const char z85 [] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               ".-:+=^!/*?&<>()[]{}@%$#";
    if (!key || strnlen (key, S_KEY_Z85 + 1) != S_KEY_Z85)
        return false;
    for (int i = 0; i < S_KEY_Z85; i++)
        if (!strchr (z85, key [i]))
            return false;
    return true;
}

//  Prepares sql, binding texts (NULL: not bound) and integers by position.
static sqlite3_stmt *
s_prepare (coord_totp_t *self, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2 (self->db, sql, -1, &st, NULL) != SQLITE_OK) {
        util_sqlite_fail (self->db, self->path, "totp");
        return NULL;
    }
    return st;
}

int
coord_totp_enrol (coord_totp_t *self, const char *name, const char *public_key,
                  const util_totp_key_t *key, bool replace, int64_t now)
{
    if (!s_name_ok (name))
        return util_error (UTIL_EINPUT, "totp: the name must be 1..%d printable characters "
                           "without spaces", COORD_TOTP_NAME_MAX);
    if (!s_key_ok (public_key))
        return util_error (UTIL_EINPUT, "totp: the public key is not 40 Z85 characters");
    if (util_sqlite_exec (self->db, self->path, "BEGIN IMMEDIATE"))
        return -1;
    int rc = -1;
    sqlite3_stmt *st = NULL;
    if (replace) {
        if (!(st = s_prepare (self, "DELETE FROM totp WHERE name = ?1 OR public_key = ?2")))
            goto done;
        if (sqlite3_bind_text (st, 1, name, -1, SQLITE_TRANSIENT) != SQLITE_OK
        ||  sqlite3_bind_text (st, 2, public_key, -1, SQLITE_TRANSIENT) != SQLITE_OK
        ||  sqlite3_step (st) != SQLITE_DONE) {
            util_sqlite_fail (self->db, self->path, "totp: replace");
            goto done;
        }
        sqlite3_finalize (st);
        st = NULL;
    }
    if (!(st = s_prepare (self, "INSERT INTO totp (name, public_key, secret, algorithm, digits,"
                                " enrolled) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")))
        goto done;
    if (sqlite3_bind_text (st, 1, name, -1, SQLITE_TRANSIENT) != SQLITE_OK
    ||  sqlite3_bind_text (st, 2, public_key, -1, SQLITE_TRANSIENT) != SQLITE_OK
    //  Bound in place (SQLITE_STATIC: the key outlives the statement), so
    //  that no unwiped copy of the secret is made here.
    ||  sqlite3_bind_blob (st, 3, key->secret, (int) key->secret_len, SQLITE_STATIC)
        != SQLITE_OK
    ||  sqlite3_bind_text (st, 4, util_totp_hash_name (key->hash), -1, SQLITE_STATIC)
        != SQLITE_OK
    ||  sqlite3_bind_int (st, 5, (int) key->digits) != SQLITE_OK
    ||  sqlite3_bind_int64 (st, 6, now) != SQLITE_OK) {
        util_sqlite_fail (self->db, self->path, "totp: enrol");
        goto done;
    }
    int step = sqlite3_step (st);
    if (step == SQLITE_CONSTRAINT)
        util_error (UTIL_EREFUSED, "totp: %s or its key is already enrolled (--force replaces "
                    "the enrolment)", name);
    else
    if (step != SQLITE_DONE)
        util_sqlite_fail (self->db, self->path, "totp: enrol");
    else
        rc = 0;
done:
    sqlite3_finalize (st);
    if (util_sqlite_exec (self->db, self->path, rc? "ROLLBACK": "COMMIT"))
        rc = -1;
    return rc;
}

char *
coord_totp_enrol_new (const char *cfg_path, const char *name, const char *public_key,
                      util_totp_hash_t hash, unsigned digits, bool replace)
{
    coord_config_t *cfg = coord_config_load (cfg_path);
    coord_totp_t *self = NULL;
    util_totp_key_t key;
    memset (&key, 0, sizeof key);
    char *uri = NULL;
    if (!cfg)
        goto done;
    if (!cfg->totp) {
        util_error (UTIL_EINPUT, "%s: coordinator/totp: missing: TOTP is off (name its store, "
                    "e.g. totp = totp.db)", cfg_path);
        goto done;
    }
    //  The URI first: a secret is not stored that its analyst cannot get.
    if (!(self = coord_totp_open (cfg->totp, true))
    ||  util_totp_new_secret (&key, hash, digits)
    ||  !(uri = util_totp_uri (&key, cfg->name, name)))
        goto done;
    if (coord_totp_enrol (self, name, public_key, &key, replace, (int64_t) time (NULL))) {
        util_cleanse (uri, strlen (uri));
        free (uri);
        uri = NULL;
    }
done:
    util_totp_key_clear (&key);
    coord_totp_destroy (&self);
    coord_config_destroy (&cfg);
    return uri;
}

//  ---------------------------------------------------------------------
//  Sessions (memory only)

static void
s_session_open (coord_totp_t *self, const char *key, const uint8_t *token, int64_t until)
{
    //  The same token again, a free or expired slot, else the one that
    //  expires first.
    s_session_t *slot = &self->session [0];
    for (int i = 0; i < COORD_TOTP_SESSIONS; i++) {
        s_session_t *s = &self->session [i];
        if (s->key [0] && !strcmp (s->key, key) && !CRYPTO_memcmp (s->token, token, S_TOKEN)) {
            slot = s;
            break;
        }
        if (s->expires < slot->expires)
            slot = s;
    }
    snprintf (slot->key, sizeof slot->key, "%s", key);
    memcpy (slot->token, token, S_TOKEN);
    slot->expires = until;
}

static bool
s_session_live (coord_totp_t *self, const char *key, const uint8_t *token, int64_t now,
                int64_t until)
{
    for (int i = 0; i < COORD_TOTP_SESSIONS; i++) {
        s_session_t *s = &self->session [i];
        if (s->key [0] && s->expires > now && !strcmp (s->key, key)
        &&  !CRYPTO_memcmp (s->token, token, S_TOKEN)) {
            s->expires = until;
            return true;
        }
    }
    return false;
}

//  ---------------------------------------------------------------------
//  Checking a request

typedef struct {
    util_totp_key_t key;
    int64_t last_step, failures, window_start, locked_until;
} s_row_t;

//  The row of `public_key` into *row and result->name; 1 when there is
//  one, 0 when not, -1 on error (a damaged row included).
static int
s_load (coord_totp_t *self, const char *public_key, s_row_t *row, coord_totp_result_t *result)
{
    sqlite3_stmt *st = s_prepare (self, "SELECT name, secret, algorithm, digits, last_step,"
                                        " failures, window_start, locked_until"
                                        " FROM totp WHERE public_key = ?1");
    if (!st)
        return -1;
    int rc = -1;
    if (sqlite3_bind_text (st, 1, public_key, -1, SQLITE_TRANSIENT) != SQLITE_OK) {
        util_sqlite_fail (self->db, self->path, "totp");
        goto done;
    }
    int step = sqlite3_step (st);
    if (step == SQLITE_DONE) {
        rc = 0;
        goto done;
    }
    if (step != SQLITE_ROW) {
        util_sqlite_fail (self->db, self->path, "totp");
        goto done;
    }
    const char *name = (const char *) sqlite3_column_text (st, 0);
    const void *secret = sqlite3_column_blob (st, 1);
    int secret_len = sqlite3_column_bytes (st, 1);
    const char *algorithm = (const char *) sqlite3_column_text (st, 2);
    util_totp_hash_t hash;
    if (!name || !s_name_ok (name) || !secret || !algorithm
    ||  util_totp_hash_parse (&hash, algorithm)
    ||  util_totp_key_init (&row->key, secret, (size_t) secret_len, hash,
                            (unsigned) sqlite3_column_int (st, 3))) {
        util_error (UTIL_EIO, "%s: totp: the enrolment of this key is damaged (enrol it again)",
                    self->path);
        goto done;
    }
    snprintf (result->name, sizeof result->name, "%s", name);
    row->last_step = sqlite3_column_int64 (st, 4);
    row->failures = sqlite3_column_int64 (st, 5);
    row->window_start = sqlite3_column_int64 (st, 6);
    row->locked_until = sqlite3_column_int64 (st, 7);
    rc = 1;
done:
    sqlite3_finalize (st);
    return rc;
}

//  Writes the row's counters back; durable (synchronous = FULL) when it returns.
static int
s_store (coord_totp_t *self, const char *public_key, const s_row_t *row)
{
    sqlite3_stmt *st = s_prepare (self, "UPDATE totp SET last_step = ?2, failures = ?3,"
                                        " window_start = ?4, locked_until = ?5"
                                        " WHERE public_key = ?1");
    if (!st)
        return -1;
    int rc = sqlite3_bind_text (st, 1, public_key, -1, SQLITE_TRANSIENT) == SQLITE_OK
          && sqlite3_bind_int64 (st, 2, row->last_step) == SQLITE_OK
          && sqlite3_bind_int64 (st, 3, row->failures) == SQLITE_OK
          && sqlite3_bind_int64 (st, 4, row->window_start) == SQLITE_OK
          && sqlite3_bind_int64 (st, 5, row->locked_until) == SQLITE_OK
          && sqlite3_step (st) == SQLITE_DONE
          ? 0: util_sqlite_fail (self->db, self->path, "totp: record");
    sqlite3_finalize (st);
    return rc;
}

int
coord_totp_check (coord_totp_t *self, coord_totp_result_t *result, const char *public_key,
                  const char *code, const char *session, int64_t now,
                  const coord_totp_policy_t *policy)
{
    memset (result, 0, sizeof *result);
    result->verdict = COORD_TOTP_UNENROLLED;
    s_row_t row;
    memset (&row, 0, sizeof row);
    uint8_t token [S_TOKEN];
    bool has_token = session && *session
                  && util_hex_decode (token, sizeof token, session, strlen (session)) == 0;
    int rc = -1;
    if (!s_key_ok (public_key)) {
        rc = 0;                 //  not a CURVE client: nobody is enrolled as that
        goto done;
    }
    int found = s_load (self, public_key, &row, result);
    if (found <= 0) {
        rc = found;
        goto done;
    }
    int64_t until = now + (int64_t) policy->session_s;
    if (!code || !*code) {
        result->verdict = has_token && s_session_live (self, public_key, token, now, until)
                        ? COORD_TOTP_OK: COORD_TOTP_MISSING;
        rc = 0;
        goto done;
    }
    if (row.locked_until > now) {
        result->verdict = COORD_TOTP_LOCKED;
        result->locked_until = row.locked_until;
        rc = 0;
        goto done;
    }
    util_totp_verdict_t verdict = UTIL_TOTP_WRONG;
    uint64_t step = 0;
    if (util_totp_verify (&verdict, &step, &row.key, code, now,
                          row.last_step < 0? 0: (uint64_t) row.last_step)
    &&  util_last_code () != UTIL_EINPUT)
        goto done;              //  the MAC failed: nothing is judged
    //  A malformed code (UTIL_EINPUT) is a wrong guess like any other.
    if (verdict == UTIL_TOTP_ACCEPTED) {
        row.last_step = (int64_t) step;
        row.failures = 0;
        row.window_start = 0;
        if (s_store (self, public_key, &row))
            goto done;          //  not durable: not accepted
        if (has_token)
            s_session_open (self, public_key, token, until);
        result->verdict = COORD_TOTP_OK;
    }
    else
    if (verdict == UTIL_TOTP_REPLAYED)
        result->verdict = COORD_TOTP_REPLAYED;
    else {
        //  Failures count inside a window of cooloff_s from the first.
        if (now - row.window_start >= (int64_t) policy->cooloff_s || row.failures == 0) {
            row.window_start = now;
            row.failures = 0;
        }
        row.failures++;
        if (row.failures >= (int64_t) policy->max_failures) {
            row.locked_until = now + (int64_t) policy->cooloff_s;
            row.failures = 0;
            result->locked_now = true;
            result->locked_until = row.locked_until;
        }
        if (s_store (self, public_key, &row))
            goto done;
        result->verdict = COORD_TOTP_WRONG;
    }
    rc = 0;
done:
    util_totp_key_clear (&row.key);
    util_cleanse (token, sizeof token);
    return rc;
}
