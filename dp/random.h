/*  dp/random.h - the randomness behind every DP noise draw.

    A dp_rng_t is a buffered byte stream. In production it is OpenSSL's
    CSPRNG (RAND_bytes, the DRBG seeded from the operating system), read in
    DP_RNG_BUFFER-byte blocks so that a sampler does not pay one RAND_bytes
    call per draw. Bytes are used once, in order, and the buffer is wiped
    when the stream is destroyed.

    For tests only, dp_rng_new_seeded_for_tests() gives a deterministic
    stream: AES-256-CTR keystream under the key SHA-256(seed). It is not
    reachable from any configuration or command; nothing outside tests/ and
    the benchmarks' reproducibility mode calls it.

    Every draw returns 0, or -1 if the underlying generator failed (the
    stream then stays failed and every later draw fails too).

    A stream is not shared between threads: give each thread its own.

    Contents
        dp_rng_t                        a buffered random byte stream
        dp_rng_new                      on OpenSSL's CSPRNG
        dp_rng_new_seeded_for_tests     deterministic, for tests only
        dp_rng_destroy                  wipes and frees
        dp_rng_bytes                    random bytes
        dp_rng_u32, dp_rng_u64          a uniform word
        dp_rng_bit                      a fair bit
        dp_rng_below, dp_rng_below_mpz  a uniform integer in [0, n)

    A stream is the caller's (dp_rng_destroy, NULL-safe); bytes are wiped
    from its buffer as they are served. A failure leaves its reason in the
    error slot (util/error.h).
*/
#ifndef DP_RANDOM_H
#define DP_RANDOM_H

#include "dp.h"

#include <gmp.h>
#include <stddef.h>
#include <stdint.h>

#define DP_RNG_BUFFER 16384

typedef struct _dp_rng_t dp_rng_t;

/*  A stream on OpenSSL's CSPRNG. NULL if out of memory. */
dp_rng_t *dp_rng_new (void);

/*  A deterministic stream for tests: the same seed gives the same bytes.
    seed may be any length (len 0 allowed). NULL on failure. */
dp_rng_t *dp_rng_new_seeded_for_tests (const void *seed, size_t len);

/*  Wipes and frees the stream and sets *self_p to NULL. NULL-safe. */
void dp_rng_destroy (dp_rng_t **self_p);

/*  Fills out[0..len) with random bytes. */
int dp_rng_bytes (dp_rng_t *self, void *out, size_t len) DP_WUR;

/*  A uniform 32- or 64-bit word. */
int dp_rng_u32 (dp_rng_t *self, uint32_t *out) DP_WUR;
int dp_rng_u64 (dp_rng_t *self, uint64_t *out) DP_WUR;

/*  One fair bit (0 or 1), served from a 64-bit reservoir. */
int dp_rng_bit (dp_rng_t *self, int *out) DP_WUR;

/*  A uniform integer in [0, n), n >= 1, exactly: Lemire's multiply-shift
    with rejection of the biased low region (expected < 2 words per draw,
    32-bit words when n <= 2^32). n == 0 is an error. */
int dp_rng_below (dp_rng_t *self, uint64_t n, uint64_t *out) DP_WUR;

/*  A uniform integer in [0, n) for a GMP bound n >= 1, by rejection on
    bitlen(n) random bits (expected < 2 tries). */
int dp_rng_below_mpz (dp_rng_t *self, mpz_t out, const mpz_t n) DP_WUR;

#endif
