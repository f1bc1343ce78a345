/*  coordinator/config.c - coordinator.cfg. */
#include "config.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/file.h"

#include <czmq.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_BYTES (1 << 20)

char *
coord_path_join (const char *config_path, const char *value)
{
    if (!value)
        return NULL;
    if (value [0] == '/' || strstr (value, "://"))
        return util_strdup (value);
    //  dirname may write into its argument: a copy.
    char *copy = util_strdup (config_path);
    char *joined = copy? util_asprintf ("%s/%s", dirname (copy), value): NULL;
    free (copy);
    return joined;
}

//  Rephrases the reason util_file_read left for a config file: the size
//  limit, or "<path>: cannot read the config file: <why>". Keeps the code.
static zconfig_t *
s_unreadable (const char *path)
{
    util_code_t code = util_last_code ();
    if (code == UTIL_ELIMIT)
        return util_error_null (code, "%s: larger than %d bytes: not a config file", path,
                                CONFIG_MAX_BYTES);
    char why [UTIL_ERROR_MAX];
    util_error_copy (why, sizeof why);
    size_t n = strlen (path);
    const char *rest = !strncmp (why, path, n) && !strncmp (why + n, ": ", 2)? why + n + 2: why;
    return util_error_null (code, "%s: cannot read the config file: %s", path, rest);
}

static const char *s_keys [] = {
    "name", "endpoint", "cert", "allowlist", "journal", "public_key", "verify_key",
    "round_timeout_ms", NULL
};

zconfig_t *
coord_config_read (const char *path)
{
    char *text = NULL;
    size_t len = 0;
    if (util_file_read (path, CONFIG_MAX_BYTES, 0, &text, &len))
        return s_unreadable (path);
    //  Parsed from memory (zconfig_load leaks its file object when the text
    //  does not parse; found by fuzzing).
    zchunk_t *chunk = zchunk_new (text, len);
    free (text);
    if (!chunk)
        return util_error_null (UTIL_ENOMEM, "%s: out of memory reading the config file", path);
    zconfig_t *root = zconfig_chunk_load (chunk);
    zchunk_destroy (&chunk);
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
        *fields [i] = i < 2? util_strdup (value): coord_path_join (path, value);
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
