/*  cli/cmd_bench.c - `cohort bench <area>`: parses an area's options, runs
    it (bench/bench.h) and prints its report; `cohort bench all` runs every
    area with the options given. */
#include "cli.h"
#include "cmd.h"
#include "audit/log.h"
#include "bench/bench.h"
#include "he/paillier.h"
#include "he/threshold.h"
#include "util/error.h"

#include <string.h>

static const char s_he_usage [] =
    "usage: cohort bench he [--bits 2048|3072] [--values N] [--sites N] [--json]\n"
    "  --bits B      modulus size (default 2048)\n"
    "  --values N    length of the packed vector (default 100000)\n"
    "  --sites N     parties of the threshold key (default 10; threshold N/2+1)\n"
    "  --frac-bits F, --value-bits V\n"
    "                codec: F fractional bits, |x| < 2^(V-1-F) (default 16, 32)\n"
    "  --json        one JSON object on stdout\n"
    "  --insecure-test-key  allow --bits below 2048 (for quick test runs)\n";

static const char s_models_usage [] =
    "usage: cohort bench models [--data F.csv] [--quick] [--json]\n"
    "  --data F   breast cancer CSV (default: the bundled\n"
    "             datasets/breast_cancer_wisconsin.csv)\n"
    "  --quick    time each figure for ~10 ms instead of ~1 s (for tests)\n"
    "  --json     one JSON object on stdout\n";

static const char s_dp_usage [] =
    "usage: cohort bench dp [--quick] [--json]\n"
    "  discrete Gaussian (sigma 1, 10, 1000) and Laplace samples per second on\n"
    "  one core, epsilon of 1000 subsampled Gaussian steps over 60 orders, and\n"
    "  durable ledger charges per second (in a temporary directory)\n"
    "  --quick    small counts (for tests)\n"
    "  --json     one JSON object on stdout\n";

static const char s_ingest_usage [] =
    "usage: cohort bench ingest [--json] [--entries N] [--batch B] [--single S]\n"
    "                          [--records R]\n"
    "  --records R  sealed 64-byte-payload records to open, and heart-rate\n"
    "               Observations to ingest into a store, and to send through a\n"
    "               site's ingest endpoint from a gateway on loopback CURVE,\n"
    "               acknowledged once durable (default 200000)\n"
    "  --entries N  entries in the log that is verified (default 1000000;\n"
    "               audit_verify_1m_s is reported only for 1000000)\n"
    "  --batch B    entries per durable transaction (default 1000)\n"
    "  --single S   single durable appends to time (default 1000)\n"
    "  --json       one JSON object on stdout\n";

static const char s_federation_usage [] =
    "usage: cohort bench federation [--quick] [--json]\n"
    "  Runs simulated studies (as `cohort simulate`: 3 sites, then 20, then 50) and\n"
    "  reports:\n"
    "    round_overhead_ms      crypto + network per LR round (local gradient\n"
    "                           time subtracted)\n"
    "    mlp_round_ms           per round of a 30-64-1 MLP\n"
    "    study_wall_s           the demo's DP logistic regression study\n"
    "    coordinator_rss_mb_3_sites, coordinator_rss_mb_20_sites\n"
    "                           peak resident memory of the coordinator\n"
    "    round_ms_at_50_sites_threshold_2, round_ms_at_50_sites_threshold_26\n"
    "                           per LR training round at 50 sites, 2-of-50 and\n"
    "                           26-of-50 key (the coordinator's own round timing)\n"
    "    verify_partials_ms_26_threads_1, _threads_<cpus>\n"
    "                           the coordinator's 26 proof checks of one round,\n"
    "                           serial and on its verification pool\n"
    "    status_p50_ms          median `study status` latency, 50 sites connected\n"
    "  --quick    512-bit test keys, 1 to 3 steps, 3 and 4 sites (for tests; the\n"
    "             wide runs at 4 sites, thresholds 2 and 3, named so)\n"
    "  --json     one JSON object on stdout\n"
    "  The `cohort` binary run is this program, or $COHORT_BIN.\n";

