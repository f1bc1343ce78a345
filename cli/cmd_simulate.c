/*  cli/cmd_simulate.c - `cohort simulate`: one study on a throwaway
    consortium of local processes (sim/simulate.h does the work). */
#include "cli.h"
#include "cmd.h"
#include "sim/consortium.h"
#include "sim/evaluate.h"
#include "sim/launch.h"
#include "sim/simulate.h"
#include "he/paillier.h"
#include "proto/study.h"
#include "util/error.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char s_usage [] =
    "usage: cohort simulate --data TRAIN.csv --label COL --sites N --out DIR [options]\n"
    "       cohort simulate --data DATA.csv --query EXPR --sites N --out DIR [options]\n"
    "\n"
    "Runs one study on a throwaway consortium on this machine: deals keys and CURVE\n"
    "certificates, splits TRAIN.csv across N sites, starts a real coordinator and N\n"
    "real site processes on a free 127.0.0.1 port, runs the study, and writes\n"
    "DIR/report.json, DIR/report.html and DIR/model.json, and DIR/run.json (time\n"
    "from launch to report, peak memory of the coordinator). The consortium, the\n"
    "split data (DIR/data/), study.cfg and the process logs (DIR/logs/) stay in\n"
    "DIR; files of an earlier run there are replaced.\n"
    "With --query it runs one statistical query instead (docs/queries.md), prints its\n"
    "results and writes DIR/report.json, report.csv and report.html.\n"
    "\n"
    "query\n"
    "  --query EXPR        e.g. 'summary(glucose, by=diabetes)' (no --label needed)\n"
    "  --dictionary FILE   the data dictionary (default: DATA_dictionary.csv beside\n"
    "                      the data, as the bundled datasets have); a study is read\n"
    "                      through it (its --features, default every column but the\n"
    "                      label): scaled by the public bounds with privacy on (no\n"
    "                      budget spent on standardisation), categorical features\n"
    "                      one-hot by its levels\n"
    "  (--epsilon and --delta are then the query's; --privacy off for exact results)\n"
    "\n"
    "data\n"
    "  --data FILE         training rows (CSV with a header)\n"
    "  --test FILE         held-out rows, split across the sites the same way as\n"
    "                      their evaluation sets (default: each site holds out 30%)\n"
    "  --label COL         0/1 label column\n"
    "  --features A,B,...  feature columns (default: all but the label)\n"
    "  --categorical A,... categorical columns\n"
    "  --missing MODE      drop (default) or impute\n"
    "  --scale HOW         auto (default: bounds when the study is read through the\n"
    "                      dictionary, else statistics), statistics (a DP round\n"
    "                      estimates each feature's scale) or bounds (the\n"
    "                      dictionary's public bounds: no budget spent on it)\n"
    "  --sites N           number of sites (2..256: the key's threshold is at least 2)\n"
    "  --split KIND        iid (default), label-skew or size-skew\n"
    "model\n"
    "  --model TYPE        logistic (default) or mlp\n"
    "  --hidden W,...      MLP hidden widths (default 32,16)\n"
    "  --steps T           training rounds\n"
    "  --sampling-rate Q   Poisson sampling rate per round\n"
    "                      (default for both, with privacy on: the schedule the\n"
    "                      accountant favours for the target, the features and the\n"
    "                      training rows, docs/privacy.md s.7; with either given the\n"
    "                      other defaults to 20 steps, q 0.5)\n"
    "  --optimizer NAME    server optimiser: adam (default) or sgd\n"
    "  --learning-rate R   server optimiser step (default 0.05)\n"
    "  --clip C            L2 clip of each example's gradient (default 0.5)\n"
    "  --eval-every K      evaluation round every K steps and at the end\n"
    "                      (default 0: one evaluation, after the last step;\n"
    "                      each evaluation round spends part of epsilon)\n"
    "  --eval-share S      the evaluations' share of the budget, 0.01..0.5\n"
    "                      (default 0.05)\n"
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
    "  --verify-threads N  the coordinator's proof-verification threads (1..64;\n"
    "                      default: its online CPUs)\n"
    "  --prepare-only      write the consortium, data and study.cfg, then stop\n"
    "  --insecure-test-key allow --bits below 2048 (tests only)\n"
    "  --out DIR           output directory (created if missing)\n";

