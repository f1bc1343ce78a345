/*  coordinator/fit.c - IRLS and Cox Newton steps from summed rounds, and
    the regression table. */
#include "fit.h"
#include "linalg.h"
#include "util/alloc.h"
#include "util/error.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define S_GLM_EPS   1e-8                //  R's glm.control(epsilon)
#define S_COX_EPS   1e-9                //  R's coxph.control(eps)
#define S_DRAWS     200                 //  DP bootstrap draws
#define S_Z975      1.959963984540054
#define S_DP_STEP   2.0                 //  DP: glm's largest step per coefficient (coded units)
#define S_DP_STEP_COX 4.0               //  DP: coxph's
#define S_COX_RISK_SDS 2.0              //  DP: a risk set below this many noise sds is left out
#define S_FLOOR_GLM 0.2                 //  DP: the information's floor, in noise norms
#define S_FLOOR_COX 0.02

struct _coord_fit_t {
    const proto_release_t *rel;
    const proto_query_t *q;
    bool glm, binomial, off;
    size_t t;                   //  coefficients (glm: with the intercept)
    unsigned round;             //  rounds taken
    unsigned maxit;             //  steps allowed
    double *params;             //  the next round's: beta, then null / shift
    size_t n_params;
    double *prev;               //  cox: the previous iterate (step halving)
    double *info;               //  t x t: the information of the estimate
    double *last;               //  the last round's logical values
    proto_fit_round_t last_round;   //  ... and its type
    double *first;              //  the first round's (DP: its information, D, E1)
    //  DP: every round's values and the parameters it was taken at, for
    //  the bootstrap of the whole fit.
    double *hist, *hist_params;
    unsigned contributors;
    double dev_old, null_old, ll_old;
    //  The outcome.
    bool done, converged;
    char *error;                //  the fit's failure, for the report
    unsigned iterations;
    double *beta;               //  the estimate (coded units)
    double deviance, null_deviance, aic_const, n, loglik, loglik_null, events;
};

//  ---------------------------------------------------------------------------
//  Linear algebra on small dense matrices (coordinator/linalg.h)

int
coord_linalg_floor (double *a, size_t t, double floor)
{
    gsl_matrix *e = gsl_matrix_alloc (t, t), *vec = gsl_matrix_alloc (t, t);
    gsl_vector *val = gsl_vector_alloc (t);
    gsl_eigen_symmv_workspace *w = gsl_eigen_symmv_alloc (t);
    int rc = -1;
    if (!e || !vec || !val || !w)
        goto done;
    for (size_t i = 0; i < t * t; i++)
        e->data [i] = a [i];
    gsl_eigen_symmv (e, val, vec, w);
    double top = gsl_vector_max (val);
    double f = fmax (fmax (1e-9 * fabs (top), 1e-12), floor);
    memset (a, 0, t * t * sizeof *a);
    for (size_t l = 0; l < t; l++) {
        double lam = fmax (gsl_vector_get (val, l), f);
        for (size_t i = 0; i < t; i++)
            for (size_t j = 0; j < t; j++)
                a [i * t + j] += lam * gsl_matrix_get (vec, i, l) * gsl_matrix_get (vec, j, l);
    }
    rc = 0;
done:
    if (e) gsl_matrix_free (e);
    if (vec) gsl_matrix_free (vec);
    if (val) gsl_vector_free (val);
    if (w) gsl_eigen_symmv_free (w);
    return rc;
}

int
coord_linalg_solve (const double *a, const double *b, size_t t, double *x, double *inv)
{
    gsl_matrix *m = gsl_matrix_alloc (t, t);
    gsl_vector *bv = gsl_vector_alloc (t), *xv = gsl_vector_alloc (t);
    int rc = -1;
    if (!m || !bv || !xv)
        goto done;
    memcpy (m->data, a, t * t * sizeof *a);
    memcpy (bv->data, b, t * sizeof *b);
    gsl_set_error_handler_off ();
    rc = 1;
    if (gsl_linalg_cholesky_decomp1 (m))
        goto done;
    double dmin = INFINITY, dmax = 0;
    for (size_t i = 0; i < t; i++) {
        double d = gsl_matrix_get (m, i, i);
        dmin = fmin (dmin, d);
        dmax = fmax (dmax, d);
    }
    if (!(dmin > 1e-7 * dmax))
        goto done;
    gsl_linalg_cholesky_solve (m, bv, xv);
    memcpy (x, xv->data, t * sizeof *x);
    if (inv) {
        gsl_linalg_cholesky_invert (m);
        memcpy (inv, m->data, t * t * sizeof *inv);
    }
    rc = 0;
done:
    if (m) gsl_matrix_free (m);
    if (bv) gsl_vector_free (bv);
    if (xv) gsl_vector_free (xv);
    return rc;
}

