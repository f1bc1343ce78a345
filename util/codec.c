/*  util/codec.c - hex, base64 and base32. */
#include "codec.h"
#include "alloc.h"

#include <stdbool.h>
#include <string.h>

void
util_hex_encode (char *out, const uint8_t *data, size_t len)
{
    static const char digits [] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        *out++ = digits [data [i] >> 4];
        *out++ = digits [data [i] & 15];
    }
    *out = '\0';
}

static int
s_hex_digit (char c)
{
    return c >= '0' && c <= '9'? c - '0': c >= 'a' && c <= 'f'? c - 'a' + 10: -1;
}

int
util_hex_decode (uint8_t *out, size_t len, const char *text, size_t text_len)
{
    if (text_len != 2 * len) {
        util_cleanse (out, len);
        return util_error (UTIL_EINPUT, "expected %zu hex digits, got %zu", 2 * len, text_len);
    }
    for (size_t i = 0; i < len; i++) {
        int hi = s_hex_digit (text [2 * i]), lo = s_hex_digit (text [2 * i + 1]);
        if (hi < 0 || lo < 0) {
            util_cleanse (out, len);
            return util_error (UTIL_EINPUT, "not a lower-case hex digit at offset %zu",
                               2 * i + (hi < 0? 0: 1));
        }
        out [i] = (uint8_t) (hi << 4 | lo);
    }
    return 0;
}

static const char s_b64 [] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
util_b64_encode (char *out, const uint8_t *data, size_t len)
{
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t) data [i] << 16 | (uint32_t) data [i + 1] << 8 | data [i + 2];
        *out++ = s_b64 [v >> 18];
        *out++ = s_b64 [(v >> 12) & 63];
        *out++ = s_b64 [(v >> 6) & 63];
        *out++ = s_b64 [v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t) data [i] << 16;
        *out++ = s_b64 [v >> 18];
        *out++ = s_b64 [(v >> 12) & 63];
        *out++ = '=';
        *out++ = '=';
    }
    else
    if (len - i == 2) {
        uint32_t v = (uint32_t) data [i] << 16 | (uint32_t) data [i + 1] << 8;
        *out++ = s_b64 [v >> 18];
        *out++ = s_b64 [(v >> 12) & 63];
        *out++ = s_b64 [(v >> 6) & 63];
        *out++ = '=';
    }
    *out = '\0';
}

static int
s_b64_value (char c)
{
    const char *p = c? strchr (s_b64, c): NULL;
    return p? (int) (p - s_b64): -1;
}

static int
s_b64_decode (uint8_t *out, size_t cap, size_t *out_len, const char *text, size_t text_len)
{
    if (text_len % 4)
        return util_error (UTIL_EINPUT, "base64 length %zu is not a multiple of 4", text_len);
    size_t n = 0;
    for (size_t i = 0; i < text_len; i += 4) {
        bool last = i + 4 == text_len;
        int v [4];
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            char c = text [i + j];
            if (c == '=' && last && j >= 2) {
                //  Padding only at the very end, and "x=y=" is not padding.
                if (j == 2 && text [i + 3] != '=')
                    return util_error (UTIL_EINPUT, "base64 padding in the wrong place");
                v [j] = 0;
                pad++;
                continue;
            }
            v [j] = s_b64_value (c);
            if (v [j] < 0)
                return util_error (UTIL_EINPUT, "invalid base64 character at offset %zu",
                                   i + j);
        }
        uint32_t w = (uint32_t) v [0] << 18 | (uint32_t) v [1] << 12
                   | (uint32_t) v [2] << 6 | (uint32_t) v [3];
        //  Canonical form: the bits that padding drops must be zero.
        if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff)))
            return util_error (UTIL_EINPUT,
                               "base64 is not canonical (stray bits before padding)");
        size_t got = 3 - (size_t) pad;
        if (n + got > cap)
            return util_error (UTIL_ELIMIT, "base64 value longer than %zu bytes", cap);
        out [n++] = (uint8_t) (w >> 16);
        if (got > 1)
            out [n++] = (uint8_t) (w >> 8);
        if (got > 2)
            out [n++] = (uint8_t) w;
    }
    *out_len = n;
    return 0;
}

int
util_b64_decode (uint8_t *out, size_t cap, size_t *out_len, const char *text,
                 size_t text_len)
{
    size_t n = 0;
    if (s_b64_decode (out, cap, &n, text, text_len)) {
        //  What was decoded before the fault may be part of a key.
        util_cleanse (out, cap);
        return -1;
    }
    *out_len = n;
    return 0;
}

static const char s_b32 [] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

void
util_b32_encode (char *out, const uint8_t *data, size_t len)
{
    //  Five bits at a time, most significant first (RFC 4648 s.6).
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8 | data [i]) & 0xfff;
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            *out++ = s_b32 [(acc >> bits) & 31];
        }
    }
    if (bits)
        *out++ = s_b32 [(acc << (5 - bits)) & 31];
    *out = '\0';
}

static int
s_b32_value (char c)
{
    return c >= 'A' && c <= 'Z'? c - 'A': c >= '2' && c <= '7'? c - '2' + 26: -1;
}

static int
s_b32_decode (uint8_t *out, size_t cap, size_t *out_len, const char *text, size_t text_len)
{
    //  Padding, if any, closes the last group of 8; the characters before
    //  it are the data.
    size_t data_len = text_len;
    while (data_len > 0 && text [data_len - 1] == '=')
        data_len--;
    size_t pad = text_len - data_len;
    //  Characters of a last group that leave whole bytes, and the padding
    //  RFC 4648 s.6 puts after them.
    static const int tail_pad [8] = { 0, -1, 6, -1, 4, 3, -1, 1 };
    size_t tail = data_len % 8;
    if (tail_pad [tail] < 0)
        return util_error (UTIL_EINPUT, "base32 length %zu leaves a partial byte", data_len);
    if (pad && (size_t) tail_pad [tail] != pad)
        return util_error (UTIL_EINPUT, "base32 padding: %zu '=' where %d belong", pad,
                           tail_pad [tail]);
    size_t need = data_len / 8 * 5 + (tail * 5) / 8;
    if (need > cap)
        return util_error (UTIL_ELIMIT, "base32 value of %zu bytes, more than %zu", need, cap);
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < data_len; i++) {
        int v = s_b32_value (text [i]);
        if (v < 0)
            return util_error (UTIL_EINPUT, "invalid base32 character at offset %zu", i);
        acc = (acc << 5 | (uint32_t) v) & 0xffff;     //  at most 12 bits are pending
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out [n++] = (uint8_t) (acc >> bits);
        }
    }
    //  Canonical form: the bits past the last byte must be zero.
    if (acc & ((1u << bits) - 1))
        return util_error (UTIL_EINPUT, "base32 is not canonical (stray bits at the end)");
    *out_len = n;
    return 0;
}

int
util_b32_decode (uint8_t *out, size_t cap, size_t *out_len, const char *text,
                 size_t text_len)
{
    size_t n = 0;
    if (s_b32_decode (out, cap, &n, text, text_len)) {
        //  What was decoded before the fault may be part of a secret.
        util_cleanse (out, cap);
        return -1;
    }
    *out_len = n;
    return 0;
}

void
util_printable (char *s)
{
    for (; *s; s++)
        if ((unsigned char) *s < 0x20 || (unsigned char) *s > 0x7e)
            *s = '?';
}