//  The options, checked against each other the way a person types them.
static int
s_parse (int argc, char **argv, sim_options_t *o, bool *prepare_only)
{
    bool eps = false, delta = false, q = false, local = false, every = false, steps = false;
    const char *split = "iid", *privacy = NULL;
    const cli_opt_t table [] = {
        CLI_STRING ("data", &o->data), CLI_STRING ("test", &o->test),
        CLI_STRING ("label", &o->label), CLI_STRING ("features", &o->features),
        CLI_STRING ("categorical", &o->categorical),
        { "missing", CLI_OPT_CHOICE, &o->missing, 0, 0, "drop|impute", NULL },
        { "scale", CLI_OPT_CHOICE, &o->scale, 0, 0, "auto|statistics|bounds", NULL },
        { "sites", CLI_OPT_SIZE, &o->sites, 1, SIM_SPLIT_SITES_MAX, NULL, NULL },
        { "split", CLI_OPT_CHOICE, &split, 0, 0, "iid|label-skew|size-skew", NULL },
        { "model", CLI_OPT_CHOICE, &o->model, 0, 0, "logistic|mlp", NULL },
        CLI_STRING ("hidden", &o->hidden),
        { "optimizer", CLI_OPT_CHOICE, &o->optimizer, 0, 0, "adam|sgd", NULL },
        { "epsilon", CLI_OPT_DOUBLE, &o->epsilon, 1e-3, 1e3, NULL, &eps },
        { "delta", CLI_OPT_DOUBLE, &o->delta, 1e-300, 0.1, NULL, &delta },
        { "privacy", CLI_OPT_CHOICE, &privacy, 0, 0, "off", NULL },
        { "steps", CLI_OPT_UINT, &o->steps, 1, 100000, NULL, &steps },
        { "sampling-rate", CLI_OPT_DOUBLE, &o->sampling_rate, 1e-6, 1, NULL, &q },
        { "learning-rate", CLI_OPT_DOUBLE, &o->learning_rate, 1e-9, 100, NULL, NULL },
        { "clip", CLI_OPT_DOUBLE, &o->clip, 1e-9, 1e6, NULL, NULL },
        { "eval-every", CLI_OPT_UINT, &o->eval_every, 0, 100000, NULL, &every },
        { "eval-share", CLI_OPT_DOUBLE, &o->eval_share, PROTO_EVAL_SHARE_MIN,
          PROTO_EVAL_SHARE_MAX, NULL, NULL },
        { "threshold", CLI_OPT_UINT, &o->threshold, 1, SIM_SPLIT_SITES_MAX, NULL, NULL },
        { "bits", CLI_OPT_UINT, &o->bits, HE_BITS_MIN, 4096, NULL, NULL },
        { "seed", CLI_OPT_U64, &o->seed, 0, 0x7fffffffL, NULL, NULL },
        { "timeout", CLI_OPT_DOUBLE, &o->timeout_s, 1, 86400, NULL, NULL },
        { "round-timeout", CLI_OPT_UINT, &o->round_timeout_ms, 100, 86400000, NULL, NULL },
        { "verify-threads", CLI_OPT_UINT, &o->verify_threads, 1, 64, NULL, NULL },
        { "unit", CLI_OPT_CHOICE, &o->unit, 0, 0, "record|site", NULL },
        { "local-epochs", CLI_OPT_UINT, &o->local_epochs, 1, 100, NULL, &local },
        { "local-learning-rate", CLI_OPT_DOUBLE, &o->local_learning_rate, 1e-9, 100, NULL,
          &local },
        { "local-batch", CLI_OPT_UINT, &o->local_batch, 1, 1000000, NULL, &local },
        CLI_FLAG ("prepare-only", prepare_only),
        CLI_FLAG ("insecure-test-key", &o->insecure_test_key), CLI_STRING ("out", &o->out),
        CLI_STRING ("query", &o->query), CLI_STRING ("dictionary", &o->dictionary),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, s_usage);
    if (rc != CLI_OK)
        return rc;
    const char *wrong = !o->data || (!o->label && !o->query) || !o->sites || !o->out
        ? "--data, --label (or --query), --sites and --out are required"
        : privacy && (eps || delta)? "--privacy off cannot be combined with --epsilon or --delta"
        : local && strcmp (o->unit, "site")
        ? "--local-epochs, --local-learning-rate and --local-batch need --unit site"
        : q && o->sampling_rate != 1 && strcmp (o->unit, "site") == 0
        ? "--sampling-rate must be 1 with --unit site (sites are not sampled)": NULL;
    if (wrong) {
        cli_error ("simulate: %s", wrong);
        return CLI_USAGE;
    }
    o->privacy_off = privacy != NULL;
    //  Neither given: the accountant's schedule (sim_options_t).
    o->choose_schedule = !steps && !q;
    if (strcmp (o->unit, "site") == 0)
        o->sampling_rate = 1;
    if (sim_split_kind_parse (split, &o->split) || sim_check (o)) {
        cli_error ("%s", util_last_error ());
        return CLI_USAGE;
    }
    //  By default one evaluation, after the last step: every evaluation
    //  round takes its part of the evaluation's share of epsilon, and the
    //  final estimate is the one that matters (docs/privacy.md s.7).
    if (!every)
        o->eval_every = 0;
    return CLI_OK;
}

