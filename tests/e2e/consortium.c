/*  tests/e2e/consortium.c - set-up and process control for e2e tests. */
#include "consortium.h"
#include "sim/admin.h"
#include "sim/consortium.h"
#include "util/error.h"

#include <czmq.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
e2e_path (e2e_t *c, const char *rel)
{
    static char buf [4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf (buf [k], sizeof buf [k], "%s/%s", c->dir, rel);
    return buf [k];
}

//  A CURVE certificate certs/NAME (and NAME_secret), allowlisted when
//  `allowed`, and the identity's signing key keys/NAME.sign and role
//  certificate certs/NAME.role (role, share index) signed by the admin
//  key keys/admin.key (role 0: no role certificate, the coordinator's).
static int
s_cert (e2e_t *c, const char *name, bool allowed, proto_role_t role, unsigned index)
{
    zcert_t *cert = zcert_new ();
    char path [512], pub [512];
    snprintf (path, sizeof path, "%s/certs/%s", c->dir, name);
    int rc = zcert_save (cert, path);
    if (allowed) {
        snprintf (path, sizeof path, "%s/certs/allowed/%s.pub", c->dir, name);
        rc |= zcert_save_public (cert, path);
    }
    if (role == 0) {
        zcert_destroy (&cert);
        return rc;
    }
    audit_signer_t *admin = audit_signer_load (e2e_path (c, "keys/admin.key"));
    snprintf (path, sizeof path, "%s/keys/%s.sign", c->dir, name);
    snprintf (pub, sizeof pub, "%s/keys/%s.sign.pub", c->dir, name);
    audit_signer_t *signer = admin? sim_admin_keypair (name, path, pub, false): NULL;
    audit_verifier_t *verifier = signer? audit_verifier_load (pub): NULL;
    snprintf (path, sizeof path, "%s/certs/%s.role", c->dir, name);
    sim_grant_t g = { role, name, index, zcert_public_txt (cert), verifier, 1, path, false };
    if (!verifier || sim_admin_grant (admin, &g, NULL)) {
        fprintf (stderr, "e2e: role certificate of %s: %s\n", name, util_last_error ());
        rc = -1;
    }
    audit_verifier_destroy (&verifier);
    audit_signer_destroy (&signer);
    audit_signer_destroy (&admin);
    zcert_destroy (&cert);
    return rc;
}

//  Splits the breast-cancer rows: a fixed 70/30 split (every row whose
//  index mod 10 is 0, 3 or 7 is a test row), then training rows to sites
//  either round-robin or by label skew (site 0 gets most positives).
static int
s_split (e2e_t *c, bool label_skew)
{
    char src [512];
    snprintf (src, sizeof src, "%s/datasets/breast_cancer_wisconsin.csv", c->source);
    FILE *in = fopen (src, "r");
    if (!in)
        return -1;
    char line [8192], header [8192];
    if (!fgets (header, sizeof header, in)) {
        fclose (in);
        return -1;
    }
    FILE *train [E2E_SITES_MAX] = { NULL }, *test [E2E_SITES_MAX] = { NULL };
    bool opened = true;
    for (unsigned i = 0; i < c->sites; i++) {
        char p [512];
        snprintf (p, sizeof p, "%s/data/%s.csv", c->dir, c->names [i]);
        train [i] = fopen (p, "w");
        snprintf (p, sizeof p, "%s/data/%s-test.csv", c->dir, c->names [i]);
        test [i] = fopen (p, "w");
        opened = opened && train [i] && test [i];
    }
    FILE *all_train = fopen (e2e_path (c, "data/pooled.csv"), "w");
    FILE *all_test = fopen (e2e_path (c, "data/pooled-test.csv"), "w");
    if (!opened || !all_train || !all_test) {
        fprintf (stderr, "e2e: cannot create the split files in %s/data\n", c->dir);
        for (unsigned i = 0; i < c->sites; i++) {
            if (train [i])
                fclose (train [i]);
            if (test [i])
                fclose (test [i]);
        }
        if (all_train)
            fclose (all_train);
        if (all_test)
            fclose (all_test);
        fclose (in);
        return -1;
    }
    for (unsigned i = 0; i < c->sites; i++) {
        fputs (header, train [i]);
        fputs (header, test [i]);
    }
    fputs (header, all_train);
    fputs (header, all_test);
    unsigned row = 0, k = 0, pos = 0, neg = 0;
    while (fgets (line, sizeof line, in)) {
        size_t len = strlen (line);
        while (len && (line [len - 1] == '\n' || line [len - 1] == '\r'))
            len--;
        bool positive = len && line [len - 1] == '1';
        unsigned m = row++ % 10;
        if (m == 0 || m == 3 || m == 7) {
            fputs (line, test [k % c->sites]);
            fputs (line, all_test);
            k++;
            continue;
        }
        unsigned site;
        if (label_skew && c->sites > 1) {
            //  Positives: 70% to site 0; negatives: 70% spread over the others.
            unsigned r = positive? pos++: neg++;
            if (positive)
                site = r % 10 < 7? 0: 1 + r % (c->sites - 1);
            else
                site = r % 10 < 3? 0: 1 + r % (c->sites - 1);
        }
        else
            site = (pos + neg) % c->sites, pos++;
        fputs (line, train [site]);
        fputs (line, all_train);
    }
    fclose (in);
    fclose (all_train);
    fclose (all_test);
    for (unsigned i = 0; i < c->sites; i++) {
        fclose (train [i]);
        fclose (test [i]);
    }
    return 0;
}

//  The lung data as a second dataset of every site (rows dealt round-robin
//  into data/<site>-lung.csv, all of them in data/pooled-lung.csv), and the
//  consortium's dictionary: the breast cancer and lung dictionaries in one
//  file (DIR/dictionary.csv; their column names differ).
static int
s_lung (e2e_t *c)
{
    char src [512], line [4096];
    snprintf (src, sizeof src, "%s/datasets/lung.csv", c->source);
    FILE *in = fopen (src, "r"), *out [E2E_SITES_MAX] = { NULL };
    FILE *all = fopen (e2e_path (c, "data/pooled-lung.csv"), "w");
    int rc = in && all && fgets (line, sizeof line, in)? 0: -1;
    if (rc == 0)
        fputs (line, all);
    for (unsigned i = 0; rc == 0 && i < c->sites; i++) {
        char rel [64];
        snprintf (rel, sizeof rel, "data/%s-lung.csv", c->names [i]);
        if (!(out [i] = fopen (e2e_path (c, rel), "w")))
            rc = -1;
        else
            fputs (line, out [i]);
    }
    for (unsigned row = 0; rc == 0 && fgets (line, sizeof line, in); row++) {
        fputs (line, out [row % c->sites]);
        fputs (line, all);
    }
    for (unsigned i = 0; i < c->sites; i++)
        if (out [i] && fclose (out [i]))
            rc = -1;
    if (in)
        fclose (in);
    if (all && fclose (all))
        rc = -1;
    //  The dictionary: breast cancer's, then lung's without its header.
    FILE *dict = rc? NULL: fopen (e2e_path (c, "dictionary.csv"), "w");
    const char *parts [] = { "breast_cancer_wisconsin_dictionary.csv", "lung_dictionary.csv" };
    for (int k = 0; dict && k < 2; k++) {
        snprintf (src, sizeof src, "%s/datasets/%s", c->source, parts [k]);
        FILE *f = fopen (src, "r");
        if (!f) {
            rc = -1;
            break;
        }
        for (unsigned n = 0; fgets (line, sizeof line, f); n++)
            if (k == 0 || n > 0)
                fputs (line, dict);
        fclose (f);
    }
    if (!dict || fclose (dict))
        rc = -1;
    if (rc)
        fprintf (stderr, "e2e: cannot split the lung data or write the dictionary in %s\n", c->dir);
    return rc;
}

int
e2e_write_site (e2e_t *c, unsigned i)
{
    char rel [64];
    snprintf (rel, sizeof rel, "sites/%s.cfg", c->names [i]);
    FILE *f = fopen (e2e_path (c, rel), "w");
    if (!f || !c->port)
        return -1;
    fprintf (f, "site\n"
                "    name = %s\n"
                "    index = %u\n"
                "    coordinator = tcp://127.0.0.1:%u\n"
                "    coordinator_cert = ../certs/coordinator\n"
                "    cert = ../certs/%s_secret\n"
                "    role_cert = ../certs/%s.role\n"
                "    sign_key = ../keys/%s.sign\n"
                "    admin_key = ../keys/admin.pub\n"
                "    share = ../keys/share-%u.key\n"
                "    public_key = ../keys/paillier.pub\n"
                "    ledger = %s.ledger.db\n"
                "    allow_privacy_off = true\n"
                "    min_subset = %lu\n"
                "    budget\n"
                "        epsilon = %g\n"
                "        delta = 1e-5\n"
                //  breast_cancer stays last: tests append keys to its section.
                "    dataset\n"
                "        name = lung\n"
                "        path = ../data/%s-lung.csv\n"
                "    dataset\n"
                "        name = breast_cancer\n"
                "        path = ../data/%s.csv\n"
                "        test_path = ../data/%s-test.csv\n",
             c->names [i], i + 1, c->port, c->names [i], c->names [i], c->names [i], i + 1,
             c->names [i], c->min_subset [i],
             c->budget [i],
             c->names [i], c->names [i], c->names [i]);

    return fclose (f);
}

int
e2e_write_study (e2e_t *c, const char *extra, const char *optimizer, double lr,
                 unsigned steps, double q, double epsilon, bool off, unsigned min_sites,
                 unsigned eval_every)
{
    FILE *f = fopen (e2e_path (c, "study.cfg"), "w");
    if (!f)
        return -1;
    fprintf (f, "study\n"
                "    name = e2e-lr\n"
                "    dataset = breast_cancer\n"
                "    label = malignant\n"
                "    model = logistic\n"
                "    optimizer = %s\n"
                "    learning_rate = %g\n"
                "    steps = %u\n"
                "    sampling_rate = %g\n"
                "    clip = 1\n"
                "    min_sites = %u\n"
                "    eval_every = %u\n"
                "%s"
                "    privacy\n"
                "        epsilon = %g\n"
                "        delta = 1e-5\n"
                "        off = %s\n",
             optimizer, lr, steps, q, min_sites, eval_every, extra? extra: "", epsilon,
             off? "true": "false");
    return fclose (f);
}

int
e2e_setup (e2e_t *c, const char *cohort, const char *source, unsigned sites,
           unsigned threshold, unsigned bits, unsigned timeout_ms, bool label_skew)
{
    memset (c, 0, sizeof *c);
    c->cohort = cohort;
    c->source = source;
    c->sites = sites;
    c->threshold = threshold;
    c->bits = bits;
    c->timeout_ms = timeout_ms;
    snprintf (c->dir, sizeof c->dir, "/tmp/cohort-e2e-XXXXXX");
    if (!mkdtemp (c->dir))
        return -1;
    const char *dirs [] = { "certs", "certs/allowed", "keys", "data", "sites", "logs" };
    for (int i = 0; i < 6; i++)
        if (zsys_dir_create ("%s/%s", c->dir, dirs [i]))
            return -1;
    if (sim_keys_write (e2e_path (c, "keys"), "", sites, threshold, bits, false)) {
        fprintf (stderr, "e2e: keygen: %s\n", util_last_error ());
        return -1;
    }
    //  The consortium admin (its key named after the consortium, "e2e"), an
    //  empty revocation list, and a role certificate for every identity.
    audit_signer_t *admin = sim_admin_keypair ("e2e", e2e_path (c, "keys/admin.key"),
                                               e2e_path (c, "keys/admin.pub"), false);
    int rc = admin? sim_admin_revocations_init (admin, e2e_path (c, "revocations.note"), false): -1;
    audit_signer_destroy (&admin);
    if (rc) {
        fprintf (stderr, "e2e: admin key: %s\n", util_last_error ());
        return -1;
    }
    if (s_cert (c, "coordinator", false, 0, 0)
    ||  s_cert (c, "analyst", true, PROTO_ROLE_ANALYST, 0)
    ||  s_cert (c, "observer", true, PROTO_ROLE_OBSERVER, 0)
    ||  s_cert (c, "stranger", false, PROTO_ROLE_ANALYST, 0))
        return -1;
    for (unsigned i = 0; i < sites; i++) {
        snprintf (c->names [i], sizeof c->names [i], "site-%c", 'a' + i);
        c->budget [i] = 100;
        if (s_cert (c, c->names [i], true, PROTO_ROLE_SITE, i + 1))
            return -1;
    }
    if (s_split (c, label_skew) || s_lung (c))
        return -1;
    //  The launcher runs the built binary, not this test program.
    setenv ("COHORT_BIN", cohort, 1);
    char *names [E2E_SITES_MAX + 1] = { NULL };
    for (unsigned i = 0; i < sites; i++)
        names [i] = c->names [i];
    if (!(c->fed = sim_fed_new (c->dir, names, sites))) {
        fprintf (stderr, "e2e: %s\n", util_last_error ());
        return -1;
    }
    c->allow_privacy_off = true;
    return e2e_write_coordinator (c);
}

int
e2e_write_coordinator (e2e_t *c)
{
    //  The coordinator binds an ephemeral port; site and analyst configs
    //  are written once it is known (e2e_start_coordinator).
    FILE *f = fopen (e2e_path (c, "coordinator.cfg"), "w");
    if (!f)
        return -1;
    fprintf (f, "coordinator\n"
                "    name = e2e\n"
                "    endpoint = tcp://127.0.0.1:*\n"
                "    cert = certs/coordinator_secret\n"
                "    allowlist = certs/allowed\n"
                "    journal = coordinator.db\n"
                "    public_key = keys/paillier.pub\n"
                "    verify_key = keys/verify.key\n"
                "    admin_key = keys/admin.pub\n"
                "    revocations = revocations.note\n"
                "    round_timeout_ms = %u\n"
                "    dictionary = dictionary.csv\n"
                "    allow_privacy_off = %s\n", c->timeout_ms,
             c->allow_privacy_off? "true": "false");
    if (c->liveness_ms)
        fprintf (f, "    liveness_timeout_ms = %u\n", c->liveness_ms);
    if (c->per_analyst)
        fprintf (f, "    max_running_per_analyst = %u\n", c->per_analyst);
    return fclose (f);
}

static int
s_write_analysts (e2e_t *c)
{
    const char *who [] = { "analyst", "stranger", "observer" };
    for (int i = 0; i < 3; i++) {
        char rel [64];
        snprintf (rel, sizeof rel, "%s.cfg", who [i]);
        FILE *f = fopen (e2e_path (c, rel), "w");
        if (!f)
            return -1;
        fprintf (f, "analyst\n"
                    "    coordinator = tcp://127.0.0.1:%u\n"
                    "    coordinator_cert = certs/coordinator\n"
                    "    cert = certs/%s_secret\n"
                    "    role_cert = certs/%s.role\n"
                    "    sign_key = keys/%s.sign\n"
                    "    timeout_ms = %d\n", c->port, who [i], who [i], who [i],
                    i == 1? 2000: 20000);
        if (fclose (f))
            return -1;
    }
    for (unsigned i = 0; i < c->sites; i++)
        if (e2e_write_site (c, i))
            return -1;
    return 0;
}

int
e2e_start_coordinator (e2e_t *c)
{
    int port = sim_fed_start_coordinator (c->fed, 0);
    if (port < 0)
        return -1;
    c->port = (unsigned) port;
    return s_write_analysts (c);
}

int
e2e_start_all (e2e_t *c)
{
    E2E_CHECK (e2e_start_coordinator (c) == 0, "coordinator did not start: %s",
               util_last_error ());
    for (unsigned i = 0; i < c->sites; i++)
        if (!c->skip [i] && !sim_fed_running (c->fed, i))
            E2E_CHECK (e2e_start_site (c, i) == 0, "site %s did not connect: %s", c->names [i],
                       util_last_error ());
    return 0;
}

int
e2e_start_site (e2e_t *c, unsigned i)
{
    return sim_fed_start_site (c->fed, i);
}

bool
e2e_wait_log (e2e_t *c, const char *log, const char *text, int timeout_ms)
{
    return sim_fed_logged (c->fed, log, text, timeout_ms / 1000.0);
}

int
e2e_kill_site (e2e_t *c, unsigned i, bool hard)
{
    return sim_fed_kill (c->fed, i, hard);
}

//  "==PID==ERROR: AddressSanitizer: ..." (or LeakSanitizer), UBSan
//  "file:line:col: runtime error: ...".
static const char *s_sanitizer_marks [] = {
    "ERROR: AddressSanitizer", "ERROR: LeakSanitizer", ": runtime error: ", NULL
};

//  Copies the sanitizer report in logs/<name>, if there is one, to stderr
//  (from its first line, at most 100 lines). True if there is one.
static bool
s_sanitizer_report (e2e_t *c, const char *name)
{
    char path [sizeof c->dir + 300];
    snprintf (path, sizeof path, "%s/logs/%s", c->dir, name);
    FILE *f = fopen (path, "r");
    if (!f)
        return false;
    char line [4096];
    int shown = -1;                 //  lines of the report copied; -1 before it
    while (shown < 100 && fgets (line, sizeof line, f)) {
        for (int k = 0; shown < 0 && s_sanitizer_marks [k]; k++)
            if (strstr (line, s_sanitizer_marks [k])) {
                fprintf (stderr, "e2e FAIL: a sanitizer report in logs/%s:\n", name);
                shown = 0;
            }
        if (shown >= 0) {
            fputs (line, stderr);
            shown++;
        }
    }
    fclose (f);
    return shown >= 0;
}

int
e2e_teardown (e2e_t *c, bool keep)
{
    //  Every process stops and is reaped: the logs are complete, leak
    //  reports included, unless one had to be killed.
    int rc = 0;
    if (sim_fed_stop (&c->fed)) {
        fprintf (stderr, "e2e FAIL: %s\n", util_last_error ());
        rc = -1;
    }
    DIR *logs = opendir (e2e_path (c, "logs"));
    struct dirent *entry;
    while (logs && (entry = readdir (logs)))
        if (entry->d_name [0] != '.' && s_sanitizer_report (c, entry->d_name))
            rc = -1;
    if (logs)
        closedir (logs);
    if (keep || rc) {
        fprintf (stderr, "e2e: kept %s for inspection\n", c->dir);
        return rc;
    }
    char cmd [300];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", c->dir);
    if (system (cmd))
        fprintf (stderr, "e2e: could not remove %s\n", c->dir);
    return rc;
}

int
e2e_spawn_argv (e2e_t *c, char *const *argv, const char *log)
{
    char logpath [512];
    snprintf (logpath, sizeof logpath, "%s/logs/%s.log", c->dir, log);
    pid_t parent = getpid ();
    fflush (NULL);
    pid_t pid = fork ();
    if (pid == 0) {
        prctl (PR_SET_PDEATHSIG, SIGTERM);
        if (getppid () != parent)
            _exit (127);
        int out = open (logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (out < 0 || dup2 (out, 1) < 0 || dup2 (out, 2) < 0)
            _exit (127);
        execv (c->cohort, argv);
        _exit (127);
    }
    return pid < 0? -1: (int) pid;
}

int
e2e_spawn (e2e_t *c, const char *role, const char *cfg, const char *log)
{
    char path [512];
    snprintf (path, sizeof path, "%s/%s", c->dir, cfg);
    char *argv [] = { "cohort", (char *) role, "--config", path, NULL };
    return e2e_spawn_argv (c, argv, log);
}

char *
e2e_read (const char *path)
{
    FILE *f = fopen (path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc (1, 1 << 20);
    size_t n = buf? fread (buf, 1, (1 << 20) - 1, f): 0;
    fclose (f);
    if (buf)
        buf [n] = 0;
    return buf;
}
