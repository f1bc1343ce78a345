/*  Unit tests for site/config.c: a full site.cfg and each refusal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "site/config.h"
#include "util/alloc.h"
#include "util/error.h"
#include "support_dir.h"
#include "support_error.h"
#include "support_file.h"
#include "support_role.h"
#include "alloc_walk.h"

static const char *s_good =
    "site\n"
    "    name = hospital-a\n"
    "    index = 2\n"
    "    coordinator = tcp://127.0.0.1:7600\n"
    "    coordinator_cert = ../certs/coordinator.pub\n"
    "    cert = ../certs/a.secret\n"
    "    share = ../keys/share-2.key\n"
    "    public_key = ../keys/paillier.pub\n"
    "    ledger = a.ledger.db\n"
    "    budget\n"
    "        epsilon = 4\n"
    "        delta = 1e-5\n"
    "    dataset\n"
    "        name = bc\n"
    "        path = ../data/a.csv\n"
    "        test_path = ../data/a-test.csv\n"
    "    dataset\n"
    "        name = pima\n"
    "        path = /data/p.csv\n"
    "        test_fraction = 0.25\n";

//  The role certificate lines (support_role.h) of site hospital-a (share 2)
//  and site a (share 1) in the group's folder; the configs below name them
//  by a placeholder cert line, replaced when the file is written.
static char s_dir [SUPPORT_DIR_MAX];
static char s_role_hospital [2048], s_role_a [2048];

static int
s_group_setup (void **state)
{
    (void) state;
    if (support_dir_make (s_dir, sizeof s_dir, "sitecfg"))
        return -1;
    support_role_site (s_dir, "hospital-a", 2, s_role_hospital, sizeof s_role_hospital);
    support_role_site (s_dir, "a", 1, s_role_a, sizeof s_role_a);
    return 0;
}

static int
s_group_teardown (void **state)
{
    (void) state;
    return support_dir_remove (s_dir);
}

//  Writes `text` to a new temporary config, its placeholder cert line
//  replaced by the role lines; path[64] gets its name.
static void
s_temp (char *path, const char *text)
{
    static char full [8192];
    if (strstr (text, "    cert = ../certs/a.secret\n"))
        support_text_replace (full, sizeof full, text, "    cert = ../certs/a.secret\n", s_role_hospital);
    else
    if (strstr (text, "    cert = s_secret\n"))
        support_text_replace (full, sizeof full, text, "    cert = s_secret\n", s_role_a);
    else
        snprintf (full, sizeof full, "%s", text);
    support_file_temp (path, 64, "sitecfg", full);
}

static site_config_t *
s_load (const char *text)
{
    char path [64];
    s_temp (path, text);
    site_config_t *cfg = site_config_load (path);
    unlink (path);
    return cfg;
}

static void
test_good (void **state)
{
    (void) state;
    site_config_t *cfg = s_load (s_good);
    assert_non_null (cfg);
    assert_string_equal (cfg->name, "hospital-a");
    assert_int_equal (cfg->index, 2);
    assert_string_equal (cfg->share, "/tmp/../keys/share-2.key");
    assert_false (cfg->allow_privacy_off);
    assert_int_equal (cfg->min_subset, 0);
    assert_int_equal (cfg->study_idle_s, 86400);
    assert_true (cfg->budget_epsilon == 4);
    assert_int_equal (cfg->n_datasets, 2);
    const site_dataset_t *d = site_config_dataset (cfg, "pima");
    assert_non_null (d);
    assert_string_equal (d->path, "/data/p.csv");
    assert_null (d->test_path);
    assert_true (d->test_fraction == 0.25);
    assert_non_null (site_config_dataset (cfg, "bc")->test_path);
    assert_null (site_config_dataset (cfg, "other"));
    assert_null (cfg->audit);
    assert_null (cfg->audit_origin);
    //  Observability's defaults: no metrics listener, text logs.
    assert_null (cfg->metrics);
    assert_int_equal (cfg->log_format, UTIL_LOG_TEXT);
    site_config_destroy (&cfg);
    assert_null (cfg);
    site_config_destroy (&cfg);
    //  Set: a remote address needs its consent.
    char text [4096];
    support_text_replace (text, sizeof text, s_good, "    ledger = a.ledger.db\n",
                          "    ledger = a.ledger.db\n    metrics = 10.0.0.5:9464\n"
                          "    metrics_allow_remote = true\n    log_format = json\n");
    assert_non_null (cfg = s_load (text));
    assert_string_equal (cfg->metrics, "10.0.0.5:9464");
    assert_true (cfg->metrics_allow_remote);
    assert_int_equal (cfg->log_format, UTIL_LOG_JSON);
    site_config_destroy (&cfg);
}

static void
s_bad (const char *from, const char *to, const char *needle)
{
    char text [4096];
    support_text_replace (text, sizeof text, s_good, from, to);
    site_config_t *cfg = s_load (text);
    support_expect_refused (cfg == NULL, to, needle);
}

static void
test_bad (void **state)
{
    (void) state;
    s_bad ("    ledger = a.ledger.db\n", "    ledger = a.ledger.db\n    metrics = 10.0.0.5:9464\n",
           "site/metrics: '10.0.0.5' is not a loopback address");
    s_bad ("    ledger = a.ledger.db\n", "    ledger = a.ledger.db\n    log_format = JSON\n",
           "site/log_format: 'JSON' is neither 'text' nor 'json'");
    s_bad ("index = 2", "index = 0", "index");
    s_bad ("index = 2", "index = 257", "index");
    s_bad ("index = 2", "index = 1.5", "whole number");
    s_bad ("    ledger = a.ledger.db\n", "", "site/ledger: missing");
    s_bad ("    ledger = a.ledger.db\n", "    ledger = a.db\n    colour = red\n", "unknown key");
    s_bad ("    ledger = a.ledger.db\n", "    ledger = a.db\n    allow_privacy_off = yes\n",
           "allow_privacy_off");
    s_bad ("    ledger = a.ledger.db\n", "    ledger = a.db\n    min_subset = 2.5\n",
           "site/min_subset: not a whole number");
    s_bad ("    ledger = a.ledger.db\n", "    ledger = a.db\n    min_subset = -1\n", "min_subset");
    s_bad ("    ledger = a.ledger.db\n", "    ledger = a.db\n    study_idle_s = 0\n",
           "study_idle_s: '0' is not a number in [1, 2.592e+06]");
    s_bad ("    ledger = a.ledger.db\n", "    ledger = a.db\n    study_idle_s = 2592001\n",
           "study_idle_s: '2592001' is not a number in [1, 2.592e+06]");
    s_bad ("epsilon = 4", "epsilon = 0", "epsilon");
    s_bad ("delta = 1e-5", "delta = 0.9", "delta");
    //  Above PROTO_DELTA_MAX: no budget a dataset could live with.
    s_bad ("delta = 1e-5", "delta = 0.02", "delta: '0.02' is not a number in [1e-300, 0.01]");
    s_bad ("    budget\n        epsilon = 4\n        delta = 1e-5\n", "", "site/budget: missing");
    s_bad ("        test_fraction = 0.25\n", "        test_fraction = 0.95\n", "test_fraction");
    s_bad ("        test_path = ../data/a-test.csv\n",
           "        test_path = t.csv\n        test_fraction = 0.1\n", "exclude each other");
    s_bad ("        path = /data/p.csv\n", "", "needs a name and a path");
    s_bad ("site\n", "coordinator\n", "no 'site' section");
    s_bad ("index = 2", "index = \"2", "not valid ZPL");
    assert_null (site_config_load ("/nonexistent.cfg"));
    assert_non_null (strstr (util_last_error (), "cannot read"));
    //  Over the 1 MiB bound: refused before parsing.
    char path [] = "/tmp/cohort-site-big-XXXXXX";
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    FILE *f = fdopen (fd, "w");
    for (int i = 0; i < (1 << 20) / 64 + 2; i++)
        fprintf (f, "# %061d\n", i);
    fclose (f);
    assert_null (site_config_load (path));
    assert_non_null (strstr (util_last_error (), "larger than"));
    unlink (path);
}

//  The policy section (site/policy.h): its defaults when it is left out,
//  each cap read, and each refusal in one line naming the key.
static void
test_policy (void **state)
{
    (void) state;
    site_config_t *cfg = s_load (s_good);
    assert_non_null (cfg);
    assert_int_equal (cfg->policy.max_params, SITE_POLICY_PARAMS_DEFAULT);
    assert_int_equal (cfg->policy.max_steps, SITE_POLICY_STEPS_DEFAULT);
    assert_int_equal (cfg->policy.max_features, SITE_POLICY_FEATURES_DEFAULT);
    assert_int_equal (cfg->policy.max_hidden, SITE_POLICY_HIDDEN_DEFAULT);
    site_config_destroy (&cfg);
    char text [4096];
    const char *at = "    dataset\n        name = bc\n";
    support_text_replace (text, sizeof text, s_good, at,
                          "    policy\n        max_params = 4194304\n        max_steps = 1\n"
                          "        max_features = 4096\n        max_hidden = 16\n"
                          "    dataset\n        name = bc\n");
    cfg = s_load (text);
    assert_non_null (cfg);
    assert_int_equal (cfg->policy.max_params, SITE_POLICY_PARAMS_MAX);
    assert_int_equal (cfg->policy.max_steps, 1);
    assert_int_equal (cfg->policy.max_features, SITE_POLICY_FEATURES_MAX);
    assert_int_equal (cfg->policy.max_hidden, 16);
    site_config_destroy (&cfg);
    //  One key set, the others their defaults.
    support_text_replace (text, sizeof text, s_good, at,
                          "    policy\n        max_steps = 50\n    dataset\n        name = bc\n");
    cfg = s_load (text);
    assert_non_null (cfg);
    assert_int_equal (cfg->policy.max_steps, 50);
    assert_int_equal (cfg->policy.max_params, SITE_POLICY_PARAMS_DEFAULT);
    site_config_destroy (&cfg);
    struct { const char *lines, *needle; } bad [] = {
        { "        max_params = 0\n", "policy/max_params: '0' is not a number in [1, 4.1943e+06]" },
        { "        max_params = 4194305\n", "policy/max_params: '4194305' is not a number" },
        { "        max_steps = 100001\n", "policy/max_steps: '100001' is not a number" },
        { "        max_features = 4097\n", "policy/max_features: '4097' is not a number" },
        { "        max_hidden = 0\n", "policy/max_hidden: '0' is not a number" },
        { "        max_hidden = 2.5\n", "site/policy/max_hidden: not a whole number" },
        { "        max_layers = 2\n", "site/policy/max_layers: unknown key" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        char lines [256];
        snprintf (lines, sizeof lines, "    policy\n%s    dataset\n        name = bc\n",
                  bad [i].lines);
        s_bad (at, lines, bad [i].needle);
    }
}

//  The role certificate keys: an older config without them, and every
//  file that is missing, unreadable or does not fit, refused in one line.
static void
test_role (void **state)
{
    (void) state;
    char text [8192], lines [2048], path [64];
    //  What the certificate says is kept.
    site_config_t *cfg = s_load (s_good);
    assert_non_null (cfg);
    assert_non_null (cfg->role);
    assert_int_equal (cfg->role->role, PROTO_ROLE_SITE);
    assert_string_equal (cfg->role->name, "hospital-a");
    assert_int_equal (cfg->role->index, 2);
    assert_non_null (strstr (cfg->role_cert_text, "cohort-role/v1\n"));
    assert_non_null (cfg->admin);
    site_config_destroy (&cfg);
    //  An older config: each key missing is named.
    const char *keys [] = { "role_cert", "sign_key", "admin_key" };
    for (int i = 0; i < 3; i++) {
        char from [256], *at, *end;
        snprintf (from, sizeof from, "    %s = ", keys [i]);
        at = strstr (s_role_hospital, from);
        end = strchr (at, '\n');
        snprintf (lines, sizeof lines, "%.*s%s", (int) (at - s_role_hospital), s_role_hospital, end + 1);
        support_text_replace (text, sizeof text, s_good, "    cert = ../certs/a.secret\n", lines);
        snprintf (from, sizeof from, "site/%s: missing (role certificates are required", keys [i]);
        support_expect_refused (s_load (text) == NULL, keys [i], from);
    }
    //  Files that are not there, or not what they should be.
    struct { const char *from, *to, *needle; } bad [] = {
        { "hospital-a.role", "nowhere.role", "site/role_cert: " },
        { "admin.pub", "nowhere.pub", "site/admin_key: " },
        { "hospital-a.sign", "nowhere.sign", "site/sign_key: " },
        { "hospital-a.role", "a.role", "site/role_cert: " },                //  a's cert: signer differs
        { "hospital-a.sign", "a.sign", "its signer is not the key 'a'" },
        { "admin.pub", "hospital-a.role", "site/admin_key" },
        { "hospital-a_secret", "a_secret", "names another CURVE key than site/cert" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        support_text_replace (lines, sizeof lines, s_role_hospital, bad [i].from, bad [i].to);
        support_text_replace (text, sizeof text, s_good, "    cert = ../certs/a.secret\n", lines);
        support_file_temp (path, sizeof path, "sitecfg", text);
        cfg = site_config_load (path);
        support_expect_refused (cfg == NULL, bad [i].to, bad [i].needle);
        assert_non_null (strstr (util_last_error (), path));
        unlink (path);
    }
    //  a's own certificate and key for site hospital-a: another name and share.
    snprintf (lines, sizeof lines, "%s", s_role_a);
    support_text_replace (text, sizeof text, s_good, "    cert = ../certs/a.secret\n", lines);
    support_expect_refused (s_load (text) == NULL, "a's certificate",
                            "is for site 'a' (share 1), not for site 'hospital-a' (share 2)");
    //  A tampered certificate, an expired one, and an analyst's.
    char file [512];
    char *note = support_file_read (support_path (file, sizeof file, s_dir, "hospital-a.role"), NULL);
    char *at = strstr (note, "index 2");
    at [6] = '3';
    support_file_write (support_path (file, sizeof file, s_dir, "tampered.role"), note, 0644);
    free (note);
    support_text_replace (lines, sizeof lines, s_role_hospital, "hospital-a.role", "tampered.role");
    support_text_replace (text, sizeof text, s_good, "    cert = ../certs/a.secret\n", lines);
    support_expect_refused (s_load (text) == NULL, "tampered", "does not verify");
    char key [SUPPORT_CURVE_KEY_TEXT];
    support_curve_cert (s_dir, "old", NULL, key);
    support_role_cert (s_dir, "old", PROTO_ROLE_SITE, 2, key, 0);
    snprintf (lines, sizeof lines, "    cert = %s/old_secret\n    role_cert = %s/old.role\n"
              "    sign_key = %s/old.sign\n    admin_key = %s/admin.pub\n", s_dir, s_dir, s_dir, s_dir);
    char renamed [4096];
    support_text_replace (renamed, sizeof renamed, s_good, "name = hospital-a", "name = old");
    support_text_replace (text, sizeof text, renamed, "    cert = ../certs/a.secret\n", lines);
    support_expect_refused (s_load (text) == NULL, "expired", "expired at");
    support_role_cert (s_dir, "old", PROTO_ROLE_ANALYST, 0, key, 1);
    support_expect_refused (s_load (text) == NULL, "analyst", "is for analyst 'old' (share 0)");
}

static const char *s_ingest =
    "    ingest\n"
    "        endpoint = tcp://127.0.0.1:7700\n"
    "        gateways = ../certs/gateways\n"
    "        store = a.ingest.db\n"
    "        storage_key = ../keys/storage.key\n"
    "        audit = a.audit.db\n"
    "        audit_origin = cohort.example/a\n";

static void
test_audit (void **state)
{
    (void) state;
    char text [4096];
    //  A top-level audit log, relative to the config's directory.
    snprintf (text, sizeof text, "%s    audit = top.audit.db\n    audit_origin = o.example/a\n",
              s_good);
    site_config_t *cfg = s_load (text);
    assert_non_null (cfg);
    assert_string_equal (cfg->audit, "/tmp/top.audit.db");
    assert_string_equal (cfg->audit_origin, "o.example/a");
    site_config_destroy (&cfg);
    snprintf (text, sizeof text, "%s    audit = /var/top.audit.db\n", s_good);
    cfg = s_load (text);
    assert_non_null (cfg);
    assert_string_equal (cfg->audit, "/var/top.audit.db");
    assert_null (cfg->audit_origin);
    site_config_destroy (&cfg);
    //  With an ingest section, its log is the site's log.
    snprintf (text, sizeof text, "%s%s", s_good, s_ingest);
    cfg = s_load (text);
    assert_non_null (cfg);
    assert_string_equal (cfg->audit, "/tmp/a.audit.db");
    assert_string_equal (cfg->audit_origin, "cohort.example/a");
    site_config_destroy (&cfg);
    s_bad ("    ledger = a.ledger.db\n", "    ledger = a.db\n    audit = \n",
           "site/audit: is empty");
    s_bad ("    ledger = a.ledger.db\n", "    ledger = a.db\n    audit_origin = o\n",
           "site/audit: missing");
    s_bad ("    ledger = a.ledger.db\n",
           "    ledger = a.db\n    audit = x.db\n    audit_origin = \n",
           "site/audit_origin: is empty");
    //  Both: refused, the log would be ambiguous.
    snprintf (text, sizeof text, "%s    audit = top.audit.db\n%s", s_good, s_ingest);
    cfg = s_load (text);
    assert_null (cfg);
    assert_non_null (strstr (util_last_error (), "the audit log is ingest/audit"));
}

//  The alerts section (ingest/alerts.h): defaults, values, bad values, and
//  refused without an ingest section.
static void
test_alerts (void **state)
{
    (void) state;
    char text [4096];
    snprintf (text, sizeof text, "%s%s", s_good, s_ingest);
    site_config_t *cfg = s_load (text);
    assert_non_null (cfg);
    assert_int_equal (cfg->ingest->alert_rejects, 0);        //  0: the endpoint's default
    site_config_destroy (&cfg);
    snprintf (text, sizeof text, "%s%s    alerts\n        ingest_rejects = 5\n", s_good, s_ingest);
    cfg = s_load (text);
    assert_non_null (cfg);
    assert_int_equal (cfg->ingest->alert_rejects, 5);
    assert_int_equal (cfg->ingest->alert_window_s, 60);
    site_config_destroy (&cfg);
    static const char *bad [] [2] = {
        { "ingest_rejects = 0", "alerts/ingest_rejects: '0' is not a number in [1, 100000]" },
        { "ingest_window_s = 86401", "alerts/ingest_window_s" },
        { "ingest_window_s = 1.5", "whole numbers" },
        { "colour = red", "site/alerts/colour: unknown key" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        snprintf (text, sizeof text, "%s%s    alerts\n        %s\n", s_good, s_ingest, bad [i] [0]);
        assert_null (s_load (text));
        if (!strstr (util_last_error (), bad [i] [1]))
            print_error ("%s\n", util_last_error ());
        assert_non_null (strstr (util_last_error (), bad [i] [1]));
    }
    snprintf (text, sizeof text, "%s    alerts\n        ingest_rejects = 5\n", s_good);
    assert_null (s_load (text));
    assert_non_null (strstr (util_last_error (), "site/alerts: watches the ingest endpoint"));
}

static void
test_ingest_section (void **state)
{
    (void) state;
    const char *dataset = "    dataset\n        name = d\n        path = d.csv\n";
    const char *section =
        "    ingest\n        endpoint = tcp://127.0.0.1:7700\n        gateways = gw\n"
        "        store = ingest.db\n        storage_key = storage.key\n"
        "        audit = audit.db\n";
    const char *base = "site\n"
        "    name = a\n    index = 1\n    coordinator = tcp://127.0.0.1:1\n"
        "    coordinator_cert = c.pub\n    cert = s_secret\n    share = s.key\n"
        "    public_key = p.pub\n    ledger = l.db\n"
        "    budget\n        epsilon = 1\n        delta = 1e-5\n";
    char text [2048];
    snprintf (text, sizeof text, "%s%s        patient_column = pid\n%s", base, dataset, section);
    site_config_t *cfg = s_load (text);
    assert_non_null (cfg);
    assert_non_null (cfg->ingest);
    assert_string_equal (cfg->ingest->endpoint, "tcp://127.0.0.1:7700");
    assert_string_equal (cfg->ingest->store, "/tmp/ingest.db");
    assert_null (cfg->ingest->audit_origin);
    assert_string_equal (cfg->datasets [0].patient_column, "pid");
    assert_string_equal (cfg->datasets [0].grant_store, "/tmp/ingest.db");
    assert_string_equal (cfg->datasets [0].grant_site, "Organization/a");
    //  open_research is off unless the section says true.
    assert_false (cfg->open_research);
    assert_false (cfg->datasets [0].open_research);
    site_config_destroy (&cfg);
    const char *values [] = { "true", "false" };
    for (int i = 0; i < 2; i++) {
        snprintf (text, sizeof text, "%s%s        patient_column = pid\n%s"
                  "        open_research = %s\n", base, dataset, section, values [i]);
        assert_non_null (cfg = s_load (text));
        assert_true (cfg->open_research == (i == 0));
        assert_true (cfg->datasets [0].open_research == (i == 0));
        site_config_destroy (&cfg);
    }
    snprintf (text, sizeof text, "%s%s%s        open_research = yes\n", base, dataset, section);
    assert_null (s_load (text));
    assert_non_null (strstr (util_last_error (), "site/ingest/open_research: 'yes' is neither "
                             "true nor false"));
    //  ingest/queue: requests held per gateway, 64 by default, 1..4096.
    snprintf (text, sizeof text, "%s%s%s", base, dataset, section);
    assert_non_null (cfg = s_load (text));
    assert_int_equal (cfg->ingest->queue, INGEST_ENDPOINT_QUEUE_DEFAULT);
    site_config_destroy (&cfg);
    snprintf (text, sizeof text, "%s%s%s        queue = 4096\n", base, dataset, section);
    assert_non_null (cfg = s_load (text));
    assert_int_equal (cfg->ingest->queue, INGEST_ENDPOINT_QUEUE_MAX);
    site_config_destroy (&cfg);
    const char *queues [] = { "0", "4097", "100000", "2.5" };
    for (int i = 0; i < 4; i++) {
        snprintf (text, sizeof text, "%s%s%s        queue = %s\n", base, dataset, section,
                  queues [i]);
        assert_null (s_load (text));
        assert_non_null (strstr (util_last_error (), "queue"));
    }
    //  Without the section.
    snprintf (text, sizeof text, "%s%s", base, dataset);
    cfg = s_load (text);
    assert_non_null (cfg);
    assert_null (cfg->ingest);
    assert_null (cfg->datasets [0].patient_column);
    site_config_destroy (&cfg);
    //  patient_column needs the grant store, and a value.
    snprintf (text, sizeof text, "%s%s        patient_column = pid\n", base, dataset);
    assert_null (s_load (text));
    assert_non_null (strstr (util_last_error (), "patient_column needs an ingest section"));
    snprintf (text, sizeof text, "%s%s        patient_column = \n%s", base, dataset, section);
    assert_null (s_load (text));
    assert_non_null (strstr (util_last_error (), "patient_column is empty"));
    //  Unknown and missing keys.
    snprintf (text, sizeof text, "%s%s%s        colour = blue\n", base, dataset, section);
    assert_null (s_load (text));
    assert_non_null (strstr (util_last_error (), "site/ingest/colour: unknown key"));
    snprintf (text, sizeof text, "%s%s    ingest\n        endpoint = tcp://127.0.0.1:7700\n"
              "        gateways = gw\n", base, dataset);
    assert_null (s_load (text));
    assert_non_null (strstr (util_last_error (), "site/ingest/store: missing"));
}

//  Every allocation of a load (a config with an ingest section, a consent
//  filtered dataset and a test file) fails in turn: NULL with UTIL_ENOMEM
//  and a reason naming the file, nothing leaked (the sanitizer build
//  checks), until the load succeeds with the same result as without.
//  One load under the allocation walk: each refusal names the file.
static bool
s_load_walk (void *path)
{
    site_config_t *cfg = site_config_load (path);
    if (!cfg)
        assert_non_null (strstr (util_last_error (), (const char *) path));
    bool ok = cfg != NULL;
    site_config_destroy (&cfg);
    return ok;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    const char *text = "site\n"
        "    name = a\n    index = 1\n    coordinator = tcp://127.0.0.1:1\n"
        "    coordinator_cert = c.pub\n    cert = s_secret\n    share = s.key\n"
        "    public_key = p.pub\n    ledger = l.db\n"
        "    budget\n        epsilon = 1\n        delta = 1e-5\n"
        "    dataset\n        name = d\n        path = d.csv\n        test_path = t.csv\n"
        "        patient_column = pid\n"
        "    ingest\n        endpoint = tcp://127.0.0.1:7700\n        gateways = gw\n"
        "        store = ingest.db\n        storage_key = storage.key\n"
        "        audit = audit.db\n        audit_origin = cohort.example/a\n";
    char path [64];
    s_temp (path, text);
    assert_true (alloc_walk (s_load_walk, path) >= 20);
    site_config_t *cfg = site_config_load (path);
    unlink (path);
    assert_non_null (cfg);
    assert_string_equal (cfg->datasets [0].test_path, "/tmp/t.csv");
    assert_string_equal (cfg->datasets [0].grant_site, "Organization/a");
    assert_string_equal (cfg->audit, "/tmp/audit.db");
    assert_string_equal (cfg->audit_origin, "cohort.example/a");
    assert_string_equal (cfg->ingest->storage_key, "/tmp/storage.key");
    site_config_destroy (&cfg);
}

//  The optional dictionary key: a path relative to the config's folder.
static bool
s_dictionary_walk (void *path)
{
    site_config_t *cfg = site_config_load (path);
    if (!cfg) {
        assert_non_null (strstr (util_last_error (), (const char *) path));
        return false;
    }
    assert_string_equal (cfg->dictionary, "/tmp/../dictionary.csv");
    site_config_destroy (&cfg);
    return true;
}

static void
test_dictionary_key (void **state)
{
    (void) state;
    char text [4096];
    const char *ledger = "    ledger = a.ledger.db\n";
    //  Absent: NULL.
    site_config_t *cfg = s_load (s_good);
    assert_non_null (cfg);
    assert_null (cfg->dictionary);
    site_config_destroy (&cfg);
    //  Relative and absolute.
    support_text_replace (text, sizeof text, s_good, ledger,
                          "    ledger = a.ledger.db\n    dictionary = ../dictionary.csv\n");
    cfg = s_load (text);
    assert_non_null (cfg);
    assert_string_equal (cfg->dictionary, "/tmp/../dictionary.csv");
    site_config_destroy (&cfg);
    support_text_replace (text, sizeof text, s_good, ledger,
                          "    ledger = a.ledger.db\n    dictionary = /etc/cohort/dict.csv\n");
    cfg = s_load (text);
    assert_non_null (cfg);
    assert_string_equal (cfg->dictionary, "/etc/cohort/dict.csv");
    site_config_destroy (&cfg);
    //  Given but empty: refused.
    s_bad (ledger, "    ledger = a.ledger.db\n    dictionary = \"\"\n", "site/dictionary: is empty");
    //  Each allocation of a load with the key fails in turn.
    support_text_replace (text, sizeof text, s_good, ledger,
                          "    ledger = a.ledger.db\n    dictionary = ../dictionary.csv\n");
    char path [64];
    s_temp (path, text);
    assert_true (alloc_walk (s_dictionary_walk, path) >= 10);
    unlink (path);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_good),
        cmocka_unit_test (test_bad),
        cmocka_unit_test (test_policy),
        cmocka_unit_test (test_role),
        cmocka_unit_test (test_audit),
        cmocka_unit_test (test_alerts),
        cmocka_unit_test (test_ingest_section),
        cmocka_unit_test (test_out_of_memory),
        cmocka_unit_test (test_dictionary_key),
    };
    return cmocka_run_group_tests (tests, s_group_setup, s_group_teardown);
}
