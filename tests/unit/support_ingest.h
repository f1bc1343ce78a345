/*  tests/unit/support_ingest.h - ingest fixtures for tests: FHIR texts
    (an Observation, a research Consent), a sealed device frame, a site's
    ingest files on disk (certificates, allowlist, storage key, store,
    audit log, the ingest_config_t naming them), enrolled devices and
    their provisioning files, and consent authorities with signed grants.

    Header-only (static inline) because it needs cohort_ingest, which only
    the tests that include it link; include after cmocka.h. The folder
    helpers come from cohort_test_support (support_dir.h, support_curve.h,
    support_file.h). Every helper fails the running test when a step of
    the fixture fails: a fixture that was not made is never a pass. */
#ifndef TESTS_UNIT_SUPPORT_INGEST_H
#define TESTS_UNIT_SUPPORT_INGEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>

#include "audit/key.h"
#include "ingest/endpoint.h"
#include "ingest/grants.h"
#include "util/codec.h"
#include "support_curve.h"
#include "support_dir.h"
#include "support_file.h"

//  The time of every fixture reading and frame: 2026-11-22T14:05:00Z.
#define SUPPORT_INGEST_NOW 1795356300000LL
#define SUPPORT_INGEST_WHEN "2026-11-22T14:05:00Z"

//  Every byte of the storage key a site fixture writes.
#define SUPPORT_INGEST_KEY_BYTE 0x11

//  Writes into out (size bytes) a final FHIR R4 Observation of `patient`
//  (a reference, "Patient/p-1"), effective SUPPORT_INGEST_WHEN, with one
//  valueQuantity: `value` (JSON number text, "72") in the UCUM unit `unit`
//  for the LOINC code `loinc`. Returns out. A text that does not fit fails
//  the test.
static inline char *
support_observation (char *out, size_t size, const char *patient, const char *loinc,
                     const char *value, const char *unit)
{
    int n = snprintf (out, size,
        "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":"
        "[{\"system\":\"http://loinc.org\",\"code\":\"%s\"}]},\"subject\":"
        "{\"reference\":\"%s\"},\"effectiveDateTime\":\"" SUPPORT_INGEST_WHEN "\","
        "\"valueQuantity\":{\"value\":%s,\"system\":\"http://unitsofmeasure.org\","
        "\"code\":\"%s\"}}", loinc, patient, value, unit);
    assert_true (n > 0 && (size_t) n < size);
    return out;
}

//  The fields of a research Consent (support_consent); NULL takes the
//  default in brackets.
typedef struct {
    const char *id;             //  ["c-1"]
    const char *status;         //  ["active"]
    const char *patient;        //  ["Patient/p-1"]
    const char *date;           //  dateTime ["2026-11-01T00:00:00Z"]
    const char *type;           //  provision.type ["permit"]
    const char *start, *end;    //  provision.period ["2026-01-01T00:00:00Z",
                                //  "2030-01-01T00:00:00Z"]
    const char *actor;          //  the one actor ["Organization/hospital-a"]
    const char *deny;           //  a LOINC code denied from deny_from, [none]
    const char *deny_from;      //  ["2026-12-01T00:00:00Z"]
    const char *purpose;        //  the one v3-ActReason purpose ["HRESCH"]
} support_consent_t;

