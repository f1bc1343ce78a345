/*  Unit tests for proto/signed.c: a study signed by its analyst verifies,
    and each change (text, time, nonce, key) or age refuses it; an update's
    signature is bound to its study, round, share and bytes; the replay set
    refuses a nonce twice, forgets what left the window, and is bounded. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/signed.h"
#include "util/error.h"

static const char s_cfg [] = "study\n    name = lr\n    dataset = breast_cancer\n";

typedef struct {
    audit_signer_t *key, *other;
    audit_verifier_t *pub, *other_pub;
} fixture_t;

static audit_verifier_t *
s_verifier (const audit_signer_t *k)
{
    char *line = audit_signer_verifier_text (k);
    audit_verifier_t *v = line? audit_verifier_parse (line, strlen (line)): NULL;
    free (line);
    return v;
}

static int
s_setup (void **state)
{
    fixture_t *f = calloc (1, sizeof *f);
    f->key = audit_signer_generate ("analyst");
    f->other = audit_signer_generate ("analyst");
    f->pub = f->key? s_verifier (f->key): NULL;
    f->other_pub = f->other? s_verifier (f->other): NULL;
    *state = f;
    return f->pub && f->other_pub? 0: -1;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    audit_signer_destroy (&f->key);
    audit_signer_destroy (&f->other);
    audit_verifier_destroy (&f->pub);
    audit_verifier_destroy (&f->other_pub);
    free (f);
    return 0;
}

static void
test_study_round_trip (void **state)
{
    fixture_t *f = *state;
    proto_study_sig_t sig;
    assert_int_equal (proto_study_sign (&sig, f->key, s_cfg), 0);
    uint64_t now = (uint64_t) time (NULL);
    assert_true (sig.signed_at <= now && sig.signed_at + 5 >= now);
    assert_int_equal (proto_study_verify (&sig, f->pub, s_cfg, now, 3600), 0);
    //  Two signatures of the same text draw two nonces.
    proto_study_sig_t again;
    assert_int_equal (proto_study_sign (&again, f->key, s_cfg), 0);
    assert_memory_not_equal (sig.nonce, again.nonce, PROTO_NONCE_LEN);
}

static void
test_study_refusals (void **state)
{
    fixture_t *f = *state;
    proto_study_sig_t sig, bad;
    assert_int_equal (proto_study_sign (&sig, f->key, s_cfg), 0);
    uint64_t now = sig.signed_at;
    //  The text changed by the coordinator (min_sites added).
    assert_int_equal (proto_study_verify (&sig, f->pub, "study\n    min_sites = 64\n", now, 3600),
                      -1);
    assert_int_equal (util_last_code (), UTIL_EREFUSED);
    assert_non_null (strstr (util_last_error (), "study signature: does not verify"));
    //  Another key.
    assert_int_equal (proto_study_verify (&sig, f->other_pub, s_cfg, now, 3600), -1);
    //  Time or nonce changed.
    bad = sig;
    bad.signed_at++;
    assert_int_equal (proto_study_verify (&bad, f->pub, s_cfg, now, 3600), -1);
    bad = sig;
    bad.nonce [3] ^= 1;
    assert_int_equal (proto_study_verify (&bad, f->pub, s_cfg, now, 3600), -1);
    bad = sig;
    bad.sig [10] ^= 0x40;
    assert_int_equal (proto_study_verify (&bad, f->pub, s_cfg, now, 3600), -1);
    //  Too old, and too far in the future.
    assert_int_equal (proto_study_verify (&sig, f->pub, s_cfg, now + 3601, 3600), -1);
    assert_non_null (strstr (util_last_error (), "s ago"));
    assert_int_equal (proto_study_verify (&sig, f->pub, s_cfg, now + 3600, 3600), 0);
    assert_int_equal (proto_study_verify (&sig, f->pub, s_cfg, now - PROTO_STUDY_SKEW_S - 1, 3600),
                      -1);
    assert_non_null (strstr (util_last_error (), "in the future"));
    assert_int_equal (proto_study_verify (&sig, f->pub, s_cfg, now - PROTO_STUDY_SKEW_S, 3600), 0);
}

static void
test_update (void **state)
{
    fixture_t *f = *state;
    uint8_t cts [100], sig [PROTO_SIG_LEN];
    for (size_t i = 0; i < sizeof cts; i++)
        cts [i] = (uint8_t) (i * 7);
    assert_int_equal (proto_update_sign (sig, f->key, "s1", 3, 2, cts, sizeof cts), 0);
    assert_int_equal (proto_update_verify (sig, sizeof sig, f->pub, "s1", 3, 2, cts, sizeof cts), 0);
    //  Every bound field refuses: study, round, share, bytes, key, length.
    assert_int_equal (proto_update_verify (sig, sizeof sig, f->pub, "s2", 3, 2, cts, sizeof cts), -1);
    assert_int_equal (util_last_code (), UTIL_EREFUSED);
    assert_int_equal (proto_update_verify (sig, sizeof sig, f->pub, "s1", 4, 2, cts, sizeof cts), -1);
    assert_int_equal (proto_update_verify (sig, sizeof sig, f->pub, "s1", 3, 1, cts, sizeof cts), -1);
    assert_int_equal (proto_update_verify (sig, sizeof sig, f->pub, "s1", 3, 2, cts, sizeof cts - 1),
                      -1);
    cts [50] ^= 1;
    assert_int_equal (proto_update_verify (sig, sizeof sig, f->pub, "s1", 3, 2, cts, sizeof cts), -1);
    cts [50] ^= 1;
    assert_int_equal (proto_update_verify (sig, sizeof sig, f->other_pub, "s1", 3, 2, cts,
                                           sizeof cts), -1);
    assert_int_equal (proto_update_verify (sig, 63, f->pub, "s1", 3, 2, cts, sizeof cts), -1);
    assert_non_null (strstr (util_last_error (), "not 64 bytes"));
    assert_int_equal (proto_update_verify (NULL, 0, f->pub, "s1", 3, 2, cts, sizeof cts), -1);
    assert_non_null (strstr (util_last_error (), "missing"));
    //  The digest is SHA-256 (FIPS 180-2's "abc").
    uint8_t d [PROTO_DIGEST_LEN];
    assert_int_equal (proto_update_digest (d, (const uint8_t *) "abc", 3), 0);
    assert_int_equal (d [0], 0xba);
    assert_int_equal (d [31], 0xad);
}

static void
test_replay (void **state)
{
    (void) state;
    proto_replay_t *r = proto_replay_new (100);
    assert_non_null (r);
    proto_study_sig_t a = { .signed_at = 1000 }, b = { .signed_at = 1000 };
    a.nonce [0] = 1;
    b.nonce [0] = 2;
    assert_int_equal (proto_replay_check (r, &a, 1000), 0);
    assert_int_equal (proto_replay_check (r, &a, 1050), -1);
    assert_int_equal (util_last_code (), UTIL_EREFUSED);
    assert_non_null (strstr (util_last_error (), "replay"));
    assert_int_equal (proto_replay_check (r, &b, 1050), 0);
    //  Out of the window the nonce is forgotten (its signature is too old anyway).
    assert_int_equal (proto_replay_check (r, &a, 1101), 0);
    proto_replay_destroy (&r);
    assert_null (r);
    proto_replay_destroy (&r);
    //  Bounded: PROTO_REPLAY_MAX fresh nonces, then a refusal.
    r = proto_replay_new (3600);
    proto_study_sig_t s = { .signed_at = 5000 };
    for (uint32_t i = 0; i < PROTO_REPLAY_MAX; i++) {
        memcpy (s.nonce, &i, sizeof i);
        assert_int_equal (proto_replay_check (r, &s, 5000), 0);
    }
    uint32_t i = PROTO_REPLAY_MAX;
    memcpy (s.nonce, &i, sizeof i);
    assert_int_equal (proto_replay_check (r, &s, 5000), -1);
    assert_non_null (strstr (util_last_error (), "the most a site takes"));
    proto_replay_destroy (&r);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_study_round_trip),
        cmocka_unit_test (test_study_refusals),
        cmocka_unit_test (test_update),
        cmocka_unit_test (test_replay),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
