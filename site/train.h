/*  site/train.h - a site's contribution to one round, as integers, before
    noise: the vectors of proto/plan.h for each round kind.
      stats    signed histogram of floor(log4 |x|) per feature (training rows),
               then the count of positive labels
      train    Poisson sample at rate q (CSPRNG), per-example gradients on
               the standardised rows, each clipped to C, rounded and summed
               (dp_clip_sum_fixed, 2^PROTO_FRAC_BITS)
      eval     scores of the held-out rows, histograms per label
    With privacy unit = site (and privacy on) the histograms are normalised
    to mass PROTO_SITE_MASS per histogram, and the train vector is the
    site's clipped local-training delta (site/fedavg.h): see proto/plan.h.
    Missing values (impute policy) are the global mean: 0 once standardised,
    and they count for nothing in the statistics.

    Contents
        site_round_vector       one round's integer vector for its kind

    The vector goes into the caller's array (the worker wipes it on every
    path once it is noised); the data, study, plan, round start and stream
    are borrowed. Errors are -1 with the reason in the error slot
    (util/error.h).
*/
#ifndef SITE_TRAIN_H
#define SITE_TRAIN_H

#include "data.h"
#include "dp/random.h"
#include "proto/cohort.pb-c.h"
#include "proto/plan.h"

#include <stdint.h>

/*  Fills out[0 .. plan->kind[kind].dim). rs carries the global values the
    kind needs (checked by the caller). 0, or -1 with the reason. */
int site_round_vector (int64_t *out, const site_data_t *data, const proto_study_t *study,
                       const proto_plan_t *plan, const Cohort__RoundStart *rs, dp_rng_t *rng);

#endif
