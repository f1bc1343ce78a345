/*  util/totp.c - HOTP (RFC 4226), TOTP (RFC 6238) and otpauth:// URIs. */
#include "totp.h"
#include "alloc.h"
#include "codec.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_hash_names [] = { "SHA1", "SHA256", "SHA512" };

const char *
util_totp_hash_name (util_totp_hash_t hash)
{
    return (unsigned) hash < 3? s_hash_names [hash]: "?";
}

int
util_totp_hash_parse (util_totp_hash_t *hash, const char *name)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp (name, s_hash_names [i])) {
            *hash = (util_totp_hash_t) i;
            return 0;
        }
    return util_error (UTIL_EINPUT, "algorithm: not SHA1, SHA256 or SHA512");
}

int
util_totp_key_init (util_totp_key_t *key, const uint8_t *secret, size_t secret_len,
                    util_totp_hash_t hash, unsigned digits)
{
    util_totp_key_clear (key);
    if (secret_len < UTIL_TOTP_SECRET_MIN || secret_len > UTIL_TOTP_SECRET_MAX)
        return util_error (UTIL_EINPUT, "totp secret: %zu bytes, need %d..%d", secret_len,
                           UTIL_TOTP_SECRET_MIN, UTIL_TOTP_SECRET_MAX);
    if (digits != 6 && digits != 8)
        return util_error (UTIL_EINPUT, "totp digits: %u, need 6 or 8", digits);
    if ((unsigned) hash > UTIL_TOTP_SHA512)
        return util_error (UTIL_EINPUT, "totp algorithm: unknown (%d)", (int) hash);
    memcpy (key->secret, secret, secret_len);
    key->secret_len = secret_len;
    key->hash = hash;
    key->digits = digits;
    return 0;
}

void
util_totp_key_clear (util_totp_key_t *key)
{
    if (key)
        util_cleanse (key, sizeof *key);
}

int
util_totp_new_secret (util_totp_key_t *key, util_totp_hash_t hash, unsigned digits)
{
    uint8_t secret [UTIL_TOTP_SECRET_BYTES];
    int rc = -1;
    if (RAND_bytes (secret, sizeof secret) != 1)
        util_error (UTIL_ECRYPTO, "totp: the CSPRNG failed");
    else
        rc = util_totp_key_init (key, secret, sizeof secret, hash, digits);
    util_cleanse (secret, sizeof secret);
    return rc;
}

int
util_hotp (uint32_t *code, const util_totp_key_t *key, uint64_t counter)
{
    //  RFC 4226 s.5.1: the counter is 8 bytes, most significant first.
    uint8_t msg [8];
    for (int i = 7; i >= 0; i--, counter >>= 8)
        msg [i] = (uint8_t) counter;
    uint8_t mac [EVP_MAX_MD_SIZE];
    size_t mac_len = 0;
    int rc = -1;
    if (!EVP_Q_mac (NULL, "HMAC", NULL, util_totp_hash_name (key->hash), NULL, key->secret,
                    key->secret_len, msg, sizeof msg, mac, sizeof mac, &mac_len)
    ||  mac_len < 20) {
        util_error (UTIL_ECRYPTO, "totp: HMAC-%s failed", util_totp_hash_name (key->hash));
        goto done;
    }
    //  s.5.3 dynamic truncation: the low nibble of the last byte is an
    //  offset; 31 bits from there, big-endian.
    unsigned offset = mac [mac_len - 1] & 0x0f;
    uint32_t bin = (uint32_t) (mac [offset] & 0x7f) << 24 | (uint32_t) mac [offset + 1] << 16
                 | (uint32_t) mac [offset + 2] << 8 | mac [offset + 3];
    *code = bin % (key->digits == 8? 100000000u: 1000000u);
    rc = 0;
done:
    util_cleanse (mac, sizeof mac);
    return rc;
}

uint64_t
util_totp_step (int64_t unix_time)
{
    return unix_time < 0? 0: (uint64_t) unix_time / UTIL_TOTP_PERIOD_S;
}

