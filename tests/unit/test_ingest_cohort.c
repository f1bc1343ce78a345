/*  Unit tests for ingest/cohort.c: a dataset's rows filtered through the
    grant store for (study id, purpose, site, time): permits for the site or
    the study, other sites, deny provisions, revocation, patients without a
    grant, both patient spellings; the study named by its declared id and
    purpose, never its name; a code denied; no patient column; every
    error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/cohort.h"
#include "util/error.h"
#include "ingest/grants.h"
#include "support_dir.h"
#include "support_ingest.h"

#define NOW SUPPORT_INGEST_NOW

//  A study as proto_study_parse leaves it: a name, perhaps an id, and
//  its purpose.
#define STUDY(name_, id_, purpose_) \
    (&(proto_study_t) { .name = (char *) (name_), .id = (char *) (id_), .purpose = (purpose_) })
#define SEPSIS STUDY ("sepsis", "sepsis", "HRESCH")
#define OTHER  STUDY ("other", "other", "HRESCH")

typedef struct {
    char dir [SUPPORT_DIR_MAX], path [128];
    audit_signer_t *authority;
    ingest_grants_t *grants;
    model_csv_t *csv;
    model_dataset_t *rows;
    ingest_cohort_source_t ds;
} fixture_t;

//  A consent valid through November and December 2026 (a static buffer).
static const char *
s_consent (const char *id, const char *patient, const char *status, const char *date,
           const char *type, const char *actor)
{
    static char buf [2048];
    support_consent_t c = { .id = id, .patient = patient, .status = status, .date = date,
                            .type = type, .start = "2026-11-01T00:00:00Z",
                            .end = "2027-01-01T00:00:00Z", .actor = actor };
    return support_consent (buf, sizeof buf, &c);
}

static void
s_grant (fixture_t *f, const char *consent)
{
    assert_int_equal (support_ingest_grant (f->grants, f->authority, consent, NOW),
                      INGEST_GRANT_OK);
}

//  Rows: p-1, Patient/p-2, p-3, p-4, p-1, p-6, p-7 (label y, feature x =
//  the row number).
static int
s_setup (void **state)
{
    fixture_t *f = support_fixture_new (state, sizeof *f, "cohort");
    if (!f)
        return -1;
    support_path (f->path, sizeof f->path, f->dir, "ingest.db");
    if (!(f->grants = ingest_grants_open (f->path, NULL)))
        return -1;
    f->authority = support_ingest_authority (f->grants);
    static const char data [] =
        "pid,x,y\np-1,1,0\nPatient/p-2,2,1\np-3,3,0\np-4,4,1\np-1,5,1\np-6,6,0\np-7,7,1\n";
    if (model_csv_parse (&f->csv, "d.csv", data, sizeof data - 1, 0))
        return -1;
    const char *features [] = { "x" };
    model_load_spec_t spec = { .label = "y", .features = features, .n_features = 1 };
    if (model_dataset_load (&f->rows, f->csv, &spec, NULL))
        return -1;
    f->ds = (ingest_cohort_source_t) { .name = "d", .patient_column = "pid",
                                       .grant_store = f->path,
                                       .grant_site = "Organization/hospital-a" };
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    ingest_grants_destroy (&f->grants);
    audit_signer_destroy (&f->authority);
    model_dataset_destroy (&f->rows);
    model_csv_destroy (&f->csv);
    return support_fixture_teardown (state);
}

#define DATE "2026-11-01T00:00:00Z"

static void
test_rules (void **state)
{
    fixture_t *f = *state;
    //  p-1: this site; p-2: the study; p-3: another site; p-4: revoked;
    //  p-6: a deny; p-7: no grant.
    s_grant (f, s_consent ("c-1", "Patient/p-1", "active", DATE, "permit",
                           "Organization/hospital-a"));
    s_grant (f, s_consent ("c-2", "Patient/p-2", "active", DATE, "permit",
                           "ResearchStudy/sepsis"));
    s_grant (f, s_consent ("c-3", "Patient/p-3", "active", DATE, "permit",
                           "Organization/hospital-b"));
    s_grant (f, s_consent ("c-4", "Patient/p-4", "active", DATE, "permit",
                           "Organization/hospital-a"));
    s_grant (f, s_consent ("c-4", "Patient/p-4", "inactive", "2026-11-10T00:00:00Z", "permit",
                           "Organization/hospital-a"));
    s_grant (f, s_consent ("c-6", "Patient/p-6", "active", DATE, "deny",
                           "Organization/hospital-a"));
    assert_int_equal (ingest_cohort_filter (&f->rows, f->csv, &f->ds, SEPSIS, NOW), 0);
    assert_int_equal (f->rows->n, 3);
    double x [3];
    for (size_t i = 0; i < 3; i++)
        x [i] = gsl_matrix_get (f->rows->X, i, 0);
    assert_true (x [0] == 1 && x [1] == 2 && x [2] == 5);
    //  Revoking p-1 leaves the study's own grant.
    model_dataset_t *again = NULL;
    const char *features [] = { "x" };
    model_load_spec_t spec = { .label = "y", .features = features, .n_features = 1 };
    s_grant (f, s_consent ("c-1", "Patient/p-1", "inactive", "2026-11-10T00:00:00Z", "permit",
                           "Organization/hospital-a"));
    assert_int_equal (model_dataset_load (&again, f->csv, &spec, NULL), 0);
    assert_int_equal (ingest_cohort_filter (&again, f->csv, &f->ds, SEPSIS, NOW), 0);
    assert_int_equal (again->n, 1);
    assert_true (gsl_matrix_get (again->X, 0, 0) == 2);
    model_dataset_destroy (&again);
    //  Another study: no row left, declined with the reason.
    assert_int_equal (model_dataset_load (&again, f->csv, &spec, NULL), 0);
    assert_int_equal (ingest_cohort_filter (&again, f->csv, &f->ds, OTHER, NOW), -1);
    assert_non_null (strstr (util_last_error (), "consent: no row of dataset d"));
    assert_int_equal (again->n, 7);
    model_dataset_destroy (&again);
    //  After the grants' period (its end includes the second it names):
    //  nothing.
    assert_int_equal (model_dataset_load (&again, f->csv, &spec, NULL), 0);
    assert_int_equal (ingest_cohort_filter (&again, f->csv, &f->ds, SEPSIS,
                                          1798761600000LL + 1000), -1);
    model_dataset_destroy (&again);
}

//  A research consent of `patient` that names no actor, or (with
//  `actor`) no purpose (a static buffer).
static const char *
s_open_consent (const char *id, const char *patient, const char *actor)
{
    static char buf [2048];
    char actors [160] = "";
    if (actor)
        snprintf (actors, sizeof actors, "\"actor\":[{\"reference\":{\"reference\":"
                  "\"%s\"}}]", actor);
    int n = snprintf (buf, sizeof buf,
        "{\"resourceType\":\"Consent\",\"id\":\"%s\",\"status\":\"active\","
        "\"scope\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/"
        "consentscope\",\"code\":\"research\"}]},\"patient\":{\"reference\":\"%s\"},"
        "\"dateTime\":\"" DATE "\",\"provision\":{\"type\":\"permit\",\"period\":"
        "{\"start\":\"2026-11-01T00:00:00Z\",\"end\":\"2027-01-01T00:00:00Z\"},%s}}",
        id, patient, actor? actors
        : "\"purpose\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActReason\","
          "\"code\":\"HRESCH\"}]");
    assert_true (n > 0 && (size_t) n < sizeof buf);
    return buf;
}

//  The rows of ingest_cohort_rows for the study, as "0,4" (indexes), or
//  "declined".
static const char *
s_rows (fixture_t *f, const ingest_cohort_source_t *ds, const proto_study_t *study)
{
    static char out [64];
    size_t *rows = NULL, n = 0;
    if (ingest_cohort_rows (f->csv, ds, study, NOW, &rows, &n)) {
        assert_null (rows);
        return "declined";
    }
    out [0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf (out + strlen (out), sizeof out - strlen (out), "%s%zu", i? ",": "", rows [i]);
    free (rows);
    return out;
}

//  Research consents that name no study (p-6: no actor) or no purpose
//  (p-7: this site, no purpose) count only for a source with
//  open_research, as the site's ingest/open_research sets it.
static void
test_open_research (void **state)
{
    fixture_t *f = *state;
    s_grant (f, s_open_consent ("c-6", "Patient/p-6", NULL));
    s_grant (f, s_open_consent ("c-7", "Patient/p-7", "Organization/hospital-a"));
    s_grant (f, s_consent ("c-2", "Patient/p-2", "active", DATE, "permit",
                           "ResearchStudy/sepsis"));
    ingest_cohort_source_t ds = f->ds;
    assert_false (ds.open_research);
    assert_string_equal (s_rows (f, &ds, SEPSIS), "1");
    assert_string_equal (s_rows (f, &ds, OTHER), "declined");
    ds.open_research = true;
    assert_string_equal (s_rows (f, &ds, SEPSIS), "1,5,6");
    assert_string_equal (s_rows (f, &ds, OTHER), "5,6");
    //  The filter reads the same flag.
    assert_int_equal (ingest_cohort_filter (&f->rows, f->csv, &ds, OTHER, NOW), 0);
    assert_int_equal (f->rows->n, 2);
}

//  The study is the id and purpose its definition declares: a consent
//  naming ResearchStudy/sepsis does not reach a study merely named
//  "sepsis" (no id), nor one with that id for another purpose; a consent
//  that permits the study but denies a code keeps the patient's rows out
//  (a dataset's rows carry no LOINC code, so the deny may cover them).
static void
test_study_binding (void **state)
{
    fixture_t *f = *state;
    //  p-1: this site (HRESCH); p-2: the study (HRESCH); p-3: the study for
    //  clinical-trial research; p-4: the study, glucose denied from now.
    s_grant (f, s_consent ("c-1", "Patient/p-1", "active", DATE, "permit",
                           "Organization/hospital-a"));
    s_grant (f, s_consent ("c-2", "Patient/p-2", "active", DATE, "permit",
                           "ResearchStudy/sepsis"));
    static char buf [2048];
    support_consent_t c = { .id = "c-3", .patient = "Patient/p-3", .date = DATE,
                            .actor = "ResearchStudy/sepsis", .purpose = "CLINTRCH" };
    s_grant (f, support_consent (buf, sizeof buf, &c));
    c = (support_consent_t) { .id = "c-4", .patient = "Patient/p-4", .date = DATE,
                              .actor = "ResearchStudy/sepsis", .deny = "2339-0",
                              .deny_from = "2026-11-01T00:00:00Z" };
    s_grant (f, support_consent (buf, sizeof buf, &c));
    assert_string_equal (s_rows (f, &f->ds, SEPSIS), "0,1,4");
    //  The name is not the id: only the site's permit counts.
    assert_string_equal (s_rows (f, &f->ds, STUDY ("sepsis", NULL, "HRESCH")), "0,4");
    assert_string_equal (s_rows (f, &f->ds, STUDY ("other", "sepsis", "HRESCH")), "0,1,4");
    //  The declared purpose must be the consents' purpose.
    assert_string_equal (s_rows (f, &f->ds, STUDY ("sepsis", "sepsis", "CLINTRCH")), "2");
    assert_string_equal (s_rows (f, &f->ds, STUDY ("sepsis", "sepsis", "DSRCH")), "declined");
    assert_non_null (strstr (util_last_error (), "grant permits ResearchStudy/sepsis (purpose "
                             "DSRCH) at Organization/hospital-a"));
    assert_string_equal (s_rows (f, &f->ds, STUDY ("x", NULL, "DSRCH")), "declined");
    assert_non_null (strstr (util_last_error (), "a study without an id (purpose DSRCH)"));
}

static void
test_no_filter_and_errors (void **state)
{
    fixture_t *f = *state;
    ingest_cohort_source_t ds = f->ds;
    ds.patient_column = NULL;
    assert_int_equal (ingest_cohort_filter (&f->rows, f->csv, &ds, SEPSIS, NOW), 0);
    assert_int_equal (f->rows->n, 7);
    ds = f->ds;
    ds.patient_column = "patient";
    assert_int_equal (ingest_cohort_filter (&f->rows, f->csv, &ds, SEPSIS, NOW), -1);
    assert_non_null (strstr (util_last_error (), "no patient column 'patient'"));
    ds = f->ds;
    ds.grant_store = "/nonexistent/dir/ingest.db";
    assert_int_equal (ingest_cohort_filter (&f->rows, f->csv, &ds, SEPSIS, NOW), -1);
    assert_non_null (strstr (util_last_error (), "consent: "));
    //  No grant at all: declined.
    assert_int_equal (ingest_cohort_filter (&f->rows, f->csv, &f->ds, SEPSIS, NOW), -1);
    assert_non_null (strstr (util_last_error (), "no row"));
    //  Rows that do not match the records.
    model_dataset_t *two = NULL;
    size_t idx [2] = { 0, 1 };
    two = model_dataset_subset (f->rows, idx, 2);
    assert_non_null (two);
    assert_int_equal (ingest_cohort_filter (&two, f->csv, &f->ds, SEPSIS, NOW), -1);
    assert_non_null (strstr (util_last_error (), "2 rows loaded from 7 records"));
    model_dataset_destroy (&two);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_rules, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_open_research, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_study_binding, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_no_filter_and_errors, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
