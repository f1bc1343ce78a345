/*  Unit tests for site/check.c: the datasets of datasets/ are clean
    against their dictionaries; each kind of finding is counted, with its
    rows and its line, and never the text of a cell; the report over a
    site.cfg and its exit count; allocation failures. */
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

#include "site/check.h"
#include "models/dictionary.h"
#include "util/alloc.h"
#include "util/error.h"
#include "alloc_walk.h"
#include "support_dir.h"
#include "support_file.h"
#include "support_role.h"

#define S_DATA COHORT_SOURCE_DIR "/datasets/"

static const char *s_dict =
    "name,type,min,max,levels,unit,description\n"
    "glucose,numeric,0,300,,mg/dl,\n"
    "age,integer,18,100,,years,\n"
    "inst,categorical,,,1|2|3,,\n"
    "sex,binary,,,male|female,,\n"
    "status,event,0,1,,,\n"
    "time,time,0,1000,,days,\n"
    "unused,numeric,0,1,,,\n"
    "pid,integer,1,100,,,\n";

//  Every kind of finding, with the value "s3cr3t" (and others) in cells
//  that must never be echoed. Rows are counted from 1 below the header.
static const char *s_data =
    "glucose,age,inst,sex,status,time,extra,\"ctl\x01name\",pid\n"
    "-1,17,1,male,0,10,a,b,1\n"          //  1: glucose and age below
    "301,20.5,4,female,1,-5,a,b,2\n"     //  2: glucose above, age a fraction, inst
                                         //     no level, time below
    "NA,s3cr3t,2,2,2,1001,a,b,3\n"       //  3: age, sex and status do not read, time
                                         //     above
    ",40,s3cr3t,NA,,,a,b,4\n"            //  4: inst no level; the rest missing
    "100,40,3,1,1,5,a,b,5\n"             //  5: clean (sex 1 is female)
    "100,x,3,male,0,5,a,b,6\n"           //  6-9: age does not read (the sixth
    "100,y,3,male,0,5,a,b,7\n"           //  such row is not listed)
    "100,z,3,male,0,5,a,b,8\n"
    "100,w,3,male,0,5,a,b,9\n";

static model_dict_t *
s_parse (const char *text)
{
    model_dict_t *dict = model_dict_parse ("d.csv", text, strlen (text));
    assert_non_null (dict);
    return dict;
}

static const site_finding_t *
s_find (const site_check_t *check, const char *column, site_finding_kind_t kind)
{
    for (size_t i = 0; i < check->n_findings; i++)
        if (strcmp (check->findings [i].column, column) == 0 && check->findings [i].kind == kind)
            return &check->findings [i];
    fail_msg ("no finding of kind %d for column %s", kind, column);
    return NULL;
}

//  --------------------------------------------------------------------------

static void
test_datasets_are_clean (void **state)
{
    (void) state;
    const struct {
        const char *data, *dict;
        size_t rows, cols;
    } sets [] = {
        { "breast_cancer_wisconsin.csv", "breast_cancer_wisconsin_dictionary.csv", 569, 31 },
        { "epilepsy.csv", "epilepsy_dictionary.csv", 236, 10 },
        { "lung.csv", "lung_dictionary.csv", 228, 10 },
        { "pima_diabetes.csv", "pima_diabetes_dictionary.csv", 768, 9 },
        { "rotterdam.csv", "rotterdam_dictionary.csv", 2982, 15 },
        { "pima_diabetes.csv", NULL, 768, 9 },
    };
    for (size_t s = 0; s < sizeof sets / sizeof sets [0]; s++) {
        model_dict_t *dict = NULL;
        if (sets [s].dict) {
            char path [512];
            snprintf (path, sizeof path, S_DATA "%s", sets [s].dict);
            dict = model_dict_load (path);
        }
        else
            dict = s_parse (model_dict_example ());
        assert_non_null (dict);
        char path [512];
        snprintf (path, sizeof path, S_DATA "%s", sets [s].data);
        site_check_t *check = NULL;
        assert_int_equal (site_check_dataset (&check, dict, path, NULL), 0);
        assert_int_equal (check->rows, sets [s].rows);
        assert_int_equal (check->cols, sets [s].cols);
        for (size_t i = 0; i < check->n_findings; i++)
            print_message ("%s: %s\n", sets [s].data, check->findings [i].text);
        assert_int_equal (check->n_findings, 0);
        assert_int_equal (check->n_absent, 0);
        site_check_destroy (&check);
        assert_null (check);
        model_dict_destroy (&dict);
    }
    site_check_destroy (NULL);
}

