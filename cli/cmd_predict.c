/*  cli/cmd_predict.c - `cohort predict`: one score per data row, in row
    order; rows the model cannot score are named on stderr and left empty
    (sim/evaluate.h scores). */
#include "cli.h"
#include "cmd.h"
#include "sim/evaluate.h"
#include "util/error.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char s_usage [] =
    "usage: cohort predict --model model.json --data F.csv [--out scores.csv]\n"
    "  Writes a CSV with the header `score` and one line per data row, in row\n"
    "  order: P(label = positive). A row the model cannot score (a missing\n"
    "  value when the model drops incomplete rows, or an unknown category) gets\n"
    "  an empty score and a line on stderr saying which row and why.\n"
    "  --model FILE   model JSON written by `cohort train`\n"
    "  --data F       CSV with the model's feature columns (others are ignored)\n"
    "  --out FILE     write the scores there instead of stdout\n";

int
cli_cmd_predict (int argc, char **argv)
{
    const char *model = NULL, *data = NULL, *out = NULL;
    const cli_opt_t table [] = {
        CLI_STRING ("model", &model), CLI_STRING ("data", &data), CLI_STRING ("out", &out),
        CLI_END
    };
    int rc = cli_parse (argc, argv, table, s_usage);
    if (rc != CLI_OK)
        return rc < 0? CLI_OK: rc;
    if (!model || !data) {
        cli_error ("predict: --model and --data are required (try --help)");
        return CLI_USAGE;
    }
    sim_scored_t s;
    if (sim_score (&s, model, data, NULL)) {
        cli_error ("predict: %s", util_last_error ());
        return CLI_FAIL;
    }
    FILE *to = out? fopen (out, "w"): stdout;
    if (!to) {
        cli_error ("predict: %s: %s", out, strerror (errno));
        sim_scored_clear (&s);
        return CLI_FAIL;
    }
    fputs ("score\n", to);
    for (size_t i = 0; i < s.rows; i++) {
        if (s.why [i]) {
            fprintf (stderr, "cohort: cannot score: %s\n", s.why [i]);
            fputs ("\n", to);
        }
        else
            fprintf (to, "%.17g\n", s.scores [i]);
    }
    if (s.scored < s.rows)
        fprintf (stderr, "cohort: %zu of %zu rows could not be scored (empty scores)\n",
                 s.rows - s.scored, s.rows);
    if (to != stdout && fclose (to) != 0) {
        cli_error ("predict: %s: write error", out);
        rc = CLI_FAIL;
    }
    sim_scored_clear (&s);
    return rc;
}
