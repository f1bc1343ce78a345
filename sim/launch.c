/*  sim/launch.c - a consortium of local processes (coordinator + sites)
    driven through the analyst client. */
#include "launch.h"
#include "coordinator/client.h"
#include "util/alloc.h"
#include "util/error.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define S_LISTEN_WAIT_S   20.0
#define S_JOIN_WAIT_S     30.0
//  Sites started together share this host's cores: each loads its key
//  share and builds its fixed-base tables (about 1.4 s of CPU at 2048 bits,
//  docs/scale.md), so the wait for all of them grows with their number.
#define S_JOIN_WAIT_PER_SITE_S 3.0
#define S_STOP_WAIT_S     5.0
#define S_PATH_MAX        4096

struct _sim_fed_t {
    char *dir;
    pid_t coordinator;
    pid_t *pids;                //  one per site; -1 when not running
    char **names;
    size_t n_sites;
};

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
s_sleep_ms (long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep (&ts, &ts) && errno == EINTR)
        ;
}

int
sim_free_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return util_error (UTIL_EIO, "cannot create a socket: %s", strerror (errno));
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0 };
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = -1;
    if (bind (fd, (struct sockaddr *) &addr, sizeof addr) == 0
    &&  getsockname (fd, (struct sockaddr *) &addr, &len) == 0)
        port = ntohs (addr.sin_port);
    else
        util_error (UTIL_EIO, "cannot find a free port on 127.0.0.1: %s", strerror (errno));
    close (fd);
    return port;
}

//  Starts `cohort <role> --config <cfg>` with output appended to
//  DIR/logs/<log>.log.
static pid_t
s_spawn (const sim_fed_t *self, const char *role, const char *cfg, const char *log)
{
    char logpath [S_PATH_MAX];
    snprintf (logpath, sizeof logpath, "%s/logs/%s.log", self->dir, log);
    const char *bin = getenv ("COHORT_BIN");
    if (!bin || !*bin)
        bin = "/proc/self/exe";
    pid_t parent = getpid ();
    fflush (NULL);
    pid_t pid = fork ();
    if (pid < 0)
        return util_error (UTIL_EFAIL, "cannot start %s: %s", log, strerror (errno));
    if (pid == 0) {
        //  The child dies with its parent, however the parent ends.
        prctl (PR_SET_PDEATHSIG, SIGTERM);
        if (getppid () != parent)
            _exit (127);
        int out = open (logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        int in = open ("/dev/null", O_RDONLY | O_CLOEXEC);
        if (out < 0 || in < 0 || dup2 (in, 0) < 0 || dup2 (out, 1) < 0 || dup2 (out, 2) < 0)
            _exit (127);
        char *argv [] = { "cohort", (char *) role, "--config", (char *) cfg, NULL };
        execv (bin, argv);
        dprintf (2, "cannot run %s: %s\n", bin, strerror (errno));
        _exit (127);
    }
    return pid;
}

//  True if *pid has exited (reaping it, recording how, and setting *pid to
//  -1); false while it runs.
static bool
s_exited (pid_t *pid, const char *what, const char *dir, const char *log)
{
    int status;
    pid_t r = *pid > 0? waitpid (*pid, &status, WNOHANG): -1;
    if (r == 0)
        return false;
    if (r == *pid) {
        if (WIFEXITED (status))
            util_error (UTIL_EFAIL, "%s exited with status %d (see %s/logs/%s.log)", what,
                        WEXITSTATUS (status), dir, log);
        else
            util_error (UTIL_EFAIL, "%s was killed by signal %d (see %s/logs/%s.log)", what,
                        WIFSIGNALED (status)? WTERMSIG (status): 0, dir, log);
    }
    else
        util_error (UTIL_EFAIL, "%s is not running (see %s/logs/%s.log)", what, dir, log);
    *pid = -1;
    return true;
}

static bool
s_listening (int port)
{
    int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port) };
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    bool ok = connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0;
    close (fd);
    return ok;
}

