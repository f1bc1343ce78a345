/*  proto/release.c - a query's release: layout, sensitivity, noise, and one
    record's contribution. */
#include "release.h"
#include "fit.h"
#include "plan.h"
#include "util/error.h"
#include "dp/rational.h"

#include <math.h>
#include <string.h>

size_t
proto_release_tree_nodes (void)
{
    size_t n = 0, width = 1;
    for (int l = 0; l < PROTO_TREE_DEPTH; l++) {
        width *= PROTO_TREE_BRANCH;
        n += width;
    }
    return n;
}

//  Logical entries per group, and whether they are moments.
static int
s_layout (proto_release_t *self, const proto_query_t *q)
{
    size_t m = q->n_terms;
    self->kind = PROTO_RELEASE_COUNTS;
    switch (q->kind) {
        case PROTO_Q_COUNT:
            self->cells = 1;
            break;
        case PROTO_Q_HISTOGRAM:
            self->cells = q->n_breaks - 1;
            break;
        case PROTO_Q_CROSSTAB:
            self->cells = q->terms [0]->n_levels * (m > 1? q->terms [1]->n_levels: 1);
            break;
        case PROTO_Q_QUANTILES:
            self->cells = proto_release_tree_nodes ();
            break;
        case PROTO_Q_KM:
            self->cells = 2 * (q->n_breaks + 1);
            break;
        case PROTO_Q_MEAN:
            self->kind = PROTO_RELEASE_MOMENTS;
            self->cells = 1 + m;
            break;
        case PROTO_Q_VAR:
        case PROTO_Q_SUMMARY:
            self->kind = PROTO_RELEASE_MOMENTS;
            self->cells = 1 + 2 * m;
            break;
        case PROTO_Q_CORRELATION:
            self->kind = PROTO_RELEASE_MOMENTS;
            self->cells = 1 + 2 * m + m * (m - 1) / 2;
            break;
        case PROTO_Q_GLM:
        case PROTO_Q_COX: {
            size_t p = 0;
            for (size_t j = q->kind == PROTO_Q_COX? 2: 1; j < m; j++)
                p += q->terms [j]->categorical? q->terms [j]->n_levels - 1: 1;
            if (p > PROTO_GLM_COLUMNS_MAX)
                return util_error (UTIL_EINPUT, "release: %s() codes %zu predictor columns, "
                                   "more than %d", proto_query_kind_name (q->kind), p,
                                   PROTO_GLM_COLUMNS_MAX);
            self->columns = p;
            if (q->kind == PROTO_Q_GLM && q->family == PROTO_FAMILY_GAUSSIAN) {
                self->kind = PROTO_RELEASE_MOMENTS;
                self->cells = (p + 2) * (p + 3) / 2;
                break;
            }
            //  An iterative fit: proto/fit.h.
            self->kind = PROTO_RELEASE_FIT;
            proto_fit_layout (self);
            //  Capped before anything is sized by it: bins <= 4097 and
            //  t <= 128 keep the product within size_t.
            if (self->cells + 1 > PROTO_FIT_ENTRIES_MAX)
                return util_error (UTIL_EINPUT, "release: %s() needs %zu numbers per round, more "
                                   "than the %d a fit may have (a coarser grid=, or fewer "
                                   "predictor columns)", proto_query_kind_name (q->kind),
                                   self->cells + 1, PROTO_FIT_ENTRIES_MAX);
            break;
        }
        default:
            return util_error (UTIL_EINPUT, "release: unknown query kind");
    }
    self->groups = q->by && self->kind != PROTO_RELEASE_FIT? q->by->n_levels: 1;
    //  Both factors are bounded (levels <= 256, cells <= 4368 or 40 x 40),
    //  so the product cannot overflow; the cap is on the result.
    self->entries = self->groups * self->cells + 1;
    self->limbs = !self->off? 1: self->kind == PROTO_RELEASE_MOMENTS? 2
                : self->kind == PROTO_RELEASE_FIT? PROTO_FIT_OFF_LIMBS: 1;
    self->dim = self->entries * self->limbs;
    self->step_dim = self->step_entries * self->limbs;
    if (self->dim > PROTO_RELEASE_DIM_MAX)
        return util_error (UTIL_EINPUT, "release: %s over %zu groups needs %zu values, more than "
                           "the %zu a release may have (fewer levels in by=, or fewer bins)",
                           proto_query_kind_name (q->kind), self->groups, self->dim,
                           PROTO_RELEASE_DIM_MAX);
    return 0;
}