static void
test_findings (void **state)
{
    (void) state;
    char path [64];
    support_file_temp (path, sizeof path, "check", s_data);
    model_dict_t *dict = s_parse (s_dict);
    site_check_t *check = NULL;
    assert_int_equal (site_check_dataset (&check, dict, path, "pid"), 0);
    unlink (path);
    assert_int_equal (check->rows, 9);
    assert_int_equal (check->cols, 9);

    //  Numbers out of bounds: counted on each side, every value read.
    const site_finding_t *f = s_find (check, "glucose", SITE_FINDING_BOUNDS);
    assert_int_equal (f->below, 1);
    assert_int_equal (f->above, 1);
    assert_int_equal (f->count, 2);
    assert_true (f->min == 0 && f->max == 300);
    assert_string_equal (f->text, "column glucose: 1 value below min 0, 1 above max 300");
    f = s_find (check, "time", SITE_FINDING_BOUNDS);
    assert_string_equal (f->text, "column time: 1 value below min 0, 1 above max 1000");
    f = s_find (check, "age", SITE_FINDING_BOUNDS);
    assert_string_equal (f->text, "column age: 1 value below min 18, 0 above max 100");

    //  Cells that do not read: the first SITE_CHECK_ROWS rows, then "...".
    f = s_find (check, "age", SITE_FINDING_VALUE);
    assert_int_equal (f->count, 6);
    assert_int_equal (f->n_rows, SITE_CHECK_ROWS);
    assert_int_equal (f->rows [0], 2);
    assert_int_equal (f->rows [4], 8);
    assert_string_equal (f->text, "column age: 6 values do not read as integer "
                         "(rows 2, 3, 6, 7, 8, ...)");
    f = s_find (check, "sex", SITE_FINDING_VALUE);
    assert_string_equal (f->text, "column sex: 1 value does not read as binary (row 3)");
    f = s_find (check, "status", SITE_FINDING_VALUE);
    assert_string_equal (f->text, "column status: 1 value does not read as event (row 3)");
    //  Unknown levels.
    f = s_find (check, "inst", SITE_FINDING_LEVEL);
    assert_int_equal (f->count, 2);
    assert_string_equal (f->text, "column inst: 2 values are not a level (rows 2, 4)");
    //  Columns the dictionary does not name, a control character shown.
    f = s_find (check, "extra", SITE_FINDING_COLUMN);
    assert_string_equal (f->text, "column extra: not in the dictionary");
    f = s_find (check, "ctl?name", SITE_FINDING_COLUMN);
    assert_string_equal (f->text, "column ctl?name: not in the dictionary");
    //  No more: the skipped column (pid, whose cells are fine anyway) and
    //  missing cells are not findings; in column order.
    assert_int_equal (check->n_findings, 9);
    assert_string_equal (check->findings [0].column, "glucose");
    assert_int_equal (check->findings [1].kind, SITE_FINDING_BOUNDS);
    assert_int_equal (check->findings [2].kind, SITE_FINDING_VALUE);
    assert_string_equal (check->findings [8].column, "ctl?name");
    //  A dictionary variable the file lacks is listed, not a finding.
    assert_int_equal (check->n_absent, 1);
    assert_string_equal (check->absent [0], "unused");
    //  No line holds a cell's text.
    for (size_t i = 0; i < check->n_findings; i++) {
        assert_null (strstr (check->findings [i].text, "s3cr3t"));
        assert_null (strstr (check->findings [i].text, "20.5"));
        assert_null (strstr (check->findings [i].text, "-5"));
    }
    site_check_destroy (&check);
    model_dict_destroy (&dict);
}

