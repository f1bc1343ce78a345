/*  coordinator/query_text.c - a query's report as a table for a terminal
    (`cohort query`, `cohort simulate --query`, the demo). Reads the JSON of
    coordinator/query.h as untrusted input: a field of the wrong type is
    shown as "?" rather than trusted. */
#include "query.h"
#include "render.h"
#include "util/error.h"

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
    if (!strcmp (stat, "coefficient")) {
        char ci [2 * S_NUM + 8];
        json_t *pair = json_pack ("[OO]", json_object_get (r, "conf_low"),
                                  json_object_get (r, "conf_high"));
        fprintf (out, "  %-11s %-22.22s %12.6g %10.4g %9.3f %10.3g  %s\n", "coef",
                 s_str (json_object_get (r, "term")),
                 json_number_value (json_object_get (r, "estimate")),
                 json_number_value (json_object_get (r, "std_error")),
                 json_number_value (json_object_get (r, "t")),
                 json_number_value (json_object_get (r, "p_value")),
                 pair? s_interval (pair, ci, sizeof ci): "");
        json_decref (pair);
        return;
    }
    if (!strcmp (stat, "error")) {
        fprintf (out, "  %-11s %s\n", "error", s_str (json_object_get (r, "value")));
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
                 "are 95%% for the noise\n", spent, target,
                 json_number_value (json_object_get (privacy, "delta")));
    }
    if (job && strcmp (s_str (json_object_get (job, "status")), "completed"))
        fprintf (out, "  status     %s: %s\n", s_str (json_object_get (job, "status")),
                 s_str (json_object_get (job, "status_detail")));
    fputc ('\n', out);
    fprintf (out, "  %-11s %-22s %-10s %-14s %12s  %s\n", "statistic", "column", "group", "level",
             "value", "95% interval");
    size_t i;
    json_t *r;
    json_array_foreach (json_object_get (report, "results"), i, r)
        s_result (out, r);
    json_t *left = json_object_get (report, "left_out");
    if (left) {
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
