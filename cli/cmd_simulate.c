/*  cli/cmd_simulate.c - `cohort simulate`: a throwaway consortium on
    loopback (real coordinator and site processes, CURVE on) trained on one
    CSV file split across the sites. */
#include "cli.h"
#include "cmd.h"
#include "consortium.h"
#include "localfed.h"
#include "simulate.h"
#include "util/error.h"
#include "coordinator/render.h"
#include "he/paillier.h"
#include "models/csv.h"
#include "models/models.h"
#include "models/dataset.h"
#include "models/metrics.h"
#include "models/modelfile.h"
#include "models/pipeline.h"
#include "sim/split.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void
s_usage (FILE *to)
{
    fputs ("usage: cohort simulate --data TRAIN.csv --label COL --sites N --out DIR [options]\n"
           "\n"
           "Runs one study on a throwaway consortium on this machine: deals keys and CURVE\n"
           "certificates, splits TRAIN.csv across N sites, starts a real coordinator and N\n"
           "real site processes on a free 127.0.0.1 port, runs the study, and writes\n"
           "DIR/report.json, DIR/report.html and DIR/model.json, and DIR/run.json (time\n"
           "from launch to report, peak memory of the coordinator). The consortium, the\n"
           "split data (DIR/data/), study.cfg and the process logs (DIR/logs/) stay in\n"
           "DIR; files of an earlier run there are replaced.\n"
           "\n"
           "data\n"
           "  --data FILE         training rows (CSV with a header)\n"
           "  --test FILE         held-out rows, split across the sites the same way as\n"
           "                      their evaluation sets (default: each site holds out 30%)\n"
           "  --label COL         0/1 label column\n"
           "  --features A,B,...  feature columns (default: all but the label)\n"
           "  --categorical A,... categorical columns\n"
           "  --missing MODE      drop (default) or impute\n"
           "  --sites N           number of sites (1..64)\n"
           "  --split KIND        iid (default), label-skew or size-skew\n"
           "model\n"
           "  --model TYPE        logistic (default) or mlp\n"
           "  --hidden W,...      MLP hidden widths (default 32,16)\n"
           "  --steps T           training rounds (default 20)\n"
           "  --sampling-rate Q   Poisson sampling rate per round (default 0.5: the\n"
           "                      accountant amplifies small rates weakly, see docs/privacy.md)\n"
           "  --optimizer NAME    server optimiser: adam (default) or sgd\n"
           "  --learning-rate R   server optimiser step (default 0.05)\n"
           "  --clip C            L2 clip of each example's gradient (default 1)\n"
           "  --eval-every K      evaluation round every K steps and at the end\n"
           "                      (default 0: one evaluation, after the last step;\n"
           "                      each evaluation round spends part of epsilon)\n"
           "privacy\n"
           "  --epsilon E         target epsilon of the study (default 1)\n"
           "  --delta D           target delta (default 1e-5)\n"
           "  --privacy off       no clipping or noise: the report is stamped NOT PRIVATE\n"
           "  --unit UNIT         record (default: DP-FedSGD, one record's influence is\n"
           "                      bounded) or site (DP-FedAvg: each site trains locally,\n"
           "                      its whole delta is clipped to --clip; sites are not\n"
           "                      sampled, so the sampling rate is 1)\n"
           "  --local-epochs E    unit site: local epochs per round (1..100, default 1)\n"
           "  --local-learning-rate R\n"
           "                      unit site: local SGD step (default 0.1)\n"
           "  --local-batch B     unit site: local minibatch size (default 32)\n"
           "consortium\n"
           "  --threshold T       sites needed to decrypt, also the quorum (default 2, or 1\n"
           "                      with one site)\n"
           "  --bits B            Paillier modulus bits (default 2048)\n"
           "  --seed S            seed of the data split (default 1)\n"
           "  --timeout S         give up after S seconds (default 1800)\n"
           "  --round-timeout MS  the coordinator's deadline per round (default 30000)\n"
           "  --prepare-only      write the consortium, data and study.cfg, then stop\n"
           "  --insecure-test-key allow --bits below 2048 (tests only)\n"
           "  --out DIR           output directory (created if missing)\n", to);
}

