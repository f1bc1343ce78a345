/*  dp/postprocess.h - post-processing of released noisy counts.

    Anything computed from an already noised release costs no privacy
    (post-processing). These functions make noisy histograms usable: a
    histogram with Gaussian noise of standard deviation sigma on every bin
    has negative bins, and clamping them to zero adds about 0.4 sigma of
    spurious mass to every empty bin, which drags a score histogram's AUC
    towards 0.5. Norm-Sub (Wang, Lopuhaä-Zwakenberg, Li, Škorić, Li,
    "Locally differentially private frequency estimation with
    consistency", NDSS 2020) instead subtracts one common amount from every
    bin and clamps at zero, with the amount chosen so that the total stays
    the noisy total (an unbiased estimate of the true one).

    Contents
        dp_norm_sub             Norm-Sub in place on a noisy histogram

    The histogram is the caller's, changed in place. Errors are -1 with the
    reason in the error slot (util/error.h).
*/
#ifndef DP_POSTPROCESS_H
#define DP_POSTPROCESS_H

#include "dp.h"

#include <stddef.h>

/*  Norm-Sub in place on x[0..n): finds d with sum_b max(x_b - d, 0) = T,
    T = sum_b x_b, and sets x_b = max(x_b - d, 0). A histogram with no
    negative bin is unchanged; when T <= 0 every bin becomes 0. Every x_b
    must be finite and n >= 1. Returns 0 or -1. */
int dp_norm_sub (double *x, size_t n) DP_WUR;

#endif
