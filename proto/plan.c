/*  proto/plan.c - calibrating the study's noise to its (epsilon, delta). */
#include "plan.h"
#include "util/error.h"
#include "dp/clip.h"
#include "dp/rational.h"

#include <math.h>
#include <string.h>

size_t
proto_plan_params (const proto_study_t *study, size_t n_features)
{
    if (study->model == PROTO_MODEL_LOGISTIC)
        return n_features + 1;
    size_t n = 0, in = n_features;
    for (size_t k = 0; k < study->n_hidden; k++) {
        n += study->hidden [k] * in + study->hidden [k];
        in = study->hidden [k];
    }
    return n + in + 1;
}

//  Each site's variance for a total sigma over t sites, rounded up.
static int
s_local (double sigma, unsigned t, uint64_t *local)
{
    double v = ceil (sigma * sigma / t);
    if (!(v >= 1))
        v = 1;
    if (!(v <= (double) DP_RATIONAL_MAX))
        return util_error (UTIL_EINPUT, "plan: noise variance %.3g passes the sampler's range 2^40 "
                           "(raise epsilon or lower steps)", v);
    *local = (uint64_t) v;
    return 0;
}

//  The curve of `rounds` rounds of `kind` at the study's sensitivity or,
//  with `ledger`, at the ledgers' (proto_plan_ledger_curve).
static dp_curve_t *
s_curve (const proto_plan_t *plan, Cohort__RoundKind kind, uint64_t rounds, bool ledger)
{
    dp_curve_t *curve = dp_curve_new_default ();
    if (!curve || plan->off || rounds == 0)
        return curve;
    const proto_plan_kind_t *k = &plan->kind [kind];
    if (dp_curve_add_ddg (curve, k->q, ledger? k->ledger_l2: k->l2, (double) k->local_sigma2,
                          plan->threshold, k->dim, rounds)) {
        util_error_context ("plan: accountant");
        dp_curve_destroy (&curve);
    }
    return curve;
}

dp_curve_t *
proto_plan_count_curve (const proto_plan_t *plan)
{
    dp_curve_t *curve = dp_curve_new_default ();
    if (curve && plan->count_sigma2
    &&  dp_curve_add_gaussian (curve, 1, sqrt ((double) plan->count_sigma2))) {
        util_error_context ("plan: accountant");
        dp_curve_destroy (&curve);
    }
    return curve;
}

static dp_curve_t *
s_total (const proto_plan_t *plan, bool ledger)
{
    dp_curve_t *total = proto_plan_count_curve (plan);
    for (int kind = 1; total && kind < PROTO_KINDS; kind++) {
        dp_curve_t *c = s_curve (plan, (Cohort__RoundKind) kind, plan->kind [kind].rounds, ledger);
        if (!c || dp_curve_add (total, c))
            dp_curve_destroy (&total);
        dp_curve_destroy (&c);
    }
    //  Every way to get here without a curve has recorded its reason.
    return total;
}

dp_curve_t *
proto_plan_curve (const proto_plan_t *plan, Cohort__RoundKind kind, uint64_t rounds)
{
    return s_curve (plan, kind, rounds, false);
}

dp_curve_t *
proto_plan_total (const proto_plan_t *plan)
{
    return s_total (plan, false);
}

dp_curve_t *
proto_plan_ledger_curve (const proto_plan_t *plan, Cohort__RoundKind kind, uint64_t rounds)
{
    return s_curve (plan, kind, rounds, true);
}

dp_curve_t *
proto_plan_ledger_total (const proto_plan_t *plan)
{
    return s_total (plan, true);
}

static int
s_epsilon (const proto_plan_t *plan, double delta, double *epsilon)
{
    dp_curve_t *total = proto_plan_total (plan);
    if (!total)
        return -1;
    int rc = dp_curve_epsilon (total, delta, DP_CONVERSION_IMPROVED, epsilon, NULL);
    dp_curve_destroy (&total);
    return rc? util_error_context ("plan: accountant"): 0;
}

int
proto_plan_count_sigma2 (const proto_study_t *s, uint64_t *sigma2)
{
    *sigma2 = 0;
    if (s->privacy_off || s->unit != PROTO_UNIT_RECORD)
        return 0;
    //  rho(epsilon, delta) as in proto_plan_make. The count has sensitivity
    //  1 and is sent by one site alone, so all of its variance is that
    //  site's: rho_count = 1 / (2 sigma^2).
    double L = log (1 / s->delta);
    double r = sqrt (L + s->epsilon) - sqrt (L);
    double v = ceil (1 / (2 * PROTO_COUNT_SHARE * r * r));
    if (!(v >= 1 && v <= (double) DP_RATIONAL_MAX))
        return util_error (UTIL_EINPUT, "plan: the record count's noise variance %.3g passes "
                           "the sampler's range 2^40 (raise epsilon)", v);
    *sigma2 = (uint64_t) v;
    return 0;
}

