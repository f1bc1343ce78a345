/*  Unit tests for the model reports of coordinator/query_render.c and
    query_text.c: glm(family=binomial | poisson) and coxph(), from reports
    built by hand the way coord_query_results builds them, with R's figures
    (tests/fixtures/golden_r.json: Pima's logistic regression, lung's Cox
    model on times binned to 30 days). The regression tables (z, odds and
    rate ratios, hazard ratios and their intervals), the CSV in broom's
    columns, the forest plots (the reference line at 0 or at a hazard ratio
    of 1 on a log axis, every point where its axis puts it), the
    likelihood-ratio test, the terminal table; then DP reports with null,
    huge and non-finite figures (a dash, a sane axis, clipped intervals
    marked), shape checks and allocation failures. */
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

#include "alloc_walk.h"
#include "coordinator/query.h"
#include "coordinator/render.h"
#include "util/error.h"

//  ---------------------------------------------------------------------------
//  Fixtures

#define S_BINOMIAL "glm(diabetes ~ pregnant + glucose + pressure + triceps + insulin + mass + " \
                   "pedigree + age, family=binomial)"
#define S_COXPH "coxph(Surv(time, status) ~ age + sex + ph_ecog, grid=30)"

//  R's glm(..., family = binomial) on Pima (golden_r.json, pima_binomial):
//  term, estimate, std_error, z, p_value, conf_low, conf_high.
static const struct {
    const char *term;
    double v [6];
} s_pima [] = {
    { "(Intercept)", { -10.04073917976217, 1.2176743345028422, -8.245832974595501,
                       1.6401363352152248e-16, -12.427337020286519, -7.654141339237821 } },
    { "pregnant", { 0.08215942188157534, 0.055425545886115195, 1.4823385240154634,
                    0.13825024264458707, -0.02647265187868257, 0.19079149564183323 } },
    { "glucose", { 0.03826952230062466, 0.005767708647340154, 6.635134442561188,
                   3.242068964582988e-11, 0.026965021078517726, 0.04957402352273159 } },
    { "pressure", { -0.0014202901808553004, 0.011833395513599663, -0.12002389163981006,
                    0.9044642219744523, -0.02461331920232849, 0.021772738840617888 } },
    { "triceps", { 0.011221389834139402, 0.017083709042914338, 0.6568473980650941,
                   0.5112790439057086, -0.02226206461233393, 0.044704844280612735 } },
    { "insulin", { -0.0008253127857212848, 0.001306438927462938, -0.6317270316830006,
                   0.5275652612412103, -0.003385886031549779, 0.0017352604601072095 } },
    { "mass", { 0.07053758260355447, 0.027342138319106864, 2.5798122217186776,
                0.009885405194654407, 0.016947976237792498, 0.12412718896931645 } },
    { "pedigree", { 1.1409086225948406, 0.4274337225695462, 2.669205919776738,
                    0.007603082113927341, 0.30315392058064494, 1.9786633246090362 } },
    { "age", { 0.033951623238967055, 0.018381721279539857, 1.847031772631521,
               0.0647425355771895, -0.002075888442784578, 0.0699791349207187 } },
};
#define S_PIMA (sizeof s_pima / sizeof s_pima [0])

//  R's coxph(Surv(time_binned30, status) ~ age + sex + ph_ecog, ties =
//  "breslow") on lung (lung_cox_breslow_binned30): coef, se, z, p,
//  conf_low, conf_high, exp(coef), its interval.
static const struct {
    const char *term;
    double v [9];
} s_lung [] = {
    { "age", { 0.010556988337585145, 0.009219127651858432, 1.1451179261474942,
               0.2521603106576742, -0.007512169828934696, 0.028626146504104985,
               1.010612909953669, 0.9925159759959972, 1.0290398124222655 } },
    { "sex", { -0.5553665914998591, 0.1678536124676336, -3.3086365156838538,
               0.0009375146617516589, -0.8843536266113643, -0.22637955638835394,
               0.5738618497550558, 0.41298102697204203, 0.7974153801176644 } },
    { "ph_ecog", { 0.4541267996111998, 0.1139482623460714, 3.9853771374939857,
                   6.737303135134725e-05, 0.23079230931197833, 0.6774612899104212,
                   1.5747976685477343, 1.2595976055873785, 1.968872984405925 } },
};
#define S_LUNG (sizeof s_lung / sizeof s_lung [0])
#define S_LOGLIK -737.8689356662146
#define S_LOGLIK_NULL -752.6736427134375

static const char *s_glm_keys [] = {
    "estimate", "std_error", "z", "p_value", "conf_low", "conf_high"
};
static const char *s_cox_keys [] = {
    "estimate", "std_error", "z", "p_value", "conf_low", "conf_high", "hazard_ratio",
    "hr_conf_low", "hr_conf_high"
};

//  The envelope of coord_query_results: privacy off, or at epsilon 1.
static json_t *
s_envelope (const char *query, const char *kind, const char *dataset, bool off)
{
    json_t *privacy = off
        ? json_pack ("{s:b, s:i, s:s}", "not_private", 1, "sites", 3, "unit", "record")
        : json_pack ("{s:b, s:f, s:f, s:f, s:f, s:i, s:s, s:s, s:i}", "not_private", 0,
                     "epsilon", 1.0, "delta", 1e-5, "target_epsilon", 1.0, "noise_sd", 19.19,
                     "sites", 3, "unit", "record", "neighbouring",
                     "add/remove one record at one site", "min_cell", 5);
    json_t *r = json_pack ("{s:s, s:s, s:s, s:n, s:o, s:{s:i}, s:[], s:[s]}", "query", query,
                           "dataset", dataset, "kind", kind, "by", "privacy", privacy,
                           "left_out", "value", off? 376: 380, "results", "notes",
                           off? "NOT PRIVATE: privacy was off, so every figure is exact."
                              : "Intervals: sampling error and the DP noise (a parametric "
                                "bootstrap of 200 draws).");
    assert_non_null (r);
    return r;
}

