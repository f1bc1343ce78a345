/*  libFuzzer target: wire decoders for public keys, ciphertext vectors and
    partial-decryption proofs.
    Vectors are decoded against a fixed 512-bit test key (an insecure
    fixture: n = p q for two fixed 256-bit primes). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "he/serial.h"

static he_pubkey_t *s_pk;

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (!s_pk) {
        he_init ();
        mpz_t p, q, n;
        mpz_inits (p, q, n, NULL);
        mpz_set_str (p, "c3a6b2fd7b5a5a9c6a3c7b1e8d3f4e2a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4f", 16);
        mpz_set_str (q, "e1d2c3b4a5968778695a4b3c2d1e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091d", 16);
        mpz_nextprime (p, p);
        mpz_nextprime (q, q);
        mpz_mul (n, p, q);
        s_pk = he_pubkey_new (n, NULL);
        mpz_clears (p, q, n, NULL);
        if (!s_pk)
            abort ();
    }
    he_pubkey_t *pk = he_pubkey_deserialize (data, size);
    he_pubkey_destroy (&pk);
    mpz_t *cts;
    size_t count;
    if (he_vector_deserialize (&cts, &count, s_pk, data, size, 64) == 0)
        he_vector_free (&cts, count);
    he_proof_t *proofs;
    if (he_proofs_deserialize (&proofs, &count, s_pk, data, size, 64) == 0)
        he_proofs_free (&proofs, count);
    return 0;
}
