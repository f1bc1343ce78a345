/*  Unit tests for proto/plan.c: the schedule's epsilon never exceeds the
    target, noise grows as epsilon shrinks, privacy off plans no noise, and
    an impossible target is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "proto/plan.h"
#include "util/error.h"

static proto_study_t *
s_study (double eps, double q, int steps, int eval_every, const char *off)
{
    char text [1024];
    snprintf (text, sizeof text,
              "study\n    name = t\n    dataset = d\n    label = y\n    steps = %d\n"
              "    sampling_rate = %g\n    min_sites = 2\n    eval_every = %d\n"
              "    privacy\n        epsilon = %g\n        delta = 1e-5\n        off = %s\n",
              steps, q, eval_every, eps, off);
    proto_study_t *s = proto_study_parse (text, "t.cfg");
    assert_non_null (s);
    return s;
}

static void
test_plan_meets_target (void **state)
{
    (void) state;
    proto_study_t *s = s_study (1, 0.05, 200, 50, "false");
    proto_plan_t plan;
    int rc = proto_plan_make (&plan, s, 30, 2);
    if (rc) printf ("# %s\n", util_last_error ());
    assert_int_equal (rc, 0);
    assert_true (plan.epsilon <= 1.0);
    assert_true (plan.epsilon > 0.9);
    assert_true (plan.noise_multiplier > 1 && plan.noise_multiplier < 1e4);
    assert_int_equal (plan.n_params, 31);
    assert_int_equal (plan.kind [COHORT__ROUND_KIND__ROUND_KIND_EVAL].rounds, 4);
    assert_int_equal (plan.kind [COHORT__ROUND_KIND__ROUND_KIND_TRAIN].rounds, 200);
    //  Recomputed total equals the plan's claim.
    dp_curve_t *total = proto_plan_total (&plan);
    double eps;
    assert_int_equal (dp_curve_epsilon (total, 1e-5, DP_CONVERSION_IMPROVED, &eps, NULL), 0);
    assert_true (fabs (eps - plan.epsilon) < 1e-12);
    dp_curve_destroy (&total);
    //  A smaller target needs more noise.
    proto_study_t *s2 = s_study (0.5, 0.05, 200, 50, "false");
    proto_plan_t plan2;
    assert_int_equal (proto_plan_make (&plan2, s2, 30, 2), 0);
    assert_true (plan2.noise_multiplier > plan.noise_multiplier);
    assert_true (plan2.epsilon <= 0.5);
    printf ("# eps 1: z %.4f eps %.4f; eps 0.5: z %.4f\n", plan.noise_multiplier,
            plan.epsilon, plan2.noise_multiplier);
    proto_study_destroy (&s);
    proto_study_destroy (&s2);
}

static void
test_plan_off (void **state)
{
    (void) state;
    proto_study_t *s = s_study (1, 1, 10, 0, "true");
    proto_plan_t plan;
    assert_int_equal (proto_plan_make (&plan, s, 5, 1), 0);
    assert_true (plan.off);
    assert_int_equal (plan.kind [COHORT__ROUND_KIND__ROUND_KIND_TRAIN].local_sigma2, 0);
    assert_int_equal (plan.kind [COHORT__ROUND_KIND__ROUND_KIND_EVAL].rounds, 1);
    dp_curve_t *c = proto_plan_total (&plan);
    assert_non_null (c);
    for (size_t i = 0; i < dp_curve_size (c); i++)
        assert_true (dp_curve_rdp (c) [i] == 0);
    dp_curve_destroy (&c);
    proto_study_destroy (&s);
}


//  The acceptance's noisy record count: PROTO_COUNT_SHARE of rho(epsilon,
//  delta) as a discrete Gaussian of sensitivity 1 (rho = 1 / (2 sigma^2)),
//  the same from proto_plan_count_sigma2 and proto_plan_make; its curve is
//  in the total the training is calibrated against (and in the ledgers'),
//  so the whole schedule with it still meets the target; none with privacy
//  off; an epsilon so small that its variance passes 2^40 is refused.
static void
test_plan_count (void **state)
{
    (void) state;
    proto_study_t *s = s_study (1, 0.05, 200, 50, "false");
    proto_plan_t plan;
    assert_int_equal (proto_plan_make (&plan, s, 30, 2), 0);
    double L = log (1e5), r = sqrt (L + 1) - sqrt (L);
    uint64_t want = (uint64_t) ceil (1 / (2 * PROTO_COUNT_SHARE * r * r));
    assert_int_equal (plan.count_sigma2, want);
    uint64_t alone = 0;
    assert_int_equal (proto_plan_count_sigma2 (s, &alone), 0);
    assert_int_equal (alone, want);
    //  About 1200 at epsilon 1, delta 1e-5: a standard deviation of ~35
    //  records at each site.
    assert_true (want > 1000 && want < 1400);
    //  Its curve: a Gaussian with rho = 1 / (2 sigma^2).
    dp_curve_t *count = proto_plan_count_curve (&plan);
    assert_non_null (count);
    for (size_t i = 0; i < dp_curve_size (count); i++) {
        double rho = dp_curve_rdp (count) [i] / dp_curve_orders (count) [i];
        assert_true (fabs (rho - 1 / (2.0 * (double) want)) < 1e-12);
    }
    assert_true (plan.count_epsilon > 0 && plan.count_epsilon < 0.2 * plan.epsilon);
    //  The total holds it: without it the schedule spends less.
    dp_curve_t *total = proto_plan_total (&plan), *ledger = proto_plan_ledger_total (&plan);
    proto_plan_t none = plan;
    none.count_sigma2 = 0;
    dp_curve_t *without = proto_plan_total (&none);
    double with_eps, without_eps, ledger_eps;
    assert_int_equal (dp_curve_epsilon (total, 1e-5, DP_CONVERSION_IMPROVED, &with_eps, NULL), 0);
    assert_int_equal (dp_curve_epsilon (without, 1e-5, DP_CONVERSION_IMPROVED, &without_eps,
                                        NULL), 0);
    assert_int_equal (dp_curve_epsilon (ledger, 1e-5, DP_CONVERSION_IMPROVED, &ledger_eps, NULL),
                      0);
    assert_true (fabs (with_eps - plan.epsilon) < 1e-12 && with_eps <= 1);
    assert_true (without_eps < with_eps);
    assert_true (fabs (ledger_eps - with_eps) < 1e-12);
    printf ("# eps 1: count sigma^2 %llu, its epsilon alone %.4f, the schedule %.4f without it\n",
            (unsigned long long) want, plan.count_epsilon, without_eps);
    dp_curve_destroy (&count);
    dp_curve_destroy (&total);
    dp_curve_destroy (&ledger);
    dp_curve_destroy (&without);
    proto_study_destroy (&s);
    //  Privacy off: none, and a zero curve.
    s = s_study (1, 1, 10, 0, "true");
    assert_int_equal (proto_plan_make (&plan, s, 5, 1), 0);
    assert_int_equal (plan.count_sigma2, 0);
    assert_int_equal (proto_plan_count_sigma2 (s, &alone), 0);
    assert_int_equal (alone, 0);
    count = proto_plan_count_curve (&plan);
    assert_non_null (count);
    for (size_t i = 0; i < dp_curve_size (count); i++)
        assert_true (dp_curve_rdp (count) [i] == 0);
    dp_curve_destroy (&count);
    proto_study_destroy (&s);
    //  A tiny epsilon: the count's variance passes the sampler's range.
    s = s_study (1e-6, 1, 1, 0, "false");
    assert_int_equal (proto_plan_count_sigma2 (s, &alone), -1);
    assert_non_null (strstr (util_last_error (), "plan: the record count's noise variance"));
    assert_int_equal (alone, 0);
    proto_study_destroy (&s);
}

static void
test_plan_impossible (void **state)
{
    (void) state;
    proto_study_t *s = s_study (1e-5, 1, 100000, 1, "false");
    proto_plan_t plan;
    assert_int_equal (proto_plan_make (&plan, s, 30, 2), -1);
    assert_non_null (strstr (util_last_error (), "plan:"));
    assert_int_equal (proto_plan_make (&plan, s, 0, 2), -1);
    proto_study_destroy (&s);
}

static void
test_plan_params (void **state)
{
    (void) state;
    proto_study_t *s = proto_study_parse ("study\n    name = m\n    dataset = d\n    label = y\n"
                                          "    model = mlp\n    hidden = 64\n    steps = 5\n"
                                          "    sampling_rate = 0.1\n    min_sites = 1\n"
                                          "    privacy\n        off = true\n", "m.cfg");
    assert_non_null (s);
    assert_int_equal (proto_plan_params (s, 30), 30 * 64 + 64 + 64 + 1);
    proto_study_destroy (&s);
}

//  scale = bounds: no statistics round, and its share of the budget goes to
//  training (a smaller noise multiplier for the same target).
static void
test_plan_bounds (void **state)
{
    (void) state;
    const char *fmt = "study\n    name = t\n    dataset = d\n    label = y\n    steps = 20\n"
                      "    min_sites = 2\n    sampling_rate = 0.5\n    scale = %s\n"
                      "    privacy\n        epsilon = 1\n        delta = 1e-5\n";
    char text [512];
    proto_plan_t with, without;
    snprintf (text, sizeof text, fmt, "bounds");
    proto_study_t *b = proto_study_parse (text, "t.cfg");
    snprintf (text, sizeof text, fmt, "statistics");
    proto_study_t *s = proto_study_parse (text, "t.cfg");
    assert_non_null (b);
    assert_non_null (s);
    assert_int_equal (proto_plan_make (&with, b, 6, 2), 0);
    assert_int_equal (proto_plan_make (&without, s, 6, 2), 0);
    assert_int_equal (with.kind [COHORT__ROUND_KIND__ROUND_KIND_STATS].rounds, 0);
    assert_int_equal (with.kind [COHORT__ROUND_KIND__ROUND_KIND_STATS].local_sigma2, 0);
    assert_int_equal (without.kind [COHORT__ROUND_KIND__ROUND_KIND_STATS].rounds, 1);
    assert_true (with.noise_multiplier < 0.9 * without.noise_multiplier);
    //  Both meet the target; the statistics round's curve is zero.
    assert_true (with.epsilon <= 1 && without.epsilon <= 1);
    dp_curve_t *c = proto_plan_curve (&with, COHORT__ROUND_KIND__ROUND_KIND_STATS,
                                      with.kind [COHORT__ROUND_KIND__ROUND_KIND_STATS].rounds);
    assert_non_null (c);
    for (size_t k = 0; k < dp_curve_size (c); k++)
        assert_true (dp_curve_rdp (c) [k] == 0);
    dp_curve_destroy (&c);
    proto_study_destroy (&b);
    proto_study_destroy (&s);
}

//  unit = site: the statistics and evaluation sensitivities grow by the
//  histogram mass M, training keeps the clip rule with q = 1, and the
//  calibrated schedule still meets epsilon.
static void
test_plan_site (void **state)
{
    (void) state;
    const char *fmt = "study\n    name = t\n    dataset = d\n    label = y\n    steps = 10\n"
                      "    min_sites = 2\n    clip = 1\n    eval_every = 5\n"
                      "    privacy\n        unit = %s\n        epsilon = %g\n"
                      "        delta = 1e-5\n";
    char text [512];
    snprintf (text, sizeof text, fmt, "site", 10.0);
    proto_study_t *site = proto_study_parse (text, "t.cfg");
    assert_non_null (site);
    proto_plan_t sp, rp;
    int rc = proto_plan_make (&sp, site, 30, 2);
    if (rc) printf ("# %s\n", util_last_error ());
    assert_int_equal (rc, 0);
    //  The same schedule at record level (q = 1 given explicitly).
    snprintf (text, sizeof text, fmt, "record", 10.0);
    char *q = strstr (text, "    min_sites");
    char with_q [600];
    snprintf (with_q, sizeof with_q, "%.*s    sampling_rate = 1\n%s", (int) (q - text), text, q);
    proto_study_t *record = proto_study_parse (with_q, "t.cfg");
    assert_non_null (record);
    assert_int_equal (proto_plan_make (&rp, record, 30, 2), 0);
    const proto_plan_kind_t *st = &sp.kind [COHORT__ROUND_KIND__ROUND_KIND_STATS];
    const proto_plan_kind_t *tr = &sp.kind [COHORT__ROUND_KIND__ROUND_KIND_TRAIN];
    const proto_plan_kind_t *ev = &sp.kind [COHORT__ROUND_KIND__ROUND_KIND_EVAL];
    assert_true (fabs (st->l2 - PROTO_SITE_MASS * sqrt (31)) < 1e-9);
    assert_true (st->l2 == PROTO_SITE_MASS * rp.kind [COHORT__ROUND_KIND__ROUND_KIND_STATS].l2);
    assert_true (ev->l2 == PROTO_SITE_MASS);
    assert_true (tr->l2 == rp.kind [COHORT__ROUND_KIND__ROUND_KIND_TRAIN].l2);
    assert_true (tr->q == 1 && st->q == 1 && ev->q == 1);
    assert_int_equal (tr->rounds, 10);
    assert_int_equal (ev->rounds, 2);
    //  Noise grows with the sensitivity: the variance by M^2. Each is
    //  rounded up from x (record) and M^2 x (site), so
    //  M^2 (ceil(x) - 1) < ceil(M^2 x) <= M^2 ceil(x).
    uint64_t m2 = (uint64_t) PROTO_SITE_MASS * PROTO_SITE_MASS;
    int kinds [2] = { COHORT__ROUND_KIND__ROUND_KIND_STATS, COHORT__ROUND_KIND__ROUND_KIND_EVAL };
    for (int i = 0; i < 2; i++) {
        int k = kinds [i];
        uint64_t rec = rp.kind [k].local_sigma2;
        assert_true (sp.kind [k].local_sigma2 > m2 * (rec - 1));
        assert_true (sp.kind [k].local_sigma2 <= m2 * rec);
    }
    //  The calibrated schedule meets the target, and recomputes to it.
    assert_true (sp.epsilon <= 10 && sp.epsilon > 9.9);
    dp_curve_t *total = proto_plan_total (&sp);
    double eps;
    assert_int_equal (dp_curve_epsilon (total, 1e-5, DP_CONVERSION_IMPROVED, &eps, NULL), 0);
    assert_true (fabs (eps - sp.epsilon) < 1e-12 && eps <= 10);
    dp_curve_destroy (&total);
    //  The ledgers are charged for one record's change: under unit = site
    //  twice the delta's bound and sqrt 2 times the histograms'; at record
    //  level the study's own curve.
    assert_true (tr->ledger_l2 == 2 * tr->l2);
    assert_true (fabs (st->ledger_l2 - sqrt (2) * st->l2) < 1e-9);
    assert_true (fabs (ev->ledger_l2 - sqrt (2) * ev->l2) < 1e-9);
    dp_curve_t *ledger = proto_plan_ledger_total (&sp);
    total = proto_plan_total (&sp);
    assert_non_null (ledger);
    for (size_t i = 0; i < dp_curve_size (ledger); i++)
        assert_true (dp_curve_rdp (ledger) [i] > dp_curve_rdp (total) [i]);
    double ledger_eps;
    assert_int_equal (dp_curve_epsilon (ledger, 1e-5, DP_CONVERSION_IMPROVED, &ledger_eps, NULL),
                      0);
    //  At most 4 times the RDP: below 4 epsilon.
    assert_true (ledger_eps > 10 && ledger_eps < 40);
    printf ("# site eps 10: the ledgers are charged epsilon %.4f\n", ledger_eps);
    dp_curve_destroy (&ledger);
    dp_curve_destroy (&total);
    dp_curve_t *one = proto_plan_ledger_curve (&rp, COHORT__ROUND_KIND__ROUND_KIND_TRAIN, 3);
    dp_curve_t *same = proto_plan_curve (&rp, COHORT__ROUND_KIND__ROUND_KIND_TRAIN, 3);
    for (size_t i = 0; i < dp_curve_size (one); i++)
        assert_true (dp_curve_rdp (one) [i] == dp_curve_rdp (same) [i]);
    dp_curve_destroy (&one);
    dp_curve_destroy (&same);
    //  Only record level sends a (noisy) record count: its share of the
    //  budget leaves training a little less, so a noise multiplier a little
    //  above the site level's (whose statistics and evaluations only differ
    //  by rounding).
    assert_int_equal (sp.count_sigma2, 0);
    assert_true (sp.count_epsilon == 0);
    assert_true (rp.count_sigma2 > 0 && rp.count_epsilon > 0);
    assert_true (rp.noise_multiplier > sp.noise_multiplier
                 && rp.noise_multiplier < 1.05 * sp.noise_multiplier);
    printf ("# site eps 10: z %.4f (record q=1: %.4f, its count sigma^2 %llu), stats "
            "sigma^2/t %llu\n", sp.noise_multiplier, rp.noise_multiplier,
            (unsigned long long) rp.count_sigma2, (unsigned long long) st->local_sigma2);
    proto_study_destroy (&site);
    proto_study_destroy (&record);
}

//  privacy/eval_share: a smaller share leaves training more (a smaller
//  noise multiplier) and the evaluation less; each part's epsilon alone
//  is recorded, below the total's conversion for each part and with the
//  absent statistics round at 0.
static void
test_plan_eval_share (void **state)
{
    (void) state;
    const char *fmt = "study\n    name = t\n    dataset = d\n    label = y\n    steps = 10\n"
                      "    min_sites = 2\n    sampling_rate = 1\n    scale = bounds\n"
                      "    privacy\n        epsilon = 1\n        delta = 1e-5\n"
                      "        eval_share = %g\n";
    char text [512];
    proto_plan_t small, large;
    snprintf (text, sizeof text, fmt, 0.05);
    proto_study_t *a = proto_study_parse (text, "t.cfg");
    snprintf (text, sizeof text, fmt, 0.15);
    proto_study_t *b = proto_study_parse (text, "t.cfg");
    assert_non_null (a);
    assert_non_null (b);
    assert_int_equal (proto_plan_make (&small, a, 30, 2), 0);
    assert_int_equal (proto_plan_make (&large, b, 30, 2), 0);
    assert_true (small.noise_multiplier < large.noise_multiplier);
    int ev = COHORT__ROUND_KIND__ROUND_KIND_EVAL, tr = COHORT__ROUND_KIND__ROUND_KIND_TRAIN;
    assert_true (small.kind [ev].local_sigma2 > 2 * large.kind [ev].local_sigma2);
    assert_true (proto_plan_part_epsilon (&small, COHORT__ROUND_KIND__ROUND_KIND_STATS) == 0);
    double e_tr = proto_plan_part_epsilon (&small, tr), e_ev = proto_plan_part_epsilon (&small, ev);
    assert_true (e_tr > 0 && e_tr <= small.epsilon);
    assert_true (e_ev > 0 && e_ev < proto_plan_part_epsilon (&large, ev));
    //  Composition costs: the parts add to more than the whole.
    assert_true (e_tr + e_ev > small.epsilon);
    assert_true (small.delta == 1e-5);
    printf ("# eval share 0.05: z %.3f, training eps %.3f, eval eps %.3f; 0.15: z %.3f\n",
            small.noise_multiplier, e_tr, e_ev, large.noise_multiplier);
    //  A hand-built study with a share out of range is refused.
    a->eval_share = 0.9;
    assert_int_equal (proto_plan_make (&small, a, 30, 2), -1);
    assert_non_null (strstr (util_last_error (), "plan: privacy/eval_share"));
    proto_study_destroy (&a);
    proto_study_destroy (&b);
}

//  proto_plan_choose: every candidate is calibrated, the chosen plan meets
//  the target and is the fewest-steps candidate within the slack of the
//  best merit; small batches are left out when N is known; unit = site
//  keeps q = 1; an impossible target is refused.
static void
test_plan_choose (void **state)
{
    (void) state;
    proto_study_t *s = s_study (1, 0.5, 20, 0, "false");
    proto_plan_choice_t *c = test_malloc (sizeof *c);
    int rc = proto_plan_choose (c, s, 30, 2, 398);
    if (rc) printf ("# %s\n", util_last_error ());
    assert_int_equal (rc, 0);
    //  The study itself is untouched.
    assert_int_equal (s->steps, 20);
    assert_true (s->sampling_rate == 0.5);
    double best = 0;
    for (size_t i = 0; i < c->n_candidates; i++) {
        const proto_plan_candidate_t *x = &c->candidate [i];
        assert_true (x->q * 398 >= PROTO_CHOOSE_MIN_BATCH);
        if (x->merit > best)
            best = x->merit;
    }
    //  q in {1, 0.5, 0.25} pass the batch floor at N = 398.
    assert_int_equal (c->n_candidates, 3 * PROTO_CHOOSE_N_STEPS);
    const proto_plan_candidate_t *pick = NULL;
    for (size_t i = 0; i < c->n_candidates; i++)
        if (c->candidate [i].q == c->q && c->candidate [i].steps == c->steps)
            pick = &c->candidate [i];
    assert_non_null (pick);
    assert_true (pick->merit >= (1 - PROTO_CHOOSE_SLACK) * best);
    //  No candidate within the slack has steps nearer the target, nor
    //  as near with a smaller rate.
    double far = fabs (log ((double) c->steps / PROTO_CHOOSE_STEPS_TARGET));
    for (size_t i = 0; i < c->n_candidates; i++)
        if (c->candidate [i].merit >= (1 - PROTO_CHOOSE_SLACK) * best) {
            double f = fabs (log ((double) c->candidate [i].steps / PROTO_CHOOSE_STEPS_TARGET));
            assert_true (f >= far - 1e-12);
            if (f <= far + 1e-12)
                assert_true (c->candidate [i].q >= c->q);
        }
    //  398 records at epsilon 1: a quarter batch (the smallest above the
    //  floor of 64) and 100 steps, measured better than q 1 and 10 steps
    //  and than 50 steps (docs/privacy.md).
    assert_true (c->q == 0.25);
    assert_int_equal (c->steps, 100);
    assert_true (c->plan.epsilon <= 1 && c->plan.epsilon > 0.9);
    assert_int_equal (c->plan.kind [COHORT__ROUND_KIND__ROUND_KIND_TRAIN].rounds, c->steps);
    assert_true (c->plan.kind [COHORT__ROUND_KIND__ROUND_KIND_TRAIN].q == c->q);
    assert_true (fabs (pick->noise_multiplier - c->plan.noise_multiplier) < 1e-12);
    printf ("# chosen: q %g, %llu steps, z %.3f (merit %.1f of best %.1f)\n", c->q,
            (unsigned long long) c->steps, c->plan.noise_multiplier, pick->merit, best);
    //  N unknown: every rate is a candidate.
    assert_int_equal (proto_plan_choose (c, s, 30, 2, 0), 0);
    assert_int_equal (c->n_candidates, PROTO_CHOOSE_N_RATES * PROTO_CHOOSE_N_STEPS);
    //  An impossible target.
    proto_study_t *tiny = s_study (1e-5, 0.5, 20, 0, "false");
    assert_int_equal (proto_plan_choose (c, tiny, 30, 2, 398), -1);
    assert_non_null (strstr (util_last_error (), "cannot be met by any schedule"));
    proto_study_destroy (&tiny);
    //  unit = site: sites are not sampled.
    proto_study_t *site = proto_study_parse ("study\n    name = t\n    dataset = d\n"
        "    label = y\n    steps = 10\n    min_sites = 2\n    privacy\n        unit = site\n"
        "        epsilon = 10\n        delta = 1e-5\n", "t.cfg");
    assert_non_null (site);
    assert_int_equal (proto_plan_choose (c, site, 5, 2, 3), 0);
    assert_true (c->q == 1);
    assert_int_equal (c->n_candidates, PROTO_CHOOSE_N_STEPS);
    proto_study_destroy (&site);
    test_free (c);
    proto_study_destroy (&s);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_plan_meets_target),
        cmocka_unit_test (test_plan_off),
        cmocka_unit_test (test_plan_count),
        cmocka_unit_test (test_plan_impossible),
        cmocka_unit_test (test_plan_params),
        cmocka_unit_test (test_plan_site),
        cmocka_unit_test (test_plan_bounds),
        cmocka_unit_test (test_plan_eval_share),
        cmocka_unit_test (test_plan_choose),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
