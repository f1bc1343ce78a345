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
#include "util/error.h"
#include "alloc_walk.h"
#include "support_error.h"
#include "support_file.h"

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
    //  scale = auto by default: statistics until the study is known to be
    //  read through the dictionary; the default evaluation share.
    assert_int_equal (s->scale, PROTO_SCALE_AUTO);
    assert_false (s->bounds);
    assert_true (s->eval_share == PROTO_EVAL_SHARE_DEFAULT);
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
    support_text_replace (text, sizeof text, s_full, from, to);
    proto_study_t *s = proto_study_parse (text, "s.cfg");
    support_expect_refused (s == NULL, to, needle);
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
    s_bad ("min_sites = 2", "min_sites = 257", "study/min_sites");
    s_bad ("missing = impute", "missing = guess", "study/missing");
    s_bad ("model = logistic", "model = forest", "study/model");
    s_bad ("categorical =", "categorical = a", "study/categorical");
    s_bad ("unit = record", "unit = site", "study/sampling_rate: must be 1 with privacy/unit = site");
    s_bad ("unit = record", "unit = group", "study/privacy/unit: 'group' is neither");
    s_bad ("    clip = 2\n", "    clip = 2\n    local_epochs = 2\n",
           "study/local_epochs: only for privacy/unit = site");
    s_bad ("    clip = 2\n", "    clip = 2\n    local_learning_rate = 0.1\n",
           "study/local_learning_rate: only for privacy/unit = site");
    s_bad ("    clip = 2\n", "    clip = 2\n    local_batch = 8\n",
           "study/local_batch: only for privacy/unit = site");
    s_bad ("off = false", "off = maybe", "study/privacy/off");
    s_bad ("epsilon = 1", "epsilon = -1", "study/privacy/epsilon");
    s_bad ("delta = 1e-5", "delta = 0.9", "study/privacy/delta");
    //  delta up to PROTO_DELTA_MAX (0.01): 0.5 or 0.02 is no guarantee.
    s_bad ("delta = 1e-5", "delta = 0.5", "study/privacy/delta: '0.5' is not a number in [1e-300, 0.01]");
    s_bad ("delta = 1e-5", "delta = 0.0100001", "study/privacy/delta");
    s_bad ("delta = 1e-5", "delta = 0", "study/privacy/delta");
    s_bad ("    clip = 2\n", "    clip = 2\n    colour = red\n", "study/colour: unknown key");
    s_bad ("        off = false\n", "        off = false\n        eps = 2\n", "unknown key");
    s_bad ("features = mean_radius, mean_texture", "features = a,,b", "study/features");
    s_bad ("    clip = 2\n", "    clip = 2\n    scale = guess\n",
           "study/scale: 'guess' is not 'auto', 'statistics' or 'bounds'");
    s_bad ("categorical =", "categorical = a", "study/categorical: leave it empty");
    s_bad ("    name = breast-cancer-lr\n", "", "study/name: missing");
    s_bad ("model = logistic", "model = mlp\n    hidden = 1,2,3,4", "study/hidden");
    s_bad ("model = logistic", "model = mlp\n    hidden = 0", "study/hidden");
    assert_null (proto_study_parse ("other\n    x = 1\n", "o.cfg"));
    assert_non_null (strstr (util_last_error (), "no 'study' or 'query' section"));
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

//  privacy/unit = site: DP-FedAvg with its local-training keys.
static const char *s_site =
    "study\n    name = f\n    dataset = d\n    label = y\n    steps = 10\n"
    "    min_sites = 2\n%s    privacy\n        unit = site\n        epsilon = 10\n"
    "        delta = 1e-5\n";

static proto_study_t *
s_site_parse (const char *extra)
{
    char text [1024];
    snprintf (text, sizeof text, s_site, extra);
    return proto_study_parse (text, "f.cfg");
}

static void
s_site_bad (const char *extra, const char *needle)
{
    proto_study_t *s = s_site_parse (extra);
    support_expect_refused (s == NULL, extra, needle);
}

