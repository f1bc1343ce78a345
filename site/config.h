/*  site/config.h - site.cfg (ZPL):

    site
        name = hospital-a
        index = 1                           its threshold share index
        coordinator = tcp://127.0.0.1:7600
        coordinator_cert = ../certs/coordinator.pub
        cert = ../certs/hospital-a.secret
        role_cert = ../certs/hospital-a.role    its role certificate (proto/rolecert.h):
                                            a site's, naming this name, index and
                                            cert's CURVE key, signed by admin_key
        sign_key = ../keys/hospital-a.sign  its Ed25519 signing key (0600), the
                                            one the certificate names
        admin_key = ../keys/admin.pub       the consortium admin's verifier key
        revocations = ../revocations.note   optional: the admin's revocation list,
                                            read at each offer; certificates on it
                                            (analysts, other sites) are refused
        state = hospital-a.state            optional: the accepted study, kept so that
                                            a restarted site rejoins it (site/state.h;
                                            default: the ledger's path + ".state")
        study_max_age_s = 3600              optional: a study's signature older than
                                            this is refused (60..604800)
        study_idle_s = 86400                optional: a study the coordinator has not
                                            spoken of for this long is abandoned:
                                            its slot and the budget it reserved are
                                            freed, its charges stand (1..2592000)
        metrics = 127.0.0.1:9464            optional: serve metrics for Prometheus
                                            here (util/metrics_server.h; absent: off)
        metrics_allow_remote = false        optional: true lets metrics name a
                                            non-loopback address (it is unauthenticated)
        log_format = text                   optional: text or json (util/log.h)
        share = ../keys/share-1.key
        public_key = ../keys/paillier.pub
        ledger = hospital-a.ledger.db       dp/ ledger (SQLite)
        allow_privacy_off = false           optional: accept `privacy off` studies
        min_subset = 20                     optional: a query's where= must select at
                                            least this many records here, judged on a
                                            noisy count the ledger is charged for
                                            (default 0: no such rule)
        dictionary = ../dictionary.csv      optional: the consortium's data
                                            dictionary (models/dictionary.h),
                                            for `cohort site check`
        audit = hospital-a.audit.db         optional, only without an ingest
        audit_origin = cohort.example/hospital-a    section: the audit log
        budget
            epsilon = 4                     the site's total for each dataset
            delta = 1e-5                    in (0, 0.01]; a dataset of n records
                                            also needs delta <= 1/(10 n)
                                            (site/policy.h)
        policy                              optional: caps on what a study may
                                            ask of this site (site/policy.h),
                                            checked before anything of that
                                            size is allocated
            max_params = 1000000            model parameters (1..4194304)
            max_steps = 10000               training steps (1..100000)
            max_features = 1024             model inputs after one-hot
                                            encoding (1..4096)
            max_hidden = 1024               widest MLP hidden layer (1..4096)
        dataset                             one section per dataset
            name = breast_cancer
            path = ../data/hospital-a.csv
            test_path = ../data/hospital-a-test.csv     optional
            test_fraction = 0               optional: hold out this fraction of path
            patient_column = patient_id     optional: use only rows whose patient
                                            has a consent grant (see below)
        ingest                              optional: the gateway endpoint
            endpoint = tcp://0.0.0.0:7700   CURVE ROUTER for gateways (site cert)
            gateways = ../certs/gateways    allowlist dir of gateway public certs
            store = hospital-a.ingest.db    the ingest store (ingest/store.h)
            storage_key = ../keys/storage.key
            audit = hospital-a.audit.db     audit log (audit/log.h)
            audit_origin = cohort.example/hospital-a    optional: create the
                                            log with this origin if missing
            queue = 64                      optional: requests held per gateway
                                            connection (1..4096; a gateway keeps
                                            at most this many in flight)
            open_research = false           optional: true lets a research
                                            consent that names no study (or
                                            no purpose) cover every study
                                            (research purpose) this site runs

    The worker audits study acceptances and declines, contributions,
    partial decryptions and ledger charges into the audit log: ingest/audit
    with an ingest section, else the top-level audit key (none: no audit).

    With an ingest section, the store also holds the consent grants: a
    dataset with a patient_column is filtered through the grant store
    (ingest/grants.h) for each study (purpose research, this site, now);
    ingest/open_research says whether consents that name no study or no
    purpose count (docs/ingest.md).

    Relative paths are taken from the config file's directory.

    Contents
        site_dataset_t          one registered dataset
        site_config_t           the whole file, checked
        site_config_load        reads and checks site.cfg
        site_config_dataset     the dataset registered under a name
        site_config_reload      may a re-read config replace the running one?
        site_config_destroy     frees

    A config owns all its strings, its datasets' and its ingest section's
    (site_config_destroy frees them, NULL-safe), and is the caller's;
    site_config_dataset's answer is borrowed from it. Errors are NULL with
    "path: key: reason" in the error slot (util/error.h).
*/
#ifndef SITE_CONFIG_H
#define SITE_CONFIG_H

