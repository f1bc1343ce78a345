/*  Unit tests for ingest/replay.c: the RFC 4303 64-entry window, both sides
    of every edge. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ingest/replay.h"
#include "util/error.h"

static void
test_fresh_and_in_order (void **state)
{
    (void) state;
    ingest_replay_t w;
    ingest_replay_init (&w);
    //  Anything goes before the first accepted number, including 0.
    assert_int_equal (ingest_replay_check (&w, 0), INGEST_OK);
    assert_int_equal (ingest_replay_check (&w, UINT64_MAX), INGEST_OK);
    for (uint64_t s = 0; s < 200; s++) {
        assert_int_equal (ingest_replay_check (&w, s), INGEST_OK);
        assert_int_equal (ingest_replay_update (&w, s), 0);
        assert_int_equal (ingest_replay_check (&w, s), INGEST_REPLAY);
        assert_int_equal (ingest_replay_update (&w, s), -1);
    }
    assert_int_equal (w.top, 199);
}

static void
test_window_edges (void **state)
{
    (void) state;
    ingest_replay_t w;
    ingest_replay_init (&w);
    assert_int_equal (ingest_replay_update (&w, 1000), 0);
    //  Within the window (top - 63 .. top - 1): acceptable once.
    assert_int_equal (ingest_replay_check (&w, 1000 - 63), INGEST_OK);
    assert_int_equal (ingest_replay_check (&w, 999), INGEST_OK);
    //  Just outside (top - 64): too old.
    assert_int_equal (ingest_replay_check (&w, 1000 - 64), INGEST_REPLAY);
    assert_non_null (strstr (util_last_error (), "older than the window"));
    assert_int_equal (ingest_replay_update (&w, 1000 - 64), -1);
    assert_int_equal (ingest_replay_update (&w, 1000 - 63), 0);
    assert_int_equal (ingest_replay_check (&w, 1000 - 63), INGEST_REPLAY);
    assert_non_null (strstr (util_last_error (), "already accepted"));
    //  Out of order inside the window.
    assert_int_equal (ingest_replay_update (&w, 990), 0);
    assert_int_equal (ingest_replay_check (&w, 990), INGEST_REPLAY);
    assert_int_equal (ingest_replay_check (&w, 991), INGEST_OK);
    //  A jump of exactly 63 keeps the old top in the window; 64 drops it.
    assert_int_equal (ingest_replay_update (&w, 1063), 0);
    assert_int_equal (ingest_replay_check (&w, 1000), INGEST_REPLAY);
    assert_int_equal (ingest_replay_check (&w, 1001), INGEST_OK);
    assert_int_equal (ingest_replay_update (&w, 1063 + 64), 0);
    assert_int_equal (ingest_replay_check (&w, 1063), INGEST_REPLAY);      //  too old now
    assert_int_equal (ingest_replay_check (&w, 1064), INGEST_OK);
    //  A huge jump empties the window.
    assert_int_equal (ingest_replay_update (&w, UINT64_MAX - 1), 0);
    assert_int_equal (ingest_replay_check (&w, UINT64_MAX), INGEST_OK);
    assert_int_equal (ingest_replay_check (&w, UINT64_MAX - 2), INGEST_OK);
    assert_int_equal (ingest_replay_update (&w, UINT64_MAX), 0);
    assert_int_equal (ingest_replay_check (&w, UINT64_MAX - 1), INGEST_REPLAY);
}

static void
test_check_does_not_move (void **state)
{
    (void) state;
    ingest_replay_t w;
    ingest_replay_init (&w);
    assert_int_equal (ingest_replay_update (&w, 10), 0);
    ingest_replay_t before = w;
    //  A frame whose tag fails is only checked, never recorded.
    assert_int_equal (ingest_replay_check (&w, 5000), INGEST_OK);
    assert_memory_equal (&w, &before, sizeof w);
    assert_int_equal (ingest_replay_check (&w, 11), INGEST_OK);
}

static void
test_restore (void **state)
{
    (void) state;
    ingest_replay_t w;
    ingest_replay_restore (&w, 500);
    for (uint64_t s = 0; s <= 500; s++)
        assert_int_equal (ingest_replay_check (&w, s), INGEST_REPLAY);
    assert_int_equal (ingest_replay_check (&w, 501), INGEST_OK);
    assert_int_equal (ingest_replay_update (&w, 501), 0);
    assert_int_equal (ingest_replay_check (&w, 500), INGEST_REPLAY);
    ingest_replay_restore (&w, 0);
    assert_int_equal (ingest_replay_check (&w, 0), INGEST_REPLAY);
    assert_int_equal (ingest_replay_check (&w, 1), INGEST_OK);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_fresh_and_in_order),
        cmocka_unit_test (test_window_edges),
        cmocka_unit_test (test_check_does_not_move),
        cmocka_unit_test (test_restore),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
