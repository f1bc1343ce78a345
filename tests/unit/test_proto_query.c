/*  Unit tests for proto/query.c: every query kind parses into the tree it
    should; every error the parser and the dictionary check report has a
    case; terms, cut(), histogram bins and where= evaluate as R does; an
    out-of-memory walk over parse and check. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/query.h"
#include "util/error.h"
#include "alloc_walk.h"
#include "support_error.h"

//  Pima's columns, and a few more kinds for the checks.
static const char s_dict_text [] =
    "name,type,min,max,levels,unit,description\n"
    "pregnant,integer,0,20,,,number of pregnancies\n"
    "glucose,numeric,0,300,,mg/dl,plasma glucose\n"
    "mass,numeric,10,80,,kg/m2,body mass index\n"
    "age,integer,18,100,,years,age\n"
    "diabetes,binary,0,1,,,diabetes within five years\n"
    "sex,binary,0,1,male|female,,sex\n"
    "stage,categorical,,,I|II|III|IV,,tumour stage\n"
    "inst,categorical,,,1|2|3|10,,institution\n"
    "delta,numeric,-5,3,,,a signed change\n"
    "time,time,0,1100,,days,survival time\n"
    "status,event,0,1,,,1 = death\n"
    "before,numeric,-30,0,,days,days before entry\n";

//  Dictionary indexes of the columns above.
enum { PREGNANT, GLUCOSE, MASS, AGE, DIABETES, SEX, STAGE, INST, DELTA, TIME, STATUS, BEFORE,
       NVARS };

static model_dict_t *s_dict;

static int
s_setup (void **state)
{
    (void) state;
    s_dict = model_dict_parse ("dict.csv", s_dict_text, sizeof s_dict_text - 1);
    return s_dict? 0: -1;
}

static int
s_teardown (void **state)
{
    (void) state;
    model_dict_destroy (&s_dict);
    return 0;
}

static proto_query_t *
s_checked (const char *text)
{
    proto_query_t *q = proto_query_parse (text);
    if (!q)
        fail_msg ("%s: %s", text, util_last_error ());
    if (proto_query_check (q, s_dict, 0))
        fail_msg ("%s: %s", text, util_last_error ());
    return q;
}

static void
s_record (double *r)
{
    for (size_t i = 0; i < NVARS; i++)
        r [i] = 0;
    r [PREGNANT] = 2, r [GLUCOSE] = 148, r [MASS] = 33.6, r [AGE] = 50, r [DIABETES] = 1;
    r [SEX] = 1, r [STAGE] = 2, r [INST] = 3, r [DELTA] = -2, r [TIME] = 300, r [STATUS] = 1;
}

//  --------------------------------------------------------------------------
//  Parsing

static void
test_kinds (void **state)
{
    (void) state;
    proto_query_t *q = proto_query_parse ("count()");
    assert_non_null (q);
    assert_int_equal (q->kind, PROTO_Q_COUNT);
    assert_int_equal (q->n_terms, 0);
    assert_null (q->by);
    assert_null (q->where);
    proto_query_destroy (&q);
    assert_null (q);
    proto_query_destroy (&q);           //  NULL-safe

    q = proto_query_parse ("  summary ( glucose , mass , by = diabetes ) ");
    assert_non_null (q);
    assert_int_equal (q->kind, PROTO_Q_SUMMARY);
    assert_int_equal (q->n_terms, 2);
    assert_string_equal (q->terms [1]->column, "mass");
    assert_string_equal (q->by->column, "diabetes");
    proto_query_destroy (&q);

    q = proto_query_parse ("quantiles(glucose, 0.1, .5, 0.9)");
    assert_non_null (q);
    assert_int_equal (q->n_probs, 3);
    assert_true (q->probs [0] == 0.1 && q->probs [1] == 0.5 && q->probs [2] == 0.9);
    proto_query_destroy (&q);

    q = proto_query_parse ("quantiles(glucose)");
    assert_non_null (q);
    assert_int_equal (q->n_probs, 3);
    assert_true (q->probs [0] == 0.25 && q->probs [1] == 0.5 && q->probs [2] == 0.75);
    proto_query_destroy (&q);

    q = proto_query_parse ("histogram(glucose, breaks=40:200:10)");
    assert_non_null (q);
    assert_int_equal (q->n_breaks, 17);
    assert_true (q->breaks [0] == 40 && q->breaks [16] == 200 && q->breaks [3] == 70);
    proto_query_destroy (&q);

    q = proto_query_parse ("histogram(glucose, breaks=c(0, 100, 140, 300))");
    assert_non_null (q);
    assert_int_equal (q->n_breaks, 4);
    proto_query_destroy (&q);

    q = proto_query_parse ("crosstab(diabetes, cut(age, c(-Inf, 30, 40, 50, Inf), right=FALSE))");
    assert_non_null (q);
    assert_int_equal (q->kind, PROTO_Q_CROSSTAB);
    assert_int_equal (q->terms [1]->kind, PROTO_TERM_CUT);
    assert_false (q->terms [1]->right);
    assert_true (isinf (q->terms [1]->breaks [0]) && q->terms [1]->breaks [0] < 0);
    assert_true (isinf (q->terms [1]->breaks [4]) && q->terms [1]->breaks [4] > 0);
    proto_query_destroy (&q);

    q = proto_query_parse ("correlation(glucose, log(mass), age^2, (delta)^3)");
    assert_non_null (q);
    assert_int_equal (q->n_terms, 4);
    assert_int_equal (q->terms [1]->kind, PROTO_TERM_LOG);
    assert_int_equal (q->terms [2]->kind, PROTO_TERM_POW);
    assert_int_equal (q->terms [2]->power, 2);
    assert_int_equal (q->terms [3]->power, 3);
    proto_query_destroy (&q);

    q = proto_query_parse ("mean(glucose, where = age >= 50 & !(sex == 'male') | "
                           "stage %in% c(\"III\", \"IV\"))");
    assert_non_null (q);
    assert_int_equal (q->kind, PROTO_Q_MEAN);
    //  | binds looser than &: OR(AND(age >= 50, NOT(sex == male)), IN)
    assert_int_equal (q->where->kind, PROTO_COND_OR);
    assert_int_equal (q->where->left->kind, PROTO_COND_AND);
    assert_int_equal (q->where->left->right->kind, PROTO_COND_NOT);
    assert_int_equal (q->where->right->kind, PROTO_COND_IN);
    assert_int_equal (q->where->right->n_values, 2);
    proto_query_destroy (&q);

    q = proto_query_parse ("km(Surv(time, status) ~ sex, grid=0:1020:30, where=age > 40)");
    assert_non_null (q);
    assert_int_equal (q->kind, PROTO_Q_KM);
    assert_int_equal (q->n_terms, 2);
    assert_string_equal (q->terms [0]->column, "time");
    assert_string_equal (q->terms [1]->column, "status");
    assert_string_equal (q->by->column, "sex");
    assert_int_equal (q->n_breaks, 35);
    assert_non_null (q->where);
    proto_query_destroy (&q);
    q = proto_query_parse ("km(Surv(time, status) ~ 1, grid=c(0, 30, 365))");
    assert_non_null (q);
    assert_null (q->by);
    assert_int_equal (q->n_breaks, 3);
    proto_query_destroy (&q);

    q = proto_query_parse ("glm(glucose ~ age + factor(pregnant) + log(mass) + stage, "
                           "family=gaussian)");
    assert_non_null (q);
    assert_int_equal (q->kind, PROTO_Q_GLM);
    assert_int_equal (q->n_terms, 5);
    assert_true (q->terms [2]->factor);
    assert_int_equal (q->family, PROTO_FAMILY_GAUSSIAN);
    assert_int_equal (proto_query_check (q, s_dict, 0), 0);
    assert_true (q->terms [2]->categorical && q->terms [4]->categorical);
    assert_false (q->terms [1]->categorical || q->terms [3]->categorical);
    char *label = proto_term_label (q->terms [2]);
    assert_string_equal (label, "factor(pregnant)");
    free (label);
    proto_query_destroy (&q);
    q = proto_query_parse ("glm(glucose ~ 1)");
    assert_non_null (q);
    assert_int_equal (q->n_terms, 1);
    proto_query_destroy (&q);

    q = proto_query_parse ("var(glucose, where=(log(mass))^2 > 10 && age < 40)");
    assert_non_null (q);
    assert_int_equal (q->kind, PROTO_Q_VAR);
    assert_int_equal (q->where->kind, PROTO_COND_AND);
    assert_int_equal (q->where->left->term->kind, PROTO_TERM_POW);
    proto_query_destroy (&q);
}

static void
test_kind_names (void **state)
{
    (void) state;
    assert_string_equal (proto_query_kind_name (PROTO_Q_COUNT), "count");
    assert_string_equal (proto_query_kind_name (PROTO_Q_CORRELATION), "correlation");
    assert_string_equal (proto_query_kind_name ((proto_query_kind_t) 99), "?");
}

static void
test_parse_errors (void **state)
{
    (void) state;
    static const struct { const char *text, *needle; } cases [] = {
        { "", "starts with a function" },
        { "42", "starts with a function" },
        { "median(glucose)", "unknown function 'median'" },
        { "count", "expected '(' after the function's name" },
        { "count(", "expected a column" },
        { "count() x", "unexpected a name after the query's closing ')'" },
        { "count(glucose)", "count() takes 0 columns, not 1" },
        { "histogram(glucose, mass)", "histogram() takes 1 column, not 2" },
        { "summary()", "summary() takes 1 to 16 columns, not 0" },
        { "correlation(glucose)", "correlation() takes 2 to 16 columns, not 1" },
        { "crosstab(a, b, c)", "crosstab() takes 1 to 2 columns, not 3" },
        { "summary(a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a)", "at most 16 columns" },
        { "mean(glucose, 0.5)", "mean() takes no numbers" },
        { "quantiles(glucose, 1.5)", "a probability must be in (0, 1)" },
        { "quantiles(glucose, 0)", "a probability must be in (0, 1)" },
        { "quantiles(glucose, -0.5)", "a probability must be in (0, 1)" },
        { "mean(glucose breaks)", "expected ',' or ')' after an argument, found a name" },
        { "mean(glucose, colour=red)", "unknown argument 'colour='" },
        { "mean(glucose, by=age, by=sex)", "by= given twice" },
        { "mean(glucose, where=age>1, where=age<9)", "where= given twice" },
        { "histogram(glucose, breaks=0:1:1, breaks=0:1:1)", "breaks= given twice" },
        { "mean(glucose, breaks=0:10:1)", "breaks= is for histogram()" },
        { "histogram(glucose, breaks=10:0:1)", "need lo < hi and step > 0" },
        { "histogram(glucose, breaks=0:10:0)", "need lo < hi and step > 0" },
        { "histogram(glucose, breaks=0:10:3)", "not a whole number of steps" },
        { "histogram(glucose, breaks=0:5000:1)", "more than 4096 bins" },
        { "histogram(glucose, breaks=c(3))", "at least two values" },
        { "histogram(glucose, breaks=c(1, 3, 2))", "strictly ascending" },
        { "histogram(glucose, breaks=c(1, 1))", "strictly ascending" },
        { "histogram(glucose, breaks=c(1, x))", "expected a number, found a name" },
        { "histogram(glucose, breaks=0:10)", "expected ':' in lo:hi:step" },
        { "mean(sqrt(glucose))", "unknown function 'sqrt' in a term" },
        { "mean(glucose^1)", "'^' takes a whole power from 2 to 4" },
        { "mean(glucose^5)", "'^' takes a whole power from 2 to 4" },
        { "mean(glucose^2.5)", "'^' takes a whole power from 2 to 4" },
        { "mean(glucose^2^2)", "write x^a^b as one power" },
        { "mean(log(glucose)", "expected ',' or ')' after an argument, found the end" },
        { "mean(log(glucose, 2))", "expected ')' after log's argument" },
        { "crosstab(cut(age))", "expected ',' before cut's breaks" },
        { "crosstab(cut(age, c(0, 50), left=TRUE))", "cut takes only right=" },
        { "crosstab(cut(age, c(0, 50), right=maybe))", "right= takes TRUE or FALSE" },
        { "mean(glucose, where=age = 50)", "'=' in a condition: compare with '=='" },
        { "mean(glucose, where=age)", "expected ==, !=, <, <=, >, >= or %in%" },
        { "mean(glucose, where=age > mass)", "expected a number or a quoted level" },
        { "mean(glucose, where=stage %in% \"I\")", "%in% takes c(...)" },
        { "mean(glucose, where=age %in% c(1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17))",
          "%in% takes at most 16 values" },
        { "mean(glucose, where=(age > 3)", "expected ',' or ')' after an argument, found the end" },
        { "mean(glucose, where=(age > 3 x)", "expected ')' after the condition, found a name" },
        { "mean(glucose, where=(age >) > 3)", "expected a number or a quoted level" },
        { "mean(0x10)", "a malformed number" },
        { "quantiles(glucose, 0.5e)", "a malformed number" },
        { "quantiles(glucose, 1e999)", "a number out of range" },
        { "mean(glucose, where=stage == \"I)", "a string with no closing quote" },
        { "mean(glucose, where=stage == \"a\\\"b\")", "no escapes" },
        { "mean(glucose, where=stage == \"12345678901234567890123456789012345678901234567890"
          "123456789012345\")", "a string longer than 64 characters" },
        { "mean(glucose @ 1)", "unexpected '@'" },
        { "mean(glucose \x01)", "unexpected byte 0x01" },
        { "quantiles(glucose, 0.5, x=", "unknown argument 'x='" },
        { "km(time)", "km() takes a formula" },
        { "glm(glucose)", "expected '~' after glm's outcome" },
        { "glm()", "glm() takes a formula" },
        { "glm(glucose ~ age, family=weibull)", "family= takes gaussian, binomial or poisson" },
        { "mean(glucose, family=gaussian)", "family= is for glm()" },
        { "glm(glucose ~ age, by=sex)", "by= is not available for glm()" },
        { "glm(diabetes ~ age, family=binomial, by=sex)", "by= is not available for glm()" },
        { "glm(y ~ a + offset(t) + offset(u), family=poisson)", "at most one offset() in a formula" },
        { "glm(y ~ a + offset(log(t), family=poisson)", "expected ')' after offset's term" },
        { "glm(y ~ a, iterations=0)", "iterations= takes a whole number from 1 to 25" },
        { "glm(y ~ a, iterations=26)", "iterations= takes a whole number from 1 to 25" },
        { "glm(y ~ a, iterations=2.5)", "iterations= takes a whole number from 1 to 25" },
        { "glm(y ~ a, iterations=-3)", "iterations= takes a whole number from 1 to 25" },
        { "glm(y ~ a, iterations=x)", "iterations= takes a whole number from 1 to 25" },
        { "glm(y ~ a, iterations=5, iterations=6)", "iterations= given twice" },
        { "mean(glucose, iterations=5)", "iterations= is for glm() and coxph()" },
        { "km(Surv(time, status) ~ 1, grid=0:10:1, iterations=5)", "iterations= is for glm()" },
        { "mean(glucose, weights=age)", "weights= is for glm()" },
        { "coxph(Surv(time, status) ~ age, grid=30, weights=age)", "weights= is for glm()" },
        { "glm(y ~ a, family=poisson, weights=log(w))", "weights= takes a column" },
        { "glm(y ~ a, family=poisson, weights=factor(w))", "weights= takes a column" },
        { "glm(y ~ a, family=poisson, weights=w, weights=v)", "weights= given twice" },
        { "coxph(Surv(time, status) ~ age)", "coxph() needs its public time grid" },
        { "coxph(Surv(time, status) ~ 1, grid=30)", "coxph() needs at least one covariate" },
        { "coxph(Surv(time, status) ~ age, grid=30, by=sex)", "by= is not available for coxph()" },
        { "coxph(by=sex, Surv(time, status) ~ age, grid=30)", "by= is not available for coxph()" },
        { "coxph(time ~ age, grid=30)", "coxph() takes a formula: coxph(Surv(time, status)" },
        { "coxph(grid=30)", "coxph() takes a formula" },
        { "coxph(Surv(time, status) ~ age, Surv(time, status) ~ sex, grid=30)",
          "coxph() takes one formula" },
        { "coxph(Surv(time, status) ~ age + offset(log(time)), grid=30)",
          "offset() is for glm(family=binomial|poisson)" },
        { "coxph(Surv(time, status) ~ age, grid=0)", "grid=W needs a width W > 0" },
        { "coxph(Surv(time, status) ~ age, grid=-30)", "grid=W needs a width W > 0" },
        { "coxph(Surv(time, status) ~ age, grid=30:60)", "expected ':' in lo:hi:step" },
        { "coxph(Surv(time, status) ~ age, grid=30, grid=60)", "grid= given twice" },
        { "coxph(Surv(time, status) ~ age, breaks=0:10:1)", "coxph() takes grid=, not breaks=" },
        { "coxph(Surv(time, status) ~ age, grid=30, family=binomial)", "family= is for glm()" },
        { "coxph(Surv(time, status) ~ a + b + c + d + e + f + g + h + i + j + k + l + m + n + o, "
          "grid=30)", "at most 14 terms in a formula" },
        { "glm(glucose ~ factor(log(mass)))", "factor() takes a column" },
        { "glm(glucose ~ age, glucose ~ mass)", "glm() takes one formula" },
        { "km(Surv(time, status) ~ 1)", "km() needs its public time grid" },
        { "km(Surv(time status) ~ 1, grid=0:10:1)", "expected ',' between Surv's time and status" },
        { "km(Surv(time, status) sex, grid=0:10:1)", "expected '~' after Surv(time, status)" },
        { "km(Surv(time, status) ~ sex, Surv(time, status) ~ 1, grid=0:10:1)",
          "km() takes one formula" },
        { "km(Surv(time, status) ~ sex, by=age, grid=0:10:1)", "by= given twice" },
        { "km(by=age, Surv(time, status) ~ sex, grid=0:10:1)", "a group both after '~' and in by=" },
        { "km(Surv(time, status) ~ 1, breaks=0:10:1)", "km() takes grid=, not breaks=" },
        { "histogram(glucose, grid=0:10:1)", "grid= is for km()" },
        { "km(Surv(time, status) ~ 1, grid=0:10:1, grid=0:5:1)", "grid= given twice" },
        { "summary(Surv(time, status))", "unknown function 'Surv'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        util_error_clear ();
        proto_query_t *q = proto_query_parse (cases [i].text);
        support_expect_refused (q == NULL, cases [i].text, cases [i].needle);
        assert_int_equal (util_last_code (), UTIL_EINPUT);
        assert_true (strncmp (util_last_error (), "query:", 6) == 0);
        proto_query_destroy (&q);
    }
}

static void
test_parse_limits (void **state)
{
    (void) state;
    //  NULL and over-long text.
    support_expect_refused (proto_query_parse (NULL) == NULL, "NULL", "query: no text");
    char *text = malloc (PROTO_QUERY_TEXT_MAX + 2);
    assert_non_null (text);
    memset (text, ' ', PROTO_QUERY_TEXT_MAX + 1);
    text [PROTO_QUERY_TEXT_MAX + 1] = 0;
    support_expect_refused (proto_query_parse (text) == NULL, "long", "longer than 4096");
    free (text);

    //  A name over the limit.
    char name [MODEL_DICT_NAME_LEN + 16];
    memset (name, 'a', sizeof name);
    name [sizeof name - 1] = 0;
    char query [sizeof name + 16];
    snprintf (query, sizeof query, "mean(%s)", name);
    support_expect_refused (proto_query_parse (query) == NULL, "name", "longer than 128");

    //  Nesting: terms and conditions past PROTO_QUERY_DEPTH_MAX.
    char deep [512] = "mean(";
    for (int i = 0; i < 40; i++)
        strcat (deep, "(");
    strcat (deep, "glucose");
    for (int i = 0; i < 40; i++)
        strcat (deep, ")");
    strcat (deep, ")");
    support_expect_refused (proto_query_parse (deep) == NULL, "deep term", "nested more than 32");
    char not [512] = "count(where=";
    for (int i = 0; i < 40; i++)
        strcat (not, "!");
    strcat (not, "age > 3)");
    support_expect_refused (proto_query_parse (not) == NULL, "deep not", "nested more than 32");
    char ands [1024] = "count(where=age > 1";
    for (int i = 0; i < 40; i++)
        strcat (ands, " & age > 1");
    strcat (ands, ")");
    support_expect_refused (proto_query_parse (ands) == NULL, "long and", "nested more than 32");

    //  At the limits: 16 columns, 99 probabilities, 4096 bins.
    proto_query_t *q = proto_query_parse ("summary(a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a)");
    assert_non_null (q);
    proto_query_destroy (&q);
    char probs [1024] = "quantiles(glucose";
    for (int i = 1; i <= 99; i++)
        snprintf (probs + strlen (probs), sizeof probs - strlen (probs), ", %g", i / 100.0);
    strcat (probs, ")");
    assert_non_null (q = proto_query_parse (probs));
    assert_int_equal (q->n_probs, 99);
    proto_query_destroy (&q);
    probs [strlen (probs) - 1] = 0;
    strcat (probs, ", 0.995)");
    support_expect_refused (proto_query_parse (probs) == NULL, "probs", "at most 99");
    assert_non_null (q = proto_query_parse ("histogram(glucose, breaks=0:4096:1)"));
    assert_int_equal (q->n_breaks, 4097);
    proto_query_destroy (&q);
}

//  --------------------------------------------------------------------------
//  Checking

static void
test_check (void **state)
{
    (void) state;
    proto_query_t *q = s_checked ("summary(glucose, log(mass), delta^2, by=diabetes, "
                                  "where=stage %in% c('III', 'IV') & inst == 10)");
    assert_false (q->terms [0]->categorical);
    assert_true (q->terms [0]->lo == 0 && q->terms [0]->hi == 300);
    assert_true (fabs (q->terms [1]->lo - log (10)) < 1e-15);
    assert_true (fabs (q->terms [1]->hi - log (80)) < 1e-15);
    //  delta in [-5, 3]: delta^2 in [0, 25].
    assert_true (q->terms [2]->lo == 0 && q->terms [2]->hi == 25);
    assert_true (q->by->categorical);
    assert_int_equal (q->by->n_levels, 2);
    assert_string_equal (q->by->levels [1], "1");
    //  Levels resolved to their indexes; inst == 10 names the level "10".
    assert_true (q->where->left->numbers [0] == 2 && q->where->left->numbers [1] == 3);
    assert_true (q->where->right->numbers [0] == 3);
    //  Variables read: glucose, mass, diabetes, stage, inst, delta.
    size_t want [] = { GLUCOSE, MASS, DIABETES, STAGE, INST, DELTA };
    assert_int_equal (q->n_used, 6);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal (q->used [i], want [i]);
    proto_query_destroy (&q);

    //  Odd powers keep the sign; an integer and a named binary as categories.
    q = s_checked ("crosstab(pregnant, sex, where=delta^3 < 0)");
    assert_int_equal (q->terms [0]->n_levels, 21);
    assert_string_equal (q->terms [0]->levels [20], "20");
    assert_string_equal (q->terms [1]->levels [0], "male");
    assert_true (q->where->term->lo == -125 && q->where->term->hi == 27);
    proto_query_destroy (&q);

    //  cut() labels as R writes them.
    q = s_checked ("crosstab(cut(age, c(-Inf, 30, 40, Inf), right=FALSE), cut(mass, c(10, 25, 30.5, 80)))");
    assert_int_equal (q->terms [0]->n_levels, 3);
    assert_string_equal (q->terms [0]->levels [0], "[-Inf,30)");
    assert_string_equal (q->terms [0]->levels [2], "[40,Inf)");
    assert_string_equal (q->terms [1]->levels [1], "(25,30.5]");
    proto_query_destroy (&q);

    //  A histogram without breaks: 20 bins over the public range.
    q = s_checked ("histogram(glucose)");
    assert_int_equal (q->n_breaks, PROTO_QUERY_HIST_DEFAULT + 1);
    assert_true (q->breaks [0] == 0 && q->breaks [20] == 300 && q->breaks [1] == 15);
    proto_query_destroy (&q);
}

static void
test_check_errors (void **state)
{
    (void) state;
    static const struct { const char *text, *needle; size_t max_levels; } cases [] = {
        { "mean(cholesterol)", "unknown column 'cholesterol' (not in the data dictionary)", 0 },
        { "count(where=bogus > 1)", "unknown column 'bogus'", 0 },
        { "count(by=nothing)", "unknown column 'nothing'", 0 },
        { "mean(stage)", "stage is categorical: it has no numeric value", 0 },
        { "correlation(glucose, inst)", "inst is categorical", 0 },
        { "histogram(stage)", "stage is categorical", 0 },
        { "quantiles(cut(age, c(0, 50, 100)))", "cut(age, c(0, 50, 100)) is categorical", 0 },
        { "crosstab(glucose)", "glucose is numeric: group it with cut()", 0 },
        { "count(by=time)", "time is time: group it with cut()", 0 },
        { "crosstab(log(mass))", "log(mass) is numeric: group it with cut()", 0 },
        { "count(by=age)", "age has 83 possible values, more than the 40 levels allowed", 0 },
        { "crosstab(pregnant)", "pregnant has 21 possible values, more than the 10", 10 },
        { "crosstab(stage)", "stage has 4 levels, more than the 3 allowed", 3 },
        { "crosstab(cut(age, c(18, 30, 40, 50, 100)))", "makes more levels than", 3 },
        { "mean(log(glucose))", "log(glucose): the public minimum of glucose is 0", 0 },
        { "mean(log(delta^2))", "log(delta^2): the public minimum of delta^2 is 0", 0 },
        { "count(where=stage == 'V')", "'V' is not a level of stage", 0 },
        { "count(where=inst == 4)", "'4' is not a level of inst", 0 },
        { "count(where=sex %in% c('male', 'other'))", "'other' is not a level of sex", 0 },
        { "count(where=stage > 'II')", "stage is categorical: compare it with == or !=", 0 },
        { "count(where=cut(age, c(0, 50, 100)) == 3)", "'3' is not a level of cut(age", 0 },
        { "km(Surv(time, age) ~ 1, grid=0:100:10)", "the status in Surv(time, status) must be", 0 },
        { "glm(glucose ~ age, family=binomial)", "glm(family=binomial) needs an outcome within "
          "[0, 1]; glucose ranges over [0, 300]", 0 },
        { "glm(delta ~ age, family=poisson)", "glm(family=poisson) needs an outcome of at least "
          "0; delta ranges over [-5, 3]", 0 },
        { "coxph(Surv(before, status) ~ age, grid=30)", "the public maximum of before is not "
          "above 0", 0 },
        { "glm(factor(pregnant) ~ age)", "the outcome is a number, not a factor()", 0 },
        { "glm(stage ~ age)", "stage is categorical", 0 },
        { "km(Surv(stage, status) ~ 1, grid=0:100:10)", "stage is categorical", 0 },
        { "km(Surv(time, status) ~ glucose, grid=0:100:10)", "glucose is numeric", 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        proto_query_t *q = proto_query_parse (cases [i].text);
        if (!q)
            fail_msg ("%s: %s", cases [i].text, util_last_error ());
        util_error_clear ();
        int rc = proto_query_check (q, s_dict, cases [i].max_levels);
        support_expect_refused (rc == -1, cases [i].text, cases [i].needle);
        assert_int_equal (util_last_code (), UTIL_EINPUT);
        proto_query_destroy (&q);
    }
}

static void
test_labels (void **state)
{
    (void) state;
    proto_query_t *q = proto_query_parse (
        "summary(glucose, log(mass), mass^2, (log(mass))^3, cut(age, c(-Inf, 30.5, Inf), right=FALSE))");
    assert_non_null (q);
    const char *want [] = { "glucose", "log(mass)", "mass^2", "(log(mass))^3",
                            "cut(age, c(-Inf, 30.5, Inf), right=FALSE)" };
    for (size_t i = 0; i < 5; i++) {
        char *label = proto_term_label (q->terms [i]);
        assert_non_null (label);
        assert_string_equal (label, want [i]);
        free (label);
    }
    proto_query_destroy (&q);
}

//  --------------------------------------------------------------------------
//  Evaluation

static void
test_eval_terms (void **state)
{
    (void) state;
    double r [NVARS];
    s_record (r);
    proto_query_t *q = s_checked ("summary(glucose, log(mass), delta^2, delta^3, (mass)^2)");
    assert_true (proto_term_eval (q->terms [0], r) == 148);
    assert_true (fabs (proto_term_eval (q->terms [1], r) - log (33.6)) < 1e-15);
    assert_true (proto_term_eval (q->terms [2], r) == 4);
    assert_true (proto_term_eval (q->terms [3], r) == -8);
    assert_true (fabs (proto_term_eval (q->terms [4], r) - 33.6 * 33.6) < 1e-12);
    assert_true (proto_query_complete (q, r));
    r [MASS] = NAN;
    assert_true (isnan (proto_term_eval (q->terms [1], r)));
    assert_false (proto_query_complete (q, r));
    proto_query_destroy (&q);

    //  Categories: an integer's index is value - min; a categorical column
    //  holds its level index; binary 0/1.
    s_record (r);
    assert_non_null (q = proto_query_parse ("crosstab(age, stage, by=sex)"));
    assert_int_equal (proto_query_check (q, s_dict, 100), 0);
    assert_true (proto_term_eval (q->terms [0], r) == 50 - 18);
    assert_true (proto_term_eval (q->terms [1], r) == 2);
    assert_true (proto_term_eval (q->by, r) == 1);
    proto_query_destroy (&q);
}

static void
test_eval_cut (void **state)
{
    (void) state;
    double r [NVARS];
    s_record (r);
    //  right=TRUE (R's default): (18,30] (30,40] (40,100]; 18 itself is NA.
    proto_query_t *q = s_checked ("crosstab(cut(age, c(18, 30, 40, 100)))");
    const double ages [] = { 18, 19, 30, 30.5, 40, 41, 100 };
    const double bins [] = { NAN, 0, 0, 1, 1, 2, 2 };
    for (size_t i = 0; i < 7; i++) {
        r [AGE] = ages [i];
        double b = proto_term_eval (q->terms [0], r);
        if (isnan (bins [i])) {
            assert_true (isnan (b));
            assert_false (proto_query_complete (q, r));
        }
        else {
            assert_true (b == bins [i]);
            assert_true (proto_query_complete (q, r));
        }
    }
    proto_query_destroy (&q);

    //  right=FALSE: [18,30) [30,40) [40,100); 100 itself is NA.
    q = s_checked ("crosstab(cut(age, c(18, 30, 40, 100), right=FALSE))");
    const double bins_left [] = { 0, 0, 1, 1, 2, 2, NAN };
    for (size_t i = 0; i < 7; i++) {
        r [AGE] = ages [i];
        double b = proto_term_eval (q->terms [0], r);
        assert_true (isnan (bins_left [i])? isnan (b): b == bins_left [i]);
    }
    proto_query_destroy (&q);
}

static void
test_eval_histogram (void **state)
{
    (void) state;
    double r [NVARS];
    s_record (r);
    //  R's hist(): (a, b], the first bin closed.
    proto_query_t *q = s_checked ("histogram(glucose, breaks=c(40, 100, 140, 200))");
    const double xs [] = { 39.9, 40, 100, 100.5, 140, 200, 200.1 };
    const long bins [] = { -1, 0, 0, 1, 1, 2, -1 };
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal (proto_query_hist_bin (q, xs [i]), bins [i]);
        r [GLUCOSE] = xs [i];
        assert_true (proto_query_complete (q, r) == (bins [i] >= 0));
    }
    assert_int_equal (proto_query_hist_bin (q, NAN), -1);
    proto_query_destroy (&q);
}

static void
test_eval_where (void **state)
{
    (void) state;
    double r [NVARS];
    s_record (r);
    proto_query_t *q = s_checked ("count(where=age >= 50 & !(sex == 'male') | stage %in% c('I'))");
    assert_true (proto_cond_eval (q->where, r));       //  50 >= 50, female
    r [AGE] = 49;
    assert_false (proto_cond_eval (q->where, r));
    r [STAGE] = 0;                                      //  stage I
    assert_true (proto_cond_eval (q->where, r));
    proto_query_destroy (&q);

    const struct { const char *text; bool want; } cases [] = {
        { "count(where=glucose == 148)", true },
        { "count(where=glucose != 148)", false },
        { "count(where=glucose < 148)", false },
        { "count(where=glucose <= 148)", true },
        { "count(where=glucose > 147.5)", true },
        { "count(where=glucose >= 148.5)", false },
        { "count(where=delta < -1)", true },
        { "count(where=inst == 10)", true },
        { "count(where=inst != '10')", false },
        { "count(where=(glucose > 1))", true },
        { "count(where=!glucose > 1)", false },
        { "count(where=cut(age, c(0, 40, 100)) == '(40,100]')", true },
        { "count(where=diabetes %in% c(0))", false },
    };
    s_record (r);
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        q = s_checked (cases [i].text);
        if (proto_cond_eval (q->where, r) != cases [i].want)
            fail_msg ("%s: expected %s", cases [i].text, cases [i].want? "true": "false");
        proto_query_destroy (&q);
    }
    //  No where=: every record passes.
    assert_true (proto_cond_eval (NULL, r));
}

//  Missing values: only what the query reads counts (R's na.omit).
static void
test_complete (void **state)
{
    (void) state;
    double r [NVARS];
    s_record (r);
    proto_query_t *q = s_checked ("mean(glucose, by=sex, where=age > 20)");
    r [MASS] = NAN;                     //  not read: still complete
    assert_true (proto_query_complete (q, r));
    r [SEX] = NAN;                      //  by= is read
    assert_false (proto_query_complete (q, r));
    s_record (r);
    r [AGE] = NAN;                      //  where= is read
    assert_false (proto_query_complete (q, r));
    proto_query_destroy (&q);
}

//  --------------------------------------------------------------------------
//  glm(family=binomial|poisson), offset(), weights=, iterations=, coxph(),
//  on the dictionaries of datasets/

static model_dict_t *
s_dataset_dict (const char *name)
{
    char path [512];
    snprintf (path, sizeof path, "%s/datasets/%s_dictionary.csv", COHORT_SOURCE_DIR, name);
    model_dict_t *dict = model_dict_load (path);
    if (!dict)
        fail_msg ("%s: %s", path, util_last_error ());
    return dict;
}

static proto_query_t *
s_checked_with (const model_dict_t *dict, const char *text)
{
    proto_query_t *q = proto_query_parse (text);
    if (!q)
        fail_msg ("%s: %s", text, util_last_error ());
    if (proto_query_check (q, dict, 0))
        fail_msg ("%s: %s", text, util_last_error ());
    return q;
}

static void
s_assert_label (const proto_term_t *term, const char *want)
{
    char *label = proto_term_label (term);
    assert_non_null (label);
    assert_string_equal (label, want);
    free (label);
}

static size_t
s_var (const model_dict_t *dict, const char *name)
{
    for (size_t i = 0; i < model_dict_size (dict); i++)
        if (!strcmp (model_dict_var (dict, i)->name, name))
            return i;
    fail_msg ("no column %s", name);
    return 0;
}

static bool
s_uses (const proto_query_t *q, size_t var)
{
    for (size_t i = 0; i < q->n_used; i++)
        if (q->used [i] == var)
            return true;
    return false;
}

static void
test_models_parse (void **state)
{
    (void) state;
    assert_string_equal (proto_query_kind_name (PROTO_Q_GLM), "glm");
    assert_string_equal (proto_query_kind_name (PROTO_Q_COX), "coxph");

    proto_query_t *q = proto_query_parse ("glm(y ~ trt + offset(log(weeks)) + lbase, "
                                          "family=poisson, weights=base, iterations=25)");
    assert_non_null (q);
    assert_int_equal (q->kind, PROTO_Q_GLM);
    assert_int_equal (q->family, PROTO_FAMILY_POISSON);
    //  The offset is not a term: y, trt, lbase.
    assert_int_equal (q->n_terms, 3);
    assert_string_equal (q->terms [2]->column, "lbase");
    assert_non_null (q->offset);
    assert_int_equal (q->offset->kind, PROTO_TERM_LOG);
    s_assert_label (q->offset, "log(weeks)");
    assert_string_equal (q->weights->column, "base");
    assert_int_equal (q->iterations, 25);
    proto_query_destroy (&q);

    //  An explicit intercept; the offset alone; no iterations=: 0.
    q = proto_query_parse ("glm(y ~ 1 + offset(weeks^2), family=binomial)");
    assert_non_null (q);
    assert_int_equal (q->n_terms, 1);
    assert_int_equal (q->family, PROTO_FAMILY_BINOMIAL);
    s_assert_label (q->offset, "weeks^2");
    assert_null (q->weights);
    assert_int_equal (q->iterations, 0);
    proto_query_destroy (&q);
    //  A column named offset is a column.
    q = proto_query_parse ("glm(y ~ offset + a)");
    assert_non_null (q);
    assert_int_equal (q->n_terms, 3);
    assert_null (q->offset);
    proto_query_destroy (&q);

    q = proto_query_parse ("coxph(Surv(time, status) ~ age + sex + factor(ph_ecog), grid=30, "
                           "iterations=1, where=age > 40)");
    assert_non_null (q);
    assert_int_equal (q->kind, PROTO_Q_COX);
    assert_int_equal (q->n_terms, 5);
    assert_string_equal (q->terms [0]->column, "time");
    assert_string_equal (q->terms [1]->column, "status");
    assert_string_equal (q->terms [2]->column, "age");
    assert_true (q->terms [4]->factor);
    assert_null (q->by);
    assert_non_null (q->where);
    assert_int_equal (q->iterations, 1);
    //  grid=W: one break, the width, until the check knows the time's range.
    assert_int_equal (q->n_breaks, 1);
    assert_true (q->breaks [0] == 30);
    proto_query_destroy (&q);

    q = proto_query_parse ("coxph(Surv(time, status) ~ age, grid=0:1020:30)");
    assert_non_null (q);
    assert_int_equal (q->n_breaks, 35);
    assert_true (q->breaks [34] == 1020);
    proto_query_destroy (&q);
    q = proto_query_parse ("coxph(Surv(time, status) ~ 1 + age, grid=c(0, 365, 730))");
    assert_non_null (q);
    assert_int_equal (q->n_terms, 3);
    assert_int_equal (q->n_breaks, 3);
    proto_query_destroy (&q);
    q = proto_query_parse ("coxph(Surv(time, status) ~ age, grid=-10:20:10)");
    assert_non_null (q);
    assert_int_equal (q->n_breaks, 4);
    assert_true (q->breaks [0] == -10);
    proto_query_destroy (&q);
}

//  glm() with family=binomial and poisson on Pima, epilepsy and Rotterdam:
//  a binary or event outcome is a number 0/1; gaussian unchanged.
static void
test_glm_families (void **state)
{
    (void) state;
    model_dict_t *pima = s_dataset_dict ("pima_diabetes");
    proto_query_t *q = s_checked_with (pima, "glm(diabetes ~ pregnant + glucose + pressure + "
                                       "triceps + insulin + mass + pedigree + age, "
                                       "family=binomial)");
    assert_int_equal (q->family, PROTO_FAMILY_BINOMIAL);
    assert_int_equal (q->n_terms, 9);
    assert_false (q->terms [0]->categorical);
    assert_true (q->terms [0]->lo == 0 && q->terms [0]->hi == 1);
    assert_null (q->offset);
    assert_null (q->weights);
    double r [16] = { 0 };
    r [s_var (pima, "diabetes")] = 1;
    assert_true (proto_term_eval (q->terms [0], r) == 1);
    proto_query_destroy (&q);
    //  Gaussian as before: a binary outcome is a number too, predictors as
    //  before (factor() a category, a binary column a number).
    q = s_checked_with (pima, "glm(diabetes ~ glucose + factor(pregnant) + age)");
    assert_int_equal (q->family, PROTO_FAMILY_GAUSSIAN);
    assert_false (q->terms [0]->categorical);
    assert_true (q->terms [2]->categorical);
    assert_int_equal (q->terms [2]->n_levels, 21);
    assert_false (q->terms [3]->categorical);
    proto_query_destroy (&q);
    model_dict_destroy (&pima);

    model_dict_t *epil = s_dataset_dict ("epilepsy");
    q = s_checked_with (epil, "glm(y ~ trt + lbase + lage + V4 + offset(log(weeks)), "
                        "family=poisson, weights=base, iterations=25)");
    assert_int_equal (q->family, PROTO_FAMILY_POISSON);
    assert_int_equal (q->n_terms, 5);
    assert_false (q->terms [1]->categorical);           //  trt, binary: a number
    s_assert_label (q->offset, "log(weeks)");
    assert_false (q->offset->categorical);
    assert_true (q->offset->lo == 0 && fabs (q->offset->hi - log (4)) < 1e-15);
    assert_int_equal (q->weights->var_index, s_var (epil, "base"));
    assert_true (q->weights->lo == 0 && q->weights->hi == 300);
    assert_int_equal (q->iterations, 25);
    //  The offset's and the weights' columns are read.
    assert_true (s_uses (q, s_var (epil, "weeks")) && s_uses (q, s_var (epil, "base")));
    assert_false (s_uses (q, s_var (epil, "age")));
    double e [10];
    for (size_t i = 0; i < 10; i++)
        e [i] = 1;
    assert_int_equal (model_dict_size (epil), 10);
    e [s_var (epil, "weeks")] = 2;
    assert_true (proto_query_complete (q, e));
    assert_true (fabs (proto_term_eval (q->offset, e) - log (2)) < 1e-15);
    e [s_var (epil, "age")] = NAN;                      //  not read
    assert_true (proto_query_complete (q, e));
    e [s_var (epil, "weeks")] = NAN;                    //  the offset's
    assert_false (proto_query_complete (q, e));
    e [s_var (epil, "weeks")] = 2;
    e [s_var (epil, "base")] = NAN;                     //  the weights'
    assert_false (proto_query_complete (q, e));
    proto_query_destroy (&q);
    //  Poisson's outcome at least 0: the boundary, a minimum of exactly 0.
    q = s_checked_with (epil, "glm(base ~ trt + offset(weeks), family=poisson, weights=weeks)");
    assert_true (q->terms [0]->lo == 0);
    s_assert_label (q->offset, "weeks");
    proto_query_destroy (&q);
    model_dict_destroy (&epil);

    model_dict_t *rott = s_dataset_dict ("rotterdam");
    q = s_checked_with (rott, "glm(death ~ age + size + nodes, family=binomial)");
    assert_true (q->terms [0]->lo == 0 && q->terms [0]->hi == 1);
    assert_true (q->terms [2]->categorical);
    assert_int_equal (q->terms [2]->n_levels, 3);
    proto_query_destroy (&q);
    model_dict_destroy (&rott);
}

//  coxph(): the time, the status and the covariates coded as glm()'s;
//  grid=W over the time's public range.
static void
test_coxph_check (void **state)
{
    (void) state;
    model_dict_t *lung = s_dataset_dict ("lung");
    proto_query_t *q = s_checked_with (lung, "coxph(Surv(time, status) ~ age + sex + "
                                       "factor(ph_ecog) + inst + cut(age, c(0, 60, 100)), "
                                       "grid=30, iterations=10)");
    assert_int_equal (q->kind, PROTO_Q_COX);
    assert_int_equal (q->n_terms, 7);
    assert_false (q->terms [0]->categorical || q->terms [1]->categorical);
    assert_false (q->terms [2]->categorical);           //  age
    assert_false (q->terms [3]->categorical);           //  sex, binary: a number
    assert_true (q->terms [4]->categorical);            //  factor(ph_ecog): 0..4
    assert_int_equal (q->terms [4]->n_levels, 5);
    s_assert_label (q->terms [4], "factor(ph_ecog)");
    assert_true (q->terms [5]->categorical);            //  inst, a categorical column
    assert_int_equal (q->terms [5]->n_levels, 18);
    assert_true (q->terms [6]->categorical);            //  cut()
    assert_int_equal (q->iterations, 10);
    //  time's public range [0, 1100]: 0, 30, ..., 1110 (ceiling(1100/30) = 37).
    assert_int_equal (q->n_breaks, 38);
    assert_true (q->breaks [0] == 0 && q->breaks [1] == 30 && q->breaks [37] == 1110);
    assert_true (s_uses (q, s_var (lung, "ph_ecog")) && s_uses (q, s_var (lung, "status")));
    assert_false (s_uses (q, s_var (lung, "meal_cal")));
    proto_query_destroy (&q);

    //  A width that divides the maximum ends the grid at it; one as wide
    //  as the range gives one interval, a wider one too.
    q = s_checked_with (lung, "coxph(Surv(time, status) ~ age, grid=100)");
    assert_int_equal (q->n_breaks, 12);
    assert_true (q->breaks [11] == 1100);
    proto_query_destroy (&q);
    q = s_checked_with (lung, "coxph(Surv(time, status) ~ age, grid=1100)");
    assert_int_equal (q->n_breaks, 2);
    assert_true (q->breaks [0] == 0 && q->breaks [1] == 1100);
    proto_query_destroy (&q);
    q = s_checked_with (lung, "coxph(Surv(time, status) ~ age, grid=5000)");
    assert_int_equal (q->n_breaks, 2);
    assert_true (q->breaks [1] == 5000);
    proto_query_destroy (&q);
    //  The cap: 1100/4096 (exact in binary) gives 4096 intervals.
    q = s_checked_with (lung, "coxph(Surv(time, status) ~ age, grid=0.2685546875)");
    assert_int_equal (q->n_breaks, PROTO_QUERY_BREAKS_MAX);
    assert_true (q->breaks [PROTO_QUERY_BREAKS_MAX - 1] == 1100);
    proto_query_destroy (&q);
    //  lo:hi:step and c(...) are kept as written.
    q = s_checked_with (lung, "coxph(Surv(time, status) ~ age, grid=0:1020:30)");
    assert_int_equal (q->n_breaks, 35);
    assert_true (q->breaks [34] == 1020);
    proto_query_destroy (&q);
    q = s_checked_with (lung, "coxph(Surv(time, sex) ~ age, grid=c(0, 365, 730))");
    assert_int_equal (q->n_breaks, 3);
    proto_query_destroy (&q);
    model_dict_destroy (&lung);

    model_dict_t *rott = s_dataset_dict ("rotterdam");
    q = s_checked_with (rott, "coxph(Surv(dtime, death) ~ age + meno + size + grade + nodes + "
                        "pgr + er + hormon + chemo, grid=365)");
    assert_int_equal (q->n_terms, 11);
    assert_true (q->terms [4]->categorical);            //  size
    assert_false (q->terms [5]->categorical);           //  grade, an integer: a number
    //  dtime's range [0, 7300]: twenty years.
    assert_int_equal (q->n_breaks, 21);
    assert_true (q->breaks [20] == 7300);
    proto_query_destroy (&q);
    model_dict_destroy (&rott);
}

static void
test_models_check_errors (void **state)
{
    (void) state;
    model_dict_t *dicts [] = {
        s_dataset_dict ("pima_diabetes"), s_dataset_dict ("epilepsy"), s_dataset_dict ("lung")
    };
    enum { PIMA, EPIL, LUNG };
    static const struct { int dict; const char *text, *needle; } cases [] = {
        { LUNG, "coxph(Surv(time, status) ~ age + cholesterol, grid=30)",
          "query: unknown column 'cholesterol' (not in the data dictionary)" },
        { LUNG, "coxph(Surv(when, status) ~ age, grid=30)", "unknown column 'when'" },
        { PIMA, "glm(glucose ~ age + mass, family=binomial)",
          "query: glm(family=binomial) needs an outcome within [0, 1]; glucose ranges over "
          "[0, 300]" },
        { PIMA, "glm(pregnant ~ age, family=binomial)", "pregnant ranges over [0, 20]" },
        { PIMA, "glm(log(mass) ~ age, family=binomial)", "log(mass) ranges over" },
        { PIMA, "glm(factor(diabetes) ~ age, family=binomial)", "the outcome is a number" },
        { LUNG, "glm(inst ~ age, family=binomial)", "inst is categorical" },
        { EPIL, "glm(lbase ~ trt, family=poisson)",
          "query: glm(family=poisson) needs an outcome of at least 0; lbase ranges over [-3, 3]" },
        { LUNG, "glm(wt_loss ~ age, family=poisson)", "wt_loss ranges over [-50, 100]" },
        { EPIL, "glm(y ~ trt + offset(log(weeks)))",
          "query: offset() needs family=binomial or poisson; the family is gaussian" },
        { EPIL, "glm(y ~ trt + offset(log(weeks)), family=gaussian)", "offset() needs family=" },
        { LUNG, "glm(status ~ age + offset(inst), family=binomial)",
          "query: offset(inst) is categorical: an offset is a number" },
        { LUNG, "glm(status ~ age + offset(factor(ph_ecog)), family=binomial)",
          "offset(factor(ph_ecog)) is categorical" },
        { LUNG, "glm(status ~ age + offset(cut(age, c(0, 50, 100))), family=binomial)",
          "offset(cut(age, c(0, 50, 100))) is categorical" },
        { LUNG, "glm(status ~ age + offset(log(wt_loss)), family=binomial)",
          "the public minimum of wt_loss is -50" },
        { LUNG, "glm(status ~ age + offset(bogus), family=binomial)", "unknown column 'bogus'" },
        { LUNG, "glm(status ~ age, family=binomial, weights=wt_loss)",
          "query: weights=wt_loss: the public minimum of wt_loss is -50; weights need a minimum "
          "of at least 0" },
        { EPIL, "glm(y ~ trt, weights=weeks)",
          "query: weights= needs family=binomial or poisson; the family is gaussian" },
        { LUNG, "glm(status ~ age, family=binomial, weights=inst)",
          "query: weights=inst is categorical: weights are numbers" },
        { LUNG, "glm(status ~ age, family=binomial, weights=bogus)", "unknown column 'bogus'" },
        { LUNG, "coxph(Surv(time, age) ~ sex, grid=30)",
          "query: coxph(): the status in Surv(time, status) must be an event or binary column" },
        { LUNG, "coxph(Surv(time, log(age)) ~ sex, grid=30)", "the status in Surv(time, status)" },
        { LUNG, "coxph(Surv(inst, status) ~ age, grid=30)", "inst is categorical" },
        { LUNG, "coxph(Surv(time, status) ~ log(wt_loss), grid=30)",
          "the public minimum of wt_loss is -50" },
        { LUNG, "coxph(Surv(time, status) ~ age, grid=0.268)",
          "query: coxph(): grid=0.268 over the time's range [0, 1100] gives more than 4096 "
          "intervals" },
        { LUNG, "coxph(Surv(time, status) ~ age, grid=1e-300)", "more than 4096 intervals" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        proto_query_t *q = proto_query_parse (cases [i].text);
        if (!q)
            fail_msg ("%s: %s", cases [i].text, util_last_error ());
        util_error_clear ();
        int rc = proto_query_check (q, dicts [cases [i].dict], 0);
        support_expect_refused (rc == -1, cases [i].text, cases [i].needle);
        assert_int_equal (util_last_code (), UTIL_EINPUT);
        proto_query_destroy (&q);
    }
    for (size_t i = 0; i < 3; i++)
        model_dict_destroy (&dicts [i]);
}

//  --------------------------------------------------------------------------
//  Out of memory

static bool
s_parse_check (void *ctx)
{
    proto_query_t *q = proto_query_parse ((const char *) ctx);
    if (!q)
        return false;
    if (proto_query_check (q, s_dict, 0)) {
        proto_query_destroy (&q);
        return false;
    }
    char *label = proto_term_label (q->terms [0]);
    bool ok = label != NULL;
    free (label);
    proto_query_destroy (&q);
    return ok;
}

static void
test_out_of_memory (void **state)
{
    (void) state;
    assert_true (alloc_walk (s_parse_check,
        "crosstab(cut(age, c(-Inf, 30, Inf)), sex, by=stage, "
        "where=(log(mass))^2 > 1 & !(inst %in% c(1, '2')) | (glucose > 3))") > 20);
    assert_true (alloc_walk (s_parse_check, "histogram(log(mass))") > 5);
    assert_true (alloc_walk (s_parse_check,
        "glm(diabetes ~ log(mass) + factor(pregnant) + offset(log(mass)), family=binomial, "
        "weights=glucose, iterations=3)") > 10);
    assert_true (alloc_walk (s_parse_check,
        "coxph(Surv(time, status) ~ age + stage + factor(pregnant), grid=30)") > 10);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_kinds),
        cmocka_unit_test (test_kind_names),
        cmocka_unit_test (test_parse_errors),
        cmocka_unit_test (test_parse_limits),
        cmocka_unit_test (test_check),
        cmocka_unit_test (test_check_errors),
        cmocka_unit_test (test_labels),
        cmocka_unit_test (test_eval_terms),
        cmocka_unit_test (test_eval_cut),
        cmocka_unit_test (test_eval_histogram),
        cmocka_unit_test (test_eval_where),
        cmocka_unit_test (test_complete),
        cmocka_unit_test (test_models_parse),
        cmocka_unit_test (test_glm_families),
        cmocka_unit_test (test_coxph_check),
        cmocka_unit_test (test_models_check_errors),
        cmocka_unit_test (test_out_of_memory),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
