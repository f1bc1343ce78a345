/*  site/contrib.c - the worker's contribution records (site/contrib.h). */
#include "contrib.h"
#include "ingest/contrib.h"
#include "proto/rolecert.h"
#include "util/error.h"

#include <czmq.h>
#include <string.h>
#include <time.h>

int
site_contrib_record (const site_config_t *cfg, const site_dataset_t *ds,
                     const proto_study_t *study, const proto_msg_t *msg, audit_log_t *audit)
{
    if (!ds->patient_column)
        return 0;
    //  The analyst's name, from the certificate the offer was checked
    //  with (site/verify.h) before this.
    const char *cert = msg->offer? msg->offer->analyst_cert: NULL;
    proto_rolecert_t *analyst = cert && *cert
                              ? proto_rolecert_open (cert, strlen (cert), cfg->admin,
                                                     (uint64_t) time (NULL))
                              : NULL;
    model_csv_t *csvs [2] = { NULL, NULL };
    size_t n = 0;
    int rc = -1;
    //  The tables the use reads: a query reads path only (site/query.c).
    const char *paths [2] = { ds->path, study->query? NULL: ds->test_path };
    for (size_t i = 0; i < 2; i++) {
        if (!paths [i])
            continue;
        if (model_csv_load (&csvs [n], paths [i], 0)) {
            util_error_context ("contributions: dataset %s", ds->name);
            goto done;
        }
        n++;
    }
    ingest_cohort_source_t src = { .name = ds->name, .patient_column = ds->patient_column,
                                   .grant_store = ds->grant_store, .grant_site = ds->grant_site,
                                   .open_research = ds->open_research };
    ingest_contrib_use_t use = { .id = msg->study_id, .study = study,
                                 .analyst = analyst? analyst->name: NULL,
                                 .time_ms = zclock_time () };
    rc = ingest_contrib_record (&src, &use, (const model_csv_t *const *) csvs, n, audit);
done:
    for (size_t i = 0; i < n; i++)
        model_csv_destroy (&csvs [i]);
    proto_rolecert_destroy (&analyst);
    return rc;
}

int
site_contrib_end (const site_dataset_t *ds, const char *id, uint32_t last_round,
                  const Cohort__RoundResult *result)
{
    if (!ds || !ds->patient_column)
        return 0;
    return ingest_contrib_end (ds->grant_store, id, last_round, result->ok, result->detail,
                               zclock_time ());
}
