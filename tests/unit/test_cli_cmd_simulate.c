/*  Unit tests for cli/cmd_simulate.c: option parsing and refusals, the
    prepared directory (consortium, split data, study.cfg), and a real run
    of a small consortium (coordinator and site processes of the built
    binary, 512-bit test keys). */
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "cli/cli.h"
#include "cli/simulate.h"
#include "he/he.h"
#include "models/csv.h"
#include "models/modelfile.h"
#include "sim/split.h"

#define S_BREAST COHORT_SOURCE_DIR "/datasets/breast_cancer_wisconsin.csv"

static char s_dir [] = "/tmp/cohort-simulate-XXXXXX";

//  Splits a command line on spaces into argv and parses it.
static int
s_parse (const char *line, cli_simulate_t *o)
{
    static char buf [1024];
    snprintf (buf, sizeof buf, "simulate %s", line);
    char *argv [48];
    int argc = 0;
    for (char *tok = strtok (buf, " "); tok && argc < 47; tok = strtok (NULL, " "))
        argv [argc++] = tok;
    argv [argc] = NULL;
    cli_simulate_defaults (o);
    return cli_simulate_parse (argc, argv, o);
}

static int
s_run (const char *line)
{
    static char buf [2048];
    snprintf (buf, sizeof buf, "cohort simulate %s", line);
    char *argv [64];
    int argc = 0;
    for (char *tok = strtok (buf, " "); tok && argc < 63; tok = strtok (NULL, " "))
        argv [argc++] = tok;
    argv [argc] = NULL;
    return cli_run (argc, argv);
}

