/*  cli/cmd_keygen.c - `cohort keygen threshold`: deals a threshold Paillier
    key (the trusted-dealer step a consortium lead runs once); `cohort keygen
    consortium`: that key plus CURVE certificates and ready-to-edit configs
    for a whole consortium (cli/consortium.c). */
#include "cli.h"
#include "util/error.h"
#include "cmd.h"
#include "consortium.h"
#include "he/keyfile.h"

#include <errno.h>
#include <getopt.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void
s_threshold_usage (FILE *to)
{
    fputs ("usage: cohort keygen threshold --sites N --threshold T [--bits B] --out DIR [--force]\n"
           "\n"
           "Deals a t-of-N threshold Paillier key. Writes into DIR:\n"
           "  paillier.pub        the public key (give to every site and the coordinator)\n"
           "  verify.key          verification keys for the proofs (public)\n"
           "  share-<i>.key       the secret share of site i, mode 0600: move each to\n"
           "                      its site and delete it here\n"
           "\n"
           "  --sites N           number of sites (1..64)\n"
           "  --threshold T       sites needed to decrypt (1..N)\n"
           "  --bits B            modulus size: 2048 (default), 3072 or 4096\n"
           "  --out DIR           output directory (created if missing)\n"
           "  --force             replace existing key files in DIR\n"
           "  --insecure-test-key allow --bits below 2048 (tests only)\n", to);
}

static int
s_write (const char *dir, const char *name, char *text, unsigned mode, int force)
{
    if (!text) {
        cli_error ("keygen: %s", util_last_error ());
        return -1;
    }
    char path [4096];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    int rc = he_keyfile_write (path, text, mode, force);
    if (rc)
        cli_error ("keygen: %s", util_last_error ());
    OPENSSL_cleanse (text, strlen (text));
    free (text);
    return rc;
}

