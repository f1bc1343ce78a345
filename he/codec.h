/*  he/codec.h - signed fixed-point vectors packed into Paillier plaintexts.

    A real x becomes the integer round(x 2^f) (f fractional bits); integers
    must lie in [-2^(v-1), 2^(v-1)) for v value bits. Each is stored with an
    offset, u = x + 2^(v-1) in [0, 2^v), in a slot of b = v + g bits, where
    g = ceil(log2 S) guard bits absorb the carries of a sum of up to S
    encoded vectors: slot sums stay below S 2^v <= 2^b, so slot-wise sums
    never spill into the next slot and decode exactly once the k offsets
    (k = number of vectors summed) are subtracted. A plaintext holds
    floor((|n| - 1) / b) slots so it stays below n.

    b <= 63 so that every slot sum and every decoded sum fits an int64.

    Contents
        he_codec_t              the layout: f, v, S, g, b and slots per
                                plaintext
        he_codec_init           sets a codec up for a modulus size
        he_codec_plaintexts     plaintexts (ciphertexts) for `count` values
        he_codec_scale          reals to fixed-point integers, checked
        he_codec_unscale        and back
        he_codec_encode         integers packed into plaintexts
        he_codec_decode         a slot-wise sum of `parties` vectors unpacked
        he_codec_encrypt        encode, then encrypt (fast form)
        he_codec_decrypt        decrypt with a full secret key, then decode

    A codec is a plain value. Every array is the caller's, sized as each
    call says, and the mpz_t in it are initialised by the caller; nothing
    here keeps a pointer. Errors are -1 with the reason in the error slot
    (util/error.h).
*/
#ifndef HE_CODEC_H
#define HE_CODEC_H

#include "he.h"
#include "paillier.h"

typedef struct {
    unsigned frac_bits;         //  f
    unsigned value_bits;        //  v
    unsigned max_parties;       //  S
    unsigned guard_bits;        //  g = ceil(log2 S)
    unsigned slot_bits;         //  b = v + g
    size_t slots;               //  slots per plaintext
} he_codec_t;

/*  Sets up a codec for a modulus of `modulus_bits` bits. Needs
    1 <= frac_bits < value_bits, value_bits + guard <= 63, max_parties >= 1
    and room for at least one slot. Returns 0 or -1. */
int he_codec_init (he_codec_t *codec, size_t modulus_bits, unsigned frac_bits,
                   unsigned value_bits, unsigned max_parties) HE_WUR;

/*  Number of plaintexts (= ciphertexts) for a vector of `count` values. */
size_t he_codec_plaintexts (const he_codec_t *codec, size_t count);

/*  out[i] = round(x[i] 2^f). Refuses NaN, infinities and anything outside
    the encodable range, naming the first bad index and value. 0 or -1. */
int he_codec_scale (int64_t *out, const double *x, size_t count,
                    const he_codec_t *codec) HE_WUR;

/*  out[i] = x[i] 2^-f. */
void he_codec_unscale (double *out, const int64_t *x, size_t count,
                       const he_codec_t *codec);

/*  Packs `count` integers into plains[0 .. he_codec_plaintexts()-1] (mpz_t
    initialised by the caller). Refuses a value outside [-2^(v-1), 2^(v-1))
    naming its index and value. Returns 0 or -1. */
int he_codec_encode (mpz_t *plains, const int64_t *values, size_t count,
                     const he_codec_t *codec) HE_WUR;

/*  Unpacks the slot-wise sum of `parties` encoded vectors into values[0..
    count-1]. Refuses parties outside 1..S and plaintexts too large to be
    such a sum (corrupt or over-full). Returns 0 or -1. */
int he_codec_decode (int64_t *values, size_t count, const mpz_t *plains,
                     size_t nplains, unsigned parties, const he_codec_t *codec) HE_WUR;

/*  Encodes and encrypts (fast form) a vector: cts[0 .. he_codec_plaintexts()
    -1], initialised by the caller. Returns 0 or -1. */
int he_codec_encrypt (mpz_t *cts, const he_pubkey_t *pk, const int64_t *values,
                      size_t count, const he_codec_t *codec) HE_WUR;

/*  Decrypts with a full secret key and decodes a sum of `parties` vectors. */
int he_codec_decrypt (int64_t *values, size_t count, const he_seckey_t *sk,
                      const mpz_t *cts, size_t ncts, unsigned parties,
                      const he_codec_t *codec) HE_WUR;

#endif
