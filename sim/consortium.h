/*  sim/consortium.h - a consortium on disk: the threshold key, CURVE
    certificates and ready-to-edit ZPL configs (coordinator.cfg,
    analyst.cfg, sites/<name>.cfg, certs/, keys/, study-example.cfg, and
    optionally the data dictionary dictionary.csv), and study definitions. Used by `cohort keygen`, `cohort simulate`, `cohort
    demo` and the federation benchmark.

    Contents
        sim_keys_write              deals a threshold Paillier key into files
        sim_consortium_t            what a consortium is made of (defaults:
                                    sim_consortium_defaults)
        sim_consortium_write        keys, certificates and configs into a folder
                                    (and with `bundles`, a site bundle each:
                                    sim/bundle.h)
        sim_site_paths_t            where a site.cfg points
        sim_consortium_site_cfg     a site's site.cfg text
        sim_consortium_parse_sites  "a,b,c" into checked site names
        sim_consortium_check_site   is a site name safe?
        sim_consortium_free_sites   frees a parsed site list
        sim_study_t                 a study definition (sim_study_defaults)
        sim_study_format            the study as commented ZPL, to a stream
        sim_study_text              the same as a new string

    The options structs are the caller's and only read. A parsed site list
    is the caller's (sim_consortium_free_sites), and so is sim_study_text's
    string (free). Every function returns 0 (or an object) on success, and
    -1 (or NULL) with one line in the error slot (util/error.h) naming the
    file or the value that was wrong. Secrets (certs/<x>.secret,
    keys/share-<i>.key) are written mode 0600. The key shares and their
    text are wiped from memory once written, and so is a CURVE certificate's
    secret key (proto_cert_destroy).
*/
#ifndef SIM_CONSORTIUM_H
#define SIM_CONSORTIUM_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>

#define SIM_SITE_NAME_MAX 64        //  characters in a site name

typedef struct {
    const char *out;                //  directory (created if missing)
    char **sites;                   //  site names, share index order (1..n)
    size_t n_sites;
    unsigned threshold;             //  sites needed to decrypt
    unsigned bits;                  //  Paillier modulus size
    bool force;                     //  replace existing files
    const char *name;               //  consortium name (coordinator.cfg)
    const char *endpoint;           //  coordinator endpoint, tcp://host:port
    const char *dataset;            //  dataset name every site registers
    bool test_files;                //  sites reference data/<site>-test.csv
    char *const *extra_datasets;    //  more datasets: data/<site>-<name>.csv,
    size_t n_extra;                 //  30 % held out for evaluation
    bool allow_privacy_off;         //  sites accept `privacy off` studies
    double budget_epsilon;          //  each site's total budget
    double budget_delta;
    unsigned round_timeout_ms;
    unsigned verify_threads;        //  coordinator.cfg's verify_threads (0: not
                                    //  written, the coordinator's default)
    const char *metrics;            //  coordinator.cfg's metrics address (NULL: none)
    bool dictionary;                //  write dictionary.csv, and give every site
                                    //  config `dictionary = ../dictionary.csv`
    const char *dictionary_path;    //  with dictionary: this file, copied as it is
                                    //  once models/dictionary.h accepts it; NULL:
                                    //  model_dict_example ()
    bool bundles;                   //  write bundles/<site>/ (sim/bundle.h)
    const char *bin;                //  the bundles' units run this binary
                                    //  (absolute; default SIM_BUNDLE_BIN)
} sim_consortium_t;

//  The binary a bundle's systemd unit runs unless told otherwise.
#define SIM_BUNDLE_BIN "/usr/local/bin/cohort"

/*  Where a site.cfg points (each path written as it is). data_dir is the
    folder of the dataset files: with data_prefixed, a file is
    <data_dir>-<dataset>.csv (the consortium's ../data/<site>.csv), else
    <data_dir>/<dataset>.csv. audit empty: no audit key. self: the
    config's own installed path (a bundle's comment). */
