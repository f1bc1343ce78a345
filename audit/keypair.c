/*  audit/keypair.c - a checkpoint key pair on disk (audit/keypair.h). */
#include "keypair.h"
#include "util/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  Writes the line and a newline to a new file (mode 0644: it is public).
//  Returns 0, or -1 naming the file, which is then removed.
static int
s_write_public (const char *path, const char *line)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return util_error (UTIL_EIO, "%s: cannot create: %s", path, strerror (errno));
    size_t len = strlen (line);
    errno = 0;                          //  a short write sets none
    int ok = write (fd, line, len) == (ssize_t) len && write (fd, "\n", 1) == 1
          && fsync (fd) == 0;
    int err = ok? 0: errno? errno: EIO;
    if (close (fd) != 0 && ok) {
        err = errno;
        ok = 0;
    }
    if (!ok) {
        unlink (path);
        return util_error (UTIL_EIO, "%s: cannot write: %s", path, strerror (err));
    }
    return 0;
}

char *
audit_keypair_save (const audit_signer_t *signer, const char *path)
{
    if (!signer || !path)
        return util_error_null (UTIL_EINPUT, "keypair: no key or no path");
    char *pub = util_asprintf ("%s.pub", path);
    char *verifier = pub? audit_signer_verifier_text (signer): NULL;
    if (!verifier)
        goto failed;
    //  Checked first so that an existing .pub leaves no new signer key.
    if (access (pub, F_OK) == 0) {
        util_error (UTIL_EREFUSED, "%s exists: not overwriting", pub);
        goto failed;
    }
    if (audit_signer_save (signer, path))
        goto failed;
    if (s_write_public (pub, verifier)) {
        unlink (path);
        goto failed;
    }
    free (pub);
    return verifier;
failed:
    free (verifier);
    free (pub);
    return NULL;
}
