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

static void
test_journal (void **state)
{
    (void) state;
    char dir [] = "/tmp/cohort-journal-XXXXXX";
    assert_non_null (mkdtemp (dir));
    char path [256];
    snprintf (path, sizeof path, "%s/j.db", dir);
    coord_journal_t *j = coord_journal_open (path);
    assert_non_null (j);
    assert_null (coord_journal_latest (j));
    assert_null (coord_journal_report (j, "nope"));
    assert_int_equal (coord_journal_study (j, "s1", "one", "running", "study\n", "{\"a\":1}"), 0);
    assert_int_equal (coord_journal_study (j, "s2", "two", "running", "study\n", NULL), 0);
    assert_int_equal (coord_journal_study (j, "s1", "one", "completed", "study\n", "{\"a\":2}"), 0);
    assert_int_equal (coord_journal_round (j, "s1", 1, "train", "ok", 0.5, "{}"), 0);
    assert_int_equal (coord_journal_round (j, "s1", 1, "train", "ok", 0.6, "{}"), 0);
    char *report = coord_journal_report (j, "s1");
    assert_string_equal (report, "{\"a\":2}");
    free (report);
    assert_null (coord_journal_report (j, "s2"));
    char *latest = coord_journal_latest (j);
    assert_string_equal (latest, "s2");
    free (latest);
    coord_journal_destroy (&j);
    assert_null (j);
    coord_journal_destroy (&j);
    //  Reopened: still there.
    j = coord_journal_open (path);
    report = coord_journal_report (j, "s1");
    assert_non_null (report);
    free (report);
    coord_journal_destroy (&j);
    assert_null (coord_journal_open ("/nonexistent/dir/j.db"));
    assert_non_null (strstr (util_last_error (), "journal"));
    char cmd [300];
    snprintf (cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal (system (cmd), 0);
}

int
main (void)
{
    const struct CMUnitTest tests [] = { cmocka_unit_test (test_journal) };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
