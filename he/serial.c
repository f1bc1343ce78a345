/*  he/serial.c - wire serialisation; see serial.h for the layouts. */
#include "serial.h"
#include "he_internal.h"
#include "threshold.h"
#include "util/alloc.h"

#include <stdlib.h>
#include <string.h>

size_t he_pubkey_serial_size (size_t bits) { return HE_SERIAL_HEADER + bits / 8 + bits / 4; }
size_t he_ciphertext_serial_size (size_t bits) { return bits / 4; }

//  Writes x as exactly `width` big-endian bytes (x < 256^width checked by
//  the caller's invariants).
static void
s_put_fixed (uint8_t *dst, size_t width, const mpz_t x)
{
    size_t len = (mpz_sizeinbase (x, 2) + 7) / 8;
    memset (dst, 0, width);
    if (mpz_sgn (x))
        mpz_export (dst + width - len, NULL, 1, 1, 0, 0, x);
}

static void
s_put_header (uint8_t *dst, const char *magic, size_t bits)
{
    memcpy (dst, magic, 4);
    dst [4] = HE_SERIAL_VERSION;
    dst [5] = 0;
    dst [6] = (uint8_t) (bits >> 8);
    dst [7] = (uint8_t) bits;
}

//  Checks magic, version, reserved byte; returns the bit size or 0.
static size_t
s_get_header (const uint8_t *buf, size_t len, const char *magic, const char *what)
{
    if (len < HE_SERIAL_HEADER) {
        util_error (UTIL_EINPUT, "%s: %zu bytes is shorter than the %d-byte header", what, len,
                    HE_SERIAL_HEADER);
        return 0;
    }
    if (memcmp (buf, magic, 4) != 0) {
        util_error (UTIL_EINPUT, "%s: bad magic (not a Cohort %s)", what, what);
        return 0;
    }
    if (buf [4] != HE_SERIAL_VERSION) {
        util_error (UTIL_EINPUT, "%s: version %u not supported (this build reads %d)", what, buf [4],
                    HE_SERIAL_VERSION);
        return 0;
    }
    if (buf [5] != 0) {
        util_error (UTIL_EINPUT, "%s: reserved byte is %u, must be 0", what, buf [5]);
        return 0;
    }
    size_t bits = ((size_t) buf [6] << 8) | buf [7];
    if (bits < HE_BITS_MIN || bits > HE_BITS_MAX || bits % 64) {
        util_error (UTIL_EINPUT, "%s: key size %zu bits not acceptable", what, bits);
        return 0;
    }
    return bits;
}

int
he_pubkey_serialize (uint8_t **out, size_t *len, const he_pubkey_t *pk)
{
    size_t bits = he_pubkey_bits (pk);
    *len = he_pubkey_serial_size (bits);
    *out = util_malloc (*len);
    if (!*out)
        return util_error_context ("serialising a public key");
    s_put_header (*out, "CHPK", bits);
    s_put_fixed (*out + HE_SERIAL_HEADER, bits / 8, he_pubkey_n (pk));
    s_put_fixed (*out + HE_SERIAL_HEADER + bits / 8, bits / 4, he_pubkey_hs (pk));
    return 0;
}

he_pubkey_t *
he_pubkey_deserialize (const uint8_t *buf, size_t len)
{
    size_t bits = s_get_header (buf, len, "CHPK", "public key");
    if (!bits)
        return NULL;
    if (len != he_pubkey_serial_size (bits)) {
        util_error (UTIL_EINPUT, "public key: %zu bytes, expected %zu for %zu bits", len,
                    he_pubkey_serial_size (bits), bits);
        return NULL;
    }
    mpz_t n, hs;
    mpz_inits (n, hs, NULL);
    mpz_import (n, bits / 8, 1, 1, 0, 0, buf + HE_SERIAL_HEADER);
    mpz_import (hs, bits / 4, 1, 1, 0, 0, buf + HE_SERIAL_HEADER + bits / 8);
    he_pubkey_t *pk = NULL;
    if (mpz_sizeinbase (n, 2) != bits)
        util_error (UTIL_EINPUT, "public key: n has %zu bits, header says %zu", mpz_sizeinbase (n, 2), bits);
    else
        pk = he_pubkey_new (n, hs);
    mpz_clears (n, hs, NULL);
    return pk;
}