static void
test_site_unit (void **state)
{
    (void) state;
    //  Defaults: no sampling (q = 1), one local epoch, 0.1, batches of 32.
    proto_study_t *s = s_site_parse ("");
    assert_non_null (s);
    assert_int_equal (s->unit, PROTO_UNIT_SITE);
    assert_true (s->sampling_rate == 1);
    assert_int_equal (s->local_epochs, 1);
    assert_true (s->local_learning_rate == 0.1);
    assert_int_equal (s->local_batch, 32);
    proto_study_destroy (&s);
    //  Explicit values, both ends of the ranges.
    s = s_site_parse ("    sampling_rate = 1\n    local_epochs = 100\n"
                      "    local_learning_rate = 0.5\n    local_batch = 1\n");
    assert_non_null (s);
    assert_int_equal (s->local_epochs, 100);
    assert_true (s->local_learning_rate == 0.5);
    assert_int_equal (s->local_batch, 1);
    proto_study_destroy (&s);
    s = s_site_parse ("    local_epochs = 1\n");
    assert_non_null (s);
    proto_study_destroy (&s);
    //  Record level stays the default, without the local settings.
    s = proto_study_parse (s_full, "s.cfg");
    assert_int_equal (s->unit, PROTO_UNIT_RECORD);
    assert_int_equal (s->local_epochs, 0);
    proto_study_destroy (&s);
    s_site_bad ("    sampling_rate = 0.5\n", "study/sampling_rate: must be 1");
    s_site_bad ("    sampling_rate = 0.999999\n", "study/sampling_rate: must be 1");
    s_site_bad ("    local_epochs = 0\n", "study/local_epochs");
    s_site_bad ("    local_epochs = 101\n", "study/local_epochs");
    s_site_bad ("    local_epochs = 2.5\n", "study/local_epochs: not a whole number");
    s_site_bad ("    local_epochs = many\n", "study/local_epochs");
    s_site_bad ("    local_learning_rate = 0\n", "study/local_learning_rate");
    s_site_bad ("    local_learning_rate = -1\n", "study/local_learning_rate");
    s_site_bad ("    local_batch = 0\n", "study/local_batch");
    s_site_bad ("    local_batch = 1.5\n", "study/local_batch: not a whole number");
    s_site_bad ("    local_rounds = 3\n", "study/local_rounds: unknown key");
}

//  Allocation failures: the study, its names and each list item (zconfig
//  itself aborts on out of memory, as czmq does).
static bool
s_parse_walk (void *text)
{
    proto_study_t *s = proto_study_parse (text, "s.cfg");
    bool ok = s != NULL;
    proto_study_destroy (&s);
    return ok;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    //  The study, three names, the feature list (copy, array, two items).
    assert_true (alloc_walk (s_parse_walk, (void *) s_full) >= 8);
    const char *mlp = "study\n    name = m\n    dataset = d\n    label = y\n"
                      "    model = mlp\n    hidden = 64, 8\n    steps = 5\n"
                      "    sampling_rate = 1\n    min_sites = 1\n"
                      "    privacy\n        off = true\n";
    assert_true (alloc_walk (s_parse_walk, (void *) mlp) >= 8);
}

//  scale = bounds: the dictionary's bounds instead of a statistics round.
static void
test_scale_bounds (void **state)
{
    (void) state;
    char text [2048];
    snprintf (text, sizeof text, "%s", s_full);
    char *at = strstr (text, "    model = logistic\n");
    assert_non_null (at);
    memmove (at + 19, at, strlen (at) + 1);
    memcpy (at, "    scale = bounds\n", 19);
    proto_study_t *s = proto_study_parse (text, "s.cfg");
    if (!s)
        fail_msg ("%s", util_last_error ());
    assert_true (s->bounds);
    //  An explicit choice is kept whatever the dictionary.
    proto_study_resolve_scale (s, false);
    assert_true (s->bounds);
    proto_study_destroy (&s);
}

