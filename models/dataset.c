/*  models/dataset.c - datasets from CSV tables, missing values, scaling,
    stratified split. */
#include "dataset.h"
#include "models.h"
#include "models_internal.h"
#include "util/alloc.h"
#include "util/error.h"

#include <ctype.h>
#include <errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
model_is_missing (const char *text)
{
    while (*text == ' ')
        text++;
    if (*text == '\0')
        return true;
    if (strncmp (text, "NA", 2) == 0) {
        text += 2;
        while (*text == ' ')
            text++;
        return *text == '\0';
    }
    return false;
}

int
model_parse_number (const char *text, double *out)
{
    while (*text == ' ')
        text++;
    //  strtod also takes "nan", "inf" and hex floats: none is data.
    size_t len = strlen (text);
    while (len > 0 && text [len - 1] == ' ')
        len--;
    if (len == 0 || len > 64)
        return -1;
    char buf [65];
    memcpy (buf, text, len);
    buf [len] = '\0';
    for (size_t i = 0; i < len; i++)
        if (!isdigit ((unsigned char) buf [i]) && !strchr ("+-.eE", buf [i]))
            return -1;
    char *end = NULL;
    errno = 0;
    double v = strtod (buf, &end);
    if (end == buf || *end != '\0' || !isfinite (v) || (errno == ERANGE && fabs (v) > 1))
        return -1;
    *out = v;
    return 0;
}

//  --------------------------------------------------------------------------
//  Schemas

model_schema_t *
model_schema_new (void)
{
    return util_calloc (1, sizeof (model_schema_t));
}

static void
s_feature_clear (model_feature_t *f)
{
    free (f->name);
    for (size_t l = 0; l < f->n_levels; l++)
        free (f->levels [l]);
    free (f->levels);
}

void
model_schema_destroy (model_schema_t **schema_p)
{
    if (!schema_p || !*schema_p)
        return;
    model_schema_t *self = *schema_p;
    for (size_t k = 0; k < self->n_features; k++)
        s_feature_clear (&self->features [k]);
    free (self->features);
    for (size_t c = 0; c < self->n_cols; c++)
        free (self->col_names [c]);
    free (self->col_names);
    free (self);
    *schema_p = NULL;
}

