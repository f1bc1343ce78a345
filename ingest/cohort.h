/*  ingest/cohort.h - consent in the federation's cohort selection: the rows
    of a dataset a study may use at this site.

    A dataset in site.cfg that names a patient_column is filtered through
    the grant store (ingest/grants.h, in the ingest store file): only rows
    whose patient ("p-1" or "Patient/p-1" in that column) has a current
    grant permitting (ResearchStudy/<the study's id>, the study's purpose,
    Organization/<site name>, now) are used, honouring deny, period and
    revocation, and no current grant of the patient denies it. The study
    is named by the id and purpose its definition declares (study/id,
    study/purpose, proto/study.h), never by its free-text name: a study
    without an id is permitted only by consents that name the site, or
    no actor at all. A research consent that names no study (or no
    purpose) counts only for a source with open_research set (the site's
    ingest/open_research). If no row remains the study is declined with
    the reason. A dataset without a patient_column is used whole.

    Contents
        ingest_cohort_source_t  where a dataset's consent is looked up
        ingest_cohort_filter    keeps the rows whose patient consents
        ingest_cohort_rows      the indexes of those rows
        ingest_cohort_use       the use each patient's consent is judged for

    The source's strings and the table are borrowed. A filtered dataset
    replaces the caller's *rows (the old one destroyed) and is the caller's;
    on failure *rows is left as it was.
    Errors are -1 with the decline reason in the error slot (util/error.h).
*/
#ifndef INGEST_COHORT_H
#define INGEST_COHORT_H

#include "ingest.h"
#include "consent.h"
#include "models/csv.h"
#include "models/dataset.h"
#include "proto/study.h"

/*  Where the consent of a dataset's rows is looked up (from site.cfg). */
typedef struct {
    const char *name;               //  the dataset's name, for messages
    const char *patient_column;     //  NULL: every row, no consent filter
    const char *grant_store;        //  the ingest store holding the grants
    const char *grant_site;         //  "Organization/<site name>"
    bool open_research;             //  ingest_consent_query_t.open_research
} ingest_cohort_source_t;

/*  Replaces *rows (loaded from csv, one row per CSV record) by the rows
    whose patient consents to `study` (its id and purpose) at the
    dataset's site at now_ms.
    Nothing happens for a dataset without a patient_column. Returns 0, or
    -1 with the decline reason in util_last_error () (store unreadable, no
    such column, no row left). */
int ingest_cohort_filter (model_dataset_t **rows, const model_csv_t *csv,
                          const ingest_cohort_source_t *ds, const proto_study_t *study,
                          int64_t now_ms) INGEST_WUR;

/*  The same choice as indexes: *rows gets a new array (free) of the *count
    CSV rows whose patient consents, ascending (every row for a dataset
    without a patient_column). 0, or -1 with the decline reason, *rows
    NULL. */
int ingest_cohort_rows (const model_csv_t *csv, const ingest_cohort_source_t *ds,
                        const proto_study_t *study, int64_t now_ms, size_t **rows,
                        size_t *count) INGEST_WUR;

/*  The use `study` makes of ds's rows at now_ms, as every patient's consent
    is judged for it (above): *q gets ds's site and open_research, the
    study as its definition declares it ("ResearchStudy/<id>", written into
    ref, of cap bytes; NULL for a study without an id), its purpose
    (PROTO_STUDY_PURPOSE_DEFAULT when it declares none) and the time;
    q->patient and q->loinc are NULL. */
void ingest_cohort_use (ingest_consent_query_t *q, char *ref, size_t cap,
                        const ingest_cohort_source_t *ds, const proto_study_t *study,
                        int64_t now_ms);

#endif
