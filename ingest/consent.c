/*  ingest/consent.c - FHIR R4 Consent grants: parsing every provision
    element (or refusing) and Ed25519 envelopes (ingest/consent.h); the
    permit/deny decision is in ingest/consent_decide.c. */
#include "consent.h"
#include "util/alloc.h"
#include "util/codec.h"
#include "fhirtime.h"
#include "consent_internal.h"
#include "ingest_internal.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SCOPE_SYSTEM   "http://terminology.hl7.org/CodeSystem/consentscope"
#define S_PURPOSE_SYSTEM "http://terminology.hl7.org/CodeSystem/v3-ActReason"
#define S_ACTCODE_SYSTEM "http://terminology.hl7.org/CodeSystem/v3-ActCode"
#define S_ROLE_SYSTEM    "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
#define S_ACTION_SYSTEM  "http://terminology.hl7.org/CodeSystem/consentaction"
#define S_CLASS_SYSTEM   "http://hl7.org/fhir/resource-types"
#define S_LOINC          "http://loinc.org"
#define S_DOMAIN         "cohort-consent-v1\n"
#define S_ITEM_MAX       160        //  longest kept string (a reference, system|code)


const char *
ingest_grant_reason_name (ingest_grant_reason_t reason)
{
    static const char *names [INGEST_GRANT_REASON_COUNT] = {
        "ok", "malformed", "unsigned", "unknown_authority", "bad_signature",
        "inactive", "not_yet_valid", "expired", "denied", "superseded" };
    return (unsigned) reason < INGEST_GRANT_REASON_COUNT? names [reason]: "unknown";
}

static void
s_list_free (ingest_consent_list_t *list)
{
    for (size_t i = 0; list->items && i < list->n; i++)
        free (list->items [i]);
    free (list->items);
}

static void
s_rule_free (ingest_consent_rule_t *r)
{
    s_list_free (&r->actors);
    s_list_free (&r->actions);
    s_list_free (&r->labels);
    s_list_free (&r->purposes);
    s_list_free (&r->classes);
    s_list_free (&r->codes);
    s_list_free (&r->data);
    for (size_t i = 0; r->children && i < r->nchildren; i++)
        s_rule_free (&r->children [i]);
    free (r->children);
}

void
ingest_consent_destroy (ingest_consent_t **self_p)
{
    if (self_p && *self_p) {
        ingest_consent_t *self = *self_p;
        free (self->id);
        free (self->status);
        free (self->patient);
        s_rule_free (&self->root);
        free (self);
        *self_p = NULL;
    }
}

ingest_grant_reason_t
ingest_consent_fail (ingest_grant_reason_t reason, const char *fmt, ...)
{
    //  Malformed is bad input; every other reason is a grant that does not
    //  permit (refused).
    va_list ap;
    va_start (ap, fmt);
    util_verror (reason == INGEST_GRANT_MALFORMED? UTIL_EINPUT: UTIL_EREFUSED, fmt, ap);
    va_end (ap);
    return reason;
}

#define s_bad(...) ingest_consent_fail (INGEST_GRANT_MALFORMED, __VA_ARGS__)

//  Out of memory reading `what`: MALFORMED, with the code kept at
//  UTIL_ENOMEM (the consent was not judged; nothing in it is wrong).
static ingest_grant_reason_t
s_oom (const char *what)
{
    util_error_context ("consent: reading %s", what);
    return INGEST_GRANT_MALFORMED;
}

//  An element name fit for a message: at most 40 characters of
//  [A-Za-z0-9_], anything else shown as '?'. Names are structure, never a
//  patient's value.
static const char *
s_name (char out [48], const char *key)
{
    size_t i = 0;
    for (; key [i] && i < 40; i++)
        out [i] = (key [i] >= 'a' && key [i] <= 'z') || (key [i] >= 'A' && key [i] <= 'Z')
               || (key [i] >= '0' && key [i] <= '9') || key [i] == '_'? key [i]: '?';
    out [i] = '\0';
    return out;
}