//  The symmetric matrix of an upper triangle (row by row) scaled by s.
static void
s_unpack (const double *tri, size_t t, double s, double *a)
{
    size_t at = 0;
    for (size_t i = 0; i < t; i++)
        for (size_t j = i; j < t; j++) {
            a [i * t + j] = a [j * t + i] = s * tri [at];
            at++;
        }
}

//  ---------------------------------------------------------------------------

coord_fit_t *
coord_fit_new (const proto_release_t *release)
{
    if (!release || !proto_fit_is (release))
        return util_error_null (UTIL_EINPUT, "fit: the release is not an iterative fit");
    coord_fit_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return util_error_null (UTIL_ENOMEM, "fit: out of memory");
    self->rel = release;
    self->q = release->query;
    self->glm = self->q->kind == PROTO_Q_GLM;
    self->binomial = self->glm && self->q->family == PROTO_FAMILY_BINOMIAL;
    self->off = release->off;
    self->t = self->glm? release->columns + 1: release->columns;
    self->maxit = self->off? release->rounds - 1: release->rounds;
    size_t t = self->t, n = release->entries;
    self->params = util_calloc (t + 1, sizeof (double));
    self->prev = util_calloc (t + 1, sizeof (double));
    self->beta = util_calloc (t, sizeof (double));
    self->info = util_calloc (t * t, sizeof (double));
    self->last = util_calloc (n, sizeof (double));
    self->first = util_calloc (n, sizeof (double));
    if (!self->off) {
        self->hist = util_calloc (release->rounds * n, sizeof (double));
        self->hist_params = util_calloc (release->rounds * (t + 1), sizeof (double));
    }
    if (!self->params || !self->prev || !self->beta || !self->info || !self->last
    ||  !self->first || (!self->off && (!self->hist || !self->hist_params))) {
        coord_fit_destroy (&self);
        return util_error_null (UTIL_ENOMEM, "fit: out of memory");
    }
    self->n_params = self->glm? 0: t + 1;     //  glm starts from mustart, cox at 0
    return self;
}

void
coord_fit_destroy (coord_fit_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    coord_fit_t *self = *self_p;
    free (self->params);
    free (self->prev);
    free (self->beta);
    free (self->info);
    free (self->last);
    free (self->first);
    free (self->hist);
    free (self->hist_params);
    free (self->error);
    free (self);
    *self_p = NULL;
}

Cohort__RoundKind
coord_fit_kind (const coord_fit_t *self)
{
    return self->rel->step_rounds && self->round > 0? COHORT__ROUND_KIND__ROUND_KIND_FIT_STEP
                                                    : COHORT__ROUND_KIND__ROUND_KIND_QUERY;
}

const double *
coord_fit_params (const coord_fit_t *self, size_t *n)
{
    *n = self->n_params;
    return self->params;
}

bool
coord_fit_done (const coord_fit_t *self)
{
    return self->done;
}

//  Ends the fit with a reason (a new string, or NULL for "out of memory").
static int
s_fail (coord_fit_t *self, char *reason)
{
    self->done = true;
    self->error = reason;
    return reason? 1: -1;
}

static double
s_at (const coord_fit_t *self, proto_fit_block_t block, size_t bin, size_t i)
{
    return self->last [proto_fit_offset (self->rel, self->last_round, block, bin) + i];
}

//  Under DP a step (coded units, where every predictor spans [-1/2, 1/2])
//  is shortened to at most S_DP_STEP per coefficient: the noise can make
//  the information look small in some direction, and an undamped step
//  there would throw the next round far from the data. Post-processing;
//  the bootstrap damps its draws alike.
static void
s_damp (const coord_fit_t *self, double *x)
{
    if (self->off)
        return;
    double top = 0, most = self->glm? S_DP_STEP: S_DP_STEP_COX;
    for (size_t i = 0; i < self->t; i++)
        top = fmax (top, fabs (x [i]));
    if (top > most)
        for (size_t i = 0; i < self->t; i++)
            x [i] *= most / top;
}

