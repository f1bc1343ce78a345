/*  audit/merkle.c - RFC 9162 s.2.1 Merkle hashing, tree heads and proofs. */
#include "merkle.h"
#include "audit_internal.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>

//  The SHA-256 implementation is fetched once per process and a digest
//  context kept per thread: an implicit fetch on every call costs more than
//  hashing the 65 bytes of a node. The key's destructor frees a thread's
//  context when the thread ends.
static EVP_MD *s_sha256;
static pthread_once_t s_sha256_once = PTHREAD_ONCE_INIT;
static pthread_key_t s_ctx_key;
static _Thread_local EVP_MD_CTX *s_ctx;

static void
s_ctx_free (void *ctx)
{
    EVP_MD_CTX_free (ctx);
}

static void
s_fetch (void)
{
    s_sha256 = EVP_MD_fetch (NULL, "SHA256", NULL);
    if (pthread_key_create (&s_ctx_key, s_ctx_free) != 0) {
        EVP_MD_free (s_sha256);
        s_sha256 = NULL;
    }
}

static int
s_hash2 (audit_hash_t out, uint8_t prefix, const void *a, size_t alen,
         const void *b, size_t blen)
{
    pthread_once (&s_sha256_once, s_fetch);
    if (s_sha256 && !s_ctx) {
        s_ctx = EVP_MD_CTX_new ();
        if (!s_ctx)
            return util_error (UTIL_ENOMEM, "out of memory for a SHA-256 context");
        if (pthread_setspecific (s_ctx_key, s_ctx) != 0) {
            EVP_MD_CTX_free (s_ctx);
            s_ctx = NULL;
        }
    }
    unsigned int len = 0;
    if (!s_sha256 || !s_ctx
    ||  !EVP_DigestInit_ex2 (s_ctx, s_sha256, NULL)
    ||  !EVP_DigestUpdate (s_ctx, &prefix, 1)
    ||  (alen && !EVP_DigestUpdate (s_ctx, a, alen))
    ||  (blen && !EVP_DigestUpdate (s_ctx, b, blen))
    ||  !EVP_DigestFinal_ex (s_ctx, out, &len) || len != AUDIT_HASH_LEN)
        return util_error (UTIL_ECRYPTO, "OpenSSL SHA-256 failed");
    return 0;
}

int
audit_merkle_leaf_hash (audit_hash_t out, const void *data, size_t len)
{
    return s_hash2 (out, 0x00, data, len, NULL, 0);
}

int
audit_merkle_node_hash (audit_hash_t out, const audit_hash_t left,
                        const audit_hash_t right)
{
    uint8_t both [2 * AUDIT_HASH_LEN];
    memcpy (both, left, AUDIT_HASH_LEN);
    memcpy (both + AUDIT_HASH_LEN, right, AUDIT_HASH_LEN);
    return s_hash2 (out, 0x01, both, sizeof both, NULL, 0);
}

static int
s_empty_root (audit_hash_t out)
{
    pthread_once (&s_sha256_once, s_fetch);
    unsigned int len = 0;
    if (!s_sha256 || !EVP_Digest ("", 0, out, &len, s_sha256, NULL))
        return util_error (UTIL_ECRYPTO, "OpenSSL SHA-256 failed");
    return 0;
}

void
audit_frontier_init (audit_frontier_t *self)
{
    memset (self, 0, sizeof *self);
}

int
audit_frontier_push (audit_frontier_t *self, const audit_hash_t leaf)
{
    if (self->size == UINT64_MAX)
        return util_error (UTIL_EFAIL, "Merkle tree is full");
    memcpy (self->hash [self->count++], leaf, AUDIT_HASH_LEN);
    self->size++;
    //  Each trailing zero bit of the new size is a pair of equal perfect
    //  subtrees at the top of the stack that now merge into one.
    for (uint64_t s = self->size; (s & 1) == 0; s >>= 1) {
        self->count--;
        if (audit_merkle_node_hash (self->hash [self->count - 1],
                                    self->hash [self->count - 1],
                                    self->hash [self->count]))
            return -1;
    }
    return 0;
}

