/*  Unit tests for util/actor.c: a czmq actor's start-up answer, its
    failure's reason and code carried to the caller's thread. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <signal.h>
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

static volatile sig_atomic_t s_signals;
static volatile sig_atomic_t s_handler_done;

static void
s_on_signal (int sig)
{
    (void) sig;
    s_signals++;
}

//  Takes $TERM, then is slow to close (300 ms), as the coordinator is while
//  it closes its journal.
static void
s_slow_actor (zsock_t *pipe, void *args)
{
    (void) args;
    zsock_signal (pipe, 0);
    char *command = zstr_recv (pipe);
    zstr_free (&command);
    zclock_sleep (300);
    s_handler_done = 1;
}

static void *
s_signal_later (void *args)
{
    zclock_sleep (50);
    pthread_kill (*(pthread_t *) args, SIGTERM);
    return NULL;
}

static void
test_destroy_outlasts_a_signal (void **state)
{
    (void) state;
    //  A SIGTERM aimed at the waiting thread (a supervisor's second one)
    //  does not cut the wait short: util_actor_destroy returns only once the
    //  handler has, and the signal is delivered afterwards, not lost.
    struct sigaction action = { .sa_handler = s_on_signal }, before;
    sigemptyset (&action.sa_mask);
    assert_int_equal (sigaction (SIGTERM, &action, &before), 0);
    s_signals = 0;
    s_handler_done = 0;
    zactor_t *a = zactor_new (s_slow_actor, NULL);
    assert_non_null (a);
    pthread_t self = pthread_self (), killer;
    assert_int_equal (pthread_create (&killer, NULL, s_signal_later, &self), 0);
    util_actor_destroy (&a);
    assert_null (a);
    assert_int_equal (s_handler_done, 1);
    pthread_join (killer, NULL);
    assert_int_equal (s_signals, 1);
    sigaction (SIGTERM, &before, NULL);
    util_actor_destroy (&a);            //  NULL: nothing to do
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_answers),
        cmocka_unit_test (test_destroy_outlasts_a_signal),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
