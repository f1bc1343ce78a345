/*  Unit tests for bench/bench_ingest.c: a small run reports every key it
    measures with sane values and leaves nothing behind; counts out of
    range and a directory that cannot be made are failures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/log.h"
#include "bench/bench.h"
#include "util/error.h"
#include "support_dir.h"

static char s_tmp [64];

static int
s_setup (void **state)
{
    (void) state;
    return support_dir_make (s_tmp, sizeof s_tmp, "test-bench-ingest");
}

//  rmdir, not a recursive removal: the benchmark must leave nothing behind.
static int
s_teardown (void **state)
{
    (void) state;
    return rmdir (s_tmp);
}

static void
s_small (bench_ingest_options_t *o)
{
    bench_ingest_defaults (o);
    o->records = 500;
    o->entries = 3000;
    o->batch = 500;
    o->single = 20;
    o->tmpdir = s_tmp;
}

static void
test_small_run (void **state)
{
    (void) state;
    bench_ingest_options_t o;
    s_small (&o);
    json_t *j = bench_ingest (&o);
    assert_non_null (j);
    const char *keys [] = { "aead_open_per_s", "ingest_records_committed_per_s",
                            "audit_appends_per_s", "audit_single_appends_per_s",
                            "audit_verify_s", "sealed_records_acked_per_s" };
    for (size_t i = 0; i < sizeof keys / sizeof keys [0]; i++) {
        json_t *v = json_object_get (j, keys [i]);
        assert_non_null (v);
        assert_true (json_real_value (v) > 0);
    }
    assert_int_equal (json_integer_value (json_object_get (j, "audit_verify_entries")), 3000);
    assert_true (json_integer_value (json_object_get (j, "acked_payload_bytes")) > 64);
    assert_int_equal (json_integer_value (json_object_get (j, "audit_append_batch")), 500);
    assert_int_equal (json_integer_value (json_object_get (j, "ingest_batch")), 1024);
    assert_int_equal (json_integer_value (json_object_get (j, "acked_request_frames")), 1024);
    assert_int_equal (json_integer_value (json_object_get (j, "acked_requests_in_flight")), 8);
    //  Only a 1,000,000-entry run reports the 1M figure.
    assert_null (json_object_get (j, "audit_verify_1m_s"));
    json_decref (j);
    //  The temporary directory is gone.
    DIR *d = opendir (s_tmp);
    assert_non_null (d);
    int entries = 0;
    for (struct dirent *e; (e = readdir (d)); )
        entries += strcmp (e->d_name, ".") && strcmp (e->d_name, "..");
    closedir (d);
    assert_int_equal (entries, 0);
}

static void
test_defaults_and_ranges (void **state)
{
    (void) state;
    bench_ingest_options_t o;
    setenv ("TMPDIR", "/some/where", 1);
    bench_ingest_defaults (&o);
    assert_string_equal (o.tmpdir, "/some/where");
    assert_int_equal (o.records, 200000);
    assert_int_equal (o.entries, 1000000);
    assert_int_equal (o.batch, 1000);
    assert_int_equal (o.single, 1000);
    setenv ("TMPDIR", "", 1);
    bench_ingest_defaults (&o);
    assert_string_equal (o.tmpdir, "/tmp");
    unsetenv ("TMPDIR");
    bench_ingest_defaults (&o);
    assert_string_equal (o.tmpdir, "/tmp");
    long *counts [] = { &o.records, &o.entries, &o.batch, &o.single };
    long max [] = { BENCH_INGEST_COUNT_MAX, BENCH_INGEST_COUNT_MAX, AUDIT_BATCH_MAX,
                    BENCH_INGEST_COUNT_MAX };
    for (size_t i = 0; i < 4; i++) {
        s_small (&o);
        *counts [i] = 0;
        assert_null (bench_ingest (&o));
        assert_int_equal (util_last_code (), UTIL_EINPUT);
        *counts [i] = max [i] + 1;
        assert_null (bench_ingest (&o));
        assert_int_equal (util_last_code (), UTIL_EINPUT);
    }
}

static void
test_bad_tmpdir (void **state)
{
    (void) state;
    bench_ingest_options_t o;
    s_small (&o);
    o.tmpdir = "/nonexistent/dir";
    assert_null (bench_ingest (&o));
    assert_non_null (strstr (util_last_error (), "cannot create a directory in /nonexistent/dir"));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_small_run),
        cmocka_unit_test (test_defaults_and_ranges),
        cmocka_unit_test (test_bad_tmpdir),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
