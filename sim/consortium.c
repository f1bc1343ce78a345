/*  sim/consortium.c - a consortium on disk: threshold Paillier key (he/),
    CURVE certificates (czmq zcert), allowlist and ZPL configs. */
#include "consortium.h"
#include "admin.h"
#include "bundle.h"
#include "he/keyfile.h"
#include "models/dictionary.h"
#include "proto/curve.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/file.h"

#include <czmq.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_PATH_MAX 4096

void
sim_consortium_defaults (sim_consortium_t *c)
{
    memset (c, 0, sizeof *c);
    c->threshold = 2;
    c->bits = HE_BITS_DEFAULT;
    c->name = "demo-consortium";
    c->endpoint = "tcp://127.0.0.1:7600";
    c->dataset = "breast_cancer";
    c->budget_epsilon = 4;
    c->budget_delta = 1e-5;
    c->round_timeout_ms = 30000;
    c->bin = SIM_BUNDLE_BIN;
}

int
sim_consortium_check_site (const char *name)
{
    size_t len = name? strlen (name): 0;
    if (len == 0 || len > SIM_SITE_NAME_MAX)
        return util_error (UTIL_EINPUT, "site name '%s': must be 1 to %d characters", name? name: "",
                    SIM_SITE_NAME_MAX);
    for (size_t i = 0; i < len; i++) {
        char ch = name [i];
        int alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
                 || (ch >= '0' && ch <= '9');
        if (!alnum && !(i > 0 && (ch == '-' || ch == '_')))
            return util_error (UTIL_EINPUT, "site name '%s': character %zu ('%c') is not allowed "
                        "(use letters, digits, '-' and '_', starting with a letter or digit)",
                        name, i + 1, ch >= 32 && ch < 127? ch: '?');
    }
    //  These name the coordinator's, the analyst's, the observer's and the
    //  admin's certificates and keys.
    if (strcmp (name, "coordinator") == 0 || strcmp (name, "analyst") == 0
    ||  strcmp (name, "observer") == 0 || strcmp (name, "admin") == 0)
        return util_error (UTIL_EINPUT, "site name '%s' is reserved", name);
    return 0;
}

void
sim_consortium_free_sites (char ***names_p)
{
    if (!names_p || !*names_p)
        return;
    for (char **n = *names_p; *n; n++)
        free (*n);
    free (*names_p);
    *names_p = NULL;
}

int
sim_consortium_parse_sites (const char *list, char ***names, size_t *count)
{
    *names = NULL;
    *count = 0;
    if (!list || !*list)
        return util_error (UTIL_EINPUT, "--sites: empty site list");
    size_t n = 1;
    for (const char *p = list; *p; p++)
        n += *p == ',';
    if (n > HE_PARTIES_MAX)
        return util_error (UTIL_ELIMIT, "--sites: %zu sites, at most %d", n, HE_PARTIES_MAX);
    char **out = util_calloc (n + 1, sizeof *out);
    if (!out)
        return -1;
    const char *p = list;
    for (size_t i = 0; i < n; i++) {
        const char *end = strchr (p, ',');
        size_t len = end? (size_t) (end - p): strlen (p);
        out [i] = util_strndup (p, len);
        if (!out [i]) {
            sim_consortium_free_sites (&out);
            return -1;
        }
        if (sim_consortium_check_site (out [i])) {
            sim_consortium_free_sites (&out);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp (out [j], out [i]) == 0) {
                util_error (UTIL_EINPUT, "--sites: site '%s' is listed twice", out [i]);
                sim_consortium_free_sites (&out);
                return -1;
            }
        p = end? end + 1: p + len;
    }
    *names = out;
    *count = n;
    return 0;
}

static int
s_mkdir (const char *dir, const char *sub, mode_t mode)
{
    char path [S_PATH_MAX];
    snprintf (path, sizeof path, "%s%s%s", dir, sub? "/": "", sub? sub: "");
    if (mkdir (path, mode) && errno != EEXIST)
        return util_error (UTIL_EIO, "cannot create directory %s: %s", path, strerror (errno));
    return 0;
}

//  Writes `text` (consumed and wiped: it may be a key share) to dir/name
//  with `mode`. A NULL text is the formatter's failure, already reported.
static int
s_write (const char *dir, const char *name, char *text, unsigned mode, bool force)
{
    if (!text)
        return util_error_context ("keygen: %s", name);
    char path [S_PATH_MAX];
    int n = snprintf (path, sizeof path, "%s/%s", dir, name);
    //  A cut path would put a key share somewhere else.
    int rc = n < 0 || (size_t) n >= sizeof path
           ? util_error (UTIL_ELIMIT, "keygen: %s/%s: path longer than %d bytes", dir, name,
                         S_PATH_MAX - 1)
           : he_keyfile_write (path, text, mode, force);
    OPENSSL_cleanse (text, strlen (text));
    free (text);
    return rc;
}