int
audit_frontier_root (const audit_frontier_t *self, audit_hash_t out)
{
    if (self->count == 0)
        return s_empty_root (out);
    //  RFC 9162 splits at the largest power of two, which is exactly the
    //  first (largest) perfect subtree; folding right to left rebuilds MTH.
    audit_hash_t r;
    memcpy (r, self->hash [self->count - 1], AUDIT_HASH_LEN);
    for (int i = self->count - 2; i >= 0; i--)
        if (audit_merkle_node_hash (r, self->hash [i], r))
            return -1;
    memcpy (out, r, AUDIT_HASH_LEN);
    return 0;
}

int
audit_merkle_root (audit_hash_t out, const audit_hash_t *leaves, uint64_t n)
{
    audit_frontier_t f;
    audit_frontier_init (&f);
    for (uint64_t i = 0; i < n; i++)
        if (audit_frontier_push (&f, leaves [i]))
            return -1;
    return audit_frontier_root (&f, out);
}

//  The largest power of two strictly smaller than n (n >= 2).
static uint64_t
s_split (uint64_t n)
{
    uint64_t k = 1;
    while (k < n - k)
        k <<= 1;
    return k;
}

//  PATH(m, D[n]) of RFC 9162 s.2.1.3.1, written leaves-first: the recursion
//  descends first and appends the sibling on the way back up.
static int
s_path (audit_hash_t *proof, size_t *len, const audit_hash_t *d, uint64_t n,
        uint64_t m)
{
    if (n <= 1)
        return 0;
    uint64_t k = s_split (n);
    if (m < k) {
        if (s_path (proof, len, d, k, m))
            return -1;
        return audit_merkle_root (proof [(*len)++], d + k, n - k);
    }
    if (s_path (proof, len, d + k, n - k, m - k))
        return -1;
    return audit_merkle_root (proof [(*len)++], d, k);
}

int
audit_merkle_inclusion_proof (audit_hash_t *proof, size_t *proof_len,
                              const audit_hash_t *leaves, uint64_t n,
                              uint64_t index)
{
    if (index >= n)
        return util_error (UTIL_EINPUT, "leaf index %llu is not in a tree of %llu leaves",
                           (unsigned long long) index, (unsigned long long) n);
    *proof_len = 0;
    return s_path (proof, proof_len, leaves, n, index);
}

