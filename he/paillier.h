/*  he/paillier.h - Paillier keys, encryption, CRT decryption and the
    homomorphic operations (Paillier 1999; g = n + 1).

    Two encryption forms decrypt with the same key:
      textbook   c = (1 + m n) r^n mod n^2, r uniform in Z*_n
      fast       c = (1 + m n) hs^x mod n^2, hs = h^n mod n^2 published in
                 the public key, x a fresh uniform exponent of |n|/2 bits
                 (Damgard-Jurik-Nielsen, "A generalization of Paillier's
                 public-key system", PKC 2001, and DJN 2010 s.4). The fast form
                 rests on one extra assumption, stated in docs/threat-model.md.
    Fast is the default (he_encrypt); he_pubkey_precompute() builds its
    fixed-base table once per key.

    Contents
        he_pubkey_t, he_seckey_t        a public key (n, hs); a secret key
                                        (p, q, CRT values, its public key)
        he_keygen                       a fresh key pair
        he_pubkey_new, he_seckey_new    keys from their numbers, checked
        he_pubkey_dup                   a deep copy of a public key
        he_pubkey_destroy               frees a public key
        he_seckey_destroy               frees a secret key, wiped
        he_pubkey_bits, he_pubkey_n, he_pubkey_n2, he_pubkey_hs,
        he_seckey_pubkey, he_seckey_p, he_seckey_q
                                        accessors (borrowed)
        he_pubkey_equal                 same n and hs
        he_pubkey_precompute            the fixed-base table of he_encrypt
        he_pubkey_table                 that table (borrowed), or NULL
        he_encrypt                      fast (DJN) encryption, the default
        he_encrypt_textbook             c = (1 + m n) r^n mod n^2
        he_encrypt_with_exponent        fast encryption with x given (tests)
        he_decrypt                      CRT decryption
        he_check_ciphertext             0 < c < n^2 and gcd(c, n) = 1
        he_add, he_add_plain            Enc(a + b), Enc(a + k)
        he_mul_scalar                   Enc(k a)
        he_sum                          Enc of the sum of checked ciphertexts

    Keys from he_keygen, he_pubkey_new, he_seckey_new and he_pubkey_dup
    belong to the caller (he_pubkey_destroy, he_seckey_destroy; NULL-safe);
    a secret key's limbs are wiped as they are freed (he_init). What an
    accessor returns is borrowed and lives as long as the key. Ciphertexts
    and plaintexts are plain mpz_t owned by the caller. Every ciphertext that
    arrives from elsewhere must pass he_check_ciphertext() before use; the
    homomorphic functions that take untrusted input do it themselves.
    Errors are -1 / NULL with the reason in the error slot (util/error.h).
*/
#ifndef HE_PAILLIER_H
#define HE_PAILLIER_H

#include "he.h"
#include "fixedbase.h"

#define HE_BITS_DEFAULT 2048
//  Smallest modulus accepted. Below 2048 bits keys are insecure: only the
//  test fixtures use them, and the CLI refuses them.
#define HE_BITS_MIN     512
#define HE_BITS_SECURE  2048
#define HE_BITS_MAX     8192

typedef struct _he_pubkey_t he_pubkey_t;
typedef struct _he_seckey_t he_seckey_t;

/*  Generates a key pair with an n of exactly `bits` bits (a multiple of 64 in
    [HE_BITS_MIN, HE_BITS_MAX]) from two primes drawn by OpenSSL's CSPRNG
    (BN_generate_prime_ex2). On success *pk and *sk are new
    objects owned by the caller; on failure both are NULL and -1 returned. */
int he_keygen (he_pubkey_t **pk, he_seckey_t **sk, size_t bits) HE_WUR;

/*  Builds a public key from n and hs, checking n is odd with a bit count that
    is a multiple of 64 within limits, and that hs is a unit below n^2.
    hs may be NULL: a fresh hs is then drawn (for the textbook-only use of a
    bare modulus, e.g. the ISO vectors). Returns NULL on error. */
he_pubkey_t *he_pubkey_new (const mpz_t n, const mpz_t hs);

/*  Builds a secret key from the primes p, q (and the public hs), checking
    p != q, both odd primes of |n|/2 bits, gcd(n, (p-1)(q-1)) = 1, and
    precomputing the CRT values. The public key is embedded; borrow it with
    he_seckey_pubkey(). Returns NULL on error. */
he_seckey_t *he_seckey_new (const mpz_t p, const mpz_t q, const mpz_t hs);

/*  Deep copy of a public key (without the fixed-base table). */
he_pubkey_t *he_pubkey_dup (const he_pubkey_t *pk);