static void
s_value (json_t *report, const char *statistic, json_t *value)
{
    json_t *r = json_pack ("{s:s, s:o}", "statistic", statistic, "value", value);
    assert_non_null (r);
    assert_int_equal (json_array_append_new (json_object_get (report, "results"), r), 0);
}

//  The binomial report of S_BINOMIAL (or `query`, another family's text).
static json_t *
s_binomial (const char *query, bool off)
{
    json_t *report = s_envelope (query, "glm", "pima", off);
    for (size_t i = 0; i < S_PIMA; i++) {
        json_t *r = json_pack ("{s:s, s:s}", "statistic", "coefficient", "term", s_pima [i].term);
        for (size_t k = 0; k < 6; k++)
            json_object_set_new (r, s_glm_keys [k], json_real (s_pima [i].v [k]));
        json_array_append_new (json_object_get (report, "results"), r);
    }
    s_value (report, "deviance", json_real (344.02123182394456));
    s_value (report, "null_deviance", json_real (498.0978053064565));
    s_value (report, "df_residual", json_integer (383));
    s_value (report, "aic", json_real (362.02123182394456));
    s_value (report, "iterations", json_integer (5));
    s_value (report, "n", json_integer (392));
    return report;
}

static json_t *
s_coxph (bool off)
{
    json_t *report = s_envelope (S_COXPH, "coxph", "lung", off);
    for (size_t i = 0; i < S_LUNG; i++) {
        json_t *r = json_pack ("{s:s, s:s}", "statistic", "coefficient", "term", s_lung [i].term);
        for (size_t k = 0; k < 9; k++)
            json_object_set_new (r, s_cox_keys [k], json_real (s_lung [i].v [k]));
        json_array_append_new (json_object_get (report, "results"), r);
    }
    s_value (report, "loglik", json_real (S_LOGLIK));
    s_value (report, "loglik_null", json_real (S_LOGLIK_NULL));
    s_value (report, "iterations", json_integer (3));
    s_value (report, "n", json_integer (227));
    s_value (report, "events", json_integer (164));
    return report;
}

//  The coefficient of `term`.
static json_t *
s_coef (const json_t *report, const char *term)
{
    size_t i;
    json_t *r;
    json_array_foreach (json_object_get (report, "results"), i, r)
        if (json_is_string (json_object_get (r, "term"))
        &&  !strcmp (json_string_value (json_object_get (r, "term")), term))
            return r;
    fail_msg ("no coefficient %s", term);
    return NULL;
}

//  ---------------------------------------------------------------------------
//  Reading pages

static void
s_has (const char *text, const char *want)
{
    if (!strstr (text, want))
        fail_msg ("missing '%s' in:\n%s", want, text);
}

static size_t
s_count (const char *text, const char *mark)
{
    size_t n = 0;
    for (const char *at = strstr (text, mark); at; at = strstr (at + 1, mark))
        n++;
    return n;
}

static bool
s_letter (char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

//  No "nan" or "inf" as a word (printf's not-a-number and infinity) in
//  text.
static void
s_finite (const char *text)
{
    const char *words [] = { "nan", "inf" };
    for (size_t i = 0; i < 2; i++)
        for (const char *at = strstr (text, words [i]); at; at = strstr (at + 1, words [i]))
            if ((at == text || !s_letter (at [-1])) && !s_letter (at [3]))
                fail_msg ("'%s' at: %.60s", words [i], at > text + 30? at - 30: text);
}

//  A page holds no NaN, no infinity and no script.
static void
s_clean (const char *html)
{
    assert_true (strncmp (html, "<!DOCTYPE html>", 15) == 0);
    s_has (html, "</html>\n");
    s_finite (html);
    assert_null (strstr (html, "<script"));
}

//  What the page writes for v: s_html_num's 4 significant digits.
static const char *
s_shown (double v, char *buf, size_t size)
{
    snprintf (buf, size, fabs (v) >= 1e5 && fabs (v) < 1e15? "%.0f": "%.4g", v);
    return buf;
}

//  The forest plot: its area across (left, width) and its ticks (x and
//  the value written under it).
typedef struct {
    double left, width;
    double x [48], v [48];
    size_t ticks;
} s_plot_t;

static const char *
s_plot (const char *html, s_plot_t *p)
{
    const char *svg = strstr (html, "aria-label=\"forest plot\"");
    assert_non_null (svg);
    const char *rect = strstr (svg, "<rect x=\"");
    assert_int_equal (sscanf (rect, "<rect x=\"%lf\" y=\"%*f\" width=\"%lf\"", &p->left,
                              &p->width), 2);
    //  Ticks: <line .../><text x="X" y=".." text-anchor="middle">V</text>,
    //  up to the axis's title.
    const char *end = strstr (svg, "class=\"axis\"");
    assert_non_null (end);
    p->ticks = 0;
    for (const char *t = strstr (svg, "\"/><text x=\""); t && t < end && p->ticks < 48;
         t = strstr (t + 1, "\"/><text x=\"")) {
        assert_int_equal (sscanf (t, "\"/><text x=\"%lf\" y=\"%*f\" text-anchor=\"middle\">%lf",
                                  &p->x [p->ticks], &p->v [p->ticks]), 2);
        p->ticks++;
    }
    assert_true (p->ticks >= 2);
    return svg;
}

//  x of `v` on the plot's axis from its first and last ticks (`log`: an
//  axis of ratios).
static double
s_plot_x (const s_plot_t *p, double v, bool log_axis)
{
    double a = p->v [0], b = p->v [p->ticks - 1];
    if (log_axis) {
        a = log (a);
        b = log (b);
        v = log (v);
    }
    return p->x [0] + (v - a) / (b - a) * (p->x [p->ticks - 1] - p->x [0]);
}

//  The estimates' points (cx) and interval lines (x1, x2), in order.
static void
s_points (const char *svg, size_t n, double *cx, double *x1, double *x2)
{
    const char *pt = svg, *ci = svg;
    for (size_t i = 0; i < n; i++) {
        pt = strstr (pt + 1, "<circle class=\"forest-est\"");
        ci = strstr (ci + 1, "<line class=\"forest-ci\"");
        assert_non_null (pt);
        assert_non_null (ci);
        assert_int_equal (sscanf (pt, "<circle class=\"forest-est\" cx=\"%lf\"", &cx [i]), 1);
        assert_int_equal (sscanf (ci, "<line class=\"forest-ci\" x1=\"%lf\" y1=\"%*f\" "
                                      "x2=\"%lf\"", &x1 [i], &x2 [i]), 2);
    }
}

//  The x of the reference line of class `cls`.
static double
s_reference (const char *svg, const char *cls)
{
    char mark [64];
    snprintf (mark, sizeof mark, "<line class=\"%s\" x1=\"", cls);
    const char *at = strstr (svg, mark);
    assert_non_null (at);
    double x1, x2;
    assert_int_equal (sscanf (at + strlen (mark), "%lf\" y1=\"%*f\" x2=\"%lf\"", &x1, &x2), 2);
    assert_true (x1 == x2);
    return x1;
}

//  What coord_query_text prints for a report, in a new string.
static char *
s_text (const json_t *report)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&out, &len);
    assert_non_null (f);
    if (coord_query_text (report, f))
        fail_msg ("%s", util_last_error ());
    fclose (f);
    return out;
}