static void
test_options (void **state)
{
    (void) state;
    cli_simulate_t o;
    assert_int_equal (s_parse ("--data d.csv --label y --sites 3 --out x", &o), CLI_OK);
    assert_int_equal (o.threshold, 2);
    assert_int_equal (o.steps, 20);
    assert_int_equal (o.eval_every, 0);             //  one evaluation, at the end
    assert_int_equal (o.split, SIM_SPLIT_IID);
    assert_false (o.privacy_off);
    assert_true (o.epsilon == 1 && o.delta == 1e-5);
    assert_int_equal (s_parse ("--data d.csv --label y --sites 1 --out x --steps 3", &o), CLI_OK);
    assert_int_equal (o.threshold, 1);
    assert_int_equal (o.eval_every, 0);
    assert_int_equal (s_parse ("--data d.csv --label y --sites 4 --out x --split size-skew "
                               "--model mlp --hidden 16 --epsilon 2 --delta 1e-6 --steps 40 "
                               "--sampling-rate 0.1 --threshold 3 --bits 3072 --seed 9 "
                               "--eval-every 0 --learning-rate 0.2 --clip 0.5 --missing impute "
                               "--features a,b --timeout 60 --test t.csv --optimizer sgd --round-timeout 5000", &o),
                      CLI_OK);
    assert_int_equal (o.round_timeout_ms, 5000);
    assert_string_equal (o.optimizer, "sgd");
    assert_int_equal (o.split, SIM_SPLIT_SIZE_SKEW);
    assert_string_equal (o.model, "mlp");
    assert_string_equal (o.hidden, "16");
    assert_true (o.epsilon == 2 && o.delta == 1e-6 && o.sampling_rate == 0.1);
    assert_int_equal (o.threshold, 3);
    assert_int_equal (o.bits, 3072);
    assert_int_equal (o.seed, 9);
    assert_int_equal (o.eval_every, 0);
    assert_string_equal (o.test, "t.csv");
    assert_int_equal (s_parse ("--data d.csv --label y --sites 2 --out x --privacy off", &o),
                      CLI_OK);
    assert_true (o.privacy_off);
    assert_int_equal (s_parse ("--help", &o), -1);
    //  Privacy unit: record by default; site sets q = 1 and takes the
    //  local-training options.
    assert_int_equal (s_parse ("--data d.csv --label y --sites 3 --out x", &o), CLI_OK);
    assert_string_equal (o.unit, "record");
    assert_true (o.sampling_rate == 0.5);
    assert_int_equal (s_parse ("--data d.csv --label y --sites 3 --out x --unit site", &o),
                      CLI_OK);
    assert_string_equal (o.unit, "site");
    assert_true (o.sampling_rate == 1);
    assert_int_equal (o.local_epochs, 1);
    assert_true (o.local_learning_rate == 0.1);
    assert_int_equal (o.local_batch, 32);
    assert_int_equal (s_parse ("--data d.csv --label y --sites 3 --out x --unit site "
                               "--sampling-rate 1 --local-epochs 100 --local-learning-rate 0.05 "
                               "--local-batch 1", &o), CLI_OK);
    assert_int_equal (o.local_epochs, 100);
    assert_true (o.local_learning_rate == 0.05);
    assert_int_equal (o.local_batch, 1);

    const char *bad [] = {
        "--label y --sites 3 --out x",
        "--data d.csv --sites 3 --out x",
        "--data d.csv --label y --out x",
        "--data d.csv --label y --sites 3",
        "--data d.csv --label y --sites 0 --out x",
        "--data d.csv --label y --sites 65 --out x",
        "--data d.csv --label y --sites 3 --out x --split random",
        "--data d.csv --label y --sites 3 --out x --model tree",
        "--data d.csv --label y --sites 3 --out x --optimizer lbfgs",
        "--data d.csv --label y --sites 3 --out x --missing zero",
        "--data d.csv --label y --sites 3 --out x --privacy on",
        "--data d.csv --label y --sites 3 --out x --privacy off --epsilon 1",
        "--data d.csv --label y --sites 3 --out x --epsilon 0",
        "--data d.csv --label y --sites 3 --out x --delta 0.5",
        "--data d.csv --label y --sites 3 --out x --threshold 4",
        "--data d.csv --label y --sites 3 --out x --bits 1024",
        "--data d.csv --label y --sites 3 --out x --bits 2050",
        "--data d.csv --label y --sites 3 --out x --hidden 8",
        "--data d.csv --label y --sites 3 --out x --steps 0",
        "--data d.csv --label y --sites 3 --out x --sampling-rate 1.5",
        "--data d.csv --label y --sites 3 --out x --timeout 0",
        "--data d.csv --label y --sites 3 --out x --round-timeout 99",
        "--data d.csv --label y --sites 3 --out x extra",
        "--data d.csv --label y --sites 3 --out x --nosuch",
        "--data d.csv --label y --sites 3 --out x --unit group",
        "--data d.csv --label y --sites 3 --out x --unit site --sampling-rate 0.5",
        "--data d.csv --label y --sites 3 --out x --local-epochs 2",
        "--data d.csv --label y --sites 3 --out x --unit record --local-batch 8",
        "--data d.csv --label y --sites 3 --out x --local-learning-rate 0.1",
        "--data d.csv --label y --sites 3 --out x --unit site --local-epochs 0",
        "--data d.csv --label y --sites 3 --out x --unit site --local-epochs 101",
        "--data d.csv --label y --sites 3 --out x --unit site --local-learning-rate 0",
        "--data d.csv --label y --sites 3 --out x --unit site --local-batch 0",
        NULL
    };
    for (const char **b = bad; *b; b++)
        assert_int_equal (s_parse (*b, &o), CLI_USAGE);
    assert_int_equal (s_run ("--help"), CLI_OK);
    assert_int_equal (s_run ("--sites 3"), CLI_USAGE);
}

static size_t
s_rows (const char *path)
{
    model_csv_t *csv = NULL;
    assert_int_equal (model_csv_load (&csv, path, 0), 0);
    size_t n = model_csv_rows (csv);
    model_csv_destroy (&csv);
    return n;
}

