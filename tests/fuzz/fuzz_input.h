/*  tests/fuzz/fuzz_input.h - libFuzzer's input in the forms the code under
    test takes: a NUL-terminated text, or a file. Shared by the fuzz
    targets (not a target itself: the fuzz glob picks up fuzz_*.c only).

    A helper that cannot make the form (out of memory, a file that cannot
    be written) returns NULL, and the target skips the input (returns 0):
    that is the harness failing, not the code under test. */
#ifndef TESTS_FUZZ_FUZZ_INPUT_H
#define TESTS_FUZZ_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

//  The size bytes of data with a NUL after them, on the heap (the caller
//  frees it), or NULL. Text parsers see every byte, NULs included, up to
//  the first NUL.
static inline char *
fuzz_input_text (const uint8_t *data, size_t size)
{
    char *text = malloc (size + 1);
    if (!text)
        return NULL;
    memcpy (text, data, size);
    text [size] = '\0';
    return text;
}

static char s_fuzz_input_path [128];

//  atexit: the input file goes with the process.
static inline void
s_fuzz_input_remove (void)
{
    unlink (s_fuzz_input_path);
}

//  Writes the size bytes of data to this process's file
//  /tmp/cohort-fuzz-<tag>-<pid>.cfg, replacing the previous input, for a
//  loader that takes a path; the file is removed when the process exits.
//  Returns the path (static, the same on every call) or NULL.
static inline const char *
fuzz_input_file (const uint8_t *data, size_t size, const char *tag)
{
    char *path = s_fuzz_input_path;
    if (!path [0]) {
        snprintf (path, sizeof s_fuzz_input_path, "/tmp/cohort-fuzz-%s-%ld.cfg", tag,
                  (long) getpid ());
        atexit (s_fuzz_input_remove);
    }
    FILE *f = fopen (path, "wb");
    if (!f)
        return NULL;
    size_t written = fwrite (data, 1, size, f);
    if (fclose (f) || written != size)
        return NULL;
    return path;
}

#endif
