/*  Unit tests for site/contrib.c: an accepted offer recorded with the
    patients of the dataset's training and test files (a study) or its
    file alone (a query), the analyst named by the offer's certificate (or
    unknown when it does not open), a dataset without a patient column left
    alone, a file that does not load refused, and the end recorded. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "site/contrib.h"
#include "ingest/contrib.h"
#include "util/error.h"
#include "support_dir.h"
#include "support_file.h"
#include "support_ingest.h"
#include "support_role.h"

typedef struct {
    char dir [SUPPORT_DIR_MAX], store [128], audit [128], train [128], test [128];
    char *cert;                     //  alice's analyst certificate
    site_config_t cfg;
    site_dataset_t ds;
} fixture_t;

//  A grant of `patient` for hospital-a, valid from 2026 to 2099 (the site
//  judges grants at the current time).
static void
s_grant (ingest_grants_t *grants, const audit_signer_t *authority, const char *id,
         const char *patient)
{
    char buf [2048];
    support_consent_t c = { .id = id, .patient = patient, .end = "2099-01-01T00:00:00Z" };
    assert_int_equal (support_ingest_grant (grants, authority, support_consent (buf, sizeof buf,
                                                                                &c),
                                            SUPPORT_INGEST_NOW), INGEST_GRANT_OK);
}

//  Training rows of p-1 and p-2, test rows of p-3; p-1, p-3 and p-4
//  consent.
static int
s_setup (void **state)
{
    fixture_t *f = support_fixture_new (state, sizeof *f, "site-contrib");
    if (!f)
        return -1;
    support_path (f->store, sizeof f->store, f->dir, "ingest.db");
    support_path (f->audit, sizeof f->audit, f->dir, "audit.db");
    support_path (f->train, sizeof f->train, f->dir, "train.csv");
    support_path (f->test, sizeof f->test, f->dir, "test.csv");
    support_file_write (f->train, "pid,x,y\np-1,1,0\np-2,2,1\n", 0600);
    support_file_write (f->test, "pid,x,y\nPatient/p-3,3,0\n", 0600);
    ingest_grants_t *grants = ingest_grants_open (f->store, NULL);
    assert_non_null (grants);
    audit_signer_t *authority = support_ingest_authority (grants);
    s_grant (grants, authority, "c-1", "Patient/p-1");
    s_grant (grants, authority, "c-3", "Patient/p-3");
    s_grant (grants, authority, "c-4", "Patient/p-4");
    audit_signer_destroy (&authority);
    ingest_grants_destroy (&grants);
    char key [SUPPORT_CURVE_KEY_TEXT], path [256];
    support_curve_cert (f->dir, "alice", NULL, key);
    support_role_cert (f->dir, "alice", PROTO_ROLE_ANALYST, 0, key, 1);
    f->cert = support_file_read (support_path (path, sizeof path, f->dir, "alice.role"), NULL);
    f->cfg.admin = audit_verifier_load (support_path (path, sizeof path, f->dir, "admin.pub"));
    assert_non_null (f->cfg.admin);
    f->ds = (site_dataset_t) { .name = "d", .path = f->train, .test_path = f->test,
                               .patient_column = "pid", .grant_store = f->store,
                               .grant_site = "Organization/hospital-a" };
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    free (f->cert);
    audit_verifier_destroy (&f->cfg.admin);
    return support_fixture_teardown (state);
}

//  The uses of `patient` (audited into the fixture's log, created here).
static size_t
s_uses (fixture_t *f, const char *patient, ingest_contrib_list_t *list)
{
    assert_int_equal (ingest_contrib_read (f->store, f->audit, "test.example/site", "t",
                                           patient, list), 0);
    return list->n;
}

static int
s_offer (fixture_t *f, const char *id, const proto_study_t *study, const char *cert)
{
    Cohort__StudyOffer offer = COHORT__STUDY_OFFER__INIT;
    offer.analyst_cert = (char *) cert;
    proto_msg_t msg = COHORT__ENVELOPE__INIT;
    msg.body_case = COHORT__ENVELOPE__BODY_OFFER;
    msg.offer = &offer;
    msg.study_id = (char *) id;
    return site_contrib_record (&f->cfg, &f->ds, study, &msg, NULL);
}

static void
test_study_and_query (void **state)
{
    fixture_t *f = *state;
    proto_study_t study = { .name = "risk", .id = "risk", .purpose = "HRESCH" };
    assert_int_equal (s_offer (f, "s-1", &study, f->cert), 0);
    //  A query reads the training file alone.
    proto_study_t query = { .name = "q", .query = "count()" };
    assert_int_equal (s_offer (f, "q-1", &query, ""), 0);
    ingest_contrib_list_t list;
    assert_int_equal (s_uses (f, "p-1", &list), 2);
    assert_string_equal (list.uses [0].id, "s-1");
    assert_string_equal (list.uses [0].analyst, "alice");
    assert_string_equal (list.uses [0].status, "accepted");
    assert_string_equal (list.uses [1].id, "q-1");
    assert_string_equal (list.uses [1].kind, "query");
    assert_null (list.uses [1].analyst);
    ingest_contrib_list_clear (&list);
    assert_int_equal (s_uses (f, "p-3", &list), 1);
    assert_string_equal (list.uses [0].id, "s-1");
    ingest_contrib_list_clear (&list);
    //  p-2 has no grant, p-4 no row.
    assert_int_equal (s_uses (f, "p-2", &list), 0);
    assert_int_equal (s_uses (f, "p-4", &list), 0);
    //  The end.
    Cohort__RoundResult result = COHORT__ROUND_RESULT__INIT;
    result.ok = true;
    result.final = true;
    result.detail = "finished";
    assert_int_equal (site_contrib_end (&f->ds, "s-1", 3, &result), 0);
    assert_int_equal (s_uses (f, "p-3", &list), 1);
    assert_string_equal (list.uses [0].status, "completed");
    assert_int_equal (list.uses [0].last_round, 3);
    assert_string_equal (list.uses [0].detail, "finished");
    assert_true (list.uses [0].ended_ms > 0);
    ingest_contrib_list_clear (&list);
    //  A certificate that does not open: the analyst is unknown.
    assert_int_equal (s_offer (f, "s-2", &study, "not a certificate"), 0);
    assert_int_equal (s_uses (f, "p-1", &list), 3);
    assert_null (list.uses [2].analyst);
    ingest_contrib_list_clear (&list);
}

static void
test_no_column_and_errors (void **state)
{
    fixture_t *f = *state;
    proto_study_t study = { .name = "risk", .id = "risk", .purpose = "HRESCH" };
    Cohort__RoundResult result = COHORT__ROUND_RESULT__INIT;
    //  Without a patient column nothing is recorded, nothing is needed.
    f->ds.patient_column = NULL;
    f->ds.path = "/nonexistent/train.csv";
    assert_int_equal (s_offer (f, "s-1", &study, ""), 0);
    assert_int_equal (site_contrib_end (&f->ds, "s-1", 1, &result), 0);
    assert_int_equal (site_contrib_end (NULL, "s-1", 1, &result), 0);
    //  A file that does not load: refused, naming the dataset.
    f->ds.patient_column = "pid";
    assert_int_equal (s_offer (f, "s-1", &study, ""), -1);
    assert_non_null (strstr (util_last_error (), "contributions: dataset d"));
    f->ds.path = f->train;
    f->ds.test_path = "/nonexistent/test.csv";
    assert_int_equal (s_offer (f, "s-1", &study, ""), -1);
    ingest_contrib_list_t list;
    assert_int_equal (s_uses (f, "p-1", &list), 0);
    //  A query does not read the test file.
    proto_study_t query = { .name = "q", .query = "count()" };
    assert_int_equal (s_offer (f, "q-1", &query, ""), 0);
    assert_int_equal (s_uses (f, "p-1", &list), 1);
    ingest_contrib_list_clear (&list);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_study_and_query, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_no_column_and_errors, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
