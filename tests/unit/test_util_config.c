/*  Unit tests for util/config.c: bounded config files and relative paths. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/config.h"
#include "support_dir.h"
#include "support_file.h"

//  Writes len bytes of text to name in the test folder; returns its path
//  (a static buffer).
static const char *
s_write (const char *name, const char *text, size_t len)
{
    static char path [256];
    support_path (path, sizeof path, support_dir_group, name);
    support_file_write_bytes (path, text, len, 0644);
    return path;
}

static void
test_read (void **state)
{
    (void) state;
    const char *good = "site\n    name = hospital-a\n    index = 2\n";
    const char *path = s_write ("good.cfg", good, strlen (good));
    zconfig_t *root = util_config_read (path);
    assert_non_null (root);
    assert_string_equal (zconfig_get (root, "site/name", ""), "hospital-a");
    zconfig_destroy (&root);
    //  Missing: the file and "cannot read" are named, the code is i/o.
    assert_null (util_config_read ("/nonexistent/site.cfg"));
    assert_int_equal (util_last_code (), UTIL_EIO);
    assert_string_equal (util_last_error (), "/nonexistent/site.cfg: cannot read the config file: "
                                             "cannot open: No such file or directory");
    //  Over the cap, by one byte.
    char *big = util_malloc (UTIL_CONFIG_MAX + 1);
    assert_non_null (big);
    memset (big, '#', UTIL_CONFIG_MAX + 1);
    path = s_write ("big.cfg", big, UTIL_CONFIG_MAX + 1);
    free (big);
    assert_null (util_config_read (path));
    assert_int_equal (util_last_code (), UTIL_ELIMIT);
    assert_non_null (strstr (util_last_error (), "larger than 1048576 bytes: not a config file"));
    unlink (path);
    //  Not ZPL.
    const char *bad = "site\n    name = \"unterminated\n";
    path = s_write ("bad.cfg", bad, strlen (bad));
    assert_null (util_config_read (path));
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    assert_non_null (strstr (util_last_error (), "bad.cfg: not valid ZPL"));
    //  Out of memory on the way: refused cleanly, with the code.
    path = s_write ("good.cfg", good, strlen (good));
    util_alloc_fail_after (0);
    root = util_config_read (path);
    util_alloc_fail_after (-1);
    assert_null (root);
    assert_int_equal (util_last_code (), UTIL_ENOMEM);
}

static void
test_path (void **state)
{
    (void) state;
    char *p = util_config_path ("/a/b/c.cfg", "tcp://x:1");
    assert_string_equal (p, "tcp://x:1");
    free (p);
    p = util_config_path ("/a/b/c.cfg", "/abs/key");
    assert_string_equal (p, "/abs/key");
    free (p);
    p = util_config_path ("/a/b/c.cfg", "../keys/share-1.key");
    assert_string_equal (p, "/a/b/../keys/share-1.key");
    free (p);
    p = util_config_path ("rel.cfg", "d/e");
    assert_string_equal (p, "./d/e");
    free (p);
    assert_null (util_config_path ("rel.cfg", NULL));
    util_alloc_fail_after (0);
    assert_null (util_config_path ("/a/b/c.cfg", "d"));
    util_alloc_fail_after (-1);
    assert_int_equal (util_last_code (), UTIL_ENOMEM);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_read),
        cmocka_unit_test (test_path),
    };
    return cmocka_run_group_tests (tests, support_dir_group_setup, support_dir_group_teardown);
}
