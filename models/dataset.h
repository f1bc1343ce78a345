/*  models/dataset.h - dense datasets on GSL built from a CSV table: feature
    selection by name, a binary label, one-hot encoding of categorical
    columns, the missing-value policies, standardisation and a stratified
    split.

    A schema lists the features in order. A numeric feature is one encoded
    column; a categorical feature with k levels is k encoded columns named
    "feature=level" (full one-hot: every level has a column, so with L2
    regularisation no level is a hidden reference). The schema of a training
    set is derived from its data (levels sorted by byte order) and stored in
    the model; prediction data is loaded against that stored schema.

    Missing values (an empty field or NA) are NaN in X until a policy is
    applied: model_dataset_drop_incomplete() or model_dataset_impute() with
    means supplied by the caller (in a federation, the global DP means).

    Contents
        model_feature_t, model_schema_t     the features and their encoded
                                            columns
        model_schema_new, model_schema_add, model_schema_dup,
        model_schema_destroy                build, copy and free a schema
        model_dataset_t                     X, y, source lines, row problems
        model_load_spec_t                   label, classes, features to load
        model_dataset_load                  a dataset from a CSV table
        model_dataset_load_rows             ... from the listed rows only
        model_dataset_subset                the rows listed
        model_dataset_destroy               frees a dataset
        model_dataset_column_stats          per-column mean and std
        model_dataset_impute                missing values from given means
        model_dataset_drop_incomplete       drops rows with a gap or problem
        model_dataset_standardise           (x - mean) / std
        model_dataset_split                 stratified train / test split
        model_parse_number, model_is_missing    one field's value

    A dataset owns everything it points to (its schema, X, y, lines and
    problems) and is the caller's (model_dataset_destroy, NULL-safe), as is a
    schema (model_schema_destroy). Loading copies what it keeps: the table
    and the spec stay the caller's. Errors are -1 / NULL with the reason in
    the error slot (util/error.h).
*/
#ifndef MODELS_DATASET_H
#define MODELS_DATASET_H

#include "models.h"
#include "csv.h"

#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <stdbool.h>
#include <stdint.h>

//  Most levels a categorical feature may have.
#define MODEL_MAX_LEVELS 256

typedef struct {
    char *name;                 //  the CSV column
    size_t n_levels;            //  0: numeric; else categorical
    char **levels;              //  sorted, unique, non-empty
} model_feature_t;

typedef struct {
    size_t n_features;
    model_feature_t *features;
    size_t n_cols;              //  encoded columns
    char **col_names;           //  "name" or "name=level"
} model_schema_t;

typedef struct {
    model_schema_t *schema;     //  owned
    size_t n;                   //  rows, at least 1
    gsl_matrix *X;              //  n x schema->n_cols, NaN = missing
    gsl_vector *y;              //  n labels in {0, 1}, or NULL without a label
    size_t *lines;              //  source line of each row
    char **problem;             //  per row: NULL, or why it cannot be scored
} model_dataset_t;

typedef enum {
    MODEL_MISSING_DROP,
    MODEL_MISSING_IMPUTE
} model_missing_t;

typedef struct {
    const char *label;          //  label column; NULL loads no label
    //  Label text of class 1 and class 0. Both NULL: the label must be
    //  the number 0 or 1. Both set: every label must be one of them.
    const char *positive;
    const char *negative;
    const char *const *features;    //  NULL: every column but the label
    size_t n_features;
    const char *const *categorical; //  a subset of the features
    size_t n_categorical;
} model_load_spec_t;

/*  An empty schema (no features). NULL on out of memory. */
model_schema_t *model_schema_new (void);
/*  Appends a feature; levels NULL / n_levels 0 makes it numeric. Levels are
    copied, sorted and must be unique and non-empty, at most
    MODEL_MAX_LEVELS. Returns 0, or -1 on a duplicate name or bad levels. */
int model_schema_add (model_schema_t *schema, const char *name,
                      const char *const *levels, size_t n_levels) MODEL_WUR;
