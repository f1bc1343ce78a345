/*  coordinator/query_text.c - a query's report as a table for a terminal
    (`cohort query`, `cohort simulate --query`, the demo). Reads the JSON of
    coordinator/query.h as untrusted input: a field of the wrong type is
    shown as "?" rather than trusted. */
#include "query.h"
#include "render.h"
#include "render_internal.h"
#include "util/error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define S_NUM 40

//  A number for people: integers as such, others to 6 significant digits.
static const char *
s_num (const json_t *v, char *buf)
{
    if (json_is_integer (v))
        snprintf (buf, S_NUM, "%lld", (long long) json_integer_value (v));
    else
    if (json_is_real (v)) {
        double x = json_real_value (v);
        if (x == (double) (long long) x && x > -1e15 && x < 1e15)
            snprintf (buf, S_NUM, "%.0f", x);
        else
            snprintf (buf, S_NUM, "%.6g", x);
    }
    else
    if (json_is_null (v))
        snprintf (buf, S_NUM, "suppressed");
    else
        snprintf (buf, S_NUM, "?");
    return buf;
}

//  "[lo, hi]" of a ci95 pair, or "".
static const char *
s_interval (const json_t *ci, char *buf, size_t size)
{
    char a [S_NUM], b [S_NUM];
    if (!json_is_array (ci) || json_array_size (ci) != 2
    ||  !json_is_number (json_array_get (ci, 0)) || !json_is_number (json_array_get (ci, 1))) {
        snprintf (buf, size, "%s", "");
        return buf;
    }
    snprintf (a, sizeof a, "%.4g", json_number_value (json_array_get (ci, 0)));
    snprintf (b, sizeof b, "%.4g", json_number_value (json_array_get (ci, 1)));
    snprintf (buf, size, "[%s, %s]", a, b);
    return buf;
}

static const char *
s_str (const json_t *v)
{
    return json_is_string (v)? json_string_value (v): "";
}

//  One line: statistic, column, group, level, value, interval.
static void
s_line (FILE *out, const char *stat, const char *column, const char *group, const char *level,
        const json_t *value, const json_t *ci)
{
    char num [S_NUM], ival [2 * S_NUM + 8];
    fprintf (out, "  %-11s %-22.22s %-10.10s %-14.14s %12s  %s\n", stat, column, group, level,
             s_num (value, num), json_is_null (value)? "": s_interval (ci, ival, sizeof ival));
}

//  A 2-D table (crosstab counts, a correlation matrix): one row per level.
static void
s_grid (FILE *out, const json_t *rows, const json_t *cols, const json_t *values)
{
    size_t i, j;
    json_t *label;
    fprintf (out, "    %-16s", "");
    json_array_foreach (cols, j, label)
        fprintf (out, " %12.12s", s_str (label));
    fputc ('\n', out);
    json_array_foreach (rows, i, label) {
        fprintf (out, "    %-16.16s", s_str (label));
        json_t *row = json_array_get (values, i);
        for (j = 0; j < json_array_size (cols); j++) {
            char num [S_NUM];
            json_t *v = json_array_get (row, j);
            if (json_is_real (v) && json_real_value (v) != (double) (long long) json_real_value (v))
                snprintf (num, sizeof num, "%.3f", json_real_value (v));
            else
                s_num (v, num);
            fprintf (out, " %12s", num);
        }
        fputc ('\n', out);
    }
}

//  A Kaplan-Meier curve: one line per grid point (time, at risk, survival,
//  its log-log band).
static void
s_survival (FILE *out, const json_t *r)
{
    fprintf (out, "  %-11s %-22.22s %-10.10s\n", "survival", s_str (json_object_get (r, "column")),
             s_str (json_object_get (r, "group")));
    fprintf (out, "    %10s %10s %12s  %s\n", "time", "at risk", "survival", "95% band (log-log)");
    json_t *time = json_object_get (r, "time"), *value = json_object_get (r, "value");
    json_t *risk = json_object_get (r, "n_risk");
    json_t *lo = json_object_get (r, "conf_low"), *hi = json_object_get (r, "conf_high");
    size_t i;
    json_t *t;
    json_array_foreach (time, i, t) {
        char a [S_NUM], b [S_NUM], c [S_NUM], band [2 * S_NUM + 8] = "";
        json_t *v = json_array_get (value, i);
        if (json_is_number (v) && json_is_number (json_array_get (lo, i)))
            snprintf (band, sizeof band, "[%.4f, %.4f]", json_number_value (json_array_get (lo, i)),
                      json_number_value (json_array_get (hi, i)));
        if (json_is_number (v))
            snprintf (c, sizeof c, "%.4f", json_number_value (v));
        else
            s_num (v, c);
        fprintf (out, "    %10s %10s %12s  %s\n", s_num (t, a), s_num (json_array_get (risk, i), b),
                 c, band);
    }
}

