/*  util/file.h - a whole file into memory, under a cap.

    Contents
        util_file_read      reads a regular file of at most `max` bytes into
                            a new NUL-terminated buffer (the caller frees)
        UTIL_FILE_SECRET    the contents are secret: wiped on every failure
                            path (the caller wipes them after use)
        UTIL_FILE_PRIVATE   refuse a file that group or others may access

    Every configuration, key, note and data file is read through here, so
    that each has a cap checked before its bytes are held, and every failure
    names the file: "<path>: cannot open: No such file or directory".
*/
#ifndef UTIL_FILE_H
#define UTIL_FILE_H

#include "util/error.h"

#include <stddef.h>

#define UTIL_FILE_SECRET  1u
#define UTIL_FILE_PRIVATE 2u

/*  Reads the file at `path` into *out (max + 1 bytes at most, NUL-terminated;
    *len excludes the NUL). Fails, leaving *out NULL, with UTIL_EIO (cannot
    open or read), UTIL_EINPUT (not a regular file), UTIL_ELIMIT (longer than
    max) or UTIL_EREFUSED (UTIL_FILE_PRIVATE and group or others have access).
    Returns 0 or -1. */
int util_file_read (const char *path, size_t max, unsigned flags, char **out,
                    size_t *len) UTIL_WUR;

#endif