//  The L2 sensitivity of one record, in integer units, at f bits (a fit's
//  full rounds; s_step_l2 its later ones).
static double
s_l2 (const proto_release_t *self, unsigned f)
{
    if (self->kind == PROTO_RELEASE_COUNTS)
        return self->query->kind == PROTO_Q_QUANTILES? sqrt ((double) PROTO_TREE_DEPTH): 1;
    if (self->kind == PROTO_RELEASE_FIT)
        return ldexp (sqrt (self->norm2), (int) f);
    return ldexp (sqrt ((double) self->cells), (int) f);
}

static double
s_step_l2 (const proto_release_t *self, unsigned f)
{
    return self->step_rounds? ldexp (sqrt (self->step_norm2), (int) f): 0;
}

//  The release's curve at local variances `local` (its full rounds) and
//  `step` (a fit's later rounds). NULL on error.
static dp_curve_t *
s_curve (const proto_release_t *self, uint64_t local, uint64_t step)
{
    dp_curve_t *curve = dp_curve_new_default ();
    if (curve
    &&  (dp_curve_add_ddg (curve, 1, self->l2, (double) local, self->threshold, self->dim,
                           self->rounds - self->step_rounds)
     ||  (self->step_rounds
      &&  dp_curve_add_ddg (curve, 1, self->step_l2, (double) step, self->threshold,
                            self->step_dim, self->step_rounds))))
        dp_curve_destroy (&curve);
    return curve;
}

static int
s_epsilon (const proto_release_t *self, uint64_t local, uint64_t step, double *epsilon)
{
    dp_curve_t *curve = s_curve (self, local, step);
    int rc = -1;
    if (curve && dp_curve_epsilon (curve, self->delta, DP_CONVERSION_IMPROVED, epsilon,
                                   NULL) == 0)
        rc = 0;
    dp_curve_destroy (&curve);
    return rc;
}

//  Each site's variance for a total sigma over t sites, rounded up; 0 when
//  past the sampler's range.
static uint64_t
s_local (double sigma, unsigned t)
{
    double v = ceil (sigma * sigma / t);
    if (!(v >= 1))
        v = 1;
    return v <= 0.999 * (double) DP_RATIONAL_MAX? (uint64_t) v: 0;
}

//  The smallest noise meeting the target at the current l2, by bisection on
//  a scale lambda: sigma = lambda for a single release; a fit under DP
//  gives its full round PROTO_FIT_DP_FULL_SHARE of the budget (in zCDP
//  terms, l2^2 / sigma^2) and its later rounds the rest in equal parts, so
//  sigma = lambda l2 / sqrt(share) per kind. 0, 1 (out of range: try fewer
//  bits) or -1.
static int
s_calibrate (proto_release_t *self)
{
    double a = 1, b = 0;
    if (self->step_rounds) {
        double full = PROTO_FIT_DP_FULL_SHARE;
        a = self->l2 / sqrt (full);
        b = self->step_l2 / sqrt ((1 - full) / self->step_rounds);
    }
    double top = sqrt (0.99 * (double) DP_RATIONAL_MAX * self->threshold);
    double hi = top / fmax (a, b), lo = 0, eps;
    uint64_t local = s_local (hi * a, self->threshold), step = s_local (hi * b, self->threshold);
    if (!local || (self->step_rounds && !step))
        return util_error (UTIL_EFAIL, "release: no noise in the sampler's range");
    if (s_epsilon (self, local, step, &eps))
        return -1;
    if (eps > self->epsilon)
        return 1;
    for (int i = 0; i < 100 && hi - lo > 1e-9 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (s_epsilon (self, s_local (mid * a, self->threshold),
                       s_local (mid * b, self->threshold), &eps))
            return -1;
        if (eps <= self->epsilon)
            hi = mid;
        else
            lo = mid;
    }
    self->local_sigma2 = s_local (hi * a, self->threshold);
    self->step_sigma2 = self->step_rounds? s_local (hi * b, self->threshold): 0;
    return s_epsilon (self, self->local_sigma2, self->step_sigma2, &self->epsilon_spent);
}

