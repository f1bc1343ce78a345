/*  Unit tests for coordinator/coord.c: the per-thread error line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "coordinator/coord.h"

static void
test_error (void **state)
{
    (void) state;
    assert_int_equal (coord_error ("round %d: %s", 3, "failed"), -1);
    assert_string_equal (coord_last_error (), "round 3: failed");
}

int
main (void)
{
    const struct CMUnitTest tests [] = { cmocka_unit_test (test_error) };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
