/*  coordinator/actor.h - the coordinator as a czmq actor.

    coord_actor_new() starts the actor on a coordinator.cfg: it loads the
    public key and the verification keys (never a share), opens the
    journal, starts the ZAP allowlist and binds the CURVE ROUTER. Then it
    serves sites (hello, heartbeat, accept/decline, updates, partial
    decryptions) and analysts (launch, status, report), one study at a time,
    driving the round state machine with the configured round deadline.
    Pipe commands: "$TERM"; "ENDPOINT" answers the bound endpoint.

    Contents
        coord_actor_new     starts a coordinator and waits until it serves
        coord_actor         the actor body, for zactor_new

    The actor is the caller's (zactor_destroy sends $TERM and waits); it
    owns everything it loaded. Errors are NULL with the reason in the error
    slot (util/error.h).
*/
#ifndef COORD_ACTOR_H
#define COORD_ACTOR_H

#include <czmq.h>

/*  Starts a coordinator. NULL with the reason (the actor's own, passed
    back over its pipe) if the configuration, keys, journal or socket
    cannot be set up. */
zactor_t *coord_actor_new (const char *config_path);

/*  The actor body (for zactor_new; args is the config path). */
void coord_actor (zsock_t *pipe, void *args);

#endif
