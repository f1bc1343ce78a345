/*  bench/bench_federation.c - bench_federation (`cohort bench federation`):
    the cost of the federation itself, measured end to end with simulations
    (sim/simulate.h: real coordinator and site processes on loopback, CURVE,
    2048-bit threshold Paillier) on the breast cancer data.

    Per-round figures are differences: a study of T_long steps minus one of
    T_short steps, divided by T_long - T_short, so that the offer, the final
    evaluation and the report fall out. round_overhead_ms then subtracts the
    local gradient time of a round (the clipped per-example gradient sum of
    the consortium's whole Poisson batch, timed in this process: an upper
    bound, since the sites compute in parallel).

    verify_aggregate_ms_<k>_sites is what a site spends checking one
    decryption request before it decrypts (site/verify.h): k certificates
    (opened once, then cached, as across a study's rounds), k Ed25519
    signatures, k SHA-256 digests and the product of k ciphertext vectors
    against the aggregate, for the demo's LR update (31 values) under the
    simulations' own public key; the median of the repetitions.

    round_ms_at_50_sites_threshold_2 and _26 are the LR training round at
    50 sites with a 2-of-50 and a 26-of-50 key: the mean of the study's 4
    training rounds by the coordinator's own clock (its
    cohort_coordinator_round_duration_seconds, read from its metrics
    endpoint; 2 rounds at 4 sites, thresholds 2 and 3, when quick: the
    keys name what was run). status_p50_ms is the median latency of `study status` requests
    (sim_fed_status_ms: the analyst client over CURVE, one after another)
    against the coordinator of the first of those runs, its status_sites
    sites still connected, after its study.

    verify_partials_ms_26_threads_1 and _threads_<cpus> time the
    coordinator's proof checks of one decrypt phase at 26 of 50 (3 of 4
    when quick) in this process (coord_agg_verify_pending on one thread,
    then on one a CPU, at least 2), under the 26-of-50 run's keys. */
#include "bench.h"
#include "models/csv.h"
#include "models/dataset.h"
#include "models/logistic.h"
#include "models/models.h"
#include "sim/simulate.h"
#include "site/verify.h"
#include "coordinator/aggregate.h"
#include "he/codec.h"
#include "he/keyfile.h"
#include "he/serial.h"
#include "proto/plan.h"
#include "util/error.h"

#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
s_rm (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st; (void) flag; (void) ftw;
    return remove (path);
}

//  Adds to the reason in the error slot that dir is kept for a look.
//  Returns NULL.
static json_t *
s_kept (const char *dir)
{
    util_error_saved_t why;
    util_error_save (&why);
    return util_error_null (why.code, "%s (kept %s for a look)", why.text, dir);
}

//  One run of the simulation into dir/<name> (sim/simulate.h: the same
//  launcher as `cohort simulate` and `cohort demo`). Returns 0 if the study
//  completed, else -1 naming the run.
static int
s_simulate (const char *dir, const char *name, size_t sites, unsigned steps,
            const char *model, bool quick, unsigned threshold, unsigned probes)
{
    char out [4096];
    snprintf (out, sizeof out, "%s/%s", dir, name);
    sim_options_t o;
    sim_options_defaults (&o);
    //  The demo's LR study: q = 0.5, epsilon 1, label-skew, one evaluation.
    o.data = COHORT_DATASETS_DIR "/breast_cancer_wisconsin.csv";
    o.label = "malignant";
    o.split = SIM_SPLIT_LABEL_SKEW;
    o.sampling_rate = 0.5;
    o.learning_rate = 0.2;
    o.eval_every = 0;
    o.epsilon = 1;
    o.delta = 1e-5;
    o.bits = quick? 512: 2048;
    o.insecure_test_key = quick;
    //  Rounds may take long when 20 site processes share a few cores.
    o.timeout_s = 1800;
    o.round_timeout_ms = 600000;
    o.sites = sites;
    o.threshold = threshold;
    o.status_probes = probes;
    //  The wide runs time their rounds by the coordinator's own clock.
    o.round_metrics = threshold != 0;
    o.steps = steps;
    o.model = model;
    o.hidden = strcmp (model, "mlp") == 0? "64": NULL;
    o.out = out;
    json_t *report = NULL;
    int rc = sim_check (&o) || sim_run (&o, &report)? util_error_context ("%s", name): 0;
    json_decref (report);
    return rc;
}

