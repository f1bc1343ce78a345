/*  proto/plan.h - the privacy plan of a study: for each round kind, how
    many rounds, the sampling rate, the L2 sensitivity in integer units and
    the discrete Gaussian noise each site adds; and the training noise
    multiplier, calibrated so that the WHOLE schedule (standardisation
    statistics, every training step and every evaluation) stays within the
    study's (epsilon, delta). The coordinator and every site compute the
    same plan from the study text, the feature count and the quorum t, so a
    site never takes noise parameters from the coordinator.

    Rounds and their vectors (integers):
      stats    per feature, a signed histogram of floor(log4 |x|) over
               PROTO_STATS_BINS bins for each sign (training rows): each
               record adds 1 to one bin per feature, and the vector ends
               with the count of positive labels: L2 sensitivity sqrt(p + 1).
               The coordinator derives the standardisation mean and standard
               deviation from it (a factor-4 resolution is enough to put the
               features on comparable scales for gradient descent).
               With privacy off the vector is instead the exact sums of x
               and x^2 per feature (fixed point 2^PROTO_OFF_BITS), so the
               standardisation is the pooled one.
      train    the clipped per-example gradient sum (clip C), fixed point
               2^PROTO_FRAC_BITS, Poisson-subsampled at rate q:
               dp_clip_sensitivity(C, f, d).
      eval     held-out scores, histograms of PROTO_HIST_BINS bins per
               label: each record adds 1 to one bin, L2 sensitivity 1.
    Privacy unit = site (DP-FedAvg, zero-out neighbours: one site's whole
    dataset replaced by nothing): every vector above is one site's whole
    contribution, so
      stats    each histogram (one per feature) is normalised to mass
               PROTO_SITE_MASS: bin = floor(M count / n_site), and so is the
               positive-label count: L2 sensitivity M sqrt(p + 1)
      train    the site's clipped model delta (E local epochs of minibatch
               SGD): dp_clip_sensitivity(C, f, d), q = 1
      eval     both label histograms normalised together to mass M
               (bin = floor(M count / n_test)): L2 sensitivity M
    Noise: each site adds a discrete Gaussian of variance sigma^2 / t
    (rounded up to an integer), so any t honest sites give at least sigma^2
    (distributed discrete Gaussian, Kairouz-Liu-Steinke 2021); the
    accountant charges dp_rdp_ddg with n = t, including its correction term.
    A study standardised by the data dictionary's public bounds
    (study->bounds, the default when the study is read through the
    dictionary: proto_study_resolve_scale) has no statistics round: its
    share goes to training.
    Budget: the statistics round (when it runs) gets PROTO_STATS_SHARE of
    the zCDP budget rho(epsilon, delta), the evaluations the study's
    privacy/eval_share together (default PROTO_EVAL_SHARE_DEFAULT); the
    training noise multiplier is then the smallest z (bisection) for which
    the composed RDP curve converts (improved conversion) to at most the
    target epsilon. Every record is counted in every kind (composition over
    all of them), which is conservative.

    The record count (record level, privacy on): each site's acceptance
    carries its number of training records plus a discrete Gaussian of
    variance count_sigma2 (sent in clear by that site alone, so the whole
    variance is its own, not sigma^2 / t), L2 sensitivity 1: the
    coordinator's N for the gradient scale and the prior. It gets
    PROTO_COUNT_SHARE of the zCDP budget rho(epsilon, delta) and is part of
    the composed curve the training noise is calibrated against, so the
    whole schedule, count included, stays within the study's epsilon; each
    site charges it to its ledger before the acceptance leaves
    (docs/privacy.md s.7, "The record count"). Under unit = site no count
    is sent, and with privacy off the exact count goes (nothing is private
    then).

    Choosing the schedule (proto_plan_choose): for a target (epsilon,
    delta) and an expected number N of training records, every candidate
    sampling rate q in PROTO_CHOOSE_RATES (with q N at least
    PROTO_CHOOSE_MIN_BATCH when N is known) and step count T in
    PROTO_CHOOSE_STEPS is calibrated as above, and scored by
        merit = q N sqrt(T) / z
    the signal-to-noise ratio of the summed noisy gradient over the run
    (each step: a signal of about q N clipped gradients against noise of
    standard deviation z C). The merit is flat where the accountant's
    composition and amplification are tight (z grows like q sqrt T), and
    falls where they are loose, so it picks the rate the accountant
    rewards; among the candidates within PROTO_CHOOSE_SLACK of the best,
    the steps nearest PROTO_CHOOSE_STEPS_TARGET win (in ratio: the
    optimiser needs tens of steps, and each round costs a secure
    aggregation), then the smaller rate. On breast cancer and Pima at
    epsilon 1 this gave better models than the fewest steps at q 1
    (docs/privacy.md, the learning measurements).

    Contents
        proto_plan_kind_t           one round kind: rounds, rate, L2, noise
        proto_plan_t                the plan of every kind, and the training
                                    noise multiplier
        proto_plan_params           the model's parameter count
        proto_plan_make             builds the plan of a study
        proto_plan_part_epsilon     the epsilon of one round kind alone
        proto_plan_choice_t, proto_plan_choose
                                    the schedule (q, steps, z) the
                                    accountant favours for a target
        proto_plan_curve, proto_plan_total  the RDP the study spends
        proto_plan_ledger_curve, proto_plan_ledger_total
                                    what a site's ledger is charged
        proto_plan_count_sigma2, proto_plan_count_curve
                                    the noisy record count: its noise, its RDP
        proto_z                     a value standardised as the sites use it

    A plan is a plain value. The curves returned are the caller's
    (dp_curve_destroy). Errors are -1 / NULL with the reason in the error
    slot (util/error.h).
*/
#ifndef PROTO_PLAN_H
#define PROTO_PLAN_H

