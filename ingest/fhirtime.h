/*  ingest/fhirtime.h - FHIR R4 date, dateTime and instant values, as
    intervals of UTC time.

    The three R4 primitive types (https://hl7.org/fhir/R4/datatypes.html):

        date        YYYY, YYYY-MM or YYYY-MM-DD
        dateTime    a date as above, or YYYY-MM-DDThh:mm:ss[.f...] with a
                    zone (Z, +hh:mm or -hh:mm), which R4 requires whenever
                    a time is given
        instant     always the full form with seconds and a zone

    Years run from 0001 to 9999 (the proleptic Gregorian calendar; R4 has
    no year 0000); a day must exist in its month; a zone is at most
    14:00 either way; a seconds value of 60 (a leap second, which R4
    allows) is read as the last millisecond of its minute; fraction digits
    beyond the third are dropped (the value is truncated to the ms).

    A value is read as the interval of time it names, [start, end) in ms
    since the Unix epoch (negative before 1970):

        2015                    [2015-01-01T00:00Z, 2016-01-01T00:00Z)
        2015-02                 [2015-02-01T00:00Z, 2015-03-01T00:00Z)
        2015-02-07              [2015-02-07T00:00Z, 2015-02-08T00:00Z)
        2015-02-07T13:28:17Z    [that second, the next second)
        2015-02-07T13:28:17.25Z [that ms, 10 ms later) (to the precision
                                given, at most the ms)

    A value without a time has no zone in R4. It is read in UTC: this is
    the rule for comparing a date-only value with a record's time, and it
    can place the bound of a day up to 14 hours from the local midnight of
    the place that wrote it. docs/ingest.md says how periods use it.

    Contents
        ingest_fhirtime_kind_t      date, dateTime or instant
        ingest_fhirtime_t           a value as an interval
        ingest_fhirtime_parse       reads one
        ingest_fhirtime_instant     reads a full instant into ms

    Nothing is allocated; the text is borrowed.
*/
#ifndef INGEST_FHIRTIME_H
#define INGEST_FHIRTIME_H

#include "ingest.h"

#define INGEST_FHIRTIME_MAX 64          //  longest text read, in bytes

typedef enum {
    INGEST_FHIRTIME_DATE,
    INGEST_FHIRTIME_DATETIME,
    INGEST_FHIRTIME_INSTANT
} ingest_fhirtime_kind_t;

typedef struct {
    int64_t start_ms;           //  first ms of the interval, UTC
    int64_t end_ms;             //  first ms after it
    bool has_time;              //  a time of day and a zone were given
} ingest_fhirtime_t;

/*  Reads `s` (NUL-terminated, at most INGEST_FHIRTIME_MAX bytes) as a value
    of `kind`. Returns 0 and fills *out, or -1 if it is not one (*out
    untouched; the caller names the element, nothing is recorded). */
int ingest_fhirtime_parse (ingest_fhirtime_t *out, const char *s,
                           ingest_fhirtime_kind_t kind) INGEST_WUR;

/*  Reads an instant (full date and time with seconds and a zone) into ms
    since the Unix epoch. Returns 0, or -1 if `s` is not one. */
int ingest_fhirtime_instant (const char *s, int64_t *ms) INGEST_WUR;

#endif
