/*  ingest/frame.c - sealed record frames: HKDF-SHA-256 per-record keys and
    AES-256-GCM / ChaCha20-Poly1305 through OpenSSL EVP. */
#include "frame.h"
#include "util/alloc.h"
#include "ingest_internal.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define S_KEY_LEN 32
#define S_IV_LEN  12
static const char s_salt [] = "cohort-ingest-v1";

//  Algorithms are fetched once per process: implicit fetches on every
//  record would cost more than the record's own cryptography.
//  Contexts are kept per thread for the same reason; a key's destructor
//  frees them when the thread ends.
//
//  HKDF is Extract then Expand (RFC 5869). The extract step depends on the
//  salt (fixed) and the device's secret only, and OpenSSL 3.0 fetches HMAC
//  by name on every extract (a tenth of an endpoint's time per record). So
//  each thread keeps the pseudorandom keys of the devices it last saw
//  (S_PRK_SLOTS, direct-mapped by the device id) and runs only
//  Expand per record: the same key and nonce as one-shot HKDF. The cache
//  holds secrets: it is wiped when a slot is replaced and when the thread
//  ends.
#define S_PRK_LEN   32              //  SHA-256's output
#define S_PRK_SLOTS 64
static EVP_KDF *s_hkdf;
static EVP_CIPHER *s_gcm;
static EVP_CIPHER *s_chacha;
static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static pthread_key_t s_ctx_key;
typedef struct {
    bool used;
    uint8_t secret [INGEST_SECRET_LEN];
    uint8_t prk [S_PRK_LEN];
} prk_slot_t;
typedef struct {
    EVP_KDF_CTX *extract;
    EVP_KDF_CTX *expand;
    EVP_CIPHER_CTX *cipher;
    prk_slot_t slots [S_PRK_SLOTS];
} ctxs_t;
static _Thread_local ctxs_t *s_ctxs;

static void
s_ctxs_free (void *p)
{
    ctxs_t *c = p;
    EVP_KDF_CTX_free (c->extract);
    EVP_KDF_CTX_free (c->expand);
    EVP_CIPHER_CTX_free (c->cipher);
    OPENSSL_cleanse (c->slots, sizeof c->slots);
    free (c);
}

static void
s_fetch (void)
{
    s_hkdf = EVP_KDF_fetch (NULL, "HKDF", NULL);
    s_gcm = EVP_CIPHER_fetch (NULL, "AES-256-GCM", NULL);
    s_chacha = EVP_CIPHER_fetch (NULL, "ChaCha20-Poly1305", NULL);
    if (pthread_key_create (&s_ctx_key, s_ctxs_free) != 0) {
        EVP_KDF_free (s_hkdf);
        s_hkdf = NULL;
    }
}

//  This thread's contexts, or NULL with the reason: UTIL_ENOMEM, or
//  UTIL_ECRYPTO when OpenSSL has no HKDF.
static ctxs_t *
s_thread_ctxs (void)
{
    pthread_once (&s_once, s_fetch);
    if (!s_hkdf)
        return util_error_null (UTIL_ECRYPTO, "frame: OpenSSL has no HKDF");
    if (!s_ctxs) {
        ctxs_t *c = util_calloc (1, sizeof *c);
        if (!c)
            return util_error_null (UTIL_ENOMEM, "frame: out of memory (key derivation)");
        //  The digest, salt and modes never change: set once, since setting
        //  the digest fetches it by name (a third of a derivation's time).
        int extract = EVP_KDF_HKDF_MODE_EXTRACT_ONLY, expand = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
        OSSL_PARAM fixed_extract [] = {
            OSSL_PARAM_construct_utf8_string (OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
            OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SALT, (void *) s_salt,
                                               sizeof s_salt - 1),
            OSSL_PARAM_construct_int (OSSL_KDF_PARAM_MODE, &extract),
            OSSL_PARAM_construct_end ()
        };
        OSSL_PARAM fixed_expand [] = {
            OSSL_PARAM_construct_utf8_string (OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
            OSSL_PARAM_construct_int (OSSL_KDF_PARAM_MODE, &expand),
            OSSL_PARAM_construct_end ()
        };
        const char *why = !(c->extract = EVP_KDF_CTX_new (s_hkdf))
                       || !(c->expand = EVP_KDF_CTX_new (s_hkdf))
                       || !(c->cipher = EVP_CIPHER_CTX_new ())? "out of memory (OpenSSL contexts)"
                        : EVP_KDF_CTX_set_params (c->extract, fixed_extract) != 1
                       || EVP_KDF_CTX_set_params (c->expand, fixed_expand) != 1
                        ? "HKDF-SHA-256 set-up failed"
                        : pthread_setspecific (s_ctx_key, c) != 0? "no thread-local slot": NULL;
        if (why) {
            s_ctxs_free (c);
            return util_error_null (strncmp (why, "out of", 6)? UTIL_ECRYPTO: UTIL_ENOMEM,
                                    "frame: %s", why);
        }
        s_ctxs = c;
    }
    return s_ctxs;
}

bool
ingest_device_id_ok (const char *id)
{
    size_t len = id? strlen (id): 0;
    return len >= 1 && len <= INGEST_DEVICE_ID_MAX
        && strspn (id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       "0123456789._-") == len;
}

static void
s_put_be (uint8_t *p, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--, v >>= 8)
        p [i] = (uint8_t) v;
}