void he_pubkey_destroy (he_pubkey_t **pk_p);
/*  Wipes every secret value before freeing. */
void he_seckey_destroy (he_seckey_t **sk_p);

size_t      he_pubkey_bits (const he_pubkey_t *pk);
mpz_srcptr  he_pubkey_n    (const he_pubkey_t *pk);
mpz_srcptr  he_pubkey_n2   (const he_pubkey_t *pk);
mpz_srcptr  he_pubkey_hs   (const he_pubkey_t *pk);
/*  1 if both keys have the same n and hs. */
int         he_pubkey_equal (const he_pubkey_t *a, const he_pubkey_t *b);
/*  Borrowed; lives as long as sk. */
const he_pubkey_t *he_seckey_pubkey (const he_seckey_t *sk);
mpz_srcptr  he_seckey_p (const he_seckey_t *sk);
mpz_srcptr  he_seckey_q (const he_seckey_t *sk);

/*  Builds the fixed-base window table for hs so that he_encrypt() costs
    about |n|/20 modular products instead of a full exponentiation: the
    widest digit up to HE_TABLE_WINDOW_MAX bits whose table takes at most
    HE_TABLE_BYTES_MAX (10-bit digits and 53.5 MB at 2048 bits, 102
    products; 9 bits and 66.9 MB at 3072; 8 bits and 64 MiB at 4096). The
    table is read-only once built: threads may encrypt under one key at
    once. Idempotent. Returns 0 or -1. */
#define HE_TABLE_WINDOW_MAX 10
#define HE_TABLE_BYTES_MAX  ((size_t) 64 << 20)
int he_pubkey_precompute (he_pubkey_t *pk) HE_WUR;

/*  The table he_pubkey_precompute() built (borrowed, lives as long as pk),
    or NULL before it ran. For reports: its window, size and product count
    (he/fixedbase.h). */
const he_fixedbase_t *he_pubkey_table (const he_pubkey_t *pk);

/*  Textbook encryption c = (1 + m n) r^n mod n^2 with 0 <= m < n. If r is
    NULL a uniform unit is drawn; a supplied r must be a unit in (0, n).
    Returns 0, or -1 if m or r is out of range. */
int he_encrypt_textbook (mpz_t c, const he_pubkey_t *pk, const mpz_t m,
                         const mpz_t r) HE_WUR;

/*  Fast (DJN) encryption, the default: c = (1 + m n) hs^x mod n^2, 0 <= m < n.
    Uses the fixed-base table if he_pubkey_precompute() ran, a plain modular
    exponentiation otherwise (same ciphertext distribution). Returns 0 or -1. */
int he_encrypt (mpz_t c, const he_pubkey_t *pk, const mpz_t m) HE_WUR;

/*  Same, with the exponent x supplied (tests only; x < 2^(|n|/2)). */
int he_encrypt_with_exponent (mpz_t c, const he_pubkey_t *pk, const mpz_t m,
                              const mpz_t x) HE_WUR;

/*  CRT decryption. Checks c first. At 2048 bits and above the q half runs
    on a second thread (joined before return). Returns 0 with 0 <= m < n,
    or -1. */
int he_decrypt (mpz_t m, const he_seckey_t *sk, const mpz_t c) HE_WUR;

/*  0 if c is a valid ciphertext for pk: 0 < c < n^2 and gcd(c, n) = 1.
    Otherwise -1 with the reason in util_last_error (). */
int he_check_ciphertext (const he_pubkey_t *pk, const mpz_t c) HE_WUR;

/*  Homomorphic addition: Enc(a + b) = a * b mod n^2. Inputs must be valid
    (checked by the caller); never fails. */
void he_add (mpz_t out, const he_pubkey_t *pk, const mpz_t a, const mpz_t b);

/*  Enc(a + k) = a * (1 + k n) mod n^2 for a plaintext k (any sign; taken
    mod n). */
void he_add_plain (mpz_t out, const he_pubkey_t *pk, const mpz_t a, const mpz_t k);

/*  Enc(k a) = a^k mod n^2 for an integer k of any sign (a negative k uses
    the inverse of a, which exists for a valid ciphertext). */
void he_mul_scalar (mpz_t out, const he_pubkey_t *pk, const mpz_t a, const mpz_t k);

/*  out = Enc(sum) = product of `count` ciphertexts, each checked first.
    Returns 0, or -1 naming the index of the first invalid ciphertext.
    count = 0 gives Enc(0) = 1. */
int he_sum (mpz_t out, const he_pubkey_t *pk, const mpz_t *cs, size_t count) HE_WUR;

#endif
