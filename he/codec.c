/*  he/codec.c - fixed-point packing; see codec.h for the layout. */
#include "codec.h"
#include "he_internal.h"
#include "util/alloc.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int
he_codec_init (he_codec_t *codec, size_t modulus_bits, unsigned frac_bits,
               unsigned value_bits, unsigned max_parties)
{
    if (max_parties < 1)
        return util_error (UTIL_EINPUT, "codec: max parties must be at least 1");
    unsigned guard = 0;
    while ((1ull << guard) < max_parties)
        guard++;
    if (value_bits < 2 || frac_bits >= value_bits)
        return util_error (UTIL_EINPUT, "codec: need 0 <= fractional bits (%u) < value bits (%u), "
                           "value bits >= 2", frac_bits, value_bits);
    if (value_bits + guard > 63)
        return util_error (UTIL_ELIMIT, "codec: %u value bits + %u guard bits for %u parties exceed 63",
                           value_bits, guard, max_parties);
    if (modulus_bits < 2 || (modulus_bits - 1) / (value_bits + guard) < 1)
        return util_error (UTIL_EFAIL, "codec: modulus of %zu bits holds no slot", modulus_bits);
    codec->frac_bits = frac_bits;
    codec->value_bits = value_bits;
    codec->max_parties = max_parties;
    codec->guard_bits = guard;
    codec->slot_bits = value_bits + guard;
    codec->slots = (modulus_bits - 1) / codec->slot_bits;
    return 0;
}

size_t
he_codec_plaintexts (const he_codec_t *codec, size_t count)
{
    return count / codec->slots + (count % codec->slots != 0);
}

int
he_codec_scale (int64_t *out, const double *x, size_t count, const he_codec_t *codec)
{
    double limit = ldexp (1.0, (int) codec->value_bits - 1);    //  exclusive
    for (size_t i = 0; i < count; i++) {
        double s = ldexp (x [i], (int) codec->frac_bits);
        if (!isfinite (s))
            return util_error (UTIL_EINPUT, "value %zu (%g) is not a finite number", i, x [i]);
        s = round (s);
        if (s < -limit || s >= limit)
            return util_error (UTIL_EINPUT, "value %zu (%g) outside the encodable range [%g, %g)", i, x [i],
                               ldexp (-limit, -(int) codec->frac_bits),
                               ldexp (limit, -(int) codec->frac_bits));
        out [i] = (int64_t) s;
    }
    return 0;
}

void
he_codec_unscale (double *out, const int64_t *x, size_t count, const he_codec_t *codec)
{
    for (size_t i = 0; i < count; i++)
        out [i] = ldexp ((double) x [i], -(int) codec->frac_bits);
}

//  Bit-level access to a little-endian array of 64-bit words.
static void
s_put_bits (uint64_t *words, size_t offset, unsigned width, uint64_t value)
{
    size_t w = offset / 64;
    unsigned shift = offset % 64;
    words [w] |= value << shift;
    if (shift + width > 64)
        words [w + 1] |= value >> (64 - shift);
}

static uint64_t
s_get_bits (const uint64_t *words, size_t offset, unsigned width)
{
    size_t w = offset / 64;
    unsigned shift = offset % 64;
    uint64_t v = words [w] >> shift;
    if (shift + width > 64)
        v |= words [w + 1] << (64 - shift);
    return v & ((1ull << width) - 1);
}

static int
s_check_range (const int64_t *values, size_t count, const he_codec_t *codec)
{
    const int64_t half = (int64_t) 1 << (codec->value_bits - 1);
    for (size_t i = 0; i < count; i++)
        if (values [i] < -half || values [i] >= half)
            return util_error (UTIL_EINPUT, "value %zu (%" PRId64 ") outside the encodable range "
                               "[%" PRId64 ", %" PRId64 ")", i, values [i], -half, half);
    return 0;
}

int
he_codec_encode (mpz_t *plains, const int64_t *values, size_t count, const he_codec_t *codec)
{
    const int64_t half = (int64_t) 1 << (codec->value_bits - 1);
    if (s_check_range (values, count, codec))
        return -1;
    size_t nwords = (codec->slots * codec->slot_bits + 63) / 64 + 1;
    uint64_t *words = util_calloc (nwords, sizeof *words);
    if (!words)
        return util_error_context ("encoding %zu values", count);
    size_t nplains = he_codec_plaintexts (codec, count);
    for (size_t p = 0; p < nplains; p++) {
        memset (words, 0, nwords * sizeof *words);
        size_t first = p * codec->slots;
        size_t last = first + codec->slots < count? first + codec->slots: count;
        for (size_t i = first; i < last; i++)
            s_put_bits (words, (i - first) * codec->slot_bits, codec->slot_bits,
                        (uint64_t) (values [i] + half));
        mpz_import (plains [p], nwords, -1, sizeof *words, 0, 0, words);
    }
    free (words);
    return 0;
}

