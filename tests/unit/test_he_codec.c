/*  Unit tests for he/codec.c: packing layout (every packed plaintext below
    n), slot and modulus boundaries on both sides, refusals, and the
    property that encrypted sums of up to S vectors decode exactly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "he/codec.h"
#include "util/error.h"

static void
test_init (void **state)
{
    (void) state;
    he_codec_t c;
    assert_int_equal (he_codec_init (&c, 2048, 16, 32, 16), 0);
    assert_int_equal (c.guard_bits, 4);
    assert_int_equal (c.slot_bits, 36);
    assert_int_equal (c.slots, 2047 / 36);
    assert_int_equal (he_codec_plaintexts (&c, 0), 0);
    assert_int_equal (he_codec_plaintexts (&c, c.slots), 1);
    assert_int_equal (he_codec_plaintexts (&c, c.slots + 1), 2);
    assert_int_equal (he_codec_init (&c, 2048, 16, 32, 17), 0);
    assert_int_equal (c.guard_bits, 5);
    assert_int_equal (he_codec_init (&c, 2048, 16, 32, 1), 0);
    assert_int_equal (c.guard_bits, 0);
    //  Refusals: 63-bit limit on both sides, f >= v, no parties, no room.
    assert_int_equal (he_codec_init (&c, 2048, 8, 59, 16), 0);
    assert_int_equal (he_codec_init (&c, 2048, 8, 60, 16), -1);
    assert_int_equal (he_codec_init (&c, 2048, 32, 32, 4), -1);
    assert_int_equal (he_codec_init (&c, 2048, 8, 32, 0), -1);
    assert_int_equal (he_codec_init (&c, 30, 8, 32, 4), -1);
}

//  The layout keeps every packed plaintext below n: with |n| = modulus
//  bits, n >= 2^(|n| - 1), so the slots may fill at most |n| - 1 bits,
//  and a layout that leaves room for one more slot wastes it. Swept over
//  every modulus size up to 300 bits (each crosses a multiple of some slot
//  width, where an off-by-one shows) and the key sizes, every value width
//  and a spread of party counts; a layout is refused exactly when not one
//  slot fits in |n| - 1 bits or the slot is wider than 63 bits.
static void
test_layout_stays_below_n (void **state)
{
    (void) state;
    static const size_t big [] = { 511, 512, 513, 1023, 1024, 1025, 2047, 2048, 2049, 3072 };
    static const unsigned parties [] = { 1, 2, 3, 4, 5, 8, 9, 64, 65, 1000 };
    size_t accepted = 0;
    for (size_t mi = 0; mi < 299 + sizeof big / sizeof *big; mi++) {
        size_t mbits = mi < 299? mi + 2: big [mi - 299];
        for (unsigned v = 2; v <= 63; v++)
            for (size_t pi = 0; pi < sizeof parties / sizeof *parties; pi++) {
                unsigned g = 0;         //  guard bits: 2^g >= parties
                while ((1u << g) < parties [pi])
                    g++;
                size_t b = v + g;
                he_codec_t c;
                int rc = he_codec_init (&c, mbits, 1, v, parties [pi]);
                if (b > 63 || b > mbits - 1) {
                    assert_int_equal (rc, -1);
                    continue;
                }
                assert_int_equal (rc, 0);
                assert_int_equal (c.slot_bits, b);
                assert_true (c.slots >= 1);
                assert_true (c.slots * b <= mbits - 1);
                assert_true ((c.slots + 1) * b > mbits - 1);
                accepted++;
            }
    }
    assert_true (accepted > 10000);
}

//  Packed plaintexts at the top of the range stay below a real n, also
//  when the slot width divides |n| (the case where a layout filling all
//  |n| bits would reach n): 15 slots of 32 bits under a 512-bit n, each
//  at its maximum. Encrypted, they decrypt and decode exactly. A codec
//  made for |n| + 1 bits fills all of |n| and is refused by the key
//  before anything is encrypted, however small the values.
static void
test_full_plaintext_below_n (void **state)
{
    (void) state;
    he_pubkey_t *pk;
    he_seckey_t *sk;
    assert_int_equal (he_keygen (&pk, &sk, 512), 0);
    static const unsigned layouts [][2] = { { 32, 1 }, { 30, 4 }, { 14, 4 }, { 5, 8 }, { 40, 7 } };
    for (size_t l = 0; l < sizeof layouts / sizeof *layouts; l++) {
        he_codec_t c;
        assert_int_equal (he_codec_init (&c, 512, 1, layouts [l][0], layouts [l][1]), 0);
        const int64_t half = (int64_t) 1 << (c.value_bits - 1);
        int64_t v [64], got [64];
        assert_true (c.slots <= 64);
        for (size_t i = 0; i < c.slots; i++)
            v [i] = half - 1;
        mpz_t plain, ct;
        mpz_inits (plain, ct, NULL);
        assert_int_equal (he_codec_encode (&plain, v, c.slots, &c), 0);
        assert_true (mpz_cmp (plain, he_pubkey_n (pk)) < 0);
        assert_int_equal (mpz_sizeinbase (plain, 2), c.slots * c.slot_bits - c.guard_bits);
        assert_int_equal (he_codec_encrypt (&ct, pk, v, c.slots, &c), 0);
        assert_int_equal (he_codec_decrypt (got, c.slots, sk, (const mpz_t *) &ct, 1, 1, &c), 0);
        assert_memory_equal (v, got, c.slots * sizeof *v);
        mpz_clears (plain, ct, NULL);
    }
    he_codec_t wide;
    assert_int_equal (he_codec_init (&wide, 513, 1, 32, 1), 0);
    assert_int_equal (wide.slots * wide.slot_bits, 512);
    int64_t one = 1;
    mpz_t ct;
    mpz_init (ct);
    assert_int_equal (he_codec_encrypt (&ct, pk, &one, 1, &wide), -1);
    assert_non_null (strstr (util_last_error (), "larger modulus"));
    mpz_clear (ct);
    he_pubkey_destroy (&pk);
    he_seckey_destroy (&sk);
}

//  A slot of a sum of k vectors holds at most k (2^v - 1): the decoder
//  takes k 2^v - 1 (the largest sum, k 2^(v-1) - 1) and refuses k 2^v,
//  in the first slot and in the last slot of a plaintext, for each k
//  whose bound fits the slot; 0 decodes to the smallest sum.
static void
test_decode_slot_bounds (void **state)
{
    (void) state;
    he_codec_t c;
    assert_int_equal (he_codec_init (&c, 512, 4, 20, 4), 0);
    assert_int_equal (c.slot_bits, 22);
    const size_t count = c.slots;
    int64_t got [64];
    assert_true (count <= 64);
    mpz_t plain, slot;
    mpz_inits (plain, slot, NULL);
    for (unsigned k = 1; k < 4; k++) {
        const uint64_t zero = (uint64_t) k << (c.value_bits - 1);   //  k offsets: a sum of 0
        const uint64_t bound = (uint64_t) k << c.value_bits;
        for (int where = 0; where < 2; where++) {
            size_t at = where? count - 1: 0;
            for (int over = 0; over < 2; over++) {
                mpz_set_ui (plain, 0);
                for (size_t i = 0; i < count; i++) {
                    mpz_set_ui (slot, i == at? (over? bound: bound - 1): zero);
                    mpz_mul_2exp (slot, slot, i * c.slot_bits);
                    mpz_add (plain, plain, slot);
                }
                int rc = he_codec_decode (got, count, (const mpz_t *) &plain, 1, k, &c);
                if (over) {
                    assert_int_equal (rc, -1);
                    assert_int_equal (util_last_code (), UTIL_ELIMIT);
                    assert_non_null (strstr (util_last_error (), "more than"));
                    continue;
                }
                assert_int_equal (rc, 0);
                for (size_t i = 0; i < count; i++)
                    assert_int_equal (got [i], i == at? (int64_t) zero - 1: 0);
            }
        }
        mpz_set_ui (plain, 0);
        assert_int_equal (he_codec_decode (got, count, (const mpz_t *) &plain, 1, k, &c), 0);
        for (size_t i = 0; i < count; i++)
            assert_int_equal (got [i], -(int64_t) zero);
    }
    mpz_clears (plain, slot, NULL);
}

static void
test_encode_decode_plain (void **state)
{
    (void) state;
    he_codec_t c;
    assert_int_equal (he_codec_init (&c, 512, 8, 20, 4), 0);
    size_t count = c.slots * 2 + 3;
    int64_t *v = calloc (count, sizeof *v), *out = calloc (count, sizeof *out);
    const int64_t half = 1 << 19;
    for (size_t i = 0; i < count; i++)
        v [i] = (int64_t) (i * 7919 % (2 * half)) - half;
    v [0] = -half;              //  both ends of the range
    v [1] = half - 1;
    size_t np = he_codec_plaintexts (&c, count);
    mpz_t *plains = calloc (np, sizeof *plains);
    assert_non_null (plains);
    for (size_t p = 0; p < np; p++)
        mpz_init (plains [p]);
    assert_int_equal (he_codec_encode (plains, v, count, &c), 0);
    assert_int_equal (he_codec_decode (out, count, (const mpz_t *) plains, np, 1, &c), 0);
    assert_memory_equal (v, out, count * sizeof *v);
    //  Out of range on either side, named by index and value.
    v [5] = half;
    assert_int_equal (he_codec_encode (plains, v, count, &c), -1);
    assert_non_null (strstr (util_last_error (), "value 5 (524288)"));
    v [5] = -half - 1;
    assert_int_equal (he_codec_encode (plains, v, count, &c), -1);
    //  More parties than the codec allows, or zero.
    assert_int_equal (he_codec_decode (out, count, (const mpz_t *) plains, np, 5, &c), -1);
    assert_non_null (strstr (util_last_error (), "sum of 5 vectors"));
    assert_int_equal (he_codec_decode (out, count, (const mpz_t *) plains, np, 0, &c), -1);
    //  Wrong plaintext count; over-full plaintext.
    assert_int_equal (he_codec_decode (out, count, (const mpz_t *) plains, np - 1, 1, &c), -1);
    mpz_setbit (plains [0], c.slots * c.slot_bits);
    assert_int_equal (he_codec_decode (out, count, (const mpz_t *) plains, np, 1, &c), -1);
    mpz_set_si (plains [0], -1);
    assert_int_equal (he_codec_decode (out, count, (const mpz_t *) plains, np, 1, &c), -1);
    //  A slot holding more than `parties` offsets can sum to is refused.
    mpz_set_ui (plains [0], 0);
    mpz_setbit (plains [0], c.value_bits + 1);      //  = 4 * 2^v > 1 party
    assert_int_equal (he_codec_decode (out, count, (const mpz_t *) plains, np, 1, &c), -1);
    for (size_t p = 0; p < np; p++)
        mpz_clear (plains [p]);
    free (plains);
    free (v);
    free (out);
}

static void
test_scale (void **state)
{
    (void) state;
    he_codec_t c;
    assert_int_equal (he_codec_init (&c, 2048, 16, 32, 8), 0);
    double x [5] = { 1.5, -0.25, 1.0 / 3.0, 32767.99998, -32768.0 };
    int64_t s [5];
    double back [5];
    assert_int_equal (he_codec_scale (s, x, 5, &c), 0);
    assert_int_equal (s [0], 98304);
    assert_int_equal (s [1], -16384);
    assert_int_equal (s [2], 21845);
    assert_int_equal (s [4], -2147483648LL);
    he_codec_unscale (back, s, 5, &c);
    for (int i = 0; i < 5; i++)
        assert_true (fabs (back [i] - x [i]) <= ldexp (1, -17));
    double bad [3] = { 0, 32768.0, 1 };
    assert_int_equal (he_codec_scale (s, bad, 3, &c), -1);
    assert_non_null (strstr (util_last_error (), "value 1 (32768)"));
    bad [1] = NAN;
    assert_int_equal (he_codec_scale (s, bad, 3, &c), -1);
    bad [1] = -INFINITY;
    assert_int_equal (he_codec_scale (s, bad, 3, &c), -1);
    bad [1] = -32768.00001;     //  rounds to the boundary: refused
    assert_int_equal (he_codec_scale (s, bad, 3, &c), -1);
}

//  Property: random vectors from several parties, encrypted, summed under
//  encryption, decrypted and decoded, equal the exact integer sums. Runs
//  with extreme values too, and with the maximum number of parties.
static void
test_encrypted_sums_are_exact (void **state)
{
    (void) state;
    he_pubkey_t *pk;
    he_seckey_t *sk;
    assert_int_equal (he_keygen (&pk, &sk, 1024), 0);
    assert_int_equal (he_pubkey_precompute (pk), 0);
    const unsigned S = 7;
    he_codec_t c;
    assert_int_equal (he_codec_init (&c, 1024, 16, 40, S), 0);
    const int64_t half = (int64_t) 1 << 39;
    for (unsigned trial = 0; trial < 6; trial++) {
        unsigned parties = 1 + trial % S;
        if (trial == 5)
            parties = S;
        size_t count = 3 + trial * 17;
        size_t np = he_codec_plaintexts (&c, count);
        int64_t *sum = calloc (count, sizeof *sum), *got = calloc (count, sizeof *got);
        int64_t *v = calloc (count, sizeof *v);
        mpz_t *acc = calloc (np, sizeof *acc), *ct = calloc (np, sizeof *ct);
        assert_true (acc && ct);
        for (size_t p = 0; p < np; p++) {
            mpz_init_set_ui (acc [p], 1);
            mpz_init (ct [p]);
        }
        for (unsigned party = 0; party < parties; party++) {
            mpz_t r;
            mpz_init (r);
            for (size_t i = 0; i < count; i++) {
                assert_int_equal (he_random_bits (r, 40), 0);
                v [i] = (int64_t) mpz_get_ui (r) - half;
                if (trial == 5)                     //  worst case: all at an end
                    v [i] = (i % 2)? half - 1: -half;
                sum [i] += v [i];
            }
            mpz_clear (r);
            assert_int_equal (he_codec_encrypt (ct, pk, v, count, &c), 0);
            for (size_t p = 0; p < np; p++)
                he_add (acc [p], pk, acc [p], ct [p]);
        }
        assert_int_equal (he_codec_decrypt (got, count, sk, (const mpz_t *) acc, np,
                                            parties, &c), 0);
        assert_memory_equal (sum, got, count * sizeof *sum);
        //  Decoding the same sum as one party too many or too few is wrong or refused.
        if (parties < S) {
            int rc = he_codec_decrypt (got, count, sk, (const mpz_t *) acc, np, parties + 1, &c);
            assert_true (rc == -1 || memcmp (sum, got, count * sizeof *sum) != 0);
        }
        for (size_t p = 0; p < np; p++)
            mpz_clears (acc [p], ct [p], NULL);
        free (acc);
        free (ct);
        free (sum);
        free (got);
        free (v);
    }
    //  A codec sized for a bigger modulus is refused by a smaller key.
    he_codec_t big;
    assert_int_equal (he_codec_init (&big, 2048, 16, 40, S), 0);
    int64_t one = 1;
    mpz_t ct;
    mpz_init (ct);
    assert_int_equal (he_codec_encrypt (&ct, pk, &one, 1, &big), -1);
    mpz_clear (ct);
    he_pubkey_destroy (&pk);
    he_seckey_destroy (&sk);
}

int
main (void)
{
    he_init ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_init),
        cmocka_unit_test (test_layout_stays_below_n),
        cmocka_unit_test (test_full_plaintext_below_n),
        cmocka_unit_test (test_decode_slot_bounds),
        cmocka_unit_test (test_encode_decode_plain),
        cmocka_unit_test (test_scale),
        cmocka_unit_test (test_encrypted_sums_are_exact),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
