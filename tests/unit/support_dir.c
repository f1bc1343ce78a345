/*  tests/unit/support_dir.c - temporary folders for tests (support_dir.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>                  //  program_invocation_short_name
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support_dir.h"

int
support_dir_make (char *dir, size_t size, const char *tag)
{
    int n = snprintf (dir, size, "/tmp/cohort-%s-XXXXXX", tag);
    if (n < 0 || (size_t) n >= size)
        return -1;
    return mkdtemp (dir)? 0: -1;
}

//  nftw callback: removes one entry; children come before their folder
//  (FTW_DEPTH), so every folder is empty when its turn comes.
static int
s_remove_entry (const char *path, const struct stat *st, int type, struct FTW *at)
{
    (void) st;
    (void) type;
    (void) at;
    return remove (path);
}

int
support_dir_remove (const char *dir)
{
    if (!dir || !*dir)
        return -1;
    return nftw (dir, s_remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0? 0: -1;
}

int
support_dir_remove_listed (const char *dir, const char *const *names)
{
    for (const char *const *name = names; *name; name++) {
        char path [512];
        if (snprintf (path, sizeof path, "%s/%s", dir, *name) >= (int) sizeof path)
            return -1;
        unlink (path);
    }
    return rmdir (dir);
}

void *
support_fixture_new (void **state, size_t size, const char *tag)
{
    assert_true (size >= SUPPORT_DIR_MAX);
    char *fixture = calloc (1, size);
    if (!fixture)
        return NULL;
    if (support_dir_make (fixture, SUPPORT_DIR_MAX, tag)) {
        free (fixture);
        return NULL;
    }
    *state = fixture;
    return fixture;
}

int
support_fixture_teardown (void **state)
{
    char *fixture = *state;
    int rc = support_dir_remove (fixture);
    free (fixture);
    *state = NULL;
    return rc;
}

char support_dir_group [SUPPORT_DIR_MAX];

int
support_dir_group_setup (void **state)
{
    (void) state;
    if (support_dir_make (support_dir_group, sizeof support_dir_group,
                          program_invocation_short_name)) {
        support_dir_group [0] = '\0';
        return -1;
    }
    return 0;
}

int
support_dir_group_teardown (void **state)
{
    (void) state;
    int rc = support_dir_remove (support_dir_group);
    support_dir_group [0] = '\0';
    return rc;
}

char *
support_path (char *out, size_t size, const char *dir, const char *name)
{
    int n = snprintf (out, size, "%s/%s", dir, name);
    if (n < 0 || (size_t) n >= size)
        fail_msg ("path %s/%s does not fit in %zu bytes", dir, name, size);
    return out;
}
