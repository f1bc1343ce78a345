/*  Unit tests for site/state.c: an accepted study is kept across a close
    and reopen (what a restarted site reads back), its rounds are recorded,
    a new acceptance replaces it, forgetting empties the file, and a damaged
    row or an oversized offer is refused with the reason. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "site/state.h"
#include "util/error.h"
#include "support_dir.h"

static void
test_round_trip (void **state)
{
    (void) state;
    char path [512];
    support_path (path, sizeof path, support_dir_group, "a.state");
    site_state_t *s = site_state_open (path);
    assert_non_null (s);
    char id [65];
    uint8_t *offer;
    size_t len;
    uint32_t round;
    uint64_t done [SITE_STATE_KINDS], counts [SITE_STATE_KINDS] = { 0, 2, 1, 1, 0, 0, 0, 7 };
    assert_int_equal (site_state_current (s, 0, id, sizeof id, &offer, &len, &round, done), 0);
    const uint8_t bytes [] = { 0x0a, 0x03, 's', '1', 0, 0xff };
    assert_int_equal (site_state_accept (s, "s1", bytes, sizeof bytes), 0);
    assert_int_equal (site_state_round (s, "s1", 4, counts), 0);
    site_state_destroy (&s);
    assert_null (s);
    //  What a restarted site reads back.
    s = site_state_open (path);
    assert_int_equal (site_state_current (s, 0, id, sizeof id, &offer, &len, &round, done), 1);
    assert_string_equal (id, "s1");
    assert_int_equal (len, sizeof bytes);
    assert_memory_equal (offer, bytes, sizeof bytes);
    free (offer);
    assert_int_equal (round, 4);
    assert_memory_equal (done, counts, sizeof counts);
    //  Another study is held beside it; its counts start at zero.
    assert_int_equal (site_state_accept (s, "s2", bytes, 3), 0);
    assert_int_equal (site_state_current (s, 1, id, sizeof id, &offer, &len, &round, done), 1);
    assert_string_equal (id, "s2");
    assert_int_equal (round, 0);
    assert_int_equal (done [1], 0);
    free (offer);
    assert_int_equal (site_state_current (s, 2, id, sizeof id, &offer, &len, &round, done), 0);
    //  A round for a study not held changes nothing; forgetting one keeps
    //  the other; the same id accepted again starts afresh.
    assert_int_equal (site_state_round (s, "s3", 9, counts), 0);
    assert_int_equal (site_state_forget (s, "s1"), 0);
    assert_int_equal (site_state_current (s, 0, id, sizeof id, &offer, &len, &round, done), 1);
    assert_string_equal (id, "s2");
    assert_int_equal (round, 0);
    free (offer);
    assert_int_equal (site_state_round (s, "s2", 3, counts), 0);
    assert_int_equal (site_state_accept (s, "s2", bytes, 3), 0);
    assert_int_equal (site_state_current (s, 0, id, sizeof id, &offer, &len, &round, done), 1);
    assert_int_equal (round, 0);
    free (offer);
    assert_int_equal (site_state_forget (s, "s2"), 0);
    assert_int_equal (site_state_current (s, 0, id, sizeof id, &offer, &len, &round, done), 0);
    assert_null (offer);
    site_state_destroy (&s);
    site_state_destroy (&s);
}

static void
test_refusals (void **state)
{
    (void) state;
    char path [512];
    support_path (path, sizeof path, support_dir_group, "b.state");
    site_state_t *s = site_state_open (path);
    assert_non_null (s);
    uint8_t one = 1;
    assert_int_equal (site_state_accept (s, "s1", &one, SITE_STATE_OFFER_MAX + 1), -1);
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    assert_int_equal (site_state_accept (s, "s1", &one, 1), 0);
    //  Damage the row behind its back: bad counts, then an empty offer.
    sqlite3 *db;
    assert_int_equal (sqlite3_open (path, &db), SQLITE_OK);
    assert_int_equal (sqlite3_exec (db, "UPDATE studies SET done = '1,x'", NULL, NULL, NULL),
                      SQLITE_OK);
    char id [65];
    uint8_t *offer;
    size_t len;
    uint32_t round;
    uint64_t done [SITE_STATE_KINDS];
    assert_int_equal (site_state_current (s, 0, id, sizeof id, &offer, &len, &round, done), -1);
    assert_non_null (strstr (util_last_error (), "round counts are damaged"));
    assert_null (offer);
    assert_int_equal (sqlite3_exec (db, "UPDATE studies SET done = '', offer = x''", NULL, NULL,
                                    NULL), SQLITE_OK);
    assert_int_equal (site_state_current (s, 0, id, sizeof id, &offer, &len, &round, done), -1);
    assert_non_null (strstr (util_last_error (), "row is damaged"));
    sqlite3_close (db);
    site_state_destroy (&s);
    //  A file that cannot be created.
    assert_null (site_state_open ("/nonexistent-dir/x.state"));
    assert_int_equal (util_last_code (), UTIL_EIO);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_round_trip),
        cmocka_unit_test (test_refusals),
    };
    return cmocka_run_group_tests (tests, support_dir_group_setup, support_dir_group_teardown);
}
