/*  site/config.c - site.cfg. */
#include "config.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/config.h"
#include "util/metrics_server.h"
#include "site.h"
#include "proto/curve.h"
#include "proto/rolecert.h"
#include "proto/plan.h"

#include <czmq.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int
s_number (const char *path, zconfig_t *section, const char *key, double lo, double hi,
          const char *fallback, double *out)
{
    const char *text = zconfig_get (section, key, fallback);
    if (!text || !*text)
        return util_error (UTIL_EINPUT, "%s: %s: missing", path, key);
    char *end;
    errno = 0;
    double v = strtod (text, &end);
    if (errno || *end || end == text || !isfinite (v) || v < lo || v > hi)
        return util_error (UTIL_EINPUT, "%s: %s: '%s' is not a number in [%g, %g]", path, key, text, lo, hi);
    *out = v;
    return 0;
}

static const char *s_ingest_keys [] = {
    "endpoint", "gateways", "store", "storage_key", "audit", "audit_origin", NULL
};

//  The optional ingest section: the endpoint's config, and open_research.
static int
s_ingest (const char *path, zconfig_t *section, ingest_config_t **out, bool *open_research)
{
    ingest_config_t *in = *out = util_calloc (1, sizeof *in);
    if (!in)
        return util_error_context ("%s: site/ingest", path);
    for (zconfig_t *c = zconfig_child (section); c; c = zconfig_next (c)) {
        int known = 0;
        for (int i = 0; s_ingest_keys [i]; i++)
            known |= !strcmp (zconfig_name (c), s_ingest_keys [i]);
        known |= !strcmp (zconfig_name (c), "open_research");
        known |= !strcmp (zconfig_name (c), "queue");
        if (!known)
            return util_error (UTIL_EINPUT, "%s: site/ingest/%s: unknown key", path, zconfig_name (c));
    }
    const char *open_text = zconfig_get (section, "open_research", "false");
    if (strcmp (open_text, "true") && strcmp (open_text, "false"))
        return util_error (UTIL_EINPUT, "%s: site/ingest/open_research: '%s' is neither true nor "
                           "false", path, open_text);
    *open_research = !strcmp (open_text, "true");
    char fallback [16];
    double queue;
    snprintf (fallback, sizeof fallback, "%d", INGEST_ENDPOINT_QUEUE_DEFAULT);
    if (s_number (path, section, "queue", 1, INGEST_ENDPOINT_QUEUE_MAX, fallback, &queue))
        return -1;
    if (queue != floor (queue))
        return util_error (UTIL_EINPUT, "%s: site/ingest/queue: not a whole number", path);
    in->queue = (unsigned) queue;
    char **fields [] = { &in->endpoint, &in->gateways, &in->store, &in->storage_key,
                         &in->audit, &in->audit_origin };
    for (int i = 0; s_ingest_keys [i]; i++) {
        const char *value = zconfig_get (section, s_ingest_keys [i], NULL);
        if (!value || !*value) {
            if (i == 5)
                continue;
            return util_error (UTIL_EINPUT, "%s: site/ingest/%s: missing", path, s_ingest_keys [i]);
        }
        *fields [i] = i == 0 || i == 5? util_strdup (value): util_config_path (path, value);
        if (!*fields [i])
            return util_error_context ("%s: site/ingest/%s", path, s_ingest_keys [i]);
    }
    return 0;
}

static const char *s_keys [] = {
    "name", "index", "coordinator", "coordinator_cert", "cert", "share", "public_key",
    "ledger", "allow_privacy_off", "budget", "dataset", "ingest", "audit", "audit_origin",
    "dictionary", "min_subset", "alerts", "role_cert", "sign_key", "admin_key", "policy",
    "revocations", "study_max_age_s", "study_idle_s", "state", "metrics", "metrics_allow_remote", "log_format",
    NULL
};

