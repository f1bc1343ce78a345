/*  Unit tests for cli/cmd_study.c: `cohort study launch|status` and
    `cohort report` usage and local failures (the round trips with a
    coordinator run in tests/e2e). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static char s_out [1 << 20];
static char s_err [8192];

//  Runs `cohort <line>` in-process (words split on spaces), capturing
//  stdout and stderr. Returns the exit code.
static int
s_run (const char *line)
{
    char buf [2048];
    snprintf (buf, sizeof buf, "cohort %s", line);
    char *argv [64];
    int argc = 0;
    for (char *w = strtok (buf, " "); w && argc < 63; w = strtok (NULL, " "))
        argv [argc++] = w;
    argv [argc] = NULL;
    fflush (stdout);
    fflush (stderr);
    FILE *out = tmpfile (), *err = tmpfile ();
    assert_non_null (out);
    assert_non_null (err);
    int saved_out = dup (1), saved_err = dup (2);
    dup2 (fileno (out), 1);
    dup2 (fileno (err), 2);
    int rc = cli_run (argc, argv);
    fflush (stdout);
    fflush (stderr);
    dup2 (saved_out, 1);
    dup2 (saved_err, 2);
    close (saved_out);
    close (saved_err);
    rewind (out);
    rewind (err);
    s_out [fread (s_out, 1, sizeof s_out - 1, out)] = '\0';
    s_err [fread (s_err, 1, sizeof s_err - 1, err)] = '\0';
    fclose (out);
    fclose (err);
    return rc;
}

static void
s_usage (const char *line, const char *needle)
{
    int rc = s_run (line);
    if (rc != CLI_USAGE || !strstr (s_err, needle))
        fail_msg ("`%s`: exit %d, stderr '%s' (wanted 2 and '%s')", line, rc, s_err, needle);
}

static void
test_study (void **state)
{
    (void) state;
    s_usage ("study", "usage");
    s_usage ("study launch", "usage: cohort study launch");
    s_usage ("study launch a b", "usage: cohort study launch");
    s_usage ("study status a b", "usage: cohort study status");
    assert_int_equal (s_run ("study launch --help"), CLI_OK);
    assert_non_null (strstr (s_out, "--wait"));
    assert_int_equal (s_run ("study launch /nonexistent-study.cfg"), CLI_FAIL);
    assert_non_null (strstr (s_err, "cannot read the study"));
    assert_int_equal (s_run ("study status --analyst /nonexistent-analyst.cfg"), CLI_FAIL);
    assert_non_null (strstr (s_err, "cannot read the config file"));
}

static void
test_report (void **state)
{
    (void) state;
    s_usage ("report", "usage: cohort report");
    s_usage ("report a b", "usage: cohort report");
    s_usage ("report s1 --format pdf", "--format: 'pdf' is not supported");
    assert_int_equal (s_run ("report --help"), CLI_OK);
    assert_int_equal (s_run ("report s1 --analyst /nonexistent-analyst.cfg"), CLI_FAIL);
    assert_non_null (strstr (s_err, "cannot read the config file"));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_study),
        cmocka_unit_test (test_report),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
