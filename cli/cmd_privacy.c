/*  cli/cmd_privacy.c - `cohort privacy epsilon|calibrate|sample`: the
    accountant and the production noise samplers from the command line.
    The work is done by dp/schedule.h and dp/noise.h; this file parses and
    prints. */
#include "cli.h"
#include "cmd.h"
#include "dp/noise.h"
#include "dp/schedule.h"
#include "util/error.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SAMPLE_COUNT_MAX 1000000000L

static const char s_epsilon_usage [] =
    "usage: cohort privacy epsilon --sampling-rate Q --noise-multiplier Z --steps T\n"
    "                              --delta D [--conversion classic|improved]\n"
    "                              [--orders LIST] [--json]\n"
    "  Epsilon of T Poisson-subsampled Gaussian steps (RDP accountant, Mironov-\n"
    "  Talwar-Zhang 2019), minimised over the orders, and the optimal order.\n"
    "  --sampling-rate Q     in (0, 1]\n"
    "  --noise-multiplier Z  sigma / L2 sensitivity, > 0\n"
    "  --steps T             >= 1\n"
    "  --delta D             in (0, 1)\n"
    "  --conversion C        improved (default; Canonne-Kamath-Steinke 2020) or\n"
    "                        classic (Mironov 2017)\n"
    "  --orders LIST         comma-separated orders and ranges lo:hi:step, e.g.\n"
    "                        1.1:10.9:0.1,12:63:1 (default: TF Privacy's grid\n"
    "                        1.25..4.5, 5..63, 128, 256, 512)\n"
    "  --json                one JSON object\n";

static const char s_calibrate_usage [] =
    "usage: cohort privacy calibrate --epsilon E --delta D --sampling-rate Q --steps T\n"
    "                                [--conversion classic|improved] [--orders LIST]\n"
    "                                [--json]\n"
    "  The smallest noise multiplier (to 1e-9 relative) whose epsilon after T\n"
    "  steps is at most E; the answer never exceeds the target.\n";

static const char s_sample_usage [] =
    "usage: cohort privacy sample --distribution discrete-gaussian|discrete-laplace\n"
    "                             --scale S --count N\n"
    "  N integers from the production sampler (OpenSSL CSPRNG, exact\n"
    "  Canonne-Kamath-Steinke 2020 algorithms), one per line. S is a positive\n"
    "  decimal or fraction (2.5, 7/3): sigma^2 = S^2 for the Gaussian, scale S\n"
    "  for the Laplace. N in [1, 10^9].\n";

//  Parses epsilon's or calibrate's options into *s (its orders owned by
//  the caller, NULL for the default grid) and *target (calibrate's
//  --epsilon). Returns CLI_OK, -1 after --help, or CLI_USAGE after naming
//  the problem.
static int
s_parse (int argc, char **argv, const char *usage, bool calibrate, dp_schedule_t *s,
         double *target, bool *json)
{
    *s = (dp_schedule_t) { .conversion = DP_CONVERSION_IMPROVED };
    const char *conversion = "improved", *orders = NULL;
    bool q = false, z = false, steps = false, delta = false, eps = false;
    const cli_opt_t table [] = {
        { "sampling-rate", CLI_OPT_DOUBLE, &s->sampling_rate, 0, 1, "(]", &q },
        { "noise-multiplier", CLI_OPT_DOUBLE, &s->noise_multiplier, 0, INFINITY, "()", &z },
        { "steps", CLI_OPT_U64, &s->steps, 1, (double) (1ull << 50), NULL, &steps },
        { "delta", CLI_OPT_DOUBLE, &s->delta, 0, 1, "()", &delta },
        { "epsilon", CLI_OPT_DOUBLE, target, 0, INFINITY, "()", &eps },
        { "conversion", CLI_OPT_CHOICE, &conversion, 0, 0, "improved|classic", NULL },
        CLI_STRING ("orders", &orders), CLI_FLAG ("json", json),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, usage);
    if (rc)
        return rc;
    const char *missing = !q? "--sampling-rate": !steps? "--steps": !delta? "--delta"
                        : calibrate && !eps? "--epsilon"
                        : !calibrate && !z? "--noise-multiplier": NULL;
    if (missing) {
        cli_error ("missing %s (see --help)", missing);
        return CLI_USAGE;
    }
    if (calibrate? z: eps) {
        cli_error ("%s", calibrate? "calibrate computes the noise multiplier: drop "
                                    "--noise-multiplier"
                                  : "epsilon computes epsilon: drop --epsilon (or use "
                                    "`privacy calibrate`)");
        return CLI_USAGE;
    }
    if (strcmp (conversion, "classic") == 0)
        s->conversion = DP_CONVERSION_CLASSIC;
    double *grid = NULL;
    if (orders && dp_orders_parse (orders, &grid, &s->n_orders)) {
        cli_error ("--orders: %s", util_last_error ());
        return CLI_USAGE;
    }
    s->orders = grid;
    return CLI_OK;
}

