/*  cli/cmd_evaluate.c - `cohort evaluate`: AUC, accuracy, log-loss and Brier
    score of a model on a labelled CSV. */
#include "cli.h"
#include "util/error.h"
#include "cmd.h"
#include "models/metrics.h"
#include "models/pipeline.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage (FILE *to)
{
    fputs ("usage: cohort evaluate --model model.json --data F.csv --label COL [--json]\n"
           "  Scores every row and compares with the label (0/1, or the model's two\n"
           "  label values): ROC AUC (exact, ties count 1/2), accuracy at 0.5,\n"
           "  log-loss and Brier score. Rows the model cannot score are named on\n"
           "  stderr, counted as `unscored` and left out of the metrics.\n"
           "  --json   one JSON object on stdout (AUC null if one class is absent)\n", to);
}

static json_t *
s_real_or_null (double x)
{
    return isfinite (x)? json_real (x): json_null ();
}

int
cli_cmd_evaluate (int argc, char **argv)
{
    static const struct option options [] = {
        { "model", required_argument, NULL, 'm' },
        { "data",  required_argument, NULL, 'd' },
        { "label", required_argument, NULL, 'y' },
        { "json",  no_argument,       NULL, 'j' },
        { "help",  no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *model = NULL, *data = NULL, *label = NULL;
    bool json = false;
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long (argc, argv, "h", options, NULL)) != -1) {
        if (opt == 'm') model = optarg;
        else if (opt == 'd') data = optarg;
        else if (opt == 'y') label = optarg;
        else if (opt == 'j') json = true;
        else if (opt == 'h') {
            s_usage (stdout);
            return CLI_OK;
        }
        else {
            cli_error ("evaluate: unknown option or missing value '%s' (try --help)",
                       argv [optind - 1]);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        cli_error ("evaluate: unexpected argument '%s'", argv [optind]);
        return CLI_USAGE;
    }
    if (!model || !data || !label) {
        cli_error ("evaluate: --model, --data and --label are required (try --help)");
        return CLI_USAGE;
    }
    model_init ();
    int rc = CLI_FAIL;
    model_file_t *mf = model_file_load (model);
    model_csv_t *csv = NULL;
    model_dataset_t *ds = NULL;
    gsl_vector *scores = NULL;
    double *s = NULL, *y = NULL;
    char **why = NULL;
    if (!mf || model_csv_load (&csv, data, 0)) {
        cli_error ("evaluate: %s", util_last_error ());
        goto cleanup;
    }
    model_load_spec_t spec = { .label = label, .positive = mf->positive,
                               .negative = mf->negative };
    if (model_dataset_load (&ds, csv, &spec, mf->schema)) {
        cli_error ("evaluate: %s", util_last_error ());
        goto cleanup;
    }
    scores = gsl_vector_alloc (ds->n);
    why = calloc (ds->n, sizeof *why);
    s = malloc (ds->n * sizeof *s);
    y = malloc (ds->n * sizeof *y);
    if (!scores || !why || !s || !y) {
        cli_error ("evaluate: out of memory");
        goto cleanup;
    }
    long scored = model_score (mf, ds, data, scores, why);
    if (scored < 0) {
        cli_error ("evaluate: %s", util_last_error ());
        goto cleanup;
    }
    size_t k = 0;
    for (size_t i = 0; i < ds->n; i++) {
        if (why [i]) {
            fprintf (stderr, "cohort: cannot score: %s\n", why [i]);
            continue;
        }
        s [k] = gsl_vector_get (scores, i);
        y [k++] = gsl_vector_get (ds->y, i);
    }
    model_metrics_t m;
    if (k == 0) {
        cli_error ("evaluate: no row of %s could be scored", data);
        goto cleanup;
    }
    if (model_metrics_compute (&m, s, y, k)) {
        cli_error ("evaluate: %s", util_last_error ());
        goto cleanup;
    }
    if (json) {
        json_t *report = json_pack ("{s:o, s:f, s:f, s:f, s:I, s:I, s:I}",
            "auc", s_real_or_null (m.auc), "accuracy", m.accuracy,
            "log_loss", m.log_loss, "brier", m.brier,
            "rows", (json_int_t) k, "positives", (json_int_t) m.n_pos,
            "unscored", (json_int_t) (ds->n - k));
        char *text = report? json_dumps (report, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION (10)): NULL;
        json_decref (report);
        if (!text) {
            cli_error ("evaluate: could not write JSON");
            goto cleanup;
        }
        puts (text);
        free (text);
    }
    else
        printf ("auc        %.6f\naccuracy   %.6f\nlog_loss   %.6f\nbrier      %.6f\n"
                "rows       %zu\npositives  %.0f\nunscored   %zu\n",
                m.auc, m.accuracy, m.log_loss, m.brier, k, m.n_pos, ds->n - k);
    rc = CLI_OK;
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