//  True if DIR/logs/<log>.log holds `text` now.
static bool
s_in_log (const sim_fed_t *self, const char *log, const char *text)
{
    char path [S_PATH_MAX];
    snprintf (path, sizeof path, "%s/logs/%s.log", self->dir, log);
    FILE *f = fopen (path, "r");
    if (!f)
        return false;
    char line [4096];
    bool found = false;
    while (!found && fgets (line, sizeof line, f))
        found = strstr (line, text) != NULL;
    fclose (f);
    return found;
}

bool
sim_fed_logged (const sim_fed_t *self, const char *log, const char *text, double wait_s)
{
    double until = s_now () + wait_s;
    while (!s_in_log (self, log, text)) {
        if (s_now () > until)
            return false;
        s_sleep_ms (20);
    }
    return true;
}

sim_fed_t *
sim_fed_new (const char *dir, char *const *sites, size_t n_sites)
{
    sim_fed_t *self = util_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->coordinator = -1;
    if (!(self->dir = util_strdup (dir))
    ||  !(self->pids = util_calloc (n_sites, sizeof *self->pids))
    ||  !(self->names = util_calloc (n_sites + 1, sizeof *self->names))) {
        sim_fed_stop (&self);
        return NULL;
    }
    self->n_sites = n_sites;
    for (size_t i = 0; i < n_sites; i++) {
        self->pids [i] = -1;
        if (!(self->names [i] = util_strdup (sites [i]))) {
            sim_fed_stop (&self);
            return NULL;
        }
    }
    char path [S_PATH_MAX];
    snprintf (path, sizeof path, "%s/logs", dir);
    if (mkdir (path, 0700) && errno != EEXIST) {
        util_error (UTIL_EIO, "cannot create %s: %s", path, strerror (errno));
        sim_fed_stop (&self);
    }
    return self;
}

//  The size of the coordinator's log now (0 if there is none).
static long
s_log_size (const sim_fed_t *self)
{
    char path [S_PATH_MAX];
    snprintf (path, sizeof path, "%s/logs/coordinator.log", self->dir);
    struct stat st;
    return stat (path, &st) == 0? (long) st.st_size: 0;
}

//  The port in the coordinator's log line "listening on
//  tcp://127.0.0.1:<port>" after byte `from`, or 0 while there is none.
static int
s_logged_port (const sim_fed_t *self, long from)
{
    static const char mark [] = "listening on tcp://127.0.0.1:";
    char path [S_PATH_MAX], line [4096];
    snprintf (path, sizeof path, "%s/logs/coordinator.log", self->dir);
    FILE *f = fopen (path, "r");
    if (f && fseek (f, from, SEEK_SET)) {
        fclose (f);
        f = NULL;
    }
    int port = 0;
    while (f && !port && fgets (line, sizeof line, f)) {
        const char *at = strstr (line, mark);
        port = at? atoi (at + sizeof mark - 1): 0;
    }
    if (f)
        fclose (f);
    return port > 0 && port < 65536? port: 0;
}

int
sim_fed_start_coordinator (sim_fed_t *self, int port)
{
    if (self->coordinator > 0)
        return util_error (UTIL_EFAIL, "the coordinator is already running");
    //  The log is read from its end of now: an earlier run's line is not
    //  this run's port.
    long from = s_log_size (self);
    char path [S_PATH_MAX];
    snprintf (path, sizeof path, "%s/coordinator.cfg", self->dir);
    self->coordinator = s_spawn (self, "coordinator", path, "coordinator");
    if (self->coordinator < 0)
        return -1;
    double until = s_now () + S_LISTEN_WAIT_S;
    while (true) {
        int bound = port? (s_listening (port)? port: 0): s_logged_port (self, from);
        if (bound && (port || s_listening (bound)))
            return bound;
        if (s_exited (&self->coordinator, "the coordinator", self->dir, "coordinator"))
            return -1;
        if (s_now () > until)
            return port
                 ? util_error (UTIL_EFAIL, "the coordinator does not listen on 127.0.0.1:%d "
                               "after %.0f s (see %s/logs/coordinator.log)", port,
                               S_LISTEN_WAIT_S, self->dir)
                 : util_error (UTIL_EFAIL, "the coordinator has not logged the port it "
                               "listens on after %.0f s (see %s/logs/coordinator.log)",
                               S_LISTEN_WAIT_S, self->dir);
        s_sleep_ms (20);
    }
}

