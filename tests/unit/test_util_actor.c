/*  Unit tests for util/actor.c: a czmq actor's start-up answer, its
    failure's reason and code carried to the caller's thread. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/actor.h"

//  args: "fail", "ok-detail", "ok" or "garbled". Answers, then waits for $TERM.
static void
s_actor (zsock_t *pipe, void *args)
{
    const char *how = args;
    zsock_signal (pipe, 0);
    if (streq (how, "fail")) {
        util_error (UTIL_EIO, "journal.db: cannot open: No such file or directory");
        util_actor_failed (pipe);
    }
    else
    if (streq (how, "ok-detail"))
        zstr_sendx (pipe, "OK", "tcp://127.0.0.1:7700", NULL);
    else
    if (streq (how, "ok"))
        zstr_send (pipe, "OK");
    else
        zstr_send (pipe, "MAYBE");
    char *command = zstr_recv (pipe);
    zstr_free (&command);
}

static void
test_answers (void **state)
{
    (void) state;
    //  The reason and its code arrive in the caller's slot, as sent.
    zactor_t *a = zactor_new (s_actor, "fail");
    assert_non_null (a);
    util_error_clear ();
    assert_int_equal (util_actor_started (a, "journal", NULL), -1);
    assert_int_equal (util_last_code (), UTIL_EIO);
    assert_string_equal (util_last_error (), "journal.db: cannot open: No such file or directory");
    zactor_destroy (&a);
    //  OK with a detail frame, and without one.
    char *detail = NULL;
    a = zactor_new (s_actor, "ok-detail");
    assert_int_equal (util_actor_started (a, "endpoint", &detail), 0);
    assert_string_equal (detail, "tcp://127.0.0.1:7700");
    zstr_free (&detail);
    zactor_destroy (&a);
    a = zactor_new (s_actor, "ok");
    assert_int_equal (util_actor_started (a, "endpoint", &detail), 0);
    assert_null (detail);
    zactor_destroy (&a);
    //  Anything else is "did not start", naming what.
    a = zactor_new (s_actor, "garbled");
    assert_int_equal (util_actor_started (a, "endpoint", NULL), -1);
    assert_int_equal (util_last_code (), UTIL_EFAIL);
    assert_non_null (strstr (util_last_error (), "endpoint: did not start"));
    zactor_destroy (&a);
}

int
main (void)
{
    const struct CMUnitTest tests [] = { cmocka_unit_test (test_answers) };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
