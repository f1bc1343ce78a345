/*  coordinator/study.c - schedule, global model, accountant and report. */
#include "study.h"
#include "util/error.h"
#include "dp/postprocess.h"
#include "models/metrics.h"
#include "models/modelfile.h"
#include "models/optim.h"
#include "proto/message.h"

#include <czmq.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct _coord_study_t {
    char *id, *cfg;
    proto_study_t *def;
    proto_plan_t plan;
    bool begun, finished, standardised;
    char *status, *detail;
    char **features;
    size_t p;
    uint64_t n_records;
    json_t *sites, *declined, *rounds, *final_metrics;
    time_t started, ended;
    int64_t started_ms, ended_ms;
    //  Schedule.
    int stage;                      //  0 statistics, 1 training, 2 done
    uint64_t step;                  //  training steps started
    bool eval_due;
    //  Model and preprocessing.
    double *mean, *std;
    gsl_vector *params;
    double *params_copy;            //  for RoundStart
    gsl_vector *average;            //  tail average of the iterates (the released model)
    uint64_t averaged;              //  iterates in it
    double *penalty_mask;           //  1 for penalised parameters
    model_optim_t *optim;
    model_mlp_t *mlp;
    dp_curve_t *spent;
    double epsilon;
};

static char *
s_iso (time_t t)
{
    char buf [32];
    struct tm tm;
    gmtime_r (&t, &tm);
    strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return strdup (buf);
}

coord_study_t *
coord_study_new (const char *id, const char *cfg_text)
{
    proto_study_t *def = proto_study_parse (cfg_text, "study");
    if (!def)
        return NULL;
    coord_study_t *self = calloc (1, sizeof *self);
    self->id = strdup (id);
    self->cfg = strdup (cfg_text);
    self->def = def;
    self->status = strdup ("running");
    self->detail = strdup ("offered to the sites");
    self->sites = json_array ();
    self->declined = json_array ();
    self->rounds = json_array ();
    self->started = time (NULL);
    self->started_ms = zclock_mono ();
    self->spent = dp_curve_new_default ();
    return self;
}

void
coord_study_destroy (coord_study_t **self_p)
{
    if (self_p && *self_p) {
        coord_study_t *s = *self_p;
        free (s->id); free (s->cfg); free (s->status); free (s->detail);
        proto_study_destroy (&s->def);
        for (size_t i = 0; i < s->p; i++)
            free (s->features [i]);
        free (s->features);
        json_decref (s->sites); json_decref (s->declined); json_decref (s->rounds);
        json_decref (s->final_metrics);
        free (s->mean); free (s->std);
        if (s->params && !s->mlp)
            gsl_vector_free (s->params);
        free (s->params_copy); free (s->penalty_mask);
        if (s->average)
            gsl_vector_free (s->average);
        model_optim_destroy (&s->optim);
        model_mlp_destroy (&s->mlp);
        dp_curve_destroy (&s->spent);
        free (s);
        *self_p = NULL;
    }
}

const char *coord_study_id (const coord_study_t *s) { return s->id; }
const char *coord_study_cfg (const coord_study_t *s) { return s->cfg; }
const proto_study_t *coord_study_def (const coord_study_t *s) { return s->def; }
const proto_plan_t *coord_study_plan (const coord_study_t *s) { return &s->plan; }
double coord_study_epsilon (const coord_study_t *s) { return s->epsilon; }
bool coord_study_finished (const coord_study_t *s) { return s->finished; }

void
coord_study_decline (coord_study_t *self, const char *site, const char *reason)
{
    json_array_append_new (self->declined, json_pack ("{s:s, s:s}", "site", site,
                                                      "reason", reason));
}

