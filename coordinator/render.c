/*  coordinator/render.c - report rendering: JSON, CSV and one self-contained
    HTML page with inline SVG charts. The report layout is docs/report.md. */
#include "render.h"
#include "query.h"
#include "util/error.h"
#include "render_internal.h"

#include <math.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#define S_METRICS_MAX 16            //  distinct metric names charted/tabled

//  ---------------------------------------------------------------------------
//  Structure checks

static int
s_check (const json_t *report)
{
    if (!json_is_object (report))
        return util_error (UTIL_EINPUT, "report: expected a JSON object");
    json_t *version = json_object_get (report, "cohort_report");
    if (!json_is_integer (version) || json_integer_value (version) != 1)
        return util_error (UTIL_EINPUT, "report: cohort_report: expected version 1");
    const char *objects [] = { "study", "privacy", NULL };
    for (const char **k = objects; *k; k++) {
        json_t *v = json_object_get (report, *k);
        if (!json_is_object (v))
            return util_error (UTIL_EINPUT, "report: %s: expected an object", *k);
    }
    json_t *final = json_object_get (report, "final_metrics");
    if (final && !json_is_object (final) && !json_is_null (final))
        return util_error (UTIL_EINPUT, "report: final_metrics: expected an object or null");
    json_t *rounds = json_object_get (report, "rounds");
    if (!json_is_array (rounds))
        return util_error (UTIL_EINPUT, "report: rounds: expected an array");
    size_t i;
    json_t *r;
    json_array_foreach (rounds, i, r) {
        if (!json_is_object (r))
            return util_error (UTIL_EINPUT, "report: rounds[%zu]: expected an object", i);
        json_t *m = json_object_get (r, "metrics");
        if (m && !json_is_object (m) && !json_is_null (m))
            return util_error (UTIL_EINPUT, "report: rounds[%zu].metrics: expected an object or null", i);
        json_t *x = json_object_get (r, "excluded");
        if (x && !json_is_array (x) && !json_is_null (x))
            return util_error (UTIL_EINPUT, "report: rounds[%zu].excluded: expected an array or null", i);
    }
    return 0;
}

bool
coord_render_num (const json_t *obj, const char *key, double *out)
{
    json_t *v = json_object_get (obj, key);
    if (!json_is_number (v))
        return false;
    double d = json_number_value (v);
    if (!isfinite (d))
        return false;
    *out = d;
    return true;
}

const char *
coord_render_str (const json_t *obj, const char *key)
{
    json_t *v = json_object_get (obj, key);
    return json_is_string (v)? json_string_value (v): NULL;
}

bool
coord_render_bound (const char *name, size_t *base_len, bool *high, unsigned *level)
{
    const char *sep = strrchr (name, '_');
    if (!sep || sep == name)
        return false;
    //  The level: one or two digits, no leading zero.
    const char *d = sep + 1;
    size_t digits = strspn (d, "0123456789");
    if (digits < 1 || digits > 2 || d [digits] || d [0] == '0')
        return false;
    size_t before = (size_t) (sep - name);
    bool is_high;
    if (before > 4 && !strncmp (sep - 4, "_low", 4))
        is_high = false;
    else
    if (before > 5 && !strncmp (sep - 5, "_high", 5))
        is_high = true;
    else
        return false;
    if (base_len)
        *base_len = before - (is_high? 5: 4);
    if (high)
        *high = is_high;
    if (level)
        *level = (unsigned) atoi (d);
    return true;
}

bool
coord_render_interval (const json_t *metrics, const char *name, double *lo, double *hi,
                       unsigned *level)
{
    size_t len = strlen (name);
    const char *key;
    json_t *v;
    json_object_foreach ((json_t *) metrics, key, v) {
        size_t base;
        bool high;
        unsigned lvl;
        if (!coord_render_bound (key, &base, &high, &lvl) || high || base != len
        ||  strncmp (key, name, len))
            continue;
        char other [300];
        if (snprintf (other, sizeof other, "%s_high_%u", name, lvl) >= (int) sizeof other)
            return false;
        double l, h;
        if (coord_render_num (metrics, key, &l) && coord_render_num (metrics, other, &h) && l <= h) {
            *lo = l;
            *hi = h;
            *level = lvl;
            return true;
        }
    }
    return false;
}

