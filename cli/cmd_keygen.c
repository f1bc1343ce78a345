/*  cli/cmd_keygen.c - `cohort keygen threshold`: deals a threshold Paillier
    key (the trusted-dealer step a consortium lead runs once); `cohort keygen
    consortium`: that key plus CURVE certificates, ready-to-edit configs and
    a data dictionary for a whole consortium (sim/consortium.h does both). */
#include "cli.h"
#include "cmd.h"
#include "he/paillier.h"
#include "he/threshold.h"
#include "sim/bundle.h"
#include "sim/consortium.h"
#include "util/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char s_threshold_usage [] =
    "usage: cohort keygen threshold --sites N --threshold T [--bits B] --out DIR [--force]\n"
    "\n"
    "Deals a t-of-N threshold Paillier key. Writes into DIR:\n"
    "  paillier.pub        the public key (give to every site and the coordinator)\n"
    "  verify.key          verification keys for the proofs (public)\n"
    "  share-<i>.key       the secret share of site i, mode 0600: move each to\n"
    "                      its site and delete it here\n"
    "\n"
    "  --sites N           number of sites (1..256)\n"
    "  --threshold T       sites needed to decrypt (2..N)\n"
    "  --bits B            modulus size: 2048 (default), 3072 or 4096\n"
    "  --out DIR           output directory (created if missing)\n"
    "  --force             replace existing key files in DIR\n"
    "  --insecure-test-key allow --bits below 2048 (tests only)\n";

static const char s_consortium_usage [] =
    "usage: cohort keygen consortium --sites a,b,c --threshold T [--bits B] --out DIR\n"
    "                                 [--name NAME] [--endpoint tcp://HOST:PORT]\n"
    "                                 [--dictionary FILE] [--bin PATH] [--force]\n"
    "\n"
    "Creates a consortium: a t-of-N threshold Paillier key, CURVE certificates for the\n"
    "coordinator, each site, one analyst and one observer, the consortium admin's key\n"
    "and a role certificate per identity, and configs that reference them. Writes:\n"
    "  coordinator.cfg, analyst.cfg   configs of the coordinator and the analyst\n"
    "  observer.cfg                   an observer's: reads reports, launches nothing\n"
    "  sites/<name>.cfg               one config per site (edit its dataset block)\n"
    "  study-example.cfg              a study to start from\n"
    "  dictionary.csv                 the data dictionary every site config names\n"
    "                                 (docs/dictionary.md; edit it, then run\n"
    "                                 `cohort site check` at each site)\n"
    "  certs/<x>.pub, certs/<x>.secret  CURVE certificates (secrets mode 0600)\n"
    "  certs/allowed/                 public certs the coordinator admits\n"
    "  keys/paillier.pub, keys/verify.key, keys/share-<i>.key (0600; site i's share)\n"
    "  keys/admin.key (0600), keys/admin.pub   the consortium admin's Ed25519 key: keep\n"
    "                                 admin.key offline (cohort admin grant|revoke)\n"
    "  keys/<x>.sign (0600), keys/<x>.sign.pub  each identity's Ed25519 signing key\n"
    "  certs/<x>.role                 each identity's role certificate (site with its\n"
    "                                 name and share index, analyst, observer)\n"
    "  revocations.note               the revocation list (empty; cohort admin revoke)\n"
    "  bundles/<site>/                what each site's operator installs: etc/ (site.cfg\n"
    "                                 for /etc/cohort/<site>, its certificates and keys,\n"
    "                                 secrets 0600), cohort-site-<site>.service (a\n"
    "                                 hardened systemd unit) and README.md (docs/deploy.md)\n"
    "\n"
    "  --sites LIST        site names, comma-separated (letters, digits, '-', '_');\n"
    "                      their order gives the share indexes 1..N\n"
    "  --threshold T       sites needed to decrypt (2..N)\n"
    "  --bits B            modulus size: 2048 (default), 3072 or 4096\n"
    "  --out DIR           output directory (created if missing)\n"
    "  --name NAME         consortium name (default demo-consortium): it names the\n"
    "                      admin key, so no space or '+'\n"
    "  --endpoint URL      where the coordinator listens (default tcp://127.0.0.1:7600)\n"
    "  --dictionary FILE   copy this data dictionary (checked first); default: an\n"
    "                      example with the Pima diabetes columns\n"
    "  --force             replace existing files in DIR\n"
    "  --insecure-test-key allow --bits below 2048 (tests only)\n";

//  The key size: a multiple of 64, and 2048 or more unless for tests.
static int
s_check_bits (const char *cmd, unsigned bits, bool insecure)
{
    if (bits % 64 == 0 && (bits >= HE_BITS_SECURE || insecure))
        return 0;
    cli_error ("%s: --bits %u: use 2048, 3072 or 4096%s", cmd, bits,
               bits < HE_BITS_SECURE? " (smaller keys need --insecure-test-key)": "");
    return -1;
}