#include "study.h"
#include "dp/accountant.h"
#include "proto/cohort.pb-c.h"

#define PROTO_FRAC_BITS    12              //  training gradients
#define PROTO_OFF_BITS     8               //  privacy-off statistics
#define PROTO_VALUE_BITS   48
//  Share indices on the wire (1..PROTO_MAX_PARTIES) and the codec's
//  headroom: every codec sums at most this many vectors, so its guard bits
//  are ceil(log2 256) = 8 and a slot is 48 + 8 bits (36 slots a 2048-bit
//  plaintext; 37 at the former 64). Sites and coordinator use this one
//  constant, never the key's party count, so their layouts always agree
//  (docs/scale.md: why not per key). Equal to HE_PARTIES_MAX.
#define PROTO_MAX_PARTIES  256
#define PROTO_STATS_BINS   16               //  per sign, two octaves each
#define PROTO_STATS_EXP_MIN (-16)           //  bins: [2^-16, 2^-14) .. [2^14, 2^16)
#define PROTO_HIST_BINS    10
#define PROTO_STATS_SHARE  0.30
#define PROTO_KINDS        6                //  indexed by Cohort__RoundKind
#define PROTO_Z_CLIP       4.0              //  |standardised value| bound under DP
#define PROTO_SITE_MASS    1024             //  unit = site: mass M of each histogram
#define PROTO_COUNT_SHARE  0.02             //  of rho: the noisy record count

typedef struct {
    uint64_t rounds;            //  planned rounds of this kind
    double q;                   //  sampling rate (1 unless train)
    double l2;                  //  L2 sensitivity, integer units
    uint64_t local_sigma2;      //  each site's discrete Gaussian variance (0 when off)
    size_t dim;                 //  vector length
    double ledger_l2;           //  L2 bound for the sites' ledgers (proto_plan_ledger_curve)
} proto_plan_kind_t;

typedef struct {
    bool off;                   //  privacy off: no noise, nothing charged
    unsigned threshold;
    size_t n_features, n_params;
    proto_plan_kind_t kind [PROTO_KINDS];
    double noise_multiplier;    //  training sigma / sensitivity (0 when off)
    double epsilon;             //  total planned epsilon at the study's delta
    double delta;               //  the study's delta (0 when off)
    //  Each kind's planned rounds alone at delta (0 for a kind that does
    //  not run, and when off); their sum is above epsilon (composition
    //  is sublinear in RDP).
    double part_epsilon [PROTO_KINDS];
    //  The acceptance's noisy record count: each site's discrete Gaussian
    //  variance (0: no noise; the count is exact with privacy off and not
    //  sent under unit = site), and its epsilon alone at delta.
    uint64_t count_sigma2;
    double count_epsilon;
} proto_plan_t;

#define PROTO_CHOOSE_RATES      { 1, 0.5, 0.25, 0.1, 0.05, 0.02, 0.01 }
#define PROTO_CHOOSE_N_RATES    7
#define PROTO_CHOOSE_STEPS      { 10, 15, 20, 30, 50, 100, 200 }
#define PROTO_CHOOSE_N_STEPS    7
#define PROTO_CHOOSE_MIN_BATCH  64
#define PROTO_CHOOSE_SLACK      0.05
#define PROTO_CHOOSE_STEPS_TARGET 100.0      //  the steps preferred within the slack

//  One candidate schedule and its calibration.
typedef struct {
    double q;
    uint64_t steps;
    double noise_multiplier;    //  0 when the target cannot be met
    double merit;               //  q N sqrt(T) / z (N = 1 when unknown); 0 when infeasible
} proto_plan_candidate_t;