int
cli_cmd_simulate (int argc, char **argv)
{
    sim_options_t o;
    sim_options_defaults (&o);
    bool prepare_only = false;
    int rc = s_parse (argc, argv, &o, &prepare_only);
    if (rc < 0)
        return CLI_OK;              //  --help
    if (rc != CLI_OK)
        return rc;
    o.log = stderr;
    o.progress = isatty (STDERR_FILENO)? stderr: NULL;
    if (prepare_only) {
        char **sites = NULL;
        int port = sim_free_port ();
        if (port < 0 || sim_prepare (&o, port, &sites)) {
            cli_error ("%s", util_last_error ());
            return CLI_FAIL;
        }
        sim_consortium_free_sites (&sites);
        printf ("prepared %s: coordinator.cfg, sites/, data/, %s (endpoint "
                "tcp://127.0.0.1:%d)\n", o.out, o.query? "query.cfg": "study.cfg", port);
        return CLI_OK;
    }
    json_t *report = NULL;
    rc = sim_run (&o, &report)? CLI_FAIL: CLI_OK;
    if (rc)
        cli_error ("%s", util_last_error ());
    if (report && o.query) {
        sim_summary (report, stdout);
        printf ("  report     %s/report.html (and report.json, report.csv)\n", o.out);
    }
    else
    if (report) {
        printf ("study %s\n", json_string_value (json_object_get (json_object_get (report, "study"),
                                                                   "name")));
        sim_summary (report, stdout);
        char model [4096];
        snprintf (model, sizeof model, "%s/model.json", o.out);
        sim_scored_t scored;
        model_metrics_t m;
        //  Only a model this run wrote (a failed study leaves none).
        if (rc == CLI_OK && o.test && sim_score (&scored, model, o.test, o.label) == 0) {
            if (sim_evaluate (&m, &scored) == 0)
                printf ("  exact      AUC %.4f, accuracy %.4f on all of %s (computed here, "
                        "not private: a check of the estimate above)\n", m.auc, m.accuracy,
                        o.test);
            sim_scored_clear (&scored);
        }
        printf ("  report     %s/report.html (and report.json%s)\n", o.out,
                rc == CLI_OK? ", model.json": "");
    }
    json_decref (report);
    return rc;
}
