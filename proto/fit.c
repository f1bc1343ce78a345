/*  proto/fit.c - an iterative fit's round: layout, bounds, and one record's
    contribution at the round's parameters. */
#include "fit.h"
#include "util/error.h"

#include <math.h>
#include <string.h>

bool
proto_fit_is (const proto_release_t *self)
{
    return self->kind == PROTO_RELEASE_FIT;
}

//  T: the coded columns (glm with its intercept).
static size_t
s_cols (const proto_release_t *self)
{
    return self->query->kind == PROTO_Q_GLM? self->columns + 1: self->columns;
}

static size_t
s_tri (size_t t)
{
    return t * (t + 1) / 2;
}

//  coxph: logical entries per bin in a round of this type. Privacy off,
//  R0, R1, R2 and D per bin; under DP R2 is one global block (see
//  proto/fit.h), so a bin is R0, R1 and D; a STEP's bin R0 and R1.
static size_t
s_per_bin (const proto_release_t *self, proto_fit_round_t round)
{
    size_t t = s_cols (self);
    return round == PROTO_FIT_STEP? 1 + t: self->off? 2 + t + s_tri (t): 2 + t;
}

void
proto_fit_layout (proto_release_t *self)
{
    const proto_query_t *q = self->query;
    bool glm = q->kind == PROTO_Q_GLM;
    size_t t = s_cols (self);
    bool binomial = glm && q->family == PROTO_FAMILY_BINOMIAL;
    if (glm) {
        self->cells = s_tri (t) + t + 6;
        self->step_cells = t + 6;
        //  The deviances and CONST weigh PROTO_FIT_GLM_WDEV (binomial's
        //  CONST is always 0: no record fills it).
        double wd = PROTO_FIT_GLM_WDEV * PROTO_FIT_GLM_WDEV;
        double rest = 2 * wd + (binomial? 0: wd) + 3;   //  + NULL_H, NULL_G, N
        self->norm2 = (double) (s_tri (t) + t) + rest;
        self->step_norm2 = (double) t + rest;
    }
    else {
        //  Capped: bins <= PROTO_QUERY_BREAKS_MAX, t <= 128. A record fills
        //  one bin's blocks, E1 and N.
        self->bins = q->n_breaks + 1;
        self->cells = self->bins * s_per_bin (self, PROTO_FIT_FULL) + (self->off? 0: s_tri (t))
                    + t + 1;
        self->step_cells = self->bins * (1 + t) + 1;
        double w1 = PROTO_FIT_COX_W1, w2 = PROTO_FIT_COX_W2;
        self->norm2 = 1 + (double) t * w1 * w1 + (double) s_tri (t) * w2 * w2 + 1
                    + (double) t * w1 * w1 + 1;
        self->step_norm2 = 1 + (double) t * w1 * w1 + 1;
    }
    unsigned maxit = glm? PROTO_FIT_GLM_MAXIT: PROTO_FIT_COX_MAXIT;
    unsigned it = q->iterations? q->iterations: self->off? maxit: PROTO_FIT_DP_ROUNDS;
    //  Off, one more round than iterations: the last one only tells that
    //  the fit converged (its deviance).
    self->rounds = self->off? it + 1: it;
    //  Under DP the later rounds are STEPs (the score only): the first
    //  round's information serves every step. Its noise, not its
    //  movement with beta, is what limits a DP fit (coxph's too).
    self->step_rounds = self->off? 0: it - 1;
    self->step_entries = self->step_rounds? self->step_cells + 1: 0;
}

proto_fit_round_t
proto_fit_round (const proto_release_t *self, int kind, size_t n)
{
    if (kind == COHORT__ROUND_KIND__ROUND_KIND_FIT_STEP)
        return PROTO_FIT_STEP;
    return self->query->kind == PROTO_Q_GLM && n == 0? PROTO_FIT_START: PROTO_FIT_FULL;
}

size_t
proto_fit_entries (const proto_release_t *self, proto_fit_round_t round)
{
    return round == PROTO_FIT_STEP? self->step_cells + 1: self->entries;
}

size_t
proto_fit_dim (const proto_release_t *self, proto_fit_round_t round)
{
    return proto_fit_entries (self, round) * self->limbs;
}