//  The optional policy section (site/policy.h): each cap a whole number in
//  1..its protocol limit, the documented default when left out.
static int
s_policy (const char *path, zconfig_t *site, site_policy_t *policy)
{
    site_policy_default (policy);
    zconfig_t *section = zconfig_locate (site, "policy");
    if (!section)
        return 0;
    static const char *keys [] = { "max_params", "max_steps", "max_features", "max_hidden" };
    uint64_t *fields [] = { &policy->max_params, &policy->max_steps, &policy->max_features,
                            &policy->max_hidden };
    const double max [] = { SITE_POLICY_PARAMS_MAX, SITE_POLICY_STEPS_MAX,
                            SITE_POLICY_FEATURES_MAX, SITE_POLICY_HIDDEN_MAX };
    for (zconfig_t *c = zconfig_child (section); c; c = zconfig_next (c)) {
        int known = 0;
        for (int i = 0; i < 4; i++)
            known |= !strcmp (zconfig_name (c), keys [i]);
        if (!known)
            return util_error (UTIL_EINPUT, "%s: site/policy/%s: unknown key", path, zconfig_name (c));
    }
    for (int i = 0; i < 4; i++) {
        char key [64], fallback [32];
        double v;
        snprintf (key, sizeof key, "policy/%s", keys [i]);
        snprintf (fallback, sizeof fallback, "%llu", (unsigned long long) *fields [i]);
        if (s_number (path, site, key, 1, max [i], fallback, &v))
            return -1;
        if (v != floor (v))
            return util_error (UTIL_EINPUT, "%s: site/%s: not a whole number", path, key);
        *fields [i] = (uint64_t) v;
    }
    return 0;
}

//  The optional alerts section (ingest/alerts.h): rejection spikes per
//  device at the ingest endpoint, so it needs an ingest section.
static int
s_alerts (const char *path, zconfig_t *site, zconfig_t *section, ingest_config_t *in)
{
    for (zconfig_t *c = zconfig_child (section); c; c = zconfig_next (c))
        if (strcmp (zconfig_name (c), "ingest_rejects") && strcmp (zconfig_name (c), "ingest_window_s"))
            return util_error (UTIL_EINPUT, "%s: site/alerts/%s: unknown key", path, zconfig_name (c));
    if (!in)
        return util_error (UTIL_EINPUT, "%s: site/alerts: watches the ingest endpoint: there is no "
                           "ingest section", path);
    double rejects, window;
    if (s_number (path, site, "alerts/ingest_rejects", 1, 100000, "20", &rejects)
    ||  s_number (path, site, "alerts/ingest_window_s", 1, 86400, "60", &window))
        return -1;
    if (rejects != floor (rejects) || window != floor (window))
        return util_error (UTIL_EINPUT, "%s: site/alerts: ingest_rejects and ingest_window_s are "
                           "whole numbers", path);
    in->alert_rejects = (unsigned) rejects;
    in->alert_window_s = (unsigned) window;
    return 0;
}

//  The role certificate (proto/rolecert.h): site/role_cert, checked against
//  site/admin_key (it opens now), site/sign_key (it names this key), the
//  site's name and share index, and the CURVE key of site/cert.
static int
s_role (const char *path, zconfig_t *site, site_config_t *self)
{
    const char *keys [] = { "role_cert", "sign_key", "admin_key" };
    char **fields [] = { &self->role_cert, &self->sign_key, &self->admin_key };
    for (int i = 0; i < 3; i++) {
        const char *value = zconfig_get (site, keys [i], NULL);
        if (!value || !*value)
            return util_error (UTIL_EINPUT, "%s: site/%s: missing (role certificates are required: "
                               "cohort keygen consortium or cohort admin grant makes them)", path,
                               keys [i]);
        if (!(*fields [i] = util_config_path (path, value)))
            return util_error_context ("%s: site/%s", path, keys [i]);
    }
    self->admin = audit_verifier_load (self->admin_key);
    if (!self->admin)
        return util_error_context ("%s: site/admin_key", path);
    audit_signer_t *signer = audit_signer_load (self->sign_key);
    if (!signer)
        return util_error_context ("%s: site/sign_key", path);
    self->role_cert_text = proto_rolecert_read (self->role_cert, signer, self->admin,
                                                (uint64_t) time (NULL), &self->role);
    audit_signer_destroy (&signer);
    if (!self->role_cert_text)
        return util_error_context ("%s: site/role_cert", path);
    const proto_rolecert_t *r = self->role;
    if (r->role != PROTO_ROLE_SITE || strcmp (r->name, self->name) || r->index != self->index)
        return util_error (UTIL_EINPUT, "%s: site/role_cert: %s is for %s '%s' (share %u), not for "
                           "site '%s' (share %u)", path, self->role_cert, proto_role_name (r->role),
                           r->name, (unsigned) r->index, self->name, self->index);
    zcert_t *cert = proto_cert_load ("site/cert", self->cert);
    if (!cert)
        return util_error_context ("%s", path);
    bool same = strcmp (zcert_public_txt (cert), r->curve) == 0;
    proto_cert_destroy (&cert);
    if (!same)
        return util_error (UTIL_EINPUT, "%s: site/role_cert: %s names another CURVE key than "
                           "site/cert %s", path, self->role_cert, self->cert);
    return 0;
}