static int
s_strcmp_p (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

int
model_schema_add (model_schema_t *self, const char *name, const char *const *levels,
                  size_t n_levels)
{
    if (!name || !*name)
        return util_error (UTIL_EINPUT, "feature name is empty");
    for (size_t k = 0; k < self->n_features; k++)
        if (strcmp (self->features [k].name, name) == 0)
            return util_error (UTIL_EINPUT, "feature '%s' listed twice", name);
    if (n_levels > MODEL_MAX_LEVELS)
        return util_error (UTIL_ELIMIT, "feature '%s' has %zu levels, more than %d",
                           name, n_levels, MODEL_MAX_LEVELS);
    for (size_t l = 0; l < n_levels; l++)
        if (!levels [l])
            return util_error (UTIL_EINPUT, "feature '%s': level %zu is NULL", name, l);
    //  Both arrays grow first: once they have room, the feature is added
    //  whole or not at all. n_levels <= MODEL_MAX_LEVELS, so no count wraps.
    size_t new_cols = n_levels? n_levels: 1;
    model_feature_t *features = util_realloc_array (self->features, self->n_features + 1,
                                                    sizeof *features);
    if (!features)
        return util_error_context ("feature '%s'", name);
    self->features = features;
    char **col_names = util_realloc_array (self->col_names, self->n_cols + new_cols,
                                           sizeof *col_names);
    if (!col_names)
        return util_error_context ("feature '%s'", name);
    self->col_names = col_names;
    model_feature_t f = { util_strdup (name), 0, NULL };
    if (!f.name || (n_levels && !(f.levels = util_calloc (n_levels, sizeof *f.levels))))
        goto oom;
    //  n_levels counts the copies made, so s_feature_clear frees just those.
    for (; f.n_levels < n_levels; f.n_levels++)
        if (!(f.levels [f.n_levels] = util_strdup (levels [f.n_levels])))
            goto oom;
    if (n_levels)
        qsort (f.levels, n_levels, sizeof *f.levels, s_strcmp_p);
    for (size_t l = 0; l < n_levels; l++)
        if (*f.levels [l] == '\0' || (l > 0 && strcmp (f.levels [l - 1], f.levels [l]) == 0)) {
            int rc = util_error (UTIL_EINPUT, "feature '%s': level '%s' is empty or repeated",
                                 name, f.levels [l]);
            s_feature_clear (&f);
            return rc;
        }
    size_t made = 0;
    for (; made < new_cols; made++) {
        char *col = n_levels? util_asprintf ("%s=%s", name, f.levels [made])
                            : util_strdup (name);
        if (!col)
            break;
        self->col_names [self->n_cols + made] = col;
    }
    if (made < new_cols) {
        while (made > 0)
            free (self->col_names [self->n_cols + --made]);
        goto oom;
    }
    self->features [self->n_features++] = f;
    self->n_cols += new_cols;
    return 0;
oom:
    s_feature_clear (&f);
    return util_error_context ("feature '%s'", name);
}

model_schema_t *
model_schema_dup (const model_schema_t *schema)
{
    model_schema_t *self = model_schema_new ();
    for (size_t k = 0; self && k < schema->n_features; k++) {
        const model_feature_t *f = &schema->features [k];
        if (model_schema_add (self, f->name, (const char *const *) f->levels, f->n_levels))
            model_schema_destroy (&self);
    }
    return self;
}

//  --------------------------------------------------------------------------
//  Loading

static model_dataset_t *
s_dataset_new (const model_schema_t *schema, size_t n, bool with_label)
{
    model_dataset_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->n = n;
    if (!(self->schema = model_schema_dup (schema))
    ||  !(self->X = model_matrix_new (n, schema->n_cols, false))
    ||  (with_label && !(self->y = model_vector_new (n, false)))
    ||  !(self->lines = util_calloc (n, sizeof *self->lines))
    ||  !(self->problem = util_calloc (n, sizeof *self->problem))) {
        model_dataset_destroy (&self);
        util_error_context ("a %zu-row dataset", n);
        return NULL;
    }
    return self;
}

void
model_dataset_destroy (model_dataset_t **ds_p)
{
    if (!ds_p || !*ds_p)
        return;
    model_dataset_t *self = *ds_p;
    model_schema_destroy (&self->schema);
    if (self->X)
        gsl_matrix_free (self->X);
    if (self->y)
        gsl_vector_free (self->y);
    if (self->problem)
        for (size_t i = 0; i < self->n; i++)
            free (self->problem [i]);
    free (self->problem);
    free (self->lines);
    free (self);
    *ds_p = NULL;
}

static bool
s_listed (const char *name, const char *const *list, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp (list [k], name) == 0)
            return true;
    return false;
}

