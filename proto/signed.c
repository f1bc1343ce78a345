/*  proto/signed.c - study and update signatures (proto/signed.h). */
#include "signed.h"
#include "util/alloc.h"
#include "util/error.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_STUDY_TAG "cohort-study/v1"
#define S_UPDATE_TAG "cohort-update/v1"

static void
s_be32 (uint8_t *out, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        out [i] = (uint8_t) (v >> (24 - 8 * i));
}

static void
s_be64 (uint8_t *out, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        out [i] = (uint8_t) (v >> (56 - 8 * i));
}

//  SHA-256 over `n` pieces. 0 or -1.
static int
s_sha256 (uint8_t out [PROTO_DIGEST_LEN], const void *const *piece, const size_t *len, int n)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
    int ok = ctx && EVP_DigestInit_ex (ctx, EVP_sha256 (), NULL) == 1;
    for (int i = 0; ok && i < n; i++)
        ok = EVP_DigestUpdate (ctx, piece [i], len [i]) == 1;
    unsigned int outlen = 0;
    ok = ok && EVP_DigestFinal_ex (ctx, out, &outlen) == 1 && outlen == PROTO_DIGEST_LEN;
    EVP_MD_CTX_free (ctx);
    return ok? 0: util_error (UTIL_EFAIL, "SHA-256: OpenSSL failed");
}

static int
s_study_digest (uint8_t out [PROTO_DIGEST_LEN], const proto_study_sig_t *sig, const char *cfg)
{
    size_t cfg_len = strlen (cfg);
    if (cfg_len > UINT32_MAX)
        return util_error (UTIL_EINPUT, "study signature: the study text is too long");
    uint8_t when [8], len [4];
    s_be64 (when, sig->signed_at);
    s_be32 (len, (uint32_t) cfg_len);
    const void *piece [] = { S_STUDY_TAG, when, sig->nonce, len, cfg };
    size_t size [] = { sizeof S_STUDY_TAG, 8, PROTO_NONCE_LEN, 4, cfg_len };
    return s_sha256 (out, piece, size, 5);
}

int
proto_study_sign (proto_study_sig_t *out, const audit_signer_t *analyst, const char *cfg)
{
    uint8_t digest [PROTO_DIGEST_LEN];
    out->signed_at = (uint64_t) time (NULL);
    if (RAND_bytes (out->nonce, PROTO_NONCE_LEN) != 1)
        return util_error (UTIL_EFAIL, "study signature: the CSPRNG failed");
    if (s_study_digest (digest, out, cfg))
        return -1;
    if (audit_signer_sign (analyst, out->sig, digest, sizeof digest))
        return util_error_context ("study signature");
    return 0;
}

int
proto_study_verify (const proto_study_sig_t *sig, const audit_verifier_t *analyst,
                    const char *cfg, uint64_t now, uint64_t max_age_s)
{
    uint8_t digest [PROTO_DIGEST_LEN];
    if (s_study_digest (digest, sig, cfg))
        return -1;
    if (audit_verifier_verify (analyst, sig->sig, digest, sizeof digest))
        return util_error (UTIL_EREFUSED, "study signature: does not verify with the key of "
                           "analyst '%s' (the study text, its time or nonce was changed, or "
                           "another key signed it)", audit_verifier_name (analyst));
    if (sig->signed_at > now + PROTO_STUDY_SKEW_S)
        return util_error (UTIL_EREFUSED, "study signature: made %llu s in the future (more "
                           "than the %d s of clock skew allowed)",
                           (unsigned long long) (sig->signed_at - now), PROTO_STUDY_SKEW_S);
    if (now > sig->signed_at && now - sig->signed_at > max_age_s)
        return util_error (UTIL_EREFUSED, "study signature: made %llu s ago, more than the %llu s "
                           "a study may wait to be offered", (unsigned long long) (now - sig->signed_at),
                           (unsigned long long) max_age_s);
    return 0;
}

int
proto_update_digest (uint8_t out [PROTO_DIGEST_LEN], const uint8_t *buf, size_t len)
{
    const void *piece [] = { buf };
    size_t size [] = { len };
    return s_sha256 (out, piece, size, 1);
}

