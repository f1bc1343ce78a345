/*  models/records.h - a dataset read through the data dictionary: one row
    of doubles per record, one value per dictionary variable, in the
    dictionary's order, as queries evaluate them (proto/query.h).

    Each dictionary variable is looked up by name in the CSV header; a
    variable the data does not carry is missing (NaN) in every record. A
    cell is read with model_dict_value (a categorical level becomes its
    index) and clamped to the variable's public bounds; clamped values are
    counted, per variable, for the site's own eyes (they never leave it in
    clear). A cell the dictionary cannot read (not a number, an unknown
    level) is refused with its row and column, never its content: a cell is
    patient data. CSV columns the dictionary does not name are ignored.

    Contents
        model_records_t             the records and what reading them found
        model_records_read          a CSV table through a dictionary
        model_records_destroy       frees

    Records are the caller's (model_records_destroy, NULL-safe). Errors are
    NULL with "name:line:column: reason" in the error slot (util/error.h).
*/
#ifndef MODELS_RECORDS_H
#define MODELS_RECORDS_H

#include "models.h"
#include "csv.h"
#include "dictionary.h"

#include <stddef.h>

typedef struct {
    size_t rows;                //  records
    size_t vars;                //  values per record (the dictionary's size)
    double *values;             //  rows x vars, row-major; NaN: missing
    size_t *clamped;            //  per variable: values moved into the bounds
    size_t *absent;             //  per variable: 1 if the data has no such column
} model_records_t;

/*  Reads the rows of `csv` listed in rows[0 .. n_rows-1] (each below the
    CSV's row count; rows NULL: every row) through `dict`. `max_rows` caps
    the rows (refused above it, before anything is allocated for them). */
model_records_t *model_records_read (const model_csv_t *csv, const model_dict_t *dict,
                                     const size_t *rows, size_t n_rows, size_t max_rows);

void model_records_destroy (model_records_t **self_p);

#endif
