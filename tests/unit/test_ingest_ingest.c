/*  Unit tests for ingest/ingest.c: reason names and recording a reason
    with its message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ingest/ingest_internal.h"
#include "util/error.h"

static void
test_reason_names (void **state)
{
    (void) state;
    static const char *want [INGEST_REASON_COUNT] = {
        "accepted", "bad_tag", "replay", "unknown_device", "revoked_device",
        "malformed_frame", "bad_fhir", "unit_mismatch", "subject_mismatch", "too_large" };
    for (int r = 0; r < INGEST_REASON_COUNT; r++)
        assert_string_equal (ingest_reason_name ((ingest_reason_t) r), want [r]);
    assert_string_equal (ingest_reason_name (INGEST_REASON_COUNT), "unknown");
    assert_string_equal (ingest_reason_name ((ingest_reason_t) -1), "unknown");
}

static void
test_reject (void **state)
{
    (void) state;
    //  The reason comes back; the message and its class are recorded.
    assert_int_equal (ingest_reject (INGEST_REPLAY, "seq %d", 9), INGEST_REPLAY);
    assert_string_equal (util_last_error (), "seq 9");
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    assert_int_equal (ingest_reject (INGEST_TOO_LARGE, "frame of %d bytes", 70000),
                      INGEST_TOO_LARGE);
    assert_string_equal (util_last_error (), "frame of 70000 bytes");
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    assert_false (ingest_undecided ());
    ingest_reject (INGEST_BAD_TAG, "tag does not verify");
    assert_false (ingest_undecided ());
    //  The site's own failures decide nothing.
    util_error (UTIL_ENOMEM, "out of memory");
    assert_true (ingest_undecided ());
    util_error (UTIL_ECRYPTO, "frame: HKDF-SHA-256 set-up failed");
    assert_true (ingest_undecided ());
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_reason_names),
        cmocka_unit_test (test_reject),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
