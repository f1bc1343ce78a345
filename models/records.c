/*  models/records.c - a dataset read through the data dictionary. */
#include "records.h"
#include "util/alloc.h"
#include "util/error.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

void
model_records_destroy (model_records_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    model_records_t *self = *self_p;
    free (self->values);
    free (self->clamped);
    free (self->absent);
    free (self);
    *self_p = NULL;
}

model_records_t *
model_records_read (const model_csv_t *csv, const model_dict_t *dict, const size_t *pick,
                    size_t n_pick, size_t max_rows)
{
    size_t rows = pick? n_pick: model_csv_rows (csv), vars = model_dict_size (dict);
    for (size_t k = 0; pick && k < n_pick; k++)
        if (pick [k] >= model_csv_rows (csv))
            return util_error_null (UTIL_EINPUT, "%s: a listed row is past the table's end",
                                    model_csv_name (csv));
    //  Neither message holds a count of the data's rows, nor a cell: both
    //  can leave a site as a decline reason.
    if (rows > max_rows)
        return util_error_null (UTIL_ELIMIT, "%s: more rows than the %zu allowed",
                                model_csv_name (csv), max_rows);
    long *column = NULL;
    model_records_t *self = util_calloc (1, sizeof *self);
    if (!self
    ||  !(column = util_calloc (vars? vars: 1, sizeof *column))
    ||  !(self->clamped = util_calloc (vars? vars: 1, sizeof (size_t)))
    ||  !(self->absent = util_calloc (vars? vars: 1, sizeof (size_t)))
    ||  !(self->values = util_calloc (rows && vars? rows: 1, (vars? vars: 1) * sizeof (double))))
        goto fail;
    self->rows = rows;
    self->vars = vars;
    for (size_t v = 0; v < vars; v++) {
        column [v] = model_csv_find (csv, model_dict_var (dict, v)->name);
        self->absent [v] = column [v] < 0;
    }
    for (size_t k = 0; k < rows; k++)
        for (size_t v = 0; v < vars; v++) {
            size_t i = pick? pick [k]: k;
            double *out = &self->values [k * vars + v];
            if (column [v] < 0) {
                *out = NAN;
                continue;
            }
            const model_var_t *var = model_dict_var (dict, v);
            size_t j = (size_t) column [v];
            if (model_dict_value (var, model_csv_cell (csv, i, j), out)) {
                util_error (UTIL_EINPUT, "%s:%zu:%zu: %s: %s", model_csv_name (csv),
                            model_csv_line (csv, i, j), model_csv_column (csv, i, j), var->name,
                            var->type == MODEL_VAR_CATEGORICAL? "not one of the dictionary's "
                            "levels": var->type == MODEL_VAR_INTEGER? "not a whole number"
                            : "not a value of this type");
                goto fail;
            }
            bool moved = false;
            *out = model_dict_clamp (var, *out, &moved);
            self->clamped [v] += moved;
        }
    free (column);
    return self;
fail:
    free (column);
    model_records_destroy (&self);
    return NULL;
}
