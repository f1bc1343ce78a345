/*  coordinator/config.c - coordinator.cfg. */
#include "config.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/config.h"

#include <czmq.h>
#include <stdlib.h>
#include <string.h>

static const char *s_keys [] = {
    "name", "endpoint", "cert", "allowlist", "journal", "public_key", "verify_key",
    "round_timeout_ms", NULL
};

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
    const char *timeout = zconfig_get (section, "round_timeout_ms", "30000");
    char *end;
    unsigned long long ms = strtoull (timeout, &end, 10);
    if (*end || ms < 100 || ms > 86400000ULL) {
        util_error (UTIL_EINPUT, "%s: coordinator/round_timeout_ms: '%s' is not in 100..86400000",
                    path, timeout);
        goto done;
    }
    self->round_timeout_ms = ms;
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
        free (s);
        *self_p = NULL;
    }
}
