/*  sim/sim.h - the simulation room: consortia of local processes on one
    machine, for `cohort keygen`, `simulate`, `demo`, `predict`, `evaluate`,
    `device-sim`, the federation benchmark and the end-to-end tests. This
    header declares nothing; it is the room's table of contents. Include the
    header you need:

        sim/consortium.h    a consortium on disk: keys, certificates,
                            configs, study definitions
        sim/split.h         one dataset's rows split across simulated
                            sites, and a seeded train/test hold-out
        sim/launch.h        the one launcher: coordinator and site
                            processes started, a study run, all stopped
        sim/simulate.h      one study on a throwaway consortium
        sim/demo.h          `cohort demo`: three hospitals, two studies
        sim/evaluate.h      a model file applied to a CSV file: scores and
                            exact metrics
        sim/device.h        simulated bedside devices streaming sealed
                            readings through a gateway

    Prefix sim_. A simulation holds all the data: nothing here stands in
    for a real site's privacy. Every sim_ function that can fail returns -1
    (or NULL) with the reason in the error slot (util/error.h).
*/
#ifndef SIM_SIM_H
#define SIM_SIM_H

#endif
