/*  coordinator/config.h - coordinator.cfg (ZPL):

    coordinator
        name = demo-consortium
        endpoint = tcp://127.0.0.1:7600
        cert = certs/coordinator.secret     zcert secret file
        allowlist = certs/allowed           public certs of sites and analysts
        journal = coordinator.db            SQLite journal
        public_key = keys/paillier.pub
        verify_key = keys/verify.key
        round_timeout_ms = 30000            optional (default 30000, 100..86400000)
        liveness_timeout_ms = 6000          optional: a site silent this long (it says
                                            hello every 2 s) is down: rounds go on
                                            without it, and a second process with its
                                            certificate is refused while it is alive
                                            (default 6000, 1000..86400000)
        max_running = 16                    optional: studies and queries running at
                                            once (1..32, default 16)
        max_running_per_analyst = 4         optional: of them, launched by one analyst
                                            key (1..32, default 4); the hourly launch
                                            quotas are [alerts] queries_per_hour and
                                            launches_per_hour (alerts.h)
        verify_threads = 4                  optional: threads that verify partial
                                            decryption proofs side by side
                                            (coordinator/aggregate.h; 1..64, default
                                            the online CPUs, at most 64)
        dictionary = dictionary.csv         optional: the consortium's data dictionary
                                            (models/dictionary.h); queries need it
        allow_privacy_off = false           optional: accept queries with privacy off
                                            (development only; stamped NOT PRIVATE)
        min_cell = 5                        optional: noisy counts below it are shown
                                            as suppressed (0..1000000, default 5)
        max_levels = 40                     optional: most levels of one categorical
                                            term in a query (2..256, default 40)
        totp = totp.db                      optional: the TOTP enrolments (coordinator/
                                            totp.h). Set: every analyst request needs
                                            a code (docs/analysts.md); absent: TOTP off
        totp_max_failures = 5               optional: wrong codes in a window before a
                                            cooling-off (1..1000, default 5)
        totp_cooloff_s = 300                optional: that window and the cooling-off
                                            (1..86400 s, default 300)
        totp_session_s = 900                optional: how long a code's session lives
                                            after its last use (0..86400 s, default
                                            900; 0: every request needs a new code)
        audit = coordinator.audit.db        optional: the audit log of refusals and
                                            alerts (audit/log.h; default this name
                                            beside the config)
        audit_origin = cohort/NAME/coordinator  optional: its checkpoint origin line
        admin_key = keys/admin.pub          the consortium admin's verifier key: it
                                            signs every role certificate
                                            (coordinator/roles.h)
        revocations = revocations.note      optional: the admin's revocation list,
                                            read again whenever it changes
        metrics = 127.0.0.1:9464            optional: serve metrics for Prometheus
                                            here (util/metrics_server.h; absent: off)
        metrics_allow_remote = false        optional: true lets metrics name a
                                            non-loopback address (it is unauthenticated)
        log_format = text                   optional: text or json (util/log.h)

    Relative paths are taken from the config file's directory. There is no
    key-share entry: the coordinator never holds one, and unknown keys are
    refused. An `alerts` section beside `coordinator` sets the anomaly
    detectors and rate limits; it is read by coordinator/alerts.h.

    Contents
        coord_config_t          the file, checked
        coord_config_load       reads and checks coordinator.cfg
        coord_config_destroy    frees

    A config owns its strings and is the caller's (coord_config_destroy,
    NULL-safe). Errors are NULL with the reason in the error slot
    (util/error.h).
*/
#ifndef COORD_CONFIG_H
#define COORD_CONFIG_H

#include "util/log.h"

#include <stdbool.h>
#include <stdint.h>

#define COORD_VERIFY_THREADS_MAX 64

typedef struct {
    char *name, *endpoint, *cert, *allowlist, *journal, *public_key, *verify_key;
    uint64_t round_timeout_ms;
    uint64_t liveness_timeout_ms;
    unsigned max_running, max_running_per_analyst;
    unsigned verify_threads;    //  the proof-verification pool's size, 1..64
    char *dictionary;           //  NULL: none (queries are refused)
    char *totp;                 //  the TOTP store (NULL: TOTP is off)
    unsigned totp_max_failures, totp_cooloff_s, totp_session_s;
    bool allow_privacy_off;
    unsigned min_cell, max_levels;
    char *audit, *audit_origin; //  the audit log and its origin (always set)
    char *admin_key;            //  the admin's verifier key (role certificates)
    char *revocations;          //  the revocation list; NULL: none
    char *metrics;              //  the metrics listener's address (NULL: off)
    bool metrics_allow_remote;  //  ... may be a non-loopback one
    util_log_format_t log_format;   //  text or json
} coord_config_t;

/*  Loads and checks the file. NULL with "path: key: reason" on error
    (UTIL_ENOMEM if out of memory: nothing is left allocated). */
coord_config_t *coord_config_load (const char *path);
void coord_config_destroy (coord_config_t **self_p);

#endif
