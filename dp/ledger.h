/*  dp/ledger.h - the persistent privacy-budget ledger (SQLite).

    One ledger per site (the data custodian enforces its own budget) and one
    at the coordinator. For each (study, dataset) it holds the budget
    (epsilon, delta) and the RDP curve spent so far over the default order
    grid (dp_orders_default). Spent epsilon is always the improved
    conversion of the spent curve at the budget's delta.

    Durability: the database runs in WAL mode with synchronous=FULL, and a
    charge is one IMMEDIATE transaction (read spend, check, write spend and
    a charge record, commit). When dp_ledger_charge() returns 0 the charge
    is on stable storage, so the caller may release the noised value; a
    crash at any earlier point (kill -9 included) leaves the ledger as if
    the charge never started. Concurrent processes on the same file are
    serialised by SQLite's write lock (busy timeout 10 s).

    Contents
        dp_ledger_t                 an open ledger
        dp_ledger_open, dp_ledger_destroy   opens (creates) and closes it
        dp_ledger_set_budget        sets a (study, dataset) budget, once
        dp_ledger_budget            reads it
        dp_ledger_spent             the curve spent so far
        dp_ledger_epsilon_spent     the epsilon spent so far
        dp_ledger_would_exceed      would a request go over? (writes nothing)
        dp_ledger_charge            charges a request within the budget,
                                    durably, or refuses it
        dp_ledger_charge_count      charges recorded

    The ledger is the caller's (dp_ledger_destroy, NULL-safe), and so is the
    curve dp_ledger_spent returns (dp_curve_destroy); names, labels and
    requests are borrowed. Errors are -1 / NULL with the reason in the error
    slot (util/error.h); a refused charge is DP_LEDGER_REFUSED, with its
    reason there too.
*/
#ifndef DP_LEDGER_H
#define DP_LEDGER_H

#include "accountant.h"

#include <stdbool.h>

#define DP_LEDGER_REFUSED 1     //  dp_ledger_charge: over budget, nothing charged
#define DP_LEDGER_NAME_MAX 256  //  longest study or dataset name
#define DP_LEDGER_LABEL_MAX 1024 //  longest charge label

typedef struct _dp_ledger_t dp_ledger_t;

/*  Opens (creating if needed) the ledger at path. NULL on error (not a
    ledger, wrong order grid, I/O), with the reason in util_last_error (). */
dp_ledger_t *dp_ledger_open (const char *path);

/*  Closes and sets *self_p to NULL. NULL-safe. */
void dp_ledger_destroy (dp_ledger_t **self_p);

/*  Sets the budget of (study, dataset): epsilon > 0, delta in (0, 1). A
    budget once set cannot change (setting the same values again is a
    no-op returning 0); a different value is an error naming both. */
int dp_ledger_set_budget (dp_ledger_t *self, const char *study, const char *dataset,
                          double epsilon, double delta) DP_WUR;

/*  Reads the budget. -1 if none is set. */
int dp_ledger_budget (dp_ledger_t *self, const char *study, const char *dataset,
                      double *epsilon, double *delta) DP_WUR;

/*  The curve spent so far (all zeros if nothing charged); caller destroys.
    NULL on error. */
dp_curve_t *dp_ledger_spent (dp_ledger_t *self, const char *study, const char *dataset);

/*  Epsilon spent so far at the budget's delta. -1 if no budget is set. */
int dp_ledger_epsilon_spent (dp_ledger_t *self, const char *study, const char *dataset,
                             double *epsilon) DP_WUR;

/*  Pure query: would charging `request` (a curve over the default grid)
    take (study, dataset) over its budget? Sets *exceed, and *epsilon_after
    (may be NULL) to the total epsilon it would reach. Writes nothing.
    -1 if no budget is set or the request is not over the default grid. */
int dp_ledger_would_exceed (dp_ledger_t *self, const char *study, const char *dataset,
                            const dp_curve_t *request, bool *exceed,
                            double *epsilon_after) DP_WUR;

/*  Charges `request` if, added to the spend, it stays within the budget.
    Returns 0 (charged and durable), DP_LEDGER_REFUSED (nothing written;
    util_last_error () names the budget, the spend and the request) or -1
    (error; nothing written). `label` (may be NULL, at most
    DP_LEDGER_LABEL_MAX characters) is stored with the charge for the audit
    trail. */
int dp_ledger_charge (dp_ledger_t *self, const char *study, const char *dataset,
                      const dp_curve_t *request, const char *label) DP_WUR;

/*  Number of charges recorded for (study, dataset). -1 on error. */
long dp_ledger_charge_count (dp_ledger_t *self, const char *study, const char *dataset);

#endif
