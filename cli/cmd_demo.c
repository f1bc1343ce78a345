/*  cli/cmd_demo.c - `cohort demo`: a whole consortium on loopback
    (sim/demo.h does the work). */
#include "cli.h"
#include "cmd.h"
#include "sim/demo.h"
#include "util/error.h"

#include <stdio.h>
#include <unistd.h>

#ifndef COHORT_DATASETS_DIR
#error "COHORT_DATASETS_DIR must name the bundled datasets/ directory"
#endif

static const char s_usage [] =
    "usage: cohort demo [--out DIR] [--datasets DIR] [--bits B]\n"
    "\n"
    "Runs a consortium of three hospitals on this machine (real processes, CURVE\n"
    "on): keys and certificates, a coordinator, three sites holding parts of the\n"
    "bundled datasets, then a differentially private logistic regression (10 steps)\n"
    "and a DP MLP (30-8-1, 4 steps) on the breast cancer data (fixed 70/30 split),\n"
    "each at epsilon 1, delta 1e-5 per record. Prints the test AUC, the epsilon\n"
    "spent and the wall time of each study, and where the reports are.\n"
    "\n"
    "  --out DIR           where everything goes (default ./cohort-demo; replaced)\n"
    "  --datasets DIR      the bundled datasets (default: the source tree's)\n"
    "  --bits B            Paillier modulus bits: 2048 (default), 3072 or 4096\n";

int
cli_cmd_demo (int argc, char **argv)
{
    sim_demo_t demo = { "cohort-demo", COHORT_DATASETS_DIR, 2048, NULL };
    const cli_opt_t table [] = {
        CLI_STRING ("out", &demo.out), CLI_STRING ("datasets", &demo.datasets),
        { "bits", CLI_OPT_UINT, &demo.bits, 2048, 4096, NULL, NULL },
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, s_usage);
    if (rc != CLI_OK)
        return rc < 0? CLI_OK: rc;
    if (demo.bits % 64) {
        cli_error ("--bits %u: use 2048, 3072 or 4096", demo.bits);
        return CLI_USAGE;
    }
    demo.progress = isatty (STDERR_FILENO)? stderr: NULL;
    if (sim_demo_run (&demo, stdout)) {
        cli_error ("%s", util_last_error ());
        return CLI_FAIL;
    }
    return CLI_OK;
}