int
sim_keys_write (const char *dir, const char *prefix, unsigned sites, unsigned threshold,
                unsigned bits, bool force)
{
    if (threshold < HE_THRESHOLD_MIN)
        return util_error (UTIL_EINPUT, "keygen: threshold must be at least %d (with %u, one site "
                           "could decrypt every other site's update alone)", HE_THRESHOLD_MIN,
                           threshold);
    if (!sites || sites > HE_PARTIES_MAX || threshold > sites)
        return util_error (UTIL_EINPUT, "keygen: threshold %u of %u sites is not possible",
                           threshold, sites);
    he_pubkey_t *pk = NULL;
    he_verify_t *vk = NULL;
    he_share_t **shares = NULL;
    if (he_threshold_keygen (&pk, &vk, &shares, bits, sites, threshold))
        return util_error_context ("keygen");
    int rc = 0;
    char name [S_PATH_MAX];
    //  Shares first: if anything fails, no public key announces a key whose
    //  shares are missing.
    for (unsigned i = 0; i < sites && rc == 0; i++) {
        snprintf (name, sizeof name, "%sshare-%u.key", prefix, i + 1);
        rc = s_write (dir, name, he_keyfile_format_share (shares [i]), 0600, force);
    }
    if (rc == 0) {
        snprintf (name, sizeof name, "%sverify.key", prefix);
        rc = s_write (dir, name, he_keyfile_format_verify (vk), 0644, force);
    }
    if (rc == 0) {
        snprintf (name, sizeof name, "%spaillier.pub", prefix);
        rc = s_write (dir, name, he_keyfile_format_public (pk), 0644, force);
    }
    for (unsigned i = 0; i < sites; i++)
        he_share_destroy (&shares [i]);
    free (shares);
    he_verify_destroy (&vk);
    he_pubkey_destroy (&pk);
    return rc;
}

//  Every file the consortium writes, for the refusal check before dealing.
static int
s_check_free (const sim_consortium_t *c)
{
    const char *fixed [] = {
        "coordinator.cfg", "analyst.cfg", "study-example.cfg", "keys/paillier.pub",
        "keys/verify.key", "certs/coordinator.pub", "certs/coordinator.secret",
        "certs/analyst.pub", "certs/analyst.secret", "certs/allowed/analyst.pub",
        "observer.cfg", "certs/observer.pub", "certs/observer.secret",
        "certs/allowed/observer.pub", "keys/admin.key", "keys/admin.pub", "revocations.note",
        "certs/analyst.role", "certs/observer.role", "keys/analyst.sign", "keys/analyst.sign.pub",
        "keys/observer.sign", "keys/observer.sign.pub", NULL
    };
    char path [S_PATH_MAX];
    if (c->dictionary) {
        snprintf (path, sizeof path, "%s/dictionary.csv", c->out);
        if (access (path, F_OK) == 0)
            goto exists;
    }
    for (const char **f = fixed; *f; f++) {
        snprintf (path, sizeof path, "%s/%s", c->out, *f);
        if (access (path, F_OK) == 0)
            goto exists;
    }
    for (size_t i = 0; i < c->n_sites; i++) {
        const char *fmt [] = { "%s/sites/%s.cfg", "%s/certs/%s.pub", "%s/certs/%s.secret",
                               "%s/certs/allowed/%s.pub", "%s/certs/%s.role", "%s/keys/%s.sign",
                               "%s/keys/%s.sign.pub", NULL };
        for (const char **f = fmt; *f; f++) {
            snprintf (path, sizeof path, *f, c->out, c->sites [i]);
            if (access (path, F_OK) == 0)
                goto exists;
        }
        snprintf (path, sizeof path, "%s/keys/share-%zu.key", c->out, i + 1);
        if (access (path, F_OK) == 0)
            goto exists;
    }
    return 0;
exists:
    util_error (UTIL_EREFUSED, "keygen: %s already exists (use --force to replace the consortium)", path);
    return -1;
}

