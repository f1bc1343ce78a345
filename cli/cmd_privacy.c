/*  cli/cmd_privacy.c - `cohort privacy epsilon|calibrate|sample`: the
    accountant and the production noise samplers from the command line.
    The work is done by dp/schedule.h and dp/noise.h; this file parses and
    prints. */
#include "cli.h"
#include "cmd.h"
#include "dp/noise.h"
#include "dp/schedule.h"
#include "proto/plan.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/file.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SAMPLE_COUNT_MAX 1000000000L

static const char s_epsilon_usage [] =
    "usage: cohort privacy epsilon --sampling-rate Q --steps T --delta D\n"
    "                              [--mechanism gaussian|discrete-gaussian|distributed]\n"
    "                              [--accountant rdp|conservative|pld]\n"
    "                              [--noise-multiplier Z] [--l2-sensitivity S2]\n"
    "                              [--sites N --local-sigma s --dimension d\n"
    "                               [--l1-sensitivity S1]]\n"
    "                              [--conversion classic|improved] [--orders LIST] [--json]\n"
    "  Epsilon of T Poisson-subsampled steps (add/remove neighbours), and for the\n"
    "  RDP accountants the optimal order.\n"
    "  --sampling-rate Q     in (0, 1]\n"
    "  --steps T             >= 1\n"
    "  --delta D             in (0, 1)\n"
    "  --mechanism M         gaussian (default): --noise-multiplier Z = sigma / L2\n"
    "                        sensitivity; discrete-gaussian: the same, with\n"
    "                        --l2-sensitivity S2 in integer units (default 1);\n"
    "                        distributed: N sites each adding discrete Gaussian\n"
    "                        noise of standard deviation s to a d-dimensional\n"
    "                        integer sum of L2 sensitivity S2 and, if given, L1\n"
    "                        sensitivity S1 (Kairouz-Liu-Steinke 2021)\n"
    "  --accountant A        rdp (default): tight RDP (Mironov-Talwar-Zhang 2019;\n"
    "                        exact for the Gaussian, the binomial expansion for\n"
    "                        symmetric integer noise); conservative: the general\n"
    "                        Zhu-Wang factor-3 bound; pld: privacy loss\n"
    "                        distributions (gaussian and discrete-gaussian)\n"
    "  --conversion C        improved (default; Canonne-Kamath-Steinke 2020) or\n"
    "                        classic (Mironov 2017); RDP accountants only\n"
    "  --orders LIST         comma-separated orders and ranges lo:hi:step, e.g.\n"
    "                        1.1:10.9:0.1,12:63:1 (default: 1.1..10.9 by 0.1,\n"
    "                        11..256, 512, 1024); RDP accountants only\n"
    "  --json                one JSON object\n";