static const char s_query_coverage_usage [] =
    "usage: cohort bench query-coverage [--runs N] [--epsilon E] [--json]\n"
    "  Over seeded runs of the Pima data split across 3 sites (quorum 2), each\n"
    "  site adding its discrete Gaussian noise, the fraction of DP query results'\n"
    "  95% intervals that hold the exact pooled figure (count, mean, sd, histogram\n"
    "  bins, quantiles, crosstab cells, chi-squared, correlations), and of DP\n"
    "  quantiles within 5% of the public range of R's type-7 quantile\n"
    "  --runs N     seeded runs (default 100)\n"
    "  --epsilon E  each query's epsilon (default 1; delta 1e-5)\n"
    "  --json       one JSON object on stdout\n";

//  Prints an area's report (consumed), or why there is none. Returns the
//  exit code.
static int
s_emit (const char *area, json_t *report, bool json)
{
    if (!report) {
        cli_error ("bench %s: %s", area, util_last_error ());
        return CLI_FAIL;
    }
    if (bench_emit (report, json, stdout)) {
        cli_error ("bench %s: cannot write the report", area);
        return CLI_FAIL;
    }
    return CLI_OK;
}

static int
s_he (int argc, char **argv)
{
    bench_he_options_t o;
    bench_he_defaults (&o);
    bool json = false;
    const cli_opt_t table [] = {
        { "bits", CLI_OPT_UINT, &o.bits, HE_BITS_MIN, 4096, NULL, NULL },
        { "values", CLI_OPT_SIZE, &o.values, 1, BENCH_HE_VALUES_MAX, NULL, NULL },
        { "sites", CLI_OPT_UINT, &o.sites, 1, HE_PARTIES_MAX, NULL, NULL },
        //  Whether the codec fits the key is found when it runs.
        { "frac-bits", CLI_OPT_UINT, &o.frac_bits, 0, 63, NULL, NULL },
        { "value-bits", CLI_OPT_UINT, &o.value_bits, 0, 63, NULL, NULL },
        CLI_FLAG ("json", &json), CLI_FLAG ("insecure-test-key", &o.insecure_test_key),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, s_he_usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    if (bench_he_check (&o)) {
        cli_error ("bench he: %s", util_last_error ());
        return CLI_USAGE;
    }
    return s_emit ("he", bench_he (&o), json);
}

static int
s_models (int argc, char **argv)
{
    bench_models_options_t o;
    bench_models_defaults (&o);
    bool json = false;
    const cli_opt_t table [] = {
        CLI_STRING ("data", &o.data), CLI_FLAG ("quick", &o.quick), CLI_FLAG ("json", &json),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, s_models_usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    return s_emit ("models", bench_models (&o), json);
}

static int
s_dp (int argc, char **argv)
{
    bench_dp_options_t o;
    bench_dp_defaults (&o);
    bool json = false;
    const cli_opt_t table [] = { CLI_FLAG ("quick", &o.quick), CLI_FLAG ("json", &json), CLI_END };
    int rc = cli_parse (argc, argv, table, s_dp_usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    return s_emit ("dp", bench_dp (&o), json);
}

static int
s_ingest (int argc, char **argv)
{
    bench_ingest_options_t o;
    bench_ingest_defaults (&o);
    bool json = false;
    const cli_opt_t table [] = {
        { "entries", CLI_OPT_LONG, &o.entries, 1, BENCH_INGEST_COUNT_MAX, NULL, NULL },
        { "batch", CLI_OPT_LONG, &o.batch, 1, AUDIT_BATCH_MAX, NULL, NULL },
        { "single", CLI_OPT_LONG, &o.single, 1, BENCH_INGEST_COUNT_MAX, NULL, NULL },
        { "records", CLI_OPT_LONG, &o.records, 1, BENCH_INGEST_COUNT_MAX, NULL, NULL },
        CLI_FLAG ("json", &json),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, s_ingest_usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    return s_emit ("ingest", bench_ingest (&o), json);
}

static int
s_federation (int argc, char **argv)
{
    bench_federation_options_t o;
    bench_federation_defaults (&o);
    bool json = false;
    const cli_opt_t table [] = { CLI_FLAG ("quick", &o.quick), CLI_FLAG ("json", &json), CLI_END };
    int rc = cli_parse (argc, argv, table, s_federation_usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    return s_emit ("federation", bench_federation (&o), json);
}

static int
s_query_coverage (int argc, char **argv)
{
    bench_query_coverage_options_t o;
    bench_query_coverage_defaults (&o);
    bool json = false;
    const cli_opt_t table [] = {
        { "runs", CLI_OPT_SIZE, &o.runs, 1, BENCH_QUERY_RUNS_MAX, NULL, NULL },
        { "epsilon", CLI_OPT_DOUBLE, &o.epsilon, 0, 100, "(]", NULL },
        CLI_FLAG ("json", &json),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, s_query_coverage_usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    return s_emit ("query-coverage", bench_query_coverage (&o), json);
}

static const char s_fit_coverage_usage [] =
    "usage: cohort bench fit-coverage [--runs N] [--epsilon E] [--json]\n"
    "  Over seeded runs of the Rotterdam (2,982 patients) and lung (228) data split\n"
    "  across 3 sites (quorum 2), each site adding its discrete Gaussian noise to\n"
    "  every round: how close the DP Kaplan-Meier curve stays to the exact one and\n"
    "  how often its bands hold it, and per coefficient of coxph() and\n"
    "  glm(family=binomial) how often the DP 95% interval holds the exact estimate\n"
    "  and how much wider it is than the exact interval\n"
    "  --runs N     seeded runs (default 50)\n"
    "  --epsilon E  each analysis's epsilon (default 1; delta 1e-5)\n"
    "  --json       one JSON object on stdout\n";

static int
s_fit_coverage (int argc, char **argv)
{
    bench_fit_coverage_options_t o;
    bench_fit_coverage_defaults (&o);
    bool json = false;
    const cli_opt_t table [] = {
        { "runs", CLI_OPT_SIZE, &o.runs, 1, BENCH_FIT_RUNS_MAX, NULL, NULL },
        { "epsilon", CLI_OPT_DOUBLE, &o.epsilon, 0, 100, "(]", NULL },
        CLI_FLAG ("json", &json),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, s_fit_coverage_usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    return s_emit ("fit-coverage", bench_fit_coverage (&o), json);
}

static const char s_query_usage [] =
    "usage: cohort bench query [--quick] [--sites N] [--runs N] [--json]\n"
    "  Queries end to end on a consortium of real processes on loopback (CURVE,\n"
    "  2-of-N threshold Paillier, the Pima data across the sites, DP at epsilon 1):\n"
    "  the median and fastest wall time from launch to report of\n"
    "  summary(glucose, mass, age), a 1024-bin histogram, a quantile tree and a\n"
    "  10-term glm(family=binomial) (its rounds and time per round; also with\n"
    "  privacy off); then on a second consortium with the lung data,\n"
    "  coxph(Surv(time, status) ~ age + sex + ph_ecog, grid=30) with privacy off\n"
    "  (under DP at epsilon 1 the noise swamps its 228 patients' risk sets).\n"
    "  --quick      512-bit test keys (default 2048)\n"
    "  --sites N    sites (2..256, default 3)\n"
    "  --runs N     runs of each query (1..100, default 5)\n";

static int
s_query (int argc, char **argv)
{
    bench_query_options_t o;
    bench_query_defaults (&o);
    bool json = false;
    const cli_opt_t table [] = {
        CLI_FLAG ("quick", &o.quick),
        { "sites", CLI_OPT_UINT, &o.sites, 2, HE_PARTIES_MAX, NULL, NULL },
        { "runs", CLI_OPT_UINT, &o.runs, 1, 100, NULL, NULL },
        CLI_FLAG ("json", &json),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, s_query_usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    return s_emit ("query", bench_query (&o), json);
}

static const char s_learning_usage [] =
    "usage: cohort bench learning [--seeds N] [--seed S] [--split-seed S] [--epsilon E]\n"
    "                             [--threshold T] [--central-only] [--test-keys] [--quick]\n"
    "                             [--json]\n"
    "  Test AUC of private logistic regression over seeded runs on a stratified\n"
    "  70/30 hold-out of the breast cancer and the Pima data: the federated study\n"
    "  (`cohort simulate`: 3 sites, label-skew, --data the 70%, --test the 30%)\n"
    "  and central DP-SGD (`cohort train --epsilon`) at the same (epsilon, 1e-5);\n"
    "  per dataset and side min, quartiles, median, max and the runs >= 0.98\n"
    "  --seeds N       runs (default 20; each federated run is a simulation)\n"
    "  --seed S        run i uses seed S + i (default 1)\n"
    "  --split-seed S  the 70/30 hold-out (default 2: the breast cancer split whose\n"
    "                  non-private AUC, 0.997, issue 16 quotes; 1 gives 0.986)\n"
    "  --epsilon E     both sides' epsilon (default 1)\n"
    "  --threshold T   federated: the key's threshold, 2 (default: each site adds\n"
    "                  half the noise variance, so one colluding site is covered;\n"
    "                  3/2 of central DP-SGD's variance in all) or 3 (a third each:\n"
    "                  central's variance, and every round needs all three sites)\n"
    "  --central-only  central DP-SGD only (seconds)\n"
    "  --test-keys     federated: 512-bit test keys (4 times faster; encryption\n"
    "                  is exact, so no AUC changes)\n"
    "  --quick         federated: 512-bit test keys, 2 steps (for tests)\n"
    "  --json          one JSON object on stdout\n";

static int
s_learning (int argc, char **argv)
{
    bench_learning_options_t o;
    bench_learning_defaults (&o);
    bool json = false, central_only = false;
    const cli_opt_t table [] = {
        { "seeds", CLI_OPT_SIZE, &o.seeds, 1, BENCH_LEARNING_SEEDS_MAX, NULL, NULL },
        { "seed", CLI_OPT_U64, &o.seed, 0, (double) INT64_MAX / 2, NULL, NULL },
        { "split-seed", CLI_OPT_U64, &o.split_seed, 0, (double) INT64_MAX / 2, NULL, NULL },
        { "epsilon", CLI_OPT_DOUBLE, &o.epsilon, 0, 100, "(]", NULL },
        { "threshold", CLI_OPT_UINT, &o.threshold, 2, 3, NULL, NULL },
        CLI_FLAG ("central-only", &central_only), CLI_FLAG ("test-keys", &o.test_keys),
        CLI_FLAG ("quick", &o.quick),
        CLI_FLAG ("json", &json),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, s_learning_usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    o.federated = !central_only;
    return s_emit ("learning", bench_learning (&o), json);
}

static const cli_command_t s_areas [] = {
    { "he", "Paillier: keygen, encryption, decryption, threshold (--bits 2048|3072)", s_he },
    { "models", "per-example and clipped gradients (LR, 30-64-1 MLP), LR training", s_models },
    { "dp", "exact noise samplers, RDP accountant, ledger charges (--quick)", s_dp },
    { "ingest", "sealed-record opens, audit log durable appends, verify 1M entries", s_ingest },
    { "federation", "round overhead, MLP round, study wall time, coordinator memory",
      s_federation },
    { "query", "queries end to end: summary, histogram, quantile tree, glm, coxph (--quick)",
      s_query },
    { "query-coverage", "how often DP query intervals hold the exact pooled figures",
      s_query_coverage },
    { "fit-coverage", "what DP does to regression tables and survival curves (Rotterdam, lung)",
      s_fit_coverage },
    { "learning", "test AUC over seeds: federated vs central DP-SGD LR (slow; --central-only)",
      s_learning },
    { NULL, NULL, NULL }
};

int
cli_cmd_bench (int argc, char **argv)
{
    if (argc < 2 || strcmp (argv [1], "all") != 0)
        return cli_dispatch ("cohort bench", s_areas, argc, argv);
    //  `cohort bench all [--json]` runs every area with the options given,
    //  each seeing them after its own name in argv [1].
    char *all = argv [1];
    int rc = CLI_OK;
    for (const cli_command_t *a = s_areas; a->name && rc == CLI_OK; a++) {
        argv [1] = (char *) a->name;
        rc = a->run (argc - 1, argv + 1);
    }
    argv [1] = all;
    return rc;
}