//  Saves a new CURVE certificate as certs/<name>.pub and certs/<name>.secret
//  (0600, created with that mode before czmq writes into it), and copies the
//  public part to certs/allowed/<name>.pub when `allow`. Its public key
//  (Z85) goes into `key` when not NULL.
static int
s_cert (const sim_consortium_t *c, const char *name, const char *role, bool allow, char key [41])
{
    zcert_t *cert = zcert_new ();
    if (!cert)
        return util_error (UTIL_EIO, "keygen: cannot create a CURVE certificate for %s", name);
    zcert_set_meta (cert, "name", "%s", name);
    zcert_set_meta (cert, "role", "%s", role);
    zcert_set_meta (cert, "consortium", "%s", c->name);
    int rc = -1;
    char path [S_PATH_MAX];
    snprintf (path, sizeof path, "%s/certs/%s.secret", c->out, name);
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || fchmod (fd, 0600) || close (fd)) {
        util_error (UTIL_EIO, "keygen: cannot create %s: %s", path, strerror (errno));
        goto cleanup;
    }
    if (zcert_save_secret (cert, path)) {
        util_error (UTIL_EIO, "keygen: cannot write %s", path);
        goto cleanup;
    }
    snprintf (path, sizeof path, "%s/certs/%s.pub", c->out, name);
    if (zcert_save_public (cert, path)) {
        util_error (UTIL_EIO, "keygen: cannot write %s", path);
        goto cleanup;
    }
    if (allow) {
        snprintf (path, sizeof path, "%s/certs/allowed/%s.pub", c->out, name);
        if (zcert_save_public (cert, path)) {
            util_error (UTIL_EIO, "keygen: cannot write %s", path);
            goto cleanup;
        }
    }
    if (key)
        snprintf (key, 41, "%s", zcert_public_txt (cert));
    rc = 0;
cleanup:
    proto_cert_destroy (&cert);
    return rc;
}

//  An identity's signing key (keys/<name>.sign, 0600, and .sign.pub) and its
//  role certificate certs/<name>.role, signed by the admin.
static int
s_identity (const sim_consortium_t *c, const audit_signer_t *admin, proto_role_t role,
            const char *name, unsigned index, const char *curve)
{
    char key [S_PATH_MAX], pub [S_PATH_MAX], cert [S_PATH_MAX];
    snprintf (key, sizeof key, "%s/keys/%s.sign", c->out, name);
    snprintf (pub, sizeof pub, "%s/keys/%s.sign.pub", c->out, name);
    snprintf (cert, sizeof cert, "%s/certs/%s.role", c->out, name);
    audit_signer_t *signer = sim_admin_keypair (name, key, pub, c->force);
    char *line = signer? audit_signer_verifier_text (signer): NULL;
    audit_verifier_t *verifier = line? audit_verifier_parse (line, strlen (line)): NULL;
    free (line);
    audit_signer_destroy (&signer);
    if (!verifier)
        return util_error_context ("keygen");
    sim_grant_t g = { role, name, index, curve, verifier, 0, cert, c->force };
    int rc = sim_admin_grant (admin, &g, NULL);
    audit_verifier_destroy (&verifier);
    return rc? util_error_context ("keygen"): 0;
}

//  A ZPL value: bare when it is a plain token, else double-quoted. Values
//  with a double quote or a control character cannot be written.
static int
s_value (FILE *f, const char *v)
{
    v = v? v: "";
    bool plain = true;
    for (const char *p = v; *p; p++) {
        if ((unsigned char) *p < 32 || *p == '"')
            return util_error (UTIL_EINPUT, "config value '%s': quotes and control characters "
                               "are not allowed", v);
        if (*p == ' ' || *p == '#' || *p == '\'')
            plain = false;
    }
    //  An empty bare value followed by a comment would read as the comment.
    if (!*v)
        plain = false;
    if (plain)
        fputs (v, f);
    else
        fprintf (f, "\"%s\"", v);
    return 0;
}

//  One "key = value" line at `indent` spaces with an aligned comment.
static int
s_kv (FILE *f, int indent, const char *key, const char *value, const char *comment)
{
    char *line = NULL;
    size_t len = 0;
    FILE *m = open_memstream (&line, &len);
    if (!m)
        return util_error (UTIL_ENOMEM, "out of memory");
    fprintf (m, "%*s%s = ", indent, "", key);
    int rc = s_value (m, value);
    fclose (m);
    if (rc == 0) {
        if (comment && *comment)
            fprintf (f, "%-44s # %s\n", line, comment);
        else
            fprintf (f, "%s\n", line);
    }
    free (line);
    return rc;
}

