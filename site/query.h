/*  site/query.h - a site's side of a query: the dataset read through the
    consortium's data dictionary (the rows of consenting patients only),
    and the vector the site contributes (proto/release.h), summed over its
    records before the noise is added.

    Contents
        site_query_load         the records a query may read
        site_query_vector       the sum of their contributions

    Records are the caller's (model_records_destroy). Errors are -1 with
    the decline reason in the error slot (util/error.h); none quotes a
    cell.
*/
#ifndef SITE_QUERY_H
#define SITE_QUERY_H

#include "config.h"
#include "models/records.h"
#include "proto/release.h"
#include "proto/study.h"
#include "util/error.h"

#include <stdint.h>

/*  Reads the dataset at ds->path through `dict`, keeping the rows whose
    patient consents to the query `q` (its id and purpose, ingest/cohort.h),
    at most PROTO_RELEASE_RECORDS_MAX of them. */
int site_query_load (model_records_t **out, const site_dataset_t *ds, const model_dict_t *dict,
                     const proto_study_t *q);

/*  v = the sum of every record's contribution (zeroed first) to a round of
    kind `kind`: release->dim integers for a query's one round, an
    iterative fit's round (proto_fit_dim of its type) at the round's
    parameters (checked with proto_fit_check_params). 0, or -1 with the
    reason (a fit that diverged past the fixed-point range; wrong
    parameters or kind). */
int site_query_vector (int64_t *v, const model_records_t *records,
                       const proto_release_t *release, int kind, const double *params,
                       size_t n_params) UTIL_WUR;

#endif
