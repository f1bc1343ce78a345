/*  Unit tests for site/worker.c: start-up refusals (config, keys, a share
    of another key, an index mismatch) and a clean start and stop. The
    message flow is covered end to end by tests/e2e. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "he/keyfile.h"
#include "util/error.h"
#include "he/threshold.h"
#include "site/worker.h"

static char s_dir [] = "/tmp/cohort-worker-XXXXXX";

static void
s_write_key (const char *name, char *text)
{
    char path [300];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    assert_int_equal (he_keyfile_write (path, text, 0600, 1), 0);
    free (text);
}

static const char *
s_cfg (unsigned index, const char *share)
{
    static char path [300];
    snprintf (path, sizeof path, "%s/site.cfg", s_dir);
    FILE *f = fopen (path, "w");
    fprintf (f, "site\n    name = a\n    index = %u\n    coordinator = tcp://127.0.0.1:9\n"
                "    coordinator_cert = coordinator\n    cert = a_secret\n    share = %s\n"
                "    public_key = paillier.pub\n    ledger = a.db\n    budget\n"
                "        epsilon = 1\n        delta = 1e-5\n", index, share);
    fclose (f);
    return path;
}

static void
test_worker (void **state)
{
    (void) state;
    he_init ();
    assert_non_null (mkdtemp (s_dir));
    zcert_t *cert = zcert_new ();
    char base [300];
    snprintf (base, sizeof base, "%s/coordinator", s_dir);
    assert_int_equal (zcert_save (cert, base), 0);
    snprintf (base, sizeof base, "%s/a", s_dir);
    assert_int_equal (zcert_save (cert, base), 0);
    zcert_destroy (&cert);
    he_pubkey_t *pk, *pk2;
    he_verify_t *vk, *vk2;
    he_share_t **shares, **shares2;
    assert_int_equal (he_threshold_keygen (&pk, &vk, &shares, 512, 2, 2), 0);
    assert_int_equal (he_threshold_keygen (&pk2, &vk2, &shares2, 512, 2, 2), 0);
    s_write_key ("paillier.pub", he_keyfile_format_public (pk));
    s_write_key ("share-1.key", he_keyfile_format_share (shares [0]));
    s_write_key ("other-1.key", he_keyfile_format_share (shares2 [0]));

    assert_null (site_worker_new ("/nonexistent.cfg"));
    assert_null (site_worker_new (s_cfg (1, "missing.key")));
    assert_null (site_worker_new (s_cfg (1, "other-1.key")));
    assert_non_null (strstr (util_last_error (), "another key"));
    assert_null (site_worker_new (s_cfg (2, "share-1.key")));
    assert_non_null (strstr (util_last_error (), "share index 1, but the config says index = 2"));

    site_worker_t *worker = site_worker_new (s_cfg (1, "share-1.key"));
    assert_non_null (worker);
    volatile bool stop = true;
    assert_int_equal (site_worker_run (worker, &stop), 0);
    site_worker_destroy (&worker);
    assert_null (worker);
    site_worker_destroy (&worker);

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
    const struct CMUnitTest tests [] = { cmocka_unit_test (test_worker) };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