static uint64_t
s_get_be (const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | p [i];
    return v;
}

//  Derives the record's key and nonce (frame.h gives the construction).
static int
s_record_key (uint8_t key [S_KEY_LEN], uint8_t nonce [S_IV_LEN],
              const ingest_frame_header_t *h, const uint8_t secret [INGEST_SECRET_LEN])
{
    ctxs_t *ctxs = s_thread_ctxs ();
    if (!ctxs)
        return -1;
    uint8_t info [6 + 2 + INGEST_DEVICE_ID_MAX + 4 + 8];
    size_t idlen = strlen (h->device_id);
    memcpy (info, "record", 6);
    info [6] = h->aead;
    info [7] = (uint8_t) idlen;
    memcpy (info + 8, h->device_id, idlen);
    s_put_be (info + 8 + idlen, h->epoch, 4);
    s_put_be (info + 12 + idlen, h->sequence, 8);
    //  The device's pseudorandom key: from the cache, or extracted now. The
    //  slot is chosen by the (public) device id, never by the secret, so
    //  which cache line is read says nothing of it (FNV-1a).
    uint32_t hash = 2166136261u;
    for (size_t i = 0; i < idlen; i++)
        hash = (hash ^ (uint8_t) h->device_id [i]) * 16777619u;
    prk_slot_t *slot = &ctxs->slots [hash % S_PRK_SLOTS];
    if (!slot->used || CRYPTO_memcmp (slot->secret, secret, INGEST_SECRET_LEN) != 0) {
        OPENSSL_cleanse (slot, sizeof *slot);
        OSSL_PARAM in [] = {
            OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_KEY, (void *) secret,
                                               INGEST_SECRET_LEN),
            OSSL_PARAM_construct_end ()
        };
        if (EVP_KDF_derive (ctxs->extract, slot->prk, S_PRK_LEN, in) != 1) {
            OPENSSL_cleanse (slot, sizeof *slot);
            return util_error (UTIL_ECRYPTO, "OpenSSL HKDF-SHA-256 (extract) failed");
        }
        memcpy (slot->secret, secret, INGEST_SECRET_LEN);
        slot->used = true;
    }
    uint8_t okm [S_KEY_LEN + S_IV_LEN];
    OSSL_PARAM params [] = {
        OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_KEY, slot->prk, S_PRK_LEN),
        OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_INFO, info, 20 + idlen),
        OSSL_PARAM_construct_end ()
    };
    int ok = EVP_KDF_derive (ctxs->expand, okm, sizeof okm, params) == 1;
    if (ok) {
        memcpy (key, okm, S_KEY_LEN);
        memcpy (nonce, okm + S_KEY_LEN, S_IV_LEN);
        for (int i = 0; i < 8; i++)
            nonce [4 + i] ^= (uint8_t) (h->sequence >> (56 - 8 * i));
    }
    OPENSSL_cleanse (okm, sizeof okm);
    return ok? 0: util_error (UTIL_ECRYPTO, "OpenSSL HKDF-SHA-256 failed");
}

static const EVP_CIPHER *
s_cipher (uint8_t aead)
{
    pthread_once (&s_once, s_fetch);
    return aead == INGEST_AEAD_AES_256_GCM? s_gcm
         : aead == INGEST_AEAD_CHACHA20_POLY1305? s_chacha: NULL;
}

