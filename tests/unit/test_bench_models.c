/*  Unit tests for bench/bench_models.c: the quick run reports every key
    with a positive figure and the data's shape; a missing data file is a
    failure naming the file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "bench/bench.h"
#include "util/error.h"

static void
test_quick (void **state)
{
    (void) state;
    bench_models_options_t o;
    bench_models_defaults (&o);
    assert_non_null (strstr (o.data, "breast_cancer_wisconsin.csv"));
    o.quick = true;
    json_t *r = bench_models (&o);
    assert_non_null (r);
    const char *keys [] = {
        "lr_per_example_grad_rows_per_s", "lr_clipped_sum_rows_per_s",
        "mlp_per_example_grad_rows_per_s", "mlp_clipped_sum_rows_per_s", "train_lr_ms"
    };
    for (size_t k = 0; k < sizeof keys / sizeof keys [0]; k++)
        assert_true (json_number_value (json_object_get (r, keys [k])) > 0);
    assert_int_equal (json_integer_value (json_object_get (r, "rows")), 569);
    assert_int_equal (json_integer_value (json_object_get (r, "features")), 30);
    assert_string_equal (json_string_value (json_object_get (r, "mlp_network")), "30-64-1 relu");
    assert_int_equal (json_integer_value (json_object_get (r, "mlp_params")), 30 * 64 + 64 + 65);
    json_decref (r);
}

static void
test_missing_data (void **state)
{
    (void) state;
    bench_models_options_t o;
    bench_models_defaults (&o);
    o.quick = true;
    o.data = "/nonexistent.csv";
    util_error_clear ();
    assert_null (bench_models (&o));
    assert_non_null (strstr (util_last_error (), "/nonexistent.csv"));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_quick),
        cmocka_unit_test (test_missing_data),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