//  The floor of the DP information's eigenvalues: the noise matrix's
//  expected spectral norm (2 sd sqrt(t) for equal sds; from the entries'
//  Frobenius norm as their sds differ), times S_FLOOR_GLM or S_FLOOR_COX.
//  Below it a direction's information is mostly noise; lifting it there
//  is post-processing, and the bootstrap's draws are lifted alike. glm: the
//  noise of H's entries. coxph: the information is D V, V the global R2
//  over N less the means' outer product, so an entry's noise is about
//  D / N times R2's (D and N from the first round).
static double
s_info_floor (const coord_fit_t *self)
{
    if (self->off)
        return 0;
    const proto_release_t *rel = self->rel;
    size_t t = self->t;
    double f2 = 0;
    if (self->glm) {
        size_t e = proto_fit_offset (rel, PROTO_FIT_START, PROTO_BLOCK_H, 0);
        for (size_t i = 0; i < t; i++)
            for (size_t j = i; j < t; j++, e++) {
                double sd = proto_fit_noise_sd (rel, PROTO_FIT_START, e, self->contributors);
                f2 += (i == j? 1: 2) * sd * sd;
            }
    }
    else {
        double d = 0;
        for (size_t b = 0; b < rel->bins; b++) {
            double db = self->first [proto_fit_offset (rel, PROTO_FIT_FULL, PROTO_BLOCK_D, b)];
            d += db > 0? db: 0;
        }
        double n = self->first [proto_fit_offset (rel, PROTO_FIT_FULL, PROTO_BLOCK_N, 0)];
        double w = d / fmax (n, 1);
        size_t e = proto_fit_offset (rel, PROTO_FIT_FULL, PROTO_BLOCK_R2, 0);
        for (size_t i = 0; i < t; i++)
            for (size_t j = i; j < t; j++, e++) {
                double sd = proto_fit_noise_sd (rel, PROTO_FIT_FULL, e, self->contributors);
                f2 += (i == j? 1: 2) * w * w * sd * sd;
            }
    }
    return (self->glm? S_FLOOR_GLM: S_FLOOR_COX) * 2 * sqrt (f2 / (double) t);
}

//  ---------------------------------------------------------------------------
//  glm

//  From values v of a round of this type: H (t x t, not in a STEP round)
//  and G (t).
static void
s_glm_blocks (const coord_fit_t *self, proto_fit_round_t round, const double *v, double *h,
              double *g)
{
    size_t t = self->t;
    if (h && round != PROTO_FIT_STEP)
        s_unpack (v + proto_fit_offset (self->rel, round, PROTO_BLOCK_H, 0), t, 1, h);
    memcpy (g, v + proto_fit_offset (self->rel, round, PROTO_BLOCK_G, 0), t * sizeof *g);
}

static int
s_glm_step (coord_fit_t *self)
{
    size_t t = self->t;
    const proto_release_t *rel = self->rel;
    double *h = util_calloc (t * t, sizeof (double)), *g = util_calloc (t, sizeof (double));
    double *x = util_calloc (t, sizeof (double));
    int rc = -1;
    if (!h || !g || !x)
        goto done;
    bool start = self->last_round == PROTO_FIT_START;
    double dev = s_at (self, PROTO_BLOCK_DEV, 0, 0), null_dev = s_at (self, PROTO_BLOCK_NULL_DEV, 0, 0);
    double nh = s_at (self, PROTO_BLOCK_NULL_H, 0, 0), ng = s_at (self, PROTO_BLOCK_NULL_G, 0, 0);
    s_glm_blocks (self, self->last_round, self->last, h, g);
    if (!start) {
        //  This round evaluated the previous estimate: its deviances.
        self->deviance = dev;
        self->null_deviance = null_dev;
        self->aic_const = s_at (self, PROTO_BLOCK_CONST, 0, 0);
        self->n = s_at (self, PROTO_BLOCK_N, 0, 0);
        memcpy (self->beta, self->params, t * sizeof (double));
        if (self->off
        &&  fabs (dev - self->dev_old) / (fabs (dev) + 0.1) < S_GLM_EPS
        &&  fabs (null_dev - self->null_old) / (fabs (null_dev) + 0.1) < S_GLM_EPS) {
            self->converged = self->done = true;
            rc = 1;
            goto done;
        }
        if (self->off && self->iterations >= self->maxit) {
            rc = s_fail (self, util_asprintf ("glm(): the fit did not converge in %u iterations "
                                              "(a predictor that separates the outcome, or a "
                                              "level without events?)", self->iterations));
            goto done;
        }
    }
    //  The step: start, beta = H^-1 X'Wz; later beta += H^-1 score. Under
    //  DP the information is the first round's, made positive definite.
    if (self->last_round == PROTO_FIT_STEP)
        memcpy (h, self->info, t * t * sizeof (double));
    else
    if (!self->off && coord_linalg_floor (h, t, s_info_floor (self)))
        goto done;
    int s = coord_linalg_solve (h, g, t, x, NULL);
    if (s < 0)
        goto done;
    if (s > 0) {
        rc = s_fail (self, util_strdup ("glm(): the design is singular (collinear columns, or a "
                                        "level no record has)"));
        goto done;
    }
    if (!start)
        s_damp (self, x);
    memcpy (self->info, h, t * t * sizeof (double));
    self->dev_old = dev;
    self->null_old = null_dev;
    for (size_t i = 0; i < t; i++)
        self->params [i] = start? x [i]: self->params [i] + x [i];
    double null_step = nh > 0? ng / nh: 0;
    self->params [t] = start? null_step: self->params [t] + null_step;
    self->n_params = t + 1;
    self->iterations++;
    if (!self->off && self->round == rel->rounds) {
        //  DP: the last round's step is the estimate; its deviances are
        //  those of the iterate it was taken at.
        memcpy (self->beta, self->params, t * sizeof (double));
        if (start) {
            self->deviance = dev;
            self->null_deviance = null_dev;
            self->aic_const = s_at (self, PROTO_BLOCK_CONST, 0, 0);
            self->n = s_at (self, PROTO_BLOCK_N, 0, 0);
        }
        self->done = true;
        rc = 1;
        goto done;
    }
    for (size_t i = 0; i <= t; i++)
        if (!(fabs (self->params [i]) <= PROTO_FIT_PARAM_MAX)) {
            rc = s_fail (self, util_asprintf ("glm(): the fit diverged at iteration %u (a "
                                              "predictor that separates the outcome?)",
                                              self->iterations));
            goto done;
        }
    rc = 0;
done:
    free (h);
    free (g);
    free (x);
    return rc;
}