int
coord_study_begin (coord_study_t *self, char **features, size_t p, uint64_t n_records,
                   char **sites, size_t n_sites)
{
    const proto_study_t *d = self->def;
    if (proto_plan_make (&self->plan, d, p, d->min_sites))
        return -1;
    self->features = calloc (p, sizeof (char *));
    for (size_t i = 0; i < p; i++)
        self->features [i] = strdup (features [i]);
    self->p = p;
    self->n_records = n_records;
    for (size_t i = 0; i < n_sites; i++)
        json_array_append_new (self->sites, json_string (sites [i]));
    self->mean = calloc (p, sizeof (double));
    self->std = calloc (p, sizeof (double));
    for (size_t i = 0; i < p; i++)
        self->std [i] = 1;
    size_t n = self->plan.n_params;
    self->penalty_mask = calloc (n, sizeof (double));
    if (d->model == PROTO_MODEL_LOGISTIC) {
        self->params = gsl_vector_calloc (n);
        for (size_t i = 0; i < p; i++)
            self->penalty_mask [i] = 1;     //  not the intercept
    }
    else {
        self->mlp = model_mlp_new (p, d->hidden, d->n_hidden, MODEL_ACT_RELU);
        if (!self->mlp)
            return util_error_context ("model");
        model_mlp_init (self->mlp, 1);
        self->params = model_mlp_params (self->mlp);
        //  Layer by layer: W (d_out x d_in) penalised, then b (d_out) not.
        size_t at = 0, in = p;
        for (size_t k = 0; k <= d->n_hidden; k++) {
            size_t out = k < d->n_hidden? d->hidden [k]: 1;
            for (size_t i = 0; i < out * in; i++)
                self->penalty_mask [at++] = 1;
            at += out;
            in = out;
        }
    }
    self->params_copy = calloc (n, sizeof (double));
    self->average = gsl_vector_calloc (n);
    self->optim = d->optimizer == PROTO_OPT_ADAM
                ? model_optim_adam_new (n, d->learning_rate, 0.9, 0.999, 1e-8)
                : model_optim_sgd_new (n, d->learning_rate, 0);
    if (!self->optim)
        return util_error_context ("optimiser");
    self->begun = true;
    free (self->detail);
    self->detail = strdup ("running");
    return 0;
}

Cohort__RoundKind
coord_study_next (coord_study_t *self)
{
    switch (self->stage) {
        case 0:
            self->stage = 1;
            return COHORT__ROUND_KIND__ROUND_KIND_STATS;
        case 1:
            if (self->eval_due) {
                self->eval_due = false;
                if (self->step == self->def->steps)
                    self->stage = 2;
                return COHORT__ROUND_KIND__ROUND_KIND_EVAL;
            }
            self->step++;
            self->eval_due = proto_study_eval_after (self->def, self->step);
            return COHORT__ROUND_KIND__ROUND_KIND_TRAIN;
        default:
            return 0;
    }
}

size_t
coord_study_dim (const coord_study_t *self, Cohort__RoundKind kind)
{
    return self->plan.kind [kind].dim;
}

//  The released model: the average of the iterates over the second half of
//  training (Polyak-Ruppert tail averaging; post-processing of the DP
//  iterates, so free in privacy terms), which smooths out the noise the
//  last iterate carries; the iterate itself until averaging starts, and
//  always with privacy off (nothing to smooth).
static const gsl_vector *
s_released (const coord_study_t *self)
{
    return self->averaged? self->average: self->params;
}

int
coord_study_round_start (coord_study_t *self, Cohort__RoundKind kind, Cohort__RoundStart *rs)
{
    rs->kind = kind;
    rs->sampling_rate = self->plan.kind [kind].q;
    if (kind == COHORT__ROUND_KIND__ROUND_KIND_TRAIN || kind == COHORT__ROUND_KIND__ROUND_KIND_EVAL) {
        //  Training rounds see the optimiser's iterate, evaluations the
        //  model that will be released.
        const gsl_vector *w = kind == COHORT__ROUND_KIND__ROUND_KIND_EVAL? s_released (self)
                                                                        : self->params;
        memcpy (self->params_copy, w->data, self->plan.n_params * sizeof (double));
        rs->n_params = self->plan.n_params;
        rs->params = self->params_copy;
        rs->n_mean = rs->n_std = self->p;
        rs->mean = self->mean;
        rs->std = self->std;
    }
    //  The sites charge their ledgers before their contribution leaves, so
    //  the round counts from its start, whatever happens next.
    dp_curve_t *c = proto_plan_curve (&self->plan, kind, 1);
    if (!c || dp_curve_add (self->spent, c)) {
        dp_curve_destroy (&c);
        return util_error_context ("accountant");
    }
    dp_curve_destroy (&c);
    if (!self->plan.off
    &&  dp_curve_epsilon (self->spent, self->def->delta, DP_CONVERSION_IMPROVED,
                          &self->epsilon, NULL))
        return util_error_context ("accountant");
    return 0;
}