//  How many lines of the coordinator's log hold `text`.
static size_t
s_count_logged (const sim_fed_t *self, const char *text)
{
    char path [S_PATH_MAX], line [4096];
    snprintf (path, sizeof path, "%s/logs/coordinator.log", self->dir);
    FILE *f = fopen (path, "r");
    size_t n = 0;
    while (f && fgets (line, sizeof line, f))
        n += strstr (line, text) != NULL;
    if (f)
        fclose (f);
    return n;
}

//  The coordinator logs "site <name> (share <i>) connected" when it accepts
//  the site's hello; the analyst API has no query for that.
static void
s_joined_text (const sim_fed_t *self, size_t i, char *text, size_t size)
{
    snprintf (text, size, "site %s (share %zu) connected", self->names [i], i + 1);
}

//  Starts site i; *before gets how often its join was logged already (by
//  an earlier run of the same site).
static int
s_spawn_site (sim_fed_t *self, size_t i, size_t *before)
{
    if (i >= self->n_sites)
        return util_error (UTIL_EINPUT, "no site %zu (%zu sites)", i, self->n_sites);
    if (self->pids [i] > 0)
        return util_error (UTIL_EFAIL, "site %s is already running", self->names [i]);
    char path [S_PATH_MAX], text [200];
    s_joined_text (self, i, text, sizeof text);
    *before = s_count_logged (self, text);
    snprintf (path, sizeof path, "%s/sites/%s.cfg", self->dir, self->names [i]);
    self->pids [i] = s_spawn (self, "site", path, self->names [i]);
    return self->pids [i] < 0? -1: 0;
}

//  Waits until site i's join is logged once more than `before`.
static int
s_wait_joined (sim_fed_t *self, size_t i, size_t before, double until, double wait_s)
{
    char text [200];
    s_joined_text (self, i, text, sizeof text);
    while (s_count_logged (self, text) <= before) {
        if (s_exited (&self->coordinator, "the coordinator", self->dir, "coordinator")
        ||  s_exited (&self->pids [i], self->names [i], self->dir, self->names [i]))
            return -1;
        if (s_now () > until)
            return util_error (UTIL_EFAIL, "site %s did not join the coordinator within %.0f s "
                               "(see %s/logs/)", self->names [i], wait_s, self->dir);
        s_sleep_ms (20);
    }
    return 0;
}

int
sim_fed_start_site (sim_fed_t *self, size_t i)
{
    size_t before;
    if (s_spawn_site (self, i, &before))
        return -1;
    return s_wait_joined (self, i, before, s_now () + S_JOIN_WAIT_S, S_JOIN_WAIT_S);
}

//  Sends `sig` to one process and waits up to `wait_s` for it; true if it
//  has gone (then *pid is -1).
static bool
s_stop (pid_t *pid, int sig, double wait_s)
{
    if (*pid <= 0)
        return true;
    kill (*pid, sig);
    double until = s_now () + wait_s;
    while (true) {
        pid_t r = waitpid (*pid, NULL, WNOHANG);
        if (r == *pid || (r < 0 && errno == ECHILD)) {
            *pid = -1;
            return true;
        }
        if (s_now () > until)
            return false;
        s_sleep_ms (10);
    }
}

