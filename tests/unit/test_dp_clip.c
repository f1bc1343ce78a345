/*  Unit tests for dp/clip.c: L2 clipping, clip-and-sum, and the
    fixed-point sensitivity bound. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "dp/clip.h"
#include "util/error.h"
#include "alloc_walk.h"

//  Exact enough: long double sum of squares of doubles of similar size.
static long double
s_norm (const double *v, size_t d)
{
    long double s = 0;
    for (size_t i = 0; i < d; i++)
        s += (long double) v [i] * v [i];
    return sqrtl (s);
}

static void
test_clip_l2 (void **state)
{
    (void) state;
    double v [2] = { 3, 4 }, norm = 0;
    assert_int_equal (dp_clip_l2 (v, 2, 10, &norm), 0);      //  within: unchanged
    assert_true (v [0] == 3 && v [1] == 4 && norm == 5);
    assert_int_equal (dp_clip_l2 (v, 2, 5, NULL), 0);        //  exactly at c
    assert_true (v [0] == 3 && v [1] == 4);
    assert_int_equal (dp_clip_l2 (v, 2, 1, &norm), 0);
    assert_true (norm == 5);
    assert_true (s_norm (v, 2) <= 1);
    assert_true (fabs (v [0] - 0.6) < 1e-12 && fabs (v [1] - 0.8) < 1e-12);
    //  Huge and tiny coordinates neither overflow nor underflow.
    double big [3] = { 1e300, 1e300, -1e300 };
    assert_int_equal (dp_clip_l2 (big, 3, 2, &norm), 0);
    assert_true (isfinite (norm) && big [0] <= 2 && big [0] > 1.1);
    double tiny [2] = { 1e-300, 1e-300 };
    assert_int_equal (dp_clip_l2 (tiny, 2, 1e-301, NULL), 0);
    assert_true (tiny [0] > 0 && tiny [0] < 1e-300);
    double zero [2] = { 0, 0 };
    assert_int_equal (dp_clip_l2 (zero, 2, 1, &norm), 0);
    assert_true (norm == 0);
    //  Random directions always land at or below c, never above.
    for (int k = 1; k < 200; k++) {
        double w [7];
        for (int i = 0; i < 7; i++)
            w [i] = sin (k * (i + 1.3)) * k;
        assert_int_equal (dp_clip_l2 (w, 7, 0.37, NULL), 0);
        assert_true (s_norm (w, 7) <= 0.37);
    }
    double bad [2] = { NAN, 1 }, inf [2] = { INFINITY, 1 };
    assert_int_equal (dp_clip_l2 (bad, 2, 1, NULL), -1);
    assert_int_equal (dp_clip_l2 (inf, 2, 1, NULL), -1);
    assert_int_equal (dp_clip_l2 (v, 2, 0, NULL), -1);
    assert_int_equal (dp_clip_l2 (v, 2, -1, NULL), -1);
    assert_int_equal (dp_clip_l2 (v, 2, NAN, NULL), -1);
    assert_int_equal (dp_clip_l2 (v, 2, INFINITY, NULL), -1);
}

static void
test_clip_sum (void **state)
{
    (void) state;
    const double ex [3][2] = { { 3, 4 }, { 0.1, 0 }, { -6, 8 } };
    double sum [2] = { 1, 1 };
    assert_int_equal (dp_clip_sum (&ex [0][0], 3, 2, 1, sum), 0);
    //  1 + 0.6 + 0.1 - 0.6, 1 + 0.8 + 0 + 0.8
    assert_true (fabs (sum [0] - 1.1) < 1e-9 && fabs (sum [1] - 2.6) < 1e-9);
    assert_true (ex [0][0] == 3);                            //  input untouched
    const double bad [2][2] = { { 1, 1 }, { NAN, 0 } };
    assert_int_equal (dp_clip_sum (&bad [0][0], 2, 2, 1, sum), -1);
    assert_non_null (strstr (util_last_error (), "example 1"));
    assert_int_equal (dp_clip_sum (&ex [0][0], 3, 2, 0, sum), -1);
}

static void
test_clip_sum_fixed (void **state)
{
    (void) state;
    const double ex [2][3] = { { 3, 4, 0 }, { 0.2, -0.2, 0.5 } };
    int64_t sum [3] = { 0, 0, 0 };
    //  c = 1, f = 4: rows become (0.6, 0.8, 0)*16 = (9.6, 12.8, 0) -> (10, 13, 0)
    //  and (3.2, -3.2, 8) -> (3, -3, 8).
    assert_int_equal (dp_clip_sum_fixed (&ex [0][0], 2, 3, 1, 4, sum), 0);
    assert_true (sum [0] == 13 && sum [1] == 10 && sum [2] == 8);
    //  Each rounded row is within the sensitivity bound.
    double sens = dp_clip_sensitivity (1, 4, 3);
    assert_true (fabs (sens - (16 + sqrt (3) / 2)) < 1e-12);
    assert_true (sqrt (10 * 10 + 13 * 13) <= sens);
    //  Worst case for rounding: a row on the clip sphere whose every
    //  coordinate lands on .5 after scaling, with mixed signs. Each rounds
    //  away from zero, so the rounding error is parallel to the row and
    //  the bound c 2^f + sqrt(d)/2 is attained exactly: 1 + 1 at c = 1/16,
    //  f = 4, d = 4; 1.5 + 1.5 at c = 3/16, f = 3, d = 9.
    const double h4 = 0.5 / 16;
    double half [4] = { h4, -h4, h4, -h4 };
    int64_t s4 [4] = { 0, 0, 0, 0 };
    assert_int_equal (dp_clip_sum_fixed (half, 1, 4, 1.0 / 16, 4, s4), 0);
    assert_true (s4 [0] == 1 && s4 [1] == -1 && s4 [2] == 1 && s4 [3] == -1);
    assert_true (dp_clip_sensitivity (1.0 / 16, 4, 4) == 2);
    const double h9 = 0.5 / 8;
    double nine [9] = { h9, h9, -h9, h9, -h9, -h9, h9, h9, -h9 };
    int64_t s9 [9] = { 0 };
    assert_int_equal (dp_clip_sum_fixed (nine, 1, 9, 3.0 / 16, 3, s9), 0);
    for (int i = 0; i < 9; i++)
        assert_true (s9 [i] == (nine [i] > 0? 1: -1));
    assert_true (dp_clip_sensitivity (3.0 / 16, 3, 9) == 3);
    //  Any row, clipped or not, rounds to an integer vector within the
    //  bound: long rows far outside the ball and short ones inside it.
    for (int k = 1; k <= 300; k++) {
        double row [5];
        int64_t r [5] = { 0 };
        for (int i = 0; i < 5; i++)
            row [i] = sin (k * (i + 0.7)) * (k % 7) / 3;
        assert_int_equal (dp_clip_sum_fixed (row, 1, 5, 0.7, 3, r), 0);
        double n2 = 0;
        for (int i = 0; i < 5; i++)
            n2 += (double) r [i] * (double) r [i];
        assert_true (sqrt (n2) <= dp_clip_sensitivity (0.7, 3, 5));
    }
    //  Overflow of the integer sum is refused.
    int64_t top [3] = { INT64_MAX, 0, 0 };
    assert_int_equal (dp_clip_sum_fixed (&ex [0][0], 1, 3, 1, 4, top), -1);
    assert_int_equal (dp_clip_sum_fixed (&ex [0][0], 1, 3, 1, DP_CLIP_FRAC_BITS_MAX + 1, sum), -1);
    assert_int_equal (dp_clip_sum_fixed (&ex [0][0], 1, 3, 0, 4, sum), -1);
}

static void
test_sensitivity_bounds (void **state)
{
    (void) state;
    assert_true (dp_clip_sensitivity (1, 0, 1) == 1.5);
    assert_true (dp_clip_sensitivity (1, DP_CLIP_FRAC_BITS_MAX, 1) > 0);
    assert_true (dp_clip_sensitivity (1024, DP_CLIP_FRAC_BITS_MAX, 1) > 0);    //  2^50: edge
    assert_true (dp_clip_sensitivity (1025, DP_CLIP_FRAC_BITS_MAX, 1) < 0);
    assert_true (dp_clip_sensitivity (1, DP_CLIP_FRAC_BITS_MAX + 1, 1) < 0);
    assert_true (dp_clip_sensitivity (1, 4, 0) < 0);
    assert_true (dp_clip_sensitivity (0, 4, 1) < 0);
    assert_true (dp_clip_sensitivity (NAN, 4, 1) < 0);
}

//  Allocation failures: a clip-and-sum that cannot take its row leaves the
//  sum untouched.
typedef struct {
    double sum [2];
    int64_t fixed [2];
} s_sums_t;

static bool
s_clip_sums (void *arg)
{
    s_sums_t *s = arg;
    const double ex [2][2] = { { 3, 4 }, { 0.1, 0 } };
    assert_true (s->sum [0] == 1 && s->sum [1] == 1);
    assert_true (s->fixed [0] == 0 && s->fixed [1] == 0);
    if (dp_clip_sum (&ex [0][0], 2, 2, 1, s->sum))
        return false;
    if (dp_clip_sum_fixed (&ex [0][0], 2, 2, 1, 10, s->fixed) == 0)
        return true;
    s->sum [0] = s->sum [1] = 1;        //  the next run starts over
    return false;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    s_sums_t s = { { 1, 1 }, { 0, 0 } };
    assert_true (alloc_walk (s_clip_sums, &s) >= 2);
    assert_true (fabs (s.sum [0] - 1.7) < 1e-9 && fabs (s.sum [1] - 1.8) < 1e-9);
    //  round (0.6 2^10) + round (0.1 2^10), round (0.8 2^10)
    assert_true (s.fixed [0] == 614 + 102 && s.fixed [1] == 819);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_clip_l2),
        cmocka_unit_test (test_clip_sum),
        cmocka_unit_test (test_clip_sum_fixed),
        cmocka_unit_test (test_sensitivity_bounds),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