//  Collects the distinct metric names of the rounds, in order of first
//  appearance. Returns the count.
static size_t
s_metric_names (const json_t *report, const char *names [S_METRICS_MAX])
{
    size_t n = 0;
    json_t *rounds = json_object_get (report, "rounds");
    size_t count = json_array_size (rounds);
    for (size_t i = 0; i < count; i++) {
        json_t *m = json_object_get (json_array_get (rounds, i), "metrics");
        const char *key;
        json_t *v;
        json_object_foreach (m, key, v) {
            if (!json_is_number (v))
                continue;
            size_t j = 0;
            while (j < n && strcmp (names [j], key))
                j++;
            if (j == n && n < S_METRICS_MAX)
                names [n++] = key;
        }
    }
    return n;
}

//  ---------------------------------------------------------------------------
//  JSON

static int
s_render_json (const json_t *report, FILE *out)
{
    if (json_dumpf (report, out, JSON_INDENT (2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION (17)))
        return util_error (UTIL_EIO, "report: cannot write JSON");
    fputc ('\n', out);
    return 0;
}

//  ---------------------------------------------------------------------------
//  CSV (RFC 4180)

//  The shortest of %.15g and %.17g that reads back as the same double.
static void
s_csv_real (FILE *out, double d)
{
    char buf [40];
    snprintf (buf, sizeof buf, "%.15g", d);
    if (strtod (buf, NULL) != d)
        snprintf (buf, sizeof buf, "%.17g", d);
    fputs (buf, out);
}

//  A text cell: quoted when it holds a comma, quote or line break; a cell a
//  spreadsheet would evaluate (=, +, -, @, tab, CR first) gets a leading '.
void
coord_render_csv_text (FILE *out, const char *text, bool signed_numbers)
{
    bool formula = text [0] && strchr ("=+-@\t\r", text [0])
                && !(signed_numbers && text [0] == '-'
                     && ((text [1] >= '0' && text [1] <= '9') || text [1] == '.'
                         || !strcmp (text, "-Inf")));
    bool quote = formula || strpbrk (text, ",\"\r\n") != NULL;
    if (quote)
        fputc ('"', out);
    if (formula)
        fputc ('\'', out);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            fputc ('"', out);
        fputc (*p, out);
    }
    if (quote)
        fputc ('"', out);
}

//  Any JSON value as one cell: numbers as numbers, arrays joined with "; "
//  (objects inside as "site: reason" or compact JSON), null as empty.
//  0, or -1 (UTIL_ENOMEM) when the cell cannot be built: a report is not
//  written with a cell silently left out.
static int
s_csv_value (FILE *out, const json_t *v)
{
    if (json_is_string (v))
        coord_render_csv_text (out, json_string_value (v), false);
    else
    if (json_is_integer (v))
        fprintf (out, "%lld", (long long) json_integer_value (v));
    else
    if (json_is_real (v))
        s_csv_real (out, json_real_value (v));
    else
    if (json_is_true (v) || json_is_false (v))
        fputs (json_is_true (v)? "true": "false", out);
    else
    if (json_is_array (v) || json_is_object (v)) {
        char *joined = NULL;
        size_t len = 0;
        FILE *m = open_memstream (&joined, &len);
        if (!m)
            return util_error (UTIL_ENOMEM, "report: out of memory writing a CSV cell");
        bool dumped = true;
        size_t i;
        json_t *e;
        if (json_is_array (v))
            json_array_foreach (v, i, e) {
                if (i)
                    fputs ("; ", m);
                if (json_is_string (e))
                    fputs (json_string_value (e), m);
                else
                if (json_is_object (e) && coord_render_str (e, "site") && coord_render_str (e, "reason"))
                    fprintf (m, "%s: %s", coord_render_str (e, "site"), coord_render_str (e, "reason"));
                else
                    dumped &= json_dumpf (e, m, JSON_COMPACT | JSON_ENCODE_ANY) == 0;
            }
        else
            dumped = json_dumpf (v, m, JSON_COMPACT | JSON_PRESERVE_ORDER) == 0;
        //  A memory stream fails only for memory.
        bool written = !ferror (m);
        if (fclose (m) || !written || !dumped || !joined) {
            free (joined);
            return util_error (UTIL_ENOMEM, "report: out of memory writing a CSV cell");
        }
        coord_render_csv_text (out, joined, false);
        free (joined);
    }
    return 0;
}

