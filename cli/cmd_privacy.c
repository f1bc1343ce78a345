/*  cli/cmd_privacy.c - `cohort privacy epsilon|calibrate|sample`: the
    accountant and the production noise samplers from the command line. */
#include "cli.h"
#include "util/error.h"
#include "cmd.h"
#include "dp/calibrate.h"
#include "dp/discrete.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SAMPLE_COUNT_MAX 1000000000L

//  Options shared by epsilon and calibrate. Unset doubles are NAN, unset
//  steps 0, so that "missing" and "bad" are told apart.
typedef struct {
    double q, z, delta, epsilon;
    long steps;
    dp_conversion_t conversion;
    double *orders;             //  NULL: the default grid
    size_t n_orders;
    bool json;
} s_args_t;

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

//  A double option with an open/closed range check and a message naming it.
static int
s_number (const char *option, const char *text, double lo, bool lo_open, double hi,
          bool hi_open, double *out)
{
    double v;
    if (cli_parse_double (option, text, -INFINITY, INFINITY, &v))
        return -1;
    if ((lo_open? v <= lo: v < lo) || (hi_open? v >= hi: v > hi)) {
        cli_error ("%s: %s is outside %c%g, %g%c", option, text, lo_open? '(': '[', lo, hi,
                   hi_open? ')': ']');
        return -1;
    }
    *out = v;
    return 0;
}

//  Returns 0 (parsed), 1 (help printed) or -1 (usage error reported).
static int
s_parse (int argc, char **argv, const char *usage, bool calibrate, s_args_t *a)
{
    static const struct option options [] = {
        { "sampling-rate",    required_argument, NULL, 'q' },
        { "noise-multiplier", required_argument, NULL, 'z' },
        { "steps",            required_argument, NULL, 't' },
        { "delta",            required_argument, NULL, 'd' },
        { "epsilon",          required_argument, NULL, 'e' },
        { "conversion",       required_argument, NULL, 'c' },
        { "orders",           required_argument, NULL, 'o' },
        { "json",             no_argument,       NULL, 'j' },
        { "help",             no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    a->q = a->z = a->delta = a->epsilon = NAN;
    a->steps = 0;
    a->conversion = DP_CONVERSION_IMPROVED;
    a->orders = NULL;
    a->json = false;
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long (argc, argv, "+h", options, NULL)) != -1) {
        int rc = 0;
        switch (opt) {
            case 'q': rc = s_number ("--sampling-rate", optarg, 0, true, 1, false, &a->q); break;
            case 'z': rc = s_number ("--noise-multiplier", optarg, 0, true, INFINITY, true, &a->z);
                      break;
            case 'd': rc = s_number ("--delta", optarg, 0, true, 1, true, &a->delta); break;
            case 'e': rc = s_number ("--epsilon", optarg, 0, true, INFINITY, true, &a->epsilon);
                      break;
            case 't': rc = cli_parse_long ("--steps", optarg, 1, (long) 1 << 50, &a->steps);
                      break;
            case 'c':
                if (strcmp (optarg, "improved") == 0)
                    a->conversion = DP_CONVERSION_IMPROVED;
                else
                if (strcmp (optarg, "classic") == 0)
                    a->conversion = DP_CONVERSION_CLASSIC;
                else {
                    cli_error ("--conversion: '%s' is neither 'improved' nor 'classic'", optarg);
                    rc = -1;
                }
                break;
            case 'o':
                free (a->orders);
                a->orders = NULL;
                if (dp_orders_parse (optarg, &a->orders, &a->n_orders)) {
                    cli_error ("--orders: %s", util_last_error ());
                    rc = -1;
                }
                break;
            case 'j': a->json = true; break;
            case 'h': fputs (usage, stdout); rc = 1; break;
            default:
                cli_error ("unknown or incomplete option '%s' (see --help)", argv [optind - 1]);
                rc = -1;
        }
        if (rc) {
            free (a->orders);
            return rc;
        }
    }
    if (optind < argc) {
        cli_error ("unexpected argument '%s'", argv [optind]);
        free (a->orders);
        return -1;
    }
    const char *missing = isnan (a->q)? "--sampling-rate":
                          a->steps == 0? "--steps":
                          isnan (a->delta)? "--delta":
                          calibrate && isnan (a->epsilon)? "--epsilon":
                          !calibrate && isnan (a->z)? "--noise-multiplier": NULL;
    if (missing)
        cli_error ("missing %s (see --help)", missing);
    else
    if (calibrate && !isnan (a->z))
        cli_error ("calibrate computes the noise multiplier: drop --noise-multiplier");
    else
    if (!calibrate && !isnan (a->epsilon))
        cli_error ("epsilon computes epsilon: drop --epsilon (or use `privacy calibrate`)");
    if (missing || (calibrate && !isnan (a->z)) || (!calibrate && !isnan (a->epsilon))) {
        free (a->orders);
        return -1;
    }
    if (!a->orders)
        a->n_orders = dp_orders_default ((const double **) &a->orders);
    return 0;
}

static void
s_free_orders (s_args_t *a)
{
    const double *def;
    dp_orders_default (&def);
    if (a->orders != def)
        free (a->orders);
}

