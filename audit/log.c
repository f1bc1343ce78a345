/*  audit/log.c - the append-only audit log in SQLite: appends, the tree
    head, proofs and checkpoints. Verification is in audit/verify.c. */
#include "log.h"
#include "audit_internal.h"
#include "util/sqlite.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct _audit_log_t {
    sqlite3 *db;
    char *path;
    char origin [AUDIT_ORIGIN_MAX + 1];
    audit_frontier_t frontier;          //  right edge of the tree
    sqlite3_stmt *insert;
    sqlite3_stmt *get_meta;
    sqlite3_stmt *set_meta;
    uint8_t *buf;                       //  AUDIT_ENTRY_ENCODED_MAX scratch
};

static const char s_schema [] =
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL,"
    " kind TEXT NOT NULL, actor TEXT NOT NULL, detail TEXT NOT NULL, leaf BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS checkpoints (size INTEGER PRIMARY KEY, root BLOB NOT NULL,"
    " note TEXT NOT NULL);";

static void
s_put_be (uint8_t *p, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--, v >>= 8)
        p [i] = (uint8_t) v;
}

int
audit_entry_leaf (audit_hash_t leaf, uint8_t *buf, uint64_t index, int64_t time_ms,
                  const char *kind, size_t kind_len, const char *actor, size_t actor_len,
                  const char *detail, size_t detail_len)
{
    if (kind_len > AUDIT_KIND_MAX || actor_len > AUDIT_ACTOR_MAX
    ||  detail_len > AUDIT_DETAIL_MAX)
        return util_error (UTIL_ELIMIT, "entry %llu: a field is longer than its limit",
                           (unsigned long long) index);
    uint8_t *p = buf;
    s_put_be (p, index, 8);
    s_put_be (p + 8, (uint64_t) time_ms, 8);
    p [16] = (uint8_t) kind_len;
    p += 17;
    memcpy (p, kind, kind_len);
    p += kind_len;
    s_put_be (p, actor_len, 2);
    memcpy (p + 2, actor, actor_len);
    p += 2 + actor_len;
    s_put_be (p, detail_len, 4);
    memcpy (p + 4, detail, detail_len);
    p += 4 + detail_len;
    return audit_merkle_leaf_hash (leaf, buf, (size_t) (p - buf));
}

static int
s_sql_error (audit_log_t *self, const char *what)
{
    return util_sqlite_fail (self->db, self->path, what);
}

