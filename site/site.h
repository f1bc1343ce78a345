/*  site/site.h - the site worker room: `cohort site`, a hospital's side of
    the federation. This header holds what the room's modules share; the
    modules:

        site/config.h   site.cfg: identity, keys, budget, datasets, and the
                        ingest section
        site/data.h     a study's view of one registered dataset
        site/train.h    a site's integer vector for one round, before noise
        site/fedavg.h   local training for DP-FedAvg (privacy unit = site)
        site/worker.h   the worker: offers, rounds, partial decryptions
        site/check.h    `cohort site check`: the datasets against the
                        consortium's data dictionary

    Contents
        SITE_WUR        marks a result the caller must check

    Every site_ function that can fail returns -1 (or NULL) with the reason
    in the error slot (util/error.h).
*/
#ifndef SITE_SITE_H
#define SITE_SITE_H

#define SITE_WUR __attribute__((warn_unused_result))

#endif
