/*  Unit tests for he/keyfile.c: round trips of every kind, and a refusal
    with a clear "origin:line: reason" for each malformed input. */
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

#include "he/keyfile.h"
#include "util/error.h"
#include "alloc_walk.h"
#include "support_dir.h"
#include "support_error.h"
#include "support_file.h"
#include "support_he.h"

static he_pubkey_t *s_pk;
static he_seckey_t *s_sk;
static he_pubkey_t *s_tpk;
static he_verify_t *s_vk;
static he_share_t **s_shares;

static int
s_setup (void **state)
{
    (void) state;
    he_init ();
    if (he_keygen (&s_pk, &s_sk, 512))
        return -1;
    return he_threshold_keygen (&s_tpk, &s_vk, &s_shares, 512, 3, 2);
}

static int
s_teardown (void **state)
{
    (void) state;
    he_pubkey_destroy (&s_pk);
    he_seckey_destroy (&s_sk);
    support_he_keys_destroy (&s_tpk, &s_vk, &s_shares, 3);
    return 0;
}

static void
test_roundtrips (void **state)
{
    (void) state;
    char *t = he_keyfile_format_public (s_pk);
    he_pubkey_t *pk = he_keyfile_parse_public (t, strlen (t), "pub.key");
    assert_non_null (pk);
    assert_true (he_pubkey_equal (pk, s_pk));
    he_pubkey_destroy (&pk);
    free (t);

    t = he_keyfile_format_secret (s_sk);
    he_seckey_t *sk = he_keyfile_parse_secret (t, strlen (t), "sec.key");
    assert_non_null (sk);
    assert_true (he_pubkey_equal (he_seckey_pubkey (sk), s_pk));
    he_seckey_destroy (&sk);
    free (t);

    for (int i = 0; i < 3; i++) {
        t = he_keyfile_format_share (s_shares [i]);
        he_share_t *sh = he_keyfile_parse_share (t, strlen (t), "share.key");
        assert_non_null (sh);
        assert_int_equal (he_share_index (sh), i + 1);
        assert_int_equal (mpz_cmp (he_share_secret (sh), he_share_secret (s_shares [i])), 0);
        he_share_destroy (&sh);
        free (t);
    }
    t = he_keyfile_format_verify (s_vk);
    he_verify_t *vk = he_keyfile_parse_verify (t, strlen (t), "verify.key");
    assert_non_null (vk);
    assert_int_equal (he_verify_parties (vk), 3);
    assert_int_equal (mpz_cmp (he_verify_key (vk, 3), he_verify_key (s_vk, 3)), 0);
    he_verify_destroy (&vk);
    free (t);
}

//  Applies one textual edit to a good public file and expects a refusal
//  whose message contains `expect`.
static void
s_refuse_public (const char *from, const char *to, const char *expect)
{
    char *good = he_keyfile_format_public (s_pk);
    assert_non_null (good);
    char bad [4096];
    support_text_replace (bad, sizeof bad, good, from, to);
    free (good);
    he_pubkey_t *pk = he_keyfile_parse_public (bad, strlen (bad), "k.pub");
    support_expect_refused (pk == NULL, bad, expect);
}

