/*  cli/cmd_site.c - `cohort site --config site.cfg`: runs a site worker
    until SIGINT or SIGTERM (draining the round in flight), re-reading
    site.cfg on SIGHUP; `cohort site check`: the site's doctor
    (site/check.h). */
#include "cli.h"
#include "util/error.h"
#include "cmd.h"
#include "site/check.h"
#include "site/worker.h"

#include <czmq.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static const char s_usage [] =
    "usage: cohort site --config site.cfg\n"
    "Runs a site worker: connects out to the coordinator over CURVE, accepts or\n"
    "declines study offers against its own privacy ledger, and contributes clipped,\n"
    "noised, encrypted updates and partial decryptions of round aggregates.\n"
    "With an ingest section in site.cfg it also serves gateways: sealed vital-sign\n"
    "records over CURVE, acknowledged once durable (docs/ingest.md).\n"
    "SIGHUP re-reads site.cfg (the budget, datasets and policy keys; a file that\n"
    "does not load, or changes what needs a restart, is not applied: the log says\n"
    "why). SIGINT or SIGTERM stops it: the round in flight is finished (its\n"
    "decryption answered, up to 3 s) or abandoned, and the exit status is 0.\n"
    "  --config FILE   site.cfg (ZPL; see docs/protocol.md)\n"
    "\n"
    "`cohort site check --help`: check the datasets against the data dictionary.\n";

static const char s_check_usage [] =
    "usage: cohort site check --config site.cfg [--dictionary FILE]\n"
    "Checks every dataset site.cfg registers (path and test_path) against the\n"
    "consortium's data dictionary (docs/dictionary.md) and prints, per file, the\n"
    "columns the dictionary does not name, how many values fall outside the bounds,\n"
    "are not a level or do not read as the column's type (with the first rows),\n"
    "never a value. A dictionary variable the data lacks is listed, not an error.\n"
    "The report is for this site's operator: nothing is sent.\n"
    "Exit status: 0 every file clean, 1 findings, 2 a bad command line, config or\n"
    "dictionary.\n"
    "  --config FILE       site.cfg (its `dictionary` key names the dictionary)\n"
    "  --dictionary FILE   check against this dictionary instead\n";

static int
s_check (int argc, char **argv)
{
    const char *config = NULL, *dictionary = NULL;
    const cli_opt_t table [] = {
        CLI_STRING ("config", &config), CLI_STRING ("dictionary", &dictionary), CLI_END
    };
    int rc = cli_parse (argc, argv, table, s_check_usage);
    if (rc != CLI_OK)
        return rc < 0? CLI_OK: rc;
    if (cli_need ("site check", "--config", config))
        return CLI_USAGE;
    long found = site_check_config (config, dictionary, stdout);
    if (found < 0) {
        cli_error ("%s", util_last_error ());
        return CLI_USAGE;
    }
    return found? CLI_FAIL: CLI_OK;
}

//  Set by SIGHUP, cleared by the worker when it has re-read its config.
static volatile sig_atomic_t s_reload;

static void
s_on_hup (int sig)
{
    (void) sig;
    s_reload = 1;
}

int
cli_cmd_site (int argc, char **argv)
{
    if (argc >= 2 && strcmp (argv [1], "check") == 0)
        return s_check (argc - 1, argv + 1);
    const char *config;
    int rc = cli_daemon_start (argc, argv, s_usage, &config);
    if (rc)
        return rc < 0? CLI_OK: rc;
    site_worker_t *worker = site_worker_new (config);
    if (!worker) {
        cli_error ("%s", util_last_error ());
        return CLI_FAIL;
    }
    //  No SA_RESTART: the poll returns at once, and the worker reloads.
    struct sigaction hup = { .sa_handler = s_on_hup };
    sigemptyset (&hup.sa_mask);
    sigaction (SIGHUP, &hup, NULL);
    rc = site_worker_run (worker, NULL, &s_reload);
    signal (SIGHUP, SIG_DFL);
    site_worker_destroy (&worker);
    return rc? CLI_FAIL: CLI_OK;
}