void
cli_simulate_defaults (cli_simulate_t *o)
{
    memset (o, 0, sizeof *o);
    o->missing = "drop";
    o->split = SIM_SPLIT_IID;
    o->model = "logistic";
    o->optimizer = "adam";
    o->steps = 20;
    o->sampling_rate = 0.5;
    o->learning_rate = 0.05;
    o->clip = 1;
    o->epsilon = 1;
    o->delta = 1e-5;
    o->unit = "record";
    o->local_epochs = 1;
    o->local_learning_rate = 0.1;
    o->local_batch = 32;
    o->bits = HE_BITS_DEFAULT;
    o->seed = 1;
    o->timeout_s = 1800;
    o->round_timeout_ms = 30000;
}

int
cli_simulate_parse (int argc, char **argv, cli_simulate_t *o)
{
    static const struct option options [] = {
        { "data",              required_argument, NULL, 'd' },
        { "test",              required_argument, NULL, 'T' },
        { "label",             required_argument, NULL, 'y' },
        { "features",          required_argument, NULL, 'f' },
        { "categorical",       required_argument, NULL, 'c' },
        { "missing",           required_argument, NULL, 'm' },
        { "sites",             required_argument, NULL, 'n' },
        { "split",             required_argument, NULL, 'S' },
        { "model",             required_argument, NULL, 'M' },
        { "hidden",            required_argument, NULL, 'H' },
        { "optimizer",         required_argument, NULL, 'O' },
        { "epsilon",           required_argument, NULL, 'e' },
        { "delta",             required_argument, NULL, 'D' },
        { "privacy",           required_argument, NULL, 'p' },
        { "steps",             required_argument, NULL, 's' },
        { "sampling-rate",     required_argument, NULL, 'q' },
        { "learning-rate",     required_argument, NULL, 'r' },
        { "clip",              required_argument, NULL, 'C' },
        { "eval-every",        required_argument, NULL, 'E' },
        { "threshold",         required_argument, NULL, 't' },
        { "bits",              required_argument, NULL, 'b' },
        { "seed",              required_argument, NULL, 'R' },
        { "timeout",           required_argument, NULL, 'W' },
        { "round-timeout",     required_argument, NULL, 'U' },
        { "unit",              required_argument, NULL, 'u' },
        { "local-epochs",      required_argument, NULL, 'L' },
        { "local-learning-rate", required_argument, NULL, 'G' },
        { "local-batch",       required_argument, NULL, 'B' },
        { "prepare-only",      no_argument,       NULL, 'P' },
        { "insecure-test-key", no_argument,       NULL, 'i' },
        { "out",               required_argument, NULL, 'o' },
        { "help",              no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    long v;
    bool eps_given = false, insecure = false, q_given = false, local_given = false;
    optind = 1;
    int opt;
    while ((opt = getopt_long (argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
            case 'd': o->data = optarg; break;
            case 'T': o->test = optarg; break;
            case 'y': o->label = optarg; break;
            case 'f': o->features = optarg; break;
            case 'c': o->categorical = optarg; break;
            case 'm':
                if (strcmp (optarg, "drop") && strcmp (optarg, "impute")) {
                    cli_error ("--missing: '%s': expected drop or impute", optarg);
                    return CLI_USAGE;
                }
                o->missing = optarg;
                break;
            case 'n':
                if (cli_parse_long ("--sites", optarg, 1, SIM_SPLIT_SITES_MAX, &v))
                    return CLI_USAGE;
                o->sites = (size_t) v;
                break;
            case 'S':
                if (sim_split_kind_parse (optarg, &o->split)) {
                    cli_error ("--split: %s", util_last_error ());
                    return CLI_USAGE;
                }
                break;
            case 'M':
                if (strcmp (optarg, "logistic") && strcmp (optarg, "mlp")) {
                    cli_error ("--model: '%s': expected logistic or mlp", optarg);
                    return CLI_USAGE;
                }
                o->model = optarg;
                break;
            case 'H': o->hidden = optarg; break;
            case 'O':
                if (strcmp (optarg, "adam") && strcmp (optarg, "sgd")) {
                    cli_error ("--optimizer: '%s': expected adam or sgd", optarg);
                    return CLI_USAGE;
                }
                o->optimizer = optarg;
                break;
            case 'e':
                if (cli_parse_double ("--epsilon", optarg, 1e-3, 1e3, &o->epsilon))
                    return CLI_USAGE;
                eps_given = true;
                break;
            case 'D':
                if (cli_parse_double ("--delta", optarg, 1e-300, 0.1, &o->delta))
                    return CLI_USAGE;
                eps_given = true;
                break;
            case 'p':
                if (strcmp (optarg, "off")) {
                    cli_error ("--privacy: '%s': only 'off' is accepted (privacy is on by "
                               "default)", optarg);
                    return CLI_USAGE;
                }
                o->privacy_off = true;
                break;
            case 's':
                if (cli_parse_long ("--steps", optarg, 1, 100000, &v))
                    return CLI_USAGE;
                o->steps = (unsigned) v;
                break;
            case 'q':
                if (cli_parse_double ("--sampling-rate", optarg, 1e-6, 1, &o->sampling_rate))
                    return CLI_USAGE;
                q_given = true;
                break;
            case 'u':
                if (strcmp (optarg, "record") && strcmp (optarg, "site")) {
                    cli_error ("--unit: '%s': expected record or site", optarg);
                    return CLI_USAGE;
                }
                o->unit = optarg;
                break;
            case 'L':
                if (cli_parse_long ("--local-epochs", optarg, 1, 100, &v))
                    return CLI_USAGE;
                o->local_epochs = (unsigned) v;
                local_given = true;
                break;
            case 'G':
                if (cli_parse_double ("--local-learning-rate", optarg, 1e-9, 100,
                                      &o->local_learning_rate))
                    return CLI_USAGE;
                local_given = true;
                break;
            case 'B':
                if (cli_parse_long ("--local-batch", optarg, 1, 1000000, &v))
                    return CLI_USAGE;
                o->local_batch = (unsigned) v;
                local_given = true;
                break;
            case 'r':
                if (cli_parse_double ("--learning-rate", optarg, 1e-9, 100, &o->learning_rate))
                    return CLI_USAGE;
                break;
            case 'C':
                if (cli_parse_double ("--clip", optarg, 1e-9, 1e6, &o->clip))
                    return CLI_USAGE;
                break;
            case 'E':
                if (cli_parse_long ("--eval-every", optarg, 0, 100000, &v))
                    return CLI_USAGE;
                o->eval_every = (unsigned) v;
                o->eval_every_set = true;
                break;
            case 't':
                if (cli_parse_long ("--threshold", optarg, 1, SIM_SPLIT_SITES_MAX, &v))
                    return CLI_USAGE;
                o->threshold = (unsigned) v;
                break;
            case 'b':
                if (cli_parse_long ("--bits", optarg, HE_BITS_MIN, 4096, &v))
                    return CLI_USAGE;
                o->bits = (unsigned) v;
                break;
            case 'R':
                if (cli_parse_long ("--seed", optarg, 0, 0x7fffffffL, &v))
                    return CLI_USAGE;
                o->seed = (uint64_t) v;
                break;
            case 'W':
                if (cli_parse_double ("--timeout", optarg, 1, 86400, &o->timeout_s))
                    return CLI_USAGE;
                break;
            case 'U':
                if (cli_parse_long ("--round-timeout", optarg, 100, 86400000, &v))
                    return CLI_USAGE;
                o->round_timeout_ms = (unsigned) v;
                break;
            case 'P': o->prepare_only = true; break;
            case 'i': insecure = true; break;
            case 'o': o->out = optarg; break;
            case 'h': s_usage (stdout); return -1;
            default:  s_usage (stderr); return CLI_USAGE;
        }
    }
    if (optind < argc) {
        cli_error ("simulate: unexpected argument '%s'", argv [optind]);
        return CLI_USAGE;
    }
    if (!o->data || !o->label || !o->sites || !o->out) {
        cli_error ("simulate: --data, --label, --sites and --out are required");
        return CLI_USAGE;
    }
    if (o->privacy_off && eps_given) {
        cli_error ("simulate: --privacy off cannot be combined with --epsilon or --delta");
        return CLI_USAGE;
    }
    bool site = strcmp (o->unit, "site") == 0;
    if (local_given && !site) {
        cli_error ("simulate: --local-epochs, --local-learning-rate and --local-batch need "
                   "--unit site");
        return CLI_USAGE;
    }
    if (site && q_given && o->sampling_rate != 1) {
        cli_error ("simulate: --sampling-rate must be 1 with --unit site (sites are not "
                   "sampled)");
        return CLI_USAGE;
    }
    if (site)
        o->sampling_rate = 1;
    if (!o->threshold)
        o->threshold = o->sites >= 2? 2: 1;
    if (o->threshold > o->sites) {
        cli_error ("simulate: --threshold %u is more than the %zu sites", o->threshold, o->sites);
        return CLI_USAGE;
    }
    if (o->bits % 64 || (o->bits < HE_BITS_SECURE && !insecure)) {
        cli_error ("simulate: --bits %u: use 2048, 3072 or 4096%s", o->bits,
                   o->bits < HE_BITS_SECURE? " (smaller keys need --insecure-test-key)": "");
        return CLI_USAGE;
    }
    if (o->hidden && strcmp (o->model, "mlp")) {
        cli_error ("simulate: --hidden needs --model mlp");
        return CLI_USAGE;
    }
    //  By default one evaluation, after the last step: every evaluation
    //  round takes its part of the evaluation's share of epsilon, and the
    //  final estimate is the one that matters (docs/privacy.md §7).
    if (!o->eval_every_set)
        o->eval_every = 0;
    return CLI_OK;
}

//  The stem of a path ("datasets/breast.csv" -> "breast"), at most `size` - 1
//  characters, reduced to the characters a study name may hold.
static void
s_stem (char *out, size_t size, const char *path)
{
    const char *base = strrchr (path, '/');
    base = base? base + 1: path;
    size_t n = 0;
    for (const char *p = base; *p && *p != '.' && n + 1 < size; p++)
        out [n++] = (char) ((*p == ' ' || *p == '"' || (unsigned char) *p < 32)? '_': *p);
    out [n] = '\0';
    if (n == 0)
        snprintf (out, size, "data");
}

//  Checks the data file and the label column before anything is written.
static int
s_check_data (const char *path, const char *label)
{
    model_csv_t *csv = NULL;
    if (model_csv_load (&csv, path, 0)) {
        cli_error ("%s", util_last_error ());
        return -1;
    }
    int rc = 0;
    if (model_csv_find (csv, label) < 0) {
        cli_error ("%s:1:1: no label column '%s' in the header", path, label);
        rc = -1;
    }
    model_csv_destroy (&csv);
    return rc;
}

int
cli_simulate_prepare (const cli_simulate_t *o, int port, char ***sites_out)
{
    *sites_out = NULL;
    if (s_check_data (o->data, o->label) || (o->test && s_check_data (o->test, o->label)))
        return -1;
    char **sites = calloc (o->sites + 1, sizeof *sites);
    if (!sites) {
        cli_error ("out of memory");
        return -1;
    }
    for (size_t i = 0; i < o->sites; i++)
        if (asprintf (&sites [i], "site-%zu", i + 1) < 0) {
            sites [i] = NULL;
            cli_consortium_free_sites (&sites);
            cli_error ("out of memory");
            return -1;
        }
    char endpoint [64], path [4096];
    snprintf (endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);
    cli_consortium_t c;
    cli_consortium_defaults (&c);
    c.out = o->out;
    c.sites = sites;
    c.n_sites = o->sites;
    c.threshold = o->threshold;
    c.bits = o->bits;
    c.force = true;
    c.name = "simulation";
    c.endpoint = endpoint;
    c.dataset = "data";
    c.test_files = o->test != NULL;
    c.allow_privacy_off = o->privacy_off;
    //  Each site grants exactly what one study plans to spend, with room to
    //  spare for rounding in the accountant; a real site sets its own.
    //  Under unit = site the ledgers are charged for one record's change,
    //  at most 4 times the study's RDP curve (proto_plan_ledger_curve), so
    //  below 4 epsilon.
    bool site = strcmp (o->unit, "site") == 0;
    c.budget_epsilon = o->privacy_off? 1: (site? 4: 2) * o->epsilon;
    c.budget_delta = o->privacy_off? 1e-5: 2 * o->delta;
    c.round_timeout_ms = o->round_timeout_ms;
    int rc = -1;
    char **train = calloc (o->sites, sizeof *train), **test = calloc (o->sites, sizeof *test);
    if (!train || !test) {
        cli_error ("out of memory");
        goto cleanup;
    }
    fprintf (stderr, "simulate: dealing a %u-of-%zu threshold key (%u bits) and certificates...\n",
             o->threshold, o->sites, o->bits);
    if (cli_consortium_write (&c))
        goto cleanup;
    snprintf (path, sizeof path, "%s/data", o->out);
    if (mkdir (path, 0700) && errno != EEXIST) {
        cli_error ("cannot create %s: %s", path, strerror (errno));
        goto cleanup;
    }
    for (size_t i = 0; i < o->sites; i++)
        if (asprintf (&train [i], "%s/data/%s.csv", o->out, sites [i]) < 0
        ||  asprintf (&test [i], "%s/data/%s-test.csv", o->out, sites [i]) < 0) {
            train [i] = test [i] = NULL;
            cli_error ("out of memory");
            goto cleanup;
        }
    size_t counts [SIM_SPLIT_SITES_MAX];
    if (sim_split_csv (o->data, o->label, o->split, o->sites, o->seed,
                        (const char *const *) train, counts)) {
        cli_error ("%s", util_last_error ());
        goto cleanup;
    }
    fprintf (stderr, "simulate: %s split of %s:", sim_split_kind_name (o->split), o->data);
    for (size_t i = 0; i < o->sites; i++)
        fprintf (stderr, " %zu", counts [i]);
    fputs (" rows\n", stderr);
    if (o->test && sim_split_csv (o->test, o->label, o->split, o->sites, o->seed + 1,
                                   (const char *const *) test, counts)) {
        cli_error ("%s", util_last_error ());
        goto cleanup;
    }
    char name [128], stem [64];
    s_stem (stem, sizeof stem, o->data);
    snprintf (name, sizeof name, "%s-%s", stem, o->model);
    cli_study_t s;
    cli_study_defaults (&s);
    s.name = name;
    s.dataset = c.dataset;
    s.label = o->label;
    s.features = o->features;
    s.categorical = o->categorical;
    s.missing = o->missing;
    s.model = o->model;
    s.hidden = o->hidden;
    s.optimizer = o->optimizer;
    s.learning_rate = o->learning_rate;
    s.steps = o->steps;
    s.sampling_rate = o->sampling_rate;
    s.clip = o->clip;
    s.min_sites = o->threshold;
    s.eval_every = o->eval_every;
    s.epsilon = o->epsilon;
    s.delta = o->delta;
    s.privacy_off = o->privacy_off;
    s.unit = o->unit;
    s.local_epochs = o->local_epochs;
    s.local_learning_rate = o->local_learning_rate;
    s.local_batch = o->local_batch;
    snprintf (path, sizeof path, "%s/study.cfg", o->out);
    FILE *f = fopen (path, "w");
    if (!f) {
        cli_error ("cannot create %s: %s", path, strerror (errno));
        goto cleanup;
    }
    int bad = cli_study_format (&s, f);
    if (fclose (f) || bad) {
        cli_error ("cannot write %s", path);
        goto cleanup;
    }
    *sites_out = sites;
    sites = NULL;
    rc = 0;
cleanup:
    for (size_t i = 0; i < o->sites; i++) {
        if (train)
            free (train [i]);
        if (test)
            free (test [i]);
    }
    free (train);
    free (test);
    cli_consortium_free_sites (&sites);
    return rc;
}

//  Writes the report as `format` to DIR/<name>.
static int
s_write_report (const json_t *report, const char *dir, const char *name, const char *format)
{
    char path [4096];
    snprintf (path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen (path, "w");
    if (!f) {
        cli_error ("cannot create %s: %s", path, strerror (errno));
        return -1;
    }
    int rc = coord_render (report, format, f);
    if (rc)
        cli_error ("%s: %s", path, util_last_error ());
    if (fclose (f) && rc == 0) {
        cli_error ("cannot write %s", path);
        rc = -1;
    }
    if (rc)
        unlink (path);
    return rc;
}

int
cli_simulate_write_outputs (const json_t *report, const char *dir)
{
    if (s_write_report (report, dir, "report.json", "json")
    ||  s_write_report (report, dir, "report.html", "html"))
        return -1;
    json_t *model = json_object_get (report, "model");
    if (!json_is_object (model)) {
        cli_error ("the report holds no model: %s/model.json not written", dir);
        return -1;
    }
    //  Through the model-file parser, so that what is saved is a model
    //  `cohort predict` reads.
    char *text = json_dumps (model, JSON_COMPACT | JSON_REAL_PRECISION (17));
    model_file_t *mf = text? model_file_parse ("report model", text, strlen (text)): NULL;
    free (text);
    char path [4096];
    snprintf (path, sizeof path, "%s/model.json", dir);
    int rc = 0;
    if (!mf) {
        cli_error ("%s", util_last_error ());
        rc = -1;
    }
    else
    if (model_file_save (mf, path)) {
        cli_error ("%s: %s", path, util_last_error ());
        rc = -1;
    }
    model_file_destroy (&mf);
    return rc;
}

void
cli_simulate_summary (const json_t *report, FILE *out)
{
    json_t *study = json_object_get (report, "study");
    json_t *privacy = json_object_get (report, "privacy");
    json_t *final = json_object_get (report, "final_metrics");
    const char *status = json_string_value (json_object_get (study, "status"));
    const char *detail = json_string_value (json_object_get (study, "status_detail"));
    fprintf (out, "  status     %s%s%s\n", status? status: "?", detail && *detail? ": ": "",
             detail? detail: "");
    json_t *auc = json_object_get (final, "auc");
    bool private = json_is_true (json_object_get (privacy, "private"));
    json_t *lo = json_object_get (final, "auc_low_90"), *hi = json_object_get (final, "auc_high_90");
    if (json_is_number (auc))
        fprintf (out, "  test AUC   %.4f (accuracy %.4f, log-loss %.4f; %s)\n",
                 json_number_value (auc), json_number_value (json_object_get (final, "accuracy")),
                 json_number_value (json_object_get (final, "log_loss")),
                 private? "DP estimate": "from score histograms");
    if (json_is_number (auc) && json_is_number (lo) && json_is_number (hi))
        fprintf (out, "             90%% interval of the estimate %.3f to %.3f (DP noise)\n",
                 json_number_value (lo), json_number_value (hi));
    else
    if (private && final && json_is_null (auc))
        fputs ("  test AUC   n/a (DP estimate: after the noise one label's score histogram is\n"
               "             empty; too few held-out rows for the evaluation's share of epsilon)\n",
               out);
    if (private)
        fprintf (out, "  privacy    epsilon %.3f of %.3g, delta %.3g (%s, noise multiplier %.3g, "
                      "q %.3g, %lld steps)\n",
                 json_number_value (json_object_get (privacy, "epsilon")),
                 json_number_value (json_object_get (privacy, "target_epsilon")),
                 json_number_value (json_object_get (privacy, "delta")),
                 json_string_value (json_object_get (privacy, "unit"))?
                 json_string_value (json_object_get (privacy, "unit")): "?",
                 json_number_value (json_object_get (privacy, "noise_multiplier")),
                 json_number_value (json_object_get (privacy, "sampling_rate")),
                 (long long) json_integer_value (json_object_get (privacy, "steps")));
    else
        fputs ("  privacy    NOT PRIVATE (privacy was off)\n", out);
    json_t *wall = json_object_get (study, "wall_s");
    if (json_is_number (wall))
        fprintf (out, "  wall time  %.1f s\n", json_number_value (wall));
}

int
cli_simulate_exact (const char *model_path, const char *test_csv, double *auc, double *accuracy)
{
    model_file_t *mf = model_file_load (model_path);
    model_csv_t *csv = NULL;
    model_dataset_t *ds = NULL;
    gsl_vector *scores = NULL;
    double *s = NULL, *y = NULL;
    char **why = NULL;
    int rc = -1;
    if (!mf || model_csv_load (&csv, test_csv, 0)) {
        cli_error ("%s", util_last_error ());
        goto cleanup;
    }
    model_load_spec_t spec = { .label = mf->label, .positive = mf->positive,
                               .negative = mf->negative };
    if (model_dataset_load (&ds, csv, &spec, mf->schema)) {
        cli_error ("%s", util_last_error ());
        goto cleanup;
    }
    scores = gsl_vector_alloc (ds->n);
    why = calloc (ds->n, sizeof *why);
    s = malloc (ds->n * sizeof *s);
    y = malloc (ds->n * sizeof *y);
    if (!scores || !why || !s || !y) {
        cli_error ("out of memory");
        goto cleanup;
    }
    if (model_score (mf, ds, test_csv, scores, why) < 0) {
        cli_error ("%s", util_last_error ());
        goto cleanup;
    }
    //  Rows that cannot be scored (a missing value under `drop`) are left out.
    size_t k = 0;
    for (size_t i = 0; i < ds->n; i++)
        if (!why [i]) {
            s [k] = gsl_vector_get (scores, i);
            y [k++] = gsl_vector_get (ds->y, i);
        }
    model_metrics_t m;
    if (k == 0 || model_metrics_compute (&m, s, y, k)) {
        cli_error ("%s: no metrics: %s", test_csv, k? util_last_error (): "no row scored");
        goto cleanup;
    }
    *auc = m.auc;
    *accuracy = m.accuracy;
    rc = 0;
cleanup:
    if (why)
        for (size_t i = 0; i < ds->n; i++)
            free (why [i]);
    free (why);
    free (s);
    free (y);
    if (scores)
        gsl_vector_free (scores);
    model_dataset_destroy (&ds);
    model_csv_destroy (&csv);
    model_file_destroy (&mf);
    return rc;
}

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

int
cli_cmd_simulate (int argc, char **argv)
{
    cli_simulate_t o;
    cli_simulate_defaults (&o);
    int rc = cli_simulate_parse (argc, argv, &o);
    if (rc < 0)
        return CLI_OK;              //  --help
    if (rc != CLI_OK) {
        if (rc == CLI_USAGE)
            fputs ("(cohort simulate --help for the options)\n", stderr);
        return rc;
    }
    if (mkdir (o.out, 0700) && errno != EEXIST) {
        cli_error ("cannot create %s: %s", o.out, strerror (errno));
        return CLI_FAIL;
    }
    int port = cli_fed_free_port ();
    char **sites = NULL;
    if (port < 0 || cli_simulate_prepare (&o, port, &sites))
        return CLI_FAIL;
    if (o.prepare_only) {
        printf ("prepared %s: coordinator.cfg, sites/, data/, study.cfg (endpoint "
                "tcp://127.0.0.1:%d)\n", o.out, port);
        cli_consortium_free_sites (&sites);
        return CLI_OK;
    }
    rc = CLI_FAIL;
    json_t *report = NULL;
    char *study = NULL;
    char path [4096];
    snprintf (path, sizeof path, "%s/study.cfg", o.out);
    FILE *f = fopen (path, "r");
    size_t len = 0;
    if (f) {
        FILE *m = open_memstream (&study, &len);
        int ch;
        while (m && (ch = fgetc (f)) != EOF)
            fputc (ch, m);
        if (m)
            fclose (m);
        fclose (f);
    }
    if (!study) {
        cli_error ("cannot read %s", path);
        cli_consortium_free_sites (&sites);
        return CLI_FAIL;
    }
    fprintf (stderr, "simulate: starting a coordinator and %zu sites on 127.0.0.1:%d...\n",
             o.sites, port);
    cli_fed_t *fed = cli_fed_start (o.out, port, sites, o.sites);
    double t0 = s_now ();
    if (fed && cli_fed_run (fed, study, o.timeout_s, isatty (2), &report) == 0) {
        const char *status = json_string_value (json_object_get (json_object_get (report, "study"),
                                                                 "status"));
        json_t *run = json_pack ("{s:i,s:i,s:f,s:f}", "sites", (int) o.sites, "port", port,
                                 "launch_to_report_s", s_now () - t0,
                                 "coordinator_rss_mb", cli_fed_coordinator_rss_mb (fed));
        snprintf (path, sizeof path, "%s/run.json", o.out);
        bool written = run && json_dump_file (run, path, JSON_INDENT (2) | JSON_PRESERVE_ORDER) == 0;
        json_decref (run);
        if (!written)
            cli_error ("cannot write %s", path);
        else
        if (cli_simulate_write_outputs (report, o.out) == 0) {
            printf ("study %s\n", json_string_value (json_object_get (
                                      json_object_get (report, "study"), "name")));
            cli_simulate_summary (report, stdout);
            double auc, acc;
            snprintf (path, sizeof path, "%s/model.json", o.out);
            if (o.test && cli_simulate_exact (path, o.test, &auc, &acc) == 0)
                printf ("  exact      AUC %.4f, accuracy %.4f on all of %s (computed here, "
                        "not private: a check of the estimate above)\n", auc, acc, o.test);
            printf ("  report     %s/report.html (and report.json, model.json)\n", o.out);
            rc = status && strcmp (status, "completed") == 0? CLI_OK: CLI_FAIL;
        }
    }
    cli_fed_stop (&fed);
    json_decref (report);
    free (study);
    cli_consortium_free_sites (&sites);
    return rc;
}
