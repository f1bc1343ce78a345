/*  tests/unit/support_cohort.c - runs the built binary (support_cohort.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <sys/wait.h>

#include "support_cohort.h"

const char *
support_cohort_path (void)
{
    return COHORT_BINARY_DIR "/cli/cohort";
}

//  Runs the command with stderr sent to `err` (a shell redirection).
static int
s_run (char *out, size_t size, const char *dir, const char *err, const char *fmt,
       va_list ap)
{
    char args [4096], cmd [4608];
    int n = vsnprintf (args, sizeof args, fmt, ap);
    assert_true (n >= 0 && (size_t) n < sizeof args);
    n = snprintf (cmd, sizeof cmd, "cd '%s' && '%s' %s %s", dir? dir: ".",
                  support_cohort_path (), args, err);
    assert_true (n >= 0 && (size_t) n < sizeof cmd);
    FILE *p = popen (cmd, "r");
    if (!p)
        fail_msg ("cannot start: %s", cmd);
    size_t used = fread (out, 1, size - 1, p);
    out [used] = '\0';
    //  Drain the rest, so that a long output does not end the child with
    //  SIGPIPE and change its exit status.
    char rest [4096];
    while (fread (rest, 1, sizeof rest, p) > 0)
        ;
    int status = pclose (p);
    return WIFEXITED (status)? WEXITSTATUS (status): -1;
}

int
support_cohort_run (char *out, size_t size, const char *dir, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    int rc = s_run (out, size, dir, "2>&1", fmt, ap);
    va_end (ap);
    return rc;
}

int
support_cohort_stdout (char *out, size_t size, const char *dir, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    int rc = s_run (out, size, dir, "2>/dev/null", fmt, ap);
    va_end (ap);
    return rc;
}
