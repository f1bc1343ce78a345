/*  cli/cmd_admin.c - `cohort admin grant | revoke | list`: the consortium
    admin's role certificates and revocation list (sim/admin.h); `cohort
    admin backup`: an online copy of one of our SQLite files (util/sqlite.h). */
#include "cli.h"
#include "cmd.h"
#include "proto/curve.h"
#include "proto/plan.h"
#include "proto/rolecert.h"
#include "sim/admin.h"
#include "util/error.h"
#include "util/sqlite.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char s_grant_usage [] =
    "usage: cohort admin grant ROLE NAME --curve-key FILE --admin-key FILE --out FILE\n"
    "                          [--index I] [--signer FILE] [--days N] [--force]\n"
    "\n"
    "Issues a role certificate (docs/protocol.md): the consortium admin binds NAME,\n"
    "its ROLE (site, analyst, observer or admin) and, for a site, its share index to\n"
    "its CURVE key and its Ed25519 signing key.\n"
    "\n"
    "  ROLE                site | analyst | observer | admin\n"
    "  NAME                the identity's name (a site's: as in its site.cfg)\n"
    "  --curve-key FILE    its CURVE public certificate (certs/<name>.pub)\n"
    "  --admin-key FILE    the admin's signing key (keys/admin.key, 0600)\n"
    "  --out FILE          the certificate to write (certs/<name>.role)\n"
    "  --index I           a site's threshold share index (1..64; sites only)\n"
    "  --signer FILE       the identity's Ed25519 verifier key (a .pub line); without\n"
    "                      it a new key is made beside --out: <name>.sign (0600) and\n"
    "                      <name>.sign.pub\n"
    "  --days N            valid for N days from now (default 365)\n"
    "  --force             replace existing files\n";

static const char s_revoke_usage [] =
    "usage: cohort admin revoke NAME|SERIAL --admin-key FILE --list FILE [--certs DIR]\n"
    "\n"
    "Adds a role certificate to the consortium's revocation list and signs the list\n"
    "again. The coordinator reads the list again when it changes.\n"
    "\n"
    "  NAME|SERIAL         the identity (its certificate DIR/NAME.role) or the serial\n"
    "  --admin-key FILE    the admin's signing key (keys/admin.key, 0600)\n"
    "  --list FILE         the revocation list (revocations.note; made if missing)\n"
    "  --certs DIR         where the certificates are (default: certs beside --list)\n";

static const char s_list_usage [] =
    "usage: cohort admin list --admin-key FILE [--list FILE] [--certs DIR]\n"
    "\n"
    "Lists the role certificates in DIR (role, name, index, serial, expiry; valid,\n"
    "expired or revoked) and the revocation list.\n"
    "\n"
    "  --admin-key FILE    the admin's verifier key (keys/admin.pub) or signing key\n"
    "  --list FILE         the revocation list (revocations.note)\n"
    "  --certs DIR         where the certificates are (default: certs beside --list,\n"
    "                      else ./certs)\n";

static const char s_backup_usage [] =
    "usage: cohort admin backup --db FILE --out FILE\n"
    "\n"
    "Copies one of Cohort's SQLite files (a site's ledger, ingest store or audit log,\n"
    "the coordinator's journal, a TOTP store) while it is in use: SQLite's online\n"
    "backup, one consistent snapshot, taken without stopping the service. The copy is\n"
    "written to a temporary file beside --out, checked (PRAGMA integrity_check),\n"
    "synced and then put in place, mode 0600: it holds what the original holds (key\n"
    "material of the ingest store included), so keep it as carefully. An existing\n"
    "--out is never replaced (docs/deploy.md, \"Backups\").\n"
    "\n"
    "  --db FILE           the database to copy (opened read-only, never created)\n"
    "  --out FILE          the copy to write (must not exist)\n";

//  The certificates folder: --certs, else certs beside `list`.
static void
s_certs_dir (char *out, size_t size, const char *certs, const char *list)
{
    if (certs) {
        snprintf (out, size, "%s", certs);
        return;
    }
    char copy [4096];
    snprintf (copy, sizeof copy, "%s", list? list: "./x");
    snprintf (out, size, "%s/certs", dirname (copy));
}