//  Standardisation from the noisy signed histograms (bins of a factor 4):
//  per feature, the fullest bin (each sign's lowest bin, zeros and tiny
//  values, left out) and the run of bins around it whose noisy counts clear
//  2 noise standard deviations are taken as the distribution of the values,
//  each bin [L, 4L) as a uniform spread (mean 2.5 L, variance 0.75 L^2).
//  That gives the mean and standard deviation within a small factor, which
//  is what gradient descent needs to see comparable scales; the noise is
//  that of the statistics round (docs/privacy.md).
//  The output bias (the LR intercept, the MLP's last parameter) starts at
//  the log-odds of the noisy share of positive labels, so that the first
//  steps do not push every weight one way to fit the class balance.
static void
s_prior (coord_study_t *self, int64_t positives, unsigned contributors)
{
    //  unit = site (private): each site sent its share of positives as a
    //  mass out of PROTO_SITE_MASS, so the sites weigh equally.
    double of = self->def->unit == PROTO_UNIT_SITE && !self->plan.off
              ? (double) contributors * PROTO_SITE_MASS: (double) self->n_records;
    double share = (double) positives / of;
    share = fmin (0.99, fmax (0.01, share));
    gsl_vector_set (self->params, self->plan.n_params - 1, log (share / (1 - share)));
}

static void
s_apply_stats (coord_study_t *self, const int64_t *v, unsigned contributors)
{
    if (self->plan.off) {
        //  Exact sums: the pooled mean and (population) standard deviation.
        double n = (double) self->n_records;
        for (size_t j = 0; j < self->p; j++) {
            double mean = ldexp ((double) v [j], -PROTO_OFF_BITS) / n;
            double var = ldexp ((double) v [self->p + j], -PROTO_OFF_BITS) / n - mean * mean;
            self->mean [j] = mean;
            self->std [j] = var > 1e-24? sqrt (var): 1;
        }
        s_prior (self, v [2 * self->p], contributors);
        self->standardised = true;
        return;
    }
    const proto_plan_kind_t *k = &self->plan.kind [COHORT__ROUND_KIND__ROUND_KIND_STATS];
    double threshold = 2 * sqrt ((double) contributors * (double) k->local_sigma2) + 0.5;
    size_t per = 2 * PROTO_STATS_BINS;
    for (size_t j = 0; j < self->p; j++) {
        const int64_t *h = v + j * per;
        //  The fullest pair of neighbouring bins, then the fuller of the
        //  two: a pair holds most of a feature's mass even when it straddles
        //  a bin edge, and the sum of two noisy bins beats a lone noise
        //  spike far more often than one bin does.
        size_t fullest = 1;
        int64_t best = INT64_MIN;
        for (size_t b = 1; b + 1 < per; b++) {
            if (b % PROTO_STATS_BINS == 0 || (b + 1) % PROTO_STATS_BINS == 0)
                continue;
            if (h [b] + h [b + 1] > best) {
                best = h [b] + h [b + 1];
                fullest = h [b + 1] > h [b]? b + 1: b;
            }
        }
        size_t half = fullest / PROTO_STATS_BINS * PROTO_STATS_BINS;
        size_t first = fullest, last = fullest;
        while (first > half && (double) h [first - 1] > threshold)
            first--;
        while (last + 1 < half + PROTO_STATS_BINS && (double) h [last + 1] > threshold)
            last++;
        double n = 0, s1 = 0, s2 = 0;
        for (size_t b = first; b <= last; b++) {
            double c = fmax ((double) h [b], 1);
            double lo = ldexp (1, 2 * (int) (b % PROTO_STATS_BINS) + PROTO_STATS_EXP_MIN);
            double mid = (b < PROTO_STATS_BINS? 1: -1) * 2.5 * lo;
            n += c;
            s1 += c * mid;
            s2 += c * (mid * mid + 0.75 * lo * lo);
        }
        double mean = s1 / n, var = s2 / n - mean * mean;
        self->mean [j] = mean;
        self->std [j] = sqrt (fmax (var, 0.75 * pow (ldexp (1, 2 * (int) (fullest % PROTO_STATS_BINS)
                                                            + PROTO_STATS_EXP_MIN), 2)));
    }
    s_prior (self, v [per * self->p], contributors);
    self->standardised = true;
}

