/*  util/config.c - bounded ZPL config files. */
#include "config.h"
#include "alloc.h"
#include "file.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>

char *
util_config_path (const char *config_path, const char *value)
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
                                UTIL_CONFIG_MAX);
    char why [UTIL_ERROR_MAX];
    util_error_copy (why, sizeof why);
    size_t n = strlen (path);
    const char *rest = !strncmp (why, path, n) && !strncmp (why + n, ": ", 2)? why + n + 2: why;
    return util_error_null (code, "%s: cannot read the config file: %s", path, rest);
}

zconfig_t *
util_config_read (const char *path)
{
    char *text = NULL;
    size_t len = 0;
    if (util_file_read (path, UTIL_CONFIG_MAX, 0, &text, &len))
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
        util_error (UTIL_EINPUT, "%s: not valid ZPL (see the line the parser reported above)",
                    path);
    return root;
}
