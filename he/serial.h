/*  he/serial.h - public keys and ciphertext vectors as bytes for the wire.

    Fixed width, big-endian, versioned (documented in docs/protocol.md):

      public key   "CHPK" | version u8 (1) | reserved u8 (0) | bits u16 |
                   n (bits/8 bytes) | hs (bits/4 bytes)
      vector       "CHCV" | version u8 (1) | reserved u8 (0) | bits u16 |
                   count u32 | count x ciphertext (bits/4 bytes each)

    Decoders check every length against the buffer before reading, refuse
    unknown versions, and validate every value (the public key through
    he_pubkey_new, each ciphertext through he_check_ciphertext).
*/
#ifndef HE_SERIAL_H
#define HE_SERIAL_H

#include "paillier.h"

#define HE_SERIAL_VERSION    1
#define HE_SERIAL_HEADER     8          //  magic, version, reserved, bits
#define HE_VECTOR_HEADER     12         //  ... and count
#define HE_VECTOR_MAX        (1u << 20) //  ciphertexts in one vector

/*  Bytes of a serialised public key / ciphertext for a modulus of `bits`. */
size_t he_pubkey_serial_size (size_t bits);
size_t he_ciphertext_serial_size (size_t bits);

/*  Writes the key into a new buffer *out (caller frees) of *len bytes.
    Returns 0 or -1. */
int he_pubkey_serialize (uint8_t **out, size_t *len, const he_pubkey_t *pk) HE_WUR;

/*  Parses and validates a public key. NULL on any error, with the reason. */
he_pubkey_t *he_pubkey_deserialize (const uint8_t *buf, size_t len);

/*  Writes `count` ciphertexts (each < n^2) into a new buffer. 0 or -1. */
int he_vector_serialize (uint8_t **out, size_t *len, const he_pubkey_t *pk,
                         const mpz_t *cts, size_t count) HE_WUR;

/*  Parses a vector for key pk: *cts becomes a new array of *count
    initialised mpz_t (free with he_vector_free). Refuses a count above
    max_count (or HE_VECTOR_MAX), a size mismatch, another key size, and any
    invalid ciphertext (naming its index). 0 or -1. */
int he_vector_deserialize (mpz_t **cts, size_t *count, const he_pubkey_t *pk,
                           const uint8_t *buf, size_t len, size_t max_count) HE_WUR;

/*  Clears and frees an array from he_vector_deserialize; sets *cts NULL. */
void he_vector_free (mpz_t **cts, size_t count);

#endif
