/*  Unit tests for bench/bench_fit.c: a short run reports every analysis
    with its coverages as fractions and its width ratios; the same seed
    gives the same figures and another seed other ones; options out of
    range and a folder without the data are refused. (The 50-run figures
    are in docs/privacy.md §9.1.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "bench/bench.h"
#include "util/error.h"

static void
s_fraction (const json_t *obj, const char *key)
{
    const json_t *v = json_object_get (obj, key);
    if (!json_is_number (v) || json_number_value (v) < 0 || json_number_value (v) > 1)
        fail_msg ("%s: not a fraction", key);
}

//  A regression's block: per term a coverage, a width ratio, and the
//  estimates' spread beside the stated standard error.
static void
s_regression (const json_t *r)
{
    assert_non_null (r);
    s_fraction (r, "coverage_least");
    s_fraction (r, "coverage_mean");
    assert_true (json_integer_value (json_object_get (r, "rounds")) >= 1);
    const char *term;
    json_t *t;
    size_t n = 0;
    json_object_foreach (json_object_get (r, "terms"), term, t) {
        s_fraction (t, "coverage");
        assert_true (json_is_number (json_object_get (t, "exact_estimate")));
        //  The calibration pair: both positive and finite (no run fails
        //  on the bundled data).
        double rmse = json_number_value (json_object_get (t, "dp_rmse"));
        double se = json_number_value (json_object_get (t, "dp_se_median"));
        assert_true (rmse > 0 && isfinite (rmse));
        assert_true (se > 0 && isfinite (se));
        n++;
    }
    assert_true (n >= 3);
}

static void
test_short_run (void **state)
{
    (void) state;
    bench_fit_coverage_options_t o;
    bench_fit_coverage_defaults (&o);
    assert_int_equal (o.runs, 50);
    assert_int_equal (o.sites, 3);
    o.runs = 4;
    json_t *r = bench_fit_coverage (&o);
    if (!r)
        fail_msg ("%s", util_last_error ());
    const char *datasets [] = { "rotterdam", "lung" };
    for (int i = 0; i < 2; i++) {
        json_t *d = json_object_get (r, datasets [i]);
        assert_non_null (d);
        json_t *km = json_object_get (d, "km");
        s_fraction (km, "within_tolerance_share");
        s_fraction (km, "band_covers_share");
        s_regression (json_object_get (d, "cox"));
        s_regression (json_object_get (d, "glm_binomial"));
    }
    assert_int_equal (json_integer_value (json_object_get (json_object_get (r, "rotterdam"),
                                                           "records")), 2982);
    //  Reproducible, and the seed matters.
    json_t *again = bench_fit_coverage (&o);
    assert_non_null (again);
    assert_true (json_equal (r, again));
    json_decref (again);
    o.seed = 77;
    again = bench_fit_coverage (&o);
    assert_non_null (again);
    assert_false (json_equal (r, again));
    json_decref (again);
    json_decref (r);
}

static void
test_refusals (void **state)
{
    (void) state;
    bench_fit_coverage_options_t o;
    bench_fit_coverage_defaults (&o);
    o.runs = 0;
    assert_null (bench_fit_coverage (&o));
    assert_non_null (strstr (util_last_error (), "runs"));
    bench_fit_coverage_defaults (&o);
    o.threshold = 5;
    assert_null (bench_fit_coverage (&o));
    bench_fit_coverage_defaults (&o);
    o.datasets = "/nonexistent";
    assert_null (bench_fit_coverage (&o));
    assert_non_null (strstr (util_last_error (), "bench fit-coverage"));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_short_run),
        cmocka_unit_test (test_refusals),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
