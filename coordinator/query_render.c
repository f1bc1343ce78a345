/*  coordinator/query_render.c - a query's results JSON (query.h) as tidy
    CSV and as one self-contained HTML page with SVG charts. The JSON is
    checked first (it may come back from a file); every string from it is
    quoted (CSV) or escaped (HTML). */
#include "query.h"
#include "render_internal.h"
#include "util/alloc.h"
#include "util/error.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  ---------------------------------------------------------------------------
//  Shape checks

static bool
s_num_or_null (const json_t *v)
{
    return json_is_number (v) || json_is_null (v);
}

//  v is absent, null, or [lo, hi] of numbers.
static bool
s_interval (const json_t *v)
{
    return !v || json_is_null (v)
        || (json_is_array (v) && json_array_size (v) == 2
            && json_is_number (json_array_get (v, 0)) && json_is_number (json_array_get (v, 1)));
}

//  v is an array of n numbers or nulls (n == 0: any length).
static bool
s_numbers (const json_t *v, size_t n)
{
    if (!json_is_array (v) || (n && json_array_size (v) != n))
        return false;
    size_t i;
    json_t *e;
    json_array_foreach (v, i, e)
        if (!s_num_or_null (e))
            return false;
    return true;
}

static bool
s_strings (const json_t *v, size_t n)
{
    if (!json_is_array (v) || (n && json_array_size (v) != n))
        return false;
    size_t i;
    json_t *e;
    json_array_foreach (v, i, e)
        if (!json_is_string (e))
            return false;
    return true;
}

//  ci95 and suppressed of a figure of n values: absent, or one per value
//  (suppressed: one for the figure unless `each`).
static bool
s_per_value (const json_t *ci, const json_t *sup, size_t n, bool each)
{
    if (ci) {
        if (!json_is_array (ci) || json_array_size (ci) != n)
            return false;
        for (size_t i = 0; i < n; i++)
            if (!s_interval (json_array_get (ci, i)))
                return false;
    }
    if (sup && each) {
        if (!json_is_array (sup) || json_array_size (sup) != n)
            return false;
        for (size_t i = 0; i < n; i++)
            if (!json_is_boolean (json_array_get (sup, i)))
                return false;
    }
    else
    if (sup && !json_is_boolean (sup))
        return false;
    return true;
}

static int
s_bad (size_t i, const char *what)
{
    return util_error (UTIL_EINPUT, "query report: results[%zu]: %s", i, what);
}

//  A table of `rows` rows of n values each, with per-cell ci95 and
//  suppressed rows when present.
static bool
s_table (const json_t *values, const json_t *ci, const json_t *sup, size_t rows, size_t n)
{
    if (!json_is_array (values) || json_array_size (values) != rows
    ||  (ci && (!json_is_array (ci) || json_array_size (ci) != rows))
    ||  (sup && (!json_is_array (sup) || json_array_size (sup) != rows)))
        return false;
    for (size_t a = 0; a < rows; a++)
        if (!s_numbers (json_array_get (values, a), n)
        ||  !s_per_value (ci? json_array_get (ci, a): NULL, sup? json_array_get (sup, a): NULL,
                          n, true))
            return false;
    return true;
}

//  A Kaplan-Meier curve: time an array of increasing numbers; value and
//  n_risk one number or null per time, and so std_error and the bands
//  when present; suppressed absent or one boolean per time.
static int
s_check_survival (size_t i, const json_t *r)
{
    static const char *arrays [] = {
        "value", "n_risk", "std_error", "conf_low", "conf_high", "conf_low_log", "conf_high_log"
    };
    json_t *time = json_object_get (r, "time");
    size_t n = json_array_size (time);
    bool ok = json_is_array (time) && n > 0;
    for (size_t k = 0; ok && k < n; k++)
        ok = json_is_number (json_array_get (time, k))
          && (k == 0 || json_number_value (json_array_get (time, k))
                        > json_number_value (json_array_get (time, k - 1)));
    if (!ok)
        return s_bad (i, "time: expected an array of increasing numbers");
    for (size_t a = 0; a < sizeof arrays / sizeof arrays [0]; a++) {
        json_t *v = json_object_get (r, arrays [a]);
        if ((v || a < 2) && !s_numbers (v, n))
            return util_error (UTIL_EINPUT, "query report: results[%zu]: %s: expected %zu "
                               "numbers or nulls, one per time", i, arrays [a], n);
    }
    json_t *sup = json_object_get (r, "suppressed");
    if (sup && !s_per_value (NULL, sup, n, true))
        return s_bad (i, "suppressed: expected one boolean per time");
    return 0;
}

//  Each of keys[0 .. n) present (all but the optional ones) and a number
//  or null; df, when named, an integer.
static int
s_check_fields (size_t i, const json_t *r, const char **keys, size_t n, size_t required)
{
    for (size_t k = 0; k < n; k++) {
        json_t *v = json_object_get (r, keys [k]);
        bool df = !strcmp (keys [k], "df");
        if (!v && k >= required)
            continue;
        if (df? !json_is_integer (v): !s_num_or_null (v))
            return util_error (UTIL_EINPUT, "query report: results[%zu]: %s: expected %s", i,
                               keys [k], df? "an integer": "a number or null");
    }
    return 0;
}

//  ---------------------------------------------------------------------------
//  Models: glm() and coxph()

static const char *const s_glm_fit [] = {
    "deviance", "null_deviance", "df_residual", "aic", "loglik", "iterations", "n"
};
static const char *const s_glm_fit_label [] = {
    "residual deviance", "null deviance", "residual degrees of freedom", "AIC",
    "log-likelihood", "iterations", "records in the fit (n)"
};
static const char *const s_cox_fit [] = {
    "loglik", "loglik_null", "iterations", "n", "events", "concordance"
};
static const char *const s_cox_fit_label [] = {
    "log-likelihood", "null log-likelihood (no covariates)", "iterations",
    "records in the fit (n)", "events", "concordance"
};
static const coord_render_model_t s_models [] = {
    { "glm", false, s_glm_fit, s_glm_fit_label, sizeof s_glm_fit / sizeof s_glm_fit [0] },
    { "coxph", true, s_cox_fit, s_cox_fit_label, sizeof s_cox_fit / sizeof s_cox_fit [0] },
};

const coord_render_model_t *
coord_render_model (const json_t *report)
{
    const char *kind = coord_render_str (report, "kind");
    for (size_t k = 0; kind && k < sizeof s_models / sizeof s_models [0]; k++)
        if (!strcmp (kind, s_models [k].kind))
            return &s_models [k];
    return NULL;
}

static const coord_render_family_t s_families [] = {
    { "gaussian", "linear regression (gaussian family, identity link)", NULL },
    { "binomial", "logistic regression (binomial family, logit link)", "odds ratio" },
    { "poisson", "Poisson regression (poisson family, log link)", "rate ratio" },
};

int
coord_render_family (const json_t *report, const coord_render_family_t **family)
{
    *family = NULL;
    const char *text = coord_render_str (report, "query");
    const coord_render_model_t *m = coord_render_model (report);
    if (!text || !m || m->cox)
        return 0;
    //  The parser, not a scan of the text, so that the family is the one
    //  the query ran with.
    proto_query_t *q = proto_query_parse (text);
    if (!q)
        return util_last_code () == UTIL_ENOMEM? -1: 0;
    if (q->kind == PROTO_Q_GLM) {
        if (q->family == PROTO_FAMILY_BINOMIAL)
            *family = &s_families [1];
        else
        if (q->family == PROTO_FAMILY_POISSON)
            *family = &s_families [2];
        else
            *family = &s_families [0];
    }
    proto_query_destroy (&q);
    return 0;
}

bool
coord_render_lr (const json_t *results, double *chisq, size_t *df, double *p)
{
    double ll = NAN, ll0 = NAN, v;
    size_t terms = 0, i;
    json_t *r;
    json_array_foreach (results, i, r) {
        const char *stat = coord_render_str (r, "statistic");
        if (!stat)
            continue;
        terms += !strcmp (stat, "coefficient");
        if (!strcmp (stat, "loglik") && coord_render_num (r, "value", &v))
            ll = v;
        if (!strcmp (stat, "loglik_null") && coord_render_num (r, "value", &v))
            ll0 = v;
    }
    double x = 2 * (ll - ll0);
    if (!isfinite (x) || terms == 0)
        return false;
    *chisq = x;
    *df = terms;
    //  Under DP a noisy statistic can be negative: no evidence, p = 1.
    *p = x > 0? gsl_cdf_chisq_Q (x, (double) terms): 1;
    return true;
}

static bool
s_is_fit (const coord_render_model_t *m, const char *stat)
{
    for (size_t k = 0; k < m->n_fit; k++)
        if (!strcmp (stat, m->fit [k]))
            return true;
    return false;
}

//  The test statistic of a coefficient: "t" (gaussian) or "z"; NULL if it
//  has neither or both.
static const char *
s_glm_stat_name (const json_t *r)
{
    bool t = json_object_get (r, "t") != NULL, z = json_object_get (r, "z") != NULL;
    return t == z? NULL: t? "t": "z";
}

//  A model report's result: a coefficient (a term and its numbers; a
//  coxph()'s with z and its hazard ratios), a fit statistic (a number or
//  null), or an error (a string, and the only result).
static int
s_check_model (size_t i, const json_t *r, const char *stat, size_t results,
               const coord_render_model_t *m)
{
    if (!strcmp (stat, "error")) {
        if (!json_is_string (json_object_get (r, "value")))
            return s_bad (i, "error: value: expected a string");
        return results == 1? 0: s_bad (i, "error: expected as the only result");
    }
    if (s_is_fit (m, stat)) {
        const char *keys [] = { "value" };
        return s_check_fields (i, r, keys, 1, 1);
    }
    if (strcmp (stat, "coefficient"))
        return util_error (UTIL_EINPUT, "query report: results[%zu]: statistic: '%s' is not a "
                           "%s() figure", i, stat, m->kind);
    if (!json_is_string (json_object_get (r, "term")))
        return s_bad (i, "term: expected a string");
    const char *test = s_glm_stat_name (r);
    if (m->cox && (!test || strcmp (test, "z")))
        return s_bad (i, "coefficient: expected z (and no t)");
    if (!test)
        return s_bad (i, "coefficient: expected one of t and z");
    const char *keys [] = { "estimate", "std_error", test, "p_value", "conf_low", "conf_high",
                            "hazard_ratio", "hr_conf_low", "hr_conf_high" };
    size_t n = m->cox? 9: 6;
    return s_check_fields (i, r, keys, n, n);
}

static int
s_check_result (size_t i, const json_t *r, const coord_render_model_t *model, size_t results)
{
    if (!json_is_object (r))
        return s_bad (i, "expected an object");
    const char *stat = coord_render_str (r, "statistic");
    if (!stat)
        return s_bad (i, "statistic: expected a string");
    if (model)
        return s_check_model (i, r, stat, results, model);
    if (!strcmp (stat, "coefficient"))
        return s_bad (i, "coefficient: only in a glm() or coxph() report (kind \"glm\" or "
                         "\"coxph\")");
    json_t *column = json_object_get (r, "column"), *columns = json_object_get (r, "columns");
    json_t *group = json_object_get (r, "group"), *values = json_object_get (r, "values");
    json_t *ci = json_object_get (r, "ci95"), *sup = json_object_get (r, "suppressed");
    json_t *levels = json_object_get (r, "levels");
    if (column && !json_is_string (column))
        return s_bad (i, "column: expected a string");
    if (columns && !s_strings (columns, 0))
        return s_bad (i, "columns: expected an array of strings");
    if (group && !json_is_string (group))
        return s_bad (i, "group: expected a string");
    json_t *note = json_object_get (r, "note");
    if (note && !json_is_string (note))
        return s_bad (i, "note: expected a string");
    if (!strcmp (stat, "quantile")) {
        json_t *probs = json_object_get (r, "probs");
        size_t n = json_array_size (probs);
        if (!s_numbers (probs, 0) || !s_numbers (values, 0) || json_array_size (values) != n)
            return s_bad (i, "quantile: expected probs and values of the same length");
        return s_per_value (ci, sup, n, false)? 0: s_bad (i, "quantile: ci95 or suppressed");
    }
    if (!strcmp (stat, "histogram")) {
        size_t n = json_array_size (values);
        if (!s_numbers (values, 0) || n < 1 || !s_numbers (json_object_get (r, "breaks"), n + 1))
            return s_bad (i, "histogram: expected values and one more breaks");
        return s_per_value (ci, sup, n, true)? 0: s_bad (i, "histogram: ci95 or suppressed");
    }
    if (!strcmp (stat, "crosstab") && column) {
        size_t n = json_array_size (levels);
        if (!s_strings (levels, 0) || !s_numbers (values, n))
            return s_bad (i, "crosstab: expected levels and values of the same length");
        return s_per_value (ci, sup, n, true)? 0: s_bad (i, "crosstab: ci95 or suppressed");
    }
    if (!strcmp (stat, "crosstab")) {
        json_t *la = json_array_get (levels, 0), *lb = json_array_get (levels, 1);
        if (json_array_size (columns) != 2 || json_array_size (levels) != 2
        ||  !s_strings (la, 0) || !s_strings (lb, 0))
            return s_bad (i, "crosstab: expected a column, or two columns and their levels");
        if (!s_table (values, ci, sup, json_array_size (la), json_array_size (lb)))
            return s_bad (i, "crosstab: expected one row of values (ci95, suppressed) per "
                             "level of the first column");
        return 0;
    }
    if (!strcmp (stat, "correlation")) {
        size_t m = json_array_size (columns);
        if (m < 2 || !s_table (values, ci, NULL, m, m)
        ||  (sup && !json_is_boolean (sup)))
            return s_bad (i, "correlation: expected columns and a square matrix of values");
        return 0;
    }
    if (!strcmp (stat, "survival"))
        return s_check_survival (i, r);
    if (!strcmp (stat, "median_survival")) {
        const char *keys [] = { "value", "conf_low", "conf_high" };
        return s_check_fields (i, r, keys, 3, 1);
    }
    if (!strcmp (stat, "logrank")) {
        const char *keys [] = { "chisq", "df", "p_value" };
        return s_check_fields (i, r, keys, 3, 3);
    }
    //  count, mean, sd, var, chisq, and any later scalar figure.
    if (!json_object_get (r, "value") || !s_num_or_null (json_object_get (r, "value")))
        return s_bad (i, "value: expected a number or null");
    if (!s_interval (ci) || (sup && !json_is_boolean (sup)))
        return s_bad (i, "ci95 or suppressed");
    if (!strcmp (stat, "chisq")
    &&  (json_array_size (columns) != 2 || !s_num_or_null (json_object_get (r, "p_value"))
         || !json_is_integer (json_object_get (r, "df"))))
        return s_bad (i, "chisq: expected two columns, df and p_value");
    return 0;
}

