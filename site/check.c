/*  site/check.c - a site's datasets against the data dictionary. */
#include "check.h"
#include "config.h"
#include "models/csv.h"
#include "models/dictionary.h"
#include "util/alloc.h"
#include "util/error.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
site_check_destroy (site_check_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    site_check_t *self = *self_p;
    for (size_t i = 0; i < self->n_findings; i++) {
        free (self->findings [i].column);
        free (self->findings [i].text);
    }
    free (self->findings);
    for (size_t i = 0; i < self->n_absent; i++)
        free (self->absent [i]);
    free (self->absent);
    free (self);
    *self_p = NULL;
}

//  A copy of a header name fit for a terminal: control characters become
//  '?'. NULL when memory runs out.
static char *
s_printable (const char *name)
{
    char *copy = util_strdup (name);
    if (copy)
        for (char *p = copy; *p; p++)
            if ((unsigned char) *p < 32 || *p == 127)
                *p = '?';
    return copy;
}

//  " (rows 4, 17)", " (row 12)", " (rows 1, 2, 3, 4, 5, ...)" into buf.
static void
s_rows (char *buf, size_t size, const site_finding_t *f)
{
    size_t n = snprintf (buf, size, " (row%s", f->count > 1? "s": "");
    for (size_t r = 0; r < f->n_rows && n < size; r++)
        n += snprintf (buf + n, size - n, "%s %zu", r? ",": "", f->rows [r]);
    if (n < size)
        snprintf (buf + n, size - n, "%s)", f->count > f->n_rows? ", ...": "");
}

//  Gives the finding its line of text. Returns 0 or -1.
static int
s_text (site_finding_t *f, const model_var_t *var)
{
    char rows [128];
    bool one = f->count == 1;
    switch (f->kind) {
        case SITE_FINDING_COLUMN:
            f->text = util_asprintf ("column %s: not in the dictionary", f->column);
            break;
        case SITE_FINDING_BOUNDS:
            f->text = util_asprintf ("column %s: %zu value%s below min %.15g, %zu above max %.15g",
                                     f->column, f->below, f->below == 1? "": "s", f->min,
                                     f->above, f->max);
            break;
        case SITE_FINDING_LEVEL:
            s_rows (rows, sizeof rows, f);
            f->text = util_asprintf ("column %s: %zu value%s not a level%s", f->column,
                                     f->count, one? " is": "s are", rows);
            break;
        case SITE_FINDING_VALUE:
            s_rows (rows, sizeof rows, f);
            f->text = util_asprintf ("column %s: %zu value%s not read as %s%s", f->column,
                                     f->count, one? " does": "s do",
                                     model_dict_type_name (var->type), rows);
            break;
    }
    return f->text? 0: -1;
}

//  Appends a copy of *f (its column copied, its text made) to the check.
static int
s_add (site_check_t *self, site_finding_t f, const char *column, const model_var_t *var)
{
    site_finding_t *findings = util_realloc_array (self->findings, self->n_findings + 1,
                                                   sizeof *findings);
    if (!findings)
        return -1;
    self->findings = findings;
    f.column = s_printable (column);
    f.text = NULL;
    if (!f.column || s_text (&f, var)) {
        free (f.column);
        return -1;
    }
    self->findings [self->n_findings++] = f;
    return 0;
}

//  Reads every cell of column j as `var` and adds what does not fit.
static int
s_column (site_check_t *self, const model_csv_t *csv, size_t j, const model_var_t *var)
{
    site_finding_t bad = {
        .kind = model_var_is_categorical (var)? SITE_FINDING_LEVEL: SITE_FINDING_VALUE
    };
    site_finding_t bounds = { .kind = SITE_FINDING_BOUNDS, .min = var->min, .max = var->max };
    for (size_t i = 0; i < model_csv_rows (csv); i++) {
        double v;
        if (model_dict_value (var, model_csv_cell (csv, i, j), &v) == MODEL_DICT_BAD) {
            if (bad.n_rows < SITE_CHECK_ROWS)
                bad.rows [bad.n_rows++] = i + 1;
            bad.count++;
            continue;
        }
        //  A value that read is in range for the types without bounds of
        //  their own (binary, event, categorical): only numbers can be out.
        if (v < var->min)
            bounds.below++;
        else
        if (v > var->max)
            bounds.above++;
    }
    bounds.count = bounds.below + bounds.above;
    const char *column = model_csv_header (csv, j);
    if (bounds.count && s_add (self, bounds, column, var))
        return -1;
    if (bad.count && s_add (self, bad, column, var))
        return -1;
    return 0;
}