static int
s_kvf (FILE *f, int indent, const char *key, const char *comment, const char *fmt, ...)
    __attribute__((format (printf, 5, 6)));

static int
s_kvf (FILE *f, int indent, const char *key, const char *comment, const char *fmt, ...)
{
    char value [256];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (value, sizeof value, fmt, ap);
    va_end (ap);
    return s_kv (f, indent, key, value, comment);
}

//  What a config writer writes about: the consortium, and one of its sites.
typedef struct {
    const sim_consortium_t *c;
    size_t site;
} s_which_t;

//  Runs `fn` into a memory stream and returns the text (NULL on error).
typedef int (s_writer_fn) (FILE *f, const void *arg);

static char *
s_text (s_writer_fn *fn, const void *arg)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream (&text, &len);
    if (!m)
        return util_error_null (UTIL_ENOMEM, "out of memory");
    int rc = fn (m, arg);
    if (fclose (m))
        rc = -1;
    if (rc) {
        free (text);
        return NULL;
    }
    return text;
}

static int
s_coordinator_cfg (FILE *f, const void *arg)
{
    const sim_consortium_t *c = ((const s_which_t *) arg)->c;
    fputs ("#   The coordinator of the consortium (cohort coordinator --config coordinator.cfg).\n"
           "#   Paths are relative to this file's directory. The coordinator holds no\n"
           "#   decryption key share: there is no place for one here.\n"
           "coordinator\n", f);
    int rc = s_kv (f, 4, "name", c->name, "consortium name, shown in reports")
          || s_kv (f, 4, "endpoint", c->endpoint, "ROUTER binds here (CURVE server)")
          || s_kv (f, 4, "cert", "certs/coordinator.secret", "its CURVE certificate (secret part)")
          || s_kv (f, 4, "allowlist", "certs/allowed", "public certs of sites + analysts (ZAP)")
          || s_kv (f, 4, "journal", "coordinator.db", "SQLite journal of studies and rounds")
          || s_kv (f, 4, "public_key", "keys/paillier.pub", "threshold Paillier public key")
          || s_kv (f, 4, "verify_key", "keys/verify.key", "checks the sites' decryption proofs")
          || s_kv (f, 4, "admin_key", "keys/admin.pub", "consortium admin: signs role certificates")
          || s_kv (f, 4, "revocations", "revocations.note", "revoked role certificates (signed)")
          || s_kvf (f, 4, "round_timeout_ms", "a round's deadline for updates", "%u",
                    c->round_timeout_ms)
          || (c->verify_threads
              && s_kvf (f, 4, "verify_threads", "threads verifying decryption proofs", "%u",
                        c->verify_threads))
          || (c->metrics
              && s_kv (f, 4, "metrics", c->metrics, "serves metrics for Prometheus here"))
          || (c->dictionary
              && s_kv (f, 4, "dictionary", "dictionary.csv", "the data dictionary queries use"))
          || s_kv (f, 4, "allow_privacy_off", c->allow_privacy_off? "true": "false",
                   "accept queries with privacy off (development only)");
    return rc? -1: 0;
}

static int
s_analyst_cfg (FILE *f, const void *arg)
{
    const sim_consortium_t *c = ((const s_which_t *) arg)->c;
    fputs ("#   The analyst's side (cohort study launch / status, cohort report).\n"
           "#   Paths are relative to this file's directory.\n"
           "analyst\n", f);
    int rc = s_kv (f, 4, "coordinator", c->endpoint, "where the coordinator listens")
          || s_kv (f, 4, "coordinator_cert", "certs/coordinator.pub", "coordinator's public cert")
          || s_kv (f, 4, "cert", "certs/analyst.secret", "the analyst's CURVE certificate")
          || s_kv (f, 4, "role_cert", "certs/analyst.role", "its role certificate (analyst)")
          || s_kv (f, 4, "sign_key", "keys/analyst.sign", "its Ed25519 signing key (keep 0600)");
    return rc? -1: 0;
}

static int
s_observer_cfg (FILE *f, const void *arg)
{
    const sim_consortium_t *c = ((const s_which_t *) arg)->c;
    fputs ("#   An observer: reads status, reports and budgets (cohort report, cohort\n"
           "#   study status, cohort budget --config observer.cfg), launches nothing.\n"
           "#   Paths are relative to this file's directory.\n"
           "analyst\n", f);
    int rc = s_kv (f, 4, "coordinator", c->endpoint, "where the coordinator listens")
          || s_kv (f, 4, "coordinator_cert", "certs/coordinator.pub", "coordinator's public cert")
          || s_kv (f, 4, "cert", "certs/observer.secret", "the observer's CURVE certificate")
          || s_kv (f, 4, "role_cert", "certs/observer.role", "its role certificate (observer)")
          || s_kv (f, 4, "sign_key", "keys/observer.sign", "its Ed25519 signing key (keep 0600)");
    return rc? -1: 0;
}