//  An approximate 90% interval for the DP AUC: a parametric bootstrap of
//  the evaluation noise (post-processing of the released histograms and
//  the public sigma, so it costs no privacy). Around the Norm-Sub estimate
//  (pos, neg), S_BOOT replicas get Gaussian noise of the round's total
//  sigma in every bin, go through Norm-Sub again, and give an AUC each;
//  the interval is their 5th and 95th percentiles. The replicas use a
//  seeded statistical generator (not the CSPRNG: nothing here protects
//  anyone), so a report is reproducible. -1 when too few replicas have
//  both labels.
#define S_BOOT 400

static int
s_double_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static int
s_auc_interval (const double *pos, const double *neg, double sigma, uint64_t seed,
                double *lo, double *hi)
{
    gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
    if (!rng)
        return -1;
    gsl_rng_set (rng, 20261122 + seed);
    double aucs [S_BOOT];
    size_t n = 0;
    for (int r = 0; r < S_BOOT; r++) {
        double p [PROTO_HIST_BINS], q [PROTO_HIST_BINS];
        for (int b = 0; b < PROTO_HIST_BINS; b++) {
            p [b] = pos [b] + gsl_ran_gaussian (rng, sigma);
            q [b] = neg [b] + gsl_ran_gaussian (rng, sigma);
        }
        model_metrics_t m;
        if (dp_norm_sub (p, PROTO_HIST_BINS) == 0 && dp_norm_sub (q, PROTO_HIST_BINS) == 0
        &&  model_metrics_from_histogram (&m, NULL, p, q, PROTO_HIST_BINS) == 0
        &&  isfinite (m.auc))
            aucs [n++] = m.auc;
    }
    gsl_rng_free (rng);
    if (n < S_BOOT / 2)
        return -1;
    qsort (aucs, n, sizeof (double), s_double_cmp);
    *lo = aucs [(size_t) (0.05 * (double) (n - 1))];
    *hi = aucs [(size_t) ceil (0.95 * (double) (n - 1))];
    return 0;
}