static int
s_threshold (int argc, char **argv)
{
    static const struct option options [] = {
        { "sites",             required_argument, NULL, 's' },
        { "threshold",         required_argument, NULL, 't' },
        { "bits",              required_argument, NULL, 'b' },
        { "out",               required_argument, NULL, 'o' },
        { "force",             no_argument,       NULL, 'f' },
        { "insecure-test-key", no_argument,       NULL, 'i' },
        { "help",              no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    long sites = 0, threshold = 0, bits = HE_BITS_DEFAULT;
    const char *out = NULL;
    int force = 0, insecure = 0, opt;
    optind = 1;
    while ((opt = getopt_long (argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
            case 's': if (cli_parse_long ("--sites", optarg, 1, HE_PARTIES_MAX, &sites))
                          return CLI_USAGE;
                      break;
            case 't': if (cli_parse_long ("--threshold", optarg, 1, HE_PARTIES_MAX, &threshold))
                          return CLI_USAGE;
                      break;
            case 'b': if (cli_parse_long ("--bits", optarg, HE_BITS_MIN, 4096, &bits))
                          return CLI_USAGE;
                      break;
            case 'o': out = optarg; break;
            case 'f': force = 1; break;
            case 'i': insecure = 1; break;
            case 'h': s_threshold_usage (stdout); return CLI_OK;
            default:  s_threshold_usage (stderr); return CLI_USAGE;
        }
    }
    if (optind < argc) {
        cli_error ("keygen threshold: unexpected argument '%s'", argv [optind]);
        return CLI_USAGE;
    }
    if (!sites || !threshold || !out) {
        cli_error ("keygen threshold: --sites, --threshold and --out are required");
        s_threshold_usage (stderr);
        return CLI_USAGE;
    }
    if (threshold > sites) {
        cli_error ("keygen threshold: --threshold %ld is more than --sites %ld", threshold, sites);
        return CLI_USAGE;
    }
    if (bits % 64 || (bits < HE_BITS_SECURE && !insecure)) {
        cli_error ("keygen threshold: --bits %ld: use 2048, 3072 or 4096%s", bits,
                   bits < HE_BITS_SECURE? " (smaller keys need --insecure-test-key)": "");
        return CLI_USAGE;
    }
    if (mkdir (out, 0700) && errno != EEXIST) {
        cli_error ("keygen: cannot create %s: %s", out, strerror (errno));
        return CLI_FAIL;
    }
    if (!force) {
        //  Refuse before the slow part if any output file already exists.
        char path [4096];
        snprintf (path, sizeof path, "%s/paillier.pub", out);
        struct stat st;
        if (stat (path, &st) == 0) {
            cli_error ("keygen: %s already exists (use --force to replace the key)", path);
            return CLI_FAIL;
        }
    }
    fprintf (stderr, "keygen: dealing a %ld-of-%ld threshold key, %ld bits "
             "(safe primes: this can take a minute)...\n", threshold, sites, bits);
    he_pubkey_t *pk = NULL;
    he_verify_t *vk = NULL;
    he_share_t **shares = NULL;
    if (he_threshold_keygen (&pk, &vk, &shares, (size_t) bits, (unsigned) sites,
                             (unsigned) threshold)) {
        cli_error ("keygen: %s", util_last_error ());
        return CLI_FAIL;
    }
    int rc = CLI_OK;
    //  Shares first: if anything fails, no public key announces a key whose
    //  shares are missing.
    for (long i = 0; i < sites && rc == CLI_OK; i++) {
        char name [32];
        snprintf (name, sizeof name, "share-%ld.key", i + 1);
        if (s_write (out, name, he_keyfile_format_share (shares [i]), 0600, force))
            rc = CLI_FAIL;
    }
    if (rc == CLI_OK && (s_write (out, "verify.key", he_keyfile_format_verify (vk), 0644, force)
                     ||  s_write (out, "paillier.pub", he_keyfile_format_public (pk), 0644, force)))
        rc = CLI_FAIL;
    for (long i = 0; i < sites; i++)
        he_share_destroy (&shares [i]);
    free (shares);
    he_verify_destroy (&vk);
    he_pubkey_destroy (&pk);
    if (rc == CLI_OK)
        printf ("wrote %s/paillier.pub, %s/verify.key and %ld shares %s/share-<i>.key\n",
                out, out, sites, out);
    return rc;
}

static void
s_consortium_usage (FILE *to)
{
    fputs ("usage: cohort keygen consortium --sites a,b,c --threshold T [--bits B] --out DIR\n"
           "                                 [--name NAME] [--endpoint tcp://HOST:PORT] [--force]\n"
           "\n"
           "Creates a consortium: a t-of-N threshold Paillier key, CURVE certificates for the\n"
           "coordinator, each site and one analyst, and configs that reference them. Writes:\n"
           "  coordinator.cfg, analyst.cfg   configs of the coordinator and the analyst\n"
           "  sites/<name>.cfg               one config per site (edit its dataset block)\n"
           "  study-example.cfg              a study to start from\n"
           "  certs/<x>.pub, certs/<x>.secret  CURVE certificates (secrets mode 0600)\n"
           "  certs/allowed/                 public certs the coordinator admits\n"
           "  keys/paillier.pub, keys/verify.key, keys/share-<i>.key (0600; site i's share)\n"
           "\n"
           "  --sites LIST        site names, comma-separated (letters, digits, '-', '_');\n"
           "                      their order gives the share indexes 1..N\n"
           "  --threshold T       sites needed to decrypt (1..N)\n"
           "  --bits B            modulus size: 2048 (default), 3072 or 4096\n"
           "  --out DIR           output directory (created if missing)\n"
           "  --name NAME         consortium name (default demo-consortium)\n"
           "  --endpoint URL      where the coordinator listens (default tcp://127.0.0.1:7600)\n"
           "  --force             replace existing files in DIR\n"
           "  --insecure-test-key allow --bits below 2048 (tests only)\n", to);
}

static int
s_consortium (int argc, char **argv)
{
    static const struct option options [] = {
        { "sites",             required_argument, NULL, 's' },
        { "threshold",         required_argument, NULL, 't' },
        { "bits",              required_argument, NULL, 'b' },
        { "out",               required_argument, NULL, 'o' },
        { "name",              required_argument, NULL, 'n' },
        { "endpoint",          required_argument, NULL, 'e' },
        { "force",             no_argument,       NULL, 'f' },
        { "insecure-test-key", no_argument,       NULL, 'i' },
        { "help",              no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    cli_consortium_t c;
    cli_consortium_defaults (&c);
    long threshold = 0, bits = HE_BITS_DEFAULT;
    const char *sites = NULL;
    int insecure = 0, opt;
    optind = 1;
    while ((opt = getopt_long (argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
            case 's': sites = optarg; break;
            case 't': if (cli_parse_long ("--threshold", optarg, 1, HE_PARTIES_MAX, &threshold))
                          return CLI_USAGE;
                      break;
            case 'b': if (cli_parse_long ("--bits", optarg, HE_BITS_MIN, 4096, &bits))
                          return CLI_USAGE;
                      break;
            case 'o': c.out = optarg; break;
            case 'n': c.name = optarg; break;
            case 'e': c.endpoint = optarg; break;
            case 'f': c.force = true; break;
            case 'i': insecure = 1; break;
            case 'h': s_consortium_usage (stdout); return CLI_OK;
            default:  s_consortium_usage (stderr); return CLI_USAGE;
        }
    }
    if (optind < argc) {
        cli_error ("keygen consortium: unexpected argument '%s'", argv [optind]);
        return CLI_USAGE;
    }
    if (!sites || !threshold || !c.out) {
        cli_error ("keygen consortium: --sites, --threshold and --out are required");
        s_consortium_usage (stderr);
        return CLI_USAGE;
    }
    if (bits % 64 || (bits < HE_BITS_SECURE && !insecure)) {
        cli_error ("keygen consortium: --bits %ld: use 2048, 3072 or 4096%s", bits,
                   bits < HE_BITS_SECURE? " (smaller keys need --insecure-test-key)": "");
        return CLI_USAGE;
    }
    if (strncmp (c.endpoint, "tcp://", 6) || !strchr (c.endpoint + 6, ':')) {
        cli_error ("keygen consortium: --endpoint '%s': expected tcp://HOST:PORT", c.endpoint);
        return CLI_USAGE;
    }
    if (!*c.name) {
        cli_error ("keygen consortium: --name is empty");
        return CLI_USAGE;
    }
    if (cli_consortium_parse_sites (sites, &c.sites, &c.n_sites))
        return CLI_USAGE;
    int rc = CLI_OK;
    if ((size_t) threshold > c.n_sites) {
        cli_error ("keygen consortium: --threshold %ld is more than the %zu sites", threshold,
                   c.n_sites);
        rc = CLI_USAGE;
    }
    c.threshold = (unsigned) threshold;
    c.bits = (unsigned) bits;
    if (rc == CLI_OK) {
        fprintf (stderr, "keygen: dealing a %u-of-%zu threshold key, %u bits "
                 "(safe primes: this can take a minute)...\n", c.threshold, c.n_sites, c.bits);
        if (cli_consortium_write (&c))
            rc = CLI_FAIL;
    }
    if (rc == CLI_OK)
        printf ("wrote the consortium into %s: coordinator.cfg, analyst.cfg, %zu site configs "
                "in sites/, study-example.cfg, certs/ and keys/\n", c.out, c.n_sites);
    cli_consortium_free_sites (&c.sites);
    return rc;
}

int
cli_cmd_keygen (int argc, char **argv)
{
    static const cli_command_t kinds [] = {
        { "threshold", "deal a t-of-N threshold Paillier key (public, verify, shares)", s_threshold },
        { "consortium", "a whole consortium: threshold key, CURVE certs, configs", s_consortium },
        { NULL, NULL, NULL }
    };
    return cli_dispatch ("cohort keygen", kinds, argc, argv);
}
