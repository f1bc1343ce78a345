/*  tests/e2e/e2e_ingest.c - authenticated ingest over real processes: a
    `cohort site` with an ingest section, devices enrolled with
    `cohort ingest enroll-device --site-config`, and `cohort device-sim`
    gateways. The site's answers must match the injected faults exactly;
    a gateway that is not allowlisted gets no answer; the audit log holds
    the rejections and verifies.

    usage: e2e_ingest SCENARIO COHORT SOURCE_DIR
           (scenario: stream, consent, kill)

    consent: a dataset with a patient_column at a site with signed grants;
    a study trains on exactly the consenting patients' rows (a revocation
    honoured) and a study nobody consented to is declined with the reason;
    `cohort ingest contributions` then shows a patient the study that used
    their rows and the grant, a later revocation of that grant, and no use
    for a patient who had revoked before or never consented.

    kill: nothing acknowledged is lost. A `cohort device-sim` streams
    (bad tags among the readings, so the audit log is written too) with
    --acked-log, and the site is killed with SIGKILL at a random moment
    after its first answer, 20 times, each time restarted and streamed to
    by a new device-sim. Each device-sim exits 1 saying what was not
    acknowledged. At the end every record in the acked log is in the
    site's store (read with SQLite, read-only), the store passes
    integrity_check, and `cohort audit verify` passes. The delays come
    from a seed that is printed (E2E_SEED=N repeats a run).
*/
#include "consortium.h"
#include "util/error.h"

#include <czmq.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(cond, ...) do { if (!(cond)) { fprintf (stderr, "e2e: FAILED: " __VA_ARGS__); \
                                             fputc ('\n', stderr); return -1; } } while (0)

static e2e_t s_c;

//  Runs the cohort binary with `args` from the consortium directory;
//  stdout (and stderr) into out. Returns the exit status.
static int
s_cohort (char *out, size_t cap, const char *args)
{
    char cmd [2048];
    snprintf (cmd, sizeof cmd, "cd '%s' && '%s' %s 2>&1", s_c.dir, s_c.cohort, args);
    FILE *p = popen (cmd, "r");
    if (!p)
        return -1;
    size_t n = fread (out, 1, cap - 1, p);
    out [n] = 0;
    int status = pclose (p);
    return WIFEXITED (status)? WEXITSTATUS (status): -1;
}

static int
s_setup_ingest (void)
{
    static char out [8192];
    CHECK (s_cohort (out, sizeof out, "ingest storage-keygen --out keys/storage.key") == 0,
           "storage-keygen: %s", out);
    CHECK (zsys_dir_create ("%s/certs/gateways", s_c.dir) == 0
        && zsys_dir_create ("%s/prov", s_c.dir) == 0, "mkdir");
    const char *names [] = { "gw-1", "gw-stranger" };
    for (int i = 0; i < 2; i++) {
        zcert_t *cert = zcert_new ();
        char path [512];
        snprintf (path, sizeof path, "%s/certs/%s", s_c.dir, names [i]);
        CHECK (zcert_save (cert, path) == 0, "cert");
        snprintf (path, sizeof path, "%s/certs/gateways/%s.pub", s_c.dir, names [i]);
        if (i == 0)
            CHECK (zcert_save_public (cert, path) == 0, "cert");
        zcert_destroy (&cert);
    }
    //  The site binds a port of its choosing and logs it (s_ingest_port):
    //  a port probed free here could be taken before the site binds it.
    FILE *f = fopen (e2e_path (&s_c, "sites/site-a.cfg"), "a");
    CHECK (f, "site config");
    fprintf (f, "    ingest\n"
                "        endpoint = tcp://127.0.0.1:*\n"
                "        gateways = ../certs/gateways\n"
                "        store = site-a.ingest.db\n"
                "        storage_key = ../keys/storage.key\n"
                "        audit = site-a.audit.db\n"
                "        audit_origin = e2e.example/site-a\n");
    fclose (f);
    for (int i = 1; i <= 4; i++) {
        char args [512];
        snprintf (args, sizeof args, "ingest enroll-device --site-config sites/site-a.cfg "
                  "--device-id bed-%d --patient Patient/p-%d --provision-dir prov", i, i);
        CHECK (s_cohort (out, sizeof out, args) == 0, "enroll-device: %s", out);
    }
    //  bed-4 is revoked: its frames are refused (revoked_device).
    CHECK (s_cohort (out, sizeof out, "ingest revoke-device --store sites/site-a.ingest.db "
                     "--storage-key keys/storage.key --device-id bed-4") == 0,
           "revoke-device: %s", out);
    return 0;
}