//  The line of `text` that starts with "  " and `start`, in `buf`.
static const char *
s_line (const char *text, const char *start, char *buf, size_t size)
{
    char mark [96];
    snprintf (mark, sizeof mark, "\n  %s", start);
    const char *at = strstr (text, mark);
    if (!at)
        fail_msg ("no line '%s' in:\n%s", start, text);
    at++;
    size_t n = strcspn (at, "\n");
    assert_true (n < size);
    memcpy (buf, at, n);
    buf [n] = '\0';
    return buf;
}

//  ---------------------------------------------------------------------------
//  glm(family=binomial | poisson)

static void
test_model_binomial_html (void **state)
{
    (void) state;
    json_t *r = s_binomial (S_BINOMIAL, true);
    char *html = coord_query_html (r);
    if (!html)
        fail_msg ("%s", util_last_error ());
    s_clean (html);
    s_has (html, "<figcaption>Regression: logistic regression (binomial family, logit link)"
                 "</figcaption>");
    //  z, not t; the odds ratio after the interval.
    const char *table = strstr (html, "<table class=\"grid glm\">");
    assert_non_null (table);
    s_has (table, "<tr><th>term</th><th>estimate</th><th>std. error</th><th>z</th><th>p</th>"
                  "<th>95% interval</th><th>odds ratio</th><th>its 95% interval</th></tr>\n");
    assert_null (strstr (html, "<th>t</th>"));
    //  Privacy off: the intervals hold the sampling error only.
    s_has (html, "it holds the sampling error of the records in the fit, and one that spans 0 "
                 "means");
    assert_null (strstr (html, "the spread the DP noise adds"));
    char want [512], a [32], b [32], c [32], d [32], e [32], f [32], g [32], h [32], k [32];
    for (size_t i = 0; i < S_PIMA; i++) {
        const double *v = s_pima [i].v;
        snprintf (want, sizeof want, "<tr><th>%s</th><td class=\"n\">%s</td><td class=\"n\">%s"
                  "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s to %s"
                  "</td><td class=\"n\">%s</td><td class=\"n\">%s to %s</td></tr>",
                  s_pima [i].term, s_shown (v [0], a, 32), s_shown (v [1], b, 32),
                  s_shown (v [2], c, 32), s_shown (v [3], d, 32), s_shown (v [4], e, 32),
                  s_shown (v [5], f, 32), s_shown (exp (v [0]), g, 32),
                  s_shown (exp (v [4]), h, 32), s_shown (exp (v [5]), k, 32));
        s_has (table, want);
    }
    //  pedigree's odds ratio, as R's exp(coef): 3.130 (1.354 to 7.233).
    s_has (table, "<tr><th>pedigree</th>");
    s_has (strstr (table, "<tr><th>pedigree</th>"), "<td class=\"n\">3.13</td><td class=\"n\">"
                                                     "1.354 to 7.233</td></tr>");
    s_has (html, "the odds at the reference levels");
    //  The forest plot on the coefficient scale: the dashed line at 0, a
    //  point and an interval per term but the intercept where the axis
    //  puts them, nothing clipped.
    s_plot_t p;
    const char *svg = s_plot (html, &p);
    assert_true (svg > table);
    s_has (svg, "class=\"axis\" text-anchor=\"middle\">estimate (log odds ratio) and its 95% "
                "interval</text>");
    assert_int_equal (s_count (svg, "<circle class=\"forest-est\""), S_PIMA - 1);
    assert_int_equal (s_count (svg, "<line class=\"forest-ci\""), S_PIMA - 1);
    assert_int_equal (s_count (svg, "forest-clip"), 0);
    assert_int_equal (s_count (svg, "forest-off"), 0);
    assert_true (fabs (s_reference (svg, "forest-zero") - s_plot_x (&p, 0, false)) <= 0.15);
    double cx [S_PIMA], x1 [S_PIMA], x2 [S_PIMA];
    s_points (svg, S_PIMA - 1, cx, x1, x2);
    for (size_t i = 1; i < S_PIMA; i++) {
        assert_true (fabs (cx [i - 1] - s_plot_x (&p, s_pima [i].v [0], false)) <= 0.15);
        assert_true (fabs (x1 [i - 1] - s_plot_x (&p, s_pima [i].v [4], false)) <= 0.15);
        assert_true (fabs (x2 [i - 1] - s_plot_x (&p, s_pima [i].v [5], false)) <= 0.15);
    }
    assert_null (strstr (svg, ">(Intercept)</text>"));
    s_has (html, "on the scale of the link (the table has the ratios)");
    s_has (html, "<table class=\"grid glm-fit\">");
    s_has (html, "<tr><th>residual deviance</th><td class=\"n\">344</td></tr>");
    s_has (html, "<tr><th>AIC</th><td class=\"n\">362</td></tr>");
    s_has (html, "<tr><th>iterations</th><td class=\"n\">5</td></tr>");
    //  The notes, under the figure and in the list.
    s_has (html, "<li>NOT PRIVATE: privacy was off, so every figure is exact.</li>");
    free (html);
    json_decref (r);

    //  poisson: rate ratios; gaussian (say z was reported): no ratios.
    r = s_binomial ("glm(seizures ~ treatment + base + age, family=poisson)", true);
    html = coord_query_html (r);
    assert_non_null (html);
    s_has (html, "<figcaption>Regression: Poisson regression (poisson family, log link)");
    s_has (html, "<th>95% interval</th><th>rate ratio</th><th>its 95% interval</th>");
    s_has (html, "estimate (log rate ratio) and its 95% interval");
    s_has (html, "the rate at the reference levels");
    assert_null (strstr (html, "odds"));
    free (html);
    json_decref (r);
    r = s_binomial ("glm(glucose ~ age, family=gaussian)", true);
    html = coord_query_html (r);
    assert_non_null (html);
    s_has (html, "<figcaption>Regression: linear regression (gaussian family, identity link)");
    s_has (html, "<th>p</th><th>95% interval</th></tr>\n");
    assert_null (strstr (html, "odds ratio"));
    assert_null (strstr (html, "rate ratio"));
    s_has (html, "class=\"axis\" text-anchor=\"middle\">estimate and its 95% interval</text>");
    free (html);
    json_decref (r);
    //  A text that does not parse names no family, and shows no ratio.
    r = s_binomial ("glm(diabetes ~ , family=binomial", true);
    html = coord_query_html (r);
    assert_non_null (html);
    s_has (html, "<figcaption>Regression</figcaption>");
    assert_null (strstr (html, "odds ratio"));
    free (html);
    json_decref (r);
}