//  Refuses an element of `obj` (at `path`) not among `known`: an element
//  this site does not read could change what the consent means. A
//  primitive's extension holder ("_name") is allowed for a known name.
static ingest_grant_reason_t
s_known (json_t *obj, const char *const *known, const char *path)
{
    const char *key;
    json_t *value;
    json_object_foreach (obj, key, value) {
        const char *name = key [0] == '_'? key + 1: key;
        bool ok = false;
        for (size_t i = 0; known [i] && !ok; i++)
            ok = strcmp (name, known [i]) == 0;
        if (!ok) {
            char shown [48];
            return s_bad ("consent: %s has the element '%s', which this site does not read "
                          "(refused rather than ignored)", path, s_name (shown, key));
        }
    }
    return INGEST_GRANT_OK;
}

//  Refuses a modifierExtension anywhere under `j` (R4: a resource with a
//  modifier the reader does not understand must not be processed).
static ingest_grant_reason_t
s_modifiers (json_t *j, char *path, size_t len)
{
    if (json_is_object (j)) {
        const char *key;
        json_t *value;
        json_object_foreach (j, key, value) {
            char shown [48];
            if (strcmp (key, "modifierExtension") == 0)
                return s_bad ("consent: %s%smodifierExtension is not understood: the consent "
                              "is refused", path, len? ".": "");
            int n = snprintf (path + len, INGEST_CONSENT_PATH_MAX - len, "%s%s", len? ".": "",
                              s_name (shown, key));
            size_t sub = n > 0 && (size_t) n < INGEST_CONSENT_PATH_MAX - len? len + (size_t) n: len;
            ingest_grant_reason_t r = s_modifiers (value, path, sub);
            path [len] = '\0';
            if (r)
                return r;
        }
    }
    else
    if (json_is_array (j)) {
        size_t i;
        json_t *value;
        json_array_foreach (j, i, value) {
            int n = snprintf (path + len, INGEST_CONSENT_PATH_MAX - len, "[%zu]", i);
            size_t sub = n > 0 && (size_t) n < INGEST_CONSENT_PATH_MAX - len? len + (size_t) n: len;
            ingest_grant_reason_t r = s_modifiers (value, path, sub);
            path [len] = '\0';
            if (r)
                return r;
        }
    }
    return INGEST_GRANT_OK;
}

//  A Period at `path` (may be absent): dateTimes of any R4 precision; a
//  start takes the first moment its value names and an end the last (R4:
//  "the end value includes any matching date/time").
static ingest_grant_reason_t
s_period (json_t *j, ingest_consent_period_t *p, const char *path)
{
    static const char *const known [] = { "id", "extension", "start", "end", NULL };
    memset (p, 0, sizeof *p);
    if (!j)
        return INGEST_GRANT_OK;
    if (!json_is_object (j))
        return s_bad ("consent: %s must be an object", path);
    ingest_grant_reason_t r = s_known (j, known, path);
    if (r)
        return r;
    json_t *start = json_object_get (j, "start"), *end = json_object_get (j, "end");
    ingest_fhirtime_t t;
    if (start) {
        if (!json_is_string (start)
        ||  ingest_fhirtime_parse (&t, json_string_value (start), INGEST_FHIRTIME_DATETIME))
            return s_bad ("consent: %s.start must be an R4 dateTime", path);
        p->start = t.start_ms;
    }
    if (end) {
        if (!json_is_string (end)
        ||  ingest_fhirtime_parse (&t, json_string_value (end), INGEST_FHIRTIME_DATETIME))
            return s_bad ("consent: %s.end must be an R4 dateTime", path);
        p->end = t.end_ms;
    }
    p->given = true;
    p->has_start = start != NULL;
    p->has_end = end != NULL;
    if (p->has_start && p->has_end && p->end <= p->start)
        return s_bad ("consent: %s ends before it starts", path);
    return INGEST_GRANT_OK;
}