static int
s_csv_fields (FILE *out, const char *prefix, const json_t *obj)
{
    const char *key;
    json_t *v;
    json_object_foreach ((json_t *) obj, key, v) {
        char name [256];
        snprintf (name, sizeof name, "%s.%s", prefix, key);
        coord_render_csv_text (out, name, false);
        fputc (',', out);
        if (s_csv_value (out, v))
            return -1;
        fputs ("\r\n", out);
    }
    return 0;
}

static int
s_render_csv (const json_t *report, FILE *out)
{
    fputs ("field,value\r\ncohort_report,1\r\n", out);
    json_t *final = json_object_get (report, "final_metrics");
    if (s_csv_fields (out, "study", json_object_get (report, "study"))
    ||  s_csv_fields (out, "privacy", json_object_get (report, "privacy"))
    ||  (json_is_object (final) && s_csv_fields (out, "final_metrics", final)))
        return -1;
    fputs ("\r\n", out);

    const char *metrics [S_METRICS_MAX];
    size_t n_metrics = s_metric_names (report, metrics);
    fputs ("round,kind,step,status,detail,epsilon_spent,sites_contributed,excluded,rejected", out);
    for (size_t j = 0; j < n_metrics; j++) {
        fputc (',', out);
        coord_render_csv_text (out, metrics [j], false);
    }
    fputs ("\r\n", out);
    size_t i;
    json_t *r;
    json_array_foreach (json_object_get (report, "rounds"), i, r) {
        const char *cols [] = { "round", "kind", "step", "status", "detail", "epsilon_spent",
                                "sites_contributed", "excluded", "rejected", NULL };
        for (const char **c = cols; *c; c++) {
            if (c != cols)
                fputc (',', out);
            if (s_csv_value (out, json_object_get (r, *c)))
                return -1;
        }
        json_t *m = json_object_get (r, "metrics");
        for (size_t j = 0; j < n_metrics; j++) {
            fputc (',', out);
            if (s_csv_value (out, json_object_get (m, metrics [j])))
                return -1;
        }
        fputs ("\r\n", out);
    }
    return 0;
}

//  ---------------------------------------------------------------------------
//  HTML

//  Every string from the report goes through here.
void
coord_render_esc (FILE *out, const char *text)
{
    for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
        switch (*p) {
            case '&':  fputs ("&amp;", out);  break;
            case '<':  fputs ("&lt;", out);   break;
            case '>':  fputs ("&gt;", out);   break;
            case '"':  fputs ("&quot;", out); break;
            case '\'': fputs ("&#39;", out);  break;
            default:
                //  Control characters have no place in the page.
                if (*p < 32 && *p != '\n' && *p != '\t')
                    fputc ('?', out);
                else
                    fputc (*p, out);
        }
    }
}

//  A scalar (or an array of scalars) for display, escaped; `missing` if
//  absent. 0, or -1 (UTIL_ENOMEM) if an object cannot be written out.
static int
s_html_value (FILE *out, const json_t *v, const char *missing)
{
    if (json_is_string (v))
        coord_render_esc (out, json_string_value (v));
    else
    if (json_is_integer (v))
        fprintf (out, "%lld", (long long) json_integer_value (v));
    else
    if (json_is_real (v))
        fprintf (out, "%.4g", json_real_value (v));
    else
    if (json_is_boolean (v))
        fputs (json_is_true (v)? "yes": "no", out);
    else
    if (json_is_array (v)) {
        size_t i;
        json_t *e;
        if (json_array_size (v) == 0)
            fputs ("none", out);
        json_array_foreach (v, i, e) {
            if (i)
                fputs (", ", out);
            if (s_html_value (out, e, "?"))
                return -1;
        }
    }
    else
    if (json_is_object (v) && coord_render_str (v, "site") && coord_render_str (v, "reason")) {
        coord_render_esc (out, coord_render_str (v, "site"));
        fputs (": ", out);
        coord_render_esc (out, coord_render_str (v, "reason"));
    }
    else
    if (json_is_object (v)) {
        char *dump = json_dumps (v, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!dump)
            return util_error (UTIL_ENOMEM, "report: out of memory writing an object");
        coord_render_esc (out, dump);
        free (dump);
    }
    else
        fprintf (out, "<span class=\"missing\">%s</span>", missing);
    return 0;
}