typedef struct {
    proto_plan_t plan;          //  the chosen schedule's plan
    double q;
    uint64_t steps;
    uint64_t n_records;         //  N the merit used (0: unknown)
    size_t n_candidates;
    proto_plan_candidate_t candidate [PROTO_CHOOSE_N_RATES * PROTO_CHOOSE_N_STEPS];
} proto_plan_choice_t;

/*  Parameters of the study's model over n_features inputs (LR: p + 1). */
size_t proto_plan_params (const proto_study_t *study, size_t n_features);

/*  Builds the plan. -1 with the reason if the target cannot be met (the
    statistics and evaluations alone exceed it, or the noise would pass the
    fixed-point range). */
int proto_plan_make (proto_plan_t *plan, const proto_study_t *study, size_t n_features,
                     unsigned threshold) PROTO_WUR;

/*  The epsilon at the study's delta of `kind`'s planned rounds alone
    (plan->part_epsilon [kind]). */
double proto_plan_part_epsilon (const proto_plan_t *plan, Cohort__RoundKind kind);

/*  Chooses the study's sampling rate and steps for its (epsilon, delta),
    model, unit and scale (proto_study_resolve_scale first), n_features
    and quorum t, as described above; `n_records` is the expected number
    of training records over the consortium (0 when unknown: no batch
    floor, merit per record). The study's own steps and sampling_rate are
    ignored and left as they are. Under unit = site q stays 1 (sites are
    not sampled) and only the steps are chosen. Privacy off: q 1 and the
    fewest steps. *choice gets every candidate and the chosen plan. -1
    with the reason when no candidate meets the target. */
int proto_plan_choose (proto_plan_choice_t *choice, const proto_study_t *study,
                       size_t n_features, unsigned threshold, uint64_t n_records) PROTO_WUR;

/*  The RDP curve (default order grid) of `rounds` rounds of `kind`; a zero
    curve when privacy is off. NULL on error. */
dp_curve_t *proto_plan_curve (const proto_plan_t *plan, Cohort__RoundKind kind,
                              uint64_t rounds);

/*  The curve of the whole planned schedule, the noisy record count
    included. NULL on error. */
dp_curve_t *proto_plan_total (const proto_plan_t *plan);

/*  The variance count_sigma2 of the acceptance's noisy record count for
    study s (0 when privacy is off or unit = site): what proto_plan_make
    sets, without the rest of the plan, for the coordinator to check each
    acceptance against. 0, or -1 if it passes the sampler's range. */
int proto_plan_count_sigma2 (const proto_study_t *s, uint64_t *sigma2) PROTO_WUR;

/*  The curve of the acceptance's noisy record count (a discrete Gaussian
    of variance count_sigma2, L2 sensitivity 1, at record level and for a
    site's ledger alike); a zero curve when the plan has none. NULL on
    error. */
dp_curve_t *proto_plan_count_curve (const proto_plan_t *plan);

/*  A standardised value as the sites train and evaluate on it: missing
    values become 0 (the global mean); under DP the value is clamped to
    [-PROTO_Z_CLIP, PROTO_Z_CLIP]. The statistics behind mean and std are
    noisy: a feature whose estimate went wrong then becomes a nearly
    constant column instead of values in the thousands that would swamp
    every clipped gradient. The released model file carries the same clamp
    (preprocessing.clip). */
static inline double
proto_z (double x, double mean, double std, bool clamp)
{
    if (x != x)
        return 0;
    double z = (x - mean) / std;
    if (clamp)
        z = z < -PROTO_Z_CLIP? -PROTO_Z_CLIP: z > PROTO_Z_CLIP? PROTO_Z_CLIP: z;
    return z;
}

/*  What a site's budget ledger is charged. A ledger holds one record-level
    budget per dataset for every study, so each round is charged for the
    change of one record at one site: at record level that is the curve
    above (ledger_l2 = l2). Under unit = site the study's own guarantee is
    for zero-out neighbours, but one record added, removed or changed moves
    the site's contribution from one possible value to another: up to 2 l2
    for the clipped delta (two vectors within l2 of 0), and sqrt 2 l2 for
    the normalised histograms (two nonnegative vectors of norm <= l2 are
    within sqrt 2 l2). The ledger curves use those bounds, so a site-level
    study never under-charges the records' budget. The ledger total
    includes the noisy record count (proto_plan_count_curve). NULL on
    error. */
dp_curve_t *proto_plan_ledger_curve (const proto_plan_t *plan, Cohort__RoundKind kind,
                                     uint64_t rounds);
dp_curve_t *proto_plan_ledger_total (const proto_plan_t *plan);

#endif
