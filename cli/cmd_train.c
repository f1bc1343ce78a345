/*  cli/cmd_train.c - `cohort train`: fit a logistic regression or an MLP on
    a CSV file and write the model JSON (docs/model-format.md). */
#include "cli.h"
#include "util/error.h"
#include "cmd.h"
#include "models/pipeline.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage (FILE *to)
{
    fputs ("usage: cohort train --data F.csv --label COL --model logistic|mlp --out model.json\n"
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
           "  --out FILE       where to write the model JSON\n", to);
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
    char *parts [MODEL_MLP_MAX_HIDDEN];
    size_t n = 0;
    int rc = copy? s_split_list ("--hidden", copy, parts, MODEL_MLP_MAX_HIDDEN, &n): -1;
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
    static const struct option options [] = {
        { "data",        required_argument, NULL, 'd' },
        { "label",       required_argument, NULL, 'y' },
        { "features",    required_argument, NULL, 'f' },
        { "categorical", required_argument, NULL, 'c' },
        { "missing",     required_argument, NULL, 'm' },
        { "positive",    required_argument, NULL, 'P' },
        { "negative",    required_argument, NULL, 'N' },
        { "model",       required_argument, NULL, 't' },
        { "hidden",      required_argument, NULL, 'H' },
        { "epochs",      required_argument, NULL, 'e' },
        { "lr",          required_argument, NULL, 'r' },
        { "l2",          required_argument, NULL, 'l' },
        { "seed",        required_argument, NULL, 's' },
        { "out",         required_argument, NULL, 'o' },
        { "help",        no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *data = NULL, *out = NULL, *model = NULL, *missing = "drop";
    const char *hidden = NULL, *l2 = NULL, *epochs = NULL, *lr = NULL, *seed = NULL;
    const char *features = NULL, *categorical = NULL;
    model_load_spec_t spec = { 0 };
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long (argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
            case 'd': data = optarg; break;
            case 'y': spec.label = optarg; break;
            case 'f': features = optarg; break;
            case 'c': categorical = optarg; break;
            case 'm': missing = optarg; break;
            case 'P': spec.positive = optarg; break;
            case 'N': spec.negative = optarg; break;
            case 't': model = optarg; break;
            case 'H': hidden = optarg; break;
            case 'e': epochs = optarg; break;
            case 'r': lr = optarg; break;
            case 'l': l2 = optarg; break;
            case 's': seed = optarg; break;
            case 'o': out = optarg; break;
            case 'h': s_usage (stdout); return CLI_OK;
            default:
                cli_error ("train: unknown option or missing value '%s' (try --help)",
                           argv [optind - 1]);
                return CLI_USAGE;
        }
    }
    if (optind < argc) {
        cli_error ("train: unexpected argument '%s'", argv [optind]);
        return CLI_USAGE;
    }
    if (!data || !spec.label || !model || !out) {
        cli_error ("train: --data, --label, --model and --out are required (try --help)");
        return CLI_USAGE;
    }
    model_train_opts_t opts;
    if (strcmp (model, "logistic") == 0)
        model_train_defaults (&opts, MODEL_TYPE_LOGISTIC);
    else
    if (strcmp (model, "mlp") == 0)
        model_train_defaults (&opts, MODEL_TYPE_MLP);
    else {
        cli_error ("--model: '%s' is not logistic or mlp", model);
        return CLI_USAGE;
    }
    if (strcmp (missing, "impute") == 0)
        opts.missing = MODEL_MISSING_IMPUTE;
    else
    if (strcmp (missing, "drop") != 0) {
        cli_error ("--missing: '%s' is not drop or impute", missing);
        return CLI_USAGE;
    }
    if ((spec.positive == NULL) != (spec.negative == NULL)) {
        cli_error ("train: give both --positive and --negative, or neither");
        return CLI_USAGE;
    }
    if (opts.type == MODEL_TYPE_LOGISTIC && (hidden || epochs || lr || seed)) {
        cli_error ("train: --hidden, --epochs, --lr and --seed apply to --model mlp only");
        return CLI_USAGE;
    }
    long lv;
    unsigned long long seed_value = 0;
    char *end = NULL;
    if ((hidden && s_hidden (hidden, &opts))
    ||  (epochs && cli_parse_long ("--epochs", epochs, 1, 1000000, &lv))
    ||  (l2 && cli_parse_double ("--l2", l2, 0, 1e12, &opts.l2))
    ||  (lr && cli_parse_double ("--lr", lr, 1e-12, 10, &opts.lr)))
        return CLI_USAGE;
    if (epochs)
        opts.epochs = (size_t) lv;
    if (seed) {
        seed_value = strtoull (seed, &end, 10);
        if (!*seed || *end || seed [0] == '-') {
            cli_error ("--seed: '%s' is not a non-negative integer", seed);
            return CLI_USAGE;
        }
        opts.seed = (unsigned long) seed_value;
    }
    //  The lists are split in copies: argv stays as it was given.
    char *names [MODEL_CSV_MAX_COLS], *cats [MODEL_CSV_MAX_COLS];
    char *feature_copy = features? strdup (features): NULL;
    char *categorical_copy = categorical? strdup (categorical): NULL;
    int rc = CLI_USAGE;
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
