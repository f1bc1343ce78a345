/*  coordinator/render_internal.h - shared by render.c and chart.c (private
    to coordinator/): report field access and HTML escaping, and the charts. */
#ifndef COORD_RENDER_INTERNAL_H
#define COORD_RENDER_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*  Writes text with &, <, >, ", ' escaped and control characters replaced:
    every string from the report goes through here. */
void coord_render_esc (FILE *out, const char *text);

/*  obj[key] as a finite number into *out; false if absent or not one. */
bool coord_render_num (const json_t *obj, const char *key, double *out);

/*  obj[key] if it is a string, else NULL. Borrowed. */
const char *coord_render_str (const json_t *obj, const char *key);

/*  The three SVG charts of the HTML page. */
void coord_chart_metrics (FILE *out, const json_t *report, const char **names, size_t n_names);
void coord_chart_epsilon (FILE *out, const json_t *report);
void coord_chart_participation (FILE *out, const json_t *report);

#endif
