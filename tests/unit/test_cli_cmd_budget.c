/*  Unit tests for cli/cmd_budget.c: `cohort budget` usage and local
    failures, then a small consortium of the built binary's processes
    (512-bit test keys, the Pima data across three sites, each granting
    epsilon 20): every site's ledger as it reports it, before and after a
    query (the spend moves by what the ledgers were charged), --json,
    --dataset, and the one-line error of an unknown dataset. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli_run.h"
#include "sim/consortium.h"
#include "sim/launch.h"
#include "sim/simulate.h"
#include "support_cohort.h"
#include "support_dir.h"

static char s_dir [256];
static char s_analyst [300];
static sim_fed_t *s_fed;
static char **s_sites;

static void
test_usage (void **state)
{
    (void) state;
    s_usage ("budget --nope", "--nope");
    s_usage ("budget extra", "extra");
    assert_int_equal (s_run ("budget --help"), CLI_OK);
    assert_non_null (strstr (s_out, "usage: cohort budget"));
    assert_int_equal (s_run ("budget --analyst /nonexistent-analyst.cfg"), CLI_FAIL);
    assert_non_null (strstr (s_err, "cannot read the config file"));
}

static int
s_setup (void **state)
{
    (void) state;
    support_cohort_setenv ();
    if (support_dir_make (s_dir, sizeof s_dir, "clibudget"))
        return -1;
    sim_options_t o;
    sim_options_defaults (&o);
    o.data = COHORT_SOURCE_DIR "/datasets/pima_diabetes.csv";
    o.query = "count()";
    o.sites = 3;
    o.bits = 512;
    o.insecure_test_key = true;
    o.out = s_dir;
    o.site_budget = 20;
    int port = sim_free_port ();
    if (port < 0 || sim_check (&o) || sim_prepare (&o, port, &s_sites))
        return -1;
    snprintf (s_analyst, sizeof s_analyst, "%s/analyst.cfg", s_dir);
    s_fed = sim_fed_start (s_dir, port, s_sites, 3);
    return s_fed? 0: -1;
}

static int
s_teardown (void **state)
{
    (void) state;
    sim_fed_stop (&s_fed);
    sim_consortium_free_sites (&s_sites);
    support_dir_remove (s_dir);
    return 0;
}

//  `cohort budget --json` until every site has reported (a site's first
//  hello may still be on its way): the answer (caller decrefs).
static json_t *
s_budget_json (void)
{
    for (int tries = 0; tries < 100; tries++) {
        assert_int_equal (s_run ("budget --json --analyst %s", s_analyst), CLI_OK);
        json_t *answer = json_loads (s_out, 0, NULL);
        assert_non_null (answer);
        if (json_array_size (json_object_get (answer, "budget")) == 3)
            return answer;
        json_decref (answer);
        usleep (50000);
    }
    fail_msg ("the sites never reported their budgets: %s", s_out);
    return NULL;
}

//  The epsilon site `name` reports spent on dataset `data`.
static double
s_spent (json_t *answer, const char *name, double *left)
{
    size_t i;
    json_t *row;
    json_array_foreach (json_object_get (answer, "budget"), i, row)
        if (!strcmp (json_string_value (json_object_get (row, "site")), name)) {
            assert_string_equal (json_string_value (json_object_get (row, "dataset")), "data");
            double budget = json_real_value (json_object_get (row, "epsilon_budget"));
            double spent = json_real_value (json_object_get (row, "epsilon_spent"));
            *left = json_real_value (json_object_get (row, "epsilon_left"));
            assert_true (budget == 20);
            assert_true (fabs (*left - (budget - spent)) < 1e-12);
            assert_true (json_real_value (json_object_get (row, "age_s")) >= 0);
            return spent;
        }
    fail_msg ("no row for %s", name);
    return -1;
}

static void
test_ledgers (void **state)
{
    (void) state;
    json_t *before = s_budget_json ();
    assert_int_equal (json_array_size (json_object_get (before, "silent")), 0);
    double left, spent [3];
    for (int i = 0; i < 3; i++)
        spent [i] = s_spent (before, s_sites [i], &left);
    //  A query charges every answering site; the report says how much, and
    //  the sites' next hellos (sent right after the charge) say so too.
    char *argv [] = { "cohort", "query", "mean(mass)", "--dataset", "data", "--analyst",
                      s_analyst, "--epsilon", "0.7", NULL };
    assert_int_equal (s_run_argv (9, argv), CLI_OK);
    json_t *after = s_budget_json ();
    for (int i = 0; i < 3; i++) {
        double now = s_spent (after, s_sites [i], &left);
        if (!(now > spent [i] + 0.05 && now <= spent [i] + 0.7 + 1e-9))
            fail_msg ("site %s: spent %g before, %g after an epsilon 0.7 query", s_sites [i],
                      spent [i], now);
    }
    json_decref (before);
    json_decref (after);
}

static void
test_table_and_dataset (void **state)
{
    (void) state;
    json_decref (s_budget_json ());
    assert_int_equal (s_run ("budget --analyst %s --dataset data", s_analyst), CLI_OK);
    assert_non_null (strstr (s_out, "dataset"));
    for (int i = 0; i < 3; i++)
        assert_non_null (strstr (s_out, s_sites [i]));
    assert_non_null (strstr (s_out, "accountant's total"));
    assert_int_equal (s_run ("budget --analyst %s --dataset nope", s_analyst), CLI_FAIL);
    assert_string_equal (s_err, "cohort: error: budget: no site reported a budget for "
                                "dataset 'nope'\n");
}

int
main (void)
{
    const struct CMUnitTest usage [] = {
        cmocka_unit_test (test_usage),
    };
    const struct CMUnitTest live [] = {
        cmocka_unit_test (test_ledgers),
        cmocka_unit_test (test_table_and_dataset),
    };
    int rc = cmocka_run_group_tests (usage, NULL, NULL);
    return rc | cmocka_run_group_tests (live, s_setup, s_teardown);
}
