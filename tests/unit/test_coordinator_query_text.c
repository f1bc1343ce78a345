/*  Unit tests for coordinator/query_text.c and coord_render's dispatch of
    query reports: the table of a summary, a histogram, a crosstab with its
    chi-squared, quantiles and a correlation, computed from real sums of a
    few records; a report that is not a query's is refused; every format
    of coord_render writes a query report, and an unknown one is named. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coordinator/query.h"
#include "coordinator/render.h"
#include "util/error.h"

static const char s_dict_text [] =
    "name,type,min,max,levels,unit,description\n"
    "age,integer,18,100,,,\n"
    "bmi,numeric,10,60,,,\n"
    "sex,binary,0,1,male|female,,\n";

//  Eight records: age, bmi, sex.
static const double s_records [8][3] = {
    { 30, 22.5, 0 }, { 45, 31.0, 1 }, { 52, 27.2, 1 }, { 61, 35.9, 0 },
    { 38, 24.1, 1 }, { 70, 29.3, 0 }, { 25, 20.0, 1 }, { 49, NAN, 0 },
};

//  The report of `text` on the records, privacy off.
static json_t *
s_report (const char *text)
{
    model_dict_t *dict = model_dict_parse ("d", s_dict_text, sizeof s_dict_text - 1);
    proto_query_t *q = proto_query_parse (text);
    assert_non_null (dict);
    assert_non_null (q);
    if (proto_query_check (q, dict, 0))
        fail_msg ("%s: %s", text, util_last_error ());
    proto_release_t r;
    assert_int_equal (proto_release_make (&r, q, true, 0, 0, 2), 0);
    int64_t *sum = calloc (r.dim, sizeof *sum);
    assert_non_null (sum);
    for (int i = 0; i < 8; i++)
        (void) proto_release_add (&r, s_records [i], sum);
    coord_query_options_t options = { .dataset = "demo" };
    json_t *report = coord_query_results (&r, sum, 2, &options);
    if (!report)
        fail_msg ("%s", util_last_error ());
    free (sum);
    proto_query_destroy (&q);
    model_dict_destroy (&dict);
    return report;
}

//  What coord_query_text prints for `text`, in a new string.
static char *
s_text (const char *text)
{
    json_t *report = s_report (text);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&out, &len);
    assert_non_null (f);
    assert_int_equal (coord_query_text (report, f), 0);
    fclose (f);
    json_decref (report);
    return out;
}

static void
test_tables (void **state)
{
    (void) state;
    char *t = s_text ("summary(age, by=sex)");
    assert_non_null (strstr (t, "query      summary(age, by=sex)"));
    assert_non_null (strstr (t, "data       demo, 2 sites"));
    assert_non_null (strstr (t, "NOT PRIVATE"));
    //  sex = male: ages 30, 61, 70, 49 (mean 52.5); female: 45, 52, 38, 25.
    assert_non_null (strstr (t, "mean        age                    male"));
    assert_non_null (strstr (t, "52.5"));
    assert_non_null (strstr (t, "40"));
    free (t);

    t = s_text ("histogram(age, breaks=c(18, 40, 60, 100))");
    assert_non_null (strstr (t, "histogram   age"));
    assert_non_null (strstr (t, "[18,40]"));
    assert_non_null (strstr (t, "(60,100]"));
    free (t);

    t = s_text ("crosstab(sex, cut(age, c(18, 40, 100)))");
    assert_non_null (strstr (t, "crosstab    sex x cut(age, c(18, 40, 100))"));
    assert_non_null (strstr (t, "(18,40]"));
    assert_non_null (strstr (t, "male"));
    assert_non_null (strstr (t, "chisq"));
    assert_non_null (strstr (t, "df 1"));
    free (t);

    t = s_text ("quantiles(age, 0.5)");
    assert_non_null (strstr (t, "quantile    age"));
    assert_non_null (strstr (t, "p 0.5"));
    free (t);

    t = s_text ("correlation(age, bmi)");
    assert_non_null (strstr (t, "correlation age x bmi"));
    //  The diagonal is 1; the off-diagonal a correlation with 3 decimals.
    assert_non_null (strstr (t, "           1"));
    assert_non_null (strstr (t, "0."));
    //  One record has no bmi: left out.
    assert_non_null (strstr (t, "left out"));
    free (t);
}

static void
test_refusals (void **state)
{
    (void) state;
    json_t *study = json_pack ("{s:i}", "cohort_report", 1);
    FILE *f = fopen ("/dev/null", "w");
    assert_non_null (f);
    assert_int_equal (coord_query_text (study, f), -1);
    assert_non_null (strstr (util_last_error (), "not a query report"));
    json_decref (study);
    //  coord_render writes every format of a query report, and names an
    //  unknown one.
    json_t *report = s_report ("count(by=sex)");
    const char *formats [] = { "json", "csv", "html", "text" };
    for (int i = 0; i < 4; i++)
        if (coord_render (report, formats [i], f))
            fail_msg ("%s: %s", formats [i], util_last_error ());
    assert_int_equal (coord_render (report, "pdf", f), -1);
    assert_non_null (strstr (util_last_error (), "unknown format 'pdf' (json, csv, html or text)"));
    json_decref (report);
    fclose (f);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_tables),
        cmocka_unit_test (test_refusals),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
