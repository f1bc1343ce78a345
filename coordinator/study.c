/*  coordinator/study.c - schedule, global model, accountant and report. */
#include "study.h"
#include "query.h"
#include "fit.h"
#include "util/alloc.h"
#include "models/models.h"
#include "util/error.h"
#include "dp/auc_interval.h"
#include "dp/postprocess.h"
#include "models/metrics.h"
#include "models/modelfile.h"
#include "models/optim.h"
#include "proto/message.h"

#include <czmq.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct _coord_study_t {
    char *id, *cfg;
    proto_study_t *def;
    proto_plan_t plan;
    unsigned divisor;               //  the key's threshold: the noise divisor (0: min_sites)
    bool begun, finished, standardised;
    char status [16];               //  running, completed, failed
    char detail [UTIL_ERROR_MAX];   //  one line
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
    //  A query (def->query set): its checked tree, its release and, once
    //  the release is in, its results.
    proto_query_t *query;
    proto_release_t release;
    coord_fit_t *fit;               //  an iterative fit's state (coordinator/fit.h)
    json_t *site_records;           //  privacy off: each site's contributing records
    json_t *site_counts;            //  each site's noisy training-record count (DP)
    unsigned min_cell;
    json_t *results;
    //  A study read through the dictionary (def->bounds): its copy.
    model_dict_t *dict;
};

static char *
s_iso (time_t t)
{
    char buf [32];
    struct tm tm;
    gmtime_r (&t, &tm);
    strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return util_strdup (buf);
}

//  jansson gives no reason: a NULL from one of its constructors is out of
//  memory. Records that and passes `value` through.
static json_t *
s_json (json_t *value, const char *what)
{
    if (!value)
        util_error (UTIL_ENOMEM, "out of memory (%s)", what);
    return value;
}

coord_study_t *
coord_study_new (const char *id, const char *cfg_text)
{
    proto_study_t *def = proto_study_parse (cfg_text, "study");
    if (!def)
        return NULL;
    coord_study_t *self = util_calloc (1, sizeof *self);
    if (!self) {
        proto_study_destroy (&def);
        return NULL;
    }
    self->def = def;
    self->started = time (NULL);
    self->started_ms = zclock_mono ();
    snprintf (self->status, sizeof self->status, "running");
    snprintf (self->detail, sizeof self->detail, "offered to the sites");
    if (!(self->id = util_strdup (id))
    ||  !(self->cfg = util_strdup (cfg_text))
    ||  !(self->sites = s_json (json_array (), "the study's sites"))
    ||  !(self->declined = s_json (json_array (), "the study's declines"))
    ||  !(self->rounds = s_json (json_array (), "the study's rounds"))
    ||  !(self->spent = dp_curve_new_default ()))
        coord_study_destroy (&self);
    return self;
}

