/*  Unit tests for bench/bench_query.c: a short run reports every key, each
    coverage a fraction; the same seed gives the same figures and another
    seed other ones (the noise is real and reproducible); options out of
    range and unreadable data are refused. (The coverage itself is checked
    over 100 runs by test_coordinator_query.c.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "bench/bench.h"
#include "proto/fit.h"
#include "util/error.h"
#include "support_cohort.h"

static void
test_short_run (void **state)
{
    (void) state;
    bench_query_coverage_options_t o;
    bench_query_coverage_defaults (&o);
    assert_int_equal (o.runs, 100);
    assert_int_equal (o.sites, 3);
    assert_int_equal (o.threshold, 2);
    o.runs = 10;
    json_t *r = bench_query_coverage (&o);
    if (!r)
        fail_msg ("%s", util_last_error ());
    const char *fractions [] = {
        "count_ci95_coverage", "mean_ci95_coverage", "sd_ci95_coverage",
        "histogram_bin_ci95_coverage", "histogram_shown_bin_ci95_coverage",
        "quantile_within_5pct_of_range", "quantile_ci95_coverage", "crosstab_cell_ci95_coverage",
        "chisq_ci95_coverage", "correlation_ci95_coverage"
    };
    for (size_t i = 0; i < sizeof fractions / sizeof fractions [0]; i++) {
        json_t *v = json_object_get (r, fractions [i]);
        if (!json_is_real (v) || json_real_value (v) < 0 || json_real_value (v) > 1)
            fail_msg ("%s: not a fraction", fractions [i]);
    }
    assert_int_equal (json_integer_value (json_object_get (r, "runs")), 10);
    assert_int_equal (json_object_size (json_object_get (r, "quantile_within_5pct_of_range_by_prob")), 5);
    assert_true (json_integer_value (json_object_get (r, "histogram_shown_bins")) > 0);
    //  Reproducible: the same seed, the same figures; another, others.
    json_t *again = bench_query_coverage (&o);
    assert_non_null (again);
    json_object_del (r, "wall_s");
    json_object_del (again, "wall_s");
    assert_true (json_equal (r, again));
    json_decref (again);
    o.seed = 1000;
    again = bench_query_coverage (&o);
    assert_non_null (again);
    json_object_del (again, "wall_s");
    assert_false (json_equal (r, again));
    json_decref (again);
    json_decref (r);
}

static void
test_refusals (void **state)
{
    (void) state;
    bench_query_coverage_options_t o;
    bench_query_coverage_defaults (&o);
    o.runs = 0;
    assert_null (bench_query_coverage (&o));
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    bench_query_coverage_defaults (&o);
    o.threshold = 4;
    assert_null (bench_query_coverage (&o));
    bench_query_coverage_defaults (&o);
    o.runs = 1;
    o.dictionary = "/nonexistent/dictionary.csv";
    assert_null (bench_query_coverage (&o));
    assert_non_null (strstr (util_last_error (), "/nonexistent/dictionary.csv"));
}

//  bench_query on quick consortia (512-bit keys, real processes of the
//  built binary): every figure is there and positive; the DP binomial fit
//  took its planned rounds, the exact ones more than one (a start and a
//  converged step at least).
static void
test_wall_quick (void **state)
{
    (void) state;
    bench_query_options_t o;
    bench_query_defaults (&o);
    assert_false (o.quick);
    assert_int_equal (o.sites, 3);
    o.quick = true;
    o.runs = 1;
    json_t *r = bench_query (&o);
    if (!r)
        fail_msg ("bench_query: %s", util_last_error ());
    const char *keys [] = {
        "keygen_and_setup_s", "query_wall_ms", "query_wall_min_ms", "histogram_1024_bins_wall_ms",
        "histogram_1024_bins_wall_min_ms", "quantile_tree_wall_ms", "quantile_tree_wall_min_ms",
        "glm_wall_ms", "glm_wall_min_ms", "glm_iteration_ms", "glm_off_wall_ms",
        "glm_off_iteration_ms", "cox_keygen_and_setup_s", "cox_fit_wall_s", "cox_fit_wall_min_s",
        "cox_iteration_ms"
    };
    for (size_t k = 0; k < sizeof keys / sizeof keys [0]; k++)
        if (!(json_number_value (json_object_get (r, keys [k])) > 0))
            fail_msg ("%s missing or not positive", keys [k]);
    assert_int_equal (json_integer_value (json_object_get (r, "bits")), 512);
    assert_int_equal (json_integer_value (json_object_get (r, "glm_rounds")), PROTO_FIT_DP_ROUNDS);
    assert_true (json_integer_value (json_object_get (r, "glm_off_rounds")) >= 2);
    assert_true (json_integer_value (json_object_get (r, "cox_rounds")) >= 2);
    assert_string_equal (json_string_value (json_object_get (r, "cox_privacy")), "off");
    //  Per round is the whole over the rounds.
    assert_true (fabs (json_real_value (json_object_get (r, "glm_iteration_ms"))
                       * PROTO_FIT_DP_ROUNDS
                       - json_real_value (json_object_get (r, "glm_wall_ms"))) < 1e-9);
    json_decref (r);
    o.runs = 0;
    assert_null (bench_query (&o));
    o.runs = 1;
    o.sites = 1;
    assert_null (bench_query (&o));
}

int
main (void)
{
    support_cohort_setenv ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_short_run),
        cmocka_unit_test (test_refusals),
        cmocka_unit_test (test_wall_quick),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
