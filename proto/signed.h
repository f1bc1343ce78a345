/*  proto/signed.h - what analysts and sites sign, so that a coordinator
    can neither change a study in flight nor get one site's update
    decrypted (docs/protocol.md, "Signed studies and updates";
    docs/threat-model.md).

    A study is signed by its analyst (the Ed25519 key the analyst's role
    certificate names): Launch carries the signature, the coordinator checks
    it and passes it on in the StudyOffer with the analyst's certificate,
    and every site checks both before it accepts. The signature covers

        SHA-256( "cohort-study/v1" 0x00  u64be signed_at  nonce[16]
                 u32be len  study.cfg text )

    signed_at is the analyst's clock (unix seconds) and the nonce 16 bytes
    from the CSPRNG: a site refuses a signature older than its window (or
    from more than PROTO_STUDY_SKEW_S in the future) and one whose nonce it
    has accepted before (proto_replay_t), so that a study is run once per
    launch.

    Each site signs every update it sends (its own key, named by its site
    certificate), over

        SHA-256( "cohort-update/v1" 0x00  study id 0x00  u32be round
                 u32be share index  SHA-256(ciphertexts) )

    A decryption request carries every summed update with its signature and
    its site's certificate; site/verify.h checks them.

    Contents
        proto_study_sig_t           a study's signature, time and nonce
        proto_study_sign            the analyst signs a study
        proto_study_verify          a site (or the coordinator) checks one
        proto_update_digest         SHA-256 of an update's ciphertexts
        proto_update_sign           a site signs its update
        proto_update_verify         anyone checks one
        proto_replay_t              the study nonces a site has accepted
        proto_replay_new, proto_replay_check, proto_replay_destroy

    Errors are -1 with the reason in the error slot (util/error.h): "study
    signature: <what>" or "update signature: <what>".
*/
#ifndef PROTO_SIGNED_H
#define PROTO_SIGNED_H

#include "proto.h"
#include "audit/key.h"

#include <stddef.h>
#include <stdint.h>

#define PROTO_SIG_LEN           64      //  Ed25519
#define PROTO_NONCE_LEN         16
#define PROTO_DIGEST_LEN        32      //  SHA-256
#define PROTO_STUDY_SKEW_S      300     //  a signature this far in the future is taken
#define PROTO_STUDY_MAX_AGE_S   3600    //  default window (site.cfg study_max_age_s)
#define PROTO_REPLAY_MAX        4096    //  nonces a site remembers

typedef struct {
    uint64_t signed_at;                 //  unix seconds, the analyst's clock
    uint8_t nonce [PROTO_NONCE_LEN];
    uint8_t sig [PROTO_SIG_LEN];
} proto_study_sig_t;

/*  Signs the study text `cfg` now, with a fresh nonce. 0 or -1. */
int proto_study_sign (proto_study_sig_t *out, const audit_signer_t *analyst,
                      const char *cfg) PROTO_WUR;

/*  Checks that `sig` is the analyst's signature of `cfg`, made no more
    than max_age_s before `now` and no more than PROTO_STUDY_SKEW_S after.
    0, or -1 with "study signature: ..." (UTIL_EREFUSED). */
int proto_study_verify (const proto_study_sig_t *sig, const audit_verifier_t *analyst,
                        const char *cfg, uint64_t now, uint64_t max_age_s) PROTO_WUR;

/*  SHA-256 of buf[0:len]. 0 or -1 (OpenSSL failed). */
int proto_update_digest (uint8_t out [PROTO_DIGEST_LEN], const uint8_t *buf, size_t len) PROTO_WUR;

/*  The site's signature of its update (the serialised ciphertexts) for
    study `study_id`, round `round`, as share `index`. 0 or -1. */
int proto_update_sign (uint8_t sig [PROTO_SIG_LEN], const audit_signer_t *site,
                       const char *study_id, uint32_t round, uint32_t index,
                       const uint8_t *cts, size_t len) PROTO_WUR;

/*  Checks a signature (sig_len bytes) of an update. 0, or -1 with "update
    signature: ..." (UTIL_EREFUSED). */
int proto_update_verify (const uint8_t *sig, size_t sig_len, const audit_verifier_t *site,
                         const char *study_id, uint32_t round, uint32_t index,
                         const uint8_t *cts, size_t len) PROTO_WUR;

/*  The study nonces a site has accepted within its window, at most
    PROTO_REPLAY_MAX (a nonce older than the window is forgotten: its
    signature is refused as too old anyway). Held in memory: a site that
    restarts forgets them (docs/threat-model.md). */
typedef struct _proto_replay_t proto_replay_t;

proto_replay_t *proto_replay_new (uint64_t max_age_s);
void proto_replay_destroy (proto_replay_t **self_p);

/*  Records the signature's nonce, or refuses it (-1, UTIL_EREFUSED) when it
    was recorded before ("study signature: this signed study was offered
    before (a replay)") or when PROTO_REPLAY_MAX nonces within the window
    are held. */
int proto_replay_check (proto_replay_t *self, const proto_study_sig_t *sig, uint64_t now) PROTO_WUR;

#endif