int
he_vector_serialize (uint8_t **out, size_t *len, const he_pubkey_t *pk, const mpz_t *cts,
                     size_t count)
{
    size_t bits = he_pubkey_bits (pk);
    size_t width = he_ciphertext_serial_size (bits);
    if (count > HE_VECTOR_MAX)
        return util_error (UTIL_ELIMIT, "vector of %zu ciphertexts exceeds the maximum %u", count,
                           HE_VECTOR_MAX);
    for (size_t i = 0; i < count; i++)
        if (mpz_sgn (cts [i]) < 0 || mpz_cmp (cts [i], he_pubkey_n2 (pk)) >= 0)
            return util_error (UTIL_EINPUT, "ciphertext %zu out of range for this key", i);
    //  count <= 2^20 and width <= 2048: the size cannot wrap.
    *len = HE_VECTOR_HEADER + count * width;
    *out = util_malloc (*len);
    if (!*out)
        return util_error_context ("serialising %zu ciphertexts", count);
    s_put_header (*out, "CHCV", bits);
    uint8_t *p = *out + HE_SERIAL_HEADER;
    p [0] = (uint8_t) (count >> 24);
    p [1] = (uint8_t) (count >> 16);
    p [2] = (uint8_t) (count >> 8);
    p [3] = (uint8_t) count;
    for (size_t i = 0; i < count; i++)
        s_put_fixed (*out + HE_VECTOR_HEADER + i * width, width, cts [i]);
    return 0;
}

int
he_vector_deserialize (mpz_t **cts, size_t *count, const he_pubkey_t *pk,
                       const uint8_t *buf, size_t len, size_t max_count)
{
    *cts = NULL;
    *count = 0;
    size_t bits = s_get_header (buf, len, "CHCV", "ciphertext vector");
    if (!bits)
        return -1;
    if (bits != he_pubkey_bits (pk))
        return util_error (UTIL_EINPUT, "ciphertext vector: made for %zu-bit keys, this key has %zu",
                           bits, he_pubkey_bits (pk));
    if (len < HE_VECTOR_HEADER)
        return util_error (UTIL_EINPUT, "ciphertext vector: truncated header");
    const uint8_t *p = buf + HE_SERIAL_HEADER;
    size_t n = ((size_t) p [0] << 24) | ((size_t) p [1] << 16) | ((size_t) p [2] << 8) | p [3];
    if (max_count == 0 || max_count > HE_VECTOR_MAX)
        max_count = HE_VECTOR_MAX;
    if (n > max_count)
        return util_error (UTIL_ELIMIT, "ciphertext vector: count %zu exceeds the limit %zu", n, max_count);
    size_t width = he_ciphertext_serial_size (bits);
    //  n <= 2^20 and width <= 2048, so n * width cannot overflow size_t.
    if (len - HE_VECTOR_HEADER != n * width)
        return util_error (UTIL_EINPUT, "ciphertext vector: %zu bytes of ciphertexts, expected %zu x %zu",
                           len - HE_VECTOR_HEADER, n, width);
    mpz_t *out = util_calloc (n, sizeof (mpz_t));
    if (!out)
        return util_error_context ("ciphertext vector: %zu ciphertexts", n);
    for (size_t i = 0; i < n; i++) {
        mpz_init (out [i]);
        mpz_import (out [i], width, 1, 1, 0, 0, buf + HE_VECTOR_HEADER + i * width);
        if (he_check_ciphertext (pk, out [i])) {
            util_error_context ("ciphertext vector: element %zu of %zu", i, n);
            he_vector_free (&out, i + 1);
            return -1;
        }
    }
    *cts = out;
    *count = n;
    return 0;
}

void
he_vector_free (mpz_t **cts, size_t count)
{
    if (!cts || !*cts)
        return;
    for (size_t i = 0; i < count; i++)
        mpz_clear ((*cts) [i]);
    free (*cts);
    *cts = NULL;
}

#define PROOF_E_BYTES 32
//  The widest response z of a proof: z = r + e Delta s_i < 2^(|n^2| + |Delta|
//  + 2 x 256 + 1) (he/threshold.c, its nonce), so for `bits` of n at most
//  bits / 4 bytes for n^2 and (|Delta| + 513) / 8 more, with |Delta| <=
//  HE_DELTA_BITS_MAX at the most parties. (At 64 parties 128 bytes were
//  room enough; at 100, |Delta| = 525 bits, they are not.)
#define S_ZWIDTH_MAX(bits) ((bits) / 4 + (HE_DELTA_BITS_MAX + 513 + 7) / 8 + 1)

