/*  site/doctor.c - `cohort site check`: files, keys, certificate, state,
    clock, coordinator and datasets, one line each. */
#include "doctor.h"
#include "check.h"
#include "config.h"
#include "he/keyfile.h"
#include "proto/curve.h"
#include "proto/rolecert.h"
#include "util/error.h"
#include "util/file.h"

#include <czmq.h>
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S_PATH_MAX 4096

typedef enum { S_OK, S_WARN, S_FAIL } s_verdict_t;

typedef struct {
    FILE *out;
    int fails;
} s_doctor_t;

static void
s_line (s_doctor_t *d, s_verdict_t v, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));

static void
s_line (s_doctor_t *d, s_verdict_t v, const char *fmt, ...)
{
    static const char *const words [] = { "ok  ", "warn", "FAIL" };
    fprintf (d->out, "%s ", words [v]);
    va_list ap;
    va_start (ap, fmt);
    vfprintf (d->out, fmt, ap);
    va_end (ap);
    fputc ('\n', d->out);
    d->fails += v == S_FAIL;
}

//  A secret file: there, a regular file, no access for group or others.
static bool
s_secret (s_doctor_t *d, const char *what, const char *path)
{
    struct stat st;
    if (stat (path, &st)) {
        s_line (d, S_FAIL, "%s %s: %s", what, path, strerror (errno));
        return false;
    }
    if (!S_ISREG (st.st_mode)) {
        s_line (d, S_FAIL, "%s %s: not a regular file", what, path);
        return false;
    }
    if (st.st_mode & 077) {
        s_line (d, S_FAIL, "%s %s: mode %04o: group or others can read it (chmod 600 %s)",
                what, path, (unsigned) (st.st_mode & 07777), path);
        return false;
    }
    if (access (path, R_OK)) {
        s_line (d, S_FAIL, "%s %s: cannot be read by this user (uid %u): %s", what, path,
                (unsigned) getuid (), strerror (errno));
        return false;
    }
    s_line (d, S_OK, "%s %s: mode %04o", what, path, (unsigned) (st.st_mode & 07777));
    return true;
}

//  A public file: there and readable.
static bool
s_public (s_doctor_t *d, const char *what, const char *path)
{
    if (access (path, R_OK)) {
        s_line (d, S_FAIL, "%s %s: %s", what, path, strerror (errno));
        return false;
    }
    s_line (d, S_OK, "%s %s: readable", what, path);
    return true;
}

//  The key share: loads, has the config's index, belongs to the public key.
static void
s_share (s_doctor_t *d, const site_config_t *cfg)
{
    he_pubkey_t *pk = he_keyfile_load_public (cfg->public_key);
    if (!pk) {
        s_line (d, S_FAIL, "public key: %s", util_last_error ());
        return;
    }
    he_share_t *share = he_keyfile_load_share (cfg->share);
    if (!share)
        s_line (d, S_FAIL, "key share: %s", util_last_error ());
    else
    if (mpz_cmp (he_share_n (share), he_pubkey_n (pk)))
        s_line (d, S_FAIL, "key share %s: belongs to another key than %s", cfg->share,
                cfg->public_key);
    else
    if (he_share_index (share) != cfg->index)
        s_line (d, S_FAIL, "key share %s: share index %u, but site/index = %u", cfg->share,
                he_share_index (share), cfg->index);
    else
        s_line (d, S_OK, "key share: index %u of %u (any %u decrypt), %u-bit key, matches "
                "the public key", he_share_index (share), he_share_parties (share),
                he_share_threshold (share), (unsigned) he_pubkey_bits (pk));
    he_share_destroy (&share);
    he_pubkey_destroy (&pk);
}

static void
s_revocations (s_doctor_t *d, const site_config_t *cfg)
{
    if (!cfg->revocations) {
        s_line (d, S_WARN, "revocations: none configured (site/revocations): revoked analysts "
                "would not be refused here");
        return;
    }
    char *text = NULL;
    size_t len = 0;
    proto_revocations_t *list = util_file_read (cfg->revocations, PROTO_REVOCATIONS_MAX, 0,
                                                &text, &len)? NULL
                              : proto_revocations_open (text, len, cfg->admin);
    free (text);
    if (!list)
        s_line (d, S_FAIL, "revocations %s: %s (every offer would be declined)", cfg->revocations,
                util_last_error ());
    else
    if (proto_revocations_has (list, cfg->role->serial))
        s_line (d, S_FAIL, "revocations %s: this site's role certificate (serial %llu) is "
                "revoked", cfg->revocations, (unsigned long long) cfg->role->serial);
    else
        s_line (d, S_OK, "revocations %s: signed by the admin; this site is not on it",
                cfg->revocations);
    proto_revocations_destroy (&list);
}