site_config_t *
site_config_load (const char *path)
{
    zconfig_t *root = util_config_read (path);
    if (!root)
        return NULL;
    site_config_t *self = util_calloc (1, sizeof *self);
    int rc = -1;
    double v;
    if (!self) {
        util_error_context ("%s", path);
        goto done;
    }
    zconfig_t *site = zconfig_locate (root, "site");
    if (!site) {
        util_error (UTIL_EINPUT, "%s: no 'site' section", path);
        goto done;
    }
    for (zconfig_t *c = zconfig_child (site); c; c = zconfig_next (c)) {
        int known = 0;
        for (int i = 0; s_keys [i]; i++)
            known |= !strcmp (zconfig_name (c), s_keys [i]);
        if (!known) {
            util_error (UTIL_EINPUT, "%s: site/%s: unknown key", path, zconfig_name (c));
            goto done;
        }
    }
    const char *keys [] = { "name", "coordinator", "coordinator_cert", "cert", "share",
                            "public_key", "ledger" };
    char **fields [] = { &self->name, &self->coordinator, &self->coordinator_cert, &self->cert,
                         &self->share, &self->public_key, &self->ledger };
    for (int i = 0; i < 7; i++) {
        const char *value = zconfig_get (site, keys [i], NULL);
        if (!value || !*value) {
            util_error (UTIL_EINPUT, "%s: site/%s: missing", path, keys [i]);
            goto done;
        }
        *fields [i] = i < 2? util_strdup (value): util_config_path (path, value);
        if (!*fields [i]) {
            util_error_context ("%s: site/%s", path, keys [i]);
            goto done;
        }
    }
    if (strlen (self->name) > 128) {
        util_error (UTIL_ELIMIT, "%s: site/name: longer than 128 characters", path);
        goto done;
    }
    if (s_number (path, site, "index", 1, PROTO_MAX_PARTIES, NULL, &v))
        goto done;
    self->index = (unsigned) v;
    if (v != floor (v)) {
        util_error (UTIL_EINPUT, "%s: index: not a whole number", path);
        goto done;
    }
    const char *off = zconfig_get (site, "allow_privacy_off", "false");
    if (strcmp (off, "true") && strcmp (off, "false")) {
        util_error (UTIL_EINPUT, "%s: site/allow_privacy_off: '%s' is neither true nor false", path, off);
        goto done;
    }
    self->allow_privacy_off = !strcmp (off, "true");
    const char *dictionary = zconfig_get (site, "dictionary", NULL);
    if (dictionary && !*dictionary) {
        util_error (UTIL_EINPUT, "%s: site/dictionary: is empty", path);
        goto done;
    }
    if (dictionary && !(self->dictionary = util_config_path (path, dictionary))) {
        util_error_context ("%s: site/dictionary", path);
        goto done;
    }
    double min_subset;
    if (s_number (path, site, "min_subset", 0, 1e9, "0", &min_subset))
        goto done;
    if (min_subset != floor (min_subset)) {
        util_error (UTIL_EINPUT, "%s: site/min_subset: not a whole number", path);
        goto done;
    }
    self->min_subset = (uint64_t) min_subset;
    double max_age, idle;
    if (s_number (path, site, "study_max_age_s", 60, 604800, "3600", &max_age)
    ||  s_number (path, site, "study_idle_s", 1, 2592000, "86400", &idle))
        goto done;
    //  The accepted study's file (site/state.h): beside the ledger unless named.
    const char *state = zconfig_get (site, "state", NULL);
    if (state && !*state) {
        util_error (UTIL_EINPUT, "%s: site/state: is empty", path);
        goto done;
    }
    self->state = state? util_config_path (path, state): util_asprintf ("%s.state", self->ledger);
    if (!self->state) {
        util_error_context ("%s: site/state", path);
        goto done;
    }
    self->study_max_age_s = (uint64_t) max_age;
    self->study_idle_s = (uint64_t) idle;
    //  Observability (docs/operations.md): the metrics listener and the
    //  log format.
    if (util_metrics_server_config (&self->metrics, &self->metrics_allow_remote, path, site,
                                    "site")
    ||  util_log_config (&self->log_format, path, site, "site"))
        goto done;
    const char *revocations = zconfig_get (site, "revocations", NULL);
    if (revocations && !*revocations) {
        util_error (UTIL_EINPUT, "%s: site/revocations: is empty", path);
        goto done;
    }
    if (revocations && !(self->revocations = util_config_path (path, revocations))) {
        util_error_context ("%s: site/revocations", path);
        goto done;
    }
    zconfig_t *budget = zconfig_locate (site, "budget");
    if (!budget) {
        util_error (UTIL_EINPUT, "%s: site/budget: missing", path);
        goto done;
    }
    if (s_number (path, budget, "epsilon", 1e-6, 1e4, NULL, &self->budget_epsilon)
    ||  s_number (path, budget, "delta", 1e-300, PROTO_DELTA_MAX, NULL, &self->budget_delta)
    ||  s_policy (path, site, &self->policy))
        goto done;
    for (zconfig_t *c = zconfig_child (site); c; c = zconfig_next (c)) {
        if (strcmp (zconfig_name (c), "dataset"))
            continue;
        if (self->n_datasets == SITE_DATASETS_MAX) {
            util_error (UTIL_ELIMIT, "%s: more than %d datasets", path, SITE_DATASETS_MAX);
            goto done;
        }
        site_dataset_t *d = &self->datasets [self->n_datasets++];
        const char *name = zconfig_get (c, "name", NULL);
        const char *data = zconfig_get (c, "path", NULL);
        const char *test = zconfig_get (c, "test_path", NULL);
        if (!name || !*name || !data || !*data) {
            util_error (UTIL_EINPUT, "%s: site/dataset: needs a name and a path", path);
            goto done;
        }
        if (!(d->name = util_strdup (name)) || !(d->path = util_config_path (path, data))
        ||  (test && *test && !(d->test_path = util_config_path (path, test)))) {
            util_error_context ("%s: dataset %s", path, name);
            goto done;
        }
        if (s_number (path, c, "test_fraction", 0, 0.9, "0", &d->test_fraction))
            goto done;
        const char *patients = zconfig_get (c, "patient_column", NULL);
        if (patients && !*patients) {
            util_error (UTIL_EINPUT, "%s: dataset %s: patient_column is empty", path, name);
            goto done;
        }
        if (patients && !(d->patient_column = util_strdup (patients))) {
            util_error_context ("%s: dataset %s", path, name);
            goto done;
        }
        if (d->test_path && d->test_fraction > 0) {
            util_error (UTIL_EINPUT, "%s: dataset %s: test_path and test_fraction exclude each other",
                        path, name);
            goto done;
        }
    }
    zconfig_t *ingest = zconfig_locate (site, "ingest");
    if (ingest && s_ingest (path, ingest, &self->ingest, &self->open_research))
        goto done;
    zconfig_t *alerts = zconfig_locate (site, "alerts");
    if (alerts && s_alerts (path, site, alerts, self->ingest))
        goto done;
    const char *audit = zconfig_get (site, "audit", NULL);
    const char *origin = zconfig_get (site, "audit_origin", NULL);
    if (ingest && (audit || origin)) {
        util_error (UTIL_EINPUT, "%s: site/%s: with an ingest section the audit log is ingest/audit",
                    path, audit? "audit": "audit_origin");
        goto done;
    }
    if ((audit && !*audit) || (origin && !*origin) || (origin && !audit)) {
        util_error (UTIL_EINPUT, "%s: site/%s: %s", path, audit && *audit? "audit_origin": "audit",
                    audit? "is empty": "missing (audit_origin needs it)");
        goto done;
    }
    const char *origin_copy = self->ingest? self->ingest->audit_origin: origin;
    if ((self->ingest && !(self->audit = util_strdup (self->ingest->audit)))
    ||  (!self->ingest && audit && !(self->audit = util_config_path (path, audit)))
    ||  (self->audit && origin_copy && !(self->audit_origin = util_strdup (origin_copy)))) {
        util_error_context ("%s: site/audit", path);
        goto done;
    }
    for (size_t i = 0; i < self->n_datasets; i++) {
        site_dataset_t *d = &self->datasets [i];
        if (!d->patient_column)
            continue;
        if (!self->ingest) {
            util_error (UTIL_EINPUT, "%s: dataset %s: patient_column needs an ingest section (the grant "
                        "store)", path, d->name);
            goto done;
        }
        d->open_research = self->open_research;
        if (!(d->grant_store = util_strdup (self->ingest->store))
        ||  !(d->grant_site = util_asprintf ("Organization/%s", self->name))) {
            util_error_context ("%s: dataset %s", path, d->name);
            goto done;
        }
    }
    //  Last: the text is checked before any file it names is read.
    if (s_role (path, site, self))
        goto done;
    rc = 0;
done:
    zconfig_destroy (&root);
    if (rc)
        site_config_destroy (&self);
    return self;
}

