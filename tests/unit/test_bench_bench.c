/*  Unit tests for bench/bench.c: the clock moves forward, a report is
    built until an allocation fails (then it is gone), and reports print as
    JSON or as aligned lines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"

static void
test_clock (void **state)
{
    (void) state;
    double a = bench_now (), b = bench_now ();
    assert_true (a > 0 && b >= a);
}

static void
test_set (void **state)
{
    (void) state;
    json_t *r = json_object ();
    assert_int_equal (bench_set (&r, "a_ms", json_real (1.5)), 0);
    assert_int_equal (bench_set (&r, "n", json_integer (3)), 0);
    assert_int_equal (json_object_size (r), 2);
    //  A value whose allocation failed: the report is freed.
    assert_int_equal (bench_set (&r, "b_ms", NULL), -1);
    assert_null (r);
    //  Later sets do nothing (and free their values).
    assert_int_equal (bench_set (&r, "c_ms", json_real (2)), -1);
    assert_null (r);
}

static void
test_emit (void **state)
{
    (void) state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&buf, &len);
    json_t *r = json_object ();
    json_object_set_new (r, "x_ms", json_real (1.5));
    json_object_set_new (r, "n", json_integer (3));
    assert_int_equal (bench_emit (r, true, f), 0);
    fclose (f);
    json_error_t err;
    json_t *back = json_loads (buf, 0, &err);
    assert_non_null (back);
    assert_true (json_real_value (json_object_get (back, "x_ms")) == 1.5);
    json_decref (back);
    free (buf);

    f = open_memstream (&buf, &len);
    r = json_object ();
    json_object_set_new (r, "x_ms", json_real (1.5));
    assert_int_equal (bench_emit (r, false, f), 0);
    fclose (f);
    assert_non_null (strstr (buf, "x_ms"));
    assert_non_null (strstr (buf, "1.5"));
    free (buf);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_clock),
        cmocka_unit_test (test_set),
        cmocka_unit_test (test_emit),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