/*  Deep copy, NULL on out of memory. */
model_schema_t *model_schema_dup (const model_schema_t *schema);
void model_schema_destroy (model_schema_t **schema_p);

/*  Converts the table into a dataset. With `schema` NULL the features come
    from spec (features, categorical) and the categorical levels from the
    data; otherwise the features and levels are those of `schema` (the spec's
    features and categorical are ignored), and a value outside a feature's
    levels marks that row with a problem instead of failing. Numbers must be
    whole decimal fields (surrounding spaces allowed), finite. Errors (file:
    line:column and reason): a missing label or feature column, the label
    used as a feature, a non-numeric value, a missing or invalid label, a
    categorical name that is not a feature, too many levels, no data rows.
    An error or a row's problem names the file, line, column and feature,
    never the cell's text: it may leave a site as a decline reason (the
    line and column are enough for the site's operator to find the cell).
    On success *out is new and owned by the caller. */
int model_dataset_load (model_dataset_t **out, const model_csv_t *csv,
                        const model_load_spec_t *spec,
                        const model_schema_t *schema) MODEL_WUR;

/*  model_dataset_load over the table rows listed in pick (n_pick of them,
    each below model_csv_rows, in the order given); pick NULL is every row.
    The rows not listed are never parsed: a site lists its consenting
    patients' rows (ingest/cohort.h), so no other row's value is read, and
    none can fail the load. Row r of the dataset is table row pick [r];
    its `lines` entry is that row's source line. -1 if a listed row is past
    the table or none is listed. */
int model_dataset_load_rows (model_dataset_t **out, const model_csv_t *csv, const size_t *pick,
                             size_t n_pick, const model_load_spec_t *spec,
                             const model_schema_t *schema) MODEL_WUR;

void model_dataset_destroy (model_dataset_t **ds_p);

/*  The rows listed in idx (k of them, each < ds->n, k >= 1) as a new
    dataset. NULL on error. */
model_dataset_t *model_dataset_subset (const model_dataset_t *ds,
                                       const size_t *idx, size_t k);

/*  Per encoded column, the mean and population standard deviation of the
    present values (NaN skipped, rows with a problem skipped). A standard
    deviation below 1e-12 is reported as 1 so that standardising a constant
    column is harmless. std may be NULL. Returns -1 if a column has no value
    at all. Vectors have length schema->n_cols. */
int model_dataset_column_stats (const model_dataset_t *ds, gsl_vector *mean,
                                gsl_vector *std) MODEL_WUR;

/*  Replaces every missing value of a row without a problem by the column's
    entry of `means`. Returns the number of values replaced. */
size_t model_dataset_impute (model_dataset_t *ds, const gsl_vector *means);

/*  Removes the rows that have a missing value or a problem, keeping order.
    *dropped (may be NULL) gets how many went. Returns 0, or -1 if no row
    would be left (the dataset is then unchanged). */
int model_dataset_drop_incomplete (model_dataset_t *ds, size_t *dropped) MODEL_WUR;

/*  x <- (x - mean) / std for every column (NaN stays NaN). Every std must
    be positive. */
void model_dataset_standardise (model_dataset_t *ds, const gsl_vector *mean,
                                const gsl_vector *std);

/*  Stratified split: within each class the rows are shuffled with GSL's
    mt19937 seeded with `seed` and round(test_fraction * class size) go to
    the test set; both sets keep file order. test_fraction in (0, 1); both
    sets must end up non-empty and the dataset must have a label. */
int model_dataset_split (const model_dataset_t *ds, double test_fraction,
                         unsigned long seed, model_dataset_t **train,
                         model_dataset_t **test) MODEL_WUR;

/*  Parses a whole field as a finite decimal number (leading and trailing
    spaces allowed). Returns 0, or -1 without touching *out. */
int model_parse_number (const char *text, double *out);

/*  True for a field that means "missing": empty (after spaces) or NA. */
bool model_is_missing (const char *text);

#endif
