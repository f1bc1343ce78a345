/*  coordinator/config.c - coordinator.cfg. */
#include "config.h"
#include "util/error.h"

#include <czmq.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_BYTES (1 << 20)

char *
coord_path_join (const char *config_path, const char *value)
{
    if (!value || value [0] == '/' || strstr (value, "://"))
        return value? strdup (value): NULL;
    char *copy = strdup (config_path);
    char *dir = dirname (copy);
    char *out = zsys_sprintf ("%s/%s", dir, value);
    free (copy);
    char *result = strdup (out);
    zstr_free (&out);
    return result;
}

static const char *s_keys [] = {
    "name", "endpoint", "cert", "allowlist", "journal", "public_key", "verify_key",
    "round_timeout_ms", NULL
};

zconfig_t *
coord_config_read (const char *path)
{
    //  Read with a size bound, then parse from memory (zconfig_load leaks
    //  its file object when the text does not parse; found by fuzzing).
    zchunk_t *text = zchunk_slurp (path, CONFIG_MAX_BYTES + 1);
    if (!text) {
        util_error (UTIL_EIO, "%s: cannot read the config file", path);
        return NULL;
    }
    if (zchunk_size (text) > CONFIG_MAX_BYTES) {
        zchunk_destroy (&text);
        util_error (UTIL_ELIMIT, "%s: larger than %d bytes: not a config file", path, CONFIG_MAX_BYTES);
        return NULL;
    }
    zconfig_t *root = zconfig_chunk_load (text);
    zchunk_destroy (&text);
    if (!root)
        util_error (UTIL_EINPUT, "%s: not valid ZPL (see the line the parser reported above)", path);
    return root;
}

coord_config_t *
coord_config_load (const char *path)
{
    zconfig_t *root = coord_config_read (path);
    if (!root)
        return NULL;
    coord_config_t *self = calloc (1, sizeof *self);
    int rc = -1;
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
        *fields [i] = i < 2? strdup (value): coord_path_join (path, value);
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
