/*  coordinator/fit.c - IRLS and Cox Newton steps from summed rounds, and
    the regression table. */
#include "fit.h"
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
#define S_DP_STEP   2.0                 //  DP: the largest step per coefficient (coded units)

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
    bool last_start;
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
//  Linear algebra on small dense matrices (row-major t x t)

//  a := a with its eigenvalues floored at `floor` (and at 1e-9 of the
//  largest): positive definite. 0 or -1 (no memory).
static int
s_floor_eigen (double *a, size_t t, double floor)
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

//  x := a^-1 b, and inv := a^-1 when not NULL. 0, 1 when a is singular
//  (or nearly: a Cholesky pivot below 1e-7 of the largest), -1 no memory.
static int
s_solve (const double *a, const double *b, size_t t, double *x, double *inv)
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
    size_t t = self->t;
    self->params = util_calloc (t + 1, sizeof (double));
    self->prev = util_calloc (t + 1, sizeof (double));
    self->beta = util_calloc (t, sizeof (double));
    self->info = util_calloc (t * t, sizeof (double));
    self->last = util_calloc (release->entries, sizeof (double));
    if (!self->params || !self->prev || !self->beta || !self->info || !self->last) {
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
    free (self->error);
    free (self);
    *self_p = NULL;
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
    return self->last [proto_fit_offset (self->rel, block, bin) + i];
}

//  Under DP a step (coded units, where every predictor spans [0, 1]) is
//  shortened to at most S_DP_STEP per coefficient: the noise can make the
//  information look small in some direction, and an undamped step there
//  would throw the next round far from the data. Post-processing; the
//  bootstrap damps its draws alike.
static void
s_damp (const coord_fit_t *self, double *x)
{
    if (self->off)
        return;
    double top = 0;
    for (size_t i = 0; i < self->t; i++)
        top = fmax (top, fabs (x [i]));
    double cap = S_DP_STEP;
    if (top > cap)
        for (size_t i = 0; i < self->t; i++)
            x [i] *= cap / top;
}

//  ---------------------------------------------------------------------------
//  glm

//  From values v (logical entries): H (t x t) and G (t) of the round.
static void
s_glm_blocks (const coord_fit_t *self, const double *v, double *h, double *g)
{
    size_t t = self->t;
    s_unpack (v + proto_fit_offset (self->rel, PROTO_BLOCK_H, 0), t, 1, h);
    memcpy (g, v + proto_fit_offset (self->rel, PROTO_BLOCK_G, 0), t * sizeof *g);
}

