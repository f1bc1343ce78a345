/*  Unit tests for bench/bench_dp.c: quick mode prints every key with a
    positive value; bad options are usage errors. */
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
test_quick_keys (void **state)
{
    (void) state;
    fflush (stdout);
    FILE *out = tmpfile ();
    assert_non_null (out);
    int saved = dup (1);
    dup2 (fileno (out), 1);
    char *argv [] = { "dp", "--quick", "--json", NULL };
    int rc = bench_dp (3, argv);
    fflush (stdout);
    dup2 (saved, 1);
    close (saved);
    assert_int_equal (rc, 0);
    rewind (out);
    json_error_t err;
    json_t *report = json_loadf (out, 0, &err);
    fclose (out);
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
    json_decref (report);
}

static void
test_usage (void **state)
{
    (void) state;
    char *bad [] = { "dp", "--nosuch", NULL };
    assert_int_equal (bench_dp (2, bad), 2);
    char *extra [] = { "dp", "extra", NULL };
    assert_int_equal (bench_dp (2, extra), 2);
    char *help [] = { "dp", "--help", NULL };
    assert_int_equal (bench_dp (2, help), 0);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_quick_keys),
        cmocka_unit_test (test_usage),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
