/*  Unit tests for cli/cmd_keygen.c: the files `cohort keygen threshold`
    writes decrypt together, and every bad command line is refused; the
    consortium's dictionary.csv, which its site configs name and `cohort
    site check` reads. */
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
#include "models/dictionary.h"
#include "cli_run.h"
#include "support_dir.h"
#include "support_file.h"

#define s_keygen(extra) s_run ("keygen threshold %s", extra)
#define s_consortium(extra) s_run ("keygen consortium %s", extra)

static void
test_writes_working_keys (void **state)
{
    (void) state;
    char args [256], path [300];
    snprintf (args, sizeof args, "--sites 3 --threshold 2 --bits 512 --insecure-test-key --out %s",
              support_dir_group);
    assert_int_equal (s_keygen (args), CLI_OK);
    support_path (path, sizeof path, support_dir_group, "paillier.pub");
    he_pubkey_t *pk = he_keyfile_load_public (path);
    assert_non_null (pk);
    support_path (path, sizeof path, support_dir_group, "verify.key");
    he_verify_t *vk = he_keyfile_load_verify (path);
    assert_non_null (vk);
    he_share_t *sh [3];
    for (int i = 0; i < 3; i++) {
        snprintf (path, sizeof path, "%s/share-%d.key", support_dir_group, i + 1);
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
    assert_int_equal (s_keygen ("--sites 0 --threshold 2 --out /tmp/x"), CLI_USAGE);
    assert_int_equal (s_keygen ("--sites 257 --threshold 2 --out /tmp/x"), CLI_USAGE);
    //  A threshold of 1 lets any one site decrypt alone: refused.
    assert_int_equal (s_keygen ("--sites 3 --threshold 1 --bits 512 --insecure-test-key "
                                "--out /tmp/x"), CLI_USAGE);
    assert_non_null (strstr (s_err, "keygen threshold: threshold must be at least 2"));
    assert_int_equal (s_keygen ("--sites 3 --threshold 2 --bits 1024 --out /tmp/x"), CLI_USAGE);
    assert_int_equal (s_keygen ("--sites 3 --threshold 2 --bits 2050 --out /tmp/x"), CLI_USAGE);
    assert_int_equal (s_keygen ("--sites 3 --threshold 2 --bits abc --out /tmp/x"), CLI_USAGE);
    assert_int_equal (s_keygen ("--sites 3 --threshold 2 --out /tmp/x extra"), CLI_USAGE);
    assert_int_equal (s_keygen ("--nosuch"), CLI_USAGE);
    assert_int_equal (s_keygen ("--help"), CLI_OK);
    assert_int_equal (s_keygen ("--sites 2 --threshold 2 --bits 512 --insecure-test-key "
                                "--out /nonexistent/dir/keys"), CLI_FAIL);
    assert_int_equal (s_run ("keygen nosuch"), CLI_USAGE);
}

static void
test_consortium (void **state)
{
    (void) state;
    char args [512], path [400];
    snprintf (args, sizeof args, "--sites north,south --threshold 2 --bits 512 "
              "--insecure-test-key --name lab --endpoint tcp://127.0.0.1:7123 --out %s/cons",
              support_dir_group);
    assert_int_equal (s_consortium (args), CLI_OK);
    char *text = support_file_read (support_path (path, sizeof path, support_dir_group,
                                                  "cons/sites/south.cfg"), NULL);
    assert_non_null (strstr (text, "index = 2"));
    assert_non_null (strstr (text, "coordinator = tcp://127.0.0.1:7123"));
    assert_non_null (strstr (text, "share = ../keys/share-2.key"));
    free (text);
    text = support_file_read (support_path (path, sizeof path, support_dir_group, "cons/coordinator.cfg"),
                              NULL);
    assert_non_null (strstr (text, "name = lab"));
    free (text);
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
    assert_int_equal (s_consortium ("--sites a,a --threshold 2 --out /tmp/x"), CLI_USAGE);
    assert_int_equal (s_consortium ("--sites a,../b --threshold 2 --out /tmp/x"), CLI_USAGE);
    assert_int_equal (s_consortium ("--sites a,,b --threshold 2 --out /tmp/x"), CLI_USAGE);
    assert_int_equal (s_consortium ("--sites a,analyst --threshold 2 --out /tmp/x"), CLI_USAGE);
    assert_int_equal (s_consortium ("--sites a,b --threshold 1 --bits 512 --insecure-test-key "
                                    "--out /tmp/x"), CLI_USAGE);
    assert_non_null (strstr (s_err, "keygen consortium: threshold must be at least 2"));
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
    assert_int_equal (s_consortium ("--sites a,b --threshold 2 --bits 512 --insecure-test-key "
                                    "--out /nonexistent/dir/cons"), CLI_FAIL);
}

static void
test_consortium_dictionary (void **state)
{
    (void) state;
    char args [512], path [400], dir [300];
    support_path (dir, sizeof dir, support_dir_group, "consdict");
    snprintf (args, sizeof args, "--sites north,south --threshold 2 --bits 512 "
              "--insecure-test-key --out %s", dir);
    assert_int_equal (s_consortium (args), CLI_OK);
    assert_non_null (strstr (s_out, "dictionary.csv"));
    //  The example, named by every site config.
    char *text = support_file_read (support_path (path, sizeof path, dir, "dictionary.csv"),
                                    NULL);
    assert_string_equal (text, model_dict_example ());
    free (text);
    text = support_file_read (support_path (path, sizeof path, dir, "sites/north.cfg"), NULL);
    assert_non_null (strstr (text, "dictionary = ../dictionary.csv"));
    free (text);
    //  A site that puts the Pima data where its config says finds it clean
    //  against the example.
    support_path (path, sizeof path, dir, "data");
    assert_int_equal (mkdir (path, 0700), 0);
    char *pima = support_file_read (COHORT_SOURCE_DIR "/datasets/pima_diabetes.csv", NULL);
    support_file_put (path, "north.csv", pima, 0600);
    free (pima);
    assert_int_equal (s_run ("site check --offline --config %s/sites/north.cfg", dir), CLI_OK);
    assert_non_null (strstr (s_out, "ok   key share: index 1 of 2"));
    assert_null (strstr (s_out, "FAIL"));
    assert_non_null (strstr (s_out, "768 rows, 9 columns: clean"));
    //  The south site has no data yet: a finding.
    assert_int_equal (s_run ("site check --offline --config %s/sites/south.cfg", dir), CLI_FAIL);
    assert_non_null (strstr (s_out, "FAIL datasets: 1 finding"));
    assert_non_null (strstr (s_out, "south.csv: cannot be read"));

    //  --dictionary: copied as it is once it is checked.
    snprintf (args, sizeof args, "--sites north,south --threshold 2 --bits 512 "
              "--insecure-test-key --out %s --force --dictionary "
              COHORT_SOURCE_DIR "/datasets/lung_dictionary.csv", dir);
    assert_int_equal (s_consortium (args), CLI_OK);
    text = support_file_read (support_path (path, sizeof path, dir, "dictionary.csv"), NULL);
    char *want = support_file_read (COHORT_SOURCE_DIR "/datasets/lung_dictionary.csv", NULL);
    assert_string_equal (text, want);
    free (text);
    free (want);
    //  A file that is not a dictionary fails the command with its reason,
    //  before any key is dealt.
    snprintf (args, sizeof args, "--sites north,south --threshold 2 --bits 512 "
              "--insecure-test-key --out %s/consdict2 --dictionary "
              COHORT_SOURCE_DIR "/datasets/lung.csv", support_dir_group);
    assert_int_equal (s_consortium (args), CLI_FAIL);
    assert_non_null (strstr (s_err, "lung.csv:1:1: header: 10 columns"));
    snprintf (path, sizeof path, "%s/consdict2/keys/share-1.key", support_dir_group);
    assert_int_equal (access (path, F_OK), -1);
    snprintf (args, sizeof args, "--sites north,south --threshold 2 --out %s/consdict2 --dictionary",
              support_dir_group);
    assert_int_equal (s_consortium (args), CLI_USAGE);
}

int
main (void)
{
    he_init ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_writes_working_keys),
        cmocka_unit_test (test_bad_command_lines),
        cmocka_unit_test (test_consortium),
        cmocka_unit_test (test_consortium_bad_command_lines),
        cmocka_unit_test (test_consortium_dictionary),
    };
    return cmocka_run_group_tests (tests, support_dir_group_setup, support_dir_group_teardown);
}