static int
s_epsilon (int argc, char **argv)
{
    s_args_t a;
    int rc = s_parse (argc, argv, s_epsilon_usage, false, &a);
    if (rc)
        return rc > 0? CLI_OK: CLI_USAGE;
    double eps, order;
    rc = CLI_OK;
    if (dp_epsilon_subsampled_gaussian (a.q, a.z, (uint64_t) a.steps, a.delta, a.orders,
                                        a.n_orders, a.conversion, &eps, &order)) {
        cli_error ("privacy epsilon: %s", util_last_error ());
        rc = CLI_FAIL;
    }
    else
    if (a.json) {
        json_t *o = json_pack ("{s:f, s:f, s:s, s:f, s:f, s:f, s:I, s:s}",
                               "epsilon", eps, "order", order,
                               "conversion", dp_conversion_name (a.conversion),
                               "delta", a.delta, "sampling_rate", a.q,
                               "noise_multiplier", a.z, "steps", (json_int_t) a.steps,
                               "accountant", "rdp-poisson-subsampled-gaussian");
        json_dumpf (o, stdout, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION (10));
        fputc ('\n', stdout);
        json_decref (o);
    }
    else
        printf ("epsilon %.7g\norder %g\nconversion %s\n", eps, order,
                dp_conversion_name (a.conversion));
    s_free_orders (&a);
    return rc;
}

static int
s_calibrate (int argc, char **argv)
{
    s_args_t a;
    int rc = s_parse (argc, argv, s_calibrate_usage, true, &a);
    if (rc)
        return rc > 0? CLI_OK: CLI_USAGE;
    double z, eps, order;
    rc = CLI_OK;
    if (dp_calibrate_noise (a.epsilon, a.delta, a.q, (uint64_t) a.steps, a.orders,
                            a.n_orders, a.conversion, &z)
    ||  dp_epsilon_subsampled_gaussian (a.q, z, (uint64_t) a.steps, a.delta, a.orders,
                                        a.n_orders, a.conversion, &eps, &order)) {
        cli_error ("privacy calibrate: %s", util_last_error ());
        rc = CLI_FAIL;
    }
    else
    if (a.json) {
        json_t *o = json_pack ("{s:f, s:f, s:f, s:s, s:f, s:f, s:I}",
                               "noise_multiplier", z, "epsilon", eps, "order", order,
                               "conversion", dp_conversion_name (a.conversion),
                               "delta", a.delta, "sampling_rate", a.q,
                               "steps", (json_int_t) a.steps);
        json_dumpf (o, stdout, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION (12));
        fputc ('\n', stdout);
        json_decref (o);
    }
    else
        printf ("noise_multiplier %.10g\nepsilon %.7g\norder %g\nconversion %s\n", z, eps,
                order, dp_conversion_name (a.conversion));
    s_free_orders (&a);
    return rc;
}

static int
s_sample (int argc, char **argv)
{
    static const struct option options [] = {
        { "distribution", required_argument, NULL, 'd' },
        { "scale",        required_argument, NULL, 's' },
        { "count",        required_argument, NULL, 'n' },
        { "help",         no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *dist = NULL;
    const char *scale_text = NULL;
    long count = 0;
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long (argc, argv, "+h", options, NULL)) != -1) {
        if (opt == 'd')
            dist = optarg;
        else
        if (opt == 's')
            scale_text = optarg;
        else
        if (opt == 'n') {
            if (cli_parse_long ("--count", optarg, 1, SAMPLE_COUNT_MAX, &count))
                return CLI_USAGE;
        }
        else
        if (opt == 'h') {
            fputs (s_sample_usage, stdout);
            return CLI_OK;
        }
        else {
            cli_error ("unknown or incomplete option '%s' (see --help)", argv [optind - 1]);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        cli_error ("unexpected argument '%s'", argv [optind]);
        return CLI_USAGE;
    }
    if (!dist || !scale_text || count == 0) {
        cli_error ("missing %s (see --help)", !dist? "--distribution":
                   !scale_text? "--scale": "--count");
        return CLI_USAGE;
    }
    bool gauss = strcmp (dist, "discrete-gaussian") == 0;
    if (!gauss && strcmp (dist, "discrete-laplace") != 0) {
        cli_error ("--distribution: '%s' is neither discrete-gaussian nor discrete-laplace", dist);
        return CLI_USAGE;
    }
    dp_rational_t scale, sigma2;
    dp_dgauss_t g;
    dp_dlaplace_t l;
    if (dp_rational_parse (scale_text, &scale)
    ||  (gauss && (dp_rational_square (&sigma2, &scale) || dp_dgauss_init (&g, &sigma2)))
    ||  (!gauss && dp_dlaplace_init (&l, &scale))) {
        cli_error ("--scale: %s", util_last_error ());
        return CLI_USAGE;
    }
    dp_rng_t *rng = dp_rng_new ();
    if (!rng) {
        cli_error ("privacy sample: %s", util_last_error ());
        return CLI_FAIL;
    }
    int rc = CLI_OK;
    for (long i = 0; i < count; i++) {
        int64_t y;
        if (gauss? dp_dgauss_sample (&g, rng, &y): dp_dlaplace_sample (&l, rng, &y)) {
            cli_error ("privacy sample: %s", util_last_error ());
            rc = CLI_FAIL;
            break;
        }
        if (printf ("%lld\n", (long long) y) < 0) {
            cli_error ("privacy sample: cannot write to stdout");
            rc = CLI_FAIL;
            break;
        }
    }
    if (fflush (stdout) != 0 && rc == CLI_OK) {
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
