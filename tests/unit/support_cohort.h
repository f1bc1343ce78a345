/*  tests/unit/support_cohort.h - runs the built `cohort` binary
    (COHORT_BINARY_DIR/cli/cohort) as a child process through the shell and
    captures what it prints. Part of cohort_test_support; include after
    cmocka.h. A test that runs the binary makes its ctest target depend on
    `cohort` (tests/unit/CMakeLists.txt).

    The command line is printf-formatted and read by /bin/sh, so quoting
    works as typed ("--detail '{\"seq\":1}'"). For commands run in-process
    through cli_run(), see cli_run.h. */
#ifndef TESTS_UNIT_SUPPORT_COHORT_H
#define TESTS_UNIT_SUPPORT_COHORT_H

#include <stddef.h>

#include "support_dir.h"

//  Points the environment variable COHORT_BIN at the built binary, for
//  library code that starts `cohort` processes itself (sim/launch.h).
void
    support_cohort_setenv (void);

//  What support_cohort_run captures of the child's output.
typedef enum {
    SUPPORT_COHORT_BOTH,            //  stdout and stderr together, in the order written
    SUPPORT_COHORT_STDOUT           //  stdout only, stderr discarded
} support_cohort_streams_t;

//  Runs `cohort <fmt ...>` in the folder dir (the caller's own folder when
//  dir is NULL) and captures `streams` of its output in out (size bytes,
//  NUL-terminated; output beyond size - 1 bytes is read and dropped).
//  Returns the exit code, or -1 if the child did not exit (killed by a
//  signal). A shell that cannot be started fails the test.
int
    support_cohort_run (char *out, size_t size, support_cohort_streams_t streams,
                        const char *dir, const char *fmt, ...)
    __attribute__ ((format (printf, 5, 6)));

//  The per-test fixture (support_fixture_new, support_dir.h) of a test
//  that runs the binary in a folder of its own.
typedef struct {
    char dir [SUPPORT_DIR_MAX];
    char out [16384];           //  what the last run printed
} support_cohort_fixture_t;

//  support_cohort_in (f, fmt, ...): runs `cohort <fmt ...>` in f->dir with
//  stdout and stderr together in f->out; the exit code (support_cohort_run).
//  A macro, for any fixture with those two members.
#define support_cohort_in(f, ...) \
    support_cohort_run ((f)->out, sizeof (f)->out, SUPPORT_COHORT_BOTH, (f)->dir, __VA_ARGS__)

#endif
