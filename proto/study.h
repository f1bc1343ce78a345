/*  proto/study.h - the study definition (study.cfg, ZPL) shared by the
    analyst, the coordinator and every site. The text travels whole (launch,
    offer) and each side parses it with the same strict rules:

    study
        name = ...                  1..128 characters
        id = sepsis-1               optional: the ResearchStudy id patients'
                                    consents name (1..64 of [A-Za-z0-9.-]);
                                    without it only consents that name the
                                    site (or none, open_research) count
        purpose = HRESCH            optional (default HRESCH): the v3-ActReason
                                    healthcare-research purpose of use the
                                    consents must name: HRESCH, BIORCH,
                                    CLINTRCH, CLINTRCHNPC, CLINTRCHPC,
                                    PRECLINTRCH, DSRCH, POARCH or TRANSRCH
                                    (ingest/cohort.h)
        dataset = ...               the name sites registered their data under
        label = ...
        features = a,b,c            optional; default every column but the label
        categorical =               must be empty: with the data dictionary a
                                    categorical feature is one-hot by its levels
        missing = drop | impute
        model = logistic | mlp
        hidden = 32,16              mlp: 1..3 widths
        optimizer = adam | sgd
        learning_rate = 0.05
        l2 = 1                      optional L2 penalty of the summed objective (default 1)
        steps = 200                 training rounds, 1..100000
        sampling_rate = 0.05        Poisson rate q in (0, 1]; unit = site: must be 1
                                    (the default there)
        clip = 1.0                  L2 clip C > 0
        min_sites = 2               quorum t, 1..256
        eval_every = 50             0: evaluate only at the end
        scale = auto                auto (default: bounds when the study is
                                    read through the data dictionary and
                                    privacy is on, else statistics),
                                    statistics (a DP statistics round
                                    estimates each feature's scale) or bounds
                                    (the data dictionary's public bounds: no
                                    budget spent, needs the dictionary)
        local_epochs = 1            unit = site only: E local epochs, 1..100 (default 1)
        local_learning_rate = 0.1   unit = site only: local SGD step > 0 (default 0.1)
        local_batch = 32            unit = site only: local minibatch size >= 1 (default 32)
        privacy
            unit = record           record (DP-FedSGD, default) or site (DP-FedAvg)
            epsilon = 1
            delta = 1e-5            in (0, PROTO_DELTA_MAX = 0.01]; each site
                                    also needs delta <= 1/(10 x its records)
            off = false             true: no clipping, no noise, NOT PRIVATE
            eval_share = 0.05       share of the budget for the evaluation
                                    rounds together, in [0.01, 0.5]
                                    (default PROTO_EVAL_SHARE_DEFAULT)

    A query (an analyst's statistics, proto/query.h) travels the same way:

    query
        name = ...                  optional (default "query")
        id, purpose                 as for a study
        dataset = ...
        expr = "summary(glucose, by=diabetes)"     1..4096 characters
        min_sites = 2
        privacy
            epsilon = 1
            delta = 1e-5
            off = false

    Unknown keys are refused, so a typo cannot silently drop a setting.

    Contents
        proto_study_t               a parsed study
        proto_study_parse           study.cfg text to a study, strictly
        proto_study_destroy         frees one
        proto_study_eval_after      is a training step followed by an
                                    evaluation?
        proto_study_eval_rounds     how many evaluation rounds run
        proto_study_resolve_scale   scale = auto decided by whether the
                                    study is read through the dictionary

    A study owns its strings and is the caller's (proto_study_destroy,
    NULL-safe); the text it was parsed from is not kept. Errors are NULL
    with "origin: key: reason" in the error slot (util/error.h).
*/
#ifndef PROTO_STUDY_H
#define PROTO_STUDY_H

