/*  sim/evaluate.c - scoring a CSV file with a model file. */
#include "evaluate.h"
#include "models/csv.h"
#include "models/dataset.h"
#include "models/models.h"
#include "models/pipeline.h"
#include "util/alloc.h"
#include "util/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void
sim_scored_clear (sim_scored_t *self)
{
    if (!self)
        return;
    if (self->why)
        for (size_t i = 0; i < self->rows; i++)
            free (self->why [i]);
    free (self->why);
    free (self->scores);
    free (self->labels);
    memset (self, 0, sizeof *self);
}

int
sim_score (sim_scored_t *out, const char *model_path, const char *csv_path, const char *label)
{
    memset (out, 0, sizeof *out);
    model_init ();
    model_file_t *mf = model_file_load (model_path);
    model_csv_t *csv = NULL;
    model_dataset_t *ds = NULL;
    gsl_vector *scores = NULL;
    int rc = -1;
    if (!mf || model_csv_load (&csv, csv_path, 0))
        goto cleanup;
    if (label) {
        //  The label column in the model's coding of its two values.
        model_load_spec_t spec = { .label = label, .positive = mf->positive,
                                   .negative = mf->negative };
        if (model_dataset_load (&ds, csv, &spec, mf->schema))
            goto cleanup;
    }
    else
    if (model_load_for (&ds, csv, mf, false))
        goto cleanup;
    out->rows = ds->n;
    if (!(scores = model_vector_new (ds->n? ds->n: 1, false))) {
        util_error_context ("scoring %zu rows", ds->n);
        goto cleanup;
    }
    if (!(out->why = util_calloc (ds->n, sizeof *out->why))
    ||  !(out->scores = util_calloc (ds->n, sizeof *out->scores))
    ||  (label && !(out->labels = util_calloc (ds->n, sizeof *out->labels))))
        goto cleanup;
    long scored = model_score (mf, ds, csv_path, scores, out->why);
    if (scored < 0)
        goto cleanup;
    out->scored = (size_t) scored;
    for (size_t i = 0; i < ds->n; i++) {
        out->scores [i] = out->why [i]? NAN: gsl_vector_get (scores, i);
        if (out->labels)
            out->labels [i] = gsl_vector_get (ds->y, i);
    }
    rc = 0;
cleanup:
    if (rc)
        sim_scored_clear (out);
    if (scores)
        gsl_vector_free (scores);
    model_dataset_destroy (&ds);
    model_csv_destroy (&csv);
    model_file_destroy (&mf);
    return rc;
}

int
sim_evaluate (model_metrics_t *out, const sim_scored_t *s)
{
    if (!s->labels)
        return util_error (UTIL_EINPUT, "evaluate: the scored rows carry no labels");
    if (s->scored == 0)
        return util_error (UTIL_EINPUT, "evaluate: no row could be scored");
    double *sc = util_calloc (s->scored, sizeof *sc);
    double *y = util_calloc (s->scored, sizeof *y);
    int rc = -1;
    if (sc && y) {
        size_t k = 0;
        for (size_t i = 0; i < s->rows; i++)
            if (!s->why [i]) {
                sc [k] = s->scores [i];
                y [k++] = s->labels [i];
            }
        rc = model_metrics_compute (out, sc, y, k);
    }
    free (sc);
    free (y);
    return rc;
}
