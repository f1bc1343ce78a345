/*  Unit tests for proto/fit.c: an iterative fit's rounds on the datasets'
    dictionaries.

    The layout of every round type (START, FULL, STEP) of a glm and a
    coxph, privacy off and under DP, against sizes counted here from the
    blocks proto/fit.h lists; every block found at its offset and filling
    the entries it should, the blocks together covering the vector once;
    the parameters a site refuses; a privacy-off contribution past the
    fixed-point range refused as a diverged fit (and the same record
    clamped under DP); and, under DP, no record's vector past the
    release's sensitivity, whatever the record (every corner of the
    dictionary's bounds, and records drawn inside them) and whatever
    parameters a round carries: a binomial glm, a poisson glm with an
    offset and weights, and a coxph. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/fit.h"
#include "models/dictionary.h"
#include "util/error.h"
#include "support_error.h"

#define S_DELTA 1e-5

static model_dict_t *
s_dict (const char *name)
{
    char path [512];
    snprintf (path, sizeof path, COHORT_SOURCE_DIR "/datasets/%s_dictionary.csv", name);
    model_dict_t *dict = model_dict_load (path);
    if (!dict)
        fail_msg ("%s: %s", path, util_last_error ());
    return dict;
}

//  A checked query and its release (off, or DP at epsilon 1, quorum 2).
static proto_query_t *
s_release (proto_release_t *r, const model_dict_t *dict, const char *text, bool off)
{
    proto_query_t *q = proto_query_parse (text);
    if (!q || proto_query_check (q, dict, 0)
    ||  proto_release_make (r, q, off, off? 0: 1, off? 0: S_DELTA, 2))
        fail_msg ("%s: %s", text, util_last_error ());
    assert_true (proto_fit_is (r));
    return q;
}

static size_t
s_tri (size_t t)
{
    return t * (t + 1) / 2;
}

//  ---------------------------------------------------------------------------
//  Layout

//  Entries of each round type, counted from proto/fit.h's blocks.
static void
s_expect_sizes (const char *text, const proto_release_t *r, size_t full, size_t step)
{
    size_t limbs = r->off? PROTO_FIT_OFF_LIMBS: 1;
    if (proto_fit_entries (r, PROTO_FIT_START) != full
    ||  proto_fit_entries (r, PROTO_FIT_FULL) != full
    ||  proto_fit_entries (r, PROTO_FIT_STEP) != step)
        fail_msg ("%s (%s): entries %zu %zu %zu, want %zu %zu %zu", text, r->off? "off": "DP",
                  proto_fit_entries (r, PROTO_FIT_START), proto_fit_entries (r, PROTO_FIT_FULL),
                  proto_fit_entries (r, PROTO_FIT_STEP), full, full, step);
    assert_int_equal (r->limbs, limbs);
    assert_int_equal (r->entries, full);
    assert_int_equal (proto_fit_dim (r, PROTO_FIT_START), full * limbs);
    assert_int_equal (proto_fit_dim (r, PROTO_FIT_FULL), full * limbs);
    assert_int_equal (proto_fit_dim (r, PROTO_FIT_STEP), step * limbs);
    assert_int_equal (r->dim, full * limbs);
    //  Only a DP glm has score-only rounds, and only they have a step
    //  vector on the wire.
    assert_int_equal (r->step_dim, r->step_rounds? step * limbs: 0);
}

//  A fit whose round would be too long is refused at planning, with the
//  reason, before anything is sized by it.
static void
test_too_long (void **state)
{
    (void) state;
    model_dict_t *lung = s_dict ("lung");
    //  inst has 18 levels: 17 + 4 columns, a 1-day grid of 1,101 bins.
    proto_query_t *q = proto_query_parse ("coxph(Surv(time, status) ~ factor(inst) + age + sex "
                                          "+ ph_ecog + ph_karno, grid=1)");
    assert_non_null (q);
    if (proto_query_check (q, lung, 0))
        fail_msg ("%s", util_last_error ());
    //  Privacy off: 1,102 bins of 254 entries each.
    proto_release_t r;
    assert_int_equal (proto_release_make (&r, q, true, 0, 0, 2), -1);
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    assert_non_null (strstr (util_last_error (), "a coarser grid="));
    proto_query_destroy (&q);
    //  Under DP a bin is 23 entries (R2 is global): 3,668 bins are too many.
    q = proto_query_parse ("coxph(Surv(time, status) ~ factor(inst) + age + sex + ph_ecog "
                           "+ ph_karno, grid=0.3)");
    assert_non_null (q);
    if (proto_query_check (q, lung, 0))
        fail_msg ("%s", util_last_error ());
    assert_int_equal (proto_release_make (&r, q, false, 1, S_DELTA, 2), -1);
    assert_non_null (strstr (util_last_error (), "a coarser grid="));
    proto_query_destroy (&q);
    //  The same covariates on a 30-day grid fit.
    q = proto_query_parse ("coxph(Surv(time, status) ~ factor(inst) + age + sex + ph_ecog "
                           "+ ph_karno, grid=30)");
    assert_non_null (q);
    assert_int_equal (proto_query_check (q, lung, 0), 0);
    if (proto_release_make (&r, q, true, 0, 0, 2))
        fail_msg ("%s", util_last_error ());
    assert_true (r.entries <= PROTO_FIT_ENTRIES_MAX);
    proto_query_destroy (&q);
    model_dict_destroy (&lung);
}

static void
test_layout_sizes (void **state)
{
    (void) state;
    model_dict_t *pima = s_dict ("pima_diabetes"), *lung = s_dict ("lung");
    model_dict_t *epil = s_dict ("epilepsy");
    for (int off = 0; off <= 1; off++) {
        proto_release_t r;
        //  T = 4 (intercept, glucose, mass, age): H 10, G 4, then DEV,
        //  NULL_H, NULL_G, NULL_DEV, CONST, N, and the left-out count.
        const char *glm = "glm(diabetes ~ glucose + mass + age, family=binomial)";
        proto_query_t *q = s_release (&r, pima, glm, off);
        assert_int_equal (r.columns, 3);
        s_expect_sizes (glm, &r, 10 + 4 + 6 + 1, 4 + 6 + 1);
        assert_int_equal (r.rounds, off? PROTO_FIT_GLM_MAXIT + 1: PROTO_FIT_DP_ROUNDS);
        assert_int_equal (r.step_rounds, off? 0: PROTO_FIT_DP_ROUNDS - 1);
        proto_query_destroy (&q);
        //  A factor: trt, lbase, and factor(period) of 4 levels (3
        //  columns), with an offset: T = 6.
        const char *pois = "glm(y ~ trt + lbase + factor(period) + offset(log(weeks)), "
                           "family=poisson, weights=weeks)";
        q = s_release (&r, epil, pois, off);
        assert_int_equal (r.columns, 5);
        s_expect_sizes (pois, &r, 21 + 6 + 6 + 1, 6 + 6 + 1);
        proto_query_destroy (&q);
        //  coxph: T = 6 (age, sex, factor(ph_ecog) of 5 levels), grid=30
        //  over [0, 1100]: 0, 30, .., 1110, 38 points, 39 bins. Off, per
        //  bin R0, R1 (6), R2 (21), D; under DP per bin R0, R1, D and one
        //  R2 after the bins; then E1 (6), N and the left-out count. A
        //  STEP is per bin R0 and R1, then N.
        const char *cox = "coxph(Surv(time, status) ~ age + sex + factor(ph_ecog), grid=30)";
        q = s_release (&r, lung, cox, off);
        assert_int_equal (r.columns, 6);
        assert_int_equal (r.bins, 39);
        size_t full = off? 39 * (1 + 6 + 21 + 1) + 6 + 1 + 1
                         : 39 * (1 + 6 + 1) + 21 + 6 + 1 + 1;
        s_expect_sizes (cox, &r, full, 39 * (1 + 6) + 1 + 1);
        assert_int_equal (r.rounds, off? PROTO_FIT_COX_MAXIT + 1: PROTO_FIT_DP_ROUNDS);
        //  Under DP its later rounds are STEPs (the first round's
        //  information is kept).
        assert_int_equal (r.step_rounds, off? 0: PROTO_FIT_DP_ROUNDS - 1);
        proto_query_destroy (&q);
    }
    model_dict_destroy (&pima);
    model_dict_destroy (&lung);
    model_dict_destroy (&epil);
}

//  One block of a round: its first entry and length.
typedef struct {
    proto_fit_block_t block;
    size_t bin, length;
} s_block_t;

//  The blocks of a round of this type, as proto/fit.h lists them; n set.
static size_t
s_blocks (const proto_release_t *r, proto_fit_round_t round, s_block_t *out)
{
    size_t t = r->query->kind == PROTO_Q_GLM? r->columns + 1: r->columns, n = 0;
    if (r->query->kind == PROTO_Q_GLM) {
        if (round != PROTO_FIT_STEP)
            out [n++] = (s_block_t) { PROTO_BLOCK_H, 0, s_tri (t) };
        out [n++] = (s_block_t) { PROTO_BLOCK_G, 0, t };
        const proto_fit_block_t ones [] = {
            PROTO_BLOCK_DEV, PROTO_BLOCK_NULL_H, PROTO_BLOCK_NULL_G, PROTO_BLOCK_NULL_DEV,
            PROTO_BLOCK_CONST, PROTO_BLOCK_N
        };
        for (size_t k = 0; k < 6; k++)
            out [n++] = (s_block_t) { ones [k], 0, 1 };
    }
    else {
        for (size_t b = 0; b < r->bins; b++) {
            out [n++] = (s_block_t) { PROTO_BLOCK_R0, b, 1 };
            out [n++] = (s_block_t) { PROTO_BLOCK_R1, b, t };
            if (round == PROTO_FIT_STEP)
                continue;
            if (r->off)
                out [n++] = (s_block_t) { PROTO_BLOCK_R2, b, s_tri (t) };
            out [n++] = (s_block_t) { PROTO_BLOCK_D, b, 1 };
        }
        if (round != PROTO_FIT_STEP) {
            if (!r->off)
                out [n++] = (s_block_t) { PROTO_BLOCK_R2, 0, s_tri (t) };
            out [n++] = (s_block_t) { PROTO_BLOCK_E1, 0, t };
        }
        out [n++] = (s_block_t) { PROTO_BLOCK_N, 0, 1 };
    }
    out [n++] = (s_block_t) { PROTO_BLOCK_LEFT, 0, 1 };
    return n;
}

static const char *
s_round_name (proto_fit_round_t round)
{
    return round == PROTO_FIT_START? "START": round == PROTO_FIT_FULL? "FULL": "STEP";
}

//  Every block at its offset, its entries its own, and every entry in
//  exactly one block.
static void
s_round_trip (const char *text, const proto_release_t *r, proto_fit_round_t round)
{
    size_t entries = proto_fit_entries (r, round);
    s_block_t *blocks = calloc (4 * r->bins + 16, sizeof *blocks);
    unsigned char *seen = calloc (entries, 1);
    assert_non_null (blocks);
    assert_non_null (seen);
    size_t n = s_blocks (r, round, blocks), covered = 0;
    for (size_t k = 0; k < n; k++) {
        size_t at = proto_fit_offset (r, round, blocks [k].block, blocks [k].bin);
        for (size_t i = 0; i < blocks [k].length; i++) {
            if (at + i >= entries)
                fail_msg ("%s (%s, %s): block %d bin %zu runs past the %zu entries", text,
                          r->off? "off": "DP", s_round_name (round), (int) blocks [k].block,
                          blocks [k].bin, entries);
            proto_fit_block_t got = proto_fit_block (r, round, at + i);
            if (got != blocks [k].block || seen [at + i])
                fail_msg ("%s (%s, %s): entry %zu of block %d bin %zu is in block %d%s", text,
                          r->off? "off": "DP", s_round_name (round), at + i,
                          (int) blocks [k].block, blocks [k].bin, (int) got,
                          seen [at + i]? " (and another block's)": "");
            seen [at + i] = 1;
            covered++;
        }
    }
    assert_int_equal (covered, entries);
    free (blocks);
    free (seen);
}

static void
test_offset_block (void **state)
{
    (void) state;
    model_dict_t *pima = s_dict ("pima_diabetes"), *lung = s_dict ("lung");
    model_dict_t *rott = s_dict ("rotterdam");
    const struct { model_dict_t *dict; const char *text; } cases [] = {
        { pima, "glm(diabetes ~ glucose + mass + age, family=binomial)" },
        { pima, "glm(diabetes ~ 1, family=binomial)" },
        { lung, "coxph(Surv(time, status) ~ age + sex + factor(ph_ecog), grid=30)" },
        { lung, "coxph(Surv(time, status) ~ sex, grid=c(100, 200, 300))" },
        { rott, "coxph(Surv(dtime, death) ~ age + meno + size + nodes, grid=365)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++)
        for (int off = 0; off <= 1; off++) {
            proto_release_t r;
            proto_query_t *q = s_release (&r, cases [i].dict, cases [i].text, off);
            s_round_trip (cases [i].text, &r, PROTO_FIT_FULL);
            s_round_trip (cases [i].text, &r, PROTO_FIT_STEP);
            if (q->kind == PROTO_Q_GLM)
                s_round_trip (cases [i].text, &r, PROTO_FIT_START);
            proto_query_destroy (&q);
        }
    model_dict_destroy (&pima);
    model_dict_destroy (&lung);
    model_dict_destroy (&rott);
}

//  ---------------------------------------------------------------------------
//  Parameters

static void
test_check_params (void **state)
{
    (void) state;
    model_dict_t *pima = s_dict ("pima_diabetes"), *lung = s_dict ("lung");
    proto_release_t off, dp;
    const char *glm = "glm(diabetes ~ glucose + mass, family=binomial)";
    proto_query_t *q_off = s_release (&off, pima, glm, true);
    proto_query_t *q_dp = s_release (&dp, pima, glm, false);
    //  T = 3: beta and the null model's intercept.
    double p [4] = { 0.1, -0.2, 0.3, -0.4 };
    assert_int_equal (proto_fit_params (&off, PROTO_FIT_START), 0);
    assert_int_equal (proto_fit_params (&off, PROTO_FIT_FULL), 4);
    assert_int_equal (proto_fit_params (&dp, PROTO_FIT_STEP), 4);
    assert_int_equal (proto_fit_check_params (&off, PROTO_FIT_START, NULL, 0), 0);
    assert_int_equal (proto_fit_check_params (&off, PROTO_FIT_FULL, p, 4), 0);
    assert_int_equal (proto_fit_check_params (&dp, PROTO_FIT_STEP, p, 4), 0);
    //  The round type from the kind and the count.
    assert_int_equal (proto_fit_round (&off, COHORT__ROUND_KIND__ROUND_KIND_QUERY, 0),
                      PROTO_FIT_START);
    assert_int_equal (proto_fit_round (&off, COHORT__ROUND_KIND__ROUND_KIND_QUERY, 4),
                      PROTO_FIT_FULL);
    assert_int_equal (proto_fit_round (&dp, COHORT__ROUND_KIND__ROUND_KIND_FIT_STEP, 4),
                      PROTO_FIT_STEP);
    //  Wrong counts.
    support_expect_refused (proto_fit_check_params (&off, PROTO_FIT_FULL, p, 3) == -1,
                            "3 of 4", "a round carries 3 parameters; this round of glm() "
                            "takes 4");
    support_expect_refused (proto_fit_check_params (&off, PROTO_FIT_START, p, 4) == -1,
                            "params at start", "a round carries 4 parameters; this round of "
                            "glm() takes 0");
    support_expect_refused (proto_fit_check_params (&dp, PROTO_FIT_STEP, p, 0) == -1,
                            "a step without", "a round carries 0 parameters; this round of "
                            "glm() takes 4");
    //  Not a number, not finite, too large (either sign); the largest
    //  allowed passes.
    const struct { double v; const char *needle; } bad [] = {
        { NAN, "parameter 2 is nan, not a finite number of size at most 10000" },
        { INFINITY, "parameter 2 is inf" },
        { -INFINITY, "parameter 2 is -inf" },
        { 10000.5, "parameter 2 is 10000.5, not a finite number" },
        { -1e300, "parameter 2 is -1e+300" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        double b [4] = { 0, bad [i].v, 0, 0 };
        support_expect_refused (proto_fit_check_params (&off, PROTO_FIT_FULL, b, 4) == -1,
                                bad [i].needle, bad [i].needle);
        support_expect_refused (proto_fit_check_params (&dp, PROTO_FIT_STEP, b, 4) == -1,
                                bad [i].needle, bad [i].needle);
    }
    double edge [4] = { PROTO_FIT_PARAM_MAX, -PROTO_FIT_PARAM_MAX, 0, 0 };
    assert_int_equal (proto_fit_check_params (&off, PROTO_FIT_FULL, edge, 4), 0);
    //  A score-only round for a fit that has none: privacy off (every
    //  round is full, coxph's as glm's).
    support_expect_refused (proto_fit_check_params (&off, PROTO_FIT_STEP, p, 4) == -1,
                            "step off", "a score-only round for a fit that has none");
    proto_query_destroy (&q_off);
    proto_query_destroy (&q_dp);
    proto_release_t cox;
    proto_query_t *q = s_release (&cox, lung, "coxph(Surv(time, status) ~ age + sex, grid=30)",
                                  false);
    double c [3] = { 0, 0, 0 };
    assert_int_equal (proto_fit_params (&cox, PROTO_FIT_FULL), 3);
    assert_int_equal (proto_fit_check_params (&cox, PROTO_FIT_FULL, c, 3), 0);
    //  coxph has no start round: its first round carries beta = 0 and c.
    assert_int_equal (proto_fit_round (&cox, COHORT__ROUND_KIND__ROUND_KIND_QUERY, 0),
                      PROTO_FIT_FULL);
    support_expect_refused (proto_fit_check_params (&cox, PROTO_FIT_FULL, c, 0) == -1,
                            "cox without", "a round carries 0 parameters; this round of "
                            "coxph() takes 3");
    //  Under DP its later rounds are score-only: a STEP takes beta and c.
    assert_int_equal (proto_fit_params (&cox, PROTO_FIT_STEP), 3);
    assert_int_equal (proto_fit_check_params (&cox, PROTO_FIT_STEP, c, 3), 0);
    //  One round under DP (iterations=1): no STEP is planned, none taken.
    proto_release_t one;
    proto_query_t *q1 = s_release (&one, lung, "coxph(Surv(time, status) ~ age + sex, grid=30, "
                                   "iterations=1)", false);
    assert_int_equal (one.step_rounds, 0);
    support_expect_refused (proto_fit_check_params (&one, PROTO_FIT_STEP, c, 3) == -1,
                            "cox one round", "a score-only round for a fit that has none");
    proto_query_destroy (&q1);
    proto_query_destroy (&q);
    model_dict_destroy (&pima);
    model_dict_destroy (&lung);
}

//  ---------------------------------------------------------------------------
//  Privacy off: past the fixed-point range

static void
test_off_range (void **state)
{
    (void) state;
    model_dict_t *epil = s_dict ("epilepsy"), *lung = s_dict ("lung");
    proto_release_t off, dp;
    const char *text = "glm(y ~ lbase, family=poisson)";
    proto_query_t *q_off = s_release (&off, epil, text, true);
    proto_query_t *q_dp = s_release (&dp, epil, text, false);
    //  y trt base age V4 subject period lbase lage weeks: lbase at its
    //  public maximum codes to z = 1/2.
    double rec [10] = { 3, 0, 11, 31, 0, 1, 1, 3, 0, 2 };
    int64_t *acc = calloc (off.dim, sizeof *acc);
    assert_non_null (acc);
    //  At a moderate coefficient the record is used.
    double params [3] = { 0, 2, 0 };
    assert_int_equal (proto_fit_add (&off, PROTO_FIT_FULL, rec, params, 3, acc), 1);
    //  A parameter count that is not the round's is refused, not read past.
    assert_int_equal (proto_fit_add (&off, PROTO_FIT_FULL, rec, params, 2, acc), -1);
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    assert_non_null (strstr (util_last_error (), "takes 3 parameters, not 2"));
    assert_int_equal (proto_fit_add (&off, PROTO_FIT_START, rec, params, 3, acc), -1);
    //  exp(100 / 2) = 5e21 is past 2^36: the fit diverged, not a wrong sum.
    params [1] = 100;
    memset (acc, 0, off.dim * sizeof *acc);
    util_error_clear ();
    assert_int_equal (proto_fit_add (&off, PROTO_FIT_FULL, rec, params, 3, acc), -1);
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    assert_non_null (strstr (util_last_error (), "past the fixed-point range: the fit "
                                                 "diverged"));
    //  At the largest parameter a site takes, exp overflows altogether.
    params [1] = PROTO_FIT_PARAM_MAX;
    util_error_clear ();
    assert_int_equal (proto_fit_add (&off, PROTO_FIT_FULL, rec, params, 3, acc), -1);
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    //  Just inside the range is fine: exp(2 x 17 / 2) = 2.4e7, times
    //  the column's 1/4 in H, far below 2^36.
    params [1] = 34;
    memset (acc, 0, off.dim * sizeof *acc);
    assert_int_equal (proto_fit_add (&off, PROTO_FIT_FULL, rec, params, 3, acc), 1);
    //  Under DP the same record is clamped to the bounds and used.
    int64_t *dacc = calloc (dp.dim, sizeof *dacc);
    assert_non_null (dacc);
    params [1] = PROTO_FIT_PARAM_MAX;
    assert_int_equal (proto_fit_add (&dp, PROTO_FIT_FULL, rec, params, 3, dacc), 1);
    free (dacc);
    free (acc);
    proto_query_destroy (&q_off);
    proto_query_destroy (&q_dp);
    //  coxph: exp(z beta - c) past the range, privacy off.
    proto_query_t *q = s_release (&off, lung, "coxph(Surv(time, status) ~ age, grid=30)", true);
    acc = calloc (off.dim, sizeof *acc);
    assert_non_null (acc);
    //  inst time status age sex ph_ecog ph_karno pat_karno meal_cal wt_loss
    double lrec [10] = { 0, 300, 1, 100, 0, 1, 90, 90, 1000, 0 };
    double cp [2] = { 1, 0 };
    assert_int_equal (proto_fit_add (&off, PROTO_FIT_FULL, lrec, cp, 2, acc), 1);
    cp [0] = 200;
    util_error_clear ();
    assert_int_equal (proto_fit_add (&off, PROTO_FIT_FULL, lrec, cp, 2, acc), -1);
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    assert_non_null (strstr (util_last_error (), "the fit diverged"));
    //  ... and the shift c brings it back: exp(200 / 2 - 100).
    cp [1] = 100;
    memset (acc, 0, off.dim * sizeof *acc);
    assert_int_equal (proto_fit_add (&off, PROTO_FIT_FULL, lrec, cp, 2, acc), 1);
    free (acc);
    proto_query_destroy (&q);
    model_dict_destroy (&epil);
    model_dict_destroy (&lung);
}

//  ---------------------------------------------------------------------------
//  DP: every record's vector within the sensitivity

//  A deterministic stream for the test's records and parameters (not for
//  noise): xorshift64*.
static uint64_t s_state = 0x9e3779b97f4a7c15ull;

static double
s_uniform (void)
{
    s_state ^= s_state >> 12;
    s_state ^= s_state << 25;
    s_state ^= s_state >> 27;
    return (double) ((s_state * 0x2545f4914f6cdd1dull) >> 11) / 9007199254740992.0;
}

static bool
s_whole (const model_var_t *var)
{
    return var->type != MODEL_VAR_NUMERIC && var->type != MODEL_VAR_TIME;
}

//  Parameter sets a round may carry: zero, the largest a site takes
//  (both signs, alternating), moderate and wide random ones.
static void
s_params (double *p, size_t n, int which)
{
    for (size_t i = 0; i < n; i++)
        switch (which) {
            case 0: p [i] = 0; break;
            case 1: p [i] = (i % 2? -1: 1) * PROTO_FIT_PARAM_MAX; break;
            case 2: p [i] = (i % 2? 1: -1) * PROTO_FIT_PARAM_MAX; break;
            case 3: p [i] = 8 * (2 * s_uniform () - 1); break;
            default: p [i] = PROTO_FIT_PARAM_MAX * (2 * s_uniform () - 1); break;
        }
}

#define S_PARAM_SETS 8

//  The largest norm of one record's vector (integer units) over every
//  corner of the dictionary's bounds, records drawn inside them, and a
//  record with a missing value, for each parameter set; fails when one
//  passes `l2`, or when an entry's value passes its bound.
static double
s_worst (const char *text, const proto_release_t *r, const model_dict_t *dict,
         proto_fit_round_t type, double l2)
{
    size_t vars = model_dict_size (dict), dim = proto_fit_dim (r, type);
    size_t n_params = proto_fit_params (r, type);
    assert_true (vars <= 16);
    int64_t *acc = calloc (dim, sizeof *acc);
    double *params = calloc (n_params + 1, sizeof *params);
    assert_non_null (acc);
    assert_non_null (params);
    double worst = 0;
    size_t corners = (size_t) 1 << vars;
    for (int set = 0; set < S_PARAM_SETS; set++) {
        s_params (params, n_params, set);
        for (size_t k = 0; k < corners + 200 + 1; k++) {
            double record [16];
            for (size_t v = 0; v < vars; v++) {
                const model_var_t *var = model_dict_var (dict, v);
                if (k < corners)
                    record [v] = k & ((size_t) 1 << v)? var->max: var->min;
                else {
                    double x = var->min + (var->max - var->min) * s_uniform ();
                    record [v] = s_whole (var)? round (x): x;
                }
            }
            if (k == corners + 200)
                for (size_t v = 0; v < vars; v++)
                    record [v] = NAN;
            memset (acc, 0, dim * sizeof *acc);
            int rc = proto_fit_add (r, type, record, params, n_params, acc);
            if (rc < 0)
                fail_msg ("%s, %s round: %s", text, s_round_name (type), util_last_error ());
            double norm = 0;
            for (size_t e = 0; e < dim; e++) {
                norm += (double) acc [e] * (double) acc [e];
                //  In the data's units no entry passes its block's bound.
                double v = proto_fit_value (r, type, acc, e);
                if (!(fabs (v) <= proto_fit_bound (r, type, e) * (1 + 1e-12)))
                    fail_msg ("%s, %s round: entry %zu (block %d) is %g, its bound %g", text,
                              s_round_name (type), e, (int) proto_fit_block (r, type, e), v,
                              proto_fit_bound (r, type, e));
            }
            norm = sqrt (norm);
            if (!(norm <= l2 * (1 + 1e-12)))
                fail_msg ("%s, %s round, parameters %d, record %zu: norm %.9g past the "
                          "sensitivity %.9g", text, s_round_name (type), set, k, norm, l2);
            worst = fmax (worst, norm);
        }
    }
    free (acc);
    free (params);
    return worst;
}

static void
test_dp_sensitivity (void **state)
{
    (void) state;
    model_dict_t *pima = s_dict ("pima_diabetes"), *epil = s_dict ("epilepsy");
    model_dict_t *lung = s_dict ("lung");
    const struct { model_dict_t *dict; const char *text; } cases [] = {
        { pima, "glm(diabetes ~ glucose + mass + age + pedigree, family=binomial)" },
        { epil, "glm(y ~ trt + lbase + lage + V4 + factor(period) + offset(log(weeks)), "
                "family=poisson, weights=weeks)" },
        { lung, "coxph(Surv(time, status) ~ age + sex + factor(ph_ecog) + wt_loss, grid=90)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        proto_release_t r;
        proto_query_t *q = s_release (&r, cases [i].dict, cases [i].text, false);
        assert_true (r.l2 > 0);
        assert_true (fabs (r.l2 - ldexp (sqrt (r.norm2), (int) r.frac_bits)) <= 1e-9 * r.l2);
        bool glm = q->kind == PROTO_Q_GLM;
        double full = s_worst (cases [i].text, &r, cases [i].dict, PROTO_FIT_FULL, r.l2);
        //  The bound is not loose: some record comes near it.
        if (!(full >= 0.5 * r.l2))
            fail_msg ("%s: the worst record's norm %.6g is far below l2 %.6g", cases [i].text,
                      full, r.l2);
        if (glm)
            s_worst (cases [i].text, &r, cases [i].dict, PROTO_FIT_START, r.l2);
        //  Every DP fit's later rounds are STEPs, with a smaller norm.
        assert_true (r.step_l2 > 0 && r.step_l2 < r.l2);
        double step = s_worst (cases [i].text, &r, cases [i].dict, PROTO_FIT_STEP, r.step_l2);
        if (!(step >= 0.5 * r.step_l2))
            fail_msg ("%s: the worst step norm %.6g is far below %.6g", cases [i].text,
                      step, r.step_l2);
        proto_query_destroy (&q);
    }
    model_dict_destroy (&pima);
    model_dict_destroy (&epil);
    model_dict_destroy (&lung);
}

//  Under DP coxph's R0 and R1 carry exp(z beta - c), clipped at
//  e^PROTO_FIT_COX_CLIP, and its R2 (released in the first round only,
//  at beta = 0) the record's z z' whatever the parameters: a bound of 1/4
//  per entry, not e^clip / 4.
static void
test_dp_cox_weights (void **state)
{
    (void) state;
    model_dict_t *lung = s_dict ("lung");
    proto_release_t r;
    proto_query_t *q = s_release (&r, lung, "coxph(Surv(time, status) ~ age + sex, grid=30)",
                                  false);
    size_t dim = proto_fit_dim (&r, PROTO_FIT_FULL);
    int64_t *acc = calloc (dim, sizeof *acc);
    assert_non_null (acc);
    //  inst, time, status, age, sex, ...: age 100 and sex 1 code to
    //  z = (1/2, 1/2).
    double record [16] = { 3, 45, 1, 100, 1, 1, 90, 100, 1175, 0 };
    const double cases [][3] = { { 0, 0, 0 }, { 4, 4, 0 }, { -4, -4, 0 }, { 1, 0, 0.25 } };
    for (size_t k = 0; k < sizeof cases / sizeof cases [0]; k++) {
        memset (acc, 0, dim * sizeof *acc);
        assert_int_equal (proto_fit_add (&r, PROTO_FIT_FULL, record, cases [k], 3, acc), 1);
        double eta = 0.5 * cases [k][0] + 0.5 * cases [k][1] - cases [k][2];
        double w = fmin (exp (eta), exp (PROTO_FIT_COX_CLIP));
        //  The record fills its exit bin's R0 only.
        size_t r0 = proto_fit_offset (&r, PROTO_FIT_FULL, PROTO_BLOCK_R0, 0);
        double got = 0;
        for (size_t b = 0; b < r.bins; b++)
            got += proto_fit_value (&r, PROTO_FIT_FULL, acc,
                                    proto_fit_offset (&r, PROTO_FIT_FULL, PROTO_BLOCK_R0, b));
        size_t r2 = proto_fit_offset (&r, PROTO_FIT_FULL, PROTO_BLOCK_R2, 0);
        double tol = 4 * proto_fit_bound (&r, PROTO_FIT_FULL, r0) * ldexp (1, -(int) r.frac_bits);
        if (!(fabs (got - w) <= tol))
            fail_msg ("case %zu: R0 %.9g, want %.9g", k, got, w);
        for (size_t e = r2; e < r2 + 3; e++) {
            got = proto_fit_value (&r, PROTO_FIT_FULL, acc, e);
            //  proto_fit_bound is the bound over the block weight.
            assert_true (proto_fit_bound (&r, PROTO_FIT_FULL, e) == 0.25 / PROTO_FIT_COX_W2);
            if (!(fabs (got - 0.25) <= 1e-6))
                fail_msg ("case %zu: R2 entry %zu is %.9g, want z_i z_j = 0.25", k, e - r2, got);
        }
    }
    free (acc);
    proto_query_destroy (&q);
    model_dict_destroy (&lung);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_layout_sizes),
        cmocka_unit_test (test_too_long),
        cmocka_unit_test (test_offset_block),
        cmocka_unit_test (test_check_params),
        cmocka_unit_test (test_off_range),
        cmocka_unit_test (test_dp_sensitivity),
        cmocka_unit_test (test_dp_cox_weights),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
