/*  dp/noise.c - a noise sampler chosen by name and scale (dp/noise.h). */
#include "noise.h"
#include "util/error.h"

#include <string.h>

static const char *s_names [] = { "discrete-gaussian", "discrete-laplace" };
#define S_KINDS (sizeof s_names / sizeof s_names [0])

int
dp_noise_kind_parse (const char *name, dp_noise_kind_t *kind)
{
    for (size_t k = 0; name && k < S_KINDS; k++)
        if (strcmp (name, s_names [k]) == 0) {
            *kind = (dp_noise_kind_t) k;
            return 0;
        }
    return util_error (UTIL_EINPUT, "'%s' is neither discrete-gaussian nor discrete-laplace",
                       name? name: "");
}

const char *
dp_noise_kind_name (dp_noise_kind_t kind)
{
    return (size_t) kind < S_KINDS? s_names [kind]: "?";
}

int
dp_noise_init (dp_noise_t *self, dp_noise_kind_t kind, const char *scale)
{
    dp_rational_t s, sigma2;
    if (!scale)
        return util_error (UTIL_EINPUT, "no scale given");
    if (dp_rational_parse (scale, &s))
        return -1;
    memset (self, 0, sizeof *self);
    self->kind = kind;
    switch (kind) {
        case DP_NOISE_DISCRETE_GAUSSIAN:
            if (dp_rational_square (&sigma2, &s))
                return util_error_context ("sigma %s", scale);
            return dp_dgauss_init (&self->gauss, &sigma2);
        case DP_NOISE_DISCRETE_LAPLACE:
            return dp_dlaplace_init (&self->laplace, &s);
    }
    return util_error (UTIL_EINPUT, "noise kind %d is unknown", (int) kind);
}