//  A number from dir/name/file at "a.b" (one level of nesting at most).
static double
s_read (const char *dir, const char *name, const char *file, const char *outer,
        const char *key)
{
    char path [4096];
    snprintf (path, sizeof path, "%s/%s/%s", dir, name, file);
    json_t *j = json_load_file (path, 0, NULL);
    json_t *v = json_object_get (outer? json_object_get (j, outer): j, key);
    double d = json_is_number (v)? json_number_value (v): -1;
    json_decref (j);
    return d;
}

//  Milliseconds to compute the clipped LR gradient sum of `rows` rows of
//  the standardised data (the local work of one round).
static double
s_local_gradient_ms (const char *data, size_t rows, double seconds)
{
    model_init ();
    model_csv_t *csv = NULL;
    model_dataset_t *ds = NULL;
    model_load_spec_t spec = { .label = "malignant" };
    double ms = -1;
    if (model_csv_load (&csv, data, 0) || model_dataset_load (&ds, csv, &spec, NULL))
        goto cleanup;
    size_t p = ds->schema->n_cols;
    if (rows > ds->n)
        rows = ds->n;
    if (rows == 0)
        rows = 1;
    gsl_matrix_view X = gsl_matrix_submatrix (ds->X, 0, 0, rows, p);
    gsl_vector_view y = gsl_vector_subvector (ds->y, 0, rows);
    gsl_vector *w = model_vector_new (p + 1, true), *sum = model_vector_new (p + 1, false);
    if (!w || !sum) {
        if (w) gsl_vector_free (w);
        if (sum) gsl_vector_free (sum);
        util_error (UTIL_ENOMEM, "out of memory");
        goto cleanup;
    }
    gsl_vector_set_all (w, 0.1);
    size_t reps = 0;
    double t0 = bench_now (), elapsed;
    do {
        model_lr_clipped_sum (sum, w, &X.matrix, &y.vector, 1.0, NULL);
        reps++;
        elapsed = bench_now () - t0;
    } while (elapsed < seconds);
    ms = elapsed / (double) reps * 1e3;
    gsl_vector_free (w);
    gsl_vector_free (sum);
cleanup:
    model_dataset_destroy (&ds);
    model_csv_destroy (&csv);
    return ms;
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

//  A certificate for site k (share k + 1) signed by `admin`. NULL on failure.
static char *
s_site_cert (const audit_signer_t *admin, const audit_signer_t *key, unsigned k)
{
    char *line = audit_signer_verifier_text (key);
    proto_rolecert_t c;
    memset (&c, 0, sizeof c);
    c.role = PROTO_ROLE_SITE;
    snprintf (c.consortium, sizeof c.consortium, "bench");
    snprintf (c.name, sizeof c.name, "site-%u", k + 1);
    c.index = k + 1;
    snprintf (c.curve, sizeof c.curve, "%s", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
    c.signer = line? audit_verifier_parse (line, strlen (line)): NULL;
    c.serial = k + 1;
    c.not_after = (uint64_t) time (NULL) + 86400;
    char *note = c.signer? proto_rolecert_issue (&c, admin): NULL;
    audit_verifier_destroy (&c.signer);
    free (line);
    return note;
}

//  Median milliseconds of site_verify_request for `sites` signed updates of
//  `dim` values under pk; -1 on failure (the reason in the error slot).
static double
s_verify_ms (const he_pubkey_t *pk, unsigned sites, size_t dim, unsigned reps)
{
    enum { MAX = PROTO_MAX_PARTIES };
    he_codec_t codec;
    if (sites > MAX || reps > 64
    ||  he_codec_init (&codec, he_pubkey_bits (pk), PROTO_FRAC_BITS, PROTO_VALUE_BITS, MAX))
        return -1;
    size_t n = he_codec_plaintexts (&codec, dim);
    audit_signer_t *admin = audit_signer_generate ("bench");
    char *line = admin? audit_signer_verifier_text (admin): NULL;
    audit_verifier_t *admin_v = line? audit_verifier_parse (line, strlen (line)): NULL;
    free (line);
    site_peers_t *peers = admin_v? site_peers_new (admin_v): NULL;
    int64_t *v = calloc (dim, sizeof (int64_t));
    mpz_t *agg = calloc (n, sizeof (mpz_t)), *cts = calloc (n, sizeof (mpz_t));
    Cohort__Contribution *c = calloc (sites, sizeof *c), **list = calloc (sites, sizeof *list);
    uint8_t (*sig) [PROTO_SIG_LEN] = calloc (sites, PROTO_SIG_LEN);
    uint8_t own [PROTO_DIGEST_LEN];
    double ms [64], result = -1;
    int ok = peers && v && agg && cts && c && list && sig;
    for (size_t j = 0; ok && j < n; j++) {
        mpz_init_set_ui (agg [j], 1);
        mpz_init (cts [j]);
    }
    for (unsigned k = 0; ok && k < sites; k++) {
        for (size_t i = 0; i < dim; i++)
            v [i] = (int64_t) (k * 1000 + i);
        audit_signer_t *key = audit_signer_generate ("site");
        uint8_t *buf = NULL;
        size_t len = 0;
        char *cert = key? s_site_cert (admin, key, k): NULL;
        ok = cert && he_codec_encrypt (cts, pk, v, dim, &codec) == 0
          && he_vector_serialize (&buf, &len, pk, cts, n) == 0
          && proto_update_sign (sig [k], key, "bench", 1, k + 1, buf, len) == 0;
        if (ok)
            he_vector_accumulate (agg, pk, cts, n);
        cohort__contribution__init (&c [k]);
        c [k].index = k + 1;
        c [k].ciphertexts = (ProtobufCBinaryData) { len, buf };
        c [k].signature = (ProtobufCBinaryData) { PROTO_SIG_LEN, sig [k] };
        c [k].role_cert = cert;
        list [k] = &c [k];
        if (ok && k == 0)
            ok = proto_update_digest (own, buf, len) == 0;
        audit_signer_destroy (&key);
    }
    Cohort__DecryptRequest req = COHORT__DECRYPT_REQUEST__INIT;
    req.n_contributions = sites;
    req.contributions = list;
    site_decrypt_ctx_t ctx = { "bench", 1, sites, 1, own, n };
    //  The first check opens the certificates (once per study); then timed.
    ok = ok && site_verify_request (peers, pk, &req, &ctx, (const mpz_t *) agg, n,
                                    (uint64_t) time (NULL)) == 0;
    for (unsigned r = 0; ok && r < reps; r++) {
        double t0 = bench_now ();
        ok = site_verify_request (peers, pk, &req, &ctx, (const mpz_t *) agg, n,
                                  (uint64_t) time (NULL)) == 0;
        ms [r] = (bench_now () - t0) * 1e3;
    }
    if (ok) {
        qsort (ms, reps, sizeof ms [0], s_cmp);
        result = ms [reps / 2];
    }
    for (unsigned k = 0; c && k < sites; k++) {
        free (c [k].ciphertexts.data);
        free (c [k].role_cert);
    }
    for (size_t j = 0; ok && agg && cts && j < n; j++) {
        mpz_clear (agg [j]);
        mpz_clear (cts [j]);
    }
    free (agg);
    free (cts);
    free (c);
    free (list);
    free (sig);
    free (v);
    site_peers_destroy (&peers);
    audit_verifier_destroy (&admin_v);
    audit_signer_destroy (&admin);
    return result;
}

//  Milliseconds for coord_agg_verify_pending to check the batched proofs
//  of shares 1..t of the LR update's aggregate on `threads` threads (the
//  median of `reps`), under the keys of the run in dir/name (its share
//  files are all there): the coordinator's proof work of one decrypt phase,
//  away from the sites' processes. *ms[0] with 1 thread, *ms[1] with
//  `threads`. 0 or -1.
static int
s_pool_ms (const char *dir, const char *name, unsigned t, unsigned threads, unsigned reps,
           double ms [2])
{
    enum { DIM = 31, REPS_MAX = 9 };
    char path [4200];
    snprintf (path, sizeof path, "%s/%s/keys/paillier.pub", dir, name);
    he_pubkey_t *pk = he_keyfile_load_public (path);
    snprintf (path, sizeof path, "%s/%s/keys/verify.key", dir, name);
    he_verify_t *vk = pk? he_keyfile_load_verify (path): NULL;
    he_codec_t codec;
    //  As the coordinator sets its verifier up (coordinator/actor.c).
    int rc = vk && reps >= 1 && reps <= REPS_MAX && t <= HE_PARTIES_MAX
          && !he_verify_precompute (vk) && !he_verify_set_threads (vk, 2)
          && !he_codec_init (&codec, he_pubkey_bits (pk), PROTO_FRAC_BITS, PROTO_VALUE_BITS,
                             PROTO_MAX_PARTIES)? 0: -1;
    int64_t v [DIM];
    for (size_t i = 0; i < DIM; i++)
        v [i] = (int64_t) i - 15;
    size_t n = rc? 0: he_codec_plaintexts (&codec, DIM);
    mpz_t *cts = calloc (n? n: 1, sizeof (mpz_t)), *parts = calloc (n? n: 1, sizeof (mpz_t));
    uint8_t *update = NULL, **pb = calloc (t, sizeof *pb), **fb = calloc (t, sizeof *fb);
    size_t ulen = 0, *pl = calloc (t, sizeof *pl), *fl = calloc (t, sizeof *fl);
    if (!rc && (!cts || !parts || !pb || !fb || !pl || !fl))
        rc = util_error (UTIL_ENOMEM, "out of memory");
    if (rc)
        n = 0;
    for (size_t j = 0; j < n; j++)
        mpz_inits (cts [j], parts [j], NULL);
    if (!rc && (he_codec_encrypt (cts, pk, v, DIM, &codec)
            ||  he_vector_serialize (&update, &ulen, pk, cts, n)))
        rc = -1;
    //  Every share's partials and batched proof, made once.
    for (unsigned k = 0; !rc && k < t; k++) {
        snprintf (path, sizeof path, "%s/%s/keys/share-%u.key", dir, name, k + 1);
        he_share_t *share = he_keyfile_load_share (path);
        he_nonce_t *nonce = share? he_nonce_new (share): NULL;
        he_proof_t proof;
        he_proof_init (&proof);
        rc = nonce? 0: -1;
        for (size_t j = 0; !rc && j < n; j++)
            rc = he_partial_decrypt (parts [j], share, cts [j]);
        if (!rc && (he_batch_prove (&proof, share, &nonce, "bench", 1, (const mpz_t *) cts,
                                    (const mpz_t *) parts, n)
                ||  he_vector_serialize (&pb [k], &pl [k], pk, parts, n)
                ||  he_proofs_serialize (&fb [k], &fl [k], pk, &proof, 1)))
            rc = -1;
        he_nonce_destroy (&nonce);
        he_proof_clear (&proof);
        he_share_destroy (&share);
    }
    for (int w = 0; !rc && w < 2; w++) {
        double runs [REPS_MAX];
        for (unsigned r = 0; !rc && r < reps; r++) {
            coord_agg_t *agg = coord_agg_new (pk, vk, &codec, DIM);
            rc = agg && !coord_agg_add (agg, update, ulen)? 0: -1;
            for (unsigned k = 0; !rc && k < t; k++)
                rc = coord_agg_queue_partial (agg, k + 1, 0, "bench", 1, pb [k], pl [k], fb [k],
                                              fl [k]);
            double t0 = bench_now ();
            if (!rc && coord_agg_verify_pending (agg, w? threads: 1, NULL, NULL) != t)
                rc = util_error (UTIL_EFAIL, "a partial of share 1..%u did not verify", t);
            runs [r] = (bench_now () - t0) * 1e3;
            coord_agg_destroy (&agg);
        }
        if (!rc) {
            qsort (runs, reps, sizeof runs [0], s_cmp);
            ms [w] = runs [reps / 2];
        }
    }
    for (unsigned k = 0; k < t; k++) {
        if (pb)
            free (pb [k]);
        if (fb)
            free (fb [k]);
    }
    for (size_t j = 0; j < n; j++)
        mpz_clears (cts [j], parts [j], NULL);
    free (cts);
    free (parts);
    free (update);
    free (pb);
    free (fb);
    free (pl);
    free (fl);
    he_verify_destroy (&vk);
    he_pubkey_destroy (&pk);
    return rc? util_error_context ("verify pool"): 0;
}

void
bench_federation_defaults (bench_federation_options_t *o)
{
    *o = (bench_federation_options_t) { .quick = false };
}

json_t *
bench_federation (const bench_federation_options_t *o)
{
    char dir [] = "/tmp/cohort-bench-federation-XXXXXX";
    if (!mkdtemp (dir))
        return util_error_null (UTIL_EIO, "cannot create a directory in /tmp: %s",
                                strerror (errno));
    //  The demo's LR study: 10 steps at q = 0.5, epsilon 1, 3 sites,
    //  label-skew. The short twin differs only in its step count.
    bool quick = o->quick;
    unsigned lr_long = quick? 3: 10, lr_short = quick? 1: 2;
    unsigned mlp_long = quick? 2: 3, mlp_short = 1;
    size_t many = quick? 4: 20;
    //  The wide runs: the LR round at 50 sites (4 when quick) with a
    //  threshold of 2 and of a majority (26 of 50, 3 of 4), where the
    //  coordinator verifies t proofs a round. The status requests are
    //  timed after the first one, its sites still connected.
    size_t wide = quick? 4: 50;
    unsigned t_low = 2, t_high = (unsigned) wide / 2 + 1;
    unsigned wide_steps = quick? 2: 4, probes = quick? 20: 200;
    //  The many-site run measures memory only: one step.
    struct {
        const char *name;
        size_t sites;
        unsigned steps;
        const char *model;
        unsigned threshold, probes;
    } runs [] = {
        { "lr-long",    3,    lr_long,    "logistic", 0,      0 },
        { "lr-short",   3,    lr_short,   "logistic", 0,      0 },
        { "mlp-long",   3,    mlp_long,   "mlp",      0,      0 },
        { "mlp-short",  3,    mlp_short,  "mlp",      0,      0 },
        { "lr-many",    many, 1,          "logistic", 0,      0 },
        { "wide-low",   wide, wide_steps, "logistic", t_low,  probes },
        { "wide-high",  wide, wide_steps, "logistic", t_high, 0 },
    };
    for (size_t r = 0; r < sizeof runs / sizeof runs [0]; r++)
        if (s_simulate (dir, runs [r].name, runs [r].sites, runs [r].steps, runs [r].model,
                        quick, runs [r].threshold, runs [r].probes))
            return s_kept (dir);
    double lr_l = s_read (dir, "lr-long", "report.json", "study", "wall_s");
    double lr_s = s_read (dir, "lr-short", "report.json", "study", "wall_s");
    double mlp_l = s_read (dir, "mlp-long", "report.json", "study", "wall_s");
    double mlp_s = s_read (dir, "mlp-short", "report.json", "study", "wall_s");
    double rss3 = s_read (dir, "lr-long", "run.json", NULL, "coordinator_rss_mb");
    double rss_many = s_read (dir, "lr-many", "run.json", NULL, "coordinator_rss_mb");
    double wide_low_ms = s_read (dir, "wide-low", "run.json", NULL, "train_round_ms");
    double wide_high_ms = s_read (dir, "wide-high", "run.json", NULL, "train_round_ms");
    double status_p50 = s_read (dir, "wide-low", "run.json", NULL, "status_p50_ms");
    //  The coordinator's proof checks of one decrypt phase at the high
    //  threshold, one thread against the pool.
    long cpus = sysconf (_SC_NPROCESSORS_ONLN);
    unsigned pool_threads = cpus < 2? 2: cpus > 64? 64: (unsigned) cpus;
    double pool_ms [2];
    if (s_pool_ms (dir, "wide-high", t_high, pool_threads, quick? 1: 3, pool_ms))
        return s_kept (dir);
    if (lr_l < 0 || lr_s < 0 || mlp_l < 0 || mlp_s < 0 || rss3 < 0 || rss_many < 0
    ||  wide_low_ms < 0 || wide_high_ms < 0 || status_p50 < 0) {
        util_error (UTIL_EFAIL, "a report lacks study.wall_s or run.json lacks "
                    "coordinator_rss_mb, train_round_ms or status_p50_ms");
        return s_kept (dir);
    }
    double lr_round_ms = (lr_l - lr_s) / (double) (lr_long - lr_short) * 1e3;
    double mlp_round_ms = (mlp_l - mlp_s) / (double) (mlp_long - mlp_short) * 1e3;
    //  The consortium's expected batch: q x the 569 rows less each site's
    //  30 % evaluation hold-out.
    double local_ms = s_local_gradient_ms (COHORT_DATASETS_DIR "/breast_cancer_wisconsin.csv",
                                           (size_t) (0.5 * 569 * 0.7 + 0.5), quick? 0.01: 0.5);
    //  The site's check of a decryption request, under the runs' own key.
    char key [4200];
    snprintf (key, sizeof key, "%s/lr-long/keys/paillier.pub", dir);
    he_pubkey_t *pk = he_keyfile_load_public (key);
    if (pk && he_pubkey_precompute (pk)) {
        he_pubkey_destroy (&pk);
    }
    double verify3 = pk? s_verify_ms (pk, 3, 31, quick? 5: 21): -1;
    double verify20 = pk? s_verify_ms (pk, 20, 31, quick? 5: 21): -1;
    he_pubkey_destroy (&pk);
    if (verify3 < 0 || verify20 < 0) {
        util_error_context ("verify_aggregate");
        return s_kept (dir);
    }
    json_t *report = NULL;
    if (local_ms >= 0) {
        char rss_many_key [64];
        snprintf (rss_many_key, sizeof rss_many_key, "coordinator_rss_mb_%zu_sites", many);
        report = json_pack ("{s:s,s:i,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f}",
            "paillier_bits", quick? "512": "2048", "sites", 3,
            "round_overhead_ms", lr_round_ms - local_ms,
            "lr_round_ms", lr_round_ms,
            "local_gradient_ms", local_ms,
            "mlp_round_ms", mlp_round_ms,
            "study_wall_s", lr_l,
            "coordinator_rss_mb_3_sites", rss3,
            rss_many_key, rss_many,
            "verify_aggregate_ms_3_sites", verify3,
            "verify_aggregate_ms_20_sites", verify20);
        char low_key [64], high_key [64];
        snprintf (low_key, sizeof low_key, "round_ms_at_%zu_sites_threshold_%u", wide, t_low);
        snprintf (high_key, sizeof high_key, "round_ms_at_%zu_sites_threshold_%u", wide, t_high);
        if (report
        &&  (bench_set (&report, low_key, json_real (wide_low_ms))
        ||   bench_set (&report, high_key, json_real (wide_high_ms))
        ||   bench_set (&report, "status_p50_ms", json_real (status_p50))
        ||   bench_set (&report, "status_sites", json_integer ((json_int_t) wide))))
            report = NULL;
        char serial_key [64], pool_key [64];
        snprintf (serial_key, sizeof serial_key, "verify_partials_ms_%u_threads_1", t_high);
        snprintf (pool_key, sizeof pool_key, "verify_partials_ms_%u_threads_%u", t_high,
                  pool_threads);
        if (report
        &&  (bench_set (&report, serial_key, json_real (pool_ms [0]))
        ||   bench_set (&report, pool_key, json_real (pool_ms [1]))))
            report = NULL;
        if (!report)
            util_error (UTIL_ENOMEM, "out of memory building the report");
    }
    nftw (dir, s_rm, 16, FTW_DEPTH | FTW_PHYS);
    return report;
}