//  The pid slot of the coordinator or site `which`; NULL for no such site.
static pid_t *
s_pid (sim_fed_t *self, size_t which)
{
    return which == SIM_FED_COORDINATOR? &self->coordinator
         : which < self->n_sites? &self->pids [which]: NULL;
}

bool
sim_fed_running (sim_fed_t *self, size_t which)
{
    pid_t *pid = s_pid (self, which);
    if (!pid || *pid <= 0)
        return false;
    pid_t r = waitpid (*pid, NULL, WNOHANG);
    if (r == 0)
        return true;
    *pid = -1;
    return false;
}

int
sim_fed_signal (sim_fed_t *self, size_t which, int sig)
{
    pid_t *pid = s_pid (self, which);
    if (!pid || *pid <= 0 || kill (*pid, sig))
        return util_error (UTIL_EINPUT, "no such process to signal");
    return 0;
}

int
sim_fed_terminate (sim_fed_t *self, size_t which, double wait_s, int *code)
{
    pid_t *pid = s_pid (self, which);
    if (!pid || *pid <= 0)
        return util_error (UTIL_EINPUT, "no such process to stop");
    kill (*pid, SIGTERM);
    double until = s_now () + wait_s;
    while (s_now () <= until) {
        int status = 0;
        pid_t r = waitpid (*pid, &status, WNOHANG);
        if (r == *pid) {
            *pid = -1;
            *code = WIFEXITED (status)? WEXITSTATUS (status)
                  : 128 + (WIFSIGNALED (status)? WTERMSIG (status): 0);
            return 0;
        }
        s_sleep_ms (10);
    }
    s_stop (pid, SIGKILL, S_STOP_WAIT_S);
    return util_error (UTIL_EFAIL, "did not stop within %.0f s of SIGTERM: killed", wait_s);
}

int
sim_fed_kill (sim_fed_t *self, size_t which, bool hard)
{
    pid_t *pid = s_pid (self, which);
    if (!pid || s_stop (pid, hard? SIGKILL: SIGTERM, S_STOP_WAIT_S))
        return 0;
    //  It ignored SIGTERM for S_STOP_WAIT_S: killed, and said, since what it
    //  would have printed on its way out (a sanitizer's report) is lost.
    s_stop (pid, SIGKILL, S_STOP_WAIT_S);
    const char *name = which == SIM_FED_COORDINATOR? "the coordinator": self->names [which];
    return util_error (UTIL_EFAIL, "%s did not stop within %.0f s of SIGTERM: killed", name,
                       S_STOP_WAIT_S);
}

sim_fed_t *
sim_fed_start (const char *dir, int port, char *const *sites, size_t n_sites)
{
    sim_fed_t *self = sim_fed_new (dir, sites, n_sites);
    if (!self || sim_fed_start_coordinator (self, port) < 0)
        goto fail;
    //  Sites start together, then each is waited for: a study is offered to
    //  the sites connected when it is launched.
    size_t *before = util_calloc (n_sites, sizeof *before);
    if (!before)
        goto fail;
    for (size_t i = 0; i < n_sites; i++)
        if (s_spawn_site (self, i, &before [i])) {
            free (before);
            goto fail;
        }
    double wait_s = S_JOIN_WAIT_S + S_JOIN_WAIT_PER_SITE_S * (double) n_sites;
    double until = s_now () + wait_s;
    for (size_t i = 0; i < n_sites; i++)
        if (s_wait_joined (self, i, before [i], until, wait_s)) {
            free (before);
            goto fail;
        }
    free (before);
    return self;
fail:
    ;
    //  The reason survives stopping the processes.
    util_error_saved_t why;
    util_error_save (&why);
    sim_fed_stop (&self);
    util_error_restore (&why);
    return NULL;
}

typedef struct {
    sim_fed_t *fed;
    FILE *progress;
    bool line;                  //  a progress line is open
} s_follow_t;

