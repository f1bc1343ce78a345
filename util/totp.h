/*  util/totp.h - one-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238)
    with HMAC from OpenSSL 3, and the otpauth:// URI an authenticator app
    reads a secret from.

    Contents
        util_totp_hash_t            SHA-1 (the default), SHA-256, SHA-512
        util_totp_key_t             a secret and its parameters
        util_totp_key_init          checks and sets a key's fields
        util_totp_key_clear         wipes a key
        util_totp_new_secret        a fresh 160-bit secret from the CSPRNG
        util_hotp                   RFC 4226 s.5.3: the code for a counter
        util_totp_step              RFC 6238 s.4.2: the time step of a time
        util_totp_format            a code as its decimal digits
        util_totp_code_parse        an entered code, checked: 6 or 8 digits
        util_totp_verify            a code against the steps t-1, t, t+1,
                                    refusing a step already used
        util_totp_uri               the otpauth://totp/ URI of a key
        util_totp_uri_parse         ... read back (strict)
        util_totp_hash_name, util_totp_hash_parse   "SHA1", "SHA256", "SHA512"

    The step is 30 s from the Unix epoch (T0 = 0, X = 30: RFC 6238 s.4.1),
    the one every authenticator uses. Codes are compared in constant time
    (CRYPTO_memcmp) and every candidate is computed, so the time taken does
    not say which step matched. A key holds its secret inline; wipe it with
    util_totp_key_clear (the functions here wipe every intermediate MAC).
    Errors are -1 with the reason in the error slot (util/error.h).
*/
#ifndef UTIL_TOTP_H
#define UTIL_TOTP_H

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UTIL_TOTP_SECRET_MIN    16      //  bytes: RFC 4226 R6, at least 128 bits
#define UTIL_TOTP_SECRET_MAX    64      //  bytes: the RFC 6238 SHA-512 vectors' key
#define UTIL_TOTP_SECRET_BYTES  20      //  a new secret: 160 bits (RFC 4226 R6)
#define UTIL_TOTP_PERIOD_S      30      //  RFC 6238 s.5.2
#define UTIL_TOTP_WINDOW        1       //  steps either side accepted (network delay)
#define UTIL_TOTP_CODE_MAX      8       //  digits
#define UTIL_TOTP_URI_MAX       1024    //  an otpauth:// URI, bytes

typedef enum {
    UTIL_TOTP_SHA1,
    UTIL_TOTP_SHA256,
    UTIL_TOTP_SHA512
} util_totp_hash_t;

typedef struct {
    uint8_t secret [UTIL_TOTP_SECRET_MAX];
    size_t secret_len;              //  UTIL_TOTP_SECRET_MIN..UTIL_TOTP_SECRET_MAX
    util_totp_hash_t hash;
    unsigned digits;                //  6 or 8
} util_totp_key_t;

/*  Sets *key from a secret of secret_len bytes, a hash and a number of
    digits. 0, or -1 with UTIL_EINPUT (a secret shorter than 128 bits or
    longer than 64 bytes, digits other than 6 or 8, an unknown hash); the
    key is wiped on failure. */
int util_totp_key_init (util_totp_key_t *key, const uint8_t *secret, size_t secret_len,
                        util_totp_hash_t hash, unsigned digits) UTIL_WUR;

/*  Wipes the key (OPENSSL_cleanse). NULL-safe. */
void util_totp_key_clear (util_totp_key_t *key);

/*  A new key: UTIL_TOTP_SECRET_BYTES from OpenSSL's CSPRNG (RAND_bytes),
    the given hash and digits. 0, or -1 (UTIL_ECRYPTO: the CSPRNG failed;
    UTIL_EINPUT as util_totp_key_init). */
int util_totp_new_secret (util_totp_key_t *key, util_totp_hash_t hash, unsigned digits)
    UTIL_WUR;

/*  RFC 4226 s.5.3: HMAC(secret, counter as 8 bytes big-endian), dynamic
    truncation, modulo 10^digits, into *code. 0, or -1 (UTIL_ECRYPTO: the
    MAC failed). */
int util_hotp (uint32_t *code, const util_totp_key_t *key, uint64_t counter) UTIL_WUR;

/*  RFC 6238 s.4.2: T = floor((unix_time - T0) / X), with T0 = 0 and X =
    UTIL_TOTP_PERIOD_S; a time before the epoch is step 0. */
uint64_t util_totp_step (int64_t unix_time);

/*  The code as exactly `digits` decimal digits, leading zeros kept, into
    out (UTIL_TOTP_CODE_MAX + 1 bytes). */
void util_totp_format (char *out, uint32_t code, unsigned digits);

/*  Checks an entered code: exactly `digits` characters, each 0-9. 0, or
    -1 with UTIL_EINPUT saying what is wrong ("N digits, expected D" or
    "not a digit at offset K"). The text is not quoted back: it may be
    someone's guess at a secret code. */
int util_totp_code_parse (const char *text, unsigned digits) UTIL_WUR;

typedef enum {
    UTIL_TOTP_ACCEPTED,             //  a step after `last_step` matched
    UTIL_TOTP_WRONG,                //  no step of the window matched
    UTIL_TOTP_REPLAYED              //  only steps <= last_step matched
} util_totp_verdict_t;

/*  Checks `code` (as util_totp_code_parse) against the steps
    util_totp_step(now) - UTIL_TOTP_WINDOW .. + UTIL_TOTP_WINDOW (RFC 6238
    s.5.2), computing all of them and comparing each in constant time.
    A step <= last_step was used before and is refused (RFC 6238 s.5.2:
    the second use of a code MUST NOT be accepted), which also refuses any
    earlier step. Sets *verdict and, when accepted, *step (the largest
    matching step; the caller records it as the new last_step before it
    answers). 0, or -1: a malformed code (UTIL_EINPUT), a MAC failure. */
int util_totp_verify (util_totp_verdict_t *verdict, uint64_t *step, const util_totp_key_t *key,
                      const char *code, int64_t now, uint64_t last_step) UTIL_WUR;

/*  "otpauth://totp/ISSUER:LABEL?secret=BASE32&issuer=ISSUER&algorithm=SHA1
    &digits=6&period=30" (Google Authenticator's Key Uri Format), issuer and
    label percent-encoded (everything but A-Z a-z 0-9 - . _ ~). A new string
    (the caller wipes and frees it: it holds the secret), or NULL: out of
    memory, an empty issuer or label, longer than UTIL_TOTP_URI_MAX. */
char *util_totp_uri (const util_totp_key_t *key, const char *issuer, const char *label);

/*  Reads back a URI util_totp_uri writes: the prefix otpauth://totp/, a
    label "ISSUER:NAME" (or "NAME") of percent-encoded text, then the
    parameters secret (required), issuer (must match the label's),
    algorithm, digits and period (30 only), each at most once, nothing
    else. Sets *key, and label (capacity label_cap, NUL-terminated, the
    name without the issuer) when not NULL. 0, or -1 with UTIL_EINPUT or
    UTIL_ELIMIT saying what and at which offset; *key is wiped on failure. */
int util_totp_uri_parse (util_totp_key_t *key, char *label, size_t label_cap, const char *uri)
    UTIL_WUR;

/*  "SHA1", "SHA256", "SHA512". */
const char *util_totp_hash_name (util_totp_hash_t hash);

/*  The hash named by `name` (as util_totp_hash_name writes it) into
    *hash. 0, or -1 with UTIL_EINPUT. */
int util_totp_hash_parse (util_totp_hash_t *hash, const char *name) UTIL_WUR;

#endif
