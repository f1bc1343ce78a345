/*  sim/launch.h - the one launcher of a local consortium: a `cohort
    coordinator` process and one `cohort site` process per site, started
    from a folder written by sim_consortium_write (sim/consortium.h),
    studies launched and followed through the analyst client
    (coordinator/client.h), and the processes stopped again. `cohort
    simulate`, `cohort demo`, the federation benchmark and the end-to-end
    tests all start their consortia here.

    Contents
        sim_free_port               a free TCP port on 127.0.0.1
        sim_fed_t                   the running processes of one folder
        sim_fed_new                 the folder and its site names, nothing running
        sim_fed_start               new, then the coordinator, then every site
        sim_fed_start_coordinator   one process, waiting until it listens
        sim_fed_start_site          one process, waiting until it has joined
        sim_fed_running             whether one process still runs
        sim_fed_kill                stops one process (SIGTERM, or SIGKILL)
        sim_fed_logged              waits for a line in a process's log
        sim_fed_run                 launches a study, follows it, fetches its report
        sim_fed_coordinator_rss_mb  the coordinator's peak memory
        sim_fed_coordinator_cpu_s   the coordinator's CPU time
        sim_fed_status_ms           the latency of status requests
        sim_fed_metric              one value from a metrics endpoint
        sim_fed_stop                stops everything and frees

    The processes run this program (/proc/self/exe) unless the environment
    variable COHORT_BIN names another `cohort` binary (tests set it). Their
    output goes to DIR/logs/<name>.log (appended). Each child gets SIGTERM if
    this process dies (PR_SET_PDEATHSIG), so nothing is left running.
    Errors are -1 / NULL with one line in the error slot (util/error.h),
    naming the log to read.
*/
#ifndef SIM_LAUNCH_H
#define SIM_LAUNCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct _sim_fed_t sim_fed_t;

/*  Which process sim_fed_kill stops: the coordinator, or a site's index. */
#define SIM_FED_COORDINATOR ((size_t) -1)

/*  A free TCP port on 127.0.0.1 (bound and released: another process could
    take it in between; the coordinator then fails to bind and says so in
    its log). Returns the port or -1. */
int sim_free_port (void);

/*  The consortium folder DIR (coordinator.cfg, analyst.cfg,
    sites/<name>.cfg) and its sites in share-index order (copied). Creates
    DIR/logs. Starts nothing. NULL on failure. */
sim_fed_t *sim_fed_new (const char *dir, char *const *sites, size_t n_sites);

/*  Starts the coordinator of DIR and waits until it accepts connections on
    127.0.0.1:`port` (what coordinator.cfg says). With port 0 the config
    names an ephemeral port ("tcp://127.0.0.1:*": no other process can take
    it first), and the port is read from the coordinator's log line
    "listening on tcp://127.0.0.1:<port>". Returns the port it listens on,
    or -1 if it cannot start, exits, or does not listen within 20 s. */
int sim_fed_start_coordinator (sim_fed_t *self, int port);

/*  Starts site `i` (DIR/sites/<name>.cfg) and waits until the coordinator
    logs it connected. -1 if it cannot start, it or the coordinator exits,
    or it has not joined within 30 s. */
int sim_fed_start_site (sim_fed_t *self, size_t i);

/*  True while the coordinator (SIM_FED_COORDINATOR) or site `which` runs
    (reaping it, if it has exited). */
bool sim_fed_running (sim_fed_t *self, size_t which);

/*  Sends `sig` to the coordinator (SIM_FED_COORDINATOR) or site `which`
    (a SIGHUP to reload, say). 0, or -1 when it is not running. */
int sim_fed_signal (sim_fed_t *self, size_t which, int sig);

/*  Sends SIGTERM and waits up to wait_s for the process to exit: 0 with
    its exit status in *code (a death by signal is 128 + the signal), or
    -1 when it did not exit in time (it is then killed) or is not
    running. */
int sim_fed_terminate (sim_fed_t *self, size_t which, double wait_s, int *code);

/*  Sends SIGTERM (SIGKILL when `hard`) to the coordinator
    (SIM_FED_COORDINATOR) or site `which` and reaps it. Nothing happens for
    a process that is not running. Returns 0, or -1 (with the reason) if it
    had to be killed after ignoring SIGTERM for 5 s: what it would have
    printed on its way out is lost. */
int sim_fed_kill (sim_fed_t *self, size_t which, bool hard);

/*  True once DIR/logs/<log>.log holds a line containing `text`, waiting up
    to wait_s seconds. */
bool sim_fed_logged (const sim_fed_t *self, const char *log, const char *text, double wait_s);

/*  sim_fed_new, then the coordinator on `port`, then every site, started
    together and waited for (30 s, and 3 s more per site: they share the
    host's cores while they load their keys). NULL (after stopping
    whatever it started) on failure. */
sim_fed_t *sim_fed_start (const char *dir, int port, char *const *sites, size_t n_sites);

/*  Launches the study (study.cfg text) with DIR/analyst.cfg, follows it
    until it is completed or failed (a progress line on `progress` when not
    NULL), and fetches its report (*report: new reference). Gives up after
    `timeout_s` seconds or when the coordinator exits. Returns 0 when a
    report was fetched (whatever the study's status), else -1. */
int sim_fed_run (sim_fed_t *self, const char *study_text, double timeout_s, FILE *progress,
                 json_t **report);

/*  Peak resident memory of the coordinator so far (VmHWM), in MiB; -1 if
    it cannot be read. */
double sim_fed_coordinator_rss_mb (const sim_fed_t *self);

/*  CPU time (user + system) the coordinator has used so far, in seconds;
    -1 if it cannot be read (/proc/<pid>/stat). */
double sim_fed_coordinator_cpu_s (const sim_fed_t *self);

#define SIM_STATUS_PROBES_MAX 10000

/*  Sends `n` (1..SIM_STATUS_PROBES_MAX) status requests for study
    `study_id` ("" for the latest) with DIR/analyst.cfg, one after another
    on one connection (the real client: CURVE, the analyst's role
    certificate), and times each from send to answer: *p50_ms gets the
    median and *max_ms the largest. 0, or -1 with the reason (a request
    refused or unanswered). */
int sim_fed_status_ms (sim_fed_t *self, const char *study_id, unsigned n, double *p50_ms,
                       double *max_ms);

/*  Reads the metrics a process serves on 127.0.0.1:`port` (GET /metrics,
    util/metrics_server.h) and puts into *value the value of the first line
    that begins with `name` (the metric's name with its labels, as
    exposed). 0, or -1 with the reason (nothing listening, no such line,
    an answer over 1 MiB). */
int sim_fed_metric (int port, const char *name, double *value);

/*  Stops every process (SIGTERM, then SIGKILL after 5 s) and frees. Safe
    with NULL; sets *self_p to NULL. Returns 0, or -1 (with the reason) if a
    process had to be killed (sim_fed_kill). */
int sim_fed_stop (sim_fed_t **self_p);

#endif