//  Where a site's config points: the consortium's own layout (relative to
//  sites/) or an installed bundle's (sim/bundle.h). Each path is written
//  as given.
static void
s_site_paths_consortium (sim_site_paths_t *p, const sim_consortium_t *c, size_t site)
{
    const char *name = c->sites [site];
    memset (p, 0, sizeof *p);
    snprintf (p->coordinator_cert, sizeof p->coordinator_cert, "../certs/coordinator.pub");
    snprintf (p->cert, sizeof p->cert, "../certs/%s.secret", name);
    snprintf (p->role_cert, sizeof p->role_cert, "../certs/%s.role", name);
    snprintf (p->sign_key, sizeof p->sign_key, "../keys/%s.sign", name);
    snprintf (p->admin_key, sizeof p->admin_key, "../keys/admin.pub");
    snprintf (p->revocations, sizeof p->revocations, "../revocations.note");
    snprintf (p->share, sizeof p->share, "../keys/share-%zu.key", site + 1);
    snprintf (p->public_key, sizeof p->public_key, "../keys/paillier.pub");
    snprintf (p->ledger, sizeof p->ledger, "%s.ledger.db", name);
    snprintf (p->dictionary, sizeof p->dictionary, "../dictionary.csv");
    snprintf (p->data_dir, sizeof p->data_dir, "../data/%s", name);
    p->data_prefixed = true;
}

typedef struct {
    const sim_consortium_t *c;
    size_t site;
    const sim_site_paths_t *paths;
} s_site_t;

//  A dataset's file: <data_dir>-<tail>.csv in the consortium's layout
//  (../data/<site>-<dataset>.csv), <data_dir>/<tail>.csv in a bundle's.
static void
s_data_path (char *out, size_t size, const sim_site_paths_t *p, const char *tail)
{
    if (p->data_prefixed)
        snprintf (out, size, "%s%s%s.csv", p->data_dir, *tail? "-": "", tail);
    else
        snprintf (out, size, "%s/%s.csv", p->data_dir, tail);
}

