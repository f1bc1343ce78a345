/*  site/data.c - loading a dataset the way a study asks for it. */
#include "data.h"
#include "util/alloc.h"
#include "util/error.h"
#include "ingest/cohort.h"
#include "site.h"

#include <czmq.h>

#include <stdlib.h>
#include <string.h>

static int
s_check_columns (const model_csv_t *csv, const proto_study_t *study)
{
    char missing [400] = "";
    size_t len = 0;
    if (model_csv_find (csv, study->label) < 0)
        len += snprintf (missing + len, sizeof missing - len, "%s (the label)", study->label);
    for (size_t i = 0; i < study->n_features && len < sizeof missing; i++)
        if (model_csv_find (csv, study->features [i]) < 0)
            len += snprintf (missing + len, sizeof missing - len, "%s%s", len? ", ": "",
                             study->features [i]);
    if (len)
        return util_error (UTIL_EINPUT, "missing features: %s", missing);
    return 0;
}

static int
s_missing (model_dataset_t *ds, const proto_study_t *study, const char *what)
{
    if (study->impute)
        return 0;
    if (model_dataset_drop_incomplete (ds, NULL))
        return util_error (UTIL_EFAIL, "dataset: %s: no complete row", what);
    return 0;
}

//  The schema of the study's features as the dictionary defines them.
static model_schema_t *
s_dictionary_schema (const proto_study_t *study, const model_dict_t *dict)
{
    model_schema_t *schema = model_schema_new ();
    for (size_t i = 0; schema && i < study->n_features; i++) {
        const model_var_t *var = model_dict_find (dict, study->features [i]);
        if (!var) {
            model_schema_destroy (&schema);
            return util_error_null (UTIL_EINPUT, "features: %s is not in the data dictionary",
                                    study->features [i]);
        }
        bool categorical = var->type == MODEL_VAR_CATEGORICAL;
        if (model_schema_add (schema, var->name,
                              categorical? (const char *const *) var->levels: NULL,
                              categorical? var->n_levels: 0))
            model_schema_destroy (&schema);
    }
    return schema;
}

//  Drops the rows with a problem (a level the dictionary does not have),
//  whatever the missing-value policy. 0 or -1.
static int
s_drop_problems (model_dataset_t **ds, const char *what)
{
    if (!*ds)
        return 0;
    size_t *keep = util_calloc ((*ds)->n, sizeof (size_t)), k = 0;
    if (!keep)
        return util_error_context ("dataset");
    for (size_t i = 0; i < (*ds)->n; i++)
        if (!(*ds)->problem [i])
            keep [k++] = i;
    int rc = 0;
    if (k == 0)
        rc = util_error (UTIL_EFAIL, "dataset: %s: no row with values the dictionary knows", what);
    else
    if (k < (*ds)->n) {
        model_dataset_t *subset = model_dataset_subset (*ds, keep, k);
        if (!subset)
            rc = util_error_context ("dataset");
        else {
            model_dataset_destroy (ds);
            *ds = subset;
        }
    }
    free (keep);
    return rc;
}

//  Numeric columns clamped to the dictionary's bounds (one-hot columns are
//  0 or 1 already).
static void
s_clamp (model_dataset_t *ds, const model_dict_t *dict)
{
    for (size_t j = 0; ds && j < ds->schema->n_cols; j++) {
        const model_var_t *var = model_dict_find (dict, ds->schema->col_names [j]);
        if (!var || var->type == MODEL_VAR_CATEGORICAL)
            continue;
        for (size_t i = 0; i < ds->n; i++) {
            double x = gsl_matrix_get (ds->X, i, j);
            gsl_matrix_set (ds->X, i, j, model_dict_clamp (var, x, NULL));
        }
    }
}

//  The consenting rows of `csv` (every row for a dataset without a
//  patient_column) into *rows: ingest/cohort.h. 0 or -1 with the reason.
static int
s_consenting (const model_csv_t *csv, const site_dataset_t *ds, const proto_study_t *study,
              int64_t now, size_t **rows, size_t *n)
{
    ingest_cohort_source_t src = { .name = ds->name, .patient_column = ds->patient_column,
                                   .grant_store = ds->grant_store, .grant_site = ds->grant_site,
                                   .open_research = ds->open_research };
    return ingest_cohort_rows (csv, &src, study, now, rows, n);
}

int
site_data_load (site_data_t **out, const site_dataset_t *ds, const proto_study_t *study,
                const model_dict_t *dict)
{
    *out = NULL;
    model_csv_t *csv = NULL, *test_csv = NULL;
    model_dataset_t *all = NULL;
    model_schema_t *schema = NULL;
    size_t *rows = NULL, n_rows = 0;
    site_data_t *self = util_calloc (1, sizeof *self);
    int rc = -1;
    if (!self) {
        util_error_context ("dataset");
        goto done;
    }
    if (model_csv_load (&csv, ds->path, 0)) {
        util_error_context ("dataset");
        goto done;
    }
    if (s_check_columns (csv, study))
        goto done;
    model_load_spec_t spec = {
        .label = study->label,
        .features = (const char *const *) study->features,
        .n_features = study->n_features
    };
    if (dict && !(schema = s_dictionary_schema (study, dict)))
        goto done;
    //  Consent first: only the rows of consenting patients are parsed into
    //  the training arrays; no other row's value is read, and none can fail
    //  the load or shape a decline reason.
    int64_t now = zclock_time ();
    if (s_consenting (csv, ds, study, now, &rows, &n_rows))
        goto done;
    if (model_dataset_load_rows (&all, csv, rows, n_rows, &spec, schema)) {
        util_error_context ("dataset");
        goto done;
    }
    if (ds->test_path) {
        free (rows);
        rows = NULL;
        if (model_csv_load (&test_csv, ds->test_path, 0)
        ||  s_consenting (test_csv, ds, study, now, &rows, &n_rows)
        ||  model_dataset_load_rows (&self->test, test_csv, rows, n_rows, &spec, all->schema)) {
            util_error_context ("test dataset");
            goto done;
        }
        self->train = all;
        all = NULL;
    }
    else
    if (ds->test_fraction > 0) {
        if (model_dataset_split (all, ds->test_fraction, 1, &self->train, &self->test)) {
            util_error_context ("dataset");
            goto done;
        }
    }
    else {
        self->train = all;
        all = NULL;
    }
    if (schema && (s_drop_problems (&self->train, ds->path)
                   || s_drop_problems (&self->test, "test rows")))
        goto done;
    if (s_missing (self->train, study, ds->path)
    ||  (self->test && s_missing (self->test, study, "test rows")))
        goto done;
    if (schema) {
        s_clamp (self->train, dict);
        s_clamp (self->test, dict);
    }
    self->p = self->train->schema->n_cols;
    rc = 0;
done:
    free (rows);
    model_schema_destroy (&schema);
    model_csv_destroy (&csv);
    model_csv_destroy (&test_csv);
    model_dataset_destroy (&all);
    if (rc)
        site_data_destroy (&self);
    *out = self;
    return rc;
}

void
site_data_destroy (site_data_t **self_p)
{
    if (self_p && *self_p) {
        model_dataset_destroy (&(*self_p)->train);
        model_dataset_destroy (&(*self_p)->test);
        free (*self_p);
        *self_p = NULL;
    }
}

char **
site_data_features (const site_data_t *self)
{
    return self->train->schema->col_names;
}