static void
test_skip_and_rows (void **state)
{
    (void) state;
    model_dict_t *dict = s_parse (s_dict);
    char path [64];
    //  The skipped column is neither checked nor a finding, even when the
    //  dictionary does not name it; without the skip it is.
    support_file_temp (path, sizeof path, "check", "patient,glucose\nP-1,5\nP-2,6\n");
    site_check_t *check = NULL;
    assert_int_equal (site_check_dataset (&check, dict, path, "patient"), 0);
    assert_int_equal (check->n_findings, 0);
    assert_int_equal (check->n_absent, 7);
    site_check_destroy (&check);
    assert_int_equal (site_check_dataset (&check, dict, path, NULL), 0);
    assert_int_equal (check->n_findings, 1);
    assert_int_equal (check->findings [0].kind, SITE_FINDING_COLUMN);
    site_check_destroy (&check);
    unlink (path);
    //  Exactly SITE_CHECK_ROWS bad cells: all listed, no "...".
    support_file_temp (path, sizeof path, "check", "age\na\nb\n30\nc\nd\ne\n");
    assert_int_equal (site_check_dataset (&check, dict, path, NULL), 0);
    assert_int_equal (check->n_findings, 1);
    assert_string_equal (check->findings [0].text,
                         "column age: 5 values do not read as integer (rows 1, 2, 4, 5, 6)");
    site_check_destroy (&check);
    unlink (path);
    //  A header and no rows: nothing to find.
    support_file_temp (path, sizeof path, "check", "age,inst\n");
    assert_int_equal (site_check_dataset (&check, dict, path, NULL), 0);
    assert_int_equal (check->rows, 0);
    assert_int_equal (check->n_findings, 0);
    site_check_destroy (&check);
    unlink (path);
    //  A file that is not CSV, or not there: refused, the file named.
    support_file_temp (path, sizeof path, "check", "a,b\n1\n");
    assert_int_equal (site_check_dataset (&check, dict, path, NULL), -1);
    assert_null (check);
    assert_non_null (strstr (util_last_error (), path));
    unlink (path);
    assert_int_equal (site_check_dataset (&check, dict, "/nonexistent/x.csv", NULL), -1);
    assert_non_null (strstr (util_last_error (), "/nonexistent/x.csv"));
    model_dict_destroy (&dict);
}

//  --------------------------------------------------------------------------
//  The report over a site.cfg

static const char *s_site =
    "site\n"
    "    name = a\n    index = 1\n    coordinator = tcp://127.0.0.1:1\n"
    "    coordinator_cert = c.pub\n%s    share = s.key\n"
    "    public_key = p.pub\n    ledger = l.db\n"
    "%s"
    "    budget\n        epsilon = 1\n        delta = 1e-5\n"
    "%s";

//  Writes dir/sites/a.cfg with the dictionary line and dataset sections
//  given, and returns its path in cfg.
static void
s_site_cfg (char *cfg, size_t size, const char *dir, const char *dictionary,
            const char *datasets)
{
    char sites [256], text [4096], role [2048];
    support_path (sites, sizeof sites, dir, "sites");
    if (access (sites, F_OK))
        assert_int_equal (mkdir (sites, 0700), 0);
    support_role_site (dir, "a", 1, role, sizeof role);
    snprintf (text, sizeof text, s_site, role, dictionary, datasets);
    support_path (cfg, size, sites, "a.cfg");
    support_file_write (cfg, text, 0600);
}

//  site_check_config into a string: returns its result, the report in out.
static long
s_report (const char *cfg, const char *dictionary, char **out)
{
    size_t len;
    FILE *f = open_memstream (out, &len);
    assert_non_null (f);
    long n = site_check_config (cfg, dictionary, f);
    fclose (f);
    return n;
}

