/*  Unit tests for bench/bench_dp.c: the quick run reports every key with a
    positive figure, and the sample count it used. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>

#include "bench/bench.h"

static void
test_quick_keys (void **state)
{
    (void) state;
    bench_dp_options_t o;
    bench_dp_defaults (&o);
    assert_false (o.quick);
    o.quick = true;
    json_t *report = bench_dp (&o);
    assert_non_null (report);
    const char *keys [] = {
        "discrete_gaussian_samples_per_s", "discrete_gaussian_sigma1_samples_per_s",
        "discrete_gaussian_sigma10_samples_per_s", "discrete_gaussian_sigma1000_samples_per_s",
        "laplace_samples_per_s", "accountant_epsilon_ms", "ledger_charge_per_s"
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys [0]; i++) {
        json_t *v = json_object_get (report, keys [i]);
        if (!json_is_real (v) || !(json_real_value (v) > 0))
            fail_msg ("key %s missing or not positive", keys [i]);
    }
    //  The headline figure is sigma 10's.
    assert_true (json_real_value (json_object_get (report, "discrete_gaussian_samples_per_s"))
                 == json_real_value (json_object_get (report,
                                        "discrete_gaussian_sigma10_samples_per_s")));
    assert_int_equal (json_integer_value (json_object_get (report, "samples")), 20000);
    assert_int_equal (json_object_size (report), 8);
    json_decref (report);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_quick_keys),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
