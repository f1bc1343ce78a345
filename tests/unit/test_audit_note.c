/*  Unit tests for audit/note.c: signing any text as a C2SP signed note and
    opening it, with every rejection, and unknown signatures ignored. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/note.h"
#include "util/error.h"
#include "support_error.h"

#define SK "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define VK "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define TEXT "If you think cryptography is the answer to your problem,\n" \
             "then you don't know what your problem is.\n"

typedef struct {
    audit_signer_t *signer;
    audit_verifier_t *verifier;
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = calloc (1, sizeof *f);
    f->signer = audit_signer_parse (SK, strlen (SK));
    f->verifier = audit_verifier_parse (VK, strlen (VK));
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
s_expect_rejected (fixture_t *f, const char *note, size_t len, const char *needle)
{
    size_t body = 12345;
    int rc = audit_note_open (note, len, 0, f->verifier, &body);
    support_expect_refused (rc == -1, note, needle);
    assert_int_equal (body, 12345);
}

//  The signed-note specification's example (C2SP signed-note, "Example"):
//  Go's note package signs TEXT with this key to exactly this signature.
static void
test_known_answer (void **state)
{
    fixture_t *f = *state;
    char *note = audit_note_sign (TEXT, strlen (TEXT), f->signer);
    assert_non_null (note);
    const char *expect = TEXT "\n\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    assert_string_equal (note, expect);
    size_t body = 0;
    assert_int_equal (audit_note_open (note, strlen (note), 0, f->verifier, &body), 0);
    assert_int_equal (body, strlen (TEXT));
    free (note);
}

static void
test_unknown_signatures_ignored (void **state)
{
    fixture_t *f = *state;
    char *note = audit_note_sign (TEXT, strlen (TEXT), f->signer);
    assert_non_null (note);
    //  A cosigner with a UTF-8 key name and a longer, non-Ed25519 signature,
    //  before ours: ignored, the note still opens.
    char buf [2048];
    int n = snprintf (buf, sizeof buf, "%s\n\xe2\x80\x94 caf\xc3\xa9+witness AAAAAAAAAAAAAAAAAAAAAAAAAAAA\n%s",
                      TEXT, strstr (note, "\n\n") + 2);
    size_t body = 0;
    //  '+' is not allowed in a key name, even another key's.
    assert_int_equal (audit_note_open (buf, (size_t) n, 0, f->verifier, &body), -1);
    n = snprintf (buf, sizeof buf, "%s\n\xe2\x80\x94 caf\xc3\xa9 AAAAAAAAAAAAAAAAAAAAAAAAAAAA\n%s",
                  TEXT, strstr (note, "\n\n") + 2);
    assert_int_equal (audit_note_open (buf, (size_t) n, 0, f->verifier, &body), 0);
    assert_int_equal (body, strlen (TEXT));
    //  Only unknown signatures: refused.
    n = snprintf (buf, sizeof buf, "%s\n\xe2\x80\x94 caf\xc3\xa9 AAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", TEXT);
    s_expect_rejected (f, buf, (size_t) n, "no signature by key 'PeterNeumann'");
    //  Malformed UTF-8 in a key name: refused.
    n = snprintf (buf, sizeof buf, "%s\n\xe2\x80\x94 caf\xc3 AAAAAAAA\n%s", TEXT,
                  strstr (note, "\n\n") + 2);
    s_expect_rejected (f, buf, (size_t) n, "not UTF-8");
    n = snprintf (buf, sizeof buf, "%s\n\xe2\x80\x94 \xed\xa0\x80 AAAAAAAA\n%s", TEXT,
                  strstr (note, "\n\n") + 2);
    s_expect_rejected (f, buf, (size_t) n, "not UTF-8");
    free (note);
}

static void
test_sign_rejects (void **state)
{
    fixture_t *f = *state;
    const char *texts [] = { "", "no newline", "a\n\nb\n", "\n", "tab\there\n", "caf\xc3\xa9\n" };
    const char *needles [] = { "non-empty", "non-empty", "line 2: empty line", "line 1: empty line",
                               "not printable", "not printable" };
    for (size_t i = 0; i < sizeof texts / sizeof texts [0]; i++)
        support_expect_refused (audit_note_sign (texts [i], strlen (texts [i]), f->signer) == NULL,
                                texts [i], needles [i]);
}

static void
test_open_rejects (void **state)
{
    fixture_t *f = *state;
    char *good = audit_note_sign (TEXT, strlen (TEXT), f->signer);
    size_t len = strlen (good);
    char note [AUDIT_NOTE_MAX + 64];
    s_expect_rejected (f, good, 0, "not within");
    size_t body = 0;
    assert_int_equal (audit_note_open (good, len, len - 1, f->verifier, &body), -1);
    assert_int_equal (audit_note_open (good, len, len, f->verifier, &body), 0);
    assert_int_equal (audit_note_open (good, len, 0, NULL, &body), -1);
    s_expect_rejected (f, good, len - 1, "newline");
    s_expect_rejected (f, "a\nb\n", 4, "no blank line");
    //  A flipped bit in the text.
    memcpy (note, good, len);
    note [3] ^= 1;
    s_expect_rejected (f, note, len, "does not verify");
    //  A non-ASCII byte in the text.
    memcpy (note, good, len);
    note [3] = (char) 0xc3;
    s_expect_rejected (f, note, len, "line 1: byte 0xc3");
    //  Signature lines.
    size_t text_len = strlen (TEXT);
    const char *lines [] = {
        "- PeterNeumann AAAA\n", "em dash",
        "\xe2\x80\x94 PeterNeumann\n", "'<name> <signature>'",
        "\xe2\x80\x94  AAAA\n", "'<name> <signature>'",
        "\xe2\x80\x94 Peter\x01Neumann AAAAAAAA\n", "invalid character",
        "\xe2\x80\x94 PeterNeumann A!AA\n", "not base64",
        "\xe2\x80\x94 PeterNeumann AAAA\n", "too short",
        "\xe2\x80\x94 PeterNeumann x08goxxx\n", "must be 64 bytes",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines [0]; i += 2) {
        memcpy (note, good, text_len + 1);
        int n = snprintf (note + text_len + 1, sizeof note - text_len - 1, "%s", lines [i]);
        s_expect_rejected (f, note, text_len + 1 + (size_t) n, lines [i + 1]);
    }
    //  An overlong signature.
    memcpy (note, good, text_len + 1);
    size_t at = text_len + 1;
    at += (size_t) snprintf (note + at, sizeof note - at, "\xe2\x80\x94 other ");
    memset (note + at, 'A', 1028);
    at += 1028;
    note [at++] = '\n';
    s_expect_rejected (f, note, at, "longer than");
    //  Too many signature lines.
    memcpy (note, good, len);
    at = len;
    for (int i = 0; i < AUDIT_NOTE_SIGS_MAX; i++)
        at += (size_t) snprintf (note + at, sizeof note - at, "\xe2\x80\x94 other AAAAAAAA\n");
    s_expect_rejected (f, note, at, "more than");
    free (good);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_known_answer, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_unknown_signatures_ignored, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_sign_rejects, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_open_rejects, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
