/*  util/sqlite.c - the durable open shared by every store, and online
    backups of them. */
#include "sqlite.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

//  Longest path a backup handles (its temporary name adds 11 characters).
#define UTIL_SQLITE_PATH_MAX 4096

int
util_sqlite_fail (sqlite3 *db, const char *path, const char *what)
{
    return util_error (UTIL_EIO, "%s: %s: %s", path, what,
                       db? sqlite3_errmsg (db): "out of memory");
}

int
util_sqlite_exec (sqlite3 *db, const char *path, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec (db, sql, NULL, NULL, &err) == SQLITE_OK)
        return 0;
    //  The statement's first words say what failed without quoting values.
    util_error (UTIL_EIO, "%s: %.40s: %s", path, sql, err? err: sqlite3_errmsg (db));
    sqlite3_free (err);
    return -1;
}

int
util_sqlite_open (sqlite3 **db, const char *path, bool create)
{
    *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create? SQLITE_OPEN_CREATE: 0);
    sqlite3 *h = NULL;
    if (sqlite3_open_v2 (path, &h, flags, NULL) != SQLITE_OK) {
        util_sqlite_fail (h, path, "cannot open");
        sqlite3_close (h);
        return -1;
    }
    int rc = sqlite3_busy_timeout (h, UTIL_SQLITE_BUSY_MS) == SQLITE_OK
           ? util_sqlite_exec (h, path, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
           : util_sqlite_fail (h, path, "busy timeout");
    if (rc) {
        sqlite3_close (h);
        return -1;
    }
    *db = h;
    return 0;
}

//  Removes a temporary copy and whatever SQLite left beside it.
static void
s_remove_temp (const char *tmp)
{
    static const char *const tails [] = { "", "-journal", "-wal", "-shm" };
    char path [UTIL_SQLITE_PATH_MAX + 16];
    for (size_t i = 0; i < sizeof tails / sizeof tails [0]; i++) {
        snprintf (path, sizeof path, "%s%s", tmp, tails [i]);
        unlink (path);
    }
}

//  Copies src into the open database dst in one step, waiting out a
//  writer's lock up to the busy timeout. Returns 0 or -1.
static int
s_copy (sqlite3 *dst, sqlite3 *src, const char *src_path, long *pages)
{
    sqlite3_backup *b = sqlite3_backup_init (dst, "main", src, "main");
    if (!b)
        return util_sqlite_fail (dst, src_path, "backup");
    int rc, waited_ms = 0;
    //  -1: every page in one read transaction, so the copy is one snapshot
    //  (pages copied in pieces restart whenever another process writes).
    while ((rc = sqlite3_backup_step (b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        if (waited_ms >= UTIL_SQLITE_BUSY_MS)
            break;
        sqlite3_sleep (50);
        waited_ms += 50;
    }
    if (pages)
        *pages = sqlite3_backup_pagecount (b);
    sqlite3_backup_finish (b);
    if (rc != SQLITE_DONE)
        return util_error (UTIL_EIO, "%s: backup: %s", src_path, sqlite3_errstr (rc));
    return 0;
}

//  PRAGMA integrity_check on the copy: 0 when it says "ok".
static int
s_integrity (sqlite3 *db, const char *path)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
        return util_sqlite_fail (db, path, "integrity_check");
    int rc = sqlite3_step (st);
    const char *answer = rc == SQLITE_ROW? (const char *) sqlite3_column_text (st, 0): NULL;
    int ok = answer && strcmp (answer, "ok") == 0;
    if (!ok)
        util_error (UTIL_EIO, "%s: the copy fails integrity_check: %.200s", path,
                    answer? answer: sqlite3_errmsg (db));
    sqlite3_finalize (st);
    return ok? 0: -1;
}

//  fsync of a file, or of the folder that holds `path` (dir true).
static int
s_sync (const char *path, bool dir)
{
    char copy [UTIL_SQLITE_PATH_MAX];
    snprintf (copy, sizeof copy, "%s", path);
    const char *target = path;
    if (dir) {
        char *slash = strrchr (copy, '/');
        if (!slash)
            target = ".";
        else {
            slash [slash == copy] = 0;  //  "/x" is in "/"
            target = copy;
        }
    }
    int fd = open (target, (dir? O_RDONLY | O_DIRECTORY: O_RDWR) | O_CLOEXEC);
    if (fd < 0 || fsync (fd)) {
        int err = errno;
        if (fd >= 0)
            close (fd);
        return util_error (UTIL_EIO, "%s: fsync: %s", target, strerror (err));
    }
    close (fd);
    return 0;
}

int
util_sqlite_backup (const char *src, const char *out, long *pages)
{
    if (pages)
        *pages = 0;
    if (strlen (out) + 16 > UTIL_SQLITE_PATH_MAX || strlen (src) >= UTIL_SQLITE_PATH_MAX)
        return util_error (UTIL_EINPUT, "backup: path too long");
    struct stat st;
    if (lstat (out, &st) == 0)
        return util_error (UTIL_EREFUSED, "%s: already exists (a backup never replaces a file)",
                           out);
    if (stat (src, &st))
        return util_error (UTIL_EIO, "%s: %s", src, strerror (errno));
    if (!S_ISREG (st.st_mode))
        return util_error (UTIL_EINPUT, "%s: not a regular file", src);
    char tmp [UTIL_SQLITE_PATH_MAX];
    snprintf (tmp, sizeof tmp, "%s.tmp-XXXXXX", out);
    int fd = mkstemp (tmp);         //  mode 0600
    if (fd < 0)
        return util_error (UTIL_EIO, "%s: cannot create a temporary file beside it: %s", out,
                           strerror (errno));
    close (fd);
    sqlite3 *from = NULL, *to = NULL;
    int rc = -1;
    //  Read-only, never created: a mistyped --db must not leave a new file.
    if (sqlite3_open_v2 (src, &from, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL)
        != SQLITE_OK) {
        util_sqlite_fail (from, src, "cannot open");
        goto cleanup;
    }
    if (sqlite3_busy_timeout (from, UTIL_SQLITE_BUSY_MS) != SQLITE_OK) {
        util_sqlite_fail (from, src, "busy timeout");
        goto cleanup;
    }
    if (sqlite3_open_v2 (tmp, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL)
        != SQLITE_OK) {
        util_sqlite_fail (to, tmp, "cannot open");
        goto cleanup;
    }
    if (s_copy (to, from, src, pages)
    ||  util_sqlite_exec (to, tmp, "PRAGMA journal_mode = DELETE")
    ||  s_integrity (to, tmp))
        goto cleanup;
    if (sqlite3_close (to) != SQLITE_OK) {
        util_sqlite_fail (to, tmp, "close");
        goto cleanup;
    }
    to = NULL;
    if (chmod (tmp, 0600) || s_sync (tmp, false))
        goto cleanup;
    //  link, not rename: it refuses an `out` that appeared meanwhile.
    if (link (tmp, out)) {
        if (errno == EEXIST)
            util_error (UTIL_EREFUSED, "%s: already exists (a backup never replaces a file)",
                        out);
        else
            util_error (UTIL_EIO, "%s: %s", out, strerror (errno));
        goto cleanup;
    }
    if (s_sync (out, true)) {
        unlink (out);
        goto cleanup;
    }
    rc = 0;
cleanup:
    sqlite3_close (to);
    sqlite3_close (from);
    s_remove_temp (tmp);
    return rc;
}
