/*  dp/dp.h - the differential-privacy room: exact integer noise, clipping,
    Rényi DP accounting and the durable budget ledger. This header holds
    what the room's modules share; the modules:

        dp/random.h         the CSPRNG byte stream behind every draw
        dp/rational.h       positive rationals, the samplers' exact
                            parameters
        dp/bernoulli.h      exact Bernoulli(p) and Bernoulli(exp(-gamma))
        dp/discrete.h       discrete Laplace and discrete Gaussian samplers,
                            and a site's share of the distributed one
        dp/noise.h          a sampler chosen by name and scale
        dp/clip.h           L2 clipping and the integer-domain sensitivity
        dp/accountant.h     RDP curves: composition and conversion to
                            (epsilon, delta)
        dp/calibrate.h      the noise, or the steps, for a target epsilon
        dp/schedule.h       a DP-SGD schedule's epsilon and calibration
        dp/ledger.h         the persistent (study, dataset) budget (SQLite)
        dp/postprocess.h    Norm-Sub for noisy histograms
        dp/auc_interval.h   a confidence interval for the exact AUC behind
                            two noisy score histograms
        dp/harness.h        a stochastic tester of a mechanism's DP claim

    Contents
        DP_WUR              marks a result the caller must check

    Objects from a _new or _open are the caller's (the matching _destroy).
    Every dp_ function that can fail returns -1 (or NULL) with the reason in
    the error slot (util/error.h).
*/
#ifndef DP_DP_H
#define DP_DP_H

#define DP_WUR __attribute__((warn_unused_result))

#endif