void
util_totp_format (char *out, uint32_t code, unsigned digits)
{
    for (int i = (int) digits - 1; i >= 0; i--, code /= 10)
        out [i] = (char) ('0' + code % 10);
    out [digits] = '\0';
}

int
util_totp_code_parse (const char *text, unsigned digits)
{
    size_t len = strnlen (text, UTIL_TOTP_CODE_MAX + 1);
    for (size_t i = 0; i < len; i++)
        if (text [i] < '0' || text [i] > '9')
            return util_error (UTIL_EINPUT, "totp code: not a digit at offset %zu", i);
    if (len != digits)
        return util_error (UTIL_EINPUT, "totp code: %s%zu digits, expected %u",
                           len > UTIL_TOTP_CODE_MAX? "more than ": "",
                           len > UTIL_TOTP_CODE_MAX? (size_t) UTIL_TOTP_CODE_MAX: len, digits);
    return 0;
}

int
util_totp_verify (util_totp_verdict_t *verdict, uint64_t *step, const util_totp_key_t *key,
                  const char *code, int64_t now, uint64_t last_step)
{
    if (util_totp_code_parse (code, key->digits))
        return -1;
    uint64_t t = util_totp_step (now);
    bool fresh = false, used = false;
    uint64_t best = 0;
    char want [UTIL_TOTP_CODE_MAX + 1];
    int rc = -1;
    //  Every step of the window is computed and compared, whatever matched
    //  before it, so the time taken is the same for a right and a wrong code.
    for (int d = -UTIL_TOTP_WINDOW; d <= UTIL_TOTP_WINDOW; d++) {
        if (d < 0 && t < (uint64_t) -d)
            continue;           //  no step before the epoch's
        uint64_t s = t + (uint64_t) (int64_t) d;
        uint32_t value;
        if (util_hotp (&value, key, s))
            goto done;
        util_totp_format (want, value, key->digits);
        bool match = CRYPTO_memcmp (want, code, key->digits) == 0;
        if (match && s > last_step) {
            fresh = true;
            best = s;
        }
        used |= match && s <= last_step;
    }
    *verdict = fresh? UTIL_TOTP_ACCEPTED: used? UTIL_TOTP_REPLAYED: UTIL_TOTP_WRONG;
    if (fresh)
        *step = best;
    rc = 0;
done:
    util_cleanse (want, sizeof want);
    return rc;
}

//  ---------------------------------------------------------------------
//  otpauth:// URIs

#define S_PREFIX "otpauth://totp/"

static bool
s_unreserved (char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
        || c == '-' || c == '.' || c == '_' || c == '~';
}

//  Percent-encodes text into out (3 * strlen + 1 bytes).
static void
s_encode (char *out, const char *text)
{
    static const char hex [] = "0123456789ABCDEF";
    for (; *text; text++) {
        unsigned char c = (unsigned char) *text;
        if (s_unreserved ((char) c))
            *out++ = (char) c;
        else {
            *out++ = '%';
            *out++ = hex [c >> 4];
            *out++ = hex [c & 15];
        }
    }
    *out = '\0';
}

char *
util_totp_uri (const util_totp_key_t *key, const char *issuer, const char *label)
{
    size_t il = strlen (issuer), ll = strlen (label);
    if (!il || !ll)
        return util_error_null (UTIL_EINPUT, "totp uri: empty %s", il? "label": "issuer");
    if (il > UTIL_TOTP_URI_MAX || ll > UTIL_TOTP_URI_MAX)
        return util_error_null (UTIL_ELIMIT, "totp uri: issuer or label over %d bytes",
                                UTIL_TOTP_URI_MAX);
    char *ie = util_malloc (3 * il + 1), *le = util_malloc (3 * ll + 1);
    char secret [UTIL_B32_LEN (UTIL_TOTP_SECRET_MAX)];
    char *uri = NULL;
    if (!ie || !le)
        goto done;
    s_encode (ie, issuer);
    s_encode (le, label);
    util_b32_encode (secret, key->secret, key->secret_len);
    uri = util_asprintf (S_PREFIX "%s:%s?secret=%s&issuer=%s&algorithm=%s&digits=%u&period=%d",
                         ie, le, secret, ie, util_totp_hash_name (key->hash), key->digits,
                         UTIL_TOTP_PERIOD_S);
    if (uri && strlen (uri) > UTIL_TOTP_URI_MAX) {
        util_cleanse (uri, strlen (uri));
        free (uri);
        uri = util_error_null (UTIL_ELIMIT, "totp uri: longer than %d bytes", UTIL_TOTP_URI_MAX);
    }
done:
    util_cleanse (secret, sizeof secret);
    free (ie);
    free (le);
    return uri;
}