static int
s_check (const json_t *report)
{
    if (!json_is_object (report))
        return util_error (UTIL_EINPUT, "query report: expected a JSON object");
    json_t *results = json_object_get (report, "results");
    if (!json_is_array (results))
        return util_error (UTIL_EINPUT, "query report: results: expected an array");
    json_t *privacy = json_object_get (report, "privacy");
    if (!json_is_object (privacy))
        return util_error (UTIL_EINPUT, "query report: privacy: expected an object");
    json_t *left = json_object_get (report, "left_out");
    if (left && (!json_is_object (left) || !s_num_or_null (json_object_get (left, "value"))
                 || !s_interval (json_object_get (left, "ci95"))))
        return util_error (UTIL_EINPUT, "query report: left_out: expected {value, ci95}");
    json_t *notes = json_object_get (report, "notes");
    if (notes && !s_strings (notes, 0))
        return util_error (UTIL_EINPUT, "query report: notes: expected an array of strings");
    json_t *kind = json_object_get (report, "kind");
    if (kind && !json_is_string (kind))
        return util_error (UTIL_EINPUT, "query report: kind: expected a string");
    const coord_render_model_t *model = coord_render_model (report);
    size_t i;
    json_t *r;
    json_array_foreach (results, i, r)
        if (s_check_result (i, r, model, json_array_size (results)))
            return -1;
    return 0;
}

//  Runs fn into a new string; NULL (UTIL_ENOMEM) if the stream fails.
static char *
s_to_string (int (*fn) (const json_t *, FILE *), const json_t *report)
{
    if (s_check (report))
        return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *m = util_alloc_fault ()? NULL: open_memstream (&text, &len);
    if (!m)
        return util_error_null (UTIL_ENOMEM, "query report: out of memory");
    int rc = fn (report, m);
    //  A memory stream fails only for memory.
    bool failed = ferror (m) != 0;
    if (fclose (m) || failed || !text || util_alloc_fault ()) {
        free (text);
        return util_error_null (UTIL_ENOMEM, "query report: out of memory");
    }
    if (rc) {
        free (text);
        return NULL;
    }
    return text;
}

//  ---------------------------------------------------------------------------
//  CSV

//  Text fields go through coord_render_csv_text (render_internal.h) with
//  signed numbers and "-Inf" left as they are, so that R and pandas read
//  them.

//  A number: integers as integers, reals to 15 significant digits (as R's
//  write.csv; the JSON keeps every bit); empty for null or anything else.
static void
s_csv_num (FILE *out, const json_t *v)
{
    if (json_is_integer (v))
        fprintf (out, "%lld", (long long) json_integer_value (v));
    else
    if (json_is_real (v) && isfinite (json_real_value (v)))
        fprintf (out, "%.15g", json_real_value (v));
}

//  One row, its interval as two numbers. column, group and level may be
//  NULL (empty).
static void
s_csv_line (FILE *out, const char *statistic, const char *column, const char *group,
            const char *level, const json_t *value, const json_t *low, const json_t *high,
            const json_t *suppressed)
{
    coord_render_csv_text (out, statistic, true);
    fputc (',', out);
    coord_render_csv_text (out, column? column: "", true);
    fputc (',', out);
    coord_render_csv_text (out, group? group: "", true);
    fputc (',', out);
    coord_render_csv_text (out, level? level: "", true);
    fputc (',', out);
    s_csv_num (out, value);
    fputc (',', out);
    s_csv_num (out, low);
    fputc (',', out);
    s_csv_num (out, high);
    fputs (json_is_true (suppressed)? ",true\r\n": ",false\r\n", out);
}

//  One row, its interval as [lo, hi] (or anything else: none).
static void
s_csv_row (FILE *out, const char *statistic, const char *column, const char *group,
           const char *level, const json_t *value, const json_t *ci, const json_t *suppressed)
{
    s_csv_line (out, statistic, column, group, level, value,
                json_is_array (ci)? json_array_get (ci, 0): NULL,
                json_is_array (ci)? json_array_get (ci, 1): NULL, suppressed);
}

//  "a|b" (for a crosstab's or a correlation's pair): a new string, or NULL.
static char *
s_join (const char *a, const char *b)
{
    return util_asprintf ("%s|%s", a, b);
}

//  A histogram bin as R's hist() labels it: [a,b] first, then (a,b].
static char *
s_bin_label (const json_t *breaks, size_t i)
{
    char a [32], b [32];
    snprintf (a, sizeof a, "%.15g", json_number_value (json_array_get (breaks, i)));
    snprintf (b, sizeof b, "%.15g", json_number_value (json_array_get (breaks, i + 1)));
    return util_asprintf ("%s%s,%s]", i? "(": "[", a, b);
}

static int
s_csv_result (FILE *out, const json_t *r)
{
    const char *stat = coord_render_str (r, "statistic");
    const char *column = coord_render_str (r, "column");
    const char *group = coord_render_str (r, "group");
    json_t *columns = json_object_get (r, "columns"), *values = json_object_get (r, "values");
    json_t *ci = json_object_get (r, "ci95"), *sup = json_object_get (r, "suppressed");
    json_t *levels = json_object_get (r, "levels");
    char label [40];
    if (!strcmp (stat, "quantile")) {
        json_t *probs = json_object_get (r, "probs");
        for (size_t i = 0; i < json_array_size (values); i++) {
            snprintf (label, sizeof label, "%.15g", json_number_value (json_array_get (probs, i)));
            s_csv_row (out, stat, column, group, label, json_array_get (values, i),
                       json_array_get (ci, i), sup);
        }
        return 0;
    }
    if (!strcmp (stat, "histogram")) {
        json_t *breaks = json_object_get (r, "breaks");
        for (size_t i = 0; i < json_array_size (values); i++) {
            char *bin = s_bin_label (breaks, i);
            if (!bin)
                return -1;
            s_csv_row (out, stat, column, group, bin, json_array_get (values, i),
                       json_array_get (ci, i), json_array_get (sup, i));
            free (bin);
        }
        return 0;
    }
    if (!strcmp (stat, "crosstab") && column) {
        for (size_t i = 0; i < json_array_size (values); i++)
            s_csv_row (out, stat, column, group, json_string_value (json_array_get (levels, i)),
                       json_array_get (values, i), json_array_get (ci, i),
                       json_array_get (sup, i));
        return 0;
    }
    if (!strcmp (stat, "chisq")) {
        char *pair = s_join (json_string_value (json_array_get (columns, 0)),
                             json_string_value (json_array_get (columns, 1)));
        if (!pair)
            return -1;
        s_csv_row (out, stat, pair, group, NULL, json_object_get (r, "value"), ci, sup);
        s_csv_row (out, "chisq_df", pair, group, NULL, json_object_get (r, "df"), NULL, sup);
        s_csv_row (out, "chisq_p_value", pair, group, NULL, json_object_get (r, "p_value"), NULL,
                   sup);
        free (pair);
        return 0;
    }
    if (!strcmp (stat, "crosstab")) {
        char *pair = s_join (json_string_value (json_array_get (columns, 0)),
                             json_string_value (json_array_get (columns, 1)));
        json_t *la = json_array_get (levels, 0), *lb = json_array_get (levels, 1);
        for (size_t a = 0; pair && a < json_array_size (la); a++)
            for (size_t b = 0; b < json_array_size (lb); b++) {
                char *cell = s_join (json_string_value (json_array_get (la, a)),
                                     json_string_value (json_array_get (lb, b)));
                if (!cell) {
                    free (pair);
                    return -1;
                }
                s_csv_row (out, stat, pair, group, cell,
                           json_array_get (json_array_get (values, a), b),
                           json_array_get (json_array_get (ci, a), b),
                           json_array_get (json_array_get (sup, a), b));
                free (cell);
            }
        int rc = pair? 0: -1;
        free (pair);
        return rc;
    }
    if (!strcmp (stat, "survival")) {
        //  Survival and its log-log band at each grid time, then the
        //  numbers at risk.
        json_t *time = json_object_get (r, "time"), *value = json_object_get (r, "value");
        json_t *low = json_object_get (r, "conf_low"), *high = json_object_get (r, "conf_high");
        json_t *risk = json_object_get (r, "n_risk");
        for (int pass = 0; pass < 2; pass++)
            for (size_t k = 0; k < json_array_size (time); k++) {
                snprintf (label, sizeof label, "%.15g",
                          json_number_value (json_array_get (time, k)));
                if (pass == 0)
                    s_csv_line (out, stat, column, group, label, json_array_get (value, k),
                                json_array_get (low, k), json_array_get (high, k),
                                json_array_get (sup, k));
                else
                    s_csv_line (out, "n_risk", column, group, label, json_array_get (risk, k),
                                NULL, NULL, NULL);
            }
        return 0;
    }
    if (!strcmp (stat, "median_survival")) {
        s_csv_line (out, stat, column, group, NULL, json_object_get (r, "value"),
                    json_object_get (r, "conf_low"), json_object_get (r, "conf_high"), NULL);
        return 0;
    }
    if (!strcmp (stat, "logrank")) {
        s_csv_line (out, "logrank_chisq", column, group, NULL, json_object_get (r, "chisq"),
                    NULL, NULL, NULL);
        s_csv_line (out, "logrank_df", column, group, NULL, json_object_get (r, "df"), NULL,
                    NULL, NULL);
        s_csv_line (out, "logrank_p_value", column, group, NULL, json_object_get (r, "p_value"),
                    NULL, NULL, NULL);
        return 0;
    }
    if (!strcmp (stat, "correlation")) {
        size_t m = json_array_size (columns);
        for (size_t j = 0; j < m; j++)
            for (size_t k = j + 1; k < m; k++) {
                char *pair = s_join (json_string_value (json_array_get (columns, j)),
                                     json_string_value (json_array_get (columns, k)));
                if (!pair)
                    return -1;
                s_csv_row (out, stat, pair, group, NULL,
                           json_array_get (json_array_get (values, j), k),
                           json_array_get (json_array_get (ci, j), k), sup);
                free (pair);
            }
        return 0;
    }
    s_csv_row (out, stat, column, group, NULL, json_object_get (r, "value"), ci, sup);
    return 0;
}

//  glm() and coxph(): the regression table in broom's tidy columns
//  (statistic: t or z; coxph() adds its hazard ratios and their interval),
//  a blank line, then the fit as statistic,value rows: records left out,
//  the fit statistics in their order, or the error that stopped the fit
//  (then the table has no rows).
static int
s_csv_model (const json_t *report, const coord_render_model_t *m, FILE *out)
{
    json_t *results = json_object_get (report, "results");
    size_t i;
    json_t *r;
    fputs (m->cox? "term,estimate,std.error,statistic,p.value,conf.low,conf.high,"
                   "hazard.ratio,hr.conf.low,hr.conf.high\r\n"
                 : "term,estimate,std.error,statistic,p.value,conf.low,conf.high\r\n", out);
    json_array_foreach (results, i, r) {
        if (strcmp (coord_render_str (r, "statistic"), "coefficient"))
            continue;
        const char *keys [] = { "estimate", "std_error", s_glm_stat_name (r), "p_value",
                                "conf_low", "conf_high", "hazard_ratio", "hr_conf_low",
                                "hr_conf_high" };
        coord_render_csv_text (out, coord_render_str (r, "term"), true);
        for (size_t k = 0; k < (m->cox? 9u: 6u); k++) {
            fputc (',', out);
            s_csv_num (out, json_object_get (r, keys [k]));
        }
        fputs ("\r\n", out);
    }
    fputs ("\r\nstatistic,value\r\n", out);
    json_t *left = json_object_get (report, "left_out");
    if (left) {
        fputs ("left_out,", out);
        s_csv_num (out, json_object_get (left, "value"));
        fputs ("\r\n", out);
    }
    for (size_t k = 0; k < m->n_fit; k++)
        json_array_foreach (results, i, r)
            if (!strcmp (coord_render_str (r, "statistic"), m->fit [k])) {
                coord_render_csv_text (out, m->fit [k], true);
                fputc (',', out);
                s_csv_num (out, json_object_get (r, "value"));
                fputs ("\r\n", out);
            }
    json_array_foreach (results, i, r)
        if (!strcmp (coord_render_str (r, "statistic"), "error")) {
            fputs ("error,", out);
            coord_render_csv_text (out, coord_render_str (r, "value"), true);
            fputs ("\r\n", out);
        }
    return 0;
}

