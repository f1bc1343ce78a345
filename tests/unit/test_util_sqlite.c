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
    static const char *const names [] = { "store.db", "store.db-wal", "store.db-shm", NULL };
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

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_durable),
        cmocka_unit_test (test_not_a_database),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