//  Writes the header into out (which has room) and returns its length.
static size_t
s_header (uint8_t *out, const ingest_frame_header_t *h)
{
    size_t idlen = strlen (h->device_id);
    out [0] = INGEST_FRAME_VERSION;
    out [1] = h->aead;
    out [2] = (uint8_t) idlen;
    memcpy (out + 3, h->device_id, idlen);
    s_put_be (out + 3 + idlen, h->epoch, 4);
    s_put_be (out + 7 + idlen, h->sequence, 8);
    s_put_be (out + 15 + idlen, (uint64_t) h->timestamp_ms, 8);
    return INGEST_HEADER_FIXED + idlen;
}

int
ingest_frame_seal (uint8_t *out, size_t cap, size_t *out_len, const ingest_frame_header_t *h,
                 const uint8_t *payload, size_t payload_len,
                 const uint8_t secret [INGEST_SECRET_LEN])
{
    const EVP_CIPHER *cipher = s_cipher (h->aead);
    if (!cipher)
        return util_error (UTIL_EINPUT, "frame: unknown AEAD %u", h->aead);
    if (!ingest_device_id_ok (h->device_id))
        return util_error (UTIL_EINPUT, "frame: device id must be 1..%d of [A-Za-z0-9._-]",
                           INGEST_DEVICE_ID_MAX);
    if (h->timestamp_ms < 0)
        return util_error (UTIL_EINPUT, "frame: timestamp must not be negative");
    if (payload_len > INGEST_PAYLOAD_MAX)
        return util_error (UTIL_ELIMIT, "frame: payload of %zu bytes exceeds %d", payload_len,
                           INGEST_PAYLOAD_MAX);
    size_t need = INGEST_HEADER_FIXED + strlen (h->device_id) + payload_len + INGEST_TAG_LEN;
    if (cap < need)
        return util_error (UTIL_EINPUT, "frame: %zu bytes of room, %zu needed", cap, need);
    uint8_t key [S_KEY_LEN], nonce [S_IV_LEN];
    if (s_record_key (key, nonce, h, secret))
        return -1;
    size_t hlen = s_header (out, h);
    ctxs_t *ctxs = s_thread_ctxs ();
    EVP_CIPHER_CTX *ctx = ctxs? ctxs->cipher: NULL;
    int n = 0, fin = 0;
    int ok = ctx
          && EVP_EncryptInit_ex2 (ctx, cipher, key, nonce, NULL) == 1
          && EVP_EncryptUpdate (ctx, NULL, &n, out, (int) hlen) == 1
          && EVP_EncryptUpdate (ctx, out + hlen, &n, payload, (int) payload_len) == 1
          && EVP_EncryptFinal_ex (ctx, out + hlen + n, &fin) == 1
          && (size_t) (n + fin) == payload_len
          && EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_AEAD_GET_TAG, INGEST_TAG_LEN,
                                  out + hlen + payload_len) == 1;
    OPENSSL_cleanse (key, sizeof key);
    if (!ok)
        return util_error (UTIL_ECRYPTO, "frame: OpenSSL AEAD encryption failed");
    *out_len = need;
    return 0;
}