static int
s_csv (const json_t *report, FILE *out)
{
    const coord_render_model_t *model = coord_render_model (report);
    if (model)
        return s_csv_model (report, model, out);
    fputs ("statistic,column,group,level,value,ci95_low,ci95_high,suppressed\r\n", out);
    json_t *left = json_object_get (report, "left_out");
    if (left)
        s_csv_row (out, "left_out", NULL, NULL, NULL, json_object_get (left, "value"),
                   json_object_get (left, "ci95"), json_object_get (left, "suppressed"));
    size_t i;
    json_t *r;
    json_array_foreach (json_object_get (report, "results"), i, r)
        if (s_csv_result (out, r))
            return -1;
    return 0;
}

char *
coord_query_csv (const json_t *results)
{
    return s_to_string (s_csv, results);
}

//  ---------------------------------------------------------------------------
//  HTML

#define S_W       720               //  chart width
#define S_PAD_L   56
#define S_PAD_R   24
#define S_PAD_T   16
#define S_PAD_B   40

static const char s_css [] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:60rem;"
    "margin:2rem auto;padding:0 1rem;color:#222;line-height:1.4}"
    "h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;"
    "border-bottom:1px solid #ddd;padding-bottom:.2rem}"
    "code.query{font-size:1.05rem;background:#f4f4f4;padding:.2rem .4rem;border-radius:4px}"
    "table{border-collapse:collapse;margin:.5rem 0}th,td{text-align:left;padding:.2rem .8rem "
    ".2rem 0;vertical-align:top}th{font-weight:600;color:#444}"
    "table.grid td,table.grid th{border:1px solid #e4e4e4;padding:.25rem .6rem}"
    "table.grid td.n{text-align:right}"
    "table.glm,table.coxph{font-size:.875rem}table.glm td.n,table.coxph td.n{white-space:nowrap}"
    "table.glm td,table.glm th,table.coxph td,table.coxph th{padding:.25rem .45rem}"
    "span.na{color:#999}"
    ".ci{display:block;color:#666;font-size:.8rem;white-space:nowrap}"
    "td.sup{background:repeating-linear-gradient(45deg,#eee,#eee 4px,#fafafa 4px,#fafafa 8px);"
    "color:#777;font-style:italic}"
    ".stamp{border:4px solid #d00;color:#d00;font-weight:800;font-size:2rem;letter-spacing:.2rem;"
    "text-align:center;padding:.5rem;margin:1rem 0;transform:rotate(-1deg)}"
    ".stamp small{display:block;font-size:.9rem;letter-spacing:0;font-weight:400}"
    ".privacy{border:2px solid #1f77b4;border-radius:6px;padding:.5rem 1rem;background:#f5f9fd}"
    ".privacy.off{border-color:#d00;background:#fff5f5}"
    ".missing{color:#b00020;font-style:italic}"
    "figure{margin:1.5rem 0;padding:.5rem 1rem;border:1px solid #e4e4e4;border-radius:6px;"
    "overflow-x:auto}th.across{text-align:center}"
    "figcaption{font-weight:600;margin-bottom:.3rem}"
    "p.dp{color:#1f4e79;font-size:.9rem;margin:.3rem 0}p.dp.off{color:#d00;font-weight:600}"
    "p.note{font-size:.9rem;margin:.3rem 0}p.meaning{color:#1f4e79}"
    "svg text{font-size:11px;fill:#333}svg .axis{font-size:12px}svg .legend{font-size:12px}"
    "svg .sup{fill:#777;font-style:italic}"
    ".scroll{overflow-x:auto;max-width:100%}"
    "table.grid.risk th,table.grid.risk td{font-size:.7rem;white-space:nowrap;padding:.1rem .2rem}"
    "table.risk th:first-child{position:sticky;left:0;background:#fff;z-index:1}"
    "td.dim{color:#999;font-style:italic}"
    ".key{display:inline-block;width:.9rem;height:.9rem;border-radius:2px;margin-right:.4rem;"
    "vertical-align:-.1rem}"
    "footer{margin-top:2rem;color:#777;font-size:.85rem}"
    "svg{max-width:100%;height:auto}"
    //  Printed: A4, the page's own margins; nothing scrolls on paper, so
    //  boxes show all they hold and the wide tables get smaller type; no
    //  figure, chart or table row is cut across two pages.
    "@page{size:A4;margin:15mm 12mm}"
    "@media print{body{max-width:none;margin:0;padding:0;font-size:10pt}"
    "figure,.scroll{overflow:visible}figure{padding:.3rem .5rem}"
    "table.glm,table.coxph{font-size:8pt}"
    "table.glm td,table.glm th,table.coxph td,table.coxph th{padding:.15rem .25rem}"
    "table.grid.risk th,table.grid.risk td{font-size:6pt;padding:.05rem .1rem}"
    "figure,svg,tr,.privacy,.stamp{break-inside:avoid}h2,figcaption{break-after:avoid}"
    ".privacy,.stamp,td.sup,.key{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

typedef struct {
    FILE *out;
    const json_t *report;
    const coord_render_model_t *model;         //  a glm() or coxph() report
    const coord_render_family_t *family;       //  a glm()'s family, when known
    bool private;
    double min_cell;
    unsigned charts;            //  unique ids for the SVG patterns
} s_page_t;

//  A number for people: reals to 4 significant digits (whole numbers from
//  100000 up to 1e15, beyond which a noisy figure would be a wall of
//  digits); `missing` for anything not finite.
static void
s_html_real (FILE *out, double d, const char *missing)
{
    if (!isfinite (d))
        fputs (missing, out);
    else
        fprintf (out, fabs (d) >= 1e5 && fabs (d) < 1e15? "%.0f": "%.4g", d);
}

//  s_html_real of a JSON number; integers as they are; `missing` for null.
static void
s_html_num (FILE *out, const json_t *v, const char *missing)
{
    if (json_is_integer (v))
        fprintf (out, "%lld", (long long) json_integer_value (v));
    else
    if (json_is_real (v))
        s_html_real (out, json_real_value (v), missing);
    else
        fputs (missing, out);
}

//  A 95% interval under its figure: "[lo, hi]".
static void
s_html_ci (FILE *out, const json_t *ci)
{
    if (!json_is_array (ci))
        return;
    fputs ("<span class=\"ci\" title=\"95% interval for the DP noise\">[", out);
    s_html_num (out, json_array_get (ci, 0), "?");
    fputs (", ", out);
    s_html_num (out, json_array_get (ci, 1), "?");
    fputs ("]</span>", out);
}

//  A table cell for a value, its interval and whether it was suppressed.
static void
s_html_cell (FILE *out, const json_t *value, const json_t *ci, const json_t *sup)
{
    if (json_is_true (sup)) {
        fputs ("<td class=\"sup\" title=\"noisy count below the minimum cell\">suppressed</td>",
               out);
        return;
    }
    fputs ("<td class=\"n\">", out);
    s_html_num (out, value, "<span class=\"missing\">n/a</span>");
    s_html_ci (out, ci);
    fputs ("</td>", out);
}

//  The privacy line under a figure; `intervals`: say what [lo, hi] under
//  a figure is.
static void
s_html_dp (s_page_t *p, bool intervals)
{
    json_t *privacy = json_object_get (p->report, "privacy");
    double eps, delta, sd, sites;
    if (!p->private) {
        fputs ("<p class=\"dp off\">NOT PRIVATE: exact figures, no noise.</p>\n", p->out);
        return;
    }
    fputs ("<p class=\"dp\">", p->out);
    if (coord_render_num (privacy, "epsilon", &eps) && coord_render_num (privacy, "delta", &delta))
        fprintf (p->out, "&#949; = %.3g, &#948; = %.3g", eps, delta);
    else
        fputs ("&#949; and &#948; not stated", p->out);
    if (coord_render_num (privacy, "noise_sd", &sd))
        fprintf (p->out, "; noise: standard deviation %.3g on each released entry", sd);
    if (coord_render_num (privacy, "sites", &sites))
        fprintf (p->out, " (the sum of %.0f sites' shares)", sites);
    fputs (intervals? ". [lo, hi] under a figure is its 95% interval for the DP noise: the "
                      "figure computed without noise on the same pooled records lies in it "
                      "with 95% probability (it says nothing of sampling error).</p>\n"
                     : ".</p>\n", p->out);
}

static bool
s_same (const char *a, const char *b)
{
    return a == b || (a && b && !strcmp (a, b));
}

//  The privacy line and the distinct notes of results[from .. to), then
//  the end of the figure.
static void
s_html_figure_close (s_page_t *p, const json_t *results, size_t from, size_t to,
                     bool intervals)
{
    s_html_dp (p, intervals);
    for (size_t i = from; i < to; i++) {
        const char *note = coord_render_str (json_array_get (results, i), "note");
        bool seen = false;
        for (size_t k = from; k < i && !seen; k++)
            seen = s_same (note, coord_render_str (json_array_get (results, k), "note"));
        if (!note || seen)
            continue;
        fputs ("<p class=\"note\">", p->out);
        coord_render_esc (p->out, note);
        fputs ("</p>\n", p->out);
    }
    fputs ("</figure>\n", p->out);
}

static void
s_html_figure_end (s_page_t *p, const json_t *results, size_t from, size_t to)
{
    s_html_figure_close (p, results, from, to, true);
}

//  " -- diabetes = 1" after a figure's title when grouped.
static void
s_html_group (s_page_t *p, const json_t *r)
{
    const char *group = coord_render_str (r, "group");
    const char *by = coord_render_str (p->report, "by");
    if (!group)
        return;
    fputs (" &mdash; ", p->out);
    coord_render_esc (p->out, by? by: "group");
    fputs (" = ", p->out);
    coord_render_esc (p->out, group);
}

static bool
s_is_scalar (const char *stat)
{
    return !strcmp (stat, "count") || !strcmp (stat, "mean") || !strcmp (stat, "sd")
        || !strcmp (stat, "var");
}

//  The scalar figures results[from .. to) as one table: a row per group
//  and column (in order of first appearance), a column per statistic.
static void
s_html_summary (s_page_t *p, const json_t *results, size_t from, size_t to)
{
    static const char *stats [] = { "count", "mean", "sd", "var" };
    bool has [4] = { false };
    for (size_t i = from; i < to; i++)
        for (size_t s = 0; s < 4; s++)
            has [s] |= !strcmp (coord_render_str (json_array_get (results, i), "statistic"),
                                stats [s]);
    bool grouped = coord_render_str (json_array_get (results, from), "group") != NULL;
    const char *by = coord_render_str (p->report, "by");
    fprintf (p->out, "<figure><figcaption>%s</figcaption>\n<table class=\"grid\">\n<tr>",
             has [1] || has [2] || has [3]? "Summary": "Counts");
    if (grouped) {
        fputs ("<th>", p->out);
        coord_render_esc (p->out, by? by: "group");
        fputs ("</th>", p->out);
    }
    fputs ("<th>column</th>", p->out);
    for (size_t s = 0; s < 4; s++)
        if (has [s])
            fprintf (p->out, "<th>%s</th>", stats [s]);
    fputs ("</tr>\n", p->out);
    for (size_t i = from; i < to; i++) {
        const json_t *r = json_array_get (results, i);
        const char *g = coord_render_str (r, "group"), *col = coord_render_str (r, "column");
        bool seen = false;
        for (size_t k = from; k < i && !seen; k++) {
            const json_t *e = json_array_get (results, k);
            seen = s_same (g, coord_render_str (e, "group"))
                && s_same (col, coord_render_str (e, "column"));
        }
        if (seen)
            continue;
        fputs ("<tr>", p->out);
        if (grouped) {
            fputs ("<th>", p->out);
            coord_render_esc (p->out, g? g: "");
            fputs ("</th>", p->out);
        }
        fputs ("<th>", p->out);
        coord_render_esc (p->out, col? col: "(records)");
        fputs ("</th>", p->out);
        for (size_t s = 0; s < 4; s++) {
            if (!has [s])
                continue;
            const json_t *hit = NULL;
            for (size_t k = i; k < to && !hit; k++) {
                const json_t *e = json_array_get (results, k);
                if (!strcmp (coord_render_str (e, "statistic"), stats [s])
                &&  s_same (g, coord_render_str (e, "group"))
                &&  s_same (col, coord_render_str (e, "column")))
                    hit = e;
            }
            if (hit)
                s_html_cell (p->out, json_object_get (hit, "value"), json_object_get (hit, "ci95"),
                             json_object_get (hit, "suppressed"));
            else
                fputs ("<td></td>", p->out);
        }
        fputs ("</tr>\n", p->out);
    }
    fputs ("</table>\n", p->out);
    s_html_figure_end (p, results, from, to);
}

//  The smallest "round" step (1, 2, 2.5, 5 times a power of ten) at least
//  `raw`.
static double
s_nice_step (double raw)
{
    static const double mult [] = { 1, 2, 2.5, 5, 10 };
    if (!(raw > 0))
        return 1;
    double p = pow (10, floor (log10 (raw)));
    for (size_t i = 0; i < sizeof mult / sizeof mult [0]; i++)
        if (mult [i] * p >= raw * (1 - 1e-12))
            return mult [i] * p;
    return 10 * p;
}

