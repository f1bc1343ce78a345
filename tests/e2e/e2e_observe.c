/*  tests/e2e/e2e_observe.c - observability with real processes on
    loopback (issue 15): the coordinator and one site serve metrics and log
    in JSON; a small DP study runs; /metrics is fetched over HTTP with a
    plain socket. Usage: e2e_observe SCENARIO COHORT_BINARY SOURCE_DIR
    Scenarios:
      metrics   the counters moved (rounds completed > 0, sites connected
                == 3, the site's rounds contributed > 0 and epsilon spent
                > 0), every line of both texts is Prometheus' format, any
                other path is 404 and POST is 405; every line of the two
                processes' logs is one JSON object with ts, level,
                component and msg
    Exit 0 on success; on failure (or with E2E_KEEP set) the consortium
    directory is kept.
*/
#include "consortium.h"
#include "coordinator/client.h"
#include "util/error.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <czmq.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHECK E2E_CHECK

static e2e_t s_c;

//  A port nothing listens on now (the kernel's pick for port 0).
static unsigned
s_free_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    unsigned port = 0;
    if (fd >= 0 && bind (fd, (struct sockaddr *) &a, sizeof a) == 0
    &&  getsockname (fd, (struct sockaddr *) &a, &len) == 0)
        port = ntohs (a.sin_port);
    if (fd >= 0)
        close (fd);
    return port;
}

//  One HTTP/1.0 request to 127.0.0.1:port; the whole answer (the caller
//  frees), or NULL.
static char *
s_http (unsigned port, const char *method, const char *path)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return NULL;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) port) };
    a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    struct timeval tv = { 10, 0 };
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char request [256];
    int n = snprintf (request, sizeof request, "%s %s HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
                      method, path);
    if (connect (fd, (struct sockaddr *) &a, sizeof a) || write (fd, request, (size_t) n) != n) {
        close (fd);
        return NULL;
    }
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc (cap);
    ssize_t got;
    while (buf && len < cap - 1 && (got = read (fd, buf + len, cap - 1 - len)) > 0)
        len += (size_t) got;
    close (fd);
    if (buf)
        buf [len] = 0;
    return buf;
}

//  The body of a 200 answer to GET /metrics (the caller frees), or NULL.
static char *
s_scrape (unsigned port)
{
    char *answer = s_http (port, "GET", "/metrics");
    char *body = answer? strstr (answer, "\r\n\r\n"): NULL;
    char *text = body && strstr (answer, " 200 OK\r\n")
              && strstr (answer, "Content-Type: text/plain; version=0.0.4")? strdup (body + 4)
                                                                          : NULL;
    free (answer);
    return text;
}

//  The value of the sample whose name and labels are exactly `series`
//  ("name{a=\"x\"}"), or -1 when there is none.
static double
s_value (const char *text, const char *series)
{
    size_t len = strlen (series);
    for (const char *line = text; line && *line; line = strchr (line, '\n'), line = line? line + 1: NULL)
        if (!strncmp (line, series, len) && line [len] == ' ')
            return strtod (line + len + 1, NULL);
    return -1;
}

//  Prometheus' text format 0.0.4, line by line: "# HELP name text",
//  "# TYPE name counter|gauge|histogram|summary|untyped", or a sample
//  "name{label="value",...} number". NULL if every line is one, else the
//  first line that is not (static copy).
static const char *
s_bad_line (const char *text)
{
    static char bad [256];
    const char *line = text;
    while (*line) {
        const char *end = strchr (line, '\n');
        if (!end)
            end = line + strlen (line);
        size_t len = (size_t) (end - line);
        snprintf (bad, sizeof bad, "%.*s", (int) (len < 200? len: 200), line);
        const char *p = line;
        bool ok = true;
        if (*p == '#') {
            ok = !strncmp (p, "# HELP ", 7) || !strncmp (p, "# TYPE ", 7);
            if (ok && !strncmp (p, "# TYPE ", 7)) {
                const char *type = memchr (p + 7, ' ', len - 7);
                ok = type && (!strncmp (type, " counter\n", 9) || !strncmp (type, " gauge\n", 7)
                          ||  !strncmp (type, " histogram\n", 11));
            }
        }
        else {
            //  The metric name.
            ok = isalpha ((unsigned char) *p) || *p == '_' || *p == ':';
            while (ok && p < end && (isalnum ((unsigned char) *p) || *p == '_' || *p == ':'))
                p++;
            if (ok && *p == '{') {
                p++;
                while (ok && *p != '}') {
                    ok = isalpha ((unsigned char) *p) || *p == '_';
                    while (ok && p < end && (isalnum ((unsigned char) *p) || *p == '_'))
                        p++;
                    ok = ok && p [0] == '=' && p [1] == '"';
                    p += ok? 2: 0;
                    while (ok && p < end && *p != '"') {
                        if (*p == '\\') {
                            ok = p [1] == '\\' || p [1] == '"' || p [1] == 'n';
                            p++;
                        }
                        p++;
                    }
                    ok = ok && *p == '"';
                    p++;
                    if (ok && *p == ',')
                        p++;
                    ok = ok && p < end;
                }
                p++;
            }
            ok = ok && *p == ' ';
            if (ok) {
                char *num_end;
                p++;
                if (!strncmp (p, "+Inf", 4) || !strncmp (p, "-Inf", 4))
                    num_end = (char *) p + 4;
                else
                if (!strncmp (p, "NaN", 3))
                    num_end = (char *) p + 3;
                else
                    strtod (p, &num_end);
                ok = num_end > p && num_end == end;
            }
        }
        if (!ok)
            return bad;
        line = *end? end + 1: end;
    }
    return NULL;
}

