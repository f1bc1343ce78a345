/*  coordinator/linalg.h - the small dense linear algebra the regressions
    share (glm gaussian in query.c, the iterative fits in fit.c): row-major
    t x t matrices, GSL underneath, GSL's error handler off.

    Contents
        coord_linalg_floor      a symmetric matrix made positive definite
        coord_linalg_solve      a positive definite system, and its inverse
*/
#ifndef COORD_LINALG_H
#define COORD_LINALG_H

#include <stddef.h>

/*  a := a with its eigenvalues floored at `floor` (and at 1e-9 of the
    largest, and 1e-12): positive definite. 0, or -1 out of memory. */
int coord_linalg_floor (double *a, size_t t, double floor);

/*  x := a^-1 b, and inv := a^-1 when not NULL, by Cholesky. 0; 1 when a is
    singular, or nearly (a pivot below 1e-7 of the largest: collinear
    columns); -1 out of memory. */
int coord_linalg_solve (const double *a, const double *b, size_t t, double *x, double *inv);

#endif