size_t
proto_fit_offset (const proto_release_t *self, proto_fit_round_t round, proto_fit_block_t block,
                  size_t bin)
{
    size_t t = s_cols (self), entries = proto_fit_entries (self, round);
    bool step = round == PROTO_FIT_STEP;
    if (block == PROTO_BLOCK_LEFT)
        return entries - 1;
    if (self->query->kind == PROTO_Q_GLM) {
        size_t g = step? 0: s_tri (t);
        switch (block) {
            case PROTO_BLOCK_H:        return 0;
            case PROTO_BLOCK_G:        return g;
            case PROTO_BLOCK_DEV:      return g + t;
            case PROTO_BLOCK_NULL_H:   return g + t + 1;
            case PROTO_BLOCK_NULL_G:   return g + t + 2;
            case PROTO_BLOCK_NULL_DEV: return g + t + 3;
            case PROTO_BLOCK_CONST:    return g + t + 4;
            case PROTO_BLOCK_N:        return g + t + 5;
            default:                   return entries - 1;
        }
    }
    size_t per = s_per_bin (self, round), base = bin * per, all = self->bins * per;
    //  Off, R2 is per bin; under DP one block after the bins.
    size_t global = self->off? 0: s_tri (t);
    switch (block) {
        case PROTO_BLOCK_R0: return base;
        case PROTO_BLOCK_R1: return base + 1;
        case PROTO_BLOCK_R2: return self->off? base + 1 + t: all;
        case PROTO_BLOCK_D:  return base + 1 + t + (self->off? s_tri (t): 0);
        case PROTO_BLOCK_E1: return all + global;
        case PROTO_BLOCK_N:  return step? all: all + global + t;
        default:             return entries - 1;
    }
}

proto_fit_block_t
proto_fit_block (const proto_release_t *self, proto_fit_round_t round, size_t entry)
{
    size_t t = s_cols (self);
    bool step = round == PROTO_FIT_STEP;
    if (entry + 1 >= proto_fit_entries (self, round))
        return PROTO_BLOCK_LEFT;
    if (self->query->kind == PROTO_Q_GLM) {
        size_t g = step? 0: s_tri (t);
        if (entry < g)
            return PROTO_BLOCK_H;
        if (entry < g + t)
            return PROTO_BLOCK_G;
        static const proto_fit_block_t rest [] = {
            PROTO_BLOCK_DEV, PROTO_BLOCK_NULL_H, PROTO_BLOCK_NULL_G, PROTO_BLOCK_NULL_DEV,
            PROTO_BLOCK_CONST, PROTO_BLOCK_N
        };
        return rest [entry - g - t];
    }
    size_t per = s_per_bin (self, round), all = self->bins * per;
    size_t global = step || self->off? 0: s_tri (t);
    if (entry >= all)
        return step? PROTO_BLOCK_N: entry < all + global? PROTO_BLOCK_R2
             : entry < all + global + t? PROTO_BLOCK_E1: PROTO_BLOCK_N;
    size_t in = entry % per;
    if (in == 0)
        return PROTO_BLOCK_R0;
    if (in <= t)
        return PROTO_BLOCK_R1;
    return self->off && in <= t + s_tri (t)? PROTO_BLOCK_R2: PROTO_BLOCK_D;
}

size_t
proto_fit_params (const proto_release_t *self, proto_fit_round_t round)
{
    return round == PROTO_FIT_START? 0: s_cols (self) + 1;
}

int
proto_fit_check_params (const proto_release_t *self, proto_fit_round_t round,
                        const double *params, size_t n)
{
    size_t want = proto_fit_params (self, round);
    if (n != want)
        return util_error (UTIL_EINPUT, "fit: a round carries %zu parameters; this round of "
                           "%s() takes %zu", n, proto_query_kind_name (self->query->kind), want);
    if (round == PROTO_FIT_STEP && (self->off || !self->step_rounds))
        return util_error (UTIL_EINPUT, "fit: a score-only round for a fit that has none");
    for (size_t i = 0; i < n; i++)
        if (!(fabs (params [i]) <= PROTO_FIT_PARAM_MAX))
            return util_error (UTIL_EINPUT, "fit: parameter %zu is %g, not a finite number of "
                               "size at most %g", i + 1, params [i], PROTO_FIT_PARAM_MAX);
    return 0;
}

//  Largest |value| over the public range of a numeric term (an offset).
static double
s_abs_max (const proto_term_t *term)
{
    return term? fmax (fabs (term->lo), fabs (term->hi)): 0;
}

//  The outcome's public upper bound (poisson).
static double
s_y_hi (const proto_release_t *self)
{
    const proto_term_t *y = self->query->terms [0];
    return y->categorical? (double) (y->n_levels - 1): y->hi;
}

