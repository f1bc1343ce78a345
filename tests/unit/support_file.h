/*  tests/unit/support_file.h - whole files and texts for tests: write or
    read a file in one call, a throw-away file for loaders that take a
    path, a text with one piece replaced, hex test vectors, and SQL run
    straight on a database file (to tamper with it). Part of
    cohort_test_support; include after cmocka.h.

    Every function here fails the running test (a cmocka failure naming the
    file) instead of returning an error: a fixture that cannot be written
    is never a passing test. */
#ifndef TESTS_UNIT_SUPPORT_FILE_H
#define TESTS_UNIT_SUPPORT_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

//  Writes text (NUL-terminated, without the NUL) to path, replacing any
//  file there, and sets its mode to exactly `mode` (not masked by umask).
void
    support_file_write (const char *path, const char *text, mode_t mode);

//  As support_file_write, for len bytes of data (which may hold NULs).
void
    support_file_write_bytes (const char *path, const void *data, size_t len, mode_t mode);

//  Writes text to dir/name with support_file_write; returns nothing.
void
    support_file_put (const char *dir, const char *name, const char *text, mode_t mode);

//  The whole of the file at path as a NUL-terminated heap string (its
//  length, without the NUL, in *len unless len is NULL). The caller frees
//  it. A file that cannot be read fails the test.
char *
    support_file_read (const char *path, size_t *len);

//  Writes text to a new file /tmp/cohort-<tag>-XXXXXX (mode 0600) and
//  writes its name into path (size bytes). The caller unlinks it.
void
    support_file_temp (char *path, size_t size, const char *tag, const char *text);

//  Writes into out (size bytes) the text with its first `from` replaced by
//  `to`. A `from` that text lacks, or a result that does not fit, fails the
//  test: a replacement that did not happen would test the unchanged text.
//  Returns out.
char *
    support_text_replace (char *out, size_t size, const char *text, const char *from,
                          const char *to);

//  Decodes the lowercase or uppercase hex text into out, which holds cap
//  bytes; returns the number of bytes. Odd length, a non-hex character or
//  more than cap bytes fails the test. For test vectors, so that a test of
//  a decoder does not lean on the decoder under test.
size_t
    support_unhex (uint8_t *out, size_t cap, const char *hex);

//  Runs sql (one or more statements) on the SQLite database at path with a
//  plain connection, outside the code under test: for tests that tamper
//  with a file behind the library's back. An error fails the test.
void
    support_sql (const char *path, const char *sql);

#endif