void
coord_study_destroy (coord_study_t **self_p)
{
    if (self_p && *self_p) {
        coord_study_t *s = *self_p;
        free (s->id); free (s->cfg);
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
        coord_fit_destroy (&s->fit);
        json_decref (s->site_records);
        json_decref (s->site_counts);
        proto_query_destroy (&s->query);
        json_decref (s->results);
        model_dict_destroy (&s->dict);
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

int
coord_study_decline (coord_study_t *self, const char *site, const char *reason)
{
    json_t *item = json_pack ("{s:s, s:s}", "site", site, "reason", reason);
    if (!item || json_array_append_new (self->declined, item))
        return util_error (UTIL_ENOMEM, "report: out of memory recording the decline of %s",
                           site);
    return 0;
}

unsigned
coord_study_value_bits (const coord_study_t *self)
{
    return self->query && self->begun? proto_release_value_bits (&self->release)
                                     : PROTO_VALUE_BITS;
}

bool
coord_study_is_query (const coord_study_t *self)
{
    return self->def->query != NULL;
}

//  The noise divisor: the key's threshold, as every site uses it (site
//  s_on_offer), or min_sites before coord_study_set_threshold.
static unsigned
s_divisor (const coord_study_t *self)
{
    return self->divisor? self->divisor: self->def->min_sites;
}

void
coord_study_set_threshold (coord_study_t *self, unsigned t)
{
    self->divisor = t;
}

int
coord_study_query_check (coord_study_t *self, const model_dict_t *dict, unsigned max_levels,
                         unsigned min_cell)
{
    if (!self->def->query)
        return util_error (UTIL_EINPUT, "not a query");
    if (!dict)
        return util_error (UTIL_EINPUT, "queries: this coordinator has no data dictionary "
                           "(coordinator.cfg: dictionary)");
    proto_query_t *query = proto_query_parse (self->def->query);
    if (!query)
        return -1;
    if (proto_query_check (query, dict, max_levels)) {
        proto_query_destroy (&query);
        return -1;
    }
    //  The release must be possible too (its size, the noise's range), so
    //  that nothing is offered that cannot be answered.
    proto_release_t release;
    const proto_study_t *d = self->def;
    if (proto_release_make (&release, query, d->privacy_off, d->epsilon, d->delta,
                            s_divisor (self))) {
        proto_query_destroy (&query);
        return -1;
    }
    proto_query_destroy (&self->query);
    self->query = query;
    self->release = release;        //  borrows query, now the study's
    self->min_cell = min_cell;
    return 0;
}

int
coord_study_site_records (coord_study_t *self, const char *name, uint64_t records)
{
    if (!self->site_records && !(self->site_records = json_object ()))
        return util_error (UTIL_ENOMEM, "out of memory (site records)");
    if (json_object_set_new (self->site_records, name, json_integer ((json_int_t) records)))
        return util_error (UTIL_ENOMEM, "out of memory (site records)");
    return 0;
}

int
coord_study_site_count (coord_study_t *self, const char *name, uint64_t records)
{
    if (!self->site_counts && !(self->site_counts = json_object ()))
        return util_error (UTIL_ENOMEM, "out of memory (site counts)");
    if (json_object_set_new (self->site_counts, name, json_integer ((json_int_t) records)))
        return util_error (UTIL_ENOMEM, "out of memory (site counts)");
    return 0;
}

//  The report's contribution table: per site of the study, the rounds it
//  contributed to, its noisy record count (DP; null when none was noised)
//  and the epsilon this study charged its ledger: the record count and
//  the rounds it took part in, each at the plan's ledger curve, as the
//  site's own ledger composes them (null with privacy off). NULL out of
//  memory.
static json_t *
s_contributions (const coord_study_t *self)
{
    json_t *table = json_array ();
    size_t i, j, k;
    json_t *site, *round, *name;
    json_array_foreach (self->sites, i, site) {
        const char *who = json_string_value (site);
        if (!table || !who)
            break;
        json_int_t rounds = 0;
        dp_curve_t *curve = NULL;
        bool priced = !self->def->privacy_off && self->begun;
        if (priced && self->plan.count_sigma2)
            curve = proto_plan_count_curve (&self->plan);
        else
        if (priced)
            curve = dp_curve_new_default ();
        json_array_foreach (self->rounds, j, round) {
            bool in = false;
            json_array_foreach (json_object_get (round, "contributors"), k, name)
                in |= json_string_value (name) && !strcmp (json_string_value (name), who);
            if (!in)
                continue;
            rounds++;
            const char *kind = json_string_value (json_object_get (round, "kind"));
            for (int r = 1; curve && kind && r < PROTO_KINDS; r++)
                if (!strcmp (kind, proto_kind_name ((Cohort__RoundKind) r))) {
                    dp_curve_t *c = proto_plan_ledger_curve (&self->plan, (Cohort__RoundKind) r, 1);
                    if (!c || dp_curve_add (curve, c))
                        dp_curve_destroy (&curve);
                    dp_curve_destroy (&c);
                }
        }
        double eps = 0;
        bool has_eps = curve && dp_curve_epsilon (curve, self->def->delta,
                                                   DP_CONVERSION_IMPROVED, &eps, NULL) == 0;
        dp_curve_destroy (&curve);
        json_t *count = self->site_counts? json_object_get (self->site_counts, who): NULL;
        json_t *row = json_pack ("{s:s, s:I, s:O, s:o}", "site", who, "rounds_contributed",
                                 rounds, "records_dp", count? count: json_null (),
                                 "epsilon", has_eps? json_real (eps): json_null ());
        if (!row || json_array_append_new (table, row)) {
            json_decref (table);
            table = NULL;
        }
    }
    return table;
}

int
coord_study_use_dictionary (coord_study_t *self, const char *dict_text, size_t len)
{
    proto_study_t *d = self->def;
    if (d->query || !d->n_features || !dict_text)
        return d->bounds? util_error (UTIL_EINPUT, "study/scale: bounds needs the consortium's "
                                      "data dictionary and the features listed"): 0;
    model_dict_t *dict = model_dict_parse ("dictionary", dict_text, len);
    if (!dict)
        return -1;
    bool all = model_dict_find (dict, d->label) != NULL;
    for (size_t i = 0; all && i < d->n_features; i++)
        all = model_dict_find (dict, d->features [i]) != NULL;
    if (!all) {
        model_dict_destroy (&dict);
        return d->bounds? util_error (UTIL_EINPUT, "study/scale: bounds needs every feature and "
                                      "the label in the data dictionary"): 0;
    }
    const model_var_t *label = model_dict_find (dict, d->label);
    if (label->type != MODEL_VAR_BINARY && label->type != MODEL_VAR_EVENT) {
        util_error (UTIL_EINPUT, "study/label: %s is %s in the data dictionary; a label is "
                    "binary", d->label, model_dict_type_name (label->type));
        model_dict_destroy (&dict);
        return -1;
    }
    model_dict_destroy (&self->dict);
    self->dict = dict;
    //  Read through the dictionary: scale = auto becomes bounds (privacy
    //  on), as every site decides from the dictionary in the offer.
    proto_study_resolve_scale (d, true);
    return 1;
}

bool
coord_study_has_dictionary (const coord_study_t *self)
{
    return self->dict != NULL;
}

//  The scales of the encoded features from the dictionary's public bounds:
//  a numeric column to [-1, 1] (mean the middle of its range, std half the
//  range), a one-hot column ("name=level") as it is (0 and 1).
static int
s_dictionary_scales (coord_study_t *self, char **features, size_t p, double *mean,
                     double *std)
{
    for (size_t j = 0; j < p; j++) {
        mean [j] = 0;
        std [j] = 1;
        if (strchr (features [j], '='))
            continue;
        const model_var_t *var = model_dict_find (self->dict, features [j]);
        if (!var)
            return util_error (UTIL_EINPUT, "features: %s is not in the data dictionary",
                               features [j]);
        if (var->max > var->min) {
            mean [j] = (var->min + var->max) / 2;
            std [j] = (var->max - var->min) / 2;
        }
    }
    return 0;
}

//  Begins a query: its release plan, and the sites that take part.
static int
s_begin_query (coord_study_t *self, char **sites, size_t n_sites)
{
    if (!self->query)
        return util_error (UTIL_EFAIL, "query: not checked against the dictionary");
    //  The release planned when the query was checked: the same text, the
    //  same quorum, so the same noise.
    json_t *joined = s_json (json_array (), "the query's sites");
    for (size_t i = 0; joined && i < n_sites; i++)
        if (json_array_append_new (joined, json_string (sites [i]))) {
            json_decref (joined);
            joined = NULL;
            util_error (UTIL_ENOMEM, "out of memory (the query's sites)");
        }
    if (!joined)
        return -1;
    coord_fit_destroy (&self->fit);
    if (proto_fit_is (&self->release) && !(self->fit = coord_fit_new (&self->release))) {
        json_decref (joined);
        return -1;
    }
    proto_release_plan (&self->release, &self->plan);
    json_decref (self->sites);
    self->sites = joined;
    snprintf (self->detail, sizeof self->detail, "running");
    self->begun = true;
    return 0;
}

//  Adds the acceptances' noisy record counts (plan->count_sigma2) to what
//  the study has spent. 0, or -1 with the reason.
static int
s_spend_count (coord_study_t *self, const proto_plan_t *plan)
{
    dp_curve_t *c = proto_plan_count_curve (plan);
    int rc = !c || dp_curve_add (self->spent, c);
    dp_curve_destroy (&c);
    if (!rc && plan->count_sigma2)
        rc = dp_curve_epsilon (self->spent, self->def->delta, DP_CONVERSION_IMPROVED,
                               &self->epsilon, NULL);
    return rc? util_error_context ("accountant"): 0;
}

int
coord_study_begin (coord_study_t *self, char **features, size_t p, uint64_t n_records,
                   char **sites, size_t n_sites)
{
    if (self->def->query)
        return s_begin_query (self, sites, n_sites);
    //  Everything is built aside and taken only when all of it is there,
    //  so a failure leaves the study as it was (not begun).
    const proto_study_t *d = self->def;
    proto_plan_t plan;
    if (proto_plan_make (&plan, d, p, s_divisor (self)))
        return -1;
    size_t n = plan.n_params;
    //  Checked before anything of that size is allocated: a round start
    //  could not carry more (proto/message.h).
    if (n > PROTO_PARAMS_MAX)
        return util_error (UTIL_ELIMIT, "study: the model has %zu parameters, a round carries at "
                           "most %zu", n, PROTO_PARAMS_MAX);
    char **names = util_calloc (p, sizeof (char *));
    double *mean = util_calloc (p, sizeof (double));
    double *std = util_calloc (p, sizeof (double));
    double *mask = util_calloc (n, sizeof (double));
    double *copy = util_calloc (n, sizeof (double));
    json_t *joined = s_json (json_array (), "the study's sites");
    gsl_vector *params = NULL, *average = NULL;
    model_mlp_t *mlp = NULL;
    model_optim_t *optim = NULL;
    int rc = -1;
    if (!names || !mean || !std || !mask || !copy || !joined)
        goto done;
    for (size_t i = 0; i < p; i++) {
        if (!(names [i] = util_strdup (features [i])))
            goto done;
        std [i] = 1;
    }
    if (d->bounds && s_dictionary_scales (self, features, p, mean, std))
        goto done;
    for (size_t i = 0; i < n_sites; i++)
        if (json_array_append_new (joined, json_string (sites [i]))) {
            util_error (UTIL_ENOMEM, "out of memory (the study's sites)");
            goto done;
        }
    if (d->model == PROTO_MODEL_LOGISTIC) {
        if (!(params = model_vector_new (n, true))) {
            util_error_context ("model (%zu parameters)", n);
            goto done;
        }
        for (size_t i = 0; i < p; i++)
            mask [i] = 1;                   //  not the intercept
    }
    else {
        if (!(mlp = model_mlp_new (p, d->hidden, d->n_hidden, MODEL_ACT_RELU))) {
            util_error_context ("model");
            goto done;
        }
        model_mlp_init (mlp, 1);
        params = model_mlp_params (mlp);
        //  Layer by layer: W (d_out x d_in) penalised, then b (d_out) not.
        size_t at = 0, in = p;
        for (size_t k = 0; k <= d->n_hidden; k++) {
            size_t out = k < d->n_hidden? d->hidden [k]: 1;
            for (size_t i = 0; i < out * in; i++)
                mask [at++] = 1;
            at += out;
            in = out;
        }
    }
    if (!(average = model_vector_new (n, true))) {
        util_error_context ("model (%zu parameters)", n);
        goto done;
    }
    optim = d->optimizer == PROTO_OPT_ADAM
          ? model_optim_adam_new (n, d->learning_rate, 0.9, 0.999, 1e-8)
          : model_optim_sgd_new (n, d->learning_rate, 0);
    if (!optim) {
        util_error_context ("optimiser");
        goto done;
    }
    //  The sites' noisy record counts left with their acceptances: they
    //  count from here (docs/privacy.md s.7, "The record count").
    if (s_spend_count (self, &plan))
        goto done;
    self->plan = plan;
    self->features = names;
    self->p = p;
    self->n_records = n_records;
    json_decref (self->sites);
    self->sites = joined;
    self->mean = mean;
    self->std = std;
    self->penalty_mask = mask;
    self->params_copy = copy;
    self->params = params;
    self->mlp = mlp;
    self->average = average;
    self->optim = optim;
    snprintf (self->detail, sizeof self->detail, "running");
    self->begun = true;
    if (d->bounds) {
        //  Scaled by the dictionary: no statistics round.
        self->standardised = true;
        self->stage = 1;
    }
    names = NULL;
    mean = std = mask = copy = NULL;
    joined = NULL;
    params = average = NULL;
    mlp = NULL;
    optim = NULL;
    rc = 0;
done:
    for (size_t i = 0; names && i < p; i++)
        free (names [i]);
    free (names);
    free (mean);
    free (std);
    free (mask);
    free (copy);
    json_decref (joined);
    if (params && !mlp)
        gsl_vector_free (params);
    if (average)
        gsl_vector_free (average);
    model_mlp_destroy (&mlp);
    model_optim_destroy (&optim);
    return rc;
}

Cohort__RoundKind
coord_study_next (coord_study_t *self)
{
    if (self->def->query) {
        //  A query is one release, or an iterative fit's rounds until it
        //  is over (coordinator/fit.h).
        if (self->fit)
            return coord_fit_done (self->fit)? 0: coord_fit_kind (self->fit);
        if (self->stage)
            return 0;
        self->stage = 2;
        return COHORT__ROUND_KIND__ROUND_KIND_QUERY;
    }
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
    if ((kind == COHORT__ROUND_KIND__ROUND_KIND_QUERY
    ||   kind == COHORT__ROUND_KIND__ROUND_KIND_FIT_STEP) && self->fit) {
        //  The fit's parameters, borrowed until its next step.
        size_t n;
        rs->params = (double *) coord_fit_params (self->fit, &n);
        rs->n_params = n;
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

//  A finite number, or null (JSON has no NaN; json_real refuses one).
static json_t *
s_finite (double x)
{
    return isfinite (x)? json_real (x): json_null ();
}

int
coord_study_apply (coord_study_t *self, Cohort__RoundKind kind, const int64_t *v,
                   unsigned contributors, json_t **metrics)
{
    *metrics = NULL;
    const proto_study_t *d = self->def;
    if (kind == COHORT__ROUND_KIND__ROUND_KIND_QUERY
    ||  kind == COHORT__ROUND_KIND__ROUND_KIND_FIT_STEP) {
        if (!self->query || !self->begun)
            return util_error (UTIL_EFAIL, "query round: the query has not begun");
        if (self->fit) {
            int rc = coord_fit_step (self->fit, v, contributors);
            if (rc < 0)
                return -1;
            if (rc == 0)
                return 0;               //  another round is due
        }
        coord_query_options_t options = { .min_cell = self->min_cell, .dataset = d->dataset,
                                          .fit = self->fit };
        json_t *results = coord_query_results (&self->release, v, contributors, &options);
        if (!results)
            return -1;
        json_decref (self->results);
        self->results = results;
        return 0;
    }
    if (kind == COHORT__ROUND_KIND__ROUND_KIND_STATS)
        s_apply_stats (self, v, contributors);
    else
    if (kind == COHORT__ROUND_KIND__ROUND_KIND_TRAIN) {
        size_t n = self->plan.n_params;
        double q = d->sampling_rate, scale;
        if (d->unit == PROTO_UNIT_SITE && contributors == 0)
            return util_error (UTIL_EFAIL, "train round: no contributing site to average over");
        gsl_vector *g = model_vector_new (n, false);
        if (!g)
            return util_error_context ("train round (%zu parameters)", n);
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
        double raw_pos [PROTO_HIST_BINS], raw_neg [PROTO_HIST_BINS];
        for (int b = 0; b < PROTO_HIST_BINS; b++) {
            pos [b] = raw_pos [b] = (double) v [b];
            neg [b] = raw_neg [b] = (double) v [PROTO_HIST_BINS + b];
        }
        //  The noisy histograms through Norm-Sub (post-processing): the
        //  noise in the many near-empty bins no longer drags the AUC
        //  towards 0.5 (docs/privacy.md).
        model_metrics_t m;
        if (dp_norm_sub (pos, PROTO_HIST_BINS) || dp_norm_sub (neg, PROTO_HIST_BINS)
        ||  model_metrics_from_histogram (&m, NULL, pos, neg, PROTO_HIST_BINS)) {
            //  The round stands; its metrics say why there are none.
            *metrics = json_pack ("{s:s}", "error", util_last_error ());
            return *metrics? 0: util_error (UTIL_ENOMEM, "eval round: out of memory (metrics)");
        }
        json_t *out = json_pack ("{s:o, s:o, s:o, s:o}", "auc", s_finite (m.auc),
                                 "accuracy", s_finite (m.accuracy), "log_loss",
                                 s_finite (m.log_loss), "brier", s_finite (m.brier));
        if (!out)
            return util_error (UTIL_ENOMEM, "eval round: out of memory (metrics)");
        const proto_plan_kind_t *k = &self->plan.kind [COHORT__ROUND_KIND__ROUND_KIND_EVAL];
        //  The 90% interval covers the exact AUC of the evaluated rows,
        //  binning included, from the released counts (before Norm-Sub)
        //  and the round's public sigma: post-processing (dp/auc_interval.h).
        double lo = 0, hi = 0;
        int interval = self->plan.off || !isfinite (m.auc)? 1
                     : dp_auc_interval (&lo, &hi, raw_pos, raw_neg, PROTO_HIST_BINS,
                                        sqrt ((double) contributors * (double) k->local_sigma2),
                                        0.1);
        if (interval < 0) {
            json_decref (out);
            return util_error_context ("eval round: AUC interval");
        }
        if (interval == 0 && (json_object_set_new (out, "auc_low_90", json_real (lo))
                          ||  json_object_set_new (out, "auc_high_90", json_real (hi))
                          ||  json_object_set_new (out, "auc_interval_width",
                                                   json_real (hi - lo)))) {
            json_decref (out);
            return util_error (UTIL_ENOMEM, "eval round: out of memory (metrics)");
        }
        *metrics = out;
        json_decref (self->final_metrics);
        self->final_metrics = json_incref (*metrics);
    }
    return 0;
}

json_t *
coord_study_record (coord_study_t *self, uint32_t round, Cohort__RoundKind kind, json_t *entry)
{
    bool train = kind == COHORT__ROUND_KIND__ROUND_KIND_TRAIN;
    if (!entry
    ||  json_object_set_new (entry, "round", json_integer (round))
    ||  json_object_set_new (entry, "kind", json_string (proto_kind_name (kind)))
    ||  json_object_set_new (entry, "epsilon_spent", self->plan.off? json_null ()
                                                                  : json_real (self->epsilon))
    ||  (train && json_object_set_new (entry, "step", json_integer ((json_int_t) self->step)))
    ||  json_array_append (self->rounds, entry)) {
        json_decref (entry);
        return util_error_null (UTIL_ENOMEM, "report: out of memory recording round %u", round);
    }
    //  The rounds array holds it now.
    json_decref (entry);
    return entry;
}

void
coord_study_finish (coord_study_t *self, const char *status, const char *detail)
{
    snprintf (self->status, sizeof self->status, "%s", status);
    snprintf (self->detail, sizeof self->detail, "%s", detail);
    self->finished = true;
    self->ended = time (NULL);
    self->ended_ms = zclock_mono ();
}

//  The model file of the released model as JSON; json_null () if it cannot
//  be written for a reason other than memory (as a model with no feature
//  schema), NULL (UTIL_ENOMEM) if out of memory.
static json_t *
s_model (const coord_study_t *self)
{
    const proto_study_t *d = self->def;
    size_t n = self->plan.n_params;
    char *text = NULL;
    json_t *model = NULL;
    model_file_t *mf = model_file_new ();
    if (!mf)
        goto done;
    mf->type = d->model == PROTO_MODEL_LOGISTIC? MODEL_TYPE_LOGISTIC: MODEL_TYPE_MLP;
    if (!(mf->label = util_strdup (d->label)) || !(mf->schema = model_schema_new ()))
        goto done;
    if (self->dict) {
        //  The features as the sites read them: categorical ones one-hot
        //  over the dictionary's levels, so that `cohort predict` encodes
        //  raw data the same way.
        for (size_t i = 0; i < d->n_features; i++) {
            const model_var_t *var = model_dict_find (self->dict, d->features [i]);
            bool categorical = var && var->type == MODEL_VAR_CATEGORICAL;
            if (model_schema_add (mf->schema, d->features [i],
                                  categorical? (const char *const *) var->levels: NULL,
                                  categorical? var->n_levels: 0))
                goto done;
        }
        if (mf->schema->n_cols != self->p) {
            util_error (UTIL_EFAIL, "model file: the sites' %zu columns are not the "
                        "dictionary's %zu", self->p, mf->schema->n_cols);
            goto done;
        }
    }
    else
    for (size_t j = 0; j < self->p; j++)
        if (model_schema_add (mf->schema, self->features [j], NULL, 0))
            goto done;
    mf->missing = d->impute? MODEL_MISSING_IMPUTE: MODEL_MISSING_DROP;
    if (!(mf->mean = model_vector_new (self->p, false))
    ||  !(mf->std = model_vector_new (self->p, false))
    ||  (d->impute && !(mf->impute = model_vector_new (self->p, false)))
    ||  (mf->type == MODEL_TYPE_LOGISTIC && !(mf->w = model_vector_new (n, false)))) {
        util_error_context ("model file (%zu features)", self->p);
        goto done;
    }
    for (size_t j = 0; j < self->p; j++) {
        gsl_vector_set (mf->mean, j, self->mean [j]);
        gsl_vector_set (mf->std, j, self->std [j]);
    }
    if (d->impute)
        gsl_vector_memcpy (mf->impute, mf->mean);
    //  Scaled by the dictionary's bounds, the sites clamp every value to
    //  them before scaling, so [-1, 1] after it: the model clamps there too
    //  and `cohort predict` maps raw data exactly as the sites did.
    mf->clip = self->plan.off? 0: d->bounds? 1: PROTO_Z_CLIP;
    mf->l2 = d->l2;
    //  The sites' counts as they sent them: noisy under DP at record level
    //  (docs/privacy.md 7), the number of sites' 1s under unit = site.
    mf->train_rows = (size_t) self->n_records;
    if (mf->type == MODEL_TYPE_LOGISTIC)
        gsl_vector_memcpy (mf->w, s_released (self));
    else {
        if (!(mf->mlp = model_mlp_new (self->p, d->hidden, d->n_hidden, MODEL_ACT_RELU)))
            goto done;
        gsl_vector_memcpy (model_mlp_params (mf->mlp), s_released (self));
    }
    if (!(text = model_file_to_json (mf)))
        goto done;
    if (!(model = json_loads (text, 0, NULL)))
        util_error (UTIL_ENOMEM, "out of memory (reading the model file back)");
done:
    free (text);
    model_file_destroy (&mf);
    if (!model && util_last_code () != UTIL_ENOMEM)
        model = json_null ();
    return model;
}

//  A query's report: its results (docs/report.md), with the query's id,
//  status, sites and what the accountant charged.
static json_t *
s_query_report (const coord_study_t *self)
{
    const proto_study_t *d = self->def;
    json_t *report = self->results? json_deep_copy (self->results)
                   : json_pack ("{s:s, s:s, s:{s:b}, s:[]}", "query", d->query, "dataset",
                                d->dataset, "privacy", "not_private", d->privacy_off,
                                "results");
    char *started = s_iso (self->started);
    char *finished = self->finished? s_iso (self->ended): NULL;
    json_t *job = json_pack ("{s:s, s:s, s:s, s:s, s:O, s:O, s:i, s:i, s:s?, s:s?, s:o}",
        "id", self->id, "name", d->name, "status", self->status, "status_detail", self->detail,
        "sites", self->sites, "declined", self->declined, "threshold", (int) s_divisor (self),
        "min_sites", (int) d->min_sites,
        "started", started, "finished", finished,
        "epsilon_spent", d->privacy_off? json_null (): json_real (self->epsilon));
    free (started);
    free (finished);
    //  Privacy off only: each site's contributing records (its records
    //  that the query reads complete and where= keeps).
    if (job && d->privacy_off && self->site_records
    &&  json_object_set (job, "site_records", self->site_records)) {
        json_decref (job);
        job = NULL;
    }
    if (!report || !job || json_object_set_new (report, "job", job)
    ||  json_object_set_new (report, "cohort_report", json_integer (1))) {
        json_decref (report);
        return util_error_null (UTIL_ENOMEM, "report: out of memory");
    }
    return report;
}

json_t *
coord_study_report (const coord_study_t *self)
{
    const proto_study_t *d = self->def;
    if (d->query)
        return s_query_report (self);
    json_t *features = s_json (json_array (), "report features");
    for (size_t j = 0; features && j < self->p; j++)
        if (json_array_append_new (features, json_string (self->features [j]))) {
            json_decref (features);
            features = NULL;
        }
    char *started = s_iso (self->started);
    char *finished = self->finished? s_iso (self->ended): NULL;
    double wall = ((self->finished? self->ended_ms: zclock_mono ()) - self->started_ms) / 1000.0;
    //  A NULL for any value (out of memory) makes json_pack fail, and it
    //  then releases every reference an "o" gave it: the report is whole
    //  or there is none.
    json_t *study = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:O, s:O, s:i, s:i, s:s, s:o, s:f}",
        "id", self->id, "name", d->name, "status", self->status, "status_detail", self->detail,
        "dataset", d->dataset, "label", d->label, "features", features,
        "sites", self->sites, "declined", self->declined, "threshold", (int) s_divisor (self),
        "min_sites", (int) d->min_sites,
        "started", started, "finished", !self->finished? json_null ()
                                        : finished? json_string (finished): NULL,
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
                      "Poisson subsampling by the tight binomial expansion for symmetric "
                      "integer noise (Mironov-Talwar-Zhang 2019, Zhu-Wang 2019; "
                      "docs/privacy.md 4.6)",
        "conversion", "improved", "unit", d->unit == PROTO_UNIT_SITE? "site": "record",
        "neighbouring", d->unit == PROTO_UNIT_SITE
                        ? "zero-out: one site's entire dataset replaced by nothing (the site "
                          "still takes part and adds its noise share)"
                        : "add/remove one record at one site",
        "noise_multiplier", off || !self->begun? json_null ()
                                                : json_real (self->plan.noise_multiplier),
        "sampling_rate", d->sampling_rate, "steps", (json_int_t) d->steps, "clip", d->clip);
    //  How the budget is spent: the scaling, the evaluations' share and
    //  each kind of round's planned epsilon alone (docs/privacy.md s.7).
    if (privacy && !off && self->begun) {
        const proto_plan_t *pl = &self->plan;
        json_t *parts = json_pack ("{s:f, s:f, s:f, s:f}",
            "statistics", pl->part_epsilon [COHORT__ROUND_KIND__ROUND_KIND_STATS],
            "training", pl->part_epsilon [COHORT__ROUND_KIND__ROUND_KIND_TRAIN],
            "evaluation", pl->part_epsilon [COHORT__ROUND_KIND__ROUND_KIND_EVAL],
            "record_count", pl->count_epsilon);
        if (!parts
        ||  json_object_set_new (privacy, "planned_epsilon_by_part", parts)
        ||  json_object_set_new (privacy, "planned_epsilon", json_real (pl->epsilon))
        ||  json_object_set_new (privacy, "eval_share", json_real (d->eval_share))
        ||  json_object_set_new (privacy, "scale", json_string (d->bounds
                                 ? "bounds (the data dictionary's; no budget spent)"
                                 : "statistics (a DP statistics round)"))) {
            json_decref (privacy);
            privacy = NULL;
        }
    }
    json_t *report = json_pack ("{s:i, s:o, s:o, s:O, s:o, s:o, s:o}",
        "cohort_report", 1, "study", study, "privacy", privacy, "rounds", self->rounds,
        "contributions", s_contributions (self),
        "final_metrics", self->final_metrics? json_incref (self->final_metrics): json_null (),
        "model", self->standardised? s_model (self): json_null ());
    if (!report)
        return util_error_null (UTIL_ENOMEM, "report: out of memory");
    return report;
}

json_t *
coord_study_status (const coord_study_t *self)
{
    json_t *status = json_pack ("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:o}",
        "id", self->id, "name", self->def->name, "status", self->status,
        "status_detail", self->detail, "round", (json_int_t) json_array_size (self->rounds),
        "step", (json_int_t) self->step,
        "steps", (json_int_t) (self->def->query? self->release.rounds: self->def->steps),
        "epsilon_spent", self->def->privacy_off? json_null (): json_real (self->epsilon));
    if (!status)
        return util_error_null (UTIL_ENOMEM, "status: out of memory");
    return status;
}
