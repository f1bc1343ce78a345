/*  tests/unit/support_cohort.c - runs the built binary (support_cohort.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "support_cohort.h"

//  The path of the built binary.
static const char *
s_cohort_path (void)
{
    return COHORT_BINARY_DIR "/cli/cohort";
}

void
support_cohort_setenv (void)
{
    assert_int_equal (setenv ("COHORT_BIN", s_cohort_path (), 1), 0);
}

int
support_cohort_run (char *out, size_t size, support_cohort_streams_t streams, const char *dir,
                    const char *fmt, ...)
{
    char args [4096], cmd [4608];
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (args, sizeof args, fmt, ap);
    va_end (ap);
    assert_true (n >= 0 && (size_t) n < sizeof args);
    n = snprintf (cmd, sizeof cmd, "cd '%s' && '%s' %s %s", dir? dir: ".", s_cohort_path (),
                  args, streams == SUPPORT_COHORT_BOTH? "2>&1": "2>/dev/null");
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