//  The noise floor of the information's eigenvalues under DP: twice the
//  noise matrix's expected spectral norm (2 sd sqrt(t)), as glm(gaussian).
static double
s_info_floor (const coord_fit_t *self, proto_fit_block_t block)
{
    if (self->off || !self->glm)
        return 0;               //  coxph: made positive definite only
    size_t e = proto_fit_offset (self->rel, block, 0);
    return 2 * proto_fit_noise_sd (self->rel, e, self->last_start, self->contributors)
           * sqrt ((double) self->t);
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
    bool start = self->round == 1;
    double dev = s_at (self, PROTO_BLOCK_DEV, 0, 0), null_dev = s_at (self, PROTO_BLOCK_NULL_DEV, 0, 0);
    double nh = s_at (self, PROTO_BLOCK_NULL_H, 0, 0), ng = s_at (self, PROTO_BLOCK_NULL_G, 0, 0);
    s_glm_blocks (self, self->last, h, g);
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
    //  The step: start, beta = H^-1 X'Wz; later beta += H^-1 score.
    if (!self->off && s_floor_eigen (h, t, s_info_floor (self, PROTO_BLOCK_H)))
        goto done;
    int s = s_solve (h, g, t, x, NULL);
    if (s < 0)
        goto done;
    if (s == 0 && !start)
        s_damp (self, x);
    if (s > 0) {
        rc = s_fail (self, util_strdup ("glm(): the design is singular (collinear columns, or a "
                                        "level no record has)"));
        goto done;
    }
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

//  Breslow's log partial likelihood, score and information from the
//  per-bin sums `v` (logical values) at the round's beta and shift c.
//  S0 is floored at 1 (and made non-increasing) and D at 0 under DP, which
//  is post-processing. Returns -1 when no bin has an event and a risk set.
static int
s_cox_eval (const coord_fit_t *self, const double *v, const double *beta, double c,
            double *ll, double *u, double *info)
{
    const proto_release_t *rel = self->rel;
    size_t t = self->t, tri = t * (t + 1) / 2;
    double s0 = 0, *s1 = util_calloc (t, sizeof (double)), *s2 = util_calloc (tri, sizeof (double));
    if (!s1 || !s2) {
        free (s1);
        free (s2);
        return -2;
    }
    size_t e1 = proto_fit_offset (rel, PROTO_BLOCK_E1, 0);
    *ll = 0;
    for (size_t i = 0; i < t; i++) {
        u [i] = v [e1 + i];
        *ll += beta [i] * v [e1 + i];
    }
    memset (info, 0, t * t * sizeof *info);
    bool any = false;
    double floor_s0 = 0;
    for (size_t b = rel->bins; b-- > 0; ) {
        size_t r0 = proto_fit_offset (rel, PROTO_BLOCK_R0, b);
        s0 += v [r0];
        for (size_t i = 0; i < t; i++)
            s1 [i] += v [r0 + 1 + i];
        for (size_t k = 0; k < tri; k++)
            s2 [k] += v [r0 + 1 + t + k];
        double d = v [proto_fit_offset (rel, PROTO_BLOCK_D, b)];
        double s0b = s0;
        if (!self->off) {
            d = d > 0? d: 0;
            floor_s0 = fmax (floor_s0, fmax (s0b, 1));
            s0b = floor_s0;
        }
        if (!(d > 0) || !(s0b > 0))
            continue;
        any = true;
        *ll -= d * (log (s0b) + c);
        size_t at = 0;
        for (size_t i = 0; i < t; i++) {
            double mi = s1 [i] / s0b;
            u [i] -= d * mi;
            for (size_t j = i; j < t; j++) {
                double a = d * (s2 [at++] / s0b - mi * s1 [j] / s0b);
                info [i * t + j] += a;
                if (j != i)
                    info [j * t + i] += a;
            }
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
    int e = s_cox_eval (self, self->last, self->params, c, &ll, u, info);
    if (e == -2)
        goto done;
    if (e < 0) {
        rc = s_fail (self, util_strdup ("coxph(): no event has a risk set (no events?)"));
        goto done;
    }
    self->n = s_at (self, PROTO_BLOCK_N, 0, 0);
    self->events = 0;
    for (size_t b = 0; b < rel->bins; b++)
        self->events += s_at (self, PROTO_BLOCK_D, b, 0);
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
    memcpy (self->info, info, t * t * sizeof (double));
    self->loglik = ll;
    if (self->off && self->round > 1 && fabs (1 - self->ll_old / ll) <= S_COX_EPS) {
        self->converged = self->done = true;
        rc = 1;
        goto done;
    }
    if (self->off && self->iterations >= self->maxit) {
        rc = s_fail (self, util_asprintf ("coxph(): the fit did not converge in %u iterations (a "
                                          "covariate that separates the events, or a level "
                                          "without events?)", self->iterations));
        goto done;
    }
    if (!self->off) {
        //  The noisy information, made positive definite, is the
        //  estimate's.
        if (s_floor_eigen (info, t, s_info_floor (self, PROTO_BLOCK_R2)))
            goto done;
        memcpy (self->info, info, t * t * sizeof (double));
    }
    int s = s_solve (info, u, t, x, NULL);
    if (s < 0)
        goto done;
    if (s == 0)
        s_damp (self, x);
    if (s > 0) {
        rc = s_fail (self, util_strdup ("coxph(): the design is singular (collinear covariates, "
                                        "or a level no record has)"));
        goto done;
    }
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
    self->round++;
    self->last_start = self->glm && self->n_params == 0;
    self->contributors = contributors;
    for (size_t e = 0; e < rel->entries; e++)
        self->last [e] = proto_fit_value (rel, sum, e, self->last_start);
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

//  ---------------------------------------------------------------------------
//  The report

//  d beta_x / d beta_u (t x t): numeric columns were mapped to [0, 1] by
//  their public range; glm's intercept absorbs the lower bounds.
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
        if (!term->categorical) {
            double range = term->hi > term->lo? term->hi - term->lo: 1;
            a [k * t + k] = 1 / range;
            if (self->glm)
                a [0 * t + k] = -term->lo / range;
            k++;
            continue;
        }
        for (size_t l = 1; l < term->n_levels; l++, k++)
            a [k * t + k] = 1;
    }
}

//  The DP bootstrap: the spread of the last step under draws of the noise
//  on the last round's sums, added to cov (coded units). The step's
//  starting point is fixed, so the spread is that of the step itself.
static int
s_bootstrap (const coord_fit_t *self, gsl_rng *rng, double *cov)
{
    const proto_release_t *rel = self->rel;
    size_t t = self->t, n = rel->entries;
    double *v = util_calloc (n, sizeof (double)), *h = util_calloc (t * t, sizeof (double));
    double *g = util_calloc (t, sizeof (double)), *x = util_calloc (t, sizeof (double));
    double *mean = util_calloc (t, sizeof (double)), *m2 = util_calloc (t * t, sizeof (double));
    double *sd = util_calloc (n, sizeof (double));
    int rc = -1;
    if (!v || !h || !g || !x || !mean || !m2 || !sd)
        goto done;
    for (size_t e = 0; e < n; e++)
        sd [e] = proto_fit_noise_sd (rel, e, self->last_start, self->contributors);
    size_t good = 0;
    for (int r = 0; r < S_DRAWS; r++) {
        for (size_t e = 0; e < n; e++)
            v [e] = self->last [e] + gsl_ran_gaussian (rng, sd [e]);
        int s = 0;
        if (self->glm)
            s_glm_blocks (self, v, h, g);
        else {
            double ll;
            //  cox: evaluated where the last round was (prev: beta, shift).
            int e = s_cox_eval (self, v, self->prev, self->prev [t], &ll, g, h);
            if (e == -2)
                goto done;
            s = e < 0;
        }
        if (!s && s_floor_eigen (h, t, s_info_floor (self, self->glm? PROTO_BLOCK_H
                                                                     : PROTO_BLOCK_R2)))
            goto done;
        if (!s && (s = s_solve (h, g, t, x, NULL)) < 0)
            goto done;
        if (s)
            continue;
        if (!(self->glm && self->last_start))
            s_damp (self, x);
        for (size_t i = 0; i < t; i++) {
            mean [i] += x [i];
            for (size_t j = 0; j < t; j++)
                m2 [i * t + j] += x [i] * x [j];
        }
        good++;
    }
    for (size_t i = 0; good > 1 && i < t; i++)
        for (size_t j = 0; j < t; j++)
            cov [i * t + j] += (m2 [i * t + j] - mean [i] * mean [j] / (double) good)
                             / (double) (good - 1);
    rc = 0;
done:
    free (v); free (h); free (g); free (x); free (mean); free (m2); free (sd);
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
    if (s_solve (self->info, one, t, tmp, cov) != 0) {
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
    if (self->glm) {
        double aic = self->binomial? self->deviance + 2 * p
                                   : self->deviance - 2 * self->aic_const + 2 * p;
        double loglik = self->binomial? -self->deviance / 2: self->aic_const - self->deviance / 2;
        if (s_value_row (results, "deviance", self->deviance)
        ||  s_value_row (results, "null_deviance", self->null_deviance)
        ||  s_value_row (results, "df_residual", n - p)
        ||  s_value_row (results, "aic", aic)
        ||  s_value_row (results, "loglik", loglik)
        ||  s_value_row (results, "iterations", self->iterations)
        ||  s_value_row (results, "n", n))
            goto done;
    }
    else
    if (s_value_row (results, "loglik", self->loglik)
    ||  s_value_row (results, "loglik_null", self->loglik_null)
    ||  s_value_row (results, "iterations", self->iterations)
    ||  s_value_row (results, "n", n)
    ||  s_value_row (results, "events", self->off? self->events: fmax (round (self->events), 0)))
        goto done;
    if (!self->glm
    &&  s_note (notes, "Ties: the times were placed on the grid's points and the events at one "
                       "point are tied (Breslow). The concordance is not given: it compares "
                       "records pair by pair, which no summed table holds."))
        goto done;
    if (!self->off) {
        char *line = util_asprintf ("Under DP the fit takes exactly %u rounds (each charged), the "
                                    "last step's estimate is the result, and each std_error adds "
                                    "to the sampling variance the spread of that step under the "
                                    "known noise (a parametric bootstrap of %d draws); the "
                                    "deviance, log-likelihood and counts are noisy, and "
                                    "contributions were clipped to public bounds "
                                    "(docs/privacy.md).", self->rel->rounds, S_DRAWS);
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
