/*  libFuzzer target: the coordinator configuration parser (ZPL through czmq's
    zconfig, then every key checked) on arbitrary file contents. The loader
    takes a path, so each input goes through one temporary file. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "coordinator/config.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static char path [64];
    if (!path [0]) {
        snprintf (path, sizeof path, "/tmp/cohort-fuzz-coordinator-%ld.cfg", (long) getpid ());
    }
    FILE *f = fopen (path, "wb");
    if (!f)
        return 0;
    fwrite (data, 1, size, f);
    fclose (f);
    coord_config_t *c = coord_config_load (path);
    coord_config_destroy (&c);
    return 0;
}
