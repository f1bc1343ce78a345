/*  coordinator/client.h - the analyst's side: a CURVE DEALER to the
    coordinator with the analyst certificate named in analyst.cfg:

    analyst
        coordinator = tcp://127.0.0.1:7600
        coordinator_cert = certs/coordinator.pub
        cert = certs/analyst.secret
        timeout_ms = 30000          optional: how long to wait for an answer

    Each call sends one request and waits for the answer. Errors (no
    answer, the coordinator's refusal) come back as -1 / NULL with the
    reason in util_last_error ().
*/
#ifndef COORD_CLIENT_H
#define COORD_CLIENT_H

#include "util/error.h"
#include <jansson.h>

typedef struct _coord_client_t coord_client_t;

/*  Connects with the analyst cert named in analyst.cfg (CURVE). NULL +
    util_last_error (). */
coord_client_t *coord_client_new (const char *analyst_cfg_path);
void coord_client_destroy (coord_client_t **self_p);

/*  Sends the study definition (study.cfg text); *study_id is a new string. */
int coord_client_launch (coord_client_t *self, const char *study_cfg_text, char **study_id);

/*  {"id","name","status","status_detail","round","step","steps",
    "epsilon_spent"} (new reference). study_id NULL or "" asks for the
    current or latest study. */
int coord_client_status (coord_client_t *self, const char *study_id, json_t **status);

/*  The report JSON (docs/report.md; new reference). */
int coord_client_report (coord_client_t *self, const char *study_id, json_t **report);

#endif
