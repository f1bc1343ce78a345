/*  audit/audit.c - per-thread errors and the base64/hex codecs of audit/. */
#include "audit_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char s_error [512];

int
audit_error (const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (s_error, sizeof s_error, fmt, ap);
    va_end (ap);
    return -1;
}

const char *
audit_last_error (void)
{
    return s_error;
}

static const char s_b64 [] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
audit_b64_encode (char *out, const uint8_t *data, size_t len)
{
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t) data [i] << 16 | (uint32_t) data [i + 1] << 8
                   | data [i + 2];
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

int
audit_b64_decode (uint8_t *out, size_t cap, size_t *out_len,
                  const char *text, size_t text_len)
{
    if (text_len % 4)
        return audit_error ("base64 length %zu is not a multiple of 4", text_len);
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
                    return audit_error ("base64 padding in the wrong place");
                v [j] = 0;
                pad++;
                continue;
            }
            v [j] = s_b64_value (c);
            if (v [j] < 0)
                return audit_error ("invalid base64 character at offset %zu", i + j);
        }
        uint32_t w = (uint32_t) v [0] << 18 | (uint32_t) v [1] << 12
                   | (uint32_t) v [2] << 6 | (uint32_t) v [3];
        //  Canonical form: the bits that padding drops must be zero.
        if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff)))
            return audit_error ("base64 is not canonical (stray bits before padding)");
        size_t got = 3 - (size_t) pad;
        if (n + got > cap)
            return audit_error ("base64 value longer than %zu bytes", cap);
        out [n++] = (uint8_t) (w >> 16);
        if (got > 1)
            out [n++] = (uint8_t) (w >> 8);
        if (got > 2)
            out [n++] = (uint8_t) w;
    }
    *out_len = n;
    return 0;
}

void
audit_hex_encode (char *out, const uint8_t *data, size_t len)
{
    static const char digits [] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        *out++ = digits [data [i] >> 4];
        *out++ = digits [data [i] & 15];
    }
    *out = '\0';
}

int
audit_read_file (const char *path, size_t max, char **out, size_t *len)
{
    FILE *f = fopen (path, "rb");
    if (!f)
        return audit_error ("%s: cannot open: %m", path);
    char *buf = malloc (max + 1);
    if (!buf) {
        fclose (f);
        return audit_error ("%s: out of memory", path);
    }
    //  Read one byte past the limit to tell "exactly max" from "too long".
    size_t n = fread (buf, 1, max + 1, f);
    int failed = ferror (f);
    fclose (f);
    if (failed || n > max) {
        free (buf);
        return failed? audit_error ("%s: read error", path)
                     : audit_error ("%s: longer than %zu bytes", path, max);
    }
    buf [n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}
