/*  Unit tests for coordinator/sites.c: a hello is accepted only under the
    allowlisted certificate's name, share indexes stay unique, a site that
    reconnects keeps its slot, and the table has a bound. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <czmq.h>
#include <string.h>

#include "coordinator/sites.h"
#include "support_dir.h"

//  A fresh certificate allowlisted as <dir>/<name>.pub; its public key.
static const char *
s_enrol (const char *name, zcert_t **cert)
{
    *cert = zcert_new ();
    char path [256];
    snprintf (path, sizeof path, "%s/%s.pub", support_dir_group, name);
    assert_int_equal (zcert_save_public (*cert, path), 0);
    return zcert_public_txt (*cert);
}

static void
test_hello (void **state)
{
    (void) state;
    coord_sites_t sites;
    memset (&sites, 0, sizeof sites);
    zcert_t *a, *b;
    const char *ka = s_enrol ("site-a", &a), *kb = s_enrol ("site-b", &b);
    zframe_t *ia = zframe_new ("a1", 2), *ib = zframe_new ("b1", 2), *ia2 = zframe_new ("a2", 2);
    const char *why = NULL;
    bool fresh = false;
    assert_int_equal (coord_sites_hello (&sites, support_dir_group, "site-a", 1, ka, ia, &why,
                                         &fresh, 0, 0, NULL), 0);
    assert_true (fresh);                //  its first hello
    assert_int_equal (coord_sites_hello (&sites, support_dir_group, "site-a", 1, ka, ia, &why,
                                         &fresh, 0, 0, NULL), 0);
    assert_false (fresh);               //  the periodic hello of the same connection
    assert_int_equal (coord_sites_slot (&sites, ia), 0);
    assert_int_equal (coord_sites_slot (&sites, ib), -1);
    //  site-b's key under site-a's name, or a name that leaves the directory.
    assert_int_equal (coord_sites_hello (&sites, support_dir_group, "site-a", 2, kb, ib, &why, NULL, 0, 0, NULL), -1);
    assert_non_null (strstr (why, "does not match the certificate"));
    assert_int_equal (coord_sites_hello (&sites, support_dir_group, "../site-b", 2, kb, ib, &why, NULL, 0, 0, NULL), -1);
    assert_int_equal (coord_sites_hello (&sites, support_dir_group, ".site-b", 2, kb, ib, &why, NULL, 0, 0, NULL), -1);
    assert_int_equal (coord_sites_hello (&sites, support_dir_group, "", 2, kb, ib, &why, NULL, 0, 0, NULL), -1);
    assert_int_equal (coord_sites_hello (&sites, support_dir_group, "site-c", 2, kb, ib, &why, NULL, 0, 0, NULL), -1);
    //  Another site may not claim site-a's share index.
    assert_int_equal (coord_sites_hello (&sites, support_dir_group, "site-b", 1, kb, ib, &why, NULL, 0, 0, NULL), -1);
    assert_string_equal (why, "hello: that share index belongs to another site");
    assert_int_equal (coord_sites_hello (&sites, support_dir_group, "site-b", 2, kb, ib, &why, NULL, 0, 0, NULL), 1);
    assert_int_equal (sites.n, 2);
    //  site-a reconnects: same slot, the new identity.
    assert_int_equal (coord_sites_hello (&sites, support_dir_group, "site-a", 1, ka, ia2, &why,
                                         &fresh, 0, 0, NULL), 0);
    assert_true (fresh);                //  a new connection: it restarted
    assert_int_equal (sites.n, 2);
    assert_int_equal (coord_sites_slot (&sites, ia2), 0);
    assert_int_equal (coord_sites_slot (&sites, ia), -1);
    assert_int_equal (sites.site [1].index, 2);
    assert_string_equal (sites.site [1].name, "site-b");
    //  Liveness: site-a spoke at 1000 ms; with a 6 s window a second
    //  process with its certificate (identity ia) is refused at 5000 ms and
    //  site-a keeps its connection; once it has been silent for 6 s the
    //  other connection takes the slot (a restarted site).
    bool duplicate = false;
    coord_sites_seen (&sites, 0, 1000);
    coord_sites_seen (&sites, 1, 4000);
    assert_int_equal (coord_sites_live (&sites, 5000, 6000).w [0], 3);
    assert_int_equal (coord_sites_live (&sites, 8000, 6000).w [0], 2);
    assert_int_equal (coord_sites_hello (&sites, support_dir_group, "site-a", 1, ka, ia, &why,
                                         &fresh, 5000, 6000, &duplicate), -1);
    assert_true (duplicate);
    assert_non_null (strstr (why, "connected already"));
    assert_int_equal (coord_sites_slot (&sites, ia2), 0);
    //  The periodic hello of the live connection still goes through.
    assert_int_equal (coord_sites_hello (&sites, support_dir_group, "site-a", 1, ka, ia2, &why,
                                         &fresh, 5500, 6000, &duplicate), 0);
    assert_false (duplicate);
    assert_int_equal (coord_sites_hello (&sites, support_dir_group, "site-a", 1, ka, ia, &why,
                                         &fresh, 11600, 6000, &duplicate), 0);
    assert_false (duplicate);
    assert_true (fresh);
    assert_int_equal (coord_sites_slot (&sites, ia), 0);
    coord_sites_clear (&sites);
    assert_null (sites.site [0].identity);
    zframe_destroy (&ia);
    zframe_destroy (&ib);
    zframe_destroy (&ia2);
    zcert_destroy (&a);
    zcert_destroy (&b);
}

static void
test_bound (void **state)
{
    (void) state;
    coord_sites_t sites;
    memset (&sites, 0, sizeof sites);
    zframe_t *id = zframe_new ("x", 1);
    const char *why = NULL;
    for (unsigned i = 0; i <= COORD_SLOTS; i++) {
        char name [32];
        snprintf (name, sizeof name, "s%u", i);
        zcert_t *cert;
        const char *key = s_enrol (name, &cert);
        int slot = coord_sites_hello (&sites, support_dir_group, name, i + 1, key, id, &why, NULL, 0, 0, NULL);
        if (i < COORD_SLOTS)
            assert_int_equal (slot, (int) i);
        else {
            assert_int_equal (slot, -1);
            assert_string_equal (why, "hello: too many sites");
        }
        zcert_destroy (&cert);
    }
    assert_int_equal (sites.n, COORD_SLOTS);
    coord_sites_clear (&sites);
    zframe_destroy (&id);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_hello),
        cmocka_unit_test (test_bound),
    };
    return cmocka_run_group_tests (tests, support_dir_group_setup, support_dir_group_teardown);
}
