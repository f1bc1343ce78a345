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

//  A tiny deterministic generator (xorshift64) for the probes below.
static uint64_t
s_next (uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

//  Checking never moves the window, seen through what the window does
//  afterwards (the header's promise: a frame whose tag fails is only
//  checked, so a forged frame cannot lock the device out or open a
//  replay). A forged far-ahead number is checked; the numbers below the top
//  are still acceptable, the top is still a replay, and the forged number
//  itself is still acceptable.
static void
test_check_does_not_move (void **state)
{
    (void) state;
    ingest_replay_t w;
    ingest_replay_init (&w);
    assert_int_equal (ingest_replay_update (&w, 10), 0);
    assert_int_equal (ingest_replay_check (&w, 5000), INGEST_OK);
    assert_int_equal (ingest_replay_check (&w, UINT64_MAX), INGEST_OK);
    //  Had the window moved to 5000 (or beyond), 9 would be too old.
    for (uint64_t s = 0; s < 10; s++)
        assert_int_equal (ingest_replay_check (&w, s), INGEST_OK);
    assert_int_equal (ingest_replay_check (&w, 10), INGEST_REPLAY);
    assert_int_equal (ingest_replay_update (&w, 9), 0);
    assert_int_equal (ingest_replay_update (&w, 11), 0);
    assert_int_equal (ingest_replay_update (&w, 5000), 0);
    assert_int_equal (ingest_replay_check (&w, 5000), INGEST_REPLAY);
    //  A fresh window that was only checked has still seen nothing.
    ingest_replay_init (&w);
    assert_int_equal (ingest_replay_check (&w, 7), INGEST_OK);
    assert_int_equal (ingest_replay_check (&w, 0), INGEST_OK);
    assert_int_equal (ingest_replay_update (&w, 0), 0);
    assert_int_equal (ingest_replay_update (&w, 7), 0);
}

//  Two windows fed the same genuine frames answer alike at every step,
//  though one of them also checks forged frames in between (far ahead, at
//  the top, inside and below the window): checks leave no trace.
static void
test_checks_leave_no_trace (void **state)
{
    (void) state;
    ingest_replay_t checked, plain;
    ingest_replay_init (&checked);
    ingest_replay_init (&plain);
    uint64_t x = 0x9e3779b97f4a7c15ULL, top = 1000;
    assert_int_equal (ingest_replay_update (&checked, top), 0);
    assert_int_equal (ingest_replay_update (&plain, top), 0);
    for (int step = 0; step < 3000; step++) {
        uint64_t forged [] = { top + 1 + s_next (&x) % 5000, UINT64_MAX, top,
                               top - s_next (&x) % 80, 0 };
        for (size_t i = 0; i < sizeof forged / sizeof forged [0]; i++) {
            ingest_reason_t r = ingest_replay_check (&checked, forged [i]);
            //  Anything above the top is acceptable; the top never is.
            if (forged [i] > top)
                assert_int_equal (r, INGEST_OK);
            else
            if (forged [i] == top)
                assert_int_equal (r, INGEST_REPLAY);
        }
        //  A genuine frame: a little ahead of the top, or up to 70 behind.
        uint64_t s = top + 3 - s_next (&x) % 74;
        assert_int_equal (ingest_replay_check (&checked, s), ingest_replay_check (&plain, s));
        int rc = ingest_replay_update (&plain, s);
        assert_int_equal (ingest_replay_update (&checked, s), rc);
        if (rc == 0 && s > top)
            top = s;
    }
    for (uint64_t s = top - 100; s <= top + 100; s++)
        assert_int_equal (ingest_replay_check (&checked, s), ingest_replay_check (&plain, s));
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
        cmocka_unit_test (test_checks_leave_no_trace),
        cmocka_unit_test (test_restore),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
