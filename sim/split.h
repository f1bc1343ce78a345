/*  sim/split.h - splitting one CSV dataset's rows across N simulated sites
    (for `cohort simulate` and `cohort demo`), and a seeded train/test
    hold-out.

    Splits are deterministic: the same input, kind, site count and seed give
    the same files. Rows are drawn with GSL's mt19937 (this is simulation
    set-up, not privacy noise). Within each output file the rows keep their
    input order. Every output file starts with the input's header line;
    cells are written back RFC 4180-quoted where needed, so a cell's text is
    unchanged (an empty cell stays empty: missing values stay missing).

    Kinds:
      iid         shuffled rows dealt round robin: sizes differ by at most 1,
                  label proportions follow the data's.
      label-skew  per label value, the rows go to the sites in proportion to
                  weights that run opposite ways for alternate label values
                  (sorted by text): value 0, 2, ... weights 1, 2, ..., N;
                  value 1, 3, ... weights N, ..., 1. With two balanced labels
                  site sizes are about equal but site 1 holds mostly the
                  second label value and site N mostly the first.
      size-skew   shuffled rows cut in proportion to 1, 2, ..., N: site i
                  holds about 2i / (N (N + 1)) of the rows.
    Counts per site come from the largest-remainder rule, and every site
    gets at least one row (else the split is refused).

    Contents
        sim_split_kind_t        iid, label-skew or size-skew
        sim_split_kind_parse    a kind from its name
        sim_split_kind_name     a kind's name
        sim_split_assign        a site for each row
        sim_split_csv           a CSV file split into one file per site
        sim_split_holdout       a CSV file split into train and test files

    Arrays and paths are the caller's and only read or filled; every file
    written is mode 0600. Errors are -1 with the reason in the error slot
    (util/error.h).
*/
#ifndef SIM_SPLIT_H
#define SIM_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#define SIM_SPLIT_SITES_MAX 256     //  = HE_PARTIES_MAX: one site per share

typedef enum {
    SIM_SPLIT_IID,
    SIM_SPLIT_LABEL_SKEW,
    SIM_SPLIT_SIZE_SKEW
} sim_split_kind_t;

/*  "iid" | "label-skew" | "size-skew" -> *kind. Returns 0 or -1. */
int sim_split_kind_parse (const char *name, sim_split_kind_t *kind);

/*  The name of a kind ("iid", ...). */
const char *sim_split_kind_name (sim_split_kind_t kind);

/*  Assigns each of `rows` rows to a site: assignment[r] in [0, n_sites).
    `labels` (rows class indexes, 0-based, < n_labels) is needed for
    label-skew and ignored otherwise. Refuses n_sites outside
    [1, SIM_SPLIT_SITES_MAX], and a split that leaves a site empty.
    Returns 0 or -1 + util_last_error (). */
int sim_split_assign (size_t *assignment, size_t rows, const size_t *labels,
                       size_t n_labels, size_t n_sites, sim_split_kind_t kind,
                       uint64_t seed);

/*  Reads the CSV at `in` (models/csv rules), splits its rows with
    sim_split_assign (label column `label`, required for label-skew and
    then never missing) and writes out_paths[i] for site i (mode 0600,
    replaced if present). counts[i] (if not NULL) gets site i's row count.
    Returns 0 or -1 + util_last_error () naming the file (and line:column for
    a bad label). */
int sim_split_csv (const char *in, const char *label, sim_split_kind_t kind,
                    size_t n_sites, uint64_t seed, const char *const *out_paths,
                    size_t *counts);

/*  A seeded hold-out: within each value of the label column, the rows are
    shuffled and round(fraction x count) of them go to `test_path`, the rest
    to `train_path` (both mode 0600). 0 < fraction < 1; both sides must be
    non-empty. *n_train and *n_test (if not NULL) get the counts. */
int sim_split_holdout (const char *in, const char *label, double fraction, uint64_t seed,
                        const char *train_path, const char *test_path,
                        size_t *n_train, size_t *n_test);

#endif