//  The CURVE public key (Z85) of a certificate file, into key[41].
static int
s_curve_key (const char *path, char key [41])
{
    zcert_t *cert = proto_cert_load ("--curve-key", path);
    if (!cert)
        return -1;
    snprintf (key, 41, "%s", zcert_public_txt (cert));
    proto_cert_destroy (&cert);
    return 0;
}

static int
s_grant (int argc, char **argv)
{
    const char *args [2] = { NULL, NULL };
    const char *curve_path = NULL, *admin_path = NULL, *out = NULL, *signer_path = NULL;
    unsigned index = 0, days = SIM_ADMIN_DAYS;
    bool force = false, has_index = false;
    const cli_opt_t table [] = {
        CLI_STRING ("curve-key", &curve_path), CLI_STRING ("admin-key", &admin_path),
        CLI_STRING ("out", &out), CLI_STRING ("signer", &signer_path),
        { "index", CLI_OPT_UINT, &index, 1, PROTO_MAX_PARTIES, NULL, &has_index },
        { "days", CLI_OPT_UINT, &days, 1, 36500, NULL, NULL },
        CLI_FLAG ("force", &force),
        CLI_END
    };
    int rc = cli_parse_args (argc, argv, table, s_grant_usage, args, 2, 2);
    if (rc != CLI_OK)
        return rc < 0? CLI_OK: rc;
    if (cli_need ("admin grant", "--curve-key", curve_path)
    ||  cli_need ("admin grant", "--admin-key", admin_path)
    ||  cli_need ("admin grant", "--out", out))
        return CLI_USAGE;
    proto_role_t role;
    if (proto_role_parse (args [0], &role)) {
        cli_error ("admin grant: %s", util_last_error ());
        return CLI_USAGE;
    }
    if ((role == PROTO_ROLE_SITE) != has_index) {
        cli_error ("admin grant: %s", role == PROTO_ROLE_SITE? "a site needs --index (its share index)"
                                      : "--index is for sites only");
        return CLI_USAGE;
    }
    char key [41];
    audit_signer_t *admin = NULL;
    audit_signer_t *own = NULL;
    audit_verifier_t *signer = NULL;
    rc = CLI_FAIL;
    if (s_curve_key (curve_path, key) || !(admin = audit_signer_load (admin_path)))
        goto fail;
    if (signer_path)
        signer = audit_verifier_load (signer_path);
    else {
        char dir [4096], kpath [4096 + 80], ppath [4096 + 96];
        snprintf (dir, sizeof dir, "%s", out);
        snprintf (kpath, sizeof kpath, "%s/%.64s.sign", dirname (dir), args [1]);
        snprintf (ppath, sizeof ppath, "%s.pub", kpath);
        own = sim_admin_keypair (args [1], kpath, ppath, force);
        char *line = own? audit_signer_verifier_text (own): NULL;
        signer = line? audit_verifier_parse (line, strlen (line)): NULL;
        free (line);
        if (signer)
            printf ("wrote the signing key of %s: %s (0600, give it to %s) and %s\n", args [1],
                    kpath, args [1], ppath);
    }
    if (!signer)
        goto fail;
    uint64_t serial = 0;
    sim_grant_t g = { role, args [1], index, key, signer, days, out, force };
    if (sim_admin_grant (admin, &g, &serial))
        goto fail;
    printf ("granted %s the role %s%s%.0u in consortium %s: %s (serial %llu, %u days)\n",
            args [1], args [0], has_index? " with share index ": "", has_index? index: 0,
            audit_signer_name (admin), out, (unsigned long long) serial, days);
    rc = CLI_OK;
fail:
    if (rc != CLI_OK)
        cli_error ("admin grant: %s", util_last_error ());
    audit_verifier_destroy (&signer);
    audit_signer_destroy (&own);
    audit_signer_destroy (&admin);
    return rc;
}