//  Builds a schema from the spec, taking categorical levels from the data
//  (the rows listed in pick, or every row when pick is NULL).
static model_schema_t *
s_schema_from_data (const model_csv_t *csv, const size_t *pick, size_t n_pick,
                    const model_load_spec_t *spec)
{
    const char *file = model_csv_name (csv);
    size_t rows = pick? n_pick: model_csv_rows (csv);
    for (size_t c = 0; c < spec->n_categorical; c++)
        if ((spec->label && strcmp (spec->categorical [c], spec->label) == 0)
        ||  (!spec->features? model_csv_find (csv, spec->categorical [c]) < 0
                            : !s_listed (spec->categorical [c], spec->features, spec->n_features)))
            return util_error_null (UTIL_EINPUT, "%s: categorical column '%s' is not a selected feature",
                                    file, spec->categorical [c]);
    model_schema_t *schema = model_schema_new ();
    const char *levels [MODEL_MAX_LEVELS];
    size_t n_names = spec->features? spec->n_features: model_csv_cols (csv);
    for (size_t k = 0; schema && k < n_names; k++) {
        const char *name = spec->features? spec->features [k]: model_csv_header (csv, k);
        if (spec->label && strcmp (name, spec->label) == 0) {
            if (spec->features) {
                util_error (UTIL_EINPUT, "%s: the label '%s' cannot also be a feature", file, name);
                model_schema_destroy (&schema);
            }
            continue;
        }
        long j = model_csv_find (csv, name);
        if (j < 0) {
            util_error (UTIL_EINPUT, "%s:1:1: no column '%s' in the header", file, name);
            model_schema_destroy (&schema);
            break;
        }
        size_t n_levels = 0;
        if (s_listed (name, spec->categorical, spec->n_categorical))
            for (size_t r = 0; r < rows; r++) {
                size_t i = pick? pick [r]: r;
                const char *v = model_csv_cell (csv, i, (size_t) j);
                if (model_is_missing (v))
                    continue;
                size_t l = 0;
                while (l < n_levels && strcmp (levels [l], v) != 0)
                    l++;
                if (l < n_levels)
                    continue;
                if (n_levels == MODEL_MAX_LEVELS) {
                    util_error (UTIL_ELIMIT, "%s:%zu:%zu: column '%s' has more than %d categories",
                                file, model_csv_line (csv, i, (size_t) j),
                                model_csv_column (csv, i, (size_t) j), name,
                                MODEL_MAX_LEVELS);
                    model_schema_destroy (&schema);
                    break;
                }
                levels [n_levels++] = v;
            }
        if (schema && model_schema_add (schema, name, levels, n_levels)) {
            util_error_context ("%s", file);
            model_schema_destroy (&schema);
        }
    }
    if (schema && schema->n_features == 0) {
        util_error (UTIL_EINPUT, "%s: no feature columns selected", file);
        model_schema_destroy (&schema);
    }
    return schema;
}

static int
s_label (const model_csv_t *csv, const model_load_spec_t *spec, size_t i, size_t j,
         double *out)
{
    const char *v = model_csv_cell (csv, i, j);
    const char *file = model_csv_name (csv);
    size_t line = model_csv_line (csv, i, j), col = model_csv_column (csv, i, j);
    //  The messages say where, never what the cell holds: they can leave a
    //  site (a decline reason), and a cell is a patient's value.
    if (model_is_missing (v))
        return util_error (UTIL_EINPUT, "%s:%zu:%zu: missing label in column '%s'",
                           file, line, col, spec->label);
    if (spec->positive) {
        if (strcmp (v, spec->positive) == 0)
            *out = 1;
        else
        if (strcmp (v, spec->negative) == 0)
            *out = 0;
        else
            return util_error (UTIL_EINPUT, "%s:%zu:%zu: the label in column '%s' is neither "
                               "'%s' nor '%s'", file, line, col, spec->label, spec->positive,
                               spec->negative);
        return 0;
    }
    double x;
    if (model_parse_number (v, &x) || (x != 0 && x != 1))
        return util_error (UTIL_EINPUT, "%s:%zu:%zu: the label in column '%s' is not 0 or 1",
                           file, line, col, spec->label);
    *out = x;
    return 0;
}

