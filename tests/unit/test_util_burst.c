/*  Unit tests for util/burst.c: a burst is threshold events of one subject
    within the window, reported once a window; subjects are separate; the
    table stays bounded; bad parameters and out of memory are reported. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/burst.h"
#include "alloc_walk.h"

static void
test_burst_threshold (void **state)
{
    (void) state;
    util_burst_t *b = util_burst_new (3, 1000, 16);
    assert_non_null (b);
    unsigned n = 99;
    assert_int_equal (util_burst_event (b, "k", 0, &n), 0);
    assert_int_equal (n, 1);
    assert_int_equal (util_burst_event (b, "k", 400, &n), 0);
    assert_int_equal (n, 2);
    //  The third within 1000 ms of the first: a burst.
    assert_int_equal (util_burst_event (b, "k", 999, &n), 1);
    assert_int_equal (n, 3);
    //  More in the same window: not reported again.
    assert_int_equal (util_burst_event (b, "k", 1200, &n), 0);
    assert_int_equal (n, 3);
    assert_int_equal (util_burst_event (b, "k", 1500, &n), 0);
    //  A full window after the report, still bursting: reported again.
    assert_int_equal (util_burst_event (b, "k", 1999, &n), 1);
    util_burst_destroy (&b);
    assert_null (b);
    util_burst_destroy (&b);
}

static void
test_burst_slow (void **state)
{
    (void) state;
    //  Events spaced just over a third of the window never make three in one.
    util_burst_t *b = util_burst_new (3, 1000, 16);
    unsigned n;
    for (int64_t t = 0; t < 100000; t += 500) {
        assert_int_equal (util_burst_event (b, "steady", t, &n), 0);
        assert_true (n <= 2);
    }
    //  The boundary: exactly window_ms apart is outside the window.
    util_burst_t *c = util_burst_new (2, 1000, 16);
    assert_int_equal (util_burst_event (c, "x", 0, NULL), 0);
    assert_int_equal (util_burst_event (c, "x", 1000, &n), 0);
    assert_int_equal (n, 1);
    assert_int_equal (util_burst_event (c, "x", 1999, &n), 1);
    util_burst_destroy (&b);
    util_burst_destroy (&c);
}

static void
test_burst_subjects (void **state)
{
    (void) state;
    util_burst_t *b = util_burst_new (2, 1000, 3);
    //  Two subjects interleaved: neither bursts on the other's events.
    assert_int_equal (util_burst_event (b, "a", 0, NULL), 0);
    assert_int_equal (util_burst_event (b, "b", 1, NULL), 0);
    assert_int_equal (util_burst_event (b, "a", 2, NULL), 1);
    assert_int_equal (util_burst_event (b, "c", 3, NULL), 0);
    assert_int_equal (util_burst_size (b), 3);
    //  A fourth subject evicts the one idle longest ("b", last at 1).
    assert_int_equal (util_burst_event (b, "d", 4, NULL), 0);
    assert_int_equal (util_burst_size (b), 3);
    unsigned n;
    assert_int_equal (util_burst_event (b, "b", 5, &n), 0);
    assert_int_equal (n, 1);                //  forgotten, starts over
    //  A clock that steps back counts as the last time.
    assert_int_equal (util_burst_event (b, "b", -500, &n), 1);
    //  A long name is cut, and still counted as one subject.
    char name [400];
    memset (name, 'z', sizeof name - 1);
    name [sizeof name - 1] = 0;
    util_burst_t *c = util_burst_new (2, 1000, 4);
    assert_int_equal (util_burst_event (c, name, 0, NULL), 0);
    assert_int_equal (util_burst_event (c, name, 1, NULL), 1);
    util_burst_destroy (&b);
    util_burst_destroy (&c);
}

static void
test_burst_bad (void **state)
{
    (void) state;
    assert_null (util_burst_new (0, 1000, 4));
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    assert_null (util_burst_new (UTIL_BURST_THRESHOLD_MAX + 1, 1000, 4));
    assert_null (util_burst_new (2, 0, 4));
    assert_null (util_burst_new (2, 1000, 0));
    assert_null (util_burst_new (2, 1000, UTIL_BURST_SUBJECTS_MAX + 1));
    assert_non_null (strstr (util_last_error (), "burst"));
}

static bool
s_walk (void *ctx)
{
    (void) ctx;
    util_burst_t *b = util_burst_new (2, 1000, 4);
    if (!b)
        return false;
    int rc = util_burst_event (b, "a", 0, NULL);
    util_burst_destroy (&b);
    return rc == 0;
}

static void
test_burst_oom (void **state)
{
    (void) state;
    assert_true (alloc_walk (s_walk, NULL) > 0);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_burst_threshold),
        cmocka_unit_test (test_burst_slow),
        cmocka_unit_test (test_burst_subjects),
        cmocka_unit_test (test_burst_bad),
        cmocka_unit_test (test_burst_oom),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
