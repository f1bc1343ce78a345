/*  bench/bench_he.c - bench_he (`cohort bench he`): Paillier key
    generation, both encryption forms, packed vector encryption (on one
    core, on every core, and against the limit its modular products set),
    CRT decryption, homomorphic addition and threshold decryption with
    proofs. One core throughout, except the keys that say otherwise. */
#include "bench.h"
#include "util/alloc.h"
#include "util/error.h"
#include "he/codec.h"
#include "he/threshold.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

//  Threads for encrypt_values_per_s_all_cores: the online cores, at most
//  this many.
#define S_THREADS_MAX 64

//  This thread's CPU time in seconds: on a shared machine a wall-clock
//  rate measures the other loads too, CPU time the code alone.
static double
s_cpu_now (void)
{
    struct timespec t;
    clock_gettime (CLOCK_THREAD_CPUTIME_ID, &t);
    return (double) t.tv_sec + (double) t.tv_nsec * 1e-9;
}

void
bench_he_defaults (bench_he_options_t *o)
{
    *o = (bench_he_options_t) { .bits = 2048, .values = 100000, .sites = 10,
                                .frac_bits = 16, .value_bits = 32,
                                .insecure_test_key = false };
}

int
bench_he_check (const bench_he_options_t *o)
{
    unsigned least = o->insecure_test_key? HE_BITS_MIN: HE_BITS_SECURE;
    if (o->bits % 64 || o->bits > 4096 || o->bits < least)
        return util_error (UTIL_EINPUT, "%u bits: need 2048, 3072 or 4096%s", o->bits,
                           o->insecure_test_key? " (or a multiple of 64 from 512 for tests)"
                           : o->bits < least? " (smaller keys need the insecure test key)": "");
    if (o->values < 1 || o->values > BENCH_HE_VALUES_MAX)
        return util_error (UTIL_EINPUT, "%zu values: need 1 to %d", o->values,
                           BENCH_HE_VALUES_MAX);
    if (o->sites < 1 || o->sites > HE_PARTIES_MAX)
        return util_error (UTIL_EINPUT, "%u sites: need 1 to %d", o->sites, HE_PARTIES_MAX);
    return 0;
}

//  Key generation, single-ciphertext operations and CRT decryption.
static int
s_bench_basic (json_t **r, const bench_he_options_t *o, he_pubkey_t **pk_out,
               he_seckey_t **sk_out)
{
    double t0 = bench_now ();
    if (he_keygen (pk_out, sk_out, o->bits))
        return -1;
    bench_set (r, "keygen_s", json_real (bench_now () - t0));
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
    bench_set (r, "encrypt_textbook_ms", json_real ((bench_now () - t0) * 1e3 / textbook));

    t0 = bench_now ();
    if (he_pubkey_precompute (pk))
        goto fail;
    bench_set (r, "fast_table_build_s", json_real (bench_now () - t0));
    const he_fixedbase_t *table = he_pubkey_table (pk);
    bench_set (r, "fast_window_bits", json_integer (he_fixedbase_window (table)));
    bench_set (r, "fast_table_mb", json_real ((double) he_fixedbase_bytes (table) / 1e6));
    bench_set (r, "encrypt_products", json_integer ((json_int_t) he_fixedbase_products (table)));
    const int fast = 200;
    t0 = bench_now ();
    for (int i = 0; i < fast; i++)
        if (he_encrypt (c, pk, m))
            goto fail;
    bench_set (r, "encrypt_fast_ms", json_real ((bench_now () - t0) * 1e3 / fast));

    const int decs = 50;
    t0 = bench_now ();
    for (int i = 0; i < decs; i++)
        if (he_decrypt (d, sk, c))
            goto fail;
    bench_set (r, "decrypt_ms", json_real ((bench_now () - t0) * 1e3 / decs));
    if (mpz_cmp (d, m) != 0) {
        util_error (UTIL_EFAIL, "decryption returned a wrong plaintext");
        goto fail;
    }
    const int adds = 20000;
    mpz_set (d, c);
    t0 = bench_now ();
    for (int i = 0; i < adds; i++)
        he_add (d, pk, d, c);
    bench_set (r, "add_us", json_real ((bench_now () - t0) * 1e6 / adds));
    mpz_clears (m, c, d, NULL);
    return 0;
fail:
    mpz_clears (m, c, d, NULL);
    return -1;
}

