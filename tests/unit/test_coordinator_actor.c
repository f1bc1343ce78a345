/*  Unit tests for coordinator/actor.c: start-up refusals (bad config,
    missing keys, mismatched verification keys) and a clean start, endpoint
    query and stop with real keys and certificates. The message flow is
    covered end to end by tests/e2e. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coordinator/actor.h"
#include "util/error.h"
#include "he/keyfile.h"
#include "he/threshold.h"
#include "support_curve.h"
#include "support_dir.h"
#include "support_file.h"
#include "support_he.h"
#include "support_role.h"

//  Writes coordinator.cfg naming `verify` as its verification key, `admin`
//  as the admin's key and `revocations` as the revocation list; returns its
//  path (a static buffer).
static const char *
s_cfg_roles (const char *verify, const char *admin, const char *revocations)
{
    static char path [300];
    char text [512];
    snprintf (text, sizeof text, "coordinator\n    name = t\n    endpoint = tcp://127.0.0.1:*\n"
              "    cert = coordinator_secret\n    allowlist = allowed\n"
              "    journal = j.db\n    public_key = paillier.pub\n"
              "    verify_key = %s\n    admin_key = %s\n    revocations = %s\n", verify, admin,
              revocations);
    support_file_write (support_path (path, sizeof path, support_dir_group, "coordinator.cfg"),
                        text, 0644);
    return path;
}

static const char *
s_cfg (const char *verify)
{
    return s_cfg_roles (verify, "admin.pub", "revocations.note");
}

static void
test_actor (void **state)
{
    (void) state;
    he_init ();
    const char *dir = support_dir_group;
    char allowed [300];
    support_curve_allowlist (allowed, sizeof allowed, dir, "allowed");
    support_curve_cert (dir, "coordinator", NULL, NULL);
    he_pubkey_t *pk, *pk2;
    he_verify_t *vk, *vk2;
    he_share_t **shares, **shares2;
    assert_int_equal (he_threshold_keygen (&pk, &vk, &shares, 512, 2, 2), 0);
    assert_int_equal (he_threshold_keygen (&pk2, &vk2, &shares2, 512, 2, 2), 0);
    support_he_key_write (dir, "paillier.pub", he_keyfile_format_public (pk), 0644);
    support_he_key_write (dir, "verify.key", he_keyfile_format_verify (vk), 0644);
    support_he_key_write (dir, "other-verify.key", he_keyfile_format_verify (vk2), 0644);
    audit_signer_t *admin = support_role_admin (dir);
    char *list = proto_revocations_issue ("test-consortium", NULL, NULL, 0, admin);
    char path [300];
    support_file_write (support_path (path, sizeof path, dir, "revocations.note"), list, 0644);
    //  A list signed by another key does not open with the admin's.
    audit_signer_t *other = audit_signer_generate ("test-consortium");
    char *forged = proto_revocations_issue ("test-consortium", NULL, NULL, 0, other);
    support_file_write (support_path (path, sizeof path, dir, "forged.note"), forged, 0644);
    free (list);
    free (forged);
    audit_signer_destroy (&other);
    audit_signer_destroy (&admin);
    //  The admin's key and the revocation list must be there and open.
    assert_null (coord_actor_new (s_cfg_roles ("verify.key", "missing.pub", "revocations.note")));
    assert_non_null (strstr (util_last_error (), "missing.pub"));
    assert_null (coord_actor_new (s_cfg_roles ("verify.key", "admin.pub", "missing.note")));
    assert_non_null (strstr (util_last_error (), "missing.note"));
    assert_null (coord_actor_new (s_cfg_roles ("verify.key", "admin.pub", "forged.note")));
    assert_non_null (strstr (util_last_error (), "no signature by key 'test-consortium'"));

    assert_null (coord_actor_new ("/nonexistent.cfg"));
    assert_non_null (strstr (util_last_error (), "cannot read"));
    //  The reason's code crosses from the actor's thread too.
    assert_int_equal (util_last_code (), UTIL_EIO);
    assert_null (coord_actor_new (s_cfg ("missing.key")));
    assert_null (coord_actor_new (s_cfg ("other-verify.key")));
    assert_non_null (strstr (util_last_error (), "another public key"));

    zactor_t *actor = coord_actor_new (s_cfg ("verify.key"));
    assert_non_null (actor);
    zstr_send (actor, "ENDPOINT");
    char *endpoint = zstr_recv (actor);
    assert_non_null (strstr (endpoint, "tcp://127.0.0.1:"));
    zstr_free (&endpoint);
    zactor_destroy (&actor);

    support_he_keys_destroy (&pk, &vk, &shares, 2);
    support_he_keys_destroy (&pk2, &vk2, &shares2, 2);
}

int
main (void)
{
    const struct CMUnitTest tests [] = { cmocka_unit_test (test_actor) };
    return cmocka_run_group_tests (tests, support_dir_group_setup, support_dir_group_teardown);
}
