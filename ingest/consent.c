/*  ingest/consent.c - FHIR R4 Consent grants: parsing, Ed25519 envelopes and
    the permit/deny decision. */
#include "consent.h"
#include "util/alloc.h"
#include "util/codec.h"
#include "fhir.h"
#include "ingest_internal.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SCOPE_SYSTEM   "http://terminology.hl7.org/CodeSystem/consentscope"
#define S_PURPOSE_SYSTEM "http://terminology.hl7.org/CodeSystem/v3-ActReason"
#define S_LOINC          "http://loinc.org"
#define S_DOMAIN         "cohort-consent-v1\n"

//  A period; a missing bound is open.
typedef struct {
    bool has_start, has_end;
    int64_t start, end;
} period_t;

typedef struct {
    period_t period;
    size_t ncodes;
    char **codes;               //  LOINC codes denied
} deny_t;

struct _ingest_consent_t {
    char *id;
    char *status;
    char *patient;
    int64_t time_ms;
    bool permit;                //  root provision type
    period_t period;
    size_t nactors, npurposes, ndenies;
    char **actors;
    char **purposes;
    deny_t *denies;
};

const char *
ingest_grant_reason_name (ingest_grant_reason_t reason)
{
    static const char *names [INGEST_GRANT_REASON_COUNT] = {
        "ok", "malformed", "unsigned", "unknown_authority", "bad_signature",
        "inactive", "not_yet_valid", "expired", "denied", "superseded" };
    return (unsigned) reason < INGEST_GRANT_REASON_COUNT? names [reason]: "unknown";
}

static void
s_free_list (char **list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        free (list [i]);
    free (list);
}

void
ingest_consent_destroy (ingest_consent_t **self_p)
{
    if (self_p && *self_p) {
        ingest_consent_t *self = *self_p;
        free (self->id);
        free (self->status);
        free (self->patient);
        s_free_list (self->actors, self->nactors);
        s_free_list (self->purposes, self->npurposes);
        for (size_t i = 0; self->denies && i < self->ndenies; i++)
            s_free_list (self->denies [i].codes, self->denies [i].ncodes);
        free (self->denies);
        free (self);
        *self_p = NULL;
    }
}

//  Records the message and returns `reason`.
static ingest_grant_reason_t
s_fail (ingest_grant_reason_t reason, const char *fmt, ...)
    __attribute__((format (printf, 2, 3)));

static ingest_grant_reason_t
s_fail (ingest_grant_reason_t reason, const char *fmt, ...)
{
    //  Malformed is bad input; every other reason is a grant that does not
    //  permit (refused).
    va_list ap;
    va_start (ap, fmt);
    util_verror (reason == INGEST_GRANT_MALFORMED? UTIL_EINPUT: UTIL_EREFUSED, fmt, ap);
    va_end (ap);
    return reason;
}

#define s_bad(...) s_fail (INGEST_GRANT_MALFORMED, __VA_ARGS__)

//  Out of memory reading `what`: MALFORMED, with the code kept at
//  UTIL_ENOMEM (the consent was not judged; nothing in it is wrong).
static ingest_grant_reason_t
s_oom (const char *what)
{
    util_error_context ("consent: reading %s", what);
    return INGEST_GRANT_MALFORMED;
}

static ingest_grant_reason_t
s_period (json_t *j, period_t *p, const char *where)
{
    memset (p, 0, sizeof *p);
    if (!j)
        return INGEST_GRANT_OK;
    if (!json_is_object (j))
        return s_bad ("consent: %s.period must be an object", where);
    json_t *start = json_object_get (j, "start"), *end = json_object_get (j, "end");
    if (start && (!json_is_string (start)
              ||  ingest_fhir_datetime (json_string_value (start), &p->start)))
        return s_bad ("consent: %s.period.start must be a dateTime with a zone", where);
    if (end && (!json_is_string (end) || ingest_fhir_datetime (json_string_value (end), &p->end)))
        return s_bad ("consent: %s.period.end must be a dateTime with a zone", where);
    p->has_start = start != NULL;
    p->has_end = end != NULL;
    if (p->has_start && p->has_end && p->end <= p->start)
        return s_bad ("consent: %s.period ends before it starts", where);
    return INGEST_GRANT_OK;
}

