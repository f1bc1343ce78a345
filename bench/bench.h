/*  bench/bench.h - the benchmarks behind `cohort bench <area> --json`.

    Contents
        bench_now, bench_set, bench_emit    the clock, building and printing
                                            a report
        bench_he                            Paillier and threshold decryption
        bench_models                        gradients and training
        bench_dp                            noise samplers, accountant, ledger
        bench_ingest                        sealed records, the audit log
        bench_federation                    simulated studies end to end
        bench_query_coverage                how often DP query intervals
                                            hold the exact figures
        bench_query                         queries' wall time end to end
        bench_learning                      test AUC of private LR over seeds,
                                            federated and central DP-SGD

    Every area is a library call: it takes its options (filled by
    bench_<area>_defaults, then changed), measures, and returns one JSON
    object whose keys carry their units (`encrypt_values_per_s`,
    `decrypt_ms`), or NULL with the reason in the error slot (util/error.h).
    The caller owns the report; bench_emit prints and frees it. The keys
    are cited by the README and docs/: they are not renamed.
*/
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*  Monotonic clock in seconds. */
double bench_now (void);

/*  Sets report[key] = value (consumed; may be NULL after a failed
    allocation). If that fails, frees the report and sets *report to NULL,
    so that later calls do nothing and the caller finds NULL at the end.
    Returns 0 or -1. */
int bench_set (json_t **report, const char *key, json_t *value);

/*  Prints `report` as one JSON object (json) or as aligned "key  value"
    lines, then frees it. Returns 0, or -1 if it could not be written. */
int bench_emit (json_t *report, bool json, FILE *out);

/*  bench_he: key generation, both encryption forms, a packed vector
    encrypted and decrypted, homomorphic addition, threshold decryption
    with proofs. One core throughout. */
#define BENCH_HE_VALUES_MAX 10000000

typedef struct {
    unsigned bits;              //  modulus: 2048, 3072 or 4096 (a multiple of 64
                                //  from HE_BITS_MIN with insecure_test_key)
    size_t values;              //  length of the packed vector, 1..BENCH_HE_VALUES_MAX
    unsigned sites;             //  parties of the threshold key, 1..HE_PARTIES_MAX
                                //  (threshold sites / 2 + 1)
    unsigned frac_bits;         //  the codec: |x| < 2^(value_bits - 1 - frac_bits)
    unsigned value_bits;
    bool insecure_test_key;     //  allows bits below 2048 (quick test runs)
} bench_he_options_t;

/*  2048 bits, 100000 values, 10 sites, 16 fractional of 32 value bits. */
void bench_he_defaults (bench_he_options_t *o);

/*  Returns 0 if the options are within their limits, else -1 naming the
    first that is not. (Whether the codec fits the key is found when the
    benchmark runs.) */
int bench_he_check (const bench_he_options_t *o);

/*  Runs the benchmark. NULL if the options are wrong, an he_ call fails or
    a result is wrong (naming the part: "single operations", "packed
    vector", "threshold"). */
json_t *bench_he (const bench_he_options_t *o);

/*  bench_models: per-example gradients of logistic regression and of a
    p-64-1 MLP, their clipped sums (the DP primitive), and training
    logistic regression, on the breast cancer data (569 rows, 30 features,
    standardised). */
typedef struct {
    const char *data;           //  the breast cancer CSV
    bool quick;                 //  time each figure for ~10 ms instead of ~1 s
} bench_models_options_t;

/*  The bundled datasets/breast_cancer_wisconsin.csv, not quick. */
void bench_models_defaults (bench_models_options_t *o);

/*  Runs the benchmark. NULL if the data cannot be read or memory runs out. */
json_t *bench_models (const bench_models_options_t *o);

/*  bench_dp: discrete Gaussian (sigma 1, 10, 1000) and Laplace samples per
    second on one core from the production CSPRNG, epsilon of 1000
    subsampled Gaussian steps over 60 orders, and durable ledger charges
    per second (in a temporary directory under /tmp). */
typedef struct {
    bool quick;                 //  small counts (for tests)
} bench_dp_options_t;

/*  Not quick. */
void bench_dp_defaults (bench_dp_options_t *o);

/*  Runs the benchmark. NULL if the CSPRNG, a sampler, the accountant or
    the ledger fails. */
json_t *bench_dp (const bench_dp_options_t *o);

/*  bench_ingest: sealed records opened (parse, HKDF, AEAD), ingested into
    a store and acknowledged through a site's endpoint on loopback CURVE;
    the audit log's durable appends (group commit and single) and the time
    to verify it. Everything is written to a fresh directory under `tmpdir`
    that is removed afterwards. */