static double
s_w_hi (const proto_release_t *self)
{
    const proto_term_t *w = self->query->weights;
    return w? fmax (w->hi, 0): 1;
}

//  DP poisson: mu is clipped to [PROTO_FIT_MU_FLOOR, this].
static double
s_mu_hi (const proto_release_t *self)
{
    return fmax (s_y_hi (self), 1) * 2;
}

//  max over integer y in [0, hi] of |y log y - y - lgamma(y + 1)|, which
//  grows like log(2 pi y) / 2: at y = hi for y >= 1.
static double
s_const_bound (double hi)
{
    double y = floor (fmax (hi, 1));
    return fmax (fabs (y * log (y) - y - lgamma (y + 1)), 1);
}

//  A block's bound for a coefficient of size 1 (the intercept's column).
static double
s_block_bound (const proto_release_t *self, proto_fit_block_t block, bool start)
{
    const proto_query_t *q = self->query;
    if (q->kind == PROTO_Q_COX) {
        double e = exp (PROTO_FIT_COX_CLIP);
        //  Under DP R2 is released in the first round only, at beta = 0
        //  and c = 0 where every weight is 1: z z', bound 1 (times the
        //  columns'), not e^clip.
        return block == PROTO_BLOCK_R0 || block == PROTO_BLOCK_R1? e
             : block == PROTO_BLOCK_R2? (self->off? e: 1): 1;
    }
    double w = s_w_hi (self), off = s_abs_max (q->offset);
    bool binomial = q->family == PROTO_FAMILY_BINOMIAL;
    double y_hi = s_y_hi (self), mu_hi = s_mu_hi (self);
    switch (block) {
        case PROTO_BLOCK_H:
        case PROTO_BLOCK_NULL_H:
            return w * (binomial? 0.25: start? y_hi + 0.1: mu_hi);
        case PROTO_BLOCK_G:
        case PROTO_BLOCK_NULL_G:
            if (start)
                //  R's X'W z_work from mustart: W (eta_s - offset) + w (y - mu_s).
                return binomial? w * (0.25 * (log (2 * w + 1) + off) + 1)
                               : w * ((y_hi + 0.1) * (fabs (log (y_hi + 0.1)) + fabs (log (0.1))
                                                      + off) + 0.1);
            return w * (binomial? 1: fmax (y_hi, mu_hi));
        case PROTO_BLOCK_DEV:
        case PROTO_BLOCK_NULL_DEV:
            return w * (binomial? PROTO_FIT_DEV_CLIP
                                : 2 * (y_hi * log (fmax (y_hi, 1) / PROTO_FIT_MU_FLOOR) + mu_hi));
        case PROTO_BLOCK_CONST:
            return binomial? 1: w * s_const_bound (y_hi);
        default:
            return 1;
    }
}

//  A block's weight: its entries are clamped to [-w, w] in the noise's
//  units, so a block of weight w has 1/w times the noise of weight 1 and
//  adds w^2 per entry to the sensitivity's square. coxph's risk-set and
//  event counts (R0, D) carry its estimate; its covariate sums (R1, E1,
//  and more so the information's R2) weigh less. glm's deviances and CONST
//  serve the report only (not the steps): they weigh least.
static double
s_weight (const proto_release_t *self, proto_fit_block_t block)
{
    if (self->query->kind != PROTO_Q_COX)
        return block == PROTO_BLOCK_DEV || block == PROTO_BLOCK_NULL_DEV
            || block == PROTO_BLOCK_CONST? PROTO_FIT_GLM_WDEV: 1;
    return block == PROTO_BLOCK_R1 || block == PROTO_BLOCK_E1? PROTO_FIT_COX_W1
         : block == PROTO_BLOCK_R2? PROTO_FIT_COX_W2: 1;
}

