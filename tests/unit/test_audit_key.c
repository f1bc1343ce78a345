/*  Unit tests for audit/key.c: Ed25519 signer and verifier keys, their text
    form and key files. The known-answer keys and signature are the public
    test vector of Go's golang.org/x/mod/sumdb/note package, so keys and
    signatures interoperate with that ecosystem. */
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

#include "audit/key.h"
#include "util/error.h"
#include "audit/audit_internal.h"
#include "alloc_walk.h"
#include "support_dir.h"
#include "support_file.h"

#define SK "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define VK "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define MSG "If you think cryptography is the answer to your problem,\n" \
            "then you don't know what your problem is.\n"
#define SIG "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="

static void
test_known_answer (void **state)
{
    (void) state;
    audit_signer_t *s = audit_signer_parse (SK, strlen (SK));
    assert_non_null (s);
    assert_string_equal (audit_signer_name (s), "PeterNeumann");
    assert_memory_equal (audit_signer_keyid (s), "\xc7\x4f\x20\xa3", 4);
    char *text = audit_signer_verifier_text (s);
    assert_string_equal (text, VK);
    free (text);
    text = audit_signer_text (s);
    assert_string_equal (text, SK);
    audit_key_text_free (text);

    uint8_t raw [68], sig [AUDIT_SIGNATURE_LEN];
    size_t n = 0;
    assert_int_equal (util_b64_decode (raw, sizeof raw, &n, SIG, strlen (SIG)), 0);
    assert_int_equal (n, 68);
    assert_memory_equal (raw, "\xc7\x4f\x20\xa3", 4);
    //  Ed25519 is deterministic: signing again gives the published bytes.
    assert_int_equal (audit_signer_sign (s, sig, MSG, strlen (MSG)), 0);
    assert_memory_equal (sig, raw + 4, AUDIT_SIGNATURE_LEN);

    audit_verifier_t *v = audit_verifier_parse (VK, strlen (VK));
    assert_non_null (v);
    assert_string_equal (audit_verifier_name (v), "PeterNeumann");
    text = audit_verifier_text (v);
    assert_string_equal (text, VK);
    free (text);
    assert_int_equal (audit_verifier_verify (v, raw + 4, MSG, strlen (MSG)), 0);
    //  One changed message byte or signature bit fails.
    assert_int_equal (audit_verifier_verify (v, raw + 4, MSG, strlen (MSG) - 1), -1);
    raw [10] ^= 1;
    assert_int_equal (audit_verifier_verify (v, raw + 4, MSG, strlen (MSG)), -1);
    audit_signer_destroy (&s);
    audit_signer_destroy (&s);
    assert_null (s);
    audit_verifier_destroy (&v);
    audit_verifier_destroy (&v);
    assert_null (v);
}

static void
test_generate (void **state)
{
    (void) state;
    audit_signer_t *a = audit_signer_generate ("cohort.example/log");
    audit_signer_t *b = audit_signer_generate ("cohort.example/log");
    assert_non_null (a);
    assert_non_null (b);
    char *va = audit_signer_verifier_text (a), *vb = audit_signer_verifier_text (b);
    assert_string_not_equal (va, vb);
    audit_verifier_t *v = audit_verifier_parse (va, strlen (va));
    assert_non_null (v);
    uint8_t sig [AUDIT_SIGNATURE_LEN];
    assert_int_equal (audit_signer_sign (b, sig, "x", 1), 0);
    assert_int_equal (audit_verifier_verify (v, sig, "x", 1), -1);
    assert_int_equal (audit_signer_sign (a, sig, "x", 1), 0);
    assert_int_equal (audit_verifier_verify (v, sig, "x", 1), 0);
    free (va);
    free (vb);
    audit_verifier_destroy (&v);
    audit_signer_destroy (&a);
    audit_signer_destroy (&b);
    //  Names: boundaries and forbidden characters.
    char name [AUDIT_KEY_NAME_MAX + 2];
    memset (name, 'n', sizeof name);
    name [AUDIT_KEY_NAME_MAX] = '\0';
    a = audit_signer_generate (name);
    assert_non_null (a);
    audit_signer_destroy (&a);
    name [AUDIT_KEY_NAME_MAX] = 'n';
    name [AUDIT_KEY_NAME_MAX + 1] = '\0';
    assert_null (audit_signer_generate (name));
    assert_null (audit_signer_generate (""));
    assert_null (audit_signer_generate (NULL));
    assert_null (audit_signer_generate ("a+b"));
    assert_null (audit_signer_generate ("a b"));
    assert_null (audit_signer_generate ("caf\xc3\xa9"));
}

static void
test_parse_rejects (void **state)
{
    (void) state;
    static const char *bad_verifiers [] = {
        "",
        "PeterNeumann",
        "PeterNeumann+c74f20a3",
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",              //  no name
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  //  upper-case id
        "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",   //  short id
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  //  wrong id
        "PeterNeumanm+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  //  wrong name
        "PeterNeumann+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  //  algorithm 2
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",   //  bad base64
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWAA==", //  34 bytes
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW ", //  trailing space
        SK,                                                                    //  a signer key
    };
    for (size_t i = 0; i < sizeof bad_verifiers / sizeof bad_verifiers [0]; i++) {
        audit_verifier_t *v = audit_verifier_parse (bad_verifiers [i], strlen (bad_verifiers [i]));
        if (v)
            fail_msg ("accepted bad verifier key %zu", i);
        assert_true (strlen (util_last_error ()) > 0);
    }
    static const char *bad_signers [] = {
        "",
        "PRIVATE+KEY+",
        VK,
        "private+key+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFy",
    };
    for (size_t i = 0; i < sizeof bad_signers / sizeof bad_signers [0]; i++)
        assert_null (audit_signer_parse (bad_signers [i], strlen (bad_signers [i])));
    //  Longer than the limit.
    char longkey [AUDIT_KEY_TEXT_MAX + 2];
    memset (longkey, 'a', sizeof longkey);
    assert_null (audit_verifier_parse (longkey, sizeof longkey));
    assert_null (audit_signer_parse (longkey, sizeof longkey));
}

