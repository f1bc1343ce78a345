/*  util/config.h - reading the ZPL configuration files (czmq zconfig) that
    every daemon and tool of Cohort takes: coordinator.cfg, site.cfg,
    analyst.cfg.

    Contents
        UTIL_CONFIG_MAX     the largest config file read
        util_config_read    a config file, bounded and parsed from memory
        util_config_path    a path value taken relative to its config file

    The tree util_config_read returns and the path util_config_path returns
    belong to the caller (zconfig_destroy, free). Both return NULL on
    failure, with the reason in the error slot (util/error.h). A read error
    names the file: "<path>: cannot read the config file: <why>",
    "<path>: larger than 1048576 bytes: not a config file", "<path>: not
    valid ZPL ...", with the code of the cause (UTIL_EIO, UTIL_ELIMIT,
    UTIL_EINPUT).
*/
#ifndef UTIL_CONFIG_H
#define UTIL_CONFIG_H

#include "util/error.h"

#include <czmq.h>

#define UTIL_CONFIG_MAX (1 << 20)

/*  Reads and parses the config file at `path` (at most UTIL_CONFIG_MAX
    bytes). Returns the tree (the caller destroys it with zconfig_destroy)
    or NULL with the reason. */
zconfig_t *util_config_read (const char *path);

/*  `value` as a path: as it is when absolute or a URL ("tcp://..."), else
    relative to the directory of the config file at `config_path`. A new
    string (the caller frees), or NULL for a NULL value or out of memory
    (UTIL_ENOMEM). */
char *util_config_path (const char *config_path, const char *value);

#endif
