/*  coordinator/config.c - coordinator.cfg. */
#include "config.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/config.h"
#include "util/metrics_server.h"

#include <czmq.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *s_keys [] = {
    "name", "endpoint", "cert", "allowlist", "journal", "public_key", "verify_key",
    "round_timeout_ms", "liveness_timeout_ms", "max_running",
    "max_running_per_analyst", "dictionary", "allow_privacy_off", "min_cell",
    "max_levels", "audit", "audit_origin", "admin_key", "revocations", "metrics",
    "metrics_allow_remote", "log_format", "verify_threads", NULL
};

//  TOTP's keys (coordinator/totp.h), known besides s_keys.
static const char *s_totp_keys [] = {
    "totp", "totp_max_failures", "totp_cooloff_s", "totp_session_s", NULL
};

//  An optional whole number in lo..hi (fallback when absent).
static int
s_whole (const char *path, zconfig_t *section, const char *key, unsigned long long lo,
         unsigned long long hi, const char *fallback, unsigned long long *out)
{
    const char *text = zconfig_get (section, key, fallback);
    char *end;
    errno = 0;
    unsigned long long v = strtoull (text, &end, 10);
    if (errno || !*text || *end || *text == '-' || v < lo || v > hi)
        return util_error (UTIL_EINPUT, "%s: coordinator/%s: '%s' is not in %llu..%llu", path,
                           key, text, lo, hi);
    *out = v;
    return 0;
}

//  "cohort/<name>/coordinator" with the name's characters that an origin
//  line may not hold (audit_checkpoint_origin_ok) replaced by '-'.
static char *
s_default_origin (const char *name)
{
    size_t len = strlen (name);
    char *origin = util_malloc (len + sizeof "cohort//coordinator");
    if (!origin)
        return NULL;
    snprintf (origin, len + sizeof "cohort//coordinator", "cohort/%s/coordinator", name);
    for (char *c = origin; *c; c++)
        if (*c <= ' ' || *c > '~' || *c == '+')
            *c = '-';
    return origin;
}

//  The TOTP store (absent: TOTP is off) and its limits.
static int
s_totp (const char *path, zconfig_t *section, coord_config_t *self)
{
    const char *totp = zconfig_get (section, "totp", NULL);
    if (totp && !*totp)
        return util_error (UTIL_EINPUT, "%s: coordinator/totp: is empty (leave it out to turn "
                           "TOTP off)", path);
    if (totp && !(self->totp = util_config_path (path, totp)))
        return util_error_context ("%s: coordinator/totp", path);
    unsigned long long failures, cooloff, session;
    if (s_whole (path, section, "totp_max_failures", 1, 1000, "5", &failures)
    ||  s_whole (path, section, "totp_cooloff_s", 1, 86400, "300", &cooloff)
    ||  s_whole (path, section, "totp_session_s", 0, 86400, "900", &session))
        return -1;
    self->totp_max_failures = (unsigned) failures;
    self->totp_cooloff_s = (unsigned) cooloff;
    self->totp_session_s = (unsigned) session;
    return 0;
}