static int
s_row (FILE *out, const char *label, const json_t *v, const char *missing)
{
    fprintf (out, "<tr><th>%s</th><td>", label);
    if (s_html_value (out, v, missing))
        return -1;
    fputs ("</td></tr>\n", out);
    return 0;
}

//  Tables sit in a box that scrolls sideways when they are wider than the
//  page (a long feature list, many metrics); charts shrink with the page.
//  Printed: A4, the page's own margins, tables wrap instead of scrolling,
//  and no figure, chart or table row is cut across two pages.
static const char s_css [] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:60rem;"
    "margin:2rem auto;padding:0 1rem;color:#222;line-height:1.4}"
    "h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;"
    "border-bottom:1px solid #ddd;padding-bottom:.2rem}"
    "table{border-collapse:collapse;margin:.5rem 0}th,td{text-align:left;padding:.2rem .8rem "
    ".2rem 0;vertical-align:top;overflow-wrap:break-word}th{font-weight:600;color:#444}"
    ".scroll{overflow-x:auto;max-width:100%}"
    "table.rounds{font-size:.875rem}"
    "table.rounds td,table.rounds th{border-bottom:1px solid #eee;padding:.15rem .6rem}"
    "table.rounds td.n{white-space:nowrap}"
    "tr.failed td{color:#b00020;background:#fff0f0}"
    ".stamp{border:4px solid #d00;color:#d00;font-weight:800;font-size:2rem;letter-spacing:.2rem;"
    "text-align:center;padding:.5rem;margin:1rem 0;transform:rotate(-1deg)}"
    ".stamp small{display:block;font-size:.9rem;letter-spacing:0;font-weight:400}"
    ".privacy{border:2px solid #1f77b4;border-radius:6px;padding:.5rem 1rem;background:#f5f9fd}"
    ".privacy.off{border-color:#d00;background:#fff5f5}"
    ".status-completed{color:#1b7f2a;font-weight:600}.status-failed{color:#b00020;"
    "font-weight:600}.status-running{color:#a06000;font-weight:600}"
    ".missing{color:#b00020;font-style:italic}"
    ".ci{color:#666;font-size:.85em;white-space:nowrap}"
    "p.meaning{color:#1f4e79;font-size:.95rem;max-width:48rem}"
    "p.chart-note{font-size:.9rem;color:#444;margin:.2rem 0 0}"
    "figure{margin:1rem 0}figcaption{font-weight:600;margin-bottom:.3rem}"
    "svg{max-width:100%;height:auto}"
    "svg text{font-size:11px;fill:#333}svg .axis{font-size:12px}svg .legend{font-size:12px}"
    "svg .fail{fill:#d62728;font-size:12px}"
    "footer{margin-top:2rem;color:#777;font-size:.85rem}"
    "@page{size:A4;margin:15mm 12mm}"
    "@media print{body{max-width:none;margin:0;padding:0;font-size:10pt}"
    ".scroll{overflow:visible}table.rounds{width:100%;font-size:8pt}"
    "table.rounds td,table.rounds th{padding:.1rem .3rem}"
    "tr,figure,svg,.privacy,.stamp{break-inside:avoid}h2{break-after:avoid}"
    ".privacy,.stamp,tr.failed td{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

