/*  cli/cmd_train.c - `cohort train`: fit a logistic regression or an MLP on
    a CSV file and write the model JSON (docs/model-format.md); with
    --epsilon, central DP-SGD (sim/dpsgd.h). */
#include "cli.h"
#include "util/error.h"
#include "cmd.h"
#include "dp/random.h"
#include "models/dictionary.h"
#include "models/pipeline.h"
#include "sim/dpsgd.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char s_usage [] =
    "usage: cohort train --data F.csv --label COL --model logistic|mlp --out model.json\n"
    "                    [--features a,b,...] [--categorical c,...] [--missing drop|impute]\n"
    "                    [--positive V --negative V] [--hidden 32,16] [--epochs E]\n"
    "                    [--lr X] [--l2 X] [--seed S]\n"
    "       cohort train --data F.csv --label COL --model logistic --out model.json\n"
    "                    --epsilon E [--delta D] [--dictionary FILE] [--clip C]\n"
    "                    [--sampling-rate Q] [--steps T] [--lr X] [--l2 X]\n"
    "  --data F         training data: CSV with a header; empty or NA = missing\n"
    "  --label COL      the label column: 0/1, or the two values given by\n"
    "                   --positive and --negative\n"
    "  --features LIST  feature columns (default: every column but the label)\n"
    "  --categorical L  features to one-hot encode (one column per level seen)\n"
    "  --missing P      drop incomplete rows (default) or impute training means\n"
    "  --model M        logistic (Newton/IRLS) or mlp (Adam on minibatches of 32)\n"
    "  --l2 X           penalty (l2/2)||w||^2 added to the SUMMED log-loss, on\n"
    "                   standardised features, intercept and biases free; X = 1/C of\n"
    "                   scikit-learn (default 1 for logistic, 10 for mlp)\n"
    "  --hidden LIST    mlp: 1 to 3 hidden ReLU layer widths (default 32)\n"
    "  --epochs E       mlp: passes over the data (default 100)\n"
    "  --lr X           mlp: Adam step size (default 0.005)\n"
    "  --seed S         mlp: seed of the initial weights and shuffling (default 1)\n"
    "  --out FILE       where to write the model JSON\n"
    "differential privacy (central DP-SGD, logistic only; docs/privacy.md)\n"
    "  --epsilon E      train with (E, --delta)-DP: per-example clipping, Poisson\n"
    "                   sampling, exact discrete Gaussian noise from the CSPRNG,\n"
    "                   calibrated by the RDP accountant; the model file records\n"
    "                   the epsilon spent and the plan\n"
    "  --delta D        (default 1e-5)\n"
    "  --dictionary F   data dictionary whose public bounds scale the features and\n"
    "                   whose levels encode the categorical ones (default: the\n"
    "                   data's DATA_dictionary.csv beside it); no budget is spent\n"
    "                   on scaling; missing values: drop, or impute the middle of\n"
    "                   the bounds\n"
    "  --clip C         L2 clip of each example's gradient (default 1)\n"
    "  --sampling-rate Q  Poisson sampling rate per step (default 0.2)\n"
    "  --steps T        DP-SGD steps (default 100)\n"
    "  --lr X           Adam step size (default 0.05)\n"
    "  --l2 X           as above (default 0 under DP)\n";

//  The dictionary beside the data: DIR/STEM_dictionary.csv for DIR/STEM.csv
//  (or DATA_dictionary.csv when the name does not end in .csv).
static int
s_dictionary_beside (char *out, size_t size, const char *data)
{
    size_t len = strlen (data);
    size_t stem = len > 4 && strcmp (data + len - 4, ".csv") == 0? len - 4: len;
    if (stem > INT_MAX
    ||  snprintf (out, size, "%.*s_dictionary.csv", (int) stem, data) >= (int) size) {
        cli_error ("train: --data: the path is too long to find its dictionary beside it");
        return -1;
    }
    return 0;
}

