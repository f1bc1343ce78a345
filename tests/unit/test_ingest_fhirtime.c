/*  Unit tests for ingest/fhirtime.c: R4 date, dateTime and instant read as
    UTC intervals, every precision, both sides of each bound, years from
    0001, and every malformed form refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "ingest/fhirtime.h"

static void
s_expect (const char *s, ingest_fhirtime_kind_t kind, int64_t start, int64_t end, bool has_time)
{
    ingest_fhirtime_t t;
    if (ingest_fhirtime_parse (&t, s, kind))
        fail_msg ("'%s' (kind %d) refused", s, kind);
    if (t.start_ms != start || t.end_ms != end || t.has_time != has_time)
        fail_msg ("'%s': [%lld, %lld) time %d, want [%lld, %lld) time %d", s,
                  (long long) t.start_ms, (long long) t.end_ms, t.has_time, (long long) start,
                  (long long) end, has_time);
}

#define DAY 86400000LL

static void
test_precisions (void **state)
{
    (void) state;
    const ingest_fhirtime_kind_t D = INGEST_FHIRTIME_DATE, DT = INGEST_FHIRTIME_DATETIME,
                                 I = INGEST_FHIRTIME_INSTANT;
    //  1970-01-01 and the days around it.
    s_expect ("1970-01-01", D, 0, DAY, false);
    s_expect ("1969-12-31", DT, -DAY, 0, false);
    s_expect ("1970", DT, 0, 365 * DAY, false);
    s_expect ("1970-02", D, 31 * DAY, 59 * DAY, false);
    s_expect ("1970-12", D, 334 * DAY, 365 * DAY, false);
    //  Leap years: 2024 and 2000 are, 1900 and 2100 are not.
    s_expect ("2024-02", D, 1706745600000LL, 1706745600000LL + 29 * DAY, false);
    s_expect ("2000-02-29", D, 951782400000LL, 951782400000LL + DAY, false);
    s_expect ("2024", D, 1704067200000LL, 1704067200000LL + 366 * DAY, false);
    //  Year 0001 (proleptic Gregorian) and 9999.
    s_expect ("0001-01-01", D, -62135596800000LL, -62135596800000LL + DAY, false);
    s_expect ("0001", DT, -62135596800000LL, -62135596800000LL + 365 * DAY, false);
    s_expect ("9999-12-31", D, 253402214400000LL, 253402300800000LL, false);
    //  Times: the second named, or finer as given; zones both ways.
    s_expect ("2026-11-22T14:05:00Z", DT, 1795356300000LL, 1795356301000LL, true);
    s_expect ("2026-11-22T15:05:00+01:00", I, 1795356300000LL, 1795356301000LL, true);
    s_expect ("2026-11-22T00:05:00-14:00", I, 1795356300000LL, 1795356301000LL, true);
    s_expect ("2026-11-23T04:05:00+14:00", I, 1795356300000LL, 1795356301000LL, true);
    s_expect ("2026-11-22T14:05:00.5Z", DT, 1795356300500LL, 1795356300600LL, true);
    s_expect ("2026-11-22T14:05:00.25Z", DT, 1795356300250LL, 1795356300260LL, true);
    s_expect ("2026-11-22T14:05:00.250Z", DT, 1795356300250LL, 1795356300251LL, true);
    s_expect ("2026-11-22T14:05:00.123456789Z", I, 1795356300123LL, 1795356300124LL, true);
    s_expect ("1969-12-31T23:59:59.999Z", I, -1, 0, true);
    //  A leap second: the last ms of its minute.
    s_expect ("2016-12-31T23:59:60Z", I, 1483228799999LL, 1483228800000LL, true);
    int64_t ms;
    assert_int_equal (ingest_fhirtime_instant ("1970-01-01T00:00:01Z", &ms), 0);
    assert_true (ms == 1000);
}

static void
test_refused (void **state)
{
    (void) state;
    const char *bad [] = {
        "", "1", "197", "0000", "0000-01-01", "19700", "1970-", "1970-1", "1970-00",
        "1970-13", "1970-01-", "1970-01-1", "1970-01-00", "1970-01-32", "2026-02-29",
        "1900-02-29", "2100-02-29", "2026-04-31", "1970-01-01T", "1970-01-01T00:00Z",
        "1970-01-01T00:00:00", "1970-01-01T24:00:00Z", "1970-01-01T00:60:00Z",
        "1970-01-01T00:00:61Z", "1970-01-01T00:00:00.Z", "1970-01-01T00:00:00+1:00",
        "1970-01-01T00:00:00+14:01", "1970-01-01T00:00:00+15:00", "1970-01-01T00:00:00-14:30",
        "1970-01-01T00:00:00+01:60", "1970-01-01T00:00:00+0100", "1970-01-01T00:00:00z",
        "1970-01-01 00:00:00Z", "1970-01-01T00:00:00ZZ", "1970-01-01T00:00:00Z ", " 1970",
        "197a", "1970/01/01", "+1970-01-01", "-0001-01-01",
        "1970-01-01T00:00:00.0000000000000000000000000000000000000000000000000000Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++)
        for (int k = 0; k <= INGEST_FHIRTIME_INSTANT; k++) {
            ingest_fhirtime_t t = { 7, 7, false };
            if (ingest_fhirtime_parse (&t, bad [i], (ingest_fhirtime_kind_t) k) == 0)
                fail_msg ("'%s' (kind %d) accepted", bad [i], k);
            assert_true (t.start_ms == 7 && t.end_ms == 7);
        }
    ingest_fhirtime_t t;
    assert_int_equal (ingest_fhirtime_parse (&t, NULL, INGEST_FHIRTIME_DATE), -1);
    //  A date holds no time; an instant holds nothing less than a second.
    const char *partial [] = { "2026", "2026-11", "2026-11-22" };
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal (ingest_fhirtime_parse (&t, partial [i], INGEST_FHIRTIME_INSTANT), -1);
        assert_int_equal (ingest_fhirtime_parse (&t, partial [i], INGEST_FHIRTIME_DATE), 0);
        assert_int_equal (ingest_fhirtime_parse (&t, partial [i], INGEST_FHIRTIME_DATETIME), 0);
    }
    assert_int_equal (ingest_fhirtime_parse (&t, "2026-11-22T14:05:00Z", INGEST_FHIRTIME_DATE),
                      -1);
    int64_t ms = 7;
    assert_int_equal (ingest_fhirtime_instant ("2026-11-22", &ms), -1);
    assert_true (ms == 7);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_precisions),
        cmocka_unit_test (test_refused),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