static void
test_files (void **state)
{
    (void) state;
    char dir [64];
    assert_int_equal (support_dir_make (dir, sizeof dir, "audit-key"), 0);
    char path [256], pub [256];
    support_path (path, sizeof path, dir, "signer.key");
    support_path (pub, sizeof pub, dir, "verifier.pub");

    audit_signer_t *s = audit_signer_generate ("site-1");
    assert_int_equal (audit_signer_save (s, path), 0);
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0600);
    //  Never overwrites.
    assert_int_equal (audit_signer_save (s, path), -1);
    audit_signer_t *back = audit_signer_load (path);
    assert_non_null (back);
    char *t1 = audit_signer_text (s), *t2 = audit_signer_text (back);
    assert_string_equal (t1, t2);
    audit_key_text_free (t1);
    audit_key_text_free (t2);
    audit_signer_destroy (&back);
    //  Group-readable key files are refused.
    assert_int_equal (chmod (path, 0640), 0);
    assert_null (audit_signer_load (path));
    assert_non_null (strstr (util_last_error (), "chmod 600"));
    audit_signer_destroy (&s);

    //  Strict line format.
    support_file_write (path, SK "\n", 0600);
    back = audit_signer_load (path);
    assert_non_null (back);
    audit_signer_destroy (&back);
    support_file_write (path, SK, 0600);
    assert_null (audit_signer_load (path));
    support_file_write (path, SK "\n\n", 0600);
    assert_null (audit_signer_load (path));
    support_file_write (path, SK "\r\n", 0600);
    assert_null (audit_signer_load (path));
    support_file_write (path, "", 0600);
    assert_null (audit_signer_load (path));
    support_file_write (path, VK "\n", 0600);
    assert_null (audit_signer_load (path));
    assert_non_null (strstr (util_last_error (), path));

    support_file_write (pub, VK "\n", 0644);
    audit_verifier_t *v = audit_verifier_load (pub);
    assert_non_null (v);
    audit_verifier_destroy (&v);
    support_file_write (pub, " " VK "\n", 0644);
    assert_null (audit_verifier_load (pub));
    assert_non_null (strstr (util_last_error (), pub));
    assert_null (audit_verifier_load ("/nonexistent/verifier.pub"));
    assert_null (audit_signer_load ("/nonexistent/signer.key"));
    //  Longer than any key line.
    char big [AUDIT_KEY_TEXT_MAX + 8];
    memset (big, 'a', sizeof big - 2);
    big [sizeof big - 2] = '\n';
    big [sizeof big - 1] = '\0';
    support_file_write (pub, big, 0644);
    assert_null (audit_verifier_load (pub));
    assert_int_equal (support_dir_remove (dir), 0);
}

//  Allocation failures: parsing, loading and formatting keys.
static bool
s_parse_signer (void *arg)
{
    (void) arg;
    audit_signer_t *s = audit_signer_parse (SK, strlen (SK));
    bool ok = s != NULL;
    audit_signer_destroy (&s);
    return ok;
}

static bool
s_parse_verifier (void *arg)
{
    (void) arg;
    audit_verifier_t *v = audit_verifier_parse (VK, strlen (VK));
    bool ok = v != NULL;
    audit_verifier_destroy (&v);
    return ok;
}

static bool
s_load_signer (void *path)
{
    audit_signer_t *s = audit_signer_load (path);
    bool ok = s != NULL;
    audit_signer_destroy (&s);
    return ok;
}

static bool
s_load_verifier (void *path)
{
    audit_verifier_t *v = audit_verifier_load (path);
    bool ok = v != NULL;
    audit_verifier_destroy (&v);
    return ok;
}

static bool
s_text (void *signer)
{
    char *text = audit_signer_text (signer);
    bool ok = text != NULL;
    audit_key_text_free (text);
    return ok;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    assert_true (alloc_walk (s_parse_signer, NULL) >= 1);
    assert_true (alloc_walk (s_parse_verifier, NULL) >= 1);
    char dir [64];
    assert_int_equal (support_dir_make (dir, sizeof dir, "audit-key"), 0);
    char path [256], pub [256];
    support_path (path, sizeof path, dir, "signer.key");
    support_path (pub, sizeof pub, dir, "verifier.pub");
    support_file_write (path, SK "\n", 0600);
    support_file_write (pub, VK "\n", 0644);
    //  The file's buffer, then the key.
    assert_true (alloc_walk (s_load_signer, path) >= 2);
    assert_true (alloc_walk (s_load_verifier, pub) >= 2);
    audit_signer_t *s = audit_signer_load (path);
    assert_non_null (s);
    assert_true (alloc_walk (s_text, s) >= 1);
    audit_signer_destroy (&s);
    assert_int_equal (support_dir_remove (dir), 0);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_known_answer),
        cmocka_unit_test (test_generate),
        cmocka_unit_test (test_parse_rejects),
        cmocka_unit_test (test_files),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
