/*  tests/unit/cli_run.h - shared by the CLI command tests: runs `cohort
    <line>` in-process through cli_run() with stdout and stderr captured in
    s_out / s_err. Include after cmocka.h and cli/cli.h. Not a test file
    itself (the unit-test glob picks up test_*.c only). */
#ifndef TESTS_UNIT_CLI_RUN_H
#define TESTS_UNIT_CLI_RUN_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

#endif
