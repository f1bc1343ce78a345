/*  Unit tests for util/codec.c: the strict base64 and base32 (RFC 4648
    s.4, s.6 and s.10 vectors) and hex codecs, and util_printable. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/codec.h"

static void
test_b64_vectors (void **state)
{
    (void) state;
    //  RFC 4648 s.10.
    static const char *plain [] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    static const char *coded [] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
    for (int i = 0; i < 7; i++) {
        char out [UTIL_B64_LEN (6)];
        util_b64_encode (out, (const uint8_t *) plain [i], strlen (plain [i]));
        assert_string_equal (out, coded [i]);
        uint8_t back [8];
        size_t n = 99;
        assert_int_equal (util_b64_decode (back, sizeof back, &n, coded [i], strlen (coded [i])), 0);
        assert_int_equal (n, strlen (plain [i]));
        assert_memory_equal (back, plain [i], n);
    }
    //  All byte values survive a round trip.
    uint8_t all [256], back [256];
    for (int i = 0; i < 256; i++)
        all [i] = (uint8_t) i;
    char text [UTIL_B64_LEN (256)];
    util_b64_encode (text, all, sizeof all);
    size_t n = 0;
    assert_int_equal (util_b64_decode (back, sizeof back, &n, text, strlen (text)), 0);
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
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        assert_int_equal (util_b64_decode (out, sizeof out, &n, bad [i], strlen (bad [i])), -1);
        assert_int_equal (util_last_code (), UTIL_EINPUT);
    }
    //  NUL inside the counted text.
    assert_int_equal (util_b64_decode (out, sizeof out, &n, "Zm\0v", 4), -1);
    //  Capacity: 6 bytes do not fit in 5, and fit in 6.
    memset (out, 0x55, sizeof out);
    assert_int_equal (util_b64_decode (out, 5, &n, "Zm9vYmFy", 8), -1);
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    //  What was decoded before the fault is wiped (it may be a key).
    for (int i = 0; i < 5; i++)
        assert_int_equal (out [i], 0);
    assert_int_equal (util_b64_decode (out, 6, &n, "Zm9vYmFy", 8), 0);
}

static void
test_hex (void **state)
{
    (void) state;
    char out [9];
    util_hex_encode (out, (const uint8_t *) "\x00\x9f\xa0\xff", 4);
    assert_string_equal (out, "009fa0ff");
    uint8_t back [4];
    assert_int_equal (util_hex_decode (back, 4, out, 8), 0);
    assert_memory_equal (back, "\x00\x9f\xa0\xff", 4);
    //  Empty input decodes to nothing.
    assert_int_equal (util_hex_decode (back, 0, "", 0), 0);
}

static void
test_hex_rejects (void **state)
{
    (void) state;
    uint8_t out [4];
    //  Wrong length on both sides, upper case, a non-digit; the output is
    //  wiped each time, and the message names the offset.
    static const struct { const char *text; const char *why; } bad [] = {
        { "009fa0f",   "expected 8 hex digits, got 7" },
        { "009fa0ff0", "expected 8 hex digits, got 9" },
        { "009FA0ff",  "not a lower-case hex digit at offset 3" },
        { "009fa0fg",  "not a lower-case hex digit at offset 7" },
        { "x09fa0ff",  "not a lower-case hex digit at offset 0" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        memset (out, 0xaa, sizeof out);
        assert_int_equal (util_hex_decode (out, 4, bad [i].text, strlen (bad [i].text)), -1);
        assert_int_equal (util_last_code (), UTIL_EINPUT);
        assert_string_equal (util_last_error (), bad [i].why);
        for (int j = 0; j < 4; j++)
            assert_int_equal (out [j], 0);
    }
}

static void
test_b32_vectors (void **state)
{
    (void) state;
    //  RFC 4648 s.10: encoded without padding, decoded with and without it.
    static const char *plain [] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
    static const char *padded [] = { "", "MY======", "MZXQ====", "MZXW6===", "MZXW6YQ=",
                                     "MZXW6YTB", "MZXW6YTBOI======" };
    static const char *bare [] = { "", "MY", "MZXQ", "MZXW6", "MZXW6YQ", "MZXW6YTB",
                                   "MZXW6YTBOI" };
    for (int i = 0; i < 7; i++) {
        char out [UTIL_B32_LEN (6)];
        util_b32_encode (out, (const uint8_t *) plain [i], strlen (plain [i]));
        assert_string_equal (out, bare [i]);
        const char *forms [2] = { padded [i], bare [i] };
        for (int f = 0; f < 2; f++) {
            uint8_t back [8];
            size_t n = 99;
            assert_int_equal (util_b32_decode (back, sizeof back, &n, forms [f],
                                               strlen (forms [f])), 0);
            assert_int_equal (n, strlen (plain [i]));
            assert_memory_equal (back, plain [i], n);
        }
    }
    //  A 160-bit TOTP secret is 32 characters; all byte values round-trip.
    uint8_t all [256], back [256];
    for (int i = 0; i < 256; i++)
        all [i] = (uint8_t) (255 - i);
    char text [UTIL_B32_LEN (256)];
    util_b32_encode (text, all, 20);
    assert_int_equal (strlen (text), 32);
    util_b32_encode (text, all, sizeof all);
    size_t n = 0;
    assert_int_equal (util_b32_decode (back, sizeof back, &n, text, strlen (text)), 0);
    assert_int_equal (n, 256);
    assert_memory_equal (back, all, 256);
}

static void
test_b32_rejects (void **state)
{
    (void) state;
    uint8_t out [8];
    size_t n = 0;
    static const struct { const char *text; const char *why; } bad [] = {
        { "M",          "base32 length 1 leaves a partial byte" },
        { "MZX",        "base32 length 3 leaves a partial byte" },
        { "MZXW6Y",     "base32 length 6 leaves a partial byte" },
        { "MY=====",    "base32 padding: 5 '=' where 6 belong" },
        { "MZXW6YTB=",  "base32 padding: 1 '=' where 0 belong" },
        { "========",   "base32 padding: 8 '=' where 0 belong" },
        { "MZ",         "base32 is not canonical (stray bits at the end)" },
        { "mzxw6ytb",   "invalid base32 character at offset 0" },
        { "MZXW1YTB",   "invalid base32 character at offset 4" },
        { "MZXW 6YT",   "invalid base32 character at offset 4" },
        { "MY======MY", "invalid base32 character at offset 2" },
        { "MZXW6YT\n", "invalid base32 character at offset 7" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        memset (out, 0x55, sizeof out);
        assert_int_equal (util_b32_decode (out, sizeof out, &n, bad [i].text,
                                           strlen (bad [i].text)), -1);
        assert_int_equal (util_last_code (), UTIL_EINPUT);
        assert_string_equal (util_last_error (), bad [i].why);
        for (size_t j = 0; j < sizeof out; j++)
            assert_int_equal (out [j], 0);
    }
    //  A NUL inside the counted text.
    assert_int_equal (util_b32_decode (out, sizeof out, &n, "MZ\0W6YTB", 8), -1);
    //  Capacity: 6 bytes do not fit in 5, and fit in 6; the output is wiped.
    memset (out, 0x55, sizeof out);
    assert_int_equal (util_b32_decode (out, 5, &n, "MZXW6YTBOI", 10), -1);
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    for (int i = 0; i < 5; i++)
        assert_int_equal (out [i], 0);
    assert_int_equal (util_b32_decode (out, 6, &n, "MZXW6YTBOI", 10), 0);
    assert_int_equal (n, 6);
}

static void
test_printable (void **state)
{
    (void) state;
    char s [] = "ok \xc3\xa9\t\x7f~";
    util_printable (s);
    assert_string_equal (s, "ok ????~");
    char empty [] = "";
    util_printable (empty);
    assert_string_equal (empty, "");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_b64_vectors),
        cmocka_unit_test (test_b64_rejects),
        cmocka_unit_test (test_b32_vectors),
        cmocka_unit_test (test_b32_rejects),
        cmocka_unit_test (test_hex),
        cmocka_unit_test (test_hex_rejects),
        cmocka_unit_test (test_printable),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