void
site_config_destroy (site_config_t **self_p)
{
    if (self_p && *self_p) {
        site_config_t *s = *self_p;
        free (s->name); free (s->coordinator); free (s->coordinator_cert); free (s->cert);
        free (s->share); free (s->public_key); free (s->ledger);
        free (s->audit); free (s->audit_origin); free (s->dictionary);
        free (s->role_cert); free (s->sign_key); free (s->admin_key); free (s->role_cert_text);
        free (s->revocations);
        free (s->state);
        free (s->metrics);
        proto_rolecert_destroy (&s->role);
        audit_verifier_destroy (&s->admin);
        for (size_t i = 0; i < s->n_datasets; i++) {
            free (s->datasets [i].name);
            free (s->datasets [i].path);
            free (s->datasets [i].test_path);
            free (s->datasets [i].patient_column);
            free (s->datasets [i].grant_store);
            free (s->datasets [i].grant_site);
        }
        if (s->ingest) {
            ingest_config_t *in = s->ingest;
            free (in->endpoint); free (in->gateways); free (in->store);
            free (in->storage_key); free (in->audit); free (in->audit_origin);
            free (in);
        }
        free (s);
        *self_p = NULL;
    }
}

const site_dataset_t *
site_config_dataset (const site_config_t *self, const char *name)
{
    for (size_t i = 0; i < self->n_datasets; i++)
        if (!strcmp (self->datasets [i].name, name))
            return &self->datasets [i];
    return NULL;
}

