/*  he/serial.h - public keys and ciphertext vectors as bytes for the wire.

    Fixed width, big-endian, versioned (documented in docs/protocol.md):

      public key   "CHPK" | version u8 (1) | reserved u8 (0) | bits u16 |
                   n (bits/8 bytes) | hs (bits/4 bytes)
      vector       "CHCV" | version u8 (1) | reserved u8 (0) | bits u16 |
                   count u32 | count x ciphertext (bits/4 bytes each)

    Decoders check every length against the buffer before reading, refuse
    unknown versions, and validate every value (the public key through
    he_pubkey_new, each ciphertext through he_check_ciphertext).

    Contents
        he_pubkey_serial_size           bytes of a public key on the wire
        he_ciphertext_serial_size       bytes of one ciphertext
        he_pubkey_serialize             a public key as bytes
        he_pubkey_deserialize           and back, validated
        he_vector_serialize             ciphertexts as bytes
        he_vector_deserialize           and back, each one checked
        he_vector_free                  frees a decoded vector
        he_proofs_serialize             partial-decryption proofs as bytes
        he_proofs_deserialize           and back
        he_proofs_free                  frees decoded proofs
        he_vector_accumulate            adds a vector into an aggregate

    Encoders write a new buffer the caller frees; decoders return a new key
    (he_pubkey_destroy) or a new array of initialised values (he_vector_free,
    he_proofs_free). Inputs are borrowed. Errors are -1 / NULL with the
    reason in the error slot (util/error.h).
*/
#ifndef HE_SERIAL_H
#define HE_SERIAL_H

#include "paillier.h"
#include "threshold.h"

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

/*  Partial-decryption proofs (one per ciphertext of a vector):
      "CHPF" | version u8 | reserved u8 | bits u16 | count u32 | zwidth u16 |
      count x (e: 32 bytes | z: zwidth bytes)
    Writes a new buffer; 0 or -1. */
int he_proofs_serialize (uint8_t **out, size_t *len, const he_pubkey_t *pk,
                         const he_proof_t *proofs, size_t count) HE_WUR;

/*  Parses proofs for key pk: *proofs becomes a new array of *count
    initialised proofs (free with he_proofs_free). Bounds as for vectors;
    zwidth may not exceed bits/4 + 128. 0 or -1. */
int he_proofs_deserialize (he_proof_t **proofs, size_t *count, const he_pubkey_t *pk,
                           const uint8_t *buf, size_t len, size_t max_count) HE_WUR;

void he_proofs_free (he_proof_t **proofs, size_t count);

/*  Element-wise homomorphic sum: acc[i] = acc[i] * cts[i] mod n^2 for
    i < count (the coordinator adds one site's vector to the aggregate).
    Inputs must have been validated (he_vector_deserialize does). */
void he_vector_accumulate (mpz_t *acc, const he_pubkey_t *pk, const mpz_t *cts, size_t count);

#endif