//  Writes into out (size bytes) a FHIR R4 Consent of scope research with
//  the fields of c. Returns out. A text that does not
//  fit fails the test.
static inline char *
support_consent (char *out, size_t size, const support_consent_t *c)
{
#define S_OR(value, otherwise) ((value)? (value): (otherwise))
    char nested [256] = "";
    if (c->deny)
        snprintf (nested, sizeof nested, ",\"provision\":[{\"type\":\"deny\",\"period\":"
                  "{\"start\":\"%s\"},\"code\":[{\"coding\":[{\"system\":"
                  "\"http://loinc.org\",\"code\":\"%s\"}]}]}]",
                  S_OR (c->deny_from, "2026-12-01T00:00:00Z"), c->deny);
    int n = snprintf (out, size,
        "{\"resourceType\":\"Consent\",\"id\":\"%s\",\"status\":\"%s\","
        "\"scope\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/"
        "consentscope\",\"code\":\"research\"}]},\"patient\":{\"reference\":\"%s\"},"
        "\"dateTime\":\"%s\",\"provision\":{\"type\":\"%s\",\"period\":"
        "{\"start\":\"%s\",\"end\":\"%s\"},\"actor\":[{\"reference\":{\"reference\":\"%s\"}}],"
        "\"purpose\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActReason\","
        "\"code\":\"%s\"}]%s}}",
        S_OR (c->id, "c-1"), S_OR (c->status, "active"), S_OR (c->patient, "Patient/p-1"),
        S_OR (c->date, "2026-11-01T00:00:00Z"), S_OR (c->type, "permit"),
        S_OR (c->start, "2026-01-01T00:00:00Z"), S_OR (c->end, "2030-01-01T00:00:00Z"),
        S_OR (c->actor, "Organization/hospital-a"), S_OR (c->purpose, "HRESCH"), nested);
#undef S_OR
    assert_true (n > 0 && (size_t) n < size);
    return out;
}

//  Seals payload (text) as one frame of `device` (key epoch, sequence seq,
//  timestamp SUPPORT_INGEST_NOW, cipher aead, an INGEST_AEAD_*) with the
//  device secret into out (cap bytes); returns the frame's length.
static inline size_t
support_frame (uint8_t *out, size_t cap, const char *device, uint32_t epoch, uint64_t seq,
               uint8_t aead, const char *payload, const uint8_t *secret)
{
    ingest_frame_header_t h = { .aead = aead, .epoch = epoch, .sequence = seq,
                                .timestamp_ms = SUPPORT_INGEST_NOW };
    snprintf (h.device_id, sizeof h.device_id, "%s", device);
    size_t len = 0;
    assert_int_equal (ingest_frame_seal (out, cap, &len, &h, (const uint8_t *) payload,
                                         strlen (payload), secret), 0);
    return len;
}

//  A site's ingest files in a folder (support_ingest_site_make).
typedef struct {
    char gateways [256];                    //  the allowlist: gw.pub
    char site [256], site_secret [256];     //  the site's certificate
    char gw [256], gw_secret [256];         //  an allowlisted gateway's
    char stranger [256], stranger_secret [256]; //  a gateway not allowlisted
    char store [256];                       //  ingest.db (not made yet)
    char key [256];                         //  storage.key, mode 0600
    char audit [256];                       //  audit.db (not made yet)
    uint8_t storage_key [INGEST_STORAGE_KEY_LEN];   //  the key file's bytes
    ingest_config_t cfg;                    //  these files, at tcp://127.0.0.1:*
} support_ingest_site_t;

//  Fills s with the files of a site in dir: the CURVE certificates site,
//  gw (allowlisted in gateways/) and stranger (not), and a storage key of
//  bytes SUPPORT_INGEST_KEY_BYTE. The store and the audit log are only
//  named: the library makes them on first open. s->cfg points into s, so
//  s must stay where it is while cfg is used.
static inline void
support_ingest_site_make (support_ingest_site_t *s, const char *dir)
{
    memset (s, 0, sizeof *s);
    support_curve_allowlist (s->gateways, sizeof s->gateways, dir, "gateways");
    support_curve_cert (dir, "site", NULL, NULL);
    support_curve_cert (dir, "gw", s->gateways, NULL);
    support_curve_cert (dir, "stranger", NULL, NULL);
    support_path (s->site, sizeof s->site, dir, "site");
    support_path (s->site_secret, sizeof s->site_secret, dir, "site_secret");
    support_path (s->gw, sizeof s->gw, dir, "gw");
    support_path (s->gw_secret, sizeof s->gw_secret, dir, "gw_secret");
    support_path (s->stranger, sizeof s->stranger, dir, "stranger");
    support_path (s->stranger_secret, sizeof s->stranger_secret, dir, "stranger_secret");
    support_path (s->store, sizeof s->store, dir, "ingest.db");
    support_path (s->key, sizeof s->key, dir, "storage.key");
    support_path (s->audit, sizeof s->audit, dir, "audit.db");
    memset (s->storage_key, SUPPORT_INGEST_KEY_BYTE, sizeof s->storage_key);
    char line [2 * INGEST_STORAGE_KEY_LEN + 2];
    for (size_t i = 0; i < INGEST_STORAGE_KEY_LEN; i++)
        snprintf (line + 2 * i, 3, "%02x", s->storage_key [i]);
    strcat (line, "\n");
    support_file_write (s->key, line, 0600);
    s->cfg = (ingest_config_t) { (char *) "tcp://127.0.0.1:*", s->gateways, s->store, s->key,
                                 s->audit, (char *) "hospital-a.example/audit", 0, 0, 0 };
}