int
audit_merkle_inclusion_verify (const audit_hash_t leaf, uint64_t index,
                               uint64_t size, const audit_hash_t *proof,
                               size_t proof_len, const audit_hash_t root)
{
    if (index >= size)
        return util_error (UTIL_EINPUT, "leaf index %llu is not in a tree of %llu leaves",
                           (unsigned long long) index, (unsigned long long) size);
    uint64_t fn = index, sn = size - 1;
    audit_hash_t r;
    memcpy (r, leaf, AUDIT_HASH_LEN);
    for (size_t i = 0; i < proof_len; i++) {
        if (sn == 0)
            return util_error (UTIL_EINPUT, "inclusion proof has %zu hashes, more than the tree needs",
                               proof_len);
        if ((fn & 1) || fn == sn) {
            if (audit_merkle_node_hash (r, proof [i], r))
                return -1;
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        }
        else
        if (audit_merkle_node_hash (r, r, proof [i]))
            return -1;
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return util_error (UTIL_EINPUT, "inclusion proof has %zu hashes, fewer than the tree needs",
                           proof_len);
    if (CRYPTO_memcmp (r, root, AUDIT_HASH_LEN) != 0)
        return util_error (UTIL_ECRYPTO, "inclusion proof does not lead to the tree head");
    return 0;
}

//  SUBPROOF(m, D[n], b) of RFC 9162 s.2.1.4.1, in the same leaves-first order.
static int
s_subproof (audit_hash_t *proof, size_t *len, const audit_hash_t *d, uint64_t n,
            uint64_t m, bool b)
{
    if (m == n) {
        if (b)
            return 0;
        return audit_merkle_root (proof [(*len)++], d, n);
    }
    uint64_t k = s_split (n);
    if (m <= k) {
        if (s_subproof (proof, len, d, k, m, b))
            return -1;
        return audit_merkle_root (proof [(*len)++], d + k, n - k);
    }
    if (s_subproof (proof, len, d + k, n - k, m - k, false))
        return -1;
    return audit_merkle_root (proof [(*len)++], d, k);
}

int
audit_merkle_consistency_proof (audit_hash_t *proof, size_t *proof_len,
                                const audit_hash_t *leaves, uint64_t n,
                                uint64_t old_size)
{
    if (old_size > n)
        return util_error (UTIL_ELIMIT, "old tree size %llu is larger than the tree (%llu leaves)",
                           (unsigned long long) old_size, (unsigned long long) n);
    *proof_len = 0;
    if (old_size == 0)
        return 0;
    return s_subproof (proof, proof_len, leaves, n, old_size, true);
}

int
audit_merkle_consistency_verify (uint64_t old_size, uint64_t new_size,
                                 const audit_hash_t old_root,
                                 const audit_hash_t new_root,
                                 const audit_hash_t *proof, size_t proof_len)
{
    if (old_size > new_size)
        return util_error (UTIL_ELIMIT, "old tree size %llu is larger than new tree size %llu",
                           (unsigned long long) old_size, (unsigned long long) new_size);
    //  RFC 9162 s.2.1.4 defines proofs for 0 < old_size < new_size only.
    //  Outside that range the proof is empty and the heads carry the claim:
    //  the empty tree's head is MTH({}) = SHA-256(""), whatever the new
    //  tree (every tree extends it), and trees of equal size must have the
    //  same head. transparency-dev/merkle refuses old size 0 outright
    //  ("meaningless"); Cohort accepts the one true claim (docs/audit.md).
    if (old_size == 0 || old_size == new_size) {
        if (proof_len != 0)
            return util_error (UTIL_EINPUT, "consistency proof must be empty for old size %llu",
                               (unsigned long long) old_size);
        audit_hash_t empty;
        if (old_size == 0 && s_empty_root (empty))
            return -1;
        if (old_size == 0 && CRYPTO_memcmp (old_root, empty, AUDIT_HASH_LEN) != 0)
            return util_error (UTIL_ECRYPTO, "old tree of size 0 has a head that is not the "
                               "empty-tree hash SHA-256(\"\")");
        if (old_size == new_size && CRYPTO_memcmp (old_root, new_root, AUDIT_HASH_LEN) != 0)
            return util_error (UTIL_EFAIL, "trees of equal size %llu have different heads",
                               (unsigned long long) old_size);
        return 0;
    }
    if (proof_len == 0 || proof_len > AUDIT_PROOF_MAX)
        return util_error (UTIL_EINPUT, "consistency proof has %zu hashes", proof_len);
    //  Step 2: an old tree that is a perfect subtree is its own first node.
    const audit_hash_t *path = proof;
    size_t path_len = proof_len;
    audit_hash_t with_old [AUDIT_PROOF_MAX + 1];
    if ((old_size & (old_size - 1)) == 0) {
        memcpy (with_old [0], old_root, AUDIT_HASH_LEN);
        memcpy (with_old + 1, proof, proof_len * AUDIT_HASH_LEN);
        path = (const audit_hash_t *) with_old;
        path_len++;
    }
    uint64_t fn = old_size - 1, sn = new_size - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    audit_hash_t fr, sr;
    memcpy (fr, path [0], AUDIT_HASH_LEN);
    memcpy (sr, path [0], AUDIT_HASH_LEN);
    for (size_t i = 1; i < path_len; i++) {
        if (sn == 0)
            return util_error (UTIL_EINPUT, "consistency proof has more hashes than the trees need");
        if ((fn & 1) || fn == sn) {
            if (audit_merkle_node_hash (fr, path [i], fr)
            ||  audit_merkle_node_hash (sr, path [i], sr))
                return -1;
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        }
        else
        if (audit_merkle_node_hash (sr, sr, path [i]))
            return -1;
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return util_error (UTIL_EINPUT, "consistency proof has fewer hashes than the trees need");
    if (CRYPTO_memcmp (fr, old_root, AUDIT_HASH_LEN) != 0)
        return util_error (UTIL_ECRYPTO, "consistency proof does not lead to the old tree head");
    if (CRYPTO_memcmp (sr, new_root, AUDIT_HASH_LEN) != 0)
        return util_error (UTIL_ECRYPTO, "consistency proof does not lead to the new tree head");
    return 0;
}