static int
s_hex_value (char c)
{
    return c >= '0' && c <= '9'? c - '0': c >= 'A' && c <= 'F'? c - 'A' + 10
         : c >= 'a' && c <= 'f'? c - 'a' + 10: -1;
}

//  Percent-decodes text[0..len) into out (capacity cap, NUL-terminated);
//  `at` is the text's offset in the URI, for the message. A decoded NUL or
//  control character is refused.
static int
s_decode (char *out, size_t cap, const char *text, size_t len, size_t at, const char *what)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        size_t start = i;
        char c = text [i];
        if (c == '%') {
            int hi = i + 2 < len? s_hex_value (text [i + 1]): -1;
            int lo = i + 2 < len? s_hex_value (text [i + 2]): -1;
            if (hi < 0 || lo < 0)
                return util_error (UTIL_EINPUT, "totp uri: %s: bad percent escape at offset %zu",
                                   what, at + i);
            c = (char) (hi << 4 | lo);
            i += 2;
        }
        if ((unsigned char) c < 0x20 || c == 0x7f)
            return util_error (UTIL_EINPUT, "totp uri: %s: control character at offset %zu",
                               what, at + start);
        if (n + 1 >= cap)
            return util_error (UTIL_ELIMIT, "totp uri: %s: longer than %zu bytes", what, cap - 1);
        out [n++] = c;
    }
    out [n] = '\0';
    return 0;
}