//  ---------------------------------------------------------------------------
//  coxph

//  Breslow's log partial likelihood and score, and (info not NULL, a FULL
//  round) the information, at the round's beta and shift c: the risk sets'
//  sums R0, R1 (R2) from v, a round of type `round`; the events D and E1
//  from v, or from `first` (the first round's, FULL) in a STEP round.
//  Under DP S0 is floored at 1 and made non-increasing and D floored at 0
//  (post-processing). 0; -1 when no bin has an event and a risk set; -2 no
//  memory.
static int
s_cox_eval (const coord_fit_t *self, proto_fit_round_t round, const double *v,
            const double *first, const double *beta, double c, double *ll, double *u,
            double *info)
{
    const proto_release_t *rel = self->rel;
    size_t t = self->t, tri = t * (t + 1) / 2;
    const double *ev = round == PROTO_FIT_STEP? first: v;
    double s0 = 0, *s1 = util_calloc (t, sizeof (double)), *s2 = util_calloc (tri, sizeof (double));
    if (!s1 || !s2) {
        free (s1);
        free (s2);
        return -2;
    }
    size_t e1 = proto_fit_offset (rel, PROTO_FIT_FULL, PROTO_BLOCK_E1, 0);
    *ll = 0;
    for (size_t i = 0; i < t; i++) {
        u [i] = ev [e1 + i];
        *ll += beta [i] * ev [e1 + i];
    }
    if (info)
        memset (info, 0, t * t * sizeof *info);
    bool any = false;
    double floor_s0 = 0, d_used = 0;
    for (size_t b = rel->bins; b-- > 0; ) {
        size_t r0 = proto_fit_offset (rel, round, PROTO_BLOCK_R0, b);
        s0 += v [r0];
        for (size_t i = 0; i < t; i++)
            s1 [i] += v [r0 + 1 + i];
        if (info && self->off)
            for (size_t k = 0; k < tri; k++)
                s2 [k] += v [r0 + 1 + t + k];
        double d = ev [proto_fit_offset (rel, PROTO_FIT_FULL, PROTO_BLOCK_D, b)];
        double s0b = s0;
        if (!self->off) {
            //  A risk set the noise swamps (its sum of exits below
            //  S_COX_RISK_SDS of its noise: the last bins, where few are
            //  left) says nothing of beta: its events are left out of the
            //  estimating equation, as a shorter follow-up would.
            double sd = proto_fit_noise_sd (rel, round, r0, self->contributors)
                      * sqrt ((double) (rel->bins - b));
            d = d > 0? d: 0;
            floor_s0 = fmax (floor_s0, fmax (s0b, 1));
            s0b = floor_s0;
            if (s0b < S_COX_RISK_SDS * sd)
                continue;
        }
        if (!(d > 0) || !(s0b > 0))
            continue;
        any = true;
        *ll -= d * (log (s0b) + c);
        //  Under DP the risk set's means and second moments are clamped to
        //  the coded columns' box (post-processing).
        double m [PROTO_GLM_COLUMNS_MAX];
        for (size_t i = 0; i < t; i++) {
            m [i] = s1 [i] / s0b;
            if (!self->off)
                m [i] = m [i] < -0.5? -0.5: m [i] > 0.5? 0.5: m [i];
        }
        d_used += d;
        size_t at = 0;
        for (size_t i = 0; i < t; i++) {
            u [i] -= d * m [i];
            if (!info || !self->off)
                continue;
            for (size_t j = i; j < t; j++) {
                double q = s2 [at++] / s0b;
                if (!self->off)
                    q = q < -0.25? -0.25: q > 0.25? 0.25: q;
                double a = d * (q - m [i] * m [j]);
                info [i * t + j] += a;
                if (j != i)
                    info [j * t + i] += a;
            }
        }
    }
    if (info && !self->off && any) {
        //  DP: the risk sets' covariance is taken as the whole cohort's
        //  (one global R2, its noise not summed over bins), weighted by
        //  the events used: sum_b D_b V_b ~ D V. Only the first round,
        //  at beta = 0 and c = 0, is FULL: every weight is 1 there, so
        //  R2 is the cohort's sum of z z' (proto/fit.c), over the count
        //  N, and S1 / S0 is the cohort's mean.
        size_t g = proto_fit_offset (rel, round, PROTO_BLOCK_R2, 0);
        double nn = fmax (v [proto_fit_offset (rel, round, PROTO_BLOCK_N, 0)], 1);
        double m [PROTO_GLM_COLUMNS_MAX];
        for (size_t i = 0; i < t; i++) {
            m [i] = s1 [i] / floor_s0;
            m [i] = m [i] < -0.5? -0.5: m [i] > 0.5? 0.5: m [i];
        }
        size_t at = 0;
        for (size_t i = 0; i < t; i++)
            for (size_t j = i; j < t; j++) {
                double q = v [g + at++] / nn;
                q = q < -0.25? -0.25: q > 0.25? 0.25: q;
                info [i * t + j] = info [j * t + i] = d_used * (q - m [i] * m [j]);
            }
    }
    free (s1);
    free (s2);
    return any? 0: -1;
}

