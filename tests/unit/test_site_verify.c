/*  Unit tests for site/verify.c with a small insecure 2-of-3 key and three
    sites' certificates from one admin: an honest request passes, and each
    check refuses on its own (too few updates, a share twice, the site's own
    update missing or changed, a certificate of another share, of an
    analyst, expired, revoked or not the admin's, a bad signature, an
    aggregate that is not the product). Offers: the analyst's certificate
    and signature, a site's certificate, a revoked analyst, a replay. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "site/verify.h"
#include "he/codec.h"
#include "he/serial.h"
#include "he/threshold.h"
#include "util/error.h"
#include "support_he.h"

#define S_SITES 3
#define S_DIM 40
#define CURVE "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"

static he_pubkey_t *s_pk;
static he_verify_t *s_vk;
static he_share_t **s_shares;
static he_codec_t s_codec;
static audit_signer_t *s_admin, *s_stranger;
static audit_verifier_t *s_admin_v;
static audit_signer_t *s_key [S_SITES + 1];     //  [S_SITES]: the analyst
static char *s_cert [S_SITES + 1];
static uint64_t s_now;

//  A certificate for `role`, `name`, `index` and key k, signed by `by`,
//  expiring at not_after, with serial 100 + k.
static char *
s_issue (proto_role_t role, const char *name, unsigned index, const audit_signer_t *k,
         const audit_signer_t *by, uint64_t not_after, uint64_t serial)
{
    char *line = audit_signer_verifier_text (k);
    proto_rolecert_t c;
    memset (&c, 0, sizeof c);
    c.role = role;
    snprintf (c.consortium, sizeof c.consortium, "test");
    snprintf (c.name, sizeof c.name, "%s", name);
    c.index = index;
    snprintf (c.curve, sizeof c.curve, "%s", CURVE);
    c.signer = audit_verifier_parse (line, strlen (line));
    c.serial = serial;
    c.not_after = not_after;
    char *note = proto_rolecert_issue (&c, by);
    assert_non_null (note);
    audit_verifier_destroy (&c.signer);
    free (line);
    return note;
}

static int
s_setup (void **state)
{
    (void) state;
    he_init ();
    if (he_threshold_keygen (&s_pk, &s_vk, &s_shares, 512, S_SITES, 2)
    ||  he_codec_init (&s_codec, 512, 12, 48, 64))
        return -1;
    s_now = (uint64_t) time (NULL);
    s_admin = audit_signer_generate ("test");
    s_stranger = audit_signer_generate ("test");
    char *line = audit_signer_verifier_text (s_admin);
    s_admin_v = audit_verifier_parse (line, strlen (line));
    free (line);
    const char *names [] = { "site-a", "site-b", "site-c", "alice" };
    for (int k = 0; k <= S_SITES; k++) {
        s_key [k] = audit_signer_generate (names [k]);
        s_cert [k] = s_issue (k < S_SITES? PROTO_ROLE_SITE: PROTO_ROLE_ANALYST, names [k],
                              k < S_SITES? (unsigned) k + 1: 0, s_key [k], s_admin,
                              s_now + 86400, 100 + (uint64_t) k);
    }
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    support_he_keys_destroy (&s_pk, &s_vk, &s_shares, S_SITES);
    for (int k = 0; k <= S_SITES; k++) {
        audit_signer_destroy (&s_key [k]);
        free (s_cert [k]);
    }
    audit_signer_destroy (&s_admin);
    audit_signer_destroy (&s_stranger);
    audit_verifier_destroy (&s_admin_v);
    return 0;
}

//  A round of S_SITES signed updates for study "st" round 5, their
//  aggregate, and the request that carries them.
typedef struct {
    uint8_t *buf [S_SITES];
    size_t len [S_SITES];
    uint8_t sig [S_SITES][PROTO_SIG_LEN];
    uint8_t digest [S_SITES][PROTO_DIGEST_LEN];
    Cohort__Contribution c [S_SITES];
    Cohort__Contribution *list [S_SITES];
    Cohort__DecryptRequest req;
    mpz_t *agg;
    size_t n;
} round_t;

static void
s_round (round_t *r)
{
    memset (r, 0, sizeof *r);
    r->n = he_codec_plaintexts (&s_codec, S_DIM);
    r->agg = calloc (r->n, sizeof (mpz_t));
    for (size_t j = 0; j < r->n; j++)
        mpz_init_set_ui (r->agg [j], 1);
    cohort__decrypt_request__init (&r->req);
    for (int k = 0; k < S_SITES; k++) {
        int64_t v [S_DIM];
        for (int i = 0; i < S_DIM; i++)
            v [i] = (k + 1) * 1000 + i;
        mpz_t *cts = calloc (r->n, sizeof (mpz_t));
        for (size_t j = 0; j < r->n; j++)
            mpz_init (cts [j]);
        assert_int_equal (he_codec_encrypt (cts, s_pk, v, S_DIM, &s_codec), 0);
        he_vector_accumulate (r->agg, s_pk, cts, r->n);
        assert_int_equal (he_vector_serialize (&r->buf [k], &r->len [k], s_pk, cts, r->n), 0);
        he_vector_free (&cts, r->n);
        assert_int_equal (proto_update_sign (r->sig [k], s_key [k], "st", 5, (uint32_t) k + 1,
                                             r->buf [k], r->len [k]), 0);
        assert_int_equal (proto_update_digest (r->digest [k], r->buf [k], r->len [k]), 0);
        cohort__contribution__init (&r->c [k]);
        r->c [k].index = (uint32_t) k + 1;
        r->c [k].ciphertexts = (ProtobufCBinaryData) { r->len [k], r->buf [k] };
        r->c [k].signature = (ProtobufCBinaryData) { PROTO_SIG_LEN, r->sig [k] };
        r->c [k].role_cert = s_cert [k];
        r->list [k] = &r->c [k];
    }
    r->req.n_contributions = S_SITES;
    r->req.contributions = r->list;
}

static void
s_round_free (round_t *r)
{
    for (int k = 0; k < S_SITES; k++)
        free (r->buf [k]);
    he_vector_free (&r->agg, r->n);
}

//  Site `own` (0-based) checks the request at min_sites 2.
static int
s_check (site_peers_t *peers, round_t *r, int own)
{
    site_decrypt_ctx_t ctx = { "st", 5, 2, (unsigned) own + 1, r->digest [own], r->n };
    return site_verify_request (peers, s_pk, &r->req, &ctx, (const mpz_t *) r->agg, r->n, s_now);
}

static void
s_refused (int rc, const char *text)
{
    assert_int_equal (rc, -1);
    if (!strstr (util_last_error (), text))
        fail_msg ("'%s' does not say '%s'", util_last_error (), text);
}

static void
test_honest (void **state)
{
    (void) state;
    site_peers_t *peers = site_peers_new (s_admin_v);
    round_t r;
    s_round (&r);
    for (int own = 0; own < S_SITES; own++)
        assert_int_equal (s_check (peers, &r, own), 0);
    //  Cached certificates: a second time, and after another text for share 1.
    assert_int_equal (s_check (peers, &r, 0), 0);
    s_round_free (&r);
    site_peers_destroy (&peers);
    assert_null (peers);
    site_peers_destroy (&peers);
}

static void
test_refusals (void **state)
{
    (void) state;
    site_peers_t *peers = site_peers_new (s_admin_v);
    round_t r;
    s_round (&r);
    //  Only site 1's update, as the aggregate: too few.
    r.req.n_contributions = 1;
    s_refused (s_check (peers, &r, 0), "sums 1 signed update, the study needs at least 2");
    //  Two of three, but the aggregate is the three's: not the product.
    r.req.n_contributions = 2;
    s_refused (s_check (peers, &r, 0), "is not the product of the 2 signed updates");
    //  Site 3 asked with updates 1 and 2 only: its own is not there.
    s_refused (s_check (peers, &r, 2), "own update (share 3) is not among the 2 summed");
    r.req.n_contributions = S_SITES;
    //  A share twice.
    r.list [1] = &r.c [0];
    s_refused (s_check (peers, &r, 0), "share 1 is summed twice");
    r.list [1] = &r.c [1];
    //  The site's own update replaced (the coordinator cannot sign as it,
    //  so only a digest mismatch is left to test: the site remembers another).
    uint8_t other [PROTO_DIGEST_LEN];
    memcpy (other, r.digest [0], sizeof other);
    r.digest [0][0] ^= 1;
    s_refused (s_check (peers, &r, 0), "is not the one it sent");
    memcpy (r.digest [0], other, sizeof other);
    //  A bad signature.
    r.sig [1][5] ^= 1;
    s_refused (s_check (peers, &r, 0), "share 2: update signature: does not verify");
    r.sig [1][5] ^= 1;
    //  Certificates: another share's, an analyst's, expired, not the admin's, revoked.
    r.c [1].role_cert = s_cert [2];
    s_refused (s_check (peers, &r, 0), "site certificate for share 2: it is site 'site-c' of "
                                       "another share");
    r.c [1].role_cert = s_cert [S_SITES];
    s_refused (s_check (peers, &r, 0), "'alice', not a site");
    char *expired = s_issue (PROTO_ROLE_SITE, "site-b", 2, s_key [1], s_admin, s_now - 1, 101);
    r.c [1].role_cert = expired;
    s_refused (s_check (peers, &r, 0), "site certificate for share 2");
    char *stranger = s_issue (PROTO_ROLE_SITE, "site-b", 2, s_key [1], s_stranger,
                              s_now + 100, 101);
    r.c [1].role_cert = stranger;
    s_refused (s_check (peers, &r, 0), "site certificate for share 2");
    r.c [1].role_cert = s_cert [1];
    uint64_t serial = 101;
    char *name = "site-b";
    char *note = proto_revocations_issue ("test", &serial, &name, 1, s_admin);
    proto_revocations_t *list = proto_revocations_open (note, strlen (note), s_admin_v);
    assert_non_null (list);
    site_peers_set_revocations (peers, list);
    s_refused (s_check (peers, &r, 0), "'site-b' (serial 101) is revoked");
    site_peers_set_revocations (peers, NULL);
    assert_int_equal (s_check (peers, &r, 0), 0);
    //  The wrong number of ciphertexts.
    site_decrypt_ctx_t ctx = { "st", 5, 2, 1, r.digest [0], r.n + 1 };
    s_refused (site_verify_request (peers, s_pk, &r.req, &ctx, (const mpz_t *) r.agg, r.n,
                                    s_now), "ciphertexts, this site contributed");
    //  Another round: every signature fails.
    ctx = (site_decrypt_ctx_t) { "st", 6, 2, 1, r.digest [0], r.n };
    s_refused (site_verify_request (peers, s_pk, &r.req, &ctx, (const mpz_t *) r.agg, r.n,
                                    s_now), "update signature: does not verify");
    proto_revocations_destroy (&list);
    free (note);
    free (expired);
    free (stranger);
    s_round_free (&r);
    site_peers_destroy (&peers);
}

static void
test_offer (void **state)
{
    (void) state;
    site_peers_t *peers = site_peers_new (s_admin_v);
    proto_replay_t *replay = proto_replay_new (3600);
    const char *text = "study\n    name = t\n";
    proto_study_sig_t sig;
    assert_int_equal (proto_study_sign (&sig, s_key [S_SITES], text), 0);
    Cohort__StudyOffer offer = COHORT__STUDY_OFFER__INIT;
    offer.study_cfg = (char *) text;
    char who [64];
    s_refused (site_verify_offer (peers, replay, &offer, s_now, 3600, who, sizeof who),
               "without its analyst's certificate and signature");
    offer.analyst_cert = s_cert [S_SITES];
    offer.study_sig = (ProtobufCBinaryData) { PROTO_SIG_LEN, sig.sig };
    offer.signed_at = sig.signed_at;
    offer.nonce = (ProtobufCBinaryData) { PROTO_NONCE_LEN, sig.nonce };
    //  Another analyst's key signing under alice's certificate.
    proto_study_sig_t forged;
    assert_int_equal (proto_study_sign (&forged, s_key [0], text), 0);
    offer.study_sig.data = forged.sig;
    offer.signed_at = forged.signed_at;
    offer.nonce.data = forged.nonce;
    s_refused (site_verify_offer (peers, replay, &offer, s_now, 3600, who, sizeof who),
               "does not verify with the key of analyst 'alice'");
    offer.study_sig.data = sig.sig;
    offer.signed_at = sig.signed_at;
    offer.nonce.data = sig.nonce;
    assert_int_equal (site_verify_offer (peers, replay, &offer, s_now, 3600, who, sizeof who), 0);
    assert_string_equal (who, "alice");
    s_refused (site_verify_offer (peers, replay, &offer, s_now, 3600, who, sizeof who), "a replay");
    //  A site's certificate as the analyst's.
    proto_study_sig_t by_site;
    assert_int_equal (proto_study_sign (&by_site, s_key [0], text), 0);
    offer.analyst_cert = s_cert [0];
    offer.study_sig.data = by_site.sig;
    offer.signed_at = by_site.signed_at;
    offer.nonce.data = by_site.nonce;
    s_refused (site_verify_offer (peers, replay, &offer, s_now, 3600, who, sizeof who),
               "'site-a' is a site, not an analyst");
    //  A revoked analyst.
    proto_study_sig_t fresh;
    assert_int_equal (proto_study_sign (&fresh, s_key [S_SITES], text), 0);
    offer.analyst_cert = s_cert [S_SITES];
    offer.study_sig.data = fresh.sig;
    offer.signed_at = fresh.signed_at;
    offer.nonce.data = fresh.nonce;
    uint64_t serial = 100 + S_SITES;
    char *name = "alice";
    char *note = proto_revocations_issue ("test", &serial, &name, 1, s_admin);
    proto_revocations_t *list = proto_revocations_open (note, strlen (note), s_admin_v);
    site_peers_set_revocations (peers, list);
    s_refused (site_verify_offer (peers, replay, &offer, s_now, 3600, who, sizeof who),
               "analyst 'alice' (serial 103) is revoked");
    //  Too old for the window.
    site_peers_set_revocations (peers, NULL);
    s_refused (site_verify_offer (peers, replay, &offer, s_now + 4000, 3600, who, sizeof who),
               "s ago");
    proto_revocations_destroy (&list);
    free (note);
    proto_replay_destroy (&replay);
    site_peers_destroy (&peers);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_honest),
        cmocka_unit_test (test_refusals),
        cmocka_unit_test (test_offer),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
