/*  audit/verify.c - recomputes a log file from its entries and checks it
    against its own head and every signed checkpoint (audit_log_verify). */
#include "log.h"
#include "audit_internal.h"
#include "util/sqlite.h"

#include <openssl/crypto.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *path;
    sqlite3 *db;
    audit_verify_result_t *result;
    audit_verifier_t *own_key;          //  the key the log recorded
    const audit_verifier_t *key;        //  the key checkpoints must verify with
    char origin [AUDIT_ORIGIN_MAX + 1];
    uint64_t meta_size;
    audit_frontier_t meta_edge;
    audit_checkpoint_t *cps;            //  sorted by size
    size_t ncps;
    uint8_t *buf;
} verify_t;

//  Fails naming entry `index` as the first bad one.
static int
s_bad (verify_t *v, uint64_t index, const char *fmt, const char *detail)
{
    v->result->first_bad = (int64_t) index;
    return util_error (UTIL_ECRYPTO, fmt, v->path, (unsigned long long) index, detail);
}

static int
s_meta (verify_t *v, const char *key, void *out, size_t cap, int *len)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2 (v->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL)
        != SQLITE_OK) {
        util_error (UTIL_EIO, "%s: not a Cohort audit log: %s", v->path, sqlite3_errmsg (v->db));
        goto done;
    }
    sqlite3_bind_text (st, 1, key, -1, SQLITE_STATIC);
    int step = sqlite3_step (st);
    if (step == SQLITE_DONE) {
        *len = -1;
        rc = 0;
    }
    else
    if (step != SQLITE_ROW)
        util_error (UTIL_EIO, "%s: reading meta '%s': %s", v->path, key, sqlite3_errmsg (v->db));
    else
    if ((size_t) sqlite3_column_bytes (st, 0) > cap)
        util_error (UTIL_ELIMIT, "%s: meta '%s' is too long", v->path, key);
    else {
        *len = sqlite3_column_bytes (st, 0);
        if (*len)
            memcpy (out, sqlite3_column_blob (st, 0), (size_t) *len);
        rc = 0;
    }
done:
    sqlite3_finalize (st);
    return rc;
}

static int
s_read_meta (verify_t *v, const audit_verifier_t *given)
{
    char text [AUDIT_KEY_TEXT_MAX + 1];
    int len = 0;
    if (s_meta (v, "format", text, sizeof text - 1, &len))
        return -1;
    if (len < 0 || (size_t) len != strlen (AUDIT_LOG_FORMAT)
    ||  memcmp (text, AUDIT_LOG_FORMAT, (size_t) len) != 0)
        return util_error (UTIL_EINPUT, "%s: not a Cohort audit log (format tag missing or wrong)", v->path);
    if (s_meta (v, "origin", v->origin, AUDIT_ORIGIN_MAX, &len))
        return -1;
    if (len < 1)
        return util_error (UTIL_EINPUT, "%s: meta 'origin' is missing", v->path);
    v->origin [len] = '\0';
    uint8_t be [8];
    if (s_meta (v, "size", be, sizeof be, &len))
        return -1;
    if (len != 8)
        return util_error (UTIL_EINPUT, "%s: meta 'size' is missing or damaged", v->path);
    for (int i = 0; i < 8; i++)
        v->meta_size = v->meta_size << 8 | be [i];
    if (s_meta (v, "frontier", v->meta_edge.hash, sizeof v->meta_edge.hash, &len))
        return -1;
    v->meta_edge.count = len < 0? -1: len / AUDIT_HASH_LEN;
    if (len < 0 || len % AUDIT_HASH_LEN)
        v->meta_edge.count = -1;
    if (s_meta (v, "verifier", text, sizeof text - 1, &len))
        return -1;
    if (len >= 0) {
        v->own_key = audit_verifier_parse (text, (size_t) len);
        if (!v->own_key && util_last_code () == UTIL_ENOMEM)
            return util_error_context ("%s: the log's recorded verifier key", v->path);
        if (!v->own_key)
            return util_error (UTIL_EINPUT, "%s: the log's recorded verifier key is damaged", v->path);
    }
    v->key = given? given: v->own_key;
    return 0;
}

//  Opens one checkpoint note and checks it belongs to this log.
static int
s_open_note (verify_t *v, audit_checkpoint_t *cp, const char *note, size_t len,
             const char *what)
{
    if (!v->key)
        return util_error (UTIL_EINPUT, "%s: %s: no verifier key (the log records none; pass one)",
                           v->path, what);
    if (audit_checkpoint_open (cp, note, len, v->key))
        return util_error_context ("%s: %s", v->path, what);
    if (strcmp (cp->origin, v->origin) != 0)
        return util_error (UTIL_EINPUT, "%s: %s is for log '%s', not '%s'", v->path, what, cp->origin,
                           v->origin);
    return 0;
}

