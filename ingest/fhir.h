/*  ingest/fhir.h - validation of the FHIR R4 Observation carried by a sealed
    record (one vital sign), with LOINC codes and UCUM units checked.

    Accepted LOINC codes (system http://loinc.org) and their UCUM units
    (valueQuantity.system http://unitsofmeasure.org, valueQuantity.code):

        8867-4   heart rate                      /min
        2708-6   oxygen saturation (arterial)    %
        59408-5  oxygen saturation (pulse ox.)   %
        8310-5   body temperature                Cel or [degF]
        2339-0   glucose [mass/volume] in blood  mg/dL
        85354-9  blood pressure panel: no valueQuantity; component[] holds
                 exactly one 8480-6 (systolic) and one 8462-4 (diastolic),
                 each a valueQuantity in mm[Hg]

    The resource must also have resourceType "Observation", a status of
    final, amended, corrected or preliminary, subject.reference equal to
    the device's enrolled patient ("Patient/<id>"), and an effectiveDateTime
    (or effectiveInstant) with a time and a zone, e.g.
    2026-11-22T14:05:00Z or 2026-11-22T15:05:00.250+01:00. Values are
    finite and >= 0 (percentages <= 100).

    Contents
        ingest_vital_t                  which vital sign
        ingest_observation_t            the reading taken from a valid one
        ingest_fhir_datetime            a FHIR dateTime to ms since the epoch
        ingest_fhir_observation_check   validates one Observation

    Results go into the caller's variables; the JSON is borrowed and
    nothing is kept. A failure leaves its reason in the error slot
    (util/error.h).
*/
#ifndef INGEST_FHIR_H
#define INGEST_FHIR_H

#include "ingest.h"

typedef enum {
    INGEST_VITAL_HEART_RATE,
    INGEST_VITAL_SPO2,
    INGEST_VITAL_BODY_TEMPERATURE,
    INGEST_VITAL_GLUCOSE,
    INGEST_VITAL_BLOOD_PRESSURE
} ingest_vital_t;

typedef struct {
    ingest_vital_t vital;
    char loinc [16];            //  the code that matched
    char unit [16];             //  UCUM code of the value(s)
    int64_t effective_ms;       //  effective time, ms since the Unix epoch
    double value;               //  the reading; systolic for blood pressure
    double diastolic;           //  blood pressure only, else 0
} ingest_observation_t;

/*  Parses a FHIR dateTime or instant that has seconds and a zone,
    YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm), from 1970 on, into ms
    since the Unix epoch. Returns 0, or -1 if `s` is not one. */
int ingest_fhir_datetime (const char *s, int64_t *ms) INGEST_WUR;

/*  Validates `len` bytes of untrusted JSON as one Observation for the
    patient `patient_ref`. Returns INGEST_OK and fills `out`, or one of
    INGEST_BAD_FHIR, INGEST_UNIT_MISMATCH, INGEST_SUBJECT_MISMATCH or
    INGEST_TOO_LARGE (over INGEST_PAYLOAD_MAX bytes), with the field at fault
    in util_last_error (); `out` is untouched on failure. INGEST_BAD_FHIR
    with ingest_undecided () true means the payload could not be read (out
    of memory), not that it is bad. */
ingest_reason_t ingest_fhir_observation_check (ingest_observation_t *out, const char *json,
                                           size_t len, const char *patient_ref) INGEST_WUR;

#endif
