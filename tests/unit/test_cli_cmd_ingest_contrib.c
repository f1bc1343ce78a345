/*  Unit tests for cli/cmd_ingest_contrib.c: `cohort ingest contributions`,
    run as the built binary over a store whose uses were recorded through
    ingest/contrib.h: the text and JSON lists, a revocation shown, a
    patient nobody's study used, the site.cfg form, each lookup audited,
    and every usage error with its one line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/contrib.h"
#include "support_audit.h"
#include "support_cohort.h"
#include "support_dir.h"
#include "support_file.h"
#include "support_ingest.h"
#include "support_role.h"

typedef support_cohort_fixture_t fixture_t;
#define s_run support_cohort_in

#define ORIGIN "hospital-a.example/audit"

static void
s_grant (ingest_grants_t *g, const audit_signer_t *authority, const char *id,
         const char *patient, const char *status, const char *date)
{
    char buf [2048];
    support_consent_t c = { .id = id, .patient = patient, .status = status, .date = date };
    assert_int_equal (support_ingest_grant (g, authority, support_consent (buf, sizeof buf, &c),
                                            SUPPORT_INGEST_NOW), INGEST_GRANT_OK);
}

//  site.db: p-1 and p-2 consent, and study s-1 ("sepsis risk", analyst
//  alice) used their rows, ending after round 3; then p-2 revoked.
//  audit.db exists.
static int
s_setup (void **state)
{
    fixture_t *f = support_fixture_new (state, sizeof *f, "cli-contrib");
    if (!f)
        return -1;
    char store [256], audit [256];
    support_path (store, sizeof store, f->dir, "site.db");
    support_path (audit, sizeof audit, f->dir, "audit.db");
    ingest_grants_t *g = ingest_grants_open (store, NULL);
    audit_log_t *log = audit_log_open (audit, ORIGIN);
    assert_non_null (g);
    assert_non_null (log);
    audit_signer_t *authority = support_ingest_authority (g);
    s_grant (g, authority, "c-1", "Patient/p-1", "active", "2026-11-01T00:00:00Z");
    s_grant (g, authority, "c-2", "Patient/p-2", "active", "2026-11-01T00:00:00Z");
    static const char data [] = "pid,x\np-1,1\np-2,2\np-3,3\n";
    model_csv_t *csv = NULL;
    assert_int_equal (model_csv_parse (&csv, "d.csv", data, sizeof data - 1, 0), 0);
    ingest_cohort_source_t src = { .name = "breast_cancer", .patient_column = "pid",
                                   .grant_store = store,
                                   .grant_site = "Organization/hospital-a" };
    proto_study_t study = { .name = "sepsis risk", .id = "sepsis", .purpose = "HRESCH" };
    ingest_contrib_use_t use = { .id = "s-1", .study = &study, .analyst = "alice",
                                 .time_ms = SUPPORT_INGEST_NOW };
    const model_csv_t *csvs [1] = { csv };
    assert_int_equal (ingest_contrib_record (&src, &use, csvs, 1, log), 0);
    assert_int_equal (ingest_contrib_end (store, "s-1", 3, true, "done",
                                          SUPPORT_INGEST_NOW + 60000), 0);
    s_grant (g, authority, "c-2", "Patient/p-2", "inactive", "2026-11-25T00:00:00Z");
    model_csv_destroy (&csv);
    audit_signer_destroy (&authority);
    audit_log_destroy (&log);
    ingest_grants_destroy (&g);
    return 0;
}

#define STORE "--store site.db --audit audit.db"

static void
test_text (void **state)
{
    fixture_t *f = *state;
    assert_int_equal (s_run (f, "ingest contributions --patient p-1 " STORE), 0);
    assert_string_equal (f->out,
        "Patient/p-1: 1 use of their records at this site\n"
        "\n"
        "2026-11-22T14:05:00Z  study s-1 \"sepsis risk\"\n"
        "    analyst alice, dataset breast_cancer, purpose HRESCH, for ResearchStudy/sepsis\n"
        "    under grant c-1 (granted 2026-11-01T00:00:00Z): in force\n"
        "    completed 2026-11-22T14:06:00Z after round 3: done\n");
    assert_int_equal (s_run (f, "ingest contributions --patient Patient/p-2 " STORE), 0);
    assert_non_null (strstr (f->out, "under grant c-2 (granted 2026-11-01T00:00:00Z): revoked "
                                     "2026-11-25T00:00:00Z\n"));
    //  A patient whose records no study used (p-3 has no grant; p-9 is
    //  unknown): said plainly, exit 0.
    assert_int_equal (s_run (f, "ingest contributions --patient p-3 " STORE), 0);
    assert_string_equal (f->out, "no study or query used Patient/p-3's records at this site\n");
    assert_int_equal (s_run (f, "ingest contributions --patient p-9 " STORE), 0);
    assert_non_null (strstr (f->out, "no study or query used Patient/p-9's"));
    //  Every lookup audited, none naming the patient in clear.
    char audit [256];
    audit_log_t *log = audit_log_open (support_path (audit, sizeof audit, f->dir, "audit.db"),
                                       NULL);
    assert_non_null (log);
    assert_int_equal (support_audit_count (log, "contributions.read"), 4);
    for (uint64_t i = 0; i < audit_log_size (log); i++) {
        char *entry = audit_log_entry_json (log, i);
        assert_non_null (entry);
        if (strstr (entry, "contributions.read"))
            assert_null (strstr (entry, "p-"));
        free (entry);
    }
    audit_log_destroy (&log);
}

static void
test_json (void **state)
{
    fixture_t *f = *state;
    assert_int_equal (s_run (f, "ingest contributions --patient p-2 --json " STORE), 0);
    json_t *o = json_loads (f->out, 0, NULL);
    assert_non_null (o);
    assert_string_equal (json_string_value (json_object_get (o, "patient")), "Patient/p-2");
    json_t *uses = json_object_get (o, "uses");
    assert_int_equal (json_array_size (uses), 1);
    json_t *u = json_array_get (uses, 0);
    assert_string_equal (json_string_value (json_object_get (u, "id")), "s-1");
    assert_string_equal (json_string_value (json_object_get (u, "kind")), "study");
    assert_string_equal (json_string_value (json_object_get (u, "name")), "sepsis risk");
    assert_string_equal (json_string_value (json_object_get (u, "analyst")), "alice");
    assert_string_equal (json_string_value (json_object_get (u, "accepted")),
                         "2026-11-22T14:05:00Z");
    assert_string_equal (json_string_value (json_object_get (u, "status")), "completed");
    assert_string_equal (json_string_value (json_object_get (u, "ended")),
                         "2026-11-22T14:06:00Z");
    assert_int_equal (json_integer_value (json_object_get (u, "last_round")), 3);
    json_t *g = json_array_get (json_object_get (u, "grants"), 0);
    assert_string_equal (json_string_value (json_object_get (g, "id")), "c-2");
    assert_true (json_is_true (json_object_get (g, "revoked")));
    assert_string_equal (json_string_value (json_object_get (g, "revoked_at")),
                         "2026-11-25T00:00:00Z");
    json_decref (o);
    assert_int_equal (s_run (f, "ingest contributions --patient p-1 --json " STORE), 0);
    o = json_loads (f->out, 0, NULL);
    g = json_array_get (json_object_get (json_array_get (json_object_get (o, "uses"), 0),
                                         "grants"), 0);
    assert_true (json_is_false (json_object_get (g, "revoked")));
    assert_true (json_is_null (json_object_get (g, "revoked_at")));
    json_decref (o);
    assert_int_equal (s_run (f, "ingest contributions --patient p-3 --json " STORE), 0);
    o = json_loads (f->out, 0, NULL);
    assert_int_equal (json_array_size (json_object_get (o, "uses")), 0);
    json_decref (o);
}

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
              "        audit = new-audit.db\n        audit_origin = " ORIGIN "\n");
    support_file_put (f->dir, "site.cfg", text, 0600);
    snprintf (text, sizeof text, site, role, "");
    support_file_put (f->dir, "plain.cfg", text, 0600);
    //  The store and the audit log the config names (created with its
    //  origin).
    assert_int_equal (s_run (f, "ingest contributions --config site.cfg --patient p-1"), 0);
    assert_non_null (strstr (f->out, "study s-1 \"sepsis risk\""));
    assert_int_equal (s_run (f, "audit verify --log new-audit.db"), 0);
    assert_non_null (strstr (f->out, "1 entries"));
    assert_int_equal (s_run (f, "ingest contributions --config plain.cfg --patient p-1"), 1);
    assert_non_null (strstr (f->out, "no ingest section"));
    assert_int_equal (s_run (f, "ingest contributions --config missing.cfg --patient p-1"), 1);
    assert_non_null (strstr (f->out, "missing.cfg"));
}

static void
test_usage (void **state)
{
    fixture_t *f = *state;
    assert_int_equal (s_run (f, "ingest contributions --help"), 0);
    assert_non_null (strstr (f->out, "usage: cohort ingest contributions"));
    assert_int_equal (s_run (f, "ingest --help"), 0);
    assert_non_null (strstr (f->out, "contributions"));
    struct { const char *args, *needle; } bad [] = {
        { STORE, "--patient is required" },
        { "--patient p_1 " STORE, "--patient: patient 'p_1': not Patient/<id>" },
        { "--patient Patient/ " STORE, "not Patient/<id>" },
        { "--patient p-1", "--config or --store is required" },
        { "--patient p-1 --store site.db", "--audit (every lookup is audited) is required" },
        { "--patient p-1 --config site.cfg --store site.db", "give it without --store" },
        { "--patient p-1 --json=yes " STORE, "json" },
        { "--patient p-1 --nosuch " STORE, "nosuch" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        assert_int_equal (s_run (f, "ingest contributions %s", bad [i].args), 2);
        if (!strstr (f->out, bad [i].needle))
            fail_msg ("%s: wanted '%s' in: %s", bad [i].args, bad [i].needle, f->out);
        //  One line.
        assert_non_null (strchr (f->out, '\n'));
    }
    //  Files that are not there: exit 1, naming them.
    assert_int_equal (s_run (f, "ingest contributions --patient p-1 --store nosuch.db"
                                " --audit audit.db"), 1);
    assert_non_null (strstr (f->out, "nosuch.db"));
    assert_int_equal (s_run (f, "ingest contributions --patient p-1 --store site.db"
                                " --audit nosuch-audit.db"), 1);
    assert_non_null (strstr (f->out, "nosuch-audit.db"));
}

int
main (void)
{
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, support_fixture_teardown)
    const struct CMUnitTest tests [] = {
        T (test_text), T (test_json), T (test_site_config), T (test_usage),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
