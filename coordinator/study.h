/*  coordinator/study.h - one study at the coordinator: its definition and
    privacy plan, the participating sites, the round schedule (scale ->
    moments -> training steps with evaluation rounds -> end), the global
    model and its server optimiser, the accountant, and the report JSON
    (docs/report.md).

    Round results arrive as decrypted integer sums; coord_study_apply()
    turns them into per-feature scales, standardisation means and standard
    deviations, an optimiser step (DP-SGD with the expected batch q N as
    denominator, N the sum of the training-record counts the sites declared
    when they accepted), or DP metrics from the noised score histograms.

    Contents
        coord_study_t               one study
        coord_study_new             parses a definition into a new study
        coord_study_is_query, coord_study_query_check   a query, checked
        coord_study_use_dictionary  a study scaled by the dictionary's bounds
        coord_study_id, coord_study_cfg, coord_study_def, coord_study_plan
                                    its id, text, definition, plan (borrowed)
        coord_study_decline         records a site that declined
        coord_study_begin           starts the schedule
        coord_study_next            the next round's kind
        coord_study_round_start     a RoundStart's parameters, charged
        coord_study_dim             the vector length of a kind
        coord_study_apply           applies a decrypted sum
        coord_study_record          appends a finished round to the report
        coord_study_epsilon         epsilon spent so far
        coord_study_finish, coord_study_finished    ends it; has it ended?
        coord_study_report, coord_study_status      the report and status
        coord_study_destroy         frees

    The study is the caller's (coord_study_destroy, NULL-safe) and copies
    what it keeps (text, features, site names). Accessors and RoundStart
    arrays are borrowed from it; the JSON it returns are new references
    (json_decref), but for coord_study_record's, which is borrowed. Errors
    are -1 / NULL with the reason in the error slot (util/error.h).
*/
#ifndef COORD_STUDY_H
#define COORD_STUDY_H

#include "proto/plan.h"
#include "proto/study.h"
#include "models/dictionary.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct _coord_study_t coord_study_t;

/*  Parses the definition; `id` is the new study's id. NULL with the reason
    in util_last_error () (UTIL_ENOMEM if out of memory). */
coord_study_t *coord_study_new (const char *id, const char *cfg_text);
void coord_study_destroy (coord_study_t **self_p);

/*  The key's threshold t: each site's noise is 1/t of the study's (sites
    take t from their share, not from the study text), so the plan is
    made with it. Set before coord_study_query_check and coord_study_begin. */
void coord_study_set_threshold (coord_study_t *self, unsigned t);

const char *coord_study_id (const coord_study_t *self);
const char *coord_study_cfg (const coord_study_t *self);
const proto_study_t *coord_study_def (const coord_study_t *self);
const proto_plan_t *coord_study_plan (const coord_study_t *self);

/*  The value bits of the codec its rounds are packed with: a begun
    query's release's (proto_release_value_bits), PROTO_VALUE_BITS
    otherwise. */
unsigned coord_study_value_bits (const coord_study_t *self);

/*  Whether the definition is a query (proto/study.h's query section). */
bool coord_study_is_query (const coord_study_t *self);

/*  A query only: parses its expression, checks it against the consortium's
    dictionary (at most max_levels per categorical term) and that it can be
    released (its size, its noise), and keeps min_cell for disclosure
    control. 0, or -1 with the reason, for the analyst: nothing has been
    offered. */
int coord_study_query_check (coord_study_t *self, const model_dict_t *dict,
                             unsigned max_levels, unsigned min_cell);

/*  A study only: whether it is read through the consortium's data
    dictionary (dict_text, len bytes; NULL: none): when its features are
    listed and they and the label are all in the dictionary. Then the
    study keeps its own copy of the dictionary and the offer must carry it:
    the sites encode categorical features by the dictionary's levels and
    clamp numeric ones to its bounds, and with scale = bounds the features
    are scaled by those bounds (no statistics round: proto/plan.h). 1 (it
    is), 0 (it is not: the study runs as without a dictionary), or -1 with
    the reason (scale = bounds without a dictionary that covers the study,
    a label that is not binary, a dictionary that does not parse, out of
    memory). coord_study_has_dictionary says which. */
int coord_study_use_dictionary (coord_study_t *self, const char *dict_text, size_t len);
bool coord_study_has_dictionary (const coord_study_t *self);

/*  A query with privacy off: the records site `name` says will contribute
    (its acceptance's count), for the report's job.site_records. 0, or -1
    out of memory. */
int coord_study_site_records (coord_study_t *self, const char *name, uint64_t records);

/*  A study's site's training-record count as its acceptance carried it
    (noised under DP: proto/plan.h), for the report's contribution table.
    0, or -1 (UTIL_ENOMEM). */
int coord_study_site_count (coord_study_t *self, const char *name, uint64_t records);

/*  Records a site that declined (or was left out), with the reason, for the
    report. 0, or -1 (UTIL_ENOMEM) if it could not be recorded. */
int coord_study_decline (coord_study_t *self, const char *site, const char *reason);

/*  Starts the schedule once sites have accepted: the features (encoded
    columns, in order), the total declared training records N and the
    participating sites' names. Builds the plan and the initial model.
    0, or -1 (nothing changed: the study is not begun). */
int coord_study_begin (coord_study_t *self, char **features, size_t n_features,
                       uint64_t train_records, char **sites, size_t n_sites);

/*  The next round's kind, or 0 when the schedule is over. Advances the
    schedule. */
Cohort__RoundKind coord_study_next (coord_study_t *self);

/*  Fills the parameters of a RoundStart for `kind` (arrays borrowed from
    the study, valid until the next apply) and charges the round to the
    accountant. */
int coord_study_round_start (coord_study_t *self, Cohort__RoundKind kind,
                             Cohort__RoundStart *rs);

/*  Length of the integer vector of a round of `kind`. */
size_t coord_study_dim (const coord_study_t *self, Cohort__RoundKind kind);

/*  Applies a round's decrypted sum. *metrics gets a new object for an
    evaluation round (else NULL). 0 or -1 (UTIL_ENOMEM if out of memory). */
int coord_study_apply (coord_study_t *self, Cohort__RoundKind kind, const int64_t *values,
                       unsigned contributors, json_t **metrics);

/*  Appends a finished round to the report (entry is consumed; round, kind,
    epsilon_spent and step are added). Returns the entry (borrowed), or NULL
    (UTIL_ENOMEM; a NULL entry too) when it could not be recorded. */
json_t *coord_study_record (coord_study_t *self, uint32_t round, Cohort__RoundKind kind,
                            json_t *entry);

/*  Epsilon spent so far (0 when privacy is off). */
double coord_study_epsilon (const coord_study_t *self);

/*  Ends the study: "completed" or "failed" with a one-line detail. */
void coord_study_finish (coord_study_t *self, const char *status, const char *detail);
bool coord_study_finished (const coord_study_t *self);

/*  New references, or NULL (UTIL_ENOMEM): a report is whole or not there. */
json_t *coord_study_report (const coord_study_t *self);
json_t *coord_study_status (const coord_study_t *self);

#endif
