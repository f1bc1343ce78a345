/*  Unit tests for proto/rolecert.c: role certificates and revocation lists
    issued by a consortium admin and opened, with a test per rejection. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/rolecert.h"
#include "proto/plan.h"
#include "audit/note.h"
#include "util/error.h"
#include "support_error.h"

//  The admin: the signed-note example key. The identity's key: another.
#define ADMIN_SK "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define ADMIN_VK "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
//  libzmq's test CURVE public key (the server's, tests/testutil_security).
#define CURVE "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
#define NOW 1800000000ull

typedef struct {
    audit_signer_t *admin;
    audit_verifier_t *admin_v;
    audit_signer_t *id;
    char *id_line;
    proto_rolecert_t cert;
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = calloc (1, sizeof *f);
    f->admin = audit_signer_parse (ADMIN_SK, strlen (ADMIN_SK));
    f->admin_v = audit_verifier_parse (ADMIN_VK, strlen (ADMIN_VK));
    f->id = audit_signer_generate ("site-a");
    f->id_line = f->id? audit_signer_verifier_text (f->id): NULL;
    f->cert.role = PROTO_ROLE_SITE;
    snprintf (f->cert.consortium, sizeof f->cert.consortium, "rotterdam");
    snprintf (f->cert.name, sizeof f->cert.name, "site-a");
    f->cert.index = 3;
    snprintf (f->cert.curve, sizeof f->cert.curve, "%s", CURVE);
    f->cert.signer = f->id_line? audit_verifier_parse (f->id_line, strlen (f->id_line)): NULL;
    f->cert.serial = 42;
    f->cert.not_after = NOW + 100;
    *state = f;
    return f->admin && f->admin_v && f->cert.signer? 0: -1;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    audit_signer_destroy (&f->admin);
    audit_verifier_destroy (&f->admin_v);
    audit_signer_destroy (&f->id);
    audit_verifier_destroy (&f->cert.signer);
    free (f->id_line);
    free (f);
    return 0;
}

//  The certificate text for the fixture's fields, with line `drop` (1-based,
//  0 for none) left out and `extra` (NULL for none) put after line `at`.
static char *
s_text (fixture_t *f, const char *role, const char *index, size_t drop, const char *extra,
        size_t at)
{
    char lines [10][256];
    size_t n = 0;
    snprintf (lines [n++], 256, "cohort-role/v1");
    snprintf (lines [n++], 256, "consortium rotterdam");
    snprintf (lines [n++], 256, "role %s", role);
    snprintf (lines [n++], 256, "name site-a");
    if (index)
        snprintf (lines [n++], 256, "index %s", index);
    snprintf (lines [n++], 256, "curve %s", CURVE);
    snprintf (lines [n++], 256, "signer %s", f->id_line);
    snprintf (lines [n++], 256, "serial 42");
    snprintf (lines [n++], 256, "not_after %llu", NOW + 100);
    char *text = calloc (1, 4096);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (i + 1 != drop)
            used += (size_t) snprintf (text + used, 4096 - used, "%s\n", lines [i]);
        if (extra && i + 1 == at)
            used += (size_t) snprintf (text + used, 4096 - used, "%s\n", extra);
    }
    return text;
}

//  Signs `text` with the admin key and expects proto_rolecert_open to
//  refuse it with `needle`.
static void
s_expect_text_refused (fixture_t *f, char *text, const char *needle)
{
    char *note = audit_note_sign (text, strlen (text), f->admin);
    assert_non_null (note);
    proto_rolecert_t *cert = proto_rolecert_open (note, strlen (note), f->admin_v, NOW);
    support_expect_refused (cert == NULL, text, needle);
    free (note);
    free (text);
}

static void
test_roles (void **state)
{
    (void) state;
    proto_role_t r = 0;
    const char *words [] = { "site", "analyst", "observer", "admin" };
    for (int i = 0; i < 4; i++) {
        assert_int_equal (proto_role_parse (words [i], &r), 0);
        assert_int_equal (r, PROTO_ROLE_SITE + i);
        assert_string_equal (proto_role_name (r), words [i]);
    }
    support_expect_refused (proto_role_parse ("Site", &r) == -1, "Site", "unknown role 'Site'");
    support_expect_refused (proto_role_parse ("", &r) == -1, "empty", "unknown role");
    support_expect_refused (proto_role_parse (NULL, &r) == -1, "NULL", "unknown role");
    assert_string_equal (proto_role_name (0), "?");
    assert_string_equal (proto_role_name (PROTO_ROLE_ADMIN + 1), "?");
}

static void
test_issue_open (void **state)
{
    fixture_t *f = *state;
    char *note = proto_rolecert_issue (&f->cert, f->admin);
    assert_non_null (note);
    char *expect = s_text (f, "site", "3", 0, NULL, 0);
    assert_memory_equal (note, expect, strlen (expect));
    assert_memory_equal (note + strlen (expect), "\n\xe2\x80\x94 PeterNeumann ", 17);
    free (expect);
    proto_rolecert_t *cert = proto_rolecert_open (note, strlen (note), f->admin_v, NOW);
    assert_non_null (cert);
    assert_int_equal (cert->role, PROTO_ROLE_SITE);
    assert_string_equal (cert->consortium, "rotterdam");
    assert_string_equal (cert->name, "site-a");
    assert_int_equal (cert->index, 3);
    assert_string_equal (cert->curve, CURVE);
    assert_int_equal (cert->serial, 42);
    assert_int_equal (cert->not_after, NOW + 100);
    char *line = audit_verifier_text (cert->signer);
    assert_string_equal (line, f->id_line);
    free (line);
    proto_rolecert_destroy (&cert);
    assert_null (cert);
    proto_rolecert_destroy (&cert);
    //  The last second is still valid; the next is not.
    cert = proto_rolecert_open (note, strlen (note), f->admin_v, NOW + 100);
    assert_non_null (cert);
    proto_rolecert_destroy (&cert);
    free (note);
    //  An analyst has no index; serial and not_after take all 64 bits.
    f->cert.role = PROTO_ROLE_ANALYST;
    f->cert.index = 0;
    f->cert.serial = UINT64_MAX;
    f->cert.not_after = UINT64_MAX;
    note = proto_rolecert_issue (&f->cert, f->admin);
    assert_non_null (note);
    assert_null (strstr (note, "\nindex "));
    cert = proto_rolecert_open (note, strlen (note), f->admin_v, UINT64_MAX);
    assert_non_null (cert);
    assert_int_equal (cert->role, PROTO_ROLE_ANALYST);
    assert_int_equal (cert->index, 0);
    assert_int_equal (cert->serial, UINT64_MAX);
    proto_rolecert_destroy (&cert);
    free (note);
}

static void
test_issue_rejects (void **state)
{
    fixture_t *f = *state;
    proto_rolecert_t c = f->cert;
    c.index = 0;
    support_expect_refused (proto_rolecert_issue (&c, f->admin) == NULL, "site index 0", "index must be");
    c = f->cert;
    c.role = PROTO_ROLE_OBSERVER;
    support_expect_refused (proto_rolecert_issue (&c, f->admin) == NULL, "observer index",
                            "only a site has an index");
    c = f->cert;
    c.role = 9;
    support_expect_refused (proto_rolecert_issue (&c, f->admin) == NULL, "role 9", "unknown role");
    c = f->cert;
    snprintf (c.name, sizeof c.name, "a b");
    support_expect_refused (proto_rolecert_issue (&c, f->admin) == NULL, "name", "name must be");
    c = f->cert;
    c.curve [0] = '~';
    support_expect_refused (proto_rolecert_issue (&c, f->admin) == NULL, "curve", "Z85");
    c = f->cert;
    c.signer = NULL;
    support_expect_refused (proto_rolecert_issue (&c, f->admin) == NULL, "signer", "no signer key");
    support_expect_refused (proto_rolecert_issue (&f->cert, NULL) == NULL, "admin", "no certificate");
}

static void
test_bad_signature (void **state)
{
    fixture_t *f = *state;
    char *note = proto_rolecert_issue (&f->cert, f->admin);
    assert_non_null (note);
    //  "index 3" becomes "index 4": the admin's signature no longer holds.
    char *at = strstr (note, "\nindex 3\n");
    assert_non_null (at);
    at [7] = '4';
    support_expect_refused (proto_rolecert_open (note, strlen (note), f->admin_v, NOW) == NULL,
                            "tampered", "role certificate: note line");
    assert_non_null (strstr (util_last_error (), "does not verify"));
    free (note);
}

static void
test_other_admin (void **state)
{
    fixture_t *f = *state;
    audit_signer_t *other = audit_signer_generate ("PeterNeumann");
    char *note = proto_rolecert_issue (&f->cert, other);
    assert_non_null (note);
    support_expect_refused (proto_rolecert_open (note, strlen (note), f->admin_v, NOW) == NULL,
                            "other admin", "role certificate: note: no signature by key 'PeterNeumann'");
    free (note);
    audit_signer_destroy (&other);
}

static void
test_unknown_role (void **state)
{
    fixture_t *f = *state;
    s_expect_text_refused (f, s_text (f, "superuser", NULL, 0, NULL, 0),
                           "role certificate: line 3: unknown role 'superuser'");
    s_expect_text_refused (f, s_text (f, "", NULL, 0, NULL, 0), "line 3: unknown role ''");
}

static void
test_site_without_index (void **state)
{
    fixture_t *f = *state;
    s_expect_text_refused (f, s_text (f, "site", NULL, 0, NULL, 0),
                           "role certificate: line 5: a site needs 'index <1..256>'");
}

static void
test_index_on_other_role (void **state)
{
    fixture_t *f = *state;
    s_expect_text_refused (f, s_text (f, "analyst", "3", 0, NULL, 0),
                           "line 5: only a site has an index (role analyst)");
}

static void
test_index_out_of_range (void **state)
{
    fixture_t *f = *state;
    const char *bad [] = { "0", "257", "-1", "03", "1x", "18446744073709551616" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++)
        s_expect_text_refused (f, s_text (f, "site", bad [i], 0, NULL, 0),
                               "line 5: index must be 1..256");
    //  Both ends of the range.
    const char *good [] = { "1", "256" };
    for (size_t i = 0; i < 2; i++) {
        char *text = s_text (f, "site", good [i], 0, NULL, 0);
        char *note = audit_note_sign (text, strlen (text), f->admin);
        proto_rolecert_t *cert = proto_rolecert_open (note, strlen (note), f->admin_v, NOW);
        assert_non_null (cert);
        assert_int_equal (cert->index, i == 0? 1: PROTO_MAX_PARTIES);
        proto_rolecert_destroy (&cert);
        free (note);
        free (text);
    }
}

static void
test_bad_z85 (void **state)
{
    fixture_t *f = *state;
    const char *bad [] = {
        "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf",        //  39 characters
        "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf77",      //  41
        "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf~",       //  not Z85
        "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]y\"7",      //  not Z85
        "#####}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",        //  a group over 2^32
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        char *text = s_text (f, "site", "3", 0, NULL, 0);
        char *at = strstr (text, CURVE);
        char buf [4096];
        snprintf (buf, sizeof buf, "%.*s%s%s", (int) (at - text), text, bad [i], at + strlen (CURVE));
        free (text);
        s_expect_text_refused (f, strdup (buf), "line 6: curve must be a 40-character Z85");
    }
}

static void
test_bad_fields (void **state)
{
    fixture_t *f = *state;
    char *text = s_text (f, "site", "3", 0, NULL, 0);
    const char *from [] = { "cohort-role/v1", "consortium rotterdam", "name site-a",
                            "signer site-a+", "serial 42", "not_after 1" };
    const char *to [] = { "cohort-role/v2", "consortium rot+dam", "name ",
                          "signer site-b+", "serial 0x2a", "not_after -1" };
    const char *needle [] = { "line 1: expected 'cohort-role/v1'", "line 2: consortium must be",
                              "line 4: name must be", "line 7: signer",
                              "line 8: serial must be a decimal", "line 9: not_after must be a decimal" };
    for (size_t i = 0; i < sizeof from / sizeof from [0]; i++) {
        char *at = strstr (text, from [i]);
        assert_non_null (at);
        char buf [4096];
        snprintf (buf, sizeof buf, "%.*s%s%s", (int) (at - text), text, to [i], at + strlen (from [i]));
        s_expect_text_refused (f, strdup (buf), needle [i]);
    }
    free (text);
}

static void
test_expired (void **state)
{
    fixture_t *f = *state;
    char *note = proto_rolecert_issue (&f->cert, f->admin);
    support_expect_refused (proto_rolecert_open (note, strlen (note), f->admin_v, NOW + 101) == NULL,
                            "expired", "role certificate: 'site-a' expired at 1800000100");
    assert_int_equal (util_last_code (), UTIL_EREFUSED);
    free (note);
}

static void
test_truncated (void **state)
{
    fixture_t *f = *state;
    //  Each line but the first left out in turn (the index is line 5).
    const char *needle [] = { NULL, "line 2: expected 'consortium <value>'",
                              "line 3: expected 'role <value>'", "line 4: expected 'name <value>'",
                              "line 5: a site needs 'index", "line 6: expected 'curve <value>'",
                              "line 7: expected 'signer <value>'", "line 8: expected 'serial <value>'",
                              "truncated: line 'not_after' is missing" };
    for (size_t drop = 2; drop <= 9; drop++)
        s_expect_text_refused (f, s_text (f, "site", "3", drop, NULL, 0), needle [drop - 1]);
    s_expect_text_refused (f, strdup ("cohort-role/v1\n"), "truncated: line 'consortium' is missing");
    //  A note cut short anywhere does not open.
    char *note = proto_rolecert_issue (&f->cert, f->admin);
    size_t len = strlen (note);
    for (size_t cut = 0; cut < len; cut++)
        assert_null (proto_rolecert_open (note, cut, f->admin_v, NOW));
    free (note);
}

static void
test_duplicate_line (void **state)
{
    fixture_t *f = *state;
    s_expect_text_refused (f, s_text (f, "site", "3", 0, "role admin", 3),
                           "role certificate: line 4: 'role' repeats");
    s_expect_text_refused (f, s_text (f, "site", "3", 0, "index 4", 5), "line 6: 'index' repeats");
    s_expect_text_refused (f, s_text (f, "site", "3", 0, "serial 43", 9), "line 10: 'serial' repeats");
    s_expect_text_refused (f, s_text (f, "site", "3", 0, "comment hello", 9),
                           "line 10: unexpected line after 'not_after'");
    s_expect_text_refused (f, s_text (f, "site", "3", 0, "comment hello", 2),
                           "line 3: expected 'role <value>'");
}

static void
test_oversized (void **state)
{
    fixture_t *f = *state;
    char *note = proto_rolecert_issue (&f->cert, f->admin);
    size_t len = strlen (note);
    //  Cosignatures push a valid certificate over the cap.
    char *big = calloc (1, PROTO_ROLECERT_MAX + 200);
    memcpy (big, note, len);
    while (len <= PROTO_ROLECERT_MAX)
        len += (size_t) sprintf (big + len, "\xe2\x80\x94 witness AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
    support_expect_refused (proto_rolecert_open (big, len, f->admin_v, NOW) == NULL, "oversized",
                            "role certificate: 2");
    assert_non_null (strstr (util_last_error (), "exceeds 2048"));
    free (big);
    free (note);
}

static void
test_revocations (void **state)
{
    fixture_t *f = *state;
    uint64_t serials [] = { 42, UINT64_MAX, 0 };
    char *names [] = { "site-a", "analyst", "observer" };
    char *note = proto_revocations_issue ("rotterdam", serials, names, 3, f->admin);
    assert_non_null (note);
    assert_memory_equal (note, "cohort-revocations/v1\nconsortium rotterdam\nissued ", 50);
    assert_non_null (strstr (note, "\nrevoke 18446744073709551615 analyst\n"));
    proto_revocations_t *list = proto_revocations_open (note, strlen (note), f->admin_v);
    assert_non_null (list);
    assert_string_equal (proto_revocations_consortium (list), "rotterdam");
    assert_true (proto_revocations_issued (list) > 0);
    assert_int_equal (proto_revocations_count (list), 3);
    assert_true (proto_revocations_has (list, 42));
    assert_true (proto_revocations_has (list, 0));
    assert_true (proto_revocations_has (list, UINT64_MAX));
    assert_false (proto_revocations_has (list, 41));
    assert_false (proto_revocations_has (list, 43));
    assert_false (proto_revocations_has (NULL, 42));
    assert_int_equal (proto_revocations_serial (list, 1), UINT64_MAX);
    assert_string_equal (proto_revocations_name (list, 2), "observer");
    assert_null (proto_revocations_name (list, 3));
    proto_revocations_destroy (&list);
    assert_null (list);
    proto_revocations_destroy (&list);
    //  Another admin's signature, or a tampered list, does not open.
    audit_signer_t *other = audit_signer_generate ("PeterNeumann");
    char *note2 = proto_revocations_issue ("rotterdam", serials, names, 3, other);
    support_expect_refused (proto_revocations_open (note2, strlen (note2), f->admin_v) == NULL,
                            "other admin", "revocation list: note: no signature by key");
    free (note2);
    audit_signer_destroy (&other);
    char *at = strstr (note, "revoke 42 ");
    at [7] = '5';
    support_expect_refused (proto_revocations_open (note, strlen (note), f->admin_v) == NULL,
                            "tampered", "does not verify");
    free (note);
    //  An empty list.
    note = proto_revocations_issue ("rotterdam", NULL, NULL, 0, f->admin);
    list = proto_revocations_open (note, strlen (note), f->admin_v);
    assert_non_null (list);
    assert_int_equal (proto_revocations_count (list), 0);
    assert_false (proto_revocations_has (list, 0));
    proto_revocations_destroy (&list);
    free (note);
}

static void
test_revocations_rejects (void **state)
{
    fixture_t *f = *state;
    uint64_t serials [] = { 42, 42 };
    char *names [] = { "site-a", "site b" };
    support_expect_refused (proto_revocations_issue ("rotterdam", serials, names, 2, f->admin) == NULL,
                            "bad name", "entry 2: name must be");
    names [1] = "site-b";
    support_expect_refused (proto_revocations_issue ("rotterdam", serials, names, 2, f->admin) == NULL,
                            "repeat", "serial 42 is listed twice");
    support_expect_refused (proto_revocations_issue ("rot dam", serials, names, 1, f->admin) == NULL,
                            "consortium", "consortium must be");
    support_expect_refused (proto_revocations_issue ("rotterdam", serials, names,
                                                     PROTO_REVOCATIONS_ENTRIES_MAX + 1, f->admin) == NULL,
                            "too many", "entries exceed");
    const char *texts [] = {
        "cohort-revocations/v2\nconsortium r\nissued 1\n", "line 1: expected 'cohort-revocations/v1'",
        "cohort-revocations/v1\nconsortium r\n", "truncated",
        "cohort-revocations/v1\nconsortium r s\nissued 1\n", "line 2: expected 'consortium <name>'",
        "cohort-revocations/v1\nconsortium r\nissued x\n", "line 3: expected 'issued",
        "cohort-revocations/v1\nconsortium r\nissued 1\nrevoke 1\n", "line 4: expected 'revoke <serial> <name>'",
        "cohort-revocations/v1\nconsortium r\nissued 1\nrevoke 01 a\n", "line 4: expected",
        "cohort-revocations/v1\nconsortium r\nissued 1\nrevoke 1 a b\n", "line 4: expected",
        "cohort-revocations/v1\nconsortium r\nissued 1\nrevoke 1 a\nrevoke 1 b\n", "serial 1 is listed twice",
        "cohort-revocations/v1\nconsortium r\nissued 1\ngrant 1 a\n", "line 4: expected",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts [0]; i += 2) {
        char *note = audit_note_sign (texts [i], strlen (texts [i]), f->admin);
        assert_non_null (note);
        support_expect_refused (proto_revocations_open (note, strlen (note), f->admin_v) == NULL,
                                texts [i], texts [i + 1]);
        free (note);
    }
    support_expect_refused (proto_revocations_open ("x", PROTO_REVOCATIONS_MAX + 1, f->admin_v) == NULL,
                            "oversized", "exceeds");
}

static void
test_revocations_cap (void **state)
{
    fixture_t *f = *state;
    size_t n = PROTO_REVOCATIONS_ENTRIES_MAX;
    uint64_t *serials = calloc (n + 1, sizeof *serials);
    char **names = calloc (n + 1, sizeof *names);
    char name [AUDIT_KEY_NAME_MAX + 1];
    memset (name, 'x', AUDIT_KEY_NAME_MAX);
    name [AUDIT_KEY_NAME_MAX] = '\0';
    for (size_t i = 0; i <= n; i++) {
        serials [i] = UINT64_MAX - i;
        names [i] = name;
    }
    //  The longest list there can be still fits the byte cap and opens.
    char *note = proto_revocations_issue ("rotterdam", serials, names, n, f->admin);
    assert_non_null (note);
    proto_revocations_t *list = proto_revocations_open (note, strlen (note), f->admin_v);
    assert_non_null (list);
    assert_int_equal (proto_revocations_count (list), n);
    assert_true (proto_revocations_has (list, UINT64_MAX - 9999));
    proto_revocations_destroy (&list);
    free (note);
    //  One line more is refused on opening too.
    char *text = malloc (PROTO_REVOCATIONS_MAX);
    size_t used = (size_t) sprintf (text, "cohort-revocations/v1\nconsortium r\nissued 1\n");
    for (size_t i = 0; i <= n; i++)
        used += (size_t) sprintf (text + used, "revoke %zu a\n", i);
    note = audit_note_sign (text, used, f->admin);
    support_expect_refused (proto_revocations_open (note, strlen (note), f->admin_v) == NULL,
                            "10001 entries", "10001 entries exceed 10000");
    free (note);
    free (text);
    free (serials);
    free (names);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_roles),
        cmocka_unit_test_setup_teardown (test_issue_open, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_issue_rejects, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bad_signature, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_other_admin, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_unknown_role, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_site_without_index, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_index_on_other_role, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_index_out_of_range, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bad_z85, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_bad_fields, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_expired, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_truncated, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_duplicate_line, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_oversized, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_revocations, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_revocations_rejects, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_revocations_cap, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
