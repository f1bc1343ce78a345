/*  cli/cmd_ingest.c - `cohort ingest`: provisioning for authenticated
    ingest at a site: the storage key, device enrollment and revocation,
    consent authorities, signed grants and cohort selection (site/). */
#include "cli.h"
#include "util/error.h"
#include "cmd.h"
#include "ingest/fhir.h"
#include "ingest/gateway.h"
#include "site/config.h"
#include "ingest/endpoint.h"
#include "ingest/grants.h"
#include "ingest/store.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S_KEY_HEX 64                    //  a 32-byte key as hex
#define S_FILE_MAX (INGEST_GRANT_MAX + 1)

//  Writes 32 bytes as one line of lower-case hex to a new 0600 file; an
//  existing file is never overwritten.
static int
s_write_key (const char *path, const uint8_t key [32])
{
    char line [S_KEY_HEX + 2];
    for (int i = 0; i < 32; i++)
        snprintf (line + 2 * i, 3, "%02x", key [i]);
    line [S_KEY_HEX] = '\n';
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int ok = fd >= 0 && write (fd, line, S_KEY_HEX + 1) == S_KEY_HEX + 1 && fsync (fd) == 0;
    if (fd >= 0 && close (fd) != 0)
        ok = 0;
    OPENSSL_cleanse (line, sizeof line);
    if (!ok) {
        cli_error ("%s: cannot create: %s", path, strerror (errno));
        if (fd >= 0)
            unlink (path);
        return -1;
    }
    return 0;
}

//  Reads a key file written by s_write_key (ingest_key_file_read's rules).
static int
s_read_key (const char *path, uint8_t key [32])
{
    if (ingest_key_file_read (path, key)) {
        cli_error ("%s", util_last_error ());
        return -1;
    }
    return 0;
}

//  Reads a whole small file into a new buffer.
static char *
s_read_file (const char *path, size_t *len)
{
    FILE *f = fopen (path, "rb");
    char *buf = malloc (S_FILE_MAX + 1);
    size_t n = f && buf? fread (buf, 1, S_FILE_MAX + 1, f): 0;
    if (f)
        fclose (f);
    if (!f || !buf || n > S_FILE_MAX) {
        cli_error ("%s: cannot read, or longer than %d bytes", path, S_FILE_MAX);
        free (buf);
        return NULL;
    }
    buf [n] = '\0';
    *len = n;
    return buf;
}

static int
s_time (const char *option, const char *text, int64_t *ms)
{
    if (!text) {
        struct timespec ts;
        clock_gettime (CLOCK_REALTIME, &ts);
        *ms = (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        return 0;
    }
    if (ingest_fhir_datetime (text, ms)) {
        cli_error ("%s: '%s' is not a date and time like 2027-01-01T00:00:00Z", option, text);
        return -1;
    }
    return 0;
}

static int
s_storage_keygen (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort ingest storage-keygen --out FILE\n"
        "  Creates the site storage key (256 bits from the CSPRNG) that seals device\n"
        "  secrets and records at rest: one line of 64 hex digits, mode 0600, never\n"
        "  overwritten. Back it up: the store cannot be opened without it.\n";
    static const struct option spec [] = {
        { "out", required_argument, NULL, 0 }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 } };
    const char *v [1] = { NULL };
    int rc = cli_options (argc, argv, spec, usage, v);
    if (rc)
        return rc < 0? CLI_OK: rc;
    if (cli_need ("ingest storage-keygen", "--out", v [0]))
        return CLI_USAGE;
    uint8_t key [32];
    rc = RAND_bytes (key, sizeof key) == 1 && s_write_key (v [0], key) == 0? CLI_OK: CLI_FAIL;
    OPENSSL_cleanse (key, sizeof key);
    return rc;
}