static const char s_calibrate_usage [] =
    "usage: cohort privacy calibrate --epsilon E --delta D --sampling-rate Q --steps T\n"
    "                                [--mechanism gaussian|discrete-gaussian|distributed]\n"
    "                                [--accountant rdp|conservative|pld]\n"
    "                                [--l2-sensitivity S2] [--sites N --dimension d\n"
    "                                 [--l1-sensitivity S1]]\n"
    "                                [--conversion classic|improved] [--orders LIST]\n"
    "                                [--json]\n"
    "  The smallest noise multiplier (to 1e-9 relative, 1e-6 for pld) whose\n"
    "  epsilon after T steps is at most E; the answer never exceeds the target.\n"
    "  For --mechanism distributed it also prints each site's sigma. The options\n"
    "  are those of `privacy epsilon`.\n"
    "\n"
    "       cohort privacy calibrate --study study.cfg --features P [--records N]\n"
    "                                [--threshold T] [--json]\n"
    "  The plan of a learning study for its (epsilon, delta), model and unit: the\n"
    "  sampling rate and steps the tight accountant favours (every candidate with\n"
    "  its noise multiplier and merit q N sqrt(T) / z), the training noise\n"
    "  multiplier, and the epsilon each part (statistics, training, evaluation)\n"
    "  would spend alone; the study's own steps and sampling_rate are ignored.\n"
    "  --features P    the model's input features (after one-hot coding)\n"
    "  --records N     the training records over the consortium (default 0:\n"
    "                  unknown, no batch floor)\n"
    "  --threshold T   the quorum of sites that decrypt (default: min_sites)\n";

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
    const char *conversion = NULL, *orders = NULL;
    const char *mechanism = "gaussian", *accountant = "rdp";
    double l2 = 0, l1 = 0, local_sigma = 0;
    unsigned sites = 0;
    size_t dim = 0;
    bool q = false, z = false, steps = false, delta = false, eps = false;
    bool has_l2 = false, has_l1 = false, has_sigma = false, has_sites = false, has_dim = false;
    const cli_opt_t table [] = {
        { "sampling-rate", CLI_OPT_DOUBLE, &s->sampling_rate, 0, 1, "(]", &q },
        { "noise-multiplier", CLI_OPT_DOUBLE, &s->noise_multiplier, 0, INFINITY, "()", &z },
        { "steps", CLI_OPT_U64, &s->steps, 1, (double) (1ull << 50), NULL, &steps },
        { "delta", CLI_OPT_DOUBLE, &s->delta, 0, 1, "()", &delta },
        { "epsilon", CLI_OPT_DOUBLE, target, 0, INFINITY, "()", &eps },
        { "conversion", CLI_OPT_CHOICE, &conversion, 0, 0, "improved|classic", NULL },
        { "mechanism", CLI_OPT_CHOICE, &mechanism, 0, 0, "gaussian|discrete-gaussian|distributed",
          NULL },
        { "accountant", CLI_OPT_CHOICE, &accountant, 0, 0, "rdp|conservative|pld", NULL },
        { "l2-sensitivity", CLI_OPT_DOUBLE, &l2, 0, 1e12, "(]", &has_l2 },
        { "l1-sensitivity", CLI_OPT_DOUBLE, &l1, 0, 1e12, "(]", &has_l1 },
        { "local-sigma", CLI_OPT_DOUBLE, &local_sigma, 0.5, 1e12, "[]", &has_sigma },
        { "sites", CLI_OPT_UINT, &sites, 1, 1e6, NULL, &has_sites },
        { "dimension", CLI_OPT_SIZE, &dim, 1, 1e9, NULL, &has_dim },
        CLI_STRING ("orders", &orders), CLI_FLAG ("json", json),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, usage);
    if (rc)
        return rc;
    dp_mechanism_t *m = &s->mechanism;
    if (dp_mechanism_kind_parse (mechanism, &m->kind)
    ||  dp_accountant_parse (accountant, &m->accountant)) {
        //  Unreachable past cli_parse's choice check; kept as a usage error.
        cli_error ("%s", util_last_error ());
        return CLI_USAGE;
    }
    bool distributed = m->kind == DP_MECHANISM_DISTRIBUTED;
    const char *missing = !q? "--sampling-rate": !steps? "--steps": !delta? "--delta"
                        : calibrate && !eps? "--epsilon"
                        : !calibrate && !distributed && !z? "--noise-multiplier"
                        : distributed && !has_sites? "--sites"
                        : distributed && !calibrate && !has_sigma? "--local-sigma"
                        : distributed && !has_l2? "--l2-sensitivity"
                        : distributed && !has_dim? "--dimension": NULL;
    if (missing) {
        cli_error ("missing %s (see --help)%s", missing,
                   distributed? " for --mechanism distributed": "");
        return CLI_USAGE;
    }
    if (calibrate? z: eps) {
        cli_error ("%s", calibrate? "calibrate computes the noise multiplier: drop "
                                    "--noise-multiplier"
                                  : "epsilon computes epsilon: drop --epsilon (or use "
                                    "`privacy calibrate`)");
        return CLI_USAGE;
    }
    //  Options that belong to another mechanism are refused, not ignored.
    const char *stray = !distributed && has_sites? "--sites"
                      : !distributed && has_sigma? "--local-sigma"
                      : !distributed && has_dim? "--dimension"
                      : !distributed && has_l1? "--l1-sensitivity"
                      : m->kind == DP_MECHANISM_GAUSSIAN && has_l2? "--l2-sensitivity"
                      : distributed && z? "--noise-multiplier"
                      : distributed && calibrate && has_sigma? "--local-sigma": NULL;
    if (stray) {
        cli_error ("%s does not apply to --mechanism %s%s", stray, mechanism,
                   distributed && z? " (give --local-sigma)"
                   : distributed && calibrate? " (calibrate computes it)": "");
        return CLI_USAGE;
    }
    if (m->accountant == DP_ACCOUNTANT_PLD && (orders || conversion)) {
        cli_error ("%s applies to the RDP accountants, not --accountant pld",
                   orders? "--orders": "--conversion");
        return CLI_USAGE;
    }
    if (m->accountant == DP_ACCOUNTANT_PLD && distributed) {
        cli_error ("--accountant pld covers gaussian and discrete-gaussian; account "
                   "--mechanism distributed with rdp or conservative");
        return CLI_USAGE;
    }
    if (m->kind == DP_MECHANISM_DISCRETE_GAUSSIAN && m->accountant == DP_ACCOUNTANT_PLD
    &&  has_l2 && l2 != floor (l2)) {
        cli_error ("--l2-sensitivity %g: the PLD accountant's discrete Gaussian needs a whole "
                   "number (a one-dimensional shift)", l2);
        return CLI_USAGE;
    }
    if (distributed && has_l1 && l1 < l2) {
        cli_error ("--l1-sensitivity %g is below --l2-sensitivity %g: no vector has that", l1, l2);
        return CLI_USAGE;
    }
    m->l2 = has_l2? l2: 0;
    m->l1 = has_l1? l1: 0;
    m->sites = sites;
    m->dim = dim;
    if (distributed && !calibrate)
        //  The sum's noise multiplier: sqrt(N) s / S2.
        s->noise_multiplier = sqrt ((double) sites) * local_sigma / l2;
    if (conversion && strcmp (conversion, "classic") == 0)
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