//  Every line of logs/<name>.log is one JSON object with exactly ts, level,
//  component (`component`) and msg; *lines gets how many.
static int
s_json_log (e2e_t *c, const char *name, const char *component, int *lines)
{
    char rel [64];
    snprintf (rel, sizeof rel, "logs/%s.log", name);
    FILE *f = fopen (e2e_path (c, rel), "r");
    CHECK (f, "cannot read %s", rel);
    char line [8192];
    *lines = 0;
    int rc = 0;
    while (rc == 0 && fgets (line, sizeof line, f)) {
        (*lines)++;
        json_error_t err;
        json_t *obj = json_loads (line, JSON_REJECT_DUPLICATES, &err);
        const char *comp = json_string_value (json_object_get (obj, "component"));
        const char *ts = json_string_value (json_object_get (obj, "ts"));
        if (!obj || json_object_size (obj) != 4 || !comp || strcmp (comp, component) || !ts
        ||  strlen (ts) != 24 || !json_is_string (json_object_get (obj, "level"))
        ||  !json_is_string (json_object_get (obj, "msg"))) {
            fprintf (stderr, "e2e FAIL: %s line %d is not a JSON log object (%s): %s", rel,
                     *lines, obj? "keys": err.text, line);
            rc = -1;
        }
        json_decref (obj);
    }
    fclose (f);
    return rc;
}

static int
s_append (e2e_t *c, const char *rel, const char *text)
{
    FILE *f = fopen (e2e_path (c, rel), "a");
    if (!f)
        return -1;
    fputs (text, f);
    return fclose (f);
}

