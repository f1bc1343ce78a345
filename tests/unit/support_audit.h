/*  tests/unit/support_audit.h - reading audit logs and proofs in tests:
    the entries of one kind in a log, hashes from hex test vectors, and the
    base64 hashes of a proof's JSON. Header-only (static inline) because it needs cohort_audit, which
    only the tests that include it link; include after cmocka.h. */
#ifndef TESTS_UNIT_SUPPORT_AUDIT_H
#define TESTS_UNIT_SUPPORT_AUDIT_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/log.h"
#include "audit/merkle.h"
#include "util/codec.h"
#include "support_file.h"

//  The number of entries of the log whose kind is `kind` (its JSON holds
//  "kind":"<kind>"). An entry that cannot be read fails the test.
static inline int
support_audit_count (audit_log_t *log, const char *kind)
{
    char want [128];
    snprintf (want, sizeof want, "\"kind\":\"%s\"", kind);
    int count = 0;
    for (uint64_t i = 0; i < audit_log_size (log); i++) {
        char *entry = audit_log_entry_json (log, i);
        assert_non_null (entry);
        count += strstr (entry, want) != NULL;
        free (entry);
    }
    return count;
}

//  Decodes a hash written as 2 * AUDIT_HASH_LEN hex digits (a test vector)
//  into out; any other text fails the test.
static inline void
support_audit_hex (audit_hash_t out, const char *hex)
{
    assert_int_equal (support_unhex (out, AUDIT_HASH_LEN, hex), AUDIT_HASH_LEN);
}

//  Decodes a proof's hash member (44 characters of base64 for
//  AUDIT_HASH_LEN bytes) into out; anything else fails the test.
static inline void
support_audit_hash (audit_hash_t out, json_t *value)
{
    const char *text = json_string_value (value);
    assert_non_null (text);
    assert_int_equal (strlen (text), 44);
    size_t len = 0;
    assert_int_equal (util_b64_decode (out, AUDIT_HASH_LEN, &len, text, 44), 0);
    assert_int_equal (len, AUDIT_HASH_LEN);
}

//  Decodes a proof's path (a JSON array of at most AUDIT_PROOF_MAX hash
//  members) into out, which holds AUDIT_PROOF_MAX hashes; returns its
//  length.
static inline size_t
support_audit_path (audit_hash_t *out, json_t *list)
{
    assert_true (json_is_array (list));
    size_t n = json_array_size (list);
    assert_true (n <= AUDIT_PROOF_MAX);
    for (size_t i = 0; i < n; i++)
        support_audit_hash (out [i], json_array_get (list, i));
    return n;
}

#endif