//  Each status: the coordinator must still run; print the progress line.
static int
s_on_status (const json_t *status, void *arg)
{
    s_follow_t *f = arg;
    if (s_exited (&f->fed->coordinator, "the coordinator", f->fed->dir, "coordinator"))
        return -1;
    if (!f->progress)
        return 0;
    if (!status) {
        fprintf (f->progress, "%s  (the coordinator is busy; still waiting)\n",
                 f->line? "\n": "");
        f->line = false;
        return 0;
    }
    const char *state = json_string_value (json_object_get (status, "status"));
    fprintf (f->progress, "\r  %s: step %lld/%lld, epsilon spent %.3f   ", state? state: "?",
             (long long) json_integer_value (json_object_get (status, "step")),
             (long long) json_integer_value (json_object_get (status, "steps")),
             json_number_value (json_object_get (status, "epsilon_spent")));
    f->line = true;
    return 0;
}

int
sim_fed_run (sim_fed_t *self, const char *study_text, double timeout_s, FILE *progress,
             json_t **report)
{
    *report = NULL;
    char path [S_PATH_MAX];
    snprintf (path, sizeof path, "%s/analyst.cfg", self->dir);
    coord_client_t *client = coord_client_new (path);
    if (!client)
        return util_error_context ("analyst");
    char *id = NULL;
    json_t *final = NULL;
    s_follow_t follow = { self, progress, false };
    int rc = -1;
    if (coord_client_launch (client, study_text, &id)) {
        util_error_context ("launch");
        goto done;
    }
    int followed = coord_client_follow (client, id, timeout_s, s_on_status, &follow, &final);
    if (follow.line)
        fputc ('\n', progress);
    if (followed) {
        util_error_context ("(see %s/logs/)", self->dir);
        goto done;
    }
    if (coord_client_report (client, id, report)) {
        util_error_context ("report of study %s", id);
        goto done;
    }
    rc = 0;
done:
    json_decref (final);
    free (id);
    coord_client_destroy (&client);
    return rc;
}

double
sim_fed_coordinator_rss_mb (const sim_fed_t *self)
{
    if (!self || self->coordinator <= 0)
        return -1;
    char path [64], line [256];
    snprintf (path, sizeof path, "/proc/%ld/status", (long) self->coordinator);
    FILE *f = fopen (path, "r");
    if (!f)
        return -1;
    double mb = -1;
    while (fgets (line, sizeof line, f)) {
        long kb;
        if (sscanf (line, "VmHWM: %ld kB", &kb) == 1) {
            mb = (double) kb / 1024.0;
            break;
        }
    }
    fclose (f);
    return mb;
}

double
sim_fed_coordinator_cpu_s (const sim_fed_t *self)
{
    if (!self || self->coordinator <= 0)
        return -1;
    char path [64], text [1024];
    snprintf (path, sizeof path, "/proc/%ld/stat", (long) self->coordinator);
    FILE *f = fopen (path, "r");
    if (!f)
        return -1;
    size_t len = fread (text, 1, sizeof text - 1, f);
    fclose (f);
    text [len] = 0;
    //  proc(5): after "pid (comm) " come state and fields 4..; utime and
    //  stime are fields 14 and 15, in clock ticks. comm may hold spaces:
    //  the fields start after its last ')'.
    const char *p = strrchr (text, ')');
    unsigned long long utime, stime;
    if (!p || sscanf (p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                      &utime, &stime) != 2)
        return -1;
    long hz = sysconf (_SC_CLK_TCK);
    return hz > 0? (double) (utime + stime) / (double) hz: -1;
}

static int
s_cmp_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

