/*  Unit tests for audit/note.c: opening C2SP signed notes against known
    keys, with every rejection. The keys are golang.org/x/mod's test keys
    (tests/fixtures/vectors/golang-mod-sumdb). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/note.h"
#include "util/codec.h"
#include "util/error.h"
#include "support_error.h"

#define PETER_SK "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define PETER_VK "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define ENOCH_VK "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
#define DASH "\xe2\x80\x94 "

typedef struct {
    audit_signer_t *signer;
    audit_verifier_t *peter, *enoch, *other;
    char sigline [256];                 //  Peter's line for s_text, with newline
} fixture_t;

static const char *s_text = "If you think cryptography is the answer to your problem,\n"
                            "then you don't know what your problem is.\n";

//  "— <name> <base64(keyid || Ed25519(text))>\n" by `signer`.
static void
s_sign (char *out, size_t cap, audit_signer_t *signer, const char *text)
{
    uint8_t sig [AUDIT_KEY_ID_LEN + AUDIT_SIGNATURE_LEN];
    memcpy (sig, audit_signer_keyid (signer), AUDIT_KEY_ID_LEN);
    assert_int_equal (audit_signer_sign (signer, sig + AUDIT_KEY_ID_LEN, text, strlen (text)), 0);
    char b64 [UTIL_B64_LEN (sizeof sig)];
    util_b64_encode (b64, sig, sizeof sig);
    snprintf (out, cap, DASH "%s %s\n", audit_signer_name (signer), b64);
}

static int
s_setup (void **state)
{
    fixture_t *f = calloc (1, sizeof *f);
    f->signer = audit_signer_parse (PETER_SK, strlen (PETER_SK));
    f->peter = audit_verifier_parse (PETER_VK, strlen (PETER_VK));
    f->enoch = audit_verifier_parse (ENOCH_VK, strlen (ENOCH_VK));
    audit_signer_t *o = audit_signer_generate ("PeterNeumann");
    char *vk = audit_signer_verifier_text (o);
    f->other = audit_verifier_parse (vk, strlen (vk));
    free (vk);
    audit_signer_destroy (&o);
    *state = f;
    if (!f->signer || !f->peter || !f->enoch || !f->other)
        return -1;
    s_sign (f->sigline, sizeof f->sigline, f->signer, s_text);
    //  Go's published signature (note_test.go): Ed25519 is deterministic.
    return strstr (f->sigline, "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSN")? 0: -1;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    audit_signer_destroy (&f->signer);
    audit_verifier_destroy (&f->peter);
    audit_verifier_destroy (&f->enoch);
    audit_verifier_destroy (&f->other);
    free (f);
    return 0;
}

//  s_text, a blank line, then `sigs`.
static size_t
s_note (char *out, size_t cap, const char *text, const char *sigs)
{
    int n = snprintf (out, cap, "%s\n%s", text, sigs);
    assert_true (n > 0 && (size_t) n < cap);
    return (size_t) n;
}

//  Expects note[0:len] refused against keys with an error containing
//  `why`, and the outputs untouched.
static void
s_refused (const char *note, size_t len, const audit_verifier_t *const *keys, size_t nkeys,
           const char *why)
{
    size_t text_len = 12345;
    bool verified [AUDIT_NOTE_KEYS_MAX];
    memset (verified, 1, sizeof verified);
    support_expect_refused (audit_note_open (&text_len, verified, note, len, keys, nkeys) != 0,
                            why, why);
    assert_int_equal (text_len, 12345);
    for (size_t k = 0; k < AUDIT_NOTE_KEYS_MAX; k++)
        assert_true (verified [k]);
}

static void
test_open (void **state)
{
    fixture_t *f = *state;
    char note [AUDIT_NOTE_MAX + 64];
    size_t len = s_note (note, sizeof note, s_text, f->sigline);
    const audit_verifier_t *keys [3] = { f->enoch, f->peter, f->other };
    bool verified [3] = { true, false, true };
    size_t text_len = 0;
    assert_int_equal (audit_note_open (&text_len, verified, note, len, keys, 3), 0);
    assert_int_equal (text_len, strlen (s_text));
    assert_false (verified [0]);
    assert_true (verified [1]);
    assert_false (verified [2]);
    //  NULL `verified` is allowed.
    assert_int_equal (audit_note_open (&text_len, NULL, note, len, keys + 1, 1), 0);
    //  The text may hold empty lines: it ends at the last one.
    char text [256];
    snprintf (text, sizeof text, "a\n\nb\n");
    char line [256];
    s_sign (line, sizeof line, f->signer, text);
    len = s_note (note, sizeof note, text, line);
    assert_int_equal (audit_note_open (&text_len, NULL, note, len, keys + 1, 1), 0);
    assert_int_equal (text_len, 5);
    //  A note as short as can be: the text "\n".
    s_sign (line, sizeof line, f->signer, "\n");
    len = s_note (note, sizeof note, "\n", line);
    assert_int_equal (audit_note_open (&text_len, NULL, note, len, keys + 1, 1), 0);
    assert_int_equal (text_len, 1);
}

//  The spec: signatures by unknown keys are ignored, wherever they stand,
//  whatever their (valid) names and lengths; a key is its name and id.
static void
test_unknown_keys_ignored (void **state)
{
    fixture_t *f = *state;
    char sigs [4096], note [AUDIT_NOTE_MAX + 64];
    const audit_verifier_t *keys [1] = { f->peter };
    size_t text_len = 0;
    const char *unknown [] = {
        DASH "EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n",
        DASH "t\xc3\xa9moin.example/\xe6\x97\xa5\xe6\x9c\xac AAAAAAAA\n",      //  UTF-8 name
        DASH "\xf0\x9f\x8c\xb3 AAAAAAAA\n",                                  //  4-byte name
        DASH "PeterNeumann AAAAAAAAAAAA\n",           //  the name, another key id
        DASH "Other x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
                                                      //  the key id, another name
    };
    for (size_t i = 0; i < sizeof unknown / sizeof unknown [0]; i++) {
        snprintf (sigs, sizeof sigs, "%s%s", unknown [i], f->sigline);
        size_t len = s_note (note, sizeof note, s_text, sigs);
        assert_int_equal (audit_note_open (&text_len, NULL, note, len, keys, 1), 0);
        snprintf (sigs, sizeof sigs, "%s%s", f->sigline, unknown [i]);
        len = s_note (note, sizeof note, s_text, sigs);
        assert_int_equal (audit_note_open (&text_len, NULL, note, len, keys, 1), 0);
        //  Alone, they sign nothing we know.
        len = s_note (note, sizeof note, s_text, unknown [i]);
        s_refused (note, len, keys, 1, "no signature by key 'PeterNeumann'");
    }
    //  A key with Peter's name but another key (so another id) is unknown
    //  too: Peter's line does not count for it.
    size_t len = s_note (note, sizeof note, s_text, f->sigline);
    const audit_verifier_t *other [1] = { f->other };
    s_refused (note, len, other, 1, "no signature by key 'PeterNeumann'");
    const audit_verifier_t *two [2] = { f->other, f->enoch };
    s_refused (note, len, two, 2, "no signature by any of the 2 known keys");
    s_refused (note, len, NULL, 0, "no known key to check its 1 signatures with");
    //  UTF-8 text (the C2SP example's "è"), signed.
    const char *utf8 = "ed \xc3\xa8 subito sera \xf4\x8f\xbf\xbf.\n";
    char line [256];
    s_sign (line, sizeof line, f->signer, utf8);
    len = s_note (note, sizeof note, utf8, line);
    assert_int_equal (audit_note_open (&text_len, NULL, note, len, keys, 1), 0);
}

static void
test_known_key_must_verify (void **state)
{
    fixture_t *f = *state;
    char sigs [1024], note [AUDIT_NOTE_MAX + 64];
    const audit_verifier_t *keys [1] = { f->peter };
    //  A flipped byte of the signature; a short one; the same line twice
    //  (verified twice, fine); a good line then a bad one by the same key.
    snprintf (sigs, sizeof sigs, "%s", f->sigline);
    sigs [60] = sigs [60] == 'A'? 'B': 'A';
    size_t len = s_note (note, sizeof note, s_text, sigs);
    s_refused (note, len, keys, 1, "line 4: signature by key 'PeterNeumann' does not verify");
    len = s_note (note, sizeof note, s_text, DASH "PeterNeumann x08gowAA\n");
    s_refused (note, len, keys, 1, "must be 64 bytes");
    snprintf (sigs, sizeof sigs, "%s%s", f->sigline, f->sigline);
    len = s_note (note, sizeof note, s_text, sigs);
    size_t text_len = 0;
    assert_int_equal (audit_note_open (&text_len, NULL, note, len, keys, 1), 0);
    char bad [256];
    snprintf (bad, sizeof bad, "%s", f->sigline);
    bad [60] = bad [60] == 'A'? 'B': 'A';
    snprintf (sigs, sizeof sigs, "%s%s", f->sigline, bad);
    len = s_note (note, sizeof note, s_text, sigs);
    s_refused (note, len, keys, 1, "line 5: signature by key 'PeterNeumann' does not verify");
    //  The text changed under the signature.
    len = s_note (note, sizeof note, "If you think cryptography is the answer.\n", f->sigline);
    s_refused (note, len, keys, 1, "does not verify");
    //  The same key twice among the known keys: ambiguous once it signs.
    const audit_verifier_t *twice [3] = { f->enoch, f->peter, f->peter };
    len = s_note (note, sizeof note, s_text, f->sigline);
    s_refused (note, len, twice, 3, "key 'PeterNeumann' is known twice");
    const audit_verifier_t *unused [3] = { f->peter, f->enoch, f->enoch };
    assert_int_equal (audit_note_open (&text_len, NULL, note, len, unused, 3), 0);
}

static void
test_malformed (void **state)
{
    fixture_t *f = *state;
    char note [AUDIT_NOTE_MAX + 64];
    const audit_verifier_t *keys [1] = { f->peter };
    size_t len = s_note (note, sizeof note, s_text, f->sigline);
    //  Sizes and the final newline.
    s_refused (note, 0, keys, 1, "not within 1..8192");
    s_refused (note, len - 1, keys, 1, "must end with a newline");
    char big [AUDIT_NOTE_MAX + 2];
    memset (big, 'a', sizeof big);
    s_refused (big, AUDIT_NOTE_MAX + 1, keys, 1, "not within 1..8192");
    //  No blank line; a blank line and nothing after it.
    s_refused (s_text, strlen (s_text), keys, 1, "no blank line");
    len = s_note (note, sizeof note, s_text, "");
    s_refused (note, len, keys, 1, "no signature lines");
    //  Bad lines, each after Peter's good one.
    struct { const char *line, *why; } bad [] = {
        { "- PeterNeumann AAAAAAAA\n", "line 5: signature line must start with an em dash" },
        { "\xe2\x80\x94\n", "em dash" },
        { "\xe2\x80\x94name AAAAAAAA\n", "em dash" },
        { DASH "\n", "needs '<name> <signature>'" },
        { DASH "PeterNeumann\n", "needs '<name> <signature>'" },
        { DASH "PeterNeumann \n", "needs '<name> <signature>'" },
        { DASH " AAAAAAAA\n", "needs '<name> <signature>'" },
        { DASH "a+b AAAAAAAA\n", "invalid key name" },
        { DASH "a\xc2\xa0" "b AAAAAAAA\n", "invalid key name" },             //  U+00A0
        { DASH "a\xe3\x80\x80" "b AAAAAAAA\n", "invalid key name" },         //  U+3000
        { DASH "a\xe2\x80\xa8" "b AAAAAAAA\n", "invalid key name" },         //  U+2028
        { DASH "a\xc2\x85" "b AAAAAAAA\n", "invalid key name" },             //  U+0085
        { DASH "name AAA\n", "not base64" },
        { DASH "name AAAAAAAA AAAA\n", "not base64" },
        { DASH "name AAAA\n", "signature is too short" },
        { DASH "name\tAAAAAAAA\n", "line 5: control character 0x09" },
        { "Unexpected line.\n", "em dash" },
    };
    char sigs [512];
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        snprintf (sigs, sizeof sigs, "%s%s", f->sigline, bad [i].line);
        len = s_note (note, sizeof note, s_text, sigs);
        s_refused (note, len, keys, 1, bad [i].why);
    }
    //  Not UTF-8 or a control character, anywhere (Go's "\x01" and "\xff"
    //  cases, and more): a lone continuation byte, a truncated sequence,
    //  an overlong form, a surrogate, past U+10FFFF.
    struct { const char *text, *why; } text [] = {
        { "\x01" "a\n", "line 1: control character 0x01" },
        { "a\n\xff\n", "line 2: byte 0xff is not valid UTF-8" },
        { "a\x80\n", "byte 0x80 is not valid UTF-8" },
        { "a\xc3\n", "byte 0xc3 is not valid UTF-8" },
        { "a\xe2\x80\n", "byte 0xe2 is not valid UTF-8" },
        { "a\xc0\xaf\n", "byte 0xc0 is not valid UTF-8" },
        { "a\xe0\x80\xaf\n", "byte 0xe0 is not valid UTF-8" },
        { "a\xed\xa0\x80\n", "byte 0xed is not valid UTF-8" },
        { "a\xf4\x90\x80\x80\n", "byte 0xf4 is not valid UTF-8" },
        { "a\xf5\x80\x80\x80\n", "byte 0xf5 is not valid UTF-8" },
        { "a\r\n", "control character 0x0d" },
    };
    for (size_t i = 0; i < sizeof text / sizeof text [0]; i++) {
        len = s_note (note, sizeof note, text [i].text, f->sigline);
        s_refused (note, len, keys, 1, text [i].why);
    }
    //  A note cut inside the em dash: it no longer ends in a newline.
    len = s_note (note, sizeof note, s_text, DASH);
    s_refused (note, len - 1, keys, 1, "must end with a newline");
}

static void
test_limits (void **state)
{
    fixture_t *f = *state;
    char sigs [AUDIT_NOTE_MAX], note [AUDIT_NOTE_MAX + 64];
    const audit_verifier_t *keys [1] = { f->peter };
    //  16 signature lines open; 17 do not (the spec's floor is 16).
    size_t at = (size_t) snprintf (sigs, sizeof sigs, "%s", f->sigline);
    for (int i = 1; i < AUDIT_NOTE_SIGS_MAX; i++)
        at += (size_t) snprintf (sigs + at, sizeof sigs - at, DASH "w%d AAAAAAAA\n", i);
    size_t len = s_note (note, sizeof note, s_text, sigs);
    size_t text_len = 0;
    assert_int_equal (audit_note_open (&text_len, NULL, note, len, keys, 1), 0);
    snprintf (sigs + at, sizeof sigs - at, DASH "w17 AAAAAAAA\n");
    len = s_note (note, sizeof note, s_text, sigs);
    s_refused (note, len, keys, 1, "more than 16 signatures");
    //  Known keys: at most AUDIT_NOTE_KEYS_MAX.
    const audit_verifier_t *many [AUDIT_NOTE_KEYS_MAX + 1];
    for (int i = 0; i <= AUDIT_NOTE_KEYS_MAX; i++)
        many [i] = f->enoch;
    many [AUDIT_NOTE_KEYS_MAX - 1] = f->peter;
    len = s_note (note, sizeof note, s_text, f->sigline);
    assert_int_equal (audit_note_open (&text_len, NULL, note, len, many, AUDIT_NOTE_KEYS_MAX), 0);
    s_refused (note, len, many, AUDIT_NOTE_KEYS_MAX + 1, "more than 16 known keys");
    //  A post-quantum sized signature by an unknown key, within the size.
    char pq [5001];
    memset (pq, 'A', 5000);
    pq [5000] = '\0';
    snprintf (sigs, sizeof sigs, "%s" DASH "pq.example %s\n", f->sigline, pq);
    len = s_note (note, sizeof note, s_text, sigs);
    assert_int_equal (audit_note_open (&text_len, NULL, note, len, keys, 1), 0);
}

//  audit_note_sign: the signed-note specification's example (C2SP
//  signed-note, "Example"): Go's note package signs the text with this key
//  to exactly this note, and it opens.
static void
test_sign_known_answer (void **state)
{
    fixture_t *f = *state;
    char *note = audit_note_sign (s_text, strlen (s_text), f->signer);
    assert_non_null (note);
    char expect [1024];
    snprintf (expect, sizeof expect, "%s\n%s", s_text, f->sigline);
    assert_string_equal (note, expect);
    size_t text_len = 0;
    const audit_verifier_t *keys [] = { f->peter };
    assert_int_equal (audit_note_open (&text_len, NULL, note, strlen (note), keys, 1), 0);
    assert_int_equal (text_len, strlen (s_text));
    free (note);
}

//  Cohort signs printable ASCII lines only; anything else is refused.
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

//  audit_note_open_max: the caller's limit replaces AUDIT_NOTE_MAX.
static void
test_open_max (void **state)
{
    fixture_t *f = *state;
    char *note = audit_note_sign (s_text, strlen (s_text), f->signer);
    assert_non_null (note);
    size_t len = strlen (note), text_len = 0;
    const audit_verifier_t *keys [] = { f->peter };
    support_expect_refused (audit_note_open_max (len - 1, &text_len, NULL, note, len, keys, 1) != 0,
                            "open_max", "is not within");
    assert_int_equal (audit_note_open_max (len, &text_len, NULL, note, len, keys, 1), 0);
    free (note);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_open, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_unknown_keys_ignored, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_known_key_must_verify, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_malformed, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_limits, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_sign_known_answer, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_sign_rejects, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_open_max, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