static int
s_threshold (int argc, char **argv)
{
    unsigned sites = 0, threshold = 0, bits = HE_BITS_DEFAULT;
    const char *out = NULL;
    bool force = false, insecure = false;
    const cli_opt_t table [] = {
        { "sites", CLI_OPT_UINT, &sites, 1, HE_PARTIES_MAX, NULL, NULL },
        { "threshold", CLI_OPT_UINT, &threshold, 1, HE_PARTIES_MAX, NULL, NULL },
        { "bits", CLI_OPT_UINT, &bits, HE_BITS_MIN, 4096, NULL, NULL },
        CLI_STRING ("out", &out), CLI_FLAG ("force", &force),
        CLI_FLAG ("insecure-test-key", &insecure),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, s_threshold_usage);
    if (rc != CLI_OK)
        return rc < 0? CLI_OK: rc;
    if (!sites || !threshold || !out) {
        cli_error ("keygen threshold: --sites, --threshold and --out are required");
        fputs (s_threshold_usage, stderr);
        return CLI_USAGE;
    }
    if (threshold < HE_THRESHOLD_MIN) {
        cli_error ("keygen threshold: threshold must be at least %d (with 1, any one site could "
                   "decrypt every other site's update alone)", HE_THRESHOLD_MIN);
        return CLI_USAGE;
    }
    if (threshold > sites) {
        cli_error ("keygen threshold: --threshold %u is more than --sites %u", threshold, sites);
        return CLI_USAGE;
    }
    if (s_check_bits ("keygen threshold", bits, insecure))
        return CLI_USAGE;
    if (mkdir (out, 0700) && errno != EEXIST) {
        cli_error ("keygen: cannot create %s: %s", out, strerror (errno));
        return CLI_FAIL;
    }
    if (!force) {
        //  Refuse before the slow part if the key already exists.
        char path [4096];
        snprintf (path, sizeof path, "%s/paillier.pub", out);
        struct stat st;
        if (stat (path, &st) == 0) {
            cli_error ("keygen: %s already exists (use --force to replace the key)", path);
            return CLI_FAIL;
        }
    }
    fprintf (stderr, "keygen: dealing a %u-of-%u threshold key, %u bits "
             "(safe primes: this can take a minute)...\n", threshold, sites, bits);
    if (sim_keys_write (out, "", sites, threshold, bits, force)) {
        cli_error ("%s", util_last_error ());
        return CLI_FAIL;
    }
    printf ("wrote %s/paillier.pub, %s/verify.key and %u shares %s/share-<i>.key\n",
            out, out, sites, out);
    return CLI_OK;
}

static int
s_consortium (int argc, char **argv)
{
    sim_consortium_t c;
    sim_consortium_defaults (&c);
    unsigned threshold = 0, bits = HE_BITS_DEFAULT;
    const char *sites = NULL;
    bool insecure = false;
    const cli_opt_t table [] = {
        CLI_STRING ("sites", &sites),
        { "threshold", CLI_OPT_UINT, &threshold, 1, HE_PARTIES_MAX, NULL, NULL },
        { "bits", CLI_OPT_UINT, &bits, HE_BITS_MIN, 4096, NULL, NULL },
        CLI_STRING ("out", &c.out), CLI_STRING ("name", &c.name),
        CLI_STRING ("endpoint", &c.endpoint), CLI_FLAG ("force", &c.force),
        CLI_STRING ("dictionary", &c.dictionary_path), CLI_STRING ("bin", &c.bin),
        CLI_FLAG ("insecure-test-key", &insecure),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, s_consortium_usage);
    if (rc != CLI_OK)
        return rc < 0? CLI_OK: rc;
    if (!sites || !threshold || !c.out) {
        cli_error ("keygen consortium: --sites, --threshold and --out are required");
        fputs (s_consortium_usage, stderr);
        return CLI_USAGE;
    }
    if (s_check_bits ("keygen consortium", bits, insecure))
        return CLI_USAGE;
    if (strncmp (c.endpoint, "tcp://", 6) || !strchr (c.endpoint + 6, ':')) {
        cli_error ("keygen consortium: --endpoint '%s': expected tcp://HOST:PORT", c.endpoint);
        return CLI_USAGE;
    }
    if (!*c.name) {
        cli_error ("keygen consortium: --name is empty");
        return CLI_USAGE;
    }
    if (sim_consortium_parse_sites (sites, &c.sites, &c.n_sites)) {
        cli_error ("%s", util_last_error ());
        return CLI_USAGE;
    }
    if (threshold < HE_THRESHOLD_MIN) {
        cli_error ("keygen consortium: threshold must be at least %d (with 1, any one site could "
                   "decrypt every other site's update alone)", HE_THRESHOLD_MIN);
        rc = CLI_USAGE;
    }
    else
    if (threshold > c.n_sites) {
        cli_error ("keygen consortium: --threshold %u is more than the %zu sites", threshold,
                   c.n_sites);
        rc = CLI_USAGE;
    }
    c.threshold = threshold;
    c.bits = bits;
    c.dictionary = true;
    c.bundles = true;
    if (rc == CLI_OK && sim_bundle_check (&c)) {
        //  A bad --bin is the command line's; existing files are not.
        bool usage = util_last_code () != UTIL_EREFUSED;
        cli_error ("%s%s", usage? "keygen consortium: ": "", util_last_error ());
        rc = usage? CLI_USAGE: CLI_FAIL;
    }
    if (rc == CLI_OK) {
        fprintf (stderr, "keygen: dealing a %u-of-%zu threshold key, %u bits "
                 "(safe primes: this can take a minute)...\n", c.threshold, c.n_sites, c.bits);
        if (sim_consortium_write (&c)) {
            cli_error ("%s", util_last_error ());
            rc = CLI_FAIL;
        }
    }
    if (rc == CLI_OK)
        printf ("wrote the consortium into %s: coordinator.cfg, analyst.cfg, observer.cfg, %zu "
                "site configs in sites/, study-example.cfg, dictionary.csv, revocations.note, "
                "certs/ (CURVE and role certificates), keys/ (keep keys/admin.key offline) and "
                "a bundle per site in bundles/ (give each site its own, and only its own)\n",
                c.out, c.n_sites);
    sim_consortium_free_sites (&c.sites);
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