#include "proto.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_STUDY_STEPS_MAX 100000
//  The largest delta a study (or a site's budget) may name: beyond it a
//  delta is no privacy guarantee (delta must be far below one record's
//  share 1/n; each site also declines delta > 1/(10 n), site/policy.h).
#define PROTO_DELTA_MAX 0.01
#define PROTO_EVAL_SHARE_DEFAULT 0.05
#define PROTO_EVAL_SHARE_MIN     0.01
#define PROTO_EVAL_SHARE_MAX     0.5
#define PROTO_HIDDEN_MAX 3
#define PROTO_STUDY_PURPOSE_DEFAULT "HRESCH"

typedef enum { PROTO_MODEL_LOGISTIC, PROTO_MODEL_MLP } proto_model_t;
typedef enum { PROTO_OPT_ADAM, PROTO_OPT_SGD } proto_optimizer_t;
typedef enum { PROTO_UNIT_RECORD, PROTO_UNIT_SITE } proto_unit_t;
typedef enum { PROTO_SCALE_AUTO, PROTO_SCALE_STATISTICS, PROTO_SCALE_BOUNDS } proto_scale_t;

#define PROTO_LOCAL_EPOCHS_MAX 100
#define PROTO_LOCAL_BATCH_MAX  1000000

typedef struct {
    char *name, *dataset, *label;
    char **features;            //  NULL when every column but the label
    size_t n_features;
    bool impute;                //  missing = impute (else drop)
    proto_model_t model;
    size_t hidden [PROTO_HIDDEN_MAX];
    size_t n_hidden;
    proto_optimizer_t optimizer;
    double learning_rate;
    double l2;
    uint64_t steps;
    double sampling_rate;
    double clip;
    unsigned min_sites;
    uint64_t eval_every;
    double epsilon, delta;
    bool privacy_off;
    proto_unit_t unit;          //  privacy/unit
    //  DP-FedAvg (unit = site): each site's local training per round.
    unsigned local_epochs;
    double local_learning_rate;
    size_t local_batch;
    //  A query definition (see below) sets query, and of the rest only
    //  name, dataset, min_sites and the privacy keys.
    char *query;                //  the query's expression; NULL for a study
    //  scale as written (auto by default), and what it comes to: bounds
    //  when the features are scaled by the data dictionary's public bounds
    //  and no statistics round runs (proto/plan.h), false when a DP
    //  statistics round estimates the scales. scale = bounds sets it at
    //  parsing; scale = auto leaves it false until
    //  proto_study_resolve_scale says the study is read through the
    //  dictionary.
    proto_scale_t scale;
    bool bounds;
    //  privacy/eval_share: the evaluations' share of the budget.
    double eval_share;
    //  What the consents of the patients must name (ingest/cohort.h): the
    //  ResearchStudy id (NULL: none given) and the purpose of use (a
    //  static string, never NULL after parsing).
    char *id;
    const char *purpose;
} proto_study_t;

/*  Parses study.cfg text; `origin` names it in errors. NULL with
    "origin: key: reason" on error. */
proto_study_t *proto_study_parse (const char *text, const char *origin);

void proto_study_destroy (proto_study_t **self_p);

/*  An evaluation round runs every eval_every training steps and after the
    last one. proto_study_eval_after returns 1 if training step `step`
    (1-based) is followed by one, else 0; proto_study_eval_rounds is how
    many there are in the whole study. */
int proto_study_eval_after (const proto_study_t *self, uint64_t step);
uint64_t proto_study_eval_rounds (const proto_study_t *self);

/*  Decides scale = auto once it is known whether the study is read through
    the consortium's data dictionary (`dictionary`: the coordinator found
    every feature and the label in it, and offers it with the study; a
    site got it with the offer). Under auto, bounds is set exactly when
    `dictionary` holds and privacy is on (with privacy off the exact
    pooled standardisation costs nothing). scale = statistics and
    scale = bounds are left as they are. The coordinator and every site
    call it with the same answer, so they make the same plan. */
void proto_study_resolve_scale (proto_study_t *self, bool dictionary);

#endif
