/*  coordinator/journal.h - the coordinator's SQLite journal: one row per
    study (status, definition, latest report JSON) and one per finished
    round (kind, status, epsilon spent so far, the round's JSON entry).
    The report of any past study can be served from it after a restart.
    It never holds key material.
*/
#ifndef COORD_JOURNAL_H
#define COORD_JOURNAL_H

typedef struct _coord_journal_t coord_journal_t;

/*  Opens or creates the journal. NULL with the reason. */
coord_journal_t *coord_journal_open (const char *path);
void coord_journal_destroy (coord_journal_t **self_p);

/*  Inserts or updates a study and its latest report. 0 or -1. */
int coord_journal_study (coord_journal_t *self, const char *id, const char *name,
                         const char *status, const char *cfg_text, const char *report_json);

/*  Records a finished round. 0 or -1. */
int coord_journal_round (coord_journal_t *self, const char *study_id, unsigned round,
                         const char *kind, const char *status, double epsilon,
                         const char *entry_json);

/*  The stored report of a study (new string), or NULL if there is none. */
char *coord_journal_report (coord_journal_t *self, const char *study_id);

/*  The id of the most recently started study (new string), or NULL. */
char *coord_journal_latest (coord_journal_t *self);

#endif
