/*  bench/bench_dp.c - `cohort bench dp`: exact noise samplers on the
    production CSPRNG, the RDP accountant and durable ledger charges. */
#include "bench.h"
#include "util/error.h"
#include "dp/calibrate.h"
#include "dp/discrete.h"
#include "dp/ledger.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
s_usage (FILE *to)
{
    fputs ("usage: cohort bench dp [--quick] [--json]\n"
           "  discrete Gaussian (sigma 1, 10, 1000) and Laplace samples per second on\n"
           "  one core, epsilon of 1000 subsampled Gaussian steps over 60 orders, and\n"
           "  durable ledger charges per second (in a temporary directory)\n"
           "  --quick    small counts (for tests)\n"
           "  --json     one JSON object on stdout\n", to);
}

//  Samples per second; -1 on sampler failure.
static double
s_gauss_rate (dp_rng_t *rng, uint64_t sigma, long count)
{
    dp_rational_t s2;
    dp_dgauss_t g;
    if (dp_rational_set (&s2, sigma * sigma, 1) || dp_dgauss_init (&g, &s2))
        return -1;
    int64_t y, sink = 0;
    double t0 = bench_now ();
    for (long i = 0; i < count; i++) {
        if (dp_dgauss_sample (&g, rng, &y))
            return -1;
        sink ^= y;
    }
    double dt = bench_now () - t0;
    //  Keeps the loop observable without printing the noise.
    __asm__ volatile ("" :: "r" (sink));
    return (double) count / dt;
}

static double
s_laplace_rate (dp_rng_t *rng, long count)
{
    dp_rational_t b;
    dp_dlaplace_t l;
    if (dp_rational_set (&b, 10, 1) || dp_dlaplace_init (&l, &b))
        return -1;
    int64_t y, sink = 0;
    double t0 = bench_now ();
    for (long i = 0; i < count; i++) {
        if (dp_dlaplace_sample (&l, rng, &y))
            return -1;
        sink ^= y;
    }
    double dt = bench_now () - t0;
    __asm__ volatile ("" :: "r" (sink));
    return (double) count / dt;
}

//  Milliseconds for one epsilon of 1000 steps over 60 orders (1.5..31 by
//  0.5: integer and fractional orders).
static double
s_accountant_ms (int reps)
{
    double orders [60];
    for (int i = 0; i < 60; i++)
        orders [i] = 1.5 + 0.5 * i;
    double eps, t0 = bench_now ();
    for (int r = 0; r < reps; r++)
        if (dp_epsilon_subsampled_gaussian (0.01, 1.1, 1000, 1e-5, orders, 60,
                                            DP_CONVERSION_IMPROVED, &eps, NULL))
            return -1;
    return (bench_now () - t0) * 1000 / reps;
}

static double
s_ledger_rate (int count)
{
    char dir [] = "/tmp/cohort-bench-ledger-XXXXXX";
    if (!mkdtemp (dir))
        return -1;
    char path [128], wal [136], shm [136];
    snprintf (path, sizeof path, "%s/ledger.db", dir);
    snprintf (wal, sizeof wal, "%s-wal", path);
    snprintf (shm, sizeof shm, "%s-shm", path);
    double rate = -1;
    dp_ledger_t *l = dp_ledger_open (path);
    dp_curve_t *one = dp_curve_new_default ();
    if (l && one && dp_curve_add_subsampled_gaussian (one, 0.001, 2.0, 1) == 0
    &&  dp_ledger_set_budget (l, "bench", "ds", 1e9, 1e-5) == 0) {
        double t0 = bench_now ();
        int i;
        for (i = 0; i < count; i++)
            if (dp_ledger_charge (l, "bench", "ds", one, "bench") != 0)
                break;
        if (i == count)
            rate = count / (bench_now () - t0);
    }
    dp_curve_destroy (&one);
    dp_ledger_destroy (&l);
    unlink (wal);
    unlink (shm);
    unlink (path);
    rmdir (dir);
    return rate;
}

int
bench_dp (int argc, char **argv)
{
    static const struct option options [] = {
        { "quick", no_argument, NULL, 'q' },
        { "json",  no_argument, NULL, 'j' },
        { "help",  no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    bool json = false, quick = false;
    optind = 1;
    int opt;
    while ((opt = getopt_long (argc, argv, "h", options, NULL)) != -1) {
        if (opt == 'q')
            quick = true;
        else
        if (opt == 'j')
            json = true;
        else
        if (opt == 'h') {
            s_usage (stdout);
            return 0;
        }
        else {
            s_usage (stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf (stderr, "cohort: error: bench dp: unexpected argument '%s'\n", argv [optind]);
        return 2;
    }
    long samples = quick? 20000: 3000000;
    dp_rng_t *rng = dp_rng_new ();
    if (!rng) {
        fprintf (stderr, "cohort: error: bench dp: %s\n", util_last_error ());
        return 1;
    }
    double g1 = s_gauss_rate (rng, 1, samples);
    double g10 = s_gauss_rate (rng, 10, samples);
    double g1000 = s_gauss_rate (rng, 1000, samples);
    double lap = s_laplace_rate (rng, samples);
    dp_rng_destroy (&rng);
    double acc = s_accountant_ms (quick? 2: 50);
    double ledger = s_ledger_rate (quick? 20: 500);
    if (g1 < 0 || g10 < 0 || g1000 < 0 || lap < 0 || acc < 0 || ledger < 0) {
        fprintf (stderr, "cohort: error: bench dp: %s\n", util_last_error ());
        return 1;
    }
    json_t *report = json_object ();
    json_object_set_new (report, "discrete_gaussian_samples_per_s", json_real (g10));
    json_object_set_new (report, "discrete_gaussian_sigma1_samples_per_s", json_real (g1));
    json_object_set_new (report, "discrete_gaussian_sigma10_samples_per_s", json_real (g10));
    json_object_set_new (report, "discrete_gaussian_sigma1000_samples_per_s", json_real (g1000));
    json_object_set_new (report, "laplace_samples_per_s", json_real (lap));
    json_object_set_new (report, "accountant_epsilon_ms", json_real (acc));
    json_object_set_new (report, "ledger_charge_per_s", json_real (ledger));
    json_object_set_new (report, "samples", json_integer (samples));
    return bench_emit (report, json, stdout) == 0? 0: 1;
}
