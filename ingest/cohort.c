/*  ingest/cohort.c - consented rows of a dataset. */
#include "cohort.h"
#include "util/alloc.h"
#include "util/error.h"
#include "grants.h"

#include <stdlib.h>
#include <string.h>

static int
s_compare (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

void
ingest_cohort_use (ingest_consent_query_t *q, char *ref, size_t cap,
                   const ingest_cohort_source_t *ds, const proto_study_t *study, int64_t now_ms)
{
    //  The study as its definition declares it (a FHIR id, checked by
    //  proto_study_parse), never its free-text name.
    snprintf (ref, cap, "ResearchStudy/%s", study->id? study->id: "");
    *q = (ingest_consent_query_t) { .site = ds->grant_site, .study = study->id? ref: NULL,
                                    .purpose = study->purpose? study->purpose
                                                             : PROTO_STUDY_PURPOSE_DEFAULT,
                                    .time_ms = now_ms, .open_research = ds->open_research };
}

int
ingest_cohort_rows (const model_csv_t *csv, const ingest_cohort_source_t *ds,
                    const proto_study_t *study, int64_t now_ms, size_t **rows, size_t *count)
{
    *rows = NULL;
    *count = 0;
    size_t n = model_csv_rows (csv);
    if (!ds->patient_column) {
        size_t *all = util_calloc (n? n: 1, sizeof *all);
        if (!all)
            return util_error_context ("consent: dataset %s", ds->name);
        for (size_t i = 0; i < n; i++)
            all [i] = i;
        *rows = all;
        *count = n;
        return 0;
    }
    long col = model_csv_find (csv, ds->patient_column);
    if (col < 0)
        return util_error (UTIL_EREFUSED, "consent: dataset %s has no patient column '%s'", ds->name,
                           ds->patient_column);
    ingest_grants_t *grants = ingest_grants_open (ds->grant_store, NULL);
    if (!grants)
        return util_error_context ("consent");
    char study_ref [100];
    ingest_consent_query_t q;
    ingest_cohort_use (&q, study_ref, sizeof study_ref, ds, study, now_ms);
    const char *purpose = q.purpose;
    char **patients = NULL;
    size_t np = 0;
    int rc = ingest_grants_select_patients (grants, &q, &patients, &np);
    ingest_grants_destroy (&grants);
    if (rc)
        return util_error_context ("consent");
    size_t *idx = util_calloc (n? n: 1, sizeof *idx), k = 0;
    char ref [300];
    for (size_t i = 0; idx && i < n; i++) {
        const char *cell = model_csv_cell (csv, i, (size_t) col);
        snprintf (ref, sizeof ref, "%s%s", strncmp (cell, "Patient/", 8)? "Patient/": "", cell);
        const char *key = ref;
        if (np && bsearch (&key, patients, np, sizeof *patients, s_compare))
            idx [k++] = i;
    }
    for (size_t i = 0; i < np; i++)
        free (patients [i]);
    free (patients);
    if (!idx)
        return util_error_context ("consent: dataset %s", ds->name);
    if (k == 0) {
        free (idx);
        return util_error (UTIL_EREFUSED, "consent: no row of dataset %s belongs to a patient whose "
                           "grant permits %s (purpose %s) at %s", ds->name,
                           study->id? study_ref: "a study without an id", purpose,
                           ds->grant_site);
    }
    *rows = idx;
    *count = k;
    return 0;
}

int
ingest_cohort_filter (model_dataset_t **rows, const model_csv_t *csv,
                      const ingest_cohort_source_t *ds, const proto_study_t *study,
                      int64_t now_ms)
{
    if (!ds->patient_column)
        return 0;
    size_t n = model_csv_rows (csv);
    if ((*rows)->n != n)
        return util_error (UTIL_EREFUSED, "consent: dataset %s: %zu rows loaded from %zu records", ds->name,
                           (*rows)->n, n);
    size_t *idx, k;
    if (ingest_cohort_rows (csv, ds, study, now_ms, &idx, &k))
        return -1;
    int rc = 0;
    if (k < n) {
        model_dataset_t *subset = model_dataset_subset (*rows, idx, k);
        if (!subset)
            rc = util_error_context ("consent");
        else {
            model_dataset_destroy (rows);
            *rows = subset;
        }
    }
    free (idx);
    return rc;
}