#define BENCH_INGEST_COUNT_MAX 100000000L

typedef struct {
    long records;               //  records to open, ingest and send, 1..COUNT_MAX
    long entries;               //  entries in the verified log, 1..COUNT_MAX
                                //  (audit_verify_1m_s only for 1000000)
    long batch;                 //  entries per durable transaction, 1..AUDIT_BATCH_MAX
    long single;                //  single durable appends, 1..COUNT_MAX
    const char *tmpdir;         //  where the temporary directory goes
} bench_ingest_options_t;

/*  200000 records, 1000000 entries in batches of 1000, 1000 single
    appends, under $TMPDIR (or /tmp when it is unset or empty). */
void bench_ingest_defaults (bench_ingest_options_t *o);

/*  Runs the benchmark. NULL if a count is out of its range, the directory
    cannot be made, or a step fails (naming it). */
json_t *bench_ingest (const bench_ingest_options_t *o);

/*  bench_federation: the cost of the federation itself, measured with
    simulations (sim/simulate.h: real coordinator and site processes on
    loopback, CURVE, threshold Paillier) of the demo's DP logistic
    regression study on the breast cancer data. */
typedef struct {
    bool quick;                 //  512-bit test keys, 1 to 3 steps, 3 and 4 sites
                                //  (the wide runs: 4 sites instead of 50)
} bench_federation_options_t;

/*  Not quick: 2048-bit keys, 3 sites, then 20, then 50 (thresholds 2 and
    26). */
void bench_federation_defaults (bench_federation_options_t *o);

/*  Runs the benchmark. NULL if a simulation fails (its directory is kept
    for a look, and named) or a report lacks a figure. */
json_t *bench_federation (const bench_federation_options_t *o);

/*  bench_query_coverage: over seeded runs of the Pima data split across
    sites (each site's discrete Gaussian noise from a deterministic stream,
    dp_rng_new_seeded_for_tests, so a run is reproducible), the fraction of
    95% intervals (coordinator/query.h) that hold the exact pooled figure:
    count(), mean and sd of summary(glucose), every bin of
    histogram(glucose, breaks=40:200:10) (all bins, and those a report
    shows: not suppressed), quantiles(glucose, 0.1, 0.25, 0.5, 0.75, 0.9)
    (their intervals against R's type 7 of the records, and the fraction of
    runs within 5% of the public range, per probability and the least of
    them), the cells and the chi-squared of crosstab(diabetes, cut(age,
    ...)), and correlation(glucose, mass, age). Post-processing only: no
    keys, no network. */
#define BENCH_QUERY_RUNS_MAX 10000

typedef struct {
    const char *data;           //  the Pima CSV
    const char *dictionary;     //  its data dictionary
    size_t runs;                //  seeded runs, 1..BENCH_QUERY_RUNS_MAX
    unsigned sites;             //  sites the records are split across, 1..256
    unsigned threshold;         //  the quorum t (the noise divisor), 1..sites
    double epsilon, delta;      //  each query's target
    uint64_t seed;              //  run i uses seed + i
} bench_query_coverage_options_t;

/*  The bundled datasets/pima_diabetes.csv and its dictionary, 100 runs, 3
    sites with a quorum of 2, epsilon 1, delta 1e-5, seed 1. */
void bench_query_coverage_defaults (bench_query_coverage_options_t *o);

/*  Runs the benchmark. NULL if an option is out of range, the data cannot
    be read, a query cannot be planned at the target (epsilon too small for
    the sampler's range) or memory runs out. */
json_t *bench_query_coverage (const bench_query_coverage_options_t *o);

/*  bench_fit_coverage: what DP does to the regression tables and survival
    curves (issue 13's acceptance), over seeded runs of the Rotterdam and
    lung data split across sites, each site's discrete Gaussian noise on
    every round from a deterministic stream: the DP Kaplan-Meier curve of
    death (365-day grid) within 0.03 of the exact binned curve at every
    point up to 10 years, its bands holding the exact survival at 5 years;
    per coefficient of coxph(..., grid=730) and glm(family=binomial), the
    share of runs whose 95% interval holds the exact (privacy-off)
    estimate and the median ratio of the interval widths, and the DP
    estimates' root mean square distance from the exact one (dp_rmse)
    beside the median standard error the intervals state (dp_se_median):
    a ratio above 1 is an interval narrower than the estimate's spread;
    the same on the lung data (no bar). Post-processing only: no keys, no
    network. */
#define BENCH_FIT_RUNS_MAX 1000