static int
s_read_checkpoints (verify_t *v, const char *note, size_t note_len)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2 (v->db, "SELECT size, root, note FROM checkpoints ORDER BY size",
                            -1, &st, NULL) != SQLITE_OK) {
        util_sqlite_fail (v->db, v->path, "reading checkpoints");
        goto done;
    }
    size_t cap = 0;
    int step;
    //  One slot is kept free for the external checkpoint.
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        if (v->ncps + 2 > cap) {
            //  util_realloc_array refuses a count that would wrap.
            cap = cap? 2 * cap: 16;
            audit_checkpoint_t *grown = util_realloc_array (v->cps, cap, sizeof *grown);
            if (!grown) {
                util_error_context ("%s: reading checkpoints", v->path);
                goto done;
            }
            v->cps = grown;
        }
        char what [64];
        int64_t size = sqlite3_column_int64 (st, 0);
        snprintf (what, sizeof what, "stored checkpoint at size %lld", (long long) size);
        audit_checkpoint_t *cp = &v->cps [v->ncps];
        const char *text = (const char *) sqlite3_column_text (st, 2);
        if (!text || s_open_note (v, cp, text, (size_t) sqlite3_column_bytes (st, 2), what))
            goto done;
        if (size < 0 || cp->size != (uint64_t) size
        ||  sqlite3_column_bytes (st, 1) != AUDIT_HASH_LEN
        ||  memcmp (sqlite3_column_blob (st, 1), cp->root, AUDIT_HASH_LEN) != 0) {
            util_error (UTIL_ECRYPTO, "%s: %s: its columns do not match its signed note", v->path, what);
            goto done;
        }
        v->ncps++;
    }
    if (step != SQLITE_DONE) {
        util_sqlite_fail (v->db, v->path, "reading checkpoints");
        goto done;
    }
    if (note) {
        if (!v->cps && !(v->cps = util_malloc (sizeof *v->cps))) {
            util_error_context ("%s: reading checkpoints", v->path);
            goto done;
        }
        audit_checkpoint_t cp;
        if (s_open_note (v, &cp, note, note_len, "given checkpoint"))
            goto done;
        //  Insert in size order.
        size_t at = v->ncps;
        while (at > 0 && v->cps [at - 1].size > cp.size) {
            v->cps [at] = v->cps [at - 1];
            at--;
        }
        v->cps [at] = cp;
        v->ncps++;
    }
    rc = 0;
done:
    sqlite3_finalize (st);
    return rc;
}

//  Checks checkpoints whose size equals the `size` entries read so far.
static int
s_check_heads (verify_t *v, size_t *next, const audit_frontier_t *tree, uint64_t *verified)
{
    while (*next < v->ncps && v->cps [*next].size == tree->size) {
        audit_hash_t root;
        if (audit_frontier_root (tree, root))
            return -1;
        const audit_checkpoint_t *cp = &v->cps [*next];
        if (CRYPTO_memcmp (root, cp->root, AUDIT_HASH_LEN) != 0) {
            //  Leaves and contents agree, so the log was rewritten with
            //  fresh hashes: the signed head bounds where.
            v->result->first_bad = (int64_t) *verified;
            return util_error (UTIL_EINPUT, "%s: entries %llu..%llu were rewritten: the tree of the first "
                               "%llu entries does not match the checkpoint signed at that size "
                               "(first bad entry is entry %llu or later)", v->path,
                               (unsigned long long) *verified,
                               (unsigned long long) (cp->size - 1),
                               (unsigned long long) cp->size,
                               (unsigned long long) *verified);
        }
        *verified = cp->size;
        v->result->checkpoints++;
        (*next)++;
    }
    return 0;
}

