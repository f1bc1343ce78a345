/*  util/sqlite.h - a durable SQLite open, the same for every store.

    Contents
        util_sqlite_open    opens (or creates) a database for durable use
        util_sqlite_exec    runs SQL statements, reporting the failure
        util_sqlite_fail    records SQLite's message for a failed call
        util_sqlite_backup  an online copy of a database, written atomically

    Every store of Cohort (the site's budget ledger, ingest store and
    grants, the audit log, the coordinator's journal) opens its file here:
    journal_mode = WAL and synchronous = FULL, so a returned COMMIT has
    reached stable storage (what is acknowledged is never lost, NORMAL would
    not promise that), and a busy timeout so that two processes sharing a
    file wait for each other instead of failing. The handle util_sqlite_open
    sets is the caller's (sqlite3_close). Errors are -1 with UTIL_EIO in the
    error slot (util/error.h) and name the file: "<path>: <what>: <SQLite's
    message>".
*/
#ifndef UTIL_SQLITE_H
#define UTIL_SQLITE_H

#include "util/error.h"

#include <sqlite3.h>
#include <stdbool.h>

/*  How long a writer waits for another process's lock. */
#define UTIL_SQLITE_BUSY_MS 10000

/*  Opens `path` read-write (created if missing when `create`), single
    threaded per connection (SQLITE_OPEN_NOMUTEX), with the busy timeout,
    WAL and synchronous = FULL. Sets *db; on failure *db is NULL (nothing is
    left open) and -1 is returned with UTIL_EIO. */
int util_sqlite_open (sqlite3 **db, const char *path, bool create) UTIL_WUR;

/*  Runs `sql` (one or more statements). Returns 0, or -1 with UTIL_EIO:
    "<path>: <sql's first words>: <message>". */
int util_sqlite_exec (sqlite3 *db, const char *path, const char *sql) UTIL_WUR;

/*  Records "<path>: <what>: <sqlite3_errmsg>" with UTIL_EIO. Returns -1. */
int util_sqlite_fail (sqlite3 *db, const char *path, const char *what);

/*  Copies the database `src` (any of the stores above, which may be open
    and written by other connections or processes meanwhile) to `out` with
    SQLite's online backup API (sqlite3_backup_step over the whole file in
    one read transaction: under WAL writers go on, and the copy is one
    consistent snapshot). The copy is written to a temporary file beside
    `out` (mode 0600), switched to journal_mode = DELETE (one file, no
    -wal beside it), checked with PRAGMA integrity_check, synced, and only
    then linked to `out`, which is never replaced: an existing `out` is
    refused (UTIL_EREFUSED) before anything is read, and one that appears
    meanwhile too. A missing `src` is not created. *pages (may be NULL)
    gets the pages copied. Returns 0, or -1 with the reason naming the
    file; on failure nothing is left beside `out`. */
int util_sqlite_backup (const char *src, const char *out, long *pages) UTIL_WUR;

#endif