//  ---------------------------------------------------------------------------
//  glm() and coxph(): a regression table

//  Characters (not bytes) of UTF-8 text.
static int
s_chars (const char *text)
{
    int n = 0;
    for (const char *c = text; *c; c++)
        n += ((unsigned char) *c & 0xC0) != 0x80;
    return n;
}

//  text in `width` columns, right-aligned (left with `left`), counting
//  the dash as one column; longer text is written whole.
static void
s_cell (FILE *out, const char *text, int width, bool left)
{
    int pad = width - s_chars (text);
    if (left)
        fputs (text, out);
    for (int k = 0; k < pad; k++)
        fputc (' ', out);
    if (!left)
        fputs (text, out);
}

//  A figure of a model to 4 significant digits; a dash when it is not a
//  finite number (null, under DP a std_error that could not be had).
static const char *
s_fig (double v, char *buf)
{
    if (isfinite (v))
        snprintf (buf, S_NUM, "%.4g", v);
    else
        snprintf (buf, S_NUM, "\u2014");
    return buf;
}

static double
s_get (const json_t *r, const char *key)
{
    json_t *v = json_object_get (r, key);
    return json_is_number (v)? json_number_value (v): NAN;
}

//  "[lo, hi]", a dash for a missing bound.
static const char *
s_pair (double lo, double hi, char *buf, size_t size)
{
    char a [S_NUM], b [S_NUM];
    snprintf (buf, size, "[%s, %s]", s_fig (lo, a), s_fig (hi, b));
    return buf;
}

//  The table of a glm() (term, estimate, std. error, t or z, p, interval;
//  for binomial and poisson the odds or rate ratio and its interval) or a
//  coxph() (term, hazard ratio and its interval, coef, se(coef), z, p),
//  then the fit statistics, the likelihood-ratio test of a coxph(), or the
//  error that stopped the fit. -1 (UTIL_ENOMEM).
static int
s_model (FILE *out, const json_t *report, const coord_render_model_t *m)
{
    const coord_render_family_t *family;
    if (coord_render_family (report, &family))
        return -1;
    json_t *results = json_object_get (report, "results");
    const char *ratio = family? family->ratio: NULL, *test = "t";
    int term_w = 12;
    size_t i, terms = 0;
    json_t *r;
    json_array_foreach (results, i, r) {
        if (strcmp (s_str (json_object_get (r, "statistic")), "coefficient"))
            continue;
        terms++;
        int w = s_chars (s_str (json_object_get (r, "term")));
        term_w = w > term_w? (w < 32? w: 32): term_w;
        if (json_object_get (r, "z"))
            test = "z";
    }
    if (m->cox)
        fputs ("  Cox proportional hazards (Breslow ties, times on the public grid), z tests\n",
               out);
    else
        fprintf (out, "  %s, %s tests\n", family? family->title: "regression", test);
    //  The heading of the table (none for an error alone).
    if (terms) {
        fputs ("  ", out);
        s_cell (out, "term", term_w, true);
        if (m->cox)
            fprintf (out, " %10s  %-24s %10s %10s %8s %10s\n", "HR", "95% interval of HR",
                     "coef", "se(coef)", "z", "p-value");
        else {
            fprintf (out, " %10s %10s %8s %10s  %-24s", "estimate", "std.error", test,
                     "p-value", "95% interval");
            if (ratio)
                fprintf (out, " %10s  %s", ratio, "95% interval");
            fputc ('\n', out);
        }
    }
    json_array_foreach (results, i, r) {
        const char *stat = s_str (json_object_get (r, "statistic"));
        if (!strcmp (stat, "error"))
            fprintf (out, "  error: %s\n", s_str (json_object_get (r, "value")));
        if (strcmp (stat, "coefficient"))
            continue;
        char a [S_NUM], ival [2 * S_NUM + 8];
        fputs ("  ", out);
        s_cell (out, s_str (json_object_get (r, "term")), term_w, true);
        if (m->cox) {
            fputc (' ', out);
            s_cell (out, s_fig (s_get (r, "hazard_ratio"), a), 10, false);
            fputs ("  ", out);
            s_cell (out, s_pair (s_get (r, "hr_conf_low"), s_get (r, "hr_conf_high"), ival,
                                 sizeof ival), 24, true);
        }
        const char *keys [] = { "estimate", "std_error", test, "p_value" };
        const int widths [] = { 10, 10, 8, 10 };
        for (size_t k = 0; k < 4; k++) {
            fputc (' ', out);
            s_cell (out, s_fig (s_get (r, keys [k]), a), widths [k], false);
        }
        if (!m->cox) {
            fputs ("  ", out);
            s_cell (out, s_pair (s_get (r, "conf_low"), s_get (r, "conf_high"), ival,
                                 sizeof ival), 24, true);
            if (ratio) {
                fputc (' ', out);
                s_cell (out, s_fig (exp (s_get (r, "estimate")), a), 10, false);
                fputs ("  ", out);
                fputs (s_pair (exp (s_get (r, "conf_low")), exp (s_get (r, "conf_high")), ival,
                               sizeof ival), out);
            }
        }
        fputc ('\n', out);
    }
    //  The records left out, then the fit statistics in their order,
    //  labelled as the page labels them.
    bool first = true;
    json_t *left = json_object_get (report, "left_out");
    if (left) {
        char num [S_NUM], ival [2 * S_NUM + 8];
        s_interval (json_object_get (left, "ci95"), ival, sizeof ival);
        fprintf (out, "\n  %-36s %s%s%s\n", "records left out (missing values)",
                 s_num (json_object_get (left, "value"), num), *ival? "  ": "", ival);
        first = false;
    }
    for (size_t k = 0; k < m->n_fit; k++)
        json_array_foreach (results, i, r) {
            if (strcmp (s_str (json_object_get (r, "statistic")), m->fit [k]))
                continue;
            char num [S_NUM];
            json_t *v = json_object_get (r, "value");
            fprintf (out, "%s  %-36s %s\n", first? "\n": "", m->label [k],
                     json_is_integer (v)? s_num (v, num): s_fig (s_get (r, "value"), num));
            first = false;
            double chisq, p;
            size_t df;
            if (m->cox && !strcmp (m->fit [k], "loglik_null")
            &&  coord_render_lr (results, &chisq, &df, &p)) {
                char x [S_NUM], pv [S_NUM];
                fprintf (out, "  %-36s %s on %zu df, p-value %s\n", "likelihood-ratio chi-squared",
                         s_fig (chisq, x), df, s_fig (p, pv));
            }
        }
    return 0;
}

