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

static char s_dir [] = "/tmp/cohort-actor-XXXXXX";

static void
s_write_key (const char *name, char *text)
{
    char path [300];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    assert_int_equal (he_keyfile_write (path, text, 0644, 1), 0);
    free (text);
}

static const char *
s_cfg (const char *verify)
{
    static char path [300];
    snprintf (path, sizeof path, "%s/coordinator.cfg", s_dir);
    FILE *f = fopen (path, "w");
    fprintf (f, "coordinator\n    name = t\n    endpoint = tcp://127.0.0.1:*\n"
                "    cert = coordinator_secret\n    allowlist = allowed\n"
                "    journal = j.db\n    public_key = paillier.pub\n"
                "    verify_key = %s\n", verify);
    fclose (f);
    return path;
}

static void
test_actor (void **state)
{
    (void) state;
    he_init ();
    assert_non_null (mkdtemp (s_dir));
    zsys_dir_create ("%s/allowed", s_dir);
    zcert_t *cert = zcert_new ();
    char base [300];
    snprintf (base, sizeof base, "%s/coordinator", s_dir);
    assert_int_equal (zcert_save (cert, base), 0);
    zcert_destroy (&cert);
    he_pubkey_t *pk, *pk2;
    he_verify_t *vk, *vk2;
    he_share_t **shares, **shares2;
    assert_int_equal (he_threshold_keygen (&pk, &vk, &shares, 512, 2, 2), 0);
    assert_int_equal (he_threshold_keygen (&pk2, &vk2, &shares2, 512, 2, 2), 0);
    s_write_key ("paillier.pub", he_keyfile_format_public (pk));
    s_write_key ("verify.key", he_keyfile_format_verify (vk));
    s_write_key ("other-verify.key", he_keyfile_format_verify (vk2));

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

    for (int i = 0; i < 2; i++) {
        he_share_destroy (&shares [i]);
        he_share_destroy (&shares2 [i]);
    }
    free (shares);
    free (shares2);
    he_pubkey_destroy (&pk);
    he_pubkey_destroy (&pk2);
    he_verify_destroy (&vk);
    he_verify_destroy (&vk2);
    char cmd [300];
    snprintf (cmd, sizeof cmd, "rm -rf %s", s_dir);
    assert_int_equal (system (cmd), 0);
}

int
main (void)
{
    const struct CMUnitTest tests [] = { cmocka_unit_test (test_actor) };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