//  Each site's sigma for the distributed mechanism at the schedule's noise
//  multiplier: sqrt(N) s = z S2.
static double
s_local_sigma (const dp_schedule_t *s)
{
    return s->noise_multiplier * s->mechanism.l2 / sqrt ((double) s->mechanism.sites);
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
    const dp_mechanism_t *m = &s.mechanism;
    bool rdp = m->accountant != DP_ACCOUNTANT_PLD;
    bool distributed = m->kind == DP_MECHANISM_DISTRIBUTED;
    const char *conversion = dp_conversion_name (s.conversion);
    if (calibrate? dp_schedule_calibrate (&s, target, &eps, &order)
                 : dp_schedule_epsilon (&s, &eps, &order)) {
        cli_error ("privacy %s: %s", calibrate? "calibrate": "epsilon", util_last_error ());
        rc = CLI_FAIL;
    }
    else
    if (json) {
        json_t *o = json_object ();
        bool ok = o != NULL;
        if (ok && calibrate)
            ok = json_object_set_new (o, "noise_multiplier", json_real (s.noise_multiplier)) == 0;
        ok = ok && json_object_set_new (o, "epsilon", json_real (eps)) == 0
                && json_object_set_new (o, "accountant",
                                        json_string (dp_accountant_name (m->accountant))) == 0
                && json_object_set_new (o, "mechanism",
                                        json_string (dp_mechanism_kind_name (m->kind))) == 0;
        if (ok && rdp)
            ok = json_object_set_new (o, "order", json_real (order)) == 0
              && json_object_set_new (o, "conversion", json_string (conversion)) == 0;
        ok = ok && json_object_set_new (o, "delta", json_real (s.delta)) == 0
                && json_object_set_new (o, "sampling_rate", json_real (s.sampling_rate)) == 0
                && json_object_set_new (o, "steps", json_integer ((json_int_t) s.steps)) == 0;
        if (ok && !calibrate)
            ok = json_object_set_new (o, "noise_multiplier", json_real (s.noise_multiplier)) == 0;
        if (ok && distributed)
            ok = json_object_set_new (o, "sites", json_integer (m->sites)) == 0
              && json_object_set_new (o, "local_sigma", json_real (s_local_sigma (&s))) == 0
              && json_object_set_new (o, "dimension", json_integer ((json_int_t) m->dim)) == 0;
        if (!ok)
            json_decref (o);
        rc = s_print_json (ok? o: NULL, calibrate? 12: 10);
    }
    else {
        if (calibrate)
            printf ("noise_multiplier %.10g\n", s.noise_multiplier);
        if (calibrate && distributed)
            printf ("local_sigma %.10g\n", s_local_sigma (&s));
        printf ("epsilon %.7g\n", eps);
        if (rdp)
            printf ("order %g\nconversion %s\n", order, conversion);
        printf ("accountant %s\nmechanism %s\n", dp_accountant_name (m->accountant),
                dp_mechanism_kind_name (m->kind));
    }
    free ((double *) s.orders);
    return rc;
}

static int
s_epsilon (int argc, char **argv)
{
    return s_schedule (argc, argv, false);
}

#define S_STUDY_BYTES_MAX (1 << 20)     //  a study.cfg is a few hundred bytes

