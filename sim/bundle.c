/*  sim/bundle.c - a site's installation bundle: its files, its systemd unit
    and its operator's README. */
#include "bundle.h"
#include "models/dictionary.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_PATH_MAX 4096
#define S_ETC "/etc/cohort"
#define S_STATE "/var/lib/cohort"
#define S_DATA "/srv/cohort"
//  Largest file a bundle copies (the dictionary is the largest).
#define S_COPY_MAX (MODEL_DICT_BYTES_MAX > (1 << 20)? MODEL_DICT_BYTES_MAX: (1 << 20))

//  One file a bundle copies: from c->out/<from> to etc/<to>, with `mode`.
//  Names are formats of the site's name, or of its index for "%zu".
typedef struct {
    const char *from, *to;
    unsigned mode;
    const char *what;               //  the README's line
} s_file_t;

static const s_file_t s_files [] = {
    { "certs/%s.secret", "%s.secret", 0600, "its CURVE certificate, secret part: it proves "
      "this site to the coordinator" },
    { "certs/%s.pub", "%s.pub", 0644, "its CURVE certificate, public part (the coordinator "
      "holds a copy in its allowlist)" },
    { "certs/%s.role", "%s.role", 0644, "its role certificate: the consortium admin's "
      "signature on this site's name, share index and keys" },
    { "keys/%s.sign", "%s.sign", 0600, "its Ed25519 signing key: it signs every update this "
      "site sends" },
    { "keys/%s.sign.pub", "%s.sign.pub", 0644, "the signing key's verifier key (public)" },
    { "keys/share-%zu.key", "share-%zu.key", 0600, "its share of the consortium's threshold "
      "Paillier key: with it the site decrypts its part of each aggregate" },
    { "keys/paillier.pub", "paillier.pub", 0644, "the threshold Paillier public key" },
    { "certs/coordinator.pub", "coordinator.pub", 0644, "the coordinator's CURVE public "
      "certificate: the site talks to no other server" },
    { "keys/admin.pub", "admin.pub", 0644, "the consortium admin's verifier key: checks every "
      "role certificate" },
    { "revocations.note", "revocations.note", 0644, "the admin's signed revocation list, "
      "read again at each study offer" },
    { "dictionary.csv", "dictionary.csv", 0644, "the consortium's data dictionary "
      "(`cohort site check` compares the datasets with it)" },
};
#define S_FILES (sizeof s_files / sizeof s_files [0])

//  A name of s_files, made for this site.
static void
s_name (char *out, size_t size, const char *fmt, const sim_consortium_t *c, size_t site)
{
    if (strstr (fmt, "%zu"))
        snprintf (out, size, fmt, site + 1);
    else
    if (strstr (fmt, "%s"))
        snprintf (out, size, fmt, c->sites [site]);
    else
        snprintf (out, size, "%s", fmt);
}

static bool
s_copied (const sim_consortium_t *c, const s_file_t *f)
{
    return c->dictionary || strcmp (f->to, "dictionary.csv");
}

void
sim_bundle_user (char *user, size_t size, const sim_consortium_t *c, size_t site)
{
    const char *name = c->sites [site];
    bool plain = strlen ("cohort-") + strlen (name) <= SIM_BUNDLE_USER_MAX;
    for (const char *p = name; *p && plain; p++)
        plain = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_';
    if (plain)
        snprintf (user, size, "cohort-%s", name);
    else
        snprintf (user, size, "cohort-site%zu", site + 1);
}

//  The bundle's paths of site `site`: dir/<name> for each file it writes.
static void
s_bundle_dir (char *out, size_t size, const sim_consortium_t *c, size_t site)
{
    snprintf (out, size, "%s/bundles/%s", c->out, c->sites [site]);
}

int
sim_bundle_check (const sim_consortium_t *c)
{
    const char *bin = c->bin? c->bin: "";
    if (bin [0] != '/')
        return util_error (UTIL_EINPUT, "--bin '%s': must be an absolute path", bin);
    if (strlen (bin) > 1024)
        return util_error (UTIL_EINPUT, "--bin: longer than 1024 characters");
    for (const char *p = bin; *p; p++) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
               || strchr ("/._+-", ch);
        if (!ok)
            return util_error (UTIL_EINPUT, "--bin '%s': character %zu is not allowed in a unit "
                               "file's command (use letters, digits and / . _ + -)", bin,
                               (size_t) (p - bin) + 1);
    }
    if (c->force)
        return 0;
    char dir [S_PATH_MAX], name [S_PATH_MAX], path [2 * S_PATH_MAX + 8];
    for (size_t i = 0; i < c->n_sites; i++) {
        s_bundle_dir (dir, sizeof dir, c, i);
        const char *fixed [] = { "README.md", "etc/site.cfg", NULL };
        for (const char **f = fixed; *f; f++) {
            snprintf (path, sizeof path, "%s/%s", dir, *f);
            if (access (path, F_OK) == 0)
                goto exists;
        }
        snprintf (path, sizeof path, "%s/cohort-site-%s.service", dir, c->sites [i]);
        if (access (path, F_OK) == 0)
            goto exists;
        for (size_t k = 0; k < S_FILES; k++) {
            s_name (name, sizeof name, s_files [k].to, c, i);
            snprintf (path, sizeof path, "%s/etc/%s", dir, name);
            if (s_copied (c, &s_files [k]) && access (path, F_OK) == 0)
                goto exists;
        }
    }
    return 0;
