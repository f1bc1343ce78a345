/*  Unit tests for cli/cmd_privacy.c: `cohort privacy epsilon|calibrate|
    sample`, their outputs, and exit code 2 with a clear error for every bad
    argument. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli_run.h"
#include "support_dir.h"
#include "support_file.h"


static void
test_epsilon_golden (void **state)
{
    (void) state;
    assert_int_equal (s_run ("privacy epsilon --sampling-rate 0.0025 --noise-multiplier 1.3 "
                             "--steps 6000 --delta 1e-5"), CLI_OK);
    assert_non_null (strstr (s_out, "epsilon 0.7242234\n"));
    assert_non_null (strstr (s_out, "order 19\n"));
    assert_non_null (strstr (s_out, "conversion improved"));
    assert_int_equal (s_run ("privacy epsilon --sampling-rate 0.001 --noise-multiplier 1.0 "
                             "--steps 30000 --delta 1e-7 --json"), CLI_OK);
    json_error_t jerr;
    json_t *o = json_loads (s_out, 0, &jerr);
    assert_non_null (o);
    double eps = json_real_value (json_object_get (o, "epsilon"));
    assert_true (fabs (eps - 1.4154988) < 1e-4 * 1.4154988);
    assert_true (json_real_value (json_object_get (o, "order")) == 13);
    assert_string_equal (json_string_value (json_object_get (o, "conversion")), "improved");
    json_decref (o);
    //  Custom orders are used (6.2 is not on the default grid).
    const char *custom = "privacy epsilon --sampling-rate 0.1 --noise-multiplier 1 --steps 1 "
                         "--delta 1e-5 --orders 1.1:10.9:0.1,12:63:1";
    assert_int_equal (s_run ("%s --conversion classic", custom), CLI_OK);
    assert_non_null (strstr (s_out, "order 6.2\n"));
    assert_non_null (strstr (s_out, "conversion classic"));
    //  Classic is larger than improved for the same schedule and orders:
    //  at each order the improved bound (Canonne-Kamath-Steinke 2020) adds
    //  log(1 - 1/alpha) - log(alpha)/(alpha - 1) < 0 (about -0.53 at 6.2).
    double eps_conv [2];
    const char *conv [2] = { "improved", "classic" };
    for (int i = 0; i < 2; i++) {
        assert_int_equal (s_run ("%s --conversion %s --json", custom, conv [i]), CLI_OK);
        o = json_loads (s_out, 0, &jerr);
        assert_non_null (o);
        assert_string_equal (json_string_value (json_object_get (o, "conversion")), conv [i]);
        eps_conv [i] = json_real_value (json_object_get (o, "epsilon"));
        json_decref (o);
    }
    assert_true (eps_conv [0] > 0);
    if (!(eps_conv [1] > eps_conv [0] * 1.01))
        fail_msg ("classic %.9g is not larger than improved %.9g", eps_conv [1], eps_conv [0]);
    //  Edge values that are allowed: q = 1, steps = 1.
    assert_int_equal (s_run ("privacy epsilon --sampling-rate 1 --noise-multiplier 5 --steps 1 "
                             "--delta 0.5"), CLI_OK);
    assert_int_equal (s_run ("privacy epsilon --help"), CLI_OK);
    assert_non_null (strstr (s_out, "--sampling-rate"));
}

static void
test_calibrate (void **state)
{
    (void) state;
    assert_int_equal (s_run ("privacy calibrate --epsilon 0.7242234 --delta 1e-5 "
                             "--sampling-rate 0.0025 --steps 6000 --json"), CLI_OK);
    json_error_t jerr;
    json_t *o = json_loads (s_out, 0, &jerr);
    assert_non_null (o);
    double z = json_real_value (json_object_get (o, "noise_multiplier"));
    double eps = json_real_value (json_object_get (o, "epsilon"));
    assert_true (fabs (z - 1.3) < 1e-4);
    assert_true (eps <= 0.7242234);
    json_decref (o);
    assert_int_equal (s_run ("privacy calibrate --epsilon 1 --delta 1e-5 --sampling-rate 0.01 "
                             "--steps 100"), CLI_OK);
    assert_non_null (strstr (s_out, "noise_multiplier "));
    //  Unreachable target: a failure (exit 1), not a usage error.
    assert_int_equal (s_run ("privacy calibrate --epsilon 0.001 --delta 1e-5 --sampling-rate 1 "
                             "--steps 1 --conversion classic"), CLI_FAIL);
    assert_non_null (strstr (s_err, "unreachable"));
    assert_int_equal (s_run ("privacy calibrate --help"), CLI_OK);
}

static void
test_sample (void **state)
{
    (void) state;
    assert_int_equal (s_run ("privacy sample --distribution discrete-gaussian --scale 7/3 "
                             "--count 2000"), CLI_OK);
    long lines = 0;
    double sum2 = 0;
    for (char *p = s_out; *p; ) {
        char *end;
        long v = strtol (p, &end, 10);
        assert_true (end != p && *end == '\n');
        sum2 += (double) v * (double) v;
        lines++;
        p = end + 1;
    }
    assert_int_equal (lines, 2000);
    //  Variance ~ 49/9 = 5.44: the sample mean of squares is within 20%.
    assert_true (fabs (sum2 / 2000 - 49.0 / 9) < 49.0 / 9 * 0.2);
    assert_int_equal (s_run ("privacy sample --distribution discrete-laplace --scale 2.5 "
                             "--count 1"), CLI_OK);
    assert_int_equal (s_run ("privacy sample --help"), CLI_OK);
}

static void
test_bad_arguments (void **state)
{
    (void) state;
    const char *e = "privacy epsilon --noise-multiplier 1 --steps 10 --delta 1e-5 --sampling-rate";
    char line [512];
    const char *bad_q [] = { "0", "-0.1", "1.01", "nan", "inf", "x", "" };
    for (size_t i = 0; i < sizeof bad_q / sizeof bad_q [0]; i++) {
        snprintf (line, sizeof line, "%s %s", e, bad_q [i]);
        s_usage (line, "--sampling-rate");
    }
    const char *bad_delta [] = { "0", "1", "-1e-5", "2", "nan" };
    for (size_t i = 0; i < sizeof bad_delta / sizeof bad_delta [0]; i++) {
        snprintf (line, sizeof line, "privacy epsilon --sampling-rate 0.1 --noise-multiplier 1 "
                  "--steps 10 --delta %s", bad_delta [i]);
        s_usage (line, "--delta");
    }
    s_usage ("privacy epsilon --sampling-rate 0.1 --noise-multiplier 1 --steps 0 --delta 1e-5",
             "--steps");
    s_usage ("privacy epsilon --sampling-rate 0.1 --noise-multiplier 1 --steps -3 --delta 1e-5",
             "--steps");
    s_usage ("privacy epsilon --sampling-rate 0.1 --noise-multiplier 1 --steps 1.5 --delta 1e-5",
             "--steps");
    s_usage ("privacy epsilon --sampling-rate 0.1 --noise-multiplier 0 --steps 1 --delta 1e-5",
             "--noise-multiplier");
    s_usage ("privacy epsilon --sampling-rate 0.1 --noise-multiplier nan --steps 1 --delta 1e-5",
             "--noise-multiplier");
    s_usage ("privacy epsilon --sampling-rate 0.1 --steps 1 --delta 1e-5", "missing --noise-multiplier");
    s_usage ("privacy epsilon --noise-multiplier 1 --steps 1 --delta 1e-5", "missing --sampling-rate");
    s_usage ("privacy epsilon --sampling-rate 0.1 --noise-multiplier 1 --delta 1e-5", "missing --steps");
    s_usage ("privacy epsilon --sampling-rate 0.1 --noise-multiplier 1 --steps 1", "missing --delta");
    s_usage ("privacy epsilon --sampling-rate 0.1 --noise-multiplier 1 --steps 1 --delta 1e-5 "
             "--conversion fancy", "--conversion");
    s_usage ("privacy epsilon --sampling-rate 0.1 --noise-multiplier 1 --steps 1 --delta 1e-5 "
             "--orders 1,2", "--orders");
    s_usage ("privacy epsilon --sampling-rate 0.1 --noise-multiplier 1 --steps 1 --delta 1e-5 "
             "--orders 2:1:1", "--orders");
    s_usage ("privacy epsilon --sampling-rate 0.1 --noise-multiplier 1 --steps 1 --delta 1e-5 "
             "--epsilon 1", "drop --epsilon");
    s_usage ("privacy epsilon --sampling-rate 0.1 --noise-multiplier 1 --steps 1 --delta 1e-5 "
             "extra", "unexpected argument");
    s_usage ("privacy epsilon --bogus", "unknown");
    s_usage ("privacy epsilon --delta", "missing value");
    //  calibrate
    const char *bad_eps [] = { "0", "-1", "nan", "inf", "abc" };
    for (size_t i = 0; i < sizeof bad_eps / sizeof bad_eps [0]; i++) {
        snprintf (line, sizeof line, "privacy calibrate --delta 1e-5 --sampling-rate 0.1 "
                  "--steps 10 --epsilon %s", bad_eps [i]);
        s_usage (line, "--epsilon");
    }
    s_usage ("privacy calibrate --delta 1e-5 --sampling-rate 0.1 --steps 10", "missing --epsilon");
    s_usage ("privacy calibrate --epsilon 1 --delta 1e-5 --sampling-rate 0.1 --steps 10 "
             "--noise-multiplier 1", "drop --noise-multiplier");
    s_usage ("privacy calibrate --epsilon 1 --delta 1 --sampling-rate 0.1 --steps 10", "--delta");
    s_usage ("privacy calibrate --epsilon 1 --delta 1e-5 --sampling-rate 2 --steps 10",
             "--sampling-rate");
    //  sample
    s_usage ("privacy sample --distribution discrete-gaussian --scale 0 --count 3", "--scale");
    s_usage ("privacy sample --distribution discrete-gaussian --scale -1 --count 3", "--scale");
    s_usage ("privacy sample --distribution discrete-gaussian --scale 1e3 --count 3", "--scale");
    s_usage ("privacy sample --distribution discrete-gaussian --scale 7/0 --count 3", "--scale");
    s_usage ("privacy sample --distribution discrete-gaussian --scale 2000000 --count 3", "--scale");
    s_usage ("privacy sample --distribution discrete-gaussian --scale 1 --count 0", "--count");
    s_usage ("privacy sample --distribution discrete-gaussian --scale 1 --count 1000000001",
             "--count");
    s_usage ("privacy sample --distribution uniform --scale 1 --count 3", "--distribution");
    s_usage ("privacy sample --scale 1 --count 3", "missing --distribution");
    s_usage ("privacy sample --distribution discrete-laplace --count 3", "missing --scale");
    s_usage ("privacy sample --distribution discrete-laplace --scale 1", "missing --count");
    s_usage ("privacy sample --distribution discrete-laplace --scale 1 --count 1 x",
             "unexpected argument");
    s_usage ("privacy sample --nope", "unknown");
    s_usage ("privacy nosuch", "unknown command");
    assert_int_equal (s_run ("privacy"), CLI_USAGE);
    assert_int_equal (s_run ("privacy --help"), CLI_OK);
    assert_non_null (strstr (s_out, "calibrate"));
}

//  The epsilon of one JSON run, with its accountant checked.
static double
s_json_epsilon (const char *args, const char *accountant)
{
    assert_int_equal (s_run ("%s --json", args), CLI_OK);
    json_error_t jerr;
    json_t *o = json_loads (s_out, 0, &jerr);
    assert_non_null (o);
    assert_string_equal (json_string_value (json_object_get (o, "accountant")), accountant);
    double eps = json_real_value (json_object_get (o, "epsilon"));
    json_decref (o);
    return eps;
}

//  The references through the command line (docs/privacy.md
//  Sec. 4.6-4.7; the library tests say where they come from), to half a
//  unit in the 4th decimal they are given with.
static void
test_mechanisms_and_accountants (void **state)
{
    (void) state;
    const char *dg = "privacy epsilon --sampling-rate 0.05 --steps 200 --delta 1e-5 "
                     "--mechanism discrete-gaussian --noise-multiplier 5";
    assert_true (fabs (s_json_epsilon (dg, "rdp") - 0.5679) <= 5e-5);
    char line [512];
    snprintf (line, sizeof line, "%s --accountant conservative", dg);
    assert_true (fabs (s_json_epsilon (line, "conservative") - 1.5952) <= 5e-5);
    snprintf (line, sizeof line, "%s --accountant pld", dg);
    double pld = s_json_epsilon (line, "pld");
    //  Connect-the-dots PLD: below the RDP bound, above the exact value
    //  (0.51500 at interval 1e-5, see test_dp_pld).
    assert_true (pld > 0.5149 && pld < 0.5160);
    const char *ddg = "privacy epsilon --sampling-rate 0.05 --steps 200 --delta 1e-5 "
                      "--mechanism distributed --sites 100 --local-sigma 1 --l2-sensitivity 2 "
                      "--l1-sensitivity 4 --dimension 100";
    assert_true (fabs (s_json_epsilon (ddg, "rdp") - 0.5717) <= 5e-5);
    snprintf (line, sizeof line, "%s --accountant conservative", ddg);
    assert_true (fabs (s_json_epsilon (line, "conservative") - 1.5973) <= 5e-5);
    //  Text output names the accountant and the mechanism.
    assert_int_equal (s_run ("%s", ddg), CLI_OK);
    assert_non_null (strstr (s_out, "epsilon 0.5717196\n"));
    assert_non_null (strstr (s_out, "accountant rdp\nmechanism distributed\n"));
    //  The Gaussian (default mechanism) under pld: the reference 5.193,
    //  against the RDP accountant's 5.632 on dp_accounting's grid.
    assert_true (fabs (s_json_epsilon ("privacy epsilon --sampling-rate 0.01 --steps 10000 "
                                       "--delta 1e-5 --noise-multiplier 1.1 --accountant pld",
                                       "pld") - 5.193) <= 5e-4);
    //  Calibrate: the distributed mechanism prints the sites' sigma, and
    //  reaching the target it was asked for.
    assert_int_equal (s_run ("privacy calibrate --epsilon 0.5717196 --sampling-rate 0.05 --steps 200 "
                             "--delta 1e-5 --mechanism distributed --sites 100 --l2-sensitivity 2 "
                             "--l1-sensitivity 4 --dimension 100 --json"), CLI_OK);
    json_error_t jerr;
    json_t *o = json_loads (s_out, 0, &jerr);
    assert_non_null (o);
    double sigma = json_real_value (json_object_get (o, "local_sigma"));
    assert_true (fabs (sigma - 1) < 1e-6);
    assert_true (json_real_value (json_object_get (o, "epsilon")) <= 0.5717196);
    json_decref (o);
    assert_int_equal (s_run ("privacy calibrate --epsilon 0.6 --sampling-rate 0.05 --steps 200 "
                             "--delta 1e-5 --mechanism discrete-gaussian --accountant pld"), CLI_OK);
    assert_non_null (strstr (s_out, "noise_multiplier "));
    assert_non_null (strstr (s_out, "accountant pld\n"));
}

static void
test_mechanism_errors (void **state)
{
    (void) state;
    const char *base = "privacy epsilon --sampling-rate 0.05 --steps 20 --delta 1e-5";
    const char *dist = "--mechanism distributed --sites 10 --local-sigma 1 --l2-sensitivity 2 "
                       "--dimension 5";
    char line [512];
    const struct { const char *args, *says; } cases [] = {
        { "--noise-multiplier 1 --mechanism laplace", "--mechanism" },
        { "--noise-multiplier 1 --accountant moments", "--accountant" },
        { "--mechanism distributed --local-sigma 1 --l2-sensitivity 2 --dimension 5",
          "missing --sites" },
        { "--mechanism distributed --sites 10 --l2-sensitivity 2 --dimension 5",
          "missing --local-sigma" },
        { "--mechanism distributed --sites 10 --local-sigma 1 --dimension 5",
          "missing --l2-sensitivity" },
        { "--mechanism distributed --sites 10 --local-sigma 1 --l2-sensitivity 2",
          "missing --dimension" },
        { "--mechanism discrete-gaussian", "missing --noise-multiplier" },
        { "--noise-multiplier 1 --sites 3", "--sites does not apply" },
        { "--noise-multiplier 1 --local-sigma 3", "--local-sigma does not apply" },
        { "--noise-multiplier 1 --dimension 3", "--dimension does not apply" },
        { "--noise-multiplier 1 --l1-sensitivity 3", "--l1-sensitivity does not apply" },
        { "--noise-multiplier 1 --l2-sensitivity 3", "--l2-sensitivity does not apply" },
        { "--mechanism discrete-gaussian --noise-multiplier 1 --sites 3", "--sites does not apply" },
        { "--mechanism distributed --sites 10 --local-sigma 1 --l2-sensitivity 2 --dimension 5 "
          "--noise-multiplier 2", "--noise-multiplier does not apply" },
        { "--mechanism distributed --sites 0 --local-sigma 1 --l2-sensitivity 2 --dimension 5",
          "--sites" },
        { "--mechanism distributed --sites 10 --local-sigma 0.4 --l2-sensitivity 2 --dimension 5",
          "--local-sigma" },
        { "--mechanism distributed --sites 10 --local-sigma 1 --l2-sensitivity 0 --dimension 5",
          "--l2-sensitivity" },
        { "--mechanism distributed --sites 10 --local-sigma 1 --l2-sensitivity 2 --dimension 0",
          "--dimension" },
        { "--mechanism distributed --sites 10 --local-sigma 1 --l2-sensitivity 2 --dimension 5 "
          "--l1-sensitivity 1", "--l1-sensitivity 1 is below" },
        { "--mechanism distributed --sites 10 --local-sigma 1 --l2-sensitivity 2 --dimension 5 "
          "--l1-sensitivity x", "--l1-sensitivity" },
        { "--mechanism distributed --sites 10 --local-sigma 1 --l2-sensitivity 2 --dimension 5 "
          "--accountant pld", "account --mechanism distributed with rdp" },
        { "--noise-multiplier 1 --accountant pld --orders 2,3", "--orders applies to the RDP" },
        { "--noise-multiplier 1 --accountant pld --conversion classic",
          "--conversion applies to the RDP" },
        { "--mechanism discrete-gaussian --noise-multiplier 1 --l2-sensitivity 1.5 "
          "--accountant pld", "whole number" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        snprintf (line, sizeof line, "%s %s", base, cases [i].args);
        s_usage (line, cases [i].says);
    }
    //  The distributed mechanism is fine with all of it given.
    assert_int_equal (s_run ("%s %s", base, dist), CLI_OK);
    //  calibrate: the sites' sigma is what it computes.
    s_usage ("privacy calibrate --epsilon 1 --delta 1e-5 --sampling-rate 0.1 --steps 10 "
             "--mechanism distributed --sites 3 --local-sigma 1 --l2-sensitivity 2 --dimension 5",
             "calibrate computes it");
    s_usage ("privacy calibrate --epsilon 1 --delta 1e-5 --sampling-rate 0.1 --steps 10 "
             "--mechanism distributed --sites 3 --l2-sensitivity 2", "missing --dimension");
    //  A PLD over its size cap is a failure with the reason, not a crash.
    assert_int_equal (s_run ("privacy epsilon --sampling-rate 1 --steps 1000000 --delta 1e-5 "
                             "--noise-multiplier 0.01 --accountant pld"), CLI_FAIL);
    assert_non_null (strstr (s_err, "buckets"));
}

//  `privacy calibrate --study`: the plan of a learning study, as the
//  coordinator and simulate choose it, and its refusals.
static void
test_calibrate_study (void **state)
{
    (void) state;
    const char *cfg = COHORT_SOURCE_DIR "/configs/study-example.cfg";
    assert_int_equal (s_run ("privacy calibrate --study %s --features 30 --records 398", cfg),
                      CLI_OK);
    assert_non_null (strstr (s_out, "noise_multiplier "));
    assert_non_null (strstr (s_out, "<- chosen"));
    assert_int_equal (s_run ("privacy calibrate --study %s --features 30 --records 398 --json",
                             cfg), CLI_OK);
    json_error_t jerr;
    json_t *o = json_loads (s_out, 0, &jerr);
    assert_non_null (o);
    double eps = json_number_value (json_object_get (o, "planned_epsilon"));
    double z = json_number_value (json_object_get (o, "noise_multiplier"));
    double q = json_number_value (json_object_get (o, "sampling_rate"));
    //  The plan meets the study's target (epsilon 1) and is a real one.
    assert_true (eps > 0.9 && eps <= 1.0);
    assert_true (z > 1 && q > 0 && q <= 1);
    assert_true (json_array_size (json_object_get (o, "candidates")) > 1);
    json_t *alone = json_object_get (o, "epsilon_alone");
    assert_true (json_number_value (json_object_get (alone, "training")) <= eps);
    json_decref (o);
    //  Refusals: no --features, a missing file, a query, a bad count.
    assert_int_equal (s_run ("privacy calibrate --study %s", cfg), CLI_USAGE);
    assert_non_null (strstr (s_err, "--study needs --features"));
    assert_int_equal (s_run ("privacy calibrate --study /nonexistent/study.cfg --features 3"),
                      CLI_FAIL);
    assert_non_null (strstr (s_err, "/nonexistent/study.cfg"));
    assert_int_equal (s_run ("privacy calibrate --study %s --features 0", cfg), CLI_USAGE);
    char dir [SUPPORT_DIR_MAX], path [SUPPORT_DIR_MAX + 16];
    assert_int_equal (support_dir_make (dir, sizeof dir, "calstudy"), 0);
    snprintf (path, sizeof path, "%s/q.cfg", dir);
    support_file_write (path, "query\n    dataset = d\n    expr = 'count()'\n"
                        "    min_sites = 1\n    privacy\n        epsilon = 1\n"
                        "        delta = 1e-5\n", 0600);
    assert_int_equal (s_run ("privacy calibrate --study %s --features 3", path), CLI_FAIL);
    assert_non_null (strstr (s_err, "is a query, not a learning study"));
    snprintf (path, sizeof path, "%s/bad.cfg", dir);
    support_file_write (path, "study\n    name = x\n", 0600);
    assert_int_equal (s_run ("privacy calibrate --study %s --features 3", path), CLI_FAIL);
    assert_non_null (strstr (s_err, "bad.cfg"));
    assert_int_equal (support_dir_remove (dir), 0);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_epsilon_golden),
        cmocka_unit_test (test_calibrate),
        cmocka_unit_test (test_sample),
        cmocka_unit_test (test_bad_arguments),
        cmocka_unit_test (test_mechanisms_and_accountants),
        cmocka_unit_test (test_mechanism_errors),
        cmocka_unit_test (test_calibrate_study),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