//  Prints one JSON object (consumed) on a line. Returns CLI_OK, or
//  CLI_FAIL if there is none.
static int
s_print_json (json_t *o, int precision)
{
    if (!o) {
        cli_error ("privacy: out of memory");
        return CLI_FAIL;
    }
    json_dumpf (o, stdout, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION (precision));
    fputc ('\n', stdout);
    json_decref (o);
    return CLI_OK;
}

//  `privacy epsilon` and `privacy calibrate`: one schedule, its epsilon
//  for a given noise multiplier, or the noise multiplier for a target.
static int
s_schedule (int argc, char **argv, bool calibrate)
{
    dp_schedule_t s;
    double target = 0, eps, order;
    bool json = false;
    int rc = s_parse (argc, argv, calibrate? s_calibrate_usage: s_epsilon_usage, calibrate,
                      &s, &target, &json);
    if (rc)
        return rc < 0? CLI_OK: rc;
    const char *conversion = dp_conversion_name (s.conversion);
    if (calibrate? dp_schedule_calibrate (&s, target, &eps, &order)
                 : dp_schedule_epsilon (&s, &eps, &order)) {
        cli_error ("privacy %s: %s", calibrate? "calibrate": "epsilon", util_last_error ());
        rc = CLI_FAIL;
    }
    else
    if (json && calibrate)
        rc = s_print_json (json_pack ("{s:f, s:f, s:f, s:s, s:f, s:f, s:I}",
                                      "noise_multiplier", s.noise_multiplier, "epsilon", eps,
                                      "order", order, "conversion", conversion,
                                      "delta", s.delta, "sampling_rate", s.sampling_rate,
                                      "steps", (json_int_t) s.steps), 12);
    else
    if (json)
        rc = s_print_json (json_pack ("{s:f, s:f, s:s, s:f, s:f, s:f, s:I, s:s}",
                                      "epsilon", eps, "order", order, "conversion", conversion,
                                      "delta", s.delta, "sampling_rate", s.sampling_rate,
                                      "noise_multiplier", s.noise_multiplier,
                                      "steps", (json_int_t) s.steps,
                                      "accountant", "rdp-poisson-subsampled-gaussian"), 10);
    else {
        if (calibrate)
            printf ("noise_multiplier %.10g\n", s.noise_multiplier);
        printf ("epsilon %.7g\norder %g\nconversion %s\n", eps, order, conversion);
    }
    free ((double *) s.orders);
    return rc;
}

static int
s_epsilon (int argc, char **argv)
{
    return s_schedule (argc, argv, false);
}

static int
s_calibrate (int argc, char **argv)
{
    return s_schedule (argc, argv, true);
}

static int
s_sample (int argc, char **argv)
{
    const char *distribution = NULL, *scale = NULL;
    long count = 0;
    const cli_opt_t table [] = {
        CLI_STRING ("distribution", &distribution), CLI_STRING ("scale", &scale),
        { "count", CLI_OPT_LONG, &count, 1, S_SAMPLE_COUNT_MAX, NULL, NULL },
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, s_sample_usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    const char *missing = !distribution? "--distribution": !scale? "--scale"
                        : !count? "--count": NULL;
    if (missing) {
        cli_error ("missing %s (see --help)", missing);
        return CLI_USAGE;
    }
    dp_noise_kind_t kind;
    dp_noise_t noise;
    if (dp_noise_kind_parse (distribution, &kind)) {
        cli_error ("--distribution: %s", util_last_error ());
        return CLI_USAGE;
    }
    if (dp_noise_init (&noise, kind, scale)) {
        cli_error ("--scale: %s", util_last_error ());
        return CLI_USAGE;
    }
    dp_rng_t *rng = dp_rng_new ();
    if (!rng) {
        cli_error ("privacy sample: %s", util_last_error ());
        return CLI_FAIL;
    }
    bool unwritten = false;
    for (long i = 0; rc == CLI_OK && !unwritten && i < count; i++) {
        int64_t y;
        if (dp_noise_sample (&noise, rng, &y)) {
            cli_error ("privacy sample: %s", util_last_error ());
            rc = CLI_FAIL;
        }
        else
            unwritten = printf ("%lld\n", (long long) y) < 0;
    }
    if ((fflush (stdout) != 0 || unwritten) && rc == CLI_OK) {
        cli_error ("privacy sample: cannot write to stdout");
        rc = CLI_FAIL;
    }
    dp_rng_destroy (&rng);
    return rc;
}

static const cli_command_t s_privacy [] = {
    { "epsilon",   "epsilon of a Poisson-subsampled Gaussian schedule (RDP accountant)",
      s_epsilon },
    { "calibrate", "smallest noise multiplier meeting a target epsilon", s_calibrate },
    { "sample",    "integers from the exact discrete Gaussian/Laplace sampler", s_sample },
    { NULL, NULL, NULL }
};

int
cli_cmd_privacy (int argc, char **argv)
{
    return cli_dispatch ("cohort privacy", s_privacy, argc, argv);
}
