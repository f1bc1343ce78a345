/*  Unit tests for sim/simulate.c: the defaults and the checks between
    options, the prepared folder (consortium, split data, study.cfg), a real
    run of a small consortium (coordinator and site processes of the built
    binary, 512-bit test keys) and the summary for people. */
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

#include "he/he.h"
#include "models/csv.h"
#include "models/modelfile.h"
#include "sim/consortium.h"
#include "sim/simulate.h"
#include "sim/split.h"
#include "util/error.h"
#include "support_cohort.h"
#include "support_dir.h"
#include "support_file.h"
#include "support_net.h"

#define S_BREAST COHORT_SOURCE_DIR "/datasets/breast_cancer_wisconsin.csv"

static size_t
s_rows (const char *path)
{
    model_csv_t *csv = NULL;
    assert_int_equal (model_csv_load (&csv, path, 0), 0);
    size_t n = model_csv_rows (csv);
    model_csv_destroy (&csv);
    return n;
}

//  Options for a small prepared consortium with 512-bit test keys.
static void
s_options (sim_options_t *o, const char *data, size_t sites, const char *out)
{
    sim_options_defaults (o);
    o->data = data;
    o->label = "malignant";
    o->sites = sites;
    o->bits = 512;
    o->insecure_test_key = true;
    o->out = out;
}

//  sim_check then sim_prepare into o->out; the return of the first failing.
static int
s_prepare (sim_options_t *o)
{
    char **sites = NULL;
    int rc = sim_check (o) || sim_prepare (o, 7600, &sites)? -1: 0;
    sim_consortium_free_sites (&sites);
    return rc;
}

static void
test_defaults_and_checks (void **state)
{
    (void) state;
    sim_options_t o;
    s_options (&o, "d.csv", 3, "x");
    assert_int_equal (o.steps, 20);
    assert_int_equal (o.eval_every, 0);             //  one evaluation, at the end
    assert_int_equal (o.split, SIM_SPLIT_IID);
    assert_false (o.privacy_off);
    assert_true (o.epsilon == 1 && o.delta == 1e-5 && o.sampling_rate == 0.5);
    assert_string_equal (o.unit, "record");
    assert_int_equal (sim_check (&o), 0);
    assert_int_equal (o.threshold, 2);              //  filled in
    //  One site would hold a 1-of-1 key, and a threshold of 1 lets any one
    //  site decrypt alone: both refused.
    s_options (&o, "d.csv", 1, "x");
    assert_int_equal (sim_check (&o), -1);
    assert_non_null (strstr (util_last_error (), "threshold must be at least 2"));
    s_options (&o, "d.csv", 3, "x");
    o.threshold = 1;
    assert_int_equal (sim_check (&o), -1);
    assert_non_null (strstr (util_last_error (), "simulate: threshold must be at least 2"));
    //  Each refusal names what is wrong.
    struct { const char *why; } want [] = {
        { "required" }, { "at most 256" }, { "unit 'group'" }, { "must be 1 with unit site" },
        { "threshold 4 is more than the 3 sites" }, { "1024 bits" }, { "2050 bits" },
        { "hidden layers need the mlp model" }, { "512 bits" },
    };
    for (int i = 0; i < 9; i++) {
        s_options (&o, "d.csv", 3, "x");
        switch (i) {
            case 0: o.label = NULL; break;
            case 1: o.sites = 257; break;
            case 2: o.unit = "group"; break;
            case 3: o.unit = "site"; break;
            case 4: o.threshold = 4; break;
            case 5: o.bits = 1024; o.insecure_test_key = false; break;
            case 6: o.bits = 2050; break;
            case 7: o.hidden = "8"; break;
            case 8: o.insecure_test_key = false; break;
        }
        assert_int_equal (sim_check (&o), -1);
        assert_int_equal (util_last_code (), i == 1? UTIL_ELIMIT: UTIL_EINPUT);
        assert_non_null (strstr (util_last_error (), want [i].why));
    }
    s_options (&o, "d.csv", 3, "x");
    o.unit = "site";
    o.sampling_rate = 1;
    assert_int_equal (sim_check (&o), 0);
    //  The evaluation share: 0 (the study's default) or in [0.01, 0.5].
    double shares [] = { 0.005, 0.6, -1 };
    for (int i = 0; i < 3; i++) {
        s_options (&o, "d.csv", 3, "x");
        o.eval_share = shares [i];
        assert_int_equal (sim_check (&o), -1);
        assert_non_null (strstr (util_last_error (), "simulate: eval share"));
    }
    o.eval_share = 0.5;
    assert_int_equal (sim_check (&o), 0);
    //  scale bounds needs a dictionary; the bundled data have theirs beside
    //  them, found for a study too.
    s_options (&o, "d.csv", 3, "x");
    o.scale = "bounds";
    assert_int_equal (sim_check (&o), -1);
    assert_non_null (strstr (util_last_error (), "scale bounds needs the data dictionary"));
    s_options (&o, S_BREAST, 3, "x");
    assert_int_equal (sim_check (&o), 0);
    assert_non_null (o.dictionary);
    assert_non_null (strstr (o.dictionary, "breast_cancer_wisconsin_dictionary.csv"));
}