//  --epsilon: central DP-SGD (sim/dpsgd.h) on the loaded table.
static int
s_train_dp (const model_csv_t *csv, const model_load_spec_t *spec, const char *dictionary,
            const sim_dpsgd_options_t *o, const char *data, const char *out)
{
    model_dict_t *dict = model_dict_load (dictionary);
    model_dataset_t *ds = NULL;
    model_file_t *mf = NULL;
    dp_rng_t *rng = dp_rng_new ();
    sim_dpsgd_plan_t plan;
    size_t dropped = 0;
    int rc = CLI_FAIL;
    if (!rng)
        cli_error ("train: out of memory");
    else
    if (!dict || sim_dpsgd_load (&ds, csv, spec, dict)
    ||  !(mf = sim_dpsgd_train (ds, spec, dict, o, rng, &plan, &dropped))
    ||  model_file_save (mf, out))
        cli_error ("train: %s", util_last_error ());
    else {
        printf ("trained logistic with DP-SGD on %zu rows of %s (%zu dropped for missing "
                "values), %zu encoded columns scaled by %s: wrote %s\n"
                "privacy: epsilon %.4f at delta %g (target %g; RDP, order %g), noise "
                "multiplier %.4f, sampling rate %g, %llu steps, clip %g, grid 2^-%u\n",
                mf->train_rows, data, dropped, mf->schema->n_cols, dictionary, out,
                plan.epsilon, o->delta, o->epsilon, plan.order, plan.noise_multiplier,
                o->sampling_rate, (unsigned long long) o->steps, o->clip, plan.frac_bits);
        rc = CLI_OK;
    }
    dp_rng_destroy (&rng);
    model_file_destroy (&mf);
    model_dataset_destroy (&ds);
    model_dict_destroy (&dict);
    return rc;
}

//  Splits "a,b,c" in place into at most `max` non-empty names.
static int
s_split_list (const char *option, char *text, char **names, size_t max, size_t *count)
{
    size_t len = strlen (text);
    if (len == 0 || text [0] == ',' || text [len - 1] == ',' || strstr (text, ",,")) {
        cli_error ("%s: need a comma-separated list of names", option);
        return -1;
    }
    size_t n = 0;
    for (char *save = NULL, *tok = strtok_r (text, ",", &save); tok;
         tok = strtok_r (NULL, ",", &save)) {
        if (n == max) {
            cli_error ("%s: more than %zu names", option, max);
            return -1;
        }
        names [n++] = tok;
    }
    *count = n;
    return 0;
}

static int
s_hidden (const char *text, model_train_opts_t *opts)
{
    char *copy = strdup (text);
    if (!copy) {
        cli_error ("train: out of memory");
        return -1;
    }
    char *parts [MODEL_MLP_MAX_HIDDEN];
    size_t n = 0;
    int rc = s_split_list ("--hidden", copy, parts, MODEL_MLP_MAX_HIDDEN, &n);
    for (size_t k = 0; rc == 0 && k < n; k++) {
        long width;
        rc = cli_parse_long ("--hidden", parts [k], 1, MODEL_MLP_MAX_WIDTH, &width);
        opts->hidden [k] = (size_t) width;
    }
    opts->n_hidden = n;
    free (copy);
    return rc;
}

