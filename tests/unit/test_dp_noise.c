/*  Unit tests for dp/noise.c: kind names both ways, the sampler each kind
    and scale sets up (sigma^2 = S^2 for the Gaussian, scale S for the
    Laplace; the draws are exactly those of dp/discrete.h's samplers on the
    same stream), the scale's limits on both sides, and bad input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dp/noise.h"
#include "util/error.h"

static void
test_kinds (void **state)
{
    (void) state;
    dp_noise_kind_t k;
    assert_int_equal (dp_noise_kind_parse ("discrete-gaussian", &k), 0);
    assert_int_equal (k, DP_NOISE_DISCRETE_GAUSSIAN);
    assert_string_equal (dp_noise_kind_name (k), "discrete-gaussian");
    assert_int_equal (dp_noise_kind_parse ("discrete-laplace", &k), 0);
    assert_int_equal (k, DP_NOISE_DISCRETE_LAPLACE);
    assert_string_equal (dp_noise_kind_name (k), "discrete-laplace");
    const char *bad [] = { "Discrete-Gaussian", "gaussian", "discrete-gaussian ", "", NULL };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        k = DP_NOISE_DISCRETE_LAPLACE;
        assert_int_equal (dp_noise_kind_parse (bad [i], &k), -1);
        assert_int_equal (k, DP_NOISE_DISCRETE_LAPLACE);
        assert_non_null (strstr (util_last_error (), "is neither discrete-gaussian nor"));
    }
    assert_string_equal (dp_noise_kind_name ((dp_noise_kind_t) 2), "?");
}

static void
test_init (void **state)
{
    (void) state;
    dp_noise_t n;
    assert_int_equal (dp_noise_init (&n, DP_NOISE_DISCRETE_GAUSSIAN, "7/3"), 0);
    assert_int_equal (n.kind, DP_NOISE_DISCRETE_GAUSSIAN);
    assert_int_equal (n.gauss.sigma2.num, 49);
    assert_int_equal (n.gauss.sigma2.den, 9);
    assert_int_equal (dp_noise_init (&n, DP_NOISE_DISCRETE_LAPLACE, "2.5"), 0);
    assert_int_equal (n.kind, DP_NOISE_DISCRETE_LAPLACE);
    assert_int_equal (n.laplace.t, 5);
    assert_int_equal (n.laplace.s, 2);
    //  The Gaussian's S^2 must fit DP_RATIONAL_MAX = 2^40: S = 2^20 is the
    //  largest whole sigma; the Laplace takes S up to 2^40 itself.
    assert_int_equal (dp_noise_init (&n, DP_NOISE_DISCRETE_GAUSSIAN, "1048576"), 0);
    assert_int_equal (dp_noise_init (&n, DP_NOISE_DISCRETE_GAUSSIAN, "1048577"), -1);
    assert_non_null (strstr (util_last_error (), "sigma 1048577"));
    assert_int_equal (dp_noise_init (&n, DP_NOISE_DISCRETE_LAPLACE, "1048577"), 0);
    assert_int_equal (dp_noise_init (&n, DP_NOISE_DISCRETE_LAPLACE, "1099511627776"), 0);
    assert_int_equal (dp_noise_init (&n, DP_NOISE_DISCRETE_LAPLACE, "1099511627777"), -1);
    //  Not a positive rational.
    const char *bad [] = { "0", "-1", "1e3", "7/0", "", " 2", "2.5x", "0/3" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++)
        for (int k = 0; k < 2; k++)
            if (dp_noise_init (&n, (dp_noise_kind_t) k, bad [i]) != -1)
                fail_msg ("scale '%s' was taken", bad [i]);
    assert_int_equal (dp_noise_init (&n, DP_NOISE_DISCRETE_GAUSSIAN, NULL), -1);
    assert_int_equal (dp_noise_init (&n, (dp_noise_kind_t) 9, "1"), -1);
    assert_non_null (strstr (util_last_error (), "unknown"));
}

//  The draws are those of the underlying sampler, value for value.
static void
test_sample (void **state)
{
    (void) state;
    dp_noise_t n;
    dp_rational_t sigma2 = { 49, 9 }, scale = { 5, 2 };
    dp_dgauss_t g;
    dp_dlaplace_t l;
    assert_int_equal (dp_dgauss_init (&g, &sigma2), 0);
    assert_int_equal (dp_dlaplace_init (&l, &scale), 0);
    for (int k = 0; k < 2; k++) {
        assert_int_equal (dp_noise_init (&n, (dp_noise_kind_t) k, k? "2.5": "7/3"), 0);
        dp_rng_t *a = dp_rng_new_seeded_for_tests ("noise", 5);
        dp_rng_t *b = dp_rng_new_seeded_for_tests ("noise", 5);
        assert_non_null (a);
        assert_non_null (b);
        int nonzero = 0;
        for (int i = 0; i < 2000; i++) {
            int64_t x, y;
            assert_int_equal (dp_noise_sample (&n, a, &x), 0);
            assert_int_equal (k? dp_dlaplace_sample (&l, b, &y): dp_dgauss_sample (&g, b, &y),
                              0);
            assert_int_equal (x, y);
            nonzero += x != 0;
        }
        assert_true (nonzero > 1000);
        dp_rng_destroy (&a);
        dp_rng_destroy (&b);
    }
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_kinds),
        cmocka_unit_test (test_init),
        cmocka_unit_test (test_sample),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