int
proto_plan_make (proto_plan_t *plan, const proto_study_t *s, size_t p, unsigned t)
{
    memset (plan, 0, sizeof *plan);
    if (p == 0 || t == 0)
        return util_error (UTIL_EINPUT, "plan: no features or no quorum");
    plan->off = s->privacy_off;
    plan->threshold = t;
    plan->n_features = p;
    plan->n_params = proto_plan_params (s, p);
    proto_plan_kind_t *stats = &plan->kind [COHORT__ROUND_KIND__ROUND_KIND_STATS];
    proto_plan_kind_t *train = &plan->kind [COHORT__ROUND_KIND__ROUND_KIND_TRAIN];
    proto_plan_kind_t *eval = &plan->kind [COHORT__ROUND_KIND__ROUND_KIND_EVAL];
    //  Privacy off: exact sums of x and x^2 instead of the histograms. Both
    //  end with the count of positive labels.
    //  With the dictionary's bounds there is no statistics round.
    *stats = (proto_plan_kind_t) { s->bounds? 0: 1, 1, sqrt ((double) p + 1), 0,
                                   (s->privacy_off? 2: 2 * PROTO_STATS_BINS) * p + 1, 0 };
    *train = (proto_plan_kind_t) { s->steps, s->sampling_rate,
        dp_clip_sensitivity (s->clip, PROTO_FRAC_BITS, plan->n_params), 0, plan->n_params, 0 };
    *eval = (proto_plan_kind_t) { proto_study_eval_rounds (s), 1, 1, 0, 2 * PROTO_HIST_BINS, 0 };
    for (int k = 0; k < PROTO_KINDS; k++)
        plan->kind [k].ledger_l2 = plan->kind [k].l2;
    if (s->unit == PROTO_UNIT_SITE) {
        //  A site's histograms are normalised to mass M each (site/train.c),
        //  so zeroing its whole dataset moves each by at most M in L2.
        stats->l2 *= PROTO_SITE_MASS;
        eval->l2 *= PROTO_SITE_MASS;
        //  The ledgers' bounds: any two of one site's contributions.
        stats->ledger_l2 = sqrt (2) * stats->l2;
        eval->ledger_l2 = sqrt (2) * eval->l2;
        train->ledger_l2 = 2 * train->l2;
    }
    if (plan->off)
        return 0;

    //  zCDP budget with epsilon = rho + 2 sqrt(rho log(1/delta)) (Bun-Steinke
    //  2016, Prop 1.3), used only to split the budget between kinds; the
    //  final check is the exact RDP composition below.
    double L = log (1 / s->delta);
    double r = sqrt (L + s->epsilon) - sqrt (L);
    double rho = r * r;
    double rho_stats = PROTO_STATS_SHARE * rho;
    //  A study built by hand (not parsed) may leave the share at 0.
    double share = s->eval_share > 0? s->eval_share: PROTO_EVAL_SHARE_DEFAULT;
    if (!(share >= PROTO_EVAL_SHARE_MIN && share <= PROTO_EVAL_SHARE_MAX))
        return util_error (UTIL_EINPUT, "plan: privacy/eval_share %g is outside [%g, %g]", share,
                           PROTO_EVAL_SHARE_MIN, PROTO_EVAL_SHARE_MAX);
    double rho_eval = share * rho / (double) eval->rounds;
    if (proto_plan_count_sigma2 (s, &plan->count_sigma2))
        return -1;
    if ((stats->rounds && s_local (stats->l2 / sqrt (2 * rho_stats), t, &stats->local_sigma2))
    ||  s_local (eval->l2 / sqrt (2 * rho_eval), t, &eval->local_sigma2))
        return -1;

    //  Bisection on the training noise multiplier z: epsilon is
    //  non-increasing in z; keep the feasible end.
    double lo = 1e-3, hi = 1e4, eps;
    if (s_local (hi * train->l2, t, &train->local_sigma2) == 0) {
        if (s_epsilon (plan, s->delta, &eps))
            return -1;
    }
    else {
        //  The largest representable noise still decides feasibility.
        hi = sqrt (0.999 * (double) DP_RATIONAL_MAX * t) / train->l2;
        if (s_local (hi * train->l2, t, &train->local_sigma2) || s_epsilon (plan, s->delta, &eps))
            return -1;
    }
    if (eps > s->epsilon)
        return util_error (UTIL_EINPUT, "plan: epsilon %.4g cannot be met: even noise multiplier %.4g "
                           "gives %.4g over %llu steps at q = %g (raise epsilon, lower steps "
                           "or q)", s->epsilon, hi, eps, (unsigned long long) s->steps,
                           s->sampling_rate);
    for (int i = 0; i < 60 && hi - lo > 1e-4 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (s_local (mid * train->l2, t, &train->local_sigma2) || s_epsilon (plan, s->delta, &eps))
            return -1;
        if (eps <= s->epsilon)
            hi = mid;
        else
            lo = mid;
    }
    if (s_local (hi * train->l2, t, &train->local_sigma2) || s_epsilon (plan, s->delta, &eps))
        return -1;
    plan->noise_multiplier = sqrt ((double) train->local_sigma2 * t) / train->l2;
    plan->epsilon = eps;
    plan->delta = s->delta;
    if (plan->count_sigma2) {
        dp_curve_t *c = proto_plan_count_curve (plan);
        int rc = c? dp_curve_epsilon (c, s->delta, DP_CONVERSION_IMPROVED,
                                      &plan->count_epsilon, NULL): -1;
        dp_curve_destroy (&c);
        if (rc)
            return util_error_context ("plan: accountant");
    }
    for (int kind = 1; kind < PROTO_KINDS; kind++) {
        if (!plan->kind [kind].rounds)
            continue;
        dp_curve_t *c = proto_plan_curve (plan, (Cohort__RoundKind) kind, plan->kind [kind].rounds);
        int rc = c? dp_curve_epsilon (c, s->delta, DP_CONVERSION_IMPROVED,
                                      &plan->part_epsilon [kind], NULL): -1;
        dp_curve_destroy (&c);
        if (rc)
            return util_error_context ("plan: accountant");
    }
    return 0;
}

