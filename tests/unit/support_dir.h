/*  tests/unit/support_dir.h - a private temporary folder for a test, and
    paths inside it. Part of cohort_test_support (tests/unit/support_*.c),
    which every unit test links; include after cmocka.h.

    A per-test fixture keeps the folder's name in a char array, makes it in
    its setup with support_dir_make and removes it, whatever the test left
    in it, in its teardown with support_dir_remove. A test program whose
    tests share one folder uses the group fixtures support_dir_group_setup
    and support_dir_group_teardown, and names it support_dir_group. */
#ifndef TESTS_UNIT_SUPPORT_DIR_H
#define TESTS_UNIT_SUPPORT_DIR_H

#include <stddef.h>

//  Makes a new folder /tmp/cohort-<tag>-XXXXXX (mode 0700, a name no other
//  test has) and writes its name, NUL-terminated, into dir. Returns 0, or
//  -1 when dir is too small for the name or the folder cannot be made
//  (dir then holds no usable name). Safe to call from a cmocka setup.
int
    support_dir_make (char *dir, size_t size, const char *tag);

//  Removes dir and everything below it (files, folders, sockets; links are
//  removed, never followed). Returns 0, or -1 if anything could not be
//  removed. A dir that does not exist is an error; NULL or "" is too.
int
    support_dir_remove (const char *dir);

//  Removes the files dir/<name> for each of names (a NULL-terminated list;
//  a name that is not there is skipped), then dir, which must by then be
//  empty. Returns 0, or -1 if dir held anything else (left in place): a
//  teardown that also checks that the code under test left no stray file.
int
    support_dir_remove_listed (const char *dir, const char *const *names);

//  The folder the tests of one program share, made and removed by the
//  cmocka group fixtures below; "" outside them.
extern char support_dir_group [64];

//  cmocka group setup: makes support_dir_group, a new folder
//  /tmp/cohort-<program name>-XXXXXX. Returns 0 or -1; state is not used.
//  Pass it (or call it from the file's own group setup) to
//  cmocka_run_group_tests.
int
    support_dir_group_setup (void **state);

//  cmocka group teardown: removes support_dir_group and everything in it.
//  Returns 0 or -1.
int
    support_dir_group_teardown (void **state);

//  Writes dir/name into out (size bytes) and returns out. A path that does
//  not fit fails the test (fail_msg), never a silently cut path.
char *
    support_path (char *out, size_t size, const char *dir, const char *name);

#endif
