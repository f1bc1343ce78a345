/*  tests/unit/cli_run.h - shared by the CLI command tests: runs a `cohort`
    command line in-process through cli_run(), with stdout and stderr
    captured (support_capture.h) in s_out and s_err. For the built binary
    as a child process, see support_cohort.h.

    Header-only (static inline) because it needs cohort_cli, which only the
    CLI tests link; include after cmocka.h. Not a test file itself (the
    unit-test glob picks up test_*.c only). */
#ifndef TESTS_UNIT_CLI_RUN_H
#define TESTS_UNIT_CLI_RUN_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "support_capture.h"

//  What the last command printed (NUL-terminated, cut to fit).
static char s_out [1 << 20];
static char s_err [8192];

//  Runs cli_run (argc, argv) with stdout and stderr captured in s_out and
//  s_err; returns the exit code (CLI_OK, CLI_FAIL or CLI_USAGE).
static inline int
s_run_argv (int argc, char **argv)
{
    support_capture_begin ();
    int rc = cli_run (argc, argv);
    support_capture_end (s_out, sizeof s_out, s_err, sizeof s_err);
    return rc;
}

//  Runs `cohort <fmt ...>`: the formatted line split into words at spaces
//  (no quoting: a word holds no space), at most 63 words. Returns the exit
//  code, with what it printed in s_out and s_err. A line over 4095 bytes
//  fails the test.
static inline int
    s_run (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

static inline int
s_run (const char *fmt, ...)
{
    char line [4096] = "cohort ";
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (line + 7, sizeof line - 7, fmt, ap);
    va_end (ap);
    assert_true (n >= 0 && (size_t) n < sizeof line - 7);
    char *argv [64];
    int argc = 0;
    for (char *w = strtok (line, " "); w && argc < 63; w = strtok (NULL, " "))
        argv [argc++] = w;
    argv [argc] = NULL;
    return s_run_argv (argc, argv);
}

//  Expects `cohort <line>` to be a usage error (exit 2) whose stderr holds
//  needle.
static inline void
s_usage (const char *line, const char *needle)
{
    int rc = s_run ("%s", line);
    if (rc != CLI_USAGE || !strstr (s_err, needle))
        fail_msg ("`%s`: exit %d, stderr '%s' (wanted 2 and '%s')", line, rc, s_err, needle);
}

#endif