static void
s_result (FILE *out, const json_t *r)
{
    const char *stat = s_str (json_object_get (r, "statistic"));
    const char *column = s_str (json_object_get (r, "column"));
    const char *group = s_str (json_object_get (r, "group"));
    json_t *values = json_object_get (r, "values");
    json_t *ci = json_object_get (r, "ci95");
    if (!strcmp (stat, "survival")) {
        s_survival (out, r);
        return;
    }
    if (!strcmp (stat, "median_survival") || !strcmp (stat, "logrank")) {
        char a [S_NUM], b [S_NUM], c [S_NUM];
        //  A median the curve does not reach within the grid is null.
        const char *keys [3] = { "value", "conf_low", "conf_high" };
        char *bufs [3] = { a, b, c };
        for (int k = 0; *stat == 'm' && k < 3; k++) {
            json_t *v = json_object_get (r, keys [k]);
            if (json_is_null (v))
                snprintf (bufs [k], S_NUM, "not reached");
            else
                s_num (v, bufs [k]);
        }
        if (*stat == 'm')
            fprintf (out, "  %-11s %-22.22s %-10.10s %-14s %12s  [%s, %s]\n", "median", column,
                     group, "", a, b, c);
        else
            fprintf (out, "  %-11s chi-squared %s on %s df, p-value %s\n", "log-rank",
                     s_num (json_object_get (r, "chisq"), a), s_num (json_object_get (r, "df"), b),
                     s_num (json_object_get (r, "p_value"), c));
        return;
    }
    if (!strcmp (stat, "crosstab") || !strcmp (stat, "correlation")) {
        json_t *columns = json_object_get (r, "columns");
        json_t *levels = json_object_get (r, "levels");
        fprintf (out, "  %-11s", stat);
        size_t k;
        json_t *c;
        json_array_foreach (columns, k, c)
            fprintf (out, "%s%s", k? " x ": " ", s_str (c));
        fprintf (out, "%s%s\n", *group? "  group ": "", group);
        if (!strcmp (stat, "correlation"))
            s_grid (out, columns, columns, values);
        else
        if (json_array_size (levels) == 2)
            s_grid (out, json_array_get (levels, 0), json_array_get (levels, 1), values);
        else {
            //  A one-way table: one column of counts.
            json_t *one = json_pack ("[s]", "count");
            json_t *col = json_array ();
            size_t i;
            json_t *v;
            json_array_foreach (values, i, v)
                json_array_append_new (col, json_pack ("[O]", v));
            if (one && col)
                s_grid (out, json_array_get (levels, 0), one, col);
            json_decref (one);
            json_decref (col);
        }
        return;
    }
    if (json_is_array (values)) {
        json_t *breaks = json_object_get (r, "breaks");
        json_t *probs = json_object_get (r, "probs");
        size_t i;
        json_t *v;
        json_array_foreach (values, i, v) {
            char level [64] = "";
            if (json_is_array (breaks))
                snprintf (level, sizeof level, "%s%.6g,%.6g]", i? "(": "[",
                          json_number_value (json_array_get (breaks, i)),
                          json_number_value (json_array_get (breaks, i + 1)));
            else
            if (json_is_array (probs))
                snprintf (level, sizeof level, "p %.4g", json_number_value (json_array_get (probs, i)));
            s_line (out, i? "": stat, i? "": column, i? "": group, level, v,
                    json_array_get (ci, i));
        }
        return;
    }
    s_line (out, stat, column, group, "", json_object_get (r, "value"), ci);
    if (!strcmp (stat, "chisq")) {
        char df [S_NUM], p [S_NUM];
        fprintf (out, "  %-11s df %s, p-value %s\n", "", s_num (json_object_get (r, "df"), df),
                 s_num (json_object_get (r, "p_value"), p));
    }
}

