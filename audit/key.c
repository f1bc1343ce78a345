/*  audit/key.c - Ed25519 signer and verifier keys in signed-note text form. */
#include "key.h"
#include "merkle.h"
#include "audit_internal.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_ALG_ED25519 0x01
#define S_PRIVATE_PREFIX "PRIVATE+KEY+"

struct _audit_signer_t {
    char name [AUDIT_KEY_NAME_MAX + 1];
    uint8_t keyid [AUDIT_KEY_ID_LEN];
    uint8_t seed [AUDIT_ED25519_LEN];
    uint8_t pub [AUDIT_ED25519_LEN];
    EVP_PKEY *pkey;
};

struct _audit_verifier_t {
    char name [AUDIT_KEY_NAME_MAX + 1];
    uint8_t keyid [AUDIT_KEY_ID_LEN];
    uint8_t pub [AUDIT_ED25519_LEN];
    EVP_PKEY *pkey;
};

static bool
s_name_ok (const char *name, size_t len)
{
    if (len == 0 || len > AUDIT_KEY_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (name [i] <= 0x20 || name [i] >= 0x7f || name [i] == '+')
            return false;
    return true;
}

//  keyid = SHA-256(name || "\n" || 0x01 || pub)[0:4] (signed-note key id).
static int
s_keyid (uint8_t keyid [AUDIT_KEY_ID_LEN], const char *name,
         const uint8_t pub [AUDIT_ED25519_LEN])
{
    size_t nlen = strlen (name);
    uint8_t buf [AUDIT_KEY_NAME_MAX + 2 + AUDIT_ED25519_LEN];
    memcpy (buf, name, nlen);
    buf [nlen] = '\n';
    buf [nlen + 1] = S_ALG_ED25519;
    memcpy (buf + nlen + 2, pub, AUDIT_ED25519_LEN);
    uint8_t digest [32];
    unsigned int dlen = 0;
    if (!EVP_Digest (buf, nlen + 2 + AUDIT_ED25519_LEN, digest, &dlen, EVP_sha256 (), NULL))
        return util_error (UTIL_ECRYPTO, "OpenSSL SHA-256 failed");
    memcpy (keyid, digest, AUDIT_KEY_ID_LEN);
    return 0;
}

static audit_signer_t *
s_signer_from_seed (const char *name, size_t nlen, const uint8_t seed [AUDIT_ED25519_LEN])
{
    if (!s_name_ok (name, nlen)) {
        util_error (UTIL_EINPUT, "key name must be 1..%d printable characters without space or '+'",
                    AUDIT_KEY_NAME_MAX);
        return NULL;
    }
    audit_signer_t *self = util_calloc (1, sizeof *self);
    if (!self) {
        util_error_context ("signer key");
        return NULL;
    }
    memcpy (self->name, name, nlen);
    memcpy (self->seed, seed, AUDIT_ED25519_LEN);
    size_t plen = AUDIT_ED25519_LEN;
    self->pkey = EVP_PKEY_new_raw_private_key (EVP_PKEY_ED25519, NULL, seed, AUDIT_ED25519_LEN);
    if (!self->pkey
    ||  !EVP_PKEY_get_raw_public_key (self->pkey, self->pub, &plen)
    ||  plen != AUDIT_ED25519_LEN) {
        util_error (UTIL_ECRYPTO, "OpenSSL could not load the Ed25519 key");
        audit_signer_destroy (&self);
        return NULL;
    }
    if (s_keyid (self->keyid, self->name, self->pub))
        audit_signer_destroy (&self);
    return self;
}

audit_signer_t *
audit_signer_generate (const char *name)
{
    uint8_t seed [AUDIT_ED25519_LEN];
    if (RAND_bytes (seed, sizeof seed) != 1) {
        util_error (UTIL_ECRYPTO, "OpenSSL RAND_bytes failed");
        return NULL;
    }
    audit_signer_t *self = s_signer_from_seed (name, name? strlen (name): 0, seed);
    OPENSSL_cleanse (seed, sizeof seed);
    return self;
}

//  Splits "<name>+<keyid hex>+<base64(0x01 || key)>" into its checked parts.
static int
s_parse_parts (const char *text, size_t len, char name [AUDIT_KEY_NAME_MAX + 1],
               uint8_t keyid [AUDIT_KEY_ID_LEN], uint8_t key [AUDIT_ED25519_LEN])
{
    const char *plus1 = memchr (text, '+', len);
    if (!plus1)
        return util_error (UTIL_EINPUT, "key: expected <name>+<keyid>+<key>");
    size_t nlen = (size_t) (plus1 - text);
    if (!s_name_ok (text, nlen))
        return util_error (UTIL_EINPUT, "key: name must be 1..%d printable characters without space or '+'",
                           AUDIT_KEY_NAME_MAX);
    const char *hex = plus1 + 1;
    const char *end = text + len;
    if (end - hex < 2 * AUDIT_KEY_ID_LEN + 1 || hex [2 * AUDIT_KEY_ID_LEN] != '+')
        return util_error (UTIL_EINPUT, "key: key id must be %d hex digits followed by '+'",
                           2 * AUDIT_KEY_ID_LEN);
    if (util_hex_decode (keyid, AUDIT_KEY_ID_LEN, hex, 2 * AUDIT_KEY_ID_LEN))
        return util_error (UTIL_EINPUT, "key: key id must be lower-case hex");
    const char *b64 = hex + 2 * AUDIT_KEY_ID_LEN + 1;
    uint8_t raw [1 + AUDIT_ED25519_LEN];
    size_t rawlen = 0;
    if (util_b64_decode (raw, sizeof raw, &rawlen, b64, (size_t) (end - b64))
    ||  rawlen != sizeof raw) {
        OPENSSL_cleanse (raw, sizeof raw);
        return util_error (UTIL_EINPUT, "key: key must be base64 of 33 bytes");
    }
    if (raw [0] != S_ALG_ED25519) {
        OPENSSL_cleanse (raw, sizeof raw);
        return util_error (UTIL_EINPUT, "key: algorithm byte %u is not Ed25519 (1)", raw [0]);
    }
    memcpy (name, text, nlen);
    name [nlen] = '\0';
    memcpy (key, raw + 1, AUDIT_ED25519_LEN);
    OPENSSL_cleanse (raw, sizeof raw);
    return 0;
}

audit_signer_t *
audit_signer_parse (const char *text, size_t len)
{
    size_t plen = strlen (S_PRIVATE_PREFIX);
    if (len > AUDIT_KEY_TEXT_MAX || len < plen || memcmp (text, S_PRIVATE_PREFIX, plen) != 0) {
        util_error (UTIL_EINPUT, "signer key must start with '%s' and be at most %d characters",
                    S_PRIVATE_PREFIX, AUDIT_KEY_TEXT_MAX);
        return NULL;
    }
    char name [AUDIT_KEY_NAME_MAX + 1];
    uint8_t keyid [AUDIT_KEY_ID_LEN], seed [AUDIT_ED25519_LEN];
    if (s_parse_parts (text + plen, len - plen, name, keyid, seed))
        return NULL;
    audit_signer_t *self = s_signer_from_seed (name, strlen (name), seed);
    OPENSSL_cleanse (seed, sizeof seed);
    if (self && memcmp (keyid, self->keyid, AUDIT_KEY_ID_LEN) != 0) {
        util_error (UTIL_EINPUT, "signer key: key id does not match the name and key");
        audit_signer_destroy (&self);
    }
    return self;
}

//  Reads a one-line key file: the line, then exactly one "\n". `flags` are
//  util_file_read's (a signer key is secret and private).
static char *
s_read_key_file (const char *path, unsigned flags, size_t *len)
{
    char *text = NULL;
    if (util_file_read (path, AUDIT_KEY_TEXT_MAX + 1, flags, &text, len))
        return NULL;
    if (*len == 0 || text [*len - 1] != '\n' || memchr (text, '\n', *len - 1)
    ||  strlen (text) != *len) {
        OPENSSL_cleanse (text, *len);
        free (text);
        util_error (UTIL_EINPUT, "%s: a key file holds exactly one line ending in a newline", path);
        return NULL;
    }
    (*len)--;
    return text;
}

audit_signer_t *
audit_signer_load (const char *path)
{
    //  The mode is checked on the open file: no window between the check
    //  and the read.
    size_t len = 0;
    char *text = s_read_key_file (path, UTIL_FILE_SECRET | UTIL_FILE_PRIVATE, &len);
    if (!text)
        return NULL;
    audit_signer_t *self = audit_signer_parse (text, len);
    OPENSSL_cleanse (text, len);
    free (text);
    if (!self)
        util_error_context ("%s", path);
    return self;
}

static char *
s_format (const char *prefix, const char *name, const uint8_t keyid [AUDIT_KEY_ID_LEN],
          const uint8_t key [AUDIT_ED25519_LEN])
{
    uint8_t raw [1 + AUDIT_ED25519_LEN];
    raw [0] = S_ALG_ED25519;
    memcpy (raw + 1, key, AUDIT_ED25519_LEN);
    char b64 [UTIL_B64_LEN (sizeof raw)], hex [2 * AUDIT_KEY_ID_LEN + 1];
    util_b64_encode (b64, raw, sizeof raw);
    util_hex_encode (hex, keyid, AUDIT_KEY_ID_LEN);
    char *text = util_malloc (AUDIT_KEY_TEXT_MAX + 1);
    if (text)
        snprintf (text, AUDIT_KEY_TEXT_MAX + 1, "%s%s+%s+%s", prefix, name, hex, b64);
    else
        util_error_context ("formatting key '%s'", name);
    OPENSSL_cleanse (raw, sizeof raw);
    OPENSSL_cleanse (b64, sizeof b64);
    return text;
}

char *
audit_signer_text (const audit_signer_t *self)
{
    return s_format (S_PRIVATE_PREFIX, self->name, self->keyid, self->seed);
}

char *
audit_signer_verifier_text (const audit_signer_t *self)
{
    return s_format ("", self->name, self->keyid, self->pub);
}

void
audit_key_text_free (char *text)
{
    if (text) {
        OPENSSL_cleanse (text, strlen (text));
        free (text);
    }
}

int
audit_signer_save (const audit_signer_t *self, const char *path)
{
    char *text = audit_signer_text (self);
    if (!text)
        return -1;
    size_t len = strlen (text);
    text [len] = '\n';
    int rc = util_file_write (path, text, len + 1, 0600, 0);
    OPENSSL_cleanse (text, AUDIT_KEY_TEXT_MAX + 1);
    free (text);
    return rc;
}

const char *
audit_signer_name (const audit_signer_t *self)
{
    return self->name;
}

const uint8_t *
audit_signer_keyid (const audit_signer_t *self)
{
    return self->keyid;
}

int
audit_signer_sign (const audit_signer_t *self, uint8_t sig [AUDIT_SIGNATURE_LEN],
                   const void *msg, size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
    if (!ctx)
        return util_error (UTIL_ENOMEM, "out of memory signing with key '%s'", self->name);
    size_t siglen = AUDIT_SIGNATURE_LEN;
    int ok = EVP_DigestSignInit (ctx, NULL, NULL, NULL, self->pkey) == 1
          && EVP_DigestSign (ctx, sig, &siglen, msg, len) == 1
          && siglen == AUDIT_SIGNATURE_LEN;
    EVP_MD_CTX_free (ctx);
    return ok? 0: util_error (UTIL_ECRYPTO, "OpenSSL Ed25519 signing failed");
}

void
audit_signer_destroy (audit_signer_t **self_p)
{
    if (self_p && *self_p) {
        audit_signer_t *self = *self_p;
        EVP_PKEY_free (self->pkey);
        OPENSSL_cleanse (self, sizeof *self);
        free (self);
        *self_p = NULL;
    }
}

audit_verifier_t *
audit_verifier_parse (const char *text, size_t len)
{
    if (len > AUDIT_KEY_TEXT_MAX) {
        util_error (UTIL_ELIMIT, "verifier key longer than %d characters", AUDIT_KEY_TEXT_MAX);
        return NULL;
    }
    audit_verifier_t *self = util_calloc (1, sizeof *self);
    if (!self) {
        util_error_context ("verifier key");
        return NULL;
    }
    uint8_t keyid [AUDIT_KEY_ID_LEN];
    if (s_parse_parts (text, len, self->name, keyid, self->pub)) {
        audit_verifier_destroy (&self);
        return NULL;
    }
    self->pkey = EVP_PKEY_new_raw_public_key (EVP_PKEY_ED25519, NULL, self->pub,
                                              AUDIT_ED25519_LEN);
    if (!self->pkey) {
        util_error (UTIL_EINPUT, "verifier key: not a valid Ed25519 public key");
        audit_verifier_destroy (&self);
        return NULL;
    }
    if (s_keyid (self->keyid, self->name, self->pub)
    ||  memcmp (keyid, self->keyid, AUDIT_KEY_ID_LEN) != 0) {
        util_error (UTIL_EINPUT, "verifier key: key id does not match the name and key");
        audit_verifier_destroy (&self);
    }
    return self;
}

audit_verifier_t *
audit_verifier_load (const char *path)
{
    size_t len = 0;
    char *text = s_read_key_file (path, 0, &len);
    if (!text)
        return NULL;
    audit_verifier_t *self = audit_verifier_parse (text, len);
    free (text);
    if (!self)
        util_error_context ("%s", path);
    return self;
}

char *
audit_verifier_text (const audit_verifier_t *self)
{
    return s_format ("", self->name, self->keyid, self->pub);
}

const char *
audit_verifier_name (const audit_verifier_t *self)
{
    return self->name;
}

const uint8_t *
audit_verifier_keyid (const audit_verifier_t *self)
{
    return self->keyid;
}

int
audit_verifier_verify (const audit_verifier_t *self, const uint8_t sig [AUDIT_SIGNATURE_LEN],
                       const void *msg, size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
    if (!ctx)
        return util_error (UTIL_ENOMEM, "out of memory verifying with key '%s'", self->name);
    int ok = EVP_DigestVerifyInit (ctx, NULL, NULL, NULL, self->pkey) == 1
          && EVP_DigestVerify (ctx, sig, AUDIT_SIGNATURE_LEN, msg, len) == 1;
    EVP_MD_CTX_free (ctx);
    return ok? 0: util_error (UTIL_ECRYPTO, "Ed25519 signature by key '%s' does not verify", self->name);
}

void
audit_verifier_destroy (audit_verifier_t **self_p)
{
    if (self_p && *self_p) {
        EVP_PKEY_free ((*self_p)->pkey);
        free (*self_p);
        *self_p = NULL;
    }
}
