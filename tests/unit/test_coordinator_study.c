/*  Unit tests for coordinator/study.c: the schedule, the statistics and
    training steps applied to known sums, evaluation metrics, the
    accountant and the report JSON. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/alloc.h"
#include "util/error.h"
#include "coordinator/study.h"
#include "dp/auc_interval.h"

static const char *s_cfg =
    "study\n    name = unit\n    dataset = d\n    label = y\n    steps = 3\n"
    "    sampling_rate = 1\n    min_sites = 2\n    eval_every = 2\n"
    "    learning_rate = 0.1\n    privacy\n        epsilon = 5\n        delta = 1e-5\n";

static void
test_schedule_and_report (void **state)
{
    (void) state;
    assert_null (coord_study_new ("x", "study\n    name = y\n"));
    assert_non_null (strstr (util_last_error (), "missing"));
    coord_study_t *st = coord_study_new ("s1", s_cfg);
    assert_non_null (st);
    assert_string_equal (coord_study_id (st), "s1");
    char *features [2] = { "a", "b" }, *sites [2] = { "x", "y" };
    coord_study_decline (st, "z", "budget: too small");
    assert_int_equal (coord_study_begin (st, features, 2, 100, sites, 2), 0);
    const proto_plan_t *plan = coord_study_plan (st);
    assert_true (plan->epsilon <= 5 && plan->epsilon > 4);
    //  The sites' noisy record counts left with their acceptances: spent
    //  from the start (their epsilon alone), and in the report's parts.
    assert_true (plan->count_sigma2 > 0 && plan->count_epsilon > 0);
    assert_true (fabs (coord_study_epsilon (st) - plan->count_epsilon) < 1e-12);

    Cohort__RoundKind expect [] = {
        COHORT__ROUND_KIND__ROUND_KIND_STATS, COHORT__ROUND_KIND__ROUND_KIND_TRAIN,
        COHORT__ROUND_KIND__ROUND_KIND_TRAIN, COHORT__ROUND_KIND__ROUND_KIND_EVAL,
        COHORT__ROUND_KIND__ROUND_KIND_TRAIN, COHORT__ROUND_KIND__ROUND_KIND_EVAL, 0 };
    int64_t v [2 * PROTO_STATS_BINS * 2 + 1];
    json_t *metrics;
    for (int r = 0; r < 7; r++) {
        Cohort__RoundKind kind = coord_study_next (st);
        assert_int_equal (kind, expect [r]);
        if (!kind)
            break;
        Cohort__RoundStart rs = COHORT__ROUND_START__INIT;
        assert_int_equal (coord_study_round_start (st, kind, &rs), 0);
        memset (v, 0, sizeof v);
        if (kind == COHORT__ROUND_KIND__ROUND_KIND_STATS) {
            assert_int_equal (coord_study_dim (st, kind), 2 * 2 * PROTO_STATS_BINS + 1);
            v [2 * 2 * PROTO_STATS_BINS] = 25;          //  25 of 100 positive
            //  Feature a: 1000 values in [4, 16); b: 1000 in [-4, -1).
            v [(2 - PROTO_STATS_EXP_MIN) / 2] = 1000;
            v [2 * PROTO_STATS_BINS + PROTO_STATS_BINS + (0 - PROTO_STATS_EXP_MIN) / 2] = 1000;
        }
        else
        if (kind == COHORT__ROUND_KIND__ROUND_KIND_TRAIN) {
            assert_int_equal (rs.n_params, 3);
            if (r == 1)     //  the intercept starts at log(0.25 / 0.75)
                assert_true (fabs (rs.params [2] - log (1.0 / 3)) < 1e-12);
            assert_int_equal (rs.n_mean, 2);
            assert_true (fabs (rs.mean [0] - 10) < 1e-9);
            assert_true (fabs (rs.mean [1] + 2.5) < 1e-9);
            assert_true (fabs (rs.std [0] - sqrt (12)) < 1e-9);
            v [0] = 1 << PROTO_FRAC_BITS;        //  gradient +1 on a
        }
        else {
            //  Perfect separation: positives in the top bin, negatives in
            //  the bottom, and +-6 of noise in every other bin. Norm-Sub
            //  removes it (clamping at zero would leave 6 in half the
            //  bins and an AUC below 1).
            v [PROTO_HIST_BINS - 1] = 50;
            v [PROTO_HIST_BINS] = 50;
            for (int b = 0; b < PROTO_HIST_BINS - 1; b++)
                v [b] = b % 2? 6: -6;
            for (int b = 1; b < PROTO_HIST_BINS; b++)
                v [PROTO_HIST_BINS + b] = b % 2? -6: 6;
        }
        assert_int_equal (coord_study_apply (st, kind, v, 2, &metrics), 0);
        json_t *entry = json_object ();
        if (metrics) {
            assert_true (json_real_value (json_object_get (metrics, "auc")) == 1.0);
            //  The interval of the exact AUC (dp/auc_interval.h), from
            //  the released counts before Norm-Sub and the plan's sigma
            //  for 2 contributors: exactly what dp_auc_interval says
            //  (the study passes the raw counts), up to 1, the truth.
            double lo = json_real_value (json_object_get (metrics, "auc_low_90"));
            double hi = json_real_value (json_object_get (metrics, "auc_high_90"));
            double width = json_real_value (json_object_get (metrics, "auc_interval_width"));
            assert_true (json_is_real (json_object_get (metrics, "auc_low_90")));
            printf ("# DP AUC 1: interval %.4f to %.4f\n", lo, hi);
            double pos [PROTO_HIST_BINS], neg [PROTO_HIST_BINS], want_lo, want_hi;
            for (int b = 0; b < PROTO_HIST_BINS; b++) {
                pos [b] = (double) v [b];
                neg [b] = (double) v [PROTO_HIST_BINS + b];
            }
            double sigma = sqrt (2.0 * (double) plan->kind [COHORT__ROUND_KIND__ROUND_KIND_EVAL]
                                                      .local_sigma2);
            assert_int_equal (dp_auc_interval (&want_lo, &want_hi, pos, neg, PROTO_HIST_BINS,
                                               sigma, 0.1), 0);
            assert_true (lo == want_lo && hi == want_hi);
            assert_true (lo > 0 && lo < 1 && hi == 1.0);
            assert_true (fabs (width - (hi - lo)) < 1e-12);
            json_object_set_new (entry, "metrics", metrics);
        }
        coord_study_record (st, (uint32_t) r + 1, kind, entry);
    }
    //  Every planned round ran: the spend is the plan's, count included.
    assert_true (fabs (coord_study_epsilon (st) - plan->epsilon) < 1e-9);
    assert_false (coord_study_finished (st));
    coord_study_finish (st, "completed", "all rounds completed");
    assert_true (coord_study_finished (st));
    json_t *report = coord_study_report (st);
    assert_int_equal (json_integer_value (json_object_get (report, "cohort_report")), 1);
    json_t *study = json_object_get (report, "study");
    assert_string_equal (json_string_value (json_object_get (study, "status")), "completed");
    assert_int_equal (json_array_size (json_object_get (study, "declined")), 1);
    json_t *privacy = json_object_get (report, "privacy");
    assert_true (json_is_true (json_object_get (privacy, "private")));
    assert_true (json_is_null (json_object_get (privacy, "stamp")));
    json_t *parts = json_object_get (privacy, "planned_epsilon_by_part");
    assert_true (json_real_value (json_object_get (parts, "record_count")) == plan->count_epsilon);
    assert_int_equal (json_array_size (json_object_get (report, "rounds")), 6);
    json_t *model = json_object_get (report, "model");
    assert_true (json_is_object (model));
    //  The sites clamp standardised values under DP; the model says so.
    assert_true (json_real_value (json_object_get (json_object_get (model, "preprocessing"),
                                                   "clip")) == PROTO_Z_CLIP);
    //  Three Adam steps of size 0.1 against a positive gradient on a.
    json_t *w = json_object_get (json_object_get (model, "logistic"), "coefficients");
    assert_true (json_real_value (json_array_get (w, 0)) < 0);
    json_t *status = coord_study_status (st);
    assert_int_equal (json_integer_value (json_object_get (status, "step")), 3);
    json_decref (status);
    json_decref (report);
    coord_study_destroy (&st);
    assert_null (st);
}

static void
test_privacy_off (void **state)
{
    (void) state;
    char cfg [512];
    snprintf (cfg, sizeof cfg, "study\n    name = u\n    dataset = d\n    label = y\n"
              "    steps = 1\n    sampling_rate = 1\n    min_sites = 1\n"
              "    privacy\n        off = true\n");
    coord_study_t *st = coord_study_new ("s2", cfg);
    assert_non_null (st);
    char *features [1] = { "a" }, *sites [1] = { "x" };
    assert_int_equal (coord_study_begin (st, features, 1, 10, sites, 1), 0);
    Cohort__RoundStart rs = COHORT__ROUND_START__INIT;
    assert_int_equal (coord_study_round_start (st, coord_study_next (st), &rs), 0);
    assert_true (coord_study_epsilon (st) == 0);
    json_t *report = coord_study_report (st);
    json_t *privacy = json_object_get (report, "privacy");
    assert_true (json_is_false (json_object_get (privacy, "private")));
    assert_string_equal (json_string_value (json_object_get (privacy, "stamp")), "NOT PRIVATE");
    assert_true (json_is_null (json_object_get (privacy, "epsilon")));
    assert_true (json_is_null (json_object_get (report, "model")));   //  not standardised yet
    json_decref (report);
    //  Exact sums: 10 records, sum 30, sum of squares 100 -> mean 3, std 1.
    int64_t sums [3] = { 30 << PROTO_OFF_BITS, 100 << PROTO_OFF_BITS, 5 };
    json_t *metrics;
    assert_int_equal (coord_study_apply (st, COHORT__ROUND_KIND__ROUND_KIND_STATS, sums, 1,
                                         &metrics), 0);
    Cohort__RoundStart rs2 = COHORT__ROUND_START__INIT;
    assert_int_equal (coord_study_round_start (st, coord_study_next (st), &rs2), 0);
    assert_true (fabs (rs2.mean [0] - 3) < 1e-12 && fabs (rs2.std [0] - 1) < 1e-12);
    assert_true (fabs (rs2.params [1]) < 1e-12);      //  5 of 10: log-odds 0
    coord_study_destroy (&st);
    //  An impossible plan fails at begin.
    st = coord_study_new ("s3", "study\n    name = u\n    dataset = d\n    label = y\n"
                          "    steps = 100000\n    sampling_rate = 1\n    min_sites = 1\n"
                          "    eval_every = 1\n    privacy\n        epsilon = 0.00001\n"
                          "        delta = 1e-5\n");
    assert_non_null (st);
    assert_int_equal (coord_study_begin (st, features, 1, 10, sites, 1), -1);
    assert_non_null (strstr (util_last_error (), "plan"));
    coord_study_destroy (&st);
    //  A model over PROTO_PARAMS_MAX parameters (that no round start could
    //  carry) is refused before anything of its size is allocated:
    //  4096 x 2 + 4096 x 4097 x 2 + 4097 = 33574913 over one input.
    st = coord_study_new ("s4", "study\n    name = u\n    dataset = d\n    label = y\n"
                          "    model = mlp\n    hidden = 4096,4096,4096\n    steps = 1\n"
                          "    sampling_rate = 1\n    min_sites = 1\n    privacy\n"
                          "        off = true\n");
    assert_non_null (st);
    assert_int_equal (coord_study_begin (st, features, 1, 10, sites, 1), -1);
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    assert_string_equal (util_last_error (), "study: the model has 33574913 parameters, a round "
                         "carries at most 4194304");
    coord_study_destroy (&st);
}

//  The statistics round picks the fullest pair of neighbouring bins: a
//  feature whose 900 values straddle a bin edge (450 + 450) is not lost to
//  a lone spike of 600 (noise) in a far bin, which the fullest single bin
//  would pick.
static void
test_stats_pair_beats_spike (void **state)
{
    (void) state;
    coord_study_t *st = coord_study_new ("s3", s_cfg);
    assert_non_null (st);
    char *features [2] = { "a", "b" }, *sites [2] = { "x", "y" };
    assert_int_equal (coord_study_begin (st, features, 2, 900, sites, 2), 0);
    Cohort__RoundKind kind = coord_study_next (st);
    assert_int_equal (kind, COHORT__ROUND_KIND__ROUND_KIND_STATS);
    Cohort__RoundStart rs = COHORT__ROUND_START__INIT;
    assert_int_equal (coord_study_round_start (st, kind, &rs), 0);
    int64_t v [2 * PROTO_STATS_BINS * 2 + 1];
    memset (v, 0, sizeof v);
    size_t per = 2 * PROTO_STATS_BINS;
    v [(2 - PROTO_STATS_EXP_MIN) / 2] = 450;        //  a: [4, 16)
    v [(4 - PROTO_STATS_EXP_MIN) / 2] = 450;        //  a: [16, 64)
    v [1] = 600;                                    //  a: a spike at [2^-14, 2^-12)
    v [per + (0 - PROTO_STATS_EXP_MIN) / 2] = 900;  //  b: [1, 4)
    v [2 * per] = 300;
    json_t *metrics;
    assert_int_equal (coord_study_apply (st, kind, v, 2, &metrics), 0);
    assert_int_equal (coord_study_round_start (st, coord_study_next (st), &rs), 0);
    assert_true (rs.mean [0] > 4 && rs.mean [0] < 64);
    assert_true (rs.std [0] > 1);
    assert_true (rs.mean [1] > 1 && rs.mean [1] < 4);
    coord_study_destroy (&st);
}

//  privacy/unit = site: the prior from normalised histograms, the FedAvg
//  step (mean delta over the contributors into the server optimiser) and
//  the report's unit and neighbouring relation.
static void
test_site_unit (void **state)
{
    (void) state;
    coord_study_t *st = coord_study_new ("s4", "study\n    name = f\n    dataset = d\n"
        "    label = y\n    steps = 2\n    min_sites = 2\n    optimizer = sgd\n"
        "    learning_rate = 1\n    local_epochs = 2\n    privacy\n        unit = site\n"
        "        epsilon = 10\n        delta = 1e-5\n");
    assert_non_null (st);
    char *features [2] = { "a", "b" }, *sites [3] = { "x", "y", "z" };
    //  Sites under unit = site declare 1 record each (no count disclosed).
    assert_int_equal (coord_study_begin (st, features, 2, 3, sites, 3), 0);
    const proto_plan_t *plan = coord_study_plan (st);
    assert_true (plan->kind [COHORT__ROUND_KIND__ROUND_KIND_STATS].l2
                 == PROTO_SITE_MASS * sqrt (3));
    json_t *metrics;
    Cohort__RoundStart rs = COHORT__ROUND_START__INIT;
    assert_int_equal (coord_study_round_start (st, coord_study_next (st), &rs), 0);
    //  Three sites, normalised: a 1/4 share of positives each. Feature
    //  masses as in the record-level test, scaled.
    int64_t v [2 * 2 * PROTO_STATS_BINS + 1];
    memset (v, 0, sizeof v);
    v [2 * 2 * PROTO_STATS_BINS] = 3 * PROTO_SITE_MASS / 4;
    v [(2 - PROTO_STATS_EXP_MIN) / 2] = 3 * PROTO_SITE_MASS;
    v [2 * PROTO_STATS_BINS + PROTO_STATS_BINS + (0 - PROTO_STATS_EXP_MIN) / 2] = 3 * PROTO_SITE_MASS;
    assert_int_equal (coord_study_apply (st, COHORT__ROUND_KIND__ROUND_KIND_STATS, v, 3,
                                         &metrics), 0);
    Cohort__RoundStart tr = COHORT__ROUND_START__INIT;
    assert_int_equal (coord_study_round_start (st, coord_study_next (st), &tr), 0);
    assert_int_equal (tr.kind, COHORT__ROUND_KIND__ROUND_KIND_TRAIN);
    assert_true (tr.sampling_rate == 1);
    assert_true (fabs (tr.params [2] - log (1.0 / 3)) < 1e-12);     //  prior 1/4
    assert_true (fabs (tr.mean [0] - 10) < 1e-9 && fabs (tr.mean [1] + 2.5) < 1e-9);
    //  Deltas summing to (3, -1.5, 0.75) over 3 sites: mean (1, -0.5, 0.25);
    //  sgd with learning rate 1 adds it (no server-side penalty).
    double before [3] = { tr.params [0], tr.params [1], tr.params [2] };
    int64_t d [3] = { 3 << PROTO_FRAC_BITS, -(3 << PROTO_FRAC_BITS) / 2,
                      (3 << PROTO_FRAC_BITS) / 4 };
    assert_int_equal (coord_study_apply (st, COHORT__ROUND_KIND__ROUND_KIND_TRAIN, d, 3,
                                         &metrics), 0);
    assert_null (metrics);
    Cohort__RoundStart tr2 = COHORT__ROUND_START__INIT;
    assert_int_equal (coord_study_round_start (st, coord_study_next (st), &tr2), 0);
    assert_true (fabs (tr2.params [0] - (before [0] + 1)) < 1e-12);
    assert_true (fabs (tr2.params [1] - (before [1] - 0.5)) < 1e-12);
    assert_true (fabs (tr2.params [2] - (before [2] + 0.25)) < 1e-12);
    //  Two contributors: the same sum averages to twice the step.
    assert_int_equal (coord_study_apply (st, COHORT__ROUND_KIND__ROUND_KIND_TRAIN, d, 2,
                                         &metrics), 0);
    Cohort__RoundStart ev = COHORT__ROUND_START__INIT;
    assert_int_equal (coord_study_round_start (st, coord_study_next (st), &ev), 0);
    assert_int_equal (ev.kind, COHORT__ROUND_KIND__ROUND_KIND_EVAL);
    //  No contributor: nothing to average.
    assert_int_equal (coord_study_apply (st, COHORT__ROUND_KIND__ROUND_KIND_TRAIN, d, 0,
                                         &metrics), -1);
    assert_non_null (strstr (util_last_error (), "no contributing site"));
    json_t *report = coord_study_report (st);
    json_t *privacy = json_object_get (report, "privacy");
    assert_string_equal (json_string_value (json_object_get (privacy, "unit")), "site");
    assert_non_null (strstr (json_string_value (json_object_get (privacy, "neighbouring")),
                             "zero-out: one site's entire dataset"));
    assert_true (json_real_value (json_object_get (privacy, "sampling_rate")) == 1);
    json_decref (report);
    coord_study_destroy (&st);
    //  Record level keeps its relation.
    st = coord_study_new ("s5", s_cfg);
    report = coord_study_report (st);
    privacy = json_object_get (report, "privacy");
    assert_string_equal (json_string_value (json_object_get (privacy, "unit")), "record");
    assert_string_equal (json_string_value (json_object_get (privacy, "neighbouring")),
                         "add/remove one record at one site");
    json_decref (report);
    coord_study_destroy (&st);
}

//  Out of memory at each allocation of a new study, of its start and of its
//  report in turn: NULL or -1 with UTIL_ENOMEM, nothing leaked (the
//  sanitizer build checks) and nothing half done, until each succeeds.
static void
test_out_of_memory (void **state)
{
    (void) state;
    coord_study_t *st = NULL;
    long n;
    for (n = 0; n < 1000 && !st; n++) {
        util_alloc_fail_after (n);
        st = coord_study_new ("s1", s_cfg);
        util_alloc_fail_after (-1);
        if (!st)
            assert_int_equal (util_last_code (), UTIL_ENOMEM);
    }
    assert_non_null (st);
    assert_true (n > 3);
    char *features [2] = { "a", "b" }, *sites [2] = { "x", "y" };
    int rc = -1;
    for (n = 0; n < 1000 && rc; n++) {
        util_alloc_fail_after (n);
        rc = coord_study_begin (st, features, 2, 100, sites, 2);
        util_alloc_fail_after (-1);
        if (rc) {
            assert_int_equal (util_last_code (), UTIL_ENOMEM);
            //  Not begun: no features and no sites yet.
            json_t *report = coord_study_report (st);
            json_t *study = json_object_get (report, "study");
            assert_int_equal (json_array_size (json_object_get (study, "features")), 0);
            assert_int_equal (json_array_size (json_object_get (study, "sites")), 0);
            assert_true (json_is_null (json_object_get (json_object_get (report, "privacy"),
                                                        "noise_multiplier")));
            json_decref (report);
        }
    }
    assert_int_equal (rc, 0);
    assert_true (n > 7);
    //  A statistics round, so that the report carries a model.
    assert_int_equal (coord_study_next (st), COHORT__ROUND_KIND__ROUND_KIND_STATS);
    Cohort__RoundStart rs = COHORT__ROUND_START__INIT;
    assert_int_equal (coord_study_round_start (st, COHORT__ROUND_KIND__ROUND_KIND_STATS, &rs), 0);
    int64_t v [2 * 2 * PROTO_STATS_BINS + 1];
    memset (v, 0, sizeof v);
    v [2 * 2 * PROTO_STATS_BINS] = 25;
    json_t *metrics;
    assert_int_equal (coord_study_apply (st, COHORT__ROUND_KIND__ROUND_KIND_STATS, v, 2,
                                         &metrics), 0);
    json_t *report = NULL;
    for (n = 0; n < 1000 && !report; n++) {
        util_alloc_fail_after (n);
        report = coord_study_report (st);
        util_alloc_fail_after (-1);
        if (!report)
            assert_int_equal (util_last_code (), UTIL_ENOMEM);
    }
    assert_non_null (report);
    assert_true (n > 2);
    assert_true (json_is_object (json_object_get (report, "model")));
    assert_int_equal (json_array_size (json_object_get (json_object_get (report, "study"),
                                                        "features")), 2);
    json_decref (report);
    coord_study_destroy (&st);
}

//  A study read through the dictionary: only with its features listed and
//  all of them (and the label) in it; scale = bounds then scales by the
//  public bounds and skips the statistics round.
static void
test_dictionary (void **state)
{
    (void) state;
    static const char dict [] =
        "name,type,min,max,levels,unit,description\n"
        "age,integer,20,100,,,\n"
        "stage,categorical,,,I|II,,\n"
        "y,binary,0,1,,,\n"
        "score,numeric,0,10,,,\n";
    const char *fmt = "study\n    name = d\n    dataset = d\n    label = %s\n%s    steps = 2\n"
                      "    sampling_rate = 1\n    min_sites = 2\n    scale = %s\n"
                      "    privacy\n        epsilon = 5\n        delta = 1e-5\n";
    char text [512];
    //  No features listed: not through the dictionary (and bounds refused).
    snprintf (text, sizeof text, fmt, "y", "", "statistics");
    coord_study_t *st = coord_study_new ("s", text);
    assert_non_null (st);
    assert_int_equal (coord_study_use_dictionary (st, dict, sizeof dict - 1), 0);
    assert_false (coord_study_has_dictionary (st));
    coord_study_destroy (&st);
    snprintf (text, sizeof text, fmt, "y", "", "bounds");
    assert_non_null (st = coord_study_new ("s", text));
    assert_int_equal (coord_study_use_dictionary (st, dict, sizeof dict - 1), -1);
    assert_non_null (strstr (util_last_error (), "study/scale: bounds needs"));
    coord_study_destroy (&st);
    //  A feature outside it: not through it; with bounds, refused.
    snprintf (text, sizeof text, fmt, "y", "    features = age, weight\n", "bounds");
    assert_non_null (st = coord_study_new ("s", text));
    assert_int_equal (coord_study_use_dictionary (st, dict, sizeof dict - 1), -1);
    assert_non_null (strstr (util_last_error (), "every feature and the label"));
    coord_study_destroy (&st);
    //  A label that is not binary.
    snprintf (text, sizeof text, fmt, "score", "    features = age\n", "statistics");
    assert_non_null (st = coord_study_new ("s", text));
    assert_int_equal (coord_study_use_dictionary (st, dict, sizeof dict - 1), -1);
    assert_non_null (strstr (util_last_error (), "score is numeric in the data dictionary"));
    coord_study_destroy (&st);
    assert_non_null (st = coord_study_new ("s", text));
    assert_int_equal (coord_study_use_dictionary (st, NULL, 0), 0);
    coord_study_destroy (&st);

    //  Through it, scaled by the bounds: age in [20, 100] to [-1, 1], the
    //  one-hot columns as they are; the first round trains.
    snprintf (text, sizeof text, fmt, "y", "    features = age, stage\n", "bounds");
    assert_non_null (st = coord_study_new ("s", text));
    assert_int_equal (coord_study_use_dictionary (st, dict, sizeof dict - 1), 1);
    assert_true (coord_study_has_dictionary (st));
    char *features [3] = { "age", "stage=I", "stage=II" }, *sites [2] = { "a", "b" };
    assert_int_equal (coord_study_begin (st, features, 3, 50, sites, 2), 0);
    assert_int_equal (coord_study_plan (st)->kind [COHORT__ROUND_KIND__ROUND_KIND_STATS].rounds, 0);
    assert_int_equal (coord_study_next (st), COHORT__ROUND_KIND__ROUND_KIND_TRAIN);
    Cohort__RoundStart rs = COHORT__ROUND_START__INIT;
    assert_int_equal (coord_study_round_start (st, COHORT__ROUND_KIND__ROUND_KIND_TRAIN, &rs), 0);
    assert_int_equal (rs.n_mean, 3);
    assert_true (rs.mean [0] == 60 && rs.std [0] == 40);
    assert_true (rs.mean [1] == 0 && rs.std [1] == 1 && rs.mean [2] == 0 && rs.std [2] == 1);
    //  The model file reads raw data: stage is one categorical feature.
    json_t *report = coord_study_report (st);
    assert_non_null (report);
    json_t *schema = json_object_get (json_object_get (report, "model"), "features");
    assert_int_equal (json_array_size (schema), 2);
    assert_int_equal (json_array_size (json_object_get (json_array_get (schema, 1), "levels")), 2);
    //  It carries the scaling: the bounds' middle and half range, and the
    //  clamp to them.
    json_t *pre = json_object_get (json_object_get (report, "model"), "preprocessing");
    assert_true (json_real_value (json_array_get (json_object_get (pre, "mean"), 0)) == 60);
    assert_true (json_real_value (json_array_get (json_object_get (pre, "std"), 0)) == 40);
    assert_true (json_number_value (json_object_get (pre, "clip")) == 1);
    json_t *privacy = json_object_get (report, "privacy");
    assert_non_null (strstr (json_string_value (json_object_get (privacy, "scale")), "bounds"));
    assert_true (json_real_value (json_object_get (json_object_get (privacy,
                 "planned_epsilon_by_part"), "statistics")) == 0);
    json_decref (report);
    coord_study_destroy (&st);

    //  scale = auto (the default): bounds when read through the
    //  dictionary, statistics when not.
    snprintf (text, sizeof text, fmt, "y", "    features = age, stage\n", "auto");
    assert_non_null (st = coord_study_new ("s", text));
    assert_int_equal (coord_study_use_dictionary (st, dict, sizeof dict - 1), 1);
    assert_int_equal (coord_study_begin (st, features, 3, 50, sites, 2), 0);
    assert_int_equal (coord_study_next (st), COHORT__ROUND_KIND__ROUND_KIND_TRAIN);
    coord_study_destroy (&st);
    snprintf (text, sizeof text, fmt, "y", "    features = age, weight\n", "auto");
    assert_non_null (st = coord_study_new ("s", text));
    assert_int_equal (coord_study_use_dictionary (st, dict, sizeof dict - 1), 0);
    char *other [2] = { "age", "weight" };
    assert_int_equal (coord_study_begin (st, other, 2, 50, sites, 2), 0);
    assert_int_equal (coord_study_next (st), COHORT__ROUND_KIND__ROUND_KIND_STATS);
    coord_study_destroy (&st);

    //  scale = statistics through the dictionary: the statistics round runs.
    snprintf (text, sizeof text, fmt, "y", "    features = age, stage\n", "statistics");
    assert_non_null (st = coord_study_new ("s", text));
    assert_int_equal (coord_study_use_dictionary (st, dict, sizeof dict - 1), 1);
    assert_int_equal (coord_study_begin (st, features, 3, 50, sites, 2), 0);
    assert_int_equal (coord_study_next (st), COHORT__ROUND_KIND__ROUND_KIND_STATS);
    coord_study_destroy (&st);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_schedule_and_report),
        cmocka_unit_test (test_privacy_off),
        cmocka_unit_test (test_stats_pair_beats_spike),
        cmocka_unit_test (test_site_unit),
        cmocka_unit_test (test_dictionary),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
