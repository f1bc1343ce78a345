/*  cli/cmd_demo.c - `cohort demo`. Until the federation exists the demo
    measures the Paillier core (the he benchmark at 2048 bits) and prints
    what it measured; the federation issue replaces it with a consortium
    on loopback. */
#include "cli.h"
#include "cmd.h"
#include "bench/bench.h"

#include <stdio.h>

int
cli_cmd_demo (int argc, char **argv)
{
    if (cli_wants_help (argc, argv)) {
        puts ("usage: cohort demo\n"
              "  Measures the Paillier core at 2048 bits (key generation, packed\n"
              "  fast encryption, CRT decryption, threshold decryption with proofs)\n"
              "  and prints the figures.");
        return CLI_OK;
    }
    if (argc > 1) {
        cli_error ("demo: unexpected argument '%s'", argv [1]);
        return CLI_USAGE;
    }
    puts ("Cohort demo: measuring the Paillier core at 2048 bits...");
    char *args [] = { "he", "--bits", "2048", NULL };
    return bench_he (3, args);
}
