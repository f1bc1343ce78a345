/*  Unit tests for cli/cmd_admin.c: `cohort admin grant | revoke | list`,
    their help, and a test per error (exit 2 for a wrong command line, 1 for
    a file or key that does not do). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <czmq.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_run.h"
#include "proto/rolecert.h"
#include "support_curve.h"
#include "support_dir.h"
#include "support_file.h"
#include "support_role.h"

#define D support_dir_group

//  Expects `cohort <line>` to fail (exit 1) with needle on stderr.
static void
s_fails (const char *line, const char *needle)
{
    int rc = s_run ("%s", line);
    if (rc != CLI_FAIL || !strstr (s_err, needle))
        fail_msg ("`%s`: exit %d, stderr '%s' (wanted 1 and '%s')", line, rc, s_err, needle);
}

static void
test_help (void **state)
{
    (void) state;
    assert_int_equal (s_run ("admin --help"), CLI_OK);
    assert_non_null (strstr (s_out, "grant"));
    assert_non_null (strstr (s_out, "revoke"));
    const char *cmds [] = { "grant", "revoke", "list", "backup" };
    for (int i = 0; i < 4; i++) {
        assert_int_equal (s_run ("admin %s --help", cmds [i]), CLI_OK);
        assert_non_null (strstr (s_out, "usage: cohort admin"));
        assert_non_null (strstr (s_out, cmds [i]));
    }
    s_usage ("admin nosuch", "nosuch");
}

static void
test_grant (void **state)
{
    (void) state;
    char key [SUPPORT_CURVE_KEY_TEXT];
    support_curve_cert (D, "ana", NULL, key);
    audit_signer_t *admin = support_role_admin (D);
    audit_signer_destroy (&admin);
    char line [2048];
    //  Command lines.
    s_usage ("admin grant analyst", "usage");
    snprintf (line, sizeof line, "admin grant analyst ana --admin-key %s/admin.key --out %s/a.role", D, D);
    s_usage (line, "--curve-key is required");
    snprintf (line, sizeof line, "admin grant analyst ana --curve-key %s/ana --out %s/a.role", D, D);
    s_usage (line, "--admin-key is required");
    snprintf (line, sizeof line, "admin grant analyst ana --curve-key %s/ana --admin-key %s/admin.key", D, D);
    s_usage (line, "--out is required");
    snprintf (line, sizeof line, "admin grant boss ana --curve-key %s/ana --admin-key %s/admin.key "
              "--out %s/a.role", D, D, D);
    s_usage (line, "unknown role 'boss'");
    snprintf (line, sizeof line, "admin grant site ana --curve-key %s/ana --admin-key %s/admin.key "
              "--out %s/a.role", D, D, D);
    s_usage (line, "a site needs --index");
    snprintf (line, sizeof line, "admin grant analyst ana --index 2 --curve-key %s/ana "
              "--admin-key %s/admin.key --out %s/a.role", D, D, D);
    s_usage (line, "--index is for sites only");
    snprintf (line, sizeof line, "admin grant site ana --index 257 --curve-key %s/ana "
              "--admin-key %s/admin.key --out %s/a.role", D, D, D);
    s_usage (line, "--index");
    snprintf (line, sizeof line, "admin grant analyst ana --days 0 --curve-key %s/ana "
              "--admin-key %s/admin.key --out %s/a.role", D, D, D);
    s_usage (line, "--days");
    //  Files that do not do.
    snprintf (line, sizeof line, "admin grant analyst ana --curve-key %s/nowhere "
              "--admin-key %s/admin.key --out %s/a.role", D, D, D);
    s_fails (line, "--curve-key");
    snprintf (line, sizeof line, "admin grant analyst ana --curve-key %s/ana "
              "--admin-key %s/admin.pub --out %s/a.role", D, D, D);
    s_fails (line, "admin.pub");
    snprintf (line, sizeof line, "admin grant analyst ana --curve-key %s/ana "
              "--admin-key %s/admin.key --out %s/a.role --signer %s/nowhere.pub", D, D, D, D);
    s_fails (line, "nowhere.pub");
    snprintf (line, sizeof line, "admin grant analyst a+b --curve-key %s/ana "
              "--admin-key %s/admin.key --out %s/a.role", D, D, D);
    s_fails (line, "admin grant:");
    snprintf (line, sizeof line, "admin grant analyst ana --curve-key %s/ana "
              "--admin-key %s/admin.key --out /nonexistent/dir/a.role", D, D);
    s_fails (line, "/nonexistent/dir");
    //  A grant with a new signing key, then again refused, then with --force.
    snprintf (line, sizeof line, "admin grant analyst ana --curve-key %s/ana "
              "--admin-key %s/admin.key --out %s/ana.role --days 30", D, D, D);
    assert_int_equal (s_run ("%s", line), CLI_OK);
    assert_non_null (strstr (s_out, "granted ana the role analyst in consortium test-consortium"));
    assert_non_null (strstr (s_out, "ana.sign (0600"));
    char path [300];
    struct stat st;
    assert_int_equal (stat (support_path (path, sizeof path, D, "ana.sign"), &st), 0);
    assert_int_equal (st.st_mode & 0777, 0600);
    s_fails (line, "already exists");
    strcat (line, " --force");
    assert_int_equal (s_run ("%s", line), CLI_OK);
    //  The certificate opens with the admin's key and names the new key.
    audit_verifier_t *pub = audit_verifier_load (support_path (path, sizeof path, D, "admin.pub"));
    audit_signer_t *own = audit_signer_load (support_path (path, sizeof path, D, "ana.sign"));
    proto_rolecert_t *cert = NULL;
    char *text = proto_rolecert_read (support_path (path, sizeof path, D, "ana.role"), own, pub,
                                      (uint64_t) time (NULL), &cert);
    assert_non_null (text);
    assert_int_equal (cert->role, PROTO_ROLE_ANALYST);
    assert_string_equal (cert->curve, key);
    assert_true (cert->not_after <= (uint64_t) time (NULL) + 30 * 86400ull);
    proto_rolecert_destroy (&cert);
    free (text);
    //  A site with an index and a signing key it already has.
    snprintf (line, sizeof line, "admin grant site h1 --index 4 --curve-key %s/ana "
              "--admin-key %s/admin.key --out %s/h1.role --signer %s/ana.sign.pub", D, D, D, D);
    assert_int_equal (s_run ("%s", line), CLI_OK);
    assert_non_null (strstr (s_out, "granted h1 the role site with share index 4"));
    text = proto_rolecert_read (support_path (path, sizeof path, D, "h1.role"), own, pub,
                                (uint64_t) time (NULL), &cert);
    assert_non_null (text);
    assert_int_equal (cert->index, 4);
    proto_rolecert_destroy (&cert);
    free (text);
    audit_signer_destroy (&own);
    audit_verifier_destroy (&pub);
}

static void
test_revoke_list (void **state)
{
    (void) state;
    char key [SUPPORT_CURVE_KEY_TEXT], line [2048];
    support_curve_cert (D, "obs", NULL, key);
    char certs [300];
    support_path (certs, sizeof certs, D, "certs");
    mkdir (certs, 0700);
    snprintf (line, sizeof line, "admin grant observer obs --curve-key %s/obs "
              "--admin-key %s/admin.key --out %s/obs.role", D, D, certs);
    assert_int_equal (s_run ("%s", line), CLI_OK);
    //  Command lines.
    s_usage ("admin revoke", "usage");
    snprintf (line, sizeof line, "admin revoke obs --list %s/rev.note", D);
    s_usage (line, "--admin-key is required");
    snprintf (line, sizeof line, "admin revoke obs --admin-key %s/admin.key", D);
    s_usage (line, "--list is required");
    s_usage ("admin list", "--admin-key is required");
    //  Errors.
    snprintf (line, sizeof line, "admin revoke nobody --admin-key %s/admin.key --list %s/rev.note", D, D);
    s_fails (line, "nobody.role");
    snprintf (line, sizeof line, "admin revoke obs --admin-key %s/nowhere.key --list %s/rev.note", D, D);
    s_fails (line, "nowhere.key");
    snprintf (line, sizeof line, "admin list --admin-key %s/admin.pub --certs %s/nowhere", D, D);
    s_fails (line, "nowhere: cannot open");
    snprintf (line, sizeof line, "admin list --admin-key %s/nowhere.pub --certs %s", D, certs);
    s_fails (line, "nowhere.pub");
    //  Revoked (the list made on the way, certs found beside it), and listed.
    snprintf (line, sizeof line, "admin revoke obs --admin-key %s/admin.key --list %s/rev.note", D, D);
    assert_int_equal (s_run ("%s", line), CLI_OK);
    assert_non_null (strstr (s_out, "revoked obs (serial "));
    s_fails (line, "already revoked");
    support_file_write (support_path (line, sizeof line, D, "broken.note"), "x\n", 0644);
    snprintf (line, sizeof line, "admin revoke obs --admin-key %s/admin.key --list %s/broken.note", D, D);
    s_fails (line, "broken.note");
    snprintf (line, sizeof line, "admin list --admin-key %s/admin.pub --list %s/rev.note", D, D);
    assert_int_equal (s_run ("%s", line), CLI_OK);
    assert_non_null (strstr (s_out, "observer obs "));
    assert_non_null (strstr (s_out, "revoked\n"));
    assert_non_null (strstr (s_out, "1 entries"));
    //  The signing key does as well as the verifier key for a listing.
    snprintf (line, sizeof line, "admin list --admin-key %s/admin.key --certs %s", D, certs);
    assert_int_equal (s_run ("%s", line), CLI_OK);
    assert_non_null (strstr (s_out, "observer obs "));
    snprintf (line, sizeof line, "admin list --admin-key %s/admin.pub --list %s/broken.note", D, D);
    s_fails (line, "broken.note");
}

//  `admin backup`: a ledger copied, mode 0600, an existing --out refused,
//  the command-line errors.
static void
test_backup (void **state)
{
    (void) state;
    char db [512], out [512], line [2048];
    support_path (db, sizeof db, D, "ledger.db");
    support_path (out, sizeof out, D, "ledger-copy.db");
    sqlite3 *h = NULL;
    assert_int_equal (sqlite3_open (db, &h), SQLITE_OK);
    assert_int_equal (sqlite3_exec (h, "PRAGMA journal_mode = WAL; CREATE TABLE t (x); "
                                    "INSERT INTO t VALUES (1)", NULL, NULL, NULL), SQLITE_OK);
    snprintf (line, sizeof line, "admin backup --db %s --out %s", db, out);
    assert_int_equal (s_run ("%s", line), CLI_OK);
    sqlite3_close (h);
    assert_non_null (strstr (s_out, "integrity ok"));
    struct stat st;
    assert_int_equal (stat (out, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0600);
    s_fails (line, "already exists");
    s_usage ("admin backup", "--db is required");
    snprintf (line, sizeof line, "admin backup --db %s", db);
    s_usage (line, "--out is required");
    snprintf (line, sizeof line, "admin backup --db %s/nowhere.db --out %s/x.db", D, D);
    s_fails (line, "nowhere.db");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_help),
        cmocka_unit_test (test_grant),
        cmocka_unit_test (test_revoke_list),
        cmocka_unit_test (test_backup),
    };
    return cmocka_run_group_tests (tests, support_dir_group_setup, support_dir_group_teardown);
}
