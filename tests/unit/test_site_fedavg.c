/*  Unit tests for site/fedavg.c: the local FedAvg delta lowers the site's
    local objective, more epochs lower it further, the shuffle comes from
    the given stream (same seed, same delta), the MLP path, no rows, and a
    diverging run refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/logistic.h"
#include "util/error.h"
#include "models/mlp.h"
#include "proto/plan.h"
#include "site/fedavg.h"

#define S_ROWS 60
#define S_P 3

static gsl_matrix *s_Z;
static gsl_vector *s_y;

//  A separable-ish problem: y = 1 when 2 a - b + noise-free offset > 0.
static int
s_setup (void **state)
{
    (void) state;
    s_Z = gsl_matrix_alloc (S_ROWS, S_P);
    s_y = gsl_vector_alloc (S_ROWS);
    for (size_t i = 0; i < S_ROWS; i++) {
        double a = sin (1.7 * (double) i), b = cos (0.9 * (double) i), c = (double) (i % 7) / 7;
        gsl_matrix_set (s_Z, i, 0, a);
        gsl_matrix_set (s_Z, i, 1, b);
        gsl_matrix_set (s_Z, i, 2, c);
        gsl_vector_set (s_y, i, 2 * a - b + 0.2 > 0);
    }
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    gsl_matrix_free (s_Z);
    gsl_vector_free (s_y);
    return 0;
}

static proto_study_t *
s_study (const char *model, unsigned epochs, double lr, unsigned batch)
{
    char text [512];
    snprintf (text, sizeof text, "study\n    name = f\n    dataset = d\n    label = y\n"
              "    model = %s\n    hidden = 4\n    steps = 1\n    min_sites = 1\n"
              "    l2 = 1\n    local_epochs = %u\n    local_learning_rate = %g\n"
              "    local_batch = %u\n    privacy\n        unit = site\n        off = true\n",
              model, epochs, lr, batch);
    proto_study_t *s = proto_study_parse (text, "f.cfg");
    assert_non_null (s);
    return s;
}

//  The site's local objective at w + delta (LR): mean log-loss + l2/(2n) |w|^2.
static double
s_loss (const double *w, const double *delta)
{
    gsl_vector *v = gsl_vector_alloc (S_P + 1);
    for (size_t i = 0; i <= S_P; i++)
        gsl_vector_set (v, i, w [i] + (delta? delta [i]: 0));
    double loss = model_lr_loss (v, s_Z, s_y, 1) / S_ROWS;
    gsl_vector_free (v);
    return loss;
}

static void
test_epochs_lower_the_loss (void **state)
{
    (void) state;
    double w [S_P + 1] = { 0, 0, 0, 0 }, d1 [S_P + 1], d5 [S_P + 1];
    proto_study_t *one = s_study ("logistic", 1, 0.1, 8);
    proto_study_t *five = s_study ("logistic", 5, 0.1, 8);
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("fedavg", 6);
    assert_int_equal (site_fedavg_delta (d1, one, S_P + 1, s_Z, s_y, w, rng), 0);
    assert_int_equal (site_fedavg_delta (d5, five, S_P + 1, s_Z, s_y, w, rng), 0);
    double l0 = s_loss (w, NULL), l1 = s_loss (w, d1), l5 = s_loss (w, d5);
    printf ("# local loss: start %.4f, 1 epoch %.4f, 5 epochs %.4f\n", l0, l1, l5);
    assert_true (l1 < l0);
    assert_true (l5 < l1);
    //  The delta moves towards the labelling rule (+a, -b).
    assert_true (d5 [0] > 0 && d5 [1] < 0);
    //  From a non-zero start the delta is relative to it.
    double w2 [S_P + 1] = { 1, -0.5, 0, 0.2 }, d2 [S_P + 1];
    assert_int_equal (site_fedavg_delta (d2, five, S_P + 1, s_Z, s_y, w2, rng), 0);
    assert_true (s_loss (w2, d2) < s_loss (w2, NULL));
    proto_study_destroy (&one);
    proto_study_destroy (&five);
    dp_rng_destroy (&rng);
}

static void
test_shuffle_from_the_stream (void **state)
{
    (void) state;
    double w [S_P + 1] = { 0 }, a [S_P + 1], b [S_P + 1], c [S_P + 1];
    proto_study_t *s = s_study ("logistic", 2, 0.5, 4);
    dp_rng_t *r1 = dp_rng_new_seeded_for_tests ("x", 1), *r2 = dp_rng_new_seeded_for_tests ("x", 1);
    dp_rng_t *r3 = dp_rng_new_seeded_for_tests ("y", 1);
    assert_int_equal (site_fedavg_delta (a, s, S_P + 1, s_Z, s_y, w, r1), 0);
    assert_int_equal (site_fedavg_delta (b, s, S_P + 1, s_Z, s_y, w, r2), 0);
    assert_int_equal (site_fedavg_delta (c, s, S_P + 1, s_Z, s_y, w, r3), 0);
    assert_memory_equal (a, b, sizeof a);
    //  Another order of the minibatches gives another delta.
    assert_memory_not_equal (a, c, sizeof a);
    proto_study_destroy (&s);
    //  One batch holding every row: full-batch gradient descent, no order.
    s = s_study ("logistic", 3, 0.5, 1000);
    assert_int_equal (site_fedavg_delta (a, s, S_P + 1, s_Z, s_y, w, r1), 0);
    assert_int_equal (site_fedavg_delta (c, s, S_P + 1, s_Z, s_y, w, r3), 0);
    for (int i = 0; i <= S_P; i++)
        assert_true (fabs (a [i] - c [i]) < 1e-12);
    //  ... equal to three explicit steps on the mean objective.
    gsl_vector *v = gsl_vector_calloc (S_P + 1), *g = gsl_vector_alloc (S_P + 1);
    for (int e = 0; e < 3; e++) {
        model_lr_gradient (g, v, s_Z, s_y, 1);
        gsl_vector_scale (g, 0.5 / S_ROWS);
        gsl_vector_sub (v, g);
    }
    for (int i = 0; i <= S_P; i++)
        assert_true (fabs (a [i] - gsl_vector_get (v, i)) < 1e-12);
    gsl_vector_free (v);
    gsl_vector_free (g);
    proto_study_destroy (&s);
    dp_rng_destroy (&r1);
    dp_rng_destroy (&r2);
    dp_rng_destroy (&r3);
}

static void
test_mlp_empty_and_divergence (void **state)
{
    (void) state;
    proto_study_t *s = s_study ("mlp", 3, 0.1, 16);
    size_t n = proto_plan_params (s, S_P);
    model_mlp_t *mlp = model_mlp_new (S_P, s->hidden, s->n_hidden, MODEL_ACT_RELU);
    model_mlp_init (mlp, 3);
    gsl_vector *w = model_mlp_params (mlp), *after = gsl_vector_alloc (n);
    double *delta = calloc (n, sizeof (double));
    dp_rng_t *rng = dp_rng_new_seeded_for_tests ("m", 1);
    assert_int_equal (site_fedavg_delta (delta, s, n, s_Z, s_y, w->data, rng), 0);
    for (size_t i = 0; i < n; i++)
        gsl_vector_set (after, i, gsl_vector_get (w, i) + delta [i]);
    double before = model_mlp_loss (mlp, s_Z, s_y, 1);
    gsl_vector_memcpy (w, after);
    assert_true (model_mlp_loss (mlp, s_Z, s_y, 1) < before);
    //  No rows: a zero delta.
    gsl_matrix_view none = gsl_matrix_submatrix (s_Z, 0, 0, 1, S_P);
    none.matrix.size1 = 0;
    gsl_vector_view ny = gsl_vector_subvector (s_y, 0, 1);
    ny.vector.size = 0;
    delta [0] = 5;
    assert_int_equal (site_fedavg_delta (delta, s, n, &none.matrix, &ny.vector, w->data, rng), 0);
    for (size_t i = 0; i < n; i++)
        assert_true (delta [i] == 0);
    proto_study_destroy (&s);
    //  A value no step survives: refused, the delta zeroed.
    s = s_study ("logistic", 1, 100, 1);
    gsl_matrix *Z = gsl_matrix_alloc (S_ROWS, S_P);
    gsl_matrix_memcpy (Z, s_Z);
    gsl_matrix_set (Z, 0, 0, 1e308);
    double w0 [S_P + 1] = { 0 }, d [S_P + 1];
    assert_int_equal (site_fedavg_delta (d, s, S_P + 1, Z, s_y, w0, rng), -1);
    assert_non_null (strstr (util_last_error (), "diverged"));
    for (int i = 0; i <= S_P; i++)
        assert_true (d [i] == 0);
    gsl_matrix_free (Z);
    proto_study_destroy (&s);
    gsl_vector_free (after);
    free (delta);
    model_mlp_destroy (&mlp);
    dp_rng_destroy (&rng);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_epochs_lower_the_loss),
        cmocka_unit_test (test_shuffle_from_the_stream),
        cmocka_unit_test (test_mlp_empty_and_divergence),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
