/*  tests/unit/support_dir.h - a private temporary folder for a test, and
    paths inside it. Part of cohort_test_support (tests/unit/support_*.c),
    which every unit test links; include after cmocka.h.

    A per-test fixture starts with its folder's name and is made and
    released with support_fixture_new and support_fixture_teardown (or
    keeps the name in its own array, with support_dir_make and
    support_dir_remove, which removes whatever the test left in it). A
    test program whose tests share one folder uses the group fixtures
    support_dir_group_setup and support_dir_group_teardown, and names it
    support_dir_group. */
#ifndef TESTS_UNIT_SUPPORT_DIR_H
#define TESTS_UNIT_SUPPORT_DIR_H

#include <stddef.h>

//  The size of a folder name support_dir_make writes, with room to spare.
#define SUPPORT_DIR_MAX 64

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

//  A per-test fixture (cmocka setup and teardown) is a struct whose first
//  member is its folder: typedef struct { char dir [SUPPORT_DIR_MAX]; ...
//  } fixture_t. support_fixture_new allocates one of `size` bytes, zeroed,
//  makes its folder (tag as in support_dir_make) and stores it in *state.
//  Returns it, or NULL with nothing left behind.
void *
    support_fixture_new (void **state, size_t size, const char *tag);

//  cmocka teardown of a fixture from support_fixture_new: removes its
//  folder with everything in it and frees it (release what else it holds
//  first). Returns 0, or -1 if the folder could not be removed.
int
    support_fixture_teardown (void **state);

//  The folder the tests of one program share, made and removed by the
//  cmocka group fixtures below; "" outside them.
extern char support_dir_group [SUPPORT_DIR_MAX];

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
