/*  sim/dpsgd.h - central DP-SGD for logistic regression: what `cohort train
    --epsilon` runs, the single-curator reference the federated study is
    compared with (`cohort bench learning`).

    The mechanism is DP-SGD (Abadi et al., "Deep Learning with Differential
    Privacy", CCS 2016, Algorithm 1), with the noise drawn exactly:
      1. scaling: every feature by the data dictionary's public bounds
         (models/dictionary.h), a numeric column mapped from [min, max] onto
         [-1, 1] and clamped there, a one-hot column left 0/1; missing values
         dropped (the row) or imputed with the middle of the bounds. Nothing
         is estimated from the data, so no budget goes to scaling.
      2. each of T steps: Poisson sampling, every row independently with
         probability q (53 uniform bits of the stream against floor(q 2^53),
         so the rate used is at most q); each sampled row's log-loss gradient
         (p + 1 entries, the intercept's included) clipped to L2 norm C,
         scaled by 2^f and rounded to integers (dp/clip.h); their sum gets
         one discrete Gaussian draw per entry (dp/discrete.h: exact, integer,
         from the stream) of variance sigma2 = ceil((z Delta)^2), where
         Delta = dp_clip_sensitivity(C, f, p + 1) bounds the L2 change of the
         integer sum when one row is added or removed;
      3. the noisy sum, back on the real scale (2^-f), plus q l2 w for the
         penalty, divided by q N (N the training rows, taken as public, as
         Abadi et al.'s lot size qN is), is the gradient Adam steps on
         (lr, 0.9, 0.999, 1e-8: post-processing); the model is the average of
         the iterates of the second half of the steps.
    The noise multiplier z is the smallest that keeps T steps at rate q
    within (epsilon, delta) by the RDP accountant (dp_calibrate_noise,
    improved conversion) over the integer orders 2..256. At an integer order
    the Rényi divergence of the subsampled discrete Gaussian equals the
    continuous one's: the binomial expansion needs E[(p_mu / p_0)^k] under
    p_0 for integers k, and for an integer shift mu it is
    exp((k^2 - k) |mu|^2 / (2 sigma^2)) for both (docs/privacy.md, "Central
    DP-SGD reference"). Rounding sigma2 up only adds noise.
    The fixed-point exponent f is the largest in [1, SIM_DPSGD_FRAC_BITS_MAX]
    for which sigma2 stays within the sampler's exact range (DP_RATIONAL_MAX):
    the rounding then moves each entry by at most 2^-(f+1), and adds
    sqrt(p + 1) / 2 integer units to Delta, which the noise covers.

    Contents
        sim_dpsgd_options_t     the target, the plan's knobs, the optimiser
        sim_dpsgd_defaults      its defaults
        sim_dpsgd_plan_t        what the accountant and the range chose
        sim_dpsgd_plan          the plan for a model of n_params parameters
        sim_dpsgd_load          a CSV table loaded with the dictionary's
                                features and levels
        sim_dpsgd_train         the model, trained; its file records the plan

    Options, data, dictionary and stream are borrowed; the model returned is
    the caller's (model_file_destroy). Errors are -1 / NULL with one line in
    the error slot (util/error.h).
*/
#ifndef SIM_DPSGD_H
#define SIM_DPSGD_H

#include "dp/random.h"
#include "models/dataset.h"
#include "models/dictionary.h"
#include "models/modelfile.h"

#include <stdint.h>

#define SIM_DPSGD_STEPS_MAX     1000000     //  T
#define SIM_DPSGD_FRAC_BITS_MAX 20          //  largest fixed-point exponent f
#define SIM_DPSGD_ORDERS        "2:256:1"   //  the accountant's orders

typedef struct {
    double epsilon, delta;      //  target: epsilon > 0, delta in (0, 1)
    double clip;                //  C > 0
    double sampling_rate;       //  q in (0, 1]
    uint64_t steps;             //  T in [1, SIM_DPSGD_STEPS_MAX]
    double lr;                  //  Adam step > 0
    double l2;                  //  penalty (l2/2)||w||^2 on the summed log-loss, >= 0
    model_missing_t missing;    //  drop, or impute the middle of the bounds
} sim_dpsgd_options_t;

typedef struct {
    double noise_multiplier;    //  z = sigma / Delta, from the accountant
    double epsilon;             //  what T steps at q and z spend at delta
    double order;               //  the order that gives it
    unsigned frac_bits;         //  f
    double sensitivity;         //  Delta, integer units
    uint64_t sigma2;            //  the discrete Gaussian's variance, integer units
} sim_dpsgd_plan_t;

/*  Target (1, 1e-5), C 0.1, q 0.2, T 100, lr 0.05, l2 0, drop. */
void sim_dpsgd_defaults (sim_dpsgd_options_t *o);

/*  Checks the options and plans the noise for a model of n_params
    parameters (p + 1). -1 naming the option out of range, or the reason
    no plan exists (the target below what the orders can reach; the noise
    beyond the sampler's range even at f = 1). */
int sim_dpsgd_plan (sim_dpsgd_plan_t *plan, const sim_dpsgd_options_t *o,
                    size_t n_params) __attribute__((warn_unused_result));

/*  Loads `csv` for training under DP: the features are spec's (every column
    but the label when spec names none), each of which must be in `dict`;
    the categorical ones take the dictionary's levels (a value outside them
    marks its row, which training drops). spec->categorical must be empty:
    the dictionary says which features are categorical. Same contract as
    model_dataset_load. */
int sim_dpsgd_load (model_dataset_t **out, const model_csv_t *csv,
                    const model_load_spec_t *spec, const model_dict_t *dict)
                    __attribute__((warn_unused_result));

/*  Trains a logistic regression on `ds` (as sim_dpsgd_load gives it; not
    modified) with the noise and sampling drawn from `rng`. The model file
    carries the scaling (mean the middle of each bound, std half its width,
    clip 1) and the privacy record (the plan, and the epsilon spent). On
    success *plan (may be NULL) gets the plan and *dropped (may be NULL) the
    rows dropped for missing values. NULL on error: bad options, no complete
    row, a feature not in `dict`, a failed stream or out of memory. */
model_file_t *sim_dpsgd_train (const model_dataset_t *ds, const model_load_spec_t *spec,
                               const model_dict_t *dict, const sim_dpsgd_options_t *o,
                               dp_rng_t *rng, sim_dpsgd_plan_t *plan, size_t *dropped);

#endif
