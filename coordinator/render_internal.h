/*  coordinator/render_internal.h - shared by render.c, chart.c,
    query_render.c and query_text.c (private to coordinator/): report field
    access, HTML escaping, CSV cells, the charts, and what the query reports
    of a model (glm(), coxph()) share. */
#ifndef COORD_RENDER_INTERNAL_H
#define COORD_RENDER_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*  Writes text with &, <, >, ", ' escaped and control characters replaced:
    every string from the report goes through here. */
void coord_render_esc (FILE *out, const char *text);

/*  Writes text as one RFC 4180 CSV cell: quoted when it holds a comma,
    quote or line break (quotes doubled), and with a leading ' inside
    quotes when a spreadsheet would run it as a formula (=, +, -, @, tab,
    CR first). With `signed_numbers`, text that starts with '-' and a digit
    or '.', and "-Inf", stays as it is (query levels such as "-5" or
    "[-Inf,30)" are not formulas). */
void coord_render_csv_text (FILE *out, const char *text, bool signed_numbers);

/*  obj[key] as a finite number into *out; false if absent or not one. */
bool coord_render_num (const json_t *obj, const char *key, double *out);

/*  obj[key] if it is a string, else NULL. Borrowed. */
const char *coord_render_str (const json_t *obj, const char *key);

/*  Whether a metric name is the bound of an interval reported beside
    another metric: "<base>_low_<level>" or "<base>_high_<level>" with
    level 1..99 in percent ("auc_low_90"). When it is, and the pointers are
    not NULL: *base_len the length of <base>, *high which bound, *level. */
bool coord_render_bound (const char *name, size_t *base_len, bool *high, unsigned *level);

/*  The interval reported beside metrics[name]: true with *lo, *hi and
    *level (percent) when metrics holds "<name>_low_<level>" and
    "<name>_high_<level>" as numbers, lo <= hi; false (outputs untouched)
    otherwise. */
bool coord_render_interval (const json_t *metrics, const char *name, double *lo, double *hi,
                            unsigned *level);

/*  The three SVG charts of the HTML page. */
void coord_chart_metrics (FILE *out, const json_t *report, const char **names, size_t n_names);
void coord_chart_epsilon (FILE *out, const json_t *report);
void coord_chart_participation (FILE *out, const json_t *report);

/*  A model report (its kind "glm" or "coxph"): the fit statistics that
    follow its coefficients, in the order reports show them, and their
    labels; cox: coefficients carry z and hazard ratios. */
typedef struct {
    const char *kind;
    bool cox;
    const char *const *fit;
    const char *const *label;
    size_t n_fit;
} coord_render_model_t;

/*  The model of a query report by its kind; NULL for any other report.
    Borrowed (static). */
const coord_render_model_t *coord_render_model (const json_t *report);

/*  A glm() family as reports name it. */
typedef struct {
    const char *name;           //  "gaussian", "binomial", "poisson"
    const char *title;          //  "logistic regression (binomial family, logit link)"
    const char *ratio;          //  exp(estimate): "odds ratio", "rate ratio"; NULL
} coord_render_family_t;

/*  The family of a glm() report, read from its query text by the query
    parser (proto_query_parse): 0 with *family NULL when the report has no
    text, the text does not parse or is not a glm(); -1 (UTIL_ENOMEM) when
    memory runs out. *family is static. */
int coord_render_family (const json_t *report, const coord_render_family_t **family);

/*  The likelihood-ratio test of a coxph() report's results: *chisq = 2
    (loglik - loglik_null) on *df = the number of coefficients, and its
    upper-tail p-value. false (outputs untouched) when either
    log-likelihood is not a finite number or there is no coefficient. */
bool coord_render_lr (const json_t *results, double *chisq, size_t *df, double *p);

#endif
