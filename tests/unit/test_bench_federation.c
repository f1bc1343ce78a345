/*  Unit tests for bench/bench_federation.c: the quick run (512-bit keys,
    a few steps, real coordinator and site processes of the built binary)
    reports every key with a plausible figure. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "util/error.h"
#include "support_cohort.h"

static void
test_quick (void **state)
{
    (void) state;
    bench_federation_options_t o;
    bench_federation_defaults (&o);
    assert_false (o.quick);
    o.quick = true;
    json_t *r = bench_federation (&o);
    if (!r)
        fail_msg ("bench_federation: %s", util_last_error ());
    //  Durations and sizes are positive; per-round figures that are
    //  differences of two runs (lr_, mlp_round_ms) can be of any sign
    //  under load; the wide runs' rounds are timed by the coordinator.
    const char *positive [] = {
        "local_gradient_ms", "study_wall_s",
        "coordinator_rss_mb_3_sites", "coordinator_rss_mb_4_sites",
        "verify_aggregate_ms_3_sites", "verify_aggregate_ms_20_sites", "status_p50_ms",
        "round_ms_at_4_sites_threshold_2", "round_ms_at_4_sites_threshold_3"
    };
    for (size_t k = 0; k < sizeof positive / sizeof positive [0]; k++)
        assert_true (json_number_value (json_object_get (r, positive [k])) > 0);
    const char *numbers [] = { "lr_round_ms", "mlp_round_ms", "round_overhead_ms" };
    for (size_t k = 0; k < sizeof numbers / sizeof numbers [0]; k++)
        assert_true (json_is_number (json_object_get (r, numbers [k])));
    assert_string_equal (json_string_value (json_object_get (r, "paillier_bits")), "512");
    assert_int_equal (json_integer_value (json_object_get (r, "sites")), 3);
    assert_int_equal (json_integer_value (json_object_get (r, "status_sites")), 4);
    //  The pool's figure is named by its threads (one a CPU, at least 2).
    assert_true (json_number_value (json_object_get (r, "verify_partials_ms_3_threads_1")) > 0);
    const char *key;
    json_t *value;
    int pooled = 0;
    json_object_foreach (r, key, value)
        if (!strncmp (key, "verify_partials_ms_3_threads_", 29) && strcmp (key + 29, "1")) {
            assert_true (json_number_value (value) > 0);
            pooled++;
        }
    assert_int_equal (pooled, 1);
    json_decref (r);
}

int
main (void)
{
    //  The simulations' processes are the built binary.
    support_cohort_setenv ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_quick),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
