/*  Unit tests for models/optim.c: exact first steps, momentum, Adam's bias
    correction, convergence on a quadratic and refused input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "models/optim.h"
#include "util/error.h"

static void
test_sgd_steps (void **state)
{
    (void) state;
    model_optim_t *opt = model_optim_sgd_new (2, 0.1, 0.5);
    assert_non_null (opt);
    gsl_vector *w = gsl_vector_calloc (2), *g = gsl_vector_alloc (2);
    gsl_vector_set (g, 0, 4);
    gsl_vector_set (g, 1, -2);
    //  scale 0.5: g = (2, -1). v1 = g; w = -0.1 g.
    assert_int_equal (model_optim_step (opt, w, g, 0.5), 0);
    assert_true (fabs (gsl_vector_get (w, 0) + 0.2) < 1e-15);
    assert_true (fabs (gsl_vector_get (w, 1) - 0.1) < 1e-15);
    //  v2 = 0.5 v1 + g = 1.5 g; w = -0.1 g - 0.15 g = -0.25 g.
    assert_int_equal (model_optim_step (opt, w, g, 0.5), 0);
    assert_true (fabs (gsl_vector_get (w, 0) + 0.5) < 1e-15);
    assert_true (fabs (gsl_vector_get (w, 1) - 0.25) < 1e-15);
    assert_int_equal (model_optim_steps (opt), 2);
    model_optim_destroy (&opt);
    assert_null (opt);
    model_optim_destroy (&opt);
    gsl_vector_free (w);
    gsl_vector_free (g);
}

static void
test_adam_steps (void **state)
{
    (void) state;
    model_optim_t *opt = model_optim_adam_new (2, 0.01, 0.9, 0.999, 1e-8);
    gsl_vector *w = gsl_vector_calloc (2), *g = gsl_vector_alloc (2);
    gsl_vector_set (g, 0, 300);
    gsl_vector_set (g, 1, -0.002);
    //  With bias correction the first step is lr * g / (|g| + eps): about
    //  lr in each coordinate, whatever the gradient's size.
    assert_int_equal (model_optim_step (opt, w, g, 1), 0);
    assert_true (fabs (gsl_vector_get (w, 0) + 0.01 * 300 / (300 + 1e-8)) < 1e-15);
    assert_true (fabs (gsl_vector_get (w, 1) - 0.01 * 0.002 / (0.002 + 1e-8)) < 1e-15);
    //  Second step with the same g: m/c1 = g and u/c2 = g^2 again.
    assert_int_equal (model_optim_step (opt, w, g, 1), 0);
    assert_true (fabs (gsl_vector_get (w, 0) + 2 * 0.01 * 300 / (300 + 1e-8)) < 1e-14);
    model_optim_destroy (&opt);
    gsl_vector_free (w);
    gsl_vector_free (g);
}

//  Both optimisers minimise f(w) = sum_j (j + 1) (w_j - 1)^2.
static void
test_converge (void **state)
{
    (void) state;
    model_optim_t *opts [] = {
        model_optim_sgd_new (3, 0.05, 0.9),
        model_optim_adam_new (3, 0.05, 0.9, 0.999, 1e-8),
    };
    for (int k = 0; k < 2; k++) {
        gsl_vector *w = gsl_vector_calloc (3), *g = gsl_vector_alloc (3);
        for (int it = 0; it < 2000; it++) {
            for (size_t j = 0; j < 3; j++)
                gsl_vector_set (g, j, 2.0 * (double) (j + 1) * (gsl_vector_get (w, j) - 1));
            assert_int_equal (model_optim_step (opts [k], w, g, 1), 0);
        }
        for (size_t j = 0; j < 3; j++)
            assert_true (fabs (gsl_vector_get (w, j) - 1) < 1e-3);
        gsl_vector_free (w);
        gsl_vector_free (g);
        model_optim_destroy (&opts [k]);
    }
}

static void
test_refusals (void **state)
{
    (void) state;
    assert_null (model_optim_sgd_new (0, 0.1, 0));
    assert_null (model_optim_sgd_new (2, 0, 0));
    assert_string_equal (util_last_error (), "learning rate 0 is not positive");
    assert_null (model_optim_sgd_new (2, NAN, 0));
    assert_null (model_optim_sgd_new (2, 0.1, 1));
    assert_null (model_optim_sgd_new (2, 0.1, -0.1));
    assert_null (model_optim_adam_new (2, 0.1, 0.9, 1, 1e-8));
    assert_null (model_optim_adam_new (2, 0.1, 0.9, 0.999, 0));
    model_optim_t *opt = model_optim_adam_new (2, 0.1, 0, 0, 1e-8);
    assert_non_null (opt);
    gsl_vector *w = gsl_vector_calloc (2), *g = gsl_vector_calloc (2), *g3 = gsl_vector_calloc (3);
    assert_int_equal (model_optim_step (opt, w, g3, 1), -1);
    assert_string_equal (util_last_error (),
                         "optimiser for 2 parameters got 2 parameters and a gradient of 3");
    gsl_vector_set (g, 0, 1);
    gsl_vector_set (g, 1, INFINITY);
    assert_int_equal (model_optim_step (opt, w, g, 1), -1);
    assert_string_equal (util_last_error (), "gradient entry 1 is not finite");
    assert_true (gsl_vector_get (w, 0) == 0);
    assert_int_equal (model_optim_steps (opt), 0);
    gsl_vector_free (w);
    gsl_vector_free (g);
    gsl_vector_free (g3);
    model_optim_destroy (&opt);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_sgd_steps),
        cmocka_unit_test (test_adam_steps),
        cmocka_unit_test (test_converge),
        cmocka_unit_test (test_refusals),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
