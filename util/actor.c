/*  util/actor.c - a czmq actor's start-up answer. */
#include "actor.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

void
util_actor_failed (zsock_t *pipe)
{
    char code [16];
    snprintf (code, sizeof code, "%d", (int) util_last_code ());
    zstr_sendx (pipe, "ERROR", code, util_last_error (), NULL);
}

int
util_actor_started (zactor_t *actor, const char *what, char **detail)
{
    if (detail)
        *detail = NULL;
    char *status = NULL, *second = NULL, *third = NULL;
    int rc = -1;
    if (zstr_recvx (actor, &status, &second, &third, NULL) < 0 || !status)
        util_error (UTIL_EFAIL, "%s: did not start", what);
    else
    if (streq (status, "OK")) {
        if (detail) {
            *detail = second;
            second = NULL;
        }
        rc = 0;
    }
    else
    if (streq (status, "ERROR") && second && third)
        util_error ((util_code_t) atoi (second), "%s", third);
    else
        util_error (UTIL_EFAIL, "%s: did not start (answered '%s')", what, status);
    zstr_free (&status);
    zstr_free (&second);
    zstr_free (&third);
    return rc;
}

void
util_actor_destroy (zactor_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sigset_t held, before;
    sigemptyset (&held);
    sigaddset (&held, SIGINT);
    sigaddset (&held, SIGTERM);
    int masked = pthread_sigmask (SIG_BLOCK, &held, &before) == 0;
    zactor_destroy (self_p);
    if (masked)
        pthread_sigmask (SIG_SETMASK, &before, NULL);
}