//  Copies a bounded, non-empty list of strings picked by `pick` from the
//  items of array `arr` (the field `what`; `hint` says what each must be)
//  into *out.
static ingest_grant_reason_t
s_list (json_t *arr, char ***out, size_t *n, const char *(*pick) (json_t *),
        const char *what, const char *hint)
{
    if (!json_is_array (arr) || json_array_size (arr) == 0
    ||  json_array_size (arr) > INGEST_CONSENT_LIST_MAX) {
        return s_bad ("consent: %s must be an array of 1..%d %s", what,
                      INGEST_CONSENT_LIST_MAX, hint);
    }
    *out = util_calloc (json_array_size (arr), sizeof **out);
    if (!*out)
        return s_oom (what);
    size_t i;
    json_t *item;
    json_array_foreach (arr, i, item) {
        const char *s = pick (item);
        if (!s || !*s || strlen (s) > 256)
            return s_bad ("consent: %s[%zu] must be %s", what, i, hint);
        if (!((*out) [i] = util_strdup (s)))
            return s_oom (what);
        *n = i + 1;
    }
    return INGEST_GRANT_OK;
}

static const char *
s_pick_actor (json_t *a)
{
    const char *r = json_string_value (json_object_get (json_object_get (a, "reference"),
                                                        "reference"));
    return r && (strncmp (r, "Organization/", 13) == 0 || strncmp (r, "ResearchStudy/", 14) == 0)
           && strchr (r, '/') [1]? r: NULL;
}

static const char *
s_pick_purpose (json_t *c)
{
    const char *system = json_string_value (json_object_get (c, "system"));
    return system && strcmp (system, S_PURPOSE_SYSTEM) == 0
           ? json_string_value (json_object_get (c, "code")): NULL;
}

//  A CodeableConcept's LOINC code (the first LOINC coding).
static const char *
s_pick_loinc (json_t *concept)
{
    size_t i;
    json_t *c;
    json_array_foreach (json_object_get (concept, "coding"), i, c) {
        const char *system = json_string_value (json_object_get (c, "system"));
        if (system && strcmp (system, S_LOINC) == 0)
            return json_string_value (json_object_get (c, "code"));
    }
    return NULL;
}

