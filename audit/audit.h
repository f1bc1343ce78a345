/*  audit/audit.h - shared constants of the audit log module.

    Every audit_ function that can fail returns -1 (or NULL) and leaves one
    line describing what went wrong, in the error slot
    (util/error.h).
*/
#ifndef AUDIT_AUDIT_H
#define AUDIT_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#define AUDIT_WUR __attribute__((warn_unused_result))

/*  Size of every hash in the log (SHA-256, RFC 9162 s.2.1). */
#define AUDIT_HASH_LEN 32

#endif