#include "ingest/endpoint.h"
#include "audit/key.h"
#include "proto/rolecert.h"
#include "policy.h"
#include "util/log.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SITE_DATASETS_MAX 64

typedef struct {
    char *name, *path, *test_path;
    double test_fraction;
    char *patient_column;       //  NULL: every row, no consent filter
    char *grant_store;          //  with patient_column: the ingest store
    char *grant_site;           //  with patient_column: "Organization/<site name>"
    bool open_research;         //  with patient_column: ingest/open_research
} site_dataset_t;

typedef struct {
    char *name;
    unsigned index;
    char *coordinator, *coordinator_cert, *cert, *share, *public_key, *ledger;
    bool allow_privacy_off;
    char *dictionary;           //  the data dictionary's path; NULL: none given
    uint64_t min_subset;        //  a query's where= must select at least this
                                //  many records here, on a noisy count (0: no rule)
    double budget_epsilon, budget_delta;
    site_policy_t policy;           //  the policy section, defaults filled in
    site_dataset_t datasets [SITE_DATASETS_MAX];
    size_t n_datasets;
    ingest_config_t *ingest;   //  NULL without an ingest section
    bool open_research;         //  ingest/open_research (default false)
    char *audit, *audit_origin;     //  the audit log (NULL: none) and origin
    char *role_cert, *sign_key, *admin_key;     //  paths (role certificates)
    char *role_cert_text;           //  the certificate as the hello presents it
    proto_rolecert_t *role;         //  ... opened and checked at load time
    audit_verifier_t *admin;        //  the admin's verifier key
    char *revocations;              //  the revocation list's path (NULL: none)
    uint64_t study_max_age_s;       //  a study signature's window (proto/signed.h)
    uint64_t study_idle_s;          //  a run silent this long is abandoned
    char *state;                    //  the accepted study's file (site/state.h)
    char *metrics;                  //  the metrics listener's address (NULL: off)
    bool metrics_allow_remote;      //  ... may be a non-loopback one
    util_log_format_t log_format;   //  text or json
} site_config_t;

/*  Loads and checks the file. NULL with "path: key: reason". */
site_config_t *site_config_load (const char *path);
void site_config_destroy (site_config_t **self_p);

/*  Checks that `fresh` (the file read again on SIGHUP) changes only what
    a running worker can take on: the budget, the datasets, the policy keys
    (allow_privacy_off, min_subset, dictionary, revocations,
    ingest/open_research). Anything the worker opened or connected with at
    start (name, index, coordinator, certificates and keys, ledger, audit,
    study_max_age_s, the ingest section) must be unchanged. On success the
    objects `running` lent out at start (the admin's verifier key, the role
    certificate, the ingest section) move to `fresh` and `running` gets
    fresh's equal copies, so `running` can be destroyed. Returns 0, or -1
    with UTIL_EREFUSED and "path: site/<key> changed: that needs a
    restart" (nothing moved). `running` is changed only on success. */
int site_config_reload (site_config_t *fresh, site_config_t *running, const char *path);

/*  The dataset registered under `name`, or NULL. */
const site_dataset_t *site_config_dataset (const site_config_t *self, const char *name);

#endif
