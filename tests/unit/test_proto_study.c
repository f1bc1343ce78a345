/*  Unit tests for proto/study.c: a full study parses; each bad key is
    refused naming it; the evaluation schedule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "proto/study.h"

static const char *s_full =
    "study\n"
    "    name = breast-cancer-lr\n"
    "    dataset = breast_cancer\n"
    "    label = malignant\n"
    "    features = mean_radius, mean_texture\n"
    "    categorical =\n"
    "    missing = impute\n"
    "    model = logistic\n"
    "    optimizer = sgd\n"
    "    learning_rate = 0.1\n"
    "    steps = 200\n"
    "    sampling_rate = 0.05\n"
    "    clip = 2\n"
    "    min_sites = 2\n"
    "    eval_every = 50\n"
    "    privacy\n"
    "        unit = record\n"
    "        epsilon = 1\n"
    "        delta = 1e-5\n"
    "        off = false\n";

static void
test_full (void **state)
{
    (void) state;
    proto_study_t *s = proto_study_parse (s_full, "s.cfg");
    assert_non_null (s);
    assert_string_equal (s->name, "breast-cancer-lr");
    assert_int_equal (s->n_features, 2);
    assert_string_equal (s->features [1], "mean_texture");
    assert_true (s->impute);
    assert_int_equal (s->optimizer, PROTO_OPT_SGD);
    assert_int_equal (s->steps, 200);
    assert_true (s->clip == 2 && s->l2 == 1);
    assert_int_equal (s->min_sites, 2);
    assert_false (s->privacy_off);
    assert_int_equal (proto_study_eval_rounds (s), 4);
    assert_true (proto_study_eval_after (s, 50));
    assert_false (proto_study_eval_after (s, 51));
    assert_true (proto_study_eval_after (s, 200));
    s->eval_every = 0;
    assert_int_equal (proto_study_eval_rounds (s), 1);
    assert_false (proto_study_eval_after (s, 50));
    s->eval_every = 60;
    assert_int_equal (proto_study_eval_rounds (s), 4);
    proto_study_destroy (&s);
    assert_null (s);
    proto_study_destroy (&s);
}

static void
s_bad (const char *from, const char *to, const char *needle)
{
    char text [2048];
    const char *at = strstr (s_full, from);
    assert_non_null (at);
    snprintf (text, sizeof text, "%.*s%s%s", (int) (at - s_full), s_full, to, at + strlen (from));
    proto_study_t *s = proto_study_parse (text, "s.cfg");
    if (s)
        fail_msg ("accepted: %s", to);
    if (!strstr (proto_last_error (), needle))
        fail_msg ("error '%s' lacks '%s'", proto_last_error (), needle);
}

static void
test_bad (void **state)
{
    (void) state;
    s_bad ("    steps = 200\n", "", "study/steps: missing");
    s_bad ("steps = 200", "steps = 0", "study/steps");
    s_bad ("steps = 200", "steps = 2.5", "not a whole number");
    s_bad ("steps = 200", "steps = many", "study/steps");
    s_bad ("sampling_rate = 0.05", "sampling_rate = 1.5", "study/sampling_rate");
    s_bad ("min_sites = 2", "min_sites = 65", "study/min_sites");
    s_bad ("missing = impute", "missing = guess", "study/missing");
    s_bad ("model = logistic", "model = forest", "study/model");
    s_bad ("categorical =", "categorical = a", "study/categorical");
    s_bad ("unit = record", "unit = site", "not implemented");
    s_bad ("off = false", "off = maybe", "study/privacy/off");
    s_bad ("epsilon = 1", "epsilon = -1", "study/privacy/epsilon");
    s_bad ("delta = 1e-5", "delta = 0.9", "study/privacy/delta");
    s_bad ("    clip = 2\n", "    clip = 2\n    colour = red\n", "study/colour: unknown key");
    s_bad ("        off = false\n", "        off = false\n        eps = 2\n", "unknown key");
    s_bad ("features = mean_radius, mean_texture", "features = a,,b", "study/features");
    s_bad ("    name = breast-cancer-lr\n", "", "study/name: missing");
    s_bad ("model = logistic", "model = mlp\n    hidden = 1,2,3,4", "study/hidden");
    s_bad ("model = logistic", "model = mlp\n    hidden = 0", "study/hidden");
    assert_null (proto_study_parse ("other\n    x = 1\n", "o.cfg"));
    assert_non_null (strstr (proto_last_error (), "no 'study' section"));
}

static void
test_mlp_and_off (void **state)
{
    (void) state;
    proto_study_t *s = proto_study_parse ("study\n    name = m\n    dataset = d\n    label = y\n"
                                          "    model = mlp\n    hidden = 64, 8\n    steps = 5\n"
                                          "    sampling_rate = 1\n    min_sites = 1\n"
                                          "    privacy\n        off = true\n", "m.cfg");
    assert_non_null (s);
    assert_int_equal (s->n_hidden, 2);
    assert_int_equal (s->hidden [1], 8);
    assert_true (s->privacy_off);
    assert_null (s->features);
    proto_study_destroy (&s);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_full),
        cmocka_unit_test (test_bad),
        cmocka_unit_test (test_mlp_and_off),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
