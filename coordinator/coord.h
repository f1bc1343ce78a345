/*  coordinator/coord.h - the coordinator room: `cohort coordinator`, which
    runs studies across the sites and decrypts only their aggregate, and the
    analyst's client of it. This header declares nothing; it is the room's
    table of contents. Include the header you need:

        coordinator/actor.h     the coordinator as a czmq actor: sites,
                                analysts, the round state machine
        coordinator/config.h    coordinator.cfg, checked
        coordinator/journal.h   the SQLite journal of studies and rounds
        coordinator/sites.h     the sites it knows, by slot
        coordinator/state.h     the round state machine's bookkeeping
        coordinator/study.h     one study: schedule, model, accountant,
                                report
        coordinator/aggregate.h one round's encrypted aggregate, its
                                verified partial decryptions, the sums
        coordinator/render.h    a report rendered as JSON, CSV or HTML
        coordinator/client.h    the analyst's side: launch, status, report,
                                follow

    Prefix coord_. Objects from a _new, _open or _load are the caller's (the
    matching _destroy, NULL-safe). Every coord_ function that can fail
    returns -1 (or NULL) with the reason in the error slot (util/error.h).
*/
#ifndef COORD_COORD_H
#define COORD_COORD_H

#endif
