/*  util/sqlite.c - the durable open shared by every store. */
#include "sqlite.h"

#include <stddef.h>

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
