/*  Unit tests for ingest/provision.c: key files, the storage key, device
    enrollment to a secret file or a provisioning file (whose secret seals
    frames the store accepts), revocation, consent authorities, signing
    and taking grants (locally and through a site's endpoint), selection,
    every refusal, and allocation failures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <czmq.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/endpoint.h"
#include "ingest/provision.h"
#include "util/alloc.h"
#include "util/codec.h"
#include "util/error.h"
#include "support_curve.h"
#include "support_dir.h"
#include "support_file.h"
#include "support_ingest.h"

#define NOW SUPPORT_INGEST_NOW

typedef struct {
    char dir [SUPPORT_DIR_MAX];
    char store [128], key [128], audit [128], prov [128];
    ingest_site_files_t site;
} fixture_t;

//  A path inside the fixture's directory (a static buffer per slot).
static const char *
s_path (fixture_t *f, int slot, const char *name)
{
    static char buf [4][256];
    snprintf (buf [slot], sizeof buf [slot], "%s/%s", f->dir, name);
    return buf [slot];
}

static int
s_setup (void **state)
{
    fixture_t *f = support_fixture_new (state, sizeof *f, "provision");
    if (!f)
        return -1;
    support_path (f->store, sizeof f->store, f->dir, "ingest.db");
    support_path (f->key, sizeof f->key, f->dir, "storage.key");
    support_path (f->audit, sizeof f->audit, f->dir, "audit.db");
    support_path (f->prov, sizeof f->prov, f->dir, "prov");
    if (mkdir (f->prov, 0700) || ingest_provision_storage_key (f->key))
        return -1;
    f->site = (ingest_site_files_t) { f->store, f->key, NULL, NULL };
    return 0;
}

static void
test_key_files (void **state)
{
    fixture_t *f = *state;
    uint8_t key [32], back [32], other [32];
    for (int i = 0; i < 32; i++)
        key [i] = (uint8_t) (i * 37 + 1);
    const char *path = s_path (f, 0, "k.key");
    assert_int_equal (ingest_key_file_write (path, key), 0);
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0600);
    assert_int_equal (st.st_size, 65);
    assert_int_equal (ingest_key_file_read (path, back), 0);
    assert_memory_equal (key, back, 32);
    //  Never overwritten; a directory that is not there.
    memset (other, 0xee, sizeof other);
    assert_int_equal (ingest_key_file_write (path, other), -1);
    assert_non_null (strstr (util_last_error (), "already exists"));
    assert_int_equal (ingest_key_file_read (path, back), 0);
    assert_memory_equal (key, back, 32);
    assert_int_equal (ingest_key_file_write (s_path (f, 1, "nodir/k.key"), key), -1);
    assert_non_null (strstr (util_last_error (), "nodir/k.key"));
    //  The storage key: 256 bits, fresh each time, never overwritten.
    uint8_t a [32], b [32];
    assert_int_equal (ingest_key_file_read (f->key, a), 0);
    assert_int_equal (ingest_provision_storage_key (s_path (f, 0, "second.key")), 0);
    assert_int_equal (ingest_key_file_read (s_path (f, 0, "second.key"), b), 0);
    assert_memory_not_equal (a, b, 32);
    assert_int_equal (ingest_provision_storage_key (f->key), -1);
}

//  Seals one glucose reading of Patient/p-1 with `secret` (device `id`,
//  key epoch `epoch`) and returns the store's decision.
static ingest_reason_t
s_submit (fixture_t *f, const char *id, uint32_t epoch, const uint8_t *secret)
{
    char obs [1024];
    support_observation (obs, sizeof obs, "Patient/p-1", "2339-0", "98", "mg/dL");
    uint8_t frame [1024], key [32];
    size_t len = support_frame (frame, sizeof frame, id, epoch, 1, INGEST_AEAD_AES_256_GCM, obs,
                                secret);
    assert_int_equal (ingest_key_file_read (f->key, key), 0);
    ingest_store_t *store = ingest_store_open (f->store, key, NULL);
    assert_non_null (store);
    const uint8_t *frames [1] = { frame };
    ingest_reason_t r = INGEST_MALFORMED_FRAME;
    assert_int_equal (ingest_store_submit (store, frames, &len, 1, NOW, &r), 0);
    ingest_store_destroy (&store);
    return r;
}

static void
test_enroll_secret_file (void **state)
{
    fixture_t *f = *state;
    const char *out = s_path (f, 0, "d-1.secret");
    ingest_enrollment_t d = { .device_id = "d-1", .patient = "Patient/p-1", .secret_out = out };
    uint32_t epoch = 0;
    char *written = NULL;
    assert_int_equal (ingest_provision_enroll_device (&f->site, &d, &epoch, &written), 0);
    assert_int_equal (epoch, 1);
    assert_string_equal (written, out);
    free (written);
    struct stat st;
    assert_int_equal (stat (out, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0600);
    //  The secret written is the one the store holds: its frames are taken.
    uint8_t secret [INGEST_SECRET_LEN];
    assert_int_equal (ingest_key_file_read (out, secret), 0);
    assert_int_equal (s_submit (f, "d-1", 1, secret), INGEST_OK);
    //  Active devices are not enrolled twice; revoked ones get a new epoch.
    d.secret_out = s_path (f, 1, "d-1b.secret");
    assert_int_equal (ingest_provision_enroll_device (&f->site, &d, &epoch, NULL), -1);
    assert_non_null (strstr (util_last_error (), "already enrolled"));
    assert_int_equal (access (d.secret_out, F_OK), -1);
    assert_int_equal (ingest_provision_revoke_device (&f->site, "d-1"), 0);
    assert_int_equal (s_submit (f, "d-1", 1, secret), INGEST_REVOKED_DEVICE);
    assert_int_equal (ingest_provision_revoke_device (&f->site, "d-9"), -1);
    assert_int_equal (ingest_provision_enroll_device (&f->site, &d, &epoch, NULL), 0);
    assert_int_equal (epoch, 2);
}

static void
test_enroll_provision_file (void **state)
{
    fixture_t *f = *state;
    ingest_enrollment_t d = { .device_id = "bed-1", .patient = "Patient/p-1",
                              .expires_ms = 1830297600000LL, .provision_dir = f->prov };
    uint32_t epoch = 0;
    char *written = NULL;
    assert_int_equal (ingest_provision_enroll_device (&f->site, &d, &epoch, &written), 0);
    char want [256];
    support_path (want, sizeof want, f->prov, "bed-1.device");
    assert_string_equal (written, want);
    uint8_t secret [INGEST_SECRET_LEN];
    support_ingest_expect_device_file (written, "bed-1", "Patient/p-1", 1, secret);
    assert_int_equal (s_submit (f, "bed-1", 1, secret), INGEST_OK);
    //  Refused before anything is enrolled: an existing file, a directory
    //  that is not one.
    assert_int_equal (ingest_provision_revoke_device (&f->site, "bed-1"), 0);
    assert_int_equal (ingest_provision_enroll_device (&f->site, &d, &epoch, NULL), -1);
    assert_non_null (strstr (util_last_error (), "exists: not overwriting"));
    d.provision_dir = written;
    assert_int_equal (ingest_provision_enroll_device (&f->site, &d, &epoch, NULL), -1);
    assert_non_null (strstr (util_last_error (), "is not a directory"));
    d.provision_dir = s_path (f, 0, "nodir");
    assert_int_equal (ingest_provision_enroll_device (&f->site, &d, &epoch, NULL), -1);
    free (written);
    //  Still revoked (nothing was enrolled): the next enrollment is epoch 2.
    assert_int_equal (s_submit (f, "bed-1", 1, secret), INGEST_REVOKED_DEVICE);
    d.provision_dir = NULL;
    d.secret_out = s_path (f, 0, "bed-1.secret");
    assert_int_equal (ingest_provision_enroll_device (&f->site, &d, &epoch, NULL), 0);
    assert_int_equal (epoch, 2);
}

static void
test_enroll_refusals (void **state)
{
    fixture_t *f = *state;
    uint32_t epoch;
    char *written = (char *) "untouched";
    ingest_enrollment_t d = { .device_id = "d-1", .patient = "Patient/p-1",
                              .secret_out = s_path (f, 0, "s"), .provision_dir = f->prov };
    //  Both outputs, or neither.
    assert_int_equal (ingest_provision_enroll_device (&f->site, &d, &epoch, &written), -1);
    assert_null (written);
    assert_non_null (strstr (util_last_error (), "give one of"));
    d.provision_dir = NULL;
    d.secret_out = NULL;
    assert_int_equal (ingest_provision_enroll_device (&f->site, &d, &epoch, NULL), -1);
    //  A device id that would leave the directory; no id, no patient.
    ingest_enrollment_t bad = { .device_id = "../d-1", .patient = "Patient/p-1",
                                .provision_dir = f->prov };
    assert_int_equal (ingest_provision_enroll_device (&f->site, &bad, &epoch, NULL), -1);
    assert_non_null (strstr (util_last_error (), "device id"));
    assert_int_equal (access (s_path (f, 0, "d-1.device"), F_OK), -1);
    bad.device_id = NULL;
    assert_int_equal (ingest_provision_enroll_device (&f->site, &bad, &epoch, NULL), -1);
    bad.device_id = "d-1";
    bad.patient = NULL;
    assert_int_equal (ingest_provision_enroll_device (&f->site, &bad, &epoch, NULL), -1);
    assert_int_equal (ingest_provision_enroll_device (&f->site, NULL, &epoch, NULL), -1);
    //  A patient the store refuses: no file is left.
    bad.patient = "p-1";
    assert_int_equal (ingest_provision_enroll_device (&f->site, &bad, &epoch, NULL), -1);
    assert_non_null (strstr (util_last_error (), "Patient/"));
    assert_int_equal (access (s_path (f, 0, "prov/d-1.device"), F_OK), -1);
    //  The store's files: none named, a key file missing, loose or not the
    //  store's key, an audit log that does not exist.
    d.secret_out = s_path (f, 0, "d-1.secret");
    ingest_site_files_t site = { NULL, f->key, NULL, NULL };
    assert_int_equal (ingest_provision_enroll_device (&site, &d, &epoch, NULL), -1);
    assert_int_equal (ingest_provision_enroll_device (NULL, &d, &epoch, NULL), -1);
    site = (ingest_site_files_t) { f->store, s_path (f, 1, "missing.key"), NULL, NULL };
    assert_int_equal (ingest_provision_enroll_device (&site, &d, &epoch, NULL), -1);
    assert_non_null (strstr (util_last_error (), "missing.key"));
    assert_int_equal (chmod (f->key, 0640), 0);
    assert_int_equal (ingest_provision_enroll_device (&f->site, &d, &epoch, NULL), -1);
    assert_non_null (strstr (util_last_error (), "chmod 600"));
    assert_int_equal (chmod (f->key, 0600), 0);
    assert_int_equal (ingest_provision_revoke_device (&f->site, "nobody"), -1);
    assert_int_equal (ingest_provision_storage_key (s_path (f, 1, "other.key")), 0);
    site = (ingest_site_files_t) { f->store, s_path (f, 1, "other.key"), NULL, NULL };
    assert_int_equal (ingest_provision_enroll_device (&site, &d, &epoch, NULL), -1);
    assert_non_null (strstr (util_last_error (), "storage key"));
    assert_int_equal (ingest_provision_revoke_device (&site, "d-1"), -1);
    site = (ingest_site_files_t) { f->store, f->key, f->audit, NULL };
    assert_int_equal (ingest_provision_enroll_device (&site, &d, &epoch, NULL), -1);
    assert_int_equal (ingest_provision_revoke_device (&site, "d-1"), -1);
    assert_int_equal (access (d.secret_out, F_OK), -1);
    //  None of these enrolled the device.
    assert_int_equal (ingest_provision_enroll_device (&f->site, &d, &epoch, NULL), 0);
    assert_int_equal (epoch, 1);
}

//  The secret cannot be written after the enrollment: the enrollment is
//  taken back, so that it can be done again.
static void
test_enroll_write_fails (void **state)
{
    fixture_t *f = *state;
    ingest_enrollment_t d = { .device_id = "d-1", .patient = "Patient/p-1",
                              .secret_out = s_path (f, 0, "nodir/d-1.secret") };
    uint32_t epoch = 0;
    assert_int_equal (ingest_provision_enroll_device (&f->site, &d, &epoch, NULL), -1);
    assert_non_null (strstr (util_last_error (), "nodir/d-1.secret: cannot create"));
    assert_non_null (strstr (util_last_error (), "the enrollment was revoked"));
    d.secret_out = s_path (f, 0, "d-1.secret");
    assert_int_equal (ingest_provision_enroll_device (&f->site, &d, &epoch, NULL), 0);
    assert_int_equal (epoch, 2);
}

//  With an audit log: created when the origin is given, and holding the
//  enrollment and the revocation.
static void
test_audited (void **state)
{
    fixture_t *f = *state;
    ingest_site_files_t site = { f->store, f->key, f->audit, "hospital-a.example/audit" };
    ingest_enrollment_t d = { .device_id = "d-1", .patient = "Patient/p-1",
                              .secret_out = s_path (f, 0, "d-1.secret") };
    uint32_t epoch;
    assert_int_equal (ingest_provision_enroll_device (&site, &d, &epoch, NULL), 0);
    site.audit_origin = NULL;
    assert_int_equal (ingest_provision_revoke_device (&site, "d-1"), 0);
    audit_log_t *log = audit_log_open (f->audit, NULL);
    assert_non_null (log);
    assert_int_equal (audit_log_size (log), 2);
    char *entry = audit_log_entry_json (log, 1);
    assert_non_null (strstr (entry, "device.revoke"));
    free (entry);
    audit_log_destroy (&log);
}

//  An authority's key pair in the fixture: auth.key and auth.key.pub.
static void
s_authority (fixture_t *f)
{
    audit_signer_t *k = audit_signer_generate ("consent-authority-1");
    assert_non_null (k);
    assert_int_equal (audit_signer_save (k, s_path (f, 0, "auth.key")), 0);
    char *v = audit_signer_verifier_text (k);
    char line [512];
    snprintf (line, sizeof line, "%s\n", v);
    support_file_write (s_path (f, 0, "auth.key.pub"), line, 0644);
    free (v);
    audit_signer_destroy (&k);
}

//  An authority (s_authority) enrolled in the store, and Patient/p-1's
//  consent (support_consent's defaults) signed by it into c.sig.
static void
s_signed_grant (fixture_t *f)
{
    s_authority (f);
    ingest_site_files_t site = { f->store, NULL, NULL, NULL };
    char *key = ingest_provision_enroll_authority (&site, s_path (f, 0, "auth.key.pub"));
    assert_non_null (key);
    free (key);
    char json [4096];
    support_consent (json, sizeof json, &(support_consent_t) { 0 });
    support_file_write (s_path (f, 0, "consent.json"), json, 0644);
    assert_int_equal (ingest_provision_sign_grant (s_path (f, 0, "auth.key"),
                                                   s_path (f, 1, "consent.json"),
                                                   s_path (f, 2, "c.sig")), 0);
}

static void
test_grants (void **state)
{
    fixture_t *f = *state;
    s_authority (f);
    ingest_site_files_t site = { f->store, NULL, f->audit, "hospital-a.example/audit" };
    char *key = ingest_provision_enroll_authority (&site, s_path (f, 0, "auth.key.pub"));
    assert_non_null (key);
    assert_true (strncmp (key, "consent-authority-1+", 20) == 0);
    free (key);
    site.audit_origin = NULL;
    assert_null (ingest_provision_enroll_authority (&site, s_path (f, 0, "auth.key.pub")));
    assert_null (ingest_provision_enroll_authority (&site, s_path (f, 0, "auth.key")));
    assert_null (ingest_provision_enroll_authority (&site, NULL));
    assert_null (ingest_provision_enroll_authority (NULL, s_path (f, 0, "auth.key.pub")));
    //  Sign: the envelope opens with the authority's key, and ends in a newline.
    char json [4096];
    support_consent (json, sizeof json, &(support_consent_t) { 0 });
    support_file_write (s_path (f, 0, "consent.json"), json, 0644);
    const char *sig = s_path (f, 3, "consent.json.sig");
    assert_int_equal (ingest_provision_sign_grant (s_path (f, 0, "auth.key"),
                                                   s_path (f, 1, "consent.json"), sig), 0);
    size_t len = 0;
    char *text = support_file_read (sig, &len);
    assert_true (len > 2 && text [len - 1] == '\n');
    audit_verifier_t *v = audit_verifier_load (s_path (f, 0, "auth.key.pub"));
    const audit_verifier_t *keys [1] = { v };
    ingest_consent_t *c = NULL;
    assert_int_equal (ingest_grant_open (&c, text, len - 1, keys, 1), INGEST_GRANT_OK);
    assert_string_equal (ingest_consent_id (c), "c-1");
    ingest_consent_destroy (&c);
    audit_verifier_destroy (&v);
    free (text);
    //  Sign refusals: the output exists, a Consent no site takes, no key.
    assert_int_equal (ingest_provision_sign_grant (s_path (f, 0, "auth.key"),
                                                   s_path (f, 1, "consent.json"), sig), -1);
    support_file_write (s_path (f, 0, "bad.json"), "{\"resourceType\":\"Consent\"}", 0644);
    assert_int_equal (ingest_provision_sign_grant (s_path (f, 0, "auth.key"),
                                                   s_path (f, 1, "bad.json"),
                                                   s_path (f, 2, "bad.sig")), -1);
    assert_non_null (strstr (util_last_error (), "bad.json: "));
    assert_int_equal (access (s_path (f, 2, "bad.sig"), F_OK), -1);
    assert_int_equal (ingest_provision_sign_grant (s_path (f, 0, "missing.key"),
                                                   s_path (f, 1, "consent.json"),
                                                   s_path (f, 2, "x.sig")), -1);
    assert_int_equal (ingest_provision_sign_grant (s_path (f, 0, "auth.key"), NULL,
                                                   s_path (f, 2, "x.sig")), -1);
    assert_int_equal (ingest_provision_sign_grant (NULL, s_path (f, 1, "consent.json"),
                                                   s_path (f, 2, "x.sig")), -1);
    //  Take it: accepted, then the same version again is superseded.
    ingest_grant_reason_t reason = INGEST_GRANT_MALFORMED;
    char detail [256];
    assert_int_equal (ingest_provision_grant (&site, sig, NOW, &reason, detail,
                                              sizeof detail), 0);
    assert_int_equal (reason, INGEST_GRANT_OK);
    assert_string_equal (detail, "");
    assert_int_equal (ingest_provision_grant (&site, sig, NOW, &reason, detail,
                                              sizeof detail), 0);
    assert_int_equal (reason, INGEST_GRANT_SUPERSEDED);
    assert_true (strlen (detail) > 0);
    //  A detail cut to its buffer, still terminated.
    assert_int_equal (ingest_provision_grant (&site, sig, NOW, &reason, detail, 4), 0);
    assert_int_equal (strlen (detail), 3);
    //  Not decided: no file, no store named, an audit log that is missing.
    assert_int_equal (ingest_provision_grant (&site, s_path (f, 0, "missing.sig"), NOW, &reason,
                                              detail, sizeof detail), -1);
    assert_non_null (strstr (util_last_error (), "missing.sig"));
    ingest_site_files_t nostore = { NULL, NULL, NULL, NULL };
    assert_int_equal (ingest_provision_grant (&nostore, sig, NOW, &reason, detail,
                                              sizeof detail), -1);
    ingest_site_files_t noaudit = { f->store, NULL, s_path (f, 0, "missing.db"), NULL };
    assert_int_equal (ingest_provision_grant (&noaudit, sig, NOW, &reason, detail,
                                              sizeof detail), -1);
    //  The audit log holds the enrollment and the two decisions.
    audit_log_t *log = audit_log_open (f->audit, NULL);
    assert_non_null (log);
    assert_int_equal (audit_log_size (log), 4);
    audit_log_destroy (&log);
}

//  A file over the cap is refused before it is parsed.
static void
test_file_limit (void **state)
{
    fixture_t *f = *state;
    s_authority (f);
    FILE *fp = fopen (s_path (f, 0, "big.json"), "wb");
    assert_non_null (fp);
    for (size_t i = 0; i <= INGEST_PROVISION_FILE_MAX; i++)
        fputc (' ', fp);
    fclose (fp);
    assert_int_equal (ingest_provision_sign_grant (s_path (f, 0, "auth.key"),
                                                   s_path (f, 1, "big.json"),
                                                   s_path (f, 2, "big.sig")), -1);
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    ingest_grant_reason_t reason;
    char detail [64];
    assert_int_equal (ingest_provision_grant (&f->site, s_path (f, 1, "big.json"), NOW, &reason,
                                              detail, sizeof detail), -1);
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
}

static void
test_select (void **state)
{
    fixture_t *f = *state;
    //  A record of p-1 in the store, and p-1's grant.
    ingest_enrollment_t d = { .device_id = "d-1", .patient = "Patient/p-1",
                              .secret_out = s_path (f, 0, "d-1.secret") };
    uint32_t epoch;
    assert_int_equal (ingest_provision_enroll_device (&f->site, &d, &epoch, NULL), 0);
    uint8_t secret [INGEST_SECRET_LEN];
    assert_int_equal (ingest_key_file_read (d.secret_out, secret), 0);
    assert_int_equal (s_submit (f, "d-1", 1, secret), INGEST_OK);
    s_signed_grant (f);
    ingest_site_files_t site = { f->store, NULL, NULL, NULL };
    ingest_grant_reason_t reason;
    char detail [64];
    assert_int_equal (ingest_provision_grant (&site, s_path (f, 2, "c.sig"), NOW, &reason,
                                              detail, sizeof detail), 0);
    assert_int_equal (reason, INGEST_GRANT_OK);
    ingest_consent_query_t q = { .site = "Organization/hospital-a", .purpose = "HRESCH",
                                 .time_ms = NOW };
    ingest_selection_t sel;
    assert_int_equal (ingest_provision_select (f->store, &q, &sel), 0);
    assert_int_equal (sel.n_patients, 1);
    assert_string_equal (sel.patients [0], "Patient/p-1");
    assert_int_equal (sel.n_records, 1);
    ingest_selection_clear (&sel);
    assert_null (sel.patients);
    assert_int_equal (sel.n_patients, 0);
    ingest_selection_clear (&sel);              //  twice is harmless
    ingest_selection_clear (NULL);
    //  Another site, another purpose, after the period: nobody.
    q.site = "Organization/hospital-b";
    assert_int_equal (ingest_provision_select (f->store, &q, &sel), 0);
    assert_int_equal (sel.n_patients + sel.n_records, 0);
    ingest_selection_clear (&sel);
    q.site = "Organization/hospital-a";
    q.time_ms = 1893456000000LL + 1000;         //  2030-01-01T00:00:01Z
    assert_int_equal (ingest_provision_select (f->store, &q, &sel), 0);
    assert_int_equal (sel.n_patients + sel.n_records, 0);
    ingest_selection_clear (&sel);
    //  No store named; a file that is no ingest store.
    assert_int_equal (ingest_provision_select (NULL, &q, &sel), -1);
    assert_null (sel.patients);
    assert_int_equal (ingest_provision_select (s_path (f, 0, "other.db"), &q, &sel), -1);
    assert_non_null (strstr (util_last_error (), "ingest store"));
    assert_null (sel.patients);
}

//  Through a site's endpoint: the site decides (it knows the authorities
//  enrolled before it started) and answers.
static void
test_grant_remote (void **state)
{
    fixture_t *f = *state;
    s_signed_grant (f);
    char gateways [160], site_cert [160], site_secret [160], gw_secret [160];
    support_curve_allowlist (gateways, sizeof gateways, f->dir, "gateways");
    support_curve_cert (f->dir, "site", NULL, NULL);
    support_curve_cert (f->dir, "gw", gateways, NULL);
    support_path (site_cert, sizeof site_cert, f->dir, "site");
    support_path (site_secret, sizeof site_secret, f->dir, "site_secret");
    support_path (gw_secret, sizeof gw_secret, f->dir, "gw_secret");
    ingest_config_t cfg = { (char *) "tcp://127.0.0.1:*", gateways, f->store, f->key, f->audit,
                            (char *) "hospital-a.example/audit", 0, 0, 0 };
    ingest_endpoint_t *ep = ingest_endpoint_new (&cfg, site_secret);
    assert_non_null (ep);
    const char *at = ingest_endpoint_address (ep);
    ingest_grant_reason_t reason = INGEST_GRANT_MALFORMED;
    char detail [256];
    assert_int_equal (ingest_provision_grant_remote (at, gw_secret, site_cert,
                                                     s_path (f, 2, "c.sig"), 10000, &reason,
                                                     detail, sizeof detail), 0);
    assert_int_equal (reason, INGEST_GRANT_OK);
    assert_int_equal (ingest_provision_grant_remote (at, gw_secret, site_cert,
                                                     s_path (f, 2, "c.sig"), 10000, &reason,
                                                     detail, sizeof detail), 0);
    assert_int_equal (reason, INGEST_GRANT_SUPERSEDED);
    assert_true (strlen (detail) > 0);
    //  Not delivered: no file, no certificate, a missing argument.
    assert_int_equal (ingest_provision_grant_remote (at, gw_secret, site_cert,
                                                     s_path (f, 2, "missing.sig"), 10000,
                                                     &reason, detail, sizeof detail), -1);
    assert_non_null (strstr (util_last_error (), "missing.sig"));
    assert_int_equal (ingest_provision_grant_remote (at, s_path (f, 0, "nocert"), site_cert,
                                                     s_path (f, 2, "c.sig"), 10000, &reason,
                                                     detail, sizeof detail), -1);
    assert_int_equal (ingest_provision_grant_remote (NULL, gw_secret, site_cert,
                                                     s_path (f, 2, "c.sig"), 10000, &reason,
                                                     detail, sizeof detail), -1);
    ingest_endpoint_destroy (&ep);
}

//  Every allocation of an enrollment to a provisioning file, and of a
//  selection, fails in turn: each is reported, nothing leaks (ASan), and
//  a failed enrollment leaves no file.
static void
test_allocation_failures (void **state)
{
    fixture_t *f = *state;
    ingest_consent_query_t q = { .site = "Organization/hospital-a", .purpose = "HRESCH",
                                 .time_ms = NOW };
    int done = 0, failed = 0;
    for (long n = 0; !done && n < 1000; n++) {
        char id [32];
        snprintf (id, sizeof id, "d-%ld", n);
        ingest_enrollment_t d = { .device_id = id, .patient = "Patient/p-1",
                                  .provision_dir = f->prov };
        uint32_t epoch;
        char *written = NULL;
        util_alloc_fail_after (n);
        int rc = ingest_provision_enroll_device (&f->site, &d, &epoch, &written);
        util_alloc_fail_after (-1);
        if (rc == 0) {
            assert_int_equal (access (written, F_OK), 0);
            free (written);
            done = 1;
        }
        else {
            failed++;
            assert_null (written);
            assert_int_equal (util_last_code (), UTIL_ENOMEM);
            char path [256];
            snprintf (path, sizeof path, "%s/%s.device", f->prov, id);
            assert_int_equal (access (path, F_OK), -1);
        }
    }
    //  The walk reached allocations before the one that succeeded.
    assert_true (done);
    assert_true (failed >= 2);
    done = failed = 0;
    for (long n = 0; !done && n < 1000; n++) {
        ingest_selection_t sel;
        util_alloc_fail_after (n);
        int rc = ingest_provision_select (f->store, &q, &sel);
        util_alloc_fail_after (-1);
        if (rc == 0)
            done = 1;
        else {
            failed++;
            assert_int_equal (util_last_code (), UTIL_ENOMEM);
            assert_null (sel.patients);
        }
        ingest_selection_clear (&sel);
    }
    assert_true (done);
    assert_true (failed >= 1);
}

int
main (void)
{
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, support_fixture_teardown)
    const struct CMUnitTest tests [] = {
        T (test_key_files), T (test_enroll_secret_file), T (test_enroll_provision_file),
        T (test_enroll_refusals), T (test_enroll_write_fails), T (test_audited),
        T (test_grants), T (test_file_limit), T (test_select), T (test_grant_remote),
        T (test_allocation_failures),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