int
sim_fed_status_ms (sim_fed_t *self, const char *study_id, unsigned n, double *p50_ms,
                   double *max_ms)
{
    if (n < 1 || n > SIM_STATUS_PROBES_MAX)
        return util_error (UTIL_EINPUT, "status probes: %u, need 1..%d", n,
                           SIM_STATUS_PROBES_MAX);
    char path [S_PATH_MAX];
    snprintf (path, sizeof path, "%s/analyst.cfg", self->dir);
    double *ms = util_calloc (n, sizeof *ms);
    coord_client_t *client = ms? coord_client_new (path): NULL;
    int rc = client? 0: util_error_context ("analyst");
    for (unsigned i = 0; rc == 0 && i < n; i++) {
        json_t *status = NULL;
        double t0 = s_now ();
        if (coord_client_status (client, study_id, &status))
            rc = util_error_context ("status request %u", i + 1);
        ms [i] = (s_now () - t0) * 1e3;
        json_decref (status);
    }
    if (rc == 0) {
        qsort (ms, n, sizeof *ms, s_cmp_double);
        *p50_ms = n % 2? ms [n / 2]: (ms [n / 2 - 1] + ms [n / 2]) / 2;
        *max_ms = ms [n - 1];
    }
    coord_client_destroy (&client);
    free (ms);
    return rc;
}

int
sim_fed_metric (int port, const char *name, double *value)
{
    enum { ANSWER_MAX = 1 << 20 };
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port) };
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    int fd = port > 0 && port < 65536? socket (AF_INET, SOCK_STREAM, 0): -1;
    char *text = util_malloc (ANSWER_MAX + 1);
    int rc = fd >= 0 && text? 0: util_error (UTIL_EIO, "metrics: no socket or memory");
    if (!rc && connect (fd, (struct sockaddr *) &a, sizeof a))
        rc = util_error (UTIL_EIO, "metrics: cannot connect to 127.0.0.1:%d: %s", port,
                         strerror (errno));
    const char request [] = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (!rc && write (fd, request, sizeof request - 1) != (ssize_t) (sizeof request - 1))
        rc = util_error (UTIL_EIO, "metrics: cannot send the request");
    size_t len = 0;
    ssize_t got;
    //  HTTP/1.0: the server closes the connection after its answer.
    while (!rc && len < ANSWER_MAX && (got = read (fd, text + len, ANSWER_MAX - len)) > 0)
        len += (size_t) got;
    if (!rc && len == ANSWER_MAX)
        rc = util_error (UTIL_ELIMIT, "metrics: an answer over %d bytes", ANSWER_MAX);
    const char *line = NULL;
    if (!rc) {
        text [len] = 0;
        size_t n = strlen (name);
        for (const char *p = text; p && *p; p = strchr (p, '\n'), p = p? p + 1: NULL)
            if (!strncmp (p, name, n) && p [n] == ' ') {
                line = p + n + 1;
                break;
            }
        if (!line)
            rc = util_error (UTIL_EINPUT, "metrics: no line '%s' on 127.0.0.1:%d", name, port);
    }
    if (!rc) {
        char *end;
        *value = strtod (line, &end);
        if (end == line)
            rc = util_error (UTIL_EINPUT, "metrics: '%s' has no number", name);
    }
    if (fd >= 0)
        close (fd);
    free (text);
    return rc;
}

int
sim_fed_stop (sim_fed_t **self_p)
{
    if (!self_p || !*self_p)
        return 0;
    sim_fed_t *self = *self_p;
    //  Everyone gets SIGTERM at once, then each is waited for (SIGKILL after
    //  S_STOP_WAIT_S).
    for (size_t i = 0; self->pids && i < self->n_sites; i++)
        if (self->pids [i] > 0)
            kill (self->pids [i], SIGTERM);
    if (self->coordinator > 0)
        kill (self->coordinator, SIGTERM);
    int rc = 0;
    for (size_t i = 0; self->pids && i < self->n_sites; i++)
        rc |= sim_fed_kill (self, i, false);
    rc |= sim_fed_kill (self, SIM_FED_COORDINATOR, false);
    if (self->names)
        for (size_t i = 0; i < self->n_sites; i++)
            free (self->names [i]);
    free (self->names);
    free (self->pids);
    free (self->dir);
    free (self);
    *self_p = NULL;
    return rc? -1: 0;
}
