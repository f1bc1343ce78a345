/*  cli/localfed.c - a consortium of local processes (coordinator + sites)
    driven through the analyst client. */
#include "localfed.h"
#include "cli.h"
#include "coordinator/client.h"
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
#define S_STOP_WAIT_S     5.0
#define S_JOIN_WAIT_S     30.0
#define S_TEXT_MAX 160
#define S_POLL_MS         100

struct _cli_fed_t {
    char *dir;
    int port;
    pid_t coordinator;
    pid_t *sites;
    char **names;
    size_t n_sites;
    coord_client_t *client;
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
cli_fed_free_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        cli_error ("cannot create a socket: %s", strerror (errno));
        return -1;
    }
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0 };
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = -1;
    if (bind (fd, (struct sockaddr *) &addr, sizeof addr) == 0
    &&  getsockname (fd, (struct sockaddr *) &addr, &len) == 0)
        port = ntohs (addr.sin_port);
    else
        cli_error ("cannot find a free port on 127.0.0.1: %s", strerror (errno));
    close (fd);
    return port;
}

//  Starts `cohort <role> --config <cfg>` with output to DIR/logs/<log>.log.
static pid_t
s_spawn (const cli_fed_t *self, const char *role, const char *cfg, const char *log)
{
    char logpath [4096];
    snprintf (logpath, sizeof logpath, "%s/logs/%s.log", self->dir, log);
    const char *bin = getenv ("COHORT_BIN");
    if (!bin || !*bin)
        bin = "/proc/self/exe";
    pid_t parent = getpid ();
    fflush (NULL);
    pid_t pid = fork ();
    if (pid < 0) {
        cli_error ("cannot start %s: %s", log, strerror (errno));
        return -1;
    }
    if (pid == 0) {
        //  The child dies with its parent, however the parent ends.
        prctl (PR_SET_PDEATHSIG, SIGTERM);
        if (getppid () != parent)
            _exit (127);
        int out = open (logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
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

//  True if `pid` has exited (and reaps it, reporting how).
static bool
s_exited (pid_t pid, const char *what, const char *dir, const char *log)
{
    int status;
    pid_t r = waitpid (pid, &status, WNOHANG);
    if (r == 0)
        return false;
    if (r == pid) {
        if (WIFEXITED (status))
            cli_error ("%s exited with status %d (see %s/logs/%s.log)", what,
                       WEXITSTATUS (status), dir, log);
        else
            cli_error ("%s was killed by signal %d (see %s/logs/%s.log)", what,
                       WIFSIGNALED (status)? WTERMSIG (status): 0, dir, log);
    }
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

//  Checks every process; returns -1 (with a message) if one has exited.
static int
s_check_alive (cli_fed_t *self)
{
    if (s_exited (self->coordinator, "the coordinator", self->dir, "coordinator")) {
        self->coordinator = -1;
        return -1;
    }
    return 0;
}

//  True once the coordinator's log holds `text`. The coordinator logs
//  "site <name> (share <i>) connected" when a site's hello is accepted;
//  the client API has no query for connected sites, so the log is it.
static bool
s_logged (const cli_fed_t *self, const char *text)
{
    char path [4096];
    snprintf (path, sizeof path, "%s/logs/coordinator.log", self->dir);
    FILE *f = fopen (path, "r");
    if (!f)
        return false;
    char line [1024];
    bool found = false;
    while (!found && fgets (line, sizeof line, f))
        found = strstr (line, text) != NULL;
    fclose (f);
    return found;
}

cli_fed_t *
cli_fed_start (const char *dir, int port, char *const *sites, size_t n_sites)
{
    cli_fed_t *self = calloc (1, sizeof *self);
    if (!self || !(self->dir = strdup (dir))
    ||  !(self->sites = calloc (n_sites? n_sites: 1, sizeof *self->sites))
    ||  !(self->names = calloc (n_sites + 1, sizeof *self->names))) {
        cli_error ("out of memory");
        cli_fed_stop (&self);
        return NULL;
    }
    self->port = port;
    self->coordinator = -1;
    for (size_t i = 0; i < n_sites; i++)
        self->sites [i] = -1;
    self->n_sites = n_sites;
    for (size_t i = 0; i < n_sites; i++)
        if (!(self->names [i] = strdup (sites [i]))) {
            cli_error ("out of memory");
            cli_fed_stop (&self);
            return NULL;
        }
    char path [4096];
    snprintf (path, sizeof path, "%s/logs", dir);
    if (mkdir (path, 0700) && errno != EEXIST) {
        cli_error ("cannot create %s: %s", path, strerror (errno));
        cli_fed_stop (&self);
        return NULL;
    }
    snprintf (path, sizeof path, "%s/coordinator.cfg", dir);
    self->coordinator = s_spawn (self, "coordinator", path, "coordinator");
    if (self->coordinator < 0) {
        cli_fed_stop (&self);
        return NULL;
    }
    double until = s_now () + S_LISTEN_WAIT_S;
    while (!s_listening (port)) {
        if (s_exited (self->coordinator, "the coordinator", dir, "coordinator")) {
            self->coordinator = -1;
            cli_fed_stop (&self);
            return NULL;
        }
        if (s_now () > until) {
            cli_error ("the coordinator does not listen on 127.0.0.1:%d after %.0f s "
                       "(see %s/logs/coordinator.log)", port, S_LISTEN_WAIT_S, dir);
            cli_fed_stop (&self);
            return NULL;
        }
        s_sleep_ms (20);
    }
    for (size_t i = 0; i < n_sites; i++) {
        snprintf (path, sizeof path, "%s/sites/%s.cfg", dir, sites [i]);
        self->sites [i] = s_spawn (self, "site", path, sites [i]);
        if (self->sites [i] < 0) {
            cli_fed_stop (&self);
            return NULL;
        }
    }
    //  A study is offered to the sites connected when it is launched.
    until = s_now () + S_JOIN_WAIT_S;
    for (size_t i = 0; i < n_sites; i++) {
        char text [S_TEXT_MAX];
        snprintf (text, sizeof text, "site %s (share %zu) connected", sites [i], i + 1);
        while (!s_logged (self, text)) {
            if (s_check_alive (self)) {
                cli_fed_stop (&self);
                return NULL;
            }
            if (s_exited (self->sites [i], sites [i], dir, sites [i])) {
                self->sites [i] = -1;
                cli_fed_stop (&self);
                return NULL;
            }
            if (s_now () > until) {
                cli_error ("site %s did not join the coordinator within %.0f s (see %s/logs/)",
                           sites [i], S_JOIN_WAIT_S, dir);
                cli_fed_stop (&self);
                return NULL;
            }
            s_sleep_ms (20);
        }
    }
    return self;
}

int
cli_fed_run (cli_fed_t *self, const char *study_text, double timeout_s, bool progress,
             json_t **report)
{
    *report = NULL;
    char path [4096];
    if (!self->client) {
        snprintf (path, sizeof path, "%s/analyst.cfg", self->dir);
        self->client = coord_client_new (path);
        if (!self->client) {
            cli_error ("analyst: %s", util_last_error ());
            return -1;
        }
    }
    char *id = NULL;
    if (coord_client_launch (self->client, study_text, &id)) {
        cli_error ("launch: %s", util_last_error ());
        return -1;
    }
    double until = s_now () + timeout_s;
    int rc = -1;
    bool line = false, busy = false;
    while (true) {
        if (s_check_alive (self))
            goto done;
        json_t *status = NULL;
        if (coord_client_status (self->client, id, &status)) {
            //  The launch was answered, so the coordinator knows this
            //  analyst: a status that times out means it is busy (it
            //  answers between rounds). Keep asking until the deadline.
            if (s_now () > until) {
                cli_error ("status of study %s: %s", id, util_last_error ());
                goto done;
            }
            if (!busy)
                fprintf (stderr, "%s  (the coordinator is busy: %s; still waiting)\n",
                         line? "\n": "", util_last_error ());
            busy = true;
            line = false;
            //  The late answer to the request that timed out would be
            //  taken for the answer to the next one: start a new client.
            coord_client_destroy (&self->client);
            snprintf (path, sizeof path, "%s/analyst.cfg", self->dir);
            self->client = coord_client_new (path);
            if (!self->client) {
                cli_error ("analyst: %s", util_last_error ());
                goto done;
            }
            continue;
        }
        const char *state = json_string_value (json_object_get (status, "status"));
        bool over = state && (strcmp (state, "completed") == 0 || strcmp (state, "failed") == 0);
        if (progress) {
            json_t *step = json_object_get (status, "step");
            json_t *steps = json_object_get (status, "steps");
            json_t *eps = json_object_get (status, "epsilon_spent");
            fprintf (stderr, "\r  %s: step %lld/%lld, epsilon spent %.3f   ",
                     state? state: "?", (long long) json_integer_value (step),
                     (long long) json_integer_value (steps), json_number_value (eps));
            line = true;
        }
        json_decref (status);
        if (over)
            break;
        if (s_now () > until) {
            cli_error ("study %s did not finish within %.0f s (see %s/logs/)", id, timeout_s,
                       self->dir);
            goto done;
        }
        s_sleep_ms (S_POLL_MS);
    }
    if (line) {
        fputc ('\n', stderr);
        line = false;
    }
    if (coord_client_report (self->client, id, report)) {
        cli_error ("report of study %s: %s", id, util_last_error ());
        goto done;
    }
    rc = 0;
done:
    if (line)
        fputc ('\n', stderr);
    free (id);
    return rc;
}

double
cli_fed_coordinator_rss_mb (const cli_fed_t *self)
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

//  Sends `sig` to every live process.
static void
s_signal (cli_fed_t *self, int sig)
{
    for (size_t i = 0; i < self->n_sites; i++)
        if (self->sites [i] > 0)
            kill (self->sites [i], sig);
    if (self->coordinator > 0)
        kill (self->coordinator, sig);
}

//  Reaps what has exited; true when nothing is left.
static bool
s_reap (cli_fed_t *self)
{
    bool all = true;
    for (size_t i = 0; i <= self->n_sites; i++) {
        pid_t *pid = i < self->n_sites? &self->sites [i]: &self->coordinator;
        if (*pid <= 0)
            continue;
        pid_t r = waitpid (*pid, NULL, WNOHANG);
        if (r == *pid || (r < 0 && errno == ECHILD))
            *pid = -1;
        else
            all = false;
    }
    return all;
}

void
cli_fed_stop (cli_fed_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cli_fed_t *self = *self_p;
    coord_client_destroy (&self->client);
    if (self->sites) {
        s_signal (self, SIGTERM);
        double until = s_now () + S_STOP_WAIT_S;
        while (!s_reap (self) && s_now () < until)
            s_sleep_ms (20);
        if (!s_reap (self)) {
            s_signal (self, SIGKILL);
            for (size_t i = 0; i <= self->n_sites; i++) {
                pid_t pid = i < self->n_sites? self->sites [i]: self->coordinator;
                if (pid > 0)
                    waitpid (pid, NULL, 0);
            }
        }
    }
    if (self->names)
        for (size_t i = 0; i < self->n_sites; i++)
            free (self->names [i]);
    free (self->names);
    free (self->sites);
    free (self->dir);
    free (self);
    *self_p = NULL;
}
