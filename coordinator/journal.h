/*  coordinator/journal.h - the coordinator's SQLite journal: one row per
    study (status, definition, latest report JSON) and one per finished
    round (kind, status, epsilon spent so far, the round's JSON entry).
    The report of any past study can be served from it after a restart.
    It never holds key material.

    Contents
        coord_journal_t         an open journal
        coord_journal_open      opens or creates it
        coord_journal_study     inserts or updates a study and its report
        coord_journal_round     records a finished round
        coord_journal_report    a stored report
        coord_journal_latest    the most recent study's id
        coord_journal_begin     how a study began (features, N, sites)
        coord_journal_sums      a finished round's decrypted sums
        coord_journal_running   the studies a restart resumes
        coord_journal_definition, coord_journal_begun, coord_journal_replay
                                what it needs to rebuild it
        coord_journal_destroy   closes

    The journal is the caller's (coord_journal_destroy, NULL-safe), and so
    are the strings it returns (free). Errors are -1 / NULL with the reason
    in the error slot (util/error.h).
*/
#ifndef COORD_JOURNAL_H
#define COORD_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#define COORD_JOURNAL_SUMS_MAX (1 << 22)    //  values of one round's sums

typedef struct _coord_journal_t coord_journal_t;

/*  Opens or creates the journal (util_sqlite_open: WAL, synchronous =
    FULL, so a study or round the journal took survives a crash and the
    coordinator resumes from it). NULL with "journal: <path>: <reason>". */
coord_journal_t *coord_journal_open (const char *path);
void coord_journal_destroy (coord_journal_t **self_p);

/*  Inserts or updates a study and its latest report. 0 or -1. */
int coord_journal_study (coord_journal_t *self, const char *id, const char *name,
                         const char *status, const char *cfg_text, const char *report_json);

/*  Records a finished round. 0 or -1. */
int coord_journal_round (coord_journal_t *self, const char *study_id, unsigned round,
                         const char *kind, const char *status, double epsilon,
                         const char *entry_json);

/*  The stored report of a study into *report: a new string, or NULL if the
    study is not in the journal or has no report yet. 0, or -1 (the journal
    cannot be read, out of memory) with *report NULL. */
int coord_journal_report (coord_journal_t *self, const char *study_id, char **report);

/*  The id of the most recently started study into *study_id: a new string,
    or NULL if the journal holds no study. 0 or -1, as above. */
int coord_journal_latest (coord_journal_t *self, char **study_id);

/*  How a study began: its features (a JSON array), the declared training
    records and its sites' names (a JSON array). 0 or -1. */
int coord_journal_begin (coord_journal_t *self, const char *study_id, const char *features_json,
                         uint64_t records, const char *sites_json);

/*  A finished round's decrypted sums (n values, at most
    COORD_JOURNAL_SUMS_MAX; noised, DP outputs: docs/threat-model.md), its
    kind and its number of contributors, before it is applied. 0 or -1. */
int coord_journal_sums (coord_journal_t *self, const char *study_id, unsigned round, int kind,
                        unsigned contributors, const int64_t *sums, size_t n);

/*  The nth (from 0) most recently started study still "running" into
    *study_id (new string, NULL when there is no nth). 0 or -1. */
int coord_journal_running (coord_journal_t *self, unsigned nth, char **study_id);

/*  A study's definition (new string, NULL when unknown). 0 or -1. */
int coord_journal_definition (coord_journal_t *self, const char *study_id, char **cfg_text);

/*  How it began (new strings, NULL when it had not begun). 0 or -1. */
int coord_journal_begun (coord_journal_t *self, const char *study_id, char **features_json,
                         uint64_t *records, char **sites_json);

/*  Calls fn for each round of the study that finished ok and whose sums
    are kept, in round order: its id, kind, contributors, sums (n values,
    borrowed) and report entry (JSON text, borrowed). Stops at fn's first
    non-zero return and returns it; 0 when all went; -1 on a read error or
    a damaged row. */
typedef int (coord_journal_round_fn) (uint32_t round, int kind, unsigned contributors,
                                      const int64_t *sums, size_t n, const char *entry,
                                      void *arg);
int coord_journal_replay (coord_journal_t *self, const char *study_id, coord_journal_round_fn *fn,
                          void *arg);

#endif