//  `privacy calibrate --study`: the plan proto_plan_choose makes, as the
//  coordinator and `cohort simulate` make it.
static int
s_calibrate_study (int argc, char **argv)
{
    const char *path = NULL;
    size_t features = 0, threshold = 0;
    uint64_t records = 0;
    bool json = false;
    const cli_opt_t table [] = {
        CLI_STRING ("study", &path),
        { "features", CLI_OPT_SIZE, &features, 1, 100000, NULL, NULL },
        { "records", CLI_OPT_U64, &records, 0, 1e12, NULL, NULL },
        { "threshold", CLI_OPT_SIZE, &threshold, 1, PROTO_MAX_PARTIES, NULL, NULL },
        CLI_FLAG ("json", &json),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, s_calibrate_usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    if (!path || !features) {
        cli_error ("privacy calibrate: --study needs --features (the model's input count)");
        return CLI_USAGE;
    }
    char *text = NULL;
    proto_study_t *study = NULL;
    proto_plan_choice_t *choice = NULL;
    if (util_file_read (path, S_STUDY_BYTES_MAX, 0, &text, NULL)
    ||  !(study = proto_study_parse (text, path))) {
        cli_error ("privacy calibrate: %s", util_last_error ());
        free (text);
        return CLI_FAIL;
    }
    free (text);
    if (study->query) {
        cli_error ("privacy calibrate: %s is a query, not a learning study", path);
        proto_study_destroy (&study);
        return CLI_FAIL;
    }
    //  Bounds when scale = auto or bounds: the plan the coordinator makes
    //  when it reads the study through the dictionary.
    proto_study_resolve_scale (study, study->scale != PROTO_SCALE_STATISTICS);
    unsigned t = threshold? (unsigned) threshold: study->min_sites;
    if (!(choice = util_calloc (1, sizeof *choice))) {
        cli_error ("privacy calibrate: out of memory");
        proto_study_destroy (&study);
        return CLI_FAIL;
    }
    if (proto_plan_choose (choice, study, features, t, records)) {
        cli_error ("privacy calibrate: %s", util_last_error ());
        rc = CLI_FAIL;
        goto done;
    }
    const proto_plan_t *pl = &choice->plan;
    double e_stats = pl->part_epsilon [COHORT__ROUND_KIND__ROUND_KIND_STATS];
    double e_train = pl->part_epsilon [COHORT__ROUND_KIND__ROUND_KIND_TRAIN];
    double e_eval = pl->part_epsilon [COHORT__ROUND_KIND__ROUND_KIND_EVAL];
    if (json) {
        json_t *cands = json_array ();
        for (size_t i = 0; cands && i < choice->n_candidates; i++) {
            const proto_plan_candidate_t *c = &choice->candidate [i];
            if (json_array_append_new (cands, json_pack ("{s:f, s:I, s:f, s:f}",
                                       "sampling_rate", c->q, "steps", (json_int_t) c->steps,
                                       "noise_multiplier", c->noise_multiplier,
                                       "merit", c->merit))) {
                json_decref (cands);
                cands = NULL;
            }
        }
        json_t *o = cands? json_pack ("{s:f, s:f, s:s, s:f, s:I, s:f, s:I, s:{s:f, s:f, s:f}, "
                                      "s:f, s:o}",
                                      "epsilon", study->epsilon, "delta", study->delta,
                                      "accountant", "rdp",
                                      "sampling_rate", choice->q,
                                      "steps", (json_int_t) choice->steps,
                                      "noise_multiplier", pl->noise_multiplier,
                                      "records", (json_int_t) choice->n_records,
                                      "epsilon_alone", "statistics", e_stats,
                                      "training", e_train, "evaluation", e_eval,
                                      "planned_epsilon", pl->epsilon, "candidates", cands)
                         : NULL;
        rc = s_print_json (o, 10);
    }
    else {
        printf ("study %s: epsilon %g, delta %g (tight RDP accountant)\n", study->name,
                study->epsilon, study->delta);
        printf ("sampling_rate %g\nsteps %llu\nnoise_multiplier %.6g\n", choice->q,
                (unsigned long long) choice->steps, pl->noise_multiplier);
        printf ("planned_epsilon %.6g (alone: statistics %.4g, training %.4g, evaluation %.4g)\n",
                pl->epsilon, e_stats, e_train, e_eval);
        printf ("candidates (q, steps, noise multiplier, merit q N sqrt(T) / z):\n");
        for (size_t i = 0; i < choice->n_candidates; i++) {
            const proto_plan_candidate_t *c = &choice->candidate [i];
            if (c->noise_multiplier > 0)
                printf ("  %-6g %4llu  %10.4g  %10.4g%s\n", c->q, (unsigned long long) c->steps,
                        c->noise_multiplier, c->merit,
                        c->q == choice->q && c->steps == choice->steps? "  <- chosen": "");
        }
        rc = CLI_OK;
    }
done:
    free (choice);
    proto_study_destroy (&study);
    return rc;
}

static int
s_calibrate (int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp (argv [i], "--study") || !strncmp (argv [i], "--study=", 8))
            return s_calibrate_study (argc, argv);
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
    { "epsilon",   "epsilon of a Poisson-subsampled schedule (RDP, conservative or PLD accountant)",
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