int
proto_release_make (proto_release_t *self, const proto_query_t *query, bool off,
                    double epsilon, double delta, unsigned threshold)
{
    memset (self, 0, sizeof *self);
    self->query = query;
    self->off = off;
    self->rounds = 1;
    self->threshold = threshold;
    if (threshold < 1 || threshold > PROTO_MAX_PARTIES)
        return util_error (UTIL_EINPUT, "release: quorum %u is not in 1..%d", threshold,
                           PROTO_MAX_PARTIES);
    if (!off && !(epsilon > 0 && epsilon <= 100))
        return util_error (UTIL_EINPUT, "release: epsilon %g is not in (0, 100]", epsilon);
    if (!off && !(delta > 0 && delta < 0.1))
        return util_error (UTIL_EINPUT, "release: delta %g is not in (0, 0.1)", delta);
    if (s_layout (self, query))
        return -1;
    if (off) {
        self->frac_bits = self->kind == PROTO_RELEASE_MOMENTS? PROTO_RELEASE_OFF_BITS
                        : self->kind == PROTO_RELEASE_FIT? PROTO_FIT_OFF_FRAC: 0;
        self->l2 = s_l2 (self, self->frac_bits);
        self->step_l2 = s_step_l2 (self, self->frac_bits);
        return 0;
    }
    self->epsilon = epsilon;
    self->delta = delta;
    bool fixed = self->kind != PROTO_RELEASE_COUNTS;
    unsigned f = fixed? PROTO_RELEASE_FRAC_MAX: 0;
    while (true) {
        self->frac_bits = f;
        self->l2 = s_l2 (self, f);
        self->step_l2 = s_step_l2 (self, f);
        int rc = s_calibrate (self);
        if (rc < 0)
            return util_error_context ("release: calibrating the noise");
        if (rc == 0)
            return 0;
        if (!fixed || f == PROTO_RELEASE_FRAC_MIN)
            return util_error (UTIL_EINPUT, "release: epsilon %g at delta %g needs more noise "
                               "than the sampler's range (raise epsilon)", epsilon, delta);
        f--;
    }
}

dp_curve_t *
proto_release_curve (const proto_release_t *self)
{
    if (self->off)
        return dp_curve_new_default ();
    return s_curve (self, self->local_sigma2, self->step_sigma2);
}

//  Adds c in [0, 1] (in units of 2^f) to logical entry e.
static void
s_put (const proto_release_t *self, int64_t *acc, size_t e, double c)
{
    c = c < 0? 0: c > 1? 1: c;
    if (self->limbs == 1) {
        acc [e] += (int64_t) llround (ldexp (c, (int) self->frac_bits));
        return;
    }
    int64_t v = (int64_t) llround (ldexp (c, PROTO_RELEASE_OFF_BITS));
    acc [2 * e] += v >> PROTO_RELEASE_LIMB_BITS;
    acc [2 * e + 1] += v & (((int64_t) 1 << PROTO_RELEASE_LIMB_BITS) - 1);
}

static double
s_unit (const proto_term_t *term, const double *record)
{
    double x = proto_term_eval (term, record);
    return term->hi > term->lo? (x - term->lo) / (term->hi - term->lo): 0;
}

int
proto_release_add (const proto_release_t *self, const double *record, int64_t *acc)
{
    const proto_query_t *q = self->query;
    if (self->kind == PROTO_RELEASE_FIT)
        return -1;
    if (!proto_query_complete (q, record)) {
        s_put (self, acc, self->entries - 1, 1);
        return 2;
    }
    if (!proto_cond_eval (q->where, record))
        return 0;
    size_t g = q->by? (size_t) proto_term_eval (q->by, record): 0;
    size_t base = g * self->cells;
    switch (q->kind) {
        case PROTO_Q_COUNT:
            acc [base] += 1;
            break;
        case PROTO_Q_HISTOGRAM:
            acc [base + (size_t) proto_query_hist_bin (q, proto_term_eval (q->terms [0], record))] += 1;
            break;
        case PROTO_Q_CROSSTAB: {
            size_t a = (size_t) proto_term_eval (q->terms [0], record), b = 0;
            if (q->n_terms > 1)
                b = (size_t) proto_term_eval (q->terms [1], record);
            acc [base + a * (q->n_terms > 1? q->terms [1]->n_levels: 1) + b] += 1;
            break;
        }
        case PROTO_Q_KM: {
            //  Events at even cells, censorings at odd ones, by the grid
            //  point that ends the time's interval (proto/query.h).
            size_t bin = proto_release_km_bin (q, proto_term_eval (q->terms [0], record));
            bool event = proto_term_eval (q->terms [1], record) == 1;
            acc [base + 2 * bin + (event? 0: 1)] += 1;
            break;
        }
        case PROTO_Q_QUANTILES: {
            double u = s_unit (q->terms [0], record);
            size_t offset = 0, width = 1;
            for (int l = 0; l < PROTO_TREE_DEPTH; l++) {
                width *= PROTO_TREE_BRANCH;
                double at = floor (u * (double) width);
                size_t node = at < 0? 0: at >= (double) width? width - 1: (size_t) at;
                acc [base + offset + node] += 1;
                offset += width;
            }
            break;
        }
        case PROTO_Q_GLM: {
            //  z = (1, coded predictors, outcome u); its outer product's
            //  upper triangle. P is at most PROTO_GLM_COLUMNS_MAX (checked
            //  by proto_release_make).
            double z [PROTO_GLM_COLUMNS_MAX + 2];
            size_t n = self->columns + 2, at = 0, k = 1;
            z [0] = 1;
            for (size_t j = 1; j < q->n_terms; j++) {
                const proto_term_t *t = q->terms [j];
                if (!t->categorical) {
                    double u = s_unit (t, record);
                    z [k++] = u < 0? 0: u > 1? 1: u;
                    continue;
                }
                size_t level = (size_t) proto_term_eval (t, record);
                for (size_t l = 1; l < t->n_levels; l++)
                    z [k++] = level == l;
            }
            double u = s_unit (q->terms [0], record);
            z [k] = u < 0? 0: u > 1? 1: u;
            for (size_t i = 0; i < n; i++)
                for (size_t j = i; j < n; j++)
                    s_put (self, acc, base + at++, z [i] * z [j]);
            break;
        }
        default: {
            //  Moments: n, u_j, then u_j^2 (var, summary, correlation), then
            //  u_j u_k (correlation).
            size_t m = q->n_terms, e = base;
            double u [PROTO_QUERY_TERMS_MAX];
            for (size_t j = 0; j < m; j++) {
                u [j] = s_unit (q->terms [j], record);
                u [j] = u [j] < 0? 0: u [j] > 1? 1: u [j];
            }
            s_put (self, acc, e++, 1);
            for (size_t j = 0; j < m; j++)
                s_put (self, acc, e++, u [j]);
            if (q->kind != PROTO_Q_MEAN)
                for (size_t j = 0; j < m; j++)
                    s_put (self, acc, e++, u [j] * u [j]);
            if (q->kind == PROTO_Q_CORRELATION)
                for (size_t j = 0; j < m; j++)
                    for (size_t k = j + 1; k < m; k++)
                        s_put (self, acc, e++, u [j] * u [k]);
            break;
        }
    }
    return 1;
}

