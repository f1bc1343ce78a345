/*  Unit tests for bench/bench_models.c: the quick run prints every key with
    a positive figure; bad options and a bad data file fail. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <unistd.h>

#include "bench/bench.h"

static void
test_quick_json (void **state)
{
    (void) state;
    char path [] = "/tmp/cohort-bench-models-XXXXXX";
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    close (fd);
    fflush (stdout);
    FILE *saved = stdout;
    stdout = fopen (path, "w");
    char *argv [] = { "models", "--quick", "--json", NULL };
    int rc = bench_models (3, argv);
    fclose (stdout);
    stdout = saved;
    assert_int_equal (rc, 0);
    json_error_t err;
    json_t *r = json_load_file (path, 0, &err);
    unlink (path);
    assert_non_null (r);
    const char *keys [] = {
        "lr_per_example_grad_rows_per_s", "lr_clipped_sum_rows_per_s",
        "mlp_per_example_grad_rows_per_s", "mlp_clipped_sum_rows_per_s", "train_lr_ms"
    };
    for (size_t k = 0; k < sizeof keys / sizeof keys [0]; k++)
        assert_true (json_number_value (json_object_get (r, keys [k])) > 0);
    assert_int_equal (json_integer_value (json_object_get (r, "rows")), 569);
    assert_int_equal (json_integer_value (json_object_get (r, "mlp_params")), 30 * 64 + 64 + 65);
    json_decref (r);
}

static void
test_errors (void **state)
{
    (void) state;
    char *help [] = { "models", "--help", NULL };
    fflush (stdout);
    FILE *saved = stdout;
    stdout = fopen ("/dev/null", "w");
    assert_int_equal (bench_models (2, help), 0);
    fclose (stdout);
    stdout = saved;
    char *bad [] = { "models", "--bogus", NULL };
    assert_int_equal (bench_models (2, bad), 2);
    char *missing [] = { "models", "--quick", "--data", "/nonexistent.csv", NULL };
    assert_int_equal (bench_models (4, missing), 1);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_quick_json),
        cmocka_unit_test (test_errors),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
