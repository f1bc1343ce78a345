/*  libFuzzer target for site/verify.c and proto/signed.c: the input is
    decoded as a wire envelope (proto_decode); an offer goes through
    site_verify_offer (certificate, study signature, replay), a decryption
    request through site_verify_request under a small fixed key (its
    aggregate decoded first, as the worker does). Nothing may crash, and
    nothing the fuzzer makes can pass: it holds no analyst's or site's
    signing key, so every accepted input would be a forgery. */
#include "site/verify.h"
#include "he/serial.h"
#include "he/threshold.h"

#include <stdlib.h>
#include <string.h>

#define SK "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define VK "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static audit_verifier_t *admin;
    static site_peers_t *peers;
    static proto_replay_t *replay;
    static he_pubkey_t *pk;
    if (!admin) {
        he_init ();
        he_verify_t *vk = NULL;
        he_share_t **shares = NULL;
        admin = audit_verifier_parse (VK, strlen (VK));
        peers = admin? site_peers_new (admin): NULL;
        replay = proto_replay_new (3600);
        if (!peers || !replay || he_threshold_keygen (&pk, &vk, &shares, 512, 2, 2))
            abort ();
        for (int i = 0; i < 2; i++)
            he_share_destroy (&shares [i]);
        free (shares);
        he_verify_destroy (&vk);
    }
    proto_msg_t *msg = proto_decode (data, size);
    if (!msg)
        return 0;
    uint64_t now = 1800000000ull;
    if (msg->body_case == COHORT__ENVELOPE__BODY_OFFER) {
        char who [64];
        if (site_verify_offer (peers, replay, msg->offer, now, 3600, who, sizeof who) == 0)
            abort ();
    }
    else
    if (msg->body_case == COHORT__ENVELOPE__BODY_DECRYPT_REQUEST) {
        mpz_t *cts = NULL;
        size_t n = 0;
        ProtobufCBinaryData agg = msg->decrypt_request->aggregate;
        uint8_t own [PROTO_DIGEST_LEN] = { 0 };
        if (he_vector_deserialize (&cts, &n, pk, agg.data, agg.len, 16) == 0) {
            site_decrypt_ctx_t ctx = { "s", 1, 1, 1, own, n };
            if (site_verify_request (peers, pk, msg->decrypt_request, &ctx, (const mpz_t *) cts,
                                     n, now) == 0)
                abort ();
            he_vector_free (&cts, n);
        }
    }
    proto_free (&msg);
    return 0;
}
