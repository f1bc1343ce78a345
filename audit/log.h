/*  audit/log.h - the append-only, tamper-evident audit log.

    Entries (who did what, when) live in one SQLite file in WAL mode with
    synchronous=FULL, so a returned append has reached stable storage. Each
    entry becomes one leaf of an RFC 9162 Merkle tree (audit/merkle.h); the
    log keeps the tree's right edge, so an append costs O(log n) hashes.
    Signed checkpoints of the tree head (audit/checkpoint.h) let a third
    party hold the log to what it said, and audit_log_verify() recomputes
    everything from the entries and names the first one that was altered.

    The leaf data of entry i is the byte string
        u64 index | i64 time_ms | u8 len | kind | u16 len | actor | u32 len | detail
    (big-endian integers, lengths in bytes), so an entry cannot move to
    another position without changing its leaf. docs/audit.md has the file
    layout.

    One audit_log_t is used by one thread at a time. Several processes may
    append to the same file: each transaction re-reads the head first.

    Contents
        audit_log_t                 an open log
        audit_entry_t               one entry: time, kind, actor, detail
        audit_log_open              opens (or creates) a log file
        audit_log_destroy           closes it
        audit_log_append            one entry, durably
        audit_log_append_batch      many entries in one transaction
        audit_log_size, audit_log_origin    its size and origin line
        audit_log_head              the current tree head
        audit_log_root_at           the head of the first `size` entries
        audit_log_entry_json        one entry as JSON
        audit_log_inclusion_proof   an entry's inclusion proof
        audit_log_consistency_proof a consistency proof between two sizes
        audit_log_checkpoint        signs and stores the current head
        audit_verify_result_t       what audit_log_verify found
        audit_log_verify            checks a whole log file, read-only

    The log is the caller's (audit_log_destroy, NULL-safe), and so is the
    text audit_log_entry_json and audit_log_checkpoint return (free).
    Entries and keys passed in are borrowed; proofs are written into the
    caller's arrays. Errors are -1 / NULL with the reason in the error slot
    (util/error.h).
*/
#ifndef AUDIT_LOG_H
#define AUDIT_LOG_H

#include "audit.h"
#include "checkpoint.h"
#include "key.h"
#include "merkle.h"

#include <stdbool.h>

#define AUDIT_KIND_MAX      64          //  bytes: [a-z0-9._-]
#define AUDIT_ACTOR_MAX    256          //  bytes: printable ASCII
#define AUDIT_DETAIL_MAX 65536          //  bytes of JSON object text
#define AUDIT_BATCH_MAX 100000          //  entries in one append_batch call

typedef struct _audit_log_t audit_log_t;

typedef struct {
    int64_t time_ms;        //  ms since the Unix epoch (UTC); 0 = now
    const char *kind;       //  what happened, e.g. "device.enroll"
    const char *actor;      //  who did it, e.g. "site:hospital-a"
    const char *detail;     //  a JSON object with the particulars
} audit_entry_t;

/*  Opens the log at `path`. With an `origin` (the checkpoint origin line,
    see audit_checkpoint_origin_ok) a missing file is created as a new log,
    and an existing log must have that origin; with NULL the log must
    already exist. Returns the log, or NULL naming the file and the
    problem. */
audit_log_t *audit_log_open (const char *path, const char *origin);

/*  Closes the log, sets *self_p to NULL. NULL-safe. */
void audit_log_destroy (audit_log_t **self_p);

/*  Appends one entry in its own durable transaction and sets *index (may
    be NULL) to its position. Returns 0, or -1 if the entry is invalid
    (field named) or the write fails; then nothing is appended. */
int audit_log_append (audit_log_t *self, const audit_entry_t *entry,
                      uint64_t *index) AUDIT_WUR;

/*  Appends n (1..AUDIT_BATCH_MAX) entries in one durable transaction (group
    commit): all or none. *first (may be NULL) gets the index of the first.
    Returns 0, or -1 naming the first invalid entry. */
int audit_log_append_batch (audit_log_t *self, const audit_entry_t *entries,
                            size_t n, uint64_t *first) AUDIT_WUR;

/*  Entries in the log, and its origin line (borrowed). */
uint64_t audit_log_size (const audit_log_t *self);
const char *audit_log_origin (const audit_log_t *self);

/*  The current head: origin, size and MTH. Returns 0 or -1. */
int audit_log_head (audit_log_t *self, audit_checkpoint_t *head) AUDIT_WUR;

/*  The head MTH of the tree of the first `size` entries (recomputed from
    the stored leaf hashes). Returns 0, or -1 if size > the log. */
int audit_log_root_at (audit_log_t *self, uint64_t size, audit_hash_t root) AUDIT_WUR;

/*  Entry `index` as a JSON object text {"index", "time_ms", "kind",
    "actor", "detail"} (the caller frees it), or NULL if out of range.
    "detail" is the stored JSON text as a string, byte for byte, so the
    leaf hash can be recomputed from it. */
char *audit_log_entry_json (audit_log_t *self, uint64_t index);

/*  The inclusion proof of entry `index` in the tree of the first `size`
    entries, and that entry's leaf hash. `proof` holds AUDIT_PROOF_MAX.
    Returns 0, or -1 if index >= size or size > the log. */
int audit_log_inclusion_proof (audit_log_t *self, uint64_t index, uint64_t size,
                               audit_hash_t leaf, audit_hash_t *proof,
                               size_t *proof_len) AUDIT_WUR;

/*  The consistency proof from the first old_size entries to the first
    `size`. Returns 0, or -1 if old_size > size or size > the log. */
int audit_log_consistency_proof (audit_log_t *self, uint64_t old_size,
                                 uint64_t size, audit_hash_t *proof,
                                 size_t *proof_len) AUDIT_WUR;

/*  Signs the current head with `signer`, stores the checkpoint in the log
    and returns the note text (caller frees). The first checkpoint records
    the signer's verifier key in the log; later ones must use the same key.
    NULL on failure. */
char *audit_log_checkpoint (audit_log_t *self, const audit_signer_t *signer);

/*  What audit_log_verify found. */
typedef struct {
    uint64_t entries;           //  entries read and checked
    uint64_t checkpoints;       //  signed checkpoints checked
    audit_checkpoint_t head;    //  the recomputed head (valid on success)
    int64_t first_bad;          //  first altered entry, -1 if none known
} audit_verify_result_t;

/*  Verifies the log file at `path` without writing to it: every entry's
    position and leaf hash, the tree head, the stored right edge, and every
    stored checkpoint (signature by `verifier`, or by the key the log
    recorded if verifier is NULL; its head must equal the recomputed head of
    that many entries, i.e. be consistent with the current head). If `note`
    is given (an externally kept checkpoint, note_len bytes) it is checked
    the same way. Returns 0 if all holds; otherwise -1 with the first
    problem in util_last_error () and, where an entry can be named, in
    result->first_bad. */
int audit_log_verify (const char *path, const audit_verifier_t *verifier,
                      const char *note, size_t note_len,
                      audit_verify_result_t *result) AUDIT_WUR;

#endif