static void
test_prepare (void **state)
{
    (void) state;
    char train [256], test [256], out [256], path [512];
    support_path (train, sizeof train, support_dir_group, "train.csv");
    support_path (test, sizeof test, support_dir_group, "test.csv");
    assert_int_equal (sim_split_holdout (S_BREAST, "malignant", 0.3, 1, train, test, NULL, NULL),
                      0);
    support_path (out, sizeof out, support_dir_group, "prep");
    sim_options_t o;
    s_options (&o, train, 3, out);
    o.test = test;
    o.split = SIM_SPLIT_LABEL_SKEW;
    assert_int_equal (s_prepare (&o), 0);
    size_t rows = 0, test_rows = 0;
    for (int i = 1; i <= 3; i++) {
        snprintf (path, sizeof path, "%s/data/site-%d.csv", out, i);
        rows += s_rows (path);
        snprintf (path, sizeof path, "%s/data/site-%d-test.csv", out, i);
        test_rows += s_rows (path);
        snprintf (path, sizeof path, "%s/sites/site-%d.cfg", out, i);
        zconfig_t *cfg = zconfig_load (path);
        assert_non_null (cfg);
        char expect [64];
        snprintf (expect, sizeof expect, "../data/site-%d-test.csv", i);
        assert_string_equal (zconfig_get (cfg, "site/dataset/test_path", ""), expect);
        assert_string_equal (zconfig_get (cfg, "site/dataset/name", ""), "data");
        assert_string_equal (zconfig_get (cfg, "site/budget/epsilon", ""), "2");
        assert_non_null (strstr (zconfig_get (cfg, "site/coordinator", ""), "tcp://127.0.0.1:"));
        zconfig_destroy (&cfg);
    }
    assert_int_equal (rows, 398);
    assert_int_equal (test_rows, 171);
    support_path (path, sizeof path, out, "coordinator.cfg");
    zconfig_t *coord = zconfig_load (path);
    assert_non_null (coord);
    assert_string_equal (zconfig_get (coord, "coordinator/round_timeout_ms", ""), "30000");
    zconfig_destroy (&coord);
    support_path (path, sizeof path, out, "study.cfg");
    zconfig_t *study = zconfig_load (path);
    assert_non_null (study);
    assert_string_equal (zconfig_get (study, "study/name", ""), "train-logistic");
    assert_string_equal (zconfig_get (study, "study/dataset", ""), "data");
    assert_string_equal (zconfig_get (study, "study/label", ""), "malignant");
    assert_string_equal (zconfig_get (study, "study/steps", ""), "20");
    assert_string_equal (zconfig_get (study, "study/eval_every", ""), "0");
    assert_string_equal (zconfig_get (study, "study/min_sites", ""), "2");
    assert_string_equal (zconfig_get (study, "study/privacy/off", ""), "false");
    assert_string_equal (zconfig_get (study, "study/privacy/unit", ""), "record");
    assert_null (zconfig_locate (study, "study/local_epochs"));
    zconfig_destroy (&study);
    //  Through the dictionary with the accountant's schedule: every column
    //  but the label listed, the steps and rate chosen, the share written.
    s_options (&o, train, 3, out);
    o.dictionary = COHORT_SOURCE_DIR "/datasets/breast_cancer_wisconsin_dictionary.csv";
    o.choose_schedule = true;
    o.eval_share = 0.1;
    assert_int_equal (s_prepare (&o), 0);
    study = zconfig_load (path);
    assert_non_null (study);
    const char *listed = zconfig_get (study, "study/features", "");
    assert_non_null (strstr (listed, "mean_radius,mean_texture,"));
    assert_null (strstr (listed, "malignant"));
    //  A candidate of proto_plan_choose (which one is the accountant's
    //  call: test_proto_plan), with at least the minimum batch of rows.
    int steps = atoi (zconfig_get (study, "study/steps", "0"));
    double q = atof (zconfig_get (study, "study/sampling_rate", "0"));
    assert_true (steps == 10 || steps == 15 || steps == 20 || steps == 30 || steps == 50
                 || steps == 100 || steps == 200);
    assert_true (q * 398 >= 64 && q <= 1);
    assert_string_equal (zconfig_get (study, "study/privacy/eval_share", ""), "0.1");
    assert_null (zconfig_locate (study, "study/scale"));       //  auto
    zconfig_destroy (&study);
    //  unit = site: the local-training keys, q = 1.
    s_options (&o, train, 3, out);
    o.unit = "site";
    o.sampling_rate = 1;
    o.local_epochs = 4;
    o.local_learning_rate = 0.2;
    o.local_batch = 16;
    o.epsilon = 10;
    assert_int_equal (s_prepare (&o), 0);
    study = zconfig_load (path);
    assert_non_null (study);
    assert_string_equal (zconfig_get (study, "study/privacy/unit", ""), "site");
    assert_string_equal (zconfig_get (study, "study/sampling_rate", ""), "1");
    assert_string_equal (zconfig_get (study, "study/local_epochs", ""), "4");
    assert_string_equal (zconfig_get (study, "study/local_learning_rate", ""), "0.2");
    assert_string_equal (zconfig_get (study, "study/local_batch", ""), "16");
    zconfig_destroy (&study);
    //  Privacy off: the sites must accept it.
    s_options (&o, train, 2, out);
    o.privacy_off = true;
    assert_int_equal (s_prepare (&o), 0);
    support_path (path, sizeof path, out, "sites/site-2.cfg");
    zconfig_t *cfg = zconfig_load (path);
    assert_non_null (cfg);
    assert_string_equal (zconfig_get (cfg, "site/allow_privacy_off", ""), "true");
    zconfig_destroy (&cfg);

    //  Bad data is refused before anything is dealt.
    char bad [256], none [256];
    support_path (bad, sizeof bad, support_dir_group, "bad");
    support_path (none, sizeof none, support_dir_group, "none.csv");
    s_options (&o, none, 2, bad);
    assert_int_equal (s_prepare (&o), -1);
    assert_non_null (strstr (util_last_error (), "none.csv"));
    s_options (&o, train, 2, bad);
    o.label = "nosuch";
    assert_int_equal (s_prepare (&o), -1);
    assert_non_null (strstr (util_last_error (), "no label column 'nosuch'"));
    support_path (path, sizeof path, support_dir_group, "bad/keys");
    assert_int_not_equal (access (path, F_OK), 0);
    s_options (&o, train, 2, bad);
    o.test = none;
    assert_int_equal (s_prepare (&o), -1);
    //  More sites than rows.
    support_file_write (test, "a,malignant\n1,0\n2,1\n", 0644);
    s_options (&o, test, 3, bad);
    assert_int_equal (s_prepare (&o), -1);
    s_options (&o, train, 3, "/nonexistent/dir");
    assert_int_equal (s_prepare (&o), -1);
}

