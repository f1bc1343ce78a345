/*  cli/cmd_coordinator.c - `cohort coordinator --config coordinator.cfg`:
    runs the coordinator daemon until SIGINT or SIGTERM. */
#include "cli.h"
#include "cmd.h"
#include "coordinator/actor.h"
#include "util/actor.h"
#include "util/error.h"

#include <czmq.h>
#include <stdio.h>

static const char s_usage [] =
    "usage: cohort coordinator --config coordinator.cfg\n"
    "Runs the coordinator: a CURVE ROUTER that admits the sites and analysts whose\n"
    "public certificates are in the allowlist directory, runs studies round by round\n"
    "and journals them. It holds the public and verification keys, never a key share.\n"
    "Stops on SIGINT or SIGTERM.\n"
    "  --config FILE   coordinator.cfg (ZPL; see docs/protocol.md)\n";

int
cli_cmd_coordinator (int argc, char **argv)
{
    const char *config;
    int rc = cli_daemon_start (argc, argv, s_usage, &config);
    if (rc)
        return rc < 0? CLI_OK: rc;
    zactor_t *actor = coord_actor_new (config);
    if (!actor) {
        cli_error ("%s", util_last_error ());
        return CLI_FAIL;
    }
    zstr_send (actor, "ENDPOINT");
    char *endpoint = zstr_recv (actor);
    zsys_info ("coordinator: listening on %s", endpoint? endpoint: "?");
    zstr_free (&endpoint);
    while (!zsys_interrupted)
        zclock_sleep (200);
    util_actor_destroy (&actor);
    return CLI_OK;
}