int
cli_cmd_train (int argc, char **argv)
{
    const char *data = NULL, *out = NULL, *model = NULL, *missing = "drop";
    const char *hidden = NULL, *features = NULL, *categorical = NULL, *dictionary = NULL;
    double l2 = 0, lr = 0;
    sim_dpsgd_options_t dp;
    sim_dpsgd_defaults (&dp);
    bool eps_given = false, delta_given = false, clip_given = false, q_given = false;
    bool steps_given = false;
    size_t epochs = 0;
    uint64_t seed = 0;
    bool l2_given = false, lr_given = false, epochs_given = false, seed_given = false;
    model_load_spec_t spec = { 0 };
    const cli_opt_t table [] = {
        CLI_STRING ("data", &data), CLI_STRING ("label", &spec.label),
        CLI_STRING ("features", &features), CLI_STRING ("categorical", &categorical),
        { "missing", CLI_OPT_CHOICE, &missing, 0, 0, "drop|impute", NULL },
        CLI_STRING ("positive", &spec.positive), CLI_STRING ("negative", &spec.negative),
        { "model", CLI_OPT_CHOICE, &model, 0, 0, "logistic|mlp", NULL },
        CLI_STRING ("hidden", &hidden),
        { "epochs", CLI_OPT_SIZE, &epochs, 1, 1000000, NULL, &epochs_given },
        { "lr", CLI_OPT_DOUBLE, &lr, 1e-12, 10, NULL, &lr_given },
        { "l2", CLI_OPT_DOUBLE, &l2, 0, 1e12, NULL, &l2_given },
        { "seed", CLI_OPT_U64, &seed, 0, (double) INT64_MAX, NULL, &seed_given },
        CLI_STRING ("out", &out),
        { "epsilon", CLI_OPT_DOUBLE, &dp.epsilon, 0, 100, "(]", &eps_given },
        { "delta", CLI_OPT_DOUBLE, &dp.delta, 0, 1, "()", &delta_given },
        { "clip", CLI_OPT_DOUBLE, &dp.clip, 0, 1e6, "(]", &clip_given },
        { "sampling-rate", CLI_OPT_DOUBLE, &dp.sampling_rate, 0, 1, "(]", &q_given },
        { "steps", CLI_OPT_U64, &dp.steps, 1, SIM_DPSGD_STEPS_MAX, NULL, &steps_given },
        CLI_STRING ("dictionary", &dictionary),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, s_usage);
    if (rc)
        return rc < 0? CLI_OK: rc;
    if (!data || !spec.label || !model || !out) {
        cli_error ("train: --data, --label, --model and --out are required (try --help)");
        return CLI_USAGE;
    }
    if ((spec.positive == NULL) != (spec.negative == NULL)) {
        cli_error ("train: give both --positive and --negative, or neither");
        return CLI_USAGE;
    }
    bool mlp = strcmp (model, "mlp") == 0;
    if (!eps_given && (delta_given || clip_given || q_given || steps_given || dictionary)) {
        cli_error ("train: --delta, --clip, --sampling-rate, --steps and --dictionary apply "
                   "with --epsilon only");
        return CLI_USAGE;
    }
    if (eps_given && (mlp || hidden || epochs_given || seed_given || categorical)) {
        cli_error ("train: --epsilon trains --model logistic by DP-SGD: --hidden, --epochs, "
                   "--seed and --categorical do not apply (the dictionary says which "
                   "features are categorical)");
        return CLI_USAGE;
    }
    if (!mlp && !eps_given && (hidden || epochs_given || lr_given || seed_given)) {
        cli_error ("train: --hidden, --epochs, --lr and --seed apply to --model mlp only "
                   "(--lr also with --epsilon)");
        return CLI_USAGE;
    }
    model_train_opts_t opts;
    model_train_defaults (&opts, mlp? MODEL_TYPE_MLP: MODEL_TYPE_LOGISTIC);
    if (strcmp (missing, "impute") == 0)
        opts.missing = MODEL_MISSING_IMPUTE;
    if (hidden && s_hidden (hidden, &opts))
        return CLI_USAGE;
    opts.epochs = epochs_given? epochs: opts.epochs;
    opts.lr = lr_given? lr: opts.lr;
    opts.l2 = l2_given? l2: opts.l2;
    opts.seed = seed_given? (unsigned long) seed: opts.seed;
    //  The lists are split in copies: argv stays as it was given.
    char *names [MODEL_CSV_MAX_COLS], *cats [MODEL_CSV_MAX_COLS];
    char *feature_copy = features? strdup (features): NULL;
    char *categorical_copy = categorical? strdup (categorical): NULL;
    rc = CLI_USAGE;
    if ((features && !feature_copy) || (categorical && !categorical_copy)) {
        cli_error ("train: out of memory");
        rc = CLI_FAIL;
        goto usage;
    }
    if (feature_copy) {
        if (s_split_list ("--features", feature_copy, names, MODEL_CSV_MAX_COLS,
                          &spec.n_features))
            goto usage;
        spec.features = (const char *const *) names;
    }
    if (categorical_copy) {
        if (s_split_list ("--categorical", categorical_copy, cats, MODEL_CSV_MAX_COLS,
                          &spec.n_categorical))
            goto usage;
        spec.categorical = (const char *const *) cats;
    }

    model_init ();
    rc = CLI_FAIL;
    if (eps_given) {
        char beside [4096];
        if (!dictionary && s_dictionary_beside (beside, sizeof beside, data))
            goto usage;
        dp.lr = lr_given? lr: dp.lr;
        dp.l2 = l2_given? l2: dp.l2;
        dp.missing = opts.missing;
        model_csv_t *table = NULL;
        if (model_csv_load (&table, data, 0))
            cli_error ("train: %s", util_last_error ());
        else
            rc = s_train_dp (table, &spec, dictionary? dictionary: beside, &dp, data, out);
        model_csv_destroy (&table);
        goto usage;
    }
    model_csv_t *csv = NULL;
    model_dataset_t *ds = NULL;
    model_file_t *mf = NULL;
    size_t dropped = 0;
    if (model_csv_load (&csv, data, 0) || model_dataset_load (&ds, csv, &spec, NULL)
    ||  !(mf = model_train (ds, &spec, &opts, &dropped)) || model_file_save (mf, out))
        cli_error ("train: %s", util_last_error ());
    else {
        printf ("trained %s on %zu rows of %s (%zu dropped for missing values), "
                "%zu encoded columns: wrote %s\n", model, mf->train_rows, data, dropped,
                mf->schema->n_cols, out);
        rc = CLI_OK;
    }
    model_file_destroy (&mf);
    model_dataset_destroy (&ds);
    model_csv_destroy (&csv);
usage:
    free (feature_copy);
    free (categorical_copy);
    return rc;
}
