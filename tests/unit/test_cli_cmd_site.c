/*  Unit tests for cli/cmd_site.c: usage, help and a refused config. The
    worker itself runs in tests/e2e. `cohort site check`: its exit status
    (0 clean, 1 findings, 2 a bad command line, config or dictionary) and
    what it prints (site/check.c has the details). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli_run.h"
#include "support_dir.h"
#include "support_file.h"
#include "support_role.h"


static void
test_site (void **state)
{
    (void) state;
    s_usage ("site", "usage: cohort site");
    s_usage ("site --config x extra", "usage");
    assert_int_equal (s_run ("site --help"), CLI_OK);
    assert_non_null (strstr (s_out, "privacy ledger"));
    assert_int_equal (s_run ("site --config /nonexistent.cfg"), CLI_FAIL);
    assert_non_null (strstr (s_err, "cannot read the config file"));
}

//  dir/a.cfg: a site with one dataset, dir/data.csv, and the dictionary
//  line given.
static void
s_check_cfg (const char *dir, const char *dictionary)
{
    char text [4096], role [2048];
    support_role_site (dir, "a", 1, role, sizeof role);
    snprintf (text, sizeof text,
              "site\n    name = a\n    index = 1\n    coordinator = tcp://127.0.0.1:1\n"
              "    coordinator_cert = c.pub\n%s    share = s.key\n"
              "    public_key = p.pub\n    ledger = l.db\n%s"
              "    budget\n        epsilon = 1\n        delta = 1e-5\n"
              "    dataset\n        name = pima\n        path = data.csv\n", role, dictionary);
    support_file_put (dir, "a.cfg", text, 0600);
}

static void
test_site_check (void **state)
{
    (void) state;
    char dir [SUPPORT_DIR_MAX], dict [128];
    assert_int_equal (support_dir_make (dir, sizeof dir, "clisitecheck"), 0);
    support_path (dict, sizeof dict, dir, "dictionary.csv");
    support_file_put (dir, "dictionary.csv",
                      "name,type,min,max,levels,unit,description\n"
                      "glucose,numeric,0,300,,mg/dl,\n"
                      "inst,categorical,,,1|2|3,,\n", 0644);
    //  Usage and help.
    s_usage ("site check", "--config is required");
    s_usage ("site check --config x.cfg extra", "usage: cohort site check");
    s_usage ("site check --config", "--config");
    s_usage ("site check --nosuch", "--nosuch");
    assert_int_equal (s_run ("site check --help"), CLI_OK);
    assert_non_null (strstr (s_out, "usage: cohort site check --config site.cfg "
                             "[--dictionary FILE]"));
    assert_int_equal (s_run ("site --help"), CLI_OK);
    assert_non_null (strstr (s_out, "cohort site check --help"));

    //  Clean data: the report on stdout and its ok line. (This config has
    //  no key share: the doctor says so, and exits 1; a whole site that
    //  passes is in tests/e2e/e2e_site.c, doctor.)
    support_file_put (dir, "data.csv", "glucose,inst\n100,1\n,NA\n", 0644);
    s_check_cfg (dir, "    dictionary = dictionary.csv\n");
    assert_int_equal (s_run ("site check --offline --config %s/a.cfg", dir), CLI_FAIL);
    assert_non_null (strstr (s_out, ": 2 rows, 2 columns: clean\n"));
    assert_non_null (strstr (s_out, "clean: 1 file, no findings\n"));
    assert_non_null (strstr (s_out, "\nok   datasets: every file clean"));
    assert_non_null (strstr (s_out, "\nFAIL key share "));
    assert_non_null (strstr (s_out, "s.key: No such file or directory\n"));
    assert_non_null (strstr (s_out, "\nwarn coordinator tcp://127.0.0.1:1: not asked (--offline)"));
    assert_string_equal (s_err, "");

    //  Findings: exit 1, each on its line, no value printed.
    support_file_put (dir, "data.csv",
                      "glucose,inst,other\n-1,9,x\n999,1,x\n1000,1,x\n12o,1,x\n", 0644);
    assert_int_equal (s_run ("site check --offline --config %s/a.cfg", dir), CLI_FAIL);
    assert_non_null (strstr (s_out, "    column glucose: 1 value below min 0, 2 above max 300\n"));
    assert_non_null (strstr (s_out, "FAIL datasets: 4 findings against the dictionary"));
    assert_non_null (strstr (s_out, "    column glucose: 1 value does not read as numeric "
                             "(row 4)\n"));
    assert_non_null (strstr (s_out, "    column inst: 1 value is not a level (row 1)\n"));
    assert_non_null (strstr (s_out, "    column other: not in the dictionary\n"));
    assert_non_null (strstr (s_out, "\n4 findings in 1 file\n"));
    assert_null (strstr (s_out, "999"));
    assert_null (strstr (s_out, "12o"));

    //  --dictionary replaces the key; a dictionary or config that does not
    //  load: a FAIL line with the reason; none at all: a warning.
    s_check_cfg (dir, "    dictionary = nonexistent.csv\n");
    assert_int_equal (s_run ("site check --offline --config %s/a.cfg", dir), CLI_FAIL);
    assert_non_null (strstr (s_out, "FAIL datasets: "));
    assert_non_null (strstr (s_out, "nonexistent.csv: cannot open"));
    assert_int_equal (s_run ("site check --offline --config %s/a.cfg --dictionary %s", dir, dict),
                      CLI_FAIL);
    assert_non_null (strstr (s_out, "column other: not in the dictionary"));
    s_check_cfg (dir, "");
    assert_int_equal (s_run ("site check --offline --config %s/a.cfg", dir), CLI_FAIL);
    assert_non_null (strstr (s_out, "warn datasets: no dictionary to check them against"));
    assert_int_equal (s_run ("site check --offline --config %s/a.cfg --dictionary %s/a.cfg", dir,
                             dir), CLI_FAIL);
    assert_non_null (strstr (s_out, "a.cfg:1:1: header"));
    assert_int_equal (s_run ("site check --config /nonexistent.cfg --dictionary %s", dict),
                      CLI_FAIL);
    assert_non_null (strstr (s_out, "FAIL config: "));
    assert_non_null (strstr (s_out, "cannot read the config file"));
    s_usage ("site check --config x.cfg --timeout-ms 5", "--timeout-ms");
    assert_int_equal (support_dir_remove (dir), 0);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_site),
        cmocka_unit_test (test_site_check),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
