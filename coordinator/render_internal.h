/*  coordinator/render_internal.h - shared by render.c, chart.c and
    query_render.c (private to coordinator/): report field access, HTML
    escaping, CSV cells, and the charts. */
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

/*  The three SVG charts of the HTML page. */
void coord_chart_metrics (FILE *out, const json_t *report, const char **names, size_t n_names);
void coord_chart_epsilon (FILE *out, const json_t *report);
void coord_chart_participation (FILE *out, const json_t *report);

#endif