static int
s_cox_step (coord_fit_t *self)
{
    const proto_release_t *rel = self->rel;
    size_t t = self->t;
    double *u = util_calloc (t, sizeof (double)), *info = util_calloc (t * t, sizeof (double));
    double *x = util_calloc (t, sizeof (double));
    int rc = -1;
    if (!u || !info || !x)
        goto done;
    double ll, c = self->params [t];
    bool step = self->last_round == PROTO_FIT_STEP;
    int e = s_cox_eval (self, self->last_round, self->last, self->first, self->params, c, &ll,
                        u, step? NULL: info);
    if (e == -2)
        goto done;
    if (e < 0) {
        rc = s_fail (self, util_strdup (self->off
            ? "coxph(): no event has a risk set (no events?)"
            : "coxph(): at this privacy level the noise swamps every risk set that has events "
              "(too few records for this epsilon: a coarser grid=, fewer covariates or a "
              "larger epsilon)"));
        goto done;
    }
    self->n = s_at (self, PROTO_BLOCK_N, 0, 0);
    self->events = 0;
    for (size_t b = 0; b < rel->bins; b++)
        self->events += self->first [proto_fit_offset (rel, PROTO_FIT_FULL, PROTO_BLOCK_D, b)];
    if (self->round == 1)
        self->loglik_null = ll;
    if (self->off && self->round > 1 && ll < self->ll_old
    &&  fabs (1 - self->ll_old / ll) > S_COX_EPS && self->iterations < self->maxit) {
        //  R's step halving: back half way towards the previous iterate,
        //  without counting an iteration's information.
        for (size_t i = 0; i < t; i++)
            self->params [i] = 0.5 * (self->params [i] + self->prev [i]);
        self->params [t] = self->prev [t];
        self->iterations++;
        rc = 0;
        goto done;
    }
    memcpy (self->beta, self->params, t * sizeof (double));
    self->loglik = ll;
    if (self->off) {
        memcpy (self->info, info, t * t * sizeof (double));
        if (self->round > 1 && fabs (1 - self->ll_old / ll) <= S_COX_EPS) {
            self->converged = self->done = true;
            rc = 1;
            goto done;
        }
        if (self->iterations >= self->maxit) {
            rc = s_fail (self, util_asprintf ("coxph(): the fit did not converge in %u "
                                              "iterations (a covariate that separates the "
                                              "events, or a level without events?)",
                                              self->iterations));
            goto done;
        }
    }
    else
    if (!step) {
        //  DP: this round's information, made positive definite.
        if (coord_linalg_floor (info, t, s_info_floor (self)))
            goto done;
        memcpy (self->info, info, t * t * sizeof (double));
    }
    int s = coord_linalg_solve (self->info, u, t, x, NULL);
    if (s < 0)
        goto done;
    if (s > 0) {
        rc = s_fail (self, util_strdup ("coxph(): the design is singular (collinear covariates, "
                                        "or a level no record has)"));
        goto done;
    }
    s_damp (self, x);
    memcpy (self->prev, self->params, (t + 1) * sizeof (double));
    self->ll_old = ll;
    //  The new shift keeps exp(z beta - c) near 1: the log of the mean
    //  weight, moved by the step along the weighted mean of z.
    double s0 = 0, zs = 0;
    for (size_t b = 0; b < rel->bins; b++) {
        s0 += s_at (self, PROTO_BLOCK_R0, b, 0);
        for (size_t i = 0; i < t; i++)
            zs += x [i] * s_at (self, PROTO_BLOCK_R1, b, i);
    }
    double n = self->n > 1? self->n: 1;
    double shift = s0 > 0? c + log (s0 / n) + zs / s0: c;
    for (size_t i = 0; i < t; i++)
        self->params [i] += x [i];
    self->params [t] = isfinite (shift) && fabs (shift) < PROTO_FIT_PARAM_MAX? shift: c;
    self->iterations++;
    if (!self->off && self->round == rel->rounds) {
        memcpy (self->beta, self->params, t * sizeof (double));
        self->done = true;
        rc = 1;
        goto done;
    }
    for (size_t i = 0; i < t; i++)
        if (!(fabs (self->params [i]) <= PROTO_FIT_PARAM_MAX)) {
            rc = s_fail (self, util_asprintf ("coxph(): the fit diverged at iteration %u",
                                              self->iterations));
            goto done;
        }
    rc = 0;
done:
    free (u);
    free (info);
    free (x);
    return rc;
}

