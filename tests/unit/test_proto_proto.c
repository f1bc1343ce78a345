/*  Unit tests for proto/proto.c: the per-thread error line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "proto/proto.h"

static void
test_error (void **state)
{
    (void) state;
    assert_int_equal (proto_error ("field %s: %d", "x", 3), -1);
    assert_string_equal (proto_last_error (), "field x: 3");
    char big [2000];
    memset (big, 'a', sizeof big - 1);
    big [sizeof big - 1] = 0;
    assert_int_equal (proto_error ("%s", big), -1);
    assert_int_equal (strlen (proto_last_error ()), 511);
}

int
main (void)
{
    const struct CMUnitTest tests [] = { cmocka_unit_test (test_error) };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
