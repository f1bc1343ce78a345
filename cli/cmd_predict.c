/*  cli/cmd_predict.c - `cohort predict`: one score per data row, in row
    order; rows the model cannot score are named on stderr and left empty. */
#include "cli.h"
#include "util/error.h"
#include "cmd.h"
#include "models/pipeline.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_usage (FILE *to)
{
    fputs ("usage: cohort predict --model model.json --data F.csv [--out scores.csv]\n"
           "  Writes a CSV with the header `score` and one line per data row, in row\n"
           "  order: P(label = positive). A row the model cannot score (a missing\n"
           "  value when the model drops incomplete rows, or an unknown category) gets\n"
           "  an empty score and a line on stderr saying which row and why.\n"
           "  --model FILE   model JSON written by `cohort train`\n"
           "  --data F       CSV with the model's feature columns (others are ignored)\n"
           "  --out FILE     write the scores there instead of stdout\n", to);
}

int
cli_cmd_predict (int argc, char **argv)
{
    static const struct option options [] = {
        { "model", required_argument, NULL, 'm' },
        { "data",  required_argument, NULL, 'd' },
        { "out",   required_argument, NULL, 'o' },
        { "help",  no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *model = NULL, *data = NULL, *out = NULL;
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long (argc, argv, "h", options, NULL)) != -1) {
        if (opt == 'm') model = optarg;
        else if (opt == 'd') data = optarg;
        else if (opt == 'o') out = optarg;
        else if (opt == 'h') {
            s_usage (stdout);
            return CLI_OK;
        }
        else {
            cli_error ("predict: unknown option or missing value '%s' (try --help)",
                       argv [optind - 1]);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        cli_error ("predict: unexpected argument '%s'", argv [optind]);
        return CLI_USAGE;
    }
    if (!model || !data) {
        cli_error ("predict: --model and --data are required (try --help)");
        return CLI_USAGE;
    }
    model_init ();
    int rc = CLI_FAIL;
    model_file_t *mf = model_file_load (model);
    model_csv_t *csv = NULL;
    model_dataset_t *ds = NULL;
    gsl_vector *scores = NULL;
    char **why = NULL;
    FILE *to = NULL;
    if (!mf || model_csv_load (&csv, data, 0) || model_load_for (&ds, csv, mf, false)) {
        cli_error ("predict: %s", util_last_error ());
        goto cleanup;
    }
    scores = gsl_vector_alloc (ds->n);
    why = calloc (ds->n, sizeof *why);
    if (!scores || !why) {
        cli_error ("predict: out of memory");
        goto cleanup;
    }
    long scored = model_score (mf, ds, data, scores, why);
    if (scored < 0) {
        cli_error ("predict: %s", util_last_error ());
        goto cleanup;
    }
    to = out? fopen (out, "w"): stdout;
    if (!to) {
        cli_error ("predict: %s: %s", out, strerror (errno));
        goto cleanup;
    }
    fputs ("score\n", to);
    for (size_t i = 0; i < ds->n; i++) {
        if (why [i]) {
            fprintf (stderr, "cohort: cannot score: %s\n", why [i]);
            fputs ("\n", to);
        }
        else
            fprintf (to, "%.17g\n", gsl_vector_get (scores, i));
    }
    if ((size_t) scored < ds->n)
        fprintf (stderr, "cohort: %zu of %zu rows could not be scored (empty scores)\n",
                 ds->n - (size_t) scored, ds->n);
    rc = CLI_OK;
cleanup:
    if (to && to != stdout && fclose (to) != 0 && rc == CLI_OK) {
        cli_error ("predict: %s: write error", out);
        rc = CLI_FAIL;
    }
    if (why)
        for (size_t i = 0; i < ds->n; i++)
            free (why [i]);
    free (why);
    if (scores)
        gsl_vector_free (scores);
    model_dataset_destroy (&ds);
    model_csv_destroy (&csv);
    model_file_destroy (&mf);
    return rc;
}