static int
s_site_cfg (FILE *f, const void *arg)
{
    const s_site_t *w = arg;
    const sim_consortium_t *c = w->c;
    const sim_site_paths_t *p = w->paths;
    const char *name = c->sites [w->site];
    char path [S_PATH_MAX];
    if (p->data_prefixed)
        fprintf (f, "#   Site worker %s (cohort site --config sites/%s.cfg). Copy this file with\n"
                    "#   its certificate, its key share and the public keys to the site's host.\n"
                    "#   Paths are relative to this file's directory.\n", name, name);
    else
        fprintf (f, "#   Site worker %s, as installed from its bundle (README.md beside it):\n"
                    "#   cohort site --config %s. Configuration and keys are read\n"
                    "#   from its folder, the ledger and audit log written in its state\n"
                    "#   directory; edit the dataset block to name this site's data.\n",
                 name, p->self);
    fputs ("site\n", f);
    int rc = s_kv (f, 4, "name", name, "how the consortium knows this site")
          || s_kvf (f, 4, "index", "its threshold share index (1..parties)", "%zu", w->site + 1)
          || s_kv (f, 4, "coordinator", c->endpoint, "DEALER connects out to it")
          || s_kv (f, 4, "coordinator_cert", p->coordinator_cert, "coordinator's public cert")
          || s_kv (f, 4, "cert", p->cert, "this site's CURVE certificate (secret)")
          || s_kv (f, 4, "role_cert", p->role_cert, "its role certificate (site, name, index)")
          || s_kv (f, 4, "sign_key", p->sign_key, "its Ed25519 signing key (keep 0600)")
          || s_kv (f, 4, "admin_key", p->admin_key, "consortium admin: signs role certificates")
          || s_kv (f, 4, "revocations", p->revocations,
                   "revoked certificates (signed by the admin), read at each offer")
          || s_kv (f, 4, "share", p->share, "this site's key share (keep 0600)")
          || s_kv (f, 4, "public_key", p->public_key, "threshold Paillier public key")
          || s_kv (f, 4, "ledger", p->ledger, "privacy budget ledger (SQLite)");
    if (!rc && *p->audit) {
        snprintf (path, sizeof path, "%s/%s", c->name, name);
        rc = s_kv (f, 4, "audit", p->audit, "this site's audit log (SQLite)")
          || s_kv (f, 4, "audit_origin", path, "the log's name, made with it");
    }
    rc = rc || s_kv (f, 4, "allow_privacy_off", c->allow_privacy_off? "true": "false",
                     "accept development studies without privacy");
    if (!rc && c->dictionary)
        rc = s_kv (f, 4, "dictionary", p->dictionary,
                   "the consortium's data dictionary (cohort site check)");
    if (rc)
        return -1;
    fputs ("    #   The total privacy budget this site grants on each dataset; a study\n"
           "    #   whose whole schedule does not fit is declined with the reason.\n"
           "    budget\n", f);
    rc = s_kvf (f, 8, "epsilon", NULL, "%.15g", c->budget_epsilon)
      || s_kvf (f, 8, "delta", NULL, "%.15g", c->budget_delta);
    if (rc)
        return -1;
    fputs ("    #   A dataset this site offers (repeat the block for more).\n"
           "    dataset\n", f);
    rc = s_kv (f, 8, "name", c->dataset, "studies refer to datasets by name");
    s_data_path (path, sizeof path, p, p->data_prefixed? "": c->dataset);
    rc = rc || s_kv (f, 8, "path", path, "CSV with a header line");
    if (c->test_files) {
        char tail [SIM_SITE_NAME_MAX + 16];
        snprintf (tail, sizeof tail, "%s%s", p->data_prefixed? "": c->dataset,
                  p->data_prefixed? "test": "-test");
        s_data_path (path, sizeof path, p, tail);
        rc = rc || s_kv (f, 8, "test_path", path, "held-out rows for evaluation")
                || s_kv (f, 8, "test_fraction", "0", "no fraction of path held out");
    }
    else
        rc = rc || s_kv (f, 8, "test_fraction", "0.3",
                         "hold out this fraction of path for evaluation (seeded)");
    for (size_t d = 0; d < c->n_extra && !rc; d++) {
        fputs ("    dataset\n", f);
        s_data_path (path, sizeof path, p, c->extra_datasets [d]);
        rc = s_kv (f, 8, "name", c->extra_datasets [d], NULL)
          || s_kv (f, 8, "path", path, NULL)
          || s_kv (f, 8, "test_fraction", "0.3", NULL);
    }
    return rc? -1: 0;
}

char *
sim_consortium_site_cfg (const sim_consortium_t *c, size_t site, const sim_site_paths_t *paths)
{
    sim_site_paths_t own;
    if (!paths) {
        s_site_paths_consortium (&own, c, site);
        paths = &own;
    }
    s_site_t w = { c, site, paths };
    return s_text (s_site_cfg, &w);
}

static int
s_study_cfg (FILE *f, const void *arg)
{
    const sim_consortium_t *c = ((const s_which_t *) arg)->c;
    sim_study_t s;
    sim_study_defaults (&s);
    s.dataset = c->dataset;
    s.min_sites = c->threshold;
    return sim_study_format (&s, f);
}

void
sim_study_defaults (sim_study_t *s)
{
    memset (s, 0, sizeof *s);
    s->name = "breast-cancer-lr";
    s->dataset = "breast_cancer";
    s->label = "malignant";
    s->missing = "drop";
    s->model = "logistic";
    s->optimizer = "adam";
    s->learning_rate = 0.05;
    //  Few large steps: the accountant amplifies small sampling rates only
    //  weakly (docs/privacy.md), so at epsilon ~ 1 this trains better.
    s->steps = 20;
    s->sampling_rate = 0.5;
    s->clip = 1.0;
    s->min_sites = 2;
    s->eval_every = 10;
    s->unit = "record";
    s->local_epochs = 1;
    s->local_learning_rate = 0.1;
    s->local_batch = 32;
    s->epsilon = 1;
    s->delta = 1e-5;
}

