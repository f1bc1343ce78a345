/*  cli/cmd_query.c - `cohort query`: one statistical query over the
    consortium, as an analyst (coordinator/client.h does the talking,
    coordinator/render.h the printing). */
#include "cli.h"
#include "cmd.h"
#include "analyst.h"
#include "coordinator/client.h"
#include "coordinator/render.h"
#include "proto/plan.h"
#include "sim/simulate.h"
#include "util/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char s_usage [] =
    "usage: cohort query EXPR --dataset NAME [--epsilon E] [--delta D] [--privacy on|off]\n"
    "                    [--min-sites T] [--name NAME] [--json] [--out DIR]\n"
    "                    [--analyst analyst.cfg] [--timeout S] [--totp CODE]\n"
    "Runs one statistical query over the consortium and prints its results, each with\n"
    "its 95% interval for the differential-privacy noise (docs/queries.md).\n"
    "  EXPR            e.g. 'summary(glucose, by=diabetes, where=age >= 50)'; also count(),\n"
    "                  mean(), var(), histogram(x, breaks=0:300:20), quantiles(x, 0.5),\n"
    "                  crosstab(a, b), correlation(a, b, c); log(x), x^2, cut(x, c(...));\n"
    "                  km(Surv(time, status) ~ group, grid=0:1020:30);\n"
    "                  glm(y ~ a + factor(b), family=gaussian|binomial|poisson) with\n"
    "                  offset(log(t)), weights=w, iterations=N (docs/analyses.md);\n"
    "                  coxph(Surv(time, status) ~ a + b, grid=30)\n"
    "  --dataset NAME  the dataset the sites registered (required)\n"
    "  --epsilon E     privacy budget of the whole query (default 1)\n"
    "  --delta D       (default 1e-5)\n"
    "  --privacy off   no noise, stamped NOT PRIVATE: development only, and only where\n"
    "                  the consortium allows it\n"
    "  --min-sites T   sites that must answer (default 2; at least the key's threshold)\n"
    "  --name NAME     a name for the query in reports (default query)\n"
    "  --json          print the report as JSON (docs/report.md) instead of a table\n"
    "  --out DIR       also write DIR/report.json, report.csv and report.html\n"
    "  --analyst FILE  analyst.cfg (default ./analyst.cfg)\n"
    "  --timeout S     give up after S seconds (default 600)\n"
    CLI_TOTP_USAGE
    "Exit 0 when the query completed, 1 when it was refused or failed (with the reason),\n"
    "2 on a usage error.\n";

int
cli_cmd_query (int argc, char **argv)
{
    const char *analyst = "analyst.cfg", *dataset = NULL, *privacy = "on", *name = NULL;
    const char *out = NULL, *expr = NULL, *totp = NULL;
    double epsilon = 1, delta = 1e-5, timeout = 600;
    unsigned min_sites = 2;
    bool json = false;
    const cli_opt_t table [] = {
        CLI_STRING ("dataset", &dataset),
        { "epsilon", CLI_OPT_DOUBLE, &epsilon, 0, 100, "(]", NULL },
        { "delta", CLI_OPT_DOUBLE, &delta, 0, 0.1, "()", NULL },
        { "privacy", CLI_OPT_CHOICE, &privacy, 0, 0, "on|off", NULL },
        { "min-sites", CLI_OPT_UINT, &min_sites, 1, PROTO_MAX_PARTIES, NULL, NULL },
        CLI_STRING ("name", &name),
        CLI_FLAG ("json", &json),
        CLI_STRING ("out", &out),
        CLI_STRING ("analyst", &analyst),
        CLI_STRING ("totp", &totp),
        { "timeout", CLI_OPT_DOUBLE, &timeout, 1, 86400, NULL, NULL },
        CLI_END
    };
    int rc = cli_parse_args (argc, argv, table, s_usage, &expr, 1, 1);
    if (rc != CLI_OK)
        return rc < 0? CLI_OK: rc;
    if (cli_need ("query", "--dataset", dataset))
        return CLI_USAGE;
    coord_query_request_t request = {
        .expr = expr, .dataset = dataset, .name = name, .epsilon = epsilon, .delta = delta,
        .off = !strcmp (privacy, "off"), .min_sites = min_sites
    };
    coord_client_t *client = cli_analyst_client (analyst, totp);
    char *id = NULL;
    json_t *report = NULL;
    rc = CLI_FAIL;
    if (!client)
        cli_error ("%s", util_last_error ());
    else
    if (coord_client_query (client, &request, timeout, &id, &report))
        cli_error ("%s", util_last_error ());
    else
    if (coord_render (report, json? "json": "text", stdout))
        cli_error ("%s", util_last_error ());
    else
    if (out && sim_write_outputs (report, out))
        cli_error ("%s", util_last_error ());
    else
        rc = CLI_OK;
    json_decref (report);
    free (id);
    coord_client_destroy (&client);
    return rc;
}
