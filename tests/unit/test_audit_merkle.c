/*  Unit tests for audit/merkle.c: RFC 9162 hashing, tree heads, inclusion
    and consistency proofs.

    Expected values were computed independently with python3 hashlib from
    the RFC 9162 s.2.1 definitions (recursive MTH, PATH and SUBPROOF) over
    the leaf inputs used by Certificate Transparency's test suites, and are
    committed here as constants. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "audit/merkle.h"
#include "support_audit.h"
#include "support_error.h"

static const struct { const uint8_t *data; size_t len; } s_ct_leaves [8] = {
    { (const uint8_t *) "", 0 },
    { (const uint8_t *) "\x00", 1 },
    { (const uint8_t *) "\x10", 1 },
    { (const uint8_t *) "\x20\x21", 2 },
    { (const uint8_t *) "\x30\x31", 2 },
    { (const uint8_t *) "\x40\x41\x42\x43", 4 },
    { (const uint8_t *) "\x50\x51\x52\x53\x54\x55\x56\x57", 8 },
    { (const uint8_t *) "\x60\x61\x62\x63\x64\x65\x66\x67"
                        "\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16 },
};

//  MTH of the first n CT leaves, n = 0..8.
static const char *s_ct_roots [9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static audit_hash_t s_ct [8];

static void
s_ct_hashes (void)
{
    for (int i = 0; i < 8; i++)
        assert_int_equal (audit_merkle_leaf_hash (s_ct [i], s_ct_leaves [i].data,
                                                  s_ct_leaves [i].len), 0);
}

//  Leaves "leaf-0", "leaf-1", ... for the larger trees.
static void
s_numbered (audit_hash_t *out, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        char text [32];
        int len = snprintf (text, sizeof text, "leaf-%llu", (unsigned long long) i);
        assert_int_equal (audit_merkle_leaf_hash (out [i], text, (size_t) len), 0);
    }
}

static void
test_known_roots (void **state)
{
    (void) state;
    s_ct_hashes ();
    for (int n = 0; n <= 8; n++) {
        audit_hash_t want, got;
        support_audit_hex (want, s_ct_roots [n]);
        assert_int_equal (audit_merkle_root (got, s_ct, (uint64_t) n), 0);
        assert_memory_equal (got, want, AUDIT_HASH_LEN);
    }
    audit_hash_t leaves [64], want, got;
    s_numbered (leaves, 64);
    support_audit_hex (want, "a8ef4844c8e1d5ba49c811cdb86e95791f5d32ca7d9709afda28fdf65e949a53");
    assert_int_equal (audit_merkle_root (got, leaves, 13), 0);
    assert_memory_equal (got, want, AUDIT_HASH_LEN);
    support_audit_hex (want, "11206652df8512a0fbdc024270fcb6e4f72b5a9414f34e92f880242f6926f9a9");
    assert_int_equal (audit_merkle_root (got, leaves, 64), 0);
    assert_memory_equal (got, want, AUDIT_HASH_LEN);
}

static void
test_hash_domains (void **state)
{
    (void) state;
    //  A leaf hash is not the plain SHA-256 of the data, and a node hash of
    //  two leaves is the root of the two-leaf tree.
    audit_hash_t a, b, n, want;
    assert_int_equal (audit_merkle_leaf_hash (a, "", 0), 0);
    support_audit_hex (want, s_ct_roots [1]);
    assert_memory_equal (a, want, AUDIT_HASH_LEN);
    assert_int_equal (audit_merkle_leaf_hash (b, "\x00", 1), 0);
    assert_int_equal (audit_merkle_node_hash (n, a, b), 0);
    support_audit_hex (want, s_ct_roots [2]);
    assert_memory_equal (n, want, AUDIT_HASH_LEN);
    //  Swapping children changes the node.
    assert_int_equal (audit_merkle_node_hash (n, b, a), 0);
    assert_memory_not_equal (n, want, AUDIT_HASH_LEN);
}

//  An independent, recursive MTH to compare the frontier against.
static void
s_mth (audit_hash_t out, const audit_hash_t *d, uint64_t n)
{
    if (n == 1) {
        memcpy (out, d [0], AUDIT_HASH_LEN);
        return;
    }
    uint64_t k = 1;
    while (2 * k < n)
        k *= 2;
    audit_hash_t l, r;
    s_mth (l, d, k);
    s_mth (r, d + k, n - k);
    assert_int_equal (audit_merkle_node_hash (out, l, r), 0);
}

static void
test_frontier (void **state)
{
    (void) state;
    enum { N = 300 };
    static audit_hash_t leaves [N];
    s_numbered (leaves, N);
    audit_frontier_t f;
    audit_frontier_init (&f);
    for (uint64_t n = 1; n <= N; n++) {
        assert_int_equal (audit_frontier_push (&f, leaves [n - 1]), 0);
        assert_int_equal (f.size, n);
        assert_int_equal (f.count, __builtin_popcountll (n));
        audit_hash_t got, want;
        assert_int_equal (audit_frontier_root (&f, got), 0);
        s_mth (want, leaves, n);
        assert_memory_equal (got, want, AUDIT_HASH_LEN);
    }
    //  A full tree refuses one more leaf.
    f.size = UINT64_MAX;
    assert_int_equal (audit_frontier_push (&f, leaves [0]), -1);
}

//  The proof is the n hashes of `want` (hex), in order.
static void
s_expect_path (const audit_hash_t *proof, size_t len, const char *const *want, size_t n)
{
    assert_int_equal (len, n);
    for (size_t i = 0; i < n; i++) {
        audit_hash_t hash;
        support_audit_hex (hash, want [i]);
        assert_memory_equal (proof [i], hash, AUDIT_HASH_LEN);
    }
}

static void
test_known_proofs (void **state)
{
    (void) state;
    s_ct_hashes ();
    audit_hash_t proof [AUDIT_PROOF_MAX], root;
    size_t len = 0;
    static const char *path_0_8 [] = {
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" };
    assert_int_equal (audit_merkle_inclusion_proof (proof, &len, s_ct, 8, 0), 0);
    s_expect_path (proof, len, path_0_8, 3);
    static const char *path_5_7 [] = {
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" };
    assert_int_equal (audit_merkle_inclusion_proof (proof, &len, s_ct, 7, 5), 0);
    s_expect_path (proof, len, path_5_7, 3);
    support_audit_hex (root, s_ct_roots [7]);
    assert_int_equal (audit_merkle_inclusion_verify (s_ct [5], 5, 7, proof, len, root), 0);

    static const char *proof_3_8 [] = {
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" };
    assert_int_equal (audit_merkle_consistency_proof (proof, &len, s_ct, 8, 3), 0);
    s_expect_path (proof, len, proof_3_8, 4);
    audit_hash_t old_root;
    support_audit_hex (old_root, s_ct_roots [3]);
    support_audit_hex (root, s_ct_roots [8]);
    assert_int_equal (audit_merkle_consistency_verify (3, 8, old_root, root, proof, len), 0);
    static const char *proof_4_7 [] = {
        "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e" };
    assert_int_equal (audit_merkle_consistency_proof (proof, &len, s_ct, 7, 4), 0);
    s_expect_path (proof, len, proof_4_7, 1);
}

static void
test_inclusion_every_index (void **state)
{
    (void) state;
    audit_hash_t leaves [65], proof [AUDIT_PROOF_MAX + 1], root, bad;
    s_numbered (leaves, 65);
    int verified = 0;
    for (uint64_t n = 1; n <= 64; n++) {
        assert_int_equal (audit_merkle_root (root, leaves, n), 0);
        for (uint64_t i = 0; i < n; i++) {
            size_t len = 0;
            assert_int_equal (audit_merkle_inclusion_proof (proof, &len, leaves, n, i), 0);
            assert_int_equal (audit_merkle_inclusion_verify (leaves [i], i, n, proof, len, root), 0);
            verified++;
            //  Every single flipped bit in the proof breaks it.
            for (size_t j = 0; j < len; j++) {
                proof [j][j % AUDIT_HASH_LEN] ^= 0x01;
                assert_int_equal (audit_merkle_inclusion_verify (leaves [i], i, n, proof, len, root), -1);
                proof [j][j % AUDIT_HASH_LEN] ^= 0x01;
            }
            //  Wrong leaf, wrong index, wrong root. (A wrong size alone can
            //  pass: the proof binds the (size, head) pair only through the
            //  head, which a signed checkpoint ties to its size.)
            assert_int_equal (audit_merkle_inclusion_verify (leaves [n], i, n, proof, len, root), -1);
            if (n > 1)
                assert_int_equal (audit_merkle_inclusion_verify (leaves [i], (i + 1) % n, n,
                                                                 proof, len, root), -1);
            memcpy (bad, root, AUDIT_HASH_LEN);
            bad [31] ^= 0x80;
            assert_int_equal (audit_merkle_inclusion_verify (leaves [i], i, n, proof, len, bad), -1);
            //  Too short and too long.
            if (len > 0)
                assert_int_equal (audit_merkle_inclusion_verify (leaves [i], i, n, proof, len - 1, root), -1);
            memcpy (proof [len], root, AUDIT_HASH_LEN);
            assert_int_equal (audit_merkle_inclusion_verify (leaves [i], i, n, proof, len + 1, root), -1);
        }
        //  Index out of range, both for proving and verifying.
        size_t len = 0;
        assert_int_equal (audit_merkle_inclusion_proof (proof, &len, leaves, n, n), -1);
        assert_int_equal (audit_merkle_inclusion_verify (leaves [0], n, n, proof, 0, root), -1);
    }
    assert_int_equal (verified, 64 * 65 / 2);
    assert_int_equal (audit_merkle_inclusion_verify (leaves [0], 0, 0, proof, 0, root), -1);
}

//  An inner node is never a leaf (RFC 9162 s.2.1.3.2: when the path is
//  used up, sn must be 0). The nodes at height h of a tree, the heads of
//  its chunks of 2^h leaves (the last chunk may be short), form a tree
//  with the same head, so node a's path in that smaller tree folds from
//  the node to the head: the test shows it does. Claimed in the full
//  tree, at any index, the same proof runs out before the path reaches
//  the top (or leads elsewhere) and must be refused: leaf and node hashes
//  are domain-separated, so no leaf of the tree has that hash. With
//  height past the top, the head itself poses as a leaf with an empty
//  proof.
static void
test_inclusion_inner_node_is_no_leaf (void **state)
{
    (void) state;
    enum { N = 64 };
    audit_hash_t leaves [N], nodes [N], proof [AUDIT_PROOF_MAX], root, top;
    s_numbered (leaves, N);
    size_t folded = 0, refused = 0;
    for (uint64_t n = 2; n <= N; n++) {
        s_mth (root, leaves, n);
        for (uint64_t chunk = 2; chunk / 2 < n; chunk *= 2) {
            uint64_t count = (n + chunk - 1) / chunk;
            for (uint64_t a = 0; a < count; a++) {
                uint64_t first = a * chunk, size = n - first < chunk? n - first: chunk;
                s_mth (nodes [a], leaves + first, size);
            }
            s_mth (top, nodes, count);
            assert_memory_equal (top, root, AUDIT_HASH_LEN);
            for (uint64_t a = 0; a < count; a++) {
                if (n - a * chunk < 2)
                    continue;           //  a chunk of one leaf: a leaf, not a node
                size_t len = 0;
                assert_int_equal (audit_merkle_inclusion_proof (proof, &len, nodes, count, a), 0);
                assert_int_equal (audit_merkle_inclusion_verify (nodes [a], a, count, proof, len,
                                                                 root), 0);
                folded++;
                for (uint64_t i = 0; i < n; i++) {
                    if (audit_merkle_inclusion_verify (nodes [a], i, n, proof, len, root) != -1)
                        fail_msg ("tree of %llu: the head of leaves %llu.. (%llu wide) passed "
                                  "for leaf %llu", (unsigned long long) n,
                                  (unsigned long long) (a * chunk), (unsigned long long) chunk,
                                  (unsigned long long) i);
                    refused++;
                }
            }
        }
    }
    //  A tree of n leaves has n - 1 inner nodes, all of them chunk heads
    //  (a short last chunk can recur at the next height, so some twice).
    assert_true (folded >= (N - 1) * N / 2);
    assert_true (refused > folded);
}

static void
test_consistency_every_size (void **state)
{
    (void) state;
    audit_hash_t leaves [64], roots [65], proof [AUDIT_PROOF_MAX + 1], bad;
    s_numbered (leaves, 64);
    for (uint64_t n = 0; n <= 64; n++)
        assert_int_equal (audit_merkle_root (roots [n], leaves, n), 0);
    for (uint64_t n = 0; n <= 64; n++) {
        for (uint64_t m = 0; m <= n; m++) {
            size_t len = 99;
            assert_int_equal (audit_merkle_consistency_proof (proof, &len, leaves, n, m), 0);
            if (m == 0 || m == n)
                assert_int_equal (len, 0);
            assert_int_equal (audit_merkle_consistency_verify (m, n, roots [m], roots [n],
                                                               proof, len), 0);
            if (m == 0)
                continue;
            //  Wrong heads.
            memcpy (bad, roots [m], AUDIT_HASH_LEN);
            bad [0] ^= 1;
            assert_int_equal (audit_merkle_consistency_verify (m, n, bad, roots [n], proof, len), -1);
            memcpy (bad, roots [n], AUDIT_HASH_LEN);
            bad [0] ^= 1;
            assert_int_equal (audit_merkle_consistency_verify (m, n, roots [m], bad, proof, len), -1);
            //  Flipped bits, short, long, and sizes in the wrong order.
            for (size_t j = 0; j < len; j++) {
                proof [j][5] ^= 0x10;
                assert_int_equal (audit_merkle_consistency_verify (m, n, roots [m], roots [n],
                                                                   proof, len), -1);
                proof [j][5] ^= 0x10;
            }
            if (len > 0)
                assert_int_equal (audit_merkle_consistency_verify (m, n, roots [m], roots [n],
                                                                   proof, len - 1), -1);
            memcpy (proof [len], roots [0], AUDIT_HASH_LEN);
            assert_int_equal (audit_merkle_consistency_verify (m, n, roots [m], roots [n],
                                                               proof, len + 1), -1);
            if (m < n)
                assert_int_equal (audit_merkle_consistency_verify (n, m, roots [n], roots [m],
                                                                   proof, len), -1);
        }
        size_t len = 0;
        assert_int_equal (audit_merkle_consistency_proof (proof, &len, leaves, n, n + 1), -1);
    }
    //  A non-empty proof between equal sizes or from the empty tree fails.
    memcpy (proof [0], roots [5], AUDIT_HASH_LEN);
    assert_int_equal (audit_merkle_consistency_verify (5, 5, roots [5], roots [5], proof, 1), -1);
    assert_int_equal (audit_merkle_consistency_verify (0, 5, roots [0], roots [5], proof, 1), -1);
    assert_int_equal (audit_merkle_consistency_verify (5, 9, roots [5], roots [9], proof, 0), -1);
    assert_int_equal (audit_merkle_consistency_verify (5, 9, roots [5], roots [9], proof,
                                                       AUDIT_PROOF_MAX + 1), -1);
}

//  From the empty tree (RFC 9162 s.2.1.4 defines proofs for 0 < m < n
//  only): the proof is empty, the old head must be MTH({}) = SHA-256(""),
//  and at sizes (0, 0) the two heads must be the same.
static void
test_consistency_from_empty (void **state)
{
    (void) state;
    audit_hash_t empty, other, root5, leaves [5], proof [1];
    support_audit_hex (empty, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    memcpy (other, empty, AUDIT_HASH_LEN);
    other [31] ^= 1;
    s_numbered (leaves, 5);
    assert_int_equal (audit_merkle_root (root5, leaves, 5), 0);
    memcpy (proof [0], empty, AUDIT_HASH_LEN);
    //  (0, 0): both heads the empty-tree hash, and nothing else.
    assert_int_equal (audit_merkle_consistency_verify (0, 0, empty, empty, proof, 0), 0);
    support_expect_refused (audit_merkle_consistency_verify (0, 0, empty, other, proof, 0) != 0,
                            "(0, 0) with different heads", "different heads");
    support_expect_refused (audit_merkle_consistency_verify (0, 0, other, other, proof, 0) != 0,
                            "(0, 0) with equal heads that are not MTH({})", "empty-tree hash");
    support_expect_refused (audit_merkle_consistency_verify (0, 0, other, empty, proof, 0) != 0,
                            "(0, 0) with the old head wrong", "empty-tree hash");
    support_expect_refused (audit_merkle_consistency_verify (0, 0, empty, empty, proof, 1) != 0,
                            "(0, 0) with a proof", "must be empty");
    //  (0, n): any new head, an old head of MTH({}), no proof.
    assert_int_equal (audit_merkle_consistency_verify (0, 5, empty, root5, proof, 0), 0);
    support_expect_refused (audit_merkle_consistency_verify (0, 5, other, root5, proof, 0) != 0,
                            "(0, 5) with an old head that is not MTH({})", "empty-tree hash");
    support_expect_refused (audit_merkle_consistency_verify (0, 5, root5, root5, proof, 0) != 0,
                            "(0, 5) with the new head as the old", "empty-tree hash");
    support_expect_refused (audit_merkle_consistency_verify (0, 5, empty, root5, proof, 1) != 0,
                            "(0, 5) with a proof", "must be empty");
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_known_roots),
        cmocka_unit_test (test_hash_domains),
        cmocka_unit_test (test_frontier),
        cmocka_unit_test (test_known_proofs),
        cmocka_unit_test (test_inclusion_every_index),
        cmocka_unit_test (test_inclusion_inner_node_is_no_leaf),
        cmocka_unit_test (test_consistency_every_size),
        cmocka_unit_test (test_consistency_from_empty),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
