/*  Unit tests for bench/bench_ingest.c: a quick run prints every key it
    measures, with sane values, and bad options are usage errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench/bench.h"

//  Runs bench_ingest with stdout sent to a file; returns the exit code and
//  the parsed JSON (NULL if not JSON).
static int
s_run (char **args, int argc, json_t **out)
{
    char path [] = "/tmp/cohort-bench-ingest-out-XXXXXX";
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    fflush (stdout);
    int saved = dup (1);
    dup2 (fd, 1);
    int rc = bench_ingest (argc, args);
    fflush (stdout);
    dup2 (saved, 1);
    close (saved);
    close (fd);
    json_error_t err;
    *out = json_load_file (path, 0, &err);
    unlink (path);
    return rc;
}

static void
test_quick_run (void **state)
{
    (void) state;
    char *args [] = { "ingest", "--json", "--entries", "3000", "--batch", "500",
                      "--single", "20", "--records", "500", NULL };
    json_t *j = NULL;
    assert_int_equal (s_run (args, 10, &j), 0);
    assert_non_null (j);
    const char *keys [] = { "aead_open_per_s", "ingest_records_committed_per_s",
                            "audit_appends_per_s", "audit_single_appends_per_s",
                            "audit_verify_s", "sealed_records_acked_per_s" };
    for (int i = 0; i < 6; i++) {
        json_t *v = json_object_get (j, keys [i]);
        assert_non_null (v);
        assert_true (json_real_value (v) > 0);
    }
    assert_int_equal (json_integer_value (json_object_get (j, "audit_verify_entries")), 3000);
    assert_true (json_integer_value (json_object_get (j, "acked_payload_bytes")) > 64);
    assert_int_equal (json_integer_value (json_object_get (j, "audit_append_batch")), 500);
    //  Only a 1,000,000-entry run reports the 1M figure.
    assert_null (json_object_get (j, "audit_verify_1m_s"));
    json_decref (j);
}

static void
test_usage (void **state)
{
    (void) state;
    json_t *j = NULL;
    char *a1 [] = { "ingest", "--entries", "0", NULL };
    assert_int_equal (s_run (a1, 3, &j), 2);
    json_decref (j);
    char *a2 [] = { "ingest", "--batch", "100001", NULL };
    assert_int_equal (s_run (a2, 3, &j), 2);
    json_decref (j);
    char *a3 [] = { "ingest", "--single", "5x", NULL };
    assert_int_equal (s_run (a3, 3, &j), 2);
    json_decref (j);
    char *a6 [] = { "ingest", "--records", "0", NULL };
    assert_int_equal (s_run (a6, 3, &j), 2);
    json_decref (j);
    char *a4 [] = { "ingest", "--nosuch", NULL };
    assert_int_equal (s_run (a4, 2, &j), 2);
    json_decref (j);
    char *a5 [] = { "ingest", "--help", NULL };
    assert_int_equal (s_run (a5, 2, &j), 0);
    json_decref (j);
}

static void
test_bad_tmpdir (void **state)
{
    (void) state;
    setenv ("TMPDIR", "/nonexistent/dir", 1);
    char *args [] = { "ingest", "--entries", "10", NULL };
    json_t *j = NULL;
    assert_int_equal (s_run (args, 3, &j), 1);
    json_decref (j);
    unsetenv ("TMPDIR");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_quick_run),
        cmocka_unit_test (test_usage),
        cmocka_unit_test (test_bad_tmpdir),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
