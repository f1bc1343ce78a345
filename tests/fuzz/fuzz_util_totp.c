/*  libFuzzer target for util/totp.h and util/codec.h's base32: any bytes
    either parse as an otpauth://totp/ URI whose key writes back to a URI
    that parses to the same key, or fail cleanly with the key wiped; as
    base32 they either decode and encode back to the same text without its
    padding (one encoding a value), or fail with the output wiped; as an
    entered code they are accepted only when they are 6 digits. */
#include "fuzz_input.h"
#include "util/codec.h"
#include "util/totp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define S_CAP 96

static void
s_uri (const char *text)
{
    util_totp_key_t key, again;
    char label [256];
    if (util_totp_uri_parse (&key, label, sizeof label, text)) {
        for (size_t i = 0; i < sizeof key; i++)
            if (((uint8_t *) &key) [i])
                abort ();
        return;
    }
    if (key.secret_len < UTIL_TOTP_SECRET_MIN || key.secret_len > UTIL_TOTP_SECRET_MAX
    ||  (key.digits != 6 && key.digits != 8))
        abort ();
    //  Written back (under a fixed issuer) and read again: the same key.
    char *uri = util_totp_uri (&key, "fuzz", label);
    if (uri) {
        if (util_totp_uri_parse (&again, NULL, 0, uri)
        ||  again.secret_len != key.secret_len || again.hash != key.hash
        ||  again.digits != key.digits || memcmp (again.secret, key.secret, key.secret_len))
            abort ();
        free (uri);
    }
    //  A code the key gives now is accepted once.
    uint32_t code;
    if (util_hotp (&code, &key, 1000) == 0) {
        char digits [UTIL_TOTP_CODE_MAX + 1];
        util_totp_format (digits, code, key.digits);
        util_totp_verdict_t verdict;
        uint64_t step = 0;
        if (util_totp_verify (&verdict, &step, &key, digits, 30000, 0)
        ||  verdict != UTIL_TOTP_ACCEPTED || step != 1000)
            abort ();
        if (util_totp_verify (&verdict, &step, &key, digits, 30000, 1000)
        ||  verdict != UTIL_TOTP_REPLAYED)
            abort ();
    }
    util_totp_key_clear (&key);
    util_totp_key_clear (&again);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char *text = fuzz_input_text (data, size);
    if (!text)
        return 0;
    s_uri (text);
    uint8_t out [S_CAP];
    size_t n = 0;
    if (util_b32_decode (out, sizeof out, &n, (const char *) data, size) == 0) {
        char back [UTIL_B32_LEN (S_CAP)];
        util_b32_encode (back, out, n);
        size_t bare = size;
        while (bare && data [bare - 1] == '=')
            bare--;
        if (strlen (back) != bare || memcmp (back, data, bare))
            abort ();
    }
    else
        for (size_t i = 0; i < sizeof out; i++)
            if (out [i])
                abort ();
    //  The code is read up to its first NUL, as a C string is.
    bool digits6 = strlen (text) == 6;
    for (size_t i = 0; digits6 && i < 6; i++)
        digits6 = text [i] >= '0' && text [i] <= '9';
    if ((util_totp_code_parse (text, 6) == 0) != digits6)
        abort ();
    free (text);
    return 0;
}