int
sim_study_format (const sim_study_t *s, FILE *f)
{
    fputs ("#   A study definition (cohort study launch study.cfg): sent whole to the\n"
           "#   coordinator, which offers it to every site.\n"
           "study\n", f);
    int rc = s_kv (f, 4, "name", s->name, "shown in reports")
          || s_kv (f, 4, "dataset", s->dataset, "dataset name registered at the sites")
          || s_kv (f, 4, "label", s->label, "0/1 label column")
          || s_kv (f, 4, "features", s->features, "optional; default all columns but the label")
          || s_kv (f, 4, "categorical", s->categorical, "optional; one-hot encoded columns")
          || s_kv (f, 4, "missing", s->missing, "drop | impute")
          || (s->scale && s_kv (f, 4, "scale", s->scale, "auto | statistics (a DP round) | "
                                "bounds (the data dictionary's)"))
          || s_kv (f, 4, "model", s->model, "logistic | mlp");
    if (!rc && strcmp (s->model, "mlp") == 0)
        rc = s_kv (f, 4, "hidden", s->hidden && *s->hidden? s->hidden: "32,16",
                   "hidden layer widths");
    rc = rc || s_kv (f, 4, "optimizer", s->optimizer, "adam | sgd (server side)")
            || s_kvf (f, 4, "learning_rate", NULL, "%.15g", s->learning_rate)
            || s_kvf (f, 4, "steps", "training rounds", "%u", s->steps)
            || s_kvf (f, 4, "sampling_rate", "Poisson rate q per round (record unit)",
                      "%.15g", s->sampling_rate)
            || s_kvf (f, 4, "clip", "L2 clip C of each example's gradient", "%.15g", s->clip)
            || s_kvf (f, 4, "min_sites", "quorum t (>= key threshold)", "%u", s->min_sites)
            || s_kvf (f, 4, "eval_every", "evaluation round every N steps, and at the end",
                      "%u", s->eval_every);
    if (!rc && s->unit && strcmp (s->unit, "site") == 0)
        rc = s_kvf (f, 4, "local_epochs", "DP-FedAvg: local epochs per round", "%u",
                    s->local_epochs)
          || s_kvf (f, 4, "local_learning_rate", "DP-FedAvg: local SGD step", "%.15g",
                    s->local_learning_rate)
          || s_kvf (f, 4, "local_batch", "DP-FedAvg: local minibatch size", "%u",
                    s->local_batch);
    if (rc)
        return -1;
    fputs ("    privacy\n", f);
    rc = s_kv (f, 8, "unit", s->unit, "record | site")
      || s_kvf (f, 8, "epsilon", "target epsilon of the whole study", "%.15g", s->epsilon)
      || s_kvf (f, 8, "delta", NULL, "%.15g", s->delta)
      || s_kv (f, 8, "off", s->privacy_off? "true": "false",
               "true only for development: report stamped NOT PRIVATE")
      || (s->eval_share > 0 && s_kvf (f, 8, "eval_share", "the evaluations' share of the budget",
                                      "%.15g", s->eval_share));
    return rc? -1: 0;
}

static int
s_study_format (FILE *f, const void *arg)
{
    return sim_study_format (arg, f);
}

char *
sim_study_text (const sim_study_t *s)
{
    return s_text (s_study_format, s);
}

//  The text of c's dictionary file, checked (a new string), or NULL.
static char *
s_dictionary_text (const sim_consortium_t *c)
{
    if (!c->dictionary_path) {
        char *text = util_strdup (model_dict_example ());
        if (!text)
            util_error_context ("keygen: dictionary");
        return text;
    }
    char *text = NULL;
    size_t size = 0;
    if (util_file_read (c->dictionary_path, MODEL_DICT_BYTES_MAX, 0, &text, &size)) {
        util_error_context ("keygen: dictionary %s", c->dictionary_path);
        return NULL;
    }
    model_dict_t *dict = model_dict_parse (c->dictionary_path, text, size);
    if (!dict) {
        util_error_context ("keygen: dictionary");
        free (text);
        return NULL;
    }
    model_dict_destroy (&dict);
    return text;
}

