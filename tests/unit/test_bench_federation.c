/*  Unit tests for bench/bench_federation.c: the quick run (512-bit keys,
    a few steps, real `cohort simulate` processes of the built binary)
    prints every key with a plausible figure; bad options fail. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench/bench.h"

static void
test_quick_json (void **state)
{
    (void) state;
    char path [] = "/tmp/cohort-bench-federation-out-XXXXXX";
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    close (fd);
    fflush (stdout);
    FILE *saved = stdout;
    stdout = fopen (path, "w");
    char *argv [] = { "federation", "--quick", "--json", NULL };
    int rc = bench_federation (3, argv);
    fclose (stdout);
    stdout = saved;
    assert_int_equal (rc, 0);
    json_error_t err;
    json_t *r = json_load_file (path, 0, &err);
    unlink (path);
    assert_non_null (r);
    //  Durations and sizes are positive; per-round figures are differences
    //  of two runs, which load on the machine can make of any sign.
    const char *positive [] = {
        "local_gradient_ms", "study_wall_s",
        "coordinator_rss_mb_3_sites", "coordinator_rss_mb_4_sites"
    };
    for (size_t k = 0; k < sizeof positive / sizeof positive [0]; k++)
        assert_true (json_number_value (json_object_get (r, positive [k])) > 0);
    const char *numbers [] = { "lr_round_ms", "mlp_round_ms", "round_overhead_ms" };
    for (size_t k = 0; k < sizeof numbers / sizeof numbers [0]; k++)
        assert_true (json_is_number (json_object_get (r, numbers [k])));
    assert_string_equal (json_string_value (json_object_get (r, "paillier_bits")), "512");
    json_decref (r);
}

static void
test_bad_options (void **state)
{
    (void) state;
    char *a1 [] = { "federation", "--nosuch", NULL };
    assert_int_equal (bench_federation (2, a1), 2);
    char *a2 [] = { "federation", "extra", NULL };
    assert_int_equal (bench_federation (2, a2), 2);
    char *a3 [] = { "federation", "--help", NULL };
    assert_int_equal (bench_federation (2, a3), 0);
}

int
main (void)
{
    //  The simulate runs are processes of the built binary.
    setenv ("COHORT_BIN", COHORT_BINARY_DIR "/cli/cohort", 1);
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_bad_options),
        cmocka_unit_test (test_quick_json),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