static bool
s_id_ok (const char *id)
{
    size_t len = id? strlen (id): 0;
    return len >= 1 && len <= 64
        && strspn (id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-") == len;
}

static ingest_grant_reason_t
s_provision (json_t *p, ingest_consent_t *c)
{
    if (!json_is_object (p))
        return s_bad ("consent: provision is missing");
    const char *type = json_string_value (json_object_get (p, "type"));
    if (!type || (strcmp (type, "permit") && strcmp (type, "deny")))
        return s_bad ("consent: provision.type must be permit or deny");
    c->permit = strcmp (type, "permit") == 0;
    ingest_grant_reason_t r;
    if ((r = s_period (json_object_get (p, "period"), &c->period, "provision"))
    ||  (r = s_list (json_object_get (p, "actor"), &c->actors, &c->nactors, s_pick_actor,
                     "provision.actor", "Organization/ or ResearchStudy/ references"))
    ||  (r = s_list (json_object_get (p, "purpose"), &c->purposes, &c->npurposes,
                     s_pick_purpose, "provision.purpose", "v3-ActReason codings")))
        return r;
    json_t *nested = json_object_get (p, "provision");
    if (!nested)
        return INGEST_GRANT_OK;
    if (!json_is_array (nested) || json_array_size (nested) > INGEST_CONSENT_LIST_MAX)
        return s_bad ("consent: provision.provision must be an array of at most %d items",
                      INGEST_CONSENT_LIST_MAX);
    c->denies = util_calloc (json_array_size (nested) + 1, sizeof *c->denies);
    if (!c->denies)
        return s_oom ("provision.provision");
    size_t i;
    json_t *d;
    json_array_foreach (nested, i, d) {
        char where [48];
        snprintf (where, sizeof where, "provision.provision[%zu]", i);
        const char *dtype = json_string_value (json_object_get (d, "type"));
        if (!dtype || strcmp (dtype, "deny") != 0)
            return s_bad ("consent: %s.type must be deny (nested permits are not supported)",
                          where);
        if (json_object_get (d, "provision"))
            return s_bad ("consent: %s must not nest further", where);
        deny_t *deny = &c->denies [c->ndenies++];
        if ((r = s_period (json_object_get (d, "period"), &deny->period, where)))
            return r;
        char what [64];
        snprintf (what, sizeof what, "%s.code", where);
        if ((r = s_list (json_object_get (d, "code"), &deny->codes, &deny->ncodes,
                         s_pick_loinc, what, "LOINC-coded concepts")))
            return r;
    }
    return INGEST_GRANT_OK;
}

static ingest_grant_reason_t
s_consent (json_t *root, ingest_consent_t *c)
{
    if (!json_is_object (root))
        return s_bad ("consent: the resource is not a JSON object");
    const char *type = json_string_value (json_object_get (root, "resourceType"));
    if (!type || strcmp (type, "Consent") != 0)
        return s_bad ("consent: resourceType must be \"Consent\"");
    const char *id = json_string_value (json_object_get (root, "id"));
    if (!s_id_ok (id))
        return s_bad ("consent: id must be 1..64 of [A-Za-z0-9.-]");
    const char *status = json_string_value (json_object_get (root, "status"));
    static const char *statuses [] = { "draft", "proposed", "active", "rejected", "inactive",
                                       "entered-in-error" };
    bool known = false;
    for (size_t i = 0; status && i < 6; i++)
        known |= strcmp (status, statuses [i]) == 0;
    if (!known)
        return s_bad ("consent: status is not a FHIR R4 consent status");
    bool research = false;
    size_t i;
    json_t *coding;
    json_array_foreach (json_object_get (json_object_get (root, "scope"), "coding"), i, coding) {
        const char *system = json_string_value (json_object_get (coding, "system"));
        const char *code = json_string_value (json_object_get (coding, "code"));
        research |= system && code && strcmp (system, S_SCOPE_SYSTEM) == 0
                 && strcmp (code, "research") == 0;
    }
    if (!research)
        return s_bad ("consent: scope must include consentscope#research");
    const char *patient = json_string_value (json_object_get (json_object_get (root, "patient"),
                                                              "reference"));
    if (!patient || strncmp (patient, "Patient/", 8) != 0 || !s_id_ok (patient + 8))
        return s_bad ("consent: patient.reference must be \"Patient/<id>\"");
    json_t *when = json_object_get (root, "dateTime");
    if (!json_is_string (when) || ingest_fhir_datetime (json_string_value (when), &c->time_ms))
        return s_bad ("consent: dateTime must be a dateTime with a zone");
    if (!(c->id = util_strdup (id)) || !(c->status = util_strdup (status))
    ||  !(c->patient = util_strdup (patient)))
        return s_oom ("id, status and patient");
    return s_provision (json_object_get (root, "provision"), c);
}

ingest_grant_reason_t
ingest_consent_parse (ingest_consent_t **out, const char *json, size_t len)
{
    *out = NULL;
    if (len > INGEST_CONSENT_MAX) {
        util_error (UTIL_ELIMIT, "consent: %zu bytes exceeds %d", len, INGEST_CONSENT_MAX);
        return INGEST_GRANT_MALFORMED;
    }
    json_error_t err;
    json_t *root = json_loadb (json, len, JSON_REJECT_DUPLICATES, &err);
    if (!root) {
        if (json_error_code (&err) == json_error_out_of_memory)
            util_error (UTIL_ENOMEM, "consent: out of memory reading the resource");
        else
            util_error (UTIL_EINPUT, "consent: line %d column %d: %s", err.line, err.column,
                        err.text);
        return INGEST_GRANT_MALFORMED;
    }
    ingest_consent_t *c = util_calloc (1, sizeof *c);
    ingest_grant_reason_t r = c? s_consent (root, c): s_oom ("the resource");
    json_decref (root);
    if (r != INGEST_GRANT_OK)
        ingest_consent_destroy (&c);
    *out = c;
    return r;
}

//  Strict base64 (util_b64_decode: canonical, padded, no whitespace) of
//  `text` into a new buffer. NULL with UTIL_EINPUT (not such base64, empty
//  or longer than INGEST_GRANT_MAX), UTIL_ELIMIT or UTIL_ENOMEM.
static uint8_t *
s_unb64 (const char *text, size_t *len)
{
    size_t tlen = strlen (text);
    if (tlen == 0 || tlen > INGEST_GRANT_MAX)
        return util_error_null (UTIL_EINPUT, "base64 of 1..%d characters expected",
                                INGEST_GRANT_MAX);
    size_t cap = tlen / 4 * 3 + 3;
    uint8_t *raw = util_malloc (cap);
    if (raw && util_b64_decode (raw, cap, len, text, tlen)) {
        free (raw);
        raw = NULL;
    }
    return raw;
}

ingest_grant_reason_t
ingest_grant_open (ingest_consent_t **out, const char *envelope, size_t len,
                 const audit_verifier_t *const *authorities, size_t n)
{
    *out = NULL;
    if (len > INGEST_GRANT_MAX) {
        util_error (UTIL_ELIMIT, "grant: %zu bytes exceeds %d", len, INGEST_GRANT_MAX);
        return INGEST_GRANT_MALFORMED;
    }
    json_error_t err;
    json_t *root = json_loadb (envelope, len, JSON_REJECT_DUPLICATES, &err);
    if (!root) {
        if (json_error_code (&err) == json_error_out_of_memory)
            util_error (UTIL_ENOMEM, "grant: out of memory reading the envelope");
        else
            util_error (UTIL_EINPUT, "grant: line %d column %d: %s", err.line, err.column,
                        err.text);
        return INGEST_GRANT_MALFORMED;
    }
    ingest_grant_reason_t r = INGEST_GRANT_MALFORMED;
    uint8_t *consent = NULL, *sig = NULL, *msg = NULL;
    size_t clen = 0, slen = 0;
    const char *c64 = json_string_value (json_object_get (root, "consent"));
    const char *signer = json_string_value (json_object_get (root, "signer"));
    const char *s64 = json_string_value (json_object_get (root, "signature"));
    if (!json_is_object (root) || !c64 || !(consent = s_unb64 (c64, &clen))) {
        //  Out of memory keeps its code: the grant was not judged.
        if (!c64 || util_last_code () != UTIL_ENOMEM)
            util_error (UTIL_EINPUT, "grant: \"consent\" must be the base64 of the Consent JSON");
        goto done;
    }
    if (!signer && !s64) {
        util_error (UTIL_EINPUT, "grant: no \"signer\" and \"signature\": the grant is not signed");
        r = INGEST_GRANT_UNSIGNED;
        goto done;
    }
    if (!signer || !s64 || !(sig = s_unb64 (s64, &slen)) || slen != AUDIT_SIGNATURE_LEN) {
        if (!signer || !s64 || sig || util_last_code () != UTIL_ENOMEM)
            util_error (UTIL_EINPUT, "grant: \"signer\" must name a key and \"signature\" be base64 of %d bytes",
                        AUDIT_SIGNATURE_LEN);
        goto done;
    }
    const audit_verifier_t *key = NULL;
    for (size_t i = 0; i < n && !key; i++) {
        char want [AUDIT_KEY_NAME_MAX + 16], id [9];
        util_hex_encode (id, audit_verifier_keyid (authorities [i]), 4);
        snprintf (want, sizeof want, "%s+%s", audit_verifier_name (authorities [i]), id);
        if (strcmp (want, signer) == 0)
            key = authorities [i];
    }
    if (!key) {
        util_error (UTIL_EREFUSED, "grant: signer '%.80s' is not an enrolled consent authority", signer);
        r = INGEST_GRANT_UNKNOWN_AUTHORITY;
        goto done;
    }
    //  Domain separation: an authority's signature over anything else
    //  (a checkpoint, say) can never pass for a grant.
    size_t dlen = strlen (S_DOMAIN);
    if (!(msg = util_malloc (dlen + clen))) {
        util_error_context ("grant");
        goto done;
    }
    memcpy (msg, S_DOMAIN, dlen);
    memcpy (msg + dlen, consent, clen);
    if (audit_verifier_verify (key, sig, msg, dlen + clen)) {
        util_error (UTIL_ECRYPTO, "grant: signature by '%.80s' does not verify", signer);
        r = INGEST_GRANT_BAD_SIGNATURE;
        goto done;
    }
    r = ingest_consent_parse (out, (const char *) consent, clen);
done:
    free (consent);
    free (sig);
    free (msg);
    json_decref (root);
    return r;
}

char *
ingest_grant_sign (const char *json, size_t len, const audit_signer_t *authority)
{
    //  The cap first: nothing is allocated for a consent over it.
    if (len > INGEST_CONSENT_MAX)
        return util_error_null (UTIL_ELIMIT, "grant: consent of %zu bytes exceeds %d", len,
                                INGEST_CONSENT_MAX);
    size_t dlen = strlen (S_DOMAIN);
    uint8_t *msg = util_malloc (dlen + len), sig [AUDIT_SIGNATURE_LEN];
    char *c64 = msg? util_malloc (UTIL_B64_LEN (len)): NULL;
    char s64 [UTIL_B64_LEN (AUDIT_SIGNATURE_LEN)], signer [96];
    char *text = NULL;
    if (!c64) {
        util_error_context ("grant");
        goto done;
    }
    memcpy (msg, S_DOMAIN, dlen);
    memcpy (msg + dlen, json, len);
    if (audit_signer_sign (authority, sig, msg, dlen + len)) {
        util_error_context ("grant: signing");
        goto done;
    }
    util_b64_encode (c64, (const uint8_t *) json, len);
    util_b64_encode (s64, sig, AUDIT_SIGNATURE_LEN);
    char id [9];
    util_hex_encode (id, audit_signer_keyid (authority), 4);
    snprintf (signer, sizeof signer, "%s+%s", audit_signer_name (authority), id);
    json_t *env = json_pack ("{s:s, s:s, s:s}", "consent", c64, "signer", signer,
                             "signature", s64);
    text = env? json_dumps (env, JSON_INDENT (2) | JSON_PRESERVE_ORDER): NULL;
    json_decref (env);
    if (!text)
        util_error (UTIL_ENOMEM, "grant: out of memory");
done:
    free (msg);
    free (c64);
    return text;
}

static bool
s_in (const char *s, char **list, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp (s, list [i]) == 0)
            return true;
    return false;
}

