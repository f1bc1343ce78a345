/*  Unit tests for site/site.c: the per-thread error line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "site/site.h"

static void
test_error (void **state)
{
    (void) state;
    assert_int_equal (site_error ("budget: %g", 0.5), -1);
    assert_string_equal (site_last_error (), "budget: 0.5");
}

int
main (void)
{
    const struct CMUnitTest tests [] = { cmocka_unit_test (test_error) };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
