/*  cli/cmd_site.c - `cohort site --config site.cfg`: runs a site worker
    until SIGINT or SIGTERM. */
#include "cli.h"
#include "cmd.h"
#include "he/he.h"
#include "models/models.h"
#include "site/site.h"
#include "site/worker.h"

#include <czmq.h>
#include <getopt.h>
#include <stdio.h>

static void
s_usage (FILE *to)
{
    fputs ("usage: cohort site --config site.cfg\n"
           "Runs a site worker: connects out to the coordinator over CURVE, accepts or\n"
           "declines study offers against its own privacy ledger, and contributes clipped,\n"
           "noised, encrypted updates and partial decryptions of round aggregates.\n"
           "Stops on SIGINT or SIGTERM.\n"
           "  --config FILE   site.cfg (ZPL; see docs/protocol.md)\n", to);
}

int
cli_cmd_site (int argc, char **argv)
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
    site_worker_t *worker = site_worker_new (config);
    if (!worker) {
        cli_error ("%s", site_last_error ());
        return CLI_FAIL;
    }
    int rc = site_worker_run (worker, NULL);
    site_worker_destroy (&worker);
    return rc? CLI_FAIL: CLI_OK;
}
