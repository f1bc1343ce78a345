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

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_epsilon_golden),
        cmocka_unit_test (test_calibrate),
        cmocka_unit_test (test_sample),
        cmocka_unit_test (test_bad_arguments),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
