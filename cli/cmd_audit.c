/*  cli/cmd_audit.c - `cohort audit`: keys, appends, checkpoints, proofs and
    verification of the tamper-evident audit log. The work is done by
    audit/ (log.h, keypair.h, proof.h); this file parses and prints. */
#include "cli.h"
#include "cmd.h"
#include "audit/keypair.h"
#include "audit/log.h"
#include "audit/proof.h"
#include "util/codec.h"
#include "util/error.h"
#include "util/file.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static int
s_keygen (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort audit keygen --name NAME --out FILE\n"
        "  Creates an Ed25519 checkpoint signing key. FILE gets the signer key\n"
        "  (mode 0600, never overwritten), FILE.pub the verifier key, which is\n"
        "  also printed. Give FILE.pub to whoever verifies the log.\n"
        "  --name NAME  key name: 1..64 printable characters, no space or '+'\n"
        "  --out FILE   where to write the signer key\n";
    static const struct option spec [] = {
        { "name", required_argument, NULL, 0 }, { "out", required_argument, NULL, 1 },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    const char *v [2] = { NULL, NULL };
    int rc = cli_options (argc, argv, spec, usage, v);
    if (rc)
        return rc < 0? CLI_OK: rc;
    if (cli_need ("audit keygen", "--name", v [0]) || cli_need ("audit keygen", "--out", v [1]))
        return CLI_USAGE;
    audit_signer_t *key = audit_signer_generate (v [0]);
    if (!key) {
        cli_error ("audit keygen: %s", util_last_error ());
        return CLI_USAGE;
    }
    char *verifier = audit_keypair_save (key, v [1]);
    audit_signer_destroy (&key);
    if (!verifier) {
        cli_error ("audit keygen: %s", util_last_error ());
        return CLI_FAIL;
    }
    printf ("%s\n", verifier);
    free (verifier);
    return CLI_OK;
}

static int
s_append (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort audit append --log FILE --kind KIND --actor ACTOR --detail JSON\n"
        "                           [--origin ORIGIN] [--time-ms T]\n"
        "  Appends one entry (durably) and prints its index.\n"
        "  --log FILE       the log; created if --origin is given and FILE is missing\n"
        "  --origin ORIGIN  the log's origin line (needed to create it)\n"
        "  --kind KIND      1..64 of [a-z0-9._-], e.g. device.enroll\n"
        "  --actor ACTOR    1..256 printable characters, e.g. site:hospital-a\n"
        "  --detail JSON    a JSON object of at most 65536 bytes\n"
        "  --time-ms T      milliseconds since the Unix epoch (default: now)\n";
    static const struct option spec [] = {
        { "log", required_argument, NULL, 0 }, { "origin", required_argument, NULL, 1 },
        { "kind", required_argument, NULL, 2 }, { "actor", required_argument, NULL, 3 },
        { "detail", required_argument, NULL, 4 }, { "time-ms", required_argument, NULL, 5 },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    const char *v [6] = { NULL };
    int rc = cli_options (argc, argv, spec, usage, v);
    if (rc)
        return rc < 0? CLI_OK: rc;
    if (cli_need ("audit append", "--log", v [0]) || cli_need ("audit append", "--kind", v [2])
    ||  cli_need ("audit append", "--actor", v [3]) || cli_need ("audit append", "--detail", v [4]))
        return CLI_USAGE;
    long t = 0;
    if (v [5] && cli_parse_long ("--time-ms", v [5], 1, INT64_MAX, &t))
        return CLI_USAGE;
    audit_log_t *log = audit_log_open (v [0], v [1]);
    if (!log) {
        cli_error ("audit append: %s", util_last_error ());
        return CLI_FAIL;
    }
    audit_entry_t e = { t, v [2], v [3], v [4] };
    uint64_t index = 0;
    rc = CLI_OK;
    if (audit_log_append (log, &e, &index)) {
        cli_error ("audit append: %s", util_last_error ());
        rc = CLI_FAIL;
    }
    else
        printf ("%llu\n", (unsigned long long) index);
    audit_log_destroy (&log);
    return rc;
}

static int
s_checkpoint (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort audit checkpoint --log FILE --key KEYFILE [--out NOTE]\n"
        "  Signs the log's current head, stores the checkpoint in the log and\n"
        "  prints it (a C2SP signed note), or writes it to NOTE. Keep copies of\n"
        "  checkpoints outside the log: `cohort audit verify --checkpoint` holds\n"
        "  the log to them.\n"
        "  --key KEYFILE  signer key from `cohort audit keygen` (mode 0600)\n";
    static const struct option spec [] = {
        { "log", required_argument, NULL, 0 }, { "key", required_argument, NULL, 1 },
        { "out", required_argument, NULL, 2 },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    const char *v [3] = { NULL };
    int rc = cli_options (argc, argv, spec, usage, v);
    if (rc)
        return rc < 0? CLI_OK: rc;
    if (cli_need ("audit checkpoint", "--log", v [0]) || cli_need ("audit checkpoint", "--key", v [1]))
        return CLI_USAGE;
    audit_signer_t *key = audit_signer_load (v [1]);
    audit_log_t *log = key? audit_log_open (v [0], NULL): NULL;
    char *note = log? audit_log_checkpoint (log, key): NULL;
    rc = CLI_FAIL;
    if (!note)
        cli_error ("audit checkpoint: %s", util_last_error ());
    else
    if (v [2]) {
        FILE *f = fopen (v [2], "w");
        if (!f || fputs (note, f) < 0 || fclose (f) != 0)
            cli_error ("audit checkpoint: cannot write %s", v [2]);
        else
            rc = CLI_OK;
    }
    else {
        fputs (note, stdout);
        rc = CLI_OK;
    }
    free (note);
    audit_log_destroy (&log);
    audit_signer_destroy (&key);
    return rc;
}

static int
s_verify (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort audit verify --log FILE [--checkpoint NOTE] [--pubkey FILE]\n"
        "  Recomputes every leaf hash and the tree from the entries, checks every\n"
        "  checkpoint stored in the log (and NOTE, one kept elsewhere) is signed\n"
        "  and consistent with the log, and prints the verified head. Exits 1\n"
        "  naming the first bad entry if anything was altered.\n"
        "  --checkpoint NOTE  a checkpoint kept outside the log\n"
        "  --pubkey FILE      the verifier key to trust (default: the one the log\n"
        "                     records; a third party should pass the key it holds)\n";
    static const struct option spec [] = {
        { "log", required_argument, NULL, 0 }, { "checkpoint", required_argument, NULL, 1 },
        { "pubkey", required_argument, NULL, 2 },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    const char *v [3] = { NULL };
    int rc = cli_options (argc, argv, spec, usage, v);
    if (rc)
        return rc < 0? CLI_OK: rc;
    if (cli_need ("audit verify", "--log", v [0]))
        return CLI_USAGE;
    audit_verifier_t *key = NULL;
    char *note = NULL;
    size_t note_len = 0;
    rc = CLI_FAIL;
    if (v [2] && !(key = audit_verifier_load (v [2]))) {
        cli_error ("audit verify: %s", util_last_error ());
        goto done;
    }
    if (v [1] && util_file_read (v [1], AUDIT_NOTE_MAX, 0, &note, &note_len)) {
        cli_error ("audit verify: %s", util_last_error ());
        goto done;
    }
    audit_verify_result_t r;
    if (audit_log_verify (v [0], key, note, note_len, &r)) {
        cli_error ("audit verify: %s", util_last_error ());
        if (r.first_bad >= 0)       //  documented (docs/audit.md), for scripts
            fprintf (stderr, "first bad entry: %lld\n", (long long) r.first_bad);
        goto done;
    }
    char root [UTIL_B64_LEN (AUDIT_HASH_LEN)];
    util_b64_encode (root, r.head.root, AUDIT_HASH_LEN);
    printf ("ok: %s: %llu entries, %llu checkpoints verified\nhead: %s %llu %s\n", v [0],
            (unsigned long long) r.entries, (unsigned long long) r.checkpoints,
            r.head.origin, (unsigned long long) r.head.size, root);
    rc = CLI_OK;
done:
    free (note);
    audit_verifier_destroy (&key);
    return rc;
}

static int
s_prove (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort audit prove --log FILE (--index I | --old M) [--size N]\n"
        "  Prints, as JSON, the inclusion proof of entry I (with the entry), or\n"
        "  the consistency proof from the tree of the first M entries, in the\n"
        "  tree of the first N entries (default: all). Hashes are base64.\n";
    static const struct option spec [] = {
        { "log", required_argument, NULL, 0 }, { "index", required_argument, NULL, 1 },
        { "old", required_argument, NULL, 2 }, { "size", required_argument, NULL, 3 },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    const char *v [4] = { NULL };
    int rc = cli_options (argc, argv, spec, usage, v);
    if (rc)
        return rc < 0? CLI_OK: rc;
    if (cli_need ("audit prove", "--log", v [0]))
        return CLI_USAGE;
    if (!v [1] == !v [2]) {
        cli_error ("audit prove: give exactly one of --index and --old");
        return CLI_USAGE;
    }
    long index = 0, size = 0;
    if ((v [1] && cli_parse_long ("--index", v [1], 0, INT64_MAX, &index))
    ||  (v [2] && cli_parse_long ("--old", v [2], 0, INT64_MAX, &index))
    ||  (v [3] && cli_parse_long ("--size", v [3], 0, INT64_MAX, &size)))
        return CLI_USAGE;
    audit_log_t *log = audit_log_open (v [0], NULL);
    uint64_t n = !log? 0: v [3]? (uint64_t) size: audit_log_size (log);
    char *text = !log? NULL
               : v [1]? audit_proof_inclusion_json (log, (uint64_t) index, n)
               : audit_proof_consistency_json (log, (uint64_t) index, n);
    rc = text? CLI_OK: CLI_FAIL;
    if (text)
        puts (text);
    else
        cli_error ("audit prove: %s", util_last_error ());
    free (text);
    audit_log_destroy (&log);
    return rc;
}

static const cli_command_t s_audit [] = {
    { "keygen",     "create an Ed25519 checkpoint signing key", s_keygen },
    { "append",     "append one entry to a log", s_append },
    { "checkpoint", "sign the log's head and store the checkpoint", s_checkpoint },
    { "verify",     "recompute the log and check every checkpoint", s_verify },
    { "prove",      "print an inclusion or consistency proof (JSON)", s_prove },
    { NULL, NULL, NULL }
};

int
cli_cmd_audit (int argc, char **argv)
{
    return cli_dispatch ("cohort audit", s_audit, argc, argv);
}