static void
test_public_refusals (void **state)
{
    (void) state;
    s_refuse_public ("cohort-paillier-public v1", "cohort-paillier-public v2", "unsupported version");
    s_refuse_public ("cohort-paillier-public v1", "cohort-paillier-secret v1", "not a Cohort Paillier public");
    s_refuse_public ("bits 512", "bits 1024", "'bits' says 1024");
    s_refuse_public ("bits 512", "bits 5x2", "invalid decimal digit 'x'");
    s_refuse_public ("bits 512", "bits 99999999", "too large");
    s_refuse_public ("bits 512\n", "", "expected field 'bits', found 'n'");
    s_refuse_public ("\nn ", "\nN ", "expected field 'n', found 'N'");
    //  hs = n: not a unit modulo n^2.
    char *nhex = mpz_get_str (NULL, 16, he_pubkey_n (s_pk));
    char *hsline = malloc (strlen (nhex) + 8);
    sprintf (hsline, "\nhs %s\n", nhex);
    char *txt = malloc (4096);
    snprintf (txt, 4096, "cohort-paillier-public v1\nbits 512\nn %s%s", nhex, hsline);
    assert_null (he_keyfile_parse_public (txt, strlen (txt), "k.pub"));
    assert_non_null (strstr (util_last_error (), "k.pub: inconsistent public key: public key value hs"));
    free (txt);
    free (hsline);
    free (nhex);
    s_refuse_public ("\nhs ", "\nhs g", "invalid hex digit 'g'");
    s_refuse_public ("\nhs ", "\nhs\n", "expected field 'hs'");
    s_refuse_public ("v1\n", "v1\r\n", "carriage return");
    s_refuse_public ("v1\n", "v1\nextra 1\n", "expected field 'bits', found 'extra'");
    //  Two lines after the header then garbage at the end.
    char *good = he_keyfile_format_public (s_pk);
    size_t len = strlen (good);
    char *bad = malloc (len + 32);
    strcpy (bad, good);
    strcat (bad, "hs 01\n");
    assert_null (he_keyfile_parse_public (bad, strlen (bad), "k.pub"));
    assert_non_null (strstr (util_last_error (), "unexpected data after"));
    //  Truncated file: no final newline / cut in the middle / empty.
    assert_null (he_keyfile_parse_public (good, len - 1, "k.pub"));
    assert_non_null (strstr (util_last_error (), "truncated"));
    assert_null (he_keyfile_parse_public (good, len / 2, "k.pub"));
    assert_null (he_keyfile_parse_public (good, 0, "k.pub"));
    assert_non_null (strstr (util_last_error (), "empty file"));
    //  NUL byte inside a line.
    strcpy (bad, good);
    char *nl = strstr (bad, "bits");
    nl [1] = '\0';
    assert_null (he_keyfile_parse_public (bad, len, "k.pub"));
    assert_non_null (strstr (util_last_error (), "NUL"));
    //  Over-long line.
    char *huge = malloc (20000);
    memset (huge, 'a', 19999);
    huge [19998] = '\n';
    assert_null (he_keyfile_parse_public (huge, 19999, "k.pub"));
    assert_non_null (strstr (util_last_error (), "longer than"));
    free (huge);
    free (bad);
    free (good);
}

static void
test_secret_share_verify_refusals (void **state)
{
    (void) state;
    //  A secret key whose p is changed: p q no longer matches the bits or
    //  p is not prime: refused either way.
    char *t = he_keyfile_format_secret (s_sk);
    char *p = strstr (t, "\np ") + 3;
    *p = *p == '1'? '3': '1';
    assert_null (he_keyfile_parse_secret (t, strlen (t), "k.sec"));
    free (t);
    //  Share with index out of range; verify file with a missing vk.
    t = he_keyfile_format_share (s_shares [0]);
    char *idx = strstr (t, "index 1");
    idx [6] = '7';
    assert_null (he_keyfile_parse_share (t, strlen (t), "k.share"));
    assert_non_null (strstr (util_last_error (), "index 7 out of range"));
    free (t);
    t = he_keyfile_format_verify (s_vk);
    char *vk3 = strstr (t, "vk3 ");
    *vk3 = '\0';
    assert_null (he_keyfile_parse_verify (t, strlen (t), "k.verify"));
    assert_non_null (strstr (util_last_error (), "before field 'vk3'"));
    free (t);
    t = he_keyfile_format_verify (s_vk);
    char *parties = strstr (t, "parties 3");
    parties [8] = '0';
    assert_null (he_keyfile_parse_verify (t, strlen (t), "k.verify"));
    assert_non_null (strstr (util_last_error (), "0 parties"));
    free (t);
    //  The wrong kind of file for each loader.
    t = he_keyfile_format_public (s_pk);
    assert_null (he_keyfile_parse_share (t, strlen (t), "k"));
    assert_null (he_keyfile_parse_verify (t, strlen (t), "k"));
    assert_null (he_keyfile_parse_secret (t, strlen (t), "k"));
    free (t);
}

