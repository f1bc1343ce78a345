/*  sim/bundle.h - a site's installation bundle: everything one hospital's
    operator installs, written by `cohort keygen consortium` beside the
    consortium's files (docs/deploy.md):

        DIR/bundles/<site>/                         mode 0700
            README.md                   the operator's guide, for this site
            cohort-site-<site>.service  its systemd unit
            etc/                        what goes into /etc/cohort/<site>/
                site.cfg                paths as installed (below)
                <site>.secret   0600    its CURVE certificate (secret part)
                <site>.pub              ... and public part
                <site>.role             its role certificate
                <site>.sign     0600    its Ed25519 signing key
                <site>.sign.pub         ... and verifier key
                share-<i>.key   0600    its share of the threshold key
                paillier.pub            the threshold public key
                coordinator.pub         the coordinator's CURVE certificate
                admin.pub               the consortium admin's verifier key
                revocations.note        the admin's revocation list
                dictionary.csv          the data dictionary (when written)

    The installed layout: configuration and keys in /etc/cohort/<site>/
    (read-only to the service), the ledger and audit log in its state
    directory /var/lib/cohort/<site>/ (systemd's StateDirectory, the only
    place it may write), its datasets in /srv/cohort/<site>/<dataset>.csv.
    The unit runs `<bin> site --config /etc/cohort/<site>/site.cfg` as
    the user SIM_BUNDLE_USER_FMT (sim_bundle_user), with the hardening
    docs/deploy.md lists, restarts it on failure and reloads it with SIGHUP.

    Contents
        sim_bundle_user     the service user of a site
        sim_bundle_check    checks `bin`, and refuses existing bundle files
        sim_bundle_write    writes one site's bundle

    The consortium is the caller's and only read. Returns are 0 or -1 with
    one line in the error slot (util/error.h) naming the file or value.
    Secrets are copied with mode 0600 and wiped from memory once written.
*/
#ifndef SIM_BUNDLE_H
#define SIM_BUNDLE_H

#include "consortium.h"

#include <stddef.h>

//  Longest service user name written (useradd's limit is 32).
#define SIM_BUNDLE_USER_MAX 31

/*  The service user of site number `site` (0-based) into user[size]:
    "cohort-<site>" when that is at most SIM_BUNDLE_USER_MAX characters of
    lower-case letters, digits, '-' and '_' (what useradd takes), else
    "cohort-site<index>" (the share index: unique in the consortium). */
void sim_bundle_user (char *user, size_t size, const sim_consortium_t *c, size_t site);

/*  Checks c->bin (absolute, and only [A-Za-z0-9/._+-]: a unit file reads
    '%', '$', quotes and spaces) and, without c->force, that no file of any
    site's bundle exists. Returns 0 or -1. */
int sim_bundle_check (const sim_consortium_t *c);

/*  Writes bundles/<site>/ for site number `site` (0-based) of `c`, copying
    the keys and certificates sim_consortium_write has just written into
    c->out. Existing files are replaced only with c->force. Returns 0 or
    -1. */
int sim_bundle_write (const sim_consortium_t *c, size_t site);

#endif