static void
test_prepare (void **state)
{
    (void) state;
    char train [256], test [256], out [256], line [1024], path [512];
    snprintf (train, sizeof train, "%s/train.csv", s_dir);
    snprintf (test, sizeof test, "%s/test.csv", s_dir);
    assert_int_equal (sim_split_holdout (S_BREAST, "malignant", 0.3, 1, train, test, NULL, NULL),
                      0);
    snprintf (out, sizeof out, "%s/prep", s_dir);
    snprintf (line, sizeof line, "--data %s --test %s --label malignant --sites 3 --split "
              "label-skew --steps 20 --bits 512 --insecure-test-key --prepare-only --out %s",
              train, test, out);
    assert_int_equal (s_run (line), CLI_OK);
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
    snprintf (path, sizeof path, "%s/coordinator.cfg", out);
    zconfig_t *coord = zconfig_load (path);
    assert_non_null (coord);
    assert_string_equal (zconfig_get (coord, "coordinator/round_timeout_ms", ""), "30000");
    zconfig_destroy (&coord);
    snprintf (path, sizeof path, "%s/study.cfg", out);
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
    //  unit = site: the local-training keys, q = 1.
    snprintf (line, sizeof line, "--data %s --label malignant --sites 3 --unit site "
              "--local-epochs 4 --local-learning-rate 0.2 --local-batch 16 --epsilon 10 "
              "--bits 512 --insecure-test-key --prepare-only --out %s", train, out);
    assert_int_equal (s_run (line), CLI_OK);
    study = zconfig_load (path);
    assert_non_null (study);
    assert_string_equal (zconfig_get (study, "study/privacy/unit", ""), "site");
    assert_string_equal (zconfig_get (study, "study/sampling_rate", ""), "1");
    assert_string_equal (zconfig_get (study, "study/local_epochs", ""), "4");
    assert_string_equal (zconfig_get (study, "study/local_learning_rate", ""), "0.2");
    assert_string_equal (zconfig_get (study, "study/local_batch", ""), "16");
    zconfig_destroy (&study);
    //  Privacy off: the sites must accept it.
    snprintf (line, sizeof line, "--data %s --label malignant --sites 2 --privacy off --bits 512 "
              "--insecure-test-key --prepare-only --out %s", train, out);
    assert_int_equal (s_run (line), CLI_OK);
    snprintf (path, sizeof path, "%s/sites/site-2.cfg", out);
    zconfig_t *cfg = zconfig_load (path);
    assert_non_null (cfg);
    assert_string_equal (zconfig_get (cfg, "site/allow_privacy_off", ""), "true");
    zconfig_destroy (&cfg);

    //  Bad data is refused before anything is dealt.
    snprintf (line, sizeof line, "--data %s/none.csv --label malignant --sites 2 --bits 512 "
              "--insecure-test-key --prepare-only --out %s/bad", s_dir, s_dir);
    assert_int_equal (s_run (line), CLI_FAIL);
    snprintf (line, sizeof line, "--data %s --label nosuch --sites 2 --bits 512 "
              "--insecure-test-key --prepare-only --out %s/bad", train, s_dir);
    assert_int_equal (s_run (line), CLI_FAIL);
    snprintf (path, sizeof path, "%s/bad/keys", s_dir);
    assert_int_not_equal (access (path, F_OK), 0);
    snprintf (line, sizeof line, "--data %s --test %s/none.csv --label malignant --sites 2 "
              "--bits 512 --insecure-test-key --prepare-only --out %s/bad", train, s_dir, s_dir);
    assert_int_equal (s_run (line), CLI_FAIL);
    //  More sites than rows.
    FILE *f = fopen (test, "w");
    assert_non_null (f);
    fputs ("a,malignant\n1,0\n2,1\n", f);
    fclose (f);
    snprintf (line, sizeof line, "--data %s --label malignant --sites 3 --bits 512 "
              "--insecure-test-key --prepare-only --out %s/bad", test, s_dir);
    assert_int_equal (s_run (line), CLI_FAIL);
    snprintf (line, sizeof line, "--data %s --label malignant --sites 3 --bits 512 "
              "--insecure-test-key --prepare-only --out /nonexistent/dir", train);
    assert_int_equal (s_run (line), CLI_FAIL);
}