static void
test_model_binomial_csv_text (void **state)
{
    (void) state;
    json_t *r = s_binomial (S_BINOMIAL, true);
    char *csv = coord_query_csv (r);
    assert_non_null (csv);
    //  broom's columns and R's figures to 15 digits; no ratio columns.
    const char *head = "term,estimate,std.error,statistic,p.value,conf.low,conf.high\r\n"
                       "(Intercept),-10.0407391797622,1.21767433450284,-8.2458329745955,"
                       "1.64013633521522e-16,-12.4273370202865,-7.65414133923782\r\n"
                       "pregnant,";
    assert_int_equal (strncmp (csv, head, strlen (head)), 0);
    s_has (csv, "\r\n\r\nstatistic,value\r\nleft_out,376\r\ndeviance,344.021231823945\r\n"
                "null_deviance,498.097805306457\r\ndf_residual,383\r\naic,362.021231823945\r\n"
                "iterations,5\r\nn,392\r\n");
    free (csv);

    char *t = s_text (r);
    char line [512];
    s_has (t, "  logistic regression (binomial family, logit link), z tests\n");
    s_line (t, "term ", line, sizeof line);
    assert_string_equal (line, "  term           estimate  std.error        z    p-value  "
                               "95% interval             odds ratio  95% interval");
    s_line (t, "pedigree", line, sizeof line);
    assert_string_equal (line, "  pedigree          1.141     0.4274    2.669   0.007603  "
                               "[0.3032, 1.979]                3.13  [1.354, 7.233]");
    s_line (t, "residual deviance", line, sizeof line);
    assert_string_equal (line, "  residual deviance                    344");
    s_line (t, "residual degrees of freedom", line, sizeof line);
    assert_string_equal (line, "  residual degrees of freedom          383");
    s_line (t, "records left out", line, sizeof line);
    assert_string_equal (line, "  records left out (missing values)    376");
    s_has (t, "\n  - NOT PRIVATE: privacy was off");
    //  Not the table of the other queries.
    assert_null (strstr (t, "statistic   column"));
    free (t);
    json_decref (r);
    //  poisson: rate ratios.
    r = s_binomial ("glm(seizures ~ treatment + base + age, family=poisson)", true);
    t = s_text (r);
    s_has (t, "  Poisson regression (poisson family, log link), z tests\n");
    s_line (t, "term ", line, sizeof line);
    assert_string_equal (line, "  term           estimate  std.error        z    p-value  "
                               "95% interval             rate ratio  95% interval");
    free (t);
    json_decref (r);
}

//  Under DP: a std_error that could not be had (null), one so large its
//  interval spans the doubles, an estimate far beyond any sane ratio.
static json_t *
s_binomial_dp (void)
{
    json_t *r = s_binomial (S_BINOMIAL, false);
    json_t *c = s_coef (r, "triceps");
    json_object_set_new (c, "std_error", json_null ());
    json_object_set_new (c, "z", json_null ());
    json_object_set_new (c, "p_value", json_null ());
    json_object_set_new (c, "conf_low", json_null ());
    json_object_set_new (c, "conf_high", json_null ());
    c = s_coef (r, "insulin");
    json_object_set_new (c, "std_error", json_real (1e300));
    json_object_set_new (c, "conf_low", json_real (-1.96e300));
    json_object_set_new (c, "conf_high", json_real (1.96e300));
    json_object_set_new (c, "z", json_real (0));
    json_object_set_new (c, "p_value", json_real (1));
    c = s_coef (r, "pedigree");
    json_object_set_new (c, "estimate", json_real (900));
    json_object_set_new (c, "conf_low", json_real (850));
    json_object_set_new (c, "conf_high", json_real (950));
    json_object_set_new (c, "note", json_string ("pedigree: the noisy fit is unstable."));
    return r;
}