//  Enrolls `device` for `patient` (no expiry) in the site's store, making
//  the store if needed; its secret goes to secret, its key epoch is
//  returned.
static inline uint32_t
support_ingest_enroll (const support_ingest_site_t *s, const char *device, const char *patient,
                       uint8_t secret [INGEST_SECRET_LEN])
{
    ingest_store_t *store = ingest_store_open (s->store, s->storage_key, NULL);
    assert_non_null (store);
    uint32_t epoch = 0;
    assert_int_equal (ingest_store_enroll (store, device, patient, NULL, 0, 0, secret, &epoch), 0);
    ingest_store_destroy (&store);
    return epoch;
}

//  Checks the provisioning file a device enrollment wrote at path
//  (ingest/provision.h): mode 0600 and exactly the members device_id,
//  patient, epoch, aead ("aes-256-gcm") and secret (64 lower-case hex
//  digits), with these values. The secret goes to secret unless NULL.
static inline void
support_ingest_expect_device_file (const char *path, const char *device, const char *patient,
                                   uint32_t epoch, uint8_t secret [INGEST_SECRET_LEN])
{
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0600);
    json_error_t err;
    json_t *j = json_load_file (path, 0, &err);
    if (!j)
        fail_msg ("%s: %s", path, err.text);
    assert_int_equal (json_object_size (j), 5);
    assert_string_equal (json_string_value (json_object_get (j, "device_id")), device);
    assert_string_equal (json_string_value (json_object_get (j, "patient")), patient);
    assert_int_equal (json_integer_value (json_object_get (j, "epoch")), epoch);
    assert_string_equal (json_string_value (json_object_get (j, "aead")), "aes-256-gcm");
    const char *hex = json_string_value (json_object_get (j, "secret"));
    assert_non_null (hex);
    assert_int_equal (strlen (hex), 2 * INGEST_SECRET_LEN);
    uint8_t bytes [INGEST_SECRET_LEN];
    assert_int_equal (util_hex_decode (bytes, sizeof bytes, hex, strlen (hex)), 0);
    if (secret)
        memcpy (secret, bytes, sizeof bytes);
    json_decref (j);
}

//  A new consent authority "consent-authority-1", enrolled in grants;
//  the caller destroys it.
static inline audit_signer_t *
support_ingest_authority (ingest_grants_t *grants)
{
    audit_signer_t *authority = audit_signer_generate ("consent-authority-1");
    assert_non_null (authority);
    char *verifier = audit_signer_verifier_text (authority);
    assert_non_null (verifier);
    assert_int_equal (ingest_grants_enroll_authority (grants, verifier), 0);
    free (verifier);
    return authority;
}

//  Signs the consent text with authority into a grant and offers it to
//  grants at time now_ms; returns the decision.
static inline ingest_grant_reason_t
support_ingest_grant (ingest_grants_t *grants, const audit_signer_t *authority,
                      const char *consent, int64_t now_ms)
{
    char *envelope = ingest_grant_sign (consent, strlen (consent), authority);
    assert_non_null (envelope);
    ingest_grant_reason_t r = INGEST_GRANT_MALFORMED;
    assert_int_equal (ingest_grants_add (grants, envelope, strlen (envelope), now_ms, &r), 0);
    free (envelope);
    return r;
}

#endif
