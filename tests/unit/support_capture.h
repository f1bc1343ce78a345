/*  tests/unit/support_capture.h - captures what the code under test prints:
    between support_capture_begin and support_capture_end, this process's
    stdout and stderr (file descriptors 1 and 2, so stdio and write(2)
    alike) go to temporary files, and the end copies them into the
    caller's buffers. Part of cohort_test_support; include after cmocka.h.
    One capture at a time: a begin inside a capture fails the test. */
#ifndef TESTS_UNIT_SUPPORT_CAPTURE_H
#define TESTS_UNIT_SUPPORT_CAPTURE_H

#include <stddef.h>

//  Flushes stdio and starts sending stdout and stderr to temporary files.
void
    support_capture_begin (void);

//  Flushes stdio, puts stdout and stderr back, and copies what was written
//  to each into out (out_size bytes) and err (err_size bytes), both
//  NUL-terminated and cut to fit. NULL, with a size of 0, drops that
//  stream.
void
    support_capture_end (char *out, size_t out_size, char *err, size_t err_size);

#endif