int
coord_fit_step (coord_fit_t *self, const int64_t *sum, unsigned contributors)
{
    if (self->done)
        return 1;
    const proto_release_t *rel = self->rel;
    self->last_round = proto_fit_round (rel, coord_fit_kind (self), self->n_params);
    self->round++;
    self->contributors = contributors;
    size_t n = proto_fit_entries (rel, self->last_round);
    for (size_t e = 0; e < n; e++)
        self->last [e] = proto_fit_value (rel, self->last_round, sum, e);
    if (self->round == 1)
        memcpy (self->first, self->last, n * sizeof (double));
    if (self->hist && self->round <= rel->rounds) {
        memcpy (self->hist + (self->round - 1) * rel->entries, self->last, n * sizeof (double));
        memcpy (self->hist_params + (self->round - 1) * (self->t + 1), self->params,
                (self->t + 1) * sizeof (double));
    }
    int rc = self->glm? s_glm_step (self): s_cox_step (self);
    if (rc < 0 && !self->error)
        util_error (UTIL_ENOMEM, "fit: out of memory");
    if (rc == 0 && self->round >= rel->rounds)
        //  Off, every planned round was used without converging.
        rc = s_fail (self, util_asprintf ("%s(): the fit did not converge in %u iterations",
                                          proto_query_kind_name (self->q->kind),
                                          self->iterations));
    return rc;
}

size_t
coord_fit_last_dim (const coord_fit_t *self)
{
    return proto_fit_dim (self->rel, self->last_round);
}

double
coord_fit_left_out (const coord_fit_t *self, double *sd)
{
    size_t e = proto_fit_entries (self->rel, self->last_round) - 1;
    *sd = proto_fit_noise_sd (self->rel, self->last_round, e, self->contributors);
    return self->last [e];
}

//  ---------------------------------------------------------------------------
//  The report

//  d beta_x / d beta_z (t x t): numeric columns were mapped to [-1/2, 1/2]
//  by their public range, levels to -1/2 and 1/2; glm's intercept absorbs
//  the shifts.
static void
s_jacobian (const coord_fit_t *self, double *a)
{
    const proto_query_t *q = self->q;
    size_t t = self->t, k = 0;
    memset (a, 0, t * t * sizeof *a);
    if (self->glm)
        a [k * t + k] = 1, k++;
    for (size_t j = self->glm? 1: 2; j < q->n_terms; j++) {
        const proto_term_t *term = q->terms [j];
        //  z = (x - lo) / range - 1/2, or a level's indicator - 1/2.
        if (!term->categorical) {
            double range = term->hi > term->lo? term->hi - term->lo: 1;
            a [k * t + k] = 1 / range;
            if (self->glm)
                a [0 * t + k] = -term->lo / range - 0.5;
            k++;
            continue;
        }
        for (size_t l = 1; l < term->n_levels; l++, k++) {
            a [k * t + k] = 1;
            if (self->glm)
                a [0 * t + k] = -0.5;
        }
    }
}