//  A histogram: bars over the breaks, each with its interval; suppressed
//  bins hatched up to the minimum cell.
static void
s_html_histogram (s_page_t *p, const json_t *results, size_t at)
{
    const json_t *r = json_array_get (results, at);
    json_t *values = json_object_get (r, "values"), *breaks = json_object_get (r, "breaks");
    json_t *ci = json_object_get (r, "ci95"), *sup = json_object_get (r, "suppressed");
    size_t n = json_array_size (values);
    const int h = 260;
    double x0 = json_number_value (json_array_get (breaks, 0));
    double x1 = json_number_value (json_array_get (breaks, n));
    double ymax = p->private? p->min_cell: 1;
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_array_get (ci, i);
        double v = json_number_value (json_array_get (values, i));
        if (json_is_array (c))
            v = fmax (v, json_number_value (json_array_get (c, 1)));
        ymax = fmax (ymax, v);
    }
    double step = s_nice_step (ymax / 4);
    if (step < 1)
        step = 1;
    ymax = 4 * step;
    double pw = S_W - S_PAD_L - S_PAD_R, ph = h - S_PAD_T - S_PAD_B;
    double span = x1 > x0? x1 - x0: 1;
    #define S_X(x) (S_PAD_L + ((x) - x0) / span * pw)
    #define S_Y(y) (S_PAD_T + ph - (y) / ymax * ph)
    unsigned id = ++p->charts;
    fputs ("<figure><figcaption>Histogram of ", p->out);
    coord_render_esc (p->out, coord_render_str (r, "column"));
    s_html_group (p, r);
    fprintf (p->out, "</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                     "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"histogram\">\n"
                     "<defs><pattern id=\"hatch%u\" width=\"6\" height=\"6\" "
                     "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
                     "<rect width=\"6\" height=\"6\" fill=\"#f4f4f4\"/><line x1=\"0\" y1=\"0\" "
                     "x2=\"0\" y2=\"6\" stroke=\"#999\" stroke-width=\"2\"/></pattern></defs>\n"
                     "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafafa\" "
                     "stroke=\"#bbb\"/>\n", S_W, h, S_W, h, id, S_PAD_L, S_PAD_T, pw, ph);
    for (int k = 0; k <= 4; k++) {
        double y = step * k;
        fprintf (p->out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
                         "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.4g</text>\n",
                 S_PAD_L, S_Y (y), S_PAD_L + pw, S_Y (y), S_PAD_L - 6, S_Y (y) + 4, y);
    }
    //  At most 11 break labels.
    size_t every = n / 10 + 1;
    for (size_t i = 0; i <= n; i += every) {
        double b = json_number_value (json_array_get (breaks, i));
        fprintf (p->out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.4g</text>\n",
                 S_X (b), h - S_PAD_B + 16, b);
    }
    fprintf (p->out, "<text x=\"%.0f\" y=\"%d\" class=\"axis\" text-anchor=\"middle\">",
             S_PAD_L + pw / 2, h - 6);
    coord_render_esc (p->out, coord_render_str (r, "column"));
    fprintf (p->out, "</text><text x=\"14\" y=\"%d\" class=\"axis\" text-anchor=\"middle\" "
                     "transform=\"rotate(-90 14 %d)\">count</text>\n", h / 2, h / 2);
    for (size_t i = 0; i < n; i++) {
        double a = json_number_value (json_array_get (breaks, i));
        double b = json_number_value (json_array_get (breaks, i + 1));
        double xa = S_X (a) + 0.5, xb = S_X (b) - 0.5;
        if (xb < xa + 1)
            xb = xa + 1;
        if (json_is_true (json_array_get (sup, i))) {
            fprintf (p->out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                             "fill=\"url(#hatch%u)\" stroke=\"#999\"><title>%.4g to %.4g: "
                             "suppressed (noisy count below %.0f)</title></rect>\n",
                     xa, S_Y (p->min_cell), xb - xa, S_Y (0) - S_Y (p->min_cell), id, a, b,
                     p->min_cell);
            continue;
        }
        json_t *v = json_array_get (values, i);
        if (!json_is_number (v))
            continue;
        double y = json_number_value (v);
        fprintf (p->out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                         "fill=\"#1f77b4\" fill-opacity=\"0.75\"><title>%.4g to %.4g: %.4g",
                 xa, S_Y (y), xb - xa, S_Y (0) - S_Y (y), a, b, y);
        json_t *c = json_array_get (ci, i);
        if (json_is_array (c))
            fprintf (p->out, " (95%%: %.4g to %.4g)", json_number_value (json_array_get (c, 0)),
                     json_number_value (json_array_get (c, 1)));
        fputs ("</title></rect>\n", p->out);
        if (json_is_array (c)) {
            double xm = (xa + xb) / 2, lo = json_number_value (json_array_get (c, 0));
            double hi = json_number_value (json_array_get (c, 1)), cap = fmin (4, (xb - xa) / 3);
            fprintf (p->out, "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fH%.1fM%.1f %.1fH%.1f\" "
                             "stroke=\"#222\" stroke-width=\"1\" fill=\"none\"/>\n",
                     xm, S_Y (lo), S_Y (hi), xm - cap, S_Y (lo), xm + cap, xm - cap, S_Y (hi),
                     xm + cap);
        }
    }
    #undef S_X
    #undef S_Y
    fputs ("</svg>\n", p->out);
    if (p->private)
        fprintf (p->out, "<p class=\"note\">Bars: noisy counts; black whiskers: their 95%% "
                         "intervals; hatched: suppressed (noisy count below %.0f).</p>\n",
                 p->min_cell);
    s_html_figure_end (p, results, at, at + 1);
}

//  The probability among probs[] nearest `want`, within [lo, hi]; -1 if none.
static long
s_nearest (const json_t *probs, double want, double lo, double hi)
{
    long best = -1;
    for (size_t i = 0; i < json_array_size (probs); i++) {
        double q = json_number_value (json_array_get (probs, i));
        if (q < lo || q > hi)
            continue;
        if (best < 0 || fabs (q - want) < fabs (json_number_value (json_array_get (probs, (size_t) best)) - want))
            best = (long) i;
    }
    return best;
}

//  Quantiles of one column, results[from .. to), one row per group: a
//  box between the probabilities nearest 0.25 and 0.75, a line at the
//  one nearest the median, whiskers to the outer ones; each quantile's
//  interval as a thin band above; a table of the figures under it.
static void
s_html_quantiles (s_page_t *p, const json_t *results, size_t from, size_t to)
{
    const json_t *first = json_array_get (results, from);
    size_t rows = to - from;
    double lo = HUGE_VAL, hi = -HUGE_VAL;
    for (size_t i = from; i < to; i++) {
        const json_t *r = json_array_get (results, i);
        json_t *values = json_object_get (r, "values"), *ci = json_object_get (r, "ci95");
        for (size_t k = 0; k < json_array_size (values); k++) {
            json_t *v = json_array_get (values, k), *c = json_array_get (ci, k);
            if (json_is_number (v)) {
                lo = fmin (lo, json_number_value (v));
                hi = fmax (hi, json_number_value (v));
            }
            if (json_is_array (c)) {
                lo = fmin (lo, json_number_value (json_array_get (c, 0)));
                hi = fmax (hi, json_number_value (json_array_get (c, 1)));
            }
        }
    }
    fputs ("<figure><figcaption>Quantiles of ", p->out);
    coord_render_esc (p->out, coord_render_str (first, "column"));
    fputs ("</figcaption>\n", p->out);
    if (lo <= hi) {
        double step = s_nice_step ((hi - lo) / 6);
        if (!(step > 0))
            step = 1;
        double x0 = floor (lo / step) * step, x1 = ceil (hi / step) * step;
        if (x1 <= x0)
            x1 = x0 + step;
        //  A row: the intervals stacked above the box, one per quantile.
        size_t np = json_array_size (json_object_get (first, "probs"));
        int bands = p->private? (int) (np < 12? np: 12): 0;
        int row_h = 40 + 6 * bands, h = S_PAD_T + (int) rows * row_h + S_PAD_B;
        int pad_l = 120;
        double pw = S_W - pad_l - S_PAD_R;
        #define S_X(x) (pad_l + ((x) - x0) / (x1 - x0) * pw)
        fprintf (p->out, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                         "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"quantiles\">\n"
                         "<rect x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%d\" fill=\"#fafafa\" "
                         "stroke=\"#bbb\"/>\n", S_W, h, S_W, h, pad_l, S_PAD_T, pw,
                 (int) rows * row_h);
        for (double t = x0; t <= x1 + step / 2; t += step)
            fprintf (p->out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e4e4e4\"/>"
                             "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.4g</text>\n",
                     S_X (t), S_PAD_T, S_X (t), S_PAD_T + (int) rows * row_h, S_X (t),
                     S_PAD_T + (int) rows * row_h + 16, t);
        fprintf (p->out, "<text x=\"%.0f\" y=\"%d\" class=\"axis\" text-anchor=\"middle\">",
                 pad_l + pw / 2, h - 6);
        coord_render_esc (p->out, coord_render_str (first, "column"));
        fputs ("</text>\n", p->out);
        for (size_t i = from; i < to; i++) {
            const json_t *r = json_array_get (results, i);
            json_t *probs = json_object_get (r, "probs"), *values = json_object_get (r, "values");
            json_t *ci = json_object_get (r, "ci95");
            double yc = S_PAD_T + (double) (i - from) * row_h + row_h - 20;
            const char *g = coord_render_str (r, "group");
            fprintf (p->out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" class=\"axis\">",
                     pad_l - 8, yc + 4);
            if (g) {
                const char *by = coord_render_str (p->report, "by");
                coord_render_esc (p->out, by? by: "group");
                fputs (" = ", p->out);
                coord_render_esc (p->out, g);
            }
            else
                fputs ("all records", p->out);
            fputs ("</text>\n", p->out);
            if (json_is_true (json_object_get (r, "suppressed"))) {
                fprintf (p->out, "<text x=\"%.0f\" y=\"%.1f\" class=\"sup\">suppressed (noisy "
                                 "count below %.0f)</text>\n", pad_l + 10.0, yc + 4, p->min_cell);
                continue;
            }
            long pmin = s_nearest (probs, 0, 0, 1), pmax = s_nearest (probs, 1, 0, 1);
            long b1 = s_nearest (probs, 0.25, 0, 0.5), b2 = s_nearest (probs, 0.75, 0.5, 1);
            long med = s_nearest (probs, 0.5, 0, 1);
            #define S_V(k) json_number_value (json_array_get (values, (size_t) (k)))
            #define S_OK(k) ((k) >= 0 && json_is_number (json_array_get (values, (size_t) (k))))
            if (S_OK (pmin) && S_OK (pmax))
                fprintf (p->out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                 "stroke=\"#333\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                                 "y2=\"%.1f\" stroke=\"#333\"/><line x1=\"%.1f\" y1=\"%.1f\" "
                                 "x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n",
                         S_X (S_V (pmin)), yc, S_X (S_V (pmax)), yc,
                         S_X (S_V (pmin)), yc - 8, S_X (S_V (pmin)), yc + 8,
                         S_X (S_V (pmax)), yc - 8, S_X (S_V (pmax)), yc + 8);
            if (S_OK (b1) && S_OK (b2))
                fprintf (p->out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"20\" "
                                 "fill=\"#aec7e8\" stroke=\"#1f77b4\"/>\n", S_X (S_V (b1)),
                         yc - 10, fmax (1, S_X (S_V (b2)) - S_X (S_V (b1))));
            if (S_OK (med))
                fprintf (p->out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                 "stroke=\"#d62728\" stroke-width=\"2.5\"/>\n",
                         S_X (S_V (med)), yc - 10, S_X (S_V (med)), yc + 10);
            for (size_t k = 0; k < json_array_size (values); k++) {
                json_t *c = json_array_get (ci, k);
                if (!S_OK ((long) k))
                    continue;
                double q = json_number_value (json_array_get (probs, k));
                fprintf (p->out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"#222\">"
                                 "<title>%.4g quantile: %.4g</title></circle>\n",
                         S_X (S_V (k)), yc, q, S_V (k));
                if (json_is_array (c) && (int) k < bands) {
                    double a = S_X (json_number_value (json_array_get (c, 0)));
                    double b = S_X (json_number_value (json_array_get (c, 1)));
                    double y = yc - 18 - 6 * (double) k;
                    fprintf (p->out, "<g><title>%.4g quantile: %.4g, 95%%: %.4g to %.4g</title>"
                                     "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                                     "stroke=\"#ff7f0e\" stroke-width=\"3\" "
                                     "stroke-opacity=\"0.7\"/><line x1=\"%.1f\" y1=\"%.1f\" "
                                     "x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222\"/></g>\n",
                             q, S_V (k), json_number_value (json_array_get (c, 0)),
                             json_number_value (json_array_get (c, 1)), a, y, fmax (b, a + 1), y,
                             S_X (S_V (k)), y - 3, S_X (S_V (k)), y + 3);
                }
            }
            #undef S_V
            #undef S_OK
        }
        #undef S_X
        fputs ("</svg>\n", p->out);
        fputs ("<p class=\"note\">Box between the quantiles nearest 0.25 and 0.75, red line at "
               "the one nearest the median, whiskers at the outer quantiles requested", p->out);
        fputs (p->private? "; orange bars above: each quantile's 95% interval (lowest bar: "
                            "first quantile), its estimate ticked.</p>\n": ".</p>\n", p->out);
    }
    //  The figures as a table: a row per group, a column per probability.
    json_t *probs = json_object_get (first, "probs");
    fputs ("<table class=\"grid\">\n<tr><th></th>", p->out);
    for (size_t k = 0; k < json_array_size (probs); k++)
        fprintf (p->out, "<th>%.4g</th>", json_number_value (json_array_get (probs, k)));
    fputs ("</tr>\n", p->out);
    for (size_t i = from; i < to; i++) {
        const json_t *r = json_array_get (results, i);
        const char *g = coord_render_str (r, "group");
        fputs ("<tr><th>", p->out);
        coord_render_esc (p->out, g? g: "all records");
        fputs ("</th>", p->out);
        json_t *values = json_object_get (r, "values"), *ci = json_object_get (r, "ci95");
        for (size_t k = 0; k < json_array_size (values); k++)
            s_html_cell (p->out, json_array_get (values, k), json_array_get (ci, k),
                         json_object_get (r, "suppressed"));
        fputs ("</tr>\n", p->out);
    }
    fputs ("</table>\n", p->out);
    s_html_figure_end (p, results, from, to);
}

