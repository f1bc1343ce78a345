/*  proto/fit.h - the iterative fits of queries, one release per round:
    glm(family=binomial|poisson) by R's iteratively reweighted least squares,
    and coxph() by Newton-Raphson on Breslow's partial likelihood over a
    public time grid. Each round the coordinator sends the current
    parameters (RoundStart.params); every site adds its records'
    contributions at those parameters into one vector, noised and summed
    under Paillier like any release (proto/release.h); the coordinator takes
    the step and sends the next parameters. The site never sees another
    site's data or the sums; the coordinator sees only the sums.

    Predictors are coded centred: a numeric term mapped to [0, 1] by its
    public range, less 1/2; a categorical one 0/1 per level but its first
    (R's treatment contrasts), less 1/2. Every coded column is then in
    [-1/2, 1/2], which halves (and for products quarters) the public bound
    of the entries it is in, and keeps it nearly orthogonal to the
    intercept. The coefficients travel in that coding; the coordinator maps
    them back to the data's units at the end (a linear map).

    glm() vector (T = 1 + P columns: the intercept and the P coded
    predictors; eta = z beta + offset, prior weight w):
        H           sum W z z', the upper triangle row by row, T (T + 1) / 2
        G           the score sum w (y - mu) z (T); in the start round R's
                    X'W z_work from mustart instead
        DEV         the deviance sum w d(y, mu)
        NULL_H, NULL_G, NULL_DEV    the same for the intercept-only model
                    (with the offset), fitted alongside: R's null deviance
        CONST       poisson: sum w (y log y - y - lgamma(y + 1)), for the
                    AIC (0 for binomial)
        N           records used
    W is w mu (1 - mu) (binomial) or w mu (poisson). A round without
    parameters is the start round: mu from R's mustart ((w y + 0.5) /
    (w + 1), or y + 0.1), so that the iterations are R's. Later rounds carry
    T + 1 parameters: beta, then the null model's intercept.

    coxph() vector (T = the P coded covariates, no intercept; B = k + 1
    grid bins, proto_release_km_bin; a record exits in the bin of its time):
        per bin b:  R0 = sum exp(z beta - c), R1 = sum z exp(z beta - c)
                    (T), R2 = sum z z' exp(z beta - c) (upper triangle) over
                    the records that exit in b, and D = their events
        E1          sum of z over the events (T)
        N           records used
    Under DP R2 is one global block after the bins instead (its noise is
    then not summed over bins; the coordinator takes the risk sets'
    covariance as the cohort's). The risk-set sums of bin b are the sums
    over bins b..B-1 (the coordinator's suffix sums): each record adds to
    one bin only. Events in one bin are tied (Breslow). Parameters: beta (T), then the shift c (the
    coordinator keeps exp(z beta - c) near 1; it cancels in every ratio and
    is added back to the log-likelihood).

    Both end with the left-out count (records the query leaves out as
    missing), as every release.

    Rounds (proto_fit_round_t). Privacy off, every round is FULL (glm's
    first the START round) and the fit stops when it converges. Under DP
    the fit takes exactly its planned rounds. glm: the first START, with
    PROTO_FIT_DP_FULL_SHARE of the budget, then STEP rounds (kind FIT_STEP)
    that release the score only, sharing the rest: G, the deviances, the
    null model, CONST and N; the coordinator keeps the first round's
    information for the later steps, so a STEP vector is a few entries per
    record instead of O(T^2). coxph alike: its first round FULL at beta = 0
    (R2 there is the cohort's sum of z z', every weight being 1), its later
    rounds STEPs of per-bin R0 and R1, and N; the coordinator keeps the
    first round's E1, D and information.

    Fixed point. Privacy off: every entry is round(v 2^40), |v| < 2^36 for
    one record, over three slots of 26 bits (the top one signed): exact
    sums to 2^-40 per record. A record whose contribution is past that (a
    fit that diverged) is an error, not a wrong sum. Under DP each entry is
    divided by a public bound b of its block (and column), multiplied by
    its block's weight w, clamped to [-w, w] and scaled by 2^f
    (proto_fit_bound gives b / w), so each record's vector has L2 norm at
    most 2^f sqrt(norm2), norm2 the sum of w^2 over the entries one record
    can fill: the release's sensitivity. The bounds follow from
    the dictionary (outcome, weights, offset ranges) and the clip constants
    below; poisson's mu and coxph's exp(z beta - c) are clipped to public
    ranges. Clamping keeps the guarantee whatever the data; it only biases
    the records past the bounds.

    Contents
        proto_fit_block_t           the blocks of one round's vector
        proto_fit_round_t           START, FULL and STEP rounds
        proto_fit_is                is the release an iterative fit?
        proto_fit_layout            its layout (proto_release_make)
        proto_fit_round             a round's type from its kind
        proto_fit_entries, proto_fit_dim    a round type's size
        proto_fit_offset, proto_fit_block   where a block starts; an
                                    entry's block
        proto_fit_params            parameters a round carries
        proto_fit_check_params      a round's parameters, checked
        proto_fit_add               one record's contribution at the
                                    round's parameters
        proto_fit_bound             an entry's DP bound
        proto_fit_value             a summed entry in the data's units
        proto_fit_noise_sd          its noise's standard deviation
*/
#ifndef PROTO_FIT_H
#define PROTO_FIT_H