//  Fills row r of X from table row i. Returns 0 or -1. The messages (an
//  error, a row's problem) name the file, line, column and feature, never
//  the cell's text (STYLE rule 15).
static int
s_row (model_dataset_t *ds, const model_csv_t *csv, const long *col_of, size_t r, size_t i)
{
    const model_schema_t *schema = ds->schema;
    const char *file = model_csv_name (csv);
    size_t c = 0;
    for (size_t k = 0; k < schema->n_features; k++) {
        const model_feature_t *f = &schema->features [k];
        size_t j = (size_t) col_of [k];
        const char *v = model_csv_cell (csv, i, j);
        size_t width = f->n_levels? f->n_levels: 1;
        if (model_is_missing (v)) {
            for (size_t l = 0; l < width; l++)
                gsl_matrix_set (ds->X, r, c + l, NAN);
        }
        else
        if (f->n_levels) {
            size_t hit = f->n_levels;
            for (size_t l = 0; l < f->n_levels; l++) {
                bool is = strcmp (f->levels [l], v) == 0;
                gsl_matrix_set (ds->X, r, c + l, is? 1.0: 0.0);
                if (is)
                    hit = l;
            }
            if (hit == f->n_levels) {
                for (size_t l = 0; l < width; l++)
                    gsl_matrix_set (ds->X, r, c + l, NAN);
                if (!ds->problem [r]
                &&  !(ds->problem [r] = util_asprintf ("%s:%zu:%zu: column '%s': not one of "
                                                       "its categories", file,
                                                       model_csv_line (csv, i, j),
                                                       model_csv_column (csv, i, j), f->name)))
                    return util_error_context ("%s:%zu", file, model_csv_line (csv, i, j));
            }
        }
        else {
            double x;
            if (model_parse_number (v, &x))
                return util_error (UTIL_EINPUT, "%s:%zu:%zu: column '%s': not a number",
                                   file, model_csv_line (csv, i, j),
                                   model_csv_column (csv, i, j), f->name);
            gsl_matrix_set (ds->X, r, c, x);
        }
        c += width;
    }
    return 0;
}

int
model_dataset_load (model_dataset_t **out, const model_csv_t *csv,
                    const model_load_spec_t *spec, const model_schema_t *schema)
{
    return model_dataset_load_rows (out, csv, NULL, 0, spec, schema);
}

int
model_dataset_load_rows (model_dataset_t **out, const model_csv_t *csv, const size_t *pick,
                         size_t n_pick, const model_load_spec_t *spec,
                         const model_schema_t *schema)
{
    *out = NULL;
    const char *file = model_csv_name (csv);
    size_t rows = pick? n_pick: model_csv_rows (csv);
    for (size_t k = 0; pick && k < n_pick; k++)
        if (pick [k] >= model_csv_rows (csv))
            return util_error (UTIL_EINPUT, "%s: a listed row is past the table's end", file);
    if ((spec->positive == NULL) != (spec->negative == NULL))
        return util_error (UTIL_EINPUT, "%s: give both label values or neither", file);
    if (spec->positive && strcmp (spec->positive, spec->negative) == 0)
        return util_error (UTIL_EINPUT, "%s: the two label values are the same", file);
    long label_col = -1;
    if (spec->label) {
        label_col = model_csv_find (csv, spec->label);
        if (label_col < 0)
            return util_error (UTIL_EINPUT, "%s:1:1: no label column '%s' in the header", file, spec->label);
    }
    if (rows == 0)
        return util_error (UTIL_EINPUT, pick? "%s: no data rows listed"
                                            : "%s:2:1: no data rows after the header", file);
    model_schema_t *own = NULL;
    if (!schema) {
        own = s_schema_from_data (csv, pick, n_pick, spec);
        if (!own)
            return -1;
        schema = own;
    }
    int rc = -1;
    model_dataset_t *ds = NULL;
    long *col_of = util_calloc (schema->n_features, sizeof *col_of);
    if (!col_of) {
        util_error_context ("%s", file);
        goto cleanup;
    }
    for (size_t k = 0; k < schema->n_features; k++) {
        col_of [k] = model_csv_find (csv, schema->features [k].name);
        if (col_of [k] < 0) {
            util_error (UTIL_EINPUT, "%s:1:1: no column '%s' in the header (the model needs it)",
                        file, schema->features [k].name);
            goto cleanup;
        }
        if (col_of [k] == label_col) {
            util_error (UTIL_EINPUT, "%s: the label '%s' cannot also be a feature", file, spec->label);
            goto cleanup;
        }
    }
    ds = s_dataset_new (schema, rows, spec->label != NULL);
    if (!ds)
        goto cleanup;
    for (size_t r = 0; r < rows; r++) {
        size_t i = pick? pick [r]: r;
        ds->lines [r] = model_csv_line (csv, i, 0);
        if (s_row (ds, csv, col_of, r, i))
            goto cleanup;
        if (spec->label) {
            double y = 0;
            if (s_label (csv, spec, i, (size_t) label_col, &y))
                goto cleanup;
            gsl_vector_set (ds->y, r, y);
        }
    }
    *out = ds;
    ds = NULL;
    rc = 0;
cleanup:
    free (col_of);
    model_dataset_destroy (&ds);
    model_schema_destroy (&own);
    return rc;
}