static int
s_metrics (e2e_t *c)
{
    unsigned coord_port = s_free_port (), site_port = s_free_port ();
    CHECK (coord_port && site_port && coord_port != site_port, "no free ports");
    char lines [256];
    //  The coordinator's section is the file's last: appended keys are in it.
    snprintf (lines, sizeof lines, "    metrics = 127.0.0.1:%u\n    log_format = json\n",
              coord_port);
    CHECK (s_append (c, "coordinator.cfg", lines) == 0, "coordinator.cfg");
    CHECK (e2e_start_coordinator (c) == 0, "coordinator did not start: %s", util_last_error ());
    //  site-a's config exists once the coordinator's port is known; keys
    //  at four spaces go to its site section (after the dataset sections).
    snprintf (lines, sizeof lines, "    metrics = 127.0.0.1:%u\n    log_format = json\n",
              site_port);
    CHECK (s_append (c, "sites/site-a.cfg", lines) == 0, "site-a.cfg");
    for (unsigned i = 0; i < c->sites; i++)
        CHECK (e2e_start_site (c, i) == 0, "site %s did not connect: %s", c->names [i],
               util_last_error ());

    //  Before any study: three sites connected, nothing contributed.
    char *text = s_scrape (coord_port);
    CHECK (text, "no answer from the coordinator's /metrics on port %u", coord_port);
    CHECK (s_value (text, "cohort_coordinator_sites_connected") == 3, "sites connected %g",
           s_value (text, "cohort_coordinator_sites_connected"));
    free (text);

    //  A small DP study: stats, 3 train rounds, 1 eval.
    CHECK (e2e_write_study (c, NULL, "adam", 0.1, 3, 1, 20, false, 2, 3) == 0, "study.cfg");
    coord_client_t *client = coord_client_new (e2e_path (c, "analyst.cfg"));
    CHECK (client, "analyst: %s", util_last_error ());
    FILE *f = fopen (e2e_path (c, "study.cfg"), "r");
    CHECK (f, "study.cfg");
    char study [4096];
    size_t n = fread (study, 1, sizeof study - 1, f);
    fclose (f);
    study [n] = 0;
    char *id = NULL;
    CHECK (coord_client_launch (client, study, &id) == 0, "launch: %s", util_last_error ());
    int64_t end = zclock_mono () + 150000;
    char state [32] = "running";
    while (!strcmp (state, "running") && zclock_mono () < end) {
        zclock_sleep (200);
        json_t *status = NULL;
        CHECK (coord_client_status (client, id, &status) == 0, "status: %s", util_last_error ());
        snprintf (state, sizeof state, "%s", json_string_value (json_object_get (status, "status")));
        json_decref (status);
    }
    free (id);
    coord_client_destroy (&client);
    CHECK (!strcmp (state, "completed"), "study %s", state);

    text = s_scrape (coord_port);
    CHECK (text, "no answer from the coordinator's /metrics");
    const char *bad = s_bad_line (text);
    CHECK (!bad, "coordinator: not Prometheus' text format: '%s'", bad);
    double train = s_value (text, "cohort_coordinator_rounds_total{kind=\"train\",result=\"completed\"}");
    double stats = s_value (text, "cohort_coordinator_rounds_total{kind=\"stats\",result=\"completed\"}");
    double seconds = s_value (text, "cohort_coordinator_round_duration_seconds_count{kind=\"train\"}");
    double done = s_value (text, "cohort_coordinator_studies_finished_total{kind=\"study\",status=\"completed\"}");
    double up = s_value (text, "cohort_coordinator_sites_connected");
    fprintf (stderr, "e2e: coordinator: %g train and %g stats rounds completed, %g timed, "
             "%g studies completed, %g sites connected\n", train, stats, seconds, done, up);
    CHECK (train == 3 && seconds == 3, "train rounds %g, timed %g", train, seconds);
    CHECK (stats > 0, "stats rounds %g", stats);
    CHECK (done == 1, "studies completed %g", done);
    CHECK (up == 3, "sites connected %g", up);
    CHECK (s_value (text, "cohort_coordinator_studies_launched_total{kind=\"study\"}") == 1,
           "studies launched");
    CHECK (s_value (text, "cohort_metrics_dropped_total") == 0, "dropped updates");
    free (text);

    //  The site's: its contributions at once; epsilon spent once a hello
    //  after the last charge has read the ledger (at most ~2 s).
    double contributed = -1, spent = -1;
    end = zclock_mono () + 10000;
    do {
        text = s_scrape (site_port);
        CHECK (text, "no answer from site-a's /metrics on port %u", site_port);
        bad = s_bad_line (text);
        CHECK (!bad, "site-a: not Prometheus' text format: '%s'", bad);
        contributed = s_value (text, "cohort_site_rounds_contributed_total{kind=\"train\"}");
        spent = s_value (text, "cohort_site_budget_epsilon_spent{dataset=\"breast_cancer\"}");
        CHECK (s_value (text, "cohort_site_offers_accepted_total{kind=\"study\"}") == 1,
               "offers accepted");
        CHECK (s_value (text, "cohort_site_budget_epsilon{dataset=\"breast_cancer\"}") == 100,
               "budget");
        //  No exact count of the data's records in any series.
        CHECK (!strstr (text, "records"), "a record count in the site's metrics");
        free (text);
        if (spent > 0)
            break;
        zclock_sleep (250);
    } while (zclock_mono () < end);
    fprintf (stderr, "e2e: site-a: %g train rounds contributed, epsilon spent %g\n",
             contributed, spent);
    CHECK (contributed == 3, "site rounds contributed %g", contributed);
    CHECK (spent > 0 && spent <= 20, "epsilon spent %g", spent);

    //  Only GET /metrics.
    char *answer = s_http (coord_port, "GET", "/");
    CHECK (answer && strstr (answer, " 404 Not Found\r\n"), "GET / not 404");
    free (answer);
    answer = s_http (site_port, "POST", "/metrics");
    CHECK (answer && strstr (answer, " 405 Method Not Allowed\r\n")
           && strstr (answer, "Allow: GET\r\n"), "POST /metrics not 405");
    free (answer);

    //  Structured logs: every line of both processes' logs.
    int coord_lines, site_lines;
    if (s_json_log (c, "coordinator", "coordinator", &coord_lines)
    ||  s_json_log (c, "site-a", "site", &site_lines))
        return -1;
    fprintf (stderr, "e2e: %d coordinator and %d site-a log lines, each a JSON object\n",
             coord_lines, site_lines);
    CHECK (coord_lines >= 5 && site_lines >= 3, "too few log lines");
    CHECK (e2e_wait_log (c, "coordinator", "\"msg\":\"coordinator: metrics on "
                         "http://127.0.0.1:", 100), "the listener's line");
    return 0;
}

int
main (int argc, char **argv)
{
    if (argc != 4) {
        fprintf (stderr, "usage: e2e_observe SCENARIO COHORT_BINARY SOURCE_DIR\n");
        return 2;
    }
    if (strcmp (argv [1], "metrics")) {
        fprintf (stderr, "e2e_observe: unknown scenario '%s'\n", argv [1]);
        return 2;
    }
    if (e2e_setup (&s_c, argv [2], argv [3], 3, 2, 512, 30000, false)) {
        fprintf (stderr, "e2e: setup failed\n");
        return 1;
    }
    int rc = s_metrics (&s_c);
    if (e2e_teardown (&s_c, rc != 0 || getenv ("E2E_KEEP")))
        rc = -1;
    fprintf (stderr, "e2e_observe %s: %s\n", argv [1], rc? "FAIL": "ok");
    return rc? 1: 0;
}
