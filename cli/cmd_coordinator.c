/*  cli/cmd_coordinator.c - `cohort coordinator --config coordinator.cfg`:
    runs the coordinator daemon until SIGINT or SIGTERM. */
#include "cli.h"
#include "cmd.h"
#include "coordinator/actor.h"
#include "coordinator/coord.h"
#include "he/he.h"
#include "models/models.h"

#include <czmq.h>
#include <getopt.h>
#include <stdio.h>

static void
s_usage (FILE *to)
{
    fputs ("usage: cohort coordinator --config coordinator.cfg\n"
           "Runs the coordinator: a CURVE ROUTER that admits the sites and analysts whose\n"
           "public certificates are in the allowlist directory, runs studies round by round\n"
           "and journals them. It holds the public and verification keys, never a key share.\n"
           "Stops on SIGINT or SIGTERM.\n"
           "  --config FILE   coordinator.cfg (ZPL; see docs/protocol.md)\n", to);
}

int
cli_cmd_coordinator (int argc, char **argv)
{
    static const struct option options [] = {
        { "config", required_argument, NULL, 'c' },
        { "help",   no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *config = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long (argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
            case 'c': config = optarg; break;
            case 'h': s_usage (stdout); return CLI_OK;
            default:  s_usage (stderr); return CLI_USAGE;
        }
    }
    if (!config || optind != argc) {
        s_usage (stderr);
        return CLI_USAGE;
    }
    he_init ();
    model_init ();
    zsys_init ();
    zactor_t *actor = coord_actor_new (config);
    if (!actor) {
        cli_error ("%s", coord_last_error ());
        return CLI_FAIL;
    }
    zstr_send (actor, "ENDPOINT");
    char *endpoint = zstr_recv (actor);
    zsys_info ("coordinator: listening on %s", endpoint? endpoint: "?");
    zstr_free (&endpoint);
    while (!zsys_interrupted)
        zclock_sleep (200);
    zactor_destroy (&actor);
    return CLI_OK;
}