double
proto_plan_part_epsilon (const proto_plan_t *plan, Cohort__RoundKind kind)
{
    return (int) kind > 0 && (int) kind < PROTO_KINDS? plan->part_epsilon [kind]: 0;
}

int
proto_plan_choose (proto_plan_choice_t *choice, const proto_study_t *study, size_t p,
                   unsigned t, uint64_t n_records)
{
    memset (choice, 0, sizeof *choice);
    choice->n_records = n_records;
    static const double rates [PROTO_CHOOSE_N_RATES] = PROTO_CHOOSE_RATES;
    static const uint64_t steps [PROTO_CHOOSE_N_STEPS] = PROTO_CHOOSE_STEPS;
    //  The candidates are calibrated on a copy: the study is only read.
    proto_study_t s = *study;
    bool one_rate = study->privacy_off || study->unit == PROTO_UNIT_SITE;
    double n = n_records? (double) n_records: 1, best = 0;
    size_t k = 0;
    for (int i = 0; i < PROTO_CHOOSE_N_RATES; i++) {
        if ((one_rate && rates [i] != 1)
        ||  (n_records && rates [i] * n < PROTO_CHOOSE_MIN_BATCH && i > 0))
            continue;
        for (int j = 0; j < PROTO_CHOOSE_N_STEPS; j++) {
            proto_plan_candidate_t *c = &choice->candidate [k++];
            *c = (proto_plan_candidate_t) { rates [i], steps [j], 0, 0 };
            if (study->privacy_off)
                break;              //  nothing to calibrate: the fewest steps
            s.sampling_rate = rates [i];
            s.steps = steps [j];
            proto_plan_t plan;
            if (proto_plan_make (&plan, &s, p, t)) {
                if (util_last_code () != UTIL_EINPUT)
                    return -1;      //  not an unmet target: out of memory, say
                continue;
            }
            c->noise_multiplier = plan.noise_multiplier;
            c->merit = rates [i] * n * sqrt ((double) steps [j]) / plan.noise_multiplier;
            if (c->merit > best)
                best = c->merit;
        }
    }
    choice->n_candidates = k;
    //  Within the slack of the best merit the accountant has no strong
    //  preference, the optimiser has: the steps nearest
    //  PROTO_CHOOSE_STEPS_TARGET (in ratio), then the smaller rate (the
    //  smallest batch above the floor; candidates are in order of falling
    //  rate, then rising steps). Privacy off: the fewest steps at q 1.
    const proto_plan_candidate_t *pick = NULL;
    double pick_far = 0;
    for (size_t c = 0; c < k; c++) {
        const proto_plan_candidate_t *x = &choice->candidate [c];
        if (study->privacy_off) {
            if (!pick || x->steps < pick->steps)
                pick = x;
            continue;
        }
        if (!(x->merit >= (1 - PROTO_CHOOSE_SLACK) * best && best > 0))
            continue;
        double far = fabs (log ((double) x->steps / PROTO_CHOOSE_STEPS_TARGET));
        if (!pick || far < pick_far - 1e-12 || (fabs (far - pick_far) <= 1e-12 && x->q < pick->q)) {
            pick = x;
            pick_far = far;
        }
    }
    if (!pick)
        return util_error (UTIL_EINPUT, "plan: epsilon %.4g cannot be met by any schedule of "
                           "%d to %d steps (raise epsilon)", study->epsilon, (int) steps [0],
                           (int) steps [PROTO_CHOOSE_N_STEPS - 1]);
    choice->q = pick->q;
    choice->steps = pick->steps;
    s.sampling_rate = pick->q;
    s.steps = pick->steps;
    return proto_plan_make (&choice->plan, &s, p, t);
}