int
coord_study_apply (coord_study_t *self, Cohort__RoundKind kind, const int64_t *v,
                   unsigned contributors, json_t **metrics)
{
    *metrics = NULL;
    const proto_study_t *d = self->def;
    if (kind == COHORT__ROUND_KIND__ROUND_KIND_STATS)
        s_apply_stats (self, v, contributors);
    else
    if (kind == COHORT__ROUND_KIND__ROUND_KIND_TRAIN) {
        size_t n = self->plan.n_params;
        gsl_vector *g = gsl_vector_alloc (n);
        double q = d->sampling_rate, scale;
        if (d->unit == PROTO_UNIT_SITE && contributors == 0) {
            gsl_vector_free (g);
            return util_error (UTIL_EFAIL, "train round: no contributing site to average over");
        }
        if (d->unit == PROTO_UNIT_SITE) {
            //  DP-FedAvg: the mean of the contributors' (noisy, clipped)
            //  deltas, each site weighted equally, taken as the negative
            //  pseudo-gradient of the server optimiser, so sgd with
            //  learning_rate 1 is plain FedAvg. The sites' local objective
            //  already carries the l2 penalty.
            for (size_t i = 0; i < n; i++)
                gsl_vector_set (g, i, -ldexp ((double) v [i], -PROTO_FRAC_BITS)
                                      / (double) contributors);
            scale = 1;
        }
        else {
            //  Unbiased estimate of the gradient of L / N from a Poisson
            //  batch: (sum_batch g_i / q + l2 w) / N = (sum + q l2 w) / (q N).
            for (size_t i = 0; i < n; i++)
                gsl_vector_set (g, i, ldexp ((double) v [i], -PROTO_FRAC_BITS)
                                      + q * d->l2 * self->penalty_mask [i]
                                        * gsl_vector_get (self->params, i));
            scale = 1 / (q * (double) self->n_records);
        }
        int rc = model_optim_step (self->optim, self->params, g, scale);
        gsl_vector_free (g);
        if (rc)
            return util_error_context ("optimiser");
        if (!d->privacy_off && 2 * self->step > d->steps) {
            //  average += (params - average) / k
            self->averaged++;
            for (size_t i = 0; i < n; i++) {
                double a = gsl_vector_get (self->average, i);
                gsl_vector_set (self->average, i, a + (gsl_vector_get (self->params, i) - a)
                                                      / (double) self->averaged);
            }
        }
    }
    else {
        double pos [PROTO_HIST_BINS], neg [PROTO_HIST_BINS];
        for (int b = 0; b < PROTO_HIST_BINS; b++) {
            pos [b] = (double) v [b];
            neg [b] = (double) v [PROTO_HIST_BINS + b];
        }
        //  The noisy histograms through Norm-Sub (post-processing): the
        //  noise in the many near-empty bins no longer drags the AUC
        //  towards 0.5 (docs/privacy.md).
        model_metrics_t m;
        if (dp_norm_sub (pos, PROTO_HIST_BINS) || dp_norm_sub (neg, PROTO_HIST_BINS)) {
            *metrics = json_pack ("{s:s}", "error", util_last_error ());
            return 0;
        }
        if (model_metrics_from_histogram (&m, NULL, pos, neg, PROTO_HIST_BINS)) {
            *metrics = json_pack ("{s:s}", "error", util_last_error ());
            return 0;
        }
        *metrics = json_object ();
        const char *names [] = { "auc", "accuracy", "log_loss", "brier" };
        double values [] = { m.auc, m.accuracy, m.log_loss, m.brier };
        for (int i = 0; i < 4; i++)
            json_object_set_new (*metrics, names [i], isfinite (values [i])
                                 ? json_real (values [i]): json_null ());
        const proto_plan_kind_t *k = &self->plan.kind [COHORT__ROUND_KIND__ROUND_KIND_EVAL];
        double lo, hi;
        if (!self->plan.off && isfinite (m.auc)
        &&  s_auc_interval (pos, neg, sqrt ((double) contributors * (double) k->local_sigma2),
                            self->step, &lo, &hi) == 0) {
            json_object_set_new (*metrics, "auc_low_90", json_real (lo));
            json_object_set_new (*metrics, "auc_high_90", json_real (hi));
        }
        json_decref (self->final_metrics);
        self->final_metrics = json_incref (*metrics);
    }
    return 0;
}

json_t *
coord_study_record (coord_study_t *self, uint32_t round, Cohort__RoundKind kind, json_t *entry)
{
    json_object_set_new (entry, "round", json_integer (round));
    json_object_set_new (entry, "kind", json_string (proto_kind_name (kind)));
    json_object_set_new (entry, "epsilon_spent", self->plan.off? json_null ()
                                                               : json_real (self->epsilon));
    if (kind == COHORT__ROUND_KIND__ROUND_KIND_TRAIN)
        json_object_set_new (entry, "step", json_integer ((json_int_t) self->step));
    json_array_append_new (self->rounds, entry);
    return entry;
}

void
coord_study_finish (coord_study_t *self, const char *status, const char *detail)
{
    free (self->status);
    free (self->detail);
    self->status = strdup (status);
    self->detail = strdup (detail);
    self->finished = true;
    self->ended = time (NULL);
    self->ended_ms = zclock_mono ();
}