int
he_proofs_serialize (uint8_t **out, size_t *len, const he_pubkey_t *pk,
                     const he_proof_t *proofs, size_t count)
{
    size_t bits = he_pubkey_bits (pk);
    if (count > HE_VECTOR_MAX)
        return util_error (UTIL_ELIMIT, "%zu proofs exceed the maximum %u", count, HE_VECTOR_MAX);
    size_t zwidth = 1;
    for (size_t i = 0; i < count; i++) {
        if (mpz_sgn (proofs [i].e) < 0 || mpz_sizeinbase (proofs [i].e, 2) > 8 * PROOF_E_BYTES
        ||  mpz_sgn (proofs [i].z) < 0)
            return util_error (UTIL_EINPUT, "proof %zu has out-of-range values", i);
        size_t w = (mpz_sizeinbase (proofs [i].z, 2) + 7) / 8;
        if (w > zwidth)
            zwidth = w;
    }
    if (zwidth > S_ZWIDTH_MAX (bits))
        return util_error (UTIL_ELIMIT, "proof response too large for a %zu-bit key", bits);
    size_t item = PROOF_E_BYTES + zwidth;
    //  count <= 2^20 and item <= 2^12: the size cannot wrap.
    *len = HE_VECTOR_HEADER + 2 + count * item;
    *out = util_malloc (*len);
    if (!*out)
        return util_error_context ("serialising %zu proofs", count);
    s_put_header (*out, "CHPF", bits);
    uint8_t *p = *out + HE_SERIAL_HEADER;
    p [0] = (uint8_t) (count >> 24);
    p [1] = (uint8_t) (count >> 16);
    p [2] = (uint8_t) (count >> 8);
    p [3] = (uint8_t) count;
    p [4] = (uint8_t) (zwidth >> 8);
    p [5] = (uint8_t) zwidth;
    for (size_t i = 0; i < count; i++) {
        uint8_t *q = *out + HE_VECTOR_HEADER + 2 + i * item;
        s_put_fixed (q, PROOF_E_BYTES, proofs [i].e);
        s_put_fixed (q + PROOF_E_BYTES, zwidth, proofs [i].z);
    }
    return 0;
}

int
he_proofs_deserialize (he_proof_t **proofs, size_t *count, const he_pubkey_t *pk,
                       const uint8_t *buf, size_t len, size_t max_count)
{
    *proofs = NULL;
    *count = 0;
    size_t bits = s_get_header (buf, len, "CHPF", "proof vector");
    if (!bits)
        return -1;
    if (bits != he_pubkey_bits (pk))
        return util_error (UTIL_EINPUT, "proof vector: made for %zu-bit keys, this key has %zu", bits,
                           he_pubkey_bits (pk));
    if (len < HE_VECTOR_HEADER + 2)
        return util_error (UTIL_EINPUT, "proof vector: truncated header");
    const uint8_t *p = buf + HE_SERIAL_HEADER;
    size_t n = ((size_t) p [0] << 24) | ((size_t) p [1] << 16) | ((size_t) p [2] << 8) | p [3];
    size_t zwidth = ((size_t) p [4] << 8) | p [5];
    if (max_count == 0 || max_count > HE_VECTOR_MAX)
        max_count = HE_VECTOR_MAX;
    if (n > max_count)
        return util_error (UTIL_ELIMIT, "proof vector: count %zu exceeds the limit %zu", n, max_count);
    if (zwidth < 1 || zwidth > S_ZWIDTH_MAX (bits))
        return util_error (UTIL_EINPUT, "proof vector: response width %zu out of range", zwidth);
    size_t item = PROOF_E_BYTES + zwidth;
    //  n <= 2^20 and item <= 2^12, so n * item cannot overflow.
    if (len - HE_VECTOR_HEADER - 2 != n * item)
        return util_error (UTIL_EINPUT, "proof vector: %zu bytes of proofs, expected %zu x %zu",
                           len - HE_VECTOR_HEADER - 2, n, item);
    he_proof_t *out = util_calloc (n, sizeof *out);
    if (!out)
        return util_error_context ("proof vector: %zu proofs", n);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *q = buf + HE_VECTOR_HEADER + 2 + i * item;
        he_proof_init (&out [i]);
        mpz_import (out [i].e, PROOF_E_BYTES, 1, 1, 0, 0, q);
        mpz_import (out [i].z, zwidth, 1, 1, 0, 0, q + PROOF_E_BYTES);
    }
    *proofs = out;
    *count = n;
    return 0;
}

void
he_proofs_free (he_proof_t **proofs, size_t count)
{
    if (!proofs || !*proofs)
        return;
    for (size_t i = 0; i < count; i++)
        he_proof_clear (&(*proofs) [i]);
    free (*proofs);
    *proofs = NULL;
}

void
he_vector_accumulate (mpz_t *acc, const he_pubkey_t *pk, const mpz_t *cts, size_t count)
{
    mpz_t wide;
    mpz_init2 (wide, 4 * he_pubkey_bits (pk) + 64);
    for (size_t i = 0; i < count; i++) {
        mpz_mul (wide, acc [i], cts [i]);
        mpz_mod (acc [i], wide, he_pubkey_n2 (pk));
    }
    mpz_clear (wide);
}