static void
test_model_binomial_dp (void **state)
{
    (void) state;
    json_t *r = s_binomial_dp ();
    char *html = coord_query_html (r);
    if (!html)
        fail_msg ("%s", util_last_error ());
    s_clean (html);
    s_has (html, "<p class=\"dp\">&#949; = 1, &#948; = 1e-05");
    //  What an interval means, in one sentence under the table.
    s_has (html, "<p class=\"note meaning\">Each 95% interval is the range of coefficients "
                 "consistent with the data: it holds the sampling error of the records in the "
                 "fit and the spread the DP noise adds (a parametric bootstrap of the whole "
                 "fit), so it is wider than a fit on the pooled records would give, and one "
                 "that spans 0 means the data cannot tell whether the term raises or lowers "
                 "the outcome.</p>");
    //  Each missing figure a dash: triceps's four and its odds ratio's
    //  interval; exp() of insulin's bounds and of pedigree's beyond a
    //  double.
    const char *dash = "<span class=\"na\" title=\"not available\">&mdash;</span>";
    const char *row = strstr (html, "<tr><th>triceps</th>");
    assert_non_null (row);
    char want [1024];
    snprintf (want, sizeof want, "<tr><th>triceps</th><td class=\"n\">0.01122</td>"
              "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
              "<td class=\"n\">%s to %s</td><td class=\"n\">1.011</td>"
              "<td class=\"n\">%s to %s</td></tr>", dash, dash, dash, dash, dash, dash, dash);
    s_has (html, want);
    snprintf (want, sizeof want, "<tr><th>insulin</th><td class=\"n\">-0.0008253</td>"
              "<td class=\"n\">1e+300</td><td class=\"n\">0</td><td class=\"n\">1</td>"
              "<td class=\"n\">-1.96e+300 to 1.96e+300</td><td class=\"n\">0.9992</td>"
              "<td class=\"n\">0 to %s</td></tr>", dash);
    s_has (html, want);
    snprintf (want, sizeof want, "<tr><th>pedigree</th><td class=\"n\">900</td>"
              "<td class=\"n\">0.4274</td><td class=\"n\">2.669</td><td class=\"n\">0.007603</td>"
              "<td class=\"n\">850 to 950</td><td class=\"n\">%s</td><td class=\"n\">%s to %s"
              "</td></tr>", dash, dash, dash);
    s_has (html, want);
    //  The axis holds the other terms' intervals and reaches past them by
    //  four median half-widths at most (not to insulin's bounds, nor to
    //  pedigree's estimate, beyond any sane odds ratio): insulin's
    //  interval is cut at both edges, pedigree's estimate lies beyond the
    //  right one; triceps has a point and no line.
    s_plot_t p;
    const char *svg = s_plot (html, &p);
    assert_true (p.v [0] <= -0.025 && p.v [p.ticks - 1] >= 0.19);
    assert_true (p.v [0] >= -0.5 && p.v [p.ticks - 1] <= 0.5);
    assert_int_equal (s_count (svg, "<circle class=\"forest-est\""), S_PIMA - 2);
    assert_int_equal (s_count (svg, "<line class=\"forest-ci\""), S_PIMA - 2);
    assert_int_equal (s_count (svg, "<path class=\"forest-clip\""), 3);
    assert_int_equal (s_count (svg, "<path class=\"forest-off\""), 1);
    s_has (svg, "<title>pedigree: 900, beyond the axis</title>");
    char mark [96];
    snprintf (mark, sizeof mark, "<path class=\"forest-off\" d=\"M%.1f ", p.left + p.width);
    s_has (svg, mark);
    snprintf (mark, sizeof mark, "<path class=\"forest-clip\" d=\"M%.1f ", p.left);
    s_has (svg, mark);
    //  Every x on the plot.
    for (const char *at = strstr (svg, " x"); at; at = strstr (at + 1, " x")) {
        double x;
        if (sscanf (at, " x1=\"%lf\"", &x) == 1 || sscanf (at, " x2=\"%lf\"", &x) == 1
        ||  sscanf (at, " cx=\"%lf\"", &x) == 1)
            assert_true (x >= p.left - 0.05 && x <= p.left + p.width + 0.05);
    }
    s_has (html, "Arrowheads: an interval cut at the edge of the axis (filled), an estimate "
                 "beyond it (open)");
    s_has (html, "sampling error plus the DP noise's spread");
    s_has (html, "<p class=\"note\">pedigree: the noisy fit is unstable.</p>");
    s_has (html, "<li>Intervals: sampling error and the DP noise");
    free (html);

    //  The CSV leaves the missing figures empty and writes the rest.
    char *csv = coord_query_csv (r);
    assert_non_null (csv);
    s_has (csv, "\r\ntriceps,0.0112213898341394,,,,,\r\n");
    s_has (csv, "\r\ninsulin,-0.000825312785721285,1e+300,0,1,-1.96e+300,1.96e+300\r\n");
    free (csv);
    //  The text: dashes, in their columns.
    char *t = s_text (r);
    char line [512];
    s_line (t, "triceps", line, sizeof line);
    assert_string_equal (line, "  triceps         0.01122          \u2014        \u2014          "
                               "\u2014  [\u2014, \u2014]                        1.011  "
                               "[\u2014, \u2014]");
    s_line (t, "pedigree", line, sizeof line);
    assert_string_equal (line, "  pedigree            900     0.4274    2.669   0.007603  "
                               "[850, 950]                        \u2014  [\u2014, \u2014]");
    s_finite (t);
    s_has (t, "epsilon 1 of 1");
    free (t);
    json_decref (r);
}

//  ---------------------------------------------------------------------------
//  coxph()