static json_t *
s_model (const coord_study_t *self)
{
    const proto_study_t *d = self->def;
    model_file_t *mf = model_file_new ();
    mf->type = d->model == PROTO_MODEL_LOGISTIC? MODEL_TYPE_LOGISTIC: MODEL_TYPE_MLP;
    mf->label = strdup (d->label);
    mf->schema = model_schema_new ();
    for (size_t j = 0; j < self->p; j++)
        if (model_schema_add (mf->schema, self->features [j], NULL, 0)) {
            model_file_destroy (&mf);
            return json_null ();
        }
    mf->missing = d->impute? MODEL_MISSING_IMPUTE: MODEL_MISSING_DROP;
    mf->mean = gsl_vector_alloc (self->p);
    mf->std = gsl_vector_alloc (self->p);
    for (size_t j = 0; j < self->p; j++) {
        gsl_vector_set (mf->mean, j, self->mean [j]);
        gsl_vector_set (mf->std, j, self->std [j]);
    }
    if (d->impute) {
        mf->impute = gsl_vector_alloc (self->p);
        gsl_vector_memcpy (mf->impute, mf->mean);
    }
    mf->clip = self->plan.off? 0: PROTO_Z_CLIP;
    mf->l2 = d->l2;
    mf->train_rows = (size_t) self->n_records;
    if (mf->type == MODEL_TYPE_LOGISTIC) {
        mf->w = gsl_vector_alloc (self->plan.n_params);
        gsl_vector_memcpy (mf->w, s_released (self));
    }
    else {
        mf->mlp = model_mlp_new (self->p, d->hidden, d->n_hidden, MODEL_ACT_RELU);
        gsl_vector_memcpy (model_mlp_params (mf->mlp), s_released (self));
    }
    char *text = model_file_to_json (mf);
    model_file_destroy (&mf);
    json_t *model = text? json_loads (text, 0, NULL): NULL;
    free (text);
    return model? model: json_null ();
}

json_t *
coord_study_report (const coord_study_t *self)
{
    const proto_study_t *d = self->def;
    json_t *features = json_array ();
    for (size_t j = 0; j < self->p; j++)
        json_array_append_new (features, json_string (self->features [j]));
    char *started = s_iso (self->started);
    char *finished = self->finished? s_iso (self->ended): NULL;
    double wall = ((self->finished? self->ended_ms: zclock_mono ()) - self->started_ms) / 1000.0;
    json_t *study = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:O, s:O, s:i, s:s, s:o, s:f}",
        "id", self->id, "name", d->name, "status", self->status, "status_detail", self->detail,
        "dataset", d->dataset, "label", d->label, "features", features,
        "sites", self->sites, "declined", self->declined, "threshold", (int) d->min_sites,
        "started", started, "finished", finished? json_string (finished): json_null (),
        "wall_s", wall);
    free (started);
    free (finished);
    bool off = d->privacy_off;
    json_t *privacy = json_pack ("{s:b, s:o, s:o, s:o, s:o, s:s, s:s, s:s, s:s, s:o, s:f, s:I, s:f}",
        "private", !off, "stamp", off? json_string ("NOT PRIVATE"): json_null (),
        "epsilon", off? json_null (): json_real (self->epsilon),
        "delta", off? json_null (): json_real (d->delta),
        "target_epsilon", off? json_null (): json_real (d->epsilon),
        "accountant", "RDP of the distributed discrete Gaussian (Kairouz-Liu-Steinke 2021), "
                      "Poisson subsampling by the general bound of Zhu-Wang 2019",
        "conversion", "improved", "unit", d->unit == PROTO_UNIT_SITE? "site": "record",
        "neighbouring", d->unit == PROTO_UNIT_SITE
                        ? "zero-out: one site's entire dataset replaced by nothing (the site "
                          "still takes part and adds its noise share)"
                        : "add/remove one record at one site",
        "noise_multiplier", off || !self->begun? json_null ()
                                                : json_real (self->plan.noise_multiplier),
        "sampling_rate", d->sampling_rate, "steps", (json_int_t) d->steps, "clip", d->clip);
    json_t *report = json_pack ("{s:i, s:o, s:o, s:O, s:o, s:o}",
        "cohort_report", 1, "study", study, "privacy", privacy, "rounds", self->rounds,
        "final_metrics", self->final_metrics? json_incref (self->final_metrics): json_null (),
        "model", self->standardised? s_model (self): json_null ());
    return report;
}

json_t *
coord_study_status (const coord_study_t *self)
{
    return json_pack ("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:o}",
        "id", self->id, "name", self->def->name, "status", self->status,
        "status_detail", self->detail, "round", (json_int_t) json_array_size (self->rounds),
        "step", (json_int_t) self->step, "steps", (json_int_t) self->def->steps,
        "epsilon_spent", self->def->privacy_off? json_null (): json_real (self->epsilon));
}