#define S_PORT_MARK "ingest: gateways at tcp://127.0.0.1:"

//  The lines of the site's log with the ingest endpoint's port, and the
//  port of the last one (0: none).
static int
s_ports_logged (unsigned *port)
{
    FILE *f = fopen (e2e_path (&s_c, "logs/site-a.log"), "r");
    int n = 0;
    char line [1024];
    *port = 0;
    while (f && fgets (line, sizeof line, f)) {
        const char *at = strstr (line, S_PORT_MARK);
        if (at) {
            *port = (unsigned) atoi (at + strlen (S_PORT_MARK));
            n++;
        }
    }
    if (f)
        fclose (f);
    return n;
}

//  The port the running site's ingest endpoint bound, from its last log
//  line "ingest: gateways at tcp://127.0.0.1:PORT (allowlist ...)" (the
//  log is appended to: a restarted site's line comes last).
static int
s_ingest_port (unsigned *port)
{
    CHECK (e2e_wait_log (&s_c, "site-a", S_PORT_MARK, 10000), "no ingest endpoint");
    s_ports_logged (port);
    CHECK (*port > 0, "no ingest endpoint port in the site log");
    return 0;
}

static json_t *
s_sim (unsigned port, const char *gateway, const char *extra, int *status)
{
    static char out [65536];
    char args [1024];
    snprintf (args, sizeof args, "device-sim --gateway-cert certs/%s_secret "
              "--site tcp://127.0.0.1:%u --site-cert certs/site-a --provision-dir prov %s",
              gateway, port, extra);
    *status = s_cohort (out, sizeof out, args);
    json_error_t err;
    json_t *j = json_loads (out, 0, &err);
    if (!j)
        fprintf (stderr, "e2e: device-sim printed: %s\n", out);
    return j;
}

static long
s_answer (json_t *j, const char *reason)
{
    return (long) json_integer_value (json_object_get (json_object_get (j, "answers"), reason));
}

static int
s_stream (void)
{
    unsigned port;
    //  The coordinator writes the site configs once its port is known;
    //  the ingest section is added to them before the site starts.
    CHECK (e2e_start_coordinator (&s_c) == 0, "the coordinator did not start");
    CHECK (s_setup_ingest () == 0, "ingest set-up");
    CHECK (e2e_start_site (&s_c, 0) == 0, "the site did not start");
    if (s_ingest_port (&port))
        return -1;
    //  3 devices x 50 readings/s x 2 s = 300 readings, with faults injected.
    int status;
    json_t *j = s_sim (port, "gw-1", "--devices 3 --rate 50 --duration 2 --inject-replays 7 "
                       "--inject-bad-tags 5 --inject-bad-fhir 4 --batch 16 --json", &status);
    CHECK (j && status == 0, "device-sim failed (%d)", status);
    long readings = (long) json_integer_value (json_object_get (j, "readings"));
    CHECK (readings == 300, "readings %ld", readings);
    CHECK (s_answer (j, "accepted") == 300, "accepted %ld", s_answer (j, "accepted"));
    CHECK (s_answer (j, "replay") == 7, "replay %ld", s_answer (j, "replay"));
    CHECK (s_answer (j, "bad_tag") == 5, "bad_tag %ld", s_answer (j, "bad_tag"));
    CHECK (s_answer (j, "bad_fhir") == 4, "bad_fhir %ld", s_answer (j, "bad_fhir"));
    const char *others [] = { "unknown_device", "revoked_device", "malformed_frame",
                              "unit_mismatch", "subject_mismatch", "too_large",
                              "not_committed" };
    for (int i = 0; i < 7; i++)
        CHECK (s_answer (j, others [i]) == 0, "%s %ld", others [i], s_answer (j, others [i]));
    json_decref (j);
    //  A second run with the same devices: fresh sequence numbers, all
    //  accepted; the revoked fourth device is refused.
    j = s_sim (port, "gw-1", "--devices 4 --rate 20 --duration 1 --json", &status);
    CHECK (j && status == 0, "second device-sim failed (%d)", status);
    CHECK (s_answer (j, "accepted") == 60 && s_answer (j, "revoked_device") == 20,
           "second run: accepted %ld, revoked %ld", s_answer (j, "accepted"),
           s_answer (j, "revoked_device"));
    json_decref (j);
    //  A gateway whose certificate is not allowlisted gets no answer.
    j = s_sim (port, "gw-stranger", "--devices 1 --rate 10 --duration 0.5 --timeout-ms 1500 "
               "--json", &status);
    CHECK (!j && status == 1, "the stranger gateway was answered (%d)", status);
    //  The site logs its counts when it stops; the audit log verifies and
    //  holds the 4 enrollments, 36 rejections, and one alert: the revoked
    //  device's 20 refused frames within a second are a spike
    //  (ingest/alerts.h, 20 within 60 s by default).
    CHECK (e2e_kill_site (&s_c, 0, false) == 0, "%s", util_last_error ());
    CHECK (e2e_wait_log (&s_c, "site-a", "ingest: accepted 360, bad_tag 5, replay 7", 5000),
           "the site's counts");
    static char out [8192];
    CHECK (s_cohort (out, sizeof out, "audit verify --log sites/site-a.audit.db") == 0,
           "audit verify: %s", out);
    CHECK (strstr (out, "41 entries"), "audit entries: %s", out);
    CHECK (s_cohort (out, sizeof out, "audit alerts --log sites/site-a.audit.db") == 0,
           "audit alerts: %s", out);
    CHECK (strstr (out, "alert.ingest_rejects") && strstr (out, "device:bed-4")
        && strstr (out, "\"revoked_device\":20") && !strstr (out, "device:bed-1"),
           "the revoked device's alert: %s", out);
    return 0;
}

