/*  Unit tests for cli/cmd_audit.c: `cohort audit keygen|append|checkpoint|
    verify|prove`, run as the built binary, including every tamper case. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/merkle.h"
#include "support_audit.h"
#include "support_cohort.h"
#include "support_dir.h"
#include "support_file.h"

typedef struct {
    char dir [SUPPORT_DIR_MAX];
    char log [128], key [128], pub [128], note [128];
    char out [16384];
} fixture_t;

//  Runs `cohort audit <fmt ...>` in the fixture's directory; returns the
//  exit code, with stdout and stderr together in f->out. fmt is a literal.
#define s_run(f, ...) support_cohort_in (f, "audit " __VA_ARGS__)

//  A key, a log of 12 entries with a checkpoint at 8, and an outside
//  checkpoint at 12.
static int
s_setup (void **state)
{
    fixture_t *f = support_fixture_new (state, sizeof *f, "cli-audit");
    if (!f)
        return -1;
    support_path (f->log, sizeof f->log, f->dir, "audit.db");
    support_path (f->key, sizeof f->key, f->dir, "audit.key");
    support_path (f->pub, sizeof f->pub, f->dir, "audit.key.pub");
    support_path (f->note, sizeof f->note, f->dir, "head.note");
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
    assert_int_equal (access (support_path (path, sizeof path, f->dir, "new.db"), F_OK), -1);
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
    char big [9001];
    memset (big, 'x', 9000);
    big [9000] = '\0';
    support_file_put (f->dir, "big.note", big, 0644);
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
    support_sql (f->log, "UPDATE entries SET detail = '{\"seq\":50}' WHERE idx = 5");
    s_expect_bad (f, "5");
    assert_non_null (strstr (f->out, "entry 5 was altered"));
}

static void
test_tamper_removed (void **state)
{
    fixture_t *f = *state;
    support_sql (f->log, "DELETE FROM entries WHERE idx = 9");
    s_expect_bad (f, "9");
    assert_non_null (strstr (f->out, "entry 9 is missing"));
}

static void
test_tamper_reordered (void **state)
{
    fixture_t *f = *state;
    support_sql (f->log, "UPDATE entries SET idx = -1 WHERE idx = 2;"
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
    support_sql (f->log, "DELETE FROM entries WHERE idx >= 10;"
                         "DELETE FROM checkpoints WHERE size > 8;");
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
        audit_hash_t leaf, root, path [AUDIT_PROOF_MAX];
        support_audit_hash (leaf, json_object_get (j, "leaf_hash"));
        support_audit_hash (root, json_object_get (j, "root_hash"));
        size_t n = support_audit_path (path, json_object_get (j, "inclusion_path"));
        assert_int_equal (audit_merkle_inclusion_verify (leaf, (uint64_t) i, 12, path, n, root), 0);
        json_decref (j);
    }
    assert_int_equal (s_run (f, "prove --log audit.db --index 3 --size 8"), 0);
    assert_non_null (strstr (f->out, "\"tree_size\": 8"));
    assert_int_equal (s_run (f, "prove --log audit.db --old 8"), 0);
    json_t *j = json_loads (f->out, 0, &jerr);
    assert_non_null (j);
    audit_hash_t old_root, root, path [AUDIT_PROOF_MAX];
    support_audit_hash (old_root, json_object_get (j, "old_root_hash"));
    support_audit_hash (root, json_object_get (j, "root_hash"));
    size_t n = support_audit_path (path, json_object_get (j, "consistency_path"));
    assert_int_equal (audit_merkle_consistency_verify (8, 12, old_root, root, path, n), 0);
    json_decref (j);
    assert_int_equal (s_run (f, "prove --log audit.db --index 12"), 1);
    assert_int_equal (s_run (f, "prove --log audit.db --index 1 --size 13"), 1);
    assert_int_equal (s_run (f, "prove --log audit.db --old 13"), 1);
    assert_int_equal (s_run (f, "prove --log missing.db --index 0"), 1);
}

//  `audit alerts`: only alert.* entries, --since in each form, --json
//  with the detail as an object, and each bad --since refused.
static void
test_alerts (void **state)
{
    fixture_t *f = *state;
    //  The fixture's 12 entries are not alerts: none listed.
    assert_int_equal (s_run (f, "alerts --log audit.db"), 0);
    assert_string_equal (f->out, "");
    assert_int_equal (s_run (f, "append --log audit.db --kind alert.auth_failures"
                                " --actor key:abc --time-ms 1700000000000"
                                " --detail '{\"failures\":10,\"key\":\"abc\"}'"), 0);
    assert_int_equal (s_run (f, "append --log audit.db --kind ratelimit.refused"
                                " --actor key:abc --time-ms 1700000001000 --detail '{}'"), 0);
    assert_int_equal (s_run (f, "append --log audit.db --kind alert.differencing"
                                " --actor key:def --time-ms 1700000060000"
                                " --detail '{\"column\":\"age\"}'"), 0);
    assert_int_equal (s_run (f, "alerts --log audit.db"), 0);
    assert_non_null (strstr (f->out, "2023-11-14T22:13:20.000Z  alert.auth_failures"));
    assert_non_null (strstr (f->out, "key:abc  {\"failures\":10,\"key\":\"abc\"}"));
    assert_non_null (strstr (f->out, "alert.differencing"));
    assert_null (strstr (f->out, "ratelimit"));
    assert_null (strstr (f->out, "ingest.reject"));
    //  --since: milliseconds, a UTC time, a span back from now.
    assert_int_equal (s_run (f, "alerts --log audit.db --since 1700000000001"), 0);
    assert_null (strstr (f->out, "auth_failures"));
    assert_non_null (strstr (f->out, "alert.differencing"));
    assert_int_equal (s_run (f, "alerts --log audit.db --since 2023-11-14T22:14:20Z"), 0);
    assert_non_null (strstr (f->out, "alert.differencing"));
    assert_int_equal (s_run (f, "alerts --log audit.db --since 2023-11-14T22:14:21Z"), 0);
    assert_string_equal (f->out, "");
    assert_int_equal (s_run (f, "alerts --log audit.db --since 1h"), 0);
    assert_string_equal (f->out, "");
    assert_int_equal (s_run (f, "alerts --log audit.db --since 36500d"), 0);
    assert_non_null (strstr (f->out, "alert.auth_failures"));
    //  --json: an array, the detail an object.
    assert_int_equal (s_run (f, "alerts --log audit.db --json"), 0);
    json_error_t jerr;
    json_t *j = json_loads (f->out, 0, &jerr);
    assert_non_null (j);
    assert_int_equal (json_array_size (j), 2);
    json_t *first = json_array_get (j, 0);
    assert_string_equal (json_string_value (json_object_get (first, "kind")),
                         "alert.auth_failures");
    assert_int_equal (json_integer_value (json_object_get (first, "index")), 12);
    assert_int_equal (json_integer_value (json_object_get (
        json_object_get (first, "detail"), "failures")), 10);
    json_decref (j);
    //  Bad input, one line each.
    static const char *bad [] = { "x", "1y", "-5m", "2027-13-01T00:00:00Z",
                                  "2027-01-15 08:00:00Z", "2027-01-15T08:00:00" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        assert_int_equal (s_run (f, "alerts --log audit.db --since '%s'", bad [i]), 2);
        assert_non_null (strstr (f->out, "--since"));
    }
    assert_int_equal (s_run (f, "alerts"), 2);
    assert_int_equal (s_run (f, "alerts --log missing.db"), 1);
    assert_int_equal (s_run (f, "alerts --help"), 0);
    assert_non_null (strstr (f->out, "usage: cohort audit alerts"));
}

int
main (void)
{
#define T(name) cmocka_unit_test_setup_teardown (name, s_setup, support_fixture_teardown)
    const struct CMUnitTest tests [] = {
        T (test_help_and_usage), T (test_keygen), T (test_append_and_checkpoint_errors),
        T (test_verify_good), T (test_tamper_changed_byte), T (test_tamper_removed),
        T (test_tamper_reordered), T (test_tamper_truncated), T (test_prove), T (test_alerts),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
