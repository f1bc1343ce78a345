/*  Unit tests for audit/checkpoint.c: signing checkpoints as C2SP signed
    notes and opening them, with every rejection. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/checkpoint.h"
#include "util/error.h"
#include "audit/audit_internal.h"
#include "support_error.h"

#define SK "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define VK "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"

typedef struct {
    audit_signer_t *signer;
    audit_verifier_t *verifier;
    audit_checkpoint_t cp;
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = calloc (1, sizeof *f);
    f->signer = audit_signer_parse (SK, strlen (SK));
    f->verifier = audit_verifier_parse (VK, strlen (VK));
    snprintf (f->cp.origin, sizeof f->cp.origin, "hospital-a.example/audit");
    f->cp.size = 1234567;
    for (int i = 0; i < AUDIT_HASH_LEN; i++)
        f->cp.root [i] = (uint8_t) i;
    *state = f;
    return f->signer && f->verifier? 0: -1;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    audit_signer_destroy (&f->signer);
    audit_verifier_destroy (&f->verifier);
    free (f);
    return 0;
}

static void
test_sign_open (void **state)
{
    fixture_t *f = *state;
    char *note = audit_checkpoint_sign (&f->cp, f->signer);
    assert_non_null (note);
    //  The exact text form: body, blank line, em-dash signature line.
    const char *body = "hospital-a.example/audit\n1234567\n"
                       "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n"
                       "\xe2\x80\x94 PeterNeumann x08gow";
    assert_memory_equal (note, body, strlen (body) - 6);
    assert_non_null (strstr (note, "\n\n\xe2\x80\x94 PeterNeumann "));
    assert_int_equal (note [strlen (note) - 1], '\n');
    audit_checkpoint_t out;
    memset (&out, 0, sizeof out);
    assert_int_equal (audit_checkpoint_open (&out, note, strlen (note), f->verifier), 0);
    assert_string_equal (out.origin, f->cp.origin);
    assert_int_equal (out.size, f->cp.size);
    assert_memory_equal (out.root, f->cp.root, AUDIT_HASH_LEN);
    //  Another key's verifier does not accept it.
    audit_signer_t *other = audit_signer_generate ("PeterNeumann");
    char *vtext = audit_signer_verifier_text (other);
    audit_verifier_t *ov = audit_verifier_parse (vtext, strlen (vtext));
    assert_int_equal (audit_checkpoint_open (&out, note, strlen (note), ov), -1);
    assert_non_null (strstr (util_last_error (), "no signature by key"));
    //  A cosigned note (a second signature by another key) still opens with
    //  either verifier.
    audit_checkpoint_t cp2 = f->cp;
    char *n2 = audit_checkpoint_sign (&cp2, other);
    const char *sigline = strstr (n2, "\n\n") + 2;
    size_t len = strlen (note) + strlen (sigline);
    char *both = malloc (len + 1);
    snprintf (both, len + 1, "%s%s", note, sigline);
    assert_int_equal (audit_checkpoint_open (&out, both, len, f->verifier), 0);
    assert_int_equal (audit_checkpoint_open (&out, both, len, ov), 0);
    assert_int_equal (audit_checkpoint_open (&out, note, strlen (note), NULL), -1);
    free (both);
    free (n2);
    free (vtext);
    audit_verifier_destroy (&ov);
    audit_signer_destroy (&other);
    free (note);
}

static void
test_sizes_and_origins (void **state)
{
    fixture_t *f = *state;
    audit_checkpoint_t cp = f->cp, out;
    uint64_t sizes [] = { 0, 1, 9, 10, UINT64_MAX };
    for (size_t i = 0; i < 5; i++) {
        cp.size = sizes [i];
        char *note = audit_checkpoint_sign (&cp, f->signer);
        assert_int_equal (audit_checkpoint_open (&out, note, strlen (note), f->verifier), 0);
        assert_true (out.size == sizes [i]);
        free (note);
    }
    memset (cp.origin, 'o', AUDIT_ORIGIN_MAX);
    cp.origin [AUDIT_ORIGIN_MAX] = '\0';
    char *note = audit_checkpoint_sign (&cp, f->signer);
    assert_non_null (note);
    assert_int_equal (audit_checkpoint_open (&out, note, strlen (note), f->verifier), 0);
    assert_string_equal (out.origin, cp.origin);
    free (note);
    assert_true (audit_checkpoint_origin_ok ("a b"));
    assert_false (audit_checkpoint_origin_ok (""));
    assert_false (audit_checkpoint_origin_ok (NULL));
    assert_false (audit_checkpoint_origin_ok (" a"));
    assert_false (audit_checkpoint_origin_ok ("a "));
    assert_false (audit_checkpoint_origin_ok ("a\nb"));
    assert_false (audit_checkpoint_origin_ok ("caf\xc3\xa9"));
    snprintf (cp.origin, sizeof cp.origin, "bad\torigin");
    assert_null (audit_checkpoint_sign (&cp, f->signer));
}

//  Signs `body` by hand as a note and expects audit_checkpoint_open to
//  reject it with a message containing `why`.
static void
s_expect_body_rejected (fixture_t *f, const char *body, const char *why)
{
    uint8_t sig [AUDIT_KEY_ID_LEN + AUDIT_SIGNATURE_LEN];
    memcpy (sig, audit_signer_keyid (f->signer), AUDIT_KEY_ID_LEN);
    assert_int_equal (audit_signer_sign (f->signer, sig + AUDIT_KEY_ID_LEN, body, strlen (body)), 0);
    char sig64 [UTIL_B64_LEN (sizeof sig)];
    util_b64_encode (sig64, sig, sizeof sig);
    char note [AUDIT_NOTE_MAX];
    int len = snprintf (note, sizeof note, "%s\n\xe2\x80\x94 PeterNeumann %s\n", body, sig64);
    audit_checkpoint_t out;
    support_expect_refused (audit_checkpoint_open (&out, note, (size_t) len, f->verifier) != 0,
                            body, why);
}

static void
test_body_rejects (void **state)
{
    fixture_t *f = *state;
    const char *root = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    char body [512];
    s_expect_body_rejected (f, "\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "line 1");
    s_expect_body_rejected (f, " o\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n", "line 1");
    s_expect_body_rejected (f, "o\n5\n", "needs origin, size and root");
    s_expect_body_rejected (f, "o\n", "needs origin, size and root");
    const char *sizes [] = { "", "05", "-5", "+5", "5a", "0x5", "18446744073709551616",
                             "99999999999999999999", "123456789012345678901" };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes [0]; i++) {
        snprintf (body, sizeof body, "o\n%s\n%s\n", sizes [i], root);
        s_expect_body_rejected (f, body, "line 2");
    }
    const char *roots [] = { "", "AAEC", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
                             "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8A=",
                             "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=",
                             "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=AAAA" };
    for (size_t i = 0; i < sizeof roots / sizeof roots [0]; i++) {
        snprintf (body, sizeof body, "o\n5\n%s\n", roots [i]);
        s_expect_body_rejected (f, body, "line 3");
    }
    snprintf (body, sizeof body, "o\n5\n%s\n\nx\n", root);
    s_expect_body_rejected (f, body, "must not be empty");
    snprintf (body, sizeof body, "o\n5\n%s\nex\x01t\n", root);
    s_expect_body_rejected (f, body, "line 4: control character 0x01");
    snprintf (body, sizeof body, "o\n5\n%s\nex\xc3t\n", root);
    s_expect_body_rejected (f, body, "line 4: byte 0xc3 is not valid UTF-8");
    //  UTF-8 is valid note text, but a Cohort origin is printable ASCII.
    snprintf (body, sizeof body, "caf\xc3\xa9\n5\n%s\n", root);
    s_expect_body_rejected (f, body, "line 1: origin must be printable ASCII");
    //  Extension lines are allowed and covered by the signature.
    snprintf (body, sizeof body, "o\n18446744073709551615\n%s\nextension one\n", root);
    uint8_t sig [AUDIT_KEY_ID_LEN + AUDIT_SIGNATURE_LEN];
    memcpy (sig, audit_signer_keyid (f->signer), AUDIT_KEY_ID_LEN);
    assert_int_equal (audit_signer_sign (f->signer, sig + AUDIT_KEY_ID_LEN, body, strlen (body)), 0);
    char sig64 [UTIL_B64_LEN (sizeof sig)], note [1024];
    util_b64_encode (sig64, sig, sizeof sig);
    int len = snprintf (note, sizeof note, "%s\n\xe2\x80\x94 PeterNeumann %s\n", body, sig64);
    audit_checkpoint_t out;
    assert_int_equal (audit_checkpoint_open (&out, note, (size_t) len, f->verifier), 0);
    assert_true (out.size == UINT64_MAX);
}

//  The note of `body` signed by the fixture's key, with `extra` (whole
//  signature lines) after the signature; returns its length.
static size_t
s_note_with (fixture_t *f, char *note, size_t cap, const char *body, const char *extra)
{
    uint8_t sig [AUDIT_KEY_ID_LEN + AUDIT_SIGNATURE_LEN];
    memcpy (sig, audit_signer_keyid (f->signer), AUDIT_KEY_ID_LEN);
    assert_int_equal (audit_signer_sign (f->signer, sig + AUDIT_KEY_ID_LEN, body, strlen (body)), 0);
    char sig64 [UTIL_B64_LEN (sizeof sig)];
    util_b64_encode (sig64, sig, sizeof sig);
    int len = snprintf (note, cap, "%s\n\xe2\x80\x94 PeterNeumann %s\n%s", body, sig64, extra);
    assert_true (len > 0 && (size_t) len < cap);
    return (size_t) len;
}

//  C2SP signed-note: UTF-8 text is allowed, and signatures by unknown keys
//  (whatever their names, UTF-8 ones included) are ignored, before or after
//  the known one; a malformed line is still refused.
static void
test_utf8_and_unknown_keys (void **state)
{
    fixture_t *f = *state;
    const char *root = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    char body [512], note [2048];
    audit_checkpoint_t out;
    //  A UTF-8 extension line (2-, 3- and 4-byte sequences).
    snprintf (body, sizeof body, "o\n7\n%s\nt\xc3\xa9moin \xe2\x80\x94 \xf0\x9f\x8c\xb3\n", root);
    size_t len = s_note_with (f, note, sizeof note, body, "");
    assert_int_equal (audit_checkpoint_open (&out, note, len, f->verifier), 0);
    assert_true (out.size == 7);
    //  Unknown cosigners: a UTF-8 name, a name sharing only the key id, the
    //  known name with another key id, a long (post-quantum sized) signature.
    char sig [3997];                    //  3,996 base64 characters: 2,997 bytes
    memset (sig, 'A', sizeof sig - 1);
    sig [sizeof sig - 1] = '\0';
    char extra [4500];
    snprintf (extra, sizeof extra,
              "\xe2\x80\x94 t\xc3\xa9moin.example/\xe6\x97\xa5\xe6\x9c\xac AAAAAAAAAAAA\n"
              "\xe2\x80\x94 Other x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
              "\xe2\x80\x94 PeterNeumann AAAAAAAAAAAA\n"
              "\xe2\x80\x94 witness.example/pq %s\n", sig);
    snprintf (body, sizeof body, "o\n7\n%s\n", root);
    len = s_note_with (f, note, sizeof note, body, "");
    char big [AUDIT_NOTE_MAX];
    int n = snprintf (big, sizeof big, "%s%s", note, extra);
    assert_true (n > 0 && (size_t) n < sizeof big);
    assert_int_equal (audit_checkpoint_open (&out, big, (size_t) n, f->verifier), 0);
    //  The unknown lines first, then the known one.
    const char *sigline = strstr (note, "\n\n") + 2;
    n = snprintf (big, sizeof big, "%s\n%s%s", body, extra, sigline);
    assert_int_equal (audit_checkpoint_open (&out, big, (size_t) n, f->verifier), 0);
    //  Only unknown keys: refused.
    n = snprintf (big, sizeof big, "%s\n%s", body, extra);
    support_expect_refused (audit_checkpoint_open (&out, big, (size_t) n, f->verifier) != 0,
                            "only unknown keys", "no signature by key 'PeterNeumann'");
    //  Still malformed: an unknown key whose name holds a Unicode space
    //  (U+3000), or a '+'; a line that is not valid UTF-8.
    const char *bad [] = {
        "\xe2\x80\x94 t\xc3\xa9moin\xe3\x80\x80x AAAAAAAA\n", "invalid key name",
        "\xe2\x80\x94 a+b AAAAAAAA\n", "invalid key name",
        "\xe2\x80\x94 t\xc3moin AAAAAAAA\n", "not valid UTF-8",
        "\xe2\x80\x94 t\xed\xa0\x80 AAAAAAAA\n", "not valid UTF-8",       //  a surrogate
        "\xe2\x80\x94 t\xc0\xaf AAAAAAAA\n", "not valid UTF-8",           //  overlong '/'
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i += 2) {
        len = s_note_with (f, note, sizeof note, body, bad [i]);
        support_expect_refused (audit_checkpoint_open (&out, note, len, f->verifier) != 0,
                                bad [i], bad [i + 1]);
    }
}

//  Applies an edit to a good note and expects rejection mentioning `why`.
static void
s_expect_note_rejected (fixture_t *f, const char *note, size_t len, const char *why)
{
    audit_checkpoint_t out;
    memset (&out, 0x5a, sizeof out);
    support_expect_refused (audit_checkpoint_open (&out, note, len, f->verifier) != 0,
                            "the edited note", why);
    //  Output untouched on failure.
    assert_int_equal (out.origin [0], 0x5a);
}

static void
test_note_rejects (void **state)
{
    fixture_t *f = *state;
    char *good = audit_checkpoint_sign (&f->cp, f->signer);
    size_t len = strlen (good);
    char note [AUDIT_NOTE_MAX + 16];
    //  Every single changed byte of the body is caught by the signature or
    //  the parser.
    size_t body_len = (size_t) (strstr (good, "\n\n") - good) + 1;
    for (size_t i = 0; i < body_len; i++) {
        memcpy (note, good, len);
        note [i] = note [i] == 'A'? 'B': 'A';
        audit_checkpoint_t out;
        assert_int_equal (audit_checkpoint_open (&out, note, len, f->verifier), -1);
    }
    //  A flipped signature bit.
    memcpy (note, good, len);
    note [len - 10] = note [len - 10] == 'A'? 'B': 'A';
    s_expect_note_rejected (f, note, len, "does not verify");
    //  No final newline; empty; too long.
    s_expect_note_rejected (f, good, len - 1, "end with a newline");
    s_expect_note_rejected (f, good, 0, "not within");
    s_expect_note_rejected (f, good, AUDIT_NOTE_MAX + 1, "not within");
    //  No blank line: just the body.
    s_expect_note_rejected (f, good, body_len, "no blank line");
    //  Blank line but no signatures.
    s_expect_note_rejected (f, good, body_len + 1, "no signature lines");
    //  Signature line without the em dash, with a hyphen instead.
    memcpy (note, good, body_len + 1);
    int n = snprintf (note + body_len + 1, sizeof note - body_len - 1, "- PeterNeumann %s",
                      strrchr (good, ' ') + 1);
    s_expect_note_rejected (f, note, body_len + 1 + (size_t) n, "em dash");
    //  Missing signature part, bad name, bad base64, short signature.
    const char *lines [] = {
        "\xe2\x80\x94 PeterNeumann\n", "'<name> <signature>'",
        "\xe2\x80\x94\n", "em dash",
        "\xe2\x80\x94  abc\n", "'<name> <signature>'",
        "\xe2\x80\x94 Peter+Neumann AAAA\n", "invalid key name",
        "\xe2\x80\x94 Peter\xc2\xa0Neumann AAAAAAAA\n", "invalid key name",
        "\xe2\x80\x94 PeterNeumann AAA\n", "not base64",
        "\xe2\x80\x94 PeterNeumann AAAA\n", "too short",
        "\xe2\x80\x94 PeterNeumann x08goxxx\n", "must be 64 bytes",
        "\xe2\x80\x94 PeterNeumann x08g\tAAA\n", "control character 0x09",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines [0]; i += 2) {
        memcpy (note, good, body_len + 1);
        n = snprintf (note + body_len + 1, sizeof note - body_len - 1, "%s", lines [i]);
        s_expect_note_rejected (f, note, body_len + 1 + (size_t) n, lines [i + 1]);
    }
    //  Too many signature lines (valid ones from an unknown key).
    memcpy (note, good, len);
    size_t at = len;
    for (int i = 0; i < AUDIT_NOTE_SIGS_MAX; i++)
        at += (size_t) snprintf (note + at, sizeof note - at, "\xe2\x80\x94 other AAAAAAAA\n");
    s_expect_note_rejected (f, note, at, "more than");
    free (good);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_sign_open, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_sizes_and_origins, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_utf8_and_unknown_keys, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_body_rejects, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_note_rejects, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
