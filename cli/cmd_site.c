/*  cli/cmd_site.c - `cohort site --config site.cfg`: runs a site worker
    until SIGINT or SIGTERM (draining the round in flight), re-reading
    site.cfg on SIGHUP; `cohort site check`: the site's doctor
    (site/check.h). */
#include "cli.h"
#include "util/error.h"
#include "cmd.h"
#include "site/doctor.h"
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
    "`cohort site check --help`: the site's doctor (files, keys, certificate,\n"
    "coordinator, datasets against the data dictionary).\n";

static const char s_check_usage [] =
    "usage: cohort site check --config site.cfg [--dictionary FILE] [--timeout-ms MS]\n"
    "                         [--offline]\n"
    "The site's doctor (docs/deploy.md). One line per check, \"ok\", \"warn\" or \"FAIL\":\n"
    "the config loads (its role certificate opens with the admin's key and names this\n"
    "site and share index); the CURVE certificate, signing key and key share exist\n"
    "with no access for group or others; the public files read; the key share has\n"
    "the config's index and fits the public key; the revocation list opens and does\n"
    "not name this site; the ledger and audit log can be written; the clock and the\n"
    "certificate's days left; whether the coordinator completes a CURVE handshake\n"
    "with this site's certificate; and every dataset (path and test_path) against\n"
    "the consortium's data dictionary (docs/dictionary.md): columns it does not\n"
    "name, and how many values fall outside the bounds, are not a level or do not\n"
    "read as the column's type (with the first rows), never a value. Run it as the\n"
    "service's user. Nothing is sent but the handshake.\n"
    "Exit status: 0 no FAIL, 1 any FAIL, 2 a bad command line.\n"
    "  --config FILE       site.cfg (its `dictionary` key names the dictionary)\n"
    "  --dictionary FILE   check the datasets against this dictionary instead\n"
    "  --timeout-ms MS     how long the coordinator has to answer (default 5000)\n"
    "  --offline           do not contact the coordinator\n";

static int
s_check (int argc, char **argv)
{
    const char *config = NULL, *dictionary = NULL;
    unsigned timeout_ms = SITE_DOCTOR_TIMEOUT_MS;
    bool offline = false;
    const cli_opt_t table [] = {
        CLI_STRING ("config", &config), CLI_STRING ("dictionary", &dictionary),
        { "timeout-ms", CLI_OPT_UINT, &timeout_ms, 100, 600000, NULL, NULL },
        CLI_FLAG ("offline", &offline), CLI_END
    };
    int rc = cli_parse (argc, argv, table, s_check_usage);
    if (rc != CLI_OK)
        return rc < 0? CLI_OK: rc;
    if (cli_need ("site check", "--config", config))
        return CLI_USAGE;
    zsys_init ();
    int fails = site_doctor_run (config, dictionary, timeout_ms, offline, stdout);
    return fails? CLI_FAIL: CLI_OK;
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