//  What an item of a list must be: returns the string to keep (in `buf`
//  or borrowed from the item), or NULL with `buf` holding why not.
typedef const char *(*s_pick_fn) (json_t *item, char *buf, size_t cap);

//  Copies the list element `key` of provision `p` (at `path`), absent or
//  1..INGEST_CONSENT_LIST_MAX items each picked by `pick`, into *out.
static ingest_grant_reason_t
s_list (json_t *p, const char *key, ingest_consent_list_t *out, s_pick_fn pick, const char *path)
{
    json_t *arr = json_object_get (p, key);
    memset (out, 0, sizeof *out);
    if (!arr)
        return INGEST_GRANT_OK;
    if (!json_is_array (arr) || json_array_size (arr) == 0
    ||  json_array_size (arr) > INGEST_CONSENT_LIST_MAX)
        return s_bad ("consent: %s.%s must be an array of 1..%d items", path, key,
                      INGEST_CONSENT_LIST_MAX);
    out->given = true;
    if (!(out->items = util_calloc (json_array_size (arr), sizeof *out->items)))
        return s_oom (key);
    size_t i;
    json_t *item;
    json_array_foreach (arr, i, item) {
        char buf [S_ITEM_MAX + 1] = "";
        const char *s = json_is_object (item)? pick (item, buf, sizeof buf): NULL;
        if (!s)
            return s_bad ("consent: %s.%s[%zu] %s", path, key, i,
                          buf [0]? buf: "is not of the R4 type");
        if (!(out->items [i] = util_strdup (s)))
            return s_oom (key);
        out->n = i + 1;
    }
    return INGEST_GRANT_OK;
}

