/*  Unit tests for cli/cmd_keygen.c: the files `cohort keygen threshold`
    writes decrypt together, and every bad command line is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "he/keyfile.h"

static char s_dir [] = "/tmp/cohort-keygen-XXXXXX";

static int
s_keygen (const char *extra)
{
    char line [512];
    snprintf (line, sizeof line, "cohort keygen threshold %s", extra);
    char *argv [32];
    int argc = 0;
    for (char *tok = strtok (line, " "); tok && argc < 31; tok = strtok (NULL, " "))
        argv [argc++] = tok;
    argv [argc] = NULL;
    return cli_run (argc, argv);
}

static void
test_writes_working_keys (void **state)
{
    (void) state;
    char args [256], path [300];
    snprintf (args, sizeof args, "--sites 3 --threshold 2 --bits 512 --insecure-test-key --out %s",
              s_dir);
    assert_int_equal (s_keygen (args), CLI_OK);
    snprintf (path, sizeof path, "%s/paillier.pub", s_dir);
    he_pubkey_t *pk = he_keyfile_load_public (path);
    assert_non_null (pk);
    snprintf (path, sizeof path, "%s/verify.key", s_dir);
    he_verify_t *vk = he_keyfile_load_verify (path);
    assert_non_null (vk);
    he_share_t *sh [3];
    for (int i = 0; i < 3; i++) {
        snprintf (path, sizeof path, "%s/share-%d.key", s_dir, i + 1);
        struct stat st;
        assert_int_equal (stat (path, &st), 0);
        assert_int_equal (st.st_mode & 0777, 0600);
        sh [i] = he_keyfile_load_share (path);
        assert_non_null (sh [i]);
    }
    //  Sites 1 and 3 decrypt together, with proofs checked.
    mpz_t m, c, ci [2], out;
    mpz_inits (m, c, ci [0], ci [1], out, NULL);
    mpz_set_ui (m, 31337);
    assert_int_equal (he_encrypt (c, pk, m), 0);
    unsigned idx [2] = { 1, 3 };
    for (int k = 0; k < 2; k++) {
        he_proof_t pr;
        he_proof_init (&pr);
        assert_int_equal (he_partial_decrypt (ci [k], sh [idx [k] - 1], c), 0);
        assert_int_equal (he_partial_prove (&pr, sh [idx [k] - 1], c, ci [k]), 0);
        assert_int_equal (he_partial_verify (vk, idx [k], c, ci [k], &pr), 0);
        he_proof_clear (&pr);
    }
    assert_int_equal (he_combine (out, vk, idx, (const mpz_t *) ci, 2), 0);
    assert_int_equal (mpz_cmp (out, m), 0);
    mpz_clears (m, c, ci [0], ci [1], out, NULL);
    for (int i = 0; i < 3; i++)
        he_share_destroy (&sh [i]);
    he_verify_destroy (&vk);
    he_pubkey_destroy (&pk);

    //  A second run refuses to replace the key; --force replaces it.
    assert_int_equal (s_keygen (args), CLI_FAIL);
    strcat (args, " --force");
    assert_int_equal (s_keygen (args), CLI_OK);
}

static void
test_bad_command_lines (void **state)
{
    (void) state;
    assert_int_equal (s_keygen ("--sites 3 --threshold 2"), CLI_USAGE);           //  no --out
    assert_int_equal (s_keygen ("--sites 3 --threshold 4 --out /tmp/x"), CLI_USAGE);
    assert_int_equal (s_keygen ("--sites 0 --threshold 1 --out /tmp/x"), CLI_USAGE);
    assert_int_equal (s_keygen ("--sites 65 --threshold 1 --out /tmp/x"), CLI_USAGE);
    assert_int_equal (s_keygen ("--sites 3 --threshold 2 --bits 1024 --out /tmp/x"), CLI_USAGE);
    assert_int_equal (s_keygen ("--sites 3 --threshold 2 --bits 2050 --out /tmp/x"), CLI_USAGE);
    assert_int_equal (s_keygen ("--sites 3 --threshold 2 --bits abc --out /tmp/x"), CLI_USAGE);
    assert_int_equal (s_keygen ("--sites 3 --threshold 2 --out /tmp/x extra"), CLI_USAGE);
    assert_int_equal (s_keygen ("--nosuch"), CLI_USAGE);
    assert_int_equal (s_keygen ("--help"), CLI_OK);
    assert_int_equal (s_keygen ("--sites 2 --threshold 1 --bits 512 --insecure-test-key "
                                "--out /nonexistent/dir/keys"), CLI_FAIL);
    char *argv [] = { "cohort", "keygen", "nosuch", NULL };
    assert_int_equal (cli_run (3, argv), CLI_USAGE);
}

static int
s_consortium (const char *extra)
{
    char line [512];
    snprintf (line, sizeof line, "cohort keygen consortium %s", extra);
    char *argv [32];
    int argc = 0;
    for (char *tok = strtok (line, " "); tok && argc < 31; tok = strtok (NULL, " "))
        argv [argc++] = tok;
    argv [argc] = NULL;
    return cli_run (argc, argv);
}

static void
test_consortium (void **state)
{
    (void) state;
    char args [512], path [400];
    snprintf (args, sizeof args, "--sites north,south --threshold 2 --bits 512 "
              "--insecure-test-key --name lab --endpoint tcp://127.0.0.1:7123 --out %s/cons",
              s_dir);
    assert_int_equal (s_consortium (args), CLI_OK);
    snprintf (path, sizeof path, "%s/cons/sites/south.cfg", s_dir);
    FILE *f = fopen (path, "r");
    assert_non_null (f);
    char text [4096];
    size_t n = fread (text, 1, sizeof text - 1, f);
    fclose (f);
    text [n] = '\0';
    assert_non_null (strstr (text, "index = 2"));
    assert_non_null (strstr (text, "coordinator = tcp://127.0.0.1:7123"));
    assert_non_null (strstr (text, "share = ../keys/share-2.key"));
    snprintf (path, sizeof path, "%s/cons/coordinator.cfg", s_dir);
    f = fopen (path, "r");
    assert_non_null (f);
    n = fread (text, 1, sizeof text - 1, f);
    fclose (f);
    text [n] = '\0';
    assert_non_null (strstr (text, "name = lab"));
    //  Again: refused; with --force: replaced.
    assert_int_equal (s_consortium (args), CLI_FAIL);
    strcat (args, " --force");
    assert_int_equal (s_consortium (args), CLI_OK);
}

static void
test_consortium_bad_command_lines (void **state)
{
    (void) state;
    assert_int_equal (s_consortium ("--sites a,b --threshold 2"), CLI_USAGE);     //  no --out
    assert_int_equal (s_consortium ("--threshold 2 --out /tmp/x"), CLI_USAGE);    //  no --sites
    assert_int_equal (s_consortium ("--sites a,b --out /tmp/x"), CLI_USAGE);      //  no --threshold
    assert_int_equal (s_consortium ("--sites a,b --threshold 3 --bits 512 --insecure-test-key "
                                    "--out /tmp/x"), CLI_USAGE);
    assert_int_equal (s_consortium ("--sites a,a --threshold 1 --out /tmp/x"), CLI_USAGE);
    assert_int_equal (s_consortium ("--sites a,../b --threshold 1 --out /tmp/x"), CLI_USAGE);
    assert_int_equal (s_consortium ("--sites a,,b --threshold 1 --out /tmp/x"), CLI_USAGE);
    assert_int_equal (s_consortium ("--sites a,analyst --threshold 1 --out /tmp/x"), CLI_USAGE);
    assert_int_equal (s_consortium ("--sites a,b --threshold 0 --out /tmp/x"), CLI_USAGE);
    assert_int_equal (s_consortium ("--sites a,b --threshold 2 --bits 1024 --out /tmp/x"),
                      CLI_USAGE);
    assert_int_equal (s_consortium ("--sites a,b --threshold 2 --bits 2050 --out /tmp/x"),
                      CLI_USAGE);
    assert_int_equal (s_consortium ("--sites a,b --threshold 2 --endpoint udp://x:1 --out /tmp/x"),
                      CLI_USAGE);
    assert_int_equal (s_consortium ("--sites a,b --threshold 2 --endpoint tcp://x --out /tmp/x"),
                      CLI_USAGE);
    assert_int_equal (s_consortium ("--sites a,b --threshold 2 --out /tmp/x extra"), CLI_USAGE);
    assert_int_equal (s_consortium ("--nosuch"), CLI_USAGE);
    assert_int_equal (s_consortium ("--help"), CLI_OK);
    assert_int_equal (s_consortium ("--sites a,b --threshold 1 --bits 512 --insecure-test-key "
                                    "--out /nonexistent/dir/cons"), CLI_FAIL);
}

int
main (void)
{
    he_init ();
    if (!mkdtemp (s_dir))
        return 1;
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_writes_working_keys),
        cmocka_unit_test (test_bad_command_lines),
        cmocka_unit_test (test_consortium),
        cmocka_unit_test (test_consortium_bad_command_lines),
    };
    int rc = cmocka_run_group_tests (tests, NULL, NULL);
    char cmd [128];
    snprintf (cmd, sizeof cmd, "rm -rf %s", s_dir);
    if (system (cmd) != 0)
        return 1;
    return rc;
}
