/*  cli/cmd_site.c - `cohort site --config site.cfg`: runs a site worker
    until SIGINT or SIGTERM. */
#include "cli.h"
#include "util/error.h"
#include "cmd.h"
#include "site/worker.h"

#include <czmq.h>
#include <stdio.h>

static const char s_usage [] =
    "usage: cohort site --config site.cfg\n"
    "Runs a site worker: connects out to the coordinator over CURVE, accepts or\n"
    "declines study offers against its own privacy ledger, and contributes clipped,\n"
    "noised, encrypted updates and partial decryptions of round aggregates.\n"
    "With an ingest section in site.cfg it also serves gateways: sealed vital-sign\n"
    "records over CURVE, acknowledged once durable (docs/ingest.md).\n"
    "Stops on SIGINT or SIGTERM.\n"
    "  --config FILE   site.cfg (ZPL; see docs/protocol.md)\n";

int
cli_cmd_site (int argc, char **argv)
{
    const char *config;
    int rc = cli_daemon_start (argc, argv, s_usage, &config);
    if (rc)
        return rc < 0? CLI_OK: rc;
    site_worker_t *worker = site_worker_new (config);
    if (!worker) {
        cli_error ("%s", util_last_error ());
        return CLI_FAIL;
    }
    rc = site_worker_run (worker, NULL);
    site_worker_destroy (&worker);
    return rc? CLI_FAIL: CLI_OK;
}