//  A SQLite file the worker writes: the file (if there) and its folder
//  writable, since SQLite puts its -wal and -shm files beside it.
static void
s_state (s_doctor_t *d, const char *what, const char *path)
{
    char copy [S_PATH_MAX];
    snprintf (copy, sizeof copy, "%s", path);
    const char *dir = dirname (copy);
    bool exists = access (path, F_OK) == 0;
    if (exists && access (path, R_OK | W_OK))
        s_line (d, S_FAIL, "%s %s: not writable by this user (uid %u): %s", what, path,
                (unsigned) getuid (), strerror (errno));
    else
    if (access (dir, W_OK | X_OK))
        s_line (d, S_FAIL, "%s %s: its folder %s is not writable by this user (uid %u): %s",
                what, path, dir, (unsigned) getuid (), strerror (errno));
    else
        s_line (d, S_OK, "%s %s: writable%s", what, path, exists? "": " (made at first start)");
}

static void
s_clock (s_doctor_t *d, const site_config_t *cfg)
{
    time_t now = time (NULL);
    char at [32], until [32];
    struct tm tm;
    strftime (at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", gmtime_r (&now, &tm));
    time_t end = (time_t) cfg->role->not_after;
    strftime (until, sizeof until, "%Y-%m-%d", gmtime_r (&end, &tm));
    double days = difftime (end, now) / 86400.0;
    if (days < 0)
        s_line (d, S_FAIL, "clock: %s; the role certificate expired on %s (a clock that is "
                "wrong says so too)", at, until);
    else
        s_line (d, days < SITE_DOCTOR_WARN_DAYS? S_WARN: S_OK, "clock: %s (UTC); the role "
                "certificate is valid until %s: %.0f days left%s", at, until, days,
                days < SITE_DOCTOR_WARN_DAYS? " (ask the consortium admin for a new one)": "");
}

//  A CURVE handshake with the coordinator: a DEALER with this site's
//  certificate, watched by a socket monitor until the handshake succeeds,
//  fails, or the time is up. Nothing is sent on it.
static void
s_coordinator (s_doctor_t *d, const site_config_t *cfg, unsigned timeout_ms)
{
    zcert_t *cert = proto_cert_load_secret ("site/cert", cfg->cert);
    zcert_t *server = cert? proto_cert_load ("site/coordinator_cert", cfg->coordinator_cert)
                          : NULL;
    zsock_t *dealer = server? zsock_new (ZMQ_DEALER): NULL;
    zsock_t *monitor = NULL;
    char why [512] = "", endpoint [64];
    if (!dealer) {
        snprintf (why, sizeof why, "%s", cert && server? "cannot create a socket"
                                                      : util_last_error ());
        goto done;
    }
    zsock_set_linger (dealer, 0);
    zcert_apply (cert, dealer);
    zsock_set_curve_serverkey (dealer, zcert_public_txt (server));
    snprintf (endpoint, sizeof endpoint, "inproc://site-doctor-%p", (void *) dealer);
    if (zmq_socket_monitor (zsock_resolve (dealer), endpoint,
                            ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
                          | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                          | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_CONNECT_RETRIED)
    ||  !(monitor = zsock_new (ZMQ_PAIR)) || zsock_connect (monitor, "%s", endpoint)
    ||  zsock_connect (dealer, "%s", cfg->coordinator) < 0) {
        snprintf (why, sizeof why, "cannot watch the connection: %s", zmq_strerror (zmq_errno ()));
        goto done;
    }
    int64_t until = zclock_mono () + timeout_ms;
    unsigned retries = 0;
    while (!*why) {
        int64_t left = until - zclock_mono ();
        if (left <= 0) {
            snprintf (why, sizeof why, "no handshake with %s within %.1f s%s", cfg->coordinator,
                      timeout_ms / 1000.0, retries? " (the connection is refused: is it "
                      "running, is the address right, does a firewall let it out?)": "");
            break;
        }
        zsock_set_rcvtimeo (monitor, (int) left);
        zmsg_t *msg = zmsg_recv (monitor);
        zframe_t *head = msg? zmsg_first (msg): NULL;
        if (!head || zframe_size (head) < 6) {
            zmsg_destroy (&msg);
            continue;
        }
        uint16_t event;
        memcpy (&event, zframe_data (head), sizeof event);
        zmsg_destroy (&msg);
        if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) {
            s_line (d, S_OK, "coordinator %s: CURVE handshake with this site's certificate "
                    "succeeded", cfg->coordinator);
            goto done;
        }
        if (event == ZMQ_EVENT_CONNECT_RETRIED)
            retries++;
        else
        if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
            snprintf (why, sizeof why, "the coordinator at %s refused this site's key (is "
                      "its public certificate in the coordinator's allowlist?)",
                      cfg->coordinator);
        else
            snprintf (why, sizeof why, "the handshake with %s failed (is coordinator_cert the "
                      "coordinator's certificate?)", cfg->coordinator);
    }
done:
    if (*why)
        s_line (d, S_FAIL, "coordinator: %s", why);
    zsock_destroy (&monitor);
    zsock_destroy (&dealer);
    proto_cert_destroy (&server);
    proto_cert_destroy (&cert);
}