//  The site's `start`-th start (counting from 1): waits up to 30 s for its
//  port line and sets *port.
static int
s_nth_port (int start, unsigned *port)
{
    for (int waited = 0; s_ports_logged (port) < start; waited += 20) {
        CHECK (waited < 30000, "the site's start %d logged no ingest endpoint", start);
        zclock_sleep (20);
    }
    CHECK (*port > 0, "no ingest endpoint port in the site log");
    return 0;
}

//  Starts `cohort device-sim` streaming to the site at `port` as gw-1, for
//  longer than any cycle lasts, appending to acked.log; its output goes to
//  logs/device-sim.log. Returns its pid, or -1.
static pid_t
s_sim_start (unsigned port, int cycle)
{
    char site [64], seed [16], cert [512], scert [512], prov [512], acked [512];
    snprintf (site, sizeof site, "tcp://127.0.0.1:%u", port);
    snprintf (seed, sizeof seed, "%d", cycle + 1);
    snprintf (cert, sizeof cert, "%s/certs/gw-1_secret", s_c.dir);
    snprintf (scert, sizeof scert, "%s/certs/site-a", s_c.dir);
    snprintf (prov, sizeof prov, "%s/prov", s_c.dir);
    snprintf (acked, sizeof acked, "%s/acked.log", s_c.dir);
    //  3 devices x 300 readings/s; 3000 bad tags spread over the 54,000
    //  readings of 60 s: a rejection (an audit entry) every 18 readings.
    char *argv [] = { "cohort", "device-sim", "--gateway-cert", cert, "--site", site,
                      "--site-cert", scert, "--provision-dir", prov, "--devices", "3",
                      "--rate", "300", "--duration", "60", "--inject-bad-tags", "3000",
                      "--batch", "16", "--window", "8", "--timeout-ms", "500",
                      "--seed", seed, "--acked-log", acked, NULL };
    return e2e_spawn_argv (&s_c, argv, "device-sim");
}

//  The size of a file (0 if it does not exist).
static long
s_size (const char *path)
{
    struct stat st;
    return stat (path, &st)? 0: (long) st.st_size;
}

//  Waits up to 30 s for child `pid` (a device-sim, a site) to exit; its
//  exit status, or -1 (then it was killed).
static int
s_wait_exit (pid_t pid)
{
    int status = 0;
    for (int waited = 0; waitpid (pid, &status, WNOHANG) == 0; waited += 10) {
        if (waited > 30000) {
            kill (pid, SIGKILL);
            waitpid (pid, &status, 0);
            return -1;
        }
        zclock_sleep (10);
    }
    return WIFEXITED (status)? WEXITSTATUS (status): -1;
}