//  The DP bootstrap of the whole fit: each draw runs the rounds again,
//  each round's released sums plus a fresh draw of their noise. The first
//  round gives the draw's information and first iterate; each later round
//  its score, moved to the draw's own iterate along that information (the
//  sums were taken at the released iterate; to first order the score at
//  another is the score less the information times the difference), with
//  the same flooring and damping. The draws' covariance (coded units) is
//  added to cov: the noise of every round, as it propagates.
static int
s_bootstrap (const coord_fit_t *self, gsl_rng *rng, double *cov)
{
    const proto_release_t *rel = self->rel;
    size_t t = self->t, n = rel->entries;
    unsigned rounds = self->round;
    proto_fit_round_t r0 = self->glm? PROTO_FIT_START: PROTO_FIT_FULL;
    size_t n_step = rel->step_rounds? proto_fit_entries (rel, PROTO_FIT_STEP): 0;
    double *v = util_calloc (n, sizeof (double)), *f = util_calloc (n, sizeof (double));
    double *h = util_calloc (t * t, sizeof (double)), *g = util_calloc (t, sizeof (double));
    double *x = util_calloc (t, sizeof (double)), *b = util_calloc (t, sizeof (double));
    double *mean = util_calloc (t, sizeof (double)), *m2 = util_calloc (t * t, sizeof (double));
    double *sd = util_calloc (n + n_step, sizeof (double));
    int rc = -1;
    if (!v || !f || !h || !g || !x || !b || !mean || !m2 || !sd)
        goto done;
    for (size_t e = 0; e < n; e++)
        sd [e] = proto_fit_noise_sd (rel, r0, e, self->contributors);
    for (size_t e = 0; e < n_step; e++)
        sd [n + e] = proto_fit_noise_sd (rel, PROTO_FIT_STEP, e, self->contributors);
    double floor = s_info_floor (self);
    size_t good = 0;
    for (int d = 0; d < S_DRAWS; d++) {
        bool ok = true;
        memset (b, 0, t * sizeof (double));
        for (unsigned r = 0; ok && r < rounds; r++) {
            bool first = r == 0, full = first || !rel->step_rounds;
            proto_fit_round_t type = first? r0: full? PROTO_FIT_FULL: PROTO_FIT_STEP;
            const double *at = self->hist_params + r * (t + 1);
            const double *hv = self->hist + r * n;
            size_t m = full? n: n_step;
            double *dst = first? f: v;
            for (size_t e = 0; e < m; e++)
                dst [e] = hv [e] + gsl_ran_gaussian (rng, sd [(full? 0: n) + e]);
            if (self->glm)
                s_glm_blocks (self, type, dst, full? h: NULL, g);
            else {
                double ll;
                int e = s_cox_eval (self, type, dst, f, at, at [t], &ll, g, full? h: NULL);
                if (e == -2)
                    goto done;
                if (e < 0) {
                    ok = false;
                    break;
                }
            }
            if (full && coord_linalg_floor (h, t, floor))
                goto done;
            //  The score at this draw's iterate b, not the round's `at`.
            if (!(first && self->glm))
                for (size_t i = 0; i < t; i++)
                    for (size_t j = 0; j < t; j++)
                        g [i] -= h [i * t + j] * (b [j] - at [j]);
            int s = coord_linalg_solve (h, g, t, x, NULL);
            if (s < 0)
                goto done;
            if (s > 0) {
                ok = false;
                break;
            }
            if (!(first && self->glm))
                s_damp (self, x);
            for (size_t i = 0; i < t; i++)
                b [i] = first && self->glm? x [i]: b [i] + x [i];
        }
        if (!ok)
            continue;
        for (size_t i = 0; i < t; i++) {
            mean [i] += b [i];
            for (size_t j = 0; j < t; j++)
                m2 [i * t + j] += b [i] * b [j];
        }
        good++;
    }
    for (size_t i = 0; good > 1 && i < t; i++)
        for (size_t j = 0; j < t; j++)
            cov [i * t + j] += (m2 [i * t + j] - mean [i] * mean [j] / (double) good)
                             / (double) (good - 1);
    rc = 0;
done:
    free (v); free (f); free (h); free (g); free (x); free (b); free (mean); free (m2);
    free (sd);
    return rc;
}

static json_t *
s_real (double x)
{
    return isfinite (x)? json_real (x): json_null ();
}

static int
s_row (json_t *results, json_t *row)
{
    return row && json_array_append_new (results, row) == 0? 0: -1;
}

static int
s_value_row (json_t *results, const char *statistic, double value)
{
    return s_row (results, json_pack ("{s:s, s:o}", "statistic", statistic, "value",
                                      s_real (value)));
}

static int
s_note (json_t *notes, const char *text)
{
    return text && json_array_append_new (notes, json_string (text)) == 0? 0: -1;
}

