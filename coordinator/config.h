/*  coordinator/config.h - coordinator.cfg (ZPL):

    coordinator
        name = demo-consortium
        endpoint = tcp://127.0.0.1:7600
        cert = certs/coordinator.secret     zcert secret file
        allowlist = certs/allowed           public certs of sites and analysts
        journal = coordinator.db            SQLite journal
        public_key = keys/paillier.pub
        verify_key = keys/verify.key
        round_timeout_ms = 30000            optional (default 30000, 100..86400000)

    Relative paths are taken from the config file's directory. There is no
    key-share entry: the coordinator never holds one, and unknown keys are
    refused.

    Contents
        coord_config_t          the file, checked
        coord_config_load       reads and checks coordinator.cfg
        coord_config_destroy    frees

    A config owns its strings and is the caller's (coord_config_destroy,
    NULL-safe). Errors are NULL with the reason in the error slot
    (util/error.h).
*/
#ifndef COORD_CONFIG_H
#define COORD_CONFIG_H

#include <stdint.h>

typedef struct {
    char *name, *endpoint, *cert, *allowlist, *journal, *public_key, *verify_key;
    uint64_t round_timeout_ms;
} coord_config_t;

/*  Loads and checks the file. NULL with "path: key: reason" on error
    (UTIL_ENOMEM if out of memory: nothing is left allocated). */
coord_config_t *coord_config_load (const char *path);
void coord_config_destroy (coord_config_t **self_p);

#endif
