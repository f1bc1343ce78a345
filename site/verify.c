/*  site/verify.c - what a site checks before it partially decrypts
    (site/verify.h). */
#include "verify.h"
#include "he/serial.h"
#include "proto/plan.h"
#include "util/alloc.h"
#include "util/error.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *text;                     //  the certificate as it came
    proto_rolecert_t *cert;         //  ... opened
} s_peer_t;

struct _site_peers_t {
    const audit_verifier_t *admin;
    const proto_revocations_t *revocations;
    s_peer_t peer [PROTO_MAX_PARTIES + 1];     //  by share index
};

site_peers_t *
site_peers_new (const audit_verifier_t *admin)
{
    site_peers_t *self = util_calloc (1, sizeof *self);
    if (self)
        self->admin = admin;
    return self;
}

void
site_peers_destroy (site_peers_t **self_p)
{
    site_peers_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i <= PROTO_MAX_PARTIES; i++) {
        free (self->peer [i].text);
        proto_rolecert_destroy (&self->peer [i].cert);
    }
    free (self);
    *self_p = NULL;
}

void
site_peers_set_revocations (site_peers_t *self, const proto_revocations_t *revocations)
{
    self->revocations = revocations;
}

const audit_verifier_t *
site_peers_signer (site_peers_t *self, const char *cert, unsigned index, uint64_t now)
{
    if (index < 1 || index > PROTO_MAX_PARTIES) {
        util_error (UTIL_EINPUT, "site certificate for share %u: no such share (1..%d)", index,
                    PROTO_MAX_PARTIES);
        return NULL;
    }
    s_peer_t *p = &self->peer [index];
    if (!p->text || strcmp (p->text, cert)) {
        free (p->text);
        p->text = NULL;
        proto_rolecert_destroy (&p->cert);
        p->cert = proto_rolecert_open (cert, strlen (cert), self->admin, now);
        if (!p->cert) {
            util_error_context ("site certificate for share %u", index);
            return NULL;
        }
        if (!(p->text = util_strdup (cert))) {
            proto_rolecert_destroy (&p->cert);
            util_error_context ("site certificate for share %u", index);
            return NULL;
        }
    }
    const proto_rolecert_t *c = p->cert;
    if (c->role != PROTO_ROLE_SITE || c->index != index) {
        util_error (UTIL_EREFUSED, "site certificate for share %u: it is %s '%s'%s", index,
                    proto_role_name (c->role), c->name,
                    c->role == PROTO_ROLE_SITE? " of another share": ", not a site");
        return NULL;
    }
    if (now > c->not_after) {
        util_error (UTIL_EREFUSED, "site certificate for share %u: '%s' expired", index, c->name);
        return NULL;
    }
    if (proto_revocations_has (self->revocations, c->serial)) {
        util_error (UTIL_EREFUSED, "site certificate for share %u: '%s' (serial %llu) is revoked",
                    index, c->name, (unsigned long long) c->serial);
        return NULL;
    }
    return c->signer;
}

int
site_verify_offer (site_peers_t *peers, proto_replay_t *replay, const Cohort__StudyOffer *offer,
                   uint64_t now, uint64_t max_age_s, char *analyst, size_t size)
{
    snprintf (analyst, size, "?");
    if (!offer->analyst_cert || !*offer->analyst_cert || offer->study_sig.len != PROTO_SIG_LEN
    ||  offer->nonce.len != PROTO_NONCE_LEN)
        return util_error (UTIL_EREFUSED, "offer: the study comes without its analyst's "
                           "certificate and signature");
    proto_rolecert_t *cert = proto_rolecert_open (offer->analyst_cert,
                                                  strlen (offer->analyst_cert), peers->admin, now);
    if (!cert)
        return util_error_context ("offer: analyst certificate");
    snprintf (analyst, size, "%s", cert->name);
    int rc = 0;
    if (cert->role != PROTO_ROLE_ANALYST)
        rc = util_error (UTIL_EREFUSED, "offer: '%s' is a%s %s, not an analyst: only analysts "
                         "launch studies", cert->name, cert->role == PROTO_ROLE_ADMIN
                         || cert->role == PROTO_ROLE_OBSERVER? "n": "",
                         proto_role_name (cert->role));
    else
    if (proto_revocations_has (peers->revocations, cert->serial))
        rc = util_error (UTIL_EREFUSED, "offer: analyst '%s' (serial %llu) is revoked",
                         cert->name, (unsigned long long) cert->serial);
    else {
        proto_study_sig_t sig;
        sig.signed_at = offer->signed_at;
        memcpy (sig.nonce, offer->nonce.data, PROTO_NONCE_LEN);
        memcpy (sig.sig, offer->study_sig.data, PROTO_SIG_LEN);
        if (proto_study_verify (&sig, cert->signer, offer->study_cfg, now, max_age_s)
        ||  proto_replay_check (replay, &sig, now))
            rc = util_error_context ("offer");
    }
    proto_rolecert_destroy (&cert);
    return rc;
}

