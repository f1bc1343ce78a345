/*  Unit tests for coordinator/config.c: a full config, relative paths, and
    every refusal, including a key-share entry. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "coordinator/config.h"
#include "util/alloc.h"
#include "util/error.h"
#include "support_error.h"
#include "support_file.h"
#include "alloc_walk.h"

static const char *s_good =
    "coordinator\n"
    "    name = demo\n"
    "    endpoint = tcp://127.0.0.1:7600\n"
    "    cert = certs/coordinator.secret\n"
    "    allowlist = certs/allowed\n"
    "    journal = coordinator.db\n"
    "    public_key = /abs/paillier.pub\n"
    "    verify_key = keys/verify.key\n"
    "    admin_key = keys/admin.pub\n"
    "    round_timeout_ms = 5000\n";

static coord_config_t *
s_load (const char *text)
{
    char path [64];
    support_file_temp (path, sizeof path, "coordcfg", text);
    coord_config_t *cfg = coord_config_load (path);
    unlink (path);
    return cfg;
}

static void
test_good (void **state)
{
    (void) state;
    coord_config_t *cfg = s_load (s_good);
    assert_non_null (cfg);
    assert_string_equal (cfg->name, "demo");
    assert_string_equal (cfg->endpoint, "tcp://127.0.0.1:7600");
    assert_string_equal (cfg->cert, "/tmp/certs/coordinator.secret");
    assert_string_equal (cfg->public_key, "/abs/paillier.pub");
    assert_int_equal (cfg->round_timeout_ms, 5000);
    assert_int_equal (cfg->max_running, 16);
    assert_int_equal (cfg->max_running_per_analyst, 4);
    //  The query settings' defaults.
    assert_null (cfg->dictionary);
    assert_false (cfg->allow_privacy_off);
    assert_int_equal (cfg->min_cell, 5);
    assert_int_equal (cfg->max_levels, 40);
    assert_string_equal (cfg->admin_key, "/tmp/keys/admin.pub");
    assert_null (cfg->revocations);
    //  Observability's defaults: no metrics listener, text logs.
    assert_null (cfg->metrics);
    assert_false (cfg->metrics_allow_remote);
    assert_int_equal (cfg->log_format, UTIL_LOG_TEXT);
    //  One proof-verifying thread per online CPU (at most 64).
    long cpus = sysconf (_SC_NPROCESSORS_ONLN);
    assert_int_equal (cfg->verify_threads, cpus < 1? 1: cpus > 64? 64: cpus);
    coord_config_destroy (&cfg);
    assert_null (cfg);
    char text [2048];
    support_text_replace (text, sizeof text, s_good, "    round_timeout_ms = 5000\n",
                          "    round_timeout_ms = 5000\n    dictionary = dict.csv\n"
                          "    allow_privacy_off = true\n    min_cell = 0\n    max_levels = 256\n"
                          "    revocations = revocations.note\n"
                          "    metrics = [::1]:9464\n    log_format = json\n"
                          "    verify_threads = 64\n");
    assert_non_null (cfg = s_load (text));
    assert_int_equal (cfg->verify_threads, 64);
    assert_string_equal (cfg->metrics, "[::1]:9464");
    assert_int_equal (cfg->log_format, UTIL_LOG_JSON);
    assert_string_equal (cfg->revocations, "/tmp/revocations.note");
    assert_string_equal (cfg->dictionary, "/tmp/dict.csv");
    assert_true (cfg->allow_privacy_off);
    assert_int_equal (cfg->min_cell, 0);
    assert_int_equal (cfg->max_levels, 256);
    coord_config_destroy (&cfg);
}

static void
s_bad (const char *from, const char *to, const char *needle)
{
    char text [2048];
    support_text_replace (text, sizeof text, s_good, from, to);
    coord_config_t *cfg = s_load (text);
    support_expect_refused (cfg == NULL, to, needle);
}

static void
test_bad (void **state)
{
    (void) state;
    s_bad ("    journal = coordinator.db\n", "    journal = coordinator.db\n    share = s.key\n",
           "coordinator/share: unknown key (a coordinator holds no key share)");
    s_bad ("    name = demo\n", "", "coordinator/name: missing");
    s_bad ("    verify_key = keys/verify.key\n", "", "coordinator/verify_key: missing");
    //  An older config without role certificates names the key it lacks.
    s_bad ("    admin_key = keys/admin.pub\n", "", "coordinator/admin_key: missing (the consortium "
           "admin's verifier key: role certificates are required");
    s_bad ("    admin_key = keys/admin.pub\n", "    admin_key = keys/admin.pub\n    revocations = \"\"\n",
           "coordinator/revocations: is empty");
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 99", "round_timeout_ms");
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 5000\n    verify_threads = 0",
           "verify_threads");
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 5000\n    verify_threads = 65",
           "verify_threads");
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 86400001", "round_timeout_ms");
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 5s", "round_timeout_ms");
    s_bad ("coordinator\n", "site\n", "no 'coordinator' section");
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 5000\n    max_running = 0",
           "max_running");
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 5000\n    max_running = 33",
           "max_running");
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 5000\n    max_running_per_analyst = 0",
           "max_running_per_analyst");
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 5000\n    min_cell = -1",
           "coordinator/min_cell: '-1' is not in 0..1000000");
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 5000\n    max_levels = 1",
           "coordinator/max_levels: '1' is not in 2..256");
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 5000\n    max_levels = many",
           "coordinator/max_levels");
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 5000\n    allow_privacy_off = yes",
           "coordinator/allow_privacy_off: 'yes' is neither");
    s_bad ("    name = demo\n", "    name = \"demo\n", "not valid ZPL");
    //  The metrics listener: loopback unless allowed; the log format.
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 5000\n    metrics = 0.0.0.0:9464",
           "coordinator/metrics: '0.0.0.0' is not a loopback address");
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 5000\n    metrics = 127.0.0.1",
           "coordinator/metrics: '127.0.0.1' is not ADDRESS:PORT");
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 5000\n    metrics_allow_remote = 1",
           "coordinator/metrics_allow_remote: '1' is neither");
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 5000\n    log_format = xml",
           "coordinator/log_format: 'xml' is neither 'text' nor 'json'");
    assert_null (coord_config_load ("/nonexistent/coordinator.cfg"));
    assert_non_null (strstr (util_last_error (), "cannot read"));
}

static void
test_totp (void **state)
{
    (void) state;
    //  Absent: TOTP is off, and the limits have their defaults.
    coord_config_t *cfg = s_load (s_good);
    assert_non_null (cfg);
    assert_null (cfg->totp);
    assert_int_equal (cfg->totp_max_failures, 5);
    assert_int_equal (cfg->totp_cooloff_s, 300);
    assert_int_equal (cfg->totp_session_s, 900);
    coord_config_destroy (&cfg);
    char text [2048];
    support_text_replace (text, sizeof text, s_good, "    round_timeout_ms = 5000\n",
                          "    round_timeout_ms = 5000\n    totp = totp.db\n"
                          "    totp_max_failures = 1\n    totp_cooloff_s = 86400\n"
                          "    totp_session_s = 0\n");
    assert_non_null (cfg = s_load (text));
    assert_string_equal (cfg->totp, "/tmp/totp.db");
    assert_int_equal (cfg->totp_max_failures, 1);
    assert_int_equal (cfg->totp_cooloff_s, 86400);
    assert_int_equal (cfg->totp_session_s, 0);
    coord_config_destroy (&cfg);
    //  Each limit's bounds, on both sides, and an empty store.
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 5000\n    totp = \"\"",
           "coordinator/totp: is empty (leave it out to turn TOTP off)");
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 5000\n    totp_max_failures = 0",
           "coordinator/totp_max_failures: '0' is not in 1..1000");
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 5000\n    totp_max_failures = 1001",
           "coordinator/totp_max_failures: '1001' is not in 1..1000");
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 5000\n    totp_cooloff_s = 0",
           "coordinator/totp_cooloff_s: '0' is not in 1..86400");
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 5000\n    totp_session_s = 86401",
           "coordinator/totp_session_s: '86401' is not in 0..86400");
    s_bad ("round_timeout_ms = 5000", "round_timeout_ms = 5000\n    totp_sessions = 1",
           "coordinator/totp_sessions: unknown key");
}

//  Every allocation of a load fails in turn: NULL with UTIL_ENOMEM and a
//  reason naming the file, nothing leaked (the sanitizer build checks),
//  until the load succeeds and gives the same config as without failures.
//  One load under the allocation walk: each refusal names the file.
static bool
s_load_walk (void *path)
{
    coord_config_t *cfg = coord_config_load (path);
    if (!cfg)
        assert_non_null (strstr (util_last_error (), (const char *) path));
    bool ok = cfg != NULL;
    coord_config_destroy (&cfg);
    return ok;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    char path [64];
    support_file_temp (path, sizeof path, "coordcfg", s_good);
    //  The file, the config, seven strings and the paths' directories.
    assert_true (alloc_walk (s_load_walk, path) >= 10);
    coord_config_t *cfg = coord_config_load (path);
    unlink (path);
    assert_non_null (cfg);
    assert_string_equal (cfg->verify_key, "/tmp/keys/verify.key");
    assert_string_equal (cfg->public_key, "/abs/paillier.pub");
    coord_config_destroy (&cfg);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_good),
        cmocka_unit_test (test_bad),
        cmocka_unit_test (test_totp),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
