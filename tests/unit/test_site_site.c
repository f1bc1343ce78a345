/*  Unit tests for site/site.c: reason names and the per-thread error
    line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "site/site_internal.h"
#include "util/codec.h"
#include "util/error.h"

static void
test_reason_names (void **state)
{
    (void) state;
    static const char *want [SITE_REASON_COUNT] = {
        "accepted", "bad_tag", "replay", "unknown_device", "revoked_device",
        "malformed_frame", "bad_fhir", "unit_mismatch", "subject_mismatch", "too_large" };
    for (int r = 0; r < SITE_REASON_COUNT; r++)
        assert_string_equal (site_reason_name ((site_reason_t) r), want [r]);
    assert_string_equal (site_reason_name (SITE_REASON_COUNT), "unknown");
    assert_string_equal (site_reason_name ((site_reason_t) -1), "unknown");
}

static void
test_errors (void **state)
{
    (void) state;
    assert_int_equal (util_error (UTIL_EINPUT, "bad %d", 7), -1);
    assert_string_equal (util_last_error (), "bad 7");
    assert_int_equal (site_reject (SITE_REPLAY, "seq %d", 9), SITE_REPLAY);
    assert_string_equal (util_last_error (), "seq 9");
}

static void
test_error (void **state)
{
    (void) state;
    assert_int_equal (util_error (UTIL_EREFUSED, "budget: %g", 0.5), -1);
    assert_string_equal (util_last_error (), "budget: 0.5");
}

static void
test_printable (void **state)
{
    (void) state;
    char s [] = "ok \xc3\xa9\t\x7f~";
    util_printable (s);
    assert_string_equal (s, "ok ????~");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_reason_names),
        cmocka_unit_test (test_errors),
        cmocka_unit_test (test_error),
        cmocka_unit_test (test_printable),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
