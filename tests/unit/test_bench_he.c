/*  Unit tests for bench/bench_he.c (quick mode, insecure 512-bit keys):
    every documented key is printed, and bad options are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench/bench.h"
#include "he/he.h"

//  Runs bench_he with stdout captured into a JSON object.
static json_t *
s_run_json (int argc, char **argv, int *rc)
{
    char path [] = "/tmp/cohort-bench-he-XXXXXX";
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    fflush (stdout);
    int saved = dup (STDOUT_FILENO);
    dup2 (fd, STDOUT_FILENO);
    *rc = bench_he (argc, argv);
    fflush (stdout);
    dup2 (saved, STDOUT_FILENO);
    close (saved);
    close (fd);
    json_error_t err;
    json_t *j = json_load_file (path, 0, &err);
    unlink (path);
    return j;
}

static void
test_prints_every_key (void **state)
{
    (void) state;
    char *argv [] = { "he", "--bits", "512", "--insecure-test-key", "--values", "300",
                      "--sites", "4", "--json", NULL };
    int rc;
    json_t *j = s_run_json (9, argv, &rc);
    assert_int_equal (rc, 0);
    assert_non_null (j);
    const char *keys [] = {
        "keygen_s", "threshold_keygen_s", "encrypt_textbook_ms", "encrypt_fast_ms",
        "slots_per_ciphertext", "encrypt_values_per_s", "decrypt_ms", "decrypt_values_per_s",
        "add_us", "partial_decrypt_ms", "combine_ms", "proof_verify_ms", "proof_prove_ms",
        "proof_nonce_ms", "proof_prove_prepared_ms", "batch_prove_ms", "batch_verify_ms",
        "batch_verify_2threads_ms",
        "batch_ciphertexts"
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys [0]; i++) {
        json_t *v = json_object_get (j, keys [i]);
        if (!v || !json_is_number (v) || json_number_value (v) <= 0)
            fail_msg ("key %s missing or not positive", keys [i]);
    }
    assert_int_equal (json_integer_value (json_object_get (j, "slots_per_ciphertext")), 511 / 34);
    json_decref (j);
}

static void
test_bad_options (void **state)
{
    (void) state;
    char *a1 [] = { "he", "--bits", "1024", NULL };          //  insecure without the flag
    assert_int_equal (bench_he (3, a1), 2);
    char *a2 [] = { "he", "--bits", "2000", NULL };
    assert_int_equal (bench_he (3, a2), 2);
    char *a3 [] = { "he", "--values", "0", NULL };
    assert_int_equal (bench_he (3, a3), 2);
    char *a4 [] = { "he", "--sites", "x", NULL };
    assert_int_equal (bench_he (3, a4), 2);
    char *a5 [] = { "he", "--bogus", NULL };
    assert_int_equal (bench_he (2, a5), 2);
    char *a6 [] = { "he", "--help", NULL };
    assert_int_equal (bench_he (2, a6), 0);
    //  A codec that cannot exist for the key is reported as a failure.
    char *a7 [] = { "he", "--bits", "512", "--insecure-test-key", "--value-bits", "70",
                    "--values", "10", NULL };
    assert_int_equal (bench_he (8, a7), 1);
}

int
main (void)
{
    he_init ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_prints_every_key),
        cmocka_unit_test (test_bad_options),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