int
coord_fit_report (const coord_fit_t *self, char *const *labels, gsl_rng *rng, json_t *results,
                  json_t *notes)
{
    if (self->error || !self->done)
        return s_row (results, json_pack ("{s:s, s:s}", "statistic", "error", "value",
                                          self->error? self->error
                                          : "the fit ended before its last round"));
    const proto_query_t *q = self->q;
    size_t t = self->t;
    double *cov = util_calloc (t * t, sizeof (double)), *a = util_calloc (t * t, sizeof (double));
    double *tmp = util_calloc (t * t, sizeof (double)), *covx = util_calloc (t * t, sizeof (double));
    double *bx = util_calloc (t, sizeof (double)), *one = util_calloc (t, sizeof (double));
    char **names = util_calloc (t, sizeof (char *));
    int rc = -1;
    if (!cov || !a || !tmp || !covx || !bx || !one || !names)
        goto done;
    //  The sampling covariance: the inverse information.
    if (coord_linalg_solve (self->info, one, t, tmp, cov) != 0) {
        rc = s_row (results, json_pack ("{s:s, s:s}", "statistic", "error", "value",
                                        "the information matrix is singular at the estimate"));
        goto done;
    }
    if (!self->off && rng && s_bootstrap (self, rng, cov))
        goto done;
    //  To the data's units: beta_x = A beta_u, cov_x = A cov A'.
    s_jacobian (self, a);
    for (size_t i = 0; i < t; i++) {
        bx [i] = 0;
        for (size_t k = 0; k < t; k++)
            bx [i] += a [i * t + k] * self->beta [k];
    }
    for (size_t i = 0; i < t; i++)
        for (size_t j = 0; j < t; j++) {
            double s = 0;
            for (size_t k = 0; k < t; k++)
                s += a [i * t + k] * cov [k * t + j];
            tmp [i * t + j] = s;
        }
    for (size_t i = 0; i < t; i++)
        for (size_t j = 0; j < t; j++) {
            double s = 0;
            for (size_t k = 0; k < t; k++)
                s += tmp [i * t + k] * a [j * t + k];
            covx [i * t + j] = s;
        }
    //  R's term names.
    size_t k = 0;
    if (self->glm && !(names [k++] = util_strdup ("(Intercept)")))
        goto done;
    for (size_t j = self->glm? 1: 2; j < q->n_terms; j++) {
        const proto_term_t *term = q->terms [j];
        if (!term->categorical) {
            if (!(names [k++] = util_strdup (labels [j])))
                goto done;
            continue;
        }
        for (size_t l = 1; l < term->n_levels; l++)
            if (!(names [k++] = util_asprintf ("%s%s", labels [j], term->levels [l])))
                goto done;
    }
    for (size_t j = 0; j < t; j++) {
        double est = bx [j], se = sqrt (fmax (covx [j * t + j], 0)), z = est / se;
        json_t *row = json_pack ("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
                                 "statistic", "coefficient", "term", names [j],
                                 "estimate", s_real (est), "std_error", s_real (se),
                                 "z", s_real (z), "p_value", s_real (2 * gsl_cdf_ugaussian_Q (fabs (z))),
                                 "conf_low", s_real (est - S_Z975 * se),
                                 "conf_high", s_real (est + S_Z975 * se));
        if (row && !self->glm
        &&  (json_object_set_new (row, "hazard_ratio", s_real (exp (est)))
         ||  json_object_set_new (row, "hr_conf_low", s_real (exp (est - S_Z975 * se)))
         ||  json_object_set_new (row, "hr_conf_high", s_real (exp (est + S_Z975 * se))))) {
            json_decref (row);
            row = NULL;
        }
        if (s_row (results, row))
            goto done;
    }
    double n = self->off? self->n: fmax (round (self->n), 0);
    double p = (double) t;
    //  Under DP the deviances and log-likelihoods rest on sums whose noise
    //  dwarfs them (a record's deviance is clipped to a public bound that
    //  is far above a typical one; the log-likelihood adds every bin's
    //  noisy count times its log risk set): they are not reported.
    double gone = self->off? 0: NAN;
    if (self->glm) {
        double aic = self->binomial? self->deviance + 2 * p
                                   : self->deviance - 2 * self->aic_const + 2 * p;
        double loglik = self->binomial? -self->deviance / 2: self->aic_const - self->deviance / 2;
        aic += gone;
        loglik += gone;
        if (s_value_row (results, "deviance", self->deviance + gone)
        ||  s_value_row (results, "null_deviance", self->null_deviance + gone)
        ||  s_value_row (results, "df_residual", n - p)
        ||  s_value_row (results, "aic", aic)
        ||  s_value_row (results, "loglik", loglik)
        ||  s_value_row (results, "iterations", self->iterations)
        ||  s_value_row (results, "n", n))
            goto done;
    }
    else
    if (s_value_row (results, "loglik", self->loglik + gone)
    ||  s_value_row (results, "loglik_null", self->loglik_null + gone)
    ||  s_value_row (results, "iterations", self->iterations)
    ||  s_value_row (results, "n", n)
    ||  s_value_row (results, "events", self->off? self->events: fmax (round (self->events), 0)))
        goto done;
    if (!self->glm
    &&  s_note (notes, "Ties: the times were placed on the grid's points and the events at one "
                       "point are tied (Breslow). The concordance is not given: it compares "
                       "records pair by pair, which no summed table holds."))
        goto done;
    if (!self->off
    &&  s_note (notes, self->glm? "The deviances, AIC and log-likelihood are not given under DP: "
                                  "their noise dwarfs them."
                                : "The log-likelihoods (and so the likelihood-ratio test) are "
                                  "not given under DP: their noise dwarfs them."))
        goto done;
    if (!self->off) {
        char *line = util_asprintf ("Under DP the fit takes exactly %u rounds (each charged); "
                                    "each std_error and interval adds to the sampling variance "
                                    "the spread of the whole fit under the known noise (a "
                                    "parametric bootstrap of %d draws that runs every round "
                                    "again), and contributions were clipped to public bounds "
                                    "(docs/privacy.md). Counts are noisy.", self->rel->rounds,
                                    S_DRAWS);
        int bad = s_note (notes, line);
        free (line);
        if (bad)
            goto done;
    }
    rc = 0;
done:
    for (size_t j = 0; names && j < t; j++)
        free (names [j]);
    free (names);
    free (cov); free (a); free (tmp); free (covx); free (bx); free (one);
    return rc;
}
