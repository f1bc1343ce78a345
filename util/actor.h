/*  util/actor.h - the start-up answer of a czmq actor, with the reason of a
    failure carried across threads.

    Contents
        util_actor_failed       the actor's side: "ERROR" <code> <reason>,
                                from this thread's error slot
        util_actor_started      the caller's side: 0 for "OK", or -1 with
                                the actor's reason and code in the caller's
                                error slot
        util_actor_destroy      zactor_destroy, with SIGINT and SIGTERM
                                held off the calling thread while it waits

    The error slot (util/error.h) is per thread: an actor that cannot start
    sends its reason, code included, so that the caller reports the cause
    and not "did not start". An actor answers "OK", optionally followed by
    one frame of detail (the endpoint it bound, say).
*/
#ifndef UTIL_ACTOR_H
#define UTIL_ACTOR_H

#include "util/error.h"

#include <czmq.h>

/*  Sends "ERROR" <code> <reason> on the actor's pipe, from this thread's
    error slot. */
void util_actor_failed (zsock_t *pipe);

/*  Receives the actor's start-up answer. "OK": returns 0, and *detail (when
    not NULL) gets the frame after it, or NULL (a new string: zstr_free).
    "ERROR": -1 with the actor's code and reason as it sent them; no answer
    (or another one): -1 with UTIL_EFAIL, "<what>: did not start". */
int util_actor_started (zactor_t *actor, const char *what, char **detail) UTIL_WUR;

/*  zactor_destroy (sends $TERM, waits for the actor's handler to return),
    with SIGINT and SIGTERM blocked in the calling thread meanwhile. czmq's
    wait gives up on EINTR: a second SIGTERM (a supervisor's "are you gone
    yet?") would let the caller return and exit, running OpenSSL's clean-up
    under an actor still closing its journal. Blocked here, such a signal
    goes to another thread, where czmq's handler only sets zsys_interrupted,
    and is still pending for this thread afterwards. Nullifies *self_p. */
void util_actor_destroy (zactor_t **self_p);

#endif