coord_config_t *
coord_config_load (const char *path)
{
    zconfig_t *root = util_config_read (path);
    if (!root)
        return NULL;
    coord_config_t *self = util_calloc (1, sizeof *self);
    int rc = -1;
    if (!self) {
        util_error_context ("%s", path);
        goto done;
    }
    zconfig_t *section = zconfig_locate (root, "coordinator");
    if (!section) {
        util_error (UTIL_EINPUT, "%s: no 'coordinator' section", path);
        goto done;
    }
    for (zconfig_t *c = zconfig_child (section); c; c = zconfig_next (c)) {
        int known = 0;
        for (int i = 0; s_keys [i]; i++)
            known |= !strcmp (zconfig_name (c), s_keys [i]);
        for (int i = 0; s_totp_keys [i]; i++)
            known |= !strcmp (zconfig_name (c), s_totp_keys [i]);
        if (!known) {
            util_error (UTIL_EINPUT, "%s: coordinator/%s: unknown key (a coordinator holds no key share)",
                        path, zconfig_name (c));
            goto done;
        }
    }
    char **fields [] = { &self->name, &self->endpoint, &self->cert, &self->allowlist,
                         &self->journal, &self->public_key, &self->verify_key };
    for (int i = 0; i < 7; i++) {
        const char *value = zconfig_get (section, s_keys [i], NULL);
        if (!value || !*value) {
            util_error (UTIL_EINPUT, "%s: coordinator/%s: missing", path, s_keys [i]);
            goto done;
        }
        *fields [i] = i < 2? util_strdup (value): util_config_path (path, value);
        if (!*fields [i]) {
            util_error_context ("%s: coordinator/%s", path, s_keys [i]);
            goto done;
        }
    }
    //  Role certificates (coordinator/roles.h): there is no running without.
    const char *admin = zconfig_get (section, "admin_key", NULL);
    if (!admin || !*admin) {
        util_error (UTIL_EINPUT, "%s: coordinator/admin_key: missing (the consortium admin's "
                    "verifier key: role certificates are required; cohort keygen consortium "
                    "writes keys/admin.pub)", path);
        goto done;
    }
    const char *revocations = zconfig_get (section, "revocations", NULL);
    if (revocations && !*revocations) {
        util_error (UTIL_EINPUT, "%s: coordinator/revocations: is empty", path);
        goto done;
    }
    if (!(self->admin_key = util_config_path (path, admin))
    ||  (revocations && !(self->revocations = util_config_path (path, revocations)))) {
        util_error_context ("%s: coordinator/admin_key", path);
        goto done;
    }
    unsigned long long ms, live, min_cell, max_levels, running, per_analyst, threads;
    //  One verifying thread per online CPU unless the file says otherwise.
    long cpus = sysconf (_SC_NPROCESSORS_ONLN);
    char cpus_text [24];
    snprintf (cpus_text, sizeof cpus_text, "%ld", cpus < 1? 1: cpus > COORD_VERIFY_THREADS_MAX
                                                 ? COORD_VERIFY_THREADS_MAX: cpus);
    if (s_whole (path, section, "round_timeout_ms", 100, 86400000ULL, "30000", &ms)
    ||  s_whole (path, section, "liveness_timeout_ms", 1000, 86400000ULL, "6000", &live)
    ||  s_whole (path, section, "max_running", 1, 32, "16", &running)
    ||  s_whole (path, section, "max_running_per_analyst", 1, 32, "4", &per_analyst)
    ||  s_whole (path, section, "verify_threads", 1, COORD_VERIFY_THREADS_MAX, cpus_text,
                 &threads)
    ||  s_whole (path, section, "min_cell", 0, 1000000, "5", &min_cell)
    ||  s_whole (path, section, "max_levels", 2, 256, "40", &max_levels))
        goto done;
    self->round_timeout_ms = ms;
    self->liveness_timeout_ms = live;
    self->max_running = (unsigned) running;
    self->max_running_per_analyst = (unsigned) per_analyst;
    self->verify_threads = (unsigned) threads;
    self->min_cell = (unsigned) min_cell;
    self->max_levels = (unsigned) max_levels;
    const char *dictionary = zconfig_get (section, "dictionary", NULL);
    if (dictionary && *dictionary
    &&  !(self->dictionary = util_config_path (path, dictionary))) {
        util_error_context ("%s: coordinator/dictionary", path);
        goto done;
    }
    //  The audit log: refusals and alerts (audit/log.h). Default: beside the
    //  journal, origin "cohort/<name>/coordinator".
    const char *audit = zconfig_get (section, "audit", NULL);
    const char *origin = zconfig_get (section, "audit_origin", NULL);
    if (audit && !*audit) {
        util_error (UTIL_EINPUT, "%s: coordinator/audit: is empty", path);
        goto done;
    }
    self->audit = audit? util_config_path (path, audit): util_config_path (path, "coordinator.audit.db");
    self->audit_origin = origin? util_strdup (origin): NULL;
    if (!self->audit || (origin && !self->audit_origin)
    ||  (!origin && !(self->audit_origin = s_default_origin (self->name)))) {
        util_error_context ("%s: coordinator/audit", path);
        goto done;
    }
    if (s_totp (path, section, self))
        goto done;
    const char *off = zconfig_get (section, "allow_privacy_off", "false");
    if (strcmp (off, "true") && strcmp (off, "false")) {
        util_error (UTIL_EINPUT, "%s: coordinator/allow_privacy_off: '%s' is neither 'true' nor "
                    "'false'", path, off);
        goto done;
    }
    self->allow_privacy_off = !strcmp (off, "true");
    //  Observability (docs/operations.md): the metrics listener and the
    //  log format.
    if (util_metrics_server_config (&self->metrics, &self->metrics_allow_remote, path, section,
                                    "coordinator")
    ||  util_log_config (&self->log_format, path, section, "coordinator"))
        goto done;
    rc = 0;
done:
    zconfig_destroy (&root);
    if (rc)
        coord_config_destroy (&self);
    return self;
}

void
coord_config_destroy (coord_config_t **self_p)
{
    if (self_p && *self_p) {
        coord_config_t *s = *self_p;
        free (s->name); free (s->endpoint); free (s->cert); free (s->allowlist);
        free (s->journal); free (s->public_key); free (s->verify_key);
        free (s->dictionary);
        free (s->totp);
        free (s->audit); free (s->audit_origin);
        free (s->admin_key); free (s->revocations);
        free (s->metrics);
        free (s);
        *self_p = NULL;
    }
}