//  Two optional strings are the same.
static bool
s_same (const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp (a, b) == 0);
}

int
site_config_reload (site_config_t *fresh, site_config_t *running, const char *path)
{
    //  What the worker opened at start: its identity, its keys, its
    //  connections and its files.
    struct { const char *key, *a, *b; } keys [] = {
        { "name", fresh->name, running->name },
        { "coordinator", fresh->coordinator, running->coordinator },
        { "coordinator_cert", fresh->coordinator_cert, running->coordinator_cert },
        { "cert", fresh->cert, running->cert },
        { "share", fresh->share, running->share },
        { "public_key", fresh->public_key, running->public_key },
        { "ledger", fresh->ledger, running->ledger },
        { "audit", fresh->audit, running->audit },
        { "audit_origin", fresh->audit_origin, running->audit_origin },
        { "role_cert", fresh->role_cert, running->role_cert },
        { "role_cert (its contents)", fresh->role_cert_text, running->role_cert_text },
        { "sign_key", fresh->sign_key, running->sign_key },
        { "admin_key", fresh->admin_key, running->admin_key },
        { "state", fresh->state, running->state },
        { "metrics", fresh->metrics, running->metrics },
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys [0]; i++)
        if (!s_same (keys [i].a, keys [i].b))
            return util_error (UTIL_EREFUSED, "%s: site/%s changed: that needs a restart", path,
                               keys [i].key);
    if (fresh->index != running->index)
        return util_error (UTIL_EREFUSED, "%s: site/index changed: that needs a restart", path);
    if (fresh->study_max_age_s != running->study_max_age_s)
        return util_error (UTIL_EREFUSED, "%s: site/study_max_age_s changed: that needs a restart "
                           "(it sizes the replay window)", path);
    const ingest_config_t *a = fresh->ingest, *b = running->ingest;
    if ((a == NULL) != (b == NULL)
    ||  (a && (!s_same (a->endpoint, b->endpoint) || !s_same (a->gateways, b->gateways)
           ||  !s_same (a->store, b->store) || !s_same (a->storage_key, b->storage_key)
           ||  !s_same (a->audit, b->audit) || !s_same (a->audit_origin, b->audit_origin)
           ||  a->alert_rejects != b->alert_rejects || a->alert_window_s != b->alert_window_s)))
        return util_error (UTIL_EREFUSED, "%s: site/ingest changed: that needs a restart", path);
    //  The objects the worker lent out at start (the admin's key to its
    //  peers' checks) stay the ones it lent: the fresh config takes them
    //  over, equal as they are by the checks above.
    site_config_t *old = running;
    audit_verifier_t *admin = fresh->admin;
    fresh->admin = old->admin;
    old->admin = admin;
    proto_rolecert_t *role = fresh->role;
    fresh->role = old->role;
    old->role = role;
    ingest_config_t *ingest = fresh->ingest;
    fresh->ingest = old->ingest;
    old->ingest = ingest;
    return 0;
}
