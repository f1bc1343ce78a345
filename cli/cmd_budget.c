/*  cli/cmd_budget.c - `cohort budget`: the privacy budget each site has
    spent and has left per dataset, as an analyst (coordinator/client.h asks
    the coordinator, which passes on what each site's ledger reported). */
#include "cli.h"
#include "cmd.h"
#include "analyst.h"
#include "coordinator/client.h"
#include "util/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char s_usage [] =
    "usage: cohort budget [--dataset NAME] [--json] [--analyst analyst.cfg]\n"
    "                     [--totp CODE]\n"
    "Prints, per dataset and site, the epsilon budget the site grants, what its ledger\n"
    "has spent (the accountant's total at the budget's delta) and what is left, as each\n"
    "site last reported it to the coordinator (every 2 s; docs/analysts.md).\n"
    "  --dataset NAME  only this dataset (an error when no site reported it)\n"
    "  --json          {\"budget\": [{dataset, site, epsilon_budget, epsilon_spent,\n"
    "                  epsilon_left, delta, age_s}, ...], \"silent\": [sites that\n"
    "                  reported no budget]}\n"
    "  --analyst FILE  analyst.cfg (default ./analyst.cfg)\n"
    CLI_TOTP_USAGE
    "Exit 0 on success, 1 when the coordinator could not be asked or the dataset is\n"
    "unknown, 2 on a usage error.\n";

//  Keeps only the rows of `dataset`; -1 (with the reason) when none is left.
static int
s_only (json_t *answer, const char *dataset)
{
    json_t *rows = json_object_get (answer, "budget");
    for (size_t i = json_array_size (rows); i-- > 0; ) {
        const char *name = json_string_value (json_object_get (json_array_get (rows, i),
                                                               "dataset"));
        if (!name || strcmp (name, dataset))
            json_array_remove (rows, i);
    }
    if (json_array_size (rows) == 0)
        return util_error (UTIL_EINPUT, "budget: no site reported a budget for dataset '%s'",
                           dataset);
    return 0;
}

static void
s_print (const json_t *answer, FILE *out)
{
    json_t *rows = json_object_get (answer, "budget");
    fprintf (out, "  %-20s %-16s %12s %12s %12s %10s %10s\n", "dataset", "site",
             "epsilon", "spent", "left", "delta", "reported");
    size_t i;
    json_t *row;
    json_array_foreach (rows, i, row)
        fprintf (out, "  %-20s %-16s %12.6g %12.6g %12.6g %10.3g %8.0fs ago\n",
                 json_string_value (json_object_get (row, "dataset")),
                 json_string_value (json_object_get (row, "site")),
                 json_real_value (json_object_get (row, "epsilon_budget")),
                 json_real_value (json_object_get (row, "epsilon_spent")),
                 json_real_value (json_object_get (row, "epsilon_left")),
                 json_real_value (json_object_get (row, "delta")),
                 json_real_value (json_object_get (row, "age_s")));
    if (json_array_size (rows) == 0)
        fputs ("  (no site has reported a budget)\n", out);
    json_t *silent = json_object_get (answer, "silent");
    if (json_array_size (silent)) {
        fputs ("\n  no budget reported by:", out);
        json_array_foreach (silent, i, row)
            fprintf (out, " %s", json_string_value (row));
        fputc ('\n', out);
    }
    fputs ("\n  - Each site keeps its own ledger and refuses what would go over its budget.\n"
           "  - Spent is the site's accountant's total (RDP, converted at the budget's delta),\n"
           "    usually less than the sum of the reports' epsilons.\n", out);
}

int
cli_cmd_budget (int argc, char **argv)
{
    const char *analyst = "analyst.cfg", *dataset = NULL, *totp = NULL;
    bool json = false;
    const cli_opt_t table [] = {
        CLI_STRING ("dataset", &dataset),
        CLI_FLAG ("json", &json),
        CLI_STRING ("analyst", &analyst),
        CLI_STRING ("totp", &totp),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, s_usage);
    if (rc != CLI_OK)
        return rc < 0? CLI_OK: rc;
    coord_client_t *client = cli_analyst_client (analyst, totp);
    json_t *answer = NULL;
    rc = CLI_FAIL;
    if (!client || coord_client_budget (client, &answer)
    ||  (dataset && s_only (answer, dataset)))
        cli_error ("%s", util_last_error ());
    else {
        if (json) {
            char *text = json_dumps (answer, JSON_INDENT (2) | JSON_REAL_PRECISION (17));
            if (text)
                puts (text);
            free (text);
            rc = text? CLI_OK: (cli_error ("budget: out of memory"), CLI_FAIL);
        }
        else {
            s_print (answer, stdout);
            rc = CLI_OK;
        }
    }
    json_decref (answer);
    coord_client_destroy (&client);
    return rc;
}