static json_t *
s_json (const char *dir, const char *name)
{
    char path [512];
    json_t *j = json_load_file (support_path (path, sizeof path, dir, name), 0, NULL);
    assert_non_null (j);
    return j;
}

static char *
s_text (const char *dir, const char *name)
{
    char path [512];
    return support_file_read (support_path (path, sizeof path, dir, name), NULL);
}

//  A real consortium: coordinator and 3 site processes of the built binary.
static void
test_run (void **state)
{
    (void) state;
    char out [256], path [512];
    support_path (out, sizeof out, support_dir_group, "run");
    sim_options_t o;
    s_options (&o, S_BREAST, 3, out);
    o.split = SIM_SPLIT_SIZE_SKEW;
    o.steps = 2;
    o.sampling_rate = 0.2;
    o.timeout_s = 120;
    json_t *report = NULL;
    assert_int_equal (sim_check (&o), 0);
    assert_int_equal (sim_run (&o, &report), 0);
    assert_non_null (report);
    json_decref (report);
    report = s_json (out, "report.json");
    json_t *study = json_object_get (report, "study");
    assert_string_equal (json_string_value (json_object_get (study, "status")), "completed");
    assert_int_equal (json_array_size (json_object_get (study, "sites")), 3);
    json_t *privacy = json_object_get (report, "privacy");
    assert_true (json_is_true (json_object_get (privacy, "private")));
    double eps = json_number_value (json_object_get (privacy, "epsilon"));
    assert_true (eps > 0 && eps <= 1 + 1e-9);
    assert_true (json_array_size (json_object_get (report, "rounds")) >= 3);
    json_decref (report);
    char *html = s_text (out, "report.html");
    assert_non_null (strstr (html, "<!DOCTYPE html>"));
    assert_null (strstr (html, "NOT PRIVATE"));
    assert_non_null (strstr (html, "add/remove one record at one site"));
    free (html);
    support_path (path, sizeof path, out, "model.json");
    model_file_t *mf = model_file_load (path);
    assert_non_null (mf);
    model_file_destroy (&mf);
    json_t *run = s_json (out, "run.json");
    assert_true (json_number_value (json_object_get (run, "coordinator_rss_mb")) > 0);
    assert_int_equal (json_integer_value (json_object_get (run, "sites")), 3);
    //  The coordinator was stopped: nothing listens on its port any more.
    int port = (int) json_integer_value (json_object_get (run, "port"));
    json_decref (run);
    assert_true (support_net_port_free (port));

    //  Privacy off: the report and the page say NOT PRIVATE.
    support_path (out, sizeof out, support_dir_group, "off");
    s_options (&o, S_BREAST, 2, out);
    o.privacy_off = true;
    o.steps = 2;
    o.timeout_s = 120;
    assert_int_equal (sim_check (&o), 0);
    assert_int_equal (sim_run (&o, &report), 0);
    json_decref (report);
    report = s_json (out, "report.json");
    privacy = json_object_get (report, "privacy");
    assert_false (json_is_true (json_object_get (privacy, "private")));
    json_decref (report);
    html = s_text (out, "report.html");
    assert_non_null (strstr (html, "<div class=\"stamp\">NOT PRIVATE"));
    free (html);
}

