/*  Unit tests for site/site.c: per-thread error messages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>

#include "site/site.h"

static void *
s_other (void *arg)
{
    (void) arg;
    site_error ("other thread");
    return NULL;
}

static void
test_errors (void **state)
{
    (void) state;
    assert_string_equal (site_last_error (), "");
    assert_int_equal (site_error ("round %d: %s", 7, "late"), -1);
    assert_string_equal (site_last_error (), "round 7: late");
    pthread_t t;
    pthread_create (&t, NULL, s_other, NULL);
    pthread_join (t, NULL);
    assert_string_equal (site_last_error (), "round 7: late");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_errors),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
