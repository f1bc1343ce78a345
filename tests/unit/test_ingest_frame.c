/*  Unit tests for ingest/frame.c: sealed record frames. The known-answer
    frames were computed independently with Python's `cryptography` package
    (HKDF-SHA-256, AESGCM, ChaCha20Poly1305) from the construction in
    ingest/frame.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "ingest/frame.h"
#include "util/alloc.h"
#include "util/error.h"

#define PAYLOAD "{\"resourceType\":\"Observation\"}"

static const char *s_kat [3] = { NULL,
    "0101076465762d3030310000000301020304050607080000018bcfe568000fbf5a496b5fe3a175ac1a761f6f062"
    "fbcd1516d0d60a94ba4310b573899a3ea6b18cffafebde88e075c2e66bce0",
    "0102076465762d3030310000000301020304050607080000018bcfe56800513505ebeb3cab138fe60df20b8809"
    "1d0ea5fd63324190fe03b2c33062504729fb23c2a24a1ff8b1f92cf6c25daa" };

static uint8_t s_secret [INGEST_SECRET_LEN];

static size_t
s_unhex (uint8_t *out, const char *hex)
{
    size_t i = 0;
    for (; hex [2 * i]; i++) {
        unsigned v;
        assert_int_equal (sscanf (hex + 2 * i, "%2x", &v), 1);
        out [i] = (uint8_t) v;
    }
    return i;
}

static ingest_frame_header_t
s_header (uint8_t aead)
{
    ingest_frame_header_t h = { .aead = aead, .epoch = 3, .sequence = 0x0102030405060708ULL,
                              .timestamp_ms = 1700000000000 };
    snprintf (h.device_id, sizeof h.device_id, "dev-001");
    return h;
}

static int
s_setup (void **state)
{
    (void) state;
    for (int i = 0; i < INGEST_SECRET_LEN; i++)
        s_secret [i] = (uint8_t) i;
    return 0;
}

static void
test_known_answer (void **state)
{
    (void) state;
    for (uint8_t aead = 1; aead <= 2; aead++) {
        uint8_t want [256], got [256], plain [256];
        size_t wlen = s_unhex (want, s_kat [aead]), glen = 0, plen = 0;
        ingest_frame_header_t h = s_header (aead);
        assert_int_equal (ingest_frame_seal (got, sizeof got, &glen, &h, (const uint8_t *) PAYLOAD,
                                           strlen (PAYLOAD), s_secret), 0);
        assert_int_equal (glen, wlen);
        assert_memory_equal (got, want, wlen);
        ingest_frame_t f;
        assert_int_equal (ingest_frame_parse (&f, want, wlen), INGEST_OK);
        assert_int_equal (f.header.aead, aead);
        assert_string_equal (f.header.device_id, "dev-001");
        assert_int_equal (f.header.epoch, 3);
        assert_true (f.header.sequence == 0x0102030405060708ULL);
        assert_true (f.header.timestamp_ms == 1700000000000);
        assert_int_equal (f.aad_len, INGEST_HEADER_FIXED + 7);
        assert_int_equal (f.ciphertext_len, strlen (PAYLOAD));
        assert_int_equal (ingest_frame_open (plain, sizeof plain, &plen, &f, s_secret), INGEST_OK);
        assert_int_equal (plen, strlen (PAYLOAD));
        assert_memory_equal (plain, PAYLOAD, plen);
    }
}

static void
test_every_bit_is_authenticated (void **state)
{
    (void) state;
    for (uint8_t aead = 1; aead <= 2; aead++) {
        uint8_t frame [256], plain [256];
        size_t len = s_unhex (frame, s_kat [aead]), plen = 0;
        for (size_t i = 0; i < len; i++) {
            frame [i] ^= 0x01;
            ingest_frame_t f;
            ingest_reason_t r = ingest_frame_parse (&f, frame, len);
            if (r == INGEST_OK) {
                memset (plain, 0xaa, sizeof plain);
                assert_int_equal (ingest_frame_open (plain, sizeof plain, &plen, &f, s_secret),
                                  INGEST_BAD_TAG);
                //  Nothing unauthenticated is left behind.
                for (size_t k = 0; k < f.ciphertext_len; k++)
                    assert_int_equal (plain [k], 0);
            }
            else
                assert_int_equal (r, INGEST_MALFORMED_FRAME);
            frame [i] ^= 0x01;
        }
        //  The wrong device secret.
        uint8_t other [INGEST_SECRET_LEN];
        memcpy (other, s_secret, sizeof other);
        other [31] ^= 0x80;
        ingest_frame_t f;
        assert_int_equal (ingest_frame_parse (&f, frame, len), INGEST_OK);
        assert_int_equal (ingest_frame_open (plain, sizeof plain, &plen, &f, other), INGEST_BAD_TAG);
        assert_non_null (strstr (util_last_error (), "tag does not verify"));
    }
}

//  The per-thread cache of extracted keys: two secrets under one device id
//  (so one cache slot: a device re-enrolled, or a forged frame), used in
//  turn, each open only their own frames.
static void
test_key_cache_slots (void **state)
{
    (void) state;
    uint8_t other [INGEST_SECRET_LEN];
    memcpy (other, s_secret, sizeof other);
    other [INGEST_SECRET_LEN - 1] ^= 0x55;
    uint8_t frame_a [256], frame_b [256], plain [256];
    size_t la = 0, lb = 0, plen = 0;
    ingest_frame_header_t h = s_header (1);
    for (int round = 0; round < 3; round++) {
        assert_int_equal (ingest_frame_seal (frame_a, sizeof frame_a, &la, &h,
                                             (const uint8_t *) PAYLOAD, strlen (PAYLOAD),
                                             s_secret), 0);
        assert_int_equal (ingest_frame_seal (frame_b, sizeof frame_b, &lb, &h,
                                             (const uint8_t *) PAYLOAD, strlen (PAYLOAD),
                                             other), 0);
        assert_memory_not_equal (frame_a, frame_b, la);
        ingest_frame_t f;
        assert_int_equal (ingest_frame_parse (&f, frame_a, la), INGEST_OK);
        assert_int_equal (ingest_frame_open (plain, sizeof plain, &plen, &f, other),
                          INGEST_BAD_TAG);
        assert_int_equal (ingest_frame_open (plain, sizeof plain, &plen, &f, s_secret),
                          INGEST_OK);
        assert_int_equal (ingest_frame_parse (&f, frame_b, lb), INGEST_OK);
        assert_int_equal (ingest_frame_open (plain, sizeof plain, &plen, &f, s_secret),
                          INGEST_BAD_TAG);
        assert_int_equal (ingest_frame_open (plain, sizeof plain, &plen, &f, other), INGEST_OK);
    }
    //  The first device's frame is still the known answer after the churn.
    uint8_t want [256];
    size_t wlen = s_unhex (want, s_kat [1]);
    assert_int_equal (la, wlen);
    assert_memory_equal (frame_a, want, wlen);
}

static void
test_sizes (void **state)
{
    (void) state;
    static uint8_t frame [INGEST_FRAME_MAX + 16], payload [INGEST_PAYLOAD_MAX + 1],
                   plain [INGEST_PAYLOAD_MAX];
    memset (payload, 'x', sizeof payload);
    ingest_frame_header_t h = s_header (INGEST_AEAD_AES_256_GCM);
    memset (h.device_id, 'd', INGEST_DEVICE_ID_MAX);
    h.device_id [INGEST_DEVICE_ID_MAX] = '\0';
    size_t len = 0, plen = 0;
    //  The largest frame: longest id and payload.
    assert_int_equal (ingest_frame_seal (frame, sizeof frame, &len, &h, payload, INGEST_PAYLOAD_MAX,
                                       s_secret), 0);
    assert_int_equal (len, INGEST_FRAME_MAX);
    ingest_frame_t f;
    assert_int_equal (ingest_frame_parse (&f, frame, len), INGEST_OK);
    assert_int_equal (ingest_frame_open (plain, sizeof plain, &plen, &f, s_secret), INGEST_OK);
    assert_int_equal (plen, INGEST_PAYLOAD_MAX);
    assert_int_equal (ingest_frame_parse (&f, frame, INGEST_FRAME_MAX + 1), INGEST_TOO_LARGE);
    //  One payload byte too many, or too little room.
    assert_int_equal (ingest_frame_seal (frame, sizeof frame, &len, &h, payload,
                                       INGEST_PAYLOAD_MAX + 1, s_secret), -1);
    assert_int_equal (ingest_frame_seal (frame, INGEST_FRAME_MAX - 1, &len, &h, payload,
                                       INGEST_PAYLOAD_MAX, s_secret), -1);
    //  An empty payload seals and opens.
    h = s_header (INGEST_AEAD_CHACHA20_POLY1305);
    assert_int_equal (ingest_frame_seal (frame, sizeof frame, &len, &h, payload, 0, s_secret), 0);
    assert_int_equal (len, INGEST_HEADER_FIXED + 7 + INGEST_TAG_LEN);
    assert_int_equal (ingest_frame_parse (&f, frame, len), INGEST_OK);
    assert_int_equal (ingest_frame_open (plain, sizeof plain, &plen, &f, s_secret), INGEST_OK);
    assert_int_equal (plen, 0);
    //  No room to open into.
    assert_int_equal (ingest_frame_seal (frame, sizeof frame, &len, &h, payload, 10, s_secret), 0);
    assert_int_equal (ingest_frame_parse (&f, frame, len), INGEST_OK);
    assert_int_equal (ingest_frame_open (plain, 9, &plen, &f, s_secret), INGEST_MALFORMED_FRAME);
}

static void
test_seal_rejects (void **state)
{
    (void) state;
    uint8_t frame [256];
    size_t len = 0;
    ingest_frame_header_t h = s_header (3);
    assert_int_equal (ingest_frame_seal (frame, sizeof frame, &len, &h, NULL, 0, s_secret), -1);
    h = s_header (1);
    h.device_id [0] = '\0';
    assert_int_equal (ingest_frame_seal (frame, sizeof frame, &len, &h, NULL, 0, s_secret), -1);
    snprintf (h.device_id, sizeof h.device_id, "dev 1");
    assert_int_equal (ingest_frame_seal (frame, sizeof frame, &len, &h, NULL, 0, s_secret), -1);
    h = s_header (1);
    h.timestamp_ms = -1;
    assert_int_equal (ingest_frame_seal (frame, sizeof frame, &len, &h, NULL, 0, s_secret), -1);
    assert_true (ingest_device_id_ok ("A-z_0.9"));
    assert_false (ingest_device_id_ok (NULL));
    assert_false (ingest_device_id_ok ("a/b"));
}

//  Each malformed header is rejected with its own message.
static void
test_parse_rejects (void **state)
{
    (void) state;
    uint8_t good [256], bad [256];
    size_t len = s_unhex (good, s_kat [1]);
    ingest_frame_t f;
    const struct { size_t at; uint8_t value; const char *why; } edits [] = {
        { 0, 2, "version" }, { 0, 0, "version" },
        { 1, 0, "unknown AEAD" }, { 1, 3, "unknown AEAD" },
        { 2, 0, "device id length" }, { 2, 65, "device id length" },
        { 2, 200, "device id length" },
        { 3, ' ', "device id is not" }, { 4, 0, "device id is not" },
        { 22, 0x80, "negative timestamp" },
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits [0]; i++) {
        memcpy (bad, good, len);
        bad [edits [i].at] = edits [i].value;
        assert_int_equal (ingest_frame_parse (&f, bad, len), INGEST_MALFORMED_FRAME);
        if (!strstr (util_last_error (), edits [i].why))
            fail_msg ("edit %zu: '%s' lacks '%s'", i, util_last_error (), edits [i].why);
    }
    //  Too short at every length below a header plus a tag.
    for (size_t n = 0; n < INGEST_HEADER_FIXED + 7 + INGEST_TAG_LEN; n++)
        assert_int_equal (ingest_frame_parse (&f, good, n), INGEST_MALFORMED_FRAME);
    assert_int_equal (ingest_frame_parse (&f, good, INGEST_HEADER_FIXED + 7 + INGEST_TAG_LEN), INGEST_OK);
    //  A longer id than the bytes that follow.
    memcpy (bad, good, len);
    bad [2] = 64;
    assert_int_equal (ingest_frame_parse (&f, bad, 60), INGEST_MALFORMED_FRAME);
    assert_non_null (strstr (util_last_error (), "cannot hold"));
}

typedef struct {
    uint8_t frame [256];
    size_t len;
} sealed_t;

//  In a new thread (whose OpenSSL contexts are not made yet), out of memory
//  at their allocation: sealing fails with UTIL_ENOMEM, and opening says
//  bad_tag with UTIL_ENOMEM (not decided) and leaves nothing in the payload;
//  with memory both work. Returns arg if all of that holds.
static void *
s_thread_out_of_memory (void *arg)
{
    const sealed_t *in = arg;
    ingest_frame_header_t h = s_header (INGEST_AEAD_AES_256_GCM);
    uint8_t out [256], payload [256];
    size_t len = 0, plen = 0;
    ingest_frame_t f;
    if (ingest_frame_parse (&f, in->frame, in->len) != INGEST_OK)
        return NULL;
    util_alloc_fail_after (0);
    int sealed = ingest_frame_seal (out, sizeof out, &len, &h, (const uint8_t *) PAYLOAD,
                                    strlen (PAYLOAD), s_secret);
    util_code_t seal_code = util_last_code ();
    memset (payload, 0xAA, sizeof payload);
    ingest_reason_t opened = ingest_frame_open (payload, sizeof payload, &plen, &f, s_secret);
    util_code_t open_code = util_last_code ();
    util_alloc_fail_after (-1);
    bool wiped = true;
    for (size_t i = 0; i < f.ciphertext_len; i++)
        wiped &= payload [i] == 0;
    bool ok = sealed == -1 && seal_code == UTIL_ENOMEM
           && opened == INGEST_BAD_TAG && open_code == UTIL_ENOMEM && wiped
           && ingest_frame_open (payload, sizeof payload, &plen, &f, s_secret) == INGEST_OK
           && plen == strlen (PAYLOAD) && memcmp (payload, PAYLOAD, plen) == 0
           && ingest_frame_seal (out, sizeof out, &len, &h, (const uint8_t *) PAYLOAD,
                                 strlen (PAYLOAD), s_secret) == 0
           && len == in->len && memcmp (out, in->frame, len) == 0;
    return ok? arg: NULL;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    sealed_t in;
    ingest_frame_header_t h = s_header (INGEST_AEAD_AES_256_GCM);
    assert_int_equal (ingest_frame_seal (in.frame, sizeof in.frame, &in.len, &h,
                                       (const uint8_t *) PAYLOAD, strlen (PAYLOAD), s_secret), 0);
    pthread_t thread;
    void *result = NULL;
    assert_int_equal (pthread_create (&thread, NULL, s_thread_out_of_memory, &in), 0);
    assert_int_equal (pthread_join (thread, &result), 0);
    assert_ptr_equal (result, &in);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup (test_known_answer, s_setup),
        cmocka_unit_test_setup (test_key_cache_slots, s_setup),
        cmocka_unit_test_setup (test_every_bit_is_authenticated, s_setup),
        cmocka_unit_test_setup (test_sizes, s_setup),
        cmocka_unit_test_setup (test_seal_rejects, s_setup),
        cmocka_unit_test_setup (test_parse_rejects, s_setup),
        cmocka_unit_test_setup (test_out_of_memory, s_setup),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
