/*  ingest/check.c - the validators on exported files (ingest/check.h). */
#include "check.h"
#include "consent.h"
#include "util/error.h"
#include "util/file.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_URI "urn:ietf:rfc:3986"

int
ingest_check_patient_parse (ingest_check_patient_t *out, const char *text)
{
    memset (out, 0, sizeof *out);
    if (!text || !text [0])
        return util_error (UTIL_EINPUT, "--patient: empty");
    const char *p = text;
    while (true) {
        size_t len = strcspn (p, ",");
        const char *bar = memchr (p, '|', len);
        if (len > 8 && strncmp (p, "Patient/", 8) == 0 && !bar) {
            size_t idlen = len - 8;
            if (out->id [0] || idlen > INGEST_FHIR_ID_MAX
            ||  strspn (p + 8, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-")
                < idlen)
                return util_error (UTIL_EINPUT, "--patient: one Patient/<id>, the id 1..64 of "
                                   "[A-Za-z0-9.-]");
            memcpy (out->id, p + 8, idlen);
        }
        else
        if (bar && bar > p && (size_t) (bar - p) < len - 1) {
            if (out->n == INGEST_CHECK_IDS || len >= INGEST_CHECK_ID_LEN)
                return util_error (UTIL_EINPUT, "--patient: at most %d identifiers of at most %d "
                                   "bytes", INGEST_CHECK_IDS, INGEST_CHECK_ID_LEN - 1);
            memcpy (out->identifiers [out->n++], p, len);
        }
        else
            return util_error (UTIL_EINPUT, "--patient: each item must be Patient/<id> or "
                               "system|value");
        if (!p [len])
            break;
        p += len + 1;
    }
    out->given = true;
    return 0;
}

//  The patient's ingest_patient_t view (identifier pointers into *p).
static const ingest_patient_t *
s_view (const ingest_check_patient_t *p, ingest_patient_t *view, const char **ids)
{
    if (!p || !p->given)
        return NULL;
    for (size_t i = 0; i < p->n; i++)
        ids [i] = p->identifiers [i];
    *view = (ingest_patient_t) { p->id [0]? p->id: NULL, ids, p->n };
    return view;
}

static void
s_refuse (ingest_check_result_t *out, const char *reason, const char *detail)
{
    out->accepted = false;
    snprintf (out->reason, sizeof out->reason, "%s: %s", reason, detail);
}

//  One resource (JSON text `json`, `len` bytes) of type `type`. Returns 0,
//  or -1 if the site failed (out of memory).
static int
s_resource (const char *type, const char *json, size_t len, const ingest_check_patient_t *p,
            ingest_check_result_t *out)
{
    out->accepted = true;
    out->reason [0] = '\0';
    if (strcmp (type, "Observation") == 0 || strcmp (type, "Consent") == 0)
        snprintf (out->resource, sizeof out->resource, "%s", type);
    if (strcmp (type, "Observation") == 0) {
        ingest_patient_t view;
        const char *ids [INGEST_CHECK_IDS + 1];
        ingest_observation_t o;
        ingest_reason_t r = ingest_fhir_observation_for (&o, json, len, s_view (p, &view, ids));
        if (r != INGEST_OK && ingest_undecided ())
            return -1;
        if (r != INGEST_OK)
            s_refuse (out, ingest_reason_name (r), util_last_error ());
        else
        if (o.censored)
            snprintf (out->reason, sizeof out->reason, "censored_value: valueQuantity.comparator "
                      "'%s': taken and stored, but not an exact value, so not used for training",
                      o.comparator);
        return 0;
    }
    if (strcmp (type, "Consent") == 0) {
        ingest_consent_t *c = NULL;
        ingest_grant_reason_t r = ingest_consent_parse (&c, json, len);
        if (r != INGEST_GRANT_OK && util_last_code () == UTIL_ENOMEM)
            return -1;
        if (r != INGEST_GRANT_OK)
            s_refuse (out, ingest_grant_reason_name (r), util_last_error ());
        else
        if (p && p->given && p->id [0] && strcmp (ingest_consent_patient (c) + 8, p->id) != 0)
            s_refuse (out, "subject_mismatch", "consent: patient.reference is not the given "
                      "patient");
        ingest_consent_destroy (&c);
        return 0;
    }
    s_refuse (out, "unsupported", "resourceType must be Observation, Consent or Bundle");
    return 0;
}

//  True if the Patient resource `r` is the patient: its id, or one of its
//  identifiers.
static bool
s_is_patient (json_t *r, const ingest_check_patient_t *p)
{
    const char *id = json_string_value (json_object_get (r, "id"));
    if (p->id [0] && id && strcmp (id, p->id) == 0)
        return true;
    size_t i;
    json_t *ident;
    json_array_foreach (json_object_get (r, "identifier"), i, ident) {
        const char *system = json_string_value (json_object_get (ident, "system"));
        const char *value = json_string_value (json_object_get (ident, "value"));
        char both [INGEST_CHECK_ID_LEN];
        if (!system || !value
        ||  (size_t) snprintf (both, sizeof both, "%s|%s", system, value) >= sizeof both)
            continue;
        for (size_t k = 0; k < p->n; k++)
            if (strcmp (both, p->identifiers [k]) == 0)
                return true;
    }
    return false;
}

static int
s_bundle (json_t *root, const ingest_check_patient_t *given, ingest_check_result_t *out)
{
    json_t *entries = json_object_get (root, "entry");
    snprintf (out->resource, sizeof out->resource, "Bundle");
    if (!json_is_array (entries) || json_array_size (entries) > INGEST_CHECK_ENTRIES) {
        s_refuse (out, "bad_fhir", "Bundle.entry must be an array of at most 1024 entries");
        return 0;
    }
    //  The Patient entry that is the given patient lends its fullUrl.
    ingest_check_patient_t p;
    if (given)
        p = *given;
    size_t i;
    json_t *e;
    json_array_foreach (entries, i, e) {
        json_t *r = json_object_get (e, "resource");
        const char *type = json_string_value (json_object_get (r, "resourceType"));
        const char *url = json_string_value (json_object_get (e, "fullUrl"));
        if (given && given->given && type && strcmp (type, "Patient") == 0 && url
        &&  (strncmp (url, "urn:uuid:", 9) == 0 || strncmp (url, "urn:oid:", 8) == 0)
        &&  s_is_patient (r, given) && p.n == given->n
        &&  (size_t) snprintf (p.identifiers [p.n], INGEST_CHECK_ID_LEN, "%s|%s", S_URI, url)
            < INGEST_CHECK_ID_LEN)
            p.n++;
    }
    size_t checked = 0;
    json_array_foreach (entries, i, e) {
        json_t *r = json_object_get (e, "resource");
        const char *type = json_string_value (json_object_get (r, "resourceType"));
        if (!type || (strcmp (type, "Observation") && strcmp (type, "Consent")))
            continue;
        char *text = json_dumps (r, JSON_COMPACT);
        if (!text)
            return util_error (UTIL_ENOMEM, "check: out of memory (Bundle.entry[%zu])", i);
        ingest_check_result_t one;
        int rc = s_resource (type, text, strlen (text), given? &p: NULL, &one);
        free (text);
        if (rc)
            return -1;
        checked++;
        if (!one.accepted) {
            out->accepted = false;
            snprintf (out->reason, sizeof out->reason, "entry[%zu] %s: %.300s", i, type, one.reason);
            return 0;
        }
        if (one.reason [0] && !out->reason [0])
            snprintf (out->reason, sizeof out->reason, "entry[%zu] %s: %.300s", i, type, one.reason);
    }
    if (checked == 0)
        s_refuse (out, "unsupported", "the Bundle holds no Observation or Consent");
    return 0;
}

int
ingest_check_file (const char *path, const ingest_check_patient_t *patient,
                   ingest_check_result_t *out)
{
    memset (out, 0, sizeof *out);
    out->accepted = true;
    char *text = NULL;
    size_t len = 0;
    if (util_file_read (path, INGEST_CHECK_FILE_MAX, 0, &text, &len)) {
        if (util_last_code () == UTIL_ENOMEM)
            return -1;
        s_refuse (out, "unreadable", util_last_error ());
        return 0;
    }
    json_error_t err;
    json_t *root = json_loadb (text, len, JSON_REJECT_DUPLICATES, &err);
    int rc = 0;
    if (!root) {
        if (json_error_code (&err) == json_error_out_of_memory)
            rc = util_error (UTIL_ENOMEM, "check: out of memory reading %s", path);
        else {
            //  jansson's " near '...'" would quote the file.
            const char *near = strstr (err.text, " near ");
            char detail [160];
            snprintf (detail, sizeof detail, "line %d column %d: not valid JSON (%.*s)", err.line,
                      err.column, near? (int) (near - err.text): (int) strlen (err.text),
                      err.text);
            s_refuse (out, "bad_fhir", detail);
        }
        free (text);
        return rc;
    }
    const char *type = json_string_value (json_object_get (root, "resourceType"));
    if (!json_is_object (root) || !type)
        s_refuse (out, "bad_fhir", "not a FHIR resource (no resourceType)");
    else
    if (strcmp (type, "Bundle") == 0)
        rc = s_bundle (root, patient, out);
    else
        rc = s_resource (type, text, len, patient, out);
    if (out->resource [0] == '\0' && type && strlen (type) < sizeof out->resource
    &&  strspn (type, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") == strlen (type))
        snprintf (out->resource, sizeof out->resource, "%s", type);
    json_decref (root);
    free (text);
    return rc;
}
