/*  sim/evaluate.h - a model file applied to the rows of a CSV file: one
    scoring routine for `cohort predict`, `cohort evaluate`, `cohort
    simulate` and `cohort demo`.

    Contents
        sim_scored_t        the scores of every row, in row order, the labels
                            when asked for, and why a row was not scored
        sim_score           loads the model and the file and scores each row
        sim_scored_clear    frees what sim_score allocated
        sim_evaluate        exact metrics (AUC, accuracy, log-loss, Brier) of
                            the scored rows against their labels

    A simulation holds all the data, so it can check what the federation's
    DP evaluation estimated: these are exact, not private, figures. They
    never leave the machine that holds the file.

    A sim_scored_t's arrays are the caller's once filled (sim_scored_clear,
    NULL-safe). Errors are -1 with the reason in the error slot
    (util/error.h).
*/
#ifndef SIM_EVALUATE_H
#define SIM_EVALUATE_H

#include "models/metrics.h"

#include <stddef.h>

#define SIM_WUR __attribute__((warn_unused_result))

typedef struct {
    size_t rows;                //  data rows of the file
    size_t scored;              //  rows that have a score
    double *scores;             //  rows entries: P(label = positive), NAN if unscored
    double *labels;             //  rows entries (0 or 1), or NULL without a label
    char **why;                 //  rows entries: the reason a row has no score, or
                                //  NULL ("name:row: ..."; no cell value)
} sim_scored_t;

/*  Scores every row of `csv_path` with the model file at `model_path`. With
    `label` (a column name), that column is read as the label in the model's
    coding (its two label values, or 0/1) into out->labels. A row that
    cannot be scored (an unknown category; a missing value when the model
    drops incomplete rows) is kept with a NAN score and its reason. Returns
    0, or -1 with the reason (unreadable or malformed files, a model that
    does not fit the file, out of memory); out is then empty. */
int sim_score (sim_scored_t *out, const char *model_path, const char *csv_path,
               const char *label) SIM_WUR;

/*  Frees the arrays and zeroes *self. NULL-safe. */
void sim_scored_clear (sim_scored_t *self);

/*  Exact metrics of the scored rows of `s` (which must carry labels).
    Returns 0, or -1 if no row was scored or s has no labels. */
int sim_evaluate (model_metrics_t *out, const sim_scored_t *s) SIM_WUR;

#endif