static void
s_html_crosstab (s_page_t *p, const json_t *results, size_t at)
{
    const json_t *r = json_array_get (results, at);
    json_t *values = json_object_get (r, "values"), *levels = json_object_get (r, "levels");
    json_t *ci = json_object_get (r, "ci95"), *sup = json_object_get (r, "suppressed");
    const char *column = coord_render_str (r, "column");
    json_t *columns = json_object_get (r, "columns");
    fputs ("<figure><figcaption>Table of ", p->out);
    if (column)
        coord_render_esc (p->out, column);
    else {
        coord_render_esc (p->out, json_string_value (json_array_get (columns, 0)));
        fputs (" by ", p->out);
        coord_render_esc (p->out, json_string_value (json_array_get (columns, 1)));
    }
    s_html_group (p, r);
    fputs ("</figcaption>\n<table class=\"grid\">\n", p->out);
    if (column) {
        fputs ("<tr><th>", p->out);
        coord_render_esc (p->out, column);
        fputs ("</th><th>count</th></tr>\n", p->out);
        for (size_t i = 0; i < json_array_size (values); i++) {
            fputs ("<tr><th>", p->out);
            coord_render_esc (p->out, json_string_value (json_array_get (levels, i)));
            fputs ("</th>", p->out);
            s_html_cell (p->out, json_array_get (values, i), json_array_get (ci, i),
                         json_array_get (sup, i));
            fputs ("</tr>\n", p->out);
        }
    }
    else {
        //  The first column's name over its levels (down), the second's
        //  over its levels (across).
        json_t *la = json_array_get (levels, 0), *lb = json_array_get (levels, 1);
        fputs ("<tr><th rowspan=\"2\">", p->out);
        coord_render_esc (p->out, json_string_value (json_array_get (columns, 0)));
        fprintf (p->out, "</th><th colspan=\"%zu\" class=\"across\">", json_array_size (lb));
        coord_render_esc (p->out, json_string_value (json_array_get (columns, 1)));
        fputs ("</th></tr>\n<tr>", p->out);
        for (size_t b = 0; b < json_array_size (lb); b++) {
            fputs ("<th>", p->out);
            coord_render_esc (p->out, json_string_value (json_array_get (lb, b)));
            fputs ("</th>", p->out);
        }
        fputs ("</tr>\n", p->out);
        for (size_t a = 0; a < json_array_size (la); a++) {
            fputs ("<tr><th>", p->out);
            coord_render_esc (p->out, json_string_value (json_array_get (la, a)));
            fputs ("</th>", p->out);
            for (size_t b = 0; b < json_array_size (lb); b++)
                s_html_cell (p->out, json_array_get (json_array_get (values, a), b),
                             json_array_get (json_array_get (ci, a), b),
                             json_array_get (json_array_get (sup, a), b));
            fputs ("</tr>\n", p->out);
        }
    }
    fputs ("</table>\n", p->out);
    //  Its chi-squared test, when it follows.
    const json_t *x = json_array_get (results, at + 1);
    size_t to = at + 1;
    if (x && !strcmp (coord_render_str (x, "statistic"), "chisq")
    &&  s_same (coord_render_str (x, "group"), coord_render_str (r, "group"))) {
        to++;
        fputs ("<p>Pearson's &#967;&#178; = ", p->out);
        s_html_num (p->out, json_object_get (x, "value"), "n/a");
        json_t *xci = json_object_get (x, "ci95");
        if (json_is_array (xci)) {
            fputs (" (95% for the noise: ", p->out);
            s_html_num (p->out, json_array_get (xci, 0), "?");
            fputs (" to ", p->out);
            s_html_num (p->out, json_array_get (xci, 1), "?");
            fputs (")", p->out);
        }
        fputs (", df = ", p->out);
        s_html_num (p->out, json_object_get (x, "df"), "?");
        //  A Monte Carlo p-value at its floor, 1 / (draws + 1), is an
        //  upper bound.
        double pv, draws;
        if (coord_render_num (x, "p_value", &pv) && coord_render_num (x, "p_value_draws", &draws)
        &&  pv <= 1 / (draws + 1) * (1 + 1e-9))
            fprintf (p->out, ", p &le; %.2g (Monte Carlo, %.0f draws)", pv, draws);
        else {
            fputs (", p = ", p->out);
            s_html_num (p->out, json_object_get (x, "p_value"), "n/a");
        }
        if (json_is_true (json_object_get (x, "suppressed")))
            fputs (" <span class=\"missing\">(suppressed: the table's noisy total is below the "
                   "minimum cell)</span>", p->out);
        fputs (".</p>\n", p->out);
    }
    s_html_figure_end (p, results, at, to);
}

static void
s_html_correlation (s_page_t *p, const json_t *results, size_t at)
{
    const json_t *r = json_array_get (results, at);
    json_t *columns = json_object_get (r, "columns"), *values = json_object_get (r, "values");
    json_t *ci = json_object_get (r, "ci95");
    bool sup = json_is_true (json_object_get (r, "suppressed"));
    size_t m = json_array_size (columns);
    fputs ("<figure><figcaption>Correlations", p->out);
    s_html_group (p, r);
    fputs ("</figcaption>\n<table class=\"grid\">\n<tr><th></th>", p->out);
    for (size_t k = 0; k < m; k++) {
        fputs ("<th>", p->out);
        coord_render_esc (p->out, json_string_value (json_array_get (columns, k)));
        fputs ("</th>", p->out);
    }
    fputs ("</tr>\n", p->out);
    for (size_t j = 0; j < m; j++) {
        fputs ("<tr><th>", p->out);
        coord_render_esc (p->out, json_string_value (json_array_get (columns, j)));
        fputs ("</th>", p->out);
        for (size_t k = 0; k < m; k++) {
            json_t *v = json_array_get (json_array_get (values, j), k);
            if (sup) {
                fputs ("<td class=\"sup\">suppressed</td>", p->out);
                continue;
            }
            //  Blue for positive, red for negative, stronger with |r|.
            double x = json_is_number (v)? json_number_value (v): 0;
            fprintf (p->out, "<td class=\"n\" style=\"background:rgba(%s,%.2f)\">",
                     x >= 0? "31,119,180": "214,39,40", fmin (1, fabs (x)) * 0.45);
            s_html_num (p->out, v, "<span class=\"missing\">n/a</span>");
            if (j != k)
                s_html_ci (p->out, json_array_get (json_array_get (ci, j), k));
            fputs ("</td>", p->out);
        }
        fputs ("</tr>\n", p->out);
    }
    fputs ("</table>\n", p->out);
    s_html_figure_end (p, results, at, at + 1);
}

//  ---------------------------------------------------------------------------
//  Kaplan-Meier

static bool
s_is_km (const char *stat)
{
    return !strcmp (stat, "survival") || !strcmp (stat, "median_survival")
        || !strcmp (stat, "logrank");
}

//  Colours of the curves (and dashes after the tenth), by group.
static const char *s_km_colours [] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf"
};
#define S_KM_COLOURS (sizeof s_km_colours / sizeof s_km_colours [0])

static const char *
s_km_dash (size_t g)
{
    return g < S_KM_COLOURS? "": g < 2 * S_KM_COLOURS? " stroke-dasharray=\"7 3\""
                                                    : " stroke-dasharray=\"2 3\"";
}

//  The plot area: time x0 .. x1 across, survival 0 .. 1 up.
typedef struct {
    double x0, x1;
    double left, top, width, height;
} s_km_axes_t;

static double
s_km_at (const s_km_axes_t *a, double t)
{
    double x = fmin (fmax (t, a->x0), a->x1);
    return a->left + (x - a->x0) / (a->x1 - a->x0) * a->width;
}

static double
s_km_x (const s_km_axes_t *a, const json_t *t)
{
    return s_km_at (a, json_number_value (t));
}

static double
s_km_y (const s_km_axes_t *a, const json_t *v)
{
    return a->top + (1 - fmin (fmax (json_number_value (v), 0), 1)) * a->height;
}

//  Grid point k has a value and both bounds.
static bool
s_km_banded (const json_t *value, const json_t *low, const json_t *high, size_t k)
{
    return json_is_number (json_array_get (value, k)) && json_is_number (json_array_get (low, k))
        && json_is_number (json_array_get (high, k));
}

//  One curve's 95% band, shaded: a closed step outline over each run of
//  grid points with a value and both bounds. Survival at a grid point
//  holds until the next one, so a run reaches the point after it.
static void
s_km_band (FILE *out, const s_km_axes_t *a, const json_t *r, const char *colour,
           double opacity)
{
    json_t *time = json_object_get (r, "time"), *value = json_object_get (r, "value");
    json_t *low = json_object_get (r, "conf_low"), *high = json_object_get (r, "conf_high");
    size_t n = json_array_size (time);
    bool open = false;
    for (size_t k = 0; k < n; ) {
        if (!s_km_banded (value, low, high, k)) {
            k++;
            continue;
        }
        size_t b = k;
        while (b + 1 < n && s_km_banded (value, low, high, b + 1))
            b++;
        if (!open)
            fprintf (out, "<path class=\"km-band\" fill=\"%s\" fill-opacity=\"%.2f\" "
                          "stroke=\"none\" d=\"", colour, opacity);
        open = true;
        fprintf (out, "M%.1f %.1f", s_km_x (a, json_array_get (time, k)),
                 s_km_y (a, json_array_get (high, k)));
        for (size_t i = k; i <= b; i++) {
            fprintf (out, "H%.1f", s_km_x (a, json_array_get (time, i + 1 < n? i + 1: i)));
            if (i < b)
                fprintf (out, "V%.1f", s_km_y (a, json_array_get (high, i + 1)));
        }
        fprintf (out, "V%.1f", s_km_y (a, json_array_get (low, b)));
        for (size_t i = b + 1; i-- > k; ) {
            fprintf (out, "H%.1f", s_km_x (a, json_array_get (time, i)));
            if (i > k)
                fprintf (out, "V%.1f", s_km_y (a, json_array_get (low, i - 1)));
        }
        fputc ('Z', out);
        k = b + 1;
    }
    if (open)
        fputs ("\"/>\n", out);
}

//  One curve as steps: level from each grid point to the next, down at
//  the next; broken where a value is null (suppressed).
static void
s_km_steps (FILE *out, const s_km_axes_t *a, const json_t *r, size_t g)
{
    json_t *time = json_object_get (r, "time"), *value = json_object_get (r, "value");
    size_t n = json_array_size (time);
    bool open = false, drawing = false;
    for (size_t k = 0; k < n; k++) {
        json_t *v = json_array_get (value, k);
        if (!json_is_number (v)) {
            drawing = false;
            continue;
        }
        if (!open)
            fprintf (out, "<path class=\"km-curve\" fill=\"none\" stroke=\"%s\" "
                          "stroke-width=\"2\"%s d=\"", s_km_colours [g % S_KM_COLOURS],
                     s_km_dash (g));
        open = true;
        if (drawing)
            fprintf (out, "V%.1f", s_km_y (a, v));
        else
            fprintf (out, "M%.1f %.1f", s_km_x (a, json_array_get (time, k)), s_km_y (a, v));
        if (k + 1 < n)
            fprintf (out, "H%.1f", s_km_x (a, json_array_get (time, k + 1)));
        drawing = true;
    }
    if (!open)
        return;
    fputs ("\"><title>", out);
    const char *group = coord_render_str (r, "group");
    coord_render_esc (out, group? group: "all");
    fputs ("</title></path>\n", out);
}

//  Characters (not bytes) of UTF-8 text, for the legend's layout.
static size_t
s_chars (const char *text)
{
    size_t n = 0;
    for (const char *c = text; *c; c++)
        n += ((unsigned char) *c & 0xC0) != 0x80;
    return n;
}