static void
test_config_report (void **state)
{
    (void) state;
    char dir [SUPPORT_DIR_MAX], cfg [300], path [300];
    assert_int_equal (support_dir_make (dir, sizeof dir, "sitecheck"), 0);
    support_file_put (dir, "dict.csv", s_dict, 0644);
    support_file_put (dir, "bad.csv", s_data, 0644);
    support_file_put (dir, "good.csv", "glucose,age\n100,40\n,NA\n", 0644);
    //  The dictionary key is relative to the config's folder; the report
    //  lists each file (path and test_path), its findings and the total.
    const char *datasets =
        "    dataset\n        name = good\n        path = ../good.csv\n"
        "    dataset\n        name = bad\n        path = ../bad.csv\n"
        "        test_path = ../none.csv\n";
    s_site_cfg (cfg, sizeof cfg, dir, "    dictionary = ../dict.csv\n", datasets);
    char *out = NULL;
    assert_int_equal (s_report (cfg, NULL, &out), 10);
    char want [4096];
    snprintf (want, sizeof want,
              "dictionary %s/sites/../dict.csv: 8 variables\n"
              "dataset good: %s/sites/../good.csv: 2 rows, 2 columns: clean\n"
              "    in the dictionary, not in this file (not an error): inst, sex, status, time, "
              "unused, pid\n"
              "dataset bad: %s/sites/../bad.csv: 9 rows, 9 columns: 9 findings\n"
              "    column glucose: 1 value below min 0, 1 above max 300\n"
              "    column age: 1 value below min 18, 0 above max 100\n"
              "    column age: 6 values do not read as integer (rows 2, 3, 6, 7, 8, ...)\n"
              "    column inst: 2 values are not a level (rows 2, 4)\n"
              "    column sex: 1 value does not read as binary (row 3)\n"
              "    column status: 1 value does not read as event (row 3)\n"
              "    column time: 1 value below min 0, 1 above max 1000\n"
              "    column extra: not in the dictionary\n"
              "    column ctl?name: not in the dictionary\n"
              "    in the dictionary, not in this file (not an error): unused\n"
              "dataset bad: %s/sites/../none.csv: cannot be read: %s/sites/../none.csv: "
              "cannot open: No such file or directory\n"
              "10 findings in 3 files\n", dir, dir, dir, dir, dir);
    assert_string_equal (out, want);
    assert_null (strstr (out, "s3cr3t"));
    free (out);

    //  Clean: 0, and the last line says so. --dictionary replaces the key.
    s_site_cfg (cfg, sizeof cfg, dir, "    dictionary = ../nonexistent.csv\n",
                "    dataset\n        name = good\n        path = ../good.csv\n");
    support_path (path, sizeof path, dir, "dict.csv");
    assert_int_equal (s_report (cfg, path, &out), 0);
    assert_non_null (strstr (out, "dataset good: "));
    assert_non_null (strstr (out, ": 2 rows, 2 columns: clean\n"));
    assert_non_null (strstr (out, "\nclean: 1 file, no findings\n"));
    free (out);
    //  The dictionary the key names is not there: -1, the file named, and
    //  nothing printed.
    assert_int_equal (s_report (cfg, NULL, &out), -1);
    assert_non_null (strstr (util_last_error (), "nonexistent.csv: cannot open"));
    assert_string_equal (out, "");
    free (out);
    //  A dictionary that is not one: its own refusal.
    support_file_put (dir, "notdict.csv", "a,b\n1,2\n", 0644);
    support_path (path, sizeof path, dir, "notdict.csv");
    assert_int_equal (s_report (cfg, path, &out), -1);
    assert_non_null (strstr (util_last_error (), "notdict.csv:1:1: header: 2 columns"));
    free (out);
    //  No dictionary at all.
    s_site_cfg (cfg, sizeof cfg, dir, "",
                "    dataset\n        name = good\n        path = ../good.csv\n");
    assert_int_equal (s_report (cfg, NULL, &out), -1);
    assert_non_null (strstr (util_last_error (), "no dictionary to check against"));
    assert_string_equal (out, "");
    free (out);
    //  A config that does not load, and one with no dataset (clean: no file).
    assert_int_equal (s_report ("/nonexistent/site.cfg", path, &out), -1);
    assert_non_null (strstr (util_last_error (), "cannot read the config file"));
    free (out);
    s_site_cfg (cfg, sizeof cfg, dir, "    dictionary = ../dict.csv\n", "");
    assert_int_equal (s_report (cfg, NULL, &out), 0);
    assert_non_null (strstr (out, "clean: 0 files, no findings\n"));
    free (out);
    assert_int_equal (support_dir_remove (dir), 0);
}

//  --------------------------------------------------------------------------
//  Allocation failures

typedef struct {
    const model_dict_t *dict;
    const char *path;
} s_walk_t;

static bool
s_check_walk (void *arg)
{
    s_walk_t *w = arg;
    site_check_t *check = NULL;
    if (site_check_dataset (&check, w->dict, w->path, NULL)) {
        assert_null (check);
        if (!strstr (util_last_error (), w->path))
            fail_msg ("'%s' does not name the file", util_last_error ());
        return false;
    }
    //  Whatever failed before, the result is whole.
    assert_int_equal (check->n_findings, 9);
    assert_string_equal (check->findings [8].text, "column ctl?name: not in the dictionary");
    assert_int_equal (check->n_absent, 1);
    site_check_destroy (&check);
    return true;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    char path [64];
    support_file_temp (path, sizeof path, "check", s_data);
    model_dict_t *dict = s_parse (s_dict);
    s_walk_t w = { dict, path };
    assert_true (alloc_walk (s_check_walk, &w) >= 20);
    model_dict_destroy (&dict);
    unlink (path);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_datasets_are_clean),
        cmocka_unit_test (test_findings),
        cmocka_unit_test (test_skip_and_rows),
        cmocka_unit_test (test_config_report),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
