/*  Unit tests for ingest/contrib.c: a use recorded with exactly the
    patients of the dataset whose grants permit it (every permitting grant,
    both patient spellings, a patient of another site's grant or with no
    grant left out), a query's kind and expression, an offer accepted again
    under the same id, the end, a revocation shown, the audit entries (no
    patient reference in clear), and bad input: patient references, a
    missing column, no audit log, a store that is not an ingest store; out
    of memory at each allocation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/contrib.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/sqlite.h"
#include "support_audit.h"
#include "support_dir.h"
#include "support_ingest.h"

#define NOW SUPPORT_INGEST_NOW
#define ORIGIN "test.example/site-a"

#define STUDY(name_, id_, purpose_) \
    (&(proto_study_t) { .name = (char *) (name_), .id = (char *) (id_), .purpose = (purpose_) })
#define SEPSIS STUDY ("sepsis risk", "sepsis", "HRESCH")

typedef struct {
    char dir [SUPPORT_DIR_MAX], store [128], audit [128];
    audit_signer_t *authority;
    ingest_grants_t *grants;
    audit_log_t *log;
    model_csv_t *csv;
    ingest_cohort_source_t src;
} fixture_t;

//  A consent valid through November and December 2026 (a static buffer).
static const char *
s_consent (const char *id, const char *patient, const char *status, const char *date,
           const char *actor)
{
    static char buf [2048];
    support_consent_t c = { .id = id, .patient = patient, .status = status, .date = date,
                            .start = "2026-11-01T00:00:00Z", .end = "2027-01-01T00:00:00Z",
                            .actor = actor };
    return support_consent (buf, sizeof buf, &c);
}

static void
s_grant (fixture_t *f, const char *consent)
{
    assert_int_equal (support_ingest_grant (f->grants, f->authority, consent, NOW),
                      INGEST_GRANT_OK);
}

//  Rows: p-1, Patient/p-2, p-3, p-4, p-1, p-6.
static int
s_setup (void **state)
{
    fixture_t *f = support_fixture_new (state, sizeof *f, "contrib");
    if (!f)
        return -1;
    support_path (f->store, sizeof f->store, f->dir, "ingest.db");
    support_path (f->audit, sizeof f->audit, f->dir, "audit.db");
    if (!(f->grants = ingest_grants_open (f->store, NULL))
    ||  !(f->log = audit_log_open (f->audit, ORIGIN)))
        return -1;
    f->authority = support_ingest_authority (f->grants);
    static const char data [] = "pid,x,y\np-1,1,0\nPatient/p-2,2,1\np-3,3,0\np-4,4,1\n"
                                "p-1,5,1\np-6,6,0\n";
    if (model_csv_parse (&f->csv, "d.csv", data, sizeof data - 1, 0))
        return -1;
    f->src = (ingest_cohort_source_t) { .name = "d", .patient_column = "pid",
                                        .grant_store = f->store,
                                        .grant_site = "Organization/hospital-a" };
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    ingest_grants_destroy (&f->grants);
    audit_log_destroy (&f->log);
    audit_signer_destroy (&f->authority);
    model_csv_destroy (&f->csv);
    return support_fixture_teardown (state);
}

static int
s_record (fixture_t *f, const char *id, const proto_study_t *study, const char *analyst,
          int64_t when)
{
    ingest_contrib_use_t use = { .id = id, .study = study, .analyst = analyst, .time_ms = when };
    const model_csv_t *csvs [1] = { f->csv };
    return ingest_contrib_record (&f->src, &use, csvs, 1, f->log);
}

//  Reads patient's uses as operator "tester"; expects success.
static void
s_read (fixture_t *f, const char *patient, ingest_contrib_list_t *list)
{
    assert_int_equal (ingest_contrib_read (f->store, f->audit, NULL, "tester", patient, list),
                      0);
}

static void
test_record_and_list (void **state)
{
    fixture_t *f = *state;
    //  p-1: the site's grant and the study's; p-2: the study's (named
    //  Patient/p-2 in the data); p-4: another site's only; p-9: not in the
    //  data; p-3 and p-6: no grant.
    s_grant (f, s_consent ("c-1", "Patient/p-1", "active", "2026-11-01T00:00:00Z",
                           "Organization/hospital-a"));
    s_grant (f, s_consent ("c-1b", "Patient/p-1", "active", "2026-11-02T00:00:00Z",
                           "ResearchStudy/sepsis"));
    s_grant (f, s_consent ("c-2", "Patient/p-2", "active", "2026-11-01T00:00:00Z",
                           "ResearchStudy/sepsis"));
    s_grant (f, s_consent ("c-4", "Patient/p-4", "active", "2026-11-01T00:00:00Z",
                           "Organization/hospital-b"));
    s_grant (f, s_consent ("c-9", "Patient/p-9", "active", "2026-11-01T00:00:00Z",
                           "Organization/hospital-a"));
    assert_int_equal (s_record (f, "s-1", SEPSIS, "alice", NOW), 0);
    ingest_contrib_list_t list;
    s_read (f, "p-1", &list);
    assert_string_equal (list.patient, "Patient/p-1");
    assert_int_equal (list.n, 1);
    const ingest_contrib_t *u = &list.uses [0];
    assert_string_equal (u->id, "s-1");
    assert_string_equal (u->kind, "study");
    assert_string_equal (u->name, "sepsis risk");
    assert_string_equal (u->analyst, "alice");
    assert_string_equal (u->dataset, "d");
    assert_string_equal (u->purpose, "HRESCH");
    assert_string_equal (u->study_ref, "ResearchStudy/sepsis");
    assert_string_equal (u->status, "accepted");
    assert_int_equal (u->accepted_ms, NOW);
    assert_int_equal (u->ended_ms, 0);
    assert_null (u->detail);
    //  Both grants that permit it, by id.
    assert_int_equal (u->n_grants, 2);
    assert_string_equal (u->grants [0].id, "c-1");
    assert_string_equal (u->grants [1].id, "c-1b");
    assert_true (u->grants [0].held && !u->grants [0].revoked);
    assert_int_equal (u->grants [1].granted_ms, 1793577600000LL);  //  2026-11-02
    ingest_contrib_list_clear (&list);
    assert_int_equal (list.n, 0);
    s_read (f, "Patient/p-2", &list);
    assert_int_equal (list.n, 1);
    assert_string_equal (list.uses [0].grants [0].id, "c-2");
    ingest_contrib_list_clear (&list);
    const char *none [] = { "p-3", "p-4", "p-6", "p-9", "p-404" };
    for (size_t i = 0; i < 5; i++) {
        s_read (f, none [i], &list);
        assert_int_equal (list.n, 0);
        ingest_contrib_list_clear (&list);
    }
}

static void
test_query_again_and_end (void **state)
{
    fixture_t *f = *state;
    s_grant (f, s_consent ("c-1", "Patient/p-1", "active", "2026-11-01T00:00:00Z",
                           "Organization/hospital-a"));
    //  A query names no study: the site's grant permits it.
    proto_study_t q = { .name = "q", .query = "count(by=y)" };
    assert_int_equal (s_record (f, "q-1", &q, NULL, NOW), 0);
    //  The same id accepted again later (a coordinator that restarted),
    //  when p-3 consents too: one use, the first time, both patients.
    s_grant (f, s_consent ("c-3", "Patient/p-3", "active", "2026-11-01T00:00:00Z",
                           "Organization/hospital-a"));
    assert_int_equal (s_record (f, "q-1", &q, NULL, NOW + 60000), 0);
    assert_int_equal (s_record (f, "s-2", SEPSIS, NULL, NOW + 120000), 0);
    ingest_contrib_list_t list;
    s_read (f, "p-3", &list);
    assert_int_equal (list.n, 2);
    const ingest_contrib_t *u = &list.uses [0];
    assert_string_equal (u->id, "q-1");
    assert_string_equal (u->kind, "query");
    assert_string_equal (u->name, "count(by=y)");
    assert_null (u->analyst);
    assert_null (u->study_ref);
    assert_string_equal (u->purpose, "HRESCH");
    assert_int_equal (u->accepted_ms, NOW);
    assert_string_equal (list.uses [1].id, "s-2");
    ingest_contrib_list_clear (&list);
    //  The end: completed after round 4 with the detail; another stopped;
    //  one never recorded is left alone.
    assert_int_equal (ingest_contrib_end (f->store, "q-1", 4, true, "done", NOW + 5000), 0);
    assert_int_equal (ingest_contrib_end (f->store, "s-2", 1, false, NULL, NOW + 6000), 0);
    assert_int_equal (ingest_contrib_end (f->store, "nobody", 1, true, "x", NOW), 0);
    s_read (f, "p-1", &list);
    assert_int_equal (list.n, 2);
    assert_string_equal (list.uses [0].status, "completed");
    assert_int_equal (list.uses [0].last_round, 4);
    assert_int_equal (list.uses [0].ended_ms, NOW + 5000);
    assert_string_equal (list.uses [0].detail, "done");
    assert_string_equal (list.uses [1].status, "stopped");
    assert_null (list.uses [1].detail);
    ingest_contrib_list_clear (&list);
    assert_int_equal (ingest_contrib_end (NULL, "q-1", 1, true, "", NOW), -1);
}

static void
test_revocation_shown (void **state)
{
    fixture_t *f = *state;
    s_grant (f, s_consent ("c-1", "Patient/p-1", "active", "2026-11-01T00:00:00Z",
                           "Organization/hospital-a"));
    s_grant (f, s_consent ("c-3", "Patient/p-3", "active", "2026-11-01T00:00:00Z",
                           "Organization/hospital-a"));
    assert_int_equal (s_record (f, "s-1", SEPSIS, NULL, NOW), 0);
    //  p-1 revokes after the use: the use stays, the revocation is shown.
    s_grant (f, s_consent ("c-1", "Patient/p-1", "inactive", "2026-11-25T00:00:00Z",
                           "Organization/hospital-a"));
    ingest_contrib_list_t list;
    s_read (f, "p-1", &list);
    assert_int_equal (list.n, 1);
    assert_int_equal (list.uses [0].n_grants, 1);
    const ingest_contrib_grant_t *g = &list.uses [0].grants [0];
    assert_true (g->revoked && g->held);
    assert_int_equal (g->granted_ms, 1793491200000LL);        //  2026-11-01
    assert_int_equal (g->revoked_ms, 1795564800000LL);        //  2026-11-25
    ingest_contrib_list_clear (&list);
    s_read (f, "p-3", &list);
    assert_false (list.uses [0].grants [0].revoked);
    ingest_contrib_list_clear (&list);
    //  A later study does not use p-1's records.
    assert_int_equal (s_record (f, "s-2", SEPSIS, NULL, NOW + 1000), 0);
    s_read (f, "p-1", &list);
    assert_int_equal (list.n, 1);
    ingest_contrib_list_clear (&list);
}

static void
test_audit (void **state)
{
    fixture_t *f = *state;
    s_grant (f, s_consent ("c-1", "Patient/p-1", "active", "2026-11-01T00:00:00Z",
                           "Organization/hospital-a"));
    assert_int_equal (s_record (f, "s-1", SEPSIS, NULL, NOW), 0);
    ingest_contrib_list_t list;
    s_read (f, "p-1", &list);
    ingest_contrib_list_clear (&list);
    //  The read appended through a handle of its own: the size is read again.
    audit_log_destroy (&f->log);
    assert_non_null (f->log = audit_log_open (f->audit, NULL));
    assert_int_equal (support_audit_count (f->log, "contributions.record"), 1);
    assert_int_equal (support_audit_count (f->log, "contributions.read"), 1);
    for (uint64_t i = 0; i < audit_log_size (f->log); i++) {
        char *entry = audit_log_entry_json (f->log, i);
        assert_non_null (entry);
        if (strstr (entry, "contributions.record")) {
            assert_non_null (strstr (entry, "site:hospital-a"));
            assert_non_null (strstr (entry, "\\\"patients\\\":1,\\\"grants\\\":1"));
            assert_null (strstr (entry, "p-1"));
        }
        if (strstr (entry, "contributions.read")) {
            assert_non_null (strstr (entry, "operator:tester"));
            assert_non_null (strstr (entry, "patient_sha256"));
            assert_non_null (strstr (entry, "\\\"uses\\\":1"));
            assert_null (strstr (entry, "p-1"));
        }
        free (entry);
    }
    //  The log is created with its origin when missing.
    char other [160];
    support_path (other, sizeof other, f->dir, "new-audit.db");
    assert_int_equal (ingest_contrib_read (f->store, other, ORIGIN, NULL, "p-1", &list), 0);
    assert_int_equal (list.n, 1);
    ingest_contrib_list_clear (&list);
}

static void
test_bad_input (void **state)
{
    fixture_t *f = *state;
    char ref [80];
    assert_int_equal (ingest_contrib_patient (ref, sizeof ref, "p-1.a"), 0);
    assert_string_equal (ref, "Patient/p-1.a");
    assert_int_equal (ingest_contrib_patient (ref, sizeof ref, "Patient/X9"), 0);
    assert_string_equal (ref, "Patient/X9");
    char long_id [80];
    memset (long_id, 'a', 65);
    long_id [65] = 0;
    const char *bad [] = { "", "Patient/", "p 1", "p_1", "Patient/Patient/p-1", long_id,
                           "Group/g-1" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        assert_int_equal (ingest_contrib_patient (ref, sizeof ref, bad [i]), -1);
        assert_non_null (strstr (util_last_error (), "not Patient/<id> with a FHIR id"));
    }
    long_id [64] = 0;
    assert_int_equal (ingest_contrib_patient (ref, sizeof ref, long_id), 0);
    assert_int_equal (ingest_contrib_patient (ref, 10, "p-1234567"), -1);
    ingest_contrib_list_t list;
    assert_int_equal (ingest_contrib_read (f->store, f->audit, NULL, "t", "p 1", &list), -1);
    assert_int_equal (list.n, 0);
    //  No audit log: refused.
    assert_int_equal (ingest_contrib_read (f->store, NULL, NULL, "t", "p-1", &list), -1);
    assert_non_null (strstr (util_last_error (), "every lookup is audited"));
    char missing [160];
    support_path (missing, sizeof missing, f->dir, "missing.db");
    assert_int_equal (ingest_contrib_read (f->store, missing, NULL, "t", "p-1", &list), -1);
    //  A store that does not exist, or is not an ingest store.
    assert_int_equal (ingest_contrib_read (missing, f->audit, NULL, "t", "p-1", &list), -1);
    assert_non_null (strstr (util_last_error (), "missing.db"));
    char other [160];
    support_path (other, sizeof other, f->dir, "other.db");
    sqlite3 *db = NULL;
    assert_int_equal (util_sqlite_open (&db, other, true), 0);
    assert_int_equal (util_sqlite_exec (db, other, "CREATE TABLE t (x)"), 0);
    sqlite3_close (db);
    assert_int_equal (ingest_contrib_read (other, f->audit, NULL, "t", "p-1", &list), -1);
    assert_non_null (strstr (util_last_error (), "not an ingest store"));
    assert_int_equal (ingest_contrib_read (f->store, f->audit, NULL, "", "p-1", &list), -1);
    assert_non_null (strstr (util_last_error (), "operator"));
    //  A column the data does not have: nothing is recorded.
    s_grant (f, s_consent ("c-1", "Patient/p-1", "active", "2026-11-01T00:00:00Z",
                           "Organization/hospital-a"));
    f->src.patient_column = "patient";
    assert_int_equal (s_record (f, "s-1", SEPSIS, NULL, NOW), -1);
    assert_non_null (strstr (util_last_error (), "no patient column 'patient'"));
    //  No patient column: the dataset is used whole, nobody is recorded.
    f->src.patient_column = NULL;
    assert_int_equal (s_record (f, "s-1", SEPSIS, NULL, NOW), 0);
    f->src.patient_column = "pid";
    s_read (f, "p-1", &list);
    assert_int_equal (list.n, 0);
    ingest_contrib_list_clear (&list);
    assert_int_equal (s_record (f, "", SEPSIS, NULL, NOW), -1);
    assert_int_equal (s_record (f, NULL, SEPSIS, NULL, NOW), -1);
    assert_int_equal (support_audit_count (f->log, "contributions.record"), 0);
    //  A grant store that cannot be opened.
    f->src.grant_store = "/nonexistent/dir/ingest.db";
    assert_int_equal (s_record (f, "s-1", SEPSIS, NULL, NOW), -1);
    assert_non_null (strstr (util_last_error (), "contributions"));
    ingest_contrib_list_clear (NULL);
}

//  Out of memory at each allocation in turn of a record and a read: -1
//  with UTIL_ENOMEM, nothing recorded or shown short, nothing leaked (the
//  sanitizer build checks), until each succeeds.
static void
test_out_of_memory (void **state)
{
    fixture_t *f = *state;
    s_grant (f, s_consent ("c-1", "Patient/p-1", "active", "2026-11-01T00:00:00Z",
                           "Organization/hospital-a"));
    s_grant (f, s_consent ("c-3", "Patient/p-3", "active", "2026-11-01T00:00:00Z",
                           "Organization/hospital-a"));
    int rc = -1;
    long n;
    for (n = 0; n < 400 && rc; n++) {
        util_alloc_fail_after (n);
        rc = s_record (f, "s-1", SEPSIS, "alice", NOW);
        util_alloc_fail_after (-1);
        if (rc) {
            assert_int_equal (util_last_code (), UTIL_ENOMEM);
            ingest_contrib_list_t list;
            s_read (f, "p-1", &list);
            assert_int_equal (list.n, 0);
        }
    }
    assert_int_equal (rc, 0);
    assert_true (n > 5);
    assert_int_equal (ingest_contrib_end (f->store, "s-1", 2, true, "done", NOW), 0);
    ingest_contrib_list_t list;
    rc = -1;
    for (n = 0; n < 400 && rc; n++) {
        util_alloc_fail_after (n);
        rc = ingest_contrib_read (f->store, f->audit, NULL, "tester", "p-3", &list);
        util_alloc_fail_after (-1);
        if (rc) {
            assert_int_equal (util_last_code (), UTIL_ENOMEM);
            assert_int_equal (list.n, 0);
            assert_null (list.uses);
        }
    }
    assert_int_equal (rc, 0);
    assert_true (n > 5);
    assert_int_equal (list.n, 1);
    assert_int_equal (list.uses [0].n_grants, 1);
    assert_string_equal (list.uses [0].detail, "done");
    ingest_contrib_list_clear (&list);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_record_and_list, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_query_again_and_end, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_revocation_shown, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_audit, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bad_input, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_out_of_memory, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