//  "Type/id": a relative literal reference, the type a FHIR resource name,
//  the id 1..64 of [A-Za-z0-9.-].
static bool
s_relative (const char *r)
{
    const char *slash = r? strchr (r, '/'): NULL;
    if (!slash || slash == r || r [0] < 'A' || r [0] > 'Z' || slash - r > 64)
        return false;
    for (const char *c = r; c < slash; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
            return false;
    size_t id = strlen (slash + 1);
    return id >= 1 && id <= 64
        && strspn (slash + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-")
           == id;
}

//  The code of the first coding in `codings` (an array of Coding) from
//  `system`, or NULL.
static const char *
s_coding (json_t *codings, const char *system)
{
    size_t i;
    json_t *c;
    json_array_foreach (codings, i, c) {
        const char *sys = json_string_value (json_object_get (c, "system"));
        const char *code = json_string_value (json_object_get (c, "code"));
        if (sys && code && strcmp (sys, system) == 0)
            return code;
    }
    return NULL;
}

static const char *
s_pick_actor (json_t *a, char *buf, size_t cap)
{
    static const char *const known [] = { "id", "extension", "modifierExtension", "role",
                                          "reference", NULL };
    const char *bad = NULL;
    json_t *value;
    const char *key;
    json_object_foreach (a, key, value) {
        bool ok = false;
        for (size_t i = 0; known [i] && !ok; i++)
            ok = strcmp (key [0] == '_'? key + 1: key, known [i]) == 0;
        if (!ok)
            bad = key;
    }
    if (bad) {
        char shown [48];
        snprintf (buf, cap, "has the element '%s', which this site does not read",
                  s_name (shown, bad));
        return NULL;
    }
    json_t *role = json_object_get (a, "role");
    if (role) {
        //  The roles of a party that holds or receives the data: the site
        //  and the study are such parties. Any other role (author,
        //  informant, ...) would need a reading this site does not have.
        const char *code = s_coding (json_object_get (role, "coding"), S_ROLE_SYSTEM);
        if (!code || (strcmp (code, "PRCP") && strcmp (code, "IRCP") && strcmp (code, "CST"))) {
            snprintf (buf, cap, "role must be a v3-ParticipationType PRCP, IRCP or CST "
                      "(recipient or custodian): other roles are not understood");
            return NULL;
        }
    }
    const char *r = json_string_value (json_object_get (json_object_get (a, "reference"),
                                                        "reference"));
    if (!s_relative (r)) {
        snprintf (buf, cap, "reference must be a relative reference \"Type/<id>\"");
        return NULL;
    }
    return r;
}

static const char *
s_pick_purpose (json_t *c, char *buf, size_t cap)
{
    const char *system = json_string_value (json_object_get (c, "system"));
    const char *code = json_string_value (json_object_get (c, "code"));
    if (!system || !code || strcmp (system, S_PURPOSE_SYSTEM) != 0 || !code [0]) {
        snprintf (buf, cap, "must be a v3-ActReason coding");
        return NULL;
    }
    return code;
}

static const char *
s_pick_action (json_t *concept, char *buf, size_t cap)
{
    static const char *const actions [] = { "collect", "access", "use", "disclose", "correct",
                                            NULL };
    const char *code = s_coding (json_object_get (concept, "coding"), S_ACTION_SYSTEM);
    for (size_t i = 0; code && actions [i]; i++)
        if (strcmp (code, actions [i]) == 0)
            return code;
    snprintf (buf, cap, "must hold a consentaction coding (collect, access, use, disclose or "
              "correct)");
    return NULL;
}

static const char *
s_pick_label (json_t *c, char *buf, size_t cap)
{
    const char *system = json_string_value (json_object_get (c, "system"));
    const char *code = json_string_value (json_object_get (c, "code"));
    int n = system && code && strlen (system) + strlen (code) + 1 <= S_ITEM_MAX
          ? snprintf (buf, cap, "%s|%s", system, code): -1;
    if (n < 0 || (size_t) n >= cap) {
        snprintf (buf, cap, "must be a coding with a system and a code");
        return NULL;
    }
    return buf;
}

static const char *
s_pick_class (json_t *c, char *buf, size_t cap)
{
    const char *system = json_string_value (json_object_get (c, "system"));
    const char *code = json_string_value (json_object_get (c, "code"));
    if (!system || !code || strcmp (system, S_CLASS_SYSTEM) != 0 || !code [0]) {
        snprintf (buf, cap, "must be a resource type (%s): profiles and document types are "
                  "not understood", S_CLASS_SYSTEM);
        return NULL;
    }
    return code;
}

//  A concept's one LOINC code. Two different LOINC codings in one concept
//  are refused, not read as the first: a deny would otherwise withhold
//  one code and silently let the other through.
static const char *
s_pick_loinc (json_t *concept, char *buf, size_t cap)
{
    json_t *codings = json_object_get (concept, "coding");
    const char *code = s_coding (codings, S_LOINC);
    if (!code || !code [0]) {
        snprintf (buf, cap, "must hold a LOINC coding: other code systems are not understood");
        return NULL;
    }
    size_t i;
    json_t *c;
    json_array_foreach (codings, i, c) {
        const char *sys = json_string_value (json_object_get (c, "system"));
        const char *other = json_string_value (json_object_get (c, "code"));
        if (sys && other && strcmp (sys, S_LOINC) == 0 && strcmp (other, code) != 0) {
            snprintf (buf, cap, "coding[%zu] is a second LOINC code: a concept holds one (give "
                      "each code its own concept)", i);
            return NULL;
        }
    }
    return code;
}

static const char *
s_pick_data (json_t *d, char *buf, size_t cap)
{
    const char *meaning = json_string_value (json_object_get (d, "meaning"));
    const char *r = json_string_value (json_object_get (json_object_get (d, "reference"),
                                                        "reference"));
    if (!meaning || strcmp (meaning, "instance") != 0) {
        snprintf (buf, cap, "meaning must be instance: related, dependents and authoredby "
                  "are not understood");
        return NULL;
    }
    if (!s_relative (r) || strncmp (r, "Observation/", 12) != 0) {
        snprintf (buf, cap, "reference must be \"Observation/<id>\": this site holds "
                  "Observations only");
        return NULL;
    }
    return r;
}

#define S_DEPTH_MAX 8

//  How much of jansson's message to show: up to its " near '...'", which
//  quotes the input (and so could quote a patient's value).
static int
s_json_why (const char *text)
{
    const char *near = strstr (text, " near ");
    return near? (int) (near - text): (int) strlen (text);
}

static ingest_grant_reason_t
s_rule (json_t *p, ingest_consent_rule_t *r, ingest_consent_t *c, const char *path, int depth)
{
    static const char *const known [] = {
        "id", "extension", "modifierExtension", "type", "period", "actor", "action",
        "securityLabel", "purpose", "class", "code", "dataPeriod", "data", "provision", NULL };
    if (!json_is_object (p))
        return s_bad ("consent: %s must be an object", path);
    if (++c->nrules > INGEST_CONSENT_LIST_MAX)
        return s_bad ("consent: more than %d provisions", INGEST_CONSENT_LIST_MAX);
    ingest_grant_reason_t rc = s_known (p, known, path);
    if (rc)
        return rc;
    json_t *type = json_object_get (p, "type");
    const char *t = json_string_value (type);
    if (type && (!t || (strcmp (t, "permit") && strcmp (t, "deny"))))
        return s_bad ("consent: %s.type must be permit or deny", path);
    //  R4 leaves the root's type to the base policy (opt-in: the root
    //  permits what it describes); a nested rule must say.
    if (!type && depth > 0)
        return s_bad ("consent: %s.type is required in a nested provision", path);
    r->permit = !t || strcmp (t, "permit") == 0;
    char where [INGEST_CONSENT_PATH_MAX];
    snprintf (where, sizeof where, "%s.period", path);
    if ((rc = s_period (json_object_get (p, "period"), &r->period, where)))
        return rc;
    snprintf (where, sizeof where, "%s.dataPeriod", path);
    if ((rc = s_period (json_object_get (p, "dataPeriod"), &r->data_period, where))
    ||  (rc = s_list (p, "actor", &r->actors, s_pick_actor, path))
    ||  (rc = s_list (p, "action", &r->actions, s_pick_action, path))
    ||  (rc = s_list (p, "securityLabel", &r->labels, s_pick_label, path))
    ||  (rc = s_list (p, "purpose", &r->purposes, s_pick_purpose, path))
    ||  (rc = s_list (p, "class", &r->classes, s_pick_class, path))
    ||  (rc = s_list (p, "code", &r->codes, s_pick_loinc, path))
    ||  (rc = s_list (p, "data", &r->data, s_pick_data, path)))
        return rc;
    json_t *nested = json_object_get (p, "provision");
    if (!nested)
        return INGEST_GRANT_OK;
    if (!json_is_array (nested) || json_array_size (nested) == 0
    ||  json_array_size (nested) > INGEST_CONSENT_LIST_MAX)
        return s_bad ("consent: %s.provision must be an array of 1..%d provisions", path,
                      INGEST_CONSENT_LIST_MAX);
    if (depth + 1 >= S_DEPTH_MAX)
        return s_bad ("consent: %s nests provisions more than %d deep", path, S_DEPTH_MAX);
    if (!(r->children = util_calloc (json_array_size (nested), sizeof *r->children)))
        return s_oom ("provision.provision");
    size_t i;
    json_t *d;
    json_array_foreach (nested, i, d) {
        char sub [INGEST_CONSENT_PATH_MAX];
        snprintf (sub, sizeof sub, "%s.provision[%zu]", path, i);
        r->nchildren = i + 1;
        if ((rc = s_rule (d, &r->children [i], c, sub, depth + 1)))
            return rc;
    }
    return INGEST_GRANT_OK;
}

static bool
s_id_ok (const char *id)
{
    size_t len = id? strlen (id): 0;
    return len >= 1 && len <= 64
        && strspn (id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-") == len;
}

static ingest_grant_reason_t
s_consent (json_t *root, ingest_consent_t *c)
{
    static const char *const known [] = {
        "resourceType", "id", "meta", "implicitRules", "language", "text", "contained",
        "extension", "modifierExtension", "identifier", "status", "scope", "category",
        "patient", "dateTime", "performer", "organization", "sourceAttachment",
        "sourceReference", "policy", "policyRule", "verification", "provision", NULL };
    if (!json_is_object (root))
        return s_bad ("consent: the resource is not a JSON object");
    const char *type = json_string_value (json_object_get (root, "resourceType"));
    if (!type || strcmp (type, "Consent") != 0)
        return s_bad ("consent: resourceType must be \"Consent\"");
    char path [INGEST_CONSENT_PATH_MAX] = "";
    ingest_grant_reason_t r;
    if ((r = s_modifiers (root, path, 0)) || (r = s_known (root, known, "Consent")))
        return r;
    if (json_object_get (root, "implicitRules"))
        return s_bad ("consent: implicitRules is a modifier this site does not understand");
    const char *id = json_string_value (json_object_get (root, "id"));
    if (!s_id_ok (id))
        return s_bad ("consent: id must be 1..64 of [A-Za-z0-9.-]");
    const char *status = json_string_value (json_object_get (root, "status"));
    static const char *statuses [] = { "draft", "proposed", "active", "rejected", "inactive",
                                       "entered-in-error" };
    bool known_status = false;
    for (size_t i = 0; status && i < 6; i++)
        known_status |= strcmp (status, statuses [i]) == 0;
    if (!known_status)
        return s_bad ("consent: status is not a FHIR R4 consent status");
    if (!s_coding (json_object_get (json_object_get (root, "scope"), "coding"), S_SCOPE_SYSTEM)
    ||  strcmp (s_coding (json_object_get (json_object_get (root, "scope"), "coding"),
                          S_SCOPE_SYSTEM), "research") != 0)
        return s_bad ("consent: scope must be consentscope#research");
    json_t *policy = json_object_get (root, "policyRule");
    if (policy) {
        //  The base policy decides what no provision covers. Opt-in (deny
        //  unless permitted) is how this site reads every consent; an
        //  opt-out base (permit unless denied) is not honoured.
        const char *code = s_coding (json_object_get (policy, "coding"), S_ACTCODE_SYSTEM);
        if (!code || strcmp (code, "OPTIN") != 0)
            return s_bad ("consent: policyRule must be v3-ActCode OPTIN: other base policies "
                          "(OPTOUT permits by default) are not honoured");
    }
    const char *patient = json_string_value (json_object_get (json_object_get (root, "patient"),
                                                              "reference"));
    if (!patient || strncmp (patient, "Patient/", 8) != 0 || !s_id_ok (patient + 8))
        return s_bad ("consent: patient.reference must be \"Patient/<id>\"");
    json_t *when = json_object_get (root, "dateTime");
    ingest_fhirtime_t t;
    if (!json_is_string (when)
    ||  ingest_fhirtime_parse (&t, json_string_value (when), INGEST_FHIRTIME_DATETIME))
        return s_bad ("consent: dateTime must be an R4 dateTime (it orders the versions of a "
                      "consent)");
    c->time_ms = t.start_ms;
    if (!(c->id = util_strdup (id)) || !(c->status = util_strdup (status))
    ||  !(c->patient = util_strdup (patient)))
        return s_oom ("id, status and patient");
    json_t *provision = json_object_get (root, "provision");
    if (!provision)
        return s_bad ("consent: provision is missing: this site decides from provisions only");
    return s_rule (provision, &c->root, c, "provision", 0);
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
            util_error (UTIL_EINPUT, "consent: line %d column %d: not valid JSON (%.*s)",
                        err.line, err.column, s_json_why (err.text), err.text);
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