static int
s_uri_parse (util_totp_key_t *key, char *label, size_t label_cap, const char *uri,
             char *issuer, char *name, char *value)
{
    size_t len = strnlen (uri, UTIL_TOTP_URI_MAX + 1);
    if (len > UTIL_TOTP_URI_MAX)
        return util_error (UTIL_ELIMIT, "totp uri: longer than %d bytes", UTIL_TOTP_URI_MAX);
    if (strncmp (uri, S_PREFIX, strlen (S_PREFIX)))
        return util_error (UTIL_EINPUT, "totp uri: does not start with '" S_PREFIX "'");
    size_t at = strlen (S_PREFIX);
    const char *q = strchr (uri + at, '?');
    if (!q)
        return util_error (UTIL_EINPUT, "totp uri: no '?' and parameters after the label");
    //  The label: ISSUER:NAME (the ':' may be escaped as %3A), or NAME.
    char whole [UTIL_TOTP_URI_MAX + 1];
    if (s_decode (whole, sizeof whole, uri + at, (size_t) (q - uri) - at, at, "label"))
        return -1;
    char *colon = strchr (whole, ':');
    const char *label_issuer = colon? whole: NULL;
    if (colon)
        *colon = '\0';
    const char *label_name = colon? colon + 1: whole;
    if (!*label_name || (label_issuer && !*label_issuer))
        return util_error (UTIL_EINPUT, "totp uri: label: empty %s", *label_name? "issuer": "name");
    bool seen [5] = { false };
    static const char *keys [5] = { "secret", "issuer", "algorithm", "digits", "period" };
    uint8_t secret [UTIL_TOTP_SECRET_MAX];
    size_t secret_len = 0;
    util_totp_hash_t hash = UTIL_TOTP_SHA1;
    unsigned digits = 6;
    int rc = -1;
    issuer [0] = '\0';
    const char *p = q + 1;
    while (true) {
        size_t off = (size_t) (p - uri);
        const char *amp = strchr (p, '&');
        const char *end = amp? amp: uri + len;
        const char *eq = memchr (p, '=', (size_t) (end - p));
        if (!eq) {
            util_error (UTIL_EINPUT, "totp uri: parameter without '=' at offset %zu", off);
            goto done;
        }
        if (s_decode (name, UTIL_TOTP_URI_MAX + 1, p, (size_t) (eq - p), off, "parameter name")
        ||  s_decode (value, UTIL_TOTP_URI_MAX + 1, eq + 1, (size_t) (end - eq - 1),
                      off + (size_t) (eq + 1 - p), name))
            goto done;
        int k = 0;
        while (k < 5 && strcmp (name, keys [k]))
            k++;
        if (k == 5) {
            util_error (UTIL_EINPUT, "totp uri: unknown parameter at offset %zu", off);
            goto done;
        }
        if (seen [k]) {
            util_error (UTIL_EINPUT, "totp uri: %s twice (offset %zu)", keys [k], off);
            goto done;
        }
        seen [k] = true;
        if (k == 0) {
            if (util_b32_decode (secret, sizeof secret, &secret_len, value, strlen (value))) {
                util_error_context ("totp uri: secret (offset %zu)", off);
                goto done;
            }
        }
        else
        if (k == 1)
            snprintf (issuer, UTIL_TOTP_URI_MAX + 1, "%s", value);
        else
        if (k == 2) {
            if (util_totp_hash_parse (&hash, value)) {
                util_error_context ("totp uri (offset %zu)", off);
                goto done;
            }
        }
        else
        if (k == 3) {
            if (strcmp (value, "6") && strcmp (value, "8")) {
                util_error (UTIL_EINPUT, "totp uri: digits: not 6 or 8 (offset %zu)", off);
                goto done;
            }
            digits = (unsigned) (value [0] - '0');
        }
        else
        if (strcmp (value, "30")) {
            util_error (UTIL_EINPUT, "totp uri: period: not 30 (offset %zu)", off);
            goto done;
        }
        if (!amp)
            break;
        p = amp + 1;
    }
    if (!seen [0]) {
        util_error (UTIL_EINPUT, "totp uri: no secret parameter");
        goto done;
    }
    if (seen [1] && label_issuer && strcmp (issuer, label_issuer)) {
        util_error (UTIL_EINPUT, "totp uri: the issuer parameter differs from the label's");
        goto done;
    }
    if (util_totp_key_init (key, secret, secret_len, hash, digits)) {
        util_error_context ("totp uri");
        goto done;
    }
    if (label) {
        if (strlen (label_name) >= label_cap) {
            util_error (UTIL_ELIMIT, "totp uri: label: longer than %zu bytes", label_cap - 1);
            goto done;
        }
        strcpy (label, label_name);
    }
    rc = 0;
done:
    util_cleanse (secret, sizeof secret);
    util_cleanse (whole, sizeof whole);
    return rc;
}

int
util_totp_uri_parse (util_totp_key_t *key, char *label, size_t label_cap, const char *uri)
{
    //  Scratch for the issuer, a parameter's name and value: on the heap,
    //  as each may be as long as the URI; the value may be the secret.
    char *issuer = util_malloc (3 * (UTIL_TOTP_URI_MAX + 1));
    if (!issuer) {
        util_totp_key_clear (key);
        return util_error_context ("totp uri");
    }
    char *name = issuer + UTIL_TOTP_URI_MAX + 1, *value = name + UTIL_TOTP_URI_MAX + 1;
    int rc = s_uri_parse (key, label, label_cap, uri, issuer, name, value);
    if (rc)
        util_totp_key_clear (key);
    util_cleanse (issuer, 3 * (UTIL_TOTP_URI_MAX + 1));
    free (issuer);
    return rc;
}