exists:
    return util_error (UTIL_EREFUSED, "keygen: %s already exists (use --force to replace the "
                       "consortium)", path);
}

//  Writes `text` (consumed) to dir/name with `mode`.
static int
s_put (const char *dir, const char *name, char *text, unsigned mode, bool force)
{
    if (!text)
        return util_error_context ("keygen: %s", name);
    char path [2 * S_PATH_MAX];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    int rc = util_file_write (path, text, strlen (text), mode, force? UTIL_FILE_REPLACE: 0);
    free (text);
    return rc;
}

//  Copies c->out/from to dir/to with `mode`, wiping what it read (a key
//  share, a secret certificate).
static int
s_copy (const char *from, const char *to, unsigned mode, bool force)
{
    char *text = NULL;
    size_t len = 0;
    if (util_file_read (from, S_COPY_MAX, UTIL_FILE_SECRET, &text, &len))
        return util_error_context ("keygen: bundle");
    int rc = util_file_write (to, text, len, mode, force? UTIL_FILE_REPLACE: 0);
    util_cleanse (text, len);
    free (text);
    return rc? util_error_context ("keygen: bundle"): 0;
}

//  The systemd unit (systemd.exec(5), systemd.service(5)). Everything the
//  worker needs is outbound TCP to the coordinator (and, with an ingest
//  section, a listening TCP socket): no capability, no device, no write
//  outside its state directory.
static char *
s_unit (const sim_consortium_t *c, size_t site)
{
    const char *name = c->sites [site];
    char user [SIM_BUNDLE_USER_MAX + 1];
    sim_bundle_user (user, sizeof user, c, site);
    return util_asprintf (
        "#   Cohort site worker %s of consortium %s (bundle README.md).\n"
        "#   Install as /etc/systemd/system/cohort-site-%s.service, then\n"
        "#   systemctl daemon-reload && systemctl enable --now cohort-site-%s\n"
        "[Unit]\n"
        "Description=Cohort site worker %s (consortium %s)\n"
        "Documentation=file:" S_ETC "/%s/README.md\n"
        "After=network-online.target\n"
        "Wants=network-online.target\n"
        "\n"
        "[Service]\n"
        "Type=simple\n"
        "User=%s\n"
        "Group=%s\n"
        "ExecStart=%s site --config " S_ETC "/%s/site.cfg\n"
        "#   SIGHUP re-reads site.cfg (budget, datasets, policy); SIGTERM lets the\n"
        "#   round in flight finish and stops.\n"
        "ExecReload=/bin/kill -HUP $MAINPID\n"
        "KillSignal=SIGTERM\n"
        "TimeoutStopSec=60\n"
        "Restart=on-failure\n"
        "RestartSec=5s\n"
        "StateDirectory=cohort/%s\n"
        "StateDirectoryMode=0700\n"
        "WorkingDirectory=" S_STATE "/%s\n"
        "UMask=0077\n"
        "#   Secrets must not reach a core file.\n"
        "LimitCORE=0\n"
        "NoNewPrivileges=yes\n"
        "ProtectSystem=strict\n"
        "ReadWritePaths=" S_STATE "/%s\n"
        "ProtectHome=yes\n"
        "PrivateTmp=yes\n"
        "PrivateDevices=yes\n"
        "ProtectKernelTunables=yes\n"
        "ProtectKernelModules=yes\n"
        "ProtectKernelLogs=yes\n"
        "ProtectControlGroups=yes\n"
        "ProtectClock=yes\n"
        "ProtectHostname=yes\n"
        "ProtectProc=invisible\n"
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX\n"
        "RestrictNamespaces=yes\n"
        "RestrictRealtime=yes\n"
        "RestrictSUIDSGID=yes\n"
        "LockPersonality=yes\n"
        "MemoryDenyWriteExecute=yes\n"
        "RemoveIPC=yes\n"
        "SystemCallArchitectures=native\n"
        "SystemCallFilter=@system-service\n"
        "SystemCallFilter=~@privileged @resources\n"
        "SystemCallErrorNumber=EPERM\n"
        "CapabilityBoundingSet=\n"
        "AmbientCapabilities=\n"
        "\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n",
        name, c->name, name, name, name, c->name, name, user, user, c->bin, name, name, name,
        name);
}

