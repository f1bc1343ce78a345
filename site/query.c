/*  site/query.c - a site's records for a query, and its contribution. */
#include "query.h"
#include "proto/fit.h"
#include "util/alloc.h"
#include "util/error.h"
#include "ingest/cohort.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>

int
site_query_load (model_records_t **out, const site_dataset_t *ds, const model_dict_t *dict,
                 const proto_study_t *q)
{
    *out = NULL;
    model_csv_t *csv = NULL;
    size_t *rows = NULL, n = 0;
    int rc = -1;
    if (model_csv_load (&csv, ds->path, 0)) {
        util_error_context ("dataset %s", ds->name);
        goto done;
    }
    //  Consent first: only the rows of consenting patients are read.
    ingest_cohort_source_t src = { .name = ds->name, .patient_column = ds->patient_column,
                                   .grant_store = ds->grant_store, .grant_site = ds->grant_site,
                                   .open_research = ds->open_research };
    if (ingest_cohort_rows (csv, &src, q, zclock_time (), &rows, &n))
        goto done;
    if (!(*out = model_records_read (csv, dict, rows, n, PROTO_RELEASE_RECORDS_MAX))) {
        util_error_context ("dataset %s", ds->name);
        goto done;
    }
    rc = 0;
done:
    free (rows);
    model_csv_destroy (&csv);
    return rc;
}

int
site_query_vector (int64_t *v, const model_records_t *records, const proto_release_t *release,
                   int kind, const double *params, size_t n_params)
{
    if (!proto_fit_is (release)) {
        if (n_params || kind != COHORT__ROUND_KIND__ROUND_KIND_QUERY)
            return util_error (UTIL_EINPUT, "round: a %s query takes one query round without "
                               "parameters", proto_query_kind_name (release->query->kind));
        memset (v, 0, release->dim * sizeof *v);
        for (size_t i = 0; i < records->rows; i++)
            (void) proto_release_add (release, records->values + i * records->vars, v);
        return 0;
    }
    proto_fit_round_t round = proto_fit_round (release, kind, n_params);
    if (proto_fit_check_params (release, round, params, n_params))
        return -1;
    memset (v, 0, proto_fit_dim (release, round) * sizeof *v);
    for (size_t i = 0; i < records->rows; i++)
        if (proto_fit_add (release, round, records->values + i * records->vars, params,
                           n_params, v) < 0)
            return -1;
    return 0;
}