int
coord_query_text (const json_t *report, FILE *out)
{
    if (!json_is_object (report) || !json_is_array (json_object_get (report, "results")))
        return util_error (UTIL_EINPUT, "report: not a query report (no results array)");
    json_t *privacy = json_object_get (report, "privacy");
    json_t *job = json_object_get (report, "job");
    const coord_render_model_t *model = coord_render_model (report);
    fprintf (out, "  query      %s\n", s_str (json_object_get (report, "query")));
    const char *dataset = s_str (json_object_get (report, "dataset"));
    json_t *sites = json_object_get (privacy, "sites");
    char num [S_NUM];
    if (json_is_integer (sites))
        fprintf (out, "  data       %s%s%s sites\n", *dataset? dataset: "", *dataset? ", ": "",
                 s_num (sites, num));
    else
        fprintf (out, "  data       %s\n", dataset);
    if (json_is_true (json_object_get (privacy, "not_private")))
        fputs ("  privacy    NOT PRIVATE (privacy was off): every figure is exact\n", out);
    else
    if (json_is_number (json_object_get (privacy, "target_epsilon"))) {
        double spent = json_number_value (json_object_get (privacy, "epsilon"));
        double target = json_number_value (json_object_get (privacy, "target_epsilon"));
        fprintf (out, "  privacy    epsilon %.4g of %.4g, delta %.3g, record-level DP; intervals "
                 "are 95%% for the noise%s\n", spent, target,
                 json_number_value (json_object_get (privacy, "delta")),
                 model? " and the sampling error": "");
    }
    if (job && strcmp (s_str (json_object_get (job, "status")), "completed"))
        fprintf (out, "  status     %s: %s\n", s_str (json_object_get (job, "status")),
                 s_str (json_object_get (job, "status_detail")));
    fputc ('\n', out);
    size_t i;
    json_t *r;
    if (model) {
        if (s_model (out, report, model))
            return -1;
    }
    else {
        fprintf (out, "  %-11s %-22s %-10s %-14s %12s  %s\n", "statistic", "column", "group",
                 "level", "value", "95% interval");
        json_array_foreach (json_object_get (report, "results"), i, r)
            s_result (out, r);
    }
    json_t *left = json_object_get (report, "left_out");
    if (left && !model) {
        char ival [2 * S_NUM + 8];
        fprintf (out, "  %-11s %-22s %-10s %-14s %12s  %s\n", "left out", "(missing values)", "",
                 "", s_num (json_object_get (left, "value"), num),
                 s_interval (json_object_get (left, "ci95"), ival, sizeof ival));
    }
    json_t *notes = json_object_get (report, "notes");
    if (json_array_size (notes))
        fputc ('\n', out);
    json_t *note;
    json_array_foreach (notes, i, note)
        fprintf (out, "  - %s\n", s_str (note));
    if (ferror (out))
        return util_error (UTIL_EIO, "report: write error");
    return 0;
}
