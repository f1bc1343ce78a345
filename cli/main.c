/*  cli/main.c - entry point of the `cohort` binary. */
#include "cli.h"
#include "he/he.h"

int
main (int argc, char **argv)
{
    he_init ();                 //  wiping GMP allocator before any mpz use
    return cli_run (argc, argv);
}
