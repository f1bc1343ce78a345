/*  coordinator/fit.h - the coordinator's side of an iterative fit
    (proto/fit.h): from each round's summed vector the next parameters,
    and at the end the regression table.

    Privacy off, every round releases every block (proto/fit.h). Under DP
    the first round releases the information too and every later one the
    score only: the steps use the first round's information (made
    positive definite), which moves little while the estimate does.

    glm(family=binomial|poisson): R's IRLS. Round 1 is the start (R's
    mustart): beta_1 = H^-1 X'W z_work. Round r > 1 evaluates at beta_r-1:
    its deviance; then beta_r = beta_r-1 + H^-1 score, which is R's weighted
    least squares step. The intercept-only model (with the offset) is
    fitted alongside for the null deviance. Privacy off, the fit stops as
    R's glm.fit does: |dev - dev_old| / (|dev| + 0.1) < 1e-8 (for both
    models), at most iterations= (default 25) steps; the covariance is the
    inverse of the information of the last step, as R's. Under DP it takes
    exactly the planned rounds, the last step's estimate is the result and
    the noisy information is made positive definite first.

    coxph(): Newton-Raphson on Breslow's log partial likelihood, from
    beta = 0, as R's coxph: converged when |1 - loglik_old / loglik| <=
    1e-9, at most iterations= (default 20) steps, a step halved when the
    log-likelihood falls; the covariance is the inverse information at the
    estimate.

    Under DP every coefficient's interval adds to the sampling covariance
    the spread of the whole fit under the known noise (a parametric
    bootstrap: 200 draws, each running the rounds again with fresh noise
    on every round's released sums, the scores moved to the draw's own
    iterates to first order), which is post-processing. Steps are damped
    to at most 2 per coefficient in coded units.

    Contents
        coord_fit_new, coord_fit_destroy
        coord_fit_kind          the next round's kind
        coord_fit_params        the next round's parameters
        coord_fit_step          takes a round's summed vector
        coord_fit_done          no round left
        coord_fit_left_out      the records left out, and their noise
        coord_fit_last_dim      the last round's vector's length
        coord_fit_report        the results rows and notes
*/
#ifndef COORD_FIT_H
#define COORD_FIT_H

#include "proto/fit.h"

#include <gsl/gsl_rng.h>
#include <jansson.h>
#include <stdbool.h>

typedef struct _coord_fit_t coord_fit_t;

/*  A fit of `release` (proto_fit_is; borrowed, keep it alive). NULL with
    the reason (UTIL_EINPUT: not a fit; UTIL_ENOMEM). */
coord_fit_t *coord_fit_new (const proto_release_t *release);
void coord_fit_destroy (coord_fit_t **self_p);

/*  The kind of the next round: QUERY (the first, and every round with
    privacy off), or FIT_STEP (later rounds under DP: the score only). */
Cohort__RoundKind coord_fit_kind (const coord_fit_t *self);

/*  The parameters of the next round (borrowed until the next step); *n is
    0 for glm's start round. */
const double *coord_fit_params (const coord_fit_t *self, size_t *n);

/*  Takes the round's sum (release->dim integers, `contributors` sites'
    noise in it). 0: another round is due; 1: the fit is over (converged,
    or stopped with its reason kept for the report); -1 out of memory. */
int coord_fit_step (coord_fit_t *self, const int64_t *sum, unsigned contributors);

bool coord_fit_done (const coord_fit_t *self);

/*  The integers of the last round's summed vector (a STEP round's are
    fewer than release->dim). */
size_t coord_fit_last_dim (const coord_fit_t *self);

/*  The left-out count of the last round (records the query leaves out as
    missing), and in *sd its noise's standard deviation. */
double coord_fit_left_out (const coord_fit_t *self, double *sd);

/*  Appends the result rows (coefficients with R's term names, then the
    fit's figures) to `results` and plain-language lines to `notes`;
    `labels` are the query's term labels (proto_term_label), `rng` draws the
    DP bootstrap (NULL when off). A fit that failed adds one row
    {"statistic": "error", "value": reason}. 0, or -1 out of memory. */
int coord_fit_report (const coord_fit_t *self, char *const *labels, gsl_rng *rng,
                      json_t *results, json_t *notes);

#endif
