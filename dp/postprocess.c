/*  dp/postprocess.c - Norm-Sub for noisy histograms. */
#include "postprocess.h"
#include "dp.h"
#include "util/alloc.h"
#include "util/error.h"

#include <math.h>
#include <stdlib.h>

static int
s_descending (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x < y) - (x > y);
}

int
dp_norm_sub (double *x, size_t n)
{
    if (n == 0)
        return util_error (UTIL_EINPUT, "norm-sub: empty histogram");
    double total = 0;
    for (size_t b = 0; b < n; b++) {
        if (!isfinite (x [b]))
            return util_error (UTIL_EINPUT, "norm-sub: bin %zu is not finite", b);
        total += x [b];
    }
    if (!(total > 0)) {
        for (size_t b = 0; b < n; b++)
            x [b] = 0;
        return 0;
    }
    //  With the bins sorted in descending order, keeping the k largest
    //  gives d = (sum of those k - T) / k; the right k is the largest one
    //  whose k-th bin still lies above its d.
    double *sorted = util_calloc (n, sizeof (double));
    if (!sorted)
        return util_error_context ("norm-sub");
    for (size_t b = 0; b < n; b++)
        sorted [b] = x [b];
    qsort (sorted, n, sizeof (double), s_descending);
    double prefix = 0, d = sorted [0] - total;
    for (size_t k = 1; k <= n; k++) {
        prefix += sorted [k - 1];
        double candidate = (prefix - total) / (double) k;
        if (sorted [k - 1] > candidate)
            d = candidate;
        else
            break;
    }
    free (sorted);
    for (size_t b = 0; b < n; b++)
        x [b] = fmax (x [b] - d, 0);
    return 0;
}