static void
s_datasets (s_doctor_t *d, const char *config, const char *dictionary,
            const site_config_t *cfg)
{
    if (!dictionary && !cfg->dictionary) {
        s_line (d, S_WARN, "datasets: no dictionary to check them against (site/dictionary, or "
                "--dictionary)");
        return;
    }
    long found = site_check_config (config, dictionary, d->out);
    if (found < 0)
        s_line (d, S_FAIL, "datasets: %s", util_last_error ());
    else
    if (found)
        s_line (d, S_FAIL, "datasets: %ld finding%s against the dictionary (above)", found,
                found == 1? "": "s");
    else
        s_line (d, S_OK, "datasets: every file clean against the dictionary");
}

int
site_doctor_run (const char *config, const char *dictionary, unsigned timeout_ms, bool offline,
                 FILE *out)
{
    s_doctor_t d = { out, 0 };
    site_config_t *cfg = site_config_load (config);
    if (!cfg) {
        s_line (&d, S_FAIL, "config: %s", util_last_error ());
        return d.fails;
    }
    s_line (&d, S_OK, "config %s: site %s, share index %u, coordinator %s", config, cfg->name,
            cfg->index, cfg->coordinator);
    s_line (&d, S_OK, "role certificate %s: site %s, share index %u, serial %llu, signed by "
            "the admin's key %s, names this site's CURVE and signing keys", cfg->role_cert,
            cfg->role->name, (unsigned) cfg->role->index,
            (unsigned long long) cfg->role->serial, cfg->admin_key);
    bool cert = s_secret (&d, "CURVE certificate", cfg->cert);
    s_secret (&d, "signing key", cfg->sign_key);
    bool share = s_secret (&d, "key share", cfg->share);
    s_public (&d, "public key", cfg->public_key);
    bool server = s_public (&d, "coordinator certificate", cfg->coordinator_cert);
    s_public (&d, "admin key", cfg->admin_key);
    if (cfg->dictionary)
        s_public (&d, "dictionary", cfg->dictionary);
    if (share)
        s_share (&d, cfg);
    s_revocations (&d, cfg);
    s_state (&d, "ledger", cfg->ledger);
    if (cfg->audit)
        s_state (&d, "audit log", cfg->audit);
    if (cfg->ingest)
        s_state (&d, "ingest store", cfg->ingest->store);
    s_clock (&d, cfg);
    if (offline)
        s_line (&d, S_WARN, "coordinator %s: not asked (--offline)", cfg->coordinator);
    else
    if (cert && server)
        s_coordinator (&d, cfg, timeout_ms? timeout_ms: SITE_DOCTOR_TIMEOUT_MS);
    else
        s_line (&d, S_FAIL, "coordinator %s: not asked (its certificate or this site's is "
                "missing above)", cfg->coordinator);
    s_datasets (&d, config, dictionary, cfg);
    site_config_destroy (&cfg);
    return d.fails;
}