//  The fastest of five timings of `count` modular products, each as the
//  fast encryption performs them (*fixed_s wall-clock, *fixed_cpu_s CPU
//  time), and the same for mpz_mul + mpz_mod, the products the table used
//  before (*mpz_s), in seconds per product. The best of five: the machine
//  may be shared.
static int
s_time_product (double *fixed_s, double *fixed_cpu_s, double *mpz_s, const he_pubkey_t *pk)
{
    const he_fixedbase_t *table = he_pubkey_table (pk);
    mpz_srcptr n2 = he_pubkey_n2 (pk);
    const size_t count = 2000;
    mpz_t a, b, wide;
    mpz_inits (a, b, wide, NULL);
    int rc = -1;
    if (he_random_below (a, n2) || he_random_below (b, n2))
        goto done;
    *fixed_s = *fixed_cpu_s = *mpz_s = 1e9;
    for (int round = 0; round < 5; round++) {
        double t0 = bench_now (), c0 = s_cpu_now ();
        if (he_fixedbase_mul_chain (a, table, a, b, count))
            goto done;
        double c = (s_cpu_now () - c0) / (double) count;
        double t = (bench_now () - t0) / (double) count;
        *fixed_s = t < *fixed_s? t: *fixed_s;
        *fixed_cpu_s = c < *fixed_cpu_s? c: *fixed_cpu_s;
        t0 = bench_now ();
        for (size_t k = 0; k < count; k++) {
            mpz_mul (wide, a, b);
            mpz_mod (a, wide, n2);
        }
        t = (bench_now () - t0) / (double) count;
        *mpz_s = t < *mpz_s? t: *mpz_s;
    }
    rc = 0;
done:
    mpz_clears (a, b, wide, NULL);
    return rc;
}

//  One thread's share of the vector: ciphertexts [first, first + ncts).
typedef struct {
    mpz_t *cts;
    const he_pubkey_t *pk;
    const int64_t *values;
    size_t count;
    const he_codec_t *codec;
    double cpu_s;               //  the thread's CPU time
    int rc;
    char error [UTIL_ERROR_MAX];     //  the thread's error slot, copied
} s_slice_t;

static void *
s_encrypt_slice (void *arg)
{
    s_slice_t *s = arg;
    double c0 = s_cpu_now ();
    s->rc = s->count? he_codec_encrypt (s->cts, s->pk, s->values, s->count, s->codec): 0;
    s->cpu_s = s_cpu_now () - c0;
    if (s->rc)
        snprintf (s->error, sizeof s->error, "%s", util_last_error ());
    return NULL;
}

//  The vector encrypted by one thread per online core, each a contiguous
//  run of ciphertexts, each thread with its own working state, all sharing
//  pk's table (read-only). Returns the wall time in seconds, or a negative
//  number on failure. The first ciphertext of each slice is decrypted and
//  checked.
static double
s_encrypt_all_cores (json_t **r, const he_pubkey_t *pk, const he_seckey_t *sk,
                     const int64_t *values, size_t count, mpz_t *cts, const he_codec_t *codec)
{
    long online = sysconf (_SC_NPROCESSORS_ONLN);
    size_t threads = online < 1? 1: online > S_THREADS_MAX? S_THREADS_MAX: (size_t) online;
    size_t ncts = he_codec_plaintexts (codec, count);
    if (threads > ncts)
        threads = ncts;
    s_slice_t slices [S_THREADS_MAX];
    pthread_t ids [S_THREADS_MAX];
    size_t started = 0;
    for (size_t k = 0; k < threads; k++) {
        size_t first = k * ncts / threads, last = (k + 1) * ncts / threads;
        size_t v_first = first * codec->slots;
        size_t v_last = last * codec->slots < count? last * codec->slots: count;
        slices [k] = (s_slice_t) { cts + first, pk, values + v_first, v_last - v_first, codec,
                                   0, 0, "" };
    }
    double t0 = bench_now ();
    for (; started < threads; started++)
        if (pthread_create (&ids [started], NULL, s_encrypt_slice, &slices [started]))
            break;
    for (size_t k = 0; k < started; k++)
        pthread_join (ids [k], NULL);
    double t = bench_now () - t0;
    if (started < threads) {
        util_error (UTIL_EFAIL, "could not start encryption thread %zu of %zu", started + 1,
                    threads);
        return -1;
    }
    for (size_t k = 0; k < threads; k++)
        if (slices [k].rc) {
            util_error (UTIL_EFAIL, "encryption thread %zu of %zu: %s", k + 1, threads,
                        slices [k].error);
            return -1;
        }
    //  The first ciphertext of each slice decrypts to its values.
    int64_t *back = util_calloc (codec->slots, sizeof *back);
    if (!back)
        return -1;
    int rc = 0;
    for (size_t k = 0; k < threads && rc == 0; k++) {
        size_t len = slices [k].count < codec->slots? slices [k].count: codec->slots;
        if (he_codec_decrypt (back, len, sk, (const mpz_t *) slices [k].cts, 1, 1, codec))
            rc = -1;
        else
        if (memcmp (back, slices [k].values, len * sizeof *back) != 0)
            rc = util_error (UTIL_EFAIL, "encryption thread %zu of %zu: a ciphertext decrypts "
                             "to other values", k + 1, threads);
    }
    free (back);
    if (rc)
        return -1;
    bench_set (r, "encrypt_threads", json_integer ((json_int_t) threads));
    //  The rate if each thread had a core to itself: the vector over the
    //  longest thread's CPU time (on a shared machine the wall time also
    //  counts the other loads).
    double longest = 0;
    for (size_t k = 0; k < threads; k++)
        longest = slices [k].cpu_s > longest? slices [k].cpu_s: longest;
    bench_set (r, "encrypt_values_per_cpu_s_all_cores", json_real ((double) count / longest));
    return t;
}