static void
test_model_coxph_html (void **state)
{
    (void) state;
    json_t *r = s_coxph (true);
    char *html = coord_query_html (r);
    if (!html)
        fail_msg ("%s", util_last_error ());
    s_clean (html);
    s_has (html, "<figcaption>Cox proportional hazards (Breslow ties, times on the public grid)"
                 "</figcaption>");
    const char *table = strstr (html, "<table class=\"grid coxph\">");
    assert_non_null (table);
    s_has (table, "<tr><th>term</th><th>hazard ratio</th><th>95% interval</th><th>coef</th>"
                  "<th>se(coef)</th><th>z</th><th>p</th></tr>\n");
    //  R's summary(): sex 0.5739 (0.413 to 0.7974), coef -0.5554, se
    //  0.1679, z -3.309, p 0.0009375.
    s_has (table, "<tr><th>sex</th><td class=\"n\">0.5739</td><td class=\"n\">0.413 to 0.7974"
                  "</td><td class=\"n\">-0.5554</td><td class=\"n\">0.1679</td>"
                  "<td class=\"n\">-3.309</td><td class=\"n\">0.0009375</td></tr>");
    s_has (table, "<tr><th>ph_ecog</th><td class=\"n\">1.575</td><td class=\"n\">1.26 to 1.969"
                  "</td><td class=\"n\">0.4541</td><td class=\"n\">0.1139</td>"
                  "<td class=\"n\">3.985</td><td class=\"n\">6.737e-05</td></tr>");
    //  The forest plot of the hazard ratios on a log axis: ticks at 0.5,
    //  0.7, 1, 1.5 and 2, the dashed line at 1, each ratio and interval in
    //  its place.
    s_plot_t p;
    const char *svg = s_plot (html, &p);
    assert_true (svg > table);
    assert_int_equal (p.ticks, 5);
    const double ticks [] = { 0.5, 0.7, 1, 1.5, 2 };
    for (size_t i = 0; i < 5; i++)
        assert_true (p.v [i] == ticks [i]);
    //  Log: 1 is as far from 0.5 as 2 is from 1, and 1.5 where log 1.5 is.
    assert_true (fabs ((p.x [2] - p.x [0]) - (p.x [4] - p.x [2])) <= 0.15);
    assert_true (fabs (p.x [3] - s_plot_x (&p, 1.5, true)) <= 0.15);
    assert_true (fabs (s_reference (svg, "forest-one") - p.x [2]) <= 0.05);
    assert_null (strstr (svg, "forest-zero"));
    s_has (svg, "class=\"axis\" text-anchor=\"middle\">hazard ratio (log scale) and its 95% "
                "interval</text>");
    double cx [S_LUNG], x1 [S_LUNG], x2 [S_LUNG];
    s_points (svg, S_LUNG, cx, x1, x2);
    for (size_t i = 0; i < S_LUNG; i++) {
        assert_true (fabs (cx [i] - s_plot_x (&p, s_lung [i].v [6], true)) <= 0.15);
        assert_true (fabs (x1 [i] - s_plot_x (&p, s_lung [i].v [7], true)) <= 0.15);
        assert_true (fabs (x2 [i] - s_plot_x (&p, s_lung [i].v [8], true)) <= 0.15);
    }
    //  sex's whole interval left of 1, ph_ecog's right of it.
    double one = p.x [2];
    assert_true (x2 [1] < one && x1 [2] > one && x1 [0] < one && x2 [0] > one);
    assert_int_equal (s_count (svg, "forest-clip"), 0);
    s_has (svg, "<title>sex: hazard ratio 0.5739</title>");
    //  The fit, and the likelihood-ratio test as R's: 29.61 on 3 df, p =
    //  1.667e-06.
    const char *fit = strstr (html, "<table class=\"grid coxph-fit\">");
    assert_non_null (fit);
    s_has (fit, "<tr><th>log-likelihood</th><td class=\"n\">-737.9</td></tr>\n"
                "<tr><th>null log-likelihood (no covariates)</th><td class=\"n\">-752.7</td></tr>\n"
                "<tr class=\"lr\"><th>likelihood-ratio &#967;&#178; = 2 (log-likelihood &minus; "
                "null)</th><td class=\"n\">29.61 on 3 df, p = 1.667e-06</td></tr>\n"
                "<tr><th>iterations</th><td class=\"n\">3</td></tr>\n"
                "<tr><th>records in the fit (n)</th><td class=\"n\">227</td></tr>\n"
                "<tr><th>events</th><td class=\"n\">164</td></tr>\n</table>");
    s_has (html, "dashed: no effect (a hazard ratio of 1)");
    assert_null (strstr (html, "<table class=\"grid glm"));
    assert_null (strstr (html, "Regression"));
    free (html);

    //  The concordance, when the report has it, after the events.
    s_value (r, "concordance", json_real (0.6429086414666804));
    html = coord_query_html (r);
    assert_non_null (html);
    s_has (html, "<tr><th>events</th><td class=\"n\">164</td></tr>\n"
                 "<tr><th>concordance</th><td class=\"n\">0.6429</td></tr>\n</table>");
    free (html);
    char *csv = coord_query_csv (r);
    assert_non_null (csv);
    s_has (csv, "\r\nevents,164\r\nconcordance,0.64290864146668\r\n");
    free (csv);
    //  Without the null log-likelihood there is no test.
    json_array_remove (json_object_get (r, "results"), S_LUNG + 1);
    html = coord_query_html (r);
    assert_non_null (html);
    assert_null (strstr (html, "likelihood-ratio"));
    s_has (html, "<tr><th>log-likelihood</th>");
    free (html);
    json_decref (r);

    //  A fit that did not converge: its message, no table, no plot.
    r = s_envelope (S_COXPH, "coxph", "lung", true);
    json_array_append_new (json_object_get (r, "results"),
                           json_pack ("{s:s, s:s}", "statistic", "error", "value",
                                      "coxph(): no convergence in <25> iterations"));
    html = coord_query_html (r);
    assert_non_null (html);
    s_has (html, "<p class=\"missing coxph-error\">coxph(): no convergence in &lt;25&gt; "
                 "iterations</p>");
    assert_null (strstr (html, "<svg"));
    assert_null (strstr (html, "<table class=\"grid coxph\""));
    free (html);
    csv = coord_query_csv (r);
    assert_string_equal (csv, "term,estimate,std.error,statistic,p.value,conf.low,conf.high,"
                              "hazard.ratio,hr.conf.low,hr.conf.high\r\n\r\nstatistic,value\r\n"
                              "left_out,376\r\nerror,coxph(): no convergence in <25> "
                              "iterations\r\n");
    free (csv);
    char *t = s_text (r);
    s_has (t, "\n\n  Cox proportional hazards (Breslow ties, times on the public grid), z tests\n"
              "  error: coxph(): no convergence in <25> iterations\n\n"
              "  records left out (missing values)    376\n");
    assert_null (strstr (t, "  term"));
    free (t);
    json_decref (r);
}