//  Reads meta `key` as a blob into out (cap bytes). Returns its length, or
//  -1 if missing (and *missing set) or on error.
static int
s_meta_get (audit_log_t *self, const char *key, void *out, size_t cap, bool *missing)
{
    sqlite3_stmt *st = self->get_meta;
    sqlite3_reset (st);
    sqlite3_bind_text (st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step (st);
    int len = -1;
    if (missing)
        *missing = rc == SQLITE_DONE;
    if (rc == SQLITE_DONE)
        util_error (UTIL_EINPUT, "%s: meta '%s' is missing", self->path, key);
    else
    if (rc != SQLITE_ROW)
        s_sql_error (self, "reading meta");
    else
    if ((size_t) sqlite3_column_bytes (st, 0) > cap)
        util_error (UTIL_ELIMIT, "%s: meta '%s' is too long", self->path, key);
    else {
        len = sqlite3_column_bytes (st, 0);
        if (len)
            memcpy (out, sqlite3_column_blob (st, 0), (size_t) len);
    }
    //  A statement left on a row would hold the read lock.
    sqlite3_reset (st);
    return len;
}

static int
s_meta_set (audit_log_t *self, const char *key, const void *value, size_t len)
{
    sqlite3_stmt *st = self->set_meta;
    sqlite3_reset (st);
    sqlite3_bind_text (st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob (st, 2, value, (int) len, SQLITE_STATIC);
    return sqlite3_step (st) == SQLITE_DONE? 0: s_sql_error (self, "writing meta");
}

//  Loads size and right edge from meta: the truth another process may
//  have moved since we last looked.
static int
s_load_head (audit_log_t *self)
{
    uint8_t be [8];
    if (s_meta_get (self, "size", be, sizeof be, NULL) != 8)
        return util_error (UTIL_EINPUT, "%s: meta 'size' is not 8 bytes", self->path);
    uint64_t size = 0;
    for (int i = 0; i < 8; i++)
        size = size << 8 | be [i];
    audit_frontier_t f;
    audit_frontier_init (&f);
    int len = s_meta_get (self, "frontier", f.hash, sizeof f.hash, NULL);
    if (len < 0)
        return -1;
    if (len != __builtin_popcountll (size) * AUDIT_HASH_LEN)
        return util_error (UTIL_EINPUT, "%s: stored right edge does not fit size %llu: run "
                           "`cohort audit verify`", self->path, (unsigned long long) size);
    f.size = size;
    f.count = __builtin_popcountll (size);
    self->frontier = f;
    return 0;
}

static int
s_store_head (audit_log_t *self)
{
    uint8_t be [8];
    s_put_be (be, self->frontier.size, 8);
    if (s_meta_set (self, "size", be, 8))
        return -1;
    return s_meta_set (self, "frontier", self->frontier.hash,
                       (size_t) self->frontier.count * AUDIT_HASH_LEN);
}

static int
s_prepare (audit_log_t *self, const char *sql, sqlite3_stmt **st)
{
    if (sqlite3_prepare_v2 (self->db, sql, -1, st, NULL) != SQLITE_OK)
        return s_sql_error (self, "preparing a statement");
    return 0;
}

static int
s_exec (audit_log_t *self, const char *sql)
{
    return util_sqlite_exec (self->db, self->path, sql);
}

//  Creates the tables and meta of a new log, or checks an existing one.
static int
s_init_file (audit_log_t *self, const char *origin)
{
    if (s_exec (self, "BEGIN IMMEDIATE"))
        goto rollback;
    char format [64] = "";
    bool missing = false;
    int len = s_meta_get (self, "format", format, sizeof format - 1, &missing);
    if (len < 0 && missing) {
        if (!audit_checkpoint_origin_ok (origin)) {
            util_error (UTIL_EINPUT, "%s: a new log needs an origin of 1..%d printable characters",
                        self->path, AUDIT_ORIGIN_MAX);
            goto rollback;
        }
        snprintf (self->origin, sizeof self->origin, "%s", origin);
        audit_frontier_init (&self->frontier);
        if (s_meta_set (self, "format", AUDIT_LOG_FORMAT, strlen (AUDIT_LOG_FORMAT))
        ||  s_meta_set (self, "origin", origin, strlen (origin))
        ||  s_store_head (self))
            goto rollback;
    }
    else {
        if (len < 0)
            goto rollback;
        format [len] = '\0';
        if (strcmp (format, AUDIT_LOG_FORMAT) != 0) {
            util_error (UTIL_EINPUT, "%s: not a Cohort audit log (format '%s')", self->path, format);
            goto rollback;
        }
        len = s_meta_get (self, "origin", self->origin, AUDIT_ORIGIN_MAX, NULL);
        if (len < 0)
            goto rollback;
        self->origin [len] = '\0';
        if (origin && strcmp (origin, self->origin) != 0) {
            util_error (UTIL_EFAIL, "%s: log origin is '%s', not '%s'", self->path, self->origin, origin);
            goto rollback;
        }
        if (s_load_head (self))
            goto rollback;
    }
    return s_exec (self, "COMMIT");
rollback:
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

audit_log_t *
audit_log_open (const char *path, const char *origin)
{
    audit_log_t *self = util_calloc (1, sizeof *self);
    if (!self || !(self->path = util_strdup (path))
    ||  !(self->buf = util_malloc (AUDIT_ENTRY_ENCODED_MAX))) {
        util_error_context ("%s", path);
        audit_log_destroy (&self);
        return NULL;
    }
    //  Without an origin only an existing log can be meant: do not leave an
    //  empty file behind for a mistyped path. WAL with synchronous=FULL
    //  (util_sqlite_open): an acknowledged append survives power loss.
    if (util_sqlite_open (&self->db, path, origin != NULL)
    ||  s_exec (self, s_schema)
    ||  s_prepare (self, "SELECT value FROM meta WHERE key = ?", &self->get_meta)
    ||  s_prepare (self, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                   &self->set_meta)
    ||  s_init_file (self, origin)
    ||  s_prepare (self, "INSERT INTO entries (idx, time_ms, kind, actor, detail, leaf)"
                   " VALUES (?, ?, ?, ?, ?, ?)", &self->insert))
        audit_log_destroy (&self);
    return self;
}

void
audit_log_destroy (audit_log_t **self_p)
{
    if (self_p && *self_p) {
        audit_log_t *self = *self_p;
        sqlite3_finalize (self->insert);
        sqlite3_finalize (self->get_meta);
        sqlite3_finalize (self->set_meta);
        sqlite3_close (self->db);
        free (self->path);
        free (self->buf);
        free (self);
        *self_p = NULL;
    }
}

uint64_t
audit_log_size (const audit_log_t *self)
{
    return self->frontier.size;
}

const char *
audit_log_origin (const audit_log_t *self)
{
    return self->origin;
}

//  Checks one entry's fields; `which` is its position in the batch.
static int
s_check_entry (const audit_entry_t *e, size_t which)
{
    size_t klen = e->kind? strlen (e->kind): 0;
    if (klen == 0 || klen > AUDIT_KIND_MAX || strspn (e->kind,
            "abcdefghijklmnopqrstuvwxyz0123456789._-") != klen)
        return util_error (UTIL_EINPUT, "entry %zu: kind must be 1..%d characters of [a-z0-9._-]",
                           which, AUDIT_KIND_MAX);
    size_t alen = e->actor? strlen (e->actor): 0;
    if (alen == 0 || alen > AUDIT_ACTOR_MAX)
        return util_error (UTIL_EINPUT, "entry %zu: actor must be 1..%d characters", which, AUDIT_ACTOR_MAX);
    for (size_t i = 0; i < alen; i++)
        if (e->actor [i] < 0x20 || e->actor [i] > 0x7e)
            return util_error (UTIL_EINPUT, "entry %zu: actor must be printable ASCII", which);
    if (e->time_ms < 0)
        return util_error (UTIL_EINPUT, "entry %zu: time_ms must not be negative", which);
    size_t dlen = e->detail? strlen (e->detail): 0;
    if (dlen == 0 || dlen > AUDIT_DETAIL_MAX)
        return util_error (UTIL_EINPUT, "entry %zu: detail must be 1..%d bytes of JSON", which,
                           AUDIT_DETAIL_MAX);
    json_error_t jerr;
    json_t *j = json_loadb (e->detail, dlen, JSON_REJECT_DUPLICATES, &jerr);
    int ok = j && json_is_object (j);
    json_decref (j);
    if (!ok)
        return j? util_error (UTIL_EINPUT, "entry %zu: detail must be a JSON object", which)
                : util_error (json_error_code (&jerr) == json_error_out_of_memory?
                              UTIL_ENOMEM: UTIL_EINPUT,
                              "entry %zu: detail: line %d column %d: %s", which,
                              jerr.line, jerr.column, jerr.text);
    return 0;
}

static int64_t
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
s_insert (audit_log_t *self, const audit_entry_t *e, int64_t now)
{
    uint64_t index = self->frontier.size;
    int64_t t = e->time_ms? e->time_ms: now;
    audit_hash_t leaf;
    if (index > INT64_MAX)
        return util_error (UTIL_EFAIL, "%s: log is full", self->path);
    if (audit_entry_leaf (leaf, self->buf, index, t, e->kind, strlen (e->kind),
                          e->actor, strlen (e->actor), e->detail, strlen (e->detail)))
        return -1;
    sqlite3_stmt *st = self->insert;
    sqlite3_reset (st);
    sqlite3_bind_int64 (st, 1, (sqlite3_int64) index);
    sqlite3_bind_int64 (st, 2, t);
    sqlite3_bind_text (st, 3, e->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 4, e->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text (st, 5, e->detail, -1, SQLITE_STATIC);
    sqlite3_bind_blob (st, 6, leaf, AUDIT_HASH_LEN, SQLITE_STATIC);
    if (sqlite3_step (st) != SQLITE_DONE)
        return s_sql_error (self, "appending");
    return audit_frontier_push (&self->frontier, leaf);
}

int
audit_log_append_batch (audit_log_t *self, const audit_entry_t *entries, size_t n,
                        uint64_t *first)
{
    if (n == 0 || n > AUDIT_BATCH_MAX)
        return util_error (UTIL_EFAIL, "%s: a batch holds 1..%d entries, not %zu", self->path,
                           AUDIT_BATCH_MAX, n);
    for (size_t i = 0; i < n; i++)
        if (s_check_entry (&entries [i], i))
            return -1;
    audit_frontier_t saved = self->frontier;
    if (s_exec (self, "BEGIN IMMEDIATE"))
        return -1;
    //  Another process may have appended since our last transaction.
    if (s_load_head (self))
        goto rollback;
    uint64_t start = self->frontier.size;
    int64_t now = s_now_ms ();
    for (size_t i = 0; i < n; i++)
        if (s_insert (self, &entries [i], now))
            goto rollback;
    if (s_store_head (self) || s_exec (self, "COMMIT"))
        goto rollback;
    if (first)
        *first = start;
    return 0;
rollback:
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    self->frontier = saved;
    return -1;
}

int
audit_log_append (audit_log_t *self, const audit_entry_t *entry, uint64_t *index)
{
    return audit_log_append_batch (self, entry, 1, index);
}

int
audit_log_head (audit_log_t *self, audit_checkpoint_t *head)
{
    //  A read transaction so that size and right edge are from one moment.
    if (s_exec (self, "BEGIN"))
        return -1;
    int rc = s_load_head (self);
    sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL);
    if (rc)
        return -1;
    snprintf (head->origin, sizeof head->origin, "%s", self->origin);
    head->size = self->frontier.size;
    return audit_frontier_root (&self->frontier, head->root);
}

char *
audit_log_entry_json (audit_log_t *self, uint64_t index)
{
    sqlite3_stmt *st = NULL;
    char *text = NULL;
    if (sqlite3_prepare_v2 (self->db, "SELECT time_ms, kind, actor, detail FROM entries"
                            " WHERE idx = ?", -1, &st, NULL) != SQLITE_OK) {
        s_sql_error (self, "reading an entry");
        return NULL;
    }
    sqlite3_bind_int64 (st, 1, (sqlite3_int64) index);
    int rc = sqlite3_step (st);
    if (rc != SQLITE_ROW) {
        if (rc == SQLITE_DONE)
            util_error (UTIL_EFAIL, "%s: no entry %llu (the log has %llu)", self->path,
                        (unsigned long long) index,
                        (unsigned long long) self->frontier.size);
        else
            s_sql_error (self, "reading an entry");
        sqlite3_finalize (st);
        return NULL;
    }
    //  detail stays the exact stored text, so that anyone can recompute
    //  the leaf hash from this output.
    json_t *j = json_pack ("{s:I, s:I, s:s?, s:s?, s:s?}", "index", (json_int_t) index,
                           "time_ms", (json_int_t) sqlite3_column_int64 (st, 0),
                           "kind", (const char *) sqlite3_column_text (st, 1),
                           "actor", (const char *) sqlite3_column_text (st, 2),
                           "detail", (const char *) sqlite3_column_text (st, 3));
    if (j)
        text = json_dumps (j, JSON_PRESERVE_ORDER | JSON_COMPACT);
    //  json_pack also refuses text that is not UTF-8 (a damaged row);
    //  json_dumps fails only when memory runs out.
    if (!text)
        util_error (j? UTIL_ENOMEM: UTIL_EFAIL, "%s: entry %llu cannot be shown%s", self->path,
                    (unsigned long long) index, j? ": out of memory": "");
    json_decref (j);
    sqlite3_finalize (st);
    return text;
}

//  Reads the leaf hashes of the first `size` entries into a new array.
static audit_hash_t *
s_load_leaves (audit_log_t *self, uint64_t size)
{
    if (size > self->frontier.size) {
        util_error (UTIL_ELIMIT, "%s: tree size %llu is larger than the log (%llu entries)", self->path,
                    (unsigned long long) size, (unsigned long long) self->frontier.size);
        return NULL;
    }
    if ((uint64_t) (size_t) size != size) {
        util_error (UTIL_ELIMIT, "%s: %llu leaf hashes do not fit in memory", self->path,
                    (unsigned long long) size);
        return NULL;
    }
    audit_hash_t *leaves = util_calloc ((size_t) size, sizeof *leaves);
    sqlite3_stmt *st = NULL;
    if (!leaves) {
        util_error_context ("%s: %llu leaf hashes", self->path, (unsigned long long) size);
        return NULL;
    }
    if (sqlite3_prepare_v2 (self->db, "SELECT idx, leaf FROM entries WHERE idx < ?"
                            " ORDER BY idx", -1, &st, NULL) != SQLITE_OK) {
        s_sql_error (self, "reading leaves");
        goto fail;
    }
    sqlite3_bind_int64 (st, 1, (sqlite3_int64) size);
    uint64_t i = 0;
    int rc;
    while ((rc = sqlite3_step (st)) == SQLITE_ROW) {
        if ((uint64_t) sqlite3_column_int64 (st, 0) != i
        ||  sqlite3_column_bytes (st, 1) != AUDIT_HASH_LEN) {
            util_error (UTIL_EINPUT, "%s: entry %llu is missing or damaged: run `cohort audit verify`",
                        self->path, (unsigned long long) i);
            goto fail;
        }
        memcpy (leaves [i++], sqlite3_column_blob (st, 1), AUDIT_HASH_LEN);
    }
    if (rc != SQLITE_DONE || i != size) {
        if (rc != SQLITE_DONE)
            s_sql_error (self, "reading leaves");
        else
            util_error (UTIL_EINPUT, "%s: entry %llu is missing: run `cohort audit verify`",
                        self->path, (unsigned long long) i);
        goto fail;
    }
    sqlite3_finalize (st);
    return leaves;
fail:
    sqlite3_finalize (st);
    free (leaves);
    return NULL;
}

int
audit_log_root_at (audit_log_t *self, uint64_t size, audit_hash_t root)
{
    audit_hash_t *leaves = s_load_leaves (self, size);
    if (!leaves)
        return -1;
    int rc = audit_merkle_root (root, leaves, size);
    free (leaves);
    return rc;
}

int
audit_log_inclusion_proof (audit_log_t *self, uint64_t index, uint64_t size,
                           audit_hash_t leaf, audit_hash_t *proof, size_t *proof_len)
{
    if (index >= size)
        return util_error (UTIL_EINPUT, "%s: entry %llu is not in a tree of %llu entries", self->path,
                           (unsigned long long) index, (unsigned long long) size);
    audit_hash_t *leaves = s_load_leaves (self, size);
    if (!leaves)
        return -1;
    int rc = audit_merkle_inclusion_proof (proof, proof_len, leaves, size, index);
    if (rc == 0)
        memcpy (leaf, leaves [index], AUDIT_HASH_LEN);
    free (leaves);
    return rc;
}

int
audit_log_consistency_proof (audit_log_t *self, uint64_t old_size, uint64_t size,
                             audit_hash_t *proof, size_t *proof_len)
{
    if (old_size > size)
        return util_error (UTIL_ELIMIT, "%s: old size %llu is larger than size %llu", self->path,
                           (unsigned long long) old_size, (unsigned long long) size);
    audit_hash_t *leaves = s_load_leaves (self, size);
    if (!leaves)
        return -1;
    int rc = audit_merkle_consistency_proof (proof, proof_len, leaves, size, old_size);
    free (leaves);
    return rc;
}

char *
audit_log_checkpoint (audit_log_t *self, const audit_signer_t *signer)
{
    char *vkey = audit_signer_verifier_text (signer);
    char *note = NULL;
    if (!vkey || s_exec (self, "BEGIN IMMEDIATE"))
        goto done;
    char stored [AUDIT_KEY_TEXT_MAX + 1];
    bool missing = false;
    int len = s_meta_get (self, "verifier", stored, AUDIT_KEY_TEXT_MAX, &missing);
    if (len < 0 && !missing)
        goto rollback;
    if (len >= 0) {
        stored [len] = '\0';
        if (strcmp (stored, vkey) != 0) {
            util_error (UTIL_EFAIL, "%s: the log's checkpoints are signed by key '%s', not by this key",
                        self->path, stored);
            goto rollback;
        }
    }
    else
    if (s_meta_set (self, "verifier", vkey, strlen (vkey)))
        goto rollback;
    audit_checkpoint_t cp;
    if (s_load_head (self))
        goto rollback;
    snprintf (cp.origin, sizeof cp.origin, "%s", self->origin);
    cp.size = self->frontier.size;
    if (audit_frontier_root (&self->frontier, cp.root)
    ||  !(note = audit_checkpoint_sign (&cp, signer)))
        goto rollback;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2 (self->db, "INSERT OR REPLACE INTO checkpoints (size, root, note)"
                            " VALUES (?, ?, ?)", -1, &st, NULL) != SQLITE_OK) {
        s_sql_error (self, "storing the checkpoint");
        goto rollback;
    }
    sqlite3_bind_int64 (st, 1, (sqlite3_int64) cp.size);
    sqlite3_bind_blob (st, 2, cp.root, AUDIT_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_text (st, 3, note, -1, SQLITE_STATIC);
    int rc = sqlite3_step (st);
    sqlite3_finalize (st);
    if (rc != SQLITE_DONE) {
        s_sql_error (self, "storing the checkpoint");
        goto rollback;
    }
    if (s_exec (self, "COMMIT"))
        goto rollback;
    goto done;
rollback:
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
    free (note);
    note = NULL;
done:
    free (vkey);
    return note;
}
