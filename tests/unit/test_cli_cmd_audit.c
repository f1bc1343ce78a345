/*  Unit tests for cli/cmd_audit.c: `cohort audit keygen|append|checkpoint|
    verify|prove`, run as the built binary, including every tamper case. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit/merkle.h"

#define COHORT COHORT_BINARY_DIR "/cli/cohort"

typedef struct {
    char dir [64];
    char log [128], key [128], pub [128], note [128];
    char out [16384];
} fixture_t;

//  Runs `cohort audit <args>` in the fixture's directory; returns the exit
//  code, with stdout and stderr together in f->out.
static int
s_run (fixture_t *f, const char *fmt, ...)
{
    char args [1024], cmd [1400];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (args, sizeof args, fmt, ap);
    va_end (ap);
    snprintf (cmd, sizeof cmd, "cd '%s' && %s audit %s 2>&1", f->dir, COHORT, args);
    FILE *p = popen (cmd, "r");
    assert_non_null (p);
    size_t n = fread (f->out, 1, sizeof f->out - 1, p);
    f->out [n] = '\0';
    int status = pclose (p);
    return WIFEXITED (status)? WEXITSTATUS (status): -1;
}

static void
s_sql (fixture_t *f, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal (sqlite3_open (f->log, &db), SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec (db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg ("%s: %s", sql, err);
    sqlite3_close (db);
}

//  A key, a log of 12 entries with a checkpoint at 8, and an outside
//  checkpoint at 12.
static int
s_setup (void **state)
{
    fixture_t *f = calloc (1, sizeof *f);
    snprintf (f->dir, sizeof f->dir, "/tmp/cohort-cli-audit-XXXXXX");
    if (!mkdtemp (f->dir))
        return -1;
    snprintf (f->log, sizeof f->log, "%s/audit.db", f->dir);
    snprintf (f->key, sizeof f->key, "%s/audit.key", f->dir);
    snprintf (f->pub, sizeof f->pub, "%s/audit.key.pub", f->dir);
    snprintf (f->note, sizeof f->note, "%s/head.note", f->dir);
    *state = f;
    if (s_run (f, "keygen --name hospital-a --out audit.key"))
        return -1;
    for (int i = 0; i < 12; i++) {
        if (s_run (f, "append --log audit.db --origin hospital-a.example/audit"
                      " --kind ingest.reject --actor gateway:gw-1 --time-ms %d"
                      " --detail '{\"seq\":%d}'", 1000 + i, i))
            return -1;
        if (i == 7 && s_run (f, "checkpoint --log audit.db --key audit.key"))
            return -1;
    }
    return s_run (f, "checkpoint --log audit.db --key audit.key --out head.note");
}

static int
s_teardown (void **state)
{
    fixture_t *f = *state;
    char cmd [128];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system (cmd);
    free (f);
    return rc == 0? 0: -1;
}

static void
test_help_and_usage (void **state)
{
    fixture_t *f = *state;
    const char *cmds [] = { "keygen", "append", "checkpoint", "verify", "prove" };
    for (int i = 0; i < 5; i++) {
        assert_int_equal (s_run (f, "%s --help", cmds [i]), 0);
        assert_non_null (strstr (f->out, "usage: cohort audit"));
    }
    assert_int_equal (s_run (f, "--help"), 0);
    assert_int_equal (s_run (f, ""), 2);
    assert_int_equal (s_run (f, "nosuch"), 2);
    assert_int_equal (s_run (f, "verify"), 2);
    assert_non_null (strstr (f->out, "--log is required"));
    assert_int_equal (s_run (f, "verify --log audit.db --nosuch"), 2);
    assert_non_null (strstr (f->out, "unknown option"));
    assert_int_equal (s_run (f, "verify --log"), 2);
    assert_non_null (strstr (f->out, "missing value"));
    assert_int_equal (s_run (f, "verify --log audit.db extra"), 2);
    assert_int_equal (s_run (f, "prove --log audit.db"), 2);
    assert_int_equal (s_run (f, "prove --log audit.db --index 1 --old 1"), 2);
    assert_int_equal (s_run (f, "prove --log audit.db --index x"), 2);
    assert_int_equal (s_run (f, "prove --log audit.db --index -1"), 2);
    assert_int_equal (s_run (f, "keygen --out x.key"), 2);
    assert_int_equal (s_run (f, "keygen --name 'a b' --out x.key"), 2);
    assert_int_equal (s_run (f, "checkpoint --log audit.db"), 2);
    assert_int_equal (s_run (f, "append --log audit.db --kind k --actor a"), 2);
    assert_int_equal (s_run (f, "append --log audit.db --kind k --actor a --detail {} "
                                "--time-ms 0"), 2);
}

static void
test_keygen (void **state)
{
    fixture_t *f = *state;
    struct stat st;
    assert_int_equal (stat (f->key, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0600);
    assert_int_equal (stat (f->pub, &st), 0);
    //  Never overwrites the key or its .pub.
    assert_int_equal (s_run (f, "keygen --name other --out audit.key"), 1);
    assert_non_null (strstr (f->out, "exists"));
    unlink (f->pub);
    assert_int_equal (s_run (f, "keygen --name other --out audit.key"), 1);
    assert_int_equal (s_run (f, "keygen --name second --out second.key"), 0);
    assert_non_null (strstr (f->out, "second+"));
}

static void
test_append_and_checkpoint_errors (void **state)
{
    fixture_t *f = *state;
    assert_int_equal (s_run (f, "append --log new.db --kind k --actor a --detail {}"), 1);
    char path [160];
    snprintf (path, sizeof path, "%s/new.db", f->dir);
    assert_int_equal (access (path, F_OK), -1);
    assert_int_equal (s_run (f, "append --log audit.db --kind K --actor a --detail {}"), 1);
    assert_non_null (strstr (f->out, "kind"));
    assert_int_equal (s_run (f, "append --log audit.db --kind k --actor a --detail '[1]'"), 1);
    assert_int_equal (s_run (f, "append --log audit.db --origin other --kind k --actor a"
                                " --detail {}"), 1);
    assert_non_null (strstr (f->out, "origin"));
    assert_int_equal (s_run (f, "checkpoint --log missing.db --key audit.key"), 1);
    assert_int_equal (chmod (f->key, 0644), 0);
    assert_int_equal (s_run (f, "checkpoint --log audit.db --key audit.key"), 1);
    assert_non_null (strstr (f->out, "chmod 600"));
    assert_int_equal (chmod (f->key, 0600), 0);
    assert_int_equal (s_run (f, "keygen --name other --out other.key"), 0);
    assert_int_equal (s_run (f, "checkpoint --log audit.db --key other.key"), 1);
    assert_int_equal (s_run (f, "checkpoint --log audit.db --key audit.key --out /nonexistent/x"), 1);
    assert_int_equal (s_run (f, "checkpoint --log audit.db --key audit.key"), 0);
    assert_non_null (strstr (f->out, "hospital-a.example/audit\n12\n"));
    assert_non_null (strstr (f->out, "\n\n\xe2\x80\x94 hospital-a "));
}

static void
test_verify_good (void **state)
{
    fixture_t *f = *state;
    assert_int_equal (s_run (f, "verify --log audit.db"), 0);
    assert_non_null (strstr (f->out, "ok: audit.db: 12 entries, 2 checkpoints verified"));
    assert_int_equal (s_run (f, "verify --log audit.db --checkpoint head.note"
                                " --pubkey audit.key.pub"), 0);
    assert_non_null (strstr (f->out, "12 entries, 3 checkpoints"));
    assert_non_null (strstr (f->out, "head: hospital-a.example/audit 12 "));
    //  Wrong key, missing or oversized files.
    assert_int_equal (s_run (f, "keygen --name hospital-a --out other.key"), 0);
    assert_int_equal (s_run (f, "verify --log audit.db --pubkey other.key.pub"), 1);
    assert_non_null (strstr (f->out, "stored checkpoint at size 8"));
    assert_int_equal (s_run (f, "verify --log audit.db --pubkey missing.pub"), 1);
    assert_int_equal (s_run (f, "verify --log audit.db --checkpoint missing.note"), 1);
    assert_int_equal (s_run (f, "verify --log missing.db"), 1);
    char big [160];
    snprintf (big, sizeof big, "%s/big.note", f->dir);
    FILE *fp = fopen (big, "wb");
    for (int i = 0; i < 9000; i++)
        fputc ('x', fp);
    fclose (fp);
    assert_int_equal (s_run (f, "verify --log audit.db --checkpoint big.note"), 1);
    assert_non_null (strstr (f->out, "over the limit of 8192"));
}

//  Each tamper case fails verification and names the first bad entry.
static void
s_expect_bad (fixture_t *f, const char *first_bad)
{
    assert_int_equal (s_run (f, "verify --log audit.db --checkpoint head.note"
                                " --pubkey audit.key.pub"), 1);
    char want [64];
    snprintf (want, sizeof want, "first bad entry: %s\n", first_bad);
    if (!strstr (f->out, want))
        fail_msg ("output lacks '%s': %s", want, f->out);
}

static void
test_tamper_changed_byte (void **state)
{
    fixture_t *f = *state;
    s_sql (f, "UPDATE entries SET detail = '{\"seq\":50}' WHERE idx = 5");
    s_expect_bad (f, "5");
    assert_non_null (strstr (f->out, "entry 5 was altered"));
}

static void
test_tamper_removed (void **state)
{
    fixture_t *f = *state;
    s_sql (f, "DELETE FROM entries WHERE idx = 9");
    s_expect_bad (f, "9");
    assert_non_null (strstr (f->out, "entry 9 is missing"));
}

static void
test_tamper_reordered (void **state)
{
    fixture_t *f = *state;
    s_sql (f, "UPDATE entries SET idx = -1 WHERE idx = 2;"
              "UPDATE entries SET idx = 2 WHERE idx = 3;"
              "UPDATE entries SET idx = 3 WHERE idx = -1");
    s_expect_bad (f, "2");
}

static void
test_tamper_truncated (void **state)
{
    fixture_t *f = *state;
    //  The tail dropped along with the log's own record of it: only the
    //  checkpoint kept outside remembers 12 entries.
    s_sql (f, "DELETE FROM entries WHERE idx >= 10; DELETE FROM checkpoints WHERE size > 8;");
    s_expect_bad (f, "10");
    assert_non_null (strstr (f->out, "entry 10 is missing"));
    //  The file itself cut short.
    struct stat st;
    assert_int_equal (stat (f->log, &st), 0);
    assert_int_equal (truncate (f->log, st.st_size / 2), 0);
    assert_int_equal (s_run (f, "verify --log audit.db --checkpoint head.note"), 1);
    assert_non_null (strstr (f->out, "cohort: error: audit verify"));
}

static void
s_unb64 (uint8_t *out, json_t *s)
{
    assert_true (json_is_string (s));
    assert_int_equal (EVP_DecodeBlock (out, (const unsigned char *) json_string_value (s), 44), 33);
}

static void
test_prove (void **state)
{
    fixture_t *f = *state;
    json_error_t jerr;
    for (int i = 0; i < 12; i++) {
        assert_int_equal (s_run (f, "prove --log audit.db --index %d", i), 0);
        json_t *j = json_loads (f->out, 0, &jerr);
        assert_non_null (j);
        assert_int_equal (json_integer_value (json_object_get (j, "tree_size")), 12);
        assert_int_equal (json_integer_value (json_object_get (
            json_object_get (j, "entry"), "index")), i);
        uint8_t leaf [33], root [33], proof [AUDIT_PROOF_MAX][AUDIT_HASH_LEN + 1];
        s_unb64 (leaf, json_object_get (j, "leaf_hash"));
        s_unb64 (root, json_object_get (j, "root_hash"));
        json_t *path = json_object_get (j, "inclusion_path");
        size_t n = json_array_size (path);
        audit_hash_t hashes [AUDIT_PROOF_MAX];
        for (size_t k = 0; k < n; k++) {
            s_unb64 (proof [k], json_array_get (path, k));
            memcpy (hashes [k], proof [k], AUDIT_HASH_LEN);
        }
        assert_int_equal (audit_merkle_inclusion_verify (leaf, (uint64_t) i, 12, hashes, n, root), 0);
        json_decref (j);
    }
    assert_int_equal (s_run (f, "prove --log audit.db --index 3 --size 8"), 0);
    assert_non_null (strstr (f->out, "\"tree_size\": 8"));
    assert_int_equal (s_run (f, "prove --log audit.db --old 8"), 0);
    json_t *j = json_loads (f->out, 0, &jerr);
    assert_non_null (j);
    uint8_t old_root [33], root [33];
    s_unb64 (old_root, json_object_get (j, "old_root_hash"));
    s_unb64 (root, json_object_get (j, "root_hash"));
    json_t *path = json_object_get (j, "consistency_path");
    audit_hash_t hashes [AUDIT_PROOF_MAX];
    for (size_t k = 0; k < json_array_size (path); k++) {
        uint8_t h [33];
        s_unb64 (h, json_array_get (path, k));
        memcpy (hashes [k], h, AUDIT_HASH_LEN);
    }
    assert_int_equal (audit_merkle_consistency_verify (8, 12, old_root, root, hashes,
                                                       json_array_size (path)), 0);
    json_decref (j);
    assert_int_equal (s_run (f, "prove --log audit.db --index 12"), 1);
    assert_int_equal (s_run (f, "prove --log audit.db --index 1 --size 13"), 1);
    assert_int_equal (s_run (f, "prove --log audit.db --old 13"), 1);
    assert_int_equal (s_run (f, "prove --log missing.db --index 0"), 1);
}

int
main (void)
{
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, s_teardown)
    const struct CMUnitTest tests [] = {
        T (test_help_and_usage), T (test_keygen), T (test_append_and_checkpoint_errors),
        T (test_verify_good), T (test_tamper_changed_byte), T (test_tamper_removed),
        T (test_tamper_reordered), T (test_tamper_truncated), T (test_prove),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