//  The operator's README, as Markdown.
static int
s_readme_write (FILE *f, const sim_consortium_t *c, size_t site)
{
    const char *name = c->sites [site];
    char user [SIM_BUNDLE_USER_MAX + 1], file [S_PATH_MAX];
    sim_bundle_user (user, sizeof user, c, site);
    fprintf (f,
        "# Cohort site `%s`: installation bundle\n"
        "\n"
        "This folder holds everything the operator of site `%s` installs to run its\n"
        "Cohort site worker: the worker connects out to the consortium's coordinator\n"
        "(`%s`, CURVE-encrypted TCP), accepts or declines studies against its own\n"
        "privacy budget, and sends only clipped, noised, encrypted contributions. It\n"
        "opens no port unless `site.cfg` gets an `ingest` section.\n"
        "\n"
        "- consortium: `%s`\n"
        "- this site's threshold share index: %zu of %zu (any %u sites together decrypt\n"
        "  an aggregate; fewer learn nothing)\n"
        "- service: `cohort-site-%s.service`, running as the system user `%s`\n"
        "\n"
        "Some files here are secrets (mode 0600). Move the bundle to the site's host by\n"
        "a channel you trust, and delete every other copy once installed.\n"
        "\n"
        "## What each file is\n"
        "\n"
        "| file | installed as | owner, mode | what |\n"
        "|---|---|---|---|\n"
        "| `etc/site.cfg` | `" S_ETC "/%s/site.cfg` | root:%s 0640 | the worker's "
        "configuration (paths below; edit the `dataset` block) |\n",
        name, name, c->endpoint, c->name, site + 1, c->n_sites, c->threshold, name, user,
        name, user);
    for (size_t k = 0; k < S_FILES; k++) {
        if (!s_copied (c, &s_files [k]))
            continue;
        s_name (file, sizeof file, s_files [k].to, c, site);
        bool secret = s_files [k].mode == 0600;
        fprintf (f, "| `etc/%s` | `" S_ETC "/%s/%s` | %s:%s %s | %s |\n", file, name, file,
                 secret? user: "root", user, secret? "0600": "0640", s_files [k].what);
    }
    fprintf (f,
        "| `cohort-site-%s.service` | `/etc/systemd/system/` | root:root 0644 | the systemd "
        "unit |\n"
        "| (made by the worker) | `" S_STATE "/%s/ledger.db` | %s 0600 | the privacy budget "
        "ledger (SQLite) |\n"
        "| (made by the worker) | `" S_STATE "/%s/audit.db` | %s 0600 | this site's "
        "audit log (SQLite, Merkle tree) |\n"
        "| (yours) | `" S_DATA "/%s/%s.csv` | root:%s 0640 | the dataset `%s` (CSV with a "
        "header line) |\n"
        "\n"
        "The worker refuses to start when its key share is readable by group or others.\n"
        "Configuration and keys are read-only to the service; it writes only in its state\n"
        "directory `" S_STATE "/%s` (the unit's `ReadWritePaths`).\n"
        "\n",
        name, name, user, name, user, name, c->dataset, user, c->dataset, name);
    fprintf (f,
        "## Install (as root)\n"
        "\n"
        "1. Install the `cohort` binary as `%s` (the unit runs that path).\n"
        "2. Create the service user:\n"
        "\n"
        "       useradd --system --user-group --no-create-home \\\n"
        "               --home-dir " S_STATE "/%s --shell /usr/sbin/nologin %s\n"
        "\n"
        "3. Install the configuration and keys (from this folder):\n"
        "\n"
        "       install -d -m 0750 -o root -g %s " S_ETC "/%s\n"
        "       cd etc\n",
        c->bin, name, user, user, name);
    fprintf (f, "       install -m 0640 -o root -g %s site.cfg", user);
    for (size_t k = 0; k < S_FILES; k++)
        if (s_copied (c, &s_files [k]) && s_files [k].mode != 0600) {
            s_name (file, sizeof file, s_files [k].to, c, site);
            fprintf (f, " \\\n               %s", file);
        }
    fprintf (f, " \\\n               " S_ETC "/%s/\n", name);
    fprintf (f, "       install -m 0600 -o %s -g %s", user, user);
    for (size_t k = 0; k < S_FILES; k++)
        if (s_files [k].mode == 0600) {
            s_name (file, sizeof file, s_files [k].to, c, site);
            fprintf (f, " %s", file);
        }
    fprintf (f, " \\\n               " S_ETC "/%s/\n"
        "       cd ..\n"
        "\n"
        "4. Put the data where `site.cfg` says, readable by the service:\n"
        "\n"
        "       install -d -m 0750 -o root -g %s " S_DATA "/%s\n"
        "       install -m 0640 -o root -g %s %s.csv " S_DATA "/%s/\n"
        "\n"
        "   (or edit the `dataset` block of `" S_ETC "/%s/site.cfg`; a dataset may not\n"
        "   be under /home, which the unit hides).\n"
        "5. Make the state directory (systemd would at the first start; the check\n"
        "   below needs it first), then run the doctor as the service user:\n"
        "\n"
        "       install -d -m 0700 -o %s -g %s " S_STATE "/%s\n"
        "       runuser -u %s -- %s site check --config " S_ETC "/%s/site.cfg\n"
        "\n"
        "   Every line should read `ok` (or `warn`, read it); any `FAIL` makes the exit\n"
        "   status non-zero and says what to fix.\n"
        "6. Install and start the unit:\n"
        "\n"
        "       install -m 0644 cohort-site-%s.service /etc/systemd/system/\n"
        "       systemctl daemon-reload\n"
        "       systemctl enable --now cohort-site-%s\n"
        "       journalctl -u cohort-site-%s -f\n"
        "\n"
        "   The log shows `site %s: connecting to %s`, then the studies it accepts or\n"
        "   declines. Tell the consortium lead when it is up: `cohort budget` at the\n"
        "   coordinator lists this site once it has said hello.\n"
        "7. Delete this bundle (it holds the secrets) once the site runs.\n"
        "\n",
        name, user, name, user, c->dataset, name, name, user, user, name, user, c->bin, name,
        name, name, name, name, c->endpoint);
    fprintf (f,
        "## Check\n"
        "\n"
        "- `systemctl status cohort-site-%s` and `journalctl -u cohort-site-%s`.\n"
        "- `runuser -u %s -- %s site check --config " S_ETC "/%s/site.cfg`: files and\n"
        "  permissions, the certificate and share index, the ledger and audit paths, the\n"
        "  clock and the certificate's days left, whether the coordinator answers, and\n"
        "  the datasets against the dictionary. It prints counts and row numbers, never\n"
        "  a value from the data, and sends nothing.\n"
        "- `systemd-analyze security cohort-site-%s` rates the unit's hardening.\n"
        "\n",
        name, name, user, c->bin, name, name);
    fprintf (f,
        "## Reload and stop\n"
        "\n"
        "- `systemctl reload cohort-site-%s` (SIGHUP) re-reads `site.cfg`: the budget,\n"
        "  the datasets, the revocation list path and the policy keys take effect for the\n"
        "  next offer. A file that does not load, or that changes what needs a restart\n"
        "  (name, index, coordinator, certificates, keys, ledger, audit, ingest), is\n"
        "  not applied: the old configuration stays and the log says why in one line.\n"
        "  A dataset's budget once used is fixed in the ledger (it cannot be raised).\n"
        "- `systemctl stop` (SIGTERM) lets the round in flight finish and exits 0; the\n"
        "  ledger is written before anything leaves, so nothing is charged twice.\n"
        "\n", name);
    fprintf (f,
        "## Back up\n"
        "\n"
        "The ledger is what keeps this site within its privacy budget: losing it would\n"
        "let studies spend the budget again. Back it up, and the audit log, while the\n"
        "worker runs (an online SQLite backup: consistent, mode 0600, never replacing a\n"
        "file):\n"
        "\n"
        "       install -d -m 0700 /var/backups/cohort\n"
        "       %s admin backup --db " S_STATE "/%s/ledger.db \\\n"
        "           --out /var/backups/cohort/%s-ledger-$(date +%%F).db\n"
        "       %s admin backup --db " S_STATE "/%s/audit.db \\\n"
        "           --out /var/backups/cohort/%s-audit-$(date +%%F).db\n"
        "\n"
        "Keep a copy of `" S_ETC "/%s` (the key share and the signing key are secrets:\n"
        "an encrypted, offline copy). Restore by stopping the unit, copying the files\n"
        "back with the owners and modes above, and starting it.\n"
        "\n",
        c->bin, name, name, c->bin, name, name, name);
    fprintf (f,
        "## Rotate\n"
        "\n"
        "- **Role certificate** (valid a year; `site check` shows the days left): the\n"
        "  consortium admin issues a new one (`cohort admin grant site %s --index %zu\n"
        "  --curve-key %s.pub --signer %s.sign.pub ...`); install it as `%s.role`\n"
        "  (root:%s 0640) and `systemctl restart cohort-site-%s`.\n"
        "- **CURVE certificate or signing key** (suspected leak): the lead makes new\n"
        "  ones, puts the new public certificate in the coordinator's allowlist, revokes\n"
        "  the old role certificate and issues a new one; install the three files and\n"
        "  restart.\n"
        "- **Key share**: one site's share cannot be replaced alone. The lead deals a new\n"
        "  threshold key for the whole consortium; install the new `share-<i>.key` and\n"
        "  `paillier.pub` (and `site.cfg` if the index changed) and restart.\n"
        "- **Revocation list**: replace `revocations.note`; it is read at each offer.\n",
        name, site + 1, name, name, name, user, name);
    return ferror (f)? util_error (UTIL_EIO, "keygen: README: cannot format"): 0;
}

