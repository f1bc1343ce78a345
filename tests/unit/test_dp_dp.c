/*  Unit tests for dp/dp.c: the per-thread last error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>

#include "dp/dp_internal.h"

static void *
s_other_thread (void *arg)
{
    (void) arg;
    //  A fresh thread starts with no error, whatever the main thread did.
    return (void *) (uintptr_t) (strcmp (dp_last_error (), "") == 0);
}

static void
test_last_error (void **state)
{
    (void) state;
    assert_int_equal (dp_error ("bad %s at %d", "thing", 7), -1);
    assert_string_equal (dp_last_error (), "bad thing at 7");
    pthread_t t;
    void *clean = NULL;
    assert_int_equal (pthread_create (&t, NULL, s_other_thread, NULL), 0);
    assert_int_equal (pthread_join (t, &clean), 0);
    assert_true ((uintptr_t) clean == 1);
    assert_string_equal (dp_last_error (), "bad thing at 7");
    //  Long messages are truncated, not overflowed.
    char big [2000];
    memset (big, 'x', sizeof big - 1);
    big [sizeof big - 1] = '\0';
    dp_error ("%s", big);
    assert_true (strlen (dp_last_error ()) < sizeof big - 1);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_last_error),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
