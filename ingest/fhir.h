/*  ingest/fhir.h - validation of the FHIR R4 Observation carried by a sealed
    record (one vital sign), with LOINC codes and UCUM units checked.

    Accepted LOINC codes (system http://loinc.org), the kind of unit each
    takes (ingest/ucum.h: annotations such as `{beats}/min` are allowed)
    and the canonical unit the value is converted to:

        8867-4   heart rate                          /min
        9279-1   respiratory rate                    /min
        2708-6   oxygen saturation (arterial)        %       (at most 100)
        59408-5  oxygen saturation (pulse ox.)       %       (at most 100)
        8310-5   body temperature                    Cel     ([degF], K)
        29463-7  body weight                         kg      (g, [lb_av], [oz_av])
        2339-0   glucose [mass/volume] in blood      mg/dL   (g/L, mg/L, g/dL)
        2345-7   glucose [mass/volume] in serum or plasma    mg/dL
        15074-8  glucose [moles/volume] in blood     mmol/L  (umol/L)
        85354-9  blood pressure panel: no valueQuantity; component[] holds
                 exactly one 8480-6 (systolic) and one 8462-4 (diastolic),
                 each a valueQuantity in mm[Hg]

    A valueQuantity has a finite value, an optional comparator (<, <=, >=,
    >: kept, and the reading is marked censored), and its unit either as a
    UCUM code (system http://unitsofmeasure.org) or, with no code and no
    system, as `unit` text that is itself one of the UCUM codes above.
    After conversion the value is >= 0.

    The resource must also have resourceType "Observation", a status of
    final, amended, corrected or preliminary, a subject that names the
    device's patient (below), and one of effectiveDateTime (an R4
    dateTime of any precision: its first moment, ingest/fhirtime.h),
    effectiveInstant, or effectivePeriod with a start (the start). It must
    carry no modifierExtension anywhere, no implicitRules and no
    meta.security label (records are stored unlabelled, so that a
    consent's securityLabel rules read them right).

    The subject: subject.reference in any of the forms "Patient/<id>",
    "<base URL>/Patient/<id>", either with "/_history/<version>", which
    must name the patient's id; "urn:uuid:<uuid>" or "urn:oid:<oid>",
    which must be among the patient's identifiers with system
    urn:ietf:rfc:3986; or, with no reference, subject.identifier with a
    system and a value among the patient's identifiers. Messages never
    quote a value from the resource.

    Contents
        ingest_vital_t                  which vital sign
        ingest_observation_t            the reading taken from a valid one
        ingest_patient_t                the patient a subject must name
        ingest_fhir_observation_check   validates one Observation
        ingest_fhir_observation_for     the same, for an ingest_patient_t
        ingest_fhir_components          a panel's component codes

    Results go into the caller's variables; the JSON is borrowed and
    nothing is kept. A failure leaves its reason in the error slot
    (util/error.h).
*/
#ifndef INGEST_FHIR_H
#define INGEST_FHIR_H

#include "ingest.h"

#define INGEST_FHIR_ID_MAX 64           //  an id: 1..64 of [A-Za-z0-9.-]

typedef enum {
    INGEST_VITAL_HEART_RATE,
    INGEST_VITAL_SPO2,
    INGEST_VITAL_BODY_TEMPERATURE,
    INGEST_VITAL_GLUCOSE,
    INGEST_VITAL_BLOOD_PRESSURE,
    INGEST_VITAL_RESPIRATORY_RATE,
    INGEST_VITAL_BODY_WEIGHT
} ingest_vital_t;

typedef struct {
    ingest_vital_t vital;
    char loinc [16];            //  the code that matched
    char unit [16];             //  canonical UCUM code of the value(s)
    int64_t effective_ms;       //  effective time, ms since the Unix epoch
    double value;               //  the reading (canonical unit); systolic for blood pressure
    double diastolic;           //  blood pressure only, else 0
    char comparator [3];        //  "" or the value's comparator (<, <=, >=, >)
    bool censored;              //  a comparator is set: not an exact value
    char id [INGEST_FHIR_ID_MAX + 1];   //  the resource id, or ""
} ingest_observation_t;

/*  Who the subject must be. `id` is the "<id>" of "Patient/<id>" (or
    NULL); `identifiers` are n "system|value" strings. All borrowed. */
typedef struct {
    const char *id;
    const char *const *identifiers;
    size_t n_identifiers;
} ingest_patient_t;

/*  Validates `len` bytes of untrusted JSON as one Observation for the
    patient `patient_ref` ("Patient/<id>"; NULL or any other form names
    no patient, and the subject is then a mismatch). Returns INGEST_OK and fills `out`, or one of
    INGEST_BAD_FHIR, INGEST_UNIT_MISMATCH, INGEST_SUBJECT_MISMATCH or
    INGEST_TOO_LARGE (over INGEST_PAYLOAD_MAX bytes), with the element at
    fault in util_last_error (); `out` is untouched on failure.
    INGEST_BAD_FHIR with ingest_undecided () true means the payload could
    not be read (out of memory), not that it is bad. */
ingest_reason_t ingest_fhir_observation_check (ingest_observation_t *out, const char *json,
                                           size_t len, const char *patient_ref) INGEST_WUR;

/*  The same for a patient known by id and identifiers; with `patient`
    NULL the subject is checked for form only (`cohort ingest check`
    without --patient). */
ingest_reason_t ingest_fhir_observation_for (ingest_observation_t *out, const char *json,
                                             size_t len, const ingest_patient_t *patient)
    INGEST_WUR;

/*  The component codes of a supported panel code (85354-9: 8480-6 and
    8462-4), NULL-terminated and static; NULL for any other code. */
const char *const *ingest_fhir_components (const char *loinc);

#endif