static void
test_model_coxph_csv_text (void **state)
{
    (void) state;
    json_t *r = s_coxph (true);
    char *csv = coord_query_csv (r);
    assert_non_null (csv);
    assert_string_equal (csv,
        "term,estimate,std.error,statistic,p.value,conf.low,conf.high,hazard.ratio,"
        "hr.conf.low,hr.conf.high\r\n"
        "age,0.0105569883375851,0.00921912765185843,1.14511792614749,0.252160310657674,"
        "-0.0075121698289347,0.028626146504105,1.01061290995367,0.992515975995997,"
        "1.02903981242227\r\n"
        "sex,-0.555366591499859,0.167853612467634,-3.30863651568385,0.000937514661751659,"
        "-0.884353626611364,-0.226379556388354,0.573861849755056,0.412981026972042,"
        "0.797415380117664\r\n"
        "ph_ecog,0.4541267996112,0.113948262346071,3.98537713749399,6.73730313513473e-05,"
        "0.230792309311978,0.677461289910421,1.57479766854773,1.25959760558738,"
        "1.96887298440592\r\n"
        "\r\nstatistic,value\r\nleft_out,376\r\nloglik,-737.868935666215\r\n"
        "loglik_null,-752.673642713438\r\niterations,3\r\nn,227\r\nevents,164\r\n");
    free (csv);

    char *t = s_text (r);
    char line [512];
    s_has (t, "  query      " S_COXPH "\n");
    s_has (t, "  Cox proportional hazards (Breslow ties, times on the public grid), z tests\n");
    s_line (t, "term ", line, sizeof line);
    assert_string_equal (line, "  term                 HR  95% interval of HR             coef   "
                               "se(coef)        z    p-value");
    s_line (t, "sex", line, sizeof line);
    assert_string_equal (line, "  sex              0.5739  [0.413, 0.7974]             -0.5554     "
                               "0.1679   -3.309  0.0009375");
    s_line (t, "likelihood-ratio", line, sizeof line);
    assert_string_equal (line, "  likelihood-ratio chi-squared         29.61 on 3 df, p-value "
                               "1.667e-06");
    s_line (t, "events", line, sizeof line);
    assert_string_equal (line, "  events                               164");
    free (t);
    json_decref (r);
}

//  Under DP: a hazard ratio's upper bound beyond a double (null), a
//  std_error that could not be had, a huge interval.
static void
test_model_coxph_dp (void **state)
{
    (void) state;
    json_t *r = s_coxph (false);
    json_t *c = s_coef (r, "age");
    json_object_set_new (c, "std_error", json_null ());
    json_object_set_new (c, "z", json_null ());
    json_object_set_new (c, "p_value", json_null ());
    json_object_set_new (c, "conf_low", json_null ());
    json_object_set_new (c, "conf_high", json_null ());
    json_object_set_new (c, "hr_conf_low", json_null ());
    json_object_set_new (c, "hr_conf_high", json_null ());
    c = s_coef (r, "ph_ecog");
    json_object_set_new (c, "std_error", json_real (400));
    json_object_set_new (c, "conf_low", json_real (-783.5));
    json_object_set_new (c, "conf_high", json_real (784.4));
    json_object_set_new (c, "hr_conf_low", json_real (0));
    json_object_set_new (c, "hr_conf_high", json_null ());
    char *html = coord_query_html (r);
    if (!html)
        fail_msg ("%s", util_last_error ());
    s_clean (html);
    s_has (html, "Each 95% interval is the range of hazard ratios consistent with the data: "
                 "it holds the sampling error of the records in the fit and the spread the DP "
                 "noise adds");
    s_has (html, "one that spans 1 means the data cannot tell whether the term raises or "
                 "lowers the hazard.</p>");
    const char *dash = "<span class=\"na\" title=\"not available\">&mdash;</span>";
    char want [1024];
    snprintf (want, sizeof want, "<tr><th>age</th><td class=\"n\">1.011</td><td class=\"n\">%s "
              "to %s</td><td class=\"n\">0.01056</td><td class=\"n\">%s</td><td class=\"n\">%s"
              "</td><td class=\"n\">%s</td></tr>", dash, dash, dash, dash, dash);
    s_has (html, want);
    snprintf (want, sizeof want, "<tr><th>ph_ecog</th><td class=\"n\">1.575</td>"
              "<td class=\"n\">0 to %s</td><td class=\"n\">0.4541</td><td class=\"n\">400</td>",
              dash);
    s_has (html, want);
    //  The axis: sane ratios, 1/1000 to 1000 at most; ph_ecog's interval
    //  (e^-783 to e^784, from its coefficients) cut at both edges; age a
    //  point without a line.
    s_plot_t p;
    const char *svg = s_plot (html, &p);
    assert_true (p.v [0] >= 0.001 && p.v [p.ticks - 1] <= 1000);
    assert_true (p.v [0] <= 0.5 && p.v [p.ticks - 1] >= 1);
    assert_int_equal (s_count (svg, "<circle class=\"forest-est\""), 3);
    assert_int_equal (s_count (svg, "<line class=\"forest-ci\""), 2);
    assert_int_equal (s_count (svg, "<path class=\"forest-clip\""), 2);
    assert_int_equal (s_count (svg, "forest-off"), 0);
    //  The ratios still where the axis puts them.
    const char *pt = strstr (svg, "<circle class=\"forest-est\"");
    double cx;
    for (size_t i = 0; i < S_LUNG; i++, pt = strstr (pt + 1, "<circle class=\"forest-est\"")) {
        assert_int_equal (sscanf (pt, "<circle class=\"forest-est\" cx=\"%lf\"", &cx), 1);
        assert_true (fabs (cx - s_plot_x (&p, s_lung [i].v [6], true)) <= 0.15);
    }
    s_has (html, "Arrowheads: an interval cut at the edge of the axis (filled)");
    free (html);
    char *csv = coord_query_csv (r);
    assert_non_null (csv);
    s_has (csv, "\r\nage,0.0105569883375851,,,,,,1.01061290995367,,\r\n");
    s_has (csv, "\r\nph_ecog,0.4541267996112,400,3.98537713749399,6.73730313513473e-05,-783.5,"
                "784.4,1.57479766854773,0,\r\n");
    free (csv);
    char *t = s_text (r);
    char line [512];
    s_line (t, "age", line, sizeof line);
    assert_string_equal (line, "  age               1.011  [\u2014, \u2014]                      "
                               "0.01056          \u2014        \u2014          \u2014");
    s_finite (t);
    free (t);
    json_decref (r);
}

