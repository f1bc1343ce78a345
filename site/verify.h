/*  site/verify.h - what a site checks before it partially decrypts
    (docs/protocol.md, "Signed studies and updates"; docs/threat-model.md).

    A decryption request carries the round's aggregate and every update it
    sums, each with its site's signature (proto/signed.h) and role
    certificate. The site decrypts only when

      - there are at least min_sites contributions, with distinct share
        indexes, each signed for this study and round by the site its
        certificate names (a site certificate of this consortium's admin,
        for that share index, not expired, not on the revocation list);
      - its own update is among them, byte for byte as it sent it;
      - the aggregate is the product (mod n^2) of the contributions'
        ciphertexts, recomputed here.

    so that a coordinator cannot have one site's update (or any sum of
    fewer than min_sites updates) decrypted. The cost is stated in
    docs/threat-model.md and measured by `cohort bench federation`
    (verify_aggregate_ms_3_sites, verify_aggregate_ms_20_sites).

    Contents
        site_peers_t                the other sites' certificates, opened once
        site_peers_new, site_peers_destroy
        site_peers_signer           the checked signing key of a certificate
        site_verify_offer           an offer's analyst certificate and signature
        site_decrypt_ctx_t          what this site knows of the round
        site_verify_request         every check above

    Errors are -1 with the reason in the error slot: "decrypt: <what>".
*/
#ifndef SITE_VERIFY_H
#define SITE_VERIFY_H

#include "audit/key.h"
#include "he/paillier.h"
#include "proto/message.h"
#include "proto/rolecert.h"
#include "proto/signed.h"

#include <gmp.h>
#include <stddef.h>
#include <stdint.h>

typedef struct _site_peers_t site_peers_t;

/*  Certificates are checked against `admin` (borrowed; must outlive the
    cache) and `revocations` (borrowed, may be NULL; see
    site_peers_set_revocations). NULL when out of memory. */
site_peers_t *site_peers_new (const audit_verifier_t *admin);
void site_peers_destroy (site_peers_t **self_p);

/*  The revocation list certificates are checked against from now on
    (borrowed; NULL for none). */
void site_peers_set_revocations (site_peers_t *self, const proto_revocations_t *revocations);

/*  The signing key of the site certificate `cert` for share `index`
    (borrowed from the cache: valid until the next call for that index),
    after checking that it opens with the admin's key, is a site's, names
    `index`, has not expired at `now` and is not revoked. A certificate is
    opened once and kept while the same text comes back. NULL with
    "site certificate for share <i>: <what>". */
const audit_verifier_t *site_peers_signer (site_peers_t *self, const char *cert, unsigned index,
                                           uint64_t now);

/*  Checks a study offer before anything of it is used: the analyst's
    certificate opens with the admin's key at `now`, is an analyst's and is
    not revoked; the analyst's signature of study_cfg verifies and was made
    within max_age_s (proto_study_verify); its nonce was not offered before
    (recorded in `replay`). Writes the analyst's name into `analyst`.
    0, or -1 with "offer: <what>" (UTIL_EREFUSED). */
int site_verify_offer (site_peers_t *peers, proto_replay_t *replay,
                       const Cohort__StudyOffer *offer, uint64_t now, uint64_t max_age_s,
                       char *analyst, size_t size);

typedef struct {
    const char *study_id;
    uint32_t round;
    unsigned min_sites;                 //  the study's (at least the key's threshold)
    unsigned own_index;                 //  this site's share index
    const uint8_t *own_digest;          //  SHA-256 of the ciphertexts it sent this round
    size_t expected_cts;                //  ciphertexts per update
} site_decrypt_ctx_t;

/*  Every check above on `req`, whose aggregate was decoded into
    aggregate[0 .. n). 0, or -1 with the reason (UTIL_EREFUSED for a
    request that fails a check, UTIL_EINPUT for a malformed update,
    UTIL_ENOMEM). */
int site_verify_request (site_peers_t *peers, const he_pubkey_t *pk,
                         const Cohort__DecryptRequest *req, const site_decrypt_ctx_t *ctx,
                         const mpz_t *aggregate, size_t n, uint64_t now);

#endif
