/*  Unit tests for cli/cmd_simulate.c: the options a person types, each
    refusal, and what they become in the prepared folder (--prepare-only,
    512-bit test keys). The simulation itself is tested in test_sim_simulate. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "he/he.h"
#include "cli_run.h"
#include "support_dir.h"

#define S_BREAST COHORT_SOURCE_DIR "/datasets/breast_cancer_wisconsin.csv"

static void
test_refusals (void **state)
{
    (void) state;
    const char *bad [] = {
        "--label y --sites 3 --out x",
        "--data d.csv --sites 3 --out x",
        "--data d.csv --label y --out x",
        "--data d.csv --label y --sites 3",
        "--data d.csv --label y --sites 0 --out x",
        "--data d.csv --label y --sites 257 --out x",
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
        assert_int_equal (s_run ("simulate %s", *b), CLI_USAGE);
    assert_int_equal (s_run ("simulate --help"), CLI_OK);
    assert_int_equal (s_run ("simulate --sites 3"), CLI_USAGE);
}

//  The value of `key` in DIR/file (a ZPL file the simulation wrote).
static const char *
s_get (const char *file, const char *key)
{
    static char value [256];
    char path [512];
    snprintf (path, sizeof path, "%s/out/%s", support_dir_group, file);
    zconfig_t *cfg = zconfig_load (path);
    assert_non_null (cfg);
    snprintf (value, sizeof value, "%s", zconfig_get (cfg, key, ""));
    zconfig_destroy (&cfg);
    return value;
}

static void
test_options_reach_the_study (void **state)
{
    (void) state;
    char line [1024];
    snprintf (line, sizeof line, "--data %s --label malignant --sites 4 --out %s/out "
              "--split size-skew --model mlp --hidden 16 --epsilon 2 --delta 1e-6 --steps 40 "
              "--sampling-rate 0.1 --threshold 3 --bits 512 --insecure-test-key --seed 9 "
              "--eval-every 5 --learning-rate 0.2 --clip 0.5 --missing impute --features a,b "
              "--timeout 60 --optimizer sgd --round-timeout 5000 --prepare-only",
              S_BREAST, support_dir_group);
    assert_int_equal (s_run ("simulate %s", line), CLI_OK);
    assert_string_equal (s_get ("coordinator.cfg", "coordinator/round_timeout_ms"), "5000");
    assert_string_equal (s_get ("study.cfg", "study/optimizer"), "sgd");
    assert_string_equal (s_get ("study.cfg", "study/model"), "mlp");
    assert_string_equal (s_get ("study.cfg", "study/hidden"), "16");
    assert_string_equal (s_get ("study.cfg", "study/privacy/epsilon"), "2");
    assert_string_equal (s_get ("study.cfg", "study/privacy/delta"), "1e-06");
    assert_string_equal (s_get ("study.cfg", "study/steps"), "40");
    assert_string_equal (s_get ("study.cfg", "study/sampling_rate"), "0.1");
    assert_string_equal (s_get ("study.cfg", "study/min_sites"), "3");
    assert_string_equal (s_get ("study.cfg", "study/eval_every"), "5");
    assert_string_equal (s_get ("study.cfg", "study/learning_rate"), "0.2");
    assert_string_equal (s_get ("study.cfg", "study/clip"), "0.5");
    assert_string_equal (s_get ("study.cfg", "study/missing"), "impute");
    assert_string_equal (s_get ("study.cfg", "study/features"), "a,b");
    //  A single site would hold a 1-of-1 key: refused (threshold >= 2).
    snprintf (line, sizeof line, "--data %s --label malignant --sites 1 --out %s/out --bits 512 "
              "--insecure-test-key --prepare-only", S_BREAST, support_dir_group);
    assert_int_equal (s_run ("simulate %s", line), CLI_USAGE);
    //  Without --eval-every: one evaluation, at the end; the quorum is the
    //  key's threshold, 2; unit site makes q = 1.
    snprintf (line, sizeof line, "--data %s --label malignant --sites 3 --out %s/out --bits 512 "
              "--insecure-test-key --unit site --local-epochs 3 --prepare-only", S_BREAST, support_dir_group);
    assert_int_equal (s_run ("simulate %s", line), CLI_OK);
    assert_string_equal (s_get ("study.cfg", "study/eval_every"), "0");
    assert_string_equal (s_get ("study.cfg", "study/min_sites"), "2");
    assert_string_equal (s_get ("study.cfg", "study/sampling_rate"), "1");
    assert_string_equal (s_get ("study.cfg", "study/local_epochs"), "3");
    snprintf (line, sizeof line, "--data %s --label malignant --sites 2 --out %s/out --bits 512 "
              "--insecure-test-key --privacy off --prepare-only", S_BREAST, support_dir_group);
    assert_int_equal (s_run ("simulate %s", line), CLI_OK);
    assert_string_equal (s_get ("study.cfg", "study/privacy/off"), "true");
    //  A data file that cannot be read fails the command, not its usage.
    snprintf (line, sizeof line, "--data %s/none.csv --label malignant --sites 2 --out %s/bad "
              "--bits 512 --insecure-test-key --prepare-only", support_dir_group, support_dir_group);
    assert_int_equal (s_run ("simulate %s", line), CLI_FAIL);
}

int
main (void)
{
    he_init ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_refusals),
        cmocka_unit_test (test_options_reach_the_study),
    };
    return cmocka_run_group_tests (tests, support_dir_group_setup, support_dir_group_teardown);
}