int
site_verify_request (site_peers_t *peers, const he_pubkey_t *pk, const Cohort__DecryptRequest *req,
                     const site_decrypt_ctx_t *ctx, const mpz_t *aggregate, size_t n, uint64_t now)
{
    size_t k = req->n_contributions;
    if (k < ctx->min_sites)
        return util_error (UTIL_EREFUSED, "decrypt: the aggregate sums %zu signed update%s, the "
                           "study needs at least %u", k, k == 1? "": "s", ctx->min_sites);
    if (k > PROTO_MAX_PARTIES)
        return util_error (UTIL_EREFUSED, "decrypt: %zu updates, at most %d", k, PROTO_MAX_PARTIES);
    if (n != ctx->expected_cts)
        return util_error (UTIL_EREFUSED, "decrypt: %zu ciphertexts, this site contributed %zu", n,
                           ctx->expected_cts);
    bool seen [PROTO_MAX_PARTIES + 1] = { false };
    bool own = false;
    for (size_t i = 0; i < k; i++) {
        const Cohort__Contribution *c = req->contributions [i];
        if (c->index < 1 || c->index > PROTO_MAX_PARTIES || seen [c->index])
            return util_error (UTIL_EREFUSED, "decrypt: share %u %s", c->index,
                               c->index < 1 || c->index > PROTO_MAX_PARTIES
                               ? "does not exist": "is summed twice");
        seen [c->index] = true;
        const audit_verifier_t *signer = site_peers_signer (peers, c->role_cert, c->index, now);
        if (!signer)
            return util_error_context ("decrypt");
        if (proto_update_verify (c->signature.data, c->signature.len, signer, ctx->study_id,
                                 ctx->round, c->index, c->ciphertexts.data, c->ciphertexts.len))
            return util_error_context ("decrypt: share %u", c->index);
        if (c->index == ctx->own_index) {
            uint8_t digest [PROTO_DIGEST_LEN];
            if (proto_update_digest (digest, c->ciphertexts.data, c->ciphertexts.len))
                return util_error_context ("decrypt");
            if (memcmp (digest, ctx->own_digest, PROTO_DIGEST_LEN))
                return util_error (UTIL_EREFUSED, "decrypt: the update summed as this site's "
                                   "(share %u) is not the one it sent", c->index);
            own = true;
        }
    }
    if (!own)
        return util_error (UTIL_EREFUSED, "decrypt: this site's own update (share %u) is not "
                           "among the %zu summed", ctx->own_index, k);
    //  The product of the signed updates, against the aggregate.
    mpz_t *sum = util_calloc (n, sizeof (mpz_t));
    if (!sum)
        return util_error_context ("decrypt");
    for (size_t j = 0; j < n; j++)
        mpz_init_set_ui (sum [j], 1);
    int rc = 0;
    for (size_t i = 0; i < k && !rc; i++) {
        const Cohort__Contribution *c = req->contributions [i];
        mpz_t *cts = NULL;
        size_t m = 0;
        if (he_vector_deserialize (&cts, &m, pk, c->ciphertexts.data, c->ciphertexts.len,
                                   ctx->expected_cts))
            rc = util_error_context ("decrypt: share %u's update", c->index);
        else
        if (m != n)
            rc = util_error (UTIL_EREFUSED, "decrypt: share %u's update has %zu ciphertexts, "
                             "not %zu", c->index, m, n);
        for (size_t j = 0; j < n && !rc; j++)
            he_add (sum [j], pk, sum [j], cts [j]);
        he_vector_free (&cts, m);
    }
    for (size_t j = 0; j < n && !rc; j++)
        if (mpz_cmp (sum [j], aggregate [j]))
            rc = util_error (UTIL_EREFUSED, "decrypt: the aggregate is not the product of the %zu "
                             "signed updates (ciphertext %zu differs)", k, j);
    for (size_t j = 0; j < n; j++)
        mpz_clear (sum [j]);
    free (sum);
    return rc;
}