//  One entry: v in the data's units, into logical entry e. Privacy off:
//  three slots, or -1 past the range. DP: clamped to the block's bound.
static int
s_put (const proto_release_t *self, int64_t *acc, size_t e, double v, double bound, double w)
{
    if (self->off) {
        if (!(fabs (v) < PROTO_FIT_OFF_RANGE))
            return util_error (UTIL_ELIMIT, "fit: a record's contribution is past the "
                               "fixed-point range: the fit diverged");
        int64_t x = (int64_t) llround (ldexp (v, PROTO_FIT_OFF_FRAC));
        int64_t mask = ((int64_t) 1 << PROTO_RELEASE_LIMB_BITS) - 1;
        acc [3 * e] += x >> (2 * PROTO_RELEASE_LIMB_BITS);
        acc [3 * e + 1] += (x >> PROTO_RELEASE_LIMB_BITS) & mask;
        acc [3 * e + 2] += x & mask;
        return 0;
    }
    double u = v / bound * w;
    u = isnan (u)? 0: u < -w? -w: u > w? w: u;
    acc [e] += (int64_t) llround (ldexp (u, (int) self->frac_bits));
    return 0;
}

//  z: the record's coded columns (glm: 1 first). Returns T.
static size_t
s_code (const proto_release_t *self, const double *record, double *z)
{
    const proto_query_t *q = self->query;
    size_t k = 0;
    if (q->kind == PROTO_Q_GLM)
        z [k++] = 1;
    for (size_t j = q->kind == PROTO_Q_GLM? 1: 2; j < q->n_terms; j++) {
        const proto_term_t *t = q->terms [j];
        if (!t->categorical) {
            double x = proto_term_eval (t, record);
            double u = t->hi > t->lo? (x - t->lo) / (t->hi - t->lo): 0;
            z [k++] = (u < 0? 0: u > 1? 1: u) - 0.5;
            continue;
        }
        size_t level = (size_t) proto_term_eval (t, record);
        for (size_t l = 1; l < t->n_levels; l++)
            z [k++] = (level == l) - 0.5;
    }
    return k;
}

//  The largest |z_i| of column i: the intercept's 1, the others' 1/2.
static double
s_col (const proto_release_t *self, size_t i)
{
    return self->query->kind == PROTO_Q_GLM && i == 0? 1: 0.5;
}

//  The row and column of entry k of an upper triangle (row by row) of t.
static void
s_tri_at (size_t k, size_t t, size_t *i, size_t *j)
{
    size_t row = 0;
    while (k >= t - row) {
        k -= t - row;
        row++;
    }
    *i = row;
    *j = row + k;
}

double
proto_fit_bound (const proto_release_t *self, proto_fit_round_t round, size_t entry)
{
    proto_fit_block_t block = proto_fit_block (self, round, entry);
    double b = s_block_bound (self, block, round == PROTO_FIT_START) / s_weight (self, block);
    size_t t = s_cols (self), i, j, per = s_per_bin (self, round);
    switch (block) {
        case PROTO_BLOCK_H:
            s_tri_at (entry - proto_fit_offset (self, round, PROTO_BLOCK_H, 0), t, &i, &j);
            return b * s_col (self, i) * s_col (self, j);
        case PROTO_BLOCK_R2: {
            size_t bin = self->off? entry / per: 0;
            s_tri_at (entry - proto_fit_offset (self, round, PROTO_BLOCK_R2, bin), t, &i, &j);
            return b * s_col (self, i) * s_col (self, j);
        }
        case PROTO_BLOCK_G:
            return b * s_col (self, entry - proto_fit_offset (self, round, PROTO_BLOCK_G, 0));
        case PROTO_BLOCK_R1: {
            size_t bin = entry / per;
            return b * s_col (self, entry - proto_fit_offset (self, round, PROTO_BLOCK_R1, bin));
        }
        case PROTO_BLOCK_E1:
            return b * s_col (self, entry - proto_fit_offset (self, round, PROTO_BLOCK_E1, 0));
        default:
            return b;
    }
}

//  Adds W z z' (upper triangle) at logical entry e.
static int
s_put_tri (const proto_release_t *self, int64_t *acc, size_t e, const double *z, size_t t,
           double w, double bound, double weight)
{
    for (size_t i = 0; i < t; i++)
        for (size_t j = i; j < t; j++)
            if (s_put (self, acc, e++, w * z [i] * z [j],
                       bound * s_col (self, i) * s_col (self, j), weight))
                return -1;
    return 0;
}

//  The unit deviance w d(y, mu).
static double
s_dev (bool binomial, double y, double mu, double w)
{
    if (binomial) {
        double a = y > 0? y * log (y / mu): 0;
        double b = y < 1? (1 - y) * log ((1 - y) / (1 - mu)): 0;
        return 2 * w * (a + b);
    }
    return 2 * w * ((y > 0? y * log (y / mu): 0) - (y - mu));
}