int
he_codec_decode (int64_t *values, size_t count, const mpz_t *plains, size_t nplains,
                 unsigned parties, const he_codec_t *codec)
{
    if (parties < 1 || parties > codec->max_parties)
        return util_error (UTIL_EFAIL, "a sum of %u vectors cannot be decoded: the codec allows 1..%u",
                           parties, codec->max_parties);
    if (nplains != he_codec_plaintexts (codec, count))
        return util_error (UTIL_EINPUT, "%zu plaintexts given for %zu values; expected %zu",
                           nplains, count, he_codec_plaintexts (codec, count));
    size_t used_bits = codec->slots * codec->slot_bits;
    size_t nwords = (used_bits + 63) / 64 + 1;
    uint64_t *words = util_calloc (nwords, sizeof *words);
    if (!words)
        return util_error_context ("decoding %zu values", count);
    //  Each slot holds a sum of `parties` offsets; its true value may be
    //  negative down to -parties 2^(v-1).
    const int64_t offset = (int64_t) parties << (codec->value_bits - 1);
    const uint64_t slot_max = (uint64_t) parties << codec->value_bits;
    int rc = 0;
    for (size_t p = 0; p < nplains && rc == 0; p++) {
        if (mpz_sgn (plains [p]) < 0 || mpz_sizeinbase (plains [p], 2) > used_bits) {
            rc = util_error (UTIL_ELIMIT, "plaintext %zu is too large to be a packed sum", p);
            break;
        }
        size_t written = 0;
        memset (words, 0, nwords * sizeof *words);
        mpz_export (words, &written, -1, sizeof *words, 0, 0, plains [p]);
        size_t first = p * codec->slots;
        size_t last = first + codec->slots < count? first + codec->slots: count;
        for (size_t i = first; i < last; i++) {
            uint64_t u = s_get_bits (words, (i - first) * codec->slot_bits, codec->slot_bits);
            if (u >= slot_max) {
                rc = util_error (UTIL_ELIMIT, "slot %zu holds %" PRIu64 ", more than %u parties can sum to",
                                 i, u, parties);
                break;
            }
            values [i] = (int64_t) u - offset;
        }
    }
    OPENSSL_cleanse (words, nwords * sizeof *words);
    free (words);
    return rc;
}

int
he_codec_encrypt (mpz_t *cts, const he_pubkey_t *pk, const int64_t *values, size_t count,
                  const he_codec_t *codec)
{
    if (codec->slots * codec->slot_bits >= he_pubkey_bits (pk))
        return util_error (UTIL_EFAIL, "codec was set up for a larger modulus than this key's");
    if (s_check_range (values, count, codec))
        return -1;
    size_t nplains = he_codec_plaintexts (codec, count);
    mpz_t plain;
    mpz_init (plain);
    int rc = 0;
    for (size_t p = 0; p < nplains && rc == 0; p++) {
        size_t first = p * codec->slots;
        size_t len = first + codec->slots < count? codec->slots: count - first;
        rc = he_codec_encode (&plain, values + first, len, codec);
        if (rc == 0)
            rc = he_encrypt (cts [p], pk, plain);
    }
    mpz_clear (plain);
    return rc;
}

int
he_codec_decrypt (int64_t *values, size_t count, const he_seckey_t *sk, const mpz_t *cts,
                  size_t ncts, unsigned parties, const he_codec_t *codec)
{
    if (ncts != he_codec_plaintexts (codec, count))
        return util_error (UTIL_EFAIL, "%zu ciphertexts given for %zu values", ncts, count);
    mpz_t *plains = util_calloc (ncts, sizeof (mpz_t));
    if (!plains)
        return util_error_context ("decrypting %zu ciphertexts", ncts);
    size_t done = 0;
    int rc = 0;
    for (; done < ncts && rc == 0; done++) {
        mpz_init (plains [done]);
        rc = he_decrypt (plains [done], sk, cts [done]);
    }
    if (rc == 0)
        rc = he_codec_decode (values, count, (const mpz_t *) plains, ncts, parties, codec);
    for (size_t p = 0; p < done; p++)
        mpz_clear (plains [p]);
    free (plains);
    return rc;
}