//  scale = auto: bounds exactly when read through the dictionary with
//  privacy on; scale = statistics stays statistics.
static void
test_scale_auto (void **state)
{
    (void) state;
    proto_study_t *s = proto_study_parse (s_full, "s.cfg");
    assert_non_null (s);
    proto_study_resolve_scale (s, false);
    assert_false (s->bounds);
    proto_study_resolve_scale (s, true);
    assert_true (s->bounds);
    s->privacy_off = true;
    proto_study_resolve_scale (s, true);
    assert_false (s->bounds);                   //  exact pooled statistics cost nothing
    proto_study_destroy (&s);
    char text [2048];
    snprintf (text, sizeof text, "%s", s_full);
    char *at = strstr (text, "    model = logistic\n");
    memmove (at + 23, at, strlen (at) + 1);
    memcpy (at, "    scale = statistics\n", 23);
    s = proto_study_parse (text, "s.cfg");
    assert_non_null (s);
    assert_int_equal (s->scale, PROTO_SCALE_STATISTICS);
    proto_study_resolve_scale (s, true);
    assert_false (s->bounds);
    proto_study_destroy (&s);
}

//  privacy/eval_share: in [0.01, 0.5], refused outside with the key named.
static void
test_eval_share (void **state)
{
    (void) state;
    char text [2048];
    snprintf (text, sizeof text, "%s        eval_share = 0.2\n", s_full);
    proto_study_t *s = proto_study_parse (text, "s.cfg");
    assert_non_null (s);
    assert_true (s->eval_share == 0.2);
    proto_study_destroy (&s);
    const char *bad [] = { "0", "0.009", "0.51", "1", "-0.1", "x", "nan" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        snprintf (text, sizeof text, "%s        eval_share = %s\n", s_full, bad [i]);
        assert_null (proto_study_parse (text, "s.cfg"));
        assert_non_null (strstr (util_last_error (), "s.cfg: study/privacy/eval_share: '"));
    }
}