//  Opens the ingest store (and the audit log, if given) for a device command.
static ingest_store_t *
s_open_store (const char *store, const char *keyfile, const char *audit_path,
              const char *origin, audit_log_t **audit)
{
    uint8_t key [INGEST_STORAGE_KEY_LEN];
    *audit = NULL;
    if (s_read_key (keyfile, key))
        return NULL;
    if (audit_path && !(*audit = audit_log_open (audit_path, origin))) {
        cli_error ("%s", util_last_error ());
        OPENSSL_cleanse (key, sizeof key);
        return NULL;
    }
    ingest_store_t *ing = ingest_store_open (store, key, *audit);
    OPENSSL_cleanse (key, sizeof key);
    if (!ing) {
        cli_error ("%s", util_last_error ());
        audit_log_destroy (audit);
    }
    return ing;
}

//  Writes the provisioning file DIR/<device id>.device (JSON, mode 0600,
//  never overwritten) that a device or its gateway is set up from.
static int
s_write_provision (const char *dir, const char *device, const char *patient, uint32_t epoch,
                   const uint8_t secret [INGEST_SECRET_LEN], char *path, size_t cap)
{
    char hex [2 * INGEST_SECRET_LEN + 1];
    for (int i = 0; i < INGEST_SECRET_LEN; i++)
        snprintf (hex + 2 * i, 3, "%02x", secret [i]);
    snprintf (path, cap, "%s/%s.device", dir, device);
    json_t *j = json_pack ("{s:s, s:s, s:i, s:s, s:s}", "device_id", device, "patient", patient,
                           "epoch", (json_int_t) epoch, "aead", "aes-256-gcm", "secret", hex);
    char *text = j? json_dumps (j, JSON_INDENT (2) | JSON_PRESERVE_ORDER): NULL;
    json_decref (j);
    OPENSSL_cleanse (hex, sizeof hex);
    int fd = text? open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600): -1;
    size_t len = text? strlen (text): 0;
    int ok = fd >= 0 && write (fd, text, len) == (ssize_t) len && write (fd, "\n", 1) == 1
          && fsync (fd) == 0;
    if (fd >= 0 && close (fd) != 0)
        ok = 0;
    if (text) {
        OPENSSL_cleanse (text, len);
        free (text);
    }
    if (!ok) {
        cli_error ("%s: cannot create: %s", path, strerror (errno));
        if (fd >= 0)
            unlink (path);
        return -1;
    }
    return 0;
}

