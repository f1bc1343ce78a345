/*  Unit tests for models/models.c: GSL's abort handler is off after
    model_init(), and errors are per thread. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <string.h>

#include "models/models.h"
#include "util/error.h"

static void
test_gsl_does_not_abort (void **state)
{
    (void) state;
    assert_int_equal (model_init (), 0);
    assert_int_equal (model_init (), 0);
    //  A singular matrix makes Cholesky fail; with the default handler this
    //  would abort the test process.
    gsl_matrix *m = gsl_matrix_calloc (2, 2);
    assert_int_not_equal (gsl_linalg_cholesky_decomp1 (m), GSL_SUCCESS);
    gsl_matrix_free (m);
}

static void
test_no_error_initially (void **state)
{
    (void) state;
    assert_string_equal (util_last_error (), "");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_no_error_initially),
        cmocka_unit_test (test_gsl_does_not_abort),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
