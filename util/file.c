/*  util/file.c - bounded whole-file reads. */
#include "file.h"
#include "alloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int
util_file_read (const char *path, size_t max, unsigned flags, char **out, size_t *len)
{
    *out = NULL;
    if (len)
        *len = 0;
    FILE *f = fopen (path, "rb");
    if (!f)
        return util_error (UTIL_EIO, "%s: cannot open: %s", path, strerror (errno));
    struct stat st;
    char *buf = NULL;
    size_t n = 0;
    int rc = -1;
    if (fstat (fileno (f), &st) || !S_ISREG (st.st_mode)) {
        util_error (UTIL_EINPUT, "%s: not a regular file", path);
        goto done;
    }
    if ((flags & UTIL_FILE_PRIVATE) && (st.st_mode & (S_IRWXG | S_IRWXO))) {
        util_error (UTIL_EREFUSED, "%s: accessible by group or others: chmod 600 it", path);
        goto done;
    }
    if ((unsigned long long) st.st_size > max) {
        util_error (UTIL_ELIMIT, "%s: %lld bytes, over the limit of %zu", path,
                    (long long) st.st_size, max);
        goto done;
    }
    size_t cap;
    if (util_size_add (&cap, max, 1) || !(buf = util_malloc (cap)))
        goto done;
    //  Read one byte past the limit: the file may have grown since fstat.
    n = fread (buf, 1, cap, f);
    if (ferror (f)) {
        util_error (UTIL_EIO, "%s: read error", path);
        goto done;
    }
    if (n > max) {
        util_error (UTIL_ELIMIT, "%s: longer than %zu bytes", path, max);
        goto done;
    }
    buf [n] = '\0';
    *out = buf;
    buf = NULL;
    if (len)
        *len = n;
    rc = 0;
done:
    if (buf && (flags & UTIL_FILE_SECRET))
        util_cleanse (buf, n);
    free (buf);
    fclose (f);
    return rc;
}
