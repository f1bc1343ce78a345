/*  audit/proof.h - proofs about the log for a third party, as JSON text
    (what `cohort audit prove` prints).

    Contents
        audit_proof_inclusion_json      entry I is in the tree of N entries
        audit_proof_consistency_json    the tree of M entries is a prefix of
                                        the tree of N entries

    Inclusion of entry I in the tree of the first N entries:

        { "origin": <the log's origin line>, "tree_size": N, "index": I,
          "leaf_hash": <hash>, "entry": <audit_log_entry_json (I)>,
          "root_hash": <hash>, "inclusion_path": [ <hash>, ... ] }

    Consistency of the tree of the first M entries with that of the first N:

        { "origin": ..., "tree_size": N, "old_size": M,
          "old_root_hash": <hash>, "root_hash": <hash>,
          "consistency_path": [ <hash>, ... ] }

    A hash is the standard base64 (RFC 4648 s.4, padded) of its 32 bytes.
    The paths are RFC 9162 s.2.1.3.1 and s.2.1.4.1, and check with
    audit_merkle_inclusion_verify and audit_merkle_consistency_verify (the
    algorithms of RFC 9162 s.2.1.3.2 and s.2.1.4.2). The text is indented
    by two spaces, keys in the order above, with no final newline.

    The log is borrowed; the text returned is the caller's (free). Errors
    are NULL with the reason in the error slot (util/error.h).
*/
#ifndef AUDIT_PROOF_H
#define AUDIT_PROOF_H

#include "log.h"

/*  The inclusion proof of entry `index` in the tree of the first `size`
    entries (index < size <= the log's size). Returns the JSON text (the
    caller frees it) or NULL. */
char *audit_proof_inclusion_json (audit_log_t *log, uint64_t index, uint64_t size);

/*  The consistency proof from the tree of the first old_size entries to
    the tree of the first `size` (old_size <= size <= the log's size).
    Returns the JSON text (the caller frees it) or NULL. */
char *audit_proof_consistency_json (audit_log_t *log, uint64_t old_size, uint64_t size);

#endif
