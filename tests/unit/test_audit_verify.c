/*  Unit tests for audit/verify.c: a clean log verifies, and every kind of
    tampering (changed byte, removed entry, reordered entries, truncated
    file, rewritten hashes, forged checkpoints) fails, naming the first bad
    entry where one can be named. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/log.h"
#include "util/error.h"
#include "audit/audit_internal.h"
#include "alloc_walk.h"
#include "support_dir.h"
#include "support_file.h"

#define N 50

typedef struct {
    char dir [SUPPORT_DIR_MAX];
    char path [128];
    audit_signer_t *key;
    audit_verifier_t *verifier;
    char *note;                 //  checkpoint at size N, kept outside the log
} fixture_t;

//  A log of N entries with checkpoints signed at sizes 10, 30 and N.
static int
s_setup (void **state)
{
    fixture_t *f = support_fixture_new (state, sizeof *f, "audit-verify");
    if (!f)
        return -1;
    support_path (f->path, sizeof f->path, f->dir, "audit.db");
    f->key = audit_signer_generate ("audit-key");
    char *vtext = audit_signer_verifier_text (f->key);
    f->verifier = audit_verifier_parse (vtext, strlen (vtext));
    free (vtext);
    audit_log_t *log = audit_log_open (f->path, "hospital-a.example/audit");
    if (!log)
        return -1;
    for (int i = 0; i < N; i++) {
        char detail [64];
        snprintf (detail, sizeof detail, "{\"marker\":\"MARK-%04d\"}", i);
        audit_entry_t e = { 1700000000000 + i, "ingest.reject", "gateway:gw-1", detail };
        if (audit_log_append (log, &e, NULL))
            return -1;
        if (i + 1 == 10 || i + 1 == 30 || i + 1 == N) {
            free (f->note);
            f->note = audit_log_checkpoint (log, f->key);
        }
    }
    audit_log_destroy (&log);
    return f->note? 0: -1;
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    audit_signer_destroy (&f->key);
    audit_verifier_destroy (&f->verifier);
    free (f->note);
    return support_fixture_teardown (state);
}

//  Tampers with the log file behind the library's back.
#define s_sql(f, sql) support_sql ((f)->path, sql)

//  Verifies and expects failure naming `first_bad` with `why` in the message.
static void
s_expect_bad (fixture_t *f, const char *note, int64_t first_bad, const char *why)
{
    audit_verify_result_t r;
    if (audit_log_verify (f->path, f->verifier, note, note? strlen (note): 0, &r) == 0)
        fail_msg ("tampered log verified (expected '%s')", why);
    if (!strstr (util_last_error (), why))
        fail_msg ("message '%s' lacks '%s'", util_last_error (), why);
    if (r.first_bad != first_bad)
        fail_msg ("first bad %lld, expected %lld (%s)", (long long) r.first_bad,
                  (long long) first_bad, util_last_error ());
}

static void
test_clean (void **state)
{
    fixture_t *f = *state;
    audit_verify_result_t r;
    //  With the given key, with the log's own key, with the outside note.
    assert_int_equal (audit_log_verify (f->path, f->verifier, NULL, 0, &r), 0);
    assert_int_equal (r.entries, N);
    assert_int_equal (r.checkpoints, 3);
    assert_int_equal (r.first_bad, -1);
    assert_int_equal (audit_log_verify (f->path, NULL, NULL, 0, &r), 0);
    assert_int_equal (audit_log_verify (f->path, NULL, f->note, strlen (f->note), &r), 0);
    assert_int_equal (r.checkpoints, 4);
    audit_log_t *log = audit_log_open (f->path, NULL);
    audit_checkpoint_t head;
    assert_int_equal (audit_log_head (log, &head), 0);
    audit_log_destroy (&log);
    assert_int_equal (r.head.size, N);
    assert_string_equal (r.head.origin, head.origin);
    assert_memory_equal (r.head.root, head.root, AUDIT_HASH_LEN);
    //  Verifying wrote nothing: the file is unchanged and still verifies.
    assert_int_equal (audit_log_verify (f->path, f->verifier, NULL, 0, &r), 0);
}

static void
test_empty_log (void **state)
{
    fixture_t *f = *state;
    char path [160];
    support_path (path, sizeof path, f->dir, "empty.db");
    audit_log_t *log = audit_log_open (path, "o");
    char *note = audit_log_checkpoint (log, f->key);
    audit_log_destroy (&log);
    audit_verify_result_t r;
    assert_int_equal (audit_log_verify (path, NULL, NULL, 0, &r), 0);
    assert_int_equal (r.entries, 0);
    assert_int_equal (r.checkpoints, 1);
    free (note);
}

static void
test_changed_content (void **state)
{
    fixture_t *f = *state;
    s_sql (f, "UPDATE entries SET detail = '{\"marker\":\"MARK-0017!\"}' WHERE idx = 17");
    s_expect_bad (f, NULL, 17, "entry 17 was altered");
}

static void
test_changed_fields (void **state)
{
    fixture_t *f = *state;
    s_sql (f, "UPDATE entries SET time_ms = time_ms + 1 WHERE idx = 3");
    s_expect_bad (f, NULL, 3, "entry 3 was altered");
    s_sql (f, "UPDATE entries SET time_ms = time_ms - 1 WHERE idx = 3;"
              "UPDATE entries SET actor = 'gateway:gw-2' WHERE idx = 4");
    s_expect_bad (f, NULL, 4, "entry 4 was altered");
    s_sql (f, "UPDATE entries SET actor = 'gateway:gw-1' WHERE idx = 4;"
              "UPDATE entries SET leaf = zeroblob(32) WHERE idx = 0");
    s_expect_bad (f, NULL, 0, "entry 0 was altered");
    s_sql (f, "UPDATE entries SET leaf = x'00' WHERE idx = 0");
    s_expect_bad (f, NULL, 0, "entry 0 is damaged");
    s_sql (f, "UPDATE entries SET leaf = 'text' WHERE idx = 0");
    s_expect_bad (f, NULL, 0, "entry 0 is damaged");
}

static void
test_rewritten_hashes (void **state)
{
    fixture_t *f = *state;
    //  Entry 35 changed and its leaf hash recomputed to match: only the
    //  signed checkpoint at size 50 can tell, bounding the first bad entry
    //  to after the good checkpoint at 30.
    const char *detail = "{\"marker\":\"FORGED\"}";
    uint8_t *buf = malloc (AUDIT_ENTRY_ENCODED_MAX);
    audit_hash_t leaf;
    assert_int_equal (audit_entry_leaf (leaf, buf, 35, 1700000000035, "ingest.reject", 13,
                                        "gateway:gw-1", 12, detail, strlen (detail)), 0);
    free (buf);
    char hex [2 * AUDIT_HASH_LEN + 1], sql [512];
    util_hex_encode (hex, leaf, AUDIT_HASH_LEN);
    snprintf (sql, sizeof sql, "UPDATE entries SET detail = '%s', leaf = x'%s' WHERE idx = 35",
              detail, hex);
    s_sql (f, sql);
    s_expect_bad (f, NULL, 30, "entries 30..49 were rewritten");
    //  Without the stored checkpoint at 50, the stored right edge (subtrees
    //  0..31, 32..47, 48..49) still bounds it, and the outside note catches it.
    s_sql (f, "DELETE FROM checkpoints WHERE size = 50");
    s_expect_bad (f, NULL, 32, "entries 32..47 were rewritten: the stored right edge");
    s_expect_bad (f, f->note, 30, "entries 30..49 were rewritten");
}

static void
test_removed_entry (void **state)
{
    fixture_t *f = *state;
    s_sql (f, "DELETE FROM entries WHERE idx = 20");
    s_expect_bad (f, NULL, 20, "entry 20 is missing (the next stored entry is 21)");
}

static void
test_removed_first_and_last (void **state)
{
    fixture_t *f = *state;
    s_sql (f, "DELETE FROM entries WHERE idx = 49");
    s_expect_bad (f, NULL, 49, "entry 49 is missing: the log was truncated below a checkpoint");
    //  Without the stored checkpoint the head in meta still catches it.
    s_sql (f, "DELETE FROM checkpoints WHERE size = 50");
    s_expect_bad (f, NULL, 49, "entry 49 is missing: the log's head records 50 entries");
    s_sql (f, "DELETE FROM entries WHERE idx = 0");
    s_expect_bad (f, NULL, 0, "entry 0 is missing");
}

static void
test_reordered (void **state)
{
    fixture_t *f = *state;
    //  Entries 12 and 25 swap places, leaf hashes and all.
    s_sql (f, "UPDATE entries SET idx = -1 WHERE idx = 12;"
              "UPDATE entries SET idx = 12 WHERE idx = 25;"
              "UPDATE entries SET idx = 25 WHERE idx = -1");
    s_expect_bad (f, NULL, 12, "entry 12 was altered");
}

static void
test_appended_outside (void **state)
{
    fixture_t *f = *state;
    //  A row with a correct leaf hash, slipped in behind the log's back.
    uint8_t *buf = malloc (AUDIT_ENTRY_ENCODED_MAX);
    audit_hash_t leaf;
    assert_int_equal (audit_entry_leaf (leaf, buf, N, 1, "k", 1, "a", 1, "{}", 2), 0);
    free (buf);
    char hex [2 * AUDIT_HASH_LEN + 1], sql [512];
    util_hex_encode (hex, leaf, AUDIT_HASH_LEN);
    snprintf (sql, sizeof sql, "INSERT INTO entries VALUES (%d, 1, 'k', 'a', '{}', x'%s')",
              N, hex);
    s_sql (f, sql);
    s_expect_bad (f, NULL, N, "entry 50 was not appended through the log");
}

//  Byte-level tampering on the closed file: one byte of entry 42's detail.
static void
test_file_byte (void **state)
{
    fixture_t *f = *state;
    FILE *fp = fopen (f->path, "r+b");
    assert_non_null (fp);
    fseek (fp, 0, SEEK_END);
    long size = ftell (fp);
    char *data = malloc ((size_t) size);
    fseek (fp, 0, SEEK_SET);
    assert_int_equal (fread (data, 1, (size_t) size, fp), (size_t) size);
    char *at = memmem (data, (size_t) size, "MARK-0042", 9);
    assert_non_null (at);
    fseek (fp, (long) (at - data) + 8, SEEK_SET);
    fputc ('3', fp);                    //  MARK-0042 -> MARK-0043
    fclose (fp);
    free (data);
    s_expect_bad (f, NULL, 42, "entry 42 was altered");
}

static void
test_file_truncated (void **state)
{
    fixture_t *f = *state;
    //  A log spanning many pages, signed at its end, cut to 60%: the
    //  entries up to the cut still verify and the first lost one is named.
    char path [160];
    support_path (path, sizeof path, f->dir, "big.db");
    audit_log_t *log = audit_log_open (path, "o");
    audit_entry_t batch [1000];
    for (int i = 0; i < 1000; i++)
        batch [i] = (audit_entry_t) { 1, "ingest.accept", "gateway:gw-1",
                                      "{\"record\":\"0123456789abcdef0123456789abcdef\"}" };
    for (int i = 0; i < 3; i++)
        assert_int_equal (audit_log_append_batch (log, batch, 1000, NULL), 0);
    char *note = audit_log_checkpoint (log, f->key);
    audit_log_destroy (&log);
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    assert_int_equal (truncate (path, st.st_size * 6 / 10), 0);
    audit_verify_result_t r;
    assert_int_equal (audit_log_verify (path, f->verifier, note, strlen (note), &r), -1);
    if (!strstr (util_last_error (), "truncated"))
        fail_msg ("message '%s' lacks 'truncated'", util_last_error ());
    assert_true (r.first_bad > 100 && r.first_bad < 3000);
    assert_int_equal (r.entries, r.first_bad);
    free (note);
    //  Cut to one page, or to nothing: not even the tables survive.
    assert_int_equal (truncate (path, 4096), 0);
    assert_int_equal (audit_log_verify (path, f->verifier, NULL, 0, &r), -1);
    assert_int_equal (truncate (path, 0), 0);
    assert_int_equal (audit_log_verify (path, f->verifier, NULL, 0, &r), -1);
}

static void
test_checkpoint_problems (void **state)
{
    fixture_t *f = *state;
    audit_verify_result_t r;
    //  An outside note by another key, or for another log.
    audit_signer_t *other = audit_signer_generate ("audit-key");
    audit_log_t *log = audit_log_open (f->path, NULL);
    audit_checkpoint_t head;
    assert_int_equal (audit_log_head (log, &head), 0);
    audit_log_destroy (&log);
    char *forged = audit_checkpoint_sign (&head, other);
    assert_int_equal (audit_log_verify (f->path, f->verifier, forged, strlen (forged), &r), -1);
    assert_non_null (strstr (util_last_error (), "given checkpoint: note: no signature by key"));
    free (forged);
    snprintf (head.origin, sizeof head.origin, "elsewhere");
    forged = audit_checkpoint_sign (&head, f->key);
    assert_int_equal (audit_log_verify (f->path, f->verifier, forged, strlen (forged), &r), -1);
    assert_non_null (strstr (util_last_error (), "is for log 'elsewhere'"));
    free (forged);
    //  A signed head larger than the log: truncated.
    snprintf (head.origin, sizeof head.origin, "hospital-a.example/audit");
    head.size = N + 5;
    forged = audit_checkpoint_sign (&head, f->key);
    s_expect_bad (f, forged, N, "truncated below a checkpoint signed at size 55");
    free (forged);
    //  The log's stored checkpoint by another key, with that key given.
    char *vtext = audit_signer_verifier_text (other);
    audit_verifier_t *ov = audit_verifier_parse (vtext, strlen (vtext));
    assert_int_equal (audit_log_verify (f->path, ov, NULL, 0, &r), -1);
    assert_non_null (strstr (util_last_error (), "stored checkpoint at size 10"));
    audit_verifier_destroy (&ov);
    free (vtext);
    audit_signer_destroy (&other);
    //  Stored checkpoint columns disagreeing with its note.
    s_sql (f, "UPDATE checkpoints SET root = zeroblob(32) WHERE size = 30");
    s_expect_bad (f, NULL, -1, "stored checkpoint at size 30: its columns do not match");
    s_sql (f, "UPDATE checkpoints SET note = replace(note, 'hospital', 'Hospital') "
              "WHERE size = 30");
    s_expect_bad (f, NULL, -1, "stored checkpoint at size 30: note");
    //  The recorded key removed and none given.
    s_sql (f, "DELETE FROM meta WHERE key = 'verifier'");
    assert_int_equal (audit_log_verify (f->path, NULL, NULL, 0, &r), -1);
    assert_non_null (strstr (util_last_error (), "no verifier key"));
    s_sql (f, "INSERT INTO meta VALUES ('verifier', 'garbage')");
    assert_int_equal (audit_log_verify (f->path, NULL, NULL, 0, &r), -1);
    assert_non_null (strstr (util_last_error (), "recorded verifier key is damaged"));
}

static void
test_not_a_log (void **state)
{
    fixture_t *f = *state;
    audit_verify_result_t r;
    assert_int_equal (audit_log_verify ("/nonexistent/audit.db", NULL, NULL, 0, &r), -1);
    assert_non_null (strstr (util_last_error (), "cannot open"));
    s_sql (f, "UPDATE meta SET value = 'something-else' WHERE key = 'format'");
    assert_int_equal (audit_log_verify (f->path, NULL, NULL, 0, &r), -1);
    assert_non_null (strstr (util_last_error (), "not a Cohort audit log"));
    s_sql (f, "DROP TABLE meta");
    assert_int_equal (audit_log_verify (f->path, NULL, NULL, 0, &r), -1);
    assert_non_null (strstr (util_last_error (), "not a Cohort audit log"));
}

static void
test_damaged_meta (void **state)
{
    fixture_t *f = *state;
    audit_verify_result_t r;
    s_sql (f, "UPDATE meta SET value = x'0102' WHERE key = 'size'");
    assert_int_equal (audit_log_verify (f->path, NULL, NULL, 0, &r), -1);
    assert_non_null (strstr (util_last_error (), "meta 'size'"));
    //  The log itself refuses to append onto a damaged head.
    assert_null (audit_log_open (f->path, NULL));
    s_sql (f, "UPDATE meta SET value = x'0000000000000032' WHERE key = 'size';"
              "UPDATE meta SET value = x'00' WHERE key = 'frontier'");
    assert_null (audit_log_open (f->path, NULL));
    assert_non_null (strstr (util_last_error (), "right edge"));
    assert_int_equal (audit_log_verify (f->path, NULL, NULL, 0, &r), -1);
    assert_non_null (strstr (util_last_error (), "right edge"));
}

//  Allocation failures: verifying a good log fails only with out of
//  memory, and never blames an entry for it.
typedef struct {
    fixture_t *f;
    const char *note;
} s_verify_t;

static bool
s_verify_walk (void *arg)
{
    s_verify_t *w = arg;
    audit_verify_result_t r;
    int rc = audit_log_verify (w->f->path, NULL, w->note, w->note? strlen (w->note): 0, &r);
    assert_int_equal (r.first_bad, -1);
    return rc == 0;
}

static void
test_out_of_memory (void **state)
{
    s_verify_t w = { *state, NULL };
    //  The scratch buffer, the recorded key, the checkpoint list.
    assert_true (alloc_walk (s_verify_walk, &w) >= 3);
    w.note = w.f->note;
    assert_true (alloc_walk (s_verify_walk, &w) >= 3);
}

int
main (void)
{
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
    const struct CMUnitTest tests [] = {
        T (test_clean), T (test_empty_log), T (test_changed_content), T (test_changed_fields),
        T (test_rewritten_hashes), T (test_removed_entry), T (test_removed_first_and_last),
        T (test_reordered), T (test_appended_outside), T (test_file_byte),
        T (test_file_truncated), T (test_checkpoint_problems), T (test_not_a_log),
        T (test_damaged_meta), T (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