//  The legend's rows above the plot, one entry per curve, wrapped to the
//  chart's width: returns the number of rows; writes them when `out`.
static int
s_km_legend (FILE *out, const json_t *results, size_t from, size_t to, double left,
             double right, double top)
{
    const double char_w = 7, key_w = 22, gap = 18, row_h = 18;
    double x = left;
    int rows = 1;
    size_t g = 0;
    for (size_t i = from; i < to; i++) {
        const json_t *r = json_array_get (results, i);
        if (strcmp (coord_render_str (r, "statistic"), "survival"))
            continue;
        const char *group = coord_render_str (r, "group");
        group = group? group: "all";
        //  An entry longer than a row is squeezed into it.
        double text_w = (double) s_chars (group) * char_w, fit = right - left - key_w;
        bool squeeze = text_w > fit;
        if (squeeze)
            text_w = fit;
        if (x > left && x + key_w + text_w > right) {
            x = left;
            rows++;
        }
        double y = top + (rows - 1) * row_h;
        if (out) {
            fprintf (out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                          "stroke-width=\"3\"%s/><text x=\"%.1f\" y=\"%.1f\" class=\"legend\"",
                     x, y + 9, x + 16, y + 9, s_km_colours [g % S_KM_COLOURS], s_km_dash (g),
                     x + key_w, y + 13);
            if (squeeze)
                fprintf (out, " textLength=\"%.0f\" lengthAdjust=\"spacingAndGlyphs\"", text_w);
            fputc ('>', out);
            coord_render_esc (out, group);
            fputs ("</text>\n", out);
        }
        x += key_w + text_w + gap;
        g++;
    }
    return rows;
}

//  The index in results of the g-th curve (survival) of results[from ..
//  to); `to` if there are fewer.
static size_t
s_km_curve_at (const json_t *results, size_t from, size_t to, size_t g)
{
    for (size_t i = from; i < to; i++)
        if (!strcmp (coord_render_str (json_array_get (results, i), "statistic"), "survival")
        &&  g-- == 0)
            return i;
    return to;
}

//  The chart of the curves (`curves` of them, at least one) of results[from
//  .. to) with their bands, medians and legend.
static void
s_km_chart (s_page_t *p, const json_t *results, size_t from, size_t to, size_t curves,
            const char *column)
{
    s_km_axes_t a = { .x0 = HUGE_VAL, .x1 = -HUGE_VAL, .left = S_PAD_L,
                      .width = S_W - S_PAD_L - S_PAD_R, .height = 300 };
    for (size_t g = 0; g < curves; g++) {
        json_t *time = json_object_get (json_array_get (results,
                                                        s_km_curve_at (results, from, to, g)),
                                        "time");
        a.x0 = fmin (a.x0, json_number_value (json_array_get (time, 0)));
        a.x1 = fmax (a.x1, json_number_value (json_array_get (time, json_array_size (time) - 1)));
    }
    if (!(a.x1 > a.x0))
        a.x1 = a.x0 + 1;
    //  No legend for the one curve of all records.
    const char *group = coord_render_str (json_array_get (results, s_km_curve_at (results, from,
                                                                                  to, 0)), "group");
    bool keyed = curves > 1 || (group && strcmp (group, "all"));
    int legend = keyed? s_km_legend (NULL, results, from, to, S_PAD_L, S_W - S_PAD_R, S_PAD_T): 0;
    a.top = S_PAD_T + legend * 18 + (legend? 8: 0);
    int h = (int) (a.top + a.height) + S_PAD_B;
    FILE *out = p->out;
    fprintf (out, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
                  "height=\"%d\" role=\"img\" aria-label=\"Kaplan-Meier curves\">\n"
                  "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafafa\" "
                  "stroke=\"#bbb\"/>\n", S_W, h, S_W, h, a.left, a.top, a.width, a.height);
    if (keyed)
        s_km_legend (out, results, from, to, S_PAD_L, S_W - S_PAD_R, S_PAD_T);
    //  Survival in quarters, the half dashed (where the medians are read).
    for (int q = 0; q <= 4; q++) {
        double y = a.top + (1 - q / 4.0) * a.height;
        fprintf (out, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"%s\"%s/>"
                      "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.2g</text>\n",
                 a.left, y, a.left + a.width, y, q == 2? "#999": "#e4e4e4",
                 q == 2? " stroke-dasharray=\"4 3\"": "", a.left - 6, y + 4, q / 4.0);
    }
    double step = s_nice_step ((a.x1 - a.x0) / 8), t0 = ceil (a.x0 / step) * step;
    for (int k = 0; k <= 40 && t0 + k * step <= a.x1 + step * 1e-9; k++) {
        double x = s_km_at (&a, t0 + k * step);
        fprintf (out, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#e4e4e4\"/>"
                      "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%.6g</text>\n",
                 x, a.top, x, a.top + a.height, x, a.top + a.height + 16, t0 + k * step);
    }
    fprintf (out, "<text x=\"%.0f\" y=\"%d\" class=\"axis\" text-anchor=\"middle\">",
             a.left + a.width / 2, h - 6);
    coord_render_esc (out, column? column: "time");
    fprintf (out, "</text><text x=\"14\" y=\"%.0f\" class=\"axis\" text-anchor=\"middle\" "
                  "transform=\"rotate(-90 14 %.0f)\">survival</text>\n",
             a.top + a.height / 2, a.top + a.height / 2);
    //  Bands under the curves, fainter as they pile up so that the curves
    //  stay readable; then the curves; then each median dropped from the
    //  half line in the colour of its group's curve.
    double opacity = fmax (0.05, fmin (0.15, 0.45 / (double) curves));
    for (size_t g = 0; g < curves; g++)
        s_km_band (out, &a, json_array_get (results, s_km_curve_at (results, from, to, g)),
                   s_km_colours [g % S_KM_COLOURS], opacity);
    for (size_t g = 0; g < curves; g++)
        s_km_steps (out, &a, json_array_get (results, s_km_curve_at (results, from, to, g)), g);
    for (size_t i = from; i < to; i++) {
        const json_t *r = json_array_get (results, i);
        json_t *m = json_object_get (r, "value");
        if (strcmp (coord_render_str (r, "statistic"), "median_survival") || !json_is_number (m)
        ||  json_number_value (m) < a.x0 || json_number_value (m) > a.x1)
            continue;
        for (size_t g = 0; g < curves; g++) {
            const json_t *c = json_array_get (results, s_km_curve_at (results, from, to, g));
            if (s_same (coord_render_str (c, "group"), coord_render_str (r, "group")))
                fprintf (out, "<line class=\"km-median\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                              "y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"2 2\"/>\n",
                         s_km_x (&a, m), a.top + a.height / 2, s_km_x (&a, m),
                         a.top + a.height, s_km_colours [g % S_KM_COLOURS]);
        }
    }
    fputs ("</svg>\n", out);
}

//  The numbers at risk: a row per curve (`curves`, at least one), a column
//  per grid time of the first curve (a curve on other times shows those it shares), in a box
//  that scrolls across rather than widening the page.
static void
s_km_at_risk (s_page_t *p, const json_t *results, size_t from, size_t to, size_t curves,
              const char *column)
{
    FILE *out = p->out;
    json_t *times = json_object_get (json_array_get (results, s_km_curve_at (results, from, to, 0)),
                                     "time");
    fprintf (out, "<p class=\"note\">Number at risk at each grid point%s:</p>\n"
                  "<div class=\"scroll\"><table class=\"grid risk\">\n<tr><th>",
             p->private? " (noisy, as released)": "");
    coord_render_esc (out, column? column: "time");
    fputs ("</th>", out);
    for (size_t k = 0; k < json_array_size (times); k++) {
        fputs ("<th>", out);
        s_html_num (out, json_array_get (times, k), "?");
        fputs ("</th>", out);
    }
    fputs ("</tr>\n", out);
    for (size_t g = 0; g < curves; g++) {
        const json_t *r = json_array_get (results, s_km_curve_at (results, from, to, g));
        json_t *time = json_object_get (r, "time"), *risk = json_object_get (r, "n_risk");
        json_t *sup = json_object_get (r, "suppressed");
        const char *group = coord_render_str (r, "group");
        //  The key as the curve is drawn: solid, dashed or dotted.
        const char *colour = s_km_colours [g % S_KM_COLOURS];
        if (g < S_KM_COLOURS)
            fprintf (out, "<tr><th><span class=\"key\" style=\"background:%s\"></span>", colour);
        else
            fprintf (out, "<tr><th><span class=\"key\" style=\"background:repeating-linear-"
                          "gradient(90deg,%s 0 %dpx,#fff %dpx 6px)\"></span>", colour,
                     g < 2 * S_KM_COLOURS? 4: 2, g < 2 * S_KM_COLOURS? 4: 2);
        coord_render_esc (out, group? group: "all");
        fputs ("</th>", out);
        //  Both time arrays increase: walk them together.
        size_t at = 0, n = json_array_size (time);
        for (size_t k = 0; k < json_array_size (times); k++) {
            double t = json_number_value (json_array_get (times, k));
            while (at < n && json_number_value (json_array_get (time, at)) < t)
                at++;
            if (at >= n || json_number_value (json_array_get (time, at)) != t) {
                fputs ("<td></td>", out);
                continue;
            }
            if (json_is_true (json_array_get (sup, at)))
                fprintf (out, "<td class=\"n dim\" title=\"survival suppressed here: noisy number "
                              "at risk below %.0f\">", p->min_cell);
            else
                fputs ("<td class=\"n\">", out);
            s_html_num (out, json_array_get (risk, at), "<span class=\"missing\">n/a</span>");
            fputs ("</td>", out);
        }
        fputs ("</tr>\n", out);
    }
    fputs ("</table></div>\n", out);
}

//  A Kaplan-Meier analysis, results[from .. to): its curves (survival),
//  medians (median_survival) and log-rank test, any of them absent.
static void
s_html_km (s_page_t *p, const json_t *results, size_t from, size_t to)
{
    FILE *out = p->out;
    const char *column = coord_render_str (json_array_get (results, from), "column");
    const char *by = coord_render_str (p->report, "by");
    size_t curves = 0, medians = 0;
    bool suppressed = false;
    for (size_t i = from; i < to; i++) {
        const json_t *r = json_array_get (results, i);
        const char *stat = coord_render_str (r, "statistic");
        curves += !strcmp (stat, "survival");
        medians += !strcmp (stat, "median_survival");
        json_t *sup = json_object_get (r, "suppressed");
        for (size_t k = 0; k < json_array_size (sup); k++)
            suppressed |= json_is_true (json_array_get (sup, k));
    }
    fputs ("<figure><figcaption>Kaplan&ndash;Meier survival", out);
    if (by) {
        fputs (" by ", out);
        coord_render_esc (out, by);
    }
    fputs ("</figcaption>\n", out);
    if (curves) {
        s_km_chart (p, results, from, to, curves, column);
        fprintf (out, "<p class=\"note\">Steps: survival at each grid point, held to the next; "
                      "shaded: its 95%% log-log band (Greenwood's variance%s); dotted: the "
                      "median, where a curve first reaches 0.5.%s</p>\n",
                 p->private? ", plus the DP noise's spread from a parametric bootstrap": "",
                 suppressed? " A curve stops where its noisy number at risk is below the "
                             "minimum cell (suppressed).": "");
        s_km_at_risk (p, results, from, to, curves, column);
    }
    if (medians) {
        fputs ("<table class=\"grid\">\n<tr><th>group</th><th>median survival</th>"
               "<th>95% interval</th></tr>\n", out);
        for (size_t i = from; i < to; i++) {
            const json_t *r = json_array_get (results, i);
            if (strcmp (coord_render_str (r, "statistic"), "median_survival"))
                continue;
            const char *group = coord_render_str (r, "group");
            const char *never = "<span class=\"missing\">not reached</span>";
            fputs ("<tr><th>", out);
            coord_render_esc (out, group? group: "all");
            fputs ("</th><td class=\"n\">", out);
            s_html_num (out, json_object_get (r, "value"), never);
            fputs ("</td><td class=\"n\">", out);
            s_html_num (out, json_object_get (r, "conf_low"), never);
            fputs (" to ", out);
            s_html_num (out, json_object_get (r, "conf_high"), never);
            fputs ("</td></tr>\n", out);
        }
        fputs ("</table>\n", out);
        fprintf (out, "<p class=\"note\">A median's 95%% interval runs between the grid times "
                      "where its curve's band crosses 0.5: it holds the sampling error%s, so "
                      "it widens where few records are still at risk.</p>\n",
                 p->private? " and the DP noise": "");
    }
    for (size_t i = from; i < to; i++) {
        const json_t *r = json_array_get (results, i);
        if (strcmp (coord_render_str (r, "statistic"), "logrank"))
            continue;
        fputs ("<p>Log-rank test between the groups: &#967;&#178; = ", out);
        s_html_num (out, json_object_get (r, "chisq"), "n/a");
        fputs (", df = ", out);
        s_html_num (out, json_object_get (r, "df"), "?");
        fputs (", p = ", out);
        s_html_num (out, json_object_get (r, "p_value"), "n/a");
        fputs (".</p>\n", out);
    }
    s_html_figure_close (p, results, from, to, false);
}

//  ---------------------------------------------------------------------------
//  glm() and coxph()

//  A missing figure in the model tables: not finite, or null under DP.
#define S_DASH "<span class=\"na\" title=\"not available\">&mdash;</span>"

//  How far from the reference the forest plot of a log-link model (odds,
//  rate and hazard ratios) reaches: ratios of 1/1000 to 1000. Beyond, a
//  ratio says nothing a reader can use, and a noisy interval would flatten
//  the others.
#define S_RATIO_CAP 6.907755278982137       //  ln 1000
//  And of a linear one: far below DBL_MAX, so that spans stay finite.
#define S_LINEAR_CAP 1e300