//  A query definition: its expression survives ZPL quoting (commas,
//  parentheses, '=', the other quote), and each bad key is refused.
static void
test_query (void **state)
{
    (void) state;
    const char *text =
        "query\n"
        "    name = pima-glucose\n"
        "    dataset = pima\n"
        "    expr = \"summary(glucose, by=diabetes, where=age >= 50 & sex == 'female')\"\n"
        "    min_sites = 2\n"
        "    privacy\n"
        "        epsilon = 0.5\n"
        "        delta = 1e-6\n";
    proto_study_t *s = proto_study_parse (text, "q.cfg");
    if (!s)
        fail_msg ("%s", util_last_error ());
    assert_string_equal (s->query,
                         "summary(glucose, by=diabetes, where=age >= 50 & sex == 'female')");
    assert_string_equal (s->name, "pima-glucose");
    assert_string_equal (s->dataset, "pima");
    assert_int_equal (s->min_sites, 2);
    assert_true (s->epsilon == 0.5 && s->delta == 1e-6);
    assert_false (s->privacy_off);
    assert_null (s->label);
    proto_study_destroy (&s);

    s = proto_study_parse ("query\n    dataset = d\n    expr = 'count()'\n    min_sites = 1\n"
                           "    privacy\n        off = true\n", "q.cfg");
    assert_non_null (s);
    assert_string_equal (s->name, "query");
    assert_true (s->privacy_off);
    proto_study_destroy (&s);

    static const struct { const char *text, *needle; } bad [] = {
        { "query\n    expr = 'count()'\n    min_sites = 1\n    privacy\n        off = true\n",
          "query/dataset: missing" },
        { "query\n    dataset = d\n    min_sites = 1\n    privacy\n        off = true\n",
          "query/expr: missing" },
        { "query\n    dataset = d\n    expr = 'count()'\n    privacy\n        off = true\n",
          "query/min_sites: missing" },
        { "query\n    dataset = d\n    expr = 'count()'\n    min_sites = 1.5\n    privacy\n"
          "        off = true\n", "query/min_sites: not a whole number" },
        { "query\n    dataset = d\n    expr = 'count()'\n    min_sites = 1\n",
          "query/privacy/epsilon: missing" },
        { "query\n    dataset = d\n    expr = 'count()'\n    min_sites = 1\n    steps = 3\n",
          "query/steps: unknown key" },
        { "query\n    dataset = d\n    expr = 'count()'\n    min_sites = 1\n    privacy\n"
          "        unit = site\n", "query/privacy/unit: unknown key" },
        { "query\n    dataset = d\n    expr = 'count()'\n    min_sites = 1\n    privacy\n"
          "        off = perhaps\n", "query/privacy/off: 'perhaps' is neither" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        s = proto_study_parse (bad [i].text, "q.cfg");
        if (s || !strstr (util_last_error (), bad [i].needle))
            fail_msg ("case %zu: '%s' lacks '%s'", i, s? "accepted": util_last_error (),
                      bad [i].needle);
    }
}

//  id and purpose: what the consents must name. id is optional (a FHIR
//  id), purpose defaults to HRESCH and is a healthcare-research code;
//  each bad value is refused naming the key. A query takes them too.
static void
test_consent_use (void **state)
{
    (void) state;
    proto_study_t *s = proto_study_parse (s_full, "s.cfg");
    assert_non_null (s);
    assert_null (s->id);
    assert_string_equal (s->purpose, PROTO_STUDY_PURPOSE_DEFAULT);
    proto_study_destroy (&s);
    char text [2048];
    support_text_replace (text, sizeof text, s_full, "    dataset = ",
                          "    id = sepsis-1.v2\n    purpose = CLINTRCH\n    dataset = ");
    s = proto_study_parse (text, "s.cfg");
    if (!s)
        fail_msg ("%s", util_last_error ());
    assert_string_equal (s->id, "sepsis-1.v2");
    assert_string_equal (s->purpose, "CLINTRCH");
    proto_study_destroy (&s);
    s_bad ("    dataset = ", "    id = sepsis 1\n    dataset = ", "study/id: a study id is 1..64");
    s_bad ("    dataset = ", "    id = ResearchStudy/x\n    dataset = ", "study/id");
    s_bad ("    dataset = ", "    id = 12345678901234567890123456789012345678901234567890123456"
           "789012345\n    dataset = ", "study/id");
    s_bad ("    dataset = ", "    purpose = TREAT\n    dataset = ",
           "study/purpose: 'TREAT' is not a v3-ActReason healthcare-research code");
    s_bad ("    dataset = ", "    purpose = hresch\n    dataset = ", "study/purpose");
    s = proto_study_parse ("query\n    id = q-7\n    purpose = DSRCH\n    dataset = d\n"
                           "    expr = 'count()'\n    min_sites = 1\n    privacy\n"
                           "        off = true\n", "q.cfg");
    if (!s)
        fail_msg ("%s", util_last_error ());
    assert_string_equal (s->id, "q-7");
    assert_string_equal (s->purpose, "DSRCH");
    proto_study_destroy (&s);
    assert_null (proto_study_parse ("query\n    purpose = HMARKT\n    dataset = d\n"
                                    "    expr = 'count()'\n    min_sites = 1\n    privacy\n"
                                    "        off = true\n", "q.cfg"));
    assert_non_null (strstr (util_last_error (), "q.cfg: query/purpose: 'HMARKT'"));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_full),
        cmocka_unit_test (test_bad),
        cmocka_unit_test (test_mlp_and_off),
        cmocka_unit_test (test_site_unit),
        cmocka_unit_test (test_query),
        cmocka_unit_test (test_consent_use),
        cmocka_unit_test (test_scale_bounds),
        cmocka_unit_test (test_scale_auto),
        cmocka_unit_test (test_eval_share),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