//  The summary's lines for a private report with and without a DP AUC.
static void
test_summary (void **state)
{
    (void) state;
    const char *with =
        "{\"study\": {\"status\": \"completed\", \"wall_s\": 12.5},"
        " \"privacy\": {\"private\": true, \"epsilon\": 1, \"target_epsilon\": 1,"
        " \"delta\": 1e-5, \"unit\": \"record\", \"noise_multiplier\": 15,"
        " \"sampling_rate\": 0.5, \"steps\": 10},"
        " \"final_metrics\": {\"auc\": 0.9, \"accuracy\": 0.8, \"log_loss\": 0.4,"
        " \"auc_low_90\": 0.75, \"auc_high_90\": 0.98}}";
    json_t *report = json_loads (with, 0, NULL);
    assert_non_null (report);
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream (&text, &size);
    sim_summary (report, out);
    fclose (out);
    assert_non_null (strstr (text, "test AUC   0.9000 (accuracy 0.8000, log-loss 0.4000; DP estimate)"));
    assert_non_null (strstr (text, "epsilon 1.000 of 1, delta 1e-05 (record"));
    assert_non_null (strstr (text, "wall time  12.5 s"));
    assert_non_null (strstr (text, "90% interval for the exact AUC 0.750 to 0.980 (DP noise and binning)\n"));
    free (text);
    //  Norm-Sub left one label empty: the AUC is null, and the summary says why.
    json_object_set_new (json_object_get (report, "final_metrics"), "auc", json_null ());
    out = open_memstream (&text, &size);
    sim_summary (report, out);
    fclose (out);
    assert_non_null (strstr (text, "test AUC   n/a (DP estimate"));
    assert_null (strstr (text, "declined"));
    free (text);
    //  A site's decline is shown with its reason.
    json_object_set_new (report, "study", json_pack ("{s:s, s:s, s:[{s:s, s:s}]}", "status",
                         "failed", "status_detail", "offer: 0 of 2 required sites accepted",
                         "declined", "site", "site-2", "reason", "budget: spent"));
    out = open_memstream (&text, &size);
    sim_summary (report, out);
    fclose (out);
    assert_non_null (strstr (text, "  declined   site-2: budget: spent\n"));
    free (text);
    json_decref (report);
}