//  A term's estimate (k = 0) and interval (1, 2) in the forest plot's
//  units: the coefficient; for coxph() the log of the hazard ratio (the
//  coefficient when the ratio is not a positive number, say exp() beyond
//  a double). NAN where absent or not finite.
static double
s_forest_at (const s_page_t *p, const json_t *r, size_t k)
{
    static const char *coef [] = { "estimate", "conf_low", "conf_high" };
    static const char *ratio [] = { "hazard_ratio", "hr_conf_low", "hr_conf_high" };
    double v;
    if (p->model->cox && coord_render_num (r, ratio [k], &v) && v > 0)
        return log (v);
    return coord_render_num (r, coef [k], &v)? v: NAN;
}

//  A coefficient the plot shows: every one but the intercept.
static bool
s_forest_row (const json_t *r)
{
    return !strcmp (coord_render_str (r, "statistic"), "coefficient")
        && strcmp (coord_render_str (r, "term"), "(Intercept)");
}

static int
s_cmp_double (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

//  The axis of the forest plot, in its units: the reference (0), every
//  estimate and every interval, within a window that keeps a noisy
//  figure from flattening the rest. The window reaches past the estimates
//  (and 0) by their spread or four times the median half-width of the
//  intervals, whichever is more, and never past the cap; an estimate
//  beyond the cap takes no part. What lies beyond is drawn clipped. -1
//  (UTIL_ENOMEM) when memory runs out.
static int
s_forest_range (const s_page_t *p, const json_t *results, size_t terms, double cap,
                double *lo, double *hi)
{
    double *half = util_calloc (terms, sizeof *half);
    if (!half)
        return -1;
    double vmin = 0, vmax = 0;
    size_t n = 0, i;
    json_t *r;
    json_array_foreach (results, i, r) {
        if (!s_forest_row (r))
            continue;
        double e = s_forest_at (p, r, 0), l = s_forest_at (p, r, 1), h = s_forest_at (p, r, 2);
        if (!isfinite (e) || fabs (e) > cap)
            continue;
        vmin = fmin (vmin, e);
        vmax = fmax (vmax, e);
        if (isfinite (l) && isfinite (h) && n < terms)
            half [n++] = fmax (0, fmax (e - l, h - e));
    }
    qsort (half, n, sizeof *half, s_cmp_double);
    double median = n? (half [(n - 1) / 2] + half [n / 2]) / 2: 0;
    free (half);
    double margin = fmax (vmax - vmin, 4 * median);
    if (!(margin > 0))
        margin = 1;
    double wlo = fmax (vmin - margin, -cap), whi = fmin (vmax + margin, cap);
    *lo = vmin;
    *hi = vmax;
    json_array_foreach (results, i, r) {
        if (!s_forest_row (r))
            continue;
        double e = s_forest_at (p, r, 0);
        for (size_t k = 1; k < 3; k++) {
            double v = s_forest_at (p, r, k);
            if (isfinite (v) && isfinite (e) && fabs (e) <= cap) {
                *lo = fmin (*lo, fmax (v, wlo));
                *hi = fmax (*hi, fmin (v, whi));
            }
        }
    }
    return 0;
}

//  The forest plot's axis across the page.
typedef struct {
    double lo, hi;              //  in its units
    double left, right;         //  on the page
} s_forest_axis_t;

//  x of u, clamped to the axis.
static double
s_forest_x (const s_forest_axis_t *a, double u)
{
    double v = fmin (fmax (u, a->lo), a->hi);
    return a->left + (v - a->lo) / (a->hi - a->lo) * (a->right - a->left);
}

//  The multiples m[0 .. n_m) of the powers of ten from a to b, into
//  t[0 .. max). Returns how many.
static size_t
s_ratio_set (double a, double b, const double *m, size_t n_m, double *t, size_t max)
{
    size_t n = 0;
    for (int e = (int) floor (log10 (a)) - 1; e <= (int) ceil (log10 (b)) + 1; e++)
        for (size_t k = 0; k < n_m; k++) {
            double v = m [k] * pow (10, e);
            if (v >= a * (1 - 1e-9) && v <= b * (1 + 1e-9) && n < max)
                t [n++] = v;
        }
    return n;
}

//  Ticks of a ratio axis from exp(lo) to exp(hi), into t[0 .. max):
//  over a range of a factor 4 or more, 1, 2 and 5 times powers of ten
//  (1, 1.5, 2, 3, 5 and 7 when those are fewer than 4; powers of ten
//  alone when there are more than 12); round steps across a narrower
//  one. Returns how many.
static size_t
s_ratio_ticks (double lo, double hi, double *t, size_t max)
{
    static const double coarse [] = { 1, 2, 5 }, fine [] = { 1, 1.5, 2, 3, 5, 7 }, tens [] = { 1 };
    double a = exp (lo), b = exp (hi);
    size_t n = 0;
    if (hi - lo >= log (4)) {
        n = s_ratio_set (a, b, coarse, 3, t, max);
        if (n < 4)
            n = s_ratio_set (a, b, fine, 6, t, max);
        if (n > 12)
            n = s_ratio_set (a, b, tens, 1, t, max);
        return n;
    }
    double step = s_nice_step ((b - a) / 5);
    for (double v = ceil (a / step) * step; v <= b * (1 + 1e-9) && n < max; v += step)
        t [n++] = v;
    return n;
}

//  An arrowhead at x pointing away from the axis (`right` or left), for
//  an interval or estimate beyond it.
static void
s_forest_arrow (FILE *out, const char *cls, double x, double y, bool right, bool open)
{
    fprintf (out, "<path class=\"%s\" d=\"M%.1f %.1fl%d -5v10z\" fill=\"%s\" stroke=\"#1f77b4\"/>\n",
             cls, x, y, right? -8: 8, open? "#fff": "#1f77b4");
}

//  The forest plot of the coefficients but the intercept: a row per term,
//  a point at the estimate and a line over its 95% interval, on one axis
//  with the reference dashed: 0 for glm() (the coefficient's scale, log
//  odds or rate ratios for binomial and poisson), a hazard ratio of 1 on a
//  log axis for coxph(). What lies beyond the axis (s_forest_range) is cut
//  at its edge with an arrowhead. Term names longer than the margin are
//  squeezed into it. -1 (UTIL_ENOMEM); *clipped: something was cut.
static int
s_forest (s_page_t *p, const json_t *results, size_t terms, bool *clipped)
{
    FILE *out = p->out;
    bool cox = p->model->cox;
    bool ratio = cox || (p->family && p->family->ratio);
    const double row_h = 24, char_w = 7, max_label = 220;
    double label_w = 40;
    size_t i;
    json_t *r;
    json_array_foreach (results, i, r)
        if (s_forest_row (r))
            label_w = fmax (label_w, fmin (max_label,
                                           (double) s_chars (coord_render_str (r, "term")) * char_w));
    s_forest_axis_t a = { .left = 12 + label_w + 12, .right = S_W - S_PAD_R };
    if (s_forest_range (p, results, terms, ratio? S_RATIO_CAP: S_LINEAR_CAP, &a.lo, &a.hi))
        return -1;
    double ticks [41];
    size_t n_ticks = 0;
    if (cox) {
        //  At least a factor 1.2 across, and a little room at the ends.
        double d = a.hi - a.lo;
        if (d < log (1.2)) {
            a.lo -= (log (1.2) - d) / 2;
            a.hi += (log (1.2) - d) / 2;
            d = log (1.2);
        }
        a.lo -= d * 0.04;
        a.hi += d * 0.04;
        n_ticks = s_ratio_ticks (a.lo, a.hi, ticks, 41);
    }
    else {
        double step = s_nice_step ((a.hi - a.lo) / 6);
        a.lo = floor (a.lo / step) * step;
        a.hi = ceil (a.hi / step) * step;
        if (!(a.hi > a.lo))
            a.hi = a.lo + step;
        for (; n_ticks < 41 && a.lo + (double) n_ticks * step <= a.hi + step * 1e-9; n_ticks++)
            ticks [n_ticks] = a.lo + (double) n_ticks * step;
    }
    double top = S_PAD_T, height = (double) terms * row_h;
    int h = (int) (top + height) + S_PAD_B;
    fprintf (out, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
                  "height=\"%d\" role=\"img\" aria-label=\"forest plot\">\n"
                  "<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\" fill=\"#fafafa\" "
                  "stroke=\"#bbb\"/>\n", S_W, h, S_W, h, a.left, top, a.right - a.left, height);
    for (size_t k = 0; k < n_ticks; k++) {
        double x = s_forest_x (&a, cox? log (ticks [k]): ticks [k]);
        fprintf (out, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#e4e4e4\"/>"
                      "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%.6g</text>\n",
                 x, top, x, top + height, x, top + height + 16, ticks [k]);
    }
    const char *what = cox? "hazard ratio (log scale)"
                     : p->family && p->family->ratio? (strcmp (p->family->name, "binomial")
                                                       ? "estimate (log rate ratio)"
                                                       : "estimate (log odds ratio)")
                     : "estimate";
    fprintf (out, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" "
                  "stroke=\"#666\" stroke-dasharray=\"4 3\"/>\n"
                  "<text x=\"%.1f\" y=\"%d\" class=\"axis\" text-anchor=\"middle\">%s "
                  "and its 95%% interval</text>\n", cox? "forest-one": "forest-zero",
             s_forest_x (&a, 0), top, s_forest_x (&a, 0), top + height, (a.left + a.right) / 2,
             h - 6, what);
    size_t row = 0;
    json_array_foreach (results, i, r) {
        if (!s_forest_row (r))
            continue;
        const char *term = coord_render_str (r, "term");
        double y = top + ((double) row++ + 0.5) * row_h;
        double e = s_forest_at (p, r, 0), l = s_forest_at (p, r, 1), u = s_forest_at (p, r, 2);
        fprintf (out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" class=\"legend\"",
                 a.left - 8, y + 4);
        if ((double) s_chars (term) * char_w > label_w)
            fprintf (out, " textLength=\"%.0f\" lengthAdjust=\"spacingAndGlyphs\"", label_w);
        fputc ('>', out);
        coord_render_esc (out, term);
        fputs ("</text>\n", out);
        if (!isfinite (e)) {
            fprintf (out, "<text x=\"%.1f\" y=\"%.1f\" class=\"sup\">not estimable</text>\n",
                     a.left + 6, y + 4);
            continue;
        }
        if (isfinite (l) && isfinite (u)) {
            double from = fmin (l, u), to = fmax (l, u);
            fprintf (out, "<line class=\"forest-ci\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                          "y2=\"%.1f\" stroke=\"#1f77b4\" stroke-width=\"2\"/>\n",
                     s_forest_x (&a, from), y, s_forest_x (&a, to), y);
            if (from < a.lo)
                s_forest_arrow (out, "forest-clip", a.left, y, false, false);
            if (to > a.hi)
                s_forest_arrow (out, "forest-clip", a.right, y, true, false);
            *clipped |= from < a.lo || to > a.hi;
        }
        bool off = e < a.lo || e > a.hi;
        if (off) {
            //  The estimate itself beyond the axis: an open arrowhead.
            fprintf (out, "<g><title>");
            coord_render_esc (out, term);
            fprintf (out, ": %.4g, beyond the axis</title>\n", cox? exp (e): e);
            s_forest_arrow (out, "forest-off", e > a.hi? a.right: a.left, y, e > a.hi, true);
            fputs ("</g>\n", out);
            *clipped = true;
            continue;
        }
        fprintf (out, "<circle class=\"forest-est\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" "
                      "fill=\"#1f77b4\"><title>", s_forest_x (&a, e), y);
        coord_render_esc (out, term);
        fprintf (out, ": %s%.4g</title></circle>\n", cox? "hazard ratio ": "", cox? exp (e): e);
    }
    fputs ("</svg>\n", out);
    return 0;
}

//  A model's figure: `v` or a dash.
static void
s_model_cell (FILE *out, const json_t *v)
{
    fputs ("<td class=\"n\">", out);
    s_html_num (out, v, S_DASH);
    fputs ("</td>", out);
}

//  An interval's cell: "lo to hi", either a dash when missing.
static void
s_model_interval (FILE *out, double lo, double hi)
{
    fputs ("<td class=\"n\">", out);
    s_html_real (out, lo, S_DASH);
    fputs (" to ", out);
    s_html_real (out, hi, S_DASH);
    fputs ("</td>", out);
}

//  r[key] as a double, NAN when it is not a finite number.
static double
s_model_num (const json_t *r, const char *key)
{
    double v;
    return coord_render_num (r, key, &v)? v: NAN;
}

//  The regression table: a row per coefficient. glm(): term, estimate,
//  std. error, t or z, p, its interval, and for binomial and poisson the
//  odds or rate ratio exp(estimate) with its interval. coxph(): term,
//  hazard ratio and its interval, then coef, se(coef), z and p, as R's
//  summary.coxph.
static void
s_model_table (s_page_t *p, const json_t *results, const char *test)
{
    FILE *out = p->out;
    const char *ratio = p->family? p->family->ratio: NULL;
    if (p->model->cox)
        fputs ("<table class=\"grid coxph\">\n<tr><th>term</th><th>hazard ratio</th>"
               "<th>95% interval</th><th>coef</th><th>se(coef)</th><th>z</th><th>p</th></tr>\n",
               out);
    else {
        fprintf (out, "<table class=\"grid glm\">\n<tr><th>term</th><th>estimate</th>"
                      "<th>std. error</th><th>%s</th><th>p</th><th>95%% interval</th>", test);
        if (ratio)
            fprintf (out, "<th>%s</th><th>its 95%% interval</th>", ratio);
        fputs ("</tr>\n", out);
    }
    size_t i;
    json_t *r;
    json_array_foreach (results, i, r) {
        if (strcmp (coord_render_str (r, "statistic"), "coefficient"))
            continue;
        fputs ("<tr><th>", out);
        coord_render_esc (out, coord_render_str (r, "term"));
        fputs ("</th>", out);
        if (p->model->cox) {
            s_model_cell (out, json_object_get (r, "hazard_ratio"));
            s_model_interval (out, s_model_num (r, "hr_conf_low"), s_model_num (r, "hr_conf_high"));
        }
        const char *keys [] = { "estimate", "std_error", test, "p_value" };
        for (size_t k = 0; k < 4; k++)
            s_model_cell (out, json_object_get (r, keys [k]));
        if (!p->model->cox) {
            s_model_interval (out, s_model_num (r, "conf_low"), s_model_num (r, "conf_high"));
            if (ratio) {
                fputs ("<td class=\"n\">", out);
                s_html_real (out, exp (s_model_num (r, "estimate")), S_DASH);
                fputs ("</td>", out);
                s_model_interval (out, exp (s_model_num (r, "conf_low")),
                                  exp (s_model_num (r, "conf_high")));
            }
        }
        fputs ("</tr>\n", out);
    }
    fputs ("</table>\n", out);
}

//  The fit statistics in their order; for coxph() the likelihood-ratio
//  test after the null log-likelihood when both log-likelihoods are there.
static void
s_model_fit (s_page_t *p, const json_t *results)
{
    FILE *out = p->out;
    const coord_render_model_t *m = p->model;
    bool open = false;
    for (size_t k = 0; k < m->n_fit; k++) {
        size_t i;
        json_t *r;
        json_array_foreach (results, i, r) {
            if (strcmp (coord_render_str (r, "statistic"), m->fit [k]))
                continue;
            if (!open)
                fprintf (out, "<table class=\"grid %s-fit\">\n", m->kind);
            open = true;
            fprintf (out, "<tr><th>%s</th><td class=\"n\">", m->label [k]);
            s_html_num (out, json_object_get (r, "value"), S_DASH);
            fputs ("</td></tr>\n", out);
            double chisq, pv;
            size_t df;
            if (m->cox && !strcmp (m->fit [k], "loglik_null")
            &&  coord_render_lr (results, &chisq, &df, &pv)) {
                fputs ("<tr class=\"lr\"><th>likelihood-ratio &#967;&#178; = 2 (log-likelihood "
                       "&minus; null)</th><td class=\"n\">", out);
                s_html_real (out, chisq, S_DASH);
                fprintf (out, " on %zu df, p = ", df);
                s_html_real (out, pv, S_DASH);
                fputs ("</td></tr>\n", out);
            }
        }
    }
    if (open)
        fputs ("</table>\n", out);
}

//  A model report, all of results: the regression table, the forest plot
//  and the fit statistics; or the error that stopped the fit. -1
//  (UTIL_ENOMEM).
static int
s_html_model (s_page_t *p, const json_t *results)
{
    FILE *out = p->out;
    bool cox = p->model->cox;
    size_t n = json_array_size (results), terms = 0, plotted = 0;
    const char *test = "t";
    for (size_t i = 0; i < n; i++) {
        const json_t *r = json_array_get (results, i);
        if (strcmp (coord_render_str (r, "statistic"), "coefficient"))
            continue;
        test = s_glm_stat_name (r);
        terms++;
        plotted += s_forest_row (r);
    }
    fputs ("<figure><figcaption>", out);
    if (cox)
        fputs ("Cox proportional hazards (Breslow ties, times on the public grid)", out);
    else
    if (p->family) {
        fputs ("Regression: ", out);
        coord_render_esc (out, p->family->title);
    }
    else
        fputs ("Regression", out);
    fputs ("</figcaption>\n", out);
    const char *error = coord_render_str (json_array_get (results, 0), "statistic");
    if (error && !strcmp (error, "error")) {
        fprintf (out, "<p class=\"missing %s-error\">", p->model->kind);
        coord_render_esc (out, coord_render_str (json_array_get (results, 0), "value"));
        fputs ("</p>\n", out);
    }
    if (terms) {
        s_model_table (p, results, test);
        fprintf (out, "<p class=\"note meaning\">Each 95%% interval is the range of %s "
                      "consistent with the data: it holds the sampling error of the records in "
                      "the fit%s, and one that spans %s means the data cannot tell whether the "
                      "term raises or lowers %s.</p>\n",
                 cox? "hazard ratios": "coefficients",
                 p->private? " and the spread the DP noise adds (a parametric bootstrap of the "
                             "whole fit), so it is wider than a fit on the pooled records "
                             "would give": "",
                 cox? "1": "0", cox? "the hazard": "the outcome");
    }
    if (plotted) {
        bool clipped = false;
        if (s_forest (p, results, plotted, &clipped))
            return -1;
        const char *spread = p->private? "sampling error plus the DP noise's spread, from a "
                                         "parametric bootstrap": "sampling error";
        if (cox)
            fprintf (out, "<p class=\"note\">Points: the hazard ratios, on a log scale; lines: "
                          "their 95%% intervals (%s); dashed: no effect (a hazard ratio of 1).",
                     spread);
        else
            fprintf (out, "<p class=\"note\">Points: the estimates%s; lines: their 95%% "
                          "intervals (%s); dashed: no effect (0). The intercept is in the table "
                          "only.", p->family && p->family->ratio? ", on the scale of the link "
                                                                   "(the table has the ratios)"
                                                                 : "", spread);
        if (clipped)
            fputs (" Arrowheads: an interval cut at the edge of the axis (filled), an estimate "
                   "beyond it (open); the table has their figures.", out);
        fputs ("</p>\n", out);
    }
    if (!cox && p->family && p->family->ratio && terms)
        fprintf (out, "<p class=\"note\">The %s of a term is exp(estimate), with its interval "
                      "exp(95%% interval); the intercept's is the %s at the reference levels "
                      "and zero covariates, not a ratio.</p>\n", p->family->ratio,
                 strcmp (p->family->name, "binomial")? "rate": "odds");
    s_model_fit (p, results);
    s_html_figure_close (p, results, 0, n, false);
    return 0;
}

static void
s_html_privacy (s_page_t *p)
{
    json_t *privacy = json_object_get (p->report, "privacy");
    fprintf (p->out, "<h2>Privacy</h2>\n<div class=\"privacy%s\">\n<table>\n",
             p->private? "": " off");
    const char *missing = "<span class=\"missing\">not stated</span>";
    struct { const char *label, *key; } rows [] = {
        { "&#949; spent (epsilon)", "epsilon" }, { "&#948; (delta)", "delta" },
        { "Target &#949;", "target_epsilon" },
        { "Noise standard deviation per released entry", "noise_sd" },
        { "Contributing sites", "sites" }, { "Privacy unit", "unit" },
        { "Neighbouring datasets", "neighbouring" },
        { "Minimum cell (suppression below)", "min_cell" }
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows [0]; i++) {
        if (!p->private && strcmp (rows [i].key, "unit") && strcmp (rows [i].key, "sites"))
            continue;
        json_t *v = json_object_get (privacy, rows [i].key);
        fprintf (p->out, "<tr><th>%s</th><td>", rows [i].label);
        if (json_is_string (v))
            coord_render_esc (p->out, json_string_value (v));
        else
            s_html_num (p->out, v, missing);
        fputs ("</td></tr>\n", p->out);
    }
    if (!p->private)
        fputs ("<tr><th>Differential privacy</th><td>off: no noise, nothing suppressed</td>"
               "</tr>\n", p->out);
    fputs ("</table>\n</div>\n", p->out);
}

static int
s_html (const json_t *report, FILE *out)
{
    json_t *privacy = json_object_get (report, "privacy");
    s_page_t p = { .out = out, .report = report, .model = coord_render_model (report),
                   .min_cell = COORD_QUERY_MIN_CELL_DEFAULT };
    if (coord_render_family (report, &p.family))
        return -1;
    //  Anything but an explicit not_private: false is shown as not private.
    p.private = json_is_false (json_object_get (privacy, "not_private"));
    double mc;
    if (coord_render_num (privacy, "min_cell", &mc))
        p.min_cell = mc;
    const char *query = coord_render_str (report, "query");
    const char *dataset = coord_render_str (report, "dataset");
    fputs ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
           "style-src 'unsafe-inline'; img-src data:\">\n<title>", out);
    if (!p.private)
        fputs ("NOT PRIVATE &mdash; ", out);
    fputs ("Cohort query: ", out);
    coord_render_esc (out, query? query: "query not stated");
    fprintf (out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>Cohort query</h1>\n"
                  "<p><code class=\"query\">", s_css);
    coord_render_esc (out, query? query: "query not stated");
    fputs ("</code>", out);
    if (dataset) {
        fputs (" on <b>", out);
        coord_render_esc (out, dataset);
        fputs ("</b>", out);
    }
    fputs ("</p>\n", out);
    if (!p.private)
        fputs ("<div class=\"stamp\">NOT PRIVATE<small>Differential privacy was off for this "
               "query: every figure is exact and carries no privacy guarantee. Development and "
               "validation use only.</small></div>\n", out);
    s_html_privacy (&p);
    json_t *left = json_object_get (report, "left_out");
    if (left) {
        fputs ("<h2>Records left out</h2>\n<table class=\"grid\"><tr><th>left out (missing "
               "values, outside the breaks)</th>", out);
        s_html_cell (out, json_object_get (left, "value"), json_object_get (left, "ci95"),
                     json_object_get (left, "suppressed"));
        fputs ("</tr></table>\n", out);
        if (p.private && json_is_array (json_object_get (left, "ci95")))
            fputs ("<p class=\"note\">A noisy count: [lo, hi] under it is its 95% interval for "
                   "the DP noise, which holds the exact count with 95% probability.</p>\n", out);
    }
    fputs ("<h2>Results</h2>\n", out);
    json_t *results = json_object_get (report, "results");
    size_t n = json_array_size (results);
    if (p.model && n && s_html_model (&p, results))
        return -1;
    for (size_t i = 0; i < n && !p.model; ) {
        const json_t *r = json_array_get (results, i);
        const char *stat = coord_render_str (r, "statistic");
        size_t j = i + 1;
        if (s_is_scalar (stat)) {
            while (j < n && s_is_scalar (coord_render_str (json_array_get (results, j), "statistic")))
                j++;
            s_html_summary (&p, results, i, j);
        }
        else
        if (!strcmp (stat, "quantile")) {
            //  The groups of one column in one chart.
            while (j < n && !strcmp (coord_render_str (json_array_get (results, j), "statistic"),
                                     "quantile")
                   && s_same (coord_render_str (json_array_get (results, j), "column"),
                              coord_render_str (r, "column")))
                j++;
            s_html_quantiles (&p, results, i, j);
        }
        else
        if (!strcmp (stat, "histogram"))
            s_html_histogram (&p, results, i);
        else
        if (!strcmp (stat, "crosstab")) {
            s_html_crosstab (&p, results, i);
            const json_t *x = json_array_get (results, j);
            if (x && !strcmp (coord_render_str (x, "statistic"), "chisq"))
                j++;
        }
        else
        if (!strcmp (stat, "correlation"))
            s_html_correlation (&p, results, i);
        else
        if (s_is_km (stat)) {
            //  Curves and medians of one time column, up to its log-rank
            //  test.
            bool tested = !strcmp (stat, "logrank");
            while (!tested && j < n) {
                const json_t *x = json_array_get (results, j);
                if (!s_is_km (coord_render_str (x, "statistic"))
                ||  !s_same (coord_render_str (x, "column"), coord_render_str (r, "column")))
                    break;
                tested = !strcmp (coord_render_str (x, "statistic"), "logrank");
                j++;
            }
            s_html_km (&p, results, i, j);
        }
        else {
            //  A figure this page does not know: its value as a line.
            fputs ("<figure><figcaption>", out);
            coord_render_esc (out, stat);
            fputs ("</figcaption><p>", out);
            s_html_num (out, json_object_get (r, "value"), "n/a");
            fputs ("</p>\n", out);
            s_html_figure_end (&p, results, i, i + 1);
        }
        i = j;
    }
    if (n == 0)
        fputs ("<p class=\"missing\">The query gave no figures.</p>\n", out);
    json_t *notes = json_object_get (report, "notes");
    if (json_array_size (notes)) {
        fputs ("<h2>What the figures mean</h2>\n<ul>\n", out);
        size_t i;
        json_t *note;
        json_array_foreach (notes, i, note) {
            fputs ("<li>", out);
            coord_render_esc (out, json_string_value (note));
            fputs ("</li>\n", out);
        }
        fputs ("</ul>\n", out);
    }
    fputs ("<footer>Written by Cohort from a query report (docs/report.md, &ldquo;Query "
           "reports&rdquo;).</footer>\n</body>\n</html>\n", out);
    return 0;
}

char *
coord_query_html (const json_t *results)
{
    return s_to_string (s_html, results);
}
