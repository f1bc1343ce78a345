/*  proto/release.h - how a checked query is released: the one integer
    vector every site sums over its records, its layout, its L2 sensitivity
    and the discrete Gaussian noise each site adds for the query's
    (epsilon, delta). The analyst's client, the coordinator and every site
    compute the same release from the query text, the dictionary, the
    privacy settings and the quorum t, so a site never takes a noise scale
    from the coordinator. docs/privacy.md gives the argument per kind.

    Two kinds of vector (the last entry of both is the left-out count: the
    records that a variable the query reads is missing for, or that fall
    outside a cut() or the histogram's breaks):

      counts    cells of integer counts; a record adds 1 to one cell
                (count, histogram, crosstab, km: L2 sensitivity 1) or to one
                node per level of a quantile tree (sensitivity sqrt(h)).
                  count       one cell per group
                  histogram   one cell per bin per group
                  crosstab    La x Lb cells per group (Lb = 1 for one term)
                  km          per grid bin (proto_release_km_bin: k + 1 bins
                              for a grid of k points), the events then the
                              censorings: each record is one exit
                  quantiles   a tree over the term's public range, branching
                              PROTO_TREE_BRANCH, PROTO_TREE_DEPTH levels:
                              B + B^2 + ... + B^h nodes per group, level by
                              level, a level's nodes left to right
      moments   fixed-point sums of values mapped into [0, 1] by their
                public range, u = (x - lo) / (hi - lo), per group:
                  mean        n, u_1 .. u_m
                  var, summary  n, u_1 .. u_m, u_1^2 .. u_m^2
                  correlation n, u_j, u_j^2, then u_j u_k for j < k (row
                              by row)
                  glm         z z' for z = (1, the P coded predictors, the
                              outcome's u): the upper triangle, row by row,
                              (P + 2)(P + 3) / 2 entries; a categorical
                              predictor is coded 0/1 per level but its
                              first (R's treatment contrasts)
                Every entry of one record's vector is in [0, 1], scaled by
                2^f, so the L2 sensitivity is 2^f sqrt(entries per group).

    Groups are by='s levels (one group without by=), in level order; a
    record is in one group only.

    Fixed point. Under DP f is the largest of PROTO_RELEASE_FRAC_MIN ..
    PROTO_RELEASE_FRAC_MAX bits whose noise stays in the sampler's range;
    values are rounded to 2^-f, far below the noise. With privacy off every
    moments entry is round(v 2^52) split over two slots (limbs, high 26
    bits first) so that the sums are exact to double precision: the pooled
    statistics are then reproduced to 1e-9 and better.

    Noise: each site adds a discrete Gaussian of variance sigma^2 / t
    (rounded up to an integer) to every entry, so any t honest sites give
    at least sigma^2 (distributed discrete Gaussian); sigma is the smallest
    (bisection) for which the RDP curve of the release (dp_curve_add_ddg,
    q = 1, with its correction term) converts to at most the query's
    epsilon at its delta. The same query asked twice costs twice.

    Contents
        proto_release_kind_t, proto_release_t   the plan of one release
        proto_release_make          the release of a checked query
        proto_release_curve         its RDP curve (what the ledgers charge)
        proto_release_add           one record's contribution, added
        proto_release_value         a summed entry as a real number
        proto_release_noise_sd      the noise's standard deviation on an
                                    entry, in the same units
        proto_release_plan          the release as a study plan
        proto_release_tree_nodes    nodes per group of a quantile tree
        proto_release_km_bin        a time's bin on a km() grid
        proto_release_value_bits    the codec's value bits for the release

    A release is a plain value that borrows its query: keep the query alive.
    Errors are -1 / NULL with the reason in the error slot (util/error.h).
*/
#ifndef PROTO_RELEASE_H
#define PROTO_RELEASE_H

#include "query.h"
#include "plan.h"
#include "dp/accountant.h"

#include <stdbool.h>
#include <stdint.h>

#define PROTO_RELEASE_FRAC_MIN  8
#define PROTO_RELEASE_FRAC_MAX  20
#define PROTO_RELEASE_OFF_BITS  52      //  privacy off: moments' fixed point
#define PROTO_RELEASE_LIMB_BITS 26      //  ... over two slots of 26 bits
#define PROTO_RELEASE_DIM_MAX   ((size_t) 1 << 20)  //  integers in one release
#define PROTO_RELEASE_RECORDS_MAX ((uint64_t) 1 << 20)  //  records per site
#define PROTO_GLM_COLUMNS_MAX   128     //  glm(): coded predictor columns
#define PROTO_TREE_BRANCH       16
#define PROTO_TREE_DEPTH        3       //  4096 leaves