ingest_reason_t
ingest_frame_parse (ingest_frame_t *frame, const uint8_t *buf, size_t len)
{
    if (len > INGEST_FRAME_MAX)
        return ingest_reject (INGEST_TOO_LARGE, "frame: %zu bytes exceeds %d", len, INGEST_FRAME_MAX);
    if (len < 3)
        return ingest_reject (INGEST_MALFORMED_FRAME, "frame: %zu bytes is shorter than a header",
                              len);
    if (buf [0] != INGEST_FRAME_VERSION)
        return ingest_reject (INGEST_MALFORMED_FRAME, "frame: version %u is not %d", buf [0],
                              INGEST_FRAME_VERSION);
    if (buf [1] != INGEST_AEAD_AES_256_GCM && buf [1] != INGEST_AEAD_CHACHA20_POLY1305)
        return ingest_reject (INGEST_MALFORMED_FRAME, "frame: unknown AEAD %u", buf [1]);
    size_t idlen = buf [2];
    if (idlen < 1 || idlen > INGEST_DEVICE_ID_MAX)
        return ingest_reject (INGEST_MALFORMED_FRAME, "frame: device id length %zu not in 1..%d",
                              idlen, INGEST_DEVICE_ID_MAX);
    //  len <= INGEST_FRAME_MAX, so none of these sums can overflow.
    size_t hlen = INGEST_HEADER_FIXED + idlen;
    if (len < hlen + INGEST_TAG_LEN)
        return ingest_reject (INGEST_MALFORMED_FRAME, "frame: %zu bytes cannot hold a %zu-byte "
                              "header and a tag", len, hlen);
    ingest_frame_header_t h;
    memset (&h, 0, sizeof h);
    h.aead = buf [1];
    memcpy (h.device_id, buf + 3, idlen);
    if (memchr (h.device_id, '\0', idlen) || !ingest_device_id_ok (h.device_id))
        return ingest_reject (INGEST_MALFORMED_FRAME, "frame: device id is not [A-Za-z0-9._-]");
    h.epoch = (uint32_t) s_get_be (buf + 3 + idlen, 4);
    h.sequence = s_get_be (buf + 7 + idlen, 8);
    uint64_t ts = s_get_be (buf + 15 + idlen, 8);
    if (ts > INT64_MAX)
        return ingest_reject (INGEST_MALFORMED_FRAME, "frame: negative timestamp");
    h.timestamp_ms = (int64_t) ts;
    size_t clen = len - hlen - INGEST_TAG_LEN;
    if (clen > INGEST_PAYLOAD_MAX)
        return ingest_reject (INGEST_MALFORMED_FRAME, "frame: payload of %zu bytes exceeds %d",
                              clen, INGEST_PAYLOAD_MAX);
    frame->header = h;
    frame->aad = buf;
    frame->aad_len = hlen;
    frame->ciphertext = buf + hlen;
    frame->ciphertext_len = clen;
    frame->tag = buf + hlen + clen;
    return INGEST_OK;
}

ingest_reason_t
ingest_frame_open (uint8_t *payload, size_t cap, size_t *payload_len, const ingest_frame_t *frame,
                 const uint8_t secret [INGEST_SECRET_LEN])
{
    const EVP_CIPHER *cipher = s_cipher (frame->header.aead);
    if (!cipher || cap < frame->ciphertext_len)
        return ingest_reject (INGEST_MALFORMED_FRAME, "frame: no AEAD or no room to open");
    uint8_t key [S_KEY_LEN], nonce [S_IV_LEN];
    if (s_record_key (key, nonce, &frame->header, secret)) {
        //  Nothing was decided about the frame (the site's own failure keeps
        //  its code: ingest_undecided).
        util_cleanse (payload, frame->ciphertext_len);
        return INGEST_BAD_TAG;
    }
    ctxs_t *ctxs = s_thread_ctxs ();
    EVP_CIPHER_CTX *ctx = ctxs? ctxs->cipher: NULL;
    if (!ctx || EVP_DecryptInit_ex2 (ctx, cipher, key, nonce, NULL) != 1) {
        OPENSSL_cleanse (key, sizeof key);
        util_cleanse (payload, frame->ciphertext_len);
        if (ctx)
            util_error (UTIL_ECRYPTO, "frame: OpenSSL AEAD set-up failed");
        return INGEST_BAD_TAG;
    }
    int n = 0, fin = 0;
    int ok = 1
          && EVP_DecryptUpdate (ctx, NULL, &n, frame->aad, (int) frame->aad_len) == 1
          && EVP_DecryptUpdate (ctx, payload, &n, frame->ciphertext,
                                (int) frame->ciphertext_len) == 1
          && EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_AEAD_SET_TAG, INGEST_TAG_LEN,
                                  (void *) frame->tag) == 1
          && EVP_DecryptFinal_ex (ctx, payload + n, &fin) == 1;
    OPENSSL_cleanse (key, sizeof key);
    if (!ok) {
        //  Decryption ran before the tag was checked: wipe what it wrote.
        OPENSSL_cleanse (payload, frame->ciphertext_len);
        return ingest_reject (INGEST_BAD_TAG, "frame: device '%s' sequence %llu: tag does not "
                              "verify", frame->header.device_id,
                              (unsigned long long) frame->header.sequence);
    }
    *payload_len = (size_t) (n + fin);
    return INGEST_OK;
}