static bool
s_holds (const period_t *p, int64_t t)
{
    return (!p->has_start || t >= p->start) && (!p->has_end || t < p->end);
}

ingest_grant_reason_t
ingest_consent_in_force (const ingest_consent_t *c, int64_t time_ms)
{
    if (strcmp (c->status, "active") != 0)
        return s_fail (INGEST_GRANT_INACTIVE, "consent %s: status is %s", c->id, c->status);
    if (c->period.has_start && time_ms < c->period.start)
        return s_fail (INGEST_GRANT_NOT_YET_VALID, "consent %s: not valid yet", c->id);
    if (c->period.has_end && time_ms >= c->period.end)
        return s_fail (INGEST_GRANT_EXPIRED, "consent %s: expired", c->id);
    return INGEST_GRANT_OK;
}

ingest_grant_reason_t
ingest_consent_decide (const ingest_consent_t *c, const ingest_consent_query_t *q)
{
    ingest_grant_reason_t r = ingest_consent_in_force (c, q->time_ms);
    if (r != INGEST_GRANT_OK)
        return r;
    const char *why = NULL;
    if (!q->patient || strcmp (q->patient, c->patient) != 0)
        why = "it is for another patient";
    else
    if (!c->permit)
        why = "its provision is a deny";
    else
    if (!s_in (q->site, c->actors, c->nactors) && !s_in (q->study, c->actors, c->nactors))
        why = "neither the site nor the study is among its actors";
    else
    if (!s_in (q->purpose, c->purposes, c->npurposes))
        why = "the purpose is not among its purposes";
    for (size_t i = 0; !why && q->loinc && i < c->ndenies; i++)
        if (s_holds (&c->denies [i].period, q->time_ms)
        &&  s_in (q->loinc, c->denies [i].codes, c->denies [i].ncodes))
            why = "a nested provision denies this LOINC code";
    if (why)
        return s_fail (INGEST_GRANT_DENIED, "consent %s: denied: %s", c->id, why);
    return INGEST_GRANT_OK;
}

const char *
ingest_consent_id (const ingest_consent_t *self)
{
    return self->id;
}

const char *
ingest_consent_patient (const ingest_consent_t *self)
{
    return self->patient;
}

const char *
ingest_consent_status (const ingest_consent_t *self)
{
    return self->status;
}

int64_t
ingest_consent_time (const ingest_consent_t *self)
{
    return self->time_ms;
}
