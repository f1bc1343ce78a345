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
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define COHORT COHORT_BINARY_DIR "/cli/cohort"
#define SECRET "\"secret\":\"4444444444444444444444444444444444444444444444444444444444444444\""

typedef struct {
    char dir [64];
    char out [16384];
} fixture_t;

static int
s_run (fixture_t *f, const char *fmt, ...)
{
    char args [2048], cmd [2400];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (args, sizeof args, fmt, ap);
    va_end (ap);
    snprintf (cmd, sizeof cmd, "cd '%s' && %s %s 2>&1", f->dir, COHORT, args);
    FILE *p = popen (cmd, "r");
    assert_non_null (p);
    size_t n = fread (f->out, 1, sizeof f->out - 1, p);
    f->out [n] = '\0';
    int status = pclose (p);
    return WIFEXITED (status)? WEXITSTATUS (status): -1;
}

static void
s_write (fixture_t *f, const char *name, const char *text)
{
    char path [160];
    snprintf (path, sizeof path, "%s/%s", f->dir, name);
    FILE *fp = fopen (path, "wb");
    assert_non_null (fp);
    fputs (text, fp);
    fclose (fp);
}

static int
s_setup (void **state)
{
    fixture_t *f = calloc (1, sizeof *f);
    snprintf (f->dir, sizeof f->dir, "/tmp/cohort-devsim-XXXXXX");
    if (!mkdtemp (f->dir) || zsys_dir_create ("%s/prov", f->dir))
        return -1;
    char path [160];
    zcert_t *cert = zcert_new ();
    snprintf (path, sizeof path, "%s/gw", f->dir);
    zcert_save (cert, path);
    zcert_destroy (&cert);
    cert = zcert_new ();
    snprintf (path, sizeof path, "%s/site", f->dir);
    zcert_save (cert, path);
    zcert_destroy (&cert);
    *state = f;
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    char cmd [128];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system (cmd);
    free (f);
    return rc == 0? 0: -1;
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
    static const struct { const char *text, *field; } bad [] = {
        { "{", "prov/a.device:" },
        { "{\"patient\":\"Patient/p\",\"epoch\":1,\"aead\":\"aes-256-gcm\"," SECRET "}",
          "device_id" },
        { "{\"device_id\":\"a b\",\"patient\":\"Patient/p\",\"epoch\":1,"
          "\"aead\":\"aes-256-gcm\"," SECRET "}", "device_id" },
        { "{\"device_id\":\"a\",\"patient\":\"p\",\"epoch\":1,\"aead\":\"aes-256-gcm\","
          SECRET "}", "patient" },
        { "{\"device_id\":\"a\",\"patient\":\"Patient/p\",\"epoch\":0,"
          "\"aead\":\"aes-256-gcm\"," SECRET "}", "epoch" },
        { "{\"device_id\":\"a\",\"patient\":\"Patient/p\",\"epoch\":1,\"aead\":\"rot13\","
          SECRET "}", "aead" },
        { "{\"device_id\":\"a\",\"patient\":\"Patient/p\",\"epoch\":1,"
          "\"aead\":\"aes-256-gcm\",\"secret\":\"44\"}", "secret" },
        { "{\"device_id\":\"a\",\"patient\":\"Patient/p\",\"epoch\":1,"
          "\"aead\":\"aes-256-gcm\",\"secret\":\"444444444444444444444444444444444444444444444"
          "444444444444444444G\"}", "secret" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        s_write (f, "prov/a.device", bad [i].text);
        assert_int_equal (s_run (f, run, 1), 1);
        assert_non_null (strstr (f->out, bad [i].field));
    }
    //  A good file, but no site: the gateway cannot send.
    s_write (f, "prov/a.device", "{\"device_id\":\"a\",\"patient\":\"Patient/p\",\"epoch\":1,"
             "\"aead\":\"chacha20-poly1305\"," SECRET "}");
    s_write (f, "prov/notes.txt", "not a device file");
    assert_int_equal (s_run (f, run, 2), 1);
    assert_non_null (strstr (f->out, "holds 1 .device files"));
    assert_int_equal (s_run (f, run, 1), 1);
    assert_non_null (strstr (f->out, "no connection to the site"));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_usage, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_provisioning_files, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
