/*  bench/bench_he.c - `cohort bench he`: Paillier key generation, both
    encryption forms, packed vector encryption, CRT decryption, homomorphic
    addition and threshold decryption with proofs. One core throughout. */
#include "bench.h"
#include "util/error.h"
#include "he/codec.h"
#include "he/threshold.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage (FILE *to)
{
    fputs ("usage: cohort bench he [--bits 2048|3072] [--values N] [--sites N] [--json]\n"
           "  --bits B      modulus size (default 2048)\n"
           "  --values N    length of the packed vector (default 100000)\n"
           "  --sites N     parties of the threshold key (default 10; threshold N/2+1)\n"
           "  --frac-bits F, --value-bits V\n"
           "                codec: F fractional bits, |x| < 2^(V-1-F) (default 16, 32)\n"
           "  --json        one JSON object on stdout\n"
           "  --insecure-test-key  allow --bits below 2048 (for quick test runs)\n", to);
}

typedef struct {
    long bits, values, sites, frac_bits, value_bits;
    bool json, insecure;
} opts_t;

static int
s_parse (opts_t *o, int argc, char **argv)
{
    static const struct option options [] = {
        { "bits",       required_argument, NULL, 'b' },
        { "values",     required_argument, NULL, 'n' },
        { "sites",      required_argument, NULL, 's' },
        { "frac-bits",  required_argument, NULL, 'f' },
        { "value-bits", required_argument, NULL, 'v' },
        { "json",       no_argument,       NULL, 'j' },
        { "insecure-test-key", no_argument, NULL, 'i' },
        { "help",       no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    *o = (opts_t) { 2048, 100000, 10, 16, 32, false, false };
    optind = 1;
    int opt;
    char *end;
    while ((opt = getopt_long (argc, argv, "h", options, NULL)) != -1) {
        long *target = opt == 'b'? &o->bits: opt == 'n'? &o->values: opt == 's'? &o->sites
                     : opt == 'f'? &o->frac_bits: opt == 'v'? &o->value_bits: NULL;
        if (target) {
            *target = strtol (optarg, &end, 10);
            if (*end || *optarg == '\0') {
                fprintf (stderr, "cohort: error: bench he: '%s' is not an integer\n", optarg);
                return 2;
            }
        }
        else
        if (opt == 'j')
            o->json = true;
        else
        if (opt == 'i')
            o->insecure = true;
        else
        if (opt == 'h') {
            s_usage (stdout);
            return 1;
        }
        else {
            s_usage (stderr);
            return 2;
        }
    }
    if (o->bits % 64 || o->bits > 4096 || o->bits < (o->insecure? HE_BITS_MIN: HE_BITS_SECURE)) {
        fprintf (stderr, "cohort: error: bench he: --bits %ld: need 2048, 3072 or 4096\n",
                 o->bits);
        return 2;
    }
    if (o->values < 1 || o->values > 10000000 || o->sites < 1 || o->sites > HE_PARTIES_MAX) {
        fprintf (stderr, "cohort: error: bench he: --values 1..10000000, --sites 1..%d\n",
                 HE_PARTIES_MAX);
        return 2;
    }
    return 0;
}

//  Set when a result is wrong (as opposed to an he_ call failing).
static const char *s_wrong;

static int
s_fail (json_t *report, const char *what)
{
    fprintf (stderr, "cohort: error: bench he: %s: %s\n", what,
             s_wrong? s_wrong: util_last_error ());
    json_decref (report);
    return 1;
}

//  Key generation, single-ciphertext operations and CRT decryption.
static int
s_bench_basic (json_t *r, const opts_t *o, he_pubkey_t **pk_out, he_seckey_t **sk_out)
{
    double t0 = bench_now ();
    if (he_keygen (pk_out, sk_out, (size_t) o->bits))
        return -1;
    json_object_set_new (r, "keygen_s", json_real (bench_now () - t0));
    he_pubkey_t *pk = *pk_out;
    const he_seckey_t *sk = *sk_out;
    mpz_t m, c, d;
    mpz_inits (m, c, d, NULL);
    if (he_random_below (m, he_pubkey_n (pk)))
        goto fail;

    const int textbook = 20;
    t0 = bench_now ();
    for (int i = 0; i < textbook; i++)
        if (he_encrypt_textbook (c, pk, m, NULL))
            goto fail;
    json_object_set_new (r, "encrypt_textbook_ms",
                         json_real ((bench_now () - t0) * 1e3 / textbook));

    t0 = bench_now ();
    if (he_pubkey_precompute (pk))
        goto fail;
    json_object_set_new (r, "fast_table_build_s", json_real (bench_now () - t0));
    const int fast = 200;
    t0 = bench_now ();
    for (int i = 0; i < fast; i++)
        if (he_encrypt (c, pk, m))
            goto fail;
    json_object_set_new (r, "encrypt_fast_ms", json_real ((bench_now () - t0) * 1e3 / fast));

    const int decs = 50;
    t0 = bench_now ();
    for (int i = 0; i < decs; i++)
        if (he_decrypt (d, sk, c))
            goto fail;
    json_object_set_new (r, "decrypt_ms", json_real ((bench_now () - t0) * 1e3 / decs));
    if (mpz_cmp (d, m) != 0) {
        s_wrong = "decryption returned a wrong plaintext";
        goto fail;
    }
    const int adds = 20000;
    mpz_set (d, c);
    t0 = bench_now ();
    for (int i = 0; i < adds; i++)
        he_add (d, pk, d, c);
    json_object_set_new (r, "add_us", json_real ((bench_now () - t0) * 1e6 / adds));
    mpz_clears (m, c, d, NULL);
    return 0;
fail:
    mpz_clears (m, c, d, NULL);
    return -1;
}

//  A packed vector of o->values fixed-point values, encrypted and decrypted.
static int
s_bench_vector (json_t *r, const opts_t *o, const he_pubkey_t *pk, const he_seckey_t *sk)
{
    he_codec_t codec;
    if (he_codec_init (&codec, (size_t) o->bits, (unsigned) o->frac_bits,
                       (unsigned) o->value_bits, (unsigned) o->sites))
        return -1;
    json_object_set_new (r, "slot_bits", json_integer (codec.slot_bits));
    json_object_set_new (r, "slots_per_ciphertext", json_integer ((json_int_t) codec.slots));
    size_t count = (size_t) o->values;
    size_t ncts = he_codec_plaintexts (&codec, count);
    int64_t *values = malloc (count * sizeof *values);
    int64_t *back = malloc (count * sizeof *back);
    mpz_t *cts = malloc (ncts * sizeof (mpz_t));
    int rc = -1;
    if (!values || !back || !cts) {
        s_wrong = "out of memory";
        goto done;
    }
    const int64_t half = (int64_t) 1 << (o->value_bits - 1);
    for (size_t i = 0; i < count; i++)
        values [i] = (int64_t) ((i * 2654435761u) % (uint64_t) (2 * half)) - half;
    for (size_t k = 0; k < ncts; k++)
        mpz_init (cts [k]);
    double t0 = bench_now ();
    if (he_codec_encrypt (cts, pk, values, count, &codec))
        goto clear;
    double t = bench_now () - t0;
    json_object_set_new (r, "encrypt_values_per_s", json_real ((double) count / t));
    json_object_set_new (r, "encrypt_vector_ms", json_real (t * 1e3));
    t0 = bench_now ();
    if (he_codec_decrypt (back, count, sk, (const mpz_t *) cts, ncts, 1, &codec))
        goto clear;
    t = bench_now () - t0;
    json_object_set_new (r, "decrypt_values_per_s", json_real ((double) count / t));
    if (memcmp (values, back, count * sizeof *values) != 0) {
        s_wrong = "decoded vector differs from the encrypted one";
        goto clear;
    }
    rc = 0;
clear:
    for (size_t k = 0; k < ncts; k++)
        mpz_clear (cts [k]);
done:
    free (values);
    free (back);
    free (cts);
    return rc;
}

//  Threshold key dealing, partial decryption, proofs and combination.
static int
s_bench_threshold (json_t *r, const opts_t *o)
{
    unsigned parties = (unsigned) o->sites, t = parties / 2 + 1;
    he_pubkey_t *pk = NULL;
    he_verify_t *vk = NULL;
    he_share_t **shares = NULL;
    double t0 = bench_now ();
    if (he_threshold_keygen (&pk, &vk, &shares, (size_t) o->bits, parties, t))
        return -1;
    json_object_set_new (r, "threshold_keygen_s", json_real (bench_now () - t0));
    json_object_set_new (r, "threshold_sites", json_integer (parties));
    json_object_set_new (r, "threshold_t", json_integer (t));
    int rc = -1;
    mpz_t m, c, out, ci [HE_PARTIES_MAX];
    he_proof_t proof;
    he_proof_init (&proof);
    he_nonce_t *nonces [5] = { NULL }, *nonce = NULL;
    mpz_inits (m, c, out, NULL);
    unsigned idx [HE_PARTIES_MAX];
    for (unsigned i = 0; i < t; i++) {
        mpz_init (ci [i]);
        idx [i] = i + 1;
    }
    if (he_random_below (m, he_pubkey_n (pk)) || he_encrypt (c, pk, m))
        goto done;
    t0 = bench_now ();
    for (unsigned i = 0; i < t; i++)
        if (he_partial_decrypt (ci [i], shares [i], c))
            goto done;
    json_object_set_new (r, "partial_decrypt_ms", json_real ((bench_now () - t0) * 1e3 / t));
    const int proofs = (int) (sizeof nonces / sizeof nonces [0]);
    t0 = bench_now ();
    for (int k = 0; k < proofs; k++)
        if (he_partial_prove (&proof, shares [0], c, ci [0]))
            goto done;
    json_object_set_new (r, "proof_prove_ms", json_real ((bench_now () - t0) * 1e3 / proofs));
    t0 = bench_now ();
    for (int k = 0; k < proofs; k++)
        if (he_partial_verify (vk, 1, c, ci [0], &proof))
            goto done;
    json_object_set_new (r, "proof_verify_plain_ms",
                         json_real ((bench_now () - t0) * 1e3 / proofs));
    //  The coordinator verifies with a fixed-base table for v.
    t0 = bench_now ();
    if (he_verify_precompute (vk))
        goto done;
    json_object_set_new (r, "verify_table_build_s", json_real (bench_now () - t0));
    t0 = bench_now ();
    for (int k = 0; k < proofs; k++)
        if (he_partial_verify (vk, 1, c, ci [0], &proof))
            goto done;
    json_object_set_new (r, "proof_verify_ms", json_real ((bench_now () - t0) * 1e3 / proofs));
    //  A site: nonces prepared off the request path with its constant-time
    //  table for v, then the request-path part of a proof.
    if (he_share_precompute (shares [0]))
        goto done;
    t0 = bench_now ();
    for (int k = 0; k < proofs; k++)
        if (!(nonces [k] = he_nonce_new (shares [0])))
            goto done;
    json_object_set_new (r, "proof_nonce_ms", json_real ((bench_now () - t0) * 1e3 / proofs));
    t0 = bench_now ();
    for (int k = 0; k < proofs; k++)
        if (he_partial_prove_nonce (&proof, shares [0], &nonces [k], c, ci [0]))
            goto done;
    json_object_set_new (r, "proof_prove_prepared_ms",
                         json_real ((bench_now () - t0) * 1e3 / proofs));
    if (he_partial_verify (vk, 1, c, ci [0], &proof)) {
        s_wrong = "a proof with a prepared nonce did not verify";
        goto done;
    }
    //  One batched proof for BATCH partials (the MLP's 36 ciphertexts).
    enum { BATCH = 36 };
    mpz_t bc [BATCH], bp [BATCH];
    for (int j = 0; j < BATCH; j++) {
        mpz_init_set (bc [j], c);
        mpz_init_set (bp [j], ci [0]);
    }
    nonce = he_nonce_new (shares [0]);
    t0 = bench_now ();
    int bad = !nonce || he_batch_prove (&proof, shares [0], &nonce, "bench", 1,
                                        (const mpz_t *) bc, (const mpz_t *) bp, BATCH);
    json_object_set_new (r, "batch_prove_ms", json_real ((bench_now () - t0) * 1e3));
    t0 = bench_now ();
    bad = bad || he_batch_verify (vk, 1, "bench", 1, (const mpz_t *) bc, (const mpz_t *) bp,
                                  BATCH, &proof);
    json_object_set_new (r, "batch_verify_ms", json_real ((bench_now () - t0) * 1e3));
    //  The coordinator's setting: each check on two threads.
    bad = bad || he_verify_set_threads (vk, 2);
    t0 = bench_now ();
    bad = bad || he_batch_verify (vk, 1, "bench", 1, (const mpz_t *) bc, (const mpz_t *) bp,
                                  BATCH, &proof);
    json_object_set_new (r, "batch_verify_2threads_ms", json_real ((bench_now () - t0) * 1e3));
    bad = bad || he_verify_set_threads (vk, 1);
    json_object_set_new (r, "batch_ciphertexts", json_integer (BATCH));
    for (int j = 0; j < BATCH; j++)
        mpz_clears (bc [j], bp [j], NULL);
    if (bad)
        goto done;
    t0 = bench_now ();
    if (he_combine (out, vk, idx, (const mpz_t *) ci, t))
        goto done;
    json_object_set_new (r, "combine_ms", json_real ((bench_now () - t0) * 1e3));
    if (mpz_cmp (out, m) != 0) {
        s_wrong = "threshold decryption returned a wrong plaintext";
        goto done;
    }
    rc = 0;
done:
    for (unsigned i = 0; i < t; i++)
        mpz_clear (ci [i]);
    mpz_clears (m, c, out, NULL);
    he_proof_clear (&proof);
    for (size_t k = 0; k < sizeof nonces / sizeof nonces [0]; k++)
        he_nonce_destroy (&nonces [k]);
    he_nonce_destroy (&nonce);
    for (unsigned i = 0; i < parties; i++)
        he_share_destroy (&shares [i]);
    free (shares);
    he_verify_destroy (&vk);
    he_pubkey_destroy (&pk);
    return rc;
}

int
bench_he (int argc, char **argv)
{
    opts_t o;
    int rc = s_parse (&o, argc, argv);
    if (rc)
        return rc == 1? 0: rc;
    json_t *report = json_object ();
    json_object_set_new (report, "area", json_string ("he"));
    json_object_set_new (report, "bits", json_integer (o.bits));
    json_object_set_new (report, "values", json_integer (o.values));
    he_pubkey_t *pk = NULL;
    he_seckey_t *sk = NULL;
    if (s_bench_basic (report, &o, &pk, &sk)) {
        he_pubkey_destroy (&pk);
        he_seckey_destroy (&sk);
        return s_fail (report, "single operations");
    }
    rc = s_bench_vector (report, &o, pk, sk);
    he_pubkey_destroy (&pk);
    he_seckey_destroy (&sk);
    if (rc)
        return s_fail (report, "packed vector");
    if (s_bench_threshold (report, &o))
        return s_fail (report, "threshold");
    return bench_emit (report, o.json, stdout)? 1: 0;
}