double
proto_release_value (const proto_release_t *self, const int64_t *sum, size_t entry)
{
    if (self->limbs == 1)
        return ldexp ((double) sum [entry], -(int) self->frac_bits);
    __int128 v = ((__int128) sum [2 * entry] << PROTO_RELEASE_LIMB_BITS) + sum [2 * entry + 1];
    return ldexp ((double) v, -PROTO_RELEASE_OFF_BITS);
}

double
proto_release_noise_sd (const proto_release_t *self, unsigned contributors)
{
    if (self->off)
        return 0;
    return ldexp (sqrt ((double) contributors * (double) self->local_sigma2),
                  -(int) self->frac_bits);
}

void
proto_release_plan (const proto_release_t *self, proto_plan_t *plan)
{
    memset (plan, 0, sizeof *plan);
    plan->off = self->off;
    plan->threshold = self->threshold;
    plan->kind [COHORT__ROUND_KIND__ROUND_KIND_QUERY] = (proto_plan_kind_t) {
        .rounds = self->rounds - self->step_rounds, .q = 1, .l2 = self->l2,
        .local_sigma2 = self->local_sigma2, .dim = self->dim, .ledger_l2 = self->l2
    };
    if (self->step_rounds)
        plan->kind [COHORT__ROUND_KIND__ROUND_KIND_FIT_STEP] = (proto_plan_kind_t) {
            .rounds = self->step_rounds, .q = 1, .l2 = self->step_l2,
            .local_sigma2 = self->step_sigma2, .dim = self->step_dim, .ledger_l2 = self->step_l2
        };
    plan->epsilon = self->epsilon_spent;
}

size_t
proto_release_km_bin (const proto_query_t *q, double t)
{
    const double *g = q->breaks;
    size_t k = q->n_breaks;
    if (!(t > g [0]))
        return 0;
    if (t > g [k - 1])
        return k;
    size_t lo = 0, hi = k - 1;          //  g[lo] < t <= g[hi]
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t <= g [mid])
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

unsigned
proto_release_value_bits (const proto_release_t *self)
{
    if (self->kind != PROTO_RELEASE_COUNTS)
        return PROTO_VALUE_BITS;
    //  |value| < records + 20 sigma, with a sign bit and one to spare.
    double bound = (double) PROTO_RELEASE_RECORDS_MAX + 20 * sqrt ((double) self->local_sigma2) + 1;
    unsigned bits = 2;
    while (bits < PROTO_VALUE_BITS && ldexp (1, (int) bits - 2) < bound)
        bits++;
    return bits;
}