static int
s_html_study (FILE *out, const json_t *study)
{
    int rc = 0;
    const char *status = coord_render_str (study, "status");
    fputs ("<h2>Study</h2>\n<table>\n", out);
    rc |= s_row (out, "Name", json_object_get (study, "name"), "not stated");
    rc |= s_row (out, "Study id", json_object_get (study, "id"), "not stated");
    fputs ("<tr><th>Status</th><td>", out);
    if (status) {
        fputs ("<span class=\"status-", out);
        fputs (strcmp (status, "completed") == 0? "completed":
               strcmp (status, "failed") == 0? "failed": "running", out);
        fputs ("\">", out);
        coord_render_esc (out, status);
        fputs ("</span>", out);
    }
    else
        fputs ("<span class=\"missing\">not stated</span>", out);
    const char *detail = coord_render_str (study, "status_detail");
    if (detail && *detail) {
        fputs (" &mdash; ", out);
        coord_render_esc (out, detail);
    }
    fputs ("</td></tr>\n", out);
    rc |= s_row (out, "Dataset", json_object_get (study, "dataset"), "not stated");
    rc |= s_row (out, "Label", json_object_get (study, "label"), "not stated");
    rc |= s_row (out, "Features", json_object_get (study, "features"), "not stated");
    rc |= s_row (out, "Sites", json_object_get (study, "sites"), "not stated");
    json_t *declined = json_object_get (study, "declined");
    if (json_array_size (declined)) {
        fputs ("<tr><th>Declined</th><td>", out);
        size_t i;
        json_t *d;
        json_array_foreach (declined, i, d) {
            if (i)
                fputs ("<br>", out);
            rc |= s_html_value (out, json_object_get (d, "site"), "?");
            fputs (": ", out);
            rc |= s_html_value (out, json_object_get (d, "reason"), "no reason given");
        }
        fputs ("</td></tr>\n", out);
    }
    rc |= s_row (out, "Threshold (sites to decrypt)", json_object_get (study, "threshold"), "not stated");
    rc |= s_row (out, "Started", json_object_get (study, "started"), "not stated");
    rc |= s_row (out, "Finished", json_object_get (study, "finished"), "not finished");
    double wall;
    if (coord_render_num (study, "wall_s", &wall))
        fprintf (out, "<tr><th>Wall time</th><td>%.1f s</td></tr>\n", wall);
    fputs ("</table>\n", out);
    return rc? -1: 0;
}

static int
s_html_privacy (FILE *out, const json_t *privacy, bool private)
{
    int rc = 0;
    fprintf (out, "<h2>Privacy</h2>\n<div class=\"privacy%s\">\n", private? "": " off");
    if (!private) {
        fputs ("<div class=\"stamp\">NOT PRIVATE<small>", out);
        const char *stamp = coord_render_str (privacy, "stamp");
        if (stamp && strcmp (stamp, "NOT PRIVATE")) {
            coord_render_esc (out, stamp);
            fputs (": ", out);
        }
        fputs ("differential privacy was switched off for this study. Its results carry "
               "no privacy guarantee and must not leave the development setting.</small></div>\n",
               out);
    }
    const char *missing = "not stated in the report";
    fputs ("<table>\n", out);
    rc |= s_row (out, "&#949; spent (epsilon)", json_object_get (privacy, "epsilon"), missing);
    rc |= s_row (out, "&#948; (delta)", json_object_get (privacy, "delta"), missing);
    rc |= s_row (out, "Target &#949;", json_object_get (privacy, "target_epsilon"), missing);
    rc |= s_row (out, "Accountant", json_object_get (privacy, "accountant"), missing);
    rc |= s_row (out, "Conversion to (&#949;, &#948;)", json_object_get (privacy, "conversion"), missing);
    rc |= s_row (out, "Privacy unit", json_object_get (privacy, "unit"), missing);
    rc |= s_row (out, "Neighbouring datasets", json_object_get (privacy, "neighbouring"), missing);
    rc |= s_row (out, "Noise multiplier &#963;/C", json_object_get (privacy, "noise_multiplier"), missing);
    rc |= s_row (out, "Sampling rate q", json_object_get (privacy, "sampling_rate"), missing);
    rc |= s_row (out, "Steps", json_object_get (privacy, "steps"), missing);
    rc |= s_row (out, "Clip C (L2)", json_object_get (privacy, "clip"), missing);
    fputs ("</table>\n</div>\n", out);
    return rc? -1: 0;
}

//  " [lo, hi]" after a metric that has an interval beside it.
static void
s_html_interval (FILE *out, const json_t *metrics, const char *name)
{
    double lo, hi;
    unsigned level;
    if (coord_render_interval (metrics, name, &lo, &hi, &level))
        fprintf (out, " <span class=\"ci\" title=\"%u%% interval for the exact value (DP "
                      "noise and binning)\">[%.3g, %.3g]</span>", level, lo, hi);
}

