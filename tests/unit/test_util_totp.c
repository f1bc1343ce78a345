/*  Unit tests for util/totp.c: HOTP against RFC 4226 Appendix D, TOTP
    against RFC 6238 Appendix B (SHA-1, SHA-256, SHA-512), the window and
    replay rule of util_totp_verify, the otpauth:// URI both ways, and each
    rejection (bad base32, a secret of the wrong length, a code of the
    wrong length or with a non-digit). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/totp.h"

//  RFC 6238 Appendix B: the seeds of the three hashes (the SHA-1 seed is
//  RFC 4226 Appendix D's too).
#define S_SEED20 "12345678901234567890"
#define S_SEED32 "12345678901234567890123456789012"
#define S_SEED64 "1234567890123456789012345678901234567890123456789012345678901234"

static void
s_key (util_totp_key_t *key, util_totp_hash_t hash, unsigned digits)
{
    const char *seed = hash == UTIL_TOTP_SHA1? S_SEED20: hash == UTIL_TOTP_SHA256? S_SEED32
                     : S_SEED64;
    assert_int_equal (util_totp_key_init (key, (const uint8_t *) seed, strlen (seed), hash,
                                          digits), 0);
}

static void
test_hotp_rfc4226 (void **state)
{
    (void) state;
    //  RFC 4226 Appendix D, counts 0..9.
    static const char *expect [10] = {
        "755224", "287082", "359152", "969429", "338314",
        "254676", "287922", "162583", "399871", "520489"
    };
    util_totp_key_t key;
    s_key (&key, UTIL_TOTP_SHA1, 6);
    for (uint64_t c = 0; c < 10; c++) {
        uint32_t code;
        assert_int_equal (util_hotp (&code, &key, c), 0);
        char text [UTIL_TOTP_CODE_MAX + 1];
        util_totp_format (text, code, 6);
        assert_string_equal (text, expect [c]);
    }
    util_totp_key_clear (&key);
}

static void
test_totp_rfc6238 (void **state)
{
    (void) state;
    //  RFC 6238 Appendix B, 8 digits: time, then SHA-1, SHA-256, SHA-512.
    static const struct { int64_t time; uint64_t step; const char *code [3]; } v [] = {
        { 59LL,          0x1ULL,       { "94287082", "46119246", "90693936" } },
        { 1111111109LL,  0x23523ECULL, { "07081804", "68084774", "25091201" } },
        { 1111111111LL,  0x23523EDULL, { "14050471", "67062674", "99943326" } },
        { 1234567890LL,  0x273EF07ULL, { "89005924", "91819424", "93441116" } },
        { 2000000000LL,  0x3F940AAULL, { "69279037", "90698825", "38618901" } },
        { 20000000000LL, 0x27BC86AAULL,{ "65353130", "77737706", "47863826" } },
    };
    for (int h = 0; h < 3; h++) {
        util_totp_key_t key;
        s_key (&key, (util_totp_hash_t) h, 8);
        for (size_t i = 0; i < sizeof v / sizeof v [0]; i++) {
            assert_int_equal (util_totp_step (v [i].time), v [i].step);
            uint32_t code;
            assert_int_equal (util_hotp (&code, &key, util_totp_step (v [i].time)), 0);
            char text [UTIL_TOTP_CODE_MAX + 1];
            util_totp_format (text, code, 8);
            assert_string_equal (text, v [i].code [h]);
            //  And as a verifier sees it at that time, with nothing used yet.
            util_totp_verdict_t verdict = UTIL_TOTP_WRONG;
            uint64_t step = 0;
            assert_int_equal (util_totp_verify (&verdict, &step, &key, v [i].code [h],
                                                v [i].time, 0), 0);
            assert_int_equal (verdict, UTIL_TOTP_ACCEPTED);
            assert_int_equal (step, v [i].step);
        }
        util_totp_key_clear (&key);
    }
    //  Step boundaries, both sides: 29 s is step 0, 30 s step 1; before
    //  the epoch is step 0.
    assert_int_equal (util_totp_step (29), 0);
    assert_int_equal (util_totp_step (30), 1);
    assert_int_equal (util_totp_step (-5), 0);
}

static void
s_code_at (char *text, const util_totp_key_t *key, uint64_t step)
{
    uint32_t code;
    assert_int_equal (util_hotp (&code, key, step), 0);
    util_totp_format (text, code, key->digits);
}

static void
test_verify_window_and_replay (void **state)
{
    (void) state;
    util_totp_key_t key;
    s_key (&key, UTIL_TOTP_SHA1, 6);
    const int64_t now = 1234567890;         //  step 41152263, 0 s into it
    const uint64_t t = util_totp_step (now);
    char code [UTIL_TOTP_CODE_MAX + 1];
    util_totp_verdict_t verdict;
    uint64_t step = 0;
    //  Inside the window on both sides: t-1, t, t+1.
    for (int d = -1; d <= 1; d++) {
        s_code_at (code, &key, t + (uint64_t) (int64_t) d);
        assert_int_equal (util_totp_verify (&verdict, &step, &key, code, now, 0), 0);
        assert_int_equal (verdict, UTIL_TOTP_ACCEPTED);
        assert_int_equal (step, t + (uint64_t) (int64_t) d);
    }
    //  Just outside it: t-2 and t+2 are wrong.
    for (int d = -2; d <= 2; d += 4) {
        s_code_at (code, &key, t + (uint64_t) (int64_t) d);
        assert_int_equal (util_totp_verify (&verdict, &step, &key, code, now, 0), 0);
        assert_int_equal (verdict, UTIL_TOTP_WRONG);
    }
    //  Replay: the step used last, and any before it, are refused even
    //  inside the window; the next one is taken.
    s_code_at (code, &key, t);
    assert_int_equal (util_totp_verify (&verdict, &step, &key, code, now, t), 0);
    assert_int_equal (verdict, UTIL_TOTP_REPLAYED);
    s_code_at (code, &key, t - 1);
    assert_int_equal (util_totp_verify (&verdict, &step, &key, code, now, t), 0);
    assert_int_equal (verdict, UTIL_TOTP_REPLAYED);
    s_code_at (code, &key, t + 1);
    assert_int_equal (util_totp_verify (&verdict, &step, &key, code, now, t), 0);
    assert_int_equal (verdict, UTIL_TOTP_ACCEPTED);
    assert_int_equal (step, t + 1);
    //  A code no step of the window gives is wrong, used or not.
    s_code_at (code, &key, t);
    code [0] = code [0] == '9'? '0': (char) (code [0] + 1);
    assert_int_equal (util_totp_verify (&verdict, &step, &key, code, now, t), 0);
    assert_int_equal (verdict, UTIL_TOTP_WRONG);
    //  At the epoch's first step there is no step before it.
    s_code_at (code, &key, 0);
    assert_int_equal (util_totp_verify (&verdict, &step, &key, code, 3, 0), 0);
    assert_int_equal (verdict, UTIL_TOTP_REPLAYED);
    util_totp_key_clear (&key);
}

static void
test_code_rejects (void **state)
{
    (void) state;
    util_totp_key_t key;
    s_key (&key, UTIL_TOTP_SHA1, 6);
    static const struct { const char *code; const char *why; } bad [] = {
        { "",          "totp code: 0 digits, expected 6" },
        { "12345",     "totp code: 5 digits, expected 6" },
        { "1234567",   "totp code: 7 digits, expected 6" },
        { "123456789", "totp code: more than 8 digits, expected 6" },
        { "12a456",    "totp code: not a digit at offset 2" },
        { " 123456",   "totp code: not a digit at offset 0" },
        { "123456\n",  "totp code: not a digit at offset 6" },
        { "-12345",    "totp code: not a digit at offset 0" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        util_totp_verdict_t verdict = UTIL_TOTP_ACCEPTED;
        uint64_t step = 0;
        assert_int_equal (util_totp_verify (&verdict, &step, &key, bad [i].code, 1234567890, 0),
                          -1);
        assert_int_equal (util_last_code (), UTIL_EINPUT);
        assert_string_equal (util_last_error (), bad [i].why);
    }
    //  An 8-digit key wants 8.
    util_totp_key_t key8;
    s_key (&key8, UTIL_TOTP_SHA1, 8);
    assert_int_equal (util_totp_code_parse ("123456", 8), -1);
    assert_string_equal (util_last_error (), "totp code: 6 digits, expected 8");
    assert_int_equal (util_totp_code_parse ("12345678", 8), 0);
    util_totp_key_clear (&key);
    util_totp_key_clear (&key8);
}

static void
test_key_rejects (void **state)
{
    (void) state;
    util_totp_key_t key;
    uint8_t secret [UTIL_TOTP_SECRET_MAX + 1];
    memset (secret, 7, sizeof secret);
    //  Length: 15 bytes (under 128 bits) and 65 are refused; 16 and 64 taken.
    assert_int_equal (util_totp_key_init (&key, secret, 15, UTIL_TOTP_SHA1, 6), -1);
    assert_string_equal (util_last_error (), "totp secret: 15 bytes, need 16..64");
    assert_int_equal (util_totp_key_init (&key, secret, 65, UTIL_TOTP_SHA1, 6), -1);
    assert_string_equal (util_last_error (), "totp secret: 65 bytes, need 16..64");
    assert_int_equal (util_totp_key_init (&key, secret, 16, UTIL_TOTP_SHA1, 6), 0);
    assert_int_equal (util_totp_key_init (&key, secret, 64, UTIL_TOTP_SHA512, 8), 0);
    //  Digits other than 6 and 8, an unknown hash; the key is wiped.
    assert_int_equal (util_totp_key_init (&key, secret, 20, UTIL_TOTP_SHA1, 7), -1);
    assert_string_equal (util_last_error (), "totp digits: 7, need 6 or 8");
    assert_int_equal (key.secret_len, 0);
    assert_int_equal (key.secret [0], 0);
    assert_int_equal (util_totp_key_init (&key, secret, 20, (util_totp_hash_t) 3, 6), -1);
    util_totp_hash_t hash;
    assert_int_equal (util_totp_hash_parse (&hash, "SHA256"), 0);
    assert_int_equal (hash, UTIL_TOTP_SHA256);
    assert_int_equal (util_totp_hash_parse (&hash, "sha1"), -1);
    assert_int_equal (util_totp_hash_parse (&hash, "MD5"), -1);
}

static void
test_new_secret (void **state)
{
    (void) state;
    util_totp_key_t a, b;
    assert_int_equal (util_totp_new_secret (&a, UTIL_TOTP_SHA1, 6), 0);
    assert_int_equal (util_totp_new_secret (&b, UTIL_TOTP_SHA1, 6), 0);
    assert_int_equal (a.secret_len, UTIL_TOTP_SECRET_BYTES);
    //  Two 160-bit draws are different (a collision has probability 2^-160).
    assert_memory_not_equal (a.secret, b.secret, UTIL_TOTP_SECRET_BYTES);
    util_totp_key_clear (&a);
    util_totp_key_clear (&b);
    for (size_t i = 0; i < sizeof a; i++)
        assert_int_equal (((uint8_t *) &a) [i], 0);
}

static void
test_uri (void **state)
{
    (void) state;
    util_totp_key_t key, back;
    s_key (&key, UTIL_TOTP_SHA1, 6);
    char *uri = util_totp_uri (&key, "demo consortium", "ana@lab");
    assert_non_null (uri);
    assert_string_equal (uri, "otpauth://totp/demo%20consortium:ana%40lab?"
                         "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=demo%20consortium"
                         "&algorithm=SHA1&digits=6&period=30");
    char label [64];
    assert_int_equal (util_totp_uri_parse (&back, label, sizeof label, uri), 0);
    assert_string_equal (label, "ana@lab");
    assert_int_equal (back.secret_len, 20);
    assert_memory_equal (back.secret, S_SEED20, 20);
    assert_int_equal (back.hash, UTIL_TOTP_SHA1);
    assert_int_equal (back.digits, 6);
    util_cleanse (uri, strlen (uri));
    free (uri);
    //  SHA-512, 8 digits, and the defaults when only the secret is given.
    s_key (&key, UTIL_TOTP_SHA512, 8);
    uri = util_totp_uri (&key, "c", "a");
    assert_int_equal (util_totp_uri_parse (&back, NULL, 0, uri), 0);
    assert_int_equal (back.hash, UTIL_TOTP_SHA512);
    assert_int_equal (back.digits, 8);
    assert_int_equal (back.secret_len, 64);
    free (uri);
    assert_int_equal (util_totp_uri_parse (&back, label, sizeof label,
                      "otpauth://totp/bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), 0);
    assert_string_equal (label, "bob");
    assert_int_equal (back.hash, UTIL_TOTP_SHA1);
    assert_int_equal (back.digits, 6);
    //  Empty issuer or label are refused when writing.
    assert_null (util_totp_uri (&key, "", "a"));
    assert_null (util_totp_uri (&key, "c", ""));
    util_totp_key_clear (&key);
    util_totp_key_clear (&back);
}

static void
test_uri_rejects (void **state)
{
    (void) state;
    #define S_SECRET "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    static const struct { const char *uri; const char *why; } bad [] = {
        { "otpauth://hotp/a?secret=" S_SECRET,
          "totp uri: does not start with 'otpauth://totp/'" },
        { "otpauth://totp/a",
          "totp uri: no '?' and parameters after the label" },
        { "otpauth://totp/c:?secret=" S_SECRET, "totp uri: label: empty name" },
        { "otpauth://totp/:a?secret=" S_SECRET, "totp uri: label: empty issuer" },
        { "otpauth://totp/a%4?secret=" S_SECRET,
          "totp uri: label: bad percent escape at offset 16" },
        { "otpauth://totp/a%0A?secret=" S_SECRET,
          "totp uri: label: control character at offset 16" },
        { "otpauth://totp/a?issuer=c", "totp uri: no secret parameter" },
        { "otpauth://totp/a?secret", "totp uri: parameter without '=' at offset 17" },
        { "otpauth://totp/a?secret=" S_SECRET "&image=x",
          "totp uri: unknown parameter at offset 57" },
        { "otpauth://totp/a?secret=" S_SECRET "&secret=" S_SECRET,
          "totp uri: secret twice (offset 57)" },
        //  Bad base32, and a secret of the wrong length (15 bytes).
        { "otpauth://totp/a?secret=gezdgnbv",
          "totp uri: secret (offset 17): invalid base32 character at offset 0" },
        { "otpauth://totp/a?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQO",
          "totp uri: secret (offset 17): base32 length 30 leaves a partial byte" },
        { "otpauth://totp/a?secret=GEZDGNBVGY3TQOJQGEZDGNBV",
          "totp uri: totp secret: 15 bytes, need 16..64" },
        { "otpauth://totp/a?secret=" S_SECRET "&algorithm=MD5",
          "totp uri (offset 57): algorithm: not SHA1, SHA256 or SHA512" },
        { "otpauth://totp/a?secret=" S_SECRET "&digits=7",
          "totp uri: digits: not 6 or 8 (offset 57)" },
        { "otpauth://totp/a?secret=" S_SECRET "&period=60",
          "totp uri: period: not 30 (offset 57)" },
        { "otpauth://totp/c:a?secret=" S_SECRET "&issuer=d",
          "totp uri: the issuer parameter differs from the label's" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        util_totp_key_t key;
        memset (&key, 0x55, sizeof key);
        assert_int_equal (util_totp_uri_parse (&key, NULL, 0, bad [i].uri), -1);
        assert_string_equal (util_last_error (), bad [i].why);
        assert_int_equal (key.secret_len, 0);
        assert_int_equal (key.secret [0], 0);
    }
    //  Too long.
    char *huge = malloc (UTIL_TOTP_URI_MAX + 100);
    assert_non_null (huge);
    memset (huge, 'a', UTIL_TOTP_URI_MAX + 99);
    memcpy (huge, "otpauth://totp/", 15);
    huge [UTIL_TOTP_URI_MAX + 99] = '\0';
    util_totp_key_t key;
    assert_int_equal (util_totp_uri_parse (&key, NULL, 0, huge), -1);
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    free (huge);
    //  A label that does not fit the caller's buffer.
    char label [3];
    assert_int_equal (util_totp_uri_parse (&key, label, sizeof label,
                      "otpauth://totp/abc?secret=" S_SECRET), -1);
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_hotp_rfc4226),
        cmocka_unit_test (test_totp_rfc6238),
        cmocka_unit_test (test_verify_window_and_replay),
        cmocka_unit_test (test_code_rejects),
        cmocka_unit_test (test_key_rejects),
        cmocka_unit_test (test_new_secret),
        cmocka_unit_test (test_uri),
        cmocka_unit_test (test_uri_rejects),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