int
sim_consortium_write (const sim_consortium_t *c)
{
    if (c->threshold < HE_THRESHOLD_MIN)
        return util_error (UTIL_EINPUT, "keygen: threshold must be at least %d (with %u, one site "
                           "could decrypt every other site's update alone)", HE_THRESHOLD_MIN,
                           c->threshold);
    if (!c->n_sites || c->n_sites > HE_PARTIES_MAX || c->threshold > c->n_sites)
        return util_error (UTIL_EINPUT, "keygen: threshold %u of %zu sites is not possible", c->threshold, c->n_sites);
    for (size_t i = 0; i < c->n_sites; i++) {
        if (sim_consortium_check_site (c->sites [i]))
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp (c->sites [i], c->sites [j]) == 0)
                return util_error (UTIL_EINPUT, "keygen: site '%s' is listed twice", c->sites [i]);
    }
    //  The consortium's name names its admin key (audit/key.h rules).
    size_t nlen = c->name? strlen (c->name): 0;
    if (nlen == 0 || nlen > AUDIT_KEY_NAME_MAX || strcspn (c->name, " +") != nlen)
        return util_error (UTIL_EINPUT, "keygen: consortium name '%s': must be 1..%d characters "
                           "without space or '+' (it names the admin key)", c->name? c->name: "",
                           AUDIT_KEY_NAME_MAX);
    //  Refuse values no config can hold before the slow key generation.
    const char *values [] = { c->name, c->endpoint, c->dataset, NULL };
    for (size_t d = 0; d < c->n_extra; d++)
        if (sim_consortium_check_site (c->extra_datasets [d]))
            return util_error (UTIL_EINPUT, "keygen: dataset name '%s' must be a safe file name",
                        c->extra_datasets [d]);
    for (const char **v = values; *v; v++) {
        bool ok = **v != '\0';
        for (const char *p = *v; *p && ok; p++)
            ok = (unsigned char) *p >= 32 && *p != '"';
        if (!ok)
            return util_error (UTIL_EINPUT, "keygen: config value '%s': must be non-empty, without quotes or "
                        "control characters", *v);
    }
    if (s_mkdir (c->out, NULL, 0755) || s_mkdir (c->out, "certs", 0700)
    ||  s_mkdir (c->out, "certs/allowed", 0755) || s_mkdir (c->out, "keys", 0700)
    ||  s_mkdir (c->out, "sites", 0755))
        return -1;
    if (c->bundles && sim_bundle_check (c))
        return -1;
    if (!c->force && s_check_free (c))
        return -1;
    //  The dictionary is read and checked before the slow key generation.
    char *dictionary = NULL;
    if (c->dictionary && !(dictionary = s_dictionary_text (c)))
        return -1;

    int rc = sim_keys_write (c->out, "keys/", (unsigned) c->n_sites, c->threshold, c->bits,
                             c->force);
    char name [SIM_SITE_NAME_MAX + 32];

    char curve [41];
    char path [S_PATH_MAX], pub [S_PATH_MAX];
    snprintf (path, sizeof path, "%s/keys/admin.key", c->out);
    snprintf (pub, sizeof pub, "%s/keys/admin.pub", c->out);
    audit_signer_t *admin = rc? NULL: sim_admin_keypair (c->name, path, pub, c->force);
    snprintf (path, sizeof path, "%s/revocations.note", c->out);
    rc = rc || !admin || sim_admin_revocations_init (admin, path, c->force)
            || s_cert (c, "coordinator", "coordinator", false, NULL)
            || s_cert (c, "analyst", "analyst", true, curve)
            || s_identity (c, admin, PROTO_ROLE_ANALYST, "analyst", 0, curve)
            || s_cert (c, "observer", "observer", true, curve)
            || s_identity (c, admin, PROTO_ROLE_OBSERVER, "observer", 0, curve);
    for (size_t i = 0; i < c->n_sites && rc == 0; i++)
        rc = s_cert (c, c->sites [i], "site", true, curve)
          || s_identity (c, admin, PROTO_ROLE_SITE, c->sites [i], (unsigned) i + 1, curve);
    audit_signer_destroy (&admin);

    s_which_t all = { c, 0 };
    rc = rc || s_write (c->out, "coordinator.cfg", s_text (s_coordinator_cfg, &all), 0644,
                        c->force)
            || s_write (c->out, "analyst.cfg", s_text (s_analyst_cfg, &all), 0644, c->force)
            || s_write (c->out, "observer.cfg", s_text (s_observer_cfg, &all), 0644, c->force)
            || s_write (c->out, "study-example.cfg", s_text (s_study_cfg, &all), 0644,
                        c->force);
    for (size_t i = 0; i < c->n_sites && rc == 0; i++) {
        snprintf (name, sizeof name, "sites/%s.cfg", c->sites [i]);
        rc = s_write (c->out, name, sim_consortium_site_cfg (c, i, NULL), 0644, c->force);
    }
    if (rc == 0 && dictionary) {
        rc = s_write (c->out, "dictionary.csv", dictionary, 0644, c->force);
        dictionary = NULL;          //  s_write consumed it
    }
    free (dictionary);
    //  Last: a bundle copies the files written above.
    for (size_t i = 0; i < c->n_sites && rc == 0 && c->bundles; i++)
        rc = sim_bundle_write (c, i);
    return rc? -1: 0;
}
