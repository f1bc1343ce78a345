/*  Unit tests for audit/proof.c: inclusion proofs of every entry and
    consistency proofs from every earlier size, as JSON whose paths check
    with the RFC 9162 verifiers, the documented keys in their order, the
    bounds on both sides, and allocation failures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/proof.h"
#include "util/alloc.h"
#include "util/error.h"
#include "support_audit.h"
#include "support_dir.h"

#define ENTRIES 12

typedef struct {
    char dir [SUPPORT_DIR_MAX], path [128];
    audit_log_t *log;
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = support_fixture_new (state, sizeof *f, "proof");
    if (!f)
        return -1;
    support_path (f->path, sizeof f->path, f->dir, "audit.db");
    if (!(f->log = audit_log_open (f->path, "hospital-a.example/audit")))
        return -1;
    for (int i = 0; i < ENTRIES; i++) {
        char detail [32];
        snprintf (detail, sizeof detail, "{\"seq\":%d}", i);
        audit_entry_t e = { 1000 + i, "ingest.reject", "gateway:gw-1", detail };
        if (audit_log_append (f->log, &e, NULL))
            return -1;
    }
    return 0;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    audit_log_destroy (&f->log);
    return support_fixture_teardown (state);
}

//  The keys appear in this order in the text.
static void
s_order (const char *text, const char *const *keys, size_t n)
{
    const char *at = text;
    for (size_t i = 0; i < n; i++) {
        char quoted [64];
        snprintf (quoted, sizeof quoted, "\"%s\":", keys [i]);
        const char *next = strstr (at, quoted);
        if (!next)
            fail_msg ("key %s missing or out of order in %s", keys [i], text);
        at = next;
    }
}

static void
test_inclusion (void **state)
{
    fixture_t *f = *state;
    for (uint64_t size = 1; size <= ENTRIES; size++)
        for (uint64_t i = 0; i < size; i++) {
            char *text = audit_proof_inclusion_json (f->log, i, size);
            assert_non_null (text);
            assert_true (text [strlen (text) - 1] == '}');
            json_error_t err;
            json_t *j = json_loads (text, 0, &err);
            assert_non_null (j);
            assert_string_equal (json_string_value (json_object_get (j, "origin")),
                                 "hospital-a.example/audit");
            assert_int_equal (json_integer_value (json_object_get (j, "tree_size")), size);
            assert_int_equal (json_integer_value (json_object_get (j, "index")), i);
            json_t *entry = json_object_get (j, "entry");
            assert_int_equal (json_integer_value (json_object_get (entry, "index")), i);
            assert_int_equal (json_integer_value (json_object_get (entry, "time_ms")),
                              1000 + i);
            audit_hash_t leaf, root, want, path [AUDIT_PROOF_MAX];
            support_audit_hash (leaf, json_object_get (j, "leaf_hash"));
            support_audit_hash (root, json_object_get (j, "root_hash"));
            assert_int_equal (audit_log_root_at (f->log, size, want), 0);
            assert_memory_equal (root, want, AUDIT_HASH_LEN);
            size_t n = support_audit_path (path, json_object_get (j, "inclusion_path"));
            assert_int_equal (audit_merkle_inclusion_verify (leaf, i, size, path, n, root), 0);
            //  A path for another index does not check.
            if (size > 1)
                assert_int_equal (audit_merkle_inclusion_verify (leaf, (i + 1) % size, size,
                                                                 path, n, root), -1);
            if (i == 3 && size == ENTRIES) {
                static const char *keys [] = { "origin", "tree_size", "index", "leaf_hash",
                                               "entry", "root_hash", "inclusion_path" };
                s_order (text, keys, 7);
                assert_int_equal (json_object_size (j), 7);
                assert_true (strncmp (text, "{\n  \"origin\": ", 14) == 0);
            }
            json_decref (j);
            free (text);
        }
    //  Out of range on either bound.
    assert_null (audit_proof_inclusion_json (f->log, ENTRIES, ENTRIES));
    assert_null (audit_proof_inclusion_json (f->log, 3, 3));
    assert_null (audit_proof_inclusion_json (f->log, 0, ENTRIES + 1));
    assert_null (audit_proof_inclusion_json (f->log, 0, 0));
}

static void
test_consistency (void **state)
{
    fixture_t *f = *state;
    for (uint64_t size = 0; size <= ENTRIES; size++)
        for (uint64_t old = 0; old <= size; old++) {
            char *text = audit_proof_consistency_json (f->log, old, size);
            assert_non_null (text);
            json_error_t err;
            json_t *j = json_loads (text, 0, &err);
            assert_non_null (j);
            assert_int_equal (json_integer_value (json_object_get (j, "tree_size")), size);
            assert_int_equal (json_integer_value (json_object_get (j, "old_size")), old);
            audit_hash_t old_root, root, want, path [AUDIT_PROOF_MAX];
            support_audit_hash (old_root, json_object_get (j, "old_root_hash"));
            support_audit_hash (root, json_object_get (j, "root_hash"));
            assert_int_equal (audit_log_root_at (f->log, old, want), 0);
            assert_memory_equal (old_root, want, AUDIT_HASH_LEN);
            size_t n = support_audit_path (path, json_object_get (j, "consistency_path"));
            assert_int_equal (audit_merkle_consistency_verify (old, size, old_root, root, path,
                                                               n), 0);
            if (old == 8 && size == ENTRIES) {
                static const char *keys [] = { "origin", "tree_size", "old_size",
                                               "old_root_hash", "root_hash",
                                               "consistency_path" };
                s_order (text, keys, 6);
                assert_int_equal (json_object_size (j), 6);
                //  Against another tree's head it does not check.
                assert_int_equal (audit_merkle_consistency_verify (old, size, root, root, path,
                                                                   n), -1);
            }
            json_decref (j);
            free (text);
        }
    assert_null (audit_proof_consistency_json (f->log, 9, 8));
    assert_null (audit_proof_consistency_json (f->log, 0, ENTRIES + 1));
    assert_null (audit_proof_consistency_json (f->log, ENTRIES + 1, ENTRIES + 1));
}

static void
test_allocation_failures (void **state)
{
    fixture_t *f = *state;
    for (int kind = 0; kind < 2; kind++) {
        int done = 0, failed = 0;
        for (long n = 0; !done && n < 1000; n++) {
            util_alloc_fail_after (n);
            char *text = kind? audit_proof_consistency_json (f->log, 5, ENTRIES)
                             : audit_proof_inclusion_json (f->log, 5, ENTRIES);
            util_alloc_fail_after (-1);
            if (text)
                done = 1;
            else {
                failed++;
                assert_int_equal (util_last_code (), UTIL_ENOMEM);
            }
            free (text);
        }
        assert_true (done);
        assert_true (failed >= 1);
    }
}

int
main (void)
{
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
    const struct CMUnitTest tests [] = {
        T (test_inclusion), T (test_consistency), T (test_allocation_failures),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