typedef struct {
    const char *datasets;       //  the folder of rotterdam.csv and lung.csv (+ dictionaries)
    size_t runs;                //  seeded runs, 1..BENCH_FIT_RUNS_MAX
    unsigned sites;             //  sites the records are split across, 1..256
    unsigned threshold;         //  the quorum t (the noise divisor), 1..sites
    double epsilon, delta;      //  each analysis's target
    uint64_t seed;              //  run i uses seed + i
} bench_fit_coverage_options_t;

/*  The bundled datasets/, 50 runs, 3 sites with a quorum of 2, epsilon 1,
    delta 1e-5, seed 1. */
void bench_fit_coverage_defaults (bench_fit_coverage_options_t *o);

/*  Runs the benchmark. NULL if an option is out of range, the data cannot
    be read, an analysis cannot be planned or memory runs out. */
json_t *bench_fit_coverage (const bench_fit_coverage_options_t *o);

/*  bench_query: the wall time of queries end to end (launch to report, as
    an analyst sees it) on running consortia of real processes on loopback
    (sim/: CURVE, threshold Paillier, the data split across the sites).
    First the Pima data, DP at epsilon 1: summary(glucose, mass, age), a
    histogram of 1024 bins, quantiles from the 4,368-node tree, and the
    10-term glm(diabetes ~ ... + age^2 + mass^2, family=binomial), which
    takes exactly its planned rounds (glm_rounds; glm_iteration_ms is the
    wall time over them), and the same fit with privacy off (glm_off_*: it
    stops when it converges). Then, on a second consortium (one at a time),
    the lung data: coxph(Surv(time, status) ~ age + sex + ph_ecog, grid=30)
    with privacy off (cox_privacy), since under DP at epsilon 1 the noise
    swamps the risk sets of its 228 patients. A fit's rounds are the
    coordinator's count (its status), alike in every run. Each query runs
    `runs` times; the report gives the median and the fastest. */
typedef struct {
    bool quick;                 //  512-bit test keys (2048 otherwise)
    unsigned sites;             //  2..16
    unsigned runs;              //  1..100 runs of each query
} bench_query_options_t;

/*  2048 bits, 3 sites (quorum 2), 5 runs. */
void bench_query_defaults (bench_query_options_t *o);

/*  Runs the benchmark. NULL if a query fails, a fit's report holds an
    error, or a fit's rounds differ between runs (the folder is kept and
    named). */
json_t *bench_query (const bench_query_options_t *o);

/*  bench_learning: the test AUC of private logistic regression over seeded
    runs, on one stratified 70/30 hold-out per dataset (sim_split_holdout,
    split_seed) of the breast cancer and the Pima data: the federated study
    (`cohort simulate`: 3 sites, label-skew, the study's defaults otherwise,
    --data the 70%, --test the 30%) and central DP-SGD (sim/dpsgd.h, its
    defaults, noise from a stream seeded with the run's seed) at the same
    (epsilon, delta). Per dataset and side: min, quartiles (R type 7),
    median, max, the runs at AUC >= 0.98 and every run's AUC, keys
    <dataset>_<side>_auc_median and the like; and, for scale, the AUC of
    the non-private model on the same hold-out. Slow (a simulation per run
    and dataset): not part of `make test`. */
#define BENCH_LEARNING_SEEDS_MAX 1000

typedef struct {
    const char *datasets;       //  folder of the two CSVs and their dictionaries
    size_t seeds;               //  runs, 1..BENCH_LEARNING_SEEDS_MAX
    uint64_t seed;              //  run i uses seed + i
    uint64_t split_seed;        //  the 70/30 hold-out
    double epsilon, delta;      //  both sides' target
    bool federated;             //  false: central DP-SGD only (seconds, not minutes)
    bool quick;                 //  federated: 512-bit test keys and 2 steps (for tests)
    bool test_keys;             //  federated: 512-bit test keys, the study as it is
                                //  (the key size changes no AUC: encryption is exact)
    unsigned threshold;         //  federated: the key's threshold t, 2 or 3 (the 3
                                //  sites' noise is split over t: 2 tolerates one
                                //  colluding site at sqrt(3/2) times the noise)
} bench_learning_options_t;

/*  The bundled datasets/, 20 seeds from 1, split seed 2, (1, 1e-5),
    federated, not quick, threshold 2 (`cohort simulate`'s default). Split
    seed 2 is the breast cancer hold-out whose non-private AUC, 0.997, is
    the one issue 16 quotes (seed 1 gives 0.986: a harder 30%). */
void bench_learning_defaults (bench_learning_options_t *o);

/*  Runs the benchmark. NULL if an option is out of range, a dataset cannot
    be read or split, a run fails (its folder is kept and named) or memory
    runs out. */
json_t *bench_learning (const bench_learning_options_t *o);

#endif
