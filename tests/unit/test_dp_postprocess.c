/*  Unit tests for dp/postprocess.c: Norm-Sub keeps the noisy total, never
    leaves a negative bin, leaves a clean histogram alone, and refuses bad
    input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "dp/postprocess.h"
#include "util/error.h"

static double
s_sum (const double *x, size_t n)
{
    double t = 0;
    for (size_t b = 0; b < n; b++)
        t += x [b];
    return t;
}

static void
test_known_answers (void **state)
{
    (void) state;
    double a [] = { 10, 5, -1 };                //  total 14: subtract 0.5 from the two kept
    assert_int_equal (dp_norm_sub (a, 3), 0);
    assert_true (a [0] == 9.5 && a [1] == 4.5 && a [2] == 0);
    double b [] = { 40, -7, 3, -9, 2 };         //  total 29: keep only the first, 40 - 11
    assert_int_equal (dp_norm_sub (b, 5), 0);
    assert_true (b [0] == 29 && b [1] == 0 && b [2] == 0 && b [3] == 0 && b [4] == 0);
    double clean [] = { 3, 0, 7, 1 };           //  no negative bin: unchanged
    assert_int_equal (dp_norm_sub (clean, 4), 0);
    assert_true (clean [0] == 3 && clean [1] == 0 && clean [2] == 7 && clean [3] == 1);
    double neg [] = { -3, 1, -2 };              //  total <= 0: nothing left
    assert_int_equal (dp_norm_sub (neg, 3), 0);
    assert_true (neg [0] == 0 && neg [1] == 0 && neg [2] == 0);
    double one [] = { 5 };
    assert_int_equal (dp_norm_sub (one, 1), 0);
    assert_true (one [0] == 5);
}

//  Property: for many noisy vectors the result is non-negative, keeps the
//  total, and preserves the order of the bins.
static void
test_properties (void **state)
{
    (void) state;
    uint64_t s = 88172645463325252ULL;
    for (int trial = 0; trial < 2000; trial++) {
        double x [12], y [12];
        size_t n = 1 + (size_t) (trial % 12);
        for (size_t b = 0; b < n; b++) {
            s ^= s << 13; s ^= s >> 7; s ^= s << 17;
            x [b] = (double) (s % 2001) / 10.0 - 60;    //  -60 .. 140
            y [b] = x [b];
        }
        double total = s_sum (x, n);
        assert_int_equal (dp_norm_sub (y, n), 0);
        for (size_t b = 0; b < n; b++) {
            assert_true (y [b] >= 0);
            for (size_t c = 0; c < n; c++)
                if (x [b] > x [c])
                    assert_true (y [b] >= y [c]);
        }
        if (total > 0)
            assert_true (fabs (s_sum (y, n) - total) < 1e-9 * (1 + fabs (total)));
        else
            assert_true (s_sum (y, n) == 0);
    }
}

static void
test_refusals (void **state)
{
    (void) state;
    double x [] = { 1, NAN, 2 };
    assert_int_equal (dp_norm_sub (x, 3), -1);
    assert_string_equal (util_last_error (), "norm-sub: bin 1 is not finite");
    double y [] = { INFINITY };
    assert_int_equal (dp_norm_sub (y, 1), -1);
    assert_int_equal (dp_norm_sub (y, 0), -1);
    assert_string_equal (util_last_error (), "norm-sub: empty histogram");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_known_answers),
        cmocka_unit_test (test_properties),
        cmocka_unit_test (test_refusals),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
