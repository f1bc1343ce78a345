/*  site/contrib.h - the site worker's contribution records: at acceptance,
    which patients' records a study or query uses and under which grant;
    at its end, its last round (ingest/contrib.h holds the records, in the
    dataset's ingest store). The worker makes one call at each point.

    Contents
        site_contrib_record     records an accepted offer's use
        site_contrib_end        records its end

    Everything is borrowed. Errors are -1 with the reason in the error slot
    (util/error.h), phrased as a decline reason ("contributions: ...").
*/
#ifndef SITE_CONTRIB_H
#define SITE_CONTRIB_H

#include "config.h"
#include "audit/log.h"
#include "proto/message.h"
#include "proto/study.h"

/*  Records the use `study` (the offer msg, accepted at now) makes of
    dataset ds: the patients named in its patient column (the dataset's
    path, and its test_path for a learning study) whose grants permit the
    use, each with those grants, and the analyst whose certificate the
    offer carries (opened with cfg's admin key; NULL if it does not open).
    Audited in `audit` (may be NULL). Durable when it returns 0; a dataset
    without a patient_column records nothing (0). -1: nothing is recorded,
    and the offer must be declined. */
int site_contrib_record (const site_config_t *cfg, const site_dataset_t *ds,
                         const proto_study_t *study, const proto_msg_t *msg,
                         audit_log_t *audit);

/*  Records that use `id` of dataset ds ended after round last_round, with
    the coordinator's final result. 0 or -1. */
int site_contrib_end (const site_dataset_t *ds, const char *id, uint32_t last_round,
                      const Cohort__RoundResult *result);

#endif
