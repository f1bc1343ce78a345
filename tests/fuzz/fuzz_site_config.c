/*  libFuzzer target: the site configuration parser (ZPL through czmq's
    zconfig, then every key checked) on arbitrary file contents. The loader
    takes a path, so each input goes through one temporary file. */
#include <stddef.h>
#include <stdint.h>

#include "site/config.h"
#include "fuzz_input.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    const char *path = fuzz_input_file (data, size, "site");
    if (!path)
        return 0;
    site_config_t *c = site_config_load (path);
    site_config_destroy (&c);
    return 0;
}
