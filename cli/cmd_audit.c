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

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    const char *name = NULL, *out = NULL;
    const cli_opt_t table [] = { CLI_STRING ("name", &name), CLI_STRING ("out", &out), CLI_END };
    int rc = cli_parse (argc, argv, table, usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    if (cli_need ("audit keygen", "--name", name) || cli_need ("audit keygen", "--out", out))
        return CLI_USAGE;
    audit_signer_t *key = audit_signer_generate (name);
    if (!key) {
        cli_error ("audit keygen: %s", util_last_error ());
        return CLI_USAGE;
    }
    char *verifier = audit_keypair_save (key, out);
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
    const char *path = NULL, *origin = NULL;
    audit_entry_t e = { 0, NULL, NULL, NULL };
    long t = 0;
    const cli_opt_t table [] = {
        CLI_STRING ("log", &path), CLI_STRING ("origin", &origin), CLI_STRING ("kind", &e.kind),
        CLI_STRING ("actor", &e.actor), CLI_STRING ("detail", &e.detail),
        { "time-ms", CLI_OPT_LONG, &t, 1, (double) INT64_MAX, NULL, NULL },
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    const char *cmd = "audit append";
    if (cli_need (cmd, "--log", path) || cli_need (cmd, "--kind", e.kind)
    ||  cli_need (cmd, "--actor", e.actor) || cli_need (cmd, "--detail", e.detail))
        return CLI_USAGE;
    e.time_ms = t;
    audit_log_t *log = audit_log_open (path, origin);
    uint64_t index = 0;
    rc = log && audit_log_append (log, &e, &index) == 0? CLI_OK: CLI_FAIL;
    if (rc)
        cli_error ("%s: %s", cmd, util_last_error ());
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
    const char *path = NULL, *keyfile = NULL, *out = NULL;
    const cli_opt_t table [] = {
        CLI_STRING ("log", &path), CLI_STRING ("key", &keyfile), CLI_STRING ("out", &out),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    if (cli_need ("audit checkpoint", "--log", path)
    ||  cli_need ("audit checkpoint", "--key", keyfile))
        return CLI_USAGE;
    audit_signer_t *key = audit_signer_load (keyfile);
    audit_log_t *log = key? audit_log_open (path, NULL): NULL;
    char *note = log? audit_log_checkpoint (log, key): NULL;
    rc = CLI_FAIL;
    if (!note)
        cli_error ("audit checkpoint: %s", util_last_error ());
    else
    if (out) {
        FILE *f = fopen (out, "w");
        if (!f || fputs (note, f) < 0 || fclose (f) != 0)
            cli_error ("audit checkpoint: cannot write %s", out);
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
    const char *path = NULL, *checkpoint = NULL, *pubkey = NULL;
    const cli_opt_t table [] = {
        CLI_STRING ("log", &path), CLI_STRING ("checkpoint", &checkpoint),
        CLI_STRING ("pubkey", &pubkey),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    if (cli_need ("audit verify", "--log", path))
        return CLI_USAGE;
    audit_verifier_t *key = NULL;
    char *note = NULL;
    size_t note_len = 0;
    rc = CLI_FAIL;
    if (pubkey && !(key = audit_verifier_load (pubkey))) {
        cli_error ("audit verify: %s", util_last_error ());
        goto done;
    }
    if (checkpoint && util_file_read (checkpoint, AUDIT_NOTE_MAX, 0, &note, &note_len)) {
        cli_error ("audit verify: %s", util_last_error ());
        goto done;
    }
    audit_verify_result_t r;
    if (audit_log_verify (path, key, note, note_len, &r)) {
        cli_error ("audit verify: %s", util_last_error ());
        if (r.first_bad >= 0)       //  documented (docs/audit.md), for scripts
            fprintf (stderr, "first bad entry: %lld\n", (long long) r.first_bad);
        goto done;
    }
    char root [UTIL_B64_LEN (AUDIT_HASH_LEN)];
    util_b64_encode (root, r.head.root, AUDIT_HASH_LEN);
    printf ("ok: %s: %llu entries, %llu checkpoints verified\nhead: %s %llu %s\n", path,
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
    const char *path = NULL;
    uint64_t index = 0, old = 0, size = 0;
    bool inclusion = false, consistency = false, sized = false;
    const cli_opt_t table [] = {
        CLI_STRING ("log", &path),
        { "index", CLI_OPT_U64, &index, 0, (double) INT64_MAX, NULL, &inclusion },
        { "old", CLI_OPT_U64, &old, 0, (double) INT64_MAX, NULL, &consistency },
        { "size", CLI_OPT_U64, &size, 0, (double) INT64_MAX, NULL, &sized },
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    if (cli_need ("audit prove", "--log", path))
        return CLI_USAGE;
    if (inclusion == consistency) {
        cli_error ("audit prove: give exactly one of --index and --old");
        return CLI_USAGE;
    }
    audit_log_t *log = audit_log_open (path, NULL);
    uint64_t n = !log? 0: sized? size: audit_log_size (log);
    char *text = !log? NULL
               : inclusion? audit_proof_inclusion_json (log, index, n)
               : audit_proof_consistency_json (log, old, n);
    rc = text? CLI_OK: CLI_FAIL;
    if (text)
        puts (text);
    else
        cli_error ("audit prove: %s", util_last_error ());
    free (text);
    audit_log_destroy (&log);
    return rc;
}

//  --since T: milliseconds since the Unix epoch (digits), a UTC time
//  YYYY-MM-DDTHH:MM:SSZ, or a span back from now_ms (digits and one of
//  s, m, h, d). 0 or -1 with the reason.
static int
s_since (const char *text, int64_t now_ms, int64_t *since)
{
    size_t len = strlen (text);
    size_t digits = strspn (text, "0123456789");
    if (digits && digits == len && digits <= 15) {
        *since = strtoll (text, NULL, 10);
        return 0;
    }
    if (digits && digits <= 9 && digits + 1 == len && strchr ("smhd", text [len - 1])) {
        static const int64_t unit [] = { 1000, 60000, 3600000, 86400000 };
        int64_t n = strtoll (text, NULL, 10);
        *since = now_ms - n * unit [strchr ("smhd", text [len - 1]) - "smhd"];
        return 0;
    }
    struct tm tm = { 0 };
    char tail = 0;
    if (len == 20 && sscanf (text, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon,
                             &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &tail) == 7
    &&  tail == 'Z' && text [4] == '-' && text [7] == '-' && text [10] == 'T'
    &&  tm.tm_year >= 1970 && tm.tm_mon >= 1 && tm.tm_mon <= 12 && tm.tm_mday >= 1
    &&  tm.tm_mday <= 31 && tm.tm_hour <= 23 && tm.tm_min <= 59 && tm.tm_sec <= 60) {
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        *since = (int64_t) timegm (&tm) * 1000;
        return 0;
    }
    return util_error (UTIL_EINPUT, "--since: '%s' is neither milliseconds since the epoch, "
                       "a UTC time like 2026-01-31T08:00:00Z, nor a span like 90s, 15m, 2h, 7d",
                       text);
}

//  An entry's time as a UTC text.
static void
s_utc (char *out, size_t size, int64_t ms)
{
    time_t t = (time_t) (ms / 1000);
    struct tm tm;
    gmtime_r (&t, &tm);
    char date [32];
    strftime (date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf (out, size, "%s.%03dZ", date, (int) (ms % 1000));
}

static int
s_alerts (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort audit alerts --log FILE [--since T] [--json]\n"
        "  Lists the alerts (entries of kind alert.*) of an audit log: the\n"
        "  coordinator's (coordinator.cfg audit) or a site's (site.cfg ingest/audit).\n"
        "  One line each: time (UTC), kind, who, and the figures as JSON.\n"
        "  --since T  only alerts at or after T: milliseconds since the epoch, a UTC\n"
        "             time (2026-01-31T08:00:00Z), or a span back from now (90s,\n"
        "             15m, 2h, 7d)\n"
        "  --json     a JSON array of {index, time_ms, kind, actor, detail}\n";
    const char *path = NULL, *since_text = NULL;
    bool json = false;
    const cli_opt_t table [] = {
        CLI_STRING ("log", &path), CLI_STRING ("since", &since_text),
        CLI_FLAG ("json", &json),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    if (cli_need ("audit alerts", "--log", path))
        return CLI_USAGE;
    int64_t since = 0;
    if (since_text && s_since (since_text, (int64_t) time (NULL) * 1000, &since)) {
        cli_error ("audit alerts: %s", util_last_error ());
        return CLI_USAGE;
    }
    audit_log_t *log = audit_log_open (path, NULL);
    json_t *list = json? json_array (): NULL;
    rc = CLI_FAIL;
    if (!log || (json && !list)) {
        cli_error ("audit alerts: %s", log? "out of memory": util_last_error ());
        goto done;
    }
    uint64_t n = audit_log_size (log);
    for (uint64_t i = 0; i < n; i++) {
        char *text = audit_log_entry_json (log, i);
        json_t *entry = text? json_loads (text, 0, NULL): NULL;
        free (text);
        const char *kind = json_string_value (json_object_get (entry, "kind"));
        const char *actor = json_string_value (json_object_get (entry, "actor"));
        const char *detail = json_string_value (json_object_get (entry, "detail"));
        json_int_t at = json_integer_value (json_object_get (entry, "time_ms"));
        if (!entry || !kind || !actor || !detail) {
            json_decref (entry);
            cli_error ("audit alerts: %s: entry %llu cannot be read", path,
                       (unsigned long long) i);
            goto done;
        }
        if (strncmp (kind, "alert.", 6) || at < since) {
            json_decref (entry);
            continue;
        }
        if (json) {
            //  The detail as the object it is (stored as its exact text).
            json_t *object = json_loads (detail, 0, NULL);
            if (!object || json_object_set_new (entry, "detail", object)
            ||  json_array_append (list, entry)) {
                json_decref (entry);
                cli_error ("audit alerts: %s: entry %llu: its detail is not JSON", path,
                           (unsigned long long) i);
                goto done;
            }
        }
        else {
            char when [64];
            s_utc (when, sizeof when, at);
            printf ("%s  %-24s %s  %s\n", when, kind, actor, detail);
        }
        json_decref (entry);
    }
    if (json) {
        char *text = json_dumps (list, JSON_INDENT (2));
        if (!text) {
            cli_error ("audit alerts: out of memory");
            goto done;
        }
        puts (text);
        free (text);
    }
    rc = CLI_OK;
done:
    json_decref (list);
    audit_log_destroy (&log);
    return rc;
}

static const cli_command_t s_audit [] = {
    { "keygen",     "create an Ed25519 checkpoint signing key", s_keygen },
    { "append",     "append one entry to a log", s_append },
    { "checkpoint", "sign the log's head and store the checkpoint", s_checkpoint },
    { "verify",     "recompute the log and check every checkpoint", s_verify },
    { "prove",      "print an inclusion or consistency proof (JSON)", s_prove },
    { "alerts",     "list the alerts in a log (anomaly detection)", s_alerts },
    { NULL, NULL, NULL }
};

int
cli_cmd_audit (int argc, char **argv)
{
    return cli_dispatch ("cohort audit", s_audit, argc, argv);
}
