/*  cli/cmd_evaluate.c - `cohort evaluate`: AUC, accuracy, log-loss and
    Brier score of a model on a labelled CSV (sim/evaluate.h scores). */
#include "cli.h"
#include "cmd.h"
#include "sim/evaluate.h"
#include "util/error.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const char s_usage [] =
    "usage: cohort evaluate --model model.json --data F.csv --label COL [--json]\n"
    "  Scores every row and compares with the label (0/1, or the model's two\n"
    "  label values): ROC AUC (exact, ties count 1/2), accuracy at 0.5,\n"
    "  log-loss and Brier score. Rows the model cannot score are named on\n"
    "  stderr, counted as `unscored` and left out of the metrics.\n"
    "  --json   one JSON object on stdout (AUC null if one class is absent)\n";

static json_t *
s_real_or_null (double x)
{
    return isfinite (x)? json_real (x): json_null ();
}

static int
s_print_json (const model_metrics_t *m, const sim_scored_t *s)
{
    json_t *report = json_pack ("{s:o, s:f, s:f, s:f, s:I, s:I, s:I}",
        "auc", s_real_or_null (m->auc), "accuracy", m->accuracy,
        "log_loss", m->log_loss, "brier", m->brier,
        "rows", (json_int_t) s->scored, "positives", (json_int_t) m->n_pos,
        "unscored", (json_int_t) (s->rows - s->scored));
    char *text = report? json_dumps (report, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION (10))
                       : NULL;
    json_decref (report);
    if (!text) {
        cli_error ("evaluate: could not write JSON");
        return CLI_FAIL;
    }
    puts (text);
    free (text);
    return CLI_OK;
}

int
cli_cmd_evaluate (int argc, char **argv)
{
    const char *model = NULL, *data = NULL, *label = NULL;
    bool json = false;
    const cli_opt_t table [] = {
        CLI_STRING ("model", &model), CLI_STRING ("data", &data), CLI_STRING ("label", &label),
        CLI_FLAG ("json", &json),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, s_usage);
    if (rc != CLI_OK)
        return rc < 0? CLI_OK: rc;
    if (!model || !data || !label) {
        cli_error ("evaluate: --model, --data and --label are required (try --help)");
        return CLI_USAGE;
    }
    sim_scored_t s;
    model_metrics_t m;
    if (sim_score (&s, model, data, label)) {
        cli_error ("evaluate: %s", util_last_error ());
        return CLI_FAIL;
    }
    for (size_t i = 0; i < s.rows; i++)
        if (s.why [i])
            fprintf (stderr, "cohort: cannot score: %s\n", s.why [i]);
    if (s.scored == 0) {
        cli_error ("evaluate: no row of %s could be scored", data);
        rc = CLI_FAIL;
    }
    else
    if (sim_evaluate (&m, &s)) {
        cli_error ("evaluate: %s", util_last_error ());
        rc = CLI_FAIL;
    }
    else
    if (json)
        rc = s_print_json (&m, &s);
    else
        printf ("auc        %.6f\naccuracy   %.6f\nlog_loss   %.6f\nbrier      %.6f\n"
                "rows       %zu\npositives  %.0f\nunscored   %zu\n",
                m.auc, m.accuracy, m.log_loss, m.brier, s.scored, m.n_pos, s.rows - s.scored);
    sim_scored_clear (&s);
    return rc;
}