//  splitmix64 (Steele, Lea and Flood 2014): the delays of this test,
//  reproducible from the printed seed; no secret comes from it.
static uint64_t
s_next (uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

#define S_KILLS 20

//  Checks every line of the acked log against the store: each "<device>
//  <sequence>" must be a record. Sets *acked to the lines.
static int
s_acked_in_store (long *acked)
{
    char *text = e2e_read (e2e_path (&s_c, "acked.log"));
    CHECK (text, "no acked log");
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    *acked = 0;
    if (sqlite3_open_v2 (e2e_path (&s_c, "sites/site-a.ingest.db"), &db, SQLITE_OPEN_READONLY,
                         NULL) != SQLITE_OK
    ||  sqlite3_prepare_v2 (db, "SELECT count(*) FROM records WHERE device = ? AND seq = ?",
                            -1, &st, NULL) != SQLITE_OK) {
        fprintf (stderr, "e2e: FAILED: the store: %s\n", sqlite3_errmsg (db));
        goto done;
    }
    for (char *line = text, *end; *line; line = end + 1) {
        char device [80];
        unsigned long long seq;
        int used = 0;
        end = strchr (line, '\n');
        if (!end || sscanf (line, "%79[A-Za-z0-9._-] %llu%n", device, &seq, &used) != 2
        ||  line + used != end) {
            fprintf (stderr, "e2e: FAILED: acked.log line %ld is not \"<device> <sequence>\"\n",
                     *acked + 1);
            goto done;
        }
        sqlite3_reset (st);
        sqlite3_bind_text (st, 1, device, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64 (st, 2, (sqlite3_int64) seq);
        if (sqlite3_step (st) != SQLITE_ROW || sqlite3_column_int64 (st, 0) != 1) {
            fprintf (stderr, "e2e: FAILED: acknowledged record %s %llu (acked.log line %ld) is "
                     "not in the store\n", device, seq, *acked + 1);
            goto done;
        }
        ++*acked;
    }
    rc = 0;
done:
    sqlite3_finalize (st);
    sqlite3_close (db);
    free (text);
    return rc;
}

//  Nothing acknowledged is lost: S_KILLS SIGKILLs of the site while a
//  gateway streams, each at a random moment after its first answer.
static int
s_kill (void)
{
    static char out [8192];
    const char *env = getenv ("E2E_SEED");
    uint64_t seed = env? strtoull (env, NULL, 10)
                       : (uint64_t) zclock_time () ^ ((uint64_t) getpid () << 32);
    uint64_t state = seed;
    fprintf (stderr, "e2e: kill seed %llu (E2E_SEED=%llu repeats the delays)\n",
             (unsigned long long) seed, (unsigned long long) seed);
    CHECK (e2e_start_coordinator (&s_c) == 0, "the coordinator did not start");
    CHECK (s_setup_ingest () == 0, "ingest set-up");
    const char *acked = e2e_path (&s_c, "acked.log");
    char acked_path [512];
    snprintf (acked_path, sizeof acked_path, "%s", acked);
    //  The site runs outside the launcher (e2e_spawn): the launcher waits
    //  for a started site to join the coordinator, which refuses it until
    //  the killed one's liveness timeout; ingest needs no coordinator.
    for (int cycle = 0; cycle < S_KILLS; cycle++) {
        unsigned port;
        pid_t site = e2e_spawn (&s_c, "site", "sites/site-a.cfg", "site-a");
        CHECK (site > 0, "the site did not start (cycle %d)", cycle);
        if (s_nth_port (cycle + 1, &port))
            return -1;
        long before = s_size (acked_path);
        pid_t sim = s_sim_start (port, cycle);
        CHECK (sim > 0, "device-sim did not start");
        //  Killed only once this device-sim has had an acknowledgement.
        for (int waited = 0; s_size (acked_path) == before; waited += 5) {
            int status;
            CHECK (waitpid (sim, &status, WNOHANG) == 0, "device-sim of cycle %d ended before "
                   "an acknowledgement (see logs/device-sim.log)", cycle);
            CHECK (waited < 30000, "no acknowledgement in cycle %d", cycle);
            zclock_sleep (5);
        }
        int delay = 50 + (int) (s_next (&state) % 451);
        fprintf (stderr, "e2e: cycle %d: SIGKILL %d ms after the first acknowledgement\n",
                 cycle, delay);
        zclock_sleep (delay);
        CHECK (kill (site, SIGKILL) == 0 && waitpid (site, NULL, 0) == site, "SIGKILL");
        //  The gateway notices within its --timeout-ms, before the site
        //  restarts (a restarted site may bind the same port, and the
        //  gateway's connection would come back to it).
        int status = s_wait_exit (sim);
        CHECK (status == 1, "device-sim of cycle %d exited %d, not 1", cycle, status);
    }
    //  Each device-sim said what it had not got acknowledged.
    char *log = e2e_read (e2e_path (&s_c, "logs/device-sim.log"));
    int said = 0;
    for (const char *at = log; at && (at = strstr (at, "are not acknowledged")); at++)
        said++;
    free (log);
    CHECK (said == S_KILLS, "%d of %d device-sim runs said what was not acknowledged", said,
           S_KILLS);
    //  The store reopens after the last kill, and the site then stops
    //  cleanly on SIGTERM.
    pid_t site = e2e_spawn (&s_c, "site", "sites/site-a.cfg", "site-a");
    unsigned port;
    CHECK (site > 0, "the site did not restart");
    if (s_nth_port (S_KILLS + 1, &port))
        return -1;
    CHECK (kill (site, SIGTERM) == 0 && s_wait_exit (site) == 0, "the site did not stop "
           "cleanly on SIGTERM");
    long n = 0;
    if (s_acked_in_store (&n))
        return -1;
    CHECK (n > 0, "nothing was acknowledged");
    fprintf (stderr, "e2e: %ld acknowledged records, all in the store\n", n);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    bool intact = sqlite3_open_v2 (e2e_path (&s_c, "sites/site-a.ingest.db"), &db,
                                   SQLITE_OPEN_READONLY, NULL) == SQLITE_OK
               && sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK
               && sqlite3_step (st) == SQLITE_ROW
               && !strcmp ((const char *) sqlite3_column_text (st, 0), "ok");
    sqlite3_finalize (st);
    sqlite3_close (db);
    CHECK (intact, "the store fails integrity_check");
    CHECK (s_cohort (out, sizeof out, "audit verify --log sites/site-a.audit.db") == 0,
           "audit verify: %s", out);
    fprintf (stderr, "e2e: audit verify: %s", out);
    return 0;
}

//  Prepends a pid column to DIR/data/<name>: row i belongs to patient
//  p-(i mod patients). Writes the study's feature list (every column but
//  the label) into features. Returns the rows, or -1.
static long
s_add_patients (const char *name, long patients, char *features, size_t cap)
{
    char path [512], tmp [520];
    snprintf (path, sizeof path, "%s/data/%s", s_c.dir, name);
    snprintf (tmp, sizeof tmp, "%s.tmp", path);
    FILE *in = fopen (path, "r"), *out = fopen (tmp, "w");
    static char line [16384];
    long rows = -1;
    if (in && out && fgets (line, sizeof line, in)) {
        fprintf (out, "pid,%s", line);
        if (features) {
            features [0] = 0;
            size_t len = 0;
            for (char *tok = strtok (line, ",\r\n"); tok; tok = strtok (NULL, ",\r\n"))
                if (strcmp (tok, "malignant"))
                    len += (size_t) snprintf (features + len, cap - len, "%s%s",
                                              len? ",": "", tok);
        }
        rows = 0;
        while (fgets (line, sizeof line, in))
            fprintf (out, "p-%ld,%s", rows++ % patients, line);
    }
    if (in)
        fclose (in);
    if (out && fclose (out))
        rows = -1;
    if (rows >= 0 && rename (tmp, path))
        rows = -1;
    return rows;
}

//  Signs a consent of patient p-i for `actor` into consent.json.sig.
static int
s_sign_grant (int i, const char *status, const char *date, const char *actor)
{
    static char out [8192];
    char json [2048];
    snprintf (json, sizeof json,
              "{\"resourceType\":\"Consent\",\"id\":\"c-%d\",\"status\":\"%s\","
              "\"scope\":{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/"
              "consentscope\",\"code\":\"research\"}]},\"patient\":{\"reference\":"
              "\"Patient/p-%d\"},\"dateTime\":\"%s\",\"provision\":{\"type\":\"permit\","
              "\"period\":{\"start\":\"2020-01-01T00:00:00Z\",\"end\":"
              "\"2099-01-01T00:00:00Z\"},\"actor\":[{\"reference\":{\"reference\":\"%s\"}}],"
              "\"purpose\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v3-ActReason\","
              "\"code\":\"HRESCH\"}]}}", i, status, i, date, actor);
    FILE *f = fopen (e2e_path (&s_c, "consent.json"), "w");
    CHECK (f, "consent.json");
    fputs (json, f);
    fclose (f);
    unlink (e2e_path (&s_c, "consent.json.sig"));
    CHECK (s_cohort (out, sizeof out, "ingest sign-grant --key authority.key --file "
                     "consent.json --out consent.json.sig") == 0, "sign-grant: %s", out);
    return 0;
}

//  Signs and delivers a consent of patient p-i for `actor` to the store.
static int
s_grant (int i, const char *status, const char *date, const char *actor)
{
    static char out [8192];
    char args [512];
    if (s_sign_grant (i, status, date, actor))
        return -1;
    snprintf (args, sizeof args, "ingest grant --store sites/site-a.ingest.db --file "
              "consent.json.sig");
    CHECK (s_cohort (out, sizeof out, args) == 0 && strstr (out, "accepted"),
           "grant: %s", out);
    return 0;
}

//  A string member of o, or "" when there is none.
static const char *
s_str (const json_t *o, const char *key)
{
    const char *text = json_string_value (json_object_get (o, key));
    return text? text: "";
}

//  Consent in the federation: the site trains only on the rows of
//  consenting patients, and declines a study nobody consented to.
static int
s_consent (void)
{
    static char out [8192], features [8192], extra [8400];
    CHECK (e2e_start_coordinator (&s_c) == 0, "the coordinator did not start");
    long train = s_add_patients ("site-a.csv", 100, features, sizeof features);
    CHECK (train > 100 && s_add_patients ("site-a-test.csv", 100, NULL, 0) > 0, "data");
    FILE *f = fopen (e2e_path (&s_c, "sites/site-a.cfg"), "a");
    CHECK (f, "site config");
    fputs ("        patient_column = pid\n", f);
    fclose (f);
    CHECK (s_setup_ingest () == 0, "ingest set-up");
    //  Patients p-0..p-29 consent to study e2e-lr; p-0 then revokes.
    CHECK (s_cohort (out, sizeof out, "audit keygen --name consent-authority-1 --out "
                     "authority.key") == 0, "keygen: %s", out);
    CHECK (s_cohort (out, sizeof out, "ingest enroll-authority --store sites/site-a.ingest.db "
                     "--key authority.key.pub") == 0, "enroll-authority: %s", out);
    for (int i = 0; i < 30; i++)
        if (s_grant (i, "active", "2026-01-01T00:00:00Z", "ResearchStudy/e2e-lr"))
            return -1;
    if (s_grant (0, "inactive", "2026-02-01T00:00:00Z", "ResearchStudy/e2e-lr"))
        return -1;
    CHECK (e2e_start_site (&s_c, 0) == 0, "the site did not start");
    //  The key's threshold is at least 2 (he/threshold.h): site-b, without
    //  a consent filter, makes the quorum.
    CHECK (e2e_start_site (&s_c, 1) == 0, "site-b did not start");
    unsigned port;
    if (s_ingest_port (&port))
        return -1;
    //  Rows i with i mod 100 in 1..29 remain.
    long want = 0;
    for (long i = 0; i < train; i++)
        want += i % 100 >= 1 && i % 100 <= 29;
    //  The consents name the study by the id its definition declares.
    snprintf (extra, sizeof extra, "    id = e2e-lr\n    features = %s\n", features);
    CHECK (e2e_write_study (&s_c, extra, "adam", 0.1, 2, 1, 20, false, 2, 0) == 0, "study.cfg");
    CHECK (s_cohort (out, sizeof out, "study launch study.cfg --analyst analyst.cfg --wait")
           == 0, "study launch: %s", out);
    char text [128];
    snprintf (text, sizeof text, "accepted study");
    CHECK (e2e_wait_log (&s_c, "site-a", text, 5000), "the site did not accept");
    snprintf (text, sizeof text, "(e2e-lr): %ld training rows", want);
    CHECK (e2e_wait_log (&s_c, "site-a", text, 1000), "the site did not train on %ld rows",
           want);
    //  The patients' right of access: p-1's rows were used under grant
    //  c-1 (in force); p-0 had revoked before the study and p-50 never
    //  consented: no use. Once p-2 revokes, the use stays and the
    //  revocation is shown. The study's end is recorded.
    CHECK (e2e_wait_log (&s_c, "site-a", "ended:", 10000), "the study did not end at the site");
    const char *contrib = "ingest contributions --config sites/site-a.cfg --patient";
    snprintf (extra, sizeof extra, "%s p-1", contrib);
    CHECK (s_cohort (out, sizeof out, extra) == 0
        && strstr (out, "Patient/p-1: 1 use of their records at this site\n")
        && strstr (out, " \"e2e-lr\"\n    analyst analyst, dataset breast_cancer, purpose "
                        "HRESCH, for ResearchStudy/e2e-lr\n")
        && strstr (out, "under grant c-1 (granted 2026-01-01T00:00:00Z): in force\n")
        && strstr (out, "    completed "), "contributions of p-1: %s", out);
    for (int i = 0; i < 2; i++) {
        snprintf (extra, sizeof extra, "%s p-%d", contrib, i? 50: 0);
        CHECK (s_cohort (out, sizeof out, extra) == 0 && strstr (out, "no study or query used"),
               "contributions of p-%d: %s", i? 50: 0, out);
    }
    if (s_grant (2, "inactive", "2026-03-01T00:00:00Z", "ResearchStudy/e2e-lr"))
        return -1;
    snprintf (extra, sizeof extra, "%s Patient/p-2 --json", contrib);
    CHECK (s_cohort (out, sizeof out, extra) == 0, "contributions of p-2: %s", out);
    json_t *seen_p2 = json_loads (out, 0, NULL);
    json_t *use = json_array_get (json_object_get (seen_p2, "uses"), 0);
    json_t *grant = json_array_get (json_object_get (use, "grants"), 0);
    bool shown = json_array_size (json_object_get (seen_p2, "uses")) == 1
              && !strcmp (s_str (use, "kind"), "study")
              && !strcmp (s_str (use, "status"), "completed")
              && !strcmp (s_str (grant, "id"), "c-2")
              && json_is_true (json_object_get (grant, "revoked"))
              && !strcmp (s_str (grant, "revoked_at"), "2026-03-01T00:00:00Z");
    json_decref (seen_p2);
    CHECK (shown, "the revocation of p-2 is not shown: %s", out);
    //  The same data for a study nobody consented to: declined.
    char cmd [700];
    snprintf (cmd, sizeof cmd, "sed -i 's/id = e2e-lr/id = e2e-other/' '%s'",
              e2e_path (&s_c, "study.cfg"));
    CHECK (system (cmd) == 0, "sed");
    s_cohort (out, sizeof out, "study launch study.cfg --analyst analyst.cfg --wait");
    CHECK (e2e_wait_log (&s_c, "site-a", "consent: no row of dataset breast_cancer belongs to "
                         "a patient whose grant permits ResearchStudy/e2e-other", 10000),
           "the site did not decline for consent");
    //  Grants through the running site's endpoint, as gateway gw-1: a good
    //  one is accepted, one with an altered signature refused with the
    //  reason; both decisions are audited (grant.accept, grant.reject).
    if (s_sign_grant (40, "active", "2026-01-01T00:00:00Z", "ResearchStudy/e2e-remote"))
        return -1;
    char remote [512];
    snprintf (remote, sizeof remote, "ingest grant --endpoint tcp://127.0.0.1:%u --gateway-cert "
              "certs/gw-1_secret --site-cert certs/site-a --file consent.json.sig", port);
    CHECK (s_cohort (out, sizeof out, remote) == 0 && !strcmp (out, "accepted\n"),
           "grant via the endpoint: %s", out);
    //  The same again: the site already holds this version.
    CHECK (s_cohort (out, sizeof out, remote) == 1 && strstr (out, "rejected: superseded"),
           "the same grant again: %s", out);
    if (s_sign_grant (41, "active", "2026-01-01T00:00:00Z", "ResearchStudy/e2e-remote"))
        return -1;
    static char env [16384];
    f = fopen (e2e_path (&s_c, "consent.json.sig"), "r");
    CHECK (f, "consent.json.sig");
    size_t elen = fread (env, 1, sizeof env - 1, f);
    fclose (f);
    env [elen] = 0;
    char *sig = strstr (env, "\"signature\": \"");
    CHECK (sig, "no signature in the envelope");
    sig += strlen ("\"signature\": \"");
    *sig = *sig == 'A'? 'B': 'A';
    f = fopen (e2e_path (&s_c, "consent.json.sig"), "w");
    CHECK (f, "consent.json.sig");
    fwrite (env, 1, elen, f);
    fclose (f);
    CHECK (s_cohort (out, sizeof out, remote) == 1 && strstr (out, "rejected: bad_signature"),
           "a wrongly signed grant via the endpoint: %s", out);
    //  The worker audited into the endpoint's log (two handles on one
    //  file): the acceptance, each contribution, partial decryption and
    //  ledger charge, and the decline with its reason; the log verifies.
    CHECK (e2e_kill_site (&s_c, 0, false) == 0, "%s", util_last_error ());
    CHECK (s_cohort (out, sizeof out, "audit verify --log sites/site-a.audit.db") == 0,
           "audit verify: %s", out);
    long n = 0;
    CHECK (sscanf (out, "ok: %*s %ld entries", &n) == 1 && n > 0, "audit verify: %s", out);
    const char *kinds [] = { "study.accept", "round.contribution", "round.partial_decryption",
                             "budget.charge", "study.decline" };
    long seen [5] = { 0 }, grants [2] = { 0 }, recorded = 0, reads = 0;
    for (long i = 0; i < n; i++) {
        char args [128];
        snprintf (args, sizeof args, "audit prove --log sites/site-a.audit.db --index %ld", i);
        CHECK (s_cohort (out, sizeof out, args) == 0, "audit prove %ld: %s", i, out);
        json_t *j = json_loads (out, 0, NULL);
        json_t *entry = json_object_get (j, "entry");
        const char *kind = json_string_value (json_object_get (entry, "kind"));
        const char *detail = json_string_value (json_object_get (entry, "detail"));
        CHECK (kind && detail, "audit entry %ld: %s", i, out);
        for (int k = 0; k < 5; k++)
            if (!strcmp (kind, kinds [k])) {
                seen [k]++;
                CHECK (!strcmp (json_string_value (json_object_get (entry, "actor")),
                                "site:site-a"), "actor of %s", kind);
                CHECK (strstr (detail, "\"study\":\"") && !strstr (detail, "p-1"),
                       "%s detail: %s", kind, detail);
            }
        //  The use recorded once (counts only), each lookup audited without
        //  the patient in clear.
        if (!strcmp (kind, "contributions.record")) {
            recorded++;
            CHECK (strstr (detail, "\"patients\":29,") && !strstr (detail, "p-"),
                   "record detail: %s", detail);
        }
        if (!strcmp (kind, "contributions.read")) {
            reads++;
            CHECK (strstr (detail, "patient_sha256") && !strstr (detail, "p-"),
                   "read detail: %s", detail);
        }
        if (!strcmp (kind, "grant.accept") || !strcmp (kind, "grant.reject"))
            grants [kind [6] == 'r']++;
        if (!strcmp (kind, "study.decline"))
            CHECK (strstr (detail, "consent: no row"), "decline detail: %s", detail);
        if (!strcmp (kind, "budget.charge"))
            CHECK (strstr (detail, "\"epsilon\":"), "charge detail: %s", detail);
        json_decref (j);
    }
    //  Stats, 2 train and 1 eval round: each contributed, decrypted, charged;
    //  and one more charge, the acceptance's noisy record count.
    CHECK (seen [0] == 1 && seen [4] == 1, "accept %ld, decline %ld", seen [0], seen [4]);
    CHECK (grants [0] == 1 && grants [1] == 2, "endpoint grants: accept %ld, reject %ld",
           grants [0], grants [1]);
    CHECK (recorded == 1 && reads == 4, "contributions: recorded %ld, read %ld", recorded,
           reads);
    CHECK (seen [1] >= 3 && seen [2] == seen [1] && seen [3] == seen [1] + 1,
           "contributions %ld, partials %ld, charges %ld", seen [1], seen [2], seen [3]);
    return 0;
}

int
main (int argc, char **argv)
{
    if (argc != 4 || (strcmp (argv [1], "stream") && strcmp (argv [1], "consent")
                      && strcmp (argv [1], "kill"))) {
        fprintf (stderr, "usage: e2e_ingest stream|consent|kill COHORT SOURCE_DIR\n");
        return 2;
    }
    zsys_init ();
    if (e2e_setup (&s_c, argv [2], argv [3], 2, 2, 512, 20000, false)) {
        fprintf (stderr, "e2e: setup failed\n");
        (void) e2e_teardown (&s_c, true);   //  failed already; reports are printed
        return 1;
    }
    int rc = !strcmp (argv [1], "stream")? s_stream ()
           : !strcmp (argv [1], "consent")? s_consent (): s_kill ();
    if (e2e_teardown (&s_c, rc != 0 || getenv ("E2E_KEEP")))
        rc = -1;
    fprintf (stderr, "e2e ingest %s: %s\n", argv [1], rc? "FAILED": "passed");
    return rc? 1: 0;
}
