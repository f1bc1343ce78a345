/*  Unit tests for bench/bench_he.c (insecure 512-bit keys): every
    documented key is reported, the limit is the product count times the
    product time, the options are checked at their limits,
    and a codec that cannot exist for the key fails naming the part. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "bench/bench.h"
#include "he/he.h"
#include "he/threshold.h"
#include "util/error.h"

static void
s_quick (bench_he_options_t *o)
{
    bench_he_defaults (o);
    o->bits = 512;
    o->insecure_test_key = true;
    o->values = 300;
    o->sites = 4;
}

static void
test_every_key (void **state)
{
    (void) state;
    bench_he_options_t o;
    s_quick (&o);
    json_t *j = bench_he (&o);
    assert_non_null (j);
    const char *keys [] = {
        "keygen_s", "threshold_keygen_s", "encrypt_textbook_ms", "encrypt_fast_ms",
        "fast_table_build_s", "slots_per_ciphertext", "encrypt_values_per_s",
        "encrypt_vector_ms", "decrypt_ms", "decrypt_values_per_s", "add_us",
        "partial_decrypt_ms", "combine_ms", "proof_verify_ms", "proof_verify_plain_ms",
        "verify_table_build_s", "proof_prove_ms", "proof_nonce_ms", "proof_prove_prepared_ms",
        "batch_prove_ms", "batch_verify_ms", "batch_verify_2threads_ms", "batch_ciphertexts",
        "fast_window_bits", "fast_table_mb", "encrypt_products", "fixedbase_mul_us",
        "mpz_mulmod_us", "encrypt_limit_values_per_s", "encrypt_limit_ratio",
        "encrypt_values_per_s_all_cores", "encrypt_threads", "encrypt_values_per_cpu_s",
        "encrypt_limit_ratio_cpu", "encrypt_values_per_cpu_s_all_cores"
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys [0]; i++) {
        json_t *v = json_object_get (j, keys [i]);
        if (!v || !json_is_number (v) || json_number_value (v) <= 0)
            fail_msg ("key %s missing or not positive", keys [i]);
    }
    assert_string_equal (json_string_value (json_object_get (j, "area")), "he");
    assert_int_equal (json_integer_value (json_object_get (j, "bits")), 512);
    assert_int_equal (json_integer_value (json_object_get (j, "values")), 300);
    assert_int_equal (json_integer_value (json_object_get (j, "threshold_sites")), 4);
    assert_int_equal (json_integer_value (json_object_get (j, "threshold_t")), 3);
    assert_int_equal (json_integer_value (json_object_get (j, "slot_bits")), 34);
    assert_int_equal (json_integer_value (json_object_get (j, "slots_per_ciphertext")), 511 / 34);
    //  512 bits: m = n^2 of 1024 bits, 256-bit exponents in 10-bit digits.
    assert_int_equal (json_integer_value (json_object_get (j, "fast_window_bits")), 10);
    assert_int_equal (json_integer_value (json_object_get (j, "encrypt_products")), 25);
    //  The limit is slots / (products x product time); the ratio is the
    //  achieved rate over it.
    double limit = json_number_value (json_object_get (j, "encrypt_limit_values_per_s"));
    double products = json_number_value (json_object_get (j, "encrypt_products"));
    double mul_us = json_number_value (json_object_get (j, "fixedbase_mul_us"));
    assert_true (fabs (limit * products * mul_us * 1e-6 / (511 / 34) - 1) < 1e-9);
    double achieved = json_number_value (json_object_get (j, "encrypt_values_per_s"));
    double ratio = json_number_value (json_object_get (j, "encrypt_limit_ratio"));
    assert_true (fabs (ratio * limit / achieved - 1) < 1e-9);
    long threads = (long) json_integer_value (json_object_get (j, "encrypt_threads"));
    assert_true (threads >= 1 && threads <= 64);
    json_decref (j);
}

static void
test_check (void **state)
{
    (void) state;
    bench_he_options_t o;
    bench_he_defaults (&o);
    assert_int_equal (bench_he_check (&o), 0);
    assert_int_equal (o.bits, 2048);
    assert_int_equal (o.values, 100000);
    assert_int_equal (o.sites, 10);
    assert_int_equal (o.frac_bits, 16);
    assert_int_equal (o.value_bits, 32);
    o.bits = 4096;
    assert_int_equal (bench_he_check (&o), 0);
    o.bits = 4160;
    assert_int_equal (bench_he_check (&o), -1);
    o.bits = 1984;                              //  insecure without the flag
    assert_int_equal (bench_he_check (&o), -1);
    assert_non_null (strstr (util_last_error (), "1984 bits"));
    o.insecure_test_key = true;
    assert_int_equal (bench_he_check (&o), 0);
    o.bits = 512;
    assert_int_equal (bench_he_check (&o), 0);
    o.bits = 448;
    assert_int_equal (bench_he_check (&o), -1);
    o.bits = 2000;
    assert_int_equal (bench_he_check (&o), -1);
    bench_he_defaults (&o);
    o.values = 0;
    assert_int_equal (bench_he_check (&o), -1);
    o.values = BENCH_HE_VALUES_MAX + 1;
    assert_int_equal (bench_he_check (&o), -1);
    o.values = BENCH_HE_VALUES_MAX;
    assert_int_equal (bench_he_check (&o), 0);
    o.sites = 0;
    assert_int_equal (bench_he_check (&o), -1);
    o.sites = HE_PARTIES_MAX + 1;
    assert_int_equal (bench_he_check (&o), -1);
    assert_non_null (strstr (util_last_error (), "sites"));
    o.sites = HE_PARTIES_MAX;
    assert_int_equal (bench_he_check (&o), 0);
    //  bench_he checks too.
    o.sites = 0;
    assert_null (bench_he (&o));
}

static void
test_codec_too_wide (void **state)
{
    (void) state;
    bench_he_options_t o;
    s_quick (&o);
    o.value_bits = 62;          //  + 2 guard bits for 4 parties > 63
    o.values = 10;
    assert_null (bench_he (&o));
    assert_non_null (strstr (util_last_error (), "packed vector: codec"));
}

int
main (void)
{
    he_init ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_every_key),
        cmocka_unit_test (test_check),
        cmocka_unit_test (test_codec_too_wide),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
