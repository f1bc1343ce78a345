/*  site/policy.h - what a site accepts of a study: caps on the size of the
    model and the length of the schedule (site.cfg's policy section), and
    the rule that delta is small against the dataset.

    A study is the analyst's, and the coordinator forwards it: anything it
    sizes (the model's parameters, the hidden layers, the rounds, the
    features) is checked here against this site's caps BEFORE anything of
    that size is allocated, so a huge study is declined, not crashed.
    Checks come in the order the worker can make them:

        site_policy_check_study     on the study text alone, before the
                                    data is read: steps, hidden widths,
                                    listed features, and the parameters
                                    the model has at the least
        site_policy_check_model     once the features are encoded (p is
                                    known): features and the exact
                                    parameter count, before the plan
        site_policy_check_delta     once the records are known: the
                                    study's delta and the site's budget
                                    delta at most 1 / (10 x records)

    Every refusal is UTIL_EREFUSED with one line that names the cap and its
    site.cfg key, e.g. "policy: the model has 50000000 parameters, this
    site allows at most 1000000 (site.cfg policy/max_params)". The figures
    in a reason come from the study and this site's config only: a delta
    refusal never names the record count, nor any value of the data.

    Contents
        site_policy_t               the caps
        site_policy_default         fills in the documented defaults
        site_policy_check_study     before the data is read
        site_policy_check_model     before the model is planned
        site_policy_check_delta     delta against the record count
        site_policy_params          a model's parameter count, saturating

    A policy is a plain value. Errors are -1 with the reason in the error
    slot (util/error.h).
*/
#ifndef SITE_POLICY_H
#define SITE_POLICY_H

#include "proto/study.h"

#include <stddef.h>
#include <stdint.h>

//  Defaults, and the largest value site.cfg may set (the protocol's own
//  limits: a site cannot accept more than the wire carries).
#define SITE_POLICY_PARAMS_DEFAULT      1000000
#define SITE_POLICY_PARAMS_MAX          4194304     //  PROTO_PARAMS_MAX
#define SITE_POLICY_STEPS_DEFAULT       10000
#define SITE_POLICY_STEPS_MAX           100000      //  PROTO_STUDY_STEPS_MAX
#define SITE_POLICY_FEATURES_DEFAULT    1024
#define SITE_POLICY_FEATURES_MAX        4096        //  PROTO_FEATURES_MAX
#define SITE_POLICY_HIDDEN_DEFAULT      1024
#define SITE_POLICY_HIDDEN_MAX          4096        //  MODEL_MLP_MAX_WIDTH

typedef struct {
    uint64_t max_params;        //  model parameters (weights and biases)
    uint64_t max_steps;         //  training rounds of one study
    uint64_t max_features;      //  model inputs, after one-hot encoding
    uint64_t max_hidden;        //  width of the widest MLP hidden layer
} site_policy_t;

/*  The defaults above. */
void site_policy_default (site_policy_t *self);

/*  The study against the caps, on its text alone: its steps, its hidden
    widths, its listed features (when it lists them), and the parameters
    of its model over at least that many inputs. 0, or -1 with the
    refusal. A query (study->query set) has no model: 0. */
int site_policy_check_study (const site_policy_t *self, const proto_study_t *study);

/*  The model over its `n_features` encoded inputs: the features and the
    exact parameter count. 0, or -1 with the refusal. */
int site_policy_check_model (const site_policy_t *self, const proto_study_t *study,
                             size_t n_features);

/*  Delta against the dataset: the study's `delta` and the site's
    `budget_delta` must each be at most 1 / (10 x records), so that
    neither allows the whole dataset's privacy to fail with a probability
    near one record's share. 0, or -1 with a refusal that names the delta
    but not `records`. Records 0: nothing to protect, 0. */
int site_policy_check_delta (double delta, double budget_delta, uint64_t records);

/*  The parameters of the study's model over n_features inputs
    (proto_plan_params), UINT64_MAX if the count overflows. */
uint64_t site_policy_params (const proto_study_t *study, uint64_t n_features);

#endif