/*  FIT: an iterative fit, one vector per round at the round's parameters
    (glm binomial and poisson, coxph): proto/fit.h. */
typedef enum { PROTO_RELEASE_COUNTS, PROTO_RELEASE_MOMENTS, PROTO_RELEASE_FIT }
    proto_release_kind_t;

typedef struct {
    const proto_query_t *query; //  borrowed
    proto_release_kind_t kind;
    bool off;                   //  privacy off: no noise, nothing charged
    unsigned threshold;         //  t: the noise divisor
    double epsilon, delta;      //  the query's target (0, 0 when off)
    size_t groups;              //  by='s levels, or 1
    size_t cells;               //  logical entries per group
    size_t entries;             //  logical entries: groups x cells + 1
    size_t columns;             //  glm(), coxph(): P, the coded predictors (a
                                //  numeric term one, a categorical one its
                                //  levels - 1)
    unsigned rounds;            //  rounds: 1, or a fit's (DP: exactly; off: at most)
    size_t bins;                //  coxph(): grid bins (k + 1)
    //  A fit under DP: its later rounds (kind FIT_STEP) release the score
    //  only, a shorter vector with noise of its own (proto/fit.h).
    unsigned step_rounds;       //  rounds - 1 under DP, else 0
    double norm2;               //  a fit's one record's largest squared norm, in 4^f
    size_t step_cells, step_entries, step_dim;
    double step_norm2;
    double step_l2;
    uint64_t step_sigma2;
    unsigned limbs;             //  slots per logical entry (1, or 2 when off)
    size_t dim;                 //  integers in the vector: entries x limbs
    unsigned frac_bits;         //  moments: f (counts: 0)
    double l2;                  //  L2 sensitivity, integer units
    uint64_t local_sigma2;      //  each site's noise variance (0 when off)
    double epsilon_spent;       //  what the release costs at delta (0 when off)
} proto_release_t;

/*  Plans the release of a checked query for quorum t (1..PROTO_MAX_PARTIES). Without
    `off`, epsilon in (0, 100] and delta in (0, 0.1). 0, or -1 with the
    reason: a vector over PROTO_RELEASE_DIM_MAX integers, or a target the
    sampler's range cannot meet. */
int proto_release_make (proto_release_t *self, const proto_query_t *query, bool off,
                        double epsilon, double delta, unsigned threshold) PROTO_WUR;

/*  The RDP curve (default order grid) of the release, all its rounds: a
    zero curve when privacy is off. NULL on error. */
dp_curve_t *proto_release_curve (const proto_release_t *self);

/*  Adds one record's contribution to acc[0 .. dim-1]. `record` holds one
    value per dictionary variable, clamped to its bounds (NaN: missing);
    see proto_term_eval. Returns 1 if the record was used, 0 if where=
    left it out, 2 if it was counted as left out (missing). Not for fits
    (proto_fit_add takes the round's parameters): -1. */
int proto_release_add (const proto_release_t *self, const double *record, int64_t *acc);

/*  Logical entry `entry` (0 .. entries-1) of a summed vector, unscaled:
    a count, or a sum of u values. */
double proto_release_value (const proto_release_t *self, const int64_t *sum, size_t entry);

/*  The standard deviation of the noise on one logical entry when
    `contributors` sites each added theirs, in the units of
    proto_release_value (0 when off). */
double proto_release_noise_sd (const proto_release_t *self, unsigned contributors);

/*  The release as a study plan of kind QUERY (its rounds, q 1, its l2,
    noise and dimension), so that the code that charges ledgers and adds
    noise for study rounds serves queries unchanged. */
void proto_release_plan (const proto_release_t *self, proto_plan_t *plan);

/*  The value bits of the codec (he/codec.h) a site packs the release with:
    counts need far fewer than the study rounds' PROTO_VALUE_BITS (a site's
    count is at most PROTO_RELEASE_RECORDS_MAX, its noise beyond 20
    standard deviations has probability below 1e-80), so more of them fit
    in each ciphertext; moments keep PROTO_VALUE_BITS. Both sides derive
    it from the release, as the rest of it. */
unsigned proto_release_value_bits (const proto_release_t *self);

/*  km(): the grid bin of time t among the query's grid g[0..k-1]: 0 for
    t <= g[0], i for g[i-1] < t <= g[i], k past the last point. */
size_t proto_release_km_bin (const proto_query_t *q, double t);

/*  B + B^2 + ... + B^h. */
size_t proto_release_tree_nodes (void);

#endif