int
site_check_dataset (site_check_t **out, const model_dict_t *dict, const char *path,
                    const char *skip)
{
    *out = NULL;
    model_csv_t *csv = NULL;
    site_check_t *self = NULL;
    int rc = -1;
    if (model_csv_load (&csv, path, 0)) {
        //  Its other failures name the file; running out of memory may not.
        if (util_last_code () == UTIL_ENOMEM)
            goto nomem;
        goto cleanup;
    }
    if (!(self = util_calloc (1, sizeof *self)))
        goto nomem;
    self->rows = model_csv_rows (csv);
    self->cols = model_csv_cols (csv);
    for (size_t j = 0; j < self->cols; j++) {
        const char *name = model_csv_header (csv, j);
        if (skip && strcmp (name, skip) == 0)
            continue;
        const model_var_t *var = model_dict_find (dict, name);
        if (!var) {
            if (s_add (self, (site_finding_t) { .kind = SITE_FINDING_COLUMN }, name, NULL))
                goto nomem;
            continue;
        }
        if (s_column (self, csv, j, var))
            goto nomem;
    }
    for (size_t k = 0; k < model_dict_size (dict); k++) {
        if (model_csv_find (csv, model_dict_var (dict, k)->name) >= 0)
            continue;
        char **absent = util_realloc_array (self->absent, self->n_absent + 1, sizeof *absent);
        if (!absent)
            goto nomem;
        self->absent = absent;
        if (!(self->absent [self->n_absent] = util_strdup (model_dict_var (dict, k)->name)))
            goto nomem;
        self->n_absent++;
    }
    *out = self;
    self = NULL;
    rc = 0;
    goto cleanup;
nomem:
    util_error_context ("%s: checking against the dictionary", path);
cleanup:
    site_check_destroy (&self);
    model_csv_destroy (&csv);
    return rc;
}

//  Checks one file and prints its part of the report. Returns its number
//  of findings, or -1 when memory ran out.
static long
s_report_file (FILE *out, const model_dict_t *dict, const char *dataset, const char *path,
               const char *skip)
{
    site_check_t *check = NULL;
    if (site_check_dataset (&check, dict, path, skip)) {
        if (util_last_code () == UTIL_ENOMEM)
            return -1;
        //  The reader's reasons give a position, never a cell's text.
        fprintf (out, "dataset %s: %s: cannot be read: %s\n", dataset, path,
                 util_last_error ());
        return 1;
    }
    fprintf (out, "dataset %s: %s: %zu rows, %zu columns: ", dataset, path, check->rows,
             check->cols);
    if (check->n_findings == 0)
        fputs ("clean\n", out);
    else
        fprintf (out, "%zu finding%s\n", check->n_findings, check->n_findings == 1? "": "s");
    for (size_t i = 0; i < check->n_findings; i++)
        fprintf (out, "    %s\n", check->findings [i].text);
    if (check->n_absent) {
        fputs ("    in the dictionary, not in this file (not an error):", out);
        for (size_t i = 0; i < check->n_absent; i++)
            fprintf (out, "%s %s", i? ",": "", check->absent [i]);
        fputc ('\n', out);
    }
    long found = (long) check->n_findings;
    site_check_destroy (&check);
    return found;
}

long
site_check_config (const char *config, const char *dictionary, FILE *out)
{
    site_config_t *cfg = site_config_load (config);
    if (!cfg)
        return -1;
    long total = -1;
    model_dict_t *dict = NULL;
    if (!dictionary)
        dictionary = cfg->dictionary;
    if (!dictionary) {
        util_error (UTIL_EINPUT, "%s: no dictionary to check against (set site/dictionary, or "
                    "give one)", config);
        goto cleanup;
    }
    if (!(dict = model_dict_load (dictionary)))
        goto cleanup;
    fprintf (out, "dictionary %s: %zu variables\n", dictionary, model_dict_size (dict));
    long found = 0;
    size_t files = 0;
    for (size_t d = 0; d < cfg->n_datasets; d++) {
        const site_dataset_t *ds = &cfg->datasets [d];
        const char *paths [] = { ds->path, ds->test_path };
        for (size_t p = 0; p < 2; p++) {
            if (!paths [p])
                continue;
            long n = s_report_file (out, dict, ds->name, paths [p], ds->patient_column);
            if (n < 0)
                goto cleanup;
            found += n;
            files++;
        }
    }
    if (found)
        fprintf (out, "%ld finding%s in %zu file%s\n", found, found == 1? "": "s", files,
                 files == 1? "": "s");
    else
        fprintf (out, "clean: %zu file%s, no findings\n", files, files == 1? "": "s");
    total = found;
cleanup:
    model_dict_destroy (&dict);
    site_config_destroy (&cfg);
    return total;
}