typedef struct {
    char coordinator_cert [512], cert [512], role_cert [512], sign_key [512], admin_key [512];
    char revocations [512], share [512], public_key [512], ledger [512], audit [512];
    char dictionary [512], data_dir [512], self [512];
    bool data_prefixed;
} sim_site_paths_t;

/*  Fills `c` with the defaults (name demo-consortium, endpoint
    tcp://127.0.0.1:7600, dataset breast_cancer, budget (4, 1e-5),
    threshold 2, 2048 bits, round timeout 30000 ms, no dictionary, no
    bundles, bin SIM_BUNDLE_BIN). */
void sim_consortium_defaults (sim_consortium_t *c);

/*  Checks that `name` is a safe site name: 1..SIM_SITE_NAME_MAX characters
    of [A-Za-z0-9_-], starting with a letter or digit, and not one of the
    reserved cert names "coordinator" and "analyst". Returns 0 or -1. */
int sim_consortium_check_site (const char *name);

/*  Splits a comma-separated site list into *names (a NULL-terminated array
    of new strings; free with sim_consortium_free_sites) and *count, checking
    every name and that they are unique. Returns 0 or -1. */
int sim_consortium_parse_sites (const char *list, char ***names, size_t *count);
void sim_consortium_free_sites (char ***names_p);

/*  Deals a `threshold`-of-`sites` Paillier key of `bits` bits and writes
    DIR/<prefix>share-<i>.key (0600, one per site), <prefix>verify.key and
    <prefix>paillier.pub, shares first (so no public key announces a key
    whose shares are missing). Without `force`, existing files are not
    replaced (he_keyfile_write refuses). Returns 0 or -1. */
int sim_keys_write (const char *dir, const char *prefix, unsigned sites, unsigned threshold,
                    unsigned bits, bool force);

/*  Deals the threshold Paillier key, creates the CURVE certificates and
    writes every file of the consortium into c->out. Without c->force,
    refuses (before the slow key generation) if any output file exists.
    Secrets (certs/<x>.secret, keys/share-<i>.key) are mode 0600. A
    dictionary file that cannot be read or is not a dictionary is refused
    before the key generation too, with its reason. */
int sim_consortium_write (const sim_consortium_t *c);

/*  The site.cfg of site number `site` (0-based) of `c` as a new string
    (caller frees), its paths from `paths`, or with NULL the consortium's
    own layout (relative to DIR/sites/). NULL on error. */
char *sim_consortium_site_cfg (const sim_consortium_t *c, size_t site,
                               const sim_site_paths_t *paths);

/*  A study definition (study.cfg). Strings may be NULL or "" for the
    optional keys (features, categorical, hidden). */
typedef struct {
    const char *name;
    const char *dataset;
    const char *label;
    const char *features;
    const char *categorical;
    const char *missing;            //  drop | impute
    const char *scale;              //  auto | statistics | bounds (NULL: not
                                    //  written, auto)
    const char *model;              //  logistic | mlp
    const char *hidden;             //  "32,16" (mlp)
    const char *optimizer;          //  adam | sgd
    double learning_rate;
    unsigned steps;
    double sampling_rate;
    double clip;
    unsigned min_sites;
    unsigned eval_every;
    const char *unit;               //  record | site
    unsigned local_epochs;          //  unit = site: written only then
    double local_learning_rate;
    unsigned local_batch;
    double epsilon;
    double delta;
    bool privacy_off;
    double eval_share;              //  privacy/eval_share (0: not written, the default)
} sim_study_t;

/*  The defaults of study-example.cfg (breast-cancer-lr on breast_cancer,
    label malignant, logistic, adam 0.05, 200 steps, q 0.05, C 1, 2 sites,
    eval every 50, record-level (1, 1e-5); for unit = site: 1 local epoch,
    local learning rate 0.1, local batch 32). */
void sim_study_defaults (sim_study_t *s);

/*  Writes the study as commented ZPL to `out`. Returns 0 or -1. */
int sim_study_format (const sim_study_t *s, FILE *out);

/*  The same into a new string (caller frees); NULL on error. */
char *sim_study_text (const sim_study_t *s);

#endif