static int
s_update_message (uint8_t out [PROTO_DIGEST_LEN], const char *study_id, uint32_t round,
                  uint32_t index, const uint8_t *cts, size_t len)
{
    uint8_t inner [PROTO_DIGEST_LEN], be [8];
    if (proto_update_digest (inner, cts, len))
        return -1;
    s_be32 (be, round);
    s_be32 (be + 4, index);
    const void *piece [] = { S_UPDATE_TAG, study_id, "", be, inner };
    size_t size [] = { sizeof S_UPDATE_TAG, strlen (study_id), 1, 8, sizeof inner };
    return s_sha256 (out, piece, size, 5);
}

int
proto_update_sign (uint8_t sig [PROTO_SIG_LEN], const audit_signer_t *site, const char *study_id,
                   uint32_t round, uint32_t index, const uint8_t *cts, size_t len)
{
    uint8_t digest [PROTO_DIGEST_LEN];
    if (s_update_message (digest, study_id, round, index, cts, len))
        return -1;
    if (audit_signer_sign (site, sig, digest, sizeof digest))
        return util_error_context ("update signature");
    return 0;
}

int
proto_update_verify (const uint8_t *sig, size_t sig_len, const audit_verifier_t *site,
                     const char *study_id, uint32_t round, uint32_t index, const uint8_t *cts,
                     size_t len)
{
    if (sig_len != PROTO_SIG_LEN)
        return util_error (UTIL_EREFUSED, "update signature: %s", sig_len? "not 64 bytes"
                                                                         : "missing");
    uint8_t digest [PROTO_DIGEST_LEN];
    if (s_update_message (digest, study_id, round, index, cts, len))
        return -1;
    if (audit_verifier_verify (site, sig, digest, sizeof digest))
        return util_error (UTIL_EREFUSED, "update signature: does not verify with the key of "
                           "site '%s' for share %u, study %s, round %u",
                           audit_verifier_name (site), index, study_id, round);
    return 0;
}

//  ---------------------------------------------------------------------

typedef struct {
    uint8_t nonce [PROTO_NONCE_LEN];
    uint64_t signed_at;
} s_seen_t;

struct _proto_replay_t {
    uint64_t max_age_s;
    s_seen_t *seen;
    size_t n;
};

proto_replay_t *
proto_replay_new (uint64_t max_age_s)
{
    proto_replay_t *self = util_calloc (1, sizeof *self);
    if (self && !(self->seen = util_calloc (PROTO_REPLAY_MAX, sizeof *self->seen)))
        proto_replay_destroy (&self);
    if (self)
        self->max_age_s = max_age_s;
    return self;
}

void
proto_replay_destroy (proto_replay_t **self_p)
{
    if (!*self_p)
        return;
    free ((*self_p)->seen);
    free (*self_p);
    *self_p = NULL;
}

int
proto_replay_check (proto_replay_t *self, const proto_study_sig_t *sig, uint64_t now)
{
    //  Forget what has left the window: its signature is refused as too old.
    size_t kept = 0;
    for (size_t i = 0; i < self->n; i++)
        if (!(now > self->seen [i].signed_at && now - self->seen [i].signed_at > self->max_age_s))
            self->seen [kept++] = self->seen [i];
    self->n = kept;
    for (size_t i = 0; i < self->n; i++)
        if (memcmp (self->seen [i].nonce, sig->nonce, PROTO_NONCE_LEN) == 0)
            return util_error (UTIL_EREFUSED, "study signature: this signed study was offered "
                               "before (a replay): each launch is run once");
    if (self->n == PROTO_REPLAY_MAX)
        return util_error (UTIL_EREFUSED, "study signature: %d studies were offered within "
                           "the last %llu s, the most a site takes", PROTO_REPLAY_MAX,
                           (unsigned long long) self->max_age_s);
    memcpy (self->seen [self->n].nonce, sig->nonce, PROTO_NONCE_LEN);
    self->seen [self->n].signed_at = sig->signed_at;
    self->n++;
    return 0;
}
