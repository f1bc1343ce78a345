/*  bench/bench_dp.c - bench_dp (`cohort bench dp`): exact noise samplers
    on the production CSPRNG, the RDP accountant and durable ledger
    charges. */
#include "bench.h"
#include "util/error.h"
#include "dp/calibrate.h"
#include "dp/ledger.h"
#include "dp/noise.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  Samples per second of the exact sampler of `kind` at `scale` (as
//  dp/noise.h reads it: sigma for the Gaussian); -1 on sampler failure.
static double
s_rate (dp_rng_t *rng, dp_noise_kind_t kind, const char *scale, long count)
{
    dp_noise_t noise;
    if (dp_noise_init (&noise, kind, scale))
        return -1;
    int64_t y, sink = 0;
    double t0 = bench_now ();
    for (long i = 0; i < count; i++) {
        if (dp_noise_sample (&noise, rng, &y))
            return -1;
        sink ^= y;
    }
    double dt = bench_now () - t0;
    //  Keeps the loop observable without printing the noise.
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
        return util_error (UTIL_EIO, "cannot create a directory in /tmp: %s", strerror (errno));
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

void
bench_dp_defaults (bench_dp_options_t *o)
{
    *o = (bench_dp_options_t) { .quick = false };
}

json_t *
bench_dp (const bench_dp_options_t *o)
{
    long samples = o->quick? 20000: 3000000;
    dp_rng_t *rng = dp_rng_new ();
    if (!rng)
        return NULL;
    const dp_noise_kind_t gauss = DP_NOISE_DISCRETE_GAUSSIAN;
    double g1 = s_rate (rng, gauss, "1", samples);
    double g10 = g1 < 0? -1: s_rate (rng, gauss, "10", samples);
    double g1000 = g10 < 0? -1: s_rate (rng, gauss, "1000", samples);
    double lap = g1000 < 0? -1: s_rate (rng, DP_NOISE_DISCRETE_LAPLACE, "10", samples);
    dp_rng_destroy (&rng);
    double acc = lap < 0? -1: s_accountant_ms (o->quick? 2: 50);
    double ledger = acc < 0? -1: s_ledger_rate (o->quick? 20: 500);
    if (ledger < 0)
        return NULL;
    json_t *report = json_pack ("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:I}",
        "discrete_gaussian_samples_per_s", g10,
        "discrete_gaussian_sigma1_samples_per_s", g1,
        "discrete_gaussian_sigma10_samples_per_s", g10,
        "discrete_gaussian_sigma1000_samples_per_s", g1000,
        "laplace_samples_per_s", lap,
        "accountant_epsilon_ms", acc,
        "ledger_charge_per_s", ledger,
        "samples", (json_int_t) samples);
    return report? report: util_error_null (UTIL_ENOMEM, "out of memory building the report");
}
