/*  dp/noise.h - an exact integer noise sampler chosen by name and scale,
    as an operator states it (what `cohort privacy sample` draws from).

    Contents
        dp_noise_kind_t                 discrete Gaussian or discrete Laplace
        dp_noise_kind_parse, dp_noise_kind_name   the kind's name and back
        dp_noise_t, dp_noise_init       the sampler for a kind and a scale
        dp_noise_sample                 one draw

    Kinds, for a scale S written as an exact positive rational
    (dp_rational_parse: "7", "2.5", "7/3"):
        discrete-gaussian   variance parameter sigma^2 = S^2
                            (Canonne, Kamath, Steinke 2020, Algorithm 3)
        discrete-laplace    scale S (the same paper, Algorithm 2)
    dp/discrete.h has the samplers; no floating-point value is used.

    A sampler is a plain value; the stream is borrowed. Errors are -1 with
    the reason in the error slot (util/error.h).
*/
#ifndef DP_NOISE_H
#define DP_NOISE_H

#include "discrete.h"

typedef enum {
    DP_NOISE_DISCRETE_GAUSSIAN,
    DP_NOISE_DISCRETE_LAPLACE
} dp_noise_kind_t;

/*  A sampler. Plain value, no resources. */
typedef struct {
    dp_noise_kind_t kind;
    dp_dgauss_t gauss;              //  for DP_NOISE_DISCRETE_GAUSSIAN
    dp_dlaplace_t laplace;          //  for DP_NOISE_DISCRETE_LAPLACE
} dp_noise_t;

/*  "discrete-gaussian" | "discrete-laplace" -> *kind. Returns 0, or -1
    naming the text (NULL is refused). */
int dp_noise_kind_parse (const char *name, dp_noise_kind_t *kind) DP_WUR;

/*  The kind's name, or "?" for a value out of range. Static. */
const char *dp_noise_kind_name (dp_noise_kind_t kind);

/*  Sets up a sampler of `kind` with the scale written in `scale`. Returns
    0, or -1 if the text is not a rational within DP_RATIONAL_MAX (for the
    Gaussian, its square must be within it too), naming the problem. */
int dp_noise_init (dp_noise_t *self, dp_noise_kind_t kind, const char *scale) DP_WUR;

/*  One draw from the sampler on `rng`. Returns 0 or -1. */
static inline int dp_noise_sample (const dp_noise_t *self, dp_rng_t *rng, int64_t *out) DP_WUR;

//  Inline: it stands in a sampling loop, where a call per draw showed.
static inline int
dp_noise_sample (const dp_noise_t *self, dp_rng_t *rng, int64_t *out)
{
    return self->kind == DP_NOISE_DISCRETE_GAUSSIAN? dp_dgauss_sample (&self->gauss, rng, out)
                                                   : dp_dlaplace_sample (&self->laplace, rng, out);
}

#endif