static int
s_check_entries (verify_t *v)
{
    sqlite3_stmt *st = NULL;
    audit_frontier_t tree;
    audit_frontier_init (&tree);
    uint64_t verified = 0;              //  entries covered by a good checkpoint
    size_t next = 0;
    int rc = -1;
    if (s_check_heads (v, &next, &tree, &verified))
        goto done;
    if (sqlite3_prepare_v2 (v->db, "SELECT idx, time_ms, kind, actor, detail, leaf FROM entries"
                            " ORDER BY idx", -1, &st, NULL) != SQLITE_OK) {
        util_sqlite_fail (v->db, v->path, "reading entries");
        goto done;
    }
    int step;
    char text [600];
    while ((step = sqlite3_step (st)) == SQLITE_ROW) {
        uint64_t i = tree.size;
        int64_t idx = sqlite3_column_int64 (st, 0);
        if (idx < 0 || (uint64_t) idx != i) {
            //  Rows come in key order from an intact b-tree: going back
            //  means SQLite is reading zeroed or foreign pages.
            snprintf (text, sizeof text, "%lld", (long long) idx);
            if (idx > 0 && (uint64_t) idx > i)
                s_bad (v, i, "%s: entry %llu is missing (the next stored entry is %s)", text);
            else
                s_bad (v, i, "%s: entry %llu cannot be read: the file is truncated or corrupt "
                       "(a stored entry %s is out of order)", text);
            goto done;
        }
        if (sqlite3_column_type (st, 1) != SQLITE_INTEGER
        ||  sqlite3_column_type (st, 2) != SQLITE_TEXT
        ||  sqlite3_column_type (st, 3) != SQLITE_TEXT
        ||  sqlite3_column_type (st, 4) != SQLITE_TEXT
        ||  sqlite3_column_type (st, 5) != SQLITE_BLOB
        ||  sqlite3_column_bytes (st, 5) != AUDIT_HASH_LEN) {
            s_bad (v, i, "%s: entry %llu is damaged (%s)", "a field has the wrong type");
            goto done;
        }
        audit_hash_t leaf;
        if (audit_entry_leaf (leaf, v->buf, i, sqlite3_column_int64 (st, 1),
                              (const char *) sqlite3_column_text (st, 2),
                              (size_t) sqlite3_column_bytes (st, 2),
                              (const char *) sqlite3_column_text (st, 3),
                              (size_t) sqlite3_column_bytes (st, 3),
                              (const char *) sqlite3_column_text (st, 4),
                              (size_t) sqlite3_column_bytes (st, 4))) {
            s_bad (v, i, "%s: entry %llu is damaged (%s)", "a field is longer than its limit");
            goto done;
        }
        if (CRYPTO_memcmp (leaf, sqlite3_column_blob (st, 5), AUDIT_HASH_LEN) != 0) {
            s_bad (v, i, "%s: entry %llu was altered (%s)",
                   "its content does not match its leaf hash");
            goto done;
        }
        if (audit_frontier_push (&tree, leaf) || s_check_heads (v, &next, &tree, &verified))
            goto done;
        v->result->entries = tree.size;
    }
    uint64_t n = tree.size;
    if (step != SQLITE_DONE) {
        snprintf (text, sizeof text, "%s", sqlite3_errmsg (v->db));
        s_bad (v, n, "%s: entry %llu cannot be read: the file is truncated or corrupt (%s)",
               text);
        goto done;
    }
    if (next < v->ncps) {
        snprintf (text, sizeof text, "%llu", (unsigned long long) v->cps [next].size);
        s_bad (v, n, "%s: entry %llu is missing: the log was truncated below a checkpoint "
               "signed at size %s", text);
        goto done;
    }
    if (v->meta_size != n) {
        snprintf (text, sizeof text, "%llu", (unsigned long long) v->meta_size);
        if (v->meta_size > n)
            s_bad (v, n, "%s: entry %llu is missing: the log's head records %s entries", text);
        else
            s_bad (v, v->meta_size, "%s: entry %llu was not appended through the log "
                   "(the log's head records %s entries)", text);
        goto done;
    }
    if (v->meta_edge.count != tree.count) {
        util_error (UTIL_EINPUT, "%s: the stored right edge of the tree is damaged", v->path);
        goto done;
    }
    //  Each right-edge hash covers one perfect subtree, largest first; the
    //  first that differs bounds where the rewrite starts.
    uint64_t start = 0;
    for (int k = 0; k < tree.count; k++) {
        uint64_t span = (uint64_t) 1 << (63 - __builtin_clzll (n - start));
        if (memcmp (v->meta_edge.hash [k], tree.hash [k], AUDIT_HASH_LEN) != 0) {
            v->result->first_bad = (int64_t) start;
            util_error (UTIL_EINPUT, "%s: entries %llu..%llu were rewritten: the stored right edge of the "
                        "tree does not match them (first bad entry is entry %llu or later)",
                        v->path, (unsigned long long) start,
                        (unsigned long long) (start + span - 1), (unsigned long long) start);
            goto done;
        }
        start += span;
    }
    snprintf (v->result->head.origin, sizeof v->result->head.origin, "%s", v->origin);
    v->result->head.size = n;
    rc = audit_frontier_root (&tree, v->result->head.root);
done:
    sqlite3_finalize (st);
    return rc;
}

int
audit_log_verify (const char *path, const audit_verifier_t *verifier, const char *note,
                  size_t note_len, audit_verify_result_t *result)
{
    verify_t v;
    memset (&v, 0, sizeof v);
    memset (result, 0, sizeof *result);
    result->first_bad = -1;
    v.path = path;
    v.result = result;
    int rc = -1;
    if (!(v.buf = util_malloc (AUDIT_ENTRY_ENCODED_MAX))) {
        util_error_context ("%s", path);
        goto done;
    }
    //  Read-only, not util_sqlite_open: verifying must never change the
    //  evidence, not even its journal mode.
    if (sqlite3_open_v2 (path, &v.db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL)
        != SQLITE_OK) {
        util_sqlite_fail (v.db, path, "cannot open");
        goto done;
    }
    //  writable_schema lets SQLite open a file shorter than its header
    //  says (it refuses otherwise), so that a truncated log is read up to
    //  the first lost entry, which can then be named. The connection is
    //  read-only, so nothing is ever written. One read transaction: a
    //  concurrent appender cannot move the head between the checks.
    if (util_sqlite_exec (v.db, path, "PRAGMA writable_schema=ON")
    ||  util_sqlite_exec (v.db, path, "BEGIN")
    ||  s_read_meta (&v, verifier)
    ||  s_read_checkpoints (&v, note, note_len)
    ||  s_check_entries (&v))
        goto done;
    rc = 0;
done:
    if (v.db)
        sqlite3_exec (v.db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close (v.db);
    audit_verifier_destroy (&v.own_key);
    free (v.cps);
    free (v.buf);
    return rc;
}