static void
test_files (void **state)
{
    (void) state;
    char dir [64];
    assert_int_equal (support_dir_make (dir, sizeof dir, "keyfile"), 0);
    char path [256];
    support_path (path, sizeof path, dir, "share-1.key");
    char *t = he_keyfile_format_share (s_shares [0]);
    assert_int_equal (he_keyfile_write (path, t, 0600, 0), 0);
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0600);
    //  No silent overwrite; explicit overwrite works.
    assert_int_equal (he_keyfile_write (path, t, 0600, 0), -1);
    assert_non_null (strstr (util_last_error (), "already exists"));
    assert_int_equal (he_keyfile_write (path, t, 0600, 1), 0);
    he_share_t *sh = he_keyfile_load_share (path);
    assert_non_null (sh);
    he_share_destroy (&sh);
    //  A share that group or others may read is refused, naming the fix.
    assert_int_equal (chmod (path, 0640), 0);
    assert_null (he_keyfile_load_share (path));
    assert_int_equal (util_last_code (), UTIL_EREFUSED);
    assert_non_null (strstr (util_last_error (), "chmod 600"));
    assert_int_equal (chmod (path, 0600), 0);
    free (t);
    //  Missing file, directory, oversized file.
    assert_null (he_keyfile_load_public ("/nonexistent/cohort.key"));
    assert_non_null (strstr (util_last_error (), "cannot open"));
    support_path (path, sizeof path, dir, "big.key");
    FILE *f = fopen (path, "w");
    for (int i = 0; i < HE_KEYFILE_MAX / 1000 + 2; i++)
        fprintf (f, "%0999d\n", 0);
    fclose (f);
    assert_null (he_keyfile_load_public (path));
    assert_non_null (strstr (util_last_error (), "big.key: "));
    assert_non_null (strstr (util_last_error (), "over the limit of 1048576"));
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    support_path (path, sizeof path, dir, "nodir/x.key");
    assert_int_equal (he_keyfile_write (path, "x\n", 0644, 0), -1);
    assert_int_equal (support_dir_remove (dir), 0);
}

//  Allocation failures: every util_ allocation of each parser, formatter
//  and loader fails once, and each failure is reported and leaks nothing.
static bool
s_parse_public (void *text)
{
    he_pubkey_t *pk = he_keyfile_parse_public (text, strlen (text), "k.pub");
    bool ok = pk != NULL;
    he_pubkey_destroy (&pk);
    return ok;
}

static bool
s_parse_secret (void *text)
{
    he_seckey_t *sk = he_keyfile_parse_secret (text, strlen (text), "k.sec");
    bool ok = sk != NULL;
    he_seckey_destroy (&sk);
    return ok;
}

static bool
s_parse_share (void *text)
{
    he_share_t *sh = he_keyfile_parse_share (text, strlen (text), "share.key");
    bool ok = sh != NULL;
    he_share_destroy (&sh);
    return ok;
}

static bool
s_parse_verify (void *text)
{
    he_verify_t *vk = he_keyfile_parse_verify (text, strlen (text), "verify.key");
    bool ok = vk != NULL;
    he_verify_destroy (&vk);
    return ok;
}

static bool
s_format_share (void *share)
{
    char *t = he_keyfile_format_share (share);
    bool ok = t != NULL;
    free (t);
    return ok;
}

static bool
s_format_verify (void *vk)
{
    char *t = he_keyfile_format_verify (vk);
    bool ok = t != NULL;
    free (t);
    return ok;
}

static bool
s_load_secret (void *path)
{
    he_seckey_t *sk = he_keyfile_load_secret (path);
    bool ok = sk != NULL;
    he_seckey_destroy (&sk);
    return ok;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    char *t = he_keyfile_format_public (s_pk);
    //  Two hex fields and the key itself at least.
    assert_true (alloc_walk (s_parse_public, t) >= 3);
    free (t);
    t = he_keyfile_format_secret (s_sk);
    assert_true (alloc_walk (s_parse_secret, t) >= 4);
    char dir [64];
    assert_int_equal (support_dir_make (dir, sizeof dir, "keyfile"), 0);
    char path [64];
    support_path (path, sizeof path, dir, "sec.key");
    assert_int_equal (he_keyfile_write (path, t, 0600, 1), 0);
    //  The file's buffer first, then everything the parser takes.
    assert_true (alloc_walk (s_load_secret, path) >= 5);
    assert_int_equal (support_dir_remove (dir), 0);
    free (t);
    t = he_keyfile_format_share (s_shares [1]);
    assert_true (alloc_walk (s_parse_share, t) >= 5);
    free (t);
    t = he_keyfile_format_verify (s_vk);
    //  n, v and three verification keys, the object and its key array.
    assert_true (alloc_walk (s_parse_verify, t) >= 7);
    free (t);
    assert_true (alloc_walk (s_format_share, s_shares [0]) >= 1);
    assert_true (alloc_walk (s_format_verify, s_vk) >= 1);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_roundtrips),
        cmocka_unit_test (test_public_refusals),
        cmocka_unit_test (test_secret_share_verify_refusals),
        cmocka_unit_test (test_files),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
