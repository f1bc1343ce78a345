/*  libFuzzer target: the CSV reader and the dataset loader on top of it.
    The first input byte picks the load options (label column, categorical
    first column); the rest is the CSV text. */
#include "models/dataset.h"

#include <stdint.h>
#include <stdlib.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    model_init ();
    if (size < 1)
        return 0;
    uint8_t mode = data [0];
    model_csv_t *csv = NULL;
    if (model_csv_parse (&csv, "fuzz.csv", (const char *) data + 1, size - 1, 1 << 20))
        return 0;
    //  Walk every cell: positions and text must be readable.
    size_t sum = 0;
    for (size_t i = 0; i < model_csv_rows (csv); i++)
        for (size_t j = 0; j < model_csv_cols (csv); j++)
            sum += model_csv_line (csv, i, j) + model_csv_column (csv, i, j)
                 + (model_csv_cell (csv, i, j) [0] != 0);
    (void) sum;
    const char *first = model_csv_header (csv, 0);
    const char *last = model_csv_header (csv, model_csv_cols (csv) - 1);
    const char *cat [] = { first };
    model_load_spec_t spec = {
        .label = (mode & 1)? last: NULL,
        .categorical = cat, .n_categorical = (mode & 2)? 1: 0
    };
    model_dataset_t *ds = NULL;
    if (model_dataset_load (&ds, csv, &spec, NULL) == 0) {
        gsl_vector *mean = gsl_vector_alloc (ds->schema->n_cols);
        gsl_vector *std = gsl_vector_alloc (ds->schema->n_cols);
        if (model_dataset_column_stats (ds, mean, std) == 0) {
            if (mode & 4)
                model_dataset_impute (ds, mean);
            size_t dropped;
            if (model_dataset_drop_incomplete (ds, &dropped) == 0)
                model_dataset_standardise (ds, mean, std);
        }
        gsl_vector_free (mean);
        gsl_vector_free (std);
        model_dataset_destroy (&ds);
    }
    model_csv_destroy (&csv);
    return 0;
}
