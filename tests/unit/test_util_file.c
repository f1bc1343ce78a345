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

#include "util/alloc.h"
#include "util/file.h"
#include "support_dir.h"
#include "support_file.h"

static char s_dir [64];

static const char *
s_path (const char *name)
{
    static char path [256];
    return support_path (path, sizeof path, s_dir, name);
}

#define s_write(name, text, len, mode) support_file_write_bytes (s_path (name), text, len, mode)

static int
s_setup (void **state)
{
    (void) state;
    return support_dir_make (s_dir, sizeof s_dir, "test-util-file");
}

//  Nothing but the files the tests made is left: util_file_write leaves no
//  temporary file behind.
static int
s_teardown (void **state)
{
    (void) state;
    static const char *const names [] = { "ten", "empty", "secret", "open", "new", "key", NULL };
    return support_dir_remove_listed (s_dir, names);
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

static void
test_write (void **state)
{
    (void) state;
    const char *path = s_path ("new");
    unlink (path);
    //  A new file: all of it, the mode exactly (whatever the umask).
    mode_t old = umask (0077);
    assert_int_equal (util_file_write (path, "abc", 3, 0644, 0), 0);
    umask (old);
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0644);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal (util_file_read (path, 10, 0, &text, &len), 0);
    assert_string_equal (text, "abc");
    free (text);
    //  Without REPLACE an existing file is refused and kept as it was.
    assert_int_equal (util_file_write (path, "xyz!", 4, 0600, 0), -1);
    assert_int_equal (util_last_code (), UTIL_EREFUSED);
    assert_non_null (strstr (util_last_error (), "already exists"));
    assert_int_equal (util_file_read (path, 10, 0, &text, &len), 0);
    assert_string_equal (text, "abc");
    free (text);
    //  With REPLACE it is replaced whole, with the new mode.
    assert_int_equal (util_file_write (path, "xyz!", 4, 0600, UTIL_FILE_REPLACE), 0);
    assert_int_equal (stat (path, &st), 0);
    assert_int_equal (st.st_mode & 0777, 0600);
    assert_int_equal (util_file_read (path, 10, 0, &text, &len), 0);
    assert_string_equal (text, "xyz!");
    free (text);
    //  A folder that does not exist: an i/o error naming the file, nothing left.
    assert_int_equal (util_file_write ("/nonexistent/dir/f", "a", 1, 0600, 0), -1);
    assert_int_equal (util_last_code (), UTIL_EIO);
    assert_non_null (strstr (util_last_error (), "/nonexistent/dir/f"));
    //  No temporary file is left behind in the folder.
    char cmd [300];
    snprintf (cmd, sizeof cmd, "ls %s | grep -c tmp", s_dir);
    FILE *p = popen (cmd, "r");
    assert_non_null (p);
    int count = -1;
    assert_int_equal (fscanf (p, "%d", &count), 1);
    pclose (p);
    assert_int_equal (count, 0);
    //  Out of memory: refused cleanly, nothing written.
    unlink (s_path ("key"));
    util_alloc_fail_after (0);
    assert_int_equal (util_file_write (s_path ("key"), "k", 1, 0600, 0), -1);
    util_alloc_fail_after (-1);
    assert_int_equal (util_last_code (), UTIL_ENOMEM);
    assert_int_not_equal (access (s_path ("key"), F_OK), 0);
}

static void
test_read_sizes (void **state)
{
    (void) state;
    //  The buffer follows the file, not the cap: a 1 GiB cap for a small
    //  file must not allocate 1 GiB (checked through the injector: the
    //  read succeeds with one allocation).
    s_write ("ten", "0123456789", 10, 0644);
    char *text = NULL;
    util_alloc_fail_after (1);
    int rc = util_file_read (s_path ("ten"), (size_t) 1 << 30, 0, &text, NULL);
    util_alloc_fail_after (-1);
    assert_int_equal (rc, 0);
    assert_string_equal (text, "0123456789");
    free (text);
    //  A file that fstat cannot size (procfs says 0) is still read whole.
    assert_int_equal (util_file_read ("/proc/self/status", 1 << 20, 0, &text, NULL), 0);
    assert_non_null (strstr (text, "VmPeak"));
    free (text);
    //  ... and refused when it grows past the cap while being read.
    assert_int_equal (util_file_read ("/proc/self/status", 16, 0, &text, NULL), -1);
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_reads),
        cmocka_unit_test (test_refuses),
        cmocka_unit_test (test_write),
        cmocka_unit_test (test_read_sizes),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
