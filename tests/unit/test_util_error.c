/*  Unit tests for util/error.c: codes, messages, context, copies, threads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>

#include "util/error.h"

static void *
s_other_thread (void *arg)
{
    (void) arg;
    //  A fresh thread starts with an empty slot, whatever the main thread did,
    //  and what it records stays its own.
    int clean = strcmp (util_last_error (), "") == 0 && util_last_code () == UTIL_OK;
    util_error (UTIL_EIO, "other thread");
    return (void *) (uintptr_t) clean;
}

static void
test_code_and_message (void **state)
{
    (void) state;
    assert_int_equal (util_error (UTIL_EINPUT, "bad %s at %d", "thing", 7), -1);
    assert_string_equal (util_last_error (), "bad thing at 7");
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    assert_null (util_error_null (UTIL_ENOMEM, "out of memory (%d bytes)", 12));
    assert_int_equal (util_last_code (), UTIL_ENOMEM);
    assert_string_equal (util_code_name (util_last_code ()), "out of memory");
    //  A code out of range (or UTIL_OK, which is no failure) is recorded as
    //  UTIL_EFAIL: a failure always has a failing code.
    util_error (UTIL_OK, "x");
    assert_int_equal (util_last_code (), UTIL_EFAIL);
    util_error ((util_code_t) 99, "x");
    assert_int_equal (util_last_code (), UTIL_EFAIL);
    assert_string_equal (util_code_name ((util_code_t) 99), "unknown");
    assert_string_equal (util_code_name (UTIL_EREFUSED), "refused");
    util_error_clear ();
    assert_string_equal (util_last_error (), "");
    assert_int_equal (util_last_code (), UTIL_OK);
}

static void
test_threads (void **state)
{
    (void) state;
    util_error (UTIL_ECRYPTO, "main thread");
    pthread_t t;
    void *clean = NULL;
    assert_int_equal (pthread_create (&t, NULL, s_other_thread, NULL), 0);
    assert_int_equal (pthread_join (t, &clean), 0);
    assert_true ((uintptr_t) clean == 1);
    assert_string_equal (util_last_error (), "main thread");
    assert_int_equal (util_last_code (), UTIL_ECRYPTO);
}

static void
test_truncation (void **state)
{
    (void) state;
    char big [2000];
    memset (big, 'x', sizeof big - 1);
    big [sizeof big - 1] = '\0';
    util_error (UTIL_EFAIL, "%s", big);
    assert_int_equal (strlen (util_last_error ()), UTIL_ERROR_MAX - 1);
}

static void
test_self_reference (void **state)
{
    (void) state;
    //  The slot's own text as an argument: formatted from a copy.
    util_error (UTIL_EIO, "disk full");
    util_error (UTIL_EFAIL, "ledger: %s (again: %s)", util_last_error (), util_last_error ());
    assert_string_equal (util_last_error (), "ledger: disk full (again: disk full)");
}

static void
test_context (void **state)
{
    (void) state;
    util_error (UTIL_EIO, "ledger.db: cannot open: No such file");
    assert_int_equal (util_error_context ("site %s: budget", "a"), -1);
    assert_string_equal (util_last_error (), "site a: budget: ledger.db: cannot open: No such file");
    //  The code of the reason is kept.
    assert_int_equal (util_last_code (), UTIL_EIO);
    //  On an empty slot the context alone is the message, a failing code.
    util_error_clear ();
    util_error_context ("nothing below");
    assert_string_equal (util_last_error (), "nothing below");
    assert_int_equal (util_last_code (), UTIL_EFAIL);
    //  A long context leaves a cut, terminated message.
    char big [700];
    memset (big, 'c', sizeof big - 1);
    big [sizeof big - 1] = '\0';
    util_error (UTIL_EINPUT, "reason");
    util_error_context ("%s", big);
    assert_int_equal (strlen (util_last_error ()), UTIL_ERROR_MAX - 1);
    //  A long reason is cut after the context.
    util_error (UTIL_EINPUT, "%.*s", 600, big);
    util_error_context ("ctx");
    assert_int_equal (strlen (util_last_error ()), UTIL_ERROR_MAX - 1);
    assert_memory_equal (util_last_error (), "ctx: ccc", 8);
}

static void
test_copy (void **state)
{
    (void) state;
    util_error (UTIL_EREFUSED, "budget: over by %d", 3);
    char keep [64];
    assert_ptr_equal (util_error_copy (keep, sizeof keep), keep);
    //  The copy survives the next failure; the borrowed pointer does not.
    const char *borrowed = util_last_error ();
    util_error (UTIL_EIO, "audit: write failed");
    assert_string_equal (keep, "budget: over by 3");
    assert_string_equal (borrowed, "audit: write failed");
    //  A short buffer gets a cut, terminated copy; size 0 writes nothing.
    char small [5] = "zzzz";
    util_error_copy (small, sizeof small);
    assert_string_equal (small, "audi");
    char none [1] = { 'q' };
    util_error_copy (none, 0);
    assert_int_equal (none [0], 'q');
}

static void
test_save_restore (void **state)
{
    (void) state;
    util_error (UTIL_EREFUSED, "budget: over");
    util_error_saved_t saved;
    util_error_save (&saved);
    //  A clean-up fails in turn...
    util_error (UTIL_EIO, "close failed");
    //  ...and the first reason is reported, with its code.
    assert_int_equal (util_error_restore (&saved), -1);
    assert_string_equal (util_last_error (), "budget: over");
    assert_int_equal (util_last_code (), UTIL_EREFUSED);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_code_and_message),
        cmocka_unit_test (test_threads),
        cmocka_unit_test (test_truncation),
        cmocka_unit_test (test_self_reference),
        cmocka_unit_test (test_context),
        cmocka_unit_test (test_copy),
        cmocka_unit_test (test_save_restore),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
