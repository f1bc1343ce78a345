/*  Unit tests for site/policy.c: each cap on both sides of its edge, the
    parameter count against the plan's, and delta against 1/(10 x records)
    with a reason that never names the record count. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "site/policy.h"
#include "proto/plan.h"
#include "util/error.h"

//  A study parsed from `model` lines, `steps` and `features` (NULL: none
//  listed).
static proto_study_t *
s_study (const char *model, int steps, const char *features)
{
    char text [1024];
    snprintf (text, sizeof text, "study\n    name = s\n    dataset = d\n    label = y\n"
                                 "    model = %s\n    steps = %d\n    sampling_rate = 0.1\n"
                                 "    min_sites = 2\n%s%s%s    privacy\n        epsilon = 1\n"
                                 "        delta = 1e-5\n", model, steps,
              features? "    features = ": "", features? features: "", features? "\n": "");
    proto_study_t *s = proto_study_parse (text, "test");
    if (!s)
        fail_msg ("%s", util_last_error ());
    return s;
}

static void
s_refused (int rc, const char *reason)
{
    assert_int_equal (rc, -1);
    assert_int_equal (util_last_code (), UTIL_EREFUSED);
    if (strcmp (util_last_error (), reason))
        fail_msg ("'%s', expected '%s'", util_last_error (), reason);
}

static void
test_defaults (void **state)
{
    (void) state;
    site_policy_t p;
    site_policy_default (&p);
    assert_int_equal (p.max_params, 1000000);
    assert_int_equal (p.max_steps, 10000);
    assert_int_equal (p.max_features, 1024);
    assert_int_equal (p.max_hidden, 1024);
    //  The study the demo runs (an MLP of 8 units over the 30 features of
    //  breast cancer) and the benchmarks' (64 units) are far within.
    proto_study_t *s = s_study ("mlp\n    hidden = 64", 200, NULL);
    assert_int_equal (site_policy_check_study (&p, s), 0);
    assert_int_equal (site_policy_check_model (&p, s, 30), 0);
    proto_study_destroy (&s);
}

//  The parameter count is the plan's, and saturates instead of wrapping.
static void
test_params (void **state)
{
    (void) state;
    proto_study_t *s = s_study ("mlp\n    hidden = 4096,4096,4096", 1, NULL);
    for (size_t p = 1; p < 5000; p += 499)
        assert_int_equal (site_policy_params (s, p), proto_plan_params (s, p));
    assert_int_equal (site_policy_params (s, UINT64_MAX / 2), UINT64_MAX);
    proto_study_destroy (&s);
    s = s_study ("logistic", 1, NULL);
    assert_int_equal (site_policy_params (s, 30), 31);
    assert_int_equal (site_policy_params (s, UINT64_MAX), UINT64_MAX);
    proto_study_destroy (&s);
}

//  Each cap: at its value accepted, one over refused naming the key.
static void
test_caps (void **state)
{
    (void) state;
    site_policy_t p = { .max_params = 31, .max_steps = 100, .max_features = 30,
                        .max_hidden = 8 };
    proto_study_t *s = s_study ("logistic", 100, NULL);
    assert_int_equal (site_policy_check_study (&p, s), 0);
    assert_int_equal (site_policy_check_model (&p, s, 30), 0);
    s_refused (site_policy_check_model (&p, s, 31), "policy: the model has 31 input features, "
               "this site allows at most 30 (site.cfg policy/max_features)");
    p.max_features = 31;
    s_refused (site_policy_check_model (&p, s, 31), "policy: the model has 32 parameters, this "
               "site allows at most 31 (site.cfg policy/max_params)");
    proto_study_destroy (&s);

    s = s_study ("logistic", 101, NULL);
    s_refused (site_policy_check_study (&p, s), "policy: the study has 101 training steps, this "
               "site allows at most 100 (site.cfg policy/max_steps)");
    proto_study_destroy (&s);

    s = s_study ("mlp\n    hidden = 8,9", 1, NULL);
    s_refused (site_policy_check_study (&p, s), "policy: hidden layer 2 has 9 units, this site "
               "allows at most 8 (site.cfg policy/max_hidden)");
    proto_study_destroy (&s);

    //  Before the data: the listed features, and the parameters over them
    //  at the least (one input when none are listed).
    p = (site_policy_t) { .max_params = 1000, .max_steps = 100, .max_features = 2,
                          .max_hidden = 4096 };
    s = s_study ("logistic", 1, "a,b,c");
    s_refused (site_policy_check_study (&p, s), "policy: the model has 3 input features, this "
               "site allows at most 2 (site.cfg policy/max_features)");
    proto_study_destroy (&s);
    s = s_study ("mlp\n    hidden = 40", 1, NULL);
    //  40 x 2 + 41 = 121 over one input.
    p.max_params = 120;
    s_refused (site_policy_check_study (&p, s), "policy: the model has at least 121 parameters, "
               "this site allows at most 120 (site.cfg policy/max_params)");
    p.max_params = 121;
    assert_int_equal (site_policy_check_study (&p, s), 0);
    s_refused (site_policy_check_model (&p, s, 2), "policy: the model has 161 parameters, this "
               "site allows at most 121 (site.cfg policy/max_params)");
    proto_study_destroy (&s);

    //  A query has no model: nothing to cap here.
    s = proto_study_parse ("query\n    dataset = d\n    expr = \"count()\"\n    min_sites = 2\n"
                           "    privacy\n        epsilon = 1\n        delta = 1e-5\n", "q");
    assert_non_null (s);
    p.max_steps = 1;
    p.max_features = 1;
    assert_int_equal (site_policy_check_study (&p, s), 0);
    proto_study_destroy (&s);
}

//  delta <= 1/(10 n) on both sides, for the study's and the budget's; the
//  reason names the delta, never n.
static void
test_delta (void **state)
{
    (void) state;
    assert_int_equal (site_policy_check_delta (5e-5, 1e-5, 2000), 0);
    s_refused (site_policy_check_delta (5.0001e-5, 1e-5, 2000), "privacy: delta 5.0001e-05 is "
               "too large for this dataset (delta must be at most 1/(10 x records))");
    assert_null (strstr (util_last_error (), "2000"));
    s_refused (site_policy_check_delta (1e-5, 5.0001e-5, 2000), "privacy: this site's budget "
               "delta 5.0001e-05 is too large for this dataset (site.cfg budget/delta must be "
               "at most 1/(10 x records))");
    assert_null (strstr (util_last_error (), "2000"));
    //  1/(10 x 3) = 0.0333...: any delta a study may name passes.
    assert_int_equal (site_policy_check_delta (PROTO_DELTA_MAX, PROTO_DELTA_MAX, 3), 0);
    //  No records: nothing to protect. A NaN never passes.
    assert_int_equal (site_policy_check_delta (PROTO_DELTA_MAX, PROTO_DELTA_MAX, 0), 0);
    assert_int_equal (site_policy_check_delta (NAN, 1e-9, 10), -1);
    //  A large store: 1e-12 at 10^11 records is its bound.
    assert_int_equal (site_policy_check_delta (1e-12, 1e-12, 100000000000ULL), 0);
    assert_int_equal (site_policy_check_delta (1e-12, 1e-12, 100000000001ULL), -1);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_defaults),
        cmocka_unit_test (test_params),
        cmocka_unit_test (test_caps),
        cmocka_unit_test (test_delta),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
