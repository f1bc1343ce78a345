/*  Unit tests for sim/admin.c: the admin's key pair, certificates granted
    into files, revocations added to the list, and the listing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim/admin.h"
#include "util/error.h"
#include "support_dir.h"
#include "support_error.h"
#include "support_file.h"

#define KEY_A "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"

//  A path in the group's folder (one of four static buffers).
static const char *
s_path (const char *name)
{
    static char buf [4][300];
    static int k;
    k = (k + 1) % 4;
    return support_path (buf [k], sizeof buf [k], support_dir_group, name);
}

static proto_rolecert_t *
s_open (const char *name, const audit_verifier_t *admin)
{
    size_t len;
    char *text = support_file_read (s_path (name), &len);
    proto_rolecert_t *cert = proto_rolecert_open (text, len, admin, (uint64_t) time (NULL));
    free (text);
    return cert;
}

static void
test_grant_revoke_list (void **state)
{
    (void) state;
    audit_signer_t *admin = sim_admin_keypair ("rotterdam", s_path ("admin.key"),
                                               s_path ("admin.pub"), false);
    assert_non_null (admin);
    struct stat st;
    assert_int_equal (stat (s_path ("admin.key"), &st), 0);
    assert_int_equal (st.st_mode & 0777, 0600);
    assert_int_equal (stat (s_path ("admin.pub"), &st), 0);
    assert_int_equal (st.st_mode & 0777, 0644);
    //  Never replaced without force.
    support_expect_refused (sim_admin_keypair ("rotterdam", s_path ("admin.key"), s_path ("x.pub"),
                                               false) == NULL, "again", "admin.key");
    audit_signer_t *again = sim_admin_keypair ("rotterdam", s_path ("admin.key"),
                                               s_path ("admin.pub"), true);
    assert_non_null (again);
    audit_signer_destroy (&admin);
    admin = again;
    audit_verifier_t *pub = audit_verifier_load (s_path ("admin.pub"));
    assert_non_null (pub);
    assert_int_equal (mkdir (s_path ("certs"), 0700), 0);

    audit_signer_t *own = sim_admin_keypair ("ana", s_path ("ana.sign"), s_path ("ana.sign.pub"), false);
    audit_verifier_t *own_pub = audit_verifier_load (s_path ("ana.sign.pub"));
    assert_non_null (own_pub);
    uint64_t s1 = 0, s2 = 0, s3 = 0;
    sim_grant_t g = { PROTO_ROLE_ANALYST, "ana", 0, KEY_A, own_pub, 0, s_path ("certs/ana.role"), false };
    assert_int_equal (sim_admin_grant (admin, &g, &s1), 0);
    assert_true (s1 < (UINT64_C (1) << 63));
    proto_rolecert_t *cert = s_open ("certs/ana.role", pub);
    assert_non_null (cert);
    assert_int_equal (cert->serial, s1);
    assert_string_equal (cert->consortium, "rotterdam");
    assert_true (cert->not_after >= (uint64_t) time (NULL) + 364 * 86400ull);
    proto_rolecert_destroy (&cert);
    //  Not replaced without force; a bad grant writes nothing.
    support_expect_refused (sim_admin_grant (admin, &g, NULL) == -1, "exists", "already exists");
    sim_grant_t bad = g;
    bad.role = PROTO_ROLE_SITE;
    bad.out = s_path ("certs/bad.role");
    support_expect_refused (sim_admin_grant (admin, &bad, NULL) == -1, "site without index",
                            "grant 'ana': role certificate: line 5: index must be 1..256");
    assert_int_equal (access (s_path ("certs/bad.role"), F_OK), -1);
    bad = g;
    bad.curve = "short";
    support_expect_refused (sim_admin_grant (admin, &bad, NULL) == -1, "curve", "40 characters");
    //  A site, and an observer valid for 2 days.
    sim_grant_t site = { PROTO_ROLE_SITE, "site-a", 3, KEY_A, own_pub, 0, s_path ("certs/site-a.role"), false };
    assert_int_equal (sim_admin_grant (admin, &site, &s2), 0);
    sim_grant_t obs = { PROTO_ROLE_OBSERVER, "obs", 0, KEY_A, own_pub, 2, s_path ("certs/obs.role"), false };
    assert_int_equal (sim_admin_grant (admin, &obs, &s3), 0);
    cert = s_open ("certs/obs.role", pub);
    assert_true (cert->not_after <= (uint64_t) time (NULL) + 2 * 86400ull);
    proto_rolecert_destroy (&cert);

    //  Revocations: an empty list, then by name and by serial.
    assert_int_equal (sim_admin_revocations_init (admin, s_path ("rev.note"), false), 0);
    support_expect_refused (sim_admin_revocations_init (admin, s_path ("rev.note"), false) == -1,
                            "exists", "already exists");
    uint64_t serial = 0;
    char name [AUDIT_KEY_NAME_MAX + 1];
    assert_int_equal (sim_admin_revoke (admin, s_path ("rev.note"), s_path ("certs"), "ana",
                                        &serial, name), 0);
    assert_int_equal (serial, s1);
    assert_string_equal (name, "ana");
    char num [32];
    snprintf (num, sizeof num, "%llu", (unsigned long long) s2);
    assert_int_equal (sim_admin_revoke (admin, s_path ("rev.note"), s_path ("certs"), num,
                                        &serial, name), 0);
    assert_string_equal (name, "site-a");
    size_t len;
    char *text = support_file_read (s_path ("rev.note"), &len);
    proto_revocations_t *list = proto_revocations_open (text, len, pub);
    free (text);
    assert_non_null (list);
    assert_int_equal (proto_revocations_count (list), 2);
    assert_true (proto_revocations_has (list, s1));
    assert_true (proto_revocations_has (list, s2));
    assert_false (proto_revocations_has (list, s3));
    proto_revocations_destroy (&list);
    //  Refusals: twice, an unknown name or serial, a list by another admin.
    support_expect_refused (sim_admin_revoke (admin, s_path ("rev.note"), s_path ("certs"), "ana",
                                              &serial, name) == -1, "twice", "is already revoked");
    support_expect_refused (sim_admin_revoke (admin, s_path ("rev.note"), s_path ("certs"), "nobody",
                                              &serial, name) == -1, "nobody", "nobody.role");
    support_expect_refused (sim_admin_revoke (admin, s_path ("rev.note"), s_path ("certs"), "12",
                                              &serial, name) == -1, "12", "no certificate has serial 12");
    support_expect_refused (sim_admin_revoke (admin, s_path ("rev.note"), s_path ("certs"),
                                              "99999999999999999999999", &serial, name) == -1,
                            "huge", "is not a serial");
    audit_signer_t *other = audit_signer_generate ("rotterdam");
    support_expect_refused (sim_admin_revoke (other, s_path ("rev.note"), s_path ("certs"), "obs",
                                              &serial, name) == -1, "other admin", "no signature");
    audit_signer_destroy (&other);
    //  A missing list is an empty one.
    assert_int_equal (sim_admin_revoke (admin, s_path ("new.note"), s_path ("certs"), "obs",
                                        &serial, name), 0);
    assert_int_equal (serial, s3);

    //  The listing: sorted by file, state per certificate, then the list.
    support_file_write (s_path ("certs/junk.role"), "junk\n", 0644);
    char *out = NULL;
    size_t out_len = 0;
    FILE *f = open_memstream (&out, &out_len);
    assert_int_equal (sim_admin_list (pub, s_path ("certs"), s_path ("rev.note"), f), 0);
    fclose (f);
    const char *ana = strstr (out, "analyst  ana ");
    const char *junk = strstr (out, "junk.role");
    const char *obs_line = strstr (out, "observer obs ");
    const char *site_line = strstr (out, "site     site-a ");
    assert_true (ana && junk && obs_line && site_line);
    assert_true (ana < junk && junk < obs_line && obs_line < site_line);
    assert_non_null (strstr (ana, "revoked\n"));
    assert_non_null (strstr (junk, "invalid: "));
    assert_non_null (strstr (obs_line, "valid\n"));
    assert_non_null (strstr (site_line, "index 3 "));
    assert_non_null (strstr (out, "consortium rotterdam"));
    assert_non_null (strstr (out, "2 entries"));
    free (out);
    assert_int_equal (sim_admin_list (pub, s_path ("nowhere"), NULL, stdout), -1);
    assert_non_null (strstr (util_last_error (), "nowhere: cannot open"));

    audit_verifier_destroy (&own_pub);
    audit_signer_destroy (&own);
    audit_verifier_destroy (&pub);
    audit_signer_destroy (&admin);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_grant_revoke_list),
    };
    return cmocka_run_group_tests (tests, support_dir_group_setup, support_dir_group_teardown);
}