//  A packed vector of o->values fixed-point values, encrypted and decrypted.
static int
s_bench_vector (json_t **r, const bench_he_options_t *o, const he_pubkey_t *pk,
                const he_seckey_t *sk)
{
    he_codec_t codec;
    if (he_codec_init (&codec, o->bits, o->frac_bits, o->value_bits, o->sites))
        return -1;
    bench_set (r, "slot_bits", json_integer (codec.slot_bits));
    bench_set (r, "slots_per_ciphertext", json_integer ((json_int_t) codec.slots));
    size_t count = o->values;
    size_t ncts = he_codec_plaintexts (&codec, count);
    int64_t *values = util_calloc (count, sizeof *values);
    int64_t *back = util_calloc (count, sizeof *back);
    mpz_t *cts = util_calloc (ncts, sizeof (mpz_t));
    int rc = -1;
    if (!values || !back || !cts)
        goto done;
    const int64_t half = (int64_t) 1 << (o->value_bits - 1);
    for (size_t i = 0; i < count; i++)
        values [i] = (int64_t) ((i * 2654435761u) % (uint64_t) (2 * half)) - half;
    for (size_t k = 0; k < ncts; k++)
        mpz_init (cts [k]);
    double t0 = bench_now (), c0 = s_cpu_now ();
    if (he_codec_encrypt (cts, pk, values, count, &codec))
        goto clear;
    double c = s_cpu_now () - c0;
    double t = bench_now () - t0;
    double achieved = (double) count / t;
    bench_set (r, "encrypt_values_per_s", json_real (achieved));
    bench_set (r, "encrypt_values_per_cpu_s", json_real ((double) count / c));
    bench_set (r, "encrypt_vector_ms", json_real (t * 1e3));
    //  The limit: one ciphertext's products at the fastest product time
    //  measured, for a full ciphertext's values (the blinding, the
    //  randomness and the packing are the overhead the ratio shows). The
    //  CPU-time ratio is the same measure with the other loads of a shared
    //  machine left out.
    double fixed_s, fixed_cpu_s, mpz_s;
    if (s_time_product (&fixed_s, &fixed_cpu_s, &mpz_s, pk))
        goto clear;
    double products = (double) he_fixedbase_products (he_pubkey_table (pk));
    double limit = (double) codec.slots / (products * fixed_s);
    double limit_cpu = (double) codec.slots / (products * fixed_cpu_s);
    bench_set (r, "fixedbase_mul_us", json_real (fixed_s * 1e6));
    bench_set (r, "mpz_mulmod_us", json_real (mpz_s * 1e6));
    bench_set (r, "encrypt_limit_values_per_s", json_real (limit));
    bench_set (r, "encrypt_limit_ratio", json_real (achieved / limit));
    bench_set (r, "encrypt_limit_ratio_cpu", json_real ((double) count / c / limit_cpu));
    t0 = bench_now ();
    if (he_codec_decrypt (back, count, sk, (const mpz_t *) cts, ncts, 1, &codec))
        goto clear;
    t = bench_now () - t0;
    bench_set (r, "decrypt_values_per_s", json_real ((double) count / t));
    if (memcmp (values, back, count * sizeof *values) != 0) {
        util_error (UTIL_EFAIL, "decoded vector differs from the encrypted one");
        goto clear;
    }
    //  Again on every core, into the same ciphertexts.
    t = s_encrypt_all_cores (r, pk, sk, values, count, cts, &codec);
    if (t < 0)
        goto clear;
    bench_set (r, "encrypt_values_per_s_all_cores", json_real ((double) count / t));
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
s_bench_threshold (json_t **r, const bench_he_options_t *o)
{
    unsigned parties = o->sites, t = parties / 2 + 1;
    he_pubkey_t *pk = NULL;
    he_verify_t *vk = NULL;
    he_share_t **shares = NULL;
    double t0 = bench_now ();
    if (he_threshold_keygen (&pk, &vk, &shares, o->bits, parties, t))
        return -1;
    bench_set (r, "threshold_keygen_s", json_real (bench_now () - t0));
    bench_set (r, "threshold_sites", json_integer (parties));
    bench_set (r, "threshold_t", json_integer (t));
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
    bench_set (r, "partial_decrypt_ms", json_real ((bench_now () - t0) * 1e3 / t));
    const int proofs = (int) (sizeof nonces / sizeof nonces [0]);
    t0 = bench_now ();
    for (int k = 0; k < proofs; k++)
        if (he_partial_prove (&proof, shares [0], c, ci [0]))
            goto done;
    bench_set (r, "proof_prove_ms", json_real ((bench_now () - t0) * 1e3 / proofs));
    t0 = bench_now ();
    for (int k = 0; k < proofs; k++)
        if (he_partial_verify (vk, 1, c, ci [0], &proof))
            goto done;
    bench_set (r, "proof_verify_plain_ms", json_real ((bench_now () - t0) * 1e3 / proofs));
    //  The coordinator verifies with a fixed-base table for v.
    t0 = bench_now ();
    if (he_verify_precompute (vk))
        goto done;
    bench_set (r, "verify_table_build_s", json_real (bench_now () - t0));
    t0 = bench_now ();
    for (int k = 0; k < proofs; k++)
        if (he_partial_verify (vk, 1, c, ci [0], &proof))
            goto done;
    bench_set (r, "proof_verify_ms", json_real ((bench_now () - t0) * 1e3 / proofs));
    //  A site: nonces prepared off the request path with its constant-time
    //  table for v, then the request-path part of a proof.
    if (he_share_precompute (shares [0]))
        goto done;
    t0 = bench_now ();
    for (int k = 0; k < proofs; k++)
        if (!(nonces [k] = he_nonce_new (shares [0])))
            goto done;
    bench_set (r, "proof_nonce_ms", json_real ((bench_now () - t0) * 1e3 / proofs));
    t0 = bench_now ();
    for (int k = 0; k < proofs; k++)
        if (he_partial_prove_nonce (&proof, shares [0], &nonces [k], c, ci [0]))
            goto done;
    bench_set (r, "proof_prove_prepared_ms", json_real ((bench_now () - t0) * 1e3 / proofs));
    if (he_partial_verify (vk, 1, c, ci [0], &proof)) {
        util_error (UTIL_ECRYPTO, "a proof with a prepared nonce did not verify");
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
    bench_set (r, "batch_prove_ms", json_real ((bench_now () - t0) * 1e3));
    t0 = bench_now ();
    bad = bad || he_batch_verify (vk, 1, "bench", 1, (const mpz_t *) bc, (const mpz_t *) bp,
                                  BATCH, &proof);
    bench_set (r, "batch_verify_ms", json_real ((bench_now () - t0) * 1e3));
    //  The coordinator's setting: each check on two threads.
    bad = bad || he_verify_set_threads (vk, 2);
    t0 = bench_now ();
    bad = bad || he_batch_verify (vk, 1, "bench", 1, (const mpz_t *) bc, (const mpz_t *) bp,
                                  BATCH, &proof);
    bench_set (r, "batch_verify_2threads_ms", json_real ((bench_now () - t0) * 1e3));
    bad = bad || he_verify_set_threads (vk, 1);
    bench_set (r, "batch_ciphertexts", json_integer (BATCH));
    for (int j = 0; j < BATCH; j++)
        mpz_clears (bc [j], bp [j], NULL);
    if (bad)
        goto done;
    t0 = bench_now ();
    if (he_combine (out, vk, idx, (const mpz_t *) ci, t))
        goto done;
    bench_set (r, "combine_ms", json_real ((bench_now () - t0) * 1e3));
    if (mpz_cmp (out, m) != 0) {
        util_error (UTIL_EFAIL, "threshold decryption returned a wrong plaintext");
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

json_t *
bench_he (const bench_he_options_t *o)
{
    if (bench_he_check (o))
        return NULL;
    json_t *report = json_object ();
    bench_set (&report, "area", json_string ("he"));
    bench_set (&report, "bits", json_integer (o->bits));
    bench_set (&report, "values", json_integer ((json_int_t) o->values));
    he_pubkey_t *pk = NULL;
    he_seckey_t *sk = NULL;
    const char *part = "single operations";
    int rc = s_bench_basic (&report, o, &pk, &sk);
    if (rc == 0) {
        part = "packed vector";
        rc = s_bench_vector (&report, o, pk, sk);
    }
    he_pubkey_destroy (&pk);
    he_seckey_destroy (&sk);
    if (rc == 0) {
        part = "threshold";
        rc = s_bench_threshold (&report, o);
    }
    if (rc) {
        util_error_context ("%s", part);
        json_decref (report);
        return NULL;
    }
    return report? report: util_error_null (UTIL_ENOMEM, "out of memory building the report");
}