static json_t *
s_json (const char *dir, const char *name)
{
    char path [512];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    json_t *j = json_load_file (path, 0, NULL);
    assert_non_null (j);
    return j;
}

static char *
s_text (const char *dir, const char *name)
{
    char path [512];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen (path, "r");
    assert_non_null (f);
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream (&text, &len);
    int ch;
    while ((ch = fgetc (f)) != EOF)
        fputc (ch, m);
    fclose (m);
    fclose (f);
    return text;
}

//  A real consortium: coordinator and 3 site processes of the built binary.
static void
test_run (void **state)
{
    (void) state;
    char out [256], line [1024], path [512];
    snprintf (out, sizeof out, "%s/run", s_dir);
    snprintf (line, sizeof line, "--data %s --label malignant --sites 3 --split size-skew "
              "--steps 2 --eval-every 0 --sampling-rate 0.2 --bits 512 --insecure-test-key "
              "--timeout 120 --out %s", S_BREAST, out);
    assert_int_equal (s_run (line), CLI_OK);
    json_t *report = s_json (out, "report.json");
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
    snprintf (path, sizeof path, "%s/model.json", out);
    model_file_t *mf = model_file_load (path);
    assert_non_null (mf);
    model_file_destroy (&mf);
    json_t *run = s_json (out, "run.json");
    assert_true (json_number_value (json_object_get (run, "coordinator_rss_mb")) > 0);
    assert_int_equal (json_integer_value (json_object_get (run, "sites")), 3);
    //  The coordinator was stopped: nothing listens on its port any more.
    int port = (int) json_integer_value (json_object_get (run, "port"));
    json_decref (run);
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    assert_true (fd >= 0);
    int one = 1;
    setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port) };
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    assert_int_equal (bind (fd, (struct sockaddr *) &addr, sizeof addr), 0);
    assert_int_equal (listen (fd, 1), 0);
    close (fd);

    //  Privacy off: the report and the page say NOT PRIVATE.
    snprintf (out, sizeof out, "%s/off", s_dir);
    snprintf (line, sizeof line, "--data %s --label malignant --sites 2 --privacy off "
              "--steps 2 --eval-every 0 --bits 512 --insecure-test-key --timeout 120 --out %s",
              S_BREAST, out);
    assert_int_equal (s_run (line), CLI_OK);
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
    cli_simulate_summary (report, out);
    fclose (out);
    assert_non_null (strstr (text, "test AUC   0.9000 (accuracy 0.8000, log-loss 0.4000; DP estimate)"));
    assert_non_null (strstr (text, "epsilon 1.000 of 1, delta 1e-05 (record"));
    assert_non_null (strstr (text, "wall time  12.5 s"));
    assert_non_null (strstr (text, "90% interval of the estimate 0.750 to 0.980"));
    free (text);
    //  Norm-Sub left one label empty: the AUC is null, and the summary says why.
    json_object_set_new (json_object_get (report, "final_metrics"), "auc", json_null ());
    out = open_memstream (&text, &size);
    cli_simulate_summary (report, out);
    fclose (out);
    assert_non_null (strstr (text, "test AUC   n/a (DP estimate"));
    free (text);
    json_decref (report);
}

int
main (void)
{
    he_init ();
    //  The coordinator and sites are processes of the built binary.
    setenv ("COHORT_BIN", COHORT_BINARY_DIR "/cli/cohort", 1);
    if (!mkdtemp (s_dir))
        return 1;
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_options),
        cmocka_unit_test (test_prepare),
        cmocka_unit_test (test_run),
        cmocka_unit_test (test_summary),
    };
    int rc = cmocka_run_group_tests (tests, NULL, NULL);
    char cmd [128];
    snprintf (cmd, sizeof cmd, "rm -rf %s", s_dir);
    if (system (cmd) != 0)
        return 1;
    return rc;
}
