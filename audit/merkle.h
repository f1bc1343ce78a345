/*  audit/merkle.h - RFC 9162 Merkle tree hashing, tree heads, inclusion and
    consistency proofs.

    The tree is the one of RFC 9162 s.2.1 (Certificate Transparency v2):
        leaf hash  = SHA-256(0x00 || d)
        node hash  = SHA-256(0x01 || left || right)
        MTH({})    = SHA-256("")
        MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of
                     two smaller than n.
    Functions here work on arrays of leaf hashes; the log (audit/log.h)
    keeps its leaves in SQLite and uses these for proofs and verification.
    Hashes are always AUDIT_HASH_LEN bytes.

    Contents
        audit_hash_t                    one hash
        audit_merkle_leaf_hash, audit_merkle_node_hash   the two hashes
        audit_frontier_t                a tree's right edge
        audit_frontier_init, audit_frontier_push, audit_frontier_root
                                        empties it, appends a leaf, its head
        audit_merkle_root               the head of an array of leaves
        audit_merkle_inclusion_proof    PATH(index, D[n])
        audit_merkle_inclusion_verify   checks one
        audit_merkle_consistency_proof  PROOF(old_size, D[n])
        audit_merkle_consistency_verify checks one

    Hashes, frontiers and proofs live in the caller's memory (a proof array
    holds AUDIT_PROOF_MAX hashes); the only allocation is one SHA-256
    context per thread, kept for the thread's life. Errors are -1 with
    the reason in the error slot (util/error.h).
*/
#ifndef AUDIT_MERKLE_H
#define AUDIT_MERKLE_H

#include "audit.h"

#include <stdbool.h>

/*  A proof never has more hashes than the depth of a 2^64-leaf tree. */
#define AUDIT_PROOF_MAX 64

typedef uint8_t audit_hash_t [AUDIT_HASH_LEN];

/*  out = SHA-256(0x00 || data[0:len]) (RFC 9162 s.2.1.1). Returns 0, or -1
    if OpenSSL fails (out of memory). */
int audit_merkle_leaf_hash (audit_hash_t out, const void *data, size_t len);

/*  out = SHA-256(0x01 || left || right). out may alias left or right.
    Returns 0 or -1. */
int audit_merkle_node_hash (audit_hash_t out, const audit_hash_t left,
                            const audit_hash_t right);

/*  The right edge of a tree (its "compact range"): the roots of the perfect
    subtrees that make up the first `size` leaves, largest first. One exists
    per set bit of size, so appending a leaf costs O(log n) hashes. */
typedef struct {
    uint64_t size;                                  //  leaves so far
    int count;                                      //  = popcount(size)
    audit_hash_t hash [AUDIT_PROOF_MAX];            //  [0, count)
} audit_frontier_t;

/*  Empties the frontier (size 0). */
void audit_frontier_init (audit_frontier_t *self);

/*  Appends one leaf hash. Returns 0, or -1 if the tree is full (2^64 - 1
    leaves) or hashing fails. */
int audit_frontier_push (audit_frontier_t *self, const audit_hash_t leaf);

/*  The tree head MTH of the leaves pushed so far (SHA-256("") if none).
    Returns 0 or -1. */
int audit_frontier_root (const audit_frontier_t *self, audit_hash_t out);

/*  MTH(leaves[0:n]) for any n >= 0. Returns 0 or -1. */
int audit_merkle_root (audit_hash_t out, const audit_hash_t *leaves, uint64_t n);

/*  The inclusion proof PATH(index, D[n]) of RFC 9162 s.2.1.3.1, leaves
    nearest first. `proof` must hold AUDIT_PROOF_MAX hashes; *proof_len gets
    the count. Returns 0, or -1 if index >= n. */
int audit_merkle_inclusion_proof (audit_hash_t *proof, size_t *proof_len,
                                  const audit_hash_t *leaves, uint64_t n,
                                  uint64_t index);

/*  RFC 9162 s.2.1.3.2: does `proof` show that `leaf` is leaf number `index`
    of the tree of `size` leaves whose head is `root`? Returns 0 if it does,
    -1 (with the reason) if not. */
int audit_merkle_inclusion_verify (const audit_hash_t leaf, uint64_t index,
                                   uint64_t size, const audit_hash_t *proof,
                                   size_t proof_len,
                                   const audit_hash_t root) AUDIT_WUR;

/*  The consistency proof PROOF(old_size, D[n]) of RFC 9162 s.2.1.4.1 from
    the tree of the first old_size leaves to the tree of all n leaves.
    Empty when old_size is 0 or n. `proof` must hold AUDIT_PROOF_MAX hashes.
    Returns 0, or -1 if old_size > n. */
int audit_merkle_consistency_proof (audit_hash_t *proof, size_t *proof_len,
                                    const audit_hash_t *leaves, uint64_t n,
                                    uint64_t old_size);

/*  RFC 9162 s.2.1.4.2: does `proof` show that the tree of old_size leaves
    with head old_root is a prefix of the tree of new_size leaves with head
    new_root? Every tree extends the empty tree: old_size 0 needs an empty
    proof and old_root = MTH({}) = SHA-256(""). Equal sizes (0 included)
    need an empty proof and equal heads. Returns 0 if it does, -1 (with the
    reason) if not. */
int audit_merkle_consistency_verify (uint64_t old_size, uint64_t new_size,
                                     const audit_hash_t old_root,
                                     const audit_hash_t new_root,
                                     const audit_hash_t *proof,
                                     size_t proof_len) AUDIT_WUR;

#endif
