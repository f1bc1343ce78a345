/*  Unit tests for cli/cmd_demo.c: help, argument refusal, and a run
    without the bundled datasets, which fails before anything is written.
    (The demo run itself is `make demo`: a 2048-bit consortium, about a
    minute; the same code path runs in test_cli_cmd_simulate with small
    keys.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "cli_run.h"
#include "support_dir.h"
#include "support_file.h"

static void
test_arguments (void **state)
{
    (void) state;
    char *a1 [] = { "demo", "--help", NULL };
    assert_int_equal (cli_cmd_demo (2, a1), CLI_OK);
    char *a2 [] = { "demo", "extra", NULL };
    assert_int_equal (cli_cmd_demo (2, a2), CLI_USAGE);
    char *a3 [] = { "demo", "--bits", "1024", NULL };
    assert_int_equal (cli_cmd_demo (3, a3), CLI_USAGE);
    char *a4 [] = { "demo", "--bits", "2050", NULL };
    assert_int_equal (cli_cmd_demo (3, a4), CLI_USAGE);
    char *a5 [] = { "demo", "--nosuch", NULL };
    assert_int_equal (cli_cmd_demo (2, a5), CLI_USAGE);
}

//  The names in dir (without . and ..), sorted, joined by spaces into out.
static const char *
s_listing (char *out, size_t size, const char *dir)
{
    struct dirent **names;
    int n = scandir (dir, &names, NULL, alphasort);
    assert_true (n >= 0);
    size_t at = 0;
    out [0] = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp (names [i]->d_name, ".") && strcmp (names [i]->d_name, ".."))
            at += (size_t) snprintf (out + at, size - at, "%s%s", at? " ": "", names [i]->d_name);
        assert_true (at < size);
        free (names [i]);
    }
    free (names);
    return out;
}

//  Without the bundled datasets (no folder, or one of the two files
//  missing) the demo fails naming the folder, and writes nothing: a new
//  --out is not made, an existing one keeps exactly what it held.
static int
s_setup (void **state)
{
    return support_fixture_new (state, SUPPORT_DIR_MAX, "demo")? 0: -1;
}

static void
test_no_datasets_nothing_written (void **state)
{
    const char *dir = *state;
    char half [300], kept [300], out [300], list [512];
    support_path (half, sizeof half, dir, "half");
    support_path (kept, sizeof kept, dir, "kept");
    support_path (out, sizeof out, dir, "demo");
    assert_int_equal (mkdir (half, 0700), 0);
    assert_int_equal (mkdir (kept, 0700), 0);
    support_file_put (half, "breast_cancer_wisconsin.csv", "x,malignant\n1,0\n", 0600);
    support_file_put (kept, "note.txt", "mine\n", 0600);
    const char *sources [] = { "none", "half" };
    const char *outs [] = { out, kept };
    for (int s = 0; s < 2; s++)
        for (int o = 0; o < 2; o++) {
            char datasets [300];
            support_path (datasets, sizeof datasets, dir, sources [s]);
            assert_int_equal (s_run ("demo --datasets %s --out %s --bits 2048", datasets,
                                     outs [o]), CLI_FAIL);
            assert_non_null (strstr (s_err, "bundled datasets are not in"));
            assert_non_null (strstr (s_err, datasets));
            //  Nothing new anywhere in the folder: no demo/, and kept/
            //  holds its one file, unchanged.
            assert_string_equal (s_listing (list, sizeof list, dir), "half kept");
            assert_string_equal (s_listing (list, sizeof list, kept), "note.txt");
            assert_string_equal (s_listing (list, sizeof list, half),
                                 "breast_cancer_wisconsin.csv");
            size_t len;
            char path [400];
            char *note = support_file_read (support_path (path, sizeof path, kept, "note.txt"),
                                            &len);
            assert_int_equal (len, 5);
            assert_memory_equal (note, "mine\n", 5);
            free (note);
        }
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_arguments),
        cmocka_unit_test_setup_teardown (test_no_datasets_nothing_written, s_setup,
                                         support_fixture_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
