/*  cli/cmd_bench.c - `cohort bench <area>`: the benchmark areas in bench/. */
#include "cli.h"
#include "cmd.h"
#include "bench/bench.h"

#include <string.h>

static const cli_command_t s_areas [] = {
    { "he", "Paillier: keygen, encryption, decryption, threshold (--bits 2048|3072)", bench_he },
    { "models", "per-example and clipped gradients (LR, 30-64-1 MLP), LR training", bench_models },
    { "dp", "exact noise samplers, RDP accountant, ledger charges (--quick)", bench_dp },
    { "ingest", "sealed-record opens, audit log durable appends, verify 1M entries", bench_ingest },
    { "federation", "round overhead, MLP round, study wall time, coordinator memory", bench_federation },
    { NULL, NULL, NULL }
};

int
cli_cmd_bench (int argc, char **argv)
{
    //  `cohort bench all [--json]` runs every area with its defaults.
    if (argc >= 2 && strcmp (argv [1], "all") == 0) {
        int rc = CLI_OK;
        for (const cli_command_t *a = s_areas; a->name && rc == CLI_OK; a++) {
            char *sub [argc];
            sub [0] = (char *) a->name;
            for (int i = 2; i < argc; i++)
                sub [i - 1] = argv [i];
            sub [argc - 1] = NULL;
            rc = a->run (argc - 1, sub);
        }
        return rc;
    }
    return cli_dispatch ("cohort bench", s_areas, argc, argv);
}