static char *
s_readme (const sim_consortium_t *c, size_t site)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream (&text, &len);
    if (!m)
        return util_error_null (UTIL_ENOMEM, "out of memory");
    int rc = s_readme_write (m, c, site);
    if (fclose (m))
        rc = -1;
    if (rc) {
        free (text);
        return NULL;
    }
    return text;
}

static int
s_mkdir (const char *path)
{
    if (mkdir (path, 0700) && errno != EEXIST)
        return util_error (UTIL_EIO, "cannot create directory %s: %s", path, strerror (errno));
    return 0;
}

int
sim_bundle_write (const sim_consortium_t *c, size_t site)
{
    const char *name = c->sites [site];
    char dir [S_PATH_MAX], etc [S_PATH_MAX + 8], path [S_PATH_MAX];
    snprintf (path, sizeof path, "%s/bundles", c->out);
    s_bundle_dir (dir, sizeof dir, c, site);
    snprintf (etc, sizeof etc, "%s/etc", dir);
    if (s_mkdir (path) || s_mkdir (dir) || s_mkdir (etc))
        return -1;
    sim_site_paths_t p;
    memset (&p, 0, sizeof p);
    snprintf (p.coordinator_cert, sizeof p.coordinator_cert, S_ETC "/%s/coordinator.pub", name);
    snprintf (p.cert, sizeof p.cert, S_ETC "/%s/%s.secret", name, name);
    snprintf (p.role_cert, sizeof p.role_cert, S_ETC "/%s/%s.role", name, name);
    snprintf (p.sign_key, sizeof p.sign_key, S_ETC "/%s/%s.sign", name, name);
    snprintf (p.admin_key, sizeof p.admin_key, S_ETC "/%s/admin.pub", name);
    snprintf (p.revocations, sizeof p.revocations, S_ETC "/%s/revocations.note", name);
    snprintf (p.share, sizeof p.share, S_ETC "/%s/share-%zu.key", name, site + 1);
    snprintf (p.public_key, sizeof p.public_key, S_ETC "/%s/paillier.pub", name);
    snprintf (p.dictionary, sizeof p.dictionary, S_ETC "/%s/dictionary.csv", name);
    snprintf (p.self, sizeof p.self, S_ETC "/%s/site.cfg", name);
    snprintf (p.ledger, sizeof p.ledger, S_STATE "/%s/ledger.db", name);
    snprintf (p.audit, sizeof p.audit, S_STATE "/%s/audit.db", name);
    snprintf (p.data_dir, sizeof p.data_dir, S_DATA "/%s", name);
    int rc = s_put (etc, "site.cfg", sim_consortium_site_cfg (c, site, &p), 0644, c->force);
    char from [256], to [256], src [S_PATH_MAX + 264], dst [S_PATH_MAX + 264];
    for (size_t k = 0; k < S_FILES && rc == 0; k++) {
        if (!s_copied (c, &s_files [k]))
            continue;
        s_name (from, sizeof from, s_files [k].from, c, site);
        s_name (to, sizeof to, s_files [k].to, c, site);
        snprintf (src, sizeof src, "%s/%s", c->out, from);
        snprintf (dst, sizeof dst, "%s/%s", etc, to);
        rc = s_copy (src, dst, s_files [k].mode, c->force);
    }
    snprintf (path, sizeof path, "cohort-site-%s.service", name);
    rc = rc || s_put (dir, path, s_unit (c, site), 0644, c->force)
            || s_put (dir, "README.md", s_readme (c, site), 0644, c->force);
    return rc? -1: 0;
}