//  What a DP metric's interval means, in one plain sentence, under the
//  final metrics: the first metric with an interval (the AUC) says it.
static void
s_html_meaning (FILE *out, const json_t *final, bool private)
{
    if (!private) {
        fputs ("<p class=\"meaning\">Privacy was off: these are the exact metrics on the sites' "
               "held-out records, with no noise and no interval.</p>\n", out);
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach ((json_t *) final, key, v) {
        double x, lo, hi;
        unsigned level;
        if (!coord_render_num (final, key, &x) || !coord_render_interval (final, key, &lo, &hi, &level))
            continue;
        fputs ("<p class=\"meaning\">", out);
        coord_render_esc (out, key);
        fprintf (out, " (%.3g) was computed from noisy (differentially private) counts of the "
                      "model's scores on the sites' held-out records; with %u%% confidence its "
                      "exact value on those records lies in [%.3g, %.3g], allowing for that "
                      "noise and for the binning of the scores", x, level, lo, hi);
        //  "Wide" against the metric's own scale: a tenth of [0, 1]; nine
        //  tenths say nothing at all.
        if (hi - lo > 0.9)
            fputs (": so wide that it says nothing, because the evaluation spends a small "
                   "share of &#949; on few records (a larger eval_share, or more held-out "
                   "records, narrows it)", out);
        else
        if (hi - lo > 0.1)
            fputs (", wide because the evaluation spends a small share of &#949; on few "
                   "records, so the noise is as large as many of the counts", out);
        fputs (". It describes those held-out records only, not how the model would do on new "
               "patients.</p>\n", out);
        return;
    }
    fputs ("<p class=\"meaning\">These metrics were computed from noisy (differentially "
           "private) counts of the model's scores on the sites' held-out records; the report "
           "gives no interval for them, so a small difference between two studies may be "
           "noise.</p>\n", out);
}

static int
s_html_metrics (FILE *out, const json_t *final, bool private)
{
    int rc = 0;
    fputs ("<h2>Final metrics</h2>\n", out);
    if (!json_is_object (final) || json_object_size (final) == 0) {
        fputs ("<p class=\"missing\">No final evaluation in the report.</p>\n", out);
        return 0;
    }
    fputs ("<table>\n", out);
    const char *key;
    json_t *v;
    json_object_foreach ((json_t *) final, key, v) {
        //  An interval's bounds are shown beside their metric.
        double lo, hi;
        unsigned level;
        size_t base;
        if (coord_render_bound (key, &base, NULL, NULL)) {
            char name [256];
            snprintf (name, sizeof name, "%.*s", (int) base, key);
            if (coord_render_interval (final, name, &lo, &hi, &level)
            &&  json_is_number (json_object_get (final, name)))
                continue;
        }
        fputs ("<tr><th>", out);
        coord_render_esc (out, key);
        fputs ("</th><td>", out);
        rc |= s_html_value (out, v, "?");
        if (json_is_number (v))
            s_html_interval (out, final, key);
        fputs ("</td></tr>\n", out);
    }
    fputs ("</table>\n", out);
    s_html_meaning (out, final, private);
    return rc? -1: 0;
}

static int
s_html_rounds (FILE *out, const json_t *rounds, const char **all, size_t n_all)
{
    int rc = 0;
    fputs ("<h2>Rounds</h2>\n", out);
    if (json_array_size (rounds) == 0) {
        fputs ("<p class=\"missing\">No rounds were run.</p>\n", out);
        return 0;
    }
    //  An interval's bounds go in their metric's cell, not in columns of
    //  their own.
    const char *names [S_METRICS_MAX];
    size_t n_names = 0;
    bool intervals = false;
    for (size_t j = 0; j < n_all; j++)
        if (!coord_render_bound (all [j], NULL, NULL, NULL))
            names [n_names++] = all [j];
        else
            intervals = true;
    fputs ("<div class=\"scroll\"><table class=\"rounds\">\n<thead><tr><th>round</th><th>kind</th>"
           "<th>step</th><th>status</th><th>&#949; spent</th><th>sites</th><th>excluded</th>"
           "<th>rejected messages</th>", out);
    for (size_t j = 0; j < n_names; j++) {
        fputs ("<th>", out);
        coord_render_esc (out, names [j]);
        fputs ("</th>", out);
    }
    fputs ("</tr></thead>\n<tbody>\n", out);
    size_t i;
    json_t *r;
    json_array_foreach (rounds, i, r) {
        const char *status = coord_render_str (r, "status");
        bool failed = status && strcmp (status, "ok") != 0;
        fprintf (out, "<tr%s>", failed? " class=\"failed\"": "");
        const char *cols [] = { "round", "kind", "step", "status", "epsilon_spent",
                                "sites_contributed", "excluded", "rejected", NULL };
        for (const char **c = cols; *c; c++) {
            fputs ("<td>", out);
            json_t *v = json_object_get (r, *c);
            //  Nothing to show is a plain dash (a stats or eval round has
            //  no step), not a value missing from the report.
            if ((json_is_array (v) && json_array_size (v) == 0) || !v || json_is_null (v))
                fputs ("&ndash;", out);
            else
                rc |= s_html_value (out, v, "&ndash;");
            //  A failed round says why next to its status.
            const char *detail = coord_render_str (r, "detail");
            if (strcmp (*c, "status") == 0 && detail && *detail) {
                fputs (": ", out);
                coord_render_esc (out, detail);
            }
            fputs ("</td>", out);
        }
        json_t *m = json_object_get (r, "metrics");
        for (size_t j = 0; j < n_names; j++) {
            json_t *v = json_object_get (m, names [j]);
            fputs (json_is_number (v)? "<td class=\"n\">": "<td>", out);
            rc |= s_html_value (out, v, "");
            if (json_is_number (v))
                s_html_interval (out, m, names [j]);
            fputs ("</td>", out);
        }
        fputs ("</tr>\n", out);
    }
    fputs ("</tbody></table></div>\n", out);
    if (intervals)
        fputs ("<p class=\"chart-note\">[lo, hi] after a metric: its interval for the exact "
               "value, allowing for the DP noise and the binning (see the final metrics).</p>\n",
               out);
    return rc? -1: 0;
}

static int
s_html_model (FILE *out, const json_t *model)
{
    int rc = 0;
    fputs ("<h2>Model</h2>\n", out);
    if (!json_is_object (model)) {
        fputs ("<p class=\"missing\">The report holds no model.</p>\n", out);
        return 0;
    }
    const char *type = coord_render_str (model, "type");
    fputs ("<p>Type: ", out);
    coord_render_esc (out, type? type: "not stated");
    fputs (". The full model file (docs/model-format.md) is the report's "
           "<code>model</code> member; <code>cohort predict</code> applies it.</p>\n", out);
    json_t *lr = json_object_get (model, "logistic");
    json_t *orig = json_object_get (lr, "original_scale");
    json_t *coefs = json_object_get (orig, "coefficients");
    if (json_is_object (coefs)) {
        fputs ("<p>Logistic regression on the original (unstandardised) scale: "
               "p = sigmoid(intercept + &sum; coefficient &times; value).</p>\n"
               "<table>\n", out);
        rc |= s_row (out, "intercept", json_object_get (orig, "intercept"), "?");
        const char *key;
        json_t *v;
        json_object_foreach (coefs, key, v) {
            fputs ("<tr><td>", out);
            coord_render_esc (out, key);
            fputs ("</td><td>", out);
            rc |= s_html_value (out, v, "?");
            fputs ("</td></tr>\n", out);
        }
        fputs ("</table>\n", out);
    }
    json_t *mlp = json_object_get (model, "mlp");
    if (json_is_object (mlp)) {
        fputs ("<table>\n", out);
        rc |= s_row (out, "Hidden layers", json_object_get (mlp, "hidden"), "?");
        rc |= s_row (out, "Activation", json_object_get (mlp, "activation"), "?");
        fprintf (out, "<tr><th>Parameters</th><td>%zu</td></tr>\n</table>\n",
                 json_array_size (json_object_get (mlp, "parameters")));
    }
    return rc? -1: 0;
}

//  The contribution table (docs/report.md): one row per site.
static int
s_html_contributions (FILE *out, const json_t *rows, bool private)
{
    if (!json_is_array (rows) || json_array_size (rows) == 0)
        return 0;
    fputs ("<h2>Contributions</h2>\n<p>Each site's part in this study: the rounds its update "
           "went into, its training records as it declared them", out);
    fputs (private? " (noised: never an exact count)": "", out);
    fputs (private? ", and the privacy budget this study took from its own ledger.</p>\n"
                  : ".</p>\n", out);
    fputs ("<div class=\"scroll\"><table>\n<tr><th>Site</th><th>Rounds</th><th>Records "
           "(DP)</th><th>&#949; charged</th></tr>\n", out);
    size_t i;
    json_t *row;
    int rc = 0;
    json_array_foreach (rows, i, row) {
        fputs ("<tr><td>", out);
        rc |= s_html_value (out, json_object_get (row, "site"), "?");
        fputs ("</td><td>", out);
        rc |= s_html_value (out, json_object_get (row, "rounds_contributed"), "?");
        fputs ("</td><td>", out);
        rc |= s_html_value (out, json_object_get (row, "records_dp"), "not sent");
        fputs ("</td><td>", out);
        rc |= s_html_value (out, json_object_get (row, "epsilon"), private? "?": "none");
        fputs ("</td></tr>\n", out);
    }
    fputs ("</table></div>\n", out);
    return rc? -1: 0;
}

static int
s_render_html (const json_t *report, FILE *out)
{
    json_t *study = json_object_get (report, "study");
    json_t *privacy = json_object_get (report, "privacy");
    json_t *rounds = json_object_get (report, "rounds");
    //  Anything but an explicit `private: true` is shown as not private.
    bool private = json_is_true (json_object_get (privacy, "private"));
    const char *name = coord_render_str (study, "name");

    fputs ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
           "style-src 'unsafe-inline'; img-src data:\">\n<title>", out);
    if (!private)
        fputs ("NOT PRIVATE &mdash; ", out);
    fputs ("Cohort report: ", out);
    coord_render_esc (out, name? name: "unnamed study");
    fprintf (out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>Cohort report: ", s_css);
    coord_render_esc (out, name? name: "unnamed study");
    fputs ("</h1>\n", out);
    if (!private)
        fputs ("<div class=\"stamp\">NOT PRIVATE<small>Differential privacy was off: "
               "development use only.</small></div>\n", out);
    double eps, delta;
    if (private && coord_render_num (privacy, "epsilon", &eps) && coord_render_num (privacy, "delta", &delta))
        fprintf (out, "<p>Differentially private: (&#949; = %.4g, &#948; = %.3g) spent.</p>\n",
                 eps, delta);

    if (s_html_study (out, study) || s_html_privacy (out, privacy, private)
    ||  s_html_metrics (out, json_object_get (report, "final_metrics"), private))
        return -1;

    fputs ("<h2>Charts</h2>\n", out);
    const char *names [S_METRICS_MAX];
    size_t n_names = s_metric_names (report, names);
    coord_chart_metrics (out, report, names, n_names);
    coord_chart_epsilon (out, report);
    coord_chart_participation (out, report);
    if (s_html_contributions (out, json_object_get (report, "contributions"), private)
    ||  s_html_rounds (out, rounds, names, n_names)
    ||  s_html_model (out, json_object_get (report, "model")))
        return -1;
    fputs ("<footer>Written by Cohort from a version 1 report (cohort_report: 1).</footer>\n"
           "</body>\n</html>\n", out);
    return 0;
}

//  A query's report (coordinator/query.h).
static int
s_render_query (const json_t *report, const char *format, FILE *out)
{
    if (!out)
        return util_error (UTIL_EINPUT, "render: no output stream");
    if (!strcmp (format, "json"))
        return s_render_json (report, out);
    if (!strcmp (format, "text"))
        return coord_query_text (report, out);
    char *text = !strcmp (format, "csv")? coord_query_csv (report)
               : !strcmp (format, "html")? coord_query_html (report): NULL;
    if (!text) {
        if (strcmp (format, "csv") && strcmp (format, "html"))
            return util_error (UTIL_EINPUT, "render: unknown format '%s' (json, csv, html or "
                               "text)", format);
        return -1;
    }
    int rc = fputs (text, out) < 0 || fflush (out) || ferror (out)
           ? util_error (UTIL_EIO, "render: write error"): 0;
    free (text);
    return rc;
}

int
coord_render (const json_t *report, const char *format, FILE *out)
{
    if (!format)
        return util_error (UTIL_EINPUT, "render: no format given");
    if (json_is_object (report) && json_object_get (report, "query")
    &&  json_object_get (report, "results"))
        return s_render_query (report, format, out);
    int (*fn) (const json_t *, FILE *) =
        strcmp (format, "json") == 0? s_render_json:
        strcmp (format, "csv") == 0?  s_render_csv:
        strcmp (format, "html") == 0? s_render_html: NULL;
    if (!fn)
        return util_error (UTIL_EINPUT, "render: unknown format '%s' (json, csv or html)", format);
    if (!out)
        return util_error (UTIL_EINPUT, "render: no output stream");
    if (s_check (report))
        return -1;
    if (fn (report, out))
        return -1;
    if (fflush (out) || ferror (out))
        return util_error (UTIL_EIO, "render: write error");
    return 0;
}
