/*  audit/keypair.h - a checkpoint key pair on disk, as `cohort audit
    keygen` leaves it: the signer key in FILE (mode 0600), for the log's
    operator, and the verifier key in FILE.pub, for whoever verifies the
    log (audit/key.h has both formats).

    Contents
        audit_keypair_save      writes both files, never overwriting either

    The signer is borrowed; the verifier key line returned is the caller's
    (free). Errors are NULL with the reason, naming the file, in the error
    slot (util/error.h).
*/
#ifndef AUDIT_KEYPAIR_H
#define AUDIT_KEYPAIR_H

#include "audit.h"
#include "key.h"

/*  Writes the signer key to a new file at `path` (audit_signer_save, mode
    0600) and its verifier key line and a newline to a new file at
    "<path>.pub". Neither file may exist; if the second cannot be written
    the first is removed, so a failure leaves no new file (but for a folder
    that cannot be synced, as util_file_write says). Returns the verifier
    key line (the caller frees it) or NULL naming the file. */
char *audit_keypair_save (const audit_signer_t *signer, const char *path);

#endif
