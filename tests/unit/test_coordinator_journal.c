/*  Unit tests for coordinator/journal.c: studies, rounds, reports, latest,
    reopening, and an unusable path. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"
#include "coordinator/journal.h"
#include "util/alloc.h"
#include "support_dir.h"
#include "alloc_walk.h"

typedef struct {
    char dir [SUPPORT_DIR_MAX], path [256];     //  a journal not made yet
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = support_fixture_new (state, sizeof *f, "journal");
    if (!f)
        return -1;
    support_path (f->path, sizeof f->path, f->dir, "j.db");
    return 0;
}

static void
test_journal (void **state)
{
    fixture_t *f = *state;
    const char *path = f->path;
    coord_journal_t *j = coord_journal_open (path);
    assert_non_null (j);
    char *latest = (char *) "x", *report = (char *) "x";
    assert_int_equal (coord_journal_latest (j, &latest), 0);
    assert_null (latest);
    assert_int_equal (coord_journal_report (j, "nope", &report), 0);
    assert_null (report);
    assert_int_equal (coord_journal_study (j, "s1", "one", "running", "study\n", "{\"a\":1}"), 0);
    assert_int_equal (coord_journal_study (j, "s2", "two", "running", "study\n", NULL), 0);
    assert_int_equal (coord_journal_study (j, "s1", "one", "completed", "study\n", "{\"a\":2}"), 0);
    assert_int_equal (coord_journal_round (j, "s1", 1, "train", "ok", 0.5, "{}"), 0);
    assert_int_equal (coord_journal_round (j, "s1", 1, "train", "ok", 0.6, "{}"), 0);
    //  A study needs its name: the row is refused, and the reason names the file.
    assert_int_equal (coord_journal_study (j, "s3", NULL, "running", "study\n", NULL), -1);
    assert_int_equal (util_last_code (), UTIL_EIO);
    assert_non_null (strstr (util_last_error (), path));
    assert_int_equal (coord_journal_report (j, "s1", &report), 0);
    assert_string_equal (report, "{\"a\":2}");
    free (report);
    assert_int_equal (coord_journal_report (j, "s2", &report), 0);
    assert_null (report);
    assert_int_equal (coord_journal_latest (j, &latest), 0);
    assert_string_equal (latest, "s2");
    free (latest);
    //  Out of memory copying the value: -1, and nothing is returned.
    util_alloc_fail_after (0);
    report = (char *) "x";
    assert_int_equal (coord_journal_report (j, "s1", &report), -1);
    util_alloc_fail_after (-1);
    assert_null (report);
    assert_int_equal (util_last_code (), UTIL_ENOMEM);
    coord_journal_destroy (&j);
    assert_null (j);
    coord_journal_destroy (&j);
    //  Reopened: still there.
    j = coord_journal_open (path);
    assert_int_equal (coord_journal_report (j, "s1", &report), 0);
    assert_non_null (report);
    free (report);
    coord_journal_destroy (&j);
    assert_null (coord_journal_open ("/nonexistent/dir/j.db"));
    assert_int_equal (util_last_code (), UTIL_EIO);
    assert_non_null (strstr (util_last_error (), "journal"));
    assert_non_null (strstr (util_last_error (), "/nonexistent/dir/j.db"));
}

static bool
s_open_walk (void *path)
{
    coord_journal_t *j = coord_journal_open (path);
    bool ok = j != NULL;
    coord_journal_destroy (&j);
    return ok;
}

//  Every allocation of the open fails in turn: NULL with UTIL_ENOMEM and
//  nothing leaked (the sanitizer build checks), until the open succeeds.
static void
test_open_out_of_memory (void **state)
{
    fixture_t *f = *state;
    assert_true (alloc_walk (s_open_walk, f->path) >= 1);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_journal, s_setup, support_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_open_out_of_memory, s_setup,
                                        support_fixture_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
