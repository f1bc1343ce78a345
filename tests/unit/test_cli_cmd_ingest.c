/*  Unit tests for cli/cmd_ingest.c: `cohort ingest storage-keygen |
    enroll-device | revoke-device | enroll-authority | sign-grant | grant |
    select | check`, run as the built binary. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support_cohort.h"
#include "support_dir.h"
#include "support_file.h"
#include "support_ingest.h"
#include "support_role.h"

typedef support_cohort_fixture_t fixture_t;
#define s_run support_cohort_in

static int
s_setup (void **state)
{
    fixture_t *f = support_fixture_new (state, sizeof *f, "cli-ingest");
    if (!f)
        return -1;
    return s_run (f, "ingest storage-keygen --out storage.key");
}

#define STORE "--store site.db --storage-key storage.key"

static void
test_help_and_usage (void **state)
{
    fixture_t *f = *state;
    const char *cmds [] = { "storage-keygen", "enroll-device", "revoke-device",
                            "enroll-authority", "sign-grant", "grant", "select" };
    for (int i = 0; i < 7; i++) {
        assert_int_equal (s_run (f, "ingest %s --help", cmds [i]), 0);
        assert_non_null (strstr (f->out, "usage: cohort ingest"));
    }
    assert_int_equal (s_run (f, "ingest"), 2);
    assert_int_equal (s_run (f, "ingest nosuch"), 2);
    assert_int_equal (s_run (f, "ingest storage-keygen"), 2);
    assert_int_equal (s_run (f, "ingest enroll-device " STORE " --device-id d"), 2);
    assert_int_equal (s_run (f, "ingest enroll-device " STORE " --device-id d --patient Patient/p"
                                " --secret-out s --expires tomorrow"), 2);
    assert_non_null (strstr (f->out, "--expires"));
    assert_int_equal (s_run (f, "ingest revoke-device " STORE), 2);
    assert_int_equal (s_run (f, "ingest enroll-authority --store site.db"), 2);
    assert_int_equal (s_run (f, "ingest sign-grant --key k --file f"), 2);
    assert_int_equal (s_run (f, "ingest grant --store site.db --file f --now x"), 2);
    //  Delivery through an endpoint: its options, and not with the local ones.
    assert_int_equal (s_run (f, "ingest grant --endpoint tcp://127.0.0.1:1 --store site.db"
                                " --gateway-cert g --site-cert s --file f"), 2);
    assert_non_null (strstr (f->out, "--endpoint excludes"));
    assert_int_equal (s_run (f, "ingest grant --endpoint tcp://127.0.0.1:1 --site-cert s"
                                " --file f"), 2);
    assert_non_null (strstr (f->out, "--gateway-cert"));
    assert_int_equal (s_run (f, "ingest grant --endpoint tcp://127.0.0.1:1 --gateway-cert g"
                                " --site-cert s --file f --timeout-ms 0"), 2);
    assert_int_equal (s_run (f, "ingest grant --store site.db --gateway-cert g --file f"), 2);
    assert_non_null (strstr (f->out, "need --endpoint"));
    assert_int_equal (s_run (f, "ingest grant --endpoint tcp://127.0.0.1:1 --gateway-cert g"
                                " --site-cert s --file missing.sig"), 1);
    assert_int_equal (s_run (f, "ingest select --store site.db --site Organization/a"), 2);
    assert_int_equal (s_run (f, "ingest select --store site.db --site Organization/a"
                                " --purpose HRESCH --time x"), 2);
}

static void
test_storage_key (void **state)
{
    fixture_t *f = *state;
    char path [160];
    support_path (path, sizeof path, f->dir, "storage.key");
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0600);
    assert_int_equal (st.st_size, 65);
    assert_int_equal (s_run (f, "ingest storage-keygen --out storage.key"), 1);
    //  Strict key files.
    const char *enroll = "ingest enroll-device --store site.db --storage-key %s --device-id d-1"
                         " --patient Patient/p-1 --secret-out d-1.secret";
#define KEY "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
    support_file_put (f->dir, "loose.key", KEY "\n", 0644);
    assert_int_equal (s_run (f, enroll, "loose.key"), 1);
    assert_non_null (strstr (f->out, "chmod 600"));
    support_file_put (f->dir, "short.key", "0011\n", 0600);
    assert_int_equal (s_run (f, enroll, "short.key"), 1);
    support_file_put (f->dir, "upper.key",
                      "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff\n", 0600);
    assert_int_equal (s_run (f, enroll, "upper.key"), 1);
    support_file_put (f->dir, "nonl.key", KEY, 0600);
    assert_int_equal (s_run (f, enroll, "nonl.key"), 1);
    assert_int_equal (s_run (f, enroll, "missing.key"), 1);
    //  A well-formed key that is not the store's.
    assert_int_equal (s_run (f, enroll, "storage.key"), 0);
    support_file_put (f->dir, "other.key", KEY "\n", 0600);
#undef KEY
    assert_int_equal (s_run (f, "ingest revoke-device --store site.db --storage-key other.key"
                                " --device-id d-1"), 1);
    assert_non_null (strstr (f->out, "storage key"));
}

static void
test_devices (void **state)
{
    fixture_t *f = *state;
    assert_int_equal (s_run (f, "audit append --log audit.db --origin hospital-a.example/audit"
                                " --kind log.start --actor site:hospital-a --detail {}"), 0);
    assert_int_equal (s_run (f, "ingest enroll-device " STORE " --device-id d-1"
                                " --patient Patient/p-1 --secret-out d-1.secret"
                                " --expires 2027-06-30T00:00:00Z --audit audit.db"), 0);
    assert_non_null (strstr (f->out, "key epoch 1"));
    char path [160];
    support_path (path, sizeof path, f->dir, "d-1.secret");
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0600);
    assert_int_equal (st.st_size, 65);
    //  Twice, an existing secret file, a bad patient, a missing audit log.
    assert_int_equal (s_run (f, "ingest enroll-device " STORE " --device-id d-1"
                                " --patient Patient/p-1 --secret-out d-1b.secret"), 1);
    assert_non_null (strstr (f->out, "already enrolled"));
    assert_int_equal (s_run (f, "ingest enroll-device " STORE " --device-id d-2"
                                " --patient Patient/p-2 --secret-out d-1.secret"), 1);
    assert_int_equal (s_run (f, "ingest enroll-device " STORE " --device-id d-2"
                                " --patient p-2 --secret-out d-2.secret"), 1);
    //  Nothing written for the refused patient (in the folder the command
    //  ran in).
    assert_int_equal (access (support_path (path, sizeof path, f->dir, "d-2.secret"), F_OK), -1);
    assert_int_equal (s_run (f, "ingest enroll-device " STORE " --device-id d-2"
                                " --patient Patient/p-2 --secret-out d-2.secret"
                                " --audit missing.db"), 1);
    assert_int_equal (access (path, F_OK), -1);
    //  Revoke, then re-enroll with a new epoch.
    assert_int_equal (s_run (f, "ingest revoke-device " STORE " --device-id d-1"
                                " --audit audit.db"), 0);
    assert_int_equal (s_run (f, "ingest revoke-device " STORE " --device-id d-9"), 1);
    assert_int_equal (s_run (f, "ingest enroll-device " STORE " --device-id d-1"
                                " --patient Patient/p-1 --secret-out d-1-epoch2.secret"), 0);
    assert_non_null (strstr (f->out, "key epoch 2"));
    //  The audit log recorded the enrollment and the revocation.
    assert_int_equal (s_run (f, "audit verify --log audit.db"), 0);
    assert_non_null (strstr (f->out, "3 entries"));
}

//  enroll-device --identifier: repeatable up to 8, each checked, the
//  message naming it by position.
static void
test_identifiers (void **state)
{
    fixture_t *f = *state;
    assert_int_equal (s_run (f, "ingest enroll-device --help"), 0);
    assert_non_null (strstr (f->out, "--identifier S|V"));
    assert_int_equal (s_run (f, "ingest enroll-device " STORE " --device-id d-1"
                                " --patient Patient/p-1 --secret-out d-1.secret"
                                " --identifier 'urn:ietf:rfc:3986|urn:uuid:9a3f2c1e'"
                                " --identifier 'http://h.example/mrn|00042'"), 0);
    assert_non_null (strstr (f->out, "(2 identifiers)"));
    char many [1024] = "";
    for (int i = 0; i < 9; i++)
        snprintf (many + strlen (many), sizeof many - strlen (many),
                  " --identifier 'http://h.example/mrn|%d'", i);
    assert_int_equal (s_run (f, "ingest enroll-device " STORE " --device-id d-2"
                                " --patient Patient/p-2 --secret-out d-2.secret%s", many), 2);
    assert_non_null (strstr (f->out, "--identifier: given more than 8 times"));
    assert_int_equal (s_run (f, "ingest enroll-device " STORE " --device-id d-2"
                                " --patient Patient/p-2 --secret-out d-2.secret"
                                " --identifier 'a|1' --identifier 00042"), 1);
    assert_non_null (strstr (f->out, "identifier 2 must be system|value"));
    assert_null (strstr (f->out, "00042"));
    assert_int_equal (s_run (f, "ingest enroll-device " STORE " --device-id d-2"
                                " --patient Patient/p-2 --secret-out d-2.secret"
                                " --identifier 'a|1' --identifier 'a|1'"), 1);
    assert_non_null (strstr (f->out, "identifier 2 repeats identifier 1"));
    //  Nothing was enrolled or written for the refusals.
    char path [160];
    assert_int_equal (access (support_path (path, sizeof path, f->dir, "d-2.secret"), F_OK), -1);
    assert_int_equal (s_run (f, "ingest enroll-device " STORE " --device-id d-2"
                                " --patient Patient/p-2 --secret-out d-2.secret"), 0);
    assert_non_null (strstr (f->out, "(0 identifiers), key epoch 1"));
}

static void
test_grants (void **state)
{
    fixture_t *f = *state;
    //  Selection reads the ingest store's records: make the store first.
    assert_int_equal (s_run (f, "ingest select --store site.db --site Organization/hospital-a"
                                " --purpose HRESCH"), 1);
    assert_non_null (strstr (f->out, "ingest store"));
    assert_int_equal (s_run (f, "ingest enroll-device " STORE " --device-id d-1"
                                " --patient Patient/p-1 --secret-out d-1.secret"), 0);
    assert_int_equal (s_run (f, "audit keygen --name consent-authority-1 --out auth.key"), 0);
    assert_int_equal (s_run (f, "ingest enroll-authority --store site.db --key auth.key.pub"), 0);
    assert_int_equal (s_run (f, "ingest enroll-authority --store site.db --key auth.key.pub"), 1);
    assert_int_equal (s_run (f, "ingest enroll-authority --store site.db --key auth.key"), 1);
    char json [4096];
    support_consent (json, sizeof json, &(support_consent_t) { 0 });
    support_file_put (f->dir, "consent.json", json, 0644);
    assert_int_equal (s_run (f, "ingest sign-grant --key auth.key --file consent.json"
                                " --out consent.json.sig"), 0);
    assert_int_equal (s_run (f, "ingest sign-grant --key auth.key --file consent.json"
                                " --out consent.json.sig"), 1);
    support_file_put (f->dir, "bad.json", "{\"resourceType\":\"Consent\"}", 0644);
    assert_int_equal (s_run (f, "ingest sign-grant --key auth.key --file bad.json --out bad.sig"),
                      1);
    assert_int_equal (s_run (f, "ingest sign-grant --key missing.key --file consent.json"
                                " --out x.sig"), 1);
    assert_int_equal (s_run (f, "audit append --log audit.db --origin o --kind log.start"
                                " --actor site:a --detail {}"), 0);
    assert_int_equal (s_run (f, "ingest grant --store site.db --file consent.json.sig"
                                " --now 2026-11-22T00:00:00Z --audit missing.db"), 1);
    assert_int_equal (s_run (f, "ingest grant --store site.db --file consent.json.sig"
                                " --now 2026-11-22T00:00:00Z --audit audit.db"), 0);
    assert_non_null (strstr (f->out, "accepted"));
    assert_int_equal (s_run (f, "audit prove --log audit.db --index 1"), 0);
    assert_non_null (strstr (f->out, "grant.accept"));
    assert_int_equal (s_run (f, "ingest grant --store site.db --file consent.json.sig"), 1);
    assert_non_null (strstr (f->out, "rejected: superseded"));
    assert_int_equal (s_run (f, "ingest grant --store site.db --file missing.sig"), 1);
    assert_int_equal (s_run (f, "ingest select --store site.db --site Organization/hospital-a"
                                " --purpose HRESCH --time 2026-11-22T00:00:00Z"), 0);
    assert_non_null (strstr (f->out, "\"Patient/p-1\""));
    assert_non_null (strstr (f->out, "\"records\": 0"));
    assert_non_null (strstr (f->out, "\"censored_value\": 0"));
    assert_int_equal (s_run (f, "ingest select --store site.db --site Organization/hospital-a"
                                " --purpose HRESCH --time 2026-11-22T00:00:00Z --open-research"),
                      0);
    assert_non_null (strstr (f->out, "\"Patient/p-1\""));
    assert_int_equal (s_run (f, "ingest select --store site.db --site Organization/hospital-b"
                                " --purpose HRESCH"), 0);
    assert_non_null (strstr (f->out, "\"patients\": []"));
    //  Revocation: a newer inactive version of the same consent.
    support_consent (json, sizeof json, &(support_consent_t) {
        .status = "inactive", .date = "2026-11-20T00:00:00Z" });
    support_file_put (f->dir, "revoke.json", json, 0644);
    assert_int_equal (s_run (f, "ingest sign-grant --key auth.key --file revoke.json"
                                " --out revoke.json.sig"), 0);
    assert_int_equal (s_run (f, "ingest grant --store site.db --file revoke.json.sig"), 0);
    assert_int_equal (s_run (f, "ingest select --store site.db --site Organization/hospital-a"
                                " --purpose HRESCH"), 0);
    assert_non_null (strstr (f->out, "\"patients\": []"));
}

//  enroll-device with the ingest section of site.cfg and a provisioning
//  directory (what cohort device-sim reads).
static void
test_site_config (void **state)
{
    fixture_t *f = *state;
    const char *site =
        "site\n    name = a\n    index = 1\n    coordinator = tcp://127.0.0.1:1\n"
        "    coordinator_cert = c.pub\n%s    share = s.key\n"
        "    public_key = p.pub\n    ledger = l.db\n"
        "    budget\n        epsilon = 1\n        delta = 1e-5\n%s";
    char text [4096], role [2048];
    support_role_site (f->dir, "a", 1, role, sizeof role);
    snprintf (text, sizeof text, site, role,
              "    ingest\n        endpoint = tcp://127.0.0.1:7700\n        gateways = gw\n"
              "        store = site.db\n        storage_key = storage.key\n"
              "        audit = audit.db\n        audit_origin = hospital-a.example/audit\n");
    support_file_put (f->dir, "site.cfg", text, 0600);
    snprintf (text, sizeof text, site, role, "");
    support_file_put (f->dir, "plain.cfg", text, 0600);
    char prov [200], dev1 [220], dev2 [220];
    support_path (prov, sizeof prov, f->dir, "prov");
    support_path (dev1, sizeof dev1, prov, "bed-1.device");
    support_path (dev2, sizeof dev2, prov, "bed-2.device");
    assert_int_equal (mkdir (prov, 0700), 0);
    const char *enroll = "ingest enroll-device --site-config %s --device-id %s"
                         " --patient Patient/p-1 --provision-dir prov";
    assert_int_equal (s_run (f, enroll, "site.cfg", "bed-1"), 0);
    assert_non_null (strstr (f->out, "prov/bed-1.device"));
    support_ingest_expect_device_file (dev1, "bed-1", "Patient/p-1", 1, NULL);
    //  The enrollment went to the store and the audit log the config names.
    assert_int_equal (s_run (f, "ingest revoke-device " STORE " --device-id bed-1"
                                " --audit audit.db"), 0);
    assert_int_equal (s_run (f, "audit verify --log audit.db"), 0);
    assert_non_null (strstr (f->out, "2 entries"));
    //  Refused: an existing provisioning file, no ingest section, a missing
    //  directory, both or neither outputs, --site-config with --store.
    assert_int_equal (s_run (f, enroll, "site.cfg", "bed-1"), 1);
    assert_int_equal (s_run (f, enroll, "plain.cfg", "bed-2"), 1);
    assert_non_null (strstr (f->out, "no ingest section"));
    assert_int_equal (s_run (f, enroll, "missing.cfg", "bed-2"), 1);
    assert_int_equal (s_run (f, "ingest enroll-device --site-config site.cfg --device-id bed-2"
                                " --patient Patient/p-1 --provision-dir nodir"), 1);
    assert_non_null (strstr (f->out, "not a directory"));
    assert_int_equal (s_run (f, "ingest enroll-device --site-config site.cfg --device-id bed-2"
                                " --patient Patient/p-1 --provision-dir prov --secret-out x"), 2);
    assert_int_equal (s_run (f, "ingest enroll-device --site-config site.cfg --device-id bed-2"
                                " --patient Patient/p-1"), 2);
    assert_int_equal (s_run (f, "ingest enroll-device --site-config site.cfg " STORE
                                " --device-id bed-2 --patient Patient/p-1 --secret-out x"), 2);
    assert_int_equal (access (dev2, F_OK), -1);
}

#define FHIR COHORT_SOURCE_DIR "/tests/fixtures/fhir/"

//  `ingest check`: each verdict, its exit status, and the JSON form.
static void
test_check (void **state)
{
    fixture_t *f = *state;
    assert_int_equal (s_run (f, "ingest check --help"), 0);
    assert_non_null (strstr (f->out, "usage: cohort ingest check FILE..."));
    //  Usage errors: no file, a bad --patient, an unknown option.
    assert_int_equal (s_run (f, "ingest check"), 2);
    assert_int_equal (s_run (f, "ingest check --patient x " FHIR "hl7-r4/Observation-heart-rate.json"),
                      2);
    assert_non_null (strstr (f->out, "--patient"));
    assert_int_equal (s_run (f, "ingest check --nosuch " FHIR "hl7-r4/Observation-heart-rate.json"),
                      2);
    //  Accepted: exit 0.
    assert_int_equal (s_run (f, "ingest check --patient Patient/example "
                                FHIR "hl7-r4/Observation-heart-rate.json "
                                FHIR "us-core/uscore-heart-rate.json"), 0);
    assert_non_null (strstr (f->out, "uscore-heart-rate.json: accepted (Observation)"));
    //  Accepted, censored: exit 0, the reason says so.
    assert_int_equal (s_run (f, "ingest check --patient Patient/example "
                                FHIR "variants/heart-rate-comparator.json"), 0);
    assert_non_null (strstr (f->out, "accepted (Observation): censored_value"));
    //  Refused, any one of them: exit 1, with the reason.
    assert_int_equal (s_run (f, "ingest check --patient Patient/example "
                                FHIR "hl7-r4/Observation-heart-rate.json "
                                FHIR "variants/heart-rate-other-patient.json"), 1);
    assert_non_null (strstr (f->out, "heart-rate-other-patient.json: refused (Observation): "
                                     "subject_mismatch"));
    assert_int_equal (s_run (f, "ingest check " FHIR "hl7-r4/Consent-consent-example-basic.json"), 1);
    assert_non_null (strstr (f->out, "refused (Consent): malformed: consent: scope"));
    assert_int_equal (s_run (f, "ingest check missing.json"), 1);
    assert_non_null (strstr (f->out, "missing.json: refused (unknown): unreadable"));
    //  --json: one object per file.
    assert_int_equal (s_run (f, "ingest check --json " FHIR "variants/bundle-transaction.json "
                                FHIR "variants/consent-research-modifier.json"), 1);
    char *line = strtok (f->out, "\n");
    json_t *a = json_loads (line, 0, NULL);
    line = strtok (NULL, "\n");
    json_t *b = line? json_loads (line, 0, NULL): NULL;
    assert_non_null (a);
    assert_non_null (b);
    assert_string_equal (json_string_value (json_object_get (a, "resource")), "Bundle");
    assert_string_equal (json_string_value (json_object_get (a, "verdict")), "accepted");
    assert_string_equal (json_string_value (json_object_get (a, "reason")), "");
    assert_non_null (strstr (json_string_value (json_object_get (a, "file")),
                             "bundle-transaction.json"));
    assert_string_equal (json_string_value (json_object_get (b, "verdict")), "refused");
    assert_non_null (strstr (json_string_value (json_object_get (b, "reason")),
                             "modifierExtension"));
    assert_int_equal (json_object_size (a), 4);
    json_decref (a);
    json_decref (b);
}

int
main (void)
{
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, support_fixture_teardown)
    const struct CMUnitTest tests [] = {
        T (test_help_and_usage), T (test_storage_key), T (test_devices), T (test_identifiers),
        T (test_grants),
        T (test_site_config), T (test_check),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