//  mu for the linear predictor eta; DP clips poisson's to public range.
static double
s_mu (const proto_release_t *self, bool binomial, double eta)
{
    if (binomial)
        return eta >= 0? 1 / (1 + exp (-eta)): exp (eta) / (1 + exp (eta));
    double mu = exp (eta);
    if (self->off)
        return mu;
    double hi = s_mu_hi (self);
    return mu < PROTO_FIT_MU_FLOOR? PROTO_FIT_MU_FLOOR: mu > hi? hi: mu;
}

//  One model's blocks (H, G, DEV at h, g, dev; h is SIZE_MAX in a STEP
//  round, which has no H) for a record at eta, or at R's mustart in the
//  START round.
static int
s_glm_model (const proto_release_t *self, int64_t *acc, const double *z, size_t t, double y,
             double w, double offset, proto_fit_round_t round, double eta, size_t h, size_t g,
             size_t dev)
{
    bool binomial = self->query->family == PROTO_FAMILY_BINOMIAL;
    bool start = round == PROTO_FIT_START;
    double mu, W, gz;
    if (start) {
        //  R's initialize: binomial mustart = (w y + 0.5) / (w + 1),
        //  poisson y + 0.1; eta = link(mustart); the working response
        //  z_work = eta - offset + (y - mu) / mu.eta.
        mu = binomial? (w * y + 0.5) / (w + 1): y + 0.1;
        double e = binomial? log (mu / (1 - mu)): log (mu);
        double var = binomial? mu * (1 - mu): mu;
        W = w * var;
        gz = W * (e - offset) + w * (y - mu);
    }
    else {
        mu = s_mu (self, binomial, eta);
        W = w * (binomial? mu * (1 - mu): mu);
        gz = w * (y - mu);
    }
    double bh = s_block_bound (self, PROTO_BLOCK_H, start);
    double bg = s_block_bound (self, PROTO_BLOCK_G, start);
    double bd = s_block_bound (self, PROTO_BLOCK_DEV, start);
    if (h != SIZE_MAX && s_put_tri (self, acc, h, z, t, W, bh, 1))
        return -1;
    for (size_t i = 0; i < t; i++)
        if (s_put (self, acc, g + i, gz * z [i], bg * s_col (self, i), 1))
            return -1;
    return s_put (self, acc, dev, s_dev (binomial, y, mu, w), bd, PROTO_FIT_GLM_WDEV);
}

static int
s_glm_add (const proto_release_t *self, proto_fit_round_t round, const double *record,
           const double *params, int64_t *acc)
{
    const proto_query_t *q = self->query;
    double z [PROTO_GLM_COLUMNS_MAX + 1];
    size_t t = s_code (self, record, z);
    bool start = round == PROTO_FIT_START;
    double y = proto_term_eval (q->terms [0], record);
    double w = q->weights? proto_term_eval (q->weights, record): 1;
    double offset = q->offset? proto_term_eval (q->offset, record): 0;
    w = w > 0? w: 0;
    bool binomial = q->family == PROTO_FAMILY_BINOMIAL;
    y = binomial? (y < 0? 0: y > 1? 1: y): (y < 0? 0: y);
    double eta = offset, eta0 = offset;
    if (!start) {
        for (size_t i = 0; i < t; i++)
            eta += params [i] * z [i];
        eta0 += params [t];
    }
    size_t h = round == PROTO_FIT_STEP? SIZE_MAX: proto_fit_offset (self, round, PROTO_BLOCK_H, 0);
    if (s_glm_model (self, acc, z, t, y, w, offset, round, eta, h,
                     proto_fit_offset (self, round, PROTO_BLOCK_G, 0),
                     proto_fit_offset (self, round, PROTO_BLOCK_DEV, 0)))
        return -1;
    //  The intercept-only model: its H is one entry in every round.
    double one = 1;
    if (s_glm_model (self, acc, &one, 1, y, w, offset, round, eta0,
                     proto_fit_offset (self, round, PROTO_BLOCK_NULL_H, 0),
                     proto_fit_offset (self, round, PROTO_BLOCK_NULL_G, 0),
                     proto_fit_offset (self, round, PROTO_BLOCK_NULL_DEV, 0)))
        return -1;
    double c = binomial? 0: w * ((y > 0? y * log (y): 0) - y - lgamma (y + 1));
    if (s_put (self, acc, proto_fit_offset (self, round, PROTO_BLOCK_CONST, 0), c,
               s_block_bound (self, PROTO_BLOCK_CONST, start), PROTO_FIT_GLM_WDEV))
        return -1;
    return s_put (self, acc, proto_fit_offset (self, round, PROTO_BLOCK_N, 0), 1, 1, 1);
}

