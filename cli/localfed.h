/*  cli/localfed.h - a whole consortium on this machine: a `cohort
    coordinator` process and one `cohort site` process per site, started from
    a directory written by cli_consortium_write(), studies launched and
    followed through the analyst client (coordinator/client.h), and the
    processes stopped again. Used by `cohort simulate`, `cohort demo` and
    `cohort bench federation`.

    The processes are this program (/proc/self/exe) unless the environment
    variable COHORT_BIN names another `cohort` binary (tests set it). Their
    output goes to DIR/logs/<name>.log. Each child gets SIGTERM if this
    process dies (PR_SET_PDEATHSIG), so nothing is left running.

    Errors are printed with cli_error() and the functions return -1 / NULL.
*/
#ifndef CLI_LOCALFED_H
#define CLI_LOCALFED_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct _cli_fed_t cli_fed_t;

/*  A free TCP port on 127.0.0.1 (bound and released: another process could
    take it in between; the coordinator then fails to bind and says so).
    Returns the port or -1. */
int cli_fed_free_port (void);

/*  Starts the coordinator of DIR (DIR/coordinator.cfg, listening on
    127.0.0.1:`port`) and waits until it accepts connections, then starts one
    site per name (DIR/sites/<name>.cfg, share index = position + 1) and
    waits until each has joined. Returns NULL (after stopping whatever it
    started) if a process cannot start or exits early, the coordinator does
    not listen within 20 s, or a site does not join within 30 s. */
cli_fed_t *cli_fed_start (const char *dir, int port, char *const *sites, size_t n_sites);

/*  Launches the study (study.cfg text) with DIR/analyst.cfg, follows it
    until it is completed or failed (a progress line on stderr when
    `progress`), and fetches its report (*report: new reference). Gives up
    after `timeout_s` seconds or when the coordinator exits. Returns 0 when
    a report was fetched (whatever the study's status), else -1. */
int cli_fed_run (cli_fed_t *self, const char *study_text, double timeout_s, bool progress,
                 json_t **report);

/*  Peak resident memory of the coordinator so far (VmHWM), in MiB; -1 if
    it cannot be read. */
double cli_fed_coordinator_rss_mb (const cli_fed_t *self);

/*  Stops every process (SIGTERM, then SIGKILL after 5 s) and frees. Safe
    with NULL; sets *self_p to NULL. */
void cli_fed_stop (cli_fed_t **self_p);

#endif
