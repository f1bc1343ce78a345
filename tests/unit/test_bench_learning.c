/*  Unit tests for bench/bench_learning.c: the plumbing on 2 seeds with
    small settings (512-bit test keys, 2 federated steps; real coordinator
    and site processes of the built binary): every distribution is there,
    ordered, within [0, 1] and counted over both runs; the central side
    alone; and options out of range refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "util/error.h"
#include "support_cohort.h"

static double
s_num (json_t *r, const char *prefix, const char *key)
{
    char name [128];
    snprintf (name, sizeof name, "%s_%s", prefix, key);
    json_t *v = json_object_get (r, name);
    if (!json_is_number (v))
        fail_msg ("%s: missing", name);
    return json_number_value (v);
}

//  The distribution under `prefix` over `runs` runs.
static void
s_check_distribution (json_t *r, const char *prefix, size_t runs)
{
    double lo = s_num (r, prefix, "auc_min"), q1 = s_num (r, prefix, "auc_q1");
    double med = s_num (r, prefix, "auc_median"), q3 = s_num (r, prefix, "auc_q3");
    double hi = s_num (r, prefix, "auc_max");
    assert_true (0 <= lo && lo <= q1 && q1 <= med && med <= q3 && q3 <= hi && hi <= 1);
    assert_int_equal ((size_t) s_num (r, prefix, "runs"), runs);
    size_t good = (size_t) s_num (r, prefix, "runs_auc_at_least_0_98");
    char name [128];
    snprintf (name, sizeof name, "%s_auc", prefix);
    json_t *values = json_object_get (r, name);
    assert_int_equal (json_array_size (values), runs);
    size_t count = 0;
    for (size_t i = 0; i < runs; i++)
        count += json_number_value (json_array_get (values, i)) >= 0.98;
    assert_int_equal (good, count);
    //  Two runs: the median is their mean.
    if (runs == 2)
        assert_true (med == (lo + hi) / 2);
}

static void
test_quick (void **state)
{
    (void) state;
    bench_learning_options_t o;
    bench_learning_defaults (&o);
    assert_int_equal (o.seeds, 20);
    assert_true (o.federated && !o.quick);
    assert_int_equal (o.threshold, 2);
    o.seeds = 2;
    o.quick = true;
    o.threshold = 3;            //  every site's noise counted: each adds a third
    json_t *r = bench_learning (&o);
    if (!r)
        fail_msg ("bench_learning: %s", util_last_error ());
    const char *prefixes [] = { "breast_cancer_federated", "breast_cancer_central",
                                "pima_federated", "pima_central" };
    for (size_t k = 0; k < 4; k++)
        s_check_distribution (r, prefixes [k], 2);
    //  The 70/30 hold-outs, stratified: 569 and 768 rows.
    assert_int_equal (json_integer_value (json_object_get (r, "breast_cancer_train_rows")), 398);
    assert_int_equal (json_integer_value (json_object_get (r, "breast_cancer_test_rows")), 171);
    assert_int_equal (json_integer_value (json_object_get (r, "pima_train_rows")), 538);
    assert_int_equal (json_integer_value (json_object_get (r, "pima_test_rows")), 230);
    //  Central DP-SGD at epsilon 1 ranks the breast cancer test rows well.
    assert_true (s_num (r, "breast_cancer_central", "auc_min") > 0.9);
    assert_true (s_num (r, "breast_cancer", "pooled_nonprivate_auc") > 0.99);
    assert_string_equal (json_string_value (json_object_get (r, "federated_paillier_bits")),
                         "512");
    assert_int_equal (json_integer_value (json_object_get (r, "federated_threshold")), 3);
    json_decref (r);
}

static void
test_central_only (void **state)
{
    (void) state;
    bench_learning_options_t o;
    bench_learning_defaults (&o);
    o.seeds = 3;
    o.federated = false;
    json_t *r = bench_learning (&o);
    if (!r)
        fail_msg ("bench_learning: %s", util_last_error ());
    s_check_distribution (r, "pima_central", 3);
    assert_null (json_object_get (r, "pima_federated_auc_median"));
    //  Seeded: the same seeds give the same figures.
    json_t *again = bench_learning (&o);
    assert_non_null (again);
    assert_true (json_equal (json_object_get (r, "pima_central_auc"),
                             json_object_get (again, "pima_central_auc")));
    json_decref (again);
    json_decref (r);
}

static void
test_refusals (void **state)
{
    (void) state;
    bench_learning_options_t o;
    bench_learning_defaults (&o);
    o.seeds = 0;
    assert_null (bench_learning (&o));
    assert_string_equal (util_last_error (), "seeds 0: must be in [1, 1000]");
    bench_learning_defaults (&o);
    o.delta = 1;
    assert_null (bench_learning (&o));
    assert_non_null (strstr (util_last_error (), "delta 1"));
    bench_learning_defaults (&o);
    o.threshold = 4;
    assert_null (bench_learning (&o));
    assert_string_equal (util_last_error (), "threshold 4: must be 2 or 3 (3 sites)");
    bench_learning_defaults (&o);
    o.federated = false;
    o.datasets = "/nonexistent";
    assert_null (bench_learning (&o));
    assert_non_null (strstr (util_last_error (), "/nonexistent/breast_cancer_wisconsin.csv"));
}

int
main (void)
{
    //  The simulations' processes are the built binary.
    support_cohort_setenv ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_quick),
        cmocka_unit_test (test_central_only),
        cmocka_unit_test (test_refusals),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