static int
s_cox_add (const proto_release_t *self, proto_fit_round_t round, const double *record,
           const double *params, int64_t *acc)
{
    const proto_query_t *q = self->query;
    double z [PROTO_GLM_COLUMNS_MAX];
    size_t t = s_code (self, record, z);
    size_t bin = proto_release_km_bin (q, proto_term_eval (q->terms [0], record));
    bool event = proto_term_eval (q->terms [1], record) == 1;
    double eta = -params [t];
    for (size_t i = 0; i < t; i++)
        eta += params [i] * z [i];
    double r = exp (eta);
    if (!self->off && !(r <= exp (PROTO_FIT_COX_CLIP)))
        r = exp (PROTO_FIT_COX_CLIP);
    double b = s_block_bound (self, PROTO_BLOCK_R0, false);
    if (s_put (self, acc, proto_fit_offset (self, round, PROTO_BLOCK_R0, bin), r, b, 1))
        return -1;
    size_t r1 = proto_fit_offset (self, round, PROTO_BLOCK_R1, bin);
    for (size_t i = 0; i < t; i++)
        if (s_put (self, acc, r1 + i, r * z [i], b * s_col (self, i), PROTO_FIT_COX_W1))
            return -1;
    if (round != PROTO_FIT_STEP) {
        if (s_put_tri (self, acc, proto_fit_offset (self, round, PROTO_BLOCK_R2, bin), z, t,
                       self->off? r: 1, s_block_bound (self, PROTO_BLOCK_R2, false),
                       PROTO_FIT_COX_W2))
            return -1;
        if (event) {
            if (s_put (self, acc, proto_fit_offset (self, round, PROTO_BLOCK_D, bin), 1, 1, 1))
                return -1;
            size_t e1 = proto_fit_offset (self, round, PROTO_BLOCK_E1, 0);
            for (size_t i = 0; i < t; i++)
                if (s_put (self, acc, e1 + i, z [i], s_col (self, i), PROTO_FIT_COX_W1))
                    return -1;
        }
    }
    return s_put (self, acc, proto_fit_offset (self, round, PROTO_BLOCK_N, 0), 1, 1, 1);
}

int
proto_fit_add (const proto_release_t *self, proto_fit_round_t round, const double *record,
               const double *params, size_t n_params, int64_t *acc)
{
    const proto_query_t *q = self->query;
    //  params is read up to its T + 1st entry: the count is checked here,
    //  not only by the caller (proto_fit_check_params checks the values).
    if (n_params != proto_fit_params (self, round))
        return util_error (UTIL_EINPUT, "fit: a round of %s() takes %zu parameters, not %zu",
                           proto_query_kind_name (q->kind), proto_fit_params (self, round),
                           n_params);
    if (!proto_query_complete (q, record)) {
        if (s_put (self, acc, proto_fit_entries (self, round) - 1, 1, 1, 1))
            return -1;
        return 2;
    }
    if (!proto_cond_eval (q->where, record))
        return 0;
    int rc = q->kind == PROTO_Q_GLM? s_glm_add (self, round, record, params, acc)
                                   : s_cox_add (self, round, record, params, acc);
    return rc? -1: 1;
}

double
proto_fit_value (const proto_release_t *self, proto_fit_round_t round, const int64_t *sum,
                 size_t entry)
{
    if (self->off) {
        const __int128 limb = (__int128) 1 << PROTO_RELEASE_LIMB_BITS;
        __int128 v = ((__int128) sum [3 * entry] * limb + sum [3 * entry + 1]) * limb
                   + sum [3 * entry + 2];
        return ldexp ((double) v, -PROTO_FIT_OFF_FRAC);
    }
    return ldexp ((double) sum [entry], -(int) self->frac_bits)
           * proto_fit_bound (self, round, entry);
}

double
proto_fit_noise_sd (const proto_release_t *self, proto_fit_round_t round, size_t entry,
                    unsigned contributors)
{
    if (self->off)
        return 0;
    uint64_t s2 = round == PROTO_FIT_STEP? self->step_sigma2: self->local_sigma2;
    return ldexp (sqrt ((double) contributors * (double) s2), -(int) self->frac_bits)
           * proto_fit_bound (self, round, entry);
}
