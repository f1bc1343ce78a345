/*  Unit tests for coordinator/roles.c: the role certificate of a hello or
    request checked against the admin's key, the connection's CURVE key and
    the revocation list, which is read again when its file changes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "coordinator/roles.h"
#include "util/error.h"
#include "support_dir.h"
#include "support_error.h"
#include "support_file.h"
#include "support_role.h"

#define KEY_A "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
#define KEY_B "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"

//  A path in the group's folder (one of two static buffers, so that two
//  can be arguments of one call).
static const char *
s_path (const char *name)
{
    static char buf [2][300];
    static int k;
    k = !k;
    return support_path (buf [k], sizeof buf [k], support_dir_group, name);
}

static char *
s_read (const char *name)
{
    char path [300];
    return support_file_read (support_path (path, sizeof path, support_dir_group, name), NULL);
}

//  Writes the revocation list revocations.note with these serials, and
//  moves its mtime on (a rewrite within the same clock tick is still seen
//  through the size, but the test does not lean on that).
static void
s_revoke (const uint64_t *serials, size_t n, int tick)
{
    audit_signer_t *admin = support_role_admin (support_dir_group);
    char *names [4] = { "x", "x", "x", "x" };
    char *note = proto_revocations_issue ("test-consortium", serials, names, n, admin);
    assert_non_null (note);
    support_file_write (s_path ("revocations.note"), note, 0644);
    struct timespec times [2] = { { time (NULL) + tick, 0 }, { time (NULL) + tick, 0 } };
    assert_int_equal (utimensat (AT_FDCWD, s_path ("revocations.note"), times, 0), 0);
    free (note);
    audit_signer_destroy (&admin);
}

static void
test_check (void **state)
{
    (void) state;
    uint64_t analyst = support_role_cert (support_dir_group, "ana", PROTO_ROLE_ANALYST, 0, KEY_A, 1);
    support_role_cert (support_dir_group, "old", PROTO_ROLE_ANALYST, 0, KEY_A, 0);
    s_revoke (NULL, 0, 0);
    assert_null (coord_roles_new (s_path ("nowhere.pub"), NULL));
    assert_non_null (strstr (util_last_error (), "nowhere.pub"));
    assert_null (coord_roles_new (s_path ("admin.pub"), s_path ("nowhere.note")));
    assert_non_null (strstr (util_last_error (), "nowhere.note"));
    coord_roles_t *roles = coord_roles_new (s_path ("admin.pub"), s_path ("revocations.note"));
    assert_non_null (roles);
    char *text = s_read ("ana.role");
    proto_rolecert_t *cert = coord_roles_check (roles, text, KEY_A);
    assert_non_null (cert);
    assert_int_equal (cert->role, PROTO_ROLE_ANALYST);
    assert_string_equal (cert->name, "ana");
    assert_int_equal (cert->serial, analyst);
    proto_rolecert_destroy (&cert);
    //  Refusals, each UTIL_EREFUSED with its reason.
    support_expect_refused (coord_roles_check (roles, "", KEY_A) == NULL, "none", "none presented");
    assert_int_equal (util_last_code (), UTIL_EREFUSED);
    support_expect_refused (coord_roles_check (roles, NULL, KEY_A) == NULL, "NULL", "none presented");
    support_expect_refused (coord_roles_check (roles, text, KEY_B) == NULL, "other key",
                            "'ana' names another CURVE key than the connection's");
    assert_int_equal (util_last_code (), UTIL_EREFUSED);
    support_expect_refused (coord_roles_check (roles, text, "") == NULL, "no key",
                            "another CURVE key");
    char *old = s_read ("old.role");
    support_expect_refused (coord_roles_check (roles, old, KEY_A) == NULL, "expired", "expired at");
    assert_int_equal (util_last_code (), UTIL_EREFUSED);
    free (old);
    //  A certificate the admin signed for another consortium.
    audit_signer_t *admin = support_role_admin (support_dir_group);
    audit_signer_t *own = audit_signer_generate ("ana");
    char *line = audit_signer_verifier_text (own);
    audit_verifier_t *signer = audit_verifier_parse (line, strlen (line));
    free (line);
    audit_signer_destroy (&own);
    proto_rolecert_t other = { PROTO_ROLE_ANALYST, "elsewhere", "ana", 0, KEY_A, signer, 7,
                               UINT64_MAX };
    char *note = signer? proto_rolecert_issue (&other, admin): NULL;
    assert_non_null (note);
    support_expect_refused (coord_roles_check (roles, note, KEY_A) == NULL, "consortium",
                            "'ana' is for consortium 'elsewhere', not 'test-consortium'");
    free (note);
    audit_verifier_destroy (&signer);
    audit_signer_destroy (&admin);
    char *at = strstr (text, "name ana");
    at [5] = 'x';
    support_expect_refused (coord_roles_check (roles, text, KEY_A) == NULL, "tampered",
                            "does not verify");
    at [5] = 'a';
    //  Revoked: the list is read again when its file changes.
    s_revoke (&analyst, 1, 10);
    support_expect_refused (coord_roles_check (roles, text, KEY_A) == NULL, "revoked",
                            "'ana' (serial");
    assert_non_null (strstr (util_last_error (), "is revoked"));
    //  A list that does not open refuses everyone (fail closed), until fixed.
    support_file_write (s_path ("revocations.note"), "not a note\n", 0644);
    support_expect_refused (coord_roles_check (roles, text, KEY_A) == NULL, "broken list",
                            "the revocation list does not open");
    support_expect_refused (coord_roles_check (roles, text, KEY_A) == NULL, "still broken",
                            "the revocation list does not open");
    s_revoke (NULL, 0, 20);
    cert = coord_roles_check (roles, text, KEY_A);
    assert_non_null (cert);
    proto_rolecert_destroy (&cert);
    //  A list that is gone refuses too.
    unlink (s_path ("revocations.note"));
    support_expect_refused (coord_roles_check (roles, text, KEY_A) == NULL, "gone",
                            "cannot stat the revocation list");
    s_revoke (NULL, 0, 30);
    coord_roles_destroy (&roles);
    assert_null (roles);
    coord_roles_destroy (&roles);
    //  Without a list, nothing is revoked.
    roles = coord_roles_new (s_path ("admin.pub"), NULL);
    assert_non_null (roles);
    cert = coord_roles_check (roles, text, KEY_A);
    assert_non_null (cert);
    proto_rolecert_destroy (&cert);
    coord_roles_destroy (&roles);
    free (text);
}

static void
test_may_read (void **state)
{
    (void) state;
    assert_true (coord_roles_may_read (PROTO_ROLE_ANALYST));
    assert_true (coord_roles_may_read (PROTO_ROLE_OBSERVER));
    assert_true (coord_roles_may_read (PROTO_ROLE_ADMIN));
    assert_false (coord_roles_may_read (PROTO_ROLE_SITE));
    assert_false (coord_roles_may_read (0));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_check),
        cmocka_unit_test (test_may_read),
    };
    return cmocka_run_group_tests (tests, support_dir_group_setup, support_dir_group_teardown);
}
