/*  cli/cmd_train.c - `cohort train`: fit a logistic regression or an MLP on
    a CSV file and write the model JSON (docs/model-format.md). */
#include "cli.h"
#include "util/error.h"
#include "cmd.h"
#include "models/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char s_usage [] =
    "usage: cohort train --data F.csv --label COL --model logistic|mlp --out model.json\n"
    "                    [--features a,b,...] [--categorical c,...] [--missing drop|impute]\n"
    "                    [--positive V --negative V] [--hidden 32,16] [--epochs E]\n"
    "                    [--lr X] [--l2 X] [--seed S]\n"
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
    "  --out FILE       where to write the model JSON\n";

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
    const char *hidden = NULL, *features = NULL, *categorical = NULL;
    double l2 = 0, lr = 0;
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
    if (!mlp && (hidden || epochs_given || lr_given || seed_given)) {
        cli_error ("train: --hidden, --epochs, --lr and --seed apply to --model mlp only");
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
