/*  util/codec.h - text encodings of bytes: lower-case hex, canonical
    base64 (RFC 4648 s.4, with padding) and base32 (RFC 4648 s.6, the
    alphabet of TOTP secrets), and a guard for quoting untrusted text in
    messages.

    Contents
        util_hex_encode / util_hex_decode       2 characters a byte
        UTIL_B64_LEN, util_b64_encode           4 characters per 3 bytes
        util_b64_decode                         strict: one encoding a value
        UTIL_B32_LEN, util_b32_encode           8 characters per 5 bytes,
                                                unpadded
        util_b32_decode                         strict, padding optional
        util_printable                          '?' for every byte outside
                                                printable ASCII

    Nothing here allocates: every output goes into a buffer of the caller's,
    sized as each call says. Decoders check the text and the output capacity
    before writing, and leave the output wiped on failure (it may be a key).
    Errors are -1 with the reason in the error slot (util/error.h).
*/
#ifndef UTIL_CODEC_H
#define UTIL_CODEC_H

#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

/*  Lower-case hex of `len` bytes into `out` (2*len + 1 bytes, terminated). */
void util_hex_encode (char *out, const uint8_t *data, size_t len);

/*  Decodes exactly 2*len hex digits (lower case only) of `text` into out
    (len bytes). Returns 0, or -1 with UTIL_EINPUT naming the first bad
    offset (out is wiped). */
int util_hex_decode (uint8_t *out, size_t len, const char *text, size_t text_len) UTIL_WUR;

/*  Standard base64 with padding: 4*ceil(len/3) characters and a NUL into
    `out`, which holds UTIL_B64_LEN(len) bytes. */
#define UTIL_B64_LEN(len) ((((len) + 2) / 3) * 4 + 1)
void util_b64_encode (char *out, const uint8_t *data, size_t len);

/*  Decodes exactly `text_len` characters of strict padded base64 into `out`
    (capacity `cap`): no whitespace, no missing or extra padding, and the
    unused trailing bits must be zero, so every value has exactly one
    encoding. Sets *out_len. Returns 0, or -1 with UTIL_EINPUT (not canonical
    base64) or UTIL_ELIMIT (does not fit). */
int util_b64_decode (uint8_t *out, size_t cap, size_t *out_len, const char *text,
                     size_t text_len) UTIL_WUR;

/*  Base32 (RFC 4648 s.6, upper-case alphabet A-Z 2-7) without padding, as
    otpauth:// URIs carry a secret: ceil(8*len/5) characters and a NUL into
    `out`, which holds UTIL_B32_LEN(len) bytes. */
#define UTIL_B32_LEN(len) (((len) * 8 + 4) / 5 + 1)
void util_b32_encode (char *out, const uint8_t *data, size_t len);

/*  Decodes exactly `text_len` characters of base32 into `out` (capacity
    `cap`): upper-case alphabet only, no whitespace, padding either absent
    or exactly what RFC 4648 s.6 puts there, a length a whole number of
    bytes leaves (0, 2, 4, 5 or 7 characters past the last full 8), and the
    unused trailing bits zero, so every value has exactly one unpadded
    encoding. Sets *out_len. Returns 0, or -1 with UTIL_EINPUT naming the
    first bad offset, or UTIL_ELIMIT (does not fit); `out` is wiped on
    failure. */
int util_b32_decode (uint8_t *out, size_t cap, size_t *out_len, const char *text,
                     size_t text_len) UTIL_WUR;

/*  Replaces every byte of `s` outside printable ASCII with '?', so that a
    message quoting untrusted input (possibly cut inside a UTF-8 sequence)
    is always valid JSON text and one line. */
void util_printable (char *s);

#endif
