/*  sim/simulate.h - one study on a throwaway consortium of local processes:
    what `cohort simulate` runs, and what `cohort demo` and the federation
    benchmark reuse.

    Contents
        sim_options_t       the simulation: data, split, model, privacy,
                            consortium (sim_options_defaults)
        sim_check           the checks between options, before anything runs
        sim_prepare         writes the consortium, the split data and
                            study.cfg into the output folder
        sim_run             prepare, start the processes (sim/launch.h), run
                            the study, write the outputs, stop; the report
        sim_write_outputs   report.json, report.html and model.json of a report
        sim_summary         a few lines for people: status, AUC, epsilon, time

    The options and their streams are borrowed. What a call returns is the
    caller's: sim_prepare's site names (sim_consortium_free_sites),
    sim_run's report (json_decref). Errors are -1 / NULL with one line in
    the error slot (util/error.h). A simulation holds all the data; it never
    stands in for a real site's privacy (each simulated site grants exactly
    what the study plans).
*/
#ifndef SIM_SIMULATE_H
#define SIM_SIMULATE_H

#include "sim/split.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    const char *data, *test, *label, *features, *categorical, *missing;
    const char *scale;              //  statistics | bounds (NULL: statistics)
    size_t sites;
    sim_split_kind_t split;
    const char *model, *hidden, *optimizer;
    double epsilon, delta;
    bool privacy_off;
    unsigned steps;
    double sampling_rate, learning_rate, clip;
    unsigned eval_every;
    double eval_share;              //  the evaluations' share of the budget (0: the
                                    //  study's default, PROTO_EVAL_SHARE_DEFAULT)
    bool choose_schedule;           //  steps and sampling_rate chosen by the
                                    //  accountant (proto_plan_choose) for the
                                    //  target, the features and the training rows
    const char *unit;               //  record | site (DP-FedAvg)
    unsigned local_epochs;          //  unit = site: local training per round
    double local_learning_rate;
    unsigned local_batch;
    unsigned threshold;             //  0: 2 (1 with one site)
    unsigned bits;
    bool insecure_test_key;         //  allow bits below HE_BITS_SECURE (tests)
    uint64_t seed;
    double timeout_s;
    unsigned round_timeout_ms;      //  the coordinator's deadline per round
    unsigned verify_threads;        //  the coordinator's proof-verification threads
                                    //  (0: its default, the online CPUs)
    unsigned status_probes;         //  after the study, time this many status
                                    //  requests (0: none; at most
                                    //  SIM_STATUS_PROBES_MAX) for run.json
    bool round_metrics;             //  the coordinator serves metrics on a free
                                    //  loopback port, and run.json gets
                                    //  train_round_ms: its training rounds' mean
                                    //  duration by its own clock
    const char *out;
    double site_budget;             //  each site's epsilon budget per dataset (0: room
                                    //  for this one study or query)
    const char *query;              //  a query (proto/query.h) instead of a study
    const char *dictionary;         //  the data dictionary (NULL: the data's
                                    //  <stem>_dictionary.csv beside it, if any); a
                                    //  study is read through it and, with privacy
                                    //  on, scaled by its bounds (scale = auto)
    FILE *log;                      //  what is being done, a line a step (NULL: none)
    FILE *progress;                 //  a study progress line per status (NULL: none)
} sim_options_t;

/*  Defaults: drop, iid, logistic, adam, 20 steps, q 0.5 (choose_schedule
    false; `cohort simulate` sets it unless --steps or --sampling-rate is
    given), lr 0.05, eval share 0 (the default 0.05), C 0.1,
    (1, 1e-5), unit record (site: 1 local epoch, local lr 0.1, local batch
    32), eval_every 0 (one evaluation, after the last step), 2048 bits,
    seed 1, timeout 1800 s, rounds 30 s. */
void sim_options_defaults (sim_options_t *o);

/*  Checks the options against each other and fills what follows from them
    (the threshold; q = 1 under unit = site; the dictionary found beside
    the data, which a query needs). A query needs no label (but label-skew
    does); eval_share is 0 or in [PROTO_EVAL_SHARE_MIN,
    PROTO_EVAL_SHARE_MAX].
    Returns 0, or -1 with the reason (UTIL_EINPUT) naming the option. */
int sim_check (sim_options_t *o);

/*  Writes into o->out (created if missing): the consortium (sites site-1
    .. site-N, coordinator on tcp://127.0.0.1:`port`, files replaced), the
    split data in data/<site>.csv (and data/<site>-test.csv with o->test)
    and study.cfg (with a dictionary and no features: every column of the
    data but the label; with choose_schedule, the steps and sampling rate
    of proto_plan_choose for the data's rows and features) (with a query: query.cfg, and the dictionary as
    dictionary.csv, which the coordinator and every site are given). *sites gets the site names (NULL-terminated; free with
    sim_consortium_free_sites). Returns 0 or -1. */
int sim_prepare (const sim_options_t *o, int port, char ***sites);

/*  Runs the whole simulation: prepares o->out, starts a coordinator and the
    sites on a free port, runs the study, writes o->out/report.json,
    report.html, model.json and run.json (sites, port, launch to report
    time, the coordinator's peak memory and CPU time, and with status_probes
    the median and largest status latency; with round_metrics the training
    rounds' mean duration), and stops the processes.
    *report gets the report (new reference) when one was fetched, whatever
    the study's status. Returns 0 when the study completed, else -1. */
int sim_run (const sim_options_t *o, json_t **report);

/*  Writes DIR/report.json, DIR/report.html and DIR/model.json (the
    report's model, checked by the model-file parser); for a query's report
    DIR/report.json, report.csv and report.html. Returns 0 or -1. */
int sim_write_outputs (const json_t *report, const char *dir);

/*  A few lines for people: status, test AUC, epsilon spent, wall time; for
    a query, its results as a table. */
void sim_summary (const json_t *report, FILE *out);

#endif
