/*  Unit tests for util/sqlite.c: the durable open. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/stat.h>

#include "util/sqlite.h"
#include "support_dir.h"

static char s_dir [64];
static char s_db [256];

static int
s_setup (void **state)
{
    (void) state;
    if (support_dir_make (s_dir, sizeof s_dir, "test-util-sqlite"))
        return -1;
    support_path (s_db, sizeof s_db, s_dir, "store.db");
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    //  Listed, so that a temporary file a backup left behind fails the run.
    static const char *const names [] = { "store.db", "store.db-wal", "store.db-shm",
                                          "live.db", "live.db-wal", "live.db-shm", "copy.db",
                                          NULL };
    return support_dir_remove_listed (s_dir, names);
}

//  The text of a one-value PRAGMA.
static void
s_pragma (sqlite3 *db, const char *sql, char *out, size_t size)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal (sqlite3_prepare_v2 (db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal (sqlite3_step (st), SQLITE_ROW);
    snprintf (out, size, "%s", (const char *) sqlite3_column_text (st, 0));
    sqlite3_finalize (st);
}

static void
test_durable (void **state)
{
    (void) state;
    sqlite3 *db = NULL;
    //  Without `create` a missing file is an error, and nothing is created.
    assert_int_equal (util_sqlite_open (&db, s_db, false), -1);
    assert_null (db);
    assert_int_equal (util_last_code (), UTIL_EIO);
    assert_non_null (strstr (util_last_error (), s_db));
    assert_int_equal (access (s_db, F_OK), -1);

    assert_int_equal (util_sqlite_open (&db, s_db, true), 0);
    char v [32];
    s_pragma (db, "PRAGMA journal_mode", v, sizeof v);
    assert_string_equal (v, "wal");
    s_pragma (db, "PRAGMA synchronous", v, sizeof v);
    assert_string_equal (v, "2");                   //  FULL
    s_pragma (db, "PRAGMA busy_timeout", v, sizeof v);
    assert_int_equal (atoi (v), UTIL_SQLITE_BUSY_MS);
    assert_int_equal (util_sqlite_exec (db, s_db, "CREATE TABLE t (x); INSERT INTO t VALUES (1)"),
                      0);
    //  A failing statement names the file and the statement, not values.
    assert_int_equal (util_sqlite_exec (db, s_db, "INSERT INTO nowhere VALUES (42)"), -1);
    assert_int_equal (util_last_code (), UTIL_EIO);
    assert_non_null (strstr (util_last_error (), "no such table"));
    assert_int_equal (util_sqlite_fail (db, s_db, "step"), -1);
    assert_non_null (strstr (util_last_error (), ": step: "));
    sqlite3_close (db);

    //  The existing file opens without `create`, with its data.
    assert_int_equal (util_sqlite_open (&db, s_db, false), 0);
    s_pragma (db, "SELECT x FROM t", v, sizeof v);
    assert_string_equal (v, "1");
    sqlite3_close (db);
}

static void
test_not_a_database (void **state)
{
    (void) state;
    char path [300];
    support_path (path, sizeof path, s_dir, "junk.db");
    FILE *f = fopen (path, "wb");
    assert_non_null (f);
    fputs ("this is not an SQLite file, just text that is long enough to be read\n", f);
    fclose (f);
    sqlite3 *db = NULL;
    assert_int_equal (util_sqlite_open (&db, path, true), -1);
    assert_null (db);
    assert_int_equal (util_last_code (), UTIL_EIO);
    assert_non_null (strstr (util_last_error (), "junk.db"));
    unlink (path);
}

//  A writer on its own connection, inserting one row per transaction until
//  told to stop; it counts what it committed.
typedef struct {
    const char *path;
    volatile int stop;
    volatile long committed;
} s_writer_t;

static void *
s_writer (void *arg)
{
    s_writer_t *w = arg;
    sqlite3 *db = NULL;
    if (util_sqlite_open (&db, w->path, false))
        return NULL;
    while (!w->stop) {
        if (util_sqlite_exec (db, w->path, "INSERT INTO t VALUES (randomblob (200))"))
            break;
        w->committed++;
    }
    sqlite3_close (db);
    return NULL;
}

static long
s_count (sqlite3 *db)
{
    char v [32];
    s_pragma (db, "SELECT count (*) FROM t", v, sizeof v);
    return atol (v);
}

//  A backup taken while another connection writes: the copy is a whole
//  database (integrity_check ok) holding at least what was committed
//  before it began, a single file (journal_mode delete), mode 0600, and
//  nothing else is left beside it. A second backup to the same file is
//  refused and leaves it as it was.
static void
test_backup_while_writing (void **state)
{
    (void) state;
    char live [300], copy [300];
    support_path (live, sizeof live, s_dir, "live.db");
    support_path (copy, sizeof copy, s_dir, "copy.db");
    sqlite3 *db = NULL;
    assert_int_equal (util_sqlite_open (&db, live, true), 0);
    assert_int_equal (util_sqlite_exec (db, live, "CREATE TABLE t (x); BEGIN; "
        "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
        "INSERT INTO t SELECT randomblob (200) FROM n; COMMIT;"), 0);
    s_writer_t w = { live, 0, 0 };
    pthread_t thread;
    assert_int_equal (pthread_create (&thread, NULL, s_writer, &w), 0);
    while (w.committed < 20)
        usleep (1000);
    long before = 2000 + w.committed, pages = 0;
    assert_int_equal (util_sqlite_backup (live, copy, &pages), 0);
    long during = w.committed;
    w.stop = 1;
    pthread_join (thread, NULL);
    assert_true (pages > 10);
    //  The writer went on while the copy was taken (it was not locked out).
    assert_true (w.committed >= during);

    struct stat st;
    assert_int_equal (stat (copy, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0600);
    sqlite3 *back = NULL;
    assert_int_equal (sqlite3_open_v2 (copy, &back, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    char v [64];
    s_pragma (back, "PRAGMA integrity_check", v, sizeof v);
    assert_string_equal (v, "ok");
    s_pragma (back, "PRAGMA journal_mode", v, sizeof v);
    assert_string_equal (v, "delete");
    long rows = s_count (back);
    assert_true (rows >= before);
    assert_true (rows <= 2000 + w.committed);
    sqlite3_close (back);

    //  Never replaced: refused before reading, the copy untouched.
    assert_int_equal (util_sqlite_backup (live, copy, NULL), -1);
    assert_int_equal (util_last_code (), UTIL_EREFUSED);
    assert_non_null (strstr (util_last_error (), "already exists"));
    assert_int_equal (sqlite3_open_v2 (copy, &back, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal (s_count (back), rows);
    sqlite3_close (back);
    sqlite3_close (db);
}

//  Bad sources: a missing file is an error and is not created; a file that
//  is not a database is refused; neither leaves anything beside --out.
static void
test_backup_bad_source (void **state)
{
    (void) state;
    char missing [300], junk [300], out [300];
    support_path (missing, sizeof missing, s_dir, "missing.db");
    support_path (junk, sizeof junk, s_dir, "junk.db");
    support_path (out, sizeof out, s_dir, "out.db");
    assert_int_equal (util_sqlite_backup (missing, out, NULL), -1);
    assert_non_null (strstr (util_last_error (), "missing.db"));
    assert_int_equal (access (missing, F_OK), -1);
    assert_int_equal (access (out, F_OK), -1);

    FILE *f = fopen (junk, "wb");
    assert_non_null (f);
    for (int i = 0; i < 100; i++)
        fputs ("this is not an SQLite file, just text that is long enough to be read\n", f);
    fclose (f);
    assert_int_equal (util_sqlite_backup (junk, out, NULL), -1);
    assert_int_equal (util_last_code (), UTIL_EIO);
    assert_non_null (strstr (util_last_error (), "junk.db"));
    assert_int_equal (access (out, F_OK), -1);
    unlink (junk);
    //  A folder is not a database either.
    assert_int_equal (util_sqlite_backup (s_dir, out, NULL), -1);
    assert_int_equal (access (out, F_OK), -1);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_durable),
        cmocka_unit_test (test_not_a_database),
        cmocka_unit_test (test_backup_while_writing),
        cmocka_unit_test (test_backup_bad_source),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
