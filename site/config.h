/*  site/config.h - site.cfg (ZPL):

    site
        name = hospital-a
        index = 1                           its threshold share index
        coordinator = tcp://127.0.0.1:7600
        coordinator_cert = ../certs/coordinator.pub
        cert = ../certs/hospital-a.secret
        share = ../keys/share-1.key
        public_key = ../keys/paillier.pub
        ledger = hospital-a.ledger.db       dp/ ledger (SQLite)
        allow_privacy_off = false           optional: accept `privacy off` studies
        budget
            epsilon = 4                     the site's total for each dataset
            delta = 1e-5
        dataset                             one section per dataset
            name = breast_cancer
            path = ../data/hospital-a.csv
            test_path = ../data/hospital-a-test.csv     optional
            test_fraction = 0               optional: hold out this fraction of path

    Relative paths are taken from the config file's directory.
*/
#ifndef SITE_CONFIG_H
#define SITE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define SITE_DATASETS_MAX 64

typedef struct {
    char *name, *path, *test_path;
    double test_fraction;
} site_dataset_t;

typedef struct {
    char *name;
    unsigned index;
    char *coordinator, *coordinator_cert, *cert, *share, *public_key, *ledger;
    bool allow_privacy_off;
    double budget_epsilon, budget_delta;
    site_dataset_t datasets [SITE_DATASETS_MAX];
    size_t n_datasets;
} site_config_t;

/*  Loads and checks the file. NULL with "path: key: reason". */
site_config_t *site_config_load (const char *path);
void site_config_destroy (site_config_t **self_p);

/*  The dataset registered under `name`, or NULL. */
const site_dataset_t *site_config_dataset (const site_config_t *self, const char *name);

#endif
