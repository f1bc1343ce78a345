/*  coordinator/actor.h - the coordinator as a czmq actor.

    coord_actor_new() starts the actor on a coordinator.cfg: it loads the
    public key and the verification keys (never a share), opens the
    journal, starts the ZAP allowlist and binds the CURVE ROUTER. Then it
    serves sites (hello, heartbeat, accept/decline, updates, partial
    decryptions) and analysts (launch, status, report), one study at a time,
    driving the round state machine with the configured round deadline.
    Pipe commands: "$TERM"; "ENDPOINT" answers the bound endpoint.
*/
#ifndef COORD_ACTOR_H
#define COORD_ACTOR_H

#include <czmq.h>

/*  Starts a coordinator. NULL with the reason (coord_last_error) if the
    configuration, keys, journal or socket cannot be set up. */
zactor_t *coord_actor_new (const char *config_path);

/*  The actor body (for zactor_new; args is the config path). */
void coord_actor (zsock_t *pipe, void *args);

#endif
