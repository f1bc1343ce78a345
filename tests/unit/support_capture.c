/*  tests/unit/support_capture.c - stdout and stderr captured
    (support_capture.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <unistd.h>

#include "support_capture.h"

//  The files and the saved descriptors of the capture under way.
static FILE *s_file [2];
static int s_saved [2] = { -1, -1 };

void
support_capture_begin (void)
{
    if (s_saved [0] >= 0)
        fail_msg ("support_capture_begin inside a capture");
    fflush (stdout);
    fflush (stderr);
    for (int i = 0; i < 2; i++) {
        s_file [i] = tmpfile ();
        assert_non_null (s_file [i]);
        s_saved [i] = dup (i + 1);
        assert_true (s_saved [i] >= 0);
        assert_true (dup2 (fileno (s_file [i]), i + 1) >= 0);
    }
}

//  Reads a captured file into buf (size bytes, NUL-terminated) and closes
//  it; buf NULL drops it.
static void
s_collect (FILE *file, char *buf, size_t size)
{
    rewind (file);
    if (buf && size > 0)
        buf [fread (buf, 1, size - 1, file)] = '\0';
    fclose (file);
}

void
support_capture_end (char *out, size_t out_size, char *err, size_t err_size)
{
    if (s_saved [0] < 0)
        fail_msg ("support_capture_end without a capture");
    fflush (stdout);
    fflush (stderr);
    for (int i = 0; i < 2; i++) {
        dup2 (s_saved [i], i + 1);
        close (s_saved [i]);
        s_saved [i] = -1;
    }
    s_collect (s_file [0], out, out_size);
    s_collect (s_file [1], err, err_size);
}