//  --------------------------------------------------------------------------
//  Policies and scaling

model_dataset_t *
model_dataset_subset (const model_dataset_t *ds, const size_t *idx, size_t k)
{
    if (k == 0)
        return util_error_null (UTIL_EINPUT, "empty subset");
    model_dataset_t *self = s_dataset_new (ds->schema, k, ds->y != NULL);
    for (size_t r = 0; self && r < k; r++) {
        size_t i = idx [r];
        gsl_vector_const_view src = gsl_matrix_const_row (ds->X, i);
        gsl_matrix_set_row (self->X, r, &src.vector);
        if (ds->y)
            gsl_vector_set (self->y, r, gsl_vector_get (ds->y, i));
        self->lines [r] = ds->lines [i];
        if (ds->problem [i] && !(self->problem [r] = util_strdup (ds->problem [i]))) {
            model_dataset_destroy (&self);
            util_error_context ("subset of %zu rows", k);
            return NULL;
        }
    }
    return self;
}

int
model_dataset_column_stats (const model_dataset_t *ds, gsl_vector *mean, gsl_vector *std)
{
    for (size_t c = 0; c < ds->X->size2; c++) {
        //  Welford's update: stable for large columns.
        double m = 0, s2 = 0;
        size_t count = 0;
        for (size_t i = 0; i < ds->n; i++) {
            double x = gsl_matrix_get (ds->X, i, c);
            if (isnan (x) || ds->problem [i])
                continue;
            count++;
            double d = x - m;
            m += d / (double) count;
            s2 += d * (x - m);
        }
        if (count == 0)
            return util_error (UTIL_EINPUT, "column '%s' has no values", ds->schema->col_names [c]);
        gsl_vector_set (mean, c, m);
        if (std) {
            double sd = sqrt (s2 / (double) count);
            gsl_vector_set (std, c, sd < 1e-12? 1.0: sd);
        }
    }
    return 0;
}

size_t
model_dataset_impute (model_dataset_t *ds, const gsl_vector *means)
{
    size_t replaced = 0;
    for (size_t i = 0; i < ds->n; i++) {
        if (ds->problem [i])
            continue;
        for (size_t c = 0; c < ds->X->size2; c++)
            if (isnan (gsl_matrix_get (ds->X, i, c))) {
                gsl_matrix_set (ds->X, i, c, gsl_vector_get (means, c));
                replaced++;
            }
    }
    return replaced;
}

static bool
s_complete (const model_dataset_t *ds, size_t i)
{
    if (ds->problem [i])
        return false;
    for (size_t c = 0; c < ds->X->size2; c++)
        if (isnan (gsl_matrix_get (ds->X, i, c)))
            return false;
    return true;
}

