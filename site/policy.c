/*  site/policy.c - a site's caps on the studies it accepts. */
#include "policy.h"
#include "util/error.h"

#include <math.h>

void
site_policy_default (site_policy_t *self)
{
    *self = (site_policy_t) { SITE_POLICY_PARAMS_DEFAULT, SITE_POLICY_STEPS_DEFAULT,
                              SITE_POLICY_FEATURES_DEFAULT, SITE_POLICY_HIDDEN_DEFAULT };
}

//  a * b + c, saturating at UINT64_MAX.
static uint64_t
s_mul_add (uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t r;
    if (__builtin_mul_overflow (a, b, &r) || __builtin_add_overflow (r, c, &r))
        return UINT64_MAX;
    return r;
}

uint64_t
site_policy_params (const proto_study_t *study, uint64_t n_features)
{
    if (study->model == PROTO_MODEL_LOGISTIC)
        return s_mul_add (n_features, 1, 1);
    //  Each layer: in x width weights and width biases; then the output.
    uint64_t n = 0, in = n_features;
    for (size_t k = 0; k < study->n_hidden && k < PROTO_HIDDEN_MAX; k++) {
        n = s_mul_add (study->hidden [k], in + 1, n);
        in = study->hidden [k];
    }
    return s_mul_add (in, 1, s_mul_add (n, 1, 1));
}

static int
s_params (const site_policy_t *self, const proto_study_t *study, uint64_t n_features,
          const char *at_least)
{
    uint64_t n = site_policy_params (study, n_features);
    if (n > self->max_params)
        return util_error (UTIL_EREFUSED, "policy: the model has %s%llu parameters, this site "
                           "allows at most %llu (site.cfg policy/max_params)", at_least,
                           (unsigned long long) n, (unsigned long long) self->max_params);
    return 0;
}

static int
s_features (const site_policy_t *self, uint64_t n_features)
{
    if (n_features > self->max_features)
        return util_error (UTIL_EREFUSED, "policy: the model has %llu input features, this site "
                           "allows at most %llu (site.cfg policy/max_features)",
                           (unsigned long long) n_features,
                           (unsigned long long) self->max_features);
    return 0;
}

int
site_policy_check_study (const site_policy_t *self, const proto_study_t *study)
{
    if (study->query)
        return 0;
    if (study->steps > self->max_steps)
        return util_error (UTIL_EREFUSED, "policy: the study has %llu training steps, this site "
                           "allows at most %llu (site.cfg policy/max_steps)",
                           (unsigned long long) study->steps,
                           (unsigned long long) self->max_steps);
    if (study->model == PROTO_MODEL_MLP)
        for (size_t k = 0; k < study->n_hidden && k < PROTO_HIDDEN_MAX; k++)
            if (study->hidden [k] > self->max_hidden)
                return util_error (UTIL_EREFUSED, "policy: hidden layer %zu has %zu units, this "
                                   "site allows at most %llu (site.cfg policy/max_hidden)", k + 1,
                                   study->hidden [k], (unsigned long long) self->max_hidden);
    //  Without a feature list every column but the label is one: at least
    //  one. One-hot encoding only adds inputs, so this is a lower bound.
    uint64_t p = study->n_features? study->n_features: 1;
    if (s_features (self, p))
        return -1;
    return s_params (self, study, p, "at least ");
}

int
site_policy_check_model (const site_policy_t *self, const proto_study_t *study,
                         size_t n_features)
{
    if (s_features (self, n_features))
        return -1;
    return s_params (self, study, n_features, "");
}

int
site_policy_check_delta (double delta, double budget_delta, uint64_t records)
{
    //  The bound as a double, correctly rounded (10 n is exact): a delta
    //  written as 1/(10 n) in decimal (5e-5 for 2000 records) is the same
    //  double, and passes.
    double bound = records? 1.0 / (10.0 * (double) records): INFINITY;
    if (!(delta <= bound))
        return util_error (UTIL_EREFUSED, "privacy: delta %g is too large for this dataset (delta "
                           "must be at most 1/(10 x records))", delta);
    if (!(budget_delta <= bound))
        return util_error (UTIL_EREFUSED, "privacy: this site's budget delta %g is too large for "
                           "this dataset (site.cfg budget/delta must be at most 1/(10 x records))",
                           budget_delta);
    return 0;
}