//  ---------------------------------------------------------------------------
//  Shape checks and allocation failures

static void
s_refused (const char *json, const char *why)
{
    json_error_t err;
    json_t *r = json_loads (json, 0, &err);
    if (!r)
        fail_msg ("%s: %s", json, err.text);
    assert_null (coord_query_csv (r));
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    if (!strstr (util_last_error (), why))
        fail_msg ("'%s' does not say '%s'", util_last_error (), why);
    assert_null (coord_query_html (r));
    assert_int_equal (util_last_code (), UTIL_EINPUT);
    json_decref (r);
}

static void
test_model_bad_input (void **state)
{
    (void) state;
    #define S_HEAD "{\"privacy\": {}, \"kind\": \"coxph\", \"results\": ["
    #define S_HR "\"hazard_ratio\": 2.7, \"hr_conf_low\": 1, \"hr_conf_high\": 7.4"
    #define S_FIT "\"term\": \"age\", \"estimate\": 1, \"std_error\": 0.5, \"p_value\": 0.05, " \
                  "\"conf_low\": 0, \"conf_high\": 2"
    //  The least a coxph() report needs is accepted.
    json_error_t err;
    json_t *r = json_loads (S_HEAD "{\"statistic\": \"coefficient\", " S_FIT ", \"z\": 2, " S_HR
                            "}, {\"statistic\": \"events\", \"value\": 9}]}", 0, &err);
    assert_non_null (r);
    char *text = coord_query_csv (r);
    assert_string_equal (text, "term,estimate,std.error,statistic,p.value,conf.low,conf.high,"
                               "hazard.ratio,hr.conf.low,hr.conf.high\r\n"
                               "age,1,0.5,2,0.05,0,2,2.7,1,7.4\r\n\r\nstatistic,value\r\n"
                               "events,9\r\n");
    free (text);
    json_decref (r);
    s_refused (S_HEAD "{\"statistic\": \"coefficient\", " S_FIT ", \"t\": 2, " S_HR "}]}",
               "results[0]: coefficient: expected z (and no t)");
    s_refused (S_HEAD "{\"statistic\": \"coefficient\", " S_FIT ", \"t\": 2, \"z\": 2, " S_HR
               "}]}", "results[0]: coefficient: expected z");
    s_refused (S_HEAD "{\"statistic\": \"coefficient\", " S_FIT ", \"z\": 2, "
               "\"hazard_ratio\": 2.7, \"hr_conf_low\": 1}]}",
               "results[0]: hr_conf_high: expected a number or null");
    s_refused (S_HEAD "{\"statistic\": \"coefficient\", " S_FIT ", \"z\": 2, "
               "\"hazard_ratio\": \"2.7\", \"hr_conf_low\": 1, \"hr_conf_high\": 7}]}",
               "results[0]: hazard_ratio: expected a number or null");
    s_refused (S_HEAD "{\"statistic\": \"loglik\", \"value\": \"-3\"}]}",
               "results[0]: value: expected a number or null");
    //  A glm()'s figure is not a coxph()'s, nor the reverse.
    s_refused (S_HEAD "{\"statistic\": \"deviance\", \"value\": 3}]}",
               "results[0]: statistic: 'deviance' is not a coxph() figure");
    s_refused ("{\"privacy\": {}, \"kind\": \"glm\", \"results\": [{\"statistic\": \"events\", "
               "\"value\": 3}]}", "results[0]: statistic: 'events' is not a glm() figure");
    s_refused (S_HEAD "{\"statistic\": \"error\", \"value\": \"x\"}, {\"statistic\": \"n\", "
               "\"value\": 3}]}", "results[0]: error: expected as the only result");
    //  Hazard ratios in another report.
    s_refused ("{\"privacy\": {}, \"kind\": \"km\", \"results\": [{\"statistic\": "
               "\"coefficient\", " S_FIT ", \"z\": 2, " S_HR "}]}",
               "results[0]: coefficient: only in a glm() or coxph() report");
    #undef S_FIT
    #undef S_HR
    #undef S_HEAD
}

static bool
s_walk_html (void *ctx)
{
    char *text = coord_query_html (ctx);
    free (text);
    return text != NULL;
}

static bool
s_walk_csv (void *ctx)
{
    char *text = coord_query_csv (ctx);
    free (text);
    return text != NULL;
}

static bool
s_walk_text (void *ctx)
{
    FILE *f = fopen ("/dev/null", "w");
    assert_non_null (f);
    int rc = coord_query_text (ctx, f);
    fclose (f);
    return rc == 0;
}

//  Every util_ allocation of the pages fails once (the family's parse, the
//  forest plot's widths) and is reported as out of memory.
static void
test_model_out_of_memory (void **state)
{
    (void) state;
    json_t *reports [] = { s_binomial (S_BINOMIAL, true), s_binomial_dp (), s_coxph (false) };
    for (size_t i = 0; i < 3; i++) {
        assert_true (alloc_walk (s_walk_html, reports [i]) > 0);
        alloc_walk (s_walk_csv, reports [i]);
        json_decref (reports [i]);
    }
    //  The text of a glm() parses its query, and a coxph()'s does not.
    json_t *r = s_binomial (S_BINOMIAL, true);
    assert_true (alloc_walk (s_walk_text, r) > 0);
    json_decref (r);
    r = s_coxph (true);
    assert_int_equal (alloc_walk (s_walk_text, r), 0);
    json_decref (r);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_model_binomial_html),
        cmocka_unit_test (test_model_binomial_csv_text),
        cmocka_unit_test (test_model_binomial_dp),
        cmocka_unit_test (test_model_coxph_html),
        cmocka_unit_test (test_model_coxph_csv_text),
        cmocka_unit_test (test_model_coxph_dp),
        cmocka_unit_test (test_model_bad_input),
        cmocka_unit_test (test_model_out_of_memory),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
