/*  Unit tests for audit/log.c: the SQLite log, appends (single and batch),
    the head, proofs and checkpoints. The leaf layout is pinned by a head
    computed independently (python3 hashlib over the documented layout). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit/log.h"
#include "util/error.h"
#include "alloc_walk.h"
#include "support_audit.h"
#include "support_dir.h"
#include "support_error.h"

typedef struct {
    char dir [SUPPORT_DIR_MAX];
    char path [128];
} fixture_t;

static int
s_setup (void **state)
{
    fixture_t *f = support_fixture_new (state, sizeof *f, "audit-log");
    if (!f)
        return -1;
    support_path (f->path, sizeof f->path, f->dir, "audit.db");
    return 0;
}

static void
s_append_n (audit_log_t *log, int n)
{
    for (int i = 0; i < n; i++) {
        char detail [64];
        snprintf (detail, sizeof detail, "{\"n\":%d}", i);
        audit_entry_t e = { 1700000000000 + i, "test.entry", "tester", detail };
        assert_int_equal (audit_log_append (log, &e, NULL), 0);
    }
}

static void
test_known_head (void **state)
{
    fixture_t *f = *state;
    audit_log_t *log = audit_log_open (f->path, "hospital-a.example/audit");
    assert_non_null (log);
    assert_int_equal (audit_log_size (log), 0);
    audit_checkpoint_t head;
    assert_int_equal (audit_log_head (log, &head), 0);
    uint8_t want [AUDIT_HASH_LEN];
    support_audit_hex (want, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_memory_equal (head.root, want, AUDIT_HASH_LEN);

    audit_entry_t e1 = { 1700000000000, "device.enroll", "site:a", "{\"device\":\"d1\"}" };
    audit_entry_t e2 = { 1700000000001, "grant.accept", "authority:consent-1", "{}" };
    uint64_t index = 99;
    assert_int_equal (audit_log_append (log, &e1, &index), 0);
    assert_int_equal (index, 0);
    assert_int_equal (audit_log_head (log, &head), 0);
    support_audit_hex (want, "b25f6a4551620c755df6e5c415661cdb6252f74f3cea9f8495bac493d72f0e40");
    assert_memory_equal (head.root, want, AUDIT_HASH_LEN);
    assert_int_equal (audit_log_append (log, &e2, &index), 0);
    assert_int_equal (index, 1);
    assert_int_equal (audit_log_head (log, &head), 0);
    assert_string_equal (head.origin, "hospital-a.example/audit");
    assert_int_equal (head.size, 2);
    support_audit_hex (want, "fa51e1f61b8eaa10b6c1489bc159f52dc7ea41d9ea3b8866d094b7e871d6678a");
    assert_memory_equal (head.root, want, AUDIT_HASH_LEN);

    char *json = audit_log_entry_json (log, 1);
    assert_non_null (json);
    assert_string_equal (json, "{\"index\":1,\"time_ms\":1700000000001,\"kind\":\"grant.accept\","
                               "\"actor\":\"authority:consent-1\",\"detail\":\"{}\"}");
    free (json);
    assert_null (audit_log_entry_json (log, 2));
    assert_non_null (strstr (util_last_error (), "no entry 2"));
    audit_log_destroy (&log);
    audit_log_destroy (&log);
    assert_null (log);

    //  Reopened: the head and the right edge persist; appends continue.
    log = audit_log_open (f->path, NULL);
    assert_non_null (log);
    assert_int_equal (audit_log_size (log), 2);
    assert_string_equal (audit_log_origin (log), "hospital-a.example/audit");
    audit_checkpoint_t again;
    assert_int_equal (audit_log_head (log, &again), 0);
    assert_memory_equal (again.root, want, AUDIT_HASH_LEN);
    audit_log_destroy (&log);
}

static void
test_open_errors (void **state)
{
    fixture_t *f = *state;
    assert_null (audit_log_open (f->path, NULL));          //  new log without origin
    assert_non_null (strstr (util_last_error (), "cannot open"));
    assert_int_equal (access (f->path, F_OK), -1);         //  and no file left behind
    assert_null (audit_log_open (f->path, " bad"));
    audit_log_t *log = audit_log_open (f->path, "o");
    assert_non_null (log);
    audit_log_destroy (&log);
    assert_null (audit_log_open (f->path, "other"));       //  origin mismatch
    assert_non_null (strstr (util_last_error (), "log origin is 'o'"));
    log = audit_log_open (f->path, "o");
    assert_non_null (log);
    audit_log_destroy (&log);
    assert_null (audit_log_open ("/nonexistent/dir/audit.db", "o"));
    assert_non_null (strstr (util_last_error (), "/nonexistent/dir/audit.db"));
    //  A file that is not SQLite.
    char junk [160];
    support_path (junk, sizeof junk, f->dir, "junk.db");
    FILE *fp = fopen (junk, "wb");
    for (int i = 0; i < 100; i++)
        fputs ("this is not a database\n", fp);
    fclose (fp);
    assert_null (audit_log_open (junk, "o"));
    assert_non_null (strstr (util_last_error (), junk));
}

static void
test_entry_rejects (void **state)
{
    fixture_t *f = *state;
    audit_log_t *log = audit_log_open (f->path, "o");
    char kind [AUDIT_KIND_MAX + 2], actor [AUDIT_ACTOR_MAX + 2];
    memset (kind, 'k', sizeof kind);
    kind [AUDIT_KIND_MAX] = '\0';
    memset (actor, 'a', sizeof actor);
    actor [AUDIT_ACTOR_MAX] = '\0';
    char *detail = malloc (AUDIT_DETAIL_MAX + 2);
    memset (detail, ' ', AUDIT_DETAIL_MAX + 1);
    detail [0] = '{';
    detail [AUDIT_DETAIL_MAX - 1] = '}';
    detail [AUDIT_DETAIL_MAX] = '\0';
    //  Every limit, exactly.
    audit_entry_t max = { 1, kind, actor, detail };
    assert_int_equal (audit_log_append (log, &max, NULL), 0);
    //  One past each limit, and each bad form.
    kind [AUDIT_KIND_MAX] = 'k';
    kind [AUDIT_KIND_MAX + 1] = '\0';
    actor [AUDIT_ACTOR_MAX] = 'a';
    actor [AUDIT_ACTOR_MAX + 1] = '\0';
    detail [AUDIT_DETAIL_MAX - 1] = ' ';
    detail [AUDIT_DETAIL_MAX] = '}';
    detail [AUDIT_DETAIL_MAX + 1] = '\0';
    const struct { audit_entry_t e; const char *why; } bad [] = {
        { { 1, kind, "a", "{}" }, "kind" },
        { { 1, "", "a", "{}" }, "kind" },
        { { 1, NULL, "a", "{}" }, "kind" },
        { { 1, "Device", "a", "{}" }, "kind" },
        { { 1, "dev ice", "a", "{}" }, "kind" },
        { { 1, "k", actor, "{}" }, "actor" },
        { { 1, "k", "", "{}" }, "actor" },
        { { 1, "k", NULL, "{}" }, "actor" },
        { { 1, "k", "a\tb", "{}" }, "actor" },
        { { -1, "k", "a", "{}" }, "time_ms" },
        { { 1, "k", "a", detail }, "detail" },
        { { 1, "k", "a", "" }, "detail" },
        { { 1, "k", "a", NULL }, "detail" },
        { { 1, "k", "a", "{" }, "detail: line 1" },
        { { 1, "k", "a", "[1]" }, "JSON object" },
        { { 1, "k", "a", "{\"a\":1,\"a\":2}" }, "detail" },
        { { 1, "k", "a", "{} {}" }, "detail" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        char what [32];
        snprintf (what, sizeof what, "bad entry %zu", i);
        support_expect_refused (audit_log_append (log, &bad [i].e, NULL) != 0, what, bad [i].why);
    }
    assert_int_equal (audit_log_size (log), 1);
    free (detail);
    audit_log_destroy (&log);
}

static void
test_batch (void **state)
{
    fixture_t *f = *state;
    audit_log_t *log = audit_log_open (f->path, "o");
    audit_entry_t batch [5];
    for (int i = 0; i < 5; i++)
        batch [i] = (audit_entry_t) { 0, "round.done", "coordinator", "{\"round\":1}" };
    uint64_t first = 99;
    int64_t before = (int64_t) time (NULL) * 1000;
    assert_int_equal (audit_log_append_batch (log, batch, 5, &first), 0);
    assert_int_equal (first, 0);
    assert_int_equal (audit_log_size (log), 5);
    //  time_ms 0 means now.
    char *json = audit_log_entry_json (log, 4);
    long long t = 0;
    assert_int_equal (sscanf (strstr (json, "\"time_ms\":"), "\"time_ms\":%lld", &t), 1);
    assert_true (t >= before && t <= before + 60000);
    free (json);
    //  All or none: a bad third entry appends nothing.
    batch [2].kind = "BAD";
    assert_int_equal (audit_log_append_batch (log, batch, 5, &first), -1);
    assert_non_null (strstr (util_last_error (), "entry 2: kind"));
    assert_int_equal (audit_log_size (log), 5);
    batch [2].kind = "ok";
    assert_int_equal (audit_log_append_batch (log, batch, 5, &first), 0);
    assert_int_equal (first, 5);
    assert_int_equal (audit_log_append_batch (log, batch, 0, &first), -1);
    assert_int_equal (audit_log_append_batch (log, batch, AUDIT_BATCH_MAX + 1, &first), -1);
    assert_int_equal (audit_log_size (log), 10);
    audit_log_destroy (&log);
}

static void
test_two_handles (void **state)
{
    fixture_t *f = *state;
    //  Two handles (as two processes would) interleave appends on one file.
    audit_log_t *a = audit_log_open (f->path, "o");
    audit_log_t *b = audit_log_open (f->path, NULL);
    assert_non_null (b);
    uint64_t ia = 0, ib = 0;
    audit_entry_t e = { 1, "k", "a", "{}" };
    for (int i = 0; i < 10; i++) {
        assert_int_equal (audit_log_append (a, &e, &ia), 0);
        assert_int_equal (audit_log_append (b, &e, &ib), 0);
        assert_int_equal (ib, ia + 1);
    }
    audit_checkpoint_t ha, hb;
    assert_int_equal (audit_log_head (a, &ha), 0);
    assert_int_equal (audit_log_head (b, &hb), 0);
    assert_int_equal (ha.size, 20);
    assert_int_equal (hb.size, 20);
    assert_memory_equal (ha.root, hb.root, AUDIT_HASH_LEN);
    //  A batch on one handle, then single appends on the other (the site
    //  worker and the ingest endpoint's actor share a file this way).
    audit_entry_t batch [3] = { e, e, e };
    uint64_t first = 0;
    assert_int_equal (audit_log_append_batch (b, batch, 3, &first), 0);
    assert_int_equal (first, 20);
    assert_int_equal (audit_log_append (a, &e, &ia), 0);
    assert_int_equal (ia, 23);
    assert_int_equal (audit_log_size (a), 24);
    audit_log_destroy (&a);
    audit_log_destroy (&b);
    //  The interleaved log verifies: every leaf, the head and the stored edge.
    audit_verify_result_t r;
    assert_int_equal (audit_log_verify (f->path, NULL, NULL, 0, &r), 0);
    assert_int_equal (r.entries, 24);
    assert_memory_not_equal (r.head.root, hb.root, AUDIT_HASH_LEN);
}

static void
test_proofs (void **state)
{
    fixture_t *f = *state;
    audit_log_t *log = audit_log_open (f->path, "o");
    enum { N = 37 };
    audit_hash_t roots [N + 1];
    assert_int_equal (audit_log_head (log, &(audit_checkpoint_t) { 0 }), 0);
    for (int n = 0; n <= N; n++) {
        if (n)
            s_append_n (log, 1);
        audit_checkpoint_t h;
        assert_int_equal (audit_log_head (log, &h), 0);
        memcpy (roots [n], h.root, AUDIT_HASH_LEN);
    }
    audit_hash_t proof [AUDIT_PROOF_MAX], leaf;
    size_t len = 0;
    for (uint64_t size = 1; size <= N; size += 6)
        for (uint64_t i = 0; i < size; i++) {
            assert_int_equal (audit_log_inclusion_proof (log, i, size, leaf, proof, &len), 0);
            assert_int_equal (audit_merkle_inclusion_verify (leaf, i, size, proof, len,
                                                             roots [size]), 0);
        }
    for (uint64_t m = 0; m <= N; m++) {
        assert_int_equal (audit_log_consistency_proof (log, m, N, proof, &len), 0);
        assert_int_equal (audit_merkle_consistency_verify (m, N, roots [m], roots [N],
                                                           proof, len), 0);
    }
    assert_int_equal (audit_log_inclusion_proof (log, N, N, leaf, proof, &len), -1);
    assert_int_equal (audit_log_inclusion_proof (log, 0, N + 1, leaf, proof, &len), -1);
    assert_non_null (strstr (util_last_error (), "larger than the log"));
    assert_int_equal (audit_log_consistency_proof (log, 5, 4, proof, &len), -1);
    assert_int_equal (audit_log_consistency_proof (log, 5, N + 1, proof, &len), -1);
    audit_log_destroy (&log);
}

static void
test_checkpoint (void **state)
{
    fixture_t *f = *state;
    audit_log_t *log = audit_log_open (f->path, "hospital-a.example/audit");
    s_append_n (log, 3);
    audit_signer_t *key = audit_signer_generate ("hospital-a-audit");
    char *note = audit_log_checkpoint (log, key);
    assert_non_null (note);
    char *vtext = audit_signer_verifier_text (key);
    audit_verifier_t *v = audit_verifier_parse (vtext, strlen (vtext));
    audit_checkpoint_t cp, head;
    assert_int_equal (audit_checkpoint_open (&cp, note, strlen (note), v), 0);
    assert_int_equal (audit_log_head (log, &head), 0);
    assert_int_equal (cp.size, 3);
    assert_string_equal (cp.origin, "hospital-a.example/audit");
    assert_memory_equal (cp.root, head.root, AUDIT_HASH_LEN);
    free (note);
    //  The same key again, later: fine. Another key: refused.
    s_append_n (log, 2);
    note = audit_log_checkpoint (log, key);
    assert_non_null (note);
    free (note);
    audit_signer_t *other = audit_signer_generate ("hospital-a-audit");
    assert_null (audit_log_checkpoint (log, other));
    assert_non_null (strstr (util_last_error (), "signed by key"));
    audit_signer_destroy (&other);
    audit_signer_destroy (&key);
    audit_verifier_destroy (&v);
    free (vtext);
    audit_log_destroy (&log);
}

//  Allocation failures: opening, proofs, and checkpoints; a checkpoint
//  that could not be made stores nothing (the log still verifies with
//  exactly the checkpoint that succeeded).
static bool
s_open_walk (void *path)
{
    audit_log_t *log = audit_log_open (path, "hospital-a.example/audit");
    bool ok = log != NULL;
    audit_log_destroy (&log);
    return ok;
}

static bool
s_proof_walk (void *log)
{
    audit_hash_t leaf, proof [AUDIT_PROOF_MAX];
    size_t len = 0;
    return audit_log_inclusion_proof (log, 2, 5, leaf, proof, &len) == 0
        && audit_log_consistency_proof (log, 3, 5, proof, &len) == 0;
}

typedef struct {
    audit_log_t *log;
    audit_signer_t *key;
} s_cp_t;

static bool
s_checkpoint_walk (void *arg)
{
    s_cp_t *c = arg;
    char *note = audit_log_checkpoint (c->log, c->key);
    bool ok = note != NULL;
    free (note);
    return ok;
}

static void
test_out_of_memory (void **state)
{
    fixture_t *f = *state;
    //  The log, its path, its scratch buffer.
    assert_true (alloc_walk (s_open_walk, f->path) >= 3);
    s_cp_t c = { audit_log_open (f->path, NULL), audit_signer_generate ("hospital-a-audit") };
    assert_non_null (c.log);
    s_append_n (c.log, 5);
    assert_true (alloc_walk (s_proof_walk, c.log) >= 2);
    //  The verifier's text, then the note.
    assert_true (alloc_walk (s_checkpoint_walk, &c) >= 2);
    audit_log_destroy (&c.log);
    char *vtext = audit_signer_verifier_text (c.key);
    audit_verifier_t *v = audit_verifier_parse (vtext, strlen (vtext));
    audit_verify_result_t r;
    assert_int_equal (audit_log_verify (f->path, v, NULL, 0, &r), 0);
    assert_int_equal (r.checkpoints, 1);
    assert_int_equal (r.entries, 5);
    audit_verifier_destroy (&v);
    free (vtext);
    audit_signer_destroy (&c.key);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_known_head, s_setup, support_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_open_errors, s_setup, support_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_entry_rejects, s_setup, support_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_batch, s_setup, support_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_two_handles, s_setup, support_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_proofs, s_setup, support_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_checkpoint, s_setup, support_fixture_teardown),
        cmocka_unit_test_setup_teardown (test_out_of_memory, s_setup, support_fixture_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