int
model_dataset_drop_incomplete (model_dataset_t *ds, size_t *dropped)
{
    size_t *keep = util_calloc (ds->n, sizeof *keep);
    if (!keep)
        return util_error_context ("dropping incomplete rows");
    size_t k = 0;
    for (size_t i = 0; i < ds->n; i++)
        if (s_complete (ds, i))
            keep [k++] = i;
    if (k == 0) {
        free (keep);
        return util_error (UTIL_EINPUT, "every row has a missing value: nothing left after dropping");
    }
    if (dropped)
        *dropped = ds->n - k;
    if (k == ds->n) {
        free (keep);
        return 0;
    }
    model_dataset_t *sub = model_dataset_subset (ds, keep, k);
    free (keep);
    if (!sub)
        return -1;
    //  Swap contents so the caller's pointer stays valid.
    model_dataset_t tmp = *ds;
    *ds = *sub;
    *sub = tmp;
    model_dataset_destroy (&sub);
    return 0;
}

void
model_dataset_standardise (model_dataset_t *ds, const gsl_vector *mean, const gsl_vector *std)
{
    for (size_t c = 0; c < ds->X->size2; c++) {
        gsl_vector_view col = gsl_matrix_column (ds->X, c);
        gsl_vector_add_constant (&col.vector, -gsl_vector_get (mean, c));
        gsl_vector_scale (&col.vector, 1.0 / gsl_vector_get (std, c));
    }
}

static int
s_size_cmp (const void *a, const void *b)
{
    size_t x = *(const size_t *) a, y = *(const size_t *) b;
    return (x > y) - (x < y);
}

int
model_dataset_split (const model_dataset_t *ds, double test_fraction, unsigned long seed,
                     model_dataset_t **train, model_dataset_t **test)
{
    *train = *test = NULL;
    if (!ds->y)
        return util_error (UTIL_EINPUT, "a stratified split needs a label");
    if (!(test_fraction > 0 && test_fraction < 1))
        return util_error (UTIL_EINPUT, "test fraction %g is not in (0, 1)", test_fraction);
    size_t *order = util_calloc (ds->n, sizeof *order);
    size_t *tr = order? util_calloc (ds->n, sizeof *tr): NULL;
    size_t *te = tr? util_calloc (ds->n, sizeof *te): NULL;
    gsl_rng *rng = NULL;
    int rc = -1;
    if (!te) {
        util_error_context ("splitting %zu rows", ds->n);
        goto cleanup;
    }
    if (!(rng = gsl_rng_alloc (gsl_rng_mt19937))) {
        util_error (UTIL_ENOMEM, "splitting %zu rows: out of memory (a random generator)", ds->n);
        goto cleanup;
    }
    gsl_rng_set (rng, seed);
    size_t n_tr = 0, n_te = 0;
    for (int cls = 0; cls <= 1; cls++) {
        size_t m = 0;
        for (size_t i = 0; i < ds->n; i++)
            if (gsl_vector_get (ds->y, i) == (double) cls)
                order [m++] = i;
        if (m == 0)
            continue;
        gsl_ran_shuffle (rng, order, m, sizeof *order);
        size_t k = (size_t) llround (test_fraction * (double) m);
        for (size_t r = 0; r < m; r++)
            if (r < k)
                te [n_te++] = order [r];
            else
                tr [n_tr++] = order [r];
    }
    if (n_tr == 0 || n_te == 0) {
        //  Without the row count: at a site this is a decline reason.
        util_error (UTIL_EINPUT, "split at %g leaves an empty side (too few rows)", test_fraction);
        goto cleanup;
    }
    qsort (tr, n_tr, sizeof *tr, s_size_cmp);
    qsort (te, n_te, sizeof *te, s_size_cmp);
    *train = model_dataset_subset (ds, tr, n_tr);
    *test = model_dataset_subset (ds, te, n_te);
    if (*train && *test)
        rc = 0;
    else {
        model_dataset_destroy (train);
        model_dataset_destroy (test);
    }
cleanup:
    free (order);
    free (tr);
    free (te);
    if (rng)
        gsl_rng_free (rng);
    return rc;
}
