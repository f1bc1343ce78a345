/*  Unit tests for sim/bundle.c: a site's installation bundle (its files
    and their modes, site.cfg's installed paths, the README), the service
    user, refusals without --force, a bad --bin, and `systemd-analyze
    verify` on every unit written (skipped only when systemd-analyze is
    absent). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/bundle.h"
#include "sim/consortium.h"
#include "util/error.h"
#include "support_cohort.h"
#include "support_dir.h"
#include "support_file.h"

#define S_ANALYZE "systemd-analyze"

static char *s_sites [] = { "hospital-a", "hospital-b", "St-Marys-General-Hospital-Trust", NULL };
static char s_out [256];
static char s_bin [512];

static void
s_consortium (sim_consortium_t *c)
{
    sim_consortium_defaults (c);
    c->out = s_out;
    c->sites = s_sites;
    c->n_sites = 3;
    c->threshold = 2;
    c->bits = 512;
    c->dictionary = true;
    c->bundles = true;
    c->bin = s_bin;
}

//  One consortium with bundles for the whole file, its units running the
//  built binary (systemd-analyze verify checks that ExecStart exists).
static int
s_setup (void **state)
{
    if (support_dir_group_setup (state))
        return -1;
    support_cohort_setenv ();
    snprintf (s_bin, sizeof s_bin, "%s", getenv ("COHORT_BIN"));
    snprintf (s_out, sizeof s_out, "%s/c", support_dir_group);
    sim_consortium_t c;
    s_consortium (&c);
    return sim_consortium_write (&c);
}

static void
s_mode (const char *path, unsigned mode)
{
    struct stat st;
    if (stat (path, &st))
        fail_msg ("%s: missing", path);
    if ((st.st_mode & 0777) != mode)
        fail_msg ("%s: mode %o, expected %o", path, st.st_mode & 0777, mode);
}

//  dir/from and dir/to hold the same bytes.
static void
s_same (const char *from, const char *to)
{
    size_t a_len, b_len;
    char *a = support_file_read (from, &a_len);
    char *b = support_file_read (to, &b_len);
    assert_int_equal (a_len, b_len);
    assert_memory_equal (a, b, a_len);
    free (a);
    free (b);
}

static void
test_files (void **state)
{
    (void) state;
    char p [1024], q [1024];
    snprintf (p, sizeof p, "%s/bundles", s_out);
    s_mode (p, 0700);
    snprintf (p, sizeof p, "%s/bundles/hospital-b", s_out);
    s_mode (p, 0700);
    snprintf (p, sizeof p, "%s/bundles/hospital-b/etc", s_out);
    s_mode (p, 0700);
    //  Secrets 0600, copied as they are.
    const char *secret [][2] = {
        { "certs/hospital-b.secret", "hospital-b.secret" },
        { "keys/hospital-b.sign", "hospital-b.sign" },
        { "keys/share-2.key", "share-2.key" },
    };
    for (size_t i = 0; i < 3; i++) {
        snprintf (p, sizeof p, "%s/%s", s_out, secret [i][0]);
        snprintf (q, sizeof q, "%s/bundles/hospital-b/etc/%s", s_out, secret [i][1]);
        s_mode (q, 0600);
        s_same (p, q);
    }
    const char *open [][2] = {
        { "certs/hospital-b.pub", "hospital-b.pub" }, { "certs/hospital-b.role", "hospital-b.role" },
        { "keys/hospital-b.sign.pub", "hospital-b.sign.pub" },
        { "keys/paillier.pub", "paillier.pub" }, { "certs/coordinator.pub", "coordinator.pub" },
        { "keys/admin.pub", "admin.pub" }, { "revocations.note", "revocations.note" },
        { "dictionary.csv", "dictionary.csv" },
    };
    for (size_t i = 0; i < sizeof open / sizeof open [0]; i++) {
        snprintf (p, sizeof p, "%s/%s", s_out, open [i][0]);
        snprintf (q, sizeof q, "%s/bundles/hospital-b/etc/%s", s_out, open [i][1]);
        s_mode (q, 0644);
        s_same (p, q);
    }
    //  No other site's secret is in this bundle.
    snprintf (q, sizeof q, "%s/bundles/hospital-b/etc/share-1.key", s_out);
    assert_int_equal (access (q, F_OK), -1);
    snprintf (q, sizeof q, "%s/bundles/hospital-b/etc/hospital-a.secret", s_out);
    assert_int_equal (access (q, F_OK), -1);

    //  site.cfg: every path is the installed one.
    snprintf (p, sizeof p, "%s/bundles/hospital-b/etc/site.cfg", s_out);
    s_mode (p, 0644);
    char *cfg = support_file_read (p, NULL);
    assert_null (strstr (cfg, "../"));
    const char *lines [] = {
        "name = hospital-b", "index = 2",
        "cert = /etc/cohort/hospital-b/hospital-b.secret",
        "role_cert = /etc/cohort/hospital-b/hospital-b.role",
        "sign_key = /etc/cohort/hospital-b/hospital-b.sign",
        "share = /etc/cohort/hospital-b/share-2.key",
        "public_key = /etc/cohort/hospital-b/paillier.pub",
        "coordinator_cert = /etc/cohort/hospital-b/coordinator.pub",
        "admin_key = /etc/cohort/hospital-b/admin.pub",
        "revocations = /etc/cohort/hospital-b/revocations.note",
        "dictionary = /etc/cohort/hospital-b/dictionary.csv",
        "ledger = /var/lib/cohort/hospital-b/ledger.db",
        "audit = /var/lib/cohort/hospital-b/audit.db",
        "audit_origin = demo-consortium/hospital-b",
        "path = /srv/cohort/hospital-b/breast_cancer.csv",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines [0]; i++)
        if (!strstr (cfg, lines [i]))
            fail_msg ("site.cfg lacks '%s':\n%s", lines [i], cfg);
    free (cfg);
    //  The consortium's own site.cfg keeps its relative layout.
    snprintf (p, sizeof p, "%s/sites/hospital-b.cfg", s_out);
    cfg = support_file_read (p, NULL);
    assert_non_null (strstr (cfg, "share = ../keys/share-2.key"));
    assert_non_null (strstr (cfg, "path = ../data/hospital-b.csv"));
    assert_null (strstr (cfg, "audit"));
    free (cfg);

    //  The unit and the README name the user, the binary and the paths.
    snprintf (p, sizeof p, "%s/bundles/hospital-b/cohort-site-hospital-b.service", s_out);
    s_mode (p, 0644);
    char *unit = support_file_read (p, NULL);
    char exec [1024];
    snprintf (exec, sizeof exec, "ExecStart=%s site --config /etc/cohort/hospital-b/site.cfg\n",
              s_bin);
    const char *keys [] = {
        exec, "User=cohort-hospital-b\n", "Group=cohort-hospital-b\n", "NoNewPrivileges=yes\n",
        "ProtectSystem=strict\n", "ProtectHome=yes\n", "PrivateTmp=yes\n", "PrivateDevices=yes\n",
        "ProtectKernelTunables=yes\n", "ProtectKernelModules=yes\n", "ProtectKernelLogs=yes\n",
        "ReadWritePaths=/var/lib/cohort/hospital-b\n", "StateDirectory=cohort/hospital-b\n",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX\n", "CapabilityBoundingSet=\n",
        "Restart=on-failure\n", "RestartSec=", "ExecReload=/bin/kill -HUP $MAINPID\n",
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys [0]; i++)
        if (!strstr (unit, keys [i]))
            fail_msg ("the unit lacks '%s':\n%s", keys [i], unit);
    free (unit);
    snprintf (p, sizeof p, "%s/bundles/hospital-b/README.md", s_out);
    char *readme = support_file_read (p, NULL);
    const char *words [] = {
        "useradd", "cohort-hospital-b", "share-2.key", "0600", "systemctl enable --now "
        "cohort-site-hospital-b", "site check --config /etc/cohort/hospital-b/site.cfg",
        "admin backup --db /var/lib/cohort/hospital-b/ledger.db", "## Rotate",
    };
    for (size_t i = 0; i < sizeof words / sizeof words [0]; i++)
        if (!strstr (readme, words [i]))
            fail_msg ("the README lacks '%s'", words [i]);
    //  No other site's secret is named.
    assert_null (strstr (readme, "share-1.key"));
    free (readme);
}

static void
test_user (void **state)
{
    (void) state;
    sim_consortium_t c;
    s_consortium (&c);
    char user [SIM_BUNDLE_USER_MAX + 1];
    sim_bundle_user (user, sizeof user, &c, 0);
    assert_string_equal (user, "cohort-hospital-a");
    //  Too long, and upper case: by share index.
    sim_bundle_user (user, sizeof user, &c, 2);
    assert_string_equal (user, "cohort-site3");
    char *names [] = { "abcdefghijklmnopqrstuvwx", "abcdefghijklmnopqrstuvwxy", "Ward7", NULL };
    c.sites = names;
    sim_bundle_user (user, sizeof user, &c, 0);
    assert_string_equal (user, "cohort-abcdefghijklmnopqrstuvwx");      //  31 characters
    sim_bundle_user (user, sizeof user, &c, 1);
    assert_string_equal (user, "cohort-site2");
    sim_bundle_user (user, sizeof user, &c, 2);
    assert_string_equal (user, "cohort-site3");
}

//  Runs `systemd-analyze verify PATH` and returns its exit code with what
//  it printed (stdout and stderr) in out.
static int
s_verify (const char *path, char *out, size_t size)
{
    char cmd [1200];
    snprintf (cmd, sizeof cmd, S_ANALYZE " verify --man=no '%s' 2>&1", path);
    FILE *p = popen (cmd, "r");
    assert_non_null (p);
    size_t n = fread (out, 1, size - 1, p);
    out [n] = 0;
    int status = pclose (p);
    return WIFEXITED (status)? WEXITSTATUS (status): -1;
}

static bool
s_have_analyze (void)
{
    return system ("command -v " S_ANALYZE " >/dev/null 2>&1") == 0;
}

//  Every unit passes systemd-analyze verify with nothing to say; a unit
//  whose binary is missing does not (the check can fail).
static void
test_units_verify (void **state)
{
    (void) state;
    if (!s_have_analyze ()) {
        print_message ("systemd-analyze is not installed: skipped\n");
        skip ();
    }
    char path [1024], out [8192];
    for (size_t i = 0; s_sites [i]; i++) {
        snprintf (path, sizeof path, "%s/bundles/%s/cohort-site-%s.service", s_out, s_sites [i],
                  s_sites [i]);
        int rc = s_verify (path, out, sizeof out);
        if (rc != 0 || *out)
            fail_msg ("systemd-analyze verify %s: exit %d:\n%s", path, rc, out);
    }
    //  The same unit with a binary that is not there is refused.
    snprintf (path, sizeof path, "%s/bundles/hospital-a/cohort-site-hospital-a.service", s_out);
    char *unit = support_file_read (path, NULL);
    char bad [16384];
    support_text_replace (bad, sizeof bad, unit, s_bin, "/nonexistent/cohort");
    free (unit);
    char dir [512];
    snprintf (dir, sizeof dir, "%s/broken", support_dir_group);
    assert_int_equal (mkdir (dir, 0700), 0);
    support_file_put (dir, "cohort-site-broken.service", bad, 0644);
    snprintf (path, sizeof path, "%s/cohort-site-broken.service", dir);
    assert_int_not_equal (s_verify (path, out, sizeof out), 0);
    assert_non_null (strstr (out, "/nonexistent/cohort"));
}

//  Without force nothing is replaced, and the refusal comes before the
//  key generation; with force the bundle is written again. A --bin a unit
//  file cannot hold is refused.
static void
test_refusals (void **state)
{
    (void) state;
    sim_consortium_t c;
    s_consortium (&c);
    char p [1024];
    snprintf (p, sizeof p, "%s/bundles/hospital-a/README.md", s_out);
    support_file_write (p, "mine\n", 0644);
    assert_int_equal (sim_bundle_check (&c), -1);
    assert_int_equal (util_last_code (), UTIL_EREFUSED);
    assert_non_null (strstr (util_last_error (), "README.md already exists"));
    assert_int_equal (sim_consortium_write (&c), -1);
    assert_int_equal (util_last_code (), UTIL_EREFUSED);
    char *text = support_file_read (p, NULL);
    assert_string_equal (text, "mine\n");
    free (text);
    assert_int_equal (sim_bundle_write (&c, 0), -1);
    assert_non_null (strstr (util_last_error (), "already exists"));

    const char *bad [] = { "cohort", "bin/cohort", "/opt/my cohort", "/opt/co%hort",
                           "/opt/$HOME/cohort", "/opt/\"x\"", "" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        c.bin = bad [i];
        assert_int_equal (sim_bundle_check (&c), -1);
        assert_int_equal (util_last_code (), UTIL_EINPUT);
        assert_non_null (strstr (util_last_error (), "--bin"));
    }
    c.bin = s_bin;
    c.force = true;
    assert_int_equal (sim_bundle_write (&c, 0), 0);
    text = support_file_read (p, NULL);
    assert_non_null (strstr (text, "# Cohort site `hospital-a`"));
    free (text);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_files),
        cmocka_unit_test (test_user),
        cmocka_unit_test (test_units_verify),
        cmocka_unit_test (test_refusals),
    };
    return cmocka_run_group_tests (tests, s_setup, support_dir_group_teardown);
}