static int
s_enroll_device (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort ingest enroll-device (--site-config site.cfg | --store DB\n"
        "         --storage-key FILE [--audit LOG]) --device-id ID --patient Patient/REF\n"
        "         (--secret-out FILE | --provision-dir DIR) [--expires DATETIME]\n"
        "  Enrolls a device for one patient and writes its new 256-bit secret, once,\n"
        "  for provisioning the device. Re-enrolling a revoked device starts a new\n"
        "  key epoch.\n"
        "  --site-config FILE  take the store, storage key and audit log from the\n"
        "                      ingest section of site.cfg\n"
        "  --secret-out FILE   the secret alone: 64 hex digits, mode 0600\n"
        "  --provision-dir DIR DIR/ID.device (JSON, mode 0600): device id, patient,\n"
        "                      key epoch, aead and secret, as cohort device-sim reads\n"
        "  --expires DATETIME  e.g. 2027-06-30T00:00:00Z (default: no expiry)\n"
        "  --audit LOG         an existing audit log that records the enrollment\n";
    static const struct option spec [] = {
        { "store", required_argument, NULL, 0 }, { "storage-key", required_argument, NULL, 1 },
        { "device-id", required_argument, NULL, 2 }, { "patient", required_argument, NULL, 3 },
        { "secret-out", required_argument, NULL, 4 }, { "expires", required_argument, NULL, 5 },
        { "audit", required_argument, NULL, 6 }, { "site-config", required_argument, NULL, 7 },
        { "provision-dir", required_argument, NULL, 8 }, { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 } };
    const char *v [9] = { NULL };
    int rc = cli_options (argc, argv, spec, usage, v);
    if (rc)
        return rc < 0? CLI_OK: rc;
    const char *cmd = "ingest enroll-device";
    int64_t expires = 0;
    if (v [7] && (v [0] || v [1] || v [6])) {
        cli_error ("%s: --site-config names the store, storage key and audit log: give it "
                   "without --store, --storage-key and --audit", cmd);
        return CLI_USAGE;
    }
    if (!!v [4] == !!v [8]) {
        cli_error ("%s: give one of --secret-out and --provision-dir", cmd);
        return CLI_USAGE;
    }
    if ((!v [7] && (cli_need (cmd, "--store", v [0]) || cli_need (cmd, "--storage-key", v [1])))
    ||  cli_need (cmd, "--device-id", v [2]) || cli_need (cmd, "--patient", v [3])
    ||  (v [5] && s_time ("--expires", v [5], &expires)))
        return CLI_USAGE;
    if (v [4] && access (v [4], F_OK) == 0) {
        cli_error ("%s: %s exists: not overwriting", cmd, v [4]);
        return CLI_FAIL;
    }
    struct stat st;
    if (v [8] && (stat (v [8], &st) || !S_ISDIR (st.st_mode))) {
        cli_error ("%s: --provision-dir: '%s' is not a directory", cmd, v [8]);
        return CLI_FAIL;
    }
    site_config_t *cfg = NULL;
    const char *store = v [0], *keyfile = v [1], *audit_path = v [6], *origin = NULL;
    if (v [7]) {
        if (!(cfg = site_config_load (v [7]))) {
            cli_error ("%s: %s", cmd, util_last_error ());
            return CLI_FAIL;
        }
        if (!cfg->ingest) {
            cli_error ("%s: %s: no ingest section (site/ingest: store, storage_key, audit)",
                       cmd, v [7]);
            site_config_destroy (&cfg);
            return CLI_FAIL;
        }
        store = cfg->ingest->store;
        keyfile = cfg->ingest->storage_key;
        audit_path = cfg->ingest->audit;
        origin = cfg->ingest->audit_origin;
    }
    audit_log_t *audit = NULL;
    ingest_store_t *ing = s_open_store (store, keyfile, audit_path, origin, &audit);
    uint8_t secret [INGEST_SECRET_LEN];
    uint32_t epoch = 0;
    char path [4200];
    rc = CLI_FAIL;
    if (!ing)
        ;
    else
    if (ingest_store_enroll (ing, v [2], v [3], expires, secret, &epoch))
        cli_error ("%s: %s", cmd, util_last_error ());
    else
    if (v [4]? s_write_key (v [4], secret) == 0
             : s_write_provision (v [8], v [2], v [3], epoch, secret, path, sizeof path) == 0) {
        printf ("enrolled %s for %s, key epoch %u; secret in %s\n", v [2], v [3], epoch,
                v [4]? v [4]: path);
        rc = CLI_OK;
    }
    OPENSSL_cleanse (secret, sizeof secret);
    ingest_store_destroy (&ing);
    audit_log_destroy (&audit);
    site_config_destroy (&cfg);
    return rc;
}

static int
s_revoke_device (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort ingest revoke-device --store DB --storage-key FILE --device-id ID\n"
        "         [--audit LOG]\n"
        "  Revokes the device: every later frame from it is rejected (revoked_device).\n";
    static const struct option spec [] = {
        { "store", required_argument, NULL, 0 }, { "storage-key", required_argument, NULL, 1 },
        { "device-id", required_argument, NULL, 2 }, { "audit", required_argument, NULL, 3 },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    const char *v [4] = { NULL };
    int rc = cli_options (argc, argv, spec, usage, v);
    if (rc)
        return rc < 0? CLI_OK: rc;
    const char *cmd = "ingest revoke-device";
    if (cli_need (cmd, "--store", v [0]) || cli_need (cmd, "--storage-key", v [1])
    ||  cli_need (cmd, "--device-id", v [2]))
        return CLI_USAGE;
    audit_log_t *audit = NULL;
    ingest_store_t *ing = s_open_store (v [0], v [1], v [3], NULL, &audit);
    if (!ing)
        return CLI_FAIL;
    rc = CLI_OK;
    if (ingest_store_revoke (ing, v [2])) {
        cli_error ("%s: %s", cmd, util_last_error ());
        rc = CLI_FAIL;
    }
    else
        printf ("revoked %s\n", v [2]);
    ingest_store_destroy (&ing);
    audit_log_destroy (&audit);
    return rc;
}

static int
s_enroll_authority (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort ingest enroll-authority --store DB --key FILE.pub [--audit LOG]\n"
        "  Enrolls a consent authority by its verifier key (from `cohort audit keygen`):\n"
        "  grants it signs are then taken by `cohort ingest grant`.\n"
        "  --audit LOG  an existing audit log that records the enrollment\n";
    static const struct option spec [] = {
        { "store", required_argument, NULL, 0 }, { "key", required_argument, NULL, 1 },
        { "audit", required_argument, NULL, 2 },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    const char *v [3] = { NULL };
    int rc = cli_options (argc, argv, spec, usage, v);
    if (rc)
        return rc < 0? CLI_OK: rc;
    const char *cmd = "ingest enroll-authority";
    if (cli_need (cmd, "--store", v [0]) || cli_need (cmd, "--key", v [1]))
        return CLI_USAGE;
    audit_log_t *audit = NULL;
    if (v [2] && !(audit = audit_log_open (v [2], NULL))) {
        cli_error ("%s: %s", cmd, util_last_error ());
        return CLI_FAIL;
    }
    audit_verifier_t *key = audit_verifier_load (v [1]);
    char *text = key? audit_verifier_text (key): NULL;
    ingest_grants_t *g = text? ingest_grants_open (v [0], audit): NULL;
    rc = CLI_FAIL;
    if (!key)
        cli_error ("%s: %s", cmd, util_last_error ());
    else
    if (!g || ingest_grants_enroll_authority (g, text))
        cli_error ("%s: %s", cmd, util_last_error ());
    else {
        printf ("enrolled consent authority %s\n", text);
        rc = CLI_OK;
    }
    ingest_grants_destroy (&g);
    audit_log_destroy (&audit);
    free (text);
    audit_verifier_destroy (&key);
    return rc;
}

static int
s_sign_grant (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort ingest sign-grant --key AUTHORITY.key --file consent.json --out FILE\n"
        "  Signs a FHIR R4 Consent with a consent authority's key (from `cohort audit\n"
        "  keygen`) into a grant envelope (consent.json.sig, docs/ingest.md).\n";
    static const struct option spec [] = {
        { "key", required_argument, NULL, 0 }, { "file", required_argument, NULL, 1 },
        { "out", required_argument, NULL, 2 },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    const char *v [3] = { NULL };
    int rc = cli_options (argc, argv, spec, usage, v);
    if (rc)
        return rc < 0? CLI_OK: rc;
    const char *cmd = "ingest sign-grant";
    if (cli_need (cmd, "--key", v [0]) || cli_need (cmd, "--file", v [1])
    ||  cli_need (cmd, "--out", v [2]))
        return CLI_USAGE;
    size_t len = 0;
    audit_signer_t *key = audit_signer_load (v [0]);
    char *json = key? s_read_file (v [1], &len): NULL;
    ingest_consent_t *c = NULL;
    char *env = NULL;
    rc = CLI_FAIL;
    if (!key)
        cli_error ("%s: %s", cmd, util_last_error ());
    if (!json)
        ;       //  already reported: no key, or the file could not be read
    else
    //  Refuse to sign what no site would take.
    if (ingest_consent_parse (&c, json, len) != INGEST_GRANT_OK)
        cli_error ("%s: %s: %s", cmd, v [1], util_last_error ());
    else
    if (!(env = ingest_grant_sign (json, len, key)))
        cli_error ("%s: %s", cmd, util_last_error ());
    else {
        FILE *f = fopen (v [2], "wx");
        if (!f || fputs (env, f) < 0 || fputc ('\n', f) < 0 || fclose (f) != 0)
            cli_error ("%s: cannot write %s (it must not exist)", cmd, v [2]);
        else
            rc = CLI_OK;
    }
    free (env);
    ingest_consent_destroy (&c);
    free (json);
    audit_signer_destroy (&key);
    return rc;
}

//  Sends the grant in `file` through a site's ingest endpoint as a gateway.
static int
s_grant_remote (const char *const *v)
{
    const char *cmd = "ingest grant";
    if (v [0] || v [2] || v [3]) {
        cli_error ("%s: --endpoint excludes --store, --now and --audit (the site decides)", cmd);
        return CLI_USAGE;
    }
    if (cli_need (cmd, "--gateway-cert", v [5]) || cli_need (cmd, "--site-cert", v [6]))
        return CLI_USAGE;
    long timeout = 10000;
    if (v [7] && cli_parse_long ("--timeout-ms", v [7], 1, 3600000, &timeout))
        return CLI_USAGE;
    size_t len = 0;
    char *env = s_read_file (v [1], &len);
    if (!env)
        return CLI_FAIL;
    ingest_gateway_t *gw = ingest_gateway_new (v [4], v [5], v [6]);
    ingest_grant_reason_t r = INGEST_GRANT_MALFORMED;
    char detail [1024];
    int rc = CLI_FAIL;
    if (!gw || ingest_gateway_grant (gw, (const uint8_t *) env, len, (int) timeout, &r, detail,
                                   sizeof detail))
        cli_error ("%s: %s", cmd, util_last_error ());
    else
    if (r == INGEST_GRANT_OK) {
        puts ("accepted");
        rc = CLI_OK;
    }
    else
        printf ("rejected: %s: %s\n", ingest_grant_reason_name (r), detail);
    ingest_gateway_destroy (&gw);
    free (env);
    return rc;
}

static int
s_grant (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort ingest grant --store DB --file consent.json.sig [--now DATETIME]\n"
        "         [--audit LOG]\n"
        "       cohort ingest grant --endpoint ENDPOINT --gateway-cert GW.secret\n"
        "         --site-cert SITE.pub --file consent.json.sig [--timeout-ms MS]\n"
        "  Takes a signed consent grant. Prints `accepted`, or `rejected: <reason>`\n"
        "  with the detail and exits 1. A newer version with status inactive revokes.\n"
        "  --audit LOG  an existing audit log that records the decision\n"
        "  --endpoint   deliver it to a running site's ingest endpoint as a gateway\n"
        "               (the site decides it the same way and audits it)\n";
    static const struct option spec [] = {
        { "store", required_argument, NULL, 0 }, { "file", required_argument, NULL, 1 },
        { "now", required_argument, NULL, 2 }, { "audit", required_argument, NULL, 3 },
        { "endpoint", required_argument, NULL, 4 },
        { "gateway-cert", required_argument, NULL, 5 },
        { "site-cert", required_argument, NULL, 6 },
        { "timeout-ms", required_argument, NULL, 7 },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    const char *v [8] = { NULL };
    int rc = cli_options (argc, argv, spec, usage, v);
    if (rc)
        return rc < 0? CLI_OK: rc;
    const char *cmd = "ingest grant";
    if (cli_need (cmd, "--file", v [1]))
        return CLI_USAGE;
    if (v [4])
        return s_grant_remote (v);
    if (v [5] || v [6] || v [7]) {
        cli_error ("%s: --gateway-cert, --site-cert and --timeout-ms need --endpoint", cmd);
        return CLI_USAGE;
    }
    int64_t now = 0;
    if (cli_need (cmd, "--store", v [0]) || s_time ("--now", v [2], &now))
        return CLI_USAGE;
    size_t len = 0;
    audit_log_t *audit = NULL;
    if (v [3] && !(audit = audit_log_open (v [3], NULL))) {
        cli_error ("%s: %s", cmd, util_last_error ());
        return CLI_FAIL;
    }
    char *env = s_read_file (v [1], &len);
    ingest_grants_t *g = env? ingest_grants_open (v [0], audit): NULL;
    rc = CLI_FAIL;
    if (env && !g)
        cli_error ("%s: %s", cmd, util_last_error ());
    else
    if (g) {
        ingest_grant_reason_t r = ingest_grants_add (g, env, len, now);
        if (r == INGEST_GRANT_OK) {
            puts ("accepted");
            rc = CLI_OK;
        }
        else
            printf ("rejected: %s: %s\n", ingest_grant_reason_name (r), util_last_error ());
    }
    ingest_grants_destroy (&g);
    audit_log_destroy (&audit);
    free (env);
    return rc;
}

static int
s_select (int argc, char **argv)
{
    static const char usage [] =
        "usage: cohort ingest select --store DB --site Organization/ID --purpose CODE\n"
        "         [--study ResearchStudy/ID] [--time DATETIME]\n"
        "  Prints, as JSON, the patients and the number of records usable for this\n"
        "  site, study and purpose (v3-ActReason code, e.g. HRESCH) at TIME (now).\n";
    static const struct option spec [] = {
        { "store", required_argument, NULL, 0 }, { "site", required_argument, NULL, 1 },
        { "purpose", required_argument, NULL, 2 }, { "study", required_argument, NULL, 3 },
        { "time", required_argument, NULL, 4 },
        { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
    const char *v [5] = { NULL };
    int rc = cli_options (argc, argv, spec, usage, v);
    if (rc)
        return rc < 0? CLI_OK: rc;
    const char *cmd = "ingest select";
    ingest_consent_query_t q = { NULL, v [1], v [3], v [2], 0, NULL };
    if (cli_need (cmd, "--store", v [0]) || cli_need (cmd, "--site", v [1])
    ||  cli_need (cmd, "--purpose", v [2]) || s_time ("--time", v [4], &q.time_ms))
        return CLI_USAGE;
    ingest_grants_t *g = ingest_grants_open (v [0], NULL);
    char **patients = NULL;
    size_t npatients = 0, nrecords = 0;
    int64_t *ids = NULL;
    rc = CLI_FAIL;
    if (!g || ingest_grants_select_patients (g, &q, &patients, &npatients)
    ||  ingest_grants_select_records (g, &q, &ids, &nrecords))
        cli_error ("%s: %s", cmd, util_last_error ());
    else {
        json_t *list = json_array ();
        for (size_t i = 0; i < npatients; i++)
            json_array_append_new (list, json_string (patients [i]));
        json_t *out = json_pack ("{s:o, s:I}", "patients", list, "records",
                                 (json_int_t) nrecords);
        char *text = out? json_dumps (out, JSON_INDENT (2) | JSON_PRESERVE_ORDER): NULL;
        if (text) {
            puts (text);
            rc = CLI_OK;
        }
        free (text);
        json_decref (out);
    }
    for (size_t i = 0; i < npatients; i++)
        free (patients [i]);
    free (patients);
    free (ids);
    ingest_grants_destroy (&g);
    return rc;
}

static const cli_command_t s_ingest [] = {
    { "storage-keygen",   "create the site storage key", s_storage_keygen },
    { "enroll-device",    "enroll a device and write its secret", s_enroll_device },
    { "revoke-device",    "revoke a device", s_revoke_device },
    { "enroll-authority", "enroll a consent authority's verifier key", s_enroll_authority },
    { "sign-grant",       "sign a FHIR Consent as an authority", s_sign_grant },
    { "grant",            "take a signed consent grant", s_grant },
    { "select",           "show the patients and records usable for a use", s_select },
    { NULL, NULL, NULL }
};

int
cli_cmd_ingest (int argc, char **argv)
{
    return cli_dispatch ("cohort ingest", s_ingest, argc, argv);
}
