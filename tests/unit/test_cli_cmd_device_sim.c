/*  Unit tests for cli/cmd_device_sim.c, through the built binary: help,
    usage errors, provisioning files (missing, too few, each bad field)
    and a site that is not there. The simulator itself is tested in
    tests/unit/test_sim_device.c, streaming to a real site also by
    tests/e2e/e2e_ingest.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "support_cohort.h"
#include "support_curve.h"
#include "support_device.h"
#include "support_dir.h"
#include "support_file.h"

#define SECRET SUPPORT_DEVICE_SECRET

typedef support_cohort_fixture_t fixture_t;
#define s_run support_cohort_in

//  A provisioning folder prov/ and two certificates: gw (the gateway's)
//  and site (the site's public one).
static int
s_setup (void **state)
{
    fixture_t *f = support_fixture_new (state, sizeof *f, "devsim");
    if (!f)
        return -1;
    char prov [128];
    if (mkdir (support_path (prov, sizeof prov, f->dir, "prov"), 0700))
        return -1;
    support_curve_cert (f->dir, "gw", NULL, NULL);
    support_curve_cert (f->dir, "site", NULL, NULL);
    return 0;
}

#define BASE "device-sim --gateway-cert gw_secret --site tcp://127.0.0.1:1 --site-cert site " \
             "--provision-dir prov"

static void
test_usage (void **state)
{
    fixture_t *f = *state;
    assert_int_equal (s_run (f, "device-sim --help"), 0);
    assert_non_null (strstr (f->out, "usage: cohort device-sim"));
    assert_non_null (strstr (f->out, "--inject-bad-fhir"));
    assert_non_null (strstr (f->out, "--seed"));
    assert_non_null (strstr (f->out, "--acked-log FILE"));
    assert_int_equal (s_run (f, "device-sim"), 2);
    assert_int_equal (s_run (f, BASE " --devices 1 --rate 1"), 2);
    assert_non_null (strstr (f->out, "--duration"));
    assert_int_equal (s_run (f, BASE " --devices 0 --rate 1 --duration 1"), 2);
    assert_int_equal (s_run (f, BASE " --devices 1 --rate x --duration 1"), 2);
    assert_int_equal (s_run (f, BASE " --devices 1 --rate 1 --duration 1 --batch 0"), 2);
    assert_int_equal (s_run (f, BASE " --devices 1 --rate 1 --duration 1 --window 2000"), 2);
    assert_int_equal (s_run (f, BASE " --devices 1 --rate 1 --duration 1 --nosuch"), 2);
    assert_non_null (strstr (f->out, "cohort: error: device-sim: unknown option '--nosuch'"));
    assert_int_equal (s_run (f, BASE " --devices 1 --rate 1 --duration 1 --seed -1"), 2);
    assert_int_equal (s_run (f, BASE " --devices 1 --rate 1 --duration 1 --seed x"), 2);
    assert_non_null (strstr (f->out, "--seed"));
    assert_int_equal (s_run (f, BASE " --devices 1 --rate 1 --duration 1 extra"), 2);
    //  Nothing to replay.
    assert_int_equal (s_run (f, BASE " --devices 1 --rate 0.1 --duration 1 "
                                "--inject-replays 1"), 2);
    assert_non_null (strstr (f->out, "needs readings to replay"));
}

static void
test_provisioning_files (void **state)
{
    fixture_t *f = *state;
    const char *run = BASE " --devices %d --rate 1 --duration 1 --timeout-ms 200";
    assert_int_equal (s_run (f, "device-sim --gateway-cert gw_secret --site tcp://127.0.0.1:1 "
                                "--site-cert site --provision-dir nodir --devices 1 --rate 1 "
                                "--duration 1"), 1);
    assert_non_null (strstr (f->out, "cannot open 'nodir'"));
    assert_int_equal (s_run (f, run, 1), 1);
    assert_non_null (strstr (f->out, "holds 0 .device files, fewer than the 1 devices"));
    //  Every file the loader refuses, refused by the command with its reason
    //  (test_sim_device.c has the same cases), the file named by its path.
    for (size_t i = 0; i < support_device_bad_count; i++) {
        support_file_put (f->dir, "prov/a.device", support_device_bad [i].text, 0600);
        assert_int_equal (s_run (f, run, 1), 1);
        if (!strstr (f->out, support_device_bad [i].named))
            fail_msg ("case %zu: '%s' lacks '%s'", i, f->out, support_device_bad [i].named);
        if (i == 0)
            assert_non_null (strstr (f->out, "prov/a.device:"));
    }
    //  A good file, but no site: the gateway cannot send.
    support_file_put (f->dir, "prov/a.device", "{\"device_id\":\"a\",\"patient\":\"Patient/p\","
                      "\"epoch\":1,\"aead\":\"chacha20-poly1305\"," SECRET "}", 0600);
    support_file_put (f->dir, "prov/notes.txt", "not a device file", 0600);
    assert_int_equal (s_run (f, run, 2), 1);
    assert_non_null (strstr (f->out, "holds 1 .device files"));
    assert_int_equal (s_run (f, run, 1), 1);
    assert_non_null (strstr (f->out, "there is no connection"));
    //  An acked log that cannot be opened (a directory): one line naming it,
    //  before anything is sent; one without a name is a usage error.
    assert_int_equal (s_run (f, BASE " --devices 1 --rate 1 --duration 1 --acked-log prov"), 1);
    assert_non_null (strstr (f->out, "cohort: error: device-sim: acked log 'prov': "));
    assert_null (strstr (f->out, "connection"));
    assert_int_equal (s_run (f, BASE " --devices 1 --rate 1 --duration 1 --acked-log"), 2);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_usage, s_setup, support_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_provisioning_files, s_setup, support_fixture_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
