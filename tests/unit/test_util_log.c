/*  Unit tests for util/log.c: czmq's lines as JSON objects that parse
    (jansson) with ts, level, component and msg; every level letter; an
    ident; a continuation line; escaping of quotes, backslashes, control
    characters and bytes that are not UTF-8; the config key; and the real
    thing: zsys_info and friends, from several threads, after
    util_log_json, each give one JSON line on stdout. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <czmq.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "util/error.h"

//  2025-01-31T12:34:56.789Z
static const int64_t s_now = 1738326896789LL;

//  The object for `line`, checked to hold exactly the four keys.
static json_t *
s_parse (const char *line, const char *level)
{
    const char *used = NULL;
    char *text = util_log_json_line (line, strlen (line), "site", s_now, level, &used);
    assert_non_null (text);
    assert_null (strchr (text, '\n'));
    json_error_t err;
    json_t *obj = json_loads (text, JSON_REJECT_DUPLICATES, &err);
    if (!obj)
        fail_msg ("not JSON: %s: %s", err.text, text);
    assert_int_equal (json_object_size (obj), 4);
    assert_string_equal (json_string_value (json_object_get (obj, "ts")),
                         "2025-01-31T12:34:56.789Z");
    assert_string_equal (json_string_value (json_object_get (obj, "component")), "site");
    assert_string_equal (json_string_value (json_object_get (obj, "level")), used);
    free (text);
    return obj;
}

static void
s_expect (const char *line, const char *level, const char *msg)
{
    json_t *obj = s_parse (line, NULL);
    assert_string_equal (json_string_value (json_object_get (obj, "level")), level);
    assert_string_equal (json_string_value (json_object_get (obj, "msg")), msg);
    json_decref (obj);
}

static void
test_levels (void **state)
{
    (void) state;
    s_expect ("I: 25-01-31 12:34:56 site a: connecting", "info", "site a: connecting");
    s_expect ("W: 25-01-31 12:34:56 careful", "warning", "careful");
    s_expect ("E: 25-01-31 12:34:56 broken", "error", "broken");
    s_expect ("N: 25-01-31 12:34:56 note", "notice", "note");
    s_expect ("D: 25-01-31 12:34:56 detail", "debug", "detail");
    s_expect ("I: (cohort) 25-01-31 12:34:56 with an ident", "info", "with an ident");
    s_expect ("I: 25-01-31 12:34:56 ", "info", "");
    //  Not czmq's form: the line as it stands, at the level given (or info).
    s_expect ("X: 25-01-31 12:34:56 odd", "info", "X: 25-01-31 12:34:56 odd");
    s_expect ("I: 25-01-31 12:34:5", "info", "I: 25-01-31 12:34:5");
    s_expect ("I: 25-01-31T12:34:56 x", "info", "I: 25-01-31T12:34:56 x");
    s_expect ("", "info", "");
    json_t *obj = s_parse ("  the second line of a warning", "warning");
    assert_string_equal (json_string_value (json_object_get (obj, "level")), "warning");
    assert_string_equal (json_string_value (json_object_get (obj, "msg")),
                         "  the second line of a warning");
    json_decref (obj);
}

static void
test_escaping (void **state)
{
    (void) state;
    s_expect ("I: 25-01-31 12:34:56 say \"hi\" \\ C:\\dir", "info", "say \"hi\" \\ C:\\dir");
    s_expect ("I: 25-01-31 12:34:56 tab\there\rcr\x01\x1f\x7f", "info",
              "tab\there\rcr\x01\x1f\x7f");
    s_expect ("I: 25-01-31 12:34:56 caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "info",
              "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    //  Not UTF-8: a lone continuation byte, a lead byte without its
    //  continuation, an overlong '/', a surrogate, beyond U+10FFFF; each
    //  bad byte one U+FFFD.
    s_expect ("I: 25-01-31 12:34:56 a\x80z", "info", "a\xef\xbf\xbdz");
    s_expect ("I: 25-01-31 12:34:56 \xc3", "info", "\xef\xbf\xbd");
    s_expect ("I: 25-01-31 12:34:56 \xc0\xaf", "info", "\xef\xbf\xbd\xef\xbf\xbd");
    s_expect ("I: 25-01-31 12:34:56 \xed\xa0\x80", "info",
              "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    s_expect ("I: 25-01-31 12:34:56 \xf4\x90\x80\x80", "info",
              "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    s_expect ("I: 25-01-31 12:34:56 \xff", "info", "\xef\xbf\xbd");
    //  The longest line taken, every byte escaped: still one object.
    char *line = malloc (UTIL_LOG_LINE_MAX + 100);
    memset (line, 1, UTIL_LOG_LINE_MAX + 99);
    line [UTIL_LOG_LINE_MAX + 99] = 0;
    json_t *obj = s_parse (line, NULL);
    assert_int_equal (strlen (json_string_value (json_object_get (obj, "msg"))), UTIL_LOG_LINE_MAX);
    json_decref (obj);
    free (line);
    //  The component is escaped too.
    char *text = util_log_json_line ("x", 1, "a\"b", s_now, NULL, NULL);
    json_t *o = json_loads (text, 0, NULL);
    assert_non_null (o);
    assert_string_equal (json_string_value (json_object_get (o, "component")), "a\"b");
    json_decref (o);
    free (text);
}

static void
test_config (void **state)
{
    (void) state;
    zconfig_t *root = zconfig_new ("root", NULL);
    zconfig_t *section = zconfig_new ("coordinator", root);
    util_log_format_t f = UTIL_LOG_JSON;
    assert_int_equal (util_log_config (&f, "c.cfg", section, "coordinator"), 0);
    assert_int_equal (f, UTIL_LOG_TEXT);
    zconfig_put (section, "log_format", "json");
    assert_int_equal (util_log_config (&f, "c.cfg", section, "coordinator"), 0);
    assert_int_equal (f, UTIL_LOG_JSON);
    zconfig_put (section, "log_format", "text");
    assert_int_equal (util_log_config (&f, "c.cfg", section, "coordinator"), 0);
    assert_int_equal (f, UTIL_LOG_TEXT);
    zconfig_put (section, "log_format", "JSON");
    assert_int_equal (util_log_config (&f, "c.cfg", section, "coordinator"), -1);
    assert_string_equal (util_last_error (), "c.cfg: coordinator/log_format: 'JSON' is neither "
                         "'text' nor 'json'");
    zconfig_destroy (&root);
}

static void *
s_logger (void *arg)
{
    for (int i = 0; i < 50; i++)
        zsys_info ("thread %d line %d \"quoted\"", *(int *) arg, i);
    return NULL;
}

static void
test_zsys_routed (void **state)
{
    (void) state;
    //  stdout to a file for the duration.
    char path [] = "/tmp/cohort-test-log-XXXXXX";
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    fflush (stdout);
    int saved = dup (STDOUT_FILENO);
    assert_int_equal (dup2 (fd, STDOUT_FILENO), STDOUT_FILENO);
    zsys_init ();
    assert_int_equal (util_log_json ("coordinator"), 0);
    zsys_info ("coordinator: listening on tcp://127.0.0.1:7600");
    zsys_warning ("two\nlines");
    zsys_error ("bad byte \xff here");
    zsys_debug ("debug line");
    int ids [3] = { 1, 2, 3 };
    pthread_t t [3];
    for (int i = 0; i < 3; i++)
        assert_int_equal (pthread_create (&t [i], NULL, s_logger, &ids [i]), 0);
    for (int i = 0; i < 3; i++)
        pthread_join (t [i], NULL);
    //  Back to czmq's own format.
    zsys_set_logstream (stdout);
    zsys_info ("plain again");
    fflush (stdout);
    dup2 (saved, STDOUT_FILENO);
    close (saved);

    FILE *f = fdopen (fd, "r");
    assert_non_null (f);
    rewind (f);
    char line [8192];
    int n = 0, threads = 0;
    bool plain = false;
    while (fgets (line, sizeof line, f)) {
        n++;
        if (strstr (line, "plain again")) {
            plain = line [0] == 'I';
            continue;
        }
        json_error_t err;
        json_t *obj = json_loads (line, 0, &err);
        if (!obj)
            fail_msg ("line %d is not JSON: %s: %s", n, err.text, line);
        assert_int_equal (json_object_size (obj), 4);
        assert_string_equal (json_string_value (json_object_get (obj, "component")),
                             "coordinator");
        const char *ts = json_string_value (json_object_get (obj, "ts"));
        assert_int_equal (strlen (ts), 24);
        assert_true (ts [10] == 'T' && ts [23] == 'Z');
        const char *msg = json_string_value (json_object_get (obj, "msg"));
        const char *level = json_string_value (json_object_get (obj, "level"));
        if (n == 1) {
            assert_string_equal (level, "info");
            assert_string_equal (msg, "coordinator: listening on tcp://127.0.0.1:7600");
        }
        if (n == 2 || n == 3) {
            assert_string_equal (level, "warning");
            assert_string_equal (msg, n == 2? "two": "lines");
        }
        if (n == 4) {
            assert_string_equal (level, "error");
            assert_string_equal (msg, "bad byte \xef\xbf\xbd here");
        }
        if (n == 5)
            assert_string_equal (level, "debug");
        threads += strstr (msg, "\"quoted\"") != NULL;
        json_decref (obj);
    }
    fclose (f);
    unlink (path);
    assert_int_equal (threads, 150);
    assert_int_equal (n, 5 + 150 + 1);
    assert_true (plain);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_levels),
        cmocka_unit_test (test_escaping),
        cmocka_unit_test (test_config),
        cmocka_unit_test (test_zsys_routed),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
