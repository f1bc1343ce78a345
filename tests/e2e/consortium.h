/*  tests/e2e/consortium.h - a throwaway consortium on loopback for the
    end-to-end tests: insecure small test keys (sim_keys_write), CURVE
    certificates (one of them a stranger's), breast-cancer data split
    across the sites, configs, and real `cohort coordinator` / `cohort site`
    processes of the built binary, started, stopped and watched through the
    one launcher (sim/launch.h); their output goes to DIR/logs/<name>.log.
*/
#ifndef E2E_CONSORTIUM_H
#define E2E_CONSORTIUM_H

#include "sim/launch.h"

#include <stdbool.h>
#include <stdio.h>

#define E2E_SITES_MAX 8

typedef struct {
    const char *cohort;             //  the built binary
    const char *source;             //  the source tree (datasets/)
    char dir [256];
    unsigned sites, threshold, bits;
    unsigned port;
    unsigned timeout_ms;            //  round deadline
    char names [E2E_SITES_MAX][16];
    double budget [E2E_SITES_MAX];  //  each site's epsilon budget
    unsigned long min_subset [E2E_SITES_MAX];   //  site.cfg min_subset (0: none)
    bool skip [E2E_SITES_MAX];      //  sites e2e_start_all leaves alone
    bool allow_privacy_off;         //  coordinator.cfg's (default true)
    unsigned liveness_ms;           //  coordinator.cfg liveness_timeout_ms (0: its default)
    unsigned per_analyst;           //  coordinator.cfg max_running_per_analyst (0: default)
    sim_fed_t *fed;                 //  the processes
} e2e_t;

/*  Writes keys, certs, data and configs under a new temporary directory.
    timeout_ms is the coordinator's round deadline. Budgets default to 100.
    0 or -1 (message on stderr). */
int e2e_setup (e2e_t *c, const char *cohort, const char *source, unsigned sites,
               unsigned threshold, unsigned bits, unsigned timeout_ms, bool label_skew);

/*  (Re)writes DIR/coordinator.cfg (after a change to allow_privacy_off);
    its dictionary (DIR/dictionary.csv) holds the breast-cancer and lung
    columns. Every site also registers the lung data as dataset `lung`
    (DIR/data/<site>-lung.csv; all rows in DIR/data/pooled-lung.csv). */
int e2e_write_coordinator (e2e_t *c);
/*  (Re)writes DIR/sites/<name>.cfg of site i (after a budget change). */
int e2e_write_site (e2e_t *c, unsigned i);

/*  Writes DIR/study.cfg (logistic regression on breast_cancer). */
int e2e_write_study (e2e_t *c, const char *extra, const char *optimizer, double lr,
                     unsigned steps, double q, double epsilon, bool privacy_off,
                     unsigned min_sites, unsigned eval_every);

/*  Starts the coordinator (on an ephemeral port, read back into c->port;
    then the analyst and site configs are written) / site i. 0 or -1 with
    the reason in the error slot. */
int e2e_start_coordinator (e2e_t *c);
int e2e_start_site (e2e_t *c, unsigned i);

/*  Starts the coordinator, then every site that is not running and not
    skipped (c->skip). 0, or -1 after a line on stderr naming what did not
    start. */
int e2e_start_all (e2e_t *c);

/*  The scenarios' check: on failure one line "e2e FAIL file:line: ..." on
    stderr, and the function returns -1. */
#define E2E_CHECK(cond, ...) do { if (!(cond)) { fprintf (stderr, "e2e FAIL %s:%d: ", \
    __FILE__, __LINE__); fprintf (stderr, __VA_ARGS__); fputc ('\n', stderr); \
    return -1; } } while (0)

/*  The text of a file (at most 1 MiB - 1 bytes, NUL-terminated; the caller
    frees it), or NULL if it cannot be read. */
char *e2e_read (const char *path);

/*  Starts `cohort ROLE --config DIR/CFG` outside the launcher (a second
    process with a site's config, a site against a coordinator the test
    plays), its output appended to DIR/logs/<log>.log; it dies with this
    process. Returns its pid, or -1. */
int e2e_spawn (e2e_t *c, const char *role, const char *cfg, const char *log);

/*  The same for any `cohort` command line (argv[0] "cohort"), its output
    appended to DIR/logs/<log>.log. Returns its pid, or -1. */
int e2e_spawn_argv (e2e_t *c, char *const *argv, const char *log);

/*  Waits (up to timeout_ms) until `text` appears in DIR/logs/<log>.log. */
bool e2e_wait_log (e2e_t *c, const char *log, const char *text, int timeout_ms);

/*  Site i: SIGKILL (hard) or SIGTERM, then reap. -1 if a SIGTERM was
    ignored and the site had to be killed (sim_fed_kill). */
int e2e_kill_site (e2e_t *c, unsigned i, bool hard);

/*  Stops everything, then reads every log under DIR/logs for a sanitizer
    report (AddressSanitizer, LeakSanitizer, UndefinedBehaviorSanitizer):
    the processes of a sanitized build print theirs there, where no exit
    status the test looks at would show it. Copies each report to stderr.
    Removes the directory unless keep is set or a report was found.
    0, or -1 if a log holds a sanitizer report or a process had to be
    killed (its report would be lost). */
int e2e_teardown (e2e_t *c, bool keep);

/*  A path under the consortium directory (static buffer). */
const char *e2e_path (e2e_t *c, const char *rel);

#endif
