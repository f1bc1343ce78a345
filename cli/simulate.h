/*  cli/simulate.h - the pieces of `cohort simulate` that `cohort demo` and
    `cohort bench federation` reuse: options, preparing a consortium
    directory with split data and a study, writing the outputs. */
#ifndef CLI_SIMULATE_H
#define CLI_SIMULATE_H

#include "sim/split.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    const char *data, *test, *label, *features, *categorical, *missing;
    size_t sites;
    sim_split_kind_t split;
    const char *model, *hidden, *optimizer;
    double epsilon, delta;
    bool privacy_off;
    unsigned steps;
    double sampling_rate, learning_rate, clip;
    unsigned eval_every;
    bool eval_every_set;
    const char *unit;               //  record | site (DP-FedAvg)
    unsigned local_epochs;          //  unit = site: local training per round
    double local_learning_rate;
    unsigned local_batch;
    unsigned threshold;             //  0: 2 (1 with one site)
    unsigned bits;
    uint64_t seed;
    double timeout_s;
    unsigned round_timeout_ms;      //  the coordinator's deadline per round
    bool prepare_only;
    const char *out;
} cli_simulate_t;

/*  Defaults: drop, iid, logistic, adam, 200 steps, q 0.05, lr 0.05, C 1,
    (1, 1e-5), unit record (site: 1 local epoch, local lr 0.1, local batch
    32), 2048 bits, seed 1, timeout 1800 s, rounds 30 s. */
void cli_simulate_defaults (cli_simulate_t *o);

/*  Parses `cohort simulate` options into `o` (filled with defaults first by
    the caller). Returns CLI_OK, CLI_USAGE (message printed), or -1 after
    printing --help. */
int cli_simulate_parse (int argc, char **argv, cli_simulate_t *o);

/*  Writes into o->out (which must exist): the consortium (sites site-1 ..
    site-N, coordinator on tcp://127.0.0.1:`port`, files replaced), the
    split data in data/<site>.csv (and data/<site>-test.csv with o->test)
    and study.cfg. *sites gets the site names (NULL-terminated; free with
    cli_consortium_free_sites). Returns 0 or -1 (message printed). */
int cli_simulate_prepare (const cli_simulate_t *o, int port, char ***sites);

/*  Writes DIR/report.json, DIR/report.html and DIR/model.json (the
    report's model, checked by the model-file parser). Returns 0 or -1. */
int cli_simulate_write_outputs (const json_t *report, const char *dir);

/*  A few lines for people: status, test AUC, epsilon spent, wall time. */
void cli_simulate_summary (const json_t *report, FILE *out);

/*  The exact (not private) metrics of the model file at `model_path` on
    every row of `test_csv`: a simulation holds all the data, so it can
    check what the DP evaluation estimated. *auc and *accuracy are set.
    Returns 0 or -1 (message printed). */
int cli_simulate_exact (const char *model_path, const char *test_csv, double *auc,
                        double *accuracy);

#endif
