/*  site/doctor.h - `cohort site check`: a site's doctor, for its operator
    (docs/deploy.md). One line per check, each opening with its verdict:

        ok   config /etc/cohort/a/site.cfg: site a, share index 1, ...
        FAIL share /etc/cohort/a/share-1.key: mode 0644: group or others
             can read it (chmod 600 it)
        warn clock: 2025-01-02T03:04:05Z; the role certificate expires in
             12 days

    In order: the config loads (which opens the role certificate with the
    admin's key and checks that it names this site, its share index, its
    CURVE key and its signing key); the secrets (CURVE certificate,
    signing key, key share) exist with no access for group or others; the
    public files exist and read; the key share loads, has the config's
    index and belongs to the public key; the revocation list opens with the
    admin's key and does not name this site; the ledger and audit log can
    be written; the clock, and the role certificate's days left (warn
    under SITE_DOCTOR_WARN_DAYS); whether the coordinator answers (a CURVE
    handshake with this site's certificate within the timeout, watched
    with a ZeroMQ socket monitor: a refused handshake means the
    coordinator does not know this site's key); and the datasets against
    the data dictionary (site/check.h: its report, then one line).

    Nothing is sent but the handshake, and no line holds a value from the
    data (site/check.h prints counts and row numbers only).

    Contents
        site_doctor_run     runs every check, prints the lines
*/
#ifndef SITE_DOCTOR_H
#define SITE_DOCTOR_H

#include <stdbool.h>
#include <stdio.h>

//  A role certificate with fewer days left than this is a warning.
#define SITE_DOCTOR_WARN_DAYS 30
//  How long the coordinator has to complete a handshake, by default.
#define SITE_DOCTOR_TIMEOUT_MS 5000

/*  Runs the checks on the site.cfg at `config` and prints one line each
    to `out`. `dictionary` (NULL: the config's) is the data dictionary;
    `timeout_ms` bounds the coordinator's handshake; `offline` skips it
    (one warn line says so). Returns the number of FAIL lines (0: none).
    A config that does not load is one FAIL line, and the checks that
    need it are not run. */
int site_doctor_run (const char *config, const char *dictionary, unsigned timeout_ms,
                     bool offline, FILE *out);

#endif
