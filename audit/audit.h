/*  audit/audit.h - the audit room: an append-only, tamper-evident log
    (RFC 9162 Merkle tree) with signed checkpoints anyone can check. This
    header holds what the room's modules share; the modules:

        audit/merkle.h      RFC 9162 hashing, tree heads, inclusion and
                            consistency proofs and their verification
        audit/key.h         Ed25519 signer and verifier keys (signed-note
                            text form)
        audit/keypair.h     a signer key and its verifier key on disk
        audit/note.h        C2SP signed notes around any text
        audit/checkpoint.h  signed tree heads in the C2SP signed-note format
        audit/log.h         the durable log: append, head, proofs,
                            checkpoints, verification
        audit/proof.h       inclusion and consistency proofs as JSON

    Contents
        AUDIT_HASH_LEN      bytes of every hash in the log (SHA-256)
        AUDIT_WUR           marks a result the caller must check

    Every audit_ function that can fail returns -1 (or NULL) with the reason
    in the error slot (util/error.h).
*/
#ifndef AUDIT_AUDIT_H
#define AUDIT_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#define AUDIT_WUR __attribute__((warn_unused_result))

/*  Size of every hash in the log (SHA-256, RFC 9162 s.2.1). */
#define AUDIT_HASH_LEN 32

#endif
