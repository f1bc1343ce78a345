/*  audit/keypair.c - a checkpoint key pair on disk (audit/keypair.h). */
#include "keypair.h"
#include "util/alloc.h"
#include "util/file.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  Writes the line and a newline to a new file (mode 0644: it is public).
//  Returns 0, or -1 naming the file; nothing is left on failure.
static int
s_write_public (const char *path, const char *line)
{
    char *text = util_asprintf ("%s\n", line);
    int rc = text? util_file_write (path, text, strlen (text), 0644, 0): -1;
    free (text);
    return rc;
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
