/*  util/file.h - whole files: one read into memory under a cap, one
    written durably and atomically.

    Contents
        util_file_read      reads a regular file of at most `max` bytes into
                            a new NUL-terminated buffer (the caller frees)
        UTIL_FILE_SECRET    the contents are secret: wiped on every failure
                            path (the caller wipes them after use)
        UTIL_FILE_PRIVATE   refuse a file that group or others may access
        util_file_write     writes a whole file durably and atomically: all
                            of it or nothing, synced, never half-written
        UTIL_FILE_REPLACE   an existing file is replaced (else refused)

    Every configuration, key, note and data file is read through here, so
    that each has a cap checked before its bytes are held, and every failure
    names the file: "<path>: cannot open: No such file or directory".

    The buffer util_file_read returns is the caller's (free; wipe it first
    with util_cleanse when it is secret); util_file_write keeps nothing of
    the caller's data. Errors are -1 with the reason in the error slot
    (util/error.h).
*/
#ifndef UTIL_FILE_H
#define UTIL_FILE_H

#include "util/error.h"

#include <stddef.h>

#define UTIL_FILE_SECRET  1u
#define UTIL_FILE_PRIVATE 2u
#define UTIL_FILE_REPLACE 4u

/*  Reads the file at `path` into *out (max + 1 bytes at most, NUL-terminated;
    *len excludes the NUL). Fails, leaving *out NULL, with UTIL_EIO (cannot
    open or read), UTIL_EINPUT (not a regular file), UTIL_ELIMIT (longer than
    max) or UTIL_EREFUSED (UTIL_FILE_PRIVATE and group or others have access).
    Returns 0 or -1. */
int util_file_read (const char *path, size_t max, unsigned flags, char **out,
                    size_t *len) UTIL_WUR;

/*  Writes `len` bytes of `data` to `path` with permission `mode` (exactly,
    whatever the umask), through a temporary file in the same folder that is
    synced and then moved into place, so that `path` holds either all of the
    new contents or what it held before, never part. Without
    UTIL_FILE_REPLACE an existing `path` is refused (UTIL_EREFUSED, "<path>:
    already exists"), atomically; with it, it is replaced. The folder is
    synced too, so the new name survives a crash. Returns 0, or -1 with
    UTIL_EIO naming the file; nothing is left behind on failure (but for a
    folder that cannot be synced: the file is then in place, and the
    message says so). */
int util_file_write (const char *path, const void *data, size_t len, unsigned mode,
                     unsigned flags) UTIL_WUR;

#endif
