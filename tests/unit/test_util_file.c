/*  Unit tests for util/file.c: bounded whole-file reads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"

static char s_dir [] = "/tmp/cohort-test-util-file-XXXXXX";

static const char *
s_path (const char *name)
{
    static char path [256];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    return path;
}

static void
s_write (const char *name, const char *text, size_t len, mode_t mode)
{
    FILE *f = fopen (s_path (name), "wb");
    assert_non_null (f);
    assert_int_equal (fwrite (text, 1, len, f), len);
    assert_int_equal (fclose (f), 0);
    assert_int_equal (chmod (s_path (name), mode), 0);
}

static int
s_setup (void **state)
{
    (void) state;
    return mkdtemp (s_dir)? 0: -1;
}

static int
s_teardown (void **state)
{
    (void) state;
    const char *names [] = { "ten", "empty", "secret", "open", NULL };
    for (const char **n = names; *n; n++)
        unlink (s_path (*n));
    return rmdir (s_dir);
}

static void
test_reads (void **state)
{
    (void) state;
    s_write ("ten", "0123456789", 10, 0644);
    char *text = NULL;
    size_t len = 0;
    //  Exactly at the cap is accepted, and the buffer is terminated.
    assert_int_equal (util_file_read (s_path ("ten"), 10, 0, &text, &len), 0);
    assert_int_equal (len, 10);
    assert_string_equal (text, "0123456789");
    free (text);
    //  One byte over the cap is refused, naming the file.
    assert_int_equal (util_file_read (s_path ("ten"), 9, 0, &text, &len), -1);
    assert_null (text);
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    assert_non_null (strstr (util_last_error (), s_path ("ten")));
    assert_non_null (strstr (util_last_error (), "over the limit of 9"));
    //  An empty file is an empty string; len may be NULL.
    s_write ("empty", "", 0, 0644);
    assert_int_equal (util_file_read (s_path ("empty"), 10, 0, &text, NULL), 0);
    assert_string_equal (text, "");
    free (text);
}

static void
test_refuses (void **state)
{
    (void) state;
    char *text = (char *) 1;
    assert_int_equal (util_file_read (s_path ("missing"), 10, 0, &text, NULL), -1);
    assert_null (text);
    assert_int_equal (util_last_code (), UTIL_EIO);
    assert_non_null (strstr (util_last_error (), "cannot open"));
    //  A directory is not a file.
    assert_int_equal (util_file_read (s_dir, 10, 0, &text, NULL), -1);
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    assert_non_null (strstr (util_last_error (), "not a regular file"));
    //  A private file must be private; the same file is fine without the flag.
    s_write ("open", "k", 1, 0640);
    assert_int_equal (util_file_read (s_path ("open"), 10, UTIL_FILE_PRIVATE, &text, NULL), -1);
    assert_int_equal (util_last_code (), UTIL_EREFUSED);
    assert_non_null (strstr (util_last_error (), "chmod 600"));
    assert_int_equal (util_file_read (s_path ("open"), 10, 0, &text, NULL), 0);
    free (text);
    s_write ("secret", "k", 1, 0600);
    assert_int_equal (util_file_read (s_path ("secret"), 10, UTIL_FILE_PRIVATE | UTIL_FILE_SECRET,
                                      &text, NULL), 0);
    assert_string_equal (text, "k");
    free (text);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_reads),
        cmocka_unit_test (test_refuses),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
