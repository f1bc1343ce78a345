/*  Unit tests for ingest/grants.c: enrolling authorities, taking grants (and
    every rejection), versions and revocation, and cohort selection of
    records and patients honouring actor, purpose, period, nested denies
    and revocation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/grants.h"
#include "util/alloc.h"
#include "util/error.h"
#include "ingest/store.h"
#include "support_audit.h"
#include "support_dir.h"
#include "support_ingest.h"
#include "alloc_walk.h"

#define NOW      SUPPORT_INGEST_NOW     //  2026-11-22T14:05:00Z
#define DEC_1    1796083200000LL        //  2026-12-01T00:00:00Z
#define JAN_1    1798761600000LL        //  2027-01-01T00:00:00Z

typedef struct {
    char dir [SUPPORT_DIR_MAX], path [128];
    audit_signer_t *authority, *stranger;
    char *vkey;
} fixture_t;

static const char *
s_observation (const char *patient, const char *loinc, const char *unit, const char *value)
{
    static char buf [1024];
    return support_observation (buf, sizeof buf, patient, loinc, value, unit);
}

//  Ingests one record for `device` (sequence seq) and checks it was taken.
//  The decision on an envelope, which must be decided.
static ingest_grant_reason_t
s_decide (ingest_grants_t *g, const char *envelope, size_t len)
{
    ingest_grant_reason_t r = INGEST_GRANT_OK;
    assert_int_equal (ingest_grants_add (g, envelope, len, NOW, &r), 0);
    return r;
}

static void
s_ingest (ingest_store_t *ing, const char *device, const uint8_t *secret, uint64_t seq,
          const char *payload)
{
    uint8_t frame [1024];
    size_t len = support_frame (frame, sizeof frame, device, 1, seq, INGEST_AEAD_AES_256_GCM,
                                payload, secret);
    const uint8_t *frames [1] = { frame };
    ingest_reason_t r;
    assert_int_equal (ingest_store_submit (ing, frames, &len, 1, NOW, &r), 0);
    assert_int_equal (r, INGEST_OK);
}

//  Records: 1 heart rate (8867-4) and 2 glucose (2339-0) for p-1, one
//  heart rate for p-2; record ids 1..4 in that order.
static int
s_setup (void **state)
{
    fixture_t *f = support_fixture_new (state, sizeof *f, "grants");
    if (!f)
        return -1;
    support_path (f->path, sizeof f->path, f->dir, "ingest.db");
    uint8_t key [INGEST_STORAGE_KEY_LEN], s1 [INGEST_SECRET_LEN], s2 [INGEST_SECRET_LEN];
    memset (key, 7, sizeof key);
    uint32_t epoch;
    ingest_store_t *ing = ingest_store_open (f->path, key, NULL);
    if (!ing || ingest_store_enroll (ing, "dev-1", "Patient/p-1", NULL, 0, 0, s1, &epoch)
    ||  ingest_store_enroll (ing, "dev-2", "Patient/p-2", NULL, 0, 0, s2, &epoch))
        return -1;
    s_ingest (ing, "dev-1", s1, 1, s_observation ("Patient/p-1", "8867-4", "/min", "70"));
    s_ingest (ing, "dev-1", s1, 2, s_observation ("Patient/p-1", "2339-0", "mg/dL", "95"));
    s_ingest (ing, "dev-1", s1, 3, s_observation ("Patient/p-1", "2339-0", "mg/dL", "97"));
    s_ingest (ing, "dev-2", s2, 1, s_observation ("Patient/p-2", "8867-4", "/min", "64"));
    ingest_store_destroy (&ing);
    f->authority = audit_signer_generate ("consent-authority-1");
    f->stranger = audit_signer_generate ("consent-authority-1");
    f->vkey = audit_signer_verifier_text (f->authority);
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    audit_signer_destroy (&f->authority);
    audit_signer_destroy (&f->stranger);
    free (f->vkey);
    return support_fixture_teardown (state);
}

//  A consent: `actor` is the one actor reference; `deny` a LOINC code
//  denied from 2026-12-01, or NULL (a static buffer).
static char *
s_consent (const char *id, const char *patient, const char *status, const char *date,
           const char *start, const char *end, const char *actor, const char *deny)
{
    static char buf [4096];
    support_consent_t c = { .id = id, .patient = patient, .status = status, .date = date,
                            .start = start, .end = end, .actor = actor, .deny = deny };
    return support_consent (buf, sizeof buf, &c);
}

#define s_add(g, key, consent) support_ingest_grant (g, key, consent, NOW)

#define PERIOD "2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z"

static void
test_authorities_and_rejections (void **state)
{
    fixture_t *f = *state;
    char audit_path [160];
    support_path (audit_path, sizeof audit_path, f->dir, "audit.db");
    audit_log_t *audit = audit_log_open (audit_path, "hospital-a.example/audit");
    ingest_grants_t *g = ingest_grants_open (f->path, audit);
    assert_non_null (g);
    const char *c1 = s_consent ("c-1", "Patient/p-1", "active", "2026-11-01T00:00:00Z", PERIOD,
                                "Organization/hospital-a", NULL);
    //  No authority enrolled yet.
    assert_int_equal (s_add (g, f->authority, c1), INGEST_GRANT_UNKNOWN_AUTHORITY);
    assert_int_equal (ingest_grants_enroll_authority (g, "garbage"), -1);
    assert_int_equal (ingest_grants_enroll_authority (g, NULL), -1);
    assert_int_equal (ingest_grants_enroll_authority (g, f->vkey), 0);
    assert_int_equal (ingest_grants_enroll_authority (g, f->vkey), -1);
    assert_int_equal (s_add (g, f->stranger, c1), INGEST_GRANT_UNKNOWN_AUTHORITY);
    assert_int_equal (s_add (g, f->authority, c1), INGEST_GRANT_OK);
    //  The same version again, and an older one.
    assert_int_equal (s_add (g, f->authority, c1), INGEST_GRANT_SUPERSEDED);
    assert_int_equal (s_add (g, f->authority, s_consent ("c-1", "Patient/p-1", "active",
                      "2026-10-01T00:00:00Z", PERIOD, "Organization/hospital-a", NULL)),
                      INGEST_GRANT_SUPERSEDED);
    //  A newer version may not move to another patient.
    assert_int_equal (s_add (g, f->authority, s_consent ("c-1", "Patient/p-2", "active",
                      "2026-11-02T00:00:00Z", PERIOD, "Organization/hospital-a", NULL)),
                      INGEST_GRANT_MALFORMED);
    //  Expired or not yet valid on arrival.
    assert_int_equal (s_add (g, f->authority, s_consent ("c-2", "Patient/p-2", "active",
                      "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z", "2026-11-22T14:04:59Z",
                      "Organization/hospital-a", NULL)), INGEST_GRANT_EXPIRED);
    assert_int_equal (s_add (g, f->authority, s_consent ("c-2", "Patient/p-2", "active",
                      "2026-11-01T00:00:00Z", "2026-11-22T14:05:01Z", "2027-01-01T00:00:00Z",
                      "Organization/hospital-a", NULL)), INGEST_GRANT_NOT_YET_VALID);
    //  A revocation of a version not held is kept (test_revocation_any_order).
    assert_int_equal (s_add (g, f->authority, s_consent ("c-2", "Patient/p-2", "inactive",
                      "2026-11-01T00:00:00Z", PERIOD, "Organization/hospital-a", NULL)),
                      INGEST_GRANT_OK);
    //  Unsigned, tampered and malformed envelopes.
    const char *unsigned_env = "{\"consent\":\"e30=\"}";
    assert_int_equal (s_decide (g, unsigned_env, strlen (unsigned_env)),
                      INGEST_GRANT_UNSIGNED);
    char *env = ingest_grant_sign (c1, strlen (c1), f->authority);
    char *sig = strstr (env, "\"signature\": \"") + 14;
    sig [0] = sig [0] == 'A'? 'B': 'A';
    assert_int_equal (s_decide (g, env, strlen (env)), INGEST_GRANT_BAD_SIGNATURE);
    free (env);
    assert_int_equal (s_decide (g, "{", 1), INGEST_GRANT_MALFORMED);
    assert_non_null (strstr (util_last_error (), "grant: line 1"));
    ingest_grants_destroy (&g);
    ingest_grants_destroy (&g);
    assert_null (g);
    //  Every decision was audited: 1 authority, 2 accepted, 10 rejected.
    assert_int_equal (support_audit_count (audit, "authority.enroll"), 1);
    assert_int_equal (support_audit_count (audit, "grant.accept"), 2);
    assert_int_equal (support_audit_count (audit, "grant.reject"), 10);
    audit_log_destroy (&audit);
    //  Authorities persist.
    g = ingest_grants_open (f->path, NULL);
    assert_int_equal (s_add (g, f->authority, s_consent ("c-3", "Patient/p-2", "active",
                      "2026-11-01T00:00:00Z", PERIOD, "Organization/hospital-a", NULL)),
                      INGEST_GRANT_OK);
    ingest_grants_destroy (&g);
    assert_null (ingest_grants_open ("/nonexistent/dir/x.db", NULL));
}

static void
s_expect_records (ingest_grants_t *g, const ingest_consent_query_t *q, const int64_t *want,
                  size_t nwant)
{
    int64_t *ids = NULL;
    size_t n = 99;
    assert_int_equal (ingest_grants_select_records (g, q, &ids, &n, NULL), 0);
    if (n != nwant)
        fail_msg ("selected %zu records, want %zu", n, nwant);
    for (size_t i = 0; i < n; i++)
        assert_int_equal (ids [i], want [i]);
    free (ids);
}

static void
s_expect_patients (ingest_grants_t *g, const ingest_consent_query_t *q, const char *want)
{
    char **patients = NULL;
    size_t n = 0;
    assert_int_equal (ingest_grants_select_patients (g, q, &patients, &n), 0);
    char got [256] = "";
    for (size_t i = 0; i < n; i++) {
        strcat (got, i? ",": "");
        strcat (got, patients [i]);
        free (patients [i]);
    }
    free (patients);
    assert_string_equal (got, want);
}

static void
test_selection (void **state)
{
    fixture_t *f = *state;
    ingest_grants_t *g = ingest_grants_open (f->path, NULL);
    assert_int_equal (ingest_grants_enroll_authority (g, f->vkey), 0);
    ingest_consent_query_t q = { .site = "Organization/hospital-a",
                                 .study = "ResearchStudy/sepsis-1", .purpose = "HRESCH",
                                 .time_ms = NOW };
    //  No grants: nothing is usable.
    s_expect_records (g, &q, NULL, 0);
    s_expect_patients (g, &q, "");
    //  p-1 permits hospital-a, but denies glucose from 2026-12-01.
    assert_int_equal (s_add (g, f->authority, s_consent ("c-1", "Patient/p-1", "active",
                      "2026-11-01T00:00:00Z", PERIOD, "Organization/hospital-a", "2339-0")),
                      INGEST_GRANT_OK);
    s_expect_records (g, &q, (int64_t []) { 1, 2, 3 }, 3);
    s_expect_patients (g, &q, "Patient/p-1");
    //  From then on p-1's data as a whole may hold glucose: p-1 is no
    //  longer a patient whose data the use may take whole.
    q.time_ms = DEC_1;
    s_expect_records (g, &q, (int64_t []) { 1 }, 1);
    s_expect_patients (g, &q, "");
    //  p-2 permits only the study.
    assert_int_equal (s_add (g, f->authority, s_consent ("c-2", "Patient/p-2", "active",
                      "2026-11-01T00:00:00Z", PERIOD, "ResearchStudy/sepsis-1", NULL)),
                      INGEST_GRANT_OK);
    s_expect_records (g, &q, (int64_t []) { 1, 4 }, 2);
    s_expect_patients (g, &q, "Patient/p-2");
    q.study = "ResearchStudy/other";
    s_expect_records (g, &q, (int64_t []) { 1 }, 1);
    q.site = "Organization/hospital-b";
    s_expect_records (g, &q, NULL, 0);
    s_expect_patients (g, &q, "");
    q = (ingest_consent_query_t) { .site = "Organization/hospital-a",
                                   .study = "ResearchStudy/sepsis-1", .purpose = "TREAT",
                                   .time_ms = NOW };
    s_expect_records (g, &q, NULL, 0);
    //  After the period (its end includes the second it names), nothing.
    q.purpose = "HRESCH";
    q.time_ms = JAN_1 + 999;
    s_expect_records (g, &q, (int64_t []) { 1, 4 }, 2);
    q.time_ms = JAN_1 + 1000;
    s_expect_records (g, &q, NULL, 0);
    //  Revocation: a newer inactive version of c-1 removes p-1 from every
    //  later selection.
    q.time_ms = NOW;
    assert_int_equal (s_add (g, f->authority, s_consent ("c-1", "Patient/p-1", "inactive",
                      "2026-11-20T00:00:00Z", PERIOD, "Organization/hospital-a", NULL)),
                      INGEST_GRANT_OK);
    s_expect_records (g, &q, (int64_t []) { 4 }, 1);
    s_expect_patients (g, &q, "Patient/p-2");
    //  A later re-grant brings p-1 back.
    assert_int_equal (s_add (g, f->authority, s_consent ("c-1", "Patient/p-1", "active",
                      "2026-11-21T00:00:00Z", PERIOD, "Organization/hospital-a", NULL)),
                      INGEST_GRANT_OK);
    s_expect_records (g, &q, (int64_t []) { 1, 2, 3, 4 }, 4);
    ingest_grants_destroy (&g);
}

//  The (patient, grant) pairs behind a selection: every grant that permits
//  the use, none that does not, nobody a grant denies.
static void
s_expect_grants (ingest_grants_t *g, const ingest_consent_query_t *q, const char *want)
{
    ingest_grant_use_t *uses = NULL;
    size_t n = 99;
    assert_int_equal (ingest_grants_select_grants (g, q, &uses, &n), 0);
    char got [256] = "";
    for (size_t i = 0; i < n; i++) {
        char one [64];
        snprintf (one, sizeof one, "%s%s:%s@%lld", i? ",": "", uses [i].patient, uses [i].grant,
                  (long long) (uses [i].granted_ms / 86400000LL));
        strcat (got, one);
    }
    ingest_grant_uses_free (uses, n);
    assert_string_equal (got, want);
}

static void
test_select_grants (void **state)
{
    fixture_t *f = *state;
    ingest_grants_t *g = ingest_grants_open (f->path, NULL);
    assert_int_equal (ingest_grants_enroll_authority (g, f->vkey), 0);
    ingest_consent_query_t q = { .site = "Organization/hospital-a",
                                 .study = "ResearchStudy/sepsis-1", .purpose = "HRESCH",
                                 .time_ms = NOW };
    s_expect_grants (g, &q, "");
    //  p-1: two grants that permit (listed by id), one for another site.
    assert_int_equal (s_add (g, f->authority, s_consent ("c-1b", "Patient/p-1", "active",
                      "2026-11-02T00:00:00Z", PERIOD, "ResearchStudy/sepsis-1", NULL)),
                      INGEST_GRANT_OK);
    assert_int_equal (s_add (g, f->authority, s_consent ("c-1a", "Patient/p-1", "active",
                      "2026-11-01T00:00:00Z", PERIOD, "Organization/hospital-a", NULL)),
                      INGEST_GRANT_OK);
    assert_int_equal (s_add (g, f->authority, s_consent ("c-1c", "Patient/p-1", "active",
                      "2026-11-01T00:00:00Z", PERIOD, "Organization/hospital-b", NULL)),
                      INGEST_GRANT_OK);
    //  p-2: a grant that denies glucose from December 1st.
    assert_int_equal (s_add (g, f->authority, s_consent ("c-2", "Patient/p-2", "active",
                      "2026-11-01T00:00:00Z", PERIOD, "Organization/hospital-a", "2339-0")),
                      INGEST_GRANT_OK);
    //  Days since the epoch: 2026-11-01 is day 20758.
    s_expect_grants (g, &q, "Patient/p-1:c-1a@20758,Patient/p-1:c-1b@20759,"
                     "Patient/p-2:c-2@20758");
    q.time_ms = DEC_1;
    s_expect_grants (g, &q, "Patient/p-1:c-1a@20758,Patient/p-1:c-1b@20759");
    //  One revoked: the other still permits.
    q.time_ms = NOW;
    assert_int_equal (s_add (g, f->authority, s_consent ("c-1a", "Patient/p-1", "inactive",
                      "2026-11-20T00:00:00Z", PERIOD, "Organization/hospital-a", NULL)),
                      INGEST_GRANT_OK);
    s_expect_grants (g, &q, "Patient/p-1:c-1b@20759,Patient/p-2:c-2@20758");
    q.study = "ResearchStudy/other";
    s_expect_grants (g, &q, "Patient/p-2:c-2@20758");
    ingest_grant_uses_free (NULL, 0);
    ingest_grants_destroy (&g);
}

//  Grant and revocation in either order: p-1's grant arrives before its
//  revocation, p-2's after it; both stay revoked, through replays of
//  either and a restart. A version dated after the revocation grants
//  again.
static void
test_revocation_any_order (void **state)
{
    fixture_t *f = *state;
    ingest_grants_t *g = ingest_grants_open (f->path, NULL);
    assert_int_equal (ingest_grants_enroll_authority (g, f->vkey), 0);
    ingest_consent_query_t q = { .site = "Organization/hospital-a",
                                 .study = "ResearchStudy/sepsis-1", .purpose = "HRESCH",
                                 .time_ms = NOW };
#define GRANT(id, patient) s_consent (id, patient, "active", "2026-11-01T00:00:00Z", PERIOD, \
                                      "Organization/hospital-a", NULL)
#define REVOKE(id, patient) s_consent (id, patient, "inactive", "2026-11-10T00:00:00Z", \
                                       PERIOD, "Organization/hospital-a", NULL)
    assert_int_equal (s_add (g, f->authority, GRANT ("c-1", "Patient/p-1")), INGEST_GRANT_OK);
    s_expect_patients (g, &q, "Patient/p-1");
    assert_int_equal (s_add (g, f->authority, REVOKE ("c-1", "Patient/p-1")), INGEST_GRANT_OK);
    s_expect_patients (g, &q, "");
    //  The revocation first: kept, and the grant it revokes superseded.
    assert_int_equal (s_add (g, f->authority, REVOKE ("c-2", "Patient/p-2")), INGEST_GRANT_OK);
    assert_int_equal (s_add (g, f->authority, GRANT ("c-2", "Patient/p-2")),
                      INGEST_GRANT_SUPERSEDED);
    assert_non_null (strstr (util_last_error (), "grant c-2: a version dated at or after this "
                             "one is already held (a revocation: the consent stays revoked)"));
    s_expect_patients (g, &q, "");
    s_expect_records (g, &q, NULL, 0);
    //  Replays of either, before and after a restart, change nothing.
    for (int round = 0; round < 2; round++) {
        assert_int_equal (s_add (g, f->authority, GRANT ("c-1", "Patient/p-1")),
                          INGEST_GRANT_SUPERSEDED);
        assert_int_equal (s_add (g, f->authority, REVOKE ("c-1", "Patient/p-1")),
                          INGEST_GRANT_SUPERSEDED);
        assert_int_equal (s_add (g, f->authority, GRANT ("c-2", "Patient/p-2")),
                          INGEST_GRANT_SUPERSEDED);
        assert_int_equal (s_add (g, f->authority, REVOKE ("c-2", "Patient/p-2")),
                          INGEST_GRANT_SUPERSEDED);
        s_expect_patients (g, &q, "");
        ingest_grants_destroy (&g);
        g = ingest_grants_open (f->path, NULL);
        assert_non_null (g);
    }
    //  A revocation cannot move a held consent to another patient.
    assert_int_equal (s_add (g, f->authority, s_consent ("c-2", "Patient/p-1", "active",
                      "2026-11-20T00:00:00Z", PERIOD, "Organization/hospital-a", NULL)),
                      INGEST_GRANT_MALFORMED);
    //  A later version grants again.
    assert_int_equal (s_add (g, f->authority, s_consent ("c-2", "Patient/p-2", "active",
                      "2026-11-20T00:00:00Z", PERIOD, "Organization/hospital-a", NULL)),
                      INGEST_GRANT_OK);
    s_expect_patients (g, &q, "Patient/p-2");
    s_expect_records (g, &q, (int64_t []) { 4 }, 1);
#undef GRANT
#undef REVOKE
    ingest_grants_destroy (&g);
}

//  Denials by LOINC code are honoured: a grant that permits the study but
//  denies glucose excludes p-1's glucose readings, not the heart rate;
//  and a separate grant that denies a code wins over another grant's
//  permit (for the study it names only).
static void
test_code_denied (void **state)
{
    fixture_t *f = *state;
    ingest_grants_t *g = ingest_grants_open (f->path, NULL);
    assert_int_equal (ingest_grants_enroll_authority (g, f->vkey), 0);
    ingest_consent_query_t q = { .site = "Organization/hospital-a",
                                 .study = "ResearchStudy/sepsis-1", .purpose = "HRESCH",
                                 .time_ms = NOW };
    static char buf [4096];
    support_consent_t c = { .id = "c-1", .patient = "Patient/p-1", .actor = "ResearchStudy/sepsis-1",
                            .deny = "2339-0", .deny_from = "2026-11-01T00:00:00Z" };
    assert_int_equal (s_add (g, f->authority, support_consent (buf, sizeof buf, &c)),
                      INGEST_GRANT_OK);
    s_expect_records (g, &q, (int64_t []) { 1 }, 1);
    //  p-2: the site's permit, then a grant that permits sepsis-1 but for
    //  heart rate.
    assert_int_equal (s_add (g, f->authority, s_consent ("c-2", "Patient/p-2", "active",
                      "2026-11-01T00:00:00Z", PERIOD, "Organization/hospital-a", NULL)),
                      INGEST_GRANT_OK);
    s_expect_records (g, &q, (int64_t []) { 1, 4 }, 2);
    s_expect_patients (g, &q, "Patient/p-2");
    c = (support_consent_t) { .id = "c-3", .patient = "Patient/p-2",
                              .actor = "ResearchStudy/sepsis-1", .deny = "8867-4",
                              .deny_from = "2026-11-01T00:00:00Z" };
    assert_int_equal (s_add (g, f->authority, support_consent (buf, sizeof buf, &c)),
                      INGEST_GRANT_OK);
    s_expect_records (g, &q, (int64_t []) { 1 }, 1);
    s_expect_patients (g, &q, "");
    q.study = "ResearchStudy/other";
    s_expect_records (g, &q, (int64_t []) { 4 }, 1);
    s_expect_patients (g, &q, "Patient/p-2");
    ingest_grants_destroy (&g);
}

//  The records selected for q and the censored ones left out, as
//  "1,2,3/1" (ids, then the count).
static void
s_expect_censored (ingest_grants_t *g, const ingest_consent_query_t *q, const char *want)
{
    int64_t *ids = NULL;
    size_t n = 0, censored = 99;
    assert_int_equal (ingest_grants_select_records (g, q, &ids, &n, &censored), 0);
    char got [256] = "";
    for (size_t i = 0; i < n; i++)
        snprintf (got + strlen (got), sizeof got - strlen (got), "%s%lld", i? ",": "",
                  (long long) ids [i]);
    snprintf (got + strlen (got), sizeof got - strlen (got), "/%zu", censored);
    free (ids);
    assert_string_equal (got, want);
}

//  A censored reading (a comparator) is never selected, and is counted
//  only where a grant would have permitted it.
static void
test_censored_left_out (void **state)
{
    fixture_t *f = *state;
    uint8_t key [INGEST_STORAGE_KEY_LEN], s3 [INGEST_SECRET_LEN];
    memset (key, 7, sizeof key);
    uint32_t epoch;
    ingest_store_t *ing = ingest_store_open (f->path, key, NULL);
    assert_non_null (ing);
    assert_int_equal (ingest_store_enroll (ing, "dev-3", "Patient/p-1", NULL, 0, 0, s3, &epoch),
                      0);
    //  Records 5 and 6: p-1's heart rate "<40" and glucose ">400".
    char low [1024];
    const char *tmpl =
        "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":"
        "[{\"system\":\"http://loinc.org\",\"code\":\"%s\"}]},\"subject\":"
        "{\"reference\":\"Patient/p-1\"},\"effectiveDateTime\":\"2026-11-22T14:05:00Z\","
        "\"valueQuantity\":{\"value\":%s,\"comparator\":\"%s\",\"system\":"
        "\"http://unitsofmeasure.org\",\"code\":\"%s\"}}";
    snprintf (low, sizeof low, tmpl, "8867-4", "40", "<", "/min");
    s_ingest (ing, "dev-3", s3, 1, low);
    snprintf (low, sizeof low, tmpl, "2339-0", "400", ">", "mg/dL");
    s_ingest (ing, "dev-3", s3, 2, low);
    ingest_store_destroy (&ing);
    ingest_grants_t *g = ingest_grants_open (f->path, NULL);
    assert_int_equal (ingest_grants_enroll_authority (g, f->vkey), 0);
    ingest_consent_query_t q = { .site = "Organization/hospital-a",
                                 .study = "ResearchStudy/sepsis-1", .purpose = "HRESCH",
                                 .time_ms = NOW };
    s_expect_censored (g, &q, "/0");
    assert_int_equal (s_add (g, f->authority, s_consent ("c-1", "Patient/p-1", "active",
                      "2026-11-01T00:00:00Z", PERIOD, "Organization/hospital-a", "2339-0")),
                      INGEST_GRANT_OK);
    s_expect_censored (g, &q, "1,2,3/2");
    //  Once glucose is denied, the censored glucose is not counted either.
    q.time_ms = DEC_1;
    s_expect_censored (g, &q, "1/1");
    //  The patient as a whole is still selectable: censoring is per record.
    q.time_ms = NOW;
    s_expect_patients (g, &q, "Patient/p-1");
    ingest_grants_destroy (&g);
}

static void
test_no_records_table (void **state)
{
    fixture_t *f = *state;
    char path [160];
    support_path (path, sizeof path, f->dir, "bare.db");
    ingest_grants_t *g = ingest_grants_open (path, NULL);
    assert_non_null (g);
    ingest_consent_query_t q = { .site = "Organization/hospital-a", .purpose = "HRESCH",
                                 .time_ms = NOW };
    int64_t *ids = NULL;
    size_t n = 0;
    assert_int_equal (ingest_grants_select_records (g, &q, &ids, &n, NULL), -1);
    assert_non_null (strstr (util_last_error (), "ingest store"));
    ingest_grants_destroy (&g);
}

//  Out of memory at each allocation in turn of an open, a grant taken and
//  the three selections: NULL, -1 or malformed with UTIL_ENOMEM, nothing leaked
//  (the sanitizer build checks), nothing stored and nothing selected short,
//  until each succeeds with the answer it gives with memory.
static bool
s_open_walk (void *path)
{
    ingest_grants_t *g = ingest_grants_open (path, NULL);
    bool ok = g != NULL;
    ingest_grants_destroy (&g);
    return ok;
}

static void
test_out_of_memory (void **state)
{
    fixture_t *f = *state;
    ingest_grants_t *g = ingest_grants_open (f->path, NULL);
    assert_int_equal (ingest_grants_enroll_authority (g, f->vkey), 0);
    assert_int_equal (s_add (g, f->authority, s_consent ("c-1", "Patient/p-1", "active",
                      "2026-11-01T00:00:00Z", PERIOD, "Organization/hospital-a", "2339-0")),
                      INGEST_GRANT_OK);
    ingest_grants_destroy (&g);
    assert_true (alloc_walk (s_open_walk, f->path) >= 2);
    g = ingest_grants_open (f->path, NULL);
    assert_non_null (g);
    long n;
    ingest_consent_query_t q = { .site = "Organization/hospital-a",
                                 .study = "ResearchStudy/sepsis-1", .purpose = "HRESCH",
                                 .time_ms = NOW };
    const char *consent = s_consent ("c-2", "Patient/p-2", "active", "2026-11-01T00:00:00Z",
                                     PERIOD, "Organization/hospital-a", NULL);
    char *env = ingest_grant_sign (consent, strlen (consent), f->authority);
    ingest_grant_reason_t r = INGEST_GRANT_MALFORMED;
    for (n = 0; n < 100 && r != INGEST_GRANT_OK; n++) {
        util_alloc_fail_after (n);
        int undecided = ingest_grants_add (g, env, strlen (env), NOW, &r);
        util_alloc_fail_after (-1);
        if (undecided) {
            //  Not decided: out of memory, nothing stored.
            r = INGEST_GRANT_MALFORMED;
            assert_int_equal (util_last_code (), UTIL_ENOMEM);
            s_expect_patients (g, &q, "Patient/p-1");
        }
        else
            assert_int_equal (r, INGEST_GRANT_OK);
    }
    free (env);
    assert_true (n > 10);
    int rc = -1;
    char **patients = NULL;
    size_t np = 0;
    for (n = 0; n < 200 && rc; n++) {
        util_alloc_fail_after (n);
        rc = ingest_grants_select_patients (g, &q, &patients, &np);
        util_alloc_fail_after (-1);
        if (rc)
            assert_int_equal (util_last_code (), UTIL_ENOMEM);
    }
    assert_int_equal (rc, 0);
    assert_true (n > 10);
    assert_int_equal (np, 2);
    assert_string_equal (patients [1], "Patient/p-2");
    for (size_t i = 0; i < np; i++)
        free (patients [i]);
    free (patients);
    int64_t *ids = NULL;
    size_t nids = 0;
    rc = -1;
    for (n = 0; n < 200 && rc; n++) {
        util_alloc_fail_after (n);
        rc = ingest_grants_select_records (g, &q, &ids, &nids, NULL);
        util_alloc_fail_after (-1);
        if (rc)
            assert_int_equal (util_last_code (), UTIL_ENOMEM);
    }
    assert_int_equal (rc, 0);
    assert_true (n > 2);                //  the walk reached its allocations
    assert_int_equal (nids, 4);
    free (ids);
    ingest_grant_use_t *uses = NULL;
    size_t nuses = 0;
    rc = -1;
    for (n = 0; n < 200 && rc; n++) {
        util_alloc_fail_after (n);
        rc = ingest_grants_select_grants (g, &q, &uses, &nuses);
        util_alloc_fail_after (-1);
        if (rc)
            assert_int_equal (util_last_code (), UTIL_ENOMEM);
    }
    assert_int_equal (rc, 0);
    assert_true (n > 10);
    assert_int_equal (nuses, 2);
    assert_string_equal (uses [1].grant, "c-2");
    ingest_grant_uses_free (uses, nuses);
    ingest_grants_destroy (&g);
}

int
main (void)
{
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
    const struct CMUnitTest tests [] = {
        T (test_authorities_and_rejections), T (test_selection), T (test_censored_left_out),
        T (test_no_records_table), T (test_revocation_any_order), T (test_code_denied),
        T (test_out_of_memory), T (test_select_grants),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
