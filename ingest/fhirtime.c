/*  ingest/fhirtime.c - FHIR R4 date, dateTime and instant (ingest/fhirtime.h). */
#include "fhirtime.h"

#include <string.h>

#define S_DAY_MS 86400000LL

//  n decimal digits at s into *out.
static bool
s_digits (const char *s, int n, int *out)
{
    *out = 0;
    for (int i = 0; i < n; i++) {
        if (s [i] < '0' || s [i] > '9')
            return false;
        *out = *out * 10 + (s [i] - '0');
    }
    return true;
}

static int
s_month_days (int y, int m)
{
    static const int days [] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days [m - 1] + (m == 2 && leap);
}

//  Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
//  (negative before it): the days_from_civil algorithm described by
//  H. Hinnant, "chrono-Compatible Low-Level Date Algorithms" (2013), which
//  counts in 400-year eras of 146,097 days starting on March 1st.
static int64_t
s_days (int y, int m, int d)
{
    int64_t year = y - (m <= 2);
    int64_t era = (year >= 0? year: year - 399) / 400;
    int64_t yoe = year - era * 400;
    int64_t doy = (153 * (m > 2? m - 3: m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int
ingest_fhirtime_parse (ingest_fhirtime_t *out, const char *s, ingest_fhirtime_kind_t kind)
{
    size_t len = s? strnlen (s, INGEST_FHIRTIME_MAX + 1): 0;
    int y, mo = 1, d = 1, h = 0, mi = 0, sec = 0, zh = 0, zm = 0, frac_ms = 0;
    if (len < 4 || len > INGEST_FHIRTIME_MAX || !s_digits (s, 4, &y) || y < 1)
        return -1;
    ingest_fhirtime_t t = { 0, 0, false };
    if (len == 4) {
        if (kind == INGEST_FHIRTIME_INSTANT)
            return -1;
        t.start_ms = s_days (y, 1, 1) * S_DAY_MS;
        t.end_ms = s_days (y + 1, 1, 1) * S_DAY_MS;
        *out = t;
        return 0;
    }
    if (len < 7 || s [4] != '-' || !s_digits (s + 5, 2, &mo) || mo < 1 || mo > 12)
        return -1;
    if (len == 7) {
        if (kind == INGEST_FHIRTIME_INSTANT)
            return -1;
        t.start_ms = s_days (y, mo, 1) * S_DAY_MS;
        t.end_ms = (mo == 12? s_days (y + 1, 1, 1): s_days (y, mo + 1, 1)) * S_DAY_MS;
        *out = t;
        return 0;
    }
    if (len < 10 || s [7] != '-' || !s_digits (s + 8, 2, &d) || d < 1
    ||  d > s_month_days (y, mo))
        return -1;
    if (len == 10) {
        if (kind == INGEST_FHIRTIME_INSTANT)
            return -1;
        t.start_ms = s_days (y, mo, d) * S_DAY_MS;
        t.end_ms = t.start_ms + S_DAY_MS;
        *out = t;
        return 0;
    }
    //  A time: dateTime and instant only, always with seconds and a zone.
    if (kind == INGEST_FHIRTIME_DATE || len < 20 || s [10] != 'T'
    ||  !s_digits (s + 11, 2, &h) || s [13] != ':' || !s_digits (s + 14, 2, &mi)
    ||  s [16] != ':' || !s_digits (s + 17, 2, &sec) || h > 23 || mi > 59 || sec > 60)
        return -1;
    const char *p = s + 19;
    int64_t grain = 1000;           //  the precision given: a second, or finer
    if (*p == '.') {
        int digits = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, digits++)
            if (digits < 3)
                frac_ms = frac_ms * 10 + (*p - '0');
        if (digits == 0)
            return -1;
        for (grain = 1; digits < 3; digits++) {
            frac_ms *= 10;
            grain *= 10;
        }
    }
    int sign = 0;
    if (strcmp (p, "Z") == 0)
        sign = 0;
    else
    if ((*p == '+' || *p == '-') && strlen (p) == 6 && s_digits (p + 1, 2, &zh)
    &&  p [3] == ':' && s_digits (p + 4, 2, &zm) && zm <= 59
    &&  (zh < 14 || (zh == 14 && zm == 0)))
        sign = *p == '+'? 1: -1;
    else
        return -1;
    if (sec == 60) {
        //  A leap second: the last ms of its minute.
        sec = 59;
        frac_ms = 999;
        grain = 1;
    }
    int64_t secs = s_days (y, mo, d) * 86400 + h * 3600 + mi * 60 + sec
                 - (int64_t) sign * (zh * 3600 + zm * 60);
    t.start_ms = secs * 1000 + frac_ms;
    t.end_ms = t.start_ms + grain;
    t.has_time = true;
    *out = t;
    return 0;
}

int
ingest_fhirtime_instant (const char *s, int64_t *ms)
{
    ingest_fhirtime_t t;
    if (ingest_fhirtime_parse (&t, s, INGEST_FHIRTIME_INSTANT))
        return -1;
    *ms = t.start_ms;
    return 0;
}
