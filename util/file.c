/*  util/file.c - bounded whole-file reads. */
#include "file.h"
#include "alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    //  The buffer fits the file as fstat saw it, plus one byte to notice a
    //  file that grew since; it grows (up to the cap) if the file did.
    size_t cap = (size_t) st.st_size + 1;
    if (!(buf = util_malloc (cap)))
        goto done;
    while (true) {
        n += fread (buf + n, 1, cap - n, f);
        if (ferror (f)) {
            util_error (UTIL_EIO, "%s: read error", path);
            goto done;
        }
        if (n < cap || cap > max)
            break;
        //  Copied by hand, not realloc'd: the old buffer may hold a secret.
        size_t grown = cap > max / 2? max + 1: 2 * cap;
        char *bigger = util_malloc (grown);
        if (!bigger)
            goto done;
        memcpy (bigger, buf, n);
        if (flags & UTIL_FILE_SECRET)
            util_cleanse (buf, n);
        free (buf);
        buf = bigger;
        cap = grown;
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

//  Writes all of data to fd, synced. Returns 0 or an errno value.
static int
s_write_all (int fd, const char *data, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = write (fd, data + done, len - done);
        if (n > 0)
            done += (size_t) n;
        else
        if (n == 0)
            return EIO;
        else
        if (errno != EINTR)
            return errno;
    }
    return fsync (fd) == 0? 0: errno;
}

//  Syncs `folder`, so that a new name in it is durable. 0 or an errno.
static int
s_sync_folder (const char *folder)
{
    int fd = open (folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int err = fsync (fd) == 0? 0: errno;
    close (fd);
    return err;
}

int
util_file_write (const char *path, const void *data, size_t len, unsigned mode,
                 unsigned flags)
{
    if (!(flags & UTIL_FILE_REPLACE) && access (path, F_OK) == 0)
        return util_error (UTIL_EREFUSED, "%s: already exists", path);
    //  Everything that can run out of memory first, before any file exists.
    char *tmp = util_asprintf ("%s.tmp.%ld", path, (long) getpid ());
    char *copy = tmp? util_strdup (path): NULL;
    if (!copy) {
        free (tmp);
        return util_error_context ("%s: writing", path);
    }
    const char *folder = dirname (copy);
    int rc = 0;
    int fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t) mode);
    if (fd < 0) {
        rc = util_error (UTIL_EIO, "%s: cannot create: %s", path, strerror (errno));
        goto done;
    }
    //  fchmod: the mode exactly, whatever the umask took away.
    int err = fchmod (fd, (mode_t) mode) == 0? s_write_all (fd, data, len): errno;
    if (close (fd) != 0 && !err)
        err = errno;
    if (err)
        rc = util_error (UTIL_EIO, "%s: cannot write: %s", path, strerror (err));
    else
    if (flags & UTIL_FILE_REPLACE) {
        if (rename (tmp, path) != 0)
            rc = util_error (UTIL_EIO, "%s: cannot move into place: %s", path,
                             strerror (errno));
    }
    else
    //  link() refuses an existing name atomically, where a check and a
    //  rename would race with another writer.
    if (link (tmp, path) != 0)
        rc = errno == EEXIST? util_error (UTIL_EREFUSED, "%s: already exists", path)
                            : util_error (UTIL_EIO, "%s: cannot move into place: %s", path,
                                          strerror (errno));
    if (rc || !(flags & UTIL_FILE_REPLACE))
        unlink (tmp);
    if (rc == 0 && (err = s_sync_folder (folder)) != 0)
        rc = util_error (UTIL_EIO, "%s: written, but its folder cannot be synced: %s", path,
                         strerror (err));
done:
    free (copy);
    free (tmp);
    return rc;
}
