/*  ingest/consent_internal.h - private to ingest/: a parsed Consent as
    ingest/consent.c builds it and ingest/consent_decide.c reads it.

    A consent holds its root provision as a rule; each rule holds the
    elements it was given (a period, or a list of 1..64 strings) and its
    nested rules. Everything is owned by the consent
    (ingest_consent_destroy). */
#ifndef INGEST_CONSENT_INTERNAL_H
#define INGEST_CONSENT_INTERNAL_H

#include "consent.h"

#define INGEST_CONSENT_PATH_MAX 160     //  an element's path in messages

//  A period; a missing bound is open.
typedef struct {
    bool given;
    bool has_start, has_end;
    int64_t start, end;
} ingest_consent_period_t;

//  A list element of a provision: absent (given false) or 1..64 strings.
typedef struct {
    bool given;
    size_t n;
    char **items;
} ingest_consent_list_t;

typedef struct _ingest_consent_rule_t ingest_consent_rule_t;
struct _ingest_consent_rule_t {
    bool permit;
    ingest_consent_period_t period;             //  when the use happens
    ingest_consent_period_t data_period;        //  when the data was recorded
    ingest_consent_list_t actors;               //  "Type/id" references
    ingest_consent_list_t actions;              //  consentaction codes
    ingest_consent_list_t labels;               //  "system|code" security labels
    ingest_consent_list_t purposes;             //  v3-ActReason codes
    ingest_consent_list_t classes;              //  resource type names
    ingest_consent_list_t codes;                //  LOINC codes
    ingest_consent_list_t data;                 //  "Observation/<id>" instances
    size_t nchildren;
    ingest_consent_rule_t *children;
};

struct _ingest_consent_t {
    char *id;
    char *status;
    char *patient;
    int64_t time_ms;
    ingest_consent_rule_t root;
    size_t nrules;              //  rules in the tree, the root included
};

/*  Records the message in the error slot (UTIL_EINPUT for MALFORMED,
    UTIL_EREFUSED otherwise) and returns `reason`. */
ingest_grant_reason_t ingest_consent_fail (ingest_grant_reason_t reason, const char *fmt, ...)
    __attribute__((format (printf, 2, 3)));

#endif