//  A report without a model (a failed study) writes report.json and
//  report.html and removes an earlier run's model.json, which would
//  otherwise read as this study's.
static void
test_outputs_without_model (void **state)
{
    (void) state;
    char dir [] = "/tmp/cohort-test-outputs-XXXXXX";
    assert_non_null (mkdtemp (dir));
    char model [256];
    snprintf (model, sizeof model, "%s/model.json", dir);
    FILE *f = fopen (model, "w");
    assert_non_null (f);
    fputs ("{\"format\": \"cohort-model\"}", f);
    fclose (f);
    json_t *report = json_loads ("{\"cohort_report\": 1,"
                                 " \"study\": {\"name\": \"s\", \"status\": \"failed\","
                                 " \"status_detail\": \"offer: 0 of 2 required sites accepted\"},"
                                 " \"privacy\": {\"private\": true}, \"rounds\": []}", 0, NULL);
    assert_non_null (report);
    assert_int_equal (sim_write_outputs (report, dir), -1);
    assert_non_null (strstr (util_last_error (), "the report holds no model"));
    assert_int_equal (access (model, F_OK), -1);
    char path [256];
    snprintf (path, sizeof path, "%s/report.json", dir);
    assert_int_equal (access (path, F_OK), 0);
    remove (path);
    snprintf (path, sizeof path, "%s/report.html", dir);
    assert_int_equal (access (path, F_OK), 0);
    remove (path);
    //  No earlier model: the same error, nothing else.
    assert_int_equal (sim_write_outputs (report, dir), -1);
    assert_non_null (strstr (util_last_error (), "the report holds no model"));
    snprintf (path, sizeof path, "%s/report.json", dir);
    remove (path);
    snprintf (path, sizeof path, "%s/report.html", dir);
    remove (path);
    assert_int_equal (rmdir (dir), 0);
    json_decref (report);
}

int
main (void)
{
    he_init ();
    //  The coordinator and sites are processes of the built binary.
    support_cohort_setenv ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_defaults_and_checks),
        cmocka_unit_test (test_prepare),
        cmocka_unit_test (test_run),
        cmocka_unit_test (test_summary),
        cmocka_unit_test (test_outputs_without_model),
    };
    return cmocka_run_group_tests (tests, support_dir_group_setup, support_dir_group_teardown);
}
