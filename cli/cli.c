/*  cli/cli.c - top-level dispatch, one-line errors and the daemons' start. */
#include "cli.h"
#include "cmd.h"
#include "he/he.h"
#include "models/models.h"

#include <czmq.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cli_command_t s_commands [] = {
    { "keygen", "generate keys (threshold Paillier)", cli_cmd_keygen },
    { "bench",  "run a benchmark and print its figures (JSON with --json)", cli_cmd_bench },
    { "demo",   "a consortium of 3 hospitals on loopback: DP LR and MLP studies (make demo)",
                cli_cmd_demo },
    { "train",    "fit a logistic regression or an MLP on a CSV file (model JSON)", cli_cmd_train },
    { "predict",  "score the rows of a CSV file with a model", cli_cmd_predict },
    { "evaluate", "AUC, accuracy, log-loss and Brier score of a model on a CSV file", cli_cmd_evaluate },
    { "privacy", "privacy accounting, noise calibration, noise samples", cli_cmd_privacy },
    { "audit",  "the tamper-evident audit log: verify, prove, checkpoint, keygen", cli_cmd_audit },
    { "device-sim", "stream sealed vital signs to a site as a gateway", cli_cmd_device_sim },
    { "ingest", "devices, storage key, consent authorities, grants, selection", cli_cmd_ingest },
    { "coordinator", "run the coordinator daemon (coordinator.cfg)", cli_cmd_coordinator },
    { "site",   "run a site worker (site.cfg); `site check`: data vs dictionary", cli_cmd_site },
    { "study",  "launch a study or show its status (analyst)", cli_cmd_study },
    { "report", "fetch a study's report (analyst)", cli_cmd_report },
    { "query",  "run a statistical query over the consortium (analyst)", cli_cmd_query },
    { "budget", "privacy budget spent and left per dataset and site (analyst)", cli_cmd_budget },
    { "admin",  "role certificates (grant, revoke, list) and TOTP enrolment (consortium admin)", cli_cmd_admin },
    { "simulate", "run one study on a throwaway consortium of local processes", cli_cmd_simulate },
    { NULL, NULL, NULL }
};

void
cli_error (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    fputs ("cohort: error: ", stderr);
    vfprintf (stderr, fmt, ap);
    fputc ('\n', stderr);
    va_end (ap);
}

int
cli_daemon_start (int argc, char **argv, const char *usage, const char **config)
{
    *config = NULL;
    const cli_opt_t table [] = { CLI_STRING ("config", config), CLI_END };
    int rc = cli_parse (argc, argv, table, usage);
    if (rc == CLI_OK && !*config) {
        cli_error ("%s: --config is required", argv [0]);
        fputs (usage, stderr);
        rc = CLI_USAGE;
    }
    if (rc == CLI_OK) {
        he_init ();
        model_init ();
        zsys_init ();
    }
    return rc;
}

static void
s_list (const char *prog, const cli_command_t *commands, FILE *to)
{
    fprintf (to, "usage: %s <command> [options]\n\ncommands:\n", prog);
    for (const cli_command_t *c = commands; c->name; c++)
        fprintf (to, "  %-10s %s\n", c->name, c->summary);
    fprintf (to, "\n`%s <command> --help` describes each command.\n", prog);
}

int
cli_dispatch (const char *prog, const cli_command_t *commands, int argc, char **argv)
{
    if (argc < 2) {
        s_list (prog, commands, stderr);
        return CLI_USAGE;
    }
    const char *name = argv [1];
    if (strcmp (name, "-h") == 0 || strcmp (name, "--help") == 0
    ||  strcmp (name, "help") == 0) {
        s_list (prog, commands, stdout);
        return CLI_OK;
    }
    for (const cli_command_t *c = commands; c->name; c++)
        if (strcmp (c->name, name) == 0)
            return c->run (argc - 1, argv + 1);
    cli_error ("%s: unknown command '%s' (try `%s --help`)", prog, name, prog);
    return CLI_USAGE;
}

int
cli_run (int argc, char **argv)
{
    if (argc >= 2 && strcmp (argv [1], "--version") == 0) {
        puts ("cohort " COHORT_VERSION);
        return CLI_OK;
    }
    return cli_dispatch ("cohort", s_commands, argc, argv);
}