#include "release.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_FIT_OFF_FRAC      40      //  privacy off: fraction bits
#define PROTO_FIT_OFF_LIMBS     3       //  ... over three slots
#define PROTO_FIT_OFF_RANGE     68719476736.0   //  2^36: |one record's entry|
#define PROTO_FIT_GLM_MAXIT     25      //  R's glm.control(maxit = 25)
#define PROTO_FIT_COX_MAXIT     20      //  R's coxph.control(iter.max = 20)
#define PROTO_FIT_DP_ROUNDS     3       //  rounds under DP without iterations=
#define PROTO_FIT_DP_FULL_SHARE 0.7     //  DP: the first (full) round's share of the budget
#define PROTO_FIT_PARAM_MAX     1e4     //  |a parameter| a site accepts
#define PROTO_FIT_ENTRIES_MAX   65536   //  logical entries of one round: the coordinator
                                        //  keeps every round's under DP and bootstraps them
#define PROTO_FIT_COX_CLIP      1.0     //  DP: exp(z beta - c) clipped at e^1
#define PROTO_FIT_COX_W1        0.5     //  DP: coxph's R1 and E1 blocks' weight (R0, D: 1)
#define PROTO_FIT_COX_W2        0.25    //  DP: coxph's R2 block's weight
#define PROTO_FIT_GLM_WDEV      0.25    //  DP: glm's deviances' and CONST's weight
#define PROTO_FIT_DEV_CLIP      18.420680743952367  //  DP: 2 log(1e4) per unit weight
#define PROTO_FIT_MU_FLOOR      1e-4    //  DP poisson: mu clipped to [1e-4, ...]

typedef enum {
    PROTO_BLOCK_H,
    PROTO_BLOCK_G,
    PROTO_BLOCK_DEV,
    PROTO_BLOCK_NULL_H,
    PROTO_BLOCK_NULL_G,
    PROTO_BLOCK_NULL_DEV,
    PROTO_BLOCK_CONST,
    PROTO_BLOCK_N,
    PROTO_BLOCK_R0,
    PROTO_BLOCK_R1,
    PROTO_BLOCK_R2,
    PROTO_BLOCK_D,
    PROTO_BLOCK_E1,
    PROTO_BLOCK_LEFT,
    PROTO_BLOCK_BLOCKS
} proto_fit_block_t;

typedef enum {
    PROTO_FIT_START,            //  glm's first round: R's mustart, no parameters
    PROTO_FIT_FULL,             //  every block
    PROTO_FIT_STEP              //  DP's later rounds: the score only
} proto_fit_round_t;

/*  Whether the release is an iterative fit (glm binomial or poisson,
    coxph): release->rounds rounds at most, each with parameters. */
bool proto_fit_is (const proto_release_t *self);

/*  Sets a fit release's layout (called by proto_release_make): cells and
    entries of both round types, rounds, step_rounds. */
void proto_fit_layout (proto_release_t *self);

/*  The round type of a round of kind `kind` (QUERY or FIT_STEP) carrying
    n parameters. */
proto_fit_round_t proto_fit_round (const proto_release_t *self, int kind, size_t n);

/*  Logical entries, and integers, of a round of this type. */
size_t proto_fit_entries (const proto_release_t *self, proto_fit_round_t round);
size_t proto_fit_dim (const proto_release_t *self, proto_fit_round_t round);

/*  The first logical entry of `block` (of bin `bin` for coxph's per-bin
    blocks; ignored otherwise) in a round of this type; the block must be
    in it. */
size_t proto_fit_offset (const proto_release_t *self, proto_fit_round_t round,
                         proto_fit_block_t block, size_t bin);

/*  The block that logical entry `entry` of a round of this type is in. */
proto_fit_block_t proto_fit_block (const proto_release_t *self, proto_fit_round_t round,
                                   size_t entry);

/*  Parameters a round carries: glm's START 0, otherwise T + 1. */
size_t proto_fit_params (const proto_release_t *self, proto_fit_round_t round);

/*  0 if n parameters fit a round of this type (proto_fit_params) and each
    is finite and at most PROTO_FIT_PARAM_MAX in size; -1 with the
    reason. */
int proto_fit_check_params (const proto_release_t *self, proto_fit_round_t round,
                            const double *params, size_t n) PROTO_WUR;

/*  Adds one record's contribution to a round of this type at its
    parameters (checked) to acc[0 .. proto_fit_dim-1]. 1 if used, 0 if
    where= left it out, 2 if counted as left out (missing), -1
    (UTIL_ELIMIT) if privacy is off and an entry is past
    PROTO_FIT_OFF_RANGE (acc is then partly added: discard it), or -1
    (UTIL_EINPUT) if n_params is not the round type's count. */
int proto_fit_add (const proto_release_t *self, proto_fit_round_t round, const double *record,
                   const double *params, size_t n_params, int64_t *acc);

/*  The DP bound of logical entry `entry` of a round of this type, in the
    data's units: its block's bound times the largest |z_i| (|z_i z_j|) of
    the columns it holds. */
double proto_fit_bound (const proto_release_t *self, proto_fit_round_t round, size_t entry);

/*  Logical entry `entry` of a summed vector of a round of this type, in
    the data's units. */
double proto_fit_value (const proto_release_t *self, proto_fit_round_t round,
                        const int64_t *sum, size_t entry);

/*  The standard deviation of the noise on that entry when `contributors`
    sites added theirs, in the units of proto_fit_value (0 when off). */
double proto_fit_noise_sd (const proto_release_t *self, proto_fit_round_t round, size_t entry,
                           unsigned contributors);

#endif
