/*  Unit tests for audit/audit.c: per-thread errors and the strict base64
    and hex codecs (RFC 4648 s.4 vectors). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "audit/audit_internal.h"

static void
test_error (void **state)
{
    (void) state;
    assert_int_equal (audit_error ("bad %s at %d", "thing", 7), -1);
    assert_string_equal (audit_last_error (), "bad thing at 7");
}

static void
test_b64_vectors (void **state)
{
    (void) state;
    //  RFC 4648 s.10.
    static const char *plain [] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    static const char *coded [] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
    for (int i = 0; i < 7; i++) {
        char out [AUDIT_B64_LEN (6)];
        audit_b64_encode (out, (const uint8_t *) plain [i], strlen (plain [i]));
        assert_string_equal (out, coded [i]);
        uint8_t back [8];
        size_t n = 99;
        assert_int_equal (audit_b64_decode (back, sizeof back, &n, coded [i], strlen (coded [i])), 0);
        assert_int_equal (n, strlen (plain [i]));
        assert_memory_equal (back, plain [i], n);
    }
    //  All byte values survive a round trip.
    uint8_t all [256], back [256];
    for (int i = 0; i < 256; i++)
        all [i] = (uint8_t) i;
    char text [AUDIT_B64_LEN (256)];
    audit_b64_encode (text, all, sizeof all);
    size_t n = 0;
    assert_int_equal (audit_b64_decode (back, sizeof back, &n, text, strlen (text)), 0);
    assert_int_equal (n, 256);
    assert_memory_equal (back, all, 256);
}

static void
test_b64_rejects (void **state)
{
    (void) state;
    uint8_t out [8];
    size_t n = 0;
    static const char *bad [] = {
        "Zg=",        //  length not a multiple of 4
        "Zg==Zg==",   //  padding before the end
        "Z===",       //  three padding characters
        "Zm=v",       //  padding then data
        "Zh==",       //  stray bits before padding (non-canonical)
        "Zm9=",       //  stray bits before one '='
        "Zm9v\n",     //  whitespace
        "Zm 9",       //  space inside
        "Zm9-",       //  URL alphabet
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++)
        assert_int_equal (audit_b64_decode (out, sizeof out, &n, bad [i], strlen (bad [i])), -1);
    //  NUL inside the counted text.
    assert_int_equal (audit_b64_decode (out, sizeof out, &n, "Zm\0v", 4), -1);
    //  Capacity: 6 bytes do not fit in 5, and fit in 6.
    assert_int_equal (audit_b64_decode (out, 5, &n, "Zm9vYmFy", 8), -1);
    assert_int_equal (audit_b64_decode (out, 6, &n, "Zm9vYmFy", 8), 0);
}

static void
test_hex (void **state)
{
    (void) state;
    char out [9];
    audit_hex_encode (out, (const uint8_t *) "\x00\x9f\xa0\xff", 4);
    assert_string_equal (out, "009fa0ff");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_error),
        cmocka_unit_test (test_b64_vectors),
        cmocka_unit_test (test_b64_rejects),
        cmocka_unit_test (test_hex),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
