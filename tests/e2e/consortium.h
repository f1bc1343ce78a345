/*  tests/e2e/consortium.h - a throwaway consortium on loopback for the
    end-to-end tests: insecure small test keys (`cohort keygen threshold
    --insecure-test-key`), CURVE certificates, breast-cancer data split
    across the sites, configs, and real `cohort coordinator` / `cohort site`
    processes whose stderr goes to DIR/logs/<name>.log.
*/
#ifndef E2E_CONSORTIUM_H
#define E2E_CONSORTIUM_H

#include <stdbool.h>
#include <sys/types.h>

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
    pid_t coordinator, site_pid [E2E_SITES_MAX];
} e2e_t;

/*  Writes keys, certs, data and configs under a new temporary directory.
    timeout_ms is the coordinator's round deadline. Budgets default to 100.
    0 or -1 (message on stderr). */
int e2e_setup (e2e_t *c, const char *cohort, const char *source, unsigned sites,
               unsigned threshold, unsigned bits, unsigned timeout_ms, bool label_skew);

/*  (Re)writes DIR/sites/<name>.cfg of site i (after a budget change). */
int e2e_write_site (e2e_t *c, unsigned i);

/*  Writes DIR/study.cfg (logistic regression on breast_cancer). */
int e2e_write_study (e2e_t *c, const char *extra, const char *optimizer, double lr,
                     unsigned steps, double q, double epsilon, bool privacy_off,
                     unsigned min_sites, unsigned eval_every);

/*  Starts the coordinator / site i. 0 or -1. */
int e2e_start_coordinator (e2e_t *c);
int e2e_start_site (e2e_t *c, unsigned i);

/*  Waits (up to timeout_ms) until `text` appears in DIR/logs/<log>.log. */
bool e2e_wait_log (e2e_t *c, const char *log, const char *text, int timeout_ms);

/*  SIGKILL (hard) or SIGTERM, then reap. */
void e2e_kill (pid_t *pid, bool hard);

/*  Stops everything, then reads every log under DIR/logs for a sanitizer
    report (AddressSanitizer, LeakSanitizer, UndefinedBehaviorSanitizer):
    the processes of a sanitized build print theirs there, where no exit
    status the test looks at would show it. Copies each report to stderr.
    Removes the directory unless keep is set or a report was found.
    0, or -1 if a log holds a sanitizer report. */
int e2e_teardown (e2e_t *c, bool keep);

/*  A path under the consortium directory (static buffer). */
const char *e2e_path (e2e_t *c, const char *rel);

#endif