static int
s_revoke (int argc, char **argv)
{
    const char *who = NULL;
    const char *admin_path = NULL, *list = NULL, *certs = NULL;
    const cli_opt_t table [] = {
        CLI_STRING ("admin-key", &admin_path), CLI_STRING ("list", &list),
        CLI_STRING ("certs", &certs),
        CLI_END
    };
    int rc = cli_parse_args (argc, argv, table, s_revoke_usage, &who, 1, 1);
    if (rc != CLI_OK)
        return rc < 0? CLI_OK: rc;
    if (cli_need ("admin revoke", "--admin-key", admin_path)
    ||  cli_need ("admin revoke", "--list", list))
        return CLI_USAGE;
    char dir [4096 + 8];
    s_certs_dir (dir, sizeof dir, certs, list);
    audit_signer_t *admin = audit_signer_load (admin_path);
    uint64_t serial = 0;
    char name [AUDIT_KEY_NAME_MAX + 1] = "";
    if (!admin || sim_admin_revoke (admin, list, dir, who, &serial, name)) {
        cli_error ("admin revoke: %s", util_last_error ());
        audit_signer_destroy (&admin);
        return CLI_FAIL;
    }
    audit_signer_destroy (&admin);
    printf ("revoked %s (serial %llu) in %s\n", name, (unsigned long long) serial, list);
    return CLI_OK;
}

static int
s_list (int argc, char **argv)
{
    const char *admin_path = NULL, *list = NULL, *certs = NULL;
    const cli_opt_t table [] = {
        CLI_STRING ("admin-key", &admin_path), CLI_STRING ("list", &list),
        CLI_STRING ("certs", &certs),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, s_list_usage);
    if (rc != CLI_OK)
        return rc < 0? CLI_OK: rc;
    if (cli_need ("admin list", "--admin-key", admin_path))
        return CLI_USAGE;
    char dir [4096 + 8];
    s_certs_dir (dir, sizeof dir, certs, list);
    //  The verifier key, or the signing key's verifier.
    audit_verifier_t *admin = audit_verifier_load (admin_path);
    if (!admin) {
        audit_signer_t *signer = audit_signer_load (admin_path);
        char *line = signer? audit_signer_verifier_text (signer): NULL;
        admin = line? audit_verifier_parse (line, strlen (line)): NULL;
        free (line);
        audit_signer_destroy (&signer);
    }
    if (!admin || sim_admin_list (admin, dir, list, stdout)) {
        cli_error ("admin list: %s", util_last_error ());
        audit_verifier_destroy (&admin);
        return CLI_FAIL;
    }
    audit_verifier_destroy (&admin);
    return CLI_OK;
}

static int
s_backup (int argc, char **argv)
{
    const char *db = NULL, *out = NULL;
    const cli_opt_t table [] = { CLI_STRING ("db", &db), CLI_STRING ("out", &out), CLI_END };
    int rc = cli_parse (argc, argv, table, s_backup_usage);
    if (rc != CLI_OK)
        return rc < 0? CLI_OK: rc;
    if (cli_need ("admin backup", "--db", db) || cli_need ("admin backup", "--out", out))
        return CLI_USAGE;
    long pages = 0;
    if (util_sqlite_backup (db, out, &pages)) {
        cli_error ("admin backup: %s", util_last_error ());
        return CLI_FAIL;
    }
    printf ("backed up %s to %s: %ld pages, integrity ok, mode 0600\n", db, out, pages);
    return CLI_OK;
}

int
cli_cmd_admin (int argc, char **argv)
{
    static const cli_command_t kinds [] = {
        { "grant", "issue a role certificate (site, analyst, observer, admin)", s_grant },
        { "revoke", "add a certificate to the revocation list", s_revoke },
        { "list", "the certificates and the revocation list", s_list },
        { "backup", "an online copy of a ledger, store, audit log or journal (SQLite)",
          s_backup },
        { "totp-enrol", "enrol an analyst or admin for TOTP (otpauth:// URI, QR code)",
          cli_cmd_admin_totp_enrol },
        { NULL, NULL, NULL }
    };
    return cli_dispatch ("cohort admin", kinds, argc, argv);
}
